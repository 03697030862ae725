#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# build-and-install.sh [--build-only] [RELEASE...]: the Debian package, built and installed
# the way an admin gets it, for each RELEASE (default: bookworm trixie). Root. Ends with
# "pkg: N passed, N failed" and exits non-zero when a release failed.
#
# For each release:
#  1. build: dpkg-buildpackage -us -uc -b on a copy of this work tree, on the host when it runs
#     that release, else in the release's build chroot (test/pkg/chroot.sh build: made once,
#     cached under /var/cache/dpdk-netback); apt-get build-dep first, lintian after (an error
#     or a warning fails; the remaining tags are explained in debian/*.lintian-overrides);
#  2. install: a clean minimal chroot of the release (unpacked afresh from the cached
#     debootstrap tarball), apt-get install of the .deb, so that apt resolves its
#     dependencies from the archive;
#  3. check there: `dpdk-netback --help` runs from /usr/sbin and lists dpdk-netback's own
#     options; /etc/xen/scripts/vif-dpdk-netback is executable and runs ("remove" against
#     no xenstore is a clean no-op); the mempool ring plugin EAL loads is there (a
#     dependency no linker sees); the systemd unit is installed and not enabled; the
#     binary has no xensim_ symbol (its symbol table from the -dbgsym package, matched by
#     build-id); a reinstall (the upgrade path) and a purge run their maintainer scripts.
# The .debs are kept in $DNB_BUILD/pkg/RELEASE. Every step prints its time.
# --build-only: step 1 alone (run-xen-test.sh boots the package it installs from there).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${DNB_BUILD:-$top/build}/pkg
chroot_sh=$top/test/pkg/chroot.sh
build_only=0
[ "${1:-}" = --build-only ] && { build_only=1; shift; }
releases=("$@")
[ ${#releases[@]} -gt 0 ] || releases=(bookworm trixie)
host_release=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
passed=0
failed=0

log() { echo "pkg: $*"; }
step() { # step LABEL CMD...: run CMD, print how long it took
	local t0=$SECONDS rc=0
	"${@:2}" || rc=$?
	log "$1: $((SECONDS - t0)) s$([ "$rc" -eq 0 ] || echo ", FAILED (exit $rc)")"
	return "$rc"
}

quiet() { "$@" >/dev/null; } # quiet CMD...: CMD without its stdout (chroot.sh prints paths)

src_copy() { # src_copy DIR: this work tree's files (tracked and new, not ignored) into DIR
	mkdir -p "$1"
	if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
		(cd "$top" && git ls-files -co --exclude-standard -z | tar -c --null -T - -f -)
	else # an unpacked source tree: all but the build folders
		tar -C "$top" -c --exclude='./build*' --exclude='./obj-*' -f - .
	fi | tar -C "$1" -xf -
}

build_pkg() { # build_pkg RELEASE ROOT: build in ROOT (/ for the host), .debs to $out/RELEASE
	local r=$1 root=$2 work=/tmp/dnb-pkg-build
	remove_root "$root$work" || return 1
	src_copy "$root$work/src"
	local script="set -e
		cd $work/src
		apt-get install -y -q --no-install-recommends debhelper lintian fakeroot >/dev/null
		apt-get build-dep -y -q ./ >/dev/null
		dpkg-buildpackage -us -uc -b >../build.log 2>&1 || { tail -n 40 ../build.log; exit 1; }
		! grep -E '\.[ch]:[0-9]+:[0-9]+: warning:' ../build.log || { echo 'compiler warnings'; exit 1; }
		lintian --fail-on error,warning ../dpdk-netback_*.changes"
	if [ "$root" = / ]; then
		bash -c "$script"
	else
		"$chroot_sh" run "$root" bash -c "$script"
	fi || return 1
	rm -rf "${out:?}/$r"
	mkdir -p "$out/$r"
	cp "$root$work"/*.deb "$root$work/build.log" "$out/$r/"
	remove_root "$root$work"
}

check_installed() { # check_installed ROOT: the installed package, from inside ROOT
	"$chroot_sh" run "$1" bash -ec '
		fail() { echo "check: $*" >&2; exit 1; }
		help=$(/usr/sbin/dpdk-netback --help 2>&1) || fail "dpdk-netback --help: $help"
		grep -q -- "--marked-vifs" <<<"$help" || fail "--help lists no dpdk-netback option"
		s=/etc/xen/scripts/vif-dpdk-netback
		[ -x "$s" ] || fail "$s is not an executable file"
		XENBUS_PATH=/local/domain/0/backend/vif/5/0 "$s" remove || fail "$s remove failed"
		unit=$(ls /lib/systemd/system/dpdk-netback.service \
			/usr/lib/systemd/system/dpdk-netback.service 2>/dev/null | head -n 1)
		[ -n "$unit" ] || fail "no dpdk-netback.service"
		grep -q "^ExecStart=/usr/sbin/dpdk-netback " "$unit" || fail "$unit: ExecStart"
		en=$(find /etc/systemd -name dpdk-netback.service 2>/dev/null)
		[ -z "$en" ] || fail "the unit is enabled: $en"
		[ -f /etc/default/dpdk-netback ] || fail "no /etc/default/dpdk-netback"
		ls /usr/lib/*/dpdk-netback/librte_net_xenvif.so >/dev/null || fail "no PMD plugin"
		# EAL loads the pool driver as a plugin: a dependency the linker cannot see
		ls /usr/lib/*/dpdk/pmds-*/librte_mempool_ring.so.* >/dev/null 2>&1 ||
			fail "no librte_mempool_ring plugin: dpdk-netback could make no packet pool"
		[ -f /usr/share/man/man8/dpdk-netback.8.gz ] || fail "no dpdk-netback(8)"
		echo "check: all installed paths as expected"' || return 1
	# The symbol table, read with the host's binutils (a minimal chroot has none).
	local id dbg n
	id=$(readelf -n "$1/usr/sbin/dpdk-netback" | sed -n 's/.*Build ID: //p')
	dbg=$1/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug
	[ -n "$id" ] && [ -f "$dbg" ] || { echo "check: no symbol table for build-id '$id'" >&2; return 1; }
	[ "$(nm "$dbg" | wc -l)" -gt 100 ] || { echo "check: $dbg: too few symbols to tell" >&2; return 1; }
	n=$(nm "$dbg" | grep -c ' xensim_')
	[ "$n" -eq 0 ] || { echo "check: the installed binary has $n xensim_ symbols" >&2; return 1; }
	echo "check: the installed binary has no xensim_ symbol"
}

remove_root() { # remove_root DIR: a chroot that nothing is mounted in any more
	if grep -q " $1/" /proc/mounts; then
		echo "pkg: $1 still has mounts: left in place" >&2
		return 1
	fi
	rm -rf --one-file-system "$1"
}

install_test() { # install_test RELEASE: the package into a clean chroot of RELEASE
	local r=$1 root rc=0
	root=$(mktemp -d /var/tmp/dnb-pkg-install-"$r".XXXXXX)
	install_in "$r" "$root" || rc=$?
	remove_root "$root" || true
	return "$rc"
}

install_in() { # install_in RELEASE ROOT
	local r=$1 root=$2
	"$chroot_sh" fresh "$r" "$root" || return 1
	mkdir -p "$root/tmp/debs"
	cp "$out/$r"/*.deb "$root/tmp/debs/"
	# No service starts in a chroot (and none of the host's).
	printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
	chmod +x "$root/usr/sbin/policy-rc.d"
	"$chroot_sh" run "$root" bash -ec '
		apt-get update -q >/dev/null 2>&1
		apt-get install -y -q /tmp/debs/dpdk-netback_*.deb /tmp/debs/dpdk-netback-dbgsym_*.deb \
			> /tmp/install.log 2>&1 || { tail -n 30 /tmp/install.log; exit 1; }' || return 1
	check_installed "$root" || return 1
	"$chroot_sh" run "$root" bash -ec '
		apt-get install -y -q --reinstall /tmp/debs/dpdk-netback_*.deb >/dev/null 2>&1
		en=$(find /etc/systemd -name dpdk-netback.service)
		[ -z "$en" ] || { echo "check: enabled after an upgrade: $en" >&2; exit 1; }
		apt-get purge -y -q dpdk-netback dpdk-netback-dbgsym >/dev/null 2>&1
		[ ! -e /usr/sbin/dpdk-netback ] && [ ! -e /etc/default/dpdk-netback ] &&
			[ ! -e /etc/xen/scripts/vif-dpdk-netback ] ||
			{ echo "check: files left after purge" >&2; exit 1; }
		echo "check: reinstall (upgrade) and purge as expected"'
}

for r in "${releases[@]}"; do
	t0=$SECONDS
	ok=1
	if [ "$r" = "$host_release" ]; then
		step "$r: build on the host" build_pkg "$r" / || ok=0
	else
		root=
		step "$r: build chroot" quiet "$chroot_sh" build "$r" || ok=0
		[ $ok = 1 ] && root=$("$chroot_sh" build "$r")
		[ $ok = 1 ] && { step "$r: build in the chroot" build_pkg "$r" "$root" || ok=0; }
	fi
	if [ $build_only = 0 ]; then
		[ $ok = 1 ] && { step "$r: minimal chroot tarball" quiet "$chroot_sh" base "$r" || ok=0; }
		[ $ok = 1 ] && { step "$r: install and check" install_test "$r" || ok=0; }
	fi
	if [ $ok = 1 ]; then
		passed=$((passed + 1))
		log "$r: OK in $((SECONDS - t0)) s ($(ls "$out/$r"/dpdk-netback_*.deb))"
	else
		failed=$((failed + 1))
		log "$r: FAILED after $((SECONDS - t0)) s"
	fi
done
echo "pkg: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
