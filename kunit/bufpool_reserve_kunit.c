// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "bufpool_reserve": bufpool_reserve(), a bucket's buffers for
 * forward progress.  Filled, resized and freed; out of reach of
 * bufpool_clear(), the shrinker and the decay; and, with the allocator
 * failing, what takes get: a reserved buffer, %NULL at once without direct
 * reclaim, a wait for a return with it, and a bulk take that does not wait
 * past its first buffer.  Returns refill a short reserve, of tracked and
 * strict pools too.
 *
 * The allocator fails through the kernel's own failslab and
 * fail_page_alloc: probability 100 for this task only
 * (current->make_it_fail, their task filter), while a case asks.
 */
#include <linux/completion.h>
#include <linux/fault-inject.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/workqueue.h>

#include "bufpool_kunit.h"

/* === Failing allocator === */

static const char * const bp_fail_attrs[] = { "failslab", "fail_page_alloc" };

/* Set failslab's and fail_page_alloc's @attr to @val. */
static void bp_fail_set(struct kunit *test, const char *attr, const char *val)
{
	char path[64];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bp_fail_attrs); i++) {
		snprintf(path, sizeof(path), "%s/%s", bp_fail_attrs[i], attr);
		KUNIT_ASSERT_EQ_MSG(test, bp_debugfs_set(test, path, val), 0,
				    "cannot set %s", path);
	}
}

/*
 * Every allocation of this task fails while bp_failing(test, true) holds,
 * quietly; others' do not.  The defaults come back when the case ends.
 */
static void bp_fail_setup(struct kunit *test)
{
	bp_fail_set(test, "verbose", "0");
	bp_fail_set(test, "ignore-gfp-wait", "N");
	bp_fail_set(test, "task-filter", "Y");
	bp_fail_set(test, "interval", "1");
	bp_fail_set(test, "times", "-1");
	bp_fail_set(test, "probability", "100");
	KUNIT_ASSERT_EQ(test, bp_debugfs_set(test, "fail_page_alloc/min-order",
					     "0"), 0);
}

static void bp_failing(bool on)
{
	current->make_it_fail = on;
}

static int bp_reserve_init(struct kunit *test)
{
	int err = bp_test_init(test);

	if (!err)
		bp_fail_setup(test);
	return err;
}

static void bp_reserve_exit(struct kunit *test)
{
	bp_failing(false);
	bp_fail_set(test, "probability", "0");
	bp_fail_set(test, "times", "1");
	bp_fail_set(test, "task-filter", "N");
	bp_test_exit(test);
}

/* === Helpers === */

static struct bufpool_reserved *bp_reserve_of(struct bufpool *pool,
					      size_t size)
{
	return pool->buckets[__bufpool_bucket(&pool->f, size)].reserve;
}

static bool bp_reserve_low(struct bufpool *pool)
{
	return test_bit(BUFPOOL_SLOW_RESERVE_BIT, &pool->f.slow);
}

/* The pool's debugfs file "reserve" has @line. */
static void bp_expect_reserve_line(struct kunit *test, struct bufpool *pool,
				   const char *line)
{
	char path[64], *text = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, text);
	snprintf(path, sizeof(path), "bufpool/%s/reserve", pool->name);
	KUNIT_ASSERT_GT(test, bp_debugfs(test, path, text, PAGE_SIZE, false),
			0);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(text, line),
				  "no \"%s\" in:\n%s", line, text);
}

/* === Cases === */

