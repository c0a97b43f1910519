// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for bufpool's tracking mode (module/track.c).
 *
 * The reports are checked as printed: a probe on the console tracepoint
 * (as mm/kfence/kfence_test.c does) captures every "bufpool: " line while a
 * case runs, and the cases look for the lines they expect, built with %ps of
 * the test function itself.  So the helpers that take and return buffers
 * are __always_inline, and Kbuild compiles this file with frame pointers
 * and without sibling calls: the first frame of a recorded stack must be
 * the test function, not bufpool.
 *
 * Each case uses pools of its own, named "kt-tr-*", and leaves every pool
 * freed and the tracking key as it found it.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/jump_label.h>
#include <linux/kallsyms.h>
#include <linux/ratelimit.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "bufpool_kunit.h"

/* === Helpers === */

/* Inline: the pool's creator is the test function. */
static __always_inline struct bufpool *bp_track_create_raw(struct kunit *test,
							   const char *name,
							   size_t max_size,
							   unsigned int flags)
{
	struct bufpool_params params = {
		.max_size = max_size,
		.flags = flags,
	};
	struct bufpool *pool;

	pool = bufpool_create(name, &params);
	KUNIT_ASSERT_NOT_ERR_OR_NULL_MSG(test, pool, "bufpool_create(%s)", name);
	return pool;
}

/* A pool that is destroyed when the case ends. */
static __always_inline struct bufpool *bp_track_create(struct kunit *test,
						       const char *name,
						       size_t max_size,
						       unsigned int flags)
{
	struct bufpool *pool = bp_track_create_raw(test, name, max_size, flags);

	bp_destroy_at_end(test, pool);
	return pool;
}

static __always_inline void *bp_take(struct kunit *test, struct bufpool *pool,
				     size_t size)
{
	void *buf = bufpool_take(pool, size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	return buf;
}

/*
 * The bound of a loop whose takes must share one stack: hidden from the
 * compiler, so that it cannot unroll the loop into call sites of their own.
 */
static __always_inline unsigned int bp_one_site(unsigned int n)
{
	OPTIMIZER_HIDE_VAR(n);
	return n;
}

static int bp_key_count(void)
{
	return static_key_count(&bufpool_track_key.key);
}

/*
 * Wait until no pool is hooked: pools of earlier cases are freed by a work
 * item after their last buffer and an RCU grace period.
 */
static void bp_wait_unhooked(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < 50 && bp_key_count(); i++) {
		rcu_barrier();
		msleep(20);
	}
	KUNIT_ASSERT_EQ_MSG(test, bp_key_count(), 0,
			    "a tracked pool of an earlier case is still there");
}

/*
 * Each case starts with a capture of every line bufpool prints, a count of
 * splats, and a fresh budget of misuse reports.
 */
static int bp_track_test_init(struct kunit *test)
{
	ratelimit_state_init(&bufpool_misuse_rs, 5 * HZ, 10);
	bp_console_start(test, "bufpool: ");
	return bp_test_init(test);
}

/* === Turning it on === */

static void bufpool_track_test_state(struct kunit *test)
{
	struct bufpool *plain, *tracked, *strict;
	char state[16];
	int keys;

	bp_wait_unhooked(test);
	keys = bp_key_count();

	plain = bp_track_create(test, "kt-tr-plain", 0, 0);
	KUNIT_EXPECT_FALSE(test, plain->track.hooked);
	KUNIT_EXPECT_EQ(test, bp_key_count(), keys);
	KUNIT_EXPECT_STREQ(test, bufpool_track_state(plain, state,
						     sizeof(state)), "off");

	tracked = bp_track_create(test, "kt-tr-flag", 0, BUFPOOL_F_TRACK);
	KUNIT_EXPECT_TRUE(test, tracked->track.hooked);
	KUNIT_EXPECT_TRUE(test, tracked->track.exact);
	KUNIT_EXPECT_EQ(test, bp_key_count(), keys + 1);
	KUNIT_EXPECT_STREQ(test, bufpool_track_state(tracked, state,
						     sizeof(state)), "all");
	/* The creator is named as text, for when its module is gone. */
	KUNIT_EXPECT_STREQ(test, tracked->track.creator,
			   "bufpool_track_test_state");

	/* Run time: sampling, off, on again; exactness is lost for good. */
	KUNIT_EXPECT_EQ(test, bufpool_track_set(tracked, 64), 0);
	KUNIT_EXPECT_STREQ(test, bufpool_track_state(tracked, state,
						     sizeof(state)), "1/64");
	KUNIT_EXPECT_FALSE(test, tracked->track.exact);
	KUNIT_EXPECT_EQ(test, bufpool_track_set(tracked, 0), 0);
	KUNIT_EXPECT_STREQ(test, bufpool_track_state(tracked, state,
						     sizeof(state)), "off");
	/* Still hooked, so that its records stay right. */
	KUNIT_EXPECT_TRUE(test, tracked->track.hooked);
	KUNIT_EXPECT_EQ(test, bufpool_track_set(tracked, 1), 0);
	KUNIT_EXPECT_FALSE(test, tracked->track.exact);
	KUNIT_EXPECT_EQ(test, bp_key_count(), keys + 1);

	KUNIT_EXPECT_EQ(test, bufpool_track_set(plain, 2), 0);
	KUNIT_EXPECT_TRUE(test, plain->track.hooked);
	KUNIT_EXPECT_EQ(test, bp_key_count(), keys + 2);

	strict = bp_track_create(test, "kt-tr-strict-state", 0, BUFPOOL_F_STRICT);
	KUNIT_EXPECT_STREQ(test, bufpool_track_state(strict, state,
						     sizeof(state)),
			   "off+strict");
	KUNIT_EXPECT_EQ(test, bp_key_count(), keys + 3);
}

/* The static key follows the hooked pools; off again when they are gone. */
static void bufpool_track_test_key(struct kunit *test)
{
	struct bufpool *pool;

	bp_wait_unhooked(test);
	KUNIT_EXPECT_FALSE(test, static_branch_unlikely(&bufpool_track_key));
	pool = bp_track_create_raw(test, "kt-tr-key", 0, BUFPOOL_F_TRACK);
	KUNIT_EXPECT_EQ(test, bp_key_count(), 1);
	KUNIT_EXPECT_TRUE(test, static_branch_unlikely(&bufpool_track_key));
	bufpool_return(pool, bp_take(test, pool, 64));
	bufpool_destroy(pool);
	KUNIT_EXPECT_TRUE(test, bp_namesake_gone(test, "kt-tr-key"));
	KUNIT_EXPECT_EQ(test, bp_key_count(), 0);
	KUNIT_EXPECT_FALSE(test, static_branch_unlikely(&bufpool_track_key));
}

/* === Leak reports === */

static void bufpool_track_test_leak_destroy(struct kunit *test)
{
	const char *name = "kt-tr-leak";
	struct bufpool *pool;
	void *small[3], *mid, *page;
	unsigned int i;
	long first, second, third;

	pool = bp_track_create_raw(test, name, 0, BUFPOOL_F_TRACK);
	for (i = 0; i < bp_one_site(ARRAY_SIZE(small)); i++)
		small[i] = bp_take(test, pool, 100);
	mid = bp_take(test, pool, 1000);
	page = bp_take(test, pool, SZ_8K);
	/* Idle buffers are not leaks. */
	bufpool_return(pool, bp_take(test, pool, 100));
	KUNIT_EXPECT_EQ(test, pool->track.nr_out, 5);
	KUNIT_EXPECT_EQ(test, pool->track.nr_idle, 1);

	bp_console_clear();
	bufpool_destroy(pool);

	/* The fixed header: 3 * 128 + 1024 + 8192 bytes. */
	bp_expect_line(test,
		       "bufpool: kt-tr-leak: leak report: 5 buffers (9600 bytes) still out at destroy");
	/* Most frequent first, then the larger; each from this function. */
	first = bp_console_find("3 buffers, 384 bytes, taken at:");
	second = bp_console_find("1 buffer, 8192 bytes, taken at:");
	third = bp_console_find("1 buffer, 1024 bytes, taken at:");
	KUNIT_EXPECT_GE(test, first, 0);
	KUNIT_EXPECT_GT(test, second, first);
	KUNIT_EXPECT_GT(test, third, second);
	bp_expect_stack(test, name, "3 buffers, 384 bytes, taken at:",
			bufpool_track_test_leak_destroy);
	bp_expect_stack(test, name, "1 buffer, 8192 bytes, taken at:",
			bufpool_track_test_leak_destroy);
	bp_expect_stack(test, name, "1 buffer, 1024 bytes, taken at:",
			bufpool_track_test_leak_destroy);
	bp_expect_line(test, "(oldest taken ");
	bp_expect_line(test,
		       "total: 5 buffers, 9600 bytes; 5 tracked from 3 stacks (3 shown), 0 untracked");
	KUNIT_EXPECT_FALSE(test, bp_console_has("untracked:"));
	KUNIT_EXPECT_EQ(test, bp_console_count("leak report:"), 1);

	/* The leaked buffers are still good, and the pool goes with them. */
	for (i = 0; i < ARRAY_SIZE(small); i++)
		bufpool_return(pool, small[i]);
	bufpool_return(pool, mid);
	KUNIT_EXPECT_FALSE(test, bp_console_has("misuse"));
	bufpool_return(pool, page);
	KUNIT_EXPECT_TRUE(test, bp_namesake_gone(test, name));
}

