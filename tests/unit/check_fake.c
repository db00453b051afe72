/* Hostile and odd servers, played by the fake server over real sockets.
 * Each case must end within its deadline plus a second, with a precise
 * reason, and without unbounded memory (the parser's named limits). */
#include <stdlib.h>
#include <string.h>

#include "smtpfix/report.h"
#include "unit/fixture.h"
#include "unit/suites.h"

#define TIMEOUT_MS 800
#define SLACK_MS 1000.0

static struct fakeserver fs;
static struct sf_target_result t;

static void
setup(void)
{
	memset(&fs, 0, sizeof fs);
	memset(&t, 0, sizeof t);
	fx_make_dir();
}

static void
teardown(void)
{
	sf_session_result_free(&t.smtp);
	sf_transcript_free(&t.transcript);
	fx_remove_dir();
}

static double
probe(const struct fs_step *script, enum sf_probe_mode mode)
{
	return fx_probe(&fs, script, "127.0.0.1", mode, TIMEOUT_MS, NULL, true, &t);
}

#define GREET_EHLO(ehlo) \
	{ FS_SEND, "220 fake ESMTP\r\n", 0, 0 }, { FS_EXPECT, NULL, 0, 0 }, \
	{ \
		FS_SEND, ehlo, 0, 0 \
	}

START_TEST(silent_server_times_out_on_the_greeting)
{
	static const struct fs_step script[] = { { FS_SLEEP, NULL, 0, 3000 },
		{ FS_END, NULL, 0, 0 } };
	double ms = probe(script, SF_MODE_AUTO);

	ck_assert(t.connect_ok);
	ck_assert_int_eq(t.smtp.fail_code, SF_E_TIMEOUT);
	ck_assert_int_eq(t.smtp.fail_step, SF_STEP_GREETING);
	ck_assert_msg(ms < TIMEOUT_MS + SLACK_MS, "took %.0f ms", ms);
	ck_assert(!sf_target_healthy(&t, NULL, 0));
}
END_TEST

START_TEST(dripping_greeting_still_ends_on_time)
{
	static const struct fs_step script[] = {
		{ FS_DRIP, "220 a very slow greeting indeed\r\n", 0, 100 }, { FS_END, NULL, 0, 0 }
	};
	double ms = probe(script, SF_MODE_AUTO);

	ck_assert_int_eq(t.smtp.fail_code, SF_E_TIMEOUT);
	ck_assert_ptr_nonnull(strstr(t.smtp.fail_message, "part of a reply"));
	ck_assert_msg(ms < TIMEOUT_MS + SLACK_MS, "took %.0f ms", ms);
}
END_TEST

START_TEST(endless_multiline_reply_is_cut_off)
{
	static const struct fs_step script[] = { { FS_SEND, "220 fake\r\n", 0, 0 },
		{ FS_EXPECT, NULL, 0, 0 },
		{ FS_FLOOD, "250-and another line, forever\r\n", 0, 3000 },
		{ FS_END, NULL, 0, 0 } };
	double ms = probe(script, SF_MODE_AUTO);

	ck_assert_int_eq(t.smtp.fail_code, SF_E_TOO_LONG);
	ck_assert_int_eq(t.smtp.fail_step, SF_STEP_EHLO);
	ck_assert_ptr_nonnull(strstr(t.smtp.fail_message, "256 lines"));
	ck_assert_msg(ms < TIMEOUT_MS + SLACK_MS, "took %.0f ms", ms);
}
END_TEST

START_TEST(huge_line_without_crlf_is_cut_off)
{
	static char chunk[4097];
	static struct fs_step script[] = { { FS_SEND, "220", 0, 0 }, { FS_FLOOD, chunk, 0, 3000 },
		{ FS_END, NULL, 0, 0 } };
	double ms;

	memset(chunk, 'x', sizeof chunk - 1);
	ms = probe(script, SF_MODE_AUTO);
	ck_assert_int_eq(t.smtp.fail_code, SF_E_TOO_LONG);
	ck_assert_ptr_nonnull(strstr(t.smtp.fail_message, "line longer than 4096"));
	ck_assert_msg(ms < TIMEOUT_MS + SLACK_MS, "took %.0f ms", ms);
}
END_TEST

