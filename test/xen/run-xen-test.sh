#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The real-Xen test: Xen 4.17 + a PV Dom0 under QEMU (TCG), dpdk-netback in Dom0 serving a
# PV guest's vif in place of xen-netback, and beside it (test/xen/scenario.sh says what is
# checked). Environment: DNB_XEN_NO_INSTALL=1, DNB_XEN_TIMEOUT (seconds, default 2100),
# DNB_XEN_CPU, DNB_XEN_ACCEL, DNB_XEN_CMDLINE (see the QEMU command below), DNB_PVH_PIN (to Dom0:
# the PVH vCPU pin of scenario.sh; empty: none).
#
#   run-xen-test.sh [--build DIR] [--timeout SECONDS] [--release R] [--from package|build]
#                   [--qemu host|release] [--bench | --phases LIST]
#
# --from package (the default) boots dpdk-netback as an admin installs it: the Debian package
# built from this tree (test/pkg/build-and-install.sh --build-only, into BUILD/pkg/R), then
# installed with apt into the release's system (this machine, or --release's root; the unit
# stays disabled, as on any install), and Dom0 gets its installed program, hotplug script and
# plugins with that system's DPDK. --from build boots BUILD's dpdk-netback and the source
# tree's hotplug script instead (a quicker loop while working; CI's Debian 13 boot, whose
# mirror lacks the source of trixie's DPDK that its package build needs).
# --release R boots Debian release R's Xen, Dom0 and guest kernels, toolstack and userland
# (test/xen/release-root.sh R: a cached debootstrap root; trixie: Xen 4.20, Linux 6.12) in
# place of this machine's (build-initramfs.sh's DNB_XEN_ROOT); its files go under
# BUILD/test/xen-run-R.
# --qemu release runs the machine Xen boots on with --release's own QEMU (trixie: 10.0,
# installed into its root when missing) in place of this machine's (host, the default),
# with that root's dynamic loader and libraries.
# --phases pv,vifline,lan,hvm,restart,kernel-pv runs only those of the scenario's phases,
# each with a dpdk-netback of its own (kernel-pv last: xen-netback stays loaded), judged by
# their own expected checks: for working on one, or a shorter boot.
# --bench boots the same images to run test/xen/bench.sh in place of the scenario (the
# real-Xen bench: DNB_BENCH_ROUNDS, DNB_BENCH_SECS, DNB_BENCH_WIRE pass to it), judged by
# expected-bench.txt, and prints its table (bench-table.py).
#
# Installs its packages (install-xen-deps.sh; DNB_XEN_NO_INSTALL=1 skips), builds the
# images (build-initramfs.sh) under BUILD/test/xen-run, boots, reads the serial console,
# prints every "DNB-RESULT" line, the "vm-faults" check (no user process in the VMs died of a
# fault, no guest kernel triple-faulted) and "N passed, N failed" (xen-verdict.sh). Exit 0
# only when every check in expected-checks.txt passed, none failed, and the scenario ran to
# its end and exited 0. QEMU is killed on every exit path; the
# serial log stays in BUILD/test/xen-run/serial.log. Needs root (apt) and ~3.5 GiB of free
# memory.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${DNB_BUILD:-$top/build}
timeout_s=${DNB_XEN_TIMEOUT:-2100}
bench=0
phases=
release=
from=package
qemu_from=host
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--bench) bench=1; shift ;;
	--phases) phases=$2; shift 2 ;;
	--release) release=$2; shift 2 ;;
	--from) from=$2; shift 2 ;;
	--qemu) qemu_from=$2; shift 2 ;;
	*) echo "usage: $0 [--build DIR] [--timeout SECONDS] [--release R] [--from package|build] [--qemu host|release] [--bench | --phases LIST]" >&2
		exit 2 ;;
	esac
done
case $from in
package | build) ;;
*) echo "run-xen-test.sh: --from '$from': package or build" >&2; exit 2 ;;
esac
case $qemu_from in
host) ;;
release) [ -n "$release" ] || { echo "run-xen-test.sh: --qemu release needs --release" >&2; exit 2; } ;;
*) echo "run-xen-test.sh: --qemu '$qemu_from': host or release" >&2; exit 2 ;;
esac
run=$build/test/xen-run${release:+-$release}
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

# install_package: the package of this tree for the release booted, built and installed
# with apt into that release's system (--reinstall: the same version built again).
install_package() {
	local r=${release:-$(. /etc/os-release && echo "$VERSION_CODENAME")} deb
	DNB_BUILD=$build bash "$top/test/pkg/build-and-install.sh" --build-only "$r" || return 1
	deb=$(ls "$build/pkg/$r"/dpdk-netback_*_amd64.deb) || return 1
	log "installing $(basename "$deb") into ${DNB_XEN_ROOT:-this machine}"
	if [ -z "${DNB_XEN_ROOT:-}" ]; then
		apt-get install -y -q --reinstall "$deb" >"$build/pkg/$r/install.log" 2>&1
	else
		cp "$deb" "$DNB_XEN_ROOT/tmp/dpdk-netback.deb" &&
			bash "$top/test/pkg/chroot.sh" run "$DNB_XEN_ROOT" apt-get install -y -q \
				--reinstall /tmp/dpdk-netback.deb >"$build/pkg/$r/install.log" 2>&1
	fi || { tail -n 20 "$build/pkg/$r/install.log" >&2; return 1; }
}

