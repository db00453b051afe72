/* Published settings: the two readers on real-shaped and hostile files,
 * and each published setting held against a settings matrix made by
 * hand (the diagnosis's verdicts and findings). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpfix/autoconfig.h"
#include "smtpfix/diagnose.h"
#include "unit/suites.h"

static void
pub_for(struct sf_published *p, const char *email, const char *domain)
{
	memset(p, 0, sizeof *p);
	snprintf(p->email, sizeof p->email, "%s", email);
	snprintf(p->domain, sizeof p->domain, "%s", domain);
	p->nsources = 1;
	p->sources[0].kind = SF_AC_MOZILLA;
	p->sources[0].status = SF_ACS_FOUND;
}

/* The shape of a hosting panel's file: two outgoing servers, the
 * placeholders, several authentication methods. */
static const char mozilla[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<clientConfig version=\"1.1\">\n"
	" <emailProvider id=\"example.com\">\n"
	"  <domain>example.com</domain>\n"
	"  <incomingServer type=\"imap\"><hostname>mail.example.com</hostname>"
	"<port>993</port><socketType>SSL</socketType></incomingServer>\n"
	"  <outgoingServer type=\"smtp\">\n"
	"   <hostname>smtp.%EMAILDOMAIN%</hostname>\n"
	"   <port> 587 </port>\n"
	"   <socketType>STARTTLS</socketType>\n"
	"   <authentication>OAuth2</authentication>\n"
	"   <authentication>password-cleartext</authentication>\n"
	"   <username>%EMAILLOCALPART%</username>\n"
	"  </outgoingServer>\n"
	"  <outgoingServer type=\"smtp\">\n"
	"   <hostname>mail.example.com</hostname><port>465</port>\n"
	"   <socketType>SSL</socketType><authentication>password-cleartext</authentication>\n"
	"   <username>%EMAILADDRESS%</username>\n"
	"  </outgoingServer>\n"
	" </emailProvider>\n"
	"</clientConfig>\n";

START_TEST(mozilla_file_read)
{
	struct sf_published p;
	struct sf_error err;

	pub_for(&p, "bob@example.com", "example.com");
	ck_assert_int_eq(sf_ac_read_mozilla(mozilla, strlen(mozilla), &p, 0, &err), 2);
	ck_assert_uint_eq(p.nservers, 2);
	ck_assert_str_eq(p.servers[0].host, "smtp.example.com");
	ck_assert(p.servers[0].host_valid);
	ck_assert_int_eq(p.servers[0].port, 587);
	ck_assert(p.servers[0].security_known);
	ck_assert_int_eq(p.servers[0].security, SF_AC_SEC_STARTTLS);
	/* The first method listed is the one the program takes. */
	ck_assert_int_eq(p.servers[0].auth, SF_ACA_OAUTH2);
	ck_assert_int_eq(p.servers[0].user_form, SF_ACU_LOCAL);
	ck_assert_str_eq(p.servers[0].username, "bob");
	ck_assert_int_eq(p.servers[0].rank, 0);
	ck_assert_int_eq(p.servers[1].rank, 1);
	ck_assert_int_eq(p.servers[1].security, SF_AC_SEC_TLS);
	ck_assert_int_eq(p.servers[1].user_form, SF_ACU_ADDRESS);
	ck_assert_str_eq(p.servers[1].username, "bob@example.com");
}
END_TEST

static const char autodiscover[] =
	"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	"<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/"
	"responseschema/2006\">\n"
	" <Response xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/"
	"responseschema/2006a\">\n"
	"  <Account><AccountType>email</AccountType><Action>settings</Action>\n"
	"   <Protocol><Type>IMAP</Type><Server>mail.example.com</Server><Port>993</Port>"
	"</Protocol>\n"
	"   <Protocol><Type>SMTP</Type><Server>mail.example.com</Server><Port>587</Port>\n"
	"    <SSL>on</SSL><Encryption>TLS</Encryption><AuthRequired>on</AuthRequired>\n"
	"    <LoginName>bob@example.com</LoginName></Protocol>\n"
	"   <Protocol><Type>SMTP</Type><Server>mail.example.com</Server><Port>465</Port>\n"
	"    <SSL>on</SSL></Protocol>\n"
	"   <Protocol><Type>SMTP</Type><Server>mail.example.com</Server><Port>25</Port>\n"
	"    <SSL>off</SSL><AuthRequired>off</AuthRequired></Protocol>\n"
	"  </Account>\n"
	" </Response>\n"
	"</Autodiscover>\n";

START_TEST(autodiscover_answer_read)
{
	struct sf_published p;
	struct sf_error err;
	char redirect[SF_AC_URL_MAX];

	pub_for(&p, "bob@example.com", "example.com");
	p.sources[0].kind = SF_AC_AUTODISCOVER;
	ck_assert_int_eq(sf_ac_read_autodiscover(autodiscover, strlen(autodiscover), &p, 0,
				 redirect, sizeof redirect, &err),
		3);
	ck_assert_str_eq(redirect, "");
	ck_assert_int_eq(p.servers[0].port, 587);
	ck_assert_int_eq(p.servers[0].security, SF_AC_SEC_STARTTLS);
	ck_assert_int_eq(p.servers[0].auth, SF_ACA_PASSWORD);
	ck_assert_int_eq(p.servers[0].user_form, SF_ACU_ADDRESS);
	/* SSL on alone, on the implicit-TLS port: TLS from the first byte. */
	ck_assert(p.servers[1].security_known);
	ck_assert_int_eq(p.servers[1].security, SF_AC_SEC_TLS);
	/* No LoginName: Outlook logs in with the address. */
	ck_assert_str_eq(p.servers[1].username, "bob@example.com");
	ck_assert_int_eq(p.servers[2].security, SF_AC_SEC_NONE);
	ck_assert_int_eq(p.servers[2].auth, SF_ACA_NONE);
	ck_assert_str_eq(p.autodiscover_host, "mail.example.com");
}
END_TEST

START_TEST(autodiscover_redirect_read)
{
	static const char doc[] =
		"<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/"
		"responseschema/2006\"><Response><Account><Action>redirectUrl</Action>"
		"<RedirectUrl>https://autodiscover.example.net/autodiscover/autodiscover.xml"
		"</RedirectUrl></Account></Response></Autodiscover>";
	struct sf_published p;
	struct sf_error err;
	char redirect[SF_AC_URL_MAX];

	pub_for(&p, "bob@example.com", "example.com");
	ck_assert_int_eq(
		sf_ac_read_autodiscover(doc, strlen(doc), &p, 0, redirect, sizeof redirect, &err),
		0);
	ck_assert_str_eq(
		redirect, "https://autodiscover.example.net/autodiscover/autodiscover.xml");
	ck_assert_uint_eq(p.nservers, 0);
}
END_TEST

/* Untrusted files: a DTD (entities, the way to XML bombs and file
 * reads) is refused; values with control characters, host names that
 * are not names, an endless value: never used as they are. */
START_TEST(hostile_files)
{
	static const char *const refused[] = {
		"<?xml version=\"1.0\"?><!DOCTYPE clientConfig [<!ENTITY x SYSTEM "
		"\"file:///etc/passwd\">]><clientConfig><emailProvider><outgoingServer "
		"type=\"smtp\"><hostname>&x;</hostname></outgoingServer></emailProvider>"
		"</clientConfig>",
		"<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 "
		"\"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\"><!ENTITY lol3 "
		"\"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>"
		"<clientConfig><emailProvider><outgoingServer type=\"smtp\"><hostname>&lol3;"
		"</hostname></outgoingServer></emailProvider></clientConfig>",
		"<clientConfig><emailProvider><outgoingServer type=\"smtp\">",
		"not xml at all",
		"<html><body>Welcome</body></html>",
		/* XML has no place for a control character: the file is broken. */
		"<clientConfig><emailProvider><outgoingServer type=\"smtp\"><hostname>a\x1b[2J"
		"</hostname></outgoingServer></emailProvider></clientConfig>",
	};
	static const char odd[] =
		"<clientConfig><emailProvider><outgoingServer type=\"smtp\">"
		"<hostname>evil host.example.com</hostname><port>99999</port>"
		"<socketType>quantum</socketType><username>bob\xe2\x80\xae</username>"
		"</outgoingServer><outgoingServer type=\"smtp\"><hostname>-bad-.example..com"
		"</hostname><port>587</port></outgoingServer><outgoingServer type=\"smtp\">"
		"<hostname>192.0.2.1</hostname></outgoingServer></emailProvider></clientConfig>";
	struct sf_published p;
	struct sf_error err;
	size_t i;
	char *big;

	for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		pub_for(&p, "bob@example.com", "example.com");
		ck_assert_int_eq(
			sf_ac_read_mozilla(refused[i], strlen(refused[i]), &p, 0, &err), -1);
		ck_assert_uint_eq(p.nservers, 0);
	}
	pub_for(&p, "bob@example.com", "example.com");
	ck_assert_int_eq(sf_ac_read_mozilla(odd, strlen(odd), &p, 0, &err), 3);
	for (i = 0; i < 3; i++) {
		ck_assert(!p.servers[i].host_valid);
		ck_assert_str_eq(p.servers[i].host, "");
	}
	ck_assert_int_eq(p.servers[0].port, 0);
	ck_assert(!p.servers[0].security_known);
	/* Larger than the cap: refused before parsing. */
	big = malloc(SF_AC_BODY_MAX + 2);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', SF_AC_BODY_MAX + 1);
	memcpy(big, "<clientConfig>", 14);
	big[SF_AC_BODY_MAX + 1] = '\0';
	pub_for(&p, "bob@example.com", "example.com");
	ck_assert_int_eq(sf_ac_read_mozilla(big, SF_AC_BODY_MAX + 1, &p, 0, &err), -1);
	ck_assert_int_eq(err.code, SF_E_TOO_LONG);
	free(big);
}
END_TEST

