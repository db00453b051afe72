#!/usr/bin/env bash
# smtpfix watch following the real test Exim's main log while real clients
# send: Python's smtplib, swaks and smtpfix's own probe, each with the
# founding case's setting (no encryption, no login, on the cPanel-like
# port), with a wrong password, and correctly. Each attempt must appear
# with the right port, TLS, login and cause within 1 s of the client
# finishing. Then the log is rotated under the watch, by rename (Exim
# opens a new file itself) and by copytruncate, while a client keeps
# sending: no attempt may be lost. Then --since replays what happened.
set -uo pipefail

bin=${1:?usage: run.sh PATH-TO-SMTPFIX}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../exim/server.sh
source "$here/../exim/server.sh"

for tool in jq swaks python3; do
	command -v "$tool" >/dev/null || { echo "watch tests: $tool is missing; run 'make deps'" >&2; exit 1; }
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/smtpfix-watch.XXXXXX")
chmod 755 "$dir"
watch_pid=
cleanup() {
	[ -n "$watch_pid" ] && kill "$watch_pid" 2>/dev/null
	exim_stop "$dir"
	rm -rf "$dir"
}
trap cleanup EXIT

passed=0 failed=0
ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

if ! exim_start "$dir"; then
	echo "watch tests: FAILED to start the test Exim" >&2
	echo "watch: 0 passed, 1 failed"
	exit 1
fi
log="$dir/log/mainlog"
port=$EXIM_PORT_CPANEL
: >>"$log"
out="$dir/watch.jsonl"
user=tester@smtpfix-test.example

# shellcheck source=lib.sh
source "$here/lib.sh"
sel=".port == $port"

# The watch runs for the whole test; its JSON Lines are read as they come.
watch_start "$out" "$dir/watch.err" "$bin" watch --log "$log" --json --for 120s

founding_py='import smtplib,sys
s=smtplib.SMTP("127.0.0.1",int(sys.argv[1])); s.ehlo("PC")
try: s.sendmail(sys.argv[2],["x@example.net"],"Subject: t\r\n\r\nhi\r\n")
except Exception: pass'
login_py='import smtplib,ssl,sys
c=ssl.create_default_context(cafile=sys.argv[2])
s=smtplib.SMTP("127.0.0.1",int(sys.argv[1])); s.ehlo("PC"); s.starttls(context=c); s.ehlo("PC")
try:
    s.login(sys.argv[3],sys.argv[4]); s.sendmail(sys.argv[3],["x@example.net"],"Subject: t\r\n\r\nhi\r\n"); s.quit()
except Exception: s.close()'

# Python's smtplib
python3 -c "$founding_py" "$port" "$user" 2>/dev/null
expect "smtplib, founding case" "$sel" ".port == $port and .security == \"none\" and .login == \"none\" and .cause == \"auth-requires-tls\" and (.refused | test(\"SMTP AUTH is required\"))"
python3 -c "$login_py" "$port" "$EXIM_CA" "$user" wrong-password 2>/dev/null
expect "smtplib, wrong password" "$sel" ".port == $port and .security == \"starttls\" and .login == \"refused\" and .user == \"$user\" and .cause == \"wrong-credentials\""
python3 -c "$login_py" "$port" "$EXIM_CA" "$user" test-password 2>/dev/null
expect "smtplib, right setting" "$sel" ".port == $port and .security == \"starttls\" and .login == \"accepted\" and .messages == 1 and .cause == null"

# swaks
swaks --server 127.0.0.1 --port "$port" --from "$user" --to x@example.net --silent 2 >/dev/null 2>&1
expect "swaks, founding case" "$sel" ".port == $port and .tls == false and .login == \"none\" and .cause == \"auth-requires-tls\""
swaks --server 127.0.0.1 --port "$port" --from "$user" --to x@example.net --tls \
	--tls-ca-path "$EXIM_CA" --auth LOGIN --auth-user "$user" --auth-password nope --silent 2 >/dev/null 2>&1
expect "swaks, wrong password" "$sel" ".security == \"starttls\" and .login == \"refused\" and .cause == \"wrong-credentials\""
swaks --server 127.0.0.1 --port "$port" --from "$user" --to x@example.net --tls \
	--tls-ca-path "$EXIM_CA" --auth LOGIN --auth-user "$user" --auth-password test-password --silent 2 >/dev/null 2>&1
expect "swaks, right setting" "$sel" ".security == \"starttls\" and .login == \"accepted\" and .messages == 1"

