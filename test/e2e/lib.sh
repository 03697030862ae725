# SPDX-License-Identifier: BSD-3-Clause
# Shared by the e2e tests and the main job: bring the test bed up, start dpdk-netback on it,
# wait for the guests to connect, and always tear everything down.
#
#   . test/e2e/lib.sh
#   e2e_init NAME                  # names the test bed (<= 8 chars), installs the EXIT trap
#   e2e_bed_up GUESTS [GUEST-OPTS] # testbed.sh up
#   e2e_netback_start [APP-OPTS]   # dpdk-netback serving vifs 1..GUESTS (sim hypervisor)
#   e2e_wait_connected K           # guest K's frontend reaches Connected (4)
#   e2e_netback_stop               # SIGTERM; fails if the process does not exit cleanly
# E2E_LCORES overrides the EAL's lcore option (default -l 0-1: one control, one worker).
# E2E_ON_EXIT is dpdk-netback's --on-exit (default release here: a test's guests then
# close at once when the bed goes down, instead of waiting out netfront's close timeout
# for a backend that kept them; the restart tests set keep, the service's default).
# E2E_WIRES=2 gives the test bed a second wire (testbed.sh up -w 2: netns NAME-wire2,
# E2E_WIRE2_NS) and dpdk-netback a second wire port on it (net_af_packet1, port 1).
# Variables: E2E_NAME, E2E_STATE (/run/NAME), E2E_WIRE_NS, E2E_GUEST_NS K -> NAME-gK.

e2e_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
E2E_BUILD=${DNB_BUILD:-$e2e_top/build}
export DNB_BUILD=$E2E_BUILD
e2e_bed=$e2e_top/test/bed/testbed.sh
E2E_NETBACK_PID=

e2e_log() { echo "[$(date +%T)] $*"; }
# e2e_fail MESSAGE: the test fails; the message goes to stderr, so it is seen from inside a
# command substitution too (a figure's read failing in $(...)).
e2e_fail() { echo "FAIL: $*" >&2; exit 1; }

# e2e_cleanup (the EXIT trap): the test bed goes down; a daemon of it that failed (testbed.sh
# down names it) fails the test even if its own checks passed.
e2e_cleanup() {
	local out
	if [ -n "$E2E_NETBACK_PID" ] && kill -0 "$E2E_NETBACK_PID" 2>/dev/null; then
		kill -KILL "$E2E_NETBACK_PID" 2>/dev/null
	fi
	if [ -f "$E2E_STATE/netback.log" ] && [ "${E2E_KEEP_LOG:-0}" = 1 ]; then
		cp "$E2E_STATE/netback.log" "/tmp/$E2E_NAME-netback.log"
	fi
	if ! out=$(bash "$e2e_bed" -n "$E2E_NAME" down 2>&1); then
		echo "$out"
		echo "FAIL: the test bed's daemons (above)"
		exit 1
	fi
	# no exit here: the script's own exit status stands (a trap that calls this after other
	# commands would otherwise pass their status on)
}

e2e_init() {
	E2E_NAME=$1
	E2E_STATE=/run/$E2E_NAME
	E2E_WIRE_NS=$E2E_NAME-wire
	E2E_WIRE2_NS=$E2E_NAME-wire2
	trap e2e_cleanup EXIT
	bash "$e2e_bed" -n "$E2E_NAME" down >/dev/null 2>&1 || true
}

e2e_guest_ns() { echo "$E2E_NAME-g$1"; }

e2e_bed_up() {
	local guests=$1
	shift
	E2E_GUESTS=$guests
	bash "$e2e_bed" -n "$E2E_NAME" up -g "$guests" -w "${E2E_WIRES:-1}" -- "$@" ||
		e2e_fail "test bed did not come up"
}

