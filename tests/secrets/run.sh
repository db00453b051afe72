#!/usr/bin/env bash
# One marker password through every output smtpfix has, against the real
# Exim where that password is right (so the whole AUTH exchange happens,
# with PLAIN and LOGIN): the probe's text with transcript and details, its
# JSON, a sent test message, stderr, the plain wizard with a login and a
# re-test, its saved reports, and the full-screen wizard in tmux with its
# whole scrollback; then the same against a server that sends the password
# back in every form. Neither the marker nor any base64 form of it may appear.
set -uo pipefail

bin=${1:?usage: run.sh PATH-TO-SMTPFIX}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../exim/server.sh
source "$here/../exim/server.sh"
marker='Mk7-secret-9Zq'
user=tester@smtpfix-test.example
dir=$(mktemp -d "${TMPDIR:-/tmp}/smtpfix-secrets.XXXXXX")
chmod 755 "$dir"
sock="smtpfix-secrets-$$"
trap 'tmux -L "$sock" kill-server 2>/dev/null; exim_stop "$dir/exim" >/dev/null; rm -rf "$dir"' EXIT
# shellcheck source=../lib.sh
source "$here/../lib.sh"

# Every form the marker could leak in: itself, AUTH PLAIN's and AUTH LOGIN's
# base64 (at each of the three alignments, so a longer base64 holding it is
# caught too).
forms=("$marker" "$(printf '\0%s\0%s' "$user" "$marker" | base64 -w0)" "$(printf '%s' "$marker" | base64 -w0)")
b=$(printf '%s' "$marker" | base64 -w0)
forms+=("${b:0:12}")
for pad in x xx; do
	b=$(printf '%s%s' "$pad" "$marker" | base64 -w0)
	forms+=("${b:4:12}")
