// SPDX-License-Identifier: GPL-2.0
/*
 * bufpool debugfs: /sys/kernel/debug/bufpool.  Placeholder until the debugfs
 * files land: it only creates the directories.
 */
#include <linux/debugfs.h>

#include "internal.h"

static struct dentry *bufpool_debugfs_root;

void bufpool_debugfs_init(void)
{
	bufpool_debugfs_root = debugfs_create_dir("bufpool", NULL);
}

void bufpool_debugfs_exit(void)
{
	debugfs_remove_recursive(bufpool_debugfs_root);
}

void bufpool_debugfs_add(struct bufpool *pool)
{
	pool->debugfs = debugfs_create_dir(pool->name, bufpool_debugfs_root);
}

void bufpool_debugfs_remove(struct bufpool *pool)
{
	debugfs_remove_recursive(pool->debugfs);
	pool->debugfs = NULL;
}
