#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The real-Xen test: Xen 4.17 + a PV Dom0 under QEMU (TCG), dpdk-netback in Dom0 serving a
# PV guest's vif in place of xen-netback (test/xen/scenario.sh says what is checked).
#
#   run-xen-test.sh [--build DIR] [--timeout SECONDS]
#
# Installs its packages (install-xen-deps.sh; DNB_XEN_NO_INSTALL=1 skips), builds the
# images (build-initramfs.sh) under BUILD/test/xen-run, boots, reads the serial console,
# prints every "DNB-RESULT" line and "N passed, N failed". Exit 0 only when every check
# passed and the scenario ran to its end. QEMU is killed on every exit path; the serial log
# stays in BUILD/test/xen-run/serial.log. Needs root (apt) and ~3.5 GiB of free memory.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${DNB_BUILD:-$top/build}
timeout_s=${DNB_XEN_TIMEOUT:-1000}
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	*) echo "usage: $0 [--build DIR] [--timeout SECONDS]" >&2; exit 2 ;;
	esac
done
run=$build/test/xen-run
serial=$run/serial.log
qemu_pid=
tmp=

log() { echo "[$(date +%T)] $*"; }
kill_qemu() {
	if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
		kill -TERM "$qemu_pid" 2>/dev/null
		sleep 1
		kill -KILL "$qemu_pid" 2>/dev/null
	fi
	[ -n "$qemu_pid" ] && wait "$qemu_pid" 2>/dev/null
	qemu_pid=
}
cleanup() {
	kill_qemu
	[ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$(id -u)" -ne 0 ]; then
	echo "run-xen-test.sh: must run as root" >&2
	exit 1
fi
start=$(date +%s)
if [ "${DNB_XEN_NO_INSTALL:-0}" != 1 ]; then
	bash "$here/install-xen-deps.sh" || exit 1
fi
bash "$here/build-initramfs.sh" "$build" "$run" || exit 1

tmp=$(mktemp -d /tmp/dnb-xen.XXXXXX)
: >"$serial"
log "booting Xen + Dom0 under QEMU (TCG); serial console: $serial"
# -smap: without it Dom0 faults in Xen's create_bounce_frame under TCG; -rdtscp: without it
# a PVH guest loops on "SVM Insn len emulation failed". DNB_XEN_CPU overrides (user processes
# of Dom0 and of the guests die now and then of segfaults under this emulation; see below).
cpu=${DNB_XEN_CPU:-max,-smap,-rdtscp}
qemu-system-x86_64 -nodefaults -display none -no-reboot \
	-accel tcg,thread=multi -cpu "$cpu" -smp 2 -m 3G \
	-kernel "$run/xen" \
	-append "console=com1 com1=115200 dom0_mem=1024M dom0_max_vcpus=2 noreboot" \
	-initrd "$run/kernel console=hvc0,$run/dom0.cpio.gz" \
	-serial "file:$serial" -monitor none -net none \
	-pidfile "$tmp/qemu.pid" >"$tmp/qemu.out" 2>&1 &
qemu_pid=$!

# Wait for the scenario's end, QEMU's exit or the deadline, whichever comes first.
deadline=$((start + timeout_s))
done_at=
while kill -0 "$qemu_pid" 2>/dev/null; do
	now=$(date +%s)
	if [ -z "$done_at" ] && grep -aq '^DNB-DONE' "$serial"; then
		done_at=$now
	fi
	# After the scenario: a few seconds for Dom0's power-off, then QEMU is killed anyway.
	[ -n "$done_at" ] && [ $((now - done_at)) -ge 20 ] && break
	if [ "$now" -ge "$deadline" ]; then
		log "timeout: no end of the scenario after ${timeout_s} s"
		break
	fi
	sleep 1
done
kill_qemu

tr -d '\r' <"$serial" >"$run/serial.txt"
grep -a '^DNB-RESULT ' "$run/serial.txt" | sed 's/^DNB-RESULT //'
grep -a '^DNB-INFO ' "$run/serial.txt" | sed 's/^DNB-INFO //'
# User processes killed by a fault (Dom0's kernel log; the guests' come as DNB-LOG lines):
# not a check of dpdk-netback, but a flaky emulation shows here first.
grep -a 'segfault at' "$run/serial.txt" | sed 's/^/segfault in Dom0: /'
pass=$(grep -ac '^DNB-RESULT [^ ]* PASS' "$run/serial.txt")
fail=$(grep -ac '^DNB-RESULT [^ ]* FAIL' "$run/serial.txt")
if ! grep -aq '^DNB-DONE' "$run/serial.txt"; then
	log "the scenario did not finish; last lines of the serial console:"
	tail -n 40 "$run/serial.txt"
	fail=$((fail + 1))
elif [ "$fail" -gt 0 ]; then
	grep -a '^DNB-LOG ' "$run/serial.txt"
fi
[ -s "$tmp/qemu.out" ] && cat "$tmp/qemu.out"
log "wall time: $(($(date +%s) - start)) s"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
