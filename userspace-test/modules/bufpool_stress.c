// SPDX-License-Identifier: GPL-2.0
/*
 * bufpool_stress: the VM suite's SMP stress and its bad input from every
 * context, on a real distribution kernel with several CPUs.
 *
 * /sys/kernel/debug/bufpool_stress/run (0200): write a command; the write
 * succeeds if every check held and fails with -EIO otherwise, and the
 * figures go to the kernel log as "bufpool_stress: ...".
 *
 *  - "smp SECONDS": a kthread on every online CPU takes buffers of random
 *    sizes (64 B to 1 MiB, and one in eight above the pool's max_size:
 *    unpooled), stamps each with its owner, a sequence number and its size
 *    at both ends, holds a few, and hands half of them to another CPU's
 *    kthread, which checks the stamps before it returns them.  A buffer two
 *    takers held at once fails a stamp.  Pool "vmt-stress" stays, with
 *    everything returned, for the suite to read its counters.
 *  - "smp_done": destroys it.
 *  - "ctx": bad input from task context with interrupts off, from a
 *    hardirq (an hrtimer, HRTIMER_MODE_REL_HARD) and from a softirq (a
 *    timer): returns of a kmalloc object, a vmalloc address, a stack
 *    address, another pool's buffer, an interior pointer, a double return,
 *    NULL; takes of 0 bytes and of 1 TiB; then a good take and return in
 *    that context, and the foreign memory still freed by its owner.  The
 *    number of bad returns it made is logged; pool "vmt-ctx" stays for the
 *    suite to compare with its counter.
 *  - "ctx_done": destroys it (and "vmt-ctx-other").
 *  - "hog_fill", "hog", "hog_done": pool "vmt-hog" filled with 32 MiB of
 *    idle buffers; pages allocated until the allocator refuses (reclaim
 *    and the shrinkers run, no OOM kill) and freed; a take that must still
 *    work; the pool destroyed.  The suite compares the idle bytes.
 *  - "zero": the zeroing policy, as this boot's init_on_alloc and
 *    init_on_free set it, with and without BUFPOOL_F_NO_INIT: a returned
 *    buffer is zero while idle under init_on_free, a recycled take is zero
 *    under either, and NO_INIT buffers keep what their user wrote.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timer.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "../include/bufpool.h"

static struct dentry *stress_dir;
/* Serializes the commands: one at a time. */
static DEFINE_MUTEX(stress_lock);

/* === SMP stress === */

/* The stamp at both ends of a buffer out: who holds it, and its size. */
struct stress_stamp {
	unsigned long owner;
	unsigned long seq;
	unsigned long size;
	unsigned long check;
};

#define STRESS_HELD	8	/* buffers a kthread holds at once */
#define STRESS_INBOX	64	/* buffers waiting for a CPU's kthread */
#define STRESS_MAX	SZ_4M	/* largest unpooled take */

struct stress_buf {
	void *buf;
	size_t size;
};

/* A kthread's inbox: buffers another CPU took, for this one to return. */
struct stress_cpu {
	spinlock_t lock;	/* guards n and q */
	unsigned int n;
	struct stress_buf q[STRESS_INBOX];
	struct task_struct *task;
	unsigned int cpu;
};

static struct bufpool *stress_pool;
static struct stress_cpu *stress_cpus;
static unsigned int stress_nr;
static atomic_long_t stress_takes, stress_fails, stress_remote, stress_bad;
static atomic_long_t stress_unpooled;

static unsigned long stress_check(const struct stress_stamp *s)
{
	return ~(s->owner ^ (s->seq << 7) ^ (s->size << 17));
}

static void stress_stamp(void *buf, size_t size, unsigned long owner,
			 unsigned long seq)
{
	struct stress_stamp s = {
		.owner = owner, .seq = seq, .size = size,
	};

	s.check = stress_check(&s);
	memcpy(buf, &s, sizeof(s));
	/* Not over the head stamp: a small buffer has the one. */
	if (size >= 2 * sizeof(s))
		memcpy(buf + size - sizeof(s), &s, sizeof(s));
}

