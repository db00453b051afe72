# Real Postfix, Dovecot submission and OpenSMTPD on loopback for the tests.
# Sourced by test scripts (bash). Each server runs from Debian's packages as
# unpacked by tests/servers/fetch.sh (never installed), with a private
# config, spool and log under the DIR given, in a private mount and pid
# namespace (see ns-run.sh); ports are free ones picked at start.
#
#   postfix_start DIR   -> POSTFIX_PORT_SMTP (a "25": STARTTLS offered, no AUTH)
#                          POSTFIX_PORT_SUBMISSION (a "587": Debian's stock
#                            submission block, STARTTLS required, AUTH after TLS)
#                          POSTFIX_PORT_SUBMISSIONS (a "465": stock submissions
#                            block, implicit TLS, AUTH)
#                          POSTFIX_HOST=127.0.0.1  POSTFIX_CA (CA file)
#                          POSTFIX_NO_SASL_SOCKET=1 before the call: no Dovecot
#                          behind Postfix, so AUTH fails on the server side
#   postfix_stop DIR
#   dovecot_submission_start DIR
#                       -> DOVECOT_PORT_SUBMISSION (STARTTLS), DOVECOT_PORT_SUBMISSIONS
#                          (implicit TLS), DOVECOT_HOST=127.0.0.2 (probe THAT
#                          address: Dovecot listens on 127.0.0.2 so that a client
#                          from 127.0.0.1 is not its own address, which Dovecot
#                          would treat as secure), DOVECOT_CA, DOVECOT_SINK_PORT
#                          (Postfix's smtp-sink on 127.0.0.1 that Dovecot relays to)
#   dovecot_submission_stop DIR
#   opensmtpd_start DIR -> OPENSMTPD_PORT_SMTP (a "25": STARTTLS offered, no AUTH),
#                          OPENSMTPD_PORT_SUBMISSION (STARTTLS required, AUTH),
#                          OPENSMTPD_PORT_SUBMISSIONS (implicit TLS, AUTH),
#                          OPENSMTPD_HOST=127.0.0.1, OPENSMTPD_CA. Debian 12's
#                          OpenSMTPD fails every TLS handshake (see README.md).
#   opensmtpd_stop DIR
#
# The login for every server: SERVERS_AUTH_USER (tester@smtpfix-test.example)
# with the password in $SERVERS_AUTH_PASS when the start function runs
# (default Test-pass-1). Each server sets SERVERS_START_MS (how long its start
# took). Several servers may share one DIR (each uses DIR/NAME/); DIR is made
# 0755 and every folder above it must let others through (a bare mktemp -d
# is 0700: chmod it). Must run as root (it mounts inside its own namespace);
# the daemons drop to private unprivileged users. A missing server is an
# error, never a skip. servers_processes_left DIR NAME lists what is still
# running of a server (nothing after its stop).

servers_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SERVERS_ROOT=${SMTPFIX_SERVERS_DIR:-$servers_here/../../build/servers}
SERVERS_AUTH_USER=tester@smtpfix-test.example
SERVERS_HOSTNAME=smtpfix-test.example

srv_err() { echo "servers: $*" >&2; }

srv_now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# srv_check NAME BINARY...: the unpacked package has these files.
srv_check() {
	local name=$1 b
	shift
	if [ "$(id -u)" -ne 0 ]; then
		srv_err "$name: must run as root (private mount namespace); the daemons run as unprivileged users"
		return 1
	fi
	for b in "$@"; do
		if [ ! -e "$SERVERS_ROOT/$name/root/$b" ]; then
			srv_err "$name: $SERVERS_ROOT/$name/root/$b is missing; run tests/servers/fetch.sh"
			return 1
		fi
	done
	command -v openssl >/dev/null || { srv_err "openssl is missing"; return 1; }
	command -v unshare >/dev/null || { srv_err "unshare (util-linux) is missing"; return 1; }
}

# srv_prepare_dir DIR: make DIR (mode 0755) and check that the servers'
# unprivileged users can reach it: every folder above it must let others
# through (a mktemp -d folder is 0700: make DIR inside it, then chmod it
# 0755, or use mktemp -d for DIR itself). Prints DIR's absolute path.
srv_prepare_dir() {
	local dir=$1 d mode
	mkdir -p "$dir" && chmod 0755 "$dir" || { srv_err "cannot make $dir"; return 1; }
	dir=$(cd "$dir" && pwd -P)
	d=$(dirname "$dir")
	while [ "$d" != / ]; do
		mode=$(stat -c %A "$d")
		case "$mode" in
		*x | *t) ;;
		*)
			srv_err "$d is $mode: the servers' unprivileged users cannot reach $dir through it (chmod o+x $d)"
			return 1 ;;
		esac
		d=$(dirname "$d")
	done
	echo "$dir"
}

