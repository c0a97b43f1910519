// SPDX-License-Identifier: GPL-2.0
/*
 * bufpool_misuse: misuse cases for the VM suite, on a real distribution
 * kernel with several CPUs, where UML's KUnit cannot go: Debian's slab
 * layout with KFENCE, real DMA zones, SMP races.
 *
 * /sys/kernel/debug/bufpool_misuse/run (0200): write a case name to run it.
 * The write succeeds if every check of the case held and fails with -EIO
 * otherwise; each case logs "bufpool_misuse: <case>: ok" or the check that
 * failed.  Cases:
 *  - foreign_slab: kmalloc() objects of every slab bucket size returned to
 *    a pool are refused and stay the owner's (the returner frees them); the
 *    pool is then cleared (this used to oops);
 *  - wrong_pool: a buffer of one pool returned to another of the same
 *    sizes is refused, and goes home after;
 *  - fresh_buffers: 256 fresh buffers of every slab size, taken 1 ms apart
 *    so that KFENCE samples some, are all the pool's (it logs how many were
 *    KFENCE objects);
 *  - page_ref: a page buffer returned while a page reference is held is not
 *    recycled;
 *  - zone: GFP_DMA and GFP_DMA32 takes get memory of their zone, and are
 *    never recycled;
 *  - tombstone: a tracked pool used after it was destroyed and freed;
 *  - write_after_return: a tracked buffer written after its return (the
 *    VM suite checks that the report hides the idle marker);
 *  - tracked_reports: a double return, a return to the wrong pool, a
 *    kmalloc() object and an interior pointer returned and a write after
 *    return, in a tracked pool (the samples of Documentation/tracking.rst);
 *  - part_start, part_done: leaks of a pool tracked part of the time and
 *    of an untracked one, reported at destroy;
 *  - keep_shared: three buffers of the shared pool kept, for the module
 *    unload's leak report;
 *  - toggle_start, toggle_stop: a kthread per online CPU takes and returns
 *    buffers of pool "vmt-toggle" while user space switches its tracking
 *    on and off; stop checks that no buffer was misaligned or had two
 *    owners;
 *  - destroy_race: a kthread per online CPU takes and returns while the
 *    pool is destroyed; they return what they hold, and the last return
 *    frees the pool (the VM suite checks its slab caches are gone);
 *  - pressure_fill, pressure_done: pool "vmt-pressure" is filled with 32
 *    MiB of idle buffers, for the VM suite to see its shrinker give them
 *    back when the kernel drops caches; then a take still works;
 *  - decay_fill, decay_done: pool "vmt-decay" (default decay_ms) gets
 *    32 MiB of idle buffers and full magazines on every CPU, for the VM
 *    suite to watch them decay;
 *  - hardirq: a take and a return in hard interrupt context, which work,
 *    or on PREEMPT_RT are refused (the VM suite checks the warning);
 *  - nmi, nmi_done: in an NMI this CPU sends itself, bufpool_take_nolock()
 *    gets the CPU's idle buffer (NULL on PREEMPT_RT) and
 *    bufpool_return_nolock() gives it back through its irq_work; pool
 *    "vmt-nmi" stays, for the VM suite to see it balance;
 *  - reserve, reserve_done: pool "vmt-reserve" keeps a reserve of 16 KiB
 *    buffers, and its takes still succeed (or wait for a return) while a
 *    hog holds all the memory the allocator gives;
 *  - age_start, age_done: pool "vmt-age", tracked, keeps 3 buffers taken
 *    by misuse_age_keep(), for the VM suite's bufpool.max_age_ms checks;
 *  - numa_fill, numa_done: on two nodes, pool "vmt-numa": bufpool_take_node()
 *    gets the node asked for on every CPU, bufpool_take() this CPU's node,
 *    and buffers of node 1 returned on a CPU of node 0 stay idle in node
 *    1's depot (the VM suite reads it in debugfs), where a CPU of node 1
 *    and no other finds them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/kfence.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/oom.h>
#include <linux/random.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#ifdef CONFIG_X86
#include <asm/apic.h>
#include <asm/nmi.h>
#endif

#include "../include/bufpool.h"

static struct dentry *misuse_dir;

/* Say which check of case @fn failed, unless @ok; returns @ok. */
static __printf(3, 4) bool misuse_ok(const char *fn, bool ok,
				     const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	if (ok)
		return true;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_err("%s: FAIL: %pV\n", fn, &vaf);
	va_end(args);
	return false;
}

static const size_t misuse_slab_sizes[] = { 64, 128, 256, 512, 1024, 2048,
					    PAGE_SIZE };

static struct bufpool *misuse_create(const char *name, unsigned int flags)
{
	struct bufpool_params params = { .flags = flags };

	return bufpool_create(name, &params);
}

/* The *_done cases of a case's pool that only goes: destroy it. */
static int misuse_pool_done(struct bufpool **pool)
{
	if (!*pool)
		return -EINVAL;
	bufpool_destroy(*pool);
	*pool = NULL;
	return 0;
}

/* @buf holds @c in every byte. */
static bool misuse_all(const void *buf, int c, size_t len)
{
	return !memchr_inv(buf, c, len);
}

/* Return @obj, not @pool's, and check it was refused and left alone. */
static int misuse_expect_refused(struct bufpool *pool, void *obj,
				 size_t size)
{
	void *mine;

	memset(obj, 0x3c, size);
	bufpool_return(pool, obj);
	if (!misuse_ok(__func__, misuse_all(obj, 0x3c, size),
		       "%zu bytes: the refused object was written", size) ||
	    !misuse_ok(__func__, !bufpool_buf_size(pool, obj),
		       "%zu bytes: the object counts as the pool's", size))
		return -EIO;
	mine = bufpool_take(pool, size, GFP_KERNEL);
	if (!mine)
		return -ENOMEM;
	bufpool_return(pool, mine);
	if (!misuse_ok(__func__, mine != obj,
		       "%zu bytes: the refused object was handed out", size) ||
	    !misuse_ok(__func__, misuse_all(obj, 0x3c, size),
		       "%zu bytes: the refused object was written", size))
		return -EIO;
	return 0;
}

static int misuse_foreign_slab(void)
{
	struct bufpool *pool = misuse_create("vmt-foreign", 0);
	unsigned int i, round;
	int ret = 0;

	if (IS_ERR(pool))
		return PTR_ERR(pool);
	for (i = 0; i < ARRAY_SIZE(misuse_slab_sizes) && !ret; i++) {
		void *obj = kmalloc(misuse_slab_sizes[i], GFP_KERNEL);

		if (!obj) {
			ret = -ENOMEM;
			break;
		}
		ret = misuse_expect_refused(pool, obj, misuse_slab_sizes[i]);
		kfree(obj);
	}
	/* The scenario: return, free, let the slab reuse it, clear. */
	for (round = 0; round < 1000 && !ret; round++) {
		void *obj = kmalloc(512, GFP_KERNEL);
		void *buf;

		if (!obj) {
			ret = -ENOMEM;
			break;
		}
		bufpool_return(pool, obj);
		kfree(obj);
		buf = bufpool_take(pool, 512, GFP_KERNEL);
		if (buf)
			memset(buf, 0x77, 512);
		bufpool_return(pool, buf);
		if (round % 100 == 0)
			bufpool_clear(pool);
	}
	bufpool_clear(pool);
	bufpool_destroy(pool);
	return ret;
}

