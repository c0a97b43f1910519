// SPDX-License-Identifier: GPL-2.0
/*
 * bufpool_uaccess: moves bytes between user space and bufpool buffers, so
 * that the VM suite can check copy_to_user() and copy_from_user() on a real
 * distribution kernel (Debian's has CONFIG_HARDENED_USERCOPY, which BUGs on
 * a copy from a slab cache without a usercopy whitelist).
 *
 * /sys/kernel/debug/bufpool_uaccess/copy (0600):
 *  - read(fd, p, n) takes an n-byte buffer from the shared pool, fills it
 *    with a pattern that depends on n, copies all of it to @p with one
 *    copy_to_user() and returns it to the pool;
 *  - write(fd, p, n) takes an n-byte buffer, copies @p into it with one
 *    copy_from_user(), checks that every byte is 'w' and fails with -EILSEQ
 *    if not.
 * A read or write of more than BUFPOOL_SIZE_MAX bytes fails with -EINVAL.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "../include/bufpool.h"

static struct dentry *uaccess_dir;

/* The byte a read of @len bytes returns: user space recomputes it. */
static u8 uaccess_pattern(size_t len)
{
	return 'a' + len % 26;
}

static ssize_t uaccess_read(struct file *file, char __user *ubuf, size_t len,
			    loff_t *ppos)
{
	struct bufpool *pool = bufpool_shared();
	ssize_t ret = len;
	void *buf;

	if (!len)
		return 0;
	if (len > BUFPOOL_SIZE_MAX)
		return -EINVAL;
	buf = bufpool_take(pool, len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	memset(buf, uaccess_pattern(len), len);
	if (copy_to_user(ubuf, buf, len))
		ret = -EFAULT;
	bufpool_return(pool, buf);
	return ret;
}

static ssize_t uaccess_write(struct file *file, const char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	struct bufpool *pool = bufpool_shared();
	ssize_t ret = len;
	void *buf;

	if (!len)
		return 0;
	if (len > BUFPOOL_SIZE_MAX)
		return -EINVAL;
	buf = bufpool_take(pool, len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (copy_from_user(buf, ubuf, len))
		ret = -EFAULT;
	else if (memchr_inv(buf, 'w', len))
		ret = -EILSEQ;
	bufpool_return(pool, buf);
	return ret;
}

static const struct file_operations uaccess_fops = {
	.owner = THIS_MODULE,
	.read = uaccess_read,
	.write = uaccess_write,
};

static int __init uaccess_init(void)
{
	uaccess_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("copy", 0600, uaccess_dir, NULL, &uaccess_fops);
	return 0;
}

static void __exit uaccess_exit(void)
{
	debugfs_remove_recursive(uaccess_dir);
}

module_init(uaccess_init);
module_exit(uaccess_exit);

MODULE_DESCRIPTION("bufpool VM test: copy_to_user/copy_from_user on pool buffers");
MODULE_LICENSE("GPL");
