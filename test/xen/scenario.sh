#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The real-Xen scenario, run by Dom0's /init with the toolstack up and xen-netback not loaded.
# Prints one "DNB-RESULT NAME PASS|FAIL DETAIL" line per check, "DNB-PHASE NAME" as each
# phase begins, and "DNB-LOG ..." lines with the evidence of a failure. The host
# (xen-verdict.sh) expects every check of expected-checks.txt: a check added here belongs
# there too. It exits 0 only from its last line; dom0-init.sh reports the status.
#
#  wire:  veth dnbw0 (opened by dpdk-netback's net_af_packet) <-> dnbp0 in netns "peer",
#         10.77.0.1/24, with a netserver;
#  guest: vif=['mac=00:16:3e:00:00:01,script=vif-dpdk-netback'], 10.77.0.2/24
#         (test/xen/domU-init.sh runs its half of the tests and prints on its console).
#
# Guest lives, one after the other, each: xl create, both ends Connected, the guest's ping,
# netperf TCP_STREAM/TCP_MAERTS/TCP_RR and a byte-exact stream each way (sha256), each over
# IPv4 and IPv6, the peer's ping and netperf, the port never detached meanwhile, xl destroy
# (backend gone, port detached):
#  1. "pv"        a PV guest served by one dpdk-netback process (--marked-vifs, 2 queues
#                 offered); after its tests it attaches an XDP program (netfront asks for
#                 headroom: Reconfiguring), sees it work, and detaches it
#  2. "pvh"       a PVH guest, same process: a new domain's vif attaches after the first left;
#                 its netfront has SG, TSO and GSO turned off (ethtool -K) before any traffic
#  3. "pv-2q"     a PV guest with 2 vCPUs: netfront connects 2 queues
#  3b. "restart"  a PV guest with 2 vCPUs (2 queues) streaming byte-exact each way (paced, so
#                 the streams span it) under a netperf TCP_STREAM and a ping from the peer,
#                 while dpdk-netback is stopped with SIGTERM and started again, then killed
#                 with SIGKILL and started again: both new processes resume the vif, the
#                 streams stay byte-exact, netperf's connection survives, the vif's states
#                 never leave Connected (xenstore-watch), and the peer's ping answers within
#                 1 s of the new process resuming.
#  3c. "vifline"  the vif line: rate=, mtu=9000, ip=, a capture (vifline_phase below)
#  3d. "lan"      two switches, VLANs, guest to guest over IPv4 and IPv6 (lan_phase below)
#  3e. "hvm"      an HVM guest on its emulated NIC, then PV-on-HVM (hvm_phase below)
#  4. "kernel-pv" dpdk-netback stopped (SIGTERM: clean exit), xen-netback loaded, a bridge:
#                 the same PV guest, for "DNB-INFO throughput ..." ratio lines.
#  5. "beside"    xen-netback still loaded, dpdk-netback started again: two guests at once,
#                 one served by the kernel (bridge), one taken over from the kernel by
#                 config/vif-dpdk-netback + dpdk-netback; both ping and move netperf at once.
#                 Then dpdk-netback stops with --on-exit kernel: its guest goes on, Connected
#                 throughout, under the kernel's xen-netback (dynamic rebind) and the bridge.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
guest=dnbguest
guest_ip=10.77.0.2
nb_log=/tmp/netback.log
console_dir=/var/log/xen/console
nb_pid=
stream_pids=
# The physical CPU a PVH guest's vCPU is pinned to. Under QEMU 7.2's TCG (one host thread per
# CPU, emulated SVM with nested paging), a PVH guest whose vCPU Xen was free to move between
# the two CPUs triple-faulted at a VM exit (just after an intercepted rdtsc, in or cpuid) in
# 4 of 6 runs; pinned, in none of the runs since. Not a check of dpdk-netback: the guest's
# kernel reset itself (Xen's log says "Triple fault"; run-xen-test.sh counts it).
# DNB_PVH_PIN (Dom0's command line, run-xen-test.sh) sets another; empty: no pin.
pvh_pin=${DNB_PVH_PIN-1}
# Bytes of each byte-exact stream; the guest gets it on its kernel command line (init's env).
stream_bytes=16777216
# More for the next guest's kernel command line (domU-init.sh's DNB_GUEST_* switches).
guest_extra=
# Bytes per second of the peer's stream to the guest (empty: as fast as it goes).
stream_rate=
# More devargs for dpdk-netback's wire port (",framesz=..." for jumbo frames).
wire_devargs=
# More EAL options of dpdk-netback (a second wire port).
netback_eal=
# dpdk-netback's wire port in place of net_af_packet on IFACE (bench.sh's TSO-capable wire).
wire_vdev=

# iproute2, not busybox's applet (Debian's busybox shell runs its own applets first): netns.
ip() { /sbin/ip "$@"; }
result() { echo "DNB-RESULT $1 $2 ${3:-}"; }
phase() { echo "DNB-PHASE $1"; }
# evidence FILE [LINES]: the tail of a log, each line marked for the host's log.
evidence() { [ -f "$1" ] && tail -n "${2:-40}" "$1" | sed "s|^|DNB-LOG $(basename "$1"): |"; }
peer() { ip netns exec peer "$@"; }

