#!/usr/bin/env bash
# make bench, part 4: smtpfix watch --since replaying the past period of a
# large log, against grep -F -c with the same key string, both reading the
# file from the page cache. The log (BENCH_WATCH_MB megabytes, 1024
# default) is a cPanel server's Exim main log: almost every line a message
# sent by a logged-in mail program ("<=" with P=esmtpsa), from many
# addresses and users, and a few lines of one customer (203.0.113.9,
# bob@example.com): the founding refusal (no login on 587) and wrong
# passwords. Then two logs with NUL bytes: 256 MiB of NULs left by a crash
# with the customer's lines before and after, and 256 MiB of traffic with
# many short NUL runs. (Every run includes smtpfix's start-up, about 20 ms:
# the shared libraries and the recognizer's knowledge; on a log of a few
# dozen MiB that alone is most of grep's time.) Each with --ip 203.0.113.9 against grep for the
# address, and --user bob@example.com against grep for the user; best of
# three (five for the NUL logs). Target: smtpfix at least twice as fast as
# grep, that is its time at most 0.5 times grep's.
set -euo pipefail

bin=${1:?usage: watch.sh PATH-TO-SMTPFIX}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
mb=${BENCH_WATCH_MB:-1024}
dir="$top/build/bench"
log="$dir/watch-${mb}m.log"
nuls="$dir/watch-nuls-256m.log"
runs="$dir/watch-nulruns-256m.log"
out="$dir/watch-out"
mkdir -p "$dir"

ip=203.0.113.9
user=bob@example.com
target=0.5

# The lines carry times of the last 12 hours, read with --since 1d: a log
# made more than 12 hours ago is made again.
stale() { [ ! -s "$1" ] || [ -n "$(find "$1" -mmin +720)" ]; }

# gen BYTES NULRUNS: the log on standard output. The customer's 8
# refusals and 24 wrong passwords are spread evenly through it; with
# NULRUNS, a run of 1 to 512 NUL bytes follows about every 50th line.
gen() {
	perl -e '
		use strict; use POSIX qw(strftime);
		my ($size, $nulruns) = @ARGV;
		my $end = time; my $span = 12 * 3600; my $start = $end - $span;
		my ($bytes, $sec, $stamp, $n, $next, $cust) = (0, -1, "", 0, 0, 0);
		my $ncust = 32;
		srand(29);
		my $b64 = join("", "A".."Z", "a".."z", "0".."9");
		sub qid { join("", map { substr($b64, int(rand 62), 1) } 1..6) . "-" .
			join("", map { substr($b64, int(rand 62), 1) } 1..6) . "-" .
			join("", map { substr($b64, int(rand 62), 1) } 1..2) }
		my $buf = "";
		sub put { $buf .= $_[0]; $bytes += length $_[0];
			if (length $buf > 65536) { print $buf; $buf = "" } }
		while ($bytes < $size) {
			my $t = $start + int($span * $bytes / $size);
			if ($t != $sec) { $sec = $t; $stamp = strftime("%Y-%m-%d %H:%M:%S", localtime $t) }
			if ($cust < $ncust && $bytes >= $next) {
				# The customer: refusals at ports 40001, 40003, ...;
				# wrong passwords at 41001, 41002, ...
				if ($cust % 4 == 0) {
					my $p = 40001 + 2 * $cust;
					put("$stamp H=(PC) [203.0.113.9]:$p I=[192.0.2.1]:587 F=<bob\@example.com> rejected RCPT <x\@example.net>: SMTP AUTH is required for message submission on port 587\n");
					put("$stamp SMTP connection from (PC) [203.0.113.9]:$p I=[192.0.2.1]:587 closed by DROP in ACL\n");
				} else {
					my $p = 41001 + $cust;
					put("$stamp dovecot_login authenticator failed for (PC) [203.0.113.9]:$p I=[192.0.2.1]:587: 535 Incorrect authentication data (set_id=bob\@example.com)\n");
				}
				$cust++;
				$next = $size * ($cust + 0.5) / ($ncust + 1);
				next;
			}
			# One connection of a mail program: 5 to 30 messages.
			my $a = "198.51." . int(rand 256) . "." . (1 + int(rand 254));
			$a = "100.64." . int(rand 256) . "." . (1 + int(rand 254)) if rand() < 0.5;
			my $port = 1024 + int(rand 64000);
			my $u = "user" . int(rand 5000) . "\@example" . int(rand 40) . ".com";
			my $host = "H=(PC) [$a]:$port I=[192.0.2.1]:587";
			put("$stamp SMTP connection from (PC) [$a]:$port I=[192.0.2.1]:587 (TCP/IP connection count = " . (1 + int(rand 9)) . ")\n");
			for my $m (1 .. 5 + int(rand 26)) {
				put("$stamp " . qid() . " <= $u $host P=esmtpsa X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no A=dovecot_login:$u S=" . (800 + int(rand 90000)) . " id=" . sprintf("%08x%04x", int(rand 4e9), $n++ & 0xffff) . "\@mail.example.com\n");
				put("\0" x (1 + int(rand 512))) if $nulruns && rand() < 0.02;
			}
			put("$stamp SMTP connection from (PC) [$a]:$port I=[192.0.2.1]:587 closed by QUIT\n");
		}
		print $buf;
	' "$1" "$2"
}
# The customer, as found by smtpfix: --ip shows the refusals and the wrong
# passwords, --user the wrong passwords (a refusal before login names no
# user).
if stale "$log"; then
	gen $((mb << 20)) 0 >"$log.tmp"
	mv "$log.tmp" "$log"
fi
if stale "$runs"; then
	gen $((256 << 20)) 1 >"$runs.tmp"
	mv "$runs.tmp" "$runs"
