#!/usr/bin/env bash
# The static binary next to the dynamic one: size on disk (as built, with
# debugging symbols, and stripped), start-up time and peak memory of
# --version (median of 21 runs), and a whole --demo --plain run (median
# of 5). Figures for the README; no target, as both run on the same
# shared, noisy machine.
#   static.sh STATIC-SMTPFIX DYNAMIC-SMTPFIX
set -uo pipefail
static=${1:?usage: static.sh STATIC DYNAMIC}
dynamic=${2:?usage: static.sh STATIC DYNAMIC}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/smtpfix-bench-static.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# ms RUNS BIN ARGS...: the median wall time in milliseconds.
ms() {
	local runs=$1 i t0 t1
	shift
	for i in $(seq "$runs"); do
		t0=$(date +%s%N)
		"$@" </dev/null >/dev/null 2>&1
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000))
	done | median | awk '{ printf "%.1f", $1 / 1000 }'
}

# kib BIN ARGS...: peak resident memory in KiB.
kib() {
	/usr/bin/time -f '%M' -o "$tmp/rss" "$@" </dev/null >/dev/null 2>&1
	tail -n 1 "$tmp/rss"
}

row() {
	local name=$1 bin=$2 stripped
	cp "$bin" "$tmp/s" && strip "$tmp/s"
	stripped=$(stat -c %s "$tmp/s")
	mkdir -p "$tmp/r"
	printf '  %-8s %10s %10s %12s %12s %12s %12s\n' "$name" \
		"$(( $(stat -c %s "$bin") / 1024 ))" "$((stripped / 1024))" \
		"$(ms 21 "$bin" --version)" "$(kib "$bin" --version)" \
		"$(ms 5 "$bin" --demo --plain --report-dir "$tmp/r")" \
		"$(kib "$bin" --demo --plain --report-dir "$tmp/r")"
}

printf '  %-8s %10s %10s %12s %12s %12s %12s\n' "build" "size KiB" "stripped" \
	"version ms" "version KiB" "demo ms" "demo KiB"
row static "$static"
row dynamic "$dynamic"