/* Whether both stamps of @b are intact and say its size. */
static bool stress_intact(const struct stress_buf *b)
{
	struct stress_stamp head, tail;

	memcpy(&head, b->buf, sizeof(head));
	if (b->size < 2 * sizeof(tail))
		tail = head;
	else
		memcpy(&tail, b->buf + b->size - sizeof(tail), sizeof(tail));
	return head.check == stress_check(&head) && head.size == b->size &&
	       !memcmp(&head, &tail, sizeof(head));
}

static void stress_give_back(struct stress_buf *b)
{
	if (!stress_intact(b)) {
		const struct stress_stamp *h = b->buf;
		const struct stress_stamp *t = b->size < 2 * sizeof(*t) ? h :
					       b->buf + b->size - sizeof(*t);

		if (atomic_long_inc_return(&stress_bad) <= 5)
			pr_err("broken stamp: %zu bytes at %p: head %lx %lx %lx %lx tail %lx %lx %lx %lx\n",
			       b->size, b->buf, h->owner, h->seq, h->size,
			       h->check, t->owner, t->seq, t->size, t->check);
	}
	bufpool_return(stress_pool, b->buf);
	b->buf = NULL;
}

/* Hand @b to a random other kthread; false if its inbox is full. */
static bool stress_pass(struct stress_cpu *me, struct stress_buf *b)
{
	struct stress_cpu *to;
	unsigned int i;
	bool ok = false;

	if (stress_nr < 2)
		return false;
	i = get_random_u32_below(stress_nr - 1);
	to = &stress_cpus[i >= me - stress_cpus ? i + 1 : i];
	spin_lock(&to->lock);
	if (to->n < STRESS_INBOX) {
		to->q[to->n++] = *b;
		ok = true;
	}
	spin_unlock(&to->lock);
	if (ok) {
		atomic_long_inc(&stress_remote);
		b->buf = NULL;
	}
	return ok;
}

static void stress_drain_inbox(struct stress_cpu *me)
{
	struct stress_buf q[STRESS_INBOX];
	unsigned int i, n;

	spin_lock(&me->lock);
	n = me->n;
	memcpy(q, me->q, n * sizeof(*q));
	me->n = 0;
	spin_unlock(&me->lock);
	for (i = 0; i < n; i++)
		stress_give_back(&q[i]);
}

static size_t stress_size(void)
{
	/* One in eight above max_size (1 MiB): unpooled, up to 4 MiB. */
	if (!get_random_u32_below(8))
		return SZ_1M + 1 + get_random_u32_below(STRESS_MAX - SZ_1M);
	return (64 << get_random_u32_below(15)) -
	       get_random_u32_below(32);
}

/*
 * Let CPU hotplug move this kthread.  On PREEMPT_RT cond_resched() does
 * nothing, and a kthread that never sleeps, preempted inside a migrate-
 * disabled section (a local_lock: bufpool's per-CPU guard there, the
 * batched entropy of get_random_*()), is never pushed off an outgoing CPU:
 * balance_push() runs at schedule() only, and the hotplug waits for ever
 * (seen in the VM on 6.12-rt).  A short sleep every 256 rounds.
 */
static void stress_yield(unsigned long *round)
{
	if (!(++*round % 256))
		usleep_range(20, 50);
	else
		cond_resched();
}

static int stress_fn(void *arg)
{
	struct stress_cpu *me = arg;
	struct stress_buf held[STRESS_HELD] = {};
	unsigned long owner = me->cpu + 1, seq = 0, round = 0;
	unsigned int i = 0;

	while (!kthread_should_stop()) {
		struct stress_buf *b = &held[i];

		if (b->buf && (!(seq & 1) || !stress_pass(me, b)))
			stress_give_back(b);
		b->size = stress_size();
		b->buf = bufpool_take(stress_pool, b->size, GFP_KERNEL);
		if (b->buf) {
			atomic_long_inc(&stress_takes);
			if (b->size > SZ_1M)
				atomic_long_inc(&stress_unpooled);
			stress_stamp(b->buf, b->size, owner, seq);
		} else {
			atomic_long_inc(&stress_fails);
		}
		seq++;
		i = (i + 1) % STRESS_HELD;
		stress_drain_inbox(me);
		stress_yield(&round);
	}
	for (i = 0; i < STRESS_HELD; i++)
		if (held[i].buf)
			stress_give_back(&held[i]);
	return 0;
}

