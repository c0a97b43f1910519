#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run a script inside a throwaway VM booting the kernel of the headers the
# modules are built against (KVER or KDIR: .ci/kdir.sh; default Debian's 6.12).
#
#   userspace-test/host/vm-run.sh NAME SCRIPT [FILE...]
#
# Builds a busybox initramfs holding SCRIPT (as /test.sh) and the FILEs (in
# /opt: modules, static binaries, data), boots /boot/vmlinuz-<release> of
# that kernel under qemu with TCG (KVM does not work on these machines), and
# runs SCRIPT with /proc, /sys and /dev
# mounted (debugfs is SCRIPT's to mount) and /opt as the working directory.  The console goes to
# stdout and to userspace-test/build/NAME/console.log.  Exit status 0 when
# SCRIPT ran to its end (whatever it printed), 1 otherwise.
#
# Multi-threaded TCG now and then dies early in boot with an "Oops: int3"
# (e.g. in sched_clock_cpu: stale translated code while the kernel patches a
# static key), before /init runs and so before any of our modules is loaded;
# more often on a busy host.  /init prints "=== vm-run: /init started" first
# thing; a boot that never got there, or that had an "Oops: int3" before it
# did (even if the kernel lived on and SCRIPT ran), is booted again, up to
# VM_BOOT_TRIES boots in all; so is one with an "Oops: int3" later (seen
# at static keys the tracepoint checks flip: ttwu_do_activate), since an
# int3 in kernel text is only ever the kernel's own patching, and one it
# does not claim is TCG's stale code.  Each such boot's console is kept as
# console.log.attemptN; console.log is the last boot's.  Whatever else goes
# wrong once /init has started may be ours and is never booted again.
#
# Environment: VM_TIMEOUT (seconds per boot, default 180), VM_CPUS (default
# 4), VM_CPU (qemu's CPU model, default max: with its RDRAND the kernel's
# random pool is ready at boot, so that %p prints hashed pointers rather than
# "(____ptrval____)", which the tracepoint checks need), VM_APPEND (extra
# kernel command line), VMLINUZ (default /boot/vmlinuz-<release>),
# VM_BOOT_TRIES (default 3), VM_QEMU_ARGS (more qemu options, e.g. a
# monitor socket to look at a wedged VM), VM_TCG_THREAD (multi,
# the default, or single: one host thread runs all the CPUs in turn; it had
# none of those Oopses in 154 boots where multi had 3, and booted as fast on
# a 2-CPU host, but then the CPUs never run at the same time), VM_NODES (1,
# the default, or 2: qemu's NUMA emulation, two nodes of 512 MiB, the first
# half of the CPUs on node 0 and the rest on node 1; the kernel command
# line then says bufpool_vm_nodes=2, for SCRIPT to check it got them).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
die() {
	echo "vm-run: error: $*" >&2
	exit 1
}
[ $# -ge 2 ] || die "usage: $0 NAME SCRIPT [FILE...]"
name=$1
script=$2
shift 2
vm_timeout=${VM_TIMEOUT:-180}
vm_cpus=${VM_CPUS:-4}
vm_cpu=${VM_CPU:-max}
vm_tries=${VM_BOOT_TRIES:-3}
vm_thread=${VM_TCG_THREAD:-multi}
vm_nodes=${VM_NODES:-1}
case "$vm_tries" in
'' | *[!0-9]* | 0) die "VM_BOOT_TRIES must be a number of boots, not '$vm_tries'" ;;
esac
case "$vm_thread" in
multi | single) ;;
*) die "VM_TCG_THREAD must be multi or single, not '$vm_thread'" ;;
esac
numa=()
smp=$vm_cpus
nodes_arg=
case "$vm_nodes" in
1) ;;
2)
	[ "$vm_cpus" -ge 2 ] && [ $((vm_cpus % 2)) -eq 0 ] ||
		die "VM_NODES=2 needs an even VM_CPUS, not '$vm_cpus'"
	half=$((vm_cpus / 2))
	# A socket per node: CPUs that share a cache share a node.
	smp=$vm_cpus,sockets=2,cores=$half,threads=1
	nodes_arg="bufpool_vm_nodes=2 "
	numa=(-object memory-backend-ram,id=m0,size=512M
		-object memory-backend-ram,id=m1,size=512M
		-numa "node,nodeid=0,cpus=0-$((half - 1)),memdev=m0"
		-numa "node,nodeid=1,cpus=$half-$((vm_cpus - 1)),memdev=m1")
	;;
*) die "VM_NODES must be 1 or 2, not '$vm_nodes'" ;;
esac
work=$repo/userspace-test/build/$name

krel=$("$repo/.ci/kdir.sh" --release) || die "no kernel headers (above)"
kernel=${VMLINUZ:-/boot/vmlinuz-$krel}
[ -r "$kernel" ] ||
	die "$kernel is missing or unreadable: apt-get install linux-image-$krel (make deps), as root"
for f in "$@"; do
	[ -f "$f" ] || die "$f is missing: run 'make' first"
	case "$f" in
	*.ko)
		vermagic=$(modinfo -F vermagic "$f")
		[ "${vermagic%% *}" = "$krel" ] ||
			die "$f was built for ${vermagic%% *}, not $krel: run 'make clean all'"
		;;
	esac
