// SPDX-License-Identifier: GPL-2.0
/*
 * bufpool magazines and depot: the take and return paths.
 *
 * Each CPU has two magazines per bucket.  A take pops from the loaded one, a
 * return pushes to it; when it runs dry (take) or full (return) the two are
 * swapped, and only when both are dry or both full does the CPU trade a
 * whole magazine with the bucket's depot under the depot lock.  So at most
 * one lock round trip happens per mag_size takes or returns, and none on the
 * fast path, which runs in a section guarded by this CPU's guard
 * (bufpool_cpu_trylock(): preemption off, interrupts on, a per-CPU busy
 * flag) and touches only this CPU's lines.  An interrupt that arrives in
 * the middle of a section takes a slow path: it allocates (take) or frees
 * (return), and counts in the bucket's shared counters.
 *
 * The depot holds full magazines up to the pool's max_cached_bytes; a return
 * that would push it over frees the buffer to the backend instead.  The
 * shrinker trims the depot; bufpool_clear() and CPU hotplug empty the
 * per-CPU magazines too.
 *
 * Pool lifetime, as page_pool's: no reference per buffer.  The per-CPU take
 * and return counts say how many buffers are out.  A take checks that the
 * pool is live and counts itself inside a guarded section (preemption off:
 * an RCU read-side critical section) or, on the slow path, an SRCU section
 * (bufpool_srcu); bufpool_destroy() marks the pool dead and waits for both,
 * so no take is counted after that.  Returns to a dead pool free their
 * buffer and, once destroy is done, the one whose count brings the buffers
 * out to zero releases the pool (bufpool_return_done()).
 */
#include <linux/cpu.h>
#include <linux/mm.h>
#include <linux/srcu.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"

#include <trace/events/bufpool.h>

/* Slow-path takes, for bufpool_destroy() to wait for; see above. */
DEFINE_SRCU(bufpool_srcu);

/* === Magazines === */

static struct bufpool_mag *bufpool_mag_alloc(const struct bufpool_bucket *b,
					     gfp_t gfp, int node)
{
	struct bufpool_mag *m;

	m = kmalloc_node(struct_size(m, bufs, b->mag_size), gfp, node);
	if (m)
		m->count = 0;
	return m;
}

/* Free an idle buffer, as a magazine slot holds it, to the backend. */
static void bufpool_free_idle(struct bufpool_bucket *b, void *slot)
{
	/* A tracked pool's slots may carry BUFPOOL_MAG_TRACKED. */
	void *buf = bufpool_mag_untag(slot);

	bufpool_kasan_unpoison(buf, b->size);
	bufpool_backend_free(b, buf);
}

/* Free the buffers in @m to the backend; returns how many. */
static unsigned int bufpool_mag_empty(struct bufpool_bucket *b,
				      struct bufpool_mag *m)
{
	unsigned int n = m->count;

	while (m->count)
		bufpool_free_idle(b, m->bufs[--m->count]);
	return n;
}

static __always_inline void *bufpool_mag_pop(struct bufpool_cpu_bucket *cb)
{
	struct bufpool_mag *m;
	unsigned int n = __bufpool_mag_full(cb, &m);

	if (!n)
		return NULL;
	m->count = --n;
	return m->bufs[n];
}

static __always_inline bool bufpool_mag_push(struct bufpool_cpu_bucket *cb,
					     void *buf)
{
	struct bufpool_mag *m;
	unsigned int n;

	if (!__bufpool_mag_room(cb, &m, &n))
		return false;
	m->bufs[n] = buf;
	m->count = n + 1;
	return true;
}

/* === Depot === */

/* Buffers in @cb's two magazines. */
static unsigned int bufpool_cpu_idle(const struct bufpool_cpu_bucket *cb)
{
	return cb->loaded->count + cb->prev->count;
}

/*
 * Fold this CPU's takes and returns since its last fold into the bucket's
 * count of buffers out: as many as its magazines' buffers fell (takes) or
 * rose (returns) since then.  Whoever then moves buffers in or out of the
 * magazines otherwise (the depot, a drain) calls bufpool_cpu_rebase().
 */
static void bufpool_fold_out(struct bufpool *pool, struct bufpool_bucket *b,
			     struct bufpool_cpu_bucket *cb)
{
	long delta = (long)cb->mag_base - bufpool_cpu_idle(cb);

	if (delta)
		bufpool_add_out(pool, b, delta, delta * (long)b->size);
	cb->mag_base -= delta;
}

/* After bufpool_fold_out(), @cb's magazines changed by other means. */
static void bufpool_cpu_rebase(struct bufpool_cpu_bucket *cb)
{
	cb->mag_base = bufpool_cpu_idle(cb);
}

/*
 * Both of @cb's magazines are empty: trade the prev one for a full magazine
 * from the depot.  Called in a guarded section.
 */
static noinline bool bufpool_depot_get_full(struct bufpool *pool,
					    struct bufpool_bucket *b,
					    struct bufpool_cpu_bucket *cb)
{
	struct bufpool_mag *full;
	unsigned long flags;

	bufpool_fold_out(pool, b, cb);
	/* Unlocked peek: a CPU that misses one refill just allocates. */
	if (!data_race(b->nr_full))
		return false;

	/* Interrupts are on in a guarded section; the depot is any context's. */
	spin_lock_irqsave(&b->lock, flags);
	full = list_first_entry_or_null(&b->full, struct bufpool_mag, list);
	if (!full) {
		spin_unlock_irqrestore(&b->lock, flags);
		return false;
	}
	list_del(&full->list);
	b->nr_full--;
	b->nr_bufs -= full->count;
	list_add(&cb->prev->list, &b->empty);
	b->nr_empty++;
	spin_unlock_irqrestore(&b->lock, flags);

	atomic_long_sub(full->count * b->size, &pool->depot_bytes);
	cb->prev = cb->loaded;
	cb->loaded = full;
	bufpool_cpu_rebase(cb);
	return true;
}