/* Equal stacks merge, whatever the sizes; the display limit holds. */
static void bufpool_track_test_leak_grouping(struct kunit *test)
{
	static const size_t sizes[] = { 64, 200, 64, SZ_4K };
	const char *name = "kt-tr-group";
	unsigned int old_limit = bufpool_report_stacks;
	struct bufpool *pool;
	void *bufs[ARRAY_SIZE(sizes)], *other;
	unsigned int i;

	pool = bp_track_create_raw(test, name, 0, BUFPOOL_F_TRACK);
	for (i = 0; i < bp_one_site(ARRAY_SIZE(sizes)); i++)
		bufs[i] = bp_take(test, pool, sizes[i]);
	other = bp_take(test, pool, 64);

	bufpool_report_stacks = 1;
	bp_console_clear();
	bufpool_destroy(pool);
	bufpool_report_stacks = old_limit;

	/* 64 + 256 + 64 + 4096 from one line of code. */
	bp_expect_stack(test, name, "4 buffers, 4480 bytes, taken at:",
			bufpool_track_test_leak_grouping);
	KUNIT_EXPECT_EQ(test, bp_console_count("taken at:"), 1);
	bp_expect_line(test,
		       "total: 5 buffers, 4544 bytes; 5 tracked from 2 stacks (1 shown), 0 untracked");

	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		bufpool_return(pool, bufs[i]);
	bufpool_return(pool, other);
	KUNIT_EXPECT_TRUE(test, bp_namesake_gone(test, name));
}

static void bufpool_track_test_leak_untracked(struct kunit *test)
{
	const char *name = "kt-tr-untracked";
	struct bufpool *pool;
	void *a, *b, *c;

	/* Untracked only: the counts and how to turn tracking on. */
	pool = bp_track_create_raw(test, name, 0, 0);
	a = bp_take(test, pool, 64);
	bp_console_clear();
	bufpool_destroy(pool);
	bp_expect_line(test,
		       "bufpool: kt-tr-untracked: leak report: 1 buffer (64 bytes) still out at destroy");
	bp_expect_line(test,
		       "bufpool: kt-tr-untracked: 1 buffer (64 bytes) untracked: to see where buffers");
	bp_expect_line(test,
		       "track the pool from its creation (BUFPOOL_F_TRACK, bufpool.track=1)");
	bp_expect_line(test, "echo 1 > /sys/kernel/debug/bufpool/kt-tr-untracked/track");
	KUNIT_EXPECT_FALSE(test, bp_console_has("taken at:"));
	KUNIT_EXPECT_FALSE(test, bp_console_has("total:"));
	bufpool_return(pool, a);
	KUNIT_EXPECT_TRUE(test, bp_namesake_gone(test, name));

	/* Tracking turned on between takes: both kinds in one report. */
	pool = bp_track_create_raw(test, name, 0, 0);
	a = bp_take(test, pool, 64);
	b = bp_take(test, pool, 128);
	KUNIT_ASSERT_EQ(test, bufpool_track_set(pool, 1), 0);
	c = bp_take(test, pool, 64);
	bp_console_clear();
	bufpool_destroy(pool);
	bp_expect_line(test, "leak report: 3 buffers (256 bytes) still out at destroy");
	bp_expect_stack(test, name, "1 buffer, 64 bytes, taken at:",
			bufpool_track_test_leak_untracked);
	bp_expect_line(test, "2 buffers (192 bytes) untracked");
	bp_expect_line(test,
		       "total: 3 buffers, 256 bytes; 1 tracked from 1 stack (1 shown), 2 untracked");
	bufpool_return(pool, a);
	bufpool_return(pool, b);
	bufpool_return(pool, c);
	KUNIT_EXPECT_EQ(test, bp_console_count("misuse"), 0);
	KUNIT_EXPECT_TRUE(test, bp_namesake_gone(test, name));
}

/* The report bufpool makes when it unloads names the pool's creator. */
static void bufpool_track_test_leak_unload(struct kunit *test)
{
	const char *name = "kt-tr-unload";
	struct bufpool *pool;
	char line[128];
	void *buf;

	pool = bp_track_create_raw(test, name, 0, BUFPOOL_F_TRACK);
	buf = bp_take(test, pool, SZ_2M);
	bufpool_destroy(pool);
	bp_console_clear();
	bufpool_track_report_unload(pool);
	snprintf(line, sizeof(line),
		 "leak report: 1 buffer (%lu bytes) never returned before bufpool unloaded; the pool was created by %ps",
		 (unsigned long)SZ_2M, bufpool_track_test_leak_unload);
	bp_expect_line(test, line);
	bp_expect_stack(test, name, "1 buffer, 2097152 bytes, taken at:",
			bufpool_track_test_leak_unload);
	bufpool_return(pool, buf);
	KUNIT_EXPECT_TRUE(test, bp_namesake_gone(test, name));
}

/* Matches return addresses in the function whose name is @arg. */
static bool bp_holds(unsigned long ip, const void *owner, const void *arg)
{
	char sym[KSYM_SYMBOL_LEN];

	snprintf(sym, sizeof(sym), "%ps", (void *)ip);
	return !strcmp(sym, arg);
}

static noinline void *bp_take_elsewhere(struct bufpool *pool)
{
	return bufpool_take(pool, 64, GFP_KERNEL);
}

/*
 * A module that unloads is reported for what it took and still holds, from
 * every pool.  UML has no modules: the notifier's matching is by return
 * address, which this case does with a function name instead.
 */
static void bufpool_track_test_leak_module(struct kunit *test)
{
	struct bufpool *a = bp_track_create(test, "kt-tr-mod-a", 0, BUFPOOL_F_TRACK);
	struct bufpool *b = bp_track_create(test, "kt-tr-mod-b", 0, BUFPOOL_F_TRACK);
	struct bufpool *plain = bp_track_create(test, "kt-tr-mod-c", 0, 0);
	char fn[KSYM_SYMBOL_LEN];
	void *a1, *a2, *b1, *c1, *other;
	unsigned long nr;

	snprintf(fn, sizeof(fn), "%ps", bufpool_track_test_leak_module);
	a1 = bp_take(test, a, 64);
	a2 = bp_take(test, a, SZ_8K);
	b1 = bp_take(test, b, 100);
	c1 = bp_take(test, plain, 64);
	other = bp_take_elsewhere(a);
	KUNIT_ASSERT_NOT_NULL(test, other);
	/* Returned: not held. */
	bufpool_return(b, bp_take(test, b, 64));

	bp_console_clear();
	nr = bufpool_track_report_holder("kt_fake_mod", bp_holds, fn);
	KUNIT_EXPECT_EQ(test, nr, 3);
	bp_expect_line(test,
		       "kt-tr-mod-a: leak report: module kt_fake_mod unloaded holding 2 buffers (8256 bytes)");
	bp_expect_line(test,
		       "kt-tr-mod-b: leak report: module kt_fake_mod unloaded holding 1 buffer (128 bytes)");
	bp_expect_stack(test, "kt-tr-mod-b", "1 buffer, 128 bytes, taken at:",
			bufpool_track_test_leak_module);
	KUNIT_EXPECT_FALSE(test, bp_console_has("kt-tr-mod-c"));
	KUNIT_EXPECT_EQ(test, bp_console_count("leak report:"), 2);

	/* Nothing held: nothing printed. */
	bp_console_clear();
	KUNIT_EXPECT_EQ(test, bufpool_track_report_holder("kt_none", bp_holds,
							  "kt_no_function"), 0);
	KUNIT_EXPECT_FALSE(test, bp_console_has("leak report"));

	bufpool_return(a, a1);
	bufpool_return(a, a2);
	bufpool_return(a, other);
	bufpool_return(b, b1);
	bufpool_return(plain, c1);
}

/*
 * A take that found its pool untracked, then popped a slot that a tracked
 * return marked meanwhile (tracking was switched on in between): it gets the
 * tracked take's treatment, not a tagged pointer.  The window is made here
 * by hiding the hook from the take.
 */
