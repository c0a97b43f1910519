// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for bufpool's debugfs files (module/debugfs.c).
 *
 * The files are read by calling their show functions on a seq_file over a
 * kernel buffer and written through bufpool_debugfs_ctl_write(), the part
 * of a write that follows the copy from user space: UML runs them without a
 * user process.  The tables are parsed by their header line, so the cases
 * check columns by name, as the viewer (tools/bufpool-stat) reads them.
 *
 * Covered: the files and their modes, the "pools" line of a pool, the hit
 * rate arithmetic, the counter invariants of "stats" (takes - returns = out
 * per bucket, allocs - frees = out + idle, totals = sum of the lines, idle
 * memory within the bound of Documentation/tuning.rst), "params", every
 * control write, valid and invalid, no kernel address in any file, removing
 * and re-creating a pool of the same name, files open while their pool is
 * destroyed, and writes racing with takes and returns.
 */

#include <kunit/test.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dcache.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/path.h>
#include <linux/rcupdate.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/minmax.h>
#include <linux/prandom.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "bufpool_kunit.h"

/* === Helpers === */

/* Not a buffer: returning it must be refused. */
static unsigned long bp_not_a_buffer[8] = { 1 };

static void *bp_take(struct kunit *test, struct bufpool *pool, size_t size)
{
	void *buf = bufpool_take(pool, size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL_MSG(test, buf, "take %zu from %s", size,
				  pool->name);
	return buf;
}

/* Render a file: @show on a seq_file over a kernel buffer, NUL-terminated. */
static char *bp_show(struct kunit *test, int (*show)(struct seq_file *, void *),
		     void *priv)
{
	struct seq_file *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, m);
	m->size = 4 * PAGE_SIZE;
	m->buf = kunit_kzalloc(test, m->size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m->buf);
	m->private = priv;
	KUNIT_ASSERT_EQ(test, show(m, NULL), 0);
	KUNIT_ASSERT_FALSE_MSG(test, seq_has_overflowed(m),
			       "output over %zu bytes", m->size);
	KUNIT_ASSERT_LT(test, m->count, m->size);
	m->buf[m->count] = '\0';
	return m->buf;
}

static int bp_write(struct bufpool *pool, enum bufpool_debugfs_ctl ctl,
		    const char *s)
{
	return bufpool_debugfs_ctl_write(pool, ctl, s);
}

static char *bp_strdup(struct kunit *test, const char *s)
{
	size_t len = strlen(s) + 1;
	char *copy = kunit_kmalloc(test, len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, copy);
	memcpy(copy, s, len);
	return copy;
}

#define BP_MAX_COLS	24
#define BP_MAX_ROWS	64

/* A table file: the header's column names and the rows' cells. */
struct bp_table {
	unsigned int nr_cols;
	const char *col[BP_MAX_COLS];
	unsigned int nr_rows;
	unsigned int nr_cells[BP_MAX_ROWS];
	const char *cell[BP_MAX_ROWS][BP_MAX_COLS];
};

/* Split @line at blanks into at most @max words; returns how many. */
static unsigned int bp_words(char *line, const char **word, unsigned int max)
{
	unsigned int n = 0;
	char *w;

	while ((w = strsep(&line, " \t"))) {
		if (!*w)
			continue;
		if (n == max)
			break;
		word[n++] = w;
	}
	return n;
}

/*
 * Parse a table: the line starting with '#' names the columns (the '#'
 * dropped), every other non-empty line is a row.
 */
static struct bp_table *bp_parse(struct kunit *test, const char *text)
{
	struct bp_table *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	char *s = bp_strdup(test, text), *line;

	KUNIT_ASSERT_NOT_NULL(test, t);
	while ((line = strsep(&s, "\n"))) {
		if (!*line)
			continue;
		if (*line == '#') {
			t->nr_cols = bp_words(line + 1, t->col, BP_MAX_COLS);
			continue;
		}
		KUNIT_ASSERT_LT(test, t->nr_rows, BP_MAX_ROWS);
		t->nr_cells[t->nr_rows] = bp_words(line, t->cell[t->nr_rows],
						   BP_MAX_COLS);
		t->nr_rows++;
	}
	KUNIT_ASSERT_GT_MSG(test, t->nr_cols, 0, "no header in:\n%s", text);
	return t;
}

static int bp_col(struct kunit *test, const struct bp_table *t,
		  const char *name)
{
	unsigned int i;

	for (i = 0; i < t->nr_cols; i++)
		if (!strcmp(t->col[i], name))
			return i;
	KUNIT_FAIL(test, "no column %s", name);
	return -1;
}

/* The row whose first cell is @label, or -1. */
static int bp_row(const struct bp_table *t, const char *label)
{
	unsigned int i;

	for (i = 0; i < t->nr_rows; i++)
		if (t->nr_cells[i] && !strcmp(t->cell[i][0], label))
			return i;
	return -1;
}

static const char *bp_cell(struct kunit *test, const struct bp_table *t,
			   int row, const char *col)
{
	int c = bp_col(test, t, col);

	KUNIT_ASSERT_GE(test, row, 0);
	KUNIT_ASSERT_GE(test, c, 0);
	KUNIT_ASSERT_EQ_MSG(test, t->nr_cells[row], t->nr_cols,
			    "row %s has %u cells for %u columns",
			    t->cell[row][0], t->nr_cells[row], t->nr_cols);
	return t->cell[row][c];
}

static unsigned long bp_num(struct kunit *test, const struct bp_table *t,
			    int row, const char *col)
{
	const char *s = bp_cell(test, t, row, col);
	unsigned long v;

	KUNIT_ASSERT_EQ_MSG(test, kstrtoul(s, 10, &v), 0,
			    "column %s of row %s: \"%s\" is not a number", col,
			    t->cell[row][0], s);
	return v;
}

