#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The real-Xen bench (issue #16 item 1, the study's table on the stock netfront), run by
# Dom0's /init in place of scenario.sh when Xen's Dom0 command line has dnb_scenario=bench
# (run-xen-test.sh --bench). Not a test: it prints figures.
#
# One PV guest (1 vCPU, stock Linux xen-netfront) lives through every configuration in one
# boot, so the configurations differ in the backend only:
#   - dpdk-netback --lro off, linearize, chain, and chain with a worker that never sleeps
#     (--idle-sleep-us 0): the process restarted with SIGTERM between them (the next one
#     resumes the vif: the guest never reconnects);
#   - then xen-netback + a Linux bridge: the last dpdk-netback stops with --on-exit kernel,
#     the kernel's driver takes the vif over (Connected throughout), and the wire veth and the
#     vif go into bridge dnbbr0.
# The dpdk-netback configurations run DNB_BENCH_ROUNDS times (default 3) round-robin, the
# kernel's as many times after them. Each run: netperf from the wire peer (a netns of Dom0),
# DNB_BENCH_SECS seconds (default 10) each of TCP_STREAM (into the guest: its RX),
# TCP_MAERTS (out of the guest: its TX) and TCP_RR. Around each: Xen's own CPU seconds of
# Dom0 and of the guest (`xl list`, 0.1 s resolution) and dpdk-netback's busy seconds over
# its ports (its stats line, asked for with SIGUSR1). One line per run:
#   DNB-BENCH config=C round=R test=T value=V unit=U dom0_s=S domu_s=S busy_s=S secs=N
# The peer's netperf runs in Dom0 too: Dom0's CPU includes the wire's end, the same in
# every configuration. test/xen/bench-table.py makes the table of medians and spreads.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
DNB_SCENARIO_LIB=1
. /scenario.sh

rounds=${DNB_BENCH_ROUNDS:-3}
secs=${DNB_BENCH_SECS:-10}
# The dpdk-netback configurations; chain-poll: --lro chain with a worker that never sleeps
# (what the idle sleep costs under load).
modes="off linearize chain chain-poll"

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

# run_one CONFIG ROUND TEST: one netperf run with the CPU seconds around it.
run_one() {
	local d0 u0 b0 d1 u1 b1 out value unit=Mbit/s
	[ "$3" = TCP_RR ] && unit=transactions/s
	d0=$(cpu_s Domain-0)
	u0=$(cpu_s "$guest")
	b0=$(busy_s)
	out=$(peer timeout $((secs + 30)) netperf -H $guest_ip -t "$3" -l "$secs" -P 0 -- \
		-o THROUGHPUT 2>&1 | tail -n 1)
	d1=$(cpu_s Domain-0)
	u1=$(cpu_s "$guest")
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
	d=$(domid_of $guest)
	kill -TERM "$nb_pid"
	wait_for 30 sh -c "! kill -0 $nb_pid" || { result "bench-restart-$1" FAIL "still running"; return 1; }
	netback_start dnbw0 "bench-$1" "$(opts "$1") ${2:-}" || return 1
	if wait_for 60 grep -q "vif$d.0: resumed" "$nb_log"; then
		return 0
	fi
	result "bench-restart-$1" FAIL "no 'vif$d.0: resumed' in 60 s"
	evidence "$nb_log"
	return 1
}

# to_kernel: the last dpdk-netback leaves with --on-exit kernel; xen-netback takes the vif,
# which joins the wire in bridge dnbbr0.
to_kernel() {
	local d dev=/sys/bus/xen-backend/devices
	d=$(domid_of $guest)
	netback_stop bench
	nb_pid=
	if wait_for 30 test -e "$dev/vif-$d-0/driver" && wait_for 30 test -e "/sys/class/net/vif$d.0" &&
		ip link set dnbw0 master dnbbr0 && ip link set "vif$d.0" master dnbbr0 &&
		ip link set "vif$d.0" up && wait_for 20 peer /usr/bin/ping -c 1 -W 1 $guest_ip; then
		result bench-kernel PASS "vif$d.0 bound to xen-netback, in bridge dnbbr0 with the wire"
		return 0
	fi
	result bench-kernel FAIL "driver '$(readlink "$dev/vif-$d-0/driver" 2>&1)'"
	evidence "$nb_log" 20
	return 1
}

bench_main() {
	local r m last
	phase boot
	check_xenstore
	wire_up
	watch_backends
	# xen-netback first (a driver loaded later would reset dpdk-netback's vif); its bridge
	# takes the wire only for the kernel's runs.
	if ! insmod "$(grep '/xen-netback.ko$' /etc/modules.order)" ||
		! ip link add dnbbr0 type bridge || ! ip link set dnbbr0 up; then
		result bench-setup FAIL "xen-netback or bridge dnbbr0"
		return 1
	fi
	phase bench
	backend=dpdk
	netback_start dnbw0 bench "--lro off" || return 1
	guest_cfg "$guest" pv "DNB_GUEST_TESTS=0" 1 "mac=00:16:3e:00:00:01,script=vif-dpdk-netback" ""
	xl create /tmp/$guest.cfg >/tmp/xl-create.log 2>&1 || { evidence /tmp/xl-create.log; return 1; }
	vif_connected bench || return 1
	wait_for 120 grep -q "DNB-GUEST done" "$console_dir/guest-$guest.log" ||
		{ result bench-guest FAIL "no netserver"; return 1; }
	wait_for 20 peer /usr/bin/ping -c 1 -W 1 $guest_ip ||
		{ result bench-ping FAIL "no reply"; backend_evidence; return 1; }
	last=off
	for r in $(seq 1 "$rounds"); do
		for m in $modes; do
			# the first run's process is already --lro off
			[ "$r" = 1 ] && [ "$m" = off ] || restart_as "$m" || return 1
			last=$m
			run_config "$m" "$r"
		done
	done
	# the kernel's turn: the last process restarted once more, with --on-exit kernel
	restart_as "$last" "--on-exit kernel" || return 1
	to_kernel || return 1
	backend=kernel
	for r in $(seq 1 "$rounds"); do
		run_config kernel "$r"
	done
	xl destroy "$guest" >/dev/null 2>&1
	return 0
}

bench_main
rc=$?
grep -ah 'segfault at\|traps:' "$console_dir"/guest-*.log 2>/dev/null | tr -d '\r' |
	sed 's/^/DNB-LOG guest console: /'
result bench-end "$([ $rc = 0 ] && echo PASS || echo FAIL)" "rounds $rounds, $secs s a run"
exit $rc
