/* The login test in the sans-I/O session, and the pieces it rests on. */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpfix/base64.h"
#include "smtpfix/redact.h"
#include "smtpfix/secret.h"
#include "smtpfix/smtp_session.h"
#include "smtpfix/tls.h"
#include "unit/suites.h"

#define MARKER "Pa55-marker-7731"

static struct sf_transcript tr;

/* Start a session that has already done STARTTLS and is waiting for the
 * EHLO answer under TLS, with the login test configured. */
static void
start_login(struct sf_session *s, const char *user, const char *password, const char *ehlo)
{
	struct sf_session_config c;
	size_t len;

	memset(&c, 0, sizeof c);
	c.tls = SF_TLS_IMPLICIT;
	c.ehlo_name = "client.example";
	c.mail_from = user;
	c.rcpt_to = user;
	c.rcpt_test = true;
	c.auth_user = user;
	c.auth_password = password;
	c.auth_password_len = strlen(password);
	c.hmac_md5 = sf_tls_hmac_md5;
	c.transcript = &tr;
	sf_transcript_init(&tr, NULL);
	sf_session_init(s, &c);
	sf_session_feed(s, "220 mx\r\n", 8);
	sf_session_output(s, &len);
	sf_session_output_done(s, len);
	sf_session_feed(s, ehlo, strlen(ehlo));
}

/* The command the session wants to send now, as a string. */
static const char *
sent(struct sf_session *s)
{
	static char line[1024];
	const char *out;
	size_t len;

	ck_assert_int_eq(sf_session_want(s), SF_WANT_WRITE);
	out = sf_session_output(s, &len);
	ck_assert_uint_lt(len, sizeof line);
	memcpy(line, out, len);
	line[len] = '\0';
	sf_session_output_done(s, len);
	/* Nothing of the command may stay in the buffer once it is sent. */
	ck_assert_uint_eq(s->out.len, 0);
	if (s->out.data != NULL)
		ck_assert_ptr_null(memmem(s->out.data, s->out.cap, MARKER, strlen(MARKER)));
	sf_session_feed(s, NULL, 0);
	return line;
}

static void
reply(struct sf_session *s, const char *text)
{
	sf_session_feed(s, text, strlen(text));
}

static void
assert_transcript_clean(void)
{
	size_t i;

	for (i = 0; i < tr.count; i++) {
		ck_assert_ptr_null(strstr(tr.entries[i].text, MARKER));
		/* base64 of the marker, in any of its three alignments */
		ck_assert_ptr_null(strstr(tr.entries[i].text, "UGE1NS1"));
	}
}

START_TEST(plain_login_then_send_to_self)
{
	struct sf_session s;
	char expect[256], b64[128];
	static const char raw[] = "\0me@example.com\0" MARKER;

	start_login(&s, "me@example.com", MARKER, "250-mx\r\n250 AUTH LOGIN PLAIN\r\n");
	sf_base64_encode(raw, sizeof raw - 1, b64);
	snprintf(expect, sizeof expect, "AUTH PLAIN %s\r\n", b64);
	ck_assert_str_eq(sent(&s), expect);
	reply(&s, "235 2.7.0 Authentication successful\r\n");
	ck_assert_str_eq(sent(&s), "MAIL FROM:<me@example.com>\r\n");
	reply(&s, "250 OK\r\n");
	ck_assert_str_eq(sent(&s), "RCPT TO:<me@example.com>\r\n");
	reply(&s, "250 Accepted\r\n");
	ck_assert_str_eq(sent(&s), "RSET\r\n");
	ck_assert_int_eq(s.res.auth_outcome, SF_AUTH_OK);
	ck_assert_str_eq(s.res.auth_mechanism, "PLAIN");
	ck_assert(!s.res.plaintext_auth);
	assert_transcript_clean();
	sf_session_free(&s);
	sf_transcript_free(&tr);
}
END_TEST

START_TEST(login_mechanism_and_refusal)
{
	struct sf_session s;
	char b64[128];

	start_login(&s, "me@example.com", MARKER, "250-mx\r\n250 AUTH LOGIN\r\n");
	ck_assert_str_eq(sent(&s), "AUTH LOGIN\r\n");
	reply(&s, "334 VXNlcm5hbWU6\r\n");
	sf_base64_encode("me@example.com", 14, b64);
	ck_assert_str_eq(sent(&s), strcat(b64, "\r\n"));
	reply(&s, "334 UGFzc3dvcmQ6\r\n");
	sf_base64_encode(MARKER, strlen(MARKER), b64);
	ck_assert_str_eq(sent(&s), strcat(b64, "\r\n"));
	reply(&s, "535 Incorrect authentication data\r\n");
	ck_assert_str_eq(sent(&s), "QUIT\r\n");
	ck_assert_int_eq(s.res.auth_outcome, SF_AUTH_REFUSED);
	ck_assert_int_eq(s.res.auth.reply.code, 535);
	ck_assert(!s.res.mail.sent);
	assert_transcript_clean();
	ck_assert_str_eq(tr.entries[tr.count - 3].text, "[redacted]"); /* the password */
	ck_assert_str_eq(tr.entries[tr.count - 5].text, "[redacted]"); /* the user name */
	sf_session_free(&s);
	sf_transcript_free(&tr);
}
END_TEST

