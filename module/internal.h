/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bufpool internals, shared by the module's files and its KUnit suite.
 *
 * A pool has one bucket per power-of-two size from min_size to max_size.
 * Each bucket has a backend (a kmem_cache up to PAGE_SIZE, compound pages
 * above), a depot of full and empty magazines behind a spinlock, and on each
 * CPU two magazines ("loaded" and "prev", as in Bonwick's magazine allocator
 * and SLUB's sheaves) behind the pool's per-CPU guard.  Takes and returns
 * touch only this CPU's magazines unless both are empty (take) or full
 * (return); then a whole magazine is exchanged with the depot.
 *
 * An idle pooled buffer carries a marker in one word, its first or one a
 * cache line further that its address chooses (bufpool_idle_mark(),
 * __bufpool_marker()), so that returning it again is caught cheaply.
 */
#ifndef _BUFPOOL_INTERNAL_H
#define _BUFPOOL_INTERNAL_H

#include <linux/cache.h>
#include <linux/cpumask.h>
#include <linux/hash.h>
#include <linux/irq_work.h>
#include <linux/jump_label.h>
#include <linux/kasan.h>
#include <linux/kmemleak.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/local_lock.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/preempt.h>
#include <linux/random.h>
#include <linux/srcu.h>
#include <linux/poison.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/topology.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <kunit/visibility.h>

struct dentry;
struct notifier_block;
struct seq_file;

#include "../include/bufpool.h"
#include "compat.h"

extern const char * const bufpool_stat_names[BUFPOOL_STAT_COUNT];

/* Defaults for a zero field of struct bufpool_params. */
#define BUFPOOL_DEFAULT_MIN_SIZE	64
#define BUFPOOL_DEFAULT_MAX_SIZE	SZ_1M
#define BUFPOOL_DEFAULT_BUDGET_MULT	16	/* max_cached_bytes = 16 * max_size */
/* Smallest bucket: the idle marker needs one word. */
#define BUFPOOL_MIN_SIZE_MIN		sizeof(unsigned long)

/* Most slab buckets a pool can have: 8 bytes to PAGE_SIZE. */
#define BUFPOOL_SLAB_MAX		(PAGE_SHIFT - 2)
/*
 * The owner check finds a slab cache's bucket in a table of this many
 * slots, indexed by bits of the cache's address that tell the pool's caches
 * apart (backend.c chooses them).  An empty slot holds BUFPOOL_SLAB_MAX,
 * whose entry of bufpool::slab_cache is BUFPOOL_SLAB_NONE: no slab's cache
 * word can equal it (a cache is word-aligned, and a page whose word has
 * bit 0 set is a tail page, never a folio), not even a %NULL one.
 */
#define BUFPOOL_SLAB_SLOTS		64
#define BUFPOOL_SLAB_NONE		((struct kmem_cache *)1UL)

/*
 * Magazines: up to BUFPOOL_MAG_MAX buffers.  A pool's per-CPU magazines
 * hold at most bufpool_params.cpu_cache_bytes a CPU
 * (BUFPOOL_CPU_CACHE_DEFAULT by default): bufpool_init_buckets() picks the
 * most bytes a magazine may hold that fits that, BUFPOOL_MAG_BYTES or
 * max_size at most, and the buckets larger than that are served by the
 * depot alone (Documentation/tuning.rst, "The per-CPU bound").
 */
#define BUFPOOL_MAG_MAX			32
#define BUFPOOL_MAG_BYTES		SZ_64K

/**
 * struct bufpool_depot - a bucket's idle magazines of one node's memory
 * @lock: protects the rest
 * @full: magazines holding buffers, the most recently put first; ready for
 *	a CPU whose magazines are empty.  The first may be partly full: single
 *	buffers (a depot-only bucket's, a return of another node's memory)
 *	go in and out there; so may the last that a bulk return's run filled,
 *	if the first had no room for its buffers (bufpool_depot_put_mags()),
 *	wherever later puts leave it
 * @empty: empty magazines, ready for a CPU whose magazines are full
 * @nr_full: entries in @full
 * @nr_empty: entries in @empty
 * @nr_bufs: buffers in the magazines on @full
 * @reap_min: the fewest entries @full had since the last decay step: the
 *	magazines nobody took in that period, which the next step frees
 *
 * As SLUB's barn, one per node: a CPU trades magazines with its own node's
 * depot, and a buffer goes back to the depot of its memory's node.
 */
struct bufpool_depot {
	spinlock_t lock;	/* protects the rest */
	struct list_head full;
	struct list_head empty;
	unsigned int nr_full;
	unsigned int nr_empty;
	unsigned int reap_min;
	unsigned long nr_bufs;
} ____cacheline_aligned_in_smp;

/**
 * struct bufpool_node - what a pool counts per node
 * @cpu_idle_bytes: bytes idle in the per-CPU magazines of the node's CPUs
 *	as each CPU last folded them (bufpool_cpu_bucket::mag_base, on slow
 *	paths): within bufpool::cpu_bound per CPU of the truth
 * @unfolded: a return put buffers in such a magazine since a drain last
 *	folded them all: the shrinker's count must not say the node's CPUs
 *	hold nothing
 */
struct bufpool_node {
	atomic_long_t cpu_idle_bytes;
	bool unfolded;
};

/**
 * struct bufpool_bucket - one size class of a pool
 * @size: buffer size, a power of two; 0 for the unpooled pseudo-bucket
 * @order: page order of a buffer (0 for slab buckets)
 * @mag_size: capacity of this bucket's magazines
 * @cpu_limit: capacity of its per-CPU magazines: @mag_size, or 0 for a
 *	bucket that the depot alone serves (its per-CPU magazines are
 *	bufpool_mag_none, which never holds a buffer), in magazines of one
 * @cache: the slab cache, or %NULL if buffers are compound pages
 * @pool: the pool this bucket belongs to
 * @depots: the depot of each node (nr_node_ids of them), which holds only
 *	memory of that node
 * @reserve: its reserve (reserve.c), allocated by the first
 *	bufpool_reserve() of this bucket, or %NULL
 * @free_gen: buffers of this bucket freed to the backend, counted before
 *	each free (the inline owner check's memo, __bufpool_memo(), reads
 *	it); on a line of its own, written by frees and read by every return
 *	the memo serves
 * @nested: events counted by a context that found its CPU's guard held
 *	(an interrupt in the middle of a guarded section), added to the
 *	per-CPU counters on read
 * @out_approx: buffers out, folded in from the CPUs on slow paths; behind
 *	the exact count by at most 2 * @cpu_limit per CPU (BUFPOOL_OUT_BATCH
 *	in a depot-only bucket)
 * @peak_out: highest @out_approx seen since creation or the last reset
 */
struct bufpool_bucket {
	size_t size;
	unsigned int order;
	unsigned int mag_size;
	unsigned int cpu_limit;
	struct kmem_cache *cache;
	struct bufpool *pool;

	struct bufpool_depot *depots;
	struct bufpool_reserved *reserve;

	atomic_long_t free_gen ____cacheline_aligned_in_smp;

	atomic_long_t nested[BUFPOOL_STAT_COUNT] ____cacheline_aligned_in_smp;
	atomic_long_t out_approx;
	unsigned long peak_out;
};

/**
 * struct bufpool_reserved - a bucket's reserve for forward progress
 *	(reserve.c, bufpool_reserve())
 * @lock: protects @held, @target, @cap, @bufs and @low; taken with
 *	interrupts off, inside no other bufpool lock
 * @held: idle buffers in @bufs
 * @target: how many it keeps: while @held is less, returns refill it
 * @cap: slots in @bufs
 * @low: @held is less than @target (counted in bufpool::reserve_low)
 * @bufs: the buffers, as magazine slots hold them
 * @wait: takes that wait for a return
 * @takes: takes it served
 * @waits: takes that waited for a return
 * @empty: takes that found it empty and could not wait
 */
struct bufpool_reserved {
	spinlock_t lock;	/* see above */
	unsigned int held;
	unsigned int target;
	unsigned int cap;
	bool low;
	void **bufs;
	wait_queue_head_t wait;
	atomic_long_t takes;
	atomic_long_t waits;
	atomic_long_t empty;
};

/* A take that waited for its reserve starts over (reserve.c). */
#define BUFPOOL_TAKE_AGAIN		ERR_PTR(-EAGAIN)

/* Returns deferred on PREEMPT_RT that may wait at once (defer.c). */
#define BUFPOOL_DEFER_MAX		64

/* Returns in NMI that wait for their irq_work, per pool and CPU (nolock.c). */
#define BUFPOOL_NOLOCK_SLOTS		16

/**
 * struct bufpool_defer - a pool's deferred returns (defer.c), PREEMPT_RT
 * @lock: protects @nr, @bufs and @callers; raw, taken in any context
 * @nr: returns waiting
 * @bufs: their buffers
 * @callers: who returned each
 * @work: returns them from process context
 */
struct bufpool_defer {
	raw_spinlock_t lock;
	unsigned int nr;
	void *bufs[BUFPOOL_DEFER_MAX];
	unsigned long callers[BUFPOOL_DEFER_MAX];
	struct work_struct work;
};

/**
 * struct bufpool_cpu_aux - what a CPU holds of a pool besides its
 *	struct bufpool_cpu, which the inline paths read
 * @drain_work: empties this CPU's magazines for bufpool_clear()
 * @decay_work: frees the buffers of this CPU's magazines of the buckets in
 *	@decay_mask (bufpool_cpu_decay_work()); deferrable, so that it
 *	waits for the CPU to wake rather than wake it
 * @pool: back pointer for the work items
 * @cpu: this CPU
 * @unpooled_bytes: bytes of unpooled buffers taken minus returned on this CPU
 * @decay_mask: buckets the decay step found idle and untouched here for a
 *	whole period, for @decay_work
 * @nolock: buffers returned in NMI on this CPU, for @nolock_work to return
 *	(nolock.c); a slot is claimed with cmpxchg() from %NULL
 * @nolock_caller: who returned each
 * @nolock_work: returns them, from hard interrupt context
 * @seen: per bucket, this CPU's takes and returns when the decay step last
 *	looked (only that step writes it)
 */
struct bufpool_cpu_aux {
	struct work_struct drain_work;
	struct delayed_work decay_work;
	struct bufpool *pool;
	unsigned int cpu;
	long unpooled_bytes;
	atomic_long_t decay_mask;
	void *nolock[BUFPOOL_NOLOCK_SLOTS];
	unsigned long nolock_caller[BUFPOOL_NOLOCK_SLOTS];
	struct irq_work nolock_work;
	unsigned long seen[];
};

/* Longest creator description kept, "function [module]". */
#define BUFPOOL_CREATOR_LEN		64

/**
 * struct bufpool_track - a pool's tracking state (track.c)
 * @sample_work: timed sampling: arms the pool (BUFPOOL_SLOW_ARMED_BIT),
 *	queued again when the armed period ends
 * @sample_jiffies: its period; 0 for no timed sampling
 * @owed: the CPUs whose next take in the armed period is recorded
 * @slack: takes of CPUs not in @owed the armed period may still send out of
 *	line before it ends (BUFPOOL_SAMPLE_SLACK)
 * @debug: tracked by count, or strict, at some time: a debugging setup,
 *	buried when freed (pool.c); a pool sampled by time alone is not
 * @guarded: sampled by time alone, the pool's inline returns trust the
 *	owner memo alone, without the records' filter: a take that makes a
 *	record moves its bucket's count of frees, and no memo names a page
 *	that @pages says may hold a record (bufpool_memo_set()); changes under
 *	@lock and bufpool_track_mutex
 * @pages: how many records each counter's pages hold, by page address
 *	hash, next to the records' filter in one allocation
 * @hooked: the pool holds a reference on bufpool_track_key, so its takes,
 *	returns and backend frees run the tracking hooks; set once, by
 *	bufpool_track_set() or at creation, and kept until the pool is freed;
 *	BUFPOOL_SLOW_HOOKED_BIT says the same to the paths that test it
 * @strict: every return frees the buffer to the backend
 * @exact: every buffer taken since creation has a record, so a returned
 *	pointer without one is not a buffer out of this pool
 * @buried: the pool is freed and this structure is a tombstone (pool.c)
 * @reported: the pool was destroyed and its buffers out were reported
 *	then; a module unload does not report them again
 * @sample: 0 to record no take, 1 to record every take, N for one in N
 * @lock: protects @records, the state of the records on it and the counts
 *	@nr_out, @nr_idle, @nr_quarantined and @quarantined_bytes
 * @records: the records of this pool's buffers
 * @nr_out: records of buffers out
 * @nr_idle: records of buffers idle in the pool (returned while tracked)
 * @nr_quarantined: buffers written after their return, kept out of use
 *	until the pool is destroyed
 * @quarantined_bytes: their size
 * @untracked: takes that were to be recorded but could not be
 * @misuse: misuse reports about returns to this pool or its buffers
 * @node: link in bufpool_track_pools while @hooked, under
 *	bufpool_track_mutex
 * @creator: who called bufpool_create(), "function [module]", kept as text
 *	because the module may be gone when the pool is reported
 */
struct bufpool_track {
	struct delayed_work sample_work;
	unsigned long sample_jiffies;
	cpumask_var_t owed;
	atomic_t slack;
	bool debug;
	bool guarded;
	bool hooked;
	bool strict;
	bool exact;
	bool buried;
	bool reported;
	unsigned int sample;
	u8 *pages;
	spinlock_t lock;	/* protects @records and the counts below it */
	struct list_head records;
	unsigned long nr_out;
	unsigned long nr_idle;
	unsigned long nr_quarantined;
	size_t quarantined_bytes;
	atomic_long_t untracked;
	atomic_long_t misuse;
	struct list_head node;
	char creator[BUFPOOL_CREATOR_LEN];
};

/**
 * struct bufpool - a buffer pool
 * @f: what the inline paths read (struct bufpool_front in
 *	include/bufpool_layout.h): the per-CPU state, the BUFPOOL_SLOW_* bits,
 *	the smallest bucket's shift, the largest bucket, the idle marker's
 *	cookie and the records' filter of a tracked pool
 * @aux: per-CPU state the inline paths do not read
 * @flags: BUFPOOL_F_*
 * @nr_buckets: number of buckets
 * @nr_slab: buckets with a slab cache, the first ones
 * @slab_shift: the owner check's table: bucket i's cache c has i in
 *	@slab_slot[(c >> @slab_shift) % BUFPOOL_SLAB_SLOTS]
 * @slab_slot: that table; BUFPOOL_SLAB_MAX in an empty slot
 * @slab_cache: the caches of the first @nr_slab buckets, then
 *	BUFPOOL_SLAB_NONE up to the last entry, which empty slots point to
 * @dead: set by bufpool_destroy(): takes fail, returns free their buffer
 * @synced: set by bufpool_destroy() once no take can be counted any more:
 *	the return that brings the buffers out to zero frees the pool
 * @released: bit 0 set by whoever queued @free_work
 * @min_size: smallest bucket size
 * @indexed: the slab caches failed bufpool_slab_probe(), or the pool is
 *	strict: ownership of slab buffers is looked up in @slab_index, and
 *	freed buffers are remembered there
 * @max_cached_bytes: cap on the bytes idle in the depots
 * @cpu_cache_bytes: bufpool_params.cpu_cache_bytes, the most one CPU's
 *	magazines may hold
 * @cpu_bound: what they may hold with the magazines chosen, at most
 *	@cpu_cache_bytes: the sum of each bucket's 2 * cpu_limit * size
 * @depot_bytes: bytes idle in the depots of all nodes, for the cap
 * @nodes: per node (nr_node_ids of them), the per-CPU magazines' idle bytes,
 *	for a count that walks nothing
 * @out_bytes_approx: bytes out, folded like bufpool_bucket::out_approx
 * @peak_bytes: highest @out_bytes_approx since creation or the last reset
 * @slab_index: with @indexed, every slab buffer allocated and the buffers
 *	freed (backend.c), keyed by physical address >> @min_shift
 * @nr_freed: entries of @slab_index for freed buffers
 * @prune_at: @nr_freed that queues @prune_work
 * @prune_work: drops freed entries whose memory is no longer a slab
 * @debugfs: the pool's debugfs directory, or %NULL
 * @creator: return address of the bufpool_create() call
 * @id: unique number, names the slab caches while a namesake is dying
 * @warned: BUFPOOL_WARNED_* bits, for one-time warnings
 * @list: link in bufpool_pools or, once destroyed, bufpool_dying; under
 *	bufpool_mutex
 * @shrinker: gives idle buffers back under memory pressure
 * @decay_work: the decay step (bufpool_decay_work()), queued while the
 *	depot holds idle memory and the pool decays
 * @decay_jiffies: the decay period, 0 for none
 * @reserve_mutex: serializes bufpool_reserve() calls
 * @reserve_lock: protects @reserve_low and BUFPOOL_SLOW_RESERVE_BIT;
 *	taken inside a reserve's lock
 * @reserve_low: buckets whose reserve holds fewer than its target
 * @reserve_waiters: takes waiting for a return to a reserve, outside
 *	bufpool_srcu; a dying pool's destroy waits for them to go
 * @free_work: frees the pool once its last buffer is back
 * @name: the pool's name
 * @track: tracking and strict mode (track.c)
 * @defer: on PREEMPT_RT, returns from contexts that cannot sleep
 * @unpooled: pseudo-bucket that owns unpooled page allocations
 * @buckets: the buckets, smallest first
 */
struct bufpool {
	struct bufpool_front f;
	struct bufpool_cpu_aux __percpu *aux;
	unsigned int flags;
	unsigned int nr_buckets;
	unsigned int nr_slab;
	unsigned int slab_shift;
	u8 slab_slot[BUFPOOL_SLAB_SLOTS];
	struct kmem_cache *slab_cache[BUFPOOL_SLAB_MAX + 1];
	bool dead;
	bool synced;
	unsigned long released;
	size_t min_size;
	bool indexed;

	size_t max_cached_bytes;
	size_t cpu_cache_bytes;
	size_t cpu_bound;
	atomic_long_t depot_bytes;
	struct bufpool_node *nodes;
	atomic_long_t out_bytes_approx;
	unsigned long peak_bytes;
	struct xarray slab_index;
	atomic_long_t nr_freed;
	unsigned long prune_at;
	struct work_struct prune_work;
	struct dentry *debugfs;
	unsigned long creator;
	unsigned int id;
	unsigned long warned;
	struct list_head list;
	struct shrinker *shrinker;
	struct work_struct free_work;
	struct delayed_work decay_work;
	unsigned long decay_jiffies;
	struct mutex reserve_mutex;	/* serializes bufpool_reserve() */
	spinlock_t reserve_lock;	/* protects reserve_low */
	unsigned int reserve_low;
	atomic_t reserve_waiters;
	char name[BUFPOOL_NAME_MAX + 1];
	struct bufpool_track track;
#ifdef CONFIG_PREEMPT_RT
	struct bufpool_defer defer;
#endif /* CONFIG_PREEMPT_RT */
	struct bufpool_bucket unpooled;
	struct bufpool_bucket buckets[];
};

/* Set or clear one of @pool's BUFPOOL_SLOW_* bits. */
static inline void bufpool_set_slow(struct bufpool *pool, unsigned int bit,
				    bool on)
{
	if (on)
		set_bit(bit, &pool->f.slow);
	else
		clear_bit(bit, &pool->f.slow);
}

/* Bits of bufpool::warned */
enum {
	BUFPOOL_WARNED_BAD_RETURN,
	BUFPOOL_WARNED_DEAD_TAKE,
	BUFPOOL_WARNED_RT_CONTEXT,
	BUFPOOL_WARNED_TRACK_BOUND,
	BUFPOOL_WARNED_NOLOCK_FULL,
};

/* Index of the stats slot that is not a bucket. */
static inline unsigned int bufpool_unpooled_slot(const struct bufpool *pool)
{
	return pool->nr_buckets;
}

/*
 * The per-CPU guard of a pool's magazines and counters
 * (__bufpool_cpu_trylock() in include/bufpool.h says how it works).  On
 * PREEMPT_RT, where the magazines may sleep on the depot's locks, it is a
 * local_lock instead: per-CPU, sleeping, and never refused.
 */
#ifdef CONFIG_PREEMPT_RT
/*
 * Sparse sees the guard as it sees the flag below, not at all: it cannot
 * follow a trylock whose callers test for a failure that never comes here.
 * Lockdep checks the local_lock.
 */
static __always_inline struct bufpool_cpu *
bufpool_cpu_trylock(struct bufpool *pool)
{
	local_lock(&pool->f.cpu->lock);
	__release(&pool->f.cpu->lock);
	return this_cpu_ptr(pool->f.cpu);
}

static __always_inline void bufpool_cpu_unlock(struct bufpool *pool,
					       struct bufpool_cpu *pcp)
{
	__acquire(&pool->f.cpu->lock);
	local_unlock(&pool->f.cpu->lock);
}
#else
static __always_inline struct bufpool_cpu *
bufpool_cpu_trylock(struct bufpool *pool)
{
	struct bufpool_cpu *pcp;

	return __bufpool_cpu_trylock(pool->f.cpu, &pcp) ? pcp : NULL;
}

static __always_inline void bufpool_cpu_unlock(struct bufpool *pool,
					       struct bufpool_cpu *pcp)
{
	__bufpool_cpu_unlock(pcp);
}
#endif /* CONFIG_PREEMPT_RT */

/*
 * On PREEMPT_RT the guard and the depot's and tracking's locks sleep.  In a
 * context that cannot sleep (hard interrupt context proper, interrupts or
 * preemption disabled, a raw spinlock held) a take is refused rather than
 * risk a deadlock: the caller gets %NULL.  A return is deferred to process
 * context (defer.c).  Elsewhere this is compiled out.
 */
void bufpool_rt_refuse(struct bufpool *pool, unsigned long caller);
void bufpool_defer_return(struct bufpool *pool, void *buf,
			  unsigned long caller);
#ifdef CONFIG_PREEMPT_RT
void bufpool_defer_init(struct bufpool *pool);
void bufpool_defer_flush(struct bufpool *pool);
#else
static inline void bufpool_defer_init(struct bufpool *pool)
{
}

static inline void bufpool_defer_flush(struct bufpool *pool)
{
}
#endif /* CONFIG_PREEMPT_RT */

static __always_inline bool bufpool_rt_refused(struct bufpool *pool,
					       unsigned long caller)
{
	if (!IS_ENABLED(CONFIG_PREEMPT_RT) || likely(preemptible()))
		return false;
	bufpool_rt_refuse(pool, caller);
	return true;
}

static __always_inline bool bufpool_rt_deferred(struct bufpool *pool,
						void *buf, unsigned long caller)
{
	if (!IS_ENABLED(CONFIG_PREEMPT_RT) || likely(preemptible()))
		return false;
	bufpool_defer_return(pool, buf, caller);
	return true;
}

/* Count @nr events in a guarded section of @pcp. */
static __always_inline void __bufpool_count(struct bufpool_cpu *pcp,
					    unsigned int slot,
					    enum bufpool_stat stat,
					    unsigned long nr)
{
	pcp->b[slot].stat[stat] += nr;
}

static inline struct bufpool_bucket *bufpool_slot_bucket(struct bufpool *pool,
							 unsigned int slot)
{
	return slot < pool->nr_buckets ? &pool->buckets[slot] :
					 &pool->unpooled;
}

/*
 * Count @nr events outside a guarded section; any context but NMI.  If
 * this CPU is in the middle of one, the bucket's shared counters take
 * them: the section's plain per-CPU adds never race with anyone.
 */
static inline void bufpool_count(struct bufpool *pool, unsigned int slot,
				 enum bufpool_stat stat, unsigned long nr)
{
	struct bufpool_cpu *pcp = bufpool_cpu_trylock(pool);

	if (likely(pcp)) {
		__bufpool_count(pcp, slot, stat, nr);
		bufpool_cpu_unlock(pool, pcp);
		return;
	}
	atomic_long_add(nr, &bufpool_slot_bucket(pool, slot)->nested[stat]);
}

/* The idle marker of @buf (__bufpool_idle_mark()). */
static inline unsigned long bufpool_idle_mark(const struct bufpool *pool,
					      const void *buf)
{
	return __bufpool_idle_mark(&pool->f, buf);
}

/*
 * The word of @buf, a buffer of @b, that holds its idle marker: what
 * __bufpool_marker() finds with @b's struct bufpool_cpu_bucket.
 */
static __always_inline unsigned long *
bufpool_marker(const struct bufpool_bucket *b, void *buf)
{
	unsigned long off = (unsigned long)buf >> __bufpool_mark_shift(b->size);

	return buf + (off & __bufpool_mark_mask(b->size));
}

/* Set @buf's idle marker; false if it was set: __bufpool_claim(). */
static __always_inline bool bufpool_claim(const struct bufpool *pool,
					  const struct bufpool_bucket *b,
					  void *buf)
{
	return __bufpool_claim(&pool->f, buf, bufpool_marker(b, buf));
}

/* Set the idle marker of @buf, a buffer of @b, which is not idle. */
static __always_inline void bufpool_mark_idle(const struct bufpool *pool,
					      const struct bufpool_bucket *b,
					      void *buf)
{
	WRITE_ONCE(*bufpool_marker(b, buf), bufpool_idle_mark(pool, buf));
}

/* Clear the idle marker of @buf, a buffer of @b. */
static __always_inline void bufpool_mark_clear(const struct bufpool_bucket *b,
					       void *buf)
{
	WRITE_ONCE(*bufpool_marker(b, buf), 0);
}

/*
 * KASAN (__bufpool_kasan_poison() in include/bufpool.h): the bytes of an
 * idle slab buffer that bufpool can count on.  KASAN writes its free track
 * (struct kasan_free_meta, at most 32 bytes) into a poisoned object, after
 * a quarantine link that mempool-style poisoning leaves alone, so the first
 * word stays, and so does the idle marker: the first word, or a cache line
 * further (__bufpool_marker()), past the track.
 */
#define BUFPOOL_KASAN_META	(__BUFPOOL_KASAN && \
				 IS_ENABLED(CONFIG_KASAN_GENERIC) ? 32 : \
				 sizeof(unsigned long))
