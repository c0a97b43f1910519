// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite, linked after every other bufpool suite (Kbuild): a kmemleak
 * scan once they have run (CONFIG_DEBUG_KMEMLEAK, the debug configuration),
 * so that memory bufpool or its tests allocated and lost is a failure, not
 * a manual step.  kmemleak reports objects unreferenced for 5 s: the suite
 * waits that long, scans twice (as Documentation/dev-tools/kmemleak.rst
 * advises, against transient false positives) and fails on each leaked
 * object whose allocation stack passes through bufpool.  Before it, a
 * buffer dropped by its holder is reported with its taker's stack.
 */
#include <linux/delay.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "bufpool_kunit.h"

#define BP_KMEMLEAK_BUF	(64 * 1024)

/*
 * Print and count the objects in kmemleak report @r that bufpool or its
 * tests allocated.  Not the mm_struct of kunit_vm_mmap(), which the
 * suites use to drive debugfs: 6.12's KUnit never drops the mm it
 * attaches to a test's kthread (lib/kunit/user_alloc.c), one per case.
 */
static unsigned int bp_kmemleak_ours(struct kunit *test, char *r,
				     unsigned int *kunit_mm)
{
	unsigned int nr = 0;
	char *obj = strstr(r, "unreferenced object");

	while (obj) {
		char *next = strstr(obj + 1, "unreferenced object");

		if (next)
			next[-1] = '\0';
		if (strstr(obj, "kunit_vm_mmap")) {
			(*kunit_mm)++;
		} else if (strstr(obj, "bufpool")) {
			kunit_err(test, "%s", obj);
			nr++;
		}
		obj = next;
	}
	return nr;
}

/*
 * The only references to the buffers bufpool_kmemleak_dropped() drops,
 * hidden from kmemleak's scan: BP_KMEMLEAK_DROP of each size.
 */
#define BP_KMEMLEAK_DROP	4
static unsigned long bp_kmemleak_hidden[2][BP_KMEMLEAK_DROP];
#define BP_KMEMLEAK_MASK	0x5a5a5a5a5a5a5a5aUL

/* The taker kmemleak must name: a recycled buffer's trace is its last take. */
static noinline void bp_kmemleak_taker(struct bufpool *pool, size_t size,
				       unsigned int i, unsigned int j)
{
	bp_kmemleak_hidden[i][j] = (unsigned long)__bufpool_take(pool, size,
								  GFP_KERNEL) ^
				   BP_KMEMLEAK_MASK;
}

/*
 * Whether kmemleak report @r lists @addr: 0 no, 1 yes, 2 yes and with @fn
 * in its backtrace.
 */
static int bp_kmemleak_lists(char *r, unsigned long addr, const char *fn)
{
	char head[48], *obj, *end, c = 0;
	bool found;

	snprintf(head, sizeof(head), "unreferenced object 0x%08lx ", addr);
	obj = strstr(r, head);
	if (!obj)
		return 0;
	end = strstr(obj + 1, "unreferenced object");
	if (end) {
		c = *end;
		*end = '\0';
	}
	found = strstr(obj, fn);
	if (end)
		*end = c;
	return found ? 2 : 1;
}

/*
 * A buffer its holder dropped is a leak kmemleak reports, with the stack
 * of its taker (the out-of-line take, as every take of a module built for
 * a kmemleak kernel); an idle one is not.  A slab bucket and a page one:
 * a page buffer's struct page once referenced it (the index word, where a
 * slab that had the page kept its last free pointer; bufpool clears it),
 * which this case, run after the bufpool_fault suite, found.  kmemleak is
 * conservative: a stale word anywhere it scans hides an object.  So of the
 * buffers dropped, every one reported must name its taker and at least one
 must be reported.
 */