/* The value of "key value" line @key in @text, as a number. */
static unsigned long bp_kv(struct kunit *test, const char *text,
			   const char *key)
{
	char *s = bp_strdup(test, text), *line;
	unsigned long v;

	while ((line = strsep(&s, "\n"))) {
		char *k = strsep(&line, " ");

		if (!line || strcmp(k, key))
			continue;
		KUNIT_ASSERT_EQ_MSG(test, kstrtoul(line, 10, &v), 0,
				    "%s: \"%s\"", key, line);
		return v;
	}
	KUNIT_FAIL(test, "no line %s in:\n%s", key, text);
	return 0;
}

/* The value of "key value" line @key, as text. */
static const char *bp_kv_str(struct kunit *test, const char *text,
			     const char *key)
{
	char *s = bp_strdup(test, text), *line;

	while ((line = strsep(&s, "\n"))) {
		char *k = strsep(&line, " ");

		if (line && !strcmp(k, key))
			return line;
	}
	KUNIT_FAIL(test, "no line %s in:\n%s", key, text);
	return "";
}

static const char *bp_track_state(struct bufpool *pool)
{
	static char state[16];

	return bufpool_track_state(pool, state, sizeof(state));
}

/* === Files === */

static struct dentry *bp_root(struct kunit *test)
{
	struct dentry *root = bufpool_debugfs_root_dir();

	if (IS_ERR_OR_NULL(root))
		kunit_skip(test, "no debugfs");
	return root;
}

static void bp_expect_file(struct kunit *test, struct dentry *dir,
			   const char *name, umode_t mode)
{
	struct dentry *d = debugfs_lookup(name, dir);

	KUNIT_EXPECT_NOT_NULL_MSG(test, d, "no file %s", name);
	if (!d)
		return;
	KUNIT_EXPECT_TRUE_MSG(test, S_ISREG(d_inode(d)->i_mode), "%s", name);
	KUNIT_EXPECT_EQ_MSG(test, d_inode(d)->i_mode & 07777, mode, "%s", name);
	dput(d);
}

static void bufpool_debugfs_test_files(struct kunit *test)
{
	struct dentry *root = bp_root(test);
	struct bufpool *pool = bp_create(test, "kt-dbg-files", 0, 0, 0, 0);
	struct dentry *dir;

	bp_expect_file(test, root, "pools", 0400);
	dir = debugfs_lookup("kt-dbg-files", root);
	KUNIT_ASSERT_NOT_NULL(test, dir);
	KUNIT_EXPECT_PTR_EQ(test, dir, pool->debugfs);
	KUNIT_EXPECT_TRUE(test, S_ISDIR(d_inode(dir)->i_mode));
	dput(dir);

	bp_expect_file(test, pool->debugfs, "stats", 0400);
	bp_expect_file(test, pool->debugfs, "outstanding", 0400);
	bp_expect_file(test, pool->debugfs, "params", 0400);
	bp_expect_file(test, pool->debugfs, "track", 0600);
	bp_expect_file(test, pool->debugfs, "clear", 0200);
	bp_expect_file(test, pool->debugfs, "reset_peak", 0200);
}

/* Destroying a pool removes its files; a namesake gets new ones. */
static void bufpool_debugfs_test_recreate(struct kunit *test)
{
	static const char name[] = "kt-dbg-again";
	struct dentry *root = bp_root(test);
	struct bufpool *old, *pool;
	struct bp_table *t;
	struct dentry *d;
	void *buf;

	old = bufpool_create(name, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, old);
	/* Still out when the pool is destroyed: the pool lives on, dying. */
	buf = bufpool_take(old, 100, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, buf);
	bufpool_destroy(old);

	KUNIT_EXPECT_NULL(test, debugfs_lookup(name, root));
	t = bp_parse(test, bp_show(test, bufpool_debugfs_pools_show, NULL));
	KUNIT_EXPECT_EQ(test, bp_row(t, name), -1);

	pool = bp_create(test, name, 0, 0, 0, 0);
	d = debugfs_lookup(name, root);
	KUNIT_EXPECT_NOT_NULL(test, d);
	KUNIT_EXPECT_PTR_EQ(test, d, pool->debugfs);
	dput(d);
	bp_expect_file(test, pool->debugfs, "stats", 0400);
	bp_expect_file(test, pool->debugfs, "track", 0600);
	t = bp_parse(test, bp_show(test, bufpool_debugfs_pools_show, NULL));
	KUNIT_EXPECT_GE(test, bp_row(t, name), 0);
	/* Exactly one line for the name. */
	t->cell[bp_row(t, name)][0] = "";
	KUNIT_EXPECT_EQ(test, bp_row(t, name), -1);

	/* The dying pool's last buffer: the pool goes with it. */
	bufpool_return(old, buf);

	/* Gone for good, again. */
	kunit_remove_action(test, bp_destroy_action, pool);
	bufpool_destroy(pool);
	KUNIT_EXPECT_NULL(test, debugfs_lookup(name, root));
}

/*
 * Open @name in @dir as a user would, through debugfs's proxy: on a mount
 * of our own, as UML runs the tests before user space mounts anything.
 */
static struct file *bp_open(struct kunit *test, struct vfsmount *mnt,
			    struct dentry *dir, const char *name, int flags)
{
	struct path path = { .mnt = mnt };
	struct file *file;

	path.dentry = debugfs_lookup(name, dir);
	KUNIT_ASSERT_NOT_NULL_MSG(test, path.dentry, "no file %s", name);
	file = dentry_open(&path, flags, current_cred());
	dput(path.dentry);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(file), "open %s: %pe", name, file);
	return file;
}

/*
 * Files open while their pool is destroyed: destroy does not wait for them,
 * and every later read or write fails with -EIO before reaching bufpool;
 * closing them after the pool is gone is safe.
 */
