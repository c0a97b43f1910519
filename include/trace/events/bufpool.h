/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bufpool's tracepoints: takes, returns and their verdicts, backend
 * allocations and frees, rejected returns, leak reports, trims and drains.
 * The module defines them (module/trace.c); perf, trace-cmd, bpftrace and
 * tracefs see them as the "bufpool" event system.  Each costs a static
 * branch while it is off.  Buffers and pools are recorded as pointers and
 * printed hashed (%p), as the kmem events do: pair a take with its return
 * by the "buf" field.  See Documentation/tracepoints.rst.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM bufpool

#if !defined(_TRACE_BUFPOOL_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_BUFPOOL_H

#include <linux/string.h>
#include <linux/tracepoint.h>
#include <trace/events/mmflags.h>

#include "../../bufpool.h"

#ifndef _TRACE_BUFPOOL_ENUMS
#define _TRACE_BUFPOOL_ENUMS
/**
 * enum bufpool_trace_src - where a take found its buffer
 * @BUFPOOL_FROM_MAG: this CPU's magazines
 * @BUFPOOL_FROM_DEPOT: a full magazine from the bucket's depot
 * @BUFPOOL_FROM_BACKEND: a new buffer from the bucket's kmem_cache or pages
 * @BUFPOOL_FROM_UNPOOLED: the page allocator, not pooled (size or gfp)
 * @BUFPOOL_FROM_RESERVE: the bucket's reserve (bufpool_reserve()): the
 *	allocator failed
 */
enum bufpool_trace_src {
	BUFPOOL_FROM_MAG,
	BUFPOOL_FROM_DEPOT,
	BUFPOOL_FROM_BACKEND,
	BUFPOOL_FROM_UNPOOLED,
	BUFPOOL_FROM_RESERVE,
};

/**
 * enum bufpool_trace_verdict - what became of a returned buffer
 * @BUFPOOL_RET_CACHED: kept idle in a magazine, for the next take
 * @BUFPOOL_RET_FREED: freed to the backend (over budget, strict, unpooled,
 *	still referenced, the pool dying or this CPU busy)
 * @BUFPOOL_RET_REJECTED: not accepted; bufpool_bad_return says why
 * @BUFPOOL_RET_RESERVED: kept in the bucket's reserve, which was short
 */
enum bufpool_trace_verdict {
	BUFPOOL_RET_CACHED,
	BUFPOOL_RET_FREED,
	BUFPOOL_RET_REJECTED,
	BUFPOOL_RET_RESERVED,
};

/**
 * enum bufpool_trace_leak - which leak report
 * @BUFPOOL_LEAK_DESTROY: buffers out at bufpool_destroy()
 * @BUFPOOL_LEAK_UNLOAD: buffers out when bufpool unloads
 * @BUFPOOL_LEAK_MODULE: tracked buffers a client module held at its unload
 * @BUFPOOL_LEAK_AGED: tracked buffers out longer than bufpool.max_age_ms
 */
enum bufpool_trace_leak {
	BUFPOOL_LEAK_DESTROY,
	BUFPOOL_LEAK_UNLOAD,
	BUFPOOL_LEAK_MODULE,
	BUFPOOL_LEAK_AGED,
};

/* module/trace.c: a probe on bufpool_take or bufpool_return comes or goes. */
int bufpool_trace_reg(void);
void bufpool_trace_unreg(void);
#endif /* _TRACE_BUFPOOL_ENUMS */

TRACE_DEFINE_ENUM(BUFPOOL_FROM_MAG);
TRACE_DEFINE_ENUM(BUFPOOL_FROM_DEPOT);
TRACE_DEFINE_ENUM(BUFPOOL_FROM_BACKEND);
TRACE_DEFINE_ENUM(BUFPOOL_FROM_UNPOOLED);
TRACE_DEFINE_ENUM(BUFPOOL_FROM_RESERVE);
TRACE_DEFINE_ENUM(BUFPOOL_RET_CACHED);
TRACE_DEFINE_ENUM(BUFPOOL_RET_FREED);
TRACE_DEFINE_ENUM(BUFPOOL_RET_REJECTED);
TRACE_DEFINE_ENUM(BUFPOOL_RET_RESERVED);
TRACE_DEFINE_ENUM(BUFPOOL_LEAK_DESTROY);
TRACE_DEFINE_ENUM(BUFPOOL_LEAK_UNLOAD);
TRACE_DEFINE_ENUM(BUFPOOL_LEAK_MODULE);
TRACE_DEFINE_ENUM(BUFPOOL_LEAK_AGED);

