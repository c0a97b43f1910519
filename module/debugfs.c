// SPDX-License-Identifier: GPL-2.0
/*
 * bufpool debugfs: /sys/kernel/debug/bufpool (Documentation/debugfs.rst).
 *
 * "pools" lists every live pool, one line each, like /proc/slabinfo; each
 * pool has a directory with its counters per bucket ("stats"), the buffers
 * it has out ("outstanding"), its effective parameters ("params") and three
 * controls ("track", "clear", "reset_peak").  Every file is root-only and
 * prints no kernel address.
 *
 * Lifetime: the files are created by bufpool_create() once the pool is
 * complete and removed first thing in bufpool_destroy().  debugfs's full
 * proxy (debugfs_create_file(), not the _unsafe variant) makes that removal
 * wait for the file operations in flight, and fails later ones on files
 * still open with -EIO, so no file operation ever sees a destroyed pool.
 * "pools" walks bufpool_pools under bufpool_mutex instead, which keeps the
 * pools on it alive.
 *
 * The counters are per-CPU sums read without stopping anyone (stats.c), so
 * in a busy pool two columns may disagree by the events in flight; each
 * line is computed from one snapshot, and a totals line is the sum of the
 * lines printed above it.
 */
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include "internal.h"

/* === Data === */

/* /sys/kernel/debug/bufpool, or an ERR_PTR if debugfs is off. */
static struct dentry *bufpool_debugfs_root;

/* Longest text a control file accepts, with its newline. */
#define BUFPOOL_CTL_MAX		24

/* === Helpers === */

/**
 * bufpool_debugfs_rate() - format a hit rate in percent with one decimal
 * @buf: the text, "0.0" to "100.0", or "-" when there were no takes
 * @len: size of @buf; 8 is enough
 * @hits: takes served from the pool's magazines or depot
 * @takes: all takes
 *
 * Integers only, rounded to the nearest tenth; @hits above @takes (a
 * snapshot of counters read at different times) counts as @takes.
 *
 * Context: any context.
 * Return: @buf.
 */
VISIBLE_IF_KUNIT const char *bufpool_debugfs_rate(char *buf, size_t len,
						  unsigned long hits,
						  unsigned long takes)
{
	u64 twice_permille;
	unsigned int permille;

	if (!takes) {
		strscpy(buf, "-", len);
		return buf;
	}
	/* 128-bit intermediate: hits * 2000 overflows 64 bits soon enough. */
	twice_permille = mul_u64_u64_div_u64(min(hits, takes), 2000, takes);
	/* At most 1000, as hits <= takes; min() tells the compiler too. */
	permille = min_t(u64, (twice_permille + 1) / 2, 1000);
	snprintf(buf, len, "%u.%u", permille / 10, permille % 10);
	return buf;
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_debugfs_rate);

/**
 * bufpool_cpu_bound() - bytes one CPU's magazines may hold for a bucket
 * @b: the bucket
 *
 * Two magazines of @b->cpu_limit buffers, none for a depot-only bucket;
 * Documentation/tuning.rst gives the formula.
 *
 * Return: the bound in bytes.
 */
static size_t bufpool_cpu_bound(const struct bufpool_bucket *b)
{
	return size_mul(2 * b->cpu_limit, b->size);
}

/* One line's worth of a slot's numbers, read once. */
struct bufpool_slot_stats {
	unsigned long stat[BUFPOOL_STAT_COUNT];
	unsigned long out;
	unsigned long peak_out;
	unsigned long idle;
};

static void bufpool_slot_read(struct bufpool *pool, unsigned int slot,
			      struct bufpool_slot_stats *s)
{
	const struct bufpool_bucket *b;
	long out;

	bufpool_stat_read(pool, slot, s->stat);
	/* As bufpool_outstanding(): a foreign return may push it below 0. */
	out = s->stat[BUFPOOL_STAT_TAKE] - s->stat[BUFPOOL_STAT_RETURN];
	s->out = max(out, 0L);
	if (slot == bufpool_unpooled_slot(pool)) {
		b = &pool->unpooled;
		s->idle = 0;
	} else {
		b = &pool->buckets[slot];
		s->idle = bufpool_bucket_idle(pool, slot, NUMA_NO_NODE);
	}
	/* Approximate, racing with bufpool_add_out(): see debugfs.rst. */
	s->peak_out = READ_ONCE(b->peak_out);
}

