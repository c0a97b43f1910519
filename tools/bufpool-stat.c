// SPDX-License-Identifier: GPL-2.0
/*
 * bufpool-stat: show bufpool's pools and buckets from debugfs, as slabtop
 * and tools/mm/slabinfo do for slab.
 *
 * Reads /sys/kernel/debug/bufpool/pools and each pool's stats and params
 * (Documentation/debugfs.rst).  The files are parsed by their header line,
 * so columns are found by name and new ones do not break the tool.
 *
 *   bufpool-stat                 pools, then the buckets in use
 *   bufpool-stat -p NAME         one pool, all its buckets and parameters
 *   bufpool-stat -w 2            refresh every 2 s with rates per second
 *   bufpool-stat --json          one JSON object (per refresh with -w)
 *   bufpool-stat -d DIR          read a copy of the files in DIR
 *
 * Build: cc -Wall -Wextra -O2 -o bufpool-stat bufpool-stat.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_DIR	"/sys/kernel/debug/bufpool"
#define DEBUGFS_DIR	"/sys/kernel/debug"
#define DEBUGFS_MAGIC	0x64626720
#define ENV_DIR		"BUFPOOL_STAT_DIR"

/* Exit codes, also in --help and Documentation/debugfs.rst. */
enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,		/* a file could not be read or parsed */
	EXIT_USAGE = 2,
	EXIT_NO_DEBUGFS = 3,	/* debugfs is not mounted */
	EXIT_NO_MODULE = 4,	/* bufpool is not loaded, or DIR has no files */
	EXIT_NO_POOL = 5,	/* -p NAME: no such pool */
	EXIT_PERM = 6,		/* the files are root-only */
};

static const char *prog = "bufpool-stat";

static void die(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static void *xmalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p)
		die(EXIT_ERROR, "out of memory");
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p)
		die(EXIT_ERROR, "out of memory");
	return p;
}

/* === Reading the files === */

/* A table: the '#' header line's column names, then rows of words. */
struct table {
	char *text;		/* the file; words point into it */
	int nr_cols;
	char **col;
	int nr_rows;
	int *nr_cells;
	char ***cell;
};

