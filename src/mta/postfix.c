/* Postfix: the effective settings of each smtpd service are main.cf's
 * values overridden by that service's -o options in master.cf. The same
 * model is filled from the files or from postconf -n / -P / -M. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smtpfix/mta.h"
#include "mta_internal.h"

#define PF_MAX_PARAMS 256

struct pf_param {
	char name[64];
	char value[SF_MTA_VALUE_MAX];
};

struct pf_conf {
	struct pf_param main[PF_MAX_PARAMS];
	size_t nmain;
	struct {
		char name[64];
		char type[16];
		char command[32];
		struct pf_param o[32];
		size_t no;
	} svc[SF_MTA_MAX_SERVICES];
	size_t nsvc;
};

static void
set_param(struct pf_param *list, size_t *n, size_t max, const char *name, const char *value)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp(list[i].name, name) == 0)
			break;
	if (i == *n) {
		if (*n >= max)
			return;
		(*n)++;
	}
	snprintf(list[i].name, sizeof list[i].name, "%.63s", name);
	snprintf(list[i].value, sizeof list[i].value, "%s", value);
}

static const char *
get_param(const struct pf_param *list, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i].name, name) == 0)
			return list[i].value;
	return NULL;
}

/* Logical lines: a line that starts with white space continues the one
 * before it; '#' lines are comments. Calls fn for each. */
