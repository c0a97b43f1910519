// SPDX-License-Identifier: GPL-2.0
/*
 * bufpool tracking mode: who took each buffer, and who misused one.
 *
 * A tracked take gets a record: the taker's stack (a stack_depot handle),
 * return address, task and time, and the buffer's size.  The records of all
 * pools live in one rhashtable keyed by buffer address, so that a return can
 * be traced to the pool that really owns the buffer, whichever pool it is
 * returned to.  A tracked buffer that comes back keeps its record, now
 * "idle" with the return's stack, and is filled with a poison; a second
 * return names both returns, and a take that finds the poison changed
 * reports the write after return and quarantines the buffer.  The record
 * goes when the buffer leaves the pool for the backend.
 *
 * Leaks are reported grouped by allocation stack, most frequent first, when
 * a pool is destroyed with buffers out, when bufpool unloads, and when a
 * client module unloads while holding buffers (a module notifier): then
 * the leak is certain.
 *
 * Off, it costs the fast paths one static branch: bufpool_track_key is
 * enabled while any pool is "hooked" (tracked now or before, or strict).
 * Recording is best effort: when a record cannot be made (no memory in an
 * atomic take) the take still succeeds and the buffer is counted untracked.
 *
 * See Documentation/tracking.rst.
 */
#include <linux/jiffies.h>
#include <linux/kallsyms.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/panic.h>
#include <linux/printk.h>
#include <linux/random.h>
#include <linux/ratelimit.h>
#include <linux/rhashtable.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/stackdepot.h>
#include <linux/stacktrace.h>
#include <linux/string.h>

#include "internal.h"

#include <trace/events/bufpool.h>

/* === Data === */

/* Frames kept of a stack, and room for bufpool's own frames above them. */
#define BUFPOOL_TRACK_DEPTH	16
#define BUFPOOL_TRACK_ENTRIES	(BUFPOOL_TRACK_DEPTH + 16)
/* Most stacks a leak report prints. */
#define BUFPOOL_REPORT_STACKS_MAX	256

static bool bufpool_track_param;
module_param_named(track, bufpool_track_param, bool, 0644);
MODULE_PARM_DESC(track, "Track every pool created from now on");

static unsigned int bufpool_track_sample = 1;
module_param_named(track_sample, bufpool_track_sample, uint, 0644);
MODULE_PARM_DESC(track_sample,
		 "Tracked pools record one take in N (default 1: every take)");

static bool bufpool_strict_param;
module_param_named(strict, bufpool_strict_param, bool, 0644);
MODULE_PARM_DESC(strict,
		 "Pools created from now on never recycle: every return frees");

VISIBLE_IF_KUNIT bool bufpool_leak_panic;
EXPORT_SYMBOL_IF_KUNIT(bufpool_leak_panic);
module_param_named(leak_panic, bufpool_leak_panic, bool, 0644);
MODULE_PARM_DESC(leak_panic, "Panic after a leak or misuse report");

VISIBLE_IF_KUNIT unsigned int bufpool_report_stacks = 16;
EXPORT_SYMBOL_IF_KUNIT(bufpool_report_stacks);
module_param_named(report_stacks, bufpool_report_stacks, uint, 0644);
MODULE_PARM_DESC(report_stacks,
		 "Most allocation stacks a leak report prints (default 16)");

/* Misuse reports print at most 10 per 5 s; all are counted. */
VISIBLE_IF_KUNIT struct ratelimit_state bufpool_misuse_rs =
	RATELIMIT_STATE_INIT(bufpool_misuse_rs, 5 * HZ, 10);
EXPORT_SYMBOL_IF_KUNIT(bufpool_misuse_rs);

/* KUnit: make the next N recordings fail, as if out of memory. */
VISIBLE_IF_KUNIT atomic_t bufpool_track_fail_next = ATOMIC_INIT(0);
EXPORT_SYMBOL_IF_KUNIT(bufpool_track_fail_next);

DEFINE_STATIC_KEY_FALSE(bufpool_track_key);
EXPORT_SYMBOL_IF_KUNIT(bufpool_track_key);

/* Protects bufpool_track_pools and every pool's track.hooked and .sample. */
static DEFINE_MUTEX(bufpool_track_mutex);
/* Hooked pools, live or dying: the client-module leak report walks them. */
static LIST_HEAD(bufpool_track_pools);

/* Protects bufpool_frame_buf, where reports format a stack frame. */
static DEFINE_SPINLOCK(bufpool_frame_lock);
static char bufpool_frame_buf[KSYM_SYMBOL_LEN];

/* Records, from this cache, indexed by buffer address. */
static struct kmem_cache *bufpool_track_cache;
static struct rhashtable bufpool_track_index;

enum bufpool_rec_state {
	BUFPOOL_REC_OUT,		/* taken */
	BUFPOOL_REC_IDLE,		/* returned, poisoned, in the pool */
	BUFPOOL_REC_QUARANTINED,	/* written after return: kept out */
	BUFPOOL_REC_BOOKMARK,		/* not a record: bufpool_records_walk() */
};

enum bufpool_ctx {
	BUFPOOL_CTX_TASK,
	BUFPOOL_CTX_SOFTIRQ,
	BUFPOOL_CTX_HARDIRQ,
};

static const char * const bufpool_ctx_names[] = {
	[BUFPOOL_CTX_TASK]	= "task",
	[BUFPOOL_CTX_SOFTIRQ]	= "softirq in task",
	[BUFPOOL_CTX_HARDIRQ]	= "hardirq in task",
};

static const char * const bufpool_report_names[] = {
	[BUFPOOL_REPORT_DESTROY]	= "destroy leak",
	[BUFPOOL_REPORT_UNLOAD]		= "unload leak",
	[BUFPOOL_REPORT_MODULE]		= "module leak",
	[BUFPOOL_REPORT_SHOW]		= "outstanding",
	[BUFPOOL_REPORT_MISUSE]		= "misuse",
};

/**
 * struct bufpool_who - one take or return of a tracked buffer
 * @stack: the caller's stack from the caller down, or 0 without stack_depot
 * @ctx: enum bufpool_ctx
 * @pid: the task, or the interrupted task in irq context
 * @ip: the caller of bufpool_take() or bufpool_return()
 * @time: when, in jiffies
 * @comm: the task's name
 */
struct bufpool_who {
	depot_stack_handle_t stack;
	u8 ctx;
	pid_t pid;
	unsigned long ip;
	unsigned long time;
	char comm[TASK_COMM_LEN];
};

/**
 * struct bufpool_track_rec - the record of a tracked buffer
 * @node: link in bufpool_track_index
 * @addr: the buffer, the index key
 * @pool: the pool the buffer belongs to; never changes
 * @list: link in the pool's track.records
 * @size: usable bytes
 * @state: enum bufpool_rec_state
 * @linked: in the index and on @pool's list; cleared, under the pool's
 *	track.lock, when it leaves both
 * @take: the last take
 * @ret: the last return, while idle or quarantined
 * @owner: the module whose __init code made the last take, noted when it
 *	went live (its init code is gone by the time it unloads), or %NULL
 * @rcu: for freeing: lookups run under RCU
 *
 * @state, @take and @ret change under @pool's track.lock.
 */
struct bufpool_track_rec {
	struct rhash_head node;
	unsigned long addr;
	struct bufpool *pool;
	struct list_head list;
	size_t size;
	u8 state;
	bool linked;
	struct bufpool_who take;
	struct bufpool_who ret;
	const void *owner;
	struct rcu_head rcu;
};

static const struct rhashtable_params bufpool_track_params = {
	.head_offset = offsetof(struct bufpool_track_rec, node),
	.key_offset = offsetof(struct bufpool_track_rec, addr),
	.key_len = sizeof_field(struct bufpool_track_rec, addr),
	.automatic_shrinking = true,
};

/* === Records === */

#ifdef CONFIG_STACKTRACE
static unsigned int bufpool_stack_save(unsigned long *entries, unsigned int n)
{
	return stack_trace_save(entries, n, 0);
}
#else
static unsigned int bufpool_stack_save(unsigned long *entries, unsigned int n)
{
	return 0;
}
#endif /* CONFIG_STACKTRACE */

