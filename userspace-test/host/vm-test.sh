#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The VM suite ("make vm-test"): boots the kernel the modules are built for
# (KVER or KDIR, see .ci/kdir.sh; default Debian's 6.12) under qemu with
# bufpool.ko and the test modules, and runs a suite in it.
#
# VM_SUITE=full (the default on 6.12 and 6.12-rt): userspace-test/guest/tests.sh,
# copy_to_user()/copy_from_user() on pool buffers under HARDENED_USERCOPY,
# misuse on the real kernel (bufpool_misuse.ko: foreign and wrong-pool
# returns, KFENCE objects, referenced pages, zones, tombstones, tracking
# switched under SMP load, CPU hotplug under load, destroy under load,
# hardirq context), the SMP stress and bad input from every context
# (bufpool_stress.ko), the tracepoints (events of the example client, who
# holds most buffers), the leak report at destroy and at unload, one report
# per leak, clean unload, examples/bufpool_ring.ko's producer/consumer
# ring across two CPUs, and a client built against another bufpool.h
# (userspace-test/modules/bufpool_stale.c), which must not load.
# VM_SUITE=basic (the default on other kernels): userspace-test/
# guest/tests-basic.sh, the load, use, leak report and unload subset, with the
# owner check the pools use.
#
# VM_MODULES: the directory the modules were built in (default: the
# repository; .ci/kernel-build.sh builds elsewhere).  VM_NAME: the name of
# the run, its console log is userspace-test/build/VM_NAME/console.log
# (default vm-test).  On Debian's 6.12 the whole suite also checks that
# the report samples the docs include (Documentation/samples/record.sh)
# have this run's format (VM_SAMPLES=record: records them, as "make
# doc-samples" does).  Ends with "vm: N passed, N failed"; exit status 1 if
# any check failed or the VM did not finish.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
mods=${VM_MODULES:-$repo}
name=${VM_NAME:-vm-test}
suite=${VM_SUITE:-}
if [ -z "$suite" ]; then
	case "${KVER:-6.12}" in
	6.12 | 6.12-rt) suite=full ;;
	*) suite=basic ;;
	esac
fi
# The whole suite on Debian's 6.12 runs on two NUMA nodes (VM_NODES=2):
# every check meets memory of another node, and the NUMA checks run; the
# other kernels' runs have one node.
if [ -z "${VM_NODES:-}" ] && [ "$suite" = full ] &&
	[ "${KVER:-6.12}" = 6.12 ] && [ -z "${KDIR:-}" ]; then
	export VM_NODES=2
fi
case "$suite" in
full) script=$repo/userspace-test/guest/tests.sh ;;
basic) script=$repo/userspace-test/guest/tests-basic.sh ;;
*)
	echo "vm-test: VM_SUITE must be full or basic, not '$suite'" >&2
	exit 2
	;;
esac
log=$repo/userspace-test/build/$name/console.log
rm -f "$log"

# bufpool_stale.ko: a client built against a copy of the headers with
# another layout id, which must not load (userspace-test/modules/bufpool_stale.c).
# It asks for a symbol bufpool does not export: modpost only warns.
stale=$repo/userspace-test/build/$name/stale
rm -rf "$stale"
mkdir -p "$stale"
cp "$repo/userspace-test/modules/bufpool_stale.c" "$stale/"
cp "$repo/include/bufpool.h" "$stale/"
sed 's/^\(#define __BUFPOOL_LAYOUT[[:space:]]*\).*/\1x000000000000/' \
	"$repo/include/bufpool_layout.h" >"$stale/bufpool_layout.h"
grep -q '__BUFPOOL_LAYOUT[[:space:]]*x000000000000$' "$stale/bufpool_layout.h"
echo 'obj-m := bufpool_stale.o' >"$stale/Kbuild"
make -s -C "$("$repo/.ci/kdir.sh")" M="$stale" KBUILD_MODPOST_WARN=1 \
	KBUILD_EXTRA_SYMBOLS="$mods/Module.symvers" modules >"$stale/build.log" 2>&1 || {
	cat "$stale/build.log"
	echo "vm-test: building bufpool_stale.ko failed"
	exit 1
}

# ctlfuzz: the debugfs fuzzer of the full suite, static (busybox VM).
ctlfuzz=$repo/userspace-test/build/$name/ctlfuzz
gcc -static -O2 -Wall -o "$ctlfuzz" "$repo/userspace-test/guest/ctlfuzz.c" || {
	echo "vm-test: building ctlfuzz failed (gcc -static: apt-get install libc6-dev)"
	exit 1
}

# A whole suite takes about 2 minutes; a hang is caught at 5.
export VM_TIMEOUT=${VM_TIMEOUT:-300}
rc=0
"$repo/userspace-test/host/vm-run.sh" "$name" "$script" \
	"$repo/userspace-test/guest/lib.sh" "$ctlfuzz" \
	"$mods/bufpool.ko" "$mods/userspace-test/modules/bufpool_uaccess.ko" \
	"$mods/userspace-test/modules/bufpool_misuse.ko" \
	"$mods/userspace-test/modules/bufpool_stress.ko" \
	"$mods/userspace-test/modules/bufpool_leaker.ko" \
	"$mods/examples/bufpool_example.ko" "$mods/examples/bufpool_ring.ko" \
	"$stale/bufpool_stale.ko" ||
	rc=$?

passed=$(grep -c '^ok [0-9]' "$log" 2>/dev/null || true)
failed=$(grep -c '^not ok [0-9]' "$log" 2>/dev/null || true)
# A suite killed part-way (the OOM killer's "Killed": status 137) ran
# fewer checks and failed none of them: that is a failure too.
if [ "$rc" -ne 0 ] || [ "${passed:-0}" -eq 0 ] ||
	! grep -q '^=== vm-run: end of /test.sh (status 0)' "$log"; then
	echo "vm-test: the VM suite did not run to its end"
	failed=$((${failed:-0} + 1))
elif [ "$suite" = full ] && [ "${KVER:-6.12}" = 6.12 ] && [ -z "${KDIR:-}" ]; then
	# The reports the docs show (Documentation/samples/) are this run's.
	if [ "${VM_SAMPLES:-}" = record ]; then
		"$repo/Documentation/samples/record.sh" "$log"
		echo "vm-test: Documentation/samples/ recorded from this run"
	elif "$repo/Documentation/samples/record.sh" --check "$log"; then
		echo "ok $((passed + 1)) - the samples in Documentation/samples/ have this run's report format"
		passed=$((passed + 1))
	else
		echo "not ok $((passed + ${failed:-0} + 1)) - the samples in Documentation/samples/ have this run's report format"
		failed=$((${failed:-0} + 1))
	fi
fi
echo "vm: ${passed:-0} passed, $failed failed"
[ "$failed" -eq 0 ]