/* Filled, counted as idle, kept from clear, shrinker and decay, resized. */
static void bufpool_reserve_test_fill(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-reserve");
	unsigned int idx = __bufpool_bucket(&pool->f, 256);
	struct bufpool_reserved *r;

	KUNIT_ASSERT_EQ(test, bufpool_reserve(pool, 200, 8), 0);
	r = bp_reserve_of(pool, 256);
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_EXPECT_EQ(test, r->held, 8);
	KUNIT_EXPECT_EQ(test, r->target, 8);
	KUNIT_EXPECT_FALSE(test, bp_reserve_low(pool));
	KUNIT_EXPECT_EQ(test, bp_stat(pool, idx, BUFPOOL_STAT_ALLOC), 8);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 8 * 256);
	KUNIT_EXPECT_EQ(test, bufpool_bucket_idle(pool, idx, NUMA_NO_NODE), 8);
	bp_expect_conserved(test, pool);
	bp_expect_reserve_line(test, pool, "       256        8        8");

	/* Out of reach of everything that frees idle memory. */
	bufpool_clear(pool);
	bufpool_depot_trim(pool, BUFPOOL_STAT_TRIM);
	bufpool_decay_work(&pool->decay_work.work);
	KUNIT_EXPECT_EQ(test, r->held, 8);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 8 * 256);

	/* Takes with the allocator working do not touch it. */
	bufpool_return(pool, bufpool_take(pool, 256, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, r->held, 8);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&r->takes), 0);

	/* Smaller: the rest freed now; larger: allocated now; 0: none. */
	KUNIT_ASSERT_EQ(test, bufpool_reserve(pool, 256, 3), 0);
	KUNIT_EXPECT_EQ(test, r->held, 3);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, idx, BUFPOOL_STAT_FREE), 5);
	KUNIT_ASSERT_EQ(test, bufpool_reserve(pool, 256, 100), 0);
	KUNIT_EXPECT_EQ(test, r->held, 100);
	KUNIT_EXPECT_EQ(test, r->cap, 100);
	bp_expect_conserved(test, pool);
	KUNIT_ASSERT_EQ(test, bufpool_reserve(pool, 256, 0), 0);
	KUNIT_EXPECT_EQ(test, r->held, 0);
	bufpool_clear(pool);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 0);
	bp_expect_conserved(test, pool);

	/* A page bucket's, freed by the destroy (kmemleak would say). */
	KUNIT_ASSERT_EQ(test, bufpool_reserve(pool, SZ_8K, 2), 0);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 2 * SZ_8K);
}

/* Bad calls: a clear error, nothing allocated. */
static void bufpool_reserve_test_bad(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "kt-reserve-bad", 0, SZ_64K, 0,
					 0);
	unsigned int nth, failed = 0;
	struct bufpool_reserved *r;
	bool injected;
	int err;

	KUNIT_EXPECT_EQ(test, bufpool_reserve(pool, 0, 4), -EINVAL);
	KUNIT_EXPECT_EQ(test, bufpool_reserve(pool, SZ_64K + 1, 4), -EINVAL);
	KUNIT_EXPECT_EQ(test, bufpool_reserve(pool, (size_t)SZ_1T, 4), -EINVAL);
	KUNIT_EXPECT_EQ(test, bufpool_reserve(pool, 64, BUFPOOL_RESERVE_MAX + 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, bufpool_reserve(pool, SZ_64K, UINT_MAX), -EINVAL);
	KUNIT_EXPECT_EQ(test, bufpool_reserve(bufpool_shared(), 64, 4), -EPERM);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_ALLOC), 0);
	/* 0 where there is no reserve: nothing to do. */
	KUNIT_EXPECT_EQ(test, bufpool_reserve(pool, 64, 0), 0);
	KUNIT_EXPECT_NULL(test, bp_reserve_of(pool, 64));

	/*
	 * Each allocation of a resize failed in turn (current->fail_nth, as
	 * the bufpool_fault suite does): -ENOMEM and the reserve as before,
	 * or, where a debug option's own allocation took the failure, the
	 * resize done.
	 */
	for (nth = 1; nth < 100; nth++) {
		KUNIT_ASSERT_EQ(test, bufpool_reserve(pool, SZ_8K, 2), 0);
		WRITE_ONCE(current->fail_nth, nth);
		err = bufpool_reserve(pool, SZ_8K, 6);
		injected = !READ_ONCE(current->fail_nth);
		WRITE_ONCE(current->fail_nth, 0);
		if (!injected)
			break;
		r = bp_reserve_of(pool, SZ_8K);
		if (err) {
			KUNIT_EXPECT_EQ_MSG(test, err, -ENOMEM, "allocation %u",
					    nth);
			KUNIT_EXPECT_EQ(test, r->held, 2);
			KUNIT_EXPECT_EQ(test, r->target, 2);
			KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool),
					2 * SZ_8K);
			failed++;
		} else {
			KUNIT_EXPECT_EQ(test, r->held, 6);
		}
		bp_expect_conserved(test, pool);
	}
	/*
	 * At least the fill array and the four new buffers; with kmemleak
	 * and KASAN, whose own allocations (with fallbacks) come in between,
	 * how many of the failures reach the resize varies from run to run.
	 */
	KUNIT_EXPECT_GE(test, failed,
			IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) || IS_ENABLED(CONFIG_KASAN) ?
			1 : 5);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, bp_reserve_of(pool, SZ_8K)->held, 6);
	bp_expect_conserved(test, pool);
}

/*
 * The allocator failing: takes without direct reclaim get the reserve's
 * buffers, then %NULL; returns refill it, then go to the magazines again.
 */