/* === pools === */

#define BUFPOOL_POOLS_FMT \
	"%-20s %7s %9s %12s %9s %12s %14s %12s %12s %7s %11s %s\n"

/**
 * bufpool_debugfs_pools_show() - the "pools" file: one line per live pool
 * @m: the seq_file
 * @v: unused
 *
 * Context: process context; takes bufpool_mutex.
 * Return: 0.
 */
VISIBLE_IF_KUNIT int bufpool_debugfs_pools_show(struct seq_file *m, void *v)
{
	struct bufpool *pool;

	seq_printf(m, BUFPOOL_POOLS_FMT, "# name", "buckets", "out",
		   "out_bytes", "idle", "idle_bytes", "peak_out_bytes", "takes",
		   "returns", "hit_pct", "bad_returns", "tracking");

	/* Holds every pool on the list alive: bufpool_free() unlinks first. */
	mutex_lock(&bufpool_mutex);
	list_for_each_entry(pool, &bufpool_pools, list) {
		unsigned long takes = 0, returns = 0, hits = 0, bad = 0;
		unsigned long stat[BUFPOOL_STAT_COUNT];
		unsigned long out, idle;
		size_t out_bytes, idle_bytes;
		char rate[8], track[16];
		unsigned int slot;

		for (slot = 0; slot <= bufpool_unpooled_slot(pool); slot++) {
			bufpool_stat_read(pool, slot, stat);
			takes += stat[BUFPOOL_STAT_TAKE];
			returns += stat[BUFPOOL_STAT_RETURN];
			hits += stat[BUFPOOL_STAT_CPU_HIT] +
				stat[BUFPOOL_STAT_DEPOT_HIT];
			bad += stat[BUFPOOL_STAT_BAD_RETURN];
		}
		out = bufpool_outstanding(pool, &out_bytes);
		idle_bytes = bufpool_idle(pool, &idle);

		seq_printf(m, "%-20s %7u %9lu %12zu %9lu %12zu %14lu %12lu %12lu %7s %11lu %s\n",
			   pool->name, pool->nr_buckets, out, out_bytes, idle,
			   idle_bytes, READ_ONCE(pool->peak_bytes), takes,
			   returns, bufpool_debugfs_rate(rate, sizeof(rate),
							 hits, takes),
			   bad, bufpool_track_state(pool, track, sizeof(track)));
	}
	mutex_unlock(&bufpool_mutex);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_debugfs_pools_show);
DEFINE_SHOW_ATTRIBUTE(bufpool_debugfs_pools);

/* === <pool>/stats === */

/* Columns after "size", in order. */
enum {
	BUFPOOL_COL_OUT = BUFPOOL_STAT_COUNT,
	BUFPOOL_COL_PEAK_OUT,
	BUFPOOL_COL_IDLE,
	BUFPOOL_COL_COUNT
};

/* A column is as wide as its name, and at least this wide. */
#define BUFPOOL_COL_MIN_WIDTH	8

static const char *bufpool_col_name(unsigned int col)
{
	switch (col) {
	case BUFPOOL_COL_OUT:
		return "out";
	case BUFPOOL_COL_PEAK_OUT:
		return "peak_out";
	case BUFPOOL_COL_IDLE:
		return "idle";
	default:
		return bufpool_stat_names[col];
	}
}

static int bufpool_col_width(unsigned int col)
{
	return max_t(int, strlen(bufpool_col_name(col)), BUFPOOL_COL_MIN_WIDTH);
}

static unsigned long bufpool_col_value(const struct bufpool_slot_stats *s,
				       unsigned int col)
{
	switch (col) {
	case BUFPOOL_COL_OUT:
		return s->out;
	case BUFPOOL_COL_PEAK_OUT:
		return s->peak_out;
	case BUFPOOL_COL_IDLE:
		return s->idle;
	default:
		return s->stat[col];
	}
}

static void bufpool_stats_line(struct seq_file *m, const char *label,
			       const struct bufpool_slot_stats *s)
{
	unsigned int col;

	seq_printf(m, "%10s", label);
	for (col = 0; col < BUFPOOL_COL_COUNT; col++) {
		/* A sum of peaks reached at different times is no peak. */
		if (!s && col == BUFPOOL_COL_PEAK_OUT)
			seq_printf(m, " %*s", bufpool_col_width(col), "-");
		else
			seq_printf(m, " %*lu", bufpool_col_width(col),
				   bufpool_col_value(s, col));
	}
}

