// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "bufpool_api": the calls beyond one take and one return.
 * Bulk take and return (whole magazines, the depot, the allocator for the
 * rest, every bad entry of a bulk return refused as a single return
 * refuses it), scoped buffers (CLASS(bufpool_buf), bufpool_buf_keep()),
 * and the take and return of any context (the nolock calls: with
 * interrupts off, in a hard hrtimer, inside this CPU's guarded section,
 * and the deferred returns of NMI).
 *
 * Helpers are in bufpool_kunit_util.c; each case uses its own pool.
 */

#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "bufpool_kunit.h"

/* Expect @n distinct buffers of @size's bucket in @bufs, none NULL. */
static void bp_expect_bufs(struct kunit *test, struct bufpool *pool,
			   void **bufs, unsigned int n, size_t size)
{
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_NOT_NULL_MSG(test, bufs[i], "buffer %u", i);
		KUNIT_EXPECT_EQ_MSG(test, bufpool_buf_size(pool, bufs[i]),
				    roundup_pow_of_two(size), "buffer %u", i);
		for (j = 0; j < i; j++)
			KUNIT_ASSERT_PTR_NE_MSG(test, bufs[i], bufs[j],
						"buffers %u and %u", j, i);
	}
}

/* A bulk take and return of @n buffers of @size, twice: the second reuses. */
static void bp_bulk_round_trip(struct kunit *test, struct bufpool *pool,
			       size_t size, unsigned int n)
{
	void **bufs = kunit_kcalloc(test, n, sizeof(*bufs), GFP_KERNEL);
	unsigned long allocs;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, bufs);
	KUNIT_ASSERT_EQ(test, bufpool_take_bulk(pool, size, GFP_KERNEL, n,
						bufs), n);
	bp_expect_bufs(test, pool, bufs, n, size);
	KUNIT_EXPECT_EQ(test, bp_out(pool), n);
	for (i = 0; i < n; i++)
		bp_fill(bufs[i], size);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_TRUE_MSG(test, bp_check(bufs[i], size),
				      "buffer %u overlaps another", i);
	bufpool_return_bulk(pool, n, bufs);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 0);

	/* Every buffer is idle again: the second round allocates nothing. */
	allocs = bp_stat_total(pool, BUFPOOL_STAT_ALLOC);
	memset(bufs, 0, n * sizeof(*bufs));
	KUNIT_ASSERT_EQ(test, bufpool_take_bulk(pool, size, GFP_KERNEL, n,
						bufs), n);
	bp_expect_bufs(test, pool, bufs, n, size);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_ALLOC), allocs);
	bufpool_return_bulk(pool, n, bufs);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	bp_expect_conserved(test, pool);
}

static void bufpool_api_test_round_trip(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-bulk");

	bp_bulk_round_trip(test, pool, 256, 64);
	bp_bulk_round_trip(test, pool, 64, 1);
	/* A page bucket with magazines, and a depot-only one. */
	bp_bulk_round_trip(test, pool, SZ_8K, 16);
	bp_bulk_round_trip(test, pool, SZ_64K, 8);
}

/* More than this CPU's magazines hold: whole magazines to and from the depot. */
static void bufpool_api_test_depot(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-bulk-depot");
	unsigned int slot = bp_slot(test, pool, 256);
	unsigned int n = 3 * pool->buckets[slot].mag_size + 5;
	unsigned long hits;

	bp_bulk_round_trip(test, pool, 256, n);
	KUNIT_EXPECT_GE(test, bp_nr_full(&pool->buckets[slot]), 1);
	/* The round trip's second take refilled from the depot. */
	hits = bp_stat(pool, slot, BUFPOOL_STAT_DEPOT_HIT);
	KUNIT_EXPECT_GE(test, hits, 1);
}

/*
 * A pool for the direct-run cases: no decay step may trim the depot while
 * they count what it holds.
 */
static struct bufpool *bp_create_direct(struct kunit *test, const char *name,
					size_t max_cached_bytes)
{
	struct bufpool_params params = {
		.max_cached_bytes = max_cached_bytes,
		.decay_ms = BUFPOOL_DECAY_OFF,
	};

	return bp_create_params(test, name, &params);
}

