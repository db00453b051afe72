#!/usr/bin/env bash
# smtpfix policy --root against hostile copies of a server, made here in a
# temporary folder (a customer's tarball can hold anything, and smtpfix runs
# as root): symbolic links out of the copy, FIFOs, sockets, devices and
# folders where settings files belong, an .include bomb, files that cannot
# be read. Every run must end within a few seconds and a bounded amount of
# memory, read nothing outside the copy, list what it skipped and why, and
# conclude nothing about AUTH or TLS from what it did not read.
set -uo pipefail

bin=${1:?usage: hostile.sh PATH-TO-SMTPFIX}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
servers="$top/tests/fixtures/servers"

# shellcheck source=lib.sh
source "$here/lib.sh"
expect_show='del(.log.events)'
policy_setup hostile
out="$dir/out"

# Each run: killed after $kill_after s, and must end within $secs_max s and
# $rss_max KiB. AddressSanitizer's shadow memory and quarantine make the SAN
# build far larger; there the memory bound only catches a runaway.
kill_after=15
secs_max=5
rss_max=98304
grep -qa __asan_init "$bin" && rss_max=655360

if [ "$(id -u)" -eq 0 ]; then
	as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
else
	as_nobody=()
fi
runner=()

# A fixed string that must (grep -qF) or must not (! grep -qF) be in the
# last text output.
text_has() { grep -qF -- "$1" "$out" && ok || { fail "the text lacks: $1"; head -c 1500 "$out" >&2; }; }
text_lacks() { grep -qF -- "$1" "$out" && { fail "the text has: $1"; head -c 1500 "$out" >&2; } || ok; }

# run NAME ARGS...: smtpfix policy ARGS, bounded in time and memory.
run() {
	local t0 t1 ms rc rss
	current=$1
	shift
	: >"$dir/rss"
	t0=$(date +%s%N)
	timeout -s KILL "$kill_after" /usr/bin/time -f '%M' -o "$dir/rss" \
		"${runner[@]}" "$bin" policy "$@" >"$out" 2>"$dir/err"
	rc=$?
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	if [ "$rc" -eq 137 ]; then
		fail "still running after $kill_after s: killed"
		echo '{}' >"$out"
		return
	fi
	[ "$rc" -eq 0 ] && ok || fail "exit status $rc ($(head -c 300 "$dir/err"))"
	[ "$ms" -lt $((secs_max * 1000)) ] && ok || fail "took $ms ms (at most $secs_max s)"
	rss=$(tail -n 1 "$dir/rss")
	[ -n "$rss" ] && [ "$rss" -lt "$rss_max" ] && ok || fail "peak memory ${rss:-?} KiB (at most $rss_max KiB)"
}

# tree NAME FIXTURE: a fresh copy of a fixture server, readable by anyone.
tree() {
	rm -rf "${dir:?}/$1"
	cp -r "$servers/$2" "$dir/$1"
	chmod -R a+rX "$dir/$1"
}

# Something that is not a regular file at PATH: fifo, socket, chr, blk or
# dir. Device nodes need root (and a container may still refuse them):
# then a FIFO stands in, which hangs the old reader just the same.
put() {
	local kind=$1 path=$2
	rm -rf "$path"
	mkdir -p "$(dirname "$path")"
	case $kind in
	fifo) mkfifo "$path" ;;
	socket) perl -MSocket -e 'socket(my $s, PF_UNIX, SOCK_STREAM, 0) or die; bind($s, pack_sockaddr_un($ARGV[0])) or die' "$path" ;;
	chr) mknod "$path" c 1 5 2>/dev/null || mkfifo "$path" ;; # /dev/zero
	blk) mknod "$path" b 7 0 2>/dev/null || mkfifo "$path" ;; # a loop device
	dir) mkdir "$path" ;;
	esac
}

# What lies outside the copies, which no run may read.
mkdir -p "$dir/outside"
printf 'begin authenticators\nleak_marker_outside:\n driver = plaintext\n public_name = PLAIN\n' >"$dir/outside/exim.conf"
echo "$(date '+%Y-%m-%d %H:%M:%S') SMTP connection from [203.0.113.66]:1 closed by DROP in ACL" >"$dir/outside/mainlog"
cp -r "$servers/cpanel-secure/etc" "$dir/outside/etc"
cp "$dir/outside/exim.conf" "$dir/outside/etc/exim.conf"

