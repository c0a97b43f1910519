// SPDX-License-Identifier: GPL-2.0
/*
 * bufpool's reserve: buffers a bucket keeps for forward progress, as a
 * mempool keeps its min_nr elements (mm/mempool.c).
 *
 * bufpool_reserve() fills a bucket's reserve with new buffers.  They are
 * idle (counted as such, with the idle marker and KASAN's poison) but not
 * in any magazine or depot, so neither the shrinker, nor the decay, nor
 * bufpool_clear() can free them.  Takes use them only when the bucket's
 * magazines, its depot and the allocator have nothing: then a take gets a
 * reserved buffer, or, the reserve empty and direct reclaim allowed, waits
 * for a return as mempool_alloc() does.  While a reserve holds fewer than
 * its target, BUFPOOL_SLOW_RESERVE_BIT sends every return of the pool out
 * of line, and a return of that bucket refills the reserve first and wakes
 * a waiting take.  Full, the reserve costs takes and returns nothing.
 */
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/wait.h>
#include <linux/wait_bit.h>

#include "internal.h"

#include <trace/events/bufpool.h>

/* How long a take waits for a return before it asks the allocator again. */
#define BUFPOOL_RESERVE_WAIT	(5 * HZ)

/* === Short reserves === */

/*
 * Account @r becoming short (@low) or full again, under @r->lock: the
 * pool's count of short reserves, and the bit that sends returns out of
 * line while it is not zero, change together under the pool's lock.
 */
static void bufpool_reserve_mark(struct bufpool *pool,
				 struct bufpool_reserved *r, bool low)
	__must_hold(&r->lock)
{
	if (r->low == low)
		return;
	WRITE_ONCE(r->low, low);
	spin_lock(&pool->reserve_lock);
	pool->reserve_low += low ? 1 : -1;
	bufpool_set_slow(pool, BUFPOOL_SLOW_RESERVE_BIT, pool->reserve_low);
	spin_unlock(&pool->reserve_lock);
}

static void bufpool_reserve_update(struct bufpool *pool,
				   struct bufpool_reserved *r)
	__must_hold(&r->lock)
{
	bufpool_reserve_mark(pool, r, r->held < r->target);
}

/* === Take and return === */

/*
 * A reserved buffer, as its slot held it (BUFPOOL_MAG_TRACKED included),
 * or %NULL.  Counted as a take.
 */
static void *bufpool_reserve_pop(struct bufpool *pool,
				 struct bufpool_bucket *b, unsigned int idx,
				 struct bufpool_reserved *r)
{
	unsigned long flags;
	void *slot = NULL;

	spin_lock_irqsave(&r->lock, flags);
	if (r->held) {
		slot = r->bufs[--r->held];
		r->bufs[r->held] = NULL;	/* not a reference for kmemleak */
		bufpool_reserve_update(pool, r);
	}
	spin_unlock_irqrestore(&r->lock, flags);
	if (!slot)
		return NULL;
	atomic_long_inc(&r->takes);
	bufpool_count(pool, idx, BUFPOOL_STAT_TAKE, 1);
	bufpool_add_out(pool, b, 1, b->size);
	return slot;
}

/**
 * bufpool_reserve_wait() - wait for a return to a bucket's reserve
 * @pool: the pool
 * @r: the reserve, which was empty
 * @srcu: the caller's bufpool_srcu read lock, which this drops
 *
 * Waits for BUFPOOL_RESERVE_WAIT at most, unless @r holds a buffer again,
 * keeps none any more, or the pool is dying.  bufpool_reserve_put() wakes
 * it; prepare_to_wait() under the lock the put takes loses no wakeup.  Not
 * in the SRCU section, which every bufpool_destroy() waits for: the pool's
 * count of waiters keeps it (bufpool_reserve_wake() waits for them).
 *
 * Context: process context; may sleep.
 */
void bufpool_reserve_wait(struct bufpool *pool, struct bufpool_reserved *r,
			  int srcu)
	__releases(&bufpool_srcu)
{
	unsigned long flags;
	DEFINE_WAIT(wait);

	spin_lock_irqsave(&r->lock, flags);
	if (r->held || !r->target || READ_ONCE(pool->dead)) {
		spin_unlock_irqrestore(&r->lock, flags);
		srcu_read_unlock(&bufpool_srcu, srcu);
		return;
	}
	prepare_to_wait(&r->wait, &wait, TASK_UNINTERRUPTIBLE);
	atomic_inc(&pool->reserve_waiters);
	spin_unlock_irqrestore(&r->lock, flags);
	srcu_read_unlock(&bufpool_srcu, srcu);
	atomic_long_inc(&r->waits);
	io_schedule_timeout(BUFPOOL_RESERVE_WAIT);
	finish_wait(&r->wait, &wait);
	/* The last access to the pool: a dying one's destroy waits for it. */
	if (atomic_dec_and_test(&pool->reserve_waiters))
		wake_up_var(&pool->reserve_waiters);
}

