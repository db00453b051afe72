#define _GNU_SOURCE /* memmem in the fixtures */
/* The mail log: each line format classified, and whole files scanned,
 * plain and gzip, with grouping and the --since window. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "smtpfix/mta_log.h"
#include "unit/fixture.h"
#include "unit/suites.h"

#define FIXTURES "tests/fixtures/logs/"

/* 2026-11-30 00:00:00 UTC: the fixtures' "now". */
#define NOW ((time_t)1796083200)

static struct sf_log_hit h;

static bool
classify(const char *line)
{
	return sf_log_classify(line, strlen(line), NOW, &h);
}

START_TEST(exim_lines)
{
	ck_assert(classify("2026-11-28 09:00:02 H=(PC) [203.0.113.5]:52144 F=<u@example.com> rejected RCPT "
			   "<x@example.net>: SMTP AUTH is required for message submission on port 587"));
	ck_assert_int_eq(h.kind, SF_LOG_SUBMISSION_AUTH_REQUIRED);
	ck_assert_str_eq(h.address, "203.0.113.5");
	ck_assert_int_eq(h.port, 587);
	ck_assert_int_ne(h.when, 0);

	ck_assert(classify("2026-11-29 08:31:00 H=(l) [198.51.100.7]:40001 I=[192.0.2.10]:2525 F=<a@x> "
			   "rejected RCPT <b@y>: SMTP AUTH is required for message submission on port 587"));
	ck_assert_int_eq(h.port, 2525); /* I= says which port really */

	ck_assert(classify("2026-11-29 08:30:00 SMTP connection from (l) [198.51.100.7]:40000 D=0s closed by DROP in ACL"));
	ck_assert_int_eq(h.kind, SF_LOG_DROPPED);
	ck_assert_str_eq(h.address, "198.51.100.7");

	/* Both forms of Exim's AUTH failure (4.99 added H=). */
	ck_assert(classify("x dovecot_login authenticator failed for (PC) [203.0.113.5]:52300: 535 Incorrect "
			   "authentication data (set_id=u@example.com)"));
	ck_assert_int_eq(h.kind, SF_LOG_AUTH_FAILED);
	ck_assert_str_eq(h.user, "u@example.com");
	ck_assert(classify("x dovecot_login authenticator failed for H=(PC) [203.0.113.5]:52301: 535 Incorrect "
			   "authentication data (set_id=u@example.com)"));
	ck_assert_str_eq(h.address, "203.0.113.5");
	ck_assert(classify("x dovecot_plain authenticator failed for (x) [2001:db8::5]:1: 535 Incorrect"));
	ck_assert_str_eq(h.address, "2001:db8::5");
	ck_assert_str_eq(h.user, "");

	ck_assert(classify("x SMTP protocol error in \"AUTH LOGIN\" H=(PC) [203.0.113.5]:1 AUTH command used when not advertised"));
	ck_assert_int_eq(h.kind, SF_LOG_AUTH_NOT_ADVERTISED);

	ck_assert(classify("x <= u@example.com H=(PC) [203.0.113.5]:1 P=esmtpa A=dovecot_login:u@example.com S=1"));
	ck_assert_int_eq(h.kind, SF_LOG_PLAINTEXT_AUTH_ACCEPTED);
	ck_assert_str_eq(h.user, "u@example.com");
	/* From loopback it says nothing about remote clients. */
	ck_assert(!classify("x <= u@example.com H=localhost [127.0.0.1]:1 P=esmtpa A=dovecot_login:u@example.com"));
	ck_assert(!classify("x <= u@example.com H=(PC) [203.0.113.5]:1 P=esmtpsa A=dovecot_login:u"));
	ck_assert(!classify("2026-11-29 09:43:00 a delay of 5s was applied"));
}
END_TEST