/*
 * Save the current stack into @entries (BUFPOOL_TRACK_ENTRIES of them), from
 * @caller down.  bufpool's own frames are dropped by looking for @caller,
 * the return address into the caller of bufpool_take() or bufpool_return():
 * unlike stack_trace_save()'s skip count, that works with every unwinder
 * (UML's ignores the count) and however the compiler inlined bufpool.
 * Returns the number of entries, at most BUFPOOL_TRACK_DEPTH.
 */
static unsigned int bufpool_track_stack(unsigned long *entries,
					unsigned long caller)
{
	unsigned int nr, i;

	nr = bufpool_stack_save(entries, BUFPOOL_TRACK_ENTRIES);
	for (i = 0; i < nr; i++)
		if (entries[i] == caller)
			break;
	if (i == nr) {
		/* Not found (no unwinder, or too deep): the caller alone. */
		entries[0] = caller;
		return 1;
	}
	nr = min(nr - i, BUFPOOL_TRACK_DEPTH);
	memmove(entries, entries + i, nr * sizeof(*entries));
	return nr;
}

/* Keep a stack in the depot, with a reference the record owns. */
static depot_stack_handle_t bufpool_track_keep(unsigned long *entries,
					       unsigned int nr, gfp_t gfp)
{
	if (!IS_ENABLED(CONFIG_STACKDEPOT) || nr <= 1)
		return 0;
	return stack_depot_save_flags(entries, nr, gfp,
				      STACK_DEPOT_FLAG_CAN_ALLOC |
				      STACK_DEPOT_FLAG_GET);
}

static void bufpool_track_put(depot_stack_handle_t stack)
{
	if (IS_ENABLED(CONFIG_STACKDEPOT) && stack)
		stack_depot_put(stack);
}

static void bufpool_who_set(struct bufpool_who *w, depot_stack_handle_t stack,
			    unsigned long ip)
{
	w->stack = stack;
	w->ip = ip;
	w->time = jiffies;
	if (in_task())
		w->ctx = BUFPOOL_CTX_TASK;
	else if (in_hardirq())
		w->ctx = BUFPOOL_CTX_HARDIRQ;
	else
		w->ctx = BUFPOOL_CTX_SOFTIRQ;
	w->pid = task_pid_nr(current);
	strscpy(w->comm, current->comm);
}

static struct bufpool_track_rec *bufpool_rec_alloc(gfp_t gfp)
{
	if (IS_ENABLED(CONFIG_BUFPOOL_KUNIT_TEST) &&
	    atomic_add_unless(&bufpool_track_fail_next, -1, 0))
		return NULL;
	/* The taker's context and reclaim rules; no zeroing, no warning. */
	return kmem_cache_zalloc(bufpool_track_cache, gfp_nested_mask(gfp));
}

/* Count @rec in, or out of, its pool's filter (bufpool_track_return_p()). */
static void bufpool_filter_add(struct bufpool_track *t,
			       const struct bufpool_track_rec *rec, int delta)
	__must_hold(&t->lock)
{
	u8 *filter = container_of(t, struct bufpool, track)->filter;
	u8 *c;

	if (!filter)
		return;
	c = &filter[hash_ptr((void *)rec->addr, BUFPOOL_FILTER_BITS)];
	/* Saturated counters stay: a false positive costs a lookup only. */
	if (*c != U8_MAX)
		WRITE_ONCE(*c, *c + delta);
}

/* Take @rec out of the index and its pool's list. */
static void bufpool_rec_unlink(struct bufpool_track *t,
			       struct bufpool_track_rec *rec)
	__must_hold(&t->lock)
{
	lockdep_assert_held(&t->lock);
	bufpool_filter_add(t, rec, -1);
	rhashtable_remove_fast(&bufpool_track_index, &rec->node,
			       bufpool_track_params);
	list_del(&rec->list);
	rec->linked = false;
	switch (rec->state) {
	case BUFPOOL_REC_OUT:
		t->nr_out--;
		break;
	case BUFPOOL_REC_IDLE:
		t->nr_idle--;
		break;
	case BUFPOOL_REC_QUARANTINED:
		t->nr_quarantined--;
		t->quarantined_bytes -= rec->size;
		break;
	}
}

/* Before 6.12 (compat.h): so that bufpool_track_exit() can wait for it. */
static void bufpool_rec_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(bufpool_track_cache,
			container_of(head, struct bufpool_track_rec, rcu));
}

/* Free an unlinked record; lookups may still see it until a grace period. */
static void bufpool_rec_free(struct bufpool_track_rec *rec)
{
	bufpool_track_put(rec->take.stack);
	bufpool_track_put(rec->ret.stack);
	if (BUFPOOL_KFREE_RCU_WAITED)
		kfree_rcu(rec, rcu);
	else
		call_rcu(&rec->rcu, bufpool_rec_free_rcu);
}

static struct bufpool_track_rec *bufpool_rec_lookup(const void *buf)
{
	unsigned long key = (unsigned long)buf;

	return rhashtable_lookup(&bufpool_track_index, &key,
				 bufpool_track_params);
}

/* Records a walk looks at per hold of the pool's lock (interrupts off). */
#define BUFPOOL_WALK_BATCH		256

/* For the KUnit suite: the most records a walk looked at in one hold. */
VISIBLE_IF_KUNIT unsigned int bufpool_walk_longest;
EXPORT_SYMBOL_IF_KUNIT(bufpool_walk_longest);

static void bufpool_walk_unlock(struct bufpool_track *t, unsigned long flags,
				unsigned int held)
	__releases(&t->lock)
{
	spin_unlock_irqrestore(&t->lock, flags);
	if (IS_ENABLED(CONFIG_KUNIT) && held > READ_ONCE(bufpool_walk_longest))
		WRITE_ONCE(bufpool_walk_longest, held);
}

/*
 * Call @fn on each of @t's records, under @t's lock, but let go of the lock
 * every BUFPOOL_WALK_BATCH records, so that a pool with a million buffers
 * out does not keep interrupts off for long.  Meanwhile a bookmark on the
 * list (a record in state BUFPOOL_REC_BOOKMARK, on this stack) keeps the
 * place, as __wake_up_common() does; walks skip each other's bookmarks.
 * @fn may unlink the record it is given; it returns false to stop the walk.
 */
static void bufpool_records_walk(struct bufpool_track *t,
				 bool (*fn)(struct bufpool_track *t,
					    struct bufpool_track_rec *rec,
					    void *arg),
				 void *arg)
{
	struct bufpool_track_rec mark = { .state = BUFPOOL_REC_BOOKMARK };
	struct bufpool_track_rec *rec, *next;
	unsigned int held = 0;
	unsigned long flags;

	might_sleep();
	spin_lock_irqsave(&t->lock, flags);
	for (rec = list_first_entry(&t->records, typeof(*rec), list);
	     !list_entry_is_head(rec, &t->records, list); rec = next) {
		next = list_next_entry(rec, list);
		if (rec->state == BUFPOOL_REC_BOOKMARK)
			continue;
		if (!fn(t, rec, arg))
			break;
		if (++held < BUFPOOL_WALK_BATCH ||
		    list_entry_is_head(next, &t->records, list))
			continue;
		list_add_tail(&mark.list, &next->list);
		bufpool_walk_unlock(t, flags, held);
		cond_resched();
		held = 0;
		spin_lock_irqsave(&t->lock, flags);
		next = list_next_entry(&mark, list);
		list_del(&mark.list);
	}
	bufpool_walk_unlock(t, flags, held);
}

/* === Reports === */

/**
 * struct bufpool_sink - where a report goes
 * @seq: a seq_file, or %NULL for the kernel log
 * @name: the pool the log lines name
 * @err: log at KERN_ERR (misuse) rather than KERN_WARNING (leaks)
 */
struct bufpool_sink {
	struct seq_file *seq;
	const char *name;
	bool err;
};

