/* What the domain publishes to mail programs, held against what works:
 * each published outgoing server against the settings matrix of its
 * host's probe, and the places it is published at against what the
 * programs need of them (a certificate for the name, a readable file,
 * the same provider as the domain's mail). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "rules_internal.h"
#include "smtpfix/diagnose.h"

const char *
sf_pub_verdict_id(enum sf_pub_verdict v)
{
	switch (v) {
	case SF_PUBV_WORKS: return "works";
	case SF_PUBV_FAILS: return "fails";
	case SF_PUBV_UNCHECKED: break;
	}
	return "unchecked";
}

/* The probe that speaks for host: the main one when it is that host,
 * else one of the published hosts' own. */
static const struct sf_probe_result *
probe_of(const struct sf_diag_input *in, const char *host, int port)
{
	size_t i, k;

	for (i = 0; i < in->npublished_probes; i++) {
		const struct sf_probe_result *p = in->published_probes[i];

		if (p == NULL || strcasecmp(p->host, host) != 0)
			continue;
		for (k = 0; k < p->ncells; k++)
			if (p->cells[k].port == port)
				return p;
	}
	if (in->probe != NULL && strcasecmp(in->probe->host, host) == 0)
		return in->probe;
	for (i = 0; i < in->npublished_probes; i++)
		if (in->published_probes[i] != NULL &&
			strcasecmp(in->published_probes[i]->host, host) == 0)
			return in->published_probes[i];
	return NULL;
}

static const char *
security_words(int sec)
{
	switch (sec) {
	case SF_AC_SEC_TLS: return "SSL/TLS";
	case SF_AC_SEC_STARTTLS: return "STARTTLS";
	default: return "no encryption";
	}
}

/* "port 587 and no encryption", as a person reads the setting. */
static void
setting_words(const struct sf_ac_server *s, char *out, size_t outsz)
{
	snprintf(out, outsz, "%.253s port %d and %s%s", s->host, s->port,
		s->security_known ? security_words(s->security)
				  : "the encryption left to the program",
		s->auth == SF_ACA_NONE ? ", without login" : "");
}

/* Servers that want the whole address as the login name; a published
 * "part before @" fails there even with the right password. */
static bool
wants_whole_address(enum sf_server_kind k)
{
	return k == SF_SERVER_CPANEL || k == SF_SERVER_MICROSOFT365 || k == SF_SERVER_GOOGLE;
}

/* Did the run's own probe log in (as the address, with the password the
 * person gave)? Only then does a refused published user name mean the
 * name is wrong, not the password. */
static bool
main_login_ok(const struct sf_diag_input *in)
{
	const struct sf_probe_result *p = in->probe;

	return p != NULL && p->login_index >= 0 && (size_t)p->login_index < p->ntargets &&
	       p->targets[p->login_index].smtp.auth_outcome == SF_AUTH_OK;
}

static void
verdict(const struct sf_diag_input *in, enum sf_server_kind kind, const struct sf_ac_server *s,
	struct sf_pub_check *c)
{
	const struct sf_probe_result *p;
	const struct sf_matrix_cell *best = NULL;
	bool auth = s->auth != SF_ACA_NONE;
	size_t i;

	memset(c, 0, sizeof *c);
	c->outcome = SF_OUT_NOT_PROBED;
	if (!s->host_valid) {
		c->verdict = SF_PUBV_FAILS;
		snprintf(c->why, sizeof c->why, "the published server is not a host name");
		return;
	}
	if (s->port == 0) {
		c->verdict = SF_PUBV_FAILS;
		snprintf(c->why, sizeof c->why, "no port is published");
		return;
	}
	if (s->auth == SF_ACA_OAUTH2 || s->auth == SF_ACA_OTHER) {
		snprintf(c->why, sizeof c->why, "a login smtpfix cannot try (%s)",
			sf_ac_auth_id(s->auth));
		return;
	}
	p = probe_of(in, s->host, s->port);
	if (p == NULL) {
		snprintf(c->why, sizeof c->why, "its server was not probed");
		return;
	}
	if (!p->resolved) {
		c->verdict = SF_PUBV_FAILS;
		c->outcome = SF_OUT_UNREACHABLE;
		snprintf(c->why, sizeof c->why, "%.253s does not resolve", s->host);
		return;
	}
	for (i = 0; i < p->ncells; i++) {
		const struct sf_matrix_cell *m = &p->cells[i];

		if (m->port != s->port || m->auth != auth)
			continue;
		if (s->security_known && (int)m->security != s->security)
			continue;
		/* Encryption left to the program: it takes what works. */
		if (best == NULL || m->outcome == SF_OUT_WORKS ||
			m->outcome == SF_OUT_LOGIN_OFFERED)
			best = m;
	}
	if (best == NULL || best->outcome == SF_OUT_NOT_PROBED) {
		snprintf(c->why, sizeof c->why, "port %d was not probed", s->port);
		return;
	}
	c->outcome = best->outcome;
	if (best->outcome == SF_OUT_WORKS || best->outcome == SF_OUT_LOGIN_OFFERED) {
		if (auth && s->user_form == SF_ACU_LOCAL && wants_whole_address(kind)) {
			c->verdict = SF_PUBV_FAILS;
			c->outcome = SF_OUT_WRONG_CREDENTIALS;
			snprintf(c->why, sizeof c->why,
				"the login name is only the part before @, and %s wants the whole "
				"address",
				sf_server_kind_words(kind));
			return;
		}
		c->verdict = SF_PUBV_WORKS;
		snprintf(c->why, sizeof c->why, "%s", sf_outcome_words(best->outcome));
		return;
	}
	if (best->outcome == SF_OUT_WRONG_CREDENTIALS && p != in->probe && !main_login_ok(in)) {
		snprintf(c->why, sizeof c->why,
			"the login was refused, but so was the password as the whole address: "
			"the password given may be wrong");
		return;
	}
	c->verdict = SF_PUBV_FAILS;
	/* What the person will see says more than the outcome's name. */
	snprintf(c->why, sizeof c->why, "%.400s",
		best->message[0] != '\0' ? best->message : sf_outcome_words(best->outcome));
}

