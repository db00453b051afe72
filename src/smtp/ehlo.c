#include "smtpfix/smtp_ehlo.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smtpfix/buf.h"

static void
add_mech(struct sf_ehlo *e, const char *m, size_t len)
{
	size_t i;
	char up[SF_AUTH_MECH_MAX];

	if (len == 0 || len >= SF_AUTH_MECH_MAX || e->nauth >= SF_AUTH_MAX_MECHS)
		return;
	for (i = 0; i < len; i++)
		up[i] = (char)toupper((unsigned char)m[i]);
	up[len] = '\0';
	for (i = 0; i < e->nauth; i++)
		if (strcmp(e->auth[i], up) == 0)
			return;
	memcpy(e->auth[e->nauth++], up, len + 1);
}

static void
parse_mechs(struct sf_ehlo *e, const char *s, size_t len)
{
	size_t i = 0, start;

	while (i < len) {
		while (i < len && (s[i] == ' ' || s[i] == '='))
			i++;
		start = i;
		while (i < len && s[i] != ' ')
			i++;
		add_mech(e, s + start, i - start);
	}
}

static bool
keyword_is(const char *line, size_t kwlen, const char *kw)
{
	return strlen(kw) == kwlen && strncasecmp(line, kw, kwlen) == 0;
}

static void
parse_line(struct sf_ehlo *e, const char *line, size_t len)
{
	size_t kw = 0;

	while (kw < len && line[kw] != ' ' && line[kw] != '=')
		kw++;
	if (keyword_is(line, kw, "STARTTLS")) {
		e->starttls = true;
	} else if (keyword_is(line, kw, "PIPELINING")) {
		e->pipelining = true;
	} else if (keyword_is(line, kw, "8BITMIME")) {
		e->eightbitmime = true;
	} else if (keyword_is(line, kw, "SMTPUTF8")) {
		e->smtputf8 = true;
	} else if (keyword_is(line, kw, "ENHANCEDSTATUSCODES")) {
		e->enhancedstatuscodes = true;
	} else if (keyword_is(line, kw, "CHUNKING")) {
		e->chunking = true;
	} else if (keyword_is(line, kw, "SIZE")) {
		e->size_known = true;
		e->size = kw < len ? strtoull(line + kw + 1, NULL, 10) : 0;
	} else if (keyword_is(line, kw, "AUTH")) {
		e->auth_offered = true;
		if (kw < len && line[kw] == '=')
			e->auth_old_form = true;
		parse_mechs(e, line + kw, len - kw);
	}
}

int
sf_ehlo_parse(struct sf_ehlo *e, const struct sf_reply *r, struct sf_error *err)
{
	const char *p = r->text ? r->text : "";
	const char *nl;
	size_t len;

	memset(e, 0, sizeof *e);
	/* The first line is the server's greeting text, not an extension. */
	nl = strchr(p, '\n');
	if (nl == NULL)
		return 0;
	p = nl + 1;
	while (*p != '\0') {
		nl = strchr(p, '\n');
		len = nl ? (size_t)(nl - p) : strlen(p);
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len > 0) {
			parse_line(e, p, len);
			if (e->nextensions < SF_EHLO_MAX_EXTENSIONS) {
				e->extensions[e->nextensions] = sf_strndup(p, len);
				if (e->extensions[e->nextensions] == NULL) {
					sf_ehlo_free(e);
					return sf_error_set(err, SF_E_NOMEM, "out of memory");
				}
				e->nextensions++;
			}
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return 0;
}

void
sf_ehlo_free(struct sf_ehlo *e)
{
	size_t i;

	for (i = 0; i < e->nextensions; i++)
		free(e->extensions[i]);
	memset(e, 0, sizeof *e);
}

bool
sf_ehlo_has_auth(const struct sf_ehlo *e, const char *mech)
{
	size_t i;

	for (i = 0; i < e->nauth; i++)
		if (strcasecmp(e->auth[i], mech) == 0)
			return true;
	return false;
}