static void bufpool_track_test_marked_slot_race(struct kunit *test)
{
	struct bufpool *pool = bp_track_create(test, "kt-tr-race-mark", 0,
					 BUFPOOL_F_TRACK | BUFPOOL_F_NO_INIT);
	unsigned long slow;
	void *x, *y;

	x = bp_take(test, pool, 256);
	bufpool_return(pool, x);
	KUNIT_ASSERT_EQ(test, pool->track.nr_idle, 1);

	/* From the inline path too: its bits would send it out of line. */
	slow = READ_ONCE(pool->f.slow);
	WRITE_ONCE(pool->track.hooked, false);
	WRITE_ONCE(pool->f.slow, 0);
	y = bufpool_take(pool, 256, GFP_KERNEL | __GFP_ZERO);
	WRITE_ONCE(pool->f.slow, slow);
	WRITE_ONCE(pool->track.hooked, true);

	KUNIT_EXPECT_PTR_EQ(test, y, x);
	KUNIT_ASSERT_TRUE(test, IS_ALIGNED((unsigned long)y, 256));
	KUNIT_EXPECT_NULL(test, memchr_inv(y, 0, 256));
	/* Its record is out again, so its return is no double return. */
	KUNIT_EXPECT_EQ(test, pool->track.nr_idle, 0);
	KUNIT_EXPECT_EQ(test, pool->track.nr_out, 1);
	bp_console_clear();
	bufpool_return(pool, y);
	KUNIT_EXPECT_FALSE(test, bp_console_has("misuse:"));
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 0);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	bp_expect_conserved(test, pool);
}

/*
 * A client that destroys its pool in its exit function, holding buffers:
 * the destroy reports them, and the module unload that follows does not
 * report them again.
 */
static void bufpool_track_test_leak_module_destroyed(struct kunit *test)
{
	const char *name = "kt-tr-mod-gone";
	struct bufpool *pool = bp_track_create_raw(test, name, 0, BUFPOOL_F_TRACK);
	char fn[KSYM_SYMBOL_LEN];
	void *buf;

	snprintf(fn, sizeof(fn), "%ps", bufpool_track_test_leak_module_destroyed);
	buf = bp_take(test, pool, 64);
	bp_console_clear();
	bufpool_destroy(pool);
	KUNIT_EXPECT_EQ(test, bufpool_track_report_holder("kt_fake_mod",
							  bp_holds, fn), 0);
	KUNIT_EXPECT_EQ(test, bp_console_count("leak report:"), 1);
	bp_expect_line(test,
		       "kt-tr-mod-gone: leak report: 1 buffer (64 bytes) still out at destroy");
	bufpool_return(pool, buf);
	KUNIT_EXPECT_TRUE(test, bp_namesake_gone(test, name));
}

/*
 * A report on many buffers keeps interrupts off for a batch of records at a
 * time, never for all of them, and still counts and groups every one (two
 * stacks, each first seen in a different batch).
 */
static void bufpool_track_test_leak_batched(struct kunit *test)
{
	const unsigned int n = 2000;
	const char *name = "kt-tr-batch";
	struct bufpool *pool = bp_track_create(test, name, 0, BUFPOOL_F_TRACK);
	void **bufs = kunit_kcalloc(test, n + 1, sizeof(*bufs), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, bufs);
	for (i = 0; i < bp_one_site(n); i++)
		bufs[i] = bp_take(test, pool, 64);
	bufs[n] = bp_take_elsewhere(pool);
	KUNIT_ASSERT_NOT_NULL(test, bufs[n]);

	WRITE_ONCE(bufpool_walk_longest, 0);
	bp_console_clear();
	bufpool_track_report_holder("kt_batch_mod", NULL, NULL);
	KUNIT_EXPECT_GT(test, bufpool_walk_longest, 0);
	KUNIT_EXPECT_LE(test, bufpool_walk_longest, 256);
	bp_expect_line(test,
		       "leak report: module kt_batch_mod unloaded holding 2001 buffers (128064 bytes)");
	bp_expect_stack(test, name, "2000 buffers, 128000 bytes, taken at:",
			bufpool_track_test_leak_batched);
	bp_expect_line(test, "1 buffer, 64 bytes, taken at:");

	for (i = 0; i <= n; i++)
		bufpool_return(pool, bufs[i]);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
}

/* The notifier ignores every module state but GOING. */
static void bufpool_track_test_module_notify(struct kunit *test)
{
	struct bufpool *a = bp_track_create(test, "kt-tr-notify", 0, BUFPOOL_F_TRACK);
	void *buf = bp_take(test, a, 64);

	bp_console_clear();
	/* 0 is MODULE_STATE_LIVE; a NULL module is not looked at then. */
	KUNIT_EXPECT_EQ(test, bufpool_track_module_notify(NULL, 0, NULL),
			NOTIFY_DONE);
	KUNIT_EXPECT_FALSE(test, bp_console_has("leak report"));
	bufpool_return(a, buf);
}

static void bufpool_track_test_leak_panic(struct kunit *test)
{
	bool old = bufpool_leak_panic;

	bufpool_leak_panic = false;
	KUNIT_EXPECT_FALSE(test,
			   bufpool_track_should_panic(BUFPOOL_REPORT_DESTROY, 3));
	KUNIT_EXPECT_FALSE(test,
			   bufpool_track_should_panic(BUFPOOL_REPORT_MISUSE, 1));

	bufpool_leak_panic = true;
	KUNIT_EXPECT_TRUE(test,
			  bufpool_track_should_panic(BUFPOOL_REPORT_DESTROY, 3));
	KUNIT_EXPECT_TRUE(test,
			  bufpool_track_should_panic(BUFPOOL_REPORT_UNLOAD, 1));
	KUNIT_EXPECT_TRUE(test,
			  bufpool_track_should_panic(BUFPOOL_REPORT_MODULE, 2));
	KUNIT_EXPECT_TRUE(test,
			  bufpool_track_should_panic(BUFPOOL_REPORT_MISUSE, 1));
	/* Nothing reported, or only listed in debugfs: no panic. */
	KUNIT_EXPECT_FALSE(test,
			   bufpool_track_should_panic(BUFPOOL_REPORT_DESTROY, 0));
	KUNIT_EXPECT_FALSE(test,
			   bufpool_track_should_panic(BUFPOOL_REPORT_SHOW, 5));
	bufpool_leak_panic = old;
}

/* === Misuse reports === */

static void bufpool_track_test_double_return(struct kunit *test)
{
	const char *name = "kt-tr-double";
	struct bufpool *pool = bp_track_create(test, name, 0, BUFPOOL_F_TRACK);
	void *x, *a, *b, **bufs;
	unsigned int i, n;

	x = bp_take(test, pool, 256);
	bufpool_return(pool, x);
	KUNIT_EXPECT_EQ(test, pool->track.nr_idle, 1);
	bp_console_clear();
	bufpool_return(pool, x);

	KUNIT_EXPECT_EQ(test, bp_console_count("misuse:"), 1);
	bp_expect_line(test, "bufpool: kt-tr-double: misuse: double return of");
	bp_expect_line(test, "(256 bytes)");
	bp_expect_stack(test, name, "returned again by task",
			bufpool_track_test_double_return);
	KUNIT_EXPECT_EQ(test, bp_console_count("returned again by task"), 1);
	bp_expect_line(test, "first returned by task");
	bp_expect_line(test, "taken by task");
	bp_expect_line(test, "return rejected");
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 1);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pool->track.misuse), 1);

	/* x is idle once, so it is handed out once. */
	a = bp_take(test, pool, 256);
	b = bp_take(test, pool, 256);
	KUNIT_EXPECT_PTR_EQ(test, a, x);
	KUNIT_EXPECT_PTR_NE(test, b, x);
	bufpool_return(pool, a);
	bufpool_return(pool, b);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);

	/* Not only the last one: a buffer that went on to the depot. */
	n = 3 * pool->buckets[2].mag_size + 1;
	bufs = kunit_kcalloc(test, n, sizeof(*bufs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bufs);
	for (i = 0; i < n; i++)
		bufs[i] = bp_take(test, pool, 256);
	for (i = 0; i < n; i++)
		bufpool_return(pool, bufs[i]);
	KUNIT_ASSERT_GE(test, bp_nr_full(&pool->buckets[2]), 1);
	bp_console_clear();
	bufpool_return(pool, bufs[0]);
	KUNIT_EXPECT_EQ(test, bp_console_count("misuse: double return"), 1);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 2);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	bp_expect_conserved(test, pool);
}

/* The stacks in a double-return report are the offender's and the first. */
static void bufpool_track_test_double_return_stacks(struct kunit *test)
{
	const char *name = "kt-tr-double-st";
	struct bufpool *pool = bp_track_create(test, name, 0, BUFPOOL_F_TRACK);
	void *x = bp_take(test, pool, 64);
	char fn[KSYM_NAME_LEN];

	bufpool_return(pool, x);
	bp_console_clear();
	bufpool_return(pool, x);
	/* All three happened in this function. */
	snprintf(fn, sizeof(fn), "%s+0x", __func__);
	KUNIT_EXPECT_EQ(test, bp_console_count(fn), 3);
	KUNIT_EXPECT_LT(test, bp_console_find("returned again by"),
			bp_console_find("first returned by"));
	KUNIT_EXPECT_LT(test, bp_console_find("first returned by"),
			bp_console_find("taken by"));
}

