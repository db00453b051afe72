#!/usr/bin/env bash
# tests/servers/fetch.sh [DEST]
# Get real Postfix, Dovecot (core + submission) and OpenSMTPD for the tests
# without installing them: Debian's packages are downloaded with
# `apt-get download` and unpacked with `dpkg -x` into DEST (default
# build/servers at the top of the repo):
#   DEST/postfix/root     postfix (a link to build/postfix/root when
#                         `make deps` already unpacked it there)
#   DEST/dovecot/root     dovecot-core + dovecot-submissiond
#   DEST/opensmtpd/root   opensmtpd
# Installing any of them would replace or start the machine's own mail
# services; unpacking does neither. Only the plain library packages they
# link against are installed (as tests/exim/fetch.sh does for Exim).
# A second run with everything in place does nothing and takes well under a
# second. Anything missing at the end is a loud failure (exit 1).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
dest=${1:-$top/build/servers}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

# Where `make deps` (tests/exim/fetch.sh) unpacks Postfix's postconf.
pf_prev=${SMTPFIX_POSTFIX_DIR:-$top/build/postfix}

die() { echo "servers: $*" >&2; exit 1; }

# Root runs apt-get itself; a user goes through sudo.
if [ "$(id -u)" -eq 0 ]; then
	as_root() { "$@"; }
elif command -v sudo >/dev/null 2>&1; then
	as_root() { sudo "$@"; }
else
	as_root() { die "need root (or sudo) to run: $*"; }
fi

command -v apt-get >/dev/null 2>&1 || die "apt-get is needed to fetch Debian's server packages"
command -v dpkg >/dev/null 2>&1 || die "dpkg is needed to unpack Debian's server packages"

# Per unpacked root: the packages unpacked into it, and the binaries the
# harness runs from it (each must exist and find all its libraries).
roots="postfix dovecot opensmtpd"
pkgs_of() {
	case $1 in
	postfix) echo "postfix" ;;
	dovecot) echo "dovecot-core dovecot-submissiond" ;;
	opensmtpd) echo "opensmtpd" ;;
	esac
}
bins_of() {
	case $1 in
	postfix) echo "usr/lib/postfix/sbin/master usr/lib/postfix/sbin/smtpd usr/lib/postfix/sbin/qmgr
		usr/lib/postfix/sbin/cleanup usr/lib/postfix/sbin/trivial-rewrite usr/lib/postfix/sbin/discard
		usr/lib/postfix/sbin/anvil usr/lib/postfix/sbin/postlogd usr/lib/postfix/sbin/proxymap
		usr/lib/postfix/sbin/tlsmgr usr/lib/postfix/sbin/pickup usr/lib/postfix/sbin/bounce
		usr/sbin/postconf usr/sbin/smtp-sink" ;;
	dovecot) echo "usr/sbin/dovecot usr/bin/doveconf usr/lib/dovecot/config usr/lib/dovecot/log
		usr/lib/dovecot/anvil usr/lib/dovecot/auth usr/lib/dovecot/stats
		usr/lib/dovecot/submission-login usr/lib/dovecot/submission" ;;
	opensmtpd) echo "usr/sbin/smtpd usr/sbin/smtpctl usr/libexec/opensmtpd/mail.maildir" ;;
	esac
}

# Library search path for the private copies: they carry their own shared
# libraries in usr/lib/postfix and usr/lib/dovecot (their RUNPATH points at
# the installed location, which does not exist here).
libpath() {
	local r=$1
	echo "$r/usr/lib/postfix:$r/usr/lib/dovecot:$r/usr/lib/dovecot/modules/old-stats"
}

missing_libs() {
	local name=$1 r="$dest/$1/root" b out=""
	for b in $(bins_of "$name"); do
		[ -x "$r/$b" ] || { out+="$b: missing"$'\n'; continue; }
		out+=$(LD_LIBRARY_PATH=$(libpath "$r") ldd "$r/$b" 2>&1 | grep "not found" | sed "s|^|$b: |" || true)
	done
	printf '%s' "$out"
}

unpacked() {
	local name=$1 r="$dest/$1/root" b
	for b in $(bins_of "$name"); do
		[ -x "$r/$b" ] || return 1
	done
	# A root this script unpacked carries a stamp, written last; a partial
	# unpack (interrupted run) has none and is done again.
	[ -L "$r" ] || [ -f "$dest/$name/.unpacked" ]
}

