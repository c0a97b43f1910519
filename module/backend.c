// SPDX-License-Identifier: GPL-2.0
/*
 * bufpool backend: where a bucket's buffers come from and go back to, and
 * how a returned pointer is traced to the bucket that owns it.
 *
 * Buckets up to PAGE_SIZE have a kmem_cache each, aligned to the bucket size
 * and whitelisted whole for usercopy (HARDENED_USERCOPY would otherwise stop
 * copy_to_user() from them).  Larger buckets, and unpooled buffers, are
 * compound pages whose head page's private field points to the owning
 * bucket: that tag makes ownership of page buffers exact.
 *
 * Ownership of slab buffers is exact too.  SLUB keeps a slab's kmem_cache in
 * the word of struct slab that overlays page->compound_head (mm/slab.h:
 * SLAB_MATCH(compound_head, slab_cache)); 6.12 exports no call that says
 * which cache owns an object, so bufpool reads that word and compares it
 * with its buckets' caches, and checks that the pointer starts an object.
 * Both layout facts are verified on every new cache (bufpool_slab_probe());
 * a pool whose caches fail the probe keeps an index of its slab buffers
 * instead, which is exact as well, only slower.
 */
#include <linux/gcd.h>
#include <linux/kfence.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "internal.h"

#include <trace/events/bufpool.h>

/* === The index (the fallback, and strict mode) === */

/*
 * Used by a pool whose slab caches failed bufpool_slab_probe(), and by every
 * strict pool: an xarray keyed by physical address in units of the smallest
 * bucket, whose values are a stats slot and a "freed" bit.  It holds every
 * slab buffer the pool allocated (live), and remembers every buffer it freed
 * (slab, page or unpooled), so that a return of a freed buffer is a double
 * return, said so exactly, without touching its memory.  Takes and returns
 * only look it up; backend allocations and frees, in any context but NMI,
 * change it under its irq-safe lock.  Freed entries go when the pool
 * allocates the memory again, or, once there are many, when their memory is
 * no longer a slab (then no owner check can pass for it).
 */
#define BUFPOOL_INDEX_FREED		1UL
/* Freed entries that make the pool prune its index, at the least. */
#define BUFPOOL_PRUNE_MIN		4096

static unsigned long bufpool_index_key(const struct bufpool *pool,
				       const void *buf)
{
	return __pa(buf) >> pool->f.min_shift;
}

static void *bufpool_index_entry(unsigned int slot, bool freed)
{
	return xa_mk_value((unsigned long)slot << 1 | freed);
}

static bool bufpool_index_freed(const void *entry)
{
	return xa_to_value(entry) & BUFPOOL_INDEX_FREED;
}

static unsigned int bufpool_index_slot(const void *entry)
{
	return xa_to_value(entry) >> 1;
}

/* Store @entry for @buf; returns the old entry, or an xa_err() one. */
static void *bufpool_index_store(struct bufpool *pool, const void *buf,
				 void *entry, gfp_t gfp)
{
	XA_STATE(xas, &pool->slab_index, bufpool_index_key(pool, buf));
	unsigned long flags;
	void *old;

	do {
		xa_lock_irqsave(&pool->slab_index, flags);
		old = xas_store(&xas, entry);
		xa_unlock_irqrestore(&pool->slab_index, flags);
	} while (xas_nomem(&xas, gfp));
	return xas_error(&xas) ? XA_ERROR(xas_error(&xas)) : old;
}

static int bufpool_index_add(struct bufpool_bucket *b, void *buf, gfp_t gfp)
{
	struct bufpool *pool = b->pool;
	void *old;

	old = bufpool_index_store(pool, buf,
				  bufpool_index_entry(b - pool->buckets, false),
				  gfp_nested_mask(gfp));
	if (xa_is_err(old))
		return xa_err(old);
	if (old && bufpool_index_freed(old))
		atomic_long_dec(&pool->nr_freed);
	return 0;
}

