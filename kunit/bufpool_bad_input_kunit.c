// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "bufpool_bad_input": what a buggy user does.  Bad names and
 * parameters, impossible sizes, and every kind of bad return (foreign,
 * interior, wrong-pool and double returns, same-size objects of other slab
 * caches), which must be rejected, counted and warned about once, without
 * touching the memory or the pool's state.  Also the take flags a pool
 * cannot recycle for (zones, memcg accounting) and page buffers still
 * referenced by someone else.
 *
 * Helpers are in bufpool_kunit_util.c; each case uses its own pool.
 */

#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

/* The inline return's hook (include/bufpool.h): see bp_nested_return(). */
static void bp_nested_return(void *buf);
#define __bufpool_return_hook(buf)	bp_nested_return(buf)

#include "bufpool_kunit.h"

static void bufpool_test_create_bad_names(struct kunit *test)
{
	static const char * const names[] = {
		"", "a/b", "with space", "tab\there", "new\nline", "colon:",
		"star*", "percent%d", "non\303\251ascii",
		".", "..", ".hidden", "-dash", "_under",	/* first not alnum */
		"abcdefghijklmnopqrstuvwxyz012345",	/* 32 characters */
	};
	unsigned int i;

	bp_expect_create_err(test, NULL, 0, 0, 0, -EINVAL);
	for (i = 0; i < ARRAY_SIZE(names); i++)
		bp_expect_create_err(test, names[i], 0, 0, 0, -EINVAL);
}

static void bufpool_test_create_edge_names(struct kunit *test)
{
	static const char * const names[] = {
		"x", "kt-All_the.Chars-09",
		"abcdefghijklmnopqrstuvwxyz01234",	/* 31 characters */
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		struct bufpool *pool = bufpool_create(names[i], NULL);

		KUNIT_EXPECT_NOT_ERR_OR_NULL_MSG(test, pool, "name %s",
						 names[i]);
		if (!IS_ERR_OR_NULL(pool)) {
			KUNIT_EXPECT_STREQ(test, pool->name, names[i]);
			bufpool_destroy(pool);
		}
	}
}

static void bufpool_test_create_duplicate_name(struct kunit *test)
{
	bp_create_default(test, "kt-dup");
	bp_expect_create_err(test, "kt-dup", 0, 0, 0, -EEXIST);
	bp_expect_create_err(test, "kt-dup", 128, SZ_8K, 0, -EEXIST);
	/* Names are case-sensitive. */
	bp_create_default(test, "KT-DUP");
}

static void bufpool_test_create_bad_min_size(struct kunit *test)
{
	bp_expect_create_err(test, "kt-bad-min", 96, 0, 0, -EINVAL);
	bp_expect_create_err(test, "kt-bad-min", 4, 0, 0, -EINVAL);
	bp_expect_create_err(test, "kt-bad-min", 1, 0, 0, -EINVAL);
	bp_expect_create_err(test, "kt-bad-min", 3, 0, 0, -EINVAL);
	bp_expect_create_err(test, "kt-bad-min", SZ_8K, SZ_4K, 0, -EINVAL);
	/* The smallest valid one. */
	bp_create(test, "kt-bad-min", 8, SZ_4K, 0, 0);
}

static void bufpool_test_create_bad_max_size(struct kunit *test)
{
	bp_expect_create_err(test, "kt-bad-max", 0, 3000, 0, -EINVAL);
	bp_expect_create_err(test, "kt-bad-max", 0, SZ_1M + SZ_4K, 0, -EINVAL);
	bp_expect_create_err(test, "kt-bad-max", 0, 2 * BUFPOOL_SIZE_MAX, 0,
			     -EINVAL);
	bp_expect_create_err(test, "kt-bad-max", 0, (size_t)1 << 40, 0,
			     -EINVAL);
	bp_expect_create_err(test, "kt-bad-max", 0, SIZE_MAX, 0, -EINVAL);
	/* The largest valid one. */
	bp_create(test, "kt-bad-max", 0, BUFPOOL_SIZE_MAX, 0, 0);
}

static void bufpool_test_create_bad_flags(struct kunit *test)
{
	bp_expect_create_err(test, "kt-bad-flags", 0, 0, BIT(3), -EINVAL);
	bp_expect_create_err(test, "kt-bad-flags", 0, 0, BIT(31), -EINVAL);
	bp_expect_create_err(test, "kt-bad-flags", 0, 0,
			     BUFPOOL_F_NO_INIT | BIT(7), -EINVAL);
	bp_create(test, "kt-bad-flags", 0, 0, 0, BUFPOOL_F_NO_INIT);
}

/* The tracking flags are accepted; kunit/bufpool_track_kunit.c tests them. */
static void bufpool_test_create_track(struct kunit *test)
{
	bp_create(test, "kt-track", 0, 0, 0, BUFPOOL_F_TRACK);
	bp_create(test, "kt-track-noinit", 0, 0, 0,
		  BUFPOOL_F_TRACK | BUFPOOL_F_NO_INIT);
	bp_create(test, "kt-strict", 0, 0, 0, BUFPOOL_F_STRICT);
	bp_expect_create_err(test, "kt-track-bad", 0, 0,
			     BUFPOOL_F_TRACK | BUFPOOL_F_STRICT | BIT(3),
			     -EINVAL);
}

static void bufpool_test_take_zero_size(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-take-zero");

	KUNIT_EXPECT_NULL(test, bufpool_take(pool, 0, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, bufpool_take(pool, 0, GFP_ATOMIC | __GFP_ZERO));
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_TAKE), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_ALLOC), 0);
}

