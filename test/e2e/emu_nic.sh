#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e (#15): an HVM guest's emulated NIC joins the vif's switch. The device model's tap
# (libxl's vifD.V-emu) is a veth here: its dom0 end in the root namespace, its guest end in
# a namespace of its own with guest 1's MAC (an HVM guest's emulated NIC has the vif's mac=).
#  - the hotplug script, run as libxl runs it for the tap (add type_if=tap, INTERFACE),
#    names it in the vif's backend; the service attaches it (kind emu, emu_of 1/0);
#  - the wire pings the emulated NIC's address, which pings the wire back;
#  - a frame from another MAC is dropped and counted (sw_spoofed, exact);
#  - the service restarted (--on-exit keep) finds the tap again;
#  - the script's remove detaches it, its add attaches it again; the tap deleted (the guest's
#    PV drivers unplugged the NIC): detached, the MAC the vif's again (the wire pings the PV
#    guest), no shared-pool mbuf left behind.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
name=emu$$
e2e_init "${name:0:8}"
export E2E_ON_EXIT=keep
be1=/local/domain/0/backend/vif/1/0
tap=$E2E_NAME-emu
hvm_ns=$E2E_NAME-hvm
hvm_ip=10.99.0.51
mv_mac=02:00:00:00:99:51
script=$e2e_top/config/vif-dpdk-netback
xs() { XENSTORED_PATH=$E2E_STATE/xenstored.sock "$@"; }
in_hvm() { ip netns exec "$hvm_ns" "$@"; }
cleanup_hvm() { ip link del "$tap" 2>/dev/null; ip netns del "$hvm_ns" 2>/dev/null; e2e_cleanup; }
trap cleanup_hvm EXIT

# hotplug ACTION: the script as libxl runs it for the emulated NIC (libxl_linux.c)
hotplug() {
	xs env XENBUS_PATH=backend/vif/1/0 INTERFACE="$tap" vif=vif1.0 sh "$script" "$1" type_if=tap ||
		e2e_fail "vif-dpdk-netback $1 type_if=tap failed"
}
emu_port() {
	sed -n "s/.*vif1\.0: emulated NIC $tap attached as port \([0-9]*\).*/\1/p" \
		"$E2E_STATE/netback.log" | tail -n 1
}
attached_count() { grep -c "vif1\.0: emulated NIC $tap attached" "$E2E_STATE/netback.log"; }
detached_with() { grep -q "vif1\.0: emulated NIC $tap detached (port [0-9]*): $1" "$E2E_STATE/netback.log"; }
attached_at_least() { [ "$(attached_count)" -ge "$1" ]; }
# wait_attached N: the Nth attach is logged
wait_attached() {
	e2e_wait_for 10 attached_at_least "$1" ||
		{ cat "$E2E_STATE/netback.log"; e2e_fail "the emulated NIC was not attached (attach $1)"; }
}
make_tap() {
	ip link add "$tap" type veth peer name eth0 netns "$hvm_ns" &&
		in_hvm ip link set eth0 address "$mac" &&
		in_hvm ip addr add "$hvm_ip/24" dev eth0 &&
		in_hvm ip link set eth0 up && in_hvm ip link set lo up &&
		sysctl -qw "net.ipv6.conf.$tap.disable_ipv6=1" && ip link set "$tap" up || e2e_fail "making the emulated NIC's veth"
}
wire_pings_hvm() {
	e2e_in_wire ping -c 3 -W 2 "$hvm_ip" >/dev/null || e2e_fail "the wire cannot ping the emulated NIC ($1)"
}

e2e_bed_up 1
mac=$(e2e_xs_read "$be1/mac") || e2e_fail "reading $be1/mac"
# no IPv6 in the emulated NIC's namespace: no DAD or router solicitation among the counts
ip netns add "$hvm_ns" && in_hvm sysctl -qw net.ipv6.conf.default.disable_ipv6=1 \
	net.ipv6.conf.all.disable_ipv6=1 || e2e_fail "netns $hvm_ns"
make_tap
e2e_netback_start
e2e_wait_connected 1
rest0=$(e2e_mbufs_resting) || exit 1

hotplug add
[ "$(e2e_xs_read "$be1/dpdk-netback-emu")" = "$tap" ] || e2e_fail "the script did not name the tap"
wait_attached 1
pe=$(emu_port)
e2e_telemetry "/dpdk_netback/stats,$pe" | grep -q '"kind": "emu", "emu_of": "1/0"' ||
	e2e_fail "stats,$pe does not say it is vif 1/0's emulated NIC: $(e2e_telemetry "/dpdk_netback/stats,$pe")"
wire_pings_hvm "attached"
in_hvm ping -c 2 -W 2 10.99.0.1 >/dev/null || e2e_fail "the emulated NIC cannot ping the wire"

# Another source MAC (a macvlan; the wire's MAC pinned: no ARP) is dropped, each frame counted.
wmac=$(ip -n "$E2E_WIRE_NS" -o link show "$E2E_NAME-w1" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
in_hvm ip link add mv0 link eth0 address "$mv_mac" type macvlan mode bridge &&
	in_hvm ip addr add 10.99.0.52/32 dev mv0 && in_hvm ip link set mv0 up &&
	in_hvm ip neigh replace 10.99.0.1 lladdr "$wmac" dev mv0 nud permanent ||
	e2e_fail "macvlan in the emulated NIC's namespace"
sp0=$(e2e_stat "$pe" sw_spoofed) || exit 1
in_hvm ping -c 5 -i 0.2 -W 1 -I mv0 10.99.0.1 >/dev/null && e2e_fail "a frame from another MAC got through"
sp1=$(e2e_stat "$pe" sw_spoofed) || exit 1
[ $((sp1 - sp0)) -eq 5 ] || e2e_fail "sw_spoofed moved by $((sp1 - sp0)), not 5"
in_hvm ip link del mv0

# A restarted service finds the tap again (the key stays with the vif).
e2e_netback_stop
e2e_netback_start
e2e_wait_connected 1
wait_attached 2
pe=$(emu_port)
wire_pings_hvm "after a restart"

# The script's remove detaches it; add attaches it again.
hotplug remove
e2e_wait_for 10 detached_with "its backend key was removed" || e2e_fail "remove did not detach it"
hotplug add
wait_attached 3
wire_pings_hvm "added again"

# The tap goes (the guest's PV drivers unplugged the emulated NIC): detached, the MAC back
# on the vif: the wire reaches the PV guest at that MAC.
ip link del "$tap"
e2e_wait_for 5 detached_with "the tap is gone" || e2e_fail "the deleted tap's port stayed"
e2e_telemetry /dpdk_netback/ports | grep -q "\"$pe\"" && e2e_fail "port $pe still listed"
e2e_in_wire ping -c 3 -W 2 "$(e2e_guest_ip 1)" >/dev/null ||
	e2e_fail "the wire cannot reach the PV guest once the emulated NIC is gone"
rest1=$(e2e_mbufs_resting) || exit 1
[ "$rest1" -le "$rest0" ] || e2e_fail "shared pool: $rest0 mbufs at rest before, $rest1 after"
e2e_log "emulated NIC: spoofed +$((sp1 - sp0)), mbufs at rest $rest0 -> $rest1"
e2e_netback_stop
echo "PASS: the emulated NIC joins the vif's switch, keeps its MAC policy, survives a restart and goes with its tap"
