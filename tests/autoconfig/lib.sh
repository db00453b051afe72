# shellcheck shell=bash
# The web side of the autoconfig tests (source it, after tests/lib.sh and
# tests/exim/server.sh): a private certificate authority, a real nginx on
# two free loopback ports (HTTPS and plain HTTP) serving the fixtures of
# each test domain by name (SNI), a private dnsmasq that names them, and a
# server that accepts connections and never answers.
#
#   ac_certs DIR            the CA and every certificate, in DIR (ac_start
#                           makes them when they are not there yet)
#   ac_exim_certs DIR EDIR  a certificate from the same CA for the test Exim
#                           (in EDIR: ca.crt, server.key, server.crt), naming
#                           the mail hosts the fixtures publish
#   ac_start DIR            nginx, dnsmasq and the silent server; exports
#                           NGINX_TLS_PORT, NGINX_PORT, AC_CA (CA file),
#                           AC_DNS ("127.0.0.1:PORT"), AC_SILENT_ADDR
#                           and AC_DIR (the folder)
#   ac_stop                 stops what ac_start started
#   ac_curl ARGS...         curl through the private ports, trusting AC_CA
#                           (https://NAME/ goes to nginx's TLS port, http://
#                           to its plain one)
#   ac_dig NAME A|MX|SRV    asks the private dnsmasq; one answer a line
#
# The fixtures: fixtures/www/HOST/ is HOST's document tree (the same over
# HTTPS and HTTP); fixtures/nginx/HOST.conf holds extra server directives
# for HOST, HOST.https.conf and HOST.http.conf the same for one scheme.
# The mail hosts in the published files resolve to 127.0.0.1 and use the
# ports a person would type (587, 465); smtpfix's --port-map sends them to
# the test Exim.
# A missing nginx or dnsmasq is an error, never a skip.

ac_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
AC_NGINX=${SMTPFIX_NGINX:-$ac_here/../../build/nginx/root/usr/sbin/nginx}
AC_SILENT_ADDR=127.0.0.2
AC_DIR=
ac_nginx_pid='' ac_silent_pid=''

# The scenario domains; each has DOMAIN, autoconfig., autodiscover. and
# mail. resolving to 127.0.0.1, served with a certificate for all four.
ac_plain_domains="right wrong missing redirect loop big bad other elsewhere localpart published"

# Every name: NAME CERTIFICATE ADDRESS. CERTIFICATE is the one nginx shows
# for NAME; a "!" after it means that certificate does not cover NAME, and
# "-" means nginx does not serve NAME (it only resolves).
ac_names() {
	local d h
	for d in $ac_plain_domains; do
		for h in "" autoconfig. autodiscover. mail.; do
			echo "$h$d.test $d.test 127.0.0.1"
		done
	done
	cat <<-'EOF'
	certname.test certname.test 127.0.0.1
	www.certname.test certname.test 127.0.0.1
	mail.certname.test certname.test 127.0.0.1
	autoconfig.certname.test certname.test! 127.0.0.1
	autodiscover.certname.test certname.test! 127.0.0.1
	srv.test srv.test 127.0.0.1
	mail.srv.test srv.test 127.0.0.1
	autodiscover-srv.srv.test srv.test 127.0.0.1
	smtp.provider.test - 127.0.0.1
	smtp.elsewhere.test - 127.0.0.1
	autoconfig.slow.test - 127.0.0.2
	EOF
}

# dnsmasq's records: every name above, an MX for each scenario domain, and
# the SRV records the scenarios need.
ac_dns_args() {
	local name cert addr d
	while read -r name cert addr; do
		echo "--host-record=$name,$addr"
	done < <(ac_names)
	for d in $ac_plain_domains certname srv; do
		echo "--mx-host=$d.test,mail.$d.test,10"
	done
	# Outlook's third place to look, the only one srv.test answers.
	echo "--srv-host=_autodiscover._tcp.srv.test,autodiscover-srv.srv.test,443,0,0"
	# RFC 6186 submission records: right.test agrees with its files,
	# elsewhere.test names another host than its autoconfig does.
	echo "--srv-host=_submission._tcp.right.test,mail.right.test,587,0,1"
	echo "--srv-host=_submission._tcp.elsewhere.test,mail.elsewhere.test,587,0,1"
}

# ac_sign DIR NAME SANS: a server certificate DIR/NAME.crt signed by the
# test CA, for the comma-separated subjectAltName list SANS, with the one
# shared server key (DIR/server.key).
ac_sign() {
	local dir=$1 name=$2 sans=$3
	openssl req -new -key "$dir/server.key" -subj "/CN=${name%%.*} test site" \
		-out "$dir/$name.csr" 2>/dev/null || return 1
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$sans" \
		> "$dir/$name.ext"
	openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
		-CAcreateserial -days 2 -extfile "$dir/$name.ext" -out "$dir/$name.crt" 2>/dev/null
}

