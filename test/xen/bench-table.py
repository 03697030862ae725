#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The real-Xen bench's table (test/xen/bench.sh): from its DNB-BENCH lines on the serial
console, per configuration and test, the median throughput with its range over the rounds,
its ratio to the kernel's (xen-netback + bridge) median, and Xen's CPU accounting per unit of
work: Dom0's and the guest's CPU milliseconds per MB moved (per 1000 transactions for
TCP_RR), and dpdk-netback's busy share of it.

    bench-table.py SERIAL_TXT

Exits 1 when a configuration has no complete round (a run lost or failed): a figure that was
not measured is never printed as one."""
import statistics
import sys
from collections import defaultdict

CONFIGS = ("off", "linearize", "chain", "chain-poll", "kernel")
TESTS = ("TCP_STREAM", "TCP_MAERTS", "TCP_RR")


def parse(path):
    runs = defaultdict(list)
    with open(path, errors="replace") as f:
        for line in f:
            if not line.startswith("DNB-BENCH "):
                continue
            kv = dict(w.split("=", 1) for w in line.split()[1:] if "=" in w)
            try:
                run = {k: float(kv[k]) for k in ("value", "dom0_s", "domu_s", "secs")}
            except (KeyError, ValueError):
                sys.exit(f"bench-table: unreadable line: {line.strip()}")
            run["busy_s"] = float(kv["busy_s"]) if kv.get("busy_s", "-") != "-" else None
            runs[(kv.get("config"), kv.get("test"))].append(run)
    return runs


def per_work(run, test, key):
    """CPU ms per MB moved (Mbit/s * s / 8), or per 1000 transactions."""
    work = run["value"] * run["secs"] / (1000.0 if test == "TCP_RR" else 8.0)
    return run[key] * 1000.0 / work if run[key] is not None and work > 0 else None


def fmt_range(vals, digits):
    vals = [v for v in vals if v is not None]
    if not vals:
        return "-"
    med = statistics.median(vals)
    return f"{med:.{digits}f} ({min(vals):.{digits}f}-{max(vals):.{digits}f})"


def main():
    runs = parse(sys.argv[1])
    missing = [(c, t) for c in CONFIGS for t in TESTS if not runs.get((c, t))]
    print("| config | test | throughput, median (range) | / kernel | n | Dom0 CPU ms per unit"
          " | guest CPU ms per unit | dpdk-netback busy ms per unit |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for t in TESTS:
        kern = runs.get(("kernel", t))
        kmed = statistics.median(r["value"] for r in kern) if kern else None
        for c in CONFIGS:
            rs = runs.get((c, t))
            if not rs:
                continue
            med = statistics.median(r["value"] for r in rs)
            ratio = f"{med / kmed:.2f}" if kmed else "-"
            ratios = [r["value"] / kmed for r in rs] if kmed else []
            if len(ratios) > 1:
                ratio += f" ({min(ratios):.2f}-{max(ratios):.2f})"
            print(f"| {c} | {t} | {fmt_range([r['value'] for r in rs], 1)} | {ratio} | {len(rs)}"
                  f" | {fmt_range([per_work(r, t, 'dom0_s') for r in rs], 2)}"
                  f" | {fmt_range([per_work(r, t, 'domu_s') for r in rs], 2)}"
                  f" | {fmt_range([per_work(r, t, 'busy_s') for r in rs], 2)} |")
    print("unit: MB moved for TCP_STREAM/TCP_MAERTS (Mbit/s), 1000 transactions for TCP_RR (/s)")
    for c, t in missing:
        print(f"bench-table: no run of {c} {t}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
