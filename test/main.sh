#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The main job: install and build, bring up the simulated Xen test bed (a wire namespace
# behind a veth, one simulated netfront guest), start dpdk-netback between them, and measure
# with netperf: TCP_STREAM into the guest, out of the guest, and TCP_RR. Then the study's
# comparison (test/netperf/compare.sh): the three --lro settings beside the Linux bridge
# path, with CPU cost per byte and the ratios (--no-compare skips it).
#   main.sh [--lro off|chain|linearize] [--seconds N] [--no-compare]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
lro=chain
secs=10
compare=1
while [ $# -gt 0 ]; do
	case $1 in
	--lro) lro=$2; shift 2 ;;
	--seconds) secs=$2; shift 2 ;;
	--no-compare) compare=0; shift ;;
	-h | --help) sed -n '3,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "main.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
done
bash "$top/config/setup.sh" "${DNB_BUILD:-$top/build}"
set +e
. "$top/test/e2e/lib.sh"
e2e_init dnbmain
e2e_bed_up 1
e2e_netback_start --lro "$lro" --stats 0
e2e_wait_connected 1
e2e_log "guest 1 connected through dpdk-netback (--lro $lro)"
e2e_in_wire netserver -D -p 12865 >/dev/null 2>&1 &
e2e_in_guest 1 netserver -D -p 12865 >/dev/null 2>&1 &
e2e_listen_wait "$E2E_WIRE_NS" 12865
e2e_listen_wait "$(e2e_guest_ns 1)" 12865

run() { # run LABEL NS HOST TEST UNITS-OPTION
	local out
	out=$(ip netns exec "$2" netperf -H "$3" -t "$4" -l "$secs" -P 0 -- -o THROUGHPUT,THROUGHPUT_UNITS 2>&1) ||
		e2e_fail "netperf $4: $out"
	printf '%-38s %s\n' "$1" "$out"
}
echo
echo "netperf through dpdk-netback (sim hypervisor, --lro $lro, $secs s each):"
run "TCP_STREAM wire -> guest" "$E2E_WIRE_NS" "$(e2e_guest_ip 1)" TCP_STREAM
run "TCP_STREAM guest -> wire" "$(e2e_guest_ns 1)" 10.99.0.1 TCP_STREAM
run "TCP_RR guest <-> wire (transactions/s)" "$(e2e_guest_ns 1)" 10.99.0.1 TCP_RR
e2e_netback_stop
echo
echo "dpdk-netback log:"
sed 's/^/  /' "$E2E_STATE/netback.log" | tail -n 20
[ "$compare" = 1 ] || exit 0
e2e_cleanup
trap - EXIT
echo
echo "The study's comparison: --lro off | linearize | chain beside the Linux bridge path"
echo "(test/netperf/compare.sh; BENCHMARKS.md explains the columns):"
DNB_BUILD=${DNB_BUILD:-$top/build} bash "$top/test/netperf/compare.sh" |
	awk '!/^[a-z_0-9]+: / || /_vs_bridge_/'
