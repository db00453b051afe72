#!/usr/bin/env bash
# Run each libFuzzer target for SECONDS from its seed corpus. New inputs go
# to a scratch corpus (the seeds in tests/fuzz/corpus stay as they are); a
# crash, leak or timeout stops with the input kept in BUILD-DIR.
set -uo pipefail

dir=${1:?usage: run.sh BUILD-DIR SECONDS TARGET...}
secs=${2:?usage: run.sh BUILD-DIR SECONDS TARGET...}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
failed=0
for t in "$@"; do
	work="$dir/corpus-$t"
	mkdir -p "$work"
	if "$dir/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-print_final_stats=1 -artifact_prefix="$dir/$t-" "$work" "$here/corpus/$t" \
		>"$dir/$t.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/$t.log")
		echo "fuzz $t: ${runs:-?} runs in ${secs} s, no crash"
	else
		echo "fuzz $t: FAILED; the input is in $dir/$t-*; the log:" >&2
		tail -40 "$dir/$t.log" >&2
		failed=$((failed + 1))
	fi
done
[ "$failed" -eq 0 ]