/* @buf of @slot goes back to the backend: remember it as freed. */
static void bufpool_index_forget(struct bufpool *pool, unsigned int slot,
				 void *buf)
{
	void *old;

	/* A slab buffer's entry is replaced, a page buffer's may be new. */
	old = bufpool_index_store(pool, buf, bufpool_index_entry(slot, true),
				  GFP_NOWAIT | __GFP_NOWARN);
	if (xa_is_err(old) || (old && bufpool_index_freed(old)))
		return;
	if (atomic_long_inc_return(&pool->nr_freed) >
	    (long)READ_ONCE(pool->prune_at))
		queue_work(system_unbound_wq, &pool->prune_work);
}

/* A freed entry is worth keeping while its memory is a slab (ours?). */
static bool bufpool_index_keep(struct bufpool *pool, unsigned long key,
			       const void *entry)
{
	if (bufpool_index_slot(entry) >= pool->nr_slab)
		return false;
	return folio_test_slab(virt_to_folio(__va(key << pool->f.min_shift)));
}

/* Drop the freed entries not worth keeping, 256 looks a lock hold. */
static void bufpool_index_prune(struct work_struct *work)
{
	struct bufpool *pool = container_of(work, struct bufpool, prune_work);
	XA_STATE(xas, &pool->slab_index, 0);
	unsigned int looked = 0;
	unsigned long flags;
	void *entry;

	xas_lock_irqsave(&xas, flags);
	xas_for_each(&xas, entry, ULONG_MAX) {
		if (bufpool_index_freed(entry) &&
		    !bufpool_index_keep(pool, xas.xa_index, entry)) {
			xas_store(&xas, NULL);
			atomic_long_dec(&pool->nr_freed);
		}
		if (++looked % 256)
			continue;
		xas_pause(&xas);
		xas_unlock_irqrestore(&xas, flags);
		cond_resched();
		xas_lock_irqsave(&xas, flags);
	}
	xas_unlock_irqrestore(&xas, flags);
	WRITE_ONCE(pool->prune_at,
		   max_t(long, BUFPOOL_PRUNE_MIN,
			 2 * atomic_long_read(&pool->nr_freed)));
}

/* The live entry's bucket, or NULL; a freed entry sets *@freed. */
static struct bufpool_bucket *bufpool_index_find(struct bufpool *pool,
						 const void *buf, bool *freed)
{
	void *entry = xa_load(&pool->slab_index, bufpool_index_key(pool, buf));

	*freed = false;
	if (!xa_is_value(entry))
		return NULL;
	if (bufpool_index_freed(entry)) {
		*freed = true;
		return NULL;
	}
	return &pool->buckets[bufpool_index_slot(entry)];
}

/* === Allocation === */

static void *bufpool_pages_alloc(struct bufpool_bucket *b, unsigned int order,
				 gfp_t gfp, int node)
{
	struct page *page;

	/* Buffers live in the direct map: no highmem, nothing movable. */
	gfp &= ~(__GFP_HIGHMEM | __GFP_MOVABLE);
	page = alloc_pages_node(node, gfp | __GFP_COMP, order);
	if (!page)
		return NULL;
	/* The owner tag that bufpool_owner() checks. */
	set_page_private(page, (unsigned long)b);
	/*
	 * A page that was a slab keeps its last free pointer in the word
	 * of struct page that struct slab's freelist overlays (index), and
	 * kmemleak scans the struct page of every page in use: that stale
	 * address would hide this buffer's leak.  The word is not used for
	 * a page that is not in the page cache.
	 */
	page->index = 0;
	/* An object to kmemleak, as a slab buffer is: bufpool_kmemleak_take(). */
	kmemleak_alloc(page_address(page), PAGE_SIZE << order, 1, gfp);
	return page_address(page);
}

/*
 * Free a slab buffer of bucket @b to its cache.  The bucket's count of
 * frees moves first: a CPU's memo of the owner check may name this
 * buffer's page, which may stop being the pool's once the buffer is gone
 * (__bufpool_memo()).
 */
static void bufpool_slab_free(struct bufpool_bucket *b, void *buf)
{
	bufpool_memo_stale(b);
	kmem_cache_free(b->cache, buf);
}

