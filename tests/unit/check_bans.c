/* smtpfix bans: the readers of each blocker's output and files, address
 * matching, the lift commands, and the old-password grouping (from events
 * made by hand, and from a generated day of mail log lines read through
 * the one mail log line parser). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "smtpfix/bans.h"
#include "unit/suites.h"

static struct sf_bans_report rep;

static void
reset(void)
{
	memset(&rep, 0, sizeof rep);
}

static time_t
local_time(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

START_TEST(test_address_checks)
{
	char c[64];

	ck_assert(sf_bans_address_ok("203.0.113.9", c, sizeof c));
	ck_assert_str_eq(c, "203.0.113.9");
	ck_assert(sf_bans_address_ok("2001:DB8:0::9", c, sizeof c));
	ck_assert_str_eq(c, "2001:db8::9");
	ck_assert(!sf_bans_address_ok("203.0.113.9/32", c, sizeof c));
	ck_assert(!sf_bans_address_ok("203.0.113.9;reboot", c, sizeof c));
	ck_assert(!sf_bans_address_ok("-s", c, sizeof c));
	ck_assert(!sf_bans_address_ok("", c, sizeof c));
	ck_assert(!sf_bans_address_ok("203.0.113", c, sizeof c));
	ck_assert(!sf_bans_address_ok("fe80::1%eth0", c, sizeof c));
	ck_assert(sf_bans_user_ok("bob@example.com"));
	ck_assert(sf_bans_user_ok("bob"));
	ck_assert(!sf_bans_user_ok("bob@example.com; rm"));
	ck_assert(!sf_bans_user_ok("$(id)@x"));
	ck_assert(!sf_bans_user_ok("-c"));
	ck_assert(!sf_bans_user_ok("a\nb"));
	ck_assert(!sf_bans_user_ok(""));
}
END_TEST

START_TEST(test_entry_matches)
{
	ck_assert(sf_bans_entry_matches("203.0.113.9", "203.0.113.9"));
	ck_assert(!sf_bans_entry_matches("203.0.113.90", "203.0.113.9"));
	ck_assert(sf_bans_entry_matches("203.0.113.0/24", "203.0.113.9"));
	ck_assert(sf_bans_entry_matches("203.0.113.8/31", "203.0.113.9"));
	ck_assert(!sf_bans_entry_matches("203.0.113.10/31", "203.0.113.9"));
	ck_assert(sf_bans_entry_matches("0.0.0.0/0", "203.0.113.9"));
	ck_assert(sf_bans_entry_matches("203.0.113.1-203.0.113.20", "203.0.113.9"));
	ck_assert(!sf_bans_entry_matches("203.0.113.10-203.0.113.20", "203.0.113.9"));
	ck_assert(sf_bans_entry_matches("2001:db8::/32", "2001:db8::9"));
	ck_assert(sf_bans_entry_matches("2001:0db8::9", "2001:db8::9"));
	ck_assert(!sf_bans_entry_matches("2001:db9::/32", "2001:db8::9"));
	ck_assert(!sf_bans_entry_matches("203.0.113.0/24", "2001:db8::9"));
	ck_assert(!sf_bans_entry_matches("203.0.113.0/33", "203.0.113.9"));
	ck_assert(!sf_bans_entry_matches("bogus", "203.0.113.9"));
}
END_TEST

START_TEST(test_fail2ban_client_output)
{
	static const char status[] = "Status\n"
				     "|- Number of jail:\t3\n"
				     "`- Jail list:\tdovecot, exim-auth, sshd\n";
	static const char jail[] = "Status for the jail: exim-auth\n"
				   "|- Filter\n"
				   "|  |- Currently failed:\t1\n"
				   "|  |- Total failed:\t4\n"
				   "|  `- File list:\t/var/log/exim4/mainlog\n"
				   "`- Actions\n"
				   "   |- Currently banned:\t2\n"
				   "   |- Total banned:\t2\n"
				   "   `- Banned IP list:\t192.0.2.1 203.0.113.9\n";
	static const char timed[] =
		"192.0.2.1 \t2026-11-29 10:00:00 + 600 = 2026-11-29 10:10:00\n"
		"203.0.113.9 \t2026-11-29 10:02:11 + 3600 = 2026-11-29 11:02:11\n";
	char names[8][SF_BANS_NAME_MAX];
	time_t since = 0, until = 0;

	ck_assert_uint_eq(sf_f2b_parse_jails(status, names, 8), 3);
	ck_assert_str_eq(names[0], "dovecot");
	ck_assert_str_eq(names[1], "exim-auth");
	ck_assert_str_eq(names[2], "sshd");
	ck_assert_uint_eq(sf_f2b_parse_jails(status, names, 2), 2);
	ck_assert(sf_f2b_parse_banned(jail, "203.0.113.9"));
	ck_assert(sf_f2b_parse_banned(jail, "192.0.2.1"));
	ck_assert(!sf_f2b_parse_banned(jail, "203.0.113.90"));
	ck_assert(!sf_f2b_parse_banned(status, "203.0.113.9"));
	ck_assert(sf_f2b_parse_with_time(timed, "203.0.113.9", &since, &until));
	ck_assert_int_eq(since, local_time(2026, 11, 29, 10, 2, 11));
	ck_assert_int_eq(until, local_time(2026, 11, 29, 11, 2, 11));
	ck_assert(!sf_f2b_parse_with_time(timed, "198.51.100.7", &since, &until));
}
END_TEST

START_TEST(test_fail2ban_conf)
{
	static const char conf[] = "[DEFAULT]\n"
				   "socket = /wrong\n"
				   "[Definition]\n"
				   "loglevel = INFO\n"
				   "# socket = /commented\n"
				   "socket   =   /tmp/x/fail2ban.sock  \n"
				   "dbfile = /tmp/x/db.sqlite3\n"
				   "[Thread]\n"
				   "dbfile = /wrong\n";
	char sock[128] = "/var/run/fail2ban/fail2ban.sock", db[128] = "/var/lib/fail2ban/x";

	sf_f2b_parse_conf(conf, sock, sizeof sock, db, sizeof db);
	ck_assert_str_eq(sock, "/tmp/x/fail2ban.sock");
	ck_assert_str_eq(db, "/tmp/x/db.sqlite3");
	sf_f2b_parse_conf("[Definition]\nloglevel = 3\n", sock, sizeof sock, db, sizeof db);
	ck_assert_str_eq(sock, "/tmp/x/fail2ban.sock");
}
END_TEST

START_TEST(test_csf_deny)
{
	static const char deny[] =
		"###############\n"
		"# Copyright\n"
		"192.0.2.1 # do not delete\n"
		"203.0.113.9 # lfd: (smtpauth) Failed SMTP AUTH login from 203.0.113.9 "
		"(US/United States/-): 5 in the last 3600 secs - Sun Nov 29 10:02:11 2026\n"
		"203.0.113.90 # another one\n"
		"198.51.100.0/24 # manual block of a range\n"
		"tcp|in|d=25|s=2001:db8::9 # port rule\n"
		"Include /etc/csf/csf.deny.extra\n";
	char text[256];

	reset();
	ck_assert_uint_eq(sf_csf_parse_deny(deny, "203.0.113.9", "/etc/csf/csf.deny", true,
				  "/usr/sbin/csf", &rep),
		1);
	ck_assert_str_eq(rep.bans[0].entry, "203.0.113.9");
	ck_assert(strstr(rep.bans[0].reason, "Failed SMTP AUTH login") != NULL);
	ck_assert_int_eq(rep.bans[0].since, local_time(2026, 11, 29, 10, 2, 11));
	ck_assert(!rep.bans[0].temporary);
	sf_ban_lift_text(&rep.bans[0], text, sizeof text);
	ck_assert_str_eq(text, "csf -dr 203.0.113.9");
	ck_assert_str_eq(rep.bans[0].lift[0], "/usr/sbin/csf");

	reset();
	ck_assert_uint_eq(sf_csf_parse_deny(deny, "198.51.100.7", "/etc/csf/csf.deny", true,
				  "/usr/sbin/csf", &rep),
		1);
	ck_assert_str_eq(rep.bans[0].entry, "198.51.100.0/24");
	sf_ban_lift_text(&rep.bans[0], text, sizeof text);
	ck_assert_str_eq(text, "csf -dr 198.51.100.0/24");

	reset();
	ck_assert_uint_eq(sf_csf_parse_deny(deny, "2001:db8::9", "/etc/csf/csf.deny", true,
				  "/usr/sbin/csf", &rep),
		1);
	ck_assert_uint_eq(rep.bans[0].nlift, 0);
	ck_assert_str_eq(rep.bans[0].lift_help, "lift-csf-advanced");

	reset();
	ck_assert_uint_eq(sf_csf_parse_deny(deny, "192.0.2.2", "/etc/csf/csf.deny", true,
				  "/usr/sbin/csf", &rep),
		0);
	ck_assert(sf_csf_parse_allow("# x\n192.0.2.0/24 # office\n", "192.0.2.7"));
	ck_assert(!sf_csf_parse_allow("# 192.0.2.7\n", "192.0.2.7"));
}
END_TEST

START_TEST(test_csf_tempban)
{
	char text[256];
	time_t now = 1800000000;
	char tb[512];

	snprintf(tb, sizeof tb,
		"%lld|203.0.113.9|25;tcp,587;tcp|in|3600|lfd - (smtpauth) Failed SMTP AUTH "
		"login from 203.0.113.9 (-): 5 in the last 3600 secs\n"
		"%lld|203.0.113.9||inout|600|expired long ago\n"
		"%lld|192.0.2.1||in|3600|someone else\n"
		"garbage line\n",
		(long long)(now - 100), (long long)(now - 7200), (long long)(now - 10));
	reset();
	ck_assert_uint_eq(sf_csf_parse_tempban(tb, "203.0.113.9", now, "/usr/sbin/csf", &rep), 1);
	ck_assert(rep.bans[0].temporary);
	ck_assert_int_eq(rep.bans[0].since, now - 100);
	ck_assert_int_eq(rep.bans[0].until, now - 100 + 3600);
	ck_assert(strstr(rep.bans[0].reason, "Failed SMTP AUTH") != NULL);
	sf_ban_lift_text(&rep.bans[0], text, sizeof text);
	ck_assert_str_eq(text, "csf -tr 203.0.113.9");
	reset();
	ck_assert_uint_eq(
		sf_csf_parse_tempban(tb, "203.0.113.9", now + 4000, "/usr/sbin/csf", &rep), 0);
}
END_TEST

START_TEST(test_log_lines)
{
	static const char lfd[] =
		"Nov 29 10:00:01 host lfd[1]: (smtpauth) Failed SMTP AUTH login from 203.0.113.90 "
		"(-): 5 in the last 3600 secs - *Blocked in csf* [LF_SMTPAUTH]\n"
		"Nov 29 10:02:11 host lfd[1]: (smtpauth) Failed SMTP AUTH login from 203.0.113.9 "
		"(-): 5 in the last 3600 secs - *Blocked in csf* [LF_SMTPAUTH]\n"
		"Nov 29 10:03:00 host lfd[1]: 1203.0.113.9 is not it\n"
		"Nov 29 10:04:00 host lfd[1]: line two for [203.0.113.9]\n";
	char lines[SF_BANS_LINES_MAX][SF_BANS_LINE_MAX];

	ck_assert_uint_eq(sf_bans_log_lines(lfd, strlen(lfd), "203.0.113.9", NULL, lines, 5), 2);
	ck_assert(strstr(lines[0], "10:02:11") != NULL);
	ck_assert(strstr(lines[1], "line two") != NULL);
	ck_assert_uint_eq(sf_bans_log_lines(lfd, strlen(lfd), "203.0.113.9", NULL, lines, 1), 1);
	ck_assert(strstr(lines[0], "line two") != NULL);
	ck_assert_uint_eq(
		sf_bans_log_lines(lfd, strlen(lfd), "203.0.113.9", "Blocked", lines, 5), 1);
}
END_TEST

START_TEST(test_cphulk)
{
	static const char log[] =
		"[2026-11-29 10:00:00 +0000] info [cphulkd] Login failed [Service]=[mail] "
		"[Remote IP Address]=[203.0.113.9] [Username]=[bob@example.com]\n"
		"[2026-11-29 10:05:00 +0000] info [cphulkd] IP Address Blocked: [Service]=[mail] "
		"[Remote IP Address]=[203.0.113.9] [Username]=[bob@example.com]\n"
		"[2026-11-29 10:06:00 +0000] info [cphulkd] IP Address Blocked: "
		"[Remote IP Address]=[192.0.2.1]\n";
	static const char api[] =
		"{\"data\":{\"brutes\":[{\"exptime\":\"2026-11-29T10:20:00Z\",\"ip\":\"192.0.2.1\","
		"\"logintime\":\"2026-11-29T10:05:00Z\",\"notes\":\"x\",\"timeleft\":14},"
		"{\"exptime\":\"2026-11-29T10:20:00Z\",\"ip\":\"203.0.113.9\",\"logintime\":"
		"\"2026-11-29T10:05:00Z\",\"notes\":\"5 failed logins\",\"timeleft\":14}]},"
		"\"metadata\":{\"command\":\"get_cphulk_brutes\",\"result\":1}}";
	char text[256];

	reset();
	ck_assert_uint_eq(sf_cphulk_parse_log(log, strlen(log), "203.0.113.9", NULL, 0,
				  "/usr/local/cpanel/bin/whmapi1", &rep),
		1);
	ck_assert(rep.bans[0].uncertain);
	ck_assert_int_eq(rep.bans[0].since, local_time(2026, 11, 29, 10, 5, 0));
	ck_assert_uint_eq(rep.bans[0].nlines, 2);
	sf_ban_lift_text(&rep.bans[0], text, sizeof text);
	ck_assert_str_eq(text, "whmapi1 flush_cphulk_login_history_for_ips ip=203.0.113.9");
	reset();
	ck_assert_uint_eq(sf_cphulk_parse_log(log, strlen(log), "198.51.100.7", NULL, 0,
				  "/usr/local/cpanel/bin/whmapi1", &rep),
		0);
	reset();
	ck_assert_uint_eq(sf_cphulk_parse_api(api, "203.0.113.9", "get_cphulk_brutes",
				  "/usr/local/cpanel/bin/whmapi1", &rep),
		1);
	ck_assert_str_eq(rep.bans[0].reason, "5 failed logins");
	ck_assert_int_eq(rep.bans[0].until - rep.bans[0].since, 15 * 60);
	ck_assert(!rep.bans[0].uncertain);
}
END_TEST

START_TEST(test_exim_lists)
{
	static const char list[] = "# blocked senders\n"
				   "192.0.2.0/24\n"
				   "203.0.113.9: spammer\n"
				   "\"2001:db8::/32\"\n";

	reset();
	ck_assert_uint_eq(sf_exim_list_parse(list, "203.0.113.9", "/etc/spammeripblocks", &rep), 1);
	ck_assert_str_eq(rep.bans[0].lift_help, "lift-exim-list");
	ck_assert_uint_eq(rep.bans[0].nlift, 0);
	reset();
	ck_assert_uint_eq(sf_exim_list_parse(list, "2001:db8::1", "/etc/spammeripblocks", &rep), 1);
	ck_assert_str_eq(rep.bans[0].entry, "2001:db8::/32");
	reset();
	ck_assert_uint_eq(
		sf_exim_list_parse(list, "198.51.100.7", "/etc/spammeripblocks", &rep), 0);
}
END_TEST

/* As nft -a list ruleset prints it (nftables 1.0.6). */
static const char ruleset[] =
	"table inet filter { # handle 1\n"
	"\tset blocked4 { # handle 2\n"
	"\t\ttype ipv4_addr\n"
	"\t\tflags interval\n"
	"\t\telements = { 198.51.100.0/24, 203.0.113.9,\n"
	"\t\t\t     203.0.113.77 }\n"
	"\t}\n"
	"\n"
	"\tset friends { # handle 3\n"
	"\t\ttype ipv4_addr\n"
	"\t\telements = { 203.0.113.9 }\n"
	"\t}\n"
	"\n"
	"\tset temp6 { # handle 9\n"
	"\t\ttype ipv6_addr\n"
	"\t\tflags timeout\n"
	"\t\telements = { 2001:db8::9 timeout 1h expires 59m58s }\n"
	"\t}\n"
	"\n"
	"\tchain input { # handle 4\n"
	"\t\ttype filter hook input priority filter; policy accept;\n"
	"\t\tip saddr @friends accept # handle 5\n"
	"\t\tip saddr @blocked4 drop # handle 6\n"
	"\t\tip6 saddr @temp6 reject # handle 10\n"
	"\t\tip saddr 203.0.113.9 tcp dport 587 reject with icmp port-unreachable # handle 7\n"
	"\t\tip saddr != 203.0.113.9 tcp dport 25 drop # handle 8\n"
	"\t\tip saddr { 192.0.2.1, 203.0.113.0/28 } drop # handle 11\n"
	"\t}\n"
	"}\n";

