#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# /init of the real-Xen test's guest: xen-netfront, one address, a netserver for Dom0's
# tests, then its own tests towards the Dom0 peer (10.77.0.1): ping, netperf (TCP_STREAM,
# TCP_MAERTS, TCP_RR), a byte-exact
# stream each way (test/xen/xstream.pl). Result lines go to hvc0, which
# xenconsoled logs in Dom0; the scenario relays them. The guest then idles until destroyed.
# Kernel command line (init's environment): DNB_GUEST_IP (default 10.77.0.2),
# DNB_GUEST_TESTS=0 (only the address and the netserver: Dom0 runs the tests),
# DNB_GUEST_TESTS=streams (only a byte-exact stream each way, paced at DNB_STREAM_RATE
# bytes/s so that they span what Dom0 does meanwhile: its restarts of the backend),
# DNB_GUEST_TESTS=vifline (the vif-line phase's source check: a ping to the peer from the
# guest's own address, then from 10.77.0.99, which the vif's ip= does not allow),
# DNB_GUEST_OFFLOADS=off (netfront's scatter-gather, TSO and GSO turned off with ethtool
# before any traffic), DNB_GUEST_MTU (eth0's MTU), DNB_STREAM_BYTES.
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
while read -r ko; do insmod "$ko"; done </etc/modules.order
result() { echo "DNB-RESULT guest-$1 $2 $3"; }

i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
ip link set lo up
ip addr add "$addr/24" dev eth0 && ip link set eth0 up
ip addr add "$addr6/64" dev eth0
[ -n "${DNB_GUEST_MTU:-}" ] && ip link set eth0 mtu "$DNB_GUEST_MTU"
if [ ! -e /sys/class/net/eth0 ]; then
	result netfront FAIL "no eth0 after 20 s"
else
	result netfront PASS "eth0 $(cat /sys/class/net/eth0/address) mtu $(cat /sys/class/net/eth0/mtu)"
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
if [ "$DNB_GUEST_TESTS" = vifline ]; then
	got=$(ping_from "$addr")
	if [ "${got:-0}" = 3 ]; then
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
	echo "DNB-GUEST done"
	while true; do sleep 3600; done
fi
stream_bytes=${DNB_STREAM_BYTES:-33554432}
if [ "$DNB_GUEST_TESTS" = streams ]; then
	(echo "DNB-GUEST-SHA rx $(timeout 900 xstream.pl recv 5001 900 | sha256sum | cut -d' ' -f1)") &
	rx=$!
	head -c "$stream_bytes" /dev/urandom >/tmp/blob
	echo "DNB-GUEST-SHA tx $(sha256sum </tmp/blob | cut -d' ' -f1)"
	if xstream.pl send $peer 5002 120 "${DNB_STREAM_RATE:-1000000}" </tmp/blob; then
		echo "DNB-GUEST-SENT ok"
	else
		echo "DNB-GUEST-SENT failed"
	fi
	wait "$rx" # only the receiver: the netserver never ends
	echo "DNB-GUEST done"
	while true; do sleep 3600; done
fi

# iputils' ping by its path: Debian's busybox shell would run its own applet first. Five
# replies within 15 s: a backend may take a moment to forward after Connected.
out=$(/usr/bin/ping -c 5 -i 0.3 -w 15 $peer 2>&1)
got=$(echo "$out" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
if [ "${got:-0}" = 5 ]; then
	result ping PASS "5/5 replies from $peer"
else
	result ping FAIL "${got:-0}/5 replies from $peer"
	echo "$out"
fi

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
for t in TCP_STREAM TCP_MAERTS TCP_RR; do
	netperf_one "netperf-$t" -H $peer -t $t
done
# The same over IPv6 (#20): netfront sends TCP/IPv6 as GSO, the backend segments it
for t in TCP_STREAM TCP_MAERTS TCP_RR; do
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
rm -f /tmp/blob
echo "DNB-GUEST-SHA rx $(timeout 120 xstream.pl recv 5001 | sha256sum | cut -d' ' -f1)"
pidof netserver >/dev/null || echo "DNB-GUEST netserver is gone"
echo "DNB-GUEST done"
while true; do sleep 3600; done
