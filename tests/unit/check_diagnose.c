/* Diagnosis rules on facts made by hand: no network. */
#include <stdio.h>
#include <stdlib.h>
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
	pol.cpanel = true;
	cat = sf_help_get("errors/catalog.txt", &len);
	ck_assert_int_eq(sf_explain(text, sizeof text - 1, cat, len, &r, &err), 0);
	sf_diagnose(&in, &d);
	ck_assert_uint_eq(d.nfindings, 1);
	ck_assert_str_eq(sf_cause_id(d.findings[0].cause), "auth-requires-tls");
	/* Quoted as pasted, capitals and all. */
	ck_assert_ptr_nonnull(strstr(d.findings[0].evidence[0],
		"\"550 SMTP AUTH is required for message submission on port 587\""));
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
	ck_assert_str_eq(sf_cause_id(d.findings[0].cause), "auth-requires-tls");
	/* Without the person's setting, a server asking for TLS first is no problem. */
	ck_assert_int_eq(d.findings[0].severity, SF_SEV_INFO);
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
	ck_assert_str_eq(sf_cause_id(d.findings[0].cause), "dns-failure");
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
	ck_assert_str_eq(sf_cause_id(d.findings[0].cause), "server-config-not-applied");
	ck_assert_ptr_nonnull(strstr(d.server[0].text, "buildeximconf"));
}
END_TEST

/* This machine's own configuration speaks for a probe of this machine on
 * one of its ports only: not for another host, not for a loopback test
 * server on a port it does not configure. A copy given on purpose does. */
START_TEST(local_settings_join_only_for_the_server_they_configure)
{
	static struct sf_policy pol;
	static struct sf_probe_result res;
	static struct sf_target_result t;

	memset(&pol, 0, sizeof pol);
	memset(&res, 0, sizeof res);
	memset(&t, 0, sizeof t);
	pol.nports = 1;
	pol.ports[0].port = 587;
	res.targets = &t;
	res.ntargets = 1;
	t.connect_ok = true;
	t.port = 587;
	t.real_port = 587;
	ck_assert(!sf_diag_policy_applies(&pol, &res, false)); /* another host */
	ck_assert(sf_diag_policy_applies(&pol, &res, true));   /* a copy given on purpose */
	res.local_target = true;
	ck_assert(sf_diag_policy_applies(&pol, &res, false)); /* this machine, its port */
	t.real_port = 20587;                                  /* a test server mapped to 587 */
	ck_assert(!sf_diag_policy_applies(&pol, &res, false));
	ck_assert(!sf_diag_policy_applies(NULL, &res, true));
}
END_TEST

/* Every sentence a rule can say is in help/diagnosis/findings.txt, names
 * only facts the rules fill, and the file has no line no rule uses. */
START_TEST(finding_sentences_come_from_help)
{
	const char *text, *p, *end;
	char out[SF_DIAG_TEXT_MAX];
	size_t len, i, k, lines = 0;

	for (i = 0; sf_diag_text_keys[i] != NULL; i++)
		ck_assert_msg(sf_diag_text(sf_diag_text_keys[i], NULL, out, sizeof out) == 0,
			"no sentence for %s", sf_diag_text_keys[i]);
	ck_assert_int_eq(sf_diag_text("no-such-key", NULL, out, sizeof out), -1);
	text = sf_help_get("diagnosis/findings.txt", &len);
	ck_assert_ptr_nonnull(text);
	for (p = text; p < text + len; p = end + 1) {
		const char *colon, *b;
		bool known = false;

		end = memchr(p, '\n', (size_t)(text + len - p));
		if (end == NULL)
			end = text + len;
		if (end == p || *p == '#')
			continue;
		colon = memchr(p, ':', (size_t)(end - p));
		ck_assert_ptr_nonnull(colon);
		for (i = 0; sf_diag_text_keys[i] != NULL; i++)
			if (strlen(sf_diag_text_keys[i]) == (size_t)(colon - p) &&
				memcmp(sf_diag_text_keys[i], p, (size_t)(colon - p)) == 0)
				known = true;
		ck_assert_msg(known, "findings.txt: %.*s is used by no rule", (int)(colon - p), p);
		for (b = memchr(colon, '{', (size_t)(end - colon)); b != NULL;
			b = memchr(b + 1, '{', (size_t)(end - b - 1))) {
			const char *c = memchr(b, '}', (size_t)(end - b));
			bool fact = false;

			ck_assert_ptr_nonnull(c);
			for (k = 0; sf_diag_text_facts[k] != NULL; k++)
				if (strlen(sf_diag_text_facts[k]) == (size_t)(c - b - 1) &&
					memcmp(sf_diag_text_facts[k], b + 1, (size_t)(c - b - 1)) ==
						0)
					fact = true;
			ck_assert_msg(fact, "findings.txt: {%.*s} is no fact a rule fills",
				(int)(c - b - 1), b + 1);
		}
		lines++;
	}
	ck_assert_uint_eq(lines, i);
	{
		const char *facts[] = { "port", "25", "means", "too many connections", NULL };

		ck_assert_int_eq(sf_diag_text("greeting-refused", facts, out, sizeof out), 0);
		ck_assert_ptr_nonnull(strstr(out, "on port 25 before"));
		ck_assert_ptr_nonnull(strstr(out, ": too many connections"));
	}
}
END_TEST

