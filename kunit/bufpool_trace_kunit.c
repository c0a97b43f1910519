// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for bufpool's tracepoints: each event fires where it should,
 * with the fields a perf, trace-cmd or bpftrace user keys on (the buffer,
 * its size, where a take found it, what became of a return and why a
 * return was refused, the call site).  Probes are attached to the
 * tracepoints themselves, as mm/kfence/kfence_test.c attaches to console,
 * and record only this suite's pool.
 */
#include <linux/kallsyms.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/sprintf.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "bufpool_kunit.h"

#include <trace/events/bufpool.h>

/* === Recorder === */

enum bp_trace_kind {
	BP_EV_TAKE,
	BP_EV_RETURN,
	BP_EV_BAD_RETURN,
	BP_EV_ALLOC,
	BP_EV_FREE,
	BP_EV_LEAK,
	BP_EV_TRIM,
	BP_EV_DRAIN,
};

struct bp_trace_ev {
	enum bp_trace_kind kind;
	const void *buf;
	size_t size, bytes;
	unsigned long call_site, count;
	int how;		/* src, verdict, leak report, or shrinker */
	char why[64];
};

#define BP_TRACE_MAX	64

/* What the probes saw of bp_trace.pool, in order. */
static struct {
	spinlock_t lock;	/* guards the rest */
	const void *pool;
	unsigned int n, lost;
	struct bp_trace_ev ev[BP_TRACE_MAX];
} bp_trace = { .lock = __SPIN_LOCK_UNLOCKED(bp_trace.lock) };

