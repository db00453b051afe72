#!/usr/bin/env bash
# make bench, part 2: the mail log scan against grep -F -c with the same
# key strings, on a generated log of BENCH_LOG_MB megabytes (1024 default),
# both reading the file from the page cache, best of three runs each. Then
# a log left sparse by a crash (1 GiB of holes with a few lines in the
# middle and at the end) and one holding 256 MiB of NUL bytes on disk,
# against grep -F -c on the same files, best of five.
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

rc=0
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
	exit (s / g <= 1.25) ? 0 : 1 }' || rc=1

# NUL bytes. GNU grep steps over the holes of a sparse file (SEEK_DATA) and
# so does smtpfix; NULs written on disk both read. Both runs are a few ms, mostly
# start-up, so they are timed in microseconds. The targets: NULs must not
# slow the scan, so the sparse file within 1.5 times grep's time (start-up
# included; the old scan took minutes), and the written NULs within 1.25.
sparse="$top/build/bench/sparse-1g.log"
nuls="$top/build/bench/nuls-256m.log"
line() { echo "$(date '+%Y-%m-%d %H:%M:%S') SMTP connection from [203.0.113.$1]:1 closed by DROP in ACL"; }
if [ ! -s "$sparse" ]; then
	rm -f "$sparse.tmp"
	truncate -s 1G "$sparse.tmp"
	printf 'crash cut this li' | dd of="$sparse.tmp" bs=1 seek=$((256 << 20)) conv=notrunc status=none
	line 90 | dd of="$sparse.tmp" bs=1 seek=$((512 << 20)) conv=notrunc status=none
	line 91 >>"$sparse.tmp"
	mv "$sparse.tmp" "$sparse"
fi
if [ ! -s "$nuls" ]; then
	{ line 92; head -c $((256 << 20)) /dev/zero; line 93; } >"$nuls.tmp"
	mv "$nuls.tmp" "$nuls"
fi
now_us() { echo $(( $(date +%s%N) / 1000 )); }
time_us() {
	local t0 t1
	t0=$(now_us)
	"$@" >"$top/build/bench/out"
	t1=$(now_us)
	echo $((t1 - t0))
}
nul_case() { # file, label, target; prints the row, adds the summary line
	local f=$1 label=$2 target=$3 g=() s=() gb sb ev
	cat "$f" >/dev/null
	for r in 1 2 3 4 5; do
		g+=("$(time_us grep -F -c "${keys[@]}" "$f")")
		s+=("$(time_us "$bin" policy --root "$empty" --log "$f" --since 100000d --json)")
	done
	gb=$(printf '%s\n' "${g[@]}" | best)
	sb=$(printf '%s\n' "${s[@]}" | best)
	ev=$("$bin" policy --root "$empty" --log "$f" --since 100000d --json | jq '[.log.events[].count] | add')
	printf '  %-36s %10.1f %10.1f %8s %6s\n' "$label" "$(awk -v t="$gb" 'BEGIN{print t/1000}')" \
		"$(awk -v t="$sb" 'BEGIN{print t/1000}')" "$(du -m "$f" | cut -f1)" "$ev"
	[ -n "${SMTPFIX_BENCH_SUMMARY:-}" ] && printf '%s|%s|%s|%s\n' \
		"$(printf '%s: smtpfix / grep -F -c' "$label")" \
		"$(awk -v g="$gb" -v s="$sb" 'BEGIN{printf "%.2f (%.1f / %.1f ms)", s/g, s/1000, g/1000}')" \
		"at most $target" "$(awk -v g="$gb" -v s="$sb" -v t="$target" 'BEGIN{print (s/g <= t) ? "met" : "MISSED"}')" \
		>>"$SMTPFIX_BENCH_SUMMARY"
	awk -v g="$gb" -v s="$sb" -v t="$target" 'BEGIN { exit (s / g <= t) ? 0 : 1 }' || rc=1
}
printf '\nsmtpfix bench: NUL bytes in the log, against grep -F -c (best of five)\n\n'
printf '  %-36s %10s %10s %8s %6s\n' "file" "grep ms" "smtpfix ms" "disk MiB" "events"
nul_case "$sparse" "1 GiB sparse log" 1.5
nul_case "$nuls" "256 MiB NULs on disk" 1.25
exit "$rc"
