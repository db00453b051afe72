/* Diagnosis rules on facts made by hand: no network. */
#include <string.h>

#include "smtpfix/diagnose.h"
#include "smtpfix/help.h"
#include "unit/suites.h"

START_TEST(pasted_text_and_server_advice_order)
{
	static const char text[] = "550 SMTP AUTH is required for message submission on port 587";
	static struct sf_policy pol;
	struct sf_explain_result r;
	struct sf_diagnosis d;
	struct sf_error err;
	struct sf_diag_input in = { .text = &r, .policy = &pol };
	const char *cat;
	size_t len, i;

	/* On a cPanel server: its advice names WHM's own settings. */
	memset(&pol, 0, sizeof pol);
	snprintf(pol.panel, sizeof pol.panel, "cpanel");
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
	ck_assert_int_eq(d.kind, SF_SERVER_CPANEL);
	ck_assert_ptr_nonnull(strstr(d.server[d.nserver - 1].text, "WHM"));
}
END_TEST

/* The same finding on a Postfix server (known from its greeting): advice
 * in Postfix's terms, never WHM's. */
START_TEST(server_kind_from_the_banner)
{
	static struct sf_probe_result res;
	static struct sf_target_result t;
	static char banner[] = "mail.example.com ESMTP Postfix (Debian/GNU)";
	struct sf_diagnosis d;
	struct sf_diag_input in = { .probe = &res };
	size_t i;

	memset(&res, 0, sizeof res);
	memset(&t, 0, sizeof t);
	res.resolved = true;
	res.login_index = -1;
	res.targets = &t;
	res.ntargets = 1;
	t.purpose = SF_PURPOSE_MAIN;
	t.port = 587;
	t.connect_ok = true;
	t.smtp.greeting.replied = true;
	t.smtp.greeting.reply.code = 220;
	t.smtp.greeting.reply.text = banner;
	t.smtp.caps_valid = t.smtp.caps_tls_valid = true;
	t.smtp.caps_tls.nauth = 1;
	snprintf(t.smtp.caps_tls.auth[0], sizeof t.smtp.caps_tls.auth[0], "PLAIN");
	sf_diagnose(&in, &d);
	ck_assert_int_eq(d.kind, SF_SERVER_POSTFIX);
	ck_assert_uint_ge(d.nfindings, 1);
	ck_assert_str_eq(d.findings[0].cause, "auth-requires-tls");
	/* Without the person's setting, a server asking for TLS first is no problem. */
	ck_assert_str_eq(d.findings[0].severity, "info");
	ck_assert_uint_ge(d.nserver, 2);
	for (i = 0; i < d.nserver; i++)
		ck_assert_ptr_null(strstr(d.server[i].text, "WHM"));
	ck_assert_ptr_nonnull(strstr(d.server[d.nserver - 1].text, "smtpd_tls_auth_only"));
}
END_TEST

START_TEST(unresolved_host_is_a_dns_finding)
{
	struct sf_probe_result res;
	struct sf_diagnosis d;
	struct sf_diag_input in = { .probe = &res };

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
	struct sf_diag_input in = { .policy = &pol };

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
	tcase_add_test(tc, server_kind_from_the_banner);
	tcase_add_test(tc, unresolved_host_is_a_dns_finding);
	tcase_add_test(tc, policy_disagreement_is_found);
	suite_add_tcase(s, tc);
	return s;
}
