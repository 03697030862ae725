#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e (#14 bridge=): several switches in one process, as a host has several bridges.
# Two wires on one subnet but separate segments (testbed.sh up -w 2: 10.99.0.1 behind wire
# port 0, 10.99.0.2 behind wire port 1), --switch xenbr0=net_af_packet0 --switch xenbr1=1,
# and the toolstack's `bridge` key: guests 1 and 2 on xenbr0, guest 3 on xenbr1, guest 4 on
# xenbr9, which no --switch names.
#  - each guest reaches its own side (the wire host, the other guest of its switch) and
#    nothing of the other switch: ARP, hence ping, fails across;
#  - a broadcast from either wire reaches its own switch's guests only (tcpdump in every
#    namespace; the same broadcast seen on the own side is the control);
#  - each switch's FDB holds its own vifs' MACs only; telemetry names the ports' switches;
#  - guest 4 is refused alone, with one log line naming the vif and the key's value (not
#    repeated by the full rescans), and its backend is never connected.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
name=br$$
e2e_init "${name:0:8}"
xs() { XENSTORED_PATH=$E2E_STATE/xenstored.sock "$@"; }

# can K IP: guest K pings IP (a reply within 2 s of 3 tries)
can() { e2e_in_guest "$1" ping -c 3 -i 0.2 -W 2 "$2" >/dev/null 2>&1; }
reach() { can "$1" "$2" || e2e_fail "guest $1 cannot reach $2 (its own switch)"; }
isolated() { ! can "$1" "$2" || e2e_fail "guest $1 reached $2 across switches"; }

# listen TAG NS IFACE: tcpdump of ICMP to the subnet's broadcast address, in the background
# (its timeout's pid in dumps: ip netns exec runs timeout in its own place)
dumps=()
listen() {
	ip netns exec "$2" timeout 30 tcpdump -i "$3" -nn -l -p \
		"icmp and dst host 10.99.0.255" >"$E2E_STATE/bc.$1" 2>"$E2E_STATE/bc.$1.err" &
	dumps+=($!)
	e2e_wait_for 5 grep -q "listening on" "$E2E_STATE/bc.$1.err" || e2e_fail "tcpdump in $2"
}
# heard TAG: broadcast echo requests tcpdump TAG saw (a sender's own among them)
heard() { grep -c "ICMP echo request" "$E2E_STATE/bc.$1"; }

E2E_WIRES=2
e2e_bed_up 4
for k in 1 2 3 4; do
	br=xenbr0
	[ "$k" = 3 ] && br=xenbr1
	[ "$k" = 4 ] && br=xenbr9
	xs xenstore-write "/local/domain/0/backend/vif/$k/0/bridge" "$br" ||
		e2e_fail "writing vif$k.0's bridge"
done
e2e_netback_start --switch xenbr0=net_af_packet0 --switch xenbr1=1
for k in 1 2 3; do e2e_wait_connected "$k"; done

# Each side works, then nothing crosses.
reach 1 10.99.0.1
reach 2 10.99.0.1
reach 1 "$(e2e_guest_ip 2)"
reach 3 10.99.0.2
isolated 1 10.99.0.2
isolated 2 10.99.0.2
isolated 3 10.99.0.1
isolated 3 "$(e2e_guest_ip 1)"
isolated 1 "$(e2e_guest_ip 3)"
e2e_log "pings: each guest reaches its own switch only"

# Broadcasts from each wire, heard on their own switch only.
listen g1 "$(e2e_guest_ns 1)" eth0
listen g2 "$(e2e_guest_ns 2)" eth0
listen g3 "$(e2e_guest_ns 3)" eth0
listen w0 "$E2E_WIRE_NS" "$E2E_NAME-w1"
listen w1 "$E2E_WIRE2_NS" "$E2E_NAME-x1"
ip netns exec "$E2E_WIRE2_NS" ping -b -c 5 -i 0.2 -W 1 10.99.0.255 >/dev/null 2>&1
ip netns exec "$E2E_WIRE_NS" ping -b -c 7 -i 0.2 -W 1 10.99.0.255 >/dev/null 2>&1
e2e_in_guest 3 ping -b -c 3 -i 0.2 -W 1 10.99.0.255 >/dev/null 2>&1
sleep 1
kill -INT "${dumps[@]}" 2>/dev/null # timeout passes it on: tcpdump writes what it has
wait "${dumps[@]}"
g1=$(heard g1) g2=$(heard g2) g3=$(heard g3) w0=$(heard w0) w1=$(heard w1)
e2e_log "broadcast echo requests heard: guest1 $g1 guest2 $g2 (xenbr0: 7 sent by wire 0)," \
	"guest3 $g3 wire1 $w1 (xenbr1: 5 by wire 1, 3 by guest 3; each hears its own), wire0 $w0"
[ "$g1" = 7 ] && [ "$g2" = 7 ] || e2e_fail "xenbr0's guests heard $g1, $g2 broadcasts, not 7 each"
[ "$g3" = 8 ] || e2e_fail "guest 3 heard $g3 broadcasts, not wire 1's 5 and its own 3"
[ "$w1" = 8 ] || e2e_fail "wire 1 heard $w1 broadcasts, not its own 5 and guest 3's 3"
[ "$w0" = 7 ] || e2e_fail "wire 0 heard $w0 broadcasts, not its own 7"

# Telemetry: each port's switch, each switch's FDB.
python3 - "$(e2e_telemetry /dpdk_netback/ports)" "$(e2e_telemetry /dpdk_netback/fdb,xenbr0)" \
	"$(e2e_telemetry /dpdk_netback/fdb,xenbr1)" "$(e2e_port_of 3)" <<'PY' || e2e_fail "telemetry"
import json, sys
ports = json.loads(sys.argv[1])["/dpdk_netback/ports"]
fdb0 = json.loads(sys.argv[2])["/dpdk_netback/fdb"]
fdb1 = json.loads(sys.argv[3])["/dpdk_netback/fdb"]
vif3 = sys.argv[4]
assert ports["0"] == "xenbr0" and ports["1"] == "xenbr1" and ports[vif3] == "xenbr1", ports
assert len(ports) == 5, ports  # two wires, three vifs: guest 4's is not attached
assert fdb0["switch"] == "xenbr0" and fdb1["switch"] == "xenbr1"
mac = lambda k: "00_16_3e_00_00_%02x/0" % k
assert mac(1) in fdb0["entries"] and mac(2) in fdb0["entries"], fdb0
assert mac(3) not in fdb0["entries"] and mac(3) in fdb1["entries"], (fdb0, fdb1)
assert mac(1) not in fdb1["entries"] and mac(2) not in fdb1["entries"], fdb1
assert fdb0["pinned"] == 2 and fdb1["pinned"] == 1, (fdb0, fdb1)
PY
e2e_log "telemetry: ports and FDBs per switch"

# Guest 4 refused alone, once, and left unconnected past a full rescan (5 s).
sleep 6
refusal="vif4.0: refused, not attached: backend key 'bridge' = 'xenbr9' names no --switch"
n=$(grep -cF "$refusal" "$E2E_STATE/netback.log")
[ "$n" = 1 ] || e2e_fail "guest 4's refusal logged $n times, not once"
[ "$(e2e_xs_read /local/domain/0/backend/vif/4/0/state)" != 4 ] || e2e_fail "vif4.0 connected"
! grep -q 'vif4\.0: attached' "$E2E_STATE/netback.log" || e2e_fail "vif4.0 attached"
reach 1 10.99.0.1
reach 3 10.99.0.2
e2e_netback_stop
echo "PASS: two switches in one process: no frame crosses, a vif of an unknown bridge refused alone"