static void bufpool_track_test_wrong_pool(struct kunit *test)
{
	struct bufpool *a = bp_track_create(test, "kt-tr-wrong-a", SZ_64K,
				      BUFPOOL_F_TRACK);
	struct bufpool *b = bp_track_create(test, "kt-tr-wrong-b", SZ_64K, 0);
	static const size_t sizes[] = { 64, SZ_8K };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		void *buf = bp_take(test, a, sizes[i]);

		memset(buf, 0x5a, sizes[i]);
		bp_console_clear();
		/* b tracks nothing, yet the index names a's buffer. */
		bufpool_return(b, buf);
		KUNIT_EXPECT_EQ(test, bp_console_count("misuse:"), 1);
		bp_expect_line(test, "bufpool: kt-tr-wrong-b: misuse: return to the wrong pool:");
		bp_expect_line(test, "belongs to pool kt-tr-wrong-a");
		bp_expect_stack(test, "kt-tr-wrong-b", "taken by task",
				bufpool_track_test_wrong_pool);
		KUNIT_EXPECT_EQ(test, bp_stat_total(b, BUFPOOL_STAT_BAD_RETURN),
				i + 1);
		KUNIT_EXPECT_EQ(test, bp_idle(b), 0);
		KUNIT_EXPECT_NULL(test, memchr_inv(buf, 0x5a, sizes[i]));
		/* Still a's, and out. */
		KUNIT_EXPECT_EQ(test, a->track.nr_out, 1);
		bufpool_return(a, buf);
		KUNIT_EXPECT_EQ(test, a->track.nr_out, 0);
	}
	KUNIT_EXPECT_EQ(test, bp_stat_total(a, BUFPOOL_STAT_BAD_RETURN), 0);
	KUNIT_EXPECT_EQ(test, bp_out(a), 0);
	bp_expect_conserved(test, a);
	bp_expect_conserved(test, b);
}

static void bufpool_track_test_foreign(struct kunit *test)
{
	const char *name = "kt-tr-foreign";
	struct bufpool *pool = bp_track_create(test, name, 0, BUFPOOL_F_TRACK);
	void *obj, *buf;

	/* A kmalloc-64 object, of a bucket's size: the owner check's reason. */
	obj = kmalloc(64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	bp_console_clear();
	bufpool_return(pool, obj);
	KUNIT_EXPECT_EQ(test, bp_console_count("misuse:"), 1);
	bp_expect_line(test,
		       "which is not a buffer out of this pool: slab object of another cache");
	bp_expect_stack(test, name, "returned by task",
			bufpool_track_test_foreign);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 1);
	KUNIT_EXPECT_EQ(test, bp_idle(pool), 0);
	kfree(obj);

	/* An interior pointer, with the cheap checks' reason. */
	buf = bp_take(test, pool, 256);
	bp_console_clear();
	bufpool_return(pool, buf + 64);
	KUNIT_EXPECT_EQ(test, bp_console_count("misuse:"), 1);
	bp_expect_line(test, "which is not a buffer out of this pool: interior pointer");
	KUNIT_EXPECT_EQ(test, pool->track.nr_out, 1);
	bufpool_return(pool, buf);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 2);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	bp_expect_conserved(test, pool);
}

/* The offender's stack, in a foreign-return report, starts with it. */
static void bufpool_track_test_foreign_stack(struct kunit *test)
{
	const char *name = "kt-tr-foreign-st";
	struct bufpool *pool = bp_track_create(test, name, 0, BUFPOOL_F_TRACK);
	unsigned long on_stack[8];
	char fn[KSYM_NAME_LEN];

	bp_console_clear();
	bufpool_return(pool, on_stack);
	KUNIT_EXPECT_EQ(test, bp_console_count("misuse:"), 1);
	snprintf(fn, sizeof(fn), "%s+0x", __func__);
	KUNIT_EXPECT_EQ(test, bp_console_count(fn), 1);
}

static void bufpool_track_test_write_after_return(struct kunit *test)
{
	const char *name = "kt-tr-uar";
	struct bufpool *pool = bp_track_create_raw(test, name, 0, BUFPOOL_F_TRACK);
	struct bufpool_bucket *b = &pool->buckets[bp_slot(test, pool, 256)];
	unsigned long takes;
	u8 *x, *y, *z, *mark;
	char line[64];
	size_t m;

	x = bp_take(test, pool, 256);
	bufpool_return(pool, x);
	/* The poison, but for the idle marker (a line of its first half). */
	m = (u8 *)bufpool_marker(b, x) - x;
	KUNIT_EXPECT_LT(test, m, 128);
	KUNIT_EXPECT_EQ(test, m % L1_CACHE_BYTES, 0);
	KUNIT_EXPECT_NULL(test, memchr_inv(x, BUFPOOL_POISON, m));
	KUNIT_EXPECT_NULL(test, memchr_inv(x + m + sizeof(long),
					   BUFPOOL_POISON,
					   256 - m - sizeof(long)));
	x[100] = 0x42;	/* the bug */
	takes = bp_stat_total(pool, BUFPOOL_STAT_TAKE);
	bp_console_clear();
	y = bp_take(test, pool, 256);

	/* Caught when x would be handed out again; y is another buffer. */
	KUNIT_EXPECT_PTR_NE(test, y, x);
	KUNIT_EXPECT_EQ(test, bp_console_count("misuse:"), 1);
	bp_expect_line(test, "bufpool: kt-tr-uar: misuse: write after return to");
	bp_expect_line(test, "(256 bytes) at offset 100");
	/* The hex dump: offset 0x60, 0x42 at byte 4 of the row. */
	bp_expect_line(test, "bufpool: kt-tr-uar: 0060: 6b 6b 6b 6b 42 6b");
	bp_expect_stack(test, name, "returned by task",
			bufpool_track_test_write_after_return);
	bp_expect_line(test, "buffer quarantined");
	KUNIT_EXPECT_EQ(test, pool->track.nr_quarantined, 1);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pool->track.misuse), 1);
	/* Both count as taken: x stays out of use. */
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_TAKE), takes + 2);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 2);
	bp_expect_conserved(test, pool);

	/* The idle marker's word is checked too, but never printed. */
	bufpool_return(pool, y);
	mark = (u8 *)bufpool_marker(b, y);
	m = mark - y;
	mark[3] = ~mark[3];
	bp_console_clear();
	z = bp_take(test, pool, 256);
	KUNIT_EXPECT_PTR_NE(test, z, y);
	snprintf(line, sizeof(line), "at offset %zu", m + 3);
	bp_expect_line(test, line);
	snprintf(line, sizeof(line),
		 "bytes %zu-%zu: the idle marker, changed (not shown)", m,
		 m + 7);
	bp_expect_line(test, line);
	snprintf(line, sizeof(line),
		 "bufpool: kt-tr-uar: %04zx: 6b 6b 6b 6b 6b 6b 6b 6b", m + 8);
	bp_expect_line(test, line);
	snprintf(line, sizeof(line), "bufpool: kt-tr-uar: %04zx:", m);
	KUNIT_EXPECT_FALSE(test, bp_console_has(line));
	KUNIT_EXPECT_EQ(test, pool->track.nr_quarantined, 2);
	bufpool_return(pool, z);

	/* A quarantined buffer returned again is a double return. */
	bp_console_clear();
	bufpool_return(pool, x);
	bp_expect_line(test, "misuse: double return of");
	bp_expect_line(test, "first returned (then written, and quarantined)");

	/* Destroy frees the quarantined buffers: nothing is left out. */
	bp_console_clear();
	bufpool_destroy(pool);
	KUNIT_EXPECT_FALSE(test, bp_console_has("leak report"));
	KUNIT_EXPECT_TRUE(test, bp_namesake_gone(test, name));
}

/* === Sampling, turning on and off, failures === */

/* The filter counts every record of the pool, no more, no less. */
static unsigned long bp_filter_sum(struct bufpool *pool)
{
	unsigned long sum = 0;
	unsigned int i;

	for (i = 0; i < BUFPOOL_FILTER_SIZE; i++)
		sum += READ_ONCE(pool->f.filter[i]);
	return sum;
}

/*
 * A sampled pool's returns skip the record index for buffers the filter
 * says have no record; the ones with a record still get every check.
 */
static void bufpool_track_test_filter(struct kunit *test)
{
	const unsigned int n = 512;
	struct bufpool *pool = bp_track_create(test, "kt-tr-filter", 0, 0);
	void **bufs = kunit_kcalloc(test, n, sizeof(*bufs), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, bufs);
	KUNIT_ASSERT_EQ(test, bufpool_track_set(pool, 8), 0);
	KUNIT_ASSERT_NOT_NULL(test, pool->f.filter);
	for (i = 0; i < n; i++)
		bufs[i] = bp_take(test, pool, 64);
	KUNIT_EXPECT_GT(test, pool->track.nr_out, 0);
	KUNIT_EXPECT_EQ(test, bp_filter_sum(pool), pool->track.nr_out);
	for (i = 0; i < n; i++)
		bufpool_return(pool, bufs[i]);
	/* Returned: the records are idle, still counted. */
	KUNIT_EXPECT_EQ(test, bp_filter_sum(pool), pool->track.nr_idle);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 0);

	/* Double returns: caught by record or by the idle marker, either way. */
	bp_console_clear();
	for (i = 0; i < n; i++)
		bufpool_return(pool, bufs[i]);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), n);
	KUNIT_EXPECT_GT(test, bp_console_count("misuse: double return"), 0);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);

	/* Records leave with their buffers, and so do their counts. */
	bufpool_clear(pool);
	KUNIT_EXPECT_EQ(test, pool->track.nr_idle, 0);
	KUNIT_EXPECT_EQ(test, bp_filter_sum(pool), 0);
	bp_expect_conserved(test, pool);
}

