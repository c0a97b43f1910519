/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bufpool's layout for the inline take and return: not API.
 *
 * This is the layout of this build of bufpool, which include/bufpool.h's
 * bufpool_take() and bufpool_return() read when they are inlined into a
 * client, the way kfence_alloc() guards __kfence_alloc(): the common case,
 * a buffer popped from or pushed to this CPU's magazine, runs in the caller
 * with no interrupt disabling and no call into bufpool; every other case
 * calls __bufpool_take() or __bufpool_return(), which do the whole job (and
 * are the whole job where __BUFPOOL_INLINE is 0).  It holds only what that
 * code reads; the rest of bufpool's structures are the module's
 * (module/internal.h).  Nothing here is for a client to use, and all of it
 * changes with bufpool: a client module is built against the headers of
 * the bufpool it is loaded with.  The inline code references a symbol whose
 * name carries __BUFPOOL_LAYOUT, a hash of this header's code, so that a
 * client built against another layout does not load ("Unknown symbol
 * __bufpool_inline_layout_..."), with or without CONFIG_MODVERSIONS.  See
 * Documentation/design.rst, "The inline fast path".
 */
#ifndef _BUFPOOL_LAYOUT_H
#define _BUFPOOL_LAYOUT_H

#include <linux/bits.h>
#include <linux/cache.h>
#include <linux/gfp.h>
#include <linux/hash.h>
#include <linux/jump_label.h>
#include <linux/kasan.h>
#include <linux/local_lock.h>
#include <linux/lockdep.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/types.h>

struct bufpool;

/*
 * The layout this header describes: a hash of its code, without comments
 * or white space, that scripts/layout-id.sh computes and the module's build
 * checks (module/layout.c).  Change the code, then run the script.
 */
#define __BUFPOOL_LAYOUT	x6f79e3cf9a8c

/*
 * Per-bucket event counters, kept per CPU and summed on read (stats.c).
 * The slot after the last bucket counts unpooled buffers and returns no
 * bucket could be named for.  The inline paths count one event each, a
 * take or a return; cpu_hits is derived from the others on read.
 */
enum bufpool_stat {
	BUFPOOL_STAT_TAKE,		/* buffers handed out */
	BUFPOOL_STAT_RETURN,		/* buffers accepted back */
	BUFPOOL_STAT_CPU_HIT,		/* takes served by this CPU's magazines */
	BUFPOOL_STAT_DEPOT_HIT,		/* takes served by a depot magazine */
	BUFPOOL_STAT_ALLOC,		/* buffers allocated from the backend */
	BUFPOOL_STAT_ALLOC_FAIL,	/* backend allocations that failed */
	BUFPOOL_STAT_FREE,		/* buffers freed to the backend */
	BUFPOOL_STAT_OVER_BUDGET,	/* returns freed: depot at max_cached_bytes */
	BUFPOOL_STAT_TRIM,		/* idle buffers freed by the shrinker */
	BUFPOOL_STAT_DRAIN,		/* idle buffers taken off a dead CPU */
	BUFPOOL_STAT_DECAY,		/* idle buffers freed by decay */
	BUFPOOL_STAT_BAD_RETURN,	/* returns rejected */
	BUFPOOL_STAT_COUNT
};

/*
 * The low bit of a magazine slot (buffers are at least word-aligned): set
 * when the buffer has an idle tracking record, so that a take looks the
 * record up only then.  Only tracked pools have such slots.
 */
#define BUFPOOL_MAG_TRACKED		1UL

/**
 * struct bufpool_mag - a magazine: a stack of idle buffers of one bucket
 * @list: link in the depot's full or empty list
 * @rcu: for freeing, as counters are read locklessly (bufpool_idle_bytes())
 * @count: buffers in @bufs
 * @bufs: the buffers, bufpool_cpu_bucket::limit slots
 */
struct bufpool_mag {
	union {
		struct list_head list;
		struct rcu_head rcu;
	};
	unsigned int count;
	void *bufs[];
};

/**
 * struct bufpool_cpu_bucket - one CPU's view of a bucket
 * @loaded: magazine takes pop from and returns push to
 * @prev: the other magazine, swapped with @loaded when that runs out
 * @limit: slots of a magazine of this bucket; 0 where the depot alone
 *	serves the bucket, whose @loaded and @prev are then a magazine that
 *	never holds a buffer, so that takes and returns go out of line
 * @mag_base: the module's, not the inline code's: buffers in @loaded and
 *	@prev when the CPU last folded its takes and returns into the
 *	bucket's count of buffers out (on a visit to the depot); here, where
 *	it fills a slot of the line, so that the fold costs the fast path
 *	nothing
 * @out_pending: the module's too: in a depot-only bucket (@limit 0), the
 *	takes minus returns of this CPU not yet folded into the bucket's
 *	count of buffers out, which it folds every BUFPOOL_OUT_BATCH
 * @mark_mask: where in a buffer of this bucket its idle marker sits:
 *	__bufpool_mark_mask() of the bucket's size, fixed at creation
 * @mark_shift: and __bufpool_mark_shift() of it
 * @stat: event counters, enum bufpool_stat
 *
 * Cache-line aligned: 128 bytes on x86, so that the inline paths index the
 * array of them with a shift.
 */
struct bufpool_cpu_bucket {
	struct bufpool_mag *loaded;
	struct bufpool_mag *prev;
	unsigned int limit;
	unsigned int mag_base;
	int out_pending;
	u16 mark_mask;
	u8 mark_shift;
	unsigned long stat[BUFPOOL_STAT_COUNT];
} ____cacheline_aligned;

/**
 * struct bufpool_cpu - a pool's per-CPU state
 * @lock: on PREEMPT_RT, the per-CPU lock of this CPU's magazines and
 *	counters
 * @busy: elsewhere, the guard of this CPU's magazines and counters: set,
 *	with preemption off, while a context of this CPU is in a guarded
 *	section (__bufpool_cpu_trylock())
 * @dep_map: the guard as lockdep sees it
 * @sample_left: takes this CPU makes before the next sampled one (track.c)
 * @memo: the slab of the last slab buffer an out-of-line return placed on
 *	this CPU (or its page: bufpool_memo_span() in the module), or that
 *	page buffer itself (__bufpool_memo())
 * @memo_keep: the bits of a pointer that must match @memo: the slab's, and
 *	the ones below that bucket's size, which are 0 at an object's start;
 *	all of them for a page buffer
 * @memo_folio: a page buffer's folio, whose references the inline return
 *	counts; %NULL for a slab page
 * @memo_idx: that bucket's index
 * @memo_gen: *@memo_genp when @memo was set; -1, which it never is, for
 *	no memo
 * @memo_genp: that bucket's count of slab buffers freed, which moves before
 *	each free
 * @b: one entry per bucket, then the unpooled slot (stats only); it starts
 *	at a multiple of its entries' size, which is what the inline paths
 *	are compiled best for (bench/inline-size.sh)
 *
 * What else a CPU holds of a pool, the inline code does not read: it is
 * the module's (struct bufpool_cpu_aux, module/internal.h).
 */
struct bufpool_cpu {
#ifdef CONFIG_PREEMPT_RT
	local_lock_t lock;
#else
	bool busy;
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	struct lockdep_map dep_map;
#endif /* CONFIG_DEBUG_LOCK_ALLOC */
#endif /* CONFIG_PREEMPT_RT */
	int sample_left;
	unsigned long memo;
	unsigned long memo_keep;
	struct folio *memo_folio;
	unsigned int memo_idx;
	long memo_gen;
	const atomic_long_t *memo_genp;
	struct bufpool_cpu_bucket b[]
		__aligned(sizeof(struct bufpool_cpu_bucket));
};

/*
 * Bits of bufpool_front::slow, each set and cleared atomically by its own
 * cause: why takes or returns of a pool leave the inline path, what they
 * check there, and (fixed at creation) what they zero.  The order keeps
 * the masks the inline paths test within a byte where it can: the
 * return's (BUFPOOL_SLOW_RETURN and the filter bit) and the take's
 * (BUFPOOL_SLOW_TAKE_OUT and the sampled bit) in the low byte,
 * BUFPOOL_INIT_TAKE_BIT alone in the next (see bench/inline-size.sh).
 */
enum {
	BUFPOOL_SLOW_DEAD_BIT,		/* destroyed: takes fail, returns free */
	BUFPOOL_SLOW_TRACKED_BIT,	/* every take and return is tracking's */
	BUFPOOL_SLOW_INDEXED_BIT,	/* ownership is looked up in the index */
	BUFPOOL_SLOW_RESERVE_BIT,	/* a reserve is short: returns refill it */
	BUFPOOL_SLOW_FILTER_BIT,	/* returns check the records' filter */
	BUFPOOL_SLOW_SAMPLED_BIT,	/* takes count down to a recorded one */
	BUFPOOL_INIT_RETURN_BIT,	/* init_on_free, and not NO_INIT */
	BUFPOOL_SLOW_ARMED_BIT,		/* timed sampling: record the next take */
	BUFPOOL_INIT_TAKE_BIT,		/* init_on_alloc, and not NO_INIT */
	BUFPOOL_SLOW_HOOKED_BIT,	/* out of line: tracking's hooks run */
};

#define BUFPOOL_SLOW_TAKE	(BIT(BUFPOOL_SLOW_DEAD_BIT) | \
				 BIT(BUFPOOL_SLOW_TRACKED_BIT))
