#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# usage: no_sim_symbols.sh NM SERVICE BED_BINARY
# The service must not contain the simulated hypervisor; the bed's binary must (so that an
# nm that lists nothing, or a stripped service, cannot pass this check).
nm=$1 service=$2 bed=$3
syms() { "$nm" --defined-only "$1" 2>&1 || echo "nm failed on $1" >&2; }
svc=$(syms "$service")
echo "$svc" | grep -q ' xen_real_ops$' || { echo "FAIL: $service: no xen_real_ops (stripped?)"; exit 1; }
if echo "$svc" | grep -E ' (xensim_|xen_sim_ops)'; then
	echo "FAIL: $service contains the simulated hypervisor"
	exit 1
fi
syms "$bed" | grep -q ' xen_sim_ops$' || { echo "FAIL: $bed: no xen_sim_ops"; exit 1; }
echo "PASS: $service has no xensim_ symbol; $bed has the simulator"