/*
 * One stack trace per recorded pair in a sampled pool, the take's: a good
 * return keeps its returner's address only, and a double return of the
 * buffer still names it (as a frame) and the take (as a stack).  A pool
 * that records every take keeps both stacks.
 */
static void bufpool_track_test_sampled_one_stack(struct kunit *test)
{
	struct bufpool *pool = bp_track_create(test, "kt-tr-one-stack", 0, 0);
	struct bufpool *all = bp_track_create(test, "kt-tr-two-stacks", 0, 0);
	unsigned long before;
	unsigned int tries;
	void *buf = NULL;

	KUNIT_ASSERT_EQ(test, bufpool_track_set(pool, 2), 0);
	KUNIT_ASSERT_EQ(test, bufpool_track_set(all, 1), 0);
	/* Takes until one is recorded (one in two, on average). */
	for (tries = 0; tries < 64 && !pool->track.nr_out; tries++) {
		bufpool_return(pool, buf);
		before = atomic_long_read(&bufpool_track_nr_stacks);
		buf = bp_take(test, pool, 64);
	}
	KUNIT_ASSERT_EQ(test, pool->track.nr_out, 1);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&bufpool_track_nr_stacks),
			before + 1);
	before = atomic_long_read(&bufpool_track_nr_stacks);
	bufpool_return(pool, buf);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&bufpool_track_nr_stacks),
			before);
	KUNIT_EXPECT_EQ(test, pool->track.nr_idle, 1);

	bp_console_start(test, "kt-tr-one-stack");
	bufpool_return(pool, buf);
	KUNIT_EXPECT_EQ(test, bp_console_count("misuse: double return"), 1);
	KUNIT_EXPECT_TRUE(test, bp_console_has("first returned by"));
	KUNIT_EXPECT_TRUE(test, bp_console_has("taken by"));
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 1);

	/* Every take recorded: two stacks a pair. */
	before = atomic_long_read(&bufpool_track_nr_stacks);
	buf = bp_take(test, all, 64);
	bufpool_return(all, buf);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&bufpool_track_nr_stacks),
			before + 2);
	bp_expect_conserved(test, pool);
	bp_expect_conserved(test, all);
}

static void bp_restore_sampled_max(void *old)
{
	WRITE_ONCE(bufpool_track_sampled_max, (unsigned long)old);
}

/*
 * A sampled pool keeps at most bufpool_track_sampled_max records: a holder
 * of many sampled buffers gets them all, the ones past the bound counted
 * as untracked, with one warning.
 */
static void bufpool_track_test_sampled_bound(struct kunit *test)
{
	struct bufpool *pool = bp_track_create(test, "kt-tr-bound", 0, 0);
	const unsigned int n = 256, max = 8;
	void **bufs = kunit_kcalloc(test, n, sizeof(*bufs), GFP_KERNEL);
	void *old = (void *)(unsigned long)bufpool_track_sampled_max;
	unsigned int i;
	int err;

	KUNIT_ASSERT_NOT_NULL(test, bufs);
	err = kunit_add_action_or_reset(test, bp_restore_sampled_max, old);
	KUNIT_ASSERT_EQ(test, err, 0);
	WRITE_ONCE(bufpool_track_sampled_max, max);
	KUNIT_ASSERT_EQ(test, bufpool_track_set(pool, 2), 0);
	bp_console_start(test, "kt-tr-bound");
	for (i = 0; i < n; i++)
		bufs[i] = bp_take(test, pool, 64);
	KUNIT_EXPECT_EQ(test, pool->track.nr_out, max);
	/* About half of the rest were sampled, and counted. */
	KUNIT_EXPECT_GT(test, atomic_long_read(&pool->track.untracked), n / 4);
	KUNIT_EXPECT_EQ(test, bp_console_count("the most a pool keeps"), 1);
	for (i = 0; i < n; i++)
		bufpool_return(pool, bufs[i]);
	KUNIT_EXPECT_EQ(test, pool->track.nr_out, 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 0);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);

	/* A pool that records every take is not bounded. */
	KUNIT_ASSERT_EQ(test, bufpool_track_set(pool, 1), 0);
	for (i = 0; i < n; i++)
		bufs[i] = bp_take(test, pool, 64);
	KUNIT_EXPECT_EQ(test, pool->track.nr_out, n);
	for (i = 0; i < n; i++)
		bufpool_return(pool, bufs[i]);
	bp_expect_conserved(test, pool);
}

/* Recorded takes of @pool while taking and returning for @ms. */
static unsigned long bp_timed_records(struct kunit *test, struct bufpool *pool,
				      unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);
	unsigned long before = atomic_long_read(&bufpool_track_nr_stacks);
	unsigned int i;

	while (time_before(jiffies, end)) {
		for (i = 0; i < 100; i++)
			bufpool_return(pool, bp_take(test, pool, 64));
		/* Let the arming work run (UML: one CPU). */
		usleep_range(200, 400);
	}
	return atomic_long_read(&bufpool_track_nr_stacks) - before;
}

/*
 * Timed sampling: about one take per interval is recorded, with its stack,
 * and the others take the inline path; off, none is.  A leak of a recorded
 * buffer is reported with its stack.
 */
static void bufpool_track_test_timed(struct kunit *test)
{
	struct bufpool_params params = { .sample_interval_ms = 20 };
	struct bufpool_params off = { .sample_interval_ms = BUFPOOL_SAMPLE_OFF };
	static const char sampled[] =
		"1 of 2 leaked buffers were sampled (the first take of each CPU every 20 ms)";
	struct bufpool *pool, *quiet;
	unsigned long n, taken;
	unsigned int tries;
	void *buf = NULL, *other;

	pool = bufpool_create("kt-tr-timed", &params);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	bp_destroy_at_end(test, pool);
	quiet = bufpool_create("kt-tr-timed-off", &off);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, quiet);
	bp_destroy_at_end(test, quiet);
	KUNIT_EXPECT_TRUE(test, pool->track.hooked);
	KUNIT_EXPECT_EQ(test, pool->track.sample, 0);
	KUNIT_EXPECT_EQ(test, pool->track.sample_jiffies, msecs_to_jiffies(20));
	KUNIT_EXPECT_FALSE(test, quiet->track.hooked);
	KUNIT_EXPECT_EQ(test, quiet->track.sample_jiffies, 0);

	/* 400 ms at 20 ms: 20 periods; the timer runs late, never early. */
	taken = bp_stat_total(pool, BUFPOOL_STAT_TAKE);
	n = bp_timed_records(test, pool, 400);
	taken = bp_stat_total(pool, BUFPOOL_STAT_TAKE) - taken;
	kunit_info(test, "%lu of %lu takes recorded in 400 ms", n, taken);
	KUNIT_EXPECT_GE(test, n, 5);
	KUNIT_EXPECT_LE(test, n, 21);
	KUNIT_EXPECT_LT(test, n * 10, taken);
	KUNIT_EXPECT_EQ(test, bp_timed_records(test, quiet, 100), 0);

	/* The next armed take is recorded: keep it out, it is reported. */
	for (tries = 0; tries < 200 && !pool->track.nr_out; tries++) {
		bufpool_return(pool, buf);
		buf = bp_take(test, pool, 64);
		usleep_range(200, 400);
	}
	KUNIT_ASSERT_EQ(test, pool->track.nr_out, 1);
	/* And one not sampled: the report counts both, names one. */
	other = bp_take(test, pool, 64);
	KUNIT_ASSERT_EQ(test, pool->track.nr_out, 1);
	bp_console_start(test, "kt-tr-timed");
	bufpool_track_report_unload(pool);
	KUNIT_EXPECT_TRUE(test, bp_console_has("2 buffers (128 bytes) never returned"));
	KUNIT_EXPECT_TRUE(test, bp_console_has("1 tracked from 1 stack"));
	KUNIT_EXPECT_TRUE(test, bp_console_has("bufpool_track_test_timed"));
	KUNIT_EXPECT_TRUE(test, bp_console_has(sampled));
	bufpool_return(pool, other);
	bufpool_return(pool, buf);
	/* Back: a time-sampled pool keeps no idle record, no poison. */
	KUNIT_EXPECT_EQ(test, pool->track.nr_out, 0);
	KUNIT_EXPECT_EQ(test, pool->track.nr_idle, 0);
	KUNIT_EXPECT_FALSE(test, pool->track.debug);
	bp_expect_conserved(test, pool);
}

/*
 * An armed period, by hand (a period of 10 s: the work stays away): the
 * first take of each owed CPU is recorded, and the period ends when no CPU
 * is owed any more, or after the slack's takes of CPUs that had theirs.
 */
