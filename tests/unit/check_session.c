/* The sans-I/O session driven by byte scripts: no socket, no TLS, no clock.
 * A script is a list of steps:
 *   "S:bytes"  the server sends bytes
 *   "C:line"   smtpfix must now send exactly this line (CRLF added)
 *   "T" / "t"  the TLS handshake is asked for and succeeds / fails
 *   "E" / "R"  the server closes / resets the connection
 *   "X"        the deadline passes
 *   "D"        the session must be done */
#include <stdio.h>
#include <string.h>

#include "smtpfix/smtp_session.h"
#include "unit/suites.h"

static void
run(struct sf_session *s, const char *const *script)
{
	size_t i, len;
	const char *out;
	char want[512];

	for (i = 0; script[i] != NULL; i++) {
		const char *st = script[i];

		switch (st[0]) {
		case 'S':
			ck_assert_msg(
				sf_session_want(s) == SF_WANT_READ, "step %zu: not reading", i);
			sf_session_feed(s, st + 2, strlen(st + 2));
			break;
		case 'C':
			ck_assert_msg(sf_session_want(s) == SF_WANT_WRITE,
				"step %zu: nothing to send (%s)", i, s->res.fail_message);
			out = sf_session_output(s, &len);
			snprintf(want, sizeof want, "%s\r\n", st + 2);
			ck_assert_uint_eq(len, strlen(want));
			ck_assert_msg(memcmp(out, want, len) == 0, "step %zu: sent %.*s", i,
				(int)len, out);
			sf_session_output_done(s, len);
			sf_session_feed(s, NULL, 0);
			break;
		case 'T':
		case 't':
			ck_assert_msg(
				sf_session_want(s) == SF_WANT_TLS, "step %zu: no TLS wanted", i);
			sf_session_tls_done(s, st[0] == 'T', "bad record mac");
			break;
		case 'E':
		case 'R': sf_session_eof(s, st[0] == 'R'); break;
		case 'X': sf_session_timeout(s, 1500); break;
		case 'D':
			ck_assert_msg(sf_session_want(s) == SF_WANT_DONE, "step %zu: not done", i);
			break;
		default:
			/* A step the runner does not know is a broken test, not one
			 * to skip: it would check nothing. */
			ck_abort_msg("step %zu: unknown kind '%c' in \"%s\"", i, st[0], st);
		}
	}
}

static void
start(struct sf_session *s, enum sf_tls_policy tls, bool rcpt_test)
{
	struct sf_session_config cfg = { .tls = tls,
		.ehlo_name = "client.example",
		.mail_from = "a@example.com",
		.rcpt_to = "b@example.net",
		.rcpt_test = rcpt_test };

	sf_session_init(s, &cfg);
}

#define EHLO_TLS_ONLY "S:250-mx\r\n250-PIPELINING\r\n250 STARTTLS\r\n"
#define EHLO_AUTH "S:250-mx\r\n250-AUTH PLAIN LOGIN\r\n250 HELP\r\n"

START_TEST(the_cpanel_case_over_starttls)
{
	struct sf_session s;
	static const char *const script[] = { "S:220 mx ESMTP\r\n", "C:EHLO client.example",
		EHLO_TLS_ONLY, "C:STARTTLS", "S:220 TLS go ahead\r\n", "T", "C:EHLO client.example",
		EHLO_AUTH, "C:MAIL FROM:<a@example.com>", "S:250 OK\r\n",
		"C:RCPT TO:<b@example.net>",
		"S:550 SMTP AUTH is required for message submission on port 587\r\n", "C:RSET", "E",
		"D", NULL };

	start(&s, SF_TLS_IF_OFFERED, true);
	run(&s, script);
	ck_assert(s.res.tls_active && s.res.starttls_offered);
	ck_assert(s.res.caps_valid && !s.res.caps.auth_offered);
	ck_assert(s.res.caps_tls_valid && s.res.caps_tls.nauth == 2);
	ck_assert_int_eq(s.res.rcpt.reply.code, 550);
	ck_assert(s.res.rcpt.disconnected);
	ck_assert_int_eq(s.res.fail_code, SF_OK);
	sf_session_free(&s);
}
END_TEST

