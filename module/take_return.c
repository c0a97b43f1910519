// SPDX-License-Identifier: GPL-2.0
/*
 * bufpool's take and return: the exported entry points, out of line.
 *
 * __bufpool_take() and __bufpool_return() do the whole job where the
 * inline paths (include/bufpool_layout.h) cannot: a take or return of a
 * tracked pool, a buffer the owner memo does not know, an empty or full
 * magazine, a dying pool.  They apply the inline paths' rules (one
 * size-to-bucket rule, one zeroing rule, the same claim) and add what the
 * inline paths leave out: the whole owner check, the depot
 * (magazine.c), the backend (backend.c), tracking (track.c), trace
 * events, and the reports of bad returns.  An interrupt that arrives in
 * the middle of a guarded section takes a slow path: it allocates (take)
 * or frees (return), and counts in the bucket's shared counters.
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
#include <linux/mm.h>
#include <linux/srcu.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"

#include <trace/events/bufpool.h>

/* Slow-path takes, for bufpool_destroy() to wait for; see above. */
DEFINE_SRCU(bufpool_srcu);

/* === Take and return === */

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
					    gfp_t gfp, int node,
					    unsigned long caller)
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
	buf = bufpool_unpooled_alloc(pool, size, gfp, node);
	if (!buf) {
		bufpool_count(pool, slot, BUFPOOL_STAT_ALLOC_FAIL, 1);
		goto out;
	}
	bufpool_count(pool, slot, BUFPOOL_STAT_ALLOC, 1);
	bufpool_count(pool, slot, BUFPOOL_STAT_TAKE, 1);
	bytes = bufpool_owned_size(pool, &pool->unpooled, buf);
	this_cpu_add(pool->aux->unpooled_bytes, bytes);
	bufpool_add_out(pool, &pool->unpooled, 1, bytes);
	trace_bufpool_take(pool, pool->name, buf, size, bytes, gfp, caller,
			   BUFPOOL_FROM_UNPOOLED);
out:
	srcu_read_unlock(&bufpool_srcu, srcu);
	return buf;
}

/**
 * bufpool_take_new() - a new buffer of bucket @b, counted as a take
 * @pool: the pool
 * @b: the bucket
 * @idx: its index
 * @gfp: allocation flags
 * @node: the memory node, or %NUMA_NO_NODE
 *
 * slow path, in an SRCU section that checked the pool is live.
 *
 * Context: as the take.
 * Return: the buffer, not yet zeroed unless @gfp says so, or %NULL.
 */
void *bufpool_take_new(struct bufpool *pool, struct bufpool_bucket *b,
		       unsigned int idx, gfp_t gfp, int node)
{
	void *buf = bufpool_backend_alloc(b, gfp, node);

	if (!buf) {
		bufpool_count(pool, idx, BUFPOOL_STAT_ALLOC_FAIL, 1);
		return NULL;
	}
	bufpool_count(pool, idx, BUFPOOL_STAT_ALLOC, 1);
	bufpool_count(pool, idx, BUFPOOL_STAT_TAKE, 1);
	bufpool_add_out(pool, b, 1, b->size);
	/*
	 * Memory that was this pool's before may still carry an idle marker
	 * (slab keeps its free pointer elsewhere): clear it, or the first
	 * return would look like a double one.
	 */
	bufpool_mark_clear(b, buf);
	return buf;
}

/*
 * slow path: both magazines and the depot are empty, or an interrupt found
 * this CPU in the middle of a take or return.  The take is counted inside
 * an SRCU section that checked the pool is live: bufpool_destroy() waits
 * for it, so that it counts every buffer out.  A bucket with a reserve
 * takes it when the allocator fails (*@reserved), or waits for a return
 * (BUFPOOL_TAKE_AGAIN).
 */
