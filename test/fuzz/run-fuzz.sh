#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# run-fuzz.sh SRC_DIR FUZZ_BUILD_DIR [DPDK_SDK_DIR]
#
# Build the libFuzzer targets with clang in FUZZ_BUILD_DIR (its own meson build dir, never in
# the source tree) and run each for a bounded time from the committed seed corpus. New
# corpus entries and crash artifacts go to FUZZ_BUILD_DIR/corpus/<target> and
# FUZZ_BUILD_DIR/artifacts. Prints executions, coverage and corpus size per target; fails
# on any crash, leak, sanitizer report or invariant violation. Exits 77 (meson: skipped)
# when clang or its libFuzzer runtime is missing, printing why (the probe's errors); CI's
# verdict counts that skip as a failure.
#
# Environment: FUZZ_SECONDS per target (default 20: CI's regression run, within its hour; a
# hunt for new bugs wants 600 or more); FUZZ_TARGETS (default: all of them); FUZZ_JOBS
# (default 1) parallel fuzzing processes per target; FUZZ_CC (default clang).
set -euo pipefail
src=${1:?usage: run-fuzz.sh SRC_DIR FUZZ_BUILD_DIR [DPDK_SDK_DIR]}
dir=${2:?usage: run-fuzz.sh SRC_DIR FUZZ_BUILD_DIR [DPDK_SDK_DIR]}
sdk=${3:-}
secs=${FUZZ_SECONDS:-20}
targets=${FUZZ_TARGETS:-fuzz_nif_tx fuzz_nif_rx fuzz_nif_ctrl fuzz_xb fuzz_xb_persist fuzz_lro_switch fuzz_wire_egress fuzz_gso}

# Without clang or its libFuzzer runtime the run cannot be made: exit 77 (meson: skipped),
# loudly, with the probe's own errors. CI installs both (config/install-deps.sh) and its
# verdict (test/verdict.py) counts a skip of this suite as a failure.
cc=${FUZZ_CC:-clang}
if ! command -v "$cc" >/dev/null; then
	echo "run-fuzz.sh: SKIPPED: $cc not found (apt-get install clang libclang-rt-14-dev);" \
		"the libFuzzer runs did not run"
	exit 77
fi
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d[0] + (int)n; }' \
	>"$probe/p.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" >"$probe/probe.log" 2>&1; then
	echo "run-fuzz.sh: SKIPPED: $cc cannot link a libFuzzer program" \
		"($cc -fsanitize=fuzzer,address,undefined; libclang-rt-14-dev?); the libFuzzer runs did not run:"
	sed 's/^/  probe: /' "$probe/probe.log"
	exit 77
fi
if [ ! -f "$dir/build.ninja" ]; then
	opts=(-Dfuzz=true -Dtests=true -Db_sanitize=address,undefined -Db_lundef=false
		-Dc_args=-fsanitize=fuzzer-no-link)
	if [ -n "$sdk" ] && [ -f "$sdk/ethdev_driver.h" ]; then
		opts+=("-Ddpdk_sdk_dir=$sdk")
	fi
	CC=$cc meson setup "$dir" "$src" "${opts[@]}" >"$probe/setup.log" 2>&1 || {
		cat "$probe/setup.log"
		exit 1
	}
fi
ninja -C "$dir" $(for t in $targets; do echo "test/fuzz/$t"; done) >"$probe/build.log" 2>&1 || {
	tail -n 40 "$probe/build.log"
	exit 1
}

# UBSan must stop at its first report, or a finding would scroll by as a warning.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1}
mkdir -p "$dir/artifacts" "$dir/logs"
fail=0
printf '%-16s %10s %8s %8s %8s %8s  %s\n' target execs exec/s cov seeds corpus result
for t in $targets; do
	work="$dir/corpus/$t"
	seeds="$src/test/fuzz/corpus/$t"
	mkdir -p "$work"
	before=$(ls "$work" | wc -l)
	log="$dir/logs/$t.log"
	rc=0
	rm -f "$dir/artifacts/$t-"* # a previous run's findings were reported by that run
	"$dir/test/fuzz/$t" -max_total_time="$secs" -print_final_stats=1 -timeout=30 \
		-rss_limit_mb=2048 -jobs="${FUZZ_JOBS:-1}" -workers="${FUZZ_JOBS:-1}" \
		-artifact_prefix="$dir/artifacts/$t-" "$work" "$seeds" >"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
	after=$(ls "$work" | wc -l)
	result=ok
	if [ "$rc" -ne 0 ] || ls "$dir/artifacts/$t-"* >/dev/null 2>&1; then
		result="FAILED (rc $rc, see $log and $dir/artifacts)"
		fail=1
	fi
	printf '%-16s %10s %8s %8s %8s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" \
		"$(ls "$seeds" | wc -l)" "$after" "$result"
	if [ "$result" != ok ]; then
		grep -E 'ERROR|invariant|runtime error|SUMMARY' "$log" | head -n 5 || true
	fi
	if [ "$after" -gt "$before" ]; then
		echo "  $((after - before)) new inputs in $work (merge into the seeds with:" \
			"$dir/test/fuzz/$t -merge=1 $seeds $work)"
	fi
done
exit $fail