static int misuse_wrong_pool(void)
{
	struct bufpool *a = misuse_create("vmt-wrong-a", 0);
	struct bufpool *b = misuse_create("vmt-wrong-b", 0);
	unsigned int i;
	int ret = 0;

	if (IS_ERR(a) || IS_ERR(b)) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < ARRAY_SIZE(misuse_slab_sizes) && !ret; i++) {
		size_t size = misuse_slab_sizes[i];
		void *buf = bufpool_take(a, size, GFP_KERNEL);

		if (!buf) {
			ret = -ENOMEM;
			break;
		}
		ret = misuse_expect_refused(b, buf, size);
		if (!ret && bufpool_buf_size(a, buf) != size) {
			pr_err("%s: FAIL: %zu-byte buffer is not a's any more\n",
			       __func__, size);
			ret = -EIO;
		}
		bufpool_return(a, buf);
	}
out:
	if (!IS_ERR(a))
		bufpool_destroy(a);
	if (!IS_ERR(b))
		bufpool_destroy(b);
	return ret;
}

#define MISUSE_FRESH	256

static int misuse_fresh_buffers(void)
{
	struct bufpool *pool = misuse_create("vmt-fresh", BUFPOOL_F_NO_INIT);
	unsigned int i, j, kfence = 0;
	void **bufs;
	int ret = 0;

	if (IS_ERR(pool))
		return PTR_ERR(pool);
	bufs = kcalloc(MISUSE_FRESH, sizeof(*bufs), GFP_KERNEL);
	if (!bufs) {
		bufpool_destroy(pool);
		return -ENOMEM;
	}
	for (i = 0; i < ARRAY_SIZE(misuse_slab_sizes) && !ret; i++) {
		size_t size = misuse_slab_sizes[i];

		/* All held: each take is fresh from the slab. */
		for (j = 0; j < MISUSE_FRESH; j++) {
			bufs[j] = bufpool_take(pool, size, GFP_KERNEL);
			if (!bufs[j])
				break;
			if (is_kfence_address(bufs[j]))
				kfence++;
			if (bufpool_buf_size(pool, bufs[j]) != size) {
				pr_err("%s: FAIL: fresh %zu-byte buffer %u not the pool's\n",
				       __func__, size, j);
				ret = -EIO;
			}
			if (j % 16 == 0)
				usleep_range(1000, 2000);
		}
		while (j--)
			bufpool_return(pool, bufs[j]);
		bufpool_clear(pool);
	}
	pr_info("%s: %u of %zu fresh buffers were KFENCE objects\n", __func__,
		kfence, MISUSE_FRESH * ARRAY_SIZE(misuse_slab_sizes));
	kfree(bufs);
	bufpool_destroy(pool);
	return ret;
}

static int misuse_page_ref(void)
{
	struct bufpool *pool = misuse_create("vmt-pageref", 0);
	struct page *page;
	void *buf, *next;
	int ret = 0;

	if (IS_ERR(pool))
		return PTR_ERR(pool);
	buf = bufpool_take(pool, SZ_64K, GFP_KERNEL);
	if (!buf) {
		bufpool_destroy(pool);
		return -ENOMEM;
	}
	page = virt_to_page(buf + PAGE_SIZE);
	get_page(page);
	memset(buf, 0x5e, SZ_64K);
	bufpool_return(pool, buf);
	if (!misuse_all(buf, 0x5e, SZ_64K) || bufpool_buf_size(pool, buf) ||
	    folio_ref_count(page_folio(page)) != 1) {
		pr_err("%s: FAIL: the referenced buffer was recycled\n",
		       __func__);
		ret = -EIO;
	}
	next = bufpool_take(pool, SZ_64K, GFP_KERNEL);
	if (next == buf) {
		pr_err("%s: FAIL: the referenced buffer was handed out\n",
		       __func__);
		ret = -EIO;
	}
	bufpool_return(pool, next);
	put_page(page);
	bufpool_destroy(pool);
	return ret;
}

static int misuse_zone_one(struct bufpool *pool, gfp_t zone_gfp,
			   enum zone_type zone)
{
	void *normal, *special, *later;

	normal = bufpool_take(pool, 256, GFP_KERNEL);
	if (!normal)
		return -ENOMEM;
	bufpool_return(pool, normal);
	special = bufpool_take(pool, 256, GFP_KERNEL | zone_gfp);
	if (!special)
		return -ENOMEM;
	bufpool_return(pool, special);
	later = bufpool_take(pool, 256, GFP_KERNEL);
	if (later)
		bufpool_return(pool, later);
	if (!misuse_ok(__func__, special != normal,
		       "zone %d: got a recycled buffer", zone) ||
	    !misuse_ok(__func__, page_zonenum(virt_to_page(special)) <= zone,
		       "zone %d: got zone %d", zone,
		       page_zonenum(virt_to_page(special))) ||
	    !misuse_ok(__func__, later == normal,
		       "zone %d: the zone buffer was recycled", zone))
		return -EIO;
	return 0;
}

static int misuse_zone(void)
{
	struct bufpool *pool = misuse_create("vmt-zone", 0);
	int ret = 0;

	if (IS_ERR(pool))
		return PTR_ERR(pool);
#ifdef CONFIG_ZONE_DMA
	ret = misuse_zone_one(pool, GFP_DMA, ZONE_DMA);
#endif
#ifdef CONFIG_ZONE_DMA32
	if (!ret)
		ret = misuse_zone_one(pool, GFP_DMA32, ZONE_DMA32);
#endif
	bufpool_destroy(pool);
	return ret;
}

static int misuse_tombstone(void)
{
	struct bufpool *pool = misuse_create("vmt-tomb", BUFPOOL_F_TRACK);

	if (IS_ERR(pool))
		return PTR_ERR(pool);
	bufpool_destroy(pool);
	/* Freed by a work item after a grace period. */
	rcu_barrier();
	msleep(500);
	/* Each of these is the bug the case is about. */
	if (!misuse_ok(__func__, !bufpool_take(pool, 256, GFP_KERNEL),
		       "a take succeeded") ||
	    !misuse_ok(__func__, !bufpool_take(pool, SZ_2M, GFP_KERNEL),
		       "an unpooled take succeeded"))
		return -EIO;
	bufpool_destroy(pool);
	bufpool_clear(pool);
	return 0;
}

static int misuse_write_after_return(void)
{
	struct bufpool *pool = misuse_create("vmt-hex", BUFPOOL_F_TRACK);
	u8 *x, *y;

	if (IS_ERR(pool))
		return PTR_ERR(pool);
	/* 128 bytes: with 64-byte lines its idle marker is the first word. */
	x = bufpool_take(pool, 128, GFP_KERNEL);
	if (!x) {
		bufpool_destroy(pool);
		return -ENOMEM;
	}
	bufpool_return(pool, x);
	x[3] ^= 0xff;	/* the bug: a write into the idle marker */
	y = bufpool_take(pool, 128, GFP_KERNEL);
	bufpool_return(pool, y);
	bufpool_destroy(pool);
	return misuse_ok(__func__, y && y != x,
			 "the written buffer was handed out") ? 0 : -EIO;
}

/*
 * === Tracked reports: the samples of Documentation/tracking.rst ===
 *
 * Each misuse of a tracked pool, once, for the VM suite to check its
 * report and for Documentation/samples/record.sh to keep it.
 */

