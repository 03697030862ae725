#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e: a wire host floods the switch with source MACs (issue 12). dpdk-netback runs with
# --fdb-size 256 --fdb-age 3 and the default --fdb-port-max (half: 128); two guests.
#  - the host sends 2560 frames from random source MACs: the wire port learns no more than
#    128 of them, the others are counted (sw_learn_cap) and still forwarded;
#  - the host stops: its stations age out, not before --fdb-age and within 10/8 of it plus
#    the scan (none left in /dpdk_netback/fdb, sw_aged counts them, sw_stations drops);
#  - then a new wire station asks guest 1 for its MAC: it is learned, guest 1's answers go
#    to the wire and guest 2 receives none of them. Without ageing the table stayed full
#    for good and every such answer was flooded to guest 2 as well.
# --fdb-age is 3 s rather than the least, 1: the counters must be read before the flood's
# stations age, and each telemetry session costs a python start on a loaded machine.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
frames=$e2e_top/test/e2e/fdb_frames.py
fdb_size=256
cap=$((fdb_size / 2))
age_s=3
station=0a:fd:b1:00:00:01 # the new wire station, 10.99.0.200
flood_prefix=0a_fd_b0     # the flood's source MACs as /dpdk_netback/fdb writes them
name=fdb$$
e2e_init "${name:0:8}"