static int stress_smp(unsigned int seconds)
{
	struct bufpool_params params = { .max_size = SZ_1M };
	unsigned int cpu, i;
	long bad;

	if (stress_pool)
		return -EBUSY;
	stress_pool = bufpool_create("vmt-stress", &params);
	if (IS_ERR(stress_pool)) {
		int err = PTR_ERR(stress_pool);

		stress_pool = NULL;
		return err;
	}
	stress_cpus = kcalloc(num_online_cpus(), sizeof(*stress_cpus),
			      GFP_KERNEL);
	if (!stress_cpus)
		return -ENOMEM;
	atomic_long_set(&stress_takes, 0);
	atomic_long_set(&stress_fails, 0);
	atomic_long_set(&stress_remote, 0);
	atomic_long_set(&stress_bad, 0);
	atomic_long_set(&stress_unpooled, 0);
	stress_nr = 0;
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		if (stress_nr == num_online_cpus())
			break;
		spin_lock_init(&stress_cpus[stress_nr].lock);
		stress_cpus[stress_nr++].cpu = cpu;
	}
	cpus_read_unlock();
	/* Every inbox is ready before any kthread passes a buffer. */
	for (i = 0; i < stress_nr; i++) {
		struct task_struct *t;

		t = kthread_create_on_cpu(stress_fn, &stress_cpus[i],
					  stress_cpus[i].cpu, "vmt-stress/%u");
		stress_cpus[i].task = IS_ERR(t) ? NULL : t;
	}
	for (i = 0; i < stress_nr; i++)
		if (stress_cpus[i].task)
			wake_up_process(stress_cpus[i].task);
	msleep(seconds * MSEC_PER_SEC);
	for (i = 0; i < stress_nr; i++)
		if (stress_cpus[i].task)
			kthread_stop(stress_cpus[i].task);
	/* What was passed to a kthread after its last look. */
	for (i = 0; i < stress_nr; i++)
		stress_drain_inbox(&stress_cpus[i]);
	kfree(stress_cpus);
	stress_cpus = NULL;

	bad = atomic_long_read(&stress_bad);
	pr_info("smp: %u CPUs, %u s: %ld takes (%ld unpooled, %ld failed), %ld returned on another CPU, %ld with a broken stamp\n",
		stress_nr, seconds, atomic_long_read(&stress_takes),
		atomic_long_read(&stress_unpooled),
		atomic_long_read(&stress_fails),
		atomic_long_read(&stress_remote), bad);
	if (bad || !atomic_long_read(&stress_takes) ||
	    (stress_nr > 1 && !atomic_long_read(&stress_remote)))
		return -EIO;
	return 0;
}

static int stress_smp_done(void)
{
	if (!stress_pool)
		return -EINVAL;
	bufpool_destroy(stress_pool);
	stress_pool = NULL;
	return 0;
}

/* === Bad input from every context === */

static struct bufpool *ctx_pool, *ctx_other;

/* What a context's battery found; filled in that context. */
struct ctx_run {
	const char *where;
	void *kmalloced, *vmalloced, *others;
	unsigned int bad;	/* bad returns made */
	unsigned int failed;	/* checks that did not hold */
	bool done;
};

static void ctx_fail(struct ctx_run *r, const char *what)
{
	pr_err("ctx: %s: %s\n", r->where, what);
	r->failed++;
}

/*
 * The battery, in whatever context it is called: every bad input is
 * refused (and counted by the pool), takes of 0 bytes and of 1 TiB fail
 * cleanly, and a good take and return still work here.
 */
