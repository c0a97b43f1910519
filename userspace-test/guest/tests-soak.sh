#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The soak (userspace-test/host/vm-soak.sh, "make soak"), inside the VM: for
# SOAK seconds at once, the SMP stress of bufpool_stress.ko on every CPU
# (stamped buffers, half returned on another CPU), the example ring across
# CPUs 0 and 1, CPUs 2 and 3 going offline and online, tracking of the
# stressed pool switched on and off, drop_caches, and bufpool-stat -w
# reading it all live (its JSON goes to the host, which checks it).  Then
# the bad input of every context, the zeroing policy, and every pool must
# balance.  Prints TAP.

SOAK=${SOAK:-60}
. ./lib.sh

echo "TAP version 13"
echo "# Linux $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs, soak of $SOAK s"
mount -t debugfs debugfs /sys/kernel/debug
stress=/sys/kernel/debug/bufpool_stress/run
vmt=/sys/kernel/debug/bufpool/vmt-stress
check "insmod bufpool.ko sample_interval_ms=0" insmod bufpool.ko sample_interval_ms=0
check "insmod bufpool_stress.ko" insmod bufpool_stress.ko
check "insmod bufpool_ring.ko for the whole soak, CPUs 0 and 1" \
	insmod bufpool_ring.ko duration_ms=$((SOAK * 1000)) producer_cpu=0 \
	consumer_cpu=1

./bufpool-stat -w 1 -n $((SOAK + 5)) --json >/tmp/stat.json 2>/tmp/stat.err &
viewer=$!
echo "smp $SOAK" >$stress &
smp=$!
sleep 2
rounds=0 toggles=0 drops=0
end=$(($(date +%s) + SOAK - 4))
while [ "$(date +%s)" -lt "$end" ]; do
	for c in 2 3; do echo 0 >/sys/devices/system/cpu/cpu$c/online; done
	echo 1 >$vmt/track
	toggles=$((toggles + 1))
	sleep 1
	for c in 2 3; do echo 1 >/sys/devices/system/cpu/cpu$c/online; done
	echo 0 >$vmt/track
	echo 2 >/proc/sys/vm/drop_caches
	drops=$((drops + 1))
	rounds=$((rounds + 1))
	sleep 1
done
echo "# soak: $rounds hotplug rounds of CPUs 2-3, $toggles tracking switches, $drops drop_caches"
check "the SMP stress ran through it all: no buffer held by two takers" wait $smp
dmesg | grep 'bufpool_stress: smp:' | sed 's/^/# /'
check "CPUs went offline and online under load" test "$rounds" -gt 2
check "every bucket of the stressed pool balances" balanced $vmt
check "the stressed pool goes" sh -c "echo smp_done >$stress"
check "the viewer read the pools live to the end" wait $viewer
check "bad input from every context, after the soak" \
	sh -c "echo ctx >$stress && echo ctx_done >$stress"
check "the zeroing policy holds" sh -c "echo zero >$stress"
check "rmmod bufpool_ring: its ring drained and balanced" rmmod bufpool_ring
check "the ring reported balanced counters" \
	sh -c "dmesg | grep -q 'bufpool_ring: stopped: .*: balanced$'"
dmesg | grep 'bufpool_ring: ' | sed 's/^/# /'
check "rmmod bufpool_stress" rmmod bufpool_stress
check "rmmod bufpool" rmmod bufpool
check "no BUG, WARNING, Oops, lockup, RCU stall or list corruption" \
	log_lacks "$KERNEL_PROBLEMS"
check "no leak report" log_lacks 'leak report'

echo "=== SOAK JSON"
cat /tmp/stat.json
echo "=== SOAK JSON END"
sed 's/^/# viewer: /' /tmp/stat.err
echo "# $n checks"
echo "# soak: end"
