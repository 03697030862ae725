#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The good guest's byte-exact stream to the wire alone and beside a junk guest, per kind of
# junk, repeated (BENCHMARKS.md, isolation). Runs test/e2e/isolation_junk.sh (root, the sim
# test bed) DNB_REPEAT times per kind (default 3) and prints median [min-max] of each rate
# and of the ratio. Not in CI: ~20 s a run.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
repeat=${DNB_REPEAT:-3}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for kind in runt csum mcast gso runt,csum,mcast,gso; do
	for ((i = 0; i < repeat; i++)); do
		DNB_JUNK=$kind bash "$top/test/e2e/isolation_junk.sh" | grep '^isolation:' >>"$out" ||
			{ echo "isolation_junk.sh failed for $kind" >&2; exit 1; }
	done
done
python3 - "$out" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    w = line.split()  # isolation: junk KIND solo X MB/s beside Y MB/s
    runs.setdefault(w[2], []).append((float(w[4]), float(w[7])))
def fmt(v):
    return "%.1f [%.1f-%.1f]" % (statistics.median(v), min(v), max(v))
print("| junk kinds | solo MB/s | beside the junk guest MB/s | ratio |")
print("| --- | --- | --- | --- |")
for kind, r in runs.items():
    print("| %s | %s | %s | %s |" % (kind, fmt([a for a, _ in r]), fmt([b for _, b in r]),
          "%.2f [%.2f-%.2f]" % (statistics.median([b / a for a, b in r]),
                                 min(b / a for a, b in r), max(b / a for a, b in r))))
PY
