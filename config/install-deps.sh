#!/usr/bin/env bash
# Install everything dpdk-netback needs to build and test on Debian 12 (bookworm) or Debian 13
# (trixie), whichever this machine runs. Idempotent: a second run changes nothing and finishes
# quickly.
#
# What it does, and why:
#  - adds the 'non-free' component to apt's sources: Debian ships netperf only there;
#  - adds deb-src lines for this release (unless it has them): Debian's libdpdk-dev lacks DPDK's driver SDK headers
#    (ethdev_driver.h, ethdev_vdev.h, bus_vdev_driver.h, ...), which a vdev PMD needs; the
#    source package of the very same DPDK version has them;
#  - installs the build and test dependencies with apt;
#  - unpacks those SDK headers to /var/cache/dpdk-netback/sdk-<DPDK version>
#    (fetch-dpdk-sdk.sh), where meson looks for them: configuring downloads nothing.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: must run as root (apt-get, network namespaces)" >&2
	exit 1
fi

sources=/etc/apt/sources.list.d/debian.sources
extra=/etc/apt/sources.list.d/dpdk-netback.sources
changed=0
if [ -f "$sources" ] && ! grep -q '^Components:.*non-free\( \|$\)' "$sources"; then
	sed -i 's/^Components: main$/Components: main non-free/' "$sources"
	changed=1
fi
if [ ! -f "$sources" ] && ! grep -qs 'non-free' /etc/apt/sources.list; then
	sed -i 's/^\(deb .* main\)$/\1 non-free/' /etc/apt/sources.list
	changed=1
fi
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
if [ ! -f "$extra" ] && ! grep -qsE "^(Types:.*deb-src|deb-src .* $codename )" \
	/etc/apt/sources.list /etc/apt/sources.list.d/*; then
	cat > "$extra" <<SRC
# Added by dpdk-netback's config/install-deps.sh: DPDK's driver SDK headers come from the
# dpdk source package of the installed version.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $codename $codename-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: $codename-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	changed=1
fi

# The clang runtime (libFuzzer, sanitizers) is versioned by the release's default clang.
case $codename in
bookworm) clang_rt=libclang-rt-14-dev ;;
*) clang_rt=libclang-rt-19-dev ;; # trixie
esac
pkgs=(
	build-essential pkg-config meson ninja-build python3 python3-pyelftools
	libdpdk-dev dpdk-dev dpdk libxen-dev libcmocka-dev libpcap-dev libbsd-dev
	clang "$clang_rt" lld
	iproute2 iputils-ping tcpdump xenstore-utils netperf iperf3 ethtool kmod procps psmisc coreutils xz-utils dpkg-dev
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "$changed" -eq 1 ] || [ "${#missing[@]}" -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
fi
if [ "${#missing[@]}" -gt 0 ]; then
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
bash "$(dirname "$0")/fetch-dpdk-sdk.sh"
echo "install-deps.sh: all dependencies present"
