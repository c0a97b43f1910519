/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bufpool: a bucketed buffer pool for kernel modules.
 *
 * A pool hands out physically contiguous, naturally aligned buffers from
 * power-of-two size classes ("buckets"), the way .NET's ArrayPool and WCF's
 * BufferManager do in user space.  Small buckets are backed by one kmem_cache
 * each, large ones by compound pages.  A per-CPU magazine layer in front of a
 * per-bucket depot makes bufpool_take() and bufpool_return() touch only
 * this CPU's data on the fast path.  See Documentation/design.rst.
 *
 * This header is the API.  The two wrappers at its end are inline, and
 * what their inline part reads of bufpool is in bufpool_layout.h, which is
 * this build's layout and not API.
 */
#ifndef _BUFPOOL_H
#define _BUFPOOL_H

#include <linux/bits.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/numa.h>
#include <linux/slab.h>
#include <linux/types.h>
#include <linux/version.h>

struct bufpool;

/*
 * BUFPOOL_F_NO_INIT - do not zero recycled buffers for init_on_alloc or
 * init_on_free; __GFP_ZERO is still honoured.
 */
#define BUFPOOL_F_NO_INIT	BIT(0)
/*
 * BUFPOOL_F_TRACK - tracking mode: record who takes each buffer (stack, task,
 * time) so that leaks are reported with their stacks, and check every return
 * and, by poisoning, every write after return.  The module parameter
 * bufpool.track_sample applies; bufpool.track=1 sets it for every new pool.
 * See Documentation/tracking.rst.
 */
#define BUFPOOL_F_TRACK		BIT(1)
/*
 * BUFPOOL_F_STRICT - never recycle: every return frees the buffer to the
 * backend, so that KASAN or KFENCE catch a use after return at the faulting
 * access, and the pool remembers what it freed, so that every double return
 * is refused.  For debugging only: every take allocates.  bufpool.strict=1
 * sets it for every new pool.  See Documentation/tracking.rst.
 */
#define BUFPOOL_F_STRICT	BIT(2)

/* Longest pool name, without the terminating NUL. */
#define BUFPOOL_NAME_MAX	31
/* Largest buffer bufpool_take() can hand out, pooled or not. */
#define BUFPOOL_SIZE_MAX	KMALLOC_MAX_SIZE

/**
 * struct bufpool_params - parameters of a pool; zero means "default"
 * @min_size: smallest bucket in bytes, a power of two from 8 to @max_size;
 *	0 selects 64, or @max_size if that is smaller.
 * @max_size: largest pooled bucket in bytes, a power of two up to
 *	%BUFPOOL_SIZE_MAX (4 MiB with 4 KiB pages); 0 selects 1 MiB, or
 *	@min_size if that is larger.  Larger requests are served unpooled and
 *	freed on return.
 * @max_cached_bytes: cap on the idle memory the pool's depot holds; 0 selects
 *	16 * @max_size.  The per-CPU magazines may hold @cpu_cache_bytes
 *	more per CPU at most.
 * @cpu_cache_bytes: cap on the idle memory one CPU's magazines hold; 0
 *	selects %BUFPOOL_CPU_CACHE_DEFAULT, 256 KiB.  The smaller buckets
 *	get per-CPU magazines that fit it, the larger ones are served by the
 *	depot alone; a value below 2 * @min_size gives no bucket per-CPU
 *	magazines (see "The per-CPU bound" in Documentation/tuning.rst).
 * @flags: %BUFPOOL_F_NO_INIT, %BUFPOOL_F_TRACK, %BUFPOOL_F_STRICT; other
 *	bits are rejected.
 * @track_sample: with %BUFPOOL_F_TRACK, record one take in @track_sample
 *	(1: every take); 0 selects the module parameter bufpool.track_sample.
 * @decay_ms: the decay period: every @decay_ms milliseconds the depot
 *	frees the idle buffers nobody took from it during the last period,
 *	so that memory a burst left idle goes back within two periods; 0
 *	selects the module parameter bufpool.decay_ms (5000),
 *	%BUFPOOL_DECAY_OFF keeps idle memory until pressure or
 *	bufpool_clear() (see Documentation/tuning.rst).
 * @sample_interval_ms: timed sampling: once per @sample_interval_ms
 *	milliseconds the next take of each CPU is recorded with its stack,
 *	so that a leak report names where sampled buffers were taken
 *	(see Documentation/tracking.rst); 0 selects the module parameter
 *	bufpool.sample_interval_ms (4), %BUFPOOL_SAMPLE_OFF none.
 *
 * A zero-initialised structure, or a %NULL pointer in its place, means all
 * defaults.
 */
