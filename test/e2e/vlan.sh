#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e (#14 VLANs): a guest's own 802.1Q frames (a router VM's eth0.100), with raw packet
# sockets (vlan_frames.py: this kernel has no 8021q module):
#  - default (no --vlan, no --trunk): guest 1's frames tagged 100 reach the wire host with
#    their tag and its answers come back tagged, as over a bridge without vlan_filtering
#    (af_packet hands the switch each tagged frame marked RX_VLAN); nothing counted dropped;
#  - --trunk --vif-trunk guest1/0=100 --vlan 2/0=100 (guest 1's vif named by its domain's
#    name, as an admin writes it before the guest exists): the same exchange through the switch's
#    VLAN 100 (the tag taken off at the vif, put back on the wire and towards the guest by
#    egress.c); VLAN 200 from guest 1 is refused, sw_vlan_drop counts exactly those frames;
#    guest 1's VLAN 100 reaches guest 2 (access VLAN 100) untagged.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
name=vl$$
e2e_init "${name:0:8}"
frames=$e2e_top/test/e2e/vlan_frames.py
wif=$E2E_NAME-w1
mac_of() { ip -n "$1" -o link show "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }

# exchange VID COUNT: guest 1 pings the wire host tagged VID; prints the two answers
exchange() {
	local out=$E2E_STATE/echo.$1 ping
	e2e_in_wire python3 "$frames" echo "$wif" 8 >"$out" &
	local echo_pid=$!
	e2e_wait_for 5 e2e_capturing "$E2E_WIRE_NS" "$wif" || e2e_fail "the wire's echo did not start"
	ping=$(e2e_in_guest 1 python3 "$frames" ping eth0 "$wmac" "$1" "$2") ||
		e2e_fail "guest 1's ping (VID $1)"
	wait "$echo_pid"
	echo "$ping / $(cat "$out")"
}

# start APP-OPTS: dpdk-netback with these options, both guests connected; p1 is guest 1's port
start() {
	e2e_netback_start "$@"
	e2e_wait_connected 1
	e2e_wait_connected 2
	p1=$(e2e_port_of 1)
}

# expect LABEL VID COUNT WANT: exchange VID COUNT must print WANT
expect() {
	local got
	got=$(exchange "$2" "$3")
	e2e_log "$1: $got"
	[ "$got" = "$4" ] || e2e_fail "$1: guest 1's VLAN $2 frames and the answers ($got)"
}

e2e_bed_up 2
# Guest 1's kernel must not send frames of its own (IPv6's router solicitations and MLD
# reports, untagged): with --vif-trunk 1/0=100 they are dropped too, and the count of
# VLAN 200's drops below must be exact.
e2e_in_guest 1 sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1 ||
	e2e_fail "cannot turn IPv6 off on guest 1"
wmac=$(mac_of "$E2E_WIRE_NS" "$wif")
[ -n "$wmac" ] || e2e_fail "no MAC on $wif"
g2mac=$(mac_of "$(e2e_guest_ns 2)" eth0)

start
expect default 100 5 "answered 5 vids 100 / echoed 5 vids 100"
# the wire port is 0: the only EAL port
for port in 0 "$p1"; do
	drops=$(e2e_stat "$port" sw_vlan_drop) || exit 1
	[ "$drops" -eq 0 ] || e2e_fail "default: port $port counted $drops sw_vlan_drop"
done
e2e_netback_stop

start --trunk --vif-trunk guest1/0=100 --vlan 2/0=100
grep -q "vif1.0: attached as port $p1, domain 'guest1'" "$E2E_STATE/netback.log" ||
	e2e_fail "guest 1's attach line does not name its domain guest1"
expect "trunk vif" 100 5 "answered 5 vids 100 / echoed 5 vids 100"
# telemetry names the port by the domain's name too
d0=$(e2e_stat guest1/0 sw_vlan_drop) || exit 1
expect "trunk vif guest1/0=100, VLAN 200" 200 4 "answered 0 vids - / echoed 0 vids -"
d1=$(e2e_stat guest1/0 sw_vlan_drop) || exit 1
[ $((d1 - d0)) -eq 4 ] || e2e_fail "sw_vlan_drop moved by $((d1 - d0)), not 4"

# guest 1 (trunk) to guest 2 (access VLAN 100): it arrives untagged
e2e_in_guest 2 python3 "$frames" recv eth0 4 >"$E2E_STATE/recv2" &
recv_pid=$!
e2e_wait_for 5 e2e_capturing "$(e2e_guest_ns 2)" eth0 || e2e_fail "guest 2's receiver did not start"
e2e_in_guest 1 python3 "$frames" send eth0 "$g2mac" 100 3 >/dev/null || e2e_fail "guest 1's send"
wait "$recv_pid"
got=$(cat "$E2E_STATE/recv2")
e2e_log "trunk vif to access vif: $got"
[ "$got" = "got 3 vids 0" ] || e2e_fail "guest 2 (VLAN 100) got '$got', not 3 untagged frames"
e2e_netback_stop
echo "PASS: a guest's tagged frames pass by default; --vif-trunk carries its VLANs, refuses others"
