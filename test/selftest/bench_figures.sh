#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# selftest (#19 item 5): test/netperf/compare.sh never prints a substituted figure. Its
# readers (busy_cycles, lro_counts, read_tsc_hz, a process's CPU time, netperf's fields)
# against a telemetry socket that does not answer, an answer without the counter and a
# process that is gone each fail the run naming the figure, where they gave 0 or 1.0.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$st_top/test/e2e/lib.sh"
# compare.sh's helpers, without its main part
sed -n '/^number() {/,/^}/p; /^machine_busy()/p; /^proc_cpu()/p; /^read_tsc_hz() {/,/^}/p;
	/^lro_counts() {/,/^}/p; /^busy_cycles() {/,/^}/p' "$st_top/test/netperf/compare.sh" >"$st_tmp/fns.sh"
. "$st_tmp/fns.sh"
grep -q '^busy_cycles()' "$st_tmp/fns.sh" || { echo "compare.sh's helpers not found"; exit 1; }
tsc_hz=

st_serve_telemetry silent
st_expect_fail "busy cycles, telemetry not answering" "busy_cycles of port 0 unreadable" busy_cycles
st_expect_fail "LRO counts, telemetry not answering" "chain: telemetry lro_pkts_in unreadable" lro_counts chain
st_expect_fail "the TSC rate, telemetry not answering" "TSC rate \(telemetry tsc_hz\) unreadable" read_tsc_hz
st_serve_telemetry 'reply:{"/dpdk_netback/stats": {"busy_cycles": 5}}'
st_expect_fail "the TSC rate missing from the answer" "no counter 'tsc_hz'" read_tsc_hz
st_expect_fail "LRO counts missing from the answer" "no counter 'lro_pkts_in'" lro_counts linearize
st_expect_pass "busy cycles read" busy_cycles
st_expect_pass "--lro off has no LRO to read" lro_counts off
st_expect_fail "the CPU time of a process that is gone" "CPU time of pid 999999999: .* is not a measured figure" \
	proc_cpu 999999999
st_expect_fail "an empty netperf field" "netperf TCP_STREAM: '' is not a measured figure" \
	number "netperf TCP_STREAM" ""
st_done