struct bufpool_params {
	size_t min_size;
	size_t max_size;
	size_t max_cached_bytes;
	size_t cpu_cache_bytes;
	unsigned int flags;
	unsigned int track_sample;
	unsigned int decay_ms;
	unsigned int sample_interval_ms;
};

/* &bufpool_params.cpu_cache_bytes when 0: 256 KiB per CPU. */
#define BUFPOOL_CPU_CACHE_DEFAULT	(256 * 1024)

/* &bufpool_params.decay_ms: no decay. */
#define BUFPOOL_DECAY_OFF	UINT_MAX

/* &bufpool_params.sample_interval_ms: no timed sampling. */
#define BUFPOOL_SAMPLE_OFF	UINT_MAX

/**
 * bufpool_create() - create a buffer pool
 * @name: pool name, 1 to %BUFPOOL_NAME_MAX characters from
 *	``[A-Za-z0-9_.-]``, the first a letter or digit; unique among live
 *	pools.  It names the pool's slab caches and messages.
 * @params: parameters, or %NULL for all defaults.
 *
 * Context: Process context; may sleep.
 * Return: the new pool, or ERR_PTR(-EINVAL) for a bad name or parameters,
 * ERR_PTR(-EEXIST) if a live pool has this name, ERR_PTR(-ENOMEM) if out of
 * memory.
 */
struct bufpool *bufpool_create(const char *name,
			       const struct bufpool_params *params);

/**
 * bufpool_destroy() - destroy a buffer pool
 * @pool: the pool, or %NULL (then nothing happens).
 *
 * Frees every idle buffer.  Buffers still taken are reported (count and
 * bytes, and where they were taken if the pool is tracked) and stay valid:
 * they may still be returned, and the pool's memory is released when the
 * last one comes back.  As with kmem_cache_destroy(), @pool must not be
 * used for anything else afterwards: a bufpool_take() that races with the
 * destroy, or comes while buffers are still out, fails with a one-time
 * warning; one that comes after the last buffer is back uses freed memory
 * (KASAN reports it; a tracked pool is kept as a tombstone that reports it,
 * see Documentation/tracking.rst).
 *
 * Context: Process context; may sleep.
 */
void bufpool_destroy(struct bufpool *pool);

/**
 * __bufpool_take() - take a buffer from a pool, out of line
 * @pool: the pool.
 * @size: bytes needed.
 * @gfp: allocation flags.
 *
 * What bufpool_take() calls when its inline path cannot serve the take, and
 * the whole of bufpool_take() where there is none.  Not for direct use.
 *
 * Context: as bufpool_take().
 * Return: as bufpool_take().
 */
void *__bufpool_take(struct bufpool *pool, size_t size, gfp_t gfp);

/**
 * __bufpool_take_node() - take a buffer of a node's memory, out of line
 * @pool: the pool.
 * @size: bytes needed.
 * @gfp: allocation flags.
 * @node: the node.
 *
 * What bufpool_take_node() calls for a node.  Not for direct use.
 *
 * Context: as bufpool_take_node().
 * Return: as bufpool_take_node().
 */
void *__bufpool_take_node(struct bufpool *pool, size_t size, gfp_t gfp,
			  int node);

/**
 * __bufpool_return() - give a buffer back to its pool, out of line
 * @pool: the pool the buffer was taken from.
 * @buf: the buffer, or %NULL.
 *
 * What bufpool_return() calls when its inline path cannot take the buffer
 * back, and the whole of bufpool_return() where there is none.  Not for
 * direct use.
 *
 * Context: as bufpool_return().
 */
void __bufpool_return(struct bufpool *pool, void *buf);

/**
 * bufpool_take_bulk() - take several buffers of one size at once
 * @pool: the pool.
 * @size: bytes needed per buffer, as for bufpool_take().
 * @gfp: allocation flags, as for bufpool_take().
 * @n: how many buffers.
 * @bufs: room for @n pointers, where the buffers go from the first on.
 *
 * As @n calls of bufpool_take(), in one: the buffers this CPU holds idle
 * come off its magazines in one guarded section, refilled from the depot a
 * whole magazine at a time, and only the rest are taken one by one (from
 * the allocator, or where tracking records the take).  Unlike
 * kmem_cache_alloc_bulk(), a take that fails part-way keeps what it took.
 *
 * Context: as bufpool_take().
 * Return: how many buffers it took, 0 to @n, in the first entries of
 * @bufs; 0 also for a %NULL @pool or @bufs, or a @size bufpool_take()
 * refuses.
 */
