#include <stdlib.h>
#include <string.h>

#include "smtpfix/smtp_ehlo.h"
#include "smtpfix/smtp_reply.h"
#include "unit/suites.h"

/* Feed text in pieces of `chunk` bytes; return the first reply's result. */
static int
parse(const char *text, size_t len, size_t chunk, struct sf_reply *r, struct sf_error *err)
{
	struct sf_reply_parser p;
	size_t off = 0;
	int rc = 0;

	sf_reply_parser_init(&p);
	memset(r, 0, sizeof *r);
	while (off < len && rc == 0) {
		size_t n = len - off < chunk ? len - off : chunk;

		if (sf_reply_parser_feed(&p, text + off, n, err) < 0) {
			rc = -1;
			break;
		}
		off += n;
		rc = sf_reply_parser_next(&p, r, NULL, NULL, err);
	}
	sf_reply_parser_free(&p);
	return rc;
}

START_TEST(single_line_reply)
{
	struct sf_reply r;
	struct sf_error err;

	ck_assert_int_eq(parse("220 mx.example ESMTP\r\n", 22, 100, &r, &err), 1);
	ck_assert_int_eq(r.code, 220);
	ck_assert_str_eq(r.text, "mx.example ESMTP");
	ck_assert_uint_eq(r.nlines, 1);
	ck_assert(!r.bare_lf);
	sf_reply_free(&r);
}
END_TEST

START_TEST(multi_line_reply_byte_by_byte)
{
	static const char t[] = "250-mx hello\r\n250-SIZE 1000\r\n250 HELP\r\n";
	struct sf_reply r;
	struct sf_error err;

	ck_assert_int_eq(parse(t, sizeof t - 1, 1, &r, &err), 1);
	ck_assert_int_eq(r.code, 250);
	ck_assert_str_eq(r.text, "mx hello\nSIZE 1000\nHELP");
	ck_assert_uint_eq(r.nlines, 3);
	sf_reply_free(&r);
}
END_TEST

START_TEST(enhanced_codes)
{
	struct sf_reply r;
	struct sf_error err;
	char out[16];

	ck_assert_int_eq(parse("550 5.7.1 Relay denied\r\n", 24, 100, &r, &err), 1);
	ck_assert_str_eq(r.enhanced, "5.7.1");
	sf_reply_free(&r);
	/* The class must match the reply code's first digit. */
	ck_assert_int_eq(parse("550 4.7.1 odd\r\n", 15, 100, &r, &err), 1);
	ck_assert_str_eq(r.enhanced, "");
	sf_reply_free(&r);
	ck_assert_uint_eq(
		sf_parse_enhanced("5.7.57 Client not authenticated", 31, 5, out, sizeof out), 6);
	ck_assert_str_eq(out, "5.7.57");
	ck_assert_uint_eq(sf_parse_enhanced("5.7", 3, 5, out, sizeof out), 0);
	ck_assert_uint_eq(sf_parse_enhanced("5.7.1234 x", 10, 5, out, sizeof out), 0);
	ck_assert_uint_eq(sf_parse_enhanced("5.7.1", 5, 5, out, sizeof out), 5);
}
END_TEST

START_TEST(bare_code_and_bare_lf)
{
	struct sf_reply r;
	struct sf_error err;

	ck_assert_int_eq(parse("250\n", 4, 100, &r, &err), 1);
	ck_assert_int_eq(r.code, 250);
	ck_assert_str_eq(r.text, "");
	ck_assert(r.bare_lf);
	sf_reply_free(&r);
}
END_TEST

START_TEST(malformed_replies_are_protocol_errors)
{
	static const char *const bad[] = {
		"hello there\r\n",
		"2x0 hm\r\n",
		"999 out of range\r\n",
		"160 low\r\n",
		"250_bad separator\r\n",
		"25\r\n",
		"260 second digit\r\n",
	};
	struct sf_reply r;
	struct sf_error err;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(
			parse(bad[i], strlen(bad[i]), 100, &r, &err) == -1, "accepted %s", bad[i]);
		ck_assert_int_eq(err.code, SF_E_PROTOCOL);
	}
}
END_TEST

START_TEST(code_change_mid_reply_is_an_error)
{
	struct sf_reply r;
	struct sf_error err;

	ck_assert_int_eq(parse("250-a\r\n550 b\r\n", 14, 100, &r, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "from 250 to 550"));
}
END_TEST

START_TEST(nul_byte_is_an_error)
{
	struct sf_reply r;
	struct sf_error err;

	ck_assert_int_eq(parse("220 a\0b\r\n", 9, 100, &r, &err), -1);
	ck_assert_int_eq(err.code, SF_E_PROTOCOL);
	ck_assert_ptr_nonnull(strstr(err.message, "NUL"));
}
END_TEST

