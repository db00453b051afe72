/* Reading published settings: Mozilla's config-v1.1.xml and an
 * Autodiscover (POX) answer. The body comes from whoever answers for the
 * domain, so it is untrusted: libxml2 parses it without the network and
 * without substituting entities, a document with a DTD is refused (no
 * real answer has one, and entities are how XML bombs and file reads
 * work), only text nodes are read, and every value kept is checked. */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "smtpfix/autoconfig.h"

/* The longest value read from one element; longer ones are refused. */
#define VALUE_MAX 512

static int
parse(const char *body, size_t len, xmlDocPtr *docp, struct sf_error *err)
{
	xmlDocPtr doc;

	if (len > SF_AC_BODY_MAX)
		return sf_error_set(err, SF_E_TOO_LONG, "more than %d bytes", SF_AC_BODY_MAX);
	/* NONET: never fetch anything named in the document. No NOENT:
	 * entities stay references. The error handlers stay quiet: a
	 * library must not print. */
	doc = xmlReadMemory(body, (int)len, NULL, NULL,
		XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	if (doc == NULL) {
		const xmlError *e = xmlGetLastError();
		const char *m = e != NULL && e->message != NULL ? e->message : "";
		int n = (int)strcspn(m, "\r\n"); /* libxml2 ends its messages with a line break */

		return sf_error_set(err, SF_E_PROTOCOL, "not XML%s%.*s", n > 0 ? ": " : "",
			n < 120 ? n : 120, m);
	}
	if (doc->intSubset != NULL || doc->extSubset != NULL) {
		xmlFreeDoc(doc);
		return sf_error_set(err, SF_E_PROTOCOL,
			"the document declares a DTD, which this format never has");
	}
	*docp = doc;
	return 0;
}

static bool
named(xmlNodePtr n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static xmlNodePtr
child(xmlNodePtr parent, const char *name)
{
	xmlNodePtr c;

	for (c = parent != NULL ? parent->children : NULL; c != NULL; c = c->next)
		if (named(c, name))
			return c;
	return NULL;
}

/* The element's own text (text nodes only, entity references left out),
 * trimmed. False when it is longer than VALUE_MAX or holds a control
 * character: such a value is not used. */
static bool
text_of(xmlNodePtr n, char *out, size_t outsz)
{
	size_t len = 0, i, start = 0;
	xmlNodePtr c;

	out[0] = '\0';
	if (n == NULL)
		return false;
	for (c = n->children; c != NULL; c = c->next) {
		size_t l;

		if (c->type != XML_TEXT_NODE || c->content == NULL)
			continue;
		l = strlen((const char *)c->content);
		if (len + l >= outsz || len + l > VALUE_MAX)
			return false;
		memcpy(out + len, c->content, l);
		len += l;
	}
	out[len] = '\0';
	while (len > 0 && strchr(" \t\r\n", out[len - 1]) != NULL)
		out[--len] = '\0';
	while (out[start] != '\0' && strchr(" \t\r\n", out[start]) != NULL)
		start++;
	memmove(out, out + start, len - start + 1);
	for (i = 0; out[i] != '\0'; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			return false;
	return true;
}

/* Replace each placeholder Thunderbird fills (and their lower-case
 * forms some generators write) with its value. */
static void
fill_placeholders(const char *in, const struct sf_published *pub, char *out, size_t outsz)
{
	static const char *const names[] = { "%EMAILADDRESS%", "%EMAILLOCALPART%", "%EMAILDOMAIN%",
		"%EMAILHOSTNAME%" };
	const char *at = strchr(pub->email, '@');
	char local[SF_AC_USER_MAX + 1];
	size_t o = 0;

	snprintf(local, sizeof local, "%.*s", at != NULL ? (int)(at - pub->email) : 0, pub->email);
	while (*in != '\0' && o + 1 < outsz) {
		const char *value = NULL;
		size_t k, nl = 0;

		for (k = 0; k < sizeof names / sizeof names[0]; k++) {
			nl = strlen(names[k]);
			if (strncasecmp(in, names[k], nl) == 0) {
				value = k == 0 ? pub->email : k == 1 ? local : pub->domain;
				break;
			}
		}
		if (value != NULL && value[0] != '\0') {
			size_t vl = strlen(value);

			if (o + vl >= outsz)
				break;
			memcpy(out + o, value, vl);
			o += vl;
			in += nl;
		} else if (value != NULL) {
			/* No address given: the placeholder stays, as the form. */
			if (o + nl >= outsz)
				break;
			memcpy(out + o, in, nl);
			o += nl;
			in += nl;
		} else {
			out[o++] = *in++;
		}
	}
	out[o] = '\0';
}

static enum sf_ac_user
user_form(const char *raw, const struct sf_published *pub)
{
	const char *at = strchr(pub->email, '@');

	if (raw[0] == '\0')
		return SF_ACU_UNKNOWN;
	if (strcasecmp(raw, "%EMAILADDRESS%") == 0 ||
		(pub->email[0] != '\0' && strcasecmp(raw, pub->email) == 0))
		return SF_ACU_ADDRESS;
	if (strcasecmp(raw, "%EMAILLOCALPART%") == 0 ||
		(at != NULL && strlen(raw) == (size_t)(at - pub->email) &&
			strncasecmp(raw, pub->email, (size_t)(at - pub->email)) == 0))
		return SF_ACU_LOCAL;
	return SF_ACU_OTHER;
}

/* A host name as published: kept when smtpfix can use it, else marked. */
static void
set_host(struct sf_ac_server *s, const char *raw, const struct sf_published *pub)
{
	char filled[SF_HOST_MAX + 64];
	size_t len;

	fill_placeholders(raw, pub, filled, sizeof filled);
	len = strlen(filled);
	if (len > 1 && filled[len - 1] == '.')
		filled[len - 1] = '\0';
	s->host_valid = filled[0] != '\0' && strlen(filled) <= SF_HOST_MAX &&
			sf_host_valid(filled) && !sf_host_is_literal(filled);
	/* A valid host is at most SF_HOST_MAX bytes: it fits whole. */
	snprintf(s->host, sizeof s->host, "%.*s", (int)sizeof s->host - 1,
		s->host_valid ? filled : "");
}

static int
port_of(const char *s)
{
	long v = 0;

	if (*s == '\0' || strlen(s) > 5)
		return 0;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		v = v * 10 + (*s - '0');
	}
	return v >= 1 && v <= 65535 ? (int)v : 0;
}

static struct sf_ac_server *
new_server(struct sf_published *out, size_t src, enum sf_ac_kind kind, int rank)
{
	struct sf_ac_server *s;

	if (out->nservers >= SF_AC_MAX_SERVERS)
		return NULL;
	s = &out->servers[out->nservers++];
	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->source = src;
	s->rank = rank;
	return s;
}

static enum sf_ac_auth
mozilla_auth(const char *v)
{
	static const struct {
		const char *id;
		enum sf_ac_auth auth;
	} table[] = {
		{ "password-cleartext", SF_ACA_PASSWORD },
		{ "plain", SF_ACA_PASSWORD }, /* an older spelling */
		{ "password-encrypted", SF_ACA_PASSWORD_ENCRYPTED },
		{ "secure", SF_ACA_PASSWORD_ENCRYPTED },
		{ "OAuth2", SF_ACA_OAUTH2 },
		{ "none", SF_ACA_NONE },
		{ "client-IP-address", SF_ACA_OTHER },
		{ "smtp-after-pop", SF_ACA_OTHER },
		{ "NTLM", SF_ACA_OTHER },
		{ "GSSAPI", SF_ACA_OTHER },
		{ "TLS-client-cert", SF_ACA_OTHER },
	};
	size_t i;

	for (i = 0; i < sizeof table / sizeof table[0]; i++)
		if (strcasecmp(v, table[i].id) == 0)
			return table[i].auth;
	return SF_ACA_UNKNOWN;
}

int
sf_ac_read_mozilla(
	const char *body, size_t len, struct sf_published *out, size_t src, struct sf_error *err)
{
	xmlDocPtr doc;
	xmlNodePtr root, prov, n;
	int found = 0;

	if (parse(body, len, &doc, err) < 0)
		return -1;
	root = xmlDocGetRootElement(doc);
	if (!named(root, "clientConfig")) {
		xmlFreeDoc(doc);
		return sf_error_set(err, SF_E_PROTOCOL, "the document is not a clientConfig");
	}
	for (prov = root->children; prov != NULL; prov = prov->next) {
		if (!named(prov, "emailProvider"))
			continue;
		for (n = prov->children; n != NULL; n = n->next) {
			char v[VALUE_MAX + 1], type[32];
			struct sf_ac_server *s;
			xmlChar *t;
			xmlNodePtr a;

			if (!named(n, "outgoingServer"))
				continue;
			t = xmlGetProp(n, (const xmlChar *)"type");
			snprintf(type, sizeof type, "%s", t != NULL ? (const char *)t : "");
			xmlFree(t);
			if (strcasecmp(type, "smtp") != 0)
				continue;
			s = new_server(out, src, out->sources[src].kind, found);
			if (s == NULL)
				break;
			found++;
			if (text_of(child(n, "hostname"), v, sizeof v))
				set_host(s, v, out);
			if (text_of(child(n, "port"), v, sizeof v))
				s->port = port_of(v);
			if (text_of(child(n, "socketType"), v, sizeof v)) {
				s->security_known = true;
				if (strcasecmp(v, "SSL") == 0)
					s->security = SF_AC_SEC_TLS;
				else if (strcasecmp(v, "STARTTLS") == 0)
					s->security = SF_AC_SEC_STARTTLS;
				else if (strcasecmp(v, "plain") == 0)
					s->security = SF_AC_SEC_NONE;
				else
					s->security_known = false;
			}
			/* Several methods may be listed: Thunderbird takes the
			 * first it supports; every one named here it supports. */
			s->auth = SF_ACA_UNKNOWN;
			for (a = n->children; a != NULL && s->auth == SF_ACA_UNKNOWN; a = a->next)
				if (named(a, "authentication") && text_of(a, v, sizeof v))
					s->auth = mozilla_auth(v);
			if (text_of(child(n, "username"), v, sizeof v)) {
				s->user_form = user_form(v, out);
				fill_placeholders(v, out, s->username, sizeof s->username);
			}
		}
	}
	xmlFreeDoc(doc);
	return found;
}

static bool
on_off(xmlNodePtr n, bool dflt)
{
	char v[16];

	if (!text_of(n, v, sizeof v) || v[0] == '\0')
		return dflt;
	return strcasecmp(v, "on") == 0 || strcasecmp(v, "true") == 0;
}

int
sf_ac_read_autodiscover(const char *body, size_t len, struct sf_published *out, size_t src,
	char *redirect, size_t redirectsz, struct sf_error *err)
{
	xmlDocPtr doc;
	xmlNodePtr root, resp, acct, n;
	char v[VALUE_MAX + 1];
	int found = 0;

	if (redirect != NULL && redirectsz > 0)
		redirect[0] = '\0';
	if (parse(body, len, &doc, err) < 0)
		return -1;
	root = xmlDocGetRootElement(doc);
	resp = child(root, "Response");
	if (!named(root, "Autodiscover") || resp == NULL) {
		xmlFreeDoc(doc);
		return sf_error_set(
			err, SF_E_PROTOCOL, "the document is not an Autodiscover answer");
	}
	acct = child(resp, "Account");
	if (acct == NULL) {
		/* An Error element, or nothing for this address. */
		xmlFreeDoc(doc);
		return 0;
	}
	if (redirect != NULL && text_of(child(acct, "Action"), v, sizeof v) &&
		(strcasecmp(v, "redirectUrl") == 0 || strcasecmp(v, "redirectAddr") == 0)) {
		const char *el = strcasecmp(v, "redirectUrl") == 0 ? "RedirectUrl" : "RedirectAddr";

		if (text_of(child(acct, el), v, sizeof v))
			snprintf(redirect, redirectsz, "%s", v);
		xmlFreeDoc(doc);
		return 0;
	}
	for (n = acct->children; n != NULL; n = n->next) {
		struct sf_ac_server *s;
		char enc[32];
		bool ssl;

		if (!named(n, "Protocol") || !text_of(child(n, "Type"), v, sizeof v) ||
			strcasecmp(v, "SMTP") != 0)
			continue;
		s = new_server(out, src, SF_AC_AUTODISCOVER, found);
		if (s == NULL)
			break;
		found++;
		if (text_of(child(n, "Server"), v, sizeof v))
			set_host(s, v, out);
		if (text_of(child(n, "Port"), v, sizeof v))
			s->port = port_of(v);
		/* Encryption, when present, decides (SSL: TLS from the first
		 * byte, TLS: STARTTLS); else SSL on/off. "on" alone does not
		 * say which kind of TLS, except on the implicit-TLS port. */
		ssl = on_off(child(n, "SSL"), true);
		if (text_of(child(n, "Encryption"), enc, sizeof enc) && enc[0] != '\0') {
			s->security_known = true;
			if (strcasecmp(enc, "SSL") == 0)
				s->security = SF_AC_SEC_TLS;
			else if (strcasecmp(enc, "TLS") == 0)
				s->security = SF_AC_SEC_STARTTLS;
			else if (strcasecmp(enc, "None") == 0)
				s->security = SF_AC_SEC_NONE;
			else
				s->security_known = false; /* Auto: Outlook tries */
		} else if (!ssl) {
			s->security_known = true;
			s->security = SF_AC_SEC_NONE;
		} else if (s->port == 465) {
			s->security_known = true;
			s->security = SF_AC_SEC_TLS;
		}
		s->auth = on_off(child(n, "AuthRequired"), true) ? SF_ACA_PASSWORD : SF_ACA_NONE;
		if (on_off(child(n, "SPA"), false) && s->auth == SF_ACA_PASSWORD)
			s->auth = SF_ACA_PASSWORD_ENCRYPTED;
		/* No LoginName: Outlook logs in with the whole address. */
		if (text_of(child(n, "LoginName"), v, sizeof v) && v[0] != '\0') {
			s->user_form = user_form(v, out);
			fill_placeholders(v, out, s->username, sizeof s->username);
		} else {
			s->user_form = SF_ACU_ADDRESS;
			/* Both are SF_AC_USER_MAX + 1 bytes. */
			memcpy(s->username, out->email, strlen(out->email) + 1);
		}
		/* Both are SF_HOST_MAX + 1 bytes. */
		if (out->autodiscover_host[0] == '\0' && s->host_valid)
			memcpy(out->autodiscover_host, s->host, strlen(s->host) + 1);
	}
	xmlFreeDoc(doc);
	return found;
}