# snapshot: one telemetry session for the wire port, guest 1's port and the FDB. Sets rx,
# learned, learn_cap, stations, fdb_full, aged (wire port), unknown1 (guest 1's unknown
# unicast), flooders (the flood's stations in the FDB), pinned, known (the new station).
# Every value must be read: a missing one fails the test rather than reading as zero.
rx='' learned='' learn_cap='' stations='' fdb_full='' aged='' unknown1='' flooders=''
pinned='' known=''
snapshot() {
	local out var val
	out=$(printf '%s\n' "/dpdk_netback/stats,$wire" "/dpdk_netback/stats,$port1" \
		/dpdk_netback/fdb | dpdk-telemetry.py -f "$E2E_NAME" 2>/dev/null |
		python3 -c "import json, sys
wire, vif, fdb = [json.loads(l) for l in sys.stdin if l.startswith('{')]
wire, vif = wire['/dpdk_netback/stats'], vif['/dpdk_netback/stats']
fdb = fdb['/dpdk_netback/fdb']
assert fdb['stations'] <= len(fdb['entries']), 'telemetry does not show every station'
for k in ('rx_pkts', 'learned', 'learn_cap', 'stations', 'fdb_full', 'aged'):
    print(k.replace('_pkts', ''), wire['sw_' + k])
print('unknown1', vif['sw_unknown_unicast'])
print('flooders', sum(k.startswith('$flood_prefix') for k in fdb['entries']))
print('pinned', fdb['pinned'])
print('known', int(fdb['entries'].get('${station//:/_}/0') == $wire))" 2>&1)
	for var in rx learned learn_cap stations fdb_full aged unknown1 flooders pinned known; do
		val=$(sed -n "s/^$var //p" <<<"$out")
		[[ $val =~ ^[0-9]+$ ]] || e2e_fail "telemetry: no $var read: $out"
		printf -v "$var" '%s' "$val"
	done
}
now() { date +%s.%N; }
secs() { awk "BEGIN { printf \"%.1f\", $2 - $1 }"; }

e2e_bed_up 2
e2e_netback_start --fdb-size "$fdb_size" --fdb-age "$age_s"
e2e_wait_connected 1
e2e_wait_connected 2
wire=$(sed -n 's/.*wire port \([0-9]*\):.*/\1/p' "$E2E_STATE/netback.log" | head -n 1)
port1=$(e2e_port_of 1)
[ -n "$wire" ] || e2e_fail "no wire port in the log"
[ -n "$port1" ] || e2e_fail "no port for guest 1 in the log"
w1=$E2E_NAME-w1

# The flood, then the counters as soon as the switch has seen every frame of it.
snapshot
rx0=$rx
t0=$(now)
sent=$(e2e_in_wire python3 "$frames" flood "$w1" $((10 * fdb_size))) ||
	e2e_fail "flood: sent '$sent' of $((10 * fdb_size)) frames"
t1=$(now)
for ((i = 0; i < 20; i++)); do
	snapshot
	[ "$rx" -ge $((rx0 + sent)) ] && break
done
t_read=$(now)
[ "$rx" -ge $((rx0 + sent)) ] || e2e_fail "the switch saw $((rx - rx0)) of $sent frames"
e2e_log "flood: $sent source MACs in $(secs "$t0" "$t1") s; $(secs "$t0" "$t_read") s after" \
	"its start the wire port holds $stations stations (learned $learned, learn_cap" \
	"$learn_cap, fdb_full $fdb_full); FDB: $flooders of the flood's, $pinned pinned"
awk "BEGIN { exit !($t_read - $t0 < $age_s) }" ||
	e2e_fail "counters read $(secs "$t0" "$t_read") s after the flood began: too late"
[ "$stations" -le "$cap" ] || e2e_fail "the wire port holds $stations stations, over its cap $cap"
if [ "$flooders" -lt $((cap / 2)) ] || [ "$flooders" -gt "$cap" ]; then
	e2e_fail "$flooders of the flood's stations learned, not between $((cap / 2)) and $cap"
fi
[ "$learn_cap" -ge $((sent - cap)) ] ||
	e2e_fail "sw_learn_cap $learn_cap: fewer than the $((sent - cap)) stations over the cap"
[ "$pinned" -eq 2 ] || e2e_fail "$pinned guest MACs pinned in the FDB, not 2"
stations0=$stations
flooders0=$flooders
learned0=$learned

# Ageing: every station of the flood goes, and not before it was idle for --fdb-age.
for ((i = 0; i < 30; i++)); do
	snapshot
	[ "$flooders" -eq 0 ] && break
	sleep 0.2
done
t2=$(now)
[ "$flooders" -eq 0 ] ||
	e2e_fail "$flooders stations of the flood still in the FDB $(secs "$t1" "$t2") s after it"
awk "BEGIN { exit !($t2 - $t0 >= $age_s) }" ||
	e2e_fail "the flood's stations went $(secs "$t0" "$t2") s after it began, before --fdb-age"
e2e_log "aged: none of the flood left $(secs "$t0" "$t2") s after its start; sw_aged $aged," \
	"wire stations $stations0 -> $stations"
[ "$aged" -ge "$flooders0" ] || e2e_fail "sw_aged $aged, fewer than the $flooders0 stations gone"
# the wire namespace's own stations may have been learned meanwhile
[ "$stations" -le $((stations0 - flooders0 + learned - learned0)) ] ||
	e2e_fail "sw_stations $stations after ageing, from $stations0 with $flooders0 gone" \
		"and $((learned - learned0)) learned"
[ "$pinned" -eq 2 ] || e2e_fail "$pinned guest MACs pinned after ageing, not 2"

# A new wire station asks guest 1 for its MAC; who receives the answers?
unknown0=$unknown1
e2e_in_guest 2 python3 "$frames" count eth0 "$station" 4 >"$E2E_STATE/guest2.count" &
g2=$!
e2e_in_wire python3 "$frames" count "$w1" "$station" 4 >"$E2E_STATE/wire.count" &
wc=$!
e2e_wait_for 10 e2e_capturing "$(e2e_guest_ns 2)" eth0 &&
	e2e_wait_for 10 e2e_capturing "$E2E_WIRE_NS" "$w1" ||
	e2e_fail "the frame counters did not start"
e2e_in_wire python3 "$frames" arp "$w1" "$station" 10.99.0.200 "$(e2e_guest_ip 1)" ||
	e2e_fail "sending ARP requests from the new station"
wait "$g2" || e2e_fail "capture in guest 2"
wait "$wc" || e2e_fail "capture on the wire"
to_guest2=$(cat "$E2E_STATE/guest2.count")
to_wire=$(cat "$E2E_STATE/wire.count")
[[ $to_guest2 =~ ^[0-9]+$ && $to_wire =~ ^[0-9]+$ ]] ||
	e2e_fail "captures: guest 2 '$to_guest2', wire '$to_wire'"
snapshot
e2e_log "guest 1's answers to the new station: $to_wire on the wire, $to_guest2 in guest 2;" \
	"guest 1's unknown unicast $unknown0 -> $unknown1"
[ "$to_wire" -gt 0 ] || e2e_fail "guest 1 never answered the new station: nothing to check"
[ "$known" -eq 1 ] || e2e_fail "the new station is not in the FDB on the wire port"
[ "$to_guest2" -eq 0 ] || e2e_fail "guest 2 received $to_guest2 frames for the wire station"
[ "$unknown1" -eq "$unknown0" ] || e2e_fail "guest 1's answers were flooded as unknown unicast"

e2e_netback_stop
echo "PASS: FDB flood capped per port, aged out after --fdb-age, no leak to another guest"
