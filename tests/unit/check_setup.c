/* Setup files: each format written from a fixed account and read back
 * (the XML ones by libxml2's parser, the others line by line), hostile
 * values escaped or refused, no password anywhere, and the profile's
 * CMS signature checked by OpenSSL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "smtpfix/setup.h"
#include "support/testcert.h"
#include "unit/fixture.h"
#include "unit/suites.h"

#define DAY 86400L
#define PROFILE_UUID "6A0C1D2E-3F40-4B5C-8D6E-7F8091A2B3C4"
#define PAYLOAD_UUID "0F1E2D3C-4B5A-4968-8776-655443322110"

/* The account every format is written from: STARTTLS on 587 with the
 * address as login, fixed UUIDs so the output does not change. */
static void
fixed_account(struct sf_setup_account *a, const char *email, int port, enum sf_security sec,
	bool auth, const char *user)
{
	struct sf_error err;

	ck_assert_msg(sf_setup_account_init(a, email, "mail.example.com", port, sec, auth, user,
			      "imap.example.com", &err) == 0,
		"%s", err.message);
	snprintf(a->profile_uuid, sizeof a->profile_uuid, "%s", PROFILE_UUID);
	snprintf(a->payload_uuid, sizeof a->payload_uuid, "%s", PAYLOAD_UUID);
}

static void
render_ok(enum sf_setup_format f, const struct sf_setup_account *a, struct sf_buf *out)
{
	struct sf_error err;

	sf_buf_init(out, SF_SETUP_MAX);
	ck_assert_msg(sf_setup_render(f, a, out, &err) == 0, "%s: %s", sf_setup_format_id(f),
		err.message);
	ck_assert_uint_gt(out->len, 0);
}

static xmlDocPtr
parse(const struct sf_buf *b)
{
	/* No network, no DTD fetched: the test reads only what was written. */
	xmlDocPtr d = xmlReadMemory(b->data, (int)b->len, "setup.xml", "UTF-8", XML_PARSE_NONET);

	ck_assert_msg(d != NULL, "not well-formed XML:\n%s", b->data);
	return d;
}

/* The text of the first node an XPath expression selects ("" for none). */
static char *
xpath_text(xmlDocPtr d, const char *expr, int *count)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(d);
	xmlXPathObjectPtr o;
	char *text = NULL;

	ck_assert_ptr_nonnull(ctx);
	xmlXPathRegisterNs(ctx, (const xmlChar *)"a",
		(const xmlChar *)"http://schemas.microsoft.com/exchange/autodiscover/"
				 "responseschema/2006");
	xmlXPathRegisterNs(ctx, (const xmlChar *)"o",
		(const xmlChar *)"http://schemas.microsoft.com/exchange/autodiscover/outlook/"
				 "responseschema/2006a");
	o = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	ck_assert_msg(o != NULL, "bad XPath %s", expr);
	*count = o->nodesetval ? o->nodesetval->nodeNr : 0;
	if (*count > 0) {
		xmlChar *c = xmlNodeGetContent(o->nodesetval->nodeTab[0]);

		text = strdup(c ? (const char *)c : "");
		xmlFree(c);
	} else {
		text = strdup("");
	}
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	return text;
}

static void
expect_xpath(xmlDocPtr d, const char *expr, const char *want)
{
	int n;
	char *got = xpath_text(d, expr, &n);

	ck_assert_msg(n >= 1, "nothing at %s", expr);
	ck_assert_msg(strcmp(got, want) == 0, "%s is '%s', not '%s'", expr, got, want);
	free(got);
}

static void
expect_none(xmlDocPtr d, const char *expr)
{
	int n;

	free(xpath_text(d, expr, &n));
	ck_assert_msg(n == 0, "%s is there", expr);
}

/* A property list dict read into key -> (element, text) pairs. */
struct plist_entry {
	char key[64];
	char type[16];
	char text[512];
};

static size_t
plist_dict(xmlNodePtr dict, struct plist_entry *e, size_t max)
{
	xmlNodePtr n;
	size_t count = 0;

	for (n = dict->children; n != NULL; n = n->next) {
		xmlChar *c;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		c = xmlNodeGetContent(n);
		if (xmlStrcmp(n->name, (const xmlChar *)"key") == 0) {
			ck_assert_uint_lt(count, max);
			memset(&e[count], 0, sizeof e[count]);
			snprintf(e[count].key, sizeof e[count].key, "%s", (const char *)c);
		} else {
			ck_assert_msg(
				count < max && e[count].key[0] != '\0', "a value without a key");
			snprintf(e[count].type, sizeof e[count].type, "%s", (const char *)n->name);
			snprintf(e[count].text, sizeof e[count].text, "%s",
				c ? (const char *)c : "");
			count++;
		}
		xmlFree(c);
	}
	return count;
}

static const struct plist_entry *
plist_get(const struct plist_entry *e, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(e[i].key, key) == 0)
			return &e[i];
	return NULL;
}