#define bufpool_kasan_poison	__bufpool_kasan_poison
#define bufpool_kasan_unpoison	__bufpool_kasan_unpoison

/* backend.c: where buffers come from and go back to */
int bufpool_backend_init(struct bufpool *pool);
void bufpool_backend_exit(struct bufpool *pool);
void *bufpool_backend_alloc(struct bufpool_bucket *b, gfp_t gfp, int node);
void bufpool_backend_free(struct bufpool_bucket *b, void *buf);
void *bufpool_unpooled_alloc(struct bufpool *pool, size_t size, gfp_t gfp,
			     int node);
/* Whether @b is one of @pool's buckets (not its unpooled pseudo-bucket). */
static inline bool bufpool_is_bucket(const struct bufpool *pool,
				     const struct bufpool_bucket *b)
{
	unsigned long off = (unsigned long)b - (unsigned long)pool->buckets;

	return off < pool->nr_buckets * sizeof(*b) && !(off % sizeof(*b));
}

/* The bucket whose slab cache is @cache, or %NULL: not one of @pool's. */
static __always_inline struct bufpool_bucket *
bufpool_cache_bucket(struct bufpool *pool, const struct kmem_cache *cache)
{
	unsigned int i;

	/*
	 * A linear scan: the caches sit side by side, and it was as fast as
	 * looking the bucket up by the pointer's alignment or by a hash of
	 * the cache (make bench, UML).
	 */
	for (i = 0; i < pool->nr_slab; i++)
		if (pool->slab_cache[i] == cache)
			return &pool->buckets[i];
	return NULL;
}

