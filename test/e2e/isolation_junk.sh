#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e (#12): a guest keeping its TX ring full of requests that deliver nothing (runts,
# csum_blank non-IP frames, multicast-add extras, GSO extras on non-TCP frames; dnb-guest
# --junk reposts each as soon as it is answered) beside a well-behaved guest on the same
# worker. The good guest's byte-exact stream to the wire keeps at least half of its solo
# rate; while the junk flows, telemetry answers, a third guest attaches (the port table's
# grace period), and SIGTERM ends the service within a second.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
name=ij$$
e2e_init "${name:0:8}"
bytes=${DNB_STREAM_BYTES:-536870912}
kinds=${DNB_JUNK:-runt,csum,mcast,gso} # dnb-guest --junk KINDS

e2e_bed_up 1
E2E_VIF_ARGS="--marked-vifs" e2e_netback_start --lro chain
e2e_wait_connected 1

now() { date +%s.%N; }
# rate LABEL: the good guest's byte-exact stream to the wire, in MB/s
rate() {
	local t0 t1
	t0=$(now)
	DNB_STREAM_BYTES=$bytes e2e_stream "$(e2e_guest_ns 1)" "$E2E_WIRE_NS" 10.99.0.1 "$1" >&2
	t1=$(now)
	python3 -c "print('%.1f' % ($bytes / 1e6 / ($t1 - $t0)))"
}

solo=$(rate "solo stream guest 1 -> wire") || exit 1
e2e_log "guest 1 alone: $solo MB/s"

bash "$e2e_bed" -n "$E2E_NAME" guest-start 2 -- --junk "$kinds" >/dev/null ||
	e2e_fail "junk guest did not start"
e2e_wait_connected 2
port2=$(e2e_port_of 2)
[ -n "$port2" ] || e2e_fail "no port for guest 2 in the log"
sleep 1
declare -A junk0 counter=([runt]=guest_tx_drop_runt [csum]=guest_tx_drop_csum
	[mcast]=guest_tx_mcast_add [gso]=guest_tx_drop_bad_gso)
for k in ${kinds//,/ }; do
	c=${counter[$k]}
	junk0[$c]=$(e2e_xstat "$port2" "$c") || e2e_fail "telemetry /ethdev/xstats,$port2 ($c)"
	[ -n "${junk0[$c]}" ] || e2e_fail "no $c"
done

with=$(rate "stream guest 1 -> wire beside the junk guest") || exit 1
e2e_log "guest 1 beside the junk guest: $with MB/s"
for c in "${!junk0[@]}"; do
	v=$(e2e_xstat "$port2" "$c")
	[ "${v:-0}" -gt "${junk0[$c]}" ] || e2e_fail "$c did not move (${junk0[$c]} -> $v): no junk"
	e2e_log "junk consumed meanwhile: $c ${junk0[$c]} -> $v"
done
python3 -c "import sys; sys.exit(0 if $with >= 0.5 * $solo else 1)" ||
	e2e_fail "guest 1 kept $with of $solo MB/s beside the junk guest (< 1/2)"
echo "isolation: junk $kinds solo $solo MB/s beside $with MB/s"

# The control plane goes on: telemetry, a new vif (its port-table update waits for every
# worker's pass), and SIGTERM.
t0=$(now)
timeout 2 bash -c ". '$e2e_top/test/e2e/lib.sh'; E2E_NAME=$E2E_NAME; e2e_telemetry /dpdk_netback/ports" |
	grep -q "$port2" || e2e_fail "telemetry did not answer within 2 s"
e2e_log "telemetry answered in $(python3 -c "print('%.3f' % ($(now) - $t0))") s"
bash "$e2e_bed" -n "$E2E_NAME" guest-start 3 >/dev/null || e2e_fail "guest 3 did not start"
e2e_wait_connected 3
e2e_in_guest 3 ping -c 2 -i 0.2 -W 2 10.99.0.1 >/dev/null || e2e_fail "guest 3 beside the junk guest"
t0=$(now)
e2e_netback_stop
t=$(python3 -c "print('%.3f' % ($(now) - $t0))")
e2e_log "SIGTERM to exit: $t s"
python3 -c "import sys; sys.exit(0 if $t < 1.0 else 1)" || e2e_fail "SIGTERM took $t s (>= 1 s)"
echo "PASS: a junk guest does not take the worker: $with of $solo MB/s, SIGTERM in $t s"