unsigned int bufpool_take_bulk(struct bufpool *pool, size_t size, gfp_t gfp,
			       unsigned int n, void **bufs);

/**
 * bufpool_return_bulk() - give several buffers back at once
 * @pool: the pool the buffers were taken from.
 * @n: how many pointers @bufs holds.
 * @bufs: the buffers, of any of @pool's sizes; %NULL entries are skipped.
 *
 * As @n calls of bufpool_return(), in one: the buffers that an inline
 * return would take go into this CPU's magazines in one guarded section,
 * a full magazine going to the depot whole; every other entry gets a
 * single return.  So each bad entry (a double return, another pool's
 * buffer, a kmalloc() object, an interior pointer) is refused and counted
 * as bufpool_return() refuses it, and the good ones are taken back.
 *
 * Context: as bufpool_return().
 */
void bufpool_return_bulk(struct bufpool *pool, unsigned int n, void **bufs);

/**
 * bufpool_take_nolock() - take an idle buffer in any context, NMI included
 * @pool: the pool.
 * @size: bytes needed, as for bufpool_take().
 *
 * Never sleeps, spins or calls an allocator: it pops an idle buffer of
 * @size's bucket off this CPU's magazines, or fails at once: when they
 * hold none (the depot is not tried: it has a lock), when the context it
 * interrupted is in the middle of a take or return of @pool on this CPU,
 * when @pool records every take or is strict (a record needs the
 * allocator), or when @pool is being destroyed.  A pool sampled by count
 * or by time does not record these takes.  The buffer is zeroed only as
 * init_on_alloc says, as for a bufpool_take() without %__GFP_ZERO.
 * Give it back with bufpool_return_nolock(), or bufpool_return() where
 * that may be called.  No warning is printed, also for a %NULL @pool.
 *
 * Context: Any context, NMI included.  On PREEMPT_RT, whose per-CPU lock
 * is a sleeping lock, it always fails.
 * Return: the buffer, or %NULL.
 */
void *bufpool_take_nolock(struct bufpool *pool, size_t size);

/**
 * bufpool_return_nolock() - give a buffer back from any context
 * @pool: the pool the buffer was taken from.
 * @buf: the buffer, or %NULL (then nothing happens).
 *
 * Outside NMI this is bufpool_return().  In NMI the buffer waits in one of
 * this CPU's few slots for returns from NMI, and an irq_work returns it
 * from the next hard interrupt with every check of bufpool_return(): a
 * bad pointer is refused and counted there.  Only when every slot of this
 * CPU is taken is the return refused at once (one-time warning, counted as
 * a bad return), and the buffer stays out and the caller's.
 *
 * Context: Any context, NMI included.
 */
void bufpool_return_nolock(struct bufpool *pool, void *buf);

/* For code built against bufpools with and without the bulk calls. */
#define BUFPOOL_HAVE_BULK	1

/* Most buffers one bucket's reserve keeps (bufpool_reserve()). */
#define BUFPOOL_RESERVE_MAX	4096

/**
 * bufpool_reserve() - keep buffers of one size for takes that must not fail
 * @pool: the pool, not bufpool_shared(): a reserve is its pool's own.
 * @size: bytes, as for bufpool_take(): the reserve is of @size's bucket.
 * @nr: how many buffers the reserve keeps; 0 frees it.
 *
 * As mempool's min_nr: @nr new buffers of @size's bucket, idle but out of
 * reach of the shrinker, the decay and bufpool_clear(), for takes of that
 * bucket that find no idle buffer and the allocator failing.  Such a take
 * asks the allocator without direct reclaim first, then the reserve, then
 * the allocator with its own @gfp (without retrying or warning), and then,
 * if @gfp allows direct reclaim, waits for a return (again and again, as
 * mempool_alloc() does): a take of a reserved bucket that may sleep does
 * not return %NULL, and one that may not gets a reserved buffer or %NULL at
 * once.  Past its first buffer, a bulk take neither waits nor reclaims for
 * the rest.  While the reserve holds fewer than @nr, every return of that
 * bucket refills it (and wakes a waiting take), and the pool's returns
 * leave their inline path; full, it costs takes and returns nothing.
 *
 * A second call sets a new size: more buffers are allocated now, fewer are
 * freed now.  The reserve's buffers count as idle.  bufpool_destroy()
 * frees them.
 *
 * Context: Process context; may sleep (it allocates with %GFP_KERNEL).
 * Return: 0; -%EINVAL for a %NULL @pool, a @size outside the pool's
 * buckets, an @nr over %BUFPOOL_RESERVE_MAX or a quarter of the memory;
 * -%EPERM for the shared pool; -%ENODEV for a destroyed pool; -%ENOMEM if
 * the buffers could not be allocated, and then the reserve is as before.
 */
