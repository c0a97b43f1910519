// SPDX-License-Identifier: GPL-2.0
/*
 * bufpool pools: create and destroy, the shared pool, the shrinker, CPU
 * hotplug, and the module's init and exit.
 *
 * A destroyed pool with buffers still out moves to a "dying" list and lives
 * on until the last buffer is returned (page_pool's deferred release): the
 * return that brings its count of buffers out to zero queues a work item
 * that frees it.  At module unload the
 * pools that nobody destroyed are destroyed, and pools whose buffers can no
 * longer come back (their users are unloaded) are reported and freed
 * without freeing those buffers.
 */
#include <linux/cpuhotplug.h>
#include <linux/ctype.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"

/*
 * Protects bufpool_pools, bufpool_dying, bufpool_next_id, bufpool_tombstones
 * and bufpool_nr_tombstones.
 */
DEFINE_MUTEX(bufpool_mutex);
/* Live pools. */
LIST_HEAD(bufpool_pools);
/* Destroyed pools waiting for their buffers. */
static LIST_HEAD(bufpool_dying);
static unsigned int bufpool_next_id;
/*
 * Tombstones: what is left of freed pools that were tracked, newest last, so
 * that a call through a stale pointer to one is caught (see bufpool_bury()).
 */
static LIST_HEAD(bufpool_tombstones);
static unsigned int bufpool_nr_tombstones;
#define BUFPOOL_TOMBSTONES		64

/* Frees pools whose last buffer came back. */
static struct workqueue_struct *bufpool_wq;
static struct bufpool *bufpool_shared_pool;
static enum cpuhp_state bufpool_cpuhp_state;
/* Set by bufpool_exit(): the unload report replaces the destroy reports. */
static bool bufpool_unloading;

/* === Parameters === */

static bool bufpool_name_valid(const char *name)
{
	size_t len, i;

	if (!name)
		return false;
	len = strnlen(name, BUFPOOL_NAME_MAX + 1);
	if (!len || len > BUFPOOL_NAME_MAX)
		return false;
	/*
	 * It names slab caches, debugfs directories and log lines: no '/',
	 * no blanks, and no "." or ".." (the first character is alphanumeric).
	 */
	if (!isalnum(name[0]))
		return false;
	for (i = 1; i < len; i++)
		if (!isalnum(name[i]) && !strchr("_.-", name[i]))
			return false;
	return true;
}

/* The decay period of pools whose bufpool_params.decay_ms is 0; 0: none. */
static unsigned int bufpool_decay_ms = 5000;
module_param_named(decay_ms, bufpool_decay_ms, uint, 0644);
MODULE_PARM_DESC(decay_ms,
		 "decay period in ms of pools created from now on: the depot frees what nobody took in a period (0: no decay)");

/*
 * Fill in the defaults and check the result.  A zero field never makes the
 * other fields invalid: the default max_size grows to min_size and the
 * default min_size shrinks to max_size.
 */
static int bufpool_params_resolve(const struct bufpool_params *in,
				  struct bufpool_params *p)
{
	*p = in ? *in : (struct bufpool_params){};

	if (p->flags & ~(BUFPOOL_F_NO_INIT | BUFPOOL_F_TRACK | BUFPOOL_F_STRICT))
		return -EINVAL;
	if (!p->min_size)
		p->min_size = p->max_size ?
			      min_t(size_t, BUFPOOL_DEFAULT_MIN_SIZE, p->max_size) :
			      BUFPOOL_DEFAULT_MIN_SIZE;
	if (!p->max_size)
		p->max_size = max_t(size_t, BUFPOOL_DEFAULT_MAX_SIZE, p->min_size);
	if (!is_power_of_2(p->min_size) || p->min_size < BUFPOOL_MIN_SIZE_MIN)
		return -EINVAL;
	if (!is_power_of_2(p->max_size) || p->max_size > BUFPOOL_SIZE_MAX ||
	    p->max_size < p->min_size)
		return -EINVAL;
	if (!p->decay_ms)
		p->decay_ms = READ_ONCE(bufpool_decay_ms) ?: BUFPOOL_DECAY_OFF;
	if (!p->max_cached_bytes)
		p->max_cached_bytes = BUFPOOL_DEFAULT_BUDGET_MULT * p->max_size;
	p->max_cached_bytes = min_t(size_t, p->max_cached_bytes, LONG_MAX);
	if (!p->cpu_cache_bytes)
		p->cpu_cache_bytes = BUFPOOL_CPU_CACHE_DEFAULT;
	return 0;
}