static void
expect_key(
	const struct plist_entry *e, size_t n, const char *key, const char *type, const char *text)
{
	const struct plist_entry *x = plist_get(e, n, key);

	ck_assert_msg(x != NULL, "no %s", key);
	ck_assert_msg(strcmp(x->type, type) == 0, "%s is a %s, not a %s", key, x->type, type);
	ck_assert_msg(strcmp(x->text, text) == 0, "%s is '%s', not '%s'", key, x->text, text);
}

static xmlNodePtr
first_element(xmlNodePtr n, const char *name)
{
	for (; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, (const xmlChar *)name) == 0)
			return n;
	return NULL;
}

/* The profile and its mail payload, read back as dicts. */
static void
read_profile(const struct sf_buf *b, struct plist_entry *top, size_t *ntop,
	struct plist_entry *mail, size_t *nmail)
{
	xmlDocPtr d = parse(b);
	xmlNodePtr root = xmlDocGetRootElement(d), dict, array, inner;
	xmlDtdPtr dtd = xmlGetIntSubset(d);

	ck_assert_str_eq((const char *)root->name, "plist");
	ck_assert_ptr_nonnull(dtd);
	ck_assert_str_eq((const char *)dtd->ExternalID, "-//Apple//DTD PLIST 1.0//EN");
	ck_assert_str_eq(
		(const char *)dtd->SystemID, "http://www.apple.com/DTDs/PropertyList-1.0.dtd");
	dict = first_element(root->children, "dict");
	ck_assert_ptr_nonnull(dict);
	*ntop = plist_dict(dict, top, 32);
	array = first_element(first_element(dict->children, "array"), "array");
	ck_assert_ptr_nonnull(array);
	inner = first_element(array->children, "dict");
	ck_assert_ptr_nonnull(inner);
	ck_assert_ptr_null(first_element(inner->next, "dict")); /* one payload */
	*nmail = plist_dict(inner, mail, 48);
	xmlFreeDoc(d);
}

START_TEST(format_table_round_trip)
{
	int f;

	for (f = 0; f < SF_SETUP_FORMAT_COUNT; f++) {
		const char *id = sf_setup_format_id((enum sf_setup_format)f);

		ck_assert_int_eq(sf_setup_format_from_id(id), f);
		ck_assert_ptr_nonnull(strstr(sf_setup_format_list(), id));
		ck_assert_uint_gt(strlen(sf_setup_format_file((enum sf_setup_format)f)), 0);
	}
	ck_assert_int_eq(sf_setup_format_from_id("mobileconfig"), SF_SETUP_MOBILECONFIG);
	ck_assert_int_eq(sf_setup_format_from_id("text"), SF_SETUP_TEXT);
	ck_assert_int_eq(sf_setup_format_from_id("Text"), -1);
	ck_assert_int_eq(sf_setup_format_from_id("plist"), -1);
	ck_assert_int_eq(sf_setup_format_from_id(""), -1);
	ck_assert_int_eq(sf_setup_format_from_id(NULL), -1);
	ck_assert_str_eq(sf_setup_format_file(SF_SETUP_AUTOCONFIG), "config-v1.1.xml");
}
END_TEST

START_TEST(bad_addresses_are_refused)
{
	static const char *const bad[] = { "", "ann", "ann@", "@example.com", "ann@@example.com",
		"ann@b@example.com", "ann smith@example.com", "\"ann\"@example.com",
		"ann<x>@example.com", ".ann@example.com", "ann.@example.com", "a..nn@example.com",
		"ann,bob@example.com", "ann@exa mple.com", "ann@-example.com", "ann@example..com",
		"ann@192.0.2.1", "ann@[192.0.2.1]", "ann\n@example.com", "ann@example.com\n",
		"\xff\xfe@example.com", "ann@\xc3\x28.example",
		"a\xe2\x80\xae"
		"nn@example.com",
		"ann\\x@example.com" };
	struct sf_setup_account a;
	struct sf_error err;
	char longlocal[80];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(sf_setup_account_init(&a, bad[i], "mail.example.com", 587,
				      SF_SEC_STARTTLS, true, NULL, NULL, &err) == -1,
			"accepted '%s'", bad[i]);
		ck_assert_int_eq(err.code, SF_E_USAGE);
	}
	memset(longlocal, 'a', 65);
	snprintf(longlocal + 65, sizeof longlocal - 65, "@x.com");
	ck_assert_int_eq(sf_setup_account_init(&a, longlocal, "mail.example.com", 587,
				 SF_SEC_STARTTLS, true, NULL, NULL, &err),
		-1);
	/* 64 is the most a local part may hold. */
	snprintf(longlocal + 64, sizeof longlocal - 64, "@x.com");
	ck_assert_int_eq(sf_setup_account_init(&a, longlocal, "mail.example.com", 587,
				 SF_SEC_STARTTLS, true, NULL, NULL, &err),
		0);
	/* The other values are checked too. */
	ck_assert_int_eq(sf_setup_account_init(&a, "ann@example.com", "mail example.com", 587,
				 SF_SEC_STARTTLS, true, NULL, NULL, &err),
		-1);
	ck_assert_int_eq(sf_setup_account_init(&a, "ann@example.com", "mail.example.com", 0,
				 SF_SEC_STARTTLS, true, NULL, NULL, &err),
		-1);
	ck_assert_int_eq(sf_setup_account_init(&a, "ann@example.com", "mail.example.com", 587,
				 SF_SEC_STARTTLS, true, "ann smith", NULL, &err),
		-1);
	ck_assert_int_eq(sf_setup_account_init(&a, "ann@example.com", "mail.example.com", 587,
				 SF_SEC_STARTTLS, true, NULL, "imap.example.com\n", &err),
		-1);
}
END_TEST

