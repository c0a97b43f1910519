// SPDX-License-Identifier: GPL-2.0
/*
 * The guard of the inline layout: what the inline take and return
 * (include/bufpool_layout.h) assume of bufpool's structures, checked at
 * build time.
 *
 * A client module compiles the inline code against its own copy of the
 * header, so the module and its clients must agree on every structure,
 * member, bit and constant that code reads.  The header's __BUFPOOL_LAYOUT
 * is a hash of its code (scripts/layout-id.sh), and the inline code
 * references the symbol it names, bufpool_slow_key: a client built against
 * another header asks for another symbol and does not load.  Kbuild hashes
 * the header this module is built with; the build stops here if the
 * header's id is not that hash, so that no change to the header can keep
 * an old id.  What follows that check are the facts the inline code relies
 * on beyond the structures' definitions.
 */
#include <linux/build_bug.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>

#include "internal.h"

static_assert(__PASTE(0, __BUFPOOL_LAYOUT) == BUFPOOL_LAYOUT_CODE,
	      "include/bufpool_layout.h changed: run scripts/layout-id.sh --update");

/* The inline paths cast a pool to its front. */
static_assert(offsetof(struct bufpool, f) == 0);
/* They index the per-CPU buckets with a shift, not a multiply. */
static_assert(!(sizeof(struct bufpool_cpu_bucket) &
		(sizeof(struct bufpool_cpu_bucket) - 1)));
/* A magazine slot's tag bit lies below every buffer's alignment. */
static_assert(BUFPOOL_MAG_TRACKED < BUFPOOL_MIN_SIZE_MIN);
/* The idle marker needs a word of every buffer. */
static_assert(sizeof(unsigned long) <= BUFPOOL_MIN_SIZE_MIN);
/* The memo's mask holds a whole object: slab buckets are at most a page. */
static_assert(PAGE_SHIFT - ilog2(BUFPOOL_MIN_SIZE_MIN) + 1 == BUFPOOL_SLAB_MAX);
/*
 * The idle marker's colour: the per-CPU bucket's u16 holds the largest
 * mask, and a word at a cache line past the first lies past what KASAN
 * writes into an idle slab buffer (BUFPOOL_KASAN_META).
 */
static_assert(((__BUFPOOL_COLOUR_SPAN >> 1) - 1) <= U16_MAX);
static_assert(L1_CACHE_BYTES >= BUFPOOL_KASAN_META);
/* The slow word's bits. */
static_assert(BUFPOOL_INIT_RETURN_BIT < BITS_PER_LONG);
/* The owner check's table holds bucket indexes and the empty one in a u8. */
static_assert(BUFPOOL_SLAB_MAX < U8_MAX);
/* The decay step's mask of a CPU's buckets (bufpool_cpu_aux) is a long. */
static_assert(ilog2(BUFPOOL_SIZE_MAX) - ilog2(BUFPOOL_MIN_SIZE_MIN) + 1 <=
	      BITS_PER_LONG);