static void bp_reserve_takes(struct kunit *test, size_t size)
{
	struct bufpool *pool = bp_create_default(test, "kt-reserve-take");
	unsigned int idx = __bufpool_bucket(&pool->f, size), i;
	struct bufpool_reserved *r;
	void *bufs[6] = {};

	KUNIT_ASSERT_EQ(test, bufpool_reserve(pool, size, 4), 0);
	r = bp_reserve_of(pool, size);
	bp_failing(true);
	for (i = 0; i < 4; i++)
		bufs[i] = bufpool_take(pool, size, GFP_NOWAIT);
	bufs[4] = bufpool_take(pool, size, GFP_NOWAIT);
	/* Direct reclaim allowed, a buffer held: given at once. */
	bp_failing(false);
	for (i = 0; i < 4; i++) {
		KUNIT_ASSERT_NOT_NULL_MSG(test, bufs[i], "take %u", i);
		KUNIT_EXPECT_EQ(test, bufpool_buf_size(pool, bufs[i]),
				roundup_pow_of_two(size));
		memset(bufs[i], 0x5a, size);
	}
	KUNIT_EXPECT_NULL(test, bufs[4]);
	KUNIT_EXPECT_EQ(test, r->held, 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&r->takes), 4);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&r->empty), 1);
	KUNIT_EXPECT_TRUE(test, bp_reserve_low(pool));
	KUNIT_EXPECT_EQ(test, bp_out(pool), 4);
	bp_expect_conserved(test, pool);

	/* Each return refills it (none of them inline) until it is full. */
	for (i = 0; i < 4; i++) {
		bufpool_return(pool, bufs[i]);
		/* Assert: the wait below would not end without the refill. */
		KUNIT_ASSERT_EQ(test, r->held, i + 1);
	}
	KUNIT_EXPECT_FALSE(test, bp_reserve_low(pool));
	KUNIT_EXPECT_EQ(test, bp_idle_slot(pool, idx), 4);	/* all reserved */
	bp_expect_conserved(test, pool);
	/* A double return of a reserved buffer is refused. */
	bufpool_return(pool, bufs[3]);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, idx, BUFPOOL_STAT_BAD_RETURN), 1);
	KUNIT_EXPECT_EQ(test, r->held, 4);

	/* Full again: a buffer taken now and returned goes to a magazine. */
	bufs[5] = bufpool_take(pool, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bufs[5]);
	bufpool_return(pool, bufs[5]);
	KUNIT_EXPECT_EQ(test, r->held, 4);
	KUNIT_EXPECT_EQ(test, bp_idle_slot(pool, idx), 5);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	bp_expect_conserved(test, pool);

	/* Direct reclaim allowed and the allocator failing: the reserve. */
	bufpool_clear(pool);
	bp_failing(true);
	bufs[0] = bufpool_take(pool, size, GFP_KERNEL | __GFP_ZERO);
	bp_failing(false);
	KUNIT_ASSERT_NOT_NULL(test, bufs[0]);
	KUNIT_EXPECT_TRUE(test, mem_is_zero(bufs[0], size));
	KUNIT_EXPECT_EQ(test, r->held, 3);
	bufpool_return(pool, bufs[0]);
	KUNIT_EXPECT_EQ(test, r->held, 4);
	bp_expect_conserved(test, pool);
}

static void bufpool_reserve_test_takes(struct kunit *test)
{
	bp_reserve_takes(test, 256);
}

static void bufpool_reserve_test_takes_pages(struct kunit *test)
{
	bp_reserve_takes(test, SZ_8K);
}

struct bp_late_return {
	struct delayed_work work;
	struct bufpool *pool;
	void *buf;
};

static void bp_late_return_fn(struct work_struct *work)
{
	struct bp_late_return *l = container_of(work, struct bp_late_return,
						work.work);

	bufpool_return(l->pool, l->buf);
}

/*
 * The reserve empty, the allocator failing, direct reclaim allowed: the
 * take waits, and gets the buffer a worker returns 100 ms later, woken by
 * that return (not after the 5 s the wait lasts at most).
 */
