#!/usr/bin/env bash
# The packages of the static binary: a .deb (dpkg-deb, checked by
# lintian) and an .rpm (rpmbuild, with packaging/smtpfix.spec), each
# holding the binary, the man page and the shell completions.
#   package.sh deb|rpm STATIC-BINARY VERSION OUTDIR
set -euo pipefail
kind=${1:?usage: package.sh deb|rpm BINARY VERSION OUTDIR}
bin=${2:?}
version=${3:?}
outdir=${4:?}
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/smtpfix-package.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

# Debian and rpm both take "0.1.0+git134.b6a0b68" as a version; rpm's
# Version may not hold "-", which only a tagged "0.2.0-3-g1234abc" has.
rpm_version=${version//-/.}

stage() { # stage ROOT MANDIR ZSHDIR
	local root=$1
	install -D -m 0755 "$bin" "$root/usr/bin/smtpfix"
	strip --strip-unneeded "$root/usr/bin/smtpfix"
	install -d "$root/usr/share/man/man1"
	gzip -9n <"$top/doc/smtpfix.1" >"$root/usr/share/man/man1/smtpfix.1.gz"
	chmod 0644 "$root/usr/share/man/man1/smtpfix.1.gz"
	install -D -m 0644 "$top/completion/smtpfix.bash" "$root/usr/share/bash-completion/completions/smtpfix"
	install -D -m 0644 "$top/completion/_smtpfix" "$root/usr/share/zsh/$2/_smtpfix"
}

case $kind in
deb)
	root=$work/root
	stage "$root" vendor-completions
	doc=$root/usr/share/doc/smtpfix
	install -d "$doc"
	{
		echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
		echo "Upstream-Name: smtpfix"
		echo
		echo "Files: *"
		echo "Copyright: 2026 The smtpfix developers"
		echo "License: Expat"
		sed -n '/^Permission/,$p' "$top/LICENSE" | sed 's/^$/./; s/^/ /'
	} >"$doc/copyright"
	{
		echo "smtpfix ($version) unstable; urgency=medium"
		echo
		echo "  * Built from git ($version): the static binary of make static."
		echo
		echo " -- smtpfix developers <smtpfix@example.org>  $(date -R -u -d @"${SOURCE_DATE_EPOCH:-$(git -C "$top" log -1 --format=%ct 2>/dev/null || date +%s)}")"
	} | gzip -9n >"$doc/changelog.gz"
	chmod 0644 "$doc/copyright" "$doc/changelog.gz"
	# What lintian says of a static binary is what this package is for:
	# one file that runs on servers without these libraries.
	install -D -m 0644 /dev/stdin "$root/usr/share/lintian/overrides/smtpfix" <<'OVERRIDES'
# One statically linked binary, so it runs on any Linux mail server
# (cPanel's AlmaLinux, Rocky, CloudLinux; any Debian or Ubuntu) with
# nothing else installed: the libraries are in it on purpose.
smtpfix: statically-linked-binary [usr/bin/smtpfix]
smtpfix: embedded-library curl [usr/bin/smtpfix]
smtpfix: embedded-library libidn2-0 [usr/bin/smtpfix]
smtpfix: embedded-library libxml2 [usr/bin/smtpfix]
smtpfix: embedded-library ncurses [usr/bin/smtpfix]
smtpfix: embedded-library zlib [usr/bin/smtpfix]
OVERRIDES
	install -d "$root/DEBIAN"
	size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
	cat >"$root/DEBIAN/control" <<CONTROL
Package: smtpfix
Version: $version
Architecture: amd64
Maintainer: smtpfix developers <smtpfix@example.org>
Installed-Size: $size
Section: mail
Priority: optional
Homepage: https://github.com/smtpfix/smtpfix
Description: find out why a mail program cannot send, and how to fix it
 smtpfix is a terminal wizard that asks a few plain questions, probes the
 SMTP server on every submission port (plain, STARTTLS, implicit TLS),
 reads the server's own settings and mail log when run on it (cPanel,
 Exim, Postfix, Dovecot), and ends with the cause in one sentence and the
 exact steps to fix the person's mail program.
 .
 The package holds one statically linked binary: it needs no other
 package, on any Debian or Ubuntu release.
CONTROL
	(cd "$root" && find usr -type f -exec md5sum {} + | sort -k2) >"$root/DEBIAN/md5sums"
	chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"
	deb=$outdir/smtpfix_${version}_amd64.deb
	dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
	echo "$deb"
	;;
rpm)
	root=$work/stage
	stage "$root" site-functions
	install -D -m 0644 "$top/LICENSE" "$root/usr/share/licenses/smtpfix/LICENSE"
	rpmbuild -bb --quiet --define "_topdir $work/rpmbuild" --define "stage $root" \
		--define "smtpfix_version $rpm_version" --define "_build_id_links none" \
		--define "__strip /bin/true" --define "debug_package %{nil}" \
		--define "_rpmdir $outdir" --define "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" \
		"$top/packaging/smtpfix.spec" >"$work/rpmbuild.log" 2>&1 || { cat "$work/rpmbuild.log" >&2; exit 1; }
	echo "$outdir/smtpfix-$rpm_version-1.x86_64.rpm"
	;;
*)
	echo "usage: package.sh deb|rpm BINARY VERSION OUTDIR" >&2
	exit 2
	;;
esac