static void bufpool_track_test_timed_period(struct kunit *test)
{
	struct bufpool_params params = { .sample_interval_ms = 10000 };
	unsigned long *slow;
	struct bufpool *pool;
	unsigned int cpu;

	pool = bufpool_create("kt-tr-period", &params);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	bp_destroy_at_end(test, pool);
	slow = &pool->f.slow;

	/* Owed: this CPU alone.  Its claim ends the period. */
	preempt_disable();
	cpu = smp_processor_id();
	cpumask_clear(pool->track.owed);
	cpumask_set_cpu(cpu, pool->track.owed);
	atomic_set(&pool->track.slack, 3);
	set_bit(BUFPOOL_SLOW_ARMED_BIT, slow);
	KUNIT_EXPECT_TRUE(test, bufpool_track_claim_armed(pool));
	KUNIT_EXPECT_FALSE(test, test_bit(BUFPOOL_SLOW_ARMED_BIT, slow));

	/* Owed: none of the CPUs that take.  The slack ends it. */
	cpumask_clear(pool->track.owed);
	atomic_set(&pool->track.slack, 3);
	set_bit(BUFPOOL_SLOW_ARMED_BIT, slow);
	KUNIT_EXPECT_FALSE(test, bufpool_track_claim_armed(pool));
	KUNIT_EXPECT_FALSE(test, bufpool_track_claim_armed(pool));
	KUNIT_EXPECT_TRUE(test, test_bit(BUFPOOL_SLOW_ARMED_BIT, slow));
	KUNIT_EXPECT_FALSE(test, bufpool_track_claim_armed(pool));
	KUNIT_EXPECT_FALSE(test, test_bit(BUFPOOL_SLOW_ARMED_BIT, slow));
	preempt_enable();
	/* Either end queued the next period. */
	KUNIT_EXPECT_TRUE(test, delayed_work_pending(&pool->track.sample_work));
}

/* Whether this CPU's memo of @pool places @buf in bucket 0. */
static bool bp_memo_hit(struct bufpool *pool, const void *buf)
{
	bool hit;

	preempt_disable();
	hit = __bufpool_memo(this_cpu_ptr(pool->f.cpu), buf) == 0;
	preempt_enable();
	return hit;
}

/*
 * A pool sampled by time alone: its inline returns trust the owner memo,
 * without the records' filter, and stay right.  A recording take makes
 * its bucket's memos stale, no memo names a page with a record, and so
 * the return of the sampled buffer finds its record.  Tracking by count
 * brings the filter back; back to time alone, the memos go stale.  (In
 * index mode, the KASAN build, there is no memo: the records still hold.)
 */
static void bufpool_track_test_timed_memo(struct kunit *test)
{
	struct bufpool_params params = { .sample_interval_ms = 10000 };
	struct bufpool *pool;
	unsigned long *slow;
	bool memo;
	void *a, *b;

	pool = bufpool_create("kt-tr-memo", &params);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	bp_destroy_at_end(test, pool);
	slow = &pool->f.slow;
	memo = !pool->indexed;
	KUNIT_EXPECT_TRUE(test, pool->track.guarded);
	KUNIT_EXPECT_FALSE(test, test_bit(BUFPOOL_SLOW_FILTER_BIT, slow));

	/* Out of line, the first return sets the memo; the next is inline. */
	a = bp_take(test, pool, 64);
	bufpool_return(pool, a);
	if (memo)
		KUNIT_EXPECT_TRUE(test, bp_memo_hit(pool, a));

	/* This CPU's sample, armed by hand: the memo is stale. */
	preempt_disable();
	cpumask_clear(pool->track.owed);
	cpumask_set_cpu(smp_processor_id(), pool->track.owed);
	atomic_set(&pool->track.slack, 3);
	set_bit(BUFPOOL_SLOW_ARMED_BIT, slow);
	preempt_enable();
	b = bp_take(test, pool, 64);
	KUNIT_ASSERT_EQ(test, pool->track.nr_out, 1);
	KUNIT_EXPECT_FALSE(test, bp_memo_hit(pool, b));
	/* No memo of its page while its record is out. */
	preempt_disable();
	bufpool_memo_set(pool, this_cpu_ptr(pool->f.cpu), &pool->buckets[0],
			 0, b);
	preempt_enable();
	KUNIT_EXPECT_FALSE(test, bp_memo_hit(pool, b));

	/* Its return found the record; then its page may be the memo again. */
	bufpool_return(pool, b);
	KUNIT_EXPECT_EQ(test, pool->track.nr_out, 0);
	KUNIT_EXPECT_EQ(test, pool->track.nr_idle, 0);
	if (memo)
		KUNIT_EXPECT_TRUE(test, bp_memo_hit(pool, b));

	KUNIT_ASSERT_EQ(test, bufpool_track_set(pool, 64), 0);
	KUNIT_EXPECT_FALSE(test, pool->track.guarded);
	KUNIT_EXPECT_TRUE(test, test_bit(BUFPOOL_SLOW_FILTER_BIT, slow));
	KUNIT_ASSERT_EQ(test, bufpool_track_set(pool, 0), 0);
	KUNIT_EXPECT_TRUE(test, pool->track.guarded);
	KUNIT_EXPECT_FALSE(test, test_bit(BUFPOOL_SLOW_FILTER_BIT, slow));
	KUNIT_EXPECT_FALSE(test, bp_memo_hit(pool, b));
	bp_expect_conserved(test, pool);
}

/* A pool's own track_sample, at creation; 0 keeps bufpool.track_sample. */
static void bufpool_track_test_sample_param(struct kunit *test)
{
	struct bufpool_params params = {
		.flags = BUFPOOL_F_TRACK,
		.track_sample = 64,
	};
	struct bufpool *pool = bufpool_create("kt-tr-sample-param", &params);
	char state[16];

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	bp_destroy_at_end(test, pool);
	KUNIT_EXPECT_EQ(test, pool->track.sample, 64);
	KUNIT_EXPECT_FALSE(test, pool->track.exact);
	KUNIT_EXPECT_STREQ(test, bufpool_track_state(pool, state, sizeof(state)),
			   "1/64");

	/* Without BUFPOOL_F_TRACK it does nothing. */
	params.flags = 0;
	pool = bufpool_create("kt-tr-sample-off", &params);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	bp_destroy_at_end(test, pool);
	KUNIT_EXPECT_EQ(test, pool->track.sample, 0);
	KUNIT_EXPECT_FALSE(test, pool->track.hooked);
}

static void bufpool_track_test_sampling(struct kunit *test)
{
	const unsigned int n = 2048, rate = 8;
	struct bufpool *pool = bp_track_create(test, "kt-tr-sample", 0, 0);
	unsigned long tracked;
	void **bufs;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, bufpool_track_set(pool, rate), 0);
	bufs = kunit_kcalloc(test, n, sizeof(*bufs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bufs);
	for (i = 0; i < n; i++)
		bufs[i] = bp_take(test, pool, 64);
	tracked = pool->track.nr_out;
	/* 256 expected; the standard deviation is 15. */
	KUNIT_EXPECT_GE(test, tracked, n / rate / 2);
	KUNIT_EXPECT_LE(test, tracked, n / rate * 2);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pool->track.untracked), 0);

	/* The untracked ones come back as before. */
	for (i = 0; i < n; i++)
		bufpool_return(pool, bufs[i]);
	KUNIT_EXPECT_EQ(test, bp_console_count("misuse"), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 0);
	KUNIT_EXPECT_EQ(test, pool->track.nr_out, 0);
	KUNIT_EXPECT_EQ(test, pool->track.nr_idle, tracked);
	/* Buffers leaving the pool take their records with them. */
	bufpool_clear(pool);
	KUNIT_EXPECT_EQ(test, pool->track.nr_idle, 0);
	bp_expect_conserved(test, pool);
}

/*
 * The takes a magazine serves are sampled too: the inline path counts them
 * down and leaves the one that runs the count out to tracking.
 */
static void bufpool_track_test_sampling_mag(struct kunit *test)
{
	const unsigned int n = 64, rate = 8;
	struct bufpool *pool = bp_track_create(test, "kt-tr-sample-mag", 0, 0);
	unsigned long hits;
	void *bufs[64];
	unsigned int i;

	/* Two magazines' worth of idle buffers on this CPU. */
	for (i = 0; i < n; i++)
		bufs[i] = bp_take(test, pool, 64);
	for (i = 0; i < n; i++)
		bufpool_return(pool, bufs[i]);
	KUNIT_ASSERT_EQ(test, bufpool_track_set(pool, rate), 0);

	hits = bp_stat_total(pool, BUFPOOL_STAT_CPU_HIT);
	for (i = 0; i < n; i++)
		bufs[i] = bp_take(test, pool, 64);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_CPU_HIT) - hits,
			n);
	/* Gaps of 1 to 2 * rate takes: 4 samples at least, 8 on average. */
	KUNIT_EXPECT_GE(test, pool->track.nr_out, n / (2 * rate));
	KUNIT_EXPECT_LE(test, pool->track.nr_out, n / 2);
	for (i = 0; i < n; i++)
		bufpool_return(pool, bufs[i]);
	KUNIT_EXPECT_EQ(test, bp_console_count("misuse"), 0);
	KUNIT_EXPECT_EQ(test, pool->track.nr_out, 0);
	bp_expect_conserved(test, pool);
}

