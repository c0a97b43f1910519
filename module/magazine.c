// SPDX-License-Identifier: GPL-2.0
/*
 * bufpool magazines and depot: where idle buffers wait.
 *
 * Each CPU has two magazines per bucket.  A take pops from the loaded one, a
 * return pushes to it; when it runs dry (take) or full (return) the two are
 * swapped, and only when both are dry or both full does the CPU trade a
 * whole magazine with the bucket's depot under the depot lock.  So at most
 * one lock round trip happens per mag_size takes or returns, and none on the
 * fast path, which runs in a section guarded by this CPU's guard
 * (bufpool_cpu_trylock(): preemption off, interrupts on, a per-CPU busy
 * flag) and touches only this CPU's lines.
 *
 * The depot holds full magazines up to the pool's max_cached_bytes; a return
 * that would push it over frees the buffer to the backend instead.  The
 * shrinker trims the depot; bufpool_clear() and CPU hotplug empty the
 * per-CPU magazines too.  The take and return paths that use all this are
 * take_return.c's.
 */
#include <linux/cpu.h>
#include <linux/sched/isolation.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"

#include <trace/events/bufpool.h>

/* === Magazines === */

/*
 * The per-CPU magazines of a bucket the depot alone serves: it holds no
 * buffer and has no slot (bufpool_cpu_bucket::limit is 0), so that the
 * inline paths find it empty and full at once, and no one writes it.
 */
static struct bufpool_mag bufpool_mag_none __ro_after_init;

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
void bufpool_free_idle(struct bufpool_bucket *b, void *slot)
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

	while (m->count) {
		bufpool_free_idle(b, m->bufs[--m->count]);
		bufpool_mag_clear(m, m->count);
	}
	return n;
}

/* === Depot === */

/* @b's depot of @node's memory. */
static struct bufpool_depot *bufpool_depot(struct bufpool_bucket *b, int node)
{
	return &b->depots[node];
}

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
 * @node: the memory node of @cb's CPU, whose bufpool_node counts them.
 */
static void bufpool_fold_out(struct bufpool *pool, struct bufpool_bucket *b,
			     struct bufpool_cpu_bucket *cb, int node)
{
	long delta = (long)cb->mag_base - bufpool_cpu_idle(cb);

	if (delta) {
		bufpool_add_out(pool, b, delta, delta * (long)b->size);
		/* bufpool_node::cpu_idle_bytes follows the bases. */
		atomic_long_sub(delta * (long)b->size,
				&pool->nodes[node].cpu_idle_bytes);
	}
	cb->mag_base -= delta;
}

/* After bufpool_fold_out(), @cb's magazines changed by other means. */
static void bufpool_cpu_rebase(struct bufpool *pool, struct bufpool_bucket *b,
			       struct bufpool_cpu_bucket *cb, int node)
{
	long delta = (long)bufpool_cpu_idle(cb) - cb->mag_base;

	if (delta)
		atomic_long_add(delta * (long)b->size,
				&pool->nodes[node].cpu_idle_bytes);
	cb->mag_base += delta;
}

/* Take @m off @d's full list; under @d's lock. */
static void bufpool_depot_unlink(struct bufpool_depot *d,
				 struct bufpool_mag *m)
{
	list_del(&m->list);
	d->nr_full--;
	d->reap_min = min(d->reap_min, d->nr_full);
	d->nr_bufs -= m->count;
}

/* Put @m, on no list, first on @d's full list; under @d's lock. */
static void bufpool_depot_link(struct bufpool_depot *d, struct bufpool_mag *m)
{
	list_add(&m->list, &d->full);
	d->nr_full++;
	d->nr_bufs += m->count;
}

/*
 * Both of @cb's magazines are empty: trade the prev one for a full magazine
 * from this node's depot.  Called in a guarded section.
 */
noinline bool bufpool_depot_get_full(struct bufpool *pool,
				     struct bufpool_bucket *b,
				     struct bufpool_cpu_bucket *cb)
{
	int node = numa_mem_id();
	struct bufpool_depot *d = bufpool_depot(b, node);
	struct bufpool_mag *full;
	unsigned long flags;

	bufpool_fold_out(pool, b, cb, node);
	/* Unlocked peek: a CPU that misses one refill just allocates. */
	if (!data_race(d->nr_full))
		return false;

	/* Interrupts are on in a guarded section; the depot is any context's. */
	spin_lock_irqsave(&d->lock, flags);
	full = list_first_entry_or_null(&d->full, struct bufpool_mag, list);
	if (!full) {
		spin_unlock_irqrestore(&d->lock, flags);
		return false;
	}
	bufpool_depot_unlink(d, full);
	list_add(&cb->prev->list, &d->empty);
	d->nr_empty++;
	spin_unlock_irqrestore(&d->lock, flags);

	atomic_long_sub(full->count * b->size, &pool->depot_bytes);
	cb->prev = cb->loaded;
	cb->loaded = full;
	bufpool_cpu_rebase(pool, b, cb, node);
	return true;
}

/*
 * Reserve @bytes of the depot's cap for buffers about to go in, so that the
 * depot never goes over, even briefly; false if they do not fit.
 */
static bool bufpool_depot_reserve(struct bufpool *pool, long bytes)
{
	long cur = atomic_long_read(&pool->depot_bytes);

	do {
		if (cur + bytes > pool->max_cached_bytes)
			return false;
	} while (!atomic_long_try_cmpxchg(&pool->depot_bytes, &cur,
					  cur + bytes));
	return true;
}

/* Put @m, a magazine with buffers reserved for, on @d's full list. */
static void bufpool_depot_add(struct bufpool *pool, struct bufpool_depot *d,
			      struct bufpool_mag *m)
{
	unsigned long flags;

