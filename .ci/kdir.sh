#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the kernel build tree to build the modules against: $KDIR if set,
# else the running kernel's if it has one, else the newest of Debian's 6.12
# amd64 headers packages.  Looked up when needed rather than when make reads
# the Makefile, so that "make deps demo" sees headers that deps installed.
set -euo pipefail

if [ -n "${KDIR:-}" ]; then
	echo "$KDIR"
	exit 0
fi
d=/lib/modules/$(uname -r)/build
if [ -d "$d" ]; then
	echo "$d"
	exit 0
fi
# Not the PREEMPT_RT flavour (6.12.*-rt-amd64): that one is asked for.
d=$(for d in /lib/modules/6.12.*-amd64/build; do
	case "$d" in *-rt-amd64/build) continue ;; esac
	if [ -d "$d" ]; then echo "$d"; fi
done | sort -V | tail -n 1)
if [ -z "$d" ]; then
	echo "error: no kernel headers for $(uname -r) nor Debian 6.12 amd64" \
		"headers: run 'make deps' or set KDIR" >&2
	exit 1
fi
echo "$d"
