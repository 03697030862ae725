#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# xen-verdict.sh SERIAL EXPECTED: the real-Xen suite's verdict from the serial console's text
# (run-xen-test.sh's serial.txt) and the list of checks the scenario must report
# (expected-checks.txt). Prints every result, the evidence of failures, one line per cause
# of failure, and "N passed, N failed" last; exits 0 only when every expected check passed,
# nothing failed, no process in the VMs died of a fault, and the scenario ran to its end and
# exited 0 (dom0-init.sh's "DNB-DONE rc=N").
#
# The vm-faults line is this script's own check of the emulation: it is printed and a fault
# fails the run, but it is not counted as a passed check (it passes in a scenario that
# never ran). Only the scenario's results are.
set -uo pipefail
serial=${1:?usage: xen-verdict.sh SERIAL EXPECTED}
expected=${2:?usage: xen-verdict.sh SERIAL EXPECTED}
[ -r "$serial" ] || { echo "xen-verdict: no serial log $serial"; echo "0 passed, 1 failed"; exit 1; }
[ -r "$expected" ] || { echo "xen-verdict: no list of checks $expected"; echo "0 passed, 1 failed"; exit 1; }

grep -a '^DNB-RESULT ' "$serial" | sed 's/^DNB-RESULT //'
grep -a '^DNB-INFO ' "$serial" | sed 's/^DNB-INFO //'
pass=$(grep -ac '^DNB-RESULT [^ ]* PASS' "$serial")
fail=$(grep -ac '^DNB-RESULT [^ ]* FAIL' "$serial")

# User processes killed by a fault (Dom0's kernel log; the guests' relayed as DNB-LOG lines)
# and guest kernels reset by a triple fault (Xen's log): none is expected. Not a check of
# dpdk-netback itself, but the proof that the emulation under every other check is sound.
fault_re='segfault at\|traps:\|Triple fault'
faults=$(grep -ac "$fault_re" "$serial")
grep -a "$fault_re" "$serial" | sed 's/^/fault: /'
if [ "$faults" -eq 0 ]; then
	echo "vm-faults PASS no user process of Dom0 or a guest killed by a fault, no guest triple fault (not counted)"
else
	echo "vm-faults FAIL $faults fault line(s) (above): the emulation is not sound"
	fail=$((fail + 1))
fi

# Every expected check, in its phase: a PASS line, or a failure naming what is missing.
missing=0
if ! grep -aqv '^[[:space:]]*\(#\|$\)' "$expected"; then
	echo "xen-verdict: $expected lists no check"
	fail=$((fail + 1))
fi
last_phase=$(grep -a '^DNB-PHASE ' "$serial" | tail -n 1 | cut -d' ' -f2)
while read -r phase check; do
	case $phase in '' | '#'*) continue ;; esac
	grep -aq "^DNB-RESULT $check PASS" "$serial" && continue
	if grep -aq "^DNB-RESULT $check FAIL" "$serial"; then
		continue # counted above
	fi
	echo "xen-verdict: missing check $check (phase $phase): no result on the console"
	missing=$((missing + 1))
done <"$expected"
if [ "$missing" -gt 0 ]; then
	echo "xen-verdict: $missing expected check(s) reported nothing; the last phase begun: ${last_phase:-none}"
	fail=$((fail + missing))
fi

done_line=$(grep -a '^DNB-DONE' "$serial" | tail -n 1)
rc=$(sed -n 's/^DNB-DONE rc=\([0-9][0-9]*\).*/\1/p' <<<"$done_line")
if [ -z "$done_line" ]; then
	echo "xen-verdict: the scenario did not finish (no DNB-DONE); last lines of the serial console:"
	tail -n 40 "$serial"
	fail=$((fail + 1))
elif [ -z "$rc" ]; then
	echo "xen-verdict: the scenario's exit status is not on the console: '$done_line'"
	fail=$((fail + 1))
elif [ "$rc" != 0 ]; then
	echo "xen-verdict: the scenario exited $rc (phase ${last_phase:-none}); last lines before its end:"
	grep -a -B 20 '^DNB-DONE' "$serial" | head -n 20
	fail=$((fail + 1))
fi
[ "$fail" -gt 0 ] && grep -a '^DNB-LOG ' "$serial"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