	spin_lock_irqsave(&d->lock, flags);
	bufpool_depot_link(d, m);
	spin_unlock_irqrestore(&d->lock, flags);
	bufpool_decay_arm(pool);
}

/* A magazine for @node's depot; interrupts may be off. */
static struct bufpool_mag *bufpool_mag_atomic(const struct bufpool_bucket *b,
					      int node)
{
	/* Never sleep, never dip into reserves. */
	return bufpool_mag_alloc(b, GFP_ATOMIC | __GFP_NOWARN |
				 __GFP_NOMEMALLOC, node);
}

/*
 * Hand @m, a magazine with buffers of @node's memory, to that node's depot
 * and get an empty one back, unless that would take the depot over
 * max_cached_bytes.  Returns the empty magazine, or NULL if the depot
 * refused (then @m is still the caller's).  Called in a guarded section,
 * or on a dead CPU's magazines.
 */
static struct bufpool_mag *bufpool_depot_put(struct bufpool *pool,
					     struct bufpool_bucket *b,
					     int node, struct bufpool_mag *m)
{
	struct bufpool_depot *d = bufpool_depot(b, node);
	long bytes = m->count * b->size;
	struct bufpool_mag *empty;
	unsigned long flags;

	if (!bufpool_depot_reserve(pool, bytes))
		return NULL;
	/* One lock round trip where the depot has an empty magazine. */
	spin_lock_irqsave(&d->lock, flags);
	empty = list_first_entry_or_null(&d->empty, struct bufpool_mag, list);
	if (empty) {
		list_del(&empty->list);
		d->nr_empty--;
		bufpool_depot_link(d, m);
	}
	spin_unlock_irqrestore(&d->lock, flags);
	if (empty) {
		bufpool_decay_arm(pool);
		return empty;
	}
	empty = bufpool_mag_atomic(b, node);
	if (!empty)
		goto refuse;
	bufpool_depot_add(pool, d, m);
	return empty;

refuse:
	atomic_long_sub(bytes, &pool->depot_bytes);
	return NULL;
}

/*
 * Buffers that single takes and returns at a depot move out (a depot-only
 * bucket's, another node's), folded into the bucket's count of buffers out
 * this many at a time per CPU: its peak is within that many per CPU of the
 * truth, and a pair costs no shared atomic.
 */
#define BUFPOOL_OUT_BATCH		16

/* Fold what @cb's single takes and returns at a depot left pending. */
static void bufpool_out_fold(struct bufpool *pool, struct bufpool_bucket *b,
			     struct bufpool_cpu_bucket *cb)
{
	long nr = cb->out_pending;

	if (nr)
		bufpool_add_out(pool, b, nr, nr * (long)b->size);
	cb->out_pending = 0;
}

/* @nr more buffers out (or back, if negative) through a depot. */
static void bufpool_out_pending(struct bufpool *pool, struct bufpool_bucket *b,
				struct bufpool_cpu_bucket *cb, int nr)
{
	cb->out_pending += nr;
	if (abs(cb->out_pending) >= BUFPOOL_OUT_BATCH)
		bufpool_out_fold(pool, b, cb);
}

/*
 * The most magazines a bulk take or return moves per hold of a depot's
 * lock, with interrupts off: a bound on the work done there.
 */
#define BUFPOOL_BULK_MAGS		16

/**
 * bufpool_depot_get_bulk() - take buffers straight off a depot's magazines
 * @pool: the pool
 * @pcp: this CPU's magazines, in a guarded section
 * @idx: the bucket, whose magazines on this CPU are both empty
 * @n: how many the caller wants
 * @bufs: where they go, as their magazine slots held them
 *
 * For a bulk take that empties whole magazines: up to @n buffers from this
 * node's full magazines, the most recently put first, up to
 * BUFPOOL_BULK_MAGS of them in one hold of the depot's lock, and the
 * emptied magazines to its empty list, instead of a trade of magazines
 * with this CPU (two atomics and a lock round trip each) for every
 * magazine's worth.  Stops at a slot with an idle record
 * (bufpool_take_marked()'s), which it leaves.
 *
 * Context: a guarded section (bufpool_cpu_trylock()).
 * Return: how many it put in @bufs, 0 if the depot has none or its next
 * slot has an idle record.
 */
unsigned int bufpool_depot_get_bulk(struct bufpool *pool,
				    struct bufpool_cpu *pcp, unsigned int idx,
				    unsigned int n, void **bufs)
{
	struct bufpool_bucket *b = &pool->buckets[idx];
	struct bufpool_depot *d = bufpool_depot(b, numa_mem_id());
	unsigned int got = 0, mags = 0, from;
	struct bufpool_mag *m;
	unsigned long flags;
	void *slot;

	/* Unlocked peek, as in bufpool_depot_get_full(). */
	if (!data_race(d->nr_full))
		return 0;
	spin_lock_irqsave(&d->lock, flags);
	while (got < n && mags < BUFPOOL_BULK_MAGS &&
	       (m = list_first_entry_or_null(&d->full, struct bufpool_mag,
					     list))) {
		from = got;
		while (m->count && got < n) {
			slot = m->bufs[m->count - 1];
			if (unlikely((unsigned long)slot & BUFPOOL_MAG_TRACKED))
				break;
			bufpool_mag_clear(m, --m->count);
			bufs[got++] = slot;
		}
		d->nr_bufs -= got - from;
		mags += got != from;
		/* Not empty: @n reached, or an idle record next. */
		if (m->count)
			break;
		bufpool_depot_unlink(d, m);
		list_add(&m->list, &d->empty);
		d->nr_empty++;
	}
	spin_unlock_irqrestore(&d->lock, flags);
	if (got) {
		atomic_long_sub(got * b->size, &pool->depot_bytes);
		bufpool_out_pending(pool, b, &pcp->b[idx], got);
		/* As single takes count a hit for each magazine's worth. */
		__bufpool_count(pcp, idx, BUFPOOL_STAT_DEPOT_HIT, mags);
	}
	return got;
}

