#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# setup.sh [BUILDDIR]: install the dependencies (apt) and build dpdk-netback. Idempotent.
# Warnings are errors here, as in CI. Extra meson options may be given in DNB_MESON_OPTS.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
bash "$top/config/install-deps.sh"
if [ ! -f "$build/build.ninja" ]; then
	# shellcheck disable=SC2086 # DNB_MESON_OPTS is a list of options
	meson setup "$build" "$top" -Dwerror=true ${DNB_MESON_OPTS:-}
fi
ninja -C "$build"
