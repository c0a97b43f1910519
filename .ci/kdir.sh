#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the kernel build tree to build the modules against:
#   - $KDIR if set;
#   - else the one $KVER names: 6.12 (the default), 6.12-rt, 6.1 or 6.1-rt,
#     the newest of Debian's amd64 headers of that kernel (see
#     Documentation/kernels.rst), "running" for the running kernel's, or a
#     release (a directory in /lib/modules, e.g. 6.1.0-57-amd64).
# Looked up when needed rather than when make reads the Makefile, so that
# "make deps demo" sees headers that deps installed.
#
#   .ci/kdir.sh            the build tree
#   .ci/kdir.sh --release  the release of its kernel (uname -r there, and
#                          the modules' vermagic): UTS_RELEASE, which for
#                          Debian's 6.1 is not include/config/kernel.release
#   .ci/kdir.sh --list     the KVER names, one a line
set -euo pipefail

kvers="6.12 6.12-rt 6.1 6.1-rt"
if [ "${1:-}" = --list ]; then
	tr ' ' '\n' <<<"$kvers"
	exit 0
fi
# out DIR: print DIR, or with --release its kernel's release.
out() {
	local rel

	if [ "$arg" != --release ]; then
		echo "$1"
		return
	fi
	rel=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' \
		"$1/include/generated/utsrelease.h" 2>/dev/null) || true
	if [ -z "$rel" ]; then
		echo "error: $1 has no include/generated/utsrelease.h" >&2
		exit 1
	fi
	echo "$rel"
}
arg=${1:-}
if [ -n "${KDIR:-}" ]; then
	out "$KDIR"
	exit 0
fi
kver=${KVER:-6.12}
# Debian's headers packages for each name, and the glob of their releases
# (the RT flavour's releases end in -rt-amd64, the others' in -amd64).
case "$kver" in
6.12) pkg=linux-headers-6.12-amd64 glob='6.12.*-amd64' ;;
6.12-rt) pkg=linux-headers-6.12-rt-amd64 glob='6.12.*-rt-amd64' ;;
6.1) pkg=linux-headers-amd64 glob='6.1.*-amd64' ;;
6.1-rt) pkg=linux-headers-rt-amd64 glob='6.1.*-rt-amd64' ;;
running) kver=$(uname -r) pkg=linux-headers-$kver glob= ;;
*) pkg=linux-headers-$kver glob= ;;
esac
if [ -z "$glob" ]; then
	d=/lib/modules/$kver/build
	[ -d "$d" ] && { out "$d"; exit 0; }
	echo "error: no kernel headers for $kver in $d: apt-get install $pkg," \
		"or set KVER to one of: $kvers" >&2
	exit 1
fi
d=$(for d in /lib/modules/$glob/build; do
	[ -d "$d" ] || continue
	rel=${d#/lib/modules/}
	rel=${rel%/build}
	case "$kver:$rel" in
	*-rt:*) ;;
	*:*-rt-amd64) continue ;;
	esac
	echo "$d"
done | sort -V | tail -n 1)
if [ -z "$d" ]; then
	echo "error: no Debian $kver amd64 headers (/lib/modules/$glob):" \
		"run 'make deps' or apt-get install $pkg, or set KDIR" >&2
	exit 1
fi
out "$d"
