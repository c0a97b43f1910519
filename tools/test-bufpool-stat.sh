#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Test tools/bufpool-stat against a recorded copy of the debugfs files:
# tools/test-bufpool-stat.sh [VIEWER]
#
# The copy in tools/testdata/vm-demo was dumped from a real run (make demo
# with DUMP_DIR=tools/testdata/vm-demo), both tracked: pools "shared"
# (192 takes, 14 idle buffers, 159 KiB) and "example" (9 takes, 3 buffers
# out, hit rate 66.7%).  Checks
# the table, the sorting, -p, --json (validated by python3 -m json.tool and
# by value), -w with rates, and the exit status of every error.  Ends with
# "N passed, N failed"; the exit status is non-zero if any check failed.
set -uo pipefail

tools=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
viewer=${1:-$tools/bufpool-stat}
data=$tools/testdata/vm-demo
passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$viewer" ]; then
	echo "$viewer is missing: run 'make tools'" >&2
	exit 1
fi

ok() {
	passed=$((passed + 1))
	echo "ok   $*"
}

fail() {
	failed=$((failed + 1))
	echo "FAIL $*"
	[ -s "$tmp/out" ] && sed 's/^/     | /' "$tmp/out" | head -n 40
	[ -s "$tmp/err" ] && sed 's/^/     ! /' "$tmp/err" | head -n 10
}

# run WANT_STATUS ARGS...: run the viewer, output in $tmp/out and $tmp/err.
run() {
	local want=$1 rc=0
	shift
	"$viewer" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "bufpool-stat $*: exit status $rc, not $want"
		return 1
	fi
	return 0
}

# has TEXT: the output has a line matching the extended regex TEXT.
has() {
	grep -Eq -- "$1" "$tmp/out"
}

# before A B: the first line matching A comes before the first matching B.
before() {
	local a b
	a=$(grep -En -- "$1" "$tmp/out" | head -n 1 | cut -d: -f1)
	b=$(grep -En -- "$2" "$tmp/out" | head -n 1 | cut -d: -f1)
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]
}

# The table of every pool, sorted by bytes held, then name.
if run 0 -d "$data"; then
	if has '^POOL +BKTS +OUT' && has '^example +11 +3 +36K +0 +0 +36K +9 +6 +66\.7 +0 all$' &&
		has '^shared +15 +0 +0 +14 +159K +159K +192 +192 +92\.7 +0 all$' &&
		before '^shared ' '^example ' && has '^Pools: 2 '; then
		ok "table of pools"
	else
		fail "table of pools"
	fi
	if has '^Buckets in use: 9 ' &&
		has '^example +32K +3 +2 +66\.7 +1 +0 +1 +1 +0 +32K ' &&
		before '^example +32K' '^example +4\.0K' &&
		before '^example +4\.0K' '^example +128 '; then
		ok "table of buckets, most bytes first"
	else
		fail "table of buckets, most bytes first"
	fi
fi

# What Documentation/debugfs.rst shows is this viewer's output on the data.
if run 0 -d "$data" && diff -u "$tools/testdata/bufpool-stat.txt" "$tmp/out" >"$tmp/err"; then
	ok "tools/testdata/bufpool-stat.txt is the output on the data"
else
	cat "$tmp/err" >&2
	fail "tools/testdata/bufpool-stat.txt is the output on the data (make tools; tools/bufpool-stat -d $data >tools/testdata/bufpool-stat.txt)"
fi

# Sorting.
if run 0 -d "$data" -s out && before '^example ' '^shared '; then
	ok "-s out"
else
	fail "-s out"
fi
if run 0 -d "$data" -s takes && before '^shared ' '^example '; then
	ok "-s takes"
else
	fail "-s takes"
fi
run 2 -d "$data" -s bogus && ok "-s bogus: usage error"

# One pool.
if run 0 -d "$data" -p shared; then
	if has '^Pool shared:' && ! has '^example' &&
		[ "$(grep -Ec '^ +([0-9.]+[KM]?|unpooled|total) +[0-9]+ ' "$tmp/out")" -eq 17 ] &&
		has '^ +total +192 +192 +92\.7 +14 +0 +0 +- +14 ' &&
		has '^Parameters: min_size=64 max_size=1048576 max_cached_bytes=16777216 cpu_cache_bytes=262144 flags=0x0 cpu_bound=225280 nr_cpus=4 idle_bound=17678336 decay_ms=5000 decay=armed$' &&
		has '^Idle by node: node0=159K \(CPUs 63K\)$'; then
		ok "-p shared: 15 buckets, unpooled, total, parameters, idle by node"
	else
		fail "-p shared: 15 buckets, unpooled, total, parameters, idle by node"
	fi
fi
if run 5 -d "$data" -p no-such-pool && grep -q "no pool named 'no-such-pool'" "$tmp/err"; then
	ok "-p no-such-pool: exit 5"
else
	fail "-p no-such-pool: exit 5"
fi

# JSON, for scripts.
if run 0 -d "$data" --json; then
	if python3 -m json.tool "$tmp/out" >/dev/null 2>"$tmp/err"; then
		ok "--json is valid (python3 -m json.tool)"
	else
		fail "--json is valid (python3 -m json.tool)"
	fi
	if python3 - "$tmp/out" >"$tmp/err" 2>&1 <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
