// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "bufpool_kasan": the mempool cases of mm/kasan/kasan_test_c.c
 * (6.12), ported to bufpool, and a use after return and a double return in
 * every mode (default, tracked, strict) for slab, page and unpooled buffers.
 * Built only with CONFIG_KASAN_KUNIT_TEST (the debug KUnit configuration).
 *
 * A use after return and an access out of bounds must give a KASAN report
 * at the faulting access: idle buffers are poisoned as mempool poisons its
 * elements (kasan_mempool_poison_object()), freed ones by the allocator.
 * Tracked buffers are the exception: tracking poisons them its own way and
 * reports a write after return when the buffer is next taken.
 * A double or invalid return is bufpool's to catch: it must be refused and
 * counted with no KASAN report at all (bufpool reads nothing of a buffer
 * that is idle or freed), where mempool leaves it to KASAN.
 *
 * Reports are seen on the console, as kasan_test_c.c does: a probe on the
 * console tracepoint looks for "BUG: KASAN: ", and the suite tells KASAN
 * that its reports are expected (kasan_kunit_test_suite_start()), so they
 * do not fail the case by themselves.
 *
 * Not ported: mempool_kmalloc_large_oob_right.  Its large kmalloc object is
 * a page allocation that KASAN unpoisons to the requested size; a bufpool
 * page buffer is usable to its bucket size, and past that lies the next
 * page, which generic KASAN does not guarantee to be poisoned (the reason
 * kasan_test_c.c itself has no page_alloc_oob_right).
 */

#include <kunit/test.h>
#include <linux/irqflags.h>
#include <linux/kasan.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <trace/events/printk.h>

#include "bufpool_kunit.h"

/* From mm/kasan/kasan.h, which is private to mm/kasan. */
#define KASAN_GRANULE_SIZE	BIT(KASAN_SHADOW_SCALE_SHIFT)

static bool bp_multishot;
static bool bp_registered;

/* Set by the console probe; read and cleared by the cases. */
static struct {
	bool report_found;
} bp_status;

static void bp_probe_console(void *ignore, const char *buf, size_t len)
{
	if (strnstr(buf, "BUG: KASAN: ", len))
		WRITE_ONCE(bp_status.report_found, true);
}

/* Expect @expression to make a KASAN report, as kasan_test_c.c does. */
#define BP_EXPECT_KASAN_FAIL(test, expression) do {			\
	struct kunit *__test = (test);					\
									\
	KUNIT_EXPECT_FALSE(__test, READ_ONCE(bp_status.report_found));	\
	barrier();							\
	expression;							\
	barrier();							\
	if (!READ_ONCE(bp_status.report_found))				\
		KUNIT_FAIL(__test, "KASAN failure expected in \""	\
			   #expression "\", but none occurred");	\
	WRITE_ONCE(bp_status.report_found, false);			\
} while (0)

/* Expect @expression to make no KASAN report. */
#define BP_EXPECT_NO_KASAN(test, expression) do {			\
	barrier();							\
	expression;							\
	barrier();							\
	KUNIT_EXPECT_FALSE_MSG(test, READ_ONCE(bp_status.report_found),	\
			       "KASAN report in \"" #expression "\"");	\
	WRITE_ONCE(bp_status.report_found, false);			\
} while (0)

static int bp_kasan_suite_init(struct kunit_suite *suite)
{
	if (!kasan_enabled())
		return -EINVAL;
	/* Reports are expected: they do not fail a case by themselves. */
	kasan_kunit_test_suite_start();
	bp_multishot = kasan_save_enable_multi_shot();
	bp_registered = !register_trace_console(bp_probe_console, NULL);
	/* And bp_console_start() for what bufpool says. */
	bp_suite_init(suite);
	return bp_registered ? 0 : -EINVAL;
}

static void bp_kasan_suite_exit(struct kunit_suite *suite)
{
	bp_suite_exit(suite);
	kasan_kunit_test_suite_end();
	kasan_restore_multi_shot(bp_multishot);
	if (bp_registered)
		unregister_trace_console(bp_probe_console, NULL);
	tracepoint_synchronize_unregister();
}

static void bp_kasan_test_exit(struct kunit *test)
{
	KUNIT_EXPECT_FALSE_MSG(test, READ_ONCE(bp_status.report_found),
			       "a KASAN report no check expected");
	WRITE_ONCE(bp_status.report_found, false);
}

/* What mempool's kinds of element are in bufpool. */
enum bp_kind {
	BP_SLAB,	/* a slab bucket: mempool's kmalloc and slab pools */
	BP_PAGE,	/* a page bucket: mempool's kmalloc_large pool */
	BP_UNPOOLED,	/* above max_size: mempool's page_alloc pool */
};