START_TEST(test_nft)
{
	char text[256];
	size_t i;
	bool rule7 = false, rule11 = false, set = false;

	reset();
	ck_assert_uint_eq(sf_nft_parse(ruleset, "203.0.113.9", "/usr/sbin/nft", &rep), 3);
	for (i = 0; i < rep.nbans; i++) {
		sf_ban_lift_text(&rep.bans[i], text, sizeof text);
		if (strcmp(text, "nft delete rule inet filter input handle 7") == 0)
			rule7 = true;
		else if (strcmp(text, "nft delete rule inet filter input handle 11") == 0)
			rule11 = true;
		else if (strcmp(text,
				 "nft delete element inet filter blocked4 '{' 203.0.113.9 '}'") ==
			 0)
			set = true;
		else
			ck_abort_msg("unexpected lift: %s", text);
		ck_assert(strstr(rep.bans[i].where, "friends") == NULL);
	}
	ck_assert(rule7 && rule11 && set);
	reset();
	ck_assert_uint_eq(sf_nft_parse(ruleset, "198.51.100.7", "/usr/sbin/nft", &rep), 1);
	ck_assert_str_eq(rep.bans[0].entry, "198.51.100.0/24");
	reset();
	ck_assert_uint_eq(sf_nft_parse(ruleset, "203.0.113.77", "/usr/sbin/nft", &rep), 1);
	reset();
	ck_assert_uint_eq(sf_nft_parse(ruleset, "2001:db8::9", "/usr/sbin/nft", &rep), 1);
	ck_assert(rep.bans[0].temporary);
	ck_assert(rep.bans[0].until > time(NULL) + 3500);
	reset();
	ck_assert_uint_eq(sf_nft_parse(ruleset, "192.0.2.200", "/usr/sbin/nft", &rep), 0);
}
END_TEST

