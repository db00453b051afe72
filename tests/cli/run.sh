#!/usr/bin/env bash
# The command line as a person meets it: exit statuses, one clear line for
# bad input, and make install honouring PREFIX and DESTDIR.
set -uo pipefail

bin=${1:?usage: run.sh PATH-TO-SMTPFIX}
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/smtpfix-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
printf 'q\n' >"$tmp/quit"

# status WANT DESCRIPTION -- ARGS... : run, compare the exit status; for
# status 2 the complaint must be exactly one line on stderr.
status() {
	local want=$1 what=$2 rc lines
	shift 3
	# "q" quits a wizard that does not stop at its options.
	"$bin" "$@" <"$tmp/quit" >"$tmp/out" 2>"$tmp/err"
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
[ "$rc" -eq 0 ] && grep -q "\[auth-requires-tls\]" "$tmp/out" && passed=$((passed + 1)) || { echo "FAIL [explain]" >&2; failed=$((failed + 1)); }
# What a person reads fits 80 columns and quotes the message as pasted.
"$bin" explain "Error: 550 SMTP AUTH is required for message submission on port 587 (client host [192.0.2.9] said so at great length, far past the end of one terminal line)" >"$tmp/out"
awk 'length($0) > 80 { bad = 1 } END { exit bad }' "$tmp/out" && grep -q 'because of: "Error: 550 SMTP AUTH is required' "$tmp/out" && passed=$((passed + 1)) || { echo "FAIL [explain: 80 columns, quoted as pasted]" >&2; failed=$((failed + 1)); }
printf 'nothing to see here' | "$bin" explain >"$tmp/out"
awk 'length($0) > 80 { bad = 1 } END { exit bad }' "$tmp/out" && grep -q 'smtpfix probe HOST' "$tmp/out" && passed=$((passed + 1)) || { echo "FAIL [explain: not recognized says what to try]" >&2; failed=$((failed + 1)); }
printf 'nothing to see here' | "$bin" explain --json >"$tmp/out"; rc=$?
[ "$rc" -eq 1 ] && jq -e '.causes == [] and (.next | test("whole message") and test("smtpfix probe"))' "$tmp/out" >/dev/null && passed=$((passed + 1)) || { echo "FAIL [explain unrecognized]" >&2; failed=$((failed + 1)); }
# Not recognized: no cause is invented, and the text says what to do next.
printf 'nothing to see here' | "$bin" explain >"$tmp/out"; rc=$?
[ "$rc" -eq 1 ] && grep -q "^Not recognized" "$tmp/out" && grep -q "whole message" "$tmp/out" &&
	passed=$((passed + 1)) || { echo "FAIL [explain unrecognized, text]" >&2; failed=$((failed + 1)); }
status 2 "explain without text" -- explain ""
# A name that starts several programs' ids names them.
"$bin" guide --client outlook >"$tmp/out" 2>&1; rc=$?
[ "$rc" -eq 2 ] && grep -q "outlook-classic, outlook-new, outlook-mac" "$tmp/out" &&
	passed=$((passed + 1)) || { echo "FAIL [guide --client outlook]" >&2; failed=$((failed + 1)); }
"$bin" guide --client thunderbird --host mail.example.com --security tls >"$tmp/out"; rc=$?
[ "$rc" -eq 0 ] && grep -q 'Step 4 of 8: Under "Security and Authentication", set "Connection security:" to' "$tmp/out" &&
	grep -q "port 465" "$tmp/out" && passed=$((passed + 1)) || { echo "FAIL [guide]" >&2; failed=$((failed + 1)); }
status 2 "guide unknown client" -- guide --client frobmail
status 2 "guide bad security" -- guide --client generic --security ssl
[ "$("$bin" guide --list | wc -l)" -eq 17 ] && passed=$((passed + 1)) || { echo "FAIL [guide --list]" >&2; failed=$((failed + 1)); }
# smtpfix code: 41H20-H196W is the code of known_code() in
# tests/unit/check_refcode.c (auth-requires-tls; port 587 with STARTTLS;
# 25, 465 and 587 work, 26 not tested, 2525 closed; the login accepted),
# which asserts that struct encodes to exactly this code.
status 0 "code" -- code 41H20-H196W
grep -qx "Reference  41H20-H196W" "$tmp/out" && grep -qx "Cause      auth-requires-tls: Login is offered only after encryption starts" "$tmp/out" &&
	grep -qx "Use        port 587, STARTTLS, login on" "$tmp/out" && grep -qx "Port 2525  closed or unreachable" "$tmp/out" &&
	grep -qx "Login test accepted" "$tmp/out" && passed=$((passed + 1)) || { echo "FAIL [code text]" >&2; failed=$((failed + 1)); }
status 0 "code read out loosely" -- code 41h2o h196w
grep -qx "Reference  41H20-H196W" "$tmp/out" && passed=$((passed + 1)) || { echo "FAIL [code read loosely]" >&2; failed=$((failed + 1)); }
status 0 "code --json" -- code 41H20-H196W --json
jq -e '.reference == "41H20-H196W" and .cause == "auth-requires-tls" and .setting.port == 587 and
	.setting.security == "starttls" and ([.ports[].class] == ["works", "not-tested", "works", "works", "closed"]) and
	.login_test == "accepted"' "$tmp/out" >/dev/null && passed=$((passed + 1)) || { echo "FAIL [code --json]" >&2; failed=$((failed + 1)); }
status 2 "code with one symbol misheard" -- code 41H20-H197W
grep -q "misheard" "$tmp/err" && passed=$((passed + 1)) || { echo "FAIL [code misheard: $(cat "$tmp/err")]" >&2; failed=$((failed + 1)); }
status 2 "code with two symbols swapped" -- code 41H20-H169W
status 2 "code with a symbol it does not use" -- code 41H2Z-H196W
grep -q "'Z'" "$tmp/err" && passed=$((passed + 1)) || { echo "FAIL [code names the bad symbol]" >&2; failed=$((failed + 1)); }
status 2 "code too short" -- code 41H20
status 2 "code missing" -- code
status 2 "code unknown option" -- code 41H20-H196W --frobnicate

# The override folder: a support team's edited text wins over the built-in one.
mkdir -p "$tmp/help/clients"
printf 'name: Our Mail\nlabel starttls: STARTTLS-X\nlabel tls: TLS-X\nlabel none: none\nauth on: on\nauth off: off\nstep: Ring the help desk about {host}.\n' \
	>"$tmp/help/clients/generic.txt"
SMTPFIX_HELP_DIR="$tmp/help" "$bin" guide --client generic --host h.example >"$tmp/out"
grep -q "Ring the help desk about h.example" "$tmp/out" && passed=$((passed + 1)) || { echo "FAIL [help override]" >&2; failed=$((failed + 1)); }

# An option that names a file or folder never takes an empty value: an
# empty --report-dir would write the reports into / . A value left off at
# the end, or an option where the value should be, is refused the same way.
for opt in --report-dir --ca-file --root --dns-server --client --email --host --scenario --now --timeout; do
	status 2 "wizard $opt empty" -- --plain --demo "$opt" ""
	status 2 "wizard $opt=" -- --plain --demo "$opt="
	status 2 "wizard $opt missing" -- --plain --demo "$opt"
done
status 2 "wizard --report-dir then an option" -- --plain --demo --report-dir --plain
# The demo sets its own ports and CA: a person's own are refused, not dropped.
status 2 "demo with --port-map" -- --plain --demo --port-map 587=2587
status 2 "demo with --ca-file" -- --plain --demo --ca-file /etc/hostname
for opt in --ca-file --dns-server --client --ehlo --rcpt --user --timeout --port-map; do
	status 2 "probe $opt empty" -- probe 127.0.0.1 "$opt" ""
	status 2 "probe $opt missing" -- probe 127.0.0.1 "$opt"
done
status 2 "discover --dns-server empty" -- discover example.test --dns-server ""
status 2 "discover --dns-server missing" -- discover example.test --dns-server
status 2 "lab --scenario empty" -- lab --scenario ""
status 2 "lab --listen empty" -- lab --listen ""
for opt in --client --host --user --port --security --auth; do
	status 2 "guide $opt empty" -- guide --client generic "$opt" ""
done
grep -q -- "--auth" "$tmp/err" && passed=$((passed + 1)) || { echo "FAIL [guide empty value names its option]" >&2; failed=$((failed + 1)); }

# A value echoed in a complaint is shown with its control characters and
# line breaks escaped: one line, no escape byte.
esc=$'\e[31m\e]0;pwned\a'
nl=$'\nsecond line'
raw_check() { # raw_check DESCRIPTION: the last stderr holds no ESC, BEL or bidi control
	if grep -q "$(printf '\033')" "$tmp/err" || grep -q "$(printf '\007')" "$tmp/err" ||
		grep -q "$(printf '\342\200\256')" "$tmp/err"; then
		echo "FAIL [$1: raw bytes on stderr]" >&2; failed=$((failed + 1))
	else
		passed=$((passed + 1))
	fi
}
echoed() { # echoed DESCRIPTION -- ARGS...: exit 2, one line, nothing raw
	local what=$1
	status 2 "$@"
	raw_check "$what"
}
bidi=$'x\u202egpj.exe'
echoed "probe --port" -- probe 127.0.0.1 --port "1$esc$nl"
echoed "probe --timeout" -- probe 127.0.0.1 --timeout "$esc$nl"
echoed "probe --port-map" -- probe 127.0.0.1 --port-map "587=$esc$nl"
echoed "probe --mode" -- probe 127.0.0.1 --mode "$esc$nl"
echoed "probe --client" -- probe 127.0.0.1 --client "$esc$nl"
echoed "probe --ca-file" -- probe 127.0.0.1 --ca-file "$tmp/$esc$nl"
echoed "probe --dns-server" -- probe someone@example.test --dns-server "$esc$nl"
echoed "probe --user" -- probe 127.0.0.1 --user "a$esc$nl" --password-stdin
echoed "probe, bidi in an option" -- probe 127.0.0.1 --mode "$bidi"
echoed "probe unknown option" -- probe 127.0.0.1 "--$esc$nl"
echoed "probe second host" -- probe 127.0.0.1 "$esc$nl"
echoed "unknown command" -- "$esc$nl"
echoed "wizard --timeout" -- --plain --timeout "$esc$nl"
echoed "wizard --now" -- --plain --now "$esc$nl"
echoed "wizard --root" -- --plain --root "$tmp/$esc$nl"
echoed "wizard --client" -- --plain --client "$esc$nl"
echoed "wizard --scenario" -- --plain --demo --scenario "$esc$nl"
echoed "wizard --dns-server" -- --plain --dns-server "$esc$nl"
echoed "wizard --port-map" -- --plain --port-map "$esc$nl"
echoed "wizard unknown option" -- --plain "--$esc$nl"
echoed "discover --dns-server" -- discover example.test --dns-server "$esc$nl"
echoed "discover --timeout" -- discover example.test --timeout "$esc$nl"
echoed "policy --since" -- policy --since "$esc$nl"
echoed "policy --root" -- policy --root "$tmp/$esc$nl"
echoed "lab --scenario" -- lab --scenario "$esc$nl"
echoed "guide --port" -- guide --client generic --port "$esc$nl"
echoed "guide --security" -- guide --client generic --security "$esc$nl"
echoed "guide --client" -- guide --client "$esc$nl"
echoed "explain unknown option" -- explain "--$esc$nl"
echoed "code with escapes" -- code "41H20$esc$nl"
echoed "code, bidi" -- code "$bidi"

# An international name is looked up by its A-labels, with both forms
# said; one that is no name at all (a space in it) is refused.
uu=$(printf '\303\274')
status 1 "discover an international name" -- discover "b${uu}cher.test" --dns-server "127.0.0.1:$closed_port" --timeout 0.5
grep -qF "International name: b${uu}cher.test is looked up as xn--bcher-kva.test." "$tmp/out" && grep -q "^DNS lookups for xn--bcher-kva.test" "$tmp/out" &&
	passed=$((passed + 1)) || { echo "FAIL [discover: both forms of an international name]" >&2; failed=$((failed + 1)); }
status 1 "discover an international name, JSON" -- discover "b${uu}cher.test" --dns-server "127.0.0.1:$closed_port" --timeout 0.5 --json
jq -e --arg typed "b${uu}cher.test" '.domain == "xn--bcher-kva.test" and .domain_typed == $typed' "$tmp/out" >/dev/null &&
	passed=$((passed + 1)) || { echo "FAIL [discover --json: both forms of an international name]" >&2; failed=$((failed + 1)); }
status 3 "probe an international name" -- probe "b${uu}cher.invalid" --port "$closed_port" --timeout 1
grep -qF "International name: b${uu}cher.invalid is looked up as xn--bcher-kva.invalid." "$tmp/out" &&
	passed=$((passed + 1)) || { echo "FAIL [probe: both forms of an international name]" >&2; failed=$((failed + 1)); }
status 2 "probe, a space in an international name" -- probe "b${uu} cher.test"
status 2 "discover, a space in an international name" -- discover "someone@b${uu} cher.test"

# The guide puts --user and --host into its steps: one with an escape or
# a line break is refused (it would forge a step or drive the terminal),
# and the complaint shows it escaped.
echoed "guide --user" -- guide --client thunderbird --user "me$esc$nl"
echoed "guide --host" -- guide --client thunderbird --host "mail$esc.example"
echoed "guide --user, bidi" -- guide --client thunderbird --user "$bidi"
"$bin" guide --client thunderbird --host "b$(printf '\303\274')cher.example" --user 'EXAMPLE\me' >"$tmp/out" 2>"$tmp/err"; rc=$?
[ "$rc" -eq 0 ] && grep -qF "to b$(printf '\303\274')cher.example and" "$tmp/out" &&
	passed=$((passed + 1)) || { echo "FAIL [guide: an international host name is kept]" >&2; failed=$((failed + 1)); }

# make install / uninstall into a staging folder.
dest="$tmp/stage"
if make -s -C "$top" install DESTDIR="$dest" PREFIX=/opt/smtpfix >/dev/null 2>"$tmp/err" &&
	[ -x "$dest/opt/smtpfix/bin/smtpfix" ] &&
	[ -f "$dest/opt/smtpfix/share/man/man1/smtpfix.1" ] &&
	[ -f "$dest/opt/smtpfix/share/smtpfix/help/probe.txt" ] &&
	[ -f "$dest/opt/smtpfix/share/bash-completion/completions/smtpfix" ] &&
	[ -f "$dest/opt/smtpfix/share/zsh/site-functions/_smtpfix" ]; then
	passed=$((passed + 1))
else
	echo "FAIL [install]: $(cat "$tmp/err")" >&2; failed=$((failed + 1))
fi
if make -s -C "$top" uninstall DESTDIR="$dest" PREFIX=/opt/smtpfix >/dev/null 2>&1 &&
	[ ! -e "$dest/opt/smtpfix/bin/smtpfix" ] && [ ! -e "$dest/opt/smtpfix/share/smtpfix" ] &&
	[ ! -e "$dest/opt/smtpfix/share/bash-completion/completions/smtpfix" ]; then
	passed=$((passed + 1))
else
	echo "FAIL [uninstall]" >&2; failed=$((failed + 1))
fi

# make dist: the committed tree with its version, which a build from the
# tarball (no git there) says too.
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	version=$("$bin" --version | sed -n 's/^smtpfix \([^ ]*\) .*/\1/p')
	mkdir -p "$tmp/dist"
	if make -s -C "$top" dist DISTDIR="$tmp/dist" >/dev/null 2>"$tmp/err" &&
		[ -f "$tmp/dist/smtpfix-$version.tar.gz" ] &&
		tar xzf "$tmp/dist/smtpfix-$version.tar.gz" -C "$tmp/dist" &&
		[ "$(cat "$tmp/dist/smtpfix-$version/VERSION")" = "$version" ] &&
		[ -f "$tmp/dist/smtpfix-$version/src/cli/main.c" ] && [ ! -e "$tmp/dist/smtpfix-$version/build" ] &&
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$tmp/dist/smtpfix-$version" -j"$(nproc)" SAN= FUZZ= STATIC= BUILD=build \
			build/smtpfix >/dev/null 2>>"$tmp/err" &&
		"$tmp/dist/smtpfix-$version/build/smtpfix" --version | grep -qF "smtpfix $version "; then
		passed=$((passed + 1))
	else
		echo "FAIL [dist: smtpfix-$version.tar.gz builds and says its version]: $(tail -n 5 "$tmp/err")" >&2
		failed=$((failed + 1))
	fi
fi

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