/* A pool of 64 B to 64 KiB; @flags selects the mode. */
static struct bufpool *bp_pool(struct kunit *test, const char *name,
			       unsigned int flags)
{
	return bp_create(test, name, 64, SZ_64K, 0, flags);
}

static size_t bp_size(enum bp_kind kind)
{
	switch (kind) {
	case BP_SLAB:
		return 128;
	case BP_PAGE:
		return KMALLOC_MAX_CACHE_SIZE + 1;
	default:
		return SZ_128K;
	}
}

static char *bp_take(struct kunit *test, struct bufpool *pool, size_t size)
{
	char *buf = bufpool_take(pool, size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	OPTIMIZER_HIDE_VAR(buf);
	return buf;
}

/* The pool lost nothing: per slot, takes - returns == 0. */
static void bp_expect_balanced(struct kunit *test, struct bufpool *pool)
{
	unsigned int slot;

	for (slot = 0; slot <= bufpool_unpooled_slot(pool); slot++)
		KUNIT_EXPECT_EQ_MSG(test, bp_stat(pool, slot, BUFPOOL_STAT_TAKE),
				    bp_stat(pool, slot, BUFPOOL_STAT_RETURN),
				    "slot %u", slot);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	bp_expect_conserved(test, pool);
}

/* === The mempool cases of kasan_test_c.c === */

/* The byte past the buffer lies in the slab object's redzone. */
static void bp_oob_right(struct kunit *test, struct bufpool *pool,
			 size_t size)
{
	char *buf = bp_take(test, pool, size);
	size_t end = bufpool_buf_size(pool, buf);

	KUNIT_EXPECT_GE(test, end, size);
	BP_EXPECT_NO_KASAN(test, WRITE_ONCE(buf[end - 1], 1));
	BP_EXPECT_KASAN_FAIL(test, READ_ONCE(buf[end]));
	bufpool_return(pool, buf);
	bp_expect_balanced(test, pool);
}

static void mempool_kmalloc_oob_right(struct kunit *test)
{
	struct bufpool *pool = bp_pool(test, "kt-kasan-oob", 0);

	bp_oob_right(test, pool, 128 - KASAN_GRANULE_SIZE - 5);
}

static void mempool_slab_oob_right(struct kunit *test)
{
	/* One bucket, as mempool_slab_* use one kmem_cache of 123 bytes. */
	struct bufpool *pool = bp_create(test, "kt-kasan-slab-oob", 128, 128,
					 0, 0);

	bp_oob_right(test, pool, 123);
}

/* Read @p; return whether that made a KASAN report. */
static bool bp_read_reports(const char *p)
{
	bool found;

	barrier();
	READ_ONCE(*p);
	barrier();
	found = READ_ONCE(bp_status.report_found);
	WRITE_ONCE(bp_status.report_found, false);
	return found;
}

/*
 * A read after return: the buffer is idle (poisoned) or freed.  A freed
 * buffer (strict, unpooled) could be someone else's by the time of a read,
 * and reading another's memory makes no report: the return and the reads
 * run with interrupts off, so that on UML's one CPU nothing else runs
 * between them (a KASAN report prints for milliseconds).  Reads only: a
 * write could land in a page someone else has now, on a machine of more
 * CPUs.  Nothing here may sleep: the expectations come after.
 */
static void bp_uaf(struct kunit *test, struct bufpool *pool, size_t size)
{
	char *buf = bp_take(test, pool, size);
	unsigned long flags;
	bool first, last;

	KUNIT_EXPECT_FALSE(test, READ_ONCE(bp_status.report_found));
	local_irq_save(flags);
	bufpool_return(pool, buf);
	first = bp_read_reports(&buf[0]);
	last = bp_read_reports(&buf[size - 1]);
	local_irq_restore(flags);
	KUNIT_EXPECT_TRUE_MSG(test, first,
			      "no KASAN report reading byte 0 after return");
	KUNIT_EXPECT_TRUE_MSG(test, last,
			      "no KASAN report reading byte %zu after return",
			      size - 1);
	bp_expect_balanced(test, pool);
}

static void mempool_kmalloc_uaf(struct kunit *test)
{
	bp_uaf(test, bp_pool(test, "kt-kasan-uaf", 0), bp_size(BP_SLAB));
}

static void mempool_kmalloc_large_uaf(struct kunit *test)
{
	bp_uaf(test, bp_pool(test, "kt-kasan-uaf-large", 0),
	       bp_size(BP_PAGE));
}

static void mempool_slab_uaf(struct kunit *test)
{
	bp_uaf(test, bp_create(test, "kt-kasan-slab-uaf", 128, 128, 0, 0),
	       123);
}

static void mempool_page_alloc_uaf(struct kunit *test)
{
	bp_uaf(test, bp_pool(test, "kt-kasan-page-uaf", 0),
	       bp_size(BP_UNPOOLED));
}

/*
 * A double return is refused and counted, with no KASAN report: bufpool
 * knows without reading the buffer.  @why: the reason, if bufpool knows it.
 */
static void bp_double_free(struct kunit *test, struct bufpool *pool,
			   const char *name, size_t size, const char *why)
{
	unsigned long bad = bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN);
	char *buf = bp_take(test, pool, size);

	bp_console_start(test, name);
	bufpool_return(pool, buf);
	BP_EXPECT_NO_KASAN(test, bufpool_return(pool, buf));
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN),
			bad + 1);
	if (why)
		KUNIT_EXPECT_TRUE_MSG(test, bp_console_has(why),
				      "no \"%s\" said", why);
	bp_expect_balanced(test, pool);
}

