#!/usr/bin/env bash
# smtpfix watch on the real Postfix (with Dovecot's SASL behind it) and on
# Dovecot's own submission service, unpacked from Debian's packages and
# run privately (tests/servers/servers.sh; root). Python's smtplib sends
# with the founding case's setting, with a wrong password, and correctly;
# each attempt must appear within 1 s with the right port, TLS, login,
# the login service's reason and the cause. Postfix writes its own log
# (maillog_file), Dovecot its log_path: both are followed at once.
set -uo pipefail

bin=${1:?usage: servers.sh PATH-TO-SMTPFIX}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../servers/servers.sh
source "$here/../servers/servers.sh"
# shellcheck source=lib.sh
source "$here/lib.sh"

command -v jq >/dev/null || { echo "watch servers: jq is missing; run 'make deps'" >&2; exit 1; }

passed=0 failed=0
ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/smtpfix-watch-servers.XXXXXX")
chmod 755 "$dir"
watch_pid=
cleanup() {
	[ -n "$watch_pid" ] && kill "$watch_pid" 2>/dev/null
	postfix_stop "$dir"
	dovecot_submission_stop "$dir"
	rm -rf "$dir"
}
trap cleanup EXIT

if ! postfix_start "$dir" || ! dovecot_submission_start "$dir"; then
	echo "watch servers: FAILED to start the test Postfix and Dovecot" >&2
	echo "watch servers: 0 passed, 1 failed"
	exit 1
fi
user=$SERVERS_AUTH_USER
pass=${SERVERS_AUTH_PASS:-Test-pass-1}
out=$dir/watch.jsonl
# The servers' start-up checks are logged first; the watch starts after.
sleep 1

send='import smtplib,ssl,sys
host,port,ca,how,u,p=sys.argv[1],int(sys.argv[2]),sys.argv[3],sys.argv[4],sys.argv[5],sys.argv[6]
s=smtplib.SMTP(host,port,timeout=10); s.ehlo("PC")
try:
    if how!="founding":
        s.starttls(context=ssl.create_default_context(cafile=ca)); s.ehlo("PC")
        s.auth("PLAIN", lambda challenge=None: "\0" + u + "\0" + p, initial_response_ok=True)
    s.sendmail(u,["tester@smtpfix-test.example"],"Subject: t\r\n\r\nhi\r\n"); s.quit()
except Exception: s.close()'

watch_start "$out" "$dir/watch.err" "$bin" watch --json --for 120s \
	--log "$dir/postfix/maillog" --log "$dir/postfix/dovecot.log" \
	--log "$dir/dovecot-submission/dovecot.log" || exit 1

# Postfix: Debian's stock submission service (TLS required, login after it).
pf=".source == \"postfix\" and .port == 587"
python3 -c "$send" 127.0.0.1 "$POSTFIX_PORT_SUBMISSION" "$POSTFIX_CA" founding "$user" "$pass"
expect "postfix, founding case" "$pf" '.security == "none" and .login == "none" and .refused != null and .cause == "auth-requires-tls"'
python3 -c "$send" 127.0.0.1 "$POSTFIX_PORT_SUBMISSION" "$POSTFIX_CA" login "$user" wrong-password
expect "postfix, wrong password" "$pf" ".security == \"starttls\" and .login == \"refused\" and .user == \"$user\" and .login_reason == \"Password mismatch\" and .cause == \"wrong-credentials\""
python3 -c "$send" 127.0.0.1 "$POSTFIX_PORT_SUBMISSION" "$POSTFIX_CA" login "$user" "$pass"
expect "postfix, right setting" "$pf" '.security == "starttls" and .login == "accepted" and .messages == 1 and .cause == null'
# Implicit TLS on the submissions service, and a plain-text client there.
python3 -c 'import socket,sys,time
c=socket.create_connection(("127.0.0.1",int(sys.argv[1]))); c.sendall(b"EHLO PC\r\n"); time.sleep(0.5); c.close()' "$POSTFIX_PORT_SUBMISSIONS"
expect "postfix, plain text on 465" ".source == \"postfix\" and .port == 465" '.login == "none" and .cause == "tls-mode-mismatch"'

# Dovecot's submission service (plain-text login not allowed).
dv='.source == "dovecot" and .protocol == "smtp"'
python3 -c "$send" "$DOVECOT_HOST" "$DOVECOT_PORT_SUBMISSION" "$DOVECOT_CA" founding "$user" "$pass"
expect "dovecot, founding case" "$dv" '.security == "none" and .login == "none" and .cause == "auth-requires-tls"'
python3 -c "$send" "$DOVECOT_HOST" "$DOVECOT_PORT_SUBMISSION" "$DOVECOT_CA" login "$user" wrong-password
expect "dovecot, wrong password" "$dv" ".tls == true and .login == \"refused\" and .user == \"$user\" and .login_reason == \"Password mismatch\" and .cause == \"wrong-credentials\""
python3 -c "$send" "$DOVECOT_HOST" "$DOVECOT_PORT_SUBMISSION" "$DOVECOT_CA" login "$user" "$pass"
expect "dovecot, right setting" "$dv" '.tls == true and .login == "accepted" and .cause == null'

kill "$watch_pid" 2>/dev/null
wait "$watch_pid" 2>/dev/null
watch_pid=

# --user over both logs: the replay finds this user's attempts of both
# servers, and the reasons join across the files.
"$bin" watch --user "$user" --since 1h --for 0 --json --log "$dir/postfix/maillog" \
	--log "$dir/postfix/dovecot.log" --log "$dir/dovecot-submission/dovecot.log" >"$dir/user.jsonl" 2>/dev/null
if jq -e -s 'map(select(.login == "refused" and .login_reason == "Password mismatch")) | length == 2' "$dir/user.jsonl" >/dev/null &&
	jq -e -s 'map(select(.login == "accepted")) | length == 2' "$dir/user.jsonl" >/dev/null; then
	ok
else
	fail "--user replay: $(jq -c '[.source,.login,.login_reason]' "$dir/user.jsonl" | tr '\n' ' ')"
fi

echo "watch servers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