/* Takes, not returns, also leave it while a timed sample is armed. */
#define BUFPOOL_SLOW_TAKE_OUT	(BUFPOOL_SLOW_TAKE | \
				 BIT(BUFPOOL_SLOW_ARMED_BIT))
/*
 * init_on_free's memset is out of line, where it costs no saved registers;
 * so are returns while a reserve (bufpool_reserve()) is short.
 */
#define BUFPOOL_SLOW_RETURN	(BUFPOOL_SLOW_TAKE | \
				 BIT(BUFPOOL_SLOW_INDEXED_BIT) | \
				 BIT(BUFPOOL_INIT_RETURN_BIT) | \
				 BIT(BUFPOOL_SLOW_RESERVE_BIT))

/* The records' filter of a tracked pool: counters by buffer address hash. */
#define BUFPOOL_FILTER_BITS		12
#define BUFPOOL_FILTER_SIZE		BIT(BUFPOOL_FILTER_BITS)

/**
 * struct bufpool_front - what the inline paths read of a pool
 * @cpu: per-CPU magazines and counters
 * @slow: BUFPOOL_SLOW_* bits
 * @min_shift: log2 of the smallest bucket size
 * @max_size: largest bucket size
 * @cookie: random secret mixed into the idle marker
 * @filter: with BUFPOOL_SLOW_FILTER_BIT, how many records hash to each
 *	counter (%NULL: every return checks the records)
 *
 * The first member of the module's struct bufpool, ``f``, as page_pool's
 * hot parameters are its ``p``: the module reads them as pool->f.cpu and
 * so on, the inline paths through __bufpool_front().
 */
