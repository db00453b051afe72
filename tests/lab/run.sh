#!/usr/bin/env bash
# The practice server, each scenario probed by smtpfix itself: what the
# scenario promises must be what the probe sees.
set -uo pipefail

bin=${1:?usage: run.sh PATH-TO-SMTPFIX}
dir=$(mktemp -d "${TMPDIR:-/tmp}/smtpfix-labtest.XXXXXX")
lab_pid=
cleanup() { [ -n "$lab_pid" ] && kill "$lab_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
passed=0 failed=0 current=
out="$dir/out.json"

fail() { echo "FAIL [$current]: $*" >&2; failed=$((failed + 1)); }
# The script's own stderr, for a failure said inside a command whose
# stderr goes to a file (bounded).
exec 3>&2
expect() {
	if jq -e "$1" "$out" >/dev/null 2>&1; then passed=$((passed + 1)); else
		fail "$1"; jq -c '{matrix: [.matrix[]? | [.port, .security, .auth, .outcome]], recommended}' "$out" 2>/dev/null | head -c 1500 >&2; echo >&2
	fi
}

# start SCENARIO: run the lab in the background and read its ports.
start() {
	current=$1
	[ -n "$lab_pid" ] && kill "$lab_pid" 2>/dev/null && wait "$lab_pid" 2>/dev/null
	"$bin" lab --scenario "$1" >"$dir/lab.out" 2>&1 &
	lab_pid=$!
	for _ in $(seq 1 50); do grep -q "Ctrl-C" "$dir/lab.out" && break; sleep 0.1; done
	P25=$(sed -n 's/.*port 25  -> 127.0.0.1:\([0-9]*\)/\1/p' "$dir/lab.out")
	P465=$(sed -n 's/.*port 465 -> 127.0.0.1:\([0-9]*\)/\1/p' "$dir/lab.out")
	P587=$(sed -n 's/.*port 587 -> 127.0.0.1:\([0-9]*\)/\1/p' "$dir/lab.out")
	CA=$(sed -n 's/.*CA file: //p' "$dir/lab.out")
	[ -n "$P587" ] && [ -f "$CA" ] || fail "the practice server did not start: $(cat "$dir/lab.out")"
}
probe() {
	"$bin" probe 127.0.0.1 --json --timeout 2 --port 25 --port 465 --port 587 --port-map "25=$P25" \
		--port-map "465=$P465" --port-map "587=$P587" --ca-file "$CA" "$@" >"$out" 2>"$dir/err"
}
cell() { echo "[.matrix[] | select(.port == $1 and .security == \"$2\" and .auth == $3)][0].outcome"; }

start cpanel-default
printf 'practice-2026\n' | probe --user demo@lab.smtpfix.test --password-stdin
expect "$(cell 587 none true) == \"auth-not-offered\" and $(cell 587 starttls true) == \"works\""
expect "[.matrix[] | select(.port == 587 and .security == \"none\" and .auth == false)][0].message | test(\"SMTP AUTH is required for message submission on port 587\")"
expect "$(cell 25 none false) == \"rejected\" and $(cell 465 tls true) == \"works\" and $(cell 587 tls true) == \"tls-handshake-fails\""
expect ".targets[.login_target].login.outcome == \"ok\" and .recommended.port == 587 and .recommended.security == \"starttls\""
# SSL/TLS tried on 587, which speaks plain text first: classed, not searched for in words.
expect "[.targets[] | select(.port == 587 and .purpose == \"tls\")][0].tls.failure == \"not-tls\""
expect ".diagnosis.findings[0].cause == \"auth-requires-tls\""
printf 'wrong\n' | probe --user demo@lab.smtpfix.test --password-stdin
expect ".targets[.login_target].login.outcome == \"refused\" and ([.diagnosis.findings[].cause] | index(\"wrong-credentials\")) != null"
# A refused password keeps the setting it was tried on, and no other
# setting, where nothing was tried, is said to work.
expect ".recommended.port == 587 and .recommended.security == \"starttls\" and (.recommended.why | test(\"login was refused\"))"
expect "$(cell 465 tls true) == \"login-offered\" and ([.matrix[] | select(.outcome == \"works\")] | length) == 0"
expect ".diagnosis.server_kind == \"cpanel\" and .healthy == false"
# JSON carries data: the user name given, and its form.
expect ".recommended.username == \"demo@lab.smtpfix.test\" and .recommended.username_form == \"email-address\""

start plain-auth
probe
expect ".recommended.username == null and .recommended.username_form == \"email-address\""
expect "$(cell 587 none true) == \"works\" and ([.policy[] | select(.port == 587)][0].auth == \"without-tls\")"

start no-tls
probe
expect "$(cell 587 starttls true) == \"starttls-not-offered\" and $(cell 465 tls true) == \"port-closed\""
expect "([.diagnosis.findings[].cause] | index(\"starttls-not-offered\")) != null"

start cert-name-mismatch
# The certificate's name is recommended only once it is shown to lead to
# the server probed: here it resolves nowhere, then (--resolve) to it.
probe
expect "$(cell 465 tls true) == \"cert-name-mismatch\" and .recommended.host == \"127.0.0.1\" and .recommended.certificate_decision == true"
expect ".certificate_names[0] == {name: \"server42.hosting.smtpfix.test\", check: \"no-address\", probed_address: \"127.0.0.1\", resolves_to: null}"
probe --resolve server42.hosting.smtpfix.test:127.0.0.2
expect ".recommended.host == \"127.0.0.1\" and .certificate_names[0].check == \"elsewhere\" and .certificate_names[0].resolves_to == \"127.0.0.2\""
probe --resolve server42.hosting.smtpfix.test:127.0.0.1
expect ".recommended.host == \"server42.hosting.smtpfix.test\" and .recommended.host_source == \"certificate\" and .certificate_names[0].check == \"leads-here\""

start cert-expired
probe
expect "$(cell 465 tls true) == \"cert-expired\" and ([.diagnosis.findings[].cause] | index(\"tls-cert-expired\")) != null"

start self-signed
probe
expect "$(cell 465 tls true) == \"cert-self-signed\""

start starttls-stripped
probe
expect "$(cell 587 starttls true) == \"starttls-not-offered\" and $(cell 587 none true) == \"auth-not-offered\" and $(cell 465 tls true) == \"works\""
expect ".diagnosis.findings[0].cause == \"starttls-stripped\" and (.diagnosis.findings[0].evidence[0] | test(\"XXXXXXXA\")) and .healthy == false"

start silent
t0=$(date +%s%N)
probe --timeout 1
t1=$(date +%s%N)
expect "$(cell 587 none true) == \"hangs-no-greeting\" and .recommended == null"
expect ".diagnosis.findings[0].cause == \"server-unreachable\" and (.diagnosis.findings[0].evidence | length) == 3"
[ $(( (t1 - t0) / 1000000 )) -lt 3500 ] && passed=$((passed + 1)) || fail "a silent server took $(( (t1 - t0) / 1000000 )) ms"

start wrong-password
printf 'practice-2026\n' | probe --user demo@lab.smtpfix.test --password-stdin
expect ".targets[.login_target].login.outcome == \"refused\""

start hostile-text
probe --transcript
expect "$(cell 587 none false) == \"rejected\" and .diagnosis.findings[0].cause == \"auth-requires-tls\""
expect "[.targets[] | select(.purpose == \"main\")][0].banner.text | test(\"\\u001b\\\\]0;pwned-title\")"
"$bin" probe 127.0.0.1 --timeout 2 --port 587 --port-map "587=$P587" --ca-file "$CA" --transcript >"$dir/text" 2>&1
! grep -q "$(printf '\033')" "$dir/text" && grep -qF 'x1b]0;pwned-title' "$dir/text" &&
	passed=$((passed + 1)) || fail "escape bytes reached the text output"

# The text report opens with the conclusion: the cause in words and the
# setting to use within its first lines, before ports and matrix.
start provider-refusals
printf 'practice-2026\n' | "$bin" probe 127.0.0.1 --timeout 2 --port 25 --port 465 --port 587 \
	--port-map "25=$P25" --port-map "465=$P465" --port-map "587=$P587" --ca-file "$CA" \
	--user demo@lab.smtpfix.test --password-stdin >"$dir/head" 2>/dev/null
head -8 "$dir/head" | tr -s ' \n' '  ' >"$dir/head6"
grep -q "In short .*SMTP AUTH.*\[basic-auth-disabled\] Use this outgoing server 127.0.0.1, port 587, security STARTTLS" "$dir/head6" &&
	passed=$((passed + 1)) || fail "the conclusion is not in the first lines: $(cat "$dir/head6")"

# What big providers answer, each through the same recognizer as a pasted
# message: a login refused because SMTP AUTH is off for the account (not a
# wrong password), mail greylisted after login (a wait, not a refusal), and
# a greeting that turns the connection away.
# Login listed before TLS but refused there (538): found without sending a
# password, and not called "works".
start auth-listed-before-tls
probe
expect "$(cell 587 none true) == \"auth-refused\" and $(cell 587 starttls true) == \"works\""
expect "[.targets[] | select(.purpose == \"plain\" and .port == 587)][0].auth.check_before_tls == {mechanism: \"LOGIN\", refused: true, code: 538, text: \"5.7.11 Encryption required for requested authentication mechanism\"}"
expect ".diagnosis.findings[0].cause == \"auth-requires-tls\" and (.diagnosis.findings[0].evidence[0] | test(\"lists AUTH but .AUTH LOGIN. is refused: 538\"))"
expect "([.diagnosis.findings[].cause] | index(\"client-not-authenticating\")) == null"
start plain-auth
probe --transcript
expect "$(cell 587 none true) == \"works\" and ([.targets[] | select(.purpose == \"plain\" and .port == 587)][0].auth.check_before_tls.refused == false)"
expect "[.targets[] | select(.purpose == \"plain\" and .port == 587)][0].transcript | map(.text) | index(\"*\") != null"

# A login listed where it belongs but refused as soon as it is started
# (the login service behind the server is down): found without a
# password, named for what the reply says, and never "works".
start auth-backend-down
probe
expect "[.targets[] | select(.purpose == \"main\" and .port == 587)][0].auth.check_under_tls == {mechanism: \"LOGIN\", refused: true, code: 454, text: \"4.7.0 Temporary authentication failure: Connection lost to authentication server\"}"
expect "$(cell 587 starttls true) == \"auth-refused\" and $(cell 465 tls true) == \"auth-refused\""
expect ".diagnosis.findings[0].cause == \"auth-backend-failure\" and (.diagnosis.findings[0].evidence[0] | test(\"under TLS.*refused before any password: 454\"))"
expect ".healthy == false and ([.diagnosis.findings[].cause] | index(\"auth-not-offered\")) == null"
printf 'practice-2026\n' | probe --user demo@lab.smtpfix.test --password-stdin
expect ".targets[.login_target].login.outcome == \"refused\" and .diagnosis.findings[0].cause == \"auth-backend-failure\""
expect "([.diagnosis.findings[].cause] | index(\"wrong-credentials\")) == null and .recommended.port == 587"
expect ".recommended.why | test(\"login service must be repaired\")"

# Providers imitated: what each answers, through the same recognizer as a
# pasted message; the setting is kept and its why says what to change.
start gmail-like
probe
expect ".diagnosis.server_kind == \"google\" and $(cell 587 none false) == \"rejected\" and $(cell 587 starttls true) == \"works\""
expect ".diagnosis.findings[0].cause == \"auth-requires-tls\" and .recommended.port == 587 and .recommended.security == \"starttls\""
printf 'practice-2026\n' | probe --user demo@lab.smtpfix.test --password-stdin
expect ".diagnosis.findings[0].cause == \"app-password-required\" and .healthy == false"
expect ".recommended.port == 587 and .recommended.security == \"starttls\" and (.recommended.why | test(\"create an app password\"))"
expect "[.diagnosis.server_options[].text] | any(test(\"App passwords\"))"
start microsoft365-like
printf 'practice-2026\n' | probe --user demo@lab.smtpfix.test --password-stdin
expect ".diagnosis.server_kind == \"microsoft365\" and .diagnosis.findings[0].cause == \"basic-auth-disabled\""
expect ".recommended.port == 587 and (.recommended.why | test(\"turn SMTP AUTH on\")) and ([.diagnosis.findings[].cause] | index(\"wrong-credentials\")) == null"
expect "[.diagnosis.server_options[].text] | any(test(\"Authenticated SMTP\"))"

start provider-refusals
printf 'practice-2026\n' | probe --user demo@lab.smtpfix.test --password-stdin
expect ".targets[.login_target].port == 587 and .targets[.login_target].login.outcome == \"refused\""
expect ".diagnosis.findings[0].cause == \"basic-auth-disabled\" and ([.diagnosis.findings[].cause] | index(\"wrong-credentials\")) == null"
expect "[.diagnosis.findings[] | select(.cause == \"rate-limited\")][0].evidence[0] | test(\"greeting on port 25: 421\")"
expect ".recommended.port == 587 and .healthy == false"
printf 'practice-2026\n' | "$bin" probe 127.0.0.1 --json --timeout 2 --port 465 --port-map "465=$P465" --ca-file "$CA" \
	--user demo@lab.smtpfix.test --password-stdin >"$out" 2>"$dir/err"
expect ".targets[.login_target].login.outcome == \"ok\" and $(cell 465 tls true) == \"deferred-after-login\""
expect ".diagnosis.findings[0].cause == \"greylisted\" and .recommended.port == 465 and .healthy == false"

# bounded RUN...: run a command with a wall-clock and a peak-memory limit
# (milliseconds, KiB): a hostile server must not hold smtpfix longer or
# make it grow.
bounded() {
	local ms=$1 kib=$2 t0 t1 peak
	shift 2
	# AddressSanitizer's shadow memory and quarantine make the SAN build far
	# larger; there the bound only catches a runaway buffer.
	grep -qa __asan_init "$bin" && kib=262144
	t0=$(date +%s%N)
	/usr/bin/time -f '%M' -o "$dir/mem" "$@"
	rc=$?
	t1=$(date +%s%N)
	peak=$(tail -n 1 "$dir/mem")
	[ $(( (t1 - t0) / 1000000 )) -lt "$ms" ] && [ "${peak:-999999}" -lt "$kib" ] &&
		passed=$((passed + 1)) || fail "took $(( (t1 - t0) / 1000000 )) ms (limit $ms), peak ${peak} KiB (limit $kib)" 2>&3
	return $rc
}
esc=$(printf '\033')

# Certificate names are the server's text: escapes, a wildcard, a line break
# that starts a fake step, a name that leads elsewhere. None reaches the
# steps; the server's real name does once it is shown to lead to it.
start forged-cert-names
bounded 8000 32768 "$bin" probe 127.0.0.1 --json --timeout 2 --port 465 --port 587 --port-map "465=$P465" \
	--port-map "587=$P587" --ca-file "$CA" >"$out" 2>"$dir/err"
expect ".recommended.host == \"127.0.0.1\" and .recommended.certificate_decision and (.recommended.why | test(\"SHA-256\")) and ([.certificate_names[] | select(.check == \"leads-here\")] | length) == 0"
expect "[.certificate_names[].check] == [\"not-a-host-name\", \"not-a-host-name\", \"no-address\", \"no-address\", \"not-a-host-name\"]"
"$bin" probe 127.0.0.1 --timeout 2 --port 465 --port 587 --port-map "465=$P465" --port-map "587=$P587" \
	--ca-file "$CA" --resolve elsewhere.smtpfix.test:127.0.0.3 --resolve mail.lab.smtpfix.test:127.0.0.1 \
	--client thunderbird >"$dir/text" 2>&1
grep -q '"Server Name:" to mail.lab.smtpfix.test and' "$dir/text" && passed=$((passed + 1)) ||
	fail "the verified certificate name is not in the steps"
! grep -q "$esc" "$dir/text" && ! grep -q '^Step 1: run curl' "$dir/text" && ! grep -qi 'Server Name:" to x.smtpfix' "$dir/text" &&
	passed=$((passed + 1)) || fail "a forged certificate name reached the steps or the terminal"
grep -q 'elsewhere.smtpfix.test, which leads to' "$dir/text" && grep -qF 'x.smtpfix.test\x0aStep 1' "$dir/text" &&
	passed=$((passed + 1)) || fail "the names not used are not listed with their reason"

# A server that breaks once mail is offered is not healthy, and no setting
# that meets the break "works".
start mail-stage-failures
printf 'practice-2026\n' >"$dir/pw"
bounded 12000 32768 "$bin" probe 127.0.0.1 --json --timeout 2 --port 25 --port 465 --port 587 --port-map "25=$P25" \
	--port-map "465=$P465" --port-map "587=$P587" --ca-file "$CA" --user demo@lab.smtpfix.test \
	--password-stdin <"$dir/pw" >"$out" 2>"$dir/err"
[ "$rc" -eq 1 ] && passed=$((passed + 1)) || fail "exit status $rc, not 1"
expect ".healthy == false and (.problem | test(\"breaks off at (MAIL FROM|RCPT TO)\")) and .recommended == null"
expect "([.matrix[] | select(.outcome == \"works\")] | length) == 0"
expect "$(cell 25 starttls false) == \"breaks-at-mail\" and $(cell 465 tls false) == \"breaks-at-mail\" and $(cell 587 starttls false) == \"breaks-at-mail\""
expect "[.matrix[] | select(.port == 25 and .security == \"starttls\" and .auth == false)][0].message | test(\"no complete answer to MAIL FROM\")"
expect "[.matrix[] | select(.port == 465 and .security == \"tls\" and .auth == false)][0].message | test(\"not an SMTP reply\")"
expect "[.matrix[] | select(.port == 587 and .security == \"starttls\" and .auth == false)][0].message | test(\"RCPT TO: .*(reset|closed)\")"
expect ".targets[.login_target] as \$l | [.matrix[] | select(.auth == true and .port == \$l.port and .security == \$l.mode)][0].message | test(\"login works, but the server breaks off at MAIL FROM: .*longer than 4096\")"

# A server that quotes the password back: nothing of it is kept.
start echo-password
bounded 8000 32768 "$bin" probe 127.0.0.1 --json --transcript --timeout 2 --port 465 --port-map "465=$P465" \
	--ca-file "$CA" --user demo@lab.smtpfix.test --password-stdin <"$dir/pw" >"$out" 2>"$dir/err"
expect ".targets[.login_target].login.outcome == \"refused\""
expect "[.. | strings | select(test(\"practice-2026|cHJhY3RpY2UtMjAyNg|ByYWN0aWNlLTIwMj|wcmFjdGljZS0yMDI2\"))] | length == 0"
expect "[.. | strings | select(test(\"\\\\[redacted\\\\]\"))] | length > 0"

# Real programs' ways of talking: pipelining under TLS (swaks), smtplib's
# AUTH LOGIN with its user name on the command, and clients that never
# speak on 465 while others send; each message taken is on the record.
start cpanel-default
current=real-clients
python3 "$(dirname "$0")/clients.py" "$P465" "$P587" "$CA" >"$dir/clients.out" 2>&1
while read -r verdict name; do
	if [ "$verdict" = ok ]; then passed=$((passed + 1)); else fail "$name"; fi
done <"$dir/clients.out"
[ "$(grep -c '^ok ' "$dir/clients.out")" -eq 4 ] && passed=$((passed + 1)) || fail "clients.py ran $(grep -c . "$dir/clients.out") checks: $(cat "$dir/clients.out")"
timeout 20 swaks --server "127.0.0.1:$P587" --tls --tls-ca-path "$CA" --pipeline --auth PLAIN \
	--auth-user demo@lab.smtpfix.test --auth-password practice-2026 --from demo@lab.smtpfix.test \
	--to someone@example.com --timeout 5 >"$dir/swaks.out" 2>&1
rc=$?
current=swaks-pipeline
[ "$rc" -eq 0 ] && grep -q '^<~  250 OK id=lab-practice' "$dir/swaks.out" && passed=$((passed + 1)) || fail "swaks --pipeline under TLS: exit $rc: $(tail -3 "$dir/swaks.out")"
current=record
sleep 0.2
[ "$(grep -c '^message taken: port 587, TLS, login demo@lab.smtpfix.test, from <demo@lab.smtpfix.test>, 1 recipient' "$dir/lab.out")" -ge 3 ] &&
	grep -q '^message taken: port 465, TLS, login demo@lab.smtpfix.test' "$dir/lab.out" && passed=$((passed + 1)) ||
	fail "messages on the record: $(grep -c 'message taken' "$dir/lab.out")"

current=usage
"$bin" lab --scenario nosuch >/dev/null 2>"$dir/err"; rc=$?
[ "$rc" -eq 2 ] && passed=$((passed + 1)) || fail "unknown scenario: exit $rc"

echo "lab: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