static __printf(2, 3) void bufpool_printk(const struct bufpool_sink *s,
				       const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	if (s->seq) {
		seq_vprintf(s->seq, fmt, args);
	} else {
		vaf.fmt = fmt;
		vaf.va = &args;
		/*
		 * A report in the log ends in a panic with leak_panic: like
		 * an oops, it goes to the console whatever the loglevel.
		 */
		if (READ_ONCE(bufpool_leak_panic))
			console_verbose();
		if (s->err)
			pr_err("bufpool: %s: %pV", s->name, &vaf);
		else
			pr_warn("bufpool: %s: %pV", s->name, &vaf);
	}
	va_end(args);
}

/*
 * One frame, formatted here rather than by printk's own %pS: no second,
 * nested vsnprintf() with its symbol buffer on the stack, and an address
 * without a symbol (freed __init code, an unloaded module), which %pS would
 * print raw, can be printed hashed, as %p does everywhere else.
 */
static void bufpool_out_frame(const struct bufpool_sink *s, unsigned long ip)
{
	unsigned long flags;

	spin_lock_irqsave(&bufpool_frame_lock, flags);
	snprintf(bufpool_frame_buf, sizeof(bufpool_frame_buf), "%pS",
		 (void *)ip);
	if (!strncmp(bufpool_frame_buf, "0x", 2))
		snprintf(bufpool_frame_buf, sizeof(bufpool_frame_buf),
			 "%p (no symbol)", (void *)ip);
	bufpool_printk(s, " %s\n", bufpool_frame_buf);
	spin_unlock_irqrestore(&bufpool_frame_lock, flags);
}

static void bufpool_out_entries(const struct bufpool_sink *s,
				const unsigned long *entries, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		bufpool_out_frame(s, entries[i]);
}

/* A stack from the depot; just the caller if there is none. */
static void bufpool_out_stack(const struct bufpool_sink *s,
			      depot_stack_handle_t stack, unsigned long ip)
{
	unsigned long *entries;
	unsigned int nr = 0;

	if (IS_ENABLED(CONFIG_STACKDEPOT) && stack)
		nr = stack_depot_fetch(stack, &entries);
	if (nr)
		bufpool_out_entries(s, entries, nr);
	else
		bufpool_out_frame(s, ip);
}

static void bufpool_out_who(const struct bufpool_sink *s, const char *what,
			    const struct bufpool_who *w)
{
	bufpool_printk(s, "%s by %s %d (%s) %u ms ago:\n", what,
		       bufpool_ctx_names[w->ctx], w->pid, w->comm,
		       jiffies_to_msecs(jiffies - w->time));
	bufpool_out_stack(s, w->stack, w->ip);
}

/* The offender: this context, with the stack captured at the return. */
static void bufpool_out_now(const struct bufpool_sink *s, const char *what,
			    const unsigned long *entries, unsigned int nr)
{
	struct bufpool_who now;

	bufpool_who_set(&now, 0, 0);
	bufpool_printk(s, "%s by %s %d (%s):\n", what, bufpool_ctx_names[now.ctx],
		       now.pid, now.comm);
	bufpool_out_entries(s, entries, nr);
}

static const char *bufpool_plural(unsigned long n)
{
	return n == 1 ? "" : "s";
}

/**
 * bufpool_track_should_panic() - whether a report ends in a panic
 * @why: the report
 * @nr: how many buffers it reported (leaks) or 1 (misuse)
 *
 * With bufpool.leak_panic=1, every leak report that names a buffer and
 * every misuse report panics; the debugfs listing never does.
 *
 * Context: any context.
 * Return: %true to panic.
 */
VISIBLE_IF_KUNIT bool bufpool_track_should_panic(enum bufpool_report why,
						 unsigned long nr)
{
	return nr && why != BUFPOOL_REPORT_SHOW && READ_ONCE(bufpool_leak_panic);
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_track_should_panic);

static void bufpool_report_done(const char *name, enum bufpool_report why,
				unsigned long nr)
{
	if (bufpool_track_should_panic(why, nr))
		panic("bufpool: %s: %s report and bufpool.leak_panic=1\n", name,
		      bufpool_report_names[why]);
}

/* Misuse reports are made under the record's pool's lock, as KFENCE does. */

static void bufpool_report_double(struct bufpool *pool,
				  const struct bufpool_track_rec *rec,
				  const void *buf, const unsigned long *entries,
				  unsigned int nr)
{
	struct bufpool_sink s = { .name = pool->name, .err = true };

	bufpool_printk(&s, "misuse: double return of %p (%zu bytes)\n", buf,
		       rec->size);
	bufpool_out_now(&s, "returned again", entries, nr);
	bufpool_out_who(&s, rec->state == BUFPOOL_REC_QUARANTINED ?
			"first returned (then written, and quarantined)" :
			"first returned", &rec->ret);
	bufpool_out_who(&s, "taken", &rec->take);
	bufpool_printk(&s, "return rejected: the buffer is neither reused nor freed\n");
}

static void bufpool_report_wrong_pool(struct bufpool *pool,
				      const struct bufpool_track_rec *rec,
				      const void *buf,
				      const unsigned long *entries,
				      unsigned int nr)
{
	struct bufpool_sink s = { .name = pool->name, .err = true };

	bufpool_printk(&s, "misuse: return to the wrong pool: %p (%zu bytes) belongs to pool %s%s\n",
		       buf, rec->size, rec->pool->name,
		       rec->state == BUFPOOL_REC_OUT ? "" :
		       ", where it is idle: returned already");
	bufpool_out_now(&s, "returned", entries, nr);
	if (rec->state != BUFPOOL_REC_OUT)
		bufpool_out_who(&s, "returned before", &rec->ret);
	bufpool_out_who(&s, "taken", &rec->take);
	bufpool_printk(&s, "return rejected: the buffer is neither reused nor freed\n");
}

/* Why a pointer the untracked checks accept is not a buffer of the pool. */
static const char bufpool_no_record[] =
	"no buffer out of this pool starts there (returned and freed already?)";

static void bufpool_report_foreign(struct bufpool *pool, const void *buf,
				   const char *why,
				   const unsigned long *entries,
				   unsigned int nr)
{
	struct bufpool_sink s = { .name = pool->name, .err = true };

	bufpool_printk(&s, "misuse: return of %p, which is not a buffer out of this pool: %s\n",
		       buf, why);
	bufpool_out_now(&s, "returned", entries, nr);
	bufpool_printk(&s, "return rejected: the pointer is neither reused nor freed\n");
}

static void bufpool_report_written(struct bufpool *pool,
				   const struct bufpool_track_rec *rec,
				   const void *buf, size_t off)
{
	struct bufpool_sink s = { .name = pool->name, .err = true };
	const size_t mark = sizeof(unsigned long);
	char prefix[BUFPOOL_NAME_MAX + 48];
	size_t start = round_down(off, 16);
	size_t end = min(start + 32, rec->size);

	bufpool_printk(&s, "misuse: write after return to %p (%zu bytes) at offset %zu\n",
		       buf, rec->size, off);
	bufpool_printk(&s, "expected the idle marker in bytes 0-%zu and 0x%02x after; found:\n",
		       mark - 1, BUFPOOL_POISON);
	/* The marker is cookie ^ address: its bytes would give the cookie away. */
	if (start < mark) {
		bufpool_printk(&s, "bytes 0-%zu: the idle marker, %s (not shown)\n",
			       mark - 1, off < mark ? "changed" : "intact");
		start = mark;
	}
	while (start < end) {
		size_t len = min_t(size_t, round_down(start + 16, 16), end) - start;

		snprintf(prefix, sizeof(prefix), "bufpool: %s: %04zx: ",
			 pool->name, start);
		print_hex_dump(KERN_ERR, prefix, DUMP_PREFIX_NONE, 16, 1,
			       buf + start, len, false);
		start += len;
	}
	bufpool_out_who(&s, "returned", &rec->ret);
	bufpool_out_who(&s, "taken before", &rec->take);
	bufpool_printk(&s, "buffer quarantined: not handed out again; freed when the pool is destroyed\n");
}

/* === Leak reports === */

/* Buffers out with one allocation stack; first one entry per record. */
struct bufpool_leak {
	depot_stack_handle_t stack;
	pid_t pid;
	unsigned long ip;
	unsigned long nr;
	size_t bytes;
	unsigned long time;
	u8 ctx;
	char comm[TASK_COMM_LEN];
};