START_TEST(test_iptables)
{
	static const char save[] =
		"# Generated by iptables-save v1.8.9 (nf_tables)\n"
		"*filter\n"
		":INPUT ACCEPT [0:0]\n"
		"-A INPUT -s 203.0.113.9/32 -p tcp -m tcp --dport 25 -j DROP\n"
		"-A INPUT -s 203.0.113.0/24 -m comment --comment \"old spammer\" -j REJECT "
		"--reject-with icmp-port-unreachable\n"
		"-A INPUT ! -s 203.0.113.9/32 -j DROP\n"
		"-A INPUT -s 203.0.113.9/32 -j ACCEPT\n"
		"-A DENYIN -s 203.0.113.9/32 -j LOGDROPIN\n"
		"COMMIT\n"
		"*raw\n"
		"-A PREROUTING -s 203.0.113.9/32 -j DROP\n"
		"COMMIT\n";
	char text[512];

	reset();
	ck_assert_uint_eq(sf_ipt_parse(save, "203.0.113.9", "/usr/sbin/iptables", &rep), 4);
	sf_ban_lift_text(&rep.bans[0], text, sizeof text);
	ck_assert_str_eq(text,
		"iptables -t filter -D INPUT -s 203.0.113.9/32 -p tcp -m tcp --dport 25 -j DROP");
	sf_ban_lift_text(&rep.bans[1], text, sizeof text);
	ck_assert_str_eq(text, "iptables -t filter -D INPUT -s 203.0.113.0/24 -m comment --comment "
			       "'old spammer' -j REJECT --reject-with icmp-port-unreachable");
	ck_assert_str_eq(rep.bans[1].lift[10], "old spammer");
	ck_assert(strstr(rep.bans[2].where, "DENYIN") != NULL);
	sf_ban_lift_text(&rep.bans[3], text, sizeof text);
	ck_assert_str_eq(text, "iptables -t raw -D PREROUTING -s 203.0.113.9/32 -j DROP");
	reset();
	ck_assert_uint_eq(sf_ipt_parse(save, "198.51.100.7", "/usr/sbin/iptables", &rep), 0);
}
END_TEST