done
clean() { # clean FILE...: every FILE exists, and none of the forms is in any
	local f rc
	[ $# -gt 0 ] || { echo "  clean: no file to look in" >&2; return 1; }
	for f in "$@"; do
		[ -r "$f" ] || { echo "  clean: $f does not exist" >&2; return 1; }
	done
	for f in "${forms[@]}"; do
		grep -qaF -- "$f" "$@"
		rc=$?
		[ "$rc" -eq 0 ] && { echo "  found '$f' in: $(grep -laF -- "$f" "$@" | tr '\n' ' ')" >&2; return 1; }
		[ "$rc" -eq 1 ] || { echo "  clean: grep failed ($rc)" >&2; return 1; }
	done
	return 0
}

# The check itself must catch each form (in a longer base64 too).
printf 'AUTH PLAIN %s\n' "$(printf '\0%s\0%s' "$user" "$marker" | base64 -w0)" >"$dir/leak1"
printf '334 %s\n' "$(printf 'zz%s' "$marker" | base64 -w0)" >"$dir/leak2"
printf 'x %s y\n' "$marker" >"$dir/leak3"
for f in leak1 leak2 leak3; do
	check "the check finds $f" sh -c "! bash -c '$(declare -p forms); $(declare -f clean); clean \"\$1\"' _ '$dir/$f' 2>/dev/null"
done

mkdir -p "$dir/exim" "$dir/plain" "$dir/screen"
EXIM_AUTH_PASS=$marker exim_start "$dir/exim" || { echo "secrets: the test Exim did not start" >&2; exit 1; }
maps=(--port-map "587=$EXIM_PORT_CPANEL" --port-map "465=$EXIM_PORT_SMTPS" --port-map "26=$EXIM_PORT_NOTLS")
printf '%s\n' "$marker" >"$dir/pw"

# The probe, text and JSON, with the transcript, a sent message, and the
# plain-text login on port 26 allowed (AUTH LOGIN or PLAIN without TLS).
"$bin" probe 127.0.0.1 --port 587 --port 465 "${maps[@]}" --ca-file "$EXIM_CA" --transcript --details \
	--user "$user" --password-stdin --send-test <"$dir/pw" >"$dir/probe.txt" 2>"$dir/probe.err"
check "probe logged in" grep -q "Login          ok" "$dir/probe.txt"
"$bin" probe 127.0.0.1 --port 587 "${maps[@]}" --ca-file "$EXIM_CA" --json --transcript \
	--user "$user" --password-stdin <"$dir/pw" >"$dir/probe.json" 2>>"$dir/probe.err"
check "JSON logged in" jq -e '.targets[.login_target].login.outcome == "ok"' "$dir/probe.json" >/dev/null
"$bin" probe 127.0.0.1 --port 26 --mode plain "${maps[@]}" --transcript --allow-plaintext-auth \
	--user "$user" --password-stdin <"$dir/pw" >"$dir/plaintext.txt" 2>>"$dir/probe.err"
check "plain-text login happened" grep -q "Login          ok" "$dir/plaintext.txt"
check "probe outputs hold no secret" clean "$dir/probe.txt" "$dir/probe.json" "$dir/plaintext.txt" "$dir/probe.err"

# The plain wizard: log in, go through the steps, re-test (logs in again), save.
{ printf '\n\n5\n\n2\n2\n%s\n%s\n' "$user" "$marker"; for _ in $(seq 1 14); do printf '\n'; done; } >"$dir/answers"
"$bin" --plain --save --host 127.0.0.1 "${maps[@]}" --ca-file "$EXIM_CA" --report-dir "$dir/plain" \
	<"$dir/answers" >"$dir/wizard.out" 2>&1
check "wizard logged in" grep -q "Login          ok" "$dir/wizard.out"
check "wizard saved a report" sh -c "ls '$dir'/plain/*.json >/dev/null 2>&1"
check "wizard outputs hold no secret" clean "$dir/wizard.out" "$dir"/plain/*

# The full screen in tmux, the marker typed; the pane's whole history is read.
# screen_login SESSION CA REPORT-DIR PANE-FILE LABEL MAPS...
T() { tmux -L "$sock" "$@"; }
screen_login() {
	local s=$1 ca=$2 reports=$3 pane=$4 label=$5
	shift 5
	wait_on() { local i; for ((i = 0; i < 100; i++)); do T capture-pane -p -t "$s" | grep -qF -- "$1" && return 0; sleep 0.1; done; return 1; }
	T new-session -d -s "$s" -x 80 -y 24 "LC_ALL=C.UTF-8 TERM=xterm $(printf '%q ' "$bin" --host 127.0.0.1 "$@" \
		--ca-file "$ca" --report-dir "$reports" --client thunderbird --role user --now 587:none); echo EXIT=\$?; sleep 30"
	wait_on "What happens?"
	T send-keys -t "$s" Enter; wait_on "Enter keeps: 127.0.0.1"
	T send-keys -t "$s" Enter; wait_on "Also test the login?"
	T send-keys -t "$s" 2; wait_on "User name"
	T send-keys -t "$s" -l "$user"; T send-keys -t "$s" Enter; wait_on "Password"
	T send-keys -t "$s" -l "$marker"; T send-keys -t "$s" Enter
	check "$label: the result" wait_on "The answer"
	T send-keys -t "$s" q
	check "$label: ended" wait_on "EXIT="
	T capture-pane -p -t "$s" -S - >"$pane"
	check "$label: pane and history hold no secret" clean "$pane"
	T kill-session -t "$s" 2>/dev/null
}
screen_login w "$EXIM_CA" "$dir/screen" "$dir/pane.txt" screen "${maps[@]}"

# A server that sends the password back: the practice server's
# echo-password scenario quotes it in its refusal (as received, in clear,
# and inside longer base64 at the other alignments), echoes AUTH LOGIN's
# base64 as a challenge, and repeats it in every later greeting. Nothing of
# it may be kept, on any port, in any output, through a re-test.
"$bin" lab --scenario echo-password >"$dir/lab.out" 2>&1 &
lab_pid=$!
trap 'kill "$lab_pid" 2>/dev/null; tmux -L "$sock" kill-server 2>/dev/null; exim_stop "$dir/exim" >/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 50); do grep -q "Ctrl-C" "$dir/lab.out" && break; sleep 0.1; done
lport() { sed -n "s/.*port $1 *-> 127.0.0.1:\([0-9]*\)/\1/p" "$dir/lab.out"; }
lmaps=(--port-map "25=$(lport 25)" --port-map "465=$(lport 465)" --port-map "587=$(lport 587)")
lca=$(sed -n 's/.*CA file: //p' "$dir/lab.out")
mkdir -p "$dir/echo-plain" "$dir/echo-screen"
"$bin" probe 127.0.0.1 --port 465 "${lmaps[@]}" --ca-file "$lca" --transcript --details \
	--user "$user" --password-stdin <"$dir/pw" >"$dir/echo-465.txt" 2>&1
"$bin" probe 127.0.0.1 --port 587 "${lmaps[@]}" --ca-file "$lca" --json --transcript \
	--user "$user" --password-stdin <"$dir/pw" >"$dir/echo-587.json" 2>>"$dir/echo-465.txt"
"$bin" probe 127.0.0.1 "${lmaps[@]}" --ca-file "$lca" --json --transcript \
	--user "$user" --password-stdin <"$dir/pw" >"$dir/echo-all.json" 2>>"$dir/echo-465.txt"
check "echo: the server quoted the password back" grep -q "You sent \[redacted\]" "$dir/echo-465.txt"
check "echo: LOGIN's echo was met" jq -e '.targets[.login_target].login.mechanism == "LOGIN"' "$dir/echo-587.json" >/dev/null
check "echo: a later greeting repeated it" jq -e '[.targets[].banner.text // "" | select(test("last password tried here was \\[redacted\\]"))] | length > 0' "$dir/echo-all.json" >/dev/null
check "echo: probe outputs hold no secret" clean "$dir/echo-465.txt" "$dir/echo-587.json" "$dir/echo-all.json"
"$bin" --plain --save --host 127.0.0.1 "${lmaps[@]}" --ca-file "$lca" --report-dir "$dir/echo-plain" \
	<"$dir/answers" >"$dir/echo-wizard.out" 2>&1
check "echo: wizard saw the refusal" grep -qi "Login          refused" "$dir/echo-wizard.out"
check "echo: wizard saved a report" sh -c "ls '$dir'/echo-plain/*.json >/dev/null 2>&1"
check "echo: wizard outputs hold no secret" clean "$dir/echo-wizard.out" "$dir"/echo-plain/*
screen_login e "$lca" "$dir/echo-screen" "$dir/echo-pane.txt" "echo screen" "${lmaps[@]}"

# Exim's own log: the sent test message arrived from the logged-in user.
check "Exim saw the login" grep -q "<= .* A=[a-z_]*:$user" "$dir/exim/log/mainlog"

finish secrets