START_TEST(account_defaults_and_identity)
{
	struct sf_setup_account a;
	struct sf_error err;
	size_t i;

	ck_assert_int_eq(sf_setup_account_init(&a, "Ann.Lee+mail@Sub.Example.COM",
				 "smtp.example.com", 465, SF_SEC_TLS, true, NULL, NULL, &err),
		0);
	ck_assert_str_eq(a.local, "Ann.Lee+mail");
	ck_assert_str_eq(a.domain, "Sub.Example.COM");
	ck_assert_str_eq(a.smtp_user, "Ann.Lee+mail@Sub.Example.COM");
	ck_assert_str_eq(a.imap_host, "smtp.example.com");
	ck_assert_int_eq(a.imap_port, 993);
	ck_assert_int_eq(a.imap_security, SF_SEC_TLS);
	ck_assert(!a.incoming_checked);
	/* Reverse DNS, the owner's domain first, one per address. */
	ck_assert_str_eq(a.identifier, "com.example.sub.smtpfix.ann-lee-mail");
	/* Random version 4 UUIDs, two different ones. */
	ck_assert_uint_eq(strlen(a.profile_uuid), SF_SETUP_UUID_LEN);
	ck_assert_int_eq(a.profile_uuid[14], '4');
	ck_assert_ptr_nonnull(strchr("89AB", a.profile_uuid[19]));
	ck_assert_str_ne(a.profile_uuid, a.payload_uuid);
	for (i = 0; i < SF_SETUP_UUID_LEN; i++)
		ck_assert_ptr_nonnull(
			strchr(i == 8 || i == 13 || i == 18 || i == 23 ? "-" : "0123456789ABCDEF",
				a.profile_uuid[i]));
	/* No login: no user name. */
	ck_assert_int_eq(sf_setup_account_init(&a, "ann@example.com", "smtp.example.com", 25,
				 SF_SEC_STARTTLS, false, "ignored", NULL, &err),
		0);
	ck_assert_str_eq(a.smtp_user, "");
	/* A domain typed in Unicode is written as DNS holds it. */
	ck_assert_int_eq(sf_setup_account_init(&a,
				 "ann@b\xc3\xbc"
				 "cher.example",
				 "mail.example.com", 587, SF_SEC_STARTTLS, true, NULL, NULL, &err),
		0);
	ck_assert_str_eq(a.domain, "xn--bcher-kva.example");
	ck_assert_str_eq(a.identifier, "example.xn--bcher-kva.smtpfix.ann");
}
END_TEST

