#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The policy boot (userspace-test/host/vm-policy.sh), inside the VM: booted with
# init_on_free=1 init_on_alloc=0, checks the zeroing policy with bufpool
# loaded with leak_panic=1, then turns tracking on and loads a client that
# leaks one buffer:
# its unload must panic the kernel after the leak report, which the host
# checks in the console.  Prints "ok N - ..." or "not ok N - ...".

. ./lib.sh

echo "TAP version 13"
echo "# Linux $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs"
grep -o 'init_on_alloc=[^ ]*\|init_on_free=[^ ]*' /proc/cmdline
mount -t debugfs debugfs /sys/kernel/debug
check "insmod bufpool.ko leak_panic=1 sample_interval_ms=0" insmod bufpool.ko leak_panic=1 sample_interval_ms=0
check "insmod bufpool_stress.ko" insmod bufpool_stress.ko
check "init_on_free=1: idle buffers are zero, NO_INIT ones keep their bytes" \
	sh -c "echo zero >/sys/kernel/debug/bufpool_stress/run"
dmesg | grep 'bufpool_stress: zero' | sed 's/^/# /'
check "rmmod bufpool_stress" rmmod bufpool_stress
# Tracked from now on (untracked pools keep their bytes for the checks
# above: a tracked return poisons the buffer).
echo 1 >/sys/module/bufpool/parameters/track
check "insmod bufpool_example.ko leak=1" insmod bufpool_example.ko leak=1
echo "# $n checks; now the unload that must panic"
echo "=== vm-policy: rmmod bufpool_example"
rmmod bufpool_example
echo "=== vm-policy: still alive after the leaking unload"