START_TEST(plain_policy_never_upgrades)
{
	struct sf_session s;
	static const char *const script[] = { "S:220 mx\r\n", "C:EHLO client.example",
		EHLO_TLS_ONLY, "C:MAIL FROM:<a@example.com>", "S:250 OK\r\n",
		"C:RCPT TO:<b@example.net>", "S:550 5.7.1 relay not permitted\r\n", "C:RSET",
		"S:250 Reset OK\r\n", "C:QUIT", "S:221 bye\r\n", "D", NULL };

	start(&s, SF_TLS_NEVER, true);
	run(&s, script);
	ck_assert(!s.res.tls_active && !s.res.starttls.sent);
	ck_assert_str_eq(s.res.rcpt.reply.enhanced, "5.7.1");
	ck_assert(!s.res.rcpt.disconnected);
	ck_assert(s.res.quit.replied);
	sf_session_free(&s);
}
END_TEST

START_TEST(required_tls_stops_when_not_offered)
{
	struct sf_session s;
	static const char *const script[] = { "S:220 mx\r\n", "C:EHLO client.example", EHLO_AUTH,
		"C:QUIT", "S:221 bye\r\n", "D", NULL };

	start(&s, SF_TLS_REQUIRED, true);
	run(&s, script);
	ck_assert(!s.res.starttls_offered && !s.res.mail.sent);
	sf_session_free(&s);
}
END_TEST

START_TEST(starttls_refused_goes_on_when_optional)
{
	struct sf_session s;
	static const char *const script[] = { "S:220 mx\r\n", "C:EHLO client.example",
		EHLO_TLS_ONLY, "C:STARTTLS",
		"S:454 4.7.0 TLS not available due to temporary reason\r\n",
		"C:MAIL FROM:<a@example.com>",
		"S:530 5.7.0 Must issue a STARTTLS command first\r\n", "C:QUIT", "S:221 bye\r\n",
		"D", NULL };

	start(&s, SF_TLS_IF_OFFERED, true);
	run(&s, script);
	ck_assert_int_eq(s.res.starttls.reply.code, 454);
	ck_assert_int_eq(s.res.mail.reply.code, 530);
	ck_assert(!s.res.rcpt.sent);
	sf_session_free(&s);
}
END_TEST

START_TEST(ehlo_refused_falls_back_to_helo)
{
	struct sf_session s;
	static const char *const script[] = { "S:220 old\r\n", "C:EHLO client.example",
		"S:502 unrecognized command\r\n", "C:HELO client.example", "S:250 old\r\n",
		"C:MAIL FROM:<a@example.com>", NULL };

	start(&s, SF_TLS_IF_OFFERED, true);
	run(&s, script);
	ck_assert(s.res.helo.replied && !s.res.caps_valid);
	sf_session_free(&s);
}
END_TEST

START_TEST(greeting_refusal_quits)
{
	struct sf_session s;
	static const char *const script[] = { "S:554 5.7.1 no service for you\r\n", "C:QUIT", "E",
		"D", NULL };

	start(&s, SF_TLS_IF_OFFERED, true);
	run(&s, script);
	ck_assert_int_eq(s.res.greeting.reply.code, 554);
	ck_assert(!s.res.ehlo.sent);
	sf_session_free(&s);
}
END_TEST

START_TEST(bytes_after_starttls_reply_are_refused)
{
	struct sf_session s;
	static const char *const script[] = { "S:220 mx\r\n", "C:EHLO client.example",
		EHLO_TLS_ONLY, "C:STARTTLS", "S:220 go ahead\r\n250 injected\r\n", "D", NULL };

	start(&s, SF_TLS_IF_OFFERED, true);
	run(&s, script);
	ck_assert(s.res.starttls_trailing);
	ck_assert_int_eq(s.res.fail_code, SF_E_PROTOCOL);
	ck_assert(!s.res.tls_active);
	sf_session_free(&s);
}
END_TEST