/*
 * Hand @m, a magazine with buffers, to the depot and get an empty one back,
 * unless that would take the depot over max_cached_bytes.  Returns the empty
 * magazine, or NULL if the depot refused (then @m is still the caller's).
 * Called in a guarded section, or on a dead CPU's magazines.
 */
static struct bufpool_mag *bufpool_depot_put(struct bufpool *pool,
					     struct bufpool_bucket *b,
					     struct bufpool_mag *m)
{
	long bytes = m->count * b->size;
	struct bufpool_mag *empty;
	unsigned long flags;
	long cur;

	/* Reserve the bytes first, so the depot never goes over, even briefly. */
	cur = atomic_long_read(&pool->depot_bytes);
	do {
		if (cur + bytes > pool->max_cached_bytes)
			return NULL;
	} while (!atomic_long_try_cmpxchg(&pool->depot_bytes, &cur,
					  cur + bytes));

	spin_lock_irqsave(&b->lock, flags);
	empty = list_first_entry_or_null(&b->empty, struct bufpool_mag, list);
	if (empty) {
		list_del(&empty->list);
		b->nr_empty--;
	}
	spin_unlock_irqrestore(&b->lock, flags);
	if (!empty) {
		/* Interrupts may be off: never sleep, never dip into reserves. */
		empty = bufpool_mag_alloc(b, GFP_ATOMIC | __GFP_NOWARN |
					  __GFP_NOMEMALLOC, numa_node_id());
		if (!empty)
			goto refuse;
	}

	spin_lock_irqsave(&b->lock, flags);
	list_add(&m->list, &b->full);
	b->nr_full++;
	b->nr_bufs += m->count;
	spin_unlock_irqrestore(&b->lock, flags);
	return empty;

refuse:
	atomic_long_sub(bytes, &pool->depot_bytes);
	return NULL;
}

/*
 * Both of @cb's magazines are full: trade the prev one for an empty one.
 * Called in a guarded section.
 */
static noinline bool bufpool_depot_put_full(struct bufpool *pool,
					    struct bufpool_bucket *b,
					    struct bufpool_cpu_bucket *cb)
{
	struct bufpool_mag *empty;

	bufpool_fold_out(pool, b, cb);
	empty = bufpool_depot_put(pool, b, cb->prev);
	if (!empty)
		return false;
	cb->prev = cb->loaded;
	cb->loaded = empty;
	bufpool_cpu_rebase(cb);
	return true;
}

/*
 * Magazines a trim moves off a depot per hold of its lock, with interrupts
 * off: a bound on the work done there, whatever the depot holds (a list
 * move each; the buffers are freed after the lock is dropped).
 */
#define BUFPOOL_TRIM_BATCH		8

/* For the KUnit suite: the most magazines one locked step moved. */
VISIBLE_IF_KUNIT unsigned int bufpool_trim_longest;
EXPORT_SYMBOL_IF_KUNIT(bufpool_trim_longest);

/*
 * Trim one bucket's depot by up to @nr buffers, whole magazines, and its
 * spare empty magazines down to one per full one left, BUFPOOL_TRIM_BATCH
 * magazines per locked step.  Returns how many buffers it freed.
 */
static unsigned long bufpool_bucket_trim(struct bufpool *pool,
					 struct bufpool_bucket *b,
					 unsigned long nr)
{
	struct bufpool_mag *m, *tmp;
	unsigned long freed = 0;
	unsigned long flags, n;
	unsigned int moved;

	do {
		LIST_HEAD(mags);

		moved = 0;
		n = 0;
		spin_lock_irqsave(&b->lock, flags);
		while (moved < BUFPOOL_TRIM_BATCH && freed + n < nr &&
		       b->nr_full) {
			m = list_first_entry(&b->full, struct bufpool_mag, list);
			list_move(&m->list, &mags);
			b->nr_full--;
			b->nr_bufs -= m->count;
			n += m->count;
			moved++;
		}
		while (moved < BUFPOOL_TRIM_BATCH && b->nr_empty > b->nr_full) {
			list_move(b->empty.next, &mags);
			b->nr_empty--;
			moved++;
		}
		spin_unlock_irqrestore(&b->lock, flags);

		if (IS_ENABLED(CONFIG_KUNIT) && moved > READ_ONCE(bufpool_trim_longest))
			WRITE_ONCE(bufpool_trim_longest, moved);
		atomic_long_sub(n * b->size, &pool->depot_bytes);
		list_for_each_entry_safe(m, tmp, &mags, list) {
			bufpool_mag_empty(b, m);
			kfree_rcu(m, rcu);
		}
		freed += n;
	} while (moved == BUFPOOL_TRIM_BATCH);
	return freed;
}

/**
 * bufpool_depot_trim() - free idle buffers from a pool's depots
 * @pool: the pool
 * @nr_bufs: how many buffers to free, at least; whole magazines go, the
 *	largest buckets first
 * @why: the counter to charge besides BUFPOOL_STAT_FREE
 *	(BUFPOOL_STAT_TRIM for the shrinker), or BUFPOOL_STAT_FREE alone
 *
 * Context: any context but NMI; takes the depot locks.
 * Return: the number of buffers freed.
 */
unsigned long bufpool_depot_trim(struct bufpool *pool, unsigned long nr_bufs,
				 enum bufpool_stat why)
{
	unsigned long freed = 0;
	unsigned int i = pool->nr_buckets;
	size_t bytes = 0;

	while (i-- && freed < nr_bufs) {
		unsigned long n;

		n = bufpool_bucket_trim(pool, &pool->buckets[i],
					nr_bufs - freed);
		bufpool_count(pool, i, BUFPOOL_STAT_FREE, n);
		if (why != BUFPOOL_STAT_FREE)
			bufpool_count(pool, i, why, n);
		freed += n;
		bytes += n * pool->buckets[i].size;
	}
	trace_bufpool_trim(pool, pool->name, nr_bufs, freed, bytes,
			   why == BUFPOOL_STAT_TRIM);
	return freed;
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_depot_trim);

