#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# release-root.sh RELEASE: a Debian root of RELEASE holding what the real-Xen suite takes from
# a system (install-xen-deps.sh's list, in that release's versions: its Xen hypervisor and
# toolstack, its kernel for Dom0 and the guests, its device model and userland), for
# build-initramfs.sh's DNB_XEN_ROOT. Made once from the host's apt mirror with
# test/pkg/chroot.sh, cached under /var/cache/dpdk-netback/xen-root-RELEASE (about half a
# minute and 700 MB); prints its path. Nothing in it is started: a policy-rc.d refuses the
# packages' services, and the root is only a source of files. Root.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
r=${1:?usage: release-root.sh RELEASE}
cache=${DNB_CHROOT_CACHE:-/var/cache/dpdk-netback}
dir=$cache/xen-root-$r

case $r in
bookworm) xen=4.17 ;;
trixie) xen=4.20 ;;
*) echo "release-root.sh: no Xen version known for release '$r'" >&2; exit 2 ;;
esac
mkdir -p "$cache"
exec 9>"$cache/.xen-root-$r.lock" # two runs at once: the second waits, then reuses
flock 9
if [ ! -f "$dir/.dnb-ready" ]; then
	rm -rf --one-file-system "$dir" "$dir.tmp"
	bash "$top/test/pkg/chroot.sh" fresh "$r" "$dir.tmp"
	printf '#!/bin/sh\nexit 101\n' >"$dir.tmp/usr/sbin/policy-rc.d"
	chmod 755 "$dir.tmp/usr/sbin/policy-rc.d"
	echo "release-root.sh: the $r root (log: $cache/xen-root-$r.log)" >&2
	bash "$top/test/pkg/chroot.sh" run "$dir.tmp" bash -c "apt-get update -q &&
		apt-get install -y -q --no-install-recommends xen-hypervisor-$xen-amd64 \
			xen-utils-$xen linux-image-amd64 busybox-static xenstore-utils netperf \
			iproute2 iputils-ping ethtool kmod perl-base qemu-system-xen ipxe-qemu \
			seabios && apt-get clean" >"$cache/xen-root-$r.log" 2>&1 ||
		{ tail -n 20 "$cache/xen-root-$r.log" >&2; exit 1; }
	touch "$dir.tmp/.dnb-ready"
	mv "$dir.tmp" "$dir"
fi
echo "$dir"
