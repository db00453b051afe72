#!/usr/bin/env bash
# The command line as a person meets it: exit statuses, one clear line for
# bad input, and make install honouring PREFIX and DESTDIR.
set -uo pipefail

bin=${1:?usage: run.sh PATH-TO-SMTPFIX}
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/smtpfix-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

# status WANT DESCRIPTION -- ARGS... : run, compare the exit status; for
# status 2 the complaint must be exactly one line on stderr.
status() {
	local want=$1 what=$2 rc lines
	shift 3
	"$bin" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	lines=$(wc -l <"$tmp/err")
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL [$what]: exit $rc, expected $want: $(cat "$tmp/err")" >&2
		failed=$((failed + 1))
	elif [ "$want" -eq 2 ] && [ "$lines" -ne 1 ]; then
		echo "FAIL [$what]: expected one line on stderr, got $lines" >&2
		failed=$((failed + 1))
	else
		passed=$((passed + 1))
	fi
}

# A port nothing listens on.
closed_port=$(( 40000 + RANDOM % 20000 ))
while (exec 3<>"/dev/tcp/127.0.0.1/$closed_port") 2>/dev/null; do closed_port=$((closed_port + 1)); done

status 0 "help" -- --help
status 0 "probe help" -- probe --help
status 0 "version" -- --version
grep -q "^smtpfix [0-9]" "$tmp/out" && passed=$((passed + 1)) || { echo "FAIL [version text]" >&2; failed=$((failed + 1)); }
status 2 "no host" -- probe
status 2 "two hosts" -- probe a.example b.example
status 2 "bad host" -- probe 'bad host!'
status 2 "port out of range" -- probe 127.0.0.1 --port 70000
status 2 "port not a number" -- probe 127.0.0.1 --port 58x
status 2 "unknown mode" -- probe 127.0.0.1 --mode ssl
status 2 "unknown option" -- probe 127.0.0.1 --frobnicate
status 2 "bad timeout" -- probe 127.0.0.1 --timeout 0
status 2 "bad port map" -- probe 127.0.0.1 --port-map 587
status 2 "unreadable CA file" -- probe 127.0.0.1 --ca-file "$tmp/none.pem"
status 2 "CA file with plain mode" -- probe 127.0.0.1 --mode plain --ca-file /etc/hosts
status 2 "rcpt and no-rcpt-test" -- probe 127.0.0.1 --rcpt a@b.example --no-rcpt-test
status 2 "injection in recipient" -- probe 127.0.0.1 --rcpt $'a@b.example>\r\nDATA'
status 2 "unknown command" -- frobnicate
status 3 "refused port" -- probe 127.0.0.1 --port "$closed_port" --timeout 2
grep -q "refused" "$tmp/out" && passed=$((passed + 1)) || { echo "FAIL [refused text]" >&2; failed=$((failed + 1)); }
status 3 "refused port, json" -- probe 127.0.0.1 --port "$closed_port" --json
if command -v jq >/dev/null && jq -e '.targets[0].connect.error == "refused" and .targets[0].banner == null' "$tmp/out" >/dev/null; then
	passed=$((passed + 1))
else
	echo "FAIL [refused json]" >&2; failed=$((failed + 1))
fi

# explain and guide.
"$bin" explain "550 SMTP AUTH is required for message submission on port 587" >"$tmp/out"; rc=$?
[ "$rc" -eq 0 ] && grep -q "auth-requires-tls" "$tmp/out" && passed=$((passed + 1)) || { echo "FAIL [explain]" >&2; failed=$((failed + 1)); }
printf 'nothing to see here' | "$bin" explain --json >"$tmp/out"; rc=$?
[ "$rc" -eq 1 ] && jq -e '.causes == []' "$tmp/out" >/dev/null && passed=$((passed + 1)) || { echo "FAIL [explain unrecognized]" >&2; failed=$((failed + 1)); }
status 2 "explain without text" -- explain ""
"$bin" guide --client thunderbird --host mail.example.com --security tls >"$tmp/out"; rc=$?
[ "$rc" -eq 0 ] && grep -q 'Step 4 of 7: Under "Security and Authentication", set "Connection security:" to' "$tmp/out" &&
	grep -q "port 465" "$tmp/out" && passed=$((passed + 1)) || { echo "FAIL [guide]" >&2; failed=$((failed + 1)); }
status 2 "guide unknown client" -- guide --client frobmail
status 2 "guide bad security" -- guide --client generic --security ssl
[ "$("$bin" guide --list | wc -l)" -eq 17 ] && passed=$((passed + 1)) || { echo "FAIL [guide --list]" >&2; failed=$((failed + 1)); }
# The override folder: a support team's edited text wins over the built-in one.
mkdir -p "$tmp/help/clients"
printf 'name: Our Mail\nlabel starttls: STARTTLS-X\nlabel tls: TLS-X\nlabel none: none\nauth on: on\nauth off: off\nstep: Ring the help desk about {host}.\n' \
	>"$tmp/help/clients/generic.txt"
SMTPFIX_HELP_DIR="$tmp/help" "$bin" guide --client generic --host h.example >"$tmp/out"
grep -q "Ring the help desk about h.example" "$tmp/out" && passed=$((passed + 1)) || { echo "FAIL [help override]" >&2; failed=$((failed + 1)); }

# make install / uninstall into a staging folder.
dest="$tmp/stage"
if make -s -C "$top" install DESTDIR="$dest" PREFIX=/opt/smtpfix >/dev/null 2>"$tmp/err" &&
	[ -x "$dest/opt/smtpfix/bin/smtpfix" ] &&
	[ -f "$dest/opt/smtpfix/share/man/man1/smtpfix.1" ] &&
	[ -f "$dest/opt/smtpfix/share/smtpfix/help/probe.txt" ]; then
	passed=$((passed + 1))
else
	echo "FAIL [install]: $(cat "$tmp/err")" >&2; failed=$((failed + 1))
fi
if make -s -C "$top" uninstall DESTDIR="$dest" PREFIX=/opt/smtpfix >/dev/null 2>&1 &&
	[ ! -e "$dest/opt/smtpfix/bin/smtpfix" ] && [ ! -e "$dest/opt/smtpfix/share/smtpfix" ]; then
	passed=$((passed + 1))
else
	echo "FAIL [uninstall]" >&2; failed=$((failed + 1))
fi

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
