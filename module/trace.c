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