# wait_for SECONDS COMMAND...: poll every 0.2 s until COMMAND succeeds; 1 on timeout.
wait_for() {
	local n=$(($1 * 5))
	shift
	while [ $n -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
		n=$((n - 1))
	done
	return 1
}

# answered PING-OUTPUT: ping -c 5 -w ... got 5 replies or more (with -w it sends another
# request when a reply is late, and may get both)
answered() { [ "$(echo "$1" | sed -n 's/.* \([0-9]*\) received.*/\1/p')" -ge 5 ] 2>/dev/null; }

# positive NUMBER: a decimal number above zero (netperf's throughput field).
positive() { echo "$1" | awk '{ exit !($1 ~ /^[0-9.]+$/ && $1 + 0 > 0) }'; }
xs_is() { [ "$(xenstore-read "$1" 2>/dev/null)" = "$2" ]; }
domid_of() { xl domid "$1" 2>/dev/null; }

check_xenstore() {
	if xs_is /local/domain/0/name Domain-0; then
		result dom0-xenstore PASS "oxenstored up, xen-init-dom0 done"
	else
		result dom0-xenstore FAIL "/local/domain/0/name is '$(xenstore-read /local/domain/0/name 2>&1)'"
	fi
	if lsmod | grep -q '^xen_netback'; then
		result no-kernel-netback FAIL "xen-netback is loaded"
	else
		result no-kernel-netback PASS "xen-netback not loaded"
	fi
}

wire_up() {
	ip link set lo up
	ip netns add peer
	ip link add dnbw0 type veth peer name dnbp0
	ip link set dnbp0 netns peer
	peer ip link set lo up
	peer ip addr add 10.77.0.1/24 dev dnbp0
	peer ip link set dnbp0 up
	ip link set dnbw0 up
	# A NIC puts finished frames on the wire: no TSO, checksums computed by the sender (a veth
	# would otherwise hand the packet socket partial checksums), as test/bed/testbed.sh does.
	peer ethtool -K dnbp0 tso off gso off tx off >/dev/null
	ethtool -K dnbw0 tso off gso off gro off tx off >/dev/null
	peer netserver -p 12865 >/dev/null 2>&1
	# IPv6 beside IPv4 (#20): the guests take fd77::N; netserver listens on one family
	peer ip -6 addr add fd77::1/64 dev dnbp0 nodad
	peer netserver -p 12866 -6 >/dev/null 2>&1
}

# stamp: each line of stdin with the uptime, to line up the logs of Dom0 and the guest.
stamp() {
	while IFS= read -r line; do
		echo "$(cut -d' ' -f1 /proc/uptime) $line"
	done
}

# watch_backends: every change under the vif backend directory, stamped (evidence).
watch_backends() {
	xenstore-watch /local/domain/0/backend/vif 2>&1 | while IFS= read -r p; do
		echo "$p = '$(xenstore-read "$p" 2>&1)'"
	done | stamp >/tmp/xs-watch.log &
}

# tasks_evidence PID: where each thread of a process that does not get on is waiting.
tasks_evidence() {
	local t
	for t in /proc/"$1"/task/*; do
		[ -d "$t" ] || continue
		echo "DNB-LOG task $(cat "$t/comm" 2>&1) state $(cut -d' ' -f3 "$t/stat" 2>&1)" \
			"wchan $(cat "$t/wchan" 2>&1) syscall $(cut -d' ' -f1 "$t/syscall" 2>&1)"
	done
}

# netback_start [IFACE [LABEL [OPTIONS]]]: dpdk-netback with its wire port on IFACE (default
# dnbw0) and OPTIONS after its usual ones.
netback_start() {
	local iface=${1:-dnbw0} label=${2:+-$2} opts=${3:-}
	rm -f /tmp/netback.pid
	# The subshell is the process's parent: it writes its exit status to /tmp/netback-PID.rc
	# (per process: a killed one's may be written after the next one started).
	(
		LD_PRELOAD=/usr/lib/libdnb_xs_trace.so dpdk-netback -l 0-1 --no-huge --no-pci --no-shconf -m 256 --iova-mode=va \
			--vdev "${wire_vdev:-net_af_packet0,iface=$iface,qdisc_bypass=1$wire_devargs}" $netback_eal \
			-- --marked-vifs --vif-queues 2 $opts 2>&1 &
		p=$!
		echo $p >/tmp/netback.pid
		wait $p
		echo $? >/tmp/netback-$p.rc
	) | stamp >"$nb_log" &
	wait_for 10 test -s /tmp/netback.pid
	nb_pid=$(cat /tmp/netback.pid)
	if wait_for 60 grep -q "forwarding on" "$nb_log"; then
		result "netback-start$label" PASS "pid $nb_pid, wire $iface, $(command -v dpdk-netback) ($(cat /etc/dnb-netback-origin))"
		return 0
	fi
	result "netback-start$label" FAIL "no 'forwarding on' in 60 s"
	evidence "$nb_log"
	tasks_evidence "$nb_pid"
	return 1
}

# guest_cfg NAME TYPE EXTRA VCPUS VIF [MORE]: /tmp/NAME.cfg, the guest's xl config. Every
# guest has on_reboot "destroy": a guest kernel that resets (a triple fault) is a failure,
# not a silent restart under a new domid.
guest_cfg() {
	cat >"/tmp/$1.cfg" <<CFG
name = "$1"
type = "$2"
kernel = "/boot/vmlinuz"
ramdisk = "/boot/domU.cpio.gz"
extra = "console=hvc0 quiet $3"
memory = 256
vcpus = $4
on_poweroff = "destroy"
on_crash = "destroy"
on_reboot = "destroy"
vif = [ '$5' ]
${6:-}
CFG
}

# guest_create TYPE LABEL [VCPUS]: a guest of TYPE (pv, pvh) whose vif the current $backend
# serves. Linux's netfront asks for one queue per vCPU.
guest_create() {
	local script=vif-dpdk-netback pin=
	[ "$backend" = kernel ] && script=vif-kernel-bridge
	# A PVH guest's vCPU stays on one physical CPU (see pvh_pin).
	[ "$1" = pvh ] && [ -n "$pvh_pin" ] && pin="cpus = \"$pvh_pin\""
	guest_cfg "$guest" "$1" "DNB_STREAM_BYTES=$stream_bytes $guest_extra" "${3:-1}" \
		"mac=00:16:3e:00:00:01,script=$script" "$pin"
	rm -f "$console_dir/guest-$guest.log"
	if xl create /tmp/$guest.cfg >/tmp/xl-create.log 2>&1; then
		result "xl-create-$2" PASS "$1 guest, domid $(domid_of $guest), vif script $script"
		return 0
	fi
	result "xl-create-$2" FAIL "xl create failed"
	evidence /tmp/xl-create.log
	backend_evidence
	return 1
}

backend_evidence() {
	if [ "$backend" = dpdk ]; then
		evidence "$nb_log"
	else
		dmesg | grep -i 'xen\|vif' | tail -n 20 | sed 's/^/DNB-LOG dmesg: /'
	fi
}

both_connected() {
	local d=$1
	xs_is /local/domain/0/backend/vif/$d/0/state 4 &&
		xs_is /local/domain/$d/device/vif/0/state 4
}

vif_connected() {
	local d
	d=$(domid_of $guest)
	if wait_for 60 both_connected "$d"; then
		result "vif-connected-$1" PASS "backend and frontend state 4 (domid $d)"
		return 0
	fi
	result "vif-connected-$1" FAIL "backend state '$(xenstore-read /local/domain/0/backend/vif/$d/0/state 2>&1)' frontend '$(xenstore-read /local/domain/$d/device/vif/0/state 2>&1)'"
	xenstore-ls -f /local/domain/0/backend/vif | sed 's/^/DNB-LOG xenstore: /'
	backend_evidence
	return 1
}

# guest_results SECONDS: wait for the guest's own tests and relay its result lines.
guest_results() {
	local log="$console_dir/guest-$guest.log"
	if ! wait_for "$1" grep -q "DNB-GUEST done" "$log"; then
		result guest-done FAIL "no 'DNB-GUEST done' on the guest console in $1 s"
		evidence "$log"
		backend_evidence
		return 1
	fi
	grep -a "^DNB-RESULT " "$log" | tr -d '\r' | sed "s/^DNB-RESULT guest-/DNB-RESULT guest-$2-/"
	grep -a "^DNB-RESULT guest-\(xdp-\)\?netperf" "$log" | tr -d '\r' | while read -r _ name _ tput; do
		echo "${tput%%,*}" >"/tmp/tput.$2.$name"
	done
	grep -aq "^DNB-RESULT guest-[^ ]* FAIL" "$log" && { evidence "$log"; backend_evidence; }
	grep -a "segfault\|traps:\|netfront" "$log" | sed 's/^/DNB-LOG guest: /'
	return 0
}

# Dom0's side: the wire peer reaches the guest.
peer_tests() {
	local out t
	out=$(peer /usr/bin/ping -c 5 -i 0.3 -w 15 $guest_ip 2>&1)
	if answered "$out"; then
		result "peer-ping-$1" PASS "5/5 replies from the guest"
	else
		result "peer-ping-$1" FAIL "$(echo "$out" | grep 'packets')"
	fi
	for t in TCP_STREAM TCP_MAERTS; do
		peer_netperf "$1" "peer-netperf-$t" -H $guest_ip -t $t
		# and over IPv6 (#20): the guest's netserver for it listens on 12866
		peer_netperf "$1" "peer-netperf6-$t" -H "fd77::${guest_ip##*.}" -p 12866 -6 -t $t
	done
}

# peer_netperf LABEL NAME ARGS...: one 5 s netperf of the peer's, check NAME-LABEL
peer_netperf() {
	local label=$1 name=$2 out tput
	shift 2
	out=$(peer timeout 30 netperf "$@" -l 5 -P 0 -- -o THROUGHPUT,THROUGHPUT_UNITS 2>&1 | tail -n 1)
	tput=${out%%,*}
	if positive "$tput"; then
		result "$name-$label" PASS "$out"
		echo "$tput" >"/tmp/tput.$label.$name"
	else
		result "$name-$label" FAIL "$(echo "$out" | tr '\n' ' ')"
		backend_evidence
	fi
}

# streams_arm [6]: the peer's receiver for the guest's stream, and the peer's stream to the
# guest (its sender retries until the guest listens, after the guest's own tests); with 6,
# the same pair over IPv6 as well (the guest's ordinary tests send both, #20).
streams_arm() {
	head -c "$stream_bytes" /dev/urandom >/tmp/peer-blob
	sha256sum </tmp/peer-blob | cut -d' ' -f1 >/tmp/peer-tx.sha
	stream_pids=
	stream_arm_one "" $guest_ip 5002 5001
	[ "${1:-}" = 6 ] && stream_arm_one 6 "fd77::${guest_ip##*.}" 5004 5003
}

# stream_arm_one FAMILY GUEST-ADDR RECV-PORT SEND-PORT: one pair; logs /tmp/peer-*FAMILY*.
# /sbin/ip, not the functions: the pid must be xstream.pl's own (ip netns exec execs it),
# or streams_disarm would kill a subshell and leave a receiver holding its port.
stream_arm_one() {
	rm -f /tmp/peer-rx$1.bin
	/sbin/ip netns exec peer xstream.pl recv $3 600 >/tmp/peer-rx$1.bin 2>/tmp/peer-recv$1.log &
	eval "rx$1_pid=\$!"
	stream_pids="$stream_pids $!"
	/sbin/ip netns exec peer xstream.pl send $2 $4 300 $stream_rate </tmp/peer-blob \
		>/tmp/peer-send$1.log 2>&1 &
	stream_pids="$stream_pids $!"
}

# streams_disarm: whatever is left of this life's streams.
streams_disarm() {
	kill $stream_pids 2>/dev/null
	wait $stream_pids 2>/dev/null
	rm -f /tmp/peer-blob /tmp/peer-rx.bin /tmp/peer-rx6.bin
}

# streams_check LABEL [6]: compare each stream's digests at both ends (and the IPv6 pair's).
streams_check() {
	stream_check_one "$1" ""
	[ "${2:-}" = 6 ] && stream_check_one "$1" 6
}

# stream_check_one LABEL FAMILY: checks stream[FAMILY]-guest-to-peer-LABEL and -peer-to-guest-
stream_check_one() {
	local log="$console_dir/guest-$guest.log" sent got pid
	eval "pid=\$rx$2_pid"
	# The first digest: the peer's receiver takes one connection, the guest's first.
	sent=$(grep -a '^DNB-GUEST-SHA tx ' "$log" | tr -d '\r' | head -n 1 | cut -d' ' -f3)
	wait_for 60 sh -c "! kill -0 $pid"
	got=$(sha256sum </tmp/peer-rx$2.bin | cut -d' ' -f1)
	if [ -n "$sent" ] && [ "$sent" = "$got" ]; then
		result "stream$2-guest-to-peer-$1" PASS "$stream_bytes bytes, sha256 equal ${sent%${sent#????????}}"
	else
		result "stream$2-guest-to-peer-$1" FAIL "guest sent '$sent', peer received $(wc -c </tmp/peer-rx$2.bin) bytes '$got'"
		evidence /tmp/peer-recv$2.log
	fi
	sent=$(cat /tmp/peer-tx.sha)
	got=$(grep -a "^DNB-GUEST-SHA rx$2 " "$log" | tr -d '\r' | head -n 1 | cut -d' ' -f3)
	if [ "$sent" = "$got" ]; then
		result "stream$2-peer-to-guest-$1" PASS "$stream_bytes bytes, sha256 equal ${sent%${sent#????????}}"
	else
		result "stream$2-peer-to-guest-$1" FAIL "peer sent '$sent', guest received '$got'"
		evidence /tmp/peer-send$2.log
	fi
}

guest_destroy() {
	local d
	d=$(domid_of $guest)
	if ! xl destroy $guest >/tmp/xl-destroy.log 2>&1; then
		result "xl-destroy-$1" FAIL "xl destroy failed"
		evidence /tmp/xl-destroy.log
		return 1
	fi
	if wait_for 30 sh -c "! xenstore-read /local/domain/0/backend/vif/$d/0/state" &&
		{ [ "$backend" = kernel ] || wait_for 30 grep -q "vif$d.0: detached" "$nb_log"; }; then
		result "xl-destroy-$1" PASS "backend directory gone${nb_pid:+, port detached}"
		return 0
	fi
	result "xl-destroy-$1" FAIL "backend of domid $d still present or port not detached"
	backend_evidence
	return 1
}

# netback_stop [LABEL]
netback_stop() {
	local n=0 label=${1:+-$1}
	kill -TERM "$nb_pid"
	while kill -0 "$nb_pid" 2>/dev/null && [ $n -lt 100 ]; do sleep 0.2; n=$((n + 1)); done
	if kill -0 "$nb_pid" 2>/dev/null; then
		result "netback-exit$label" FAIL "still running 20 s after SIGTERM"
		kill -KILL "$nb_pid"
	elif ! wait_for 5 test -s "/tmp/netback-$nb_pid.rc"; then
		result "netback-exit$label" FAIL "exited, but its exit status was not recorded"
	elif [ "$(cat "/tmp/netback-$nb_pid.rc")" = 0 ]; then
		result "netback-exit$label" PASS "clean exit on SIGTERM (exit status 0)"
	else
		result "netback-exit$label" FAIL "exit status $(cat "/tmp/netback-$nb_pid.rc") after SIGTERM"
	fi
	evidence "$nb_log" 15
}

# vif_stable LABEL: dpdk-netback kept the guest's port for the guest's whole life.
vif_stable() {
	local d n
	d=$(domid_of $guest)
	n=$(grep -c "vif$d.0: detached" "$nb_log")
	if [ "$n" = 0 ]; then
		result "vif-stable-$1" PASS "port attached once, never detached while the guest ran"
	else
		result "vif-stable-$1" FAIL "vif$d.0 detached $n time(s) while the guest ran"
		evidence /tmp/xs-watch.log 60
		evidence "$nb_log" 60
	fi
}

# vif_queues LABEL N: dpdk-netback connected the guest's vif with N queues.
vif_queues() {
	local d
	d=$(domid_of $guest)
	# The log line may trail the xenstore state by a moment (the log goes through stamp).
	if wait_for 10 grep -q "vif$d.0: connected, $2 queue(s)" "$nb_log"; then
		result "vif-queues-$1" PASS "$2 queue(s) connected"
	else
		result "vif-queues-$1" FAIL "not '$2 queue(s)': $(grep "vif$d.0: connected" "$nb_log")"
	fi
}

# guest_life TYPE LABEL [VCPUS]: create, connect, the guest's tests, the peer's tests, destroy.
guest_life() {
	streams_arm 6
	if guest_create "$1" "$2" "${3:-1}" && vif_connected "$2" &&
		{ [ "$backend" = kernel ] || vif_queues "$2" "${3:-1}"; } &&
		guest_results 400 "$2"; then
		streams_check "$2" 6
		peer_tests "$2"
	fi
	streams_disarm
	[ "$backend" = dpdk ] && vif_stable "$2"
	guest_destroy "$2"
}

# ---- Restarts: a guest must not notice dpdk-netback going away and coming back -------------

# restart_once DOMID SIGNAL LABEL: stop dpdk-netback with SIGNAL (TERM, KILL), start a new
# one; it must resume the vif. Its resume time (uptime) goes to /tmp/restart-resumed.log.
restart_once() {
	local d=$1 sig=$2 label=$3
	kill -"$sig" "$nb_pid"
	if ! wait_for 30 sh -c "! kill -0 $nb_pid"; then
		result "resume-$label" FAIL "dpdk-netback still running 30 s after SIG$sig"
		return 1
	fi
	# SIGTERM is a clean stop: its exit status must say so (SIGKILL's is the signal's)
	if [ "$sig" = TERM ] && ! { wait_for 5 test -s "/tmp/netback-$nb_pid.rc" &&
		[ "$(cat "/tmp/netback-$nb_pid.rc")" = 0 ]; }; then
		result "resume-$label" FAIL "exit status '$(cat "/tmp/netback-$nb_pid.rc" 2>&1)' after SIGTERM"
		return 1
	fi
	cp "$nb_log" "/tmp/netback-before-$label.log"
	netback_start dnbw0 "$label" || return 1
	if wait_for 60 grep -q "vif$d.0: resumed" "$nb_log"; then
		result "resume-$label" PASS "SIG$sig, then: $(grep "vif$d.0: queue" "$nb_log" |
			cut -d' ' -f4- | tr '\n' ';')"
		grep "vif$d.0: resumed" "$nb_log" | head -n 1 | cut -d' ' -f1 >>/tmp/restart-resumed.log
		return 0
	fi
	result "resume-$label" FAIL "no 'vif$d.0: resumed' in 60 s after SIG$sig"
	evidence "$nb_log"
	return 1
}

# restart_outage: the peer's first ping reply after each resume, within 1 s.
restart_outage() {
	local r first worst=0 late=0
	while read -r r; do
		first=$(awk -v r="$r" '/bytes from/ && $1 > r { print $1 - r; exit }' /tmp/restart-ping.log)
		[ -n "$first" ] || first=999
		worst=$(awk -v a="$worst" -v b="$first" 'BEGIN { print (b > a ? b : a) }')
		awk -v f="$first" 'BEGIN { exit !(f > 1.0) }' && late=$((late + 1))
	done </tmp/restart-resumed.log
	if [ -s /tmp/restart-resumed.log ] && [ "$late" = 0 ]; then
		result restart-ping PASS "first reply at most ${worst} s after each resume (every 0.1 s)"
	else
		result restart-ping FAIL "$late restart(s) answered later than 1 s after the resume (worst ${worst} s)"
		evidence /tmp/restart-ping.log 60
	fi
	echo "DNB-INFO restart outage: longest gap between the peer's ping replies $(awk '/bytes from/ { if (p) { g = $1 - p; if (g > m) m = g } p = $1 } END { printf "%.2f", m }' /tmp/restart-ping.log) s"
}

# restart_states: the xenstore watch saw the vif's two states at 4 only.
restart_states() {
	local n
	n=$(grep -c . /tmp/restart-states.log)
	if [ "$n" -ge 2 ] && ! grep -qv ' 4$' /tmp/restart-states.log; then
		result restart-states PASS "$n watch events on the frontend's and backend's state, all 4"
	else
		result restart-states FAIL "$n watch events; not 4: $(grep -v ' 4$' /tmp/restart-states.log | tr '\n' ';')"
	fi
}

restart_life() {
	local d w np out bg=
	stream_rate=400000
	stream_bytes=12000000
	guest_extra="DNB_GUEST_TESTS=streams DNB_STREAM_RATE=$stream_rate"
	rm -f /tmp/restart-resumed.log
	streams_arm 6
	if guest_create pv restart 2 && vif_connected restart && vif_queues restart 2 &&
		wait_for 120 grep -q "DNB-GUEST ready" "$console_dir/guest-$guest.log"; then
		d=$(domid_of $guest)
		for p in /local/domain/$d/device/vif/0/state /local/domain/0/backend/vif/$d/0/state; do
			sh -c 'echo $$ >>/tmp/restart-watch.pids; exec xenstore-watch "$1"' sh "$p" \
				2>/dev/null | while read -r w; do
				echo "$w $(xenstore-read "$w" 2>&1)"
			done >>/tmp/restart-states.log &
			bg="$bg $!"
		done
		# stamped with Dom0's uptime, as the backend's log: the replies line up with it
		peer /usr/bin/ping -i 0.1 $guest_ip 2>&1 | stamp >/tmp/restart-ping.log &
		bg="$bg $!"
		peer timeout 200 netperf -H $guest_ip -t TCP_STREAM -l 40 -P 0 -- \
			-o THROUGHPUT,THROUGHPUT_UNITS >/tmp/restart-netperf.log 2>&1 &
		np=$!
		sleep 8
		restart_once "$d" TERM restart-term && sleep 8 && restart_once "$d" KILL restart-kill
		wait "$np"
		out=$(tail -n 1 /tmp/restart-netperf.log)
		if positive "${out%%,*}"; then
			result restart-netperf PASS "one TCP_STREAM across both restarts: $out"
		else
			result restart-netperf FAIL "$(tr '\n' ' ' </tmp/restart-netperf.log)"
		fi
		guest_results 300 restart && streams_check restart 6
		# the pipelines' readers (ping dies on its next line) and the watches themselves
		kill $bg $(cat /tmp/restart-watch.pids 2>/dev/null) 2>/dev/null
		restart_outage
		restart_states
	fi
	streams_disarm
	guest_extra=
	stream_rate=
	stream_bytes=16777216
	guest_destroy restart
}

# The same guest with Linux's xen-netback and a bridge in place of dpdk-netback, for a ratio.
kernel_backend_up() {
	local ko
	ko=$(grep '/xen-netback.ko$' /etc/modules.order)
	if ! insmod "$ko"; then
		result kernel-netback-load FAIL "insmod $ko"
		return 1
	fi
	if ! { ip link add dnbbr0 type bridge && ip link set dnbw0 master dnbbr0 &&
		ip link set dnbbr0 up; }; then
		result kernel-netback-load FAIL "cannot make bridge dnbbr0 with dnbw0"
		return 1
	fi
	result kernel-netback-load PASS "xen-netback loaded, dnbw0 in bridge dnbbr0"
}

# compare NAME: dpdk-netback's throughput against xen-netback's for one netperf test.
compare() {
	local d k
	d=$(cat "/tmp/tput.pv.$1" 2>/dev/null)
	k=$(cat "/tmp/tput.kernel-pv.$1" 2>/dev/null)
	[ -n "$d" ] && [ -n "$k" ] || return 0
	local unit=Mbit/s
	case $1 in *TCP_RR) unit=transactions/s ;; esac
	echo "DNB-INFO throughput $1 dpdk-netback $d xen-netback $k $unit ratio $(awk -v d="$d" -v k="$k" 'BEGIN { printf "%.2f", (k > 0 ? d / k : 0) }')"
}

# ---- The vif line (#14): rate=, mtu=, ip= and a capture, under the stock netfront --------
# Two guests at once on one dpdk-netback (--mtu 9000, the wire and the peer at 9000 too):
# "rate" has vif 'rate=10Mb/s,ip=10.77.0.21,mtu=9000' and tries to send from an address ip=
# does not allow (domU-init.sh's DNB_GUEST_TESTS=vifline); "free" has no rate, streams
# byte-exact each way at MTU 9000 (DNB_GUEST_TESTS=jumbo). Each sends from a second MAC (a
# macvlan): --vif-macs allows free's (answered), not rate's (dropped, sw_spoofed). The peer
# takes TCP_MAERTS from both at once: "rate" sends at 10 Mbit/s +- 15 % and "free" well
# above it. 8972-byte pings with DF reach both. Then a capture of "rate"'s vif holds the
# peer's pings: Dom0 prints the file (DNB-FILE lines) and the host reads it (host-checks.sh).
# Last, free turns netfront's SG off (its MTU falls to 1500) and streams again, over IPv6.
vifline_ip_rate=10.77.0.21
vifline_ip_free=10.77.0.22
vifline_capture=/var/lib/dpdk-netback/capture/vifline.pcapng

# vifline_create WHO IP VIF-KEYS GUEST-ENV: guest dnbguest-WHO, MTU 9000
vifline_create() {
	named_guest vifline "$1" "DNB_GUEST_IP=$2 DNB_GUEST_MTU=9000 DNB_STREAM_BYTES=$stream_bytes $4" \
		"$3,mtu=9000,script=vif-dpdk-netback"
}

# vifline_ready WHO [MARKER]: both ends Connected, the guest's own checks relayed.
vifline_ready() { named_ready vifline "$1" 'guest-' 180 "${2:-DNB-GUEST done}"; }

# vifline_jumbo: the free guest's second round (domU-init.sh's jumbo): its netfront's SG off,
# the streams again (IPv6); then both rounds' streams compared
vifline_jumbo() {
	local log="$console_dir/guest-dnbguest-free.log"
	peer xstream.pl send $vifline_ip_free 5010 60 </dev/null >/dev/null 2>&1
	if wait_for 180 grep -q "DNB-GUEST done" "$log"; then
		grep -a "^DNB-RESULT guest-sg-off" "$log" | tr -d '\r' |
			sed "s/^DNB-RESULT guest-/DNB-RESULT guest-vifline-free-/"
	else
		result guest-vifline-free-sg-off FAIL "no 'DNB-GUEST done' after the round with SG off"
		evidence "$log"
	fi
	streams_check vifline-free 6
}

# vifline_counter WHO NAME: a counter of the guest's port (/dpdk_netback/stats, xtel.pl)
vifline_counter() {
	local d port
	d=$(domid_of dnbguest-$1)
	port=$(sed -n "s/.*vif$d\.0: attached as port \([0-9]*\).*/\1/p" "$nb_log" | tail -n 1)
	xtel.pl "/dpdk_netback/stats,$port" 2>&1 | sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"
}

vifline_rate() {
	local a b
	peer timeout 60 netperf -H $vifline_ip_rate -t TCP_MAERTS -l 10 -P 0 -- -o THROUGHPUT \
		>/tmp/vifline-rate.log 2>&1 &
	a=$!
	peer timeout 60 netperf -H $vifline_ip_free -t TCP_MAERTS -l 10 -P 0 -- -o THROUGHPUT \
		>/tmp/vifline-free.log 2>&1 &
	b=$!
	wait $a $b
	a=$(tail -n 1 /tmp/vifline-rate.log)
	b=$(tail -n 1 /tmp/vifline-free.log)
	if positive "$a" && awk -v a="$a" 'BEGIN { exit !(a >= 8.5 && a <= 11.5) }'; then
		result vifline-rate PASS "rate=10Mb/s: the guest sent $a Mbit/s (10 +- 15 %)"
	else
		result vifline-rate FAIL "rate=10Mb/s: the guest sent '$a' Mbit/s"
	fi
	if positive "$b" && awk -v b="$b" 'BEGIN { exit !(b > 30) }'; then
		result vifline-rate-other PASS "the guest with no rate sent $b Mbit/s at the same time"
	else
		result vifline-rate-other FAIL "the guest with no rate sent '$b' Mbit/s at the same time"
	fi
	echo "DNB-INFO vif line: rate=10Mb/s guest $a Mbit/s, unlimited guest $b Mbit/s, at once"
}

vifline_checks() {
	local who ip n before
	for who in rate free; do
		eval ip=\$vifline_ip_$who
		n=$(peer /usr/bin/ping -M do -s 8972 -c 3 -i 0.3 -w 10 "$ip" 2>&1 |
			sed -n 's/.* \([0-9]*\) received.*/\1/p')
		if [ "${n:-0}" = 3 ]; then
			result "vifline-mtu-$who" PASS "3/3 8972-byte pings (DF) answered at MTU 9000"
		else
			result "vifline-mtu-$who" FAIL "${n:-0}/3 8972-byte pings (DF) answered"
		fi
	done
	n=$(vifline_counter rate sw_ip_spoofed)
	if [ "${n:-0}" -ge 3 ]; then
		result vifline-ip-counted PASS "sw_ip_spoofed $n on the ip= guest's port"
	else
		result vifline-ip-counted FAIL "sw_ip_spoofed '$n' on the ip= guest's port"
	fi
	# the rate guest's macvlan: its MAC is no --vif-macs of that vif
	n=$(vifline_counter rate sw_spoofed)
	if [ "${n:-0}" -ge 3 ]; then
		result vifline-mac-counted PASS "sw_spoofed $n on the port of the guest without --vif-macs"
	else
		result vifline-mac-counted FAIL "sw_spoofed '$n' on the port of the guest without --vif-macs"
	fi
	vifline_rate
	before=$(xtel.pl "/dpdk_netback/capture,start,$(domid_of dnbguest-rate)/0,vifline.pcapng" 2>&1)
	peer /usr/bin/ping -c 5 -i 0.2 -w 10 $vifline_ip_rate >/tmp/vifline-cap-ping.log 2>&1
	n=$(xtel.pl "/dpdk_netback/capture,stop,$(domid_of dnbguest-rate)/0" 2>&1)
	if echo "$n" | grep -q stopped && [ -s "$vifline_capture" ]; then
		result vifline-capture PASS "$(wc -c <"$vifline_capture") bytes of pcapng; $(grep packets /tmp/vifline-cap-ping.log)"
		echo "DNB-FILE-BEGIN capture-vifline.pcapng"
		base64 "$vifline_capture"
		echo "DNB-FILE-END capture-vifline.pcapng"
	else
		result vifline-capture FAIL "start: $before; stop: $n"
	fi
}

vifline_phase() {
	# the free guest's streams (domU-init.sh's jumbo) for streams_arm and streams_check
	local who rc guest=dnbguest-free guest_ip=$vifline_ip_free
	ip link set dnbw0 mtu 9000 && peer ip link set dnbp0 mtu 9000 || {
		result vifline-wire FAIL "wire MTU 9000"
		return 1
	}
	# frames of 9018 bytes in the wire's packet socket; 8192 shared buffers of 9 KiB fit
	# dpdk-netback's -m 256 (the default 32768 would not)
	wire_devargs=",framesz=9216,blocksz=36864"
	netback_start dnbw0 vifline "--mtu 9000 --mbufs 8192 --vif-macs dnbguest-free/0=02:00:00:00:77:22"
	rc=$?
	wire_devargs=
	streams_arm 6
	if [ "$rc" = 0 ] && vifline_create rate $vifline_ip_rate \
		"mac=00:16:3e:00:00:21,ip=$vifline_ip_rate,rate=10Mb/s" \
		"DNB_GUEST_TESTS=vifline DNB_GUEST_SECOND_MAC=02:00:00:00:77:21,10.77.0.121,0" &&
		vifline_create free $vifline_ip_free "mac=00:16:3e:00:00:22" \
			"DNB_GUEST_TESTS=jumbo DNB_GUEST_SECOND_MAC=02:00:00:00:77:22,10.77.0.122,3" &&
		vifline_ready rate && vifline_ready free "DNB-GUEST waiting"; then
		vifline_checks
		vifline_jumbo
	fi
	streams_disarm
	for who in rate free; do
		beside_destroy_as vifline "$who"
	done
	# also a process that never got to forward: the next phase's must not find it
	[ -n "$nb_pid" ] && netback_stop vifline
	nb_pid=
	ip link set dnbw0 mtu 1500
	peer ip link set dnbp0 mtu 1500
}

# ---- Two bridges and VLANs (#14), guest to guest over IPv4 and IPv6 (#20) -------------------
# One dpdk-netback, two switches: xenbr0 on wire dnbw0 (the peer 10.77.0.1, and on its VLAN
# 100 the netns "peer100", 10.100.0.1, on a VLAN device of dnbp0: it sees VLAN 100's frames
# only) and xenbr1 on wire dnbw3 (netns "peer1", 10.79.0.1). Both wires are trunks (--trunk:
# untagged is VLAN 0). Four PV guests:
#  a  bridge=xenbr0, a trunk of VLANs 0 and 100 (--vif-trunk): 10.77.0.31 and, on an eth0.100
#     of its own, 10.100.0.31: pings peer100 and c, streams to peer100 over VLAN 100, then netperf
#     and byte-exact streams with b each way, over IPv4 and IPv6, netfront's offloads on and
#     then off (domU-init.sh g2g-client);
#  b  bridge=xenbr0, no VLAN: 10.77.0.32, the other end of a's tests (g2g-server);
#  c  bridge=xenbr0, access VLAN 100 (--vlan): 10.100.0.33 reaches peer100 (tagged on the wire)
#     and a's eth0.100 reaches it; from 10.77.0.33 neither b nor the peer (they are in VLAN 0);
#  d  bridge=xenbr1: 10.79.0.34 reaches peer1; from 10.77.0.34 nothing of xenbr0; the peer
#     does not reach it, and its ARP table never hears of it (no broadcast crosses).
# --vlan and --vif-trunk name the vifs by their domains' xl names (dnbguest-c/0), given before
# the guests exist, as an admin writes them.
lan_ip_a=10.77.0.31
lan_ip_b=10.77.0.32

lan_wires_up() {
	ip netns add peer1 && ip netns add peer100 &&
		ip link add dnbw3 type veth peer name dnbp3 && ip link set dnbp3 netns peer1 &&
		ip netns exec peer1 ip link set lo up &&
		ip netns exec peer1 ip addr add 10.79.0.1/24 dev dnbp3 &&
		ip netns exec peer1 ip link set dnbp3 up && ip link set dnbw3 up &&
		ip netns exec peer1 ethtool -K dnbp3 tso off gso off tx off >/dev/null &&
		ethtool -K dnbw3 tso off gso off gro off tx off >/dev/null &&
		peer ip link add link dnbp0 name dnbp0.100 type vlan id 100 &&
		peer ip link set dnbp0.100 netns peer100 &&
		ip netns exec peer100 ip link set lo up &&
		ip netns exec peer100 ip addr add 10.100.0.1/24 dev dnbp0.100 &&
		ip netns exec peer100 ip link set dnbp0.100 up
}

lan_wires_down() {
	ip netns del peer100
	ip netns del peer1
	ip link del dnbw3 2>/dev/null
}

# lan_guest WHO GUEST-ENV VIF-KEYS
lan_guest() {
	named_guest lan "$1" "DNB_STREAM_BYTES=$stream_bytes $2" \
		"$3,mac=00:16:3e:00:00:3$(lan_n "$1"),script=vif-dpdk-netback"
}
lan_n() { case $1 in a) echo 1 ;; b) echo 2 ;; c) echo 3 ;; d) echo 4 ;; esac; }

