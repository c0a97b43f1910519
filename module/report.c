// SPDX-License-Identifier: GPL-2.0
/*
 * bufpool's reports: where they go, how they name a frame and a task, the
 * misuse reports and the leak reports, as mm/kfence/report.c is KFENCE's.
 *
 * A report goes to a sink, the kernel log (misuse at KERN_ERR, leaks at
 * KERN_WARNING) or a seq_file (debugfs's outstanding file), each line
 * prefixed with the pool's name in the log.  A stack prints a frame a line,
 * with %pS as stack_trace_print() does, and a frame whose code is gone by
 * the module it was in (struct bufpool_mod).  Leak reports group the
 * buffers out by allocation stack, most buffers first, and print at most
 * bufpool.report_stacks groups; bufpool.leak_panic=1 turns every leak or
 * misuse report into a panic after it.  This file reads records and never
 * changes one: track.c decides what is reported and when, under the
 * record's pool's lock for a misuse report (as KFENCE reports under its
 * metadata lock), and leak reports walk the records with
 * bufpool_records_walk(), which lets go of the lock every batch.
 *
 * See Documentation/tracking.rst.
 */
#include <linux/jiffies.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <linux/panic.h>
#include <linux/printk.h>
#include <linux/ratelimit.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/stackdepot.h>
#include <linux/string.h>

#include "track.h"

#include <trace/events/bufpool.h>

/* Most stacks a leak report prints. */
#define BUFPOOL_REPORT_STACKS_MAX	256

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
struct ratelimit_state bufpool_misuse_rs =
	RATELIMIT_STATE_INIT(bufpool_misuse_rs, 5 * HZ, 10);
EXPORT_SYMBOL_IF_KUNIT(bufpool_misuse_rs);

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
	[BUFPOOL_REPORT_AGED]		= "age",
};

/* === Sinks and frames === */

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
 * One frame, as stack_trace_print() and KFENCE print it (%pS), unless it
 * lies in code that is gone, which %pS could only print as a number that
 * may name another module's code by now: @m, the record's module, says
 * whose code it was.
 */
static void bufpool_out_frame(const struct bufpool_sink *s, unsigned long ip,
			      const struct bufpool_mod *m)
{
	if (m && ip >= m->init[0] && ip < m->init[1] &&
	    (READ_ONCE(m->init_freed) || READ_ONCE(m->unloaded)))
		bufpool_printk(s, " in freed init code of %s\n", m->name);
	else if (m && ip >= m->core[0] && ip < m->core[1] &&
		 READ_ONCE(m->unloaded))
		bufpool_printk(s, " in %s, since unloaded\n", m->name);
	else
		bufpool_printk(s, " %pS\n", (void *)ip);
}

static void bufpool_out_entries(const struct bufpool_sink *s,
				const unsigned long *entries, unsigned int nr,
				const struct bufpool_mod *m)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		bufpool_out_frame(s, entries[i], m);
}

/* A stack from the depot; just the caller if there is none. */
static void bufpool_out_stack(const struct bufpool_sink *s,
			      depot_stack_handle_t stack, unsigned long ip,
			      const struct bufpool_mod *m)
{
	unsigned long *entries;
	unsigned int nr = 0;

	if (IS_ENABLED(CONFIG_STACKDEPOT) && stack)
		nr = stack_depot_fetch(stack, &entries);
	if (nr)
		bufpool_out_entries(s, entries, nr, m);
	else
		bufpool_out_frame(s, ip, m);
}

/*
 * The one way every report names a task: "task 158 (insmod)", "softirq in
 * task 0 (swapper/0)".
 */
#define BUFPOOL_TASK_LEN	(TASK_COMM_LEN + 32)

static const char *bufpool_task(char *buf, u8 ctx, pid_t pid,
				const char *comm)
{
	snprintf(buf, BUFPOOL_TASK_LEN, "%s %d (%s)", bufpool_ctx_names[ctx],
		 pid, comm);
	return buf;
}

static void bufpool_out_who(const struct bufpool_sink *s, const char *what,
			    const struct bufpool_who *w,
			    const struct bufpool_mod *m)
{
	char task[BUFPOOL_TASK_LEN];

	bufpool_printk(s, "%s by %s %u ms ago:\n", what,
		       bufpool_task(task, w->ctx, w->pid, w->comm),
		       jiffies_to_msecs(jiffies - w->time));
	bufpool_out_stack(s, w->stack, w->ip, m);
}

