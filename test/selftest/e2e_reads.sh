#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# selftest (#19 item 4): an e2e figure read from telemetry is checked to have worked.
# e2e_counter (test/e2e/lib.sh) against no socket, a socket that never answers, an answer
# without the counter and one with a counter that is not a number: each fails naming the
# cause, instead of giving an empty string that compares equal to another.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$st_top/test/e2e/lib.sh"

st_serve_telemetry silent
rm "$RUNTIME_DIRECTORY/dpdk/fake/dpdk_telemetry.v2"
st_expect_fail "no telemetry socket" "no counter 'in_use' in the answer 'Error connecting" \
	e2e_counter /dpdk_netback/mempool in_use
st_serve_telemetry silent
st_expect_fail "a telemetry socket that does not answer" "no counter 'in_use' in the answer '' \(no answer" \
	e2e_counter /dpdk_netback/mempool in_use
st_serve_telemetry 'reply:{"/dpdk_netback/mempool": {"size": 8192}}'
st_expect_fail "an answer without the counter" "no counter 'in_use'" \
	e2e_counter /dpdk_netback/mempool in_use
st_serve_telemetry 'reply:{"/dpdk_netback/stats": {"rx_pkts": ""}}'
st_expect_fail "a counter that is not a number" "'rx_pkts' is '', not a counter" e2e_stat 0 rx_pkts
st_serve_telemetry 'reply:{"/dpdk_netback/stats": {"rx_pkts": 42}}'
st_expect_pass "a counter read" e2e_stat 0 rx_pkts
# Two failed reads no longer compare equal: the test fails at the read.
st_expect_fail "guest_restarts' snapshot with no answer" "snapshot before the restarts unreadable" bash -c "
	. '$st_top/test/e2e/lib.sh'; E2E_NAME=nosuch; pid=\$\$
	$(sed -n '/^snapshot() {/,/^}/p' "$st_top/test/e2e/guest_restarts.sh")
	before=\$(snapshot) || e2e_fail 'snapshot before the restarts unreadable (above)'"
st_done
