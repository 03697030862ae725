#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# #14: the rate limiter's accuracy (BENCHMARKS.md, "rate="): on the sim test bed (root),
# guest 1 streams byte-exact to the wire with the backend's "rate" key set as libxl writes
# xl's rate=N Mb/s (N * 1e6 / 8 * 0.05 bytes per 50 ms), DNB_REPEAT times (default 3) per
# rate in DNB_RATES (Mbit/s, default "1 10 100 1000"), each stream DNB_RATE_SECONDS long at
# the configured rate (default 5). Prints achieved / configured, median [min-max]. Not in CI.
set -uo pipefail
. "$(dirname "$0")/../e2e/lib.sh"
read -r -a rates <<<"${DNB_RATES:-1 10 100 1000}"
repeat=${DNB_REPEAT:-3}
secs=${DNB_RATE_SECONDS:-5}
e2e_init "rb$((RANDOM % 100000))"
stream=$e2e_top/test/e2e/stream.py
be1=/local/domain/0/backend/vif/1/0
out=$E2E_STATE/rate.runs
: >"$out"
e2e_bed_up 1
e2e_netback_start --lro chain
e2e_wait_connected 1
port=6000
for mbit in "${rates[@]}"; do
	XENSTORED_PATH=$E2E_STATE/xenstored.sock xenstore-write "$be1/rate" \
		"$((mbit * 1000000 / 8 / 20)),50000" || e2e_fail "writing $be1/rate"
	e2e_wait_for 5 grep -q "guest TX rate: $((mbit * 1000000 / 8 / 20)) bytes" \
		"$E2E_STATE/netback.log" || e2e_fail "rate $mbit Mbit/s not applied"
	for ((i = 0; i < repeat; i++)); do
		port=$((port + 1))
		bytes=$((mbit * 1000000 / 8 * secs))
		e2e_in_wire python3 "$stream" serve "$port" >"$E2E_STATE/srv.out" &
		srv=$!
		e2e_listen_wait "$E2E_WIRE_NS" "$port"
		t0=$(date +%s.%N)
		sent=$(e2e_in_guest 1 timeout 300 python3 "$stream" send 10.99.0.1 "$port" "$bytes") ||
			e2e_fail "stream at $mbit Mbit/s"
		t1=$(date +%s.%N)
		wait "$srv" || e2e_fail "receiver at $mbit Mbit/s"
		[ "$sent" = "$(cat "$E2E_STATE/srv.out")" ] || e2e_fail "stream at $mbit Mbit/s not byte-exact"
		echo "rate: $mbit $(awk -v b="$bytes" -v a="$t0" -v z="$t1" \
			'BEGIN { printf "%.3f", b * 8 / (z - a) / 1e6 }')" | tee -a "$out"
	done
done
e2e_netback_stop
python3 - "$out" "$secs" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    w = line.split()  # rate: CONFIGURED ACHIEVED
    runs.setdefault(int(w[1]), []).append(float(w[2]))
print("\nstreams of %s s at the configured rate; median [min-max]" % sys.argv[2])
print("| rate= | achieved, Mbit/s | achieved / configured |")
print("| --- | --- | --- |")
for c, a in sorted(runs.items()):
    r = [x / c for x in a]
    print("| %d Mb/s | %.2f [%.2f-%.2f] | %.3f [%.3f-%.3f] |" % (
        c, statistics.median(a), min(a), max(a), statistics.median(r), min(r), max(r)))
PY
