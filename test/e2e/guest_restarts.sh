#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e: the guest's netfront is unloaded and loaded again 20 times while the wire pings it;
# it reconnects every time, and the service's mbufs in use, file descriptors and guest
# memory mappings are back to their start values at the end.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
rounds=${DNB_RESTARTS:-20}
name=gr$$
e2e_init "${name:0:8}"

e2e_bed_up 1
e2e_netback_start --lro chain
e2e_wait_connected 1
pid=$E2E_NETBACK_PID
# snapshot: "fds mappings mbufs"; fails (naming the read) unless all three were read, or the
# comparison below would pass on two failed reads
snapshot() {
	local fds maps mbufs
	fds=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l) || return 1
	maps=$(grep -c '/sim/dom' "/proc/$pid/maps") || return 1
	mbufs=$(e2e_mbufs_resting) || return 1
	[ "$fds" -gt 0 ] && [ "$maps" -gt 0 ] || { echo "fds '$fds', mappings '$maps'" >&2; return 1; }
	echo "$fds $maps $mbufs"
}
sleep 0.5
before=$(snapshot) || e2e_fail "snapshot before the restarts unreadable (above)"
# The wire pings the guest all along: its replies show the traffic the restarts ran under.
ip netns exec "$E2E_WIRE_NS" ping -i 0.01 "$(e2e_guest_ip 1)" >"$E2E_STATE/pinger.log" 2>&1 &
pinger=$!
for ((r = 1; r <= rounds; r++)); do
	bash "$e2e_bed" -n "$E2E_NAME" guest-restart 1 >/dev/null || e2e_fail "restart $r"
	e2e_wait_connected 1
	e2e_in_guest 1 ping -c 1 -W 2 10.99.0.1 >/dev/null || e2e_fail "no traffic after restart $r"
done
kill -INT "$pinger" 2>/dev/null # ping prints its summary on SIGINT
wait "$pinger"
replies=$(sed -n 's/.* \([0-9][0-9]*\) received.*/\1/p' "$E2E_STATE/pinger.log")
e2e_log "the wire's ping during the restarts: $(grep 'received' "$E2E_STATE/pinger.log")"
# 100 a second; a restart takes the guest's TAP and address away for most of each round,
# so about a fifth are answered: at least one a round on average shows the traffic ran
[ "${replies:-0}" -ge "$rounds" ] ||
	e2e_fail "only '${replies:-none}' ping replies during $rounds restarts: the traffic did not run"
sleep 1
after=$(snapshot) || e2e_fail "snapshot after the restarts unreadable (above)"
e2e_log "fds, guest mappings, mbufs in use: before '$before', after '$after'"
[ "$before" = "$after" ] || e2e_fail "resources not back to their start after $rounds restarts"
connects=$(grep -c 'vif1.0: connected' "$E2E_STATE/netback.log")
[ "$connects" -eq $((rounds + 1)) ] || e2e_fail "$connects connections, expected $((rounds + 1))"
e2e_netback_stop
echo "PASS: $rounds netfront restarts during traffic, nothing leaked"
