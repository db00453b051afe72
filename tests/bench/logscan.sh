#!/usr/bin/env bash
# make bench, part 2: the mail log scan against grep -F -c with the same
# key strings, on a generated log of BENCH_LOG_MB megabytes (1024 default),
# both reading the file from the page cache, best of three runs each.
set -euo pipefail

bin=${1:?usage: logscan.sh PATH-TO-SMTPFIX}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
mb=${BENCH_LOG_MB:-1024}
log="$top/build/bench/mail-${mb}m.log"
empty="$top/build/bench/empty-root"
mkdir -p "$(dirname "$log")" "$empty"

if [ ! -s "$log" ]; then
	# One megabyte of ordinary traffic with a few lines of each kind,
	# repeated: about 1 line in 60 is one smtpfix looks for.
	block="$top/build/bench/block"
	{
		n=0
		while [ "$(stat -c %s "$block.tmp" 2>/dev/null || echo 0)" -lt 1048576 ]; do
			for i in $(seq 1 60); do
				echo "2026-11-29 09:$((i % 60)):00 1tX$n-000$i <= user$i@example.com H=mx$i.example.net [198.51.100.$i]:4$i P=esmtps X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no S=$((i * 97)) id=$n.$i@example.net"
				echo "2026-11-29 09:$((i % 60)):01 1tX$n-000$i => local$i <local$i@example.com> R=virtual_user T=dovecot_virtual_delivery C=\"250 2.0.0 <local$i@example.com> ok\""
			done >>"$block.tmp"
			cat "$top/tests/fixtures/logs/exim_mainlog" "$top/tests/fixtures/logs/maillog" >>"$block.tmp"
			n=$((n + 1))
		done
		mv "$block.tmp" "$block"
	}
	: >"$log"
	blocks=$(( mb * 1048576 / $(stat -c %s "$block") ))
	for i in $(seq 1 "$blocks"); do cat "$block"; done >>"$log"
fi
size=$(stat -c %s "$log")

keys=(-e "AUTH is required for message submission" -e "elay" -e "by DROP in ACL" -e "authenticat"
	-e "when not advertised" -e "TLS error on connection" -e "SSL_accept error" -e "plaintext auth"
	-e " P=esmtpa ")

best() { sort -n | head -n 1; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# Output to a real file: GNU grep stops at the first match when its output
# is /dev/null, which would time nothing.
time_it() {
	local t0 t1
	t0=$(now_ms)
	"$@" >"$top/build/bench/out"
	t1=$(now_ms)
	echo $((t1 - t0))
}

cat "$log" >/dev/null # into the page cache
g=() s=()
for r in 1 2 3; do
	g+=("$(time_it grep -F -c "${keys[@]}" "$log")")
	s+=("$(time_it "$bin" policy --root "$empty" --log "$log" --since 100000d --json)")
done
gbest=$(printf '%s\n' "${g[@]}" | best)
sbest=$(printf '%s\n' "${s[@]}" | best)
matches=$(grep -F -c "${keys[@]}" "$log")
events=$("$bin" policy --root "$empty" --log "$log" --since 100000d --json | jq '[.log.events[].count] | add')

printf '\nsmtpfix bench: mail log scan versus grep -F -c with the same %d key strings\n' 9
printf 'log: %d MiB generated, %s lines hold a key (grep), %s events counted (smtpfix)\n\n' \
	$((size / 1048576)) "$matches" "$events"
printf '  %-28s %10s %12s\n' "scan" "wall ms" "MiB/s"
printf '  %-28s %10d %12.0f\n' "grep -F -c" "$gbest" "$(awk -v s="$size" -v t="$gbest" 'BEGIN{print s/1048576/(t/1000)}')"
printf '  %-28s %10d %12.0f\n' "smtpfix policy --log" "$sbest" "$(awk -v s="$size" -v t="$sbest" 'BEGIN{print s/1048576/(t/1000)}')"
[ -n "${SMTPFIX_BENCH_SUMMARY:-}" ] && printf '%s|%s|%s|%s\n' \
	"1 GiB log scan: smtpfix / grep -F -c (time)" "$(awk -v g="$gbest" -v s="$sbest" 'BEGIN{printf "%.2f (%d / %d ms)", s/g, s, g}')" \
	"at most 1.25" "$(awk -v g="$gbest" -v s="$sbest" 'BEGIN{print (s/g <= 1.25) ? "met" : "MISSED"}')" >>"$SMTPFIX_BENCH_SUMMARY"
awk -v g="$gbest" -v s="$sbest" 'BEGIN {
	printf "\n  smtpfix / grep = %.2f   (target: about 1, at most 1.25)\n", s / g
	exit (s / g <= 1.25) ? 0 : 1 }'