/*
 * Past what this CPU's magazines hold, the bulk calls move buffers straight
 * between the caller's array and the depot's magazines: a return fills
 * empty ones of the depot's (bufpool_depot_get_empty()), a take empties
 * full ones (bufpool_depot_get_bulk()), 16 magazines per hold of the
 * depot's lock (so 20 take two), and the counts hold.  UML: one CPU.
 */
static void bufpool_api_test_depot_direct(struct kunit *test)
{
	struct bufpool *pool = bp_create_direct(test, "kt-bulk-direct", 0);
	unsigned int slot = bp_slot(test, pool, 256);
	struct bufpool_bucket *b = &pool->buckets[slot];
	unsigned int mag = b->mag_size, k = 20, n = (2 + k) * mag + 3, full;
	unsigned int cpu = raw_smp_processor_id();
	void **bufs = kunit_kcalloc(test, n, sizeof(*bufs), GFP_KERNEL);
	unsigned long hits, allocs;

	KUNIT_ASSERT_NOT_NULL(test, bufs);
	KUNIT_ASSERT_EQ(test, b->cpu_limit, mag);
	KUNIT_ASSERT_EQ(test, bufpool_take_bulk(pool, 256, GFP_KERNEL, n,
						bufs), n);
	bufpool_return_bulk(pool, n, bufs);
	if (pool->indexed) {
		/*
		 * The index decides each return (a KASAN kernel's caches):
		 * single returns, which trade full magazines one at a time.
		 */
		KUNIT_EXPECT_EQ(test, bp_nr_bufs(b) % mag, 0);
		KUNIT_EXPECT_EQ(test, bp_nr_full(b), bp_nr_bufs(b) / mag);
		KUNIT_EXPECT_EQ(test, bp_cpu_bufs(pool, cpu, slot) +
				bp_nr_bufs(b), n);
	} else {
		/* This CPU's magazines full, the rest in k + 1 of the depot's. */
		KUNIT_EXPECT_EQ(test, bp_cpu_bufs(pool, cpu, slot), 2 * mag);
		KUNIT_EXPECT_EQ(test, bp_nr_bufs(b), k * mag + 3);
		KUNIT_EXPECT_EQ(test, bp_nr_full(b), k + 1);
	}
	KUNIT_EXPECT_EQ(test, bp_depot_bytes(pool), bp_nr_bufs(b) * 256);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);

	full = bp_nr_full(b);
	hits = bp_stat(pool, slot, BUFPOOL_STAT_DEPOT_HIT);
	allocs = bp_stat(pool, slot, BUFPOOL_STAT_ALLOC);
	memset(bufs, 0, n * sizeof(*bufs));
	KUNIT_ASSERT_EQ(test, bufpool_take_bulk(pool, 256, GFP_KERNEL, n,
						bufs), n);
	bp_expect_bufs(test, pool, bufs, n, 256);
	KUNIT_EXPECT_EQ(test, bp_cpu_bufs(pool, cpu, slot), 0);
	KUNIT_EXPECT_EQ(test, bp_nr_bufs(b), 0);
	KUNIT_EXPECT_EQ(test, bp_nr_full(b), 0);
	KUNIT_EXPECT_EQ(test, bp_depot_bytes(pool), 0);
	/* A hit for each of the depot's magazines, as single takes count. */
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_DEPOT_HIT) - hits,
			full);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_ALLOC), allocs);
	KUNIT_EXPECT_EQ(test, bp_out(pool), n);
	bufpool_return_bulk(pool, n, bufs);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 0);
	bp_expect_conserved(test, pool);
}