/* A cPanel-like server: login only after STARTTLS on 587, SSL/TLS on 465. */
static void
cell(struct sf_probe_result *p, int port, enum sf_security sec, bool auth, enum sf_outcome o)
{
	struct sf_matrix_cell *c = &p->cells[p->ncells++];

	memset(c, 0, sizeof *c);
	c->port = port;
	c->security = sec;
	c->auth = auth;
	c->outcome = o;
	c->source = -1;
}

static struct sf_probe_result *
cpanel_like(const char *host)
{
	struct sf_probe_result *p = calloc(1, sizeof *p);

	ck_assert_ptr_nonnull(p);
	snprintf(p->host, sizeof p->host, "%s", host);
	p->resolved = p->analysed = true;
	p->login_index = -1;
	cell(p, 587, SF_SEC_NONE, true, SF_OUT_AUTH_NOT_OFFERED);
	cell(p, 587, SF_SEC_STARTTLS, true, SF_OUT_LOGIN_OFFERED);
	cell(p, 587, SF_SEC_TLS, true, SF_OUT_TLS_HANDSHAKE_FAILS);
	cell(p, 587, SF_SEC_NONE, false, SF_OUT_REJECTED);
	cell(p, 465, SF_SEC_NONE, true, SF_OUT_HANGS_NO_GREETING);
	cell(p, 465, SF_SEC_TLS, true, SF_OUT_LOGIN_OFFERED);
	p->recommended.found = p->recommended.auth = true;
	snprintf(p->recommended.host, sizeof p->recommended.host, "%s", host);
	p->recommended.port = 587;
	p->recommended.security = SF_SEC_STARTTLS;
	return p;
}

