#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e (#14 ip=, MAC policy): the source checks vif-bridge gets from vif-common.sh's iptables
# rules, and the MACs a vif may send from:
#  - guest 1's backend has ip="10.99.0.11 fd99::11" (what libxl writes for xl's ip=): it
#    pings the wire from its address; from a second address (ip addr add, ping -I) nothing
#    reaches the wire and sw_ip_spoofed counts exactly the pings;
#  - a macvlan in guest 1 (a second source MAC) is dropped by default (sw_spoofed exact);
#    the same in guest 2, named with --vif-macs, reaches the wire.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
name=ip$$
e2e_init "${name:0:8}"
be1=/local/domain/0/backend/vif/1/0
mv_mac1=02:00:00:00:99:01
mv_mac2=02:00:00:00:99:02
xs() { XENSTORED_PATH=$E2E_STATE/xenstored.sock "$@"; }

# pin the wire's MAC for @ip in guest K (device DEV): no ARP, so the count is the pings alone
pin_wire_neigh() {
	local k=$1 dev=$2 wmac
	wmac=$(ip -n "$E2E_WIRE_NS" -o link show "$E2E_NAME-w1" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
	e2e_in_guest "$k" ip neigh replace 10.99.0.1 lladdr "$wmac" dev "$dev" nud permanent ||
		e2e_fail "guest $k: neighbour entry on $dev"
}

# add_macvlan K MAC IP: a macvlan with no IPv6 (no DAD or router solicitation from it)
add_macvlan() {
	local k=$1
	e2e_in_guest "$k" ip link add mv0 link eth0 address "$2" type macvlan mode bridge &&
		e2e_in_guest "$k" sysctl -qw net.ipv6.conf.mv0.disable_ipv6=1 &&
		e2e_in_guest "$k" ip addr add "$3/32" dev mv0 &&
		e2e_in_guest "$k" ip link set mv0 up || e2e_fail "guest $k: macvlan"
	pin_wire_neigh "$k" mv0
}

e2e_bed_up 2
xs xenstore-write "$be1/ip" "10.99.0.11 fd99::11" || e2e_fail "writing $be1/ip"
e2e_netback_start --vif-macs "2/0=$mv_mac2"
e2e_wait_connected 1
e2e_wait_connected 2
p1=$(e2e_port_of 1)

e2e_in_guest 1 ping -c 3 -W 2 10.99.0.1 >/dev/null || e2e_fail "guest 1 cannot ping from its ip= address"
e2e_in_guest 1 ping -6 -c 3 -W 2 fd99::1 >/dev/null || e2e_fail "guest 1 cannot ping6 from its ip= address"
ips0=$(e2e_stat "$p1" sw_ip_spoofed) || exit 1

# A second address in the guest: its pings are dropped, each counted.
e2e_in_guest 1 ip addr add 10.99.0.77/24 dev eth0 || e2e_fail "guest 1: second address"
pin_wire_neigh 1 eth0
e2e_in_guest 1 ping -c 5 -i 0.2 -W 1 -I 10.99.0.77 10.99.0.1 >/dev/null &&
	e2e_fail "guest 1's ping from an address not in ip= got an answer"
ips1=$(e2e_stat "$p1" sw_ip_spoofed) || exit 1
[ $((ips1 - ips0)) -eq 5 ] || e2e_fail "sw_ip_spoofed moved by $((ips1 - ips0)), not 5"
e2e_in_guest 1 ping -c 2 -W 2 -I 10.99.0.11 10.99.0.1 >/dev/null ||
	e2e_fail "guest 1 lost its own address after the spoofed pings"

# A second MAC: dropped by default, passed with --vif-macs.
sp0=$(e2e_stat "$p1" sw_spoofed) || exit 1
add_macvlan 1 "$mv_mac1" 10.99.0.11
e2e_in_guest 1 ping -c 5 -i 0.2 -W 1 -I mv0 10.99.0.1 >/dev/null &&
	e2e_fail "guest 1's macvlan (strict vif) got an answer"
sp1=$(e2e_stat "$p1" sw_spoofed) || exit 1
[ $((sp1 - sp0)) -eq 5 ] || e2e_fail "sw_spoofed moved by $((sp1 - sp0)), not 5"
add_macvlan 2 "$mv_mac2" 10.99.0.42
e2e_in_wire ip neigh replace 10.99.0.42 lladdr "$mv_mac2" dev "$E2E_NAME-w1" nud permanent
e2e_in_guest 2 ping -c 3 -W 2 -I mv0 10.99.0.1 >/dev/null ||
	e2e_fail "guest 2's macvlan, named with --vif-macs, cannot reach the wire"
e2e_log "guest 1: ip_spoofed +$((ips1 - ips0)), spoofed +$((sp1 - sp0))"
e2e_netback_stop
echo "PASS: ip= limits a guest's IP sources, a second MAC needs --vif-macs"