e2e_netback_start() {
	local vifs=() wire2=() k
	[ "${E2E_WIRES:-1}" = 1 ] ||
		wire2=(--vdev "net_af_packet1,iface=$E2E_NAME-x0,framecnt=8192,qdisc_bypass=1")
	if [ -n "${E2E_VIF_ARGS:-}" ]; then
		read -r -a vifs <<<"$E2E_VIF_ARGS"
	else
		for ((k = 1; k <= E2E_GUESTS; k++)); do vifs+=(--vif "$k/0"); done
	fi
	XENSTORED_PATH=$E2E_STATE/xenstored.sock XENSIM_DIR=$E2E_STATE/sim \
		"$E2E_BUILD/test/bed/dpdk-netback-sim" ${E2E_LCORES:--l 0-1} --no-huge --no-pci --no-shconf -m 512 \
		--file-prefix "$E2E_NAME" \
		--vdev "${E2E_WIRE_VDEV:-net_af_packet0,iface=$E2E_NAME-w0,${E2E_WIRE_ARGS:-framecnt=8192},qdisc_bypass=1}" \
		"${wire2[@]}" \
		-- "${vifs[@]}" --xen sim --on-exit "${E2E_ON_EXIT:-release}" "$@" \
		>>"$E2E_STATE/netback.log" 2>&1 &
	E2E_NETBACK_PID=$!
}

