// SPDX-License-Identifier: GPL-2.0
/*
 * bufpool counters: per-CPU on the fast path, summed here on read.
 *
 * The sums are snapshots: a CPU may be counting while another sums, so two
 * counters read one after the other can disagree by the events in flight.
 * In a quiet pool they are exact.  One counter is derived: a take from
 * this CPU's magazines counts only as a take, so that the inline fast path
 * counts one event, and cpu_hits is the takes that were neither depot hits
 * nor allocations.
 */
#include <linux/build_bug.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>

#include "internal.h"

const char * const bufpool_stat_names[] = {
	[BUFPOOL_STAT_TAKE]		= "takes",
	[BUFPOOL_STAT_RETURN]		= "returns",
	[BUFPOOL_STAT_CPU_HIT]		= "cpu_hits",
	[BUFPOOL_STAT_DEPOT_HIT]	= "depot_hits",
	[BUFPOOL_STAT_ALLOC]		= "allocs",
	[BUFPOOL_STAT_ALLOC_FAIL]	= "alloc_fails",
	[BUFPOOL_STAT_FREE]		= "frees",
	[BUFPOOL_STAT_OVER_BUDGET]	= "over_budget",
	[BUFPOOL_STAT_TRIM]		= "trimmed",
	[BUFPOOL_STAT_DRAIN]		= "drained",
	[BUFPOOL_STAT_DECAY]		= "decayed",
	[BUFPOOL_STAT_BAD_RETURN]	= "bad_returns",
};

static_assert(ARRAY_SIZE(bufpool_stat_names) == BUFPOOL_STAT_COUNT);

/* The derived counter; a snapshot of racing counts may not add up. */
static unsigned long bufpool_cpu_hits(unsigned long takes,
				      unsigned long depot_hits,
				      unsigned long allocs)
{
	return takes > depot_hits + allocs ? takes - depot_hits - allocs : 0;
}

/**
 * bufpool_stat_sum() - sum one counter over all CPUs
 * @pool: the pool
 * @slot: a bucket index, or bufpool_unpooled_slot()
 * @stat: the counter
 *
 * Context: any context.
 * Return: the sum.
 */
unsigned long bufpool_stat_sum(struct bufpool *pool, unsigned int slot,
			       enum bufpool_stat stat)
{
	unsigned long sum = 0;
	unsigned int cpu;

	if (stat == BUFPOOL_STAT_CPU_HIT)
		return bufpool_cpu_hits(bufpool_stat_sum(pool, slot, BUFPOOL_STAT_TAKE),
					bufpool_stat_sum(pool, slot, BUFPOOL_STAT_DEPOT_HIT),
					bufpool_stat_sum(pool, slot, BUFPOOL_STAT_ALLOC));

	for_each_possible_cpu(cpu) {
		struct bufpool_cpu *pcp = per_cpu_ptr(pool->f.cpu, cpu);

		/* Other CPUs count while we sum: a snapshot is all we promise. */
		sum += data_race(pcp->b[slot].stat[stat]);
	}
	/* And what interrupts counted while their CPU held the guard. */
	return sum + atomic_long_read(&bufpool_slot_bucket(pool, slot)->nested[stat]);
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_stat_sum);

/**
 * bufpool_outstanding() - buffers taken and not yet returned
 * @pool: the pool
 * @bytes: if not %NULL, set to their size in bytes
 *
 * Context: any context.
 * Return: the number of buffers out, over all buckets and unpooled.
 */
