#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e: dpdk-netback --vif 1/0 --vif guest3/0 serves guest 1, and guest 3 (named by its domain's
# name before it exists) once it starts, and leaves guest 2's vif alone (for
# the kernel's netback): its backend directory is not touched and its frontend keeps
# waiting. The check is made once the service has provably looked at vif2: a watch event on
# vif2's directory is followed by guest 3's vif appearing, and vif3 attaching means the
# service handled the events before it (and the 5 s full rescan is waited out too).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
name=cv$$
e2e_init "${name:0:8}"

e2e_bed_up 2
E2E_VIF_ARGS="--vif 1/0 --vif guest3/0" e2e_netback_start
e2e_wait_connected 1
e2e_in_guest 1 ping -c 2 -i 0.2 -W 2 10.99.0.1 >/dev/null || e2e_fail "ping from the chosen guest"
# an event on vif2 (the toolstack rewriting a key), then a new chosen vif after it
XENSTORED_PATH=$E2E_STATE/xenstored.sock xenstore-write /local/domain/0/backend/vif/2/0/online 1 ||
	e2e_fail "cannot write vif2.0's online key"
t0=$SECONDS
bash "$e2e_bed" -n "$E2E_NAME" guest-start 3 >/dev/null || e2e_fail "guest 3 did not start"
e2e_wait_connected 3
grep -q 'vif3\.0: attached' "$E2E_STATE/netback.log" || e2e_fail "vif3.0 connected but not attached"
# and the full rescan (VIF_RESCAN_MS, 5 s) since the event, for a vif an event would miss
while [ $((SECONDS - t0)) -le 6 ]; do sleep 0.5; done
be=$(e2e_xs_read /local/domain/0/backend/vif/2/0/state)
fe=$(e2e_xs_read /local/domain/2/device/vif/0/state)
[ "$be" = 1 ] || e2e_fail "vif2.0 is not ours, but its backend state is $be"
[ "$fe" = 1 ] || e2e_fail "vif2.0's frontend state is $fe: something served it"
! e2e_xs_read /local/domain/0/backend/vif/2/0/feature-sg >/dev/null || e2e_fail "features written to vif2.0"
! grep -q 'vif2\.0' "$E2E_STATE/netback.log" || e2e_fail "the service logged about vif2.0"
e2e_netback_stop
echo "PASS: a vif not chosen is left alone"
