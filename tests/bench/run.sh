#!/usr/bin/env bash
# make bench: the whole-host probe against the sum of its single-port
# probes, measured side by side in one run, against the real Exim with
# latency added to every reply and one port that never greets.
set -uo pipefail

bin=${1:?usage: run.sh PATH-TO-SMTPFIX}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../exim/server.sh
source "$here/../exim/server.sh"

delay=${BENCH_DELAY:-1s}   # Exim's delay has whole seconds only
timeout=${BENCH_TIMEOUT:-3}
rounds=${BENCH_ROUNDS:-2}
dir=$(mktemp -d "${TMPDIR:-/tmp}/smtpfix-bench.XXXXXX")
trap 'exim_stop "$dir"; rm -rf "$dir"' EXIT
EXIM_DELAY=$delay exim_start "$dir" || { echo "bench: the test Exim did not start" >&2; exit 1; }

ports=(587 465 26 2525 25)
maps=(--port-map "587=$EXIM_PORT_CPANEL" --port-map "465=$EXIM_PORT_SMTPS"
	--port-map "26=$EXIM_PORT_NOTLS" --port-map "2525=$EXIM_PORT_OPEN"
	--port-map "25=$EXIM_PORT_SILENT")
common=(--timeout "$timeout" --ca-file "$EXIM_CA" --json "${maps[@]}")

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# run ARGS... : wall time of one smtpfix probe in ms.
run() {
	local t0 t1
	t0=$(now_ms)
	"$bin" probe 127.0.0.1 "${common[@]}" "$@" >/dev/null 2>&1
	t1=$(now_ms)
	echo $((t1 - t0))
}

best() { sort -n | head -n 1; }

# The timed probes must be real ones: check what one whole-host run saw.
all=()
for p in "${ports[@]}"; do all+=(--port "$p"); done
"$bin" probe 127.0.0.1 "${common[@]}" "${all[@]}" >"$dir/check.json" 2>/dev/null
if ! jq -e '.recommended.port == 587 and
	([.matrix[] | select(.port == 587 and .security == "starttls" and .auth)][0].outcome == "works") and
	([.matrix[] | select(.port == 25 and .security == "none" and .auth)][0].outcome == "hangs-no-greeting")' \
	"$dir/check.json" >/dev/null; then
	echo "bench: the probes did not see the expected server; not timing them" >&2
	jq -c '.matrix' "$dir/check.json" >&2
	exit 1
fi

declare -A single
whole_runs=()
for r in $(seq 1 "$rounds"); do
	args=()
	for p in "${ports[@]}"; do args+=(--port "$p"); done
	whole_runs+=("$(run "${args[@]}")")
	for p in "${ports[@]}"; do single[$p]+="$(run --port "$p") "; done
done

whole=$(printf '%s\n' "${whole_runs[@]}" | best)
sum=0 slowest=0
printf '\nsmtpfix bench: whole-host probe versus its single-port probes\n'
printf 'Exim 4.96 on loopback, %s added to every reply, port 25 never greets,\n' "$delay"
printf 'timeout %s s, best of %s rounds, auto mode (follow-ups included)\n\n' "$timeout" "$rounds"
printf '  %-28s %10s\n' "probe" "wall ms"
for p in "${ports[@]}"; do
	t=$(printf '%s\n' ${single[$p]} | best)
	sum=$((sum + t))
	[ "$t" -gt "$slowest" ] && slowest=$t
	printf '  %-28s %10d\n' "port $p alone" "$t"
done
printf '  %-28s %10d\n' "sum of single-port probes" "$sum"
printf '  %-28s %10d\n' "slowest single-port probe" "$slowest"
printf '  %-28s %10d\n' "whole host, all at once" "$whole"
[ -n "${SMTPFIX_BENCH_SUMMARY:-}" ] && printf '%s|%s|%s|%s\n' \
	"whole host (5 ports, 1 silent) / slowest port" "$(awk -v w="$whole" -v m="$slowest" 'BEGIN{printf "%.2f (%d / %d ms)", w/m, w, m}')" \
	"at most 1.20" "$(awk -v w="$whole" -v m="$slowest" 'BEGIN{print (w/m <= 1.2) ? "met" : "MISSED"}')" >>"$SMTPFIX_BENCH_SUMMARY"
awk -v w="$whole" -v s="$sum" -v m="$slowest" 'BEGIN {
	printf "\n  whole / slowest = %.2f   (target: at most 1.20)\n", w / m
	printf "  whole / sum     = %.2f\n", w / s
	exit (w / m <= 1.2) ? 0 : 1 }'
