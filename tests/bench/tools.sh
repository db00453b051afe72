#!/usr/bin/env bash
# make bench, part 3: a single-port STARTTLS probe against swaks doing the
# same conversation, and smtpfix's start-up time and peak memory. Everything
# is measured side by side in this one run; only ratios and generous
# ceilings are judged, since the machine is shared.
set -uo pipefail

bin=${1:?usage: tools.sh PATH-TO-SMTPFIX}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../exim/server.sh
source "$here/../exim/server.sh"
rounds=${BENCH_ROUNDS:-10}
command -v swaks >/dev/null || { echo "bench: swaks is missing (make deps installs it)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (make deps installs it)" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/smtpfix-bench3.XXXXXX")
chmod 755 "$dir"
trap 'exim_stop "$dir/exim"; rm -rf "$dir"' EXIT
mkdir -p "$dir/exim"
exim_start "$dir/exim" || { echo "bench: the test Exim did not start" >&2; exit 1; }

now_us() { echo $(( $(date +%s%N) / 1000 )); }
best() { sort -n | head -n 1; }

# The same conversation both ways: EHLO, STARTTLS, EHLO, MAIL, RCPT, QUIT,
# on the cPanel-policy port (RCPT is refused without login, as in the
# founding case).
probe_smtpfix() {
	"$bin" probe 127.0.0.1 --port 587 --mode starttls --port-map "587=$EXIM_PORT_CPANEL" \
		--ca-file "$EXIM_CA" --timeout 5 --json >"$dir/smtpfix.json" 2>/dev/null
}
probe_swaks() {
	swaks --server 127.0.0.1 --port "$EXIM_PORT_CPANEL" --tls --quit-after RCPT \
		--from probe@smtpfix-test.example --to someone@example.org --timeout 5 >"$dir/swaks.out" 2>&1
}
timed() { # timed FUNCTION: wall microseconds of one call
	local t0 t1
	t0=$(now_us)
	"$1"
	t1=$(now_us)
	echo $((t1 - t0))
}

# Both must really have had the conversation before they are timed.
probe_smtpfix
if ! jq -e '.targets[0].starttls.reply.code == 220 and .targets[0].rcpt_without_auth.code == 550' \
	"$dir/smtpfix.json" >/dev/null; then
	echo "bench: smtpfix did not reach RCPT over STARTTLS" >&2
	jq -c ".targets[0] | {starttls, rcpt_without_auth, failure}" "$dir/smtpfix.json" >&2
	exit 1
fi
probe_swaks
if ! grep -q '^<~\* 550\|^<~ 550\|550 SMTP AUTH is required' "$dir/swaks.out"; then
	echo "bench: swaks did not reach RCPT over STARTTLS" >&2
	cat "$dir/swaks.out" >&2
	exit 1
fi

s_runs=() w_runs=()
for ((r = 0; r < rounds; r++)); do
	s_runs+=("$(timed probe_smtpfix)")
	w_runs+=("$(timed probe_swaks)")
done
s=$(printf '%s\n' "${s_runs[@]}" | best)
w=$(printf '%s\n' "${w_runs[@]}" | best)

# Start-up: the mean of 50 runs of --version; peak memory from GNU time.
t0=$(now_us)
for ((r = 0; r < 50; r++)); do "$bin" --version >/dev/null; done
t1=$(now_us)
startup=$(( (t1 - t0) / 50 ))
rss_version=$(/usr/bin/time -f %M "$bin" --version 2>&1 >/dev/null | tail -1)
mkdir -p "$dir/reports"
rss_wizard=$(/usr/bin/time -f %M "$bin" --demo --plain --client thunderbird --report-dir "$dir/reports" \
	</dev/null 2>&1 >/dev/null | tail -1)

printf '\nsmtpfix bench: one STARTTLS probe to RCPT, smtpfix and swaks, best of %s\n' "$rounds"
printf 'Exim 4.96 on loopback, cPanel policy (RCPT refused without login)\n\n'
printf '  %-34s %10s\n' "" "wall ms"
printf '  %-34s %10.1f\n' "swaks --tls --quit-after RCPT" "$(awk -v x="$w" 'BEGIN { print x / 1000 }')"
printf '  %-34s %10.1f\n' "smtpfix probe --mode starttls" "$(awk -v x="$s" 'BEGIN { print x / 1000 }')"
printf '\n  %-34s %10s %12s\n' "start-up and memory" "ms" "peak MiB"
printf '  %-34s %10.1f %12.1f\n' "smtpfix --version (mean of 50)" \
	"$(awk -v x="$startup" 'BEGIN { print x / 1000 }')" "$(awk -v k="$rss_version" 'BEGIN { print k / 1024 }')"
printf '  %-34s %10s %12.1f\n' "smtpfix --demo --plain (to the end)" "" \
	"$(awk -v k="$rss_wizard" 'BEGIN { print k / 1024 }')"
if [ -n "${SMTPFIX_BENCH_SUMMARY:-}" ]; then
	awk -v s="$s" -v w="$w" -v up="$startup" -v m1="$rss_version" -v m2="$rss_wizard" 'BEGIN {
		printf "STARTTLS probe to RCPT: swaks / smtpfix (time)|%.1f (%.1f / %.1f ms)|at least 5|%s\n", w/s, w/1000, s/1000, (w/s >= 5) ? "met" : "MISSED"
		printf "start-up, smtpfix --version|%.1f ms|under 20 ms|%s\n", up/1000, (up < 20000) ? "met" : "MISSED"
		printf "peak memory, --version|%.1f MiB|under 16 MiB|%s\n", m1/1024, (m1 < 16384) ? "met" : "MISSED"
		printf "peak memory, a whole --demo --plain run|%.1f MiB|under 16 MiB|%s\n", m2/1024, (m2 < 16384) ? "met" : "MISSED"
	}' >>"$SMTPFIX_BENCH_SUMMARY"
fi
awk -v s="$s" -v w="$w" -v up="$startup" -v m1="$rss_version" -v m2="$rss_wizard" 'BEGIN {
	ok = 1
	printf "\n  swaks / smtpfix = %.1f   (target: at least 5)\n", w / s
	printf "  start-up %.1f ms            (target: under 20 ms)\n", up / 1000
	printf "  peak memory %.1f MiB        (target: under 16 MiB)\n", (m1 > m2 ? m1 : m2) / 1024
	if (w / s < 5 || up >= 20000 || m1 >= 16384 || m2 >= 16384) ok = 0
	exit ok ? 0 : 1 }'