# smtpfix's own probe: its login test with a wrong password is one of
# the attempts the watch sees.
echo wrong-password | "$bin" probe 127.0.0.1 --port "$port" --user "$user" --password-stdin \
	--ca-file "$EXIM_CA" --json >/dev/null 2>&1
sleep 1.5
if jq -s -e "map(select(.login == \"refused\" and .user == \"$user\" and .cause == \"wrong-credentials\")) | length >= 2" "$out" >/dev/null; then
	ok
else
	fail "the probe's wrong password was not seen as a refused login"
fi
seen_by[$sel]=$(count "$sel")

# Rotation under the watch while a client keeps sending: by rename (Exim
# opens a new main log itself), then by copytruncate.
sender() {
	local i
	for i in $(seq 1 "$1"); do python3 -c "$founding_py" "$port" "$user" 2>/dev/null; done
}
before=$(jq -s 'map(select(.cause == "auth-requires-tls")) | length' "$out")
sender 10 &
s1=$!
sleep 0.3
mv "$log" "$log.1"
wait "$s1"
sender 10 &
s2=$!
sleep 0.3
cp "$log" "$log-20261201" && : >"$log"
wait "$s2"
sleep 1.5
after=$(jq -s 'map(select(.cause == "auth-requires-tls")) | length' "$out")
if [ $((after - before)) -eq 20 ]; then ok; else
	fail "rotation: $((after - before)) of 20 attempts seen across a rename and a copytruncate"
fi

kill "$watch_pid" 2>/dev/null
wait "$watch_pid" 2>/dev/null
watch_pid=

# The wizard on the mail server, support role: after the probe it watches
# while the person sends with the founding case's setting; the answer then
# rests on what the server saw, and the saved report holds it.
mkdir -p "$dir/wizard"
# The person sends once the wizard watches (after its probe).
(for _ in $(seq 1 300); do grep -q "Watching" "$dir/wizard.out" 2>/dev/null && break; sleep 0.1; done
	python3 -c "$founding_py" "$port" "$user") &
sender=$!
printf '\n\n\n\n\n2\n' | timeout 90 "$bin" --plain --role tech --client thunderbird \
	--email "$user" --resolve smtpfix-test.example:127.0.0.1 --ca-file "$EXIM_CA" \
	--port-map "587=$port" --port-map "465=$EXIM_PORT_SMTPS" --log "$log" --watch-for 30 \
	--save --report-dir "$dir/wizard" >"$dir/wizard.out" 2>&1