/*
 * What one CPU's magazines hold at most if each holds up to @mag_bytes:
 * two magazines of min(BUFPOOL_MAG_MAX, @mag_bytes / size) buffers for
 * each bucket of a size up to @mag_bytes, none for the larger ones.
 */
static size_t bufpool_cpu_bytes(const struct bufpool *pool, size_t mag_bytes)
{
	size_t size, bytes = 0;

	for (size = pool->min_size; size <= min(mag_bytes, pool->f.max_size);
	     size <<= 1)
		bytes += 2 * min_t(size_t, BUFPOOL_MAG_MAX, mag_bytes / size) *
			 size;
	return bytes;
}

/*
 * The geometry of the buckets.  The per-CPU magazines hold at most
 * @cpu_cache_bytes per CPU: the largest power of two of magazine bytes,
 * from BUFPOOL_MAG_BYTES (or max_size, if larger) down to min_size, whose
 * bufpool_cpu_bytes() fits (none: every bucket is depot-only).  A bucket
 * larger than that is served by the depot alone, whose magazines then hold
 * one buffer each.
 */
static void bufpool_init_buckets(struct bufpool *pool, size_t cpu_cache_bytes)
{
	size_t mag_bytes = max_t(size_t, BUFPOOL_MAG_BYTES, pool->f.max_size);
	unsigned int i;

	while (mag_bytes >= pool->min_size &&
	       bufpool_cpu_bytes(pool, mag_bytes) > cpu_cache_bytes)
		mag_bytes >>= 1;
	if (mag_bytes < pool->min_size)
		mag_bytes = 0;
	pool->cpu_cache_bytes = cpu_cache_bytes;
	pool->cpu_bound = bufpool_cpu_bytes(pool, mag_bytes);

	pool->unpooled.pool = pool;
	for (i = 0; i < pool->nr_buckets; i++) {
		struct bufpool_bucket *b = &pool->buckets[i];

		b->pool = pool;
		b->size = pool->min_size << i;
		b->order = b->size > PAGE_SIZE ? get_order(b->size) : 0;
		b->cpu_limit = min_t(size_t, BUFPOOL_MAG_MAX,
				     mag_bytes / b->size);
		b->mag_size = b->cpu_limit ?: 1;
	}
}

/* === Registry === */

/*
 * Put @pool on the live list unless its name is taken.  A destroyed
 * namesake that still has buffers out keeps its slab caches, so then the
 * new pool gets an id that makes its cache names unique.
 */
static int bufpool_register(struct bufpool *pool)
{
	struct bufpool *other;
	int err = 0;

	mutex_lock(&bufpool_mutex);
	list_for_each_entry(other, &bufpool_pools, list) {
		if (!strcmp(other->name, pool->name)) {
			err = -EEXIST;
			goto unlock;
		}
	}
	list_for_each_entry(other, &bufpool_dying, list) {
		if (!strcmp(other->name, pool->name)) {
			pool->id = ++bufpool_next_id;
			break;
		}
	}
	list_add_tail(&pool->list, &bufpool_pools);
unlock:
	mutex_unlock(&bufpool_mutex);
	return err;
}

static void bufpool_unlink(struct bufpool *pool)
{
	mutex_lock(&bufpool_mutex);
	list_del(&pool->list);
	mutex_unlock(&bufpool_mutex);
}

