#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e: dpdk-netback is SIGKILLed while a guest is connected, then the guest shuts down with
# no backend running. As the kernel does for a dead dom0 process (gntdev unmaps, evtchn
# unbinds), the sim releases what the dead process held: the guest ends every grant
# (grants_leaked=0 in its exit stats). A new dpdk-netback then serves the guest again and
# no record of the dead process is left in the sim's directory.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
name=bk$$
e2e_init "${name:0:8}"
sim=$E2E_STATE/sim

# dead_records: the handle records (be<token>.rec) in the sim's directory that no live
# process holds (flock), and the event channel sockets without a record
dead_records() {
	local f
	for f in "$sim"/be*.rec; do
		[ -e "$f" ] || continue
		flock -n -x "$f" true && echo "$f"
	done
	for f in "$sim"/be*.evtchn; do
		[ -e "$f" ] || continue
		[ -e "${f%.evtchn}.rec" ] || echo "$f"
	done
}

e2e_bed_up 1
e2e_netback_start
e2e_wait_connected 1
e2e_in_guest 1 ping -c 2 -i 0.2 -W 2 10.99.0.1 >/dev/null || e2e_fail "no traffic before the kill"
old=$E2E_NETBACK_PID
kill -KILL "$old"
wait "$old" 2>/dev/null
E2E_NETBACK_PID=
dead=$(dead_records)
[ -n "$dead" ] || e2e_fail "the killed process left no record of what it held: $(ls "$sim")"
e2e_log "dpdk-netback (pid $old) killed, leaving $(basename -a $dead | tr '\n' ' ')"

# The guest waits for the dead backend to close (bounded), then ends its grants.
bash "$e2e_bed" -n "$E2E_NAME" guest-stop 1 >/dev/null || e2e_fail "guest-stop"
stats=$(grep 'dnb-guest dom1: stats exit' "$E2E_STATE/guest1.log" | tail -n 1)
[ -n "$stats" ] || { cat "$E2E_STATE/guest1.log"; e2e_fail "the guest printed no exit stats"; }
e2e_log "$stats"
[[ "$stats" == *" grants_leaked=0 "* ]] ||
	{ cat "$E2E_STATE/guest1.log"; e2e_fail "the guest leaked grants to the dead backend"; }

# The guest boots again and a new dpdk-netback serves it.
bash "$e2e_bed" -n "$E2E_NAME" guest-start 1 >/dev/null || e2e_fail "guest-start"
e2e_netback_start
e2e_wait_connected 1
e2e_in_guest 1 ping -c 2 -i 0.2 -W 2 10.99.0.1 >/dev/null || e2e_fail "no traffic after the new start"
dead=$(dead_records)
[ -z "$dead" ] || e2e_fail "left by the dead process: $dead"
ls "$sim"/be*.rec >/dev/null 2>&1 || e2e_fail "the new dpdk-netback keeps no record: $(ls "$sim")"
e2e_netback_stop
! ls "$sim"/be* >/dev/null 2>&1 || e2e_fail "left after a clean stop: $(ls "$sim")"
echo "PASS: a SIGKILLed backend's grants and ports are released; a new backend takes over"
