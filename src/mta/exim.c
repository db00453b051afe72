/* Exim's configuration, read the way Exim reads it for what decides the
 * AUTH policy: line continuations, comments, macros, .ifdef/.ifndef/.else/
 * .endif, .include, the main options and the authenticator blocks. What
 * it does not understand is skipped with a note, never fatal. */
#define _GNU_SOURCE /* strcasestr */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smtpfix/mta.h"
#include "mta_internal.h"

struct macro {
	char name[64];
	char value[SF_MTA_VALUE_MAX];
};

struct parser {
	struct sf_exim_model *m;
	struct sf_policy *p;
	const char *root;
	struct macro macros[SF_MTA_MAX_MACROS];
	size_t nmacros;
	bool active[32]; /* .ifdef nesting: is each level being read */
	int depth;
	char section[32];          /* "" for main */
	struct sf_exim_auth *auth; /* the authenticator block being read */
};

static struct macro *
find_macro(struct parser *ps, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < ps->nmacros; i++)
		if (strlen(ps->macros[i].name) == len &&
			strncmp(ps->macros[i].name, name, len) == 0)
			return &ps->macros[i];
	return NULL;
}

/* Replace macro names (upper-case words) in a value, once. */
static void
expand_macros(struct parser *ps, const char *in, char *out, size_t outsz)
{
	size_t o = 0;

	while (*in != '\0' && o + 1 < outsz) {
		if (isupper((unsigned char)*in) &&
			(o == 0 || !isalnum((unsigned char)out[o - 1]))) {
			size_t n = 0;
			struct macro *mc;

			while (isalnum((unsigned char)in[n]) || in[n] == '_')
				n++;
			if ((mc = find_macro(ps, in, n)) != NULL) {
				o += (size_t)snprintf(out + o, outsz - o, "%s", mc->value);
				if (o >= outsz)
					o = outsz - 1;
				in += n;
				continue;
			}
		}
		out[o++] = *in++;
	}
	out[o] = '\0';
}

static bool
reading(const struct parser *ps)
{
	int i;

	for (i = 0; i <= ps->depth; i++)
		if (!ps->active[i])
			return false;
	return true;
}

static void parse_text(
	struct parser *ps, const char *text, size_t len, const char *path, int depth);

