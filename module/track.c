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
 * Leaks are reported when a pool is destroyed with buffers out, when
 * bufpool unloads, and when a client module unloads while holding buffers
 * (a module notifier): then the leak is certain.  This file decides when
 * and what; report.c prints, and groups the leaks by allocation stack.  A
 * module that goes live or goes is described to the records whose stacks
 * run through its code (struct bufpool_mod), so that a report can name a
 * frame whose code is gone.
 *
 * Off, it costs the fast paths one static branch: bufpool_track_key is
 * enabled while any pool is "hooked" (tracked now or before, or strict).
 * Recording is best effort: when a record cannot be made (no memory in an
 * atomic take) the take still succeeds and the buffer is counted untracked.
 *
 * See Documentation/tracking.rst.
 */
#include <linux/jiffies.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/printk.h>
#include <linux/random.h>
#include <linux/ratelimit.h>
#include <linux/rhashtable.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/stackdepot.h>
#include <linux/stacktrace.h>
#include <linux/string.h>

#include "track.h"

#include <trace/events/bufpool.h>

/* === Data === */

static bool bufpool_track_param;
module_param_named(track, bufpool_track_param, bool, 0644);
MODULE_PARM_DESC(track, "Track every pool created from now on");

static unsigned int bufpool_track_sample = 1;
module_param_named(track_sample, bufpool_track_sample, uint, 0644);
MODULE_PARM_DESC(track_sample,
		 "Tracked pools record one take in N (default 1: every take)");

/*
 * On by default, as KFENCE is: 4 ms is one jiffy at HZ=250, the period at
 * which a leak of one take in a thousand on a few CPUs is sampled within
 * seconds (Documentation/tracking.rst), while a pool pays a recorded take
 * per CPU per period and, between them, the untracked pool's paths with a
 * few loads more out of line (Documentation/performance.rst).
 */
static unsigned int bufpool_sample_interval_ms = 4;
module_param_named(sample_interval_ms, bufpool_sample_interval_ms, uint, 0644);
MODULE_PARM_DESC(sample_interval_ms,
		 "Timed sampling of pools created from now on: each period of this many ms, the next take of each CPU is recorded with its stack (default 4; 0: off)");

static bool bufpool_strict_param;
module_param_named(strict, bufpool_strict_param, bool, 0644);
MODULE_PARM_DESC(strict,
		 "Pools created from now on never recycle: every return frees");

/* KUnit: make the next N recordings fail, as if out of memory. */
VISIBLE_IF_KUNIT atomic_t bufpool_track_fail_next = ATOMIC_INIT(0);
EXPORT_SYMBOL_IF_KUNIT(bufpool_track_fail_next);

DEFINE_STATIC_KEY_FALSE(bufpool_track_key);
EXPORT_SYMBOL_IF_KUNIT(bufpool_track_key);

/* Protects bufpool_track_pools and every pool's track.hooked and .sample. */
static DEFINE_MUTEX(bufpool_track_mutex);
/* Hooked pools, live or dying: the client-module leak report walks them. */
static LIST_HEAD(bufpool_track_pools);

/* Records, from this cache, indexed by buffer address. */
static struct kmem_cache *bufpool_track_cache;
static struct rhashtable bufpool_track_index;

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
/* For the KUnit suite: stack traces tracking has saved. */
VISIBLE_IF_KUNIT atomic_long_t bufpool_track_nr_stacks;
EXPORT_SYMBOL_IF_KUNIT(bufpool_track_nr_stacks);

