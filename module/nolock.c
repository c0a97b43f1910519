// SPDX-License-Identifier: GPL-2.0
/*
 * bufpool's take and return for any context, NMI included: what a tracer,
 * a perf handler or a watchdog may call where no lock may be waited for
 * and no allocator called (the kernel has kmalloc_nolock() since 6.18;
 * modules on 6.1 and 6.12 have nothing).
 *
 * bufpool_take_nolock() pops an idle buffer off this CPU's magazines in a
 * guarded section, or fails at once: the section is the interrupted
 * context's, the magazines are empty (the depot's lock is not tried), the
 * pool records every take or is dying.  bufpool_return_nolock() outside
 * NMI is bufpool_return(), which any context but NMI may call; in NMI it
 * puts the buffer in this CPU's slots for deferred returns, claimed with
 * one cmpxchg each, and an irq_work returns them from the next interrupt
 * with every check of a return, as the kernel defers its frees from
 * contexts that cannot do them.  The slots are per CPU and written only by
 * that CPU's NMIs, and read only by its irq_work: an NMI that fills one
 * has finished before the irq_work it interrupted goes on.
 */
#include <linux/hardirq.h>
#include <linux/irq_work.h>
#include <linux/percpu.h>

#include "internal.h"

#include <trace/events/bufpool.h>

void *bufpool_take_nolock(struct bufpool *pool, size_t size)
{
	unsigned long caller = _RET_IP_;
	struct bufpool_cpu_bucket *cb;
	struct bufpool_bucket *b;
	struct bufpool_cpu *pcp;
	struct bufpool_mag *m;
	unsigned int idx, n;
	void *buf = NULL;

	/* PREEMPT_RT: the per-CPU lock sleeps; no context may try it here. */
	if (IS_ENABLED(CONFIG_PREEMPT_RT) || unlikely(!pool) ||
	    __bufpool_unpooled(&pool->f, size, 0))
		return NULL;
	idx = __bufpool_bucket(&pool->f, size);
	b = &pool->buckets[idx];
	pcp = bufpool_cpu_trylock(pool);
	if (unlikely(!pcp))
		return NULL;
	/* A pool that records every take, or is dead: no take here. */
	if (unlikely(READ_ONCE(pool->f.slow) & BUFPOOL_SLOW_TAKE) ||
	    unlikely(READ_ONCE(pool->dead)))
		goto out;
	cb = &pcp->b[idx];
	n = __bufpool_mag_full(cb, &m);
	/* An idle record is tracking's to check: not in this context. */
	if (!n || unlikely((unsigned long)m->bufs[n - 1] & BUFPOOL_MAG_TRACKED))
		goto out;
	buf = bufpool_mag_pop(cb);
	__bufpool_count(pcp, idx, BUFPOOL_STAT_TAKE, 1);
out:
	bufpool_cpu_unlock(pool, pcp);
	if (!buf)
		return NULL;
	bufpool_kasan_unpoison(buf, b->size);
	trace_bufpool_take(pool, pool->name, buf, size, b->size, 0, caller,
			   BUFPOOL_FROM_MAG);
	return bufpool_take_prep(pool, b, buf, 0);
}
EXPORT_SYMBOL_GPL(bufpool_take_nolock);

/*
 * A return in NMI: into a free slot of this CPU's, for the irq_work; or,
 * every slot taken, refused (slow path).
 */
VISIBLE_IF_KUNIT void bufpool_nolock_defer(struct bufpool *pool, void *buf,
					   unsigned long caller)
{
	struct bufpool_cpu_aux *aux = this_cpu_ptr(pool->aux);
	unsigned int i;

	for (i = 0; i < BUFPOOL_NOLOCK_SLOTS; i++) {
		if (!READ_ONCE(aux->nolock[i]) &&
		    !cmpxchg(&aux->nolock[i], NULL, buf)) {
			WRITE_ONCE(aux->nolock_caller[i], caller);
			irq_work_queue(&aux->nolock_work);
			return;
		}
	}
	atomic_long_inc(&pool->unpooled.nested[BUFPOOL_STAT_BAD_RETURN]);
	bufpool_warn_once(pool, BUFPOOL_WARNED_NOLOCK_FULL,
			  "return of %p by %pS in NMI refused: %u returns from NMI wait already on this CPU; the buffer stays the caller's\n",
			  buf, (void *)caller, BUFPOOL_NOLOCK_SLOTS);
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_nolock_defer);

void bufpool_return_nolock(struct bufpool *pool, void *buf)
{
	unsigned long caller = _RET_IP_;

	if (unlikely(!buf))
		return;
	if (!in_nmi()) {
		/* bufpool_return(), on behalf of the caller. */
		if (!__bufpool_return_inline(pool, buf))
			bufpool_return_caller(pool, buf, caller);
		return;
	}
	/* As bufpool_return() would, but no warning in NMI. */
	if (likely(pool))
		bufpool_nolock_defer(pool, buf, caller);
}
EXPORT_SYMBOL_GPL(bufpool_return_nolock);

/* Hard interrupt context: return what this CPU's NMIs left, from the first. */
static void bufpool_nolock_work(struct irq_work *work)
{
	struct bufpool_cpu_aux *aux = container_of(work, struct bufpool_cpu_aux,
						   nolock_work);
	struct bufpool *pool = aux->pool;
	unsigned long caller;
	unsigned int i;
	void *buf;

	for (i = 0; i < BUFPOOL_NOLOCK_SLOTS; i++) {
		/* Set: the NMI that set it is done, its caller written. */
		if (!READ_ONCE(aux->nolock[i]))
			continue;
		caller = READ_ONCE(aux->nolock_caller[i]);
		buf = xchg(&aux->nolock[i], NULL);
		/* The last one may free the pool: irq_work_sync() waits. */
		bufpool_return_caller(pool, buf, caller);
	}
}

/**
 * bufpool_nolock_init() - set up a CPU's deferred returns from NMI
 * @aux: that CPU's struct bufpool_cpu_aux of a new pool
 *
 * Context: process context.
 */
void bufpool_nolock_init(struct bufpool_cpu_aux *aux)
{
	memset(aux->nolock, 0, sizeof(aux->nolock));
	/* In hard interrupt context on PREEMPT_RT too, as elsewhere. */
	aux->nolock_work = IRQ_WORK_INIT_HARD(bufpool_nolock_work);
}

/**
 * bufpool_nolock_sync() - wait for a pool's deferred returns to finish
 * @pool: the pool, whose per-CPU data is about to be freed
 *
 * No slot holds a buffer by then (each is a buffer out, and the pool is
 * freed only when none is), but the irq_work that returned the last one
 * may still be running on its CPU.
 *
 * Context: process context.
 */
void bufpool_nolock_sync(struct bufpool *pool)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		irq_work_sync(&per_cpu_ptr(pool->aux, cpu)->nolock_work);
}