static void bufpool_tombstone_free(struct bufpool *pool)
{
	bufpool_reserve_exit(pool);
	bufpool_cache_free_depots(pool);
	free_percpu(pool->f.cpu);
	free_percpu(pool->aux);
	kfree(pool);
}

/*
 * Keep @pool, freed but for its structure and per-CPU counters, as a
 * tombstone.  Using a pool after bufpool_destroy() and the return of its
 * last buffer is a bug, as for a kmem_cache; in a pool tracked by count or
 * strict (a debugging setup: track.debug; not one sampled by time alone)
 * it is caught rather than left to use freed memory: the ref is
 * dead, so takes fail and say so, and there is no cache or page tag left, so
 * returns are rejected.  The newest BUFPOOL_TOMBSTONES are kept.
 */
static void bufpool_bury(struct bufpool *pool)
{
	struct bufpool *old = NULL;

	WRITE_ONCE(pool->track.buried, true);
	bufpool_cache_free_mags(pool);
	mutex_lock(&bufpool_mutex);
	list_move_tail(&pool->list, &bufpool_tombstones);
	if (++bufpool_nr_tombstones > BUFPOOL_TOMBSTONES) {
		old = list_first_entry(&bufpool_tombstones, struct bufpool,
				       list);
		list_del(&old->list);
		bufpool_nr_tombstones--;
	}
	mutex_unlock(&bufpool_mutex);
	if (old)
		bufpool_tombstone_free(old);
}

/* Free a pool nobody can reach any more (but through a stale pointer). */
static void bufpool_free(struct bufpool *pool)
{
	/* Not at unload: nothing can call into bufpool after that. */
	bool bury = READ_ONCE(pool->track.debug) && !bufpool_unloading;

	/* The last return may still be in bufpool_return_done(): let it end. */
	synchronize_rcu();
	/* Or in the deferred returns' work item (PREEMPT_RT). */
	bufpool_defer_flush(pool);
	/* Or in the irq_work that returned what an NMI returned. */
	bufpool_nolock_sync(pool);
	/* First: drops the records of buffers that never came back. */
	bufpool_track_pool_exit(pool);
	/* Caches first: a namesake created meanwhile must not clash. */
	bufpool_backend_exit(pool);
	if (bury) {
		bufpool_bury(pool);
		return;
	}
	bufpool_unlink(pool);
	bufpool_reserve_exit(pool);
	bufpool_cache_exit(pool);
	kfree(pool);
}

static void bufpool_free_work(struct work_struct *work)
{
	bufpool_free(container_of(work, struct bufpool, free_work));
}

/* Free a destroyed pool, once, if none of its buffers is out; any context. */
static void bufpool_try_release(struct bufpool *pool)
{
	if (bufpool_inflight(pool) || test_and_set_bit(0, &pool->released))
		return;
	queue_work(bufpool_wq, &pool->free_work);
}

/**
 * bufpool_return_done() - a return of @pool's has been counted
 * @pool: the pool
 *
 * For returns outside a guarded section (those inside one are waited for
 * by bufpool_destroy()): if the pool is destroyed, the return that brings
 * its buffers out to zero frees it.  Of two such returns at once, at least
 * one sees both counts (each counts, then reads: full barriers between),
 * and bufpool_try_release() frees the pool once.
 *
 * Context: any context but NMI, in an RCU read-side critical section that
 * also holds the count: the pool may be freed after it.
 */
void bufpool_return_done(struct bufpool *pool)
{
	/* Paired with bufpool_destroy(): it sets synced, then counts. */
	smp_mb();
	if (unlikely(READ_ONCE(pool->synced)))
		bufpool_try_release(pool);
}

/* === Shrinker === */

/*
 * The shrinker counts and frees in pages, the unit of every other
 * shrinker: a scan of 128 frees about 512 KiB (whole magazines, so up to
 * one magazine of the last bucket more), whatever the buffers' size.  It
 * is NUMA-aware: a node's count and scan are that node's memory, its
 * depots and the magazines of its CPUs, which hold only its memory.  The
 * count reads a counter per bucket and node and walks no CPU
 * (bufpool_idle_estimate()); since the magazines' bytes are as each CPU
 * last folded them, a node whose CPUs took returns since the last drain
 * counts one CPU's bound more, so that memory they filled by inline
 * returns alone is not invisible: the scan drains them.
 */
