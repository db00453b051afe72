#include <sys/stat.h>
/* Exim configuration reading: the preprocessor and the verdict; finding
 * files under a root without leaving it; the limits on what one run reads. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
	      "begin authenticators\np:\n driver = plaintext\n public_name = PLAIN\n "
	      "server_condition = yes\n");
	sf_exim_verdict(&m, "x", &s);
	ck_assert_int_eq(s.value, SF_TRI_YES);
	/* Empty: AUTH is advertised to nobody. */
	parse("auth_advertise_hosts =\nbegin authenticators\np:\n driver = plaintext\n public_name "
	      "= PLAIN\n server_condition = yes\n");
	sf_exim_verdict(&m, "x", &s);
	ck_assert_int_eq(s.value, SF_TRI_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(s.evidence, "nobody"));
	/* Debian's stock template: PLAIN and LOGIN for Exim's own sending to
	 * a smarthost (client_send only) are offered to no client. */
	parse("begin authenticators\nplain:\n driver = plaintext\n public_name = PLAIN\n"
	      " client_send = ^user^password\nlogin:\n driver = plaintext\n public_name = LOGIN\n"
	      " client_send = : user : password\n");
	sf_exim_verdict(&m, "x", &s);
	ck_assert_int_eq(s.value, SF_TRI_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(s.evidence, "no PLAIN or LOGIN authenticator"));
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
		"daemon_smtp_ports = 25\n.include /etc/auth.conf\n.include_if_exists "
		"/etc/none.conf\n"
		".include /etc/missing.conf\n.ifdef UNCLOSED\n");
	sf_exim_parse_text(text, strlen(text), fx_dir, "main.conf", &m, &pol);
	ck_assert_uint_eq(m.nauths, 1);
	ck_assert_str_eq(m.auths[0].public_name, "LOGIN");
	ck_assert_uint_eq(pol.nnotes, 2); /* the missing include, the open .ifdef */
	ck_assert_ptr_nonnull(strstr(pol.notes[0], "/etc/missing.conf"));
	/* NUL bytes, binary junk, a line with no end: read, not crashed. */
	memset(&m, 0, sizeof m);
	sf_exim_parse_text(
		"a\0b = c\n\xff\xfe\nbegin authenticators\nx:\n driver", 40, NULL, "bad", &m, &pol);
	ck_assert_uint_le(m.nauths, 1);
	fx_remove_dir();
}
END_TEST

