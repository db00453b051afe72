#!/usr/bin/env bash
# smtpfix autoconfig against a real nginx and dnsmasq on loopback, with the
# test Exim as the mail server behind every test domain. First the web
# side itself is checked with curl (each fixture answers as intended), so
# a failure below it is smtpfix's; then each scenario domain is run the
# way a person would run smtpfix (--json, --dns-server, --port-map) and its
# JSON is held against what the domain really publishes.
#   run.sh PATH-TO-SMTPFIX
set -uo pipefail

bin=${1:?usage: run.sh PATH-TO-SMTPFIX}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=../lib.sh
source "$top/tests/lib.sh"
# shellcheck source=../exim/server.sh
source "$top/tests/exim/server.sh"
# shellcheck source=lib.sh
source "$here/lib.sh"

for tool in jq curl openssl xmllint python3; do
	command -v "$tool" >/dev/null || { echo "autoconfig tests: $tool is missing; run 'make deps'" >&2; exit 1; }
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/smtpfix-autoconfig.XXXXXX")
cleanup() {
	ac_stop
	exim_stop "$dir/exim"
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# As root the test Exim runs as nobody, and must reach its own folder.
[ "$(id -u)" -eq 0 ] && chmod 0711 "$dir"
acdir=$dir/ac
mkdir -p "$dir/exim" "$acdir"

# The test Exim presents a certificate from the autoconfig CA naming the
# published mail hosts, so one --ca-file covers the fetches and the probes.
# (Its own name for the folder is "dir" too, hence acdir.)
exim_make_certs() { ac_exim_certs "$acdir" "$1"; }
# exim_ours: the Exim on the exported ports is this run's and serving: it
# greets on the cPanel port at once, and shows this run's certificate on
# the implicit-TLS one. (When another program holds one of its ports,
# Exim keeps the others open but accepts nothing while it waits to retry,
# so an open port alone proves little.)
exim_ours() {
	local fd line
	exec {fd}<>"/dev/tcp/127.0.0.1/$EXIM_PORT_CPANEL" || return 1
	IFS= read -r -t 3 line <&"$fd"
	exec {fd}>&-
	[[ $line == "220 smtpfix-test.example ESMTP Exim"* ]] || return 1
	timeout 5 openssl s_client -connect "127.0.0.1:$EXIM_PORT_SMTPS" -servername smtp.provider.test \
		-CAfile "$acdir/certs/ca.crt" -verify_return_error </dev/null 2>&1 | grep -q "Verify return code: 0 (ok)"
}
# The one login the Exim takes: an address of the local-part scenario, so
# a published "part before @" can be tried against it.
export EXIM_AUTH_USER=tester@localpart.test
started=false
if ac_certs "$acdir"; then
	for _ in 1 2 3; do
		if exim_start "$dir/exim" && exim_ours 2>/dev/null; then
			started=true
			break
		fi
		echo "autoconfig tests: the test Exim does not answer on its ports; trying others" >&2
		exim_stop "$dir/exim"
	done
fi
if ! $started; then
	echo "autoconfig tests: FAILED to start the test Exim" >&2
	cat "$dir/exim/exim.out" "$dir/exim/log/paniclog" 2>/dev/null | tail -n 20 >&2
	echo "autoconfig: 0 passed, 1 failed"
	exit 1
fi
if ! ac_start "$acdir"; then
	echo "autoconfig tests: FAILED to start nginx, dnsmasq or the silent server" >&2
	echo "autoconfig: 0 passed, 1 failed"
	exit 1
fi

phase=infrastructure
body=$dir/body out=$dir/out.json err=$dir/err rc=0 ms=0
check_failed() {
	if [ "$phase" = scenario ]; then
		echo "  exit $rc after ${ms} ms; stderr: $(head -c 300 "$err" 2>/dev/null)" >&2
		jq -c "$norm"' norm | {sources: [.sources[]? | {kind, url, status, redirects, http_status}],
			published: [.published[]? | {kind, host, port, security, username, verdict, outcome}],
			findings: [.findings[]?.cause]}' "$out" 2>/dev/null | head -c 2000 >&2 ||
			head -c 300 "$out" >&2
		echo >&2
	fi
}

# ---------------------------------------------------------------------------
# Part 1: the web server, the names and the mail server, without smtpfix.
# ---------------------------------------------------------------------------

