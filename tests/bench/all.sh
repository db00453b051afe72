#!/usr/bin/env bash
# make bench: the three parts (whole host, log scan, swaks and start-up),
# each with its details, then one table of every figure against its target.
# Exits non-zero when a target is missed or a part fails.
set -uo pipefail

bin=${1:?usage: all.sh PATH-TO-SMTPFIX}
here=$(cd "$(dirname "$0")" && pwd)
SMTPFIX_BENCH_SUMMARY=$(mktemp "${TMPDIR:-/tmp}/smtpfix-bench-summary.XXXXXX")
export SMTPFIX_BENCH_SUMMARY
trap 'rm -f "$SMTPFIX_BENCH_SUMMARY"' EXIT
rc=0
for part in run.sh logscan.sh tools.sh watch.sh; do
	"$here/$part" "$bin" || rc=1
done
printf '\nsmtpfix bench: every figure of this run\n\n'
printf '  %-46s %-26s %-14s %s\n' "measure" "result" "target" ""
while IFS='|' read -r what result target verdict; do
	printf '  %-46s %-26s %-14s %s\n' "$what" "$result" "$target" "$verdict"
	[ "$verdict" = met ] || rc=1
done <"$SMTPFIX_BENCH_SUMMARY"
[ "$(wc -l <"$SMTPFIX_BENCH_SUMMARY")" -eq 14 ] || { echo "bench: a part did not report" >&2; rc=1; }
exit "$rc"
