#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# selftest (#19 item 7; root): the test bed reads its daemons' exit statuses and keeps their
# logs. A guest that crashes (SIGSEGV) or exits with an error fails "down" (and an e2e
# test's cleanup) naming it; its log survives. And verdict.py counts each sanitizer report
# a process left under --sanitizer-logs as a failure.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
bed=$st_top/test/bed/testbed.sh
build=${DNB_BUILD:-$st_top/build}
n=st$$
n=${n:0:8}
export DNB_BED_LOGS=$st_tmp/logs
trap 'bash "$bed" -n "$n" down >/dev/null 2>&1; rm -rf "$st_tmp"' EXIT

crash() { # crash SIGNAL: bring the bed up, signal guest 1, take it down
	bash "$bed" -n "$n" -b "$build" up -g 1 >/dev/null 2>&1 || { echo "up failed"; return 0; }
	kill -"$1" "$(cat "/run/$n/guest1.pid")"
	sleep 0.5
	bash "$bed" -n "$n" down
}
st_expect_fail "a guest killed by SIGSEGV" "guest1 exited with status 139" crash SEGV
st_expect_pass "its log kept after down" test -s "$st_tmp/logs/$n/guest1.log"
st_expect_fail "the xenstore daemon killed by SIGABRT" "xenstored exited with status 134" \
	bash -c "bash '$bed' -n $n -b '$build' up -g 1 >/dev/null 2>&1; kill -ABRT \$(cat /run/$n/xenstored.pid); sleep 0.5; bash '$bed' -n $n down"
st_expect_pass "a clean up and down" bash -c "bash '$bed' -n $n -b '$build' up -g 1 && bash '$bed' -n $n down"
# guest-restart reads the old guest's status
st_expect_fail "guest-restart after the guest crashed" "guest1 exited with status 139" \
	bash -c "bash '$bed' -n $n -b '$build' up -g 1 >/dev/null 2>&1; kill -SEGV \$(cat /run/$n/guest1.pid); sleep 0.5; bash '$bed' -n $n guest-restart 1"
bash "$bed" -n "$n" down >/dev/null 2>&1
# An e2e test whose checks passed, but whose guest crashed: its cleanup fails it.
st_expect_fail "an e2e test with a crashed guest" "FAIL: the test bed's daemons" bash -c "
	. '$st_top/test/e2e/lib.sh'
	e2e_init $n
	e2e_bed_up 1 >/dev/null
	kill -SEGV \$(cat /run/$n/guest1.pid)
	sleep 0.5
	echo 'PASS: the checks'"
# Sanitizer reports of any process, collected by the verdict.
mkdir -p "$st_tmp/fx" "$st_tmp/san" "$st_tmp/tb"
export ST_SAN_DIR=$st_tmp/san ST_TB_DIR=$st_tmp/tb # where the fixture's tests write
meson setup "$st_tmp/fx" "$st_top/test/selftest/fixture" >/dev/null 2>&1
st_expect_fail "a passing test whose daemon left a sanitizer report" \
	"sanitizer report .*/asan.1234: SUMMARY: AddressSanitizer: heap-use-after-free" \
	python3 "$st_top/test/verdict.py" run "$st_tmp/fx" \
		--sanitizer-logs "$st_tmp/san" fz
# UBSan beside ASan writes to stderr, which the test bed keeps in the daemon's log.
st_expect_fail "a UBSan report in a kept daemon log" \
	"sanitizer report in .*/tb/x1/guest1.log: .*runtime error: left shift" \
	python3 "$st_top/test/verdict.py" run "$st_tmp/fx" --scan-logs "$st_tmp/tb" \
		--sanitizer-logs "$st_tmp/san" fy fz
st_done