done
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || die "busybox is missing: apt-get install busybox-static"
if readelf -l "$busybox" | grep -q 'program interpreter'; then
	die "$busybox is not static: apt-get install busybox-static"
fi
command -v qemu-system-x86_64 >/dev/null ||
	die "qemu-system-x86_64 is missing: apt-get install qemu-system-x86"

root=$work/initramfs
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,opt}
cp "$busybox" "$root/bin/busybox"
[ $# -eq 0 ] || cp "$@" "$root/opt/"
# Only our modules go in: tell clearly if one ever needs another.
have=" $(for f in "$@"; do basename "$f" .ko; done | tr '\n' ' ')"
for f in "$@"; do
	case "$f" in
	*.ko)
		for dep in $(modinfo -F depends "$f" | tr ',' ' '); do
			case "$have" in
			*" $dep "*) ;;
			*) die "$f needs module $dep, which the VM does not get" ;;
			esac
		done
		;;
	esac
done
cp "$script" "$root/test.sh"
cat >"$root/init" <<'INIT'
#!/bin/busybox sh
# Generated by userspace-test/host/vm-run.sh.
echo "=== vm-run: /init started"
/bin/busybox --install -s
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
cd /opt
sh /test.sh
echo "=== vm-run: end of /test.sh (status $?)"
poweroff -f
INIT
chmod +x "$root/init"
cpio=$work/initramfs.cpio.gz
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	gzip -1 >"$cpio"

# /init's first line; it may follow the firmware's "Booting from ROM..".
init_mark='=== vm-run: /init started'
end_mark='^=== vm-run: end of /test.sh'
flake="a $vm_thread-threaded TCG flake"
# Whether the console $1 has an "Oops: int3" before /init started.
early_int3() {
	awk -v m="$init_mark" 'index($0, m) { exit } /Oops: int3/ { f = 1; exit }
		END { exit !f }' "$1"
}
# What the console $1 of a boot that never reached /init shows of its
# death, qemu's status being $2.
death() {
	local why
	why=$(grep -m 1 -E 'Oops|Kernel panic|BUG:' "$1" |
		sed -e 's/^\[[ 0-9.]*\] *//' | cut -c 1-72 || true)
	case "$why:$2" in
	:124) why="not there within $vm_timeout s" ;;
	:*) why="qemu status $2" ;;
	esac
	echo "$why"
}

log=$work/console.log
rm -f "$log" "$log".attempt*
attempt=1
while :; do
	echo "vm-run: booting $kernel ($vm_cpus CPUs, $vm_nodes node(s), TCG thread=$vm_thread)," \
		"boot $attempt of at most $vm_tries, at most $vm_timeout s each"
	start=$(date +%s)
	rc=0
	# quiet: the script prints what matters; panic=-1 with -no-reboot ends
	# qemu if /init dies.  The sed drops carriage returns and terminal escapes.
	timeout "$vm_timeout" qemu-system-x86_64 \
		-accel tcg,thread="$vm_thread" -cpu "$vm_cpu" -smp "$smp" -m 1G \
		"${numa[@]}" -kernel "$kernel" -initrd "$cpio" \
		-append "console=ttyS0 quiet panic=-1 ${nodes_arg}${VM_APPEND:-}" \
		-nic none -nographic -no-reboot ${VM_QEMU_ARGS:-} </dev/null 2>&1 |
		sed -u -e 's/\r//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1bc//g' |
		tee "$log" || rc=$?
	echo "vm-run: VM ran for $(($(date +%s) - start)) s"
	# Before /init none of our modules is loaded: what happens there is
	# TCG's, or the kernel's, and another boot may not have it.  An early
	# Oops the kernel lived through still spoils the script's checks.
	# Whatever happens once /init started may be ours: no second boot.
	if early_int3 "$log"; then
		if grep -qF "$init_mark" "$log"; then
			why="had an Oops: int3 before /init ($flake)"
		else
			why="died before /init (Oops: int3, $flake)"
		fi
	elif grep -q 'Oops: int3' "$log"; then
		# An int3 trap that the kernel's text patching does not claim
		# is translated code TCG kept after a patch: bufpool sets no
		# breakpoint, and a bug of ours would show as a BUG (ud2), a
		# page fault or a KASAN report, not as an int3.
		why="had an Oops: int3 after /init ($flake: stale code after a static key patch)"
	elif grep -q "$end_mark" "$log"; then
		exit 0
	elif grep -qF "$init_mark" "$log"; then
		break
	else
		why="died before /init ($(death "$log" "$rc"))"
	fi
	if [ "$attempt" -ge "$vm_tries" ]; then
		if grep -q "$end_mark" "$log"; then
			echo "vm-run: boot $attempt of $vm_tries $why, and it was" \
				"the last (VM_BOOT_TRIES): the script ran on it"
			exit 0
		fi
		die "boot $attempt of $vm_tries $why; giving up (VM_BOOT_TRIES)"
	fi
	echo "vm-run: boot $attempt of $vm_tries $why; booting again"
	mv "$log" "$log.attempt$attempt"
	attempt=$((attempt + 1))
done
[ "$rc" -eq 124 ] && die "the VM did not finish within $vm_timeout s (VM_TIMEOUT)"
die "the VM stopped before the end of the script (qemu status $rc)"