/**
 * bufpool_reserve_take() - a take of a bucket with a reserve, whose
 *	magazines and depot are empty
 * @pool: the pool
 * @b: the bucket
 * @idx: its index
 * @r: its reserve
 * @gfp: the taker's flags
 * @node: the memory node asked for, or %NUMA_NO_NODE
 * @reserved: set to whether the buffer came from the reserve
 *
 * As mempool_alloc(): the allocator without direct reclaim, then the
 * reserve, then the allocator with the taker's flags, and then, if they
 * allow direct reclaim, a wait for a return.  The allocator is asked not to
 * retry, not to warn and not to use the emergency reserves: the pool's own
 * reserve is for that.
 *
 * slow path, in an SRCU section of bufpool_srcu.
 *
 * Context: as the take.
 * Return: a new buffer, a reserved one as its slot held it, not yet
 * prepared (*@reserved true), %NULL, or %BUFPOOL_TAKE_AGAIN: the caller
 * waits for a return (bufpool_reserve_wait()), then starts over from the
 * magazines.
 */
void *bufpool_reserve_take(struct bufpool *pool, struct bufpool_bucket *b,
			   unsigned int idx, struct bufpool_reserved *r,
			   gfp_t gfp, int node, bool *reserved)
{
	gfp_t gfp_temp;
	void *buf;

	gfp |= __GFP_NOMEMALLOC | __GFP_NORETRY | __GFP_NOWARN;
	gfp_temp = gfp & ~(__GFP_DIRECT_RECLAIM | __GFP_IO);
	for (;;) {
		*reserved = false;
		buf = bufpool_take_new(pool, b, idx, gfp_temp, node);
		if (buf)
			return buf;
		*reserved = true;
		buf = bufpool_reserve_pop(pool, b, idx, r);
		if (buf)
			return buf;
		if (!(gfp & __GFP_DIRECT_RECLAIM)) {
			atomic_long_inc(&r->empty);
			return NULL;
		}
		if (gfp_temp == gfp)
			break;
		gfp_temp = gfp;
	}
	/* The caller waits: bufpool_reserve_wait(). */
	return BUFPOOL_TAKE_AGAIN;
}

/**
 * bufpool_reserve_put() - keep a returned buffer in its bucket's reserve,
 *	if that is short
 * @pool: the pool; BUFPOOL_SLOW_RESERVE_BIT was set
 * @b: the bucket
 * @idx: its index
 * @slot: the buffer, idle (claimed, or poisoned by tracking), as a
 *	magazine slot would hold it
 * @caller: who returned it
 *
 * Counted (and traced) as a return.  Wakes a take waiting for one.
 *
 * Context: any context but NMI.
 * Return: true if the reserve took it.
 */
bool bufpool_reserve_put(struct bufpool *pool, struct bufpool_bucket *b,
			 unsigned int idx, void *slot, unsigned long caller)
{
	struct bufpool_reserved *r = READ_ONCE(b->reserve);
	unsigned long flags;
	bool kept = false;

	if (!r || !READ_ONCE(r->low))
		return false;
	spin_lock_irqsave(&r->lock, flags);
	/* bufpool_reserve_release() frees what a dead pool holds. */
	if (r->held < r->target && !READ_ONCE(pool->dead)) {
		r->bufs[r->held++] = slot;
		bufpool_reserve_update(pool, r);
		kept = true;
	}
	spin_unlock_irqrestore(&r->lock, flags);
	if (!kept)
		return false;
	bufpool_add_out(pool, b, -1, -(long)b->size);
	trace_bufpool_return(pool, pool->name, bufpool_mag_untag(slot), b->size,
			     caller, BUFPOOL_RET_RESERVED);
	/* Once the return is counted a destroyed pool may go: RCU holds it. */
	rcu_read_lock();
	bufpool_count(pool, idx, BUFPOOL_STAT_RETURN, 1);
	wake_up(&r->wait);
	/* The destroy ran meanwhile: this may have been its last buffer. */
	bufpool_return_done(pool);
	rcu_read_unlock();
	return true;
}

/* === Size === */

/* Allocate @b's reserve, empty, once; under @pool->reserve_mutex. */
static struct bufpool_reserved *bufpool_reserve_get(struct bufpool *pool,
						    struct bufpool_bucket *b)
{
	struct bufpool_reserved *r = b->reserve;

	lockdep_assert_held(&pool->reserve_mutex);
	if (r)
		return r;
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return NULL;
	spin_lock_init(&r->lock);
	init_waitqueue_head(&r->wait);
	/* Paired with READ_ONCE() in takes and returns. */
	smp_store_release(&b->reserve, r);
	return r;
}