/* bufpool_stats_nodes()'s header and total lines, past the slots. */
#define BUFPOOL_NODES_HEADER	UINT_MAX
#define BUFPOOL_NODES_TOTAL	(UINT_MAX - 1)

/*
 * On a NUMA machine, the columns past "idle": a bucket's idle buffers of
 * each node's memory, "idle_n0" and on, in slot @slot's line (0 for the
 * unpooled slot, which keeps none), summed in @total for the total line.
 */
static void bufpool_stats_nodes(struct seq_file *m, struct bufpool *pool,
				unsigned int slot, unsigned long *total)
{
	unsigned long n;
	char name[16];
	int nid;

	for (nid = 0; nr_node_ids > 1 && nid < nr_node_ids; nid++) {
		snprintf(name, sizeof(name), "idle_n%d", nid);
		if (slot == BUFPOOL_NODES_HEADER) {
			seq_printf(m, " %*s", BUFPOOL_COL_MIN_WIDTH, name);
			continue;
		}
		if (slot == BUFPOOL_NODES_TOTAL)
			n = total[nid];
		else if (slot == bufpool_unpooled_slot(pool))
			n = 0;
		else
			n = bufpool_bucket_idle(pool, slot, nid);
		if (slot != BUFPOOL_NODES_TOTAL)
			total[nid] += n;
		seq_printf(m, " %*lu", BUFPOOL_COL_MIN_WIDTH, n);
	}
}

/**
 * bufpool_debugfs_stats_show() - the "stats" file of a pool
 * @m: the seq_file; @m->private is the pool
 * @v: unused
 *
 * A header, one line per bucket (its size first), a line for the unpooled
 * slot ("unpooled": buffers above max_size and returns no bucket owns) and
 * a "total" line, the sum of the lines above it, with "-" for the peak.
 *
 * Context: process context.
 * Return: 0.
 */
VISIBLE_IF_KUNIT int bufpool_debugfs_stats_show(struct seq_file *m, void *v)
{
	struct bufpool *pool = m->private;
	struct bufpool_slot_stats s, total = {};
	unsigned long *node_total = NULL;
	unsigned int slot, col;

	if (nr_node_ids > 1) {
		node_total = kcalloc(nr_node_ids, sizeof(*node_total),
				     GFP_KERNEL);
		if (!node_total)
			return -ENOMEM;
	}

	seq_printf(m, "%10s", "#     size");
	for (col = 0; col < BUFPOOL_COL_COUNT; col++)
		seq_printf(m, " %*s", bufpool_col_width(col),
			   bufpool_col_name(col));
	bufpool_stats_nodes(m, pool, BUFPOOL_NODES_HEADER, NULL);
	seq_putc(m, '\n');

	for (slot = 0; slot <= bufpool_unpooled_slot(pool); slot++) {
		char size[24];

		bufpool_slot_read(pool, slot, &s);
		if (slot == bufpool_unpooled_slot(pool))
			strscpy(size, "unpooled");
		else
			snprintf(size, sizeof(size), "%zu",
				 pool->buckets[slot].size);
		bufpool_stats_line(m, size, &s);
		bufpool_stats_nodes(m, pool, slot, node_total);
		seq_putc(m, '\n');

		for (col = 0; col < BUFPOOL_STAT_COUNT; col++)
			total.stat[col] += s.stat[col];
		total.out += s.out;
		total.idle += s.idle;
	}
	seq_printf(m, "%10s", "total");
	for (col = 0; col < BUFPOOL_COL_COUNT; col++) {
		if (col == BUFPOOL_COL_PEAK_OUT)
			seq_printf(m, " %*s", bufpool_col_width(col), "-");
		else
			seq_printf(m, " %*lu", bufpool_col_width(col),
				   bufpool_col_value(&total, col));
	}
	bufpool_stats_nodes(m, pool, BUFPOOL_NODES_TOTAL, node_total);
	seq_putc(m, '\n');
	kfree(node_total);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_debugfs_stats_show);
DEFINE_SHOW_ATTRIBUTE(bufpool_debugfs_stats);

/* === <pool>/params === */

/**
 * bufpool_debugfs_params_show() - the "params" file of a pool
 * @m: the seq_file; @m->private is the pool
 * @v: unused
 *
 * "key value" lines with the effective parameters and the idle-memory
 * bounds of Documentation/tuning.rst, then one line per bucket.
 *
 * Context: process context.
 * Return: 0.
 */