ac_certs() {
	local dir=$1 name cert addr c sans
	mkdir -p "$dir/certs" || return 1
	[ -s "$dir/certs/ca.crt" ] && return 0
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj "/CN=smtpfix autoconfig test CA" \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
		-keyout "$dir/certs/ca.key" -out "$dir/certs/ca.crt" 2>/dev/null &&
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 \
			-out "$dir/certs/server.key" 2>/dev/null ||
		{ echo "autoconfig: openssl could not make the test CA" >&2; return 1; }
	# One certificate per scenario domain, for the names served with it
	# (certname.test's leaves out the two names marked "!").
	for c in $(ac_names | awk '$2 != "-" { sub(/!$/, "", $2); print $2 }' | sort -u) default.invalid; do
		sans=$(ac_names | awk -v c="$c" '$2 == c { printf "%sDNS:%s", (n++ ? "," : ""), $1 }')
		[ -n "$sans" ] || sans="DNS:$c"
		ac_sign "$dir/certs" "$c" "$sans" ||
			{ echo "autoconfig: openssl could not sign the certificate for $c" >&2; return 1; }
	done
}

# For the test Exim: the names the published files give for mail servers,
# its own name and 127.0.0.1, signed by the same CA so one --ca-file
# serves both the web fetches and the probes.
ac_exim_certs() {
	local dir=$1 edir=$2 sans
	ac_certs "$dir" || return 1
	sans="DNS:smtpfix-test.example,IP:127.0.0.1$(ac_names | awk '$1 ~ /^(mail|smtp)\./ { printf ",DNS:%s", $1 }')"
	ac_sign "$dir/certs" exim "$sans" || { echo "autoconfig: could not sign Exim's certificate" >&2; return 1; }
	cp "$dir/certs/ca.crt" "$edir/ca.crt" &&
		cp "$dir/certs/server.key" "$edir/server.key" &&
		cp "$dir/certs/exim.crt" "$edir/server.crt"
}

