#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmark ("make bench"): bufpool against kmalloc, kmem_cache, mempool
# and the page allocator, timed in the same run, written to bench/results/
# (bench.md, bench.csv, pair-*.png) by bench/report.py.
#
#  1. built into UML (bench/bench.kunitconfig, no debugging options), once
#     with init_on_alloc=0 and once with init_on_alloc=1: the single-CPU
#     figures, at native speed;
#  2. as a module in a VM running Debian's 6.12 kernel under qemu TCG with
#     4 vCPUs (userspace-test/host/vm-run.sh): the SMP figures (remote, scale).
#     These machines have 2 cores, so 4 vCPUs oversubscribe them and TCG
#     is far slower than hardware: read the VM figures as ratios only.
#
# BENCH_STEPS picks steps ("uml vm"); BENCH_UML_BOOTS how many times UML
# boots per init_on_alloc setting (5); BENCH_VM_SCALE divides the VM's
# iterations (default 8).  The logs stay in bench/results/*.log.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
out=$repo/bench/results
steps=${BENCH_STEPS:-uml vm}
mkdir -p "$out"

step() {
	echo "bench: $(date +%T) $*"
}

"$repo/.ci/deps.sh"
runs=()
for s in $steps; do
	case "$s" in
	uml)
		# Several boots: this machine's speed moves between runs (a
		# neighbour on the host), and report.py takes each figure's
		# median over the boots.
		boots=${BENCH_UML_BOOTS:-5}
		for ioa in 0 1; do
			: >"$out/uml-ioa$ioa.log"
			for boot in $(seq "$boots"); do
				step "UML, init_on_alloc=$ioa, boot $boot of $boots: build and run"
				kunit/run.sh bench --kernel_args="init_on_alloc=$ioa" \
					'bufpool_bench' >"$out/uml-ioa$ioa.kunit" 2>&1 || {
					tail -n 30 "$out/uml-ioa$ioa.kunit"
					echo "bench: the UML run failed; see $out/uml-ioa$ioa.kunit"
					exit 1
				}
				cat "${BUFPOOL_CACHE:-$HOME/.cache/bufpool}/build-uml-bench/test.log" \
					>>"$out/uml-ioa$ioa.log"
			done
			grep -c 'bufpool_bench: csv' "$out/uml-ioa$ioa.log" |
				sed 's/^/bench: figures: /'
			runs+=("uml-ioa$ioa=$out/uml-ioa$ioa.log")
		done
		;;
	vm)
		step "VM: build the modules"
		make --no-print-directory test-modules >/dev/null
		step "VM: Debian's kernel, 4 vCPUs under TCG (ten minutes or so)"
		cat >"$out/.vm-bench.sh" <<VMSCRIPT
mount -t debugfs debugfs /sys/kernel/debug
insmod bufpool.ko
echo "# bench: init_on_alloc: \$(grep -o 'init_on_alloc=[^ ]*' /proc/cmdline)"
insmod bufpool_bench.ko scale=${BENCH_VM_SCALE:-8}
# The console is quiet: the figures are in the kernel log.
dmesg | grep 'bufpool_bench: '
# Idle memory after the last measurement, and the bounds.
sed 's/^/bufpool_bench: # memory: /' /sys/kernel/debug/bufpool/pools
for p in /sys/kernel/debug/bufpool/bench*/params; do
	grep -E '^(name|max_cached_bytes|cpu_bound|idle_bound) ' "\$p" |
		tr '\n' ' ' | sed 's/^/bufpool_bench: # memory: /'
	echo
done
rmmod bufpool_bench
rmmod bufpool
VMSCRIPT
		VM_TIMEOUT=${BENCH_VM_TIMEOUT:-2400} userspace-test/host/vm-run.sh \
			bench "$out/.vm-bench.sh" bufpool.ko \
			bench/bufpool_bench.ko >"$out/vm.kunit" 2>&1 || {
			tail -n 30 "$out/vm.kunit"
			echo "bench: the VM run failed; see $out/vm.kunit"
			exit 1
		}
		rm -f "$out/.vm-bench.sh"
		cp userspace-test/build/bench/console.log "$out/vm.log"
		grep -c 'bufpool_bench: csv' "$out/vm.log" |
			sed 's/^/bench: figures: /'
		runs+=("vm=$out/vm.log")
		;;
	*)
		echo "bench: unknown step $s" >&2
		exit 2
		;;
	esac
done
step "report"
bench/inline-size.sh >"$out/inline-size.txt"
python3 bench/report.py "$out" "${runs[@]}"
echo "bench: results in $out/bench.md"