/**
 * bufpool_backend_alloc() - allocate a new buffer for a bucket
 * @b: the bucket
 * @gfp: the taker's allocation flags
 * @node: the node to allocate on, preferably (as kmalloc_node()), or
 *	%NUMA_NO_NODE for this CPU's
 *
 * Memory of this CPU's node is asked for by its number, not as
 * %NUMA_NO_NODE: SLUB serves that from whatever slab the CPU has, which
 * after a take of another node's memory is that node's.  The allocators
 * fall back to other nodes unless @gfp has %__GFP_THISNODE.
 *
 * Context: as allowed by @gfp.
 * Return: the buffer, or %NULL.
 */
void *bufpool_backend_alloc(struct bufpool_bucket *b, gfp_t gfp, int node)
{
	void *buf;

	if (node == NUMA_NO_NODE)
		node = numa_mem_id();
	if (!b->cache) {
		buf = bufpool_pages_alloc(b, b->order, gfp, node);
		goto out;
	}
	buf = kmem_cache_alloc_node(b->cache, gfp, node);
	if (buf && unlikely(b->pool->indexed) &&
	    bufpool_index_add(b, buf, gfp)) {
		/* A buffer the index does not know would be rejected. */
		bufpool_slab_free(b, buf);
		return NULL;
	}
out:
	if (buf)
		trace_bufpool_backend_alloc(b->pool, b->pool->name, buf,
					    b->size, gfp);
	return buf;
}

/**
 * bufpool_unpooled_alloc() - allocate a buffer above the pool's max_size
 * @pool: the pool
 * @size: bytes, at most %BUFPOOL_SIZE_MAX
 * @gfp: the taker's allocation flags
 * @node: as for bufpool_backend_alloc()
 *
 * Context: as allowed by @gfp.
 * Return: the buffer, or %NULL.
 */
void *bufpool_unpooled_alloc(struct bufpool *pool, size_t size, gfp_t gfp,
			     int node)
{
	unsigned int order = get_order(size);
	void *buf;

	buf = bufpool_pages_alloc(&pool->unpooled, order, gfp,
				  node == NUMA_NO_NODE ? numa_mem_id() : node);

	if (buf)
		trace_bufpool_backend_alloc(pool, pool->name, buf,
					    PAGE_SIZE << order, gfp);
	return buf;
}

/**
 * bufpool_backend_free() - free a buffer to the allocator it came from
 * @b: the bucket that owns @buf, or the pool's unpooled pseudo-bucket
 * @buf: the buffer
 *
 * Context: any context but NMI.
 */
void bufpool_backend_free(struct bufpool_bucket *b, void *buf)
{
	struct folio *folio;

	trace_bufpool_backend_free(b->pool, b->pool->name, buf,
				   bufpool_owned_size(b->pool, b, buf), 0);
	/* The buffer leaves the pool: its tracking record goes with it. */
	if (bufpool_track_hooked(b->pool) &&
	    bufpool_track_may_have(b->pool, buf))
		bufpool_track_forget(buf);
	if (b->cache) {
		if (unlikely(b->pool->indexed))
			bufpool_index_forget(b->pool, b - b->pool->buckets, buf);
		bufpool_slab_free(b, buf);
		return;
	}
	/* Its return from now on is a double one, the index will say. */
	if (unlikely(b->pool->indexed))
		bufpool_index_forget(b->pool, b == &b->pool->unpooled ?
				     bufpool_unpooled_slot(b->pool) :
				     b - b->pool->buckets, buf);
	folio = virt_to_folio(buf);
	/* The unpooled pseudo-bucket's count: nothing reads it. */
	bufpool_memo_stale(b);
	folio->private = NULL;
	kmemleak_free(buf);
	folio_put(folio);
}

/* === Ownership === */

static const char bufpool_not_ours[] =
	"slab object of another cache (kmalloc, or another pool's)";

static const char bufpool_freed_since[] =
	"double return (the buffer was freed since its first return)";

/* The fallback: ask the index. */
static noinline struct bufpool_bucket *
bufpool_index_owner(struct bufpool *pool, const void *buf, const char **why)
{
	struct bufpool_bucket *b;
	unsigned int i;
	bool freed;

	b = bufpool_index_find(pool, buf, &freed);
	if (b && IS_ALIGNED((unsigned long)buf, b->size))
		return b;
	*why = b ? "interior pointer" :
	       freed ? bufpool_freed_since : bufpool_not_ours;
	if (freed || b)
		return NULL;
	/* Rejected; for the message, is it inside one of our buffers? */
	for (i = 0; i < pool->nr_slab; i++) {
		size_t size = pool->buckets[i].size;
		const void *start = PTR_ALIGN_DOWN(buf, size);

		if (start != buf &&
		    bufpool_index_find(pool, start, &freed) == &pool->buckets[i])
			*why = "interior pointer";
	}
	return NULL;
}

