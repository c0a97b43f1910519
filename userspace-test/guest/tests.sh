#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The VM suite: runs inside the VM (busybox sh) from userspace-test/host/vm-test.sh,
# with bufpool.ko, bufpool_uaccess.ko, bufpool_misuse.ko, bufpool_example.ko,
# bufpool_ring.ko and bufpool_stale.ko in /opt.  Prints
# one "ok N - ..." or "not ok N - ..." line per check.

. ./lib.sh

echo "TAP version 13"
echo "# Linux $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs"
mount -t debugfs debugfs /sys/kernel/debug
grep -o 'init_on_alloc=[^ ]*\|init_on_free=[^ ]*' /proc/cmdline
# Pools of the suite's own periods test timed sampling; the others are
# pinned untracked, whatever bufpool's default (kunit/run.sh does the same).
check "insmod bufpool.ko sample_interval_ms=0" insmod bufpool.ko sample_interval_ms=0
check "insmod bufpool_uaccess.ko" insmod bufpool_uaccess.ko
check "slab caches of the shared pool are in /proc/slabinfo" \
	grep -q '^bufpool-shared-64 ' /proc/slabinfo
copy=/sys/kernel/debug/bufpool_uaccess/copy

# Slab buckets (64 B to 4 KiB), page buckets (8 KiB to 1 MiB) and unpooled
# buffers (above 1 MiB, up to 4 MiB); twice each, the second time recycled.
for size in 8 64 100 2048 4096 4097 8192 65536 1048576 1500000 4194304; do
	for round in 1 2; do
		check "copy_to_user of $size bytes (round $round)" \
			read_ok "$size"
		check "copy_from_user of $size bytes (round $round)" \
			write_ok "$size"
	done
done
check "copy_from_user of wrong bytes is caught by the module" \
	sh -c "! { head -c 100 /dev/zero | dd of=$copy bs=100 count=1 conv=notrunc 2>/dev/null; }"
check "a read above BUFPOOL_SIZE_MAX fails cleanly" \
	sh -c "! dd if=$copy of=/dev/null bs=8388608 count=1 2>/dev/null"
check "no usercopy report (HARDENED_USERCOPY)" log_lacks 'usercopy: '

# A client built against another bufpool.h (another __BUFPOOL_LAYOUT).
if uname -v | grep -q PREEMPT_RT; then
	check "PREEMPT_RT, no inline path: a client built against another bufpool.h loads" \
		insmod bufpool_stale.ko
	check "and takes and returns a buffer" \
		log_has 'bufpool_stale: loaded: took and returned a buffer'
	check "rmmod bufpool_stale" rmmod bufpool_stale
else
	check "a client built against another bufpool.h is refused at insmod" \
		sh -c '! insmod bufpool_stale.ko 2>/dev/null'
	check "the kernel names the layout it asked for" \
		log_has 'bufpool_stale: Unknown symbol __bufpool_inline_layout_x000000000000'
	check "it ran none of its code" log_lacks 'bufpool_stale: loaded'
fi
check "bufpool still serves its clients" read_ok 64

# Misuse on the real kernel (bufpool_misuse.ko): each case checks itself.
misuse_start_checks
check "no leak report for either pool" log_lacks 'vmt-wrong-.: leak report'
# Sample every allocation a millisecond apart, so that some are KFENCE's.
kfence=/sys/module/kfence/parameters/sample_interval
kfence_was=$(cat "$kfence" 2>/dev/null || echo)
[ -z "$kfence_was" ] || echo 1 >"$kfence"
check "fresh buffers of every slab size are the pool's (KFENCE ones too)" \
	misuse fresh_buffers
[ -z "$kfence_was" ] || echo "$kfence_was" >"$kfence"
dmesg | grep 'fresh buffers were KFENCE objects' | sed 's/^/# /'
check "a page buffer with a page reference held is not recycled" \
	misuse page_ref
check "GFP_DMA and GFP_DMA32 takes get their zone and are not recycled" \
	misuse zone