START_TEST(mobileconfig_reads_back)
{
	struct sf_setup_account a;
	struct sf_buf out;
	struct plist_entry top[32], mail[48];
	size_t ntop, nmail, i;
	struct sf_error err;

	fixed_account(&a, "ann@example.com", 587, SF_SEC_STARTTLS, true, NULL);
	ck_assert_int_eq(sf_setup_account_set_name(&a, "Ann Lee", &err), 0);
	render_ok(SF_SETUP_MOBILECONFIG, &a, &out);
	read_profile(&out, top, &ntop, mail, &nmail);
	expect_key(top, ntop, "PayloadType", "string", "Configuration");
	expect_key(top, ntop, "PayloadVersion", "integer", "1");
	expect_key(top, ntop, "PayloadIdentifier", "string", "com.example.smtpfix.ann");
	expect_key(top, ntop, "PayloadUUID", "string", PROFILE_UUID);
	ck_assert_ptr_nonnull(plist_get(top, ntop, "PayloadDisplayName"));
	ck_assert_ptr_nonnull(
		strstr(plist_get(top, ntop, "PayloadDisplayName")->text, "ann@example.com"));

	expect_key(mail, nmail, "PayloadType", "string", "com.apple.mail.managed");
	expect_key(mail, nmail, "PayloadVersion", "integer", "1");
	expect_key(mail, nmail, "PayloadIdentifier", "string", "com.example.smtpfix.ann.mail");
	expect_key(mail, nmail, "PayloadUUID", "string", PAYLOAD_UUID);
	expect_key(mail, nmail, "EmailAccountType", "string", "EmailTypeIMAP");
	expect_key(mail, nmail, "EmailAccountName", "string", "Ann Lee");
	expect_key(mail, nmail, "EmailAddress", "string", "ann@example.com");
	expect_key(mail, nmail, "IncomingMailServerHostName", "string", "imap.example.com");
	expect_key(mail, nmail, "IncomingMailServerPortNumber", "integer", "993");
	expect_key(mail, nmail, "IncomingMailServerUseSSL", "true", "");
	expect_key(mail, nmail, "IncomingMailServerAuthentication", "string", "EmailAuthPassword");
	expect_key(mail, nmail, "IncomingMailServerUsername", "string", "ann@example.com");
	expect_key(mail, nmail, "OutgoingMailServerHostName", "string", "mail.example.com");
	expect_key(mail, nmail, "OutgoingMailServerPortNumber", "integer", "587");
	expect_key(mail, nmail, "OutgoingMailServerUseSSL", "true", "");
	expect_key(mail, nmail, "OutgoingMailServerAuthentication", "string", "EmailAuthPassword");
	expect_key(mail, nmail, "OutgoingMailServerUsername", "string", "ann@example.com");
	expect_key(mail, nmail, "OutgoingPasswordSameAsIncomingPassword", "true", "");
	/* No password, under any key. */
	for (i = 0; i < nmail; i++)
		ck_assert_msg(
			strstr(mail[i].key, "Password") == NULL ||
				strcmp(mail[i].key, "OutgoingPasswordSameAsIncomingPassword") == 0,
			"key %s", mail[i].key);
	for (i = 0; i < ntop; i++)
		ck_assert_ptr_null(strstr(top[i].key, "Password"));
	sf_buf_free(&out);

	/* Implicit TLS is UseSSL too; no login is EmailAuthNone, no user. */
	fixed_account(&a, "ann@example.com", 465, SF_SEC_TLS, false, NULL);
	render_ok(SF_SETUP_MOBILECONFIG, &a, &out);
	read_profile(&out, top, &ntop, mail, &nmail);
	expect_key(mail, nmail, "OutgoingMailServerPortNumber", "integer", "465");
	expect_key(mail, nmail, "OutgoingMailServerUseSSL", "true", "");
	expect_key(mail, nmail, "OutgoingMailServerAuthentication", "string", "EmailAuthNone");
	ck_assert_ptr_null(plist_get(mail, nmail, "OutgoingMailServerUsername"));
	ck_assert_ptr_null(plist_get(mail, nmail, "EmailAccountName"));
	sf_buf_free(&out);

	/* A setting without encryption is UseSSL false. */
	fixed_account(&a, "ann@example.com", 587, SF_SEC_NONE, true, NULL);
	render_ok(SF_SETUP_MOBILECONFIG, &a, &out);
	read_profile(&out, top, &ntop, mail, &nmail);
	expect_key(mail, nmail, "OutgoingMailServerUseSSL", "false", "");
	sf_buf_free(&out);
}
END_TEST

START_TEST(autoconfig_reads_back)
{
	struct sf_setup_account a;
	struct sf_buf out;
	xmlDocPtr d;

	fixed_account(&a, "ann@example.com", 587, SF_SEC_STARTTLS, true, NULL);
	render_ok(SF_SETUP_AUTOCONFIG, &a, &out);
	d = parse(&out);
	expect_xpath(d, "/clientConfig/@version", "1.1");
	expect_xpath(d, "/clientConfig/emailProvider/@id", "example.com");
	expect_xpath(d, "/clientConfig/emailProvider/domain", "example.com");
	expect_xpath(d, "//incomingServer[@type='imap']/hostname", "imap.example.com");
	expect_xpath(d, "//incomingServer/port", "993");
	expect_xpath(d, "//incomingServer/socketType", "SSL");
	expect_xpath(d, "//incomingServer/username", "%EMAILADDRESS%");
	expect_xpath(d, "//outgoingServer[@type='smtp']/hostname", "mail.example.com");
	expect_xpath(d, "//outgoingServer/port", "587");
	expect_xpath(d, "//outgoingServer/socketType", "STARTTLS");
	expect_xpath(d, "//outgoingServer/authentication", "password-cleartext");
	expect_xpath(d, "//outgoingServer/username", "%EMAILADDRESS%");
	expect_none(d, "//password");
	xmlFreeDoc(d);
	sf_buf_free(&out);

	/* The local part as login is the placeholder for it; another login
	 * is written as it is. */
	fixed_account(&a, "ann@example.com", 465, SF_SEC_TLS, true, "ann");
	render_ok(SF_SETUP_AUTOCONFIG, &a, &out);
	d = parse(&out);
	expect_xpath(d, "//outgoingServer/username", "%EMAILLOCALPART%");
	expect_xpath(d, "//incomingServer/username", "%EMAILLOCALPART%");
	expect_xpath(d, "//outgoingServer/socketType", "SSL");
	xmlFreeDoc(d);
	sf_buf_free(&out);
	fixed_account(&a, "ann@example.com", 587, SF_SEC_STARTTLS, true, "u12345");
	render_ok(SF_SETUP_AUTOCONFIG, &a, &out);
	d = parse(&out);
	expect_xpath(d, "//outgoingServer/username", "u12345");
	xmlFreeDoc(d);
	sf_buf_free(&out);

	/* No login, no encryption. */
	fixed_account(&a, "ann@example.com", 25, SF_SEC_NONE, false, NULL);
	render_ok(SF_SETUP_AUTOCONFIG, &a, &out);
	d = parse(&out);
	expect_xpath(d, "//outgoingServer/authentication", "none");
	expect_xpath(d, "//outgoingServer/socketType", "plain");
	expect_none(d, "//outgoingServer/username");
	xmlFreeDoc(d);
	sf_buf_free(&out);
}
END_TEST