/* A new buffer for @b's reserve, idle as a returned one. */
static void *bufpool_reserve_new(struct bufpool *pool,
				 struct bufpool_bucket *b, unsigned int idx)
{
	void *buf = bufpool_backend_alloc(b, GFP_KERNEL | __GFP_NOWARN,
					  NUMA_NO_NODE);

	if (!buf)
		return NULL;
	bufpool_count(pool, idx, BUFPOOL_STAT_ALLOC, 1);
	bufpool_mark_idle(pool, b, buf);
	bufpool_kasan_poison(buf);
	return buf;
}

/* Free @n idle buffers, as slots held them, of bucket @idx. */
static void bufpool_reserve_free(struct bufpool *pool, unsigned int idx,
				 void **slots, unsigned int n)
{
	struct bufpool_bucket *b = &pool->buckets[idx];
	unsigned int i;

	for (i = 0; i < n; i++)
		bufpool_free_idle(b, slots[i]);
	if (n)
		bufpool_count(pool, idx, BUFPOOL_STAT_FREE, n);
}

/*
 * Bring @b's reserve to @nr: fill it with new buffers up to @nr held, or
 * free what it holds past @nr.  Under @pool->reserve_mutex.
 */
static int bufpool_reserve_resize(struct bufpool *pool,
				  struct bufpool_bucket *b, unsigned int nr)
{
	unsigned int idx = b - pool->buckets, held, i, n = 0;
	struct bufpool_reserved *r = b->reserve;
	void **bufs = NULL, **fill = NULL;
	unsigned long flags;
	int err = -ENOMEM;

	lockdep_assert_held(&pool->reserve_mutex);
	/* Only bufpool_reserve() changes @cap: read it here. */
	if (nr > r->cap) {
		bufs = kvcalloc(nr, sizeof(*bufs), GFP_KERNEL);
		if (!bufs)
			goto out;
	}
	/* New buffers, made outside the lock: returns meanwhile only add. */
	held = data_race(READ_ONCE(r->held));
	if (nr > held) {
		fill = kvcalloc(nr - held, sizeof(*fill), GFP_KERNEL);
		if (!fill)
			goto out;
		for (n = 0; n < nr - held; n++) {
			fill[n] = bufpool_reserve_new(pool, b, idx);
			if (!fill[n])
				goto out;
		}
	}

	spin_lock_irqsave(&r->lock, flags);
	if (bufs) {
		if (r->held)
			memcpy(bufs, r->bufs, r->held * sizeof(*bufs));
		swap(bufs, r->bufs);
		r->cap = nr;
	}
	r->target = nr;
	bufpool_reserve_update(pool, r);
	spin_unlock_irqrestore(&r->lock, flags);
	/* Returns may have refilled it meanwhile: keep what fits. */
	for (i = 0; i < n;) {
		unsigned int end = min(n, i + 16);

		spin_lock_irqsave(&r->lock, flags);
		for (; i < end && r->held < r->target; i++)
			r->bufs[r->held++] = fill[i];
		bufpool_reserve_update(pool, r);
		spin_unlock_irqrestore(&r->lock, flags);
		if (i < end)
			break;
	}
	/* What did not fit. */
	bufpool_reserve_free(pool, idx, fill + i, n - i);
	n = 0;

	/* Past @nr: free the rest, a few at a time. */
	for (;;) {
		void *excess[16];

		i = 0;
		spin_lock_irqsave(&r->lock, flags);
		while (r->held > r->target && i < ARRAY_SIZE(excess)) {
			excess[i++] = r->bufs[--r->held];
			r->bufs[r->held] = NULL;
		}
		spin_unlock_irqrestore(&r->lock, flags);
		if (!i)
			break;
		bufpool_reserve_free(pool, idx, excess, i);
	}
	/* A take waiting while the reserve shrank to 0 asks the allocator. */
	wake_up_all(&r->wait);
	err = 0;
out:
	/* On failure, the buffers made so far; the old array on success. */
	bufpool_reserve_free(pool, idx, fill, n);
	kvfree(fill);
	kvfree(bufs);
	return err;
}

