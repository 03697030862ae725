#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Repeat the benchmarks and print BENCHMARKS.md's tables (Markdown) with their spread.

    summary.py [--build DIR] [--runs N] [--netperf-runs M] [--netperf-seconds S]

Runs dpdk-netback-bench --json N times (each run is already best of 3 per configuration)
and test/netperf/compare.sh M times (root: namespaces), then prints, for each figure, the
median of the runs and [min-max] across them, beside the study's published table and
librte_gro and the Linux bridge path measured in the same runs, with the ratios.

The study's figures are its own (shared/seed, section 4: GbE, netperf, OProfile, a Dell
PowerEdge 440 receiver); they are quoted, not measured here. Every other figure is printed
by the programs this script runs. It asserts nothing about speed.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))

# The study: throughput Mbit/s, LRO rate (segments per aggregate), Dom0 and DomU cycles per
# byte, for "Xen" (no LRO), "LRO" (bridge linearizes), "Optimized" (netback takes the frags).
STUDY = {
    "off": {"mbps": 574.45, "segs": 1.00, "dom0": 12.72, "domu": 8.97},
    "linearize": {"mbps": 588.65, "segs": 2.49, "dom0": 13.51, "domu": 7.08},
    "chain": {"mbps": 588.47, "segs": 2.43, "dom0": 12.64, "domu": 7.78},
}
CONFIGS = ("off", "linearize", "chain")


def run_bench(build, runs):
    exe = os.path.join(build, "test", "bench", "dpdk-netback-bench")
    out = []
    for i in range(runs):
        print(f"summary: dpdk-netback-bench run {i + 1}/{runs}", file=sys.stderr)
        res = subprocess.run([exe, "--json"], capture_output=True, text=True, check=False)
        if res.returncode != 0:
            sys.exit(f"summary: dpdk-netback-bench failed:\n{res.stderr}")
        out.append(json.loads(res.stdout))
    return out


def run_netperf(build, runs, seconds):
    out = []
    env = dict(os.environ, DNB_BUILD=build)
    script = os.path.join(TOP, "test", "netperf", "compare.sh")
    for i in range(runs):
        print(f"summary: netperf comparison run {i + 1}/{runs}", file=sys.stderr)
        res = subprocess.run(["bash", script, "--seconds", str(seconds)], env=env,
                             capture_output=True, text=True, check=False)
        if res.returncode != 0:
            sys.exit(f"summary: compare.sh failed:\n{res.stdout[-2000:]}{res.stderr[-2000:]}")
        kv = {}
        for line in res.stdout.splitlines():
            name, sep, value = line.partition(": ")
            if sep and " " not in name:
                try:
                    kv[name] = float(value)
                except ValueError:
                    pass
        out.append(kv)
    return out


def values(runs, key):
    return [r[key] for r in runs if key in r]


def fmt(runs, key, prec):
    """median [min-max] of a figure across runs, or '-' when no run printed it."""
    v = values(runs, key)
    if not v:
        return "-"
    med = statistics.median(v)
    if len(v) == 1:
        return f"{med:.{prec}f}"
    return f"{med:.{prec}f} [{min(v):.{prec}f}-{max(v):.{prec}f}]"


def med(runs, key):
    v = values(runs, key)
    return statistics.median(v) if v else None


def ratio(a, b, prec=2):
    if a is None or b is None or b == 0:
        return "-"
    return f"{a / b:.{prec}f}"


def study_table(bench, netperf):
    print("### The study's table beside dpdk-netback's\n")
    print("| figure | config | study | dpdk-netback, netperf on the test bed | "
          "ratio | dpdk-netback, pipeline bench | ratio |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    rows = (
        ("throughput into the guest (Mbit/s)", "mbps", "_stream_in_mbps", "_gbps", 1000, 1),
        ("LRO rate (segments per aggregate)", "segs", "_stream_in_mbps_segs_per_aggregate",
         "_segs_per_aggregate", 1, 2),
        ("Dom0 cycles per byte", "dom0", "_stream_in_mbps_dom0_cycles_per_byte",
         "_dom0_cycles_per_byte", 1, 3),
        ("DomU cycles per byte", "domu", "_stream_in_mbps_domu_cycles_per_byte",
         "_domu_cycles_per_byte", 1, 3),
    )
    for label, sk, nk, bk, scale, prec in rows:
        for c in CONFIGS:
            s = STUDY[c][sk]
            n = med(netperf, c + nk)
            b = med(bench, c + bk)
            b = b * scale if b is not None else None
            # for costs, the ratio is how many times cheaper (study / ours)
            cost = sk in ("dom0", "domu")
            rn = ratio(s, n) if cost else ratio(n, s)
            rb = ratio(s, b) if cost else ratio(b, s)
            ntext = fmt(netperf, c + nk, prec) if netperf else "-"
            btext = f"{b:.{prec}f}" if b is not None else "-"
            print(f"| {label} | {c} | {s} | {ntext} | {rn} | {btext} | {rb} |")
    print("\nRatios: throughput and LRO rate ours / study; cycles per byte study / ours "
          "(how many times cheaper). Pipeline throughput is in Mbit/s here (Gbit/s x 1000).\n")