static void bufpool_test_take_too_large(struct kunit *test)
{
	static const size_t sizes[] = {
		BUFPOOL_SIZE_MAX + 1, 2 * BUFPOOL_SIZE_MAX, (size_t)1 << 40,
		SIZE_MAX / 2 + 1, SIZE_MAX,
	};
	struct bufpool *pool = bp_create_default(test, "kt-take-large");
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		KUNIT_EXPECT_NULL_MSG(test, bufpool_take(pool, sizes[i],
							 GFP_KERNEL),
				      "size %zu", sizes[i]);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_out_bytes(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_TAKE), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_ALLOC), 0);
}

/*
 * Return @bad to @pool and expect it rejected: counted once as a bad return,
 * in @slot if @slot is not -1, and nothing else changed.
 */
static void bp_expect_rejected(struct kunit *test, struct bufpool *pool,
			       void *bad, int slot)
{
	unsigned long bad0 = bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN);
	unsigned long ret0 = bp_stat_total(pool, BUFPOOL_STAT_RETURN);
	unsigned long free0 = bp_stat_total(pool, BUFPOOL_STAT_FREE);
	unsigned long slot0 = slot < 0 ? 0 :
		bp_stat(pool, slot, BUFPOOL_STAT_BAD_RETURN);
	size_t idle0 = bufpool_idle_bytes(pool);
	size_t bytes0, bytes1;
	unsigned long out0, out1;

	out0 = bufpool_outstanding(pool, &bytes0);
	bufpool_return(pool, bad);
	out1 = bufpool_outstanding(pool, &bytes1);

	KUNIT_EXPECT_EQ_MSG(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN),
			    bad0 + 1, "%p not rejected", bad);
	if (slot >= 0)
		KUNIT_EXPECT_EQ_MSG(test,
				    bp_stat(pool, slot, BUFPOOL_STAT_BAD_RETURN),
				    slot0 + 1, "%p not counted in slot %d",
				    bad, slot);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_RETURN), ret0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_FREE), free0);
	KUNIT_EXPECT_EQ(test, out1, out0);
	KUNIT_EXPECT_EQ(test, bytes1, bytes0);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), idle0);
}

static void bufpool_test_return_null(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-ret-null");

	bufpool_return(pool, NULL);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_RETURN), 0);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
}

static void bufpool_test_return_warns_once(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-warn-once");
	unsigned long stack_buf[16] = { 0 };
	size_t len;

	bp_console_start(test, "kt-warn-once");
	bp_expect_rejected(test, pool, stack_buf, -1);
	len = bp_console_len();
	KUNIT_EXPECT_GT_MSG(test, len, 0, "no message names the pool");
	bp_expect_rejected(test, pool, stack_buf + 2, -1);
	KUNIT_EXPECT_EQ_MSG(test, bp_console_len(), len, "warned twice");
}

static void bufpool_test_return_stack(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-ret-stack");
	unsigned long stack_buf[32];

	bp_fill(stack_buf, sizeof(stack_buf));
	bp_expect_rejected(test, pool, stack_buf, bufpool_unpooled_slot(pool));
	bp_expect_rejected(test, pool, &stack_buf[8], -1);
	KUNIT_EXPECT_TRUE(test, bp_check(stack_buf, sizeof(stack_buf)));
}

static void bufpool_test_return_static(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-ret-static");

	bp_fill(bp_test_data, sizeof(bp_test_data));
	bp_expect_rejected(test, pool, bp_test_data,
			   bufpool_unpooled_slot(pool));
	KUNIT_EXPECT_TRUE(test, bp_check(bp_test_data, sizeof(bp_test_data)));
	bp_expect_rejected(test, pool, (void *)bp_test_rodata,
			   bufpool_unpooled_slot(pool));
	KUNIT_EXPECT_EQ(test, bp_test_rodata[1], 2);
	bp_expect_rejected(test, pool, (void *)bufpool_test_return_static, -1);
	KUNIT_EXPECT_EQ(test, bufpool_buf_size(pool, bp_test_data), 0);
}

