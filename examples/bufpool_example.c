// SPDX-License-Identifier: GPL-2.0
/*
 * bufpool_example: a small client of bufpool.
 *
 * At load it creates a pool "example" whose largest bucket is 64 KiB, takes
 * buffers of mixed sizes from it and from the shared pool, fills them,
 * checks them and gives them back; then a burst through the bulk calls,
 * and (kernels with linux/cleanup.h) a buffer that belongs to a scope.
 * With leak=N it also keeps N buffers out and destroys its pool at unload
 * without returning them, so that bufpool reports the leak:
 *
 *	insmod bufpool.ko
 *	insmod bufpool_example.ko leak=3
 *	rmmod bufpool_example		# bufpool reports 3 buffers still out
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/err.h>
#include <linux/init.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "bufpool.h"

#define EXAMPLE_LEAK_MAX	16
#define EXAMPLE_BURST		32

static unsigned int leak;
module_param(leak, uint, 0444);
MODULE_PARM_DESC(leak, "buffers to keep out and leak at unload (0 to 16)");

/* Request sizes: a slab bucket, a page-sized one and a compound page one. */
static const size_t example_sizes[] = { 100, 4000, 20000 };

static struct bufpool *example_pool;
/* Buffers kept out for leak=N, never returned on purpose. */
static void *example_leaked[EXAMPLE_LEAK_MAX];
static unsigned int example_nr_leaked;

/**
 * example_use() - take buffers of each example size, use them, return them
 * @pool: the pool to take from.
 * @label: name of @pool for messages.
 * @bytes: incremented by the usable size of each buffer taken.
 *
 * Each buffer is filled with a pattern over its whole usable size, checked,
 * and returned.
 *
 * Return: the number of buffers taken and returned, or a negative errno.
 */
static int example_use(struct bufpool *pool, const char *label,
		       size_t *bytes)
{
	void *bufs[ARRAY_SIZE(example_sizes)] = {};
	int i, ret = ARRAY_SIZE(example_sizes);

	for (i = 0; i < ARRAY_SIZE(example_sizes); i++) {
		size_t want = example_sizes[i], got;

		bufs[i] = bufpool_take(pool, want, GFP_KERNEL);
		if (!bufs[i]) {
			pr_err("%s: taking %zu bytes failed\n", label, want);
			ret = -ENOMEM;
			break;
		}
		got = bufpool_buf_size(pool, bufs[i]);
		if (got < want) {
			pr_err("%s: %zu-byte buffer is only %zu bytes\n",
			       label, want, got);
			ret = -EIO;
			break;
		}
		memset(bufs[i], 0x5a + i, got);
		*bytes += got;
	}

	/* Check only once all are out: the buffers must not overlap. */
	for (i = 0; ret > 0 && i < ARRAY_SIZE(example_sizes); i++) {
		if (memchr_inv(bufs[i], 0x5a + i,
			       bufpool_buf_size(pool, bufs[i]))) {
			pr_err("%s: %zu-byte buffer was overwritten\n",
			       label, example_sizes[i]);
			ret = -EIO;
		}
	}

	for (i = 0; i < ARRAY_SIZE(example_sizes); i++)
		bufpool_return(pool, bufs[i]);	/* NULL is a no-op */
	return ret;
}

/**
 * example_keep_out() - take buffers that will never be returned
 * @pool: the pool to take from.
 * @nr: how many, at most %EXAMPLE_LEAK_MAX.
 *
 * Not inlined into the __init caller: its code stays after init, so a leak
 * report made at unload (bufpool.track=1) names this function.
 *
 * Return: the number of buffers kept out.
 */
static noinline unsigned int example_keep_out(struct bufpool *pool,
					      unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		void *buf = bufpool_take(pool,
					 example_sizes[i % ARRAY_SIZE(example_sizes)],
					 GFP_KERNEL);

		if (!buf)
			break;
		example_leaked[i] = buf;
	}
	return i;
}

/**
 * example_burst() - take and return a burst of buffers, one call each way
 * @pool: the pool to take from.
 *
 * Return: how many buffers the burst took; all of them went back.
 */
static unsigned int example_burst(struct bufpool *pool)
{
	void *bufs[EXAMPLE_BURST];
	unsigned int i, n;

	n = bufpool_take_bulk(pool, 512, GFP_KERNEL, EXAMPLE_BURST, bufs);
	for (i = 0; i < n; i++)
		memset(bufs[i], i, 512);
	bufpool_return_bulk(pool, n, bufs);
	return n;
}

#ifdef BUFPOOL_HAVE_SCOPED
/**
 * example_scoped() - use a buffer that belongs to this scope
 * @pool: the pool to take from.
 * @fail: leave early, as an error path would: the buffer goes back.
 *
 * Return: the buffer, handed over to the caller, or %NULL.
 */
static void *example_scoped(struct bufpool *pool, bool fail)
{
	CLASS(bufpool_buf, b)(pool, 100, GFP_KERNEL);

	if (!b.p || fail)
		return NULL;
	strscpy(b.p, "kept", 100);
	return bufpool_buf_keep(&b);
}
#endif

static int __init bufpool_example_init(void)
{
	size_t own_bytes = 0, shared_bytes = 0;
	int own, shared;

	example_pool = bufpool_create("example", &(struct bufpool_params){
		.max_size = SZ_64K,
	});
	if (IS_ERR(example_pool)) {
		pr_err("creating pool \"example\" failed: %pe\n",
		       example_pool);
		return PTR_ERR(example_pool);
	}

	own = example_use(example_pool, "example", &own_bytes);
	if (own < 0)
		goto err_destroy;
	/* A second round comes from the per-CPU magazines. */
	own = example_use(example_pool, "example", &own_bytes);
	if (own < 0)
		goto err_destroy;
	shared = example_use(bufpool_shared(), "shared", &shared_bytes);
	if (shared < 0) {
		own = shared;
		goto err_destroy;
	}

	pr_info("bulk: %u of %u buffers taken and returned in one call each\n",
		example_burst(example_pool), EXAMPLE_BURST);
#ifdef BUFPOOL_HAVE_SCOPED
	{
		void *kept;

		example_scoped(example_pool, true);
		kept = example_scoped(example_pool, false);
		pr_info("scoped: a buffer went back at the end of its scope, another was kept: %s\n",
			kept ? (char *)kept : "(none)");
		bufpool_return(example_pool, kept);
	}
#endif

	if (leak > EXAMPLE_LEAK_MAX) {
		pr_warn("leak=%u is more than %u, keeping %u out\n",
			leak, EXAMPLE_LEAK_MAX, EXAMPLE_LEAK_MAX);
	}
	example_nr_leaked = example_keep_out(example_pool,
					     min(leak, EXAMPLE_LEAK_MAX));

	pr_info("pool \"example\": 2 x %d buffers (%zu bytes) taken, checked and returned; shared pool: %d buffers (%zu bytes); %u kept out to leak\n",
		own, own_bytes, shared, shared_bytes, example_nr_leaked);
	return 0;

err_destroy:
	bufpool_destroy(example_pool);
	return own;
}
module_init(bufpool_example_init);

static void __exit bufpool_example_exit(void)
{
	if (example_nr_leaked)
		pr_info("destroying pool \"example\" with %u buffers still out\n",
			example_nr_leaked);
	/* The leaked buffers stay valid; bufpool reports them. */
	bufpool_destroy(example_pool);
}
module_exit(bufpool_example_exit);

MODULE_DESCRIPTION("bufpool example client");
MODULE_LICENSE("GPL");
