// SPDX-License-Identifier: GPL-2.0
/*
 * bufpool_bench: how fast bufpool is against the allocators it stands in
 * for, measured in one run: kmalloc/kfree, kmem_cache_alloc/free of a
 * same-size cache, mempool over kmalloc, alloc_pages/__free_pages,
 * kvmalloc/kvfree, and bufpool untracked (with and without
 * BUFPOOL_F_NO_INIT), sampled 1/1024 and 1/64, tracked and strict; and
 * "touch", no allocator at all: 64 buffers handed round from an array,
 * the floor that the buffers' own memory puts under every allocator's
 * burst (the bench's store into each, the TLB and the caches).
 *
 * Patterns: "pair" (take, touch, return), "burst" (take 64, return 64),
 * "capped" (a pair, then a buffer of another bucket freed by the pool at
 * its cap; kmalloc: a pair and a kfree),
 * "mix" (a driver-like load: skewed sizes, 256 buffers held, a random one
 * replaced at each step), and with two CPUs or more "remote" (taken on one
 * CPU, returned on another through a ring) and "scale" (the pair loop on
 * 1, 2, 4... CPUs at once: aggregate operations per second).
 *
 * Each figure is the median of BB_REPS timed repetitions (ktime_get_ns())
 * after a warm-up one, with the fastest and slowest beside it.  Results go
 * to the kernel log as lines
 *
 *	bufpool_bench: csv,<pattern>,<allocator>,<size>,<ns median>,<ns min>,<ns max>
 *
 * (ns per take+return pair; for "scale", million pairs per second summed
 * over the CPUs instead), which bench/report.py turns into tables, a CSV
 * and plots, with every figure also as a ratio to kmalloc or alloc_pages
 * of the same run.  "bufpool_bench: # ..." lines say how the run was set.
 *
 * Built into a UML kernel (bench/bench.kunitconfig) it runs as a KUnit
 * suite with one case; as a module (the VM) it runs at load and stays
 * loaded until removed.  scale=N divides the iterations (TCG is slow).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/mempool.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/trace_events.h>
#include <linux/vmalloc.h>

#include "../include/bufpool.h"
#include "../module/compat.h"

static unsigned int scale = 1;
module_param(scale, uint, 0444);
MODULE_PARM_DESC(scale, "divide the iterations by this (slow machines)");

static char *patterns = "pair,burst,capped,mix,remote,scale";
module_param(patterns, charp, 0444);
MODULE_PARM_DESC(patterns, "the patterns to run, comma-separated");

static char *allocs = "";
module_param(allocs, charp, 0444);
MODULE_PARM_DESC(allocs,
		 "only these allocators, comma-separated (default: all)");

/* Whether comma-separated @list names @word. */
static bool bb_listed(const char *list, const char *word)
{
	const char *p = list;
	size_t len = strlen(word);

	while ((p = strstr(p, word))) {
		if ((p == list || p[-1] == ',') && (p[len] == ',' || !p[len]))
			return true;
		p += len;
	}
	return false;
}

#define BB_REPS		7
#define BB_BURST	64
#define BB_HELD		256
#define BB_MIX_STEPS	4096

/* The allocators, each with a loop of its own: no indirect call is timed. */
enum bb_alloc {
	BB_KMALLOC,
	BB_KMEM_CACHE,
	BB_MEMPOOL,
	BB_PAGES,
	BB_KVMALLOC,
	BB_BUFPOOL,
	BB_BUFPOOL_NO_INIT,
	BB_BUFPOOL_OTHER,
	BB_BUFPOOL_TIMED,
	BB_BUFPOOL_S1024,
	BB_BUFPOOL_S64,
	BB_BUFPOOL_TRACK,
	BB_BUFPOOL_STRICT,
	BB_BUFPOOL_TRACED,
	BB_BUFPOOL_CPU16M,
	BB_BUFPOOL_BULK,
	BB_BUFPOOL_BULK_NO_INIT,
	BB_BUFPOOL_NOLOCK,
	BB_BUFPOOL_RESERVE,
	BB_TOUCH,
	BB_NR_ALLOC
};

static const char * const bb_names[BB_NR_ALLOC] = {
	[BB_KMALLOC]		= "kmalloc",
	[BB_KMEM_CACHE]		= "kmem_cache",
	[BB_MEMPOOL]		= "mempool",
	[BB_PAGES]		= "alloc_pages",
	[BB_KVMALLOC]		= "kvmalloc",
	[BB_BUFPOOL]		= "bufpool",
	[BB_BUFPOOL_NO_INIT]	= "bufpool_no_init",
	[BB_BUFPOOL_OTHER]	= "bufpool_other_tracked",
	[BB_BUFPOOL_TIMED]	= "bufpool_timed",
	[BB_BUFPOOL_S1024]	= "bufpool_sample1024",
	[BB_BUFPOOL_S64]	= "bufpool_sample64",
	[BB_BUFPOOL_TRACK]	= "bufpool_track",
	[BB_BUFPOOL_STRICT]	= "bufpool_strict",
	[BB_BUFPOOL_TRACED]	= "bufpool_traced",
	[BB_BUFPOOL_CPU16M]	= "bufpool_cpu16m",
	[BB_BUFPOOL_BULK]	= "bufpool_bulk",
	[BB_BUFPOOL_BULK_NO_INIT] = "bufpool_bulk_no_init",
	[BB_BUFPOOL_NOLOCK]	= "bufpool_nolock",
	[BB_BUFPOOL_RESERVE]	= "bufpool_reserve",
	[BB_TOUCH]		= "touch",
};