static void bufpool_test_return_vmalloc(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-ret-vmalloc");
	void *buf = vmalloc(2 * PAGE_SIZE);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	bp_fill(buf, 2 * PAGE_SIZE);
	bp_expect_rejected(test, pool, buf, bufpool_unpooled_slot(pool));
	KUNIT_EXPECT_TRUE(test, bp_check(buf, 2 * PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, bufpool_buf_size(pool, buf), 0);
	/* A pool that freed it would make this a double free (KASAN). */
	vfree(buf);
}

static void bufpool_test_return_kmalloc_odd_size(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-ret-kmalloc");
	void *buf = kmalloc(96, GFP_KERNEL);
	void *mine;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	bp_fill(buf, 96);
	bp_expect_rejected(test, pool, buf, -1);
	KUNIT_EXPECT_TRUE(test, bp_check(buf, 96));
	KUNIT_EXPECT_EQ(test, bufpool_buf_size(pool, buf), 0);
	/* Not reused... */
	mine = bufpool_take(pool, 96, GFP_KERNEL);
	KUNIT_EXPECT_PTR_NE(test, mine, buf);
	bufpool_return(pool, mine);
	/* ...and not freed: KASAN would call this a double free. */
	kfree(buf);

	/* A slab object of a page bucket's size. */
	buf = kmalloc(SZ_8K, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	bp_fill(buf, SZ_8K);
	bp_expect_rejected(test, pool, buf, -1);
	KUNIT_EXPECT_TRUE(test, bp_check(buf, SZ_8K));
	kfree(buf);
}

static void bufpool_test_return_interior_slab(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-ret-int-slab");
	void *buf = bufpool_take(pool, 256, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	bp_fill(buf, 256);
	bp_expect_rejected(test, pool, buf + 8, -1);
	bp_expect_rejected(test, pool, buf + 128, -1);
	KUNIT_EXPECT_EQ(test, bufpool_buf_size(pool, buf + 8), 0);
	KUNIT_EXPECT_TRUE(test, bp_check(buf, 256));
	KUNIT_EXPECT_EQ(test, bp_out(pool), 1);
	bufpool_return(pool, buf);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_RETURN), 1);
}

/*
 * The inline owner check trusts this CPU's memo of the last page it placed
 * (__bufpool_owner_memo()) for the bucket, not for the pointer: an interior
 * pointer into that page is still refused.  And only while the pool has
 * freed no slab buffer since: a memo from before a free is checked again.
 * It is forged here onto a kmalloc() object's page, as if that page had
 * been the pool's before the free; the object is refused.  (UML: one CPU.
 * In index mode the refusals hold as well, without a memo.)
 */
static void bufpool_test_return_memo(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-ret-memo");
	struct bufpool_cpu *pcp = raw_cpu_ptr(pool->f.cpu);
	void *buf, *foreign;

	buf = bufpool_take(pool, 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	bufpool_return(pool, buf);
	/* In index mode (the KASAN build) returns go out of line: no memo. */
	if (!pool->indexed) {
		KUNIT_EXPECT_EQ(test, pcp->memo,
				(unsigned long)buf & PAGE_MASK);
		KUNIT_EXPECT_EQ(test, pcp->memo_idx, 0);
		KUNIT_EXPECT_EQ(test, pcp->memo_keep, PAGE_MASK | 63);
		KUNIT_EXPECT_PTR_EQ(test, pcp->memo_genp,
				    &pool->buckets[0].free_gen);
		KUNIT_EXPECT_EQ(test, pcp->memo_gen,
				atomic_long_read(&pool->buckets[0].free_gen));
	}

	/* A memo hit: the bucket is known, the pointer still checked. */
	buf = bufpool_take(pool, 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	bp_expect_rejected(test, pool, buf + 8, -1);
	bp_expect_rejected(test, pool, buf + 32, -1);
	bufpool_return(pool, buf);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);

	/* A free to the backend leaves every memo behind. */
	bufpool_clear(pool);
	KUNIT_EXPECT_NE(test, pcp->memo_gen, atomic_long_read(pcp->memo_genp));

	foreign = kmalloc(64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, foreign);
	pcp->memo = (unsigned long)foreign & PAGE_MASK;
	pcp->memo_keep = PAGE_MASK | 63;
	pcp->memo_idx = 0;
	pcp->memo_genp = &pool->buckets[0].free_gen;
	pcp->memo_gen = atomic_long_read(pcp->memo_genp) - 1;
	bp_expect_rejected(test, pool, foreign, -1);
	/* A refused pointer sets no memo: this one stays stale. */
	KUNIT_EXPECT_NE(test, pcp->memo_gen, atomic_long_read(pcp->memo_genp));
	kfree(foreign);
}

/*
 * Each bucket counts its own frees: a free in one bucket leaves the memo of
 * another valid, so that a pool whose other buckets free at their cap
 * keeps its memo; a free in the memo's own bucket makes it stale.
 */
static void bufpool_test_return_memo_bucket(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "kt-ret-memo-b", 64,
						    SZ_64K, 0, 0);
	struct bufpool_cpu *pcp = raw_cpu_ptr(pool->f.cpu);
	void *a, *b, *c;

	a = bufpool_take(pool, 64, GFP_KERNEL);
	b = bufpool_take(pool, 256, GFP_KERNEL);
	c = bufpool_take(pool, 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_NULL(test, c);
	bufpool_memo_set(pool, pcp, &pool->buckets[0], 0, a);
	KUNIT_EXPECT_EQ(test, __bufpool_memo(pcp, a), 0);

	/* Bucket 2 frees a buffer, as over budget: bucket 0's memo stands. */
	bufpool_return_free(pool, &pool->buckets[2], 2, b);
	KUNIT_EXPECT_EQ(test, __bufpool_memo(pcp, a), 0);
	/* Bucket 0 frees one: its memo is stale. */
	bufpool_return_free(pool, &pool->buckets[0], 0, c);
	KUNIT_EXPECT_EQ(test, __bufpool_memo(pcp, a), -1);

	bufpool_return(pool, a);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 0);
}

/*
 * A slab page whose cache word is %NULL: the empty slots of the owner
 * check's table must not match it.  With min_size 8 the pool has 10 slab
 * buckets and bucket 10 is a page bucket, and an order-1 page is aligned
 * to 8 << 10: a %NULL word that matched an empty slot would make the page
 * a buffer of bucket 10.  The table's slot for %NULL must be empty for the
 * case to mean anything: pools are created until one has it so.
 */
static void bufpool_test_return_null_cache_word(struct kunit *test)
{
	struct bufpool *pool = NULL;
	struct folio *folio;
	struct page *page;
	char name[32];
	void *fake;
	int i;

	for (i = 0; i < 16 && !pool; i++) {
		snprintf(name, sizeof(name), "kt-null-word-%d", i);
		pool = bp_create(test, name, 8, SZ_64K, 0, 0);
		if (pool->slab_slot[0] != BUFPOOL_SLAB_MAX)
			pool = NULL;
	}
	KUNIT_ASSERT_NOT_NULL_MSG(test, pool, "no pool with slot 0 empty");
	KUNIT_ASSERT_EQ(test, pool->nr_slab, BUFPOOL_SLAB_MAX);

	page = alloc_pages(GFP_KERNEL, 1);
	KUNIT_ASSERT_NOT_NULL(test, page);
	fake = page_address(page);
	KUNIT_ASSERT_TRUE(test, IS_ALIGNED((unsigned long)fake,
					   8UL << BUFPOOL_SLAB_MAX));
	folio = page_folio(page);
	WRITE_ONCE(page->compound_head, 0);
	__folio_set_slab(folio);
	KUNIT_EXPECT_PTR_EQ(test, bufpool_folio_cache(folio), NULL);

	KUNIT_EXPECT_PTR_EQ(test, bufpool_owner_fast(pool, fake), NULL);
	bp_expect_rejected(test, pool, fake, -1);

	__folio_clear_slab(folio);
	__free_pages(page, 1);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
}

/* The pool and buffer that bp_nested_return() returns once more. */
static struct bufpool *bp_nested_pool;
static void *bp_nested_buf;

/*
 * Called by the inline return just before its claim: return the same
 * buffer there, once, as an interrupt on this CPU could.  The guard is
 * held, so that return goes out of line and frees the buffer.
 */
static void bp_nested_return(void *buf)
{
	if (!bp_nested_pool || buf != bp_nested_buf)
		return;
	bp_nested_buf = NULL;
	bufpool_return(bp_nested_pool, buf);
}

/*
 * A double return whose second return interrupts the first one between its
 * checks and its claim: exactly one of them may give the buffer back.
 * Here the interrupting one wins and frees the buffer (the guard is busy);
 * the interrupted one must find the marker it left and refuse, not push a
 * freed buffer into the magazine to be handed out twice.
 */
static void bufpool_test_return_nested_double(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-ret-nested");
	void *buf, *other;

	/* A return out of line sets the memo; the next one is inline. */
	buf = bufpool_take(pool, 64, GFP_KERNEL);
	other = bufpool_take(pool, 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, other);
	bufpool_return(pool, other);
	KUNIT_ASSERT_EQ(test, bp_all_cpu_bufs(pool), 1);

	bp_nested_pool = pool;
	bp_nested_buf = buf;
	bufpool_return(pool, buf);
	bp_nested_pool = NULL;
	if (pool->indexed) {
		/*
		 * Index mode (the KASAN build): every return is out of line,
		 * the hook never runs; the second return is refused there.
		 */
		KUNIT_EXPECT_PTR_EQ(test, bp_nested_buf, buf);
		bp_expect_rejected(test, pool, buf, 0);
		KUNIT_EXPECT_EQ(test, bp_all_cpu_bufs(pool), 2);
		KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
		return;
	}
	KUNIT_EXPECT_NULL_MSG(test, bp_nested_buf, "the hook did not run");

	/* One return counted, and freed; one refused; nothing more idle. */
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_RETURN), 2);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_BAD_RETURN), 1);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_FREE), 1);
	KUNIT_EXPECT_EQ(test, bp_all_cpu_bufs(pool), 1);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	/* The magazine holds the other buffer only. */
	KUNIT_EXPECT_PTR_EQ(test, bufpool_take(pool, 64, GFP_KERNEL), other);
	bufpool_return(pool, other);
}

