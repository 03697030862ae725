#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e: two simulated guests and the wire behind dpdk-netback --marked-vifs.
#  - guest-to-guest and guest-to-wire TCP streams byte-exact, guest to guest over IPv6 too
#    (neighbour discovery is multicast: the switch floods it), netperf guest to guest over
#    both with the IPv6/IPv4 ratio;
#  - a guest sending from a MAC that is not its own: dropped and counted (sw_spoofed);
#  - a guest stopped while the service runs is detached, started again (without GSO) is
#    attached and works, guest 1's TSO packets to it segmented in software over IPv4 and
#    IPv6 (gso_segs moves on its port, tx_drop_gso* do not);
#  - SIGTERM during traffic: clean exit, every vif left Connected (--on-exit keep); a new
#    process resumes both and they work; /dpdk_netback/shutdown,release then closes them.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
name=sw$$
e2e_init "${name:0:8}"

e2e_bed_up 2
export E2E_ON_EXIT=keep
E2E_VIF_ARGS="--marked-vifs" e2e_netback_start --lro chain
e2e_wait_connected 1
e2e_wait_connected 2

e2e_in_guest 1 ping -c 2 -i 0.2 -W 2 "$(e2e_guest_ip 2)" >/dev/null || e2e_fail "ping guest 1 -> guest 2"
e2e_stream "$(e2e_guest_ns 1)" "$(e2e_guest_ns 2)" "$(e2e_guest_ip 2)" "stream guest 1 -> guest 2"
e2e_stream "$(e2e_guest_ns 2)" "$E2E_WIRE_NS" 10.99.0.1 "stream guest 2 -> wire"
e2e_in_guest 1 ping -6 -c 2 -i 0.2 -W 2 "$(e2e_guest_ip6 2)" >/dev/null ||
	e2e_fail "ping6 guest 1 -> guest 2 (neighbour discovery through the switch)"
e2e_stream "$(e2e_guest_ns 1)" "$(e2e_guest_ns 2)" "$(e2e_guest_ip6 2)" "stream6 guest 1 -> guest 2"
e2e_netservers "$(e2e_guest_ns 2)"
v4=$(e2e_netperf "$(e2e_guest_ns 1)" "$(e2e_guest_ip 2)" TCP_STREAM) || e2e_fail "netperf: $v4"
v6=$(e2e_netperf "$(e2e_guest_ns 1)" "$(e2e_guest_ip6 2)" TCP_STREAM) || e2e_fail "netperf6: $v6"
e2e_log "netperf TCP_STREAM guest 1 -> guest 2: IPv4 $v4, IPv6 $v6, IPv6/IPv4 $(e2e_ratio "$v6" "$v4")"

# Spoofing: guest 2 changes its MAC; its frames must not pass, and the switch counts them.
port2=$(e2e_port_of 2)
[ -n "$port2" ] || e2e_fail "no port for guest 2 in the log"
spoofed0=$(e2e_stat "$port2" sw_spoofed) || e2e_fail "telemetry /dpdk_netback/stats,$port2"
e2e_in_guest 2 ip link set eth0 address 00:16:3e:00:00:99
e2e_in_guest 2 ip neigh flush dev eth0
if e2e_in_guest 2 ping -c 3 -i 0.2 -W 1 10.99.0.1 >/dev/null; then
	e2e_fail "a spoofed source MAC got through"
fi
spoofed1=$(e2e_stat "$port2" sw_spoofed) || e2e_fail "telemetry /dpdk_netback/stats,$port2 (above)"
[ "$spoofed1" -gt "$spoofed0" ] || e2e_fail "sw_spoofed did not move ($spoofed0 -> $spoofed1)"
e2e_log "spoofed frames dropped and counted: sw_spoofed $spoofed0 -> $spoofed1"
e2e_in_guest 2 ip link set eth0 address 00:16:3e:00:00:02
e2e_in_guest 2 ping -c 2 -i 0.2 -W 2 10.99.0.1 >/dev/null || e2e_fail "guest 2 after restoring its MAC"

# Hotplug: guest 2 goes away, then comes back.
bash "$e2e_bed" -n "$E2E_NAME" guest-stop 2 >/dev/null || e2e_fail "guest 2's stop (above)"
e2e_wait_for 5 grep -q 'vif2.0: detached' "$E2E_STATE/netback.log" ||
	e2e_fail "vif2.0 not detached after the guest left"
