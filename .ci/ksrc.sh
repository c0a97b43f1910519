#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Make sure a full Linux 6.12 source tree exists and print its path.
#
# checkpatch.pl, kernel-doc and KUnit need the whole source tree, which the
# headers package does not ship.  The tree lives outside the repository, in
# $KSRC (default: $BUFPOOL_CACHE/linux-source-6.12, with BUFPOOL_CACHE
# defaulting to ~/.cache/bufpool), and is extracted once from Debian's
# linux-source-6.12 tarball ($BUFPOOL_KERNEL_TARBALL).
set -euo pipefail

cache=${BUFPOOL_CACHE:-$HOME/.cache/bufpool}
ksrc=${KSRC:-$cache/linux-source-6.12}
tarball=${BUFPOOL_KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}

complete() {
	[ -f "$1/Makefile" ] && [ -f "$1/scripts/checkpatch.pl" ] &&
		[ -f "$1/tools/testing/kunit/kunit.py" ]
}

if complete "$ksrc"; then
	echo "$ksrc"
	exit 0
fi

parent=$(dirname "$ksrc")
mkdir -p "$parent"
# Two runs that start together extract once.
exec 9>"$parent/.ksrc.lock"
flock 9
if complete "$ksrc"; then
	echo "$ksrc"
	exit 0
fi
if [ -e "$ksrc" ]; then
	echo "error: $ksrc exists but is not a complete kernel tree; remove it" >&2
	exit 1
fi
if [ ! -f "$tarball" ]; then
	echo "error: $tarball is missing: run 'make deps'" \
		"(apt-get install linux-source-6.12)" >&2
	exit 1
fi

echo "Extracting $tarball into $ksrc (once; about a minute)..." >&2
tmp=$(mktemp -d "$parent/.extract.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tar -xJf "$tarball" -C "$tmp"
top=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d | head -n 1)
if [ -z "$top" ] || ! complete "$top"; then
	echo "error: $tarball does not hold a kernel tree" >&2
	exit 1
fi
# Rename into place only when complete, so an interrupted run leaves no
# half tree behind.
mv "$top" "$ksrc"
echo "$ksrc"
