/* The run below the front ends: one rule for the guide's values, and the
 * server found for what was typed. Pure: no probe is run here. */
#include <stdio.h>
#include <string.h>

#include "smtpfix/run.h"
#include "unit/suites.h"

/* With a recommended setting: its values, the user name typed winning;
 * without one: what was typed, on 587 with STARTTLS and login on. Either
 * way a control character typed cannot reach a step. */
START_TEST(guide_values_follow_one_rule)
{
	struct sf_run r;
	struct sf_run_guide_values gv;

	sf_run_init(&r);
	sf_run_guide_values(&r, "mail.example.test\nStep 1: run this", "", &gv);
	ck_assert_str_eq(gv.host, "mail.example.test?Step 1: run this");
	ck_assert_int_eq(gv.v.port, 587);
	ck_assert_int_eq(gv.v.security, SF_GUIDE_STARTTLS);
	ck_assert(gv.v.auth);
	ck_assert_str_eq(gv.user, "your full email address");

	r.have_res = true;
	r.res.login_index = -1;
	r.res.recommended.found = true;
	snprintf(r.res.recommended.host, sizeof r.res.recommended.host, "smtp.example.test");
	r.res.recommended.port = 465;
	r.res.recommended.security = SF_SEC_TLS;
	r.res.recommended.auth = true;
	snprintf(r.res.recommended.username, sizeof r.res.recommended.username, "ann@example.test");
	sf_run_guide_values(&r, "typed.example.test", "", &gv);
	ck_assert_str_eq(gv.host, "smtp.example.test");
	ck_assert_int_eq(gv.v.port, 465);
	ck_assert_int_eq(gv.v.security, SF_GUIDE_TLS);
	ck_assert_str_eq(gv.user, "ann@example.test");
	sf_run_guide_values(&r, "typed.example.test", "bob@example.test", &gv);
	ck_assert_str_eq(gv.user, "bob@example.test");
	r.have_res = false; /* nothing was allocated for this hand-made result */
	sf_run_free(&r);
}
END_TEST

/* A name typed in Unicode is probed in the form DNS holds, and both forms
 * are kept for the front end to say; a plain name is taken as it is. */
START_TEST(typed_names_are_found_as_dns_holds_them)
{
	struct sf_run r;
	struct sf_run_server found;
	struct sf_error err;

	sf_run_init(&r);
	ck_assert_int_eq(sf_run_find_server(&r,
				 "mail.b\xc3\xbc"
				 "cher.test",
				 NULL, &found, &err),
		0);
	ck_assert_str_eq(found.host, "mail.xn--bcher-kva.test");
	ck_assert_str_eq(found.idn_ascii, "mail.xn--bcher-kva.test");
	ck_assert_str_eq(found.idn_typed, "mail.b\xc3\xbc"
					  "cher.test");
	ck_assert(!found.from_discovery && !found.discovery_failed && found.addrs == NULL);
	ck_assert_int_eq(sf_run_find_server(&r, "mail.example.test", NULL, &found, &err), 0);
	ck_assert_str_eq(found.host, "mail.example.test");
	ck_assert_str_eq(found.idn_typed, "");
	sf_run_free(&r);
}
END_TEST

/* An address at a domain given a name without DNS leads to that name:
 * mail.DOMAIN before DOMAIN, case aside; anything else is left to DNS. */
START_TEST(names_given_lead_an_address_to_its_server)
{
	struct sf_host_map maps[3];

	memset(maps, 0, sizeof maps);
	snprintf(maps[0].name, sizeof maps[0].name, "example.test");
	snprintf(maps[1].name, sizeof maps[1].name, "mail.example.test");
	snprintf(maps[2].name, sizeof maps[2].name, "other.test");
	ck_assert_str_eq(sf_run_mapped_server("ann@example.test", maps, 3), "mail.example.test");
	ck_assert_str_eq(sf_run_mapped_server("ann@EXAMPLE.test", maps, 3), "mail.example.test");
	ck_assert_str_eq(sf_run_mapped_server("bob@other.test", maps, 3), "other.test");
	ck_assert_ptr_null(sf_run_mapped_server("ann@elsewhere.test", maps, 3));
	ck_assert_ptr_null(sf_run_mapped_server("mail.example.test", maps, 3));
	ck_assert_ptr_null(sf_run_mapped_server("ann@", maps, 3));
	ck_assert_ptr_null(sf_run_mapped_server("ann@example.test", maps, 0));
}
END_TEST

Suite *
run_suite(void)
{
	Suite *s = suite_create("run");
	TCase *tc = tcase_create("run");

	tcase_add_test(tc, guide_values_follow_one_rule);
	tcase_add_test(tc, typed_names_are_found_as_dns_holds_them);
	tcase_add_test(tc, names_given_lead_an_address_to_its_server);
	suite_add_tcase(s, tc);
	return s;
}
