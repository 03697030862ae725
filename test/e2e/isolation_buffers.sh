#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e (#12): one guest cannot take the buffers the others need. Two workers, so frames cross
# hand-off rings, and a small shared pool (--mbufs 8192). Guest 2 stops giving RX buffers
# (dnb-guest --rx-stall) while the wire floods it and guest 3 sends it 64 KiB TCP GSO chains
# as fast as it can (--junk big). Meanwhile guest 1 streams byte-exact from and to the wire.
# The shared pool never falls below a floor (a quarter of it free, sampled every 0.1 s),
# guest 1's streams complete, and the counters say who was dropped: guest 2's RX stall
# drops and its hand-off refusals, guest 3's own pool doing the holding.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
name=ib$$
e2e_init "${name:0:8}"
mbufs=8192
secs=${DNB_FLOOD_SECONDS:-15}
mac2=00:16:3e:00:00:02

e2e_bed_up 1
E2E_LCORES="--lcores 0@0,1@1,2@0" E2E_VIF_ARGS="--marked-vifs" \
	e2e_netback_start --lro chain --mbufs "$mbufs" --vif-mbufs 2048
e2e_wait_connected 1
bash "$e2e_bed" -n "$E2E_NAME" guest-start 2 -- --rx-stall >/dev/null ||
	e2e_fail "guest 2 did not start"
e2e_wait_connected 2
bash "$e2e_bed" -n "$E2E_NAME" guest-start 3 -- --junk big --junk-dst "$mac2" >/dev/null ||
	e2e_fail "guest 3 did not start"
e2e_wait_connected 3
port2=$(e2e_port_of 2)
port3=$(e2e_port_of 3)
[ -n "$port2" ] && [ -n "$port3" ] || e2e_fail "no ports for guests 2 and 3 in the log"

# Sample the pools while the flood runs.
python3 - "$E2E_NAME" "$secs" >"$E2E_STATE/pool.samples" <<'PY' &
import json, subprocess, sys, time
end = time.monotonic() + float(sys.argv[2]) + 2
while time.monotonic() < end:
    out = subprocess.run(["dpdk-telemetry.py", "-f", sys.argv[1]], input="/dpdk_netback/mempool\n",
                         capture_output=True, text=True).stdout.strip().splitlines()
    if out:
        m = json.loads(out[-1])["/dpdk_netback/mempool"]
        print(m["size"], m["shared_in_use"], m["vif_in_use"], m["handoff_mbufs"], flush=True)
    time.sleep(0.1)
PY
sampler=$!
e2e_in_wire python3 "$e2e_top/test/e2e/wire_flood.py" "$E2E_NAME-w1" "$mac2" 2000000 "$secs" \
	>"$E2E_STATE/flood.out" &
flood=$!
DNB_STREAM_BYTES=268435456 e2e_stream "$(e2e_guest_ns 1)" "$E2E_WIRE_NS" 10.99.0.1 \
	"stream guest 1 -> wire under the flood"
DNB_STREAM_BYTES=268435456 e2e_stream "$E2E_WIRE_NS" "$(e2e_guest_ns 1)" "$(e2e_guest_ip 1)" \
	"stream wire -> guest 1 under the flood"
wait "$flood"
wait "$sampler"
e2e_log "wire flood to guest 2: $(cat "$E2E_STATE/flood.out") frames"

read -r n size worst vifmax hmax < <(awk '{ n++; if ($2 > w) w = $2; if ($3 > v) v = $3;
	if ($4 > h) h = $4 } END { print n, $1, w, v, h }' "$E2E_STATE/pool.samples")
[ "${n:-0}" -ge 10 ] || e2e_fail "only ${n:-0} pool samples"
e2e_log "shared pool: $size mbufs, at most $worst in use; vif pools at most $vifmax in use;" \
	"hand-off rings at most $hmax mbufs ($n samples)"
[ "$worst" -le $((size * 3 / 4)) ] || e2e_fail "shared pool fell below a quarter free ($worst of $size in use)"

declare -A c
c[stall]=$(e2e_xstat "$port2" guest_rx_stall_drops)
c[handoff]=$(e2e_stat "$port2" handoff_drops)
c[g3_pool]=$(e2e_stat "$port3" pool_in_use)
c[g3_rx]=$(e2e_stat "$port3" rx_pkts)
for k in "${!c[@]}"; do [ -n "${c[$k]}" ] || e2e_fail "counter $k not read"; done
e2e_log "guest 2: rx stall drops ${c[stall]}, hand-off refusals ${c[handoff]};" \
	"guest 3: sent ${c[g3_rx]} frames, its pool ${c[g3_pool]} in use"
[ "${c[stall]}" -gt 0 ] || e2e_fail "guest 2's stall dropped nothing: was it flooded?"
[ "${c[g3_rx]}" -gt 0 ] || e2e_fail "guest 3 sent nothing"
e2e_in_guest 1 ping -c 2 -i 0.2 -W 2 10.99.0.1 >/dev/null || e2e_fail "guest 1 after the flood"
e2e_netback_stop
echo "PASS: a stalled guest and its senders held at most $worst of $size shared mbufs"
