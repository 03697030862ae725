#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e (#14 mtu): jumbo frames. The wire veth and its peer at MTU 9000, dpdk-netback with
# --mtu 9000 (the wire's MTU and the vifs' default, as a bridge's), net_af_packet with
# framesz=9216; guest 1 with every feature, guest 2 without GSO, both TAPs at 9000:
#  - ping -M do -s 8972 (a 9000-byte IP packet, never fragmented) wire <-> guest 1 and
#    guest 1 <-> guest 2, both ways;
#  - byte-exact streams wire <-> guest 1, and guest 1 -> guest 2 (its TSO packets segmented
#    in software at guest 2's MTU);
#  - a frame over the MTU (guest 1's TAP raised to 9100) is dropped and counted toward the
#    wire (tx_drop_oversize) and toward guest 2 (guest_rx_drop_oversize), not passed on;
#  - guest 2 reloaded without SG: it and its vif are held to 1500 (xen-netfront and
#    xen-netback do so); ping -M do -s 1472 and a byte-exact stream pass, a 9000-byte ping
#    from the wire is dropped and counted.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
name=jb$$
e2e_init "${name:0:8}"
export DNB_STREAM_BYTES=${DNB_STREAM_BYTES:-67108864}
export E2E_WIRE_ARGS="framecnt=1024,framesz=9216,blocksz=36864"

# ping_df FROM-NS TO-IP SIZE LABEL: three pings of SIZE bytes of ICMP data, "don't fragment"
ping_df() {
	ip netns exec "$1" ping -q -M do -c 3 -i 0.2 -W 2 -s "$3" "$2" >/dev/null ||
		e2e_fail "$4: ping -M do -s $3 $2 got no answer"
	e2e_log "$4: ping -M do -s $3 (byte counts intact, no fragment)"
}
# ping_lost FROM-NS TO-IP SIZE LABEL: no answer comes (the frame was dropped on the way)
ping_lost() {
	! ip netns exec "$1" ping -q -M do -c 2 -i 0.2 -W 1 -s "$3" "$2" >/dev/null 2>&1 ||
		e2e_fail "$4: ping -M do -s $3 $2 was answered"
}
# grew PORT KEY BEFORE [xstat]: the counter moved past BEFORE
grew() {
	local now
	if [ "${4:-}" = xstat ]; then now=$(e2e_xstat "$1" "$2"); else now=$(e2e_stat "$1" "$2"); fi
	[ -n "$now" ] && [ "$now" -gt "$3" ] || e2e_fail "port $1's $2 did not count the drop ($3 -> '$now')"
	e2e_log "port $1's $2: $3 -> $now"
}

E2E_GUESTS=2
bash "$e2e_bed" -n "$E2E_NAME" up -g 1 -m 9000 -- --mtu 9000 || e2e_fail "test bed did not come up"
bash "$e2e_bed" -n "$E2E_NAME" guest-start 2 -- --mtu 9000 --no-gso || e2e_fail "guest 2 did not boot"
e2e_netback_start --lro chain --mtu 9000 --mbufs 4096
e2e_wait_connected 1
e2e_wait_connected 2
e2e_wait_for 5 grep -q "wire port 0 (net_af_packet): MTU 9000" "$E2E_STATE/netback.log" ||
	e2e_fail "the wire port did not take MTU 9000: $(grep -i mtu "$E2E_STATE/netback.log")"
g1=$(e2e_guest_ns 1) g2=$(e2e_guest_ns 2)
p1=$(e2e_port_of 1) p2=$(e2e_port_of 2)
for k in 1 2; do
	e2e_wait_for 5 grep -q "dom$k: MTU 9000 on eth0" "$E2E_STATE/guest$k.log" ||
		e2e_fail "guest $k's TAP did not take MTU 9000"
done

ping_df "$E2E_WIRE_NS" "$(e2e_guest_ip 1)" 8972 "wire -> guest 1"
ping_df "$g1" 10.99.0.1 8972 "guest 1 -> wire"
ping_df "$g1" "$(e2e_guest_ip 2)" 8972 "guest 1 -> guest 2"
ping_df "$g2" "$(e2e_guest_ip 1)" 8972 "guest 2 -> guest 1"
ping_df "$g2" 10.99.0.1 8972 "guest 2 (no GSO) -> wire"
e2e_stream "$E2E_WIRE_NS" "$g1" "$(e2e_guest_ip 1)" "stream wire -> guest 1"
e2e_stream "$g1" "$E2E_WIRE_NS" 10.99.0.1 "stream guest 1 -> wire"
e2e_stream "$g1" "$g2" "$(e2e_guest_ip 2)" "stream guest 1 -> guest 2 (no GSO)"
e2e_stream "$E2E_WIRE_NS" "$g2" "$(e2e_guest_ip 2)" "stream wire -> guest 2 (no GSO)"

# Over the MTU: guest 1 sends 9100-byte packets; neither the wire nor guest 2 gets them.
w0=$(e2e_stat 0 tx_drop_oversize) || exit 1
o2=$(e2e_xstat "$p2" guest_rx_drop_oversize) || exit 1
ip -n "$g1" link set eth0 mtu 9100 || e2e_fail "raising guest 1's TAP MTU"
ping_lost "$g1" 10.99.0.1 9072 "guest 1 -> wire over the MTU"
grew 0 tx_drop_oversize "$w0"
ping_lost "$g1" "$(e2e_guest_ip 2)" 9072 "guest 1 -> guest 2 over the MTU"
grew "$p2" guest_rx_drop_oversize "$o2" xstat
ip -n "$g1" link set eth0 mtu 9000 || e2e_fail "lowering guest 1's TAP MTU"
ping_df "$g1" 10.99.0.1 8972 "guest 1 -> wire, at 9000 again"

# Guest 2 without SG: one slot per packet, so 1500 on both sides.
bash "$e2e_bed" -n "$E2E_NAME" guest-restart 2 -- --mtu 9000 --no-sg >/dev/null ||
	e2e_fail "guest 2's reload without SG"
e2e_wait_connected 2
e2e_wait_for 5 grep -q "dom2: MTU 1500 on eth0 (no SG)" "$E2E_STATE/guest2.log" ||
	e2e_fail "guest 2 without SG is not at MTU 1500"
ip -n "$E2E_WIRE_NS" neigh flush dev "$E2E_NAME-w1" 2>/dev/null || true
ping_df "$E2E_WIRE_NS" "$(e2e_guest_ip 2)" 1472 "wire -> guest 2 (no SG)"
ping_df "$g2" 10.99.0.1 1472 "guest 2 (no SG) -> wire"
# The vif is held to 1500: oversize, not a packet needing more slots than one.
o2=$(e2e_xstat "$p2" guest_rx_drop_oversize) || exit 1
ping_lost "$E2E_WIRE_NS" "$(e2e_guest_ip 2)" 8972 "wire -> guest 2 (no SG) over its MTU"
grew "$p2" guest_rx_drop_oversize "$o2" xstat
e2e_stream "$E2E_WIRE_NS" "$g2" "$(e2e_guest_ip 2)" "stream wire -> guest 2 (no SG)"
e2e_stream "$g2" "$E2E_WIRE_NS" 10.99.0.1 "stream guest 2 (no SG) -> wire"
ping_df "$E2E_WIRE_NS" "$(e2e_guest_ip 1)" 8972 "wire -> guest 1, still at 9000"
e2e_netback_stop
echo "PASS: jumbo frames at MTU 9000 both ways and between guests, oversize dropped and counted, a guest without SG held to 1500"
