#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The report samples the documentation includes, cut from a VM suite's
# console log ("make doc-samples": userspace-test/host/vm-test.sh on
# Debian's 6.12, then this script).  Each sample is one report of one pool,
# as the kernel log has it, without the timestamps: from its first line to
# the line before that pool's next report (or LINES lines).
#
#   record.sh [LOG]          write Documentation/samples/*.txt from LOG
#   record.sh --check [LOG]  compare the samples' shape with LOG's reports:
#                            numbers, addresses and the kernel's own frames
#                            aside, the same lines; exit status 1 and a diff
#                            when a report changed and the samples did not
#
# LOG defaults to userspace-test/build/vm-test/console.log.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
check=
if [ "${1:-}" = --check ]; then
	check=1
	shift
fi
log=${1:-$repo/userspace-test/build/vm-test/console.log}
[ -r "$log" ] || {
	echo "record.sh: no console log $log (run make vm-test first)" >&2
	exit 2
}

# NAME POOL FIRST-LINE [LINES]: the samples (FIRST-LINE is an extended
# regular expression for the text after "bufpool: POOL: ").
samples='
leak-destroy	example	leak report: 2 buffers .* at destroy
leak-untracked	vmt-untracked	leak report:
leak-part	vmt-tr-part	leak report:
leak-module	shared	leak report: module bufpool_misuse unloaded
leak-bufpool-unload	example	leak report: .* never returned before bufpool unloaded
double-return	vmt-tr	misuse: double return
wrong-pool	vmt-tr-other	misuse: return to the wrong pool
foreign	vmt-tr	misuse: return of .*: slab object of another cache
interior	vmt-tr	misuse: return of .*: interior pointer	1
write-after-return	vmt-tr	misuse: write after return
idle-marker	vmt-hex	misuse: write after return	5
untracked-reject	vmt-foreign	rejected return	1
'

# cut POOL FIRST-LINE LINES: the report from the kernel log in $log.
cut() {
	awk -v pool="bufpool: $1: " -v first="$2" -v max="$3" '
		!sub(/^#   \[ *[0-9.]*\] /, "") { next }
		index($0, pool) != 1 { next }
		{ text = substr($0, length(pool) + 1) }
		!on && text ~ first { on = 1; n = 0 }
		on && n > 0 && text ~ /^(misuse: |leak report: |rejected return )/ { exit }
		on { print; if (++n == max) exit }' "$log"
}

# shape: a report with numbers, addresses and kernel frames made alike.
shape() {
	sed -E 's/\(____ptrval____\)|[0-9a-f]{16}/PTR/g; s/0x[0-9a-f]+/X/g;
		s/[0-9]+/N/g; s/\((sh|insmod|rmmod)\)/(TASK)/g' |
		awk '/^bufpool: [^ ]*:  / && !/\[bufpool/ && !/:  in / &&
		     !/:  \(oldest/ { if (!k++) print "<kernel frames>"; next }
		     { k = 0; print }'
}

rc=0
while IFS=$'\t' read -r name pool first lines; do
	[ -n "$name" ] || continue
	out=$(cut "$pool" "$first" "${lines:-0}")
	if [ -z "$out" ]; then
		echo "record.sh: no '$first' report of pool $pool in $log" >&2
		rc=1
		continue
	fi
	if [ -z "$check" ]; then
		printf '%s\n' "$out" >"$here/$name.txt"
	elif ! diff -u --label "Documentation/samples/$name.txt" \
		--label "this run" <(shape <"$here/$name.txt") \
		<(printf '%s\n' "$out" | shape); then
		echo "record.sh: the $name report changed: make doc-samples" >&2
		rc=1
	fi
done <<<"$samples"
exit $rc
