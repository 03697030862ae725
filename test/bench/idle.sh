#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# #16: what dpdk-netback costs when nothing happens, and what sleeping costs the traffic
# (BENCHMARKS.md, "Idle"). On the sim test bed (root), DNB_GUESTS connected guests (default
# 8), a silent wire; for each --idle-sleep-us in DNB_SLEEPS (default "500 0": the default,
# and pure polling), DNB_REPEAT times (default 3):
#  - the service's CPU over DNB_IDLE_SECONDS (default 10) idle, from /proc/PID/stat, in % of
#    one core;
#  - ping round trips wire -> guest 1 at 5 per second (each one finds the worker asleep);
#  - netperf TCP_RR wire -> guest 1 for 5 s, transactions/s.
# Prints one "idle: ..." line per run, then median [min-max] per setting. Not in CI.
set -uo pipefail
. "$(dirname "$0")/../e2e/lib.sh"
guests=${DNB_GUESTS:-8}
read -r -a sleeps <<<"${DNB_SLEEPS:-500 0}"
repeat=${DNB_REPEAT:-3}
secs=${DNB_IDLE_SECONDS:-10}
export E2E_ON_EXIT=keep # the next run resumes the guests
e2e_init "id$((RANDOM % 100000))"
e2e_bed_up "$guests"
g1=$(e2e_guest_ip 1)
hz=$(getconf CLK_TCK)
out=$E2E_STATE/idle.runs
: >"$out"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

one_run() { # one_run SLEEP_US
	local t0 t1 rtt rr
	e2e_netback_start --lro chain --idle-sleep-us "$1"
	for ((k = 1; k <= guests; k++)); do e2e_wait_connected "$k"; done
	e2e_in_guest 1 netserver -D -p 12865 >/dev/null 2>&1 &
	sleep 2
	t0=$(cpu_ticks "$E2E_NETBACK_PID") || e2e_fail "no /proc/$E2E_NETBACK_PID/stat"
	sleep "$secs"
	t1=$(cpu_ticks "$E2E_NETBACK_PID") || e2e_fail "no /proc/$E2E_NETBACK_PID/stat"
	rtt=$(e2e_in_wire ping -n -q -c 20 -i 0.2 "$g1" | awk -F/ '/^rtt/ { print $5 }')
	[ -n "$rtt" ] || e2e_fail "ping wire -> guest 1 gave no round-trip time"
	rr=$(e2e_in_wire netperf -H "$g1" -t TCP_RR -l 5 -P 0 -- -r 1,1 | awk 'NF >= 6 { print $6 }')
	[ -n "$rr" ] || e2e_fail "netperf TCP_RR gave no result"
	pkill -f "netserver -D -p 12865" 2>/dev/null
	e2e_netback_stop
	echo "idle: sleep_us $1 cpu_pct $(awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s="$secs" \
		'BEGIN { printf "%.2f", (b - a) * 100 / hz / s }') rtt_ms $rtt rr_per_s $rr" |
		tee -a "$out"
}

for ((i = 0; i < repeat; i++)); do
	for s in "${sleeps[@]}"; do one_run "$s"; done
done
python3 - "$out" "$guests" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    w = line.split()  # idle: sleep_us S cpu_pct C rtt_ms R rr_per_s T
    runs.setdefault(int(w[2]), []).append((float(w[4]), float(w[6]), float(w[8])))
def fmt(v, f="%.2f"):
    return (f + " [" + f + "-" + f + "]") % (statistics.median(v), min(v), max(v))
print("\n%s idle guests, silent wire; median [min-max] of %d runs" %
      (sys.argv[2], min(len(r) for r in runs.values())))
print("| --idle-sleep-us | CPU idle, % of a core | ping wire->guest, ms | TCP_RR, trans/s |")
print("| --- | --- | --- | --- |")
for s, r in sorted(runs.items(), reverse=True):
    print("| %d | %s | %s | %s |" % (s, fmt([x[0] for x in r]), fmt([x[1] for x in r], "%.3f"),
                                     fmt([x[2] for x in r], "%.0f")))
PY
