/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the bufpool KUnit suites.
 */
#ifndef _BUFPOOL_KUNIT_H
#define _BUFPOOL_KUNIT_H

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/rcupdate.h>

#include "../module/internal.h"

KUNIT_DEFINE_ACTION_WRAPPER(bufpool_kunit_destroy_action, bufpool_destroy,
			    struct bufpool *);

/* Destroy @pool when the test case ends. */
static inline void bufpool_kunit_destroy_at_end(struct kunit *test,
						struct bufpool *pool)
{
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test,
						  bufpool_kunit_destroy_action,
						  pool));
}

/* Create a pool that is destroyed when the test case ends. */
static inline struct bufpool *bufpool_kunit_create(struct kunit *test,
						   const char *name,
						   size_t min_size,
						   size_t max_size,
						   size_t max_cached_bytes,
						   unsigned int flags)
{
	struct bufpool_params params = {
		.min_size = min_size,
		.max_size = max_size,
		.max_cached_bytes = max_cached_bytes,
		.flags = flags,
	};
	struct bufpool *pool;

	pool = bufpool_create(name, &params);
	KUNIT_ASSERT_NOT_ERR_OR_NULL_MSG(test, pool, "bufpool_create(%s)", name);
	bufpool_kunit_destroy_at_end(test, pool);
	return pool;
}

/*
 * Whether every destroyed pool named @name is gone: a new namesake gets an id
 * (to keep its slab cache names apart) only while one is still dying.  Pools
 * are freed by a work item after an RCU grace period, so poll a while.
 */
static inline bool bufpool_kunit_namesake_gone(struct kunit *test,
					       const char *name)
{
	struct bufpool *pool;
	unsigned int id, i;

	for (i = 0; i < 50; i++) {
		rcu_barrier();
		msleep(20);
		pool = bufpool_create(name, NULL);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
		id = pool->id;
		bufpool_destroy(pool);
		if (!id)
			return true;
	}
	return false;
}

#endif /* _BUFPOOL_KUNIT_H */
