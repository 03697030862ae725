#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# selftest (#19 item 3): run-fuzz.sh never skips silently. With a compiler that is missing or
# cannot link a libFuzzer program it exits 77 printing the cause (the probe's own errors),
# and CI's verdict (test/verdict.py) turns that skip of the fuzz suite into a failure.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
f=$st_top/test/fuzz/run-fuzz.sh
mkdir -p "$st_tmp/bin"
printf '#!/bin/sh\necho "fake-clang: error: unable to find library -lclang_rt.fuzzer" >&2\nexit 1\n' \
	>"$st_tmp/bin/fakecc"
chmod +x "$st_tmp/bin/fakecc"
st_expect_fail "no clang: exit 77 with the cause" "SKIPPED: no-such-clang not found" \
	env FUZZ_CC=no-such-clang bash "$f" "$st_top" "$st_tmp/fz"
st_expect_fail "a failing probe: its errors shown" "probe: fake-clang: error: unable to find library" \
	env FUZZ_CC="$st_tmp/bin/fakecc" bash "$f" "$st_top" "$st_tmp/fz"
# The skip, as meson logs it, is a failure for CI's verdict.
printf '{"name": "dpdk-netback:fuzz / fuzz-libfuzzer", "result": "SKIP", "returncode": 77}\n' \
	>"$st_tmp/log.json"
echo "dpdk-netback:fuzz / fuzz-libfuzzer" >"$st_tmp/reg"
st_expect_fail "the verdict on a skipped fuzz-libfuzzer" "fuzz-libfuzzer skipped: a suite CI runs" \
	python3 "$st_top/test/verdict.py" count "$st_tmp/log.json" 0 "$st_tmp/reg"
st_done