START_TEST(postfix_and_dovecot_lines)
{
	ck_assert(classify("Nov 29 10:00:00 mail postfix/submission/smtpd[1]: NOQUEUE: reject: RCPT from "
			   "unknown[203.0.113.20]: 554 5.7.1 <x@e>: Relay access denied; from=<a@e> to=<x@e>"));
	ck_assert_int_eq(h.kind, SF_LOG_RELAY_DENIED);
	ck_assert_str_eq(h.address, "203.0.113.20");
	ck_assert_int_eq(h.port, 587);

	ck_assert(classify("Nov 29 10:01:00 mail postfix/smtpd[1]: warning: unknown[203.0.113.21]: SASL LOGIN "
			   "authentication failed: UGFzc3dvcmQ6"));
	ck_assert_int_eq(h.kind, SF_LOG_AUTH_FAILED);
	ck_assert_int_eq(h.port, 25);
	ck_assert_str_eq(h.user, "");
	ck_assert(classify("Nov 29 10:02:00 mail postfix/submission/smtpd[1]: warning: unknown[203.0.113.21]: "
			   "SASL PLAIN authentication failed: x, sasl_username=bob@example.com"));
	ck_assert_str_eq(h.user, "bob@example.com");

	ck_assert(classify("Nov 29 10:03:00 mail postfix/smtpd[1]: SSL_accept error from unknown[203.0.113.22]: lost"));
	ck_assert_int_eq(h.kind, SF_LOG_TLS_ERROR);

	ck_assert(classify("Nov 29 10:04:00 mail dovecot: imap-login: Aborted login (tried to use disallowed "
			   "plaintext auth): user=<>, rip=203.0.113.23, lip=192.0.2.10"));
	ck_assert_int_eq(h.kind, SF_LOG_PLAINTEXT_LOGIN_REFUSED);
	ck_assert_str_eq(h.address, "203.0.113.23");
	ck_assert_int_eq(h.port, 143);
	ck_assert(classify("Nov 29 10:05:00 mail dovecot: pop3-login: Disconnected (tried to use disabled "
			   "plaintext auth): user=<carol@example.com>, rip=203.0.113.24, lip=x"));
	ck_assert_str_eq(h.user, "carol@example.com");
}
END_TEST

START_TEST(time_stamps)
{
	struct tm tm;
	time_t t;

	t = sf_log_time("2026-11-29T10:00:01Z x", 22, NOW);
	gmtime_r(&t, &tm);
	ck_assert_int_eq(tm.tm_hour, 10);
	ck_assert_int_eq(tm.tm_sec, 1);
	t = sf_log_time("2026-11-29T11:00:00.123456+01:00 x", 34, NOW);
	gmtime_r(&t, &tm);
	ck_assert_int_eq(tm.tm_hour, 10);
	/* A syslog stamp later in the year than now belongs to last year. */
	t = sf_log_time("Dec 31 23:00:00 host x", 22, NOW);
	localtime_r(&t, &tm);
	ck_assert_int_eq(tm.tm_year + 1900, 2025);
	t = sf_log_time("Nov  3 01:02:03 host x", 22, NOW);
	localtime_r(&t, &tm);
	ck_assert_int_eq(tm.tm_mday, 3);
	ck_assert_int_eq(tm.tm_year + 1900, 2026);
	ck_assert_int_eq(sf_log_time("garbage", 7, NOW), 0);
	ck_assert_int_eq(sf_log_time("Foo 29 10:00:00 x", 17, NOW), 0);
}
END_TEST

static const struct sf_log_group *
group(const struct sf_log_scan *s, enum sf_log_kind k, const char *addr)
{
	size_t i;

	for (i = 0; i < s->ngroups; i++)
		if (s->groups[i].kind == k && strcmp(s->groups[i].address, addr) == 0)
			return &s->groups[i];
	return NULL;
}

START_TEST(exim_file_grouped_within_since)
{
	struct sf_log_scan s;
	struct sf_error err;
	const struct sf_log_group *g;

	sf_log_scan_init(&s, NOW - 7 * 86400, NOW);
	ck_assert_int_eq(sf_log_scan_file(&s, FIXTURES "exim_mainlog", &err), 0);
	g = group(&s, SF_LOG_SUBMISSION_AUTH_REQUIRED, "203.0.113.5");
	ck_assert_ptr_nonnull(g);
	ck_assert_uint_eq(g->count, 2);
	ck_assert_int_lt(g->first, g->last);
	/* The 2020 line is outside the window. */
	ck_assert_ptr_null(group(&s, SF_LOG_SUBMISSION_AUTH_REQUIRED, "203.0.113.99"));
	ck_assert_uint_eq(group(&s, SF_LOG_AUTH_FAILED, "203.0.113.5")->count, 2);
	ck_assert_uint_eq(group(&s, SF_LOG_RELAY_DENIED, "203.0.113.9")->count, 2);
	ck_assert_uint_eq(group(&s, SF_LOG_DROPPED, "203.0.113.5")->count, 1);
	ck_assert_ptr_nonnull(group(&s, SF_LOG_TLS_ERROR, "192.0.2.77"));
	ck_assert_ptr_nonnull(group(&s, SF_LOG_AUTH_NOT_ADVERTISED, "203.0.113.5"));
	ck_assert_uint_eq(group(&s, SF_LOG_PLAINTEXT_AUTH_ACCEPTED, "203.0.113.5")->count, 1);
	ck_assert_uint_eq(s.files[0].lines_matched, 15);
	sf_log_scan_free(&s);
}
END_TEST

