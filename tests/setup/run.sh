#!/usr/bin/env bash
# smtpfix setup-file against the real test Exim, each file read back by
# the program it is for: the profile by Python's plistlib (as a Mac reads
# it) and its signature by openssl cms, the autoconfig file by xmllint
# against a RELAX NG schema of the format, the Autodiscover answer by
# xmllint, the msmtp account by the real msmtp sending one message through
# Exim. The address's server is found by a private dnsmasq. Then the
# refusals: nothing that works, only an unencrypted setting, a certificate
# nobody trusts, an existing file, a key that is not the certificate's, a
# bad format. A missing tool, Exim or dnsmasq fails the run.
set -uo pipefail

bin=$(cd "$(dirname "${1:?usage: run.sh PATH-TO-SMTPFIX}")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../exim/server.sh
source "$here/../exim/server.sh"
# shellcheck source=../lib.sh
source "$here/../lib.sh"

for tool in python3 msmtp xmllint openssl jq; do
	command -v "$tool" >/dev/null || { echo "setup: $tool is missing (make deps installs it)" >&2; exit 1; }
done
python3 -c 'import plistlib' || { echo "setup: python3 has no plistlib" >&2; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/smtpfix-setup.XXXXXX")
chmod 755 "$dir" # the test Exim runs as nobody below it
dns_pid=
cleanup() {
	[ -n "$dns_pid" ] && kill "$dns_pid" 2>/dev/null && wait "$dns_pid" 2>/dev/null
	exim_stop "$dir/exim"
	rm -rf "$dir"
}
trap cleanup EXIT

mkdir -p "$dir/exim" "$dir/out" "$dir/sign"
if ! exim_start "$dir/exim"; then
	echo "setup: the test Exim did not start" >&2
	echo "setup: 0 passed, 1 failed"
	exit 1
fi
# The address's domain names its submission server by SRV, and that
# name is the one on Exim's certificate.
if ! dns_start "$dir" --srv-host=_submission._tcp.smtpfix-test.example,smtpfix-test.example,587,0,1 \
	--host-record=smtpfix-test.example,127.0.0.1 || ! kill -0 "$dns_pid" 2>/dev/null; then
	echo "setup: the private dnsmasq did not start: $(cat "$dir/dnsmasq.err" 2>/dev/null)" >&2
	echo "setup: 0 passed, 1 failed"
	exit 1
fi

user=tester@smtpfix-test.example
pass=test-password
name='Tess "T" <Tester> & Co'
rng=$here/config-v1.1.rng
out=$dir/out
dns=(--dns-server "127.0.0.1:$dns_port")
both=(--port 587 --port 465 --port-map "587=$EXIM_PORT_CPANEL" --port-map "465=$EXIM_PORT_SMTPS"
	--ca-file "$EXIM_CA" --timeout 5)

check_failed() {
	[ -s "$dir/err" ] && sed 's/^/  stderr: /' "$dir/err" | head -n 15 >&2
}

# setup EXPECTED-STATUS ARGS...: smtpfix setup-file, stderr in $dir/err.
setup() {
	local want=$1
	shift
	"$bin" setup-file "$@" 2>"$dir/err"
	status=$?
	[ "$status" -eq "$want" ] || { echo "  exit status $status, expected $want" >&2; return 1; }
}

# xpath FILE EXPR: the string value of an XPath expression.
xpath() {
	xmllint --xpath "string($2)" "$1" 2>/dev/null
}

# contains FILE TEXT: FILE holds TEXT (lines and all) somewhere.
contains() {
	local body
	body=$(cat "$1") || return 1
	[[ "$body" == *"$2"* ]] || { echo "  '$2' is not in $1" >&2; return 1; }
}

# jq_true EXPR FILE: the jq expression is true for the JSON in FILE.
jq_true() {
	jq -e "$1" "$2" >/dev/null
}

# sent_by_msmtp ID: Exim took the message with that Message-ID after a
# login as the test user.
sent_by_msmtp() {
	grep -q "<= $user .* A=\(plain\|login\):$user .*id=$1\$" "$dir/exim/log/mainlog"
}

# --- The Apple profile, for the address's server found through DNS.
check "mobileconfig: written from the verified setting" \
	setup 0 --format mobileconfig --email "$user" --name "$name" "${dns[@]}" \
	"${both[@]}" --output "$out/p.mobileconfig"
check "mobileconfig: the verified setting is said" \
	grep -q "^verified: smtpfix-test.example port 587 STARTTLS, login$" "$dir/err"
check "mobileconfig: the server was found by SRV" \
	grep -q "^outgoing server for $user: smtpfix-test.example (.*SRV" "$dir/err"
check "mobileconfig: plistlib reads the verified values" \
	python3 "$here/plist.py" "$out/p.mobileconfig" OutgoingMailServerHostName=smtpfix-test.example \
	OutgoingMailServerPortNumber=587 OutgoingMailServerUseSSL=true \
	OutgoingMailServerAuthentication=EmailAuthPassword OutgoingMailServerUsername="$user" \
	OutgoingPasswordSameAsIncomingPassword=true EmailAddress="$user" EmailAccountType=EmailTypeIMAP \
	EmailAccountName="$name" IncomingMailServerHostName=smtpfix-test.example \
	IncomingMailServerPortNumber=993 IncomingMailServerUseSSL=true \
	IncomingMailServerAuthentication=EmailAuthPassword IncomingMailServerUsername="$user" \
	IncomingPassword=- OutgoingPassword=-
check "mobileconfig: the check can fail (a wrong value is caught)" \
	sh -c "! python3 '$here/plist.py' '$out/p.mobileconfig' OutgoingMailServerPortNumber=465 2>/dev/null"
check "mobileconfig: no password in the file" absent -i "$pass" "$out/p.mobileconfig"
check "mobileconfig: mode 0644" test "$(stat -c %a "$out/p.mobileconfig")" = 644

# Implicit TLS on 465 only: UseSSL is true there too.
check "mobileconfig: implicit TLS" \
	setup 0 --format mobileconfig --email "$user" "${dns[@]}" --port 465 \
	--port-map "465=$EXIM_PORT_SMTPS" --ca-file "$EXIM_CA" --timeout 5 --output "$out/p465.mobileconfig"
check "mobileconfig: 465 read back" \
	python3 "$here/plist.py" "$out/p465.mobileconfig" OutgoingMailServerPortNumber=465 \
	OutgoingMailServerUseSSL=true EmailAccountName=-

# Signed with a certificate made now by a CA made now; the chain rides along.
(
	cd "$dir/sign" &&
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=smtpfix setup test CA" \
			-keyout ca.key -out ca.pem &&
		openssl req -newkey rsa:2048 -nodes -subj "/CN=profiles.smtpfix-test.example" \
			-keyout signer.key -out signer.csr &&
		printf 'keyUsage=digitalSignature\nextendedKeyUsage=emailProtection\n' >signer.ext &&
		openssl x509 -req -in signer.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
			-extfile signer.ext -out signer.pem &&
		cat signer.pem ca.pem >chain.pem &&
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other.key
) >/dev/null 2>&1
check "sign: test certificates made" present "$dir/sign/chain.pem" "$dir/sign/other.key"
check "sign: a signed profile is written" \
	setup 0 --format mobileconfig --email "$user" --name "$name" "${dns[@]}" "${both[@]}" \
	--sign "$dir/sign/chain.pem" "$dir/sign/signer.key" --output "$out/s.mobileconfig"
# cms_verify FILE CA OUT: openssl's verdict on a signed profile.
cms_verify() {
	openssl cms -verify -inform DER -in "$1" -CAfile "$2" -out "$3" -purpose smimesign 2>"$dir/err"
}
check "sign: openssl cms verifies it against the CA" \
	cms_verify "$out/s.mobileconfig" "$dir/sign/ca.pem" "$out/s.content"
check "sign: the signed content is the profile" \
	python3 "$here/plist.py" --same "$out/p.mobileconfig" "$out/s.content"
check "sign: the signature carries the chain" \
	sh -c "openssl pkcs7 -inform DER -in '$out/s.mobileconfig' -print_certs -noout | grep -c '^subject' | grep -qx 2"
check "sign: another CA does not verify it" \
	sh -c "! openssl cms -verify -inform DER -in '$out/s.mobileconfig' -CAfile '$EXIM_CA' -out /dev/null 2>/dev/null"
check "sign: a changed byte does not verify" sh -c "python3 -c '
import sys
b = bytearray(open(sys.argv[1], \"rb\").read())
i = b.find(b\"<integer>587<\")
assert i >= 0
b[i + 9] = ord(\"6\")
open(sys.argv[2], \"wb\").write(b)' '$out/s.mobileconfig' '$out/tampered.mobileconfig' &&
	! openssl cms -verify -inform DER -in '$out/tampered.mobileconfig' -CAfile '$dir/sign/ca.pem' -out /dev/null 2>/dev/null"
check "sign: --sign-cert and --sign-key work too" \
	setup 0 --format mobileconfig --email "$user" "${dns[@]}" "${both[@]}" \
	--sign-cert "$dir/sign/chain.pem" --sign-key "$dir/sign/signer.key" --output "$out/s2.mobileconfig"
check "sign: a key that is not the certificate's is refused" \
	setup 2 --format mobileconfig --email "$user" "${dns[@]}" "${both[@]}" \
	--sign "$dir/sign/chain.pem" "$dir/sign/other.key" --output "$out/bad.mobileconfig"
check "sign: ... saying so" grep -q "does not belong to the certificate" "$dir/err"
check "sign: ... and writing nothing" test ! -e "$out/bad.mobileconfig"
check "sign: --sign is for profiles only" \
	setup 2 --format text --email "$user" --sign "$dir/sign/chain.pem" "$dir/sign/signer.key"

# --- The autoconfig file, validated by xmllint against the format's schema.
check "autoconfig: written" \
	setup 0 --format autoconfig --email "$user" "${dns[@]}" "${both[@]}" --output "$out/config-v1.1.xml"
check "autoconfig: valid by the schema" xmllint --noout --relaxng "$rng" "$out/config-v1.1.xml" 2>"$dir/err"
check "autoconfig: the verified outgoing setting" test \
	"$(xpath "$out/config-v1.1.xml" '//outgoingServer/hostname')|$(xpath "$out/config-v1.1.xml" '//outgoingServer/port')|$(xpath "$out/config-v1.1.xml" '//outgoingServer/socketType')|$(xpath "$out/config-v1.1.xml" '//outgoingServer/username')" \
	= "smtpfix-test.example|587|STARTTLS|%EMAILADDRESS%"
check "autoconfig: the domain" test "$(xpath "$out/config-v1.1.xml" '/clientConfig/emailProvider/@id')" = smtpfix-test.example
# The schema is not fitted to smtpfix's output alone: files in the shape
# of the ISPDB's pass, and mistakes are caught.
check "schema: ISPDB-style files pass" xmllint --noout --relaxng "$rng" "$here"/ispdb/*.xml 2>"$dir/err"
sed 's/>STARTTLS</>TLS</' "$out/config-v1.1.xml" >"$out/wrong-socket.xml"
check "schema: a socketType no program knows fails" \
	sh -c "! xmllint --noout --relaxng '$rng' '$out/wrong-socket.xml' 2>/dev/null"
sed 's/<port>587</<port>70000</' "$out/config-v1.1.xml" >"$out/wrong-port.xml"
check "schema: a port out of range fails" \
	sh -c "! xmllint --noout --relaxng '$rng' '$out/wrong-port.xml' 2>/dev/null"
sed 's/displayShortName/displayNameShort/g' "$here/ispdb/provider.example.xml" >"$out/misspelt.xml"
check "schema: a misspelt element fails" \
	sh -c "! xmllint --noout --relaxng '$rng' '$out/misspelt.xml' 2>/dev/null"

# Published by a domain and read back by smtpfix autoconfig: in
# tests/autoconfig/run.sh, served by the real nginx there.

free_port() {
	local p=$1
	while exim_port_open "$p" || [ "$p" -eq "$dns_port" ]; do p=$((p + 1)); done
	echo "$p"
}

# --- The Autodiscover answer: well-formed, with the SMTP entry.
check "autodiscover: written" \
	setup 0 --format autodiscover --email "$user" "${dns[@]}" "${both[@]}" --output "$out/autodiscover.xml"
check "autodiscover: well-formed" xmllint --noout "$out/autodiscover.xml"
P="//*[local-name()='Protocol'][*[local-name()='Type']='SMTP']"
check "autodiscover: the SMTP entry" test \
	"$(xpath "$out/autodiscover.xml" "$P/*[local-name()='Server']")|$(xpath "$out/autodiscover.xml" "$P/*[local-name()='Port']")|$(xpath "$out/autodiscover.xml" "$P/*[local-name()='Encryption']")|$(xpath "$out/autodiscover.xml" "$P/*[local-name()='SSL']")|$(xpath "$out/autodiscover.xml" "$P/*[local-name()='LoginName']")" \
	= "smtpfix-test.example|587|TLS|on|$user"
check "autodiscover: Microsoft's namespaces" test \
	"$(xpath "$out/autodiscover.xml" "namespace-uri(/*)")|$(xpath "$out/autodiscover.xml" "namespace-uri(/*/*)")" \
	= "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006|http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"

# --- msmtp sends one message through Exim with the account as written.
# Only what cannot be in the file is given on msmtp's command line: the
# test password, the test CA, and the real port behind the mapped one.
# (msmtp asks the system's DNS, so these use the server's address.)
for sec in starttls:587:$EXIM_PORT_CPANEL:on tls:465:$EXIM_PORT_SMTPS:off; do
	IFS=: read -r name port real starttls <<<"$sec"
	f=$out/msmtprc-$name
	check "msmtp ($name): written" \
		setup 0 --format msmtp --email "$user" --host 127.0.0.1 --port "$port" \
		--port-map "$port=$real" --ca-file "$EXIM_CA" --timeout 5 --output "$f"
	check "msmtp ($name): the verified setting" contains "$f" "
host 127.0.0.1
port $port
tls on
tls_starttls $starttls
tls_trust_file system
auth on
user $user
from $user
"
	check "msmtp ($name): no password line" absent '^password' "$f"
	id="setup-$name-$$@smtpfix.test"
	printf 'To: someone@example.com\nSubject: setup-file %s\nMessage-ID: <%s>\n\nSent with the account smtpfix wrote.\n' \
		"$name" "$id" | timeout 30 msmtp -C "$f" --port="$real" --tls-trust-file="$EXIM_CA" \
		--passwordeval="printf %s $pass" -t >"$dir/msmtp.out" 2>&1
	check "msmtp ($name): the real msmtp sends with it" test $? -eq 0
	sleep 0.3
	check "msmtp ($name): Exim took the message after the login" sent_by_msmtp "$id"
done
check "msmtp: a message never sent is not found (the check can fail)" \
	sh -c "! grep -q 'id=never-sent-$$@smtpfix.test' '$dir/exim/log/mainlog'"

# --- The message for the customer, on standard output (the file only:
# what smtpfix says goes to standard error).
"$bin" setup-file --format text --email "$user" "${dns[@]}" "${both[@]}" >"$out/settings.txt" 2>"$dir/err"
check "text: written to standard output" test $? -eq 0
check "text: the host, port, security and login" \
	sh -c "grep -q 'smtpfix-test.example' '$out/settings.txt' && grep -q 'Port: *587' '$out/settings.txt' &&
		grep -q 'Security: *STARTTLS' '$out/settings.txt' && grep -q 'Security: *SSL/TLS' '$out/settings.txt' &&
		grep -q 'User name: *$user' '$out/settings.txt'"
check "text: nothing of smtpfix's own on standard output" absent -E '^(verified:|outgoing server|written:)' "$out/settings.txt"
"$bin" setup-file --format mobileconfig --email "$user" "${dns[@]}" "${both[@]}" >"$out/stdout.mobileconfig" 2>/dev/null
check "stdout: the profile alone, as plistlib reads it" \
	python3 "$here/plist.py" "$out/stdout.mobileconfig" OutgoingMailServerPortNumber=587

# A name given with --resolve leads to the server as DNS would.
check "resolve: the address's server from --resolve" \
	setup 0 --format text --email "$user" --resolve smtpfix-test.example:127.0.0.1 "${both[@]}" \
	--output "$out/resolve.txt"
check "resolve: ... named and verified" sh -c "grep -q '^outgoing server for $user: smtpfix-test.example (the names given with --resolve)' '$dir/err' &&
	grep -q '^verified: smtpfix-test.example port 587 STARTTLS, login' '$dir/err'"

# --- Nothing verified: nothing written, exit 1.
closed=$(free_port $((EXIM_PORT_SILENT + 1)))
check "closed port: exit 1" \
	setup 1 --format mobileconfig --email "$user" --host 127.0.0.1 --port 587 \
	--port-map "587=$closed" --timeout 3 --output "$out/none.mobileconfig"
check "closed port: says why and what was tried" \
	sh -c "grep -q 'nothing was written' '$dir/err' && grep -q 'port 587: closed' '$dir/err'"
check "closed port: no file" test ! -e "$out/none.mobileconfig"
check "no encryption only: exit 1" \
	setup 1 --format msmtp --email "$user" --host 127.0.0.1 --port 587 \
	--port-map "587=$EXIM_PORT_NOTLS" --timeout 3 --output "$out/plain.msmtprc"
check "no encryption only: says so" grep -q "without encryption" "$dir/err"
check "no encryption only: no file" test ! -e "$out/plain.msmtprc"
check "untrusted certificate: exit 1" \
	setup 1 --format autoconfig --email "$user" --host 127.0.0.1 --port 587 \
	--port-map "587=$EXIM_PORT_CPANEL" --timeout 3 --output "$out/untrusted.xml"
check "untrusted certificate: says so" grep -q "certificate" "$dir/err"
check "untrusted certificate: no file" test ! -e "$out/untrusted.xml"
check "unknown domain: exit 1" \
	setup 1 --format text --email nobody@nowhere.smtpfix-test.example "${dns[@]}" --timeout 3

# --- An existing file stays unless --force.
printf 'keep me\n' >"$out/existing.txt"
check "existing file: refused without --force" \
	setup 2 --format text --email "$user" "${dns[@]}" "${both[@]}" --output "$out/existing.txt"
check "existing file: untouched" test "$(cat "$out/existing.txt")" = "keep me"
check "existing file: replaced with --force" \
	setup 0 --format text --email "$user" "${dns[@]}" "${both[@]}" --output "$out/existing.txt" --force
check "existing file: now the settings, mode 0644" \
	sh -c "grep -q 'Port: *587' '$out/existing.txt' && test \"\$(stat -c %a '$out/existing.txt')\" = 644"
check "no temporary file left behind" test -z "$(find "$out" -name '.smtpfix-setup.*' -print)"

# --- Bad usage: exit 2, nothing on standard output.
"$bin" setup-file --format plist --email "$user" >"$dir/stdout" 2>"$dir/err"
check "bad --format: exit 2" test $? -eq 2
check "bad --format: names the formats" grep -q "mobileconfig, autoconfig, autodiscover, msmtp, text" "$dir/err"
check "bad --format: nothing on standard output" test ! -s "$dir/stdout"
check "no --email: exit 2" setup 2 --format text
check "bad address: exit 2" setup 2 --format text --email 'two@at@example.com'
check "--sign with one value: exit 2" setup 2 --format mobileconfig --email "$user" --sign "$dir/sign/chain.pem"
check "unknown option: exit 2" setup 2 --format text --email "$user" --password x
check "a folder that does not exist: exit 2 before any test" \
	setup 2 --format text --email "$user" --host 127.0.0.1 --output "$dir/missing/settings.txt"
check "... saying so" grep -q "cannot write into the folder" "$dir/err"

finish "setup"