/* What one measurement uses; set up before the clock starts. */
struct bb_ctx {
	enum bb_alloc alloc;
	size_t size;
	struct bufpool *pool;
	struct kmem_cache *cache;
	mempool_t *mempool;
	struct bufpool *own;
	unsigned int order;
	/* BB_TOUCH's buffers, and how many are in the array. */
	void *held[BB_BURST];
	unsigned int nr_held;
};

static struct bufpool *bb_pools[BB_NR_ALLOC];

/*
 * The pools: the untracked ones live through the run; a tracked or strict
 * one exists only while it is measured, because while any pool is tracked
 * every return takes the tracking path (bufpool_other_tracked measures
 * that: the untracked pool while a tracked one exists).
 */
static const struct {
	enum bb_alloc alloc;
	const char *name;
	unsigned int flags;
	unsigned int sample;
	size_t cpu_cache_bytes;
	bool timed;
} bb_pool_kinds[] = {
	{ BB_BUFPOOL, "bench", 0, 0 },
	{ BB_BUFPOOL_NO_INIT, "bench-noinit", BUFPOOL_F_NO_INIT, 0 },
	{ BB_BUFPOOL_OTHER, "bench-other", BUFPOOL_F_TRACK, 1 },
	/* Timed sampling at bufpool.sample_interval_ms, its default. */
	{ BB_BUFPOOL_TIMED, "bench-timed", 0, 0, 0, true },
	{ BB_BUFPOOL_S1024, "bench-s1024", BUFPOOL_F_TRACK, 1024 },
	{ BB_BUFPOOL_S64, "bench-s64", BUFPOOL_F_TRACK, 64 },
	{ BB_BUFPOOL_TRACK, "bench-track", BUFPOOL_F_TRACK, 1 },
	{ BB_BUFPOOL_STRICT, "bench-strict", BUFPOOL_F_STRICT, 0 },
	/* Per-CPU magazines up to 1 MiB (Documentation/tuning.rst). */
	{ BB_BUFPOOL_CPU16M, "bench-cpu16m", 0, 0, SZ_16M },
	/* A full reserve of 2 on the measured bucket (mempool's: min_nr 2). */
	{ BB_BUFPOOL_RESERVE, "bench-reserve", 0, 0 },
};

static struct bufpool *bb_pool_create(unsigned int i)
{
	struct bufpool_params params = {
		.max_size = SZ_1M,
		.flags = bb_pool_kinds[i].flags,
		.track_sample = bb_pool_kinds[i].sample,
	};

	/* bench/ab.sh builds this file against earlier bufpools too. */
#ifdef BUFPOOL_CPU_CACHE_DEFAULT
	params.cpu_cache_bytes = bb_pool_kinds[i].cpu_cache_bytes;
#endif
	/* Timed sampling only where measured: the others measure without. */
#ifdef BUFPOOL_SAMPLE_OFF
	if (!bb_pool_kinds[i].timed)
		params.sample_interval_ms = BUFPOOL_SAMPLE_OFF;
#endif

	return bufpool_create(bb_pool_kinds[i].name, &params);
}

static unsigned int bb_kind(enum bb_alloc a)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bb_pool_kinds); i++)
		if (bb_pool_kinds[i].alloc == a)
			break;
	return i;
}

/* A hooked pool goes, and with it the tracking key: let that happen. */
static void bb_pool_settle(struct bufpool *pool)
{
	bufpool_destroy(pool);
	rcu_barrier();
	msleep(50);
}

/* Whether @a serves @size in this run (the slow modes: a few sizes). */
static bool bb_fits(enum bb_alloc a, size_t size)
{
	switch (a) {
	case BB_KMALLOC:
	case BB_KMEM_CACHE:
	case BB_MEMPOOL:
		return size <= KMALLOC_MAX_SIZE;
	case BB_PAGES:
		return size >= PAGE_SIZE;
	case BB_BUFPOOL_OTHER:
	case BB_BUFPOOL_TIMED:
	case BB_BUFPOOL_S1024:
	case BB_BUFPOOL_S64:
	case BB_BUFPOOL_TRACK:
	case BB_BUFPOOL_STRICT:
	case BB_BUFPOOL_TRACED:
		return size == 64 || size == 256 || size == SZ_1K ||
		       size == SZ_4K || size == SZ_64K || size == SZ_1M;
	case BB_TOUCH:
		return size <= SZ_64K;
	case BB_BUFPOOL_BULK:
	case BB_BUFPOOL_BULK_NO_INIT:
		/* The burst through the bulk calls; the untracked pools'. */
#ifdef BUFPOOL_HAVE_BULK
		return size <= SZ_64K;
#else
		return false;
#endif
	case BB_BUFPOOL_NOLOCK:
		/* The nolock pair; the buckets with per-CPU magazines. */
#ifdef BUFPOOL_HAVE_BULK
		return size <= SZ_4K;
#else
		return false;
#endif
	case BB_BUFPOOL_RESERVE:
#ifdef BUFPOOL_HAVE_RESERVE
		return size == 64 || size == 256 || size == SZ_1K ||
		       size == SZ_4K || size == SZ_64K || size == SZ_1M;
#else
		return false;
#endif
	case BB_BUFPOOL_CPU16M:
		/* The buckets the default pool serves from the depot alone. */
#ifdef BUFPOOL_CPU_CACHE_DEFAULT
		return size >= SZ_32K && size <= SZ_1M;
#else
		return false;
#endif
	default:
		return true;
	}
}