/* The offender: this context, with the stack captured at the return. */
static void bufpool_out_now(const struct bufpool_sink *s, const char *what,
			    const unsigned long *entries, unsigned int nr)
{
	char task[BUFPOOL_TASK_LEN];
	struct bufpool_who now;

	bufpool_who_set(&now, 0, 0);
	bufpool_printk(s, "%s by %s:\n", what,
		       bufpool_task(task, now.ctx, now.pid, now.comm));
	bufpool_out_entries(s, entries, nr, NULL);
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

void bufpool_report_done(const char *name, enum bufpool_report why,
			 unsigned long nr)
{
	if (bufpool_track_should_panic(why, nr))
		panic("bufpool: %s: %s report and bufpool.leak_panic=1\n", name,
		      bufpool_report_names[why]);
}

/* === Misuse reports === */

/* Misuse reports are made under the record's pool's lock, as KFENCE does. */

void bufpool_report_double(struct bufpool *pool,
			   const struct bufpool_track_rec *rec, const void *buf,
			   const unsigned long *entries, unsigned int nr)
{
	struct bufpool_sink s = { .name = pool->name, .err = true };

	bufpool_printk(&s, "misuse: double return of %p (%zu bytes)\n", buf,
		       rec->size);
	bufpool_out_now(&s, "returned again", entries, nr);
	bufpool_out_who(&s, rec->state == BUFPOOL_REC_QUARANTINED ?
			"first returned (then written, and quarantined)" :
			"first returned", &rec->ret, rec->mod);
	bufpool_out_who(&s, "taken", &rec->take, rec->mod);
	bufpool_printk(&s, "return rejected: the buffer is neither reused nor freed\n");
}

void bufpool_report_wrong_pool(struct bufpool *pool,
			       const struct bufpool_track_rec *rec,
			       const void *buf, const unsigned long *entries,
			       unsigned int nr)
{
	struct bufpool_sink s = { .name = pool->name, .err = true };

	bufpool_printk(&s, "misuse: return to the wrong pool: %p (%zu bytes) belongs to pool %s%s\n",
		       buf, rec->size, rec->pool->name,
		       rec->state == BUFPOOL_REC_OUT ? "" :
		       ", where it is idle: returned already");
	bufpool_out_now(&s, "returned", entries, nr);
	if (rec->state != BUFPOOL_REC_OUT)
		bufpool_out_who(&s, "returned before", &rec->ret, rec->mod);
	bufpool_out_who(&s, "taken", &rec->take, rec->mod);
	bufpool_printk(&s, "return rejected: the buffer is neither reused nor freed\n");
}

void bufpool_report_foreign(struct bufpool *pool, const void *buf,
			    const char *why, const unsigned long *entries,
			    unsigned int nr)
{
	struct bufpool_sink s = { .name = pool->name, .err = true };

	bufpool_printk(&s, "misuse: return of %p, which is not a buffer out of this pool: %s\n",
		       buf, why);
	bufpool_out_now(&s, "returned", entries, nr);
	bufpool_printk(&s, "return rejected: the pointer is neither reused nor freed\n");
}

void bufpool_report_written(struct bufpool *pool,
			    const struct bufpool_track_rec *rec,
			    const void *buf, size_t off, size_t mark)
{
	struct bufpool_sink s = { .name = pool->name, .err = true };
	const size_t word = sizeof(unsigned long);
	char prefix[BUFPOOL_NAME_MAX + 48];
	size_t start = round_down(off, 16);
	size_t end = min(start + 32, rec->size);
	size_t len;

	bufpool_printk(&s, "misuse: write after return to %p (%zu bytes) at offset %zu\n",
		       buf, rec->size, off);
	bufpool_printk(&s, "expected the idle marker in bytes %zu-%zu and 0x%02x elsewhere; found:\n",
		       mark, mark + word - 1, BUFPOOL_POISON);
	while (start < end) {
		/*
		 * The marker is cookie ^ address: its bytes would give the
		 * cookie away.  It starts a line of the dump.
		 */
		if (start == mark) {
			bufpool_printk(&s, "bytes %zu-%zu: the idle marker, %s (not shown)\n",
				       mark, mark + word - 1,
				       off - mark < word ? "changed" : "intact");
			start += word;
			continue;
		}
		len = min_t(size_t, round_down(start + 16, 16), end) - start;

		snprintf(prefix, sizeof(prefix), "bufpool: %s: %04zx: ",
			 pool->name, start);
		print_hex_dump(KERN_ERR, prefix, DUMP_PREFIX_NONE, 16, 1,
			       buf + start, len, false);
		start += len;
	}
	bufpool_out_who(&s, "returned", &rec->ret, rec->mod);
	bufpool_out_who(&s, "taken before", &rec->take, rec->mod);
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
	struct bufpool_mod *mod;
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
 * @age: for an age report, the takes it names, else %NULL
 * @older: for an age report, buffers out that an earlier one named
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
	const struct bufpool_age_window *age;
	unsigned long older;
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
			/* One stack, one code: the first record's module. */
			bufpool_mod_put(L->g[i].mod);
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
	const struct bufpool_age_window *age = L->age;
	struct bufpool_leak *g;

	if (rec->state != BUFPOOL_REC_OUT ||
	    (L->holds && !L->holds(rec->take.ip, bufpool_rec_owner(rec),
				   L->arg)))
		return true;
	/* An age report: taken before @to, and not named before. */
	if (age && !time_before(rec->take.time, age->to))
		return true;
	if (age && age->since && time_before(rec->take.time, age->from)) {
		L->older++;
		return true;
	}
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
	/* Kept past the lock, for the frames whose code is gone. */
	g->mod = bufpool_mod_get(rec->mod);
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
	char task[BUFPOOL_TASK_LEN];
	unsigned long i;

	for (i = 0; i < L->nr_shown; i++) {
		const struct bufpool_leak *g = &L->g[i];

		bufpool_printk(s, "%lu buffer%s, %zu bytes, taken at:\n", g->nr,
			       bufpool_plural(g->nr), g->bytes);
		if (L->stacks[i].nr)
			bufpool_out_entries(s, L->stacks[i].entries,
					    L->stacks[i].nr, g->mod);
		else
			bufpool_out_frame(s, g->ip, g->mod);
		bufpool_printk(s, "  (oldest taken %u ms ago by %s)\n",
			       jiffies_to_msecs(jiffies - g->time),
			       bufpool_task(task, g->ctx, g->pid, g->comm));
	}
}

/*
 * A sampled pool's leak report shows the stacks of the sampled buffers:
 * say how many of the buffers out those are, and how they were chosen.
 */
static void bufpool_sampled_line(const struct bufpool_sink *s,
				 struct bufpool *pool, enum bufpool_report why,
				 unsigned long sampled, unsigned long out)
{
	const struct bufpool_track *t = &pool->track;
	unsigned int n = READ_ONCE(t->sample);
	char how[64] = "";

	if (t->sample_jiffies)
		snprintf(how, sizeof(how), "the first take of each CPU every %u ms",
			 jiffies_to_msecs(t->sample_jiffies));
	if (n > 1)
		snprintf(how + strlen(how), sizeof(how) - strlen(how),
			 "%sone take in %u", *how ? ", and " : "", n);
	bufpool_printk(s, "%lu of %lu %s buffer%s were sampled (%s): the stacks above are theirs\n",
		       sampled, out, why == BUFPOOL_REPORT_SHOW ? "out" : "leaked",
		       bufpool_plural(out), *how ? how : "while tracking was on");
}

/*
 * Report @pool's buffers out: a fixed header for @why, the tracked ones
 * grouped by allocation stack (most frequent first, bufpool.report_stacks
 * groups at most), a line for the untracked ones that says how to track
 * them, and a total.  For BUFPOOL_REPORT_MODULE only the tracked buffers
 * whose taker @holds, and nothing if there are none.  Returns the number of
 * buffers reported.
 */
static unsigned long bufpool_leaks_report(struct bufpool *pool,
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
	unsigned long i;

	if (why == BUFPOOL_REPORT_AGED)
		L.age = arg;
	else if (why != BUFPOOL_REPORT_MODULE)
		out = bufpool_outstanding(pool, &bytes);
	if (!out && why != BUFPOOL_REPORT_SHOW &&
	    why != BUFPOOL_REPORT_MODULE && why != BUFPOOL_REPORT_AGED)
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
		/* Tracked by count or time: the holder may have more. */
		if (READ_ONCE(t->sample) == 1)
			bufpool_printk(s, "leak report: module %s unloaded holding %lu buffer%s (%zu bytes) of this pool\n",
				       who, out, bufpool_plural(out), bytes);
		else
			bufpool_printk(s, "leak report: module %s unloaded holding %lu sampled buffer%s (%zu bytes) of this pool, and maybe more not sampled\n",
				       who, out, bufpool_plural(out), bytes);
		break;
	case BUFPOOL_REPORT_AGED:
		out = L.nr;
		bytes = L.bytes;
		if (!out)
			goto free;
		bufpool_printk(s, "age report: %lu tracked buffer%s (%zu bytes) out longer than %u ms (bufpool.max_age_ms), not named before%s\n",
			       out, bufpool_plural(out), bytes, L.age->age_ms,
			       L.older ? "; more that were are still out" : "");
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
					  why == BUFPOOL_REPORT_AGED ?
					  BUFPOOL_LEAK_AGED :
					  BUFPOOL_LEAK_MODULE, out, bytes);
	bufpool_leaks_print_groups(s, &L);
	if (why == BUFPOOL_REPORT_AGED) {
		if (L.older)
			bufpool_printk(s, "%lu tracked buffer%s out longer than %u ms named by earlier age reports\n",
				       L.older, bufpool_plural(L.older),
				       L.age->age_ms);
		if (L.missed)
			bufpool_printk(s, "%lu tracked buffer%s not grouped: no memory\n",
				       L.missed, bufpool_plural(L.missed));
		goto free;
	}
	if (why != BUFPOOL_REPORT_MODULE) {
		/* Counters and records are read at different times: clamp. */
		untracked = out - min(out, L.nr + L.quarantined);
		untracked_bytes = bytes - min(bytes,
					      L.bytes + L.quarantined_bytes);
	}
	/* Not for a pool tracked all since some time: it samples nothing. */
	if (untracked && L.nr && READ_ONCE(t->sample) != 1)
		bufpool_sampled_line(s, pool, why, L.nr, out);
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
	for (i = 0; i < L.nr_groups; i++)
		bufpool_mod_put(L.g[i].mod);
	kfree(L.stacks);
	kvfree(L.g);
	return out;
}

