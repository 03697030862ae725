#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e (#15 feature-xdp-headroom): a guest switches its RX headroom on and off while it runs,
# as netfront does when an XDP program is attached and removed:
#  - the backend offers feature-xdp-headroom; the wire pings guest 1 all along;
#  - SIGUSR2 in the middle of a byte-exact stream from the wire to the guest: the guest
#    writes xdp-headroom 256, goes Reconfiguring, the backend answers Reconfigured, the
#    guest is Connected again (no reconnect), the stream arrives whole; the next one lands
#    at offset 256 of each first buffer (guest rx_headroom counts those packets, xstats
#    guest_rx_headroom says 256 on every queue);
#  - SIGUSR2 again in the middle of a stream: headroom 0, that stream whole, and the next
#    one byte-exact with no packet at an offset;
#  - the pings answered throughout (the data plane never stopped);
#  - the guest restarted with --xdp-headroom 4000: read at connect, capped at 2048, a stream
#    byte-exact.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
name=xh$$
e2e_init "${name:0:8}"
export DNB_STREAM_BYTES=${DNB_STREAM_BYTES:-67108864}
be1=/local/domain/0/backend/vif/1/0

# stats_lines: how many totals guest 1 printed on SIGUSR1
stats_lines() { grep -c "stats sigusr1 total" "$E2E_STATE/guest1.log"; }
# more_stats_than N: guest 1 printed more than N totals
more_stats_than() { [ "$(stats_lines)" -gt "$1" ]; }