static void bb_ctx_exit(struct bb_ctx *c);

static int bb_ctx_init(struct bb_ctx *c, enum bb_alloc a, size_t size)
{
	memset(c, 0, sizeof(*c));
	c->alloc = a;
	c->size = size;
	c->order = get_order(size);
	switch (a) {
	case BB_KMEM_CACHE:
		c->cache = kmem_cache_create("bufpool_bench", size,
					     min_t(size_t, size, PAGE_SIZE),
					     SLAB_NO_MERGE, NULL);
		return c->cache ? 0 : -ENOMEM;
	case BB_MEMPOOL:
		/* The reserve only serves when kmalloc() fails: keep it small. */
		c->mempool = mempool_create_kmalloc_pool(2, size);
		return c->mempool ? 0 : -ENOMEM;
	case BB_KMALLOC:
	case BB_PAGES:
	case BB_KVMALLOC:
		return 0;
	case BB_TOUCH:
		for (; c->nr_held < BB_BURST; c->nr_held++) {
			c->held[c->nr_held] = kmalloc(size, GFP_KERNEL);
			if (!c->held[c->nr_held]) {
				bb_ctx_exit(c);
				return -ENOMEM;
			}
		}
		return 0;
	case BB_BUFPOOL_BULK:
	case BB_BUFPOOL_NOLOCK:
		c->pool = bb_pools[BB_BUFPOOL];
		bufpool_clear(c->pool);
		return 0;
	case BB_BUFPOOL_BULK_NO_INIT:
		c->pool = bb_pools[BB_BUFPOOL_NO_INIT];
		bufpool_clear(c->pool);
		return 0;
	case BB_BUFPOOL:
	case BB_BUFPOOL_NO_INIT:
		c->pool = bb_pools[a];
		/* Every measurement starts from an empty pool. */
		bufpool_clear(c->pool);
		return 0;
	case BB_BUFPOOL_TRACED:
		/* The untracked pool with every bufpool event on. */
		if (!IS_ENABLED(CONFIG_EVENT_TRACING) ||
		    trace_set_clr_event("bufpool", NULL, 1))
			return -EOPNOTSUPP;
		c->pool = bb_pools[BB_BUFPOOL];
		bufpool_clear(c->pool);
		return 0;
	default:
		c->own = bb_pool_create(bb_kind(a));
		if (IS_ERR(c->own))
			return PTR_ERR(c->own);
		c->pool = a == BB_BUFPOOL_OTHER ? bb_pools[BB_BUFPOOL] : c->own;
		bufpool_clear(c->pool);
#ifdef BUFPOOL_HAVE_RESERVE
		if (a == BB_BUFPOOL_RESERVE && bufpool_reserve(c->own, size, 2)) {
			bb_pool_settle(c->own);
			return -ENOMEM;
		}
#endif
		return 0;
	}
}

static void bb_ctx_exit(struct bb_ctx *c)
{
	if (c->alloc == BB_BUFPOOL_TRACED)
		trace_set_clr_event("bufpool", NULL, 0);
	while (c->nr_held)
		kfree(c->held[--c->nr_held]);
	kmem_cache_destroy(c->cache);
	mempool_destroy(c->mempool);
	if (c->own)
		bb_pool_settle(c->own);
}

static __always_inline void *bb_take(struct bb_ctx *c, enum bb_alloc a,
				     size_t size)
{
	switch (a) {
	case BB_KMALLOC:
		return kmalloc(size, GFP_KERNEL);
	case BB_KMEM_CACHE:
		return kmem_cache_alloc(c->cache, GFP_KERNEL);
	case BB_MEMPOOL:
		return mempool_alloc(c->mempool, GFP_KERNEL);
	case BB_PAGES: {
		struct page *page = alloc_pages(GFP_KERNEL | __GFP_COMP,
						get_order(size));

		return page ? page_address(page) : NULL;
	}
	case BB_KVMALLOC:
		return kvmalloc(size, GFP_KERNEL);
	case BB_TOUCH:
		return c->nr_held ? c->held[--c->nr_held] : NULL;
#ifdef BUFPOOL_HAVE_BULK
	case BB_BUFPOOL_BULK:
	case BB_BUFPOOL_BULK_NO_INIT: {
		/* A pair: a bulk call of one (the burst calls it with 64). */
		void *p;

		return bufpool_take_bulk(c->pool, size, GFP_KERNEL, 1, &p) ?
		       p : NULL;
	}
	case BB_BUFPOOL_NOLOCK:
		/* The first take of an empty pool is a plain one. */
		return bufpool_take_nolock(c->pool, size) ?:
		       bufpool_take(c->pool, size, GFP_KERNEL);
#endif
	default:
		return bufpool_take(c->pool, size, GFP_KERNEL);
	}
}