unsigned long bufpool_outstanding(struct bufpool *pool, size_t *bytes)
{
	unsigned long nr = 0, total = 0;
	long unpooled_bytes = 0;
	unsigned int cpu, i;

	for (i = 0; i <= pool->nr_buckets; i++) {
		long out = bufpool_stat_sum(pool, i, BUFPOOL_STAT_TAKE) -
			   bufpool_stat_sum(pool, i, BUFPOOL_STAT_RETURN);

		/* An undetected foreign return can push a bucket below 0. */
		if (out <= 0)
			continue;
		nr += out;
		if (i < pool->nr_buckets)
			total += out * pool->buckets[i].size;
	}
	for_each_possible_cpu(cpu) {
		/* A snapshot, as in bufpool_stat_sum(). */
		unpooled_bytes += data_race(per_cpu_ptr(pool->aux,
							cpu)->unpooled_bytes);
	}
	if (unpooled_bytes > 0)
		total += unpooled_bytes;
	if (bytes)
		*bytes = total;
	return nr;
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_outstanding);

/**
 * bufpool_inflight() - takes minus returns, over every slot
 * @pool: the pool
 *
 * Exact once nothing takes or returns meanwhile; with ownership exact, a
 * return always follows its take, so the sum never goes below zero when it
 * is read after the return that made it.
 *
 * Context: any context.
 * Return: the number of buffers out.
 */
long bufpool_inflight(struct bufpool *pool)
{
	long sum = 0;
	unsigned int i;

	for (i = 0; i <= pool->nr_buckets; i++)
		sum += bufpool_stat_sum(pool, i, BUFPOOL_STAT_TAKE) -
		       bufpool_stat_sum(pool, i, BUFPOOL_STAT_RETURN);
	return sum;
}

/* Buffers in @b's depot of @node, or in all its depots: a snapshot. */
static unsigned long bufpool_depot_bufs(const struct bufpool_bucket *b,
					int node)
{
	unsigned long bufs = 0;
	int nid;

	for (nid = 0; nid < nr_node_ids; nid++)
		if (bufpool_node_match(node, nid))
			/* Unlocked, like the per-CPU counts. */
			bufs += data_race(b->depots[nid].nr_bufs);
	return bufs;
}

/* Bytes in @pool's depots of @node, or in all of them: a snapshot. */
static size_t bufpool_depot_node_bytes(struct bufpool *pool, int node)
{
	size_t bytes = 0;
	unsigned int i;

	if (node == NUMA_NO_NODE)
		return atomic_long_read(&pool->depot_bytes);
	for (i = 0; i < pool->nr_buckets; i++)
		bytes += bufpool_depot_bufs(&pool->buckets[i], node) *
			 pool->buckets[i].size;
	return bytes;
}

/*
 * Idle buffers in the magazines of the CPUs whose memory node is @node (any
 * for NUMA_NO_NODE); their bytes in *@bytes.
 */
static unsigned long bufpool_cpus_idle(struct bufpool *pool, int node,
				       size_t *bytes)
{
	unsigned long bufs = 0;
	unsigned int cpu, i;

	*bytes = 0;
	/* A magazine seen here may move to the depot and be trimmed: RCU. */
	rcu_read_lock();
	for_each_possible_cpu(cpu) {
		struct bufpool_cpu *pcp = per_cpu_ptr(pool->f.cpu, cpu);

		if (!bufpool_node_match(node, cpu_to_mem(cpu)))
			continue;
		for (i = 0; i < pool->nr_buckets; i++) {
			struct bufpool_cpu_bucket *cb = &pcp->b[i];
			unsigned int n;

			/* The owning CPU pushes and pops meanwhile. */
			n = data_race(READ_ONCE(cb->loaded)->count) +
			    /* ... so this is a snapshot too. */
			    data_race(READ_ONCE(cb->prev)->count);
			bufs += n;
			*bytes += n * pool->buckets[i].size;
		}
	}
	rcu_read_unlock();
	return bufs;
}

/**
 * bufpool_idle() - idle buffers the pool holds
 * @pool: the pool
 * @nr: if not %NULL, set to the number of idle buffers
 *
 * Counts the depots, every CPU's magazines and the reserves.
 *
 * Context: any context.
 * Return: the bytes of the idle buffers.
 */
