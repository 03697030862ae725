#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# chroot.sh: Debian chroots made with debootstrap from the host's apt mirror, cached under
# /var/cache/dpdk-netback so that a second run reuses them. Root.
#
#   chroot.sh base RELEASE          the minimal chroot's tarball (made once); prints its path
#   chroot.sh build RELEASE         the build chroot (base + config/install-deps.sh, the source
#                                   tree's deps, debhelper, lintian), made once; prints its path
#   chroot.sh fresh RELEASE DIR     unpack a clean minimal chroot of RELEASE into DIR
#   chroot.sh run DIR CMD...        run CMD in DIR with /proc, /sys, /dev and /dev/pts (and
#                                   /run and /dev/shm with DNB_CHROOT_RUN=1: the e2e suite)
#                                   bind-mounted for the command only
#
# RELEASE is a Debian suite debootstrap knows (bookworm, trixie). The mirror is the one the
# host's apt uses (the first http URI under /etc/apt/sources.list*, Debian's own by default):
# no other network is needed. DNB_CHROOT_CACHE overrides the cache folder.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${DNB_CHROOT_CACHE:-/var/cache/dpdk-netback}

mirror() { # the Debian mirror the host's apt uses
	local m
	m=$(grep -hoE '^(URIs:|deb) +http[^ ]*/debian/?( |$)' /etc/apt/sources.list \
		/etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
		awk '{print $2}' | head -n 1 || true)
	echo "${m:-http://deb.debian.org/debian}"
}

run() { # run DIR CMD...: CMD inside DIR, its mounts undone when it ends
	local dir=$1 m rc=0
	shift
	local mounts=(proc sys dev dev/pts) self=0
	# One command at a time in a chroot: the first to end would unmount the other's /proc.
	exec 7>"$dir/.dnb-run.lock"
	flock 7
	# Not /run by default: a maintainer script would reach the host's systemd through it.
	# The e2e suite's `ip netns exec` wants / to be a mount point: DIR bound onto itself.
	if [ "${DNB_CHROOT_RUN:-0}" = 1 ]; then
		mounts+=(run dev/shm)
		mountpoint -q "$dir" || { mount --bind "$dir" "$dir" && self=1; }
	fi
	# Undone when the command ends, or when this is stopped by a signal (once the command
	# it waits for has ended).
	# shellcheck disable=SC2064 # the folder and the list now
	trap "unmount '$dir' $self ${mounts[*]}; exit 143" TERM INT HUP
	for m in "${mounts[@]}"; do
		mkdir -p "$dir/$m"
		mountpoint -q "$dir/$m" || mount --bind "/$m" "$dir/$m"
	done
	# resolv.conf is copied so that apt reaches the mirror by name.
	cp -L /etc/resolv.conf "$dir/etc/resolv.conf" 2>/dev/null || true
	LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive chroot "$dir" "$@" || rc=$?
	trap - TERM INT HUP
	unmount "$dir" "$self" "${mounts[@]}"
	return "$rc"
}

unmount() { # unmount DIR SELF MOUNT...: what run mounted, the last first
	local dir=$1 self=$2 i
	shift 2
	local mounts=("$@")
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
		umount -l "$dir/${mounts[i]}" 2>/dev/null || true
	done
	[ "$self" = 0 ] || umount -l "$dir"
}

sources() { # sources RELEASE: the deb and deb-src lines of RELEASE for its chroot
	local r=$1 mu sec
	mu=$(mirror)
	sec=${mu%/debian}/debian-security
	cat <<SRC
Types: deb deb-src
URIs: $mu
Suites: $r $r-updates
Components: main non-free
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb deb-src
URIs: $sec
Suites: $r-security
Components: main non-free
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
}

base() { # base RELEASE: the tarball of a minimal chroot of RELEASE
	local r=$1 tar=$cache/chroot-$1-base.tar dir
	mkdir -p "$cache"
	exec 8>"$cache/.chroot-$r-base.lock" # two runs at once: the second waits, then reuses
	flock 8
	if [ ! -f "$tar" ]; then
		command -v debootstrap >/dev/null ||
			apt-get install -y -q --no-install-recommends debootstrap >/dev/null
		mkdir -p "$cache"
		dir=$(mktemp -d "$cache/.debootstrap-$r.XXXXXX")
		echo "chroot.sh: debootstrap $r (log: $cache/chroot-$r-base.log)" >&2
		debootstrap --variant=minbase "$r" "$dir" "$(mirror)" > "$cache/chroot-$r-base.log" 2>&1 ||
			{ tail -n 20 "$cache/chroot-$r-base.log" >&2; rm -rf --one-file-system "$dir"; return 1; }
		rm -f "$dir/etc/apt/sources.list"
		sources "$r" > "$dir/etc/apt/sources.list.d/debian.sources"
		run "$dir" apt-get update -q >> "$cache/chroot-$r-base.log" 2>&1
		run "$dir" apt-get clean
		tar -C "$dir" -cf "$tar.tmp" .
		mv "$tar.tmp" "$tar"
		rm -rf --one-file-system "$dir"
	fi
	echo "$tar"
}

fresh() { # fresh RELEASE DIR: a clean minimal chroot in DIR
	local tar
	tar=$(base "$1")
	mkdir -p "$2"
	tar -C "$2" -xf "$tar"
}

build() { # build RELEASE: the chroot with the build dependencies
	local r=$1 dir=$cache/chroot-$1
	mkdir -p "$cache"
	exec 9>"$cache/.chroot-$r.lock"
	flock 9
	if [ ! -f "$dir/.dnb-ready" ]; then
		rm -rf --one-file-system "$dir"
		# A run stopped halfway left $dir.tmp: install-deps.sh goes on from where it stood.
		[ -d "$dir.tmp" ] || fresh "$r" "$dir.tmp"
		mkdir -p "$dir.tmp/tmp/dnb-config" "$dir.tmp/var/cache/dpdk-netback"
		# The host's DPDK driver SDK headers, of every version it has: where the mirror lacks
		# the release's dpdk source package, fetch-dpdk-sdk.sh finds them put there by hand.
		cp -a /var/cache/dpdk-netback/sdk-* "$dir.tmp/var/cache/dpdk-netback/" 2>/dev/null || true
		cp "$top/config/install-deps.sh" "$top/config/fetch-dpdk-sdk.sh" "$dir.tmp/tmp/dnb-config/"
		echo "chroot.sh: the $r build chroot (log: $cache/chroot-$r.log)" >&2
		{ run "$dir.tmp" bash /tmp/dnb-config/install-deps.sh &&
			run "$dir.tmp" apt-get install -y -q --no-install-recommends \
				debhelper lintian fakeroot; } > "$cache/chroot-$r.log" 2>&1 ||
			{ tail -n 20 "$cache/chroot-$r.log" >&2; return 1; }
		run "$dir.tmp" apt-get clean
		rm -rf "$dir.tmp/tmp/dnb-config"
		touch "$dir.tmp/.dnb-ready"
		mv "$dir.tmp" "$dir"
	fi
	echo "$dir"
}

case ${1:-} in
base) base "$2" ;;
build) build "$2" ;;
fresh) fresh "$2" "$3" ;;
run) shift; run "$@" ;;
*) sed -n '3,15p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
