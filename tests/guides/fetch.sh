#!/usr/bin/env bash
# What the guides' tests need that is not a Debian package to install:
# - Nodemailer for the Nodemailer guide's test, from the npm registry, into
#   build/node (a pinned version, so a new release cannot change what the
#   test runs);
# - Thunderbird's own interface strings (en-US), from Debian's thunderbird
#   package, downloaded and unpacked into build/thunderbird: the labels the
#   Thunderbird guide quotes are checked against them. Nothing is installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
version=6.9.16
if ! { [ -f build/node/node_modules/nodemailer/package.json ] &&
	grep -q "\"version\": \"$version\"" build/node/node_modules/nodemailer/package.json; }; then
	mkdir -p build/node
	npm install --prefix build/node --no-audit --no-fund --no-save "nodemailer@$version" >/dev/null
fi
echo "guides: nodemailer $version ready in build/node"

tb=build/thunderbird
if [ ! -s "$tb/strings/version" ]; then
	rm -rf "$tb"
	mkdir -p "$tb/deb" "$tb/strings"
	(cd "$tb/deb" && apt-get download thunderbird >/dev/null)
	deb=$(ls "$tb"/deb/thunderbird_*.deb)
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tb/deb" ./usr/share/thunderbird/omni.ja
	# Only the en-US interface strings: the account settings, the
	# certificate manager and the preferences.
	(cd "$tb/strings" && unzip -q -o "../deb/usr/share/thunderbird/omni.ja" \
		'localization/en-US/messenger/*' 'localization/en-US/security/certificates/*' \
		'chrome/en-US/locale/en-US/messenger/*')
	dpkg-deb -f "$deb" Version >"$tb/strings/version"
	rm -rf "$tb/deb"
fi
echo "guides: Thunderbird $(cat "$tb/strings/version") interface strings ready in $tb"
