# SPDX-License-Identifier: BSD-3-Clause
# Shared by the selftest suite: tests of the test tree's own verdicts. Each check runs a
# verdict on a case made to fail and expects both the failure and a message naming the cause.
#
#   . test/selftest/lib.sh
#   st_expect_fail "CASE" "CAUSE-REGEX" CMD...   # CMD must exit non-zero, its output match
#   st_expect_pass "CASE" CMD...                 # CMD must exit 0
#   st_done                                      # the script's verdict: exit 1 on any miss
st_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
st_tmp=$(mktemp -d /tmp/dnb-selftest.XXXXXX)
trap 'rm -rf "$st_tmp"' EXIT
st_bad=0
st_n=0

st_expect_fail() {
	local what=$1 cause=$2 out rc
	shift 2
	st_n=$((st_n + 1))
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "MISS: $what: passed (exit 0), a failure was expected; output:"
		echo "$out" | tail -n 20 | sed 's/^/  | /'
		st_bad=$((st_bad + 1))
	elif ! grep -Eq -- "$cause" <<<"$out"; then
		echo "MISS: $what: failed (exit $rc) without naming the cause /$cause/; output:"
		echo "$out" | tail -n 20 | sed 's/^/  | /'
		st_bad=$((st_bad + 1))
	else
		echo "ok: $what: exit $rc, $(grep -Em1 -- "$cause" <<<"$out" | cut -c1-150)"
	fi
}

st_expect_pass() {
	local what=$1 out rc
	shift
	st_n=$((st_n + 1))
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "MISS: $what: exit $rc, a pass was expected; output:"
		echo "$out" | tail -n 20 | sed 's/^/  | /'
		st_bad=$((st_bad + 1))
	else
		echo "ok: $what: passed"
	fi
}

st_done() {
	echo "$((st_n - st_bad)) of $st_n selftest checks as expected"
	[ "$st_bad" -eq 0 ]
}
