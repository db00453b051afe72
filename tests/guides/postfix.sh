#!/usr/bin/env bash
# The Postfix relay guide followed word for word: a real Postfix (Debian's
# package, unpacked, in a private namespace with its own configuration,
# queue and log) is set up by the guide's script as it is rendered, then
# relays a message to the practice server and to the test Exim, on
# STARTTLS (587) and SSL/TLS (465), trusting the test CA the way the guide
# says; the message must arrive. Needs root, as the other real servers'
# tests (make check-guides runs it with sudo when make is not root).
set -uo pipefail

bin=$(cd "$(dirname "${1:?usage: postfix.sh PATH-TO-SMTPFIX}")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../servers/servers.sh
source "$here/../servers/servers.sh"
# shellcheck source=../exim/server.sh
source "$here/../exim/server.sh"
# shellcheck source=../lab/server.sh
source "$here/../lab/server.sh"
# shellcheck source=../lib.sh
source "$here/../lib.sh"
dir=$(mktemp -d "${TMPDIR:-/tmp}/smtpfix-relay.XXXXXX")
chmod 755 "$dir"
lab_pid=
cleanup() {
	local s
	for s in "$dir"/relay-*; do [ -d "$s" ] && srv_ns_stop "$s"; done
	[ -n "$lab_pid" ] && kill "$lab_pid" 2>/dev/null
	exim_stop "$dir/exim"
	rm -rf "$dir"
}
trap cleanup EXIT
check_failed() { for f in "$sdir"/maillog "$sdir"/setup.out "$sdir"/ns.out; do [ -s "$f" ] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }; done; }

srv_check postfix usr/lib/postfix/sbin/master usr/sbin/postconf usr/sbin/postmap || exit 1
lab_start "$bin" "$dir/lab.out" || exit 1
lab_pid=$LAB_PID
chmod 755 "$(dirname "$LABCA")"
mkdir -p "$dir/exim"
exim_start "$dir/exim" || { echo "relay: the test Exim did not start" >&2; exit 1; }

# relay NAME HOST PORT SECURITY USER PASSWORD CA: a private Postfix set up
# only by the guide's script, then one message handed to it over SMTP.
relay() {
	local name=$1 host=$2 port=$3 sec=$4 user=$5 pass=$6 ca=$7 inport
	sdir=$dir/relay-$name
	mkdir -p "$sdir/conf" "$sdir/queue" "$sdir/data"
	srv_write_etc "$sdir"
	echo "127.0.0.1 mail.lab.smtpfix.test" >>"$sdir/etc/hosts"
	read -r inport <<<"$(srv_free_ports 1)"
	# Debian's stock master.cf without chroot; the one smtpd on a free port.
	awk -v smtp="127.0.0.1:$inport" '
		/^smtp[ \t]+inet/ { $1 = smtp; $5 = "n"; print; next }
		/^[a-z0-9]/ && NF >= 8 && $5 == "y" { $5 = "n"; print; next }
		{ print }' "$SERVERS_ROOT/postfix/root/usr/share/postfix/master.cf.dist" >"$sdir/conf/master.cf"
	# A machine's Postfix before the guide: Debian's main.cf (with its own
	# smtp_tls_security_level line) and the private instance's folders.
	cat >"$sdir/conf/main.cf" <<-CONF
	smtpd_banner = \$myhostname ESMTP \$mail_name (Debian/GNU)
	biff = no
	append_dot_mydomain = no
	compatibility_level = 3.6
	smtp_tls_security_level = may
	smtpd_relay_restrictions = permit_mynetworks permit_sasl_authenticated defer_unauth_destination
	myhostname = relay.smtpfix.test
	mydestination =
	relayhost =
	mynetworks = 127.0.0.0/8
	queue_directory = $sdir/queue
	data_directory = $sdir/data
	meta_directory = $sdir/conf
	daemon_directory = /usr/lib/postfix/sbin
	command_directory = /usr/sbin
	shlib_directory = /usr/lib/postfix
	mail_owner = postfix
	setgid_group = postdrop
	maillog_file_prefixes = $sdir
	maillog_file = $sdir/maillog
	inet_interfaces = 127.0.0.1
	inet_protocols = ipv4
	alias_maps =
	alias_database =
	smtp_host_lookup = native
	CONF
	"$bin" guide --client postfix-relay --host "$host" --port "$port" --security "$sec" --user "$user" \
		--ca-file "$ca" | sed -n '/^The whole of it, ready to copy:$/,$p' | tail -n +3 | sed 's/^    //' >"$sdir/guide.sh"
	{
		srv_postfix_layout "$sdir"
		echo "export MAIL_CONFIG='$sdir/conf'"
		echo "setsid /usr/lib/postfix/sbin/master -d -c '$sdir/conf' >'$sdir/master.out' 2>&1 &"
		# The guide ends with "postfix reload": Postfix runs before it starts.
		echo "for i in \$(seq 100); do [ -s '$sdir/queue/pid/master.pid' ] && break; sleep 0.05; done"
		echo "sleep 0.2"
		# The guide's script, as rendered, as root.
		echo "SMTP_PASSWORD='$pass' bash '$sdir/guide.sh' >'$sdir/setup.out' 2>&1; echo \$? >'$sdir/setup.rc'"
	} >"$sdir/start.sh"
	srv_ns_start "$sdir" postfix || return 1
	srv_ns_wait "$sdir" 127.0.0.1 "$inport" || return 1
	for _ in $(seq 100); do [ -s "$sdir/setup.rc" ] && break; sleep 0.1; done
	check "postfix relay, $name: the guide's script runs" [ "$(cat "$sdir/setup.rc" 2>/dev/null)" = 0 ]
	check "postfix relay, $name: one setting line each" [ "$(grep -c '^smtp_tls_security_level' "$sdir/conf/main.cf")" -eq 1 ]
	sleep 1 # the reload
	timeout 20 swaks --server "127.0.0.1:$inport" --from "$user" --to someone@example.com \
		--h-Subject "relay guide test" --timeout 10 >"$sdir/swaks.out" 2>&1
	check "postfix relay, $name: takes the message" [ $? -eq 0 ]
}

