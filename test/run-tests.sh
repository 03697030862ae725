#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# run-tests.sh: install, build, then run every meson suite that runs on this machine:
# selftest first (the checks of these test scripts' own verdicts), then unit, e2e, fuzz, xen
# (meson test; xen boots Xen 4.17 under QEMU, ~20 minutes), pkg (the Debian package built
# and installed into a clean Debian 12 chroot), then bench (meson test
# --benchmark), then unit and e2e again in an AddressSanitizer + UndefinedBehaviorSanitizer
# build (build-sanitize/; its LeakSanitizer checks dpdk-netback's exit after traffic,
# reconnects and SIGTERM). Ends with the line "N passed, N failed, N skipped" and exits
# non-zero when anything failed.
#
# Each run's verdict is test/verdict.py's: meson's exit status and its testlog.json must
# agree, the log must read whole and hold a result for every registered test, and a skipped
# test is a failure (these suites are all meant to run), except in a suite named in
# DNB_ALLOW_SKIP (e.g. DNB_ALLOW_SKIP="xen" on a machine without the memory for it).
# DNB_SUITES overrides the list of suites (e.g. DNB_SUITES="unit"; "bench" is the
# benchmarks); the sanitizer build then runs the unit and e2e suites among them, and says so
# when there are none. DNB_SANITIZE=0 skips the sanitizer build. DNB_SUITES=trixie runs
# Debian 13's (its package, its build, unit and e2e in a chroot) where the apt mirror serves
# trixie's dpdk source package (the driver SDK headers; CI's does not).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${DNB_BUILD:-$top/build}
export DNB_BUILD=$build

bash "$top/config/setup.sh" "$build" || { echo "0 passed, 1 failed, 0 skipped (build)"; exit 1; }

passed=0
failed=0
skipped=0
vopts=() # verdict.py's options
for s in ${DNB_ALLOW_SKIP:-}; do vopts+=(--allow-skip "$s"); done
# run BUILD [--benchmark] SUITE...: one meson test run; its verdict adds to the counts.
run() {
	local b=$1 p f s res
	shift
	res=$(mktemp)
	python3 "$top/test/verdict.py" run "$b" "${vopts[@]}" --result "$res" "$@"
	if read -r p f s <"$res" && [[ "$p $f $s" =~ ^[0-9]+\ [0-9]+\ [0-9]+$ ]]; then
		passed=$((passed + p))
		failed=$((failed + f))
		skipped=$((skipped + s))
	else
		echo "verdict: test/verdict.py gave no count for $*"
		failed=$((failed + 1))
	fi
	rm -f "$res"
}

tests=()
bench=0
san=()
for s in ${DNB_SUITES:-selftest unit e2e fuzz xen pkg bench}; do
	case $s in
	bench) bench=1 ;;
	*) tests+=("$s") ;;
	esac
	case $s in unit | e2e) san+=("$s") ;; esac
done
# selftest first: if the verdict itself is broken, nothing after it can be trusted.
if [[ " ${tests[*]} " == *" selftest "* ]]; then
	run "$build" selftest
	rest=()
	for s in "${tests[@]}"; do [ "$s" = selftest ] || rest+=("$s"); done
	tests=("${rest[@]}")
fi
[ ${#tests[@]} -eq 0 ] || run "$build" "${tests[@]}"
[ "$bench" = 0 ] || run "$build" --benchmark bench

if [ "${DNB_SANITIZE:-1}" != 1 ]; then
	echo "sanitizer build: not run (DNB_SANITIZE=${DNB_SANITIZE})"
elif [ ${#san[@]} -eq 0 ]; then
	echo "sanitizer build: not run (it runs the unit and e2e suites; DNB_SUITES has neither)"
else
	# GCC 12 gives false -Wformat-overflow warnings under -fsanitize: no -Werror here (the
	# main build above has it). UBSan stops at the first error, so a report fails the test.
	# Every process the tests start writes its ASan reports under meson-logs/sanitizer
	# (log_path): the test bed's daemons too, whose stderr nobody reads. UBSan beside ASan
	# (GCC) ignores log_path: its reports are found in the daemons' logs the test bed keeps
	# (meson-logs/testbed). Each report is a failure.
	sb=$top/build-sanitize
	if [ ! -f "$sb/build.ninja" ]; then
		meson setup "$sb" "$top" -Db_sanitize=address,undefined -Db_lundef=false
	fi
	if ninja -C "$sb"; then
		slogs=$sb/meson-logs/sanitizer
		vopts+=(--sanitizer-logs "$slogs" --scan-logs "$sb/meson-logs/testbed")
		ASAN_OPTIONS=log_path=$slogs/asan \
			UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$slogs/ubsan \
			DNB_BUILD=$sb DNB_SOAK_SECONDS=30 run "$sb" "${san[@]}"
	else
		echo "verdict: the sanitizer build failed"
		failed=$((failed + 1))
	fi
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
