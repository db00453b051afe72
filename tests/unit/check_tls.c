/* Certificate verdicts over real TLS handshakes with certificates made at
 * test time: one verdict each, chosen in the documented order. */
#include <string.h>

#include "support/testcert.h"
#include "unit/fixture.h"
#include "unit/suites.h"

#define DAY (24L * 3600L)

static struct fakeserver fs;
static struct sf_target_result t;
static struct testcert ca;

static void
setup(void)
{
	memset(&fs, 0, sizeof fs);
	memset(&t, 0, sizeof t);
	fx_make_dir();
	ck_assert_int_eq(
		testcert_make(&ca, fx_dir, "ca", "smtpfix unit CA", NULL, -DAY, 30 * DAY, NULL, 1),
		0);
}

static void
teardown(void)
{
	sf_session_result_free(&t.smtp);
	sf_transcript_free(&t.transcript);
	testcert_free(&ca);
	fx_remove_dir();
}

static const struct fs_step implicit_script[] = { { FS_SEND, "220 fake over TLS\r\n", 0, 0 },
	{ FS_EXPECT, NULL, 0, 0 }, { FS_SEND, "250-fake\r\n250 AUTH PLAIN LOGIN\r\n", 0, 0 },
	{ FS_EXPECT, NULL, 0, 0 }, { FS_SEND, "221 bye\r\n", 0, 0 }, { FS_END, NULL, 0, 0 } };

/* Serve a certificate over implicit TLS and probe it as `host`. */
static void
serve_cert(const struct testcert *leaf, const char *host, const char *ca_file)
{
	fs.cert_path = leaf->cert_path;
	fs.key_path = leaf->key_path;
	fs.implicit_tls = 1;
	fx_probe(&fs, implicit_script, host, SF_MODE_TLS, 3000, ca_file, false, &t);
	ck_assert_msg(t.tls.handshake_ok, "handshake failed: %s", t.tls.handshake_error);
}

START_TEST(trusted_matching_certificate_is_ok)
{
	struct testcert leaf;
	char why[512];

	ck_assert_int_eq(testcert_make(&leaf, fx_dir, "leaf", "mail.test",
				 "DNS:mail.test,IP:127.0.0.1", -DAY, 10 * DAY, &ca, 0),
		0);
	serve_cert(&leaf, "127.0.0.1", ca.cert_path);
	ck_assert_str_eq(sf_cert_verdict_id(t.tls.verdict), "ok");
	ck_assert_str_eq(t.tls.subject, "CN=mail.test");
	ck_assert_str_eq(t.tls.issuer, "CN=smtpfix unit CA");
	ck_assert_uint_eq(t.tls.nsan, 2);
	ck_assert_str_eq(t.tls.san[0], "mail.test");
	ck_assert_str_eq(t.tls.san[1], "127.0.0.1");
	ck_assert_uint_eq(strlen(t.tls.sha256), 95);
	ck_assert_uint_eq(strlen(t.tls.not_after), 20);
	ck_assert_int_eq(t.tls.not_after[19], 'Z');
	ck_assert_uint_gt(strlen(t.tls.version), 4);
	ck_assert(t.smtp.caps_tls_valid && t.smtp.caps_tls.nauth == 2);
	ck_assert_msg(sf_target_healthy(&t, why, sizeof why), "%s", why);
	testcert_free(&leaf);
}
END_TEST

START_TEST(sni_carries_the_typed_name)
{
	struct testcert leaf;

	ck_assert_int_eq(testcert_make(&leaf, fx_dir, "leaf", "localhost", "DNS:localhost", -DAY,
				 10 * DAY, &ca, 0),
		0);
	serve_cert(&leaf, "localhost", ca.cert_path);
	ck_assert_str_eq(sf_cert_verdict_id(t.tls.verdict), "ok");
	ck_assert_ptr_nonnull(strstr(fakeserver_client_lines(&fs), "# SNI localhost"));
	testcert_free(&leaf);
}
END_TEST

START_TEST(unknown_issuer_is_untrusted)
{
	struct testcert leaf;

	ck_assert_int_eq(testcert_make(&leaf, fx_dir, "leaf", "mail.test", "IP:127.0.0.1", -DAY,
				 10 * DAY, &ca, 0),
		0);
	serve_cert(&leaf, "127.0.0.1", NULL);
	ck_assert_str_eq(sf_cert_verdict_id(t.tls.verdict), "untrusted");
	ck_assert(!sf_target_healthy(&t, NULL, 0));
	testcert_free(&leaf);
}
END_TEST