/* The source a program uses: the first with an answer, in its order. */
static long
used_source(const struct sf_published *pub, enum sf_ac_kind a, enum sf_ac_kind b)
{
	for (size_t i = 0; i < pub->nsources; i++)
		if ((pub->sources[i].kind == a || pub->sources[i].kind == b) &&
			pub->sources[i].status == SF_ACS_FOUND)
			return (long)i;
	return -1;
}

static struct sf_diag_finding *
new_finding(struct sf_diagnosis *d)
{
	struct sf_diag_finding *f;

	if (d->nfindings >= SF_DIAG_MAX_FINDINGS)
		return NULL;
	f = &d->findings[d->nfindings++];
	memset(f, 0, sizeof *f);
	f->rule = "published";
	return f;
}

static void
wrong_for(const struct sf_diag_input *in, struct sf_diagnosis *d, long src)
{
	const struct sf_published *pub = in->published;
	const struct sf_recommendation *r = in->probe != NULL ? &in->probe->recommended : NULL;
	char setting[SF_DIAG_TEXT_MAX], fix[SF_DIAG_TEXT_MAX];
	struct sf_diag_finding *f;
	size_t i;

	for (i = 0; i < pub->nservers; i++) {
		const struct sf_ac_server *s = &pub->servers[i];
		const struct sf_pub_check *c = &d->published[i];
		const char *facts[] = { "program", sf_ac_kind_program(pub->sources[src].kind),
			"setting", setting, "why", c->why, "fix", fix, NULL };

		if ((long)s->source != src || s->rank != 0 || c->verdict != SF_PUBV_FAILS)
			continue;
		setting_words(s, setting, sizeof setting);
		if (r != NULL && r->found)
			snprintf(fix, sizeof fix, "%.253s port %d with %s%s", r->host, r->port,
				r->security == SF_SEC_TLS        ? "SSL/TLS"
				: r->security == SF_SEC_STARTTLS ? "STARTTLS"
								 : "no encryption",
				r->auth ? ", login with the whole email address" : "");
		else
			snprintf(fix, sizeof fix, "a setting that works (none was found)");
		f = new_finding(d);
		if (f == NULL)
			return;
		sf_diag_say_key(f, SF_CAUSE_AUTOCONFIG_WRONG, SF_SEV_PROBLEM, 0.9,
			"autoconfig-wrong", facts);
		sf_diag_evidence(f, "%.200s publishes %.253s",
			sf_ac_kind_id(pub->sources[src].kind), setting);
		sf_diag_evidence(f, "from %.300s", pub->sources[src].final_url);
		sf_diag_evidence(f, "the probe: %.300s", c->why);
	}
}

/* The registrable part of a host name, roughly: the last two labels, or
 * three under a two-letter country code with a short second level
 * (example.co.uk). */
static const char *
base_domain(const char *host)
{
	const char *p = host + strlen(host), *dots[3] = { NULL, NULL, NULL };
	int n = 0;

	while (p > host && n < 3) {
		p--;
		if (*p == '.')
			dots[n++] = p;
	}
	if (n < 1)
		return host;
	if (n >= 2 && strlen(dots[0] + 1) == 2 && dots[0] - dots[1] - 1 <= 3)
		return n >= 3 ? dots[2] + 1 : host;
	return n >= 2 ? dots[1] + 1 : host;
}

/* Services that only pass Outlook on to the account's own server (cPanel's
 * DNS template points _autodiscover._tcp at its relay): never "another
 * provider" by themselves. */