static __always_inline void bb_give(struct bb_ctx *c, enum bb_alloc a,
				    void *p, size_t size)
{
	switch (a) {
	case BB_KMALLOC:
		kfree(p);
		break;
	case BB_KMEM_CACHE:
		kmem_cache_free(c->cache, p);
		break;
	case BB_MEMPOOL:
		mempool_free(p, c->mempool);
		break;
	case BB_PAGES:
		__free_pages(virt_to_page(p), get_order(size));
		break;
	case BB_KVMALLOC:
		kvfree(p);
		break;
	case BB_TOUCH:
		c->held[c->nr_held++] = p;
		break;
#ifdef BUFPOOL_HAVE_BULK
	case BB_BUFPOOL_BULK:
	case BB_BUFPOOL_BULK_NO_INIT:
		bufpool_return_bulk(c->pool, 1, &p);
		break;
	case BB_BUFPOOL_NOLOCK:
		bufpool_return_nolock(c->pool, p);
		break;
#endif
	default:
		bufpool_return(c->pool, p);
		break;
	}
}

/* The buffer is used, as a caller would: one store. */
static __always_inline void bb_touch(void *p, unsigned long i)
{
	WRITE_ONCE(*(unsigned char *)p, i);
}

static __always_inline long bb_pair(struct bb_ctx *c, const enum bb_alloc a,
				    unsigned long n)
{
	unsigned long i;
	long fails = 0;

	for (i = 0; i < n; i++) {
		void *p = bb_take(c, a, c->size);

		if (unlikely(!p)) {
			fails++;
			continue;
		}
		bb_touch(p, i);
		bb_give(c, a, p, c->size);
	}
	return fails;
}

static __always_inline long bb_burst(struct bb_ctx *c, const enum bb_alloc a,
				     unsigned long n)
{
	void *p[BB_BURST];
	unsigned long r;
	unsigned int j;
	long fails = 0;

	for (r = 0; r < n / BB_BURST; r++) {
#ifdef BUFPOOL_HAVE_BULK
		if (a == BB_BUFPOOL_BULK || a == BB_BUFPOOL_BULK_NO_INIT) {
			unsigned int got = bufpool_take_bulk(c->pool, c->size,
							     GFP_KERNEL,
							     BB_BURST, p);

			fails += BB_BURST - got;
			for (j = 0; j < got; j++)
				bb_touch(p[j], j);
			bufpool_return_bulk(c->pool, got, p);
			continue;
		}
#endif
		for (j = 0; j < BB_BURST; j++) {
			p[j] = bb_take(c, a, c->size);
			if (likely(p[j]))
				bb_touch(p[j], j);
			else
				fails++;
		}
		for (j = 0; j < BB_BURST; j++)
			if (likely(p[j]))
				bb_give(c, a, p[j], c->size);
	}
	return fails;
}

/* The mix: sizes and slots drawn before the clock starts; one run at a time. */
static u32 *bb_mix_size;
static u16 *bb_mix_slot;
static void *bb_held[BB_HELD];
static size_t bb_held_size[BB_HELD];

static size_t bb_mix_draw(void)
{
	u32 r = get_random_u32_below(100);

	/* Mostly headers and small packets, some pages, a few big ones. */
	if (r < 60)
		return 64 + get_random_u32_below(512 - 64);
	if (r < 85)
		return SZ_1K + get_random_u32_below(SZ_4K - SZ_1K);
	if (r < 97)
		return SZ_8K + get_random_u32_below(SZ_64K - SZ_8K);
	return SZ_128K + get_random_u32_below(SZ_512K - SZ_128K);
}

static __always_inline long bb_mix(struct bb_ctx *c, const enum bb_alloc a,
				   unsigned long n)
{
	unsigned long i;
	unsigned int j;
	long fails = 0;

	memset(bb_held, 0, sizeof(bb_held));
	for (i = 0; i < n; i++) {
		unsigned int k = i % BB_MIX_STEPS;
		unsigned int s = bb_mix_slot[k];
		size_t size = bb_mix_size[k];

		if (bb_held[s])
			bb_give(c, a, bb_held[s], bb_held_size[s]);
		bb_held[s] = bb_take(c, a, size);
		bb_held_size[s] = size;
		if (likely(bb_held[s]))
			bb_touch(bb_held[s], i);
		else
			fails++;
	}
	for (j = 0; j < BB_HELD; j++)
		if (bb_held[j])
			bb_give(c, a, bb_held[j], bb_held_size[j]);
	return fails;
}