static void bufpool_debugfs_test_destroy_open(struct kunit *test)
{
	static const struct {
		const char *name;
		int flags;
	} files[] = {
		{ "stats", O_RDONLY }, { "outstanding", O_RDONLY },
		{ "params", O_RDONLY }, { "track", O_RDWR },
		{ "clear", O_WRONLY }, { "reset_peak", O_WRONLY },
	};
	struct file *open[ARRAY_SIZE(files)];
	struct file_system_type *type;
	struct bufpool *pool;
	struct vfsmount *mnt;
	unsigned int i;
	loff_t pos = 0;

	bp_root(test);
	type = get_fs_type("debugfs");
	KUNIT_ASSERT_NOT_NULL(test, type);
	mnt = vfs_kern_mount(type, 0, "debugfs", NULL);
	put_filesystem(type);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(mnt), "mount: %pe", mnt);

	pool = bufpool_create("kt-dbg-open", NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pool);
	for (i = 0; i < ARRAY_SIZE(files); i++)
		open[i] = bp_open(test, mnt, pool->debugfs, files[i].name,
				  files[i].flags);

	bufpool_destroy(pool);
	/* Let the pool be freed (nothing is out), so KASAN sees any use. */
	rcu_barrier();
	msleep(20);

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		struct file *f = open[i];

		/* -EIO comes first: the buffer is never touched. */
		if (f->f_op->read)
			KUNIT_EXPECT_EQ_MSG(test, f->f_op->read(f, NULL, 16, &pos),
					    -EIO, "read %s", files[i].name);
		if (f->f_op->write)
			KUNIT_EXPECT_EQ_MSG(test, f->f_op->write(f, NULL, 2, &pos),
					    -EIO, "write %s", files[i].name);
		fput(f);
	}
	mntput(mnt);
}

/* === pools === */

static void bufpool_debugfs_test_pools_header(struct kunit *test)
{
	static const char * const cols[] = {
		"name", "buckets", "out", "out_bytes", "idle", "idle_bytes",
		"peak_out_bytes", "takes", "returns", "hit_pct", "bad_returns",
		"tracking",
	};
	struct bp_table *t;
	unsigned int i;

	bp_create(test, "kt-dbg-header", 0, 0, 0, 0);
	t = bp_parse(test, bp_show(test, bufpool_debugfs_pools_show, NULL));
	KUNIT_ASSERT_EQ(test, t->nr_cols, ARRAY_SIZE(cols));
	for (i = 0; i < ARRAY_SIZE(cols); i++)
		KUNIT_EXPECT_STREQ(test, t->col[i], cols[i]);
	/* Every line is complete; the shared pool is there. */
	for (i = 0; i < t->nr_rows; i++)
		KUNIT_EXPECT_EQ_MSG(test, t->nr_cells[i], t->nr_cols, "row %s",
				    t->cell[i][0]);
	KUNIT_EXPECT_GE(test, bp_row(t, "shared"), 0);
}

static void bufpool_debugfs_test_pools_line(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "kt-dbg-pools", 64, SZ_4K, 0, 0);
	struct bp_table *t;
	void *buf, *big, *small;
	int i, row;

	/* One allocation, then three takes from this CPU's magazine. */
	buf = bp_take(test, pool, 64);
	for (i = 0; i < 3; i++) {
		bufpool_return(pool, buf);
		buf = bp_take(test, pool, 64);
	}
	big = bp_take(test, pool, SZ_8K);		/* unpooled */
	small = bp_take(test, pool, 128);
	bufpool_return(pool, small);			/* idle */

	t = bp_parse(test, bp_show(test, bufpool_debugfs_pools_show, NULL));
	row = bp_row(t, "kt-dbg-pools");
	KUNIT_ASSERT_GE(test, row, 0);
	KUNIT_EXPECT_EQ(test, bp_num(test, t, row, "buckets"), 7);
	KUNIT_EXPECT_EQ(test, bp_num(test, t, row, "out"), 2);
	KUNIT_EXPECT_EQ(test, bp_num(test, t, row, "out_bytes"), 64 + SZ_8K);
	KUNIT_EXPECT_EQ(test, bp_num(test, t, row, "idle"), 1);
	KUNIT_EXPECT_EQ(test, bp_num(test, t, row, "idle_bytes"), 128);
	KUNIT_EXPECT_EQ(test, bp_num(test, t, row, "takes"), 6);
	KUNIT_EXPECT_EQ(test, bp_num(test, t, row, "returns"), 4);
	KUNIT_EXPECT_STREQ(test, bp_cell(test, t, row, "hit_pct"), "50.0");
	KUNIT_EXPECT_EQ(test, bp_num(test, t, row, "bad_returns"), 0);
	KUNIT_EXPECT_STREQ(test, bp_cell(test, t, row, "tracking"),
			   bp_track_state(pool));
	/* Approximate, but unpooled takes are folded at once. */
	KUNIT_EXPECT_EQ(test, bp_num(test, t, row, "peak_out_bytes"),
			READ_ONCE(pool->peak_bytes));
	KUNIT_EXPECT_GE(test, bp_num(test, t, row, "peak_out_bytes"), SZ_8K);

	/* A bad return shows; nothing else changes. */
	bufpool_return(pool, bp_not_a_buffer);
	t = bp_parse(test, bp_show(test, bufpool_debugfs_pools_show, NULL));
	row = bp_row(t, "kt-dbg-pools");
	KUNIT_ASSERT_GE(test, row, 0);
	KUNIT_EXPECT_EQ(test, bp_num(test, t, row, "bad_returns"), 1);
	KUNIT_EXPECT_EQ(test, bp_num(test, t, row, "returns"), 4);

	bufpool_return(pool, big);
	bufpool_return(pool, buf);
}

