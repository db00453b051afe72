#!/usr/bin/env bash
# tests/servers/smoke.sh [PATH-TO-SMTPFIX]
# Starts each real server of servers.sh (Postfix, Postfix without its SASL
# socket, Dovecot submission, OpenSMTPD), probes it with smtpfix's own
# binary (default build-servers/smtpfix: `make BUILD=build-servers`),
# checks with jq what each really does, stops it and checks that nothing of
# it is left running. A server that is missing or does not start is a
# failure, never a skip. Run as root (see servers.sh). The last line is
# "N passed, N failed".
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bin=${1:-$top/build-servers/smtpfix}
case "$bin" in /*) ;; *) bin=$PWD/$bin ;; esac

passed=0 failed=0
current=setup
pass() { passed=$((passed + 1)); }
fail() {
	echo "FAIL [$current]: $*" >&2
	failed=$((failed + 1))
}
finish() {
	echo "servers: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

[ -x "$bin" ] || { fail "no smtpfix binary at $bin (make BUILD=build-servers)"; finish; }
command -v jq >/dev/null || { fail "jq is missing (make deps)"; finish; }
# shellcheck source=servers.sh
source "$here/servers.sh"

servers_workdir servers
# smtpfix runs from here, so nothing it might write lands in the repo.
mkdir -p "$tmp/cwd"
cd "$tmp/cwd" || exit 1

# The login all servers know; a password with a colon and a space shows
# that it reaches each server's user table intact.
export SERVERS_AUTH_PASS='Smoke-pass:7 x'
user=$SERVERS_AUTH_USER
wrong='Wrong-pass-9'
out=$tmp/out.json
timings=()

# probe NAME HOST [--password PASS] ARGS...: run `smtpfix probe HOST --json
# ARGS` (with PASS on standard input and --user when given); keep the JSON
# in $out. Exit 0 (healthy) and 1 (problem found) both count as ran.
probe() {
	local host rc pw=""
	current=$1 host=$2
	shift 2
	if [ "${1:-}" = --password ]; then
		pw=$2
		shift 2
		printf '%s\n' "$pw" | "$bin" probe "$host" --json --user "$user" --password-stdin "$@" \
			>"$out" 2>"$tmp/err"
	else
		"$bin" probe "$host" --json "$@" </dev/null >"$out" 2>"$tmp/err"
	fi
	rc=$?
	if [ "$rc" -gt 1 ] || ! jq -e '.targets' "$out" >/dev/null 2>&1; then
		fail "smtpfix probe exit $rc, no JSON ($(head -c 300 "$tmp/err"))"
		echo '{"targets":[]}' >"$out"
	else
		pass
	fi
}

# expect JQ: true for the last probe. t(PURPOSE; PORT) is that connection.
jq_defs='def t(p; n): [.targets[] | select(.purpose == p and .port == n)][0];'
expect() {
	if jq -e "$jq_defs $1" "$out" >/dev/null 2>&1; then
		pass
	else
		fail "$1"
		jq -c '[.targets[] | del(.transcript)]' "$out" 2>/dev/null | head -c 1500 >&2
		echo >&2
	fi
}

# start NAME FUNCTION DIR: start a server, record how long it took.
start() {
	local name=$1 fn=$2 dir=$3
	current="$name start"
	if "$fn" "$dir"; then
		pass
		timings+=("$name: started in ${SERVERS_START_MS} ms")
		return 0
	fi
	fail "$name did not start"
	return 1
}

# stop NAME FUNCTION DIR SUBDIR: stop it; nothing of it may be left running.
stop() {
	local name=$1 fn=$2 dir=$3 sub=$4 t0 left up
	current="$name stop"
	[ -s "$dir/$sub/unshare.pid" ] || return 0
	up=$(cat "$dir/$sub/unshare.pid")
	t0=$(srv_now_ms)
	"$fn" "$dir"
	timings+=("$name: stopped in $(( $(srv_now_ms) - t0 )) ms")
	left=$(servers_processes_left "$dir" "$sub")
	if kill -0 "$up" 2>/dev/null; then
		fail "its namespace (unshare pid $up) is still there after stop"
	elif [ -n "$left" ]; then
		fail "processes left after stop: $left"
	else
		pass
	fi
}

###########################################################################
# Postfix: Debian's stock submission/submissions blocks, SASL via Dovecot.
pf=$tmp/pf
if start postfix postfix_start "$pf"; then
	ports=(--port 25 --port 587 --port 465 --port-map "25=$POSTFIX_PORT_SMTP"
		--port-map "587=$POSTFIX_PORT_SUBMISSION" --port-map "465=$POSTFIX_PORT_SUBMISSIONS"
		--ca-file "$POSTFIX_CA")
	probe "postfix no login" 127.0.0.1 "${ports[@]}"
	expect 't("main"; 25).banner == {"code": 220, "text": "smtpfix-test.example ESMTP Postfix (Debian/GNU)"}'
	expect 't("main"; 25) | (.ehlo.extensions | index("STARTTLS")) != null and .starttls.reply.code == 220 and .tls.ok and .tls.verify == "ok"'
	expect 't("main"; 25).auth == {"before_tls": [], "after_tls": []}'
	expect 't("main"; 25).rcpt_without_auth | .code == 454 and (.text | test("Relay access denied"))'
	expect 't("main"; 587) | .auth.before_tls == [] and .auth.after_tls == ["PLAIN", "LOGIN"]'
	expect 't("plain"; 587).mail_without_auth | .code == 530 and .text == "5.7.0 Must issue a STARTTLS command first"'
	expect 't("main"; 587).rcpt_without_auth | .code == 554 and (.text | test("Recipient address rejected: Access denied"))'
	expect 't("main"; 465) | .mode == "tls" and .tls.ok and .banner.code == 220 and .auth.after_tls == ["PLAIN", "LOGIN"]'

	probe "postfix login 587" 127.0.0.1 --password "$SERVERS_AUTH_PASS" "${ports[@]:2}"
	expect 't("login"; 587).login | .outcome == "ok" and .reply.code == 235 and .reply.text == "2.7.0 Authentication successful"'
	expect 't("login"; 587).login | .mail.code == 250 and .rcpt.code == 250'

	probe "postfix login 465" 127.0.0.1 --password "$SERVERS_AUTH_PASS" --port 465 \
		--port-map "465=$POSTFIX_PORT_SUBMISSIONS" --ca-file "$POSTFIX_CA"
	expect 't("login"; 465).login | .outcome == "ok" and .reply.code == 235 and .rcpt.code == 250'

	probe "postfix wrong password" 127.0.0.1 --password "$wrong" --port 587 \
		--port-map "587=$POSTFIX_PORT_SUBMISSION" --ca-file "$POSTFIX_CA"
	expect 't("login"; 587).login | .outcome == "refused" and .reply.code == 535 and .reply.text == "5.7.8 Error: authentication failed: (reason unavailable)"'
fi
stop postfix postfix_stop "$pf" postfix

###########################################################################
# Postfix with SASL on but no auth socket: smtpd dies when it needs SASL.
pfn=$tmp/pf-nosasl
if POSTFIX_NO_SASL_SOCKET=1 start "postfix (no SASL socket)" postfix_start "$pfn"; then
	probe "postfix no SASL socket" 127.0.0.1 --password "$SERVERS_AUTH_PASS" --port 587 --port 465 \
		--port-map "587=$POSTFIX_PORT_SUBMISSION" --port-map "465=$POSTFIX_PORT_SUBMISSIONS" \
		--ca-file "$POSTFIX_CA"
	# 587: greeting, EHLO and STARTTLS work; the EHLO after TLS (the first
	# time smtpd needs its SASL mechanisms) gets the connection dropped.
	expect 't("main"; 587) | .banner.code == 220 and .tls.ok and .ehlo_tls == null and .failure.step == "ehlo_tls"'
	expect '[.targets[] | select(.purpose == "login")] | all(.login.outcome != "ok")'
	# 465: the TLS handshake works, then the connection closes: no greeting.
	expect 't("main"; 465) | .banner == null and .failure.step == "greeting" and .failure.error == "closed"'
fi
stop "postfix (no SASL socket)" postfix_stop "$pfn" postfix

###########################################################################
# Dovecot submission on 127.0.0.2 (probed from 127.0.0.1), relaying to a
# smtp-sink.
dc=$tmp/dc
if start "dovecot submission" dovecot_submission_start "$dc"; then
	ports=(--port 587 --port 465 --port-map "587=$DOVECOT_PORT_SUBMISSION"
		--port-map "465=$DOVECOT_PORT_SUBMISSIONS" --ca-file "$DOVECOT_CA")
	probe "dovecot no login" "$DOVECOT_HOST" "${ports[@]}"
	expect 't("main"; 587).banner == {"code": 220, "text": "smtpfix-test.example Dovecot (Debian) ready."}'
	expect 't("main"; 587) | .starttls.reply == {"code": 220, "text": "2.0.0 Begin TLS negotiation now."} and .tls.ok'
	# Before TLS Dovecot still lists a bare "AUTH" keyword with no mechanism.
	expect 't("main"; 587) | (.ehlo.extensions | index("AUTH")) != null and .auth.before_tls == [] and .auth.after_tls == ["PLAIN", "LOGIN"]'
	expect 't("plain"; 587).mail_without_auth | .code == 530 and .text == "5.7.0 Authentication required."'
	expect 't("main"; 465) | .tls.ok and .banner.code == 220 and .auth.after_tls == ["PLAIN", "LOGIN"]'

	probe "dovecot login 587" "$DOVECOT_HOST" --password "$SERVERS_AUTH_PASS" "${ports[@]}"
	expect 't("login"; 587).login | .outcome == "ok" and .reply == {"code": 235, "text": "2.7.0 Logged in."}'
	expect 't("login"; 587).login | .mail.code == 250 and .rcpt.code == 250'

	probe "dovecot login 465" "$DOVECOT_HOST" --password "$SERVERS_AUTH_PASS" --port 465 \
		--port-map "465=$DOVECOT_PORT_SUBMISSIONS" --ca-file "$DOVECOT_CA"
	expect 't("login"; 465).login | .outcome == "ok" and .reply.code == 235 and .rcpt.code == 250'

	probe "dovecot wrong password" "$DOVECOT_HOST" --password "$wrong" --port 587 \
		--port-map "587=$DOVECOT_PORT_SUBMISSION" --ca-file "$DOVECOT_CA"
	expect 't("login"; 587).login | .outcome == "refused" and .reply == {"code": 535, "text": "5.7.8 Authentication failed."}'
fi
stop "dovecot submission" dovecot_submission_stop "$dc" dovecot-submission

###########################################################################
# OpenSMTPD: Debian 12's build fails every TLS handshake on the server side.
os=$tmp/os
if start opensmtpd opensmtpd_start "$os"; then
	# --timeout 3: smtpfix's plain-text try on the implicit-TLS port waits
	# for a greeting that never comes.
	ports=(--timeout 3 --port 25 --port 587 --port 465 --port-map "25=$OPENSMTPD_PORT_SMTP"
		--port-map "587=$OPENSMTPD_PORT_SUBMISSION" --port-map "465=$OPENSMTPD_PORT_SUBMISSIONS"
		--ca-file "$OPENSMTPD_CA")
	probe "opensmtpd no login" 127.0.0.1 "${ports[@]}"
	expect 't("main"; 25).banner == {"code": 220, "text": "smtpfix-test.example ESMTP OpenSMTPD"}'
	expect 't("main"; 587) | (.ehlo.extensions | index("STARTTLS")) != null and .starttls.reply == {"code": 220, "text": "2.0.0 Ready to start TLS"}'
	expect 't("main"; 587) | .tls.ok == false and .tls.error == "tlsv1 alert internal error" and .failure.step == "tls"'
	expect 't("main"; 25) | .tls.ok == false and .tls.error == "tlsv1 alert internal error"'
	expect 't("main"; 465) | .tls.ok == false and .tls.error == "tlsv1 alert internal error" and .banner == null'
	expect 't("plain"; 587).mail_without_auth | .code == 530 and .text == "5.5.1 Invalid command: Must issue a STARTTLS command first"'
	expect 't("plain"; 25).rcpt_without_auth | .code == 550 and .text == "Invalid recipient: <smtpfix-relay-test@example.net>"'
	expect '[t("main"; 25), t("main"; 587)] | all(.auth.before_tls == [])'

	probe "opensmtpd login" 127.0.0.1 --password "$SERVERS_AUTH_PASS" "${ports[@]:2}"
	expect '[.targets[] | select(.purpose == "login")] | all(.login.outcome != "ok" and .failure.step == "tls")'
fi
stop opensmtpd opensmtpd_stop "$os" opensmtpd

current=summary
for t in "${timings[@]}"; do echo "$t"; done
finish
