// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "bufpool": what a well-behaved user sees.  Pool creation and
 * defaults, the bucket layout (slab caches up to PAGE_SIZE, compound pages
 * above), size rounding, alignment and contiguity, unpooled buffers, the
 * per-CPU magazines (LIFO recycling), the depot and its max_cached_bytes
 * budget, bufpool_clear(), the shrinker and depot trimming, draining an
 * offlined CPU, zeroing (__GFP_ZERO, init_on_alloc, BUFPOOL_F_NO_INIT), the
 * shared pool, destroying a pool with buffers out, and takes and returns in
 * hardirq, softirq and process context, alone and all at once.
 *
 * What a buggy user does is in bufpool_bad_input_kunit.c; the helpers both
 * use are in bufpool_kunit_util.c.
 *
 * Each test case creates its own pool with a name no other case uses, so the
 * cases are independent; the pool is destroyed by a deferred KUnit action.
 * The tests read the counters of stats.c and the internal layout of
 * internal.h, so they check where a buffer came from, not only that one came.
 * UML has one CPU, so the per-CPU magazine sequences are deterministic.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/prandom.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/shrinker.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <trace/events/printk.h>

#include "bufpool_kunit.h"

/* === Creation and layout === */

static void bufpool_test_create_defaults(struct kunit *test)
{
	struct bufpool *pool = bufpool_create("kt-defaults", NULL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test,
							   bp_destroy_action,
							   pool));
	KUNIT_EXPECT_STREQ(test, pool->name, "kt-defaults");
	KUNIT_EXPECT_EQ(test, pool->min_size, 64);
	KUNIT_EXPECT_EQ(test, pool->f.max_size, SZ_1M);
	KUNIT_EXPECT_EQ(test, pool->max_cached_bytes, 16 * SZ_1M);
	KUNIT_EXPECT_EQ(test, pool->flags, 0);
	KUNIT_EXPECT_EQ(test, pool->nr_buckets, ilog2(SZ_1M) - ilog2(64) + 1);
	KUNIT_EXPECT_EQ(test, pool->buckets[0].size, 64);
	KUNIT_EXPECT_EQ(test, pool->buckets[pool->nr_buckets - 1].size, SZ_1M);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
}

static void bufpool_test_create_zero_params(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-zero-params");

	KUNIT_EXPECT_EQ(test, pool->min_size, 64);
	KUNIT_EXPECT_EQ(test, pool->f.max_size, SZ_1M);
	KUNIT_EXPECT_EQ(test, pool->max_cached_bytes, 16 * SZ_1M);
	KUNIT_EXPECT_EQ(test, pool->flags, 0);
	KUNIT_EXPECT_EQ(test, pool->nr_buckets, 15);
}

static void bufpool_test_create_custom_params(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "kt-custom", 8, SZ_64K, SZ_256K,
					 BUFPOOL_F_NO_INIT);
	struct bufpool *one = bp_create(test, "kt-custom-one", 512, 512, 0, 0);

	KUNIT_EXPECT_EQ(test, pool->min_size, 8);
	KUNIT_EXPECT_EQ(test, pool->f.max_size, SZ_64K);
	KUNIT_EXPECT_EQ(test, pool->max_cached_bytes, SZ_256K);
	KUNIT_EXPECT_EQ(test, pool->flags, BUFPOOL_F_NO_INIT);
	KUNIT_EXPECT_EQ(test, pool->nr_buckets, ilog2(SZ_64K) - 3 + 1);

	/* min_size == max_size: one bucket; the budget defaults to 16 of it */
	KUNIT_EXPECT_EQ(test, one->nr_buckets, 1);
	KUNIT_EXPECT_EQ(test, one->buckets[0].size, 512);
	KUNIT_EXPECT_EQ(test, one->max_cached_bytes, 16 * 512);
}

static void bufpool_test_bucket_layout(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "kt-layout", 8, SZ_4M, 0, 0);
	unsigned int i;

	KUNIT_ASSERT_EQ(test, pool->nr_buckets, ilog2(SZ_4M) - 3 + 1);
	for (i = 0; i < pool->nr_buckets; i++) {
		struct bufpool_bucket *b = &pool->buckets[i];
		size_t size = (size_t)8 << i;
		unsigned int limit = bp_tuning_cpu_limit(8, SZ_4M, SZ_256K,
							 size);

		KUNIT_EXPECT_EQ_MSG(test, b->size, size, "bucket %u", i);
		KUNIT_EXPECT_PTR_EQ_MSG(test, b->pool, pool, "bucket %u", i);
		KUNIT_EXPECT_EQ_MSG(test, b->cpu_limit, limit, "bucket %zu",
				    size);
		/* A depot-only bucket's depot magazines hold one buffer. */
		KUNIT_EXPECT_EQ_MSG(test, b->mag_size, limit ?: 1,
				    "bucket %zu", size);
		if (size <= PAGE_SIZE) {
			KUNIT_EXPECT_NOT_NULL_MSG(test, b->cache,
						  "bucket %zu", size);
			if (b->cache)
				KUNIT_EXPECT_EQ_MSG(test,
						    kmem_cache_size(b->cache),
						    size, "bucket %zu", size);
			KUNIT_EXPECT_EQ_MSG(test, b->order, 0,
					    "bucket %zu", size);
		} else {
			KUNIT_EXPECT_NULL_MSG(test, b->cache,
					      "bucket %zu", size);
			KUNIT_EXPECT_EQ_MSG(test, b->order, get_order(size),
					    "bucket %zu", size);
		}
	}
}

static void bufpool_test_stat_names(struct kunit *test)
{
	unsigned int i, j;

	for (i = 0; i < BUFPOOL_STAT_COUNT; i++) {
		KUNIT_ASSERT_NOT_NULL_MSG(test, bufpool_stat_names[i],
					  "stat %u", i);
		KUNIT_EXPECT_GT_MSG(test, strlen(bufpool_stat_names[i]), 0,
				    "stat %u", i);
		for (j = 0; j < i; j++)
			KUNIT_EXPECT_STRNEQ(test, bufpool_stat_names[i],
					    bufpool_stat_names[j]);
	}
}

/* === Taking buffers === */

static void bufpool_test_take_rounds_up(struct kunit *test)
{
	static const size_t sizes[] = {
		1, 63, 64, 65, 100, 128, 129, 2000, PAGE_SIZE - 1, PAGE_SIZE,
		PAGE_SIZE + 1, 3 * PAGE_SIZE, SZ_64K + 1, SZ_1M - 1, SZ_1M,
	};
	struct bufpool *pool = bp_create_default(test, "kt-round");
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t want = max_t(size_t, roundup_pow_of_two(sizes[i]), 64);
		unsigned int slot = bp_slot(test, pool, want);
		unsigned long takes = bp_stat(pool, slot, BUFPOOL_STAT_TAKE);
		void *buf = bufpool_take(pool, sizes[i], GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL_MSG(test, buf, "size %zu", sizes[i]);
		KUNIT_EXPECT_EQ_MSG(test, bufpool_buf_size(pool, buf), want,
				    "size %zu", sizes[i]);
		KUNIT_EXPECT_EQ_MSG(test, bp_stat(pool, slot, BUFPOOL_STAT_TAKE),
				    takes + 1, "size %zu", sizes[i]);
		KUNIT_EXPECT_EQ(test, bp_out(pool), 1);
		KUNIT_EXPECT_EQ(test, bp_out_bytes(pool), want);
		bufpool_return(pool, buf);
		KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	}
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 0);
}

static void bufpool_test_take_aligned_contiguous(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "kt-align", 8, SZ_1M, 0, 0);
	unsigned int i;

	for (i = 0; i < pool->nr_buckets; i++) {
		size_t size = pool->buckets[i].size;
		unsigned long pfn;
		size_t off;
		void *buf;

		buf = bufpool_take(pool, size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL_MSG(test, buf, "bucket %zu", size);
		KUNIT_EXPECT_TRUE_MSG(test, IS_ALIGNED((unsigned long)buf,
						       min_t(size_t, size,
							     PAGE_SIZE)),
				      "bucket %zu: %p misaligned", size, buf);
		KUNIT_EXPECT_TRUE_MSG(test, virt_addr_valid(buf),
				      "bucket %zu", size);
		KUNIT_EXPECT_FALSE(test, is_vmalloc_addr(buf));
		pfn = page_to_pfn(virt_to_page(buf));
		for (off = PAGE_SIZE; off < size; off += PAGE_SIZE)
			KUNIT_EXPECT_EQ_MSG(test,
					    page_to_pfn(virt_to_page(buf + off)),
					    pfn + off / PAGE_SIZE,
					    "bucket %zu offset %zu", size, off);
		/* The whole bucket size is usable (KASAN checks this). */
		memset(buf, 0x5a, size);
		KUNIT_EXPECT_EQ(test, bufpool_buf_size(pool, buf), size);
		bufpool_return(pool, buf);
	}
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 0);
}

static void bufpool_test_take_unpooled(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "kt-unpooled", 64, SZ_16K, 0, 0);
	unsigned int slot = bufpool_unpooled_slot(pool);
	size_t size = SZ_16K + 1;
	size_t want = PAGE_SIZE << get_order(size);
	unsigned long frees = bp_stat(pool, slot, BUFPOOL_STAT_FREE);
	unsigned long pfn;
	size_t off;
	void *buf;

	buf = bufpool_take(pool, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_EQ(test, bufpool_buf_size(pool, buf), want);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)buf, PAGE_SIZE));
	KUNIT_EXPECT_TRUE(test, virt_addr_valid(buf));
	pfn = page_to_pfn(virt_to_page(buf));
	for (off = PAGE_SIZE; off < want; off += PAGE_SIZE)
		KUNIT_EXPECT_EQ(test, page_to_pfn(virt_to_page(buf + off)),
				pfn + off / PAGE_SIZE);
	memset(buf, 0x5a, want);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_TAKE), 1);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 1);
	KUNIT_EXPECT_EQ(test, bp_out_bytes(pool), want);

	bufpool_return(pool, buf);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_RETURN), 1);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_FREE),
			frees + 1);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_out_bytes(pool), 0);
	/* Never cached. */
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 0);
	bp_expect_conserved(test, pool);
}

static void bufpool_test_take_size_max(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-size-max");
	unsigned int slot = bufpool_unpooled_slot(pool);
	char *buf;

	buf = bufpool_take(pool, BUFPOOL_SIZE_MAX, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_EQ(test, bufpool_buf_size(pool, buf), BUFPOOL_SIZE_MAX);
	buf[0] = 1;
	buf[BUFPOOL_SIZE_MAX - 1] = 1;
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_TAKE), 1);
	bufpool_return(pool, buf);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_RETURN), 1);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 0);
}

static void bufpool_test_outstanding(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-outstanding");
	void *a, *b, *c;

	a = bufpool_take(pool, 100, GFP_KERNEL);
	b = bufpool_take(pool, 5000, GFP_KERNEL);
	c = bufpool_take(pool, SZ_2M, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 3);
	KUNIT_EXPECT_EQ(test, bp_out_bytes(pool), 128 + 8192 + SZ_2M);

	bufpool_return(pool, b);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 2);
	KUNIT_EXPECT_EQ(test, bp_out_bytes(pool), 128 + SZ_2M);
	bufpool_return(pool, c);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 1);
	KUNIT_EXPECT_EQ(test, bp_out_bytes(pool), 128);
	bufpool_return(pool, a);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_out_bytes(pool), 0);
}