static struct bp_trace_ev *bp_trace_add(const void *pool,
					enum bp_trace_kind kind,
					const void *buf)
{
	struct bp_trace_ev *e = NULL;
	unsigned long flags;

	spin_lock_irqsave(&bp_trace.lock, flags);
	if (pool != bp_trace.pool)
		goto out;
	if (bp_trace.n == BP_TRACE_MAX) {
		bp_trace.lost++;
		goto out;
	}
	e = &bp_trace.ev[bp_trace.n++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->buf = buf;
out:
	spin_unlock_irqrestore(&bp_trace.lock, flags);
	return e;
}

static void bp_probe_take(void *data, const void *pool, const char *name,
			  const void *buf, size_t size, size_t bytes, gfp_t gfp,
			  unsigned long call_site, enum bufpool_trace_src src)
{
	struct bp_trace_ev *e = bp_trace_add(pool, BP_EV_TAKE, buf);

	if (e) {
		e->size = size;
		e->bytes = bytes;
		e->call_site = call_site;
		e->how = src;
	}
}

static void bp_probe_return(void *data, const void *pool, const char *name,
			    const void *buf, size_t bytes,
			    unsigned long call_site,
			    enum bufpool_trace_verdict verdict)
{
	struct bp_trace_ev *e = bp_trace_add(pool, BP_EV_RETURN, buf);

	if (e) {
		e->bytes = bytes;
		e->call_site = call_site;
		e->how = verdict;
	}
}

static void bp_probe_bad_return(void *data, const void *pool,
				const char *name, const void *buf,
				const char *why, unsigned long call_site)
{
	struct bp_trace_ev *e = bp_trace_add(pool, BP_EV_BAD_RETURN, buf);

	if (e) {
		strscpy(e->why, why, sizeof(e->why));
		e->call_site = call_site;
	}
}

static void bp_probe_alloc(void *data, const void *pool, const char *name,
			   const void *buf, size_t bytes, gfp_t gfp)
{
	struct bp_trace_ev *e = bp_trace_add(pool, BP_EV_ALLOC, buf);

	if (e)
		e->bytes = bytes;
}

static void bp_probe_free(void *data, const void *pool, const char *name,
			  const void *buf, size_t bytes, gfp_t gfp)
{
	struct bp_trace_ev *e = bp_trace_add(pool, BP_EV_FREE, buf);

	if (e)
		e->bytes = bytes;
}

static void bp_probe_leak(void *data, const void *pool, const char *name,
			  enum bufpool_trace_leak why, unsigned long count,
			  size_t bytes)
{
	struct bp_trace_ev *e = bp_trace_add(pool, BP_EV_LEAK, NULL);

	if (e) {
		e->how = why;
		e->count = count;
		e->bytes = bytes;
	}
}

static void bp_probe_trim(void *data, const void *pool, const char *name,
			  unsigned long want, unsigned long freed,
			  size_t bytes, bool shrinker)
{
	struct bp_trace_ev *e = bp_trace_add(pool, BP_EV_TRIM, NULL);

	if (e) {
		e->count = freed;
		e->bytes = bytes;
		e->how = shrinker;
	}
}

static void bp_probe_drain(void *data, const void *pool, const char *name,
			   unsigned int cpu, unsigned long moved,
			   unsigned long freed)
{
	struct bp_trace_ev *e = bp_trace_add(pool, BP_EV_DRAIN, NULL);

	if (e) {
		e->count = moved;
		e->size = freed;
	}
}

static int bp_trace_init(struct kunit *test)
{
	int err;

	if (!IS_ENABLED(CONFIG_TRACEPOINTS))
		kunit_skip(test, "needs CONFIG_TRACEPOINTS");
	err = register_trace_bufpool_take(bp_probe_take, NULL);
	err = err ?: register_trace_bufpool_return(bp_probe_return, NULL);
	err = err ?: register_trace_bufpool_bad_return(bp_probe_bad_return,
						       NULL);
	err = err ?: register_trace_bufpool_backend_alloc(bp_probe_alloc, NULL);
	err = err ?: register_trace_bufpool_backend_free(bp_probe_free, NULL);
	err = err ?: register_trace_bufpool_leak_report(bp_probe_leak, NULL);
	err = err ?: register_trace_bufpool_trim(bp_probe_trim, NULL);
	err = err ?: register_trace_bufpool_drain(bp_probe_drain, NULL);
	KUNIT_ASSERT_EQ(test, err, 0);
	return 0;
}

static void bp_trace_exit(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_TRACEPOINTS))
		return;
	unregister_trace_bufpool_take(bp_probe_take, NULL);
	unregister_trace_bufpool_return(bp_probe_return, NULL);
	unregister_trace_bufpool_bad_return(bp_probe_bad_return, NULL);
	unregister_trace_bufpool_backend_alloc(bp_probe_alloc, NULL);
	unregister_trace_bufpool_backend_free(bp_probe_free, NULL);
	unregister_trace_bufpool_leak_report(bp_probe_leak, NULL);
	unregister_trace_bufpool_trim(bp_probe_trim, NULL);
	unregister_trace_bufpool_drain(bp_probe_drain, NULL);
	tracepoint_synchronize_unregister();
	WRITE_ONCE(bp_trace.pool, NULL);
	/*
	 * The buffers seen: stale words in .bss, which kmemleak scans, would
	 * hide a leak of memory that held them (bufpool_zz_kmemleak).
	 */
	memset(bp_trace.ev, 0, sizeof(bp_trace.ev));
}

/* Record @pool's events from now on, and forget the ones seen so far. */
static void bp_trace_watch(const struct bufpool *pool)
{
	unsigned long flags;

	spin_lock_irqsave(&bp_trace.lock, flags);
	bp_trace.pool = pool;
	bp_trace.n = 0;
	bp_trace.lost = 0;
	spin_unlock_irqrestore(&bp_trace.lock, flags);
}

/* The @nth (from 0) recorded event of @kind, or NULL. */
static const struct bp_trace_ev *bp_trace_find(enum bp_trace_kind kind,
					       unsigned int nth)
{
	unsigned int i;

	for (i = 0; i < bp_trace.n; i++)
		if (bp_trace.ev[i].kind == kind && !nth--)
			return &bp_trace.ev[i];
	return NULL;
}