static unsigned long bufpool_shrink_count(struct shrinker *shrinker,
					  struct shrink_control *sc)
{
	struct bufpool *pool = *bufpool_shrinker_data(shrinker);
	size_t bytes = bufpool_idle_estimate(pool, sc->nid);

	if (READ_ONCE(pool->nodes[sc->nid].unfolded))
		bytes += pool->cpu_bound;
	return DIV_ROUND_UP(bytes, PAGE_SIZE) ?: SHRINK_EMPTY;
}

static unsigned long bufpool_shrink_scan(struct shrinker *shrinker,
					 struct shrink_control *sc)
{
	struct bufpool *pool = *bufpool_shrinker_data(shrinker);
	size_t want = size_mul(sc->nr_to_scan, PAGE_SIZE);
	unsigned long nr;
	size_t freed;

	freed = bufpool_depot_trim_bytes(pool, sc->nid, want,
					 BUFPOOL_STAT_TRIM, &nr);
	/*
	 * The depot was not enough: the rest sits in per-CPU magazines, which
	 * only their own CPU may touch.  Start emptying those of the node's
	 * CPUs; the next scan sees the result.
	 */
	if (freed < want)
		bufpool_drain_all_async(pool, sc->nid);
	return DIV_ROUND_UP(freed, PAGE_SIZE) ?: SHRINK_STOP;
}

static int bufpool_shrinker_init(struct bufpool *pool)
{
	pool->shrinker = shrinker_alloc(SHRINKER_NUMA_AWARE, "bufpool-%s", pool->name);
	if (!pool->shrinker)
		return -ENOMEM;
	pool->shrinker->count_objects = bufpool_shrink_count;
	pool->shrinker->scan_objects = bufpool_shrink_scan;
	*bufpool_shrinker_data(pool->shrinker) = pool;
	shrinker_register(pool->shrinker);
	return 0;
}

/* === Public API === */