static noinline void *bufpool_take_alloc(struct bufpool *pool,
					 struct bufpool_bucket *b,
					 unsigned int idx, gfp_t gfp, int node,
					 unsigned long caller, bool *reserved)
{
	/* Paired with smp_store_release() in bufpool_reserve_get(). */
	struct bufpool_reserved *r = smp_load_acquire(&b->reserve);
	int srcu = srcu_read_lock(&bufpool_srcu);
	void *buf;

	*reserved = false;
	if (unlikely(READ_ONCE(pool->dead))) {
		srcu_read_unlock(&bufpool_srcu, srcu);
		return bufpool_take_dead(pool, caller);
	}
	if (unlikely(r && READ_ONCE(r->target))) {
		buf = bufpool_reserve_take(pool, b, idx, r, gfp, node,
					   reserved);
		if (buf == BUFPOOL_TAKE_AGAIN) {
			bufpool_reserve_wait(pool, r, srcu);
			return buf;
		}
	} else {
		buf = bufpool_take_new(pool, b, idx, gfp, node);
	}
	srcu_read_unlock(&bufpool_srcu, srcu);
	return buf;
}

static void *bufpool_take_tracked(struct bufpool *pool, size_t size,
				  gfp_t gfp, int node, unsigned long caller);

/*
 * slow path: an untracked take (it found its pool not hooked) popped a slot
 * marked BUFPOOL_MAG_TRACKED, because tracking was switched on and a tracked
 * return filled the slot in between.  The buffer has an idle record: give
 * it the tracked take it should have had.
 */
