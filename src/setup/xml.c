/* The three XML setup files: an Apple configuration profile (a property
 * list), a Mozilla autoconfig file and an Autodiscover (POX) answer. All
 * go through libxml2's text writer: it escapes every value (&, <, quotes
 * in attributes) and writes the declaration, so nothing here pastes
 * markup around a value. The values were checked before (valid UTF-8, no
 * control character: XML 1.0 cannot carry most of those even escaped). */
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlwriter.h>

#include "setup_internal.h"

#define PLIST_PUBLIC_ID "-//Apple//DTD PLIST 1.0//EN"
#define PLIST_SYSTEM_ID "http://www.apple.com/DTDs/PropertyList-1.0.dtd"
#define AUTODISCOVER_NS "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
#define AUTODISCOVER_OUTLOOK_NS \
	"http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"

/* A document being written: after the first failed call every later one
 * is skipped, and the end says so once. */
struct xw {
	xmlBufferPtr buf;
	xmlTextWriterPtr w;
	bool failed;
};

static const xmlChar *
X(const char *s)
{
	return (const xmlChar *)s;
}

static void
xw_check(struct xw *x, int rc)
{
	if (rc < 0)
		x->failed = true;
}

static int
xw_open(struct xw *x, struct sf_error *err)
{
	memset(x, 0, sizeof *x);
	xmlInitParser();
	x->buf = xmlBufferCreate();
	if (x->buf == NULL)
		return sf_error_set(err, SF_E_NOMEM, "out of memory");
	x->w = xmlNewTextWriterMemory(x->buf, 0);
	if (x->w == NULL) {
		xmlBufferFree(x->buf);
		return sf_error_set(err, SF_E_NOMEM, "out of memory");
	}
	/* Indented with tabs: the files are read by people too. */
	xw_check(x, xmlTextWriterSetIndent(x->w, 1));
	xw_check(x, xmlTextWriterSetIndentString(x->w, X("\t")));
	xw_check(x, xmlTextWriterStartDocument(x->w, NULL, "UTF-8", NULL));
	return 0;
}

static void
xw_start(struct xw *x, const char *name)
{
	if (!x->failed)
		xw_check(x, xmlTextWriterStartElement(x->w, X(name)));
}

static void
xw_attr(struct xw *x, const char *name, const char *value)
{
	if (!x->failed)
		xw_check(x, xmlTextWriterWriteAttribute(x->w, X(name), X(value)));
}

static void
xw_end(struct xw *x)
{
	if (!x->failed)
		xw_check(x, xmlTextWriterEndElement(x->w));
}

/* <name>text</name>, the text escaped by the writer. */
static void
xw_text(struct xw *x, const char *name, const char *text)
{
	if (!x->failed)
		xw_check(x, xmlTextWriterWriteElement(x->w, X(name), X(text)));
}

static void
xw_int(struct xw *x, const char *name, int v)
{
	char n[16];

	snprintf(n, sizeof n, "%d", v);
	xw_text(x, name, n);
}

/* The document ends, the writer is flushed, and its bytes are appended
 * to out (where the named maximum applies). */
static int
xw_close(struct xw *x, struct sf_buf *out, struct sf_error *err)
{
	int rc = 0;

	if (!x->failed)
		xw_check(x, xmlTextWriterEndDocument(x->w));
	xmlFreeTextWriter(x->w);
	if (x->failed)
		rc = sf_error_set(err, SF_E_USAGE, "the XML writer refused a value");
	else if (sf_buf_add(out, xmlBufferContent(x->buf), (size_t)xmlBufferLength(x->buf), err) <
		 0)
		rc = -1;
	xmlBufferFree(x->buf);
	return rc;
}

/* Property list pieces. */
static void
pl_string(struct xw *x, const char *key, const char *value)
{
	xw_text(x, "key", key);
	xw_text(x, "string", value);
}

static void
pl_int(struct xw *x, const char *key, int value)
{
	xw_text(x, "key", key);
	xw_int(x, "integer", value);
}

static void
pl_bool(struct xw *x, const char *key, bool value)
{
	xw_text(x, "key", key);
	xw_start(x, value ? "true" : "false");
	xw_end(x);
}

/* The keys Apple documents for com.apple.mail.managed, in the order
 * Apple's own tools write them (by name). No IncomingPassword or
 * OutgoingPassword: a profile that is not encrypted must not carry one,
 * and the device asks for the password when the profile is installed. */
