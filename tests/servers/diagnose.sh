#!/usr/bin/env bash
# tests/servers/diagnose.sh PATH-TO-SMTPFIX
# What smtpfix concludes about real servers (servers.sh): for each case it
# runs `smtpfix probe ... --json` without a login, with the right password
# and with a wrong one, and checks what a careful administrator would
# conclude from the same conversation: the findings' causes, the recommended
# setting, the verdict (healthy, problem), the exit status, the server's kind
# and how long the run took.
#
# Cases:
#   1. Postfix, Debian's stock submission/submissions blocks, Dovecot SASL
#   2. the same Postfix with its SASL socket missing (AUTH broken server-side)
#   3. Dovecot's submission service (probed on 127.0.0.2)
#   4. OpenSMTPD, whose every TLS handshake fails on the server's side
#
# A server that is missing (tests/servers/fetch.sh not run) or does not start
# is a failure, never a skip. Must run as root (see servers.sh). The last
# line is "N passed, N failed"; the exit status is non-zero on any failure.
set -uo pipefail
# shellcheck disable=SC2016  # jq programs in single quotes

here=$(cd "$(dirname "$0")" && pwd)
bin=${1:?usage: diagnose.sh PATH-TO-SMTPFIX}
case "$bin" in /*) ;; *) bin=$PWD/$bin ;; esac

passed=0 failed=0
current=setup
fail() {
	echo "FAIL [$current]: $*" >&2
	failed=$((failed + 1))
}
pass() { passed=$((passed + 1)); }
finish() {
	echo "diagnose: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

[ -x "$bin" ] || { fail "no smtpfix binary at $bin (make BUILD=... first)"; finish; }
command -v jq >/dev/null || { fail "jq is missing (make deps)"; finish; }
[ "$(id -u)" -eq 0 ] || { fail "the servers need root (namespaces, their own users)"; finish; }
# shellcheck source=servers.sh
source "$here/servers.sh"

servers_workdir diagnose
mkdir -p "$tmp/cwd"
cd "$tmp/cwd" || exit 1

export SERVERS_AUTH_PASS='Diag-pass:5 y'
user=$SERVERS_AUTH_USER
wrong='Wrong-pass-9'
out=$tmp/out.json
# A whole probe, every port at once, with smtpfix's default timeout (10 s):
# what an administrator types. None may take longer than this.
limit_ms=30000
rc=0 ms=0

# probe NAME HOST [--password PASS] ARGS...: `smtpfix probe HOST --json
# ARGS` (the login test with --user and PASS on standard input when given).
# Keeps the JSON in $out, the exit status in $rc and the wall time in $ms.
# The run must end within $limit_ms and give a JSON document with exit 0 or 1.
probe() {
	local host pw="" t0
	current=$1 host=$2
	shift 2
	t0=$(srv_now_ms)
	if [ "${1:-}" = --password ]; then
		pw=$2
		shift 2
		printf '%s\n' "$pw" | timeout 120 "$bin" probe "$host" --json --user "$user" --password-stdin "$@" \
			>"$out" 2>"$tmp/err"
	else
		timeout 120 "$bin" probe "$host" --json "$@" </dev/null >"$out" 2>"$tmp/err"
	fi
	rc=$?
	ms=$(( $(srv_now_ms) - t0 ))
	echo "  [$current] exit $rc in $ms ms"
	if [ "$ms" -lt "$limit_ms" ]; then pass; else fail "the probe took $ms ms (limit $limit_ms)"; fi
	if [ "$rc" -gt 1 ] || ! jq -e '.targets and .diagnosis' "$out" >/dev/null 2>&1; then
		fail "smtpfix probe exit $rc, no JSON ($(head -c 300 "$tmp/err"))"
		echo '{"targets":[],"matrix":[],"diagnosis":{"findings":[],"server_options":[]}}' >"$out"
	else
		pass
	fi
}

# expect_rc N: the last probe's exit status (0 healthy, 1 problem).
expect_rc() {
	if [ "$rc" -eq "$1" ]; then pass; else
		fail "exit status $rc, expected $1 (healthy: $(jq -c .healthy "$out"), problem: $(jq -c .problem "$out"))"
	fi
}

# The jq helpers every expectation may use:
#   t(PURPOSE; PORT)        that connection
#   lt                      the login test's connection
#   cell(PORT; SEC; AUTH)   the matrix cell's outcome
#   causes                  the findings' cause ids
#   finding(CAUSE)          that finding
#   works                   the matrix cells that "work"
#   rcell                   the matrix cell of the recommended setting
jq_defs='
def t(p; n): [.targets[] | select(.purpose == p and .port == n)][0];
def lt: if .login_target == null then null else .targets[.login_target] end;
def cell(p; s; a): [.matrix[]? | select(.port == p and .security == s and .auth == a)][0].outcome;
def causes: [.diagnosis.findings[].cause];
def finding(c): [.diagnosis.findings[] | select(.cause == c)][0];
def works: [.matrix[]? | select(.outcome == "works")];
def rcell: .recommended as $r | if $r == null then null
	else [.matrix[]? | select(.port == $r.port and .security == $r.security and .auth == $r.auth)][0].outcome end;
'

# What a failed expectation prints: the conclusions smtpfix drew (once for
# each probe).
excerpted=
excerpt() {
	[ "$excerpted" != "$current" ] || return 0
	excerpted=$current
	jq -c '{healthy, problem, recommended: (.recommended | if . then {host, port, security, auth, why} else null end),
		server_kind: .diagnosis.server_kind,
		findings: [.diagnosis.findings[] | {cause, severity, evidence}],
		login: (if .login_target == null then null else .targets[.login_target] | {port, mode, outcome: .login.outcome, reply: .login.reply} end),
		matrix: [.matrix[]? | "\(.port)/\(.security)/\(if .auth then "auth" else "noauth" end)=\(.outcome)"]}' \
		"$out" 2>/dev/null | head -c 3000 >&2
	echo >&2
}

# expect JQ [WHY]: JQ is true for the last probe.
expect() {
	if jq -e "$jq_defs $1" "$out" >/dev/null 2>&1; then pass; else
		fail "${2:+$2: }$1"
		excerpt
	fi
}

# record LABEL JQ: print what smtpfix says (no verdict).
record() {
	echo "  [$current] $1: $(jq -c "$jq_defs $2" "$out" 2>/dev/null | head -c 2000)"
}

# start NAME FUNCTION DIR: start a server; a server that does not start (or
# is not unpacked) is a failure.
start() {
	local name=$1 fn=$2 dir=$3
	current="$name start"
	if "$fn" "$dir"; then
		pass
		return 0
	fi
	fail "$name did not start (tests/servers/fetch.sh run? see the output above)"
	return 1
}

# stop FUNCTION DIR SUB: stop it; nothing of it may be left running.
stop() {
	local fn=$1 dir=$2 sub=$3 left
	[ -s "$dir/$sub/unshare.pid" ] || return 0
	current="$sub stop"
	"$fn" "$dir"
	left=$(servers_processes_left "$dir" "$sub")
	if [ -z "$left" ]; then pass; else fail "processes left after stop: $left"; fi
}

# smtp_auth_before_tls HOST PORT: a raw conversation (no smtpfix): greeting,
# EHLO, then "AUTH PLAIN" with no initial response (no password is sent);
# prints the server's reply to AUTH.
smtp_auth_before_tls() {
	local host=$1 port=$2 fd line
	exec {fd}<>"/dev/tcp/$host/$port" || return 1
	IFS= read -r -t 5 -u "$fd" line || { exec {fd}>&-; return 1; }
	printf 'EHLO client.example\r\n' >&"$fd"
	while IFS= read -r -t 5 -u "$fd" line; do
		case "$line" in 250\ *) break ;; 2[0-9][0-9]-*) ;; *) break ;; esac
	done
	printf 'AUTH PLAIN\r\n' >&"$fd"
	IFS= read -r -t 5 -u "$fd" line
	printf '%s\n' "${line%$'\r'}"
	printf 'QUIT\r\n' >&"$fd"
	exec {fd}>&-
}

# Expectations shared by every case:
# - no setting is recommended unless its own cell "works" (no program is
#   walked to a setting that was seen to fail);
# - "healthy" and the exit status agree;
# - a server the probe calls healthy has no problem-severity finding.
common() {
	expect '.recommended == null or rcell == "works" or (lt != null and lt.login.outcome == "refused" and .recommended.port == lt.port and .recommended.security == (if lt.mode == "tls" then "tls" else lt.mode end))' \
		"the recommended setting must be one that works (or the login's own setting when the password was refused)"
	expect "(.healthy == true) == ($rc == 0)" "healthy and the exit status disagree"
	expect '.healthy == false or ([.diagnosis.findings[] | select(.severity == "problem")] | length) == 0' \
		"a healthy verdict next to a problem finding"
	# The password is only ever sent after TLS (never on a connection
	# without it): every client AUTH line comes after STARTTLS, or on a
	# connection that is TLS from the first byte.
	expect '[.targets[] | select(.transcript != null) | . as $x | [$x.transcript[] | select(.dir == "C")] as $c
		| ([$c | to_entries[] | select(.value.text | test("^AUTH"; "i")) | .key] | min) as $a
		| ([$c | to_entries[] | select(.value.text | test("^STARTTLS"; "i")) | .key] | min) as $s
		| $a == null or $x.mode == "tls" or ($s != null and $s < $a)] | all' \
		"a login was sent before TLS"
}

###########################################################################
# 1. Postfix with Debian's stock submission and submissions blocks
#    (smtpd_tls_security_level=encrypt, smtpd_tls_auth_only=yes), SASL
#    through Dovecot. Port 25 offers no AUTH at all; 587 and 465 offer AUTH
#    PLAIN LOGIN once TLS is up. A careful admin: nothing is wrong, login is
#    offered only after TLS (an info, not a problem), set the program to
#    STARTTLS on 587 (or SSL/TLS on 465) with authentication on.
pf=$tmp/pf
if start postfix postfix_start "$pf"; then
	ports=(--transcript --port 25 --port 587 --port 465 --port-map "25=$POSTFIX_PORT_SMTP"
		--port-map "587=$POSTFIX_PORT_SUBMISSION" --port-map "465=$POSTFIX_PORT_SUBMISSIONS"
		--ca-file "$POSTFIX_CA")
	postfix_options() {
		expect '.diagnosis.server_kind == "postfix"'
		expect '(.diagnosis.server_options | length) > 0 and ([.diagnosis.server_options[].text | test("Postfix|smtpd_|main\\.cf|master\\.cf")] | any)' \
			"the server-side options should speak Postfix's settings"
		expect '[.diagnosis.server_options[].text | test("WHM|cPanel|Exim|exim\\.conf"; "i")] | any | not' \
			"a Postfix server gets no WHM/cPanel/Exim advice"
		expect '[.diagnosis.server_options[] | select(.text | test("smtpd_tls_auth_only *= *no|without TLS"; "i")) | .weakens_security] | all' \
			"offering login without TLS must be flagged as weakening security"
	}

	probe "postfix: no login" 127.0.0.1 "${ports[@]}"
	expect_rc 0
	expect '.healthy == true and .problem == null'
	expect 'finding("auth-requires-tls") | .severity == "info" and (.evidence | any(test("before TLS.*no AUTH"))) and (.evidence | any(test("AUTH PLAIN LOGIN")))' \
		"AUTH only after TLS, as an info with the EHLO before/after TLS as evidence"
	expect '(causes - ["auth-requires-tls"]) == []' "no other cause applies"
	expect '.recommended | .host == "127.0.0.1" and .auth == true and .insecure == false and ((.port == 587 and .security == "starttls") or (.port == 465 and .security == "tls"))'
	expect 'cell(587; "starttls"; true) == "works" and cell(465; "tls"; true) == "works"'
	expect 'cell(587; "none"; true) == "auth-not-offered" and cell(25; "none"; true) == "auth-not-offered" and cell(25; "starttls"; true) == "auth-not-offered"' \
		"no login without TLS, and none on port 25 at all"
	expect 'cell(587; "none"; false) == "rejected" and cell(587; "starttls"; false) == "rejected" and cell(25; "none"; false) == "rejected"' \
		"mail without login is refused everywhere (Must issue a STARTTLS / Access denied / Relay access denied)"
	expect '[works[] | select(.security == "none" or .auth == false or .port == 25)] == []' \
		"only STARTTLS/SSL-TLS with login on 587/465 works"
	postfix_options
	common

	probe "postfix: right password" 127.0.0.1 --password "$SERVERS_AUTH_PASS" "${ports[@]}"
	expect_rc 0
	expect '.healthy == true and .problem == null'
	expect 'lt.login | .outcome == "ok" and .reply.code == 235 and .mail.code == 250 and .rcpt.code == 250'
	expect '.recommended | .host == "127.0.0.1" and .username == "tester@smtpfix-test.example" and ((.port == 587 and .security == "starttls") or (.port == 465 and .security == "tls"))'
	expect '.recommended.port == lt.port and .recommended.security == lt.mode and rcell == "works"' \
		"the recommended setting is the one the login was shown to work on"
	expect 'finding("auth-requires-tls").severity == "info" and (causes | index("wrong-credentials")) == null and (causes - ["auth-requires-tls"]) == []'
	postfix_options
	common

	probe "postfix: wrong password" 127.0.0.1 --password "$wrong" "${ports[@]}"
	expect_rc 1
	expect '.healthy == false and (.problem | test("login"))'
	expect 'lt.login | .outcome == "refused" and .reply.code == 535'
	expect 'finding("wrong-credentials") | .severity == "problem" and (.evidence | any(test("535")))'
	expect '(causes - ["wrong-credentials", "auth-requires-tls"]) == [] and (finding("auth-requires-tls") == null or finding("auth-requires-tls").severity == "info")' \
		"the only problem is the password"
	expect '.recommended.port == lt.port and .recommended.security == lt.mode and .recommended.auth == true and (.recommended.why | test("login was refused"))' \
		"the setting stays where the login was tried, saying the login was refused"
	expect 'lt as $l | cell($l.port; $l.mode; true) == "wrong-credentials"'
	expect '(works | length) == 0' "nothing works with a refused password"
	expect '[.matrix[] | select(.auth == true and ((.port == 587 and .security == "starttls") or (.port == 465 and .security == "tls")) and .outcome != "wrong-credentials")] | all(.outcome == "login-offered")' \
		"the other TLS settings with login only offer login (the same password will be refused there)"
	postfix_options
	common
fi
stop postfix_stop "$pf" postfix

###########################################################################
# 2. Postfix with SASL on but no Dovecot behind private/auth: smtpd dies on
#    the first EHLO after TLS on 587 and right after the handshake on 465.
#    No mail program setting can log in. smtpfix must not call anything
#    "works" or the server healthy; what it does say is recorded.
pfn=$tmp/pf-nosasl
if POSTFIX_NO_SASL_SOCKET=1 start "postfix (no SASL socket)" postfix_start "$pfn"; then
	ports=(--transcript --port 25 --port 587 --port 465 --port-map "25=$POSTFIX_PORT_SMTP"
		--port-map "587=$POSTFIX_PORT_SUBMISSION" --port-map "465=$POSTFIX_PORT_SUBMISSIONS"
		--ca-file "$POSTFIX_CA")
	nosasl() {
		expect '.healthy == false and .problem != null'
		expect '(works | length) == 0' "no setting can work when smtpd dies after TLS"
		expect '.recommended == null' "there is no working setting to recommend"
		expect '.diagnosis.server_kind == "postfix"'
		expect '[.diagnosis.findings[] | select(.severity == "problem")] | length > 0'
		record "findings" '[.diagnosis.findings[] | {cause, severity, confidence, evidence}]'
		record "problem" '.problem'
		record "submission cells" '[.matrix[] | select(.port != 25) | "\(.port)/\(.security)/\(.auth)=\(.outcome): \(.message)"]'
		record "policy auth" '[.policy[] | {port, status, auth}]'
		record "server_options" '[.diagnosis.server_options[].text]'
	}
	probe "postfix no SASL socket: no login" 127.0.0.1 "${ports[@]}"
	expect_rc 1
	nosasl
	common

	probe "postfix no SASL socket: right password" 127.0.0.1 --password "$SERVERS_AUTH_PASS" "${ports[@]}"
	expect_rc 1
	expect 'lt == null or lt.login.outcome != "ok"'
	expect '(causes | index("wrong-credentials")) == null' "the password was never refused"
	nosasl
	record "login" 'if lt == null then null else {port: lt.port, mode: lt.mode, outcome: lt.login.outcome, failure: lt.failure} end'
	common
fi
stop postfix_stop "$pfn" postfix

###########################################################################
# 3. Dovecot's submission service. Before TLS its EHLO lists a bare "AUTH "
#    with no mechanism, and AUTH is refused with 523 5.7.10; after STARTTLS
#    (or on the implicit-TLS port) AUTH PLAIN LOGIN. A careful admin: login
#    is offered only after TLS (the bare keyword offers nothing), set the
#    program to STARTTLS on 587 or SSL/TLS on 465.
dc=$tmp/dc
if start "dovecot submission" dovecot_submission_start "$dc"; then
	ports=(--transcript --port 587 --port 465 --port-map "587=$DOVECOT_PORT_SUBMISSION"
		--port-map "465=$DOVECOT_PORT_SUBMISSIONS" --ca-file "$DOVECOT_CA")

	# The server's own answer to a login before TLS (no smtpfix involved: it
	# never sends AUTH where no mechanism is offered), and what smtpfix makes
	# of that answer when an admin pastes it.
	current="dovecot: AUTH before TLS"
	reply=$(smtp_auth_before_tls "$DOVECOT_HOST" "$DOVECOT_PORT_SUBMISSION")
	if [ "$reply" = "523 5.7.10 Plaintext authentication disabled." ]; then pass; else
		fail "AUTH before TLS got \"$reply\", expected 523 5.7.10"
	fi
	if "$bin" explain "$reply" --json 2>/dev/null | jq -e '.causes[0].cause == "auth-requires-tls"' >/dev/null; then
		pass
	else
		fail "explain \"$reply\": $("$bin" explain "$reply" --json 2>&1 | jq -c '[.causes[]? | .cause]' 2>/dev/null)"
	fi

	dovecot_common() {
		expect '.diagnosis.server_kind == "dovecot"'
		expect 't("main"; 587) | (.ehlo.extensions | index("AUTH")) != null and .auth.before_tls == [] and .auth.after_tls == ["PLAIN", "LOGIN"]' \
			"the bare AUTH keyword before TLS is listed and offers no mechanism"
		expect 'cell(587; "none"; true) == "auth-not-offered"' \
			"a bare AUTH before TLS is not a login a program can use"
		expect '[works[] | select(.security == "none")] == []'
		expect '[.diagnosis.server_options[].text | test("WHM|cPanel|Exim|exim\\.conf"; "i")] | any | not'
		common
	}
	# The evidence for auth-requires-tls must describe the EHLO as it was:
	# it lists the AUTH keyword, with no mechanism (not "no AUTH").
	auth_evidence() {
		expect 'finding("auth-requires-tls") | .severity == "info" and ([.evidence[] | select(test("before TLS"))] | length > 0 and all(test("mechanism"; "i") and (test("lists no AUTH") | not)))' \
			"the evidence should say that EHLO before TLS lists AUTH with no mechanism (Dovecot's bare \"AUTH \"), not that it lists no AUTH"
	}

	probe "dovecot: no login" "$DOVECOT_HOST" "${ports[@]}"
	expect_rc 0
	expect '.healthy == true and .problem == null'
	expect '(causes - ["auth-requires-tls"]) == [] and (causes | index("auth-requires-tls")) != null'
	auth_evidence
	expect '.recommended | .host == "127.0.0.2" and .auth == true and ((.port == 587 and .security == "starttls") or (.port == 465 and .security == "tls"))'
	expect 'cell(587; "starttls"; true) == "works" and cell(465; "tls"; true) == "works"'
	expect 'cell(587; "none"; false) == "rejected" and cell(587; "starttls"; false) == "rejected"' \
		"530 5.7.0 Authentication required. without login"
	dovecot_common

	probe "dovecot: right password" "$DOVECOT_HOST" --password "$SERVERS_AUTH_PASS" "${ports[@]}"
	expect_rc 0
	expect '.healthy == true and .problem == null'
	expect 'lt.login | .outcome == "ok" and .reply == {"code": 235, "text": "2.7.0 Logged in."} and .mail.code == 250 and .rcpt.code == 250'
	expect '.recommended | .host == "127.0.0.2" and .username == "tester@smtpfix-test.example" and ((.port == 587 and .security == "starttls") or (.port == 465 and .security == "tls"))'
	expect '.recommended.port == lt.port and .recommended.security == lt.mode and rcell == "works"'
	expect '(causes - ["auth-requires-tls"]) == []'
	dovecot_common

	probe "dovecot: wrong password" "$DOVECOT_HOST" --password "$wrong" "${ports[@]}"
	expect_rc 1
	expect '.healthy == false and (.problem | test("login"))'
	expect 'lt.login | .outcome == "refused" and .reply == {"code": 535, "text": "5.7.8 Authentication failed."}'
	expect 'finding("wrong-credentials") | .severity == "problem" and (.evidence | any(test("535")))'
	expect '(causes - ["wrong-credentials", "auth-requires-tls"]) == []'
	expect '.recommended.port == lt.port and .recommended.security == lt.mode and (.recommended.why | test("login was refused"))'
	expect 'lt as $l | cell($l.port; $l.mode; true) == "wrong-credentials" and (works | length) == 0'
	expect '[.matrix[] | select(.auth == true and ((.port == 587 and .security == "starttls") or (.port == 465 and .security == "tls")) and .outcome != "wrong-credentials")] | all(.outcome == "login-offered")'
	dovecot_common
fi
stop dovecot_submission_stop "$dc" dovecot-submission

###########################################################################
# 4. OpenSMTPD: STARTTLS is agreed (220) on 25 and 587 and 465 expects TLS
#    at once, but every handshake fails on the server's side with alert 80
#    (internal error), after a valid, trusted certificate. A careful admin:
#    the server's TLS is broken; no program setting can help; nothing can
#    be said about login after TLS (no EHLO after TLS was ever seen).
os=$tmp/os
if start opensmtpd opensmtpd_start "$os"; then
	ports=(--transcript --port 25 --port 587 --port 465 --port-map "25=$OPENSMTPD_PORT_SMTP"
		--port-map "587=$OPENSMTPD_PORT_SUBMISSION" --port-map "465=$OPENSMTPD_PORT_SUBMISSIONS"
		--ca-file "$OPENSMTPD_CA")
	opensmtpd_common() {
		expect '.diagnosis.server_kind == "opensmtpd"'
		expect '.healthy == false and .problem != null'
		expect 'finding("server-tls-unavailable") | .severity == "problem" and (.evidence | any(test("internal error")))' \
			"every TLS handshake fails on the server's side (alert 80, internal error)"
		expect '[.targets[].tls.failure | select(. != null)] | index("server-error") != null' \
			"the handshake failures are classed as the server's own error, not searched for in words"
		expect '(causes | index("auth-not-offered")) == null' \
			"no EHLO after TLS was ever seen, so nothing says login is not offered; the cause is the server's TLS"
		expect '[works[] | select(.security == "starttls" or .security == "tls")] == [] and (works | length) == 0'
		expect '.recommended == null or (.recommended.security != "starttls" and .recommended.security != "tls" and rcell == "works")' \
			"no recommendation of a TLS setting that cannot work"
		expect '[cell(465; "none"; true), cell(465; "none"; false)] == ["hangs-no-greeting", "hangs-no-greeting"]' \
			"plain text on the implicit-TLS port waits for a greeting that never comes (seen: the plain try timed out)"
		expect 'cell(25; "none"; false) == "rejected" and cell(587; "none"; false) == "rejected"' \
			"mail without login was refused in plain text (550 Invalid recipient, 530 Must issue a STARTTLS command first)"
		record "findings" '[.diagnosis.findings[] | {cause, severity, evidence}]'
		record "server_options" '[.diagnosis.server_options[].text]'
		common
	}

	probe "opensmtpd: no login" 127.0.0.1 "${ports[@]}"
	expect_rc 1
	opensmtpd_common

	probe "opensmtpd: right password" 127.0.0.1 --password "$SERVERS_AUTH_PASS" "${ports[@]}"
	expect_rc 1
	expect 'lt == null or (lt.login.outcome != "ok" and lt.login.outcome != "refused")' "the login could not even be tried"
	expect '(causes | index("wrong-credentials")) == null'
	record "login" 'if lt == null then null else {port: lt.port, mode: lt.mode, outcome: lt.login.outcome} end'
	record "problem" '.problem'
	opensmtpd_common

	probe "opensmtpd: wrong password" 127.0.0.1 --password "$wrong" "${ports[@]}"
	expect_rc 1
	expect 'lt == null or (lt.login.outcome != "ok" and lt.login.outcome != "refused")'
	expect '(causes | index("wrong-credentials")) == null' "the password never reached the server"
	opensmtpd_common
fi
stop opensmtpd_stop "$os" opensmtpd

current=summary
finish
