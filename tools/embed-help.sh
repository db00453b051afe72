#!/usr/bin/env bash
# Compile help/ into the binary: writes a C file holding every help file,
# so one copied smtpfix binary is complete. Usage: embed-help.sh OUT.c
set -euo pipefail
out=$1
cd "$(dirname "$0")/.."
{
	echo "/* Generated from help/ by tools/embed-help.sh; do not edit. */"
	echo "#include <stddef.h>"
	echo "#include \"smtpfix/help.h\""
	echo "const struct sf_help_file sf_help_files[] = {"
	find help -type f ! -name '*~' | LC_ALL=C sort | while read -r f; do
		printf '\t{ "%s", ' "${f#help/}"
		# Each byte as an octal escape inside a string: any content is safe.
		od -An -v -tx1 "$f" | tr -d ' \n' | sed 's/\(..\)/\\x\1/g' | sed 's/^/"/; s/$/"/'
		printf ', %d },\n' "$(stat -c %s "$f")"
	done
	echo "	{ NULL, NULL, 0 }"
	echo "};"
} >"$out.tmp"
mv "$out.tmp" "$out"
