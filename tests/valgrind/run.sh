#!/usr/bin/env bash
# valgrind memcheck on whole runs: no invalid reads or writes, no use of
# uninitialised values, no definite or indirect leaks. A full probe of the
# real Exim with a login, a scripted plain wizard run with a login, re-test
# and saved report, smtpfix policy on a server tree with its logs, and
# explain.
set -uo pipefail

bin=${1:?usage: run.sh PATH-TO-SMTPFIX}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../exim/server.sh
source "$here/../exim/server.sh"
command -v valgrind >/dev/null || { echo "valgrind: missing (make deps installs it)" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/smtpfix-vg.XXXXXX")
chmod 755 "$dir"
trap 'exim_stop "$dir/exim"; rm -rf "$dir"' EXIT
passed=0 failed=0

vg() { # vg NAME ARGS...: run smtpfix under memcheck, standard input as given
	local name=$1; shift
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--show-leak-kinds=definite,indirect --log-file="$dir/$name.vg" "$bin" "$@" >"$dir/$name.out" 2>&1
	local rc=$?
	if [ "$rc" -ne 99 ] && [ ! -s "$dir/$name.vg" ]; then
		passed=$((passed + 1))
	else
		echo "FAIL [$name] (exit $rc):" >&2
		cat "$dir/$name.vg" >&2
		failed=$((failed + 1))
	fi
}

mkdir -p "$dir/exim" "$dir/reports"
exim_start "$dir/exim" || { echo "valgrind: the test Exim did not start" >&2; exit 1; }
# Standard input from files, not pipes: vg must run in this shell to count.
printf 'test-password\n' >"$dir/password"
printf '\n\n5\n\n2\n2\n\npractice-2026\n\n\n\n\n\n\n\n\n\n\n' >"$dir/answers"
vg probe probe 127.0.0.1 --json --transcript --timeout 5 --ca-file "$EXIM_CA" \
	--port 587 --port 465 --port 26 --port 2525 \
	--port-map "587=$EXIM_PORT_CPANEL" --port-map "465=$EXIM_PORT_SMTPS" \
	--port-map "26=$EXIM_PORT_NOTLS" --port-map "2525=$EXIM_PORT_OPEN" \
	--user tester@smtpfix-test.example --password-stdin <"$dir/password"
grep -q '"outcome": *"ok"' "$dir/probe.out" && passed=$((passed + 1)) ||
	{ echo "FAIL [probe logged in]" >&2; failed=$((failed + 1)); }

vg wizard --demo --plain --save --report-dir "$dir/reports" <"$dir/answers"
grep -q "Login          ok (PLAIN)" "$dir/wizard.out" && ls "$dir"/reports/*.json >/dev/null 2>&1 &&
	passed=$((passed + 1)) || { echo "FAIL [wizard logged in and saved]" >&2; failed=$((failed + 1)); }

vg policy policy </dev/null --root "$here/../fixtures/servers/cpanel-secure" --log "$here/../fixtures/logs/exim_mainlog" --json
vg explain explain "550 SMTP AUTH is required for message submission on port 587" </dev/null

echo "valgrind: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
