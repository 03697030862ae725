#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""verdict.py: CI's verdict on one `meson test` run, failing closed.

  verdict.py run BUILD [--benchmark] [--allow-skip SUITE]... [--result FILE]
                   [--sanitizer-logs DIR] [--scan-logs DIR] SUITE...
      meson test --list for SUITE... (what is registered), then meson test itself, then the
      count below.
  verdict.py count LOG STATUS REGISTERED [--allow-skip SUITE]...
      LOG: meson's testlog.json; STATUS: meson test's exit status; REGISTERED: a file with
      `meson test --list`'s output (one test a line).

Prints the reasons for every failure it finds on stderr, each line starting "verdict:", and
"P F S" (passed, failed, skipped) as its last line on stdout (and into FILE with
--result FILE); exits 1 when F > 0.

A run is sound only when the log reads whole (every line JSON), holds a result for every
registered test, and agrees with meson's exit status. Otherwise the count adds one failure
naming the cause: a cut-off log, an empty one, fewer results than registered tests, or a
non-zero status with no failed test to show for it. A skipped test counts as a failure,
unless its suite was named with --allow-skip: a skip of a suite CI is meant to run is a
check that did not run.
"""
import json
import os
import re
import shutil
import subprocess
import sys

GOOD = ("OK", "EXPECTEDFAIL")


def short(name):
    """'dpdk-netback:unit / lro' (and the bare 'lro' of a benchmark's --list) -> 'lro'."""
    return name.split(" / ")[-1].strip()


def suites_of(entry):
    """A testlog entry's suites without the project prefix: from its "suite" list when the
    log has one, and from its name, 'PROJECT:SUITE / NAME' (meson 1.0's log has no list)."""
    suites = {s.split(":")[-1] for s in entry.get("suite") or []}
    head = entry["name"].split(" / ")[0]
    if " / " in entry["name"] and ":" in head:
        suites.add(head.split(":")[-1])
    return suites


def count(log_path, status, registered, allow_skip):
    """Return (passed, failed, skipped, reasons) for one meson test run."""
    passed = failed = skipped = 0
    reasons = []
    seen = []
    try:
        with open(log_path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError as e:
        lines = []
        reasons.append(f"no test log {log_path}: {e.strerror}")
        failed += 1
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            result, name = entry["result"], entry["name"]
        except (ValueError, KeyError, TypeError) as e:
            reasons.append(f"{log_path} line {n} unreadable (a cut-off log?): {e}")
            failed += 1
            continue
        seen.append(short(name))
        if result in GOOD:
            passed += 1
        elif result == "SKIP" and suites_of(entry) & set(allow_skip):
            skipped += 1
            reasons.append(f"{name} skipped (suite allowed to skip)")
        elif result == "SKIP":
            failed += 1
            reasons.append(f"{name} skipped: a suite CI runs did not run (exit 77)")
        else:
            failed += 1
            reasons.append(f"{name} {result} (exit status {entry.get('returncode')})")
    missing = [t for t in registered if t not in seen]
    if not registered:
        reasons.append("no test registered for the suites asked")
        failed += 1
    elif missing:
        reasons.append(f"{len(seen)} results for {len(registered)} registered tests; "
                       f"no result for: {' '.join(missing)}")
        failed += 1
    if status != 0 and failed == 0:
        reasons.append(f"meson test exited {status} though its log shows no failure")
        failed += 1
    return passed, failed, skipped, reasons


def sanitizer_reports(logs):
    """One failure (and its first lines, printed) per report file under @logs."""
    reasons = []
    for name in sorted(os.listdir(logs)):
        with open(os.path.join(logs, name), errors="replace") as f:
            head = f.read().splitlines()[:40]
        summary = next((l for l in head if l.startswith("SUMMARY")), head[0] if head else "")
        reasons.append(f"sanitizer report {logs}/{name}: {summary}")
        print("\n".join(head), file=sys.stderr)
    return reasons


# A sanitizer report's first line: UBSan's "file:line:col: runtime error: ...", ASan's and
# LSan's "==PID==ERROR: ...Sanitizer".
REPORT = re.compile(r"(: runtime error: |==[0-9]+==ERROR: [A-Za-z]*Sanitizer)")


def logs_with_reports(top):
    """One failure per log under @top holding a sanitizer report (its first such line)."""
    reasons = []
    for d, _, files in sorted(os.walk(top)):
        for name in sorted(files):
            path = os.path.join(d, name)
            with open(path, errors="replace") as f:
                hit = next((l.rstrip() for l in f if REPORT.search(l)), None)
            if hit:
                reasons.append(f"sanitizer report in {path}: {hit[:200]}")
    return reasons


def registered_tests(build, benchmark, suites):
    cmd = ["meson", "test", "-C", build, "--list", "--no-rebuild"]
    cmd += ["--benchmark"] if benchmark else []
    for s in suites:
        cmd += ["--suite", s]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        return []
    return [short(l) for l in out.stdout.splitlines() if l.strip()]


def main(argv):
    allow = []
    args = []
    result_file = None
    san_logs = None
    scan_logs = None
    benchmark = False
    it = iter(argv[1:])
    for a in it:
        if a == "--allow-skip":
            allow.append(next(it))
        elif a == "--sanitizer-logs":
            san_logs = next(it)
        elif a == "--scan-logs":
            scan_logs = next(it)
        elif a == "--result":
            result_file = next(it)
        elif a == "--benchmark":
            benchmark = True
        else:
            args.append(a)
    if len(args) >= 2 and args[0] == "run":
        build, suites = args[1], args[2:]
        registered = registered_tests(build, benchmark, suites)
        log = f"{build}/meson-logs/testlog.json"
        try:
            os.unlink(log)
        except FileNotFoundError:
            pass
        cmd = ["meson", "test", "-C", build, "--print-errorlogs"]
        cmd += ["--benchmark", "--verbose"] if benchmark else ["--num-processes", "2"]
        for s in suites:
            cmd += ["--suite", s]
        for d in (san_logs, scan_logs):
            if d:
                shutil.rmtree(d, ignore_errors=True)
                os.makedirs(d)
        sys.stdout.flush()
        status = subprocess.run(cmd).returncode
    elif len(args) == 4 and args[0] == "count":
        log, status = args[1], int(args[2])
        with open(args[3]) as f:
            registered = [short(l) for l in f if l.strip()]
    else:
        sys.stderr.write(__doc__)
        return 2
    p, f, s, reasons = count(log, status, registered, allow)
    if san_logs:
        found = sanitizer_reports(san_logs)
        f += len(found)
        reasons += found
    if scan_logs:
        found = logs_with_reports(scan_logs)
        f += len(found)
        reasons += found
    for r in reasons:
        print(f"verdict: {r}", file=sys.stderr)
    sys.stderr.flush()
    print(p, f, s)
    if result_file:
        with open(result_file, "w") as out:
            out.write(f"{p} {f} {s}\n")
    return 1 if f else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