START_TEST(other_name_is_a_mismatch_that_names_the_real_one)
{
	struct testcert leaf;

	ck_assert_int_eq(testcert_make(&leaf, fx_dir, "leaf", "server.host.example",
				 "DNS:server.host.example", -DAY, 10 * DAY, &ca, 0),
		0);
	serve_cert(&leaf, "127.0.0.1", ca.cert_path);
	ck_assert_str_eq(sf_cert_verdict_id(t.tls.verdict), "name-mismatch");
	ck_assert_ptr_nonnull(strstr(t.tls.verify_detail, "not for 127.0.0.1"));
	ck_assert_ptr_nonnull(strstr(t.tls.verify_detail, "server.host.example"));
	testcert_free(&leaf);
}
END_TEST

START_TEST(self_signed_wins_over_name_mismatch)
{
	struct testcert leaf;

	ck_assert_int_eq(testcert_make(&leaf, fx_dir, "self", "other.example", "DNS:other.example",
				 -DAY, 10 * DAY, NULL, 0),
		0);
	serve_cert(&leaf, "127.0.0.1", NULL);
	ck_assert_str_eq(sf_cert_verdict_id(t.tls.verdict), "self-signed");
	/* Both problems are still named in the detail. */
	ck_assert_ptr_nonnull(strstr(t.tls.verify_detail, "self-signed"));
	ck_assert_ptr_nonnull(strstr(t.tls.verify_detail, "not for 127.0.0.1"));
	testcert_free(&leaf);
}
END_TEST

START_TEST(expired_wins_over_everything)
{
	struct testcert leaf;

	ck_assert_int_eq(testcert_make(&leaf, fx_dir, "old", "old.example", "DNS:old.example",
				 -10 * DAY, -DAY, NULL, 0),
		0);
	serve_cert(&leaf, "127.0.0.1", NULL);
	ck_assert_str_eq(sf_cert_verdict_id(t.tls.verdict), "expired");
	testcert_free(&leaf);
}
END_TEST

START_TEST(future_certificate_is_not_yet_valid)
{
	struct testcert leaf;

	ck_assert_int_eq(testcert_make(&leaf, fx_dir, "new", "mail.test", "IP:127.0.0.1", DAY,
				 10 * DAY, &ca, 0),
		0);
	serve_cert(&leaf, "127.0.0.1", ca.cert_path);
	ck_assert_str_eq(sf_cert_verdict_id(t.tls.verdict), "not-yet-valid");
	testcert_free(&leaf);
}
END_TEST

START_TEST(ca_file_must_hold_a_certificate)
{
	struct sf_error err;
	char path[300];
	FILE *f;

	ck_assert_int_eq(sf_tls_check_ca_file(ca.cert_path, &err), 0);
	ck_assert_int_eq(sf_tls_check_ca_file("/nonexistent/ca.pem", &err), -1);
	ck_assert_int_eq(err.code, SF_E_USAGE);
	snprintf(path, sizeof path, "%s/empty.pem", fx_dir);
	f = fopen(path, "w");
	fputs("not a certificate\n", f);
	fclose(f);
	ck_assert_int_eq(sf_tls_check_ca_file(path, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "no PEM certificate"));
}
END_TEST

Suite *
tls_verdict_suite(void)
{
	Suite *s = suite_create("tls-verdict");
	TCase *tc = tcase_create("verdicts");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, trusted_matching_certificate_is_ok);
	tcase_add_test(tc, sni_carries_the_typed_name);
	tcase_add_test(tc, unknown_issuer_is_untrusted);
	tcase_add_test(tc, other_name_is_a_mismatch_that_names_the_real_one);
	tcase_add_test(tc, self_signed_wins_over_name_mismatch);
	tcase_add_test(tc, expired_wins_over_everything);
	tcase_add_test(tc, future_certificate_is_not_yet_valid);
	tcase_add_test(tc, ca_file_must_hold_a_certificate);
	suite_add_tcase(s, tc);
	return s;
}
