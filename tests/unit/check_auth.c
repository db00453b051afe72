/* The login test in the sans-I/O session, and the pieces it rests on. */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <string.h>

#include "smtpfix/base64.h"
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
	suite_add_tcase(s, tc);
	return s;
}
