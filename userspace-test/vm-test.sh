#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The VM suite ("make vm-test"): boots Debian's 6.12 kernel under qemu with
# bufpool.ko and the test modules and runs userspace-test/vm-tests.sh in it:
# copy_to_user()/copy_from_user() on pool buffers under HARDENED_USERCOPY,
# misuse on the real kernel (bufpool_misuse.ko: foreign and wrong-pool
# returns, KFENCE objects, referenced pages, zones, tombstones, tracking
# switched under SMP load, CPU hotplug under load, destroy under load), the
# tracepoints (events of the example client, who holds most buffers), the
# leak report at destroy and at unload, one report per leak, clean unload,
# and examples/bufpool_ring.ko's producer/consumer ring across two CPUs.
# Ends with "vm: N passed, N failed"; exit status 1 if any check failed or
# the VM did not finish.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log=$repo/userspace-test/build/vm-test/console.log
rc=0
"$repo/userspace-test/vm-run.sh" vm-test "$repo/userspace-test/vm-tests.sh" \
	"$repo/bufpool.ko" "$repo/userspace-test/bufpool_uaccess.ko" \
	"$repo/userspace-test/bufpool_misuse.ko" \
	"$repo/userspace-test/bufpool_stress.ko" \
	"$repo/examples/bufpool_example.ko" "$repo/examples/bufpool_ring.ko" ||
	rc=$?

passed=$(grep -c '^ok [0-9]' "$log" || true)
failed=$(grep -c '^not ok [0-9]' "$log" || true)
if [ "$rc" -ne 0 ] || [ "$passed" -eq 0 ]; then
	echo "vm-test: the VM suite did not run to its end"
	failed=$((failed + 1))
fi
echo "vm: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
