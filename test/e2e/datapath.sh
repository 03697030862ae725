#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e: dpdk-netback between the wire (net_af_packet on a veth) and one simulated guest.
#   datapath.sh [--lro MODE] [--vif-queues N] [--workers N] [GUEST-OPTS...]
# Ping both ways (IPv4 and IPv6); over IPv4 and over IPv6, a byte-exact TCP stream each way
# (sha256 equal) and netperf TCP_STREAM, TCP_MAERTS, TCP_RR and UDP_RR from the guest, with
# the IPv6/IPv4 ratio of each printed (and a failure if IPv6 TCP out of the guest falls
# under a quarter of IPv4's: #20, it was 1/9000 while IPv6 TSO was dropped); then SIGTERM:
# a clean exit and the guest sees its backend close (its netfront goes Closed).
# --workers N (default 1): the service reports N forwarding workers; with more than one
# (E2E_LCORES), the wire and the vif are owned by different workers, so the streams must
# have crossed the hand-off rings both ways (telemetry handoff_pkts on each port).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
lro=chain
queues=1
workers=1
while :; do
	case ${1:-} in
	--lro) lro=$2; shift 2 ;;
	--vif-queues) queues=$2; shift 2 ;;
	--workers) workers=$2; shift 2 ;;
	*) break ;;
	esac
done
name=dp$$
e2e_init "${name:0:8}"

e2e_bed_up 1 "$@"
e2e_netback_start --lro "$lro" --vif-queues "$queues"
e2e_wait_connected 1
grep -q "vif1.0: connected, $queues queue(s)" "$E2E_STATE/netback.log" ||
	e2e_fail "vif1.0 did not connect with $queues queue(s)"
grep -q "forwarding on $workers worker lcore(s)" "$E2E_STATE/netback.log" ||
	e2e_fail "not $workers worker(s): $(grep 'forwarding on' "$E2E_STATE/netback.log")"
g=$(e2e_guest_ip 1)

e2e_in_wire ping -c 3 -i 0.2 -W 2 "$g" >/dev/null || e2e_fail "ping wire -> guest"
e2e_in_guest 1 ping -c 3 -i 0.2 -W 2 10.99.0.1 >/dev/null || e2e_fail "ping guest -> wire"
e2e_in_wire ping -6 -c 3 -i 0.2 -W 2 fd99::11 >/dev/null || e2e_fail "ping6 wire -> guest"
e2e_in_guest 1 ping -6 -c 3 -i 0.2 -W 2 fd99::1 >/dev/null || e2e_fail "ping6 guest -> wire"
e2e_log "ping ok"

e2e_stream "$E2E_WIRE_NS" "$(e2e_guest_ns 1)" "$g" "stream wire -> guest"
e2e_stream "$(e2e_guest_ns 1)" "$E2E_WIRE_NS" 10.99.0.1 "stream guest -> wire"
e2e_stream "$E2E_WIRE_NS" "$(e2e_guest_ns 1)" "$(e2e_guest_ip6 1)" "stream6 wire -> guest"
e2e_stream "$(e2e_guest_ns 1)" "$E2E_WIRE_NS" fd99::1 "stream6 guest -> wire"
if [ "$workers" -gt 1 ]; then
	# Each stream is at least DNB_STREAM_BYTES / 64 KiB frames through the other worker's
	# ring (aggregates are at most 64 KiB; fewer would mean the ring was bypassed).
	min=$((${DNB_STREAM_BYTES:-268435456} / 65536))
	vport=$(e2e_port_of 1)
	[ -n "$vport" ] || e2e_fail "no port for vif1.0 in the log"
	for p in 0 "$vport"; do
		h=$(e2e_stat "$p" handoff_pkts) || e2e_fail "telemetry /dpdk_netback/stats,$p"
		[[ "$h" =~ ^[0-9]+$ ]] && [ "$h" -ge "$min" ] ||
			e2e_fail "port $p: '$h' frames through its hand-off ring, expected at least $min"
		e2e_log "port $p: $h frames from the other worker's hand-off ring"
	done
fi