enum bb_pattern {
	BB_PATTERN_PAIR,
	BB_PATTERN_BURST,
	BB_PATTERN_MIX,
	BB_PATTERN_REMOTE,
};

static long bb_remote_loop(struct bb_ctx *c, unsigned long n);

static __always_inline long bb_run_pattern(struct bb_ctx *c,
					   const enum bb_alloc a,
					   enum bb_pattern pattern,
					   unsigned long n)
{
	switch (pattern) {
	case BB_PATTERN_PAIR:
		return bb_pair(c, a, n);
	case BB_PATTERN_BURST:
		return bb_burst(c, a, n);
	case BB_PATTERN_MIX:
		return bb_mix(c, a, n);
	default:
		return bb_remote_loop(c, n);
	}
}

/*
 * One specialised loop per allocator: @a is a constant in each call of
 * bb_run_pattern(), so the switches of bb_take() and bb_give() fold away
 * and no indirect call is timed.
 */
static noinline long bb_loop(struct bb_ctx *c, enum bb_pattern pattern,
			     unsigned long n)
{
	switch (c->alloc) {
	case BB_KMALLOC:
		return bb_run_pattern(c, BB_KMALLOC, pattern, n);
	case BB_KMEM_CACHE:
		return bb_run_pattern(c, BB_KMEM_CACHE, pattern, n);
	case BB_MEMPOOL:
		return bb_run_pattern(c, BB_MEMPOOL, pattern, n);
	case BB_PAGES:
		return bb_run_pattern(c, BB_PAGES, pattern, n);
	case BB_KVMALLOC:
		return bb_run_pattern(c, BB_KVMALLOC, pattern, n);
	case BB_BUFPOOL_BULK:
		return bb_run_pattern(c, BB_BUFPOOL_BULK, pattern, n);
	case BB_BUFPOOL_BULK_NO_INIT:
		return bb_run_pattern(c, BB_BUFPOOL_BULK_NO_INIT, pattern, n);
	case BB_TOUCH:
		return bb_run_pattern(c, BB_TOUCH, pattern, n);
	case BB_BUFPOOL_NOLOCK:
		return bb_run_pattern(c, BB_BUFPOOL_NOLOCK, pattern, n);
	default:
		return bb_run_pattern(c, BB_BUFPOOL, pattern, n);
	}
}

static int bb_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void bb_print_ns(const char *pattern, const char *alloc, size_t size,
			u64 *ns, unsigned long ops)
{
	u64 v[3] = { ns[BB_REPS / 2], ns[0], ns[BB_REPS - 1] };
	unsigned int i;
	char out[3][24];

	/* Per operation, with two decimals. */
	for (i = 0; i < 3; i++) {
		u64 x = div64_u64(v[i] * 100, ops);

		snprintf(out[i], sizeof(out[i]), "%llu.%02llu", x / 100,
			 x % 100);
	}
	pr_info("csv,%s,%s,%zu,%s,%s,%s\n", pattern, alloc, size, out[0],
		out[1], out[2]);
}

/* Time @loop for @a and @size: a warm-up run, then BB_REPS. */
static int bb_measure(const char *pattern, enum bb_pattern loop, enum bb_alloc a,
		      size_t size, unsigned long n, unsigned long ops)
{
	u64 ns[BB_REPS];
	struct bb_ctx c;
	unsigned int r;
	long fails;
	int err;

	if (*allocs && !bb_listed(allocs, bb_names[a]))
		return 0;
	err = bb_ctx_init(&c, a, size);
	if (err)
		return err;
	fails = bb_loop(&c, loop, n);
	for (r = 0; r < BB_REPS; r++) {
		u64 t0 = ktime_get_ns();

		fails += bb_loop(&c, loop, n);
		ns[r] = ktime_get_ns() - t0;
		cond_resched();
	}
	bb_ctx_exit(&c);
	if (fails) {
		pr_info("# %s %s %zu: %ld allocations failed\n", pattern,
			bb_names[a], size, fails);
		return -ENOMEM;
	}
	sort(ns, BB_REPS, sizeof(*ns), bb_cmp_u64, NULL);
	bb_print_ns(pattern, bb_names[a], size, ns, ops);
	return 0;
}

/* Iterations for buffers of @size: fewer when each op touches more. */
static unsigned long bb_iters(size_t size)
{
	unsigned long n = clamp_t(unsigned long, SZ_64M / size, 256, SZ_64K);

	return max(n / scale, 64UL);
}

static void bb_run_sizes(const char *pattern, enum bb_pattern loop,
			 size_t min, size_t max, bool per_op)
{
	size_t size;
	int a;

	for (size = min; size <= max; size <<= 1) {
		unsigned long n = bb_iters(size);

		if (!per_op)
			n = max_t(unsigned long, n, BB_BURST);
		for (a = 0; a < BB_NR_ALLOC; a++)
			if (bb_fits(a, size))
				bb_measure(pattern, loop, a, size, n, n);
	}
}

