# Helpers for the shell suites (source it): the counters, check and
# finish, and checks that fail when what they look at is missing instead
# of passing on it.

passed=0 failed=0 current=

# check DESCRIPTION COMMAND...: one check; a failure is named on stderr.
# A suite may define check_failed to show more (the screen, the JSON).
check() {
	current=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
	else
		echo "FAIL [$current]" >&2
		failed=$((failed + 1))
		if declare -F check_failed >/dev/null; then check_failed; fi
	fi
}

# finish LABEL: the suite's summary line, and its status.
finish() {
	echo "$1: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

# absent [GREP-OPTIONS] PATTERN FILE...: every FILE (or folder, with -r)
# exists, and none holds PATTERN. grep's "not found" is the only pass; a
# missing file or any grep error fails.
absent() {
	local opts=() pat f rc
	while [ $# -gt 0 ] && [ "${1#-}" != "$1" ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	[ "${1:-}" = -- ] && shift
	pat=${1:?absent: no pattern}; shift
	[ $# -gt 0 ] || { echo "  absent: no file to look in" >&2; return 1; }
	for f in "$@"; do
		[ -e "$f" ] && [ -r "$f" ] || { echo "  absent: $f does not exist" >&2; return 1; }
	done
	grep -q "${opts[@]}" -- "$pat" "$@"
	rc=$?
	case $rc in
	1) return 0 ;;
	0) echo "  absent: '$pat' found in: $(grep -l "${opts[@]}" -- "$pat" "$@" | tr '\n' ' ')" >&2; return 1 ;;
	*) echo "  absent: grep failed ($rc) on $*" >&2; return 1 ;;
	esac
}

# present FILE...: every FILE exists and is not empty.
present() {
	local f
	[ $# -gt 0 ] || return 1
	for f in "$@"; do [ -s "$f" ] || { echo "  present: $f is missing or empty" >&2; return 1; }; done
}