struct bufpool_leak_stack {
	bool found;
	unsigned int nr;
	unsigned long entries[BUFPOOL_TRACK_DEPTH];
};

/**
 * struct bufpool_leaks - a pool's tracked buffers out, grouped
 * @g: the groups, most buffers first
 * @stacks: the stacks of the first @nr_shown groups, copied from records
 *	that hold them
 * @cap: entries @g has room for
 * @nr_groups: groups in @g
 * @nr_shown: groups that print
 * @nr: tracked buffers out (that the filter matched)
 * @bytes: their bytes
 * @missed: buffers beyond @cap, counted only
 * @quarantined: quarantined buffers
 * @quarantined_bytes: their bytes
 * @holds: which takes to collect (all if %NULL), see
 *	bufpool_track_report_holder()
 * @arg: for @holds
 * @n: entries of @g filled
 * @stacks_left: stacks of shown groups not found yet
 */
struct bufpool_leaks {
	struct bufpool_leak *g;
	struct bufpool_leak_stack *stacks;
	unsigned long cap;
	unsigned long nr_groups;
	unsigned long nr_shown;
	unsigned long nr;
	size_t bytes;
	unsigned long missed;
	unsigned long quarantined;
	size_t quarantined_bytes;
	bool (*holds)(unsigned long ip, const void *owner, const void *arg);
	const void *arg;
	unsigned long n;
	unsigned long stacks_left;
};

static int bufpool_leak_cmp_stack(const void *a, const void *b)
{
	const struct bufpool_leak *x = a, *y = b;

	if (x->stack != y->stack)
		return x->stack < y->stack ? -1 : 1;
	if (x->ip != y->ip)
		return x->ip < y->ip ? -1 : 1;
	return 0;
}

static int bufpool_leak_cmp_nr(const void *a, const void *b)
{
	const struct bufpool_leak *x = a, *y = b;

	if (x->nr != y->nr)
		return x->nr > y->nr ? -1 : 1;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	/* Then the oldest first. */
	return time_before(x->time, y->time) ? -1 :
	       time_after(x->time, y->time) ? 1 : 0;
}

/* Group @L->g's per-record entries by stack and order the groups. */
static void bufpool_leaks_group(struct bufpool_leaks *L, unsigned long n)
{
	unsigned long i, j = 0;

	sort(L->g, n, sizeof(*L->g), bufpool_leak_cmp_stack, NULL);
	for (i = 0; i < n; i++) {
		struct bufpool_leak *g = &L->g[j - 1];

		if (j && !bufpool_leak_cmp_stack(g, &L->g[i])) {
			g->nr += L->g[i].nr;
			g->bytes += L->g[i].bytes;
			if (time_before(L->g[i].time, g->time)) {
				g->time = L->g[i].time;
				g->pid = L->g[i].pid;
				g->ctx = L->g[i].ctx;
				memcpy(g->comm, L->g[i].comm, sizeof(g->comm));
			}
			continue;
		}
		L->g[j++] = L->g[i];
	}
	sort(L->g, j, sizeof(*L->g), bufpool_leak_cmp_nr, NULL);
	L->nr_groups = j;
}

/* bufpool_records_walk(): copy a record out into its own group. */
static bool bufpool_leaks_copy(struct bufpool_track *t,
			       struct bufpool_track_rec *rec, void *arg)
{
	struct bufpool_leaks *L = arg;
	struct bufpool_leak *g;

	if (rec->state != BUFPOOL_REC_OUT ||
	    (L->holds && !L->holds(rec->take.ip, rec->owner, L->arg)))
		return true;
	L->nr++;
	L->bytes += rec->size;
	if (L->n == L->cap) {
		L->missed++;
		return true;
	}
	g = &L->g[L->n++];
	g->stack = rec->take.stack;
	g->ip = rec->take.ip;
	g->nr = 1;
	g->bytes = rec->size;
	g->time = rec->take.time;
	g->pid = rec->take.pid;
	g->ctx = rec->take.ctx;
	memcpy(g->comm, rec->take.comm, sizeof(g->comm));
	return true;
}

/*
 * bufpool_records_walk(): copy the stacks of the shown groups from records
 * that hold them.  A record holds a reference on its take stack, so the
 * stack is valid under the lock; a group whose buffers all came back since
 * they were copied prints its caller alone.
 */
static bool bufpool_leaks_find_stacks(struct bufpool_track *t,
				      struct bufpool_track_rec *rec, void *arg)
{
	struct bufpool_leaks *L = arg;
	unsigned long i;

	for (i = 0; i < L->nr_shown; i++) {
		struct bufpool_leak_stack *st = &L->stacks[i];
		unsigned long *entries;

		if (st->found || rec->take.stack != L->g[i].stack)
			continue;
		st->nr = min(stack_depot_fetch(rec->take.stack, &entries),
			     BUFPOOL_TRACK_DEPTH);
		if (st->nr)
			memcpy(st->entries, entries, st->nr * sizeof(*entries));
		st->found = true;
		L->stacks_left--;
	}
	return L->stacks_left;
}

/*
 * Collect @pool's tracked buffers out whose taker @holds (all if @holds is
 * NULL) into @L, grouped, with the stacks of the groups to print.  The
 * records are copied out a batch at a time and grouped after, so that
 * interrupts are never off for long, however many buffers are out.
 */
static void bufpool_leaks_collect(struct bufpool *pool,
				  bool (*holds)(unsigned long ip,
						const void *owner,
						const void *arg),
				  const void *arg, struct bufpool_leaks *L)
{
	struct bufpool_track *t = &pool->track;
	unsigned long flags, i;
	unsigned int limit;

	limit = min(READ_ONCE(bufpool_report_stacks), BUFPOOL_REPORT_STACKS_MAX);
	/* Room for what is out now and some more taken meanwhile. */
	L->cap = READ_ONCE(t->nr_out) + 32;
	L->g = kvmalloc_array(L->cap, sizeof(*L->g), GFP_KERNEL | __GFP_NOWARN);
	if (limit)
		L->stacks = kcalloc(limit, sizeof(*L->stacks),
				    GFP_KERNEL | __GFP_NOWARN);
	if (!L->g || (limit && !L->stacks))
		L->cap = 0;
	L->holds = holds;
	L->arg = arg;

	bufpool_records_walk(t, bufpool_leaks_copy, L);
	spin_lock_irqsave(&t->lock, flags);
	L->quarantined = t->nr_quarantined;
	L->quarantined_bytes = t->quarantined_bytes;
	spin_unlock_irqrestore(&t->lock, flags);

	bufpool_leaks_group(L, L->n);
	L->nr_shown = min_t(unsigned long, L->nr_groups, L->cap ? limit : 0);
	for (i = 0; i < L->nr_shown; i++) {
		/* Without stack_depot, or not saved: the caller alone. */
		L->stacks[i].found = !IS_ENABLED(CONFIG_STACKDEPOT) ||
				     !L->g[i].stack;
		if (!L->stacks[i].found)
			L->stacks_left++;
	}
	if (L->stacks_left)
		bufpool_records_walk(t, bufpool_leaks_find_stacks, L);
}

static void bufpool_leaks_print_groups(const struct bufpool_sink *s,
				       const struct bufpool_leaks *L)
{
	unsigned long i;

	for (i = 0; i < L->nr_shown; i++) {
		const struct bufpool_leak *g = &L->g[i];

		bufpool_printk(s, "%lu buffer%s, %zu bytes, taken at:\n", g->nr,
			       bufpool_plural(g->nr), g->bytes);
		if (L->stacks[i].nr)
			bufpool_out_entries(s, L->stacks[i].entries,
					    L->stacks[i].nr);
		else
			bufpool_out_frame(s, g->ip);
		bufpool_printk(s, "  (oldest taken %u ms ago by %s %d %s)\n",
			       jiffies_to_msecs(jiffies - g->time),
			       bufpool_ctx_names[g->ctx], g->pid, g->comm);
	}
}

