#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The real-Xen bench (issue #16 item 1, the study's table on the stock netfront), run by
# Dom0's /init in place of scenario.sh when Xen's Dom0 command line has dnb_scenario=bench
# (run-xen-test.sh --bench). Not a test: it prints figures.
#
# Two PV guests (1 vCPU each, stock Linux xen-netfront, the same kernel and image), each
# with a wire of its own to the peer (a netns of Dom0), served at the same time:
#   - "dpdk" (10.77.0.2) by dpdk-netback on veth dnbw0 <-> dnbp0, restarted with SIGTERM
#     into each configuration (the next process resumes the vif: the guest never
#     reconnects): --lro off, linearize, chain, and chain with a worker that never sleeps
#     (--idle-sleep-us 0);
#   - "kernel" (10.78.0.2) by xen-netback, its vif in Linux bridge dnbbr0 with veth
#     dnbw2 <-> dnbp2.
# Each of DNB_BENCH_ROUNDS rounds (default 3) runs the kernel's configuration, then the four
# of dpdk-netback, so that a change in the host's load (QEMU's TCG shares the host's CPUs)
# falls on both within minutes; the idle guest meanwhile costs next to nothing (dpdk-netback
# sleeps when idle; "chain-poll" runs last in a round and is restarted into "off" before
# the next kernel run). Each run: netperf from the peer, DNB_BENCH_SECS seconds (default
# 10) each of TCP_STREAM (into the guest: its RX), TCP_MAERTS (out of the guest: its TX) and
# TCP_RR. Around each: Xen's own CPU seconds of Dom0 and of the guest (`xl list`, 0.1 s
# resolution) and dpdk-netback's busy seconds over its ports (its stats line, asked for with
# SIGUSR1). One line per run:
#   DNB-BENCH config=C round=R test=T value=V unit=U dom0_s=S domu_s=S busy_s=S secs=N
# The peer's netperf runs in Dom0 too: Dom0's CPU includes the wire's end, the same in every
# configuration. test/xen/bench-table.py makes the table of medians and spreads.
#
# DNB_BENCH_WIRE says what the two wires are:
#   plain    (default) veths that carry only finished frames, as a NIC without offloads:
#            TSO, GSO and checksum offload off on both ends; dpdk-netback's is net_af_packet,
#            so it segments the guest's TSO packets in software (librte_gso);
#   offload  wires that take TSO and partial checksums, as a NIC with offloads does: the
#            kernel's veth with its offloads on (GSO packets cross the bridge whole), and
#            dpdk-netback's a virtio-user port on vhost-net (its tap is the peer's end,
#            dnbp0): TSO and checksum offload negotiated, the tap hands the peer's stack the
#            guest's 64 KiB segments whole.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
DNB_SCENARIO_LIB=1
. /scenario.sh

rounds=${DNB_BENCH_ROUNDS:-3}
secs=${DNB_BENCH_SECS:-10}
# The dpdk-netback configurations; chain-poll: --lro chain with a worker that never sleeps
# (what the idle sleep costs under load).
modes="off linearize chain chain-poll"
wire=${DNB_BENCH_WIRE:-plain}

# opts CONFIG: dpdk-netback's options for a configuration.
opts() {
	case $1 in
	chain-poll) echo "--lro chain --idle-sleep-us 0" ;;
	*) echo "--lro $1" ;;
	esac
}

# cpu_s NAME: the domain's CPU seconds as Xen accounts them (xl list's Time(s) column).
cpu_s() { xl list "$1" 2>/dev/null | awk 'NR == 2 { print $6 }'; }

# busy_s: dpdk-netback's busy seconds over all its ports, from a stats line it prints on
# SIGUSR1 ("busy X s" per port); "-" with no dpdk-netback.
busy_s() {
	local before
	[ -n "$nb_pid" ] || { echo -; return; }
	before=$(grep -c ' busy ' "$nb_log")
	kill -USR1 "$nb_pid"
	wait_for 5 sh -c "[ \$(grep -c ' busy ' $nb_log) -gt $before ]" || { echo -; return; }
	grep ' busy ' "$nb_log" | tail -n 1 | tr '|' '\n' |
		awk '{ for (i = 1; i < NF; i++) if ($i == "busy") b += $(i + 1) } END { printf "%.3f", b }'
}

