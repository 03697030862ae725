#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# testbed.sh: the simulated Xen test bed, standing in for a Dom0 with a NIC and guests.
#
#   testbed.sh [-n NAME] [-b BUILDDIR] up [-g GUESTS] [-m WIRE-MTU] [-w WIRES] [-- GUEST-OPTIONS...]
#   testbed.sh [-n NAME] down
#   testbed.sh [-n NAME] status
#   testbed.sh [-n NAME] env          # prints the variables a backend needs (sh syntax)
#   testbed.sh [-n NAME] guest-start K [-- GUEST-OPTIONS...]   # a guest boots later
#   testbed.sh [-n NAME] guest-stop K  # a guest shuts down and the toolstack removes its vif
#   testbed.sh [-n NAME] guest-restart K [-- GUEST-OPTIONS...] # its netfront reloads
#
# What "up" makes (NAME defaults to dnb):
#   /run/NAME/                 state: sockets, the sim hypervisor's domain files, logs, pids
#   dnb-xenstored              the xenstore daemon (libxenstore reaches it via XENSTORED_PATH)
#   netns NAME-wire            the far end of the "physical" link: veth NAME-w1, 10.99.0.1/24,
#                              fd99::1/64; its near end NAME-w0 stays in the root namespace
#                              for DPDK's net_af_packet (TSO/GSO off: it carries wire-sized
#                              frames, as a NIC does); -m sets both ends' MTU (default
#                              1500; a guest's is dnb-guest's --mtu)
#   netns NAME-wire2 (-w 2)    a second, separate link (another bridge's NIC): veth
#                              NAME-x1, 10.99.0.2/24, fd99::2/64 (the same subnet on
#                              another segment: only a switch that joins them lets them
#                              meet); its near end NAME-x0 in the root namespace
#   netns NAME-gK (K=1..)      guest K: dnb-guest (domid K, devid 0) with TAP "eth0",
#                              10.99.0.(10+K)/24, fd99::(10+K)/64, MAC 00:16:3e:00:00:0K
#   xenstore entries           the toolstack's view of each vif, as libxl writes them:
#                              /local/domain/0/backend/vif/K/0/... and
#                              /local/domain/K/device/vif/0/...
# Addresses are private test addresses that exist only inside these namespaces.
#
# "down" stops everything "up" started and removes every namespace, link and file, even
# after a failed "up"; running it twice is harmless. It keeps the daemons' logs in
# BUILDDIR/meson-logs/testbed/NAME (DNB_BED_LOGS overrides the first part) and fails when
# a daemon (dnb-xenstored, a dnb-guest) exited with a non-zero status (a crash, an error,
# a sanitizer's report), naming it; so do guest-stop and guest-restart for their guest.
set -euo pipefail

name=dnb
here=$(cd "$(dirname "$0")" && pwd)
build=${DNB_BUILD:-$here/../../build}

usage() {
	sed -n '4,12p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-0}"
}

while getopts "n:b:h" opt; do
	case $opt in
	n) name=$OPTARG ;;
	b) build=$OPTARG ;;
	h) usage 0 ;;
	*) usage 2 ;;
	esac
done
shift $((OPTIND - 1))
cmd=${1:-}
[ -n "$cmd" ] || usage 2
shift

