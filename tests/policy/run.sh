#!/usr/bin/env bash
# smtpfix policy against fixture server trees, and the real programs:
# Exim's -bP and Postfix's postconf must reach the same verdict as parsing
# the same files. Missing programs fail the run; nothing is skipped.
set -uo pipefail

bin=${1:?usage: run.sh PATH-TO-SMTPFIX}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
servers="$top/tests/fixtures/servers"
# shellcheck source=../exim/server.sh
source "$top/tests/exim/server.sh"
postfix_root="${SMTPFIX_POSTFIX_DIR:-$top/build/postfix}/root"

# shellcheck source=lib.sh
source "$here/lib.sh"
expect_show='del(.log)'
policy_setup policy
out="$dir/out.json"

policy() {
	current=$1
	shift
	"$bin" policy --json "$@" >"$out" 2>"$dir/err" || fail "exit status $? ($(cat "$dir/err"))"
}

# 1. The files alone.
policy cpanel-secure --root "$servers/cpanel-secure"
expect '.mta == "exim" and .panel == "cpanel" and .flavour == "cpanel"'
expect '.auth_requires_tls.value == true and .auth_requires_tls.source == "/etc/exim.conf"'
expect '.auth_requires_tls.evidence | test("def:tls_cipher")'
expect '.intent.require_secure_auth == true and .pop_before_smtp == false and .submission_587_rule == true'
expect '[.ports[] | [.port, .implicit_tls]] == [[25,false],[26,false],[465,true],[587,false]]'
expect '.dovecot_plaintext_allowed.value == true'
expect '.relay_refusal_text | test("not permitted to relay")'
expect '[.findings[].id] | index("auth-requires-tls") != null and index("config-not-rebuilt") == null'
expect '.unreadable == [] and .notes == []'

policy cpanel-insecure --root "$servers/cpanel-insecure"
expect '.auth_requires_tls.value == false and .intent.require_secure_auth == false and .pop_before_smtp == true'
expect '[.findings[].id] | index("pop-before-smtp-on") != null and index("config-not-rebuilt") == null'

policy cpanel-stale --root "$servers/cpanel-stale"
expect '.auth_requires_tls.value == false and .intent.require_secure_auth == true'
expect '[.findings[] | select(.id == "config-not-rebuilt")][0].text | test("buildeximconf")'

policy debian-split --root "$servers/debian-split"
expect '.mta == "exim" and .flavour == "debian" and .panel == null'
expect '.auth_requires_tls.value == true and .auth_requires_tls.source == "/etc/exim4/conf.d"'
expect '[.ports[] | [.port, .implicit_tls]] == [[25,false],[465,true],[587,false]]'

policy debian-notls --root "$servers/debian-notls"
expect '.auth_requires_tls.value == false and (.auth_requires_tls.evidence | test("plain_server"))'

policy postfix --root "$servers/postfix"
expect '.mta == "postfix" and .auth_requires_tls.value == true'
expect '[.services[] | [.name, .port, .sasl, .auth_requires_tls]] == [["smtp",25,false,null],["submission",587,true,true],["submissions",465,true,true]]'
expect '.dovecot_plaintext_allowed.value == false'

policy postfix-open --root "$servers/postfix-open"
expect '.auth_requires_tls.value == false and (.auth_requires_tls.evidence | test("service smtp"))'

# 2. The real programs reach the same verdicts.
current=programs
if [ ! -x "$EXIM_BIN" ] || [ ! -f "$NSS_WRAPPER_LIB" ] || [ ! -x "$postfix_root/usr/sbin/postconf" ]; then
	fail "the private Exim or postconf is missing: run 'make deps'"
else
	exim_private_users "$dir" 65534 65534
	cat >"$dir/exim" <<WRAP
#!/bin/sh
exec env LD_PRELOAD="$NSS_WRAPPER_LIB" NSS_WRAPPER_PASSWD="$dir/passwd" NSS_WRAPPER_GROUP="$dir/group" "$EXIM_BIN" "\$@"
WRAP
	cat >"$dir/postconf" <<WRAP
#!/bin/sh
exec env LD_LIBRARY_PATH="$postfix_root/usr/lib/postfix" "$postfix_root/usr/sbin/postconf" "\$@"
WRAP
	chmod 755 "$dir/exim" "$dir/postconf"
	for t in cpanel-secure cpanel-insecure cpanel-stale; do
		policy "exim -bP $t" --root "$servers/$t" --exim "$dir/exim"
		expect '.auth_requires_tls.source == "exim -bP" and .auth_requires_tls.value != null'
		expect '.auth_requires_tls.value == .auth_requires_tls_files.value'
		expect '[.ports[] | .port] | index(465) != null'
	done
	for t in postfix postfix-open; do
		policy "postconf $t" --root "$servers/$t" --postconf "$dir/postconf"
		expect '.auth_requires_tls.source == "postconf -n/-M/-P"'
		expect '.auth_requires_tls.value == .auth_requires_tls_files.value'
		expect '[.services[] | .name] == ["smtp","submission","submissions"]'
	done
fi

# 3. Not root: what cannot be read is listed with what it hides, and the
#    rest is still read.
current=not-root
cp -r "$servers/cpanel-secure" "$dir/tree"
chmod -R a+rX "$dir/tree"
chmod 600 "$dir/tree/etc/exim.conf"
if [ "$(id -u)" -eq 0 ]; then
	run_as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
else
	run_as=()