/* Read all of @path; NULL with errno set on failure. */
static char *read_file(const char *path)
{
	size_t len = 0, cap = 4096;
	char *buf = xmalloc(cap + 1);
	FILE *f = fopen(path, "r");

	if (!f) {
		free(buf);
		return NULL;
	}
	for (;;) {
		size_t n = fread(buf + len, 1, cap - len, f);

		len += n;
		if (len < cap) {
			if (ferror(f)) {
				int err = errno ? errno : EIO;

				fclose(f);
				free(buf);
				errno = err;
				return NULL;
			}
			break;
		}
		cap *= 2;
		buf = xrealloc(buf, cap + 1);
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

static int split_words(char *line, char ***words)
{
	int n = 0, cap = 16;
	char *save, *w;

	*words = xmalloc(cap * sizeof(**words));
	for (w = strtok_r(line, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (n == cap) {
			cap *= 2;
			*words = xrealloc(*words, cap * sizeof(**words));
		}
		(*words)[n++] = w;
	}
	return n;
}

static struct table *parse_table(char *text)
{
	struct table *t = xmalloc(sizeof(*t));
	char *save, *line;
	int cap = 0;

	t->text = text;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (*line == '#') {
			t->nr_cols = split_words(line + 1, &t->col);
			continue;
		}
		if (t->nr_rows == cap) {
			cap = cap ? 2 * cap : 32;
			t->nr_cells = xrealloc(t->nr_cells, cap * sizeof(int));
			t->cell = xrealloc(t->cell, cap * sizeof(char **));
		}
		t->nr_cells[t->nr_rows] = split_words(line, &t->cell[t->nr_rows]);
		if (t->nr_cells[t->nr_rows])
			t->nr_rows++;
		else
			free(t->cell[t->nr_rows]);
	}
	return t;
}

static void free_table(struct table *t)
{
	int i;

	if (!t)
		return;
	for (i = 0; i < t->nr_rows; i++)
		free(t->cell[i]);
	free(t->cell);
	free(t->nr_cells);
	free(t->col);
	free(t->text);
	free(t);
}

static int col_index(const struct table *t, const char *name)
{
	int i;

	for (i = 0; i < t->nr_cols; i++)
		if (!strcmp(t->col[i], name))
			return i;
	return -1;
}

/* Cell @name of row @row, or NULL if there is no such column. */
static const char *cell(const struct table *t, int row, const char *name)
{
	int c = col_index(t, name);

	if (c < 0 || c >= t->nr_cells[row])
		return NULL;
	return t->cell[row][c];
}

/* A number: 0 for a missing column or a "-". */
static unsigned long long num(const struct table *t, int row, const char *name)
{
	const char *s = cell(t, row, name);

	return s ? strtoull(s, NULL, 10) : 0;
}

/* === A snapshot of every pool === */

/* The counters of a "stats" line that the viewer uses, by column name. */
static const char * const stat_cols[] = {
	"takes", "returns", "cpu_hits", "depot_hits", "allocs", "alloc_fails",
	"frees", "over_budget", "trimmed", "drained", "decayed", "bad_returns",
	"out", "peak_out", "idle",
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NR_STAT_COLS	ARRAY_SIZE(stat_cols)

enum {
	S_TAKES, S_RETURNS, S_CPU_HITS, S_DEPOT_HITS, S_ALLOCS, S_ALLOC_FAILS,
	S_FREES, S_OVER_BUDGET, S_TRIMMED, S_DRAINED, S_DECAYED, S_BAD_RETURNS,
	S_OUT, S_PEAK_OUT, S_IDLE,
};

struct bucket {
	char label[24];		/* the size, "unpooled" or "total" */
	unsigned long long size;	/* 0 for unpooled and total */
	unsigned long long v[NR_STAT_COLS];
	bool has_peak;		/* "-" in the total line */
	/* With -w: per second since the last refresh; valid if has_rate. */
	bool has_rate;
	double takes_rate, allocs_rate, frees_rate;
};

struct pool {
	char name[64];
	unsigned long long buckets, out, out_bytes, idle, idle_bytes;
	unsigned long long peak_out_bytes, takes, returns, bad_returns;
	char hit_pct[16];	/* as the kernel printed it, "-" for none */
	char tracking[32];
	int nr_stats;		/* buckets, unpooled, total */
	struct bucket *stats;
	struct table *params;	/* -p and --json only */
	bool has_rate;
	double takes_rate, returns_rate, allocs_rate, hit_rate_now;
	bool has_hit_now;
};

struct snapshot {
	struct timespec when;
	int nr_pools;
	struct pool *pools;
};

static void free_snapshot(struct snapshot *s)
{
	int i;

	for (i = 0; i < s->nr_pools; i++) {
		free(s->pools[i].stats);
		free_table(s->pools[i].params);
	}
	free(s->pools);
	s->pools = NULL;
	s->nr_pools = 0;
}

static void copy_word(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "-");
}

static const char *dir;

/* Read @pool's stats; false if the pool went away meanwhile. */
static bool read_stats(struct pool *p)
{
	char path[PATH_MAX];
	struct table *t;
	char *text;
	int r;
	size_t c;

	snprintf(path, sizeof(path), "%s/%s/stats", dir, p->name);
	text = read_file(path);
	if (!text) {
		if (errno == ENOENT)
			return false;
		die(errno == EACCES || errno == EPERM ? EXIT_PERM : EXIT_ERROR,
		    "%s: %s", path, strerror(errno));
	}
	t = parse_table(text);
	if (col_index(t, "size") < 0 || col_index(t, "takes") < 0)
		die(EXIT_ERROR, "%s: no header line with size and takes",
		    path);
	p->stats = xmalloc(t->nr_rows * sizeof(*p->stats));
	for (r = 0; r < t->nr_rows; r++) {
		struct bucket *b = &p->stats[r];
		const char *label = cell(t, r, "size");

		copy_word(b->label, sizeof(b->label), label);
		b->size = strtoull(b->label, NULL, 10);
		for (c = 0; c < NR_STAT_COLS; c++)
			b->v[c] = num(t, r, stat_cols[c]);
		label = cell(t, r, "peak_out");
		b->has_peak = label && strcmp(label, "-");
	}
	p->nr_stats = t->nr_rows;
	free_table(t);
	return true;
}

static bool read_params(struct pool *p)
{
	char path[PATH_MAX];
	char *text;

	snprintf(path, sizeof(path), "%s/%s/params", dir, p->name);
	text = read_file(path);
	if (!text)
		return errno == ENOENT ? false : true;
	p->params = parse_table(text);
	return true;
}

/* Why is there no "pools" file?  Exits with a message and a code. */
static void explain_missing(bool dir_given, const char *path, int err)
{
	struct statfs sfs;
	struct stat st;

	if (err == EACCES || err == EPERM)
		die(EXIT_PERM, "%s: %s: the bufpool debugfs files are root-only; run as root",
		    path, strerror(err));
	if (dir_given)
		die(EXIT_NO_MODULE, "%s: %s: not a copy of the bufpool debugfs files",
		    path, strerror(err));
	if (statfs(DEBUGFS_DIR, &sfs) || sfs.f_type != DEBUGFS_MAGIC) {
		if (errno == EACCES || errno == EPERM)
			die(EXIT_PERM, "%s: %s: run as root", DEBUGFS_DIR,
			    strerror(errno));
		die(EXIT_NO_DEBUGFS,
		    "debugfs is not mounted at %s: mount -t debugfs none %s",
		    DEBUGFS_DIR, DEBUGFS_DIR);
	}
	if (stat("/sys/module/bufpool", &st))
		die(EXIT_NO_MODULE,
		    "the bufpool module is not loaded (no /sys/module/bufpool): modprobe bufpool");
	die(EXIT_NO_MODULE, "%s: %s: bufpool is loaded but has no debugfs files",
	    path, strerror(err));
}

static void take_snapshot(struct snapshot *s, const char *only, bool params,
			  bool dir_given)
{
	char path[PATH_MAX];
	struct table *t;
	char *text;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &s->when);
	snprintf(path, sizeof(path), "%s/pools", dir);
	text = read_file(path);
	if (!text)
		explain_missing(dir_given, path, errno);
	t = parse_table(text);
	if (col_index(t, "name") < 0 || col_index(t, "takes") < 0)
		die(EXIT_ERROR, "%s: no header line with name and takes", path);

	s->pools = xmalloc((t->nr_rows + 1) * sizeof(*s->pools));
	s->nr_pools = 0;
	for (r = 0; r < t->nr_rows; r++) {
		struct pool *p = &s->pools[s->nr_pools];

		memset(p, 0, sizeof(*p));
		copy_word(p->name, sizeof(p->name), cell(t, r, "name"));
		if (only && strcmp(only, p->name))
			continue;
		p->buckets = num(t, r, "buckets");
		p->out = num(t, r, "out");
		p->out_bytes = num(t, r, "out_bytes");
		p->idle = num(t, r, "idle");
		p->idle_bytes = num(t, r, "idle_bytes");
		p->peak_out_bytes = num(t, r, "peak_out_bytes");
		p->takes = num(t, r, "takes");
		p->returns = num(t, r, "returns");
		p->bad_returns = num(t, r, "bad_returns");
		copy_word(p->hit_pct, sizeof(p->hit_pct), cell(t, r, "hit_pct"));
		copy_word(p->tracking, sizeof(p->tracking),
			  cell(t, r, "tracking"));
		/* A pool destroyed since "pools" was read is left out. */
		if (!read_stats(p))
			continue;
		if (params && !read_params(p)) {
			free(p->stats);
			continue;
		}
		s->nr_pools++;
	}
	free_table(t);
}

/* === Rates === */

static double seconds_between(const struct timespec *a,
			      const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) / 1e9;
}