static void bufpool_debugfs_test_rate(struct kunit *test)
{
	static const struct {
		unsigned long hits, takes;
		const char *text;
	} cases[] = {
		{ 0, 0, "-" },
		{ 0, 5, "0.0" },
		{ 3, 4, "75.0" },
		{ 1, 3, "33.3" },
		{ 2, 3, "66.7" },
		{ 1, 1, "100.0" },
		{ 5, 4, "100.0" },		/* a torn snapshot */
		{ 1, 2000, "0.1" },		/* 0.05 rounds up */
		{ 1, 2001, "0.0" },
		{ 999, 1000, "99.9" },
		{ 9999, 10000, "100.0" },	/* 99.99 rounds up */
		{ ULONG_MAX / 2, ULONG_MAX, "50.0" },
		{ ULONG_MAX - 1, ULONG_MAX, "100.0" },
		{ ULONG_MAX, ULONG_MAX, "100.0" },
	};
	char buf[8];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		KUNIT_EXPECT_STREQ_MSG(test,
				       bufpool_debugfs_rate(buf, sizeof(buf),
							    cases[i].hits,
							    cases[i].takes),
				       cases[i].text, "%lu of %lu",
				       cases[i].hits, cases[i].takes);
}

/* === stats === */

/* The columns of "stats" that are counted, so sum up in the total line. */
static const char * const bp_summed[] = {
	"takes", "returns", "cpu_hits", "depot_hits", "allocs", "alloc_fails",
	"frees", "over_budget", "trimmed", "drained", "bad_returns", "out",
	"idle",
};

/*
 * Check "stats" of a quiet pool against what the test holds: @held[i]
 * buffers of bucket i and @held_unpooled unpooled ones.
 */
static void bp_check_stats(struct kunit *test, struct bufpool *pool,
			   const unsigned long *held,
			   unsigned long held_unpooled)
{
	char *params = bp_show(test, bufpool_debugfs_params_show, pool);
	struct bp_table *t = bp_parse(test, bp_show(test,
						    bufpool_debugfs_stats_show,
						    pool));
	unsigned long sum[ARRAY_SIZE(bp_summed)] = {};
	unsigned long nr_idle, nr_out;
	size_t idle_bytes = 0, out_bytes;
	unsigned int i, c;
	int row;

	KUNIT_ASSERT_EQ(test, t->nr_rows, pool->nr_buckets + 2);
	KUNIT_EXPECT_STREQ(test, t->col[0], "size");
	for (i = 0; i <= pool->nr_buckets; i++) {
		unsigned long takes, returns, out, idle, allocs, frees;
		char label[24];

		if (i < pool->nr_buckets)
			snprintf(label, sizeof(label), "%zu",
				 pool->buckets[i].size);
		else
			strscpy(label, "unpooled");
		row = bp_row(t, label);
		KUNIT_ASSERT_EQ_MSG(test, row, i, "line %s", label);

		takes = bp_num(test, t, row, "takes");
		returns = bp_num(test, t, row, "returns");
		out = bp_num(test, t, row, "out");
		idle = bp_num(test, t, row, "idle");
		allocs = bp_num(test, t, row, "allocs");
		frees = bp_num(test, t, row, "frees");

		/* The invariants of a quiet pool. */
		KUNIT_EXPECT_EQ_MSG(test, takes - returns, out, "line %s",
				    label);
		KUNIT_EXPECT_EQ_MSG(test, out,
				    i < pool->nr_buckets ? held[i] :
							   held_unpooled,
				    "line %s", label);
		/* Every buffer allocated is out, idle or freed. */
		KUNIT_EXPECT_EQ_MSG(test, allocs - frees, out + idle,
				    "line %s", label);
		KUNIT_EXPECT_EQ_MSG(test, bp_num(test, t, row, "cpu_hits") +
				    bp_num(test, t, row, "depot_hits") +
				    allocs, takes, "line %s", label);
		if (i < pool->nr_buckets) {
			KUNIT_EXPECT_EQ(test, idle,
					bufpool_bucket_idle(pool, i, NUMA_NO_NODE));
			KUNIT_EXPECT_EQ(test, bp_num(test, t, row, "peak_out"),
					READ_ONCE(pool->buckets[i].peak_out));
			idle_bytes += idle * pool->buckets[i].size;
		} else {
			KUNIT_EXPECT_EQ(test, idle, 0);
		}
		for (c = 0; c < ARRAY_SIZE(bp_summed); c++)
			sum[c] += bp_num(test, t, row, bp_summed[c]);
	}

	/* The total line is the sum of the others. */
	row = bp_row(t, "total");
	KUNIT_ASSERT_EQ(test, row, pool->nr_buckets + 1);
	for (c = 0; c < ARRAY_SIZE(bp_summed); c++)
		KUNIT_EXPECT_EQ_MSG(test, bp_num(test, t, row, bp_summed[c]),
				    sum[c], "total %s", bp_summed[c]);
	KUNIT_EXPECT_STREQ(test, bp_cell(test, t, row, "peak_out"), "-");

	/* ... and agrees with the pool's own accounting. */
	nr_out = bufpool_outstanding(pool, &out_bytes);
	KUNIT_EXPECT_EQ(test, bp_num(test, t, row, "out"), nr_out);
	KUNIT_EXPECT_EQ(test, bufpool_idle(pool, &nr_idle), idle_bytes);
	KUNIT_EXPECT_EQ(test, bp_num(test, t, row, "idle"), nr_idle);

	/* Where it is: one node here, which holds all of it. */
	KUNIT_EXPECT_EQ(test, bp_kv(test, params, "nr_nodes"), nr_node_ids);
	KUNIT_EXPECT_EQ(test, bp_kv(test, params, "node0_idle_bytes"),
			idle_bytes);
	KUNIT_EXPECT_EQ(test, bp_kv(test, params, "node0_cpu_idle_bytes"),
			idle_bytes - atomic_long_read(&pool->depot_bytes));

	/* Idle memory within the documented bound. */
	KUNIT_EXPECT_LE(test, idle_bytes, bp_kv(test, params, "idle_bound"));
	KUNIT_EXPECT_LE(test, atomic_long_read(&pool->depot_bytes),
			pool->max_cached_bytes);
}