static unsigned int bp_trace_count(enum bp_trace_kind kind)
{
	unsigned int i, n = 0;

	for (i = 0; i < bp_trace.n; i++)
		n += bp_trace.ev[i].kind == kind;
	return n;
}

/* Whether @ip is inside the function named @fn. */
static bool bp_trace_in(unsigned long ip, const char *fn)
{
	char sym[KSYM_SYMBOL_LEN];

	snprintf(sym, sizeof(sym), "%ps", (void *)ip);
	return !strcmp(sym, fn);
}

/* === Cases === */

/* Out of line, so that the call site the events name is this function. */
static noinline void *bp_trace_take(struct bufpool *pool, size_t size)
{
	return bufpool_take(pool, size, GFP_KERNEL);
}

static noinline void bp_trace_return(struct bufpool *pool, void *buf)
{
	bufpool_return(pool, buf);
}

/*
 * A take the magazines cannot serve comes from the backend, its return
 * is cached, and the next take finds it in the magazine: each event says
 * so, with the requested and the bucket size and the caller.
 */
static void bufpool_trace_take_return(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "trace-take", 64, SZ_64K,
					 SZ_1M, 0);
	const struct bp_trace_ev *e;
	void *buf, *again;

	bp_trace_watch(pool);
	buf = bp_trace_take(pool, 100);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	bp_trace_return(pool, buf);
	again = bp_trace_take(pool, 128);
	KUNIT_ASSERT_PTR_EQ(test, again, buf);
	bp_trace_return(pool, again);

	KUNIT_EXPECT_EQ(test, bp_trace.lost, 0);
	e = bp_trace_find(BP_EV_ALLOC, 0);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_PTR_EQ(test, e->buf, buf);
	KUNIT_EXPECT_EQ(test, e->bytes, 128);

	e = bp_trace_find(BP_EV_TAKE, 0);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_PTR_EQ(test, e->buf, buf);
	KUNIT_EXPECT_EQ(test, e->size, 100);
	KUNIT_EXPECT_EQ(test, e->bytes, 128);
	KUNIT_EXPECT_EQ(test, e->how, BUFPOOL_FROM_BACKEND);
	KUNIT_EXPECT_TRUE(test, bp_trace_in(e->call_site, "bp_trace_take"));

	e = bp_trace_find(BP_EV_RETURN, 0);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_PTR_EQ(test, e->buf, buf);
	KUNIT_EXPECT_EQ(test, e->bytes, 128);
	KUNIT_EXPECT_EQ(test, e->how, BUFPOOL_RET_CACHED);
	KUNIT_EXPECT_TRUE(test, bp_trace_in(e->call_site, "bp_trace_return"));

	e = bp_trace_find(BP_EV_TAKE, 1);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_PTR_EQ(test, e->buf, buf);
	KUNIT_EXPECT_EQ(test, e->size, 128);
	KUNIT_EXPECT_EQ(test, e->how, BUFPOOL_FROM_MAG);

	/* Nothing left the pool, and one buffer was allocated. */
	KUNIT_EXPECT_EQ(test, bp_trace_count(BP_EV_ALLOC), 1);
	KUNIT_EXPECT_EQ(test, bp_trace_count(BP_EV_FREE), 0);
	KUNIT_EXPECT_EQ(test, bp_trace_count(BP_EV_TAKE), 2);
	KUNIT_EXPECT_EQ(test, bp_trace_count(BP_EV_RETURN), 2);
}