static noinline void *bufpool_take_marked(struct bufpool *pool,
					  struct bufpool_bucket *b,
					  void *slot, size_t size, gfp_t gfp,
					  int node, unsigned long caller,
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
	return bufpool_take_tracked(pool, size, gfp, node, caller);
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
						 gfp_t gfp, int node,
						 unsigned long caller,
						 enum bufpool_trace_src *src,
						 int *sampled)
{
	enum bufpool_trace_src from = BUFPOOL_FROM_MAG;
	struct bufpool_cpu_bucket *cb;
	struct bufpool_cpu *pcp;
	bool reserved;
	void *buf;

again:
	/* Taken by an interrupted context of this CPU: allocate instead. */
	pcp = bufpool_cpu_trylock(pool);
	if (unlikely(!pcp))
		goto alloc;
	if (unlikely(READ_ONCE(pool->dead))) {
		bufpool_cpu_unlock(pool, pcp);
		return bufpool_take_dead(pool, caller);
	}
	cb = &pcp->b[idx];
	/* Another node's memory: its depot, else its allocator. */
	if (unlikely(node != NUMA_NO_NODE && node != numa_mem_id())) {
		buf = bufpool_depot_pop(pool, b, cb, node);
		if (!buf) {
			bufpool_cpu_unlock(pool, pcp);
			goto alloc;
		}
		__bufpool_count(pcp, idx, BUFPOOL_STAT_DEPOT_HIT, 1);
		from = BUFPOOL_FROM_DEPOT;
		goto taken;
	}
	/* A CPU hit counts as a take only: stats.c derives cpu_hits. */
	buf = bufpool_mag_pop(cb);
	if (unlikely(!buf)) {
		/* A depot-only bucket pops the depot, the others refill. */
		if (!cb->limit)
			buf = bufpool_depot_pop(pool, b, cb, numa_mem_id());
		else if (bufpool_depot_get_full(pool, b, cb))
			buf = bufpool_mag_pop(cb);
		if (!buf) {
			bufpool_cpu_unlock(pool, pcp);
			goto alloc;
		}
		__bufpool_count(pcp, idx, BUFPOOL_STAT_DEPOT_HIT, 1);
		from = BUFPOOL_FROM_DEPOT;
	}
taken:
	__bufpool_count(pcp, idx, BUFPOOL_STAT_TAKE, 1);
	if (src)
		*sampled = __bufpool_track_sampled(pool, pcp);
	bufpool_cpu_unlock(pool, pcp);
recycled:
	bufpool_kasan_unpoison(bufpool_mag_untag(buf), b->size);
	if (src) {
		*src = from;
		return buf;
	}
	/* Tracking came on after this take checked: see bufpool_take_marked(). */
	if (unlikely((unsigned long)buf & BUFPOOL_MAG_TRACKED))
		return bufpool_take_marked(pool, b, buf, size, gfp, node,
					   caller, from);
	trace_bufpool_take(pool, pool->name, buf, size, b->size, gfp, caller,
			   from);
	return bufpool_take_prep(pool, b, buf, gfp);

alloc:
	buf = bufpool_take_alloc(pool, b, idx, gfp, node, caller, &reserved);
	if (unlikely(buf == BUFPOOL_TAKE_AGAIN))
		goto again;
	/* Idle until now, as a magazine's buffer: the same steps. */
	if (unlikely(reserved) && buf) {
		from = BUFPOOL_FROM_RESERVE;
		if (src)
			*sampled = BUFPOOL_SAMPLE_UNDECIDED;
		goto recycled;
	}
	if (src) {
		*src = BUFPOOL_FROM_BACKEND;
		*sampled = BUFPOOL_SAMPLE_UNDECIDED;
		return buf;
	}
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
					   gfp_t gfp, int node,
					   unsigned long caller)
{
	enum bufpool_trace_src src;
	struct bufpool_bucket *b;
	unsigned int idx;
	void *buf, *slot;
	int sampled;

	if (__bufpool_unpooled(&pool->f, size, gfp)) {
		buf = bufpool_take_unpooled(pool, size, gfp, node, caller);
		if (buf)
			bufpool_track_take(pool, &pool->unpooled, buf, false,
					   BUFPOOL_SAMPLE_UNDECIDED, gfp, caller);
		return buf;
	}

	idx = __bufpool_bucket(&pool->f, size);
	b = &pool->buckets[idx];
	do {
		slot = bufpool_take_bucket(pool, b, idx, size, gfp, node,
					   caller, &src, &sampled);
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

/* A take of @node's memory, or of any node's for NUMA_NO_NODE. */
static __always_inline void *bufpool_take_from(struct bufpool *pool,
					       size_t size, gfp_t gfp,
					       int node, unsigned long caller)
{
	unsigned int idx;

	might_alloc(gfp);
	if (WARN_ON_ONCE(!pool))
		return NULL;
	if (bufpool_rt_refused(pool, caller))
		return NULL;
	if (bufpool_track_hooked(pool) && bufpool_track_take_p(pool))
		return bufpool_take_tracked(pool, size, gfp, node, caller);
	if (__bufpool_unpooled(&pool->f, size, gfp))
		return bufpool_take_unpooled(pool, size, gfp, node, caller);

	idx = __bufpool_bucket(&pool->f, size);
	return bufpool_take_bucket(pool, &pool->buckets[idx], idx, size, gfp,
				   node, caller, NULL, NULL);
}

void *__bufpool_take(struct bufpool *pool, size_t size, gfp_t gfp)
{
	return bufpool_take_from(pool, size, gfp, NUMA_NO_NODE, _RET_IP_);
}
EXPORT_SYMBOL_GPL(__bufpool_take);

void *__bufpool_take_node(struct bufpool *pool, size_t size, gfp_t gfp,
			  int node)
{
	if (unlikely(node != NUMA_NO_NODE &&
		     (node < 0 || node >= nr_node_ids || !node_online(node)))) {
		if (!(gfp & __GFP_NOWARN))
			pr_warn_ratelimited("bufpool: %s: take of %zu bytes on node %d by %pS: no such node\n",
					    pool ? pool->name : "(null)", size,
					    node, (void *)_RET_IP_);
		return NULL;
	}
	/* A node without memory: its depot stays empty, the allocator falls back. */
	return bufpool_take_from(pool, size, gfp, node, _RET_IP_);
}
EXPORT_SYMBOL_GPL(__bufpool_take_node);

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
		this_cpu_sub(pool->aux->unpooled_bytes, size);
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
 * Put @slot into this CPU's magazines of @b, trading a full one for an empty
 * one with the depot if need be, or into the depot of a depot-only bucket,
 * or, memory of another node (@remote), into that node's depot.  False if
 * the depot is at its cap.  In a guarded section.
 */
static __always_inline bool bufpool_cpu_put(struct bufpool *pool,
					    struct bufpool_bucket *b,
					    struct bufpool_cpu_bucket *cb,
					    int remote, void *slot)
{
	if (unlikely(remote != NUMA_NO_NODE))
		return bufpool_depot_push(pool, b, cb, remote, slot);
	if (likely(bufpool_mag_push(cb, slot)))
		return true;
	if (!cb->limit)
		return bufpool_depot_push(pool, b, cb, numa_mem_id(), slot);
	return bufpool_depot_put_full(pool, b, cb) &&
	       bufpool_mag_push(cb, slot);
}

/*
 * A return put a buffer in this CPU's magazines: the shrinker's count must
 * see that, until a drain folds them (struct bufpool_node).  Written once
 * per drain, read by every such return: the line stays shared.
 */
static __always_inline void bufpool_mark_unfolded(struct bufpool *pool)
{
	bool *unfolded = &pool->nodes[numa_mem_id()].unfolded;

	if (!READ_ONCE(*unfolded))
		WRITE_ONCE(*unfolded, true);
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
	struct bufpool_cpu_bucket *cb;
	struct bufpool_cpu *pcp;
	void *slot = buf;
	bool reserve;
	int remote;

	/*
	 * A page buffer someone else still holds a reference to (get_page()
	 * for an skb frag, a bio, splice) must not be recycled: drop ours, as
	 * page_pool does, and let the last holder free it.
	 */
	if (!b->cache && folio_ref_count(virt_to_folio(buf)) != 1)
		goto free_traced;
	/*
	 * A short reserve takes it first, even from a strict pool.  A strict
	 * pool's buffers are never idle but in a reserve: the claim is for
	 * those.
	 */
	reserve = unlikely(test_bit(BUFPOOL_SLOW_RESERVE_BIT, &pool->f.slow)) &&
		  READ_ONCE(b->reserve);
	if (strict && !READ_ONCE(b->reserve))
		goto free_traced;
	if (!poison && unlikely(!bufpool_claim(pool, b, buf))) {
		bufpool_bad_return(pool, buf, idx, "double return", caller);
		return;
	}
	/* But the marker, which the claim wrote or tracking writes below. */
	if (test_bit(BUFPOOL_INIT_RETURN_BIT, &pool->f.slow))
		bufpool_fill_idle(b, buf, 0);
	if (poison) {
		bufpool_track_poison(b, buf);
		slot = (void *)((unsigned long)buf | BUFPOOL_MAG_TRACKED);
		bufpool_mark_idle(pool, b, buf);
	} else {
		/*
		 * Before the push: once in a magazine, an interrupt may take
		 * it.  Not a tracked buffer: KASAN would write its free track
		 * over the poison that tracking checks, and tracking catches
		 * writes after return.
		 */
		bufpool_kasan_poison(buf);
	}
	if (unlikely(reserve) &&
	    bufpool_reserve_put(pool, b, idx, slot, caller))
		return;
	if (strict)
		goto free;

	/* Taken by an interrupted context of this CPU: free it instead. */
	pcp = bufpool_cpu_trylock(pool);
	if (unlikely(!pcp))
		goto free;
	if (unlikely(READ_ONCE(pool->dead)))
		goto unlock;
	cb = &pcp->b[idx];
	remote = bufpool_remote_node(buf);
	if (likely(bufpool_cpu_put(pool, b, cb, remote, slot))) {
		__bufpool_count(pcp, idx, BUFPOOL_STAT_RETURN, 1);
		if (cb->limit && remote == NUMA_NO_NODE) {
			bufpool_mark_unfolded(pool);
			/* Inline returns into this page may skip the check now. */
			if (bufpool_memo_wanted(pool))
				bufpool_memo_set(pool, pcp, b, idx, buf);
		}
		trace_bufpool_return(pool, pool->name, buf, b->size, caller,
				     BUFPOOL_RET_CACHED);
		/*
		 * Idle memory on this CPU: the decay step runs, or starts.
		 * Under the guard: a dead pool may go once it is dropped.
		 */
		bufpool_decay_arm(pool);
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

/* === Bulk take and return === */

/*
 * The magazine part of bufpool_take_bulk(): up to @n buffers of bucket
 * @idx off this CPU's magazines, then straight off the depot's
 * (bufpool_depot_get_bulk()), or refilled from it a whole magazine at a
 * time for less than a magazine's worth, in one guarded section.  Stops
 * at a slot with an idle record (tracking came on: bufpool_take_marked()
 * is the single take's), and takes nothing where a single take would
 * leave the inline path for tracking's or a dead pool's.  Returns how many
 * it put in @bufs.
 */
static unsigned int bufpool_take_bulk_mag(struct bufpool *pool,
					  unsigned int idx, size_t size,
					  gfp_t gfp, unsigned int n,
					  void **bufs, unsigned long caller)
{
	struct bufpool_bucket *b = &pool->buckets[idx];
	unsigned int i = 0, depot = n, c, k, j, shift = 0, mask = 0;
	struct bufpool_cpu_bucket *cb;
	bool zero = false;
	struct bufpool_cpu *pcp;
	struct bufpool_mag *m;
	unsigned long slow;
	void *slot;

	pcp = bufpool_cpu_trylock(pool);
	if (unlikely(!pcp))
		return 0;
	slow = READ_ONCE(pool->f.slow);
	cb = &pcp->b[idx];
	/* Depot-only buckets and the tracked: one take at a time. */
	if (unlikely(slow & (BUFPOOL_SLOW_TAKE_OUT |
			     BIT(BUFPOOL_SLOW_SAMPLED_BIT))) ||
	    unlikely(READ_ONCE(pool->dead)) || !cb->limit)
		goto out;
	while (i < n) {
		c = __bufpool_mag_full(cb, &m);
		/* A magazine's worth or more to go: straight off the depot. */
		if (!c && n - i >= cb->limit) {
			j = bufpool_depot_get_bulk(pool, pcp, idx, n - i,
						   bufs + i);
			if (!j)
				break;
			depot = min(depot, i);
			i += j;
			continue;
		}
		if (!c) {
			if (!bufpool_depot_get_full(pool, b, cb))
				break;
			/* As a single take counts its refill. */
			__bufpool_count(pcp, idx, BUFPOOL_STAT_DEPOT_HIT, 1);
			depot = min(depot, i);
			continue;
		}
		k = min(c, n - i);
		for (j = 0; j < k; j++) {
			slot = m->bufs[c - 1 - j];
			if (unlikely((unsigned long)slot & BUFPOOL_MAG_TRACKED))
				break;
			bufpool_mag_clear(m, c - 1 - j);
			bufs[i + j] = slot;
		}
		m->count = c - j;
		i += j;
		if (unlikely(j < k))
			break;
	}
	__bufpool_count(pcp, idx, BUFPOOL_STAT_TAKE, i);
	shift = cb->mark_shift;
	mask = cb->mark_mask;
	zero = __bufpool_zero_take(slow, gfp);
out:
	bufpool_cpu_unlock(pool, pcp);

	for (j = 0; j < i; j++) {
		bufpool_kasan_unpoison(bufs[j], b->size);
		bufpool_take_ready(bufs[j], b->size, shift, mask, zero);
		trace_bufpool_take(pool, pool->name, bufs[j], size, b->size,
				   gfp, caller, j < depot ? BUFPOOL_FROM_MAG :
							    BUFPOOL_FROM_DEPOT);
	}
	return i;
}

/* Takes of @size have a reserve to wait for. */
static bool bufpool_reserved(struct bufpool *pool, size_t size, gfp_t gfp)
{
	struct bufpool_reserved *r;

	if (__bufpool_unpooled(&pool->f, size, gfp))
		return false;
	r = READ_ONCE(pool->buckets[__bufpool_bucket(&pool->f, size)].reserve);
	return r && READ_ONCE(r->target);
}

unsigned int bufpool_take_bulk(struct bufpool *pool, size_t size, gfp_t gfp,
			       unsigned int n, void **bufs)
{
	unsigned long caller = _RET_IP_;
	unsigned int i = 0;

	might_alloc(gfp);
	if (WARN_ON_ONCE(!pool) || !n || WARN_ON_ONCE(!bufs))
		return 0;
	if (bufpool_rt_refused(pool, caller))
		return 0;
	if (!__bufpool_unpooled(&pool->f, size, gfp))
		i = bufpool_take_bulk_mag(pool, __bufpool_bucket(&pool->f, size),
					  size, gfp, n, bufs, caller);
	/*
	 * The rest one by one: the depot-only, the allocator, tracking.  A
	 * reserve's bucket waits for none but the first: the caller may need
	 * to return those it has before any comes back.
	 */
	for (; i < n; i++) {
		if (i && bufpool_reserved(pool, size, gfp))
			gfp &= ~__GFP_DIRECT_RECLAIM;
		bufs[i] = bufpool_take_from(pool, size, gfp, NUMA_NO_NODE,
					    caller);
		if (!bufs[i])
			break;
	}
	return i;
}
EXPORT_SYMBOL_GPL(bufpool_take_bulk);

/*
 * A bulk return's direct run (bufpool_depot_get_empty()): the depot's
 * empty magazines it fills in place of this CPU's, the room reserved for
 * them under the depot's cap, and how much of it no magazine has started
 * on yet.
 */
struct bufpool_direct {
	struct list_head mags;
	unsigned int room;
	unsigned int left;
	unsigned int mag_size;
};

/*
 * Start a direct run of up to @nr buffers of @b: its first magazine in
 * *@mp, that magazine's room in *@limitp.  False if the depot has no room
 * under its cap, or no magazine could be had.
 */
static bool bufpool_direct_start(struct bufpool *pool,
				 struct bufpool_bucket *b, unsigned int nr,
				 struct bufpool_direct *dr,
				 struct bufpool_mag **mp, unsigned int *limitp)
{
	INIT_LIST_HEAD(&dr->mags);
	dr->room = bufpool_depot_get_empty(pool, b, nr, &dr->mags);
	if (!dr->room)
		return false;
	dr->mag_size = b->mag_size;
	*mp = list_first_entry(&dr->mags, struct bufpool_mag, list);
	*limitp = min(dr->mag_size, dr->room);
	dr->left = dr->room - *limitp;
	return true;
}

/* The run's magazine in *@mp is full: the next, if it has one. */
static bool bufpool_direct_next(struct bufpool_direct *dr,
				struct bufpool_mag **mp, unsigned int *limitp)
{
	if (!dr->left || list_is_last(&(*mp)->list, &dr->mags))
		return false;
	*mp = list_next_entry(*mp, list);
	*limitp = min(dr->mag_size, dr->left);
	dr->left -= *limitp;
	return true;
}

/*
 * The magazine part of bufpool_return_bulk(): put the buffers of @bufs,
 * from the first, into this CPU's magazines (trading a full one for an
 * empty one with the depot), and past them into the depot's empty
 * magazines (a direct run) unless *@short_run says that one run of this
 * call was cut short before it filled a magazine (an array that mixes
 * buckets or bad entries: then each run would cost a magazine for a few
 * buffers), in one guarded section, with the checks of
 * an inline return: the owner memo or the whole owner check, the claim.
 * Stops at the first buffer a single return must do (any doubt, a bad
 * pointer, tracking's, another node's, a depot-only bucket, the depot at
 * its cap), which it leaves as it was.  Returns how many it consumed,
 * %NULL pointers included.
 */
static unsigned int bufpool_return_bulk_mag(struct bufpool *pool,
					    unsigned int n, void **bufs,
					    bool *short_run,
					    unsigned long caller)
{
	bool hooked = bufpool_track_hooked(pool);
	unsigned int i, c = 0, limit = 0, run = 0, back = 0, shift = 0, mask = 0;
	struct bufpool_direct dr = { .room = 0 };
	struct bufpool_cpu_bucket *cb = NULL;
	struct bufpool_mag *m = NULL;
	struct bufpool_bucket *b;
	struct bufpool_cpu *pcp;
	int idx, cur = -1;
	bool memo;
	void *buf;

	pcp = bufpool_cpu_trylock(pool);
	if (unlikely(!pcp))
		return 0;
	if (unlikely(READ_ONCE(pool->f.slow) & BUFPOOL_SLOW_RETURN)) {
		bufpool_cpu_unlock(pool, pcp);
		return 0;
	}
	for (i = 0; i < n; i++) {
		buf = bufs[i];
		if (!buf)
			continue;
		if (hooked && bufpool_track_return_p(pool, buf))
			break;
		idx = __bufpool_memo(pcp, buf);
		if (idx >= 0) {
			b = &pool->buckets[idx];
			memo = false;
		} else {
			b = bufpool_owner_fast(pool, buf);
			if (!b)
				break;
			idx = b - pool->buckets;
			memo = bufpool_memo_wanted(pool);
		}
		if (bufpool_remote_node(buf) != NUMA_NO_NODE)
			break;
		/*
		 * A run of one bucket fills its magazine with one count store
		 * and one counter add; another bucket, or a full magazine,
		 * ends the run.
		 */
		if (idx != cur || c == limit) {
			if (run) {
				m->count = c;
				__bufpool_count(pcp, cur, BUFPOOL_STAT_RETURN,
						run);
				run = 0;
			}
			if (unlikely(dr.room)) {
				/* The next of a direct run's magazines. */
				if (idx == cur &&
				    bufpool_direct_next(&dr, &m, &limit)) {
					c = 0;
					goto claim;
				}
				if (bufpool_depot_put_mags(pool, pcp, cur,
							   &dr.mags, dr.room) <
				    dr.mag_size)
					*short_run = true;
				dr.room = 0;
			}
			cur = -1;
			cb = &pcp->b[idx];
			if (!cb->limit)
				break;
			limit = cb->limit;
			/*
			 * Both magazines full and a magazine's worth or more to
			 * go: fill empty ones of the depot's instead, and put
			 * them back together (bufpool_depot_get_empty()).
			 */
			if (!__bufpool_mag_room(cb, &m, &c)) {
				if (n - i >= limit && !*short_run &&
				    bufpool_direct_start(pool, b, n - i, &dr, &m,
							 &limit))
					c = 0;
				else if (!bufpool_depot_put_full(pool, b, cb) ||
					 !__bufpool_mag_room(cb, &m, &c))
					break;
			}
			cur = idx;
			shift = cb->mark_shift;
			mask = cb->mark_mask;
		}
claim:
		/* Nothing above changed @buf; a double return stops here. */
		if (unlikely(!__bufpool_claim(&pool->f, buf, buf +
					      (((unsigned long)buf >> shift) &
					       mask))))
			break;
		bufpool_kasan_poison(buf);
		m->bufs[c++] = buf;
		run++;
		/* The next returns into this page may skip the check now. */
		if (memo)
			bufpool_memo_set(pool, pcp, b, idx, buf);
		trace_bufpool_return(pool, pool->name, buf, b->size, caller,
				     BUFPOOL_RET_CACHED);
		back++;
	}
	if (run) {
		m->count = c;
		__bufpool_count(pcp, cur, BUFPOOL_STAT_RETURN, run);
	}
	if (unlikely(dr.room) &&
	    bufpool_depot_put_mags(pool, pcp, cur, &dr.mags, dr.room) <
	    dr.mag_size)
		*short_run = true;
	if (back) {
		bufpool_mark_unfolded(pool);
		bufpool_decay_arm(pool);
	}
	bufpool_cpu_unlock(pool, pcp);
	return i;
}

void bufpool_return_bulk(struct bufpool *pool, unsigned int n, void **bufs)
{
	unsigned long caller = _RET_IP_;
	bool short_run = false;
	unsigned int i = 0;

	if (!n || WARN_ON_ONCE(!pool) || WARN_ON_ONCE(!bufs))
		return;
	while (i < n) {
		if (!IS_ENABLED(CONFIG_PREEMPT_RT))
			i += bufpool_return_bulk_mag(pool, n - i, bufs + i,
						     &short_run, caller);
		/* The one it stopped at, as a single return does it. */
		if (i < n)
			__bufpool_return_caller(pool, bufs[i++], caller);
	}
}
EXPORT_SYMBOL_GPL(bufpool_return_bulk);

/**
 * bufpool_return_caller() - __bufpool_return() on behalf of @caller
 * @pool: the pool
 * @buf: the buffer
 * @caller: who returned it, for messages and events
 *
 * For returns done later than their caller made them (defer.c, nolock.c),
 * or on behalf of another entry point.
 *
 * Context: as bufpool_return().
 */
void bufpool_return_caller(struct bufpool *pool, void *buf,
			   unsigned long caller)
{
	__bufpool_return_caller(pool, buf, caller);
}

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