/*
 * The owner check of a good return, as fast as it goes: the bucket of a
 * slab or page buffer of @pool, else %NULL, and always %NULL for a pool
 * that looks its slab buffers up in the index.  For %NULL bufpool_owner()
 * decides, and says why it refuses (or drops its reference to a page that
 * someone else holds).  Never a bucket bufpool_owner() would not give.
 */
static __always_inline struct bufpool_bucket *
bufpool_owner_fast(struct bufpool *pool, const void *buf)
{
	const struct kmem_cache *cache;
	struct folio *folio;
	unsigned int i;

	if (unlikely(pool->indexed) || unlikely(!virt_addr_valid(buf)))
		return NULL;
	folio = page_folio(virt_to_page(buf));
	if (likely(folio_test_slab(folio))) {
		cache = bufpool_folio_cache(folio);
		/* The cache's slot in slab_slot[], then the cache itself. */
		i = pool->slab_slot[((unsigned long)cache >> pool->slab_shift) &
				    (BUFPOOL_SLAB_SLOTS - 1)];
		if (i >= pool->nr_slab || pool->slab_cache[i] != cache)
			return NULL;
		/* Objects lie bucket-size apart from the folio's start. */
		return IS_ALIGNED((unsigned long)buf, 1UL << (pool->f.min_shift + i)) ?
		       &pool->buckets[i] : NULL;
	}
	if (buf != folio_address(folio))
		return NULL;
	i = folio_order(folio) + PAGE_SHIFT - pool->f.min_shift;
	/* Also below 0, wrapped: no bucket. */
	if (i < pool->nr_slab || i >= pool->nr_buckets ||
	    folio_get_private(folio) != &pool->buckets[i])
		return NULL;
	/*
	 * A page buffer someone else still holds a reference to (get_page()
	 * for an skb frag, a bio, splice) is not recycled, as in page_pool.
	 */
	if (folio_ref_count(folio) != 1)
		return NULL;
	return &pool->buckets[i];
}

