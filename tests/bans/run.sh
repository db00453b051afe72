#!/usr/bin/env bash
# tests/bans/run.sh SMTPFIX   (as root)
# smtpfix bans against:
#   1. copies of a cPanel server's files under --root (CSF's lists, LFD's
#      and cPHulk's logs, cPanel's Exim list, a day of Exim's mail log);
#   2. a real fail2ban (Debian's package, unpacked by tests/bans/fetch.sh,
#      never installed) run privately on a test log, with a ban action that
#      touches no firewall: the ban is found with its exact unban command,
#      --unban lifts it (checked with fail2ban-client), and its database
#      is read when the server is stopped;
#   3. nftables and iptables rules in a network namespace made here.
# Everything is written in a temporary folder; the fail2ban server is
# stopped on exit. Anything missing is a failure, never a skip.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bin=${1:?usage: run.sh SMTPFIX}
f2b=${SMTPFIX_FAIL2BAN_DIR:-$top/build/fail2ban}/root
fails=0
tmp=""
f2b_up=0

die() { echo "bans: $*" >&2; exit 1; }
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
pass() { echo "ok: $*"; }

[ "$(id -u)" -eq 0 ] || die "run as root (the firewall tests use a network namespace)"
[ -x "$bin" ] || die "no smtpfix at $bin"
for c in unshare nft iptables iptables-save ip6tables jq sqlite3 /usr/bin/python3; do
	command -v "$c" >/dev/null 2>&1 || die "$c is missing (make deps installs it)"
done
[ -x "$f2b/usr/bin/fail2ban-client" ] || die "fail2ban is not unpacked in $f2b (run tests/bans/fetch.sh)"