#define bufpool_show_src(src)						\
	__print_symbolic(src,						\
			 { BUFPOOL_FROM_MAG, "magazine" },		\
			 { BUFPOOL_FROM_DEPOT, "depot" },		\
			 { BUFPOOL_FROM_BACKEND, "backend" },		\
			 { BUFPOOL_FROM_UNPOOLED, "unpooled" },	\
			 { BUFPOOL_FROM_RESERVE, "reserve" })

#define bufpool_show_verdict(v)						\
	__print_symbolic(v,						\
			 { BUFPOOL_RET_CACHED, "cached" },		\
			 { BUFPOOL_RET_FREED, "freed" },		\
			 { BUFPOOL_RET_REJECTED, "rejected" },		\
			 { BUFPOOL_RET_RESERVED, "reserved" })

#define bufpool_show_leak(w)						\
	__print_symbolic(w,						\
			 { BUFPOOL_LEAK_DESTROY, "destroy" },		\
			 { BUFPOOL_LEAK_UNLOAD, "unload" },		\
			 { BUFPOOL_LEAK_MODULE, "module" },		\
			 { BUFPOOL_LEAK_AGED, "age" })

/* The pool's name, fixed size: the same on every kernel bufpool builds on. */
#define BUFPOOL_TRACE_NAME						\
	__array(char, name, BUFPOOL_NAME_MAX + 1)
#define bufpool_trace_name(dst, src)					\
	strscpy(dst, src, BUFPOOL_NAME_MAX + 1)

/*
 * gfp in hex here: with show_gfp_flags() the event is too long a macro
 * expansion for sparse.  bufpool_backend_alloc, where gfp matters, names them.
 */
/*
 * While a probe is on either, takes and returns leave their inline path
 * (include/bufpool.h) for the out-of-line one that has the tracepoints:
 * bufpool_trace_reg() and bufpool_trace_unreg() turn bufpool_slow_key.
 */
TRACE_EVENT_FN(bufpool_take,
	       TP_PROTO(const void *pool, const char *name, const void *buf,
			size_t size, size_t bytes, gfp_t gfp, unsigned long call_site,
			enum bufpool_trace_src src),
	       TP_ARGS(pool, name, buf, size, bytes, gfp, call_site, src),
	       TP_STRUCT__entry(__field(const void *, pool)
				BUFPOOL_TRACE_NAME
				__field(const void *, buf)
				__field(size_t, size)
				__field(size_t, bytes)
				__field(unsigned long, gfp)
				__field(unsigned long, call_site)
				__field(int, src)),
	       TP_fast_assign(__entry->pool = pool;
			      bufpool_trace_name(__entry->name, name);
			      __entry->buf = buf;
			      __entry->size = size;
			      __entry->bytes = bytes;
			      __entry->gfp = (__force unsigned long)gfp;
			      __entry->call_site = call_site;
			      __entry->src = src;),
	       TP_printk("pool=%s buf=%p size=%zu bytes=%zu from=%s call_site=%pS gfp=%#lx",
			 __entry->name, __entry->buf, __entry->size, __entry->bytes,
			 bufpool_show_src(__entry->src), (void *)__entry->call_site,
			 __entry->gfp),
	       bufpool_trace_reg, bufpool_trace_unreg);

TRACE_EVENT_FN(bufpool_return,
	       TP_PROTO(const void *pool, const char *name, const void *buf,
			size_t bytes, unsigned long call_site,
			enum bufpool_trace_verdict verdict),
	       TP_ARGS(pool, name, buf, bytes, call_site, verdict),
	       TP_STRUCT__entry(__field(const void *, pool)
				BUFPOOL_TRACE_NAME
				__field(const void *, buf)
				__field(size_t, bytes)
				__field(unsigned long, call_site)
				__field(int, verdict)),
	       TP_fast_assign(__entry->pool = pool;
			      bufpool_trace_name(__entry->name, name);
			      __entry->buf = buf;
			      __entry->bytes = bytes;
			      __entry->call_site = call_site;
			      __entry->verdict = verdict;),
	       TP_printk("pool=%s buf=%p bytes=%zu verdict=%s call_site=%pS",
			 __entry->name, __entry->buf, __entry->bytes,
			 bufpool_show_verdict(__entry->verdict),
			 (void *)__entry->call_site),
	       bufpool_trace_reg, bufpool_trace_unreg);

TRACE_EVENT(bufpool_bad_return,
	    TP_PROTO(const void *pool, const char *name, const void *buf,
		     const char *why, unsigned long call_site),
	    TP_ARGS(pool, name, buf, why, call_site),
	    TP_STRUCT__entry(__field(const void *, pool)
			     BUFPOOL_TRACE_NAME
			     __field(const void *, buf)
			     __array(char, why, 64)
			     __field(unsigned long, call_site)),
	    TP_fast_assign(__entry->pool = pool;
			   bufpool_trace_name(__entry->name, name);
			   __entry->buf = buf;
			   strscpy(__entry->why, why, sizeof(__entry->why));
			   __entry->call_site = call_site;),
	    TP_printk("pool=%s buf=%p why=\"%s\" call_site=%pS",
		      __entry->name, __entry->buf, __entry->why,
		      (void *)__entry->call_site));