START_TEST(test_lift_quoting)
{
	struct sf_ban b;
	char text[128];

	memset(&b, 0, sizeof b);
	snprintf(b.lift[0], SF_BANS_ARG_MAX, "/usr/bin/fail2ban-client");
	snprintf(b.lift[1], SF_BANS_ARG_MAX, "it's");
	snprintf(b.lift[2], SF_BANS_ARG_MAX, "a b");
	b.nlift = 3;
	sf_ban_lift_text(&b, text, sizeof text);
	ck_assert_str_eq(text, "fail2ban-client 'it'\\''s' 'a b'");
	sf_ban_lift_text(&b, text, 10);
	ck_assert(strlen(text) < 10);
}
END_TEST

START_TEST(test_run_deadline_and_cap)
{
	struct sf_bans_cmd res;
	struct sf_error err;
	const char *sleep_argv[] = { "/bin/sh", "-c", "sleep 5", NULL };
	const char *yes_argv[] = { "/usr/bin/yes", NULL };
	const char *echo_argv[] = { "/bin/sh", "-c", "echo out; echo err >&2; exit 3", NULL };
	const char *rel_argv[] = { "sh", NULL };

	ck_assert_int_eq(sf_bans_run(sleep_argv, 300, 1024, &res, &err), -1);
	ck_assert(res.timed_out);
	sf_buf_free(&res.out);
	ck_assert_int_eq(sf_bans_run(yes_argv, 5000, 4096, &res, &err), 0);
	ck_assert(res.capped);
	ck_assert_uint_le(res.out.len, 4096);
	sf_buf_free(&res.out);
	ck_assert_int_eq(sf_bans_run(echo_argv, 5000, 4096, &res, &err), 0);
	ck_assert_int_eq(res.status, 3);
	ck_assert(strstr(res.out.data, "out") != NULL && strstr(res.out.data, "err") != NULL);
	sf_buf_free(&res.out);
	ck_assert_int_eq(sf_bans_run(rel_argv, 5000, 4096, &res, &err), -1);
	sf_buf_free(&res.out);
}
END_TEST