/*
 * Report @pool's buffers out: a fixed header for @why, the tracked ones
 * grouped by allocation stack (most frequent first, bufpool.report_stacks
 * groups at most), a line for the untracked ones that says how to track
 * them, and a total.  For BUFPOOL_REPORT_MODULE only the tracked buffers
 * whose taker @holds, and nothing if there are none.  Returns the number of
 * buffers reported.
 */
static unsigned long bufpool_track_leaks(struct bufpool *pool,
					 const struct bufpool_sink *s,
					 enum bufpool_report why,
					 const char *who,
					 bool (*holds)(unsigned long ip,
						       const void *owner,
						       const void *arg),
					 const void *arg)
{
	struct bufpool_track *t = &pool->track;
	struct bufpool_leaks L = {};
	unsigned long out = 0, untracked = 0;
	size_t bytes = 0, untracked_bytes = 0;
	bool hooked = READ_ONCE(t->hooked);
	char state[16];

	if (why != BUFPOOL_REPORT_MODULE)
		out = bufpool_outstanding(pool, &bytes);
	if (!out && why != BUFPOOL_REPORT_SHOW && why != BUFPOOL_REPORT_MODULE)
		return 0;
	if (hooked)
		bufpool_leaks_collect(pool, holds, arg, &L);

	switch (why) {
	case BUFPOOL_REPORT_DESTROY:
		bufpool_printk(s, "leak report: %lu buffer%s (%zu bytes) still out at destroy; the pool goes when they are returned\n",
			       out, bufpool_plural(out), bytes);
		break;
	case BUFPOOL_REPORT_UNLOAD:
		bufpool_printk(s, "leak report: %lu buffer%s (%zu bytes) never returned before bufpool unloaded; the pool was created by %s\n",
			       out, bufpool_plural(out), bytes, t->creator);
		break;
	case BUFPOOL_REPORT_MODULE:
		out = L.nr;
		bytes = L.bytes;
		if (!out)
			goto free;
		bufpool_printk(s, "leak report: module %s unloaded holding %lu buffer%s (%zu bytes) of this pool\n",
			       who, out, bufpool_plural(out), bytes);
		break;
	default:
		bufpool_printk(s, "%lu buffer%s (%zu bytes) out, tracking %s\n",
			       out, bufpool_plural(out), bytes,
			       bufpool_track_state(pool, state, sizeof(state)));
		break;
	}

	if (why != BUFPOOL_REPORT_SHOW)
		trace_bufpool_leak_report(pool, pool->name,
					  why == BUFPOOL_REPORT_DESTROY ?
					  BUFPOOL_LEAK_DESTROY :
					  why == BUFPOOL_REPORT_UNLOAD ?
					  BUFPOOL_LEAK_UNLOAD :
					  BUFPOOL_LEAK_MODULE, out, bytes);
	bufpool_leaks_print_groups(s, &L);
	if (why != BUFPOOL_REPORT_MODULE) {
		/* Counters and records are read at different times: clamp. */
		untracked = out - min(out, L.nr + L.quarantined);
		untracked_bytes = bytes - min(bytes,
					      L.bytes + L.quarantined_bytes);
	}
	if (untracked)
		bufpool_printk(s, "%lu buffer%s (%zu bytes) untracked: to see where buffers are taken, track the pool from its creation (BUFPOOL_F_TRACK, bufpool.track=1) or from now on (echo 1 > /sys/kernel/debug/bufpool/%s/track)\n",
			       untracked, bufpool_plural(untracked),
			       untracked_bytes, pool->name);
	if (L.quarantined && why == BUFPOOL_REPORT_SHOW)
		bufpool_printk(s, "%lu buffer%s (%zu bytes) quarantined: written after return\n",
			       L.quarantined, bufpool_plural(L.quarantined),
			       L.quarantined_bytes);
	if (why != BUFPOOL_REPORT_MODULE && atomic_long_read(&t->untracked))
		bufpool_printk(s, "%ld take%s could not be recorded (no memory): untracked\n",
			       atomic_long_read(&t->untracked),
			       bufpool_plural(atomic_long_read(&t->untracked)));
	if (L.missed)
		bufpool_printk(s, "%lu tracked buffer%s not grouped: no memory\n",
			       L.missed, bufpool_plural(L.missed));
	if (hooked)
		bufpool_printk(s, "total: %lu buffer%s, %zu bytes; %lu tracked from %lu stack%s (%lu shown), %lu untracked\n",
			       out, bufpool_plural(out), bytes, L.nr, L.nr_groups,
			       bufpool_plural(L.nr_groups), L.nr_shown, untracked);
free:
	kfree(L.stacks);
	kvfree(L.g);
	return out;
}

/* === Hooks === */

/*
 * Whether to record this take: one in t->sample on average.  Each CPU counts
 * down a random number of takes (uniform in 1..2N, mean N + 1/2) between two
 * samples, so a take costs a per-CPU decrement, not a random number.
 */
static bool bufpool_track_sampled(struct bufpool *pool)
{
	unsigned int n = READ_ONCE(pool->track.sample);

	if (n <= 1)
		return n;
	if (likely(this_cpu_dec_return(pool->cpu->sample_left) > 0))
		return false;
	this_cpu_write(pool->cpu->sample_left, bufpool_sample_gap(n));
	return true;
}

/* Offset of the first byte of idle @buf that is not as its return left it. */
static long bufpool_track_changed(const struct bufpool *pool, const void *buf,
				  size_t size)
{
	unsigned long mark = bufpool_idle_mark(pool, buf);
	const u8 *p;
	size_t i;

	if (*(const unsigned long *)buf != mark) {
		for (i = 0; i < sizeof(mark); i++)
			if (((const u8 *)&mark)[i] != ((const u8 *)buf)[i])
				return i;
	}
	p = memchr_inv(buf + sizeof(mark), BUFPOOL_POISON, size - sizeof(mark));
	return p ? p - (const u8 *)buf : -1;
}

static void bufpool_track_quarantine(struct bufpool *pool,
				     struct bufpool_track_rec *rec,
				     const void *buf, size_t off)
{
	struct bufpool_track *t = &pool->track;
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	rec->state = BUFPOOL_REC_QUARANTINED;
	t->nr_idle--;
	t->nr_quarantined++;
	t->quarantined_bytes += rec->size;
	if (__ratelimit(&bufpool_misuse_rs))
		bufpool_report_written(pool, rec, buf, off);
	spin_unlock_irqrestore(&t->lock, flags);
	atomic_long_inc(&t->misuse);
	bufpool_report_done(pool->name, BUFPOOL_REPORT_MISUSE, 1);
}

static noinline bool bufpool_track_take_slow(struct bufpool *pool,
					     struct bufpool_bucket *b,
					     void *buf, bool idle_record,
					     int sampled, gfp_t gfp,
					     unsigned long caller);

/**
 * bufpool_track_take() - the tracking part of a take from a hooked pool
 * @pool: the pool
 * @b: the bucket @buf comes from, or &pool->unpooled
 * @buf: the buffer, counted as taken
 * @idle_record: @buf comes from a magazine slot marked BUFPOOL_MAG_TRACKED:
 *	it has an idle record and a poison to check
 * @sampled: whether the take is recorded, as the take decided it in its
 *	guarded section (__bufpool_track_sampled()), or
 *	%BUFPOOL_SAMPLE_UNDECIDED to decide it here
 * @gfp: the taker's allocation flags
 * @caller: the return address into the taker
 *
 * Checks the poison of a recycled tracked buffer, then records the take if
 * it is sampled, and drops the buffer's old record if not.  A buffer whose
 * poison changed is reported and quarantined: it stays counted as out, and
 * bufpool_track_destroy() frees it.
 *
 * Context: as bufpool_take() with @gfp.
 * Return: %false if @buf was quarantined and the take must find another.
 */
bool bufpool_track_take(struct bufpool *pool, struct bufpool_bucket *b,
			void *buf, bool idle_record, int sampled, gfp_t gfp,
			unsigned long caller)
{
	/* The common take of a sampled pool: no record, and none to make. */
	if (!idle_record) {
		if (sampled == BUFPOOL_SAMPLE_UNDECIDED)
			sampled = bufpool_track_sampled(pool);
		if (!sampled)
			return true;
		return bufpool_track_take_slow(pool, b, buf, false, 1, gfp,
					       caller);
	}
	return bufpool_track_take_slow(pool, b, buf, true, sampled, gfp,
				       caller);
}