wait "$sender"
flat=$(tr -s ' \n' '  ' <"$dir/wizard.out")
case $flat in
*"Watching $log for $user"*"Cause (auth-requires-tls)"*"Change Security: None -> STARTTLS"*) ok ;;
*) fail "wizard watch: the attempt and the answer from it are not shown: $(tail -40 "$dir/wizard.out")" ;;
esac
if grep -q "Seen on the server while they sent" "$dir"/wizard/*.txt &&
	jq -e '.seen_on_server | test("auth-requires-tls")' "$dir"/wizard/*.json >/dev/null; then
	ok
else
	fail "wizard watch: the saved report does not hold what the server saw"
fi
# The same in the full screen, in tmux at 80x24: the watch shows the
# attempt as it comes, then the answer from it; Esc is the way out.
if command -v tmux >/dev/null; then
	sock="smtpfix-watch-$$"
	T() { tmux -L "$sock" "$@"; }
	pane() { T capture-pane -p -t w 2>/dev/null; }
	wait_pane() { # TEXT: up to 10 s
		local i
		for i in $(seq 1 100); do pane | tr -s ' \n' '  ' | grep -qF -- "$1" && return 0; sleep 0.1; done
		return 1
	}
	T new-session -d -s w -x 80 -y 24 "TERM=screen $(printf '%q ' "$bin" --role tech --client thunderbird \
		--email "$user" --resolve smtpfix-test.example:127.0.0.1 --ca-file "$EXIM_CA" \
		--port-map "587=$port" --port-map "465=$EXIM_PORT_SMTPS" --log "$log" --watch-for 30 \
		--report-dir "$dir/wizard") 2>$dir/screen.err; echo EXIT=\$?; sleep 30"
	if wait_pane "What happens?"; then
		for _ in 1 2 3 4; do T send-keys -t w Enter; sleep 0.5; done
		wait_pane "Watch the server while they send?" && T send-keys -t w Enter
		if wait_pane "Esc or q: stop watching"; then
			python3 -c "$founding_py" "$port" "$user"
			if wait_pane "Cause (auth-requires-tls)" && wait_pane "Security: None -> STARTTLS" &&
				[ "$(pane | awk '{ if (length($0) > w) w = length($0) } END { print w + 0 }')" -le 80 ]; then
				ok
			else
				fail "screen watch: no attempt or answer: $(pane)"
			fi
		else
			fail "screen watch: the watch did not start: $(pane)"
		fi
	else
		fail "screen watch: the wizard did not start: $(pane)"
	fi
	T kill-server 2>/dev/null
else
	fail "tmux is missing (make deps installs it)"
fi

# While nothing happens the watch sleeps: a quiet minute of watching takes
# next to no processor time.
"$bin" watch --log "$dir/quiet.log" --for 3s >/dev/null 2>&1 &
qpid=$!
sleep 2.5
ticks=$(awk '{print $14 + $15}' "/proc/$qpid/stat" 2>/dev/null || echo 999)
wait "$qpid"
# (AddressSanitizer makes the start-up, the recognizer's knowledge, slower.)
idle_max=5
grep -qa __asan_init "$bin" && idle_max=60
if [ "$ticks" -le "$idle_max" ]; then ok; else fail "an idle watch used $ticks clock ticks in 2.5 s"; fi

# --since replays the period: every attempt above is in the current and
# rotated files (the watch reads the ones named).
total=$(wc -l <"$out")
"$bin" watch --log "$log.1" --log "$log" --since 1h --for 0 --json >"$dir/replay.jsonl" 2>/dev/null
replayed=$(wc -l <"$dir/replay.jsonl")
# The copytruncate copy holds lines also in neither file named: the lines
# of $log before the cut; so the replay sees at least those of .1 and now.
if [ "$replayed" -ge 10 ] && jq -e -s 'map(select(.cause == "auth-requires-tls")) | length >= 10' "$dir/replay.jsonl" >/dev/null; then
	ok
else
	fail "--since replayed $replayed attempts (followed: $total)"
fi
# A replay of a large log is searched in parts, a thread each: the
# customer's attempts at its start, around its middle (where a part ends)
# and at its end are all found, each whole, by address and by user.
python3 - "$dir/big.log" <<'PY'
import sys, time
now = time.time() - 600
def stamp(t): return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))
filler = " 1tXabc-0001JF-2o <= user{0}@example.com H=(PC) [198.51.100.{1}]:5{0:04d} I=[192.0.2.1]:587 P=esmtpsa X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no A=dovecot_login:user{0}@example.com S=2345\n"
def founding(t, port):
    return (f"{stamp(t)} SMTP connection from [203.0.113.9]:{port} I=[192.0.2.1]:587 (TCP/IP connection count = 1)\n"
            f"{stamp(t)} H=(PC) [203.0.113.9]:{port} I=[192.0.2.1]:587 F=<bob@example.com> rejected RCPT <x@example.net>: SMTP AUTH is required for message submission on port 587\n"
            f"{stamp(t)} SMTP connection from (PC) [203.0.113.9]:{port} I=[192.0.2.1]:587 closed by DROP in ACL\n")
with open(sys.argv[1], "w") as f:
    n = 200000
    for i in range(n):
        if i in (10, n // 2 - 1, n // 2, n // 2 + 1, n - 10):
            f.write(founding(now + i / 1000, 40000 + i % 1000))
        f.write(stamp(now + i / 1000) + filler.format(i % 5000, i % 250 + 1))
PY
for filter in "--ip 203.0.113.9" "--user bob@example.com"; do
	# shellcheck disable=SC2086
	"$bin" watch --log "$dir/big.log" $filter --since 1h --for 0 --json >"$dir/big.jsonl" 2>/dev/null
	if [ "$(jq -s 'map(select(.cause == "auth-requires-tls" and .dropped and .port == 587)) | length' "$dir/big.jsonl")" = 5 ] &&
		[ "$(wc -l <"$dir/big.jsonl")" = 5 ]; then
		ok
	else
		fail "large replay $filter: $(jq -c '[.address,.port,.dropped,.cause]' "$dir/big.jsonl" | tr '\n' ' ')"
	fi
done

# A system that logs only to the journal: entries written into a journal
# file by Debian's systemd-journal-remote (unpacked by tests/watch/fetch.sh)
# as the watch follows it through journalctl.
jr=$here/../../build/journal/root
if [ -x "$jr/lib/systemd/systemd-journal-remote" ]; then
	jlib=$jr/usr/lib/x86_64-linux-gnu:$jr/usr/lib/x86_64-linux-gnu/systemd
	command -v journalctl >/dev/null || export PATH=$jr/bin:$PATH LD_LIBRARY_PATH=$jlib
	jwrite() { # PID MESSAGE...: one Postfix submission entry per message
		local pid=$1 m
		shift
		for m in "$@"; do
			printf '__REALTIME_TIMESTAMP=%s\n__MONOTONIC_TIMESTAMP=%s\n_BOOT_ID=0123456789abcdef0123456789abcdef\n_HOSTNAME=mail\nSYSLOG_IDENTIFIER=postfix/submission/smtpd\n_PID=%s\nMESSAGE=%s\n\n' \
				"$(date +%s%6N)" "$RANDOM" "$pid" "$m"
		done | LD_LIBRARY_PATH=$jlib "$jr/lib/systemd/systemd-journal-remote" \
			--output="$dir/mail.journal" - 2>/dev/null
	}
	jwrite 100 "connect from unknown[203.0.113.30]" \
		"disconnect from unknown[203.0.113.30] ehlo=1 quit=1 commands=2"
	out=$dir/journal.jsonl
	watch_start "$out" "$dir/journal.err" "$bin" watch --journal-file "$dir/mail.journal" --json --for 60s
	jsel='.source == "postfix"'
	jwrite 101 "connect from unknown[203.0.113.31]" \
		"disconnect from unknown[203.0.113.31] ehlo=1 mail=0/1 rset=0/1 commands=1/3"
	expect "journal, founding case" "$jsel" '.address == "203.0.113.31" and .port == 587 and .security == "none" and .cause == "auth-requires-tls"'
	jwrite 102 "connect from unknown[203.0.113.32]" \
		"Anonymous TLS connection established from unknown[203.0.113.32]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)" \
		"warning: unknown[203.0.113.32]: SASL PLAIN authentication failed: authentication failure, sasl_username=bob@example.com" \
		"disconnect from unknown[203.0.113.32] ehlo=2 starttls=1 auth=0/1 quit=1 commands=4/5"
	expect "journal, wrong password" "$jsel" '.address == "203.0.113.32" and .security == "starttls" and .login == "refused" and .cause == "wrong-credentials"'
	kill "$watch_pid" 2>/dev/null
	wait "$watch_pid" 2>/dev/null
	watch_pid=
	# The journal's past: --since replays it (the entry before the watch too).
	"$bin" watch --journal-file "$dir/mail.journal" --since 1h --for 2s --json >"$dir/jreplay.jsonl" 2>/dev/null
	if jq -e -s 'map(.address) | index("203.0.113.30") != null and index("203.0.113.32") != null' "$dir/jreplay.jsonl" >/dev/null; then
		ok
	else
		fail "journal replay: $(jq -c '[.address,.cause]' "$dir/jreplay.jsonl" | tr '\n' ' ')"
	fi
	out=$dir/watch.jsonl
else
	fail "systemd-journal-remote is missing (make deps runs tests/watch/fetch.sh)"
fi

# --ip narrows the replay; an address that never came finds nothing, and
# with --for the watch says where the block must be.
"$bin" watch --log "$log.1" --ip 127.0.0.1 --since 1h --for 0 --json >"$dir/ip.jsonl" 2>/dev/null
if [ "$(wc -l <"$dir/ip.jsonl")" -ge 10 ]; then ok; else fail "--ip 127.0.0.1 found $(wc -l <"$dir/ip.jsonl") attempts"; fi
"$bin" watch --log "$log" --ip 203.0.113.77 --for 1s >"$dir/none.txt" 2>&1
rc=$?
if [ "$rc" -eq 1 ] && grep -q "Nothing from 203.0.113.77 reached this server" "$dir/none.txt"; then ok; else
	fail "nothing arrived: exit $rc, $(cat "$dir/none.txt")"
fi
# Bad input is refused with a clear message.
"$bin" watch --log "$log" --ip 'not-an-address' --for 0 >/dev/null 2>"$dir/bad.err"
if [ $? -eq 2 ] && grep -q "not an IPv4 or IPv6 address" "$dir/bad.err"; then ok; else fail "a bad --ip was not refused"; fi

echo "watch: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