START_TEST(implicit_tls_records_ehlo_as_after_tls)
{
	struct sf_session s;
	static const char *const script[] = { "S:220 mx\r\n", "C:EHLO client.example", EHLO_AUTH,
		"C:QUIT", "S:221 bye\r\n", "D", NULL };

	start(&s, SF_TLS_IMPLICIT, false);
	run(&s, script);
	ck_assert(s.res.tls_active && !s.res.caps_valid && s.res.caps_tls_valid);
	ck_assert(!s.res.ehlo.sent && s.res.ehlo_tls.replied);
	sf_session_free(&s);
}
END_TEST

START_TEST(failures_name_the_step)
{
	struct sf_session s;
	static const char *const timeout_script[] = { "S:220-partial\r\n", "X", "D", NULL };
	static const char *const reset_script[] = { "S:220 mx\r\n", "C:EHLO client.example",
		"S:250-mx\r\n", "R", "D", NULL };
	static const char *const tls_script[] = { "S:220 mx\r\n", "C:EHLO client.example",
		EHLO_TLS_ONLY, "C:STARTTLS", "S:220 go\r\n", "t", "D", NULL };
	static const char *const silent_close[] = { "E", "D", NULL };

	start(&s, SF_TLS_IF_OFFERED, true);
	run(&s, timeout_script);
	ck_assert_int_eq(s.res.fail_code, SF_E_TIMEOUT);
	ck_assert_int_eq(s.res.fail_step, SF_STEP_GREETING);
	ck_assert_str_eq(s.res.fail_message, "no complete answer to the greeting within 1.5 s (the "
					     "server sent part of a reply)");
	sf_session_free(&s);

	start(&s, SF_TLS_IF_OFFERED, true);
	run(&s, reset_script);
	ck_assert_int_eq(s.res.fail_code, SF_E_RESET);
	ck_assert_int_eq(s.res.fail_step, SF_STEP_EHLO);
	ck_assert_ptr_nonnull(strstr(s.res.fail_message, "middle of a reply"));
	sf_session_free(&s);

	start(&s, SF_TLS_IF_OFFERED, true);
	run(&s, tls_script);
	ck_assert_int_eq(s.res.fail_code, SF_E_TLS);
	ck_assert_str_eq(s.res.fail_message, "TLS handshake failed: bad record mac");
	sf_session_free(&s);

	start(&s, SF_TLS_IF_OFFERED, true);
	run(&s, silent_close);
	ck_assert_int_eq(s.res.fail_code, SF_E_CLOSED);
	ck_assert_str_eq(s.res.fail_message, "the server closed the connection without a greeting");
	sf_session_free(&s);
}
END_TEST

START_TEST(mail_drop_marks_disconnect_on_mail)
{
	struct sf_session s;
	static const char *const script[] = { "S:220 mx\r\n", "C:EHLO client.example", EHLO_AUTH,
		"C:MAIL FROM:<a@example.com>", "S:550 go away\r\n", "C:QUIT", "E", "D", NULL };

	start(&s, SF_TLS_NEVER, true);
	run(&s, script);
	ck_assert(s.res.mail.disconnected);
	ck_assert(!s.res.rcpt.sent);
	sf_session_free(&s);
}
END_TEST

START_TEST(transcript_is_kept)
{
	struct sf_session s;
	struct sf_transcript tr;
	struct sf_session_config cfg = { .tls = SF_TLS_NEVER,
		.ehlo_name = "c.example",
		.mail_from = "a@b.example",
		.rcpt_to = "c@d.example",
		.transcript = &tr };
	static const char *const script[] = { "S:220 mx\r\n", "C:EHLO c.example", "S:250 mx\r\n",
		"C:QUIT", "S:221 bye\r\n", "D", NULL };

	sf_transcript_init(&tr, NULL);
	sf_session_init(&s, &cfg);
	run(&s, script);
	ck_assert_uint_eq(tr.count, 5);
	ck_assert_int_eq(tr.entries[0].dir, SF_DIR_SERVER);
	ck_assert_str_eq(tr.entries[1].text, "EHLO c.example");
	ck_assert_int_eq(tr.entries[1].dir, SF_DIR_CLIENT);
	ck_assert_str_eq(tr.entries[4].text, "221 bye");
	sf_session_free(&s);
	sf_transcript_free(&tr);
}
END_TEST