fi
if stale "$nuls"; then
	# customer HOURS-AGO FIRST-PORT: one refusal and three wrong passwords
	customer() {
		local t p=$2 i
		t=$(date -d "-$1 hours" '+%Y-%m-%d %H:%M:%S')
		echo "$t H=(PC) [$ip]:$p I=[192.0.2.1]:587 F=<$user> rejected RCPT <x@example.net>: SMTP AUTH is required for message submission on port 587"
		echo "$t SMTP connection from (PC) [$ip]:$p I=[192.0.2.1]:587 closed by DROP in ACL"
		for i in 1 2 3; do
			echo "$t dovecot_login authenticator failed for (PC) [$ip]:$((p + i)) I=[192.0.2.1]:587: 535 Incorrect authentication data (set_id=$user)"
		done
	}
	{
		customer 6 42001
		printf 'crash cut this li'
		head -c $((256 << 20)) /dev/zero
		customer 1 42011
	} >"$nuls.tmp"
	mv "$nuls.tmp" "$nuls"
fi

best() { sort -n | head -n 1; }
now_us() { echo $(($(date +%s%N) / 1000)); }
# Output to a real file: GNU grep stops at the first match when its output
# is /dev/null, which would time nothing.
time_us() {
	local t0 t1
	t0=$(now_us)
	"$@" >"$out" || true # watch exits 1 when an attempt shows a problem
	t1=$(now_us)
	echo $((t1 - t0))
}
# (its note on standard error, "Watching ...", is not wanted here)
watch() { "$bin" watch --log "$1" --since 1d --for 0 --json "${@:2}" 2>/dev/null; }
# attempts FILE FILTER...: "refusals wrong-passwords" smtpfix shows
attempts() {
	watch "$@" | jq -s -r '[(map(select(.cause == "auth-requires-tls")) | length),
		(map(select(.cause == "wrong-credentials")) | length)] | join(" ")' || true
}

rc=0
# case FILE LABEL RUNS KEY EXPECTED FILTER...: one row and summary line;
# EXPECTED: a pattern for "refusals wrong-passwords" shown. With --user the
# refusal (before any login) may be shown or not: it names the user only
# as the sender.
case_() {
	local f=$1 label=$2 n=$3 key=$4 want=$5 g=() s=() gb sb found size r verdict
	shift 5
	cat "$f" >/dev/null # into the page cache
	for r in $(seq 1 "$n"); do
		g+=("$(time_us grep -F -c -e "$key" "$f")")
		s+=("$(time_us watch "$f" "$@")")
	done
	gb=$(printf '%s\n' "${g[@]}" | best)
	sb=$(printf '%s\n' "${s[@]}" | best)
	found=$(attempts "$f" "$@")
	size=$(stat -c %s "$f")
	verdict=$(awk -v g="$gb" -v s="$sb" -v t="$target" 'BEGIN{print (s/g <= t) ? "met" : "MISSED"}')
	[[ $found =~ $want ]] || verdict=MISSED
	printf '  %-34s %9.1f %9.1f %7.0f %7.0f %6.2f  %-7s %s\n' "$label" \
		"$(awk -v t="$gb" 'BEGIN{print t/1000}')" "$(awk -v t="$sb" 'BEGIN{print t/1000}')" \
		"$(awk -v s="$size" -v t="$gb" 'BEGIN{print s/1048576/(t/1e6)}')" \
		"$(awk -v s="$size" -v t="$sb" 'BEGIN{print s/1048576/(t/1e6)}')" \
		"$(awk -v g="$gb" -v s="$sb" 'BEGIN{print s/g}')" "$found" "$verdict"
	[[ $found =~ $want ]] || echo "    $label: smtpfix found \"$found\" (refusals, wrong passwords), not $want" >&2
	[ -n "${SMTPFIX_BENCH_SUMMARY:-}" ] && printf '%s|%s|%s|%s\n' \
		"watch --since: $label" \
		"$(awk -v g="$gb" -v s="$sb" 'BEGIN{printf "%.2f (%.0f / %.0f ms)", s/g, s/1000, g/1000}')" \
		"at most $target" "$verdict" >>"$SMTPFIX_BENCH_SUMMARY"
	[ "$verdict" = met ] || rc=1
}

printf '\nsmtpfix bench: watch --since over a log, against grep -F -c with the same key\n'
printf 'time in ms, best of 3 (5 for the NUL logs); found: the customer'"'"'s refusals and wrong passwords\n\n'
printf '  %-34s %9s %9s %7s %7s %6s  %-7s\n' "log, filter" "grep" "smtpfix" "grep" "smtpfix" "ratio" "found"
printf '  %-34s %9s %9s %7s %7s %6s\n' "" "ms" "ms" "MiB/s" "MiB/s" ""
case_ "$log" "$mb MiB '<=' log, --ip" 3 "$ip" '^8 24$' --ip "$ip"
case_ "$log" "$mb MiB '<=' log, --user" 3 "$user" '^(0|8) 24$' --user "$user"
case_ "$nuls" "256 MiB NULs, --ip" 5 "$ip" '^2 6$' --ip "$ip"
case_ "$nuls" "256 MiB NULs, --user" 5 "$user" '^(0|2) 6$' --user "$user"
case_ "$runs" "256 MiB short NUL runs, --ip" 5 "$ip" '^8 24$' --ip "$ip"
case_ "$runs" "256 MiB short NUL runs, --user" 5 "$user" '^(0|8) 24$' --user "$user"
printf '\n  target: smtpfix time at most %s x grep'"'"'s (twice the speed)\n' "$target"
exit "$rc"
