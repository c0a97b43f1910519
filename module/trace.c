// SPDX-License-Identifier: GPL-2.0
/*
 * bufpool's tracepoints, defined here and declared in
 * include/trace/events/bufpool.h.  Exported, so that another module (a
 * test, a client's own instrumentation) can attach a probe.
 */
#define CREATE_TRACE_POINTS
#include <trace/events/bufpool.h>

EXPORT_TRACEPOINT_SYMBOL_GPL(bufpool_take);
EXPORT_TRACEPOINT_SYMBOL_GPL(bufpool_return);
EXPORT_TRACEPOINT_SYMBOL_GPL(bufpool_bad_return);
EXPORT_TRACEPOINT_SYMBOL_GPL(bufpool_backend_alloc);
EXPORT_TRACEPOINT_SYMBOL_GPL(bufpool_backend_free);
EXPORT_TRACEPOINT_SYMBOL_GPL(bufpool_leak_report);
EXPORT_TRACEPOINT_SYMBOL_GPL(bufpool_trim);
EXPORT_TRACEPOINT_SYMBOL_GPL(bufpool_drain);

/*
 * The inline takes and returns of client modules have no tracepoint: while
 * a probe is on bufpool_take or bufpool_return, this key sends them out of
 * line, where the events are (include/bufpool.h).
 */
DEFINE_STATIC_KEY_FALSE(bufpool_slow_key);
EXPORT_SYMBOL_GPL(bufpool_slow_key);

/* The first probe of one of the two events came: its regfunc. */
int bufpool_trace_reg(void)
{
	static_branch_inc(&bufpool_slow_key);
	return 0;
}

/* The last probe of one of them went: its unregfunc. */
void bufpool_trace_unreg(void)
{
	static_branch_dec(&bufpool_slow_key);
}
