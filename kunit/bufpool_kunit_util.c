// SPDX-License-Identifier: GPL-2.0
/*
 * The helpers of every bufpool KUnit suite, one set with one prefix (bp_):
 * counters and depot state read from the internals, buffer patterns, and
 * the console capture that sees bufpool's messages and counts WARNING and
 * BUG splats.
 */

#include <kunit/test.h>
#include <linux/log2.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <trace/events/printk.h>

#include "bufpool_kunit.h"

/* === Helpers === */

/* Not buffers: returning these must be refused. */
unsigned long bp_test_data[64] = { 1 };
const unsigned long bp_test_rodata[64] = { 1, 2, 3 };

struct bufpool *bp_create_default(struct kunit *test, const char *name)
{
	return bp_create(test, name, 0, 0, 0, 0);
}

/* Expect bufpool_create() to fail with @err; clean up if it does not. */
void bp_expect_create_err(struct kunit *test, const char *name,
			  size_t min_size, size_t max_size,
			  unsigned int flags, int err)
{
	struct bufpool_params params = {
		.min_size = min_size,
		.max_size = max_size,
		.flags = flags,
	};
	struct bufpool *pool = bufpool_create(name, &params);

	KUNIT_EXPECT_TRUE_MSG(test, IS_ERR(pool),
			      "name %s min %zu max %zu flags %#x accepted",
			      name ?: "(null)", min_size, max_size, flags);
	if (!IS_ERR(pool)) {
		bufpool_destroy(pool);
		return;
	}
	KUNIT_EXPECT_EQ_MSG(test, PTR_ERR(pool), (long)err,
			    "name %s min %zu max %zu flags %#x",
			    name ?: "(null)", min_size, max_size, flags);
}

unsigned long bp_stat(struct bufpool *pool, unsigned int slot,
		      enum bufpool_stat stat)
{
	return bufpool_stat_sum(pool, slot, stat);
}

/* A counter summed over every bucket and the unpooled slot. */
unsigned long bp_stat_total(struct bufpool *pool,
			    enum bufpool_stat stat)
{
	unsigned long sum = 0;
	unsigned int slot;

	for (slot = 0; slot <= bufpool_unpooled_slot(pool); slot++)
		sum += bufpool_stat_sum(pool, slot, stat);
	return sum;
}

unsigned long bp_out(struct bufpool *pool)
{
	size_t bytes;

	return bufpool_outstanding(pool, &bytes);
}

size_t bp_out_bytes(struct bufpool *pool)
{
	size_t bytes = 0;

	bufpool_outstanding(pool, &bytes);
	return bytes;
}

long bp_depot_bytes(struct bufpool *pool)
{
	return atomic_long_read(&pool->depot_bytes);
}

/*
 * Depot state of a bucket, all nodes; unlocked, the tests use each pool
 * alone.
 */
unsigned long bp_nr_bufs(struct bufpool_bucket *b)
{
	unsigned long n = 0;
	int nid;

	for (nid = 0; nid < nr_node_ids; nid++)
		n += READ_ONCE(b->depots[nid].nr_bufs);
	return n;
}

unsigned int bp_nr_full(struct bufpool_bucket *b)
{
	unsigned int n = 0;
	int nid;

	for (nid = 0; nid < nr_node_ids; nid++)
		n += READ_ONCE(b->depots[nid].nr_full);
	return n;
}

/* Index of the bucket of @size bytes, which must exist. */
unsigned int bp_slot(struct kunit *test, struct bufpool *pool,
		     size_t size)
{
	unsigned int slot = ilog2(size) - ilog2(pool->min_size);

	KUNIT_ASSERT_TRUE(test, is_power_of_2(size));
	KUNIT_ASSERT_LT(test, slot, pool->nr_buckets);
	KUNIT_ASSERT_EQ(test, pool->buckets[slot].size, size);
	return slot;
}

/* Buffers idle in @cpu's two magazines of bucket @slot. */
unsigned int bp_cpu_bufs(struct bufpool *pool, unsigned int cpu,
			 unsigned int slot)
{
	struct bufpool_cpu_bucket *cb = &per_cpu_ptr(pool->f.cpu, cpu)->b[slot];
	struct bufpool_mag *loaded = READ_ONCE(cb->loaded);
	struct bufpool_mag *prev = READ_ONCE(cb->prev);

	return (loaded ? READ_ONCE(loaded->count) : 0) +
	       (prev ? READ_ONCE(prev->count) : 0);
}

/* Idle buffers of bucket @slot of a quiet pool: depot, magazines, reserve. */
unsigned long bp_idle_slot(struct bufpool *pool, unsigned int slot)
{
	unsigned long nr = bp_nr_bufs(&pool->buckets[slot]);
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		nr += bp_cpu_bufs(pool, cpu, slot);
	return nr + bufpool_reserve_held(pool, slot, NULL);
}