/* The depot's cap bounds a direct return: what does not fit is freed. */
static void bufpool_api_test_depot_direct_cap(struct kunit *test)
{
	struct bufpool *pool = bp_create_direct(test, "kt-bulk-direct-cap",
						5 * 256);
	unsigned int slot = bp_slot(test, pool, 256);
	unsigned int mag = pool->buckets[slot].mag_size, n = 4 * mag + 1;
	void **bufs = kunit_kcalloc(test, n, sizeof(*bufs), GFP_KERNEL);
	unsigned int cpu, depot;

	KUNIT_ASSERT_NOT_NULL(test, bufs);
	KUNIT_ASSERT_GT(test, mag, 5);
	KUNIT_ASSERT_EQ(test, bufpool_take_bulk(pool, 256, GFP_KERNEL, n,
						bufs), n);
	bufpool_return_bulk(pool, n, bufs);
	cpu = bp_cpu_bufs(pool, raw_smp_processor_id(), slot);
	/* Single returns (an indexed pool) trade whole magazines: none fits. */
	depot = pool->indexed ? 0 : 5;
	KUNIT_EXPECT_EQ(test, cpu, 2 * mag);
	KUNIT_EXPECT_EQ(test, bp_nr_bufs(&pool->buckets[slot]), depot);
	KUNIT_EXPECT_EQ(test, bp_depot_bytes(pool), depot * 256);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_OVER_BUDGET),
			n - cpu - depot);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 0);
	bp_expect_conserved(test, pool);
}

/*
 * In a direct return, as anywhere in a bulk return: a second return of a
 * buffer is refused and counted (here it cuts the run in the middle of a
 * magazine), a %NULL skipped, a buffer of another bucket put where it
 * belongs, every other buffer accepted, and no room under the cap kept.
 */
static void bufpool_api_test_depot_direct_bad(struct kunit *test)
{
	struct bufpool *pool = bp_create_direct(test, "kt-bulk-direct-bad", 0);
	unsigned int slot = bp_slot(test, pool, 256);
	struct bufpool_bucket *b = &pool->buckets[slot];
	unsigned int mag = b->mag_size, n = 4 * mag, k = 0, i;
	void **bufs = kunit_kcalloc(test, n + 3, sizeof(*bufs), GFP_KERNEL);
	void **got = kunit_kcalloc(test, n, sizeof(*got), GFP_KERNEL);
	void *other;

	KUNIT_ASSERT_NOT_NULL(test, bufs);
	KUNIT_ASSERT_NOT_NULL(test, got);
	KUNIT_ASSERT_EQ(test, bufpool_take_bulk(pool, 256, GFP_KERNEL, n, got),
			n);
	other = bufpool_take(pool, 512, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, other);
	/* This CPU's magazines' worth, then three into the direct run. */
	for (i = 0; i < 2 * mag + 3; i++)
		bufs[k++] = got[i];
	bufs[k++] = NULL;
	bufs[k++] = got[2 * mag + 1];
	for (; i < 3 * mag; i++)
		bufs[k++] = got[i];
	bufs[k++] = other;
	for (; i < n; i++)
		bufs[k++] = got[i];
	bufpool_return_bulk(pool, k, bufs);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 1);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	/* Each good one idle once, here or in the depot (trades after the cut). */
	KUNIT_EXPECT_EQ(test, bp_nr_bufs(b) +
			bp_cpu_bufs(pool, raw_smp_processor_id(), slot), n);
	/* The 512-byte one is in this CPU's magazines: the depot holds b's. */
	KUNIT_EXPECT_EQ(test, bp_depot_bytes(pool), bp_nr_bufs(b) * 256);
	/* The refused one was not put in twice: a take gets each once. */
	KUNIT_ASSERT_EQ(test, bufpool_take_bulk(pool, 256, GFP_KERNEL, n, got),
			n);
	bp_expect_bufs(test, pool, got, n, 256);
	bufpool_return_bulk(pool, n, got);
	bp_expect_conserved(test, pool);
}

/*
 * An array that alternates two buckets, past this CPU's magazines of both:
 * each bucket's buffers end in about as many of its depot's magazines as
 * they fill, not in a magazine each (a run of one bucket is one buffer
 * long here: the first one cut short stops direct runs for the call, and a
 * partly filled magazine tops up the depot's first).
 */