# run_one CONFIG ROUND TEST: one netperf run with the CPU seconds around it, against the
# kernel's guest for CONFIG kernel, else dpdk-netback's.
run_one() {
	local d0 u0 b0 d1 u1 b1 out value unit=Mbit/s name=dnbguest-dpdk ip=$ip_dpdk
	[ "$3" = TCP_RR ] && unit=transactions/s
	[ "$1" = kernel ] && name=dnbguest-kernel ip=$ip_kernel
	d0=$(cpu_s Domain-0)
	u0=$(cpu_s "$name")
	b0=$(busy_s)
	out=$(peer timeout $((secs + 30)) netperf -H "$ip" -t "$3" -l "$secs" -P 0 -- \
		-o THROUGHPUT 2>&1 | tail -n 1)
	d1=$(cpu_s Domain-0)
	u1=$(cpu_s "$name")
	b1=$(busy_s)
	value=${out%%,*}
	if ! positive "$value"; then
		result "bench-$1-$2-$3" FAIL "netperf: $(echo "$out" | tr '\n' ' ')"
		return 1
	fi
	echo "DNB-BENCH config=$1 round=$2 test=$3 value=$value unit=$unit" \
		"dom0_s=$(awk -v a="$d0" -v b="$d1" 'BEGIN { printf "%.1f", b - a }')" \
		"domu_s=$(awk -v a="$u0" -v b="$u1" 'BEGIN { printf "%.1f", b - a }')" \
		"busy_s=$(awk -v a="$b0" -v b="$b1" 'BEGIN { if (a == "-" || b == "-") print "-"; else printf "%.3f", b - a }')" \
		"secs=$secs"
	# the counters after the run (drops per port): evidence for the figures
	[ -n "$nb_pid" ] && echo "DNB-INFO bench-stats $1 $2 $3: $(grep ' busy ' "$nb_log" | tail -n 1 | cut -d' ' -f2-)"
	# its workers' sleeps and their CPU (since it started)
	[ -n "$nb_pid" ] && echo "DNB-INFO bench-workers $1 $2 $3: $(xtel.pl /dpdk_netback/workers 2>&1)"
	return 0
}

run_config() {
	local t
	for t in TCP_STREAM TCP_MAERTS TCP_RR; do
		run_one "$1" "$2" "$t"
	done
}

# restart_as CONFIG [OPTS]: the running dpdk-netback stopped with SIGTERM, a new one with
# CONFIG's options (and OPTS) started; it must resume the guest's vif.
restart_as() {
	local d
	d=$(domid_of dnbguest-dpdk)
	kill -TERM "$nb_pid"
	wait_for 30 sh -c "! kill -0 $nb_pid" || { result "bench-restart-$1" FAIL "still running"; return 1; }
	bench_netback_start "bench-$1" "$(opts "$1") ${2:-}" || return 1
	if wait_for 60 grep -q "vif$d.0: resumed" "$nb_log"; then
		return 0
	fi
	result "bench-restart-$1" FAIL "no 'vif$d.0: resumed' in 60 s"
	evidence "$nb_log"
	return 1
}

ip_dpdk=10.77.0.2
ip_kernel=10.78.0.2

# bench_guest WHO IP SCRIPT MAC: guest dnbguest-WHO with only its address and a netserver,
# connected and answering the peer.
bench_guest() {
	local name=dnbguest-$1 d
	guest_cfg "$name" pv "DNB_GUEST_IP=$2 DNB_GUEST_TESTS=0" 1 "mac=$4,script=$3" ""
	rm -f "$console_dir/guest-$name.log"
	if ! xl create /tmp/$name.cfg >/tmp/xl-create-$1.log 2>&1; then
		result "bench-guest-$1" FAIL "xl create failed"
		evidence /tmp/xl-create-$1.log
		return 1
	fi
	d=$(domid_of "$name")
	if wait_for 60 both_connected "$d" &&
		wait_for 120 grep -q "DNB-GUEST done" "$console_dir/guest-$name.log" &&
		wait_for 30 peer /usr/bin/ping -c 1 -W 1 "$2"; then
		result "bench-guest-$1" PASS "domid $d, $2, vif script $3"
		return 0
	fi
	result "bench-guest-$1" FAIL "domid $d not connected or not answering"
	evidence "$nb_log" 20
	return 1
}