static void ctx_battery(struct ctx_run *r)
{
	unsigned long on_stack[4];
	void *buf;

	bufpool_return(ctx_pool, r->kmalloced);
	bufpool_return(ctx_pool, r->vmalloced);
	bufpool_return(ctx_pool, on_stack);
	bufpool_return(ctx_pool, r->others);
	r->bad += 4;
	bufpool_return(ctx_pool, NULL);		/* a no-op, not bad */
	if (bufpool_take(ctx_pool, 0, GFP_ATOMIC | __GFP_NOWARN))
		ctx_fail(r, "a take of 0 bytes succeeded");
	if (bufpool_take(ctx_pool, 1ULL << 40, GFP_ATOMIC | __GFP_NOWARN))
		ctx_fail(r, "a take of 1 TiB succeeded");

	buf = bufpool_take(ctx_pool, 256, GFP_ATOMIC);
	if (!buf) {
		/* PREEMPT_RT refuses hard interrupt context: see bufpool.h. */
		if (!IS_ENABLED(CONFIG_PREEMPT_RT) || preemptible())
			ctx_fail(r, "a 256-byte GFP_ATOMIC take failed");
		r->done = true;
		return;
	}
	memset(buf, 0x5a, 256);
	bufpool_return(ctx_pool, buf + 8);	/* interior */
	bufpool_return(ctx_pool, buf);
	bufpool_return(ctx_pool, buf);		/* double */
	r->bad += 2;
	/* The pool still works here: the next take is that buffer again. */
	if (bufpool_take(ctx_pool, 256, GFP_ATOMIC) != buf)
		ctx_fail(r, "the next take is not the buffer just returned");
	bufpool_return(ctx_pool, buf);
	r->done = true;
}

static struct ctx_run *ctx_timer_run;

static enum hrtimer_restart ctx_hrtimer_fn(struct hrtimer *t)
{
	if (!in_hardirq())
		ctx_fail(ctx_timer_run, "the hrtimer did not run in hardirq");
	ctx_battery(ctx_timer_run);
	return HRTIMER_NORESTART;
}

static void ctx_timer_fn(struct timer_list *t)
{
	if (!IS_ENABLED(CONFIG_PREEMPT_RT) && !in_serving_softirq())
		ctx_fail(ctx_timer_run, "the timer did not run in softirq");
	ctx_battery(ctx_timer_run);
}

/* Run the battery in @where; the caller frees what it allocated. */
static int ctx_one(const char *where, unsigned int *bad)
{
	struct ctx_run r = { .where = where };
	unsigned long flags;
	int err = 0;

	r.kmalloced = kmalloc(256, GFP_KERNEL);
	r.vmalloced = vmalloc(PAGE_SIZE);
	r.others = bufpool_take(ctx_other, 256, GFP_KERNEL);
	if (!r.kmalloced || !r.vmalloced || !r.others) {
		err = -ENOMEM;
		goto out;
	}
	ctx_timer_run = &r;
	if (!strcmp(where, "irqs off")) {
		local_irq_save(flags);
		ctx_battery(&r);
		local_irq_restore(flags);
	} else if (!strcmp(where, "hardirq")) {
		struct hrtimer t;

		hrtimer_init_on_stack(&t, CLOCK_MONOTONIC,
				      HRTIMER_MODE_REL_HARD);
		t.function = ctx_hrtimer_fn;
		hrtimer_start(&t, ms_to_ktime(1), HRTIMER_MODE_REL_HARD);
		while (!READ_ONCE(r.done) && hrtimer_active(&t))
			usleep_range(1000, 2000);
		hrtimer_cancel(&t);
		destroy_hrtimer_on_stack(&t);
	} else {
		struct timer_list t;

		timer_setup_on_stack(&t, ctx_timer_fn, 0);
		mod_timer(&t, jiffies + 1);
		while (!READ_ONCE(r.done) && timer_pending(&t))
			usleep_range(1000, 2000);
		del_timer_sync(&t);
		destroy_timer_on_stack(&t);
	}
	if (!r.done)
		ctx_fail(&r, "the battery did not run");
	*bad += r.bad;
	pr_info("ctx: %s: %u bad returns made, %u checks failed\n", where,
		r.bad, r.failed);
	if (r.failed)
		err = -EIO;
out:
	/* Their owners can still free them: nothing was taken over. */
	kfree(r.kmalloced);
	vfree(r.vmalloced);
	bufpool_return(ctx_other, r.others);
	return err;
}

static int stress_ctx(void)
{
	static const char * const where[] = { "irqs off", "hardirq",
					      "softirq" };
	unsigned int i, bad = 0;
	int err = 0;

	if (ctx_pool)
		return -EBUSY;
	ctx_pool = bufpool_create("vmt-ctx", NULL);
	ctx_other = bufpool_create("vmt-ctx-other", NULL);
	if (IS_ERR(ctx_pool) || IS_ERR(ctx_other)) {
		if (!IS_ERR(ctx_pool))
			bufpool_destroy(ctx_pool);
		if (!IS_ERR(ctx_other))
			bufpool_destroy(ctx_other);
		ctx_pool = NULL;
		ctx_other = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < ARRAY_SIZE(where); i++)
		err = ctx_one(where[i], &bad) ?: err;
	pr_info("ctx: %u bad returns made in all\n", bad);
	return err;
}