static void bb_run_mix(void)
{
	unsigned long n = max(SZ_64K / scale, (unsigned long)BB_MIX_STEPS);
	int a;

	bb_mix_size = kmalloc_array(BB_MIX_STEPS, sizeof(*bb_mix_size),
				    GFP_KERNEL);
	bb_mix_slot = kmalloc_array(BB_MIX_STEPS, sizeof(*bb_mix_slot),
				    GFP_KERNEL);
	if (bb_mix_size && bb_mix_slot) {
		unsigned int i;

		for (i = 0; i < BB_MIX_STEPS; i++) {
			bb_mix_size[i] = bb_mix_draw();
			bb_mix_slot[i] = get_random_u32_below(BB_HELD);
		}
		/* Sizes above what a slab cache of one size can serve. */
		for (a = 0; a < BB_NR_ALLOC; a++)
			if (a != BB_KMEM_CACHE && a != BB_PAGES &&
			    a != BB_MEMPOOL && bb_fits(a, SZ_1M) &&
			    bb_fits(a, 64))
				bb_measure("mix", BB_PATTERN_MIX, a, 0, n,
					   n);
	}
	kfree(bb_mix_size);
	kfree(bb_mix_slot);
	bb_mix_size = NULL;
	bb_mix_slot = NULL;
}

/* === A pool at its cap === */

/*
 * "capped": each step is a pair in one bucket and the return of a buffer of
 * another bucket (BB_CAP_OTHER bytes) that the pool frees: its depot can
 * hold nothing (max_cached_bytes 1) and that bucket's magazines are full.
 * The free moves that bucket's count of frees, which the inline return's
 * owner memo watches.  kmalloc's step is a pair and a kfree() of an object
 * of the other size.  The buffers to free are taken before the clock.
 */
#define BB_CAP_STEPS	4096
#define BB_CAP_OTHER	512

static noinline long bb_capped_loop(struct bufpool *pool, size_t size,
				    void **stash, unsigned long n)
{
	unsigned long i;
	long fails = 0;

	for (i = 0; i < n; i++) {
		void *p = pool ? bufpool_take(pool, size, GFP_KERNEL) :
				 kmalloc(size, GFP_KERNEL);

		if (unlikely(!p)) {
			fails++;
			continue;
		}
		bb_touch(p, i);
		if (pool) {
			bufpool_return(pool, p);
			bufpool_return(pool, stash[i]);
		} else {
			kfree(p);
			kfree(stash[i]);
		}
	}
	return fails;
}

static void bb_run_capped(void)
{
	static const size_t sizes[] = { 64, SZ_1K, SZ_4K };
	struct bufpool_params params = {
		.max_size = SZ_64K,
		.max_cached_bytes = 1,
	};
	unsigned long n = max(BB_CAP_STEPS / scale, 64U);
	struct bufpool *pool;
	unsigned int s, r, k, i;
	void **stash;
	u64 ns[BB_REPS];

	pool = bufpool_create("bench-cap", &params);
	stash = kmalloc_array(n, sizeof(*stash), GFP_KERNEL);
	if (IS_ERR(pool) || !stash)
		goto out;
	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		for (k = 0; k < 2; k++) {
			struct bufpool *p = k ? pool : NULL;
			long fails = 0;

			for (r = 0; r <= BB_REPS; r++) {
				u64 t0;

				for (i = 0; i < n; i++) {
					stash[i] = p ? bufpool_take(p, BB_CAP_OTHER, GFP_KERNEL) :
						       kmalloc(BB_CAP_OTHER, GFP_KERNEL);
					if (!stash[i])
						goto out_stash;
				}
				t0 = ktime_get_ns();
				fails += bb_capped_loop(p, sizes[s], stash, n);
				/* The first one warms up. */
				if (r)
					ns[r - 1] = ktime_get_ns() - t0;
				cond_resched();
			}
			if (fails) {
				pr_info("# capped %zu: %ld allocations failed\n",
					sizes[s], fails);
				continue;
			}
			sort(ns, BB_REPS, sizeof(*ns), bb_cmp_u64, NULL);
			bb_print_ns("capped", k ? "bufpool" : "kmalloc",
				    sizes[s], ns, n);
		}
	}
	goto out;
out_stash:
	/* Out of memory mid-stash: give back what was taken. */
	while (i--) {
		if (k)
			bufpool_return(pool, stash[i]);
		else
			kfree(stash[i]);
	}
out:
	kfree(stash);
	if (!IS_ERR(pool))
		bufpool_destroy(pool);
}

/* === Two CPUs and more === */

#define BB_RING		256

/* Taken on the producer's CPU, returned on the consumer's. */
struct bb_remote {
	struct bb_ctx *c;
	unsigned long n;
	void *ring[BB_RING];
	unsigned long head;	/* written by the producer */
	unsigned long tail;	/* written by the consumer */
	struct completion done[2];
	long fails;
};

