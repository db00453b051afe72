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
expect ".diagnosis.findings[0].cause == \"auth-requires-tls\""
printf 'wrong\n' | probe --user demo@lab.smtpfix.test --password-stdin
expect ".targets[.login_target].login.outcome == \"refused\" and ([.diagnosis.findings[].cause] | index(\"wrong-credentials\")) != null"

start plain-auth
probe
expect "$(cell 587 none true) == \"works\" and ([.policy[] | select(.port == 587)][0].auth == \"without-tls\")"

start no-tls
probe
expect "$(cell 587 starttls true) == \"starttls-not-offered\" and $(cell 465 tls true) == \"port-closed\""
expect "([.diagnosis.findings[].cause] | index(\"starttls-not-offered\")) != null"

start cert-name-mismatch
probe
expect "$(cell 465 tls true) == \"cert-name-mismatch\" and .recommended.host == \"server42.hosting.smtpfix.test\""

start cert-expired
probe
expect "$(cell 465 tls true) == \"cert-expired\" and ([.diagnosis.findings[].cause] | index(\"tls-cert-expired\")) != null"

start self-signed
probe
expect "$(cell 465 tls true) == \"cert-self-signed\""

start starttls-stripped
probe
expect "$(cell 587 starttls true) == \"starttls-not-offered\" and $(cell 587 none true) == \"auth-not-offered\" and $(cell 465 tls true) == \"works\""

start silent
t0=$(date +%s%N)
probe --timeout 1
t1=$(date +%s%N)
expect "$(cell 587 none true) == \"hangs-no-greeting\" and .recommended == null"
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

current=usage
"$bin" lab --scenario nosuch >/dev/null 2>"$dir/err"; rc=$?
[ "$rc" -eq 2 ] && passed=$((passed + 1)) || fail "unknown scenario: exit $rc"

echo "lab: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
