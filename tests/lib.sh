# Helpers for the shell suites (source it). A check must be able to fail:
# these fail when what they look at is missing, instead of passing on it.

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