/* === Draining === */

/*
 * Move the buffers in a CPU's magazine *@mp to the depot, or free them if
 * the depot is full.  Counts them as drained, and the freed ones as freed;
 * returns how many it freed.
 */
static unsigned int bufpool_drain_mag(struct bufpool *pool,
				      struct bufpool_bucket *b,
				      struct bufpool_mag **mp)
{
	unsigned int idx = b - pool->buckets;
	unsigned int n = (*mp)->count;
	struct bufpool_mag *empty;
	unsigned int freed = 0;

	if (!n)
		return 0;
	empty = bufpool_depot_put(pool, b, *mp);
	if (empty) {
		*mp = empty;
	} else {
		freed = bufpool_mag_empty(b, *mp);
		bufpool_count(pool, idx, BUFPOOL_STAT_FREE, freed);
	}
	/* Charged to this CPU, not @mp's: only the sums are read. */
	bufpool_count(pool, idx, BUFPOOL_STAT_DRAIN, n);
	return freed;
}

/**
 * bufpool_drain_cpu() - empty a CPU's magazines into the depot
 * @pool: the pool
 * @cpu: the CPU
 *
 * Buffers go to the depot while it is under max_cached_bytes and are freed
 * after that.  Counted as BUFPOOL_STAT_DRAIN.
 *
 * Context: nothing may use @cpu's magazines meanwhile: @cpu is dead, or it is
 * this CPU in a guarded section.
 */
void bufpool_drain_cpu(struct bufpool *pool, unsigned int cpu)
{
	struct bufpool_cpu *pcp = per_cpu_ptr(pool->cpu, cpu);
	unsigned long moved = 0, freed = 0;
	unsigned int i;

	for (i = 0; i < pool->nr_buckets; i++) {
		struct bufpool_cpu_bucket *cb = &pcp->b[i];

		bufpool_fold_out(pool, &pool->buckets[i], cb);
		moved += cb->loaded->count + cb->prev->count;
		freed += bufpool_drain_mag(pool, &pool->buckets[i],
					   &cb->loaded);
		freed += bufpool_drain_mag(pool, &pool->buckets[i], &cb->prev);
		bufpool_cpu_rebase(cb);
	}
	trace_bufpool_drain(pool, pool->name, cpu, moved - freed, freed);
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_drain_cpu);

/* Free every buffer in @pcp's magazines. */
static void bufpool_free_cpu(struct bufpool *pool, struct bufpool_cpu *pcp)
{
	unsigned int i;

	for (i = 0; i < pool->nr_buckets; i++) {
		struct bufpool_cpu_bucket *cb = &pcp->b[i];
		struct bufpool_bucket *b = &pool->buckets[i];
		unsigned int n;

		bufpool_fold_out(pool, b, cb);
		n = bufpool_mag_empty(b, cb->loaded);
		n += bufpool_mag_empty(b, cb->prev);
		bufpool_cpu_rebase(cb);
		bufpool_count(pool, i, BUFPOOL_STAT_FREE, n);
	}
}

/* Move @m's slots to @bufs; returns how many. */
static unsigned int bufpool_mag_move(struct bufpool_mag *m, void **bufs)
{
	unsigned int n = m->count;

	memcpy(bufs, m->bufs, n * sizeof(*bufs));
	m->count = 0;
	return n;
}

/*
 * Empty this CPU's magazines of every bucket.  Interrupts are off only while
 * a bucket's slots are copied out, never while buffers are freed (an order-8
 * page may take a while): a bucket at a time, at most 2 * BUFPOOL_MAG_MAX
 * pointers under the lock.
 */
static void bufpool_drain_work(struct work_struct *work)
{
	struct bufpool *pool = container_of(work, struct bufpool_cpu,
					    drain_work)->pool;
	void *bufs[2 * BUFPOOL_MAG_MAX];
	unsigned long freed = 0;
	unsigned int i, n;

	for (i = 0; i < pool->nr_buckets; i++) {
		struct bufpool_bucket *b = &pool->buckets[i];
		struct bufpool_cpu_bucket *cb;
		struct bufpool_cpu *pcp;

		/* A task: nothing of this CPU can hold the guard now. */
		pcp = bufpool_cpu_trylock(pool);
		if (WARN_ON_ONCE(!pcp))
			return;
		cb = &pcp->b[i];
		bufpool_fold_out(pool, b, cb);
		n = bufpool_mag_move(cb->loaded, bufs);
		n += bufpool_mag_move(cb->prev, bufs + n);
		bufpool_cpu_rebase(cb);
		bufpool_cpu_unlock(pool, pcp);

		bufpool_count(pool, i, BUFPOOL_STAT_FREE, n);
		freed += n;
		while (n)
			bufpool_free_idle(b, bufs[--n]);
	}
	trace_bufpool_drain(pool, pool->name, raw_smp_processor_id(), 0, freed);
}

/* Whether @cpu's magazines hold buffers or counts to fold; a racy peek. */
static bool bufpool_cpu_has_idle(struct bufpool *pool, unsigned int cpu)
{
	struct bufpool_cpu *pcp = per_cpu_ptr(pool->cpu, cpu);
	bool busy = false;
	unsigned int i;

	/* Magazines are freed after a grace period (bufpool_bucket_trim()). */
	rcu_read_lock();
	for (i = 0; i < pool->nr_buckets && !busy; i++) {
		struct bufpool_cpu_bucket *cb = &pcp->b[i];

		/* That CPU changes them meanwhile: a hint is all we need. */
		busy = data_race(READ_ONCE(cb->loaded)->count ||
				 READ_ONCE(cb->prev)->count || cb->mag_base);
	}
	rcu_read_unlock();
	return busy;
}

/**
 * bufpool_drain_all() - free every idle buffer of a live pool
 * @pool: the pool
 *
 * Runs a work item on each online CPU that has buffers in its magazines, to
 * empty them (a CPU's magazines can only be touched from that CPU), then
 * empties the depots.  A buffer returned to a CPU after it was looked at
 * stays.
 *
 * Context: process context; sleeps.
 */
