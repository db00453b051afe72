/* The diagnosis rules, as a table. Each looks at the facts and, when its
 * cause applies, fills one finding with the evidence it rests on. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "smtpfix/diagnose.h"

typedef bool (*rule_fn)(const struct sf_diag_input *in, struct sf_diag_finding *f);

static void
say(struct sf_diag_finding *f, const char *cause, const char *severity, double confidence,
	const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
say(struct sf_diag_finding *f, const char *cause, const char *severity, double confidence,
	const char *fmt, ...)
{
	va_list ap;

	snprintf(f->cause, sizeof f->cause, "%s", cause);
	snprintf(f->severity, sizeof f->severity, "%s", severity);
	f->confidence = confidence;
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof f->text, fmt, ap);
	va_end(ap);
}

static void
evidence(struct sf_diag_finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
evidence(struct sf_diag_finding *f, const char *fmt, ...)
{
	va_list ap;

	if (f->nevidence >= SF_DIAG_MAX_EVIDENCE)
		return;
	va_start(ap, fmt);
	vsnprintf(f->evidence[f->nevidence++], SF_DIAG_TEXT_MAX, fmt, ap);
	va_end(ap);
}

/* The transcript line of a target that starts with `prefix`, as evidence. */
static void
transcript_evidence(struct sf_diag_finding *f, const struct sf_target_result *t, enum sf_dir dir,
	const char *prefix, const char *label)
{
	size_t i;

	for (i = 0; i < t->transcript.count; i++) {
		const struct sf_transcript_entry *e = &t->transcript.entries[i];

		if (e->dir == dir && strncmp(e->text, prefix, strlen(prefix)) == 0) {
			evidence(f, "%s (port %d): %s: %.300s", label, t->port, sf_dir_tag(dir), e->text);
			return;
		}
	}
}

static void
reply_line(const struct sf_reply *r, char *out, size_t outsz)
{
	const char *t = r->text ? r->text : "";
	size_t i, n = (size_t)snprintf(out, outsz, "%d ", r->code);

	for (i = 0; t[i] != '\0' && n + 1 < outsz; i++)
		out[n++] = t[i] == '\n' ? ' ' : t[i];
	out[n < outsz ? n : outsz - 1] = '\0';
}

/* Where a submission problem is best shown: the submission port mail
 * programs use first (587, the founding case's), then the others. */
static int
port_rank(int port)
{
	static const int order[] = { 587, 2525, 26, 25 };
	size_t i;

	for (i = 0; i < sizeof order / sizeof order[0]; i++)
		if (order[i] == port)
			return (int)i;
	return (int)(sizeof order / sizeof order[0]);
}

/* A target that shows login offered only after TLS: plain EHLO without
 * AUTH and EHLO under TLS with it; on the best-ranked port. */
static const struct sf_target_result *
auth_after_tls_target(const struct sf_probe_result *p)
{
	const struct sf_target_result *best = NULL;
	size_t i;

	for (i = 0; p != NULL && i < p->ntargets; i++) {
		const struct sf_session_result *s = &p->targets[i].smtp;

		if (s->caps_valid && s->caps_tls_valid && s->caps.nauth == 0 && s->caps_tls.nauth > 0 &&
			(best == NULL || port_rank(p->targets[i].port) < port_rank(best->port)))
			best = &p->targets[i];
	}
	return best;
}

/* The plain-text refusal of mail without login on the same port. */
static const struct sf_target_result *
plain_refusal(const struct sf_probe_result *p, int port)
{
	size_t i;

	for (i = 0; p != NULL && i < p->ntargets; i++) {
		const struct sf_target_result *t = &p->targets[i];

		if (t->port == port && !t->smtp.tls_active && t->smtp.rcpt.replied &&
			t->smtp.rcpt.reply.code / 100 == 5)
			return t;
	}
	return NULL;
}