/* Idle buffers of a quiet pool, every bucket. */
unsigned long bp_idle(struct bufpool *pool)
{
	unsigned long nr = 0;
	unsigned int slot;

	for (slot = 0; slot < pool->nr_buckets; slot++)
		nr += bp_idle_slot(pool, slot);
	return nr;
}

/* Buffers idle in the magazines of every CPU, all buckets. */
/* The bytes M of the doc: the largest power of two whose sum fits. */
static size_t bp_tuning_mag_bytes(size_t min_size, size_t max_size,
				  size_t cpu_bytes)
{
	size_t m, size, sum;

	for (m = max_t(size_t, SZ_64K, max_size); m >= min_size; m /= 2) {
		sum = 0;
		for (size = min_size; size <= min(m, max_size); size *= 2)
			sum += 2 * min_t(size_t, 32 * size, m);
		if (sum <= cpu_bytes)
			return m;
	}
	return 0;
}

unsigned int bp_tuning_cpu_limit(size_t min_size, size_t max_size,
				 size_t cpu_bytes, size_t size)
{
	size_t m = bp_tuning_mag_bytes(min_size, max_size, cpu_bytes);

	return size <= m ? min_t(size_t, 32, m / size) : 0;
}

size_t bp_tuning_cpu_bound(size_t min_size, size_t max_size, size_t cpu_bytes)
{
	size_t size, sum = 0;

	for (size = min_size; size <= max_size; size *= 2)
		sum += 2 * size * bp_tuning_cpu_limit(min_size, max_size,
						      cpu_bytes, size);
	return sum;
}

unsigned long bp_all_cpu_bufs(struct bufpool *pool)
{
	unsigned long sum = 0;
	unsigned int cpu, slot;

	for_each_possible_cpu(cpu)
		for (slot = 0; slot < pool->nr_buckets; slot++)
			sum += bp_cpu_bufs(pool, cpu, slot);
	return sum;
}

/*
 * In a quiet pool every buffer the backend gave out is taken, idle or freed
 * again: per slot, allocs - frees == takes - returns + idle.  Unpooled
 * buffers are never idle.
 */
void bp_expect_conserved(struct kunit *test, struct bufpool *pool)
{
	unsigned int slot;

	for (slot = 0; slot <= bufpool_unpooled_slot(pool); slot++) {
		long live = bp_stat(pool, slot, BUFPOOL_STAT_ALLOC) -
			    bp_stat(pool, slot, BUFPOOL_STAT_FREE);
		long out = bp_stat(pool, slot, BUFPOOL_STAT_TAKE) -
			   bp_stat(pool, slot, BUFPOOL_STAT_RETURN);
		long idle = slot < pool->nr_buckets ?
			    bp_idle_slot(pool, slot) : 0;

		KUNIT_EXPECT_EQ_MSG(test, live, out + idle,
				    "slot %u: allocs - frees != out + idle",
				    slot);
	}
}

void **bp_take_many(struct kunit *test, struct bufpool *pool,
		    size_t size, unsigned int n)
{
	void **bufs = kunit_kcalloc(test, n, sizeof(*bufs), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, bufs);
	for (i = 0; i < n; i++) {
		bufs[i] = bufpool_take(pool, size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL_MSG(test, bufs[i], "take %u of %u", i, n);
	}
	return bufs;
}

void bp_return_many(struct bufpool *pool, void **bufs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		bufpool_return(pool, bufs[i]);
}

/* Fill a buffer with a pattern derived from its address, and check it. */
static unsigned long bp_pattern(const void *buf, size_t i)
{
	return ((unsigned long)buf + i) * 0x9e3779b97f4a7c15UL;
}

void bp_fill(void *buf, size_t size)
{
	unsigned long *p = buf;
	size_t i;

	for (i = 0; i < size / sizeof(*p); i++)
		p[i] = bp_pattern(buf, i);
}

bool bp_check(const void *buf, size_t size)
{
	const unsigned long *p = buf;
	size_t i;

	for (i = 0; i < size / sizeof(*p); i++)
		if (p[i] != bp_pattern(buf, i))
			return false;
	return true;
}

/* Console capture: the lines that contain a string, a pool's name say. */
static struct {
	spinlock_t lock;	/* protects the fields below */
	bool registered;
	char match[BUFPOOL_NAME_MAX + 1];
	size_t len;
	char text[24576];
} bp_console = {
	.lock = __SPIN_LOCK_UNLOCKED(bp_console.lock),
};

/* WARN(), lockdep, KASAN, might_sleep() and friends start lines so. */
static atomic_t bp_splats = ATOMIC_INIT(0);

static bool bp_is_splat(const char *buf, size_t len)
{
	return (len >= 5 && !strncmp(buf, "BUG: ", 5)) ||
	       (len >= 9 && !strncmp(buf, "WARNING: ", 9));
}

static void bp_probe_console(void *ignore, const char *buf, size_t len)
{
	unsigned long flags;
	size_t room;

	if (bp_is_splat(buf, len))
		atomic_inc(&bp_splats);

	spin_lock_irqsave(&bp_console.lock, flags);
	room = sizeof(bp_console.text) - bp_console.len;
	if (bp_console.match[0] && room > 1 &&
	    strnstr(buf, bp_console.match, len)) {
		len = min(len, room - 2);
		memcpy(bp_console.text + bp_console.len, buf, len);
		bp_console.len += len;
		bp_console.text[bp_console.len++] = '\n';
		bp_console.text[bp_console.len] = '\0';
	}
	spin_unlock_irqrestore(&bp_console.lock, flags);
}

static void bp_console_stop(void *unused)
{
	unsigned long flags;

	spin_lock_irqsave(&bp_console.lock, flags);
	bp_console.match[0] = '\0';
	spin_unlock_irqrestore(&bp_console.lock, flags);
}

/*
 * Capture the console lines that contain @name until the test case ends:
 * a pool's name, or "bufpool: " for every line bufpool prints.
 */
void bp_console_start(struct kunit *test, const char *name)
{
	unsigned long flags;

	if (!bp_console.registered)
		kunit_skip(test, "console tracepoint not available");
	spin_lock_irqsave(&bp_console.lock, flags);
	strscpy(bp_console.match, name);
	bp_console.len = 0;
	bp_console.text[0] = '\0';
	spin_unlock_irqrestore(&bp_console.lock, flags);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test,
							   bp_console_stop,
							   NULL));
}

