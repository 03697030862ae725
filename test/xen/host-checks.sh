#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# host-checks.sh SERIAL_TXT DIR: the checks of the real-Xen scenario that need the host's
# tools (Dom0's image has no Python, no tcpdump). Files Dom0 printed between
# "DNB-FILE-BEGIN NAME" and "DNB-FILE-END NAME" (base64) are written to DIR/NAME; each check
# prints a "DNB-RESULT NAME PASS|FAIL DETAIL" line, which run-xen-test.sh adds to the serial
# log before the verdict (expected-checks.txt lists them as any other).
#  - capture-vifline.pcapng: the peer's 5 pings of the rate guest, captured on its vif:
#    requests 1..5 sent to the guest, each followed by its reply from it
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

want=
for seq in 1 2 3 4 5; do
	want+="out request $seq"$'\n'"in reply $seq"$'\n'
done
if ! grep -aq '^DNB-FILE-BEGIN capture-vifline.pcapng' "$serial"; then
	echo "DNB-RESULT vifline-capture-file FAIL no capture file on the console"
elif ! extract capture-vifline.pcapng; then
	echo "DNB-RESULT vifline-capture-file FAIL the file on the console is cut or not base64"
elif ! got=$(python3 "$here/../e2e/pcapng_icmp.py" "$dir/capture-vifline.pcapng" 2>&1); then
	echo "DNB-RESULT vifline-capture-file FAIL not well-formed pcapng: $got"
elif [ "$got"$'\n' != "$want" ]; then
	echo "DNB-RESULT vifline-capture-file FAIL the ICMP frames are: $(echo "$got" | tr '\n' ';')"
else
	echo "DNB-RESULT vifline-capture-file PASS 5 echo requests to the guest, each then its reply, in order"
fi