/* Waiting on the other side; never for long, but never hog a CPU either. */
static void bb_remote_wait(unsigned long *spins)
{
	if (++*spins % 1024)
		cpu_relax();
	else
		cond_resched();
}

static int bb_remote_consumer(void *arg)
{
	struct bb_remote *r = arg;
	unsigned long spins = 0;

	while (r->tail < r->n) {
		/* Paired with the producer's release: the slots are filled. */
		unsigned long head = smp_load_acquire(&r->head);

		if (head == r->tail) {
			bb_remote_wait(&spins);
			continue;
		}
		while (r->tail != head) {
			void *p = r->ring[r->tail % BB_RING];

			if (p)
				bb_give(r->c, r->c->alloc, p, r->c->size);
			/* The slot is free again: paired with the acquire. */
			smp_store_release(&r->tail, r->tail + 1);
		}
	}
	complete(&r->done[1]);
	return 0;
}

static int bb_remote_producer(void *arg)
{
	struct bb_remote *r = arg;
	unsigned long i, spins = 0;

	for (i = 0; i < r->n; i++) {
		void *p;

		/* Paired with the consumer's release: a slot is free. */
		while (i - smp_load_acquire(&r->tail) >= BB_RING)
			bb_remote_wait(&spins);
		p = bb_take(r->c, r->c->alloc, r->c->size);
		if (p)
			bb_touch(p, i);
		else
			r->fails++;
		r->ring[i % BB_RING] = p;
		/* The slot is filled: paired with the consumer's acquire. */
		smp_store_release(&r->head, i + 1);
	}
	complete(&r->done[0]);
	return 0;
}

/* Producer on the first online CPU, consumer on the second. */
static long bb_remote_loop(struct bb_ctx *c, unsigned long n)
{
	int (*fn[2])(void *) = { bb_remote_producer, bb_remote_consumer };
	unsigned int cpu = cpumask_first(cpu_online_mask), i;
	struct task_struct *t[2];
	struct bb_remote *r;
	long fails = n;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return n;
	r->c = c;
	r->n = n;
	for (i = 0; i < 2; i++) {
		init_completion(&r->done[i]);
		t[i] = kthread_create_on_cpu(fn[i], r, cpu, "bb-remote/%u");
		cpu = cpumask_next(cpu, cpu_online_mask);
	}
	/* Both or neither: one side alone would wait for ever. */
	if (IS_ERR(t[0]) || IS_ERR(t[1])) {
		for (i = 0; i < 2; i++)
			if (!IS_ERR(t[i]))
				kthread_stop(t[i]);
		goto out;
	}
	wake_up_process(t[1]);
	wake_up_process(t[0]);
	wait_for_completion(&r->done[0]);
	wait_for_completion(&r->done[1]);
	fails = r->fails;
out:
	kfree(r);
	return fails;
}

static void bb_run_remote(void)
{
	static const size_t sizes[] = { 256, SZ_4K, SZ_64K };
	unsigned int i;
	int a;

	if (num_online_cpus() < 2) {
		pr_info("# remote: one CPU, skipped\n");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		unsigned long n = bb_iters(sizes[i]) / 4;

		for (a = 0; a < BB_NR_ALLOC; a++)
			if (a != BB_MEMPOOL && a != BB_BUFPOOL_TRACK &&
			    a != BB_BUFPOOL_OTHER &&
			    a != BB_BUFPOOL_STRICT && a != BB_BUFPOOL_S64 &&
			    a != BB_BUFPOOL_TRACED &&
			    a != BB_BUFPOOL_S1024 && a != BB_BUFPOOL_TIMED &&
			    a != BB_BUFPOOL_BULK && a != BB_BUFPOOL_NOLOCK &&
			    a != BB_BUFPOOL_BULK_NO_INIT && a != BB_TOUCH &&
			    a != BB_BUFPOOL_RESERVE && bb_fits(a, sizes[i]))
				bb_measure("remote", BB_PATTERN_REMOTE, a,
					   sizes[i], n, n);
	}
}

struct bb_scale {
	struct bb_ctx *c;
	unsigned long n;
	atomic_t *ready;
	struct completion *go;
	struct completion done;
};

static int bb_scale_worker(void *arg)
{
	struct bb_scale *w = arg;

	atomic_dec(w->ready);
	wait_for_completion(w->go);
	bb_loop(w->c, BB_PATTERN_PAIR, w->n);
	complete(&w->done);
	return 0;
}

