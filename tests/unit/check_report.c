#include <string.h>

#include "smtpfix/report.h"
#include "unit/suites.h"

/* A result made by hand: a refused connection, so every later field is null. */
START_TEST(json_keeps_fields_that_did_not_happen_as_null)
{
	struct sf_target_result t;
	struct sf_probe_result res;
	struct sf_buf out;
	struct sf_error err;
	static const char *const keys[] = { "\"banner\": null", "\"ehlo\": null",
		"\"starttls\": null", "\"tls\": null", "\"ehlo_tls\": null", "\"before_tls\": null",
		"\"after_tls\": null", "\"rcpt_without_auth\": null", "\"mail_without_auth\": null",
		"\"error\": \"refused\"", "\"healthy\": false", "\"port\": 587",
		"\"mode\": \"starttls\"" };
	size_t i;

	memset(&t, 0, sizeof t);
	strcpy(t.address, "192.0.2.1");
	t.port = t.real_port = 587;
	t.mode = SF_MODE_STARTTLS;
	sf_error_set(&t.connect_err, SF_E_REFUSED, "connection refused");
	sf_transcript_init(&t.transcript, NULL);
	memset(&res, 0, sizeof res);
	strcpy(res.host, "mail.example.com");
	res.resolved = true;
	res.login_index = -1;
	res.targets = &t;
	res.ntargets = 1;
	sf_buf_init(&out, SF_REPORT_MAX);
	ck_assert_int_eq(sf_report_probe_json(&res, NULL, NULL, false, &out, &err), 0);
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		ck_assert_msg(
			strstr(out.data, keys[i]) != NULL, "missing %s in\n%s", keys[i], out.data);
	ck_assert_ptr_null(strstr(out.data, "\"transcript\""));
	sf_buf_reset(&out);
	ck_assert_int_eq(sf_report_probe_text(&res, NULL, false, false, &out, &err), 0);
	ck_assert_ptr_nonnull(strstr(out.data, "FAILED: connection refused"));
	ck_assert_ptr_nonnull(
		strstr(out.data, "Verdict        PROBLEM: port 587: connection refused"));
	sf_buf_free(&out);
	sf_transcript_free(&t.transcript);
}
END_TEST

START_TEST(unresolved_host_is_reported)
{
	struct sf_probe_result res;
	struct sf_buf out;
	struct sf_error err;

	memset(&res, 0, sizeof res);
	strcpy(res.host, "nowhere.invalid");
	sf_error_set(&res.resolve_err, SF_E_DNS, "'nowhere.invalid' does not exist in DNS");
	sf_buf_init(&out, SF_REPORT_MAX);
	ck_assert_int_eq(sf_report_probe_json(&res, NULL, NULL, false, &out, &err), 0);
	ck_assert_ptr_nonnull(strstr(out.data, "\"error\": \"dns\""));
	ck_assert_ptr_nonnull(strstr(out.data, "\"targets\": []"));
	sf_buf_free(&out);
}
END_TEST

Suite *
report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("report");

	tcase_add_test(tc, json_keeps_fields_that_did_not_happen_as_null);
	tcase_add_test(tc, unresolved_host_is_reported);
	suite_add_tcase(s, tc);
	return s;
}
