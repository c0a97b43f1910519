#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers of the host scripts that check a VM's console after the run
# (vm-policy.sh, vm-soak.sh): TAP lines numbered after the VM's own, and
# the summary over both.  The VM's own helpers are guest/lib.sh's.

# host_tap_init LOG: continue the numbering of LOG's TAP lines.
host_tap_init() {
	host_log=$1
	n=$(grep -c '^\(not \)\?ok [0-9]' "$host_log" || true)
	host_passed=0
	host_failed=0
}

# host_check DESCRIPTION COMMAND...: one TAP line, ok if COMMAND succeeds.
host_check() {
	local desc=$1

	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $desc"
		host_passed=$((host_passed + 1))
	else
		echo "not ok $n - $desc"
		host_failed=$((host_failed + 1))
	fi
}

# host_fail MESSAGE: a failure that is no TAP line of its own.
host_fail() {
	echo "$1"
	host_failed=$((host_failed + 1))
}

# host_tap_done NAME: the plan, then "NAME: N passed, N failed" over the
# VM's lines and ours; fails if any failed.
host_tap_done() {
	local passed failed

	echo "1..$n"
	passed=$(($(grep -c '^ok [0-9]' "$host_log" || true) + host_passed))
	failed=$(($(grep -c '^not ok [0-9]' "$host_log" || true) + host_failed))
	echo "$1: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
