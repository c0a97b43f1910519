// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite: bufpool under allocation failures, injected by the kernel's
 * own failslab and fail_page_alloc (CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC,
 * the debug configuration).  Each failure is the Nth fault-injection point
 * this task reaches (current->fail_nth, as /proc/self/fail-nth sets it for
 * syzkaller): every N in turn fails one allocation of a pool's use:
 * backend slab objects and pages, magazines, tracking records, stack_depot
 * pools, the ownership index, until an N is past the last allocation.
 * Then random failures under a take-and-return load.  Whatever fails, a
 * take returns a usable buffer or NULL, and afterwards every counter
 * balances and nothing is out.
 */
#include <linux/fault-inject.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/sizes.h>

#include "bufpool_kunit.h"

/* === Setup === */

/*
 * failslab and fail_page_alloc leave GFP_KERNEL allocations and order-0
 * pages alone by default, and print a stack for every failure: fail those
 * too, quietly.  Only current->fail_nth fails anything (probability 0).
 */
static void bp_fault_setup(struct kunit *test)
{
	static const char * const set[][2] = {
		{ "failslab/ignore-gfp-wait", "N" },
		{ "failslab/verbose", "0" },
		{ "fail_page_alloc/ignore-gfp-wait", "N" },
		{ "fail_page_alloc/min-order", "0" },
		{ "fail_page_alloc/verbose", "0" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(set); i++)
		KUNIT_ASSERT_EQ_MSG(test, bp_debugfs_set(test, set[i][0],
							 set[i][1]),
				    0, "cannot set %s", set[i][0]);
}

/* Fail the @nth fault-injection point this task reaches from now on. */
static void bp_fail_nth(unsigned int nth)
{
	WRITE_ONCE(current->fail_nth, nth);
}

/* Stop failing; returns whether the armed failure happened. */
static bool bp_fail_done(void)
{
	bool injected = !READ_ONCE(current->fail_nth);

	WRITE_ONCE(current->fail_nth, 0);
	return injected;
}

/* A take that succeeded gives a buffer of at least @size, all usable. */
static void bp_fault_check(struct kunit *test, struct bufpool *pool,
			   void *buf, size_t size)
{
	KUNIT_EXPECT_GE(test, bufpool_buf_size(pool, buf), size);
	memset(buf, 0xa5, size);
}

/* === Cases === */

static const size_t bp_fault_sizes[] = { 64, 3000, SZ_8K, SZ_2M + 1 };

struct bp_fault_mode {
	const char *name;
	unsigned int flags;
	bool index;		/* the ownership index (fallback) */
};

static const struct bp_fault_mode bp_fault_modes[] = {
	{ "untracked", 0, false },
	{ "tracked", BUFPOOL_F_TRACK, false },
	{ "strict", BUFPOOL_F_STRICT, false },
	{ "indexed", BUFPOOL_F_TRACK, true },
};

static void bp_fault_mode_desc(const struct bp_fault_mode *m, char *desc)
{
	strscpy(desc, m->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(bp_fault_mode, bp_fault_modes, bp_fault_mode_desc);

/*
 * One pool's use with the @nth allocation failed: two rounds of takes of
 * every size (the second from the magazines and depot, through the
 * tracking hooks), and the returns.  Returns whether a failure was
 * injected (false: @nth is past the last allocation).
 */
static bool bp_fault_life(struct kunit *test, const struct bp_fault_mode *m,
			  unsigned int nth, unsigned long *failed_takes)
{
	struct bufpool_params params = {
		.max_size = SZ_1M, .flags = m->flags,
	};
	void *bufs[2][ARRAY_SIZE(bp_fault_sizes)] = {};
	struct bufpool *pool;
	unsigned int r, i;
	size_t bytes;
	bool injected;

	/*
	 * Not while the pool is created: a failed kmem_cache_create() dumps
	 * a stack, and it is the pool's use that must survive failures.
	 */
	bufpool_slab_index_force = m->index;
	pool = bufpool_create("fault", &params);
	bufpool_slab_index_force = false;
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	bp_fail_nth(nth);
	for (r = 0; r < 2; r++) {
		for (i = 0; i < ARRAY_SIZE(bp_fault_sizes); i++) {
			size_t size = bp_fault_sizes[i];

			bufs[r][i] = bufpool_take(pool, size,
						  GFP_KERNEL | __GFP_NOWARN);
			if (bufs[r][i])
				bp_fault_check(test, pool, bufs[r][i], size);
			else
				(*failed_takes)++;
		}
		/* The first round goes back before the second: recycled. */
		if (!r)
			for (i = 0; i < ARRAY_SIZE(bp_fault_sizes); i++)
				bufpool_return(pool, bufs[0][i]);
	}
	for (i = 0; i < ARRAY_SIZE(bp_fault_sizes); i++)
		bufpool_return(pool, bufs[1][i]);
	injected = bp_fail_done();

	KUNIT_EXPECT_EQ(test, bufpool_outstanding(pool, &bytes), 0);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(pool->track.nr_out), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 0);
	bp_expect_conserved(test, pool);
	bufpool_destroy(pool);
	return injected;
}

/* Every allocation of a pool's use fails in turn; all end clean. */
static void bufpool_fault_each(struct kunit *test)
{
	const struct bp_fault_mode *m = test->param_value;
	unsigned long failed_takes = 0;
	unsigned int nth;

	bp_fault_setup(test);
	for (nth = 1; nth <= 400; nth++) {
		if (!bp_fault_life(test, m, nth, &failed_takes))
			break;
		/* The pool of this life must be gone before the next one. */
		KUNIT_ASSERT_TRUE(test,
				  bp_namesake_gone(test, "fault"));
	}
	kunit_info(test, "%s: %u allocations failed in turn, %lu takes returned NULL\n",
		   m->name, nth - 1, failed_takes);
	KUNIT_EXPECT_LE_MSG(test, nth, 400, "more allocation points than expected");
	/*
	 * A pool's life has a few (an untracked one without the debug
	 * options: 5) to a few dozen: a broken injection finds none.
	 */
	KUNIT_EXPECT_GE(test, nth - 1, 4);
	KUNIT_EXPECT_GT(test, failed_takes, 0);
}

/*
 * Random failures (one of the next 1 to 8 fault-injection points, armed
 * again after each) while one task takes and returns, holding up to 32
 * buffers, on a sampled tracked pool: every take is a buffer or NULL, and
 * once all are returned every counter balances.
 */
static void bufpool_fault_random(struct kunit *test)
{
	struct bufpool_params params = {
		.max_size = SZ_1M, .flags = BUFPOOL_F_TRACK, .track_sample = 4,
		.max_cached_bytes = SZ_256K,
	};
	unsigned long injected = 0, nulls = 0, ops = 0;
	struct bufpool *pool;
	void *held[32] = {};
	size_t size[32] = {};
	unsigned int i, k;
	size_t bytes;

	bp_fault_setup(test);
	pool = bufpool_create("fault-random", &params);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	bp_destroy_at_end(test, pool);

	for (i = 0; i < 4000; i++) {
		k = get_random_u32_below(ARRAY_SIZE(held));
		bp_fail_nth(1 + get_random_u32_below(8));
		bufpool_return(pool, held[k]);
		size[k] = (16 << get_random_u32_below(17)) -
			  get_random_u32_below(16);
		held[k] = bufpool_take(pool, size[k],
				       (i & 1 ? GFP_KERNEL : GFP_ATOMIC) |
				       __GFP_NOWARN);
		injected += bp_fail_done();
		ops++;
		if (held[k])
			bp_fault_check(test, pool, held[k], size[k]);
		else
			nulls++;
		if (!(i % 256))
			cond_resched();
	}
	for (k = 0; k < ARRAY_SIZE(held); k++)
		bufpool_return(pool, held[k]);

	kunit_info(test, "%lu takes and returns, %lu failures injected, %lu takes NULL\n",
		   ops, injected, nulls);
	KUNIT_EXPECT_GT(test, injected, 0);
	KUNIT_EXPECT_GT(test, nulls, 0);
	KUNIT_EXPECT_EQ(test, bufpool_outstanding(pool, &bytes), 0);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(pool->track.nr_out), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 0);
	bp_expect_conserved(test, pool);
}

static struct kunit_case bufpool_fault_cases[] = {
	KUNIT_CASE_PARAM_ATTR(bufpool_fault_each, bp_fault_mode_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE(bufpool_fault_random),
	{}
};

static struct kunit_suite bufpool_fault_suite = {
	.name = "bufpool_fault",
	.test_cases = bufpool_fault_cases,
};

kunit_test_suite(bufpool_fault_suite);
