#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Helpers of the in-VM scripts (vm-tests.sh, vm-tests-basic.sh,
# vm-tests-policy.sh, vm-tests-soak.sh), which source it from /opt: TAP
# lines, kernel log checks, the pools' debugfs tables, and the bytes
# bufpool_uaccess.ko moves.  busybox sh.

n=0
ok() {
	n=$((n + 1))
	echo "ok $n - $*"
}
not_ok() {
	n=$((n + 1))
	echo "not ok $n - $*"
}
# check DESCRIPTION COMMAND...: one TAP line, ok if COMMAND succeeds.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# Whether the slab caches whose names match $1 (grep, from the line's
# start) are gone within 5 s: the last return frees a destroyed pool,
# caches and all, by a work item after RCU.
caches_gone() {
	i=0
	while grep -q "^$1" /proc/slabinfo; do
		i=$((i + 1))
		[ $i -lt 50 ] || return 1
		sleep 0.1
	done
}
log_has() {
	dmesg | grep -q "$1"
}
log_lacks() {
	! dmesg | grep -E "$1"
}
# What no run may print: the VM suites' last check.
KERNEL_PROBLEMS='BUG:|WARNING:|Oops|UBSAN:|soft lockup|hard LOCKUP|rcu_.*detected stall|list_add corruption|list_del corruption'

# balanced DIR: takes - returns = out = 0 on every line of a pool's stats.
balanced() {
	awk '/^#/ { for (i = 2; i <= NF; i++) col[$i] = i - 1; next }
	     $col["out"] != "-" {
		if ($col["takes"] - $col["returns"] != $col["out"] ||
		    $col["out"] != 0)
			bad++
	     }
	     END { exit bad ? 1 : 0 }' "$1/stats"
}
# stats_field FILE ROW COLUMN: a stats file's COLUMN, found by its name in
# the header line (as the viewer finds it), of the line whose size is ROW.
stats_field() {
	awk -v r="$2" -v c="$3" \
		'/^#/ { for (i = 2; i <= NF; i++) if ($i == c) n = i - 1; next }
		 $1 == r { print $n }' "$1"
}
# pool_field POOL COLUMN: a column of the pools file (1 is the name).
pool_field() {
	awk -v p="$1" -v c="$2" '$1 == p { print $c }' /sys/kernel/debug/bufpool/pools
}

# The byte bufpool_uaccess fills an N-byte read with.
pattern() {
	# shellcheck disable=SC2059 # the format is the octal escape
	printf "\\$(printf %03o $((97 + $1 % 26)))"
}
# copy_to_user() of a whole SIZE-byte buffer from $copy: every byte arrives.
read_ok() {
	rm -f /tmp/out
	dd if="$copy" of=/tmp/out bs="$1" count=1 2>/dev/null || return 1
	[ "$(wc -c </tmp/out)" -eq "$1" ] || return 1
	[ "$(tr -d "$(pattern "$1")" </tmp/out | wc -c)" -eq 0 ]
}
# copy_from_user() into a SIZE-byte buffer of 'w's, checked by the module.
write_ok() {
	head -c "$1" /dev/zero | tr '\0' w >/tmp/in
	dd if=/tmp/in of="$copy" bs="$1" count=1 conv=notrunc 2>/dev/null
}

# Misuse on the real kernel (bufpool_misuse.ko): each case checks itself.
misuse() {
	echo "$1" >/sys/kernel/debug/bufpool_misuse/run
}

# Memory pressure: the shrinker gives a full pool's idle memory back.
pressure() {
	misuse pressure_fill || return 1
	before=$(pool_field vmt-pressure 6)
	# The first pass trims the depot and starts emptying the magazines.
	echo 2 >/proc/sys/vm/drop_caches
	sleep 0.5
	echo 2 >/proc/sys/vm/drop_caches
	after=$(pool_field vmt-pressure 6)
	echo "# pressure: $before idle bytes before dropping caches, $after after"
	misuse pressure_done || return 1
	[ "$before" -ge 16777216 ] && [ "$after" -le $((before / 16)) ]
}

# The first misuse cases of every suite: bufpool_misuse.ko loaded, foreign
# kmalloc objects and another pool's buffer refused.
misuse_start_checks() {
	check "insmod bufpool_misuse.ko" insmod bufpool_misuse.ko
	check "kmalloc objects of every slab size are refused, then freed by their owner" \
		misuse foreign_slab
	check "the refusal names the other cache" \
		log_has 'bufpool: vmt-foreign: rejected return .*: slab object of another cache'
	check "a same-size buffer of another pool is refused and goes home" \
		misuse wrong_pool
}

# Hard interrupt context, really hardirq on PREEMPT_RT too (a hard
# hrtimer): the checks of bufpool_misuse's hardirq case.
hardirq_checks() {
	check "take and return in hardirq: work, or on PREEMPT_RT the take is refused and the return deferred" \
		misuse hardirq
	dmesg | grep 'misuse_hardirq:' | sed 's/^/# /'
	if uname -v | grep -q PREEMPT_RT; then
		check "PREEMPT_RT: the refusal in hardirq says why" \
			log_has 'bufpool: vmt-hardirq: take by .* refused: on PREEMPT_RT'
		# The deferred return runs from a work item: give it time.
		sleep 1
	fi
	check "the return in hardirq completed: the hardirq pool balances" \
		balanced /sys/kernel/debug/bufpool/vmt-hardirq
	check "the hardirq pool had no bad return" \
		log_lacks 'vmt-hardirq: rejected return'
	check "the hardirq pool goes, with no leak report" misuse hardirq_done
	check "no leak report for the hardirq pool" \
		log_lacks 'vmt-hardirq: leak report'
}