VISIBLE_IF_KUNIT int bufpool_debugfs_params_show(struct seq_file *m, void *v)
{
	struct bufpool *pool = m->private;
	unsigned int nr_cpus = num_possible_cpus();
	char track[16];
	unsigned int i;
	int nid;

	seq_printf(m, "name %s\n", pool->name);
	seq_printf(m, "min_size %zu\n", pool->min_size);
	seq_printf(m, "max_size %zu\n", pool->f.max_size);
	seq_printf(m, "max_cached_bytes %zu\n", pool->max_cached_bytes);
	seq_printf(m, "cpu_cache_bytes %zu\n", pool->cpu_cache_bytes);
	seq_printf(m, "decay_ms %u\n", jiffies_to_msecs(pool->decay_jiffies));
	seq_printf(m, "decay %s\n", !pool->decay_jiffies ? "off" :
		   delayed_work_pending(&pool->decay_work) ? "armed" : "idle");
	seq_printf(m, "flags %#x", pool->flags);
	if (pool->flags & BUFPOOL_F_NO_INIT)
		seq_puts(m, " no_init");
	if (pool->flags & BUFPOOL_F_TRACK)
		seq_puts(m, " track");
	if (pool->flags & BUFPOOL_F_STRICT)
		seq_puts(m, " strict");
	seq_putc(m, '\n');
	seq_printf(m, "tracking %s\n",
		   bufpool_track_state(pool, track, sizeof(track)));
	seq_printf(m, "sample_interval_ms %u\n",
		   jiffies_to_msecs(pool->track.sample_jiffies));
	seq_printf(m, "owner_check %s\n", pool->indexed ? "index" : "slab");
	seq_printf(m, "nr_buckets %u\n", pool->nr_buckets);
	seq_printf(m, "nr_cpus %u\n", nr_cpus);
	seq_printf(m, "cpu_bound %zu\n", pool->cpu_bound);
	seq_printf(m, "idle_bound %zu\n",
		   size_add(pool->max_cached_bytes,
			    size_mul(nr_cpus, pool->cpu_bound)));
	/* Where the idle memory is now: each node's, of it its CPUs'. */
	seq_printf(m, "nr_nodes %u\n", nr_node_ids);
	for (nid = 0; nid < nr_node_ids; nid++) {
		size_t cpu_bytes, bytes = bufpool_node_idle(pool, nid,
							    &cpu_bytes);

		seq_printf(m, "node%d_idle_bytes %zu\n", nid, bytes);
		seq_printf(m, "node%d_cpu_idle_bytes %zu\n", nid, cpu_bytes);
	}

	seq_printf(m, "%10s %7s %5s %8s %9s %9s\n", "#     size", "backend",
		   "order", "mag_size", "cpu_limit", "cpu_bound");
	for (i = 0; i < pool->nr_buckets; i++) {
		const struct bufpool_bucket *b = &pool->buckets[i];

		seq_printf(m, "%10zu %7s %5u %8u %9u %9zu\n", b->size,
			   b->cache ? "slab" : "pages", b->order, b->mag_size,
			   b->cpu_limit, bufpool_cpu_bound(b));
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_debugfs_params_show);
DEFINE_SHOW_ATTRIBUTE(bufpool_debugfs_params);

/* === <pool>/reserve === */

/**
 * bufpool_debugfs_reserve_show() - the "reserve" file of a pool
 * @m: the seq_file; @m->private is the pool
 * @v: unused
 *
 * A line per bucket that has had a reserve (bufpool_reserve()): its
 * target, the buffers it holds, and the takes it served, that waited for
 * a return, and that found it empty and could not wait.
 *
 * Context: process context.
 * Return: 0.
 */
VISIBLE_IF_KUNIT int bufpool_debugfs_reserve_show(struct seq_file *m, void *v)
{
	struct bufpool *pool = m->private;
	unsigned int i;

	seq_printf(m, "%10s %8s %8s %10s %10s %10s\n", "#     size", "target",
		   "held", "takes", "waits", "empty");
	for (i = 0; i < pool->nr_buckets; i++) {
		struct bufpool_reserved *r = READ_ONCE(pool->buckets[i].reserve);

		if (!r)
			continue;
		seq_printf(m, "%10zu %8u %8u %10lu %10lu %10lu\n",
			   pool->buckets[i].size,
			   /* A snapshot: bufpool_reserve() moves it. */
			   data_race(READ_ONCE(r->target)),
			   /* A snapshot: takes and returns move it. */
			   data_race(READ_ONCE(r->held)),
			   atomic_long_read(&r->takes),
			   atomic_long_read(&r->waits),
			   atomic_long_read(&r->empty));
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_debugfs_reserve_show);
DEFINE_SHOW_ATTRIBUTE(bufpool_debugfs_reserve);

/* === <pool>/outstanding === */

/**
 * bufpool_debugfs_outstanding_show() - the "outstanding" file of a pool
 * @m: the seq_file; @m->private is the pool
 * @v: unused
 *
 * One call of bufpool_track_show_outstanding(), through single_open():
 * the listing is a snapshot the tracking code takes and groups under its
 * lock, so it is produced whole, once per open, and read() calls page
 * through seq_file's buffer.  Its size is bounded by bufpool.report_stacks
 * (at most 256 groups of a stack each), so the buffer is too.
 *
 * Context: process context.
 * Return: 0.
 */
VISIBLE_IF_KUNIT int bufpool_debugfs_outstanding_show(struct seq_file *m,
						      void *v)
{
	bufpool_track_show_outstanding(m, m->private);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_debugfs_outstanding_show);
DEFINE_SHOW_ATTRIBUTE(bufpool_debugfs_outstanding);

/* === Controls: track, clear, reset_peak === */

/**
 * bufpool_debugfs_ctl_write() - parse and apply a write to a control file
 * @pool: the pool
 * @ctl: the control file
 * @buf: what was written, NUL-terminated: a decimal number and at most
 *	one newline
 *
 * "track" takes 0 (off), 1 (every take) or N (one take in N); "clear" and
 * "reset_peak" take 1.  Anything else is -EINVAL and changes nothing.
 *
 * Context: process context; may sleep.
 * Return: 0, -EINVAL for a value the control does not take, or the error of
 * bufpool_track_set().
 */
VISIBLE_IF_KUNIT int bufpool_debugfs_ctl_write(struct bufpool *pool,
					       enum bufpool_debugfs_ctl ctl,
					       const char *buf)
{
	unsigned int val;

	might_sleep();
	/* Also -ERANGE above UINT_MAX: all the same to the writer. */
	if (kstrtouint(buf, 10, &val))
		return -EINVAL;

	switch (ctl) {
	case BUFPOOL_CTL_TRACK:
		return bufpool_track_set(pool, val);
	case BUFPOOL_CTL_CLEAR:
		if (val != 1)
			return -EINVAL;
		bufpool_clear(pool);
		return 0;
	case BUFPOOL_CTL_RESET_PEAK:
		if (val != 1)
			return -EINVAL;
		bufpool_reset_peak(pool);
		return 0;
	}
	return -EINVAL;
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_debugfs_ctl_write);

static ssize_t bufpool_ctl_write_user(struct bufpool *pool,
				      enum bufpool_debugfs_ctl ctl,
				      const char __user *ubuf, size_t count)
{
	char buf[BUFPOOL_CTL_MAX];
	int err;

	if (!count || count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	/* "1\0junk" is not "1": the whole write is the value. */
	if (strlen(buf) != count)
		return -EINVAL;
	err = bufpool_debugfs_ctl_write(pool, ctl, buf);
	return err ?: count;
}

/**
 * bufpool_debugfs_track_show() - the "track" file of a pool, read
 * @m: the seq_file; @m->private is the pool
 * @v: unused
 *
 * Context: process context.
 * Return: 0.
 */
VISIBLE_IF_KUNIT int bufpool_debugfs_track_show(struct seq_file *m, void *v)
{
	char track[16];

	seq_printf(m, "%s\n",
		   bufpool_track_state(m->private, track, sizeof(track)));
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_debugfs_track_show);

static int bufpool_debugfs_track_open(struct inode *inode, struct file *file)
{
	return single_open(file, bufpool_debugfs_track_show, inode->i_private);
}

static ssize_t bufpool_debugfs_track_write(struct file *file,
					   const char __user *ubuf,
					   size_t count, loff_t *ppos)
{
	struct seq_file *m = file->private_data;

	return bufpool_ctl_write_user(m->private, BUFPOOL_CTL_TRACK, ubuf,
				      count);
}

static const struct file_operations bufpool_debugfs_track_fops = {
	.owner		= THIS_MODULE,
	.open		= bufpool_debugfs_track_open,
	.read		= seq_read,
	.write		= bufpool_debugfs_track_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

static ssize_t bufpool_debugfs_clear_write(struct file *file,
					   const char __user *ubuf,
					   size_t count, loff_t *ppos)
{
	return bufpool_ctl_write_user(file->private_data, BUFPOOL_CTL_CLEAR,
				      ubuf, count);
}

static const struct file_operations bufpool_debugfs_clear_fops = {
	.owner		= THIS_MODULE,
	.open		= simple_open,
	.write		= bufpool_debugfs_clear_write,
	.llseek		= noop_llseek,
};

static ssize_t bufpool_debugfs_reset_peak_write(struct file *file,
						const char __user *ubuf,
						size_t count, loff_t *ppos)
{
	return bufpool_ctl_write_user(file->private_data,
				      BUFPOOL_CTL_RESET_PEAK, ubuf, count);
}

static const struct file_operations bufpool_debugfs_reset_peak_fops = {
	.owner		= THIS_MODULE,
	.open		= simple_open,
	.write		= bufpool_debugfs_reset_peak_write,
	.llseek		= noop_llseek,
};

/* === Directories === */

/**
 * bufpool_debugfs_init() - create /sys/kernel/debug/bufpool and "pools"
 *
 * Without debugfs nothing is created, and the pools get no directory.
 *
 * Context: module init.
 */
void bufpool_debugfs_init(void)
{
	bufpool_debugfs_root = debugfs_create_dir("bufpool", NULL);
	debugfs_create_file("pools", 0400, bufpool_debugfs_root, NULL,
			    &bufpool_debugfs_pools_fops);
}

/**
 * bufpool_debugfs_exit() - remove /sys/kernel/debug/bufpool
 *
 * Context: module exit, after every pool's bufpool_debugfs_remove().
 */
void bufpool_debugfs_exit(void)
{
	debugfs_remove_recursive(bufpool_debugfs_root);
	bufpool_debugfs_root = NULL;
}

/**
 * bufpool_debugfs_add() - create a pool's directory and files
 * @pool: the pool, complete and on bufpool_pools
 *
 * A failure (no debugfs, no memory) leaves the pool without files; the pool
 * works all the same.  The name is a valid file name: bufpool_create()
 * checks it, and no live pool has the same.
 *
 * Context: process context.
 */
void bufpool_debugfs_add(struct bufpool *pool)
{
	struct dentry *dir;

	dir = debugfs_create_dir(pool->name, bufpool_debugfs_root);
	pool->debugfs = dir;
	debugfs_create_file("stats", 0400, dir, pool,
			    &bufpool_debugfs_stats_fops);
	debugfs_create_file("outstanding", 0400, dir, pool,
			    &bufpool_debugfs_outstanding_fops);
	debugfs_create_file("params", 0400, dir, pool,
			    &bufpool_debugfs_params_fops);
	debugfs_create_file("reserve", 0400, dir, pool,
			    &bufpool_debugfs_reserve_fops);
	debugfs_create_file("track", 0600, dir, pool,
			    &bufpool_debugfs_track_fops);
	debugfs_create_file("clear", 0200, dir, pool,
			    &bufpool_debugfs_clear_fops);
	debugfs_create_file("reset_peak", 0200, dir, pool,
			    &bufpool_debugfs_reset_peak_fops);
}

/**
 * bufpool_debugfs_remove() - remove a pool's directory
 * @pool: the pool, being destroyed
 *
 * Waits for the file operations in flight on the pool's files; those files
 * that are still open fail every later operation with -EIO.
 *
 * Context: process context; sleeps.
 */
void bufpool_debugfs_remove(struct bufpool *pool)
{
	debugfs_remove_recursive(pool->debugfs);
	pool->debugfs = NULL;
}

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * bufpool_debugfs_root_dir() - the bufpool debugfs directory, for the tests
 *
 * Return: the dentry of /sys/kernel/debug/bufpool, or an ERR_PTR or %NULL
 * when it does not exist.
 */
struct dentry *bufpool_debugfs_root_dir(void)
{
	return bufpool_debugfs_root;
}
EXPORT_SYMBOL_IF_KUNIT(bufpool_debugfs_root_dir);
#endif /* CONFIG_KUNIT */