void bufpool_drain_all(struct bufpool *pool)
{
	unsigned int cpu;

	cpus_read_lock();
	for_each_online_cpu(cpu)
		if (bufpool_cpu_has_idle(pool, cpu))
			queue_work_on(cpu, system_highpri_wq,
				      &per_cpu_ptr(pool->cpu, cpu)->drain_work);
	/* Returns at once for a work item that is not queued. */
	for_each_online_cpu(cpu)
		flush_work(&per_cpu_ptr(pool->cpu, cpu)->drain_work);
	cpus_read_unlock();
	bufpool_depot_trim(pool, ULONG_MAX, BUFPOOL_STAT_FREE);
}

/**
 * bufpool_drain_all_async() - start emptying every CPU's magazines
 * @pool: the pool
 *
 * For the shrinker: queues the drain work on each online CPU that has
 * buffers in its magazines, and does not wait.  A CPU that goes offline
 * meanwhile is drained by the hotplug callback; a work item that runs
 * elsewhere drains the CPU it runs on.
 *
 * Context: any context but NMI.
 */
void bufpool_drain_all_async(struct bufpool *pool)
{
	unsigned int cpu;

	for_each_online_cpu(cpu)
		if (bufpool_cpu_has_idle(pool, cpu))
			queue_work_on(cpu, system_highpri_wq,
				      &per_cpu_ptr(pool->cpu, cpu)->drain_work);
}

/**
 * bufpool_drain_cancel() - wait for drain work items of a dying pool
 * @pool: the pool; nothing may queue drain work any more
 *
 * Context: process context; sleeps.
 */
void bufpool_drain_cancel(struct bufpool *pool)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		cancel_work_sync(&per_cpu_ptr(pool->cpu, cpu)->drain_work);
}

/**
 * bufpool_cache_release() - free every idle buffer of a dying pool
 * @pool: the pool; no CPU may touch its magazines any more
 *
 * Context: process context.
 */
void bufpool_cache_release(struct bufpool *pool)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		bufpool_free_cpu(pool, per_cpu_ptr(pool->cpu, cpu));
	bufpool_depot_trim(pool, ULONG_MAX, BUFPOOL_STAT_FREE);
}

/* === Take and return === */

static __always_inline void *bufpool_take_prep(const struct bufpool *pool,
					       const struct bufpool_bucket *b,
					       void *buf, gfp_t gfp)
{
	bool zero;

	if (pool->flags & BUFPOOL_F_NO_INIT)
		zero = gfp & __GFP_ZERO;
	else
		zero = want_init_on_alloc(gfp);
	if (zero)
		memset(buf, 0, b->size);
	else
		WRITE_ONCE(*(unsigned long *)buf, 0);	/* the idle marker */
	return buf;
}

void bufpool_warn_once(struct bufpool *pool, unsigned int bit,
		       const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	if (test_and_set_bit(bit, &pool->warned))
		return;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_warn("bufpool: %s: %pV", pool->name, &vaf);
	va_end(args);
}

/* slow path */
static noinline void *bufpool_take_dead(struct bufpool *pool,
					unsigned long caller)
{
	if (READ_ONCE(pool->track.buried))
		pr_err_ratelimited("bufpool: %s: take by %pS from a pool destroyed and freed: a use after destroy\n",
				   pool->name, (void *)caller);
	else
		bufpool_warn_once(pool, BUFPOOL_WARNED_DEAD_TAKE,
				  "take from a destroyed pool by %pS\n",
				  (void *)caller);
	return NULL;
}

/*
 * slow path, PREEMPT_RT only: a take where the pool's sleeping locks cannot
 * be taken.  Only printk here.
 */
#ifdef CONFIG_PREEMPT_RT
noinline void bufpool_rt_refuse(struct bufpool *pool, unsigned long caller)
{
	bufpool_warn_once(pool, BUFPOOL_WARNED_RT_CONTEXT,
			  "take by %pS refused: on PREEMPT_RT, take may not be called from hard interrupt context or with interrupts or preemption disabled (see bufpool.h); later ones are only refused\n",
			  (void *)caller);
}
#endif /* CONFIG_PREEMPT_RT */

/* slow path */
static noinline void *bufpool_take_unpooled(struct bufpool *pool, size_t size,
					    gfp_t gfp, unsigned long caller)
{
	unsigned int slot = bufpool_unpooled_slot(pool);
	size_t bytes;
	void *buf;
	int srcu;

	if (!size || size > BUFPOOL_SIZE_MAX) {
		if (!(gfp & __GFP_NOWARN))
			pr_warn_ratelimited("bufpool: %s: cannot take %zu bytes (1 to %lu) for %pS\n",
					    pool->name, size, BUFPOOL_SIZE_MAX,
					    (void *)caller);
		return NULL;
	}
	srcu = srcu_read_lock(&bufpool_srcu);
	if (unlikely(READ_ONCE(pool->dead))) {
		srcu_read_unlock(&bufpool_srcu, srcu);
		return bufpool_take_dead(pool, caller);
	}
	buf = bufpool_unpooled_alloc(pool, size, gfp);
	if (!buf) {
		bufpool_count(pool, slot, BUFPOOL_STAT_ALLOC_FAIL, 1);
		goto out;
	}
	bufpool_count(pool, slot, BUFPOOL_STAT_ALLOC, 1);
	bufpool_count(pool, slot, BUFPOOL_STAT_TAKE, 1);
	bytes = bufpool_owned_size(pool, &pool->unpooled, buf);
	this_cpu_add(pool->cpu->unpooled_bytes, bytes);
	bufpool_add_out(pool, &pool->unpooled, 1, bytes);
	trace_bufpool_take(pool, pool->name, buf, size, bytes, gfp, caller,
			   BUFPOOL_FROM_UNPOOLED);
out:
	srcu_read_unlock(&bufpool_srcu, srcu);
	return buf;
}