DECLARE_EVENT_CLASS(bufpool_backend,
		    TP_PROTO(const void *pool, const char *name, const void *buf,
			     size_t bytes, gfp_t gfp),
		    TP_ARGS(pool, name, buf, bytes, gfp),
		    TP_STRUCT__entry(__field(const void *, pool)
				     BUFPOOL_TRACE_NAME
				     __field(const void *, buf)
				     __field(size_t, bytes)
				     __field(unsigned long, gfp)),
		    TP_fast_assign(__entry->pool = pool;
				   bufpool_trace_name(__entry->name, name);
				   __entry->buf = buf;
				   __entry->bytes = bytes;
				   __entry->gfp = (__force unsigned long)gfp;),
		    TP_printk("pool=%s buf=%p bytes=%zu gfp=%s", __entry->name,
			      __entry->buf, __entry->bytes, show_gfp_flags(__entry->gfp)));

/* A new buffer from a bucket's kmem_cache or the page allocator. */
DEFINE_EVENT(bufpool_backend, bufpool_backend_alloc,
	     TP_PROTO(const void *pool, const char *name, const void *buf,
		      size_t bytes, gfp_t gfp),
	     TP_ARGS(pool, name, buf, bytes, gfp));

/* A buffer leaves the pool for the allocator it came from (gfp is 0). */
DEFINE_EVENT(bufpool_backend, bufpool_backend_free,
	     TP_PROTO(const void *pool, const char *name, const void *buf,
		      size_t bytes, gfp_t gfp),
	     TP_ARGS(pool, name, buf, bytes, gfp));

TRACE_EVENT(bufpool_leak_report,
	    TP_PROTO(const void *pool, const char *name,
		     enum bufpool_trace_leak why, unsigned long count,
		     size_t bytes),
	    TP_ARGS(pool, name, why, count, bytes),
	    TP_STRUCT__entry(__field(const void *, pool)
			     BUFPOOL_TRACE_NAME
			     __field(int, why)
			     __field(unsigned long, count)
			     __field(size_t, bytes)),
	    TP_fast_assign(__entry->pool = pool;
			   bufpool_trace_name(__entry->name, name);
			   __entry->why = why;
			   __entry->count = count;
			   __entry->bytes = bytes;),
	    TP_printk("pool=%s at=%s count=%lu bytes=%zu", __entry->name,
		      bufpool_show_leak(__entry->why), __entry->count,
		      __entry->bytes));

/* @want: bytes asked for; @freed: buffers freed, @bytes: their bytes. */
TRACE_EVENT(bufpool_trim,
	    TP_PROTO(const void *pool, const char *name, unsigned long want,
		     unsigned long freed, size_t bytes, bool shrinker),
	    TP_ARGS(pool, name, want, freed, bytes, shrinker),
	    TP_STRUCT__entry(__field(const void *, pool)
			     BUFPOOL_TRACE_NAME
			     __field(unsigned long, want)
			     __field(unsigned long, freed)
			     __field(size_t, bytes)
			     __field(bool, shrinker)),
	    TP_fast_assign(__entry->pool = pool;
			   bufpool_trace_name(__entry->name, name);
			   __entry->want = want;
			   __entry->freed = freed;
			   __entry->bytes = bytes;
			   __entry->shrinker = shrinker;),
	    TP_printk("pool=%s by=%s want=%lu freed=%lu bytes=%zu",
		      __entry->name, __entry->shrinker ? "shrinker" : "pool",
		      __entry->want, __entry->freed, __entry->bytes));

TRACE_EVENT(bufpool_drain,
	    TP_PROTO(const void *pool, const char *name, unsigned int cpu,
		     unsigned long moved, unsigned long freed),
	    TP_ARGS(pool, name, cpu, moved, freed),
	    TP_STRUCT__entry(__field(const void *, pool)
			     BUFPOOL_TRACE_NAME
			     __field(unsigned int, cpu)
			     __field(unsigned long, moved)
			     __field(unsigned long, freed)),
	    TP_fast_assign(__entry->pool = pool;
			   bufpool_trace_name(__entry->name, name);
			   __entry->cpu = cpu;
			   __entry->moved = moved;
			   __entry->freed = freed;),
	    TP_printk("pool=%s cpu=%u to_depot=%lu freed=%lu", __entry->name,
		      __entry->cpu, __entry->moved, __entry->freed));

#endif /* _TRACE_BUFPOOL_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