static void bufpool_test_return_interior_page(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-ret-int-page");
	void *buf = bufpool_take(pool, SZ_16K, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	bp_fill(buf, SZ_16K);
	bp_expect_rejected(test, pool, buf + PAGE_SIZE, -1);
	bp_expect_rejected(test, pool, buf + 3 * PAGE_SIZE, -1);
	bp_expect_rejected(test, pool, buf + 64, -1);
	KUNIT_EXPECT_EQ(test, bufpool_buf_size(pool, buf + PAGE_SIZE), 0);
	KUNIT_EXPECT_TRUE(test, bp_check(buf, SZ_16K));
	bufpool_return(pool, buf);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(pool, BUFPOOL_STAT_RETURN), 1);
}

static void bufpool_test_return_interior_unpooled(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "kt-ret-int-big", 64, SZ_16K,
					 0, 0);
	void *buf = bufpool_take(pool, SZ_64K, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	bp_fill(buf, SZ_64K);
	bp_expect_rejected(test, pool, buf + PAGE_SIZE, -1);
	bp_expect_rejected(test, pool, buf + 64, -1);
	KUNIT_EXPECT_TRUE(test, bp_check(buf, SZ_64K));
	bufpool_return(pool, buf);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, bufpool_unpooled_slot(pool),
				      BUFPOOL_STAT_RETURN), 1);
}

/* Return a page allocation of @order that is not the pool's. */
static void bp_expect_foreign_pages_rejected(struct kunit *test,
					     struct bufpool *pool,
					     unsigned int order, gfp_t gfp)
{
	size_t size = PAGE_SIZE << order;
	struct page *page = alloc_pages(GFP_KERNEL | gfp, order);
	void *buf, *mine;

	KUNIT_ASSERT_NOT_NULL(test, page);
	buf = page_address(page);
	bp_fill(buf, size);
	bp_expect_rejected(test, pool, buf, -1);
	KUNIT_EXPECT_TRUE_MSG(test, bp_check(buf, size), "order %u", order);
	KUNIT_EXPECT_EQ_MSG(test, bufpool_buf_size(pool, buf), 0,
			    "order %u", order);
	mine = bufpool_take(pool, size, GFP_KERNEL);
	KUNIT_EXPECT_PTR_NE(test, mine, buf);
	bufpool_return(pool, mine);
	/* A pool that freed it would make this a double free. */
	__free_pages(page, order);
}

static void bufpool_test_return_foreign_page(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-ret-page");

	/* Page bucket sizes, compound like the pool's own or not. */
	bp_expect_foreign_pages_rejected(test, pool, 1, __GFP_COMP);
	bp_expect_foreign_pages_rejected(test, pool, 1, 0);
	bp_expect_foreign_pages_rejected(test, pool, 3, __GFP_COMP);
	/* A plain page where the PAGE_SIZE bucket is a slab cache. */
	bp_expect_foreign_pages_rejected(test, pool, 0, 0);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
}

