#!/usr/bin/env bash
# tests/watch/fetch.sh [DEST]
# What the journal test of smtpfix watch needs, never installed on the
# machine: Debian's systemd-journal-remote (it writes journal files from
# the journal's export format, as a test writes log lines), its
# libmicrohttpd and systemd's private library, downloaded with
# `apt-get download` and unpacked with `dpkg-deb -x` into DEST (default
# build/journal). journalctl, which smtpfix runs to read a journal, is the
# machine's own where there is one; else systemd's package is unpacked
# there too. A second run with everything in place does nothing. Anything
# missing at the end is a loud failure (exit 1).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
dest=${1:-$top/build/journal}

die() { echo "journal: $*" >&2; exit 1; }

remote=$dest/root/lib/systemd/systemd-journal-remote
pkgs=()
[ -x "$remote" ] || pkgs+=(systemd-journal-remote libmicrohttpd12 libsystemd-shared)
command -v journalctl >/dev/null 2>&1 || [ -x "$dest/root/bin/journalctl" ] || pkgs+=(systemd libsystemd-shared)
if [ "${#pkgs[@]}" -gt 0 ]; then
	command -v apt-get >/dev/null 2>&1 || die "apt-get is needed to fetch: ${pkgs[*]}"
	command -v dpkg-deb >/dev/null 2>&1 || die "dpkg-deb is needed to unpack: ${pkgs[*]}"
	mkdir -p "$dest/debs" "$dest/root"
	(cd "$dest/debs" && { apt-get download "${pkgs[@]}" >/dev/null 2>&1 ||
		{ s=$([ "$(id -u)" = 0 ] || echo sudo); $s apt-get update >/dev/null &&
			apt-get download "${pkgs[@]}" >/dev/null; }; }) ||
		die "could not download: ${pkgs[*]}"
	for deb in "$dest"/debs/*.deb; do
		dpkg-deb -x "$deb" "$dest/root"
	done
	rm -rf "$dest/debs"
fi
[ -x "$remote" ] || die "no systemd-journal-remote at $remote"
command -v journalctl >/dev/null 2>&1 || [ -x "$dest/root/bin/journalctl" ] ||
	die "no journalctl on this machine nor in $dest"
echo "journal: systemd-journal-remote ready in $dest"
