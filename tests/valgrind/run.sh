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

# smtpfix watch: a replay of a small Exim log written minutes ago (the
# founding case, a wrong password, a message sent under TLS), then a
# watch of a log that grows and is rotated by rename while it runs.
ago() { date -d "-$1 min" '+%Y-%m-%d %H:%M:%S'; }
exim_attempts() { # exim_attempts STAMP PORT: three attempts' lines from client port PORT on
	local t=$1 p=$2
	cat <<EOF
$t SMTP connection from (PC) [203.0.113.5]:$p I=[192.0.2.10]:587 (TCP/IP connection count = 1)
$t H=(PC) [203.0.113.5]:$p I=[192.0.2.10]:587 F=<u@example.com> rejected RCPT <x@example.net>: SMTP AUTH is required for message submission on port 587
$t SMTP connection from (PC) [203.0.113.5]:$p I=[192.0.2.10]:587 closed by DROP in ACL
$t SMTP connection from (laptop) [198.51.100.7]:$((p + 1)) I=[192.0.2.10]:587 (TCP/IP connection count = 1)
$t dovecot_login authenticator failed for (laptop) [198.51.100.7]:$((p + 1)) I=[192.0.2.10]:587: 535 Incorrect authentication data (set_id=bob@example.com)
$t SMTP connection from (laptop) [198.51.100.7]:$((p + 1)) I=[192.0.2.10]:587 lost D=1s
$t SMTP connection from (PC) [203.0.113.9]:$((p + 2)) I=[192.0.2.10]:587 (TCP/IP connection count = 1)
$t 1tXabe-000Abc-Xy <= u@example.com H=(PC) [203.0.113.9]:$((p + 2)) I=[192.0.2.10]:587 P=esmtpsa X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no A=dovecot_login:u@example.com S=1234
$t SMTP connection from (PC) [203.0.113.9]:$((p + 2)) I=[192.0.2.10]:587 closed by QUIT
EOF
}
{ exim_attempts "$(ago 50)" 40000; exim_attempts "$(ago 20)" 41000; exim_attempts "$(ago 5)" 42000; } >"$dir/replay.log"
vg watch-replay watch --log "$dir/replay.log" --since 1d --for 0 --json </dev/null
[ "$(grep -c '"cause":"auth-requires-tls"' "$dir/watch-replay.out")" -eq 3 ] &&
	[ "$(grep -c '"cause":"wrong-credentials"' "$dir/watch-replay.out")" -eq 3 ] &&
	passed=$((passed + 1)) || { echo "FAIL [watch replayed 9 attempts]" >&2; cat "$dir/watch-replay.out" >&2; failed=$((failed + 1)); }

# The writer waits for the watch to say it is watching (valgrind starts
# slowly), appends for a while, renames the log away and starts a new one.
: >"$dir/live.log"
(
	for _ in $(seq 1 100); do grep -q Watching "$dir/watch-live.out" 2>/dev/null && break; sleep 0.1; done
	for i in 0 1 2; do exim_attempts "$(ago 0)" $((50000 + i * 10)) >>"$dir/live.log"; sleep 0.15; done
	mv "$dir/live.log" "$dir/live.log.1"
	for i in 3 4 5; do exim_attempts "$(ago 0)" $((50000 + i * 10)) >>"$dir/live.log"; sleep 0.15; done
) &
writer=$!
vg watch-live watch --log "$dir/live.log" --for 2s </dev/null
wait "$writer"
[ "$(grep -c 'Cause (auth-requires-tls)' "$dir/watch-live.out")" -ge 4 ] &&
	passed=$((passed + 1)) || { echo "FAIL [watch followed the log through its rotation]" >&2; cat "$dir/watch-live.out" >&2; failed=$((failed + 1)); }

echo "valgrind: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
