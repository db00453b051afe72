#!/usr/bin/env bash
# smtpfix watch on a mail log full of hostile lines: a client chooses its
# HELO, its sender and the user name it logs in with, and Exim, Postfix and
# Dovecot write them to the log as sent. Terminal escape sequences (clear
# screen, set title, colours, the 8-bit CSI), bidi controls, every C0
# control and DEL, invalid UTF-8, runs of NUL bytes and 100 KB lines, in
# Exim, Postfix and Dovecot lines. The replay, in text and in JSON, must
# still show the attempts, and write no control byte, no invalid UTF-8, no
# C1 or bidi character: the text as safe characters, the JSON as valid
# JSON Lines with any such character escaped.
set -uo pipefail

bin=${1:?usage: hostile.sh PATH-TO-SMTPFIX}
command -v python3 >/dev/null || { echo "watch hostile: python3 is missing; run 'make deps'" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/smtpfix-watch-hostile.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

# The log, its times minutes ago (local time, as Exim and syslog write).
python3 - "$dir/hostile.log" <<'EOF'
import sys, time

def exim_time(mins):
    return time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(time.time() - 60 * mins)).encode()

def syslog_time(mins):
    return time.strftime('%b %e %H:%M:%S', time.localtime(time.time() - 60 * mins)).encode()

ESC = b'\x1b[2J\x1b[H\x1b]0;pwned\x07\x1b[31m\x1bP+q\x1b\\'
BIDI = '\u202e\u2066\u200f\u061c\u2069'.encode()
C1 = b'\xc2\x9b31m\xc2\x9d0;t\xc2\x9c\x9b2J'        # C1 controls, as UTF-8 and raw
BAD = b'\xff\xfe\xc0\xaf\xed\xa0\x80\xf8\x88\x80\x80\x80\xe2\x82'  # not UTF-8
CTL = bytes(c for c in range(1, 32) if c != 10) + b'\x7f'
EVIL = ESC + BIDI + C1 + BAD + CTL
lines = []
port = 40000

def exim_attempt(mins, helo, user, more=b'', login=True):
    global port
    port += 1
    t = exim_time(mins)
    h = b'(' + helo + b') [203.0.113.5]:' + str(port).encode() + b' I=[192.0.2.10]:587'
    lines.append(t + b' SMTP connection from ' + h + b' (TCP/IP connection count = 1)')
    if login:
        lines.append(t + b' dovecot_login authenticator failed for ' + h +
                     b': 535 Incorrect authentication data' + more + b' (set_id=' + user + b')')
    lines.append(t + b' H=' + h + b' F=<' + user + b'> rejected RCPT <x' + EVIL +
                 b'@example.net>: SMTP AUTH is required' + EVIL + more)
    lines.append(t + b' SMTP connection from ' + h + b' closed by DROP in ACL' + EVIL)

exim_attempt(30, EVIL, b'bob' + EVIL + b'@example.com')
exim_attempt(29, b'PC', BAD + b'user')
exim_attempt(28, b'x' * 100000, b'u' * 100000, b' ' + b'A' * 100000)
exim_attempt(27, b'PC\x00\x00\x00\x00\x00' + EVIL, b'nul\x00\x00\x00user')
exim_attempt(26, BIDI + b'PC', BIDI + b'admin@example.com' + BIDI)
exim_attempt(25, b'PC', b'carol@example.com', b' ' + b'\x1b[2J' * 30000)
exim_attempt(25, EVIL, b'dave' + BAD + b'@example.com', login=False)  # the founding case
exim_attempt(25, b'\x1b[2J' * 20000, b'erin@example.com', login=False)
lines.append(b'\x00' * 5000)
lines.append(exim_time(24) + b' ' + b'\x00' * 100 + b'SMTP connection from (PC) [203.0.113.5]:1 closed by DROP in ACL')
lines.append(exim_time(24) + b' 1tXabe-000Abc-Xy <= ' + EVIL + b'@example.com H=(' + EVIL +
             b') [203.0.113.9]:5 I=[192.0.2.10]:587 P=esmtpsa X=TLS1.3:' + EVIL +
             b':256 CV=no A=dovecot_login:' + EVIL + b' S=1234')
s = syslog_time(10)
pf = s + b' mail postfix/submission/smtpd[1236]: '
lines.append(pf + b'connect from ' + EVIL + b'[203.0.113.21]')
lines.append(pf + b'warning: unknown[203.0.113.21]: SASL PLAIN authentication failed: ' +
             EVIL + b', sasl_username=' + EVIL)