static void bufpool_api_test_depot_direct_mixed(struct kunit *test)
{
	struct bufpool *pool = bp_create_direct(test, "kt-bulk-direct-mix", 0);
	static const size_t sizes[] = { 256, 512 };
	unsigned int mag[2], slot[2], i, j, k;
	void **own[2], **bufs;
	long bytes;

	for (j = 0; j < 2; j++) {
		slot[j] = bp_slot(test, pool, sizes[j]);
		mag[j] = pool->buckets[slot[j]].mag_size;
		own[j] = kunit_kcalloc(test, 4 * mag[j], sizeof(void *),
				       GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, own[j]);
		KUNIT_ASSERT_EQ(test, bufpool_take_bulk(pool, sizes[j],
							GFP_KERNEL,
							4 * mag[j], own[j]),
				4 * mag[j]);
		/* Fill this CPU's magazines of the bucket. */
		bufpool_return_bulk(pool, 2 * mag[j], own[j]);
	}
	KUNIT_ASSERT_EQ(test, mag[0], mag[1]);
	bufs = kunit_kcalloc(test, 4 * mag[0], sizeof(*bufs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bufs);
	for (i = 2 * mag[0], k = 0; i < 4 * mag[0]; i++)
		for (j = 0; j < 2; j++)
			bufs[k++] = own[j][i];
	bufpool_return_bulk(pool, k, bufs);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 0);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	for (j = 0, bytes = 0; j < 2; j++) {
		struct bufpool_bucket *b = &pool->buckets[slot[j]];

		KUNIT_EXPECT_EQ(test, bp_nr_bufs(b) +
				bp_cpu_bufs(pool, raw_smp_processor_id(),
					    slot[j]), 4 * mag[j]);
		KUNIT_EXPECT_LE_MSG(test, bp_nr_full(b), 3,
				    "%zu-byte buffers in %u magazines",
				    sizes[j], bp_nr_full(b));
		bytes += bp_nr_bufs(b) * sizes[j];
	}
	KUNIT_EXPECT_EQ(test, bp_depot_bytes(pool), bytes);
	bp_expect_conserved(test, pool);
}

/* Zeroed as a single take zeroes, after a return of written buffers. */
static void bufpool_api_test_zero(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "kt-bulk-zero", 0, 0, 0,
					 BUFPOOL_F_NO_INIT);
	struct bufpool_bucket *b = &pool->buckets[bp_slot(test, pool, 512)];
	void *bufs[16];
	unsigned int i;

	KUNIT_ASSERT_EQ(test, bufpool_take_bulk(pool, 512, GFP_KERNEL, 16,
						bufs), 16);
	for (i = 0; i < 16; i++)
		memset(bufs[i], 0xa5, 512);
	bufpool_return_bulk(pool, 16, bufs);
	KUNIT_ASSERT_EQ(test, bufpool_take_bulk(pool, 512,
						GFP_KERNEL | __GFP_ZERO, 16,
						bufs), 16);
	for (i = 0; i < 16; i++)
		KUNIT_EXPECT_NULL_MSG(test, memchr_inv(bufs[i], 0, 512),
				      "buffer %u not zeroed", i);
	bufpool_return_bulk(pool, 16, bufs);
	/* Without __GFP_ZERO, the idle marker alone is cleared. */
	KUNIT_ASSERT_EQ(test, bufpool_take_bulk(pool, 512, GFP_KERNEL, 16,
						bufs), 16);
	for (i = 0; i < 16; i++)
		KUNIT_EXPECT_EQ_MSG(test, *bufpool_marker(b, bufs[i]), 0UL,
				    "buffer %u kept its idle marker", i);
	bufpool_return_bulk(pool, 16, bufs);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
}

/* Sizes and arguments a single take refuses, the bulk take refuses too. */
static void bufpool_api_test_bad_take(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-bulk-bad");
	void *bufs[4] = { NULL };

	KUNIT_EXPECT_EQ(test, bufpool_take_bulk(pool, 0, GFP_KERNEL, 4, bufs),
			0);
	KUNIT_EXPECT_EQ(test, bufpool_take_bulk(pool, (size_t)1 << 40,
						GFP_KERNEL | __GFP_NOWARN, 4,
						bufs), 0);
	KUNIT_EXPECT_EQ(test, bufpool_take_bulk(pool, 64, GFP_KERNEL, 0, bufs),
			0);
	KUNIT_EXPECT_NULL(test, bufs[0]);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_TAKE), 0);
	bufpool_return_bulk(pool, 0, bufs);
	bufpool_return_bulk(pool, 4, bufs);	/* four NULLs: nothing */
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 0);
}

/*
 * Every bad entry of a bulk return is refused and counted as a single
 * return's would be, wherever it sits; the good ones around it go back.
 */
