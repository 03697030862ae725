#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# selftest (#19 item 1): test/verdict.py, run-tests.sh's verdict, fails closed: a failing
# test, a skipped one, a cut-off log, an empty or short log, and a meson exit status the log
# does not explain each fail the run with a message naming the cause.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
v=$st_top/test/verdict.py

# A real meson project: one test passes, one fails, one skips.
meson setup "$st_tmp/fx" "$st_top/test/selftest/fixture" >"$st_tmp/setup.log" 2>&1 ||
	{ cat "$st_tmp/setup.log"; exit 1; }
st_expect_fail "a failing test" "fails FAIL" python3 "$v" run "$st_tmp/fx" fx
st_expect_fail "a skipped test of a suite CI runs" "skips skipped: a suite CI runs" \
	python3 "$v" run "$st_tmp/fx" --allow-skip fy fx
# with the skip allowed, the failure is still counted, the skip is counted as a skip
st_expect_fail "the count: 1 passed, 1 failed, 1 skipped" "^1 1 1$" \
	python3 "$v" run "$st_tmp/fx" --allow-skip fx fx
st_expect_pass "a suite that passes" python3 "$v" run "$st_tmp/fx" fy
st_expect_fail "no test registered for the suite asked" "no test registered" \
	python3 "$v" run "$st_tmp/fx" nosuch

# Synthetic logs for `count`.
line() { printf '{"name": "p:s / %s", "result": "%s", "suite": ["p:s"], "returncode": %s}\n' "$@"; }
printf 'p:s / a\np:s / b\np:s / c\n' >"$st_tmp/reg3"
{ line a FAIL 1; line b OK 0; printf '{"name": "p:s / c", "res'; } >"$st_tmp/cut.json"
st_expect_fail "a cut-off log (one FAIL, one OK, half a line)" "line 3 unreadable" \
	python3 "$v" count "$st_tmp/cut.json" 1 "$st_tmp/reg3"
st_expect_fail "the count of a cut-off log" "^1 3 0$" \
	python3 "$v" count "$st_tmp/cut.json" 1 "$st_tmp/reg3"
: >"$st_tmp/empty.json"
st_expect_fail "an empty log" "0 results for 3 registered" \
	python3 "$v" count "$st_tmp/empty.json" 0 "$st_tmp/reg3"
st_expect_fail "no log at all" "no test log" \
	python3 "$v" count "$st_tmp/none.json" 0 "$st_tmp/reg3"
{ line a OK 0; line b OK 0; } >"$st_tmp/short.json"
st_expect_fail "a short log (2 results, 3 tests)" "no result for: c" \
	python3 "$v" count "$st_tmp/short.json" 0 "$st_tmp/reg3"
{ line a OK 0; line b OK 0; line c OK 0; } >"$st_tmp/all.json"
st_expect_fail "meson failed, the log says all passed" "exited 1 though" \
	python3 "$v" count "$st_tmp/all.json" 1 "$st_tmp/reg3"
st_expect_fail "a timeout" "c TIMEOUT" \
	python3 "$v" count <({ line a OK 0; line b OK 0; line c TIMEOUT -15; }) 1 "$st_tmp/reg3"
st_expect_pass "a whole log, all passed, exit 0" \
	python3 "$v" count "$st_tmp/all.json" 0 "$st_tmp/reg3"
st_done