START_TEST(cram_md5_matches_rfc_2195)
{
	struct sf_session s;

	/* The example exchange of RFC 2195, section 2. */
	start_login(&s, "tim", "tanstaaftanstaaf", "250-mx\r\n250 AUTH CRAM-MD5\r\n");
	ck_assert_str_eq(sent(&s), "AUTH CRAM-MD5\r\n");
	reply(&s, "334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n");
	ck_assert_str_eq(sent(&s), "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n");
	reply(&s, "235 ok\r\n");
	ck_assert_int_eq(s.res.auth_outcome, SF_AUTH_OK);
	sf_session_free(&s);
	sf_transcript_free(&tr);
}
END_TEST

START_TEST(no_password_without_tls)
{
	struct sf_session s;
	struct sf_session_config c;
	size_t len;

	memset(&c, 0, sizeof c);
	c.tls = SF_TLS_NEVER;
	c.ehlo_name = "client.example";
	c.mail_from = c.rcpt_to = c.auth_user = "me@example.com";
	c.auth_password = MARKER;
	c.auth_password_len = strlen(MARKER);
	c.rcpt_test = true;
	sf_session_init(&s, &c);
	sf_session_feed(&s, "220 mx\r\n", 8);
	sf_session_output(&s, &len);
	sf_session_output_done(&s, len);
	reply(&s, "250-mx\r\n250 AUTH PLAIN LOGIN\r\n");
	ck_assert_str_eq(sent(&s), "QUIT\r\n");
	ck_assert_int_eq(s.res.auth_outcome, SF_AUTH_NO_TLS);
	sf_session_free(&s);
}
END_TEST

START_TEST(only_unknown_mechanisms)
{
	struct sf_session s;

	start_login(&s, "me@example.com", MARKER, "250-mx\r\n250 AUTH XOAUTH2 SCRAM-SHA-256\r\n");
	ck_assert_str_eq(sent(&s), "QUIT\r\n");
	ck_assert_int_eq(s.res.auth_outcome, SF_AUTH_NO_MECHANISM);
	sf_session_free(&s);
	sf_transcript_free(&tr);
}
END_TEST

START_TEST(mechanism_choice)
{
	struct sf_ehlo e;

	memset(&e, 0, sizeof e);
	strcpy(e.auth[0], "LOGIN");
	strcpy(e.auth[1], "CRAM-MD5");
	strcpy(e.auth[2], "PLAIN");
	e.nauth = 3;
	ck_assert_str_eq(sf_auth_choose(&e, true, true), "PLAIN");
	/* Without TLS the password itself should not cross the wire. */
	ck_assert_str_eq(sf_auth_choose(&e, false, true), "CRAM-MD5");
	ck_assert_str_eq(sf_auth_choose(&e, false, false), "PLAIN");
	e.nauth = 1;
	ck_assert_str_eq(sf_auth_choose(&e, true, true), "LOGIN");
	strcpy(e.auth[0], "GSSAPI");
	ck_assert_ptr_null(sf_auth_choose(&e, true, true));
}
END_TEST

START_TEST(base64_round_trip_and_rejects)
{
	unsigned char out[16];
	char enc[32];

	sf_base64_encode("", 0, enc);
	ck_assert_str_eq(enc, "");
	sf_base64_encode("f", 1, enc);
	ck_assert_str_eq(enc, "Zg==");
	sf_base64_encode("fo", 2, enc);
	ck_assert_str_eq(enc, "Zm8=");
	sf_base64_encode("foobar", 6, enc);
	ck_assert_str_eq(enc, "Zm9vYmFy");
	ck_assert_int_eq(sf_base64_decode("Zm9vYmE=", 8, out, sizeof out), 5);
	ck_assert(memcmp(out, "fooba", 5) == 0);
	ck_assert_int_eq(sf_base64_decode("Zm9", 3, out, sizeof out), -1);
	ck_assert_int_eq(sf_base64_decode("Zm9v!mFy", 8, out, sizeof out), -1);
	ck_assert_int_eq(sf_base64_decode("Zg==Zg==", 8, out, sizeof out), -1);
	ck_assert_int_eq(sf_base64_decode("Zm9vYmFy", 8, out, 5), -1);
}
END_TEST