static void bufpool_api_test_bad_entries(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-bulk-bad-ret");
	struct bufpool *other = bp_create_default(test, "kt-bulk-other");
	void *good[6], *bufs[12], *foreign, *theirs;
	unsigned long returns;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, bufpool_take_bulk(pool, 256, GFP_KERNEL, 6,
						good), 6);
	foreign = kmalloc(256, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, foreign);
	theirs = bufpool_take(other, 256, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, theirs);
	returns = bp_stat_total(pool, BUFPOOL_STAT_RETURN);

	bufs[0] = foreign;		/* first: the magazine path stops at once */
	bufs[1] = good[0];
	bufs[2] = good[1];
	bufs[3] = good[0];		/* a double return, inside the batch */
	bufs[4] = NULL;
	bufs[5] = good[2] + 64;		/* interior */
	bufs[6] = good[2];
	bufs[7] = theirs;		/* another pool's */
	bufs[8] = good[3];
	bufs[9] = good[4];
	bufs[10] = good[5];
	bufs[11] = good[5];		/* a double return, last */
	bufpool_return_bulk(pool, ARRAY_SIZE(bufs), bufs);

	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 5);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_RETURN),
			returns + 6);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	/* The refused ones are still their owners'. */
	KUNIT_EXPECT_EQ(test, bp_out(other), 1);
	bufpool_return(other, theirs);
	KUNIT_EXPECT_EQ(test, bp_stat_total(other, BUFPOOL_STAT_BAD_RETURN), 0);
	kfree(foreign);
	/* Each good buffer is idle once: six takes give six buffers. */
	KUNIT_ASSERT_EQ(test, bufpool_take_bulk(pool, 256, GFP_KERNEL, 6,
						bufs), 6);
	bp_expect_bufs(test, pool, bufs, 6, 256);
	for (i = 0; i < 6; i++)
		bufpool_return(pool, bufs[i]);
	bp_expect_conserved(test, pool);
	bp_expect_conserved(test, other);
}

/*
 * A tracked pool records each buffer of a bulk take, as a single take,
 * also the idle buffers its magazines held from before tracking came on.
 */
static void bufpool_api_test_tracked(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-bulk-track");
	void *bufs[20];

	KUNIT_ASSERT_EQ(test, bufpool_take_bulk(pool, 128, GFP_KERNEL, 20,
						bufs), 20);
	bufpool_return_bulk(pool, 20, bufs);
	KUNIT_ASSERT_EQ(test, bufpool_track_set(pool, 1), 0);

	KUNIT_ASSERT_EQ(test, bufpool_take_bulk(pool, 128, GFP_KERNEL, 20,
						bufs), 20);
	KUNIT_EXPECT_EQ(test, pool->track.nr_out, 20);
	bufpool_return_bulk(pool, 20, bufs);
	KUNIT_EXPECT_EQ(test, pool->track.nr_out, 0);
	KUNIT_EXPECT_EQ(test, pool->track.nr_idle, 20);
	/*
	 * A second return of two of them: each is reported and refused.  Two,
	 * not twenty: misuse reports are rate-limited, and the suites after
	 * this one expect theirs to print.
	 */
	bufpool_return_bulk(pool, 2, bufs);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 2);
	KUNIT_EXPECT_EQ(test, pool->track.nr_idle, 20);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	bp_expect_conserved(test, pool);
}

/* A scoped buffer goes back at the end of its scope, unless kept. */
static void bufpool_api_test_scoped(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-scoped");
	void *kept;

	{
		CLASS(bufpool_buf, b)(pool, 300, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, b.p);
		KUNIT_EXPECT_PTR_EQ(test, b.pool, pool);
		KUNIT_EXPECT_EQ(test, bufpool_buf_size(pool, b.p), 512);
		KUNIT_EXPECT_EQ(test, bp_out(pool), 1);
	}
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);

	{
		CLASS(bufpool_buf, b)(pool, 64, GFP_KERNEL);

		kept = bufpool_buf_keep(&b);
		KUNIT_EXPECT_NULL(test, b.p);
	}
	KUNIT_ASSERT_NOT_NULL(test, kept);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 1);
	bufpool_return(pool, kept);

	{
		/* A failed take: nothing to return at the end. */
		CLASS(bufpool_buf, b)(pool, 0, GFP_KERNEL);

		KUNIT_EXPECT_NULL(test, b.p);
	}
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 0);
	bp_expect_conserved(test, pool);
}