static noinline int misuse_tr_double(struct bufpool *pool)
{
	void *x = bufpool_take(pool, 256, GFP_KERNEL);
	void *a, *b;

	if (!x)
		return -ENOMEM;
	bufpool_return(pool, x);
	bufpool_return(pool, x);	/* the bug */
	/* The buffer is idle once: two takes get two buffers. */
	a = bufpool_take(pool, 256, GFP_KERNEL);
	b = bufpool_take(pool, 256, GFP_KERNEL);
	bufpool_return(pool, a);
	bufpool_return(pool, b);
	return misuse_ok(__func__, a != b, "the buffer was idle twice") ?
	       0 : -EIO;
}

static noinline int misuse_tr_wrong_pool(struct bufpool *pool,
					 struct bufpool *other)
{
	void *y = bufpool_take(pool, 64, GFP_KERNEL);
	bool mine;

	if (!y)
		return -ENOMEM;
	bufpool_return(other, y);	/* the bug */
	mine = bufpool_buf_size(pool, y) == 64;
	bufpool_return(pool, y);
	return misuse_ok(__func__, mine, "the buffer is not its owner's") ?
	       0 : -EIO;
}

static noinline int misuse_tr_foreign(struct bufpool *pool)
{
	void *k = kmalloc(64, GFP_KERNEL);
	u8 *z;
	int ret;

	if (!k)
		return -ENOMEM;
	ret = misuse_expect_refused(pool, k, 64);
	kfree(k);
	if (ret)
		return ret;
	z = bufpool_take(pool, 256, GFP_KERNEL);
	if (!z)
		return -ENOMEM;
	bufpool_return(pool, z + 8);	/* the bug: an interior pointer */
	ret = misuse_ok(__func__, bufpool_buf_size(pool, z) == 256,
			"the buffer left its owner") ? 0 : -EIO;
	bufpool_return(pool, z);
	return ret;
}

static noinline int misuse_tr_write(struct bufpool *pool)
{
	u8 *w = bufpool_take(pool, 256, GFP_KERNEL);
	u8 *v;

	if (!w)
		return -ENOMEM;
	bufpool_return(pool, w);
	w[100] = 0x42;	/* the bug: a write after return */
	v = bufpool_take(pool, 256, GFP_KERNEL);
	bufpool_return(pool, v);
	return misuse_ok(__func__, v && v != w,
			 "the written buffer was handed out") ? 0 : -EIO;
}

/*
 * Pools "vmt-tr" (tracked) and "vmt-tr-other" (not): a double return, a
 * return to the wrong pool, a kmalloc() object and an interior pointer
 * returned, a write after return.  Each is refused (or quarantined) and
 * reported once, with its stacks.
 */
static int misuse_tracked_reports(void)
{
	struct bufpool *pool = misuse_create("vmt-tr", BUFPOOL_F_TRACK);
	struct bufpool *other = misuse_create("vmt-tr-other", 0);
	int ret = -ENOMEM;

	if (IS_ERR(pool) || IS_ERR(other))
		goto out;
	ret = misuse_tr_double(pool);
	if (!ret)
		ret = misuse_tr_wrong_pool(pool, other);
	if (!ret)
		ret = misuse_tr_foreign(pool);
	if (!ret)
		ret = misuse_tr_write(pool);
out:
	if (!IS_ERR(other))
		bufpool_destroy(other);
	if (!IS_ERR(pool))
		bufpool_destroy(pool);
	return ret;
}

/*
 * Leaks of a pool tracked part of its life ("vmt-tr-part") and of one
 * never tracked ("vmt-untracked"): part_start takes two buffers of each,
 * the VM suite turns tracking of "vmt-tr-part" on, part_done takes one
 * more of it and destroys both pools with the buffers out (two leak
 * reports), then returns them, which frees the pools.
 */
static struct bufpool *part_pool, *untracked_pool;
static void *part_bufs[3], *untracked_bufs[2];

static noinline void misuse_part_take(struct bufpool *pool, void **bufs,
				      unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		bufs[i] = bufpool_take(pool, 64 << i, GFP_KERNEL);
}

static int misuse_part_start(void)
{
	if (part_pool)
		return -EBUSY;
	part_pool = misuse_create("vmt-tr-part", 0);
	untracked_pool = misuse_create("vmt-untracked", 0);
	if (IS_ERR(part_pool) || IS_ERR(untracked_pool)) {
		if (!IS_ERR(untracked_pool))
			bufpool_destroy(untracked_pool);
		if (!IS_ERR(part_pool))
			bufpool_destroy(part_pool);
		part_pool = NULL;
		return -ENOMEM;
	}
	misuse_part_take(part_pool, part_bufs, 2);
	misuse_part_take(untracked_pool, untracked_bufs, 2);
	return part_bufs[0] && part_bufs[1] && untracked_bufs[0] &&
	       untracked_bufs[1] ? 0 : -ENOMEM;
}

static int misuse_part_done(void)
{
	unsigned int i;

	if (!part_pool)
		return -EINVAL;
	misuse_part_take(part_pool, part_bufs + 2, 1);
	bufpool_destroy(part_pool);
	bufpool_destroy(untracked_pool);
	/* Returns after the destroy go on; the last one frees the pool. */
	for (i = 0; i < ARRAY_SIZE(part_bufs); i++)
		bufpool_return(part_pool, part_bufs[i]);
	for (i = 0; i < ARRAY_SIZE(untracked_bufs); i++)
		bufpool_return(untracked_pool, untracked_bufs[i]);
	part_pool = NULL;
	untracked_pool = NULL;
	return 0;
}

/*
 * Three buffers of the shared pool kept for good: "rmmod bufpool_misuse"
 * reports them (the VM suite tracks the shared pool first), and so does
 * bufpool's own unload.
 */
static void *shared_kept[3];

static noinline void misuse_keep_out(void)
{
	shared_kept[0] = bufpool_take(bufpool_shared(), SZ_16K, GFP_KERNEL);
	shared_kept[1] = bufpool_take(bufpool_shared(), SZ_1K, GFP_KERNEL);
	shared_kept[2] = bufpool_take(bufpool_shared(), SZ_1K, GFP_KERNEL);
}

static int misuse_keep_shared(void)
{
	if (shared_kept[0])
		return -EBUSY;
	misuse_keep_out();
	return shared_kept[0] && shared_kept[1] && shared_kept[2] ? 0 : -ENOMEM;
}

/* === Tracking switched on and off under load === */

static struct bufpool *toggle_pool;
/* One per possible CPU, NULL for the CPUs that have none. */
static struct task_struct **toggle_tasks;
static atomic_long_t toggle_ops, toggle_bad;

/*
 * Let CPU hotplug move this kthread.  On PREEMPT_RT cond_resched() does
 * nothing, and a kthread that never sleeps, preempted inside a migrate-
 * disabled section (a local_lock: bufpool's per-CPU guard there, the
 * batched entropy of get_random_*()), is never pushed off an outgoing CPU:
 * balance_push() runs at schedule() only, and the hotplug waits for ever
 * (seen in the VM on 6.12-rt).  A short sleep every 256 rounds.
 */
static void misuse_yield(unsigned long *round)
{
	if (!(++*round % 256))
		usleep_range(20, 50);
	else
		cond_resched();
}

