// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite, linked after every other bufpool suite (Kbuild): a kmemleak
 * scan once they have run (CONFIG_DEBUG_KMEMLEAK, the debug configuration),
 * so that memory bufpool or its tests allocated and lost is a failure, not
 * a manual step.  kmemleak reports objects unreferenced for 5 s: the suite
 * waits that long, scans twice (as Documentation/dev-tools/kmemleak.rst
 * advises, against transient false positives) and fails on each leaked
 * object whose allocation stack passes through bufpool.
 */
#include <linux/delay.h>
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
	KUNIT_CASE(bufpool_kmemleak_scan),
	{}
};

static struct kunit_suite bufpool_kmemleak_suite = {
	.name = "bufpool_zz_kmemleak",
	.test_cases = bufpool_kmemleak_cases,
};

kunit_test_suite(bufpool_kmemleak_suite);