START_TEST(nul_bytes_and_garbage_are_protocol_errors)
{
	static const struct fs_step nul[] = { { FS_SEND_BYTES, "220 fake\0ESMTP\r\n", 16, 0 },
		{ FS_END, NULL, 0, 0 } };
	static const struct fs_step http[] = {
		{ FS_SEND, "HTTP/1.1 400 Bad Request\r\n\r\n", 0, 0 }, { FS_END, NULL, 0, 0 }
	};
	static const struct fs_step bad_code[] = { { FS_SEND, "999 what\r\n", 0, 0 },
		{ FS_END, NULL, 0, 0 } };

	probe(nul, SF_MODE_AUTO);
	ck_assert_int_eq(t.smtp.fail_code, SF_E_PROTOCOL);
	ck_assert_ptr_nonnull(strstr(t.smtp.fail_message, "NUL"));
	teardown();
	setup();
	probe(http, SF_MODE_AUTO);
	ck_assert_int_eq(t.smtp.fail_code, SF_E_PROTOCOL);
	ck_assert_ptr_nonnull(strstr(t.smtp.fail_message, "not an SMTP reply"));
	teardown();
	setup();
	probe(bad_code, SF_MODE_AUTO);
	ck_assert_int_eq(t.smtp.fail_code, SF_E_PROTOCOL);
}
END_TEST

START_TEST(reset_mid_reply_is_named)
{
	static const struct fs_step script[] = { GREET_EHLO("250-fake\r\n250-PIPE"),
		{ FS_SLEEP, NULL, 0, 50 }, { FS_RESET, NULL, 0, 0 }, { FS_END, NULL, 0, 0 } };

	probe(script, SF_MODE_AUTO);
	ck_assert_int_eq(t.smtp.fail_code, SF_E_RESET);
	ck_assert_int_eq(t.smtp.fail_step, SF_STEP_EHLO);
	ck_assert_ptr_nonnull(
		strstr(t.smtp.fail_message, "reset the connection while smtpfix waited for EHLO"));
}
END_TEST

START_TEST(data_pipelined_after_starttls_reply_is_refused)
{
	static const struct fs_step script[] = { GREET_EHLO("250-fake\r\n250 STARTTLS\r\n"),
		{ FS_EXPECT, NULL, 0, 0 },
		{ FS_SEND, "220 go ahead\r\n250-injected\r\n250 AUTH PLAIN\r\n", 0, 0 },
		{ FS_END, NULL, 0, 0 } };

	probe(script, SF_MODE_AUTO);
	ck_assert(t.smtp.starttls_trailing);
	ck_assert_int_eq(t.smtp.fail_code, SF_E_PROTOCOL);
	ck_assert(!t.tls_attempted && !t.smtp.tls_active);
	ck_assert_ptr_nonnull(strstr(fakeserver_client_lines(&fs), "STARTTLS"));
}
END_TEST

START_TEST(garbage_tls_handshake_fails_with_a_reason)
{
	static const struct fs_step script[] = { GREET_EHLO("250-fake\r\n250 STARTTLS\r\n"),
		{ FS_EXPECT, NULL, 0, 0 }, { FS_SEND, "220 go ahead\r\n", 0, 0 },
		{ FS_SLEEP, NULL, 0, 100 },
		{ FS_SEND, "this is not a TLS record at all, just text\r\n", 0, 0 },
		{ FS_END, NULL, 0, 0 } };
	double ms = probe(script, SF_MODE_AUTO);

	ck_assert(t.tls_attempted && !t.tls.handshake_ok);
	ck_assert_int_eq(t.tls.verdict, SF_CERT_HANDSHAKE_FAILED);
	ck_assert_uint_gt(strlen(t.tls.handshake_error), 3);
	ck_assert_int_eq(t.smtp.fail_code, SF_E_TLS);
	ck_assert_msg(ms < TIMEOUT_MS + SLACK_MS, "took %.0f ms", ms);
}
END_TEST