static int misuse_toggle_fn(void *arg)
{
	unsigned long me = (unsigned long)arg, round = 0;

	while (!kthread_should_stop()) {
		size_t size = 64 << get_random_u32_below(7);
		unsigned long *buf = bufpool_take(toggle_pool, size,
						  GFP_KERNEL);

		if (!buf) {
			misuse_yield(&round);
			continue;
		}
		atomic_long_inc(&toggle_ops);
		/* An odd pointer is a tagged magazine slot: not ours to use. */
		if (!IS_ALIGNED((unsigned long)buf, 64)) {
			atomic_long_inc(&toggle_bad);
			continue;
		}
		WRITE_ONCE(buf[1], me);
		misuse_yield(&round);
		if (READ_ONCE(buf[1]) != me)
			atomic_long_inc(&toggle_bad);
		bufpool_return(toggle_pool, buf);
	}
	return 0;
}

static int misuse_toggle_start(void)
{
	unsigned int cpu;

	if (toggle_pool)
		return -EBUSY;
	toggle_pool = misuse_create("vmt-toggle", BUFPOOL_F_NO_INIT);
	if (IS_ERR(toggle_pool)) {
		int err = PTR_ERR(toggle_pool);

		toggle_pool = NULL;
		return err;
	}
	toggle_tasks = kcalloc(nr_cpu_ids, sizeof(*toggle_tasks), GFP_KERNEL);
	if (!toggle_tasks) {
		bufpool_destroy(toggle_pool);
		toggle_pool = NULL;
		return -ENOMEM;
	}
	atomic_long_set(&toggle_ops, 0);
	atomic_long_set(&toggle_bad, 0);
	for_each_online_cpu(cpu) {
		struct task_struct *t;

		t = kthread_run_on_cpu(misuse_toggle_fn,
				       (void *)(unsigned long)(cpu + 1), cpu,
				       "vmt-toggle/%u");
		toggle_tasks[cpu] = IS_ERR(t) ? NULL : t;
	}
	return 0;
}

static int misuse_toggle_stop(void)
{
	unsigned int cpu;
	long bad;

	if (!toggle_pool)
		return -EINVAL;
	for (cpu = 0; cpu < nr_cpu_ids; cpu++)
		if (toggle_tasks[cpu])
			kthread_stop(toggle_tasks[cpu]);
	kfree(toggle_tasks);
	toggle_tasks = NULL;
	bad = atomic_long_read(&toggle_bad);
	pr_info("%s: %ld takes and returns, %ld bad\n", __func__,
		atomic_long_read(&toggle_ops), bad);
	bufpool_destroy(toggle_pool);
	toggle_pool = NULL;
	if (!misuse_ok(__func__, !bad, "%ld odd or shared buffers", bad) ||
	    !misuse_ok(__func__, atomic_long_read(&toggle_ops),
		       "no take at all"))
		return -EIO;
	return 0;
}

/* === Destroy while every CPU takes and returns === */

static struct bufpool *race_pool;
static atomic_long_t race_takes, race_failed;

static int misuse_race_fn(void *arg)
{
	void *held[8] = {};
	unsigned long round = 0;
	unsigned int i = 0;

	while (!kthread_should_stop()) {
		size_t size = 64 << get_random_u32_below(12);

		/* Returns of buffers taken before the destroy go on. */
		bufpool_return(race_pool, held[i]);
		held[i] = bufpool_take(race_pool, size, GFP_KERNEL);
		if (held[i])
			atomic_long_inc(&race_takes);
		else
			atomic_long_inc(&race_failed);
		i = (i + 1) % ARRAY_SIZE(held);
		misuse_yield(&round);
	}
	for (i = 0; i < ARRAY_SIZE(held); i++)
		bufpool_return(race_pool, held[i]);
	return 0;
}

/*
 * A kthread per CPU takes and returns; the pool is destroyed under them;
 * they return what they hold.  The last return frees the pool: the VM
 * suite checks that its slab caches are gone from /proc/slabinfo.
 */
static int misuse_destroy_race(void)
{
	struct task_struct **tasks;
	unsigned int cpu;

	race_pool = misuse_create("vmt-race", 0);
	if (IS_ERR(race_pool))
		return PTR_ERR(race_pool);
	tasks = kcalloc(nr_cpu_ids, sizeof(*tasks), GFP_KERNEL);
	if (!tasks) {
		bufpool_destroy(race_pool);
		return -ENOMEM;
	}
	atomic_long_set(&race_takes, 0);
	atomic_long_set(&race_failed, 0);
	for_each_online_cpu(cpu) {
		struct task_struct *t;

		t = kthread_run_on_cpu(misuse_race_fn, NULL, cpu,
				       "vmt-race/%u");
		tasks[cpu] = IS_ERR(t) ? NULL : t;
	}
	msleep(300);
	bufpool_destroy(race_pool);
	msleep(300);
	for (cpu = 0; cpu < nr_cpu_ids; cpu++)
		if (tasks[cpu])
			kthread_stop(tasks[cpu]);
	kfree(tasks);
	pr_info("%s: %ld takes, %ld failed (after the destroy)\n", __func__,
		atomic_long_read(&race_takes), atomic_long_read(&race_failed));
	return misuse_ok(__func__, atomic_long_read(&race_takes) &&
			 atomic_long_read(&race_failed),
			 "no take before or no failed take after the destroy") ?
	       0 : -EIO;
}

/* === Memory pressure === */

static struct bufpool *pressure_pool;

#define PRESSURE_BUFS	2048

/*
 * Create pool @name with @params in *@poolp and fill it with idle buffers:
 * 2048 of 16 KiB, 32 MiB.
 */
/* Create pool @name into *@poolp, which must be free: 0 or the error. */
static int misuse_create_into(struct bufpool **poolp, const char *name,
			      const struct bufpool_params *params)
{
	int ret;

	if (*poolp)
		return -EBUSY;
	*poolp = bufpool_create(name, params);
	if (!IS_ERR(*poolp))
		return 0;
	ret = PTR_ERR(*poolp);
	*poolp = NULL;
	return ret;
}

static int misuse_fill(struct bufpool **poolp, const char *name,
		       const struct bufpool_params *params)
{
	unsigned int i;
	void **bufs;
	int ret;

	ret = misuse_create_into(poolp, name, params);
	if (ret)
		return ret;
	bufs = kvcalloc(PRESSURE_BUFS, sizeof(*bufs), GFP_KERNEL);
	if (!bufs)
		return -ENOMEM;
	for (i = 0; i < PRESSURE_BUFS; i++) {
		bufs[i] = bufpool_take(*poolp, SZ_16K, GFP_KERNEL);
		if (!bufs[i])
			ret = -ENOMEM;
	}
	for (i = 0; i < PRESSURE_BUFS; i++)
		bufpool_return(*poolp, bufs[i]);
	kvfree(bufs);
	return ret;
}

/* Fill pool "vmt-pressure" with 32 MiB of idle buffers. */
static int misuse_pressure_fill(void)
{
	struct bufpool_params params = { .max_cached_bytes = SZ_64M };

	return misuse_fill(&pressure_pool, "vmt-pressure", &params);
}

/*
 * Decay: pool "vmt-decay" (default decay_ms, 5 s) gets a burst of 32 MiB
 * of idle buffers of 16 KiB, and every online CPU fills its magazines of
 * every bucket that has them (bufpool_decay_cpu_fill()), for the VM suite
 * to watch its idle bytes fall with no memory pressure; decay_done
 * destroys it.
 */
