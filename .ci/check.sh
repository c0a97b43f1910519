#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run every bufpool test and count the results ("make check").
#
# Steps, in order (CHECK_STEPS overrides, e.g. CHECK_STEPS="W1 kunit"):
#   W1 sparse checkpatch kerneldoc   static checks (.ci/static.sh), one test each
#   htmldocs                         the HTML documentation builds with no
#                                    Sphinx or kernel-doc warning
#                                    (.ci/htmldocs.sh), one test
#   viewer                           build tools/bufpool-stat and run
#                                    tools/test-bufpool-stat.sh, one test
#   dkms                             dkms add/build/install/remove of
#                                    dkms.conf in throwaway trees
#                                    (.ci/dkms-check.sh), one test
#   vm                               the VM suite on Debian's 6.12 in qemu
#                                    (userspace-test/host/vm-test.sh);
#                                    each check
#   vm-policy                        the policy boot: init_on_free=1 zeroing,
#                                    then a leak with leak_panic=1 must panic
#                                    after its report (userspace-test/
#                                    host/vm-policy.sh); each check
#   build-K                          K = 6.12-rt, 6.1 or 6.1-rt: W=1 and
#                                    sparse build against that kernel's
#                                    headers (.ci/kernel-build.sh), one test
#   vm-K                             the VM suite on that kernel, with the
#                                    modules build-K built: the whole suite
#                                    on 6.12-rt, the basic subset on 6.1 and
#                                    6.1-rt (Documentation/kernels.rst);
#                                    each check
#   kunit kunit-debug                the KUnit suite in UML (kunit/run.sh);
#                                    each case counts, from kunit.py's summary
# A failing step does not stop the others.  The last line is
# "N passed, N failed" (", N skipped" when some were), and the exit status is
# non-zero if anything failed.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
steps=${CHECK_STEPS:-W1 sparse checkpatch kerneldoc htmldocs viewer dkms vm \
vm-policy build-6.12-rt vm-6.12-rt build-6.1 vm-6.1 build-6.1-rt vm-6.1-rt kunit \
kunit-debug}

passed=0
failed=0
skipped=0
report=()
logdir=$(mktemp -d)
trap 'rm -rf "$logdir"' EXIT

banner() {
	echo
	echo "======== $* ========"
}

# count_kunit LOG RC: add a kunit.py run's cases to the totals; sets result.
count_kunit() {
	local log=$1 rc=$2 line total p f s note=""

	line=$(sed 's/\x1b\[[0-9;]*m//g' "$log" |
		grep -o 'Testing complete\. Ran [0-9]* tests.*' | tail -n 1) ||
		true
	if [ -z "$line" ]; then
		p=0 f=1 s=0
		note="no test summary (build or boot failed?)"
	else
		total=$(sed -n 's/.*Ran \([0-9]*\) tests.*/\1/p' <<<"$line")
		p=$(field passed "$line")
		s=$(field skipped "$line")
		f=$(($(field failed "$line") + $(field crashed "$line") +
			$(field errors "$line")))
		if [ "$total" -eq 0 ]; then
			f=$((f + 1))
			note="no test ran"
		elif [ "$rc" -eq 3 ] && [ "$f" -eq 0 ]; then
			f=1
			note="KERNEL PROBLEMS outside the test verdicts"
		elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			f=1
			note="kunit.py exited with status $rc"
		fi
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	result="passed $p, failed $f, skipped $s${note:+; $note}"
}

# count_one RC: a step that is one test, passed if RC is 0; sets result.
count_one() {
	if [ "$1" -eq 0 ]; then
		passed=$((passed + 1))
		result="PASS"
	else
		failed=$((failed + 1))
		result="FAIL (exit status $1)"
	fi
}

