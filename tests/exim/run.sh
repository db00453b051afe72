#!/usr/bin/env bash
# The probe against a real Exim on loopback, in four policies. Each case
# runs smtpfix the way a person would (--json, --port-map) and checks the
# JSON against what that Exim really does. Exim must start: a missing or
# broken Exim fails the run.
set -uo pipefail

bin=${1:?usage: run.sh PATH-TO-SMTPFIX}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=server.sh
source "$here/server.sh"

command -v jq >/dev/null || { echo "exim tests: jq is missing; run 'make deps'" >&2; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/smtpfix-exim.XXXXXX")
cleanup() { exim_stop "$dir"; rm -rf "$dir"; }
trap cleanup EXIT

if ! exim_start "$dir"; then
	echo "exim tests: FAILED to start the test Exim" >&2
	echo "exim: 0 passed, 1 failed"
	exit 1
fi

passed=0 failed=0
out="$dir/out.json"

# probe NAME EXPECTED-EXIT ARGS... : run smtpfix, keep its JSON in $out.
probe() {
	local name=$1 want=$2 rc
	shift 2
	current=$name
	"$bin" probe 127.0.0.1 --json "$@" >"$out" 2>"$dir/err"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "exit status $rc, expected $want ($(head -c 300 "$dir/err"))"
	fi
}

fail() {
	echo "FAIL [$current]: $*" >&2
	failed=$((failed + 1))
}

# expect JQ-EXPRESSION : the expression must be true for the last probe.
expect() {
	if jq -e "$1" "$out" >/dev/null 2>&1; then
		passed=$((passed + 1))
	else
		fail "$1"
		jq -c '.targets[0] | del(.transcript)' "$out" 2>/dev/null | head -c 1500 >&2
		echo >&2
	fi
}

T='.targets[0]'
cpanel=(--port 587 --port-map "587=$EXIM_PORT_CPANEL")
open=(--port 587 --port-map "587=$EXIM_PORT_OPEN")
notls=(--port 587 --port-map "587=$EXIM_PORT_NOTLS")
smtps=(--port 465 --port-map "465=$EXIM_PORT_SMTPS")

# 1. cPanel's policy, probed as a mail program set to STARTTLS would use it.
probe cpanel-starttls 0 "${cpanel[@]}" --ca-file "$EXIM_CA"
expect "$T.port == 587 and $T.real_port == $EXIM_PORT_CPANEL and $T.mode == \"starttls\""
expect "$T.connect.ok == true and $T.connect.error == null"
expect "$T.banner.code == 220 and ($T.banner.text | test(\"Exim\"))"
expect "$T.ehlo.code == 250 and ($T.ehlo.extensions | index(\"STARTTLS\")) != null"
expect "$T.auth.before_tls == []"
expect "$T.starttls.offered == true and $T.starttls.ok == true and $T.starttls.reply.code == 220"
expect "$T.tls.ok == true and ($T.tls.version | startswith(\"TLSv1.\"))"
expect "$T.tls.verify == \"ok\" and $T.tls.issuer == \"CN=smtpfix test CA\""
expect "($T.tls.san | index(\"127.0.0.1\")) != null and ($T.tls.sha256 | length) == 95"
expect "$T.ehlo_tls.code == 250 and ($T.auth.after_tls | sort) == [\"LOGIN\",\"PLAIN\"]"
expect "$T.mail_without_auth.code == 250"
expect "$T.rcpt_without_auth.code == 550"
expect "$T.rcpt_without_auth.text == \"SMTP AUTH is required for message submission on port 587\""
expect "$T.rcpt_without_auth.disconnected == true"
expect "$T.healthy == true and $T.problem == null and $T.failure == null"

# 2. The same server, as a mail program set to no encryption meets it: the
#    founding failure. No AUTH is ever offered, and RCPT is refused.
probe cpanel-plain 1 "${cpanel[@]}" --mode plain
expect "$T.mode == \"plain\" and $T.tls == null and $T.ehlo_tls == null"
expect "$T.starttls.offered == true and $T.starttls.ok == null"
expect "$T.auth.before_tls == [] and $T.auth.after_tls == null"
expect "$T.rcpt_without_auth.code == 550 and $T.rcpt_without_auth.disconnected == true"
expect "$T.healthy == false and ($T.problem | test(\"not offered without encryption\"))"

# 3. The system trust store does not know the test CA.
probe cpanel-untrusted 1 "${cpanel[@]}"
expect "$T.tls.ok == true and $T.tls.verify == \"untrusted\""
expect "$T.healthy == false and ($T.problem | test(\"untrusted\"))"

# 4. AUTH offered without TLS; relay refused with a plain deny.
probe open-auth 0 "${open[@]}" --ca-file "$EXIM_CA"
expect "($T.auth.before_tls | sort) == [\"LOGIN\",\"PLAIN\"]"
expect "($T.auth.after_tls | sort) == [\"LOGIN\",\"PLAIN\"]"
expect "$T.rcpt_without_auth.code == 550 and $T.rcpt_without_auth.disconnected == false"
# Exim wraps this long message across reply lines, as real servers do.
expect "$T.rcpt_without_auth.text | test(\"not permitted to relay through this\\\\sserver without authentication\")"
expect "$T.rcpt_without_auth.text | test(\"Please turn on SMTP Authentication\")"

probe open-auth-plain 0 "${open[@]}" --mode plain
expect "$T.tls == null and ($T.auth.before_tls | sort) == [\"LOGIN\",\"PLAIN\"] and $T.healthy == true"

# 5. No TLS at all: auto goes on in plain text and reports the missing STARTTLS.
probe notls-auto 1 "${notls[@]}"
expect "$T.starttls.offered == false and $T.starttls.ok == null and $T.tls == null"
expect "$T.ehlo_tls == null and ($T.ehlo.extensions | index(\"STARTTLS\")) == null"
expect "($T.auth.before_tls | sort) == [\"LOGIN\",\"PLAIN\"]"
expect "$T.rcpt_without_auth.code == 550"
expect "$T.problem | test(\"does not offer STARTTLS\")"

probe notls-starttls 1 "${notls[@]}" --mode starttls
expect "$T.starttls.offered == false and $T.rcpt_without_auth == null and $T.mail_without_auth == null"
expect "$T.tls == null and $T.healthy == false"

# 6. Implicit TLS, as on port 465.
probe smtps 0 "${smtps[@]}" --ca-file "$EXIM_CA"
expect "$T.mode == \"tls\" and $T.tls.ok == true and $T.tls.verify == \"ok\""
expect "$T.ehlo == null and $T.starttls == null and $T.auth.before_tls == null"
expect "$T.banner.code == 220 and $T.ehlo_tls.code == 250"
expect "($T.auth.after_tls | sort) == [\"LOGIN\",\"PLAIN\"] and $T.healthy == true"

# 7. Wrong TLS mode for the port, both ways.
probe tls-on-starttls-port 1 "${cpanel[@]}" --mode tls --timeout 3
expect "$T.tls.ok == false and $T.tls.verify == \"handshake-failed\" and ($T.tls.error | length) > 0"
expect "$T.banner == null and $T.failure.error == \"tls\""

probe plain-on-tls-port 1 "${smtps[@]}" --mode plain --timeout 1
expect "$T.banner == null and $T.failure.step == \"greeting\" and $T.failure.error == \"timeout\""

# 8. The name the person typed is not on the certificate (as when a cPanel
#    server presents its own host name): "localhost" is not among its names.
current=name-mismatch
if getent hosts localhost | grep -q '^127\.0\.0\.1'; then
	"$bin" probe localhost --json --port 587 --port-map "587=$EXIM_PORT_CPANEL" --ca-file "$EXIM_CA" \
		--no-rcpt-test --ehlo client.example >"$out" 2>"$dir/err"
	V='[.targets[] | select(.address == "127.0.0.1")][0]'
	expect "$V.tls.verify == \"name-mismatch\""
	expect "$V.tls.verify_detail | test(\"not for localhost.*smtpfix-test.example\")"
	expect "$V.rcpt_without_auth == null and $V.mail_without_auth == null and $V.healthy == false"
else
	fail "localhost does not resolve to 127.0.0.1 on this machine"
fi

# 9. The transcript records both directions and the TLS start.
probe transcript 0 "${cpanel[@]}" --ca-file "$EXIM_CA" --transcript
expect "[$T.transcript[] | select(.dir == \"C\" and .text == \"STARTTLS\")] | length == 1"
expect "[$T.transcript[] | select(.dir == \"*\" and .text == \"TLS started\")] | length == 1"
expect "[$T.transcript[] | select(.dir == \"S\" and (.text | startswith(\"550 SMTP AUTH is required\")))] | length == 1"
expect "[$T.transcript[] | select(.dir == \"C\" and (.text | startswith(\"DATA\")))] | length == 0"

# 10. The human summary says the same in words, within 80 columns.
current=text-summary
"$bin" probe 127.0.0.1 "${cpanel[@]}" --mode plain >"$dir/text" 2>&1
tr -s ' \n' '  ' <"$dir/text" >"$dir/flat"
if grep -q "login (AUTH) not offered" "$dir/flat" &&
	grep -q "550 SMTP AUTH is required for message submission on port 587" "$dir/flat" &&
	grep -q "closed the connection right after" "$dir/flat"; then
	passed=$((passed + 1))
else
	fail "summary lacks the expected lines"; cat "$dir/text" >&2
fi
"$bin" probe localhost --port 587 --port-map "587=$EXIM_PORT_CPANEL" >"$dir/text" 2>&1
widest=$(awk '{ if (length($0) > w) w = length($0) } END { print w + 0 }' "$dir/text")
if [ "$widest" -le 80 ]; then passed=$((passed + 1)); else fail "summary is $widest columns wide"; cat "$dir/text" >&2; fi

# 11. The whole host at once, every port mapped: the settings matrix of the
#     cPanel policy, and the recommendation.
closed_port=$((EXIM_PORT_SMTPS + 1))
while exim_port_open "$closed_port"; do closed_port=$((closed_port + 1)); done
host=(--port 25 --port 26 --port 465 --port 587 --port 2525
	--port-map "25=$closed_port" --port-map "26=$EXIM_PORT_NOTLS" --port-map "465=$EXIM_PORT_SMTPS"
	--port-map "587=$EXIM_PORT_CPANEL" --port-map "2525=$EXIM_PORT_OPEN" --ca-file "$EXIM_CA")
cell() { echo "[.matrix[] | select(.port == $1 and .security == \"$2\" and .auth == $3)][0]"; }
probe whole-host 0 "${host[@]}"
expect "[.targets[] | select(.purpose == \"main\")] | length == 5"
expect "$(cell 587 none true).outcome == \"auth-not-offered\" and $(cell 587 none true).observed"
expect "$(cell 587 none false).outcome == \"rejected\" and ($(cell 587 none false).message | test(\"SMTP AUTH is required for message submission on port 587\"))"
expect "$(cell 587 none false).observed == true"
expect "$(cell 587 starttls true).outcome == \"works\" and $(cell 587 starttls true).observed"
expect "$(cell 587 tls true).outcome == \"tls-handshake-fails\" and $(cell 587 tls true).observed"
expect "$(cell 465 tls true).outcome == \"works\""
expect "$(cell 465 starttls true).outcome == \"hangs-no-greeting\" and $(cell 465 starttls true).observed == false"
expect "$(cell 465 none false).outcome == \"hangs-no-greeting\""
expect "$(cell 26 starttls true).outcome == \"starttls-not-offered\" and $(cell 26 none true).outcome == \"works\""
expect "$(cell 2525 none true).outcome == \"works\" and $(cell 2525 starttls true).outcome == \"works\""
expect "$(cell 25 none true).outcome == \"port-closed\" and $(cell 25 tls false).outcome == \"port-closed\""
expect "[.policy[] | select(.port == 587)][0] | .auth == \"after-starttls-only\" and .starttls == true and .implicit_tls == false"
expect "[.policy[] | select(.port == 587)][0].without_login.text | test(\"SMTP AUTH is required\")"
expect "[.policy[] | select(.port == 465)][0] | .implicit_tls == true and .auth == \"implicit-tls-only\""
expect "[.policy[] | select(.port == 26)][0].auth == \"without-tls\" and [.policy[] | select(.port == 25)][0].status == \"closed\""
expect ".recommended.port == 587 and .recommended.security == \"starttls\" and .recommended.auth == true"
expect ".recommended.host == \"127.0.0.1\" and .healthy == true and .login_target == null"
expect ".local_target == true and (.public_addresses | type) == \"array\""
# The diagnosis of the founding case, with the transcript lines it rests on.
D='.diagnosis.findings[] | select(.cause == "auth-requires-tls")'
expect "[$D] | length == 1"
expect "[$D][0].severity == \"info\" and ([$D][0].text | test(\"only after encryption\")) and .diagnosis.server_kind == \"exim\""
expect "[$D][0].evidence | any(test(\"after STARTTLS \\\\(port 587\\\\), EHLO lists AUTH PLAIN LOGIN\"))"
expect "[$D][0].evidence | any(test(\"550 SMTP AUTH is required for message submission on port 587\"))"
expect ".diagnosis.server_options[0].weakens_security == false and .diagnosis.server_options[-1].weakens_security == true"

# 12. The login test: right and wrong passwords, once, on the recommended
#     setting; the password appears nowhere in any output.
pass=test-password
user=tester@smtpfix-test.example
login() { printf '%s\n' "$1" | "$bin" probe 127.0.0.1 --json --transcript "${host[@]}" \
	--user "$user" --password-stdin >"$out" 2>"$dir/err"; }
current=login-right
login "$pass"; rc=$?
[ "$rc" -eq 0 ] && passed=$((passed + 1)) || fail "exit status $rc ($(cat "$dir/err"))"
L='.targets[.login_target]'
expect "[.targets[] | select(.purpose == \"login\")] | length == 1"
expect "$L.port == 587 and $L.mode == \"starttls\" and $L.login.outcome == \"ok\""
expect "$L.login.reply.code == 235 and ($L.login.mechanism == \"PLAIN\" or $L.login.mechanism == \"LOGIN\")"
expect "$L.login.mail.code == 250 and (($L.login.rcpt.code / 100) | floor) == 2 and $L.login.plaintext == false"
expect "$(cell 587 starttls true).outcome == \"works\" and ($(cell 587 starttls true).message | test(\"login\"))"
for f in "$out" "$dir/err"; do
	if grep -q -e "$pass" -e "$(printf '\0%s\0%s' "$user" "$pass" | base64 -w0)" -e "$(printf '%s' "$pass" | base64 -w0)" "$f"; then
		fail "the password shows in $(basename "$f")"
	else
		passed=$((passed + 1))
	fi
done
printf '%s\n' "$pass" | "$bin" probe 127.0.0.1 --details --transcript "${host[@]}" \
	--user "$user" --password-stdin >"$dir/text" 2>&1
if grep -q "$pass" "$dir/text" || ! grep -q "Login          ok" "$dir/text"; then
	fail "text output shows the password or lacks the login result"
else
	passed=$((passed + 1))
fi

current=login-wrong
wrong=Wr0ng-Marker-5522
login "$wrong"; rc=$?
[ "$rc" -eq 1 ] && passed=$((passed + 1)) || fail "exit status $rc for a wrong password"
expect "$L.login.outcome == \"refused\" and $L.login.reply.code == 535"
expect "$(cell 587 starttls true).outcome == \"wrong-credentials\" and ($(cell 587 starttls true).message | test(\"535\"))"
expect ".diagnosis.findings[0].cause == \"wrong-credentials\" and (.diagnosis.findings[0].evidence[0] | test(\"535 Incorrect authentication data\"))"
expect ".healthy == false and (.problem | test(\"login test failed\"))"
expect "[.targets[] | select(.purpose == \"login\")] | length == 1"
if grep -q "$wrong" "$out"; then fail "the wrong password shows in the JSON"; else passed=$((passed + 1)); fi

# 13. AUTH only after TLS: asked to log in on the cPanel port in plain text,
#     smtpfix holds the password back.
current=login-no-tls
printf '%s\n' "$pass" | "$bin" probe 127.0.0.1 --json --port 587 --port-map "587=$EXIM_PORT_CPANEL" \
	--mode plain --user "$user" --password-stdin >"$out" 2>"$dir/err"
expect "$L.login.outcome == \"not-offered\" and $L.login.reply == null"

# 13b. A server with no TLS at all: the password is held back unless the
#      person allows plain text, and then the result says it went readable.
current=login-plaintext
printf '%s\n' "$pass" | "$bin" probe 127.0.0.1 --json --port 26 --port-map "26=$EXIM_PORT_NOTLS" \
	--user "$user" --password-stdin >"$out" 2>"$dir/err"
expect "$L.login.outcome == \"held-back-no-tls\" and $L.mode == \"plain\""
printf '%s\n' "$pass" | "$bin" probe 127.0.0.1 --json --port 26 --port-map "26=$EXIM_PORT_NOTLS" \
	--user "$user" --password-stdin --allow-plaintext-auth >"$out" 2>"$dir/err"
expect "$L.login.outcome == \"ok\" and $L.login.plaintext == true"
expect ".recommended.security == \"none\" and .recommended.insecure == true and .healthy == false"
printf '%s\n' "$pass" | "$bin" probe 127.0.0.1 --port 26 --port-map "26=$EXIM_PORT_NOTLS" \
	--user "$user" --password-stdin --allow-plaintext-auth >"$dir/text" 2>&1
tr -s ' \n' '  ' <"$dir/text" >"$dir/flat"
if grep -q "WITHOUT encryption" "$dir/flat" && ! grep -q "$pass" "$dir/text"; then
	passed=$((passed + 1))
else
	fail "no plain-text warning in the summary"; cat "$dir/text" >&2
fi

# 13c. --send-test: one message to the user's own address, and DATA's reply.
current=send-test
printf '%s\n' "$pass" | "$bin" probe 127.0.0.1 --json --port 465 --port-map "465=$EXIM_PORT_SMTPS" \
	--ca-file "$EXIM_CA" --user "$user" --password-stdin --send-test >"$out" 2>"$dir/err"
expect "$L.login.data.code == 354 and $L.login.message.code == 250"
expect "[$L.transcript // [] | .[] | select(.text == \"DATA\")] | length <= 1"

# 13d. Progress events, from resolving to done, on standard error.
current=progress
"$bin" probe 127.0.0.1 --port 587 --port-map "587=$EXIM_PORT_CPANEL" --ca-file "$EXIM_CA" \
	--progress >/dev/null 2>"$dir/err"
# An address is not looked up, so no "resolving" line for it.
if ! grep -q "resolving" "$dir/err" && grep -q "(main): tls" "$dir/err" &&
	grep -q "(main): rcpt-test" "$dir/err" && grep -q "(main): done, ok" "$dir/err"; then
	passed=$((passed + 1))
else
	fail "progress lines missing"; cat "$dir/err" >&2
fi
"$bin" probe localhost --port 587 --port-map "587=$EXIM_PORT_CPANEL" --ca-file "$EXIM_CA" \
	--progress >/dev/null 2>"$dir/err"
if grep -q "localhost port 0 (main): resolving" "$dir/err"; then
	passed=$((passed + 1))
else
	fail "a name's lookup is shown"; cat "$dir/err" >&2
fi

# 14. From an email address: DNS (a real dnsmasq on loopback) names the
#     server, and its certificate carries another name, as on many cPanel
#     servers. smtpfix recommends the name on the certificate.
current=discovery
# The certificate's name is in this DNS too, leading to the same server:
# only then is it recommended.
if ! dns_start "$dir" --srv-host=_submission._tcp.example.test,mail.example.test,587,0,1 \
	--mx-host=example.test,mail.example.test,10 --host-record=smtpfix-test.example,127.0.0.1; then
	fail "dnsmasq is missing: run 'make deps'"
else
	"$bin" discover someone@example.test --dns-server "127.0.0.1:$dns_port" --timeout 3 >"$dir/text"
	rc=$?
	if [ "$rc" -eq 0 ] && grep -q "1. mail.example.test port 587" "$dir/text"; then
		passed=$((passed + 1))
	else
		fail "discover exit $rc: $(cat "$dir/text" "$dir/dnsmasq.err")"
	fi
	"$bin" discover nobody@nowhere.test --dns-server "127.0.0.1:$dns_port" --timeout 3 --json >"$out"
	rc=$?
	[ "$rc" -eq 1 ] && passed=$((passed + 1)) || fail "discover of an unknown domain: exit $rc"
	expect '[.lookups[] | select(.type == "MX")][0].status == "nxdomain"'
	printf '%s\n' "$pass" | "$bin" probe someone@example.test --json --dns-server "127.0.0.1:$dns_port" \
		--port 465 --port 587 --port-map "465=$EXIM_PORT_SMTPS" --port-map "587=$EXIM_PORT_CPANEL" \
		--ca-file "$EXIM_CA" --user "$user" --password-stdin >"$out" 2>"$dir/err"
	rc=$?
	[ "$rc" -eq 1 ] && passed=$((passed + 1)) || fail "probe of an address: exit $rc ($(cat "$dir/err"))"
	expect '.discovery.candidates[0].host == "mail.example.test" and .discovery.candidates[0].port == 587'
	expect '.host == "mail.example.test" and .targets[0].address == "127.0.0.1"'
	expect '[.matrix[] | select(.port == 465 and .security == "tls" and .auth == true)][0].outcome == "cert-name-mismatch"'
	expect '.recommended.host == "smtpfix-test.example" and .recommended.port == 587'
	expect '.problem | test("issued for smtpfix-test.example, not mail.example.test")'
	kill "$dns_pid" 2>/dev/null
	wait "$dns_pid" 2>/dev/null
fi

echo "exim: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