static struct bufpool *decay_pool;

/* On this CPU: take 2 * 32 buffers of each size up to 16 KiB, return them. */
static long misuse_decay_cpu_fill(void *data)
{
	struct bufpool *pool = data;
	void *bufs[2 * 32];
	size_t size;
	long failed = 0;
	unsigned int i;

	for (size = 64; size <= SZ_16K; size *= 2) {
		for (i = 0; i < ARRAY_SIZE(bufs); i++) {
			bufs[i] = bufpool_take(pool, size, GFP_KERNEL);
			failed += !bufs[i];
		}
		for (i = 0; i < ARRAY_SIZE(bufs); i++)
			bufpool_return(pool, bufs[i]);
	}
	return failed;
}

static int misuse_decay_fill(void)
{
	struct bufpool_params params = { .max_cached_bytes = SZ_64M };
	unsigned int cpu;
	long failed = 0;
	int ret;

	ret = misuse_fill(&decay_pool, "vmt-decay", &params);
	if (ret)
		return ret;
	cpus_read_lock();
	for_each_online_cpu(cpu)
		failed += work_on_cpu(cpu, misuse_decay_cpu_fill, decay_pool);
	cpus_read_unlock();
	return failed ? -ENOMEM : 0;
}

static int misuse_decay_done(void)
{
	return misuse_pool_done(&decay_pool);
}

/* Under pressure takes still work; then the pool goes. */
static int misuse_pressure_done(void)
{
	void *buf;

	if (!pressure_pool)
		return -EINVAL;
	buf = bufpool_take(pressure_pool, SZ_16K, GFP_KERNEL);
	bufpool_return(pressure_pool, buf);
	bufpool_destroy(pressure_pool);
	pressure_pool = NULL;
	return misuse_ok(__func__, buf, "a take failed after the pressure") ?
	       0 : -EIO;
}

/* The hardirq case: a hard hrtimer takes one buffer and returns another. */
struct misuse_irq {
	struct hrtimer timer;
	struct bufpool *pool;
	void *to_return;
	void *taken;
	bool hardirq;
	bool ran;
	struct completion fired;
};

static enum hrtimer_restart misuse_irq_timer(struct hrtimer *timer)
{
	struct misuse_irq *c = container_of(timer, struct misuse_irq, timer);

	c->hardirq = in_hardirq();
	c->taken = bufpool_take(c->pool, 64, GFP_ATOMIC);
	bufpool_return(c->pool, c->to_return);
	WRITE_ONCE(c->ran, true);
	/* A raw spinlock and a wakeup: fine in hardirq on PREEMPT_RT too. */
	complete(&c->fired);
	return HRTIMER_NORESTART;
}

static struct bufpool *hardirq_pool;

/*
 * Take and return in hard interrupt context, from an hrtimer that expires
 * in hardirq context on PREEMPT_RT too (HRTIMER_MODE_REL_HARD).  Elsewhere
 * both work.  On PREEMPT_RT the take is refused (bufpool.h: it gets NULL)
 * and the return is deferred to process context, where it completes.
 * The pool stays, for the VM suite to see that it balances, until
 * "hardirq_done".
 */