/* The same events, with the same fields, on a tracked pool. */
static void bufpool_trace_tracked(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "trace-tracked", 64, SZ_64K,
					 SZ_1M, BUFPOOL_F_TRACK);
	const struct bp_trace_ev *e;
	void *buf;

	bp_trace_watch(pool);
	buf = bp_trace_take(pool, 64);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	bp_trace_return(pool, buf);
	KUNIT_ASSERT_PTR_EQ(test, bp_trace_take(pool, 64), buf);
	bp_trace_return(pool, buf);

	KUNIT_EXPECT_EQ(test, bp_trace_count(BP_EV_TAKE), 2);
	e = bp_trace_find(BP_EV_TAKE, 0);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, e->how, BUFPOOL_FROM_BACKEND);
	KUNIT_EXPECT_TRUE(test, bp_trace_in(e->call_site, "bp_trace_take"));
	e = bp_trace_find(BP_EV_TAKE, 1);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, e->how, BUFPOOL_FROM_MAG);
	KUNIT_EXPECT_PTR_EQ(test, e->buf, buf);
	e = bp_trace_find(BP_EV_RETURN, 1);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, e->how, BUFPOOL_RET_CACHED);
	KUNIT_EXPECT_TRUE(test, bp_trace_in(e->call_site, "bp_trace_return"));
}

/* Above max_size: from the page allocator, freed on return. */
static void bufpool_trace_unpooled(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "trace-unpooled", 64, SZ_4K,
					 SZ_1M, 0);
	const struct bp_trace_ev *e;
	void *buf;

	bp_trace_watch(pool);
	buf = bp_trace_take(pool, SZ_8K + 1);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	bp_trace_return(pool, buf);

	e = bp_trace_find(BP_EV_TAKE, 0);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, e->how, BUFPOOL_FROM_UNPOOLED);
	KUNIT_EXPECT_EQ(test, e->size, SZ_8K + 1);
	KUNIT_EXPECT_EQ(test, e->bytes, SZ_16K);
	e = bp_trace_find(BP_EV_RETURN, 0);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, e->how, BUFPOOL_RET_FREED);
	KUNIT_EXPECT_EQ(test, e->bytes, SZ_16K);
	e = bp_trace_find(BP_EV_FREE, 0);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_PTR_EQ(test, e->buf, buf);
	KUNIT_EXPECT_EQ(test, e->bytes, SZ_16K);
	KUNIT_EXPECT_EQ(test, bp_trace_count(BP_EV_ALLOC), 1);
}

/* A refused return says why, and its return event says "rejected". */
static void bufpool_trace_bad_return(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "trace-bad", 64, SZ_64K,
					 SZ_1M, 0);
	const struct bp_trace_ev *e;
	void *foreign, *buf;

	foreign = kmalloc(64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, foreign);
	buf = bufpool_take(pool, 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	bufpool_return(pool, buf);

	bp_trace_watch(pool);
	bp_trace_return(pool, foreign);
	bp_trace_return(pool, buf);
	kfree(foreign);

	KUNIT_EXPECT_EQ(test, bp_trace_count(BP_EV_BAD_RETURN), 2);
	e = bp_trace_find(BP_EV_BAD_RETURN, 0);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_PTR_EQ(test, e->buf, foreign);
	KUNIT_EXPECT_STREQ(test, e->why,
			   "slab object of another cache (kmalloc, or another pool's)");
	KUNIT_EXPECT_TRUE(test, bp_trace_in(e->call_site, "bp_trace_return"));
	e = bp_trace_find(BP_EV_BAD_RETURN, 1);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_PTR_EQ(test, e->buf, buf);
	KUNIT_EXPECT_STREQ(test, e->why, "double return");
	e = bp_trace_find(BP_EV_RETURN, 1);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, e->how, BUFPOOL_RET_REJECTED);
	/* Refused: nothing freed. */
	KUNIT_EXPECT_EQ(test, bp_trace_count(BP_EV_FREE), 0);
}

/*
 * Draining this CPU moves its buffers to the depot, a trim frees them, and
 * a destroy with a buffer out reports the leak: each once, with counts.
 */
