#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e (#14, MAC policy): --vif-learn lets a vif send from MACs other than its mac= (macvlan
# containers, a nested bridge, VRRP), learned as on a bridge port under --fdb-port-max.
# Two guests, guest 1 with --vif-learn, --fdb-port-max 4; in each guest a "container": a
# macvlan of its eth0, with a MAC of its own, moved into a netns of its own.
#  - guest 1's container pings the wire and the wire pings it: its MAC is in the FDB on
#    guest 1's port, and the wire's frames to it are not flooded (no unknown unicast);
#  - guest 2's container (no --vif-learn) reaches nothing: sw_spoofed counts exactly its
#    pings and its MAC is never learned;
#  - guest 1 sends from guest 2's MAC (pinned to guest 2): refused, sw_spoofed exact, and
#    the wire's pings to guest 2 meanwhile all come back (the MAC did not move);
#  - guest 1 sends from 20 new MACs: it holds 4 stations (its container's and 3 of them),
#    the other 17 are sw_learn_cap, and its container still reaches the wire.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
frames=$e2e_top/test/e2e/fdb_frames.py
name=lrn$$
e2e_init "${name:0:8}"
cap=4
flood_n=20
flood_prefix=0a_fd_b0 # fdb_frames.py flood's source MACs as /dpdk_netback/fdb writes them
ctr1=$E2E_NAME-c1 ctr2=$E2E_NAME-c2
mac1=02:00:00:00:98:01 mac2=02:00:00:00:98:02
ip1=10.99.0.51 ip2=10.99.0.52
g2mac=00:16:3e:00:00:02 # testbed.sh's guest_mac 2
# the containers' netns are not the test bed's: they go first, then the bed
trap 'ip netns del "$ctr1" 2>/dev/null; ip netns del "$ctr2" 2>/dev/null; e2e_cleanup' EXIT

# add_container K NS MAC IP: a macvlan of guest K's eth0 with MAC, in a new netns NS, IP/24,
# no IPv6 and the wire's MAC pinned (no ARP): what it sends is its pings and ARP answers
add_container() {
	local k=$1 ns=$2
	ip netns add "$ns" &&
		e2e_in_guest "$k" ip link add mv0 link eth0 address "$3" type macvlan mode bridge &&
		e2e_in_guest "$k" ip link set mv0 netns "$ns" &&
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.mv0.disable_ipv6=1 &&
		ip -n "$ns" addr add "$4/24" dev mv0 &&
		ip -n "$ns" link set lo up &&
		ip -n "$ns" link set mv0 up &&
		ip -n "$ns" neigh replace 10.99.0.1 lladdr "$wmac" dev mv0 nud permanent ||
		e2e_fail "guest $k: container $ns"
}