/*
 * slow path: bufpool_track_take() with a record to check, reuse or make.
 * @sampled: as for bufpool_track_take(): decided (0 or 1) or undecided.
 * Apart so that its stack buffer (which the kernel may zero at entry) is
 * not set up for the takes that need none.
 */
static noinline bool bufpool_track_take_slow(struct bufpool *pool,
					     struct bufpool_bucket *b,
					     void *buf, bool idle_record,
					     int sampled, gfp_t gfp,
					     unsigned long caller)
{
	unsigned long entries[BUFPOOL_TRACK_ENTRIES];
	struct bufpool_track *t = &pool->track;
	struct bufpool_track_rec *rec = NULL;
	depot_stack_handle_t stack, old_take, old_ret;
	unsigned long flags;
	unsigned int nr;
	int err;

	/* The magazine slot says whether to look: no lookup for the others. */
	if (idle_record) {
		rcu_read_lock();
		rec = bufpool_rec_lookup(buf);
		/* The pool's record, idle, or bufpool lost track of it. */
		if (WARN_ON_ONCE(!rec || rec->pool != pool ||
				 rec->state != BUFPOOL_REC_IDLE))
			rec = NULL;
		rcu_read_unlock();
	}
	/*
	 * @rec stays valid outside RCU: only a take or a backend free of its
	 * buffer unlinks it, and the buffer is ours.
	 */
	if (rec) {
		long off = bufpool_track_changed(pool, buf, rec->size);

		if (off >= 0) {
			bufpool_track_quarantine(pool, rec, buf, off);
			return false;
		}
	}

	if (sampled == BUFPOOL_SAMPLE_UNDECIDED)
		sampled = bufpool_track_sampled(pool);
	if (!sampled) {
		if (rec) {
			spin_lock_irqsave(&t->lock, flags);
			bufpool_rec_unlink(t, rec);
			spin_unlock_irqrestore(&t->lock, flags);
			bufpool_rec_free(rec);
		}
		return true;
	}

	nr = bufpool_track_stack(entries, caller);
	stack = bufpool_track_keep(entries, nr, gfp);
	if (rec) {
		spin_lock_irqsave(&t->lock, flags);
		old_take = rec->take.stack;
		old_ret = rec->ret.stack;
		bufpool_who_set(&rec->take, stack, caller);
		memset(&rec->ret, 0, sizeof(rec->ret));
		rec->owner = NULL;
		rec->state = BUFPOOL_REC_OUT;
		t->nr_idle--;
		t->nr_out++;
		spin_unlock_irqrestore(&t->lock, flags);
		bufpool_track_put(old_take);
		bufpool_track_put(old_ret);
		return true;
	}

	rec = bufpool_rec_alloc(gfp);
	if (!rec)
		goto untracked;
	rec->addr = (unsigned long)buf;
	rec->pool = pool;
	rec->size = bufpool_owned_size(pool, b, buf);
	rec->state = BUFPOOL_REC_OUT;
	bufpool_who_set(&rec->take, stack, caller);

	spin_lock_irqsave(&t->lock, flags);
	err = rhashtable_lookup_insert_fast(&bufpool_track_index, &rec->node,
					    bufpool_track_params);
	if (!err) {
		list_add_tail(&rec->list, &t->records);
		rec->linked = true;
		t->nr_out++;
		bufpool_filter_add(t, rec, 1);
	}
	spin_unlock_irqrestore(&t->lock, flags);
	if (!err)
		return true;
	/* A record for a buffer fresh from the backend is a bufpool bug. */
	WARN_ON_ONCE(err == -EEXIST);
	kmem_cache_free(bufpool_track_cache, rec);
untracked:
	bufpool_track_put(stack);
	atomic_long_inc(&t->untracked);
	/* Validation cannot be exact any more: this buffer has no record. */
	WRITE_ONCE(t->exact, false);
	return true;
}

/**
 * bufpool_track_return() - the tracking part of a return, while any pool is
 *	hooked
 * @pool: the pool @buf is returned to, hooked or not
 * @b: the bucket bufpool_owner() found, or %NULL if it rejected @buf
 * @buf: the pointer returned
 * @why: bufpool_owner()'s reason when @b is %NULL
 * @caller: the return address into the returner
 *
 * A record decides: the buffer of another pool, or one that is idle or
 * quarantined already, is reported; a buffer out of @pool becomes idle,
 * with the return's stack.  A pointer without a record is reported if
 * @pool tracks every buffer, and left to the untracked checks otherwise.
 *
 * Context: any context but NMI; never sleeps.
 * Return: the verdict; after %BUFPOOL_TRACK_BAD the caller counts a bad
 * return, after %BUFPOOL_TRACK_OK it poisons the buffer.
 */
enum bufpool_track_verdict bufpool_track_return(struct bufpool *pool,
						struct bufpool_bucket *b,
						void *buf, const char *why,
						unsigned long caller)
{
	enum bufpool_track_verdict verdict = BUFPOOL_TRACK_NONE;
	unsigned long entries[BUFPOOL_TRACK_ENTRIES];
	depot_stack_handle_t stack = 0;
	struct bufpool_track_rec *rec;
	struct bufpool_track *owner;
	unsigned int nr = 0;
	unsigned long flags;

	rcu_read_lock();
	rec = bufpool_rec_lookup(buf);
	if (rec) {
		nr = bufpool_track_stack(entries, caller);
		/* The likely case; saved outside the lock, checked inside. */
		if (rec->pool == pool && b &&
		    READ_ONCE(rec->state) == BUFPOOL_REC_OUT)
			stack = bufpool_track_keep(entries, nr,
						   GFP_NOWAIT | __GFP_NOWARN);
		owner = &rec->pool->track;
		spin_lock_irqsave(&owner->lock, flags);
		if (!rec->linked) {
			/* It just left its pool: as good as no record. */
			rec = NULL;
		} else if (rec->pool != pool || rec->state != BUFPOOL_REC_OUT) {
			verdict = BUFPOOL_TRACK_BAD;
			if (__ratelimit(&bufpool_misuse_rs)) {
				if (rec->pool != pool)
					bufpool_report_wrong_pool(pool, rec, buf,
								  entries, nr);
				else
					bufpool_report_double(pool, rec, buf,
							      entries, nr);
			}
		} else if (b) {
			verdict = BUFPOOL_TRACK_OK;
			WRITE_ONCE(rec->state, BUFPOOL_REC_IDLE);
			bufpool_who_set(&rec->ret, stack, caller);
			stack = 0;
			owner->nr_out--;
			owner->nr_idle++;
		}
		spin_unlock_irqrestore(&owner->lock, flags);
	}
	rcu_read_unlock();
	bufpool_track_put(stack);

	if (!rec && READ_ONCE(pool->track.exact)) {
		/* Every buffer out of @pool has a record: this is none. */
		verdict = BUFPOOL_TRACK_BAD;
		if (__ratelimit(&bufpool_misuse_rs)) {
			nr = bufpool_track_stack(entries, caller);
			bufpool_report_foreign(pool, buf, b ? bufpool_no_record :
					       why, entries, nr);
		}
	}
	if (verdict == BUFPOOL_TRACK_BAD) {
		atomic_long_inc(&pool->track.misuse);
		bufpool_report_done(pool->name, BUFPOOL_REPORT_MISUSE, 1);
	}
	return verdict;
}

/**
 * bufpool_track_forget() - drop the record of a buffer leaving its pool
 * @buf: the buffer, about to be freed to the backend
 *
 * Context: any context but NMI.
 */
void bufpool_track_forget(void *buf)
{
	struct bufpool_track_rec *rec;
	struct bufpool_track *t;
	unsigned long flags;

	rcu_read_lock();
	rec = bufpool_rec_lookup(buf);
	if (rec) {
		t = &rec->pool->track;
		spin_lock_irqsave(&t->lock, flags);
		if (rec->linked)
			bufpool_rec_unlink(t, rec);
		else
			rec = NULL;
		spin_unlock_irqrestore(&t->lock, flags);
	}
	rcu_read_unlock();
	if (rec)
		bufpool_rec_free(rec);
}