static void bufpool_trace_drain_trim_leak(struct kunit *test)
{
	struct bufpool_params params = {
		.min_size = 64, .max_size = SZ_4K, .max_cached_bytes = SZ_1M,
	};
	struct bufpool *pool = bufpool_create("trace-drain", &params);
	const struct bp_trace_ev *e;
	void *bufs[4], *kept;
	unsigned long n, flags;
	unsigned int i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	for (i = 0; i < ARRAY_SIZE(bufs); i++) {
		bufs[i] = bufpool_take(pool, SZ_1K, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, bufs[i]);
	}
	kept = bufpool_take(pool, 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, kept);
	for (i = 0; i < ARRAY_SIZE(bufs); i++)
		bufpool_return(pool, bufs[i]);

	bp_trace_watch(pool);
	/* As the CPU-dead callback: nothing else touches this CPU's magazines. */
	local_irq_save(flags);
	bufpool_drain_cpu(pool, smp_processor_id());
	local_irq_restore(flags);
	e = bp_trace_find(BP_EV_DRAIN, 0);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, e->count, ARRAY_SIZE(bufs));	/* to the depot */
	KUNIT_EXPECT_EQ(test, e->size, 0);			/* freed */

	n = bufpool_depot_trim(pool, BUFPOOL_STAT_TRIM);
	KUNIT_EXPECT_EQ(test, n, ARRAY_SIZE(bufs));
	e = bp_trace_find(BP_EV_TRIM, 0);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, e->count, ARRAY_SIZE(bufs));
	KUNIT_EXPECT_EQ(test, e->bytes, ARRAY_SIZE(bufs) * SZ_1K);
	KUNIT_EXPECT_EQ(test, e->how, 1);	/* by the shrinker's counter */
	KUNIT_EXPECT_EQ(test, bp_trace_count(BP_EV_FREE), ARRAY_SIZE(bufs));

	bufpool_destroy(pool);
	e = bp_trace_find(BP_EV_LEAK, 0);
	KUNIT_EXPECT_NOT_NULL(test, e);
	if (e) {
		KUNIT_EXPECT_EQ(test, e->how, BUFPOOL_LEAK_DESTROY);
		KUNIT_EXPECT_EQ(test, e->count, 1);
		KUNIT_EXPECT_EQ(test, e->bytes, 64);
	}
	/* The leaked buffer's return lets the pool go. */
	bufpool_return(pool, kept);
}

/* After this CPU's magazines went to the depot, a take says "depot". */
static void bufpool_trace_depot(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "trace-depot", 64, SZ_4K,
					 SZ_1M, 0);
	const struct bp_trace_ev *e;
	unsigned long flags;
	void *bufs[4];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bufs); i++) {
		bufs[i] = bufpool_take(pool, SZ_1K, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, bufs[i]);
	}
	for (i = 0; i < ARRAY_SIZE(bufs); i++)
		bufpool_return(pool, bufs[i]);
	local_irq_save(flags);
	bufpool_drain_cpu(pool, smp_processor_id());
	local_irq_restore(flags);

	bp_trace_watch(pool);
	bufs[0] = bp_trace_take(pool, SZ_1K);
	KUNIT_ASSERT_NOT_NULL(test, bufs[0]);
	bufpool_return(pool, bufs[0]);
	e = bp_trace_find(BP_EV_TAKE, 0);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, e->how, BUFPOOL_FROM_DEPOT);
	KUNIT_EXPECT_PTR_EQ(test, e->buf, bufs[0]);
}

static struct kunit_case bufpool_trace_cases[] = {
	KUNIT_CASE(bufpool_trace_take_return),
	KUNIT_CASE(bufpool_trace_tracked),
	KUNIT_CASE(bufpool_trace_unpooled),
	KUNIT_CASE(bufpool_trace_bad_return),
	KUNIT_CASE(bufpool_trace_depot),
	KUNIT_CASE(bufpool_trace_drain_trim_leak),
	{}
};

static struct kunit_suite bufpool_trace_suite = {
	.name = "bufpool_trace",
	.init = bp_trace_init,
	.exit = bp_trace_exit,
	.test_cases = bufpool_trace_cases,
};

kunit_test_suite(bufpool_trace_suite);