tmp=$(mktemp -d)
cleanup() {
	if [ "$f2b_up" = 1 ]; then
		PYTHONPATH=$f2b/usr/lib/python3/dist-packages timeout 10 /usr/bin/python3 \
			"$f2b/usr/bin/fail2ban-client" -c "$tmp/f2b/etc/fail2ban" \
			-s "$tmp/f2b/run/fail2ban.sock" stop >/dev/null 2>&1
		[ -f "$tmp/f2b/run/fail2ban.pid" ] && kill "$(cat "$tmp/f2b/run/fail2ban.pid")" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
[ -n "${SMTPFIX_KEEP:-}" ] && trap - EXIT

# expect STATUS DESCRIPTION -- command...: run, keep output in $out.
expect() {
	local want=$1 what=$2
	shift 3
	out=$("$@" 2>&1)
	local rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "$what: exit $rc, not $want"
		printf '%s\n' "$out" | sed 's/^/    /' >&2
		return 1
	fi
	pass "$what (exit $rc)"
}
has() {
	if printf '%s\n' "$out" | grep -qF -- "$2"; then
		pass "$1"
	else
		fail "$1: no '$2' in:"
		printf '%s\n' "$out" | sed 's/^/    /' >&2
	fi
}
hasnt() {
	if printf '%s\n' "$out" | grep -qF -- "$2"; then
		fail "$1: '$2' should not be in:"
		printf '%s\n' "$out" | sed 's/^/    /' >&2
	else
		pass "$1"
	fi
}

############################################################ 1. fixtures
root=$tmp/cpanel
cp -r "$top/tests/fixtures/bans/cpanel" "$root"
mkdir -p "$root/var/lib/csf"
now=$(date +%s)
printf '%s|192.0.2.77|25;tcp,587;tcp|in|3600|lfd - (smtpauth) Failed SMTP AUTH login from 192.0.2.77 (-): 5 in the last 3600 secs\n' \
	"$((now - 600))" >"$root/var/lib/csf/csf.tempban"
printf '%s|192.0.2.78||inout|600|expired long ago\n' "$((now - 7200))" >>"$root/var/lib/csf/csf.tempban"
# A day of Exim's log (cPanel's /var/log/exim_mainlog): bob's phone fails
# 212 times from 203.0.113.9 while his laptop sends fine; carol mistypes
# once and then logs in.
log=$root/var/log/exim_mainlog
for i in $(seq 0 211); do
	t=$((now - 20 * 3600 + i * 300))
	printf '%s dovecot_login authenticator failed for (phone) [203.0.113.9]:%d I=[10.0.0.2]:587: 535 Incorrect authentication data (set_id=bob@example.com)\n' \
		"$(date -d "@$t" '+%F %T')" $((40000 + i))
	if [ $((i % 20)) -eq 0 ]; then
		printf '%s 1tXyZa-0%05d-AB <= bob@example.com H=(laptop) [198.51.100.7]:51000 I=[10.0.0.2]:587 P=esmtpsa X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no A=dovecot_plain:bob@example.com S=1234 id=m%d@laptop\n' \
			"$(date -d "@$t" '+%F %T')" "$i" "$i"
	fi
done >"$log"
t=$((now - 3600))
printf '%s dovecot_login authenticator failed for (pc) [192.0.2.5]:50000 I=[10.0.0.2]:587: 535 Incorrect authentication data (set_id=carol@example.com)\n' \
	"$(date -d "@$t" '+%F %T')" >>"$log"
printf '%s 1tXyZb-000001-AB <= carol@example.com H=(pc) [192.0.2.5]:50001 I=[10.0.0.2]:587 P=esmtpsa X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no A=dovecot_plain:carol@example.com S=99 id=c1@pc\n' \
	"$(date -d "@$((t + 30))" '+%F %T')" >>"$log"

expect 1 "CSF permanent block from csf.deny" -- "$bin" bans --root "$root" --ip 203.0.113.9
has "names CSF and the file" "203.0.113.9 is blocked by CSF/LFD (/etc/csf/csf.deny)"
has "gives the recorded reason" "Failed SMTP AUTH login from 203.0.113.9"
has "gives LFD's log line" "*Blocked in csf* [LF_SMTPAUTH]"
hasnt "does not take 203.0.113.90's line" "203.0.113.90 (-)"
has "the lift command" "Lift it on the server itself: csf -dr 203.0.113.9"
has "the firewall is left alone under --root" "Not checked: nftables: not looked at: --root"
has "the device with the old password" "bob@example.com: 212 failed SMTP logins from 203.0.113.9 since"
has "beside the good place" "fine from 198.51.100.7 (smtp)"
hasnt "a single mistype is not named" "carol@example.com:"

expect 1 "CSF temporary block from csf.tempban" -- "$bin" bans --root "$root" --ip 192.0.2.77
has "temporary block named" "192.0.2.77 is blocked by CSF/LFD (/var/lib/csf/csf.tempban)"
has "temporary lift" "csf -tr 192.0.2.77"
expect 0 "an expired temporary block is not one" -- "$bin" bans --root "$root" --ip 192.0.2.78
has "lists what was looked at" "192.0.2.78 is not blocked by any of: CSF/LFD, cPHulk, cPanel's Exim block lists."
has "says what was not" "Not checked: fail2ban: not installed"

expect 1 "CSF range (IPv6 prefix)" -- "$bin" bans --root "$root" --ip 2001:db8:bad::17
has "the prefix holding it" "listed as 2001:db8:bad::/48"
expect 1 "CSF advanced rule" -- "$bin" bans --root "$root" --ip 198.51.100.44
has "lifted by hand" "delete its line there by hand"

expect 1 "cPHulk from its log" -- "$bin" bans --root "$root" --ip 198.51.100.23
has "cPHulk named" "198.51.100.23 is blocked by cPHulk"
has "the log line behind it" "Login Blocked: IP reputation based"
has "whmapi1 lift" "whmapi1 flush_cphulk_login_history_for_ips ip=198.51.100.23"
has "uncertainty said" "the block may have ended since"

expect 1 "cPanel's Exim list" -- "$bin" bans --root "$root" --ip 192.0.2.200
has "the list file" "192.0.2.200 is blocked by cPanel's Exim block lists (/etc/spammeripblocks), listed as 192.0.2.128/25"

expect 1 "--unban under --root runs nothing" -- "$bin" bans --root "$root" --ip 203.0.113.9 --unban
has "says why it did not run" "Not run: it was read from a copy"
[ -n "$(grep -F '203.0.113.9 #' "$root/etc/csf/csf.deny")" ] && pass "csf.deny untouched" || fail "csf.deny was changed"

expect 1 "JSON" -- "$bin" bans --root "$root" --ip 203.0.113.9 --json
if printf '%s\n' "$out" | jq -e '.blocked == true and .reports[0].blocks[0].source == "csf"
	and .reports[0].blocks[0].lift_argv[1] == "-dr"
	and (.reports[0].checks | map(select(.source == "nftables"))[0].state) == "skipped"
	and .old_passwords.devices[0].user == "bob@example.com"
	and .old_passwords.devices[0].failed == 212' >/dev/null; then
	pass "JSON holds the block, the checks and the device"
else
	fail "JSON:"
	printf '%s\n' "$out" | sed 's/^/    /' >&2
fi
expect 1 "no --ip: the failing device's address is looked up" -- "$bin" bans --root "$root" --user bob@example.com
has "its block" "203.0.113.9 is blocked by CSF/LFD"
expect 2 "a bad address is refused" -- "$bin" bans --ip '203.0.113.9;id'
expect 2 "a bad user is refused" -- "$bin" bans --user 'bob$(id)@example.com'
expect 2 "--unban needs --ip" -- "$bin" bans --unban

############################################################ 2. fail2ban
F=$tmp/f2b
mkdir -p "$F/etc/fail2ban/filter.d" "$F/etc/fail2ban/action.d" "$F/run" "$F/log"
cp -r "$f2b/etc/fail2ban/." "$F/etc/fail2ban/"
rm -f "$F/etc/fail2ban/jail.d/"*
cat >"$F/etc/fail2ban/fail2ban.local" <<EOF
[Definition]
loglevel = INFO
logtarget = $F/log/fail2ban.log
socket = $F/run/fail2ban.sock
pidfile = $F/run/fail2ban.pid
dbfile = $F/fail2ban.sqlite3
EOF
cat >"$F/etc/fail2ban/filter.d/smtpfix-exim.local" <<'EOF'
[Definition]
failregex = ^\s*\S+ authenticator failed for [^[]*\[<HOST>\](:\d+)?( I=\[\S+\](:\d+)?)?: 535 Incorrect authentication data
EOF
cat >"$F/etc/fail2ban/action.d/smtpfix-mark.local" <<EOF
[Definition]
actionban = touch $F/banned-<ip>
actionunban = rm -f $F/banned-<ip>
EOF
: >"$F/log/mainlog"
cat >"$F/etc/fail2ban/jail.local" <<EOF
[DEFAULT]
backend = polling
[exim-auth]
enabled = true
filter = smtpfix-exim
logpath = $F/log/mainlog
maxretry = 3
findtime = 600
bantime = 3600
banaction = smtpfix-mark
action = smtpfix-mark
EOF
export PYTHONPATH=$f2b/usr/lib/python3/dist-packages
export PATH=$f2b/usr/bin:$PATH
client() { timeout 20 /usr/bin/python3 "$f2b/usr/bin/fail2ban-client" -c "$F/etc/fail2ban" -s "$F/run/fail2ban.sock" "$@"; }
if ! timeout 30 /usr/bin/python3 "$f2b/usr/bin/fail2ban-client" -c "$F/etc/fail2ban" start >/dev/null 2>&1; then
	cat "$F/log/fail2ban.log" >&2 2>/dev/null
	die "the private fail2ban did not start"
fi
f2b_up=1
client ping >/dev/null || die "the private fail2ban does not answer"
# fail_bob PORT-PREFIX: four failed logins of bob's phone from 203.0.113.9
# (client ports PREFIX1..PREFIX4), then up to 20 s for fail2ban's ban.
fail_bob() {
	local i
	for i in 1 2 3 4; do
		printf '%s dovecot_login authenticator failed for (phone) [203.0.113.9]:%s%d I=[127.0.0.1]:587: 535 Incorrect authentication data (set_id=bob@example.com)\n' \
			"$(date '+%F %T')" "$1" "$i" >>"$F/log/mainlog"
	done
	for _ in $(seq 1 100); do
		client status exim-auth 2>/dev/null | grep -q 'Banned IP list:.*203\.0\.113\.9' && break
		sleep 0.2
	done
}
fail_bob 4000
client status exim-auth | grep -q 'Banned IP list:.*203\.0\.113\.9' || die "fail2ban did not ban 203.0.113.9 within 20 s"
[ -e "$F/banned-203.0.113.9" ] || fail "the test ban action did not run"

unban_cmd="fail2ban-client -c $F/etc/fail2ban -s $F/run/fail2ban.sock set exim-auth unbanip 203.0.113.9"
expect 1 "fail2ban ban found" -- "$bin" bans --root "$F" --ip 203.0.113.9
has "jail named" "203.0.113.9 is blocked by fail2ban (jail exim-auth), since"
has "exact unban command" "Lift it: $unban_cmd"
has "the log lines from fail2ban's database" "authenticator failed for (phone) [203.0.113.9]:40001"
has "the failures counted" "It took 3 failed attempts."
expect 0 "another address is not banned" -- "$bin" bans --root "$F" --ip 203.0.113.10
has "fail2ban asked" "203.0.113.10 is not blocked by any of: fail2ban."

expect 0 "--unban lifts the ban" -- "$bin" bans --root "$F" --ip 203.0.113.9 --unban
has "prints the command" "Running: $unban_cmd"
has "and its result" "Lifted."
if client status exim-auth | grep -q 'Banned IP list:.*203\.0\.113\.9'; then
	fail "fail2ban still bans 203.0.113.9 after --unban"
else
	pass "fail2ban-client shows the ban gone"
fi
expect 0 "the next run finds nothing" -- "$bin" bans --root "$F" --ip 203.0.113.9

# The wizard on the mail server: the person's program sends nothing that
# arrives, their address of the day is banned; the admin says yes and the
# block is lifted, the command shown and kept in the report.
fail_bob 4100
mkdir -p "$tmp/wizard-reports"
closed=$((20000 + RANDOM % 20000))
out=$(printf '\n\n\n\n\n1\n' | timeout 60 "$bin" --plain --role admin --client thunderbird \
	--email bob@example.com --resolve example.com:127.0.0.1 --port-map "587=$closed" \
	--port-map "465=$closed" --timeout 2 --root "$F" --log "$F/log/mainlog" --watch-for 2 \
	--save --report-dir "$tmp/wizard-reports" 2>&1)
has "wizard: nothing arrived" "Nothing from bob@example.com reached this server"
has "wizard: the block named" "203.0.113.9 is blocked by fail2ban"
has "wizard: the command shown" "Running: $unban_cmd"
has "wizard: lifted" "The block is lifted."
if client status exim-auth | grep -q 'Banned IP list:.*203\.0\.113\.9'; then
	fail "the wizard's yes did not lift the ban"
else
	pass "the wizard's yes lifted the ban (fail2ban-client)"
fi
if grep -q "Lifted a block on 203.0.113.9 by fail2ban" "$tmp"/wizard-reports/*.txt 2>/dev/null; then
	pass "the lifting is in the saved report"
else
	fail "the saved report does not record the lifted block"
fi

# Banned again, then the server stopped: the database is read.
fail_bob 4200
client stop >/dev/null 2>&1
f2b_up=0
for _ in $(seq 1 50); do [ -e "$F/run/fail2ban.sock" ] || break; sleep 0.2; done
expect 1 "with the server stopped, its database" -- "$bin" bans --root "$F" --ip 203.0.113.9
has "from the database" "jail exim-auth (from its database)"
has "says the server is not running" "the fail2ban server is not running"

############################################################ 3. nftables and iptables
cat >"$tmp/ns.sh" <<'EOF'
set -u
bin=$1
nft -f - <<'NFT' || { echo "nft rules could not be loaded"; exit 9; }
table inet smtpfixtest {
	set blocked4 { type ipv4_addr; flags interval; elements = { 198.51.100.0/24, 203.0.113.9 } }
	set blocked6 { type ipv6_addr; elements = { 2001:db8::9 } }
	set friends { type ipv4_addr; elements = { 203.0.113.9 } }
	chain input {
		type filter hook input priority 0; policy accept;
		ip saddr @friends tcp dport 22 accept
		ip saddr @blocked4 drop
		ip6 saddr @blocked6 drop
		ip saddr 203.0.113.9 tcp dport 587 reject
	}
}
NFT
iptables -A INPUT -s 203.0.113.9 -p tcp --dport 25 -j DROP || exit 9
ip6tables -A INPUT -s 2001:db8::/32 -p tcp --dport 465 -j REJECT || exit 9
echo "== find v4"; "$bin" bans --ip 203.0.113.9; echo "rc=$?"
echo "== find v6"; "$bin" bans --ip 2001:db8::9; echo "rc=$?"
echo "== unban v4"; "$bin" bans --ip 203.0.113.9 --unban; echo "rc=$?"
echo "== ruleset after"; nft list ruleset; iptables-save
echo "== again v4"; "$bin" bans --ip 203.0.113.9; echo "rc=$?"
echo "== unban v6"; "$bin" bans --ip 2001:db8::9 --unban; echo "rc=$?"
echo "== ruleset after v6"; nft list ruleset; ip6tables-save
EOF
out=$(unshare --net bash "$tmp/ns.sh" "$bin" 2>&1)
section() { printf '%s\n' "$all" | awk -v s="== $1" '$0 == s {on=1; next} /^== / {on=0} on'; }
all=$out
out=$(section "find v4")
has "set element found" "203.0.113.9 is blocked by nftables (set inet smtpfixtest blocked4 (used in chain input))"
has "set lift" "nft delete element inet smtpfixtest blocked4 '{' 203.0.113.9 '}'"
has "literal rule found" "nft delete rule inet smtpfixtest input handle"
has "iptables rule found" "iptables -t filter -D INPUT -s 203.0.113.9/32 -p tcp -m tcp --dport 25 -j DROP"
hasnt "an allow set is not a block" "friends"
has "exit 1" "rc=1"
out=$(section "find v6")
has "IPv6 set element" "2001:db8::9 is blocked by nftables (set inet smtpfixtest blocked6"
has "ip6tables prefix" "ip6tables -t filter -D INPUT -s 2001:db8::/32"
out=$(section "unban v4")
has "prints nft commands" "Running: nft delete element inet smtpfixtest blocked4"
has "prints iptables command" "Running: iptables -t filter -D INPUT -s 203.0.113.9/32"
hasnt "no lift fails" "Not lifted"
has "exit 0 once lifted" "rc=0"
out=$(section "ruleset after")
hasnt "the set element is gone" "198.51.100.0/24, 203.0.113.9"
has "the rest of the set stays" "elements = { 198.51.100.0/24 }"
hasnt "the nft rule is gone" "ip saddr 203.0.113.9 tcp dport 587"
hasnt "the iptables rule is gone" "-s 203.0.113.9/32"
has "the allow set is left alone" "elements = { 203.0.113.9 }"
out=$(section "again v4")
has "next run: not blocked" "203.0.113.9 is not blocked by any of: nftables, iptables."
has "next run exit 0" "rc=0"
out=$(section "ruleset after v6")
hasnt "no 2001:db8::9 left" "2001:db8::9"
hasnt "no 2001:db8::/32 left" "2001:db8::/32"
if printf '%s\n' "$all" | grep -q "could not be loaded"; then
	fail "the namespace's rules could not be set up"
	printf '%s\n' "$all" >&2
fi

if [ "$fails" -ne 0 ]; then
	echo "bans: $fails check(s) failed" >&2
	exit 1
fi
echo "bans: all checks passed"