START_TEST(gzip_and_syslog_files)
{
	struct sf_log_scan s;
	struct sf_error err;
	char path[300], buf[8192];
	FILE *in;
	gzFile gz;
	size_t n;

	fx_make_dir();
	snprintf(path, sizeof path, "%s/maillog.1.gz", fx_dir);
	in = fopen(FIXTURES "maillog", "r");
	gz = gzopen(path, "wb");
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		gzwrite(gz, buf, (unsigned)n);
	gzclose(gz);
	fclose(in);
	sf_log_scan_init(&s, NOW - 7 * 86400, NOW);
	ck_assert_int_eq(sf_log_scan_file(&s, path, &err), 0);
	ck_assert(s.files[0].gzip);
	ck_assert_uint_eq(s.files[0].lines_matched, 7);
	ck_assert_uint_eq(group(&s, SF_LOG_AUTH_FAILED, "203.0.113.21")->count, 1);
	ck_assert_ptr_nonnull(group(&s, SF_LOG_PLAINTEXT_LOGIN_REFUSED, "203.0.113.24"));
	ck_assert_int_eq(sf_log_scan_file(&s, FIXTURES "mail.log.rfc3339", &err), 0);
	ck_assert_ptr_nonnull(group(&s, SF_LOG_RELAY_DENIED, "203.0.113.30"));
	ck_assert_int_eq(sf_log_scan_file(&s, "/nonexistent/maillog", &err), -1);
	ck_assert_str_eq(s.files[2].error, "No such file or directory");
	sf_log_scan_free(&s);
	fx_remove_dir();
}
END_TEST

START_TEST(hostile_log_bytes)
{
	static const char last[] =
		"2026-11-29 08:30:00 SMTP connection from [203.0.113.66]:1 closed by DROP in ACL";
	struct sf_log_scan s;
	struct sf_error err;
	char path[300];
	FILE *f;
	size_t i;

	/* NUL bytes, a 100 KB line holding a key, invalid UTF-8, and a
	 * matching last line without a newline. */
	fx_make_dir();
	snprintf(path, sizeof path, "%s/evil.log", fx_dir);
	f = fopen(path, "wb");
	fwrite("\0\0\xff\xfe garbage\n", 1, 14, f);
	for (i = 0; i < 100000; i++)
		fputc('A' + (int)(i % 26), f);
	fputs(" closed by DROP in ACL\n", f);
	fputs(last, f);
	fclose(f);
	sf_log_scan_init(&s, 0, NOW);
	ck_assert_int_eq(sf_log_scan_file(&s, path, &err), 0);
	ck_assert_uint_eq(s.files[0].bytes, 14 + 100000 + 23 + strlen(last));
	ck_assert_ptr_nonnull(group(&s, SF_LOG_DROPPED, "203.0.113.66"));
	sf_log_scan_free(&s);
	fx_remove_dir();
}
END_TEST

Suite *
mta_log_suite(void)
{
	Suite *s = suite_create("mta-log");
	TCase *tc = tcase_create("log");

	tcase_add_test(tc, exim_lines);
	tcase_add_test(tc, postfix_and_dovecot_lines);
	tcase_add_test(tc, time_stamps);
	tcase_add_test(tc, exim_file_grouped_within_since);
	tcase_add_test(tc, gzip_and_syslog_files);
	tcase_add_test(tc, hostile_log_bytes);
	suite_add_tcase(s, tc);
	return s;
}
