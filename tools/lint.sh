#!/usr/bin/env bash
# The design's rules, checked mechanically:
#  - OpenSSL headers only in src/tls, curses headers only in src/ui;
#  - each layer includes only the layers below it;
#  - library layers never print and never exit (only cli and ui talk to people);
#  - no unsafe C library functions anywhere in src/.
set -uo pipefail
cd "$(dirname "$0")/.."
problems=0

report() {
	echo "lint: $*" >&2
	problems=$((problems + 1))
}

# grep -n over files, reporting each hit with a reason.
forbid() {
	local reason=$1 pattern=$2
	shift 2
	local hits
	[ $# -eq 0 ] && return
	# Lines marked "lint-ok:" carry their reason in the comment.
	hits=$(grep -nE "$pattern" "$@" 2>/dev/null | grep -vE '^[^:]+:[0-9]+:\s*(/\*|\*)' | grep -v 'lint-ok:')
	if [ -n "$hits" ]; then
		while IFS= read -r h; do report "$reason: $h"; done <<<"$hits"
	fi
}

mapfile -t all_src < <(find src -name '*.[ch]' | sort)
mapfile -t not_tls < <(printf '%s\n' "${all_src[@]}" | grep -v '^src/tls/')
mapfile -t not_ui < <(printf '%s\n' "${all_src[@]}" | grep -v '^src/ui/')
mapfile -t library < <(printf '%s\n' "${all_src[@]}" | grep -vE '^src/(cli|ui)/')

forbid "OpenSSL outside src/tls" '#\s*include\s*<openssl/' "${not_tls[@]}"
# HTTP only where published settings are fetched; XML only where they are
# read and where setup files are written.
mapfile -t not_http < <(printf '%s\n' "${all_src[@]}" | grep -v '^src/autoconfig/')
mapfile -t not_xml < <(printf '%s\n' "${all_src[@]}" | grep -vE '^src/(autoconfig|setup)/')
forbid "libcurl outside src/autoconfig" '#\s*include\s*<curl/' "${not_http[@]}"
forbid "libxml2 outside src/autoconfig and src/setup" '#\s*include\s*<libxml/' "${not_xml[@]}"
forbid "curses outside src/ui" '#\s*include\s*<(n?cursesw?|ncursesw/[a-z]+|curses|term|panel|menu|form)\.h>' "${not_ui[@]}"
forbid "library code prints or exits" '\b(printf|fprintf|vprintf|vfprintf|puts|fputs|putchar|perror|exit|_exit|abort)\s*\(' "${library[@]}"
forbid "unsafe function" '\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|atof|tmpnam|mktemp|strncpy|strncat|system)\s*\(' "${all_src[@]}"

# Which layer a header belongs to, and which layers each layer may use.
layer_of_header() {
	case $1 in
	error|buf|clock|text|json|transcript|secret|base64|help|redact|vocab) echo core ;;
	net|dns) echo net ;;
	tls) echo tls ;;
	smtp_*) echo smtp ;;
	probe) echo probe ;;
	mta|mta_*|attempt) echo mta ;;
	watch) echo watch ;;
	bans) echo bans ;;
	errors|explain) echo errors ;;
	diagnose) echo diagnose ;;
	guide) echo guide ;;
	lab) echo lab ;;
	wizard) echo wizard ;;
	ui) echo ui ;;
	report|refcode) echo report ;;
	autoconfig) echo autoconfig ;;
	setup) echo setup ;;
	run) echo run ;;
	*) echo unknown ;;
	esac
}
declare -A may_use=(
	[core]="core"
	[net]="core net"
	[tls]="core net tls"
	[smtp]="core smtp"
	[probe]="core net tls smtp probe"
	[mta]="core mta"
	[errors]="core errors"
	[autoconfig]="core net autoconfig"
	[setup]="core net tls smtp probe setup"
	[diagnose]="core net tls smtp probe mta errors autoconfig diagnose"
	[guide]="core guide"
	[lab]="core net tls smtp lab"
	[wizard]="core guide wizard"
	[report]="core net tls smtp probe mta errors autoconfig diagnose guide setup watch report"
	[watch]="core net tls smtp probe mta errors diagnose watch"
	[bans]="core mta bans"
	[run]="core net tls smtp probe mta errors autoconfig diagnose guide setup report run"
	[ui]="core net tls smtp probe mta errors autoconfig diagnose guide setup lab report run watch bans wizard ui"
	[cli]="core net tls smtp probe mta errors autoconfig diagnose guide setup lab report run watch bans wizard ui"
)
for f in "${all_src[@]}" include/smtpfix/*.h; do
	case $f in
	src/*) layer=$(echo "$f" | cut -d/ -f2) ;;
	include/smtpfix/*) layer=$(layer_of_header "$(basename "$f" .h)") ;;
	esac
	allowed=${may_use[$layer]:-}
	[ -n "$allowed" ] || { report "$f: unknown layer '$layer'"; continue; }
	while IFS= read -r inc; do
		used=$(layer_of_header "$inc")
		case " $allowed " in
		*" $used "*) ;;
		*) report "$f ($layer) includes smtpfix/$inc.h ($used)" ;;
		esac
	done < <(grep -oE '#\s*include\s*"smtpfix/[a-z_]+\.h"' "$f" | sed -E 's/.*smtpfix\/([a-z_]+)\.h"/\1/')
done

# Every cause id has its help file (the ids are SF_CAUSE_LIST in explain.h).
cause_ids=$(sed -n '/define SF_CAUSE_LIST/,/^$/p' include/smtpfix/explain.h | grep -o '"[a-z][a-z0-9-]*"' | tr -d '"')
[ -n "$cause_ids" ] || report "no cause ids found in include/smtpfix/explain.h"
for id in $cause_ids; do
	[ -s "help/causes/$id.txt" ] || report "cause $id has no help/causes/$id.txt"
done
for f in help/causes/*.txt; do
	id=$(basename "$f" .txt)
	printf '%s\n' $cause_ids | grep -qx "$id" || report "$f is for an unknown cause id"
done

# Every client id has its guide, and guides use only known placeholders.
for id in $(sed -n '/sf_client_ids\[\]/,/NULL/p' src/guide/render.c | grep -o '"[a-z][a-z0-9-]*"' | tr -d '"'); do
	[ -s "help/clients/$id.txt" ] || report "client $id has no help/clients/$id.txt"
done
for f in help/clients/*.txt; do
	for ph in $(grep -o '{[a-z_]*}' "$f" | sort -u); do
		case $ph in
		'{host}'|'{port}'|'{security}'|'{auth}'|'{user}'|'{cafile}') ;;
		*) report "$f names an unknown placeholder $ph" ;;
		esac
	done
done

# Every folder of src/ is described in doc/architecture.md, and nothing
# that is not one.
for d in src/*/; do
	d=$(basename "$d")
	grep -q "^| \`$d\` |" doc/architecture.md || report "src/$d is not described in doc/architecture.md"
done
for d in $(sed -n 's/^| `\([a-z]*\)` |.*/\1/p' doc/architecture.md); do
	[ -d "src/$d" ] || report "doc/architecture.md describes src/$d, which does not exist"
done

# The C sources follow .clang-format (clang-format -i FILE fixes one).
if command -v clang-format >/dev/null; then
	while IFS= read -r f; do
		clang-format --dry-run --Werror "$f" >/dev/null 2>&1 ||
			report "$f is not formatted as .clang-format says (clang-format -i $f)"
	done < <(git ls-files 'src/*.c' 'src/*.h' 'include/*.h' 'tests/unit/*.c' 'tests/unit/*.h' \
		'tests/support/*.c' 'tests/support/*.h' 'tests/fuzz/*.c' 2>/dev/null || find src include tests/unit tests/support tests/fuzz -name '*.[ch]')
else
	report "clang-format is missing (make deps installs it)"
fi

if [ "$problems" -ne 0 ]; then
	echo "lint: $problems problem(s)" >&2
	exit 1
fi
echo "lint: layering, output, unsafe-function and format rules hold (${#all_src[@]} files)"