static int stress_ctx_done(void)
{
	if (!ctx_pool)
		return -EINVAL;
	bufpool_destroy(ctx_pool);
	bufpool_destroy(ctx_other);
	ctx_pool = NULL;
	ctx_other = NULL;
	return 0;
}

/* === Zeroing policy === */

/* Whether @len bytes at @p are all @c. */
static bool stress_all(const void *p, int c, size_t len)
{
	return !memchr_inv(p, c, len);
}

/*
 * Whether the @size bytes at @p are all @c but for the idle marker's word
 * (its first, or one a cache line further: include/bufpool_layout.h).
 */
static bool stress_all_but_marker(const void *p, int c, size_t size)
{
	size_t m = ((unsigned long)p >> __bufpool_mark_shift(size)) &
		   __bufpool_mark_mask(size);
	size_t after = m + sizeof(unsigned long);

	return stress_all(p, c, m) && stress_all(p + after, c, size - after);
}

/*
 * One pool: a buffer filled with 0xaa and returned, looked at while idle
 * (but for its idle marker's word) and taken again (the same
 * buffer: a magazine is LIFO).  With @no_init neither look may find it
 * zeroed; otherwise idle it is zero under init_on_free and taken again it
 * is zero under init_on_free or init_on_alloc.
 */
static int stress_zero_one(unsigned int flags, size_t size)
{
	bool no_init = flags & BUFPOOL_F_NO_INIT;
	bool free_zero = !no_init && want_init_on_free();
	bool take_zero = !no_init && (want_init_on_alloc(GFP_KERNEL) ||
				      want_init_on_free());
	struct bufpool_params params = { .flags = flags };
	struct bufpool *pool;
	void *buf, *again;
	int err = -EIO;

	pool = bufpool_create("vmt-zero", &params);
	if (IS_ERR(pool))
		return PTR_ERR(pool);
	buf = bufpool_take(pool, size, GFP_KERNEL);
	if (!buf)
		goto out;
	memset(buf, 0xaa, size);
	bufpool_return(pool, buf);
	/* Idle, ours to look at: its slab object or pages stay the pool's. */
	if (!stress_all_but_marker(buf, free_zero ? 0 : 0xaa, size)) {
		pr_err("zero: %zu bytes%s: idle, not %s\n", size,
		       no_init ? ", NO_INIT" : "",
		       free_zero ? "zeroed" : "as returned");
		goto out;
	}
	again = bufpool_take(pool, size, GFP_KERNEL);
	if (again != buf) {
		pr_err("zero: %zu bytes: the next take is another buffer\n",
		       size);
		bufpool_return(pool, again);
		goto out;
	}
	if (!stress_all_but_marker(buf, take_zero ? 0 : 0xaa, size)) {
		pr_err("zero: %zu bytes%s: taken again, not %s\n", size,
		       no_init ? ", NO_INIT" : "",
		       take_zero ? "zeroed" : "as returned");
	} else {
		err = 0;
	}
	bufpool_return(pool, buf);
out:
	bufpool_destroy(pool);
	return err;
}

static int stress_zero(void)
{
	static const size_t sizes[] = { 256, SZ_4K, SZ_64K };
	unsigned int i, nr = 0;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		err = stress_zero_one(0, sizes[i]) ?: err;
		err = stress_zero_one(BUFPOOL_F_NO_INIT, sizes[i]) ?: err;
		nr += 2;
	}
	pr_info("zero: init_on_alloc=%d init_on_free=%d: %u pools %s\n",
		want_init_on_alloc(GFP_KERNEL), want_init_on_free(), nr,
		err ? "FAILED" : "as the policy says");
	return err;
}

/* === Memory hog === */

static struct bufpool *hog_pool;

#define HOG_BUFS	2048	/* of 16 KiB: 32 MiB idle */