/* === Magazines and depot === */

static void bufpool_test_recycle_same_buffer(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-recycle");
	unsigned int slot = bp_slot(test, pool, 128);
	unsigned long hits, allocs;
	void *a, *b;

	a = bufpool_take(pool, 100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_ALLOC), 1);
	bufpool_return(pool, a);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_RETURN), 1);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 128);

	hits = bp_stat(pool, slot, BUFPOOL_STAT_CPU_HIT);
	allocs = bp_stat(pool, slot, BUFPOOL_STAT_ALLOC);
	b = bufpool_take(pool, 100, GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, a, b);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_CPU_HIT),
			hits + 1);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_ALLOC), allocs);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 0);
	bufpool_return(pool, b);
}

static void bufpool_test_recycle_lifo(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-lifo");
	void **bufs = bp_take_many(test, pool, 200, 3);

	bp_return_many(pool, bufs, 3);
	KUNIT_EXPECT_PTR_EQ(test, bufpool_take(pool, 200, GFP_KERNEL), bufs[2]);
	KUNIT_EXPECT_PTR_EQ(test, bufpool_take(pool, 256, GFP_KERNEL), bufs[1]);
	KUNIT_EXPECT_PTR_EQ(test, bufpool_take(pool, 129, GFP_KERNEL), bufs[0]);
	bp_return_many(pool, bufs, 3);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
}

/*
 * The idle marker's word, in every bucket: at a cache line of the
 * buffer's first half (of its first page), the same for the CPU's copy
 * of the rule the inline paths read; set by the return, cleared by the
 * take.  64 buffers of a bucket from 1 KiB up have their markers on at
 * least 8 lines of a page's 64 (an L1 set each), where the first word of
 * every such buffer would share one line in four (1 KiB) or all one.
 */
static void bufpool_test_marker_colour(struct kunit *test)
{
	/* A cap that keeps every buffer returned idle, to look at. */
	struct bufpool *pool = bp_create(test, "kt-colour", 0, SZ_64K, SZ_64M,
					 0);
	const unsigned int n = 64, lines = PAGE_SIZE / L1_CACHE_BYTES;
	unsigned long *used = kunit_kzalloc(test, BITS_TO_LONGS(lines) *
					    sizeof(long), GFP_KERNEL);
	unsigned int slot, i;

	KUNIT_ASSERT_NOT_NULL(test, used);
	for (slot = 0; slot < pool->nr_buckets; slot++) {
		struct bufpool_bucket *b = &pool->buckets[slot];
		size_t half = min_t(size_t, b->size, PAGE_SIZE) / 2;
		struct bufpool_cpu_bucket *cb;
		struct bufpool_cpu *pcp;
		void **bufs;

		pcp = bufpool_cpu_trylock(pool);
		KUNIT_ASSERT_NOT_NULL(test, pcp);
		cb = &pcp->b[slot];
		KUNIT_EXPECT_EQ(test, cb->mark_mask,
				__bufpool_mark_mask(b->size));
		KUNIT_EXPECT_EQ(test, cb->mark_shift,
				__bufpool_mark_shift(b->size));
		bufpool_cpu_unlock(pool, pcp);

		bufs = bp_take_many(test, pool, b->size, n);
		bitmap_zero(used, lines);
		for (i = 0; i < n; i++) {
			unsigned long *word = bufpool_marker(b, bufs[i]);
			size_t off = (void *)word - bufs[i];

			KUNIT_EXPECT_LT_MSG(test, off, max_t(size_t, half,
							     sizeof(*word)),
					    "bucket %zu", b->size);
			if (b->size >= 2 * L1_CACHE_BYTES)
				KUNIT_EXPECT_EQ(test,
						off % L1_CACHE_BYTES, 0);
			else
				KUNIT_EXPECT_EQ(test, off, 0);
			KUNIT_EXPECT_EQ(test, *word, 0);
			__set_bit(offset_in_page(word) / L1_CACHE_BYTES, used);
		}
		if (b->size >= SZ_1K)
			KUNIT_EXPECT_GE_MSG(test, bitmap_weight(used, lines), 8,
					    "bucket %zu", b->size);
		bufpool_return_bulk(pool, n, bufs);
		/* Idle: KASAN poisons it, as the claim, the read is unchecked. */
		for (i = 0; i < n; i++)
			KUNIT_EXPECT_EQ(test,
					READ_ONCE_NOCHECK(*bufpool_marker(b,
									  bufs[i])),
					bufpool_idle_mark(pool, bufs[i]));
		/* The idle marker makes a second return a double one. */
		bufpool_return(pool, bufs[0]);
		KUNIT_EXPECT_EQ(test,
				bp_stat(pool, slot, BUFPOOL_STAT_BAD_RETURN), 1);
		bufpool_clear(pool);
	}
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
}

static void bufpool_test_idle_bytes(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-idle");
	void **bufs = bp_take_many(test, pool, 512, 5);
	void *big;

	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 0);
	bp_return_many(pool, bufs, 5);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 5 * 512);
	bufs = bp_take_many(test, pool, 512, 2);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 3 * 512);
	big = bufpool_take(pool, 3 * PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, big);
	bufpool_return(pool, big);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool),
			3 * 512 + 4 * PAGE_SIZE);
	bp_return_many(pool, bufs, 2);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool),
			5 * 512 + 4 * PAGE_SIZE);
	bp_expect_conserved(test, pool);
}

static void bufpool_test_depot_full_magazines(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-depot");
	unsigned int slot = bp_slot(test, pool, 256);
	struct bufpool_bucket *b = &pool->buckets[slot];
	unsigned int n = 3 * b->mag_size + 1;
	void **bufs;

	bufs = bp_take_many(test, pool, 256, n);
	/* A fresh pool has nothing idle: every take allocates. */
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_ALLOC), n);
	KUNIT_EXPECT_EQ(test, bp_nr_full(b), 0);

	bp_return_many(pool, bufs, n);
	/* Both CPU magazines filled up, so whole magazines went to the depot. */
	KUNIT_EXPECT_GE(test, bp_nr_full(b), 1);
	KUNIT_EXPECT_GT(test, bp_nr_bufs(b), 0);
	KUNIT_EXPECT_EQ(test, bp_depot_bytes(pool), bp_nr_bufs(b) * 256);
	KUNIT_EXPECT_EQ(test, bp_cpu_bufs(pool, raw_smp_processor_id(), slot) +
			bp_nr_bufs(b), n);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), n * 256);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_FREE), 0);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_OVER_BUDGET), 0);
	bp_expect_conserved(test, pool);
}

static void bufpool_test_depot_hit(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-depot-hit");
	unsigned int slot = bp_slot(test, pool, 256);
	struct bufpool_bucket *b = &pool->buckets[slot];
	unsigned int n = 3 * b->mag_size + 1;
	unsigned long allocs, hits, depot_hits;
	void **bufs;

	bufs = bp_take_many(test, pool, 256, n);
	bp_return_many(pool, bufs, n);
	KUNIT_ASSERT_GE(test, bp_nr_full(b), 1);

	allocs = bp_stat(pool, slot, BUFPOOL_STAT_ALLOC);
	hits = bp_stat(pool, slot, BUFPOOL_STAT_CPU_HIT);
	depot_hits = bp_stat(pool, slot, BUFPOOL_STAT_DEPOT_HIT);
	bufs = bp_take_many(test, pool, 256, n);
	/* All n come back from the magazines and the depot, none is new. */
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_ALLOC), allocs);
	KUNIT_EXPECT_GE(test, bp_stat(pool, slot, BUFPOOL_STAT_DEPOT_HIT),
			depot_hits + 1);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_CPU_HIT) - hits +
			bp_stat(pool, slot, BUFPOOL_STAT_DEPOT_HIT) - depot_hits,
			n);
	KUNIT_EXPECT_EQ(test, bp_nr_bufs(b), 0);
	KUNIT_EXPECT_EQ(test, bp_depot_bytes(pool), 0);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 0);
	bp_return_many(pool, bufs, n);
	bp_expect_conserved(test, pool);
}

static void bufpool_test_over_budget(struct kunit *test)
{
	/* Budget: one buffer, less than any magazine. */
	struct bufpool *pool = bp_create(test, "kt-budget-tiny", 64, SZ_4K,
					 256, 0);
	unsigned int slot = bp_slot(test, pool, 256);
	struct bufpool_bucket *b = &pool->buckets[slot];
	unsigned int n = 3 * b->mag_size + 1;
	unsigned long over, frees;
	void **bufs;

	KUNIT_ASSERT_GT(test, b->mag_size, 1);
	bufs = bp_take_many(test, pool, 256, n);
	bp_return_many(pool, bufs, n);

	over = bp_stat(pool, slot, BUFPOOL_STAT_OVER_BUDGET);
	frees = bp_stat(pool, slot, BUFPOOL_STAT_FREE);
	/* Once both CPU magazines are full, each return is freed. */
	KUNIT_EXPECT_EQ(test, over, n - 2 * b->mag_size);
	KUNIT_EXPECT_EQ(test, frees, over);
	KUNIT_EXPECT_EQ(test, bp_nr_full(b), 0);
	KUNIT_EXPECT_LE(test, bp_depot_bytes(pool), 256);
	/* Every returned buffer is either idle or freed. */
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool) / 256 + frees, n);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_RETURN), n);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	bp_expect_conserved(test, pool);
}

static void bufpool_test_depot_within_budget(struct kunit *test)
{
	/* Budget: two 256-byte magazines (32 buffers each). */
	struct bufpool *pool = bp_create(test, "kt-budget", 64, SZ_4K,
					 2 * BUFPOOL_MAG_MAX * 256, 0);
	unsigned int slot = bp_slot(test, pool, 256);
	struct bufpool_bucket *b = &pool->buckets[slot];
	unsigned int n = 8 * b->mag_size, i, bad = 0;
	long max_seen = 0;
	void **bufs;

	KUNIT_ASSERT_EQ(test, b->mag_size, BUFPOOL_MAG_MAX);
	bufs = bp_take_many(test, pool, 256, n);
	for (i = 0; i < n; i++) {
		long depot;

		bufpool_return(pool, bufs[i]);
		depot = bp_depot_bytes(pool);
		max_seen = max(max_seen, depot);
		if (depot > (long)pool->max_cached_bytes)
			bad++;
	}
	KUNIT_EXPECT_EQ_MSG(test, bad, 0, "depot reached %ld bytes", max_seen);
	/* The depot filled up to the budget, then returns were freed. */
	KUNIT_EXPECT_EQ(test, max_seen, (long)pool->max_cached_bytes);
	KUNIT_EXPECT_GT(test, bp_stat(pool, slot, BUFPOOL_STAT_OVER_BUDGET), 0);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool) / 256 +
			bp_stat(pool, slot, BUFPOOL_STAT_FREE), n);
	bp_expect_conserved(test, pool);
}

