#!/usr/bin/env python3
"""Prints one table from the benchmark results in a folder, with ratios to the
baselines of the same run.

ordo-one/benchmark runs a benchmark's body `scale` times per sample; the median
wall-clock time of a sample divided by `scale` is the time of one operation.
Benchmarks run a million times per sample unless SCALE below says otherwise
(it must match the scalingFactor in Benchmarks/*/*.swift)."""
import json
import pathlib
import re
import sys

SCALE = {"libffi: typed call from a JSON payload": 1e3}

folder = pathlib.Path(sys.argv[1])
op_ns = {}
for f in folder.glob("*.jmh.json"):
    for e in json.loads(f.read_text()):
        name = e["benchmark"].split(".", 3)[-1].replace("_", " ")
        wall = e["secondaryMetrics"]["Time (wall clock)"]["scorePercentiles"]["50.0"]   # microseconds per sample
        op_ns[name] = wall * 1e3 / SCALE.get(name, 1e6)

direct = "baseline: direct C call of a no-op handler"
typed_direct = "baseline: direct C call of a typed handler"
rows = []
for name in sorted(op_ns):
    t = op_ns[name]
    row = [name, f"{1e3 / t:,.2f} M/s", f"{t:,.2f} ns", ""]
    m = re.match(r"table: 1 event to (\d+) no-op", name)
    if m and direct in op_ns:
        n = int(m.group(1))
        row[3] = f"{t / n:.2f} ns per subscriber ({t / n - op_ns[direct]:+.2f} ns over the direct call), {n * 1e3 / t:,.1f} M deliveries/s"
    elif name.startswith("libffi") and typed_direct in op_ns:
        row[3] = f"x{t / op_ns[typed_direct]:,.1f} the direct typed call ({t - op_ns[typed_direct]:+,.1f} ns)"
    elif name.startswith("mailbox") and direct in op_ns:
        row[3] = f"x{t / op_ns[direct]:,.0f} the direct call: queue + thread hand-off per event"
    rows.append(row)

# Bounded load programs write one JSON object per line: name, per_second, and extras.
lines = [json.loads(l) for f in sorted(folder.glob("*.jsonl")) for l in f.read_text().splitlines() if l.strip()]
baselines = {l["name"]: l["per_second"] for l in lines if l["name"].startswith("baseline") and "per_second" in l}
p99s = {l["name"]: l["p99_ms"] for l in lines if l["name"].startswith("baseline") and "p99_ms" in l}
seconds = {l["name"]: l["seconds"] for l in lines if l["name"].startswith("baseline") and "seconds" in l}
for l in lines:
    extra = ""
    if "p99_ms" in l:
        extra = f"p50 {l['p50_ms']:.2f} ms, p99 {l['p99_ms']:.2f} ms"
        if l.get("expected"):
            extra += f", {l['events']:,} of {l['expected']:,} handled"
        if l.get("errors"):
            extra += ", ERRORS (non-2xx or socket errors)"
        if l.get("p99_baseline") in p99s:
            extra += f"; p99 {l['p99_ms'] - p99s[l['p99_baseline']]:+.2f} ms over {l['p99_baseline'].removeprefix('baseline: ')}"
        elif l.get("baseline") in baselines:
            extra += f"; x{l['per_second'] / baselines[l['baseline']]:.2f} of {l['baseline'].removeprefix('baseline: ')}"
    if "seconds" in l and "p99_ms" not in l:
        extra = f"{l['seconds'] * 1000:,.0f} ms"
        if l.get("baseline") in seconds:
            extra += f", x{l['seconds'] / seconds[l['baseline']]:.2f} of {l['baseline'].removeprefix('baseline: ')}"
    if "rss_mib" in l:
        extra += (", " if extra else "") + f"RSS {l['rss_mib']:,.1f} MiB"
        if "idle_rss_mib" in l:
            extra += f" (idle {l['idle_rss_mib']:,.1f} MiB, {l['rss_mib'] - l['idle_rss_mib']:+,.1f} MiB)"
        if l.get("resident"):
            extra += "; " + ", ".join(r.split("{")[1].replace('plugin="', "").replace('"}', ":") for r in l["resident"]) + " old images mapped"
    if "lost" in l:
        extra += f"; {l.get('received')} facts received, {l.get('lost')} lost, {l.get('doubled')} doubled"
    throughput = f"{l['per_second']:,.0f} /s" if l.get("per_second") else ""
    rows.append([l["name"], throughput, "", extra])

header = ["benchmark (median of samples)", "throughput", "time/op", "against the baseline of this run"]
widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
for r in [header] + rows:
    print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
