// SPDX-License-Identifier: GPL-2.0
/*
 * bufpool_ring: a bufpool client shaped like a network driver's ring.
 *
 * A producer thread bound to one CPU plays the receive side: it takes
 * buffers of packet-like sizes (64 B to 16 KiB, mostly small) from its own
 * pool, fills them and pushes them into a single-producer single-consumer
 * ring.  A consumer thread bound to another CPU plays the completion side:
 * it pops each buffer, checks its contents and gives it back, so that every
 * buffer is returned on a CPU other than the one that took it.  The
 * counters are in /sys/kernel/debug/bufpool_ring/stats.  At unload both
 * threads stop, the buffers still in the ring are returned, the pool is
 * destroyed and the counters are checked to balance:
 *
 *	insmod bufpool.ko
 *	insmod bufpool_ring.ko ring_size=256 duration_ms=2000
 *	cat /sys/kernel/debug/bufpool_ring/stats
 *	rmmod bufpool_ring		# "... balanced"
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/array_size.h>
#include <linux/compiler.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "bufpool.h"

#define RING_SIZE_MAX		SZ_64K
/* How long a thread sleeps at most before it looks at the ring again. */
#define RING_WAIT		msecs_to_jiffies(10)

static unsigned int ring_size = 256;
module_param(ring_size, uint, 0444);
MODULE_PARM_DESC(ring_size,
		 "ring slots, rounded up to a power of two (2 to 65536)");

static unsigned int duration_ms = 2000;
module_param(duration_ms, uint, 0444);
MODULE_PARM_DESC(duration_ms,
		 "how long the producer runs, in ms (0: until unload)");

static int producer_cpu = -1;
module_param(producer_cpu, int, 0444);
MODULE_PARM_DESC(producer_cpu, "CPU of the producer (-1: the first online)");

static int consumer_cpu = -1;
module_param(consumer_cpu, int, 0444);
MODULE_PARM_DESC(consumer_cpu,
		 "CPU of the consumer (-1: the next online after the producer's)");

/**
 * struct ring_hdr - what the producer writes at the start of each buffer
 * @seq: the buffer's sequence number.
 * @len: the bytes filled, this header included.
 *
 * The rest of the @len bytes hold ring_fill_byte(@seq).
 */
struct ring_hdr {
	u32 seq;
	u32 len;
};

/**
 * struct ring_slot - one entry of the ring
 * @buf: the buffer, taken from the ring's pool.
 * @len: the bytes filled.
 * @seq: the buffer's sequence number.
 * @cpu: the CPU that took it.
 */
struct ring_slot {
	void *buf;
	u32 len;
	u32 seq;
	int cpu;
};

/* Upper bounds of the size classes the producer's sizes are counted in. */
static const u32 ring_size_bounds[] = { 256, 1514, SZ_4K, SZ_16K };

/**
 * struct ring_stats - the counters in debugfs
 * @produced: buffers taken, filled and pushed.
 * @produced_bytes: bytes filled in them.
 * @by_size: @produced by size, up to each of ring_size_bounds[].
 * @take_failures: takes that failed.
 * @full_waits: times the producer waited for the ring to have room.
 * @consumed: buffers popped, checked and returned by the consumer.
 * @consumed_bytes: bytes checked in them.
 * @cross_cpu: of @consumed, the ones returned on a CPU other than the one
 *	that took them.
 * @corrupt: buffers whose contents were not what the producer wrote.
 * @empty_waits: times the consumer waited for the ring to have a buffer.
 * @drained: buffers still in the ring at unload, returned then.
 *
 * Each counter has one writer (the producer, the consumer, or the module's
 * exit once both stopped) and is read without locking.
 */
struct ring_stats {
	unsigned long produced;
	unsigned long produced_bytes;
	unsigned long by_size[ARRAY_SIZE(ring_size_bounds)];
	unsigned long take_failures;
	unsigned long full_waits;
	unsigned long consumed;
	unsigned long consumed_bytes;
	unsigned long cross_cpu;
	unsigned long corrupt;
	unsigned long empty_waits;
	unsigned long drained;
};

/**
 * struct ring - the ring and its two threads
 * @slots: @size entries.
 * @size: number of @slots, a power of two.
 * @head: next slot the producer fills; written by the producer only.
 * @tail: next slot the consumer empties; written by the consumer only.
 * @producer_wq: where the producer waits for room.
 * @consumer_wq: where the consumer waits for buffers.
 * @producer: the producer thread.
 * @consumer: the consumer thread.
 * @pool: the pool the buffers come from.
 * @producing: whether the producer is still running its course.
 * @stats: the counters.
 */
