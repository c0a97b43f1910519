// SPDX-License-Identifier: GPL-2.0
/*
 * A client module built against another layout: vm-test.sh builds it with
 * a copy of include/bufpool_layout.h whose __BUFPOOL_LAYOUT is another one,
 * as a client built against an older or newer bufpool would be.  Where
 * bufpool has an inline path it must not load: its inline take and return
 * would read bufpool's structures by a layout they no longer have.  On
 * PREEMPT_RT, where there is no inline path and nothing of the layout is
 * read, it loads, and takes and returns a buffer of the shared pool.
 */
#include <linux/module.h>

#include "bufpool.h"

static int __init bufpool_stale_init(void)
{
	struct bufpool *pool = bufpool_shared();
	void *buf = bufpool_take(pool, 64, GFP_KERNEL);

	if (!buf)
		return -ENOMEM;
	bufpool_return(pool, buf);
	pr_info("bufpool_stale: loaded: took and returned a buffer\n");
	return 0;
}

static void __exit bufpool_stale_exit(void)
{
}

module_init(bufpool_stale_init);
module_exit(bufpool_stale_exit);
MODULE_DESCRIPTION("bufpool VM test: a client built against another layout");
MODULE_LICENSE("GPL");
