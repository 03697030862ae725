#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e (#14 rate=): the toolstack's "rate" key limits what a guest sends, as xen-netback's
# credit scheduler does, and a change takes effect while the guest runs:
#  - guest 1 with rate=10Mb/s (libxl writes "62500,50000": 62500 bytes per 50 ms) streams
#    byte-exact to the wire at no more than 10 Mbit/s + 15 % (and at least half of it),
#    while guest 2, unlimited, streams at the same time many times faster;
#  - the key changed to 40 Mbit/s, then removed: the next streams follow, with no reconnect;
#  - the vif counts the waits (xstats guest_tx_rate_waits).
# Prints "rate: configured ... achieved ..." lines (test/bench/rate.sh repeats them).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
name=rt$$
e2e_init "${name:0:8}"
stream=$e2e_top/test/e2e/stream.py
be1=/local/domain/0/backend/vif/1/0
xs() { XENSTORED_PATH=$E2E_STATE/xenstored.sock "$@"; }

# timed_stream K PORT BYTES: guest K -> wire, byte-exact; prints the sender's MB/s
timed_stream() {
	local k=$1 port=$2 bytes=$3 t0 t1 sent got
	e2e_in_wire python3 "$stream" serve "$port" >"$E2E_STATE/srv$port.out" &
	local srv=$!
	e2e_listen_wait "$E2E_WIRE_NS" "$port"
	t0=$(date +%s.%N)
	sent=$(e2e_in_guest "$k" timeout 120 python3 "$stream" send 10.99.0.1 "$port" "$bytes") ||
		e2e_fail "guest $k's stream: sender failed"
	t1=$(date +%s.%N)
	wait "$srv" || e2e_fail "guest $k's stream: receiver failed"
	got=$(cat "$E2E_STATE/srv$port.out")
	[ "$sent" = "$got" ] || e2e_fail "guest $k's stream: sent '$sent', received '$got'"
	awk -v b="$bytes" -v a="$t0" -v z="$t1" 'BEGIN { printf "%.3f", b / (z - a) / 1e6 }'
}

# check_rate MBPS_CONFIGURED MBPS_ACHIEVED: the limit holds, and traffic flows
check_rate() {
	echo "rate: configured $1 Mbit/s achieved $(awk -v a="$2" 'BEGIN { printf "%.2f", a * 8 }') Mbit/s"
	awk -v c="$1" -v a="$2" 'BEGIN { exit !(a * 8 <= c * 1.15 && a * 8 >= c * 0.5) }' ||
		e2e_fail "guest 1 at $(awk -v a="$2" 'BEGIN { print a * 8 }') Mbit/s with rate $1 Mbit/s"
}

e2e_bed_up 2
xs xenstore-write "$be1/rate" 62500,50000 || e2e_fail "writing $be1/rate"
e2e_netback_start --lro chain
e2e_wait_connected 1
e2e_wait_connected 2

# Guest 1 at 10 Mbit/s beside guest 2 unlimited, at the same time.
timed_stream 2 5102 268435456 >"$E2E_STATE/g2.rate" &
g2=$!
r1=$(timed_stream 1 5101 5000000) || exit 1
wait "$g2" || e2e_fail "guest 2's stream"
r2=$(cat "$E2E_STATE/g2.rate")
check_rate 10 "$r1"
e2e_log "guest 2, unlimited, at the same time: $r2 MB/s"
awk -v a="$r1" -v b="$r2" 'BEGIN { exit !(b >= 10 * a) }' ||
	e2e_fail "guest 2 ($r2 MB/s) was held back with guest 1 ($r1 MB/s)"

# Changed while connected: 40 Mbit/s.
xs xenstore-write "$be1/rate" 250000,50000 || e2e_fail "changing $be1/rate"
e2e_wait_for 5 grep -q "guest TX rate: 250000 bytes per 50000 us" "$E2E_STATE/netback.log" ||
	e2e_fail "the rate change was not applied"
check_rate 40 "$(timed_stream 1 5103 20000000)"
waits=$(e2e_telemetry "/ethdev/xstats,$(e2e_port_of 1)" | python3 -c \
	"import json,sys; print(json.load(sys.stdin)['/ethdev/xstats']['q0_guest_tx_rate_waits'])")
[ -n "$waits" ] && [ "$waits" -gt 0 ] || e2e_fail "guest 1's port counted no rate waits ('$waits')"

# Removed: unlimited again.
xs xenstore-rm "$be1/rate" || e2e_fail "removing $be1/rate"
e2e_wait_for 5 grep -q "guest TX rate: 0 bytes per 0 us (unlimited)" "$E2E_STATE/netback.log" ||
	e2e_fail "the rate's removal was not applied"
r=$(timed_stream 1 5104 268435456) || exit 1
e2e_log "guest 1 unlimited again: $r MB/s"
awk -v a="$r" 'BEGIN { exit !(a * 8 > 40 * 2) }' || e2e_fail "guest 1 still limited: $r MB/s"
e2e_netback_stop
echo "PASS: rate= limits a guest's TX, follows changes, and spares the other guest"
