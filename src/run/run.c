/* One run below the front ends: find, probe, read the local server,
 * diagnose, guide (see run.h). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "smtpfix/help.h"
#include "smtpfix/net.h"
#include "smtpfix/run.h"
#include "smtpfix/text.h"

void
sf_run_init(struct sf_run *r)
{
	memset(r, 0, sizeof *r);
	r->res.login_index = -1;
	sf_guide_init(&r->guide);
}

void
sf_run_free(struct sf_run *r)
{
	if (r->have_res)
		sf_probe_result_free(&r->res);
	free(r->discovery);
	free(r->policy);
	if (r->log != NULL)
		sf_log_scan_free(r->log);
	free(r->log);
	free(r->attempt);
	sf_run_free_published(r);
	sf_guide_free(&r->guide);
	memset(r, 0, sizeof *r);
}

/* A typed name in the form DNS holds it; both forms kept to be said. */
static const char *
to_ascii(struct sf_run *r, const char *typed, struct sf_run_server *out)
{
	if (sf_host_to_ascii(typed, r->ascii, sizeof r->ascii, NULL) != 1)
		return typed; /* not a name that converts: the probe says what is wrong */
	snprintf(out->idn_typed, sizeof out->idn_typed, "%s", typed);
	snprintf(out->idn_ascii, sizeof out->idn_ascii, "%s", r->ascii);
	return r->ascii;
}

int
sf_run_find_server(struct sf_run *r, const char *typed, const struct sf_dns_options *dns,
	struct sf_run_server *out, struct sf_error *err)
{
	const char *at = strchr(typed, '@');
	size_t i;

	memset(out, 0, sizeof *out);
	out->source = "";
	if (at == NULL) {
		out->host = to_ascii(r, typed, out);
		return 0;
	}
	if (r->discovery == NULL && (r->discovery = calloc(1, sizeof *r->discovery)) == NULL)
		return sf_error_set(err, SF_E_NOMEM, "out of memory");
	if (sf_discover(typed, dns, r->discovery, err) < 0)
		return -1;
	if (r->discovery->domain_typed[0] != '\0') {
		snprintf(out->idn_typed, sizeof out->idn_typed, "%s", r->discovery->domain_typed);
		snprintf(out->idn_ascii, sizeof out->idn_ascii, "%s", r->discovery->domain);
	}
	for (i = 0; i < r->discovery->ncandidates; i++) {
		const struct sf_candidate *c = &r->discovery->candidates[i];

		if (c->addrs.count == 0)
			continue;
		out->host = c->host;
		out->addrs = &c->addrs;
		out->source = c->source;
		out->from_discovery = true;
		return 0;
	}
	/* No candidate with an address: the domain itself. */
	out->discovery_failed = true;
	out->host =
		r->discovery->domain[0] != '\0' ? r->discovery->domain : to_ascii(r, at + 1, out);
	return 0;
}