static void mempool_kmalloc_double_free(struct kunit *test)
{
	const char *name = "kt-kasan-double";

	bp_double_free(test, bp_pool(test, name, 0), name, bp_size(BP_SLAB),
		       "double return");
}

static void mempool_kmalloc_large_double_free(struct kunit *test)
{
	const char *name = "kt-kasan-double-large";

	bp_double_free(test, bp_pool(test, name, 0), name, bp_size(BP_PAGE),
		       "double return");
}

static void mempool_slab_double_free(struct kunit *test)
{
	const char *name = "kt-kasan-slab-double";

	bp_double_free(test, bp_create(test, name, 128, 128, 0, 0), name, 123,
		       "double return");
}

static void mempool_page_alloc_double_free(struct kunit *test)
{
	const char *name = "kt-kasan-page-double";

	bp_double_free(test, bp_pool(test, name, 0), name,
		       bp_size(BP_UNPOOLED), "double return");
}

/* A return of buf + 1: refused, no KASAN report, the buffer still good. */
static void bp_invalid_free(struct kunit *test, struct bufpool *pool,
			    size_t size)
{
	char *buf = bp_take(test, pool, size);

	BP_EXPECT_NO_KASAN(test, bufpool_return(pool, buf + 1));
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 1);
	BP_EXPECT_NO_KASAN(test, WRITE_ONCE(buf[size - 1], 3));
	bufpool_return(pool, buf);
	bp_expect_balanced(test, pool);
}

static void mempool_kmalloc_invalid_free(struct kunit *test)
{
	bp_invalid_free(test, bp_pool(test, "kt-kasan-inval", 0),
			bp_size(BP_SLAB));
}

static void mempool_kmalloc_large_invalid_free(struct kunit *test)
{
	bp_invalid_free(test, bp_pool(test, "kt-kasan-inval-large", 0),
			bp_size(BP_PAGE));
}

static void mempool_slab_invalid_free(struct kunit *test)
{
	bp_invalid_free(test, bp_create(test, "kt-kasan-slab-inval", 128, 128,
					0, 0), 123);
}

static void mempool_page_alloc_invalid_free(struct kunit *test)
{
	bp_invalid_free(test, bp_pool(test, "kt-kasan-page-inval", 0),
			bp_size(BP_UNPOOLED));
}

/* === Every mode, every kind === */

struct bp_param {
	const char *mode;
	unsigned int flags;
	enum bp_kind kind;
};

static const struct bp_param bp_params[] = {
	{ "default", 0, BP_SLAB },
	{ "default", 0, BP_PAGE },
	{ "default", 0, BP_UNPOOLED },
	{ "tracked", BUFPOOL_F_TRACK, BP_SLAB },
	{ "tracked", BUFPOOL_F_TRACK, BP_PAGE },
	{ "tracked", BUFPOOL_F_TRACK, BP_UNPOOLED },
	{ "strict", BUFPOOL_F_STRICT, BP_SLAB },
	{ "strict", BUFPOOL_F_STRICT, BP_PAGE },
	{ "strict", BUFPOOL_F_STRICT, BP_UNPOOLED },
};

static const char * const bp_kind_names[] = {
	[BP_SLAB] = "slab", [BP_PAGE] = "page", [BP_UNPOOLED] = "unpooled",
};

static void bp_param_desc(const struct bp_param *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s %s", p->mode,
		 bp_kind_names[p->kind]);
}

KUNIT_ARRAY_PARAM(bp_modes, bp_params, bp_param_desc);

