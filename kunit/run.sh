#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the bufpool KUnit suite in UML: kunit/run.sh [normal|debug|bench] [kunit.py args]
#
# KUnit in UML runs only code built into the UML kernel, so the project is
# copied into a 6.12 source tree (see .ci/ksrc.sh) as lib/bufpool, refreshed
# on every run, and hooked into lib/Kconfig and lib/Makefile with one line
# each.  "debug" adds kunit/debug.kunitconfig (KASAN, lockdep, preemption,
# kmemleak, list debugging) and builds in its own directory; "bench" builds
# bench/bench.kunitconfig instead, for bench/run.sh.  Extra
# arguments go to kunit.py, e.g. a suite filter glob.  After the run, the
# kernel log is searched for lockdep, KASAN and similar reports, which do not
# fail a test case by themselves: any found makes the exit status 3.
set -euo pipefail

mode=${1:-normal}
[ $# -gt 0 ] && shift
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${BUFPOOL_CACHE:-$HOME/.cache/bufpool}
jobs=${JOBS:-$(nproc)}
timeout=${KUNIT_TIMEOUT:-900}

configs=(--kunitconfig=lib/bufpool/kunit/.kunitconfig)
# The suites test timed sampling with pools of their own periods; every
# other pool is pinned untracked, whatever bufpool's default, so that
# what they assert of untracked pools holds (a caller's --kernel_args
# after it wins).
pins=(--kernel_args=bufpool.sample_interval_ms=0)
case "$mode" in
normal)
	build_dir=$cache/build-uml
	configs+=("${pins[@]}")
	;;
debug)
	build_dir=$cache/build-uml-debug
	configs+=(--kunitconfig=lib/bufpool/kunit/debug.kunitconfig "${pins[@]}")
	;;
bench)
	# The benchmark (bench/run.sh), not the tests: no debugging options.
	build_dir=$cache/build-uml-bench
	configs=(--kunitconfig=lib/bufpool/bench/bench.kunitconfig)
	;;
*)
	echo "usage: $0 [normal|debug|bench] [kunit.py args...]" >&2
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
# build (Kbuild would find stale objects through VPATH).  Copy by content and
# without the source's times, so that a changed file is newer than its
# object even when it comes from an older checkout.
dest=$ksrc/lib/bufpool
mkdir -p "$dest"
rsync -rlp --checksum --delete --delete-excluded \
	--exclude=.git --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
	--exclude='*.mod.c' --exclude='.*.cmd' --exclude='*.a' \
	--exclude=Module.symvers --exclude=modules.order \
	--exclude=.tmp_versions --exclude='*.dwo' --filter=':- .gitignore' \
	"$repo/" "$dest/"

# Objects of ours in the build directory must come from this content: when
# it differs from the last run's, rebuild them all (a few files), whatever
# the files' times say.
stamp=$build_dir/.bufpool-overlay.sha256
sum=$(cd "$dest" && find . -type f -print0 | LC_ALL=C sort -z |
	xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]; then
	rm -rf "$build_dir/lib/bufpool"
	mkdir -p "$build_dir"
	echo "$sum" >"$stamp"
fi

add_line() {
	grep -qxF "$2" "$1" || printf '\n%s\n' "$2" >>"$1"
}
add_line "$ksrc/lib/Kconfig" 'source "lib/bufpool/Kconfig"'
add_line "$ksrc/lib/Makefile" 'obj-y += bufpool/'

# Reports that no bufpool test provokes on purpose, but that do not fail a
# KUnit case by themselves (lockdep, sleeping in atomic context, ...).
problems='BUG: KASAN|BUG: sleeping function called from invalid context'
problems+='|BUG: scheduling while atomic|BUG: using smp_processor_id'
problems+='|BUG: using __this_cpu_|BUG: spinlock|WARNING: possible circular'
problems+='|WARNING: possible recursive locking|WARNING: inconsistent lock state'
problems+='|INFO: possible irq lock inversion|WARNING: bad unlock balance'
problems+='|WARNING: held lock freed|WARNING: suspicious RCU usage'
problems+='|INFO: trying to register non-static key|list_(add|del) corruption'
problems+='|unreferenced object|Kernel panic'

# bufpool's suites only (the debug configuration builds KASAN's own too),
# unless the caller chose.
[ $# -gt 0 ] || set -- 'bufpool*'

cd "$ksrc"
started=$(mktemp)
trap 'rm -f "$started"' EXIT
rc=0
(
	set -x
	python3 tools/testing/kunit/kunit.py run \
		"${configs[@]}" \
		--build_dir="$build_dir" \
		--jobs="$jobs" \
		--arch=um \
		--timeout="$timeout" \
		"$@"
) || rc=$?

log=$build_dir/test.log
# The bufpool_kasan suite provokes KASAN reports on purpose and checks each
# itself: leave its part of the log out of the scan.
scan=$(mktemp)
trap 'rm -f "$started" "$scan"' EXIT
if [ -f "$log" ]; then
	awk '/# Subtest: bufpool_kasan$/ { skip = 1 }
	     !skip { print }
	     skip && /^ *(not )?ok [0-9]+ bufpool_kasan$/ { skip = 0 }' \
		"$log" >"$scan"
fi
if [ -f "$log" ] && [ "$log" -nt "$started" ] &&
	grep -E "$problems" "$scan" >/dev/null; then
	echo
	echo "KERNEL PROBLEMS: the kernel reported these outside the test" \
		"verdicts (full log: $log):"
	grep -E -A 12 "$problems" "$scan" | head -n 200
	[ "$rc" -ne 0 ] || rc=3
fi
exit "$rc"
