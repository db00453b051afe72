#!/usr/bin/env bash
# smtpfix policy on hostile mail logs, each made here in a temporary folder
# (nothing of it is kept): runs of NUL bytes and holes, a gzip bomb, a .gz
# too large to read whole and one cut short, HELOs that name another
# address, a FIFO, a device and a link where a log should be, and log
# folders an ordinary user cannot read (run as nobody with setpriv when
# run as root). Every run has a bound on its time and on its peak memory
# (GNU time's %M); the bounds are loose on purpose: the speed targets live
# in make bench.
set -uo pipefail

bin=${1:?usage: logs.sh PATH-TO-SMTPFIX}

# shellcheck source=lib.sh
source "$(cd "$(dirname "$0")" && pwd)/lib.sh"
expect_show='{log: .log, unreadable: .unreadable, notes: .notes}'
policy_setup logs
out="$dir/out.json"
empty="$dir/empty"
mkdir -p "$empty"

# AddressSanitizer's shadow memory and quarantine make the SAN build far
# larger; there the bound only catches a runaway buffer.
rss_max=32768
grep -qa __asan_init "$bin" && rss_max=262144

if [ "$(id -u)" -eq 0 ]; then
	run_as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
else
	run_as=()
fi

check() { # what, command...
	local what=$1
	shift
	if "$@"; then ok; else fail "$what"; fi
}
# policy NAME SECONDS [--as-nobody] ARGS...: one run, within SECONDS and
# rss_max, exit status 0. A run past four times its bound is stopped.
policy() {
	local name=$1 seconds=$2 t0 t1 rc ms rss who=()
	shift 2
	if [ "${1:-}" = --as-nobody ]; then
		who=("${run_as[@]}")
		shift
	fi
	current=$name
	t0=$(date +%s%N)
	timeout $((seconds * 4)) /usr/bin/time -f %M -o "$dir/rss" "${who[@]}" "$bin" policy "$@" \
		>"$out" 2>"$dir/err"
	rc=$?
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	check "exit status $rc ($(head -c 300 "$dir/err"))" [ "$rc" -eq 0 ]
	check "took $ms ms, bound $((seconds * 1000)) ms" [ "$ms" -lt $((seconds * 1000)) ]
	rss=$(tail -1 "$dir/rss" 2>/dev/null)
	[[ $rss =~ ^[0-9]+$ ]] || rss=999999999 # stopped by timeout: no figure
	check "peak memory $rss KiB, bound $rss_max KiB" [ "$rss" -lt "$rss_max" ]
}
text() { # the same run as text, for the notes and the unreadable list
	timeout 60 "$@" >"$dir/text" 2>&1
}
stamp=$(date '+%Y-%m-%d %H:%M:%S')
drop() { echo "$stamp SMTP connection from [203.0.113.$1]:1 closed by DROP in ACL"; }
at() { # file offset text: write text at offset, keeping the rest
	printf '%s' "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# 1. NUL bytes. A sparse log (256 MiB of holes, costing no disk) with a
#    line cut by a hole, one in the middle and one at the end; then 64 MiB
#    of NULs written on disk around lines. Both read in well under ten
#    seconds (the old scan took minutes), every line found.
f="$dir/sparse.log"
truncate -s 256M "$f"
at "$f" 4096 "crash cut this li"
at "$f" $(((128 << 20) + 12345)) "$(drop 10)
"
drop 11 >>"$f"
policy "sparse 256 MiB" 10 --root "$empty" --log "$f" --json
expect '[.log.events[].address] | sort == ["203.0.113.10","203.0.113.11"]'
expect '[.log.events[] | .first != null] | all' # read from its own start, with its time
expect ".log.files[0].bytes == $(stat -c %s "$f") and .log.files[0].error == null"

f="$dir/nuls.log"
{ drop 12; printf 'cut li'; head -c 64M /dev/zero; drop 13; head -c 100 /dev/zero; drop 14; } >"$f"
policy "64 MiB of NULs on disk" 10 --root "$empty" --log "$f" --json
expect '[.log.events[].address] | sort == ["203.0.113.12","203.0.113.13","203.0.113.14"]'
expect '[.log.events[] | .first != null] | all'

# 2. gzip. A bomb: a few real lines, then 4 GiB of NULs in 4 MiB; it stops
#    at 100 times its size, with the lines before counted and a note naming
#    the file. A file past the 1 GiB cap (its ratio kept under 100 by
#    incompressible bytes at its end) stops at 1024 MiB. A .gz cut in the
#    middle says so, and its first half still counts.
head -c 1M /dev/zero | gzip -9 >"$dir/z1m.gz"
for i in $(seq 1 64); do cat "$dir/z1m.gz"; done >"$dir/z64m.gz"
{ drop 20; drop 21; } | gzip >"$dir/bomb.gz"
for i in $(seq 1 64); do cat "$dir/z64m.gz"; done >>"$dir/bomb.gz"
policy "gzip bomb" 10 --root "$empty" --log "$dir/bomb.gz" --json
expect '.log.files[0].error | test("^stopped after [0-9]+ MiB: it expands to more than 100 times")'
expect '.log.files[0].bytes < 1073741824'
expect '[.log.events[].address] | sort == ["203.0.113.20","203.0.113.21"]'
expect '[.notes[] | select(test("^stopped reading .*/bomb.gz after [0-9]+ MiB: it expands"))] | length == 1'
text "$bin" policy --root "$empty" --log "$dir/bomb.gz"
check "the text names bomb.gz where it stopped" grep -q "stopped reading .*/bomb.gz after [0-9]* MiB" "$dir/text"

for i in $(seq 1 18); do cat "$dir/z64m.gz"; done >"$dir/big.gz"
head -c 12M /dev/urandom | gzip -1 >>"$dir/big.gz"
policy "gzip past the cap" 20 --root "$empty" --log "$dir/big.gz" --json
expect '.log.files[0].bytes == 1073741824 and (.log.files[0].error | test("^stopped after 1024 MiB: smtpfix reads at most 1024 MiB"))'
expect '[.notes[] | select(test("^stopped reading .*/big.gz after 1024 MiB"))] | length == 1'

for i in $(seq 30 229); do drop $((i % 250)); done | gzip -1 >"$dir/whole.gz"
head -c $(($(stat -c %s "$dir/whole.gz") / 2)) "$dir/whole.gz" >"$dir/cut.gz"
policy "gzip cut short" 10 --root "$empty" --log "$dir/cut.gz" --json
expect '.log.files[0].error | test("^truncated: the compressed data ends in the middle")'
expect '(.log.events | length) > 20 and (.log.events | length) < 200'
expect '[.unreadable[] | select(.path | test("cut.gz"))] | length == 0'
expect '[.notes[] | select(test("cut.gz is truncated"))] | length == 1'

# 3. A HELO is the client's own text: in every line form, a HELO naming
#    8.8.8.8 or holding a made-up "[1.2.3.4]" does not move the address.
for helo in '[8.8.8.8]' 'x[1.2.3.4]y' 'a) [1.2.3.4] (b' '(a) [1.2.3.4]' '((' 'x H=[1.2.3.4]'; do
	cat <<LOG
$stamp H=($helo) [203.0.113.67]:1 F=<a@example.com> rejected RCPT <b@example.net>: SMTP AUTH is required for message submission on port 587
$stamp H=host.example.net ($helo) [203.0.113.67]:2 F=<a@example.com> rejected RCPT <b@example.net>: relay not permitted
$stamp SMTP connection from ($helo) [203.0.113.67]:3 closed by DROP in ACL
$stamp dovecot_login authenticator failed for ($helo) [203.0.113.67]:4: 535 Incorrect authentication data (set_id=u@example.com)
$stamp dovecot_login authenticator failed for H=($helo) [203.0.113.67]:5: 535 Incorrect authentication data (set_id=u@example.com)
$stamp dovecot_login authenticator failed for host.example.net ($helo) [203.0.113.67]:6: 535 Incorrect authentication data (set_id=u@example.com)
$stamp SMTP protocol error in "AUTH LOGIN" H=($helo) [203.0.113.67]:7 AUTH command used when not advertised
$stamp TLS error on connection from ($helo) [203.0.113.67]:8 (SSL_accept): error:0A000102:SSL routines::unsupported protocol
$stamp 1tXabc-0001 <= a@example.com H=($helo) [203.0.113.67]:9 P=esmtpa A=dovecot_login:a@example.com S=1
$(LC_ALL=C date '+%b %e %H:%M:%S') mail postfix/submission/smtpd[1]: NOQUEUE: reject: RCPT from unknown[203.0.113.67]: 554 5.7.1 <x@example.net>: Relay access denied; from=<a@example.com> to=<x@example.net> proto=ESMTP helo=<$helo H=([8.8.8.8]) [8.8.8.8]>
LOG
done >"$dir/helo.log"
policy "hostile HELO" 10 --root "$empty" --log "$dir/helo.log" --json
expect '[.log.events[].address] | unique == ["203.0.113.67"]'
expect '([.log.events[].count] | add) == 60'
expect '[.log.events[].kind] | unique | length == 7'

# 4. Where a log should be: a FIFO (a plain open would wait for ever), a
#    device without end, a folder, a link. Each is named as not read, at
#    once.
mkfifo "$dir/fifo.log"
ln -s "$dir/sparse.log" "$dir/link.log"
policy "not regular files" 10 --root "$empty" --log "$dir/fifo.log" --log /dev/zero \
	--log "$dir" --log "$dir/link.log" --json
expect '[.unreadable[] | select(.why == "not a regular file") | .path] | length == 3'
expect '[.unreadable[] | select(.path | test("link.log$")) | .why | test("symbolic link")] == [true]'
expect '.log.events == []'

# 5. Not root. Debian keeps Exim's log in /var/log/exim4, mode 2750
#    root:adm: an ordinary user can neither list nor enter it. The folder
#    is named with what it hides, and nothing is said about a log that was
#    not read. A folder that can be entered but not listed hides only the
#    rotated files; a log file that cannot be read is named too.
t="$dir/tree"
mkdir -p "$t/var/log/exim4" "$t/var/log/exim"
drop 30 >"$t/var/log/exim4/mainlog"
drop 31 >"$t/var/log/exim4/mainlog.1"
drop 32 >"$t/var/log/exim/mainlog"
drop 33 >"$t/var/log/exim/mainlog.1"
drop 34 >"$t/var/log/maillog"
chmod 644 "$t"/var/log/exim4/* "$t"/var/log/exim/* "$t/var/log/maillog"
chmod 755 "$t" "$t/var" "$t/var/log"
if [ "$(id -u)" -eq 0 ]; then
	chown root:adm "$t/var/log/exim4" 2>/dev/null || chown root:root "$t/var/log/exim4"
	chmod 2750 "$t/var/log/exim4"
	chmod 711 "$t/var/log/exim"
	chmod 600 "$t/var/log/maillog"
else
	chmod 000 "$t/var/log/exim4" # not even its owner, without root
	chmod 311 "$t/var/log/exim"
	chmod 000 "$t/var/log/maillog"
fi
policy "not root" 10 --as-nobody --root "$t" --json
expect '[.unreadable[] | select(.path == "/var/log/exim4")][0] | (.why | test("cannot be read: Permission denied")) and (.hides | test("^the mail logs in it \\(mainlog and its rotated files\\)"))'
expect '[.unreadable[] | select(.path == "/var/log/exim")][0] | (.why | test("cannot be listed: Permission denied")) and (.hides | test("^the rotated files of main.log and mainlog in it"))'
expect '[.unreadable[] | select(.path == "/var/log/maillog")][0].why | test("Permission denied")'
expect '[.unreadable[] | select(.path | test("exim4/"))] | length == 0'
expect '[.log.events[].address] == ["203.0.113.32"]'
text "${run_as[@]}" "$bin" policy --root "$t"
check "the text names /var/log/exim4 as not read" grep -q "^  /var/log/exim4: the folder cannot be read: Permission denied; hides the mail logs in it (mainlog and its rotated files)" "$dir/text"

# Nothing readable at all: no claim about the log.
chmod 000 "$t/var/log/exim" 2>/dev/null
[ "$(id -u)" -eq 0 ] && chmod 700 "$t/var/log/exim"
policy "not root, no log readable" 10 --as-nobody --root "$t" --json
expect '.log.files == [] and .log.events == [] and ([.unreadable[].path] | index("/var/log/exim4") != null)'
text "${run_as[@]}" "$bin" policy --root "$t"
check "no claim about a log that was not read" absent 'nothing relevant' "$dir/text"

finish logs