/* The pair loop on @nr CPUs at once: million pairs per second, summed. */
static u64 bb_scale_once(struct bb_ctx *c, unsigned int nr, unsigned long n)
{
	struct bb_scale *w;
	DECLARE_COMPLETION_ONSTACK(go);
	atomic_t ready = ATOMIC_INIT(nr);
	unsigned int i, cpu;
	u64 t0, ns;

	w = kcalloc(nr, sizeof(*w), GFP_KERNEL);
	if (!w)
		return 0;
	i = 0;
	for_each_online_cpu(cpu) {
		struct task_struct *t;

		if (i == nr)
			break;
		w[i].c = c;
		w[i].n = n;
		w[i].ready = &ready;
		w[i].go = &go;
		init_completion(&w[i].done);
		t = kthread_run_on_cpu(bb_scale_worker, &w[i], cpu,
				       "bb-scale/%u");
		if (IS_ERR(t)) {
			atomic_dec(&ready);
			complete(&w[i].done);
		}
		i++;
	}
	while (atomic_read(&ready))
		usleep_range(1000, 2000);
	t0 = ktime_get_ns();
	complete_all(&go);
	for (i = 0; i < nr; i++)
		wait_for_completion(&w[i].done);
	ns = ktime_get_ns() - t0;
	kfree(w);
	/* Pairs per microsecond = million pairs per second. */
	return ns ? div64_u64((u64)nr * n * 1000 * 100, ns) : 0;
}

static void bb_run_scale(void)
{
	static const enum bb_alloc allocs[] = { BB_KMALLOC, BB_KMEM_CACHE,
						BB_BUFPOOL, BB_BUFPOOL_NO_INIT };
	unsigned int nr, i, r;

	if (num_online_cpus() < 2) {
		pr_info("# scale: one CPU, skipped\n");
		return;
	}
	for (nr = 1; nr <= num_online_cpus(); nr <<= 1) {
		for (i = 0; i < ARRAY_SIZE(allocs); i++) {
			unsigned long n = bb_iters(256);
			u64 v[BB_REPS];
			struct bb_ctx c;
			char name[32];

			if (bb_ctx_init(&c, allocs[i], 256))
				continue;
			bb_scale_once(&c, nr, n);
			for (r = 0; r < BB_REPS; r++)
				v[r] = bb_scale_once(&c, nr, n);
			bb_ctx_exit(&c);
			sort(v, BB_REPS, sizeof(*v), bb_cmp_u64, NULL);
			snprintf(name, sizeof(name), "%s_x%u", bb_names[allocs[i]],
				 nr);
			pr_info("csv,scale,%s,256,%llu.%02llu,%llu.%02llu,%llu.%02llu\n",
				name, v[BB_REPS / 2] / 100, v[BB_REPS / 2] % 100,
				v[0] / 100, v[0] % 100, v[BB_REPS - 1] / 100,
				v[BB_REPS - 1] % 100);
		}
	}
}

/* === The run === */

static void bb_pools_destroy(void)
{
	unsigned int i;

	for (i = 0; i < BB_NR_ALLOC; i++) {
		bufpool_destroy(bb_pools[i]);
		bb_pools[i] = NULL;
	}
}

static int bb_pools_create(void)
{
	static const enum bb_alloc kept[] = { BB_BUFPOOL, BB_BUFPOOL_NO_INIT };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kept); i++) {
		struct bufpool *pool = bb_pool_create(bb_kind(kept[i]));

		if (IS_ERR(pool)) {
			bb_pools_destroy();
			return PTR_ERR(pool);
		}
		bb_pools[kept[i]] = pool;
	}
	return 0;
}

static bool bb_wants(const char *pattern)
{
	return bb_listed(patterns, pattern);
}

static int bb_run(void)
{
	int err = bb_pools_create();

	if (err)
		return err;
	pr_info("# start: %u CPUs, init_on_alloc=%d init_on_free=%d, scale %u, %u repetitions\n",
		num_online_cpus(), want_init_on_alloc(GFP_KERNEL),
		want_init_on_free(), scale, BB_REPS);
	if (bb_wants("pair"))
		bb_run_sizes("pair", BB_PATTERN_PAIR, 64, SZ_1M, true);
	if (bb_wants("burst"))
		bb_run_sizes("burst", BB_PATTERN_BURST, 64, SZ_64K, false);
	if (bb_wants("capped"))
		bb_run_capped();
	if (bb_wants("mix"))
		bb_run_mix();
	if (bb_wants("remote"))
		bb_run_remote();
	if (bb_wants("scale"))
		bb_run_scale();
	pr_info("# end\n");
	return 0;
}

#ifdef MODULE
/* The pools stay until unload, for their debugfs files (idle memory). */
static int __init bb_init(void)
{
	if (!scale)
		scale = 1;
	return bb_run();
}

static void __exit bb_exit(void)
{
	bb_pools_destroy();
}

module_init(bb_init);
module_exit(bb_exit);
#else
#include <kunit/test.h>

/* Built into UML: a KUnit suite is how kunit.py runs anything there. */
static void bufpool_bench_run(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, bb_run(), 0);
	bb_pools_destroy();
}

static struct kunit_case bufpool_bench_cases[] = {
	KUNIT_CASE_SLOW(bufpool_bench_run),
	{}
};

static struct kunit_suite bufpool_bench_suite = {
	.name = "bufpool_bench",
	.test_cases = bufpool_bench_cases,
};

kunit_test_suite(bufpool_bench_suite);
#endif /* MODULE */

MODULE_DESCRIPTION("bufpool benchmark against kmalloc, kmem_cache, mempool and the page allocator");
MODULE_LICENSE("GPL");
