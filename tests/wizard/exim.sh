#!/usr/bin/env bash
# The wizard's plain front end against the real Exim (cPanel's policy), and
# with an email address whose server a real dnsmasq names by SRV.
set -uo pipefail

bin=${1:?usage: exim.sh PATH-TO-SMTPFIX}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../exim/server.sh
source "$here/../exim/server.sh"
# shellcheck source=../lib.sh
source "$here/../lib.sh"
dir=$(mktemp -d "${TMPDIR:-/tmp}/smtpfix-wizexim.XXXXXX")
chmod 755 "$dir" # the test Exim runs as nobody below it
trap 'exim_stop "$dir/exim"; rm -rf "$dir"' EXIT

# The real Exim with the cPanel policy.
mkdir -p "$dir/exim" "$dir/r4"
if exim_start "$dir/exim"; then
	printf '\n\n5\n\n' | "$bin" --plain --host 127.0.0.1 --ca-file "$EXIM_CA" \
		--port-map "587=$EXIM_PORT_CPANEL" --port-map "465=$EXIM_PORT_SMTPS" \
		--report-dir "$dir/r4" >"$dir/out4" 2>&1
	check "exim diagnosis" grep -q "\[auth-requires-tls\]" "$dir/out4"
	check "exim evidence" sh -c "flat() { tr -s ' \n' '  ' <\"\$1\"; }; flat '$dir/out4' | grep -q '550 SMTP AUTH is required for message submission on port 587'"

	# An An email address: a real dnsmasq on loopback names the server by
	#     SRV; the Exim certificate carries another name.
	dns_start "$dir" --srv-host=_submission._tcp.example.test,mail.example.test,587,0,1 \
		--host-record=smtpfix-test.example,127.0.0.1 ||
		check "dnsmasq starts" false
	printf '\n\n5\n\n' | "$bin" --plain --email someone@example.test --dns-server "127.0.0.1:$dns_port" \
		--ca-file "$EXIM_CA" --port-map "587=$EXIM_PORT_CPANEL" --port-map "465=$EXIM_PORT_SMTPS" \
		--timeout 3 --report-dir "$dir/r4" >"$dir/out4b" 2>&1
	kill "$dns_pid" 2>/dev/null
	wait "$dns_pid" 2>/dev/null
	check "address: server found by SRV" grep -q "Outgoing server for this address: mail.example.test (found by SRV" "$dir/out4b"
	check "address: the certificate's name" grep -q "tls-cert-name-mismatch" "$dir/out4b"
	check "address: steps use the certificate's name" sh -c "tr -s ' \n' '  ' <'$dir/out4b' | grep -q '\"Server Name:\" to smtpfix-test.example'"
else
	check "the test Exim starts" false
fi

finish wizard-exim