/* The counter of struct bufpool_track::pages that @addr's page is under. */
static inline unsigned int bufpool_page_hash(unsigned long addr)
{
	return hash_long(addr >> PAGE_SHIFT, BUFPOOL_FILTER_BITS);
}

/*
 * Make every CPU's memo of bucket @b stale, so that the next inline return
 * of each goes out of line: before a buffer of @b leaves the pool (a memo
 * may name it, or its page: whoever sees the memory reused sees the count
 * moved), at a guarded pool's recording take, and when decay stops.
 * Ordered after what the caller wrote before, and before what it does
 * next: paired with __bufpool_memo()'s acquire and bufpool_memo_set()'s.
 */
static inline void bufpool_memo_stale(struct bufpool_bucket *b)
{
	/* After the caller's stores: paired with bufpool_memo_set()'s acquire. */
	smp_mb__before_atomic();
	atomic_long_inc(&b->free_gen);
	/* Before what follows: paired with __bufpool_memo()'s acquire. */
	smp_mb__after_atomic();
}

/*
 * Whether returns keep the owner memo: not with the index, which decides
 * every return; nor on a kmemleak kernel, which scans per-CPU data, where
 * a memo holding a page buffer's address (or a slab page's, its first
 * object's) would hide that buffer's leak.
 */
