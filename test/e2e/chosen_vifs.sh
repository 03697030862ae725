#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e: dpdk-netback --vif 1/0 serves guest 1 and leaves guest 2's vif alone (for the kernel's
# netback): its backend directory is not touched and its frontend keeps waiting.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
name=cv$$
e2e_init "${name:0:8}"

e2e_bed_up 2
E2E_VIF_ARGS="--vif 1/0" e2e_netback_start
e2e_wait_connected 1
e2e_in_guest 1 ping -c 2 -i 0.2 -W 2 10.99.0.1 >/dev/null || e2e_fail "ping from the chosen guest"
sleep 1
be=$(e2e_xs_read /local/domain/0/backend/vif/2/0/state)
fe=$(e2e_xs_read /local/domain/2/device/vif/0/state)
[ "$be" = 1 ] || e2e_fail "vif2.0 is not ours, but its backend state is $be"
[ "$fe" = 1 ] || e2e_fail "vif2.0's frontend state is $fe: something served it"
! e2e_xs_read /local/domain/0/backend/vif/2/0/feature-sg >/dev/null || e2e_fail "features written to vif2.0"
! grep -q 'vif2\.0' "$E2E_STATE/netback.log" || e2e_fail "the service logged about vif2.0"
e2e_netback_stop
echo "PASS: a vif not chosen is left alone"
