#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn bufpool_bench logs into bench/results/: bench.md, bench.csv, goals.csv
(the goals table the documentation includes), plots.

    bench/report.py OUTDIR NAME=LOG [NAME=LOG...]

Each LOG is a kernel log holding "bufpool_bench: csv,..." lines (see
bench/bufpool_bench.c) and "bufpool_bench: # ..." notes; NAME names the run
(uml-ioa0, uml-ioa1, vm).  Every figure is also given as a ratio to the
baseline of the same run: kmalloc below PAGE_SIZE... and alloc_pages from
8 KiB on for the pair pattern, kmalloc otherwise; for "scale", the ratio is
the aggregate over the 1-CPU figure of the same allocator.
"""
import csv
import os
import re
import subprocess
import sys

LINE = re.compile(r"bufpool_bench: (csv,[^\s]*|# .*)$")
PAGE_SIZE = 4096

ALLOCS = ["kmalloc", "kmem_cache", "mempool", "alloc_pages", "kvmalloc",
          "bufpool", "bufpool_no_init", "bufpool_other_tracked",
          "bufpool_timed", "bufpool_sample1024",
          "bufpool_sample64", "bufpool_track", "bufpool_strict",
          "bufpool_traced", "bufpool_cpu16m", "bufpool_bulk",
          "bufpool_bulk_no_init", "bufpool_nolock", "bufpool_reserve",
          "touch"]


def parse(path):
    rows, notes = [], []
    with open(path, errors="replace") as f:
        for line in f:
            m = LINE.search(line.rstrip())
            if not m:
                continue
            text = m.group(1)
            if text.startswith("#"):
                notes.append(text[2:])
                continue
            _, pattern, alloc, size, med, lo, hi = text.split(",")
            rows.append({"pattern": pattern, "alloc": alloc,
                         "size": int(size), "median": float(med),
                         "min": float(lo), "max": float(hi)})
    # Each boot notes the same start and end: once is enough.
    return merge(rows), list(dict.fromkeys(notes))


def merge(rows):
    """One row per figure: a log of several boots has one per boot.

    The median over the boots of each boot's median, and the extremes of
    all of them: the machine's speed moves between boots.
    """
    seen = {}
    for r in rows:
        seen.setdefault((r["pattern"], r["alloc"], r["size"]), []).append(r)
    out = []
    for group in seen.values():
        meds = sorted(r["median"] for r in group)
        row = dict(group[0])
        row["median"] = meds[len(meds) // 2]
        row["min"] = min(r["min"] for r in group)
        row["max"] = max(r["max"] for r in group)
        row["boots"] = len(group)
        out.append(row)
    return out


def baseline(rows, row):
    """The same run's reference for @row, or None."""
    if row["pattern"] == "scale":
        name = row["alloc"].rsplit("_x", 1)[0] + "_x1"
        ref = [r for r in rows if r["pattern"] == "scale" and
               r["alloc"] == name]
        return ref[0] if ref else None
    ref_alloc = "kmalloc"
    if row["pattern"] == "pair" and row["size"] > PAGE_SIZE:
        ref_alloc = "alloc_pages"
    ref = [r for r in rows if r["pattern"] == row["pattern"] and
           r["size"] == row["size"] and r["alloc"] == ref_alloc]
    return ref[0] if ref else None


def ratio(rows, row):
    ref = baseline(rows, row)
    if not ref or not ref["median"]:
        return None
    return row["median"] / ref["median"]