START_TEST(secret_is_read_and_wiped)
{
	struct sf_secret s;
	struct sf_error err;
	FILE *f = tmpfile();

	fputs(MARKER "\r\nsecond line\n", f);
	rewind(f);
	ck_assert_int_eq(sf_secret_read_line(&s, f, &err), 0);
	ck_assert_str_eq(s.data, MARKER);
	ck_assert_uint_eq(s.len, strlen(MARKER));
	sf_secret_free(&s);
	ck_assert_ptr_null(s.data);
	fclose(f);
	f = tmpfile();
	ck_assert_int_eq(sf_secret_read_line(&s, f, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "no password"));
	fclose(f);
}
END_TEST

/* base64 of MARKER starting k bytes into a three-byte group, in full. */
static void
b64_at(size_t k, char *out)
{
	char in[64] = { 0 };

	memcpy(in + k, MARKER, strlen(MARKER));
	sf_base64_encode(in, k + strlen(MARKER), out);
}

START_TEST(redactor_finds_every_form)
{
	struct sf_redactor r;
	char b64[128], text[512], *red;
	static const char plain_raw[] = "\0me@example.com\0" MARKER;
	size_t k, n;

	ck_assert_int_eq(sf_redactor_init(&r, "me@example.com", MARKER, strlen(MARKER), NULL), 0);
	ck_assert_uint_ge(r.nforms, 5);
	/* In clear, in another case, as AUTH PLAIN's string, and inside a
	 * longer base64 text at each alignment. */
	ck_assert(sf_redact_found(&r, "535 you sent " MARKER, 13 + strlen(MARKER)));
	ck_assert(sf_redact_found(&r, "PA55-MARKER-7731", 16));
	sf_base64_encode(plain_raw, sizeof plain_raw - 1, b64);
	ck_assert(sf_redact_found(&r, b64, strlen(b64)));
	for (k = 0; k < 3; k++) {
		char full[128];

		b64_at(k, full);
		snprintf(text, sizeof text, "334 %s", full);
		red = sf_redact_dup(&r, text, strlen(text), &n);
		ck_assert_ptr_nonnull(red);
		ck_assert_uint_eq(n, strlen(red));
		ck_assert_ptr_nonnull(strstr(red, SF_REDACTED));
		/* What is left holds no run of 8 characters of the encoding. */
		ck_assert_uint_le(strlen(red), 4 + 4 + strlen(SF_REDACTED) + 4);
		free(red);
	}
	/* Ordinary text is kept as it is. */
	red = sf_redact_dup(&r, "250 mx.example.com Hello", 24, &n);
	ck_assert_str_eq(red, "250 mx.example.com Hello");
	free(red);
	snprintf(text, sizeof text, "x%sy", MARKER);
	ck_assert(sf_redact_buf(&r, text, sizeof text));
	ck_assert_str_eq(text, "x" SF_REDACTED "y");
	sf_redactor_free(&r);
	ck_assert_uint_eq(r.nforms, 0);
	/* No password, nothing to find; a NULL redactor finds nothing. */
	ck_assert_int_eq(sf_redactor_init(&r, "me", "", 0, NULL), 0);
	ck_assert(!sf_redact_found(&r, MARKER, strlen(MARKER)));
	ck_assert(!sf_redact_found(NULL, MARKER, strlen(MARKER)));
	sf_redactor_free(&r);
}
END_TEST

/* Everything the session keeps of what a server said, in one string. */
static void
assert_result_clean(const struct sf_session_result *res)
{
	const struct sf_exchange *x[] = { &res->greeting, &res->ehlo, &res->ehlo_tls, &res->auth,
		&res->mail, &res->rcpt, &res->quit };
	size_t i;

	for (i = 0; i < sizeof x / sizeof x[0]; i++) {
		const char *t = x[i]->reply.text ? x[i]->reply.text : "";

		ck_assert_msg(strstr(t, MARKER) == NULL, "clear password kept: %s", t);
		ck_assert_msg(strstr(t, "UGE1NS1") == NULL && strstr(t, "BhNTUt") == NULL &&
				      strstr(t, "QYTU1LW") == NULL,
			"base64 of the password kept: %s", t);
	}
	for (i = 0; i < res->caps_tls.nextensions; i++)
		ck_assert_ptr_null(strstr(res->caps_tls.extensions[i], MARKER));
	ck_assert_ptr_null(strstr(res->fail_message, MARKER));
}

/* A server that answers the login with what it received, in each form,
 * and repeats the password in its EHLO: nothing of it is kept. */
