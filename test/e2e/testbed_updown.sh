#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e: the test bed comes up with a guest waiting for a backend (frontend state 1
# Initialising, backend state 1 as the toolstack left it: nothing serves the vif yet), and
# tears down leaving nothing behind — twice in a row.
set -euo pipefail
bed=$(dirname "$0")/../bed/testbed.sh
name=tbud$$
name=${name:0:8}
fail() { echo "FAIL: $*"; bash "$bed" -n "$name" down >/dev/null 2>&1; exit 1; }
trap 'bash "$bed" -n "$name" down >/dev/null 2>&1' EXIT

for round in 1 2; do
	bash "$bed" -n "$name" up -g 1 || fail "round $round: up"
	status=$(bash "$bed" -n "$name" status)
	echo "$status"
	grep -q '^guest 1: frontend state [12], backend state 1$' <<<"$status" ||
		fail "round $round: guest not waiting for a backend: $status"
	pgrep -f "dnb-guest --domid 1 --sim-dir /run/$name/" >/dev/null || fail "round $round: no guest process"
	bash "$bed" -n "$name" down || fail "round $round: down"
	[ ! -e "/run/$name" ] || fail "round $round: /run/$name left behind"
	! ip netns list | grep -q "^$name-" || fail "round $round: namespaces left behind"
	! ip link show "$name-w0" >/dev/null 2>&1 || fail "round $round: veth left behind"
	! pgrep -f "/run/$name/" >/dev/null || fail "round $round: processes left behind"
done
echo "PASS: test bed up/down twice"