request() { # the Autodiscover request Outlook POSTs, for ADDRESS
	cat <<-EOF
	<?xml version="1.0" encoding="utf-8"?>
	<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
	  <Request>
	    <EMailAddress>$1</EMailAddress>
	    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
	  </Request>
	</Autodiscover>
	EOF
}

# answers CODE METHOD URL [PATTERN [CURL-ARGS...]]: the status is CODE (no
# redirect followed) and, when given, the body holds PATTERN (extended
# regex).
answers() {
	local want=$1 method=$2 url=$3 pat=${4:-} got data=() host
	data=("${@:5}")
	if [ "$method" = POST ]; then
		host=${url#*://}
		host=${host%%/*}
		request "user@$(echo "$host" | sed -E 's/^(autodiscover|autodiscover-srv|mail)\.//')" > "$dir/request.xml"
		data+=(-X POST -H "Content-Type: text/xml" --data-binary "@$dir/request.xml")
		data=(-X POST -H "Content-Type: text/xml" --data-binary "@$dir/request.xml")
	fi
	got=$(ac_curl "${data[@]}" -o "$body" -w '%{http_code}' "$url" 2>"$err")
	[ "$got" = "$want" ] || { echo "  $method $url: HTTP $got, expected $want $(head -c 200 "$err")" >&2; return 1; }
	[ -z "$pat" ] || grep -Eq -- "$pat" "$body" || { echo "  $method $url: body lacks /$pat/" >&2; return 1; }
}

# redirects CODE URL LOCATION: a redirect with that status and target.
redirects() {
	local got
	got=$(ac_curl -o /dev/null -w '%{http_code} %{redirect_url}' "$2" 2>"$err")
	[ "$got" = "$1 $3" ] || { echo "  GET $2: '$got', expected '$1 $3'" >&2; return 1; }
}

# well_formed: the last body is XML that parses (entities left alone).
well_formed() { xmllint --nonet --noout "$body" 2>/dev/null; }
malformed() { ! xmllint --nonet --noout "$body" 2>/dev/null; }

# resolves NAME TYPE ANSWER: the private dnsmasq gives exactly ANSWER.
resolves() {
	local got
	got=$(ac_dig "$1" "$2" 2>&1)
	[ "$got" = "$3" ] || { echo "  $2 $1: '$got', expected '$3'" >&2; return 1; }
}

every_name_resolves() {
	local name addr bad=0
	while read -r name _ addr; do
		[ "$(ac_dig "$name" A 2>&1)" = "$addr" ] || { echo "  $name does not resolve to $addr" >&2; bad=1; }
	done < <(ac_names)
	return $bad
}

# exim_cert_ok PORT NAME [starttls]: the test Exim's certificate verifies
# for NAME against the autoconfig CA.
exim_cert_ok() {
	local starttls=()
	[ "${3:-}" = starttls ] && starttls=(-starttls smtp)
	timeout 10 openssl s_client "${starttls[@]}" -connect "127.0.0.1:$1" -servername "$2" \
		-verify_hostname "$2" -CAfile "$AC_CA" -verify_return_error </dev/null >"$body" 2>&1 &&
		grep -q "Verify return code: 0 (ok)" "$body" ||
		{ echo "  Exim on $1 for $2: $(grep -m1 -i "verify" "$body")" >&2; return 1; }
}

# tls_refused URL WORDS: curl refuses the certificate, saying WORDS.
tls_refused() {
	ac_curl -o /dev/null "$1" 2>"$err"
	local got=$?
	[ "$got" = 60 ] && grep -q -- "$2" "$err" ||
		{ echo "  $1: curl exit $got, expected 60 ($(head -c 200 "$err"))" >&2; return 1; }
}

# silent_times_out: the silent port accepts, then says nothing (curl waits
# out its own limit, 28); its plain neighbour refuses (7).
silent_times_out() {
	local a b
	curl -sS --max-time 1 -k -o /dev/null "https://$AC_SILENT_ADDR:$NGINX_TLS_PORT/" 2>"$err"
	a=$?
	curl -sS --max-time 1 -o /dev/null "http://$AC_SILENT_ADDR:$NGINX_PORT/" 2>>"$err"
	b=$?
	[ "$a" = 28 ] && [ "$b" = 7 ] || { echo "  silent port: curl $a and $b, expected 28 and 7" >&2; return 1; }
}

AC=/mail/config-v1.1.xml
WK=/.well-known/autoconfig/mail/config-v1.1.xml
AD=/autodiscover/autodiscover.xml
q() { echo "?emailaddress=user%40$1"; }

check "dns: every test name" every_name_resolves
check "dns: MX right.test" resolves right.test MX "10 mail.right.test"
check "dns: SRV _autodiscover srv.test" resolves _autodiscover._tcp.srv.test SRV "0 0 443 autodiscover-srv.srv.test"
check "dns: SRV _submission elsewhere.test" resolves _submission._tcp.elsewhere.test SRV "0 1 587 mail.elsewhere.test"
check "dns: no autodiscover.srv.test" resolves autodiscover.srv.test A "rcode 3"
check "dns: unknown name" resolves nothing.right.test A "rcode 3"
check "exim: STARTTLS certificate for mail.right.test" exim_cert_ok "$EXIM_PORT_CPANEL" mail.right.test starttls
check "exim: implicit TLS certificate for smtp.provider.test" exim_cert_ok "$EXIM_PORT_SMTPS" smtp.provider.test

check "right: autoconfig over https" answers 200 GET "https://autoconfig.right.test$AC$(q right.test)" \
	"<socketType>STARTTLS</socketType>"
check "right: autoconfig is XML" well_formed
check "right: autoconfig over http" answers 200 GET "http://autoconfig.right.test$AC" "<hostname>mail.right.test</hostname>"
check "right: autodiscover POST" answers 200 POST "https://right.test$AD" "<Encryption>TLS</Encryption>"
check "right: autodiscover is XML" well_formed
check "right: autodiscover GET too" answers 200 GET "https://right.test$AD" "<Port>587</Port>"
check "right: POST to a missing file is 404" answers 404 POST "https://autodiscover.right.test$AD"

check "wrong: autoconfig says plain" answers 200 GET "https://autoconfig.wrong.test$AC" "<socketType>plain</socketType>"
check "wrong: autodiscover says 465 without encryption" answers 200 POST "https://wrong.test$AD" \
	"<Port>465</Port>"
check "wrong: autodiscover Encryption None" grep -q "<Encryption>None</Encryption>" "$body"

for u in "https://autoconfig.missing.test$AC" "https://missing.test$WK" "http://autoconfig.missing.test$AC" \
	"http://missing.test$WK" "http://autodiscover.missing.test$AD"; do
	check "missing: GET $u" answers 404 GET "$u"
done
check "missing: POST https://missing.test" answers 404 POST "https://missing.test$AD"
check "missing: POST https://autodiscover.missing.test" answers 404 POST "https://autodiscover.missing.test$AD"

check "redirect: https autoconfig is not there" answers 404 GET "https://autoconfig.redirect.test$AC"
check "redirect: http autoconfig sends on to https" redirects 301 "http://autoconfig.redirect.test$AC$(q redirect.test)" \
	"https://autoconfig.redirect.test/settings/mail.xml$(q redirect.test)"
check "redirect: the target serves the file" answers 200 GET "https://autoconfig.redirect.test/settings/mail.xml" \
	"<hostname>mail.redirect.test</hostname>"
check "redirect: no autodiscover at the two POST addresses" answers 404 POST "https://redirect.test$AD"
check "redirect: nor at autodiscover.redirect.test" answers 404 POST "https://autodiscover.redirect.test$AD"
check "redirect: the plain-HTTP GET redirects" redirects 302 "http://autodiscover.redirect.test$AD" \
	"https://mail.redirect.test$AD"
check "redirect: the target answers a POST" answers 200 POST "https://mail.redirect.test$AD" "<Server>mail.redirect.test</Server>"

loops() {
	ac_curl -L --max-redirs 20 -o /dev/null "$1" 2>"$err"
	[ $? = 47 ] || { echo "  $1: no redirect loop ($(head -c 200 "$err"))" >&2; return 1; }
}
check "loop: https autoconfig loops" loops "https://autoconfig.loop.test$AC$(q loop.test)"
check "loop: http autoconfig loops" loops "http://autoconfig.loop.test$AC"

big_enough() { [ "$(stat -c %s "$body")" -ge $((1024 * 1024)) ]; }
check "big: autoconfig answers" answers 200 GET "https://autoconfig.big.test$AC"
check "big: a mebibyte or more" big_enough
check "big: still XML" well_formed

check "bad: autoconfig answers" answers 200 GET "https://autoconfig.bad.test$AC" "clientConfig"
check "bad: autoconfig is not XML" malformed
check "bad: autodiscover holds the entities" answers 200 POST "https://bad.test$AD" '<!ENTITY localfile SYSTEM "file:///etc/passwd">'
check "bad: libxml2 itself refuses the entity growth" malformed

check "certname: autoconfig name refused" tls_refused "https://autoconfig.certname.test$AC" "no alternative certificate subject name"
check "certname: autodiscover name refused" tls_refused "https://autodiscover.certname.test$AD" "no alternative certificate subject name"
check "certname: the certificate is trusted for certname.test" answers 404 GET "https://certname.test$AD"
check "certname: http sends on to https" redirects 301 "http://autoconfig.certname.test$AC$(q certname.test)" \
	"https://autoconfig.certname.test$AC$(q certname.test)"
check "certname: the file is there behind the name" answers 200 GET "https://autoconfig.certname.test$AC" "" -k

check "srv: no autodiscover at srv.test" answers 404 POST "https://srv.test$AD"
check "srv: the SRV target answers a POST" answers 200 POST "https://autodiscover-srv.srv.test$AD" "<Server>mail.srv.test</Server>"

check "other: no autodiscover at other.test" answers 404 POST "https://other.test$AD"
check "other: autodiscover names the provider" answers 200 POST "https://autodiscover.other.test$AD" "<Server>smtp.provider.test</Server>"
check "other: MX is the domain's own" resolves other.test MX "10 mail.other.test"

check "elsewhere: autoconfig names smtp." answers 200 GET "https://autoconfig.elsewhere.test$AC" "<hostname>smtp.elsewhere.test</hostname>"
check "elsewhere: MX names mail." resolves elsewhere.test MX "10 mail.elsewhere.test"

check "localpart: autoconfig wants the local part" answers 200 GET "https://autoconfig.localpart.test$AC" "%EMAILLOCALPART%"

check "slow: resolves to the silent address" resolves autoconfig.slow.test A "$AC_SILENT_ADDR"
check "slow: accepts and never answers" silent_times_out

# ---------------------------------------------------------------------------
# Part 2: smtpfix autoconfig, one scenario domain at a time.
# ---------------------------------------------------------------------------
phase=scenario
timeout=3
common=(--json --dns-server "$AC_DNS" --ca-file "$AC_CA"
	--port-map "443=$NGINX_TLS_PORT" --port-map "80=$NGINX_PORT"
	--port-map "587=$EXIM_PORT_CPANEL" --port-map "465=$EXIM_PORT_SMTPS"
	--timeout "$timeout" --no-ispdb)

# autoconfig INPUT: run smtpfix; its JSON in $out, exit status in $rc,
# wall time in $ms. A run that hangs is cut off well before the suite's
# own limit.
autoconfig() {
	local t0
	t0=$(date +%s%N)
	timeout 15 "$bin" autoconfig "$@" "${common[@]}" >"$out" 2>"$err"
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
}
status_is() { [ "$rc" -eq "$1" ]; }
ran() { [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ]; }
# The checks read the agreed shape: top-level input, domain, sources,
# published (the entries) and findings. smtpfix's JSON may instead carry
# them inside the whole check's document (.published.sources,
# .published.servers, .diagnosis.findings, .discovery.input); norm reads
# either the same way.
norm='def norm: if (.published | type) == "object" then
	{input: (.discovery.input // .published.email), domain: .published.domain,
	 sources: .published.sources, published: .published.servers,
	 findings: (.diagnosis.findings // .findings // [])}
	else . end;'
# jqt EXPR: EXPR is true for the last run's JSON (an empty output is not).
jqt() { [ "$(jq -e "$norm norm | ($1)" "$out" 2>/dev/null)" = true ]; }
valid_json() { jqt '.sources and .published and .findings'; }
# with_json CHECK...: CHECK, on a run that gave its JSON (a check that
# something is absent proves nothing on an empty output).
with_json() { valid_json && "$@"; }

# Reusable expressions.
first() { echo "([.sources[] | select(.kind == \"$1\")][0])"; }
has_cause() { echo "any(.findings[]; .cause == \"$1\")"; }
no_ac_cause='all(.findings[]; .cause | test("^(autoconfig|autodiscover)") | not)'

autoconfig user@right.test
check "right: exit 0" status_is 0
check "right: JSON" valid_json
check "right: input and domain" jqt '.input == "user@right.test" and .domain == "right.test"'
check "right: autoconfig found first" jqt "$(first autoconfig).status == \"found\" and $(first autoconfig).http_status == 200"
check "right: autodiscover found first" jqt "$(first autodiscover).status == \"found\" and $(first autodiscover).url == \"https://right.test$AD\""
check "right: autoconfig entry" jqt 'any(.published[]; .kind == "autoconfig" and .program == "Thunderbird" and .host == "mail.right.test"
	and .port == 587 and .security == "starttls" and .username == "user@right.test")'
check "right: autodiscover entry" jqt 'any(.published[]; .kind == "autodiscover" and .program == "Outlook" and .host == "mail.right.test"
	and .port == 587 and .security == "starttls")'
check "right: every published entry works" jqt '(.published | length) >= 2 and all(.published[]; .verdict == "works")'
check "right: no autoconfig finding" jqt "$no_ac_cause"

autoconfig user@wrong.test
check "wrong: exit 1" status_is 1
check "wrong: autoconfig-wrong" jqt "$(has_cause autoconfig-wrong)"
check "wrong: autoconfig entry plain on 587 fails" jqt 'any(.published[]; .kind == "autoconfig" and .port == 587
	and .security == "none" and .verdict == "fails")'
check "wrong: autodiscover entry plain on 465 fails" jqt 'any(.published[]; .kind == "autodiscover" and .port == 465
	and .security == "none" and .verdict == "fails")'
check "wrong: no entry works" jqt '(.published | length) >= 2 and all(.published[]; .verdict == "fails")'

autoconfig user@missing.test
check "missing: exit 0" status_is 0
check "missing: every place absent" jqt '(.sources | length) >= 4 and all(.sources[]; .status == "not-found" or .status == "no-name"
	or (.kind == "ispdb" and (.status == "skipped" or .status == "not-tried")))'
check "missing: the four autoconfig addresses asked" jqt '[.sources[] | select(.kind == "autoconfig")] | length == 4'
check "missing: nothing published" jqt '.published == []'
check "missing: no autoconfig finding" jqt "$no_ac_cause"

autoconfig user@redirect.test
check "redirect: exit 0" status_is 0
check "redirect: autoconfig found after a redirect" jqt 'any(.sources[]; .kind == "autoconfig" and .status == "found"
	and .redirects >= 1 and .url == "http://autoconfig.redirect.test/mail/config-v1.1.xml?emailaddress=user%40redirect.test"
	and (.final_url | startswith("https://autoconfig.redirect.test/settings/mail.xml")))'
check "redirect: autodiscover found after a redirect" jqt "any(.sources[]; .kind == \"autodiscover\" and .status == \"found\"
	and .redirects >= 1 and .final_url == \"https://mail.redirect.test$AD\")"
check "redirect: entries work" jqt '(.published | length) >= 2 and all(.published[]; .verdict == "works")'

autoconfig user@loop.test
check "loop: exit 1" status_is 1
check "loop: too many redirects" jqt "$(first autoconfig).status == \"redirects\""
check "loop: nothing published" jqt '.published == []'

autoconfig user@big.test
check "big: exit 1" status_is 1
check "big: too large" jqt "$(first autoconfig).status == \"too-large\""
check "big: nothing published" jqt '.published == []'

autoconfig user@bad.test
passwd_line=$(head -n 1 /etc/passwd)
small() { [ "$(stat -c %s "$out")" -lt 65536 ] && [ "$(stat -c %s "$err")" -lt 65536 ]; }
check "bad: exit 1" status_is 1
check "bad: autoconfig malformed" jqt "$(first autoconfig).status == \"malformed\""
check "bad: entities refused or ignored" jqt "$(first autodiscover).status == \"malformed\" or $(first autodiscover).status == \"empty\""
check "bad: /etc/passwd not read" with_json absent -F -- "$passwd_line" "$out" "$err"
check "bad: entities not expanded" with_json absent -F -- growgrowgrow "$out" "$err"
check "bad: output stays small" with_json small
check "bad: nothing published" jqt '.published == []'

autoconfig user@certname.test
check "certname: exit 1" status_is 1
check "certname: tls-name" jqt "$(first autoconfig).status == \"tls-name\""
check "certname: autodiscover tls-name too" jqt 'any(.sources[]; .kind == "autodiscover" and .status == "tls-name")'
check "certname: autoconfig-cert-name" jqt "$(has_cause autoconfig-cert-name)"

autoconfig user@srv.test
check "srv: exit 0" status_is 0
check "srv: the two POST addresses fail" jqt '[.sources[] | select(.kind == "autodiscover")][0:2] | map(.status) == ["not-found", "no-name"]'
check "srv: found through _autodiscover._tcp" jqt 'any(.sources[]; .status == "found" and ((.url | test("_autodiscover\\._tcp\\.srv\\.test"))
	or ((.final_url // "") | test("^https://autodiscover-srv\\.srv\\.test"))))'
check "srv: the entry from it" jqt 'any(.published[]; .kind == "autodiscover" and .host == "mail.srv.test" and .port == 587
	and .verdict == "works")'

autoconfig user@other.test
check "other: ran" ran
check "other: autodiscover-other-provider" jqt "$(has_cause autodiscover-other-provider)"
check "other: the provider's entry" jqt 'any(.published[]; .kind == "autodiscover" and .host == "smtp.provider.test")'
check "other: finding names the provider" jqt 'any(.findings[]; .cause == "autodiscover-other-provider"
	and ((.text + " " + (.evidence | tostring)) | test("provider\\.test")))'

autoconfig user@elsewhere.test
check "elsewhere: ran" ran
check "elsewhere: autoconfig-other-host" jqt "$(has_cause autoconfig-other-host)"
check "elsewhere: the published host" jqt 'any(.published[]; .kind == "autoconfig" and .host == "smtp.elsewhere.test")'
check "elsewhere: finding names both hosts" jqt 'any(.findings[]; .cause == "autoconfig-other-host"
	and ((.text + " " + (.evidence | tostring)) | test("smtp\\.elsewhere\\.test") and test("mail\\.elsewhere\\.test")))'

# Without the password nothing says the server refuses the part before @
# (a server of unknown kind may take it): the setting is held against
# the matrix only. With it, each published user name is tried once.
autoconfig tester@localpart.test
check "localpart: without a password, exit 0" status_is 0
check "localpart: the local part as user name" jqt 'any(.published[]; .kind == "autoconfig" and .username == "tester"
	and .username_form == "local-part")'
autoconfig tester@localpart.test --password-stdin <<<"${EXIM_AUTH_PASS:-test-password}"
check "localpart: exit 1" status_is 1
check "localpart: the published login refused" jqt 'any(.published[]; .kind == "autoconfig" and .verdict == "fails"
	and .outcome == "wrong-credentials")'
check "localpart: autoconfig-wrong about the user name" jqt 'any(.findings[]; .cause == "autoconfig-wrong"
	and ((.text + " " + (.evidence | tostring)) | test("user ?name|login|EMAILLOCALPART|whole address|local part"; "i")))'
check "localpart: the password is in no output" with_json absent -F -- "${EXIM_AUTH_PASS:-test-password}" "$out" "$err"

autoconfig user@slow.test
check "slow: ran" ran
check "slow: timeout" jqt "$(first autoconfig).status == \"timeout\""
within() { [ "$ms" -le $(((timeout + 2) * 1000)) ] || { echo "  took $ms ms" >&2; return 1; }; }
check "slow: within --timeout + 2 s" with_json within

# The files smtpfix setup-file writes, published by this nginx for a domain
# that had nothing (published.test): smtpfix autoconfig then finds both,
# and finds their setting works.
setup_file() {
	timeout 30 "$bin" setup-file --email tester@published.test --dns-server "$AC_DNS" \
		--ca-file "$AC_CA" --port-map "587=$EXIM_PORT_CPANEL" --port-map "465=$EXIM_PORT_SMTPS" \
		--timeout 3 "$@" 2>"$err"
}
mkdir -p "$AC_DIR/www/autoconfig.published.test/mail" "$AC_DIR/www/published.test/autodiscover"
check "published: autoconfig file written" setup_file --format autoconfig \
	--output "$AC_DIR/www/autoconfig.published.test/mail/config-v1.1.xml"
check "published: Autodiscover answer written" setup_file --format autodiscover \
	--output "$AC_DIR/www/published.test/autodiscover/autodiscover.xml"
autoconfig tester@published.test
check "published: exit 0" status_is 0
check "published: autoconfig found and it works" jqt 'any(.published[]; .kind == "autoconfig"
	and .host == "mail.published.test" and .verdict == "works")'
check "published: Autodiscover found and it works" jqt 'any(.published[]; .kind == "autodiscover"
	and .host == "mail.published.test" and .verdict == "works")'
check "published: nothing published is wrong" jqt '[.findings[] | select(.cause | test("^auto"))] == []'

# Bad usage.
usage() {
	timeout 10 "$bin" autoconfig "$@" >"$out" 2>"$err"
	rc=$?
	[ "$rc" -eq 2 ]
}
check "usage: no address" usage --json
check "usage: a bad --port-map" usage user@right.test --port-map 443

finish "autoconfig"