/* A page that is not this pool's now: one it freed, in strict mode? */
static noinline bool bufpool_index_freed_page(struct bufpool *pool,
					      const void *buf)
{
	bool freed;

	return PAGE_ALIGNED(buf) && !bufpool_index_find(pool, buf, &freed) &&
	       freed;
}

static __always_inline struct bufpool_bucket *
bufpool_slab_owner(struct bufpool *pool, const struct folio *folio,
		   const void *buf, const char **why)
{
	struct bufpool_bucket *b;

	if (unlikely(pool->indexed))
		return bufpool_index_owner(pool, buf, why);
	b = bufpool_cache_bucket(pool, bufpool_folio_cache(folio));
	if (!b) {
		*why = bufpool_not_ours;
		return NULL;
	}
	/* Objects lie bucket-size apart from the folio's start. */
	if (!IS_ALIGNED((unsigned long)buf, b->size)) {
		*why = "interior pointer";
		return NULL;
	}
	return b;
}

/**
 * bufpool_owner() - find the bucket a returned pointer belongs to
 * @pool: the pool it is returned to
 * @buf: the pointer, not %NULL
 * @why: set to the reason when the pointer is rejected
 *
 * Exact: a page buffer by its owner tag, order and the start of its folio; a
 * slab buffer by its slab's cache, which must be one of @pool's, and the
 * start of an object.  It says nothing about whether the buffer is out or
 * idle (the idle marker and tracking do).
 *
 * Context: any context.
 * Return: the owning bucket, &pool->unpooled, or %NULL if rejected.
 */
struct bufpool_bucket *bufpool_owner(struct bufpool *pool, const void *buf,
				     const char **why)
{
	struct bufpool_bucket *b;
	struct folio *folio;

	if (!virt_addr_valid(buf)) {
		*why = "not a direct-map address";
		return NULL;
	}
	folio = virt_to_folio(buf);
	if (folio_test_slab(folio))
		return bufpool_slab_owner(pool, folio, buf, why);

	b = folio_get_private(folio);
	if (b != &pool->unpooled && !bufpool_is_bucket(pool, b)) {
		*why = unlikely(pool->indexed) &&
		       bufpool_index_freed_page(pool, buf) ?
		       bufpool_freed_since : "page not owned by this pool";
		return NULL;
	}
	if (buf != folio_address(folio)) {
		*why = "interior pointer";
		return NULL;
	}
	if (b != &pool->unpooled && folio_order(folio) != b->order) {
		*why = "page of the wrong order";
		return NULL;
	}
	return b;
}

/**
 * bufpool_owned_size() - usable size of a buffer whose owner is known
 * @pool: the pool
 * @b: the owner, as bufpool_owner() found it
 * @buf: the buffer
 *
 * Return: the bucket size, or the size of an unpooled buffer's folio.
 */
size_t bufpool_owned_size(struct bufpool *pool, struct bufpool_bucket *b,
			  const void *buf)
{
	if (b == &pool->unpooled)
		return folio_size(virt_to_folio(buf));
	return b->size;
}

/* === Setup === */

/* Set by the KUnit suite to test the fallback: every new pool uses it. */
VISIBLE_IF_KUNIT bool bufpool_slab_index_force;
EXPORT_SYMBOL_IF_KUNIT(bufpool_slab_index_force);

/* Objects the probe allocates: enough for some to share a slab. */
#define BUFPOOL_PROBE_OBJS		16

static unsigned long bufpool_distance(const void *a, const void *b)
{
	return a > b ? a - b : b - a;
}