def size_name(n):
    if n == 0:
        return "mixed"
    for unit, div in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= div and n % div == 0:
            return "%d %s" % (n // div, unit)
    return "%d B" % n


def table(rows, pattern, unit="ns per pair"):
    sel = [r for r in rows if r["pattern"] == pattern]
    if not sel:
        return []
    allocs = [a for a in ALLOCS if any(r["alloc"] == a for r in sel)]
    allocs += sorted({r["alloc"] for r in sel} - set(allocs))
    sizes = sorted({r["size"] for r in sel})
    out = ["| size | " + " | ".join(allocs) + " |",
           "|---" * (len(allocs) + 1) + "|"]
    for s in sizes:
        cells = []
        for a in allocs:
            r = [x for x in sel if x["size"] == s and x["alloc"] == a]
            if not r:
                cells.append("")
                continue
            q = ratio(rows, r[0])
            cell = "%.1f" % r[0]["median"]
            if q is not None and not a.startswith(("kmalloc", "alloc_pages")):
                cell += " (%.2f×)" % q
            cells.append(cell)
        out.append("| %s | %s |" % (size_name(s), " | ".join(cells)))
    out.append("")
    boots = max(r.get("boots", 1) for r in sel)
    how = ("the median over %d boots of each boot's median of 7" % boots
           if boots > 1 else "median of 7")
    out.append("%s, %s; (N×) is the ratio to %s of the same run." %
               (unit.capitalize(), how, "kmalloc (alloc_pages above 4 KiB)"
                if pattern == "pair" else "kmalloc"))
    return out


def scale_table(rows):
    sel = [r for r in rows if r["pattern"] == "scale"]
    if not sel:
        return []
    out = ["| allocator | CPUs | million pairs/s | vs 1 CPU |",
           "|---|---|---|---|"]
    for r in sel:
        name, cpus = r["alloc"].rsplit("_x", 1)
        q = ratio(rows, r)
        out.append("| %s | %s | %.2f | %s |" %
                   (name, cpus, r["median"],
                    "%.2f×" % q if q is not None else ""))
    return out


def get(rows, pattern, alloc, size):
    r = [x for x in rows if x["pattern"] == pattern and x["alloc"] == alloc
         and x["size"] == size]
    return r[0]["median"] if r else None


def worst(values):
    values = [v for v in values if v is not None]
    return max(values) if values else None


def goals(runs):
    """The goals of the performance issue, from the runs there are: rows of
    (figure, run, measured, goal)."""
    out = []
    small = [64, 128, 256, 512, 1024, 2048, 4096]

    def add(name, run, value, goal):
        if value is not None:
            out.append((name, run, "%.2f×" % value, goal))

    for name, rows in runs.items():
        def r(pattern, alloc, sizes, ref="kmalloc"):
            return worst([get(rows, pattern, alloc, s) /
                          get(rows, pattern, ref, s)
                          for s in sizes
                          if get(rows, pattern, alloc, s) and
                          get(rows, pattern, ref, s)])
        add("pair ≤ 4 KiB vs kmalloc, worst size", name,
            r("pair", "bufpool", small), "≤ 0.35× (init_on_alloc=0), "
            "≤ 1.0× (=1)")
        add("pair ≤ 4 KiB NO_INIT vs kmalloc, worst size", name,
            r("pair", "bufpool_no_init", small), "≤ 0.35×")
        add("pair ≥ 64 KiB vs alloc_pages, worst size (depot-only "
            "buckets, default cpu_cache_bytes)", name,
            r("pair", "bufpool", [1 << k for k in range(16, 21)],
              "alloc_pages"), "≤ 0.5× (init_on_alloc=0)")
        add("pair ≥ 64 KiB, cpu_cache_bytes 16 MiB, vs alloc_pages, "
            "worst size", name,
            r("pair", "bufpool_cpu16m", [1 << k for k in range(16, 21)],
              "alloc_pages"), "≤ 0.1× (init_on_alloc=0)")
        add("burst 64 ≤ 4 KiB vs kmalloc, worst size", name,
            r("burst", "bufpool", small), "≤ 0.5×")
        add("burst 64 ≤ 4 KiB through the bulk calls vs kmalloc, worst "
            "size", name, r("burst", "bufpool_bulk", small), "≤ 0.25×")
        add("burst 64 ≤ 4 KiB through the bulk calls, NO_INIT, vs kmalloc, "
            "worst size", name, r("burst", "bufpool_bulk_no_init", small),
            "≤ 0.25×")
        add("pair ≤ 4 KiB through the nolock calls vs the plain pair, worst "
            "size", name, r("pair", "bufpool_nolock", small, "bufpool"),
            "report")
        add("pair with a full reserve (bufpool_reserve(), 2) vs without, "
            "worst size", name,
            r("pair", "bufpool_reserve", [64, 256, 1024, 4096, 1 << 16,
                                          1 << 20], "bufpool"), "≤ 1.02×")
        add("pair with a full reserve vs mempool (min_nr 2), worst size "
            "≤ 4 KiB", name,
            r("pair", "bufpool_reserve", [64, 256, 1024, 4096], "mempool"),
            "report")
        add("capped (a pair while the pool frees at its cap) vs kmalloc, "
            "worst size", name, r("capped", "bufpool", [64, 1024, 4096]),
            "report")
        add("remote vs kmalloc, worst size", name,
            r("remote", "bufpool", [256, 4096]), "≤ 0.5×")
        add("timed sampling at its default vs untracked, worst size "
            "≤ 4 KiB", name,
            r("pair", "bufpool_timed", [64, 256, 1024, 4096], "bufpool"),
            "≤ 1.02×")
        add("timed sampling at its default vs untracked, worst size "
            "≥ 64 KiB (depot-only buckets)", name,
            r("pair", "bufpool_timed", [1 << 16, 1 << 20], "bufpool"),
            "≤ 1.02×")
        add("sampled 1/1024 vs untracked, worst size", name,
            r("pair", "bufpool_sample1024", [64, 256, 1024, 4096],
              "bufpool"), "≤ 1.1×")
        add("sampled 1/64 vs untracked, worst size", name,
            r("pair", "bufpool_sample64", [64, 256, 1024, 4096], "bufpool"),
            "≤ 1.5×")
        add("untracked while another pool is tracked, worst size", name,
            r("pair", "bufpool_other_tracked", [64, 256, 1024, 4096],
              "bufpool"), "≤ 1.05×")
        add("every take tracked vs untracked, worst size", name,
            r("pair", "bufpool_track", [64, 256, 1024, 4096], "bufpool"),
            "report, halve it")
        add("every bufpool event on vs off, worst size", name,
            r("pair", "bufpool_traced", [64, 256, 1024, 4096], "bufpool"),
            "report (off: a static branch each)")
        kx1 = get(rows, "scale", "kmalloc_x1", 256)
        bx1 = get(rows, "scale", "bufpool_x1", 256)
        top = max((int(x["alloc"].rsplit("_x", 1)[1]) for x in rows
                   if x["pattern"] == "scale"), default=0)
        if kx1 and bx1 and top > 1:
            kx = get(rows, "scale", "kmalloc_x%d" % top, 256) / kx1
            bx = get(rows, "scale", "bufpool_x%d" % top, 256) / bx1
            out.append(("%d CPUs vs 1 (scaling), bufpool / kmalloc" % top,
                        name, "%.2f× / %.2f×" % (bx, kx),
                        "as kmalloc's or better"))
    return out


def plot(outdir, name, rows):
    sel = [r for r in rows if r["pattern"] == "pair"]
    if not sel:
        return None
    data = os.path.join(outdir, "pair-%s.dat" % name)
    allocs = [a for a in ALLOCS if any(r["alloc"] == a for r in sel)]
    sizes = sorted({r["size"] for r in sel})
    with open(data, "w") as f:
        f.write("# size " + " ".join(allocs) + "\n")
        for s in sizes:
            vals = []
            for a in allocs:
                v = get(rows, "pair", a, s)
                vals.append("%g" % v if v else "NaN")
            f.write("%d %s\n" % (s, " ".join(vals)))
    png = os.path.join(outdir, "pair-%s.png" % name)
    lines = ", ".join("'%s' using 1:%d with linespoints title '%s'" %
                      (data, i + 2, a.replace("_", " "))
                      for i, a in enumerate(allocs))
    script = "\n".join([
        "set terminal png size 1100,700",
        "set output '%s'" % png,
        "set title 'bufpool bench, pair pattern (%s): ns per take+return'"
        % name,
        "set logscale xy 2",
        "set xtics (\"64\" 64, \"256\" 256, \"1K\" 1024, \"4K\" 4096, "
        "\"16K\" 16384, \"64K\" 65536, \"256K\" 262144, "
        "\"1M\" 1048576)",
        "set xlabel 'buffer size (bytes)'",
        "set ylabel 'ns per pair'",
        "set key outside right",
        "set grid",
        "plot " + lines,
    ])
    try:
        subprocess.run(["gnuplot"], input=script.encode(), check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print("report: no plot for %s: %s" % (name, e), file=sys.stderr)
        return None
    finally:
        os.unlink(data)
    return os.path.basename(png)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    runs, notes = {}, {}
    for arg in sys.argv[2:]:
        name, path = arg.split("=", 1)
        if not os.path.exists(path):
            print("report: %s: no log %s" % (name, path), file=sys.stderr)
            continue
        runs[name], notes[name] = parse(path)
        if not runs[name]:
            print("report: %s: no figures in %s" % (name, path),
                  file=sys.stderr)
    with open(os.path.join(outdir, "bench.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["run", "pattern", "allocator", "size", "ns_median",
                    "ns_min", "ns_max", "ratio"])
        for name, rows in runs.items():
            for r in rows:
                q = ratio(rows, r)
                w.writerow([name, r["pattern"], r["alloc"], r["size"],
                            r["median"], r["min"], r["max"],
                            "%.4f" % q if q is not None else ""])
    md = ["# bufpool bench results", "",
          "Written by `make bench` (bench/run.sh, bench/report.py); see "
          "Documentation/performance.rst for how to read them.", ""]
    g = goals(runs)
    # The same rows for the documentation (Documentation/performance.rst).
    with open(os.path.join(outdir, "goals.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["figure", "run", "measured", "goal"])
        w.writerows(g)
    md += ["## Goals", "", "| figure | run | measured | goal |",
           "|---|---|---|---|"]
    md += ["| %s | %s | %s | %s |" % row for row in g] + [""]
    for name, rows in runs.items():
        md += ["## %s" % name, ""]
        md += ["    " + n for n in notes[name]] + [""]
        png = plot(outdir, name, rows)
        if png:
            md += ["![pair, %s](%s)" % (name, png), ""]
        for pattern, title in (("pair", "take + return"),
                               ("burst", "take 64, return 64"),
                               ("capped", "a pair, then a free of another "
                                "bucket's buffer at the pool's cap"),
                               ("mix", "mixed sizes, 256 held"),
                               ("remote", "taken on one CPU, returned on "
                                "another")):
            t = table(rows, pattern)
            if t:
                md += ["### %s: %s" % (pattern, title), ""] + t + [""]
        t = scale_table(rows)
        if t:
            md += ["### scale: the pair loop on several CPUs at once "
                   "(256 B)", ""] + t + [""]
    with open(os.path.join(outdir, "bench.md"), "w") as f:
        f.write("\n".join(md))
    print("report: wrote %s" % ", ".join(
        sorted(os.listdir(outdir))))


if __name__ == "__main__":
    main()