case $name in
*[!a-z0-9]* | "") echo "testbed.sh: -n NAME must be lower-case letters and digits: '$name'" >&2; exit 2 ;;
esac
[ ${#name} -le 8 ] || { echo "testbed.sh: -n NAME is at most 8 characters (interface names)" >&2; exit 2; }

state=/run/$name
wire_ns=$name-wire
xs_sock=$state/xenstored.sock
sim_dir=$state/sim
# where "down" keeps the daemons' logs
keep=${DNB_BED_LOGS:-$build/meson-logs/testbed}/$name

log() { echo "testbed[$name]: $*"; }
die() { echo "testbed[$name]: error: $*" >&2; exit 1; }

xs() { # xs COMMAND ARGS...: a xenstore-utils command against the test bed's daemon as dom0
	local c=$1
	shift
	XENSTORED_PATH=$xs_sock "xenstore-$c" "$@"
}

guest_mac() { printf '00:16:3e:00:00:%02x' "$1"; }

# start_daemon PIDNAME COMMAND...: run in background, remember its pid. A subshell stays its
# parent and writes its exit status to PIDNAME.rc when it ends (read by stop_pid, which
# "down" runs on every daemon: one that crashed or failed is a failure of the test bed).
start_daemon() {
	local pidname=$1
	shift
	rm -f "$state/$pidname.rc" "$state/$pidname.pid" "$state/$pidname.killed"
	: >"$state/$pidname.ours" # a pid file without it is a test's own: no status to read
	(
		"$@" >>"$state/$pidname.log" 2>&1 &
		p=$!
		echo $p >"$state/$pidname.pid"
		rc=0
		wait $p || rc=$?
		echo $rc >"$state/$pidname.rc"
	) </dev/null >/dev/null 2>&1 &
	wait_for 5 test -s "$state/$pidname.pid" || die "$pidname: no pid"
}

# daemon_status PIDNAME: 0 when the daemon ended with status 0 (or was SIGKILLed by
# stop_pid after ignoring SIGTERM: logged), or is not one start_daemon started (a test's own
# process with a pid file here); else prints its status and its log's tail.
daemon_status() {
	local n=$1 rc
	[ -e "$state/$n.ours" ] || return 0
	wait_for 5 test -s "$state/$n.rc" || { echo "testbed[$name]: $n: no exit status recorded" >&2; return 1; }
	rc=$(cat "$state/$n.rc")
	rm -f "$state/$n.rc"
	[ "$rc" = 0 ] && return 0
	if [ -e "$state/$n.killed" ]; then
		rm -f "$state/$n.killed"
		log "$n ignored SIGTERM and was killed (status $rc)"
		return 0
	fi
	echo "testbed[$name]: $n exited with status $rc (its log: $state/$n.log, kept in $keep); last lines:" >&2
	tail -n 20 "$state/$n.log" | sed "s/^/  $n: /" >&2
	return 1
}

wait_for() { # wait_for SECONDS COMMAND...: poll until COMMAND succeeds
	local limit=$1 i
	shift
	for ((i = 0; i < limit * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# The toolstack's part of creating a vif (libxl's libxl__device_vif_add + device_add):
# backend and frontend directories with their ownership, and the initial states.
toolstack_add_vif() {
	local domid=$1 devid=0 mac
	local be=/local/domain/0/backend/vif/$domid/$devid
	local fe=/local/domain/$domid/device/vif/$devid
	mac=$(guest_mac "$domid")
	xs write /local/domain/"$domid"/name "guest$domid" /local/domain/"$domid"/domid "$domid"
	xs chmod -r /local/domain/"$domid" "n$domid" "r0"
	xs write "$be/frontend" "$fe" "$be/frontend-id" "$domid" "$be/online" 1 \
		"$be/state" 1 "$be/script" /etc/xen/scripts/vif-dpdk-netback "$be/mac" "$mac" \
		"$be/handle" "$devid" "$be/type" vif
	xs chmod -r "$be" n0 "r$domid"
	xs write "$fe/backend" "$be" "$fe/backend-id" 0 "$fe/state" 1 "$fe/handle" "$devid" \
		"$fe/mac" "$mac"
	xs chmod -r "$fe" "n$domid" r0
}

# guest_start K [GUEST-OPTIONS...]: the toolstack creates guest K's vif, the guest boots.
guest_start() {
	local k=$1 ns=$name-g$1
	shift
	[ ! -e "$state/guest$k.pid" ] || die "guest $k is running"
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	toolstack_add_vif "$k"
	guest_boot "$k" "$@"
}

# guest_boot K [GUEST-OPTIONS...]: start guest K's netfront (dnb-guest) and configure its TAP.
guest_boot() {
	local k=$1 ns=$name-g$1
	shift
	start_daemon "guest$k" ip netns exec "$ns" env XENSTORED_PATH="$state/xenstored-dom$k.sock" \
		"$build/test/guest/dnb-guest" --domid "$k" --sim-dir "$sim_dir" --tap eth0 \
		--mac "$(guest_mac "$k")" "$@"
	wait_for 10 ip -n "$ns" link show eth0 || die "guest $k made no TAP (see $state/guest$k.log)"
	ip -n "$ns" addr add "10.99.0.$((10 + k))/24" dev eth0
	ip -n "$ns" addr add "fd99::$((10 + k))/64" dev eth0 nodad
	# netif carries frames of at most 65535 bytes; the TAP's default GSO limit is 65536
	ip -n "$ns" link set eth0 gso_max_size 65000
	ip -n "$ns" link set eth0 up
}

# guest_restart K [GUEST-OPTIONS...]: the guest's netfront driver is unloaded and loaded
# again (the domain and its vif stay): it closes, and connects anew with new rings.
guest_restart() {
	local k=$1
	shift
	stop_pid "$state/guest$k.pid" || die "guest $k failed (above)"
	guest_boot "$k" "$@"
}

# guest_stop K: guest K shuts down (its netfront closes), then the toolstack removes the
# vif's xenstore directories, as "xl destroy" or "xl shutdown" ends with.
guest_stop() {
	local k=$1
	# A shutdown lets the guest finish: with a backend that is gone, dnb-guest waits 5 s for
	# it to close, 5 s for Closed, then up to 5 s a queue for its grants (as netfront does).
	local rc=0
	stop_pid "$state/guest$k.pid" 30 || rc=1
	xs rm "/local/domain/0/backend/vif/$k" 2>/dev/null || true
	xs rm "/local/domain/$k" 2>/dev/null || true
	ip netns pids "$name-g$k" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
	ip netns del "$name-g$k" 2>/dev/null || true
	[ "$rc" = 0 ] || die "guest $k failed (above)"
}

# wire_up NEAR FAR NS HOST MTU: a "physical" link, a veth whose NEAR end stays in the root
# namespace for DPDK's net_af_packet and whose FAR end, in netns NS, is a host with
# 10.99.0.HOST/24 and fd99::HOST/64.
wire_up() {
	local near=$1 far=$2 ns=$3 host=$4 mtu=$5
	ip netns add "$ns"
	ip link add "$near" type veth peer name "$far" netns "$ns"
	ip link set "$near" mtu "$mtu" up
	ip -n "$ns" link set "$far" mtu "$mtu"
	ethtool -K "$near" tso off gso off gro off >/dev/null 2>&1 || true
	ip -n "$ns" link set lo up
	ip -n "$ns" link set "$far" up
	ip -n "$ns" addr add "10.99.0.$host/24" dev "$far"
	ip -n "$ns" addr add "fd99::$host/64" dev "$far" nodad
	# A NIC puts finished frames on the wire: no TSO, and checksums computed by the sender
	# (a veth would otherwise hand the packet socket partial checksums).
	ip netns exec "$ns" ethtool -K "$far" tso off gso off tx off >/dev/null ||
		die "ethtool cannot turn offloads off on $far"
	ethtool -K "$near" tx off >/dev/null || die "ethtool cannot turn offloads off on $near"
}

bed_up() {
	local guests=1 wire_mtu=1500 wires=1 k ns OPTIND=1
	while getopts "g:m:w:" opt; do
		case $opt in
		g) guests=$OPTARG ;;
		m) wire_mtu=$OPTARG ;;
		w) wires=$OPTARG ;;
		*) usage 2 ;;
		esac
	done
	shift $((OPTIND - 1))
	case $guests in [1-9]) ;; *) die "-g GUESTS must be 1..9" ;; esac
	case $wire_mtu in *[!0-9]* | "") die "-m WIRE-MTU must be a number" ;; esac
	case $wires in [12]) ;; *) die "-w WIRES must be 1 or 2" ;; esac
	[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces)"
	[ -x "$build/test/xenstored/dnb-xenstored" ] || die "no $build/test/xenstored/dnb-xenstored: build first"
	[ ! -e "$state" ] || die "$state exists: a test bed named '$name' is up (testbed.sh -n $name down)"
	trap 'echo "testbed[$name]: up failed, tearing down" >&2; bed_down' ERR
	mkdir -p "$state" "$sim_dir"
	echo "$guests" >"$state/guests"

	# a socket for each domain id a guest may get, so guests can also come later
	local domsocks=()
	for ((k = 1; k <= 9; k++)); do domsocks+=(--domain-socket "$k:$state/xenstored-dom$k.sock"); done
	start_daemon xenstored "$build/test/xenstored/dnb-xenstored" --socket "$xs_sock" "${domsocks[@]}"
	wait_for 5 test -S "$xs_sock" || die "dnb-xenstored did not come up (see $state/xenstored.log)"
	xs write /local/domain/0/name Domain-0 /local/domain/0/domid 0

	wire_up "$name-w0" "$name-w1" "$wire_ns" 1 "$wire_mtu"
	[ "$wires" = 1 ] || wire_up "$name-x0" "$name-x1" "$wire_ns"2 2 "$wire_mtu"

	for ((k = 1; k <= guests; k++)); do
		guest_start "$k" "$@"
	done
	trap - ERR
	log "up: $guests guest(s); wire port $name-w0; XENSTORED_PATH=$xs_sock XENSIM_DIR=$sim_dir"
}

