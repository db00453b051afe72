#!/usr/bin/env bash
# tests/bans/fetch.sh [DEST]
# What the bans tests need:
#   - the nft and iptables command-line tools (Debian's nftables and
#     iptables packages are installed when missing: they are only the
#     programs; the tests use them inside a network namespace of their own),
#     and the sqlite3 program (smtpfix reads fail2ban's database with it);
#   - fail2ban, which is NOT installed: Debian's package is downloaded
#     with `apt-get download` and unpacked with `dpkg-deb -x` into DEST
#     (default build/fail2ban at the top of the repo). It is Python; the
#     tests run its server privately with Debian's /usr/bin/python3.
# A second run with everything in place does nothing and takes well under a
# second. Anything missing at the end is a loud failure (exit 1).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
dest=${1:-$top/build/fail2ban}

die() { echo "bans: $*" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then
	as_root() { "$@"; }
elif command -v sudo >/dev/null 2>&1; then
	as_root() { sudo "$@"; }
else
	as_root() { die "need root (or sudo) to run: $*"; }
fi

# The programs, installed only where missing.
need=""
[ -x /usr/sbin/nft ] || need="$need nftables"
[ -x /usr/sbin/iptables ] || need="$need iptables"
[ -x /usr/bin/python3 ] || need="$need python3"
[ -x /usr/bin/sqlite3 ] || need="$need sqlite3"
if [ -n "$need" ]; then
	command -v apt-get >/dev/null 2>&1 || die "apt-get is needed to install:$need"
	# shellcheck disable=SC2086
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $need >/dev/null ||
		{ as_root apt-get update >/dev/null && as_root env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y --no-install-recommends $need >/dev/null; } ||
		die "could not install:$need"
fi

client=$dest/root/usr/bin/fail2ban-client
server=$dest/root/usr/bin/fail2ban-server
if [ ! -x "$client" ] || [ ! -x "$server" ]; then
	command -v apt-get >/dev/null 2>&1 || die "apt-get is needed to fetch Debian's fail2ban package"
	command -v dpkg-deb >/dev/null 2>&1 || die "dpkg-deb is needed to unpack Debian's fail2ban package"
	mkdir -p "$dest"
	dl=$(mktemp -d)
	trap 'rm -rf "$dl"' EXIT
	(cd "$dl" && apt-get download fail2ban >/dev/null 2>&1) ||
		{ as_root apt-get update >/dev/null && (cd "$dl" && apt-get download fail2ban >/dev/null); } ||
		die "apt-get download fail2ban failed"
	rm -rf "$dest/root.new"
	mkdir -p "$dest/root.new"
	dpkg-deb -x "$dl"/fail2ban_*.deb "$dest/root.new"
	rm -rf "$dest/root"
	mv "$dest/root.new" "$dest/root"
fi

[ -x "$client" ] || die "fail2ban-client missing after unpacking ($client)"
[ -x "$server" ] || die "fail2ban-server missing after unpacking ($server)"
[ -x /usr/sbin/nft ] || die "nft is missing"
[ -x /usr/sbin/iptables ] || die "iptables is missing"
[ -x /usr/bin/sqlite3 ] || die "sqlite3 is missing"
# The unpacked fail2ban must import with the machine's Python and no
# more than the standard library (python3-systemd is not needed).
pp=$(ls -d "$dest"/root/usr/lib/python3/dist-packages 2>/dev/null || true)
[ -n "$pp" ] || die "fail2ban's Python modules are missing under $dest/root"
PYTHONPATH=$pp /usr/bin/python3 -c 'import fail2ban.server.server, fail2ban.client.fail2banclient' ||
	die "the unpacked fail2ban does not import with /usr/bin/python3"