# qemu_cmd: the QEMU to run, as words of the array qemu: this machine's, or --release's
# through its root's dynamic loader (its own libraries, firmware and option ROMs).
qemu_cmd() {
	local r=${DNB_XEN_ROOT:-} lib
	qemu=(qemu-system-x86_64)
	[ "$qemu_from" = release ] || return 0
	if [ ! -x "$r/usr/bin/qemu-system-x86_64" ]; then
		log "installing qemu-system-x86 into $r"
		bash "$top/test/pkg/chroot.sh" run "$r" apt-get install -y -q --no-install-recommends \
			qemu-system-x86 >"$run/qemu-install.log" 2>&1 ||
			{ tail -n 20 "$run/qemu-install.log" >&2; return 1; }
	fi
	lib=$r/usr/lib/x86_64-linux-gnu
	qemu=("$lib/ld-linux-x86-64.so.2" --library-path "$lib" "$r/usr/bin/qemu-system-x86_64"
		-L "$r/usr/share/qemu" -L "$r/usr/share/seabios")
}

if [ "$(id -u)" -ne 0 ]; then
	echo "run-xen-test.sh: must run as root" >&2
	exit 1
fi
start=$(date +%s)
if [ "${DNB_XEN_NO_INSTALL:-0}" != 1 ]; then
	bash "$here/install-xen-deps.sh" || exit 1
fi
if [ -n "$release" ]; then
	DNB_XEN_ROOT=$(bash "$here/release-root.sh" "$release") || exit 1
	export DNB_XEN_ROOT
fi
if [ "$from" = package ]; then
	install_package || exit 1
	export DNB_NETBACK_PACKAGE=dpdk-netback
fi
bash "$here/build-initramfs.sh" "$build" "$run" || exit 1
qemu_cmd || exit 1

tmp=$(mktemp -d /tmp/dnb-xen.XXXXXX)
: >"$serial"
log "booting Xen + Dom0 under QEMU (TCG); serial console: $serial"
# The CPU model: QEMU's baseline x86-64 (qemu64, AMD: it has SVM) plus NPT, so a PVH guest
# gets hardware-assisted paging, plus what Debian's DPDK needs (SSSE3, SSE4.1/4.2, POPCNT,
# CX16; without them dpdk-netback dies of an invalid opcode in librte_eal).
# Not "-cpu max": with it (measured, QEMU 7.2 TCG, single- and multi-threaded alike) user
# processes of Dom0 and of the guests die every minute or two of faults that show memory
# they read did not hold what was written (libc's GOT still unrelocated, a register loaded
# from a relocation table non-canonical); qemu64 with these flags ran whole suites without
# one. DNB_XEN_CPU, DNB_XEN_ACCEL and DNB_XEN_CMDLINE (appended to Xen's) override.
cpu=${DNB_XEN_CPU:-qemu64,+npt,+ssse3,+sse4.1,+sse4.2,+popcnt,+cx16}
accel=${DNB_XEN_ACCEL:-tcg,thread=multi}
xen_cmdline="console=com1 com1=115200 dom0_mem=1024M dom0_max_vcpus=2 noreboot ${DNB_XEN_CMDLINE:-}"
# Dom0's command line: Linux gives init the NAME=VALUE words it does not know as environment.
dom0_cmdline="console=hvc0${DNB_PVH_PIN+ DNB_PVH_PIN=$DNB_PVH_PIN}"
expected=$here/expected-checks.txt
if [ "$bench" = 1 ]; then
	dom0_cmdline="$dom0_cmdline dnb_scenario=bench DNB_BENCH_ROUNDS=${DNB_BENCH_ROUNDS:-3} DNB_BENCH_SECS=${DNB_BENCH_SECS:-10} DNB_BENCH_WIRE=${DNB_BENCH_WIRE:-plain}"
	expected=$here/expected-bench.txt
elif [ -n "$phases" ]; then
	# '+' between them: QEMU's -initrd takes a comma as the start of the next module
	dom0_cmdline="$dom0_cmdline dnb_phases=${phases//,/+}"
	awk -v p=",boot,$phases," 'index(p, "," $1 ",")' "$here/expected-checks.txt" >"$tmp/expected.txt"
	expected=$tmp/expected.txt
fi
log "qemu -accel $accel -cpu $cpu; Xen: $xen_cmdline"
log "QEMU: $("${qemu[@]}" --version | head -n 1)"
"${qemu[@]}" -nodefaults -display none -no-reboot \
	-accel "$accel" -cpu "$cpu" -smp 2 -m 3G \
	-kernel "$run/xen" \
	-append "$xen_cmdline" \
	-initrd "$run/kernel $dom0_cmdline,$run/dom0.cpio.gz" \
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
# What Dom0 cannot check itself (no Python, no tcpdump there): results added to the log,
# when the run expects them (the vif line's capture; not with --bench or other --phases).
grep -q '^vifline ' "$expected" &&
	bash "$here/host-checks.sh" "$run/serial.txt" "$run/files" >>"$run/serial.txt"
# The verdict: every expected check passed, the scenario ran to its end and exited 0, no
# fault in the VMs (xen-verdict.sh; its last line is "N passed, N failed").
bash "$here/xen-verdict.sh" "$run/serial.txt" "$expected" >"$tmp/verdict"
verdict=$?
head -n -1 "$tmp/verdict"
if [ "$bench" = 1 ]; then
	grep -a '^DNB-BENCH ' "$run/serial.txt"
	python3 "$here/bench-table.py" "$run/serial.txt" || verdict=1
fi
[ -s "$tmp/qemu.out" ] && cat "$tmp/qemu.out"
log "wall time: $(($(date +%s) - start)) s"
tail -n 1 "$tmp/verdict"
[ "$verdict" -eq 0 ]