struct bufpool_front {
	struct bufpool_cpu __percpu *cpu;
	unsigned long slow;
	unsigned int min_shift;
	size_t max_size;
	unsigned long cookie;
	u8 *filter;
};

/*
 * Makes every take and return call out of line: bufpool's events are on.
 * Its name carries the layout id: only the inline code references it.
 */
#define bufpool_slow_key	__PASTE(__bufpool_inline_layout_, __BUFPOOL_LAYOUT)
DECLARE_STATIC_KEY_FALSE(bufpool_slow_key);

/*
 * Where bufpool_take() and bufpool_return() are inline.  Not on PREEMPT_RT,
 * whose per-CPU lock is a sleeping one; not in a module built for a KASAN
 * kernel whose bufpool is built in (KUnit): that bufpool poisons idle
 * buffers with calls modules may not make; and not in a module built for
 * a kmemleak kernel, whose every take tells kmemleak who took the buffer.
 */
#define __BUFPOOL_KASAN		(IS_ENABLED(CONFIG_KASAN) && \
				 IS_BUILTIN(CONFIG_BUFPOOL))
#if !defined(CONFIG_PREEMPT_RT) && \
	!((__BUFPOOL_KASAN || IS_ENABLED(CONFIG_DEBUG_KMEMLEAK)) && \
	  defined(MODULE))
