#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e (#13): dpdk-netback restarted DNB_RESTARTS times (default 20) under traffic, SIGTERM
# and SIGKILL in turn, each at a random moment (DNB_SEED), while guest 2's netfront
# restarts at random moments too (so some kills land in its handshake):
#  - a paced byte-exact TCP stream each way between guest 1 and the wire, over IPv4 and
#    over IPv6, spans all of it;
#  - guest 1's frontend and backend states never leave Connected (a xenstore watch);
#  - every restart resumes guest 1's vif; guest 2 ends connected and working;
#  - after the guests shut down, no grant is left mapped (dnb-guest's grants_leaked=0);
#  - the wire's ping to guest 1 (every 20 ms) gives each restart's outage, printed per kind
#    as median and max ("restart outage SIGTERM ..."), for BENCHMARKS.md.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
rounds=${DNB_RESTARTS:-20}
read -r -a kinds <<<"${DNB_RESTART_KINDS:-SIGKILL SIGTERM}"
seed=${DNB_SEED:-$$}
RANDOM=$seed
name=rs$$
e2e_init "${name:0:8}"
stream=$e2e_top/test/e2e/stream.py
rate=4 # MB/s each way
bytes=$((rate * 1000000 * (rounds * 3 + 10)))
export E2E_ON_EXIT=keep
now() { date +%s.%N; }
# True once ping.log holds a reply stamped after $1.
replied_after() {
	awk -v t="$1" -F'[][]' '/bytes from/ && $2 > t { found = 1 } END { exit !found }' \
		"$E2E_STATE/ping.log"
}
e2e_log "seed $seed, $rounds restarts, $bytes bytes each way at $rate MB/s"

e2e_bed_up 2
E2E_VIF_ARGS="--marked-vifs" e2e_netback_start --lro chain
e2e_wait_connected 1
e2e_wait_connected 2
g1=$(e2e_guest_ip 1)

# Guest 1's states, every change, for the whole test.
watchers=()
# xenstore-watch spins on a closed connection once the bed's xenstored is gone: each is
# killed by its own pid (from its pid file), not left to a SIGPIPE that never comes.
trap 'kill "${watchers[@]}" $(cat "$E2E_STATE"/watch*.pid 2>/dev/null) 2>/dev/null; e2e_cleanup' EXIT
i=0
for p in /local/domain/1/device/vif/0/state /local/domain/0/backend/vif/1/0/state; do
	i=$((i + 1))
	XENSTORED_PATH=$E2E_STATE/xenstored.sock sh -c 'echo $$ >"$1"; exec xenstore-watch "$2"' \
		sh "$E2E_STATE/watch$i.pid" "$p" 2>/dev/null | while read -r path; do
		echo "$path $(e2e_xs_read "$path")"
	done >>"$E2E_STATE/states.log" 2>&1 &
	watchers+=($!)
done
e2e_in_guest 1 python3 "$stream" serve 5001 >"$E2E_STATE/in.srv" &
in_srv=$!
e2e_in_wire python3 "$stream" serve 5002 >"$E2E_STATE/out.srv" &
out_srv=$!
# the same two streams over IPv6 (#20)
e2e_in_guest 1 python3 "$stream" serve 5003 >"$E2E_STATE/in6.srv" &
in6_srv=$!
e2e_in_wire python3 "$stream" serve 5004 >"$E2E_STATE/out6.srv" &
out6_srv=$!
e2e_listen_wait "$(e2e_guest_ns 1)" 5001
e2e_listen_wait "$E2E_WIRE_NS" 5002
e2e_listen_wait "$(e2e_guest_ns 1)" 5003
e2e_listen_wait "$E2E_WIRE_NS" 5004
e2e_in_wire timeout 900 python3 "$stream" send "$g1" 5001 "$bytes" "$rate" >"$E2E_STATE/in.cli" &
in_cli=$!
e2e_in_guest 1 timeout 900 python3 "$stream" send 10.99.0.1 5002 "$bytes" "$rate" \
	>"$E2E_STATE/out.cli" &