/* bufpool_records_walk(): take the quarantined records off to @arg. */
static bool bufpool_track_unquarantine(struct bufpool_track *t,
				       struct bufpool_track_rec *rec,
				       void *arg)
{
	if (rec->state == BUFPOOL_REC_QUARANTINED) {
		bufpool_rec_unlink(t, rec);
		list_add(&rec->list, arg);
	}
	return true;
}

/* Free the buffers a dead pool quarantined: nothing can take them now. */
static void bufpool_track_release_quarantine(struct bufpool *pool)
{
	struct bufpool_track_rec *rec, *tmp;
	struct bufpool_bucket *b;
	LIST_HEAD(found);
	const char *why;
	void *buf;

	bufpool_records_walk(&pool->track, bufpool_track_unquarantine, &found);
	list_for_each_entry_safe(rec, tmp, &found, list) {
		buf = (void *)rec->addr;
		bufpool_rec_free(rec);
		b = bufpool_owner(pool, buf, &why);
		if (!WARN_ON_ONCE(!b || b == &pool->unpooled))
			bufpool_return_free(pool, b, b - pool->buckets, buf);
	}
}

/**
 * bufpool_track_destroy() - tracking's part of bufpool_destroy()
 * @pool: the pool, dead: no take or return touches its magazines any more
 * @report: make the leak report (not while bufpool unloads: the unload
 *	report follows)
 *
 * Frees the quarantined buffers, then reports the buffers still out.
 *
 * Context: process context.
 */
void bufpool_track_destroy(struct bufpool *pool, bool report)
{
	struct bufpool_sink s = { .name = pool->name };
	unsigned long nr;

	if (READ_ONCE(pool->track.hooked))
		bufpool_track_release_quarantine(pool);
	if (!report)
		return;
	/* What is out now is reported here, and not again (module unload). */
	WRITE_ONCE(pool->track.reported, true);
	nr = bufpool_track_leaks(pool, &s, BUFPOOL_REPORT_DESTROY, NULL, NULL,
				 NULL);
	bufpool_report_done(pool->name, BUFPOOL_REPORT_DESTROY, nr);
}

/**
 * bufpool_track_report_unload() - report a pool's buffers as bufpool unloads
 * @pool: a destroyed pool whose buffers never came back
 *
 * Context: process context.
 */
void bufpool_track_report_unload(struct bufpool *pool)
{
	struct bufpool_sink s = { .name = pool->name };
	unsigned long nr;

	nr = bufpool_track_leaks(pool, &s, BUFPOOL_REPORT_UNLOAD, NULL, NULL,
				 NULL);
	bufpool_report_done(pool->name, BUFPOOL_REPORT_UNLOAD, nr);
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_track_report_unload);

/**
 * bufpool_track_report_holder() - report the buffers someone still holds
 * @who: the holder's name, for the header
 * @holds: whether a take from this return address (by the __init code of
 *	module @owner, if not %NULL) was the holder's; called under a spinlock
 * @arg: for @holds
 *
 * Makes a leak report for every hooked pool with tracked buffers out whose
 * taker @holds.
 *
 * Context: process context.
 * Return: the number of buffers reported.
 */
VISIBLE_IF_KUNIT
unsigned long bufpool_track_report_holder(const char *who,
					  bool (*holds)(unsigned long ip,
							const void *owner,
							const void *arg),
					  const void *arg)
{
	struct bufpool_track *t;
	unsigned long nr, total = 0;

	mutex_lock(&bufpool_track_mutex);
	list_for_each_entry(t, &bufpool_track_pools, node) {
		struct bufpool *pool = container_of(t, struct bufpool, track);
		struct bufpool_sink s = { .name = pool->name };

		/* Destroyed, and its leaks reported then: one report a leak. */
		if (READ_ONCE(t->reported))
			continue;
		nr = bufpool_track_leaks(pool, &s, BUFPOOL_REPORT_MODULE, who,
					 holds, arg);
		bufpool_report_done(pool->name, BUFPOOL_REPORT_MODULE, nr);
		total += nr;
	}
	mutex_unlock(&bufpool_track_mutex);
	return total;
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_track_report_holder);

/* === Control === */

/* Make @pool's takes, returns and frees run the hooks, for good. */
static void bufpool_track_hook(struct bufpool *pool)
{
	lockdep_assert_held(&bufpool_track_mutex);
	if (pool->track.hooked)
		return;
	if (!IS_ENABLED(CONFIG_STACKDEPOT))
		pr_info_once("bufpool: no stack_depot in this kernel: tracking records callers without stacks\n");
	/* Without it every return of the pool looks up the index: slower. */
	pool->filter = kzalloc(BUFPOOL_FILTER_SIZE, GFP_KERNEL);
	static_branch_inc(&bufpool_track_key);
	list_add_tail(&pool->track.node, &bufpool_track_pools);
	/* Paired with bufpool_track_hooked(): the key is on first. */
	WRITE_ONCE(pool->track.hooked, true);
}

/*
 * Which of @pool's takes and returns leave the inline path for tracking's
 * (include/bufpool.h): all of them in a strict pool, one that records every
 * take or one without a filter; in a sampled one, the take that runs its
 * CPU's countdown out and the return of a buffer the filter may know.
 */
static void bufpool_track_update_slow(struct bufpool *pool)
{
	struct bufpool_track *t = &pool->track;
	bool all = t->hooked && (t->strict || t->sample == 1 || !pool->filter);

	lockdep_assert_held(&bufpool_track_mutex);
	/* The filter first: a return that sees the bit reads it. */
	smp_mb__before_atomic();
	bufpool_set_slow(pool, BUFPOOL_SLOW_TRACKED_BIT, all);
	bufpool_set_slow(pool, BUFPOOL_SLOW_SAMPLED_BIT,
			 t->hooked && !all && t->sample > 1);
	bufpool_set_slow(pool, BUFPOOL_SLOW_FILTER_BIT, t->hooked && !all);
}

/**
 * bufpool_track_set() - turn tracking of a pool on or off
 * @pool: the pool
 * @sample: 0 for off, 1 to record every take, N to record one take in N
 *
 * Affects the takes from now on.  Buffers taken untracked keep working as
 * before, and a pool tracks every buffer exactly (so that returns of
 * anything else are reported) only if it did so since its creation.  Once
 * tracked, a pool's takes and returns go through the tracking hooks until
 * it is freed, even with tracking off again, so that its records stay right.
 *
 * Context: process context; sleeps.
 * Return: 0.
 */
int bufpool_track_set(struct bufpool *pool, unsigned int sample)
{
	struct bufpool_track *t = &pool->track;

	might_sleep();
	mutex_lock(&bufpool_track_mutex);
	if (sample)
		bufpool_track_hook(pool);
	if (sample != 1 || t->sample != 1)
		WRITE_ONCE(t->exact, false);
	WRITE_ONCE(t->sample, sample);
	bufpool_track_update_slow(pool);
	mutex_unlock(&bufpool_track_mutex);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_track_set);

/**
 * bufpool_track_state() - a pool's tracking state as text
 * @pool: the pool
 * @buf: room for the text
 * @len: its size; 16 is enough
 *
 * Context: any context.
 * Return: @buf, holding "off", "all" or "1/N", followed by "+strict" in
 * strict mode.
 */
const char *bufpool_track_state(struct bufpool *pool, char *buf, size_t len)
{
	unsigned int sample = READ_ONCE(pool->track.sample);
	const char *strict = READ_ONCE(pool->track.strict) ? "+strict" : "";

	if (!sample)
		snprintf(buf, len, "off%s", strict);
	else if (sample == 1)
		snprintf(buf, len, "all%s", strict);
	else
		snprintf(buf, len, "1/%u%s", sample, strict);
	return buf;
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_track_state);

/**
 * bufpool_track_show_outstanding() - list a pool's buffers out
 * @m: the seq_file
 * @pool: the pool
 *
 * Tracked buffers grouped by allocation stack, as in a leak report; with
 * tracking never on, the counts and how to turn it on.
 *
 * Context: process context.
 */