size_t bufpool_idle(struct bufpool *pool, unsigned long *nr)
{
	size_t bytes = atomic_long_read(&pool->depot_bytes);
	unsigned long bufs = 0;
	unsigned int i;
	size_t cpu_bytes, reserve_bytes;

	for (i = 0; i < pool->nr_buckets; i++)
		bufs += bufpool_depot_bufs(&pool->buckets[i], NUMA_NO_NODE);
	bufs += bufpool_cpus_idle(pool, NUMA_NO_NODE, &cpu_bytes);
	bufs += bufpool_reserve_held(pool, -1, &reserve_bytes);
	if (nr)
		*nr = bufs;
	return bytes + cpu_bytes + reserve_bytes;
}

/**
 * bufpool_node_idle() - bytes of idle buffers of one node's memory
 * @pool: the pool
 * @node: the node
 * @cpu_bytes: set to the bytes of them in the magazines of the node's CPUs
 *
 * The node's depots and the magazines of the CPUs whose memory node it is,
 * which hold only that node's memory: a walk, for debugfs.
 *
 * Context: any context.
 * Return: the bytes, depots and magazines.
 */
size_t bufpool_node_idle(struct bufpool *pool, int node, size_t *cpu_bytes)
{
	bufpool_cpus_idle(pool, node, cpu_bytes);
	return bufpool_depot_node_bytes(pool, node) + *cpu_bytes;
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_node_idle);

/**
 * bufpool_idle_estimate() - bytes of idle buffers, without a walk
 * @pool: the pool
 * @node: those of this node's memory, or all for %NUMA_NO_NODE
 *
 * The depots' bytes, exact, and the per-CPU magazines' as each CPU last
 * folded them on a slow path (a depot visit, a drain): within
 * bufpool::cpu_bound per CPU of the bytes they hold.  A read per bucket
 * and node, for the shrinker's count, which memory reclaim calls often;
 * no walk over the CPUs.
 *
 * Context: any context.
 * Return: the estimate in bytes.
 */
size_t bufpool_idle_estimate(struct bufpool *pool, int node)
{
	long cpu = 0;
	int nid;

	for (nid = 0; nid < nr_node_ids; nid++)
		if (bufpool_node_match(node, nid))
			cpu += atomic_long_read(&pool->nodes[nid].cpu_idle_bytes);
	return bufpool_depot_node_bytes(pool, node) + max(0L, cpu);
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_idle_estimate);

/**
 * bufpool_idle_bytes() - bytes of idle buffers the pool holds
 * @pool: the pool
 *
 * Context: any context.
 * Return: bytes in the depots plus bytes in every CPU's magazines.
 */