# A. Symbolic links are followed inside the copy only: an absolute link
#    starts again at the copy's top (as in a chroot), ".." stops there, and
#    what a link leads to outside is never opened. Each link that leads
#    nowhere in the copy is said, naming the link.
tree a1 cpanel-secure
ln -sfn "$dir/outside/exim.conf" "$dir/a1/etc/exim.conf"
run "A: absolute link out of the copy" --root "$dir/a1" --json
expect 'tostring | contains("leak_marker_outside") | not'
expect '[.unreadable[] | select(.path == "/etc/exim.conf")][0].why | contains("/etc/exim.conf is a symbolic link to \($dir)/outside/exim.conf") and contains("inside the copy")'
expect '.files | index("/etc/exim.conf") == null'

tree a2 cpanel-secure
rm -rf "$dir/a2/etc"
ln -s "$dir/outside/etc" "$dir/a2/etc"
run "A: a folder linked out of the copy" --root "$dir/a2" --json
expect 'tostring | contains("leak_marker_outside") | not'
expect '.notes | any(contains("/etc is a symbolic link to \($dir)/outside/etc"))'

tree a3 cpanel-secure
ln -sfn ../../outside/exim.conf "$dir/a3/etc/exim.conf"
run "A: .. above the copy" --root "$dir/a3" --json
expect 'tostring | contains("leak_marker_outside") | not'
expect '[.unreadable[] | select(.path == "/etc/exim.conf")][0].why | contains("symbolic link to ../../outside/exim.conf")'

tree a4 cpanel-secure
ln -sfn /proc/self/environ "$dir/a4/etc/eximrejects"
ln -sfn /dev/zero "$dir/a4/etc/alwaysrelay"
runner=(env -i X=host_accept_relay:LEAKED-FROM-PROC)
run "A: links into /proc and /dev" --root "$dir/a4" --json
runner=()
expect '.relay_refusal_text == null and (tostring | contains("LEAKED") | not)'
expect '[.unreadable[] | .path] | index("/etc/eximrejects") != null and index("/etc/alwaysrelay") != null'
expect '.files | index("/etc/eximrejects") == null and index("/etc/alwaysrelay") == null'

tree a5 cpanel-secure
echo ".include $dir/outside/exim.conf" >>"$dir/a5/etc/exim.conf"
run "A: .include of a file outside the copy" --root "$dir/a5" --json
expect 'tostring | contains("leak_marker_outside") | not'
expect '.auth_requires_tls.value == null and (.auth_requires_tls.evidence | contains("\($dir)/outside/exim.conf"))'

tree a6 cpanel-secure
mkdir -p "$dir/a6/var/log"
ln -s "$dir/outside/mainlog" "$dir/a6/var/log/exim_mainlog"
run "A: a mail log linked out of the copy" --root "$dir/a6" --json
expect '(.log.files | length) == 0 and ([.log.events[] | .address] | index("203.0.113.66") == null)'
expect '[.unreadable[] | select(.path == "/var/log/exim_mainlog")][0].why | contains("symbolic link")'

# Links that stay inside the copy are followed: an absolute one re-rooted,
# a relative one with more ".." than there are folders stopped at the top.
tree a7 cpanel-secure
mkdir -p "$dir/a7/etc/exim" "$dir/a7/var/log"
mv "$dir/a7/etc/exim.conf" "$dir/a7/etc/exim/real.conf"
ln -s /etc/exim/real.conf "$dir/a7/etc/exim.conf"
mv "$dir/a7/var/cpanel/cpanel.config" "$dir/a7/cpanel-real.config"
ln -s ../../../../../../../cpanel-real.config "$dir/a7/var/cpanel/cpanel.config"
echo "$(date '+%Y-%m-%d %H:%M:%S') SMTP connection from [203.0.113.77]:1 closed by DROP in ACL" >"$dir/a7/var/log/real_mainlog"
ln -s real_mainlog "$dir/a7/var/log/exim_mainlog"
run "A: links inside the copy" --root "$dir/a7" --json
expect '.auth_requires_tls.value == true and .auth_requires_tls.source == "/etc/exim.conf"'
expect '.files | index("/etc/exim.conf") != null and index("/var/cpanel/cpanel.config") != null'
expect '.unreadable == [] and .notes == []'
expect '(.log.files | length) == 1 and .log.files[0].path == "\($dir)/a7/var/log/real_mainlog" and ([.log.events[] | .address] == ["203.0.113.77"])'

tree a8 cpanel-secure
ln -sfn exim.conf.b "$dir/a8/etc/exim.conf"
ln -sfn exim.conf "$dir/a8/etc/exim.conf.b"
run "A: a loop of links" --root "$dir/a8" --json
expect '[.unreadable[] | select(.path == "/etc/exim.conf")][0].why | startswith("refused: more than 32 symbolic links")'
run "A: a loop of links, text" --root "$dir/a8"
text_has "  /etc/exim.conf: refused: more than 32 symbolic links in a row (a loop?)"

