#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Install what the real-Xen suite ('xen') needs, on top of config/install-deps.sh, so the
# normal install stays lean. Idempotent: a second run only checks.
#
#  - qemu-system-x86: boots Xen + Dom0 under TCG (no nested virtualisation is assumed);
#  - xen-hypervisor-4.17-amd64: the hypervisor image QEMU's multiboot loader starts;
#  - xen-utils-4.17: oxenstored, xenconsoled, xen-init-dom0, xl and libxl for Dom0;
#  - linux-image-amd64: one kernel for Dom0 (PV) and the guests (PV, PVH), with the Xen
#    modules (evtchn, xenfs, gntdev, gntalloc, privcmd, netback, netfront);
#  - busybox-static, cpio: the initramfs userland and its archive format;
#  - clang, libbpf-dev: the guest's XDP program (test/xen/xdp_mark.c), loaded by iproute2;
#  - qemu-system-xen, ipxe-qemu: an HVM guest's device model and its e1000's option ROM.
# Nothing is started or enabled on this machine: the packages are only a source of files for
# test/xen/build-initramfs.sh.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
	echo "install-xen-deps.sh: must run as root (apt-get)" >&2
	exit 1
fi
pkgs=(qemu-system-x86 xen-hypervisor-4.17-amd64 xen-utils-4.17 linux-image-amd64
	busybox-static cpio xenstore-utils netperf iproute2 iputils-ping ethtool kmod xz-utils gzip
	clang libbpf-dev qemu-system-xen ipxe-qemu)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
echo "install-xen-deps.sh: all real-Xen test dependencies present"