/* A matrix by hand: a server with SSL/TLS on 465 and STARTTLS on 587. */
static void
cell(struct sf_probe_result *p, int port, enum sf_security sec, enum sf_outcome o)
{
	struct sf_matrix_cell *c = &p->cells[p->ncells++];

	memset(c, 0, sizeof *c);
	c->port = port;
	c->security = sec;
	c->auth = true;
	c->outcome = o;
	c->source = -1;
}

static struct sf_probe_result *
two_port_server(void)
{
	struct sf_probe_result *p = calloc(1, sizeof *p);

	ck_assert_ptr_nonnull(p);
	p->resolved = p->analysed = true;
	p->login_index = -1;
	cell(p, 465, SF_SEC_NONE, SF_OUT_HANGS_NO_GREETING);
	cell(p, 465, SF_SEC_STARTTLS, SF_OUT_HANGS_NO_GREETING);
	cell(p, 465, SF_SEC_TLS, SF_OUT_WORKS);
	cell(p, 587, SF_SEC_NONE, SF_OUT_AUTH_NOT_OFFERED);
	cell(p, 587, SF_SEC_STARTTLS, SF_OUT_WORKS);
	cell(p, 587, SF_SEC_TLS, SF_OUT_TLS_HANDSHAKE_FAILS);
	p->recommended.found = p->recommended.as_typed = p->recommended.auth = true;
	snprintf(p->recommended.host, sizeof p->recommended.host, "mail.example.com");
	p->recommended.port = 587;
	p->recommended.security = SF_SEC_STARTTLS;
	return p;
}

/* The wrong kind of encryption for the port is the problem, named first,
 * and the fix is one change: the security, on the person's own port. */
START_TEST(wrong_tls_mode_for_the_port)
{
	static const struct {
		int port;
		enum sf_security now, fixed;
		const char *says;
	} cases[] = {
		{ 465, SF_SEC_STARTTLS, SF_SEC_TLS, "expects encryption from the first byte" },
		{ 465, SF_SEC_NONE, SF_SEC_TLS, "expects encryption from the first byte" },
		{ 587, SF_SEC_TLS, SF_SEC_STARTTLS, "switches to it on request (STARTTLS)" },
	};
	struct sf_probe_result *p = two_port_server();
	struct sf_diagnosis d;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sf_diag_input in = { .probe = p,
			.now_known = true,
			.now_port = cases[i].port,
			.now_security = cases[i].now };

		sf_diagnose(&in, &d);
		ck_assert_uint_ge(d.nfindings, 1);
		ck_assert_str_eq(sf_cause_id(d.findings[0].cause), "tls-mode-mismatch");
		ck_assert_int_eq(d.findings[0].severity, SF_SEV_PROBLEM);
		ck_assert_ptr_nonnull(strstr(d.findings[0].text, cases[i].says));
		ck_assert_uint_eq(d.findings[0].nevidence, 2);
		ck_assert_int_eq(sf_diag_settings(&d, p)->port, cases[i].port);
		ck_assert_int_eq(sf_diag_settings(&d, p)->security, cases[i].fixed);
	}
	/* A setting that works, or one not told, is no such problem. */
	{
		struct sf_diag_input in = {
			.probe = p, .now_known = true, .now_port = 465, .now_security = SF_SEC_TLS
		};

		sf_diagnose(&in, &d);
		for (i = 0; i < d.nfindings; i++)
			ck_assert_int_ne(d.findings[i].cause, SF_CAUSE_TLS_MODE_MISMATCH);
		in.now_known = false;
		sf_diagnose(&in, &d);
		for (i = 0; i < d.nfindings; i++)
			ck_assert_int_ne(d.findings[i].cause, SF_CAUSE_TLS_MODE_MISMATCH);
		ck_assert_int_eq(sf_diag_settings(&d, p)->port, 587);
	}
	free(p);
}
END_TEST

Suite *
diagnose_suite(void)
{
	Suite *s = suite_create("diagnose");
	TCase *tc = tcase_create("rules");

	tcase_add_test(tc, pasted_text_and_server_advice_order);
	tcase_add_test(tc, server_kind_from_the_banner);
	tcase_add_test(tc, local_settings_join_only_for_the_server_they_configure);
	tcase_add_test(tc, finding_sentences_come_from_help);
	tcase_add_test(tc, unresolved_host_is_a_dns_finding);
	tcase_add_test(tc, policy_disagreement_is_found);
	tcase_add_test(tc, wrong_tls_mode_for_the_port);
	suite_add_tcase(s, tc);
	return s;
}