int bufpool_reserve(struct bufpool *pool, size_t size, unsigned int nr)
{
	struct bufpool_bucket *b;
	int err;

	might_sleep();
	if (WARN_ON_ONCE(!pool))
		return -EINVAL;
	if (bufpool_misused_dead(pool, "reserve", _RET_IP_))
		return -ENODEV;
	if (pool == bufpool_shared()) {
		pr_warn_ratelimited("bufpool: %s: reserve by %pS refused: a reserve is its pool's own, and the shared pool has no owner; create a pool\n",
				    pool->name, (void *)_RET_IP_);
		return -EPERM;
	}
	if (!size || __bufpool_unpooled(&pool->f, size, 0)) {
		pr_warn_ratelimited("bufpool: %s: reserve of %zu-byte buffers by %pS refused: not a size of this pool's buckets (1 to %zu)\n",
				    pool->name, size, (void *)_RET_IP_,
				    pool->f.max_size);
		return -EINVAL;
	}
	b = &pool->buckets[__bufpool_bucket(&pool->f, size)];
	if (nr > BUFPOOL_RESERVE_MAX ||
	    (u64)nr * b->size > (u64)totalram_pages() * PAGE_SIZE / 4) {
		pr_warn_ratelimited("bufpool: %s: reserve of %u %zu-byte buffers by %pS refused: at most %u, and a quarter of the memory\n",
				    pool->name, nr, b->size, (void *)_RET_IP_,
				    BUFPOOL_RESERVE_MAX);
		return -EINVAL;
	}

	mutex_lock(&pool->reserve_mutex);
	err = -ENOMEM;
	if (nr && !bufpool_reserve_get(pool, b))
		goto out;
	err = b->reserve ? bufpool_reserve_resize(pool, b, nr) : 0;
out:
	mutex_unlock(&pool->reserve_mutex);
	return err;
}
EXPORT_SYMBOL_GPL(bufpool_reserve);

/* === Lifetime === */

/**
 * bufpool_reserve_wake() - wake the takes that wait for a dying pool's
 *	reserves, and wait for them to go
 * @pool: the pool, marked dead
 *
 * Context: process context; may sleep.
 */
void bufpool_reserve_wake(struct bufpool *pool)
{
	unsigned long flags;
	unsigned int i;

	for (i = 0; i < pool->nr_buckets; i++) {
		struct bufpool_reserved *r = pool->buckets[i].reserve;

		if (!r)
			continue;
		/* A waiter checked the pool under this lock. */
		spin_lock_irqsave(&r->lock, flags);
		spin_unlock_irqrestore(&r->lock, flags);
		wake_up_all(&r->wait);
	}
	wait_var_event(&pool->reserve_waiters,
		       !atomic_read(&pool->reserve_waiters));
}

/**
 * bufpool_reserve_release() - free the buffers a dying pool's reserves hold
 * @pool: the pool, marked dead; no take runs any more
 *
 * Returns that come later free their buffers (bufpool_reserve_put()).
 *
 * Context: process context.
 */
void bufpool_reserve_release(struct bufpool *pool)
{
	unsigned long flags;
	unsigned int i;

	for (i = 0; i < pool->nr_buckets; i++) {
		struct bufpool_reserved *r = pool->buckets[i].reserve;
		void **bufs;
		unsigned int n;

		if (!r)
			continue;
		spin_lock_irqsave(&r->lock, flags);
		bufs = r->bufs;
		n = r->held;
		r->bufs = NULL;
		r->held = 0;
		r->cap = 0;
		r->target = 0;
		bufpool_reserve_update(pool, r);
		spin_unlock_irqrestore(&r->lock, flags);
		bufpool_reserve_free(pool, i, bufs, n);
		kvfree(bufs);
	}
}

/**
 * bufpool_reserve_exit() - free a pool's reserves
 * @pool: the pool, being freed; bufpool_reserve_release() ran
 *
 * Context: process context.
 */
void bufpool_reserve_exit(struct bufpool *pool)
{
	unsigned int i;

	for (i = 0; i < pool->nr_buckets; i++) {
		struct bufpool_reserved *r = pool->buckets[i].reserve;

		if (r)
			kvfree(r->bufs);
		kfree(r);
		pool->buckets[i].reserve = NULL;
	}
}

/**
 * bufpool_reserve_held() - idle buffers a pool's reserves hold
 * @pool: the pool
 * @idx: a bucket's index, or -1 for all
 * @bytes: if not %NULL, set to their bytes
 *
 * Context: any context.
 * Return: the number of buffers.
 */
unsigned long bufpool_reserve_held(struct bufpool *pool, int idx,
				   size_t *bytes)
{
	unsigned long bufs = 0;
	size_t sum = 0;
	unsigned int i;

	for (i = 0; i < pool->nr_buckets; i++) {
		struct bufpool_reserved *r = READ_ONCE(pool->buckets[i].reserve);
		unsigned int n;

		if (!r || (idx >= 0 && i != idx))
			continue;
		/* A snapshot: takes and returns move it meanwhile. */
		n = data_race(READ_ONCE(r->held));
		bufs += n;
		sum += (size_t)n * pool->buckets[i].size;
	}
	if (bytes)
		*bytes = sum;
	return bufs;
}