/* The name of this parameter's pool: @what, mode and kind. */
static const char *bp_name(struct kunit *test, const char *what)
{
	const struct bp_param *p = test->param_value;
	char *name = kunit_kzalloc(test, BUFPOOL_NAME_MAX + 1, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, name);
	snprintf(name, BUFPOOL_NAME_MAX + 1, "kt-kasan-%s-%s-%s", what,
		 p->mode, bp_kind_names[p->kind]);
	return name;
}

/*
 * A tracked buffer idle in the pool is not poisoned for KASAN (its free
 * track would overwrite tracking's own poison): a write after return is
 * caught by tracking when the buffer is next taken, and the buffer is
 * quarantined.
 */
static void bp_tracked_write_after_return(struct kunit *test,
					  struct bufpool *pool,
					  const char *name, size_t size)
{
	char *buf = bp_take(test, pool, size), *next;

	bp_console_start(test, name);
	bufpool_return(pool, buf);
	BP_EXPECT_NO_KASAN(test, WRITE_ONCE(buf[size - 1], 4));
	next = bp_take(test, pool, size);
	KUNIT_EXPECT_PTR_NE(test, next, buf);
	KUNIT_EXPECT_TRUE(test, bp_console_has("misuse: write after return"));
	KUNIT_EXPECT_EQ(test, pool->track.nr_quarantined, 1);
	bufpool_return(pool, next);
}

static void bufpool_kasan_use_after_return(struct kunit *test)
{
	const struct bp_param *p = test->param_value;
	const char *name = bp_name(test, "uar");
	struct bufpool *pool = bp_pool(test, name, p->flags);

	if ((p->flags & BUFPOOL_F_TRACK) && p->kind != BP_UNPOOLED)
		bp_tracked_write_after_return(test, pool, name,
					      bp_size(p->kind));
	else
		bp_uaf(test, pool, bp_size(p->kind));
}

static void bufpool_kasan_double_return(struct kunit *test)
{
	const struct bp_param *p = test->param_value;
	const char *name = bp_name(test, "dbl");
	struct bufpool *pool = bp_pool(test, name, p->flags);

	/* Tracked pools say it in their misuse report, by the record. */
	bp_double_free(test, pool, name, bp_size(p->kind), "double return");
}

/* A double return after the buffer left the pool (trimmed): still caught. */
static void bufpool_kasan_double_return_freed(struct kunit *test)
{
	const char *name = "kt-kasan-dbl-trim";
	struct bufpool *pool = bp_pool(test, name, 0);
	char *buf = bp_take(test, pool, bp_size(BP_PAGE));

	bp_console_start(test, name);
	bufpool_return(pool, buf);
	bufpool_clear(pool);
	BP_EXPECT_NO_KASAN(test, bufpool_return(pool, buf));
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 1);
	KUNIT_EXPECT_TRUE(test, bp_console_has("double return"));
	bp_expect_balanced(test, pool);
}

static struct kunit_case bufpool_kasan_test_cases[] = {
	KUNIT_CASE(mempool_kmalloc_oob_right),
	KUNIT_CASE(mempool_slab_oob_right),
	KUNIT_CASE(mempool_kmalloc_uaf),
	KUNIT_CASE(mempool_kmalloc_large_uaf),
	KUNIT_CASE(mempool_slab_uaf),
	KUNIT_CASE(mempool_page_alloc_uaf),
	KUNIT_CASE(mempool_kmalloc_double_free),
	KUNIT_CASE(mempool_kmalloc_large_double_free),
	KUNIT_CASE(mempool_slab_double_free),
	KUNIT_CASE(mempool_page_alloc_double_free),
	KUNIT_CASE(mempool_kmalloc_invalid_free),
	KUNIT_CASE(mempool_kmalloc_large_invalid_free),
	KUNIT_CASE(mempool_slab_invalid_free),
	KUNIT_CASE(mempool_page_alloc_invalid_free),
	KUNIT_CASE_PARAM(bufpool_kasan_use_after_return, bp_modes_gen_params),
	KUNIT_CASE_PARAM(bufpool_kasan_double_return, bp_modes_gen_params),
	KUNIT_CASE(bufpool_kasan_double_return_freed),
	{}
};

static struct kunit_suite bufpool_kasan_test_suite = {
	.name = "bufpool_kasan",
	.suite_init = bp_kasan_suite_init,
	.suite_exit = bp_kasan_suite_exit,
	.exit = bp_kasan_test_exit,
	.test_cases = bufpool_kasan_test_cases,
};

kunit_test_suite(bufpool_kasan_test_suite);