/* Per second, or false if the counter went back (a new pool, same name). */
static bool rate(unsigned long long old, unsigned long long now, double secs,
		 double *out)
{
	if (now < old || secs <= 0)
		return false;
	*out = (now - old) / secs;
	return true;
}

static const struct pool *find_pool(const struct snapshot *s, const char *name)
{
	int i;

	for (i = 0; i < s->nr_pools; i++)
		if (!strcmp(s->pools[i].name, name))
			return &s->pools[i];
	return NULL;
}

static const struct bucket *find_bucket(const struct pool *p,
					const char *label)
{
	int i;

	for (i = 0; i < p->nr_stats; i++)
		if (!strcmp(p->stats[i].label, label))
			return &p->stats[i];
	return NULL;
}

static void compute_rates(const struct snapshot *old, struct snapshot *now)
{
	double secs = seconds_between(&old->when, &now->when);
	int i, j;

	for (i = 0; i < now->nr_pools; i++) {
		struct pool *p = &now->pools[i];
		const struct pool *o = find_pool(old, p->name);
		const struct bucket *ot, *nt;

		if (!o)
			continue;
		p->has_rate = rate(o->takes, p->takes, secs, &p->takes_rate) &&
			      rate(o->returns, p->returns, secs,
				   &p->returns_rate);
		nt = find_bucket(p, "total");
		ot = find_bucket(o, "total");
		if (nt && ot) {
			unsigned long long hits = nt->v[S_CPU_HITS] +
						  nt->v[S_DEPOT_HITS];
			unsigned long long ohits = ot->v[S_CPU_HITS] +
						   ot->v[S_DEPOT_HITS];

			if (!rate(ot->v[S_ALLOCS], nt->v[S_ALLOCS], secs,
				  &p->allocs_rate))
				p->has_rate = false;
			if (nt->v[S_TAKES] > ot->v[S_TAKES] && hits >= ohits) {
				p->hit_rate_now = 100.0 * (hits - ohits) /
						  (nt->v[S_TAKES] - ot->v[S_TAKES]);
				p->has_hit_now = true;
			}
		}
		for (j = 0; j < p->nr_stats; j++) {
			struct bucket *b = &p->stats[j];
			const struct bucket *ob = find_bucket(o, b->label);

			b->has_rate = ob &&
				rate(ob->v[S_TAKES], b->v[S_TAKES], secs,
				     &b->takes_rate) &&
				rate(ob->v[S_ALLOCS], b->v[S_ALLOCS], secs,
				     &b->allocs_rate) &&
				rate(ob->v[S_FREES], b->v[S_FREES], secs,
				     &b->frees_rate);
		}
	}
}