/*
 * Check, on @b's new cache, the two facts bufpool_slab_owner() relies on: a
 * slab folio's compound_head word holds its cache, and objects lie b->size
 * apart from the folio's start, so that an aligned pointer into the folio
 * starts an object.  The second fails under slab debugging (red zones,
 * tracking data make objects larger than their size).  The proof of the
 * stride: offsets of objects in one folio differ by multiples of it, so if
 * their gcd is b->size, the stride is b->size (it is never less).  A folio
 * of a single object needs no proof, nor does a KFENCE object, which KFENCE
 * places alone in its page.  Returns false, with the reason in *@why, if
 * either fact does not hold.
 */
static bool bufpool_slab_probe(struct bufpool_bucket *b, const char **why)
{
	void *objs[BUFPOOL_PROBE_OBJS];
	bool need_stride = false;
	unsigned long stride = 0;
	unsigned int n, i, j;

	*why = NULL;
	for (n = 0; n < ARRAY_SIZE(objs); n++) {
		objs[n] = kmem_cache_alloc(b->cache, GFP_KERNEL | __GFP_NOWARN);
		if (!objs[n])
			break;
	}
	if (!n)
		*why = "no memory to check the layout";
	for (i = 0; i < n && !*why; i++) {
		struct folio *folio = virt_to_folio(objs[i]);

		if (!folio_test_slab(folio) ||
		    bufpool_folio_cache(folio) != b->cache) {
			*why = "a slab's cache is not in its compound_head word";
			break;
		}
		if (is_kfence_address(objs[i]))
			continue;
		if ((objs[i] - folio_address(folio)) % b->size) {
			*why = "objects are not aligned to their size";
			break;
		}
		if (folio_size(folio) == b->size)
			continue;
		need_stride = true;
		for (j = 0; j < i; j++)
			if (!is_kfence_address(objs[j]) &&
			    virt_to_folio(objs[j]) == folio)
				stride = gcd(stride,
					     bufpool_distance(objs[i], objs[j]));
	}
	if (!*why && need_stride && stride != b->size)
		*why = "objects are larger than their size (slab debugging?)";
	while (n--)
		bufpool_slab_free(b, objs[n]);
	if (IS_ENABLED(CONFIG_KUNIT) && !*why &&
	    READ_ONCE(bufpool_slab_index_force))
		*why = "forced by the KUnit suite";
	return !*why;
}

/*
 * Empty the owner check's table: no slab's cache word, not even a %NULL
 * one, matches an entry.
 */
static void bufpool_slab_slots_clear(struct bufpool *pool)
{
	unsigned int i;

	memset(pool->slab_slot, BUFPOOL_SLAB_MAX, sizeof(pool->slab_slot));
	for (i = 0; i <= BUFPOOL_SLAB_MAX; i++)
		pool->slab_cache[i] = BUFPOOL_SLAB_NONE;
}

/* What a pool's caches leave once none is in use: the table and the index. */
static void bufpool_backend_teardown(struct bufpool *pool)
{
	pool->nr_slab = 0;
	bufpool_slab_slots_clear(pool);
	cancel_work_sync(&pool->prune_work);
	xa_destroy(&pool->slab_index);
}

static void bufpool_backend_destroy(struct bufpool *pool, unsigned int nr)
{
	while (nr--) {
		struct bufpool_bucket *b = &pool->buckets[nr];

		kmem_cache_destroy(b->cache);
		b->cache = NULL;
	}
	bufpool_backend_teardown(pool);
}

/* The owner check's table slot of @cache with @shift. */
static unsigned int bufpool_slab_slot_of(const struct kmem_cache *cache,
					 unsigned int shift)
{
	return ((unsigned long)cache >> shift) & (BUFPOOL_SLAB_SLOTS - 1);
}

/*
 * Choose the bits of the caches' addresses that index the owner check's
 * table (bufpool_owner_fast()): the lowest shift that gives each cache a slot
 * of its own.  Should none do (it takes more than 64 caches' worth of bad
 * luck), a cache that lost its slot is found by bufpool_owner() instead:
 * slower, as exact.
 */
