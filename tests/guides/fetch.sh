#!/usr/bin/env bash
# Nodemailer for the Nodemailer guide's test, from the npm registry, into
# build/node (nothing is installed on the machine). A pinned version, so a
# new release cannot change what the test runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
version=6.9.16
if [ -f build/node/node_modules/nodemailer/package.json ] &&
	grep -q "\"version\": \"$version\"" build/node/node_modules/nodemailer/package.json; then
	echo "guides: nodemailer $version ready in build/node"
	exit 0
fi
mkdir -p build/node
npm install --prefix build/node --no-audit --no-fund --no-save "nodemailer@$version" >/dev/null
echo "guides: nodemailer $version ready in build/node"