static void
mail_payload(struct xw *x, const struct sf_setup_account *a)
{
	char name[SF_SETUP_LINE_MAX], ident[SF_SETUP_ID_MAX + 8];
	const char *facts[] = { "email", a->email, "domain", a->domain, NULL };

	/* Apple's UseSSL is one switch for "encrypted": with it on, Mail
	 * uses TLS from the first byte on port 465 and STARTTLS on the other
	 * ports (587, 25), which is what both verified settings mean. A
	 * setting without encryption is false; smtpfix writes one only when
	 * asked in the library (the command refuses it). */
	xw_start(x, "dict");
	pl_string(x, "EmailAccountDescription", a->email);
	if (a->display_name[0] != '\0')
		pl_string(x, "EmailAccountName", a->display_name);
	pl_string(x, "EmailAccountType", "EmailTypeIMAP");
	pl_string(x, "EmailAddress", a->email);
	pl_string(x, "IncomingMailServerAuthentication", "EmailAuthPassword");
	pl_string(x, "IncomingMailServerHostName", a->imap_host);
	pl_int(x, "IncomingMailServerPortNumber", a->imap_port);
	pl_bool(x, "IncomingMailServerUseSSL", a->imap_security != SF_SEC_NONE);
	pl_string(x, "IncomingMailServerUsername", sf_setup_imap_user(a));
	pl_string(x, "OutgoingMailServerAuthentication",
		a->smtp_auth ? "EmailAuthPassword" : "EmailAuthNone");
	pl_string(x, "OutgoingMailServerHostName", a->smtp_host);
	pl_int(x, "OutgoingMailServerPortNumber", a->smtp_port);
	pl_bool(x, "OutgoingMailServerUseSSL", a->smtp_security != SF_SEC_NONE);
	if (a->smtp_auth) {
		pl_string(x, "OutgoingMailServerUsername", a->smtp_user);
		/* One password asked once, for both servers. */
		pl_bool(x, "OutgoingPasswordSameAsIncomingPassword", true);
	}
	sf_setup_word(SF_SETUP_FILES_HELP, "payload-description", facts, name, sizeof name);
	pl_string(x, "PayloadDescription", name);
	sf_setup_word(SF_SETUP_FILES_HELP, "payload-name", facts, name, sizeof name);
	pl_string(x, "PayloadDisplayName", name);
	snprintf(ident, sizeof ident, "%s.mail", a->identifier);
	pl_string(x, "PayloadIdentifier", ident);
	pl_string(x, "PayloadType", "com.apple.mail.managed");
	pl_string(x, "PayloadUUID", a->payload_uuid);
	pl_int(x, "PayloadVersion", 1);
	xw_end(x);
}

int
sf_setup_render_mobileconfig(
	const struct sf_setup_account *a, struct sf_buf *out, struct sf_error *err)
{
	struct xw x;
	char text[SF_SETUP_LINE_MAX];
	const char *facts[] = { "email", a->email, "domain", a->domain, NULL };

	if (xw_open(&x, err) < 0)
		return -1;
	/* On one line, as Apple writes it: the indenting writer would break
	 * the declaration over three. */
	xw_check(&x, xmlTextWriterSetIndent(x.w, 0));
	xw_check(&x, xmlTextWriterWriteDTD(
			     x.w, X("plist"), X(PLIST_PUBLIC_ID), X(PLIST_SYSTEM_ID), NULL));
	xw_check(&x, xmlTextWriterWriteRaw(x.w, X("\n")));
	xw_check(&x, xmlTextWriterSetIndent(x.w, 1));
	xw_start(&x, "plist");
	xw_attr(&x, "version", "1.0");
	xw_start(&x, "dict");
	xw_text(&x, "key", "PayloadContent");
	xw_start(&x, "array");
	mail_payload(&x, a);
	xw_end(&x);
	sf_setup_word(SF_SETUP_FILES_HELP, "profile-description", facts, text, sizeof text);
	pl_string(&x, "PayloadDescription", text);
	sf_setup_word(SF_SETUP_FILES_HELP, "profile-name", facts, text, sizeof text);
	pl_string(&x, "PayloadDisplayName", text);
	pl_string(&x, "PayloadIdentifier", a->identifier);
	pl_bool(&x, "PayloadRemovalDisallowed", false);
	pl_string(&x, "PayloadType", "Configuration");
	pl_string(&x, "PayloadUUID", a->profile_uuid);
	pl_int(&x, "PayloadVersion", 1);
	xw_end(&x);
	xw_end(&x);
	return xw_close(&x, out, err);
}

/* Autoconfig files are published for a whole domain, so a login that is
 * the address, or its part before the @, is written as the placeholder
 * the mail program fills for each person; any other login is literal. */
