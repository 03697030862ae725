#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# selftest (#19 items 2 and 6): the real-Xen suite's host-side verdict (xen-verdict.sh) on
# synthetic serial logs, and the scenario's clean-exit check on a fake dpdk-netback. A
# scenario that dies at once, one that loses a check, one that never ends, one whose exit
# status is lost, and a process that says "stopped" but exits 3 each fail naming the cause.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
x=$st_top/test/xen
exp=$x/expected-checks.txt

# A whole run: every expected check passed, the scenario exited 0.
{
	echo "DNB-BOOT dom0 kernel up"
	last=
	grep -v '^#' "$exp" | while read -r phase check; do
		[ "$phase" = "$last" ] || echo "DNB-PHASE $phase"
		last=$phase
		echo "DNB-RESULT $check PASS synthetic"
	done
	echo "DNB-DONE rc=0"
} >"$st_tmp/good.txt"
st_expect_pass "a whole run" bash "$x/xen-verdict.sh" "$st_tmp/good.txt" "$exp"
st_expect_fail "a whole run: the vm-faults line is not counted as a pass" \
	"^$(grep -vc '^#' "$exp") passed, 1 failed" \
	bash -c "{ cat '$st_tmp/good.txt'; echo 'traps: dpdk-netback[9] general protection'; } >'$st_tmp/fault.txt'; bash '$x/xen-verdict.sh' '$st_tmp/fault.txt' '$exp'"

# The scenario dies at once (a parse error): the runner's own checks must not make it a pass.
printf 'DNB-BOOT dom0 toolstack up\nsh: /scenario.sh: line 9: syntax error\nDNB-DONE rc=2\n' >"$st_tmp/dies.txt"
st_expect_fail "a scenario that dies at once: its exit status" "scenario exited 2" \
	bash "$x/xen-verdict.sh" "$st_tmp/dies.txt" "$exp"
st_expect_fail "a scenario that dies at once: its missing checks" "missing check dom0-xenstore \(phase boot\)" \
	bash "$x/xen-verdict.sh" "$st_tmp/dies.txt" "$exp"
st_expect_fail "a scenario that dies at once: 0 passed" "^0 passed, [0-9]+ failed" \
	bash "$x/xen-verdict.sh" "$st_tmp/dies.txt" "$exp"
# A FAIL line lost on the serial console.
grep -v 'DNB-RESULT vif-stable-pvh ' "$st_tmp/good.txt" >"$st_tmp/lost.txt"
st_expect_fail "a check lost on the console" "missing check vif-stable-pvh \(phase pvh\)" \
	bash "$x/xen-verdict.sh" "$st_tmp/lost.txt" "$exp"
# Killed mid-way (the OOM killer): no DNB-DONE at all, or a status the console shows.
grep -v '^DNB-DONE' "$st_tmp/good.txt" >"$st_tmp/nodone.txt"
st_expect_fail "a scenario that never ends" "did not finish" \
	bash "$x/xen-verdict.sh" "$st_tmp/nodone.txt" "$exp"
sed 's/^DNB-DONE rc=0/DNB-DONE rc=137/' "$st_tmp/good.txt" >"$st_tmp/killed.txt"
st_expect_fail "a scenario killed by a signal" "scenario exited 137" \
	bash "$x/xen-verdict.sh" "$st_tmp/killed.txt" "$exp"
sed 's/^DNB-DONE rc=0/DNB-DONE/' "$st_tmp/good.txt" >"$st_tmp/norc.txt"
st_expect_fail "an old init without the exit status" "exit status is not on the console" \
	bash "$x/xen-verdict.sh" "$st_tmp/norc.txt" "$exp"
st_expect_fail "an empty list of checks" "lists no check" \
	bash "$x/xen-verdict.sh" "$st_tmp/good.txt" /dev/null

# Item 6: scenario.sh's netback_stop on a fake dpdk-netback started as netback_start does.
# It prints "stopped" on SIGTERM (as main.c's failure path also does) and exits with $1.
# Run by Dom0's shell, busybox's, where the host has it.
dom0_sh=sh
command -v busybox >/dev/null && dom0_sh="busybox sh"
stop_check() {
	sed -n '/^wait_for() {/,/^}/p; /^netback_stop() {/,/^}/p' "$x/scenario.sh" >"$st_tmp/fns.sh"
	cat >>"$st_tmp/fns.sh" <<'SH'
result() { echo "DNB-RESULT $1 $2 ${3:-}"; }
evidence() { :; }
nb_log=$ST_TMP/nb.log
rm -f "$ST_TMP/netback.pid"
(
	sh -c 'trap "echo stopped; exit $0" TERM; while :; do sleep 0.1; done' "$1" >"$nb_log" 2>&1 &
	p=$!
	echo $p >"$ST_TMP/netback.pid"
	wait $p
	echo $? >/tmp/netback-$p.rc
) &
wait_for 10 test -s "$ST_TMP/netback.pid"
nb_pid=$(cat "$ST_TMP/netback.pid")
sleep 0.3
netback_stop
kill -KILL "$nb_pid" 2>/dev/null
rm -f /tmp/netback-$nb_pid.rc
SH
	ST_TMP=$st_tmp $dom0_sh "$st_tmp/fns.sh" "$1" | tee "$st_tmp/stop.out"
	grep -q 'netback-exit PASS' "$st_tmp/stop.out"
}
st_expect_fail "scenario.sh's clean exit: 'stopped' printed, exit status 3" \
	"netback-exit FAIL exit status 3 after SIGTERM" stop_check 3
st_expect_pass "scenario.sh's clean exit: exit status 0" stop_check 0
st_done