static void bufpool_test_clear_frees_idle(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-clear");
	unsigned int s256 = bp_slot(test, pool, 256);
	unsigned int s8k = bp_slot(test, pool, SZ_8K);
	unsigned int n256 = 3 * pool->buckets[s256].mag_size + 1;
	unsigned int n8k = 3 * pool->buckets[s8k].mag_size + 1;
	unsigned long frees;
	unsigned int i;
	void **bufs;

	bufs = bp_take_many(test, pool, 256, n256);
	bp_return_many(pool, bufs, n256);
	bufs = bp_take_many(test, pool, SZ_8K, n8k);
	bp_return_many(pool, bufs, n8k);
	KUNIT_ASSERT_EQ(test, bufpool_idle_bytes(pool),
			n256 * 256 + n8k * SZ_8K);
	KUNIT_ASSERT_GT(test, bp_depot_bytes(pool), 0);

	frees = bp_stat_total(pool, BUFPOOL_STAT_FREE);
	bufpool_clear(pool);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_depot_bytes(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_all_cpu_bufs(pool), 0);
	for (i = 0; i < pool->nr_buckets; i++) {
		KUNIT_EXPECT_EQ(test, bp_nr_full(&pool->buckets[i]), 0);
		KUNIT_EXPECT_EQ(test, bp_nr_bufs(&pool->buckets[i]), 0);
	}
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_FREE) - frees,
			n256 + n8k);
	/* The pool still works after a clear. */
	bufs = bp_take_many(test, pool, 256, 2);
	bp_return_many(pool, bufs, 2);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 2 * 256);
	bp_expect_conserved(test, pool);
}

static void bufpool_test_clear_keeps_taken(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-clear-taken");
	static const size_t sizes[] = { 100, SZ_4K, SZ_16K, SZ_2M };
	void *kept[ARRAY_SIZE(sizes)];
	void **idle;
	unsigned int i;

	idle = bp_take_many(test, pool, 100, 40);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		kept[i] = bufpool_take(pool, sizes[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, kept[i]);
		bp_fill(kept[i], bufpool_buf_size(pool, kept[i]));
	}
	bp_return_many(pool, idle, 40);
	bufpool_clear(pool);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_out(pool), ARRAY_SIZE(sizes));

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t size = bufpool_buf_size(pool, kept[i]);

		KUNIT_EXPECT_GE(test, size, sizes[i]);
		KUNIT_EXPECT_TRUE_MSG(test, bp_check(kept[i], size),
				      "size %zu changed by clear", sizes[i]);
		bufpool_return(pool, kept[i]);
	}
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_RETURN),
			40 + ARRAY_SIZE(sizes));
	bp_expect_conserved(test, pool);
}

static void bufpool_test_depot_trim_all(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-trim-all");
	unsigned int slot = bp_slot(test, pool, 256);
	struct bufpool_bucket *b = &pool->buckets[slot];
	unsigned int n = 5 * b->mag_size + 1;
	unsigned long freed, in_depot, frees;
	size_t cpu_bytes;
	void **bufs;

	bufs = bp_take_many(test, pool, 256, n);
	bp_return_many(pool, bufs, n);
	in_depot = bp_nr_bufs(b);
	KUNIT_ASSERT_GT(test, in_depot, 0);
	cpu_bytes = bufpool_idle_bytes(pool) - bp_depot_bytes(pool);
	KUNIT_ASSERT_GT(test, cpu_bytes, 0);
	frees = bp_stat(pool, slot, BUFPOOL_STAT_FREE);

	freed = bufpool_depot_trim(pool, BUFPOOL_STAT_TRIM);
	KUNIT_EXPECT_EQ(test, freed, in_depot);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_TRIM), freed);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_FREE),
			frees + freed);
	KUNIT_EXPECT_EQ(test, bp_nr_full(b), 0);
	KUNIT_EXPECT_EQ(test, bp_nr_bufs(b), 0);
	KUNIT_EXPECT_EQ(test, bp_depot_bytes(pool), 0);
	/* The CPU magazines are not the depot's to trim. */
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), cpu_bytes);
	/* Nothing left to trim. */
	KUNIT_EXPECT_EQ(test, bufpool_depot_trim(pool, BUFPOOL_STAT_TRIM), 0);
	bp_expect_conserved(test, pool);
}

/*
 * A trim moves a bounded number of magazines per hold of the depot lock,
 * with interrupts off, however many the depot holds: here 40 full ones and
 * their empty ones, all freed in the end.
 */
static void bufpool_test_depot_trim_bounded(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "kt-trim-bound", 64,
						    SZ_4K, SZ_16M, 0);
	struct bufpool_bucket *b = &pool->buckets[0];
	unsigned int n = 42 * b->mag_size;
	void **bufs;

	bufs = bp_take_many(test, pool, 64, n);
	bp_return_many(pool, bufs, n);
	KUNIT_ASSERT_GE(test, bp_nr_full(b), 40);

	WRITE_ONCE(bufpool_trim_longest, 0);
	KUNIT_EXPECT_EQ(test, bufpool_depot_trim(pool, BUFPOOL_STAT_FREE),
			(unsigned long)(n - bp_all_cpu_bufs(pool)));
	KUNIT_EXPECT_GT(test, bufpool_trim_longest, 0);
	KUNIT_EXPECT_LE(test, bufpool_trim_longest, 8);
	KUNIT_EXPECT_EQ(test, bp_nr_full(b), 0);
	KUNIT_EXPECT_EQ(test, bp_depot_bytes(pool), 0);
	bufpool_clear(pool);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 0);
	bp_expect_conserved(test, pool);
}

static void bufpool_test_depot_trim_some(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-trim-some");
	unsigned int slot = bp_slot(test, pool, 256);
	struct bufpool_bucket *b = &pool->buckets[slot];
	unsigned int n = 5 * b->mag_size + 1;
	unsigned long freed, in_depot;
	size_t idle;
	void **bufs;

	bufs = bp_take_many(test, pool, 256, n);
	bp_return_many(pool, bufs, n);
	in_depot = bp_nr_bufs(b);
	KUNIT_ASSERT_GE(test, in_depot, 3 * b->mag_size);
	idle = bufpool_idle_bytes(pool);

	/* Ask for one magazine's worth: whole magazines, about that many. */
	KUNIT_EXPECT_EQ(test, bufpool_depot_trim_bytes(pool, NUMA_NO_NODE,
						       b->mag_size * 256,
						       BUFPOOL_STAT_TRIM,
						       &freed), freed * 256);
	KUNIT_EXPECT_GE(test, freed, 1);
	KUNIT_EXPECT_LE(test, freed, 2 * b->mag_size);
	KUNIT_EXPECT_EQ(test, bp_nr_bufs(b), in_depot - freed);
	KUNIT_EXPECT_GT(test, bp_nr_bufs(b), 0);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_TRIM), freed);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), idle - freed * 256);
	bp_expect_conserved(test, pool);
}

/* Wait for the drain work items the shrinker queued. */
static void bp_flush_drain_work(struct bufpool *pool)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		flush_work(&per_cpu_ptr(pool->aux, cpu)->drain_work);
}

static struct shrinker *bp_shrinker(struct kunit *test, struct bufpool *pool)
{
	struct shrinker *shrinker = pool->shrinker;

	KUNIT_ASSERT_NOT_NULL(test, shrinker);
	KUNIT_EXPECT_TRUE(test, shrinker->flags & SHRINKER_REGISTERED);
	KUNIT_ASSERT_NOT_NULL(test, shrinker->count_objects);
	KUNIT_ASSERT_NOT_NULL(test, shrinker->scan_objects);
	return shrinker;
}

/* What the shrinker's count should be: the estimate, and the unfolded hint. */
static unsigned long bp_shrink_expect(struct bufpool *pool)
{
	size_t bytes = bufpool_idle_estimate(pool, 0);

	if (READ_ONCE(pool->nodes[0].unfolded))
		bytes += pool->cpu_bound;
	return DIV_ROUND_UP(bytes, PAGE_SIZE);
}

static void bufpool_test_shrinker_count(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-shrink-count");
	struct shrinker *shrinker = bp_shrinker(test, pool);
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL, .nid = 0 };
	unsigned int n = 5 * BUFPOOL_MAG_MAX + 1;
	unsigned long count;
	void **bufs;

	KUNIT_EXPECT_TRUE(test, shrinker->flags & SHRINKER_NUMA_AWARE);
	/* Nothing idle: nothing to count. */
	count = shrinker->count_objects(shrinker, &sc);
	KUNIT_EXPECT_TRUE_MSG(test, count == 0 || count == SHRINK_EMPTY,
			      "count %lu", count);

	/*
	 * Idle buffers in the depot and in this CPU's magazines count, in
	 * pages, the shrinkers' unit: the depot's exactly, the magazines' as
	 * this CPU last folded them (on its last depot visit), and, since
	 * returns filled them after that, one CPU's bound more.
	 */
	bufs = bp_take_many(test, pool, 512, n);
	bp_return_many(pool, bufs, n);
	bufs = bp_take_many(test, pool, SZ_16K, 3);
	bp_return_many(pool, bufs, 3);
	KUNIT_ASSERT_GT(test, bp_depot_bytes(pool), 0);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(pool->nodes[0].unfolded));
	count = shrinker->count_objects(shrinker, &sc);
	KUNIT_EXPECT_EQ(test, count, bp_shrink_expect(pool));
	KUNIT_EXPECT_GE(test, count * PAGE_SIZE, bp_depot_bytes(pool));
	KUNIT_EXPECT_LE(test, count * PAGE_SIZE,
			n * 512 + 3 * SZ_16K + pool->cpu_bound + PAGE_SIZE);
	/* Two buffers returned since the last fold: one of each size. */
	KUNIT_EXPECT_EQ(test, bufpool_idle_estimate(pool, NUMA_NO_NODE),
			(n - 1) * 512 + 2 * SZ_16K);
	KUNIT_EXPECT_EQ(test, bufpool_idle_estimate(pool, 0),
			(n - 1) * 512 + 2 * SZ_16K);

	/*
	 * Buffers out are not the shrinker's: takes of all of them leave
	 * only what this CPU's magazines held at its last fold, within its
	 * bound.
	 */
	bufs = bp_take_many(test, pool, 512, n);
	KUNIT_EXPECT_EQ(test, bp_depot_bytes(pool) % SZ_16K, 0);
	KUNIT_EXPECT_LE(test, bufpool_idle_estimate(pool, NUMA_NO_NODE),
			bp_depot_bytes(pool) + pool->cpu_bound);
	bp_return_many(pool, bufs, n);

	/* Folded by the drain: exact again, and nothing. */
	bufpool_clear(pool);
	count = shrinker->count_objects(shrinker, &sc);
	KUNIT_EXPECT_TRUE_MSG(test, count == 0 || count == SHRINK_EMPTY,
			      "count %lu", count);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pool->nodes[0].cpu_idle_bytes),
			0);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(pool->nodes[0].unfolded));
}

/*
 * Returns that only fill this CPU's magazines, without a depot visit, fold
 * nothing: the estimate stays 0.  The count must still see them (else the
 * shrinker never scans, and with decay off or on an isolated CPU they stay
 * forever), and a scan must give them back.
 */