static const char *
autoconfig_user(const struct sf_setup_account *a, const char *user)
{
	if (strcmp(user, a->email) == 0)
		return "%EMAILADDRESS%";
	if (strcmp(user, a->local) == 0)
		return "%EMAILLOCALPART%";
	return user;
}

static const char *
socket_type(enum sf_security s)
{
	return s == SF_SEC_TLS ? "SSL" : s == SF_SEC_STARTTLS ? "STARTTLS" : "plain";
}

int
sf_setup_render_autoconfig(
	const struct sf_setup_account *a, struct sf_buf *out, struct sf_error *err)
{
	struct xw x;

	if (xw_open(&x, err) < 0)
		return -1;
	xw_start(&x, "clientConfig");
	xw_attr(&x, "version", "1.1");
	xw_start(&x, "emailProvider");
	xw_attr(&x, "id", a->domain);
	xw_text(&x, "domain", a->domain);
	/* The provider's names; the domain is the one name smtpfix knows. */
	xw_text(&x, "displayName", a->domain);
	xw_text(&x, "displayShortName", a->domain);

	xw_start(&x, "incomingServer");
	xw_attr(&x, "type", "imap");
	xw_text(&x, "hostname", a->imap_host);
	xw_int(&x, "port", a->imap_port);
	xw_text(&x, "socketType", socket_type(a->imap_security));
	/* The password as typed, inside the encrypted connection. */
	xw_text(&x, "authentication", "password-cleartext");
	xw_text(&x, "username", autoconfig_user(a, sf_setup_imap_user(a)));
	xw_end(&x);

	xw_start(&x, "outgoingServer");
	xw_attr(&x, "type", "smtp");
	xw_text(&x, "hostname", a->smtp_host);
	xw_int(&x, "port", a->smtp_port);
	xw_text(&x, "socketType", socket_type(a->smtp_security));
	xw_text(&x, "authentication", a->smtp_auth ? "password-cleartext" : "none");
	if (a->smtp_auth)
		xw_text(&x, "username", autoconfig_user(a, a->smtp_user));
	xw_end(&x);

	xw_end(&x);
	xw_end(&x);
	return xw_close(&x, out, err);
}

/* One Protocol of an Autodiscover answer. SSL says whether the
 * connection is encrypted at all; Encryption (which Outlook reads first
 * when it is there) says how: SSL from the first byte, TLS by STARTTLS,
 * or None. */
static void
pox_protocol(struct xw *x, const char *type, const char *host, int port, enum sf_security sec,
	bool auth, const char *user)
{
	xw_start(x, "Protocol");
	xw_text(x, "Type", type);
	xw_text(x, "Server", host);
	xw_int(x, "Port", port);
	if (auth)
		xw_text(x, "LoginName", user);
	xw_text(x, "DomainRequired", "off");
	/* SPA is Microsoft's NTLM login; these servers take a password. */
	xw_text(x, "SPA", "off");
	xw_text(x, "SSL", sec != SF_SEC_NONE ? "on" : "off");
	xw_text(x, "Encryption",
		sec == SF_SEC_TLS        ? "SSL"
		: sec == SF_SEC_STARTTLS ? "TLS"
					 : "None");
	xw_text(x, "AuthRequired", auth ? "on" : "off");
	xw_end(x);
}

int
sf_setup_render_autodiscover(
	const struct sf_setup_account *a, struct sf_buf *out, struct sf_error *err)
{
	struct xw x;

	if (xw_open(&x, err) < 0)
		return -1;
	xw_start(&x, "Autodiscover");
	xw_attr(&x, "xmlns", AUTODISCOVER_NS);
	xw_start(&x, "Response");
	xw_attr(&x, "xmlns", AUTODISCOVER_OUTLOOK_NS);
	if (a->display_name[0] != '\0') {
		xw_start(&x, "User");
		xw_text(&x, "DisplayName", a->display_name);
		xw_end(&x);
	}
	xw_start(&x, "Account");
	xw_text(&x, "AccountType", "email");
	xw_text(&x, "Action", "settings");
	pox_protocol(&x, "IMAP", a->imap_host, a->imap_port, a->imap_security, true,
		sf_setup_imap_user(a));
	pox_protocol(&x, "SMTP", a->smtp_host, a->smtp_port, a->smtp_security, a->smtp_auth,
		a->smtp_user);
	xw_end(&x);
	xw_end(&x);
	xw_end(&x);
	return xw_close(&x, out, err);
}