START_TEST(autodiscover_reads_back)
{
	struct sf_setup_account a;
	struct sf_buf out;
	xmlDocPtr d;
	static const char *const P = "/a:Autodiscover/o:Response/o:Account";

	fixed_account(&a, "ann@example.com", 587, SF_SEC_STARTTLS, true, NULL);
	render_ok(SF_SETUP_AUTODISCOVER, &a, &out);
	d = parse(&out);
	{
		char x[256];
		struct {
			const char *path, *want;
		} checks[] = {
			{ "/o:AccountType", "email" },
			{ "/o:Action", "settings" },
			{ "/o:Protocol[o:Type='SMTP']/o:Server", "mail.example.com" },
			{ "/o:Protocol[o:Type='SMTP']/o:Port", "587" },
			{ "/o:Protocol[o:Type='SMTP']/o:SSL", "on" },
			{ "/o:Protocol[o:Type='SMTP']/o:Encryption", "TLS" },
			{ "/o:Protocol[o:Type='SMTP']/o:SPA", "off" },
			{ "/o:Protocol[o:Type='SMTP']/o:AuthRequired", "on" },
			{ "/o:Protocol[o:Type='SMTP']/o:LoginName", "ann@example.com" },
			{ "/o:Protocol[o:Type='SMTP']/o:DomainRequired", "off" },
			{ "/o:Protocol[o:Type='IMAP']/o:Server", "imap.example.com" },
			{ "/o:Protocol[o:Type='IMAP']/o:Port", "993" },
			{ "/o:Protocol[o:Type='IMAP']/o:Encryption", "SSL" },
		};
		size_t i;

		for (i = 0; i < sizeof checks / sizeof checks[0]; i++) {
			snprintf(x, sizeof x, "%s%s", P, checks[i].path);
			expect_xpath(d, x, checks[i].want);
		}
	}
	expect_none(d, "//o:User");
	xmlFreeDoc(d);
	sf_buf_free(&out);

	fixed_account(&a, "ann@example.com", 465, SF_SEC_TLS, false, NULL);
	render_ok(SF_SETUP_AUTODISCOVER, &a, &out);
	d = parse(&out);
	expect_xpath(d, "//o:Protocol[o:Type='SMTP']/o:Encryption", "SSL");
	expect_xpath(d, "//o:Protocol[o:Type='SMTP']/o:AuthRequired", "off");
	expect_none(d, "//o:Protocol[o:Type='SMTP']/o:LoginName");
	xmlFreeDoc(d);
	sf_buf_free(&out);

	fixed_account(&a, "ann@example.com", 587, SF_SEC_NONE, true, NULL);
	render_ok(SF_SETUP_AUTODISCOVER, &a, &out);
	d = parse(&out);
	expect_xpath(d, "//o:Protocol[o:Type='SMTP']/o:Encryption", "None");
	expect_xpath(d, "//o:Protocol[o:Type='SMTP']/o:SSL", "off");
	xmlFreeDoc(d);
	sf_buf_free(&out);
}
END_TEST

/* Every line of an msmtp file is a comment, blank, or one of the
 * commands smtpfix writes; none gives a password. */
static void
msmtp_lines_ok(const char *text)
{
	static const char *const cmds[] = { "account ", "host ", "port ", "tls ", "tls_starttls ",
		"tls_trust_file ", "auth ", "user ", "from ", NULL };
	const char *p = text, *nl;
	size_t i;

	for (; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		ck_assert_ptr_nonnull(nl);
		if (p[0] == '#' || p == nl)
			continue;
		for (i = 0; cmds[i] != NULL; i++)
			if (strncmp(p, cmds[i], strlen(cmds[i])) == 0)
				break;
		ck_assert_msg(cmds[i] != NULL, "unexpected line: %.*s", (int)(nl - p), p);
	}
}

