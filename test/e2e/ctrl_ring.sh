#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e (#15 feature-ctrl-ring): a 2-queue guest with a control ring, as a Windows frontend
# uses it for RSS, beside a guest without one:
#  - guest 1 reloads its netfront with --ctrl-ring: it grants a control ring, sets Toeplitz
#    over IPv4+TCP and IPv6+TCP, a key and an 8-entry mapping table that is not hash % 2
#    (the service counts the 5 requests: xstat ctrl_requests);
#  - 16 TCP flows from the wire to guest 1, byte-exact: guest 1 checks every frame's hash
#    extra against its own Toeplitz and that it arrived on the queue its table says
#    (dnb-guest's 'ctrl' stats: no hash_bad, no queue_bad), and both of its queues
#    received (per-queue xstats q0_/q1_guest_rx_packets);
#  - the service is killed (SIGKILL, --on-exit keep) and started again: it restores the
#    hash settings from the vif's dpdk-netback-state key, the guest asks nothing again
#    (ctrl_requests stays 0 in the new process), and 16 more flows carry the right hash
#    extras on the right queues;
#  - guest 2 (no control ring, 2 queues) streams byte-exact as before.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
name=cr$$
e2e_init "${name:0:8}"
stream=$e2e_top/test/e2e/stream.py
flows=16

# ctrl_lines: how many 'ctrl' stats lines guest 1 printed on SIGUSR1
ctrl_lines() { grep -c "stats sigusr1 ctrl" "$E2E_STATE/guest1.log"; }
more_ctrl_than() { [ "$(ctrl_lines)" -gt "$1" ]; }

# ctrl_stats: guest 1's 'ctrl' stats line, asked for with SIGUSR1
ctrl_stats() {
	local before
	before=$(ctrl_lines)
	kill -USR1 "$(cat "$E2E_STATE/guest1.pid")" || e2e_fail "guest 1 gone"
	e2e_wait_for 5 more_ctrl_than "$before" || e2e_fail "guest 1 printed no ctrl stats"
	grep "stats sigusr1 ctrl" "$E2E_STATE/guest1.log" | tail -n 1
}

# field LINE KEY: KEY=N of a stats line
field() {
	local n
	n=$(sed -n "s/.* $2=\([0-9]*\).*/\1/p" <<<"$1")
	[ -n "$n" ] || e2e_fail "guest 1's ctrl stats have no $2: '$1'"
	echo "$n"
}

# flows BASE: $flows byte-exact TCP flows from the wire to guest 1, on ports BASE..
flows() {
	local i port srv sent
	for ((i = 0; i < flows; i++)); do
		port=$(($1 + i))
		e2e_in_guest 1 python3 "$stream" serve "$port" >"$E2E_STATE/srv$port.out" &
		srv=$!
		e2e_listen_wait "$(e2e_guest_ns 1)" "$port"
		sent=$(e2e_in_wire timeout 60 python3 "$stream" send "$ip1" "$port" 200000) ||
			e2e_fail "flow $i: sender failed"
		wait "$srv" || e2e_fail "flow $i: receiver failed"
		[ "$sent" = "$(cat "$E2E_STATE/srv$port.out")" ] || e2e_fail "flow $i: not byte-exact"
	done
}

# check_hashes MIN_OK: guest 1 saw no wrong or missing hash, no wrong queue, >= MIN_OK
# hashed frames; prints its hash_ok
check_hashes() {
	local line ok bad qok qbad
	line=$(ctrl_stats) || exit 1
	ok=$(field "$line" hash_ok) && bad=$(field "$line" hash_bad) &&
		qok=$(field "$line" queue_ok) && qbad=$(field "$line" queue_bad) || exit 1
	e2e_log "guest 1: hash_ok $ok hash_bad $bad queue_ok $qok queue_bad $qbad" >&2
	[ "$bad" = 0 ] || e2e_fail "$bad frames with a wrong or missing hash (guest1.log)"
	[ "$qbad" = 0 ] || e2e_fail "$qbad frames on a queue the mapping did not give (guest1.log)"
	[ "$ok" -ge "$1" ] || e2e_fail "only $ok hashed frames checked"
	[ "$qok" = "$ok" ] || e2e_fail "queue_ok $qok != hash_ok $ok"
	echo "$ok"
}

# both_queues: guest 1's vif sent on both of its queues
both_queues() {
	local q0 q1
	q0=$(e2e_vif_xstat "$port1" q0_guest_rx_packets)
	q1=$(e2e_vif_xstat "$port1" q1_guest_rx_packets)
	e2e_log "guest 1's queues: q0 $q0 q1 $q1 packets"
	[ "$q0" -gt 0 ] && [ "$q1" -gt 0 ] || e2e_fail "$flows flows did not use both queues"
}

# state_saved: the service saved guest 1's hash settings (Toeplitz) in its state key
state_saved() { e2e_xs_read /local/domain/0/backend/vif/1/0/dpdk-netback-state | grep -q "alg=1 "; }

e2e_bed_up 2 --queues 2
E2E_ON_EXIT=keep e2e_netback_start --vif-queues 2
e2e_wait_connected 1
e2e_wait_connected 2
port1=$(e2e_port_of 1)
bash "$e2e_bed" -n "$E2E_NAME" guest-restart 1 -- --queues 2 --ctrl-ring >/dev/null ||
	e2e_fail "guest 1 did not restart with --ctrl-ring"
e2e_wait_for 15 grep -q "control ring: Toeplitz" "$E2E_STATE/guest1.log" ||
	e2e_fail "guest 1 could not set up hashing over its control ring"
[ "$(e2e_vif_xstat "$port1" ctrl_requests)" = 5 ] || e2e_fail "ctrl_requests is not 5"

ip1=$(e2e_guest_ip 1)
flows 5200
ok=$(check_hashes $((flows * 10))) || exit 1
both_queues

# A restart the guest does not see: killed, so only what the control thread saved counts.
e2e_wait_for 10 state_saved || e2e_fail "the hash settings were not saved in xenstore"
e2e_netback_restart KILL --vif-queues 2
grep -q "vif1.0: restored from dpdk-netback-state: control ring hashing" \
	"$E2E_STATE/netback.log" || e2e_fail "the new process did not restore guest 1's hashing"
port1=$(e2e_port_of 1)
[ "$(e2e_vif_xstat "$port1" ctrl_requests)" = 0 ] ||
	e2e_fail "guest 1 had to set hashing again"
flows 5300
ok2=$(check_hashes $((ok + flows * 10))) || exit 1
e2e_log "after the restart: $((ok2 - ok)) more frames hashed as guest 1 set it"
both_queues
[ "$(e2e_vif_xstat "$port1" ctrl_requests)" = 0 ] || e2e_fail "guest 1 sent control requests"

DNB_STREAM_BYTES=16777216 e2e_stream "$E2E_WIRE_NS" "$(e2e_guest_ns 2)" "$(e2e_guest_ip 2)" \
	"wire -> guest 2 (no control ring)"
e2e_netback_stop
echo "PASS: the control ring's hash reaches the guest on every frame, on the queue it chose, across a restart"