static void bufpool_reserve_test_wait(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-reserve-wait");
	struct bp_late_return late = { .pool = pool };
	struct bufpool_reserved *r;
	unsigned long start;
	void *buf;

	KUNIT_ASSERT_EQ(test, bufpool_reserve(pool, SZ_4K, 1), 0);
	r = bp_reserve_of(pool, SZ_4K);
	bp_failing(true);
	late.buf = bufpool_take(pool, SZ_4K, GFP_KERNEL);
	bp_failing(false);
	KUNIT_ASSERT_NOT_NULL(test, late.buf);
	KUNIT_ASSERT_EQ(test, r->held, 0);

	INIT_DELAYED_WORK_ONSTACK(&late.work, bp_late_return_fn);
	schedule_delayed_work(&late.work, msecs_to_jiffies(100));
	start = jiffies;
	bp_failing(true);
	buf = bufpool_take(pool, SZ_4K, GFP_KERNEL);
	bp_failing(false);
	flush_delayed_work(&late.work);
	destroy_delayed_work_on_stack(&late.work);
	KUNIT_EXPECT_PTR_EQ(test, buf, late.buf);
	KUNIT_EXPECT_GE(test, atomic_long_read(&r->waits), 1);
	KUNIT_EXPECT_LT_MSG(test, jiffies - start, 4 * HZ,
			    "the return did not wake the take");
	KUNIT_EXPECT_EQ(test, bp_out(pool), 1);
	bufpool_return(pool, buf);
	KUNIT_EXPECT_EQ(test, r->held, 1);
	bp_expect_conserved(test, pool);
}

struct bp_waiter {
	struct bufpool *pool;
	void *buf;
	struct completion done;
};

/* A take that waits for the reserve, in a task whose allocations fail. */
static int bp_waiter_fn(void *arg)
{
	struct bp_waiter *w = arg;

	bp_failing(true);
	w->buf = bufpool_take(w->pool, SZ_4K, GFP_KERNEL);
	bp_failing(false);
	complete(&w->done);
	return 0;
}

/*
 * A take waiting for an empty reserve when its pool is destroyed: the
 * destroy wakes it, waits for it to go, and the take fails as any take of
 * a destroyed pool does; the destroy does not sit out the 5 s wait.
 */
static void bufpool_reserve_test_destroy_waiter(struct kunit *test)
{
	struct bp_waiter w = {};
	struct task_struct *task;
	unsigned long start;
	unsigned int i;
	void *first;

	init_completion(&w.done);
	w.pool = bufpool_create("kt-reserve-dw", NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, w.pool);
	KUNIT_ASSERT_EQ(test, bufpool_reserve(w.pool, SZ_4K, 1), 0);
	bp_failing(true);
	first = bufpool_take(w.pool, SZ_4K, GFP_KERNEL);
	bp_failing(false);
	KUNIT_ASSERT_NOT_NULL(test, first);

	task = kthread_run(bp_waiter_fn, &w, "bp-reserve-waiter");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	for (i = 0; i < 100 && !atomic_read(&w.pool->reserve_waiters); i++)
		msleep(20);
	KUNIT_EXPECT_EQ(test, atomic_read(&w.pool->reserve_waiters), 1);

	start = jiffies;
	bufpool_destroy(w.pool);
	KUNIT_EXPECT_LT_MSG(test, jiffies - start, 4 * HZ,
			    "the destroy sat out the waiter's timeout");
	/* Woken by the destroy, not by the end of its 5 s wait. */
	if (!wait_for_completion_timeout(&w.done, 4 * HZ)) {
		KUNIT_FAIL(test, "the destroy did not wake the waiting take");
		wait_for_completion(&w.done);
	}
	KUNIT_EXPECT_NULL(test, w.buf);
	/* The last buffer out comes back: the pool goes. */
	bufpool_return(w.pool, first);
	KUNIT_EXPECT_TRUE(test, bp_namesake_gone(test, "kt-reserve-dw"));
}

/* A bulk take gets the reserve's buffers but waits for none past them. */
static void bufpool_reserve_test_bulk(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-reserve-bulk");
	struct bufpool_reserved *r;
	void *bufs[8] = {};
	unsigned int n;

	KUNIT_ASSERT_EQ(test, bufpool_reserve(pool, 512, 5), 0);
	r = bp_reserve_of(pool, 512);
	bp_failing(true);
	n = bufpool_take_bulk(pool, 512, GFP_KERNEL, ARRAY_SIZE(bufs), bufs);
	bp_failing(false);
	KUNIT_EXPECT_EQ(test, n, 5);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&r->waits), 0);
	KUNIT_EXPECT_EQ(test, r->held, 0);
	bufpool_return_bulk(pool, n, bufs);
	KUNIT_EXPECT_EQ(test, r->held, 5);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	bp_expect_conserved(test, pool);
}

/*
 * Tracked and strict pools: a reserved take is recorded, its return
 * refills the reserve, a second return is refused; a strict pool, which
 * never recycles a buffer otherwise, refills its reserve too.  Only the
 * page allocator fails here, for 16 KiB and up: the records come from a
 * slab cache.
 */