START_TEST(msmtp_account)
{
	struct sf_setup_account a;
	struct sf_buf out;
	struct sf_error err;
	static const char *const want[] = { "\naccount example.com\n", "\nhost mail.example.com\n",
		"\nport 587\n", "\ntls on\n", "\ntls_starttls on\n", "\ntls_trust_file system\n",
		"\nauth on\n", "\nuser ann@example.com\n", "\nfrom ann@example.com\n",
		"\naccount default : example.com\n", "passwordeval" };
	size_t i;

	fixed_account(&a, "ann@example.com", 587, SF_SEC_STARTTLS, true, NULL);
	render_ok(SF_SETUP_MSMTP, &a, &out);
	for (i = 0; i < sizeof want / sizeof want[0]; i++)
		ck_assert_msg(
			strstr(out.data, want[i]) != NULL, "no '%s' in\n%s", want[i], out.data);
	msmtp_lines_ok(out.data);
	ck_assert_ptr_null(strstr(out.data, "\npassword"));
	sf_buf_free(&out);

	/* Implicit TLS: TLS from the first byte, not STARTTLS. */
	fixed_account(&a, "ann@example.com", 465, SF_SEC_TLS, true, NULL);
	render_ok(SF_SETUP_MSMTP, &a, &out);
	ck_assert_ptr_nonnull(strstr(out.data, "\ntls on\ntls_starttls off\n"));
	msmtp_lines_ok(out.data);
	sf_buf_free(&out);

	/* No encryption, no login. */
	fixed_account(&a, "ann@example.com", 25, SF_SEC_NONE, false, NULL);
	render_ok(SF_SETUP_MSMTP, &a, &out);
	ck_assert_ptr_nonnull(strstr(out.data, "\ntls off\nauth off\nfrom ann@example.com\n"));
	ck_assert_ptr_null(strstr(out.data, "tls_starttls"));
	ck_assert_ptr_null(strstr(out.data, "\nuser "));
	msmtp_lines_ok(out.data);
	sf_buf_free(&out);

	/* msmtp reads % and * in "from" as patterns: refused, not written. */
	fixed_account(&a, "ann%x@example.com", 587, SF_SEC_STARTTLS, true, NULL);
	sf_buf_init(&out, SF_SETUP_MAX);
	ck_assert_int_eq(sf_setup_render(SF_SETUP_MSMTP, &a, &out, &err), -1);
	ck_assert_int_eq(err.code, SF_E_USAGE);
	sf_buf_free(&out);
}
END_TEST