/* === Sorting === */

static const char *sort_key = "bytes";
static bool rates_shown;

static double pool_key(const struct pool *p)
{
	if (!strcmp(sort_key, "bytes"))
		return (double)p->out_bytes + p->idle_bytes;
	if (!strcmp(sort_key, "out"))
		return p->out;
	if (!strcmp(sort_key, "out_bytes"))
		return p->out_bytes;
	if (!strcmp(sort_key, "idle"))
		return p->idle;
	if (!strcmp(sort_key, "idle_bytes"))
		return p->idle_bytes;
	if (!strcmp(sort_key, "peak"))
		return p->peak_out_bytes;
	if (!strcmp(sort_key, "takes"))
		return rates_shown && p->has_rate ? p->takes_rate : p->takes;
	if (!strcmp(sort_key, "hit"))
		return strcmp(p->hit_pct, "-") ? atof(p->hit_pct) : -1;
	if (!strcmp(sort_key, "bad"))
		return p->bad_returns;
	return 0;
}

static int cmp_pools(const void *a, const void *b)
{
	const struct pool *x = a, *y = b;

	if (strcmp(sort_key, "name")) {
		double kx = pool_key(x), ky = pool_key(y);

		if (kx != ky)
			return kx > ky ? -1 : 1;
	}
	return strcmp(x->name, y->name);
}

static const char * const sort_keys[] = {
	"bytes", "name", "out", "out_bytes", "idle", "idle_bytes", "peak",
	"takes", "hit", "bad",
};

/* A bucket row in the table of buckets in use. */
struct bucket_ref {
	const struct pool *pool;
	const struct bucket *b;
	double bytes;		/* out + idle, in bytes */
};

static int cmp_buckets(const void *a, const void *b)
{
	const struct bucket_ref *x = a, *y = b;
	int c;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	c = strcmp(x->pool->name, y->pool->name);
	if (c)
		return c;
	return x->b->size < y->b->size ? -1 : x->b->size > y->b->size;
}

/* === Text output === */

/* Bytes in a short human form: 512, 12.0K, 3.5M, 1.2G. */
static const char *human(char *buf, size_t len, double v)
{
	static const char units[] = "KMGTPE";
	int u = -1;

	if (v < 1024) {
		snprintf(buf, len, "%.0f", v);
		return buf;
	}
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, v < 10 ? "%.1f%c" : "%.0f%c", v, units[u]);
	return buf;
}

static const char *rate_text(char *buf, size_t len, bool ok, double v)
{
	if (!ok)
		snprintf(buf, len, "-");
	else if (v >= 99999.5)
		human(buf, len, v);
	else
		snprintf(buf, len, "%.0f", v);
	return buf;
}

/* The hit rate of a bucket, in percent with one decimal, or "-". */
static const char *bucket_hit(char *buf, size_t len, const struct bucket *b)
{
	unsigned long long hits = b->v[S_CPU_HITS] + b->v[S_DEPOT_HITS];

	if (!b->v[S_TAKES])
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f",
			 100.0 * (hits > b->v[S_TAKES] ? b->v[S_TAKES] : hits) /
			 b->v[S_TAKES]);
	return buf;
}