static void bufpool_test_shrinker_unfolded(struct kunit *test)
{
	struct bufpool_params params = { .decay_ms = BUFPOOL_DECAY_OFF };
	struct bufpool *pool = bufpool_create("kt-shrink-unfolded", &params);
	struct shrinker *shrinker;
	struct shrink_control sc = {
		.gfp_mask = GFP_KERNEL, .nid = 0, .nr_to_scan = 128,
	};
	unsigned long count;
	unsigned int n;
	void **bufs;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	bp_destroy_at_end(test, pool);
	shrinker = bp_shrinker(test, pool);
	n = pool->buckets[bp_slot(test, pool, 512)].mag_size - 1;

	/* From the backend, and back into the magazine: no fold. */
	bufs = bp_take_many(test, pool, 512, n);
	bp_return_many(pool, bufs, n);
	KUNIT_ASSERT_EQ(test, bufpool_idle_bytes(pool), n * 512);
	KUNIT_EXPECT_EQ(test, bufpool_idle_estimate(pool, 0), 0);
	count = shrinker->count_objects(shrinker, &sc);
	KUNIT_EXPECT_NE(test, count, SHRINK_EMPTY);
	KUNIT_EXPECT_GE(test, count * PAGE_SIZE, n * 512);

	/* The scan finds no depot to trim, and drains the magazines. */
	shrinker->scan_objects(shrinker, &sc);
	bp_flush_drain_work(pool);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 0);
	count = shrinker->count_objects(shrinker, &sc);
	KUNIT_EXPECT_TRUE_MSG(test, count == 0 || count == SHRINK_EMPTY,
			      "count %lu", count);

	/*
	 * The drain dropped this CPU's memo: the next return goes out of line
	 * and marks the node again, though the memo would have let it in.
	 */
	bufs = bp_take_many(test, pool, 512, n);
	bp_return_many(pool, bufs, n);
	KUNIT_EXPECT_EQ(test, bufpool_idle_estimate(pool, 0), 0);
	count = shrinker->count_objects(shrinker, &sc);
	KUNIT_EXPECT_NE(test, count, SHRINK_EMPTY);
	KUNIT_EXPECT_GE(test, count * PAGE_SIZE, n * 512);
	bp_expect_conserved(test, pool);
}

static void bufpool_test_shrinker_scan(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-shrink-scan");
	struct shrinker *shrinker = bp_shrinker(test, pool);
	unsigned int slot = bp_slot(test, pool, 512);
	struct bufpool_bucket *b = &pool->buckets[slot];
	unsigned int n = 5 * b->mag_size + 1;
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL };
	unsigned long freed = 0, ret, in_depot, frees, count;
	size_t cpu_bytes;
	unsigned int i;
	void **bufs;

	bufs = bp_take_many(test, pool, 512, n);
	bp_return_many(pool, bufs, n);
	in_depot = bp_nr_bufs(b);
	KUNIT_ASSERT_GT(test, in_depot, 0);
	cpu_bytes = bufpool_idle_bytes(pool) - bp_depot_bytes(pool);
	frees = bp_stat(pool, slot, BUFPOOL_STAT_FREE);

	/*
	 * While the depot has enough, a scan of a magazine's pages takes one
	 * whole depot magazine.
	 */
	sc.nr_to_scan = b->mag_size * 512 / PAGE_SIZE;
	sc.nr_scanned = sc.nr_to_scan;
	ret = shrinker->scan_objects(shrinker, &sc);
	KUNIT_EXPECT_EQ(test, ret, sc.nr_to_scan);
	KUNIT_EXPECT_EQ(test, bp_nr_bufs(b), in_depot - b->mag_size);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_TRIM),
			b->mag_size);
	bp_flush_drain_work(pool);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool) - bp_depot_bytes(pool),
			cpu_bytes);
	freed += ret;

	/* Keep scanning, as reclaim would, until nothing is left. */
	for (i = 0; i < 16; i++) {
		count = shrinker->count_objects(shrinker, &sc);
		if (!count || count == SHRINK_EMPTY)
			break;
		sc.nr_to_scan = min_t(unsigned long, count, 128);
		sc.nr_scanned = sc.nr_to_scan;
		ret = shrinker->scan_objects(shrinker, &sc);
		if (ret != SHRINK_STOP)
			freed += ret;
		/* Freeing per-CPU magazines is left to their CPUs' work. */
		bp_flush_drain_work(pool);
	}
	KUNIT_EXPECT_LT(test, i, 16);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_depot_bytes(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_all_cpu_bufs(pool), 0);
	KUNIT_EXPECT_EQ(test, freed, in_depot * 512 / PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_TRIM), in_depot);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_FREE) - frees, n);
	/* The pool works on. */
	bufs = bp_take_many(test, pool, 512, 3);
	bp_return_many(pool, bufs, 3);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 3 * 512);
	bp_expect_conserved(test, pool);
}

/*
 * Pages, not buffers: a scan of 128 pages frees one 1 MiB buffer (256
 * pages, the smallest whole magazine that covers it), not 128 of them.
 */
static void bufpool_test_shrinker_pages(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "kt-shrink-pages", 0, SZ_1M,
					 SZ_16M, 0);
	struct shrinker *shrinker = bp_shrinker(test, pool);
	unsigned int slot = bp_slot(test, pool, SZ_1M);
	struct bufpool_bucket *b = &pool->buckets[slot];
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL };
	unsigned long in_depot, ret;
	void **bufs;

	KUNIT_ASSERT_EQ(test, b->mag_size, 1);
	bufs = bp_take_many(test, pool, SZ_1M, 8);
	bp_return_many(pool, bufs, 8);
	in_depot = bp_nr_bufs(b);
	KUNIT_ASSERT_GE(test, in_depot, 2);
	KUNIT_EXPECT_EQ(test, shrinker->count_objects(shrinker, &sc),
			8 * (SZ_1M / PAGE_SIZE));

	sc.nr_to_scan = 128;
	sc.nr_scanned = 128;
	ret = shrinker->scan_objects(shrinker, &sc);
	KUNIT_EXPECT_EQ(test, ret, SZ_1M / PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, bp_nr_bufs(b), in_depot - 1);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 7 * SZ_1M);
	bp_expect_conserved(test, pool);
}

struct bp_fill_arg {
	struct bufpool *pool;
	unsigned int extra;
	unsigned int failed;
};

/*
 * On the CPU it runs on, fill every bucket: take twice a CPU's magazine
 * and @extra magazines more, or 3 buffers of a depot-only bucket, and give
 * them all back.  With @extra 0 a CPU's two magazines of every bucket end
 * full: its per-CPU bound exactly.
 */
static long bp_fill_cpu(void *data)
{
	struct bp_fill_arg *arg = data;
	struct bufpool *pool = arg->pool;

	void *bufs[4 * BUFPOOL_MAG_MAX + 3];
	unsigned int i, j;

	for (i = 0; i < pool->nr_buckets; i++) {
		struct bufpool_bucket *b = &pool->buckets[i];
		unsigned int n = b->cpu_limit ?
				 (2 + arg->extra) * b->cpu_limit + arg->extra :
				 3;

		/* No KUnit assertion here: this is not the test's thread. */
		n = min_t(unsigned int, n, ARRAY_SIZE(bufs));
		for (j = 0; j < n; j++) {
			bufs[j] = bufpool_take(pool, b->size, GFP_KERNEL);
			arg->failed += !bufs[j];
		}
		bp_return_many(pool, bufs, n);
	}
	return 0;
}

/* Bytes idle in every CPU's magazines. */
static size_t bp_cpu_bytes(struct bufpool *pool)
{
	size_t bytes = 0;
	unsigned int cpu, i;

	for_each_possible_cpu(cpu)
		for (i = 0; i < pool->nr_buckets; i++)
			bytes += bp_cpu_bufs(pool, cpu, i) *
				 pool->buckets[i].size;
	return bytes;
}

/*
 * The per-CPU bound: whatever max_size is, with default parameters every
 * CPU's magazines hold at most 256 KiB, exactly the bound the pool
 * computes and Documentation/tuning.rst gives, however every bucket is
 * filled on every CPU this test can use; the larger buckets are served by
 * the depot alone.
 */
static void bufpool_test_cpu_bound(struct kunit *test)
{
	static const size_t max_sizes[] = { SZ_64K, SZ_1M, SZ_4M };
	static const char * const names[] = {
		"kt-cpu-bound-64k", "kt-cpu-bound-1m", "kt-cpu-bound-4m"
	};
	unsigned int i, j, cpu, nr_cpus;

	for (i = 0; i < ARRAY_SIZE(max_sizes); i++) {
		struct bufpool *pool = bp_create(test, names[i], 0,
						 max_sizes[i], SZ_64M, 0);
		struct bp_fill_arg arg = { .pool = pool };
		size_t bound = pool->cpu_bound;

		KUNIT_EXPECT_LE(test, bound, SZ_256K);
		KUNIT_EXPECT_EQ(test, bound,
				bp_tuning_cpu_bound(64, max_sizes[i], SZ_256K));
		for (j = 0; j < pool->nr_buckets; j++)
			KUNIT_EXPECT_EQ_MSG(test,
					    pool->buckets[j].cpu_limit == 0,
					    pool->buckets[j].size > SZ_16K,
					    "bucket %zu", pool->buckets[j].size);

		nr_cpus = 0;
		cpus_read_lock();
		for_each_online_cpu(cpu) {
			work_on_cpu(cpu, bp_fill_cpu, &arg);
			nr_cpus++;
		}
		cpus_read_unlock();
		KUNIT_ASSERT_EQ(test, arg.failed, 0);
		/* Full magazines everywhere: the bound, reached. */
		KUNIT_EXPECT_EQ(test, bp_cpu_bytes(pool), nr_cpus * bound);
		/* The depot-only buckets' buffers all wait in the depot. */
		for (j = 0; j < pool->nr_buckets; j++)
			if (!pool->buckets[j].cpu_limit)
				KUNIT_EXPECT_EQ(test,
						bp_nr_bufs(&pool->buckets[j]),
						3 * nr_cpus);

		/* More of everything: the bound holds. */
		arg.extra = 3;
		cpus_read_lock();
		for_each_online_cpu(cpu)
			work_on_cpu(cpu, bp_fill_cpu, &arg);
		cpus_read_unlock();
		KUNIT_ASSERT_EQ(test, arg.failed, 0);
		KUNIT_EXPECT_LE(test, bp_cpu_bytes(pool), nr_cpus * bound);
		KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
		bp_expect_conserved(test, pool);
		bufpool_clear(pool);
	}
}

/*
 * A larger cpu_cache_bytes keeps larger buckets per CPU: 1 MiB gives
 * magazines of up to 64 KiB, a bound of 892 KiB (Documentation/tuning.rst).
 */
static void bufpool_test_cpu_cache_bytes(struct kunit *test)
{
	struct bufpool_params params = { .cpu_cache_bytes = SZ_1M };
	struct bufpool *pool = bufpool_create("kt-cpu-cache-1m", &params);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	bp_destroy_at_end(test, pool);
	KUNIT_EXPECT_EQ(test, pool->cpu_cache_bytes, SZ_1M);
	KUNIT_EXPECT_EQ(test, pool->cpu_bound, 913408);
	KUNIT_EXPECT_EQ(test, pool->cpu_bound,
			bp_tuning_cpu_bound(64, SZ_1M, SZ_1M));
	KUNIT_EXPECT_EQ(test, pool->buckets[bp_slot(test, pool, SZ_64K)].cpu_limit,
			1);
	KUNIT_EXPECT_EQ(test, pool->buckets[bp_slot(test, pool, SZ_128K)].cpu_limit,
			0);
	KUNIT_EXPECT_EQ(test, pool->buckets[bp_slot(test, pool, SZ_1K)].cpu_limit,
			32);
}