static void bufpool_test_return_foreign_unpooled(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "kt-ret-page-big", 64, SZ_16K,
					 0, 0);

	/* Sizes the pool serves unpooled. */
	bp_expect_foreign_pages_rejected(test, pool, get_order(SZ_64K),
					 __GFP_COMP);
	bp_expect_foreign_pages_rejected(test, pool, get_order(SZ_64K), 0);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
}

static void bufpool_test_return_wrong_pool_size(struct kunit *test)
{
	struct bufpool *a = bp_create(test, "kt-wrong-a", 64, SZ_4K, 0, 0);
	struct bufpool *b = bp_create(test, "kt-wrong-b", 128, SZ_4K, 0, 0);
	void *buf = bufpool_take(a, 64, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	bp_fill(buf, 64);
	bp_expect_rejected(test, b, buf, -1);
	KUNIT_EXPECT_EQ(test, bufpool_buf_size(b, buf), 0);
	KUNIT_EXPECT_TRUE(test, bp_check(buf, 64));
	KUNIT_EXPECT_EQ(test, bp_out(a), 1);
	bufpool_return(a, buf);
	KUNIT_EXPECT_EQ(test, bp_out(a), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(a, BUFPOOL_STAT_BAD_RETURN), 0);
}

static void bufpool_test_return_wrong_pool_page(struct kunit *test)
{
	struct bufpool *a = bp_create_default(test, "kt-wrong-page-a");
	struct bufpool *b = bp_create_default(test, "kt-wrong-page-b");
	static const size_t sizes[] = { SZ_8K, SZ_1M, SZ_2M };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		void *buf = bufpool_take(a, sizes[i], GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, buf);
		bp_fill(buf, sizes[i]);
		bp_expect_rejected(test, b, buf, -1);
		KUNIT_EXPECT_EQ_MSG(test, bufpool_buf_size(b, buf), 0,
				    "size %zu", sizes[i]);
		KUNIT_EXPECT_TRUE_MSG(test, bp_check(buf, sizes[i]),
				      "size %zu", sizes[i]);
		/* Not taken into b's magazines. */
		KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(b), 0);
		bufpool_return(a, buf);
	}
	KUNIT_EXPECT_EQ(test, bp_out(a), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(a, BUFPOOL_STAT_BAD_RETURN), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(b, BUFPOOL_STAT_BAD_RETURN),
			ARRAY_SIZE(sizes));
}

static void bufpool_test_return_double_immediate(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-double");
	unsigned int slot = bp_slot(test, pool, 256);
	void *x = bufpool_take(pool, 256, GFP_KERNEL);
	void *a, *b;

	KUNIT_ASSERT_NOT_NULL(test, x);
	bufpool_return(pool, x);
	bp_expect_rejected(test, pool, x, slot);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 256);

	/* x is idle once, so it is handed out once. */
	a = bufpool_take(pool, 256, GFP_KERNEL);
	b = bufpool_take(pool, 256, GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, a, x);
	KUNIT_EXPECT_PTR_NE(test, b, x);
	bufpool_return(pool, a);
	bufpool_return(pool, b);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
}

static void bufpool_test_return_double_idle(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-double-idle");
	void **bufs = bp_take_many(test, pool, 1000, 3);
	void **again;
	unsigned int i, j;

	bp_return_many(pool, bufs, 3);
	/* Not the last one returned: still caught by the idle marker. */
	bp_expect_rejected(test, pool, bufs[0], -1);
	bp_expect_rejected(test, pool, bufs[1], -1);

	again = bp_take_many(test, pool, 1000, 4);
	for (i = 0; i < 4; i++)
		for (j = 0; j < i; j++)
			KUNIT_EXPECT_PTR_NE(test, again[i], again[j]);
	bp_return_many(pool, again, 4);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
}

static void bufpool_test_return_double_depot(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-double-depot");
	unsigned int slot = bp_slot(test, pool, 256);
	struct bufpool_bucket *b = &pool->buckets[slot];
	unsigned int n = 3 * b->mag_size + 1;
	void **bufs = bp_take_many(test, pool, 256, n);

	bp_return_many(pool, bufs, n);
	KUNIT_ASSERT_GE(test, bp_nr_full(b), 1);
	/* bufs[0] went to the depot with the first full magazine. */
	bp_expect_rejected(test, pool, bufs[0], slot);
	bp_expect_rejected(test, pool, bufs[n / 2], slot);
	bp_expect_rejected(test, pool, bufs[n - 1], slot);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), n * 256);
}

static void bufpool_test_return_double_page(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-double-page");
	unsigned int slot = bp_slot(test, pool, SZ_64K);
	void *x = bufpool_take(pool, SZ_64K, GFP_KERNEL);
	void *y = bufpool_take(pool, SZ_64K, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, x);
	KUNIT_ASSERT_NOT_NULL(test, y);
	bufpool_return(pool, x);
	bp_expect_rejected(test, pool, x, slot);
	bufpool_return(pool, y);
	bp_expect_rejected(test, pool, x, slot);
	bp_expect_rejected(test, pool, y, slot);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 2 * SZ_64K);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
}

/*
 * A slab object of a bucket's very size, from another cache: the most
 * common mistake with a pool (returning what one allocated oneself), and
 * another pool's buffer of the same size.  Both must be refused, and stay
 * the owner's to free.
 */
static void bp_expect_slab_obj_rejected(struct kunit *test,
					struct bufpool *pool, void *obj,
					size_t size)
{
	void *mine;

	bp_fill(obj, size);
	bp_expect_rejected(test, pool, obj, -1);
	KUNIT_EXPECT_TRUE_MSG(test, bp_check(obj, size), "size %zu", size);
	KUNIT_EXPECT_EQ_MSG(test, bufpool_buf_size(pool, obj), 0,
			    "size %zu", size);
	/* Not reused. */
	mine = bufpool_take(pool, size, GFP_KERNEL);
	KUNIT_EXPECT_PTR_NE_MSG(test, mine, obj, "size %zu", size);
	bufpool_return(pool, mine);
	KUNIT_EXPECT_TRUE_MSG(test, bp_check(obj, size), "size %zu", size);
}

