#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What the inline bufpool_take() and bufpool_return() cost a client in code:
# builds a two-function client against include/bufpool.h and the kernel
# KVER or KDIR names (.ci/kdir.sh; default Debian's 6.12), and prints each
# function's bytes, instructions and saved registers (pushes), from objdump.
# Each function is one call site: its prologue, the inline path, the call
# out of line.  bench/inline-size.sh [REPO] measures another checkout.
set -euo pipefail

repo=$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")/..}" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kdir=$("$here/.ci/kdir.sh")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

cat >"$dir/bufpool_isz.c" <<'SRC'
// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include "bufpool.h"

void *bufpool_isz_take(struct bufpool *pool, size_t size);
void bufpool_isz_return(struct bufpool *pool, void *buf);

noinline void *bufpool_isz_take(struct bufpool *pool, size_t size)
{
	return bufpool_take(pool, size, GFP_KERNEL);
}
EXPORT_SYMBOL_GPL(bufpool_isz_take);

noinline void bufpool_isz_return(struct bufpool *pool, void *buf)
{
	bufpool_return(pool, buf);
}
EXPORT_SYMBOL_GPL(bufpool_isz_return);
MODULE_LICENSE("GPL");
SRC
printf 'obj-m := bufpool_isz.o\nccflags-y := -I%s/include\n' "$repo" >"$dir/Kbuild"
make -s -C "$kdir" M="$dir" bufpool_isz.o >/dev/null
objdump -d --no-show-raw-insn "$dir/bufpool_isz.o" >"$dir/dis"
for f in bufpool_isz_take bufpool_isz_return; do
	body=$(awk -v f="<$f>:" '$2 == f { p = 1; next } p && /^$/ { exit } p' "$dir/dis")
	bytes=$(nm -S "$dir/bufpool_isz.o" | awk -v f="$f" '$4 == f { print $2 }')
	printf '%s: %d bytes, %d instructions, %d saved registers\n' \
		"${f#bufpool_isz_}" "$((16#$bytes))" \
		"$(grep -c ':' <<<"$body")" "$(grep -c 'push ' <<<"$body" || true)"
done