static const char *const discovery_relays[] = { "cpanelemaildiscovery.cpanel.net" };

/* Providers whose mail, Autodiscover and submission live under more than
 * one name: the same provider is not "another provider". */
static const char *const provider_groups[][5] = {
	{ "outlook.com", "office365.com", "microsoft.com", "office.com", "hotmail.com" },
	{ "google.com", "gmail.com", "googlemail.com", NULL, NULL },
	{ "yahoo.com", "yahoodns.net", NULL, NULL, NULL },
	{ "zoho.com", "zoho.eu", "zohomail.com", NULL, NULL },
};

static int
provider_group(const char *base)
{
	for (size_t g = 0; g < sizeof provider_groups / sizeof provider_groups[0]; g++)
		for (size_t k = 0; k < 5 && provider_groups[g][k] != NULL; k++)
			if (strcasecmp(base, provider_groups[g][k]) == 0)
				return (int)g;
	return -1;
}

static bool
same_provider(const char *a, const char *b)
{
	const char *ba = base_domain(a), *bb = base_domain(b);
	int ga = provider_group(ba);

	return strcasecmp(ba, bb) == 0 || (ga >= 0 && ga == provider_group(bb));
}

static void
other_provider(const struct sf_diag_input *in, struct sf_diagnosis *d)
{
	const struct sf_published *pub = in->published;
	/* What an answer names decides; where the SRV record or a redirect
	 * leads counts when no answer came (Microsoft 365's needs a login). */
	const char *ad =
		pub->autodiscover_host[0] != '\0' ? pub->autodiscover_host : pub->autodiscover_via;
	struct sf_diag_finding *f;
	char mx[SF_DIAG_TEXT_MAX] = "";
	size_t i;

	if (ad[0] == '\0' || pub->nmx == 0 || same_provider(ad, pub->domain))
		return;
	for (i = 0; i < sizeof discovery_relays / sizeof discovery_relays[0]; i++)
		if (strcasecmp(ad, discovery_relays[i]) == 0)
			return;
	for (i = 0; i < pub->nmx; i++)
		if (same_provider(ad, pub->mx[i]))
			return;
	if (in->probe != NULL && in->probe->host[0] != '\0' && same_provider(ad, in->probe->host))
		return;
	snprintf(mx, sizeof mx, "%.253s", pub->mx[0]);
	{
		const char *facts[] = { "host", ad, "mx", mx, "domain", pub->domain, NULL };

		f = new_finding(d);
		if (f == NULL)
			return;
		sf_diag_say_key(f, SF_CAUSE_AUTODISCOVER_OTHER_PROVIDER, SF_SEV_PROBLEM, 0.8,
			"autodiscover-other-provider", facts);
	}
	sf_diag_evidence(f, "Autodiscover leads to %.253s", ad);
	for (i = 0; i < pub->nmx && i < 3; i++)
		sf_diag_evidence(f, "MX of %.253s: %.253s", pub->domain, pub->mx[i]);
}

static bool
addresses_overlap(const struct sf_probe_result *a, const struct sf_probe_result *b)
{
	for (size_t i = 0; i < a->ntargets; i++)
		for (size_t k = 0; k < b->ntargets; k++)
			if (strcmp(a->targets[i].address, b->targets[k].address) == 0)
				return true;
	return false;
}

/* A published host that is not the probed one: another server (the
 * old one, another provider's), or another name of the same server. */
static void
other_host(const struct sf_diag_input *in, struct sf_diagnosis *d)
{
	const struct sf_published *pub = in->published;
	struct sf_diag_finding *f = NULL;
	size_t i;

	if (in->probe == NULL || in->probe->host[0] == '\0')
		return;
	for (i = 0; i < pub->nservers; i++) {
		const struct sf_ac_server *s = &pub->servers[i];
		const struct sf_probe_result *p;
		bool same;

		bool told = false;

		if (s->rank != 0 || !s->host_valid || s->kind == SF_AC_SRV ||
			strcasecmp(s->host, in->probe->host) == 0)
			continue;
		/* The same host from another place of the same kind: said. */
		for (size_t k = 0; k < i && !told; k++)
			told = pub->servers[k].kind == s->kind && pub->servers[k].rank == 0 &&
			       strcasecmp(pub->servers[k].host, s->host) == 0;
		if (told)
			continue;
		p = probe_of(in, s->host, s->port);
		same = p != NULL && p->resolved && addresses_overlap(p, in->probe);
		if (f == NULL) {
			const char *facts[] = { "host", s->host, "probed", in->probe->host,
				"program", sf_ac_kind_program(s->kind), NULL };

			f = new_finding(d);
			if (f == NULL)
				return;
			sf_diag_say_key(f, SF_CAUSE_AUTOCONFIG_OTHER_HOST, SF_SEV_INFO, 0.7,
				same ? "autoconfig-other-name" : "autoconfig-other-host", facts);
		}
		sf_diag_evidence(f,
			"%.40s publishes %.253s; the server found for the domain is %.253s%s",
			sf_ac_kind_id(s->kind), s->host, in->probe->host,
			same ? " (the same address)" : "");
	}
}