START_TEST(server_closing_after_starttls)
{
	static const struct fs_step script[] = { GREET_EHLO("250-fake\r\n250 STARTTLS\r\n"),
		{ FS_EXPECT, NULL, 0, 0 }, { FS_SEND, "220 go ahead\r\n", 0, 0 },
		{ FS_CLOSE, NULL, 0, 0 }, { FS_END, NULL, 0, 0 } };

	probe(script, SF_MODE_AUTO);
	ck_assert(t.tls_attempted && !t.tls.handshake_ok);
	ck_assert_msg(
		strstr(t.tls.handshake_error, "closed the connection during the handshake") != NULL,
		"got: %s", t.tls.handshake_error);
}
END_TEST

START_TEST(escape_sequences_never_reach_the_summary)
{
	static const struct fs_step script[] = {
		{ FS_SEND, "220 \x1b]0;owned\x07\x1b[2J\x1b]52;c;ZWNobyBoaQ==\x07 fake\r\n", 0, 0 },
		{ FS_EXPECT, NULL, 0, 0 },
		{ FS_SEND, "250-fake \x1b[31mred\r\n250 AUTH PLAIN\r\n", 0, 0 },
		{ FS_EXPECT, NULL, 0, 0 }, { FS_SEND, "334 \r\n", 0, 0 }, { FS_EXPECT, NULL, 0, 0 },
		{ FS_SEND, "501 cancelled\r\n", 0, 0 }, { FS_EXPECT, NULL, 0, 0 },
		{ FS_SEND, "250 ok\r\n", 0, 0 }, { FS_EXPECT, NULL, 0, 0 },
		{ FS_SEND, "550 no \x1b[5mrelay\r\n", 0, 0 }, { FS_EXPECT, NULL, 0, 0 },
		{ FS_SEND, "250 ok\r\n", 0, 0 }, { FS_EXPECT, NULL, 0, 0 },
		{ FS_SEND, "221 bye\r\n", 0, 0 }, { FS_END, NULL, 0, 0 }
	};
	struct sf_probe_result res;
	struct sf_buf out;
	struct sf_error err;

	probe(script, SF_MODE_PLAIN);
	ck_assert_int_eq(t.smtp.rcpt.reply.code, 550);
	memset(&res, 0, sizeof res);
	strcpy(res.host, "127.0.0.1");
	res.resolved = true;
	res.login_index = -1;
	res.targets = &t;
	res.ntargets = 1;
	sf_buf_init(&out, SF_REPORT_MAX);
	ck_assert_int_eq(sf_report_probe_text(&res, NULL, true, true, &out, &err), 0);
	ck_assert_ptr_null(memchr(out.data, 0x1b, out.len));
	ck_assert_ptr_null(memchr(out.data, 0x07, out.len));
	ck_assert_ptr_nonnull(strstr(out.data, "\\x1b]52;c;"));
	sf_buf_reset(&out);
	ck_assert_int_eq(sf_report_probe_json(&res, NULL, NULL, true, &out, &err), 0);
	ck_assert_ptr_null(memchr(out.data, 0x1b, out.len));
	ck_assert_ptr_nonnull(strstr(out.data, "\\u001b]0;owned\\u0007"));
	sf_buf_free(&out);
}
END_TEST

START_TEST(helo_fallback_and_greeting_refusal)
{
	static const struct fs_step helo[] = { { FS_SEND, "220 old\r\n", 0, 0 },
		{ FS_EXPECT, NULL, 0, 0 }, { FS_SEND, "500 what is EHLO\r\n", 0, 0 },
		{ FS_EXPECT, NULL, 0, 0 }, { FS_SEND, "250 old\r\n", 0, 0 },
		{ FS_EXPECT, NULL, 0, 0 }, { FS_SEND, "250 ok\r\n", 0, 0 },
		{ FS_EXPECT, NULL, 0, 0 }, { FS_SEND, "250 accepted\r\n", 0, 0 },
		{ FS_END, NULL, 0, 0 } };
	static const struct fs_step refuse[] = { { FS_SEND, "554 5.7.1 go away\r\n", 0, 0 },
		{ FS_END, NULL, 0, 0 } };
	char why[256];

	probe(helo, SF_MODE_AUTO);
	ck_assert(t.smtp.helo.replied && !t.smtp.caps_valid);
	ck_assert_ptr_nonnull(strstr(fakeserver_client_lines(&fs), "HELO smtpfix.invalid"));
	ck_assert_int_eq(t.smtp.rcpt.reply.code, 250);
	ck_assert(!sf_target_healthy(&t, why, sizeof why));
	teardown();
	setup();
	probe(refuse, SF_MODE_AUTO);
	ck_assert_int_eq(t.smtp.greeting.reply.code, 554);
	ck_assert(!sf_target_healthy(&t, why, sizeof why));
	ck_assert_ptr_nonnull(strstr(why, "refused the session: 554"));
}
END_TEST