static __always_inline bool bufpool_memo_wanted(const struct bufpool *pool)
{
	return !pool->indexed && !IS_ENABLED(CONFIG_DEBUG_KMEMLEAK);
}

/*
 * Remember @buf as bucket @b's in @pcp's memo (__bufpool_memo()), in a
 * guarded section: @buf passed the whole owner check, and it is still the
 * pool's, so that its page cannot stop being a slab of @b's cache, or it
 * cannot stop being @b's page buffer, before @b's count of frees moves.
 * A slab buffer's memo names its slab (bufpool_memo_span()), a page
 * buffer's the buffer alone.
 * In a guarded pool (struct bufpool_track::guarded) not a page that may
 * hold a record: the count first, then the guard and the page's counter,
 * which a recording take wrote before it moved the count.
 */
/*
 * The bytes a slab buffer's memo covers: its whole slab, whose objects lie
 * bucket-size apart from its start (bufpool_slab_probe()), so that a burst
 * of buffers of one slab, a page each from 4 KiB up, returns inline.  Its
 * page alone where the slab is not aligned to its size in the kernel's
 * mapping, or where a guarded pool may have a record on another of its
 * pages: bufpool_memo_set() checked this one's.
 */
static inline unsigned long bufpool_memo_span(const struct bufpool *pool,
					      const void *buf, bool guarded)
{
	/* Not const: 6.1's folio_size() takes a plain pointer. */
	struct folio *folio = virt_to_folio(buf);
	unsigned long base = (unsigned long)folio_address(folio);
	unsigned long span = folio_size(folio), addr;

	if (span == PAGE_SIZE || !IS_ALIGNED(base, span))
		return PAGE_SIZE;
	if (unlikely(guarded))
		for (addr = base; addr < base + span; addr += PAGE_SIZE)
			if (READ_ONCE(pool->track.pages[bufpool_page_hash(addr)]))
				return PAGE_SIZE;
	return span;
}

