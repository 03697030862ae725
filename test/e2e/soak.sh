#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e soak: three guests behind dpdk-netback for DNB_SOAK_SECONDS (default 60):
#  - guest 1 streams to and from the wire, byte-exact, the whole time (IPv4 and IPv6 in turn);
#  - guest 2 is hostile: it writes garbage into its rings every 50 ms (dnb-guest --hostile-ms),
#    so its vif is disabled and reconnects again and again;
#  - guest 3 is shut down and started again every few seconds (the toolstack removes and
#    re-adds its vif).
# Guest 1's streams must never break. At the end, with guests 2 and 3 gone, the service's
# file descriptors, guest memory mappings and packet buffers in use are back to what they
# were before, and the hostile vif's violations were counted.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
secs=${DNB_SOAK_SECONDS:-60}
name=sk$$
e2e_init "${name:0:8}"

e2e_bed_up 1
E2E_VIF_ARGS="--marked-vifs" e2e_netback_start --lro chain
e2e_wait_connected 1
pid=$E2E_NETBACK_PID
fds() { find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l; }
maps() { grep -c '/sim/dom' "/proc/$pid/maps"; }
in_use() { e2e_mbufs_resting; }
sleep 1
fds0=$(fds) && [ "$fds0" -gt 0 ] || e2e_fail "file descriptors of pid $pid unreadable"
maps0=$(maps) || e2e_fail "guest mappings of pid $pid unreadable"
use0=$(in_use) || e2e_fail "telemetry /dpdk_netback/mempool (above)"
e2e_log "start: fds $fds0, guest mappings $maps0, mbufs in use $use0"

bash "$e2e_bed" -n "$E2E_NAME" guest-start 2 -- --hostile-ms 50 --seed 7 >/dev/null ||
	e2e_fail "hostile guest did not start"
bash "$e2e_bed" -n "$E2E_NAME" guest-start 3 >/dev/null || e2e_fail "guest 3 did not start"

# Telemetry asked about every port all the time, while vifs come and go: a reader that
# raced a detach would touch a freed port table or LRO context (the sanitizer run catches it).
tel_sock=$(find /var/run/dpdk/"$E2E_NAME" -name 'dpdk_telemetry.v2' 2>/dev/null | head -n 1)
[ -S "$tel_sock" ] || e2e_fail "no telemetry socket under /var/run/dpdk/$E2E_NAME"
python3 - "$tel_sock" "$E2E_STATE/telemetry-hammer.count" <<'PY' &
import json, signal, socket, sys, time
n = 0
def done(*_):
    open(sys.argv[2], "w").write(str(n))
    sys.exit(0)
signal.signal(signal.SIGTERM, done)
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.recv(4096)  # the greeting
while True:
    for cmd in ["/dpdk_netback/ports", "/dpdk_netback/fdb"] + \
               ["/dpdk_netback/stats,%d" % p for p in range(8)]:
        s.send(cmd.encode())
        json.loads(s.recv(65536))
        n += 1
    time.sleep(0.001)  # a busy reader, not a CPU hog beside the datapath
PY
hammer=$!

# Guest 3 restarted every ~4-5 s. A failed stop or start ends the restarter and is
# recorded: its exit status cannot be read once it is killed at the end.
restarts=0
rm -f "$E2E_STATE/restarter.failed"
(
	while :; do
		sleep 3
		bash "$e2e_bed" -n "$E2E_NAME" guest-stop 3 >/dev/null ||
			{ echo "guest-stop 3 failed" >"$E2E_STATE/restarter.failed"; exit 1; }
		sleep 1
		bash "$e2e_bed" -n "$E2E_NAME" guest-start 3 >/dev/null ||
			{ echo "guest-start 3 failed" >"$E2E_STATE/restarter.failed"; exit 1; }
	done
) &
restarter=$!

end=$((SECONDS + secs))
streams=0
export DNB_STREAM_BYTES=${DNB_SOAK_STREAM_BYTES:-67108864}
while [ $SECONDS -lt $end ]; do
	# IPv4 and IPv6 in turn (#20)
	if [ $((streams % 4)) = 0 ]; then
		wire=10.99.0.1 guest=$(e2e_guest_ip 1) v=""
	else
		wire=fd99::1 guest=$(e2e_guest_ip6 1) v=6
	fi
	e2e_stream "$(e2e_guest_ns 1)" "$E2E_WIRE_NS" "$wire" "soak stream$v guest 1 -> wire"
	e2e_stream "$E2E_WIRE_NS" "$(e2e_guest_ns 1)" "$guest" "soak stream$v wire -> guest 1"
	streams=$((streams + 2))
done
kill -0 "$restarter" 2>/dev/null || e2e_fail "the restarter ended early: $(cat "$E2E_STATE/restarter.failed" 2>/dev/null)"
kill "$restarter" 2>/dev/null
wait "$restarter" 2>/dev/null
[ ! -e "$E2E_STATE/restarter.failed" ] || e2e_fail "restarter: $(cat "$E2E_STATE/restarter.failed")"
kill "$hammer" 2>/dev/null
wait "$hammer" 2>/dev/null
queries=$(cat "$E2E_STATE/telemetry-hammer.count" 2>/dev/null || echo 0)
e2e_log "telemetry: $queries answers while vifs came and went"
[ "$queries" -gt 100 ] || e2e_fail "the telemetry reader stopped early ($queries answers)"
restarts=$(grep -c 'vif3.0: attached' "$E2E_STATE/netback.log")
violations=$(grep -c 'vif2.0: guest broke the ring protocol' "$E2E_STATE/netback.log")
e2e_log "$streams byte-exact streams; guest 3 attached $restarts times; guest 2 disabled $violations times"
[ "$violations" -gt 0 ] || e2e_fail "the hostile guest was never disabled"
# one restart per ~5 s (sleep 3 + stop + sleep 1 + start): ~12 in 60 s; at least half that
[ "$restarts" -ge $((secs / 10)) ] && [ "$restarts" -ge 2 ] ||
	e2e_fail "guest 3 attached $restarts times in $secs s, expected about $((secs / 5))"

bash "$e2e_bed" -n "$E2E_NAME" guest-stop 2 >/dev/null || e2e_fail "the hostile guest's stop (above)"
bash "$e2e_bed" -n "$E2E_NAME" guest-stop 3 >/dev/null || e2e_fail "guest 3's stop (above)"
for ((i = 0; i < 100; i++)); do
	[ "$(grep -c 'detached' "$E2E_STATE/netback.log")" -ge "$((restarts + 1))" ] && break
	sleep 0.1
done
sleep 1 # LRO's time budget and the last bursts
fds1=$(fds) && [ "$fds1" -gt 0 ] || e2e_fail "file descriptors of pid $pid unreadable"
maps1=$(maps) || e2e_fail "guest mappings of pid $pid unreadable"
use1=$(in_use) || e2e_fail "telemetry /dpdk_netback/mempool at the end (above)"
e2e_log "end: fds $fds1, guest mappings $maps1, mbufs in use $use1"
[ "$fds1" -eq "$fds0" ] || e2e_fail "file descriptors: $fds0 before, $fds1 after"
[ "$maps1" -eq "$maps0" ] || e2e_fail "guest memory mappings: $maps0 before, $maps1 after"
[ "$use1" -eq "$use0" ] || e2e_fail "mbufs in use: $use0 before, $use1 after"
e2e_in_guest 1 ping -c 2 -i 0.2 -W 2 10.99.0.1 >/dev/null || e2e_fail "guest 1 after the soak"
e2e_netback_stop
echo "PASS: soak ($secs s): guest 1 unbroken, hostile and restarted guests cleaned up"