/*
 * Reserve room under the depot's cap for up to @nr buffers of @size:
 * as many as fit.  Returns how many it reserved.
 */
static unsigned int bufpool_depot_reserve_upto(struct bufpool *pool,
					       size_t size, unsigned int nr)
{
	long cur = atomic_long_read(&pool->depot_bytes), fit;

	do {
		fit = ((long)pool->max_cached_bytes - cur) / (long)size;
		if (fit <= 0)
			return 0;
		nr = min_t(long, nr, fit);
	} while (!atomic_long_try_cmpxchg(&pool->depot_bytes, &cur,
					  cur + (long)nr * size));
	return nr;
}

/**
 * bufpool_depot_get_empty() - empty magazines for a bulk return
 * @pool: the pool
 * @b: the bucket, whose magazines on this CPU are both full
 * @nr: how many buffers the caller may put in
 * @mags: an empty list the magazines go on
 *
 * A bulk return fills these in place of this CPU's magazines, and
 * bufpool_depot_put_mags() then puts them on the depot's full list: two
 * holds of the depot's lock for up to BUFPOOL_BULK_MAGS magazines' worth,
 * instead of a trade of magazines with this CPU (a lock round trip and
 * three atomics or more) for each.  The room is reserved under the depot's
 * cap first, so that the depot never goes over it; magazines the depot
 * lacks are allocated, never sleeping.
 *
 * Context: a guarded section (bufpool_cpu_trylock()).
 * Return: how many buffers the magazines on @mags may take, 0 if none (the
 * depot is at its cap, or no magazine could be had).
 */
unsigned int bufpool_depot_get_empty(struct bufpool *pool,
				     struct bufpool_bucket *b,
				     unsigned int nr, struct list_head *mags)
{
	int node = numa_mem_id();
	struct bufpool_depot *d = bufpool_depot(b, node);
	unsigned int want, got = 0, room;
	struct bufpool_mag *m;
	unsigned long flags;

	nr = bufpool_depot_reserve_upto(pool, b->size,
					min(nr, BUFPOOL_BULK_MAGS *
						b->mag_size));
	if (!nr)
		return 0;
	want = DIV_ROUND_UP(nr, b->mag_size);
	spin_lock_irqsave(&d->lock, flags);
	while (got < want &&
	       (m = list_first_entry_or_null(&d->empty, struct bufpool_mag,
					     list))) {
		list_move_tail(&m->list, mags);
		d->nr_empty--;
		got++;
	}
	spin_unlock_irqrestore(&d->lock, flags);
	for (; got < want; got++) {
		m = bufpool_mag_atomic(b, node);
		if (!m)
			break;
		list_add_tail(&m->list, mags);
	}
	room = min(nr, got * b->mag_size);
	if (room < nr)
		atomic_long_sub((long)(nr - room) * b->size,
				&pool->depot_bytes);
	return room;
}

/**
 * bufpool_depot_put_mags() - a bulk return's magazines to the depot
 * @pool: the pool
 * @pcp: this CPU's magazines, in a guarded section
 * @idx: the bucket
 * @mags: the magazines bufpool_depot_get_empty() gave, some filled
 * @room: the room it reserved
 *
 * Filled magazines go on the full list, the rest back on the empty list,
 * in one hold of the lock; a partly filled one tops up the depot's first
 * full magazine if that has room for it (as bufpool_depot_push() does),
 * so that runs cut short do not leave the depot many magazines holding a
 * few buffers each.  The room they did not use under the depot's cap is
 * given back, and the buffers are counted in.
 *
 * Context: a guarded section (bufpool_cpu_trylock()).
 * Return: how many buffers the magazines held.
 */
unsigned int bufpool_depot_put_mags(struct bufpool *pool,
				    struct bufpool_cpu *pcp, unsigned int idx,
				    struct list_head *mags, unsigned int room)
{
	struct bufpool_bucket *b = &pool->buckets[idx];
	struct bufpool_depot *d = bufpool_depot(b, numa_mem_id());
	struct bufpool_mag *m, *next, *first;
	unsigned int nr = 0;
	unsigned long flags;

	spin_lock_irqsave(&d->lock, flags);
	first = list_first_entry_or_null(&d->full, struct bufpool_mag, list);
	list_for_each_entry_safe(m, next, mags, list) {
		if (m->count < b->mag_size && first &&
		    first->count + m->count <= b->mag_size) {
			nr += m->count;
			d->nr_bufs += m->count;
			while (m->count) {
				first->bufs[first->count++] =
					m->bufs[--m->count];
				bufpool_mag_clear(m, m->count);
			}
		}
		if (m->count) {
			list_del(&m->list);
			bufpool_depot_link(d, m);
			nr += m->count;
		} else {
			list_move(&m->list, &d->empty);
			d->nr_empty++;
		}
	}
	spin_unlock_irqrestore(&d->lock, flags);
	if (room > nr)
		atomic_long_sub((long)(room - nr) * b->size, &pool->depot_bytes);
	if (nr) {
		bufpool_out_pending(pool, b, &pcp->b[idx], -(int)nr);
		bufpool_decay_arm(pool);
	}
	return nr;
}

/**
 * bufpool_depot_pop() - take one buffer from a depot
 * @pool: the pool
 * @b: the bucket
 * @cb: this CPU's view of it
 * @node: the depot's node
 *
 * For a depot-only bucket, whose depot's magazines hold one buffer, and
 * for a take of another node's memory.  It comes from the first full
 * magazine, which goes to the empty list once it is empty.
 *
 * Context: a guarded section.
 * Return: the buffer, as its magazine slot held it, or %NULL if the depot
 * has none.
 */