/*
 * A pool with no per-CPU magazines (cpu_cache_bytes below 2 * min_size):
 * every take and return goes through the depot, and all works.
 */
static void bufpool_test_depot_only(struct kunit *test)
{
	struct bufpool_params params = { .cpu_cache_bytes = 1 };
	struct bufpool *pool = bufpool_create("kt-depot-only", &params);
	unsigned int slot, i;
	void **bufs;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	bp_destroy_at_end(test, pool);
	KUNIT_EXPECT_EQ(test, pool->cpu_bound, 0);
	for (i = 0; i < pool->nr_buckets; i++)
		KUNIT_EXPECT_EQ(test, pool->buckets[i].cpu_limit, 0);

	slot = bp_slot(test, pool, 256);
	bufs = bp_take_many(test, pool, 200, 10);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 10);
	bp_return_many(pool, bufs, 10);
	KUNIT_EXPECT_EQ(test, bp_nr_bufs(&pool->buckets[slot]), 10);
	KUNIT_EXPECT_EQ(test, bp_all_cpu_bufs(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_depot_bytes(pool), 10 * 256);

	/* Taken back from the depot, in the order the depot keeps. */
	bufs = bp_take_many(test, pool, 256, 10);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_DEPOT_HIT), 10);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_ALLOC), 10);
	KUNIT_EXPECT_EQ(test, bp_nr_bufs(&pool->buckets[slot]), 0);
	KUNIT_EXPECT_EQ(test, bp_depot_bytes(pool), 0);
	/* A double return is refused here too. */
	bufpool_return(pool, bufs[0]);
	bufpool_return(pool, bufs[0]);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_BAD_RETURN), 1);
	bp_return_many(pool, bufs + 1, 9);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	bp_expect_conserved(test, pool);
	bufpool_clear(pool);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 0);
}

/*
 * Single buffers at a per-CPU bucket's depot, as a return of another node's
 * memory puts them there (the first full magazine has room: in it, else a
 * new one first), and a take of a node's memory takes them out.  UML has
 * one node: the depot of node 0 stands in for another's.
 */
static void bufpool_test_depot_single(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-depot-single");
	unsigned int slot = bp_slot(test, pool, 512);
	struct bufpool_bucket *b = &pool->buckets[slot];
	unsigned int n = b->mag_size + 3, i;
	struct bufpool_cpu *pcp;
	void **bufs, *buf;
	bool ok = true;

	KUNIT_ASSERT_GT(test, b->cpu_limit, 0);
	bufs = bp_take_many(test, pool, 512, n);
	pcp = bufpool_cpu_trylock(pool);
	KUNIT_ASSERT_NOT_NULL(test, pcp);
	for (i = 0; i < n; i++) {
		/* The claim a return makes first: the buffer is idle now. */
		ok &= bufpool_claim(pool, b, bufs[i]);
		bufpool_kasan_poison(bufs[i]);
		ok &= bufpool_depot_push(pool, b, &pcp->b[slot], 0, bufs[i]);
		__bufpool_count(pcp, slot, BUFPOOL_STAT_RETURN, 1);
	}
	bufpool_cpu_unlock(pool, pcp);
	KUNIT_EXPECT_TRUE(test, ok);
	/* A full magazine and one of three, none in this CPU's. */
	KUNIT_EXPECT_EQ(test, bp_nr_bufs(b), n);
	KUNIT_EXPECT_EQ(test, bp_nr_full(b), 2);
	KUNIT_EXPECT_EQ(test, bp_all_cpu_bufs(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_depot_bytes(pool), n * 512);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), n * 512);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	bp_expect_conserved(test, pool);

	/* A take of node 0's memory on node 0: this CPU's way, a refill. */
	buf = bufpool_take_node(pool, 512, GFP_KERNEL, 0);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_EQ(test, page_to_nid(virt_to_page(buf)), 0);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_DEPOT_HIT), 1);
	KUNIT_EXPECT_EQ(test, bp_nr_full(b), 1);
	bufpool_return(pool, buf);
	bp_expect_conserved(test, pool);
	bufpool_clear(pool);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 0);
}

/*
 * bufpool_take_node(): NUMA_NO_NODE is bufpool_take(); a node that is not
 * online gets NULL and a warning, never memory of another node silently.
 */
static void bufpool_test_take_node(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-take-node");
	static const int bad[] = { -2, MAX_NUMNODES, INT_MAX, INT_MIN };
	unsigned int i;
	void *buf;

	buf = bufpool_take_node(pool, 100, GFP_KERNEL, NUMA_NO_NODE);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	bufpool_return(pool, buf);
	buf = bufpool_take_node(pool, SZ_1M, GFP_KERNEL, 0);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_EQ(test, page_to_nid(virt_to_page(buf)), 0);
	bufpool_return(pool, buf);
	/* Unpooled, of node 0. */
	buf = bufpool_take_node(pool, SZ_4M, GFP_KERNEL, 0);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_EQ(test, page_to_nid(virt_to_page(buf)), 0);
	bufpool_return(pool, buf);

	bp_console_start(test, "kt-take-node");
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_NULL(test, bufpool_take_node(pool, 100,
							  GFP_KERNEL, bad[i]));
	KUNIT_EXPECT_NULL(test, bufpool_take_node(pool, 100, GFP_KERNEL,
						  nr_node_ids));
	/* One line each, naming the node and the caller. */
	KUNIT_EXPECT_EQ(test, bp_console_count("no such node"),
			ARRAY_SIZE(bad) + 1);
	KUNIT_EXPECT_TRUE(test, bp_console_has("bytes on node -2 by "));
	bp_console_clear();
	KUNIT_EXPECT_NULL(test, bufpool_take_node(pool, 100,
						  GFP_KERNEL | __GFP_NOWARN,
						  -2));
	KUNIT_EXPECT_EQ(test, bp_console_count("no such node"), 0);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	bp_expect_conserved(test, pool);
}

static struct bufpool *bp_create_decay(struct kunit *test, const char *name,
				       unsigned int decay_ms)
{
	struct bufpool_params params = { .decay_ms = decay_ms };

	return bp_create_params(test, name, &params);
}

/*
 * Decay: the depot's idle buffers that nobody takes go back within two
 * periods, without pressure; a pool whose decay is off keeps them.
 */
static void bufpool_test_decay(struct kunit *test)
{
	struct bufpool *pool = bp_create_decay(test, "kt-decay", 20);
	struct bufpool *keep = bp_create_decay(test, "kt-decay-off",
					       BUFPOOL_DECAY_OFF);
	unsigned int slot = bp_slot(test, pool, 256);
	unsigned int n = 5 * pool->buckets[slot].mag_size + 1;
	unsigned long frees = bp_stat(pool, slot, BUFPOOL_STAT_FREE);
	unsigned long in_depot;
	unsigned int i;
	void **bufs;

	bufs = bp_take_many(test, pool, 256, n);
	bp_return_many(pool, bufs, n);
	bufs = bp_take_many(test, keep, 256, n);
	bp_return_many(keep, bufs, n);
	in_depot = bp_nr_bufs(&pool->buckets[slot]);
	KUNIT_ASSERT_GT(test, in_depot, 0);
	KUNIT_ASSERT_GT(test, bp_depot_bytes(keep), 0);

	KUNIT_ASSERT_GT(test, bp_idle_slot(pool, slot), in_depot);

	/* The depot's within two periods, this CPU's magazines next. */
	for (i = 0; i < 100 && bufpool_idle_bytes(pool); i++)
		usleep_range(10000, 11000);
	KUNIT_EXPECT_EQ(test, bp_depot_bytes(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_nr_bufs(&pool->buckets[slot]), 0);
	KUNIT_EXPECT_EQ(test, bp_all_cpu_bufs(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_FREE) - frees,
			n);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_DECAY), n);
	/* Nothing left to decay: the work is not queued again. */
	msleep(100);
	KUNIT_EXPECT_FALSE(test, delayed_work_pending(&pool->decay_work));
	KUNIT_EXPECT_GT(test, bp_depot_bytes(keep), 0);
	KUNIT_EXPECT_GT(test, bp_all_cpu_bufs(keep), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(keep, BUFPOOL_STAT_DECAY), 0);
	KUNIT_EXPECT_FALSE(test, delayed_work_pending(&keep->decay_work));
	bp_expect_conserved(test, pool);
	bp_expect_conserved(test, keep);
}

/*
 * A stopped decay step starts again when idle buffers come back, even by
 * an inline return: stopping sent every CPU's next return out of line.
 */
static void bufpool_test_decay_restart(struct kunit *test)
{
	struct bufpool *pool = bp_create_decay(test, "kt-decay-restart", 20);
	unsigned int slot = bp_slot(test, pool, 256);
	unsigned int i;
	void *buf;

	/* Out of line, once: this CPU's memo now knows the page. */
	buf = bufpool_take(pool, 256, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	bufpool_return(pool, buf);
	KUNIT_EXPECT_TRUE(test, delayed_work_pending(&pool->decay_work));
	KUNIT_ASSERT_PTR_EQ(test, bufpool_take(pool, 256, GFP_KERNEL), buf);
	/* Nothing idle: the step stops, having freed nothing. */
	for (i = 0; i < 100 && delayed_work_pending(&pool->decay_work); i++)
		usleep_range(10000, 11000);
	KUNIT_ASSERT_FALSE(test, delayed_work_pending(&pool->decay_work));
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_FREE), 0);

	bufpool_return(pool, buf);
	KUNIT_EXPECT_EQ(test, bp_cpu_bufs(pool, raw_smp_processor_id(), slot),
			1);
	KUNIT_EXPECT_TRUE(test, delayed_work_pending(&pool->decay_work));
	/* And the buffer decays. */
	for (i = 0; i < 100 && bufpool_idle_bytes(pool); i++)
		usleep_range(10000, 11000);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_DECAY), 1);
}

/*
 * Decay keeps the working set: magazines taken from the depot in every
 * period are not freed, only those nobody took.
 */
static void bufpool_test_decay_working_set(struct kunit *test)
{
	struct bufpool *pool = bp_create_decay(test, "kt-decay-ws", 20);
	unsigned int slot = bp_slot(test, pool, 256);
	struct bufpool_bucket *b = &pool->buckets[slot];
	unsigned int n = 8 * b->mag_size + 1;
	unsigned int i, nr_full;
	void **bufs;

	bufs = bp_take_many(test, pool, 256, n);
	bp_return_many(pool, bufs, n);
	nr_full = bp_nr_full(b);
	KUNIT_ASSERT_GE(test, nr_full, 6);
	/* Use about two magazines through the depot, again and again. */
	for (i = 0; i < 20; i++) {
		bufs = bp_take_many(test, pool, 256, 2 * b->mag_size);
		bp_return_many(pool, bufs, 2 * b->mag_size);
		usleep_range(5000, 6000);
	}
	/* The cold ones went, the ones in use stayed, here too. */
	KUNIT_EXPECT_LT(test, bp_nr_full(b), nr_full);
	KUNIT_EXPECT_GT(test, bp_nr_full(b), 0);
	KUNIT_EXPECT_GT(test, bp_cpu_bufs(pool, raw_smp_processor_id(), slot),
			0);
	bp_expect_conserved(test, pool);
}