START_TEST(open_relay_is_a_problem_and_data_is_never_sent)
{
	static const struct fs_step script[] = { GREET_EHLO("250-fake\r\n250 AUTH PLAIN LOGIN\r\n"),
		{ FS_EXPECT, NULL, 0, 0 }, { FS_SEND, "334 VXNlcm5hbWU6\r\n", 0, 0 },
		{ FS_EXPECT, NULL, 0, 0 }, { FS_SEND, "501 cancelled\r\n", 0, 0 },
		{ FS_EXPECT, NULL, 0, 0 }, { FS_SEND, "250 ok\r\n", 0, 0 },
		{ FS_EXPECT, NULL, 0, 0 }, { FS_SEND, "250 accepted\r\n", 0, 0 },
		{ FS_DRAIN, NULL, 0, 1500 }, { FS_END, NULL, 0, 0 } };
	char why[256];

	probe(script, SF_MODE_PLAIN);
	ck_assert(!sf_target_healthy(&t, why, sizeof why));
	ck_assert_ptr_nonnull(strstr(why, "without a login"));
	ck_assert_ptr_null(strstr(fakeserver_client_lines(&fs), "DATA"));
	ck_assert_ptr_nonnull(strstr(fakeserver_client_lines(&fs), "RSET"));
}
END_TEST

START_TEST(ipv6_address_is_a_target_with_its_port_mapped)
{
	static const struct fs_step script[] = { GREET_EHLO("250-fake6\r\n250 AUTH PLAIN\r\n"),
		{ FS_EXPECT, NULL, 0, 0 }, { FS_SEND, "221 bye\r\n", 0, 0 },
		{ FS_END, NULL, 0, 0 } };
	struct sf_probe_options o;
	struct sf_probe_result res;
	struct sf_error err;

	fs.ipv6 = 1;
	ck_assert_int_eq(fakeserver_start(&fs, script, fx_dir), 0);
	sf_probe_options_init(&o);
	o.host = "::1";
	o.mode = SF_MODE_PLAIN;
	o.rcpt_test = false;
	o.timeout_ms = 3000;
	o.ports[o.nports++] = 587;
	o.maps[o.nmaps++] = (struct sf_port_map){ 587, fs.port };
	ck_assert_int_eq(sf_probe_run(&o, &res, &err), 0);
	fakeserver_stop(&fs);
	ck_assert(res.resolved);
	ck_assert_uint_eq(res.ntargets, 1);
	ck_assert_str_eq(res.targets[0].address, "::1");
	ck_assert_int_eq(res.targets[0].port, 587);
	ck_assert_int_eq(res.targets[0].real_port, fs.port);
	ck_assert(res.targets[0].smtp.caps_valid);
	ck_assert_str_eq(res.targets[0].smtp.caps.auth[0], "PLAIN");
	ck_assert(sf_target_healthy(&res.targets[0], NULL, 0));
	sf_probe_result_free(&res);
}
END_TEST

/* A server that greets and lists its extensions well, then breaks once
 * mail is offered: each way of breaking is a failure with its reason,
 * never a healthy port, and ends within the deadline. */