noinline void *bufpool_depot_pop(struct bufpool *pool,
				 struct bufpool_bucket *b,
				 struct bufpool_cpu_bucket *cb, int node)
{
	struct bufpool_depot *d = bufpool_depot(b, node);
	struct bufpool_mag *m;
	unsigned long flags;
	void *slot;

	/* Unlocked peek, as in bufpool_depot_get_full(). */
	if (!data_race(d->nr_full))
		return NULL;
	spin_lock_irqsave(&d->lock, flags);
	m = list_first_entry_or_null(&d->full, struct bufpool_mag, list);
	if (!m) {
		spin_unlock_irqrestore(&d->lock, flags);
		return NULL;
	}
	slot = m->bufs[--m->count];
	bufpool_mag_clear(m, m->count);
	d->nr_bufs--;
	if (!m->count) {
		bufpool_depot_unlink(d, m);
		list_add(&m->list, &d->empty);
		d->nr_empty++;
	}
	spin_unlock_irqrestore(&d->lock, flags);

	atomic_long_sub(b->size, &pool->depot_bytes);
	bufpool_out_pending(pool, b, cb, 1);
	return slot;
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_depot_pop);

/**
 * bufpool_depot_push() - give one buffer to a depot
 * @pool: the pool
 * @b: the bucket
 * @cb: this CPU's view of it
 * @node: the node of the buffer's memory
 * @slot: the buffer, as a magazine slot holds it
 *
 * For a depot-only bucket and for a return of another node's memory: the
 * buffer goes into the first full magazine if it has room, else into an
 * empty one put first.
 *
 * Context: a guarded section.
 * Return: false if the depot is at max_cached_bytes or no magazine could
 * be had: the buffer is still the caller's.
 */
noinline bool bufpool_depot_push(struct bufpool *pool,
				 struct bufpool_bucket *b,
				 struct bufpool_cpu_bucket *cb, int node,
				 void *slot)
{
	struct bufpool_depot *d = bufpool_depot(b, node);
	struct bufpool_mag *m;
	unsigned long flags;

	if (!bufpool_depot_reserve(pool, b->size))
		return false;
	/* One lock round trip while there is room or a spare magazine. */
	spin_lock_irqsave(&d->lock, flags);
	m = list_first_entry_or_null(&d->full, struct bufpool_mag, list);
	if (m && m->count < b->mag_size) {
		m->bufs[m->count++] = slot;
		d->nr_bufs++;
	} else {
		m = list_first_entry_or_null(&d->empty, struct bufpool_mag,
					     list);
		if (m) {
			m->bufs[0] = slot;
			m->count = 1;
			list_move(&m->list, &d->full);
			d->nr_empty--;
			d->nr_full++;
			d->nr_bufs++;
		}
	}
	spin_unlock_irqrestore(&d->lock, flags);
	if (m) {
		bufpool_decay_arm(pool);
	} else {
		m = bufpool_mag_atomic(b, node);
		if (!m) {
			atomic_long_sub(b->size, &pool->depot_bytes);
			return false;
		}
		m->bufs[0] = slot;
		m->count = 1;
		bufpool_depot_add(pool, d, m);
	}
	bufpool_out_pending(pool, b, cb, -1);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_depot_push);

/*
 * Both of @cb's magazines are full: trade the prev one for an empty one.
 * Called in a guarded section.
 */
noinline bool bufpool_depot_put_full(struct bufpool *pool,
				     struct bufpool_bucket *b,
				     struct bufpool_cpu_bucket *cb)
{
	int node = numa_mem_id();
	struct bufpool_mag *empty;