START_TEST(server_echo_of_the_password_is_redacted)
{
	struct sf_session s;
	struct sf_redactor r;
	struct sf_session_config c;
	char b64[128], echo[1024], k1[128], k2[128];
	static const char raw[] = "\0me@example.com\0" MARKER;

	ck_assert_int_eq(sf_redactor_init(&r, "me@example.com", MARKER, strlen(MARKER), NULL), 0);
	memset(&c, 0, sizeof c);
	c.tls = SF_TLS_IMPLICIT;
	c.rcpt_test = true;
	c.mail_from = c.rcpt_to = c.auth_user = "me@example.com";
	c.auth_password = MARKER;
	c.auth_password_len = strlen(MARKER);
	c.transcript = &tr;
	c.redact = &r;
	sf_transcript_init(&tr, NULL);
	sf_session_init(&s, &c);
	reply(&s, "220 mx last password was " MARKER "\r\n");
	ck_assert_str_eq(sent(&s), "EHLO smtpfix.invalid\r\n");
	/* A password equal to an extension's name must not hide it: the
	 * reply is acted on before it is cleaned. */
	reply(&s, "250-mx\r\n250-X-ECHO " MARKER "\r\n250 AUTH PLAIN\r\n");
	sf_base64_encode(raw, sizeof raw - 1, b64);
	ck_assert_ptr_nonnull(strstr(sent(&s), "AUTH PLAIN "));
	b64_at(1, k1);
	b64_at(2, k2);
	snprintf(echo, sizeof echo,
		"535-5.7.8 you sent %s\r\n535-5.7.8 which says %s\r\n535-5.7.8 %s %s\r\n"
		"535 5.7.8 PA55-MARKER-7731 is wrong\r\n",
		b64, MARKER, k1, k2);
	reply(&s, echo);
	ck_assert_int_eq(s.res.auth_outcome, SF_AUTH_REFUSED);
	ck_assert_int_eq(s.res.auth.reply.code, 535);
	ck_assert_ptr_nonnull(strstr(s.res.auth.reply.text, SF_REDACTED));
	ck_assert_ptr_nonnull(strstr(s.res.auth.reply.text, "which says"));
	ck_assert(s.res.caps_tls.auth_offered);
	assert_result_clean(&s.res);
	assert_transcript_clean();
	sf_session_free(&s);
	sf_transcript_free(&tr);
	sf_redactor_free(&r);
}
END_TEST

/* AUTH LOGIN: the server echoes the password's base64 as a challenge,
 * smtpfix cancels, and the server quotes it in clear. */
START_TEST(login_echo_is_redacted)
{
	struct sf_session s;
	struct sf_redactor r;
	char b64[128], line[256];

	ck_assert_int_eq(sf_redactor_init(&r, "me@example.com", MARKER, strlen(MARKER), NULL), 0);
	start_login(&s, "me@example.com", MARKER, "250-mx\r\n250 AUTH LOGIN\r\n");
	s.cfg.redact = &r;
	ck_assert_str_eq(sent(&s), "AUTH LOGIN\r\n");
	reply(&s, "334 VXNlcm5hbWU6\r\n");
	sent(&s);
	reply(&s, "334 UGFzc3dvcmQ6\r\n");
	sent(&s);
	sf_base64_encode(MARKER, strlen(MARKER), b64);
	snprintf(line, sizeof line, "334 %s\r\n", b64);
	reply(&s, line);
	ck_assert_str_eq(sent(&s), "*\r\n");
	reply(&s, "501 5.0.0 cancelled after " MARKER "\r\n");
	ck_assert_int_eq(s.res.auth_outcome, SF_AUTH_REFUSED);
	assert_result_clean(&s.res);
	assert_transcript_clean();
	sf_session_free(&s);
	sf_transcript_free(&tr);
	sf_redactor_free(&r);
}
END_TEST

Suite *
auth_suite(void)
{
	Suite *s = suite_create("auth");
	TCase *tc = tcase_create("auth");

	tcase_add_test(tc, plain_login_then_send_to_self);
	tcase_add_test(tc, login_mechanism_and_refusal);
	tcase_add_test(tc, cram_md5_matches_rfc_2195);
	tcase_add_test(tc, no_password_without_tls);
	tcase_add_test(tc, only_unknown_mechanisms);
	tcase_add_test(tc, mechanism_choice);
	tcase_add_test(tc, base64_round_trip_and_rejects);
	tcase_add_test(tc, secret_is_read_and_wiped);
	tcase_add_test(tc, redactor_finds_every_form);
	tcase_add_test(tc, server_echo_of_the_password_is_redacted);
	tcase_add_test(tc, login_echo_is_redacted);
	suite_add_tcase(s, tc);
	return s;
}