/* A hard hrtimer's take and return with the nolock calls. */
struct bp_nolock_ctx {
	struct hrtimer timer;
	struct completion done;
	struct bufpool *pool;
	void *buf;
	bool hard;
};

static enum hrtimer_restart bp_nolock_timer(struct hrtimer *timer)
{
	struct bp_nolock_ctx *c = container_of(timer, struct bp_nolock_ctx,
					       timer);

	c->hard = in_hardirq();
	c->buf = bufpool_take_nolock(c->pool, 256);
	if (c->buf) {
		memset(c->buf, 0x3c, 256);
		bufpool_return_nolock(c->pool, c->buf);
	}
	complete(&c->done);
	return HRTIMER_NORESTART;
}

/* The idle buffer of this CPU, at once, with interrupts off and in hardirq. */
static void bufpool_api_test_nolock(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-nolock");
	struct bp_nolock_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct bufpool_bucket *b;
	unsigned long allocs, flags;
	void *buf, *got;

	KUNIT_ASSERT_NOT_NULL(test, c);
	/* Nothing idle: NULL at once, and no allocation. */
	KUNIT_EXPECT_NULL(test, bufpool_take_nolock(pool, 256));
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_ALLOC), 0);
	/* Sizes outside the buckets, and no pool: NULL, quietly. */
	KUNIT_EXPECT_NULL(test, bufpool_take_nolock(pool, 0));
	KUNIT_EXPECT_NULL(test, bufpool_take_nolock(pool, (size_t)1 << 40));
	KUNIT_EXPECT_NULL(test, bufpool_take_nolock(NULL, 64));
	bufpool_return_nolock(pool, NULL);

	buf = bufpool_take(pool, 256, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	bufpool_return(pool, buf);
	allocs = bp_stat_total(pool, BUFPOOL_STAT_ALLOC);
	b = &pool->buckets[bp_slot(test, pool, 256)];

	local_irq_save(flags);
	got = bufpool_take_nolock(pool, 200);
	local_irq_restore(flags);
	KUNIT_EXPECT_PTR_EQ(test, got, buf);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 1);
	KUNIT_EXPECT_EQ(test, *bufpool_marker(b, got), 0UL);
	local_irq_save(flags);
	bufpool_return_nolock(pool, got);
	local_irq_restore(flags);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);

	c->pool = pool;
	init_completion(&c->done);
	hrtimer_init(&c->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	c->timer.function = bp_nolock_timer;
	hrtimer_start(&c->timer, ns_to_ktime(10 * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_HARD);
	KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&c->done, 5 * HZ), 0);
	hrtimer_cancel(&c->timer);
	KUNIT_EXPECT_TRUE(test, c->hard);
	KUNIT_EXPECT_PTR_EQ(test, c->buf, buf);

	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_ALLOC), allocs);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 0);
	bp_expect_conserved(test, pool);
}

/* Inside this CPU's guarded section, as an interrupt of a take finds it. */
static void bufpool_api_test_nolock_nested(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-nolock-nest");
	struct bufpool_cpu *pcp;
	void *buf, *got;

	buf = bufpool_take(pool, 256, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	bufpool_return(pool, buf);

	pcp = bufpool_cpu_trylock(pool);
	KUNIT_ASSERT_NOT_NULL(test, pcp);
	got = bufpool_take_nolock(pool, 256);
	bufpool_cpu_unlock(pool, pcp);
	KUNIT_EXPECT_NULL(test, got);

	/* Still idle: the next take, outside, gets it. */
	got = bufpool_take_nolock(pool, 256);
	KUNIT_ASSERT_PTR_EQ(test, got, buf);
	/* A return from inside the section frees the buffer instead. */
	pcp = bufpool_cpu_trylock(pool);
	KUNIT_ASSERT_NOT_NULL(test, pcp);
	bufpool_return_nolock(pool, got);
	bufpool_cpu_unlock(pool, pcp);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_FREE), 1);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 0);
	bp_expect_conserved(test, pool);
}