START_TEST(limits_are_enforced)
{
	struct sf_reply r;
	struct sf_error err;
	size_t n = SF_SMTP_LINE_MAX + 10, i;
	char *big = malloc(n);
	char *many = malloc((SF_SMTP_REPLY_MAX_LINES + 2) * 8);

	/* A line with no end. */
	memset(big, 'a', n);
	memcpy(big, "220 ", 4);
	ck_assert_int_eq(parse(big, n, 1000, &r, &err), -1);
	ck_assert_int_eq(err.code, SF_E_TOO_LONG);
	/* A reply with too many lines. */
	for (i = 0; i < SF_SMTP_REPLY_MAX_LINES + 2; i++)
		memcpy(many + i * 8, "250-xx\r\n", 8);
	ck_assert_int_eq(parse(many, (SF_SMTP_REPLY_MAX_LINES + 2) * 8, 8, &r, &err), -1);
	ck_assert_int_eq(err.code, SF_E_TOO_LONG);
	ck_assert_ptr_nonnull(strstr(err.message, "lines"));
	free(big);
	free(many);
}
END_TEST

START_TEST(two_replies_in_one_read)
{
	struct sf_reply_parser p;
	struct sf_reply r;
	struct sf_error err;

	sf_reply_parser_init(&p);
	ck_assert_int_eq(sf_reply_parser_feed(&p, "220 go\r\n250 more\r\n", 18, &err), 0);
	ck_assert_int_eq(sf_reply_parser_next(&p, &r, NULL, NULL, &err), 1);
	ck_assert_int_eq(r.code, 220);
	ck_assert_uint_eq(sf_reply_parser_pending(&p), 10);
	sf_reply_free(&r);
	ck_assert_int_eq(sf_reply_parser_next(&p, &r, NULL, NULL, &err), 1);
	ck_assert_int_eq(r.code, 250);
	ck_assert_uint_eq(sf_reply_parser_pending(&p), 0);
	sf_reply_free(&r);
	sf_reply_parser_free(&p);
}
END_TEST

static void
ehlo_from(const char *text, struct sf_ehlo *e)
{
	struct sf_reply r;
	struct sf_error err;

	ck_assert_int_eq(parse(text, strlen(text), 4096, &r, &err), 1);
	ck_assert_int_eq(sf_ehlo_parse(e, &r, &err), 0);
	sf_reply_free(&r);
}

START_TEST(ehlo_extensions)
{
	struct sf_ehlo e;

	ehlo_from("250-mx.example Hello\r\n250-SIZE 52428800\r\n250-8BITMIME\r\n"
		  "250-PIPELINING\r\n250-AUTH PLAIN LOGIN CRAM-MD5\r\n250-AUTH=PLAIN LOGIN\r\n"
		  "250-ENHANCEDSTATUSCODES\r\n250-CHUNKING\r\n250-SMTPUTF8\r\n250 STARTTLS\r\n",
		&e);
	ck_assert(e.starttls && e.pipelining && e.eightbitmime && e.smtputf8);
	ck_assert(e.enhancedstatuscodes && e.chunking && e.size_known);
	ck_assert(e.size == 52428800ULL);
	ck_assert(e.auth_offered && e.auth_old_form);
	ck_assert_uint_eq(e.nauth, 3);
	ck_assert_str_eq(e.auth[0], "PLAIN");
	ck_assert_str_eq(e.auth[2], "CRAM-MD5");
	ck_assert(sf_ehlo_has_auth(&e, "login"));
	ck_assert(!sf_ehlo_has_auth(&e, "XOAUTH2"));
	ck_assert_uint_eq(e.nextensions, 9);
	ck_assert_str_eq(e.extensions[4], "AUTH=PLAIN LOGIN");
	sf_ehlo_free(&e);
}
END_TEST

START_TEST(ehlo_without_auth_and_odd_case)
{
	struct sf_ehlo e;

	ehlo_from("250-mx\r\n250-starttls\r\n250-auth=login\r\n250 size\r\n", &e);
	ck_assert(e.starttls);
	ck_assert(e.auth_offered && e.auth_old_form);
	ck_assert_str_eq(e.auth[0], "LOGIN");
	ck_assert(e.size_known && e.size == 0);
	sf_ehlo_free(&e);

	ehlo_from("250 mx.example only a greeting\r\n", &e);
	ck_assert(!e.starttls && !e.auth_offered);
	ck_assert_uint_eq(e.nextensions, 0);
	sf_ehlo_free(&e);
}
END_TEST

Suite *
reply_suite(void)
{
	Suite *s = suite_create("reply");
	TCase *tc = tcase_create("reply");

	tcase_add_test(tc, single_line_reply);
	tcase_add_test(tc, multi_line_reply_byte_by_byte);
	tcase_add_test(tc, enhanced_codes);
	tcase_add_test(tc, bare_code_and_bare_lf);
	tcase_add_test(tc, malformed_replies_are_protocol_errors);
	tcase_add_test(tc, code_change_mid_reply_is_an_error);
	tcase_add_test(tc, nul_byte_is_an_error);
	tcase_add_test(tc, limits_are_enforced);
	tcase_add_test(tc, two_replies_in_one_read);
	suite_add_tcase(s, tc);
	return s;
}

Suite *
ehlo_suite(void)
{
	Suite *s = suite_create("ehlo");
	TCase *tc = tcase_create("ehlo");

	tcase_add_test(tc, ehlo_extensions);
	tcase_add_test(tc, ehlo_without_auth_and_odd_case);
	suite_add_tcase(s, tc);
	return s;
}