/*
 * slow path: both magazines and the depot are empty, or an interrupt found
 * this CPU in the middle of a take or return.  The take is counted inside
 * an SRCU section that checked the pool is live: bufpool_destroy() waits
 * for it, so that it counts every buffer out.
 */
static noinline void *bufpool_take_alloc(struct bufpool *pool,
					 struct bufpool_bucket *b,
					 unsigned int idx, gfp_t gfp,
					 unsigned long caller)
{
	int srcu = srcu_read_lock(&bufpool_srcu);
	void *buf;

	if (unlikely(READ_ONCE(pool->dead))) {
		srcu_read_unlock(&bufpool_srcu, srcu);
		return bufpool_take_dead(pool, caller);
	}
	buf = bufpool_backend_alloc(b, gfp);
	if (!buf) {
		bufpool_count(pool, idx, BUFPOOL_STAT_ALLOC_FAIL, 1);
		goto out;
	}
	bufpool_count(pool, idx, BUFPOOL_STAT_ALLOC, 1);
	bufpool_count(pool, idx, BUFPOOL_STAT_TAKE, 1);
	bufpool_add_out(pool, b, 1, b->size);
	/*
	 * Memory that was this pool's before may still carry an idle marker
	 * (slab keeps its free pointer elsewhere): clear it, or the first
	 * return would look like a double one.
	 */
	WRITE_ONCE(*(unsigned long *)buf, 0);
out:
	srcu_read_unlock(&bufpool_srcu, srcu);
	return buf;
}

/*
 * Takes a magazine cannot serve: sizes outside the buckets, and flags that
 * say where the memory must come from (a zone: a recycled buffer may be from
 * any) or whom to charge for it (memcg: a recycled buffer stays charged to
 * its first taker).  They are served unpooled, with the taker's flags.
 */
static __always_inline bool bufpool_take_unpooled_p(const struct bufpool *pool,
						    size_t size, gfp_t gfp)
{
	return unlikely(!size || size > pool->max_size ||
			(gfp & BUFPOOL_GFP_UNPOOLED));
}

static __always_inline unsigned int bufpool_size_index(const struct bufpool *pool,
						       size_t size)
{
	if (size <= pool->min_size)
		return 0;
	return order_base_2(size) - pool->min_shift;
}

static void *bufpool_take_tracked(struct bufpool *pool, size_t size,
				  gfp_t gfp, unsigned long caller);

/*
 * slow path: an untracked take (it found its pool not hooked) popped a slot
 * marked BUFPOOL_MAG_TRACKED, because tracking was switched on and a tracked
 * return filled the slot in between.  The buffer has an idle record: give
 * it the tracked take it should have had.
 */
static noinline void *bufpool_take_marked(struct bufpool *pool,
					  struct bufpool_bucket *b,
					  void *slot, size_t size, gfp_t gfp,
					  unsigned long caller,
					  enum bufpool_trace_src src)
{
	void *buf = bufpool_mag_untag(slot);

	if (bufpool_track_take(pool, b, buf, true, BUFPOOL_SAMPLE_UNDECIDED,
			       gfp, caller)) {
		trace_bufpool_take(pool, pool->name, buf, size, b->size, gfp,
				   caller, src);
		return bufpool_take_prep(pool, b, buf, gfp);
	}
	/* Written after its return and quarantined: take another. */
	return bufpool_take_tracked(pool, size, gfp, caller);
}

/*
 * Take a buffer of @size bytes from bucket @b: this CPU's magazines, then
 * the depot, then the backend.  With @src NULL the buffer is prepared for
 * the caller and the take traced; otherwise *@src says where it came from,
 * and a recycled buffer is returned as its magazine slot held it, with its
 * BUFPOOL_MAG_TRACKED bit, and unprepared (tracking checks its poison
 * first): the caller finishes the take.  With @src, *@sampled says whether
 * a hooked pool records the take, decided in the guarded section, or is
 * BUFPOOL_SAMPLE_UNDECIDED for a buffer from the backend.
 */
static __always_inline void *bufpool_take_bucket(struct bufpool *pool,
						 struct bufpool_bucket *b,
						 unsigned int idx, size_t size,
						 gfp_t gfp,
						 unsigned long caller,
						 enum bufpool_trace_src *src,
						 int *sampled)
{
	enum bufpool_trace_src from = BUFPOOL_FROM_MAG;
	struct bufpool_cpu_bucket *cb;
	struct bufpool_cpu *pcp;
	void *buf;

	/* Taken by an interrupted context of this CPU: allocate instead. */
	pcp = bufpool_cpu_trylock(pool);
	if (unlikely(!pcp))
		goto alloc;
	if (unlikely(READ_ONCE(pool->dead))) {
		bufpool_cpu_unlock(pool, pcp);
		return bufpool_take_dead(pool, caller);
	}
	cb = &pcp->b[idx];
	/* A CPU hit counts as a take only: stats.c derives cpu_hits. */
	buf = bufpool_mag_pop(cb);
	if (unlikely(!buf)) {
		if (!bufpool_depot_get_full(pool, b, cb)) {
			bufpool_cpu_unlock(pool, pcp);
			goto alloc;
		}
		buf = bufpool_mag_pop(cb);
		__bufpool_count(pcp, idx, BUFPOOL_STAT_DEPOT_HIT, 1);
		from = BUFPOOL_FROM_DEPOT;
	}
	__bufpool_count(pcp, idx, BUFPOOL_STAT_TAKE, 1);
	if (src)
		*sampled = __bufpool_track_sampled(pool, pcp);
	bufpool_cpu_unlock(pool, pcp);

	bufpool_kasan_unpoison(bufpool_mag_untag(buf), b->size);
	if (src) {
		*src = from;
		return buf;
	}
	/* Tracking came on after this take checked: see bufpool_take_marked(). */
	if (unlikely((unsigned long)buf & BUFPOOL_MAG_TRACKED))
		return bufpool_take_marked(pool, b, buf, size, gfp, caller,
					   from);
	trace_bufpool_take(pool, pool->name, buf, size, b->size, gfp, caller,
			   from);
	return bufpool_take_prep(pool, b, buf, gfp);

alloc:
	if (src) {
		*src = BUFPOOL_FROM_BACKEND;
		*sampled = BUFPOOL_SAMPLE_UNDECIDED;
		return bufpool_take_alloc(pool, b, idx, gfp, caller);
	}
	buf = bufpool_take_alloc(pool, b, idx, gfp, caller);
	if (buf)
		trace_bufpool_take(pool, pool->name, buf, size, b->size, gfp,
				   caller, BUFPOOL_FROM_BACKEND);
	return buf;
}