int bufpool_reserve(struct bufpool *pool, size_t size, unsigned int nr);

/* For code built against bufpools with and without bufpool_reserve(). */
#define BUFPOOL_HAVE_RESERVE	1

/**
 * bufpool_buf_size() - usable size of a buffer
 * @pool: the pool the buffer was taken from.
 * @buf: a buffer taken from @pool and not yet returned.
 *
 * Context: Any context.
 * Return: the size of @buf's bucket (or, unpooled, its page allocation), or
 * 0 if @pool or @buf is %NULL or @buf is not a buffer of @pool.
 */
size_t bufpool_buf_size(struct bufpool *pool, const void *buf);

/**
 * bufpool_clear() - free every idle buffer of a pool
 * @pool: the pool, or %NULL (then nothing happens).
 *
 * Empties the depot and the magazines of every CPU.  Buffers that are taken
 * are not affected.
 *
 * Context: Process context; may sleep.
 */
void bufpool_clear(struct bufpool *pool);

/**
 * bufpool_shared() - the shared pool
 *
 * A pool with default parameters, created when the bufpool module loads and
 * destroyed when it unloads.  Modules that use it depend on bufpool, so it
 * outlives them.
 *
 * Context: Any context.
 * Return: the shared pool.
 */
struct bufpool *bufpool_shared(void);

/*
 * bufpool_take() and bufpool_return() are inline: their fast paths,
 * __bufpool_take_inline() and __bufpool_return_inline(), and the layout
 * those read.  Not API.
 */
#include "bufpool_layout.h"

/**
 * bufpool_take() - take a buffer from a pool
 * @pool: the pool.
 * @size: bytes needed, 1 to %BUFPOOL_SIZE_MAX.
 * @gfp: allocation flags, as for kmalloc(); %__GFP_ZERO zeroes the buffer.
 *
 * The buffer comes from the smallest bucket that holds @size and is
 * bufpool_buf_size() bytes long, physically contiguous and aligned to
 * min(bufpool_buf_size(), PAGE_SIZE) at least.  A request above the pool's
 * max_size is served unpooled, from the page allocator, and so is one whose
 * @gfp names a zone (%__GFP_DMA, %__GFP_DMA32) or asks for memcg accounting
 * (%__GFP_ACCOUNT): a recycled buffer could not honour those.  The buffer
 * may be used for copy_to_user() and copy_from_user().  May be used in fast
 * paths.
 *
 * Context: Any context but NMI; sleeps only if @gfp allows it.  On
 * PREEMPT_RT, as for kmalloc(), only where sleeping locks may be taken
 * (task context, threaded interrupt handlers, softirqs): the pool's
 * per-CPU and depot locks are sleeping locks there.  A take in hard
 * interrupt context proper (a non-threaded handler, an hrtimer callback
 * not marked soft), with interrupts or preemption disabled or a raw
 * spinlock held is refused on PREEMPT_RT: it returns %NULL, with a
 * one-time warning naming the caller.
 * Return: the buffer, or %NULL if @size is 0 or too large, memory is short,
 * the pool is being destroyed, or (PREEMPT_RT) the context is refused.
 */
static __always_inline void *bufpool_take(struct bufpool *pool, size_t size,
					  gfp_t gfp)
{
	void *buf;

	if (likely(__bufpool_take_inline(pool, size, gfp, &buf)))
		return buf;
	return __bufpool_take(pool, size, gfp);
}