# stop_pid FILE [SECONDS]: SIGTERM, then SIGKILL after SECONDS (5); then its exit status
# (daemon_status): returns 1 when the daemon failed.
stop_pid() {
	local f=$1 limit=${2:-5} pid n
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	n=$(basename "$f" .pid)
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		if ! wait_for "$limit" bash -c "! kill -0 $pid"; then
			: >"$state/$n.killed"
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	rm -f "$f"
	daemon_status "$n"
}

bed_down() {
	local f ns bad=0
	trap - ERR
	set +e
	for f in "$state"/guest*.pid "$state"/*.pid; do
		[ -e "$f" ] && { stop_pid "$f" || bad=1; }
	done
	# ip netns exec's children may outlive the ip process that was signalled
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$name-(wire2?|g[0-9]+)$"); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$ns"
	done
	ip link del "$name-w0" 2>/dev/null
	ip link del "$name-x0" 2>/dev/null
	# The daemons' logs outlive the test bed (a failure's evidence, a sanitizer's report).
	if [ -d "$state" ]; then
		rm -rf "$keep"
		mkdir -p "$keep" && cp "$state"/*.log "$keep"/ 2>/dev/null
	fi
	rm -rf "$state"
	set -e
	if [ "$bad" != 0 ]; then
		echo "testbed[$name]: down: a daemon failed (above); logs in $keep" >&2
		return 1
	fi
	log "down"
}

bed_status() {
	[ -d "$state" ] || { log "not up"; return 1; }
	local k guests
	guests=$(cat "$state/guests")
	for ((k = 1; k <= guests; k++)); do
		printf 'guest %d: frontend state %s, backend state %s\n' "$k" \
			"$(xs read /local/domain/"$k"/device/vif/0/state 2>/dev/null || echo '?')" \
			"$(xs read /local/domain/0/backend/vif/"$k"/0/state 2>/dev/null || echo '?')"
	done
}

bed_env() {
	echo "XENSTORED_PATH=$xs_sock"
	echo "XENSIM_DIR=$sim_dir"
	echo "DNB_WIRE_PORT=$name-w0"
	echo "DNB_WIRE_NS=$wire_ns"
	if [ -e "/sys/class/net/$name-x0" ]; then
		echo "DNB_WIRE2_PORT=$name-x0"
		echo "DNB_WIRE2_NS=${wire_ns}2"
	fi
}

case $cmd in
up) bed_up "$@" ;;
down) bed_down ;;
status) bed_status ;;
env) bed_env ;;
guest-start)
	[ -d "$state" ] || die "not up"
	k=${1:?guest-start K [-- GUEST-OPTIONS]}
	shift
	[ "${1:-}" != -- ] || shift
	guest_start "$k" "$@"
	log "guest $k started"
	;;
guest-restart)
	[ -d "$state" ] || die "not up"
	k=${1:?guest-restart K [-- GUEST-OPTIONS]}
	shift
	[ "${1:-}" != -- ] || shift
	guest_restart "$k" "$@"
	log "guest $k restarted"
	;;
guest-stop)
	[ -d "$state" ] || die "not up"
	guest_stop "${1:?guest-stop K}"
	log "guest ${1} stopped"
	;;
*) usage 2 ;;
esac