static void
login(struct sf_stale *s, enum sf_event_kind kind, enum sf_event_proto proto, const char *user,
	const char *addr, time_t when)
{
	struct sf_event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = kind;
	ev.proto = proto;
	ev.when = when;
	snprintf(ev.user, sizeof ev.user, "%s", user);
	snprintf(ev.address, sizeof ev.address, "%s", addr);
	sf_stale_add(s, &ev, 0);
}

START_TEST(test_stale_grouping)
{
	struct sf_stale s;
	struct sf_error err;
	struct sf_stale_finding f[SF_STALE_FINDINGS_MAX];
	time_t t0 = 1800000000;
	size_t n, i;
	int k;

	ck_assert_int_eq(sf_stale_init(&s, &err), 0);
	/* bob: the phone with the old password fails all day over SMTP;
	 * the laptop is fine. */
	for (k = 0; k < 212; k++)
		login(&s, SF_EVENT_LOGIN_FAILED, SF_PROTO_SMTP, "bob@example.com", "203.0.113.9",
			t0 + k * 60);
	for (k = 0; k < 20; k++)
		login(&s, SF_EVENT_LOGIN_OK, SF_PROTO_SMTP, "Bob@Example.com", "198.51.100.7",
			t0 + k * 600);
	/* alice mistyped once, then logged in. */
	login(&s, SF_EVENT_LOGIN_FAILED, SF_PROTO_IMAP, "alice@example.com", "192.0.2.5", t0);
	login(&s, SF_EVENT_LOGIN_OK, SF_PROTO_IMAP, "alice@example.com", "192.0.2.5", t0 + 30);
	/* carol: IMAP keeps failing from her desktop; SMTP from the same desktop
	 * works (the two programs hold different passwords). */
	for (k = 0; k < 40; k++)
		login(&s, SF_EVENT_LOGIN_FAILED, SF_PROTO_IMAP, "carol@example.com", "192.0.2.44",
			t0 + k * 120);
	for (k = 0; k < 5; k++)
		login(&s, SF_EVENT_LOGIN_OK, SF_PROTO_SMTP, "carol@example.com", "192.0.2.44",
			t0 + 10000 + k);
	/* dave failed many times and then fixed it. */
	for (k = 0; k < 30; k++)
		login(&s, SF_EVENT_LOGIN_FAILED, SF_PROTO_POP3, "dave@example.com", "192.0.2.60",
			t0 + k);
	login(&s, SF_EVENT_LOGIN_OK, SF_PROTO_POP3, "dave@example.com", "192.0.2.60", t0 + 100);
	/* failures with no user cannot be tied to an account. */
	for (k = 0; k < 50; k++)
		login(&s, SF_EVENT_LOGIN_FAILED, SF_PROTO_SMTP, "", "192.0.2.99", t0 + k);

	n = sf_stale_findings(&s, NULL, NULL, f, SF_STALE_FINDINGS_MAX);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(f[0].bad->user, "bob@example.com");
	ck_assert_str_eq(f[0].bad->address, "203.0.113.9");
	ck_assert_int_eq(f[0].bad->proto, SF_PROTO_SMTP);
	ck_assert_uint_eq(f[0].bad->failed, 212);
	ck_assert_int_eq(f[0].bad->first_failed, t0);
	ck_assert_uint_eq(f[0].nfine, 1);
	ck_assert_str_eq(f[0].fine[0]->address, "198.51.100.7");
	ck_assert_str_eq(f[1].bad->user, "carol@example.com");
	ck_assert_int_eq(f[1].bad->proto, SF_PROTO_IMAP);
	ck_assert_uint_eq(f[1].bad->failed, 40);
	ck_assert_uint_eq(f[1].nfine, 0); /* same address: not "elsewhere" */
	for (i = 0; i < n; i++) {
		ck_assert_str_ne(f[i].bad->user, "alice@example.com");
		ck_assert_str_ne(f[i].bad->user, "dave@example.com");
	}
	ck_assert_uint_eq(sf_stale_findings(&s, "BOB@example.com", NULL, f, 4), 1);
	ck_assert_uint_eq(sf_stale_findings(&s, NULL, "192.0.2.44", f, 4), 1);
	ck_assert_uint_eq(sf_stale_findings(&s, "nobody@example.com", NULL, f, 4), 0);
	sf_stale_free(&s);
}
END_TEST