START_TEST(no_reply_to_quit_is_no_failure)
{
	struct sf_session s;
	static const char *const script[] = { "S:220 mx\r\n", "C:EHLO client.example", EHLO_AUTH,
		"C:QUIT", "X", "D", NULL };

	start(&s, SF_TLS_NEVER, false);
	run(&s, script);
	ck_assert_int_eq(s.res.fail_code, SF_OK);
	ck_assert(!s.res.quit.replied);
	sf_session_free(&s);
}
END_TEST

/* A login listed before TLS is started without a password and cancelled:
 * refused (538) is recorded; taken (334) is cancelled with "*", and the
 * mail test goes on either way. Nothing secret is ever sent. */
START_TEST(auth_listed_in_plain_is_checked_without_a_password)
{
	struct sf_session s;
	struct sf_session_config cfg = { .tls = SF_TLS_NEVER,
		.ehlo_name = "client.example",
		.mail_from = "a@example.com",
		.rcpt_to = "b@example.net",
		.rcpt_test = true,
		.auth_check = true };
	static const char *const refused[] = { "S:220 mx\r\n", "C:EHLO client.example", EHLO_AUTH,
		"C:AUTH LOGIN",
		"S:538 5.7.11 Encryption required for requested authentication mechanism\r\n",
		"C:MAIL FROM:<a@example.com>", "S:250 OK\r\n", NULL };
	static const char *const taken[] = { "S:220 mx\r\n", "C:EHLO client.example", EHLO_AUTH,
		"C:AUTH LOGIN", "S:334 VXNlcm5hbWU6\r\n", "C:*",
		"S:501 5.7.0 Authentication cancelled\r\n", "C:MAIL FROM:<a@example.com>", NULL };

	sf_session_init(&s, &cfg);
	run(&s, refused);
	ck_assert(s.res.auth_check.sent && s.res.auth_check_refused);
	ck_assert_int_eq(s.res.auth_check.reply.code, 538);
	ck_assert_str_eq(s.res.auth_check_mech, "LOGIN");
	ck_assert_int_eq(s.res.auth_outcome, SF_AUTH_NOT_TRIED);
	sf_session_free(&s);

	sf_session_init(&s, &cfg);
	run(&s, taken);
	ck_assert(s.res.auth_check.sent && !s.res.auth_check_refused);
	sf_session_free(&s);
}
END_TEST

Suite *
session_suite(void)
{
	Suite *s = suite_create("session");
	TCase *tc = tcase_create("session");

	tcase_add_test(tc, auth_listed_in_plain_is_checked_without_a_password);
	tcase_add_test(tc, the_cpanel_case_over_starttls);
	tcase_add_test(tc, plain_policy_never_upgrades);
	tcase_add_test(tc, required_tls_stops_when_not_offered);
	tcase_add_test(tc, starttls_refused_goes_on_when_optional);
	tcase_add_test(tc, ehlo_refused_falls_back_to_helo);
	tcase_add_test(tc, greeting_refusal_quits);
	tcase_add_test(tc, bytes_after_starttls_reply_are_refused);
	tcase_add_test(tc, implicit_tls_records_ehlo_as_after_tls);
	tcase_add_test(tc, failures_name_the_step);
	tcase_add_test(tc, mail_drop_marks_disconnect_on_mail);
	tcase_add_test(tc, transcript_is_kept);
	tcase_add_test(tc, no_reply_to_quit_is_no_failure);
	suite_add_tcase(s, tc);
	return s;
}