static void bufpool_slab_slots_init(struct bufpool *pool)
{
	unsigned int best = 0, best_placed = 0, shift, i;

	for (shift = L1_CACHE_SHIFT; shift < 24; shift++) {
		DECLARE_BITMAP(used, BUFPOOL_SLAB_SLOTS) = { 0 };
		unsigned int placed = 0;

		for (i = 0; i < pool->nr_slab; i++)
			placed += !__test_and_set_bit(bufpool_slab_slot_of(pool->slab_cache[i],
									  shift),
						      used);
		if (placed > best_placed) {
			best = shift;
			best_placed = placed;
		}
		if (placed == pool->nr_slab)
			break;
	}
	pool->slab_shift = best;
	/* Into the table bufpool_backend_init() emptied first. */
	for (i = pool->nr_slab; i-- > 0;)
		pool->slab_slot[bufpool_slab_slot_of(pool->slab_cache[i], best)] = i;
}

/**
 * bufpool_backend_init() - create the slab caches of a pool's small buckets
 * @pool: the pool, with its bucket sizes set; no buffer taken yet
 *
 * Caches are named "bufpool-<pool>-<size>" ("bufpool-<pool>.<id>-<size>"
 * while a destroyed namesake still has buffers out) and never merged with
 * other caches, so they show up in /proc/slabinfo under the pool's name.
 * Each is probed for the layout the exact owner check relies on; if one
 * fails, the pool indexes its slab buffers instead (and says so once).
 *
 * Context: process context.
 * Return: 0 or -ENOMEM.
 */
int bufpool_backend_init(struct bufpool *pool)
{
	char name[BUFPOOL_NAME_MAX + 32];
	const char *why = NULL;
	unsigned int i;

	bufpool_slab_slots_clear(pool);
	xa_init_flags(&pool->slab_index, XA_FLAGS_LOCK_IRQ);
	INIT_WORK(&pool->prune_work, bufpool_index_prune);
	atomic_long_set(&pool->nr_freed, 0);
	pool->prune_at = BUFPOOL_PRUNE_MIN;
	/* Strict mode wants every double return caught: it keeps the index. */
	if (READ_ONCE(pool->track.strict))
		why = "strict mode";
	for (i = 0; i < pool->nr_buckets; i++) {
		struct bufpool_bucket *b = &pool->buckets[i];

		if (b->size > PAGE_SIZE)
			break;
		if (pool->id)
			snprintf(name, sizeof(name), "bufpool-%s.%u-%zu",
				 pool->name, pool->id, b->size);
		else
			snprintf(name, sizeof(name), "bufpool-%s-%zu",
				 pool->name, b->size);
		b->cache = kmem_cache_create_usercopy(name, b->size, b->size,
						      SLAB_NO_MERGE, 0,
						      b->size, NULL);
		if (!b->cache) {
			bufpool_backend_destroy(pool, i);
			return -ENOMEM;
		}
		pool->slab_cache[i] = b->cache;
		pool->nr_slab = i + 1;
		if (!why && !bufpool_slab_probe(b, &why) &&
		    !bufpool_slab_index_force)
			pr_warn_once("bufpool: slab layout: %s, in the %zu-byte cache of pool %s; pools whose caches fail this check look their slab buffers up in an index (exact, slower)\n",
				     why, b->size, pool->name);
	}
	pool->indexed = why;
	bufpool_set_slow(pool, BUFPOOL_SLOW_INDEXED_BIT, pool->indexed);
	bufpool_slab_slots_init(pool);
	return 0;
}

/**
 * bufpool_backend_exit() - destroy a pool's slab caches
 * @pool: the pool; its idle buffers are already freed, and no return can
 *	come any more
 *
 * A cache that still has buffers out (they were leaked by a module that is
 * gone) is left alive: destroying it would free memory that is in use.
 *
 * Context: process context.
 */
void bufpool_backend_exit(struct bufpool *pool)
{
	unsigned int i;

	for (i = 0; i < pool->nr_buckets; i++) {
		struct bufpool_bucket *b = &pool->buckets[i];
		long out;

		if (!b->cache)
			continue;
		out = bufpool_stat_sum(pool, i, BUFPOOL_STAT_TAKE) -
		      bufpool_stat_sum(pool, i, BUFPOOL_STAT_RETURN);
		if (out > 0) {
			pr_warn("bufpool: %s: %zu-byte buffers that never came back: %ld; their slab cache stays\n",
				pool->name, b->size, out);
			continue;
		}
		kmem_cache_destroy(b->cache);
		b->cache = NULL;
	}
	bufpool_backend_teardown(pool);
}
