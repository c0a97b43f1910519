#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The soak ("make soak", not part of "make check"): Debian's 6.12 in a
# 4-vCPU VM runs userspace-test/guest/tests-soak.sh, everything at once for
# SOAK seconds (default 60; at most 600): the SMP stress with stamped
# buffers, the example ring, CPU hotplug, tracking switched on and off,
# drop_caches, and tools/bufpool-stat -w --json reading it live.  Here the
# viewer's output is checked: one JSON object a second, the stressed pool
# in them with its takes growing and non-zero take rates.  Prints TAP-style
# "ok N"/"not ok N" lines and ends with "soak: N passed, N failed".
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
soak=${SOAK:-60}
case "$soak" in
'' | *[!0-9]*) echo "soak: SOAK must be seconds, not '$soak'" >&2; exit 2 ;;
esac
[ "$soak" -ge 10 ] && [ "$soak" -le 600 ] ||
	{ echo "soak: SOAK must be 10 to 600 seconds" >&2; exit 2; }
work=$repo/userspace-test/build/soak
mkdir -p "$work"
gcc -static -Wall -Wextra -O2 -o "$work/bufpool-stat" \
	"$repo/tools/bufpool-stat.c"
script=$work/soak.sh
{ echo "#!/bin/sh"; echo "SOAK=$soak"; cat "$repo/userspace-test/guest/tests-soak.sh"; } \
	>"$script"

echo "soak: $soak s of everything at once in a 4-vCPU VM (4 vCPUs share the" \
	"host's cores here: a load test, not a timing)"
log=$work/console.log
rc=0
VM_TIMEOUT=$((soak + 240)) "$repo/userspace-test/host/vm-run.sh" soak "$script" \
	"$repo/userspace-test/guest/lib.sh" \
	"$repo/bufpool.ko" "$repo/userspace-test/modules/bufpool_stress.ko" \
	"$repo/examples/bufpool_ring.ko" "$work/bufpool-stat" \
	>"$work/vm-run.log" 2>&1 || rc=$?
# The VM's lines from its TAP header on, without the viewer's JSON.
sed -n '/^TAP version/,/^# soak: end/p' "$log" |
	sed '/^=== SOAK JSON$/,/^=== SOAK JSON END$/d'

# shellcheck source=userspace-test/host/lib.sh
. "$repo/userspace-test/host/lib.sh"
host_tap_init "$log"
sed -n '/^=== SOAK JSON$/,/^=== SOAK JSON END$/p' "$log" | sed '1d;$d' \
	>"$work/stat.json"
# The viewer's live JSON: a refresh a second, the stressed pool's takes
# growing, non-zero rates.
viewer_ok() {
	python3 - "$work/stat.json" "$soak" <<'PY'
import json
import sys

path, soak = sys.argv[1], int(sys.argv[2])
objs = [json.loads(line) for line in open(path) if line.strip()]
takes, rates = [], []
for o in objs:
    for p in o["pools"]:
        if p["name"] == "vmt-stress":
            takes.append(p["takes"])
            rates.append(p.get("takes_per_s") or 0)
assert len(objs) >= soak // 2, "%d refreshes in %d s" % (len(objs), soak)
assert len(takes) >= soak // 2, "vmt-stress in %d refreshes" % len(takes)
assert takes == sorted(takes) and takes[-1] > takes[0], "takes did not grow"
assert sum(1 for r in rates if r > 0) >= soak // 4, "rates: %s" % rates
print("# viewer: %d refreshes, vmt-stress in %d, takes %d to %d, "
      "up to %d takes/s" % (len(objs), len(takes), takes[0], takes[-1],
                            max(rates)))
PY
}
host_check "the viewer's live JSON: a refresh a second, the stressed pool's takes growing, non-zero rates" \
	viewer_ok
if [ "$rc" -ne 0 ] || ! grep -q '^# soak: end' "$log"; then
	host_fail "soak: the VM did not run the soak to its end (see ${log#"$repo"/})"
fi
host_tap_done soak