/**
 * bufpool_take_node() - take a buffer of a node's memory from a pool
 * @pool: the pool.
 * @size: bytes needed, as for bufpool_take().
 * @gfp: allocation flags, as for bufpool_take().
 * @node: the node whose memory the buffer should be, as for kmalloc_node(),
 *	or %NUMA_NO_NODE for any (then this is bufpool_take()).
 *
 * A buffer comes from the pool's idle buffers of @node's memory (its depot
 * there; this CPU's magazines if @node is this CPU's memory node), else
 * from the allocator on @node, which falls back to other nodes unless @gfp
 * has %__GFP_THISNODE.  Returned, it goes back to the depot of its memory's
 * node, wherever the return runs.  A node that is not online gets %NULL
 * and a warning (none with %__GFP_NOWARN).
 *
 * Context: as bufpool_take().
 * Return: the buffer, or %NULL as for bufpool_take() or for a bad @node.
 */
static __always_inline void *bufpool_take_node(struct bufpool *pool,
					       size_t size, gfp_t gfp,
					       int node)
{
	if (node == NUMA_NO_NODE)
		return bufpool_take(pool, size, gfp);
	return __bufpool_take_node(pool, size, gfp, node);
}

/**
 * bufpool_return() - give a buffer back to its pool
 * @pool: the pool the buffer was taken from.
 * @buf: the buffer, or %NULL (then nothing happens).
 *
 * Ownership is checked exactly: a pointer that is not the start of one of
 * @pool's own buffers (outside the direct map, an interior pointer, a
 * foreign page, a kmalloc() object or any other slab cache's object of
 * whatever size, another pool's buffer, a buffer that is already idle in
 * the pool) is rejected with a one-time warning and counted; it is neither
 * reused nor freed, so its owner can still free it.  A page buffer that
 * someone else still holds a page reference to is not recycled: the pool
 * drops its own reference instead.  In tracking mode a rejected return of a
 * tracked buffer (double return, wrong pool) gets a report with the stacks
 * involved, as does any pointer that is not a buffer out of a pool that
 * tracks every buffer.  May be used in fast paths.
 *
 * Context: Any context but NMI; never sleeps.  On PREEMPT_RT, where it
 * may block briefly on the pool's sleeping locks, a return from a context
 * bufpool_take() refuses is deferred: a pointer that is not one of @pool's
 * buffers is rejected there, and a buffer of @pool is returned shortly
 * after from process context, with every check.  Only when 64 such
 * returns wait already is it refused (one-time warning, counted as a bad
 * return), and the buffer stays out and the caller's.
 */
static __always_inline void bufpool_return(struct bufpool *pool, void *buf)
{
	if (!__bufpool_return_inline(pool, buf))
		__bufpool_return(pool, buf);
}

/**
 * struct bufpool_buf - a buffer that belongs to a scope
 * @pool: the pool it was taken from.
 * @p: the buffer, or %NULL: the take failed, or bufpool_buf_keep() took it.
 *
 * What ``CLASS(bufpool_buf, b)(pool, size, gfp)`` declares (linux/cleanup.h,
 * kernels from 6.5 on): b.p is bufpool_take(pool, size, gfp), and when b
 * goes out of scope, by any path, b.p goes back to b.pool with
 * bufpool_return().  bufpool_buf_keep() hands the buffer over instead, as
 * no_free_ptr() does for __free().
 */
struct bufpool_buf {
	struct bufpool *pool;
	void *p;
};

/**
 * bufpool_buf_keep() - take a scoped buffer out of its scope
 * @b: the scoped buffer.
 *
 * From now on nothing is returned when @b's scope ends: the caller owns
 * the buffer, as after a plain bufpool_take().
 *
 * Context: Any context.
 * Return: the buffer, @b->p (%NULL if the take failed).
 */
static inline void *bufpool_buf_keep(struct bufpool_buf *b)
{
	void *p = b->p;

	b->p = NULL;
	return p;
}

/* linux/cleanup.h and its classes came with 6.5. */
#if LINUX_VERSION_MAJOR > 6 || \
	(LINUX_VERSION_MAJOR == 6 && LINUX_VERSION_PATCHLEVEL >= 5)
#include <linux/cleanup.h>

/* bufpool_return() of %NULL does nothing: a failed or kept take returns none. */
DEFINE_CLASS(bufpool_buf, struct bufpool_buf,
	     bufpool_return(_T.pool, _T.p),
	     ((struct bufpool_buf){ .pool = pool,
				    .p = bufpool_take(pool, size, gfp) }),
	     struct bufpool *pool, size_t size, gfp_t gfp)
/* For clients built for kernels with and without the class. */
#define BUFPOOL_HAVE_SCOPED	1
#endif /* 6.5 */

#endif /* _BUFPOOL_H */
