// SPDX-License-Identifier: GPL-2.0
/*
 * bufpool backend: where a bucket's buffers come from and go back to, and
 * how a returned pointer is traced to the bucket that owns it.
 *
 * Buckets up to PAGE_SIZE have a kmem_cache each, aligned to the bucket size
 * and whitelisted whole for usercopy (HARDENED_USERCOPY would otherwise stop
 * copy_to_user() from them).  Larger buckets, and unpooled buffers, are
 * compound pages whose head page's private field points to the owning
 * bucket: that tag makes ownership of page buffers exact.  Slab buffers can
 * only be checked by size and alignment, because a module cannot see which
 * cache a slab object belongs to.
 */
#include <linux/mm.h>
#include <linux/slab.h>

#include "internal.h"

/* === Allocation === */

static void *bufpool_pages_alloc(struct bufpool_bucket *b, unsigned int order,
				 gfp_t gfp)
{
	struct page *page;

	/* Buffers live in the direct map: no highmem, nothing movable. */
	gfp &= ~(__GFP_HIGHMEM | __GFP_MOVABLE);
	page = alloc_pages(gfp | __GFP_COMP, order);
	if (!page)
		return NULL;
	/* The owner tag that bufpool_owner() checks. */
	set_page_private(page, (unsigned long)b);
	return page_address(page);
}

/**
 * bufpool_backend_alloc() - allocate a new buffer for a bucket
 * @b: the bucket
 * @gfp: the taker's allocation flags
 *
 * Context: as allowed by @gfp.
 * Return: the buffer, or %NULL.
 */
void *bufpool_backend_alloc(struct bufpool_bucket *b, gfp_t gfp)
{
	if (b->cache)
		return kmem_cache_alloc(b->cache, gfp);
	return bufpool_pages_alloc(b, b->order, gfp);
}

/**
 * bufpool_unpooled_alloc() - allocate a buffer above the pool's max_size
 * @pool: the pool
 * @size: bytes, at most %BUFPOOL_SIZE_MAX
 * @gfp: the taker's allocation flags
 *
 * Context: as allowed by @gfp.
 * Return: the buffer, or %NULL.
 */
void *bufpool_unpooled_alloc(struct bufpool *pool, size_t size, gfp_t gfp)
{
	return bufpool_pages_alloc(&pool->unpooled, get_order(size), gfp);
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

	/* The buffer leaves the pool: its tracking record goes with it. */
	if (bufpool_track_hooked(b->pool))
		bufpool_track_forget(buf);
	if (b->cache) {
		/*
		 * kfree(), not kmem_cache_free(b->cache): it frees the object
		 * to the cache it really came from, so a same-size buffer of
		 * another pool that bufpool_owner() could not tell apart
		 * still goes home.
		 */
		kfree(buf);
		return;
	}
	folio = virt_to_folio(buf);
	folio->private = NULL;
	folio_put(folio);
}

/* === Ownership === */

static bool bufpool_is_bucket(const struct bufpool *pool,
			      const struct bufpool_bucket *b)
{
	unsigned long off = (unsigned long)b - (unsigned long)pool->buckets;

	return off < pool->nr_buckets * sizeof(*b) && !(off % sizeof(*b));
}

static struct bufpool_bucket *bufpool_slab_owner(struct bufpool *pool,
						 const void *buf,
						 const char **why)
{
	struct bufpool_bucket *b;
	size_t size;

	/* ksize() also asks KASAN whether @buf is a live object. */
	size = ksize(buf);
	if (!is_power_of_2(size) || size < pool->min_size ||
	    size > pool->max_size) {
		*why = "slab object of no bucket's size";
		return NULL;
	}
	b = &pool->buckets[ilog2(size) - pool->min_shift];
	if (!b->cache) {
		*why = "slab object of a page bucket's size";
		return NULL;
	}
	if (!IS_ALIGNED((unsigned long)buf, size)) {
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
 * Exact for page buffers (owner tag, order, start of the folio).  For slab
 * buffers it checks that @buf starts a slab object whose size is one of
 * @pool's slab buckets; a same-size object of another cache passes.
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
		return bufpool_slab_owner(pool, buf, why);

	b = folio_get_private(folio);
	if (b != &pool->unpooled && !bufpool_is_bucket(pool, b)) {
		*why = "page not owned by this pool";
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

static void bufpool_backend_destroy(struct bufpool *pool, unsigned int nr)
{
	while (nr--) {
		struct bufpool_bucket *b = &pool->buckets[nr];

		kmem_cache_destroy(b->cache);
		b->cache = NULL;
	}
}

/**
 * bufpool_backend_init() - create the slab caches of a pool's small buckets
 * @pool: the pool, with its bucket sizes set
 *
 * Caches are named "bufpool-<pool>-<size>" ("bufpool-<pool>.<id>-<size>"
 * while a destroyed namesake still has buffers out) and never merged with
 * other caches, so they show up in /proc/slabinfo under the pool's name.
 *
 * Context: process context.
 * Return: 0 or -ENOMEM.
 */
int bufpool_backend_init(struct bufpool *pool)
{
	char name[BUFPOOL_NAME_MAX + 32];
	unsigned int i;

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
	}
	return 0;
}

/**
 * bufpool_backend_exit() - destroy a pool's slab caches
 * @pool: the pool; its idle buffers are already freed
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
}