lines.append(pf + b'NOQUEUE: reject: RCPT from unknown[203.0.113.21]: 554 5.7.1 <x@example.net>: Relay ' +
             EVIL + b'; from=<' + EVIL + b'> to=<x@example.net> proto=ESMTP helo=<' + EVIL + b'>')
lines.append(pf + b'disconnect from unknown[203.0.113.21] ehlo=1 auth=0/1 quit=1 commands=2/3')
lines.append(s + b' mail dovecot: imap-login: Aborted login (auth failed, 1 attempts): user=<' + EVIL +
             b'>, method=PLAIN, rip=203.0.113.23, lip=192.0.2.10, session=<' + EVIL + b'>')
lines.append(s + b' mail dovecot: auth: passwd-file(' + EVIL + b',203.0.113.23,<' + EVIL +
             b'>): unknown user')
with open(sys.argv[1], 'wb') as f:
    f.write(b'\n'.join(lines) + b'\n')
EOF

# clean FILE json|text: every byte printable (or a newline), valid UTF-8,
# no C1, bidi or other format character; JSON Lines must parse.
clean() {
	python3 - "$1" "$2" <<'EOF'
import json, sys, unicodedata
path, kind = sys.argv[1], sys.argv[2]
data = open(path, 'rb').read()
bad = [i for i, b in enumerate(data) if (b < 0x20 and b != 0x0a) or b == 0x7f]
if bad:
    i = bad[0]
    sys.exit('%s: %d control bytes; the first at %d: %r' % (path, len(bad), i, data[max(0, i - 40):i + 40]))
try:
    text = data.decode('utf-8')
except UnicodeDecodeError as e:
    sys.exit('%s: not UTF-8: %s: %r' % (path, e, data[max(0, e.start - 40):e.start + 40]))
for i, ch in enumerate(text):
    if unicodedata.category(ch) in ('Cc', 'Cf', 'Co', 'Cs', 'Zl', 'Zp') and ch != '\n':
        sys.exit('%s: U+%04X at %d: %r' % (path, ord(ch), i, text[max(0, i - 40):i + 40]))
if kind == 'json':
    for n, line in enumerate(text.splitlines(), 1):
        try:
            json.loads(line)
        except ValueError as e:
            sys.exit('%s: line %d is not JSON: %s' % (path, n, e))
EOF
}

# run NAME ARGS...: a replay of the log, within 20 s.
run() {
	local name=$1
	shift
	timeout 20 "$bin" watch --log "$dir/hostile.log" --since 1d --for 0 "$@" \
		>"$dir/$name.out" 2>"$dir/$name.err"
	local rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
		fail "$name: exit $rc: $(head -c 2000 "$dir/$name.err" | cat -v)"
		return 1
	fi
	return 0
}

for mode in text json; do
	args=()
	[ "$mode" = json ] && args=(--json)
	if run "$mode" "${args[@]}"; then
		if msg=$(clean "$dir/$mode.out" "$mode" 2>&1); then ok; else fail "$mode output: $msg"; fi
		if msg=$(clean "$dir/$mode.err" text 2>&1); then ok; else fail "$mode errors: $msg"; fi
	fi
	# IMAP too, and one user's attempts: the filters' own paths.
	if run "$mode-imap" --ip 203.0.113.23 --ip 203.0.113.21 "${args[@]}"; then
		if msg=$(clean "$dir/$mode-imap.out" "$mode" 2>&1); then ok; else fail "$mode --ip output: $msg"; fi
		if msg=$(clean "$dir/$mode-imap.err" text 2>&1); then ok; else fail "$mode --ip errors: $msg"; fi
	fi
done

# Not vacuous: the attempts are there.
n=$(grep -c '^{' "$dir/json.out")
if [ "$n" -ge 5 ]; then ok; else fail "json: $n attempts shown (at least 5 expected)"; fi
for a in 203.0.113.5 203.0.113.9 203.0.113.21; do
	if grep -q "  $a  " "$dir/text.out" && grep -q "\"address\":\"$a\"" "$dir/json.out"; then ok; else
		fail "the attempt from $a is missing"
	fi
done
if grep -q '"address":"203.0.113.23"' "$dir/json-imap.out" &&
	grep -q '"protocol":"imap"' "$dir/json-imap.out"; then ok; else
	fail "the IMAP attempt from 203.0.113.23 is missing"
fi
# The diagnosis reads through the hostile text: the wrong password, and
# the founding case (no login, a refusal) with a cause.
if python3 - "$dir/json.out" <<'EOF'
import json, sys
seen = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(not (any(a["cause"] == "wrong-credentials" for a in seen) and
              any(a["login"] == "none" and a["refused"] and a["cause"] for a in seen)))
EOF
then ok; else fail "json: no cause read through the hostile text"; fi

echo "watch hostile: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
