// SPDX-License-Identifier: GPL-2.0
/*
 * PREEMPT_RT: returns from contexts that cannot sleep, deferred.
 *
 * On PREEMPT_RT the pool's per-CPU and depot locks sleep, so a return from
 * hard interrupt context proper, with interrupts or preemption disabled or
 * a raw spinlock held cannot go into the magazines there.  bufpool_return()
 * returns nothing, so such a return cannot be refused without losing the
 * buffer: it is deferred instead.  The owner check, which takes no lock,
 * runs at once: a pointer that is not one of the pool's buffers is refused
 * there and then, counted and warned about, and stays its owner's.  One of
 * the pool's buffers goes into the pool's deferral array, under a raw
 * spinlock, and a work item returns it from process context, with every
 * check of a return, as the caller's return.  A full array (more than
 * BUFPOOL_DEFER_MAX deferred returns waiting) refuses the return as
 * before: the buffer stays out and the caller's.  bufpool_destroy() runs
 * the deferred returns before it reports what is out.  See
 * Documentation/kernels.rst.
 */
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "internal.h"

#include <trace/events/bufpool.h>

/* Return the deferred buffers, one at a time, in process context. */
static void bufpool_defer_work(struct work_struct *work)
{
	struct bufpool_defer *d = container_of(work, struct bufpool_defer,
					       work);
	struct bufpool *pool = container_of(d, struct bufpool, defer);
	unsigned long flags, caller;
	void *buf;

	for (;;) {
		raw_spin_lock_irqsave(&d->lock, flags);
		if (!d->nr) {
			raw_spin_unlock_irqrestore(&d->lock, flags);
			return;
		}
		d->nr--;
		buf = d->bufs[d->nr];
		caller = d->callers[d->nr];
		raw_spin_unlock_irqrestore(&d->lock, flags);
		bufpool_return_caller(pool, buf, caller);
	}
}

/**
 * bufpool_defer_init() - set up a pool's deferred returns
 * @pool: the pool
 *
 * Context: process context.
 */
void bufpool_defer_init(struct bufpool *pool)
{
	raw_spin_lock_init(&pool->defer.lock);
	INIT_WORK(&pool->defer.work, bufpool_defer_work);
}

/**
 * bufpool_defer_flush() - run a pool's deferred returns now
 * @pool: the pool
 *
 * Returns every buffer deferred before the call.
 *
 * Context: process context; sleeps.
 */
void bufpool_defer_flush(struct bufpool *pool)
{
	flush_work(&pool->defer.work);
	bufpool_defer_work(&pool->defer.work);
}

/**
 * bufpool_defer_return() - a return from a context that cannot sleep
 * @pool: the pool
 * @buf: the returned pointer, not %NULL
 * @caller: who returned it
 *
 * Context: any context but NMI; never sleeps.
 */
noinline void bufpool_defer_return(struct bufpool *pool, void *buf,
				   unsigned long caller)
{
	struct bufpool_defer *d = &pool->defer;
	const char *why = NULL;
	unsigned long flags;
	bool queued = false;

	/* Lockless: virt_addr_valid(), struct page, the index's RCU lookup. */
	if (!bufpool_owner(pool, buf, &why)) {
		atomic_long_inc(&pool->unpooled.nested[BUFPOOL_STAT_BAD_RETURN]);
		trace_bufpool_bad_return(pool, pool->name, buf, why, caller);
		bufpool_warn_once(pool, BUFPOOL_WARNED_BAD_RETURN,
				  "rejected return of %p by %pS: %s; later bad returns are only counted\n",
				  buf, (void *)caller, why);
		return;
	}
	raw_spin_lock_irqsave(&d->lock, flags);
	if (d->nr < BUFPOOL_DEFER_MAX) {
		d->bufs[d->nr] = buf;
		d->callers[d->nr] = caller;
		d->nr++;
		queued = true;
	}
	raw_spin_unlock_irqrestore(&d->lock, flags);
	if (likely(queued)) {
		/* Its locks are raw: any context may queue a work item. */
		queue_work(system_wq, &d->work);
		return;
	}
	atomic_long_inc(&pool->unpooled.nested[BUFPOOL_STAT_BAD_RETURN]);
	bufpool_warn_once(pool, BUFPOOL_WARNED_RT_CONTEXT,
			  "return by %pS refused: on PREEMPT_RT, %u returns from contexts that cannot sleep are already waiting to be done; the buffer stays out and the caller's; later ones are only counted as bad returns\n",
			  (void *)caller, BUFPOOL_DEFER_MAX);
}