# count_vm LOG RC: add the VM suite's "ok"/"not ok" checks; sets result.
# Those of the last boot only: a boot that vm-run.sh retried (a TCG flake)
# printed checks that the next boot runs again.
count_vm() {
	local log=$1 rc=$2 p f

	read -r p f < <(awk '/^vm-run: booting /	{ p = 0; f = 0 }
			     /^ok [0-9]/		{ p++ }
			     /^not ok [0-9]/		{ f++ }
			     END			{ print p + 0, f + 0 }' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	result="passed $p, failed $f"
}

# field NAME LINE: the number after "NAME: " in LINE, or 0.
field() {
	local n
	n=$(grep -o "$1: [0-9]*" <<<"$2" | grep -o '[0-9]*$') || true
	echo "${n:-0}"
}

# Keep the final count the only "N passed, N failed" line: a step's own
# count (a test script's, say) is shown as "[step] N passed, ...".
quote_counts() {
	sed -u -E "s/^([A-Za-z_-]+: )?([0-9]+ passed, [0-9]+ failed)/[$1] \2/"
}

# The kernel a build-K or vm-K step names, as "Linux <release>".
step_kernel() {
	local rel

	rel=$(KVER=$1 .ci/kdir.sh --release 2>/dev/null) || rel="$1, no headers"
	echo "Linux $rel"
}

for step in $steps; do
	case "$step" in
	vm) banner "$step ($(step_kernel "${KVER:-6.12}"), the whole suite)" ;;
	vm-policy) banner "$step ($(step_kernel 6.12), init_on_free=1, leak_panic=1)" ;;
	vm-6.12*) banner "$step ($(step_kernel "${step#vm-}"), the whole suite)" ;;
	vm-*) banner "$step ($(step_kernel "${step#vm-}"), the basic subset)" ;;
	build-*) banner "$step ($(step_kernel "${step#build-}"), W=1 and sparse)" ;;
	*) banner "$step" ;;
	esac
	log=$logdir/$step.log
	start=$(date +%s)
	rc=0
	case "$step" in
	W1 | sparse | checkpatch | kerneldoc)
		.ci/static.sh "$step" 2>&1 | tee "$log" | quote_counts "$step" ||
			rc=$?
		count_one "$rc"
		;;
	htmldocs)
		.ci/htmldocs.sh 2>&1 | tee "$log" | quote_counts "$step" ||
			rc=$?
		count_one "$rc"
		;;
	viewer)
		{ make --no-print-directory tools &&
			tools/test-bufpool-stat.sh; } 2>&1 | tee "$log" |
			quote_counts "$step" || rc=$?
		count_one "$rc"
		;;
	dkms)
		.ci/dkms-check.sh 2>&1 | tee "$log" | quote_counts "$step" ||
			rc=$?
		count_one "$rc"
		;;
	vm)
		{ make --no-print-directory test-modules >/dev/null &&
			userspace-test/host/vm-test.sh; } 2>&1 | tee "$log" |
			quote_counts "$step" || rc=$?
		count_vm "$log" "$rc"
		;;
	vm-policy)
		{ make --no-print-directory test-modules >/dev/null &&
			userspace-test/host/vm-policy.sh; } 2>&1 | tee "$log" |
			quote_counts "$step" || rc=$?
		count_vm "$log" "$rc"
		;;
	build-*)
		.ci/kernel-build.sh "${step#build-}" 2>&1 | tee "$log" |
			quote_counts "$step" || rc=$?
		count_one "$rc"
		;;
	vm-*)
		kver=${step#vm-}
		KVER=$kver VM_NAME=$step \
			VM_MODULES=$repo/userspace-test/build/kernel-$kver/src \
			userspace-test/host/vm-test.sh 2>&1 | tee "$log" |
			quote_counts "$step" || rc=$?
		count_vm "$log" "$rc"
		;;
	kunit | kunit-debug)
		mode=normal
		[ "$step" = kunit-debug ] && mode=debug
		kunit/run.sh "$mode" </dev/null 2>&1 | tee "$log" |
			quote_counts "$step" || rc=$?
		count_kunit "$log" "$rc"
		;;
	*)
		failed=$((failed + 1))
		result="FAIL (unknown step)"
		;;
	esac
	report+=("$(printf '%-14s %s [%ss]' "$step" "$result" \
		$(($(date +%s) - start)))")
done

banner "summary"
printf '%s\n' "${report[@]}"
summary="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary+=", $skipped skipped"
echo "$summary"
[ "$failed" -eq 0 ]