# lan_g2g_sha WHO NAME: a's or b's digest NAME (tx, rx-on-4, ...)
lan_g2g_sha() {
	grep -a "^DNB-G2G-SHA $2 " "$console_dir/guest-dnbguest-$1.log" | tr -d '\r' | head -n 1 |
		cut -d' ' -f3
}

# lan_streams: every guest-to-guest stream and a's VLAN 100 stream arrived whole.
lan_streams() {
	local pass fam from to sent got
	for pass in on off; do
		for fam in 4 6; do
			for from in a b; do
				to=b
				[ $from = b ] && to=a
				sent=$(lan_g2g_sha $from tx)
				got=$(lan_g2g_sha $to "rx-$pass-$fam")
				if [ -n "$sent" ] && [ "$sent" = "$got" ]; then
					result "lan-stream$fam-$from-to-$to-$pass" PASS "$stream_bytes bytes, sha256 equal ${sent%${sent#????????}}"
				else
					result "lan-stream$fam-$from-to-$to-$pass" FAIL "sent '$sent', received '$got'"
				fi
			done
		done
	done
	wait_for 60 sh -c "! kill -0 $lan_rx_pid"
	sent=$(lan_g2g_sha a tx)
	got=$(sha256sum </tmp/peer100-rx.bin | cut -d' ' -f1)
	if [ -n "$sent" ] && [ "$sent" = "$got" ]; then
		result lan-stream-vlan PASS "$stream_bytes bytes from a's eth0.100 to peer100, sha256 equal"
	else
		result lan-stream-vlan FAIL "a sent '$sent', peer100 received $(wc -c </tmp/peer100-rx.bin) bytes '$got'"
	fi
}

