#include <sys/stat.h>
/* Exim configuration reading: the preprocessor and the verdict. */
#include <stdio.h>
#include <string.h>

#include "smtpfix/mta.h"
#include "unit/fixture.h"
#include "unit/suites.h"

static struct sf_policy pol;
static struct sf_exim_model m;

static void
parse(const char *text)
{
	memset(&pol, 0, sizeof pol);
	memset(&m, 0, sizeof m);
	ck_assert_int_eq(sf_exim_parse_text(text, strlen(text), NULL, "test.conf", &m, &pol), 0);
}

START_TEST(continuations_comments_and_macros)
{
	struct sf_setting s;

	parse("# a comment\n"
	      "PORTS = 25 : 587\n"
	      "daemon_smtp_ports = PORTS : \\\n"
	      "    465\n"
	      "tls_on_connect_ports = 465\n"
	      "begin authenticators\n"
	      "login:\n"
	      "  driver = plaintext\n"
	      "  public_name = LOGIN\n"
	      "  server_advertise_condition = ${if \\\n"
	      "# a comment inside a continuation is skipped\n"
	      "     def:tls_in_cipher }\n");
	ck_assert_str_eq(m.daemon_smtp_ports, "25 : 587 : 465");
	ck_assert_str_eq(m.tls_on_connect_ports, "465");
	ck_assert_uint_eq(m.nauths, 1);
	ck_assert_str_eq(m.auths[0].advertise_condition, "${if def:tls_in_cipher }");
	sf_exim_verdict(&m, "test.conf", &s);
	ck_assert_int_eq(s.value, SF_TRI_YES);
}
END_TEST

START_TEST(conditionals_nest_and_else)
{
	struct sf_setting s;

	parse("ALLOW = 1\n"
	      "begin authenticators\n"
	      "plain:\n"
	      "  driver = plaintext\n"
	      "  public_name = PLAIN\n"
	      ".ifdef ALLOW\n"
	      ".ifndef NOPE\n"
	      "  server_advertise_condition = yes\n"
	      ".else\n"
	      "  server_advertise_condition = ${if def:tls_in_cipher}\n"
	      ".endif\n"
	      ".else\n"
	      "  server_advertise_condition = ${if def:tls_in_cipher}\n"
	      ".endif\n");
	ck_assert_str_eq(m.auths[0].advertise_condition, "yes");
	sf_exim_verdict(&m, "x", &s);
	ck_assert_int_eq(s.value, SF_TRI_NO);
	ck_assert_ptr_nonnull(strstr(s.evidence, "plain"));
	ck_assert_uint_eq(pol.nnotes, 0);
}
END_TEST

START_TEST(verdict_cases)
{
	struct sf_setting s;

	/* Only CRAM-MD5: no password crosses the wire, so no verdict. */
	parse("begin authenticators\ncram:\n driver = cram_md5\n public_name = CRAM-MD5\n");
	sf_exim_verdict(&m, "x", &s);
	ck_assert_int_eq(s.value, SF_TRI_UNKNOWN);
	/* The global switch gates every mechanism. */
	parse("auth_advertise_hosts = ${if eq{$tls_in_cipher}{}{}{*}}\n"
	      "begin authenticators\np:\n driver = plaintext\n public_name = PLAIN\n");
	sf_exim_verdict(&m, "x", &s);
	ck_assert_int_eq(s.value, SF_TRI_YES);
	/* Empty: AUTH is advertised to nobody. */
	parse("auth_advertise_hosts =\nbegin authenticators\np:\n driver = plaintext\n public_name = PLAIN\n");
	sf_exim_verdict(&m, "x", &s);
	ck_assert_int_eq(s.value, SF_TRI_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(s.evidence, "nobody"));
}
END_TEST

START_TEST(includes_and_broken_input)
{
	char path[300], text[600];
	FILE *f;

	fx_make_dir();
	snprintf(path, sizeof path, "%s/etc", fx_dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/etc/auth.conf", fx_dir);
	f = fopen(path, "w");
	fputs("begin authenticators\nl:\n driver = plaintext\n public_name = LOGIN\n", f);
	fclose(f);
	memset(&pol, 0, sizeof pol);
	memset(&m, 0, sizeof m);
	snprintf(text, sizeof text,
		"daemon_smtp_ports = 25\n.include /etc/auth.conf\n.include_if_exists /etc/none.conf\n"
		".include /etc/missing.conf\n.ifdef UNCLOSED\n");
	sf_exim_parse_text(text, strlen(text), fx_dir, "main.conf", &m, &pol);
	ck_assert_uint_eq(m.nauths, 1);
	ck_assert_str_eq(m.auths[0].public_name, "LOGIN");
	ck_assert_uint_eq(pol.nnotes, 2); /* the missing include, the open .ifdef */
	ck_assert_ptr_nonnull(strstr(pol.notes[0], "/etc/missing.conf"));
	/* NUL bytes, binary junk, a line with no end: read, not crashed. */
	memset(&m, 0, sizeof m);
	sf_exim_parse_text("a\0b = c\n\xff\xfe\nbegin authenticators\nx:\n driver", 40, NULL, "bad", &m, &pol);
	ck_assert_uint_le(m.nauths, 1);
	fx_remove_dir();
}
END_TEST

START_TEST(bp_output_blocks)
{
	struct sf_setting s;

	memset(&m, 0, sizeof m);
	sf_exim_model_from_bp("\ndovecot_login authenticator:\nclient_condition = \ndriver = dovecot\n"
			      "public_name = LOGIN\nserver_advertise_condition = ${if def:tls_cipher}\n\n"
			      "daemon_smtp_ports = 25 : 587\nauth_advertise_hosts = *\n", &m);
	ck_assert_uint_eq(m.nauths, 1);
	ck_assert_str_eq(m.auths[0].name, "dovecot_login");
	ck_assert_str_eq(m.daemon_smtp_ports, "25 : 587");
	sf_exim_verdict(&m, "exim -bP", &s);
	ck_assert_int_eq(s.value, SF_TRI_YES);
}
END_TEST

START_TEST(durations_and_ports)
{
	long secs;

	ck_assert_int_eq(sf_parse_duration("7d", &secs), 0);
	ck_assert_int_eq(secs, 7 * 86400);
	ck_assert_int_eq(sf_parse_duration("12h", &secs), 0);
	ck_assert_int_eq(secs, 12 * 3600);
	ck_assert_int_eq(sf_parse_duration("3", &secs), 0);
	ck_assert_int_eq(secs, 3 * 86400);
	ck_assert_int_eq(sf_parse_duration("2w", &secs), 0);
	ck_assert_int_eq(sf_parse_duration("7x", &secs), -1);
	ck_assert_int_eq(sf_parse_duration("-1d", &secs), -1);
	ck_assert_int_eq(sf_parse_duration("7dd", &secs), -1);
	ck_assert_int_eq(sf_mta_port_number("587"), 587);
	ck_assert_int_eq(sf_mta_port_number("70000"), 0);
	ck_assert_int_eq(sf_mta_port_number("58x"), 0);
}
END_TEST

Suite *
mta_conf_suite(void)
{
	Suite *s = suite_create("mta-conf");
	TCase *tc = tcase_create("exim");

	tcase_add_test(tc, continuations_comments_and_macros);
	tcase_add_test(tc, conditionals_nest_and_else);
	tcase_add_test(tc, verdict_cases);
	tcase_add_test(tc, includes_and_broken_input);
	tcase_add_test(tc, bp_output_blocks);
	tcase_add_test(tc, durations_and_ports);
	suite_add_tcase(s, tc);
	return s;
}