/*
 * A sampled take the inline path cannot serve (both magazines empty) is
 * counted down once, out of line, not also by the inline path first.
 */
static void bufpool_track_test_sampling_bail(struct kunit *test)
{
	struct bufpool *pool = bp_track_create(test, "kt-tr-sample-bail", 0, 0);
	struct bufpool_cpu *pcp = raw_cpu_ptr(pool->f.cpu);
	void *buf;

	KUNIT_ASSERT_EQ(test, bufpool_track_set(pool, 64), 0);
	KUNIT_ASSERT_EQ(test, bp_idle(pool), 0);
	pcp->sample_left = 10;
	buf = bp_take(test, pool, 64);
	KUNIT_EXPECT_EQ(test, pcp->sample_left, 9);
	KUNIT_EXPECT_EQ(test, pool->track.nr_out, 0);
	bufpool_return(pool, buf);
	/* And a take a magazine serves, inline, once too. */
	buf = bp_take(test, pool, 64);
	KUNIT_EXPECT_EQ(test, pcp->sample_left, 8);
	bufpool_return(pool, buf);
	bp_expect_conserved(test, pool);
}

static void bufpool_track_test_midflight(struct kunit *test)
{
	struct bufpool *pool = bp_track_create(test, "kt-tr-midflight", 0, 0);
	void *old[16], *new[8];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(old); i++)
		old[i] = bp_take(test, pool, 64);
	for (i = 0; i < 8; i++)
		bufpool_return(pool, old[i]);

	/* On: untracked buffers idle and out stay valid. */
	KUNIT_ASSERT_EQ(test, bufpool_track_set(pool, 1), 0);
	KUNIT_EXPECT_FALSE(test, pool->track.exact);
	for (i = 0; i < ARRAY_SIZE(new); i++)
		new[i] = bp_take(test, pool, 64);
	KUNIT_EXPECT_EQ(test, pool->track.nr_out, ARRAY_SIZE(new));
	for (i = 8; i < ARRAY_SIZE(old); i++)
		bufpool_return(pool, old[i]);
	for (i = 0; i < ARRAY_SIZE(new); i++)
		bufpool_return(pool, new[i]);
	KUNIT_EXPECT_EQ(test, pool->track.nr_out, 0);
	KUNIT_EXPECT_EQ(test, pool->track.nr_idle, ARRAY_SIZE(new));

	/* Off: taking the tracked ones again drops their records. */
	KUNIT_ASSERT_EQ(test, bufpool_track_set(pool, 0), 0);
	for (i = 0; i < ARRAY_SIZE(old); i++)
		old[i] = bp_take(test, pool, 64);
	KUNIT_EXPECT_EQ(test, pool->track.nr_idle, 0);
	KUNIT_EXPECT_EQ(test, pool->track.nr_out, 0);
	for (i = 0; i < ARRAY_SIZE(old); i++)
		bufpool_return(pool, old[i]);

	KUNIT_EXPECT_EQ(test, bp_console_count("misuse"), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 0);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	bp_expect_conserved(test, pool);
}

/* The top slot of this CPU's loaded magazine of bucket @slot. */
static void *bp_top_slot(struct bufpool *pool, unsigned int slot)
{
	struct bufpool_mag *m = this_cpu_ptr(pool->f.cpu)->b[slot].loaded;

	return m->count ? m->bufs[m->count - 1] : NULL;
}

/* A tracked buffer's magazine slot is marked, so that takes look it up. */
static void bufpool_track_test_slot_mark(struct kunit *test)
{
	struct bufpool *pool = bp_track_create(test, "kt-tr-slot", 0, BUFPOOL_F_TRACK);
	void *x, *slot;

	x = bp_take(test, pool, 64);
	bufpool_return(pool, x);
	slot = bp_top_slot(pool, 0);
	KUNIT_EXPECT_PTR_EQ(test, bufpool_mag_untag(slot), x);
	KUNIT_EXPECT_EQ(test, (unsigned long)slot & BUFPOOL_MAG_TRACKED, 1);

	/* Untracked now: the take drops the record, the return marks nothing. */
	KUNIT_ASSERT_EQ(test, bufpool_track_set(pool, 0), 0);
	KUNIT_EXPECT_PTR_EQ(test, bp_take(test, pool, 64), x);
	KUNIT_EXPECT_EQ(test, pool->track.nr_idle, 0);
	bufpool_return(pool, x);
	KUNIT_EXPECT_PTR_EQ(test, bp_top_slot(pool, 0), x);

	/* Emptying marked slots frees the real buffers. */
	KUNIT_ASSERT_EQ(test, bufpool_track_set(pool, 1), 0);
	bufpool_return(pool, bp_take(test, pool, 64));
	KUNIT_EXPECT_EQ(test, pool->track.nr_idle, 1);
	bufpool_clear(pool);
	KUNIT_EXPECT_EQ(test, pool->track.nr_idle, 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_FREE),
			bp_stat_total(pool, BUFPOOL_STAT_ALLOC));
	bp_expect_conserved(test, pool);
}

static void bufpool_track_test_record_failure(struct kunit *test)
{
	struct bufpool *pool = bp_track_create(test, "kt-tr-nomem", 0,
					 BUFPOOL_F_TRACK);
	struct seq_file *m;
	void *x, *y;

	KUNIT_EXPECT_TRUE(test, pool->track.exact);
	atomic_set(&bufpool_track_fail_next, 1);
	/* As in an atomic take with memory short: the take succeeds. */
	x = bufpool_take(pool, 64, GFP_ATOMIC);
	KUNIT_ASSERT_NOT_NULL(test, x);
	KUNIT_EXPECT_EQ(test, atomic_read(&bufpool_track_fail_next), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&pool->track.untracked), 1);
	KUNIT_EXPECT_EQ(test, pool->track.nr_out, 0);
	/* Validation is no longer exact, so its return is accepted. */
	KUNIT_EXPECT_FALSE(test, pool->track.exact);
	y = bp_take(test, pool, 64);
	KUNIT_EXPECT_EQ(test, pool->track.nr_out, 1);
	/* The listing says so, and counts x as untracked. */
	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	m->size = 2 * PAGE_SIZE;
	m->buf = kunit_kzalloc(test, m->size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m->buf);
	bufpool_track_show_outstanding(m, pool);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(m->buf, "1 take could not be recorded (no memory)"),
				  "%s", m->buf);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(m->buf, "1 buffer (64 bytes) untracked"),
				  "%s", m->buf);
	bufpool_return(pool, x);
	bufpool_return(pool, y);
	KUNIT_EXPECT_EQ(test, bp_console_count("misuse"), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 0);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	bp_expect_conserved(test, pool);
}

/* Strict mode: no recycling, so KASAN sees a use after return. */
static void bufpool_track_test_strict(struct kunit *test)
{
	struct bufpool *pool = bp_track_create(test, "kt-tr-strict", 0,
					 BUFPOOL_F_STRICT | BUFPOOL_F_TRACK);
	void *x;

	x = bp_take(test, pool, 64);
	bufpool_return(pool, x);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_FREE), 1);
	KUNIT_EXPECT_EQ(test, bp_idle(pool), 0);
	/* Its record went with it. */
	KUNIT_EXPECT_EQ(test, pool->track.nr_out, 0);
	KUNIT_EXPECT_EQ(test, pool->track.nr_idle, 0);
	x = bp_take(test, pool, 64);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_ALLOC), 2);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_CPU_HIT), 0);
	bufpool_return(pool, x);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	bp_expect_conserved(test, pool);
}

/* Unpooled buffers are tracked too, and forgotten when freed. */
static void bufpool_track_test_unpooled(struct kunit *test)
{
	struct bufpool *pool = bp_track_create(test, "kt-tr-unpooled", SZ_64K,
					 BUFPOOL_F_TRACK);
	void *big = bp_take(test, pool, SZ_1M);

	KUNIT_EXPECT_EQ(test, pool->track.nr_out, 1);
	bufpool_return(pool, big);
	KUNIT_EXPECT_EQ(test, pool->track.nr_out, 0);
	KUNIT_EXPECT_EQ(test, pool->track.nr_idle, 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 0);
}

/* === Contexts and debugfs === */

struct bp_irq {
	struct hrtimer timer;
	struct completion done;
	struct bufpool *pool;
	void *buf;
	bool hardirq;
};

static enum hrtimer_restart bp_irq_timer(struct hrtimer *timer)
{
	struct bp_irq *c = container_of(timer, struct bp_irq, timer);

	c->hardirq = in_hardirq();
	c->buf = bufpool_take(c->pool, 64, GFP_ATOMIC);
	/* A return and a take in hardirq context, with the poison check. */
	bufpool_return(c->pool, c->buf);
	c->buf = bufpool_take(c->pool, 64, GFP_ATOMIC);
	complete(&c->done);
	return HRTIMER_NORESTART;
}

