/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bufpool on older kernels: every kernel-version check of the module is
 * here, and nowhere else.
 *
 * The code is written for 6.12; this header maps what an older kernel
 * lacks onto the 6.12 interfaces, so that on 6.12 it adds nothing and the
 * module compiles to the same code.  The kernels it is tested on are
 * Debian 12's: 6.1 and 6.12, each plain and PREEMPT_RT.  The version a
 * change landed in is given with each block; kernels between 6.1 and 6.12
 * are not tested.  What 6.1 cannot do is in Documentation/kernels.rst.
 */
#ifndef _BUFPOOL_COMPAT_H
#define _BUFPOOL_COMPAT_H

#include <linux/gfp.h>
#include <linux/mm_types.h>
#include <linux/module.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/stackdepot.h>
#include <linux/string.h>
#include <linux/version.h>

/*
 * The kernel this is built against, LINUX_VERSION_CODE spelled from its
 * parts: checkpatch rightly wants version checks out of in-tree code, and
 * this file is where an out-of-tree module keeps the ones it needs.
 */
#define BUFPOOL_LINUX		KERNEL_VERSION(LINUX_VERSION_MAJOR,	\
					       LINUX_VERSION_PATCHLEVEL, \
					       LINUX_VERSION_SUBLEVEL)
/* Whether that kernel is older than @a.@b.@c. */
#define BUFPOOL_LINUX_BEFORE(a, b, c)	(KERNEL_VERSION(a, b, c) > BUFPOOL_LINUX)

/*
 * The cache of a slab folio: 6.2 moved a SLUB slab's kmem_cache into the
 * word of struct slab that overlays page->compound_head (mm/slab.h:
 * SLAB_MATCH(compound_head, slab_cache)).  Before, the first two words
 * after the flags were the slab_list and the cache came next, over
 * page->mapping.  bufpool_slab_probe() checks whichever word this is on
 * every new cache.
 */
static __always_inline const struct kmem_cache *
bufpool_folio_cache(const struct folio *folio)
{
#if BUFPOOL_LINUX_BEFORE(6, 2, 0)
	return (const struct kmem_cache *)READ_ONCE(folio->mapping);
#else
	return (const struct kmem_cache *)READ_ONCE(folio->page.compound_head);
#endif
}

#ifdef CONFIG_MODULES
/*
 * Where @mod's init text (@init) or core text lies, in @range: 6.4 replaced
 * struct module_layout (core_layout, init_layout) with module_memory.
 */
static inline void bufpool_module_text(const struct module *mod, bool init,
				       unsigned long range[2])
{
#if BUFPOOL_LINUX_BEFORE(6, 4, 0)
	const struct module_layout *l = init ? &mod->init_layout :
					       &mod->core_layout;

	range[0] = (unsigned long)l->base;
	range[1] = range[0] + l->text_size;
#else
	const struct module_memory *m = &mod->mem[init ? MOD_INIT_TEXT :
							 MOD_TEXT];

	range[0] = (unsigned long)m->base;
	range[1] = range[0] + m->size;
#endif
}
#endif /* CONFIG_MODULES */

#if BUFPOOL_LINUX_BEFORE(6, 5, 0)
/*
 * SLAB_NO_MERGE is 6.5.  Before, a cache with a usercopy region (all of
 * bufpool's) is never merged anyway (mm/slab_common.c: slab_unmergeable()).
 */
#define SLAB_NO_MERGE			0
#endif

#if BUFPOOL_LINUX_BEFORE(6, 7, 0)
/*
 * shrinker_alloc(), shrinker_register() and shrinker_free() are 6.7; so is
 * shrinker->private_data (bufpool_shrinker_data() reads it).  Before, the
 * shrinker is embedded and registered with register_shrinker().
 */
struct bufpool_compat_shrinker {
	struct shrinker shrinker;
	void *private_data;
	bool registered;
	char name[64];
};

static inline struct bufpool_compat_shrinker *
bufpool_compat_shrinker(struct shrinker *shrinker)
{
	return container_of(shrinker, struct bufpool_compat_shrinker, shrinker);
}

static inline __printf(2, 3) struct shrinker *
shrinker_alloc(unsigned int flags, const char *fmt, ...)
{
	struct bufpool_compat_shrinker *s;
	va_list args;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return NULL;
	va_start(args, fmt);
	vsnprintf(s->name, sizeof(s->name), fmt, args);
	va_end(args);
	s->shrinker.flags = flags;
	s->shrinker.seeks = DEFAULT_SEEKS;
	return &s->shrinker;
}