static bool
rule_auth_requires_tls(const struct sf_diag_input *in, struct sf_diag_finding *f)
{
	const struct sf_target_result *t = auth_after_tls_target(in->probe), *r;
	bool policy = in->policy != NULL && in->policy->auth_requires_tls.value == SF_TRI_YES;

	if (t == NULL && !policy)
		return false;
	r = t != NULL ? plain_refusal(in->probe, t->port) : NULL;
	say(f, "auth-requires-tls", r != NULL ? "problem" : "info", t != NULL ? 0.95 : 0.8,
		"The server offers login only after encryption starts. A mail program set to no "
		"encryption therefore never logs in, and the server refuses its mail%s. The fix: "
		"STARTTLS on port 587 (or SSL/TLS on 465) with authentication on, and the full email "
		"address as the user name.", r != NULL ? " when it names the recipient (RCPT)" : "");
	if (t != NULL) {
		evidence(f, "before TLS (port %d), EHLO lists no AUTH", t->port);
		transcript_evidence(f, t, SF_DIR_SERVER, "250-AUTH", "after STARTTLS");
		if (f->nevidence < 2)
			transcript_evidence(f, t, SF_DIR_SERVER, "250 AUTH", "after STARTTLS");
	}
	if (r != NULL) {
		char line[SF_DIAG_TEXT_MAX];

		reply_line(&r->smtp.rcpt.reply, line, sizeof line);
		evidence(f, "without encryption and login (port %d), RCPT TO was refused: %.300s%s", r->port,
			line, r->smtp.rcpt.disconnected ? " (and the server hung up)" : "");
	}
	if (policy)
		evidence(f, "server setting: %.300s (%s)", in->policy->auth_requires_tls.evidence,
			in->policy->auth_requires_tls.source);
	return true;
}

static bool
rule_wrong_credentials(const struct sf_diag_input *in, struct sf_diag_finding *f)
{
	const struct sf_target_result *l;
	char line[SF_DIAG_TEXT_MAX];

	if (in->probe == NULL || in->probe->login_index < 0)
		return false;
	l = &in->probe->targets[in->probe->login_index];
	if (l->smtp.auth_outcome != SF_AUTH_REFUSED)
		return false;
	reply_line(&l->smtp.auth.reply, line, sizeof line);
	say(f, "wrong-credentials", "problem", 0.9,
		"The server refused the user name or password (the connection and encryption are fine). "
		"Use the full email address as the user name and re-type the password; after several "
		"failures the server may block your address for a while.");
	evidence(f, "login test on port %d with %s: %.300s", l->port, l->smtp.auth_mechanism, line);
	return true;
}

static bool
rule_certificate(const struct sf_diag_input *in, struct sf_diag_finding *f)
{
	static const struct {
		enum sf_cert_verdict v;
		const char *cause;
	} map[] = {
		{ SF_CERT_EXPIRED, "tls-cert-expired" },
		{ SF_CERT_NOT_YET_VALID, "tls-cert-expired" },
		{ SF_CERT_SELF_SIGNED, "tls-cert-untrusted" },
		{ SF_CERT_UNTRUSTED, "tls-cert-untrusted" },
		{ SF_CERT_NAME_MISMATCH, "tls-cert-name-mismatch" },
	};
	size_t i, k;

	for (i = 0; in->probe != NULL && i < in->probe->ntargets; i++) {
		const struct sf_target_result *t = &in->probe->targets[i];

		if (t->purpose != SF_PURPOSE_MAIN || !t->tls.handshake_ok)
			continue;
		for (k = 0; k < sizeof map / sizeof map[0]; k++) {
			if (t->tls.verdict != map[k].v)
				continue;
			say(f, map[k].cause, "problem", 0.9,
				"Mail programs will warn about or refuse the server's certificate: %.300s.",
				t->tls.verify_detail);
			evidence(f, "certificate on port %d: subject %.200s, issuer %.200s, valid until %s",
				t->port, t->tls.subject, t->tls.issuer, t->tls.not_after);
			return true;
		}
	}
	return false;
}

static bool
rule_unreachable(const struct sf_diag_input *in, struct sf_diag_finding *f)
{
	const struct sf_probe_result *p = in->probe;
	size_t i, refused = 0, timeouts = 0, mains = 0;

	if (p == NULL || !p->resolved || sf_probe_reached(p))
		return false;
	for (i = 0; i < p->ntargets; i++) {
		if (p->targets[i].purpose != SF_PURPOSE_MAIN)
			continue;
		mains++;
		refused += p->targets[i].connect_err.code == SF_E_REFUSED;
		timeouts += p->targets[i].connect_err.code == SF_E_TIMEOUT;
		if (f->nevidence < SF_DIAG_MAX_EVIDENCE)
			evidence(f, "%s port %d: %s", p->targets[i].address, p->targets[i].port,
				p->targets[i].connect_err.message);
	}
	if (mains == 0)
		return false;
	if (timeouts > 0)
		say(f, "port-blocked", "problem", 0.8,
			"No mail port of the server answers: a firewall (yours, your network's or the "
			"server's) drops the traffic. Try from another network, or ask whether the ports are "
			"blocked.");
	else
		say(f, "server-unreachable", "problem", 0.8,
			"Every mail port of the server refuses connections: no mail server listens at that "
			"address. Check the server name.");
	(void)refused;
	return true;
}

