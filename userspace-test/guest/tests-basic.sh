#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The VM suite's subset for the older kernels (6.1, 6.1-rt; see
# Documentation/kernels.rst): runs inside the VM (busybox sh) from
# userspace-test/host/vm-test.sh with VM_SUITE=basic.  Loads bufpool and the
# test modules, uses pools (copy_to_user/copy_from_user, exact ownership:
# foreign and wrong-pool returns, hardirq context, the shrinker), says which
# owner check the pools use, leaks from the example module under tracking and checks
# the reports, and unloads.  One "ok N - ..." or "not ok N - ..." line per
# check, as userspace-test/guest/tests.sh.

. ./lib.sh

# The owner check a pool uses: "slab" (the fast one) or "index".
owner_check() {
	awk '$1 == "owner_check" { print $2 }' \
		"/sys/kernel/debug/bufpool/$1/params"
}

echo "TAP version 13"
echo "# Linux $(uname -r) ($(uname -v)), $(grep -c ^processor /proc/cpuinfo) CPUs"
mount -t debugfs debugfs /sys/kernel/debug
check "insmod bufpool.ko sample_interval_ms=0" insmod bufpool.ko sample_interval_ms=0
check "insmod bufpool_uaccess.ko" insmod bufpool_uaccess.ko
check "slab caches of the shared pool are in /proc/slabinfo" \
	grep -q '^bufpool-shared-64 ' /proc/slabinfo

# Slab debugging (slub_debug=Z,bufpool-*) makes objects larger than their
# size: the layout check must fail and pools fall back to the index.
want=slab
if grep -q 'slub_debug' /proc/cmdline; then want=index; fi
have=$(owner_check shared)
echo "# owner check of the shared pool: $have (expected: $want)"
dmesg | grep 'bufpool: slab layout:' | sed 's/^/# /'
check "the shared pool's owner check is '$want'" [ "$have" = "$want" ]

copy=/sys/kernel/debug/bufpool_uaccess/copy
for size in 64 4096 8192 1500000; do
	check "copy_to_user of $size bytes" read_ok "$size"
	check "copy_from_user of $size bytes" write_ok "$size"
done
check "no usercopy report (HARDENED_USERCOPY)" log_lacks 'usercopy: '

misuse_start_checks
hardirq_checks
nmi_checks
reserve_checks
# The shrinker (compat.h's on 6.1) gives idle memory back.
check "drop_caches: the shrinker gives idle buffers back, takes still work" \
	pressure
check "no leak report for the misuse pools" log_lacks 'vmt-.*: leak report'
check "rmmod bufpool_misuse" rmmod bufpool_misuse

# A client that leaks, tracked: reported at its pool's destroy, once, and
# at bufpool's unload.
echo 1 >/sys/module/bufpool/parameters/track
check "insmod bufpool_example.ko leak=2 (tracked)" insmod bufpool_example.ko leak=2
check "the example's burst of 32 went through the bulk calls" \
	log_has 'bufpool_example: bulk: 32 of 32 buffers taken and returned in one call each'
echo 0 >/sys/module/bufpool/parameters/track
have=$(owner_check example)
echo "# owner check of the example pool: $have"
check "rmmod bufpool_example" rmmod bufpool_example
example_leak_checks

echo "# kernel log:"
dmesg | grep -i 'bufpool\|usercopy: \|BUG:\|WARNING:' | sed 's/^/#   /'
echo "# $n checks"
echo "1..$n"