/*
 * slow path: the pool is tracked or strict.  A recycled buffer that was
 * written after its return is quarantined by bufpool_track_take(), and the
 * take goes on with the next one.
 */
static noinline void *bufpool_take_tracked(struct bufpool *pool, size_t size,
					   gfp_t gfp, unsigned long caller)
{
	enum bufpool_trace_src src;
	struct bufpool_bucket *b;
	unsigned int idx;
	void *buf, *slot;
	int sampled;

	if (bufpool_take_unpooled_p(pool, size, gfp)) {
		buf = bufpool_take_unpooled(pool, size, gfp, caller);
		if (buf)
			bufpool_track_take(pool, &pool->unpooled, buf, false,
					   BUFPOOL_SAMPLE_UNDECIDED, gfp, caller);
		return buf;
	}

	idx = bufpool_size_index(pool, size);
	b = &pool->buckets[idx];
	do {
		slot = bufpool_take_bucket(pool, b, idx, size, gfp, caller,
					   &src, &sampled);
		if (!slot)
			return NULL;
		buf = bufpool_mag_untag(slot);
		/* Most takes of a sampled pool: no record to check or make. */
	} while ((buf != slot || sampled) &&
		 !bufpool_track_take(pool, b, buf, buf != slot, sampled, gfp,
				     caller));

	trace_bufpool_take(pool, pool->name, buf, size, b->size, gfp, caller,
			   src);
	return src != BUFPOOL_FROM_BACKEND ?
	       bufpool_take_prep(pool, b, buf, gfp) : buf;
}

void *__bufpool_take(struct bufpool *pool, size_t size, gfp_t gfp)
{
	unsigned int idx;

	might_alloc(gfp);
	if (WARN_ON_ONCE(!pool))
		return NULL;
	if (bufpool_rt_refused(pool, _RET_IP_))
		return NULL;
	if (bufpool_track_hooked(pool))
		return bufpool_take_tracked(pool, size, gfp, _RET_IP_);
	if (bufpool_take_unpooled_p(pool, size, gfp))
		return bufpool_take_unpooled(pool, size, gfp, _RET_IP_);

	idx = bufpool_size_index(pool, size);
	return bufpool_take_bucket(pool, &pool->buckets[idx], idx, size, gfp,
				   _RET_IP_, NULL, NULL);
}
EXPORT_SYMBOL_GPL(__bufpool_take);

/* slow path */
static noinline void bufpool_bad_return(struct bufpool *pool, const void *buf,
					unsigned int slot, const char *why,
					unsigned long caller)
{
	trace_bufpool_bad_return(pool, pool->name, buf, why, caller);
	trace_bufpool_return(pool, pool->name, buf, 0, caller,
			     BUFPOOL_RET_REJECTED);
	bufpool_count(pool, slot, BUFPOOL_STAT_BAD_RETURN, 1);
	bufpool_warn_once(pool, BUFPOOL_WARNED_BAD_RETURN,
			  "rejected return of %p by %pS: %s; later bad returns are only counted\n",
			  buf, (void *)caller, why);
}

/**
 * bufpool_return_free() - account a buffer as returned and free it
 * @pool: the pool
 * @b: the bucket that owns @buf, or &pool->unpooled
 * @slot: @b's stats slot
 * @buf: the buffer, out until now
 *
 * slow path: the buffer goes straight back to the backend.
 *
 * Context: any context but NMI.
 */
noinline void bufpool_return_free(struct bufpool *pool,
				  struct bufpool_bucket *b, unsigned int slot,
				  void *buf)
{
	long size = bufpool_owned_size(pool, b, buf);

	if (b == &pool->unpooled)
		this_cpu_sub(pool->cpu->unpooled_bytes, size);
	bufpool_add_out(pool, b, -1, -size);
	bufpool_backend_free(b, buf);
	/* Once the return is counted a destroyed pool may go: RCU holds it. */
	rcu_read_lock();
	bufpool_count(pool, slot, BUFPOOL_STAT_RETURN, 1);
	bufpool_count(pool, slot, BUFPOOL_STAT_FREE, 1);
	bufpool_return_done(pool);
	rcu_read_unlock();
}

/*
 * Put a buffer of bucket @b, which the owner check placed, back: into this
 * CPU's magazines, else the depot, else (over budget, pool dying, or
 * @strict) the backend.  @poison: a tracked buffer, which tracking found
 * out and now idle, filled with the poison that bufpool_track_take()
 * checks and marked BUFPOOL_MAG_TRACKED in its magazine slot.  Any other
 * buffer is claimed first (__bufpool_claim()), and refused if already idle.
 */
