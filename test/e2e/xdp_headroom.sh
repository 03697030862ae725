#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e (#15 feature-xdp-headroom): a guest switches its RX headroom on and off while it runs,
# as netfront does when an XDP program is attached and removed:
#  - the backend offers feature-xdp-headroom; the wire pings guest 1 all along;
#  - SIGUSR2: the guest writes xdp-headroom 256, goes Reconfiguring, the backend answers
#    Reconfigured, the guest is Connected again (no reconnect); a byte-exact stream from the
#    wire to the guest then lands at offset 256 of each first buffer (guest rx_headroom
#    counts those packets, xstats guest_rx_headroom says 256);
#  - SIGUSR2 again: headroom 0, the next stream byte-exact with no packet at an offset;
#  - the pings answered throughout (the data plane never stopped).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
name=xh$$
e2e_init "${name:0:8}"
export DNB_STREAM_BYTES=${DNB_STREAM_BYTES:-67108864}
be1=/local/domain/0/backend/vif/1/0

# guest_rx_headroom: guest 1's count of packets received at an offset (SIGUSR1 prints it)
guest_rx_headroom() {
	local before n
	before=$(grep -c "stats sigusr1 total" "$E2E_STATE/guest1.log")
	kill -USR1 "$(cat "$E2E_STATE/guest1.pid")" || e2e_fail "guest 1 gone"
	e2e_wait_for 5 test "$(grep -c "stats sigusr1 total" "$E2E_STATE/guest1.log")" -gt "$before" ||
		e2e_fail "guest 1 printed no stats"
	n=$(grep "stats sigusr1 total" "$E2E_STATE/guest1.log" | tail -n 1 |
		sed -n 's/.* rx_headroom=\([0-9]*\).*/\1/p')
	[ -n "$n" ] || e2e_fail "guest 1's stats have no rx_headroom"
	echo "$n"
}

# each_queue PORT NAME VALUE: every queue's xstat qN_NAME is VALUE (a gauge: not summed)
each_queue() {
	e2e_telemetry "/ethdev/xstats,$1" | python3 -c '
import json, re, sys
x = json.load(sys.stdin)["/ethdev/xstats"]
v = [n for k, n in x.items() if re.fullmatch(r"q[0-9]+_" + sys.argv[1], k)]
sys.exit(0 if v and all(n == int(sys.argv[2]) for n in v) else f"{sys.argv[1]}: {v}")
' "$2" "$3" || e2e_fail "xstats $2 of port $1 not $3 on every queue"
}

# switch_headroom BYTES: SIGUSR2 to guest 1, then the whole dance, seen from both sides
switch_headroom() {
	kill -USR2 "$(cat "$E2E_STATE/guest1.pid")" || e2e_fail "guest 1 gone"
	e2e_wait_for 10 grep -q "xdp-headroom $1: backend Reconfigured" "$E2E_STATE/guest1.log" ||
		e2e_fail "guest 1 saw no Reconfigured for headroom $1"
	e2e_wait_for 10 grep -q "guest RX headroom: $1 bytes" "$E2E_STATE/netback.log" ||
		e2e_fail "the service did not apply headroom $1"
	e2e_wait_for 10 test "$(e2e_xs_read "$be1/state")" = 4 ||
		e2e_fail "backend not Connected again after headroom $1 ($(e2e_xs_read "$be1/state"))"
	e2e_log "headroom $1: Reconfiguring, Reconfigured, Connected"
}

e2e_bed_up 1
e2e_netback_start
e2e_wait_connected 1
[ "$(e2e_xs_read "$be1/feature-xdp-headroom")" = 1 ] || e2e_fail "feature-xdp-headroom not offered"
port=$(e2e_port_of 1)

e2e_in_wire ping -n -i 0.1 -c 400 -W 2 "$(e2e_guest_ip 1)" >"$E2E_STATE/ping.out" 2>&1 &
pinger=$!

switch_headroom 256
e2e_stream "$E2E_WIRE_NS" "$(e2e_guest_ns 1)" "$(e2e_guest_ip 1)" "wire -> guest 1, headroom 256"
each_queue "$port" guest_rx_headroom 256
on=$(guest_rx_headroom)
# 64 MiB in 64 KiB TSO packets at most: a thousand at least, each at offset 256
[ "$on" -ge 1000 ] || e2e_fail "guest 1 received $on packets at an offset with headroom 256"
e2e_log "guest 1: $on packets at offset 256"

switch_headroom 0
sleep 1 # packets placed before the switch are received by now
off=$(guest_rx_headroom)
e2e_stream "$E2E_WIRE_NS" "$(e2e_guest_ns 1)" "$(e2e_guest_ip 1)" "wire -> guest 1, headroom 0"
each_queue "$port" guest_rx_headroom 0
each_queue "$port" guest_rx_headroom_changes 2
after=$(guest_rx_headroom)
[ "$after" = "$off" ] || e2e_fail "headroom off, yet $((after - off)) packets at an offset"

wait "$pinger"
rcvd=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$E2E_STATE/ping.out")
e2e_log "pings answered: $rcvd of 400"
# The data plane never stops for a reconfiguration: a loss would be the sim bed's scheduling,
# so allow 1 %.
[ -n "$rcvd" ] && [ "$rcvd" -ge 396 ] || e2e_fail "pings lost: $(tail -n 2 "$E2E_STATE/ping.out")"
grep -q "refusing frontend" "$E2E_STATE/netback.log" && e2e_fail "the vif was refused"
e2e_netback_stop
echo "PASS: xdp-headroom switched on and off under pings and byte-exact streams"
