/* Dovecot: are plain-text logins accepted without TLS? (2.3:
 * disable_plaintext_auth, default yes; 2.4: auth_allow_cleartext, default
 * no; cPanel keeps its own setting in /var/cpanel/conf/dovecot/main.) */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "smtpfix/mta.h"
#include "mta_internal.h"

/* The top-level value of `key` in Dovecot's format (sections skipped). */
static bool
top_level_value(const char *text, const char *key, char *out, size_t outsz)
{
	const char *p = text;
	int depth = 0;
	bool found = false;

	while (*p != '\0') {
		const char *nl = strchr(p, '\n'), *end = nl ? nl : p + strlen(p), *s = p, *e;
		size_t klen = strlen(key);

		while (s < end && isspace((unsigned char)*s))
			s++;
		if (s < end && *s != '#') {
			for (e = s; e < end; e++) {
				if (*e == '{')
					depth++;
				else if (*e == '}' && depth > 0)
					depth--;
			}
			if (depth == 0 && (size_t)(end - s) > klen && strncmp(s, key, klen) == 0 &&
				(s[klen] == ' ' || s[klen] == '=' || s[klen] == ':' ||
					s[klen] == '\t')) {
				const char *v = s + klen;
				size_t n;

				while (v < end && (*v == ' ' || *v == '\t' || *v == '=' ||
							  *v == ':' || *v == '\''))
					v++;
				n = (size_t)(end - v);
				while (n > 0 &&
					(isspace((unsigned char)v[n - 1]) || v[n - 1] == '\''))
					n--;
				if (n >= outsz)
					n = outsz - 1;
				memcpy(out, v, n);
				out[n] = '\0';
				found = true; /* the last one wins, as in Dovecot */
			}
		}
		p = nl ? nl + 1 : end;
	}
	return found;
}

static void
judge(struct sf_policy *p, const char *text, const char *source)
{
	char v[64];

	if (top_level_value(text, "auth_allow_cleartext", v, sizeof v)) {
		p->dovecot_plaintext.value = strcasecmp(v, "yes") == 0 ? SF_TRI_YES : SF_TRI_NO;
		snprintf(p->dovecot_plaintext.evidence, sizeof p->dovecot_plaintext.evidence,
			"auth_allow_cleartext = %s", v);
	} else if (top_level_value(text, "disable_plaintext_auth", v, sizeof v)) {
		p->dovecot_plaintext.value = strcasecmp(v, "no") == 0 ? SF_TRI_YES : SF_TRI_NO;
		snprintf(p->dovecot_plaintext.evidence, sizeof p->dovecot_plaintext.evidence,
			"disable_plaintext_auth = %s", v);
	} else {
		return;
	}
	snprintf(p->dovecot_plaintext.source, sizeof p->dovecot_plaintext.source, "%s", source);
}

void
sf_dovecot_read(struct sf_policy *p, const char *root, bool cpanel)
{
	static const char *const confd[] = {
		"/etc/dovecot/conf.d/10-auth.conf",
		"/etc/dovecot/conf.d/10-ssl.conf",
		"/etc/dovecot/local.conf",
	};
	struct sf_buf b;
	size_t i;
	const char *gap = NULL;
	int rc;

	p->dovecot_plaintext.value = SF_TRI_UNKNOWN;
	/* cPanel writes dovecot.conf from its own file: either one says. */
	if (cpanel && sf_mta_read(p, root, "/var/cpanel/conf/dovecot/main",
			      "cPanel's Dovecot settings (plain-text logins)", &b) == 0) {
		judge(p, b.data, "/var/cpanel/conf/dovecot/main");
		sf_buf_free(&b);
		if (p->dovecot_plaintext.value != SF_TRI_UNKNOWN)
			return;
	}
	rc = sf_mta_read(
		p, root, "/etc/dovecot/dovecot.conf", "Dovecot's settings (plain-text logins)", &b);
	if (rc == 0) {
		judge(p, b.data, "/etc/dovecot/dovecot.conf");
		sf_buf_free(&b);
	} else if (rc == -2) {
		gap = "/etc/dovecot/dovecot.conf";
	}
	/* The usual includes, in the order dovecot.conf pulls them in. */
	for (i = 0; i < sizeof confd / sizeof confd[0]; i++) {
		rc = sf_mta_read(p, root, confd[i], "Dovecot's settings (plain-text logins)", &b);
		if (rc == 0) {
			judge(p, b.data, confd[i]);
			sf_buf_free(&b);
		} else if (rc == -2 && gap == NULL) {
			gap = confd[i];
		}
	}
	/* The last setting wins, and any file not read may hold it. */
	if (gap != NULL) {
		memset(&p->dovecot_plaintext, 0, sizeof p->dovecot_plaintext);
		p->dovecot_plaintext.value = SF_TRI_UNKNOWN;
		snprintf(
			p->dovecot_plaintext.source, sizeof p->dovecot_plaintext.source, "%s", gap);
		snprintf(p->dovecot_plaintext.evidence, sizeof p->dovecot_plaintext.evidence,
			"not known: %s was not read", gap);
	}
}