#define __BUFPOOL_INLINE	1
#else
#define __BUFPOOL_INLINE	0
#endif

static __always_inline const struct bufpool_front *
__bufpool_front(const struct bufpool *pool)
{
	return (const struct bufpool_front *)pool;
}

/*
 * The per-CPU guard.  6.12 has no local_trylock() (6.15 has); this is its
 * shape.  A guarded section runs with preemption off and this CPU's busy
 * flag set, interrupts on: an interrupt that arrives in the middle and
 * finds the flag set does not wait (it could not: it runs on this CPU) but
 * takes a slow path, which touches neither the magazines nor the per-CPU
 * counters.  Inside a section those are this context's alone, so plain
 * per-CPU accesses do.  lockdep sees a trylock of a per-CPU lock.  On
 * PREEMPT_RT, where the magazines may sleep on the depot's locks, it is a
 * local_lock instead (module/internal.h): per-CPU, sleeping, never refused.
 */
#ifndef CONFIG_PREEMPT_RT
static __always_inline bool
__bufpool_cpu_trylock(struct bufpool_cpu __percpu *cpu,
		      struct bufpool_cpu **pcpp)
{
	struct bufpool_cpu *pcp;

	preempt_disable();
	pcp = this_cpu_ptr(cpu);
	if (unlikely(READ_ONCE(pcp->busy))) {
		preempt_enable();
		return false;
	}
	WRITE_ONCE(pcp->busy, true);
	/* An interrupt on this CPU sees the flag before any access below. */
	barrier();
	lock_map_acquire_try(&pcp->dep_map);
	*pcpp = pcp;
	return true;
}

static __always_inline void __bufpool_cpu_unlock(struct bufpool_cpu *pcp)
{
	lock_map_release(&pcp->dep_map);
	/* Paired with the barrier() of __bufpool_cpu_trylock(). */
	barrier();
	WRITE_ONCE(pcp->busy, false);
	preempt_enable();
}
#endif /* !CONFIG_PREEMPT_RT */

/*
 * The idle marker: while a pooled buffer sits in a magazine one word of it
 * holds this value, which a live buffer holds only by accident: the cookie
 * has 62 random bits (its two low ones are 1 and 0, and a buffer is
 * word-aligned, so that the marker's first byte is never 0x00 or 0xff).
 */
static __always_inline unsigned long
__bufpool_idle_mark(const struct bufpool_front *f, const void *buf)
{
	return f->cookie ^ (unsigned long)buf;
}

/*
 * Which word: the buffer's colour, as Bonwick's slab allocator colours its
 * slabs.  A bucket's buffers are aligned to its size, so a word at one
 * offset of every buffer a page or more apart falls in one set of the L1
 * cache, and a burst of 64 such buffers would evict its own markers between
 * its take and its return.  The marker sits at a cache-line offset chosen
 * by the bits of the buffer's address above its page, or above its size
 * if that is larger, within the first half of its first page: SLUB keeps a
 * free object's free pointer in its middle, where a marker the pool freed
 * with its buffer would not survive.  Below 256 bytes the offset is 0.
 * Within 64 KiB, so that struct bufpool_cpu_bucket's u16 holds the mask
 * with pages of 256 KiB too (module/layout.c).
 */
#define __BUFPOOL_COLOUR_SPAN	((size_t)65536)

static __always_inline unsigned int __bufpool_mark_mask(size_t size)
{
	return ((min3(size, (size_t)PAGE_SIZE, __BUFPOOL_COLOUR_SPAN) >> 1) -
		1) & ~(L1_CACHE_BYTES - 1);
}

static __always_inline unsigned int __bufpool_mark_shift(size_t size)
{
	return max_t(unsigned int, ilog2(size), PAGE_SHIFT) - L1_CACHE_SHIFT;
}

/* The word of @buf that holds its idle marker; @cb: its bucket's. */
static __always_inline unsigned long *
__bufpool_marker(const struct bufpool_cpu_bucket *cb, void *buf)
{
	return buf + (((unsigned long)buf >> cb->mark_shift) & cb->mark_mask);
}

