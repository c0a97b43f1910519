#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what building, testing and the demo need, from Debian's archive
# ("make deps").  Idempotent: installs only missing packages and runs
# "apt-get update" only when something is missing.
set -euo pipefail

pkgs=(
	build-essential bc bison flex libelf-dev libssl-dev	# kernel builds
	python3 perl rsync xz-utils				# kunit.py, checkpatch
	sparse							# make sparse
	linux-source-6.12					# KSRC: full tree
	linux-headers-6.12-amd64				# KDIR
	linux-image-6.12-amd64					# the demo's kernel
	linux-headers-6.12-rt-amd64 linux-image-6.12-rt-amd64	# KVER=6.12-rt
	linux-headers-amd64 linux-image-amd64			# KVER=6.1
	linux-headers-rt-amd64 linux-image-rt-amd64		# KVER=6.1-rt
	qemu-system-x86 busybox-static cpio kmod gzip		# the demo's VM
	gnuplot-nox						# make bench's plots
	python3-sphinx python3-sphinx-rtd-theme			# make htmldocs
	dkms							# the dkms check
)

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null |
		grep -q 'install ok installed'
}

missing=()
for p in "${pkgs[@]}"; do
	installed "$p" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#pkgs[@]} packages are installed"
	exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null ||
		{ echo "deps: run as root to install ${missing[*]}" >&2; exit 1; }
	sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
echo "deps: installing ${missing[*]}"
"${sudo[@]}" apt-get update -q ||
	echo "deps: warning: apt-get update failed; trying the lists we have" >&2
"${sudo[@]}" apt-get install -y -q --no-install-recommends \
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
	"${missing[@]}"