out_cli=$!
e2e_in_wire timeout 900 python3 "$stream" send "$(e2e_guest_ip6 1)" 5003 "$bytes" "$rate" \
	>"$E2E_STATE/in6.cli" &
in6_cli=$!
e2e_in_guest 1 timeout 900 python3 "$stream" send fd99::1 5004 "$bytes" "$rate" \
	>"$E2E_STATE/out6.cli" &
out6_cli=$!
e2e_in_wire ping -D -n -i 0.02 -W 1 "$g1" >"$E2E_STATE/ping.log" 2>&1 &
pinger=$!
(
	while :; do
		sleep "$((RANDOM % 4 + 1)).$((RANDOM % 10))"
		bash "$e2e_bed" -n "$E2E_NAME" guest-restart 2 >"$E2E_STATE/restarter.out" 2>&1 ||
			{ mv "$E2E_STATE/restarter.out" "$E2E_STATE/restarter.failed"; exit 1; }
	done
) &
restarter=$!
watchers+=("$in_srv" "$out_srv" "$in_cli" "$out_cli" "$in6_srv" "$out6_srv" "$in6_cli" "$out6_cli"
	"$pinger" "$restarter")

: >"$E2E_STATE/restarts.log"
# The first outage is measured from a reply before it too.
e2e_wait_for 10 replied_after 0 || e2e_fail "no ping reply from guest 1 before the restarts"
for ((r = 1; r <= rounds; r++)); do
	sleep "$((RANDOM % 2)).$((RANDOM % 10))"
	kind=${kinds[$((r % ${#kinds[@]}))]}
	t=$(now)
	echo "$t $kind" >>"$E2E_STATE/restarts.log"
	kill "-${kind#SIG}" "$E2E_NETBACK_PID"
	wait "$E2E_NETBACK_PID"
	rc=$?
	if [ "$kind" = SIGTERM ] && [ "$rc" -ne 0 ]; then
		cat "$E2E_STATE/netback.log"
		e2e_fail "restart $r: exit status $rc after SIGTERM"
	fi
	E2E_VIF_ARGS="--marked-vifs" e2e_netback_start --lro chain
	for ((i = 0; i < 300; i++)); do
		[ "$(grep -c 'vif1.0: resumed' "$E2E_STATE/netback.log")" -ge "$r" ] && break
		kill -0 "$E2E_NETBACK_PID" 2>/dev/null || break
		sleep 0.05
	done
	[ "$(grep -c 'vif1.0: resumed' "$E2E_STATE/netback.log")" -ge "$r" ] ||
		{ tail -n 30 "$E2E_STATE/netback.log"; e2e_fail "restart $r ($kind): vif1.0 not resumed"; }
	# The next kill waits for the wire's ping to be answered again: each restart's outage
	# is then measured on its own, not merged with the next one's (a slow build, such as
	# the sanitizers', can take longer to pass traffic than the random pause).
	e2e_wait_for 10 replied_after "$t" ||
		e2e_fail "restart $r ($kind): no ping reply within 10 s of the resume"
done
e2e_log "$rounds restarts done"
kill "$restarter" 2>/dev/null
wait "$restarter" 2>/dev/null
for v in "" 6; do
	in_c=in${v}_cli out_c=out${v}_cli in_s=in${v}_srv out_s=out${v}_srv
	wait "${!in_c}" || e2e_fail "stream$v wire -> guest 1: sender failed"
	wait "${!out_c}" || e2e_fail "stream$v guest 1 -> wire: sender failed"
	wait "${!in_s}" || e2e_fail "stream$v wire -> guest 1: receiver failed"
	wait "${!out_s}" || e2e_fail "stream$v guest 1 -> wire: receiver failed"
done
kill "$pinger" 2>/dev/null
for d in in out in6 out6; do
	[ -s "$E2E_STATE/$d.cli" ] && [ "$(cat "$E2E_STATE/$d.cli")" = "$(cat "$E2E_STATE/$d.srv")" ] ||
		e2e_fail "stream $d: sent '$(cat "$E2E_STATE/$d.cli")', received '$(cat "$E2E_STATE/$d.srv")'"
	e2e_log "stream $d: $(cat "$E2E_STATE/$d.srv") (byte-exact across $rounds restarts)"
done

# Guest 1's states never left Connected (the watch's first event is the current value).
[ -s "$E2E_STATE/states.log" ] || e2e_fail "no state watch events"
if grep -v ' 4$' "$E2E_STATE/states.log"; then
	e2e_fail "guest 1's vif left Connected"
fi
e2e_log "guest 1's states: $(wc -l <"$E2E_STATE/states.log") watch events, all Connected"
# Guest 2 is settled and works (a restart may be finishing).
bash "$e2e_bed" -n "$E2E_NAME" guest-restart 2 >/dev/null || e2e_fail "guest 2's last restart"
e2e_wait_connected 2
e2e_in_guest 2 ping -c 2 -i 0.2 -W 2 10.99.0.1 >/dev/null || e2e_fail "guest 2 at the end"

# Each restart's outage: the longest gap between ping replies after its signal.
python3 - "$E2E_STATE/ping.log" "$E2E_STATE/restarts.log" <<'PY' || e2e_fail "outage figures"
import re, statistics, sys
replies = [float(m.group(1)) for m in
           (re.match(r"\[(\d+\.\d+)\].*bytes from", l) for l in open(sys.argv[1])) if m]
restarts = [(float(t), k) for t, k in (l.split() for l in open(sys.argv[2]))]
if len(replies) < 100:
    sys.exit("too few ping replies: %d" % len(replies))
out = {}
for i, (t, kind) in enumerate(restarts):
    end = restarts[i + 1][0] if i + 1 < len(restarts) else float("inf")
    before = [r for r in replies if r <= t]
    after = [r for r in replies if t < r < end]
    if not before or not after:
        sys.exit("no replies around the restart at %.3f" % t)
    seq = [before[-1]] + after
    out.setdefault(kind, []).append(max(b - a for a, b in zip(seq, seq[1:])))
for kind, gaps in sorted(out.items()):
    print("restart outage %s: median %.2f s, max %.2f s over %d restarts" %
          (kind, statistics.median(gaps), max(gaps), len(gaps)))
PY
replayed=$(e2e_xstat "$(e2e_port_of 1)" resume_guest_tx_pending)
[ -n "$replayed" ] || e2e_fail "telemetry of guest 1's vif"
e2e_log "guest 1: $replayed TX requests found unanswered at the last resume"

# guest 2's restarts all worked (the restarter is killed at the end: its status is lost)
[ ! -e "$E2E_STATE/restarter.failed" ] ||
	e2e_fail "guest 2's restart failed: $(cat "$E2E_STATE/restarter.failed")"
# Release, shut the guests down: no grant left mapped.
e2e_telemetry /dpdk_netback/shutdown,release >/dev/null
wait "$E2E_NETBACK_PID" || e2e_fail "dpdk-netback's exit after the release"
E2E_NETBACK_PID=
for k in 1 2; do
	bash "$e2e_bed" -n "$E2E_NAME" guest-stop "$k" >/dev/null || e2e_fail "guest $k's stop (above)"
	leaks=$(grep -o 'grants_leaked=[0-9]*' "$E2E_STATE/guest$k.log")
	[ -n "$leaks" ] || e2e_fail "guest $k printed no grants_leaked"
	! grep -v '=0$' <<<"$leaks" || e2e_fail "guest $k left grants mapped"
done
echo "PASS: $rounds restarts (SIGTERM, SIGKILL) invisible to guest 1, no grant leaked"
