/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracking's own header, shared by its records (track.c) and its reports
 * (report.c) alone, as mm/kfence/kfence.h is by core.c and report.c: the
 * record of a tracked buffer, who took and returned it, the module its
 * stacks run through, and what each file asks of the other.  track.c makes
 * and keeps records and calls report.c; report.c reads records and never
 * changes one, nor calls back into track.c but to walk a pool's records.
 */
#ifndef _BUFPOOL_TRACK_H
#define _BUFPOOL_TRACK_H

#include <linux/kref.h>
#include <linux/module.h>
#include <linux/rhashtable-types.h>
#include <linux/sched.h>
#include <linux/stackdepot.h>
#include <linux/types.h>

#include "internal.h"

/* Frames kept of a stack, and room for bufpool's own frames above them. */
#define BUFPOOL_TRACK_DEPTH	16
#define BUFPOOL_TRACK_ENTRIES	(BUFPOOL_TRACK_DEPTH + 16)
/*
 * Records a sampled pool keeps at most, out and idle: past it, samples are
 * counted as untracked (bufpool_track_at_bound()).
 */
#define BUFPOOL_TRACK_SAMPLED_MAX	4096

enum bufpool_rec_state {
	BUFPOOL_REC_OUT,		/* taken */
	BUFPOOL_REC_IDLE,		/* returned, poisoned, in the pool */
	BUFPOOL_REC_QUARANTINED,	/* written after return: kept out */
	BUFPOOL_REC_BOOKMARK,		/* not a record: bufpool_records_walk() */
};

/* Where a take or return ran; report.c names each. */
enum bufpool_ctx {
	BUFPOOL_CTX_TASK,
	BUFPOOL_CTX_SOFTIRQ,
	BUFPOOL_CTX_HARDIRQ,
};

/**
 * struct bufpool_who - one take or return of a tracked buffer
 * @stack: the caller's stack from the caller down, or 0 without stack_depot
 * @ctx: enum bufpool_ctx
 * @pid: the task, or the interrupted task in irq context
 * @ip: the caller of bufpool_take() or bufpool_return()
 * @time: when, in jiffies
 * @comm: the task's name
 */
struct bufpool_who {
	depot_stack_handle_t stack;
	u8 ctx;
	pid_t pid;
	unsigned long ip;
	unsigned long time;
	char comm[TASK_COMM_LEN];
};

/**
 * struct bufpool_mod - a module that a record's stacks run through, as it
 *	was: what a report needs to name a frame whose code is gone
 * @ref: one per record that names it, and one per report printing it
 * @key: the module's address while it is loaded, to tell it apart; only
 *	compared, never followed
 * @init_freed: its init code is freed: a frame in @init names it so
 * @unloaded: it has unloaded: a frame in @core names it so, and @key
 *	names no module any more
 * @init: start and end of its init text
 * @core: start and end of its core text
 * @name: its name
 *
 * Made when the module goes live (its init text is freed right after) or
 * goes (its core text next), for the records whose stacks have a frame
 * there: without it, such a frame has no symbol and an address that may
 * hold another module's code later.  @init_freed and @unloaded are set
 * under bufpool_track_mutex and read anywhere.
 */
struct bufpool_mod {
	struct kref ref;
	unsigned long key;
	bool init_freed;
	bool unloaded;
	unsigned long init[2];
	unsigned long core[2];
	char name[MODULE_NAME_LEN];
};

/**
 * struct bufpool_track_rec - the record of a tracked buffer
 * @node: link in bufpool_track_index
 * @addr: the buffer, the index key
 * @pool: the pool the buffer belongs to; never changes
 * @list: link in the pool's track.records
 * @size: usable bytes
 * @state: enum bufpool_rec_state
 * @linked: in the index and on @pool's list; cleared, under the pool's
 *	track.lock, when it leaves both
 * @take: the last take
 * @ret: the last return, while idle or quarantined
 * @mod: the module whose init code or whose whole code, since gone, has a
 *	frame in @take's or @ret's stack, or %NULL (one module: a stack
 *	through two that both go names the first)
 * @rcu: for freeing: lookups run under RCU
 *
 * @state, @take, @ret and @mod change under @pool's track.lock.
 */
struct bufpool_track_rec {
	struct rhash_head node;
	unsigned long addr;
	struct bufpool *pool;
	struct list_head list;
	size_t size;
	u8 state;
	bool linked;
	struct bufpool_who take;
	struct bufpool_who ret;
	struct bufpool_mod *mod;
	struct rcu_head rcu;
};

/* track.c: what the reports use of the records */
void bufpool_who_set(struct bufpool_who *w, depot_stack_handle_t stack,
		     unsigned long ip);
void bufpool_records_walk(struct bufpool_track *t,
			  bool (*fn)(struct bufpool_track *t,
				     struct bufpool_track_rec *rec, void *arg),
			  void *arg);
void bufpool_mod_put(struct bufpool_mod *m);

static inline struct bufpool_mod *bufpool_mod_get(struct bufpool_mod *m)
{
	if (m)
		kref_get(&m->ref);
	return m;
}

/*
 * The module a take by @rec's taker counts as held by, for the module leak
 * report's holds(): the one whose init code is in its stack, while loaded.
 */
static inline const void *bufpool_rec_owner(const struct bufpool_track_rec *rec)
{
	const struct bufpool_mod *m = rec->mod;

	return m && !READ_ONCE(m->unloaded) ? (const void *)m->key : NULL;
}

/* report.c: the sinks, the misuse reports and the leak reports */
extern struct ratelimit_state bufpool_misuse_rs;
void bufpool_report_double(struct bufpool *pool,
			   const struct bufpool_track_rec *rec, const void *buf,
			   const unsigned long *entries, unsigned int nr);
void bufpool_report_wrong_pool(struct bufpool *pool,
			       const struct bufpool_track_rec *rec,
			       const void *buf, const unsigned long *entries,
			       unsigned int nr);
void bufpool_report_foreign(struct bufpool *pool, const void *buf,
			    const char *why, const unsigned long *entries,
			    unsigned int nr);
void bufpool_report_written(struct bufpool *pool,
			    const struct bufpool_track_rec *rec,
			    const void *buf, size_t off, size_t mark);
void bufpool_report_done(const char *name, enum bufpool_report why,
			 unsigned long nr);
/**
 * struct bufpool_age_window - which takes an age report names
 * @from: with @since, takes before it were named by an earlier report
 * @to: takes before it are older than @age_ms
 * @since: @from is set
 * @age_ms: bufpool.max_age_ms, for the header
 */
struct bufpool_age_window {
	unsigned long from;
	unsigned long to;
	bool since;
	unsigned int age_ms;
};

unsigned long bufpool_report_aged(struct bufpool *pool,
				  const struct bufpool_age_window *age);
unsigned long bufpool_report_leaks(struct bufpool *pool,
				   enum bufpool_report why, const char *who,
				   bool (*holds)(unsigned long ip,
						 const void *owner,
						 const void *arg),
				   const void *arg);

#endif /* _BUFPOOL_TRACK_H */