# lan_bridges: the peer does not reach d (on xenbr1), and no broadcast of d's reached it.
lan_bridges() {
	local n
	n=$(peer /usr/bin/ping -c 3 -i 0.3 -w 8 10.77.0.34 2>&1 | sed -n 's/.* \([0-9]*\) received.*/\1/p')
	if [ "${n:-0}" = 0 ]; then
		result lan-bridge-peer PASS "0/3 replies from 10.77.0.34, d's address on xenbr1"
	else
		result lan-bridge-peer FAIL "$n/3 replies from 10.77.0.34, d's address on xenbr1"
	fi
	if peer ip neigh show 10.77.0.34 | grep -q lladdr; then
		result lan-bridge-broadcast FAIL "the peer knows d's MAC: $(peer ip neigh show 10.77.0.34)"
	else
		result lan-bridge-broadcast PASS "d's ARP requests for 10.77.0.1 never reached the peer"
	fi
}

# lan_ratios: a's guest-to-guest netperf, IPv6 beside IPv4
lan_ratios() {
	local log="$console_dir/guest-dnbguest-a.log" pass t v4 v6
	for pass in on off; do
		for t in TCP_STREAM TCP_MAERTS TCP_RR; do
			v4=$(grep -a "^DNB-RESULT guest-g2g-$pass-netperf-$t PASS" "$log" | tr -d '\r' | cut -d' ' -f4 | cut -d, -f1)
			v6=$(grep -a "^DNB-RESULT guest-g2g-$pass-netperf6-$t PASS" "$log" | tr -d '\r' | cut -d' ' -f4 | cut -d, -f1)
			[ -n "$v4" ] && [ -n "$v6" ] &&
				echo "DNB-INFO ipv6 guest-to-guest offloads-$pass $t IPv4 $v4 IPv6 $v6 IPv6/IPv4 $(awk -v a="$v6" -v b="$v4" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
		done
	done
}