/**
 * bufpool_report_leaks() - report a pool's buffers out to the kernel log
 * @pool: the pool
 * @why: BUFPOOL_REPORT_DESTROY, _UNLOAD or _MODULE
 * @who: for BUFPOOL_REPORT_MODULE, the module's name
 * @holds: for BUFPOOL_REPORT_MODULE, whether a take (its return address,
 *	the module whose init code is in its stack or %NULL) was @who's
 * @arg: for @holds
 *
 * Then panics if bufpool.leak_panic says so.
 *
 * Context: process context.
 * Return: the number of buffers reported.
 */
unsigned long bufpool_report_leaks(struct bufpool *pool,
				   enum bufpool_report why, const char *who,
				   bool (*holds)(unsigned long ip,
						 const void *owner,
						 const void *arg),
				   const void *arg)
{
	struct bufpool_sink s = { .name = pool->name };
	unsigned long nr;

	nr = bufpool_leaks_report(pool, &s, why, who, holds, arg);
	bufpool_report_done(pool->name, why, nr);
	return nr;
}

/**
 * bufpool_report_aged() - report a pool's tracked buffers out too long
 * @pool: the pool, hooked
 * @age: the takes to name: before @age->to and, with @age->since, not
 *	before @age->from (an earlier report named those)
 *
 * The buffers grouped by allocation stack, as in a leak report, with a
 * count of those named before and still out; nothing if none is new.  Then
 * panics if bufpool.leak_panic says so.
 *
 * Context: process context.
 * Return: the number of buffers named.
 */
unsigned long bufpool_report_aged(struct bufpool *pool,
				  const struct bufpool_age_window *age)
{
	struct bufpool_sink s = { .name = pool->name };
	unsigned long nr;

	nr = bufpool_leaks_report(pool, &s, BUFPOOL_REPORT_AGED, NULL, NULL,
				  age);
	bufpool_report_done(pool->name, BUFPOOL_REPORT_AGED, nr);
	return nr;
}

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
		bufpool_leaks_report(pool, &s, BUFPOOL_REPORT_SHOW, NULL, NULL,
				     NULL);
		return;
	}
	out = bufpool_outstanding(pool, &bytes);
	seq_printf(m, "%lu buffer%s (%zu bytes) out, tracking off: echo 1 > /sys/kernel/debug/bufpool/%s/track to see where buffers are taken\n",
		   out, bufpool_plural(out), bytes, pool->name);
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_track_show_outstanding);