pools = {p["name"]: p for p in d["pools"]}
assert [p["name"] for p in d["pools"]] == ["shared", "example"], pools.keys()
e = pools["example"]
assert (e["out"], e["out_bytes"], e["takes"], e["returns"]) == (3, 36992, 9, 6), e
assert e["hit_pct"] == 66.7 and e["tracking"] == "all", e
assert pools["shared"]["hit_pct"] == 92.7
for p in d["pools"]:
    rows = p["stats"]
    assert rows[-1]["size"] == "total" and rows[-2]["size"] == "unpooled"
    assert len(rows) == p["buckets"] + 2
    assert rows[-1]["peak_out"] is None
    for k in ("takes", "returns", "allocs", "frees", "out", "idle"):
        assert sum(r[k] for r in rows[:-1]) == rows[-1][k], (p["name"], k)
    for r in rows[:-1]:
        assert r["takes"] - r["returns"] == r["out"], r
    assert rows[-1]["takes"] == p["takes"] and rows[-1]["out"] == p["out"]
    assert p["params"]["name"] == p["name"] and p["params"]["flags"] == "0x0"
    assert p["params"]["idle_bound"] == p["params"]["max_cached_bytes"] + \
        p["params"]["nr_cpus"] * p["params"]["cpu_bound"]
    assert p["params"]["nr_nodes"] == 1
    assert p["params"]["node0_idle_bytes"] == p["idle_bytes"], p["name"]
EOF
	then
		ok "--json values: pools, totals = sum of buckets, params"
	else
		fail "--json values: pools, totals = sum of buckets, params"
	fi
fi
if run 0 -d "$data" --json -p example &&
	python3 -m json.tool "$tmp/out" >/dev/null 2>"$tmp/err" &&
	[ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["pools"]))' "$tmp/out")" = 1 ]; then
	ok "--json -p example: valid, one pool"
else
	fail "--json -p example: valid, one pool"
fi

# The directory from the environment.
if BUFPOOL_STAT_DIR=$data run 0 -p example && has '^Pool example:'; then
	ok "BUFPOOL_STAT_DIR"
else
	fail "BUFPOOL_STAT_DIR"
fi

# Watching: rates per second from the second refresh on.
if run 0 -d "$data" -w 0.2 -n 2; then
	if [ "$(grep -c '^Every 0.2s' "$tmp/out")" -eq 2 ] &&
		has '^POOL .*TAKES/s +RETS/s +ALLOCS/s +HIT%now' &&
		has '^example .* 0 +0 +0 +- all$'; then
		ok "-w 0.2 -n 2: two refreshes with rates"
	else
		fail "-w 0.2 -n 2: two refreshes with rates"
	fi
fi
if run 0 -d "$data" --json -w 0.1 -n 2; then
	n=0
	while IFS= read -r line; do
		printf '%s\n' "$line" | python3 -m json.tool >/dev/null || n=-100
		n=$((n + 1))
	done <"$tmp/out"
	if [ "$n" -eq 2 ] && sed -n 2p "$tmp/out" | grep -q '"takes_per_s":0.000'; then
		ok "--json -w: one valid object per refresh, with rates"
	else
		fail "--json -w: one valid object per refresh, with rates"
	fi
fi

# Errors: each has its message and exit status.
if run 4 -d "$tmp/no-such-dir" && grep -q 'not a copy of the bufpool debugfs files' "$tmp/err"; then
	ok "missing directory: exit 4 with a message"
else
	fail "missing directory: exit 4 with a message"
fi
mkdir -p "$tmp/broken"
echo "shared 15 0 0" >"$tmp/broken/pools"
if run 1 -d "$tmp/broken" && grep -q 'no header line' "$tmp/err"; then
	ok "a file without its header: exit 1"
else
	fail "a file without its header: exit 1"
fi
cp -r "$data" "$tmp/gone"
rm -r "$tmp/gone/shared"
if run 0 -d "$tmp/gone" && has '^Pools: 1 ' && ! has '^shared'; then
	ok "a pool destroyed between reads is left out"
else
	fail "a pool destroyed between reads is left out"
fi
# Root-only files read by another user (only when root can switch users).
if [ "$(id -u)" -eq 0 ] && command -v runuser >/dev/null &&
	id nobody >/dev/null 2>&1; then
	mkdir -p "$tmp/perm"
	cp -r "$data" "$tmp/perm/copy"
	cp "$viewer" "$tmp/perm/bufpool-stat"
	chmod 0400 "$tmp/perm/copy/pools"
	chmod 0755 "$tmp" "$tmp/perm"
	rc=0
	runuser -u nobody -- "$tmp/perm/bufpool-stat" -d "$tmp/perm/copy" \
		>"$tmp/out" 2>"$tmp/err" || rc=$?
	if [ "$rc" -eq 6 ] && grep -q 'root-only; run as root' "$tmp/err"; then
		ok "root-only files read as nobody: exit 6"
	else
		fail "root-only files read as nobody: exit 6 (got $rc)"
	fi
else
	echo "skip root-only files read as nobody: not root or no runuser"
fi
run 2 -d "$data" -w 0 && ok "-w 0: usage error"
run 2 -d "$data" -n 2 && ok "-n without -w: usage error"
run 2 -d "$data" extra && ok "an extra argument: usage error"
if run 0 --help && has '^Exit status: 0 ok'; then
	ok "--help"
else
	fail "--help"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