struct ring {
	struct ring_slot *slots;
	unsigned int size;
	unsigned int head;
	unsigned int tail;
	wait_queue_head_t producer_wq;
	wait_queue_head_t consumer_wq;
	struct task_struct *producer;
	struct task_struct *consumer;
	struct bufpool *pool;
	bool producing;
	struct ring_stats stats;
};

static struct ring ring;
static struct dentry *ring_debugfs;

/* Add to a counter, by its single writer; readers use READ_ONCE(). */
static void ring_add(unsigned long *c, unsigned long n)
{
	WRITE_ONCE(*c, *c + n);
}

static void ring_count(unsigned long *c)
{
	ring_add(c, 1);
}

static u8 ring_fill_byte(u32 seq)
{
	return (seq * 37) ^ 0xa5;
}

/**
 * ring_pick_len() - a packet-like length
 *
 * Half are small (64 to 256 bytes: acknowledgements, small requests), 30%
 * up to an Ethernet frame, 15% up to a page and 5% up to 16 KiB, as a
 * receive ring with GRO sees them.
 *
 * Return: the length, 64 to 16384.
 */
static u32 ring_pick_len(void)
{
	u32 r = get_random_u32_below(100);

	if (r < 50)
		return get_random_u32_inclusive(64, 256);
	if (r < 80)
		return get_random_u32_inclusive(257, 1514);
	if (r < 95)
		return get_random_u32_inclusive(1515, SZ_4K);
	return get_random_u32_inclusive(SZ_4K + 1, SZ_16K);
}

static bool ring_has_room(void)
{
	/* Pairs with the consumer's release: its slot is free before reuse. */
	return ring.head - smp_load_acquire(&ring.tail) < ring.size;
}

static bool ring_has_buffer(void)
{
	/* Pairs with the producer's release: its slot is filled when seen. */
	return smp_load_acquire(&ring.head) != ring.tail;
}

/**
 * ring_produce_one() - take a buffer, fill it and push it into the ring
 * @seq: its sequence number.
 *
 * The caller has made sure the ring has room.
 *
 * Return: true if a buffer was pushed, false if the take failed.
 */
static bool ring_produce_one(u32 seq)
{
	struct ring_stats *st = &ring.stats;
	struct ring_slot *slot = &ring.slots[ring.head & (ring.size - 1)];
	struct ring_hdr *hdr;
	u32 len = ring_pick_len();
	int i;

	hdr = bufpool_take(ring.pool, len, GFP_KERNEL);
	if (!hdr) {
		ring_count(&st->take_failures);
		return false;
	}
	hdr->seq = seq;
	hdr->len = len;
	memset(hdr + 1, ring_fill_byte(seq), len - sizeof(*hdr));

	slot->buf = hdr;
	slot->len = len;
	slot->seq = seq;
	slot->cpu = raw_smp_processor_id();
	/* Publish the slot before the consumer can see the new head. */
	smp_store_release(&ring.head, ring.head + 1);
	wake_up_interruptible(&ring.consumer_wq);

	ring_count(&st->produced);
	ring_add(&st->produced_bytes, len);
	for (i = 0; i < ARRAY_SIZE(ring_size_bounds); i++) {
		if (len <= ring_size_bounds[i]) {
			ring_count(&st->by_size[i]);
			break;
		}
	}
	return true;
}

static int ring_producer(void *unused)
{
	unsigned long end = jiffies + msecs_to_jiffies(duration_ms);
	u32 seq = 0;

	while (!kthread_should_stop()) {
		if (duration_ms && time_after(jiffies, end))
			break;
		if (!ring_has_room()) {
			ring_count(&ring.stats.full_waits);
			wait_event_interruptible_timeout(ring.producer_wq,
							 ring_has_room() ||
							 kthread_should_stop(),
							 RING_WAIT);
			continue;
		}
		if (ring_produce_one(seq))
			seq++;
		cond_resched();
	}
	WRITE_ONCE(ring.producing, false);
	pr_info("producer on CPU %d done: %lu buffers pushed\n",
		raw_smp_processor_id(), ring.stats.produced);
	/* The thread must be there for kthread_stop(). */
	wait_event_interruptible(ring.producer_wq, kthread_should_stop());
	return 0;
}

/**
 * ring_check() - check a buffer against what the producer wrote
 * @slot: the ring entry of the buffer.
 *
 * Return: true if the header and every filled byte are as written.
 */