/* Fill pool "vmt-hog" with idle buffers, for the hog to squeeze. */
static int stress_hog_fill(void)
{
	struct bufpool_params params = { .max_cached_bytes = SZ_64M };
	void **bufs;
	unsigned int i;

	if (hog_pool)
		return -EBUSY;
	hog_pool = bufpool_create("vmt-hog", &params);
	if (IS_ERR(hog_pool)) {
		int err = PTR_ERR(hog_pool);

		hog_pool = NULL;
		return err;
	}
	bufs = kvcalloc(HOG_BUFS, sizeof(*bufs), GFP_KERNEL);
	if (!bufs)
		return -ENOMEM;
	for (i = 0; i < HOG_BUFS; i++)
		bufs[i] = bufpool_take(hog_pool, SZ_16K, GFP_KERNEL);
	for (i = 0; i < HOG_BUFS; i++)
		bufpool_return(hog_pool, bufs[i]);
	kvfree(bufs);
	return 0;
}

/*
 * Allocate pages until the allocator says no (__GFP_NORETRY: reclaim, and
 * so the shrinkers, run first, but no OOM kill), then free them all.
 * Then a take from the squeezed pool must still work.
 */
static int stress_hog(void)
{
	unsigned long nr = 0, limit = totalram_pages();
	LIST_HEAD(pages);
	struct page *page, *tmp;
	void *buf;

	if (!hog_pool)
		return -EINVAL;
	while (nr < limit) {
		page = alloc_page(GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN);
		if (!page)
			break;
		list_add(&page->lru, &pages);
		nr++;
		if (!(nr % 1024))
			cond_resched();
	}
	list_for_each_entry_safe(page, tmp, &pages, lru)
		__free_page(page);
	pr_info("hog: held %lu MiB of %lu MiB, then freed it\n",
		nr >> (20 - PAGE_SHIFT), limit >> (20 - PAGE_SHIFT));
	buf = bufpool_take(hog_pool, SZ_16K, GFP_KERNEL);
	if (!buf)
		return -EIO;
	memset(buf, 0x5a, SZ_16K);
	bufpool_return(hog_pool, buf);
	return 0;
}

static int stress_hog_done(void)
{
	if (!hog_pool)
		return -EINVAL;
	bufpool_destroy(hog_pool);
	hog_pool = NULL;
	return 0;
}

/* === Control === */

static ssize_t stress_write(struct file *file, const char __user *ubuf,
			    size_t len, loff_t *ppos)
{
	unsigned int seconds;
	char cmd[32];
	int ret;

	if (len >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, len))
		return -EFAULT;
	cmd[len] = '\0';
	strim(cmd);
	mutex_lock(&stress_lock);
	if (sscanf(cmd, "smp %u", &seconds) == 1 && seconds && seconds <= 60)
		ret = stress_smp(seconds);
	else if (!strcmp(cmd, "smp_done"))
		ret = stress_smp_done();
	else if (!strcmp(cmd, "ctx"))
		ret = stress_ctx();
	else if (!strcmp(cmd, "ctx_done"))
		ret = stress_ctx_done();
	else if (!strcmp(cmd, "zero"))
		ret = stress_zero();
	else if (!strcmp(cmd, "hog_fill"))
		ret = stress_hog_fill();
	else if (!strcmp(cmd, "hog"))
		ret = stress_hog();
	else if (!strcmp(cmd, "hog_done"))
		ret = stress_hog_done();
	else
		ret = -EINVAL;
	mutex_unlock(&stress_lock);
	return ret ?: len;
}

static const struct file_operations stress_fops = {
	.owner = THIS_MODULE,
	.write = stress_write,
};

static int __init stress_init(void)
{
	stress_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("run", 0200, stress_dir, NULL, &stress_fops);
	return 0;
}

static void __exit stress_exit(void)
{
	debugfs_remove_recursive(stress_dir);
	if (stress_pool)
		bufpool_destroy(stress_pool);
	if (ctx_pool) {
		bufpool_destroy(ctx_pool);
		bufpool_destroy(ctx_other);
	}
	if (hog_pool)
		bufpool_destroy(hog_pool);
}

module_init(stress_init);
module_exit(stress_exit);
MODULE_DESCRIPTION("bufpool VM test: SMP stress and bad input from every context");
MODULE_LICENSE("GPL");