static __always_inline void bufpool_memo_set(struct bufpool *pool,
					     struct bufpool_cpu *pcp,
					     struct bufpool_bucket *b,
					     unsigned int idx, void *buf)
{
	long gen = atomic_long_read_acquire(&b->free_gen);

	bool guarded = READ_ONCE(pool->track.guarded);

	if (unlikely(guarded) &&
	    READ_ONCE(pool->track.pages[bufpool_page_hash((unsigned long)buf)]))
		return;
	if (b->cache) {
		unsigned long span = bufpool_memo_span(pool, buf, guarded);

		pcp->memo = (unsigned long)buf & ~(span - 1);
		pcp->memo_keep = ~(span - 1) | (b->size - 1);
		pcp->memo_folio = NULL;
	} else {
		pcp->memo = (unsigned long)buf;
		pcp->memo_keep = ~0UL;
		pcp->memo_folio = virt_to_folio(buf);
	}
	pcp->memo_idx = idx;
	pcp->memo_genp = &b->free_gen;
	pcp->memo_gen = gen;
}

struct bufpool_bucket *bufpool_owner(struct bufpool *pool, const void *buf,
				     const char **why);
size_t bufpool_owned_size(struct bufpool *pool, struct bufpool_bucket *b,
			  const void *buf);

/* magazine.c: magazines and depot */
void bufpool_free_idle(struct bufpool_bucket *b, void *slot);

/*
 * Empty slot @n of @m, which a take just popped, where kmemleak scans the
 * magazines (bufpool_kmemleak_take()): a stale copy of the pointer would
 * count as a reference to the buffer out, and hide its leak.
 */
static __always_inline void bufpool_mag_clear(struct bufpool_mag *m,
					      unsigned int n)
{
	if (IS_ENABLED(CONFIG_DEBUG_KMEMLEAK))
		m->bufs[n] = NULL;
}

/* Pop a buffer (a magazine slot) off @cb's magazines, in a guarded section. */
static __always_inline void *bufpool_mag_pop(struct bufpool_cpu_bucket *cb)
{
	struct bufpool_mag *m;
	unsigned int n = __bufpool_mag_full(cb, &m);
	void *buf;

	if (!n)
		return NULL;
	m->count = --n;
	buf = m->bufs[n];
	bufpool_mag_clear(m, n);
	return buf;
}

/* Push @buf, a magazine slot, onto @cb's magazines, in a guarded section. */
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

/* Whether node @nid is @node, or @node is NUMA_NO_NODE (every node). */
static inline bool bufpool_node_match(int node, int nid)
{
	return node == NUMA_NO_NODE || node == nid;
}

/*
 * The node whose depot a return of @buf goes to when that is not this
 * CPU's memory node (the per-CPU magazines hold only this node's memory),
 * else NUMA_NO_NODE.  In a guarded section.
 */
static __always_inline int bufpool_remote_node(const void *buf)
{
	int nid;

	if (nr_node_ids == 1)
		return NUMA_NO_NODE;
	nid = page_to_nid(virt_to_page(buf));
	return nid == numa_mem_id() ? NUMA_NO_NODE : nid;
}

void *bufpool_depot_pop(struct bufpool *pool, struct bufpool_bucket *b,
			struct bufpool_cpu_bucket *cb, int node);
bool bufpool_depot_push(struct bufpool *pool, struct bufpool_bucket *b,
			struct bufpool_cpu_bucket *cb, int node, void *slot);
bool bufpool_depot_get_full(struct bufpool *pool, struct bufpool_bucket *b,
			    struct bufpool_cpu_bucket *cb);
unsigned int bufpool_depot_get_bulk(struct bufpool *pool,
				    struct bufpool_cpu *pcp, unsigned int idx,
				    unsigned int n, void **bufs);
unsigned int bufpool_depot_get_empty(struct bufpool *pool,
				     struct bufpool_bucket *b,
				     unsigned int nr, struct list_head *mags);
unsigned int bufpool_depot_put_mags(struct bufpool *pool,
				    struct bufpool_cpu *pcp, unsigned int idx,
				    struct list_head *mags, unsigned int room);
bool bufpool_depot_put_full(struct bufpool *pool, struct bufpool_bucket *b,
			    struct bufpool_cpu_bucket *cb);
int bufpool_cache_init(struct bufpool *pool);
void bufpool_cache_free_mags(struct bufpool *pool);
void bufpool_cache_free_depots(struct bufpool *pool);
void bufpool_cache_exit(struct bufpool *pool);
void bufpool_drain_cpu(struct bufpool *pool, unsigned int cpu);
void bufpool_drain_all(struct bufpool *pool);
void bufpool_drain_all_async(struct bufpool *pool, int node);
void bufpool_drain_cancel(struct bufpool *pool);
void bufpool_decay_cancel(struct bufpool *pool);
void bufpool_cache_release(struct bufpool *pool);
size_t bufpool_depot_trim_bytes(struct bufpool *pool, int node, size_t target,
				enum bufpool_stat why, unsigned long *nr_freed);
unsigned long bufpool_depot_trim(struct bufpool *pool, enum bufpool_stat why);
void bufpool_decay_arm(struct bufpool *pool);
void bufpool_decay_work(struct work_struct *work);

/* take_return.c: the out-of-line take and return */
extern struct srcu_struct bufpool_srcu;
void bufpool_return_free(struct bufpool *pool, struct bufpool_bucket *b,
			 unsigned int slot, void *buf);
void bufpool_return_caller(struct bufpool *pool, void *buf,
			   unsigned long caller);
__printf(3, 4) void bufpool_warn_once(struct bufpool *pool, unsigned int bit,
				      const char *fmt, ...);

/*
 * kmemleak: a buffer out is its object with the stack of its last taker,
 * so that a buffer its holder dropped is reported with where it was taken;
 * an idle one is referenced by its magazine, or the depot's.  Not in NMI,
 * where kmemleak's locks may not be taken.  Only the out-of-line take tells
 * it: clients built for a kmemleak kernel have no inline path.
 */
static __always_inline void bufpool_kmemleak_take(const void *buf)
{
	if (IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) && !in_nmi())
		kmemleak_update_trace(buf);
}

/*
 * A recycled buffer of @size, as the inline take prepares it: zeroed if
 * @zero (__bufpool_zero_take()), else its idle marker cleared, which
 * @shift and @mask place (__bufpool_mark_shift(), __bufpool_mark_mask() of
 * @size: a bulk take has them in registers).
 */
static __always_inline void bufpool_take_ready(void *buf, size_t size,
					       unsigned int shift,
					       unsigned int mask, bool zero)
{
	bufpool_kmemleak_take(buf);
	if (zero)
		memset(buf, 0, size);
	else
		WRITE_ONCE(*(unsigned long *)(buf +
					      (((unsigned long)buf >> shift) &
					       mask)), 0);
}