# e2e_wait_for SECONDS CMD...: run CMD every 0.1 s until it succeeds, for at most SECONDS;
# returns 1 if it never did. For what can be observed; a test's own pacing stays a sleep.
e2e_wait_for() {
	local tries=$(($1 * 10)) i
	shift
	for ((i = 0; i < tries; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

# e2e_listening NS PORT: a TCP server listens on PORT in namespace NS
e2e_listening() { ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q .; }

# e2e_listen_wait NS PORT: wait (10 s at most) until e2e_listening NS PORT, or fail
e2e_listen_wait() {
	e2e_wait_for 10 e2e_listening "$1" "$2" || e2e_fail "nothing listens on port $2 in $1"
}

# e2e_capturing NS IFACE: a python3 (fdb_frames.py) has a packet socket bound to IFACE in
# namespace NS
e2e_capturing() { ip netns exec "$1" ss -0 -Hp | grep -q "\*:$2 .*\"python3\""; }

# e2e_xs_read PATH: read a key of the test bed's xenstore as dom0
e2e_xs_read() { XENSTORED_PATH=$E2E_STATE/xenstored.sock xenstore-read "$1" 2>/dev/null; }

e2e_wait_connected() {
	local k=$1 i
	for ((i = 0; i < 200; i++)); do
		if [ "$(e2e_xs_read "/local/domain/$k/device/vif/0/state")" = 4 ] &&
			[ "$(e2e_xs_read "/local/domain/0/backend/vif/$k/0/state")" = 4 ]; then
			return 0
		fi
		kill -0 "$E2E_NETBACK_PID" 2>/dev/null || { cat "$E2E_STATE/netback.log"; e2e_fail "dpdk-netback exited"; }
		sleep 0.1
	done
	cat "$E2E_STATE/netback.log" "$E2E_STATE/guest$k.log"
	e2e_fail "guest $k did not connect"
}

e2e_netback_stop() {
	local i
	kill -TERM "$E2E_NETBACK_PID"
	for ((i = 0; i < 100; i++)); do
		kill -0 "$E2E_NETBACK_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$E2E_NETBACK_PID" 2>/dev/null && e2e_fail "dpdk-netback ignored SIGTERM for 10 s"
	wait "$E2E_NETBACK_PID" || { cat "$E2E_STATE/netback.log"; e2e_fail "dpdk-netback exited with an error"; }
	E2E_NETBACK_PID=
}

# e2e_netback_restart SIGNAL ARGS...: stop dpdk-netback with SIGNAL (TERM or KILL; started
# with E2E_ON_EXIT=keep, so its vifs stay Connected), start it again with ARGS (and the
# E2E_ON_EXIT now set), and wait until every guest's vif was resumed by the new process.
e2e_netback_restart() {
	local sig=$1 k rc
	shift
	local before=()
	for ((k = 1; k <= E2E_GUESTS; k++)); do
		before[k]=$(grep -c "vif$k.0: resumed" "$E2E_STATE/netback.log")
	done
	kill "-$sig" "$E2E_NETBACK_PID"
	wait "$E2E_NETBACK_PID"
	rc=$?
	[ "$sig" = KILL ] || [ "$rc" = 0 ] ||
		{ cat "$E2E_STATE/netback.log"; e2e_fail "dpdk-netback exited $rc on SIG$sig"; }
	e2e_netback_start "$@"
	for ((k = 1; k <= E2E_GUESTS; k++)); do
		e2e_wait_for 15 e2e_resumed_more "$k" "${before[k]}" ||
			{ tail -n 30 "$E2E_STATE/netback.log"; e2e_fail "vif$k.0 not resumed"; }
	done
}

# e2e_resumed_more K N: guest K's vif was resumed more than N times (the service's log)
e2e_resumed_more() { [ "$(grep -c "vif$1.0: resumed" "$E2E_STATE/netback.log")" -gt "$2" ]; }

# e2e_stream FROM-NS TO-NS TO-IP LABEL: a byte-exact TCP stream (DNB_STREAM_BYTES, 256 MiB)
e2e_stream() {
	local out_srv out_cli srv stream=$e2e_top/test/e2e/stream.py
	ip netns exec "$2" python3 "$stream" serve 5001 >"$E2E_STATE/srv.out" &
	srv=$!
	e2e_listen_wait "$2" 5001
	out_cli=$(ip netns exec "$1" timeout 120 python3 "$stream" send "$3" 5001 \
		"${DNB_STREAM_BYTES:-268435456}") || e2e_fail "$4: sender failed"
	wait "$srv" || e2e_fail "$4: receiver failed"
	out_srv=$(cat "$E2E_STATE/srv.out")
	[ "$out_cli" = "$out_srv" ] || e2e_fail "$4: sent '$out_cli', received '$out_srv'"
	e2e_log "$4: $out_srv (byte-exact)"
}

# e2e_telemetry CMD: one DPDK telemetry command to the running dpdk-netback, JSON out
e2e_telemetry() { echo "$1" | dpdk-telemetry.py -f "$E2E_NAME" 2>/dev/null | tail -n 1; }

# e2e_port_of K: the ethdev port id of guest K's vif (from the service's log)
e2e_port_of() {
	sed -n "s/.*vif$1\.0: attached as port \([0-9]*\).*/\1/p" "$E2E_STATE/netback.log" | tail -n 1
}

# e2e_counter CMD KEY: one unsigned counter of a telemetry command's answer (e.g.
# e2e_counter /dpdk_netback/mempool in_use). A failed read is never a figure: it returns 1,
# the cause on stderr, when the service does not answer within E2E_TELEMETRY_TIMEOUT
# seconds (10), the answer is not JSON, or it holds no such counter.
e2e_counter() {
	local out
	out=$(echo "$1" | timeout "${E2E_TELEMETRY_TIMEOUT:-10}" dpdk-telemetry.py -f "$E2E_NAME" 2>&1 |
		tail -n 1)
	python3 - "$1" "$2" "$out" <<'PY'
import json, sys
cmd, key, out = sys.argv[1:]
try:
    v = json.loads(out)[cmd.split(",")[0]][key]
except (ValueError, KeyError, TypeError):
    sys.exit(f"telemetry {cmd}: no counter '{key}' in the answer '{out[:200]}'"
             + ("" if out else " (no answer: timed out or the service is gone)"))
if type(v) is not int or v < 0:
    sys.exit(f"telemetry {cmd}: '{key}' is {v!r}, not a counter")
print(v)
PY
}

# e2e_mbufs_resting: the mbufs the service holds at rest, the least of five reads of
# /dpdk_netback/mempool in_use 0.1 s apart. A single read can catch frames a worker holds in
# the middle of a burst (a loaded machine preempts it there); a leaked mbuf is in every read.
# Fails (e2e_counter) when a read fails.
e2e_mbufs_resting() {
	local i n least=
	for ((i = 0; i < 5; i++)); do
		n=$(e2e_counter /dpdk_netback/mempool in_use) || return 1
		[ -z "$least" ] || [ "$n" -lt "$least" ] && least=$n
		sleep 0.1
	done
	echo "$least"
}

# e2e_stat PORT KEY: one counter of /dpdk_netback/stats,PORT (e2e_counter)
e2e_stat() { e2e_counter "/dpdk_netback/stats,$1" "$2"; }

# e2e_xstat PORT NAME: a vif's per-queue counter qN_NAME summed over its queues (a guest
# may connect several); fails naming the cause when the read does not work (e2e_counter).
e2e_xstat() {
	local out
	out=$(echo "/ethdev/xstats,$1" | timeout "${E2E_TELEMETRY_TIMEOUT:-10}" \
		dpdk-telemetry.py -f "$E2E_NAME" 2>&1 | tail -n 1)
	python3 - "$1" "$2" "$out" <<'PY'
import json, re, sys
port, name, out = sys.argv[1:]
try:
    x = json.loads(out)["/ethdev/xstats"]
    v = [n for k, n in x.items() if re.fullmatch(r"q[0-9]+_" + re.escape(name), k)]
except (ValueError, KeyError, TypeError, AttributeError):
    v = None
if not v or any(type(n) is not int or n < 0 for n in v):
    sys.exit(f"telemetry /ethdev/xstats,{port}: no counter 'q*_{name}' in '{out[:200]}'")
print(sum(v))
PY
}

# e2e_vif_xstat PORT NAME: one xstat of a vif by its exact name (a vif-wide one such as
# ctrl_requests, or q0_guest_rx_packets); fails naming the cause (e2e_counter).
e2e_vif_xstat() { e2e_counter "/ethdev/xstats,$1" "$2"; }

# e2e_in_wire CMD...: run in the wire namespace; e2e_in_guest K CMD...
e2e_in_wire() { ip netns exec "$E2E_WIRE_NS" "$@"; }
e2e_in_guest() { local k=$1; shift; ip netns exec "$(e2e_guest_ns "$k")" "$@"; }
e2e_guest_ip() { echo "10.99.0.$((10 + $1))"; }
e2e_guest_ip6() { echo "fd99::$((10 + $1))"; }

# e2e_netservers NS...: a netserver in each namespace, for IPv4 (port 12865) and for IPv6
# (12866: netserver listens on one address family)
e2e_netservers() {
	local ns
	for ns in "$@"; do
		ip netns exec "$ns" netserver -D -p 12865 -4 >/dev/null 2>&1 &
		ip netns exec "$ns" netserver -D -p 12866 -6 >/dev/null 2>&1 &
	done
	for ns in "$@"; do
		e2e_listen_wait "$ns" 12865
		e2e_listen_wait "$ns" 12866
	done
}

# e2e_netperf FROM-NS TO-IP TEST: netperf TEST (3 s) to TO-IP, IPv4 or IPv6 by the address;
# prints the throughput figure alone (Mbit/s, or transactions/s for the _RR tests)
e2e_netperf() {
	local fam=(-p 12865 -4) out
	[[ $2 == *:* ]] && fam=(-p 12866 -6)
	out=$(ip netns exec "$1" timeout 60 netperf -H "$2" "${fam[@]}" -t "$3" -l "${E2E_NETPERF_S:-3}" \
		-P 0 -- -o THROUGHPUT 2>&1) || { echo "$out"; return 1; }
	echo "$out" | tail -n 1 | tr -d ' '
}

# e2e_ratio A B: A / B to two decimals ("-" when B is 0)
e2e_ratio() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'{a / b:.2f}' if b else '-')" "$1" "$2"; }
