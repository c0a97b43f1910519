#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Static checks of bufpool: .ci/static.sh W1|sparse|checkpatch|kerneldoc
#
#   W1          out-of-tree build with W=1 and -Werror (kernel-doc of .c too),
#               and bench/inline-size.sh prints bench/results/inline-size.txt
#               (the docs include it)
#   sparse      out-of-tree build under sparse (C=2); fails on any sparse
#               warning or error in our files
#   checkpatch  checkpatch.pl --strict on our kernel .c and .h files; fails
#               on any ERROR, WARNING or CHECK
#   kerneldoc   scripts/kernel-doc -Wall on the headers, the module and the
#               example; fails on any output
#
# KDIR and KSRC as in the Makefile (.ci/kdir.sh, .ci/ksrc.sh).
set -euo pipefail
shopt -s nullglob

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

# Our kernel C files, without the ones Kbuild generates; kunit: include the
# KUnit suite.
our_c_files() {
	local f dirs=(include/*.h include/trace/events/*.h module/*.h module/*.c
		  examples/*.c userspace-test/modules/*.c bench/*.c)
	[ "${1:-}" = kunit ] && dirs+=(kunit/*.c kunit/*.h)
	for f in "${dirs[@]}"; do
		case "$f" in *.mod.c) continue ;; esac
		echo "$f"
	done
}

step=${1:-}
case "$step" in
W1)
	kdir=$(.ci/kdir.sh)
	make -C "$kdir" M="$repo" W=1 KCFLAGS=-Werror BUFPOOL_BUILD="examples tests bench" modules
	# The inline paths' size, as the docs include it.
	if ! bench/inline-size.sh | diff -u bench/results/inline-size.txt -; then
		echo "W1: the inline paths changed: bench/inline-size.sh >bench/results/inline-size.txt" >&2
		exit 1
	fi
	;;
sparse)
	command -v sparse >/dev/null ||
		{ echo "sparse is not installed: run 'make deps'" >&2; exit 1; }
	kdir=$(.ci/kdir.sh)
	log=$(mktemp)
	trap 'rm -f "$log"' EXIT
	rc=0
	make -C "$kdir" M="$repo" C=2 BUFPOOL_BUILD="examples tests bench" modules 2>&1 | tee "$log" ||
		rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "sparse: the build failed" >&2
		exit 1
	fi
	# Sparse names our files by absolute path; kernel headers by ./include.
	if grep -E "^$repo/[^:]+:[0-9]+:[0-9]+: (warning|error):" "$log" \
		>/dev/null; then
		echo "sparse: warnings in bufpool's files (above)" >&2
		exit 1
	fi
	echo "sparse: clean"
	;;
checkpatch)
	ksrc=$(.ci/ksrc.sh)
	mapfile -t files < <(our_c_files kunit)
	out=$("$ksrc/scripts/checkpatch.pl" --strict --no-tree --terse \
		--show-types -f "${files[@]}" 2>&1) || true
	[ -n "$out" ] && echo "$out"
	if grep -E ': (ERROR|WARNING|CHECK):' <<<"$out" >/dev/null; then
		echo "checkpatch: problems in ${#files[@]} files (above)" >&2
		exit 1
	fi
	echo "checkpatch: ${#files[@]} files clean"
	;;
kerneldoc)
	ksrc=$(.ci/ksrc.sh)
	mapfile -t files < <(our_c_files)
	out=$("$ksrc/scripts/kernel-doc" -none -Wall "${files[@]}" 2>&1) ||
		true
	if [ -n "$out" ]; then
		echo "$out"
		echo "kerneldoc: warnings in our files (above)" >&2
		exit 1
	fi
	echo "kerneldoc: ${#files[@]} files clean"
	;;
*)
	echo "usage: $0 W1|sparse|checkpatch|kerneldoc" >&2
	exit 2
	;;
esac