static void bufpool_test_return_kmalloc_same_size(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-ret-kmalloc-eq");
	static const size_t sizes[] = { 64, 256, 512, 2048, PAGE_SIZE };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		void *obj = kmalloc(sizes[i], GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, obj);
		bp_expect_slab_obj_rejected(test, pool, obj, sizes[i]);
		/* Not freed by the pool: KASAN would call this a double free. */
		kfree(obj);
	}
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	bp_expect_conserved(test, pool);
}

/* An object of a cache made like a bucket's: same size, same alignment. */
static void bufpool_test_return_foreign_cache(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-ret-cache");
	struct kmem_cache *c;
	void *obj;

	c = kmem_cache_create("kt-ret-cache-256", 256, 256, SLAB_NO_MERGE,
			      NULL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	obj = kmem_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	bp_expect_slab_obj_rejected(test, pool, obj, 256);
	kmem_cache_free(c, obj);
	kmem_cache_destroy(c);
}

static void bufpool_test_return_wrong_pool_same_size(struct kunit *test)
{
	struct bufpool *a = bp_create_default(test, "kt-wrong-eq-a");
	struct bufpool *b = bp_create_default(test, "kt-wrong-eq-b");
	static const size_t sizes[] = { 64, 1024, PAGE_SIZE };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		void *buf = bufpool_take(a, sizes[i], GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, buf);
		bp_expect_slab_obj_rejected(test, b, buf, sizes[i]);
		KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(b), sizes[i]);
		KUNIT_EXPECT_EQ(test, bp_out(a), 1);
		bufpool_return(a, buf);
		bufpool_clear(b);
	}
	KUNIT_EXPECT_EQ(test, bp_out(a), 0);
	KUNIT_EXPECT_EQ(test, bp_out(b), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(a, BUFPOOL_STAT_BAD_RETURN), 0);
	KUNIT_EXPECT_EQ(test, bp_stat_total(b, BUFPOOL_STAT_BAD_RETURN),
			ARRAY_SIZE(sizes));
	bp_expect_conserved(test, a);
	bp_expect_conserved(test, b);
}

/*
 * Every slab cache of a pool passes the layout probe, but under KASAN, whose
 * redzones make objects larger than their size: then the pool uses the
 * index (and so the whole KASAN run tests the fallback).
 */
static void bufpool_test_slab_layout_probe(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "kt-slab-probe", 8, SZ_64K,
					 0, 0);

	KUNIT_EXPECT_EQ(test, pool->indexed, IS_ENABLED(CONFIG_KASAN));
	KUNIT_EXPECT_EQ(test, pool->nr_slab, ilog2(PAGE_SIZE) - 3 + 1);
	KUNIT_EXPECT_PTR_EQ(test, pool->slab_cache[0], pool->buckets[0].cache);
}

/*
 * The fallback for a kernel whose slab layout fails the probe: an index of
 * the pool's slab buffers, exact too.
 */
static void bufpool_test_slab_index(struct kunit *test)
{
	struct bufpool *pool, *other;
	void *buf, *again, *obj;

	bufpool_slab_index_force = true;
	pool = bufpool_create("kt-slab-index", NULL);
	bufpool_slab_index_force = false;
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	bp_destroy_at_end(test, pool);
	other = bp_create_default(test, "kt-slab-index-b");
	KUNIT_ASSERT_TRUE(test, pool->indexed);
	KUNIT_EXPECT_EQ(test, other->indexed, IS_ENABLED(CONFIG_KASAN));

	buf = bufpool_take(pool, 200, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_EQ(test, bufpool_buf_size(pool, buf), 256);
	bp_fill(buf, 256);
	bp_expect_rejected(test, pool, buf + 64, -1);
	KUNIT_EXPECT_TRUE(test, bp_check(buf, 256));
	bufpool_return(pool, buf);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 256);
	again = bufpool_take(pool, 256, GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, again, buf);

	/* Foreign same-size objects, both ways round. */
	obj = kmalloc(256, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	bp_expect_slab_obj_rejected(test, pool, obj, 256);
	kfree(obj);
	bp_expect_slab_obj_rejected(test, other, again, 256);
	obj = bufpool_take(other, 256, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	bp_expect_slab_obj_rejected(test, pool, obj, 256);
	bufpool_return(other, obj);
	bufpool_return(pool, again);

	/* Freed buffers leave the index: a return after that is refused. */
	bufpool_clear(pool);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 0);
	bp_expect_rejected(test, pool, again, -1);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	bp_expect_conserved(test, pool);
}

/*
 * A page buffer the client still holds a page reference to (I/O in flight)
 * is not recycled: bufpool drops its reference and the last holder frees
 * it.  In a bucket with per-CPU magazines, where the inline return's memo
 * may know the page, and in a depot-only one.
 */
static void bp_return_page_referenced(struct kunit *test, const char *name,
				      size_t size)
{
	struct bufpool *pool = bp_create_default(test, name);
	unsigned int slot = bp_slot(test, pool, size);
	struct page *page;
	void *buf, *next;

	/* Once round first: this CPU's memo names the buffer (not indexed). */
	buf = bufpool_take(pool, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	bufpool_return(pool, buf);
	KUNIT_ASSERT_PTR_EQ(test, bufpool_take(pool, size, GFP_KERNEL), buf);
	if (!pool->indexed && pool->buckets[slot].cpu_limit)
		KUNIT_EXPECT_EQ(test, __bufpool_memo(raw_cpu_ptr(pool->f.cpu), buf),
				(int)slot);
	page = virt_to_page(buf + PAGE_SIZE);	/* a tail page, as a frag has */
	get_page(page);
	bp_fill(buf, size);
	bufpool_return(pool, buf);

	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_RETURN), 2);
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_FREE), 1);
	KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 0);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	/* Untouched: no idle marker, no zeroing, while the I/O runs. */
	KUNIT_EXPECT_TRUE(test, bp_check(buf, size));
	KUNIT_EXPECT_EQ(test, folio_ref_count(page_folio(page)), 1);
	KUNIT_EXPECT_EQ(test, bufpool_buf_size(pool, buf), 0);
	next = bufpool_take(pool, size, GFP_KERNEL);
	KUNIT_EXPECT_PTR_NE(test, next, buf);
	bufpool_return(pool, next);
	/* The I/O ends: the last reference frees the pages. */
	put_page(page);
	bp_expect_conserved(test, pool);
}