static bool ring_check(const struct ring_slot *slot)
{
	const struct ring_hdr *hdr = slot->buf;

	if (bufpool_buf_size(ring.pool, slot->buf) < slot->len)
		return false;
	if (hdr->seq != slot->seq || hdr->len != slot->len)
		return false;
	return !memchr_inv(hdr + 1, ring_fill_byte(slot->seq),
			   slot->len - sizeof(*hdr));
}

/**
 * ring_pop_one() - pop the oldest buffer of the ring and give it back
 * @check: check the buffer's contents first (the consumer does; the drain
 *	at unload does not need to).
 *
 * Only one thread at a time may pop: the consumer, or the module's exit
 * once the consumer has stopped.  The caller has made sure the ring holds a
 * buffer.
 */
static void ring_pop_one(bool check)
{
	struct ring_stats *st = &ring.stats;
	struct ring_slot *slot = &ring.slots[ring.tail & (ring.size - 1)];

	if (check) {
		if (!ring_check(slot)) {
			ring_count(&st->corrupt);
			pr_err_ratelimited("buffer %u (%u bytes) was corrupted\n",
					   slot->seq, slot->len);
		}
		ring_count(&st->consumed);
		ring_add(&st->consumed_bytes, slot->len);
		if (slot->cpu != raw_smp_processor_id())
			ring_count(&st->cross_cpu);
	} else {
		ring_count(&st->drained);
	}
	bufpool_return(ring.pool, slot->buf);
	slot->buf = NULL;
	/* The slot is free again once the producer sees the new tail. */
	smp_store_release(&ring.tail, ring.tail + 1);
	wake_up_interruptible(&ring.producer_wq);
}

static int ring_consumer(void *unused)
{
	while (!kthread_should_stop()) {
		if (!ring_has_buffer()) {
			ring_count(&ring.stats.empty_waits);
			wait_event_interruptible_timeout(ring.consumer_wq,
							 ring_has_buffer() ||
							 kthread_should_stop(),
							 RING_WAIT);
			continue;
		}
		ring_pop_one(true);
		cond_resched();
	}
	return 0;
}

static int ring_stats_show(struct seq_file *m, void *unused)
{
	const struct ring_stats *st = &ring.stats;
	unsigned long produced = READ_ONCE(st->produced);
	unsigned long consumed = READ_ONCE(st->consumed);
	int i;

	seq_printf(m, "producer_cpu %d\n", producer_cpu);
	seq_printf(m, "consumer_cpu %d\n", consumer_cpu);
	seq_printf(m, "ring_size %u\n", ring.size);
	seq_printf(m, "producing %d\n", READ_ONCE(ring.producing));
	seq_printf(m, "produced %lu\n", produced);
	seq_printf(m, "produced_bytes %lu\n", READ_ONCE(st->produced_bytes));
	for (i = 0; i < ARRAY_SIZE(ring_size_bounds); i++)
		seq_printf(m, "produced_le_%u %lu\n", ring_size_bounds[i],
			   READ_ONCE(st->by_size[i]));
	seq_printf(m, "take_failures %lu\n", READ_ONCE(st->take_failures));
	seq_printf(m, "ring_full_waits %lu\n", READ_ONCE(st->full_waits));
	seq_printf(m, "consumed %lu\n", consumed);
	seq_printf(m, "consumed_bytes %lu\n", READ_ONCE(st->consumed_bytes));
	seq_printf(m, "cross_cpu_returns %lu\n", READ_ONCE(st->cross_cpu));
	seq_printf(m, "corrupt %lu\n", READ_ONCE(st->corrupt));
	seq_printf(m, "ring_empty_waits %lu\n", READ_ONCE(st->empty_waits));
	/* Read without a lock: the two counts may be a few buffers apart. */
	seq_printf(m, "in_ring %lu\n", produced - min(consumed, produced));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ring_stats);

/**
 * ring_pick_cpus() - choose and check the two threads' CPUs
 *
 * Fills in producer_cpu and consumer_cpu when they are -1.  With a single
 * CPU online both threads share it, and no return is cross-CPU.
 *
 * Return: 0, or -EINVAL if a CPU given is not online.
 */
