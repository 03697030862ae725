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
snapshot() {
	printf '%s %s %s' "$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l)" \
		"$(grep -c '/sim/dom' "/proc/$pid/maps")" \
		"$(e2e_telemetry /dpdk_netback/mempool | python3 -c \
			"import json,sys; print(json.load(sys.stdin)['/dpdk_netback/mempool']['in_use'])")"
}
sleep 0.5
before=$(snapshot)
# three numbers, or the comparison below would pass on two failed reads
[[ "$before" =~ ^[0-9]+\ [0-9]+\ [0-9]+$ ]] || e2e_fail "snapshot unreadable: '$before'"
e2e_in_wire ping -i 0.01 -q "$(e2e_guest_ip 1)" >/dev/null 2>&1 &
pinger=$!
for ((r = 1; r <= rounds; r++)); do
	bash "$e2e_bed" -n "$E2E_NAME" guest-restart 1 >/dev/null || e2e_fail "restart $r"
	e2e_wait_connected 1
	e2e_in_guest 1 ping -c 1 -W 2 10.99.0.1 >/dev/null || e2e_fail "no traffic after restart $r"
done
kill "$pinger" 2>/dev/null
sleep 1
after=$(snapshot)
e2e_log "fds, guest mappings, mbufs in use: before '$before', after '$after'"
[ "$before" = "$after" ] || e2e_fail "resources not back to their start after $rounds restarts"
connects=$(grep -c 'vif1.0: connected' "$E2E_STATE/netback.log")
[ "$connects" -eq $((rounds + 1)) ] || e2e_fail "$connects connections, expected $((rounds + 1))"
e2e_netback_stop
echo "PASS: $rounds netfront restarts during traffic, nothing leaked"