/*
 * Claim @buf for a return: set its idle marker, in @word, and say whether
 * it was not set already.  False is a double return, and then nothing changed.  One
 * atomic exchange, so that of two returns of one buffer, on two CPUs or
 * one interrupting the other, exactly one claims it; a check followed by a
 * store would let both through.  Where KASAN poisons idle buffers, as a
 * double return's buffer is, the exchange is not instrumented.
 */
static __always_inline bool __bufpool_claim(const struct bufpool_front *f,
					    void *buf, unsigned long *word)
{
	unsigned long mark = __bufpool_idle_mark(f, buf);

#if __BUFPOOL_KASAN
	return raw_xchg(word, mark) != mark;
#else
	return xchg(word, mark) != mark;
#endif
}

/*
 * KASAN: a buffer idle in a magazine is poisoned, as mempool poisons its
 * elements, so that a use after return is reported at the faulting access.
 * Only a built-in bufpool does it: the functions behind these are not
 * exported to modules in 6.12.
 */
static __always_inline void __bufpool_kasan_poison(void *buf)
{
#if __BUFPOOL_KASAN
	kasan_mempool_poison_object(buf);
#endif
}

static __always_inline void __bufpool_kasan_unpoison(void *buf, size_t size)
{
#if __BUFPOOL_KASAN
	kasan_mempool_unpoison_object(buf, size);
#endif
}

/*
 * The owner check of an inline return: this CPU's memo of the slab of the
 * last slab buffer, or of the last page buffer, that a return out of line
 * placed with the whole check (bufpool_memo_set() in the module).  A slab
 * of the pool's bucket i is one still, and a page buffer of bucket i is
 * one still, while that bucket has freed no buffer since
 * (its count of frees has not moved): the buffer that set the memo was the
 * pool's then, so its slab or its pages could not go before that buffer
 * was freed, and the count moves, with a full barrier, before every free.
 * The acquire orders the count's read before every access to @buf.  Only
 * bufpool frees its buffers: a client that kfree()s one breaks this, as it
 * breaks the pool anyway.  The mask tests the slab and the start of an
 * object (objects lie bucket-size apart from the slab's start), or the
 * page buffer's address, in one compare: anything else (another slab, an
 * interior pointer) gets the whole check, out of line.  A page buffer that
 * someone else holds a reference to (get_page() for an skb frag, a bio) is
 * not recycled, as in page_pool: out of line too.  Returns the bucket's
 * index, or -1.
 */
static __always_inline int __bufpool_memo(const struct bufpool_cpu *pcp,
					  const void *buf)
{
	if (likely(((unsigned long)buf & pcp->memo_keep) == pcp->memo &&
		   pcp->memo_gen == atomic_long_read_acquire(pcp->memo_genp) &&
		   (likely(!pcp->memo_folio) ||
		    folio_ref_count(pcp->memo_folio) == 1)))
		return pcp->memo_idx;
	return -1;
}

/*
 * The rules of a take, one each, that the inline path and the module's
 * __bufpool_take() both apply.
 */

/* Takes that are never served from a magazine (see bufpool_take()). */
#define BUFPOOL_GFP_UNPOOLED	(__GFP_DMA | __GFP_DMA32 | __GFP_ACCOUNT)

/*
 * Whether a take of @size with @gfp is served unpooled: a size outside
 * the buckets (0 wraps), or flags that say where the memory must come
 * from (a zone: a recycled buffer may be from any) or whom to charge for
 * it (memcg: a recycled buffer stays charged to its first taker).
 */
static __always_inline bool __bufpool_unpooled(const struct bufpool_front *f,
					       size_t size, gfp_t gfp)
{
	return unlikely(size - 1 >= f->max_size) ||
	       unlikely(gfp & BUFPOOL_GFP_UNPOOLED);
}

/*
 * The bucket of a pooled take of @size bytes: log2 of @size rounded up,
 * from the smallest bucket.  order_base_2() where the compiler can fold
 * it, else the one instruction it costs at run time.
 */
static __always_inline unsigned int
__bufpool_bucket(const struct bufpool_front *f, size_t size)
{
	unsigned int shift = __builtin_constant_p(size) ? order_base_2(size) :
							  fls_long(size - 1);

	return shift > f->min_shift ? shift - f->min_shift : 0;
}