static void bufpool_kmemleak_dropped(struct kunit *test)
{
	static const size_t sizes[] = { 256, SZ_8K };
	struct bufpool *pool = bp_create_default(test, "kt-kmemleak");
	char *r = kunit_kzalloc(test, BP_KMEMLEAK_BUF, GFP_KERNEL);
	unsigned int i, j, named;
	void *warm[BP_KMEMLEAK_DROP], *idle;
	unsigned long addr;
	int listed;

	KUNIT_ASSERT_NOT_NULL(test, r);
	/* Fresh buffers, returned: the dropped ones are taken again. */
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (j = 0; j < BP_KMEMLEAK_DROP; j++) {
			warm[j] = __bufpool_take(pool, sizes[i], GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, warm[j]);
		}
		for (j = 0; j < BP_KMEMLEAK_DROP; j++)
			bufpool_return(pool, warm[j]);
		for (j = 0; j < BP_KMEMLEAK_DROP; j++)
			bp_kmemleak_taker(pool, sizes[i], i, j);
	}
	memset(warm, 0, sizeof(warm));
	/*
	 * Idle in a magazine (a kmemleak kernel keeps no owner memo, a
	 * per-CPU word that would hold a page buffer's address).
	 */
	idle = __bufpool_take(pool, SZ_8K, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, idle);
	bufpool_return(pool, idle);

	/* No stack scan: this one holds the addresses (and its dead frames). */
	KUNIT_ASSERT_EQ(test, bp_debugfs_set(test, "kmemleak", "stack=off"), 0);
	msleep(5500);
	KUNIT_EXPECT_EQ(test, bp_debugfs_set(test, "kmemleak", "scan"), 0);
	KUNIT_EXPECT_EQ(test, bp_debugfs_set(test, "kmemleak", "scan"), 0);
	KUNIT_EXPECT_GE(test, bp_debugfs(test, "kmemleak", r, BP_KMEMLEAK_BUF,
					 false), 0);
	KUNIT_EXPECT_EQ(test, bp_debugfs_set(test, "kmemleak", "stack=on"), 0);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		named = 0;
		for (j = 0; j < BP_KMEMLEAK_DROP; j++) {
			addr = bp_kmemleak_hidden[i][j] ^ BP_KMEMLEAK_MASK;
			listed = bp_kmemleak_lists(r, addr, "bp_kmemleak_taker");
			KUNIT_EXPECT_NE_MSG(test, listed, 1,
					    "a dropped %zu-byte buffer is reported without its taker",
					    sizes[i]);
			named += listed == 2;
		}
		kunit_info(test, "%u of %u dropped %zu-byte buffers reported\n",
			   named, BP_KMEMLEAK_DROP, sizes[i]);
		KUNIT_EXPECT_GT_MSG(test, named, 0,
				    "no dropped %zu-byte buffer is reported",
				    sizes[i]);
	}
	KUNIT_EXPECT_EQ_MSG(test, bp_kmemleak_lists(r, (unsigned long)idle, ""),
			    0, "an idle buffer is reported");

	/* Back: referenced by a magazine, the next scans find them so. */
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		for (j = 0; j < BP_KMEMLEAK_DROP; j++)
			bufpool_return(pool, (void *)(bp_kmemleak_hidden[i][j] ^
						      BP_KMEMLEAK_MASK));
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 0);
}

static void bufpool_kmemleak_scan(struct kunit *test)
{
	char *r = kunit_kzalloc(test, BP_KMEMLEAK_BUF, GFP_KERNEL);
	unsigned int kunit_mm = 0, ours;
	ssize_t n;

	KUNIT_ASSERT_NOT_NULL(test, r);
	/* What the last suites freed by RCU is freed; then the minimum age. */
	rcu_barrier();
	msleep(5500);
	KUNIT_ASSERT_EQ(test, bp_debugfs_set(test, "kmemleak", "scan"), 0);
	KUNIT_ASSERT_EQ(test, bp_debugfs_set(test, "kmemleak", "scan"), 0);
	n = bp_debugfs(test, "kmemleak", r, BP_KMEMLEAK_BUF, false);
	KUNIT_ASSERT_GE(test, n, 0);
	ours = bp_kmemleak_ours(test, r, &kunit_mm);
	kunit_info(test, "kmemleak: %zd bytes of report, %u objects of bufpool's, %u of kunit_vm_mmap()'s\n",
		   n, ours, kunit_mm);
	KUNIT_EXPECT_EQ_MSG(test, ours, 0,
			    "kmemleak found objects bufpool allocated and lost");
}

static struct kunit_case bufpool_kmemleak_cases[] = {
	KUNIT_CASE(bufpool_kmemleak_dropped),
	KUNIT_CASE(bufpool_kmemleak_scan),
	{}
};

static struct kunit_suite bufpool_kmemleak_suite = {
	.name = "bufpool_zz_kmemleak",
	.test_cases = bufpool_kmemleak_cases,
};

kunit_test_suite(bufpool_kmemleak_suite);