# guest_rx_headroom: guest 1's count of packets received at an offset (SIGUSR1 prints it)
guest_rx_headroom() {
	local before n
	before=$(stats_lines)
	kill -USR1 "$(cat "$E2E_STATE/guest1.pid")" || e2e_fail "guest 1 gone"
	e2e_wait_for 5 more_stats_than "$before" || e2e_fail "guest 1 printed no stats"
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

# backend_connected: vif 1.0's backend state is Connected
backend_connected() { [ "$(e2e_xs_read "$be1/state")" = 4 ]; }

# switch_headroom BYTES: SIGUSR2 to guest 1, then the whole dance, seen from both sides
switch_headroom() {
	kill -USR2 "$(cat "$E2E_STATE/guest1.pid")" || e2e_fail "guest 1 gone"
	e2e_wait_for 10 grep -q "xdp-headroom $1: backend Reconfigured" "$E2E_STATE/guest1.log" ||
		e2e_fail "guest 1 saw no Reconfigured for headroom $1"
	e2e_wait_for 10 grep -q "guest RX headroom: $1 bytes" "$E2E_STATE/netback.log" ||
		e2e_fail "the service did not apply headroom $1"
	e2e_wait_for 10 backend_connected ||
		e2e_fail "backend not Connected again after headroom $1 ($(e2e_xs_read "$be1/state"))"
	e2e_log "headroom $1: Reconfiguring, Reconfigured, Connected"
}

e2e_bed_up 1
e2e_netback_start
e2e_wait_connected 1
[ "$(e2e_xs_read "$be1/feature-xdp-headroom")" = 1 ] || e2e_fail "feature-xdp-headroom not offered"
port=$(e2e_port_of 1)

# ping itself, not a subshell: it must take the SIGINT that ends it
ip netns exec "$E2E_WIRE_NS" ping -n -i 0.1 -W 2 "$(e2e_guest_ip 1)" >"$E2E_STATE/ping.out" 2>&1 &
pinger=$!
e2e_wait_for 10 grep -q "bytes from" "$E2E_STATE/ping.out" || e2e_fail "guest 1 answers no ping"

# stream_started: guest 1's stream receiver has its connection
stream_started() { e2e_in_guest 1 ss -Htn state established "sport = :5001" | grep -q .; }

# stream_to_guest LABEL: the wire streams to guest 1, byte-exact (in the background: $!)
stream_to_guest() {
	e2e_stream "$E2E_WIRE_NS" "$(e2e_guest_ns 1)" "$(e2e_guest_ip 1)" "$1"
}

# switch_in_stream BYTES: switch_headroom in the middle of a 512 MiB stream to guest 1 (checked:
# the switch is done before the stream is), which must land whole all the same
switch_in_stream() {
	local streamer
	DNB_STREAM_BYTES=536870912 stream_to_guest "wire -> guest 1, headroom switched to $1" &
	streamer=$!
	e2e_wait_for 10 stream_started || e2e_fail "the stream did not start"
	switch_headroom "$1"
	kill -0 "$streamer" 2>/dev/null || e2e_fail "the stream ended before the switch to $1 did"
	wait "$streamer" || exit 1
}

# On in the middle of a stream: the packets before and after the switch all land whole.
switch_in_stream 256
stream_to_guest "wire -> guest 1, headroom 256"
each_queue "$port" guest_rx_headroom 256
on=$(guest_rx_headroom)
# 64 MiB in 64 KiB TSO packets at most: a thousand at least, each at offset 256
[ "$on" -ge 1000 ] || e2e_fail "guest 1 received $on packets at an offset with headroom 256"
e2e_log "guest 1: $on packets at offset 256"

# Off in the middle of a stream, then a whole stream with no packet at an offset.
switch_in_stream 0
off=$(guest_rx_headroom)
stream_to_guest "wire -> guest 1, headroom 0"
each_queue "$port" guest_rx_headroom 0
each_queue "$port" guest_rx_headroom_changes 2
after=$(guest_rx_headroom)
[ "$after" = "$off" ] || e2e_fail "headroom off, yet $((after - off)) packets at an offset"

kill -INT "$pinger"
wait "$pinger" # its status: 1 when a reply was missing; the counts below decide
# The data plane never stops for a reconfiguration. A lone lost ping is the sim bed's
# scheduling under a saturating stream (2 cores: CI lost 2 of 51, not in a row), so what is
# checked is the longest run of unanswered pings (3, 0.3 s: a stop of the data plane for a
# reconnect or a ring remap would be longer) and 90 % answered overall.
python3 - "$E2E_STATE/ping.out" <<'PY' || e2e_fail "pings lost: $(tail -n 2 "$E2E_STATE/ping.out")"
import re, sys, time
out = open(sys.argv[1]).read()
sent = int(re.search(r"^(\d+) packets transmitted", out, re.M).group(1))
seqs = sorted({int(n) for n in re.findall(r"icmp_seq=(\d+) ", out)})
# the last ping may be cut off by the SIGINT: runs are counted up to the last answer
gaps = [b - a - 1 for a, b in zip([0] + seqs, seqs)]
print(f"[{time.strftime('%T')}] pings answered: {len(seqs)} of {sent}, longest run unanswered {max(gaps)}")
sys.exit(0 if sent >= 20 and len(seqs) * 10 >= sent * 9 and max(gaps) <= 3 else 1)
PY
grep -q "refusing frontend" "$E2E_STATE/netback.log" && e2e_fail "the vif was refused"

# A netfront that (re)connects with XDP on writes xdp-headroom before Connected: read at
# connect, and capped (4000 would leave the first slot 96 bytes; the backend allows 2048).
bash "$e2e_bed" -n "$E2E_NAME" guest-stop 1 >/dev/null || e2e_fail "guest-stop"
bash "$e2e_bed" -n "$E2E_NAME" guest-start 1 -- --xdp-headroom 4000 >/dev/null ||
	e2e_fail "guest 1 did not start with --xdp-headroom 4000"
e2e_wait_connected 1
grep -q "vif1.0: /local/domain/1/device/vif/0/xdp-headroom 4000 capped at 2048" \
	"$E2E_STATE/netback.log" || e2e_fail "xdp-headroom 4000 not capped (or not read at connect)"
port=$(e2e_port_of 1)
# guest_answers: guest 1 answers a ping from the wire (its TAP is up, its neighbour known)
guest_answers() { e2e_in_wire ping -n -c 1 -W 1 "$(e2e_guest_ip 1)" >/dev/null; }
e2e_wait_for 10 guest_answers || e2e_fail "guest 1 answers no ping after its restart"
stream_to_guest "wire -> guest 1, connected with headroom 4000 (2048)"
each_queue "$port" guest_rx_headroom 2048
capped=$(guest_rx_headroom)
[ "$capped" -ge 1000 ] || e2e_fail "guest 1 received $capped packets at an offset with 2048"
e2e_netback_stop
echo "PASS: xdp-headroom switched on and off under pings and byte-exact streams"
