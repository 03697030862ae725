#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# run-tests.sh: install, build, then run every meson suite that runs on this machine:
# unit, e2e, fuzz and xen (meson test; xen boots Xen 4.17 under QEMU, ~5 minutes), then
# bench (meson test --benchmark), then unit and e2e again in an AddressSanitizer +
# UndefinedBehaviorSanitizer build (build-sanitize/; its LeakSanitizer checks dpdk-netback's
# exit after traffic, reconnects and SIGTERM). Ends with the line "N passed, N failed" and
# exits non-zero when anything failed.
# DNB_SUITES overrides the list of test suites (e.g. DNB_SUITES="unit"); DNB_SANITIZE=0
# skips the sanitizer build.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${DNB_BUILD:-$top/build}
export DNB_BUILD=$build

bash "$top/config/setup.sh" "$build" || { echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
count() { # count: add the results of the last meson test run (its testlog.json)
	local p f
	read -r p f < <(python3 - "$1/meson-logs/testlog.json" <<'PY'
import json, sys
ok = bad = 0
try:
    for line in open(sys.argv[1]):
        r = json.loads(line).get("result")
        if r in ("OK", "EXPECTEDFAIL", "SKIP"):
            ok += r != "SKIP"
        else:
            bad += 1
except FileNotFoundError:
    bad += 1
print(ok, bad)
PY
)
	passed=$((passed + p))
	failed=$((failed + f))
}

suites=()
for s in ${DNB_SUITES:-unit e2e fuzz xen}; do suites+=(--suite "$s"); done
rm -f "$build/meson-logs/testlog.json"
meson test -C "$build" --print-errorlogs --num-processes 2 "${suites[@]}"
count "$build"
if [ -z "${DNB_SUITES:-}" ] || [[ " $DNB_SUITES " == *" bench "* ]]; then
	rm -f "$build/meson-logs/testlog.json"
	meson test -C "$build" --benchmark --suite bench --print-errorlogs --verbose
	count "$build"
fi
if [ "${DNB_SANITIZE:-1}" = 1 ] && [ -z "${DNB_SUITES:-}" ]; then
	# GCC 12 gives false -Wformat-overflow warnings under -fsanitize: no -Werror here (the
	# main build above has it). UBSan stops at the first error, so a report fails the test.
	san=$top/build-sanitize
	if [ ! -f "$san/build.ninja" ]; then
		meson setup "$san" "$top" -Db_sanitize=address,undefined -Db_lundef=false
	fi
	if ninja -C "$san"; then
		rm -f "$san/meson-logs/testlog.json"
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 DNB_BUILD=$san DNB_SOAK_SECONDS=30 \
			meson test -C "$san" --print-errorlogs --num-processes 2 --suite unit --suite e2e
		count "$san"
	else
		failed=$((failed + 1))
	fi
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