static void bufpool_debugfs_test_stats_invariants(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "kt-dbg-stats", 64, SZ_64K,
					 SZ_256K, 0);
	unsigned long held[16] = {}, held_unpooled = 0;
	void *bufs[16][12], *unpooled[2];
	unsigned int i, j, n;

	KUNIT_ASSERT_LE(test, pool->nr_buckets, ARRAY_SIZE(held));
	bp_check_stats(test, pool, held, 0);

	/* Bucket i: take i + 1 buffers (at most 12), give back half. */
	for (i = 0; i < pool->nr_buckets; i++) {
		n = min(i + 1, 12U);
		for (j = 0; j < n; j++)
			bufs[i][j] = bp_take(test, pool, pool->buckets[i].size);
		for (j = 0; j < n / 2; j++)
			bufpool_return(pool, bufs[i][j]);
		held[i] = n - n / 2;
	}
	/* Some recycling, to have hits. */
	for (j = 0; j < 100; j++)
		bufpool_return(pool, bp_take(test, pool, 200 + j));
	for (j = 0; j < ARRAY_SIZE(unpooled); j++)
		unpooled[j] = bp_take(test, pool, SZ_128K);
	bufpool_return(pool, unpooled[0]);
	held_unpooled = 1;
	bp_check_stats(test, pool, held, held_unpooled);

	/* After clear: nothing idle, the same out. */
	KUNIT_EXPECT_EQ(test, bufpool_debugfs_ctl_write(pool, BUFPOOL_CTL_CLEAR,
							"1"), 0);
	bp_check_stats(test, pool, held, held_unpooled);
	KUNIT_EXPECT_EQ(test, bufpool_idle(pool, NULL), 0);

	for (i = 0; i < pool->nr_buckets; i++) {
		n = min(i + 1, 12U);
		for (j = n / 2; j < n; j++)
			bufpool_return(pool, bufs[i][j]);
		held[i] = 0;
	}
	bufpool_return(pool, unpooled[1]);
	bp_check_stats(test, pool, held, 0);
}

/* Returns over the budget are freed; idle stays within the bound. */
static void bufpool_debugfs_test_stats_idle_bound(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "kt-dbg-bound", 64, SZ_64K,
					 SZ_64K, 0);
	unsigned long held[16] = {};
	struct bp_table *t;
	unsigned int i, j;
	void **bufs;

	bufs = kunit_kcalloc(test, 64, sizeof(*bufs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bufs);
	for (i = 0; i < pool->nr_buckets; i++) {
		for (j = 0; j < 64; j++)
			bufs[j] = bp_take(test, pool, pool->buckets[i].size);
		for (j = 0; j < 64; j++)
			bufpool_return(pool, bufs[j]);
	}
	bp_check_stats(test, pool, held, 0);

	t = bp_parse(test, bp_show(test, bufpool_debugfs_stats_show, pool));
	KUNIT_EXPECT_GT(test, bp_num(test, t, bp_row(t, "total"),
				     "over_budget"), 0);
}

/* === params === */

static void bufpool_debugfs_test_params(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "kt-dbg-params", 256, SZ_64K,
					 SZ_1M, BUFPOOL_F_NO_INIT);
	char *text = bp_show(test, bufpool_debugfs_params_show, pool);
	unsigned int nr_cpus = num_possible_cpus();
	size_t cpu_bound = 0;
	struct bp_table *t;
	unsigned int i;

	KUNIT_EXPECT_STREQ(test, bp_kv_str(test, text, "name"), "kt-dbg-params");
	KUNIT_EXPECT_EQ(test, bp_kv(test, text, "min_size"), 256);
	KUNIT_EXPECT_EQ(test, bp_kv(test, text, "max_size"), SZ_64K);
	KUNIT_EXPECT_EQ(test, bp_kv(test, text, "max_cached_bytes"), SZ_1M);
	KUNIT_EXPECT_STREQ(test, bp_kv_str(test, text, "flags"), "0x1 no_init");
	KUNIT_EXPECT_STREQ(test, bp_kv_str(test, text, "tracking"),
			   bp_track_state(pool));
	KUNIT_EXPECT_EQ(test, bp_kv(test, text, "nr_buckets"), 9);
	KUNIT_EXPECT_EQ(test, bp_kv(test, text, "nr_cpus"), nr_cpus);

	KUNIT_EXPECT_EQ(test, bp_kv(test, text, "cpu_cache_bytes"), SZ_256K);

	t = bp_parse(test, text);
	for (i = 0; i < 9; i++) {
		size_t size = 256UL << i;
		unsigned int limit = bp_tuning_cpu_limit(256, SZ_64K, SZ_256K,
							 size);
		char label[24];
		int row;

		snprintf(label, sizeof(label), "%zu", size);
		row = bp_row(t, label);
		KUNIT_ASSERT_GE_MSG(test, row, 0, "no line for %zu", size);
		KUNIT_EXPECT_STREQ(test, bp_cell(test, t, row, "backend"),
				   size <= PAGE_SIZE ? "slab" : "pages");
		KUNIT_EXPECT_EQ(test, bp_num(test, t, row, "order"),
				size <= PAGE_SIZE ? 0 : get_order(size));
		KUNIT_EXPECT_EQ(test, bp_num(test, t, row, "mag_size"),
				limit ?: 1);
		KUNIT_EXPECT_EQ(test, bp_num(test, t, row, "cpu_limit"), limit);
		KUNIT_EXPECT_EQ(test, bp_num(test, t, row, "cpu_bound"),
				2 * limit * size);
		cpu_bound += 2 * limit * size;
	}
	KUNIT_EXPECT_EQ(test, cpu_bound,
			bp_tuning_cpu_bound(256, SZ_64K, SZ_256K));
	KUNIT_EXPECT_EQ(test, bp_kv(test, text, "cpu_bound"), cpu_bound);
	KUNIT_EXPECT_EQ(test, bp_kv(test, text, "idle_bound"),
			SZ_1M + nr_cpus * cpu_bound);
}