static unsigned int bufpool_track_stack(unsigned long *entries,
					unsigned long caller)
{
	unsigned int nr, i;

	if (IS_ENABLED(CONFIG_KUNIT))
		atomic_long_inc(&bufpool_track_nr_stacks);
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

void bufpool_who_set(struct bufpool_who *w, depot_stack_handle_t stack,
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

/* Saturated counters stay: a false positive costs a lookup, or a memo. */
static void bufpool_counter_add(u8 *c, int delta)
{
	if (*c != U8_MAX)
		WRITE_ONCE(*c, *c + delta);
}

/*
 * Count @rec in, or out of, its pool's filter (bufpool_track_return_p())
 * and its page's counter (bufpool_memo_set()).
 */
static void bufpool_filter_add(struct bufpool_track *t,
			       const struct bufpool_track_rec *rec, int delta)
	__must_hold(&t->lock)
{
	u8 *filter = container_of(t, struct bufpool, track)->f.filter;

	if (!filter)
		return;
	bufpool_counter_add(&filter[hash_ptr((void *)rec->addr,
					     BUFPOOL_FILTER_BITS)], delta);
	bufpool_counter_add(&t->pages[bufpool_page_hash(rec->addr)], delta);
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
	bufpool_mod_put(rec->mod);
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
void bufpool_records_walk(struct bufpool_track *t,
			  bool (*fn)(struct bufpool_track *t,
				     struct bufpool_track_rec *rec, void *arg),
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

/* === Hooks === */

/* Why a pointer the untracked checks accept is not a buffer of the pool. */
static const char bufpool_no_record[] =
	"no buffer out of this pool starts there (returned and freed already?)";

/*
 * Whether to record this take: one in t->sample on average.  Each CPU counts
 * down a random number of takes (uniform in 1..2N, mean N + 1/2) between two
 * samples, so a take costs a per-CPU decrement, not a random number.
 */
static bool bufpool_track_sampled(struct bufpool *pool)
{
	unsigned int n = READ_ONCE(pool->track.sample);

	if (bufpool_track_armed(pool))
		return true;
	if (n <= 1)
		return n;
	if (likely(this_cpu_dec_return(pool->f.cpu->sample_left) > 0))
		return false;
	this_cpu_write(pool->f.cpu->sample_left, bufpool_sample_gap(n));
	return true;
}

/*
 * Offset of the first byte of idle @buf, a buffer of @b, that is not as its
 * return left it: the poison, and the idle marker in its word.
 */
static long bufpool_track_changed(const struct bufpool *pool,
				  const struct bufpool_bucket *b, void *buf)
{
	unsigned long mark = bufpool_idle_mark(pool, buf);
	const u8 *word = (const u8 *)bufpool_marker(b, buf);
	const u8 *end = buf + b->size;
	const u8 *p;
	size_t i;

	p = memchr_inv(buf, BUFPOOL_POISON, word - (const u8 *)buf);
	if (!p && *(const unsigned long *)word != mark) {
		for (i = 0; ((const u8 *)&mark)[i] == word[i]; i++)
			;
		p = word + i;
	}
	if (!p)
		p = memchr_inv(word + sizeof(mark), BUFPOOL_POISON,
			       end - word - sizeof(mark));
	return p ? p - (const u8 *)buf : -1;
}

static void bufpool_track_quarantine(struct bufpool *pool,
				     const struct bufpool_bucket *b,
				     struct bufpool_track_rec *rec,
				     void *buf, size_t off)
{
	struct bufpool_track *t = &pool->track;
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	rec->state = BUFPOOL_REC_QUARANTINED;
	t->nr_idle--;
	t->nr_quarantined++;
	t->quarantined_bytes += rec->size;
	if (__ratelimit(&bufpool_misuse_rs))
		bufpool_report_written(pool, rec, buf, off,
				       (void *)bufpool_marker(b, buf) - buf);
	spin_unlock_irqrestore(&t->lock, flags);
	/* Only its record, which kmemleak does not scan, holds it now. */
	kmemleak_ignore(buf);
	atomic_long_inc(&t->misuse);
	bufpool_report_done(pool->name, BUFPOOL_REPORT_MISUSE, 1);
}

static noinline bool bufpool_track_take_slow(struct bufpool *pool,
					     struct bufpool_bucket *b,
					     void *buf, bool idle_record,
					     int sampled, gfp_t gfp,
					     unsigned long caller);

/* For the KUnit suite: the records a sampled pool keeps at most. */
VISIBLE_IF_KUNIT unsigned int bufpool_track_sampled_max = BUFPOOL_TRACK_SAMPLED_MAX;
EXPORT_SYMBOL_IF_KUNIT(bufpool_track_sampled_max);

/*
 * Whether a sampled pool has as many records as it may keep: a long-lived
 * holder of sampled buffers must not grow them without limit.  Past it a
 * sampled take is counted untracked, and says so once.  A pool that
 * records every take has no bound: its records are its exactness.
 */
static bool bufpool_track_at_bound(struct bufpool *pool)
{
	struct bufpool_track *t = &pool->track;

	if (READ_ONCE(t->sample) == 1 || READ_ONCE(t->strict))
		return false;
	/* Racy: a few records more under concurrent takes, no matter. */
	if (data_race(t->nr_out + t->nr_idle) < READ_ONCE(bufpool_track_sampled_max))
		return false;
	bufpool_warn_once(pool, BUFPOOL_WARNED_TRACK_BOUND,
			  "%u records of sampled buffers, the most a pool keeps: later samples are counted as untracked\n",
			  READ_ONCE(bufpool_track_sampled_max));
	return true;
}

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
	bool guarded = false;
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
		long off = bufpool_track_changed(pool, b, buf);

		if (off >= 0) {
			bufpool_track_quarantine(pool, b, rec, buf, off);
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
		bufpool_mod_put(rec->mod);
		rec->mod = NULL;
		rec->state = BUFPOOL_REC_OUT;
		t->nr_idle--;
		t->nr_out++;
		spin_unlock_irqrestore(&t->lock, flags);
		bufpool_track_put(old_take);
		bufpool_track_put(old_ret);
		return true;
	}

	if (unlikely(bufpool_track_at_bound(pool)))
		goto untracked;
	rec = bufpool_rec_alloc(gfp);
	if (!rec)
		goto untracked;
	/* The buffer's address in it is no reference kmemleak should count. */
	kmemleak_no_scan(rec);
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
		guarded = t->guarded;
	}
	spin_unlock_irqrestore(&t->lock, flags);
	if (!err) {
		/* No memo may name its page now: its return finds the record. */
		if (guarded)
			bufpool_memo_stale(b);
		return true;
	}
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

/*
 * Whether @pool keeps the stack of each good return in its records: if it
 * records every take (a double return then names the first return's
 * stack) or is strict.  A sampled pool keeps the returner's address only.
 */
static bool bufpool_track_keeps_returns(struct bufpool *pool)
{
	return READ_ONCE(pool->track.sample) == 1 ||
	       READ_ONCE(pool->track.strict);
}

/*
 * Whether a good return to @pool keeps the record, idle, and poisons the
 * buffer (checked at its next take): in a pool tracked by count or
 * strict.  A pool sampled by time alone drops it: its samples must cost
 * nothing after their return, whatever the buffer's size, and a second
 * return is still caught by the idle marker.
 */
static bool bufpool_track_keeps_idle(struct bufpool *pool)
{
	return READ_ONCE(pool->track.sample) || READ_ONCE(pool->track.strict);
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
	struct bufpool_track_rec *rec, *drop = NULL;
	depot_stack_handle_t stack = 0;
	struct bufpool_track *owner;
	unsigned int nr = 0;
	unsigned long flags;

	rcu_read_lock();
	rec = bufpool_rec_lookup(buf);
	if (rec) {
		/* The likely case; seen outside the lock, checked inside. */
		bool good = rec->pool == pool && b &&
			    READ_ONCE(rec->state) == BUFPOOL_REC_OUT;

		/*
		 * A good return's stack is kept only where a report can use
		 * it (bufpool_track_keeps_returns()); elsewhere the record
		 * keeps the returner's address, and a sampled pair costs one
		 * stack trace, the take's.  A bad return's is reported.
		 */
		if (!good || bufpool_track_keeps_returns(pool))
			nr = bufpool_track_stack(entries, caller);
		if (good && nr)
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
				/* It looked good before the lock. */
				if (!nr)
					nr = bufpool_track_stack(entries,
								 caller);
				if (rec->pool != pool)
					bufpool_report_wrong_pool(pool, rec, buf,
								  entries, nr);
				else
					bufpool_report_double(pool, rec, buf,
							      entries, nr);
			}
		} else if (b && !bufpool_track_keeps_idle(pool)) {
			/* Back, so no leak: the untracked return does the rest. */
			bufpool_rec_unlink(owner, rec);
			drop = rec;
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
	if (drop)
		bufpool_rec_free(drop);

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
	if (READ_ONCE(pool->track.hooked))
		bufpool_track_release_quarantine(pool);
	if (!report)
		return;
	/* What is out now is reported here, and not again (module unload). */
	WRITE_ONCE(pool->track.reported, true);
	bufpool_report_leaks(pool, BUFPOOL_REPORT_DESTROY, NULL, NULL, NULL);
}

/**
 * bufpool_track_report_unload() - report a pool's buffers as bufpool unloads
 * @pool: a destroyed pool whose buffers never came back
 *
 * Context: process context.
 */
void bufpool_track_report_unload(struct bufpool *pool)
{
	bufpool_report_leaks(pool, BUFPOOL_REPORT_UNLOAD, NULL, NULL, NULL);
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

		/* Destroyed, and its leaks reported then: one report a leak. */
		if (READ_ONCE(t->reported))
			continue;
		nr = bufpool_report_leaks(pool, BUFPOOL_REPORT_MODULE, who,
					  holds, arg);
		total += nr;
	}
	mutex_unlock(&bufpool_track_mutex);
	return total;
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_track_report_holder);

/* === Age reports === */

/*
 * bufpool.max_age_ms: every half period (100 ms at least) a work item
 * names, in an age report per hooked pool, the tracked buffers that have
 * been out longer than the period since the last check, grouped by stack,
 * as Netty's leak detector names a buffer once; each is named once, and
 * later reports count those still out.  0, the default: no check.
 */
static unsigned int bufpool_max_age_ms;
/* Protects the check's state below, and arms or stops it. */
static DEFINE_MUTEX(bufpool_age_mutex);
/*
 * Takes before it were named (with bufpool_age_since), by a check of
 * bufpool_age_ms: a check of another age names every buffer older again.
 */
static unsigned long bufpool_age_from;
static bool bufpool_age_since;
static unsigned int bufpool_age_ms;
/* No check runs: before bufpool_track_init(), and from unload on. */
static bool bufpool_age_stopped = true;

static void bufpool_age_work_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(bufpool_age_work, bufpool_age_work_fn);

static unsigned long bufpool_age_period(unsigned int ms)
{
	return max(msecs_to_jiffies(ms) / 2, msecs_to_jiffies(100));
}

/**
 * bufpool_age_check() - one age check of every hooked pool
 * @ms: the age, bufpool.max_age_ms
 *
 * Context: process context.
 * Return: the number of buffers named.
 */
VISIBLE_IF_KUNIT unsigned long bufpool_age_check(unsigned int ms)
{
	struct bufpool_age_window w = {
		.to = jiffies - msecs_to_jiffies(ms),
		.age_ms = ms,
	};
	unsigned long total = 0;
	struct bufpool_track *t;

	mutex_lock(&bufpool_age_mutex);
	w.from = bufpool_age_from;
	w.since = bufpool_age_since && ms == bufpool_age_ms;
	mutex_lock(&bufpool_track_mutex);
	list_for_each_entry(t, &bufpool_track_pools, node) {
		struct bufpool *pool = container_of(t, struct bufpool, track);

		/* Destroyed: its destroy reported what was out. */
		if (READ_ONCE(pool->dead))
			continue;
		total += bufpool_report_aged(pool, &w);
	}
	mutex_unlock(&bufpool_track_mutex);
	/* The next check names the takes from here on. */
	if (!w.since || time_after(w.to, bufpool_age_from))
		bufpool_age_from = w.to;
	bufpool_age_since = true;
	bufpool_age_ms = ms;
	mutex_unlock(&bufpool_age_mutex);
	return total;
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_age_check);

static void bufpool_age_work_fn(struct work_struct *work)
{
	unsigned int ms = READ_ONCE(bufpool_max_age_ms);

	if (!ms)
		return;
	bufpool_age_check(ms);
	mutex_lock(&bufpool_age_mutex);
	if (!bufpool_age_stopped && READ_ONCE(bufpool_max_age_ms))
		queue_delayed_work(system_wq, &bufpool_age_work,
				   bufpool_age_period(READ_ONCE(bufpool_max_age_ms)));
	mutex_unlock(&bufpool_age_mutex);
}

/* A new bufpool.max_age_ms; the next check, a period from now, names. */
static int bufpool_max_age_set(const char *val, const struct kernel_param *kp)
{
	unsigned int ms;
	int err;

	err = kstrtouint(val, 0, &ms);
	if (err)
		return err;
	mutex_lock(&bufpool_age_mutex);
	WRITE_ONCE(bufpool_max_age_ms, ms);
	/* Off: a window from long ago would misread wrapped jiffies. */
	if (!ms)
		bufpool_age_since = false;
	if (ms && !bufpool_age_stopped)
		mod_delayed_work(system_wq, &bufpool_age_work,
				 bufpool_age_period(ms));
	mutex_unlock(&bufpool_age_mutex);
	return 0;
}

static const struct kernel_param_ops bufpool_max_age_ops = {
	.set = bufpool_max_age_set,
	.get = param_get_uint,
};
module_param_cb(max_age_ms, &bufpool_max_age_ops, &bufpool_max_age_ms, 0644);
MODULE_PARM_DESC(max_age_ms,
		 "Name tracked buffers out longer than this many ms, once each, grouped by stack (default 0: never)");

/* At module init: checks run if bufpool.max_age_ms says so. */
static void bufpool_age_start(void)
{
	mutex_lock(&bufpool_age_mutex);
	bufpool_age_stopped = false;
	if (bufpool_max_age_ms)
		queue_delayed_work(system_wq, &bufpool_age_work,
				   bufpool_age_period(bufpool_max_age_ms));
	mutex_unlock(&bufpool_age_mutex);
}

/**
 * bufpool_track_stop_checks() - stop the age checks, at unload
 *
 * Before the pools go: no check runs or starts again.
 *
 * Context: process context.
 */
void bufpool_track_stop_checks(void)
{
	mutex_lock(&bufpool_age_mutex);
	bufpool_age_stopped = true;
	mutex_unlock(&bufpool_age_mutex);
	cancel_delayed_work_sync(&bufpool_age_work);
}

/* === Timed sampling === */

/*
 * Takes of CPUs sampled in this period already that an armed period sends
 * out of line before it ends: room for the other CPUs to take theirs,
 * bounded so that a pool one CPU of many takes from pays little.
 */
#define BUFPOOL_SAMPLE_SLACK		64

/*
 * As KFENCE arms its allocation gate once per interval, but for each CPU:
 * the work sets BUFPOOL_SLOW_ARMED_BIT, which sends the pool's next inline
 * takes out of line (it is in the word the inline take tests already, so
 * an unarmed take pays nothing), and marks every online CPU as owed a
 * sample.  The first take of each owed CPU is recorded.  The period ends
 * when every CPU had its sample, or when CPUs that had theirs took
 * BUFPOOL_SAMPLE_SLACK times more, so that CPUs that do not take from the
 * pool cannot keep it armed; its end queues the work for the next period.
 * A pool nobody takes from stays armed and runs no timer.  The work is
 * deferrable: it waits for a CPU that is awake.
 */
static void bufpool_track_sample_work(struct work_struct *work)
{
	struct bufpool_track *t = container_of(to_delayed_work(work),
					       struct bufpool_track,
					       sample_work);
	struct bufpool *pool = container_of(t, struct bufpool, track);

	if (READ_ONCE(pool->dead))
		return;
	cpumask_copy(t->owed, cpu_online_mask);
	atomic_set(&t->slack, BUFPOOL_SAMPLE_SLACK);
	/* Before the bit: a take that sees it reads them. */
	smp_mb__before_atomic();
	set_bit(BUFPOOL_SLOW_ARMED_BIT, &pool->f.slow);
}

/* End @pool's armed period, and queue the next, once. */
static void bufpool_track_disarm(struct bufpool *pool)
{
	/* bufpool_track_stop() cancels it after the pool is dead. */
	if (test_and_clear_bit(BUFPOOL_SLOW_ARMED_BIT, &pool->f.slow))
		queue_delayed_work(system_wq, &pool->track.sample_work,
				   pool->track.sample_jiffies);
}

/**
 * bufpool_track_claim_armed() - take this CPU's sample of an armed pool
 * @pool: the pool; a take of it saw BUFPOOL_SLOW_ARMED_BIT set
 *
 * Context: a take, any context but NMI, before the pool is dead.  The CPU
 * may change under a preemptible caller: the sample goes to the CPU it
 * started on, no matter.
 * Return: whether this take is recorded: its CPU was owed a sample.
 */
bool bufpool_track_claim_armed(struct bufpool *pool)
{
	struct bufpool_track *t = &pool->track;

	/* Fully ordered: reads the mask the work wrote before the bit. */
	if (cpumask_test_and_clear_cpu(raw_smp_processor_id(), t->owed)) {
		if (cpumask_empty(t->owed))
			bufpool_track_disarm(pool);
		return true;
	}
	if (atomic_dec_return(&t->slack) <= 0)
		bufpool_track_disarm(pool);
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_track_claim_armed);

/**
 * bufpool_track_start() - start a new pool's timed sampling
 * @pool: the pool, visible to takers now
 *
 * Context: process context.
 */
void bufpool_track_start(struct bufpool *pool)
{
	if (pool->track.sample_jiffies)
		queue_delayed_work(system_wq, &pool->track.sample_work,
				   pool->track.sample_jiffies);
}

/**
 * bufpool_track_stop() - stop a dying pool's timed sampling
 * @pool: the pool; dead, and no take of it runs any more
 *
 * Context: process context; sleeps.
 */
void bufpool_track_stop(struct bufpool *pool)
{
	/* The bit may stay: takes of a dead pool go out of line anyway. */
	cancel_delayed_work_sync(&pool->track.sample_work);
}

/* === Control === */

/* Make @pool's takes, returns and frees run the hooks, for good. */
static void bufpool_track_hook(struct bufpool *pool)
{
	lockdep_assert_held(&bufpool_track_mutex);
	if (pool->track.hooked)
		return;
	if (!IS_ENABLED(CONFIG_STACKDEPOT))
		pr_info_once("bufpool: no stack_depot in this kernel: tracking records callers without stacks\n");
	/*
	 * Without it every return of the pool looks up the index: slower.
	 * The pages' counters follow the filter's.
	 */
	pool->f.filter = kzalloc(2 * BUFPOOL_FILTER_SIZE, GFP_KERNEL);
	if (pool->f.filter)
		pool->track.pages = pool->f.filter + BUFPOOL_FILTER_SIZE;
	static_branch_inc(&bufpool_track_key);
	list_add_tail(&pool->track.node, &bufpool_track_pools);
	/* Paired with bufpool_track_hooked(): the key is on first. */
	WRITE_ONCE(pool->track.hooked, true);
	bufpool_set_slow(pool, BUFPOOL_SLOW_HOOKED_BIT, true);
}

/*
 * Guard @pool's memos, or stop (struct bufpool_track::guarded).  On: from
 * the next record on, every recording take makes its bucket's memos stale;
 * the records before are on the pages' counters, and the memos set before
 * go stale here.  Off: the filter bit is set first.
 */
static void bufpool_track_guard(struct bufpool *pool, bool on)
{
	struct bufpool_track *t = &pool->track;
	unsigned long flags;
	unsigned int i;

	if (t->guarded == on)
		return;
	spin_lock_irqsave(&t->lock, flags);
	WRITE_ONCE(t->guarded, on);
	spin_unlock_irqrestore(&t->lock, flags);
	if (on)
		for (i = 0; i < pool->nr_buckets; i++)
			bufpool_memo_stale(&pool->buckets[i]);
}

/*
 * Which of @pool's takes and returns leave the inline path for tracking's
 * (include/bufpool.h): all of them in a strict pool, one that records every
 * take or one without a filter; in a sampled one, the take that runs its
 * CPU's countdown out and the return of a buffer the filter may know; in
 * one sampled by time alone, the armed takes and the returns the owner
 * memo does not know, as the memo never names a page with a record.
 */
static void bufpool_track_update_slow(struct bufpool *pool)
{
	struct bufpool_track *t = &pool->track;
	bool all = t->hooked && (t->strict || t->sample == 1 || !pool->f.filter);
	bool guarded = t->hooked && !all && !t->sample;

	lockdep_assert_held(&bufpool_track_mutex);
	if (guarded)
		bufpool_track_guard(pool, true);
	/* The filter first: a return that sees the bit reads it. */
	smp_mb__before_atomic();
	bufpool_set_slow(pool, BUFPOOL_SLOW_TRACKED_BIT, all);
	bufpool_set_slow(pool, BUFPOOL_SLOW_SAMPLED_BIT,
			 t->hooked && !all && t->sample > 1);
	bufpool_set_slow(pool, BUFPOOL_SLOW_FILTER_BIT,
			 t->hooked && !all && !guarded);
	/* Inline returns check the filter, or go out of line, from now. */
	smp_mb__after_atomic();
	if (!guarded)
		bufpool_track_guard(pool, false);
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
	if (sample) {
		bufpool_track_hook(pool);
		WRITE_ONCE(t->debug, true);
	}
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
 * bufpool_track_pool_init() - set up a new pool's tracking
 * @pool: the pool, not visible to anyone yet
 * @flags: its BUFPOOL_F_* flags
 * @sample: its bufpool_params::track_sample, or 0
 * @interval_ms: its bufpool_params::sample_interval_ms, or 0
 *
 * %BUFPOOL_F_TRACK or bufpool.track=1 turn tracking on with the sample rate
 * @sample, else bufpool.track_sample; %BUFPOOL_F_STRICT or bufpool.strict=1
 * strict mode.  Timed sampling (@interval_ms, else
 * bufpool.sample_interval_ms) hooks the pool too; bufpool_track_start()
 * starts it once the pool is visible.
 *
 * Context: process context; sleeps.
 */
void bufpool_track_pool_init(struct bufpool *pool, unsigned int flags,
			     unsigned int sample, unsigned int interval_ms)
{
	struct bufpool_track *t = &pool->track;

	INIT_DEFERRABLE_WORK(&t->sample_work, bufpool_track_sample_work);
	if (!interval_ms)
		interval_ms = READ_ONCE(bufpool_sample_interval_ms) ?:
			      BUFPOOL_SAMPLE_OFF;
	t->sample_jiffies = interval_ms == BUFPOOL_SAMPLE_OFF ? 0 :
			    max(msecs_to_jiffies(interval_ms), 1UL);
	/* No mask, no timed sampling: the pool works all the same. */
	if (t->sample_jiffies && !zalloc_cpumask_var(&t->owed, GFP_KERNEL))
		t->sample_jiffies = 0;
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
	t->debug = sample || t->strict;
	/* Timed sampling too: its returns must find their records. */
	if (sample || t->strict || t->sample_jiffies) {
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

	if (t->sample_jiffies)
		free_cpumask_var(t->owed);
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
	bufpool_set_slow(pool, BUFPOOL_SLOW_HOOKED_BIT, false);
	bufpool_track_update_slow(pool);
	static_branch_dec(&bufpool_track_key);
	mutex_unlock(&bufpool_track_mutex);
	/* A lookup may have found a record of this pool: let it finish. */
	synchronize_rcu();
	kfree(pool->f.filter);
	pool->f.filter = NULL;
	t->pages = NULL;
}

/* === Module notifier === */

#ifdef CONFIG_MODULES
static bool bufpool_track_in_module(unsigned long ip, const void *owner,
				    const void *mod)
{
	return owner == mod || within_module(ip, mod);
}

static void bufpool_mod_release(struct kref *ref)
{
	kfree(container_of(ref, struct bufpool_mod, ref));
}

/**
 * bufpool_mod_put() - drop a reference to a module's description
 * @m: the description, or %NULL
 *
 * Context: any context but NMI.
 */
void bufpool_mod_put(struct bufpool_mod *m)
{
	if (m)
		kref_put(&m->ref, bufpool_mod_release);
}

/* Whether @ip lies in [@r[0], @r[1]). */
static bool bufpool_in(unsigned long ip, const unsigned long r[2])
{
	return ip >= r[0] && ip < r[1];
}

/* Whether a frame of @w's stack (or its caller) lies in @m's code. */
static bool bufpool_who_in(const struct bufpool_who *w,
			   const struct bufpool_mod *m)
{
	unsigned long *entries;
	unsigned int i, nr = 0;

	if (bufpool_in(w->ip, m->init) || bufpool_in(w->ip, m->core))
		return true;
	if (IS_ENABLED(CONFIG_STACKDEPOT) && w->stack)
		nr = stack_depot_fetch(w->stack, &entries);
	for (i = 0; i < nr; i++)
		if (bufpool_in(entries[i], m->init) ||
		    bufpool_in(entries[i], m->core))
			return true;
	return false;
}

/* bufpool_records_walk(): name @arg, a module, in the record if its code is there. */
static bool bufpool_track_mod_one(struct bufpool_track *t,
				  struct bufpool_track_rec *rec, void *arg)
{
	struct bufpool_mod *m = arg;

	if (rec->mod || (!bufpool_who_in(&rec->take, m) &&
			 !bufpool_who_in(&rec->ret, m)))
		return true;
	rec->mod = bufpool_mod_get(m);
	return true;
}

/* bufpool_records_walk(): mark the record's module, @arg, as unloaded. */
static bool bufpool_track_mod_gone(struct bufpool_track *t,
				   struct bufpool_track_rec *rec, void *arg)
{
	const struct module *mod = arg;

	if (rec->mod && rec->mod->key == (unsigned long)mod)
		WRITE_ONCE(rec->mod->unloaded, true);
	return true;
}

/*
 * @mod goes live, its init code to be freed, or goes (@live false), all of
 * its code to be freed: describe it to the records whose stacks run
 * through it that have no module yet, so that reports can say whose code a
 * frame was (struct bufpool_mod).  Going, it is also marked unloaded in
 * the records that have it already.
 */
static void bufpool_track_mod_event(struct module *mod, bool live)
{
	struct bufpool_track *t;
	struct bufpool_mod *m;

	mutex_lock(&bufpool_track_mutex);
	/* No hooked pool, no record: nothing to describe. */
	if (list_empty(&bufpool_track_pools)) {
		mutex_unlock(&bufpool_track_mutex);
		return;
	}
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (m) {
		kref_init(&m->ref);
		m->key = (unsigned long)mod;
		m->init_freed = true;
		m->unloaded = !live;
		bufpool_module_text(mod, true, m->init);
		bufpool_module_text(mod, false, m->core);
		strscpy(m->name, mod->name);
		list_for_each_entry(t, &bufpool_track_pools, node)
			bufpool_records_walk(t, bufpool_track_mod_one, m);
	}
	if (!live)
		list_for_each_entry(t, &bufpool_track_pools, node)
			bufpool_records_walk(t, bufpool_track_mod_gone, mod);
	mutex_unlock(&bufpool_track_mutex);
	bufpool_mod_put(m);
}

static void bufpool_track_module_event(unsigned long action, void *data)
{
	struct module *mod = data;

	if (action == MODULE_STATE_LIVE) {
		bufpool_track_mod_event(mod, true);
	} else if (action == MODULE_STATE_GOING) {
		/* Its code is still there: the report names every frame. */
		bufpool_track_report_holder(mod->name, bufpool_track_in_module,
					    mod);
		bufpool_track_mod_event(mod, false);
	}
}
#else
void bufpool_mod_put(struct bufpool_mod *m)
{
}

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
	bufpool_age_start();
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
	bufpool_track_stop_checks();
	unregister_module_notifier(&bufpool_track_nb);
	rhashtable_destroy(&bufpool_track_index);
	/* 6.12's kmem_cache_destroy() waits for kfree_rcu(); before, this. */
	if (!BUFPOOL_KFREE_RCU_WAITED)
		rcu_barrier();
	kmem_cache_destroy(bufpool_track_cache);
}