/* Bytes out of a stats line: size * out; the unpooled ones from the pool. */
static double bucket_out_bytes(const struct pool *p, const struct bucket *b)
{
	double bytes = p->out_bytes;
	int i;

	if (b->size)
		return (double)b->size * b->v[S_OUT];
	if (strcmp(b->label, "unpooled"))
		return p->out_bytes;
	for (i = 0; i < p->nr_stats; i++)
		bytes -= (double)p->stats[i].size * p->stats[i].v[S_OUT];
	return bytes > 0 ? bytes : 0;
}

static void print_pools(const struct snapshot *s)
{
	char b1[16], b2[16], b3[16], r1[16], r2[16], r3[16];
	unsigned long long out = 0, idle = 0;
	double out_bytes = 0, idle_bytes = 0;
	int i;

	for (i = 0; i < s->nr_pools; i++) {
		out += s->pools[i].out;
		idle += s->pools[i].idle;
		out_bytes += s->pools[i].out_bytes;
		idle_bytes += s->pools[i].idle_bytes;
	}
	printf("Pools: %d   Out: %llu buffers, %s   Idle: %llu buffers, %s   Sort: %s\n\n",
	       s->nr_pools, out, human(b1, sizeof(b1), out_bytes), idle,
	       human(b2, sizeof(b2), idle_bytes), sort_key);

	printf("%-20s %4s %9s %7s %9s %7s %7s %11s %11s %6s %5s",
	       "POOL", "BKTS", "OUT", "OUT_B", "IDLE", "IDLE_B", "PEAK_B",
	       "TAKES", "RETURNS", "HIT%", "BAD");
	if (rates_shown)
		printf(" %8s %8s %8s %6s", "TAKES/s", "RETS/s", "ALLOCS/s",
		       "HIT%now");
	printf(" %s\n", "TRACK");
	for (i = 0; i < s->nr_pools; i++) {
		const struct pool *p = &s->pools[i];

		printf("%-20s %4llu %9llu %7s %9llu %7s %7s %11llu %11llu %6s %5llu",
		       p->name, p->buckets, p->out,
		       human(b1, sizeof(b1), p->out_bytes), p->idle,
		       human(b2, sizeof(b2), p->idle_bytes),
		       human(b3, sizeof(b3), p->peak_out_bytes), p->takes,
		       p->returns, p->hit_pct, p->bad_returns);
		if (rates_shown) {
			char h[16];

			snprintf(h, sizeof(h), "%.1f", p->hit_rate_now);
			printf(" %8s %8s %8s %6s",
			       rate_text(r1, sizeof(r1), p->has_rate,
					 p->takes_rate),
			       rate_text(r2, sizeof(r2), p->has_rate,
					 p->returns_rate),
			       rate_text(r3, sizeof(r3), p->has_rate,
					 p->allocs_rate),
			       p->has_hit_now ? h : "-");
		}
		printf(" %s\n", p->tracking);
	}
}

static void print_bucket_header(bool with_pool)
{
	if (with_pool)
		printf("%-20s ", "POOL");
	printf("%9s %11s %11s %6s %9s %9s %8s %8s %8s %7s %8s %8s %8s %8s %5s",
	       "SIZE", "TAKES", "RETURNS", "HIT%", "ALLOCS", "FREES", "OUT",
	       "PEAK", "IDLE", "BYTES", "OVERBUDG", "TRIMMED", "DRAINED",
	       "DECAYED", "BAD");
	if (rates_shown)
		printf(" %8s %8s %8s", "TAKES/s", "ALLOCS/s", "FREES/s");
	putchar('\n');
}

static void print_bucket(const struct pool *p, const struct bucket *b,
			 bool with_pool)
{
	char h[16], sz[16], by[16], peak[24], r1[16], r2[16], r3[16];
	double bytes = bucket_out_bytes(p, b) +
		       (double)b->size * b->v[S_IDLE];

	if (with_pool)
		printf("%-20s ", p->name);
	if (b->has_peak)
		snprintf(peak, sizeof(peak), "%llu", b->v[S_PEAK_OUT]);
	else
		snprintf(peak, sizeof(peak), "-");
	printf("%9s %11llu %11llu %6s %9llu %9llu %8llu %8s %8llu %7s %8llu %8llu %8llu %8llu %5llu",
	       b->size ? human(sz, sizeof(sz), b->size) : b->label,
	       b->v[S_TAKES], b->v[S_RETURNS], bucket_hit(h, sizeof(h), b),
	       b->v[S_ALLOCS], b->v[S_FREES], b->v[S_OUT], peak, b->v[S_IDLE],
	       human(by, sizeof(by), bytes), b->v[S_OVER_BUDGET],
	       b->v[S_TRIMMED], b->v[S_DRAINED], b->v[S_DECAYED],
	       b->v[S_BAD_RETURNS]);
	if (rates_shown)
		printf(" %8s %8s %8s",
		       rate_text(r1, sizeof(r1), b->has_rate, b->takes_rate),
		       rate_text(r2, sizeof(r2), b->has_rate, b->allocs_rate),
		       rate_text(r3, sizeof(r3), b->has_rate, b->frees_rate));
	putchar('\n');
}

