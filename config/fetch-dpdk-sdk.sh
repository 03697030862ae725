#!/usr/bin/env bash
# fetch-dpdk-sdk.sh DEST
#
# Debian's libdpdk-dev does not install DPDK's driver SDK headers, which a vdev PMD such as
# net_xenvif needs (ethdev_driver.h, ethdev_vdev.h, bus_vdev_driver.h, dev_driver.h,
# bus_driver.h, and what they include). They are taken from Debian's source package of the
# installed DPDK version (same version, so the same ABI) and unpacked into DEST, which is in
# the build area, never in git. Nothing is built from that source.
set -euo pipefail
dest=${1:?usage: fetch-dpdk-sdk.sh DEST}
if [ -f "$dest/ethdev_driver.h" ]; then
	exit 0
fi
ver=$(dpkg-query -W -f='${Version}' libdpdk-dev)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cache=/var/cache/dpdk-netback
mkdir -p "$cache"
tarball=$(ls "$cache"/dpdk_*.orig.tar.* 2>/dev/null | head -n 1 || true)
if [ -z "$tarball" ] || [ ! -f "$cache/.version-$ver" ]; then
	rm -f "$cache"/dpdk_* "$cache"/.version-*
	(cd "$cache" && apt-get source -q --download-only "dpdk=$ver" >/dev/null)
	touch "$cache/.version-$ver"
	tarball=$(ls "$cache"/dpdk_*.orig.tar.* | head -n 1)
fi
headers=(lib/ethdev/ethdev_driver.h lib/ethdev/ethdev_vdev.h drivers/bus/vdev/bus_vdev_driver.h
	lib/eal/include/dev_driver.h lib/eal/include/bus_driver.h)
# The archive has one top folder (its name carries the version); tar stops early here.
top=$({ tar -tf "$tarball" || true; } | { head -n 1; cat >/dev/null; } | cut -d/ -f1)
members=()
for h in "${headers[@]}"; do members+=("$top/$h"); done
tar -xf "$tarball" -C "$work" "${members[@]}"
mkdir -p "$dest"
for h in "${headers[@]}"; do cp "$work/$top/$h" "$dest/"; done
echo "fetch-dpdk-sdk.sh: DPDK $ver driver SDK headers in $dest"