struct bufpool *bufpool_create(const char *name,
			       const struct bufpool_params *params)
{
	struct bufpool_params p;
	struct bufpool *pool;
	unsigned int nr;
	int err;

	might_sleep();
	if (!bufpool_name_valid(name))
		return ERR_PTR(-EINVAL);
	err = bufpool_params_resolve(params, &p);
	if (err)
		return ERR_PTR(err);

	nr = ilog2(p.max_size) - ilog2(p.min_size) + 1;
	pool = kzalloc(struct_size(pool, buckets, nr), GFP_KERNEL);
	if (!pool)
		return ERR_PTR(-ENOMEM);
	strscpy(pool->name, name);
	pool->min_size = p.min_size;
	pool->f.max_size = p.max_size;
	pool->max_cached_bytes = p.max_cached_bytes;
	pool->f.min_shift = ilog2(p.min_size);
	pool->nr_buckets = nr;
	pool->flags = p.flags;
	/* Bits 1 and 0 are 0 and 1: see __bufpool_idle_mark(). */
	pool->f.cookie = (get_random_long() | 1) & ~2UL;
	/* Both are fixed at boot: the inline paths test a bit instead. */
	bufpool_set_slow(pool, BUFPOOL_INIT_TAKE_BIT,
			 !(p.flags & BUFPOOL_F_NO_INIT) && want_init_on_alloc(0));
	bufpool_set_slow(pool, BUFPOOL_INIT_RETURN_BIT,
			 !(p.flags & BUFPOOL_F_NO_INIT) && want_init_on_free());
	pool->creator = _RET_IP_;
	atomic_long_set(&pool->depot_bytes, 0);
	INIT_WORK(&pool->free_work, bufpool_free_work);
	INIT_DELAYED_WORK(&pool->decay_work, bufpool_decay_work);
	mutex_init(&pool->reserve_mutex);
	spin_lock_init(&pool->reserve_lock);
	pool->decay_jiffies = p.decay_ms == BUFPOOL_DECAY_OFF ? 0 :
			      max(msecs_to_jiffies(p.decay_ms), 1UL);
	bufpool_init_buckets(pool, p.cpu_cache_bytes);
	bufpool_defer_init(pool);
	bufpool_track_pool_init(pool, p.flags, p.track_sample,
				p.sample_interval_ms);

	err = bufpool_cache_init(pool);
	if (err)
		goto err_cache;
	err = bufpool_register(pool);
	if (err)
		goto err_cache;
	err = bufpool_backend_init(pool);
	if (err)
		goto err_unregister;
	err = bufpool_shrinker_init(pool);
	if (err)
		goto err_backend;
	/* Last: from here on, readers may look at the pool. */
	bufpool_debugfs_add(pool);
	bufpool_track_start(pool);
	return pool;

err_backend:
	bufpool_backend_exit(pool);
err_unregister:
	bufpool_unlink(pool);
err_cache:
	bufpool_cache_exit(pool);
	bufpool_track_pool_exit(pool);
	kfree(pool);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_GPL(bufpool_create);

/* slow path: bufpool_destroy() or bufpool_clear() of a destroyed pool */
noinline bool bufpool_misused_dead(struct bufpool *pool, const char *what,
				   unsigned long caller)
{
	if (!READ_ONCE(pool->dead))
		return false;
	pr_err_ratelimited("bufpool: %s: %s of a destroyed pool by %pS: ignored%s\n",
			   pool->name, what, (void *)caller,
			   READ_ONCE(pool->track.buried) ?
			   " (the pool is freed: a use after destroy)" : "");
	return true;
}

void bufpool_destroy(struct bufpool *pool)
{
	if (!pool)
		return;
	might_sleep();
	if (bufpool_misused_dead(pool, "destroy", _RET_IP_))
		return;

	/* First: waits for readers of the pool's files, and stops new ones. */
	bufpool_debugfs_remove(pool);
	mutex_lock(&bufpool_mutex);
	list_move_tail(&pool->list, &bufpool_dying);
	mutex_unlock(&bufpool_mutex);
	shrinker_free(pool->shrinker);
	pool->shrinker = NULL;
	bufpool_drain_cancel(pool);

	/* From now on takes fail and returns free their buffer. */
	WRITE_ONCE(pool->dead, true);
	bufpool_set_slow(pool, BUFPOOL_SLOW_DEAD_BIT, true);
	/* Takes waiting for a reserve give up. */
	bufpool_reserve_wake(pool);
	/*
	 * Takes and returns test it inside their guarded section, an RCU
	 * read-side critical section, and slow takes inside an SRCU one:
	 * after both grace periods no take is counted any more and no CPU
	 * touches the magazines again.
	 */
	synchronize_rcu();
	synchronize_srcu(&bufpool_srcu);
	/* No depot visit can queue it any more, nor a take this one. */
	cancel_delayed_work_sync(&pool->decay_work);
	bufpool_track_stop(pool);
	/* Nor can the step queue these any more. */
	bufpool_decay_cancel(pool);
	/* Deferred returns (PREEMPT_RT) are returns, not buffers out. */
	bufpool_defer_flush(pool);
	bufpool_cache_release(pool);
	bufpool_reserve_release(pool);
	/* Frees quarantined buffers, reports the ones still out. */
	bufpool_track_destroy(pool, !bufpool_unloading);
	/*
	 * The count of buffers out can only fall now: from here on the
	 * return that brings it to zero frees the pool; if it is zero, this.
	 */
	WRITE_ONCE(pool->synced, true);
	/* Paired with bufpool_return_done(): each side writes, then reads. */
	smp_mb();
	bufpool_try_release(pool);
}
EXPORT_SYMBOL_GPL(bufpool_destroy);

void bufpool_clear(struct bufpool *pool)
{
	might_sleep();
	/* A destroyed pool has no idle buffer: its destroy freed them. */
	if (pool && !bufpool_misused_dead(pool, "clear", _RET_IP_))
		bufpool_drain_all(pool);
}
EXPORT_SYMBOL_GPL(bufpool_clear);

struct bufpool *bufpool_shared(void)
{
	return bufpool_shared_pool;
}
EXPORT_SYMBOL_GPL(bufpool_shared);

/* === CPU hotplug === */

/**
 * bufpool_cpu_dead_all() - empty a dead CPU's magazines in every pool
 * @cpu: the CPU, already dead
 *
 * The teardown callback of a CPUHP_BP_PREPARE_DYN state: it runs on a
 * control CPU after @cpu has stopped, so nothing touches @cpu's magazines.
 *
 * Context: process context, CPU hotplug lock held.
 * Return: 0.
 */
int bufpool_cpu_dead_all(unsigned int cpu)
{
	struct bufpool *pool;

	mutex_lock(&bufpool_mutex);
	list_for_each_entry(pool, &bufpool_pools, list)
		bufpool_drain_cpu(pool, cpu);
	mutex_unlock(&bufpool_mutex);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_cpu_dead_all);

/* === Module === */

static int __init bufpool_init(void)
{
	int ret;

	ret = bufpool_track_init();
	if (ret)
		return ret;
	bufpool_wq = alloc_workqueue("bufpool", WQ_UNBOUND, 0);
	if (!bufpool_wq) {
		ret = -ENOMEM;
		goto err_track;
	}
	bufpool_debugfs_init();

	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "bufpool:dead",
					NULL, bufpool_cpu_dead_all);
	if (ret < 0)
		goto err_wq;
	bufpool_cpuhp_state = ret;

	bufpool_shared_pool = bufpool_create("shared", NULL);
	if (IS_ERR(bufpool_shared_pool)) {
		ret = PTR_ERR(bufpool_shared_pool);
		goto err_cpuhp;
	}
	return 0;

err_cpuhp:
	cpuhp_remove_state_nocalls(bufpool_cpuhp_state);
err_wq:
	bufpool_debugfs_exit();
	destroy_workqueue(bufpool_wq);
err_track:
	bufpool_track_exit();
	return ret;
}