static bool bucket_in_use(const struct bucket *b)
{
	return b->size && (b->v[S_TAKES] || b->v[S_OUT] || b->v[S_IDLE] ||
			   b->v[S_BAD_RETURNS]);
}

/* The buckets in use of every pool, most bytes held first. */
static void print_buckets(const struct snapshot *s)
{
	struct bucket_ref *refs;
	int i, j, n = 0, cap = 0;

	for (i = 0; i < s->nr_pools; i++)
		cap += s->pools[i].nr_stats;
	refs = xmalloc(cap * sizeof(*refs));
	for (i = 0; i < s->nr_pools; i++) {
		const struct pool *p = &s->pools[i];

		for (j = 0; j < p->nr_stats; j++) {
			const struct bucket *b = &p->stats[j];

			if (!bucket_in_use(b) &&
			    !(!strcmp(b->label, "unpooled") &&
			      (b->v[S_TAKES] || b->v[S_BAD_RETURNS])))
				continue;
			refs[n].pool = p;
			refs[n].b = b;
			refs[n].bytes = bucket_out_bytes(p, b) +
					(double)b->size * b->v[S_IDLE];
			n++;
		}
	}
	qsort(refs, n, sizeof(*refs), cmp_buckets);
	printf("\nBuckets in use: %d (BYTES: out and idle)\n", n);
	print_bucket_header(true);
	for (i = 0; i < n; i++)
		print_bucket(refs[i].pool, refs[i].b, true);
	free(refs);
}

static void print_params(const struct pool *p)
{
	static const char * const keys[] = {
		"min_size", "max_size", "max_cached_bytes", "cpu_cache_bytes",
		"flags", "cpu_bound", "nr_cpus", "idle_bound", "decay_ms",
		"decay",
	};
	size_t k;
	int r, c;

	if (!p->params)
		return;
	printf("\nParameters:");
	for (k = 0; k < ARRAY_SIZE(keys); k++) {
		for (r = 0; r < p->params->nr_rows; r++) {
			if (strcmp(p->params->cell[r][0], keys[k]))
				continue;
			printf(" %s=", keys[k]);
			for (c = 1; c < p->params->nr_cells[r]; c++)
				printf("%s%s", c > 1 ? "," : "",
				       p->params->cell[r][c]);
		}
	}
	putchar('\n');
}

/* A params value by key, or NULL. */
static const char *param(const struct pool *p, const char *key)
{
	int r;

	for (r = 0; r < p->params->nr_rows; r++)
		if (p->params->nr_cells[r] == 2 &&
		    !strcmp(p->params->cell[r][0], key))
			return p->params->cell[r][1];
	return NULL;
}

/* Idle memory by node: params' node<N>_idle_bytes, of it the CPUs'. */
static void print_nodes(const struct pool *p)
{
	const char *nr = p->params ? param(p, "nr_nodes") : NULL;
	char key[48], a[16], b[16];
	int nid, n;

	if (!nr)
		return;
	n = atoi(nr);
	printf("Idle by node:");
	for (nid = 0; nid < n; nid++) {
		const char *idle, *cpu;

		snprintf(key, sizeof(key), "node%d_idle_bytes", nid);
		idle = param(p, key);
		snprintf(key, sizeof(key), "node%d_cpu_idle_bytes", nid);
		cpu = param(p, key);
		if (!idle || !cpu)
			continue;
		printf(" node%d=%s (CPUs %s)", nid,
		       human(a, sizeof(a), strtod(idle, NULL)),
		       human(b, sizeof(b), strtod(cpu, NULL)));
	}
	putchar('\n');
}

