#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Before and after: the UML benchmark of this checkout against an earlier
# revision, booted in turn so that both see the same machine, with this
# checkout's bench/ in both (so the same patterns run against both
# bufpools).  Writes bench/results/ab.md (medians over the boots, each
# figure also as a ratio to kmalloc, or alloc_pages for page-sized pairs,
# of the same boot set) and the raw lines to bench/results/ab-*.log.
#
#   bench/ab.sh REV [BOOTS]     e.g. bench/ab.sh HEAD~3 3
#
# AB_ARGS: the kernel arguments (default: the pair, burst and capped
# patterns, bufpool and its references, init_on_alloc=0).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rev=${1:?usage: $0 REV [BOOTS]}
boots=${2:-3}
out=$repo/bench/results
args=${AB_ARGS:-bufpool_bench.patterns=pair,burst,capped bufpool_bench.allocs=bufpool,kmalloc,alloc_pages,bufpool_no_init init_on_alloc=0}
cache=${BUFPOOL_CACHE:-$HOME/.cache/bufpool}
base=$(mktemp -d)
trap 'git -C "$repo" worktree remove --force "$base" >/dev/null 2>&1 || rm -rf "$base"' EXIT

"$repo/.ci/deps.sh"
git -C "$repo" worktree add --detach "$base" "$rev" >/dev/null
rm -rf "$base/bench"
cp -r "$repo/bench" "$base/bench"
mkdir -p "$out"
: >"$out/ab-before.log"
: >"$out/ab-after.log"
for boot in $(seq "$boots"); do
	for side in before after; do
		tree=$repo
		[ "$side" = before ] && tree=$base
		echo "ab: boot $boot of $boots, $side"
		"$tree/kunit/run.sh" bench --kernel_args="$args" bufpool_bench \
			>"$out/ab-$side.kunit" 2>&1 || {
			tail -n 30 "$out/ab-$side.kunit"
			exit 1
		}
		grep 'bufpool_bench: csv' "$cache/build-uml-bench/test.log" \
			>>"$out/ab-$side.log"
	done
done
python3 - "$out" "$(git -C "$repo" rev-parse --short "$rev")" \
	"$(git -C "$repo" rev-parse --short HEAD)" "$boots" "$args" <<'PY'
import collections, statistics, sys

out, before, after, boots, args = sys.argv[1:]


def load(path):
    d = collections.defaultdict(list)
    for line in open(path):
        p = line.split("csv,", 1)[1].strip().split(",")
        d[(p[0], p[1], int(p[2]))].append(float(p[3]))
    return {k: statistics.median(v) for k, v in d.items()}


b = load(out + "/ab-before.log")
a = load(out + "/ab-after.log")
md = ["# Before and after (bench/ab.sh)", "",
      "UML, one CPU, %s boots each in turn; ns per step, median over the "
      "boots; ratio to kmalloc (alloc_pages for pairs above 4 KiB) of the "
      "same side.  `%s`." % (boots, args), "",
      "| pattern | allocator | size | %s ns | ratio | %s ns | ratio |"
      % (before, after), "|---|---|---|---|---|---|---|"]
for k in sorted(b):
    pat, alloc, size = k
    if alloc in ("kmalloc", "alloc_pages") or k not in a:
        continue
    ref = "alloc_pages" if pat == "pair" and size > 4096 else "kmalloc"
    rb, ra = b.get((pat, ref, size)), a.get((pat, ref, size))
    if not rb or not ra:
        continue
    md.append("| %s | %s | %d | %.2f | %.2f× | %.2f | %.2f× |"
              % (pat, alloc, size, b[k], b[k] / rb, a[k], a[k] / ra))
open(out + "/ab.md", "w").write("\n".join(md) + "\n")
print("\n".join(md))
PY