/* The same, for a buffer of @b taken with @gfp. */
static __always_inline void *bufpool_take_prep(const struct bufpool *pool,
					       const struct bufpool_bucket *b,
					       void *buf, gfp_t gfp)
{
	bufpool_take_ready(buf, b->size, __bufpool_mark_shift(b->size),
			   __bufpool_mark_mask(b->size),
			   __bufpool_zero_take(READ_ONCE(pool->f.slow), gfp));
	return buf;
}

/* take_return.c */
void *bufpool_take_new(struct bufpool *pool, struct bufpool_bucket *b,
		       unsigned int idx, gfp_t gfp, int node);

/* reserve.c: a reserve for forward progress */
void *bufpool_reserve_take(struct bufpool *pool, struct bufpool_bucket *b,
			   unsigned int idx, struct bufpool_reserved *r,
			   gfp_t gfp, int node, bool *reserved);
void bufpool_reserve_wait(struct bufpool *pool, struct bufpool_reserved *r,
			  int srcu) __releases(&bufpool_srcu);
bool bufpool_reserve_put(struct bufpool *pool, struct bufpool_bucket *b,
			 unsigned int idx, void *slot, unsigned long caller);
void bufpool_reserve_wake(struct bufpool *pool);
void bufpool_reserve_release(struct bufpool *pool);
void bufpool_reserve_exit(struct bufpool *pool);
unsigned long bufpool_reserve_held(struct bufpool *pool, int idx,
				   size_t *bytes);

/* nolock.c: take and return in any context */
void bufpool_nolock_init(struct bufpool_cpu_aux *aux);
void bufpool_nolock_sync(struct bufpool *pool);
#if IS_ENABLED(CONFIG_KUNIT)
void bufpool_nolock_defer(struct bufpool *pool, void *buf,
			  unsigned long caller);
#endif

/* stats.c: counters */
void bufpool_add_out(struct bufpool *pool, struct bufpool_bucket *b, long nr,
		     long bytes);
void bufpool_reset_peak(struct bufpool *pool);
unsigned long bufpool_stat_sum(struct bufpool *pool, unsigned int slot,
			       enum bufpool_stat stat);
unsigned long bufpool_outstanding(struct bufpool *pool, size_t *bytes);
long bufpool_inflight(struct bufpool *pool);
size_t bufpool_idle(struct bufpool *pool, unsigned long *nr);
size_t bufpool_idle_bytes(struct bufpool *pool);
size_t bufpool_idle_estimate(struct bufpool *pool, int node);
size_t bufpool_node_idle(struct bufpool *pool, int node, size_t *cpu_bytes);

/* pool.c */
extern struct mutex bufpool_mutex;
bool bufpool_misused_dead(struct bufpool *pool, const char *what,
			  unsigned long caller);
void bufpool_return_done(struct bufpool *pool);
extern struct list_head bufpool_pools;
int bufpool_cpu_dead_all(unsigned int cpu);

/* debugfs.c: /sys/kernel/debug/bufpool (Documentation/debugfs.rst) */
void bufpool_debugfs_init(void);
void bufpool_debugfs_exit(void);
void bufpool_debugfs_add(struct bufpool *pool);
void bufpool_debugfs_remove(struct bufpool *pool);
/* Accessors in stats.c for the debugfs files. */
void bufpool_stat_read(struct bufpool *pool, unsigned int slot,
		       unsigned long sum[BUFPOOL_STAT_COUNT]);
unsigned long bufpool_bucket_idle(struct bufpool *pool, unsigned int idx,
				  int node);

/* The control files of a pool's directory. */
enum bufpool_debugfs_ctl {
	BUFPOOL_CTL_TRACK,
	BUFPOOL_CTL_CLEAR,
	BUFPOOL_CTL_RESET_PEAK,
};

#if IS_ENABLED(CONFIG_KUNIT)
/* For the KUnit suite: every new pool indexes its slab buffers. */
extern bool bufpool_slab_index_force;
/* For the KUnit suite: the files' contents and writes, without user space. */
const char *bufpool_debugfs_rate(char *buf, size_t len, unsigned long hits,
				 unsigned long takes);
int bufpool_debugfs_pools_show(struct seq_file *m, void *v);
int bufpool_debugfs_stats_show(struct seq_file *m, void *v);
int bufpool_debugfs_params_show(struct seq_file *m, void *v);
int bufpool_debugfs_reserve_show(struct seq_file *m, void *v);
int bufpool_debugfs_outstanding_show(struct seq_file *m, void *v);
int bufpool_debugfs_track_show(struct seq_file *m, void *v);
int bufpool_debugfs_ctl_write(struct bufpool *pool,
			      enum bufpool_debugfs_ctl ctl, const char *buf);
struct dentry *bufpool_debugfs_root_dir(void);
#endif /* CONFIG_KUNIT */

/* track.c: tracking mode (Documentation/tracking.rst) */

/* Enabled while any pool is hooked (struct bufpool_track::hooked). */
DECLARE_STATIC_KEY_FALSE(bufpool_track_key);

/* What a tracked pool fills an idle buffer with, after the idle marker. */
#define BUFPOOL_POISON			POISON_FREE

/* What bufpool_track_return() found out about a returned pointer. */
enum bufpool_track_verdict {
	BUFPOOL_TRACK_NONE,	/* no record: check it as an untracked one */
	BUFPOOL_TRACK_OK,	/* a tracked buffer of this pool, now idle */
	BUFPOOL_TRACK_BAD,	/* misuse, reported: reject the return */
};

/* Why a report is made; it decides the header and bufpool.leak_panic. */
enum bufpool_report {
	BUFPOOL_REPORT_DESTROY,	/* bufpool_destroy() with buffers out */
	BUFPOOL_REPORT_UNLOAD,	/* bufpool unloads, buffers never came back */
	BUFPOOL_REPORT_MODULE,	/* a client module unloads holding buffers */
	BUFPOOL_REPORT_SHOW,	/* the debugfs outstanding file */
	BUFPOOL_REPORT_MISUSE,	/* a bad return or a write after return */
	BUFPOOL_REPORT_AGED,	/* buffers out longer than bufpool.max_age_ms */
};

/*
 * Whether takes, returns and backend frees of @pool run the tracking hooks.
 * With tracking off everywhere this is one static branch, patched out; on,
 * it reads the word the next test reads too (struct bufpool_track::hooked's
 * BUFPOOL_SLOW_HOOKED_BIT), not the tracking state's line.
 */
static __always_inline bool bufpool_track_hooked(const struct bufpool *pool)
{
	return static_branch_unlikely(&bufpool_track_key) &&
	       test_bit(BUFPOOL_SLOW_HOOKED_BIT, &pool->f.slow);
}

/*
 * Whether @buf may have a record of hooked @pool: its counter in the
 * records' filter is set.  A false positive only costs a lookup.
 */