# B. FIFOs, sockets, devices and folders where settings files belong are
#    not opened (a FIFO would block for ever) and are listed with what they
#    are; the rest is still read.
tree b1 cpanel-secure
for f in etc/exim.conf etc/exim.conf.localopts var/cpanel/cpanel.config etc/eximrejects \
	var/cpanel/conf/dovecot/main etc/dovecot/dovecot.conf etc/popbeforesmtp var/log/exim_mainlog; do
	put fifo "$dir/b1/$f"
done
put blk "$dir/b1/etc/alwaysrelay"
put dir "$dir/b1/etc/dovecot/conf.d/10-auth.conf"
put chr "$dir/b1/etc/dovecot/conf.d/10-ssl.conf"
put socket "$dir/b1/etc/dovecot/local.conf"
run "B: cPanel files as FIFOs and others" --root "$dir/b1" --json
for f in /etc/exim.conf /etc/exim.conf.localopts /var/cpanel/cpanel.config /etc/eximrejects \
	/var/cpanel/conf/dovecot/main /etc/dovecot/dovecot.conf; do
	expect "[.unreadable[] | select(.path == \"$f\")][0].why | startswith(\"skipped: it is a FIFO (named pipe)\")"
done
expect '[.unreadable[] | select(.path == "/etc/dovecot/conf.d/10-auth.conf")][0].why | contains("a folder")'
expect '[.unreadable[] | select(.path == "/etc/dovecot/local.conf")][0].why | contains("a socket")'
expect '[.unreadable[] | select(.path == "/etc/dovecot/conf.d/10-ssl.conf")][0].why | test("character device|FIFO")'
expect '[.unreadable[] | select(.path == "/etc/alwaysrelay")][0].why | test("block device|FIFO")'
expect '.files == [] and .mta == "exim" and .panel == "cpanel"'
expect '.auth_requires_tls.value == null and .submission_587_rule == null and .intent.require_secure_auth == null'
expect '.dovecot_plaintext_allowed.value == null and ([.findings[].id] | index("auth-policy-unknown") != null)'
expect '[.findings[].id] | index("auth-requires-tls") == null and index("auth-without-tls") == null and index("dovecot-plaintext") == null'
run "B: cPanel files as FIFOs, text" --root "$dir/b1"
text_has "  /etc/exim.conf: skipped: it is a FIFO (named pipe), not a regular file; hides the Exim configuration"
text_has "  Login (AUTH) only after TLS: unknown, because /etc/exim.conf was not read (skipped: it is a FIFO"

tree b2 debian-split
mkdir -p "$dir/b2/var/lib/exim4"
put fifo "$dir/b2/var/lib/exim4/config.autogenerated"
run "B: Debian's generated file as a FIFO" --root "$dir/b2" --json
expect '.flavour == "debian" and .auth_requires_tls.value == null and .ports == []'
expect '[.unreadable[] | select(.path == "/var/lib/exim4/config.autogenerated")][0].why | contains("FIFO")'

tree b3 debian-split
put fifo "$dir/b3/etc/exim4/conf.d/main/00_exim4-config_listmacrosdefs"
put fifo "$dir/b3/etc/default/exim4"
run "B: Debian's split files as FIFOs" --root "$dir/b3" --json
expect '([.unreadable[] | .path] | index("/etc/exim4/conf.d/main/00_exim4-config_listmacrosdefs") != null and index("/etc/default/exim4") != null)'
expect '.auth_requires_tls.value == null and (.auth_requires_tls.evidence | contains("00_exim4-config_listmacrosdefs"))'

tree b4 postfix
put fifo "$dir/b4/etc/postfix/main.cf"
put fifo "$dir/b4/etc/postfix/master.cf"
run "B: Postfix files as FIFOs" --root "$dir/b4" --json
expect '.mta == "postfix" and .auth_requires_tls.value == null and .services == [] and .ports == []'
expect '[.unreadable[] | select(.why | contains("FIFO")) | .path] == ["/etc/postfix/main.cf", "/etc/postfix/master.cf"]'

mkdir -p "$dir/b5/etc/exim"
put fifo "$dir/b5/etc/exim/exim.conf"
run "B: upstream Exim's file as a FIFO" --root "$dir/b5" --json
expect '.flavour == "upstream" and .auth_requires_tls.value == null and .ports == []'

