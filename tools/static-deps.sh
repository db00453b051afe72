#!/usr/bin/env bash
# The two libraries the static binary cannot take from Debian's static
# archives as they are, built from Debian's own source packages into
# DEST with only what smtpfix uses:
#   - libcurl: Debian's libcurl.a needs LDAP, Kerberos, SSH, RTMP, PSL,
#     nghttp2, zstd and brotli as well; smtpfix needs HTTP and HTTPS over
#     OpenSSL, nothing else.
#   - libxml2: Debian's libxml2.a needs ICU (30 MB of tables) and lzma;
#     smtpfix reads and writes UTF-8 XML from memory, nothing else.
# The sources come from Debian's archive (apt-get source, through a
# private list of deb-src entries in DEST: the machine's own apt
# configuration is not touched). The other libraries (OpenSSL, c-ares,
# zlib, libidn2, libunistring, ncurses) are Debian's static archives.
#   static-deps.sh DEST
set -euo pipefail

dest=${1:?usage: static-deps.sh DEST}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
src=$dest/src
prefix=$dest/deps
stamp=$prefix/.built

if [ -f "$stamp" ] && [ -f "$prefix/lib/libcurl.a" ] && [ -f "$prefix/lib/libxml2.a" ]; then
	exit 0
fi
for tool in apt-get dpkg-source cmake; do
	command -v "$tool" >/dev/null || { echo "static: $tool is missing: run 'make deps'" >&2; exit 1; }
done

mkdir -p "$src/apt/lists/partial" "$src/apt/cache/archives/partial"
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
cat >"$src/apt/sources.list" <<EOF
deb-src [signed-by=$keyring] http://deb.debian.org/debian $suite main
deb-src [signed-by=$keyring] http://deb.debian.org/debian $suite-updates main
deb-src [signed-by=$keyring] http://deb.debian.org/debian-security $suite-security main
EOF
apt_opts=(-o "Dir::Etc::SourceList=$src/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
	-o "Dir::State::Lists=$src/apt/lists" -o "Dir::Cache=$src/apt/cache")
echo "static: fetching Debian's source packages of curl and libxml2"
apt-get "${apt_opts[@]}" update -qq
(cd "$src" && rm -rf curl-*/ libxml2-*/ &&
	apt-get "${apt_opts[@]}" source -qq curl libxml2 2>&1 | grep -v "unsandboxed" || true)
curl_dir=$(find "$src" -maxdepth 1 -type d -name 'curl-*' | head -n 1)
xml_dir=$(find "$src" -maxdepth 1 -type d -name 'libxml2-*' | head -n 1)
[ -n "$curl_dir" ] && [ -n "$xml_dir" ] || { echo "static: apt-get source failed" >&2; exit 1; }

jobs=$(nproc 2>/dev/null || echo 2)
common=(-DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DCMAKE_INSTALL_PREFIX="$prefix"
	-DCMAKE_INSTALL_LIBDIR=lib)

echo "static: building libcurl (HTTP and HTTPS over OpenSSL only)"
rm -rf "$src/build-curl"
cmake -S "$curl_dir" -B "$src/build-curl" "${common[@]}" -DBUILD_CURL_EXE=OFF -DBUILD_TESTING=OFF \
	-DCURL_USE_OPENSSL=ON -DCURL_USE_LIBPSL=OFF -DCURL_USE_LIBSSH2=OFF -DCURL_USE_LIBSSH=OFF \
	-DCURL_USE_GSSAPI=OFF -DCURL_ZLIB=OFF -DCURL_BROTLI=OFF -DCURL_ZSTD=OFF -DUSE_NGHTTP2=OFF \
	-DUSE_LIBIDN2=OFF -DUSE_LIBRTMP=OFF -DCURL_DISABLE_LDAP=ON -DCURL_DISABLE_LDAPS=ON \
	-DCURL_DISABLE_RTSP=ON -DCURL_DISABLE_DICT=ON -DCURL_DISABLE_TELNET=ON -DCURL_DISABLE_TFTP=ON \
	-DCURL_DISABLE_POP3=ON -DCURL_DISABLE_IMAP=ON -DCURL_DISABLE_SMTP=ON -DCURL_DISABLE_GOPHER=ON \
	-DCURL_DISABLE_MQTT=ON -DCURL_DISABLE_FTP=ON -DCURL_DISABLE_FILE=ON -DCURL_DISABLE_SMB=ON \
	-DCURL_DISABLE_NTLM=ON -DCURL_DISABLE_COOKIES=ON -DCURL_DISABLE_NETRC=ON \
	-DCURL_DISABLE_ALTSVC=ON -DCURL_DISABLE_HSTS=ON -DCURL_DISABLE_DOH=ON -DCURL_DISABLE_MIME=ON \
	-DCURL_DISABLE_PROGRESS_METER=ON -DCURL_CA_BUNDLE=none -DCURL_CA_PATH=none \
	-DENABLE_UNIX_SOCKETS=OFF -DENABLE_MANUAL=OFF >"$src/curl.log" 2>&1 ||
	{ tail -n 20 "$src/curl.log" >&2; exit 1; }
cmake --build "$src/build-curl" -j "$jobs" >>"$src/curl.log" 2>&1 || { tail -n 20 "$src/curl.log" >&2; exit 1; }
cmake --install "$src/build-curl" >>"$src/curl.log" 2>&1

echo "static: building libxml2 (no ICU, lzma, zlib, iconv, network or catalogs)"
rm -rf "$src/build-xml"
cmake -S "$xml_dir" -B "$src/build-xml" "${common[@]}" -DLIBXML2_WITH_ICU=OFF \
	-DLIBXML2_WITH_LZMA=OFF -DLIBXML2_WITH_ZLIB=OFF -DLIBXML2_WITH_ICONV=OFF \
	-DLIBXML2_WITH_PYTHON=OFF -DLIBXML2_WITH_HTTP=OFF -DLIBXML2_WITH_FTP=OFF \
	-DLIBXML2_WITH_TESTS=OFF -DLIBXML2_WITH_PROGRAMS=OFF -DLIBXML2_WITH_CATALOG=OFF \
	-DLIBXML2_WITH_MODULES=OFF -DLIBXML2_WITH_DEBUG=OFF -DLIBXML2_WITH_DOCB=OFF \
	>"$src/xml.log" 2>&1 || { tail -n 20 "$src/xml.log" >&2; exit 1; }
cmake --build "$src/build-xml" -j "$jobs" >>"$src/xml.log" 2>&1 || { tail -n 20 "$src/xml.log" >&2; exit 1; }
cmake --install "$src/build-xml" >>"$src/xml.log" 2>&1

# libcurl's own pkg-config file names the shared OpenSSL by path; the
# static link takes OpenSSL's own static flags instead.
version=$(sed -n 's/^#define LIBCURL_VERSION "\(.*\)"/\1/p' "$prefix/include/curl/curlver.h")
cat >"$prefix/lib/pkgconfig/libcurl.pc" <<EOF
prefix=$prefix
Name: libcurl
Description: libcurl for smtpfix's static build (HTTP and HTTPS over OpenSSL)
Version: $version
Requires.private: openssl
Libs: -L\${prefix}/lib -lcurl
Cflags: -I\${prefix}/include -DCURL_STATICLIB
EOF
touch "$stamp"
echo "static: libcurl $version and libxml2 built in $prefix"