/* A generated day of mail log lines (Exim's own log, Dovecot's through
 * syslog) with a known answer, read through the one line parser. */
START_TEST(test_stale_from_log_day)
{
	char path[] = "/tmp/smtpfix-bans-XXXXXX";
	struct sf_stale s;
	struct sf_error err;
	struct sf_stale_finding f[SF_STALE_FINDINGS_MAX];
	time_t now = time(NULL), start = now - 20 * 3600, t;
	size_t budget = SF_STALE_READ_MAX, n;
	FILE *fp;
	int fd, k;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	fp = fdopen(fd, "w");
	ck_assert_ptr_nonnull(fp);
	for (k = 0; k < 240; k++) {
		char stamp[32], sys[32];
		struct tm tm;

		t = start + k * 240;
		localtime_r(&t, &tm);
		strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
		strftime(sys, sizeof sys, "%b %e %H:%M:%S", &tm);
		/* bob's phone: the old password over SMTP, all day */
		fprintf(fp,
			"%s dovecot_login authenticator failed for (phone) [203.0.113.9]:5%04d "
			"I=[10.0.0.2]:587: 535 Incorrect authentication data "
			"(set_id=bob@example.com)\n",
			stamp, k);
		/* bob's laptop: fine */
		if (k % 12 == 0)
			fprintf(fp,
				"%s 1tXyZa-0001%02d-AB <= bob@example.com H=(laptop) "
				"[198.51.100.7]:51000 I=[10.0.0.2]:587 P=esmtpsa "
				"X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no "
				"A=dovecot_plain:bob@example.com S=1234 id=m%d@laptop\n",
				stamp, k % 100, k);
		/* carol's tablet: IMAP with an old password, SMTP fine */
		if (k % 4 == 0) {
			fprintf(fp,
				"%s mail dovecot: imap-login: Disconnected (auth failed, 1 "
				"attempts in 2 secs): user=<carol@example.com>, method=PLAIN, "
				"rip=192.0.2.44, lip=10.0.0.2, TLS, session=<s%d>\n",
				sys, k);
			fprintf(fp,
				"%s mail dovecot: imap-login: Login: user=<carol@example.com>, "
				"method=PLAIN, rip=198.51.100.20, lip=10.0.0.2, mpid=%d, TLS, "
				"session=<o%d>\n",
				sys, 1000 + k, k);
		}
	}
	/* alice mistyped once in the morning and then logged in. */
	t = start + 3600;
	{
		char sys[32];
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(sys, sizeof sys, "%b %e %H:%M:%S", &tm);
		fprintf(fp,
			"%s mail dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 "
			"secs): user=<alice@example.com>, method=PLAIN, rip=192.0.2.5, "
			"lip=10.0.0.2, TLS, session=<a1>\n",
			sys);
		fprintf(fp,
			"%s mail dovecot: imap-login: Login: user=<alice@example.com>, "
			"method=PLAIN, rip=192.0.2.5, lip=10.0.0.2, mpid=1, TLS, session=<a2>\n",
			sys);
	}
	fclose(fp);

	ck_assert_int_eq(sf_stale_init(&s, &err), 0);
	ck_assert_int_eq(sf_stale_read_log(&s, NULL, path, now - 86400, now, &budget, &err), 0);
	unlink(path);
	n = sf_stale_findings(&s, NULL, NULL, f, SF_STALE_FINDINGS_MAX);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(f[0].bad->user, "bob@example.com");
	ck_assert_str_eq(f[0].bad->address, "203.0.113.9");
	ck_assert_int_eq(f[0].bad->proto, SF_PROTO_SMTP);
	ck_assert_uint_eq(f[0].bad->failed, 240);
	ck_assert_uint_eq(f[0].nfine, 1);
	ck_assert_str_eq(f[0].fine[0]->address, "198.51.100.7");
	ck_assert_str_eq(f[1].bad->user, "carol@example.com");
	ck_assert_int_eq(f[1].bad->proto, SF_PROTO_IMAP);
	ck_assert_uint_eq(f[1].bad->failed, 60);
	ck_assert_uint_eq(f[1].nfine, 1);
	ck_assert_str_eq(f[1].fine[0]->address, "198.51.100.20");
	sf_stale_free(&s);
}
END_TEST

Suite *
bans_suite(void)
{
	Suite *s = suite_create("bans");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_address_checks);
	tcase_add_test(tc, test_entry_matches);
	tcase_add_test(tc, test_fail2ban_client_output);
	tcase_add_test(tc, test_fail2ban_conf);
	tcase_add_test(tc, test_csf_deny);
	tcase_add_test(tc, test_csf_tempban);
	tcase_add_test(tc, test_log_lines);
	tcase_add_test(tc, test_cphulk);
	tcase_add_test(tc, test_exim_lists);
	tcase_add_test(tc, test_nft);
	tcase_add_test(tc, test_iptables);
	tcase_add_test(tc, test_lift_quoting);
	tcase_add_test(tc, test_run_deadline_and_cap);
	tcase_add_test(tc, test_stale_grouping);
	tcase_add_test(tc, test_stale_from_log_day);
	suite_add_tcase(s, tc);
	return s;
}