static __always_inline void bufpool_return_bucket(struct bufpool *pool,
						  struct bufpool_bucket *b,
						  unsigned int idx, void *buf,
						  bool poison, bool strict,
						  unsigned long caller)
{
	const size_t word = sizeof(unsigned long);
	struct bufpool_cpu_bucket *cb;
	struct bufpool_cpu *pcp;
	void *slot = buf;

	/*
	 * A page buffer someone else still holds a reference to (get_page()
	 * for an skb frag, a bio, splice) must not be recycled: drop ours, as
	 * page_pool does, and let the last holder free it.
	 */
	if (strict || (!b->cache && folio_ref_count(virt_to_folio(buf)) != 1))
		goto free_traced;
	if (!poison && unlikely(!bufpool_claim(pool, buf))) {
		bufpool_bad_return(pool, buf, idx, "double return", caller);
		return;
	}
	/* Past the marker, which the claim wrote or tracking writes below. */
	if (!(pool->flags & BUFPOOL_F_NO_INIT) && want_init_on_free())
		memset(buf + word, 0, b->size - word);
	if (poison) {
		bufpool_track_poison(buf, b->size);
		slot = (void *)((unsigned long)buf | BUFPOOL_MAG_TRACKED);
		WRITE_ONCE(*(unsigned long *)buf, bufpool_idle_mark(pool, buf));
	} else {
		/*
		 * Before the push: once in a magazine, an interrupt may take
		 * it.  Not a tracked buffer: KASAN would write its free track
		 * over the poison that tracking checks, and tracking catches
		 * writes after return.
		 */
		bufpool_kasan_poison(buf);
	}

	/* Taken by an interrupted context of this CPU: free it instead. */
	pcp = bufpool_cpu_trylock(pool);
	if (unlikely(!pcp))
		goto free;
	if (unlikely(READ_ONCE(pool->dead)))
		goto unlock;
	cb = &pcp->b[idx];
	if (likely(bufpool_mag_push(cb, slot)) ||
	    (bufpool_depot_put_full(pool, b, cb) &&
	     bufpool_mag_push(cb, slot))) {
		__bufpool_count(pcp, idx, BUFPOOL_STAT_RETURN, 1);
		/* Inline returns into this page may skip the check now. */
		if (!pool->indexed)
			bufpool_memo_set(pcp, b, idx, buf);
		trace_bufpool_return(pool, pool->name, buf, b->size, caller,
				     BUFPOOL_RET_CACHED);
		bufpool_cpu_unlock(pool, pcp);
		return;
	}
	__bufpool_count(pcp, idx, BUFPOOL_STAT_OVER_BUDGET, 1);
unlock:
	bufpool_cpu_unlock(pool, pcp);
free:
	if (!poison)
		bufpool_kasan_unpoison(buf, b->size);
free_traced:
	/* Before: once its return is counted, a dead pool may go. */
	trace_bufpool_return(pool, pool->name, buf, b->size, caller,
			     BUFPOOL_RET_FREED);
	bufpool_return_free(pool, b, idx, buf);
}

/* An unpooled buffer's return: it goes back to the page allocator. */
static __always_inline void bufpool_return_unpooled(struct bufpool *pool,
						    struct bufpool_bucket *b,
						    unsigned int slot,
						    void *buf,
						    unsigned long caller)
{
	trace_bufpool_return(pool, pool->name, buf,
			     bufpool_owned_size(pool, b, buf), caller,
			     BUFPOOL_RET_FREED);
	bufpool_return_free(pool, b, slot, buf);
}

/*
 * slow path: @pool is tracked or strict, or some pool is and @pool refused
 * @buf.  The global record index knows every tracked buffer, of any pool: a
 * record decides (wrong pool, double return), and a pointer without one
 * gets the untracked checks, or is reported if @pool tracks every buffer.
 */
static noinline void bufpool_return_tracked(struct bufpool *pool, void *buf,
					    unsigned long caller)
{
	enum bufpool_track_verdict verdict;
	struct bufpool_bucket *b;
	const char *why = NULL;
	unsigned int slot;

	b = bufpool_owner(pool, buf, &why);
	slot = b && b != &pool->unpooled ? b - pool->buckets :
					   bufpool_unpooled_slot(pool);
	verdict = bufpool_track_return(pool, b, buf, why, caller);
	if (verdict == BUFPOOL_TRACK_BAD) {
		trace_bufpool_bad_return(pool, pool->name, buf,
					 why ?: "tracking: see its report",
					 caller);
		trace_bufpool_return(pool, pool->name, buf, 0, caller,
				     BUFPOOL_RET_REJECTED);
		bufpool_count(pool, slot, BUFPOOL_STAT_BAD_RETURN, 1);
		return;
	}
	if (unlikely(!b)) {
		bufpool_bad_return(pool, buf, slot, why, caller);
		return;
	}
	if (b == &pool->unpooled) {
		bufpool_return_unpooled(pool, b, slot, buf, caller);
		return;
	}
	bufpool_return_bucket(pool, b, slot, buf, verdict == BUFPOOL_TRACK_OK,
			      READ_ONCE(pool->track.strict), caller);
}

/*
 * slow path: a return bufpool_owner_fast() did not place: a refused
 * pointer (the owner check says why, or tracking does for another pool's
 * tracked buffer), a buffer of a pool that uses the index, an unpooled one.
 */
static noinline void bufpool_return_slow(struct bufpool *pool, void *buf,
					 unsigned long caller)
{
	struct bufpool_bucket *b;
	const char *why;
	unsigned int idx;

	/*
	 * A pool that was never tracked has no records, nor, as its filter
	 * says, does this buffer of a sampled one, and ownership is exact:
	 * only a rejected pointer can be another pool's tracked buffer, whose
	 * report names both pools.
	 */
	b = bufpool_owner(pool, buf, &why);
	if (unlikely(!b)) {
		if (static_branch_unlikely(&bufpool_track_key))
			bufpool_return_tracked(pool, buf, caller);
		else
			bufpool_bad_return(pool, buf,
					   bufpool_unpooled_slot(pool), why,
					   caller);
		return;
	}
	if (b == &pool->unpooled) {
		bufpool_return_unpooled(pool, b, bufpool_unpooled_slot(pool),
					buf, caller);
		return;
	}
	idx = b - pool->buckets;
	bufpool_return_bucket(pool, b, idx, buf, false, false, caller);
}

