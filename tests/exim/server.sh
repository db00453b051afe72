# Start and stop the private test Exim. Sourced by the test scripts.
#   exim_start DIR   -> sets EXIM_PORT_CPANEL, EXIM_PORT_OPEN, EXIM_PORT_NOTLS,
#                       EXIM_PORT_SMTPS, EXIM_PORT_SILENT, EXIM_CA (CA file)
#                       (EXIM_DELAY, e.g. 20ms, adds latency to replies)
#   exim_stop DIR
# A missing or broken Exim is an error, never a skip.

exim_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
EXIM_BIN=${SMTPFIX_EXIM:-$exim_here/../../build/exim/root/usr/sbin/exim4}
NSS_WRAPPER_LIB=${SMTPFIX_NSS_WRAPPER:-$(ls /usr/lib/*/libnss_wrapper.so /usr/lib64/libnss_wrapper.so 2>/dev/null | head -n 1)}

# Debian's Exim looks up its built-in user "Debian-exim" before it reads
# any configuration. Rather than add that user to the machine, give the
# test Exim a private passwd and group file through nss_wrapper, where
# Debian-exim is the unprivileged user the test server runs as.
exim_private_users() {
	local dir=$1 uid=$2 gid=$3
	{ cat /etc/passwd; echo "Debian-exim:x:$uid:$gid::/nonexistent:/usr/sbin/nologin"; } > "$dir/passwd"
	{ cat /etc/group; echo "Debian-exim:x:$gid:"; } > "$dir/group"
}

# Run in the background (`exim_run ... &`): exec makes the background job
# Exim itself, so its pid ($!) is the one to stop.
exim_run() {
	local dir=$1; shift
	exec env LD_PRELOAD="$NSS_WRAPPER_LIB" NSS_WRAPPER_PASSWD="$dir/passwd" \
		NSS_WRAPPER_GROUP="$dir/group" "$EXIM_BIN" "$@"
}

# Test certificates: a private CA and a server certificate it signed, for
# 127.0.0.1 and the server's own name, but not for "localhost", so the
# tests can type a name the certificate does not carry.
exim_make_certs() {
	local dir=$1
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=smtpfix test CA" \
		-keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -subj "/CN=smtpfix-test.example" \
		-keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
	printf 'subjectAltName=DNS:smtpfix-test.example,IP:127.0.0.1\n' > "$dir/san.ext"
	openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
		-CAcreateserial -days 2 -extfile "$dir/san.ext" -out "$dir/server.crt" 2>/dev/null
}

exim_port_open() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

exim_start() {
	local dir=$1 user group try base
	if [ ! -x "$EXIM_BIN" ] || [ ! -f "$NSS_WRAPPER_LIB" ]; then
		echo "exim: no Exim at $EXIM_BIN or no nss_wrapper; run 'make deps' (or tests/exim/fetch.sh)" >&2
		return 1
	fi
	mkdir -p "$dir/spool" "$dir/log"
	exim_make_certs "$dir" || { echo "exim: could not make test certificates" >&2; return 1; }
	if [ "$(id -u)" -eq 0 ]; then
		user=nobody
		group=$(id -gn nobody)
		chown -R "$user:$group" "$dir/spool" "$dir/log"
		chgrp "$group" "$dir/server.key"
		chmod 0640 "$dir/server.key"
		chmod 0755 "$dir"
	else
		user=$(id -un)
		group=$(id -gn)
	fi
	exim_private_users "$dir" "$(id -u "$user")" "$(getent group "$group" | cut -d: -f3)"
	for try in 1 2 3 4 5; do
		base=$(( 20000 + (RANDOM * 7 + $$ + try * 101) % 35000 ))
		EXIM_PORT_CPANEL=$base EXIM_PORT_OPEN=$((base + 1))
		EXIM_PORT_NOTLS=$((base + 2)) EXIM_PORT_SMTPS=$((base + 3)) EXIM_PORT_SILENT=$((base + 4))
		exim_port_open "$EXIM_PORT_CPANEL" || exim_port_open "$EXIM_PORT_OPEN" ||
			exim_port_open "$EXIM_PORT_NOTLS" || exim_port_open "$EXIM_PORT_SMTPS" ||
			exim_port_open "$EXIM_PORT_SILENT" && continue
		sed -e "s|@DIR@|$dir|g" -e "s|@USER@|$user|g" -e "s|@GROUP@|$group|g" \
			-e "s|@CPANEL@|$EXIM_PORT_CPANEL|g" -e "s|@OPEN@|$EXIM_PORT_OPEN|g" \
			-e "s|@NOTLS@|$EXIM_PORT_NOTLS|g" -e "s|@SMTPS@|$EXIM_PORT_SMTPS|g" \
			-e "s|@SILENT@|$EXIM_PORT_SILENT|g" -e "s|@DELAY@|${EXIM_DELAY:-0s}|g" \
			-e "s|@AUTH_USER@|${EXIM_AUTH_USER:-tester@smtpfix-test.example}|g" -e "s|@AUTH_PASS@|${EXIM_AUTH_PASS:-test-password}|g" \
			"$exim_here/exim.conf.in" > "$dir/exim.conf"
		chmod 0644 "$dir/exim.conf"
		rm -f "$dir/exim.pid"
		# Foreground daemon (-bdf), owned by this shell: a backgrounded
		# daemon would re-exec Exim from its built-in path to write a pid
		# file, and that path does not exist for this private copy.
		exim_run "$dir" -C "$dir/exim.conf" -bdf \
			-oX "$EXIM_PORT_CPANEL:$EXIM_PORT_OPEN:$EXIM_PORT_NOTLS:$EXIM_PORT_SMTPS:$EXIM_PORT_SILENT" \
			>"$dir/exim.out" 2>&1 &
		echo $! >"$dir/exim.pid"
		local i
		for i in $(seq 1 50); do
			kill -0 "$(cat "$dir/exim.pid")" 2>/dev/null || break
			if exim_port_open "$EXIM_PORT_CPANEL" &&
				exim_port_open "$EXIM_PORT_SMTPS"; then
				EXIM_CA="$dir/ca.crt"
				export EXIM_PORT_CPANEL EXIM_PORT_OPEN EXIM_PORT_NOTLS EXIM_PORT_SMTPS EXIM_PORT_SILENT EXIM_CA
				return 0
			fi
			sleep 0.1
		done
		exim_stop "$dir"
	done
	echo "exim: the test Exim did not start; its output and panic log:" >&2
	cat "$dir/exim.out" "$dir/log/paniclog" 2>/dev/null >&2
	return 1
}

exim_stop() {
	local dir=$1 pid i
	[ -s "$dir/exim.pid" ] || return 0
	pid=$(cat "$dir/exim.pid")
	# The daemon and any connection handlers it forked: they all run with
	# this run's own config file, so the path names them exactly.
	kill "$pid" 2>/dev/null
	pkill -f -- "-C $dir/exim.conf" 2>/dev/null
	# Wait for them to go, so nothing writes into the folder being removed.
	for i in $(seq 1 50); do
		pgrep -f -- "-C $dir/exim.conf" >/dev/null || return 0
		sleep 0.1
	done
	pkill -9 -f -- "-C $dir/exim.conf" 2>/dev/null
	return 0
}

# dns_start DIR EXTRA-DNSMASQ-ARGS...: a private dnsmasq on a free loopback
# port for the test domain example.test (mail.example.test is 127.0.0.1),
# with the records given. Sets dns_port and dns_pid; fails when dnsmasq is
# missing.
dns_start() {
	local dir=$1 bin
	shift
	bin=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
	[ -x "$bin" ] || { echo "dnsmasq is missing: run 'make deps'" >&2; return 1; }
	dns_port=$((EXIM_PORT_SMTPS + 40 + RANDOM % 200))
	while exim_port_open "$dns_port"; do dns_port=$((dns_port + 1)); done
	"$bin" --keep-in-foreground --port="$dns_port" --listen-address=127.0.0.1 \
		--bind-interfaces --no-resolv --no-hosts --no-poll --local=/test/ \
		--log-facility=/dev/null --pid-file= \
		--host-record=mail.example.test,127.0.0.1 "$@" 2>"$dir/dnsmasq.err" &
	dns_pid=$!
	sleep 0.3
}