# The nolock calls in NMI: a self-NMI takes this CPU's idle buffer (NULL
# on PREEMPT_RT) and returns it through an irq_work.
nmi_checks() {
	check "take and return in NMI with the nolock calls (the take gets NULL on PREEMPT_RT)" \
		misuse nmi
	dmesg | grep 'misuse_nmi:' | sed 's/^/# /'
	check "the return in NMI completed from its irq_work: the NMI pool balances" \
		balanced /sys/kernel/debug/bufpool/vmt-nmi
	check "the NMI pool had no bad return" \
		log_lacks 'vmt-nmi: rejected return'
	check "the NMI pool goes, with no leak report" misuse nmi_done
	check "no leak report for the NMI pool" \
		log_lacks 'vmt-nmi: leak report'
}

# The reserve: takes of a reserved bucket succeed, or wait for a return,
# while a hog holds every page the allocator gives (bufpool_misuse's
# "reserve"); its "reserve" file has the counts, and the pool balances.
reserve_checks() {
	check "takes of a reserved bucket succeed while a memory hog holds all free memory" \
		misuse reserve
	dmesg | grep 'misuse_reserve:' | sed 's/^/# /'
	sed 's/^/# reserve: /' /sys/kernel/debug/bufpool/vmt-reserve/reserve
	check "the reserve is full again, served the takes, one of which waited, and refused one" \
		awk '$1 == 16384 && $2 == 16 && $3 == 16 && $4 >= 16 && $5 >= 1 &&
		     $6 >= 1 { ok = 1 } END { exit !ok }' \
		/sys/kernel/debug/bufpool/vmt-reserve/reserve
	check "the reserve's pool balances" \
		balanced /sys/kernel/debug/bufpool/vmt-reserve
	check "no OOM kill while the hog held the memory" \
		log_lacks 'invoked oom-killer'
	check "the reserve's pool goes, with no leak report" misuse reserve_done
	check "no leak report for the reserve's pool" \
		log_lacks 'vmt-reserve: leak report'
}

# Age reports: bufpool.max_age_ms set at run time names the buffers a
# tracked pool has had out longer, once each, with the taker's stack.
age_checks() {
	check "a tracked pool keeps 3 buffers" misuse age_start
	check "bufpool.max_age_ms can be set at run time" \
		sh -c 'echo 300 >/sys/module/bufpool/parameters/max_age_ms'
	sleep 1
	check "an age report names the 3 buffers out longer than 300 ms" \
		log_has 'bufpool: vmt-age: age report: 3 tracked buffers (768 bytes) out longer than 300 ms'
	check "the age report's stack names the taker" \
		log_has 'bufpool: vmt-age:  misuse_age_keep+0x'
	sleep 1
	check "later checks do not name them again" \
		sh -c '[ "$(dmesg | grep -c "vmt-age: age report")" -eq 1 ]'
	check "bufpool.max_age_ms=0 stops the checks" \
		sh -c 'echo 0 >/sys/module/bufpool/parameters/max_age_ms'
	check "the kept buffers go back, the pool goes, no leak report" \
		misuse age_done
	check "no leak report for the age pool" \
		log_lacks 'vmt-age: leak report'
}

# After "rmmod bufpool_example" of the example loaded tracked with leak=2:
# the destroy report, then bufpool's own unload and its report, in which
# the example's code is gone: its frames are named for what they were.
# Then bufpool is gone, and the log has no kernel problem.
example_leak_checks() {
	check "destroy reports the 2 buffers still out" \
		log_has 'bufpool: example: leak report: 2 buffers .* at destroy'
	check "the destroy report has the leaking function in its stack" \
		log_has 'bufpool: example:  example_.*bufpool_example'
	check "the destroy report names the client's freed init code" \
		log_has 'bufpool: example:  in freed init code of bufpool_example$'
	check "the module unload does not report them again" \
		log_lacks 'bufpool: example: leak report: module bufpool_example unloaded'
	check "rmmod bufpool_uaccess" rmmod bufpool_uaccess
	check "rmmod bufpool" rmmod bufpool
	check "unload reports the leaked buffers" \
		log_has 'bufpool: example: leak report: 2 buffers .* never returned'
	check "the unload report names the frames of the unloaded client" \
		log_has 'bufpool: example:  in bufpool_example, since unloaded$'
	check "no report prints a frame as a bare or hashed address" \
		log_lacks 'bufpool: [^ ]*:  (0x[0-9a-f]|\(____ptrval____\)|[0-9a-f]{16} )'
	check "bufpool is gone" sh -c "! grep -q '^bufpool ' /proc/modules"
	check "no BUG, WARNING, Oops, KASAN/UBSAN report, lockup, RCU stall or list corruption" \
		log_lacks "$KERNEL_PROBLEMS"
}