lan_phase() {
	local who rc
	lan_wires_up || { result lan-wires FAIL "cannot make the second wire and VLAN 100's peer"; return 1; }
	/sbin/ip netns exec peer100 xstream.pl recv 5201 900 >/tmp/peer100-rx.bin 2>/tmp/peer100-recv.log &
	lan_rx_pid=$!
	netback_eal="--vdev net_af_packet1,iface=dnbw3,qdisc_bypass=1"
	netback_start dnbw0 lan "--switch xenbr0=net_af_packet0 --switch xenbr1=net_af_packet1 --trunk --vlan dnbguest-c/0=100 --vif-trunk dnbguest-a/0=0,100"
	rc=$?
	# b, c and d first, each up before the next needs it, then a alone: its figures are not
	# taken while other guests boot (under emulation that halves them)
	if [ $rc = 0 ] &&
		lan_guest b "DNB_GUEST_IP=$lan_ip_b DNB_GUEST_TESTS=g2g-server DNB_G2G_OTHER=$lan_ip_a" bridge=xenbr0 &&
		wait_for 120 grep -q "DNB-GUEST ready" "$console_dir/guest-dnbguest-b.log" &&
		lan_guest c "DNB_GUEST_IP=10.100.0.33 DNB_GUEST_MORE_IP=10.77.0.33/24 DNB_GUEST_TESTS=reach DNB_REACH=10.100.0.1 DNB_NOT_REACH=10.77.0.32,10.77.0.1" bridge=xenbr0 &&
		lan_guest d "DNB_GUEST_IP=10.79.0.34 DNB_GUEST_MORE_IP=10.77.0.34/24 DNB_GUEST_TESTS=reach DNB_REACH=10.79.0.1 DNB_NOT_REACH=10.77.0.1,10.77.0.32" bridge=xenbr1 &&
		named_ready lan c 'guest-' && named_ready lan d 'guest-' &&
		lan_guest a "DNB_GUEST_IP=$lan_ip_a DNB_GUEST_TESTS=g2g-client DNB_G2G_OTHER=$lan_ip_b DNB_GUEST_VLAN=100:10.100.0.31 DNB_VLAN_PEER=10.100.0.1 DNB_VLAN_GUEST=10.100.0.33" bridge=xenbr0; then
		named_ready lan a 'guest-' 600
		named_ready lan b 'guest-' 120
		lan_streams
		lan_bridges
		lan_ratios
	fi
	for who in a b c d; do
		beside_destroy_as lan "$who"
	done
	[ -n "$nb_pid" ] && netback_stop lan
	nb_pid=
	netback_eal=
	kill $lan_rx_pid 2>/dev/null
	lan_wires_down
}

