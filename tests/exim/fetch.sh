#!/usr/bin/env bash
# Get a real Exim for the tests without installing it: Debian's
# exim4-daemon-heavy is downloaded and unpacked into a private folder.
# Installing the package would replace the machine's own MTA (Postfix, on
# many laptops) and start a system Exim on port 25; unpacking does
# neither. Only the shared libraries it links against are installed, as
# plain library packages.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dest=${SMTPFIX_EXIM_DIR:-$here/../../build/exim}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
exim="$dest/root/usr/sbin/exim4"

sudo=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo="sudo"; fi

missing_libs() { ldd "$exim" 2>/dev/null | grep -c "not found" || true; }

have_nss_wrapper() { ls /usr/lib/*/libnss_wrapper.so /usr/lib64/libnss_wrapper.so >/dev/null 2>&1; }

exim_ready=false
if [ -x "$exim" ] && [ "$(missing_libs)" = 0 ] && have_nss_wrapper; then
	exim_ready=true
fi

if ! command -v apt-get >/dev/null 2>&1; then
	echo "exim: apt-get is needed to fetch Debian's exim4-daemon-heavy" >&2
	exit 1
fi

if ! $exim_ready; then
cd "$dest"
if [ ! -x "$exim" ]; then
	if ! apt-cache policy exim4-daemon-heavy 2>/dev/null | grep -q "Candidate: [0-9]"; then
		$sudo apt-get update -qq
	fi
	rm -f exim4-daemon-heavy_*.deb
	# apt's sandbox user cannot write here; the warning about it is harmless.
	apt-get download exim4-daemon-heavy 2>&1 | grep -v "unsandboxed" || true
	deb=$(ls exim4-daemon-heavy_*.deb 2>/dev/null | head -n 1)
	[ -n "$deb" ] || { echo "exim: download of exim4-daemon-heavy failed" >&2; exit 1; }
	rm -rf root
	dpkg -x "$deb" root
fi
# The package's Exim is setuid root. This private copy needs no privilege
# (it listens on high ports), and setuid would make the loader ignore the
# nss_wrapper preload for a developer who is not root.
chmod u-s "$exim"

if [ "$(missing_libs)" != 0 ] || ! have_nss_wrapper; then
	deb=$(ls exim4-daemon-heavy_*.deb | head -n 1)
	# The package's own dependency list, less the parts that are not
	# libraries (exim4-base and debconf would pull in the system MTA setup).
	libs=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/[(|].*//; s/ //g' |
		grep -v -e '^exim4' -e '^debconf' -e '^$' | sort -u)
	need=()
	# nss_wrapper gives the test Exim its own passwd file (see server.sh).
	for p in $libs libnss-wrapper; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
	done
	if [ ${#need[@]} -gt 0 ]; then
		echo "exim: installing the libraries Exim links against: ${need[*]}"
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
	fi
fi

if [ "$(missing_libs)" != 0 ]; then
	echo "exim: still missing libraries:" >&2
	ldd "$exim" | grep "not found" >&2
	exit 1
fi
fi
echo "exim: private Exim ready at $exim"
cd "$here"

# Postfix's postconf, unpacked the same way (installing postfix would
# replace the machine's MTA). It needs its own libraries, which the package
# carries in usr/lib/postfix.
pdest=${SMTPFIX_POSTFIX_DIR:-$here/../../build/postfix}
mkdir -p "$pdest"
pdest=$(cd "$pdest" && pwd)
postconf="$pdest/root/usr/sbin/postconf"
pf_missing() { LD_LIBRARY_PATH="$pdest/root/usr/lib/postfix" ldd "$postconf" 2>/dev/null | grep -c "not found" || true; }
if [ ! -x "$postconf" ]; then
	cd "$pdest"
	if ! apt-cache policy postfix 2>/dev/null | grep -q "Candidate: [0-9]"; then
		$sudo apt-get update -qq
	fi
	rm -f postfix_*.deb
	apt-get download postfix 2>&1 | grep -v "unsandboxed" || true
	deb=$(ls postfix_*.deb 2>/dev/null | head -n 1)
	[ -n "$deb" ] || { echo "postfix: download failed" >&2; exit 1; }
	rm -rf root
	dpkg -x "$deb" root
fi
if [ "$(pf_missing)" != 0 ]; then
	deb=$(ls "$pdest"/postfix_*.deb | head -n 1)
	libs=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/[(|].*//; s/ //g' |
		grep -E '^lib' | sort -u)
	need=()
	for p in $libs; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
	done
	if [ ${#need[@]} -gt 0 ]; then
		echo "postfix: installing the libraries postconf links against: ${need[*]}"
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
	fi
fi
if [ "$(pf_missing)" != 0 ]; then
	echo "postfix: postconf still misses libraries" >&2
	exit 1
fi
echo "postfix: private postconf ready at $postconf"

# Debian's stock Exim configuration (exim4-config), unpacked only for its
# files: the policy tests read the template a Debian server starts from.
cdest="$dest/config"
template="$cdest/root/etc/exim4/exim4.conf.template"
if [ ! -f "$template" ]; then
	mkdir -p "$cdest"
	cd "$cdest"
	rm -f exim4-config_*.deb
	apt-get download exim4-config 2>&1 | grep -v "unsandboxed" || true
	deb=$(ls exim4-config_*.deb 2>/dev/null | head -n 1)
	[ -n "$deb" ] || { echo "exim: download of exim4-config failed" >&2; exit 1; }
	rm -rf root
	dpkg -x "$deb" root
	cd "$here"
fi
[ -f "$template" ] || { echo "exim: no stock template in exim4-config" >&2; exit 1; }
echo "exim: Debian's stock configuration at $cdest/root/etc/exim4"