static void bufpool_track_test_hardirq(struct kunit *test)
{
	struct bp_irq *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct seq_file *m;

	KUNIT_ASSERT_NOT_NULL(test, c);
	c->pool = bp_track_create(test, "kt-tr-irq", 0, BUFPOOL_F_TRACK);
	init_completion(&c->done);
	hrtimer_init(&c->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	c->timer.function = bp_irq_timer;
	hrtimer_start(&c->timer, ns_to_ktime(10 * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_HARD);
	KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&c->done, 5 * HZ), 0);
	hrtimer_cancel(&c->timer);
	KUNIT_EXPECT_TRUE(test, c->hardirq);
	KUNIT_ASSERT_NOT_NULL(test, c->buf);
	KUNIT_EXPECT_EQ(test, c->pool->track.nr_out, 1);

	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	m->size = PAGE_SIZE;
	m->buf = kunit_kzalloc(test, m->size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m->buf);
	bufpool_track_show_outstanding(m, c->pool);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strnstr(m->buf, "by hardirq in task",
						m->count), "%s", m->buf);
	bufpool_return(c->pool, c->buf);
	KUNIT_EXPECT_EQ(test, bp_console_count("misuse"), 0);
}

static void bufpool_track_test_show_outstanding(struct kunit *test)
{
	struct bufpool *tracked = bp_track_create(test, "kt-tr-show", 0,
					    BUFPOOL_F_TRACK);
	struct bufpool *plain = bp_track_create(test, "kt-tr-show-off", 0, 0);
	struct seq_file *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	char fn[KSYM_SYMBOL_LEN + 8];
	void *bufs[2], *c;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, m);
	m->size = 2 * PAGE_SIZE;
	m->buf = kunit_kzalloc(test, m->size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m->buf);

	for (i = 0; i < bp_one_site(ARRAY_SIZE(bufs)); i++)
		bufs[i] = bp_take(test, tracked, 100);
	bufpool_track_show_outstanding(m, tracked);
	kunit_info(test, "outstanding:\n%s", m->buf);
	KUNIT_EXPECT_NOT_NULL(test, strstr(m->buf, "2 buffers (256 bytes) out, tracking all\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(m->buf, "2 buffers, 256 bytes, taken at:\n"));
	snprintf(fn, sizeof(fn), "taken at:\n %ps+0x",
		 bufpool_track_test_show_outstanding);
	KUNIT_EXPECT_NOT_NULL(test, strstr(m->buf, fn));
	KUNIT_EXPECT_NOT_NULL(test, strstr(m->buf, "total: 2 buffers, 256 bytes"));
	/* The debugfs listing goes to the file, not the log. */
	KUNIT_EXPECT_FALSE(test, bp_console_has("kt-tr-show:"));

	m->count = 0;
	c = bp_take(test, plain, 64);
	bufpool_track_show_outstanding(m, plain);
	KUNIT_EXPECT_NOT_NULL(test, strstr(m->buf,
					   "1 buffer (64 bytes) out, tracking off: echo 1 > "));
	KUNIT_EXPECT_NOT_NULL(test, strstr(m->buf,
					   "/sys/kernel/debug/bufpool/kt-tr-show-off/track"));

	for (i = 0; i < ARRAY_SIZE(bufs); i++)
		bufpool_return(tracked, bufs[i]);
	bufpool_return(plain, c);
}

/*
 * bufpool.max_age_ms's check (bufpool_age_check(), what its work item
 * runs every half period): the tracked buffers out longer than the age are
 * named once, grouped by stack; a later check counts them as named before
 * and names only the buffers that aged since; an untracked pool's buffers
 * have no take time and are not named.
 */
static void bufpool_track_test_age(struct kunit *test)
{
	struct bufpool *pool = bp_track_create(test, "kt-tr-age", 0,
					       BUFPOOL_F_TRACK);
	struct bufpool *plain = bp_track_create(test, "kt-tr-noage", 0, 0);
	void *bufs[3], *late, *c;
	unsigned int i;

	bp_console_start(test, "bufpool: kt-tr-");
	for (i = 0; i < bp_one_site(ARRAY_SIZE(bufs)); i++)
		bufs[i] = bp_take(test, pool, 100);
	c = bp_take(test, plain, 64);
	/* An age none of them has: nothing. */
	KUNIT_EXPECT_EQ(test, bufpool_age_check(60000), 0);
	KUNIT_EXPECT_FALSE(test, bp_console_has("age report"));

	msleep(50);
	KUNIT_EXPECT_EQ(test, bufpool_age_check(20), 3);
	bp_expect_line(test,
		       "bufpool: kt-tr-age: age report: 3 tracked buffers (384 bytes) out longer than 20 ms (bufpool.max_age_ms), not named before\n");
	bp_expect_stack(test, "kt-tr-age", "3 buffers, 384 bytes, taken at:",
			bufpool_track_test_age);
	bp_expect_line(test, "(oldest taken ");

	/* Named once. */
	KUNIT_EXPECT_EQ(test, bufpool_age_check(20), 0);
	KUNIT_EXPECT_EQ(test, bp_console_count("age report"), 1);

	/* One more, aged since: it alone, and a count of the others. */
	late = bp_take(test, pool, 100);
	msleep(50);
	bp_console_clear();
	KUNIT_EXPECT_EQ(test, bufpool_age_check(20), 1);
	bp_expect_line(test,
		       "bufpool: kt-tr-age: age report: 1 tracked buffer (128 bytes) out longer than 20 ms (bufpool.max_age_ms), not named before; more that were are still out");
	bp_expect_line(test,
		       "bufpool: kt-tr-age: 3 tracked buffers out longer than 20 ms named by earlier age reports");
	KUNIT_EXPECT_FALSE(test, bp_console_has("kt-tr-noage"));

	/* Another age: every buffer older is named again. */
	bp_console_clear();
	KUNIT_EXPECT_EQ(test, bufpool_age_check(10), 4);

	for (i = 0; i < ARRAY_SIZE(bufs); i++)
		bufpool_return(pool, bufs[i]);
	bufpool_return(pool, late);
	bufpool_return(plain, c);
	msleep(20);
	KUNIT_EXPECT_EQ(test, bufpool_age_check(10), 0);
}

static struct kunit_case bufpool_track_test_cases[] = {
	KUNIT_CASE(bufpool_track_test_state),
	KUNIT_CASE(bufpool_track_test_key),
	KUNIT_CASE(bufpool_track_test_leak_destroy),
	KUNIT_CASE(bufpool_track_test_leak_grouping),
	KUNIT_CASE(bufpool_track_test_leak_untracked),
	KUNIT_CASE(bufpool_track_test_leak_unload),
	KUNIT_CASE(bufpool_track_test_leak_module),
	KUNIT_CASE(bufpool_track_test_leak_module_destroyed),
	KUNIT_CASE(bufpool_track_test_leak_batched),
	KUNIT_CASE(bufpool_track_test_module_notify),
	KUNIT_CASE(bufpool_track_test_leak_panic),
	KUNIT_CASE(bufpool_track_test_double_return),
	KUNIT_CASE(bufpool_track_test_double_return_stacks),
	KUNIT_CASE(bufpool_track_test_wrong_pool),
	KUNIT_CASE(bufpool_track_test_foreign),
	KUNIT_CASE(bufpool_track_test_foreign_stack),
	KUNIT_CASE(bufpool_track_test_write_after_return),
	KUNIT_CASE(bufpool_track_test_sampling),
	KUNIT_CASE(bufpool_track_test_sampling_mag),
	KUNIT_CASE(bufpool_track_test_sampling_bail),
	KUNIT_CASE(bufpool_track_test_sample_param),
	KUNIT_CASE(bufpool_track_test_filter),
	KUNIT_CASE(bufpool_track_test_sampled_one_stack),
	KUNIT_CASE(bufpool_track_test_sampled_bound),
	KUNIT_CASE(bufpool_track_test_timed),
	KUNIT_CASE(bufpool_track_test_timed_period),
	KUNIT_CASE(bufpool_track_test_timed_memo),
	KUNIT_CASE(bufpool_track_test_midflight),
	KUNIT_CASE(bufpool_track_test_slot_mark),
	KUNIT_CASE(bufpool_track_test_marked_slot_race),
	KUNIT_CASE(bufpool_track_test_record_failure),
	KUNIT_CASE(bufpool_track_test_strict),
	KUNIT_CASE(bufpool_track_test_unpooled),
	KUNIT_CASE(bufpool_track_test_hardirq),
	KUNIT_CASE(bufpool_track_test_show_outstanding),
	KUNIT_CASE(bufpool_track_test_age),
	{}
};

static struct kunit_suite bufpool_track_test_suite = {
	.name = "bufpool_track",
	.suite_init = bp_suite_init,
	.suite_exit = bp_suite_exit,
	.init = bp_track_test_init,
	.exit = bp_test_exit,
	.test_cases = bufpool_track_test_cases,
};

kunit_test_suite(bufpool_track_test_suite);