fi
"${run_as[@]}" "$bin" policy --root "$dir/tree" --json >"$out" 2>"$dir/err"
rc=$?
[ "$rc" -eq 0 ] && passed=$((passed + 1)) || fail "exit status $rc: $(cat "$dir/err")"
expect '[.unreadable[] | select(.path == "/etc/exim.conf")][0] | (.why | test("ermission")) and (.hides | test("AUTH policy"))'
expect '.intent.require_secure_auth == true and .auth_requires_tls.value == null'
"${run_as[@]}" "$bin" policy --root "$dir/tree" >"$dir/text" 2>&1
grep -q "^Not read (run as root" "$dir/text" && grep -q "^  /etc/exim.conf: Permission denied" "$dir/text" &&
	passed=$((passed + 1)) || fail "the summary does not list the unreadable file"

# 4. Broken and odd configs: what can be read, plus a note, never a crash.
current=odd-config
mkdir -p "$dir/odd/etc" && cp -r "$servers/cpanel-secure/." "$dir/odd/"
printf '.ifdef NEVER_CLOSED\n.include /etc/nowhere.conf\n.frobnicate yes\nbegin authenticators\nx:\n driver = plaintext\n public_name = PLAIN\n' >>"$dir/odd/etc/exim.conf"
head -c 300000 /dev/urandom >>"$dir/odd/etc/exim.conf"
"$bin" policy --root "$dir/odd" --json >"$out" 2>"$dir/err"
rc=$?
[ "$rc" -eq 0 ] && passed=$((passed + 1)) || fail "exit status $rc on a broken config"
expect '(.notes | length) > 0 and .mta == "exim"'

# 5. The mail log, in every format, found where the server keeps it (with
#    a rotated .gz), grouped, within --since.
current=log
mkdir -p "$dir/logs/var/log"
cp -r "$servers/cpanel-secure/." "$dir/logs/"
today=$(date '+%Y-%m-%d')
yesterday=$(date -d '-1 day' '+%Y-%m-%d')
sed -e "s/^2026-11-28/$yesterday/" -e "s/^2026-11-29/$today/" "$top/tests/fixtures/logs/exim_mainlog" \
	>"$dir/logs/var/log/exim_mainlog"
syslog_today=$(LC_ALL=C date '+%b %e')
sed "s/^Nov 29/$syslog_today/" "$top/tests/fixtures/logs/maillog" | gzip >"$dir/logs/var/log/maillog-20990101.gz"
"$bin" policy --root "$dir/logs" --json >"$out" 2>"$dir/err"
expect '([.log.files[].path | test("exim_mainlog$|maillog-20990101.gz$")] | all) and (.log.files | length) == 2'
expect '[.log.events[] | select(.kind == "submission-auth-required" and .address == "203.0.113.5")][0] | .count == 2 and .port == 587'
expect '[.log.events[] | select(.kind == "submission-auth-required" and .address == "203.0.113.99")] | length == 0'
expect '[.log.events[] | select(.kind == "auth-failed" and .address == "203.0.113.5")][0] | .count == 2 and .user == "u@example.com"'
expect '[.log.events[] | .kind] | unique == ["auth-failed","auth-not-advertised","dropped","plaintext-auth-accepted","plaintext-login-refused","relay-denied","submission-auth-required","tls-error"]'
expect '[.log.events[] | select(.kind == "relay-denied" and .address == "203.0.113.20")][0].port == 587'
{
	echo "$(date -d '-3 hours' '+%Y-%m-%d %H:%M:%S') SMTP connection from [203.0.113.70]:1 closed by DROP in ACL"
	echo "$(date -d '-10 minutes' '+%Y-%m-%d %H:%M:%S') SMTP connection from [203.0.113.71]:1 closed by DROP in ACL"
} >"$dir/recent.log"
"$bin" policy --root "$dir/logs" --since 1h --log "$dir/recent.log" --json >"$out" 2>"$dir/err"
expect '(.log.files | length) == 1 and ([.log.events[] | .address] == ["203.0.113.71"])'
"$bin" policy --root "$dir/logs" --log /nonexistent/log --json >"$out" 2>"$dir/err"
expect '[.unreadable[] | select(.path == "/nonexistent/log")] | length == 1'

# 6. Bad usage.
current=usage
"$bin" policy --since 7x >/dev/null 2>"$dir/err"; rc=$?
[ "$rc" -eq 2 ] && [ "$(wc -l <"$dir/err")" -eq 1 ] && passed=$((passed + 1)) || fail "--since 7x: exit $rc"
"$bin" policy --root /nonexistent >/dev/null 2>"$dir/err"; rc=$?
[ "$rc" -eq 2 ] && passed=$((passed + 1)) || fail "--root /nonexistent: exit $rc"

# Debian's stock template, as a fresh Debian server has it: its PLAIN and
# LOGIN authenticators are for Exim's own sending (client_send only) and
# offer nothing to mail programs, so no "AUTH without TLS" alarm.
current=debian-stock-template
template="${SMTPFIX_EXIM_DIR:-$top/build/exim}/config/root/etc/exim4/exim4.conf.template"
if [ -f "$template" ]; then
	mkdir -p "$dir/stock/etc/exim4"
	cp "$template" "$dir/stock/etc/exim4/"
	policy stock --root "$dir/stock"
	expect '.mta == "exim" and .flavour == "debian" and .auth_requires_tls.value == null'
	expect '.auth_requires_tls.evidence | test("no PLAIN or LOGIN authenticator")'
	expect '[.findings[].id] | index("auth-without-tls") == null'
else
	fail "Debian's stock Exim template is missing: run 'make deps' (tests/exim/fetch.sh)"
fi

finish policy