srv_port_open() {
	(exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# srv_free_ports N: N distinct TCP ports that no socket on the machine uses
# (any address, any state, from /proc/net/tcp*), below the kernel's
# ephemeral range so outgoing connections do not take them meanwhile.
srv_free_ports() {
	local n=$1 used p got=() i tries=0
	used=" "
	for p in $(awk 'NR > 1 { split($2, a, ":"); print a[2] }' /proc/net/tcp /proc/net/tcp6 2>/dev/null); do
		used+="$((16#$p)) "
	done
	while [ ${#got[@]} -lt "$n" ] && [ $tries -lt 1000 ]; do
		tries=$((tries + 1))
		p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 12000 ))
		case "$used" in *" $p "*) continue ;; esac
		for i in "${got[@]}"; do [ "$i" != "$p" ] || continue 2; done
		got+=("$p")
	done
	echo "${got[@]}"
}

# Test certificates, once per DIR: a private CA and a server certificate it
# signed for smtpfix-test.example, 127.0.0.1 and 127.0.0.2 (not "localhost").
srv_make_certs() {
	local dir=$1
	[ -s "$dir/server.crt" ] && [ -s "$dir/ca.crt" ] && return 0
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=smtpfix servers test CA" \
		-keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null &&
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$SERVERS_HOSTNAME" \
		-keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null &&
	printf 'subjectAltName=DNS:%s,IP:127.0.0.1,IP:127.0.0.2\n' "$SERVERS_HOSTNAME" >"$dir/san.ext" &&
	openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
		-CAcreateserial -days 2 -extfile "$dir/san.ext" -out "$dir/server.crt" 2>/dev/null ||
		{ srv_err "could not make test certificates in $dir"; return 1; }
	# Every server reads its key as root before it drops privileges;
	# OpenSMTPD refuses a key that others can read.
	chmod 0600 "$dir/server.key" "$dir/ca.key"
	chmod 0644 "$dir/server.crt" "$dir/ca.crt"
}

# The private users, first in the namespace's passwd and group so they win
# over any of the same name on the machine (a laptop with Postfix has its
# own postfix user). Their ids are unused on a stock Debian.
SRV_UID_BASE=64900
srv_write_etc() {
	local sdir=$1 b=$SRV_UID_BASE
	mkdir -p "$sdir/etc"
	{
		echo "postfix:x:$((b + 1)):$((b + 1))::/nonexistent:/usr/sbin/nologin"
		echo "dovecot:x:$((b + 3)):$((b + 3))::/nonexistent:/usr/sbin/nologin"
		echo "dovenull:x:$((b + 4)):$((b + 4))::/nonexistent:/usr/sbin/nologin"
		echo "vmail:x:$((b + 5)):$((b + 5))::$sdir/mail:/usr/sbin/nologin"
		echo "opensmtpd:x:$((b + 6)):$((b + 6))::/nonexistent:/usr/sbin/nologin"
		echo "opensmtpq:x:$((b + 7)):$((b + 7))::/nonexistent:/usr/sbin/nologin"
		cat /etc/passwd
	} >"$sdir/etc/passwd"
	{
		echo "postfix:x:$((b + 1)):"
		echo "postdrop:x:$((b + 2)):"
		echo "dovecot:x:$((b + 3)):"
		echo "dovenull:x:$((b + 4)):"
		echo "vmail:x:$((b + 5)):"
		echo "opensmtpd:x:$((b + 6)):"
		echo "opensmtpq:x:$((b + 7)):"
		cat /etc/group
	} >"$sdir/etc/group"
	# Names resolve without DNS; a lookup that does reach the resolver is
	# refused at once on loopback instead of waiting on a real server.
	{ echo "127.0.0.1 localhost $SERVERS_HOSTNAME"; echo "::1 localhost ip6-localhost"; } >"$sdir/etc/hosts"
	printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$sdir/etc/resolv.conf"
}
srv_uid() { echo $((SRV_UID_BASE + $1)); }

# srv_ns_start SDIR ROOT...: run SDIR/start.sh inside a new namespace (see
# ns-run.sh) with the usr folders of the named unpacked roots over /usr.
srv_ns_start() {
	local sdir=$1 lower="" r
	shift
	for r in "$@"; do
		lower+="${lower:+:}$(cd "$SERVERS_ROOT/$r/root/usr" && pwd -P)"
	done
	case "$sdir" in
	/usr/* | /etc/* | /var/* | /run/*)
		srv_err "DIR must not be under /usr, /etc, /var or /run (they are overlaid): $sdir"
		return 1 ;;
	*[:,]*)
		srv_err "DIR must not contain ':' or ',' (overlay mount options): $sdir"
		return 1 ;;
	esac
	rm -f "$sdir/ns.started"
	unshare --mount --pid --fork --mount-proc --kill-child \
		bash "$servers_here/ns-run.sh" "$sdir" "$lower" "$sdir/start.sh" \
		</dev/null >"$sdir/ns.out" 2>&1 &
	echo $! >"$sdir/unshare.pid"
}

# Host pid of the namespace's pid 1 (ns-run.sh), the child of unshare.
srv_ns_init() {
	local up
	up=$(cat "$1/unshare.pid" 2>/dev/null) || return 1
	awk '{ print $1 }' "/proc/$up/task/$up/children" 2>/dev/null
}

# srv_ns_wait SDIR HOST PORT...: up to 20 s for every port to accept.
srv_ns_wait() {
	local sdir=$1 host=$2 i p up
	shift 2
	up=$(cat "$sdir/unshare.pid")
	for i in $(seq 1 400); do
		kill -0 "$up" 2>/dev/null || return 1
		if [ -e "$sdir/ns.started" ]; then
			for p in "$@"; do srv_port_open "$host" "$p" || continue 2; done
			readlink "/proc/$(srv_ns_init "$sdir")/ns/pid" >"$sdir/ns.id" 2>/dev/null || true
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# srv_ns_stop SDIR: TERM to the daemons (through ns-run.sh), up to 10 s for a
# clean exit, then SIGKILL to the namespace's pid 1, which makes the kernel
# kill everything left in it. Returns once unshare itself is gone.
srv_ns_stop() {
	local sdir=$1 up init i
	[ -s "$sdir/unshare.pid" ] || return 0
	up=$(cat "$sdir/unshare.pid")
	init=$(srv_ns_init "$sdir")
	[ -z "$init" ] || kill -TERM "$init" 2>/dev/null || true
	for i in $(seq 1 200); do
		kill -0 "$up" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$up" 2>/dev/null; then
		srv_err "$(basename "$sdir"): did not stop within 10 s; killing its namespace"
		init=$(srv_ns_init "$sdir")
		[ -z "$init" ] || kill -KILL "$init" 2>/dev/null || true
		kill -KILL "$up" 2>/dev/null || true
		for i in $(seq 1 100); do
			kill -0 "$up" 2>/dev/null || break
			sleep 0.05
		done
	fi
	wait "$up" 2>/dev/null || true
	rm -f "$sdir/unshare.pid"
	return 0
}

# servers_processes_left DIR NAME: pids of the processes still in the
# namespace of server NAME (postfix, dovecot-submission, opensmtpd) started
# in DIR; nothing once its *_stop has returned.
servers_processes_left() {
	local id p
	id=$(cat "$1/$2/ns.id" 2>/dev/null) || return 0
	[ -n "$id" ] || return 0
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/pid" 2>/dev/null)" != "$id" ] || echo "${p#/proc/}"
	done
}

# srv_fail SDIR WHAT: say why a start failed and stop what did start.
# Succeeds (meaning: try again with other ports) only when a port was taken
# meanwhile; any other failure is final.
srv_fail() {
	local sdir=$1 what=$2 f clash=1
	srv_ns_stop "$sdir"
	if grep -qi "address already in use" "$sdir"/*.out "$sdir"/*.log "$sdir"/maillog 2>/dev/null; then
		srv_err "$what: a port was taken meanwhile; trying other ports"
		clash=0
	else
		srv_err "$what did not start; its output and logs:"
	fi
	for f in "$sdir"/ns.out "$sdir"/*.out "$sdir"/*.log "$sdir"/maillog; do
		[ -s "$f" ] || continue
		echo "--- $f" >&2
		tail -n 30 "$f" >&2
	done
	return $clash
}

# The passwd-file both Dovecots read: the password base64-encoded, so any
# character (even ':') is safe in it.
srv_dovecot_users() {
	local file=$1 owner=$2 pass=${SERVERS_AUTH_PASS:-Test-pass-1}
	printf '%s:{PLAIN.B64}%s\n' "$SERVERS_AUTH_USER" "$(printf '%s' "$pass" | base64 -w0)" >"$file"
	chown "$owner" "$file"
	chmod 0640 "$file"
}

###########################################################################
# Postfix

# srv_postfix_layout SDIR: the lines of a start script that make Postfix's
# own layout of SDIR/queue (as post-install does), SDIR/data and its log.
srv_postfix_layout() {
	local sdir=$1 q="pid private public maildrop active bounce corrupt defer deferred flush hold incoming saved trace"
	echo "cd '$sdir/queue'"
	echo "mkdir -p $q"
	echo "chown postfix:root ${q#pid }"
	echo "chmod 0700 active bounce corrupt defer deferred flush hold incoming saved trace"
	echo "chown postfix:postfix '$sdir/data'"
	echo "chgrp postdrop '$sdir/queue/public' '$sdir/queue/maildrop'"
	echo "chmod 0700 '$sdir/queue/private'; chmod 2710 '$sdir/queue/public'; chmod 1730 '$sdir/queue/maildrop'"
	echo "touch '$sdir/maillog'; chown postfix '$sdir/maillog'"
}

postfix_start() {
	local dir=$1 sdir t0 pf=/usr/lib/postfix/sbin what=postfix
	local with_sasl=true
	[ "${POSTFIX_NO_SASL_SOCKET:-0}" = 1 ] && with_sasl=false
	t0=$(srv_now_ms)
	srv_check postfix usr/lib/postfix/sbin/master usr/share/postfix/master.cf.dist || return 1
	$with_sasl && { srv_check dovecot usr/sbin/dovecot || return 1; }
	dir=$(srv_prepare_dir "$dir") || return 1
	sdir=$dir/postfix
	srv_make_certs "$dir" || return 1
	for _try in 1 2 3; do
		rm -rf "$sdir"
		mkdir -p "$sdir/conf" "$sdir/queue" "$sdir/data" "$sdir/dovecot"
		chmod 0755 "$sdir"
		srv_write_etc "$sdir"
		read -r POSTFIX_PORT_SMTP POSTFIX_PORT_SUBMISSION POSTFIX_PORT_SUBMISSIONS <<<"$(srv_free_ports 3)"

		# Debian's stock master.cf with its submission and submissions
		# blocks uncommented (every "-o" line of each), the three smtpd
		# services on 127.0.0.1 and the free ports, and no chroot (Debian
		# chroots most services into the queue folder, which would need
		# copies of /etc files there).
		awk -v smtp="127.0.0.1:$POSTFIX_PORT_SMTP" -v subm="127.0.0.1:$POSTFIX_PORT_SUBMISSION" \
			-v subms="127.0.0.1:$POSTFIX_PORT_SUBMISSIONS" '
			function svc(name, line,   f, n) {
				n = split(line, f, /[ \t]+/)
				f[1] = name; f[5] = "n"
				line = f[1]; for (i = 2; i <= n; i++) line = line " " f[i]
				return line
			}
			/^#submission[ \t]+inet/  { print svc(subm, substr($0, 2)); inblock = 1; next }
			/^#submissions[ \t]+inet/ { print svc(subms, substr($0, 2)); inblock = 1; next }
			inblock && /^#  -o / { print substr($0, 2); next }
			inblock && /^#     / { print; next }
			{ inblock = 0 }
			/^smtp[ \t]+inet/ { print svc(smtp, $0); next }
			/^[a-z0-9]/ && NF >= 8 && $5 == "y" { $5 = "n"; print; next }
			{ print }
		' "$SERVERS_ROOT/postfix/root/usr/share/postfix/master.cf.dist" >"$sdir/conf/master.cf"

		cat >"$sdir/conf/main.cf" <<-EOF
		# Debian 12's main.cf as the package's postinst writes it (the
		# first block), then the changes that make it a private test server.
		smtpd_banner = \$myhostname ESMTP \$mail_name (Debian/GNU)
		biff = no
		append_dot_mydomain = no
		readme_directory = no
		compatibility_level = 3.6
		smtpd_tls_cert_file = $dir/server.crt
		smtpd_tls_key_file = $dir/server.key
		smtpd_tls_security_level = may
		smtp_tls_security_level = may
		smtpd_relay_restrictions = permit_mynetworks permit_sasl_authenticated defer_unauth_destination
		myhostname = $SERVERS_HOSTNAME
		myorigin = \$myhostname
		mydestination = \$myhostname, localhost
		relayhost =
		mailbox_size_limit = 0
		recipient_delimiter = +

		# Private instance: its own folders, users and log.
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
		# The probing client (127.0.0.1) is an outsider: no relaying for it.
		mynetworks = 127.0.0.2/32
		alias_maps =
		alias_database =
		local_recipient_maps = inline:{tester=ok, postmaster=ok}
		smtpd_peername_lookup = no

		# Nothing leaves the machine: no relay host, and every delivery,
		# local or not, is thrown away.
		default_transport = discard:smtpfix-test
		relay_transport = discard:smtpfix-test
		local_transport = discard:smtpfix-test
		virtual_transport = discard:smtpfix-test

		# SASL through the private Dovecot's auth socket (in the queue
		# folder, where smtpd finds the relative path).
		smtpd_sasl_type = dovecot
		smtpd_sasl_path = private/auth
		EOF
		touch -d '-1 minute' "$sdir/conf/main.cf" "$sdir/conf/master.cf"

		if $with_sasl; then
			srv_dovecot_users "$sdir/dovecot/users" "root:$(srv_uid 3)"
			cat >"$sdir/dovecot/dovecot.conf" <<-EOF
			# Auth only, for Postfix's SASL: no mail protocol, no listener.
			protocols = none
			base_dir = $sdir/dovecot/run
			state_dir = $sdir/dovecot/state
			instance_name = smtpfix-postfix-auth
			log_path = $sdir/dovecot.log
			ssl = no
			default_login_user = dovenull
			default_internal_user = dovecot
			auth_mechanisms = plain login
			auth_verbose = yes
			passdb {
			  driver = passwd-file
			  args = username_format=%u $sdir/dovecot/users
			}
			userdb {
			  driver = static
			  args = uid=vmail gid=vmail home=/nonexistent
			}
			service auth {
			  unix_listener $sdir/queue/private/auth {
			    mode = 0660
			    user = postfix
			    group = postfix
			  }
			}
			EOF
		fi

		{
			echo "set -e"
			srv_postfix_layout "$sdir"
			$with_sasl && echo "/usr/sbin/dovecot -F -c '$sdir/dovecot/dovecot.conf' >'$sdir/dovecot.out' 2>&1 &"
			echo "setsid $pf/master -d -c '$sdir/conf' >'$sdir/master.out' 2>&1 &"
		} >"$sdir/start.sh"

		srv_ns_start "$sdir" postfix dovecot || return 1
		if srv_ns_wait "$sdir" 127.0.0.1 "$POSTFIX_PORT_SMTP" "$POSTFIX_PORT_SUBMISSION" "$POSTFIX_PORT_SUBMISSIONS"; then
			if $with_sasl; then
				local i
				for i in $(seq 1 100); do
					[ -S "$sdir/queue/private/auth" ] && break
					sleep 0.05
				done
			fi
			if ! $with_sasl || [ -S "$sdir/queue/private/auth" ]; then
				POSTFIX_HOST=127.0.0.1
				POSTFIX_CA=$dir/ca.crt
				SERVERS_START_MS=$(( $(srv_now_ms) - t0 ))
				export SERVERS_START_MS POSTFIX_HOST POSTFIX_CA POSTFIX_PORT_SMTP POSTFIX_PORT_SUBMISSION POSTFIX_PORT_SUBMISSIONS
				return 0
			fi
		fi
		srv_fail "$sdir" "$what" || break
	done
	return 1
}

postfix_stop() {
	local dir=$1
	srv_ns_stop "$dir/postfix"
}

###########################################################################
# Dovecot submission

dovecot_submission_start() {
	local dir=$1 sdir t0 what="dovecot submission"
	t0=$(srv_now_ms)
	srv_check dovecot usr/sbin/dovecot usr/lib/dovecot/submission-login usr/lib/dovecot/submission || return 1
	srv_check postfix usr/sbin/smtp-sink || return 1
	dir=$(srv_prepare_dir "$dir") || return 1
	sdir=$dir/dovecot-submission
	srv_make_certs "$dir" || return 1
	for _try in 1 2 3; do
		rm -rf "$sdir"
		mkdir -p "$sdir/home"
		chmod 0755 "$sdir"
		chown "$(srv_uid 5):$(srv_uid 5)" "$sdir/home"
		srv_write_etc "$sdir"
		read -r DOVECOT_PORT_SUBMISSION DOVECOT_PORT_SUBMISSIONS DOVECOT_SINK_PORT <<<"$(srv_free_ports 3)"
		srv_dovecot_users "$sdir/users" "root:$(srv_uid 3)"
		cat >"$sdir/dovecot.conf" <<-EOF
		# Dovecot's submission service only. It listens on 127.0.0.2: a client
		# whose address equals the server's own counts as secure for Dovecot
		# (plain-text AUTH allowed), so the tests connect from 127.0.0.1.
		protocols = submission
		listen = 127.0.0.2
		base_dir = $sdir/run
		state_dir = $sdir/state
		instance_name = smtpfix-submission
		log_path = $sdir/dovecot.log
		hostname = $SERVERS_HOSTNAME
		ssl = yes
		ssl_cert = <$dir/server.crt
		ssl_key = <$dir/server.key
		default_login_user = dovenull
		default_internal_user = dovecot
		disable_plaintext_auth = yes
		auth_mechanisms = plain login
		auth_verbose = yes
		passdb {
		  driver = passwd-file
		  args = username_format=%u $sdir/users
		}
		userdb {
		  driver = static
		  args = uid=vmail gid=vmail home=$sdir/home
		}
		# The submission service opens the user's mail storage at login
		# (for BURL) and refuses the session without one.
		mail_location = maildir:~/Maildir
		# After login every MAIL/RCPT/DATA goes to Postfix's smtp-sink on
		# loopback, which accepts and forgets everything: nothing leaves.
		submission_relay_host = 127.0.0.1
		submission_relay_port = $DOVECOT_SINK_PORT
		submission_relay_ssl = no
		service submission-login {
		  inet_listener submission {
		    port = $DOVECOT_PORT_SUBMISSION
		  }
		  inet_listener submissions {
		    port = $DOVECOT_PORT_SUBMISSIONS
		    ssl = yes
		  }
		}
		EOF
		{
			echo "set -e"
			echo "/usr/sbin/smtp-sink -u vmail -h smtpfix-sink.example 127.0.0.1:$DOVECOT_SINK_PORT 16 >'$sdir/smtp-sink.out' 2>&1 &"
			echo "/usr/sbin/dovecot -F -c '$sdir/dovecot.conf' >'$sdir/dovecot.out' 2>&1 &"
		} >"$sdir/start.sh"

		srv_ns_start "$sdir" dovecot postfix || return 1
		if srv_ns_wait "$sdir" 127.0.0.2 "$DOVECOT_PORT_SUBMISSION" "$DOVECOT_PORT_SUBMISSIONS" &&
			srv_port_open 127.0.0.1 "$DOVECOT_SINK_PORT"; then
			DOVECOT_HOST=127.0.0.2
			DOVECOT_CA=$dir/ca.crt
			SERVERS_START_MS=$(( $(srv_now_ms) - t0 ))
			export SERVERS_START_MS DOVECOT_HOST DOVECOT_CA DOVECOT_PORT_SUBMISSION DOVECOT_PORT_SUBMISSIONS DOVECOT_SINK_PORT
			return 0
		fi
		srv_fail "$sdir" "$what" || break
	done
	return 1
}

dovecot_submission_stop() {
	local dir=$1
	srv_ns_stop "$dir/dovecot-submission"
}

###########################################################################
# OpenSMTPD

opensmtpd_start() {
	local dir=$1 sdir t0 what=opensmtpd pass=${SERVERS_AUTH_PASS:-Test-pass-1}
	t0=$(srv_now_ms)
	srv_check opensmtpd usr/sbin/smtpd usr/libexec/opensmtpd/mail.maildir || return 1
	dir=$(srv_prepare_dir "$dir") || return 1
	sdir=$dir/opensmtpd
	srv_make_certs "$dir" || return 1
	for _try in 1 2 3; do
		rm -rf "$sdir"
		mkdir -p "$sdir/mail"
		chmod 0755 "$sdir"
		chown "$(srv_uid 5):$(srv_uid 5)" "$sdir/mail"
		srv_write_etc "$sdir"
		read -r OPENSMTPD_PORT_SMTP OPENSMTPD_PORT_SUBMISSION OPENSMTPD_PORT_SUBMISSIONS <<<"$(srv_free_ports 3)"
		# Credentials table: user and crypt(3) hash, as `smtpctl encrypt`
		# makes them.
		printf '%s %s\n' "$SERVERS_AUTH_USER" "$(printf '%s\n' "$pass" | openssl passwd -6 -stdin)" >"$sdir/creds"
		chmod 0640 "$sdir/creds"
		cat >"$sdir/smtpd.conf" <<-EOF
		# A private OpenSMTPD: three listeners on 127.0.0.1, mail for the
		# test domain (or from a logged-in user) kept in a maildir here, no
		# relay action at all, so nothing leaves the machine.
		pki $SERVERS_HOSTNAME cert "$dir/server.crt"
		pki $SERVERS_HOSTNAME key "$dir/server.key"
		table creds file:$sdir/creds
		# a "25": STARTTLS offered, no AUTH
		listen on 127.0.0.1 port $OPENSMTPD_PORT_SMTP tls pki $SERVERS_HOSTNAME hostname $SERVERS_HOSTNAME
		# a "587": STARTTLS required, AUTH (only over TLS) required
		listen on 127.0.0.1 port $OPENSMTPD_PORT_SUBMISSION tls-require pki $SERVERS_HOSTNAME auth <creds> hostname $SERVERS_HOSTNAME
		# a "465": implicit TLS, AUTH required
		listen on 127.0.0.1 port $OPENSMTPD_PORT_SUBMISSIONS smtps pki $SERVERS_HOSTNAME auth <creds> hostname $SERVERS_HOSTNAME
		table local-users file:$sdir/local-users
		table anyone file:$sdir/anyone
		action "local" maildir "$sdir/mail" virtual <local-users> user vmail
		action "sink" maildir "$sdir/mail" virtual <anyone> user vmail
		match auth from any for any action "sink"
		match from any for domain "$SERVERS_HOSTNAME" action "local"
		EOF
		printf 'tester@%s vmail\npostmaster@%s vmail\n' "$SERVERS_HOSTNAME" "$SERVERS_HOSTNAME" >"$sdir/local-users"
		printf '@ vmail\n' >"$sdir/anyone"
		{
			echo "set -e"
			# Its compiled-in folders, in the namespace's own /var.
			echo "mkdir -p /var/lib/opensmtpd/empty"
			echo "chown root:root '$sdir/creds'"
			echo "smtpd -d -f '$sdir/smtpd.conf' >'$sdir/smtpd.out' 2>&1 &"
		} >"$sdir/start.sh"

		srv_ns_start "$sdir" opensmtpd || return 1
		if srv_ns_wait "$sdir" 127.0.0.1 "$OPENSMTPD_PORT_SMTP" "$OPENSMTPD_PORT_SUBMISSION" "$OPENSMTPD_PORT_SUBMISSIONS"; then
			OPENSMTPD_HOST=127.0.0.1
			OPENSMTPD_CA=$dir/ca.crt
			SERVERS_START_MS=$(( $(srv_now_ms) - t0 ))
			export SERVERS_START_MS OPENSMTPD_HOST OPENSMTPD_CA OPENSMTPD_PORT_SMTP OPENSMTPD_PORT_SUBMISSION OPENSMTPD_PORT_SUBMISSIONS
			return 0
		fi
		srv_fail "$sdir" "$what" || break
	done
	return 1
}

opensmtpd_stop() {
	local dir=$1
	srv_ns_stop "$dir/opensmtpd"
}

# servers_workdir NAME: a private folder for one test script's servers in
# $tmp, stopped and removed when the script exits. The servers' own
# unprivileged users must reach the folders inside, hence 0755.
servers_workdir() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/smtpfix-$1.XXXXXX")
	servers_cleanup() {
		postfix_stop "$tmp/pf" 2>/dev/null
		postfix_stop "$tmp/pf-nosasl" 2>/dev/null
		dovecot_submission_stop "$tmp/dc" 2>/dev/null
		opensmtpd_stop "$tmp/os" 2>/dev/null
		rm -rf "$tmp"
	}
	trap servers_cleanup EXIT
	chmod 0755 "$tmp"
}
