#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build bufpool and the test modules for one of the kernels of
# Documentation/kernels.rst, out of the way of the tree's own build:
#
#   .ci/kernel-build.sh KVER
#
# Copies the module sources into userspace-test/build/kernel-KVER/src and
# builds them there against that kernel's headers (.ci/kdir.sh) with W=1
# -Werror and sparse (C=2).  Fails on any compiler or sparse warning in our
# files.  "make check" runs this for each kernel before booting it; the
# last line is the directory the modules are in (VM_MODULES of
# userspace-test/host/vm-test.sh).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kver=${1:?usage: $0 KVER}
kdir=$(KVER=$kver "$repo/.ci/kdir.sh")
krel=$(KVER=$kver "$repo/.ci/kdir.sh" --release)
out=$repo/userspace-test/build/kernel-$kver/src
command -v sparse >/dev/null ||
	{ echo "sparse is not installed: run 'make deps'" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out/userspace-test/modules" "$out/bench"
(cd "$repo" && cp -r Kbuild Kconfig dkms.conf include module examples scripts "$out/" &&
	cp userspace-test/modules/*.c "$out/userspace-test/modules/" &&
	cp bench/*.c "$out/bench/")
echo "kernel-build: $krel ($kdir), W=1 -Werror, sparse, in $out"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rc=0
make -C "$kdir" M="$out" W=1 KCFLAGS=-Werror C=2 -j2 \
	BUFPOOL_BUILD="examples tests bench" modules 2>&1 |
	tee "$log" | grep -v '^  \|^Skipping BTF' || rc=$?
if [ "${PIPESTATUS[0]}" -ne 0 ]; then
	echo "kernel-build: the build against $krel failed" >&2
	exit 1
fi
if grep -E "^$out/[^:]+:[0-9]+:[0-9]+: (warning|error):" "$log"; then
	echo "kernel-build: sparse warnings in bufpool's files against $krel" >&2
	exit 1
fi
echo "kernel-build: $krel: clean"
echo "$out"