/*
 * Return @n buffers of @size on this CPU and drain it with bufpool_drain_cpu()
 * under the precondition of the CPU-dead callback: nothing else touches this
 * CPU's magazines.  Returns the CPU drained.
 */
static unsigned int bp_fill_and_drain(struct kunit *test, struct bufpool *pool,
				      size_t size, unsigned int n)
{
	unsigned int slot = bp_slot(test, pool, size);
	void **bufs = bp_take_many(test, pool, size, n);
	unsigned int cpu, in_mags;
	unsigned long flags;

	migrate_disable();
	cpu = raw_smp_processor_id();
	bp_return_many(pool, bufs, n);
	in_mags = bp_cpu_bufs(pool, cpu, slot);
	local_irq_save(flags);
	bufpool_drain_cpu(pool, cpu);
	local_irq_restore(flags);
	migrate_enable();

	/* n is small enough for two magazines: nothing went to the depot. */
	KUNIT_EXPECT_EQ(test, in_mags, n);
	return cpu;
}

static void bufpool_test_drain_cpu(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-drain");
	unsigned int slot = bp_slot(test, pool, 256);
	struct bufpool_bucket *b = &pool->buckets[slot];
	unsigned int n = b->mag_size + 5;
	unsigned long depot_hits;
	unsigned int cpu;
	void *buf;

	cpu = bp_fill_and_drain(test, pool, 256, n);
	KUNIT_EXPECT_EQ(test, bp_cpu_bufs(pool, cpu, slot), 0);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_DRAIN), n);
	/* Within budget, nothing was freed: all n now idle in the depot. */
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_FREE), 0);
	KUNIT_EXPECT_EQ(test, bp_nr_bufs(b), n);
	KUNIT_EXPECT_EQ(test, bp_depot_bytes(pool), n * 256);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), n * 256);

	/* And the next take here comes from the depot. */
	depot_hits = bp_stat(pool, slot, BUFPOOL_STAT_DEPOT_HIT);
	buf = bufpool_take(pool, 256, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_DEPOT_HIT),
			depot_hits + 1);
	bufpool_return(pool, buf);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	bp_expect_conserved(test, pool);
}

static void bufpool_test_drain_cpu_over_budget(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "kt-drain-budget", 64, SZ_4K,
					 256, 0);
	unsigned int slot = bp_slot(test, pool, 256);
	struct bufpool_bucket *b = &pool->buckets[slot];
	unsigned int n = b->mag_size + 5;
	unsigned int cpu;

	cpu = bp_fill_and_drain(test, pool, 256, n);
	KUNIT_EXPECT_EQ(test, bp_cpu_bufs(pool, cpu, slot), 0);
	KUNIT_EXPECT_LE(test, bp_depot_bytes(pool), 256);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), bp_depot_bytes(pool));
	KUNIT_EXPECT_EQ(test, bp_nr_bufs(b) +
			bp_stat(pool, slot, BUFPOOL_STAT_FREE), n);
	KUNIT_EXPECT_GT(test, bp_stat(pool, slot, BUFPOOL_STAT_FREE), 0);
	bp_expect_conserved(test, pool);
}

static void bufpool_test_cpu_dead_all(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-cpu-dead");
	unsigned int slot = bp_slot(test, pool, 1024);
	void **bufs = bp_take_many(test, pool, 1024, 7);
	unsigned int cpu, in_mags;
	int ret;

	/*
	 * The CPU-dead callback takes a mutex, so call it with interrupts on;
	 * nothing else uses this pool, so nothing races with the drain.
	 */
	migrate_disable();
	cpu = raw_smp_processor_id();
	bp_return_many(pool, bufs, 7);
	in_mags = bp_cpu_bufs(pool, cpu, slot);
	ret = bufpool_cpu_dead_all(cpu);
	migrate_enable();

	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, in_mags, 7);
	KUNIT_EXPECT_EQ(test, bp_cpu_bufs(pool, cpu, slot), 0);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_DRAIN), 7);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 7 * 1024);
	KUNIT_EXPECT_EQ(test, bp_depot_bytes(pool), 7 * 1024);
	bp_expect_conserved(test, pool);
}

/* === Zeroing === */

/* Take, dirty, return and take again: the same buffer, recycled. */
static void *bp_recycle_dirty(struct kunit *test, struct bufpool *pool,
			      size_t size, gfp_t gfp)
{
	void *buf, *again;

	buf = bufpool_take(pool, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	memset(buf, 0xaa, bufpool_buf_size(pool, buf));
	bufpool_return(pool, buf);
	again = bufpool_take(pool, size, gfp);
	KUNIT_ASSERT_PTR_EQ(test, again, buf);
	return again;
}

static void bufpool_test_gfp_zero_slab(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "kt-zero-slab", 64, SZ_1M, 0,
					 BUFPOOL_F_NO_INIT);
	void *buf = bp_recycle_dirty(test, pool, 300, GFP_KERNEL | __GFP_ZERO);

	KUNIT_EXPECT_EQ(test, bufpool_buf_size(pool, buf), 512);
	KUNIT_EXPECT_NULL(test, memchr_inv(buf, 0, 512));
	bufpool_return(pool, buf);

	/* Without BUFPOOL_F_NO_INIT too. */
	pool = bp_create_default(test, "kt-zero-slab-init");
	buf = bp_recycle_dirty(test, pool, 300, GFP_ATOMIC | __GFP_ZERO);
	KUNIT_EXPECT_NULL(test, memchr_inv(buf, 0, 512));
	bufpool_return(pool, buf);
}

static void bufpool_test_gfp_zero_page(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "kt-zero-page", 64, SZ_1M, 0,
					 BUFPOOL_F_NO_INIT);
	void *buf = bp_recycle_dirty(test, pool, SZ_32K,
				     GFP_KERNEL | __GFP_ZERO);

	KUNIT_EXPECT_NULL(test, memchr_inv(buf, 0, SZ_32K));
	bufpool_return(pool, buf);
}

static void bufpool_test_gfp_zero_unpooled(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "kt-zero-unpooled", 64, SZ_16K,
					 0, BUFPOOL_F_NO_INIT);
	void *buf;
	int i;

	/* Twice, so a page freed dirty by the first round may come back. */
	for (i = 0; i < 2; i++) {
		buf = bufpool_take(pool, SZ_64K, GFP_KERNEL | __GFP_ZERO);
		KUNIT_ASSERT_NOT_NULL(test, buf);
		KUNIT_EXPECT_NULL(test, memchr_inv(buf, 0, SZ_64K));
		memset(buf, 0xaa, SZ_64K);
		bufpool_return(pool, buf);
	}
}

static void bufpool_test_init_on_alloc(struct kunit *test)
{
	struct bufpool *pool;
	void *buf;

	if (!want_init_on_alloc(GFP_KERNEL) && !want_init_on_free())
		kunit_skip(test, "init_on_alloc and init_on_free are off");
	pool = bp_create_default(test, "kt-init-on-alloc");

	buf = bp_recycle_dirty(test, pool, 100, GFP_KERNEL);
	KUNIT_EXPECT_NULL(test, memchr_inv(buf, 0, 128));
	bufpool_return(pool, buf);

	buf = bp_recycle_dirty(test, pool, SZ_8K, GFP_KERNEL);
	KUNIT_EXPECT_NULL(test, memchr_inv(buf, 0, SZ_8K));
	bufpool_return(pool, buf);
}

static void bufpool_test_no_init_keeps_data(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "kt-no-init", 64, SZ_1M, 0,
					 BUFPOOL_F_NO_INIT);
	static const size_t sizes[] = { 128, SZ_8K };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t size = sizes[i];
		void *buf = bp_recycle_dirty(test, pool, size, GFP_KERNEL);
		struct bufpool_bucket *b = &pool->buckets[bp_slot(test, pool,
								  size)];
		unsigned long *mark = bufpool_marker(b, buf);
		size_t moff = (void *)mark - buf;
		/*
		 * Under KASAN an idle slab buffer holds KASAN's free track
		 * after its first word (mempool elements do too): past that.
		 */
		size_t kept = size <= PAGE_SIZE ? BUFPOOL_KASAN_META :
			      sizeof(*mark);

		/* The idle marker is gone... */
		KUNIT_EXPECT_NE(test, *mark, bufpool_idle_mark(pool, buf));
		KUNIT_EXPECT_EQ(test, *mark, 0);
		/*
		 * ...and the rest is as the last user left it: the first word
		 * (KASAN keeps it), what follows KASAN's track up to the
		 * marker (at a cache line, past the track), what follows it.
		 */
		if (moff) {
			KUNIT_EXPECT_NULL_MSG(test, memchr_inv(buf, 0xaa,
							       sizeof(*mark)),
					      "bucket %zu", size);
			KUNIT_EXPECT_NULL_MSG(test, memchr_inv(buf + kept, 0xaa,
							       moff - kept),
					      "bucket %zu", size);
		}
		kept = max(kept, moff + sizeof(*mark));
		KUNIT_EXPECT_NULL_MSG(test, memchr_inv(buf + kept, 0xaa,
						       size - kept),
				      "bucket %zu", size);
		bufpool_return(pool, buf);
	}
}

/* === Shared pool, destroy === */

static void bufpool_test_shared_pool(struct kunit *test)
{
	struct bufpool *pool = bufpool_shared();
	unsigned long bad, returns;
	void *buf;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	KUNIT_EXPECT_PTR_EQ(test, bufpool_shared(), pool);
	KUNIT_EXPECT_EQ(test, pool->min_size, 64);
	KUNIT_EXPECT_EQ(test, pool->f.max_size, SZ_1M);

	bad = bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN);
	returns = bp_stat_total(pool, BUFPOOL_STAT_RETURN);
	buf = bufpool_take(pool, 300, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_EQ(test, bufpool_buf_size(pool, buf), 512);
	bp_fill(buf, 512);
	KUNIT_EXPECT_TRUE(test, bp_check(buf, 512));
	bufpool_return(pool, buf);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN),
			bad);
	KUNIT_EXPECT_GT(test, bp_stat_total(pool, BUFPOOL_STAT_RETURN),
			returns);
}

static void bufpool_test_null_pool(struct kunit *test)
{
	bufpool_destroy(NULL);
	bufpool_clear(NULL);
	KUNIT_EXPECT_EQ(test, bufpool_buf_size(NULL, bp_test_data), 0);
}