static struct sf_ac_server *
published(struct sf_published *p, enum sf_ac_kind kind, const char *host, int port, int sec,
	enum sf_ac_user form)
{
	struct sf_ac_server *s = &p->servers[p->nservers++];

	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->source = p->nsources - 1;
	snprintf(s->host, sizeof s->host, "%s", host);
	s->host_valid = true;
	s->port = port;
	s->security_known = true;
	s->security = sec;
	s->auth = SF_ACA_PASSWORD;
	s->user_form = form;
	return s;
}

static const struct sf_diag_finding *
finding(const struct sf_diagnosis *d, const char *cause)
{
	for (size_t i = 0; i < d->nfindings; i++)
		if (strcmp(sf_cause_id(d->findings[i].cause), cause) == 0)
			return &d->findings[i];
	return NULL;
}

/* The founding case, published: "587, no encryption" where login comes
 * only after STARTTLS. Thunderbird's file fails, Outlook's works. */
START_TEST(founding_case_published)
{
	struct sf_probe_result *probe = cpanel_like("mail.example.com");
	struct sf_published *p = calloc(1, sizeof *p);
	struct sf_diagnosis *d = calloc(1, sizeof *d);
	struct sf_diag_input in;
	const struct sf_diag_finding *f;

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(d);
	pub_for(p, "bob@example.com", "example.com");
	published(p, SF_AC_MOZILLA, "mail.example.com", 587, SF_AC_SEC_NONE, SF_ACU_ADDRESS);
	p->sources[1].kind = SF_AC_AUTODISCOVER;
	p->sources[1].status = SF_ACS_FOUND;
	p->nsources = 2;
	published(p, SF_AC_AUTODISCOVER, "mail.example.com", 465, SF_AC_SEC_TLS, SF_ACU_ADDRESS);
	memset(&in, 0, sizeof in);
	in.probe = probe;
	in.published = p;
	sf_diagnose(&in, d);
	ck_assert_uint_eq(d->npublished, 2);
	ck_assert_int_eq(d->published[0].verdict, SF_PUBV_FAILS);
	ck_assert_int_eq(d->published[0].outcome, SF_OUT_AUTH_NOT_OFFERED);
	ck_assert_int_eq(d->published[1].verdict, SF_PUBV_WORKS);
	f = finding(d, "autoconfig-wrong");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->severity, SF_SEV_PROBLEM);
	ck_assert_ptr_nonnull(strstr(f->text, "Thunderbird"));
	ck_assert_ptr_nonnull(strstr(f->text, "port 587 and no encryption"));
	ck_assert_ptr_nonnull(strstr(f->text, "STARTTLS"));
	/* One finding: Outlook's setting works. */
	ck_assert_ptr_null(strstr(f->text, "Outlook"));
	for (size_t i = 0; i < d->nfindings; i++)
		ck_assert(
			d->findings[i].cause != SF_CAUSE_AUTOCONFIG_WRONG || &d->findings[i] == f);
	free(p);
	free(d);
	free(probe);
}
END_TEST