/* register_shrinker() may fail (no memory): then the pool has none. */
static inline void shrinker_register(struct shrinker *shrinker)
{
	struct bufpool_compat_shrinker *s = bufpool_compat_shrinker(shrinker);

	s->registered = !register_shrinker(shrinker, "%s", s->name);
	if (!s->registered)
		pr_warn("bufpool: %s: no memory to register the shrinker: idle buffers are not given back under memory pressure\n",
			s->name);
}

static inline void shrinker_free(struct shrinker *shrinker)
{
	struct bufpool_compat_shrinker *s;

	if (!shrinker)
		return;
	s = bufpool_compat_shrinker(shrinker);
	if (s->registered)
		unregister_shrinker(shrinker);
	kfree(s);
}

static inline void **bufpool_shrinker_data(struct shrinker *shrinker)
{
	return &bufpool_compat_shrinker(shrinker)->private_data;
}
#else
static inline void **bufpool_shrinker_data(struct shrinker *shrinker)
{
	return &shrinker->private_data;
}
#endif /* < 6.7 */

#if BUFPOOL_LINUX_BEFORE(6, 8, 0)
/*
 * strscpy() with two arguments (the size of an array destination) is 6.8.
 * This strscpy() expands to the kernel's three-argument one (a macro is not
 * expanded again inside its own expansion).
 */
#define __bufpool_strscpy(dst, src, size, ...)	strscpy(dst, src, size)
#define strscpy(dst, src, ...)						\
	__bufpool_strscpy(dst, src, ##__VA_ARGS__, sizeof(dst))

/*
 * Stack depot handles with a reference count, stack_depot_save_flags() and
 * stack_depot_put(), are 6.8.  Before, a saved stack stays in the depot
 * for good (the depot never freed anything): putting one does nothing.
 * Identical stacks share one entry, so the depot grows with the number of
 * distinct stacks that took buffers, not with the number of takes.
 */
#define STACK_DEPOT_FLAG_CAN_ALLOC	0x0001U
#define STACK_DEPOT_FLAG_GET		0x0004U

static inline depot_stack_handle_t
stack_depot_save_flags(unsigned long *entries, unsigned int nr_entries,
		       gfp_t gfp, unsigned int flags)
{
	return __stack_depot_save(entries, nr_entries, 0, gfp,
				  flags & STACK_DEPOT_FLAG_CAN_ALLOC);
}

static inline void stack_depot_put(depot_stack_handle_t handle)
{
}
#endif /* < 6.8 */

/*
 * kmem_cache_destroy() waits for the kfree_rcu() of the cache's objects
 * from 6.12 on (kvfree_rcu_barrier()).  Before, nothing can wait for them,
 * and a cache destroyed right after a kfree_rcu() of one of its objects is
 * destroyed with objects in it ("Objects remaining ... on
 * __kmem_cache_shutdown()").  There, objects of a cache that is destroyed
 * are freed with call_rcu(), which rcu_barrier() waits for.
 */
#define BUFPOOL_KFREE_RCU_WAITED	(!BUFPOOL_LINUX_BEFORE(6, 12, 0))

#if BUFPOOL_LINUX_BEFORE(6, 11, 0)
/* gfp_nested_mask() is 6.11: this is its body there. */
static inline gfp_t gfp_nested_mask(gfp_t flags)
{
	return ((flags & (GFP_KERNEL | GFP_ATOMIC | __GFP_NOLOCKDEP)) |
		(__GFP_NORETRY | __GFP_NOMEMALLOC | __GFP_NOWARN));
}
#endif

#if defined(__CHECKER__) && defined(CONFIG_PREEMPT_RT) && \
	BUFPOOL_LINUX_BEFORE(6, 12, 2)
/*
 * Sparse: PREEMPT_RT's sleeping spinlocks say that they take and let go of
 * the lock from 6.13 and 6.12.2 on (upstream 52e0874fc16b); before, every
 * function with a __releases() or __must_hold() of a spinlock_t looks
 * unbalanced.  These put the annotations in for sparse (__CHECKER__) alone,
 * in the lock calls bufpool makes (local_lock() takes a spin_lock() on RT).
 */
#define spin_lock(lock)							\
	do {								\
		spinlock_t *__bufpool_l = (lock);			\
									\
		rt_spin_lock(__bufpool_l);				\
		__acquire(__bufpool_l);					\
	} while (0)
#define spin_unlock(lock)						\
	do {								\
		spinlock_t *__bufpool_l = (lock);			\
									\
		__release(__bufpool_l);					\
		rt_spin_unlock(__bufpool_l);				\
	} while (0)
#define spin_unlock_irqrestore(lock, flags)				\
	do { (void)(flags); spin_unlock(lock); } while (0)
#endif

#endif /* _BUFPOOL_COMPAT_H */
