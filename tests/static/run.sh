#!/usr/bin/env bash
# The static binary in an empty root: a folder holding only the binary, a
# CA file, a copy of a cPanel server's files and the device nodes it
# needs (bound from the host in a mount namespace of the test's own), no
# shared library, no terminfo database, no /etc. In it: --version, the
# demo line by line, a probe of the test Exim, policy --root, and the
# full-screen demo in tmux at 80x24 (terminfo from the binary's own
# entries). Run as root, or as a user with unprivileged user namespaces.
#   run.sh STATIC-SMTPFIX
set -uo pipefail

bin=${1:?usage: run.sh STATIC-SMTPFIX}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=../lib.sh
source "$top/tests/lib.sh"
# shellcheck source=../exim/server.sh
source "$top/tests/exim/server.sh"

for tool in unshare chroot tmux jq readelf file; do
	command -v "$tool" >/dev/null || { echo "static tests: $tool is missing; run 'make deps'" >&2; exit 1; }
done
[ -x "$bin" ] || { echo "static tests: $bin is missing; run 'make static'" >&2; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/smtpfix-static.XXXXXX")
session=smtpfix-static-$$
cleanup() {
	tmux kill-session -t "$session" 2>/dev/null
	exim_stop "$dir/exim"
	rm -rf "$dir"
}
trap cleanup EXIT
chmod 755 "$dir" # the test Exim runs as nobody below it
mkdir -p "$dir/exim"
out=$dir/out
# jqt EXPR FILE: EXPR holds for the JSON in FILE.
jqt() { jq -e "$1" "$2" >/dev/null; }

# 1. No shared library, by the tools that list them.
check "ldd: not a dynamic executable" sh -c "ldd '$bin' 2>&1 | grep -q 'not a dynamic executable'"
check "readelf: no dynamic section" sh -c "readelf -d '$bin' 2>&1 | grep -q 'no dynamic section'"
check "readelf: no interpreter" sh -c "! readelf -l '$bin' | grep -q 'program interpreter'"
check "file: statically linked" sh -c "file -L '$bin' | grep -q 'statically linked'"

# 2. The root: the binary, a CA file, a server's files; /dev/null,
#    /dev/urandom and /dev/tty bound in at run time; an empty /tmp (later
#    an /etc/hosts and a CA bundle where AlmaLinux keeps it).
root=$dir/root
mkdir -p "$root/dev" "$root/tmp" "$root/server"
cp "$bin" "$root/smtpfix"
cp -R "$top/tests/fixtures/servers/cpanel-secure/." "$root/server/"
for node in null urandom tty; do : >"$root/dev/$node"; done
chmod 1777 "$root/tmp"
if ! exim_start "$dir/exim"; then
	echo "static tests: FAILED to start the test Exim" >&2
	finish "static"
	exit 1
fi
cp "$EXIM_CA" "$root/ca.pem"

# in_root ARGS...: smtpfix ARGS in the empty root, in a mount namespace
# of its own (a user namespace too when not root).
in_root() {
	local userns=()
	[ "$(id -u)" -eq 0 ] || userns=(--user --map-root-user)
	env -i TERM="${TERM_IN_ROOT:-dumb}" PATH=/usr/sbin:/usr/bin:/sbin:/bin unshare "${userns[@]}" --mount --fork sh -c '
		root=$1; shift
		for node in null urandom tty; do mount --bind "/dev/$node" "$root/dev/$node" || exit 97; done
		exec chroot "$root" /smtpfix "$@"' sh "$root" "$@"
}

in_root --version >"$out" 2>&1
check "--version in the empty root" grep -qE '^smtpfix [0-9][^ ]* \(OpenSSL [0-9]' "$out"

in_root --demo --plain </dev/null >"$out" 2>&1
check "the demo, line by line" grep -q '\[auth-requires-tls\]' "$out"
check "the demo's steps" grep -q 'Step 1 of' "$out"

in_root probe 127.0.0.1 --port 587 --port 465 --port-map "587=$EXIM_PORT_CPANEL" \
	--port-map "465=$EXIM_PORT_SMTPS" --ca-file /ca.pem --json --timeout 5 >"$out" 2>"$dir/err"
check "a probe of the test Exim" jqt '[.targets[] | select(.port == 587)][0].banner.code == 220' "$out"
check "the probe's TLS, trusted through the CA file" jqt \
	'any(.targets[]; .port == 465 and .tls.ok == true and .tls.verify == "ok")' "$out"
check "the probe's recommendation" jqt '.recommended.port == 587 and .recommended.security == "starttls"' "$out"

# The name through the root's own /etc/hosts (c-ares reads it: no C
# library resolver modules), and the CA where the RHEL family keeps its
# bundle, found without --ca-file.
mkdir -p "$root/etc/pki/tls/certs"
echo "127.0.0.1 smtpfix-test.example" >"$root/etc/hosts"
cp "$EXIM_CA" "$root/etc/pki/tls/certs/ca-bundle.crt"
in_root probe smtpfix-test.example --port 465 --port-map "465=$EXIM_PORT_SMTPS" --json --timeout 5 \
	>"$out" 2>"$dir/err"
check "a name from the root's /etc/hosts" jqt '.resolve.ok == true and .targets[0].address == "127.0.0.1"' "$out"
check "the RHEL family's CA bundle, found" jqt 'any(.targets[]; .port == 465 and .tls.verify == "ok")' "$out"

# libcurl in the root: the published-settings fetch reaches the test
# Exim's implicit-TLS port as if it were a web server (through --resolve
# and --port-map) and names what it meets in the TLS handshake there (Exim
# refuses HTTP's ALPN).
in_root autoconfig someone@example.invalid --json --no-ispdb --timeout 3 --ca-file /ca.pem \
	--resolve autoconfig.example.invalid:127.0.0.1 --resolve example.invalid:127.0.0.1 \
	--port-map "443=$EXIM_PORT_SMTPS" >"$out" 2>"$dir/err"
check "autoconfig's HTTPS through libcurl" jqt '.published.sources[0].status | test("^tls-")' "$out"

in_root policy --root /server --json >"$out" 2>"$dir/err"
check "policy --root on a cPanel server's files" jqt '.panel == "cpanel" and .auth_requires_tls.value == true' "$out"

# 3. Full screen in tmux at 80x24, in a root with no terminfo database:
#    the binary's own entry for the terminal.
TERM_IN_ROOT=screen
export TERM_IN_ROOT
tmux new-session -d -s "$session" -x 80 -y 24 \
	"$(declare -f in_root); root='$root' TERM_IN_ROOT=screen in_root --demo; sleep 5"
shown=false
for _ in $(seq 1 50); do
	if tmux capture-pane -p -t "$session" 2>/dev/null | grep -q 'Who is running smtpfix'; then
		shown=true
		break
	fi
	sleep 0.1
done
check "full screen with the built-in terminfo entry" $shown
tmux send-keys -t "$session" q 2>/dev/null
tmux kill-session -t "$session" 2>/dev/null

finish "static"