# snapshot: one telemetry session. Sets rx1 learned1 learn_cap1 stations1 spoofed1 (guest
# 1's port), spoofed2 (guest 2's), unknown_w (the wire's unknown unicast), and from the FDB
# the port of mac1, mac2 and guest 2's MAC (-1: absent) and flood1 (the flood's stations on
# guest 1's port). Every value must be read: a missing one fails rather than reads as zero.
rx1='' learned1='' learn_cap1='' stations1='' spoofed1='' spoofed2='' unknown_w=''
at_mac1='' at_mac2='' at_g2='' flood1=''
snapshot() {
	local out var val
	out=$(printf '%s\n' "/dpdk_netback/stats,$port1" "/dpdk_netback/stats,$port2" \
		"/dpdk_netback/stats,$wire" /dpdk_netback/fdb |
		timeout 20 dpdk-telemetry.py -f "$E2E_NAME" 2>/dev/null |
		python3 -c "import json, sys
p1, p2, w, fdb = [json.loads(l) for l in sys.stdin if l.startswith('{')]
p1, p2, w = (x['/dpdk_netback/stats'] for x in (p1, p2, w))
e = fdb['/dpdk_netback/fdb']['entries']
for k in ('rx_pkts', 'learned', 'learn_cap', 'stations', 'spoofed'):
    print(k.replace('_pkts', '') + '1', p1['sw_' + k])
print('spoofed2', p2['sw_spoofed'])
print('unknown_w', w['sw_unknown_unicast'])
for var, mac in (('at_mac1', '$mac1'), ('at_mac2', '$mac2'), ('at_g2', '$g2mac')):
    print(var, e.get(mac.replace(':', '_') + '/0', -1))
print('flood1', sum(k.startswith('$flood_prefix') and p == $port1 for k, p in e.items()))" 2>&1)
	for var in rx1 learned1 learn_cap1 stations1 spoofed1 spoofed2 unknown_w at_mac1 at_mac2 \
		at_g2 flood1; do
		val=$(sed -n "s/^$var //p" <<<"$out")
		[[ $val =~ ^-?[0-9]+$ ]] || e2e_fail "telemetry: no $var read: $out"
		printf -v "$var" '%s' "$val"
	done
}

e2e_bed_up 2
e2e_netback_start --vif-learn 1/0 --fdb-port-max "$cap"
e2e_wait_connected 1
e2e_wait_connected 2
wire=$(sed -n 's/.*wire port \([0-9]*\):.*/\1/p' "$E2E_STATE/netback.log" | head -n 1)
port1=$(e2e_port_of 1)
port2=$(e2e_port_of 2)
[ -n "$wire" ] && [ -n "$port1" ] && [ -n "$port2" ] ||
	e2e_fail "ports from the log: wire '$wire', guest 1 '$port1', guest 2 '$port2'"
wmac=$(ip -n "$E2E_WIRE_NS" -o link show "$E2E_NAME-w1" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
[ -n "$wmac" ] || e2e_fail "no MAC on the wire's $E2E_NAME-w1"

# Guest 1's container: learned on guest 1's port, reachable both ways.
add_container 1 "$ctr1" "$mac1" "$ip1"
ip netns exec "$ctr1" ping -c 3 -W 2 10.99.0.1 >/dev/null ||
	e2e_fail "guest 1's container (--vif-learn) cannot ping the wire"
snapshot
[ "$at_mac1" = "$port1" ] || e2e_fail "$mac1 is on port $at_mac1 of the FDB, not guest 1's $port1"
[ "$stations1" -eq 1 ] || e2e_fail "guest 1's port holds $stations1 stations, not 1 (its container's)"
unknown0=$unknown_w
e2e_in_wire ping -c 3 -W 2 "$ip1" >/dev/null || e2e_fail "the wire cannot ping guest 1's container"
snapshot
[ "$unknown_w" -eq "$unknown0" ] ||
	e2e_fail "the wire's frames to a learned container were flooded ($((unknown_w - unknown0)) unknown unicast)"
e2e_log "guest 1's container $mac1 learned on port $port1 and reached both ways"

# Guest 2's container, without --vif-learn: every frame dropped, each counted.
sp0=$spoofed2
add_container 2 "$ctr2" "$mac2" "$ip2"
ip netns exec "$ctr2" ping -c 5 -i 0.2 -W 1 10.99.0.1 >/dev/null &&
	e2e_fail "guest 2's container (no --vif-learn) got an answer"
snapshot
[ $((spoofed2 - sp0)) -eq 5 ] || e2e_fail "guest 2's sw_spoofed moved by $((spoofed2 - sp0)), not 5"
[ "$at_mac2" = -1 ] || e2e_fail "guest 2's container's $mac2 was learned (port $at_mac2)"

# Guest 1 sends from guest 2's pinned MAC while the wire pings guest 2.
sp0=$spoofed1
e2e_in_wire ping -c 10 -i 0.2 -W 2 "$(e2e_guest_ip 2)" >"$E2E_STATE/ping2.out" &
pinger=$!
e2e_in_guest 1 python3 "$frames" arp eth0 "$g2mac" "$(e2e_guest_ip 2)" 10.99.0.1 ||
	e2e_fail "guest 1: sending from guest 2's MAC"
wait "$pinger"
grep -q ' 10 received' "$E2E_STATE/ping2.out" ||
	e2e_fail "the wire's pings to guest 2 while guest 1 sent from its MAC: $(grep received "$E2E_STATE/ping2.out")"
snapshot
[ $((spoofed1 - sp0)) -eq 10 ] || e2e_fail "guest 1's sw_spoofed moved by $((spoofed1 - sp0)), not 10"
[ "$at_g2" = "$port2" ] || e2e_fail "guest 2's $g2mac is on port $at_g2 of the FDB, not $port2"
e2e_log "guest 1 sending as guest 2: 10 frames refused (sw_spoofed), guest 2 answered 10 of 10"

# Beyond the cap: new source MACs are not learned, each counted, the frames still forwarded.
rx0=$rx1 learned0=$learned1 lcap0=$learn_cap1
sent=$(e2e_in_guest 1 python3 "$frames" flood eth0 "$flood_n") ||
	e2e_fail "guest 1's flood: sent '$sent' of $flood_n frames"
for ((i = 0; i < 20; i++)); do
	snapshot
	[ "$rx1" -ge $((rx0 + flood_n)) ] && break
	sleep 0.1
done
[ "$rx1" -ge $((rx0 + flood_n)) ] || e2e_fail "the switch saw $((rx1 - rx0)) of $flood_n frames"
e2e_log "flood of $flood_n MACs from guest 1: learned +$((learned1 - learned0)), learn_cap" \
	"+$((learn_cap1 - lcap0)), $stations1 stations, $flood1 of the flood's in the FDB"
[ "$stations1" -eq "$cap" ] || e2e_fail "guest 1's port holds $stations1 stations, not its cap $cap"
[ "$flood1" -eq $((cap - 1)) ] || e2e_fail "$flood1 of the flood's MACs in the FDB, not $((cap - 1))"
[ $((learned1 - learned0)) -eq $((cap - 1)) ] ||
	e2e_fail "sw_learned moved by $((learned1 - learned0)), not $((cap - 1))"
[ $((learn_cap1 - lcap0)) -eq $((flood_n - cap + 1)) ] ||
	e2e_fail "sw_learn_cap moved by $((learn_cap1 - lcap0)), not $((flood_n - cap + 1))"
[ "$at_mac1" = "$port1" ] || e2e_fail "guest 1's container lost its FDB entry (port $at_mac1)"
ip netns exec "$ctr1" ping -c 2 -W 2 10.99.0.1 >/dev/null ||
	e2e_fail "guest 1's container cannot ping the wire after the flood"
e2e_netback_stop
echo "PASS: --vif-learn: a container's MAC learned and reached, capped; no learning without it; a pinned MAC refused"