check "a tracked pool used after destroy refuses and says so" misuse tombstone
check "the take says it is a use after destroy" \
	log_has 'bufpool: vmt-tomb: take by .* from a pool destroyed and freed: a use after destroy'
check "the second destroy is refused" \
	log_has 'bufpool: vmt-tomb: destroy of a destroyed pool'
check "a write after return is caught" misuse write_after_return
check "the report says the idle marker changed" \
	log_has 'bufpool: vmt-hex: bytes 0-7: the idle marker, changed (not shown)'
check "the report does not print the idle marker" \
	log_lacks 'bufpool: vmt-hex: 0000:'
# Tracked misuse, each refused and reported once with its stacks (the
# samples of Documentation/tracking.rst: Documentation/samples/record.sh).
check "a tracked pool refuses a double return, a return to the wrong pool, a kmalloc object, an interior pointer and quarantines a written buffer" \
	misuse tracked_reports
check "the double return names the second return, the first and the take" \
	sh -c "dmesg | grep -A40 'bufpool: vmt-tr: misuse: double return of' |
	       grep 'bufpool: vmt-tr: returned again by task' -A40 |
	       grep 'bufpool: vmt-tr: first returned by task' -A40 |
	       grep -q 'bufpool: vmt-tr: taken by task'"
check "each stack has the function of the misuse" \
	sh -c "dmesg | grep -c 'bufpool: vmt-tr[a-z-]*:  misuse_tr_[a-z_]*+0x[0-9a-f]*/0x[0-9a-f]* \\[bufpool_misuse\\]$' |
	       awk '{ exit \$1 >= 9 ? 0 : 1 }'"
check "the wrong pool's report names the owner" \
	log_has 'bufpool: vmt-tr-other: misuse: return to the wrong pool: .* (64 bytes) belongs to pool vmt-tr$'
check "the kmalloc object's report says it is another cache's" \
	log_has 'bufpool: vmt-tr: misuse: return of .*, which is not a buffer out of this pool: slab object of another cache'
check "the interior pointer's report says so" \
	log_has 'bufpool: vmt-tr: misuse: return of .*, which is not a buffer out of this pool: interior pointer$'
check "the write after return is at offset 100" \
	log_has 'bufpool: vmt-tr: misuse: write after return to .* (256 bytes) at offset 100$'
check "the written buffer is quarantined" \
	log_has 'bufpool: vmt-tr: buffer quarantined: not handed out again'
check "the quarantined buffer is freed at destroy, with no leak report" \
	log_lacks 'vmt-tr: leak report'
# Leaks of a pool tracked part of the time and of an untracked one.
part_leaks() {
	misuse part_start || return 1
	echo 1 >/sys/kernel/debug/bufpool/vmt-tr-part/track || return 1
	misuse part_done
}
check "pools destroyed with buffers out, one tracked part of the time" \
	part_leaks
check "its report has the tracked buffer's stack and counts the others" \
	log_has 'bufpool: vmt-tr-part: total: 3 buffers, 256 bytes; 1 tracked from 1 stack (1 shown), 2 untracked$'
check "the untracked pool's report says how to track it" \
	log_has 'bufpool: vmt-untracked: 2 buffers (192 bytes) untracked: to see where buffers are taken, track the pool'
check "the returns after the destroy freed both pools" \
	caches_gone 'bufpool-vmt-tr-part\|bufpool-vmt-untracked'
# Tracking switched on and off while every CPU takes and returns.
toggle_track() {
	misuse toggle_start || return 1
	i=0
	while [ $i -lt 40 ]; do
		echo 1 >/sys/kernel/debug/bufpool/vmt-toggle/track || return 1
		sleep 0.05
		echo 0 >/sys/kernel/debug/bufpool/vmt-toggle/track || return 1
		sleep 0.05
		i=$((i + 1))
	done
	misuse toggle_stop
}
check "tracking switched 80 times under SMP load: no odd or shared buffer" \
	toggle_track
