#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The policy boot ("make vm-policy", a step of "make check"): Debian's 6.12
# booted with init_on_free=1 init_on_alloc=0 runs
# userspace-test/guest/tests-policy.sh: the zeroing policy under init_on_free,
# then bufpool with track=1 leak_panic=1 and a client that leaks a buffer.
# Its unload must stop the kernel ("stop the application and tell me the
# stack that took the buffer"): the console must show the leak report, with
# the client's function in its stack, then the panic, and nothing after.
# The VM's checks and these are "ok N"/"not ok N" lines; ends with
# "vm: N passed, N failed".
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
log=$repo/userspace-test/build/vm-policy/console.log
rc=0
VM_APPEND="init_on_free=1 init_on_alloc=0 ${VM_APPEND:-}" \
	"$repo/userspace-test/host/vm-run.sh" vm-policy \
	"$repo/userspace-test/guest/tests-policy.sh" "$repo/userspace-test/guest/lib.sh" \
	"$repo/bufpool.ko" \
	"$repo/userspace-test/modules/bufpool_stress.ko" \
	"$repo/examples/bufpool_example.ko" || rc=$?

# shellcheck source=userspace-test/host/lib.sh
. "$repo/userspace-test/host/lib.sh"
host_tap_init "$log"
# The console from the leaking unload on.
after=$(sed -n '/^=== vm-policy: rmmod bufpool_example/,$p' "$log")
host_check "the unload printed the leak report" \
	grep -q 'bufpool: example: leak report: 1 buffer .* still out at destroy' <<<"$after"
host_check "the report names the function and module that took it" \
	grep -q 'bufpool: example:  example_keep_out+0x[0-9a-f]*/0x[0-9a-f]* \[bufpool_example\]' <<<"$after"
host_check "then the kernel panicked, saying why" \
	grep -q 'Kernel panic - not syncing: bufpool: example: destroy leak report and bufpool.leak_panic=1' <<<"$after"
host_check "the report came before the panic" \
	awk '/leak report: 1 buffer/ { if (!r) r = NR }
	     /Kernel panic - not syncing/ { if (!p) p = NR }
	     END { exit !(r && p && r < p) }' <<<"$after"
host_check "nothing ran after the leaking unload" \
	sh -c '! grep -q "^=== vm-policy: still alive" "$1"' _ "$log"
# The script cannot reach its end: the panic stops the VM, as it must.
[ "$rc" -eq 0 ] || echo "# vm-policy: the VM stopped before the end of its script (the panic)"

# The VM's own checks must all have run (5 before the unload).
if [ "$(grep -c '^\(not \)\?ok [0-9]' "$log" || true)" -lt 5 ]; then
	host_fail "vm-policy: the VM did not run its checks"
fi
host_tap_done vm
