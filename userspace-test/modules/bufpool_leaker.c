// SPDX-License-Identifier: GPL-2.0
/*
 * bufpool_leaker: the VM suite's leak found by timed sampling, as a
 * production client would leak: one buffer in a thousand, from one
 * function, on every CPU.
 *
 * At load, a kthread on every online CPU takes 256-byte buffers from pool
 * "vmt-leaker" for @seconds: leaker_use() returns each, and one take in a
 * thousand is leaker_keep()'s, which keeps its buffer.  The module logs
 * the exact count it kept, "bufpool_leaker: kept N of M takes".  At unload
 * it destroys the pool with those buffers out, so that the leak report
 * counts them and names leaker_keep() by the stacks of the sampled ones,
 * and then returns them, so that the pool goes.
 *
 * @interval_ms is the pool's bufpool_params.sample_interval_ms (0: the
 * bufpool.sample_interval_ms of the load).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "../include/bufpool.h"

static unsigned int seconds = 10;
module_param(seconds, uint, 0444);
MODULE_PARM_DESC(seconds, "How long every CPU takes buffers");

static unsigned int interval_ms;
module_param(interval_ms, uint, 0444);
MODULE_PARM_DESC(interval_ms, "The pool's sample_interval_ms (0: bufpool's)");

/* Buffers one CPU keeps at most: past it, it leaks no more. */
#define LEAKER_CAP	SZ_64K
#define LEAKER_SIZE	256

struct leaker_cpu {
	struct task_struct *task;
	void **kept;
	unsigned long nr_kept;
	unsigned long takes;
};

static struct bufpool *leaker_pool;
static struct leaker_cpu *leaker_cpus;
static unsigned int leaker_nr;

static noinline void leaker_use(void)
{
	void *buf = bufpool_take(leaker_pool, LEAKER_SIZE, GFP_KERNEL);

	if (buf) {
		WRITE_ONCE(*(char *)buf, 1);
		bufpool_return(leaker_pool, buf);
	}
}

/* The leak: the buffer is kept, never returned while the pool lives. */
static noinline void leaker_keep(struct leaker_cpu *c)
{
	void *buf = bufpool_take(leaker_pool, LEAKER_SIZE, GFP_KERNEL);

	if (buf)
		c->kept[c->nr_kept++] = buf;
}

static int leaker_fn(void *arg)
{
	struct leaker_cpu *c = arg;

	while (!kthread_should_stop()) {
		if (++c->takes % 1000 == 0 && c->nr_kept < LEAKER_CAP)
			leaker_keep(c);
		else
			leaker_use();
		if (c->takes % 256 == 0)
			cond_resched();
	}
	return 0;
}

static int __init leaker_init(void)
{
	struct bufpool_params params = { .sample_interval_ms = interval_ms };
	unsigned long kept = 0, takes = 0;
	unsigned int cpu, i;

	leaker_pool = bufpool_create("vmt-leaker", &params);
	if (IS_ERR(leaker_pool))
		return PTR_ERR(leaker_pool);
	leaker_cpus = kcalloc(nr_cpu_ids, sizeof(*leaker_cpus), GFP_KERNEL);
	if (!leaker_cpus)
		goto err;
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		struct leaker_cpu *c = &leaker_cpus[leaker_nr];
		struct task_struct *t;

		c->kept = kvmalloc_array(LEAKER_CAP, sizeof(void *),
					 GFP_KERNEL);
		if (!c->kept)
			break;
		t = kthread_create_on_cpu(leaker_fn, c, cpu, "vmt-leaker/%u");
		if (IS_ERR(t)) {
			kvfree(c->kept);
			break;
		}
		c->task = t;
		leaker_nr++;
	}
	cpus_read_unlock();
	for (i = 0; i < leaker_nr; i++)
		wake_up_process(leaker_cpus[i].task);
	msleep(seconds * MSEC_PER_SEC);
	for (i = 0; i < leaker_nr; i++) {
		kthread_stop(leaker_cpus[i].task);
		kept += leaker_cpus[i].nr_kept;
		takes += leaker_cpus[i].takes;
	}
	pr_info("kept %lu of %lu takes on %u CPUs in %u s\n", kept, takes,
		leaker_nr, seconds);
	return 0;
err:
	bufpool_destroy(leaker_pool);
	return -ENOMEM;
}

static void __exit leaker_exit(void)
{
	unsigned long j;
	unsigned int i;

	/* Destroyed with the kept buffers out: the leak report. */
	bufpool_destroy(leaker_pool);
	for (i = 0; i < leaker_nr; i++) {
		for (j = 0; j < leaker_cpus[i].nr_kept; j++)
			bufpool_return(leaker_pool, leaker_cpus[i].kept[j]);
		kvfree(leaker_cpus[i].kept);
	}
	kfree(leaker_cpus);
}

module_init(leaker_init);
module_exit(leaker_exit);
MODULE_DESCRIPTION("bufpool VM test: a client that leaks one buffer in a thousand");
MODULE_LICENSE("GPL");
