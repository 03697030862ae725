# SPDX-License-Identifier: BSD-3-Clause
# Shared by the selftest suite: tests of the test tree's own verdicts. Each check runs a
# verdict on a case made to fail and expects both the failure and a message naming the cause.
#
#   . test/selftest/lib.sh
#   st_expect_fail "CASE" "CAUSE-REGEX" CMD...   # CMD must exit non-zero, its output match
#   st_expect_pass "CASE" CMD...                 # CMD must exit 0
#   st_serve_telemetry MODE                      # a fake telemetry socket (prefix "fake")
#   st_done                                      # the script's verdict: exit 1 on any miss
st_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
st_tmp=$(mktemp -d /tmp/dnb-selftest.XXXXXX)
st_fake=
trap '[ -z "$st_fake" ] || kill "$st_fake" 2>/dev/null; rm -rf "$st_tmp"' EXIT
st_bad=0
st_n=0

# st_report OK WHAT DETAIL OUT: count one check, print its line (and OUT's tail on a miss)
st_report() {
	st_n=$((st_n + 1))
	if [ "$1" = 1 ]; then
		echo "ok: $2: $3"
	else
		echo "MISS: $2: $3; output:"
		echo "$4" | tail -n 20 | sed 's/^/  | /'
		st_bad=$((st_bad + 1))
	fi
}

st_expect_fail() {
	local what=$1 cause=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		st_report 0 "$what" "passed (exit 0), a failure was expected" "$out"
	elif ! grep -Eq -- "$cause" <<<"$out"; then
		st_report 0 "$what" "failed (exit $rc) without naming the cause /$cause/" "$out"
	else
		st_report 1 "$what" "exit $rc, $(grep -Em1 -- "$cause" <<<"$out" | cut -c1-150)"
	fi
}

st_expect_pass() {
	local what=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	st_report $((rc == 0)) "$what" "$([ "$rc" -eq 0 ] && echo passed || echo "exit $rc, a pass was expected")" "$out"
}

# st_serve_telemetry MODE: (re)start a fake DPDK telemetry socket (fake_telemetry.py: silent,
# or reply:JSON) where test/e2e/lib.sh's readers look for dpdk-netback's (E2E_NAME "fake",
# RUNTIME_DIRECTORY in st_tmp; a 2 s timeout for the silent one, 20 s for one that answers,
# which a loaded machine may be slow to start the client for); the EXIT trap stops it.
st_serve_telemetry() {
	export RUNTIME_DIRECTORY=$st_tmp/run E2E_TELEMETRY_TIMEOUT=20
	[ "$1" = silent ] && E2E_TELEMETRY_TIMEOUT=2
	E2E_NAME=fake
	[ -z "$st_fake" ] || { kill "$st_fake"; wait "$st_fake" 2>/dev/null; }
	python3 "$st_top/test/selftest/fake_telemetry.py" \
		"$RUNTIME_DIRECTORY/dpdk/fake/dpdk_telemetry.v2" "$1" >"$st_tmp/fake.out" 2>&1 &
	st_fake=$!
	for _ in $(seq 50); do grep -q listening "$st_tmp/fake.out" 2>/dev/null && return; sleep 0.1; done
}

st_done() {
	echo "$((st_n - st_bad)) of $st_n selftest checks as expected"
	[ "$st_bad" -eq 0 ]
}