static int ring_pick_cpus(void)
{
	if (producer_cpu < 0)
		producer_cpu = cpumask_first(cpu_online_mask);
	if (producer_cpu >= nr_cpu_ids || !cpu_online(producer_cpu)) {
		pr_err("producer_cpu=%d is not an online CPU\n", producer_cpu);
		return -EINVAL;
	}
	if (consumer_cpu < 0) {
		consumer_cpu = cpumask_next(producer_cpu, cpu_online_mask);
		if (consumer_cpu >= nr_cpu_ids)
			consumer_cpu = cpumask_first(cpu_online_mask);
	}
	if (consumer_cpu >= nr_cpu_ids || !cpu_online(consumer_cpu)) {
		pr_err("consumer_cpu=%d is not an online CPU\n", consumer_cpu);
		return -EINVAL;
	}
	if (consumer_cpu == producer_cpu)
		pr_warn("producer and consumer share CPU %d: no cross-CPU returns\n",
			producer_cpu);
	return 0;
}

static struct task_struct *ring_start(int (*fn)(void *), int cpu,
				      const char *role)
{
	struct task_struct *t;

	t = kthread_create(fn, NULL, "bufpool_ring_%s", role);
	if (IS_ERR(t))
		return t;
	kthread_bind(t, cpu);
	wake_up_process(t);
	return t;
}

static int __init bufpool_ring_init(void)
{
	int ret;

	if (ring_size < 2 || ring_size > RING_SIZE_MAX) {
		pr_err("ring_size=%u is not between 2 and %u\n", ring_size,
		       RING_SIZE_MAX);
		return -EINVAL;
	}
	ret = ring_pick_cpus();
	if (ret)
		return ret;

	ring.size = roundup_pow_of_two(ring_size);
	ring.slots = kcalloc(ring.size, sizeof(*ring.slots), GFP_KERNEL);
	if (!ring.slots)
		return -ENOMEM;
	init_waitqueue_head(&ring.producer_wq);
	init_waitqueue_head(&ring.consumer_wq);

	/* Buckets from 64 B to 16 KiB: slab caches up to 4 KiB, pages above. */
	ring.pool = bufpool_create("ring", &(struct bufpool_params){
		.min_size = 64,
		.max_size = SZ_16K,
	});
	if (IS_ERR(ring.pool)) {
		ret = PTR_ERR(ring.pool);
		pr_err("creating pool \"ring\" failed: %pe\n", ring.pool);
		goto err_free;
	}

	ring_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("stats", 0400, ring_debugfs, NULL,
			    &ring_stats_fops);

	ring.producing = true;
	ring.consumer = ring_start(ring_consumer, consumer_cpu, "tx");
	if (IS_ERR(ring.consumer)) {
		ret = PTR_ERR(ring.consumer);
		goto err_destroy;
	}
	ring.producer = ring_start(ring_producer, producer_cpu, "rx");
	if (IS_ERR(ring.producer)) {
		ret = PTR_ERR(ring.producer);
		kthread_stop(ring.consumer);
		goto err_destroy;
	}
	pr_info("%u-slot ring: producer on CPU %d, consumer on CPU %d, for %u ms\n",
		ring.size, producer_cpu, consumer_cpu, duration_ms);
	return 0;

err_destroy:
	debugfs_remove_recursive(ring_debugfs);
	bufpool_destroy(ring.pool);
err_free:
	kfree(ring.slots);
	return ret;
}
module_init(bufpool_ring_init);

static void __exit bufpool_ring_exit(void)
{
	const struct ring_stats *st = &ring.stats;
	unsigned long returned;

	/*
	 * As a driver's stop does: the completion side first, then the
	 * receive side, which fills the ring until it is stopped; then give
	 * back what is left in the ring.
	 */
	kthread_stop(ring.consumer);
	kthread_stop(ring.producer);
	while (ring.head != ring.tail)
		ring_pop_one(false);
	debugfs_remove_recursive(ring_debugfs);
	/* Every buffer is back: the destroy reports a leak otherwise. */
	bufpool_destroy(ring.pool);
	kfree(ring.slots);

	returned = st->consumed + st->drained;
	if (returned == st->produced && !st->corrupt) {
		pr_info("stopped: %lu buffers (%lu bytes) taken and %lu returned (%lu on another CPU, %lu drained at unload): balanced\n",
			st->produced, st->produced_bytes, returned,
			st->cross_cpu, st->drained);
	} else {
		pr_err("stopped: %lu buffers taken but %lu returned, %lu corrupted: unbalanced\n",
		       st->produced, returned, st->corrupt);
	}
}
module_exit(bufpool_ring_exit);

MODULE_DESCRIPTION("bufpool example: a producer/consumer ring across two CPUs");
MODULE_LICENSE("GPL");