static void bp_reserve_tracked(struct kunit *test, unsigned int flags)
{
	struct bufpool *pool = bp_create(test, "kt-reserve-track", 0, 0, 0,
					 flags);
	struct bufpool_reserved *r;
	void *buf, *again;

	/*
	 * Pages of order 2 and up only: a slab that needs a page for a
	 * record falls back to order 0 (SLUB's minimum order).
	 */
	KUNIT_ASSERT_EQ(test, bp_debugfs_set(test, "failslab/probability",
					     "0"), 0);
	KUNIT_ASSERT_EQ(test, bp_debugfs_set(test, "fail_page_alloc/min-order",
					     "2"), 0);
	KUNIT_ASSERT_EQ(test, bufpool_reserve(pool, SZ_16K, 1), 0);
	r = bp_reserve_of(pool, SZ_16K);
	/* A record's slab page, before the page allocator fails. */
	bufpool_return(pool, bufpool_take(pool, 64, GFP_KERNEL));
	bp_failing(true);
	buf = bufpool_take(pool, SZ_16K, GFP_NOWAIT);
	bp_failing(false);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pool->track.untracked), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&r->takes), 1);
	KUNIT_EXPECT_EQ(test, pool->track.nr_out, 1);
	bufpool_return(pool, buf);
	KUNIT_EXPECT_EQ(test, r->held, 1);
	KUNIT_EXPECT_EQ(test, pool->track.nr_out, 0);
	/* Refused, counted, and the reserve keeps its one buffer. */
	bufpool_return(pool, buf);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 1);
	KUNIT_EXPECT_EQ(test, r->held, 1);

	bp_failing(true);
	again = bufpool_take(pool, SZ_16K, GFP_NOWAIT);
	bp_failing(false);
	KUNIT_EXPECT_PTR_EQ(test, again, buf);
	KUNIT_EXPECT_EQ(test, pool->track.nr_out, 1);
	bufpool_return(pool, again);
	KUNIT_EXPECT_EQ(test, r->held, 1);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	bp_expect_conserved(test, pool);
}

static void bufpool_reserve_test_tracked(struct kunit *test)
{
	bp_reserve_tracked(test, BUFPOOL_F_TRACK);
}

static void bufpool_reserve_test_strict(struct kunit *test)
{
	bp_reserve_tracked(test, BUFPOOL_F_TRACK | BUFPOOL_F_STRICT);
}

/*
 * A strict pool that records no take: the claim still refuses a second
 * return of a buffer its reserve holds (strict would free it otherwise,
 * with the reserve still holding it).
 */
static void bufpool_reserve_test_strict_untracked(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "kt-reserve-strict", 0, 0, 0,
					 BUFPOOL_F_STRICT);
	struct bufpool_reserved *r;
	void *buf;

	KUNIT_ASSERT_EQ(test, bufpool_reserve(pool, 64, 1), 0);
	r = bp_reserve_of(pool, 64);
	bp_failing(true);
	buf = bufpool_take(pool, 64, GFP_NOWAIT);
	bp_failing(false);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	bufpool_return(pool, buf);
	KUNIT_EXPECT_EQ(test, r->held, 1);
	bufpool_return(pool, buf);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 1);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_FREE), 0);
	KUNIT_EXPECT_EQ(test, r->held, 1);
	/* Full: a strict pool's return frees again. */
	buf = bufpool_take(pool, 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	bufpool_return(pool, buf);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_FREE), 1);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	bp_expect_conserved(test, pool);
}

static struct kunit_case bufpool_reserve_test_cases[] = {
	KUNIT_CASE(bufpool_reserve_test_fill),
	KUNIT_CASE(bufpool_reserve_test_bad),
	KUNIT_CASE(bufpool_reserve_test_takes),
	KUNIT_CASE(bufpool_reserve_test_takes_pages),
	KUNIT_CASE(bufpool_reserve_test_wait),
	KUNIT_CASE(bufpool_reserve_test_destroy_waiter),
	KUNIT_CASE(bufpool_reserve_test_bulk),
	KUNIT_CASE(bufpool_reserve_test_tracked),
	KUNIT_CASE(bufpool_reserve_test_strict),
	KUNIT_CASE(bufpool_reserve_test_strict_untracked),
	{}
};

static struct kunit_suite bufpool_reserve_test_suite = {
	.name = "bufpool_reserve",
	.suite_init = bp_suite_init,
	.suite_exit = bp_suite_exit,
	.init = bp_reserve_init,
	.exit = bp_reserve_exit,
	.test_cases = bufpool_reserve_test_cases,
};

kunit_test_suite(bufpool_reserve_test_suite);