const char *
sf_run_mapped_server(const char *typed, const struct sf_host_map *maps, size_t nmaps)
{
	const char *at = strchr(typed, '@'), *domain;
	size_t i, pass;

	if (at == NULL || at[1] == '\0')
		return NULL;
	domain = at + 1;
	/* mail.DOMAIN first: the name a set-up tries before the bare domain. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < nmaps; i++) {
			const char *name = maps[i].name;

			if (pass == 0 && strncasecmp(name, "mail.", 5) == 0 &&
				strcasecmp(name + 5, domain) == 0)
				return name;
			if (pass == 1 && strcasecmp(name, domain) == 0)
				return name;
		}
	return NULL;
}

int
sf_run_probe(struct sf_run *r, const struct sf_probe_options *o, struct sf_error *err)
{
	if (r->have_res)
		sf_probe_result_free(&r->res);
	r->have_res = true;
	if (sf_probe_run(o, &r->res, err) == 0)
		return 0;
	memset(&r->res, 0, sizeof r->res);
	r->res.login_index = -1;
	sf_error_set(&r->res.resolve_err, err->code, "%s", err->message);
	return -1;
}

/* The mail log of the last week, read afresh: the attempts made since
 * the last reading count too. */
static void
scan_logs(struct sf_run *r, const char *root)
{
	static char paths[SF_LOG_MAX_FILES][SF_MTA_PATH_MAX];
	time_t now = time(NULL), since = now - 7 * 86400;
	size_t n, i;

	sf_log_scan_init(r->log, since, now);
	n = sf_policy_log_paths(r->policy, root, since, paths, SF_LOG_MAX_FILES);
	for (i = 0; i < n; i++)
		sf_policy_scan_log(r->policy, r->log, paths[i]);
}

int
sf_run_read_server(struct sf_run *r, const char *root, struct sf_error *err)
{
	struct sf_policy_options po = { root, root == NULL, NULL, NULL };

	if (r->policy != NULL)
		return 0; /* read once a run */
	r->policy = calloc(1, sizeof *r->policy);
	r->log = calloc(1, sizeof *r->log);
	if (r->policy == NULL || r->log == NULL || sf_policy_read(&po, r->policy, err) < 0) {
		if (r->policy == NULL || r->log == NULL)
			sf_error_set(err, SF_E_NOMEM, "out of memory");
		free(r->policy);
		free(r->log);
		r->policy = NULL;
		r->log = NULL;
		return -1;
	}
	scan_logs(r, root);
	return 0;
}

void
sf_run_rescan_log(struct sf_run *r, const char *root)
{
	if (r->policy == NULL || r->log == NULL)
		return;
	sf_log_scan_free(r->log);
	scan_logs(r, root);
}

void
sf_run_diagnose(struct sf_run *r, const struct sf_explain_result *text,
	const struct sf_run_now *now, bool root_given)
{
	struct sf_diag_input in;

	memset(&in, 0, sizeof in);
	in.probe = r->have_res ? &r->res : NULL;
	/* This machine's settings join the diagnosis only when they are the
	 * probed server's; otherwise they are shown apart, labelled. */
	r->policy_applies = sf_diag_policy_applies(r->policy, in.probe, root_given);
	in.policy = r->policy_applies ? r->policy : NULL;
	in.log = r->policy_applies ? r->log : NULL;
	in.text = text;
	in.attempt = r->attempt;
	in.published = r->published;
	in.published_probes = (const struct sf_probe_result *const *)r->pub_probes;
	in.npublished_probes = r->npub_probes;
	if (now != NULL && now->known) {
		in.now_known = true;
		in.now_port = now->port;
		in.now_security = now->security;
	}
	sf_diagnose(&in, &r->diag);
}

/* Text for a step: a character that is a control or hides text, or a
 * byte that is not UTF-8, becomes '?' (plain text, whether or not the
 * renderer escapes values too), cut at a whole character when it does
 * not fit. */
static void
step_value(const char *text, char *out, size_t outsz)
{
	const unsigned char *u = (const unsigned char *)text;
	size_t len = strlen(text), i = 0, o = 0, n;
	unsigned cp;

	while (i < len) {
		n = sf_utf8_decode(u + i, len - i, &cp);
		if (n == 0 || sf_unicode_unsafe(cp)) {
			if (o + 2 > outsz)
				break;
			out[o++] = '?';
			i += n > 0 ? n : 1;
			continue;
		}
		if (o + n + 1 > outsz)
			break;
		memcpy(out + o, u + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
}

void
sf_run_guide_values(const struct sf_run *r, const char *typed_host, const char *typed_user,
	struct sf_run_guide_values *out)
{
	const struct sf_recommendation *rec =
		r->have_res ? sf_diag_settings(&r->diag, &r->res) : NULL;
	bool found = rec != NULL && rec->found;

	step_value(found ? rec->host : (typed_host ? typed_host : ""), out->host, sizeof out->host);
	step_value(typed_user != NULL && typed_user[0] != '\0' ? typed_user
		   : found && rec->username[0] != '\0'         ? rec->username
							       : "your full email address",
		out->user, sizeof out->user);
	out->v.host = out->host;
	out->v.user = out->user;
	out->v.port = found ? rec->port : 587;
	out->v.security = !found || rec->security == SF_SEC_STARTTLS ? SF_GUIDE_STARTTLS
			  : rec->security == SF_SEC_TLS              ? SF_GUIDE_TLS
								     : SF_GUIDE_NONE;
	out->v.auth = found ? rec->auth : true;
	out->v.security_warning = NULL; /* the one in help/guide/warnings.txt */
	/* A certificate the program will question: the guide's trust step. */
	out->v.private_ca = found && rec->cert_decision;
	out->v.ca_file = NULL;
}

int
sf_run_guide(struct sf_run *r, const char *client, const char *typed_host, const char *typed_user,
	struct sf_error *err)
{
	struct sf_run_guide_values gv;
	char path[128];
	const char *text;
	size_t len;

	if (!sf_client_find(client, NULL))
		return sf_error_set(err, SF_E_USAGE, "unknown mail program %.60s", client);
	snprintf(path, sizeof path, "clients/%s.txt", client);
	text = sf_help_get(path, &len);
	if (text == NULL)
		return sf_error_set(err, SF_E_IO, "no guide for %s", client);
	sf_run_guide_values(r, typed_host, typed_user, &gv);
	return sf_guide_build(text, len, &gv.v, &r->guide, err);
}
