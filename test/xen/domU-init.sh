#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# /init of the real-Xen test's guest: xen-netfront, one address, a netserver for Dom0's
# tests, then its own tests towards the Dom0 peer (10.77.0.1): ping, netperf (TCP_STREAM,
# TCP_MAERTS, TCP_RR), a byte-exact
# stream each way (test/xen/xstream.pl). Result lines go to hvc0, which
# xenconsoled logs in Dom0; the scenario relays them. The guest then idles until destroyed.
# Kernel command line (init's environment): DNB_GUEST_IP (default 10.77.0.2),
# DNB_GUEST_TESTS=0 (only the address and the netserver: Dom0 runs the tests),
# DNB_GUEST_TESTS=streams (only a byte-exact stream each way, over IPv4 and IPv6 at once,
# each paced at DNB_STREAM_RATE
# bytes/s so that they span what Dom0 does meanwhile: its restarts of the backend),
# DNB_GUEST_TESTS=vifline (the vif-line phase's source check: a ping to the peer from the
# guest's own address, then from 10.77.0.99, which the vif's ip= does not allow),
# DNB_GUEST_TESTS=g2g-server|g2g-client|reach (the lan phase's guests, below),
# DNB_GUEST_XDP=1 (after the ordinary tests, an XDP program attached, tried and detached),
# DNB_GUEST_NIC=e1000 (an HVM guest's emulated NIC as eth0, netfront not loaded),
# DNB_GUEST_SHORT=1 (of the ordinary tests the ping and the IPv4 streams only),
# DNB_GUEST_TESTS=jumbo and DNB_GUEST_SECOND_MAC=MAC,ADDR,WANT (the vif-line phase, below),
# DNB_GUEST_OFFLOADS=off (netfront's scatter-gather, TSO and GSO turned off with ethtool
# before any traffic), DNB_GUEST_MTU (eth0's MTU), DNB_GUEST_MORE_IP (a second IPv4 address
# on eth0, ADDR/24), DNB_GUEST_VLAN (VID:ADDR, an 802.1Q device eth0.VID of the guest's own),
# DNB_G2G_OTHER (the other guest of g2g-*), DNB_VLAN_PEER and DNB_VLAN_GUEST (the g2g client's
# wire peer and a guest on its VLAN),
# DNB_REACH and DNB_NOT_REACH (addresses, comma-separated, that must and must not answer), DNB_STREAM_BYTES.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
peer=10.77.0.1
peer6=fd77::1
addr=${DNB_GUEST_IP:-10.77.0.2}
# and an IPv6 address of the same last number (fd77::2); busybox's ip has no "nodad", and
# duplicate address detection is over long before the IPv6 tests
addr6=fd77::${addr##*.}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# Kernel messages at INFO and up reach the console (so Dom0's log): a segfault, a netfront
# complaint.
echo 7 >/proc/sys/kernel/printk
# The NIC's driver: netfront, or with DNB_GUEST_NIC=e1000 (an HVM guest that keeps its
# emulated NIC) e1000 instead, so that eth0 is that NIC
nic=${DNB_GUEST_NIC:-xen-netfront}
while read -r ko; do
	case ${ko##*/} in
	xen-netfront.ko | e1000.ko) [ "${ko##*/}" = "$nic.ko" ] || continue ;;
	esac
	insmod "$ko"
done </etc/modules.order
result() { echo "DNB-RESULT guest-$1 $2 $3"; }

i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
ip link set lo up
ip addr add "$addr/24" dev eth0 && ip link set eth0 up
ip addr add "$addr6/64" dev eth0
[ -n "${DNB_GUEST_MTU:-}" ] && ip link set eth0 mtu "$DNB_GUEST_MTU"
[ -n "${DNB_GUEST_MORE_IP:-}" ] && ip addr add "$DNB_GUEST_MORE_IP" dev eth0
if [ -n "${DNB_GUEST_VLAN:-}" ]; then
	vid=${DNB_GUEST_VLAN%%:*}
	ip link add link eth0 name "eth0.$vid" type vlan id "$vid"
	ip addr add "${DNB_GUEST_VLAN#*:}/24" dev "eth0.$vid"
	ip link set "eth0.$vid" up
fi
if [ ! -e /sys/class/net/eth0 ]; then
	result "${nic#xen-}" FAIL "no eth0 after 20 s"
else
	result "${nic#xen-}" PASS "eth0 $(cat /sys/class/net/eth0/address) mtu $(cat /sys/class/net/eth0/mtu)"
fi
if [ "${DNB_GUEST_OFFLOADS:-on}" = off ]; then
	ethtool -K eth0 sg off tso off gso off >/dev/null 2>&1
	feat=$(ethtool -k eth0 2>/dev/null | grep -E '^(scatter-gather|tcp-segmentation-offload|generic-segmentation-offload):' |
		tr -d '\t' | tr '\n' ' ')
	if echo "$feat" | grep -q 'scatter-gather: off' &&
		echo "$feat" | grep -q 'generic-segmentation-offload: off'; then
		result offloads-off PASS "$feat"
	else
		result offloads-off FAIL "ethtool -K eth0 sg off tso off gso off left: $feat"
	fi
fi
netserver -D -p 12865 >/dev/null 2>&1 &
# netserver listens on one address family: IPv6 on a port of its own
netserver -D -p 12866 -6 >/dev/null 2>&1 &
echo "DNB-GUEST ready"
if [ "${DNB_GUEST_TESTS:-1}" = 0 ]; then
	echo "DNB-GUEST done"
	while true; do sleep 3600; done
fi
# ping_from ADDR: replies to 3 pings of the peer from ADDR
ping_from() {
	/usr/bin/ping -c 3 -i 0.3 -w 6 -I "$1" $peer 2>&1 | sed -n 's/.* \([0-9]*\) received.*/\1/p'
}
# netperf NAME ARGS...: one 5 s netperf test to the peer, its result line NAME
netperf_one() {
	local name=$1 out tput
	shift
	out=$(timeout 30 netperf "$@" -l 5 -P 0 -- -o THROUGHPUT,THROUGHPUT_UNITS 2>&1 | tail -n 1)
	tput=${out%%,*}
	if echo "$tput" | awk '{ exit !($1 ~ /^[0-9.]+$/ && $1 + 0 > 0) }'; then
		result "$name" PASS "$out"
	else
		result "$name" FAIL "$(echo "$out" | tr '\n' ' ')"
	fi
}
# ---- Pings: how many answered, and checks of it -------------------------------------------
# replies COUNT TARGET [PING-ARGS...]: how many of COUNT pings of TARGET were answered
replies() {
	local c=$1 t=$2
	shift 2
	/usr/bin/ping -c "$c" -i 0.3 -w $((c * 2 + 2)) "$@" "$t" 2>&1 | sed -n 's/.* \([0-9]*\) received.*/\1/p'
}
# await TARGET: until TARGET answers a ping (at most 45 tries of 4 s): the first frames after
# Connected may find the service still attaching the other guests' vifs.
await() {
	local i=0
	while [ $i -lt 45 ]; do
		[ "$(replies 1 "$1")" = 1 ] && return 0
		i=$((i + 1))
	done
	return 1
}
# expect_replies NAME WANT COUNT TARGET [PING-ARGS...]: COUNT pings of TARGET, WANT answered
expect_replies() {
	local name=$1 want=$2 c=$3 t=$4 got
	shift 4
	got=$(replies "$c" "$t" "$@")
	# ping -w sends another request when a reply is late, and may get both: WANT or more,
	# but none when none is wanted
	if [ "${got:-0}" -ge "$want" ] && { [ "$want" != 0 ] || [ "${got:-0}" = 0 ]; }; then
		result "$name" PASS "$got/$c replies from $t${*:+ ($*)}"
	else
		result "$name" FAIL "${got:-0}/$c replies from $t${*:+ ($*)}, not $want"
	fi
}
# reach_checks: each of DNB_REACH answers 3/3 pings, none of DNB_NOT_REACH (on another VLAN
# or bridge) answers one
reach_checks() {
	local t
	for t in $(echo "${DNB_REACH:-}" | tr , ' '); do
		expect_replies "reach-$t" 3 3 "$t"
	done
	for t in $(echo "${DNB_NOT_REACH:-}" | tr , ' '); do
		expect_replies "not-reach-$t" 0 3 "$t"
	done
}
# second_mac: with DNB_GUEST_SECOND_MAC=MAC,ADDR,WANT a macvlan on eth0 (a container's or
# VRRP's second MAC) pings the peer from ADDR, WANT of 3 answered: the vif's MAC policy
# (--vif-macs) decides. arp_ignore: eth0 must not answer ARP for the macvlan's address.
second_mac() {
	local ipf=/usr/lib/dnb/ip mac addr want
	[ -n "${DNB_GUEST_SECOND_MAC:-}" ] || return 0
	IFS=, read -r mac addr want <<EOF2
$DNB_GUEST_SECOND_MAC
EOF2
	echo 1 >/proc/sys/net/ipv4/conf/all/arp_ignore
	if $ipf link add link eth0 name mv0 address "$mac" type macvlan mode bridge &&
		$ipf addr add "$addr/24" dev mv0 && $ipf link set mv0 up; then
		expect_replies second-mac "$want" 3 $peer -I mv0
	else
		result second-mac FAIL "cannot make a macvlan $mac on eth0"
	fi
	$ipf link del mv0 2>/dev/null
}
if [ "$DNB_GUEST_TESTS" = vifline ]; then
	got=$(ping_from "$addr")
	if [ "${got:-0}" -ge 3 ]; then
		result ip-own PASS "3/3 replies from $peer to $addr, which ip= allows"
	else
		result ip-own FAIL "${got:-0}/3 replies from $peer to $addr"
	fi
	ip addr add 10.77.0.99/24 dev eth0
	echo "DNB-GUEST spoofing"
	got=$(ping_from 10.77.0.99)
	if [ "${got:-0}" = 0 ]; then
		result ip-other PASS "0/3 replies to 10.77.0.99, which ip= does not allow"
	else
		result ip-other FAIL "${got}/3 replies to 10.77.0.99, which ip= does not allow"
	fi
	ip addr del 10.77.0.99/24 dev eth0
	second_mac
	echo "DNB-GUEST done"
	while true; do sleep 3600; done
fi
# g2g_port PASS FAMILY DIRECTION: the stream's port; DIRECTION 1 client to server, 2 back
g2g_port() {
	local p=5101
	[ "$1" = off ] && p=$((p + 10))
	[ "$2" = 6 ] && p=$((p + 2))
	echo $((p + $3 - 1))
}
# g2g_addr FAMILY IPV4: the address of that family of a guest (fd77::N for 10.77.0.N)
g2g_addr() { if [ "$1" = 6 ]; then echo "fd77::${2##*.}"; else echo "$2"; fi; }
g2g_sha() { echo "DNB-G2G-SHA $1 $(timeout 900 xstream.pl recv "$2" 900 | sha256sum | cut -d' ' -f1)"; }
g2g_blob() {
	head -c "${DNB_STREAM_BYTES:-33554432}" /dev/urandom >/tmp/blob
	echo "DNB-G2G-SHA tx $(sha256sum </tmp/blob | cut -d' ' -f1)"
}
# The server (its peer-to-be listens from the start, sends when the client listens).
if [ "$DNB_GUEST_TESTS" = g2g-server ]; then
	g2g_blob
	pids=
	for pass in on off; do
		for fam in 4 6; do
			g2g_sha "rx-$pass-$fam" "$(g2g_port $pass $fam 1)" &
			pids="$pids $!"
			xstream.pl send "$(g2g_addr $fam "$DNB_G2G_OTHER")" "$(g2g_port $pass $fam 2)" 900 \
				</tmp/blob &
			pids="$pids $!"
		done
	done
	wait $pids # only these: the netservers never end
	echo "DNB-GUEST done"
	while true; do sleep 3600; done
fi
# The client: its VLAN's peer, then netperf and byte-exact streams to the server, each over
# IPv4 and IPv6, with netfront's offloads on and then off.
if [ "$DNB_GUEST_TESTS" = g2g-client ]; then
	vpeer=${DNB_VLAN_PEER:-}
	if [ -n "$vpeer" ] && await "$vpeer"; then
		got=$(replies 5 "$vpeer")
		[ "$got" = 5 ] && result vlan-ping PASS "5/5 replies from $vpeer over eth0.${DNB_GUEST_VLAN%%:*}" ||
			result vlan-ping FAIL "${got:-0}/5 replies from $vpeer"
	elif [ -n "$vpeer" ]; then
		result vlan-ping FAIL "no reply from $vpeer over eth0.${DNB_GUEST_VLAN%%:*} in 180 s"
	fi
	# a guest in that VLAN as an access port (untagged at its end)
	[ -n "${DNB_VLAN_GUEST:-}" ] && expect_replies vlan-guest 3 3 "$DNB_VLAN_GUEST"
	g2g_blob
	if [ -n "$vpeer" ] && xstream.pl send "$vpeer" 5201 120 </tmp/blob; then
		echo "DNB-GUEST-SENT vlan ok"
	fi
	other=$DNB_G2G_OTHER
	for pass in on off; do
		if [ $pass = off ]; then
			ethtool -K eth0 sg off tso off gso off >/dev/null 2>&1
			ethtool -k eth0 | grep -q '^generic-segmentation-offload: off' &&
				result g2g-offloads-off PASS "ethtool -K eth0 sg off tso off gso off" ||
				result g2g-offloads-off FAIL "$(ethtool -k eth0 | grep segmentation | tr '\n' ' ')"
		fi
		for t in TCP_STREAM TCP_MAERTS TCP_RR; do
			netperf_one "g2g-$pass-netperf-$t" -H "$other" -t $t
			netperf_one "g2g-$pass-netperf6-$t" -H "$(g2g_addr 6 "$other")" -p 12866 -6 -t $t
		done
		for fam in 4 6; do
			xstream.pl send "$(g2g_addr $fam "$other")" "$(g2g_port $pass $fam 1)" 120 </tmp/blob ||
				echo "DNB-GUEST-SENT $pass-$fam failed"
			g2g_sha "rx-$pass-$fam" "$(g2g_port $pass $fam 2)"
		done
	done
	echo "DNB-GUEST done"
	while true; do sleep 3600; done
fi
# The other guests of the lan phase: who they reach and who not.
if [ "$DNB_GUEST_TESTS" = reach ]; then
	first=${DNB_REACH%%,*}
	await "$first" || result await FAIL "no reply from $first in 180 s"
	reach_checks
	echo "DNB-GUEST done"
	while true; do sleep 3600; done
fi
xdp_tests() {
	local ipf=/usr/lib/dnb/ip prog=/usr/lib/dnb/xdp_mark.o
	if $ipf link set dev eth0 xdpdrv obj $prog sec xdp 2>/tmp/xdp.err &&
		$ipf link show dev eth0 | grep -q 'prog/xdp'; then
		result xdp-attach PASS "$($ipf link show dev eth0 | grep -o 'prog/xdp.*tag [0-9a-f]*')"
	else
		result xdp-attach FAIL "$(tr '\n' ' ' </tmp/xdp.err) $(dmesg | grep -i 'xdp\|netfront' | tail -n 3 | tr '\n' ' ')"
		return
	fi
	expect_replies xdp-pass 5 5 $peer
	expect_replies xdp-drops 0 3 $peer -s 1234
	netperf_one xdp-netperf-TCP_RR -H $peer -t TCP_RR
	netperf_one xdp-netperf-TCP_STREAM -H $peer -t TCP_STREAM
	netperf_one xdp-netperf-TCP_MAERTS -H $peer -t TCP_MAERTS
	if $ipf link set dev eth0 xdpdrv off 2>/tmp/xdp.err &&
		! $ipf link show dev eth0 | grep -q 'prog/xdp'; then
		result xdp-detach PASS "no program on eth0"
	else
		result xdp-detach FAIL "$(tr '\n' ' ' </tmp/xdp.err)"
	fi
	expect_replies xdp-after 3 3 $peer -s 1234
	netperf_one xdp-after-netperf-TCP_MAERTS -H $peer -t TCP_MAERTS
}

stream_bytes=${DNB_STREAM_BYTES:-33554432}
if [ "$DNB_GUEST_TESTS" = streams ]; then
	# IPv4 and IPv6 at once, each paced
	(echo "DNB-GUEST-SHA rx $(timeout 900 xstream.pl recv 5001 900 | sha256sum | cut -d' ' -f1)") &
	rx=$!
	(echo "DNB-GUEST-SHA rx6 $(timeout 900 xstream.pl recv 5003 900 | sha256sum | cut -d' ' -f1)") &
	rx6=$!
	head -c "$stream_bytes" /dev/urandom >/tmp/blob
	echo "DNB-GUEST-SHA tx $(sha256sum </tmp/blob | cut -d' ' -f1)"
	xstream.pl send $peer6 5004 120 "${DNB_STREAM_RATE:-1000000}" </tmp/blob &
	tx6=$!
	if xstream.pl send $peer 5002 120 "${DNB_STREAM_RATE:-1000000}" </tmp/blob; then
		echo "DNB-GUEST-SENT ok"
	else
		echo "DNB-GUEST-SENT failed"
	fi
	wait "$tx6" "$rx" "$rx6" # only these: the netservers never end
	echo "DNB-GUEST done"
	while true; do sleep 3600; done
fi
# stream_round TAG HOST SEND-PORT RECV-PORT: our /tmp/blob to HOST's receiver while we take
# its stream; "DNB-GUEST-SHA rxTAG" for Dom0 to compare
stream_round() {
	local rx
	(echo "DNB-GUEST-SHA rx$1 $(timeout 300 xstream.pl recv "$4" 300 | sha256sum | cut -d' ' -f1)") &
	rx=$!
	xstream.pl send "$2" "$3" 120 </tmp/blob || echo "DNB-GUEST-SENT$1 failed"
	wait "$rx"
}
# The vif line's jumbo guest (MTU 9000): streams both ways, a second MAC, then (once Dom0
# says so) netfront's SG off (it lowers its own MTU to 1500, xennet_set_features) and the
# streams again over IPv6.
if [ "$DNB_GUEST_TESTS" = jumbo ]; then
	head -c "$stream_bytes" /dev/urandom >/tmp/blob
	echo "DNB-GUEST-SHA tx $(sha256sum </tmp/blob | cut -d' ' -f1)"
	stream_round "" $peer 5002 5001
	second_mac
	# Dom0 pings this MTU first: it says when (a connection to our port 5010)
	echo "DNB-GUEST waiting"
	timeout 600 xstream.pl recv 5010 600 >/dev/null
	ethtool -K eth0 sg off >/dev/null 2>&1
	# Netfront lowers eth0's MTU to 1500 itself (xennet_set_features) without the change
	# notifier, so IPv6 keeps its MTU of 9000 and sends packets netfront then drops: the
	# guest's own IPv6 stalls, whatever the backend. Seen here; an admin sets it too.
	echo 1500 >/proc/sys/net/ipv6/conf/eth0/mtu
	if ethtool -k eth0 | grep -q '^scatter-gather: off'; then
		result sg-off PASS "netfront's scatter-gather off: MTU now $(cat /sys/class/net/eth0/mtu)"
	else
		result sg-off FAIL "ethtool -K eth0 sg off left: $(ethtool -k eth0 | grep scatter)"
	fi
	stream_round 6 $peer6 5004 5003
	echo "DNB-GUEST done"
	while true; do sleep 3600; done
fi

# iputils' ping by its path: Debian's busybox shell would run its own applet first. Five
# replies within 15 s: a backend may take a moment to forward after Connected.
out=$(/usr/bin/ping -c 5 -i 0.3 -w 15 $peer 2>&1)
got=$(echo "$out" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
if [ "${got:-0}" -ge 5 ]; then
	result ping PASS "5/5 replies from $peer"
else
	result ping FAIL "${got:-0}/5 replies from $peer"
	echo "$out"
fi

# DNB_GUEST_SHORT=1 (a slow emulated NIC): the ping and the IPv4 streams only
short=${DNB_GUEST_SHORT:-0}
for t in TCP_STREAM TCP_MAERTS TCP_RR; do
	[ "$short" = 1 ] && break
	netperf_one "netperf-$t" -H $peer -t $t
	# and over IPv6 (#20): netfront sends TCP/IPv6 as GSO, the backend segments it
	netperf_one "netperf6-$t" -H $peer6 -p 12866 -6 -t $t
done
# Byte-exact streams: ours to the peer (its receiver runs from the start), then the peer's to
# us; Dom0 compares the digests printed here with its own.
head -c "$stream_bytes" /dev/urandom >/tmp/blob
echo "DNB-GUEST-SHA tx $(sha256sum </tmp/blob | cut -d' ' -f1)"
if xstream.pl send $peer 5002 60 </tmp/blob; then
	echo "DNB-GUEST-SENT ok"
else
	echo "DNB-GUEST-SENT failed"
fi
echo "DNB-GUEST-SHA rx $(timeout 120 xstream.pl recv 5001 | sha256sum | cut -d' ' -f1)"
# The same over IPv6 (#20): the same bytes to the peer's port 5004, the peer's to our 5003
if [ "$short" != 1 ]; then
	if xstream.pl send $peer6 5004 60 </tmp/blob; then
		echo "DNB-GUEST-SENT6 ok"
	else
		echo "DNB-GUEST-SENT6 failed"
	fi
	echo "DNB-GUEST-SHA rx6 $(timeout 120 xstream.pl recv 5003 | sha256sum | cut -d' ' -f1)"
fi
rm -f /tmp/blob
# XDP (#15): a program in netfront's native mode (test/xen/xdp_mark.c drops the echo replies
# of ping -s 1234): netfront asks the backend for headroom (Reconfiguring) to attach it
if [ "${DNB_GUEST_XDP:-0}" = 1 ]; then
	xdp_tests
fi
pidof netserver >/dev/null || echo "DNB-GUEST netserver is gone"
echo "DNB-GUEST done"
while true; do sleep 3600; done
