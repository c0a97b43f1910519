/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the bufpool KUnit suites: one set, one prefix (bp_),
 * inline here or in bufpool_kunit_util.c.
 */
#ifndef _BUFPOOL_KUNIT_H
#define _BUFPOOL_KUNIT_H

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mman.h>
#include <linux/mount.h>
#include <linux/rcupdate.h>

#include "../module/internal.h"

KUNIT_DEFINE_ACTION_WRAPPER(bp_destroy_action, bufpool_destroy,
			    struct bufpool *);

/* Destroy @pool when the test case ends. */
static inline void bp_destroy_at_end(struct kunit *test,
				     struct bufpool *pool)
{
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test,
						  bp_destroy_action,
						  pool));
}

/* Create a pool of @params that is destroyed when the test case ends. */
static inline struct bufpool *
bp_create_params(struct kunit *test, const char *name,
		 const struct bufpool_params *params)
{
	struct bufpool *pool = bufpool_create(name, params);

	KUNIT_ASSERT_NOT_ERR_OR_NULL_MSG(test, pool, "bufpool_create(%s)", name);
	bp_destroy_at_end(test, pool);
	return pool;
}

/* Create a pool that is destroyed when the test case ends. */
static inline struct bufpool *bp_create(struct kunit *test,
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

	return bp_create_params(test, name, &params);
}

/*
 * Whether every destroyed pool named @name is gone: a new namesake gets an id
 * (to keep its slab cache names apart) only while one is still dying.  Pools
 * are freed by a work item after an RCU grace period, so poll a while.
 */