tree b6 cpanel-secure
put fifo "$dir/b6/etc/exim.d/auth.conf"
echo ".include /etc/exim.d/auth.conf" >>"$dir/b6/etc/exim.conf"
run "B: an .include of a FIFO" --root "$dir/b6" --json
expect '[.unreadable[] | select(.path == "/etc/exim.d/auth.conf")][0].why | contains("FIFO")'
expect '.auth_requires_tls.value == null and ([.findings[].id] | index("auth-policy-unknown") != null)'

# C. An .include bomb: a file that includes itself ten times, eight deep,
#    would be read 10^8 times; a large file that includes itself, read
#    without end. A count of includes and of bytes per run stops both, with
#    a note, and the verdict is unknown rather than taken from a part.
tree c1 cpanel-secure
{
	for _ in 1 2 3 4 5 6 7 8 9 10; do echo ".include /etc/bomb.conf"; done
	cat "$servers/cpanel-secure/etc/exim.conf"
} >"$dir/c1/etc/exim.conf"
for _ in 1 2 3 4 5 6 7 8 9 10; do echo ".include /etc/bomb.conf"; done >"$dir/c1/etc/bomb.conf"
run "C: .include bomb" --root "$dir/c1" --json
expect '.notes | any(startswith("Exim'"'"'s configuration includes more than 100 files"))'
expect '.auth_requires_tls.value == null and .auth_requires_tls.evidence == "not known: /etc/bomb.conf has includes nested deeper than 8, which were not followed"'
expect '.files == ["/etc/exim.conf", "/etc/bomb.conf", "/etc/exim.conf.localopts", "/var/cpanel/cpanel.config", "/etc/eximrejects", "/var/cpanel/conf/dovecot/main"]'

tree c2 cpanel-secure
{
	head -c $((6 << 20)) /dev/zero | tr '\0' '#' | fold -w 99
	echo
	for _ in 1 2 3 4; do echo ".include /etc/big.conf"; done
} >"$dir/c2/etc/big.conf"
echo ".include /etc/big.conf" >>"$dir/c2/etc/exim.conf"
run "C: a large file that includes itself" --root "$dir/c2" --json
expect '.notes | any(startswith("smtpfix reads at most 32 MiB of settings in one run"))'
expect '[.unreadable[] | select(.path == "/etc/big.conf")][0].why | contains("limit on settings read in one run")'
expect '.auth_requires_tls.value == null'

# D. What could not be read is named with what it hides, and nothing is
#    concluded from its absence: not "no PLAIN or LOGIN authenticator", not
#    Exim's default port, not a Postfix or Dovecot verdict from the files
#    that were read. Run as nobody, as tests/policy/run.sh does.
tree d1 cpanel-secure
chmod 000 "$dir/d1/etc/exim.conf"
runner=("${as_nobody[@]}")
run "D: exim.conf not readable" --root "$dir/d1" --json
expect '.auth_requires_tls.value == null and (.auth_requires_tls.evidence | contains("no PLAIN or LOGIN") | not)'
expect '.auth_requires_tls.evidence | contains("/etc/exim.conf was not read (Permission denied)")'
expect '[.findings[] | select(.id == "auth-policy-unknown")][0].text | contains("/etc/exim.conf was not read")'
expect '.submission_587_rule == null and ([.ports[] | .port] == [26])'
expect '[.unreadable[] | select(.path == "/etc/exim.conf")][0].hides | contains("AUTH policy")'
run "D: exim.conf not readable, text" --root "$dir/d1"
text_has "  Login (AUTH) only after TLS: unknown, because /etc/exim.conf was not read (Permission denied)"
text_lacks "no PLAIN or LOGIN"
text_has "Not read (run as root to see those refused for permission)"

tree d2 postfix
chmod 000 "$dir/d2/etc/postfix/main.cf" "$dir/d2/etc/dovecot/dovecot.conf"
run "D: main.cf and dovecot.conf not readable" --root "$dir/d2" --json
expect '.auth_requires_tls.value == null and .services == [] and .ports == []'
expect '.auth_requires_tls.evidence | contains("/etc/postfix/main.cf was not read (Permission denied)")'
expect '[.findings[].id] == ["auth-policy-unknown"]'
expect '.dovecot_plaintext_allowed.value == null and (.dovecot_plaintext_allowed.evidence | contains("/etc/dovecot/dovecot.conf was not read"))'

tree d3 debian-split
chmod 000 "$dir/d3/etc/exim4/conf.d/auth/30_exim4-config_examples"
run "D: one part of Debian's split config not readable" --root "$dir/d3" --json
expect '.auth_requires_tls.value == null and (.auth_requires_tls.evidence | contains("30_exim4-config_examples was not read"))'
expect '.ports == [] and ([.findings[].id] == ["auth-policy-unknown"])'
runner=()

finish "policy (hostile trees)"