static char cpanel_banner[] =
	"mail.example.com ESMTP Exim 4.98 We do not authorize the use of this system";

/* The part before @ as the login, where the server (cPanel) wants the
 * whole address; the same file on a server of unknown kind passes. */
START_TEST(login_name_form)
{
	struct sf_probe_result *probe = cpanel_like("mail.example.com");
	struct sf_published *p = calloc(1, sizeof *p);
	struct sf_diagnosis *d = calloc(1, sizeof *d);
	struct sf_diag_input in;

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(d);
	pub_for(p, "bob@example.com", "example.com");
	published(p, SF_AC_MOZILLA, "mail.example.com", 587, SF_AC_SEC_STARTTLS, SF_ACU_LOCAL);
	memset(&in, 0, sizeof in);
	in.probe = probe;
	in.published = p;
	sf_diagnose(&in, d);
	ck_assert_int_eq(d->published[0].verdict, SF_PUBV_WORKS);
	/* cPanel says so in its greeting. */
	probe->targets = calloc(1, sizeof *probe->targets);
	ck_assert_ptr_nonnull(probe->targets);
	probe->ntargets = 1;
	probe->targets[0].smtp.greeting.reply.text = cpanel_banner;
	sf_diagnose(&in, d);
	ck_assert_int_eq(d->kind, SF_SERVER_CPANEL);
	ck_assert_int_eq(d->published[0].verdict, SF_PUBV_FAILS);
	ck_assert_ptr_nonnull(finding(d, "autoconfig-wrong"));
	ck_assert_ptr_nonnull(strstr(d->published[0].why, "whole address"));
	free(probe->targets);
	free(p);
	free(d);
	free(probe);
}
END_TEST

/* Autodiscover that leads to another provider than the MX; the same
 * provider under its several names is not another. */