/*
 * Whether a recycled buffer is zeroed when taken: init_on_alloc, unless
 * the pool opted out (BUFPOOL_INIT_TAKE_BIT of @slow, fixed at creation),
 * or __GFP_ZERO.  Otherwise only its idle marker is cleared.
 */
static __always_inline bool __bufpool_zero_take(unsigned long slow, gfp_t gfp)
{
	return (slow & BIT(BUFPOOL_INIT_TAKE_BIT)) || (gfp & __GFP_ZERO);
}

/* Swap @cb's two magazines; returns the one now loaded. */
static __always_inline struct bufpool_mag *
__bufpool_mag_swap(struct bufpool_cpu_bucket *cb)
{
	struct bufpool_mag *m = cb->prev;

	cb->prev = cb->loaded;
	cb->loaded = m;
	return m;
}

/*
 * The magazine a take pops from, in *@mp: the loaded one, else the other
 * one if it has buffers (swapped in).  Returns its count of buffers, 0 if
 * both are empty: the depot's turn.  In a guarded section, as
 * __bufpool_mag_room().
 */
static __always_inline unsigned int
__bufpool_mag_full(struct bufpool_cpu_bucket *cb, struct bufpool_mag **mp)
{
	struct bufpool_mag *m = cb->loaded;
	unsigned int n = m->count;

	if (unlikely(!n)) {
		if (!cb->prev->count)
			return 0;
		m = __bufpool_mag_swap(cb);
		n = m->count;
	}
	*mp = m;
	return n;
}

/*
 * The magazine a return pushes to, in *@mp, and its count in *@np: the
 * same, for room.  Returns false if both are full, and always for a bucket
 * the depot alone serves: its @limit is 0.
 */
static __always_inline bool __bufpool_mag_room(struct bufpool_cpu_bucket *cb,
					       struct bufpool_mag **mp,
					       unsigned int *np)
{
	struct bufpool_mag *m = cb->loaded;
	unsigned int n = m->count;

	if (unlikely(n >= cb->limit)) {
		n = cb->prev->count;
		if (n >= cb->limit)
			return false;
		m = __bufpool_mag_swap(cb);
	}
	*mp = m;
	*np = n;
	return true;
}

/*
 * A test's hook in the inline return, just before the claim: the KUnit
 * suite defines it, before it includes this header, to return the buffer
 * once more there, as an interrupt on this CPU could.
 */
#ifndef __bufpool_return_hook
#define __bufpool_return_hook(buf)	((void)(buf))
#endif

#if __BUFPOOL_INLINE
/*
 * Enter this CPU's guarded section of @f's magazines, with *@slow the
 * pool's BUFPOOL_SLOW_* bits read inside it (bufpool_destroy() waits for
 * such sections), or fail: an interrupted context of this CPU is in it.
 */
static __always_inline bool __bufpool_enter(const struct bufpool_front *f,
					    struct bufpool_cpu **pcpp,
					    unsigned long *slow)
{
	if (unlikely(!__bufpool_cpu_trylock(f->cpu, pcpp)))
		return false;
	*slow = READ_ONCE(f->slow);
	return true;
}
#endif /* __BUFPOOL_INLINE */

/*
 * The inline part of bufpool_take(): true with *@bufp a buffer from this
 * CPU's loaded magazine, false for __bufpool_take() to do the whole take.
 */