static inline bool bp_namesake_gone(struct kunit *test,
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

#ifndef MODULE
/*
 * Read or write the debugfs file @path (relative to debugfs' root) as
 * "cat" or "echo > /sys/kernel/debug/@path" would: UML's KUnit run has no
 * user space to do it.  debugfs files have ->read and ->write, not the
 * _iter methods kernel_read() and kernel_write() need, so the bytes go
 * through a user mapping of the test's own (kunit_vm_mmap()).  A read
 * fills @buf with up to @len - 1 bytes and a NUL.  Returns the bytes
 * moved or a negative errno.  Built-in tests only: vfs_read() and
 * vfs_write() are not exported.
 */
static inline ssize_t bp_debugfs(struct kunit *test,
				 const char *path, char *buf,
				 size_t len, bool write)
{
	struct file_system_type *type = get_fs_type("debugfs");
	char __user *ubuf;
	struct vfsmount *mnt;
	ssize_t ret = 0, n = 0;
	struct file *f;
	loff_t pos = 0;

	if (!type || !len)
		return -EINVAL;
	ubuf = (char __user *)kunit_vm_mmap(test, NULL, 0, PAGE_ALIGN(len),
					    PROT_READ | PROT_WRITE,
					    MAP_ANONYMOUS | MAP_PRIVATE, 0);
	if (IS_ERR_VALUE((unsigned long)ubuf))
		return (long)ubuf;
	mnt = kern_mount(type);
	if (IS_ERR(mnt))
		return PTR_ERR(mnt);
	f = file_open_root_mnt(mnt, path, write ? O_WRONLY : O_RDONLY, 0);
	if (IS_ERR(f)) {
		ret = PTR_ERR(f);
		goto out;
	}
	if (write) {
		ret = copy_to_user(ubuf, buf, len) ? -EFAULT :
						     vfs_write(f, ubuf, len, &pos);
	} else {
		/* A seq_file gives a record or a page per read. */
		while (n < len - 1) {
			ret = vfs_read(f, ubuf + n, len - 1 - n, &pos);
			if (ret <= 0)
				break;
			n += ret;
		}
		if (ret >= 0 && copy_from_user(buf, ubuf, n))
			ret = -EFAULT;
		buf[ret < 0 ? 0 : n] = '\0';
		ret = ret < 0 ? ret : n;
	}
	fput(f);
out:
	kern_unmount(mnt);
	return ret;
}

/* Write the string @val to debugfs file @path; 0 or a negative errno. */
static inline int bp_debugfs_set(struct kunit *test,
				 const char *path, const char *val)
{
	ssize_t ret = bp_debugfs(test, path, (char *)val, strlen(val), true);

	return ret < 0 ? ret : 0;
}
#endif /* !MODULE */

/* bufpool_kunit_util.c: helpers of the core and bad-input suites */

/* Not buffers: returning these must be refused. */
extern unsigned long bp_test_data[64];
extern const unsigned long bp_test_rodata[64];

struct bufpool *bp_create_default(struct kunit *test, const char *name);
/* Expect bufpool_create() to fail with @err; clean up if it does not. */
void bp_expect_create_err(struct kunit *test, const char *name,
			  size_t min_size, size_t max_size,
			  unsigned int flags, int err);

unsigned long bp_stat(struct bufpool *pool, unsigned int slot,
		      enum bufpool_stat stat);
/* A counter summed over every bucket and the unpooled slot. */
unsigned long bp_stat_total(struct bufpool *pool, enum bufpool_stat stat);
unsigned long bp_out(struct bufpool *pool);
size_t bp_out_bytes(struct bufpool *pool);
long bp_depot_bytes(struct bufpool *pool);
/* Depot state of a bucket; unlocked, the tests use each pool alone. */
unsigned long bp_nr_bufs(struct bufpool_bucket *b);
unsigned int bp_nr_full(struct bufpool_bucket *b);
/* Index of the bucket of @size bytes, which must exist. */
unsigned int bp_slot(struct kunit *test, struct bufpool *pool, size_t size);
/* Buffers idle in @cpu's two magazines of bucket @slot. */
unsigned int bp_cpu_bufs(struct bufpool *pool, unsigned int cpu,
			 unsigned int slot);
/*
 * Documentation/tuning.rst, "The per-CPU bound", written from the text: the
 * buffers a CPU's magazine of a @size bucket holds in a pool of @min_size
 * to @max_size with @cpu_bytes of cpu_cache_bytes (0 for depot-only).
 */
unsigned int bp_tuning_cpu_limit(size_t min_size, size_t max_size,
				 size_t cpu_bytes, size_t size);
/* The per-CPU bound of such a pool, the sum of 2 * limit * size. */
size_t bp_tuning_cpu_bound(size_t min_size, size_t max_size, size_t cpu_bytes);
/* Buffers idle in the magazines of every CPU, all buckets. */
unsigned long bp_all_cpu_bufs(struct bufpool *pool);
unsigned long bp_idle_slot(struct bufpool *pool, unsigned int slot);
unsigned long bp_idle(struct bufpool *pool);
/* Per slot, allocs - frees == takes - returns + idle, in a quiet pool. */
void bp_expect_conserved(struct kunit *test, struct bufpool *pool);

void **bp_take_many(struct kunit *test, struct bufpool *pool, size_t size,
		    unsigned int n);
void bp_return_many(struct bufpool *pool, void **bufs, unsigned int n);
/* Fill a buffer with a pattern derived from its address, and check it. */
void bp_fill(void *buf, size_t size);
bool bp_check(const void *buf, size_t size);

/* Capture the console lines that name @name until the test case ends. */
void bp_console_start(struct kunit *test, const char *name);
size_t bp_console_len(void);
bool bp_console_has(const char *needle);
void bp_console_clear(void);
const char *bp_console_text(void);
unsigned int bp_console_count(const char *needle);
long bp_console_find(const char *needle);
void bp_expect_stack(struct kunit *test, const char *pool, const char *line,
		     void *fn);
void bp_expect_line(struct kunit *test, const char *needle);

/* Fail a case that printed a WARNING or BUG splat. */
int bp_test_init(struct kunit *test);
void bp_test_exit(struct kunit *test);
/* Register and unregister the console probe. */
int bp_suite_init(struct kunit_suite *suite);
void bp_suite_exit(struct kunit_suite *suite);

#if IS_ENABLED(CONFIG_KASAN_KUNIT_TEST)
/* bufpool_kasan_kunit.c: from mm/kasan/kasan.h, which is private to KASAN. */
void kasan_kunit_test_suite_start(void);
void kasan_kunit_test_suite_end(void);
bool kasan_save_enable_multi_shot(void);
void kasan_restore_multi_shot(bool enabled);
#endif /* CONFIG_KASAN_KUNIT_TEST */

#endif /* _BUFPOOL_KUNIT_H */