# The document tree: the fixtures, an empty folder for every other served
# name (so it answers 404 with the right certificate), and big.test's
# oversized answer, made here rather than kept in the tree.
ac_docroot() {
	local dir=$1 name cert addr f i
	rm -rf "$dir/www" "$dir/conf.d"
	mkdir -p "$dir/www" "$dir/conf.d" "$dir/tmp" || return 1
	cp -R "$ac_here/fixtures/www/." "$dir/www/" || return 1
	cp "$ac_here"/fixtures/nginx/*.conf "$dir/conf.d/" || return 1
	while read -r name cert addr; do
		[ "$cert" = - ] || mkdir -p "$dir/www/$name"
	done < <(ac_names)
	f=$dir/www/autoconfig.big.test/mail/config-v1.1.xml
	mkdir -p "${f%/*}"
	{
		printf '<?xml version="1.0" encoding="UTF-8"?>\n<clientConfig version="1.1">\n'
		printf '  <emailProvider id="big.test">\n    <domain>big.test</domain>\n'
		# A mebibyte of padding in a comment: well formed, and eight
		# times the most smtpfix reads.
		printf '    <!--\n'
		for i in $(seq 1 16384); do printf '%063d\n' "$i"; done
		printf '    -->\n    <outgoingServer type="smtp">\n      <hostname>mail.big.test</hostname>\n'
		printf '      <port>587</port>\n      <socketType>STARTTLS</socketType>\n'
		printf '      <authentication>password-cleartext</authentication>\n'
		printf '      <username>%%EMAILADDRESS%%</username>\n    </outgoingServer>\n'
		printf '  </emailProvider>\n</clientConfig>\n'
	} > "$f"
}

# ac_nginx_conf DIR TLS-PORT PLAIN-PORT: one server per name and scheme.
ac_nginx_conf() {
	local dir=$1 tls=$2 plain=$3 name cert addr scheme snip
	{
		# One process, in the foreground of its background job: no worker
		# changes user, and the job's pid is nginx's. Running as root, nginx
		# still looks up a user to own its temporary folders; root is
		# always there.
		[ "$(id -u)" -eq 0 ] && echo "user root;"
		cat <<-EOF
		daemon off;
		master_process off;
		worker_processes 1;
		pid $dir/nginx.pid;
		error_log $dir/error.log info;
		events { worker_connections 256; }
		http {
		    types { text/xml xml; }
		    default_type application/octet-stream;
		    access_log $dir/access.log;
		    client_body_temp_path $dir/tmp/body;
		    proxy_temp_path $dir/tmp/proxy;
		    fastcgi_temp_path $dir/tmp/fastcgi;
		    uwsgi_temp_path $dir/tmp/uwsgi;
		    scgi_temp_path $dir/tmp/scgi;
		    server_tokens off;
		    server_names_hash_bucket_size 128;
		    ssl_protocols TLSv1.2 TLSv1.3;
		    ssl_certificate_key $dir/certs/server.key;
		    server {
		        listen 127.0.0.1:$tls ssl default_server;
		        ssl_certificate $dir/certs/default.invalid.crt;
		        return 404;
		    }
		    server {
		        listen 127.0.0.1:$plain default_server;
		        return 404;
		    }
		EOF
		while read -r name cert addr; do
			[ "$cert" = - ] && continue
			cert=${cert%!}
			for scheme in https http; do
				echo "    server {"
				if [ "$scheme" = https ]; then
					echo "        listen 127.0.0.1:$tls ssl;"
					echo "        ssl_certificate $dir/certs/$cert.crt;"
				else
					echo "        listen 127.0.0.1:$plain;"
				fi
				echo "        server_name $name;"
				echo "        root $dir/www/$name;"
				# Autodiscover is a POST; nginx refuses POST on a file (405).
				# Answer it with the file, as a GET would be; a missing file
				# stays a 404.
				echo "        error_page 405 =200 \$uri;"
				for snip in "$name.conf" "$name.$scheme.conf"; do
					[ -f "$dir/conf.d/$snip" ] && echo "        include $dir/conf.d/$snip;"
				done
				echo "    }"
			done
		done < <(ac_names)
		echo "}"
	} > "$dir/nginx.conf"
}

ac_port_open() {
	(exec 3<>"/dev/tcp/${2:-127.0.0.1}/$1") 2>/dev/null
}

# A port on AC_SILENT_ADDR that accepts every connection and never sends
# or reads a byte: the fetch of autoconfig.slow.test can only time out.
ac_silent_start() {
	local dir=$1 port=$2 i
	rm -f "$dir/silent.ready"
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(64)
open(sys.argv[3], "w").close()
held = []
while True:
    c, _ = s.accept()
    held.append(c)
' "$AC_SILENT_ADDR" "$port" "$dir/silent.ready" 2>"$dir/silent.err" &
	ac_silent_pid=$!
	for i in $(seq 1 50); do
		[ -e "$dir/silent.ready" ] && return 0
		kill -0 "$ac_silent_pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "autoconfig: the silent server did not start on $AC_SILENT_ADDR:$port:" >&2
	cat "$dir/silent.err" >&2
	return 1
}

ac_start() {
	local dir=$1 try i tls plain args
	AC_DIR=$dir NGINX_TLS_PORT='' NGINX_PORT=''
	if [ ! -x "$AC_NGINX" ]; then
		echo "autoconfig: no nginx at $AC_NGINX; run 'make deps' (or tests/autoconfig/fetch.sh)" >&2
		return 1
	fi
	command -v python3 >/dev/null || { echo "autoconfig: python3 is missing; run 'make deps'" >&2; return 1; }
	mkdir -p "$dir" && dir=$(cd "$dir" && pwd) && AC_DIR=$dir || return 1
	ac_certs "$dir" && ac_docroot "$dir" || return 1

	for try in 1 2 3 4 5; do
		tls=$(( 20000 + (RANDOM * 7 + $$ + try * 211) % 35000 ))
		plain=$((tls + 1))
		ac_port_open "$tls" || ac_port_open "$plain" && continue
		ac_nginx_conf "$dir" "$tls" "$plain"
		: > "$dir/error.log"
		"$AC_NGINX" -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" >"$dir/nginx.out" 2>&1 &
		ac_nginx_pid=$!
		AC_CA=$dir/certs/ca.crt NGINX_TLS_PORT=$tls NGINX_PORT=$plain
		for i in $(seq 1 50); do
			kill -0 "$ac_nginx_pid" 2>/dev/null || break
			# An open port is not enough: another program may hold it while
			# this nginx retries its bind. Only this run's files and CA
			# prove the server is this run's.
			if ac_port_open "$tls" && ac_port_open "$plain"; then
				ac_nginx_ours && break 2
			fi
			sleep 0.1
		done
		NGINX_TLS_PORT='' NGINX_PORT=''
		ac_stop_nginx
	done
	if [ -z "$NGINX_TLS_PORT" ]; then
		echo "autoconfig: nginx did not start; its output and error log:" >&2
		cat "$dir/nginx.out" "$dir/error.log" >&2 2>/dev/null
		return 1
	fi
	export NGINX_TLS_PORT NGINX_PORT AC_CA AC_SILENT_ADDR AC_DIR

	# dns_start picks its port near the test Exim's; any free port will do
	# when no Exim runs.
	# A name only this run's dnsmasq knows tells it from another run's.
	ac_run_name="run-$$-$RANDOM.check.test"
	mapfile -t args < <(ac_dns_args)
	args+=("--host-record=$ac_run_name,127.0.0.1")
	for try in 1 2 3; do
		EXIM_PORT_SMTPS=${EXIM_PORT_SMTPS:-$((NGINX_TLS_PORT + 3))} dns_start "$dir" "${args[@]}" || return 1
		# shellcheck disable=SC2154 # dns_start sets dns_port and dns_pid
		AC_DNS="127.0.0.1:$dns_port"
		export AC_DNS
		for i in $(seq 1 20); do
			kill -0 "$dns_pid" 2>/dev/null || break
			[ "$(ac_dig "$ac_run_name" A 2>/dev/null)" = 127.0.0.1 ] && break 2
			sleep 0.1
		done
		kill "$dns_pid" 2>/dev/null
		wait "$dns_pid" 2>/dev/null
		dns_pid=
	done
	if [ -z "${dns_pid:-}" ]; then
		echo "autoconfig: the private dnsmasq did not answer:" >&2
		cat "$dir/dnsmasq.err" >&2
		return 1
	fi

	ac_silent_start "$dir" "$NGINX_TLS_PORT"
}

ac_nginx_ours() {
	[ "$(ac_curl -o /dev/null -w '%{http_code}' "https://autoconfig.right.test/mail/config-v1.1.xml" 2>/dev/null)" = 200 ] &&
		[ "$(ac_curl -o /dev/null -w '%{http_code}' "http://right.test/autodiscover/autodiscover.xml" 2>/dev/null)" = 200 ]
}

ac_stop_nginx() {
	[ -n "$ac_nginx_pid" ] || return 0
	kill "$ac_nginx_pid" 2>/dev/null
	wait "$ac_nginx_pid" 2>/dev/null
	ac_nginx_pid=
}

ac_stop() {
	ac_stop_nginx
	if [ -n "${dns_pid:-}" ]; then
		kill "$dns_pid" 2>/dev/null
		wait "$dns_pid" 2>/dev/null
		dns_pid=
	fi
	if [ -n "$ac_silent_pid" ]; then
		kill "$ac_silent_pid" 2>/dev/null
		wait "$ac_silent_pid" 2>/dev/null
		ac_silent_pid=
	fi
	return 0
}

ac_curl() {
	curl -sS --max-time 5 --cacert "$AC_CA" \
		--connect-to ":443:127.0.0.1:$NGINX_TLS_PORT" --connect-to ":80:127.0.0.1:$NGINX_PORT" "$@"
}

# A small DNS client (the tests cannot count on dig being installed).
ac_dig() {
	python3 - "${AC_DNS##*:}" "$1" "$2" <<-'EOF'
	import random, socket, struct, sys
	port, name, qtype = int(sys.argv[1]), sys.argv[2], {"A": 1, "MX": 15, "SRV": 33}[sys.argv[3]]
	query = struct.pack(">HHHHHH", random.randrange(65536), 0x0100, 1, 0, 0, 0)
	query += b"".join(bytes([len(p)]) + p.encode() for p in name.rstrip(".").split(".")) + b"\0"
	query += struct.pack(">HH", qtype, 1)
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.settimeout(2)
	s.sendto(query, ("127.0.0.1", port))
	r = s.recv(4096)
	def label(o):
	    parts = []
	    while r[o]:
	        if r[o] >= 192:
	            parts.append(label(((r[o] & 63) << 8) | r[o + 1])[0])
	            return ".".join(parts), o + 2
	        parts.append(r[o + 1:o + 1 + r[o]].decode())
	        o += 1 + r[o]
	    return ".".join(parts), o + 1
	o = label(12)[1] + 4
	for _ in range(struct.unpack(">H", r[6:8])[0]):
	    o = label(o)[1]
	    t, _, _, n = struct.unpack(">HHIH", r[o:o + 10])
	    d, o = o + 10, o + 10 + n
	    if t == 1:
	        print(socket.inet_ntoa(r[d:d + 4]))
	    elif t == 15:
	        print(struct.unpack(">H", r[d:d + 2])[0], label(d + 2)[0])
	    elif t == 33:
	        print(*struct.unpack(">HHH", r[d:d + 6]), label(d + 6)[0])
	if r[3] & 15:
	    print("rcode", r[3] & 15)
	EOF
}
