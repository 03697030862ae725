#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e (#14 capture): packet capture of a port from the running service, through telemetry
# (/dpdk_netback/capture), where a vif has no netdev for tcpdump:
#  - guest 1's vif (named 1/0) and the wire port (named wire) captured while the wire pings
#    the guest 5 times; stopped; tcpdump reads both files, and each holds the 5 requests
#    and 5 replies in order, with their directions: a request is sent to the vif and
#    received by the wire port, a reply the other way;
#  - a capture bounded by MAXBYTES stops by itself, its file within the bound and readable;
#  - a file name with '..', or a path outside --capture-dir, is refused naming why, and
#    nothing is written.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
icmp=$e2e_top/test/e2e/pcapng_icmp.py
name=cap$$
e2e_init "${name:0:8}"
capdir=$E2E_STATE/capture

# tel CMD: the answer's value (JSON) for the one command
tel() {
	e2e_telemetry "$1" | python3 -c 'import json, sys; print(json.dumps(list(json.load(sys.stdin).values())[0]))'
}

# expect_icmp FILE DIR_REQUEST DIR_REPLY: FILE holds exactly echo requests 1..5 each
# followed by its reply, seen in the given directions
expect_icmp() {
	local want="" seq got
	for seq in 1 2 3 4 5; do
		want+="$2 request $seq"$'\n'"$3 reply $seq"$'\n'
	done
	got=$(python3 "$icmp" "$1") || e2e_fail "$1: not well-formed pcapng"
	[ "$got"$'\n' = "$want" ] || e2e_fail "$1: the ICMP frames are"$'\n'"$got"$'\n'"not"$'\n'"$want"
	tcpdump -nn -r "$1" icmp 2>/dev/null >"$E2E_STATE/tcpdump.out" ||
		e2e_fail "tcpdump cannot read $1"
	[ "$(grep -c 'ICMP echo request' "$E2E_STATE/tcpdump.out")" = 5 ] &&
		[ "$(grep -c 'ICMP echo reply' "$E2E_STATE/tcpdump.out")" = 5 ] ||
		e2e_fail "tcpdump -r $1 does not show 5 requests and 5 replies: $(cat "$E2E_STATE/tcpdump.out")"
}

e2e_bed_up 1
e2e_netback_start --lro off --capture-dir "$capdir"
e2e_wait_connected 1
port1=$(e2e_port_of 1)
[ -n "$port1" ] || e2e_fail "guest 1's port is not in the log"
e2e_in_wire ping -c 1 -W 5 "$(e2e_guest_ip 1)" >/dev/null || e2e_fail "the wire cannot ping guest 1"

# Both ports at once, in both directions.
out=$(tel "/dpdk_netback/capture,start,1/0,vif.pcapng")
[[ $out == *"\"file\": \"$capdir/vif.pcapng\""* ]] || e2e_fail "capture of vif 1/0 not started: $out"
out=$(tel "/dpdk_netback/capture,start,wire,wire.pcapng")
[[ $out == *"\"file\": \"$capdir/wire.pcapng\""* ]] || e2e_fail "capture of the wire not started: $out"
out=$(tel "/dpdk_netback/capture,start,$port1,again.pcapng")
[[ $out == *'"error": "port '*'is being captured already"'* ]] ||
	e2e_fail "a second capture of port $port1 was not refused: $out"
out=$(tel /dpdk_netback/capture)
[[ $out == *"\"port$port1\": {\"file\": \"$capdir/vif.pcapng\""* && $out == *'"port0": {'* ]] ||
	e2e_fail "the listing does not show both captures: $out"
e2e_in_wire ping -c 5 -i 0.2 -W 5 "$(e2e_guest_ip 1)" >/dev/null || e2e_fail "the wire's 5 pings to guest 1"
out=$(tel "/dpdk_netback/capture,stop,$port1")
[ "$out" = '"stopped"' ] || e2e_fail "stopping port $port1's capture: $out"
out=$(tel "/dpdk_netback/capture,stop,wire")
[ "$out" = '"stopped"' ] || e2e_fail "stopping the wire's capture: $out"
[ "$(tel /dpdk_netback/capture)" = '{}' ] || e2e_fail "captures still listed: $(tel /dpdk_netback/capture)"
# the vif: requests sent to it (out), replies it received (in); the wire the other way
expect_icmp "$capdir/vif.pcapng" out in
expect_icmp "$capdir/wire.pcapng" in out
e2e_log "vif and wire captures: 5 echo requests and 5 replies each, in order, both directions"
out=$(tel "/dpdk_netback/capture,stop,1/0")
[[ $out == *'"error": "no capture of this port runs"'* ]] || e2e_fail "stopping no capture: $out"

# Bounded: 4096 bytes hold about a dozen 300-byte frames, 40 pings fill it.
out=$(tel "/dpdk_netback/capture,start,1/0,bounded.pcapng,4096")
[[ $out == *'"file"'* ]] || e2e_fail "bounded capture not started: $out"
e2e_in_wire ping -c 40 -i 0.05 -s 256 -W 5 "$(e2e_guest_ip 1)" >/dev/null || e2e_fail "the 40 pings"
e2e_wait_for 5 grep -q "capture to $capdir/bounded.pcapng stopped (reached its bound of 4096 bytes)" \
	"$E2E_STATE/netback.log" || e2e_fail "the bounded capture did not stop by itself"
[ "$(tel /dpdk_netback/capture)" = '{}' ] || e2e_fail "the bounded capture is still listed"
size=$(stat -c %s "$capdir/bounded.pcapng")
[ "$size" -le 4096 ] && [ "$size" -gt 2048 ] || e2e_fail "bounded.pcapng is $size bytes (bound 4096)"
n=$(python3 "$icmp" "$capdir/bounded.pcapng" | wc -l) || e2e_fail "bounded.pcapng: not well-formed"
tcpdump -nn -r "$capdir/bounded.pcapng" >/dev/null 2>&1 || e2e_fail "tcpdump cannot read bounded.pcapng"
e2e_log "bounded capture: stopped by itself at $size bytes, $n ICMP frames"

# Refused, naming why; nothing written.
out=$(tel "/dpdk_netback/capture,start,1/0,../escape.pcapng")
[[ $out == *"'..' is not allowed"* ]] || e2e_fail "'..' was not refused: $out"
out=$(tel "/dpdk_netback/capture,start,1/0,$E2E_STATE/outside.pcapng")
[[ $out == *"is outside --capture-dir"* ]] || e2e_fail "a path outside --capture-dir was not refused: $out"
out=$(tel "/dpdk_netback/capture,start,1/0,vif.pcapng")
[[ $out == *"File exists"* ]] || e2e_fail "an existing file was not refused: $out"
out=$(tel "/dpdk_netback/capture,start,9/0,x.pcapng")
[[ $out == *"no port '9/0' is being forwarded"* ]] || e2e_fail "an unknown vif was not refused: $out"
[ ! -e "$E2E_STATE/escape.pcapng" ] && [ ! -e "$E2E_STATE/outside.pcapng" ] ||
	e2e_fail "a refused capture wrote a file"
[ "$(tel /dpdk_netback/capture)" = '{}' ] || e2e_fail "a refused capture is listed"
e2e_netback_stop
echo "PASS: vif and wire captured in both directions, bounded capture stops, bad paths refused"