# #16: a multi-queue guest's frames spread over its queues by flow (xenvif_select_queue):
# eight flows into it at once, byte-exact, and every queue received some.
queue_rx() { # queue_rx Q: guest_rx_packets of queue Q of guest 1's vif
	e2e_telemetry "/ethdev/xstats,$(e2e_port_of 1)" | python3 -c \
		"import json,sys; print(json.load(sys.stdin)['/ethdev/xstats']['q$1_guest_rx_packets'])"
}
if [ "$queues" -gt 1 ]; then
	stream=$e2e_top/test/e2e/stream.py
	declare -a before srv cli
	for ((q = 0; q < queues; q++)); do before[q]=$(queue_rx "$q") || e2e_fail "xstats q$q"; done
	for f in 1 2 3 4 5 6 7 8; do
		e2e_in_guest 1 python3 "$stream" serve "52$f" >"$E2E_STATE/flow$f.srv" &
		srv[f]=$!
	done
	for f in 1 2 3 4 5 6 7 8; do e2e_listen_wait "$(e2e_guest_ns 1)" "52$f"; done
	for f in 1 2 3 4 5 6 7 8; do
		e2e_in_wire timeout 120 python3 "$stream" send "$g" "52$f" 4194304 >"$E2E_STATE/flow$f.cli" &
		cli[f]=$!
	done
	wait "${srv[@]}" || e2e_fail "a flow's receiver failed"
	wait "${cli[@]}" || e2e_fail "a flow's sender failed"
	for f in 1 2 3 4 5 6 7 8; do
		[ "$(cat "$E2E_STATE/flow$f.cli")" = "$(cat "$E2E_STATE/flow$f.srv")" ] ||
			e2e_fail "flow $f: not byte-exact"
	done
	spread=
	for ((q = 0; q < queues; q++)); do
		n=$(($(queue_rx "$q") - before[q]))
		spread+=" q$q:$n"
		[ "$n" -gt 0 ] || e2e_fail "queue $q received nothing of 8 flows (spread:$spread)"
	done
	e2e_log "8 flows into the guest, packets per queue:$spread"
fi

e2e_netservers "$E2E_WIRE_NS" "$(e2e_guest_ns 1)"
for t in TCP_STREAM TCP_MAERTS TCP_RR UDP_RR; do
	v4=$(e2e_netperf "$(e2e_guest_ns 1)" 10.99.0.1 "$t") || e2e_fail "netperf $t: $v4"
	v6=$(e2e_netperf "$(e2e_guest_ns 1)" fd99::1 "$t") || e2e_fail "netperf $t over IPv6: $v6"
	e2e_log "netperf $t (guest -> wire host): IPv4 $v4, IPv6 $v6, IPv6/IPv4 $(e2e_ratio "$v6" "$v4")"
	if [ "$t" = TCP_STREAM ] && [ "$(e2e_ratio "$v6" "$v4")" \< 0.25 ]; then
		e2e_fail "netperf TCP_STREAM over IPv6 under a quarter of IPv4's"
	fi
done
e2e_log "vif port: $(e2e_telemetry "/dpdk_netback/stats,$(e2e_port_of 1)" | grep -oE '"(gso_segs|tx_drop_gso[a-z_]*)": [0-9]+' | tr '\n' ' ')"
e2e_log "wire port: $(e2e_telemetry "/dpdk_netback/stats,0" | grep -oE '"(gso_segs|tx_drop_gso[a-z_]*)": [0-9]+' | tr '\n' ' ')"
e2e_netback_stop
[ "$(e2e_xs_read /local/domain/0/backend/vif/1/0/state)" = 6 ] ||
	e2e_fail "backend state after SIGTERM: $(e2e_xs_read /local/domain/0/backend/vif/1/0/state), not 6"
# The guest saw its backend close: its netfront left Connected for Closed.
e2e_wait_for 5 grep -q 'frontend state 6 (backend [56])' "$E2E_STATE/guest1.log" ||
	e2e_fail "the guest's netfront did not close: $(grep 'frontend state' "$E2E_STATE/guest1.log" | tail -n 3 | tr '\n' ';')"
echo "PASS: datapath (--lro $lro)"