static bool
rule_dns(const struct sf_diag_input *in, struct sf_diag_finding *f)
{
	if (in->probe == NULL || in->probe->resolved)
		return false;
	say(f, "dns-failure", "problem", 0.9, "The server name cannot be found: %.300s",
		in->probe->resolve_err.message);
	return true;
}

static bool
rule_no_starttls(const struct sf_diag_input *in, struct sf_diag_finding *f)
{
	const struct sf_probe_result *p = in->probe;
	size_t i;
	bool any_tls = false, open_plain = false;
	int port = 0;

	if (p == NULL || !p->analysed)
		return false;
	for (i = 0; i < p->npolicies; i++) {
		if (strcmp(p->policies[i].status, "open") != 0)
			continue;
		if (p->policies[i].starttls || p->policies[i].implicit_tls)
			any_tls = true;
		else if (port == 0) {
			open_plain = true;
			port = p->policies[i].port;
		}
	}
	if (any_tls || !open_plain)
		return false;
	say(f, "starttls-not-offered", "problem", 0.85,
		"The server offers no encryption on any port probed, so the password and the mail cross "
		"the network readable. Ask the provider to enable TLS.");
	evidence(f, "port %d: EHLO lists no STARTTLS, and SSL/TLS from the start fails", port);
	return true;
}

static bool
rule_relay_without_login(const struct sf_diag_input *in, struct sf_diag_finding *f)
{
	const struct sf_probe_result *p = in->probe;
	size_t i;

	/* AUTH offered in plain text, yet mail without login refused: the
	 * program simply has to log in (no encryption issue). */
	for (i = 0; p != NULL && i < p->ntargets; i++) {
		const struct sf_target_result *t = &p->targets[i];
		char line[SF_DIAG_TEXT_MAX];

		if (t->smtp.tls_active || !t->smtp.caps_valid || t->smtp.caps.nauth == 0 ||
			!t->smtp.rcpt.replied || t->smtp.rcpt.reply.code / 100 != 5)
			continue;
		reply_line(&t->smtp.rcpt.reply, line, sizeof line);
		say(f, "client-not-authenticating", "info", 0.7,
			"The server refuses mail from programs that do not log in. If your program sends "
			"without logging in, turn on \"requires authentication\" for the outgoing server.");
		evidence(f, "without login (port %d), RCPT TO was refused: %.300s", t->port, line);
		return true;
	}
	return false;
}

static bool
rule_policy_not_rebuilt(const struct sf_diag_input *in, struct sf_diag_finding *f)
{
	const struct sf_policy *pol = in->policy;

	if (pol == NULL || pol->intent.value == SF_TRI_UNKNOWN ||
		pol->auth_requires_tls.value == SF_TRI_UNKNOWN || pol->intent.value == pol->auth_requires_tls.value)
		return false;
	say(f, "server-config-not-applied", "warning", 0.9,
		"WHM's Exim setting and what Exim really runs disagree: the configuration was not "
		"rebuilt after the setting changed.");
	evidence(f, "%s: %s", pol->intent.source, pol->intent.evidence);
	evidence(f, "%s: %s", pol->auth_requires_tls.source, pol->auth_requires_tls.evidence);
	return true;
}

static bool
rule_log_plaintext(const struct sf_diag_input *in, struct sf_diag_finding *f)
{
	size_t i;
	unsigned long n = 0;

	for (i = 0; in->log != NULL && i < in->log->ngroups; i++)
		if (in->log->groups[i].kind == SF_LOG_PLAINTEXT_AUTH_ACCEPTED) {
			n += in->log->groups[i].count;
			evidence(f, "log: %.300s", in->log->groups[i].sample);
		}
	if (n == 0)
		return false;
	say(f, "auth-without-tls-accepted", "warning", 0.85,
		"The mail log shows %lu message%s accepted with a password sent without encryption from "
		"other computers: the server still accepts logins without TLS.", n, n == 1 ? "" : "s");
	return true;
}

