#!/usr/bin/env bash
# ns-run.sh SDIR LOWER START-SCRIPT
# Pid 1 of a private mount + pid namespace made by servers.sh (srv_ns_start,
# through `unshare --mount --pid --fork --mount-proc`). Not meant to be run
# by hand.
#
# Debian's servers have their paths compiled in (/usr/bin/doveconf,
# /usr/lib/dovecot, /usr/lib/postfix, /var/spool/smtpd, /run/smtpd.sock,
# users such as postfix or opensmtpd). Inside this namespace only:
#   /usr   = the unpacked packages (LOWER, colon-separated usr folders) laid
#            over the machine's /usr, read-only;
#   /etc, /var, /run = the machine's, with every write going to SDIR/ns/
#            (overlay upper layers), so the private passwd, group, hosts and
#            resolv.conf written below, and the servers' own files, never
#            reach the machine's folders.
# Nothing is mounted outside the namespace; it goes away with its last
# process. When this script (pid 1) exits, the kernel kills every process
# left in the namespace, so a stopped server leaves nothing behind.
set -eu
sdir=$1 lower=$2 script=$3
ns=$sdir/ns

mount -t overlay srv-usr -o "lowerdir=$lower:/usr" /usr
for top in etc var run; do
	mkdir -p "$ns/$top.up" "$ns/$top.work"
	mount -t overlay "srv-$top" -o "lowerdir=/$top,upperdir=$ns/$top.up,workdir=$ns/$top.work" "/$top"
done
for f in passwd group hosts resolv.conf; do
	rm -f "/etc/$f"
	cp "$sdir/etc/$f" "/etc/$f"
	chmod 0644 "/etc/$f"
done

# Daemons the start script puts in the background are this shell's
# children: a TERM from srv_ns_stop is passed on to them (pid 1 gets only
# the signals it has a handler for), then this shell waits for each to end.
# shellcheck disable=SC2046
trap 'kill -TERM $(jobs -p) 2>/dev/null || true' TERM INT
# shellcheck source=/dev/null
. "$script"
pids=$(jobs -p)
echo started >"$sdir/ns.started"
for p in $pids; do
	while kill -0 "$p" 2>/dev/null; do
		wait "$p" || true
	done
done