/* The decay step's state: off, idle until a buffer comes back, armed. */
static void bufpool_debugfs_test_params_decay(struct kunit *test)
{
	struct bufpool_params off = { .decay_ms = BUFPOOL_DECAY_OFF };
	struct bufpool *pool = bp_create(test, "kt-dbg-decay", 0, 0, 0, 0);
	struct bufpool *quiet = bufpool_create("kt-dbg-decay-off", &off);
	char *text;
	void *buf;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, quiet);
	bp_destroy_at_end(test, quiet);
	text = bp_show(test, bufpool_debugfs_params_show, quiet);
	KUNIT_EXPECT_EQ(test, bp_kv(test, text, "decay_ms"), 0);
	KUNIT_EXPECT_STREQ(test, bp_kv_str(test, text, "decay"), "off");

	text = bp_show(test, bufpool_debugfs_params_show, pool);
	KUNIT_EXPECT_STREQ(test, bp_kv_str(test, text, "decay"), "idle");
	buf = bp_take(test, pool, 100);
	bufpool_return(pool, buf);
	text = bp_show(test, bufpool_debugfs_params_show, pool);
	KUNIT_EXPECT_STREQ(test, bp_kv_str(test, text, "decay"), "armed");
}

static void bufpool_debugfs_test_params_defaults(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "kt-dbg-defaults", 0, 0, 0, 0);
	char *text = bp_show(test, bufpool_debugfs_params_show, pool);
	struct bp_table *t;

	KUNIT_EXPECT_EQ(test, bp_kv(test, text, "min_size"), 64);
	KUNIT_EXPECT_EQ(test, bp_kv(test, text, "max_size"), SZ_1M);
	KUNIT_EXPECT_EQ(test, bp_kv(test, text, "max_cached_bytes"),
			16 * SZ_1M);
	KUNIT_EXPECT_STREQ(test, bp_kv_str(test, text, "flags"), "0x0");
	KUNIT_EXPECT_EQ(test, bp_kv(test, text, "nr_buckets"), 15);
	KUNIT_EXPECT_EQ(test, bp_kv(test, text, "cpu_cache_bytes"), SZ_256K);
	/* "220 KiB per CPU" in Documentation/tuning.rst */
	KUNIT_EXPECT_EQ(test, bp_kv(test, text, "cpu_bound"), 225280);
	KUNIT_EXPECT_EQ(test, bp_tuning_cpu_bound(64, SZ_1M, SZ_256K), 225280);
	KUNIT_EXPECT_EQ(test, bp_kv(test, text, "decay_ms"), 5000);
	/* Nothing idle yet: the decay step does not run. */
	KUNIT_EXPECT_STREQ(test, bp_kv_str(test, text, "decay"), "idle");
	t = bp_parse(test, text);
	KUNIT_EXPECT_EQ(test, t->nr_rows - bp_row(t, "64"), 15);
}

/* === Controls === */

static const char * const bp_invalid[] = {
	"", "\n", "x", "-1", "1x", "0x1", "1 2", " 1", "1\n\n", "1.0",
	"4294967296", "99999999999999999999",
};

static void bufpool_debugfs_test_track_read(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "kt-dbg-track-rd", 0, 0, 0, 0);
	char expect[24];

	snprintf(expect, sizeof(expect), "%s\n", bp_track_state(pool));
	KUNIT_EXPECT_STREQ(test, bp_show(test, bufpool_debugfs_track_show,
					 pool), expect);
}

static void bufpool_debugfs_test_track_write(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "kt-dbg-track", 0, 0, 0, 0);
	int err;

	KUNIT_EXPECT_EQ(test, bufpool_debugfs_ctl_write(pool, BUFPOOL_CTL_TRACK,
							"0\n"), 0);
	KUNIT_EXPECT_STREQ(test, bp_show(test, bufpool_debugfs_track_show,
					 pool), "off\n");

	err = bufpool_debugfs_ctl_write(pool, BUFPOOL_CTL_TRACK, "1\n");
	if (err == -EOPNOTSUPP) {
		KUNIT_EXPECT_STREQ(test, bp_track_state(pool), "off");
		kunit_skip(test, "tracking cannot be turned on in this build");
	}
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_EXPECT_STREQ(test, bp_show(test, bufpool_debugfs_track_show,
					 pool), "all\n");
	KUNIT_EXPECT_EQ(test, bufpool_debugfs_ctl_write(pool, BUFPOOL_CTL_TRACK,
							"16"), 0);
	KUNIT_EXPECT_STREQ(test, bp_show(test, bufpool_debugfs_track_show,
					 pool), "1/16\n");
	KUNIT_EXPECT_EQ(test, bufpool_debugfs_ctl_write(pool, BUFPOOL_CTL_TRACK,
							"0"), 0);
	KUNIT_EXPECT_STREQ(test, bp_show(test, bufpool_debugfs_track_show,
					 pool), "off\n");
}

static void bufpool_debugfs_test_track_write_invalid(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "kt-dbg-track-inval", 0, 0, 0,
					 0);
	unsigned int i, round;
	char before[16];

	/* With tracking off, then (if it can be) at one take in 8. */
	for (round = 0; round < 2; round++) {
		if (round &&
		    bufpool_debugfs_ctl_write(pool, BUFPOOL_CTL_TRACK, "8"))
			break;
		strscpy(before, bp_track_state(pool));
		for (i = 0; i < ARRAY_SIZE(bp_invalid); i++) {
			int err = bp_write(pool, BUFPOOL_CTL_TRACK,
					   bp_invalid[i]);

			KUNIT_EXPECT_EQ_MSG(test, err, -EINVAL, "\"%s\"",
					    bp_invalid[i]);
			KUNIT_EXPECT_STREQ(test, bp_track_state(pool), before);
		}
	}
}