e2e_in_guest 1 ping -c 2 -i 0.2 -W 2 10.99.0.1 >/dev/null || e2e_fail "guest 1 while guest 2 is away"
bash "$e2e_bed" -n "$E2E_NAME" guest-start 2 -- --no-gso >/dev/null ||
	e2e_fail "guest 2 did not start again"
e2e_wait_connected 2
e2e_in_guest 2 ping -c 2 -i 0.2 -W 2 10.99.0.1 >/dev/null || e2e_fail "guest 2 after coming back"
e2e_log "guest 2 detached and attached again (without GSO)"
# Guest 1's TSO packets to a frontend without GSO: segmented in software (#20: IPv6 too).
port2=$(e2e_port_of 2)
e2e_stream "$(e2e_guest_ns 1)" "$(e2e_guest_ns 2)" "$(e2e_guest_ip 2)" "stream guest 1 -> guest 2 (no GSO)"
segs4=$(e2e_stat "$port2" gso_segs)
e2e_stream "$(e2e_guest_ns 1)" "$(e2e_guest_ns 2)" "$(e2e_guest_ip6 2)" "stream6 guest 1 -> guest 2 (no GSO)"
segs6=$(e2e_stat "$port2" gso_segs)
[ "$segs4" -gt 0 ] && [ "$segs6" -gt "$segs4" ] ||
	e2e_fail "software GSO to guest 2: gso_segs 0 -> $segs4 (IPv4) -> $segs6 (IPv6)"
[ "$(e2e_stat "$port2" tx_drop_gso_unsupported)" = 0 ] && [ "$(e2e_stat "$port2" tx_drop_gso)" = 0 ] ||
	e2e_fail "GSO drops toward guest 2"
e2e_log "software GSO toward guest 2: gso_segs $segs4 after IPv4, $segs6 after IPv6"

# SIGTERM while a stream runs: the service exits cleanly and leaves both vifs Connected.
e2e_in_wire netserver -D -p 12865 >/dev/null 2>&1 &
e2e_listen_wait "$E2E_WIRE_NS" 12865
e2e_in_guest 1 netperf -H 10.99.0.1 -t TCP_STREAM -l 10 >/dev/null 2>&1 &
sleep 2
# The load, proved: the wire host received at least 1 MB in the half second before SIGTERM.
wire_rx() { e2e_in_wire cat "/sys/class/net/$E2E_NAME-w1/statistics/rx_bytes"; }
rx0=$(wire_rx) || e2e_fail "the wire's rx_bytes unreadable"
sleep 0.5
rx1=$(wire_rx) || e2e_fail "the wire's rx_bytes unreadable"
[ $((rx1 - rx0)) -ge 1000000 ] ||
	e2e_fail "no load at SIGTERM: the wire received $((rx1 - rx0)) bytes in 0.5 s"
e2e_log "under load: the wire received $(((rx1 - rx0) * 2 / 1000000)) MB/s just before SIGTERM"
e2e_netback_stop
for k in 1 2; do
	for side in "0/backend/vif/$k/0" "$k/device/vif/0"; do
		st=$(e2e_xs_read "/local/domain/$side/state")
		[ "$st" = 4 ] || e2e_fail "/local/domain/$side/state after SIGTERM: '$st', not 4"
	done
done
# A new process resumes them; then the release path closes them for good.
E2E_VIF_ARGS="--marked-vifs" e2e_netback_start --lro chain
for k in 1 2; do
	e2e_wait_for 10 grep -q "vif$k.0: resumed" "$E2E_STATE/netback.log" ||
		e2e_fail "vif$k.0 not resumed"
	e2e_in_guest "$k" ping -c 2 -i 0.2 -W 2 10.99.0.1 >/dev/null ||
		e2e_fail "guest $k after the restart"
done
e2e_log "both vifs resumed by a new process"
e2e_telemetry /dpdk_netback/shutdown,release | grep -q 'vifs released' ||
	e2e_fail "/dpdk_netback/shutdown,release did not answer"
for ((i = 0; i < 100; i++)); do
	kill -0 "$E2E_NETBACK_PID" 2>/dev/null || break
	sleep 0.1
done
wait "$E2E_NETBACK_PID" || e2e_fail "dpdk-netback exited with an error after the release"
E2E_NETBACK_PID=
for k in 1 2; do
	st=$(e2e_xs_read "/local/domain/0/backend/vif/$k/0/state")
	[ "$st" = 6 ] || e2e_fail "vif$k.0 backend state after the release: $st, not 6"
done
echo "PASS: two guests, spoofing, hotplug, SIGTERM under load kept both, resumed, released"