size_t bp_console_len(void)
{
	unsigned long flags;
	size_t len;

	spin_lock_irqsave(&bp_console.lock, flags);
	len = bp_console.len;
	spin_unlock_irqrestore(&bp_console.lock, flags);
	return len;
}

/* Forget what was captured so far. */
void bp_console_clear(void)
{
	unsigned long flags;

	spin_lock_irqsave(&bp_console.lock, flags);
	bp_console.len = 0;
	bp_console.text[0] = '\0';
	spin_unlock_irqrestore(&bp_console.lock, flags);
}

/* What was captured, for a failure's message; the capture goes on. */
const char *bp_console_text(void)
{
	return bp_console.text;
}

/* How often @needle occurs in the captured text. */
unsigned int bp_console_count(const char *needle)
{
	unsigned int n = 0;
	unsigned long flags;
	const char *p;

	spin_lock_irqsave(&bp_console.lock, flags);
	for (p = bp_console.text; (p = strstr(p, needle)); p++)
		n++;
	spin_unlock_irqrestore(&bp_console.lock, flags);
	return n;
}

bool bp_console_has(const char *needle)
{
	return bp_console_count(needle) > 0;
}

/* Where @needle first occurs, as an offset; -1 if it does not. */
long bp_console_find(const char *needle)
{
	unsigned long flags;
	const char *p;
	long off;

	spin_lock_irqsave(&bp_console.lock, flags);
	p = strstr(bp_console.text, needle);
	off = p ? p - bp_console.text : -1;
	spin_unlock_irqrestore(&bp_console.lock, flags);
	return off;
}

/*
 * Expect the first line that contains @line to be followed by a stack whose
 * first frame is @fn: a stack starts at the caller of bufpool, with
 * bufpool's own frames dropped.
 */
void bp_expect_stack(struct kunit *test, const char *pool, const char *line,
		     void *fn)
{
	char frame[128];
	unsigned long flags;
	const char *p;
	bool found = false;

	snprintf(frame, sizeof(frame), "bufpool: %s:  %ps+0x", pool, fn);
	spin_lock_irqsave(&bp_console.lock, flags);
	p = strstr(bp_console.text, line);
	if (p)
		p = strchr(p, '\n');
	if (p)
		found = !strncmp(p + 1, frame, strlen(frame));
	spin_unlock_irqrestore(&bp_console.lock, flags);
	KUNIT_EXPECT_TRUE_MSG(test, found, "no \"%s\" after \"%s\" in:\n%s",
			      frame, line, bp_console.text);
}

void bp_expect_line(struct kunit *test, const char *needle)
{
	KUNIT_EXPECT_TRUE_MSG(test, bp_console_has(needle), "no \"%s\" in:\n%s",
			      needle, bp_console.text);
}

/*
 * Bad input must be refused with a message, never with a WARN splat (which
 * also taints the kernel); and no case may trip lockdep, KASAN or the
 * atomic-sleep checks.  The UML kernel is tainted at boot already, so count
 * splats on the console instead of testing the taint flags.
 */
int bp_test_init(struct kunit *test)
{
	test->priv = (void *)(long)atomic_read(&bp_splats);
	return 0;
}

void bp_test_exit(struct kunit *test)
{
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&bp_splats), (int)(long)test->priv,
			    "a WARNING or BUG splat was printed, see the log");
}

int bp_suite_init(struct kunit_suite *suite)
{
	bp_console.registered =
		!register_trace_console(bp_probe_console, NULL);
	return 0;
}

void bp_suite_exit(struct kunit_suite *suite)
{
	if (bp_console.registered) {
		unregister_trace_console(bp_probe_console, NULL);
		tracepoint_synchronize_unregister();
		bp_console.registered = false;
	}
}

