#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The study's method, on the test bed: netperf between the wire namespace and a guest
# namespace, through dpdk-netback with --lro off, linearize and chain, and through the Linux
# kernel path (the same wire veth into a Linux bridge, a veth into the same kind of guest
# namespace) as the peer, in one run.
#   compare.sh [--seconds N] [--iterations MAX]
# Prints "name: value" lines, then a table. Throughput carries netperf's confidence interval
# (-I 95,10 -i MAX,3). CPU cost per byte:
#   dom0_cycles_per_byte  dpdk-netback's worker cycles in loop passes that moved packets
#                         (telemetry busy_cycles), per byte moved;
#   domu_cycles_per_byte  the simulated guest process's CPU time (utime+stime) per byte;
#   machine_cycles_per_byte  all CPU time of the machine (/proc/stat, idle excluded) per byte:
#                         for dpdk-netback it includes the polling worker's empty passes;
#   segs_per_aggregate    the study's "LRO rate": packets the wire port's LRO took in per
#                         packet it gave out, during the stream into the guest (not for off).
# Bytes are netperf's throughput x seconds x iterations. CPU time becomes cycles at the TSC
# rate dpdk-netback's own cycle counters run at (telemetry tsc_hz, the EAL's; the bridge
# run uses the one read in the dpdk-netback runs before it), never a nominal clock.
# It asserts nothing about speed; it fails when a run cannot be made or a figure cannot be
# measured (a telemetry read, a process's CPU time, a netperf field): a figure that was not
# measured is an error, never a 0 or a 1 printed in its place.
set -uo pipefail
# shellcheck source=test/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"
secs=3
iters=3
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) secs=$2; shift 2 ;;
	--iterations) iters=$2; shift 2 ;;
	-h | --help) sed -n '3,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "compare.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
done
tsc_hz= # read from the first dpdk-netback run (read_tsc_hz)
clk_tck=$(getconf CLK_TCK)

# number WHAT VALUE: VALUE if it is a non-negative number, else the run fails naming WHAT
number() {
	[[ "$2" =~ ^[0-9]+(\.[0-9]+)?$ ]] || e2e_fail "$1: '$2' is not a measured figure"
	echo "$2"
}
machine_busy() { number "/proc/stat busy time" "$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat)"; }
proc_cpu() { number "CPU time of pid $1" "$(awk '{print $14 + $15}' "/proc/$1/stat" 2>&1)"; }
read_tsc_hz() {
	local hz
	hz=$(e2e_stat 0 tsc_hz) && [ "$hz" -gt 0 ] || e2e_fail "the TSC rate (telemetry tsc_hz) unreadable (above)"
	[ -z "$tsc_hz" ] && e2e_log "TSC rate (dpdk-netback's telemetry tsc_hz): $hz Hz"
	tsc_hz=$hz
}

# netperf_run NS HOST TEST -> "throughput measured_confidence_width% iterations"
netperf_run() {
	ip netns exec "$1" netperf -H "$2" -t "$3" -l "$secs" -i "$iters,3" -I 95,10 -P 0 -- \
		-o THROUGHPUT,THROUGHPUT_CONFID,CONFIDENCE_ITERATION 2>&1 | tail -n 1 | tr ',' ' '
}

results=()
emit() { # emit NAME VALUE
	printf '%s: %s\n' "$1" "$2"
	results+=("$1=$2")
}

# measure CONFIG NS HOST TEST LABEL [NETBACK_PID GUEST_PID]
measure() {
	local cfg=$1 ns=$2 host=$3 test=$4 label=$5 m0 m1 b0 b1 g0 g1 tput conf iter bytes
	local l0 l1
	local line
	m0=$(machine_busy) || exit 1
	if [ "$cfg" != bridge ]; then
		b0=$(busy_cycles) || exit 1
		g0=$(proc_cpu "$guest_pid") || exit 1
		l0=$(lro_counts "$cfg") || exit 1
	fi
	line=$(netperf_run "$ns" "$host" "$test")
	read -r tput conf iter <<<"$line"
	m1=$(machine_busy) || exit 1
	if [ "$cfg" != bridge ]; then
		b1=$(busy_cycles) || exit 1
		g1=$(proc_cpu "$guest_pid") || exit 1
		l1=$(lro_counts "$cfg") || exit 1
	fi
	number "netperf $test for $cfg: throughput (its output: $line)" "${tput:-}" >/dev/null || exit 1
	number "netperf $test for $cfg: confidence (its output: $line)" "${conf:-}" >/dev/null || exit 1
	number "netperf $test for $cfg: iterations (its output: $line)" "${iter:-}" >/dev/null || exit 1
	emit "${cfg}_${label}" "$tput"
	emit "${cfg}_${label}_confidence_pct" "$conf"
	emit "${cfg}_${label}_iterations" "$iter"
	[ "$test" = TCP_RR ] && return 0
	if [ "$cfg" = linearize ] || [ "$cfg" = chain ]; then
		set -- $l0 $l1
		[ "$4" -gt "$2" ] || e2e_fail "$cfg: the wire port's LRO gave out no packet during $test ($l0 -> $l1)"
		emit "${cfg}_${label}_segs_per_aggregate" "$(python3 -c "print(round(($3 - $1) / ($4 - $2), 2))")"
	fi
	bytes=$(python3 -c "print($tput * 1e6 / 8 * $secs * $iter)")
	emit "${cfg}_${label}_machine_cycles_per_byte" \
		"$(python3 -c "print(round(($m1 - $m0) / $clk_tck * $tsc_hz / $bytes, 3))")"
	if [ "$cfg" != bridge ]; then
		emit "${cfg}_${label}_dom0_cycles_per_byte" \
			"$(python3 -c "print(round(($b1 - $b0) / $bytes, 3))")"
		emit "${cfg}_${label}_domu_cycles_per_byte" \
			"$(python3 -c "print(round(($g1 - $g0) / $clk_tck * $tsc_hz / $bytes, 3))")"
	fi
}

