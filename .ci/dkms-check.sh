#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The DKMS check ("make dkms", a step of "make check"): does dkms.conf work?
#
# Copies the tree as bufpool-<version> into a throwaway DKMS source tree and
# runs "dkms add", then "dkms build" and "dkms install" there for each
# kernel of Documentation/kernels.rst (6.12, 6.12-rt, 6.1, 6.1-rt: their
# headers, see .ci/kdir.sh; never the running kernel's; DKMS_KVERS picks
# others), checks that bufpool.ko was built for each with dkms.conf's
# version and installed, and that Module.symvers was kept for client modules, then
# "dkms remove --all" and checks that nothing is left.  The DKMS, source and
# install trees are all under a temporary directory (--dkmstree,
# --sourcetree, --installtree, --no-depmod), so the check never touches the
# machine's /usr/src, /var/lib/dkms or /lib/modules and can run again at
# once.  Ends with "dkms: PASS" or "dkms: FAIL: why"; exit status 1 on
# failure.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

fail() {
	echo "dkms: FAIL: $*"
	exit 1
}

command -v dkms >/dev/null || fail "dkms is not installed: run 'make deps'"
ver=$(sed -n 's/^PACKAGE_VERSION="*\([^"]*\)"*$/\1/p' dkms.conf)
[ -n "$ver" ] || fail "no PACKAGE_VERSION in dkms.conf"
arch=$(uname -m)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bufpool-dkms.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
src=$tmp/src/bufpool-$ver
mkdir -p "$src" "$tmp/dkms"
# The sources only: no build products of an earlier "make".
rsync -rlp --exclude=.git --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
	--exclude='*.mod.c' --exclude='.*.cmd' --exclude='*.a' \
	--exclude=Module.symvers --exclude=modules.order --exclude='*.dwo' \
	--exclude=/userspace-test/build/ --exclude=/bench/results/ \
	"$repo/" "$src/"

dkms=(dkms --sourcetree "$tmp/src" --dkmstree "$tmp/dkms"
	--installtree "$tmp/lib")
run() {
	echo "+ dkms $*"
	"${dkms[@]}" "$@"
}

run add -m bufpool -v "$ver" || fail "dkms add"
# build_for KVER: build, check and install for that kernel (.ci/kdir.sh).
build_for() {
	local kdir krel built linked got vermagic installed

	kdir=$(KVER=$1 .ci/kdir.sh) || fail "no headers for KVER=$1: run 'make deps'"
	krel=$(KVER=$1 .ci/kdir.sh --release) || fail "no release for KVER=$1"
	mkdir -p "$tmp/lib/$krel"
	echo "dkms: bufpool $ver for $krel ($kdir)"
	run build -m bufpool -v "$ver" -k "$krel" --kernelsourcedir "$kdir" ||
		fail "dkms build for $krel (log: $tmp/dkms/bufpool/$ver/build/make.log)"
	built=$(ls "$tmp/dkms/bufpool/$ver/$krel/$arch/module/bufpool.ko"* 2>/dev/null |
		head -n 1) || true
	[ -n "$built" ] || fail "no bufpool.ko in $tmp/dkms/bufpool/$ver/$krel/$arch/module"
	linked=$(sed -n 's|^ *LD \[M\] *.*/build/\(.*\.ko\)$|\1|p' \
		"$tmp/dkms/bufpool/$ver/$krel/$arch/log/make.log" | tr '\n' ' ')
	[ "$linked" = "bufpool.ko " ] || fail "DKMS built more than bufpool.ko: $linked"
	got=$(modinfo -F version "$built")
	[ "$got" = "$ver" ] || fail "modinfo says version '$got', dkms.conf $ver"
	vermagic=$(modinfo -F vermagic "$built")
	[ "${vermagic%% *}" = "$krel" ] ||
		fail "built for '${vermagic%% *}', not $krel"
	echo "dkms: built $(basename "$built"): version $got, vermagic $vermagic"
	grep -q 'bufpool_take' "$tmp/dkms/bufpool/$ver/$krel/$arch/Module.symvers" ||
		fail "Module.symvers was not kept for client modules"

	run install -m bufpool -v "$ver" -k "$krel" --kernelsourcedir "$kdir" \
		--no-depmod || fail "dkms install for $krel"
	installed=$(ls "$tmp/lib/$krel/updates/dkms/bufpool.ko"* 2>/dev/null |
		head -n 1) || true
	[ -n "$installed" ] || fail "dkms install put no bufpool.ko in updates/dkms"
	echo "dkms: installed $installed"
}
# Every kernel of Documentation/kernels.rst, as DKMS's autoinstall would.
for k in ${DKMS_KVERS:-$(.ci/kdir.sh --list)}; do
	build_for "$k"
done
run status -m bufpool

run remove -m bufpool -v "$ver" --all --no-depmod || fail "dkms remove --all"
[ -z "$("${dkms[@]}" status -m bufpool)" ] ||
	fail "dkms status still lists bufpool after remove"
[ -z "$(ls "$tmp"/lib/*/updates/dkms/ 2>/dev/null)" ] ||
	fail "the module is still installed after remove"
echo "dkms: PASS"