/*
 * A pool that records every take gives nothing to a nolock take: not a
 * buffer with an idle record, nor one idle from before tracking came on.
 */
static void bufpool_api_test_nolock_tracked(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "kt-nolock-track", 0, 0, 0,
					 BUFPOOL_F_TRACK);
	struct bufpool *later = bp_create_default(test, "kt-nolock-later");
	void *buf = bufpool_take(pool, 64, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	bufpool_return(pool, buf);
	KUNIT_EXPECT_NULL(test, bufpool_take_nolock(pool, 64));
	KUNIT_EXPECT_EQ(test, pool->track.nr_idle, 1);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);

	buf = bufpool_take(later, 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	bufpool_return(later, buf);
	KUNIT_ASSERT_EQ(test, bufpool_track_set(later, 1), 0);
	KUNIT_EXPECT_NULL(test, bufpool_take_nolock(later, 64));
	KUNIT_EXPECT_EQ(test, bp_out(later), 0);
	/* A sampled pool's nolock take is one it does not record. */
	KUNIT_ASSERT_EQ(test, bufpool_track_set(later, 2), 0);
	buf = bufpool_take_nolock(later, 64);
	KUNIT_EXPECT_NOT_NULL(test, buf);
	KUNIT_EXPECT_EQ(test, later->track.nr_out, 0);
	bufpool_return_nolock(later, buf);
	KUNIT_EXPECT_EQ(test, bp_out(later), 0);
}

/*
 * What a return in NMI does (UML has no NMI to call it from): the slots
 * take the buffers, the irq_work returns them with every check, and a
 * return that finds every slot taken is refused and counted.
 */
static void bufpool_api_test_nolock_deferred(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-nolock-defer");
	struct irq_work *work = &this_cpu_ptr(pool->aux)->nolock_work;
	void **bufs = bp_take_many(test, pool, 128, BUFPOOL_NOLOCK_SLOTS + 1);
	unsigned long flags;
	void *foreign;
	unsigned int i;

	foreign = kmalloc(128, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, foreign);
	/* No interrupt, so no irq_work, until every slot is taken. */
	local_irq_save(flags);
	for (i = 0; i <= BUFPOOL_NOLOCK_SLOTS; i++)
		bufpool_nolock_defer(pool, bufs[i], _THIS_IP_);
	local_irq_restore(flags);
	irq_work_sync(work);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 1);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 1);
	bufpool_return(pool, bufs[BUFPOOL_NOLOCK_SLOTS]);

	/* A bad pointer is refused when its turn comes, as by a return. */
	bufpool_nolock_defer(pool, foreign, _THIS_IP_);
	irq_work_sync(work);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 2);
	kfree(foreign);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	bp_expect_conserved(test, pool);
}

static struct kunit_case bufpool_api_test_cases[] = {
	KUNIT_CASE(bufpool_api_test_round_trip),
	KUNIT_CASE(bufpool_api_test_depot),
	KUNIT_CASE(bufpool_api_test_depot_direct),
	KUNIT_CASE(bufpool_api_test_depot_direct_cap),
	KUNIT_CASE(bufpool_api_test_depot_direct_bad),
	KUNIT_CASE(bufpool_api_test_depot_direct_mixed),
	KUNIT_CASE(bufpool_api_test_zero),
	KUNIT_CASE(bufpool_api_test_bad_take),
	KUNIT_CASE(bufpool_api_test_bad_entries),
	KUNIT_CASE(bufpool_api_test_tracked),
	KUNIT_CASE(bufpool_api_test_scoped),
	KUNIT_CASE(bufpool_api_test_nolock),
	KUNIT_CASE(bufpool_api_test_nolock_nested),
	KUNIT_CASE(bufpool_api_test_nolock_tracked),
	KUNIT_CASE(bufpool_api_test_nolock_deferred),
	{}
};

static struct kunit_suite bufpool_api_test_suite = {
	.name = "bufpool_api",
	.suite_init = bp_suite_init,
	.suite_exit = bp_suite_exit,
	.init = bp_test_init,
	.exit = bp_test_exit,
	.test_cases = bufpool_api_test_cases,
};

kunit_test_suite(bufpool_api_test_suite);