START_TEST(text_message)
{
	struct sf_setup_account a;
	struct sf_buf out;
	struct sf_error err;
	static const char *const want[] = { "Hello Ann Lee,", "ann@example.com", "mail.example.com",
		"587", "STARTTLS", "imap.example.com", "993", "SSL/TLS" };
	size_t i;

	fixed_account(&a, "ann@example.com", 587, SF_SEC_STARTTLS, true, NULL);
	ck_assert_int_eq(sf_setup_account_set_name(&a, "Ann Lee", &err), 0);
	render_ok(SF_SETUP_TEXT, &a, &out);
	for (i = 0; i < sizeof want / sizeof want[0]; i++)
		ck_assert_msg(
			strstr(out.data, want[i]) != NULL, "no '%s' in\n%s", want[i], out.data);
	/* No line longer than a mail program shows unwrapped. */
	{
		const char *p = out.data, *nl;

		for (; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
			ck_assert_msg(nl - p <= 72, "long line: %.*s", (int)(nl - p), p);
	}
	sf_buf_free(&out);

	fixed_account(&a, "ann@example.com", 25, SF_SEC_NONE, false, NULL);
	render_ok(SF_SETUP_TEXT, &a, &out);
	ck_assert_ptr_nonnull(strstr(out.data, "None"));
	ck_assert_ptr_nonnull(strstr(out.data, "Hello,"));
	sf_buf_free(&out);
}
END_TEST

START_TEST(hostile_values_are_escaped_or_refused)
{
	static const char *const refused[] = { "Ann\nLee", "Ann\rLee", "Ann\x1b[31mLee",
		"Ann\xffLee", "Ann\xe2\x80\xaeLee", "Ann\tLee", "\xc0\xafLee" };
	const char *name = "Ann \"Q\" <ann> & O'Brien";
	struct sf_setup_account a;
	struct sf_buf out;
	struct sf_error err;
	xmlDocPtr d;
	char longname[200];
	size_t i;
	int f;

	fixed_account(&a, "o'brien&co@example.com", 587, SF_SEC_STARTTLS, true, NULL);
	for (i = 0; i < sizeof refused / sizeof refused[0]; i++)
		ck_assert_msg(sf_setup_account_set_name(&a, refused[i], &err) == -1, "accepted %s",
			refused[i]);
	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	ck_assert_int_eq(sf_setup_account_set_name(&a, longname, &err), -1);
	ck_assert_int_eq(sf_setup_account_set_name(&a, name, &err), 0);

	/* The XML formats carry quotes, < and & escaped: parsed back, the
	 * values are as given. */
	render_ok(SF_SETUP_AUTODISCOVER, &a, &out);
	ck_assert_ptr_null(strstr(out.data, "<ann>"));
	d = parse(&out);
	expect_xpath(d, "//o:User/o:DisplayName", name);
	expect_xpath(d, "//o:Protocol[o:Type='SMTP']/o:LoginName", "o'brien&co@example.com");
	xmlFreeDoc(d);
	sf_buf_free(&out);
	render_ok(SF_SETUP_MOBILECONFIG, &a, &out);
	d = parse(&out);
	expect_xpath(
		d, "//dict/array/dict/key[.='EmailAccountName']/following-sibling::*[1]", name);
	expect_xpath(d, "//dict/array/dict/key[.='EmailAddress']/following-sibling::*[1]",
		"o'brien&co@example.com");
	xmlFreeDoc(d);
	sf_buf_free(&out);
	render_ok(SF_SETUP_AUTOCONFIG, &a, &out);
	xmlFreeDoc(parse(&out));
	sf_buf_free(&out);

	/* An account changed by hand after its checks is checked again. */
	fixed_account(&a, "ann@example.com", 587, SF_SEC_STARTTLS, true, NULL);
	snprintf(a.smtp_host, sizeof a.smtp_host, "mail.example.com\n<x>");
	for (f = 0; f < SF_SETUP_FORMAT_COUNT; f++) {
		sf_buf_init(&out, SF_SETUP_MAX);
		ck_assert_int_eq(sf_setup_render((enum sf_setup_format)f, &a, &out, &err), -1);
		ck_assert_uint_eq(out.len, 0);
		sf_buf_free(&out);
	}
	fixed_account(&a, "ann@example.com", 587, SF_SEC_STARTTLS, true, NULL);
	snprintf(a.display_name, sizeof a.display_name, "Ann\xff");
	sf_buf_init(&out, SF_SETUP_MAX);
	ck_assert_int_eq(sf_setup_render(SF_SETUP_MOBILECONFIG, &a, &out, &err), -1);
	sf_buf_free(&out);
	fixed_account(&a, "ann@example.com", 587, SF_SEC_STARTTLS, true, NULL);
	snprintf(a.smtp_user, sizeof a.smtp_user, "ann\"x");
	sf_buf_init(&out, SF_SETUP_MAX);
	ck_assert_int_eq(sf_setup_render(SF_SETUP_MSMTP, &a, &out, &err), -1);
	sf_buf_free(&out);
	fixed_account(&a, "ann@example.com", 587, SF_SEC_STARTTLS, true, NULL);
	snprintf(a.payload_uuid, sizeof a.payload_uuid, "not-a-uuid");
	sf_buf_init(&out, SF_SETUP_MAX);
	ck_assert_int_eq(sf_setup_render(SF_SETUP_MOBILECONFIG, &a, &out, &err), -1);
	sf_buf_free(&out);
	/* A file larger than the named maximum is refused, not cut. */
	fixed_account(&a, "ann@example.com", 587, SF_SEC_STARTTLS, true, NULL);
	sf_buf_init(&out, 64);
	ck_assert_int_eq(sf_setup_render(SF_SETUP_MOBILECONFIG, &a, &out, &err), -1);
	ck_assert_int_eq(err.code, SF_E_TOO_LONG);
	sf_buf_free(&out);
}
END_TEST

/* No format writes a password: there is none in an account, and no
 * format has a key or command that would hold one. */
START_TEST(no_password_anywhere)
{
	struct sf_setup_account a;
	struct sf_buf out;
	int f;

	fixed_account(&a, "ann@example.com", 587, SF_SEC_STARTTLS, true, NULL);
	for (f = 0; f < SF_SETUP_FORMAT_COUNT; f++) {
		render_ok((enum sf_setup_format)f, &a, &out);
		ck_assert_ptr_null(strstr(out.data, "<key>IncomingPassword<"));
		ck_assert_ptr_null(strstr(out.data, "<key>OutgoingPassword<"));
		ck_assert_ptr_null(strstr(out.data, "<password"));
		ck_assert_ptr_null(strstr(out.data, "<Password"));
		ck_assert_ptr_null(strstr(out.data, "\npassword "));
		ck_assert_ptr_null(strstr(out.data, "\npasswordeval "));
		sf_buf_free(&out);
	}
}
END_TEST

static void
cms_setup(void)
{
	fx_make_dir();
}

static void
cms_teardown(void)
{
	fx_remove_dir();
}

static void
concat(const char *out, const char *a, const char *b)
{
	char cmd[1024];

	snprintf(cmd, sizeof cmd, "cat '%s' '%s' > '%s'", a, b, out);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(profile_signature_verifies)
{
	struct testcert ca, signer, other;
	struct sf_setup_account a;
	struct sf_buf profile, der;
	struct sf_error err;
	char chain[300];
	BIO *in, *content;
	CMS_ContentInfo *cms;
	X509_STORE *store;
	STACK_OF(X509) * certs;
	char *bytes;
	long n;

	ck_assert_int_eq(testcert_make(&ca, fx_dir, "ca", "smtpfix unit signing CA", NULL, -DAY,
				 30 * DAY, NULL, 1),
		0);
	ck_assert_int_eq(testcert_make(&signer, fx_dir, "signer", "profiles.example.com", NULL,
				 -DAY, 30 * DAY, &ca, 0),
		0);
	ck_assert_int_eq(testcert_make(&other, fx_dir, "other", "other.example.com", NULL, -DAY,
				 30 * DAY, &ca, 0),
		0);
	snprintf(chain, sizeof chain, "%s/chain.pem", fx_dir);
	concat(chain, signer.cert_path, ca.cert_path);

	fixed_account(&a, "ann@example.com", 587, SF_SEC_STARTTLS, true, NULL);
	render_ok(SF_SETUP_MOBILECONFIG, &a, &profile);
	sf_buf_init(&der, 2 * SF_SETUP_MAX);
	ck_assert_msg(
		sf_tls_cms_sign(profile.data, profile.len, chain, signer.key_path, &der, &err) == 0,
		"%s", err.message);
	ck_assert_uint_gt(der.len, profile.len);

	/* OpenSSL reads it back, checks it against the CA, and gives the
	 * profile back byte for byte. */
	in = BIO_new_mem_buf(der.data, (int)der.len);
	cms = d2i_CMS_bio(in, NULL);
	ck_assert_ptr_nonnull(cms);
	certs = CMS_get1_certs(cms);
	ck_assert_int_eq(sk_X509_num(certs), 2); /* the signer and its chain */
	sk_X509_pop_free(certs, X509_free);
	store = X509_STORE_new();
	ck_assert_int_eq(X509_STORE_load_locations(store, ca.cert_path, NULL), 1);
	/* The lab's certificates are made for servers; the purpose is not
	 * what is tested here. */
	X509_STORE_set_purpose(store, X509_PURPOSE_ANY);
	content = BIO_new(BIO_s_mem());
	ck_assert_int_eq(CMS_verify(cms, NULL, store, NULL, content, CMS_BINARY), 1);
	n = BIO_get_mem_data(content, &bytes);
	ck_assert_int_eq(n, (long)profile.len);
	ck_assert_int_eq(memcmp(bytes, profile.data, profile.len), 0);
	BIO_free(content);
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	X509_STORE_free(store);

	/* A key that is not the certificate's: refused, nothing written. */
	sf_buf_reset(&der);
	ck_assert_int_eq(
		sf_tls_cms_sign(profile.data, profile.len, chain, other.key_path, &der, &err), -1);
	ck_assert_int_eq(err.code, SF_E_USAGE);
	ck_assert_ptr_nonnull(strstr(err.message, "does not belong"));
	ck_assert_uint_eq(der.len, 0);
	ck_assert_int_eq(sf_tls_cms_check(chain, other.key_path, &err), -1);
	ck_assert_int_eq(sf_tls_cms_check(chain, signer.key_path, &err), 0);
	/* Files that are not what they should be. */
	ck_assert_int_eq(sf_tls_cms_check(signer.key_path, signer.key_path, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "no PEM certificate"));
	ck_assert_int_eq(sf_tls_cms_check(chain, chain, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "no PEM private key"));
	ck_assert_int_eq(sf_tls_cms_check("/nonexistent/cert.pem", signer.key_path, &err), -1);
	ck_assert_int_eq(err.code, SF_E_USAGE);
	ERR_clear_error();

	sf_buf_free(&der);
	sf_buf_free(&profile);
	testcert_free(&ca);
	testcert_free(&signer);
	testcert_free(&other);
}
END_TEST

Suite *
setup_suite(void)
{
	Suite *s = suite_create("setup");
	TCase *tc = tcase_create("setup");
	TCase *sign = tcase_create("sign");

	tcase_add_test(tc, format_table_round_trip);
	tcase_add_test(tc, bad_addresses_are_refused);
	tcase_add_test(tc, account_defaults_and_identity);
	tcase_add_test(tc, mobileconfig_reads_back);
	tcase_add_test(tc, autoconfig_reads_back);
	tcase_add_test(tc, autodiscover_reads_back);
	tcase_add_test(tc, msmtp_account);
	tcase_add_test(tc, text_message);
	tcase_add_test(tc, hostile_values_are_escaped_or_refused);
	tcase_add_test(tc, no_password_anywhere);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(sign, cms_setup, cms_teardown);
	tcase_set_timeout(sign, 30);
	tcase_add_test(sign, profile_signature_verifies);
	suite_add_tcase(s, sign);
	return s;
}