static void bufpool_test_destroy_frees_name(struct kunit *test)
{
	struct bufpool *pool;
	void **bufs;

	pool = bufpool_create("kt-reuse", NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	/* Leave idle buffers in magazines and the depot for destroy. */
	bufs = bp_take_many(test, pool, SZ_16K, 20);
	bp_return_many(pool, bufs, 20);
	bufs = bp_take_many(test, pool, 64, 100);
	bp_return_many(pool, bufs, 100);
	bufpool_destroy(pool);

	pool = bufpool_create("kt-reuse", NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	bufpool_destroy(pool);
	/* With nothing out, destroyed pools are freed, not left dying. */
	KUNIT_EXPECT_TRUE(test, bp_namesake_gone(test, "kt-reuse"));
}

static void bufpool_test_destroy_with_buffers_out(struct kunit *test)
{
	struct bufpool *pool, *again;
	void *slab, *page, *big;
	unsigned long takes;
	unsigned int slot;

	bp_console_start(test, "kt-destroy-out");
	pool = bufpool_create("kt-destroy-out", NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	slab = bufpool_take(pool, 100, GFP_KERNEL);
	page = bufpool_take(pool, SZ_8K, GFP_KERNEL);
	big = bufpool_take(pool, SZ_2M, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, slab);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_NOT_NULL(test, big);
	/* Idle buffers, which destroy frees. */
	bufpool_return(pool, bufpool_take(pool, 100, GFP_KERNEL));
	bufpool_return(pool, bufpool_take(pool, SZ_8K, GFP_KERNEL));

	bufpool_destroy(pool);
	/* Reported, with count and bytes (128 + 8K + 2M). */
	KUNIT_EXPECT_TRUE(test, bp_console_has("kt-destroy-out"));
	KUNIT_EXPECT_TRUE(test, bp_console_has(" 3 "));
	KUNIT_EXPECT_TRUE(test, bp_console_has("2105472"));
	/* The idle ones are freed. */
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_FREE), 2);

	/* The name is free at once; the dying pool keeps its slab caches. */
	again = bufpool_create("kt-destroy-out", NULL);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, again);
	if (!IS_ERR_OR_NULL(again)) {
		KUNIT_EXPECT_NE(test, again->id, 0);
		bufpool_destroy(again);
	}

	/* The pool is dead but its buffers out still are valid. */
	takes = bp_stat_total(pool, BUFPOOL_STAT_TAKE);
	KUNIT_EXPECT_NULL(test, bufpool_take(pool, 100, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, bufpool_take(pool, SZ_2M, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_TAKE), takes);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 3);
	bp_fill(slab, 128);
	bp_fill(page, SZ_8K);
	bp_fill(big, SZ_2M);
	KUNIT_EXPECT_TRUE(test, bp_check(slab, 128));
	KUNIT_EXPECT_TRUE(test, bp_check(page, SZ_8K));

	/* Returns are accepted, and freed rather than cached. */
	slot = bp_slot(test, pool, 128);
	bufpool_return(pool, slab);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_RETURN), 2);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 0);
	bufpool_return(pool, page);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_FREE), 4);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 1);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 0);
	KUNIT_EXPECT_TRUE(test, bp_check(big, SZ_2M));
	/* The last one: the pool's memory goes with it, do not touch it. */
	bufpool_return(pool, big);
	KUNIT_EXPECT_TRUE(test, bp_namesake_gone(test, "kt-destroy-out"));
}

/* === Contexts === */

static const size_t bp_ctx_sizes[] = { 100, PAGE_SIZE, 2 * PAGE_SIZE, SZ_32K };

/* A one-shot hrtimer that takes and/or returns buffers in irq context. */
struct bp_ctx {
	struct hrtimer timer;
	struct completion done;
	struct bufpool *pool;
	bool hard;
	bool take;
	bool give;
	bool right_context;
	unsigned int nr_ok;
	void *bufs[ARRAY_SIZE(bp_ctx_sizes)];
};

/* Take and fill, and/or check and return, one buffer of each size. */
static void bp_ctx_run(struct bp_ctx *c, gfp_t gfp)
{
	unsigned int i;

	c->nr_ok = 0;
	for (i = 0; i < ARRAY_SIZE(bp_ctx_sizes); i++) {
		void *buf = c->bufs[i];

		if (c->take) {
			buf = bufpool_take(c->pool, bp_ctx_sizes[i], gfp);
			if (buf)
				bp_fill(buf, bufpool_buf_size(c->pool, buf));
			c->bufs[i] = buf;
			if (buf && !c->give)
				c->nr_ok++;
		}
		if (c->give) {
			if (buf && bp_check(buf, bufpool_buf_size(c->pool, buf)))
				c->nr_ok++;
			bufpool_return(c->pool, buf);
			c->bufs[i] = NULL;
		}
	}
}

static enum hrtimer_restart bp_ctx_timer(struct hrtimer *timer)
{
	struct bp_ctx *c = container_of(timer, struct bp_ctx, timer);

	c->right_context = c->hard ? in_hardirq() : in_serving_softirq();
	bp_ctx_run(c, GFP_ATOMIC);
	complete(&c->done);
	return HRTIMER_NORESTART;
}

static void bp_ctx_fire(struct kunit *test, struct bp_ctx *c, bool hard,
			bool take, bool give)
{
	enum hrtimer_mode mode = hard ? HRTIMER_MODE_REL_HARD :
					HRTIMER_MODE_REL_SOFT;

	c->hard = hard;
	c->take = take;
	c->give = give;
	c->right_context = false;
	init_completion(&c->done);
	hrtimer_init(&c->timer, CLOCK_MONOTONIC, mode);
	c->timer.function = bp_ctx_timer;
	hrtimer_start(&c->timer, ns_to_ktime(10 * NSEC_PER_USEC), mode);
	KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&c->done, 5 * HZ), 0);
	hrtimer_cancel(&c->timer);
	KUNIT_EXPECT_TRUE_MSG(test, c->right_context, "not in %s context",
			      hard ? "hardirq" : "softirq");
	KUNIT_EXPECT_EQ(test, c->nr_ok, ARRAY_SIZE(bp_ctx_sizes));
}

static struct bp_ctx *bp_ctx_new(struct kunit *test, const char *name)
{
	struct bp_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	/* max_size 16K: the 32K size is served unpooled. */
	c->pool = bp_create(test, name, 64, SZ_16K, 0, 0);
	return c;
}

static void bp_ctx_expect_balanced(struct kunit *test, struct bufpool *pool)
{
	unsigned int slot;

	bp_expect_conserved(test, pool);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 0);
	for (slot = 0; slot <= bufpool_unpooled_slot(pool); slot++)
		KUNIT_EXPECT_EQ_MSG(test, bp_stat(pool, slot, BUFPOOL_STAT_TAKE),
				    bp_stat(pool, slot, BUFPOOL_STAT_RETURN),
				    "slot %u", slot);
}

static void bufpool_test_hardirq(struct kunit *test)
{
	struct bp_ctx *c = bp_ctx_new(test, "kt-hardirq");

	/* Twice: allocate, then recycle. */
	bp_ctx_fire(test, c, true, true, true);
	bp_ctx_fire(test, c, true, true, true);
	KUNIT_EXPECT_GT(test, bp_stat_total(c->pool, BUFPOOL_STAT_CPU_HIT), 0);
	bp_ctx_expect_balanced(test, c->pool);
}

static void bufpool_test_softirq(struct kunit *test)
{
	struct bp_ctx *c = bp_ctx_new(test, "kt-softirq");

	bp_ctx_fire(test, c, false, true, true);
	bp_ctx_fire(test, c, false, true, true);
	KUNIT_EXPECT_GT(test, bp_stat_total(c->pool, BUFPOOL_STAT_CPU_HIT), 0);
	bp_ctx_expect_balanced(test, c->pool);
}

static void bufpool_test_irqs_disabled(struct kunit *test)
{
	struct bp_ctx *c = bp_ctx_new(test, "kt-irqs-off");
	unsigned long flags;
	unsigned int ok;

	c->take = true;
	c->give = true;
	local_irq_save(flags);
	bp_ctx_run(c, GFP_ATOMIC);
	ok = c->nr_ok;
	bp_ctx_run(c, GFP_ATOMIC);
	local_irq_restore(flags);
	KUNIT_EXPECT_EQ(test, ok, ARRAY_SIZE(bp_ctx_sizes));
	KUNIT_EXPECT_EQ(test, c->nr_ok, ARRAY_SIZE(bp_ctx_sizes));

	preempt_disable();
	bp_ctx_run(c, GFP_NOWAIT);
	preempt_enable();
	KUNIT_EXPECT_EQ(test, c->nr_ok, ARRAY_SIZE(bp_ctx_sizes));
	bp_ctx_expect_balanced(test, c->pool);
}

/*
 * An interrupt that arrives while its CPU is in the middle of a take or
 * return finds the per-CPU guard held: it allocates and frees instead of
 * touching the magazines, and counts in the bucket's shared counters.  The
 * case holds the guard itself, as the interrupted context would.
 */
static void bufpool_test_guard_nested(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-guard-nested");
	unsigned int slot = bp_slot(test, pool, 256);
	struct bufpool_cpu *pcp;
	void *idle, *buf;

	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		kunit_skip(test, "the guard is a local_lock on PREEMPT_RT");
	idle = bufpool_take(pool, 256, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, idle);
	bufpool_return(pool, idle);
	KUNIT_ASSERT_EQ(test, bp_cpu_bufs(pool, raw_smp_processor_id(), slot), 1);

	pcp = bufpool_cpu_trylock(pool);
	KUNIT_ASSERT_NOT_NULL(test, pcp);
	/* As an interrupt here would: not the idle buffer, a new one. */
	KUNIT_EXPECT_NULL(test, bufpool_cpu_trylock(pool));
	buf = bufpool_take(pool, 256, GFP_ATOMIC);
	KUNIT_EXPECT_NOT_NULL(test, buf);
	KUNIT_EXPECT_PTR_NE(test, buf, idle);
	bufpool_return(pool, buf);
	bufpool_cpu_unlock(pool, pcp);

	KUNIT_EXPECT_EQ(test, bp_cpu_bufs(pool, raw_smp_processor_id(), slot), 1);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pool->buckets[slot].nested[BUFPOOL_STAT_ALLOC]),
			1);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pool->buckets[slot].nested[BUFPOOL_STAT_FREE]),
			1);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_TAKE), 2);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_RETURN), 2);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	bp_expect_conserved(test, pool);
}

static void bufpool_test_cross_context(struct kunit *test)
{
	struct bp_ctx *c = bp_ctx_new(test, "kt-cross");

	/* Taken in hardirq, returned in process context. */
	bp_ctx_fire(test, c, true, true, false);
	c->take = false;
	c->give = true;
	bp_ctx_run(c, GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, c->nr_ok, ARRAY_SIZE(bp_ctx_sizes));

	/* Taken in process context, returned in softirq. */
	c->take = true;
	c->give = false;
	bp_ctx_run(c, GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, c->nr_ok, ARRAY_SIZE(bp_ctx_sizes));
	bp_ctx_fire(test, c, false, false, true);

	/* Taken in softirq, returned in hardirq. */
	bp_ctx_fire(test, c, false, true, false);
	bp_ctx_fire(test, c, true, false, true);
	bp_ctx_expect_balanced(test, c->pool);
}

/*
 * The stress test: two kthreads, a hard and a soft hrtimer take, hold, swap
 * and return buffers of every kind for about a second.
 */
#define BP_STRESS_RING		8
#define BP_STRESS_MAILBOX	16
#define BP_STRESS_PERIOD_NS	(200 * NSEC_PER_USEC)
#define BP_STRESS_MS		1500

enum { BP_HARD, BP_SOFT, BP_THREAD0, BP_THREAD1, BP_NR_CTX };

struct bp_stress;

struct bp_stress_ctx {
	struct bp_stress *s;
	struct rnd_state rnd;
	gfp_t gfp;
	bool big;
	unsigned long ops;
	unsigned long wrong_context;
	void *ring[BP_STRESS_RING];
};

struct bp_stress {
	struct bufpool *pool;
	spinlock_t lock;	/* protects @mailbox */
	void *mailbox[BP_STRESS_MAILBOX];
	bool stop;
	atomic_long_t corrupt;
	atomic_long_t failed;
	struct hrtimer hard;
	struct hrtimer soft;
	struct bp_stress_ctx ctx[BP_NR_CTX];
	struct task_struct *threads[2];
};

