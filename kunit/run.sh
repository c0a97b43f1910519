#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the bufpool KUnit suite in UML: kunit/run.sh [normal|debug] [kunit.py args]
#
# KUnit in UML runs only code built into the UML kernel, so the project is
# copied into a 6.12 source tree (see .ci/ksrc.sh) as lib/bufpool, refreshed
# on every run, and hooked into lib/Kconfig and lib/Makefile with one line
# each.  "debug" adds kunit/debug.kunitconfig (KASAN, lockdep, preemption,
# kmemleak, list debugging) and builds in its own directory.  Extra
# arguments go to kunit.py, e.g. a suite filter glob.
set -euo pipefail

mode=${1:-normal}
[ $# -gt 0 ] && shift
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${BUFPOOL_CACHE:-$HOME/.cache/bufpool}
jobs=${JOBS:-$(nproc)}
timeout=${KUNIT_TIMEOUT:-900}

configs=(--kunitconfig=lib/bufpool/kunit/.kunitconfig)
case "$mode" in
normal)
	build_dir=$cache/build-uml
	;;
debug)
	build_dir=$cache/build-uml-debug
	configs+=(--kunitconfig=lib/bufpool/kunit/debug.kunitconfig)
	;;
*)
	echo "usage: $0 [normal|debug] [kunit.py args...]" >&2
	exit 2
	;;
esac

ksrc=$("$repo/.ci/ksrc.sh")
mkdir -p "$cache"

# One run at a time per tree: the overlay is shared.
exec 9>"$ksrc/.bufpool-kunit.lock"
if ! flock -n 9; then
	echo "Waiting for another KUnit run in $ksrc..." >&2
	flock 9
fi

# Copy, never link: the tree must not see build products from an out-of-tree
# build (Kbuild would find stale objects through VPATH).
dest=$ksrc/lib/bufpool
mkdir -p "$dest"
rsync -a --delete --delete-excluded \
	--exclude=.git --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
	--exclude='*.mod.c' --exclude='.*.cmd' --exclude='*.a' \
	--exclude=Module.symvers --exclude=modules.order \
	--exclude=.tmp_versions --exclude='*.dwo' \
	"$repo/" "$dest/"

add_line() {
	grep -qxF "$2" "$1" || printf '\n%s\n' "$2" >>"$1"
}
add_line "$ksrc/lib/Kconfig" 'source "lib/bufpool/Kconfig"'
add_line "$ksrc/lib/Makefile" 'obj-y += bufpool/'

cd "$ksrc"
set -x
exec python3 tools/testing/kunit/kunit.py run \
	"${configs[@]}" \
	--build_dir="$build_dir" \
	--jobs="$jobs" \
	--arch=um \
	--timeout="$timeout" \
	"$@"
