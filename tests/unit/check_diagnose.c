/* Diagnosis rules on facts made by hand: no network. */
#include <string.h>

#include "smtpfix/diagnose.h"
#include "smtpfix/help.h"
#include "unit/suites.h"

START_TEST(pasted_text_and_server_advice_order)
{
	static const char text[] = "550 SMTP AUTH is required for message submission on port 587";
	struct sf_explain_result r;
	struct sf_diagnosis d;
	struct sf_error err;
	struct sf_diag_input in = { NULL, NULL, NULL, &r };
	const char *cat;
	size_t len, i;

	cat = sf_help_get("errors/catalog.txt", &len);
	ck_assert_int_eq(sf_explain(text, sizeof text - 1, cat, len, &r, &err), 0);
	sf_diagnose(&in, &d);
	ck_assert_uint_eq(d.nfindings, 1);
	ck_assert_str_eq(d.findings[0].cause, "auth-requires-tls");
	ck_assert_ptr_nonnull(strstr(d.findings[0].evidence[0], "smtp auth is required"));
	/* Weakening advice never comes before the safe advice. */
	ck_assert_uint_ge(d.nserver, 2);
	ck_assert(!d.server[0].weakens);
	for (i = 1; i < d.nserver; i++)
		ck_assert(!(d.server[i - 1].weakens && !d.server[i].weakens));
}
END_TEST

START_TEST(unresolved_host_is_a_dns_finding)
{
	struct sf_probe_result res;
	struct sf_diagnosis d;
	struct sf_diag_input in = { &res, NULL, NULL, NULL };

	memset(&res, 0, sizeof res);
	res.login_index = -1;
	sf_error_set(&res.resolve_err, SF_E_DNS, "'mial.example.com' does not exist in DNS");
	sf_diagnose(&in, &d);
	ck_assert_uint_eq(d.nfindings, 1);
	ck_assert_str_eq(d.findings[0].cause, "dns-failure");
	ck_assert_ptr_nonnull(strstr(d.findings[0].text, "mial.example.com"));
}
END_TEST

START_TEST(policy_disagreement_is_found)
{
	static struct sf_policy pol;
	struct sf_diagnosis d;
	struct sf_diag_input in = { NULL, &pol, NULL, NULL };

	memset(&pol, 0, sizeof pol);
	pol.intent.value = SF_TRI_YES;
	pol.auth_requires_tls.value = SF_TRI_NO;
	pol.dovecot_plaintext.value = SF_TRI_UNKNOWN;
	sf_diagnose(&in, &d);
	ck_assert_uint_eq(d.nfindings, 1);
	ck_assert_str_eq(d.findings[0].cause, "server-config-not-applied");
	ck_assert_ptr_nonnull(strstr(d.server[0].text, "buildeximconf"));
}
END_TEST

Suite *
diagnose_suite(void)
{
	Suite *s = suite_create("diagnose");
	TCase *tc = tcase_create("rules");

	tcase_add_test(tc, pasted_text_and_server_advice_order);
	tcase_add_test(tc, unresolved_host_is_a_dns_finding);
	tcase_add_test(tc, policy_disagreement_is_found);
	suite_add_tcase(s, tc);
	return s;
}