static void bufpool_test_return_page_referenced(struct kunit *test)
{
	bp_return_page_referenced(test, "kt-ret-page-ref", SZ_16K);
	bp_return_page_referenced(test, "kt-ret-page-ref-depot", SZ_64K);
}

/*
 * Takes with a zone or memcg accounting in their flags are served unpooled,
 * with those flags: never a recycled buffer, and never recycled themselves.
 */
static void bufpool_test_take_gfp_unpooled(struct kunit *test)
{
	static const gfp_t flags[] = { __GFP_DMA32, __GFP_DMA, __GFP_ACCOUNT };
	struct bufpool *pool = bp_create_default(test, "kt-take-gfp-zone");
	unsigned int slot = bp_slot(test, pool, 256);
	unsigned int unpooled = bufpool_unpooled_slot(pool);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		void *normal, *special, *later;

		normal = bufpool_take(pool, 256, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, normal);
		bufpool_return(pool, normal);
		KUNIT_ASSERT_EQ(test, bufpool_idle_bytes(pool), 256);

		special = bufpool_take(pool, 256, GFP_KERNEL | flags[i]);
		KUNIT_ASSERT_NOT_NULL_MSG(test, special, "gfp %#x",
					  (unsigned int)flags[i]);
		KUNIT_EXPECT_PTR_NE(test, special, normal);
		KUNIT_EXPECT_FALSE(test, folio_test_slab(virt_to_folio(special)));
		KUNIT_EXPECT_EQ(test, bp_stat(pool, unpooled, BUFPOOL_STAT_TAKE),
				i + 1);
#ifdef CONFIG_ZONE_DMA32
		if (flags[i] == __GFP_DMA32)
			KUNIT_EXPECT_EQ(test, page_zonenum(virt_to_page(special)),
					ZONE_DMA32);
#endif /* CONFIG_ZONE_DMA32 */
		KUNIT_EXPECT_EQ(test, bufpool_buf_size(pool, special), PAGE_SIZE);
		bufpool_return(pool, special);
		/* Freed, not recycled for a normal taker. */
		KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 256);
		later = bufpool_take(pool, 256, GFP_KERNEL);
		KUNIT_EXPECT_PTR_EQ(test, later, normal);
		bufpool_return(pool, later);
	}
	KUNIT_EXPECT_EQ(test, bp_stat(pool, slot, BUFPOOL_STAT_ALLOC), 1);
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	bp_expect_conserved(test, pool);
}