# ---- HVM guests (#15): the emulated NIC, then PV-on-HVM ----------------------------------
# An HVM guest of the same kernel and initramfs, QEMU its device model (qemu-system-xen), its
# vif 'model=e1000' (xl's type=ioemu: an emulated NIC beside the PV vif), vCPU pinned as
# a PVH guest's is (pvh_pin). One dpdk-netback (--marked-vifs) serves both lives:
#  "emu"    xen_emul_unplug=never and e1000 loaded instead of netfront: the guest's eth0 is
#           the emulated NIC, whose tap (vifD.0-emu) the hotplug script names and dpdk-netback
#           attaches in the vif's switch; ping, netperf and byte-exact streams to the peer;
#  "pvhvm"  without it: Linux unplugs the emulated NIC and netfront (PV-on-HVM) connects; the
#           usual tests, as a PV guest's.
hvm_ip_emu=10.77.0.41
hvm_ip_pvhvm=10.77.0.42

# hvm_create WHO IP MAC GUEST-ENV: guest dnbguest-WHO, HVM
hvm_create() {
	# The console is the emulated UART, written by QEMU into the file the scenario reads
	# (xenconsoled logs PV consoles only; an HVM guest's first console is QEMU's).
	rm -f "$console_dir/guest-dnbguest-$1.log"
	guest_cfg "dnbguest-$1" hvm "DNB_STREAM_BYTES=$stream_bytes DNB_GUEST_IP=$2 $4" 1 \
		"mac=$3,model=e1000,script=vif-dpdk-netback" "${pvh_pin:+cpus = \"$pvh_pin\"}
device_model_version = \"qemu-xen\"
vnc = 0
sdl = 0
vga = \"none\"
serial = \"file:$console_dir/guest-dnbguest-$1.log\""
	sed -i 's/console=hvc0/console=ttyS0/' "/tmp/dnbguest-$1.cfg"
	if xl create /tmp/dnbguest-$1.cfg >/tmp/xl-create-$1.log 2>&1; then
		result "xl-create-hvm-$1" PASS "domid $(domid_of dnbguest-$1), HVM, vif 'mac=$3,model=e1000'"
		return 0
	fi
	result "xl-create-hvm-$1" FAIL "xl create failed"
	evidence /tmp/xl-create-$1.log
	evidence /var/log/xen/qemu-dm-dnbguest-$1.log
	evidence "$nb_log" 20
	return 1
}

# hvm_emu_attached: dpdk-netback took the emulated NIC's tap into the switch
hvm_emu_attached() {
	local d
	d=$(domid_of dnbguest-emu)
	if wait_for 60 grep -q "vif$d.0: emulated NIC vif$d.0-emu attached as port" "$nb_log"; then
		result hvm-emu-attached PASS "$(grep -o "vif$d.0: emulated NIC .*" "$nb_log" | head -n 1)"
		return 0
	fi
	result hvm-emu-attached FAIL "no 'vif$d.0: emulated NIC vif$d.0-emu attached' in 60 s"
	evidence "$nb_log" 20
	evidence /var/log/xen/qemu-dm-dnbguest-emu.log
	ip link show | sed 's/^/DNB-LOG ip link: /'
	return 1
}

# hvm_life WHO IP MAC GUEST-ENV: one HVM guest's life, its results as guest-hvm-WHO-...;
# guest and guest_ip name it for the shared steps (streams, peer_tests, guest_results)
hvm_life() {
	local guest=dnbguest-$1 guest_ip=$2 label=hvm-$1 v6=6
	# the emulated e1000 moves 2-30 Mbit/s under TCG: a shorter list, smaller streams
	[ "$1" = emu ] && { v6=; local stream_bytes=4194304; }
	streams_arm $v6
	if hvm_create "$1" "$2" "$3" "$4" &&
		{ if [ "$1" = emu ]; then hvm_emu_attached; else vif_connected "$label"; fi; } &&
		guest_results 600 "$label"; then
		streams_check "$label" $v6
		peer_tests "$label"
	fi
	streams_disarm
	beside_destroy_as hvm "$1"
}