void bufpool_track_show_outstanding(struct seq_file *m, struct bufpool *pool)
{
	struct bufpool_sink s = { .seq = m, .name = pool->name };
	unsigned long out;
	size_t bytes;

	if (READ_ONCE(pool->track.hooked)) {
		bufpool_track_leaks(pool, &s, BUFPOOL_REPORT_SHOW, NULL, NULL,
				    NULL);
		return;
	}
	out = bufpool_outstanding(pool, &bytes);
	seq_printf(m, "%lu buffer%s (%zu bytes) out, tracking off: echo 1 > /sys/kernel/debug/bufpool/%s/track to see where buffers are taken\n",
		   out, bufpool_plural(out), bytes, pool->name);
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_track_show_outstanding);

/**
 * bufpool_track_pool_init() - set up a new pool's tracking
 * @pool: the pool, not visible to anyone yet
 * @flags: its BUFPOOL_F_* flags
 * @sample: its bufpool_params::track_sample, or 0
 *
 * %BUFPOOL_F_TRACK or bufpool.track=1 turn tracking on with the sample rate
 * @sample, else bufpool.track_sample; %BUFPOOL_F_STRICT or bufpool.strict=1
 * strict mode.
 *
 * Context: process context; sleeps.
 */
void bufpool_track_pool_init(struct bufpool *pool, unsigned int flags,
			     unsigned int sample)
{
	struct bufpool_track *t = &pool->track;

	spin_lock_init(&t->lock);
	INIT_LIST_HEAD(&t->records);
	INIT_LIST_HEAD(&t->node);
	atomic_long_set(&t->untracked, 0);
	atomic_long_set(&t->misuse, 0);
	/* Now, while the creator's module is surely there to be named. */
	snprintf(t->creator, sizeof(t->creator), "%ps", (void *)pool->creator);

	if ((flags & BUFPOOL_F_TRACK) || READ_ONCE(bufpool_track_param))
		sample = sample ?: max(READ_ONCE(bufpool_track_sample), 1U);
	else
		sample = 0;
	t->sample = sample;
	t->exact = sample == 1;
	t->strict = (flags & BUFPOOL_F_STRICT) ||
		    READ_ONCE(bufpool_strict_param);
	if (sample || t->strict) {
		mutex_lock(&bufpool_track_mutex);
		bufpool_track_hook(pool);
		bufpool_track_update_slow(pool);
		mutex_unlock(&bufpool_track_mutex);
	}
}

/**
 * bufpool_track_pool_exit() - drop a pool's records and hook
 * @pool: the pool, about to be freed; its buffers that are still out are
 *	leaked for good
 *
 * Context: process context; sleeps.
 */
void bufpool_track_pool_exit(struct bufpool *pool)
{
	struct bufpool_track *t = &pool->track;
	struct bufpool_track_rec *rec, *tmp;
	unsigned long flags;
	LIST_HEAD(dead);

	if (!t->hooked)
		return;
	spin_lock_irqsave(&t->lock, flags);
	list_for_each_entry_safe(rec, tmp, &t->records, list) {
		/* No walk is left on a pool being freed; be sure. */
		if (WARN_ON_ONCE(rec->state == BUFPOOL_REC_BOOKMARK))
			continue;
		bufpool_rec_unlink(t, rec);
		list_add(&rec->list, &dead);
	}
	spin_unlock_irqrestore(&t->lock, flags);
	list_for_each_entry_safe(rec, tmp, &dead, list)
		bufpool_rec_free(rec);

	mutex_lock(&bufpool_track_mutex);
	list_del(&t->node);
	WRITE_ONCE(t->hooked, false);
	bufpool_track_update_slow(pool);
	static_branch_dec(&bufpool_track_key);
	mutex_unlock(&bufpool_track_mutex);
	/* A lookup may have found a record of this pool: let it finish. */
	synchronize_rcu();
	kfree(pool->filter);
	pool->filter = NULL;
}

/* === Module notifier === */

#ifdef CONFIG_MODULES
static bool bufpool_track_in_module(unsigned long ip, const void *owner,
				    const void *mod)
{
	return owner == mod || within_module(ip, mod);
}

struct bufpool_owner_walk {
	struct module *mod;
	bool live;
};

/* bufpool_records_walk(): note or forget the owner of one record. */
static bool bufpool_track_owner_one(struct bufpool_track *t,
				    struct bufpool_track_rec *rec, void *arg)
{
	const struct bufpool_owner_walk *w = arg;

	if (w->live && within_module_init(rec->take.ip, w->mod))
		rec->owner = w->mod;
	else if (!w->live && rec->owner == w->mod)
		rec->owner = NULL;
	return true;
}

/*
 * Note, or forget, @mod as the owner of the records of takes by its __init
 * code: once the module is live that code is freed, and within_module()
 * cannot tell any more whose the return address was.
 */
static void bufpool_track_set_owner(struct module *mod, bool live)
{
	struct bufpool_owner_walk w = { .mod = mod, .live = live };
	struct bufpool_track *t;

	mutex_lock(&bufpool_track_mutex);
	list_for_each_entry(t, &bufpool_track_pools, node)
		bufpool_records_walk(t, bufpool_track_owner_one, &w);
	mutex_unlock(&bufpool_track_mutex);
}

static void bufpool_track_module_event(unsigned long action, void *data)
{
	struct module *mod = data;

	if (action == MODULE_STATE_LIVE) {
		bufpool_track_set_owner(mod, true);
	} else if (action == MODULE_STATE_GOING) {
		bufpool_track_report_holder(mod->name, bufpool_track_in_module,
					    mod);
		/* The address may hold another module later. */
		bufpool_track_set_owner(mod, false);
	}
}
#else
static void bufpool_track_module_event(unsigned long action, void *data)
{
}
#endif /* CONFIG_MODULES */

/**
 * bufpool_track_module_notify() - report what an unloading module holds
 * @nb: the notifier block
 * @action: MODULE_STATE_*
 * @data: the module
 *
 * When a module goes, the tracked buffers it took and still holds can never
 * come back: report them, from every pool.  When it goes live, note it as
 * the owner of what its __init code took.
 *
 * Context: process context.
 * Return: NOTIFY_DONE.
 */
VISIBLE_IF_KUNIT int bufpool_track_module_notify(struct notifier_block *nb,
						 unsigned long action,
						 void *data)
{
	bufpool_track_module_event(action, data);
	return NOTIFY_DONE;
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_track_module_notify);

static struct notifier_block bufpool_track_nb = {
	.notifier_call = bufpool_track_module_notify,
};

/* === Setup === */

/**
 * bufpool_track_init() - set up tracking at module init
 *
 * Context: process context.
 * Return: 0 or a negative errno.
 */
int bufpool_track_init(void)
{
	int err;

	/* A module must ask for the depot; without it, no stacks. */
	if (IS_ENABLED(CONFIG_STACKDEPOT) && stack_depot_init())
		pr_info("bufpool: stack_depot unavailable: tracking records callers without stacks\n");

	bufpool_track_cache = KMEM_CACHE(bufpool_track_rec, 0);
	if (!bufpool_track_cache)
		return -ENOMEM;
	err = rhashtable_init(&bufpool_track_index, &bufpool_track_params);
	if (err)
		goto err_cache;
	err = register_module_notifier(&bufpool_track_nb);
	if (err)
		goto err_index;
	return 0;

err_index:
	rhashtable_destroy(&bufpool_track_index);
err_cache:
	kmem_cache_destroy(bufpool_track_cache);
	return err;
}

/**
 * bufpool_track_exit() - tear tracking down at module exit
 *
 * Context: process context; every pool is freed.
 */
void bufpool_track_exit(void)
{
	unregister_module_notifier(&bufpool_track_nb);
	rhashtable_destroy(&bufpool_track_index);
	/* 6.12's kmem_cache_destroy() waits for kfree_rcu(); before, this. */
	if (!BUFPOOL_KFREE_RCU_WAITED)
		rcu_barrier();
	kmem_cache_destroy(bufpool_track_cache);
}