def pipeline_table(bench):
    print("### The pipeline at saturation (dpdk-netback-bench)\n")
    print("| config | Gbit/s | segs/aggregate | slots/packet | Dom0 c/B | DomU c/B | "
          "grant-copy segs/batch |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for c in ("off", "linearize", "chain", "rte_gro", "naive", "naive_ref"):
        print(f"| {c} | {fmt(bench, c + '_gbps', 2)} | "
              f"{fmt(bench, c + '_segs_per_aggregate', 2)} | "
              f"{fmt(bench, c + '_slots_per_packet', 2)} | "
              f"{fmt(bench, c + '_dom0_cycles_per_byte', 3)} | "
              f"{fmt(bench, c + '_domu_cycles_per_byte', 3)} | "
              f"{fmt(bench, c + '_gcopy_segs_per_batch', 1)} |")
    print(f"\nchain / librte_gro throughput: "
          f"{ratio(med(bench, 'chain_gbps'), med(bench, 'rte_gro_gbps'))}; "
          f"DomU cycles/byte chain vs linearize: "
          f"{fmt(bench, 'chain_vs_linearize_domu_pct', 1)} %; "
          f"naive layout vs packed: {fmt(bench, 'naive_vs_packed_domu_pct', 1)} %.\n")
    print("| packet rate | Mpps | Dom0 cycles/packet | DomU cycles/packet |")
    print("| --- | --- | --- | --- |")
    for r in ("into_guest_64", "into_guest_1518", "from_guest_64", "from_guest_1518"):
        print(f"| {r} | {fmt(bench, r + '_mpps', 2)} | "
              f"{fmt(bench, r + '_dom0_cycles_per_packet', 1)} | "
              f"{fmt(bench, r + '_domu_cycles_per_packet', 1)} |")
    print("\n| guests / workers | Gbit/s (busiest worker's Dom0 time) | Gbit/s (wall) | "
          "Dom0 c/B | DomU c/B |")
    print("| --- | --- | --- | --- | --- |")
    for name, label in (("guests_1", "1 guest, 1 worker"), ("guests_2", "2 guests, 1 worker"),
                        ("guests_4", "4 guests, 1 worker"),
                        ("workers_2", "2 guests, 2 workers")):
        print(f"| {label} | {fmt(bench, name + '_gbps', 2)} | "
              f"{fmt(bench, name + '_gbps_wall', 2)} | "
              f"{fmt(bench, name + '_dom0_cycles_per_byte', 3)} | "
              f"{fmt(bench, name + '_domu_cycles_per_byte', 3)} |")
    print()


def netperf_table(netperf):
    print("### netperf: dpdk-netback beside the Linux bridge path (test/netperf/compare.sh)\n")
    print("| config | TCP_STREAM wire->guest Mbit/s | segs/aggregate | guest->wire Mbit/s | "
          "TCP_RR /s | in: Dom0 / DomU / machine c/B |")
    print("| --- | --- | --- | --- | --- | --- |")
    for c in CONFIGS + ("bridge",):
        k = c + "_stream_in_mbps"
        costs = " / ".join(fmt(netperf, k + s, 2) for s in
                           ("_dom0_cycles_per_byte", "_domu_cycles_per_byte",
                            "_machine_cycles_per_byte"))
        print(f"| {c} | {fmt(netperf, k, 0)} | {fmt(netperf, k + '_segs_per_aggregate', 1)} | "
              f"{fmt(netperf, c + '_stream_out_mbps', 0)} | {fmt(netperf, c + '_rr_tps', 0)} | "
              f"{costs} |")
    print("\n| dpdk-netback (chain) / bridge | into the guest | out of the guest | TCP_RR |")
    print("| --- | --- | --- | --- |")
    print("| ratio of medians | " + " | ".join(
        ratio(med(netperf, "chain_" + t), med(netperf, "bridge_" + t))
        for t in ("stream_in_mbps", "stream_out_mbps", "rr_tps")) + " |")
    print("| per run | " + " | ".join(
        ", ".join(fmt([r], "chain_vs_bridge_" + t, 2) for r in netperf)
        for t in ("stream_in_mbps", "stream_out_mbps", "rr_tps")) + " |\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(TOP, "build"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--netperf-runs", type=int, default=3)
    ap.add_argument("--netperf-seconds", type=int, default=3)
    a = ap.parse_args()
    if a.runs < 1 or a.netperf_runs < 0:
        ap.error("--runs must be >= 1 and --netperf-runs >= 0")
    bench = run_bench(a.build, a.runs)
    netperf = run_netperf(a.build, a.netperf_runs, a.netperf_seconds) if a.netperf_runs else []
    print(f"<!-- summary.py --runs {a.runs} --netperf-runs {a.netperf_runs}: median "
          f"[min-max] across runs -->\n")
    study_table(bench, netperf)
    pipeline_table(bench)
    if netperf:
        netperf_table(netperf)


if __name__ == "__main__":
    main()