/* Did the program that reads kind get its settings somewhere else? The
 * programs ask every place and take the first that answers, so a broken
 * place matters most when none does. Outlook also counts as served when
 * its redirect or SRV record led it elsewhere (Microsoft 365's
 * autodiscover.DOMAIN is another provider's server, whose certificate
 * names only its own; Outlook goes on by the redirect). */
static bool
served_elsewhere(const struct sf_published *pub, enum sf_ac_kind kind)
{
	bool outlook = kind == SF_AC_AUTODISCOVER;

	if (outlook && pub->autodiscover_via[0] != '\0')
		return true;
	for (size_t i = 0; i < pub->nsources; i++) {
		enum sf_ac_kind k = pub->sources[i].kind;

		if (pub->sources[i].status == SF_ACS_FOUND &&
			(outlook ? k == SF_AC_AUTODISCOVER
				 : k == SF_AC_MOZILLA || k == SF_AC_ISPDB))
			return true;
	}
	return false;
}

/* Places a program reads that answer wrongly: one finding for the
 * certificate names, one for everything else broken; a problem when the
 * program gets nothing elsewhere, else a warning. */
static void
broken_places(const struct sf_diag_input *in, struct sf_diagnosis *d)
{
	const struct sf_published *pub = in->published;
	struct sf_diag_finding *cert = NULL, *broken = NULL;
	size_t i;

	for (i = 0; i < pub->nsources; i++) {
		const struct sf_ac_source *s = &pub->sources[i];
		struct sf_diag_finding **fp;
		bool seen = false, matters;

		if (!sf_ac_status_broken(s->status))
			continue;
		/* An http place redirected to an https one that failed: that
		 * one failure, once. */
		for (size_t k = 0; k < i && !seen; k++)
			seen = pub->sources[k].status == s->status &&
			       strcmp(pub->sources[k].final_url, s->final_url) == 0;
		if (seen)
			continue;
		fp = s->status == SF_ACS_TLS_NAME ? &cert : &broken;
		if (*fp == NULL) {
			char host[SF_HOST_MAX + 1] = "";
			const char *p = strstr(s->final_url, "://");
			const char *facts[] = { "url", s->final_url, "host", host, "program",
				sf_ac_kind_program(s->kind), "status",
				sf_ac_status_words(s->status), NULL };

			if (p != NULL)
				snprintf(host, sizeof host, "%.*s", (int)strcspn(p + 3, ":/?#"),
					p + 3);
			*fp = new_finding(d);
			if (*fp == NULL)
				return;
			if (fp == &cert)
				sf_diag_say_key(*fp, SF_CAUSE_AUTOCONFIG_CERT_NAME, SF_SEV_WARNING,
					0.9, "autoconfig-cert-name", facts);
			else
				sf_diag_say_key(*fp, SF_CAUSE_AUTOCONFIG_BROKEN, SF_SEV_WARNING,
					0.8, "autoconfig-broken", facts);
		}
		matters = !served_elsewhere(pub, s->kind);
		if (matters)
			(*fp)->severity = SF_SEV_PROBLEM;
		if (s->detail[0] != '\0')
			sf_diag_evidence(*fp, "%.300s: %.60s (%.200s)", s->final_url,
				sf_ac_status_words(s->status), s->detail);
		else
			sf_diag_evidence(
				*fp, "%.300s: %.60s", s->final_url, sf_ac_status_words(s->status));
	}
}

void
sf_diag_published(const struct sf_diag_input *in, struct sf_diagnosis *d)
{
	const struct sf_published *pub = in->published;
	long src;
	size_t i;

	if (pub == NULL)
		return;
	d->published_from = pub;
	d->npublished = pub->nservers;
	for (i = 0; i < pub->nservers; i++)
		verdict(in, d->kind, &pub->servers[i], &d->published[i]);
	/* Each program reads one place: the first that answers. */
	src = used_source(pub, SF_AC_MOZILLA, SF_AC_ISPDB);
	if (src >= 0)
		wrong_for(in, d, src);
	src = used_source(pub, SF_AC_AUTODISCOVER, SF_AC_AUTODISCOVER);
	if (src >= 0)
		wrong_for(in, d, src);
	for (i = 0; i < pub->nsources; i++)
		if (pub->sources[i].kind == SF_AC_SRV && pub->sources[i].status == SF_ACS_FOUND)
			wrong_for(in, d, (long)i);
	broken_places(in, d);
	other_provider(in, d);
	other_host(in, d);
}