# lro_counts CONFIG: "packets-in packets-out" of the wire port's LRO ("0 0" for --lro off,
# which has none); a failed read fails the run.
lro_counts() {
	local i o
	[ "$1" = off ] && { echo "0 0"; return 0; }
	i=$(e2e_stat 0 lro_pkts_in) || e2e_fail "$1: telemetry lro_pkts_in unreadable (above)"
	o=$(e2e_stat 0 lro_pkts_out) || e2e_fail "$1: telemetry lro_pkts_out unreadable (above)"
	echo "$i $o"
}

# busy_cycles: dpdk-netback's worker cycles in passes that moved packets, both ports
busy_cycles() {
	local total=0 p v
	for p in 0 1; do
		v=$(e2e_stat "$p" busy_cycles) || e2e_fail "telemetry busy_cycles of port $p unreadable (above)"
		total=$((total + v))
	done
	echo "$total"
}

run_set() { # run_set CONFIG: the three netperf tests
	local cfg=$1 g
	g=$(e2e_guest_ip 1)
	measure "$cfg" "$E2E_WIRE_NS" "$g" TCP_STREAM stream_in_mbps
	measure "$cfg" "$(e2e_guest_ns 1)" 10.99.0.1 TCP_STREAM stream_out_mbps
	measure "$cfg" "$(e2e_guest_ns 1)" 10.99.0.1 TCP_RR rr_tps
}

name=np$$
e2e_init "${name:0:8}"
for lro in off linearize chain; do
	e2e_bed_up 1
	e2e_netback_start --lro "$lro"
	e2e_wait_connected 1
	guest_pid=$(pgrep -f "dnb-guest --domid 1 --sim-dir $E2E_STATE/" | head -n 1)
	[ -n "$guest_pid" ] || e2e_fail "no dnb-guest process for guest 1"
	read_tsc_hz
	e2e_in_wire netserver -D -p 12865 >/dev/null 2>&1 &
	e2e_in_guest 1 netserver -D -p 12865 >/dev/null 2>&1 &
	sleep 0.5
	run_set "$lro"
	e2e_netback_stop
	bash "$e2e_bed" -n "$E2E_NAME" down >/dev/null || e2e_fail "the test bed after --lro $lro (above)"
done

# The Linux peer: the same wire veth enslaved to a bridge, a veth into the guest namespace.
e2e_bed_up 1
bash "$e2e_bed" -n "$E2E_NAME" guest-stop 1 >/dev/null || e2e_fail "guest 1's stop (above)"
guest_pid=
gns=$(e2e_guest_ns 1)
ip netns add "$gns"
ip -n "$gns" link set lo up
ip link add "$E2E_NAME-br" type bridge
ip link set "$E2E_NAME-br" up
ip link set "$E2E_NAME-w0" master "$E2E_NAME-br"
ip link add "$E2E_NAME-v0" type veth peer name eth0 netns "$gns"
ip link set "$E2E_NAME-v0" master "$E2E_NAME-br" up
ip -n "$gns" addr add "$(e2e_guest_ip 1)/24" dev eth0
ip -n "$gns" link set eth0 up
trap 'ip link del "$E2E_NAME-br" 2>/dev/null; ip link del "$E2E_NAME-v0" 2>/dev/null; e2e_cleanup' EXIT
e2e_in_wire netserver -D -p 12865 >/dev/null 2>&1 &
e2e_in_guest 1 netserver -D -p 12865 >/dev/null 2>&1 &
sleep 1
e2e_in_wire ping -c 2 -W 2 "$(e2e_guest_ip 1)" >/dev/null || e2e_fail "bridge peer: no ping"
run_set bridge

ratio() {
	number "ratio numerator" "$1" >/dev/null && number "ratio denominator" "$2" >/dev/null || exit 1
	python3 -c "a=$1; b=$2; print(round(a / b, 2) if b else 'n/a')"
}
# get NAME: an emitted figure, or "-" where there is none (segs/agg of off, the bridge's Dom0)
get() {
	local r
	for r in "${results[@]}"; do [ "${r%%=*}" = "$1" ] && { echo "${r#*=}"; return; }; done
	echo -
}
for t in stream_in_mbps stream_out_mbps rr_tps; do
	emit "chain_vs_bridge_$t" "$(ratio "$(get "chain_$t")" "$(get "bridge_$t")")"
done
echo
printf '%-10s %14s %10s %14s %10s %22s %22s\n' config "in Mbit/s" "segs/agg" "out Mbit/s" \
	"RR/s" "in dom0/domu c/B" "in machine c/B"
for c in off linearize chain bridge; do
	printf '%-10s %14s %10s %14s %10s %22s %22s\n' "$c" "$(get "${c}_stream_in_mbps")" \
		"$(get "${c}_stream_in_mbps_segs_per_aggregate")" \
		"$(get "${c}_stream_out_mbps")" "$(get "${c}_rr_tps")" \
		"$(get "${c}_stream_in_mbps_dom0_cycles_per_byte")/$(get "${c}_stream_in_mbps_domu_cycles_per_byte")" \
		"$(get "${c}_stream_in_mbps_machine_cycles_per_byte")"
done