static __always_inline void __bufpool_return_caller(struct bufpool *pool,
						    void *buf,
						    unsigned long caller)
{
	struct bufpool_bucket *b;
	unsigned int idx;

	if (unlikely(!buf))
		return;
	/* Nowhere to put it: say so loudly rather than lose it silently. */
	if (WARN_ON_ONCE(!pool))
		return;
	if (bufpool_rt_deferred(pool, buf, caller))
		return;
	if (bufpool_track_hooked(pool) && bufpool_track_return_p(pool, buf)) {
		bufpool_return_tracked(pool, buf, caller);
		return;
	}
	/* Inline, the owner check of a good return; the rest out of line. */
	b = bufpool_owner_fast(pool, buf);
	if (unlikely(!b)) {
		bufpool_return_slow(pool, buf, caller);
		return;
	}
	idx = b - pool->buckets;
	bufpool_return_bucket(pool, b, idx, buf, false, false, caller);
}

void __bufpool_return(struct bufpool *pool, void *buf)
{
	__bufpool_return_caller(pool, buf, _RET_IP_);
}
EXPORT_SYMBOL_GPL(__bufpool_return);

#ifdef CONFIG_PREEMPT_RT
/**
 * bufpool_return_caller() - __bufpool_return() on behalf of @caller
 * @pool: the pool
 * @buf: the buffer
 * @caller: who returned it, for messages and events
 *
 * For returns done later than their caller made them (defer.c).
 *
 * Context: as bufpool_return().
 */
void bufpool_return_caller(struct bufpool *pool, void *buf,
			   unsigned long caller)
{
	__bufpool_return_caller(pool, buf, caller);
}
#endif /* CONFIG_PREEMPT_RT */

size_t bufpool_buf_size(struct bufpool *pool, const void *buf)
{
	struct bufpool_bucket *b;
	const char *why;

	if (!pool || !buf)
		return 0;
	b = bufpool_owner(pool, buf, &why);
	return b ? bufpool_owned_size(pool, b, buf) : 0;
}
EXPORT_SYMBOL_GPL(bufpool_buf_size);

/* === Setup === */

static void bufpool_cpu_guard_init(struct bufpool_cpu *pcp)
{
#ifdef CONFIG_PREEMPT_RT
	local_lock_init(&pcp->lock);
#else
	static struct lock_class_key key;

	pcp->busy = false;
	lockdep_init_map_type(&pcp->dep_map, "bufpool_cpu_guard", &key, 0,
			      LD_WAIT_CONFIG, LD_WAIT_INV, LD_LOCK_PERCPU);
#endif /* CONFIG_PREEMPT_RT */
}

/**
 * bufpool_cache_init() - set up a pool's depots and per-CPU magazines
 * @pool: the pool, with its bucket geometry set
 *
 * Context: process context.
 * Return: 0 or -ENOMEM; on error bufpool_cache_exit() cleans up.
 */
int bufpool_cache_init(struct bufpool *pool)
{
	unsigned int cpu, i;

	for (i = 0; i < pool->nr_buckets; i++) {
		struct bufpool_bucket *b = &pool->buckets[i];

		spin_lock_init(&b->lock);
		INIT_LIST_HEAD(&b->full);
		INIT_LIST_HEAD(&b->empty);
	}

	pool->cpu = __alloc_percpu(struct_size_t(struct bufpool_cpu, b,
						 pool->nr_buckets + 1),
				   __alignof__(struct bufpool_cpu));
	if (!pool->cpu)
		return -ENOMEM;

	for_each_possible_cpu(cpu) {
		struct bufpool_cpu *pcp = per_cpu_ptr(pool->cpu, cpu);
		int node = cpu_to_node(cpu);

		bufpool_cpu_guard_init(pcp);
		/* No memo yet: no pointer matches, no count is -1. */
		pcp->memo = 0;
		pcp->memo_keep = ~0UL;
		pcp->memo_folio = NULL;
		pcp->memo_genp = &pool->buckets[0].free_gen;
		pcp->memo_gen = -1;
		INIT_WORK(&pcp->drain_work, bufpool_drain_work);
		pcp->pool = pool;
		for (i = 0; i < pool->nr_buckets; i++) {
			struct bufpool_cpu_bucket *cb = &pcp->b[i];

			cb->limit = pool->buckets[i].mag_size;
			cb->loaded = bufpool_mag_alloc(&pool->buckets[i],
						       GFP_KERNEL, node);
			cb->prev = bufpool_mag_alloc(&pool->buckets[i],
						     GFP_KERNEL, node);
			if (!cb->loaded || !cb->prev)
				return -ENOMEM;
		}
	}
	return 0;
}

/**
 * bufpool_cache_free_mags() - free a pool's magazines
 * @pool: the pool; every magazine must be empty, and no CPU may touch them
 *	any more
 *
 * The per-CPU data stays, with its counters.
 *
 * Context: process context.
 */
void bufpool_cache_free_mags(struct bufpool *pool)
{
	struct bufpool_mag *m, *tmp;
	unsigned int cpu, i;

	for (i = 0; i < pool->nr_buckets; i++) {
		struct bufpool_bucket *b = &pool->buckets[i];

		WARN_ON_ONCE(b->nr_full);
		list_for_each_entry_safe(m, tmp, &b->empty, list)
			kfree(m);
		INIT_LIST_HEAD(&b->empty);
		b->nr_empty = 0;
	}
	if (!pool->cpu)
		return;
	for_each_possible_cpu(cpu) {
		struct bufpool_cpu *pcp = per_cpu_ptr(pool->cpu, cpu);

		for (i = 0; i < pool->nr_buckets; i++) {
			kfree(pcp->b[i].loaded);
			kfree(pcp->b[i].prev);
			pcp->b[i].loaded = NULL;
			pcp->b[i].prev = NULL;
		}
	}
}

/**
 * bufpool_cache_exit() - free a pool's magazines and per-CPU data
 * @pool: the pool; every magazine must be empty
 *
 * Context: process context.
 */
void bufpool_cache_exit(struct bufpool *pool)
{
	bufpool_cache_free_mags(pool);
	free_percpu(pool->cpu);
	pool->cpu = NULL;
}
