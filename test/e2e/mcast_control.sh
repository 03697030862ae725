#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e (#15 feature-multicast-control): frontends that ask for multicast control, as Windows
# PV drivers do, beside one that does not (Linux netfront never asks):
#  - guest 1 (2 queues) reloads with --mcast-control --mcast-join GROUP: it writes
#    request-multicast-control=1 and adds GROUP with an MCAST_ADD on its last queue (the
#    vif's list: xstats guest_mcast_control 1, guest_mcast_addrs 1);
#  - guest 2 reloads with --mcast-control and joins nothing; guest 3 is left as it is;
#  - the wire sends frames to GROUP: guests 1 and 3 receive every one, guest 2 none, and its
#    vif counts them (q*_guest_rx_mcast_filtered); broadcasts reach all three;
#  - the service restarts (SIGTERM, --on-exit keep) and resumes the three vifs: guest 1's
#    list (from the vif's dpdk-netback-state key) and both filters are as before, with
#    nothing sent again by the guests: GROUP still reaches guests 1 and 3 and not guest 2;
#  - guest 2's frontend switches request-multicast-control to 0 while connected
#    (feature-dynamic-multicast-control): GROUP's frames reach it from then on.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
name=mc$$
e2e_init "${name:0:8}"
frames=$e2e_top/test/e2e/vlan_frames.py
wif=$E2E_NAME-w1
group=01:00:5e:01:02:03
count=20

# deliver DST: the wire sends $count frames to DST; prints what guests 1..3 received
deliver() {
	local k pids=()
	for k in 1 2 3; do
		e2e_in_guest "$k" python3 "$frames" recv eth0 6 >"$E2E_STATE/recv$k" &
		pids+=($!)
	done
	for k in 1 2 3; do
		e2e_wait_for 5 e2e_capturing "$(e2e_guest_ns "$k")" eth0 ||
			e2e_fail "guest $k's receiver did not start"
	done
	e2e_in_wire python3 "$frames" send "$wif" "$1" 0 "$count" >/dev/null ||
		e2e_fail "the wire's send to $1"
	for k in 1 2 3; do
		wait "${pids[$((k - 1))]}" || e2e_fail "guest $k's receiver failed"
	done
	for k in 1 2 3; do
		sed -n 's/^got \([0-9]*\) .*/\1/p' "$E2E_STATE/recv$k"
	done | paste -sd ' '
}

# xstat_is PORT NAME VALUE: the vif-wide xstat NAME of PORT is VALUE now
xstat_is() { [ "$(e2e_vif_xstat "$1" "$2")" = "$3" ]; }

e2e_bed_up 3 --queues 2
E2E_ON_EXIT=keep e2e_netback_start --vif-queues 2
for k in 1 2 3; do e2e_wait_connected "$k"; done
port1=$(e2e_port_of 1) port2=$(e2e_port_of 2) port3=$(e2e_port_of 3)
[ "$(e2e_xs_read /local/domain/0/backend/vif/1/0/feature-multicast-control)" = 1 ] &&
	[ "$(e2e_xs_read /local/domain/0/backend/vif/1/0/feature-dynamic-multicast-control)" = 1 ] ||
	e2e_fail "the backend does not offer (dynamic) multicast control"

bash "$e2e_bed" -n "$E2E_NAME" guest-restart 1 -- --queues 2 --mcast-control \
	--mcast-join "$group" >/dev/null || e2e_fail "guest 1 did not restart with --mcast-join"
bash "$e2e_bed" -n "$E2E_NAME" guest-restart 2 -- --queues 2 --mcast-control >/dev/null ||
	e2e_fail "guest 2 did not restart with --mcast-control"
e2e_wait_for 15 xstat_is "$port1" guest_mcast_addrs 1 ||
	e2e_fail "guest 1's group is not on its vif's list"
e2e_wait_for 15 xstat_is "$port2" guest_mcast_control 1 ||
	e2e_fail "guest 2's vif did not take request-multicast-control"