/* A second destroy, or a clear, of a destroyed pool: refused, said. */
static void bufpool_test_destroy_twice(struct kunit *test)
{
	const char *name = "kt-destroy-twice";
	struct bufpool *pool = bufpool_create(name, NULL);
	void *buf;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	buf = bufpool_take(pool, 256, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	bufpool_destroy(pool);

	/* Still there: it waits for buf. */
	bp_console_start(test, name);
	bufpool_destroy(pool);
	KUNIT_EXPECT_TRUE(test, bp_console_has("destroy of a destroyed pool"));
	bufpool_clear(pool);
	KUNIT_EXPECT_TRUE(test, bp_console_has("clear of a destroyed pool"));
	KUNIT_EXPECT_NULL(test, bufpool_take(pool, 256, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, bp_out(pool), 1);
	bufpool_return(pool, buf);
	KUNIT_EXPECT_TRUE(test, bp_namesake_gone(test, name));
}

/*
 * A tracked pool leaves a tombstone when it is freed: calls through a stale
 * pointer fail and say so instead of using freed memory (KASAN would report
 * them otherwise).
 */
static void bufpool_test_use_after_destroy_tracked(struct kunit *test)
{
	const char *name = "kt-tombstone";
	struct bufpool_params params = { .flags = BUFPOOL_F_TRACK };
	struct bufpool *pool = bufpool_create(name, &params);
	void *obj;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	bufpool_destroy(pool);
	KUNIT_ASSERT_TRUE(test, bp_namesake_gone(test, name));
	KUNIT_ASSERT_TRUE(test, READ_ONCE(pool->track.buried));

	bp_console_start(test, name);
	KUNIT_EXPECT_NULL(test, bufpool_take(pool, 256, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, bufpool_take(pool, SZ_8K, GFP_ATOMIC));
	KUNIT_EXPECT_NULL(test, bufpool_take(pool, SZ_2M, GFP_KERNEL));
	KUNIT_EXPECT_TRUE(test, bp_console_has("a use after destroy"));
	obj = kmalloc(256, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	bp_fill(obj, 256);
	bufpool_return(pool, obj);
	KUNIT_EXPECT_TRUE(test, bp_check(obj, 256));
	KUNIT_EXPECT_EQ(test, bufpool_buf_size(pool, obj), 0);
	kfree(obj);
	bufpool_clear(pool);
	bufpool_destroy(pool);
	KUNIT_EXPECT_TRUE(test, bp_console_has("(the pool is freed: a use after destroy)"));
}

/*
 * Strict mode frees every buffer at its return; a second return of it is
 * still a double return, said so and refused, on every kernel: the pool
 * remembers what it freed (no read of the freed memory, no double free).
 */
static void bufpool_test_strict_double_return(struct kunit *test)
{
	const char *name = "kt-strict-double";
	struct bufpool *pool = bp_create(test, name, 64, SZ_64K, 0,
					 BUFPOOL_F_STRICT);
	static const size_t sizes[] = { 64, 256, PAGE_SIZE, SZ_16K, SZ_256K };
	unsigned int i;

	KUNIT_EXPECT_TRUE(test, pool->indexed);
	bp_console_start(test, name);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		void *buf = bufpool_take(pool, sizes[i], GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, buf);
		bufpool_return(pool, buf);
		KUNIT_EXPECT_EQ(test, bufpool_idle_bytes(pool), 0);
		bp_expect_rejected(test, pool, buf, -1);
		KUNIT_EXPECT_EQ_MSG(test, bufpool_buf_size(pool, buf), 0,
				    "size %zu", sizes[i]);
	}
	KUNIT_EXPECT_TRUE(test, bp_console_has("double return (the buffer was freed"));
	KUNIT_EXPECT_EQ(test, bp_out(pool), 0);
	bp_expect_conserved(test, pool);
}

static void bufpool_test_buf_size_foreign(struct kunit *test)
{
	struct bufpool *pool = bp_create_default(test, "kt-size-foreign");
	struct bufpool *other = bp_create(test, "kt-size-other", 64, SZ_4K,
					  0, 0);
	unsigned long stack_buf[4];
	void *page_buf;

	KUNIT_EXPECT_EQ(test, bufpool_buf_size(pool, NULL), 0);
	KUNIT_EXPECT_EQ(test, bufpool_buf_size(pool, stack_buf), 0);
	KUNIT_EXPECT_EQ(test, bufpool_buf_size(pool, bp_test_rodata), 0);
	/* Another pool's page buffer. */
	page_buf = bufpool_take(other, SZ_8K, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page_buf);
	KUNIT_EXPECT_EQ(test, bufpool_buf_size(other, page_buf), SZ_8K);
	KUNIT_EXPECT_EQ(test, bufpool_buf_size(pool, page_buf), 0);
	bufpool_return(other, page_buf);
}

static struct kunit_case bufpool_bad_input_test_cases[] = {
	KUNIT_CASE(bufpool_test_create_bad_names),
	KUNIT_CASE(bufpool_test_create_edge_names),
	KUNIT_CASE(bufpool_test_create_duplicate_name),
	KUNIT_CASE(bufpool_test_create_bad_min_size),
	KUNIT_CASE(bufpool_test_create_bad_max_size),
	KUNIT_CASE(bufpool_test_create_bad_flags),
	KUNIT_CASE(bufpool_test_create_track),
	KUNIT_CASE(bufpool_test_take_zero_size),
	KUNIT_CASE(bufpool_test_take_too_large),
	KUNIT_CASE(bufpool_test_return_null),
	KUNIT_CASE(bufpool_test_return_warns_once),
	KUNIT_CASE(bufpool_test_return_stack),
	KUNIT_CASE(bufpool_test_return_static),
	KUNIT_CASE(bufpool_test_return_vmalloc),
	KUNIT_CASE(bufpool_test_return_kmalloc_odd_size),
	KUNIT_CASE(bufpool_test_return_interior_slab),
	KUNIT_CASE(bufpool_test_return_memo),
	KUNIT_CASE(bufpool_test_return_memo_bucket),
	KUNIT_CASE(bufpool_test_return_null_cache_word),
	KUNIT_CASE(bufpool_test_return_nested_double),
	KUNIT_CASE(bufpool_test_return_interior_page),
	KUNIT_CASE(bufpool_test_return_interior_unpooled),
	KUNIT_CASE(bufpool_test_return_foreign_page),
	KUNIT_CASE(bufpool_test_return_foreign_unpooled),
	KUNIT_CASE(bufpool_test_return_wrong_pool_size),
	KUNIT_CASE(bufpool_test_return_wrong_pool_page),
	KUNIT_CASE(bufpool_test_return_kmalloc_same_size),
	KUNIT_CASE(bufpool_test_return_foreign_cache),
	KUNIT_CASE(bufpool_test_return_wrong_pool_same_size),
	KUNIT_CASE(bufpool_test_slab_layout_probe),
	KUNIT_CASE(bufpool_test_slab_index),
	KUNIT_CASE(bufpool_test_return_page_referenced),
	KUNIT_CASE(bufpool_test_take_gfp_unpooled),
	KUNIT_CASE(bufpool_test_strict_double_return),
	KUNIT_CASE(bufpool_test_destroy_twice),
	KUNIT_CASE(bufpool_test_use_after_destroy_tracked),
	KUNIT_CASE(bufpool_test_return_double_immediate),
	KUNIT_CASE(bufpool_test_return_double_idle),
	KUNIT_CASE(bufpool_test_return_double_depot),
	KUNIT_CASE(bufpool_test_return_double_page),
	KUNIT_CASE(bufpool_test_buf_size_foreign),
	{}
};

static struct kunit_suite bufpool_bad_input_test_suite = {
	.name = "bufpool_bad_input",
	.suite_init = bp_suite_init,
	.suite_exit = bp_suite_exit,
	.init = bp_test_init,
	.exit = bp_test_exit,
	.test_cases = bufpool_bad_input_test_cases,
};

kunit_test_suite(bufpool_bad_input_test_suite);