static int misuse_hardirq(void)
{
	struct bufpool *pool;
	bool rt = IS_ENABLED(CONFIG_PREEMPT_RT);
	struct misuse_irq c = { };
	bool fired;
	int ret = 0;

	if (hardirq_pool)
		return -EBUSY;
	pool = misuse_create("vmt-hardirq", 0);
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	c.pool = pool;
	init_completion(&c.fired);
	c.to_return = bufpool_take(pool, 64, GFP_KERNEL);
	if (!c.to_return) {
		bufpool_destroy(pool);
		return -ENOMEM;
	}
	hrtimer_init(&c.timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	c.timer.function = misuse_irq_timer;
	hrtimer_start(&c.timer, ns_to_ktime(100 * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_HARD);
	fired = wait_for_completion_timeout(&c.fired, HZ);
	hrtimer_cancel(&c.timer);
	if (!misuse_ok(__func__, fired, "the timer did not fire") ||
	    !misuse_ok(__func__, c.hardirq, "the timer ran outside hardirq"))
		ret = -EIO;
	else if (!misuse_ok(__func__, !c.taken == rt,
			    "the take in hardirq %s on %sPREEMPT_RT",
			    c.taken ? "worked" : "failed", rt ? "" : "no "))
		ret = -EIO;
	/* The timer never ran: the buffer is still out, and comes back now. */
	if (!READ_ONCE(c.ran))
		bufpool_return(pool, c.to_return);
	bufpool_return(pool, c.taken);
	hardirq_pool = pool;
	pr_info("%s: %sPREEMPT_RT: the take in hardirq was %s, the return %s\n",
		__func__, rt ? "" : "not ", c.taken ? "served" : "refused",
		rt ? "deferred" : "done");
	return ret;
}

static int misuse_hardirq_done(void)
{
	return misuse_pool_done(&hardirq_pool);
}

/* The NMI case: a self-NMI takes this CPU's idle buffer and returns it. */
struct misuse_nmi {
	struct bufpool *pool;
	atomic_t armed;
	void *taken;
	bool in_nmi;
	bool ran;
};

static struct misuse_nmi nmi_case;
static struct bufpool *nmi_pool;

#ifdef CONFIG_X86
static int misuse_nmi_handler(unsigned int type, struct pt_regs *regs)
{
	struct misuse_nmi *c = &nmi_case;

	/* Ours only when armed: other NMIs (a watchdog) go on. */
	if (!atomic_xchg(&c->armed, 0))
		return NMI_DONE;
	c->in_nmi = in_nmi();
	c->taken = bufpool_take_nolock(c->pool, 64);
	if (c->taken) {
		memset(c->taken, 0x6e, 64);
		bufpool_return_nolock(c->pool, c->taken);
	}
	WRITE_ONCE(c->ran, true);
	return NMI_HANDLED;
}

/*
 * Take and return in NMI context: the CPU returns a buffer, so that its
 * magazine holds it idle, and sends itself an NMI, whose handler takes it
 * with bufpool_take_nolock() (PREEMPT_RT: NULL) and gives it back with
 * bufpool_return_nolock(), which defers the return to an irq_work.
 */
static int misuse_nmi(void)
{
	bool rt = IS_ENABLED(CONFIG_PREEMPT_RT);
	struct misuse_nmi *c = &nmi_case;
	struct bufpool *pool;
	unsigned int i;
	void *idle;
	int ret;

	if (nmi_pool)
		return -EBUSY;
	pool = misuse_create("vmt-nmi", 0);
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	c->pool = pool;
	c->taken = NULL;
	c->in_nmi = false;
	WRITE_ONCE(c->ran, false);
	ret = register_nmi_handler(NMI_LOCAL, misuse_nmi_handler, 0,
				   KBUILD_MODNAME);
	if (ret) {
		bufpool_destroy(pool);
		return ret;
	}
	/* The same CPU from the return to the NMI (a take may sleep on RT). */
	migrate_disable();
	idle = bufpool_take(pool, 64, GFP_KERNEL);
	bufpool_return(pool, idle);
	atomic_set(&c->armed, 1);
	apic->send_IPI_self(NMI_VECTOR);
	migrate_enable();
	for (i = 0; i < 50 && !READ_ONCE(c->ran); i++)
		msleep(20);
	unregister_nmi_handler(NMI_LOCAL, KBUILD_MODNAME);
	nmi_pool = pool;
	if (!misuse_ok(__func__, idle, "the take before the NMI failed") ||
	    !misuse_ok(__func__, READ_ONCE(c->ran), "the NMI did not come") ||
	    !misuse_ok(__func__, c->in_nmi, "the handler ran outside NMI") ||
	    !misuse_ok(__func__, rt ? !c->taken : c->taken == idle,
			"the take in NMI got %p, not %s", c->taken,
			rt ? "NULL (PREEMPT_RT)" : "this CPU's idle buffer"))
		return -EIO;
	pr_info("%s: %sPREEMPT_RT: the take in NMI was %s, the return %s\n",
		__func__, rt ? "" : "not ", c->taken ? "served" : "refused",
		c->taken ? "deferred to irq_work" : "not needed");
	return 0;
}
#else
static int misuse_nmi(void)
{
	return -EOPNOTSUPP;
}
#endif /* CONFIG_X86 */

static int misuse_nmi_done(void)
{
	return misuse_pool_done(&nmi_pool);
}

/*
 * The reserve under memory pressure: pool "vmt-reserve" keeps
 * RESERVE_NR 16 KiB buffers (bufpool_reserve()).  A hog then takes every
 * free page the allocator gives without retrying, and while it holds
 * them: a take of 32 KiB (no reserve) without direct reclaim fails, which
 * shows the memory is gone; RESERVE_NR takes of 16 KiB, GFP_KERNEL, all
 * succeed from the reserve; one more without direct reclaim gets NULL at
 * once; and one more with it waits, until a worker returns a buffer
 * RESERVE_LATE_MS later, and gets that one.  Then the hog frees what it
 * took and the buffers go back, refilling the reserve.  The pool stays
 * for the VM suite to read its "reserve" file; reserve_done destroys it.
 */
#define RESERVE_NR	16
#define RESERVE_LATE_MS	50
static struct bufpool *reserve_pool;

struct misuse_late_return {
	struct delayed_work work;
	void *buf;
};

static void misuse_late_return_fn(struct work_struct *work)
{
	struct misuse_late_return *l =
		container_of(work, struct misuse_late_return, work.work);

	bufpool_return(reserve_pool, l->buf);
}

/*
 * The hog: every page the allocator gives without retrying.  Others may
 * need memory meanwhile (an RT kernel's threads do): rather than let the
 * OOM killer kill the suite's shell, the hog's OOM notifier gives all of it
 * back, as virtio_balloon's does, and the attempt is tried again.
 */
static struct misuse_hog {
	spinlock_t lock;	/* protects pages and gave_back */
	struct list_head pages;
	bool gave_back;
	struct notifier_block oom_nb;
} hog = {
	.lock = __SPIN_LOCK_UNLOCKED(hog.lock),
	.pages = LIST_HEAD_INIT(hog.pages),
};

/* Free the hog's pages; how many. */
static unsigned long misuse_unhog(void)
{
	struct page *page, *tmp;
	unsigned long n = 0;
	LIST_HEAD(pages);

	spin_lock(&hog.lock);
	list_splice_init(&hog.pages, &pages);
	spin_unlock(&hog.lock);
	list_for_each_entry_safe(page, tmp, &pages, lru) {
		list_del(&page->lru);
		__free_page(page);
		n++;
	}
	return n;
}

static int misuse_hog_oom(struct notifier_block *nb, unsigned long unused,
			  void *freed)
{
	spin_lock(&hog.lock);
	hog.gave_back = true;
	spin_unlock(&hog.lock);
	*(unsigned long *)freed += misuse_unhog();
	return NOTIFY_OK;
}

/* Take every page the allocator gives without retrying; how many. */
static unsigned long misuse_hog(void)
{
	const gfp_t gfp = GFP_HIGHUSER | __GFP_NORETRY | __GFP_NOWARN |
			  __GFP_NOMEMALLOC;
	unsigned long n = 0;
	struct page *page;

	while ((page = alloc_page(gfp))) {
		spin_lock(&hog.lock);
		list_add(&page->lru, &hog.pages);
		spin_unlock(&hog.lock);
		n++;
	}
	return n;
}

/* One attempt; -EAGAIN if the hog had to give its memory back. */
static int misuse_reserve_try(void)
{
	struct misuse_late_return late = {};
	void *bufs[RESERVE_NR] = {}, *none, *nowait, *waited = NULL;
	unsigned long hogged, start, waited_ms = 0;
	unsigned int i, got = 0;
	bool ok, gave_back, again;

	/* From empty caches: what an earlier attempt left would serve. */
	bufpool_clear(reserve_pool);
	spin_lock(&hog.lock);
	hog.gave_back = false;
	spin_unlock(&hog.lock);
	hogged = misuse_hog();
	/* Whatever kswapd freed meanwhile. */
	hogged += misuse_hog();
	/*
	 * Without __GFP_NOMEMALLOC an atomic take may dip below the min
	 * watermark the hog stopped at (ALLOC_HARDER, ALLOC_NON_BLOCK).
	 */
	none = bufpool_take(reserve_pool, SZ_32K,
			    GFP_NOWAIT | __GFP_NOWARN | __GFP_NOMEMALLOC);
	for (i = 0; i < RESERVE_NR; i++) {
		bufs[i] = bufpool_take(reserve_pool, SZ_16K, GFP_KERNEL);
		got += !!bufs[i];
	}
	/* Again: what kswapd freed in between would serve the next takes. */
	hogged += misuse_hog();
	nowait = bufpool_take(reserve_pool, SZ_16K, GFP_NOWAIT);
	if (bufs[0]) {
		late.buf = bufs[0];
		bufs[0] = NULL;
		INIT_DELAYED_WORK_ONSTACK(&late.work, misuse_late_return_fn);
		schedule_delayed_work(&late.work,
				      msecs_to_jiffies(RESERVE_LATE_MS));
		start = jiffies;
		waited = bufpool_take(reserve_pool, SZ_16K, GFP_KERNEL);
		waited_ms = jiffies_to_msecs(jiffies - start);
		flush_delayed_work(&late.work);
		destroy_delayed_work_on_stack(&late.work);
	}
	misuse_unhog();
	spin_lock(&hog.lock);
	gave_back = hog.gave_back;
	spin_unlock(&hog.lock);
	/*
	 * Memory freed between the hog and the probes (kswapd, an RT
	 * kernel's threads) leaves the test without its premise: again.  The
	 * take without reclaim came after the reserve's last buffer, from
	 * the allocator then: memory was back; so was it if the take that
	 * may wait got another buffer than the one returned meanwhile.
	 */
	again = gave_back || none || nowait || (waited && waited != late.buf);

	ok = again ||
	     (misuse_ok(__func__, hogged, "the hog got no page") &&
	      misuse_ok(__func__, got == RESERVE_NR,
			"%u of %u takes of the reserved bucket succeeded", got,
			RESERVE_NR) &&
	      misuse_ok(__func__, waited, "the take that may wait got NULL"));
	pr_info("%s: hog took %lu MiB%s; %u takes of the reserved bucket, and one more after %lu ms: %s\n",
		__func__, hogged >> (20 - PAGE_SHIFT),
		gave_back ? ", and gave it back to the OOM path: again" :
		none ? ", but a 32 KiB take without reclaim succeeded: again" :
		nowait ? ", but a take without reclaim past the reserve succeeded: again" :
		waited && waited != late.buf ?
		", but the take that may wait was served at once: again" : "",
		got, waited_ms, !waited ? "none" : waited == late.buf ?
		"the buffer returned meanwhile" : "another buffer");
	bufpool_return(reserve_pool, none);
	bufpool_return(reserve_pool, nowait);
	bufpool_return(reserve_pool, waited);
	for (i = 0; i < RESERVE_NR; i++)
		bufpool_return(reserve_pool, bufs[i]);
	return again ? -EAGAIN : ok ? 0 : -EIO;
}

static int misuse_reserve(void)
{
	unsigned int tries;
	int ret;

	if (reserve_pool)
		return -EBUSY;
	reserve_pool = misuse_create("vmt-reserve", 0);
	if (IS_ERR(reserve_pool)) {
		ret = PTR_ERR(reserve_pool);
		reserve_pool = NULL;
		return ret;
	}
	ret = bufpool_reserve(reserve_pool, SZ_16K, RESERVE_NR);
	if (!misuse_ok(__func__, !ret, "bufpool_reserve() failed: %pe",
		       ERR_PTR(ret)))
		return -EIO;
	hog.oom_nb.notifier_call = misuse_hog_oom;
	ret = register_oom_notifier(&hog.oom_nb);
	if (ret)
		return ret;
	for (tries = 0; tries < 8; tries++) {
		ret = misuse_reserve_try();
		if (ret != -EAGAIN)
			break;
		msleep(100);
	}
	unregister_oom_notifier(&hog.oom_nb);
	misuse_ok(__func__, ret != -EAGAIN,
		  "%u attempts found free memory, or gave the hog's back to the OOM path",
		  tries);
	return ret ? -EIO : 0;
}

static int misuse_reserve_done(void)
{
	return misuse_pool_done(&reserve_pool);
}

/*
 * Age reports: pool "vmt-age", tracked, with AGE_NR buffers that
 * misuse_age_keep() takes and keeps, for the VM suite to set
 * bufpool.max_age_ms and see them named once; age_done returns them.
 */
#define AGE_NR	3
static struct bufpool *age_pool;
static void *age_bufs[AGE_NR];

/* Not a tail call: its frame is the first of the stack the report shows. */
static noinline bool misuse_age_keep(struct bufpool *pool, void **buf)
{
	*buf = bufpool_take(pool, 256, GFP_KERNEL);
	return *buf;
}

static int misuse_age_start(void)
{
	unsigned int i;

	if (age_pool)
		return -EBUSY;
	age_pool = misuse_create("vmt-age", BUFPOOL_F_TRACK);
	if (IS_ERR(age_pool)) {
		int ret = PTR_ERR(age_pool);

		age_pool = NULL;
		return ret;
	}
	for (i = 0; i < AGE_NR; i++) {
		if (!misuse_ok(__func__, misuse_age_keep(age_pool, &age_bufs[i]),
			       "take %u failed", i))
			return -EIO;
	}
	return 0;
}

static int misuse_age_done(void)
{
	unsigned int i;

	if (!age_pool)
		return -EINVAL;
	for (i = 0; i < AGE_NR; i++)
		bufpool_return(age_pool, age_bufs[i]);
	bufpool_destroy(age_pool);
	age_pool = NULL;
	return 0;
}

/*
 * NUMA: the VM suite's NUMA boot has nodes 0 and 1, two CPUs each.  Pool
 * "vmt-numa" has a per-CPU bucket of each backend (512, 16 KiB), two the
 * depot alone serves (64 KiB, 256 KiB) and takes above max_size (2 MiB).
 */
#define NUMA_BUFS	64
static const size_t misuse_numa_sizes[] = { 512, SZ_16K, SZ_64K, SZ_256K };
static struct bufpool *numa_pool;
/* numa_fill's buffers of node 1, returned on a CPU of node 0. */
static void *numa_kept[ARRAY_SIZE(misuse_numa_sizes)][NUMA_BUFS];

/*
 * Whether @buf is @node's memory.  A KFENCE object is KFENCE's pool's,
 * whose node is the one memblock put it on, whatever was asked: it counts
 * in numa_kfence, not as wrong.
 */
static atomic_t numa_kfence;

static bool misuse_on_node(const void *buf, int node)
{
	if (buf && is_kfence_address(buf)) {
		atomic_inc(&numa_kfence);
		return true;
	}
	return buf && page_to_nid(virt_to_page(buf)) == node;
}

/*
 * On this CPU, three rounds (the later ones recycle): bufpool_take_node()
 * of each node and size, and above max_size, is that node's memory; and
 * NUMA_BUFS bufpool_take()s of each size are this CPU's node's.  Returns
 * how many were not.
 */
static long misuse_numa_cpu(void *data)
{
	static const size_t big = SZ_2M;
	void *bufs[NUMA_BUFS];
	unsigned int i, j, round;
	long bad = 0;
	int nid;

	for (round = 0; round < 3; round++) {
		for_each_online_node(nid) {
			for (i = 0; i <= ARRAY_SIZE(misuse_numa_sizes); i++) {
				size_t size = i < ARRAY_SIZE(misuse_numa_sizes) ?
					      misuse_numa_sizes[i] : big;
				void *buf = bufpool_take_node(numa_pool, size,
							      GFP_KERNEL, nid);

				if (!misuse_on_node(buf, nid)) {
					pr_err("misuse_numa: CPU %d: take_node(%zu, %d) got node %d\n",
					       raw_smp_processor_id(), size, nid,
					       buf ? page_to_nid(virt_to_page(buf)) : -1);
					bad++;
				}
				bufpool_return(numa_pool, buf);
			}
		}
		for (i = 0; i < ARRAY_SIZE(misuse_numa_sizes); i++) {
			for (j = 0; j < NUMA_BUFS; j++) {
				bufs[j] = bufpool_take(numa_pool,
						       misuse_numa_sizes[i],
						       GFP_KERNEL);
				if (misuse_on_node(bufs[j], numa_node_id()))
					continue;
				pr_err("misuse_numa: CPU %d: take(%zu) got node %d\n",
				       raw_smp_processor_id(),
				       misuse_numa_sizes[i], bufs[j] ?
				       page_to_nid(virt_to_page(bufs[j])) : -1);
				bad++;
			}
			for (j = 0; j < NUMA_BUFS; j++)
				bufpool_return(numa_pool, bufs[j]);
		}
	}
	return bad;
}

/* On this CPU: take NUMA_BUFS of each size into numa_kept. */
static long misuse_numa_take_kept(void *data)
{
	unsigned int i, j;
	long bad = 0;

	for (i = 0; i < ARRAY_SIZE(misuse_numa_sizes); i++)
		for (j = 0; j < NUMA_BUFS; j++) {
			void *buf;

			/* Node 1's memory, KFENCE's (node 0's) not. */
			while ((buf = bufpool_take(numa_pool,
						   misuse_numa_sizes[i],
						   GFP_KERNEL)) &&
			       is_kfence_address(buf)) {
				atomic_inc(&numa_kfence);
				bufpool_return(numa_pool, buf);
			}
			numa_kept[i][j] = buf;
			bad += !buf || page_to_nid(virt_to_page(buf)) != 1;
		}
	return bad;
}

/* Whether @buf is one of numa_kept's of size index @i. */
static bool misuse_numa_is_kept(unsigned int i, const void *buf)
{
	unsigned int j;

	for (j = 0; j < NUMA_BUFS; j++)
		if (numa_kept[i][j] == buf)
			return true;
	return false;
}

/*
 * On this CPU: return numa_kept (node 1's, here with @data false: a CPU of
 * node 0), then take and return NUMA_BUFS of each size.  With @data false
 * none may be one of numa_kept; with @data true (a CPU of node 1) each must
 * be, and they stay out.  Returns how many broke that.
 */
static long misuse_numa_cross(void *data)
{
	bool home = data;
	void *bufs[NUMA_BUFS];
	unsigned int i, j;
	long bad = 0;

	for (i = 0; i < ARRAY_SIZE(misuse_numa_sizes); i++) {
		for (j = 0; !home && j < NUMA_BUFS; j++)
			bufpool_return(numa_pool, numa_kept[i][j]);
		for (j = 0; j < NUMA_BUFS; j++) {
			bufs[j] = bufpool_take(numa_pool, misuse_numa_sizes[i],
					       GFP_KERNEL);
			if (misuse_numa_is_kept(i, bufs[j]) != home ||
			    !misuse_on_node(bufs[j], numa_node_id()))
				bad++;
		}
		for (j = 0; j < NUMA_BUFS; j++)
			if (home)
				numa_kept[i][j] = bufs[j];
			else
				bufpool_return(numa_pool, bufs[j]);
	}
	return bad;
}

static int misuse_numa_fill(void)
{
	struct bufpool_params params = {
		.max_size = SZ_1M, .max_cached_bytes = SZ_64M,
		.decay_ms = BUFPOOL_DECAY_OFF,
	};
	int cpu0, cpu1, cpu, ret;
	long bad = 0;

	if (!misuse_ok(__func__, nr_online_nodes == 2 &&
		       !cpumask_empty(cpumask_of_node(1)),
		       "%d nodes online: the NUMA boot has two, with CPUs",
		       nr_online_nodes))
		return -ENODEV;
	ret = misuse_create_into(&numa_pool, "vmt-numa", &params);
	if (ret)
		return ret;
	cpu0 = cpumask_first(cpumask_of_node(0));
	cpu1 = cpumask_first(cpumask_of_node(1));
	cpus_read_lock();
	for_each_online_cpu(cpu)
		bad += work_on_cpu(cpu, misuse_numa_cpu, NULL);
	cpus_read_unlock();
	if (!misuse_ok(__func__, !bad, "%ld takes on the wrong node", bad))
		return -EIO;

	/* Node 1's buffers, returned on node 0, stay on node 1. */
	bufpool_clear(numa_pool);
	bad = work_on_cpu(cpu1, misuse_numa_take_kept, NULL);
	bad += work_on_cpu(cpu0, misuse_numa_cross, (void *)false);
	if (!misuse_ok(__func__, !bad,
		       "%ld buffers of node 1 on node 0's CPUs, or not of node 1",
		       bad))
		return -EIO;
	pr_info("%s: ok: CPUs %d and %d, %u buffers of node 1 idle, %d KFENCE objects\n",
		__func__, cpu0, cpu1,
		(unsigned int)ARRAY_SIZE(misuse_numa_sizes) * NUMA_BUFS,
		atomic_read(&numa_kfence));
	return 0;
}

/* A CPU of node 1 takes node 1's idle buffers back: all of them. */
static int misuse_numa_done(void)
{
	unsigned int i, j;
	long bad;

	if (!numa_pool)
		return -EINVAL;
	bad = work_on_cpu(cpumask_first(cpumask_of_node(1)),
			  misuse_numa_cross, (void *)true);
	for (i = 0; i < ARRAY_SIZE(misuse_numa_sizes); i++)
		for (j = 0; j < NUMA_BUFS; j++)
			bufpool_return(numa_pool, numa_kept[i][j]);
	bufpool_destroy(numa_pool);
	numa_pool = NULL;
	return misuse_ok(__func__, !bad,
			 "%ld takes on node 1 were not node 1's idle buffers",
			 bad) ? 0 : -EIO;
}

static const struct {
	const char *name;
	int (*fn)(void);
} misuse_cases[] = {
	{ "foreign_slab", misuse_foreign_slab },
	{ "wrong_pool", misuse_wrong_pool },
	{ "fresh_buffers", misuse_fresh_buffers },
	{ "page_ref", misuse_page_ref },
	{ "zone", misuse_zone },
	{ "tombstone", misuse_tombstone },
	{ "write_after_return", misuse_write_after_return },
	{ "tracked_reports", misuse_tracked_reports },
	{ "part_start", misuse_part_start },
	{ "part_done", misuse_part_done },
	{ "keep_shared", misuse_keep_shared },
	{ "toggle_start", misuse_toggle_start },
	{ "toggle_stop", misuse_toggle_stop },
	{ "destroy_race", misuse_destroy_race },
	{ "pressure_fill", misuse_pressure_fill },
	{ "pressure_done", misuse_pressure_done },
	{ "decay_fill", misuse_decay_fill },
	{ "decay_done", misuse_decay_done },
	{ "hardirq", misuse_hardirq },
	{ "hardirq_done", misuse_hardirq_done },
	{ "nmi", misuse_nmi },
	{ "nmi_done", misuse_nmi_done },
	{ "reserve", misuse_reserve },
	{ "reserve_done", misuse_reserve_done },
	{ "age_start", misuse_age_start },
	{ "age_done", misuse_age_done },
	{ "numa_fill", misuse_numa_fill },
	{ "numa_done", misuse_numa_done },
};

static ssize_t misuse_write(struct file *file, const char __user *ubuf,
			    size_t len, loff_t *ppos)
{
	char name[32];
	unsigned int i;
	int ret;

	if (len >= sizeof(name))
		return -EINVAL;
	if (copy_from_user(name, ubuf, len))
		return -EFAULT;
	name[len] = '\0';
	strim(name);
	for (i = 0; i < ARRAY_SIZE(misuse_cases); i++) {
		if (strcmp(name, misuse_cases[i].name))
			continue;
		ret = misuse_cases[i].fn();
		if (!ret)
			pr_info("%s: ok\n", name);
		return ret ?: len;
	}
	return -ENOENT;
}

static const struct file_operations misuse_fops = {
	.owner = THIS_MODULE,
	.write = misuse_write,
};

static int __init misuse_init(void)
{
	misuse_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("run", 0200, misuse_dir, NULL, &misuse_fops);
	return 0;
}

static void __exit misuse_exit(void)
{
	debugfs_remove_recursive(misuse_dir);
	if (toggle_pool)
		misuse_toggle_stop();
	if (pressure_pool)
		misuse_pressure_done();
	if (part_pool)
		misuse_part_done();
	if (decay_pool)
		misuse_decay_done();
	if (nmi_pool)
		misuse_nmi_done();
	if (reserve_pool)
		misuse_reserve_done();
	if (age_pool)
		misuse_age_done();
}

module_init(misuse_init);
module_exit(misuse_exit);

MODULE_DESCRIPTION("bufpool VM test: misuse cases on a real kernel");
MODULE_LICENSE("GPL");