static void print_pool(const struct pool *p)
{
	int i;

	printf("\nPool %s: buckets in size order, then unpooled and total\n",
	       p->name);
	print_bucket_header(false);
	for (i = 0; i < p->nr_stats; i++)
		print_bucket(p, &p->stats[i], false);
	print_params(p);
	print_nodes(p);
}

/* === JSON output === */

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* Whether @s is a number as JSON writes them: 12, 66.7 (not 0x1, 1e3). */
static bool is_json_number(const char *s)
{
	const char *p = s;

	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return !*p;
}

/* What the kernel printed: a number, a string, or null for "-". */
static void json_number_text(const char *s)
{
	if (!s || !strcmp(s, "-"))
		fputs("null", stdout);
	else if (is_json_number(s))
		fputs(s, stdout);
	else
		json_string(s);
}

static void json_rate(const char *key, bool ok, double v)
{
	printf(",\"%s\":", key);
	if (ok)
		printf("%.3f", v);
	else
		fputs("null", stdout);
}

static void json_bucket(const struct bucket *b)
{
	size_t c;

	fputs("{\"size\":", stdout);
	if (b->size)
		printf("%llu", b->size);
	else
		json_string(b->label);
	for (c = 0; c < NR_STAT_COLS; c++) {
		printf(",\"%s\":", stat_cols[c]);
		if (c == S_PEAK_OUT && !b->has_peak)
			fputs("null", stdout);
		else
			printf("%llu", b->v[c]);
	}
	if (rates_shown) {
		json_rate("takes_per_s", b->has_rate, b->takes_rate);
		json_rate("allocs_per_s", b->has_rate, b->allocs_rate);
		json_rate("frees_per_s", b->has_rate, b->frees_rate);
	}
	putchar('}');
}

static void json_params(const struct pool *p)
{
	int r, c, first = 1;

	fputs(",\"params\":{", stdout);
	for (r = 0; r < p->params->nr_rows; r++) {
		char **w = p->params->cell[r];

		/* "key value" lines only; the bucket lines are in "stats". */
		if (p->params->nr_cells[r] < 2 ||
		    (w[0][0] >= '0' && w[0][0] <= '9'))
			continue;
		printf("%s", first ? "" : ",");
		first = 0;
		json_string(w[0]);
		putchar(':');
		if (p->params->nr_cells[r] == 2) {
			json_number_text(w[1]);
			continue;
		}
		/* "flags 0x1 no_init": the words after the key, joined. */
		putchar('"');
		for (c = 1; c < p->params->nr_cells[r]; c++)
			printf("%s%s", c > 1 ? " " : "", w[c]);
		putchar('"');
	}
	putchar('}');
}

static void print_json(const struct snapshot *s, double interval)
{
	int i, j;

	printf("{\"source\":");
	json_string(dir);
	printf(",\"interval\":");
	if (interval > 0)
		printf("%g", interval);
	else
		fputs("null", stdout);
	printf(",\"pools\":[");
	for (i = 0; i < s->nr_pools; i++) {
		const struct pool *p = &s->pools[i];

		printf("%s{\"name\":", i ? "," : "");
		json_string(p->name);
		printf(",\"buckets\":%llu,\"out\":%llu,\"out_bytes\":%llu,\"idle\":%llu,\"idle_bytes\":%llu,\"peak_out_bytes\":%llu,\"takes\":%llu,\"returns\":%llu,\"hit_pct\":",
		       p->buckets, p->out, p->out_bytes, p->idle, p->idle_bytes,
		       p->peak_out_bytes, p->takes, p->returns);
		json_number_text(p->hit_pct);
		printf(",\"bad_returns\":%llu,\"tracking\":", p->bad_returns);
		json_string(p->tracking);
		if (rates_shown) {
			json_rate("takes_per_s", p->has_rate, p->takes_rate);
			json_rate("returns_per_s", p->has_rate, p->returns_rate);
			json_rate("allocs_per_s", p->has_rate, p->allocs_rate);
			json_rate("hit_pct_interval", p->has_hit_now,
				  p->hit_rate_now);
		}
		printf(",\"stats\":[");
		for (j = 0; j < p->nr_stats; j++) {
			if (j)
				putchar(',');
			json_bucket(&p->stats[j]);
		}
		putchar(']');
		if (p->params)
			json_params(p);
		putchar('}');
	}
	printf("]}\n");
}