size_t bufpool_idle_bytes(struct bufpool *pool)
{
	return bufpool_idle(pool, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_idle_bytes);

/* Raise *@peak to @val if it is higher; racing raisers keep the highest. */
static void bufpool_raise(unsigned long *peak, long val)
{
	unsigned long old = READ_ONCE(*peak);

	while (val > 0 && val > old)
		if (try_cmpxchg(peak, &old, val))
			break;
}

/**
 * bufpool_add_out() - fold buffers taken or returned into the approximations
 * @pool: the pool
 * @b: the bucket, or &pool->unpooled
 * @nr: buffers, positive for takes, negative for returns
 * @bytes: their size in bytes, with the same sign
 *
 * Called on slow paths only (a CPU visiting the depot folds what its
 * magazines saw since its last visit), so the approximate counts and the
 * peaks derived from them cost the fast path one per-CPU add.
 *
 * Context: any context.
 */
void bufpool_add_out(struct bufpool *pool, struct bufpool_bucket *b, long nr,
		     long bytes)
{
	bufpool_raise(&b->peak_out, atomic_long_add_return(nr, &b->out_approx));
	bufpool_raise(&pool->peak_bytes,
		      atomic_long_add_return(bytes, &pool->out_bytes_approx));
}

/**
 * bufpool_reset_peak() - restart the peak counts from the current values
 * @pool: the pool
 *
 * Context: any context.
 */
void bufpool_reset_peak(struct bufpool *pool)
{
	unsigned int i;

	for (i = 0; i < pool->nr_buckets; i++) {
		struct bufpool_bucket *b = &pool->buckets[i];

		WRITE_ONCE(b->peak_out, max(0L, atomic_long_read(&b->out_approx)));
	}
	WRITE_ONCE(pool->unpooled.peak_out,
		   max(0L, atomic_long_read(&pool->unpooled.out_approx)));
	WRITE_ONCE(pool->peak_bytes,
		   max(0L, atomic_long_read(&pool->out_bytes_approx)));
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_reset_peak);

/**
 * bufpool_stat_read() - sum every counter of one slot over all CPUs
 * @pool: the pool
 * @slot: a bucket index, or bufpool_unpooled_slot()
 * @sum: filled with the sums, indexed by enum bufpool_stat
 *
 * One pass over the CPUs instead of one per counter, for the debugfs files.
 * A snapshot, as bufpool_stat_sum() is.
 *
 * Context: any context.
 */
void bufpool_stat_read(struct bufpool *pool, unsigned int slot,
		       unsigned long sum[BUFPOOL_STAT_COUNT])
{
	unsigned int cpu, i;

	memset(sum, 0, BUFPOOL_STAT_COUNT * sizeof(*sum));
	for_each_possible_cpu(cpu) {
		struct bufpool_cpu *pcp = per_cpu_ptr(pool->f.cpu, cpu);

		for (i = 0; i < BUFPOOL_STAT_COUNT; i++) {
			/* Other CPUs count meanwhile: a snapshot. */
			sum[i] += data_race(pcp->b[slot].stat[i]);
		}
	}
	for (i = 0; i < BUFPOOL_STAT_COUNT; i++)
		sum[i] += atomic_long_read(&bufpool_slot_bucket(pool, slot)->nested[i]);
	sum[BUFPOOL_STAT_CPU_HIT] = bufpool_cpu_hits(sum[BUFPOOL_STAT_TAKE],
						     sum[BUFPOOL_STAT_DEPOT_HIT],
						     sum[BUFPOOL_STAT_ALLOC]);
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_stat_read);

/**
 * bufpool_bucket_idle() - idle buffers of one bucket
 * @pool: the pool
 * @idx: the bucket index
 * @node: those of this node's memory, or all for %NUMA_NO_NODE
 *
 * Counts the bucket's depots and the CPUs' magazines (of the CPUs whose
 * memory node is @node), as bufpool_idle() does for the whole pool, and
 * for %NUMA_NO_NODE its reserve.
 *
 * Context: any context.
 * Return: the number of idle buffers of bucket @idx.
 */
unsigned long bufpool_bucket_idle(struct bufpool *pool, unsigned int idx,
				  int node)
{
	unsigned long bufs;
	unsigned int cpu;

	bufs = bufpool_depot_bufs(&pool->buckets[idx], node);
	/* The reserve's buffers are of no node in particular. */
	if (node == NUMA_NO_NODE)
		bufs += bufpool_reserve_held(pool, idx, NULL);

	/* As in bufpool_idle(): a magazine seen here may be freed by RCU. */
	rcu_read_lock();
	for_each_possible_cpu(cpu) {
		struct bufpool_cpu_bucket *cb = &per_cpu_ptr(pool->f.cpu, cpu)->b[idx];

		if (!bufpool_node_match(node, cpu_to_mem(cpu)))
			continue;
		/* The owning CPU pushes and pops meanwhile. */
		bufs += data_race(READ_ONCE(cb->loaded)->count);
		/* ... so this is a snapshot too. */
		bufs += data_race(READ_ONCE(cb->prev)->count);
	}
	rcu_read_unlock();
	return bufs;
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_bucket_idle);