apt_updated=false
ensure_candidate() {
	local p
	for p in "$@"; do
		if ! apt-cache policy "$p" 2>/dev/null | grep "Candidate: [0-9]" >/dev/null; then
			if ! $apt_updated; then
				as_root apt-get update -qq
				apt_updated=true
			fi
			apt-cache policy "$p" 2>/dev/null | grep "Candidate: [0-9]" >/dev/null ||
				die "Debian has no package $p for this machine"
		fi
	done
}

download() {
	local dir=$1; shift
	local p deb
	ensure_candidate "$@"
	(
		cd "$dir"
		for p in "$@"; do rm -f "${p}"_*.deb; done
		# apt's sandbox user cannot write here; the warning about it is harmless.
		apt-get download "$@" 2>&1 | grep -v "unsandboxed" || true
	)
	for p in "$@"; do
		deb=$(ls "$dir/${p}"_*.deb 2>/dev/null | head -n 1)
		[ -n "$deb" ] || die "download of $p failed"
	done
}

debs_of() {
	local name=$1 p d
	for p in $(pkgs_of "$name"); do
		d=$(ls "$dest/$name/${p}"_*.deb 2>/dev/null | head -n 1)
		[ -n "$d" ] || [ "$name" != postfix ] || d=$(ls "$pf_prev/${p}"_*.deb 2>/dev/null | head -n 1)
		[ -n "$d" ] || { download "$dest/$name" "$p"; d=$(ls "$dest/$name/${p}"_*.deb | head -n 1); }
		echo "$d"
	done
}

fetch_root() {
	local name=$1 r="$dest/$1/root" d b unpacked_ok=true
	mkdir -p "$dest/$name"
	if [ "$name" = postfix ] && [ ! -e "$r" ] &&
		[ -x "$pf_prev/root/usr/lib/postfix/sbin/master" ]; then
		# make deps (tests/exim/fetch.sh) already unpacked Postfix there.
		ln -s "$(cd "$pf_prev/root" && pwd -P)" "$r"
		unpacked postfix && { echo "servers: postfix: reusing $pf_prev/root"; return 0; }
		rm -f "$r"
	fi
	[ -L "$r" ] && rm -f "$r"
	echo "servers: $name: downloading $(pkgs_of "$name")"
	# shellcheck disable=SC2046 # a list of package names
	download "$dest/$name" $(pkgs_of "$name")
	rm -rf "$r" "$dest/$name/.unpacked"
	for d in $(debs_of "$name"); do
		dpkg -x "$d" "$r"
	done
	for b in $(bins_of "$name"); do
		[ -x "$r/$b" ] || { echo "servers: $name: $b is not in the package" >&2; unpacked_ok=false; }
	done
	$unpacked_ok || die "$name: unpacked packages lack the binaries listed above"
	touch "$dest/$name/.unpacked"
}

install_libs() {
	local name=$1 d libs p need=()
	libs=$(for d in $(debs_of "$name"); do
		dpkg-deb -f "$d" Depends | tr ',' '\n' | sed 's/[(|].*//; s/ //g'
	done | grep -E '^(lib|zlib)' | grep -v -e '^libpam-runtime$' | sort -u)
	for p in $libs; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep "install ok installed" >/dev/null || need+=("$p")
	done
	if [ ${#need[@]} -gt 0 ]; then
		echo "servers: $name: installing the libraries it links against: ${need[*]}"
		ensure_candidate "${need[@]}"
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
	fi
}

for name in $roots; do
	unpacked "$name" || fetch_root "$name"
	if [ -n "$(missing_libs "$name")" ]; then
		install_libs "$name"
		if [ -n "$(missing_libs "$name")" ]; then
			echo "servers: $name: still missing after installing its libraries:" >&2
			missing_libs "$name" >&2
			exit 1
		fi
	fi
done

# Tools the harness itself uses.
for t in openssl unshare mount; do
	command -v "$t" >/dev/null 2>&1 || die "$t is missing (openssl: make deps; unshare/mount: util-linux)"
done

echo "servers: postfix, dovecot and opensmtpd ready in $dest"