xstat_is "$port1" guest_mcast_control 1 || e2e_fail "guest 1's vif has multicast control off"
xstat_is "$port3" guest_mcast_control 0 || e2e_fail "guest 3's vif has multicast control on"
[ "$(e2e_vif_xstat "$port1" q1_guest_tx_mcast_add)" = 1 ] ||
	e2e_fail "guest 1's MCAST_ADD was not taken on its queue 1"

filtered0=$(e2e_xstat "$port2" guest_rx_mcast_filtered) || exit 1
got=$(deliver "$group") || exit 1
e2e_log "frames to $group received by guests 1 2 3: $got"
[ "$got" = "$count 0 $count" ] || e2e_fail "to $group: got '$got', want '$count 0 $count'"
filtered=$(($(e2e_xstat "$port2" guest_rx_mcast_filtered) - filtered0))
[ "$filtered" -ge "$count" ] || e2e_fail "guest 2's vif counted $filtered filtered, not $count"
[ "$(e2e_xstat "$port3" guest_rx_mcast_filtered)" = 0 ] ||
	e2e_fail "guest 3's vif (no multicast control) filtered frames"

got=$(deliver ff:ff:ff:ff:ff:ff) || exit 1
e2e_log "broadcasts received by guests 1 2 3: $got"
[ "$got" = "$count $count $count" ] || e2e_fail "broadcasts: got '$got'"

# A restart the guests do not see: the new process has the list and the filters back.
e2e_netback_restart TERM --vif-queues 2
port1=$(e2e_port_of 1) port2=$(e2e_port_of 2) port3=$(e2e_port_of 3)
grep -q "vif1.0: restored from dpdk-netback-state: .*1 multicast address(es), filtering" \
	"$E2E_STATE/netback.log" || e2e_fail "the new process did not restore guest 1's list"
xstat_is "$port1" guest_mcast_addrs 1 && xstat_is "$port1" guest_mcast_control 1 ||
	e2e_fail "guest 1's vif lost its list or its filter in the restart"
xstat_is "$port2" guest_mcast_control 1 && xstat_is "$port2" guest_mcast_addrs 0 ||
	e2e_fail "guest 2's vif lost its filter in the restart"
xstat_is "$port3" guest_mcast_control 0 || e2e_fail "guest 3's vif has multicast control on"
[ "$(e2e_vif_xstat "$port1" q1_guest_tx_mcast_add)" = 0 ] ||
	e2e_fail "guest 1 sent its MCAST_ADD again"
got=$(deliver "$group") || exit 1
e2e_log "after the restart: frames to $group received by guests 1 2 3: $got"
[ "$got" = "$count 0 $count" ] || e2e_fail "to $group after the restart: got '$got'"
[ "$(e2e_xstat "$port2" guest_rx_mcast_filtered)" -ge "$count" ] ||
	e2e_fail "guest 2's vif did not count the frames it filtered after the restart"

# feature-dynamic-multicast-control: the frontend turns it off while connected
XENSTORED_PATH=$E2E_STATE/xenstored.sock \
	xenstore-write /local/domain/2/device/vif/0/request-multicast-control 0 ||
	e2e_fail "cannot write guest 2's request-multicast-control"
e2e_wait_for 10 xstat_is "$port2" guest_mcast_control 0 ||
	e2e_fail "guest 2's vif kept multicast control on after the frontend switched it off"
got=$(deliver "$group") || exit 1
e2e_log "control off on guest 2: frames to $group received by guests 1 2 3: $got"
[ "$got" = "$count $count $count" ] || e2e_fail "to $group after the switch: got '$got'"
grep -q "multicast control off" "$E2E_STATE/netback.log" ||
	e2e_fail "the service did not log the switch"
e2e_netback_stop
echo "PASS: multicast frames reach the guests that joined or never asked, broadcasts all, across a restart"