/* The first part of the configuration that was not read, in words. */
static void gap(struct sf_exim_model *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
gap(struct sf_exim_model *m, const char *fmt, ...)
{
	va_list ap;

	if (m->unread[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(m->unread, sizeof m->unread, fmt, ap);
	va_end(ap);
}

static void
directive(struct parser *ps, const char *line, const char *path, int depth)
{
	char name[64];

	if (sscanf(line, ".ifdef %63s", name) == 1 || sscanf(line, ".ifndef %63s", name) == 1) {
		bool def = find_macro(ps, name, strlen(name)) != NULL;

		if (ps->depth + 1 >= 32) {
			sf_policy_note(ps->p, "%s: conditionals nested too deep", path);
			return;
		}
		ps->depth++;
		ps->active[ps->depth] = strncmp(line, ".ifdef", 6) == 0 ? def : !def;
	} else if (strncmp(line, ".else", 5) == 0) {
		if (ps->depth > 0)
			ps->active[ps->depth] = !ps->active[ps->depth];
	} else if (strncmp(line, ".endif", 6) == 0) {
		if (ps->depth > 0)
			ps->depth--;
	} else if (reading(ps) && (strncmp(line, ".include_if_exists", 18) == 0 ||
					  strncmp(line, ".include", 8) == 0)) {
		bool optional = strncmp(line, ".include_if_exists", 18) == 0;
		char file[512];
		struct sf_buf b;
		int rc;

		if (sscanf(line + (optional ? 18 : 8), " %511s", file) != 1)
			return;
		if (depth >= SF_MTA_INCLUDE_DEPTH) {
			sf_policy_note(ps->p, "%s: includes nested too deep at %s", path, file);
			gap(ps->m,
				"%.150s has includes nested deeper than %d, which were not "
				"followed",
				path, SF_MTA_INCLUDE_DEPTH);
			return;
		}
		/* A file that includes itself several times grows as N^depth:
		 * the count over the whole run keeps that to a fixed amount. */
		if (ps->p->includes >= SF_MTA_INCLUDES_MAX) {
			if (!ps->p->includes_cap_hit)
				sf_policy_note(ps->p,
					"Exim's configuration includes more than %d files (repeats "
					"counted); smtpfix stopped following .include there",
					SF_MTA_INCLUDES_MAX);
			ps->p->includes_cap_hit = true;
			gap(ps->m,
				"more than %d .include files (repeats counted); the rest was not "
				"read",
				SF_MTA_INCLUDES_MAX);
			return;
		}
		ps->p->includes++;
		rc = sf_mta_read(ps->p, ps->root, file, "part of the Exim configuration", &b);
		if (rc < 0) {
			if (rc == -2)
				gap(ps->m, "%.150s (included from %.150s) was not read", file,
					path);
			else if (!optional) {
				sf_policy_note(ps->p, "%s includes %s, which could not be read",
					path, file);
				gap(ps->m, "%.150s (included from %.150s) is not there", file,
					path);
			}
			return;
		}
		parse_text(ps, b.data, b.len, file, depth + 1);
		sf_buf_free(&b);
	} else if (reading(ps) && strncmp(line, ".elifdef", 8) != 0) {
		sf_policy_note(ps->p, "%s: directive not understood: %.60s", path, line);
	}
}

/* The main options that decide the AUTH policy, from the file or -bP. */
static void
main_option(struct sf_exim_model *m, const char *name, const char *value)
{
	if (strcmp(name, "daemon_smtp_ports") == 0 || strcmp(name, "daemon_smtp_port") == 0)
		snprintf(m->daemon_smtp_ports, sizeof m->daemon_smtp_ports, "%s", value);
	else if (strcmp(name, "tls_on_connect_ports") == 0)
		snprintf(m->tls_on_connect_ports, sizeof m->tls_on_connect_ports, "%s", value);
	else if (strcmp(name, "auth_advertise_hosts") == 0) {
		snprintf(m->auth_advertise_hosts, sizeof m->auth_advertise_hosts, "%s", value);
		m->auth_advertise_hosts_set = true;
	} else if (strcmp(name, "tls_advertise_hosts") == 0)
		snprintf(m->tls_advertise_hosts, sizeof m->tls_advertise_hosts, "%s", value);
}

static void
auth_option(struct parser *ps, const char *name, const char *value)
{
	struct sf_exim_auth *a = ps->auth;

	if (a == NULL)
		return;
	if (strcmp(name, "driver") == 0)
		snprintf(a->driver, sizeof a->driver, "%.31s", value);
	else if (strcmp(name, "public_name") == 0)
		snprintf(a->public_name, sizeof a->public_name, "%.31s", value);
	else if (strcmp(name, "server_advertise_condition") == 0)
		snprintf(a->advertise_condition, sizeof a->advertise_condition, "%s", value);
	if (strncmp(name, "server_", 7) == 0)
		a->server_side = true;
}

static void
statement(struct parser *ps, char *line)
{
	char name[128], value[SF_MTA_VALUE_MAX], expanded[SF_MTA_VALUE_MAX];
	const char *eq, *v;
	size_t n;

	if (strncmp(line, "begin ", 6) == 0) {
		snprintf(ps->section, sizeof ps->section, "%s", sf_mta_trim(line + 6));
		ps->auth = NULL;
		return;
	}
	/* A macro definition: NAME = value (main part, upper-case first). */
	if (ps->section[0] == '\0' && isupper((unsigned char)line[0])) {
		n = 0;
		while (isalnum((unsigned char)line[n]) || line[n] == '_')
			n++;
		eq = line + n;
		while (*eq == ' ' || *eq == '\t')
			eq++;
		if (*eq == '=' && n < 64) {
			struct macro *mc = find_macro(ps, line, n);

			if (mc == NULL && ps->nmacros < SF_MTA_MAX_MACROS) {
				mc = &ps->macros[ps->nmacros++];
				memcpy(mc->name, line, n);
				mc->name[n] = '\0';
			}
			if (mc != NULL) {
				v = eq + 1 + (eq[1] == '=');
				snprintf(value, sizeof value, "%s", v);
				snprintf(mc->value, sizeof mc->value, "%s", sf_mta_trim(value));
			}
			return;
		}
	}
	/* An authenticator, router or transport starts with "name:". */
	n = strlen(line);
	if (n > 1 && line[n - 1] == ':' && strchr(line, '=') == NULL) {
		if (strcmp(ps->section, "authenticators") == 0 && ps->m->nauths < SF_MTA_MAX_AUTH) {
			ps->auth = &ps->m->auths[ps->m->nauths++];
			memset(ps->auth, 0, sizeof *ps->auth);
			snprintf(ps->auth->name, sizeof ps->auth->name, "%.*s", (int)(n - 1), line);
		}
		return;
	}
	eq = strchr(line, '=');
	if (eq == NULL || (size_t)(eq - line) >= sizeof name)
		return; /* ACL verbs, list lines and the like: not needed here */
	memcpy(name, line, (size_t)(eq - line));
	name[eq - line] = '\0';
	snprintf(value, sizeof value, "%s", eq + 1);
	expand_macros(ps, sf_mta_trim(value), expanded, sizeof expanded);
	{
		const char *option = sf_mta_trim(name);

		if (ps->section[0] == '\0')
			main_option(ps->m, option, expanded);
		else if (strcmp(ps->section, "authenticators") == 0)
			auth_option(ps, option, expanded);
	}
}

static void
parse_text(struct parser *ps, const char *text, size_t len, const char *path, int depth)
{
	const char *p = text, *end = text + len;
	char *line = malloc(SF_MTA_VALUE_MAX * 4);
	size_t cap = SF_MTA_VALUE_MAX * 4;

	if (line == NULL)
		return;
	while (p < end) {
		size_t n = 0;
		bool more = true;

		/* One logical line: physical lines joined at a trailing backslash.
		 * Exim drops the backslash and the next line's leading white
		 * space (keeping any before the backslash), and skips comment
		 * lines met inside a continuation. */
		while (more && p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *le = nl ? nl : end, *s = p;
			size_t k;

			p = nl ? nl + 1 : end;
			if (n > 0) {
				while (s < le && isspace((unsigned char)*s))
					s++;
				if (s < le && *s == '#')
					continue;
			}
			k = (size_t)(le - s);
			while (k > 0 && isspace((unsigned char)s[k - 1]))
				k--;
			more = k > 0 && s[k - 1] == '\\';
			if (more)
				k--;
			if (n + k >= cap)
				k = cap - n - 1;
			memcpy(line + n, s, k);
			n += k;
			line[n] = '\0';
		}
		if (memchr(line, '\0', n) != NULL && strlen(line) != n)
			continue;
		{
			char *t = line;

			while (isspace((unsigned char)*t))
				t++;
			if (*t == '\0' || *t == '#')
				continue;
			if (*t == '.') {
				directive(ps, t, path, depth);
				continue;
			}
			if (!reading(ps))
				continue;
			if (strcasestr(t, "message submission on port 587") != NULL)
				ps->m->submission_587_rule = true;
			statement(ps, t);
		}
	}
	free(line);
}

int
sf_exim_parse_text(const char *text, size_t len, const char *root, const char *path,
	struct sf_exim_model *m, struct sf_policy *p)
{
	struct parser *ps = calloc(1, sizeof *ps);

	if (ps == NULL)
		return -1;
	ps->m = m;
	ps->p = p;
	ps->root = root;
	ps->active[0] = true;
	parse_text(ps, text, len, path, 0);
	if (ps->depth != 0)
		sf_policy_note(p, "%s: an .ifdef or .ifndef is not closed", path);
	free(ps);
	return 0;
}

void
sf_exim_model_from_bp(const char *out, struct sf_exim_model *m)
{
	const char *p = out;
	struct sf_exim_auth *a = NULL;
	char line[SF_MTA_VALUE_MAX * 2];

	/* "name = value" lines for main options; "auth:" then indented or
	 * plain "option = value" lines for each authenticator block. */
	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *eq, *name, *value;

		if (n >= sizeof line)
			n = sizeof line - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl ? nl + 1 : p + n;
		name = sf_mta_trim(line);
		n = strlen(name);
		/* A block starts with "NAME authenticator:" (exim -bP) or "NAME:". */
		if (n > 1 && name[n - 1] == ':' && strchr(name, '=') == NULL) {
			static const char suffix[] = " authenticator:";
			size_t sl = sizeof suffix - 1;

			if (n > sl && strcmp(name + n - sl, suffix) == 0)
				n -= sl - 1;
			if (strchr(name, ' ') != NULL && name + n - 1 > strchr(name, ' '))
				continue; /* some other heading */
			if (m->nauths < SF_MTA_MAX_AUTH) {
				a = &m->auths[m->nauths++];
				memset(a, 0, sizeof *a);
				snprintf(a->name, sizeof a->name, "%.*s", (int)(n - 1), name);
			}
			continue;
		}
		eq = strchr(name, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		value = sf_mta_trim(eq + 1);
		name = sf_mta_trim(name);
		if (strcmp(name, "driver") == 0 && a != NULL)
			snprintf(a->driver, sizeof a->driver, "%.31s", value);
		else if (strcmp(name, "public_name") == 0 && a != NULL)
			snprintf(a->public_name, sizeof a->public_name, "%.31s", value);
		else if (strcmp(name, "server_advertise_condition") == 0 && a != NULL)
			snprintf(
				a->advertise_condition, sizeof a->advertise_condition, "%s", value);
		else
			main_option(m, name, value);
		/* exim -bP lists a client-only authenticator's server options
		 * unset ("server_condition =" with nothing after it). */
		if (a != NULL && strncmp(name, "server_", 7) == 0 && value[0] != '\0' &&
			strcmp(name, "server_debug_print") != 0)
			a->server_side = true;
	}
}

/* Does an expansion gate on TLS? ($tls_in_cipher, $tls_cipher, def:...) */
static bool
mentions_tls(const char *s)
{
	return strstr(s, "tls_in_cipher") != NULL || strstr(s, "tls_cipher") != NULL ||
	       strstr(s, "tls_in_active") != NULL;
}

void
sf_exim_verdict(const struct sf_exim_model *m, const char *source, struct sf_setting *s)
{
	size_t i, plaintext_capable = 0, gated = 0;
	const char *open_one = NULL;

	memset(s, 0, sizeof *s);
	s->value = SF_TRI_UNKNOWN;
	snprintf(s->source, sizeof s->source, "%s", source);
	/* A part not read could add an authenticator or gate them all: no
	 * verdict, either way, from the rest. */
	if (m->unread[0] != '\0') {
		snprintf(s->evidence, sizeof s->evidence, "not known: %.250s", m->unread);
		return;
	}
	for (i = 0; i < m->nauths; i++) {
		const struct sf_exim_auth *a = &m->auths[i];

		/* Only mechanisms where the password itself crosses the wire,
		 * and only those offered to clients. */
		if (strcasecmp(a->public_name, "PLAIN") != 0 &&
			strcasecmp(a->public_name, "LOGIN") != 0)
			continue;
		if (!a->server_side)
			continue;
		plaintext_capable++;
		if (mentions_tls(a->advertise_condition))
			gated++;
		else if (open_one == NULL)
			open_one = a->name;
	}
	if (m->auth_advertise_hosts_set && m->auth_advertise_hosts[0] == '\0') {
		snprintf(s->evidence, sizeof s->evidence,
			"auth_advertise_hosts is empty: AUTH is offered to nobody");
		return;
	}
	if (plaintext_capable == 0) {
		snprintf(s->evidence, sizeof s->evidence,
			"no PLAIN or LOGIN authenticator is configured: AUTH with a password is "
			"not offered");
		return;
	}
	if (m->auth_advertise_hosts_set && mentions_tls(m->auth_advertise_hosts)) {
		s->value = SF_TRI_YES;
		snprintf(s->evidence, sizeof s->evidence, "auth_advertise_hosts = %.200s",
			m->auth_advertise_hosts);
		return;
	}
	if (gated == plaintext_capable) {
		const struct sf_exim_auth *a = NULL;

		for (i = 0; i < m->nauths && a == NULL; i++)
			if (mentions_tls(m->auths[i].advertise_condition))
				a = &m->auths[i];
		s->value = SF_TRI_YES;
		snprintf(s->evidence, sizeof s->evidence, "%s: server_advertise_condition = %.200s",
			a->name, a->advertise_condition);
		return;
	}
	s->value = SF_TRI_NO;
	snprintf(s->evidence, sizeof s->evidence,
		"authenticator %s offers AUTH without a TLS condition", open_one);
}
