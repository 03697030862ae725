#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# host-checks.sh SERIAL_TXT DIR: the checks of the real-Xen scenario that need the host's
# tools (Dom0's image has no Python, no tcpdump). Files Dom0 printed between
# "DNB-FILE-BEGIN NAME" and "DNB-FILE-END NAME" (base64) are written to DIR/NAME; each check
# prints a "DNB-RESULT NAME PASS|FAIL DETAIL" line, which run-xen-test.sh adds to the serial
# log before the verdict (expected-checks.txt lists them as any other).
#  - capture-vifline.pcapng: the peer's 5 pings of the rate guest, captured on its vif:
#    requests 1, 2, ... sent to the guest in order, each followed by its reply from it
#    (test/e2e/pcapng_icmp.py reads the directions of pcapng's enhanced packet blocks).
set -uo pipefail
serial=${1:?usage: host-checks.sh SERIAL_TXT DIR}
dir=${2:?usage: host-checks.sh SERIAL_TXT DIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir"

# extract NAME: DIR/NAME from its DNB-FILE lines; 1 when it is not there whole
extract() {
	awk -v n="$1" '$0 == "DNB-FILE-END " n { end = 1; exit } p { print } $0 == "DNB-FILE-BEGIN " n { p = 1 }
		END { exit !end }' "$serial" | base64 -d >"$dir/$1" 2>/dev/null
}

# in_order: stdin's frames are requests 1, 2, ... to the guest and replies 1, 2, ... from it,
# each reply after its request, at least 5 replies (ping -c 5 -w sends one more for a late
# reply, and under emulation a reply may come after the next request)
in_order() {
	awk '$1 == "out" && $2 == "request" { if ($3 != ++req) bad = 1; sent[$3] = 1; next }
		$1 == "in" && $2 == "reply" { if ($3 != ++rep || !($3 in sent)) bad = 1; next }
		{ bad = 1 }
		END { exit !(!bad && rep >= 5) }'
}

if ! grep -aq '^DNB-FILE-BEGIN capture-vifline.pcapng' "$serial"; then
	echo "DNB-RESULT vifline-capture-file FAIL no capture file on the console"
elif ! extract capture-vifline.pcapng; then
	echo "DNB-RESULT vifline-capture-file FAIL the file on the console is cut or not base64"
elif ! got=$(python3 "$here/../e2e/pcapng_icmp.py" "$dir/capture-vifline.pcapng" 2>&1); then
	echo "DNB-RESULT vifline-capture-file FAIL not well-formed pcapng: $got"
elif ! echo "$got" | in_order; then
	echo "DNB-RESULT vifline-capture-file FAIL the ICMP frames are: $(echo "$got" | tr '\n' ';')"
else
	echo "DNB-RESULT vifline-capture-file PASS $(echo "$got" | grep -c request) echo requests to the guest in order, each followed by its reply, in order"
fi
