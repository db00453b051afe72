#!/usr/bin/env bash
# Get a real nginx for the autoconfig tests without installing it: Debian's
# nginx package is downloaded and unpacked into a private folder
# (build/nginx). Installing it would start a system web server on port 80;
# unpacking does not. The test configuration names its own MIME types,
# paths and logs, so nginx-common (the package's configuration files and
# service scripts) is not needed. Only the shared libraries the binary
# links against are installed, as plain library packages. A second run
# with the binary in place and every library found does nothing; anything
# still missing at the end is a loud failure.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dest=${SMTPFIX_NGINX_DIR:-$here/../../build/nginx}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
nginx="$dest/root/usr/sbin/nginx"

sudo=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo="sudo"; fi

missing_libs() { ldd "$nginx" 2>/dev/null | grep -c "not found" || true; }

if [ -x "$nginx" ] && [ "$(missing_libs)" = 0 ]; then
	echo "nginx: private nginx ready at $nginx"
	exit 0
fi

command -v apt-get >/dev/null 2>&1 || { echo "nginx: apt-get is needed to fetch Debian's nginx" >&2; exit 1; }
command -v dpkg >/dev/null 2>&1 || { echo "nginx: dpkg is needed to unpack Debian's nginx" >&2; exit 1; }

cd "$dest"
if [ ! -x "$nginx" ]; then
	if ! apt-cache policy nginx 2>/dev/null | grep -q "Candidate: [0-9]"; then
		$sudo apt-get update -qq
	fi
	rm -f nginx_*.deb
	# apt's sandbox user cannot write here; the warning about it is harmless.
	apt-get download nginx 2>&1 | grep -v "unsandboxed" || true
	deb=$(ls nginx_*.deb 2>/dev/null | head -n 1)
	[ -n "$deb" ] || { echo "nginx: download of Debian's nginx failed" >&2; exit 1; }
	rm -rf root
	dpkg -x "$deb" root
	[ -x "$nginx" ] || { echo "nginx: the package holds no usr/sbin/nginx" >&2; exit 1; }
fi

if [ "$(missing_libs)" != 0 ]; then
	deb=$(ls nginx_*.deb 2>/dev/null | head -n 1)
	[ -n "$deb" ] || { echo "nginx: libraries missing and no package to read its needs from; remove $dest and run again" >&2; exit 1; }
	# The package's dependencies that are libraries (not nginx-common,
	# not iproute2).
	libs=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/[(|].*//; s/ //g' | grep -E '^lib' | sort -u)
	need=()
	for p in $libs; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
	done
	if [ ${#need[@]} -gt 0 ]; then
		echo "nginx: installing the libraries nginx links against: ${need[*]}"
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
	fi
fi

if [ "$(missing_libs)" != 0 ]; then
	echo "nginx: still missing libraries:" >&2
	ldd "$nginx" | grep "not found" >&2
	exit 1
fi
"$nginx" -v >/dev/null 2>&1 || { echo "nginx: $nginx does not run" >&2; exit 1; }
echo "nginx: private nginx ready at $nginx"
