#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# release-suites.sh RELEASE [SUITE...]: build this work tree in RELEASE's build chroot
# (test/pkg/chroot.sh build: made once, cached under /var/cache/dpdk-netback) with warnings as
# errors, then run the meson SUITEs there (default: unit e2e). Root. The e2e suite's network
# namespaces and test bed run on the host's kernel, with /run and /dev/shm bound into the
# chroot. The build folder stays in the chroot (/root/dnb-build), so a second run rebuilds only
# what changed. Exits non-zero when the build or a test failed; the chroot's test log is copied
# to $DNB_BUILD/release-RELEASE-testlog.txt.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
r=${1:?usage: release-suites.sh RELEASE [SUITE...]}
shift
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(unit e2e)
chroot_sh=$top/test/pkg/chroot.sh
t0=$SECONDS
root=$("$chroot_sh" build "$r") || exit 1
echo "release-suites: $r build chroot: $((SECONDS - t0)) s"
src=$root/root/dnb-src
rm -rf --one-file-system "$src"
mkdir -p "$src"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top" && git ls-files -co --exclude-standard -z | tar -c --null -T - -f -)
else
	tar -C "$top" -c --exclude='./build*' --exclude='./obj-*' -f - .
fi | tar -C "$src" -xf -
args=()
for s in "${suites[@]}"; do args+=(--suite "$s"); done
t0=$SECONDS
DNB_CHROOT_RUN=1 "$chroot_sh" run "$root" bash -c '
	set -e
	b=/root/dnb-build
	[ -f $b/build.ninja ] || meson setup $b /root/dnb-src -Dwerror=true >/dev/null
	ninja -j1 -C $b >/root/dnb-ninja.log 2>&1 || { tail -n 40 /root/dnb-ninja.log; exit 1; }
	echo "release-suites: '"$r"' build: ok"
	cd $b
	meson test --print-errorlogs --num-processes 2 "$@"' bash "${args[@]}"
rc=$?
cp "$root/root/dnb-build/meson-logs/testlog.txt" \
	"${DNB_BUILD:-$top/build}/release-$r-testlog.txt" 2>/dev/null || true
echo "release-suites: $r build and ${suites[*]}: $((SECONDS - t0)) s, exit $rc"
exit "$rc"