hvm_phase() {
	netback_start dnbw0 hvm || return 1
	hvm_life emu $hvm_ip_emu 00:16:3e:00:00:41 \
		"xen_emul_unplug=never DNB_GUEST_NIC=e1000 DNB_GUEST_SHORT=1"
	hvm_life pvhvm $hvm_ip_pvhvm 00:16:3e:00:00:42 ""
	netback_stop hvm
	nb_pid=
}

# ---- Beside the kernel: xen-netback and dpdk-netback in one Dom0, one guest each, at once ----
# Guest "a" names script=vif-dpdk-netback: the kernel probes its vif too, the script unbinds
# it from xen-netback and dpdk-netback (--marked-vifs) takes it over. Guest "b" is the
# kernel's (xen-netback, vif-kernel-bridge). dpdk-netback's wire is a veth whose other end
# (dnbp1) is a port of the kernel's bridge dnbbr0, beside dnbw0, the peer's wire: both
# guests reach the peer 10.77.0.1, each through its own backend.
beside_ip_dpdk=10.77.0.12
beside_ip_kernel=10.77.0.13

beside_wire_up() {
	ip link add dnbw1 type veth peer name dnbp1 &&
		ethtool -K dnbw1 tso off gso off gro off tx off >/dev/null &&
		ethtool -K dnbp1 tso off gso off tx off >/dev/null &&
		ip link set dnbp1 master dnbbr0 && ip link set dnbp1 up && ip link set dnbw1 up
}

# beside_create WHO SCRIPT MAC IP: guest dnbguest-WHO, a PV guest that only brings up its
# address and a netserver (Dom0 runs the tests, at once for both guests).
beside_create() {
	named_guest beside "$1" "DNB_GUEST_IP=$4 DNB_GUEST_TESTS=0" "mac=$3,script=$2"
}

# beside_connected WHO: both ends Connected and the guest's netfront up.
beside_connected() { named_ready beside "$1" 'guest-netfront'; }

# named_guest PHASE WHO GUEST-ENV VIF: xl create of guest dnbguest-WHO (PV, 1 vCPU) with
# GUEST-ENV on its kernel command line and vif VIF; check xl-create-PHASE-WHO.
named_guest() {
	local name=dnbguest-$2
	guest_cfg "$name" pv "$3" 1 "$4" ""
	rm -f "$console_dir/guest-$name.log"
	if xl create /tmp/$name.cfg >/tmp/xl-create-$2.log 2>&1; then
		result "xl-create-$1-$2" PASS "domid $(domid_of $name), vif '$4'"
		return 0
	fi
	result "xl-create-$1-$2" FAIL "xl create failed"
	evidence /tmp/xl-create-$2.log
	evidence "$nb_log" 20
	return 1
}

# named_ready PHASE WHO PATTERN [SECONDS [MARKER]]: guest dnbguest-WHO's both ends Connected
# (vif-connected-PHASE-WHO) and its own tests done within SECONDS (default 120; MARKER on
# its console, default "DNB-GUEST done"); its result lines starting with DNB-RESULT PATTERN
# relayed as guest-PHASE-WHO-...
named_ready() {
	local name=dnbguest-$2 d log
	d=$(domid_of $name)
	log="$console_dir/guest-$name.log"
	if ! wait_for 60 both_connected "$d"; then
		result "vif-connected-$1-$2" FAIL "backend state '$(xenstore-read /local/domain/0/backend/vif/$d/0/state 2>&1)' frontend '$(xenstore-read /local/domain/$d/device/vif/0/state 2>&1)'"
		xenstore-ls -f /local/domain/0/backend/vif/$d | sed 's/^/DNB-LOG xenstore: /'
		evidence "$nb_log" 20
		return 1
	fi
	result "vif-connected-$1-$2" PASS "backend and frontend state 4 (domid $d)"
	if wait_for "${4:-120}" grep -q "${5:-DNB-GUEST done}" "$log"; then
		grep -a "^DNB-RESULT $3" "$log" | tr -d '\r' |
			sed "s/^DNB-RESULT guest-/DNB-RESULT guest-$1-$2-/"
		return 0
	fi
	result "guest-$1-$2" FAIL "no '${5:-DNB-GUEST done}' on the console in ${4:-120} s"
	evidence "$log"
	return 1
}

# beside_owners: the dpdk guest's vif is served by dpdk-netback and no longer by the kernel
# (no driver, no vifD.0 netdev); the kernel guest's vif is xen-netback's, in the bridge.
beside_owners() {
	local da db dev
	da=$(domid_of dnbguest-dpdk)
	db=$(domid_of dnbguest-kernel)
	dev=/sys/bus/xen-backend/devices
	if [ -d "$dev/vif-$da-0" ] && [ ! -e "$dev/vif-$da-0/driver" ] &&
		[ ! -e "/sys/class/net/vif$da.0" ] &&
		grep -q "vif$da.0: released by the kernel's xen-netback" "$nb_log" &&
		grep -q "vif$da.0: connected" "$nb_log"; then
		result beside-owner-dpdk PASS "vif$da.0: unbound from xen-netback, connected by dpdk-netback"
	else
		result beside-owner-dpdk FAIL "vif$da.0: driver '$(readlink "$dev/vif-$da-0/driver" 2>&1)', netdev $(ls /sys/class/net | tr '\n' ' ')"
		evidence "$nb_log" 30
		evidence /tmp/xl-create-dpdk.log
	fi
	if [ -e "$dev/vif-$db-0/driver" ] &&
		[ "$(basename "$(readlink "/sys/class/net/vif$db.0/master" 2>/dev/null)")" = dnbbr0 ] &&
		! grep -q "vif$db.0: attached" "$nb_log"; then
		result beside-owner-kernel PASS "vif$db.0: bound to xen-netback, in bridge dnbbr0, not dpdk-netback's"
	else
		result beside-owner-kernel FAIL "vif$db.0: driver '$(readlink "$dev/vif-$db-0/driver" 2>&1)', master '$(readlink "/sys/class/net/vif$db.0/master" 2>&1)'"
		evidence "$nb_log" 30
	fi
}

# beside_traffic: the peer pings both guests at once, then a netperf TCP_STREAM to each at once.
beside_traffic() {
	local who ip out tput pids
	# Only these jobs are waited for: the shell has others (the xenstore watch) that never end.
	pids=
	for who in dpdk kernel; do
		eval ip=\$beside_ip_$who
		peer /usr/bin/ping -c 5 -i 0.3 -w 20 "$ip" >/tmp/beside-ping-$who.log 2>&1 &
		pids="$pids $!"
	done
	wait $pids
	for who in dpdk kernel; do
		if answered "$(cat /tmp/beside-ping-$who.log)"; then
			result "beside-ping-$who" PASS "5/5 replies, both guests pinged at once"
		else
			result "beside-ping-$who" FAIL "$(grep packets /tmp/beside-ping-$who.log)"
			evidence /tmp/beside-ping-$who.log
		fi
	done
	pids=
	for who in dpdk kernel; do
		eval ip=\$beside_ip_$who
		peer timeout 40 netperf -H "$ip" -t TCP_STREAM -l 8 -P 0 -- \
			-o THROUGHPUT,THROUGHPUT_UNITS >/tmp/beside-netperf-$who.log 2>&1 &
		pids="$pids $!"
	done
	wait $pids
	for who in dpdk kernel; do
		out=$(tail -n 1 /tmp/beside-netperf-$who.log)
		tput=${out%%,*}
		if positive "$tput"; then
			result "beside-netperf-$who" PASS "TCP_STREAM peer to guest, both at once: $out"
			echo "$tput" >/tmp/tput.beside.$who
		else
			result "beside-netperf-$who" FAIL "$(tr '\n' ' ' </tmp/beside-netperf-$who.log)"
		fi
	done
	[ -s /tmp/tput.beside.dpdk ] && [ -s /tmp/tput.beside.kernel ] &&
		echo "DNB-INFO throughput beside TCP_STREAM (concurrent) dpdk-netback $(cat /tmp/tput.beside.dpdk) xen-netback $(cat /tmp/tput.beside.kernel) Mbit/s"
}