/* A file or link under fx_dir, its folders made as needed. */
static void
put(const char *rel, const char *text)
{
	char path[600], *slash;
	FILE *f;

	snprintf(path, sizeof path, "%s%s", fx_dir, rel);
	for (slash = strchr(path + strlen(fx_dir) + 1, '/'); slash != NULL;
		slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void
link_at(const char *rel, const char *target)
{
	char path[600];

	snprintf(path, sizeof path, "%s%s", fx_dir, rel);
	ck_assert_int_eq(symlink(target, path), 0);
}

START_TEST(paths_stay_inside_the_root)
{
	char root[300], outside[400], why[SF_MTA_TEXT_MAX], out[SF_MTA_PATH_MAX], fifo[400];
	struct stat st;
	int fd;

	fx_make_dir();
	put("/outside/secret.conf", "secret\n");
	put("/root/etc/real.conf", "real\n");
	snprintf(root, sizeof root, "%s/root", fx_dir);
	snprintf(outside, sizeof outside, "%s/outside/secret.conf", fx_dir);
	link_at("/root/etc/abs-inside", "/etc/real.conf");
	link_at("/root/etc/abs-outside", outside);
	link_at("/root/etc/climb", "../../../../../etc/real.conf");
	link_at("/root/etc/loop-a", "loop-b");
	link_at("/root/etc/loop-b", "loop-a");
	link_at("/root/etc/up", "..");
	link_at("/root/var", "/etc");

	/* An absolute link starts again at the root; ".." stops at it. */
	fd = sf_mta_open(root, "/etc/abs-inside", why, sizeof why);
	ck_assert_int_ge(fd, 0);
	close(fd);
	fd = sf_mta_open(root, "/etc/climb", why, sizeof why);
	ck_assert_int_ge(fd, 0);
	close(fd);
	fd = sf_mta_open(root, "/var/up/../../var/real.conf", why, sizeof why);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(
		sf_mta_resolve(root, "/var/abs-inside", out, sizeof out, &st, why, sizeof why), 0);
	ck_assert_str_eq(out + strlen(root), "/etc/real.conf");
	ck_assert(S_ISREG(st.st_mode));

	/* A link to a file outside the root leads to nothing inside it. */
	ck_assert_int_eq(sf_mta_open(root, "/etc/abs-outside", why, sizeof why), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_ptr_nonnull(strstr(why, "/etc/abs-outside is a symbolic link to"));
	ck_assert(
		sf_mta_exists(root, "/etc/abs-outside")); /* the name is there: reading says why */
	ck_assert(!sf_mta_exists(root, "/etc/none"));

	/* A loop is refused after SF_MTA_LINK_HOPS links. */
	ck_assert_int_eq(sf_mta_open(root, "/etc/loop-a", why, sizeof why), -1);
	ck_assert_int_eq(errno, ELOOP);
	ck_assert_ptr_nonnull(strstr(why, "refused: more than"));

	/* Simply not there: no reason, so callers stay silent. */
	ck_assert_int_eq(sf_mta_open(root, "/etc/none.conf", why, sizeof why), -1);
	ck_assert_str_eq(why, "");

	/* A FIFO is not opened (it would block), a folder is not read. */
	snprintf(fifo, sizeof fifo, "%s/etc/fifo", root);
	ck_assert_int_eq(mkfifo(fifo, 0644), 0);
	ck_assert_int_eq(sf_mta_open(root, "/etc/fifo", why, sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "FIFO"));
	ck_assert_int_eq(sf_mta_open(root, "/etc", why, sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "a folder"));
	/* The live system: the FIFO is not waited on there either. */
	ck_assert_int_eq(sf_mta_open(NULL, fifo, why, sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "FIFO"));
	fx_remove_dir();
}
END_TEST

START_TEST(include_bomb_is_capped)
{
	char text[400];
	struct sf_setting s;
	size_t i, n = 0;

	fx_make_dir();
	for (i = 0; i < 10; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, ".include /etc/bomb.conf\n");
	put("/etc/bomb.conf", text);
	memset(&pol, 0, sizeof pol);
	memset(&m, 0, sizeof m);
	sf_exim_parse_text(text, strlen(text), fx_dir, "/etc/exim.conf", &m, &pol);
	ck_assert_uint_eq(pol.includes, SF_MTA_INCLUDES_MAX);
	ck_assert(pol.includes_cap_hit);
	ck_assert_uint_eq(pol.nfiles, 1); /* listed once however often it was read */
	sf_exim_verdict(&m, "/etc/exim.conf", &s);
	ck_assert_int_eq(s.value, SF_TRI_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(s.evidence, "not known"));
	fx_remove_dir();
}
END_TEST

START_TEST(a_gap_means_no_verdict)
{
	struct sf_setting s;
	struct sf_buf b;

	fx_make_dir();
	put("/etc/auth.conf",
		"begin authenticators\np:\n driver = plaintext\n public_name = PLAIN\n"
		" server_advertise_condition = ${if def:tls_in_cipher}\n");
	/* Read whole, the include gives a verdict. */
	memset(&pol, 0, sizeof pol);
	memset(&m, 0, sizeof m);
	sf_exim_parse_text(".include /etc/auth.conf\n", 24, fx_dir, "main", &m, &pol);
	sf_exim_verdict(&m, "x", &s);
	ck_assert_int_eq(s.value, SF_TRI_YES);
	/* Past the run's read budget the include is not read, and a part not
	 * read might say otherwise: no verdict. */
	memset(&pol, 0, sizeof pol);
	memset(&m, 0, sizeof m);
	pol.bytes_read = SF_MTA_TOTAL_MAX - 4;
	ck_assert_int_eq(sf_mta_read(&pol, fx_dir, "/etc/auth.conf", "x", &b), -2);
	ck_assert(pol.bytes_cap_hit);
	ck_assert_uint_eq(pol.nunreadable, 1);
	ck_assert_ptr_nonnull(strstr(pol.unreadable[0].why, "limit on settings read in one run"));
	sf_exim_parse_text(".include /etc/auth.conf\n", 24, fx_dir, "main", &m, &pol);
	sf_exim_verdict(&m, "x", &s);
	ck_assert_int_eq(s.value, SF_TRI_UNKNOWN);
	ck_assert_ptr_nonnull(
		strstr(s.evidence, "/etc/auth.conf (included from main) was not read"));
	ck_assert_uint_eq(pol.nunreadable, 1); /* the same file and reason, said once */
	fx_remove_dir();
}
END_TEST

START_TEST(bp_output_blocks)
{
	struct sf_setting s;

	memset(&m, 0, sizeof m);
	sf_exim_model_from_bp(
		"\ndovecot_login authenticator:\nclient_condition = \ndriver = dovecot\n"
		"public_name = LOGIN\nserver_advertise_condition = ${if def:tls_cipher}\n\n"
		"daemon_smtp_ports = 25 : 587\nauth_advertise_hosts = *\n",
		&m);
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
	tcase_add_test(tc, paths_stay_inside_the_root);
	tcase_add_test(tc, include_bomb_is_capped);
	tcase_add_test(tc, a_gap_means_no_verdict);
	suite_add_tcase(s, tc);
	return s;
}