static const struct {
	const char *name;
	struct fs_step script[8];
	enum sf_step step;
	const char *reason;
} mail_breaks[] = {
	{ "stall at MAIL",
		{ GREET_EHLO("250 fake\r\n"), { FS_EXPECT, NULL, 0, 0 },
			{ FS_SLEEP, NULL, 0, 3000 }, { FS_END, NULL, 0, 0 } },
		SF_STEP_MAIL, "no complete answer" },
	{ "reset at RCPT",
		{ GREET_EHLO("250 fake\r\n"), { FS_EXPECT, NULL, 0, 0 },
			{ FS_SEND, "250 ok\r\n", 0, 0 }, { FS_EXPECT, NULL, 0, 0 },
			{ FS_RESET, NULL, 0, 0 }, { FS_END, NULL, 0, 0 } },
		SF_STEP_RCPT, "reset" },
	{ "close at MAIL",
		{ GREET_EHLO("250 fake\r\n"), { FS_EXPECT, NULL, 0, 0 }, { FS_CLOSE, NULL, 0, 0 },
			{ FS_END, NULL, 0, 0 } },
		SF_STEP_MAIL, "closed" },
	{ "flood without a line end at RCPT",
		{ GREET_EHLO("250 fake\r\n"), { FS_EXPECT, NULL, 0, 0 },
			{ FS_SEND, "250 ok\r\n", 0, 0 }, { FS_EXPECT, NULL, 0, 0 },
			{ FS_FLOOD, "250 AAAAAAAAAAAAAAAA", 0, 3000 }, { FS_END, NULL, 0, 0 } },
		SF_STEP_RCPT, "longer than" },
	{ "garbage at MAIL",
		{ GREET_EHLO("250 fake\r\n"), { FS_EXPECT, NULL, 0, 0 },
			{ FS_SEND, "\xff\xfe garbage \x1b[2J\r\n", 0, 0 },
			{ FS_SLEEP, NULL, 0, 500 }, { FS_END, NULL, 0, 0 } },
		SF_STEP_MAIL, "not an SMTP reply" },
};

START_TEST(breaking_at_mail_or_rcpt_is_a_failure)
{
	char why[512];
	double ms = probe(mail_breaks[_i].script, SF_MODE_PLAIN);

	ck_assert_msg(t.smtp.fail_code != SF_OK, "%s: no failure", mail_breaks[_i].name);
	ck_assert_msg(t.smtp.fail_step == mail_breaks[_i].step, "%s: failed at %s",
		mail_breaks[_i].name, sf_step_name(t.smtp.fail_step));
	ck_assert_msg(!sf_target_healthy(&t, why, sizeof why), "%s: called healthy",
		mail_breaks[_i].name);
	ck_assert_msg(strstr(why, mail_breaks[_i].reason) != NULL, "%s: reason '%s'",
		mail_breaks[_i].name, why);
	ck_assert_msg(ms < TIMEOUT_MS + SLACK_MS, "%s: took %.0f ms", mail_breaks[_i].name, ms);
}
END_TEST

Suite *
fake_server_suite(void)
{
	Suite *s = suite_create("fake-server");
	TCase *tc = tcase_create("hostile");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, silent_server_times_out_on_the_greeting);
	tcase_add_test(tc, dripping_greeting_still_ends_on_time);
	tcase_add_test(tc, endless_multiline_reply_is_cut_off);
	tcase_add_test(tc, huge_line_without_crlf_is_cut_off);
	tcase_add_test(tc, nul_bytes_and_garbage_are_protocol_errors);
	tcase_add_test(tc, reset_mid_reply_is_named);
	tcase_add_test(tc, data_pipelined_after_starttls_reply_is_refused);
	tcase_add_test(tc, garbage_tls_handshake_fails_with_a_reason);
	tcase_add_test(tc, server_closing_after_starttls);
	tcase_add_test(tc, escape_sequences_never_reach_the_summary);
	tcase_add_test(tc, helo_fallback_and_greeting_refusal);
	tcase_add_test(tc, open_relay_is_a_problem_and_data_is_never_sent);
	tcase_add_test(tc, ipv6_address_is_a_target_with_its_port_mapped);
	tcase_add_loop_test(tc, breaking_at_mail_or_rcpt_is_a_failure, 0,
		(int)(sizeof mail_breaks / sizeof mail_breaks[0]));
	suite_add_tcase(s, tc);
	return s;
}