# beside_handover: dpdk-netback stops with --on-exit kernel. The dpdk guest's vif, left
# Connected, is bound to xen-netback, which re-attaches to its rings; in the bridge, the
# guest answers the peer, and its netfront never left Connected.
beside_handover() {
	local da dev=/sys/bus/xen-backend/devices w n
	da=$(domid_of dnbguest-dpdk)
	sh -c 'echo $$ >/tmp/handover-watch.pid; exec xenstore-watch "$1"' sh \
		/local/domain/$da/device/vif/0/state 2>/dev/null | while read -r n; do
		echo "$n $(xenstore-read "$n" 2>&1)"
	done >/tmp/handover-states.log &
	w=$!
	netback_stop beside
	nb_pid=
	if wait_for 30 test -e "$dev/vif-$da-0/driver" &&
		wait_for 30 test -e "/sys/class/net/vif$da.0" &&
		ip link set "vif$da.0" master dnbbr0 && ip link set "vif$da.0" up &&
		grep -q "vif$da.0: handed to the kernel" "$nb_log" &&
		peer /usr/bin/ping -c 5 -i 0.3 -w 20 $beside_ip_dpdk >/tmp/handover-ping.log 2>&1 &&
		answered "$(cat /tmp/handover-ping.log)"; then
		result beside-handover PASS "vif$da.0 bound to xen-netback, in bridge dnbbr0: 5/5 replies"
	else
		result beside-handover FAIL "driver '$(readlink "$dev/vif-$da-0/driver" 2>&1)', ping: $(grep packets /tmp/handover-ping.log)"
		evidence "$nb_log" 20
		evidence /tmp/handover-ping.log
		dmesg | grep -i 'vif\|xen' | tail -n 20 | sed 's/^/DNB-LOG dmesg: /'
	fi
	kill $w $(cat /tmp/handover-watch.pid 2>/dev/null) 2>/dev/null
	if [ -s /tmp/handover-states.log ] && ! grep -qv ' 4$' /tmp/handover-states.log; then
		result beside-handover-state PASS "the guest's netfront stayed Connected"
	else
		result beside-handover-state FAIL "frontend states: $(tr '\n' ';' </tmp/handover-states.log)"
	fi
}

# beside_destroy WHO: xl destroy; the backend directory goes (and dpdk-netback's port with it).
beside_destroy() { beside_destroy_as beside "$1"; }

# beside_destroy_as PHASE WHO: the same for guest dnbguest-WHO of PHASE
beside_destroy_as() {
	local name=dnbguest-$2 d
	d=$(domid_of $name)
	[ -n "$d" ] || return 0
	if xl destroy $name >/tmp/xl-destroy-$2.log 2>&1 &&
		wait_for 30 sh -c "! xenstore-read /local/domain/0/backend/vif/$d/0/state" &&
		{ [ "$2" = kernel ] || [ -z "$nb_pid" ] ||
			wait_for 30 grep -q "vif$d.0: detached" "$nb_log"; }; then
		result "xl-destroy-$1-$2" PASS "backend directory gone"
	else
		result "xl-destroy-$1-$2" FAIL "domid $d: backend still present or port not detached"
		evidence /tmp/xl-destroy-$2.log
	fi
}

beside_phase() {
	if ! beside_wire_up; then
		result beside-wire FAIL "cannot make veth dnbw1/dnbp1 in bridge dnbbr0"
		return 1
	fi
	netback_start dnbw1 beside "--on-exit kernel" || return 1
	if beside_create dpdk vif-dpdk-netback 00:16:3e:00:00:0a $beside_ip_dpdk &&
		beside_create kernel vif-kernel-bridge 00:16:3e:00:00:0b $beside_ip_kernel &&
		beside_connected dpdk && beside_connected kernel; then
		beside_owners
		beside_traffic
		beside_handover
	fi
	beside_destroy dpdk
	beside_destroy kernel
	[ -n "$nb_pid" ] && netback_stop beside
}

# xdp_headroom_seen LABEL: dpdk-netback gave the guest the headroom its XDP program asked for
# (Reconfiguring) and took it back when the program went.
xdp_headroom_seen() {
	local lines
	lines=$(grep -o 'guest RX headroom: [0-9]* bytes' "$nb_log" | tr '\n' ';')
	if echo "$lines" | grep -q 'headroom: [1-9][0-9]* bytes;.*headroom: 0 bytes'; then
		result "xdp-headroom-$1" PASS "$lines"
	else
		result "xdp-headroom-$1" FAIL "dpdk-netback's log: '$lines'"
		evidence "$nb_log" 20
	fi
}

# test/xen/bench.sh sources this file for its functions and runs a life of its own.
[ "${DNB_SCENARIO_LIB:-0}" = 1 ] && return 0

phase boot
check_xenstore
wire_up
watch_backends
backend=dpdk
# pv_life: the first guest's life under dpdk-netback (started before); it also attaches an
# XDP program after its tests (#15)
pv_life() {
	guest_extra=DNB_GUEST_XDP=1
	guest_life pv pv
	guest_extra=
	xdp_headroom_seen pv
}

# kernel_pv_phase: dpdk-netback gone, the same guest under xen-netback and a bridge, with the
# same XDP program, for the same figures beside dpdk-netback's
kernel_pv_phase() {
	nb_pid=
	backend=kernel
	phase kernel-pv
	kernel_backend_up || return 1
	guest_extra=DNB_GUEST_XDP=1
	guest_life pv kernel-pv
	guest_extra=
}

# figures: the same-boot ratios, dpdk-netback / xen-netback, and IPv6 beside IPv4 per life
figures() {
	local t life v4 v6
	for t in guest-netperf-TCP_STREAM guest-netperf-TCP_MAERTS guest-netperf-TCP_RR \
		guest-netperf6-TCP_STREAM guest-netperf6-TCP_MAERTS guest-netperf6-TCP_RR \
		peer-netperf-TCP_STREAM peer-netperf-TCP_MAERTS peer-netperf6-TCP_STREAM \
		peer-netperf6-TCP_MAERTS guest-xdp-netperf-TCP_RR \
		guest-xdp-netperf-TCP_STREAM guest-xdp-netperf-TCP_MAERTS; do
		compare "$t"
	done
	# IPv6 beside IPv4 in the same life, per backend (#20)
	for life in pv pvh pv-2q kernel-pv; do
		for t in guest-netperf-TCP_STREAM guest-netperf-TCP_MAERTS guest-netperf-TCP_RR \
			peer-netperf-TCP_STREAM peer-netperf-TCP_MAERTS; do
			v4=$(cat "/tmp/tput.$life.$t" 2>/dev/null)
			v6=$(cat "/tmp/tput.$life.${t/netperf/netperf6}" 2>/dev/null)
			[ -n "$v4" ] && [ -n "$v6" ] &&
				echo "DNB-INFO ipv6 $life ${t/-netperf/} IPv4 $v4 IPv6 $v6 IPv6/IPv4 $(awk -v a="$v6" -v b="$v4" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
		done
	done
	# Every guest's user-process faults, for the host's count (Dom0's reach the console).
	grep -ah 'segfault at\|traps:' "$console_dir"/guest-*.log 2>/dev/null | tr -d '\r' |
		sed 's/^/DNB-LOG guest console: /'
}

# dnb_phases (run-xen-test.sh --phases): only these, of the phases that stand alone, in the
# order given (kernel-pv after every phase of dpdk-netback's: xen-netback stays loaded)
if [ -n "${dnb_phases:-}" ]; then
	for p in $(echo "$dnb_phases" | tr '+,' '  '); do
		case $p in
		vifline | lan | hvm) phase "$p"; "${p}_phase" ;;
		restart) phase restart; netback_start && { restart_life; netback_stop; } ;;
		pv) phase pv; netback_start && { pv_life; netback_stop; } ;;
		kernel-pv) kernel_pv_phase ;;
		*) echo "DNB-LOG scenario: phase '$p' does not stand alone" ;;
		esac
	done
	figures
	exit 0
fi
phase pv
if netback_start; then
	pv_life
	# the PVH guest also turns netfront's SG, TSO and GSO off before any traffic
	guest_extra=DNB_GUEST_OFFLOADS=off
	phase pvh
	guest_life pvh pvh
	guest_extra=
	phase pv-2q
	guest_life pv pv-2q 2
	phase restart
	restart_life
	netback_stop
	phase vifline
	vifline_phase
	phase lan
	lan_phase
	phase hvm
	hvm_phase
fi
if kernel_pv_phase; then
	phase beside
	beside_phase
fi
figures
exit 0