static void bufpool_debugfs_test_clear_write(struct kunit *test)
{
	static const char * const invalid[] = { "0", "2", "11", "01x" };
	struct bufpool *pool = bp_create(test, "kt-dbg-clear", 64, SZ_64K, 0, 0);
	unsigned long nr_idle, nr, frees;
	unsigned int i, j;
	void *bufs[8];

	for (i = 0; i < pool->nr_buckets; i++) {
		for (j = 0; j < ARRAY_SIZE(bufs); j++)
			bufs[j] = bp_take(test, pool, pool->buckets[i].size);
		for (j = 0; j < ARRAY_SIZE(bufs); j++)
			bufpool_return(pool, bufs[j]);
	}
	bufpool_idle(pool, &nr_idle);
	KUNIT_ASSERT_GT(test, nr_idle, 0);
	frees = bufpool_stat_sum(pool, 0, BUFPOOL_STAT_FREE);

	for (i = 0; i < ARRAY_SIZE(invalid) + ARRAY_SIZE(bp_invalid); i++) {
		const char *s = i < ARRAY_SIZE(invalid) ? invalid[i] :
				bp_invalid[i - ARRAY_SIZE(invalid)];

		KUNIT_EXPECT_EQ_MSG(test, bp_write(pool, BUFPOOL_CTL_CLEAR, s),
				    -EINVAL, "\"%s\"", s);
		bufpool_idle(pool, &nr);
		KUNIT_EXPECT_EQ_MSG(test, nr, nr_idle, "\"%s\"", s);
	}
	KUNIT_EXPECT_EQ(test, bufpool_stat_sum(pool, 0, BUFPOOL_STAT_FREE),
			frees);

	KUNIT_EXPECT_EQ(test, bufpool_debugfs_ctl_write(pool, BUFPOOL_CTL_CLEAR,
							"1\n"), 0);
	KUNIT_EXPECT_EQ(test, bufpool_idle(pool, &nr), 0);
	KUNIT_EXPECT_EQ(test, nr, 0);
	/* Again, with nothing to free. */
	KUNIT_EXPECT_EQ(test, bufpool_debugfs_ctl_write(pool, BUFPOOL_CTL_CLEAR,
							"1"), 0);
	KUNIT_EXPECT_EQ(test, bufpool_outstanding(pool, NULL), 0);
}

static void bufpool_debugfs_test_reset_peak_write(struct kunit *test)
{
	static const char * const invalid[] = { "0", "2", "11" };
	struct bufpool *pool = bp_create(test, "kt-dbg-peak", 64, SZ_4K, 0, 0);
	struct bp_table *t;
	unsigned int i;
	void *bufs[3];

	/* Unpooled buffers are folded into the peaks at once: exact. */
	for (i = 0; i < ARRAY_SIZE(bufs); i++)
		bufs[i] = bp_take(test, pool, SZ_8K);
	bufpool_return(pool, bufs[0]);
	bufpool_return(pool, bufs[1]);

	t = bp_parse(test, bp_show(test, bufpool_debugfs_stats_show, pool));
	KUNIT_EXPECT_EQ(test, bp_num(test, t, bp_row(t, "unpooled"),
				     "peak_out"), 3);
	KUNIT_EXPECT_EQ(test, bp_num(test, t, bp_row(t, "unpooled"), "out"), 1);
	KUNIT_EXPECT_EQ(test, READ_ONCE(pool->peak_bytes), 3 * SZ_8K);

	for (i = 0; i < ARRAY_SIZE(invalid) + ARRAY_SIZE(bp_invalid); i++) {
		const char *s = i < ARRAY_SIZE(invalid) ? invalid[i] :
				bp_invalid[i - ARRAY_SIZE(invalid)];

		KUNIT_EXPECT_EQ_MSG(test, bp_write(pool, BUFPOOL_CTL_RESET_PEAK, s),
				    -EINVAL, "\"%s\"", s);
		KUNIT_EXPECT_EQ(test, READ_ONCE(pool->unpooled.peak_out), 3);
		KUNIT_EXPECT_EQ(test, READ_ONCE(pool->peak_bytes), 3 * SZ_8K);
	}

	KUNIT_EXPECT_EQ(test, bufpool_debugfs_ctl_write(pool,
							BUFPOOL_CTL_RESET_PEAK,
							"1\n"), 0);
	t = bp_parse(test, bp_show(test, bufpool_debugfs_stats_show, pool));
	KUNIT_EXPECT_EQ(test, bp_num(test, t, bp_row(t, "unpooled"),
				     "peak_out"), 1);
	t = bp_parse(test, bp_show(test, bufpool_debugfs_pools_show, NULL));
	KUNIT_EXPECT_EQ(test, bp_num(test, t, bp_row(t, "kt-dbg-peak"),
				     "peak_out_bytes"), SZ_8K);

	/* And the peak climbs again from there. */
	bufs[0] = bp_take(test, pool, SZ_8K);
	KUNIT_EXPECT_EQ(test, READ_ONCE(pool->unpooled.peak_out), 2);
	bufpool_return(pool, bufs[0]);
	bufpool_return(pool, bufs[2]);
}

/* === outstanding and addresses === */

static void bufpool_debugfs_test_outstanding(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "kt-dbg-out", 0, 0, 0, 0);
	void *a = bp_take(test, pool, 64), *b = bp_take(test, pool, 100);
	char *text = bp_show(test, bufpool_debugfs_outstanding_show, pool);
	size_t len = strlen(text);

	kunit_info(test, "outstanding:\n%s", text);
	KUNIT_EXPECT_GT(test, len, 0);
	if (len)
		KUNIT_EXPECT_EQ(test, text[len - 1], '\n');
	/* With tracking off the file says how many are out. */
	if (strstr(text, "tracking off"))
		KUNIT_EXPECT_NOT_NULL(test, strstr(text,
						   "2 buffers (192 bytes) out"));
	bufpool_return(pool, a);
	bufpool_return(pool, b);
}

