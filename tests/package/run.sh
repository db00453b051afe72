#!/usr/bin/env bash
# The packages of the static binary: the .deb checked by lintian,
# installed into a scratch root with dpkg --root, run, and removed; the
# .rpm installed into another with rpm --root --nodeps, run, and erased.
# Nothing is installed on this machine.
#   run.sh PKGDIR VERSION
set -uo pipefail
pkgdir=${1:?usage: run.sh PKGDIR VERSION}
version=${2:?usage: run.sh PKGDIR VERSION}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
source "$here/../lib.sh"
for tool in dpkg dpkg-deb lintian rpm; do
	command -v "$tool" >/dev/null || { echo "package tests: $tool is missing; run 'make deps'" >&2; exit 1; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/smtpfix-package.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# quiet COMMAND...: its chatter only when it fails.
quiet() { "$@" >"$tmp/said" 2>&1 || { cat "$tmp/said" >&2; return 1; }; }
deb=$pkgdir/smtpfix_${version}_amd64.deb
rpmfile=$pkgdir/smtpfix-${version//-/.}-1.x86_64.rpm
files="usr/bin/smtpfix usr/share/man/man1/smtpfix.1.gz usr/share/bash-completion/completions/smtpfix"

# The .deb.
check "deb: built" [ -f "$deb" ]
lintian --tag-display-limit 0 "$deb" >"$tmp/lintian" 2>&1
check "deb: lintian has nothing to say (its overrides explain the static binary)" \
	sh -c "! grep -E '^[EWI]: ' '$tmp/lintian'"
dpkg-deb -c "$deb" >"$tmp/list"
for f in $files usr/share/zsh/vendor-completions/_smtpfix usr/share/doc/smtpfix/copyright; do
	check "deb: holds /$f" grep -q " \./$f\$" "$tmp/list"
done
root=$tmp/deb-root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/triggers" "$root/var/log"
: >"$root/var/lib/dpkg/status"
: >"$root/var/lib/dpkg/available"
check "deb: installs with dpkg --root" quiet dpkg --root="$root" --force-not-root --log=/dev/null -i "$deb"
check "deb: installed, it runs" sh -c "'$root/usr/bin/smtpfix' --version | grep -qF 'smtpfix $version '"
check "deb: dpkg knows it" sh -c "dpkg --root='$root' -s smtpfix | grep -q '^Status: install ok installed'"
check "deb: removes cleanly" quiet dpkg --root="$root" --force-not-root --log=/dev/null -P smtpfix
check "deb: nothing left" sh -c "[ -z \"\$(find '$root/usr' -type f 2>/dev/null)\" ]"

# The .rpm.
check "rpm: built" [ -f "$rpmfile" ]
rpm -qpl "$rpmfile" >"$tmp/rpmlist" 2>/dev/null
for f in $files usr/share/zsh/site-functions/_smtpfix; do
	check "rpm: holds /$f" grep -qx "/$f" "$tmp/rpmlist"
done
check "rpm: needs no other package" sh -c "! rpm -qp --requires '$rpmfile' 2>/dev/null | grep -v '^rpmlib('"
root=$tmp/rpm-root
mkdir -p "$root"
check "rpm: a scratch database" quiet rpm --root "$root" --initdb
check "rpm: installs with rpm --root --nodeps" quiet rpm --root "$root" --nodeps -i "$rpmfile"
check "rpm: installed, it runs" sh -c "'$root/usr/bin/smtpfix' --version | grep -qF 'smtpfix $version '"
check "rpm: erases cleanly" quiet rpm --root "$root" --nodeps -e smtpfix
check "rpm: nothing left" sh -c "[ -z \"\$(find '$root/usr' -type f 2>/dev/null)\" ]"
finish "package"