dmesg | grep 'misuse_toggle_stop:' | sed 's/^/# /'
# Every writable debugfs file of a pool, under SMP load: the values it
# takes work, anything else is refused with EINVAL and changes nothing,
# and a few thousand random writes (random bytes and lengths, lines over
# the limit: ./ctlfuzz), two writers per file at once and a reader of every file of
# the pool beside them, leave a consistent pool: no WARNING (the last
# check), no odd or shared buffer, nothing lost (toggle_stop destroys the
# pool and the next check looks for a leak report).
# wr FILE FORMAT: one write(2) of printf FORMAT, exit status as the write's.
wr() {
	# shellcheck disable=SC2059 # the format is the input
	printf "$2" >"$1" 2>/dev/null
}
ctl_edges() {
	d=/sys/kernel/debug/bufpool/vmt-toggle
	long=$(head -c 64 /dev/zero | tr '\0' 1)
	for f in track clear reset_peak; do
		for bad in x -1 '1 2' ' 1x' 0x10 4294967296 '1\n\n' '\n' '1\0' \
			"$long"; do
			if wr "$d/$f" "$bad"; then
				echo "# fuzz: $f took '$bad'"
				return 1
			fi
		done
	done
	wr "$d/clear" 2 && return 1
	wr "$d/reset_peak" 0 && return 1
	wr "$d/clear" 1 && wr "$d/reset_peak" '1\n' &&
		wr "$d/track" 64 && [ "$(cat "$d/track")" = 1/64 ] &&
		wr "$d/track" '0\n' && [ "$(cat "$d/track")" = off ]
}
fuzz_ctl() {
	d=/sys/kernel/debug/bufpool/vmt-toggle
	misuse toggle_start || return 1
	ctl_edges || { misuse toggle_stop; return 1; }
	pids=
	touch /tmp/fuzzing
	seed=1
	for f in track clear reset_peak; do
		for w in 1 2; do
			./ctlfuzz "$d/$f" 1000 "$seed" &
			pids="$pids $!"
			seed=$((seed + 1))
		done
	done
	(
		while [ -e /tmp/fuzzing ]; do
			cat "$d"/* >/dev/null 2>&1
		done
	) &
	reader=$!
	ran=0
	for p in $pids; do wait "$p" || ran=1; done
	rm -f /tmp/fuzzing
	wait "$reader"
	[ $ran -eq 0 ] || { misuse toggle_stop; return 1; }
	state=$(cat "$d/track")
	echo "# fuzz: 6000 random writes done; track reads '$state'"
	case "$state" in
	off | all | 1/[0-9]*) ;;
	*) misuse toggle_stop; return 1 ;;
	esac
	wr "$d/track" 0 || return 1
	misuse toggle_stop
}
check "debugfs controls under SMP load: edge values refused, 6000 random writes and a reader at once leave a consistent pool" \
	fuzz_ctl
dmesg | grep 'misuse_toggle_stop:' | tail -n 1 | sed 's/^/# /'
check "nothing was out when the fuzzed pool was destroyed" \
	log_lacks 'vmt-toggle: leak report'
# CPU hotplug under load: a dead CPU's magazines go to the depot, and
# nothing is lost (toggle_stop destroys the pool: a leak would be reported).
hotplug_load() {
	misuse toggle_start || return 1
	for round in 1 2 3; do
		for c in 1 2 3; do
			echo 0 >/sys/devices/system/cpu/cpu$c/online || return 1
		done
		sleep 0.2
		for c in 1 2 3; do
			echo 1 >/sys/devices/system/cpu/cpu$c/online || return 1
		done
		sleep 0.2
	done
	# The dead CPUs' magazines were drained.
	drained=$(stats_field /sys/kernel/debug/bufpool/vmt-toggle/stats \
		total drained)
	echo "# hotplug: $drained buffers drained from dead CPUs"
	misuse toggle_stop || return 1
	[ "${drained:-0}" -gt 0 ]
}
check "CPUs 1-3 offline and online 3 times under load: no odd or shared buffer" \
	hotplug_load
dmesg | grep 'misuse_toggle_stop:' | tail -n 1 | sed 's/^/# /'
check "nothing was out when the stressed pool was destroyed" \
	log_lacks 'vmt-toggle: leak report'
check "destroy under 4-CPU load: takes fail after it, returns go on" \
	misuse destroy_race
dmesg | grep 'misuse_destroy_race:' | sed 's/^/# /'
check "the last return freed the destroyed pool (its caches are gone)" \
	caches_gone bufpool-vmt-race
# Memory pressure: the shrinker gives idle memory back.
check "drop_caches: the shrinker gives idle buffers back, takes still work" \
	pressure
# Decay without pressure, at the default period (5 s): a burst of 32 MiB
# left idle, and full magazines of every bucket that has them on every CPU,
# go back within 30 s: the depot's within two periods, the CPUs' once their
# deferrable work runs.
decay() {
	misuse decay_fill || return 1
	burst=$(pool_field vmt-decay 6)
	t=0
	echo "# decay: t=0 s: $burst idle bytes"
	while [ $t -lt 30 ]; do
		sleep 5
		t=$((t + 5))
		idle=$(pool_field vmt-decay 6)
		echo "# decay: t=$t s: $idle idle bytes"
	done
	grep -E '^ +total ' /sys/kernel/debug/bufpool/vmt-decay/stats |
		sed 's/^/# decay: /'
	misuse decay_done || return 1
	[ "$burst" -ge 33554432 ] && [ "$idle" -le $((burst / 10)) ]
}
check "decay: a burst's idle memory, depot and CPUs, is below 10% within 30 s, with no pressure" \
	decay
# NUMA, on the two-node boot (vm-test.sh's VM_NODES=2 on 6.12): placement
# on every CPU, and node 1's buffers returned on node 0 idle in node 1's
# depot, as debugfs shows, until a CPU of node 1 takes them back.
numa_idle() {
	d=/sys/kernel/debug/bufpool/vmt-numa
	sed -n 's/^\(nr_nodes\|node[0-9]*_.*\) /# numa: &/p' "$d/params"
	for size in 512 16384 65536 262144; do
		[ "$(stats_field "$d/stats" "$size" idle_n1)" = 64 ] || return 1
	done
	[ "$(sed -n 's/^nr_nodes //p' "$d/params")" = 2 ] &&
		[ "$(sed -n 's/^node1_idle_bytes //p' "$d/params")" = $((64 * 344576)) ] &&
		[ "$(sed -n 's/^node1_cpu_idle_bytes //p' "$d/params")" = 0 ]
}
if grep -q 'bufpool_vm_nodes=2' /proc/cmdline; then
	check "NUMA: the VM has the two nodes it was booted with" \
		test -d /sys/devices/system/node/node1
	check "NUMA: take_node gets the node asked for on every CPU, take the CPU's node: per-CPU and depot-only buckets, unpooled" \
		misuse numa_fill
	dmesg | grep 'misuse_numa' | sed 's/^/# /'
	check "NUMA: node 1's buffers returned on node 0 are idle in node 1's depot (params, stats idle_n1)" \
		numa_idle
	check "NUMA: a CPU of node 1 takes node 1's idle buffers back, all of them" \
		misuse numa_done
else
	echo "# one node: the NUMA checks run on the two-node boot (VM_NODES=2)"
fi
hardirq_checks
nmi_checks
reserve_checks
age_checks
check "nothing was out when the hardirq pool was destroyed" \
	log_lacks 'vmt-hardirq: leak report'
# A module that unloads holding buffers of the shared pool, tracked.
echo 1 >/sys/kernel/debug/bufpool/shared/track
check "keep 3 buffers of the tracked shared pool" misuse keep_shared
check "rmmod bufpool_misuse" rmmod bufpool_misuse
echo 0 >/sys/kernel/debug/bufpool/shared/track
check "the unload reports the 3 shared buffers the module kept" \
	log_has 'bufpool: shared: leak report: module bufpool_misuse unloaded holding 3 buffers (18432 bytes) of this pool$'
check "with the function that took them" \
	log_has 'bufpool: shared:  misuse_keep_out+0x[0-9a-f]*/0x[0-9a-f]* \[bufpool_misuse\]$'

# SMP stress (bufpool_stress.ko): a kthread per CPU, sizes 64 B to 4 MiB
# (unpooled above 1 MiB), half the returns on another CPU, each buffer
# stamped by its taker and checked before its return.  Then every bucket
# balances and the idle memory is within the pool's documented bound.
stress=/sys/kernel/debug/bufpool_stress/run
vmt=/sys/kernel/debug/bufpool/vmt-stress
check "insmod bufpool_stress.ko" insmod bufpool_stress.ko
check "SMP stress, 5 s on every CPU: no buffer held by two takers" \
	sh -c "echo 'smp 5' >$stress"
dmesg | grep 'bufpool_stress: smp:' | sed 's/^/# /'
check "after the stress every bucket balances: takes - returns = out = 0" \
	balanced $vmt
idle=$(pool_field vmt-stress 6)
bound=$(awk '$1 == "idle_bound" { print $2 }' $vmt/params)
echo "# vmt-stress: $idle bytes idle, bound $bound"
check "the idle memory is within the documented bound (idle_bound)" \
	test "$idle" -le "$bound"
check "the stressed pool goes" sh -c "echo smp_done >$stress"

# Bad input with interrupts off, from a hardirq and from a softirq: each
# refused and counted, the owners free their memory, the pool keeps working.
check "bad input from irqs-off, hardirq and softirq context is refused" \
	sh -c "echo ctx >$stress"
dmesg | grep 'bufpool_stress: ctx:' | sed 's/^/# /'
made=$(dmesg | sed -n 's/.*bufpool_stress: ctx: \([0-9]*\) bad returns made in all/\1/p' | tail -n 1)
check "the pool counted every bad return ($made)" \
	test "$(pool_field vmt-ctx 11)" = "$made"
check "the pool balances after them" balanced /sys/kernel/debug/bufpool/vmt-ctx
check "the bad-input pools go" sh -c "echo ctx_done >$stress"
# A memory hog: pages allocated until the allocator refuses.  Reclaim
# runs the shrinker, which gives the full pool's idle memory back.
hog() {
	echo hog_fill >$stress || return 1
	before=$(pool_field vmt-hog 6)
	echo hog >$stress || return 1
	after=$(pool_field vmt-hog 6)
	echo "# vmt-hog: $before bytes idle before the hog, $after after"
	[ "$before" -ge 33554432 ] && [ "$after" -le $((before / 8)) ]
}
check "a memory hog: the shrinker empties a full pool, a take still works" hog
dmesg | grep 'bufpool_stress: hog' | sed 's/^/# /'
check "the hogged pool goes" sh -c "echo hog_done >$stress"
check "zeroing as this boot's init_on_alloc/init_on_free say, NO_INIT kept" \
	sh -c "echo zero >$stress"
dmesg | grep 'bufpool_stress: zero' | sed 's/^/# /'
check "rmmod bufpool_stress" rmmod bufpool_stress

# A client that leaks, tracked: the report at its pool's destroy, only one
# (not again when the module goes), and at bufpool's unload for the
# buffers that can never come back.
# The tracepoints watch it too (Documentation/tracepoints.rst): who holds
# the most buffers, from the take and return events alone.
tracing=/sys/kernel/tracing
mount -t tracefs tracefs $tracing 2>/dev/null
echo 0 >$tracing/tracing_on
echo >$tracing/trace
echo 1 >$tracing/events/bufpool/enable
echo 'hist:keys=call_site.sym:vals=bytes' \
	>$tracing/events/bufpool/bufpool_take/trigger
echo 1 >$tracing/tracing_on
echo 1 >/sys/module/bufpool/parameters/track
check "insmod bufpool_example.ko leak=2 (tracked)" insmod bufpool_example.ko leak=2
check "the example's burst of 32 went through the bulk calls" \
	log_has 'bufpool_example: bulk: 32 of 32 buffers taken and returned in one call each'
check "the example's scoped buffer went back at its scope's end and the kept one was the caller's" \
	log_has 'bufpool_example: scoped: a buffer went back at the end of its scope, another was kept: kept$'
echo 0 >/sys/module/bufpool/parameters/track
# Read while the module is loaded, so that its call sites have names.
cat $tracing/trace >/tmp/trace
cat $tracing/events/bufpool/bufpool_take/hist >/tmp/hist
holder=$(awk '/ bufpool_take: / {
	match($0, / buf=[^ ]+/); b = substr($0, RSTART + 5, RLENGTH - 5)
	match($0, / call_site=[^+ ]+/); site[b] = substr($0, RSTART + 11, RLENGTH - 11)
}
/ bufpool_return: .* verdict=(cached|freed) / {
	match($0, / buf=[^ ]+/); delete site[substr($0, RSTART + 5, RLENGTH - 5)]
}
END { for (b in site) n[site[b]]++; for (s in n) print n[s], s }' /tmp/trace |
	sort -rn | head -n 1)
echo "# holding most buffers: $holder"
check "take and return events name the example's call sites" \
	sh -c "grep -q 'bufpool_take: pool=example .* from=backend call_site=example_use' /tmp/trace &&
	       grep -q 'bufpool_take: pool=example .* from=magazine call_site=example_use' /tmp/trace &&
	       grep -q 'bufpool_return: pool=example .* verdict=cached call_site=example_use' /tmp/trace"
check "the events find the call site that holds the 2 leaked buffers" \
	test "$holder" = "2 example_keep_out"
check "the hist trigger counts takes by call site" \
	grep -q 'call_site: \[[0-9a-f]*\] example_use' /tmp/hist
check "rmmod bufpool_example" rmmod bufpool_example
check "a leak_report event at destroy, count 2" \
	grep -q 'bufpool_leak_report: pool=example at=destroy count=2 ' $tracing/trace
echo '!hist:keys=call_site.sym:vals=bytes' \
	>$tracing/events/bufpool/bufpool_take/trigger
echo 0 >$tracing/events/bufpool/enable
example_leak_checks
check "bufpool's unload reports the shared buffers bufpool_misuse kept" \
	log_has 'bufpool: shared: leak report: 3 buffers (18432 bytes) never returned before bufpool unloaded'
check "and names their taker for the module it was" \
	log_has 'bufpool: shared:  in bufpool_misuse, since unloaded$'

# ---- bufpool_ring (examples/bufpool_ring.c) --------------------------------
# A driver-like ring on bufpool loaded again: a producer thread on CPU 0
# takes 64 B - 16 KiB buffers, fills them and pushes them into the ring; a
# consumer on CPU 1 checks and returns them.  It runs until unloaded, after
# about 2 s, so the unload stops both threads mid-stream and drains the
# ring; its counters must balance, with no leak report nor warning.
# The kernel log from a mark on: the lines before may have rotated out.
echo "vm-tests: bufpool_ring block" >/dev/kmsg
ring_log() {
	dmesg | sed -n '/vm-tests: bufpool_ring block/,$p'
}
ring_stat() {
	awk -v k="$1" '$1 == k { print $2 }' /sys/kernel/debug/bufpool_ring/stats
}
ring_traffic() {
	[ "$(ring_stat produced)" -gt 0 ] && [ "$(ring_stat consumed)" -gt 0 ]
}
ring_balanced() {
	ring_log | grep -q 'bufpool_ring: stopped: .*: balanced'
}
ring_quiet() {
	! ring_log | grep -E 'leak report|BUG:|WARNING:|Oops|unbalanced|corrupted'
}
check "insmod bufpool.ko (again, for the ring)" insmod bufpool.ko sample_interval_ms=0
check "insmod bufpool_ring.ko (producer CPU 0, consumer CPU 1)" \
	insmod bufpool_ring.ko producer_cpu=0 consumer_cpu=1 duration_ms=0
sleep 2
echo "# ring: $(tr '\n' ' ' </sys/kernel/debug/bufpool_ring/stats)"
check "the ring moved buffers both ways" ring_traffic
check "buffers taken on CPU 0 were returned on CPU 1" \
	test "$(ring_stat cross_cpu_returns)" -gt 0
check "every buffer arrived intact, every take succeeded" \
	test "$(ring_stat corrupt)" -eq 0 -a "$(ring_stat take_failures)" -eq 0
check "rmmod bufpool_ring (stops mid-stream, drains the ring)" \
	rmmod bufpool_ring
check "the ring's counters balance at unload" ring_balanced
ring_log | grep 'bufpool_ring: stopped' | sed 's/^/# /'
check "no leak report, warning or error from the ring" ring_quiet
check "rmmod bufpool (after the ring)" rmmod bufpool
# ---- end of bufpool_ring ----------------------------------------------------

# ---- bufpool_leaker (userspace-test/modules/bufpool_leaker.c) -------------
# A leak found by timed sampling at bufpool's defaults: bufpool.ko loaded
# again with no parameter (the rest of the suite pins sampling off), and
# the leaker's pool with none of its own.  On every CPU for
# 15 s, one take in a thousand kept by leaker_keep().  The pool's leak
# report at the module's unload counts every kept buffer, and the stacks
# of the sampled ones name leaker_keep() and the module.  Trial runs
# sampled 4 to 6 kept buffers under TCG (the arming work runs late on
# oversubscribed CPUs): a run that sampled none is run once more, so that
# chance (about e^-4) does not fail the suite, and two such runs do.
leaker() {
	insmod bufpool_leaker.ko seconds=15 &&
		rmmod bufpool_leaker
}
leaker_sampled() {
	test "$(dmesg | grep -c 'vmt-leaker: [1-9][0-9]* of [0-9]* leaked buffers were sampled')" -ge "$1"
}
check "insmod bufpool.ko (again, default parameters, for the leaker)" \
	insmod bufpool.ko
check "timed sampling is on by default, every 4 ms" \
	test "$(cat /sys/module/bufpool/parameters/sample_interval_ms)" = 4
check "bufpool_leaker.ko: every CPU takes for 15 s, keeps 1 in 1000" leaker
if ! leaker_sampled 1; then
	echo "# bufpool_leaker: no kept buffer sampled: once more"
	check "bufpool_leaker.ko once more" leaker
fi
dmesg | grep 'bufpool_leaker: kept' | sed 's/^/# /'
kept=$(dmesg | sed -n 's/.*bufpool_leaker: kept \([0-9]*\) of .*/\1/p' | tail -n 1)
dmesg | grep 'vmt-leaker' | tail -n 12 | sed 's/^/# /'
check "the leak report counts every kept buffer ($kept)" \
	log_has "bufpool: vmt-leaker: leak report: ${kept:-x} buffers ($((${kept:-0} * 256)) bytes) still out at destroy"
check "it names the function that kept them, in its module" \
	log_has 'bufpool: vmt-leaker:  leaker_keep+0x[0-9a-f]*/0x[0-9a-f]* \[bufpool_leaker\]$'
check "and says how many of them were sampled" \
	log_has "bufpool: vmt-leaker: [1-9][0-9]* of ${kept:-x} leaked buffers were sampled (the first take of each CPU every 4 ms)"
check "no stack but leaker_keep()'s: the returned samples left no record" \
	log_lacks 'bufpool: vmt-leaker:  leaker_use[+]'
check "rmmod bufpool (after the leaker)" rmmod bufpool
# ---- end of bufpool_leaker --------------------------------------------------

echo "# kernel log:"
dmesg | grep -i 'bufpool\|usercopy: \|BUG:\|WARNING:' | sed 's/^/#   /'
echo "# $n checks"
echo "1..$n"