/* Destroy the live pools; their creators are gone. */
static void bufpool_destroy_abandoned(void)
{
	struct bufpool *pool;

	for (;;) {
		mutex_lock(&bufpool_mutex);
		pool = list_first_entry_or_null(&bufpool_pools, struct bufpool,
						list);
		mutex_unlock(&bufpool_mutex);
		if (!pool)
			break;
		pr_warn("bufpool: %s: never destroyed by its creator %s\n",
			pool->name, pool->track.creator);
		bufpool_destroy(pool);
	}
}

static void __exit bufpool_exit(void)
{
	struct bufpool *pool, *tmp;

	bufpool_unloading = true;
	bufpool_track_stop_checks();
	cpuhp_remove_state_nocalls(bufpool_cpuhp_state);
	bufpool_destroy(bufpool_shared_pool);
	bufpool_destroy_abandoned();

	/* Pools whose last buffer came back may be being freed: let them. */
	destroy_workqueue(bufpool_wq);

	/* Whoever holds these buffers is unloaded: they never come back. */
	list_for_each_entry_safe(pool, tmp, &bufpool_dying, list) {
		bufpool_track_report_unload(pool);
		bufpool_free(pool);
	}
	list_for_each_entry_safe(pool, tmp, &bufpool_tombstones, list)
		bufpool_tombstone_free(pool);
	bufpool_debugfs_exit();
	bufpool_track_exit();
}

module_init(bufpool_init);
module_exit(bufpool_exit);

MODULE_DESCRIPTION("bufpool: bucketed buffer pool for kernel modules");
MODULE_LICENSE("GPL");
MODULE_VERSION(BUFPOOL_VERSION);	/* dkms.conf's PACKAGE_VERSION, via Kbuild */