arrived_lab() { grep -q '^message taken: .*TLS, login demo@lab.smtpfix.test' "$dir/lab.out"; }
arrived_exim() { grep -q '<= .* A=\(plain\|login\):tester@smtpfix-test.example' "$dir/exim/log/mainlog"; }
wait_until() { local i; for i in $(seq 150); do "$@" && return 0; sleep 0.1; done; return 1; }

relay lab-starttls mail.lab.smtpfix.test "$LAB587" starttls demo@lab.smtpfix.test practice-2026 "$LABCA"
check "postfix relay, lab-starttls: the message arrived" wait_until arrived_lab
relay lab-tls mail.lab.smtpfix.test "$LAB465" tls demo@lab.smtpfix.test practice-2026 "$LABCA"
check "postfix relay, lab-tls: the message arrived" wait_until sh -c "[ \$(grep -c '^message taken: port 465' '$dir/lab.out') -ge 1 ]"
relay exim-starttls smtpfix-test.example "$EXIM_PORT_CPANEL" starttls tester@smtpfix-test.example test-password "$EXIM_CA"
check "postfix relay, exim-starttls: the message arrived" wait_until arrived_exim
relay exim-tls smtpfix-test.example "$EXIM_PORT_SMTPS" tls tester@smtpfix-test.example test-password "$EXIM_CA"
check "postfix relay, exim-tls: the message arrived" wait_until sh -c "[ \$(grep -c 'A=\\(plain\\|login\\):tester@smtpfix-test.example' '$dir/exim/log/mainlog') -ge 2 ]"

# The founding case's wrong way (587, no encryption, login on): Postfix
# sends without logging in (the server offers no login without TLS), the
# server refuses, and the mail log's line is explained as the founding
# cause.
relay lab-none mail.lab.smtpfix.test "$LAB587" none demo@lab.smtpfix.test practice-2026 "$LABCA"
bounced() { grep -q 'status=bounced\|status=deferred' "$sdir/maillog"; }
check "postfix relay, 587 none: the message does not go" wait_until bounced
grep 'status=bounced\|status=deferred' "$sdir/maillog" | head -1 >"$sdir/failure"
"$bin" explain --json <"$sdir/failure" >"$sdir/failure.json" 2>/dev/null
check "postfix relay, 587 none: explain names the founding cause" \
	jq -e '[.causes[].cause] | index("auth-requires-tls") != null' "$sdir/failure.json" >/dev/null

finish postfix-relay