START_TEST(other_provider)
{
	static const struct {
		const char *autodiscover, *mx;
		bool other;
	} cases[] = {
		{ "autodiscover.oldhost.net", "mail.example.com", true },
		{ "mail.example.com", "mx1.example.com", false },
		{ "autodiscover-s.outlook.com", "example-com.mail.protection.outlook.com", false },
		{ "smtp.office365.com", "example-com.mail.protection.outlook.com", false },
		{ "smtp.office365.com", "aspmx.l.google.com", true },
		{ "mail.example.co.uk", "mx.example.co.uk", false },
		{ "mail.other.co.uk", "mx.example.co.uk", true },
		/* cPanel's relay passes Outlook on to the account's server. */
		{ "cpanelemaildiscovery.cpanel.net", "mail.example.com", false },
	};
	struct sf_published *p = calloc(1, sizeof *p);
	struct sf_diagnosis *d = calloc(1, sizeof *d);
	struct sf_diag_input in;

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(d);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		pub_for(p, "bob@example.com", "example.com");
		p->nsources = 0;
		/* Where the SRV record or redirect leads, no answer read. */
		snprintf(p->autodiscover_via, sizeof p->autodiscover_via, "%s",
			cases[i].autodiscover);
		snprintf(p->mx[0], sizeof p->mx[0], "%s", cases[i].mx);
		p->nmx = 1;
		memset(&in, 0, sizeof in);
		in.published = p;
		sf_diagnose(&in, d);
		ck_assert_msg((finding(d, "autodiscover-other-provider") != NULL) == cases[i].other,
			"case %zu (%s vs %s)", i, cases[i].autodiscover, cases[i].mx);
	}
	free(p);
	free(d);
}
END_TEST

/* Places that answer wrongly: a certificate without the name is its own
 * finding; the others share one. A place without an answer is none. */
START_TEST(broken_places)
{
	struct sf_published *p = calloc(1, sizeof *p);
	struct sf_diagnosis *d = calloc(1, sizeof *d);
	struct sf_diag_input in;
	const struct sf_diag_finding *f;

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(d);
	pub_for(p, "bob@example.com", "example.com");
	p->nsources = 4;
	p->sources[0].status = SF_ACS_TLS_NAME;
	snprintf(p->sources[0].final_url, SF_AC_URL_MAX,
		"https://autoconfig.example.com/mail/config-v1.1.xml");
	p->sources[1].status = SF_ACS_MALFORMED;
	snprintf(p->sources[1].final_url, SF_AC_URL_MAX, "https://example.com/x");
	snprintf(p->sources[1].detail, SF_AC_DETAIL_MAX, "not XML");
	p->sources[2].status = SF_ACS_NOT_FOUND;
	p->sources[3].kind = SF_AC_AUTODISCOVER;
	p->sources[3].status = SF_ACS_REDIRECTS;
	memset(&in, 0, sizeof in);
	in.published = p;
	sf_diagnose(&in, d);
	f = finding(d, "autoconfig-cert-name");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(strstr(f->text, "autoconfig.example.com"));
	f = finding(d, "autoconfig-broken");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->nevidence, 2);
	ck_assert_ptr_nonnull(strstr(f->evidence[0], "(not XML)"));
	ck_assert_int_eq(f->severity, SF_SEV_PROBLEM); /* Outlook gets nothing elsewhere */
	f = finding(d, "autoconfig-cert-name");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->severity, SF_SEV_PROBLEM);
	/* Thunderbird finds a file at another place, and Outlook's redirect
	 * leads it on (Microsoft 365): what is broken is a warning now. */
	p->sources[2].status = SF_ACS_FOUND;
	snprintf(p->autodiscover_via, sizeof p->autodiscover_via, "autodiscover-s.outlook.com");
	sf_diagnose(&in, d);
	f = finding(d, "autoconfig-cert-name");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->severity, SF_SEV_WARNING);
	f = finding(d, "autoconfig-broken");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->severity, SF_SEV_WARNING);
	free(p);
	free(d);
}
END_TEST

Suite *
autoconfig_suite(void)
{
	Suite *s = suite_create("autoconfig");
	TCase *tc = tcase_create("autoconfig");

	tcase_add_test(tc, mozilla_file_read);
	tcase_add_test(tc, autodiscover_answer_read);
	tcase_add_test(tc, autodiscover_redirect_read);
	tcase_add_test(tc, hostile_files);
	tcase_add_test(tc, founding_case_published);
	tcase_add_test(tc, login_name_form);
	tcase_add_test(tc, other_provider);
	tcase_add_test(tc, broken_places);
	suite_add_tcase(s, tc);
	return s;
}