	bufpool_fold_out(pool, b, cb, node);
	empty = bufpool_depot_put(pool, b, node, cb->prev);
	if (!empty)
		return false;
	cb->prev = cb->loaded;
	cb->loaded = empty;
	bufpool_cpu_rebase(pool, b, cb, node);
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
 * Trim one depot of bucket @b by up to @nr buffers and @max_mags magazines,
 * whole magazines, the coldest first (the depot hands out and takes in at
 * the head), and its spare empty magazines down to one per full one left,
 * BUFPOOL_TRIM_BATCH magazines per locked step.  Returns how many buffers
 * it freed.
 */
static unsigned long bufpool_depot_trim_one(struct bufpool *pool,
					    struct bufpool_bucket *b,
					    struct bufpool_depot *d,
					    unsigned long nr,
					    unsigned int max_mags)
{
	struct bufpool_mag *m, *tmp;
	unsigned long freed = 0;
	unsigned long flags, n;
	unsigned int moved;

	do {
		LIST_HEAD(mags);

		moved = 0;
		n = 0;
		spin_lock_irqsave(&d->lock, flags);
		while (moved < BUFPOOL_TRIM_BATCH && freed + n < nr &&
		       max_mags && d->nr_full) {
			m = list_last_entry(&d->full, struct bufpool_mag, list);
			bufpool_depot_unlink(d, m);
			list_add(&m->list, &mags);
			n += m->count;
			moved++;
			max_mags--;
		}
		while (moved < BUFPOOL_TRIM_BATCH && d->nr_empty > d->nr_full) {
			list_move(d->empty.next, &mags);
			d->nr_empty--;
			moved++;
		}
		spin_unlock_irqrestore(&d->lock, flags);

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

/*
 * Trim bucket @b's depot of @node, or of every node for NUMA_NO_NODE, by up
 * to @nr buffers, as bufpool_depot_trim_one() does.
 */
static unsigned long bufpool_bucket_trim(struct bufpool *pool,
					 struct bufpool_bucket *b, int node,
					 unsigned long nr)
{
	unsigned long freed = 0;
	int nid;

	if (node != NUMA_NO_NODE)
		return bufpool_depot_trim_one(pool, b, bufpool_depot(b, node),
					      nr, UINT_MAX);
	for (nid = 0; nid < nr_node_ids && freed < nr; nid++)
		freed += bufpool_depot_trim_one(pool, b, bufpool_depot(b, nid),
						nr - freed, UINT_MAX);
	return freed;
}

/**
 * bufpool_depot_trim_bytes() - free idle memory from a pool's depots
 * @pool: the pool
 * @node: the depots of this node, or of every node for %NUMA_NO_NODE
 * @target: how many bytes to free, at least; whole magazines go, the
 *	largest buckets first
 * @why: the counter to charge besides BUFPOOL_STAT_FREE
 *	(BUFPOOL_STAT_TRIM for the shrinker), or BUFPOOL_STAT_FREE alone
 * @nr_freed: set to the number of buffers freed
 *
 * A bucket gives whole magazines, so the bytes freed may pass @target by
 * less than one magazine of the last bucket trimmed.
 *
 * Context: any context but NMI; takes the depot locks.
 * Return: the bytes freed.
 */
size_t bufpool_depot_trim_bytes(struct bufpool *pool, int node, size_t target,
				enum bufpool_stat why, unsigned long *nr_freed)
{
	unsigned long freed = 0;
	unsigned int i = pool->nr_buckets;
	size_t bytes = 0;

	while (i-- && bytes < target) {
		struct bufpool_bucket *b = &pool->buckets[i];
		size_t left = target - bytes;
		unsigned long n;

		/* Buffers that cover @left; no DIV_ROUND_UP(): SIZE_MAX. */
		n = bufpool_bucket_trim(pool, b, node, left / b->size +
					!!(left % b->size));
		bufpool_count(pool, i, BUFPOOL_STAT_FREE, n);
		if (why != BUFPOOL_STAT_FREE)
			bufpool_count(pool, i, why, n);
		freed += n;
		bytes += n * b->size;
	}
	trace_bufpool_trim(pool, pool->name, target, freed, bytes,
			   why == BUFPOOL_STAT_TRIM);
	*nr_freed = freed;
	return bytes;
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_depot_trim_bytes);

/**
 * bufpool_depot_trim() - free every idle buffer of a pool's depots
 * @pool: the pool
 * @why: as for bufpool_depot_trim_bytes()
 *
 * Context: any context but NMI; takes the depot locks.
 * Return: the number of buffers freed.
 */
unsigned long bufpool_depot_trim(struct bufpool *pool, enum bufpool_stat why)
{
	unsigned long nr;

	bufpool_depot_trim_bytes(pool, NUMA_NO_NODE, SIZE_MAX, why, &nr);
	return nr;
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_depot_trim);

/* === Decay === */

/*
 * Free the magazines of @b's depots that nobody took during the last period
 * (Bonwick's working set: the fewest full magazines a depot had), the
 * coldest first, and the spare empty ones.  Returns the buffers freed.
 */
static unsigned long bufpool_bucket_reap(struct bufpool *pool,
					 struct bufpool_bucket *b)
{
	unsigned long flags, n = 0;
	unsigned int cold;
	int nid;

	for (nid = 0; nid < nr_node_ids; nid++) {
		struct bufpool_depot *d = bufpool_depot(b, nid);

		/* A take meanwhile only lowers it: then one magazine more goes. */
		cold = data_race(d->reap_min);
		n += bufpool_depot_trim_one(pool, b, d, ULONG_MAX, cold);
		/* The next period starts from what is left. */
		spin_lock_irqsave(&d->lock, flags);
		d->reap_min = d->nr_full;
		spin_unlock_irqrestore(&d->lock, flags);
	}
	return n;
}

/* A CPU's takes and returns of a bucket, as another CPU may read them. */
static unsigned long bufpool_cpu_activity(const struct bufpool_cpu_bucket *cb)
{
	/* The owning CPU counts meanwhile: a change is all we look for. */
	return data_race(READ_ONCE(cb->stat[BUFPOOL_STAT_TAKE]) +
			 READ_ONCE(cb->stat[BUFPOOL_STAT_RETURN]));
}

/* Whether @cb's magazines hold buffers; a racy peek, under RCU. */
static bool bufpool_cpu_holds(const struct bufpool_cpu_bucket *cb)
{
	/* That CPU changes them meanwhile: a hint is all we need. */
	return data_race(READ_ONCE(cb->loaded)->count ||
			 READ_ONCE(cb->prev)->count);
}

/*
 * The decay step's look at the per-CPU magazines, from afar as
 * vmstat_shepherd looks at the per-CPU counters: on each online CPU that
 * is not isolated, the buckets whose magazines hold buffers and that saw
 * no take or return on that CPU for a whole period (since the last look)
 * are handed to that CPU's deferrable decay work, which frees them when
 * the CPU is awake anyway.  With @queue false, only looks.  Isolated CPUs
 * are left alone: their magazines stay within the per-CPU bound until
 * memory pressure, bufpool_clear() or offlining.  Returns whether a CPU
 * looked at holds idle buffers.
 */
static bool bufpool_decay_cpus(struct bufpool *pool, bool queue)
{
	bool idle = false;
	unsigned int cpu, i;

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		struct bufpool_cpu_aux *aux = per_cpu_ptr(pool->aux, cpu);
		struct bufpool_cpu *pcp = per_cpu_ptr(pool->f.cpu, cpu);
		unsigned long mask = 0;

		if (cpu_is_isolated(cpu))
			continue;
		/* Magazines are freed after a grace period. */
		rcu_read_lock();
		for (i = 0; i < pool->nr_buckets; i++) {
			struct bufpool_cpu_bucket *cb = &pcp->b[i];
			unsigned long seen = bufpool_cpu_activity(cb);

			if (!cb->limit || !bufpool_cpu_holds(cb))
				goto next;
			idle = true;
			if (seen == READ_ONCE(aux->seen[i]))
				mask |= BIT(i);
next:
			if (queue)
				WRITE_ONCE(aux->seen[i], seen);
		}
		rcu_read_unlock();
		if (queue && mask) {
			atomic_long_or(mask, &aux->decay_mask);
			/* A timer, deferrable: no wakeup of an idle CPU. */
			queue_delayed_work_on(cpu, system_wq, &aux->decay_work,
					      1);
		}
	}
	cpus_read_unlock();
	return idle;
}

/**
 * bufpool_decay_arm() - start the decay step of @pool, unless it runs
 * @pool: the pool; it just got idle buffers
 *
 * Context: any context but NMI.
 */
void bufpool_decay_arm(struct bufpool *pool)
{
	/* bufpool_destroy() cancels the work after dead is seen everywhere. */
	if (pool->decay_jiffies && !READ_ONCE(pool->dead) &&
	    !delayed_work_pending(&pool->decay_work))
		queue_delayed_work(system_unbound_wq, &pool->decay_work,
				   pool->decay_jiffies);
}

/*
 * The step found nothing idle and stops.  An inline return restarts
 * nothing, so make the next return into a per-CPU magazine go out of line
 * on every CPU, where it restarts the step (bufpool_return_bucket()): move
 * each bucket's count of frees, which every inline return's memo checks
 * (__bufpool_memo()), and wait for the inline returns that saw the old
 * count, in their guarded sections (RCU read-side critical sections), to
 * end.  Returns whether idle buffers came in meanwhile.
 */
static bool bufpool_decay_stop(struct bufpool *pool)
{
	unsigned int i;

	for (i = 0; i < pool->nr_buckets; i++)
		if (pool->buckets[i].cpu_limit)
			bufpool_memo_stale(&pool->buckets[i]);
	synchronize_rcu();
	return atomic_long_read(&pool->depot_bytes) ||
	       bufpool_decay_cpus(pool, false);
}

/**
 * bufpool_decay_work() - one decay step of a pool
 * @work: the pool's &bufpool.decay_work
 *
 * Frees, in every bucket, the depot magazines nobody took during the last
 * period, and hands the per-CPU magazines that nobody used for a period to
 * their CPUs' decay work.  Runs again after another period while the pool
 * holds idle buffers: a pool with nothing idle costs no timer.  Each step
 * reads every online CPU's counters of every bucket once.
 *
 * Context: process context (a work item).
 */
void bufpool_decay_work(struct work_struct *work)
{
	struct bufpool *pool = container_of(to_delayed_work(work),
					    struct bufpool, decay_work);
	unsigned long freed = 0;
	unsigned int i;
	size_t bytes = 0;
	bool idle;

	for (i = pool->nr_buckets; i--; ) {
		unsigned long n = bufpool_bucket_reap(pool, &pool->buckets[i]);

		bufpool_count(pool, i, BUFPOOL_STAT_FREE, n);
		bufpool_count(pool, i, BUFPOOL_STAT_DECAY, n);
		freed += n;
		bytes += n * pool->buckets[i].size;
	}
	if (freed)
		trace_bufpool_trim(pool, pool->name, 0, freed, bytes, false);
	idle = bufpool_decay_cpus(pool, true);
	if (idle || atomic_long_read(&pool->depot_bytes) ||
	    bufpool_decay_stop(pool))
		bufpool_decay_arm(pool);
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_decay_work);

/* === Draining === */

/*
 * Move the buffers in a CPU's magazine *@mp to the depot, or free them if
 * the depot is full.  Counts them as drained, and the freed ones as freed;
 * returns how many it freed.
 */
static unsigned int bufpool_drain_mag(struct bufpool *pool,
				      struct bufpool_bucket *b, int node,
				      struct bufpool_mag **mp)
{
	unsigned int idx = b - pool->buckets;
	unsigned int n = (*mp)->count;
	struct bufpool_mag *empty;
	unsigned int freed = 0;

	if (!n)
		return 0;
	empty = bufpool_depot_put(pool, b, node, *mp);
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
	struct bufpool_cpu *pcp = per_cpu_ptr(pool->f.cpu, cpu);
	unsigned long moved = 0, freed = 0;
	int node = cpu_to_mem(cpu);
	unsigned int i;

	for (i = 0; i < pool->nr_buckets; i++) {
		struct bufpool_cpu_bucket *cb = &pcp->b[i];
		struct bufpool_bucket *b = &pool->buckets[i];

		bufpool_fold_out(pool, b, cb, node);
		bufpool_out_fold(pool, b, cb);
		moved += cb->loaded->count + cb->prev->count;
		freed += bufpool_drain_mag(pool, b, node, &cb->loaded);
		freed += bufpool_drain_mag(pool, b, node, &cb->prev);
		bufpool_cpu_rebase(pool, b, cb, node);
	}
	trace_bufpool_drain(pool, pool->name, cpu, moved - freed, freed);
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_drain_cpu);

/* Free every buffer in @cpu's magazines. */
static void bufpool_free_cpu(struct bufpool *pool, unsigned int cpu)
{
	struct bufpool_cpu *pcp = per_cpu_ptr(pool->f.cpu, cpu);
	int node = cpu_to_mem(cpu);
	unsigned int i;

	for (i = 0; i < pool->nr_buckets; i++) {
		struct bufpool_cpu_bucket *cb = &pcp->b[i];
		struct bufpool_bucket *b = &pool->buckets[i];
		unsigned int n;

		bufpool_fold_out(pool, b, cb, node);
		bufpool_out_fold(pool, b, cb);
		n = bufpool_mag_empty(b, cb->loaded);
		n += bufpool_mag_empty(b, cb->prev);
		bufpool_cpu_rebase(pool, b, cb, node);
		bufpool_count(pool, i, BUFPOOL_STAT_FREE, n);
	}
}

/* Move @m's slots to @bufs; returns how many.  Never writes an empty @m. */
static unsigned int bufpool_mag_move(struct bufpool_mag *m, void **bufs)
{
	unsigned int n = m->count;

	if (n) {
		memcpy(bufs, m->bufs, n * sizeof(*bufs));
		/* The copies are freed: kmemleak must not see these. */
		if (IS_ENABLED(CONFIG_DEBUG_KMEMLEAK))
			memset(m->bufs, 0, n * sizeof(*bufs));
		m->count = 0;
	}
	return n;
}

/*
 * Free the buffers of this CPU's magazines of bucket @i, unless @cpu is not
 * this CPU (the work item ran elsewhere: its CPU went offline, and the
 * hotplug callback drained it) or, with @seen, this CPU took or returned
 * such a buffer since the decay step saw *@seen.  Interrupts are off only
 * while the slots are copied out, never while buffers are freed (an order-8
 * page may take a while): at most 2 * BUFPOOL_MAG_MAX pointers under the
 * guard.  Returns how many it freed.
 */
static unsigned int bufpool_drain_bucket(struct bufpool *pool, unsigned int i,
					 int cpu, const unsigned long *seen)
{
	struct bufpool_bucket *b = &pool->buckets[i];
	void *bufs[2 * BUFPOOL_MAG_MAX];
	struct bufpool_cpu_bucket *cb;
	struct bufpool_cpu *pcp;
	unsigned int n = 0, freed;
	int node;

	/* A task: nothing of this CPU can hold the guard now. */
	pcp = bufpool_cpu_trylock(pool);
	if (WARN_ON_ONCE(!pcp))
		return 0;
	cb = &pcp->b[i];
	if ((cpu >= 0 && cpu != smp_processor_id()) ||
	    (seen && bufpool_cpu_activity(cb) != READ_ONCE(*seen)))
		goto unlock;
	node = numa_mem_id();
	bufpool_fold_out(pool, b, cb, node);
	bufpool_out_fold(pool, b, cb);
	n = bufpool_mag_move(cb->loaded, bufs);
	n += bufpool_mag_move(cb->prev, bufs + n);
	bufpool_cpu_rebase(pool, b, cb, node);
	/*
	 * A full drain (bufpool_drain_all*()) leaves the node marked folded:
	 * drop the memo, so that the next return here goes out of line and
	 * marks it again (bufpool_mark_unfolded()).
	 */
	if (!seen)
		pcp->memo_gen = -1;
unlock:
	bufpool_cpu_unlock(pool, pcp);

	bufpool_count(pool, i, BUFPOOL_STAT_FREE, n);
	freed = n;
	while (n)
		bufpool_free_idle(b, bufs[--n]);
	return freed;
}

/* Empty this CPU's magazines of every bucket, for bufpool_clear(). */
static void bufpool_drain_work(struct work_struct *work)
{
	struct bufpool *pool = container_of(work, struct bufpool_cpu_aux,
					    drain_work)->pool;
	unsigned long freed = 0;
	unsigned int i;

	for (i = 0; i < pool->nr_buckets; i++)
		freed += bufpool_drain_bucket(pool, i, -1, NULL);
	trace_bufpool_drain(pool, pool->name, raw_smp_processor_id(), 0, freed);
}

/*
 * The per-CPU half of decay: on its own CPU, free the magazines of the
 * buckets the decay step found idle and untouched here for a period, if
 * they still are.
 */
static void bufpool_cpu_decay_work(struct work_struct *work)
{
	struct bufpool_cpu_aux *aux = container_of(to_delayed_work(work),
						   struct bufpool_cpu_aux,
						   decay_work);
	unsigned long mask = atomic_long_xchg(&aux->decay_mask, 0);
	struct bufpool *pool = aux->pool;
	unsigned long freed = 0;
	unsigned int i, n;

	for_each_set_bit(i, &mask, pool->nr_buckets) {
		n = bufpool_drain_bucket(pool, i, aux->cpu, &aux->seen[i]);
		bufpool_count(pool, i, BUFPOOL_STAT_DECAY, n);
		freed += n;
	}
	if (freed)
		trace_bufpool_drain(pool, pool->name, aux->cpu, 0, freed);
}

/**
 * bufpool_decay_cancel() - wait for the decay work items of a dying pool
 * @pool: the pool; its decay step is cancelled already
 *
 * Context: process context; sleeps.
 */
void bufpool_decay_cancel(struct bufpool *pool)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		cancel_delayed_work_sync(&per_cpu_ptr(pool->aux,
						      cpu)->decay_work);
}

/* Whether @cpu's magazines hold buffers or counts to fold; a racy peek. */
static bool bufpool_cpu_has_idle(struct bufpool *pool, unsigned int cpu)
{
	struct bufpool_cpu *pcp = per_cpu_ptr(pool->f.cpu, cpu);
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

/*
 * The drains about to run fold every magazine of @node's CPUs (of every
 * CPU for NUMA_NO_NODE): the counts are exact after them.  Each drain drops
 * its CPU's memo, so a return after it marks the node again.
 */
static void bufpool_nodes_folded(struct bufpool *pool, int node)
{
	int nid;

	for (nid = 0; nid < nr_node_ids; nid++)
		if (bufpool_node_match(node, nid))
			WRITE_ONCE(pool->nodes[nid].unfolded, false);
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
	bufpool_nodes_folded(pool, NUMA_NO_NODE);
	for_each_online_cpu(cpu)
		if (bufpool_cpu_has_idle(pool, cpu))
			queue_work_on(cpu, system_highpri_wq,
				      &per_cpu_ptr(pool->aux, cpu)->drain_work);
	/* Returns at once for a work item that is not queued. */
	for_each_online_cpu(cpu)
		flush_work(&per_cpu_ptr(pool->aux, cpu)->drain_work);
	cpus_read_unlock();
	bufpool_depot_trim(pool, BUFPOOL_STAT_FREE);
}

/**
 * bufpool_drain_all_async() - start emptying CPUs' magazines
 * @pool: the pool
 * @node: the CPUs whose memory node this is, or every CPU for %NUMA_NO_NODE
 *
 * For the shrinker: queues the drain work on each such online CPU that has
 * buffers in its magazines, and does not wait.  A CPU that goes offline
 * meanwhile is drained by the hotplug callback; a work item that runs
 * elsewhere drains the CPU it runs on.
 *
 * Context: any context but NMI.
 */
void bufpool_drain_all_async(struct bufpool *pool, int node)
{
	unsigned int cpu;

	bufpool_nodes_folded(pool, node);
	for_each_online_cpu(cpu)
		if (bufpool_node_match(node, cpu_to_mem(cpu)) &&
		    bufpool_cpu_has_idle(pool, cpu))
			queue_work_on(cpu, system_highpri_wq,
				      &per_cpu_ptr(pool->aux, cpu)->drain_work);
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
		cancel_work_sync(&per_cpu_ptr(pool->aux, cpu)->drain_work);
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
		bufpool_free_cpu(pool, cpu);
	bufpool_depot_trim(pool, BUFPOOL_STAT_FREE);
}

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
	int nid;

	pool->nodes = kcalloc(nr_node_ids, sizeof(*pool->nodes), GFP_KERNEL);
	if (!pool->nodes)
		return -ENOMEM;
	for (i = 0; i < pool->nr_buckets; i++) {
		struct bufpool_bucket *b = &pool->buckets[i];

		b->depots = kcalloc(nr_node_ids, sizeof(*b->depots), GFP_KERNEL);
		if (!b->depots)
			return -ENOMEM;
		for (nid = 0; nid < nr_node_ids; nid++) {
			struct bufpool_depot *d = bufpool_depot(b, nid);

			spin_lock_init(&d->lock);
			INIT_LIST_HEAD(&d->full);
			INIT_LIST_HEAD(&d->empty);
		}
	}

	pool->f.cpu = __alloc_percpu(struct_size_t(struct bufpool_cpu, b,
						   pool->nr_buckets + 1),
				     __alignof__(struct bufpool_cpu));
	pool->aux = __alloc_percpu(struct_size_t(struct bufpool_cpu_aux, seen,
						 pool->nr_buckets),
				   __alignof__(struct bufpool_cpu_aux));
	if (!pool->f.cpu || !pool->aux)
		return -ENOMEM;

	for_each_possible_cpu(cpu) {
		struct bufpool_cpu_aux *aux = per_cpu_ptr(pool->aux, cpu);
		struct bufpool_cpu *pcp = per_cpu_ptr(pool->f.cpu, cpu);
		int node = cpu_to_node(cpu);

		bufpool_cpu_guard_init(pcp);
		/* No memo yet: no pointer matches, no count is -1. */
		pcp->memo = 0;
		pcp->memo_keep = ~0UL;
		pcp->memo_folio = NULL;
		pcp->memo_genp = &pool->buckets[0].free_gen;
		pcp->memo_gen = -1;
		INIT_WORK(&aux->drain_work, bufpool_drain_work);
		INIT_DEFERRABLE_WORK(&aux->decay_work, bufpool_cpu_decay_work);
		bufpool_nolock_init(aux);
		aux->pool = pool;
		aux->cpu = cpu;
		for (i = 0; i < pool->nr_buckets; i++) {
			struct bufpool_cpu_bucket *cb = &pcp->b[i];

			cb->limit = pool->buckets[i].cpu_limit;
			cb->mark_mask =
				__bufpool_mark_mask(pool->buckets[i].size);
			cb->mark_shift =
				__bufpool_mark_shift(pool->buckets[i].size);
			if (!cb->limit) {
				cb->loaded = &bufpool_mag_none;
				cb->prev = &bufpool_mag_none;
				continue;
			}
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
	int nid;

	for (i = 0; i < pool->nr_buckets; i++) {
		struct bufpool_bucket *b = &pool->buckets[i];

		for (nid = 0; b->depots && nid < nr_node_ids; nid++) {
			struct bufpool_depot *d = bufpool_depot(b, nid);

			WARN_ON_ONCE(d->nr_full);
			list_for_each_entry_safe(m, tmp, &d->empty, list)
				kfree(m);
			INIT_LIST_HEAD(&d->empty);
			d->nr_empty = 0;
		}
	}
	if (!pool->f.cpu)
		return;
	for_each_possible_cpu(cpu) {
		struct bufpool_cpu *pcp = per_cpu_ptr(pool->f.cpu, cpu);

		for (i = 0; i < pool->nr_buckets; i++) {
			if (pcp->b[i].limit) {
				kfree(pcp->b[i].loaded);
				kfree(pcp->b[i].prev);
			}
			pcp->b[i].loaded = NULL;
			pcp->b[i].prev = NULL;
		}
	}
}

/**
 * bufpool_cache_free_depots() - free a pool's depots and node counts
 * @pool: the pool; bufpool_cache_free_mags() emptied the depots
 *
 * Context: process context.
 */
void bufpool_cache_free_depots(struct bufpool *pool)
{
	unsigned int i;

	for (i = 0; i < pool->nr_buckets; i++) {
		kfree(pool->buckets[i].depots);
		pool->buckets[i].depots = NULL;
	}
	kfree(pool->nodes);
	pool->nodes = NULL;
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
	bufpool_cache_free_depots(pool);
	free_percpu(pool->f.cpu);
	pool->f.cpu = NULL;
	free_percpu(pool->aux);
	pool->aux = NULL;
}