static __always_inline bool bufpool_track_may_have(const struct bufpool *pool,
						   const void *buf)
{
	const u8 *filter = READ_ONCE(pool->f.filter);

	return !filter || READ_ONCE(filter[hash_ptr(buf, BUFPOOL_FILTER_BITS)]);
}

/*
 * Whether a return of @buf to hooked @pool must go through the tracking
 * hooks: every return of a pool whose BUFPOOL_SLOW_TRACKED_BIT says so (a
 * strict pool frees every buffer, a pool that records every take reports
 * any pointer without a record), and elsewhere only a buffer that may have
 * a record.
 */
static __always_inline bool bufpool_track_return_p(const struct bufpool *pool,
						   const void *buf)
{
	return (READ_ONCE(pool->f.slow) & BIT(BUFPOOL_SLOW_TRACKED_BIT)) ||
	       bufpool_track_may_have(pool, buf);
}

/*
 * Whether a take of hooked @pool must go through the tracking hooks, as
 * its BUFPOOL_SLOW_* bits say: in a pool tracked by count or strict (or
 * without a filter), and in one sampled by time while it is armed.
 * Between its samples, a pool sampled by time takes as an untracked one
 * does (a slot with an idle record, left from counting, still gets its
 * tracked take: bufpool_take_marked()).  An arming, or a change of the
 * bits, that this take misses goes to the next.
 */
static __always_inline bool bufpool_track_take_p(const struct bufpool *pool)
{
	return READ_ONCE(pool->f.slow) & (BIT(BUFPOOL_SLOW_TRACKED_BIT) |
					  BIT(BUFPOOL_SLOW_SAMPLED_BIT) |
					  BIT(BUFPOOL_SLOW_ARMED_BIT));
}

/* A magazine slot without its BUFPOOL_MAG_TRACKED bit. */
static inline void *bufpool_mag_untag(void *slot)
{
	return (void *)((unsigned long)slot & ~BUFPOOL_MAG_TRACKED);
}

/*
 * Fill @buf, a buffer of @b, with @c but for its idle marker's word: an
 * init_on_free return's zeroing, and tracking's poison.
 */
static inline void bufpool_fill_idle(const struct bufpool_bucket *b,
				     void *buf, int c)
{
	void *mark = bufpool_marker(b, buf);
	const size_t word = sizeof(unsigned long);

	memset(buf, c, mark - buf);
	memset(mark + word, c, buf + b->size - mark - word);
}

/* Fill a returned tracked buffer with the poison, but for its marker. */
static inline void bufpool_track_poison(const struct bufpool_bucket *b,
					void *buf)
{
	bufpool_fill_idle(b, buf, BUFPOOL_POISON);
}

int bufpool_track_init(void);
void bufpool_track_stop_checks(void);
void bufpool_track_exit(void);
#if IS_ENABLED(CONFIG_KUNIT)
unsigned long bufpool_age_check(unsigned int ms);
#endif
void bufpool_track_start(struct bufpool *pool);
void bufpool_track_stop(struct bufpool *pool);
void bufpool_track_pool_init(struct bufpool *pool, unsigned int flags,
			     unsigned int sample, unsigned int interval_ms);
void bufpool_track_pool_exit(struct bufpool *pool);
bool bufpool_track_take(struct bufpool *pool, struct bufpool_bucket *b,
			void *buf, bool idle_record, int sampled, gfp_t gfp,
			unsigned long caller);

/*
 * Takes of a CPU until its next sampled one, for a pool sampling one in
 * @n: uniform in 1..2n, mean n + 1/2 (track.c's bufpool_track_sampled()).
 */
static inline int bufpool_sample_gap(unsigned int n)
{
	return get_random_u32_below(2 * n) + 1;
}

/* bufpool_track_take()'s @sampled when the take did not decide it. */
#define BUFPOOL_SAMPLE_UNDECIDED	(-1)

bool bufpool_track_claim_armed(struct bufpool *pool);

/*
 * Timed sampling armed the pool: whether this take records, as its CPU's
 * sample of the period (bufpool_track_claim_armed()).  A read first: the
 * bit's line stays shared.
 */
static __always_inline bool bufpool_track_armed(struct bufpool *pool)
{
	return unlikely(test_bit(BUFPOOL_SLOW_ARMED_BIT, &pool->f.slow)) &&
	       bufpool_track_claim_armed(pool);
}

/*
 * Whether a take of hooked @pool is recorded, decided in a guarded section
 * of @pcp that the take holds anyway: an armed period's sample, or a plain
 * decrement of this CPU's countdown (track.c's bufpool_track_sampled() has
 * the rule).  An interrupt's this_cpu decrement in between may be lost:
 * that only moves the next sample by one take.
 */
static __always_inline int __bufpool_track_sampled(struct bufpool *pool,
						   struct bufpool_cpu *pcp)
{
	unsigned int n = READ_ONCE(pool->track.sample);

	if (bufpool_track_armed(pool))
		return 1;
	if (n <= 1)
		return n;
	if (likely(--pcp->sample_left > 0))
		return 0;
	pcp->sample_left = bufpool_sample_gap(n);
	return 1;
}

enum bufpool_track_verdict bufpool_track_return(struct bufpool *pool,
						struct bufpool_bucket *b,
						void *buf, const char *why,
						unsigned long caller);
void bufpool_track_forget(void *buf);
void bufpool_track_destroy(struct bufpool *pool, bool report);
void bufpool_track_report_unload(struct bufpool *pool);
const char *bufpool_track_state(struct bufpool *pool, char *buf, size_t len);
int bufpool_track_set(struct bufpool *pool, unsigned int sample);
void bufpool_track_show_outstanding(struct seq_file *m, struct bufpool *pool);

#if IS_ENABLED(CONFIG_KUNIT)
/* For the KUnit suite: knobs and the functions behind the hooks. */
struct ratelimit_state;
extern bool bufpool_leak_panic;
extern unsigned int bufpool_report_stacks;
extern atomic_t bufpool_track_fail_next;
extern unsigned int bufpool_walk_longest;
extern unsigned int bufpool_trim_longest;
extern atomic_long_t bufpool_track_nr_stacks;
extern unsigned int bufpool_track_sampled_max;
extern struct ratelimit_state bufpool_misuse_rs;
bool bufpool_track_should_panic(enum bufpool_report why, unsigned long nr);
unsigned long bufpool_track_report_holder(const char *who,
					  bool (*holds)(unsigned long ip,
							const void *owner,
							const void *arg),
					  const void *arg);
int bufpool_track_module_notify(struct notifier_block *nb,
				unsigned long action, void *data);
#endif /* CONFIG_KUNIT */

#endif /* _BUFPOOL_INTERNAL_H */