/* What the person pasted, recognized: each cause as a finding. */
static bool
rule_pasted_text(const struct sf_diag_input *in, struct sf_diag_finding *f)
{
	const struct sf_explain_cause *c;

	if (in->text == NULL || in->text->ncauses == 0)
		return false;
	c = &in->text->causes[0];
	say(f, c->cause, "problem", c->score, "%s", c->means);
	evidence(f, "the pasted message: \"%.300s\"", c->matched);
	return true;
}

static const struct {
	const char *name;
	rule_fn fn;
} rules[] = {
	{ "dns", rule_dns },
	{ "unreachable", rule_unreachable },
	{ "pasted-text", rule_pasted_text },
	{ "wrong-credentials", rule_wrong_credentials },
	{ "auth-requires-tls", rule_auth_requires_tls },
	{ "certificate", rule_certificate },
	{ "no-starttls", rule_no_starttls },
	{ "relay-without-login", rule_relay_without_login },
	{ "policy-not-rebuilt", rule_policy_not_rebuilt },
	{ "log-plaintext", rule_log_plaintext },
};

static bool
have_cause(const struct sf_diagnosis *d, const char *cause)
{
	size_t i;

	for (i = 0; i < d->nfindings; i++)
		if (strcmp(d->findings[i].cause, cause) == 0)
			return true;
	return false;
}

static void
server_option(struct sf_diagnosis *d, bool weakens, const char *text)
{
	if (d->nserver >= SF_DIAG_MAX_SERVER)
		return;
	d->server[d->nserver].weakens = weakens;
	snprintf(d->server[d->nserver++].text, SF_DIAG_TEXT_MAX, "%s", text);
}

void
sf_diagnose(const struct sf_diag_input *in, struct sf_diagnosis *d)
{
	size_t i;

	memset(d, 0, sizeof *d);
	for (i = 0; i < sizeof rules / sizeof rules[0] && d->nfindings < SF_DIAG_MAX_FINDINGS; i++) {
		struct sf_diag_finding f;

		memset(&f, 0, sizeof f);
		if (!rules[i].fn(in, &f))
			continue;
		if (have_cause(d, f.cause)) {
			/* The same cause from another angle: keep its evidence. */
			size_t k, e;

			for (k = 0; k < d->nfindings; k++)
				if (strcmp(d->findings[k].cause, f.cause) == 0)
					for (e = 0; e < f.nevidence && d->findings[k].nevidence < SF_DIAG_MAX_EVIDENCE; e++)
						snprintf(d->findings[k].evidence[d->findings[k].nevidence++],
							SF_DIAG_TEXT_MAX, "%s", f.evidence[e]);
			continue;
		}
		d->findings[d->nfindings++] = f;
	}
	if (in->probe != NULL)
		d->settings = in->probe->recommended;
	/* Server-side advice: the safe options first; those that weaken
	 * security last, each saying what it exposes. */
	if (have_cause(d, "auth-requires-tls")) {
		server_option(d, false,
			"Nothing needs to change on the server: the fix is the mail program's security "
			"setting. Tell users: STARTTLS on 587 or SSL/TLS on 465, authentication on.");
		server_option(d, true,
			"WHM > Exim Configuration Manager > Security: turning off \"Require clients to connect "
			"with SSL or issue the STARTTLS command before they are allowed to authenticate\" makes "
			"the old setting work, but every password then crosses the network readable.");
		server_option(d, true,
			"WHM > Tweak Settings > POP-before-SMTP: lets a computer send without logging in for an "
			"hour after it checked mail, so anyone sharing its address can send as your server.");
	}
	if (have_cause(d, "server-config-not-applied"))
		server_option(d, false,
			"Rebuild and restart Exim: /usr/local/cpanel/scripts/buildeximconf, then "
			"/usr/local/cpanel/scripts/restartsrv_exim.");
	if (have_cause(d, "tls-cert-name-mismatch") || have_cause(d, "tls-cert-untrusted") ||
		have_cause(d, "tls-cert-expired"))
		server_option(d, false,
			"Install a certificate from a trusted authority that names the mail host (on cPanel, "
			"run AutoSSL for the domain; mail.DOMAIN is covered).");
}
