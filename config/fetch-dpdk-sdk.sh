#!/usr/bin/env bash
# fetch-dpdk-sdk.sh [DEST]
#
# Debian's libdpdk-dev does not install DPDK's driver SDK headers, which a vdev PMD such as
# net_xenvif needs (ethdev_driver.h, ethdev_vdev.h, bus_vdev_driver.h, dev_driver.h,
# bus_driver.h, and what they include). They are taken from Debian's source package of the
# installed DPDK version (same version, so the same ABI) and unpacked into DEST, by default
# /var/cache/dpdk-netback/sdk-<DPDK version>, where meson looks for them (meson only checks;
# config/install-deps.sh runs this). Without DEST, nothing is done when the installed DPDK
# has the headers. Nothing is built from that source. Root (apt-get source, /var/cache).
set -euo pipefail
headers=(lib/ethdev/ethdev_driver.h lib/ethdev/ethdev_vdev.h drivers/bus/vdev/bus_vdev_driver.h
	lib/eal/include/dev_driver.h lib/eal/include/bus_driver.h)
cache=/var/cache/dpdk-netback
dest=${1:-}
if [ -z "$dest" ]; then
	for inc in $(pkg-config --cflags-only-I libdpdk); do
		if [ -f "${inc#-I}/ethdev_driver.h" ]; then
			exit 0
		fi
	done
	dest=$cache/sdk-$(pkg-config --modversion libdpdk)
fi
present=1
for h in "${headers[@]}"; do
	[ -f "$dest/$(basename "$h")" ] || present=0
done
if [ "$present" -eq 1 ]; then
	exit 0
fi
ver=$(dpkg-query -W -f='${Version}' libdpdk-dev)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$cache"
tarball=$(ls "$cache"/dpdk_*.orig.tar.* 2>/dev/null | head -n 1 || true)
if [ -z "$tarball" ] || [ ! -f "$cache/.version-$ver" ]; then
	rm -f "$cache"/dpdk_* "$cache"/.version-*
	if ! (cd "$cache" && apt-get source -q --download-only "dpdk=$ver" >/dev/null); then
		echo "fetch-dpdk-sdk.sh: no dpdk=$ver source package from the apt mirror: put" \
			"${headers[*]##*/} of DPDK ${ver%%-*} in $dest by hand, then run this again" >&2
		exit 1
	fi
	touch "$cache/.version-$ver"
	tarball=$(ls "$cache"/dpdk_*.orig.tar.* | head -n 1)
fi
# The archive has one top folder (its name carries the version); tar stops early here.
top=$({ tar -tf "$tarball" || true; } | { head -n 1; cat >/dev/null; } | cut -d/ -f1)
members=()
for h in "${headers[@]}"; do members+=("$top/$h"); done
tar -xf "$tarball" -C "$work" "${members[@]}"
# Into a temporary folder first: a run stopped halfway leaves no partial DEST.
mkdir -p "$(dirname "$dest")"
rm -rf "$dest.tmp"
mkdir "$dest.tmp"
for h in "${headers[@]}"; do cp "$work/$top/$h" "$dest.tmp/"; done
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "fetch-dpdk-sdk.sh: DPDK $ver driver SDK headers in $dest"