static __always_inline bool __bufpool_take_inline(struct bufpool *pool,
						  size_t size, gfp_t gfp,
						  void **bufp)
{
#if __BUFPOOL_INLINE
	const struct bufpool_front *f = __bufpool_front(pool);
	struct bufpool_cpu_bucket *cb;
	struct bufpool_cpu *pcp;
	struct bufpool_mag *m;
	unsigned long slow, *word;
	unsigned int idx, n;
	size_t bytes;
	void *buf;

	if (static_branch_unlikely(&bufpool_slow_key) || unlikely(!pool) ||
	    __bufpool_unpooled(f, size, gfp))
		return false;
	idx = __bufpool_bucket(f, size);
	might_alloc(gfp);

	if (unlikely(!__bufpool_enter(f, &pcp, &slow)))
		return false;
	if (unlikely(slow & (BUFPOOL_SLOW_TAKE_OUT |
			     BIT(BUFPOOL_SLOW_SAMPLED_BIT)))) {
		if (slow & BUFPOOL_SLOW_TAKE_OUT)
			goto out;
		/* Sampled: the take that runs the countdown out is recorded. */
		if (pcp->sample_left <= 1)
			goto out;
	}
	cb = &pcp->b[idx];
	n = __bufpool_mag_full(cb, &m);
	if (unlikely(!n))
		goto out;
	buf = m->bufs[--n];
	/* A buffer with an idle record: tracking's take. */
	if (unlikely((unsigned long)buf & BUFPOOL_MAG_TRACKED))
		goto out;
	/* kmemleak scans the magazine: a stale copy would hide a leak. */
	if (IS_ENABLED(CONFIG_DEBUG_KMEMLEAK))
		m->bufs[n] = NULL;
	m->count = n;
	word = __bufpool_marker(cb, buf);
	cb->stat[BUFPOOL_STAT_TAKE]++;
	/* Counted down only by a take served here: out of line counts its own. */
	if (slow & BIT(BUFPOOL_SLOW_SAMPLED_BIT))
		pcp->sample_left--;
	__bufpool_cpu_unlock(pcp);

	bytes = 1UL << (f->min_shift + idx);
	__bufpool_kasan_unpoison(buf, bytes);
	if (__bufpool_zero_take(slow, gfp))
		memset(buf, 0, bytes);
	else
		WRITE_ONCE(*word, 0);		/* the idle marker */
	*bufp = buf;
	return true;
out:
	__bufpool_cpu_unlock(pcp);
#endif /* __BUFPOOL_INLINE */
	return false;
}

/*
 * The inline part of bufpool_return(): true if @buf, checked, went into
 * this CPU's loaded magazine; false for __bufpool_return() to do the whole
 * return (including %NULL and every bad pointer).
 */
static __always_inline bool __bufpool_return_inline(struct bufpool *pool,
						    void *buf)
{
#if __BUFPOOL_INLINE
	const struct bufpool_front *f = __bufpool_front(pool);
	struct bufpool_cpu_bucket *cb;
	struct bufpool_cpu *pcp;
	struct bufpool_mag *m;
	const u8 *filter;
	unsigned long slow;
	unsigned int n;
	int idx;

	if (static_branch_unlikely(&bufpool_slow_key) || unlikely(!pool) ||
	    unlikely(!buf))
		return false;
	if (unlikely(!__bufpool_enter(f, &pcp, &slow)))
		return false;
	if (unlikely(slow & (BUFPOOL_SLOW_RETURN |
			     BIT(BUFPOOL_SLOW_FILTER_BIT)))) {
		if (slow & BUFPOOL_SLOW_RETURN)
			goto out;
		/* Sampled: a buffer that may have a record is tracking's. */
		filter = READ_ONCE(f->filter);
		if (!filter ||
		    READ_ONCE(filter[hash_ptr(buf, BUFPOOL_FILTER_BITS)]))
			goto out;
	}
	idx = __bufpool_memo(pcp, buf);
	if (unlikely(idx < 0))
		goto out;
	cb = &pcp->b[idx];
	if (unlikely(!__bufpool_mag_room(cb, &m, &n)))
		goto out;
	/*
	 * The claim, the poison and the push in the guarded section: no take
	 * of this CPU can pop the buffer before its marker is in place.
	 */
	__bufpool_return_hook(buf);
	if (unlikely(!__bufpool_claim(f, buf, __bufpool_marker(cb, buf))))
		goto out;		/* a double return: say so */
	__bufpool_kasan_poison(buf);
	m->bufs[n] = buf;
	m->count = n + 1;
	cb->stat[BUFPOOL_STAT_RETURN]++;
	__bufpool_cpu_unlock(pcp);
	return true;
out:
	__bufpool_cpu_unlock(pcp);
#endif /* __BUFPOOL_INLINE */
	return false;
}

#endif /* _BUFPOOL_LAYOUT_H */