/* Slab buckets, page buckets and (for threads) unpooled sizes. */
static const size_t bp_stress_sizes[] = {
	8, 64, 100, 256, 1000, PAGE_SIZE, PAGE_SIZE + 1, SZ_16K,
	SZ_32K + 1, SZ_64K, SZ_128K,
};

static void bp_stress_release(struct bp_stress *s, void *buf)
{
	if (!buf)
		return;
	if (!bp_check(buf, bufpool_buf_size(s->pool, buf)))
		atomic_long_inc(&s->corrupt);
	bufpool_return(s->pool, buf);
}

static void bp_stress_step(struct bp_stress_ctx *x)
{
	struct bp_stress *s = x->s;
	u32 r = prandom_u32_state(&x->rnd);
	unsigned int i = r % BP_STRESS_RING;
	void *buf = x->ring[i];
	size_t size;

	x->ops++;
	if (buf) {
		if (r & BIT(8)) {
			/* Swap with the mailbox: someone else returns it. */
			unsigned int m = (r >> 9) % BP_STRESS_MAILBOX;
			unsigned long flags;

			spin_lock_irqsave(&s->lock, flags);
			x->ring[i] = s->mailbox[m];
			s->mailbox[m] = buf;
			spin_unlock_irqrestore(&s->lock, flags);
		} else {
			x->ring[i] = NULL;
			bp_stress_release(s, buf);
		}
		return;
	}

	size = bp_stress_sizes[(r >> 16) % (x->big ?
					    ARRAY_SIZE(bp_stress_sizes) :
					    ARRAY_SIZE(bp_stress_sizes) - 3)];
	buf = bufpool_take(s->pool, size, x->gfp);
	if (!buf) {
		atomic_long_inc(&s->failed);
		return;
	}
	bp_fill(buf, bufpool_buf_size(s->pool, buf));
	x->ring[i] = buf;
}

static enum hrtimer_restart bp_stress_timer(struct bp_stress *s,
					    struct hrtimer *timer,
					    struct bp_stress_ctx *x,
					    bool right_context)
{
	int i;

	if (!right_context)
		x->wrong_context++;
	for (i = 0; i < 8; i++)
		bp_stress_step(x);
	if (READ_ONCE(s->stop))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(timer, ns_to_ktime(BP_STRESS_PERIOD_NS));
	return HRTIMER_RESTART;
}

static enum hrtimer_restart bp_stress_hard(struct hrtimer *timer)
{
	struct bp_stress *s = container_of(timer, struct bp_stress, hard);

	return bp_stress_timer(s, timer, &s->ctx[BP_HARD], in_hardirq());
}

static enum hrtimer_restart bp_stress_soft(struct hrtimer *timer)
{
	struct bp_stress *s = container_of(timer, struct bp_stress, soft);

	return bp_stress_timer(s, timer, &s->ctx[BP_SOFT],
			       in_serving_softirq());
}

static int bp_stress_thread(void *arg)
{
	struct bp_stress_ctx *x = arg;

	while (!kthread_should_stop()) {
		bp_stress_step(x);
		if (!(x->ops % 32))
			cond_resched();
	}
	return 0;
}

static void bufpool_test_concurrent_mixed(struct kunit *test)
{
	struct bp_stress *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	unsigned int i, j, slot;
	unsigned long nr;

	KUNIT_ASSERT_NOT_NULL(test, s);
	/* A small budget, so that depot, over-budget and trim paths all run. */
	s->pool = bp_create(test, "kt-concurrent", 8, SZ_64K, SZ_256K, 0);
	spin_lock_init(&s->lock);
	for (i = 0; i < BP_NR_CTX; i++) {
		s->ctx[i].s = s;
		prandom_seed_state(&s->ctx[i].rnd, 0x5eed + i);
		s->ctx[i].gfp = i < BP_THREAD0 ? GFP_ATOMIC : GFP_KERNEL;
		s->ctx[i].big = i >= BP_THREAD0;
	}

	hrtimer_init(&s->hard, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	s->hard.function = bp_stress_hard;
	hrtimer_init(&s->soft, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	s->soft.function = bp_stress_soft;
	for (i = 0; i < 2; i++) {
		s->threads[i] = kthread_run(bp_stress_thread,
					    &s->ctx[BP_THREAD0 + i],
					    "kt-bufpool-%u", i);
		if (IS_ERR(s->threads[i])) {
			KUNIT_FAIL(test, "kthread_run: %pe", s->threads[i]);
			s->threads[i] = NULL;
		}
	}
	hrtimer_start(&s->hard, ns_to_ktime(BP_STRESS_PERIOD_NS),
		      HRTIMER_MODE_REL_HARD);
	hrtimer_start(&s->soft, ns_to_ktime(BP_STRESS_PERIOD_NS),
		      HRTIMER_MODE_REL_SOFT);

	for (i = 0; i < BP_STRESS_MS / 100; i++) {
		msleep(100);
		/* The shrinker runs whenever memory is short: now and then. */
		if (i % 3 == 1)
			bufpool_depot_trim_bytes(s->pool, NUMA_NO_NODE,
						 SZ_256K, BUFPOOL_STAT_TRIM,
						 &nr);
		/* And a user may clear the pool while it is in use. */
		if (i % 5 == 3)
			bufpool_clear(s->pool);
	}

	WRITE_ONCE(s->stop, true);
	hrtimer_cancel(&s->hard);
	hrtimer_cancel(&s->soft);
	for (i = 0; i < 2; i++)
		if (s->threads[i])
			kthread_stop(s->threads[i]);

	for (i = 0; i < BP_NR_CTX; i++)
		for (j = 0; j < BP_STRESS_RING; j++)
			bp_stress_release(s, s->ctx[i].ring[j]);
	for (j = 0; j < BP_STRESS_MAILBOX; j++)
		bp_stress_release(s, s->mailbox[j]);

	kunit_info(test, "ops: hard %lu soft %lu threads %lu %lu, failed %ld\n",
		   s->ctx[BP_HARD].ops, s->ctx[BP_SOFT].ops,
		   s->ctx[BP_THREAD0].ops, s->ctx[BP_THREAD1].ops,
		   atomic_long_read(&s->failed));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&s->corrupt), 0);
	for (i = 0; i < BP_NR_CTX; i++) {
		KUNIT_EXPECT_GE_MSG(test, s->ctx[i].ops, 20, "context %u", i);
		KUNIT_EXPECT_EQ_MSG(test, s->ctx[i].wrong_context, 0,
				    "context %u", i);
	}
	KUNIT_EXPECT_EQ(test, bp_out(s->pool), 0);
	KUNIT_EXPECT_EQ(test, bp_out_bytes(s->pool), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(s->pool, BUFPOOL_STAT_BAD_RETURN),
			0);
	for (slot = 0; slot <= bufpool_unpooled_slot(s->pool); slot++)
		KUNIT_EXPECT_EQ_MSG(test,
				    bp_stat(s->pool, slot, BUFPOOL_STAT_TAKE),
				    bp_stat(s->pool, slot, BUFPOOL_STAT_RETURN),
				    "slot %u", slot);
	KUNIT_EXPECT_LE(test, bp_depot_bytes(s->pool),
			(long)s->pool->max_cached_bytes);
	bp_expect_conserved(test, s->pool);
	bufpool_clear(s->pool);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(s->pool), 0);
	bp_expect_conserved(test, s->pool);
}

static struct kunit_case bufpool_test_cases[] = {
	KUNIT_CASE(bufpool_test_create_defaults),
	KUNIT_CASE(bufpool_test_create_zero_params),
	KUNIT_CASE(bufpool_test_create_custom_params),
	KUNIT_CASE(bufpool_test_bucket_layout),
	KUNIT_CASE(bufpool_test_stat_names),
	KUNIT_CASE(bufpool_test_take_rounds_up),
	KUNIT_CASE(bufpool_test_take_aligned_contiguous),
	KUNIT_CASE(bufpool_test_take_unpooled),
	KUNIT_CASE(bufpool_test_take_size_max),
	KUNIT_CASE(bufpool_test_outstanding),
	KUNIT_CASE(bufpool_test_recycle_same_buffer),
	KUNIT_CASE(bufpool_test_recycle_lifo),
	KUNIT_CASE(bufpool_test_marker_colour),
	KUNIT_CASE(bufpool_test_idle_bytes),
	KUNIT_CASE(bufpool_test_depot_full_magazines),
	KUNIT_CASE(bufpool_test_depot_hit),
	KUNIT_CASE(bufpool_test_over_budget),
	KUNIT_CASE(bufpool_test_depot_within_budget),
	KUNIT_CASE(bufpool_test_clear_frees_idle),
	KUNIT_CASE(bufpool_test_clear_keeps_taken),
	KUNIT_CASE(bufpool_test_depot_trim_all),
	KUNIT_CASE(bufpool_test_depot_trim_some),
	KUNIT_CASE(bufpool_test_depot_trim_bounded),
	KUNIT_CASE(bufpool_test_shrinker_count),
	KUNIT_CASE(bufpool_test_shrinker_unfolded),
	KUNIT_CASE(bufpool_test_shrinker_scan),
	KUNIT_CASE(bufpool_test_shrinker_pages),
	KUNIT_CASE(bufpool_test_cpu_bound),
	KUNIT_CASE(bufpool_test_cpu_cache_bytes),
	KUNIT_CASE(bufpool_test_depot_only),
	KUNIT_CASE(bufpool_test_depot_single),
	KUNIT_CASE(bufpool_test_take_node),
	KUNIT_CASE(bufpool_test_decay),
	KUNIT_CASE(bufpool_test_decay_working_set),
	KUNIT_CASE(bufpool_test_decay_restart),
	KUNIT_CASE(bufpool_test_drain_cpu),
	KUNIT_CASE(bufpool_test_drain_cpu_over_budget),
	KUNIT_CASE(bufpool_test_cpu_dead_all),
	KUNIT_CASE(bufpool_test_gfp_zero_slab),
	KUNIT_CASE(bufpool_test_gfp_zero_page),
	KUNIT_CASE(bufpool_test_gfp_zero_unpooled),
	KUNIT_CASE(bufpool_test_init_on_alloc),
	KUNIT_CASE(bufpool_test_no_init_keeps_data),
	KUNIT_CASE(bufpool_test_shared_pool),
	KUNIT_CASE(bufpool_test_null_pool),
	KUNIT_CASE(bufpool_test_destroy_frees_name),
	KUNIT_CASE(bufpool_test_destroy_with_buffers_out),
	KUNIT_CASE(bufpool_test_hardirq),
	KUNIT_CASE(bufpool_test_softirq),
	KUNIT_CASE(bufpool_test_irqs_disabled),
	KUNIT_CASE(bufpool_test_cross_context),
	KUNIT_CASE(bufpool_test_guard_nested),
	KUNIT_CASE_SLOW(bufpool_test_concurrent_mixed),
	{}
};

static struct kunit_suite bufpool_test_suite = {
	.name = "bufpool",
	.suite_init = bp_suite_init,
	.suite_exit = bp_suite_exit,
	.init = bp_test_init,
	.exit = bp_test_exit,
	.test_cases = bufpool_test_cases,
};

kunit_test_suite(bufpool_test_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for bufpool");
