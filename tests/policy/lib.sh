# Shared by the smtpfix policy test scripts (sourced): a private folder
# $dir (mode 0755, so a run as nobody can reach it; removed at exit), the
# counters, and fail / ok / expect / finish. $out is the JSON an expect
# reads; $expect_show is the jq filter shown when one fails.

# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

# policy_setup NAME
policy_setup() {
	dir=$(mktemp -d "${TMPDIR:-/tmp}/smtpfix-$1.XXXXXX")
	trap 'rm -rf "$dir"' EXIT
	chmod 755 "$dir"
	passed=0 failed=0 current=
	expect_show=${expect_show:-.}
}

fail() { echo "FAIL [$current]: $*" >&2; failed=$((failed + 1)); }
ok() { passed=$((passed + 1)); }

# expect JQ: a jq test on $out; $dir is there as $dir.
expect() {
	if jq -e --arg dir "$dir" "$1" "$out" >/dev/null 2>&1; then
		ok
	else
		fail "$1"
		jq -c "$expect_show" "$out" 2>/dev/null | head -c 1500 >&2
		echo >&2
	fi
}

# finish LABEL: the summary line, and the status.
finish() {
	echo "$1: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