/* === Main === */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: %s [-d DIR] [-p NAME] [-s KEY] [-w SECONDS [-n COUNT]] [--json]\n"
"\n"
"Show bufpool's pools and buckets from debugfs (Documentation/debugfs.rst).\n"
"\n"
"  -d, --dir DIR        read the files in DIR instead of %s\n"
"                       (also $%s); e.g. a copy made with cp -r\n"
"  -p, --pool NAME      only pool NAME, with all its buckets and parameters\n"
"  -s, --sort KEY       sort pools by KEY: bytes (out + idle, the default),\n"
"                       name, out, out_bytes, idle, idle_bytes, peak, takes,\n"
"                       hit, bad; buckets are sorted by bytes held\n"
"  -w, --watch SECONDS  refresh every SECONDS (fractions allowed), in place\n"
"                       on a terminal, with rates per second\n"
"  -n, --count COUNT    with -w, stop after COUNT refreshes\n"
"  -j, --json           JSON: one object per refresh, on one line\n"
"  -h, --help           this text\n"
"\n"
"Exit status: 0 ok, 1 a file could not be read or parsed, 2 usage,\n"
"3 debugfs not mounted, 4 bufpool not loaded (or DIR holds no copy),\n"
"5 no pool NAME, 6 permission denied (the files are root-only).\n",
		prog, DEFAULT_DIR, ENV_DIR);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "pool", required_argument, NULL, 'p' },
		{ "sort", required_argument, NULL, 's' },
		{ "watch", required_argument, NULL, 'w' },
		{ "count", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct snapshot prev = {}, cur = {};
	const char *only = NULL;
	bool json = false, dir_given = false, tty;
	double interval = 0;
	long count = 0, n;
	char *end;
	size_t k;
	int opt;

	dir = getenv(ENV_DIR);
	if (dir && *dir)
		dir_given = true;
	else
		dir = DEFAULT_DIR;

	while ((opt = getopt_long(argc, argv, "d:p:s:w:n:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			dir = optarg;
			dir_given = true;
			break;
		case 'p':
			only = optarg;
			break;
		case 's':
			for (k = 0; k < sizeof(sort_keys) / sizeof(*sort_keys); k++)
				if (!strcmp(optarg, sort_keys[k]))
					break;
			if (k == sizeof(sort_keys) / sizeof(*sort_keys)) {
				fprintf(stderr, "%s: unknown sort key '%s'\n",
					prog, optarg);
				usage(stderr);
				return EXIT_USAGE;
			}
			sort_key = sort_keys[k];
			break;
		case 'w':
			interval = strtod(optarg, &end);
			if (*end || !(interval >= 0.1 && interval <= 86400)) {
				fprintf(stderr, "%s: -w wants 0.1 to 86400 seconds, not '%s'\n",
					prog, optarg);
				return EXIT_USAGE;
			}
			break;
		case 'n':
			count = strtol(optarg, &end, 10);
			if (*end || count < 1) {
				fprintf(stderr, "%s: -n wants a count of 1 or more, not '%s'\n",
					prog, optarg);
				return EXIT_USAGE;
			}
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog,
			argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (count && !interval) {
		fprintf(stderr, "%s: -n needs -w\n", prog);
		return EXIT_USAGE;
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	tty = isatty(STDOUT_FILENO) && !json;
	for (n = 0; !stop; n++) {
		take_snapshot(&cur, only, only || json, dir_given);
		if (only && !cur.nr_pools)
			die(EXIT_NO_POOL, "no pool named '%s' in %s", only, dir);
		rates_shown = interval > 0;
		if (n)
			compute_rates(&prev, &cur);
		qsort(cur.pools, cur.nr_pools, sizeof(*cur.pools), cmp_pools);

		if (json) {
			print_json(&cur, interval);
		} else {
			if (tty && interval > 0)
				fputs("\033[H\033[J", stdout);
			else if (n)
				putchar('\n');
			if (interval > 0)
				printf("Every %gs%s\n", interval,
				       n ? "; rates since the last refresh" :
					   "; rates from the next refresh");
			print_pools(&cur);
			if (only)
				print_pool(&cur.pools[0]);
			else
				print_buckets(&cur);
		}
		fflush(stdout);
		free_snapshot(&prev);
		prev = cur;
		memset(&cur, 0, sizeof(cur));
		if (!interval || (count && n + 1 >= count))
			break;
		{
			struct timespec ts = {
				.tv_sec = (time_t)interval,
				.tv_nsec = (long)((interval - (time_t)interval) * 1e9),
			};

			while (nanosleep(&ts, &ts) && errno == EINTR && !stop)
				;
		}
	}
	free_snapshot(&prev);
	return EXIT_OK;
}