# bench_wires: the kernel's wire (dnbw2 in bridge dnbbr0, the peer's dnbp2 10.78.0.1/24)
# beside dpdk-netback's (wire_up: dnbw0, the peer's dnbp0 10.77.0.1/24); xen-netback first
# (a driver loaded later would reset dpdk-netback's vif).
bench_wires() {
	insmod "$(grep '/xen-netback.ko$' /etc/modules.order)" &&
		ip link add dnbbr0 type bridge && ip link set dnbbr0 up &&
		ip link add dnbw2 type veth peer name dnbp2 && ip link set dnbp2 netns peer &&
		peer ip addr add 10.78.0.1/24 dev dnbp2 && peer ip link set dnbp2 up || return 1
	if [ "$wire" = plain ]; then
		peer ethtool -K dnbp2 tso off gso off tx off >/dev/null &&
			ethtool -K dnbw2 tso off gso off gro off tx off >/dev/null || return 1
	else
		# dpdk-netback's wire is its virtio-user port's tap: the veth of wire_up goes
		ip link del dnbw0 || return 1
	fi
	ip link set dnbw2 master dnbbr0 && ip link set dnbw2 up
}

# bench_netback_start LABEL OPTIONS: dpdk-netback on this bench's wire. On the offload wire
# its virtio-user port creates tap dnbp0 in Dom0's namespace (gone with the process): the
# tap is moved to the peer and given the peer's address.
bench_netback_start() {
	if [ "$wire" = plain ]; then
		netback_start dnbw0 "$1" "$2"
		return
	fi
	wire_vdev=virtio_user0,path=/dev/vhost-net,iface=dnbp0,queue_size=1024,cq=1
	netback_start dnbp0 "$1" "$2" || return 1
	if wait_for 10 ip link show dnbp0 && ip link set dnbp0 netns peer &&
		peer ip addr add 10.77.0.1/24 dev dnbp0 && peer ip link set dnbp0 up; then
		return 0
	fi
	result "bench-wire$1" FAIL "tap dnbp0 of the virtio-user port not set up in the peer"
	return 1
}

bench_main() {
	local r m
	phase boot
	check_xenstore
	wire_up
	watch_backends
	bench_wires || { result bench-setup FAIL "xen-netback, bridge dnbbr0 or wire dnbw2"; return 1; }
	phase bench
	backend=dpdk
	bench_netback_start bench "--lro off" || return 1
	bench_guest dpdk $ip_dpdk vif-dpdk-netback 00:16:3e:00:00:01 || return 1
	bench_guest kernel $ip_kernel vif-kernel-bridge 00:16:3e:00:00:02 || return 1
	for r in $(seq 1 "$rounds"); do
		# a sleeping dpdk-netback beside the kernel's runs
		[ "$r" = 1 ] || restart_as off || return 1
		run_config kernel "$r"
		for m in $modes; do
			[ "$m" = off ] || restart_as "$m" || return 1
			run_config "$m" "$r"
		done
	done
	xl destroy dnbguest-dpdk >/dev/null 2>&1
	xl destroy dnbguest-kernel >/dev/null 2>&1
	return 0
}

bench_main
rc=$?
grep -ah 'segfault at\|traps:' "$console_dir"/guest-*.log 2>/dev/null | tr -d '\r' |
	sed 's/^/DNB-LOG guest console: /'
result bench-end "$([ $rc = 0 ] && echo PASS || echo FAIL)" "rounds $rounds, $secs s a run, wire $wire"
exit $rc