static void bp_expect_no_address(struct kunit *test, const char *file,
				 const char *text, const void *p)
{
	char hex[24];

	snprintf(hex, sizeof(hex), "%lx", (unsigned long)p);
	KUNIT_EXPECT_NULL_MSG(test, strstr(text, hex), "%s shows %s", file,
			      hex);
	snprintf(hex, sizeof(hex), "%lu", (unsigned long)p);
	KUNIT_EXPECT_NULL_MSG(test, strstr(text, hex), "%s shows %s", file,
			      hex);
}

static void bufpool_debugfs_test_no_addresses(struct kunit *test)
{
	struct bufpool *pool = bp_create(test, "kt-dbg-addr", 0, 0, 0, 0);
	static const struct {
		const char *name;
		int (*show)(struct seq_file *m, void *v);
	} files[] = {
		{ "pools", bufpool_debugfs_pools_show },
		{ "stats", bufpool_debugfs_stats_show },
		{ "params", bufpool_debugfs_params_show },
		{ "track", bufpool_debugfs_track_show },
		{ "outstanding", bufpool_debugfs_outstanding_show },
	};
	void *bufs[3] = {
		bp_take(test, pool, 64), bp_take(test, pool, SZ_8K),
		bp_take(test, pool, SZ_2M),
	};
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		char *text = bp_show(test, files[i].show, pool);

		bp_expect_no_address(test, files[i].name, text, pool);
		bp_expect_no_address(test, files[i].name, text, pool->f.cpu);
		for (j = 0; j < ARRAY_SIZE(bufs); j++)
			bp_expect_no_address(test, files[i].name, text,
					     bufs[j]);
	}
	for (j = 0; j < ARRAY_SIZE(bufs); j++)
		bufpool_return(pool, bufs[j]);
}

/* === Races === */

struct bp_race {
	struct bufpool *pool;
	unsigned long rounds;
};

static int bp_race_thread(void *arg)
{
	struct bp_race *r = arg;
	void *bufs[8] = {};
	struct rnd_state rnd;
	unsigned int i;

	prandom_seed_state(&rnd, 42);
	while (!kthread_should_stop()) {
		for (i = 0; i < ARRAY_SIZE(bufs); i++)
			bufs[i] = bufpool_take(r->pool,
					       1 + prandom_u32_state(&rnd) % SZ_128K,
					       GFP_KERNEL);
		for (i = 0; i < ARRAY_SIZE(bufs); i++)
			bufpool_return(r->pool, bufs[i]);
		/* UML has one CPU: leave the controls some of it. */
		if (!(++r->rounds % 64))
			usleep_range(50, 100);
		else
			cond_resched();
	}
	return 0;
}

/* Controls and reads race with takes and returns, then the pool is quiet. */
static void bufpool_debugfs_test_race(struct kunit *test)
{
	static const char * const writes[] = { "1", "1", "x", "0" };
	struct bufpool *pool = bp_create(test, "kt-dbg-race", 64, SZ_64K, SZ_256K,
					 0);
	unsigned long held[16] = {};
	unsigned long deadline, n = 0;
	struct task_struct *task;
	struct bp_race r = { .pool = pool };

	task = kthread_run(bp_race_thread, &r, "kt-dbg-race");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	deadline = jiffies + msecs_to_jiffies(500);
	while (time_before(jiffies, deadline)) {
		bufpool_debugfs_ctl_write(pool, BUFPOOL_CTL_CLEAR,
					  writes[n % ARRAY_SIZE(writes)]);
		bufpool_debugfs_ctl_write(pool, BUFPOOL_CTL_RESET_PEAK,
					  writes[(n + 1) % ARRAY_SIZE(writes)]);
		bufpool_debugfs_ctl_write(pool, BUFPOOL_CTL_TRACK, "0");
		bp_show(test, bufpool_debugfs_stats_show, pool);
		bp_show(test, bufpool_debugfs_pools_show, NULL);
		bp_show(test, bufpool_debugfs_outstanding_show, pool);
		n++;
		usleep_range(100, 200);
	}
	kthread_stop(task);
	kunit_info(test, "%lu rounds of takes, %lu of controls", r.rounds, n);
	KUNIT_EXPECT_GT(test, r.rounds, 0);
	bp_check_stats(test, pool, held, 0);
}

static struct kunit_case bufpool_debugfs_test_cases[] = {
	KUNIT_CASE(bufpool_debugfs_test_files),
	KUNIT_CASE(bufpool_debugfs_test_recreate),
	KUNIT_CASE(bufpool_debugfs_test_destroy_open),
	KUNIT_CASE(bufpool_debugfs_test_pools_header),
	KUNIT_CASE(bufpool_debugfs_test_pools_line),
	KUNIT_CASE(bufpool_debugfs_test_rate),
	KUNIT_CASE(bufpool_debugfs_test_stats_invariants),
	KUNIT_CASE(bufpool_debugfs_test_stats_idle_bound),
	KUNIT_CASE(bufpool_debugfs_test_params),
	KUNIT_CASE(bufpool_debugfs_test_params_defaults),
	KUNIT_CASE(bufpool_debugfs_test_params_decay),
	KUNIT_CASE(bufpool_debugfs_test_track_read),
	KUNIT_CASE(bufpool_debugfs_test_track_write),
	KUNIT_CASE(bufpool_debugfs_test_track_write_invalid),
	KUNIT_CASE(bufpool_debugfs_test_clear_write),
	KUNIT_CASE(bufpool_debugfs_test_reset_peak_write),
	KUNIT_CASE(bufpool_debugfs_test_outstanding),
	KUNIT_CASE(bufpool_debugfs_test_no_addresses),
	KUNIT_CASE_SLOW(bufpool_debugfs_test_race),
	{}
};

static struct kunit_suite bufpool_debugfs_test_suite = {
	.name = "bufpool_debugfs",
	.test_cases = bufpool_debugfs_test_cases,
};

kunit_test_suites(&bufpool_debugfs_test_suite);