static void
each_logical_line(const char *text, void (*fn)(void *, char *), void *ctx)
{
	char *copy = strdup(text), *line, *save = NULL, *cur = NULL;
	size_t curlen = 0;

	if (copy == NULL)
		return;
	for (line = strtok_r(copy, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *t = line;

		while (*t == ' ' || *t == '\t')
			t++;
		if (*t == '#' || *t == '\0')
			continue;
		if (t != line && cur != NULL) {
			size_t add = strlen(t);
			char *grown = realloc(cur, curlen + add + 2);

			if (grown == NULL)
				continue;
			cur = grown;
			cur[curlen++] = ' ';
			memcpy(cur + curlen, t, add + 1);
			curlen += add;
			continue;
		}
		if (cur != NULL)
			fn(ctx, cur);
		free(cur);
		cur = strdup(line);
		curlen = cur ? strlen(cur) : 0;
	}
	if (cur != NULL)
		fn(ctx, cur);
	free(cur);
	free(copy);
}

static void
main_line(void *ctx, char *line)
{
	struct pf_conf *c = ctx;
	char *eq = strchr(line, '=');

	if (eq == NULL)
		return;
	*eq = '\0';
	set_param(c->main, &c->nmain, PF_MAX_PARAMS, sf_mta_trim(line), sf_mta_trim(eq + 1));
}

static void
master_line(void *ctx, char *line)
{
	struct pf_conf *c = ctx;
	char *tok[64], *save = NULL, *t;
	size_t n = 0, i;

	for (t = strtok_r(line, " \t", &save); t != NULL && n < 64;
		t = strtok_r(NULL, " \t", &save))
		tok[n++] = t;
	if (n < 8 || c->nsvc >= SF_MTA_MAX_SERVICES)
		return;
	snprintf(c->svc[c->nsvc].name, sizeof c->svc[c->nsvc].name, "%.63s", tok[0]);
	snprintf(c->svc[c->nsvc].type, sizeof c->svc[c->nsvc].type, "%.15s", tok[1]);
	snprintf(c->svc[c->nsvc].command, sizeof c->svc[c->nsvc].command, "%.31s", tok[7]);
	c->svc[c->nsvc].no = 0;
	for (i = 8; i + 1 < n; i++) {
		char *eq;

		if (strcmp(tok[i], "-o") != 0)
			continue;
		eq = strchr(tok[i + 1], '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		set_param(c->svc[c->nsvc].o, &c->svc[c->nsvc].no, 32, tok[i + 1], eq + 1);
		i++;
	}
	c->nsvc++;
}

/* postconf -P: "service/type/name = value" lines. */
static void
apply_overrides(struct pf_conf *c, const char *text)
{
	char *copy = strdup(text), *line, *save = NULL;

	if (copy == NULL)
		return;
	for (line = strtok_r(copy, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *s1 = strchr(line, '/'), *s2, *eq;
		size_t i;

		if (s1 == NULL || (s2 = strchr(s1 + 1, '/')) == NULL ||
			(eq = strchr(s2, '=')) == NULL)
			continue;
		*s1 = *s2 = *eq = '\0';
		for (i = 0; i < c->nsvc; i++)
			if (strcmp(c->svc[i].name, line) == 0 &&
				strcmp(c->svc[i].type, s1 + 1) == 0)
				set_param(c->svc[i].o, &c->svc[i].no, 32, sf_mta_trim(s2 + 1),
					sf_mta_trim(eq + 1));
	}
	free(copy);
}

static int
service_port(const char *name)
{
	const char *colon = strrchr(name, ':');
	const char *svc = colon ? colon + 1 : name;

	if (strcmp(svc, "smtp") == 0)
		return 25;
	if (strcmp(svc, "submission") == 0)
		return 587;
	if (strcmp(svc, "submissions") == 0 || strcmp(svc, "smtps") == 0)
		return 465;
	return sf_mta_port_number(svc);
}

static bool
yes(const char *v)
{
	return v != NULL &&
	       (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

/* A value, with one level of $name from main.cf resolved. */
static const char *
effective(const struct pf_conf *c, size_t s, const char *name)
{
	const char *v = get_param(c->svc[s].o, c->svc[s].no, name);

	if (v == NULL)
		v = get_param(c->main, c->nmain, name);
	if (v != NULL && v[0] == '$') {
		const char *ref = get_param(c->main, c->nmain, v + 1 + (v[1] == '{'));

		if (ref != NULL)
			v = ref;
	}
	return v;
}

static void
services_from(const struct pf_conf *c, struct sf_policy *p, const char *source)
{
	size_t i;

	p->nservices = 0;
	for (i = 0; i < c->nsvc && p->nservices < SF_MTA_MAX_SERVICES; i++) {
		struct sf_postfix_service *s;
		const char *level;

		if (strcmp(c->svc[i].type, "inet") != 0 || strcmp(c->svc[i].command, "smtpd") != 0)
			continue;
		s = &p->services[p->nservices++];
		memset(s, 0, sizeof *s);
		snprintf(s->name, sizeof s->name, "%s", c->svc[i].name);
		s->port = service_port(s->name);
		s->wrappermode = yes(effective(c, i, "smtpd_tls_wrappermode"));
		s->sasl = yes(effective(c, i, "smtpd_sasl_auth_enable"));
		s->tls_auth_only = yes(effective(c, i, "smtpd_tls_auth_only"));
		level = effective(c, i, "smtpd_tls_security_level");
		if (level == NULL && yes(effective(c, i, "smtpd_enforce_tls")))
			level = "encrypt"; /* the obsolete spelling */
		snprintf(s->security_level, sizeof s->security_level, "%s", level ? level : "");
		if (!s->sasl)
			s->auth_requires_tls = SF_TRI_UNKNOWN;
		else if (s->wrappermode || s->tls_auth_only ||
			 strcmp(s->security_level, "encrypt") == 0)
			s->auth_requires_tls = SF_TRI_YES;
		else
			s->auth_requires_tls = SF_TRI_NO;
	}
	(void)source;
}

/* The host-wide verdict: AUTH in clear anywhere makes it "no". */
static void
postfix_verdict(struct sf_policy *p, const char *source, struct sf_setting *out)
{
	size_t i;
	bool any_sasl = false;

	memset(out, 0, sizeof *out);
	out->value = SF_TRI_UNKNOWN;
	snprintf(out->source, sizeof out->source, "%s", source);
	for (i = 0; i < p->nservices; i++) {
		const struct sf_postfix_service *s = &p->services[i];

		if (!s->sasl)
			continue;
		any_sasl = true;
		if (s->auth_requires_tls == SF_TRI_NO) {
			out->value = SF_TRI_NO;
			snprintf(out->evidence, sizeof out->evidence,
				"service %s: smtpd_sasl_auth_enable=yes without "
				"smtpd_tls_auth_only or "
				"smtpd_tls_security_level=encrypt",
				s->name);
			return;
		}
	}
	if (!any_sasl) {
		snprintf(out->evidence, sizeof out->evidence,
			"no smtpd service has smtpd_sasl_auth_enable=yes");
		return;
	}
	out->value = SF_TRI_YES;
	snprintf(out->evidence, sizeof out->evidence,
		"every service with SASL needs TLS first (smtpd_tls_auth_only, encrypt or wrapper "
		"mode)");
}

void
sf_postfix_read(struct sf_policy *p, const char *root, const char *postconf_bin)
{
	struct pf_conf *c = calloc(1, sizeof *c);
	struct sf_buf mainb, masterb;
	bool have_main, have_master;
	int rc_main, rc_master;

	if (c == NULL)
		return;
	rc_main = sf_mta_read(
		p, root, "/etc/postfix/main.cf", "Postfix's main settings (SASL, TLS)", &mainb);
	rc_master = sf_mta_read(p, root, "/etc/postfix/master.cf",
		"Postfix's services and their overrides (ports 25, 587, 465)", &masterb);
	have_main = rc_main == 0;
	have_master = rc_master == 0;
	if (have_main)
		each_logical_line(mainb.data, main_line, c);
	if (have_master)
		each_logical_line(masterb.data, master_line, c);
	if (rc_main == -2 || rc_master == -2) {
		/* A file that is there but was not read may turn SASL or TLS on
		 * or off anywhere: no services and no verdict from the other. */
		const char *f = rc_main == -2 ? "/etc/postfix/main.cf" : "/etc/postfix/master.cf";
		size_t i = p->nunreadable;

		while (i-- > 0 && strcmp(p->unreadable[i].path, f) != 0)
			;
		snprintf(p->auth_unknown_why, sizeof p->auth_unknown_why,
			"%s was not read (%.200s)", f,
			i < p->nunreadable ? p->unreadable[i].why : "");
		p->nservices = 0;
		memset(&p->auth_requires_tls_files, 0, sizeof p->auth_requires_tls_files);
		p->auth_requires_tls_files.value = SF_TRI_UNKNOWN;
		snprintf(p->auth_requires_tls_files.source,
			sizeof p->auth_requires_tls_files.source,
			"/etc/postfix/main.cf and master.cf");
		snprintf(p->auth_requires_tls_files.evidence,
			sizeof p->auth_requires_tls_files.evidence, "not known: %.250s",
			p->auth_unknown_why);
	} else {
		services_from(c, p, "/etc/postfix");
		postfix_verdict(
			p, "/etc/postfix/main.cf and master.cf", &p->auth_requires_tls_files);
	}
	p->auth_requires_tls = p->auth_requires_tls_files;
	if (have_main)
		sf_buf_free(&mainb);
	if (have_master)
		sf_buf_free(&masterb);

	if (postconf_bin != NULL) {
		/* What Postfix itself makes of the same directory. */
		char confdir[1024], *argv[6];
		struct sf_buf n, pp, m;
		struct sf_error err;
		struct pf_conf *e = calloc(1, sizeof *e);
		struct sf_postfix_service saved[SF_MTA_MAX_SERVICES];
		size_t nsaved = p->nservices;

		memcpy(saved, p->services, sizeof saved);
		sf_mta_path(root, "/etc/postfix", confdir, sizeof confdir);
		argv[0] = (char *)(uintptr_t)postconf_bin;
		argv[1] = (char *)(uintptr_t) "-c";
		argv[2] = confdir;
		argv[4] = NULL;
		argv[3] = (char *)(uintptr_t) "-n";
		if (e != NULL && sf_mta_run(argv, NULL, &n, &err) == 0) {
			argv[3] = (char *)(uintptr_t) "-M";
			if (sf_mta_run(argv, NULL, &m, &err) == 0) {
				argv[3] = (char *)(uintptr_t) "-P";
				if (sf_mta_run(argv, NULL, &pp, &err) == 0) {
					each_logical_line(n.data, main_line, e);
					each_logical_line(m.data, master_line, e);
					apply_overrides(e, pp.data);
					services_from(e, p, "postconf");
					postfix_verdict(
						p, "postconf -n/-M/-P", &p->auth_requires_tls);
				}
				sf_buf_free(&pp);
			}
			sf_buf_free(&m);
		} else {
			sf_policy_note(p, "postconf could not run: %s", err.message);
			p->nservices = nsaved;
			memcpy(p->services, saved, sizeof saved);
		}
		sf_buf_free(&n);
		free(e);
	}
	free(c);
}
