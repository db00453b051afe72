/* The diagnosis rules, as a table. Each looks at the facts and, when its
 * cause applies, fills one finding with the evidence it rests on. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpfix/diagnose.h"
#include "smtpfix/help.h"
#include "rules_internal.h"

typedef bool (*rule_fn)(const struct sf_diag_input *in, struct sf_diag_finding *f);

static void say(struct sf_diag_finding *f, enum sf_cause cause, enum sf_severity severity,
	double confidence, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
say(struct sf_diag_finding *f, enum sf_cause cause, enum sf_severity severity, double confidence,
	const char *fmt, ...)
{
	va_list ap;

	f->cause = cause;
	f->severity = severity;
	f->confidence = confidence;
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof f->text, fmt, ap);
	va_end(ap);
}

/* Every sentence a finding can carry, by key (help/diagnosis/findings.txt). */
const char *const sf_diag_text_keys[] = { "auth-requires-tls", "auth-requires-tls-rcpt",
	"wrong-credentials", "login-refused-other", "refused-after-login", "greeting-refused",
	"never-greets", "no-login-anywhere", "login-refused-when-started", "starttls-stripped",
	"server-tls-broken", "drops-after-tls", "starttls-refused", "open-relay", "certificate",
	"unreachable-filtered", "unreachable-refused", "dns-failure", "no-starttls",
	"relay-without-login", "policy-not-rebuilt", "log-plaintext", "tls-mode-implicit",
	"tls-mode-starttls", "no-words", "attempt-no-tls-no-login", "attempt-no-login",
	"attempt-login-refused", "attempt-login-refused-other", "attempt-login-before-tls",
	"attempt-login-not-offered", "attempt-tls-on-plain-port", "attempt-plain-on-tls-port",
	"attempt-tls-failed", "attempt-refused-after-login", "attempt-gave-up-without-tls",
	"autoconfig-wrong", "autoconfig-cert-name", "autoconfig-broken",
	"autodiscover-other-provider", "autoconfig-other-host", "autoconfig-other-name", NULL };

/* The facts a sentence may name. */
const char *const sf_diag_text_facts[] = { "port", "step", "reply", "means", "detail", "count",
	"messages", "refused", "security", "other", "reason", "program", "setting", "why", "fix",
	"host", "mx", "domain", "probed", "url", "status", NULL };

int
sf_diag_text(const char *key, const char *const *facts, char *out, size_t outsz)
{
	return sf_help_fill("diagnosis/findings.txt", key, facts, out, outsz);
}

/* A finding whose sentence comes from help/, filled with facts. */
static void
say_key(struct sf_diag_finding *f, enum sf_cause cause, enum sf_severity severity,
	double confidence, const char *key, const char *const *facts)
{
	f->cause = cause;
	f->severity = severity;
	f->confidence = confidence;
	sf_diag_text(key, facts, f->text, sizeof f->text);
}

void
sf_diag_say_key(struct sf_diag_finding *f, enum sf_cause cause, enum sf_severity severity,
	double confidence, const char *key, const char *const *facts)
{
	say_key(f, cause, severity, confidence, key, facts);
}

/* The server's own words stand in when the recognizer had none. */
static const char *
means_or_words(const char *means, char *buf, size_t bufsz)
{
	if (means[0] != '\0')
		return means;
	sf_diag_text("no-words", NULL, buf, bufsz);
	return buf;
}

void
sf_diag_evidence(struct sf_diag_finding *f, const char *fmt, ...)
{
	va_list ap;

	if (f->nevidence >= SF_DIAG_MAX_EVIDENCE)
		return;
	va_start(ap, fmt);
	vsnprintf(f->evidence[f->nevidence++], SF_DIAG_TEXT_MAX, fmt, ap);
	va_end(ap);
}

/* The AUTH line of the EHLO reply given under TLS, from the parsed
 * reply of that connection (never from searching the transcript, where
 * the plain-text EHLO of the same connection comes first). */
static void
auth_after_tls_evidence(struct sf_diag_finding *f, const struct sf_target_result *t)
{
	char mechs[SF_DIAG_TEXT_MAX];
	size_t i, n = 0;

	mechs[0] = '\0';
	for (i = 0; i < t->smtp.caps_tls.nauth && n + 1 < sizeof mechs; i++)
		n += (size_t)snprintf(mechs + n, sizeof mechs - n, " %s", t->smtp.caps_tls.auth[i]);
	sf_diag_evidence(f, "after STARTTLS (port %d), EHLO lists AUTH%s", t->port, mechs);
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

/* A live reply through the same recognizer as a pasted message, so the
 * same words give the same cause wherever they come from. The cause is
 * taken when it is one of `allowed` (nallowed of them); else `fallback`.
 * *means gets the recognizer's plain words, or "" when it had none. */
static enum sf_cause
classify_reply(const struct sf_diag_input *in, const struct sf_reply *r,
	const enum sf_cause *allowed, size_t nallowed, enum sf_cause fallback, char *means,
	size_t meanssz)
{
	struct sf_explain_result *res = malloc(sizeof *res);
	enum sf_cause found = fallback;
	size_t i, k;
	bool done = false;

	means[0] = '\0';
	if (res == NULL || sf_explain_reply(in->kb, r->code, r->enhanced[0] ? r->enhanced : NULL,
				   r->text ? r->text : "", res, NULL) < 0) {
		free(res);
		return fallback;
	}
	/* The best-ranked cause that fits this kind of refusal. */
	for (i = 0; i < res->ncauses && !done; i++)
		for (k = 0; k < nallowed && !done; k++)
			if (res->causes[i].cause == allowed[k]) {
				snprintf(means, meanssz, "%s", res->causes[i].means);
				found = allowed[k];
				done = true;
			}
	free(res);
	return found;
}

/* The connection got far enough for TLS to be the server's doing: it
 * either greeted (STARTTLS) or was an SSL/TLS connection. */
static bool
greeted_or_tls(const struct sf_target_result *t)
{
	return t->mode == SF_MODE_TLS ||
	       (t->smtp.greeting.replied && t->smtp.greeting.reply.code / 100 == 2);
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

/* The plain-text connection on a port whose listed login was refused
 * when started without a password, or NULL. */
static const struct sf_target_result *
plain_auth_refusal(const struct sf_probe_result *p, int port)
{
	size_t i;

	for (i = 0; p != NULL && i < p->ntargets; i++)
		if (p->targets[i].port == port && p->targets[i].smtp.auth_check_refused &&
			!p->targets[i].smtp.auth_check_under_tls)
			return &p->targets[i];
	return NULL;
}

/* Listed under TLS on this port, but refused when started. */
static bool
tls_auth_refused(const struct sf_probe_result *p, int port)
{
	size_t i;

	for (i = 0; p != NULL && i < p->ntargets; i++)
		if (p->targets[i].port == port && p->targets[i].smtp.auth_check_refused &&
			p->targets[i].smtp.auth_check_under_tls)
			return true;
	return false;
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

		if (s->caps_valid && s->caps_tls_valid &&
			(s->caps.nauth == 0 || plain_auth_refusal(p, p->targets[i].port) != NULL) &&
			s->caps_tls.nauth > 0 && !tls_auth_refused(p, p->targets[i].port) &&
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

/* The person's program meets this: set to no encryption, or the message
 * they pasted says so. */
static bool
program_meets_plain_refusal(const struct sf_diag_input *in)
{
	enum sf_cause pasted;

	if (in->now_known)
		return in->now_security == SF_SEC_NONE;
	if (in->text == NULL || in->text->ncauses == 0)
		return false;
	pasted = in->text->causes[0].cause;
	return (pasted == SF_CAUSE_AUTH_REQUIRES_TLS ||
		pasted == SF_CAUSE_CLIENT_NOT_AUTHENTICATING);
}

static bool
rule_auth_requires_tls(const struct sf_diag_input *in, struct sf_diag_finding *f)
{
	const struct sf_target_result *t = auth_after_tls_target(in->probe), *r;
	bool policy = in->policy != NULL && in->policy->auth_requires_tls.value == SF_TRI_YES;

	if (t == NULL && !policy)
		return false;
	r = t != NULL ? plain_refusal(in->probe, t->port) : NULL;
	/* A server that asks for encryption before login is doing right: the
	 * finding explains what a program set to no encryption meets, and is
	 * a problem only when the person's program is set that way. */
	say_key(f, SF_CAUSE_AUTH_REQUIRES_TLS,
		r != NULL && program_meets_plain_refusal(in) ? SF_SEV_PROBLEM : SF_SEV_INFO,
		t != NULL ? 0.95 : 0.8, r != NULL ? "auth-requires-tls-rcpt" : "auth-requires-tls",
		NULL);
	if (t != NULL) {
		const struct sf_target_result *refusal = plain_auth_refusal(in->probe, t->port);

		if (refusal != NULL) {
			char line[SF_DIAG_TEXT_MAX];

			reply_line(&refusal->smtp.auth_check.reply, line, sizeof line);
			sf_diag_evidence(f,
				"before TLS (port %d), EHLO lists AUTH but \"AUTH %s\" is refused: "
				"%.300s",
				t->port, refusal->smtp.auth_check_mech, line);
		} else if (t->smtp.caps.auth_offered) {
			sf_diag_evidence(f,
				"before TLS (port %d), EHLO lists AUTH with no mechanism", t->port);
		} else {
			sf_diag_evidence(f, "before TLS (port %d), EHLO lists no AUTH", t->port);
		}
		auth_after_tls_evidence(f, t);
	}
	if (r != NULL) {
		char line[SF_DIAG_TEXT_MAX];

		reply_line(&r->smtp.rcpt.reply, line, sizeof line);
		sf_diag_evidence(f,
			"without encryption and login (port %d), RCPT TO was refused: %.300s%s",
			r->port, line,
			r->smtp.rcpt.disconnected ? " (and the server hung up)" : "");
	}
	if (policy)
		sf_diag_evidence(f, "server setting: %.300s (%s)",
			in->policy->auth_requires_tls.evidence,
			in->policy->auth_requires_tls.source);
	return true;
}

/* The matrix cell for a setting with login on, or NULL. */
static const struct sf_matrix_cell *
login_cell(const struct sf_probe_result *p, int port, enum sf_security sec)
{
	size_t i;

	for (i = 0; p != NULL && i < p->ncells; i++)
		if (p->cells[i].port == port && p->cells[i].security == sec && p->cells[i].auth)
			return &p->cells[i];
	return NULL;
}

static const char *
security_name(enum sf_security sec)
{
	return sec == SF_SEC_TLS ? "SSL/TLS" : sec == SF_SEC_STARTTLS ? "STARTTLS" : "None";
}

/* The person's program speaks the wrong kind of encryption for its port:
 * STARTTLS (or none) on a port that expects TLS from the first byte, or
 * SSL/TLS on a port that starts plain. Said when the person told how the
 * program is set and the probe saw the port answer the other way. */
static bool
rule_tls_mode(const struct sf_diag_input *in, struct sf_diag_finding *f)
{
	const struct sf_matrix_cell *now, *other = NULL;
	static const enum sf_security modes[] = { SF_SEC_TLS, SF_SEC_STARTTLS };
	char port[16];
	size_t i;

	if (!in->now_known || in->probe == NULL)
		return false;
	now = login_cell(in->probe, in->now_port, in->now_security);
	if (now == NULL || (now->outcome != SF_OUT_HANGS_NO_GREETING &&
				   !(now->outcome == SF_OUT_TLS_HANDSHAKE_FAILS &&
					   in->now_security == SF_SEC_TLS)))
		return false;
	/* The same port under the other kind of encryption answers. */
	for (i = 0; i < 2 && other == NULL; i++) {
		const struct sf_matrix_cell *c = login_cell(in->probe, in->now_port, modes[i]);

		if (modes[i] != in->now_security && c != NULL &&
			c->outcome != SF_OUT_HANGS_NO_GREETING &&
			c->outcome != SF_OUT_TLS_HANDSHAKE_FAILS &&
			c->outcome != SF_OUT_PORT_CLOSED && c->outcome != SF_OUT_PORT_FILTERED &&
			c->outcome != SF_OUT_UNREACHABLE && c->outcome != SF_OUT_NOT_PROBED)
			other = c;
	}
	if (other == NULL)
		return false;
	snprintf(port, sizeof port, "%d", in->now_port);
	{
		const char *facts[] = { "port", port, "security", security_name(in->now_security),
			"other", security_name(other->security), NULL };

		say_key(f, SF_CAUSE_TLS_MODE_MISMATCH, SF_SEV_PROBLEM, 0.9,
			now->outcome == SF_OUT_HANGS_NO_GREETING ? "tls-mode-implicit"
								 : "tls-mode-starttls",
			facts);
	}
	sf_diag_evidence(f, "port %d set to %s: %.300s", in->now_port,
		security_name(in->now_security),
		now->message[0] != '\0' ? now->message : sf_outcome_words(now->outcome));
	sf_diag_evidence(f, "port %d set to %s: %.300s", in->now_port,
		security_name(other->security),
		other->message[0] != '\0' ? other->message : sf_outcome_words(other->outcome));
	return true;
}

/* What a refused login can mean besides a wrong password: the rule that
 * names the cause and the recommendation's why both choose from these. */
static const enum sf_cause login_causes[] = { SF_CAUSE_WRONG_CREDENTIALS,
	SF_CAUSE_BASIC_AUTH_DISABLED, SF_CAUSE_APP_PASSWORD_REQUIRED, SF_CAUSE_AUTH_BACKEND_FAILURE,
	SF_CAUSE_ACCOUNT_SUSPENDED, SF_CAUSE_IP_BLOCKED, SF_CAUSE_RATE_LIMITED,
	SF_CAUSE_AUTH_MECHANISM_MISMATCH, SF_CAUSE_AUTH_REQUIRES_TLS };

static bool
rule_wrong_credentials(const struct sf_diag_input *in, struct sf_diag_finding *f)
{
	const struct sf_target_result *l;
	char line[SF_DIAG_TEXT_MAX], means[SF_DIAG_TEXT_MAX], words[SF_DIAG_TEXT_MAX];
	enum sf_cause cause;

	if (in->probe == NULL || in->probe->login_index < 0)
		return false;
	l = &in->probe->targets[in->probe->login_index];
	if (l->smtp.auth_outcome != SF_AUTH_REFUSED)
		return false;
	reply_line(&l->smtp.auth.reply, line, sizeof line);
	cause = classify_reply(in, &l->smtp.auth.reply, login_causes,
		sizeof login_causes / sizeof login_causes[0], SF_CAUSE_WRONG_CREDENTIALS, means,
		sizeof means);
	if (cause == SF_CAUSE_WRONG_CREDENTIALS)
		say_key(f, cause, SF_SEV_PROBLEM, 0.9, "wrong-credentials", NULL);
	else {
		const char *facts[] = { "means", means_or_words(means, words, sizeof words), NULL };

		say_key(f, cause, SF_SEV_PROBLEM, 0.85, "login-refused-other", facts);
	}
	sf_diag_evidence(
		f, "login test on port %d with %s: %.300s", l->port, l->smtp.auth_mechanism, line);
	return true;
}

/* Logged in, then MAIL or RCPT refused: the setting is right; what the
 * refusal says decides the cause (greylisting, a sending limit, a sender
 * the account may not use ...). */
static bool
rule_refused_after_login(const struct sf_diag_input *in, struct sf_diag_finding *f)
{
	static const enum sf_cause causes[] = { SF_CAUSE_GREYLISTED, SF_CAUSE_RATE_LIMITED,
		SF_CAUSE_MESSAGE_TOO_LARGE, SF_CAUSE_SENDER_REJECTED, SF_CAUSE_RECIPIENT_REJECTED,
		SF_CAUSE_IP_BLOCKED, SF_CAUSE_ACCOUNT_SUSPENDED,
		SF_CAUSE_CLIENT_NOT_AUTHENTICATING };
	const struct sf_target_result *l;
	const struct sf_exchange *x;
	char line[SF_DIAG_TEXT_MAX], means[SF_DIAG_TEXT_MAX], words[SF_DIAG_TEXT_MAX];
	enum sf_cause cause, fallback;

	if (in->probe == NULL || in->probe->login_index < 0)
		return false;
	l = &in->probe->targets[in->probe->login_index];
	if (l->smtp.auth_outcome != SF_AUTH_OK)
		return false;
	x = l->smtp.mail.replied && l->smtp.mail.reply.code / 100 != 2   ? &l->smtp.mail
	    : l->smtp.rcpt.replied && l->smtp.rcpt.reply.code / 100 != 2 ? &l->smtp.rcpt
									 : NULL;
	if (x == NULL)
		return false;
	/* A temporary refusal (4xx) is a wait, not a wrong setting. */
	fallback = x->reply.code / 100 == 4
			   ? (x->reply.code == 421 ? SF_CAUSE_RATE_LIMITED : SF_CAUSE_GREYLISTED)
			   : SF_CAUSE_SENDER_REJECTED;
	cause = classify_reply(in, &x->reply, causes, sizeof causes / sizeof causes[0], fallback,
		means, sizeof means);
	reply_line(&x->reply, line, sizeof line);
	{
		const char *facts[] = { "refused", x->reply.code / 100 == 4 ? "put off" : "refused",
			"step", x == &l->smtp.mail ? "MAIL FROM" : "RCPT TO", "means",
			means_or_words(means, words, sizeof words), NULL };

		say_key(f, cause, SF_SEV_PROBLEM, 0.8, "refused-after-login", facts);
	}
	sf_diag_evidence(f, "after logging in (port %d): %.300s%s", l->port, line,
		x->disconnected ? " (and the server hung up)" : "");
	return true;
}

/* A port that greets with a refusal (421 too many connections, 554 your
 * address is listed): a problem when no setting is left to use. */
static bool
rule_greeting_refused(const struct sf_diag_input *in, struct sf_diag_finding *f)
{
	static const enum sf_cause causes[] = { SF_CAUSE_RATE_LIMITED, SF_CAUSE_IP_BLOCKED,
		SF_CAUSE_GREYLISTED, SF_CAUSE_ACCOUNT_SUSPENDED };
	const struct sf_probe_result *p = in->probe;
	char line[SF_DIAG_TEXT_MAX], means[SF_DIAG_TEXT_MAX], words[SF_DIAG_TEXT_MAX];
	enum sf_cause cause;
	size_t i;

	for (i = 0; p != NULL && i < p->ntargets; i++) {
		const struct sf_target_result *t = &p->targets[i];
		const struct sf_reply *g = &t->smtp.greeting.reply;

		if (t->purpose != SF_PURPOSE_MAIN || !t->smtp.greeting.replied ||
			g->code / 100 == 2)
			continue;
		cause = classify_reply(in, g, causes, sizeof causes / sizeof causes[0],
			g->code / 100 == 4 ? SF_CAUSE_RATE_LIMITED : SF_CAUSE_IP_BLOCKED, means,
			sizeof means);
		reply_line(g, line, sizeof line);
		{
			char port[16];
			const char *facts[] = { "port", port, "means",
				means_or_words(means, words, sizeof words), NULL };

			snprintf(port, sizeof port, "%d", t->port);
			say_key(f, cause, p->recommended.found ? SF_SEV_WARNING : SF_SEV_PROBLEM,
				0.75, "greeting-refused", facts);
		}
		sf_diag_evidence(f, "greeting on port %d: %.300s", t->port, line);
		return true;
	}
	return false;
}

/* Every port that connects stays silent: something between accepts the
 * connection and never passes it on (a firewall, an antivirus proxy, an
 * overloaded server). A port is silent when no connection to it was ever
 * greeted and one of them waited for the greeting in vain (on 465 that is
 * the plain-text follow-up, the TLS one failing on the silence). */
static bool
rule_never_greets(const struct sf_diag_input *in, struct sf_diag_finding *f)
{
	const struct sf_probe_result *p = in->probe;
	size_t i, k, silent = 0, ports = 0;

	if (p == NULL || !sf_probe_reached(p))
		return false;
	for (i = 0; i < p->ntargets; i++) {
		const struct sf_target_result *t = &p->targets[i];
		bool first = true, greeted = false, waited = false;

		if (t->purpose != SF_PURPOSE_MAIN || !t->connect_ok)
			continue;
		for (k = 0; k < i; k++)
			if (p->targets[k].purpose == SF_PURPOSE_MAIN &&
				p->targets[k].port == t->port && p->targets[k].connect_ok)
				first = false;
		if (!first)
			continue;
		ports++;
		for (k = 0; k < p->ntargets; k++) {
			const struct sf_target_result *o = &p->targets[k];

			if (o->port != t->port || !o->connect_ok)
				continue;
			greeted |= o->smtp.greeting.replied;
			waited |= o->smtp.fail_code == SF_E_TIMEOUT &&
				  o->smtp.fail_step == SF_STEP_GREETING;
		}
		if (!greeted && waited) {
			silent++;
			sf_diag_evidence(f,
				"port %d: connected, then no greeting within the time allowed",
				t->port);
		}
	}
	if (ports == 0 || silent != ports)
		return false;
	say_key(f, SF_CAUSE_SERVER_UNREACHABLE, SF_SEV_PROBLEM, 0.7, "never-greets", NULL);
	return true;
}

/* The password-free check was refused where a program would log in:
 * under TLS, or on a connection with no TLS on offer. */
static bool
refused_where_used(const struct sf_session_result *s)
{
	return s->auth_check_refused && (s->auth_check_under_tls || !s->starttls_offered);
}

/* The server lists no login on any port, before or after TLS. */
static bool
rule_no_login_anywhere(const struct sf_diag_input *in, struct sf_diag_finding *f)
{
	const struct sf_probe_result *p = in->probe;
	size_t i, seen = 0;

	if (p == NULL || !p->analysed)
		return false;
	/* Listed but refused when started: rule_login_refused_when_started. */
	for (i = 0; i < p->ntargets; i++)
		if (refused_where_used(&p->targets[i].smtp))
			return false;
	for (i = 0; i < p->npolicies; i++) {
		if (p->policies[i].status != SF_PORT_OPEN)
			continue;
		if (p->policies[i].auth != SF_AUTHP_NOT_OFFERED)
			return false;
		seen++;
		sf_diag_evidence(
			f, "port %d: EHLO lists no AUTH, with or without TLS", p->policies[i].port);
	}
	if (seen == 0)
		return false;
	say_key(f, SF_CAUSE_AUTH_NOT_OFFERED, SF_SEV_PROBLEM, 0.8, "no-login-anywhere", NULL);
	return true;
}

static bool
login_taken_somewhere(const struct sf_probe_result *p)
{
	size_t i;

	for (i = 0; p->analysed && i < p->npolicies; i++)
		if (p->policies[i].auth == SF_AUTHP_WITHOUT_TLS ||
			p->policies[i].auth == SF_AUTHP_AFTER_STARTTLS_ONLY ||
			p->policies[i].auth == SF_AUTHP_IMPLICIT_TLS_ONLY)
			return true;
	return false;
}

/* A login listed where a program would use it (under TLS, or on a
 * connection that has no TLS) but refused as soon as it is started,
 * before any password: found by the password-free check. The reply says
 * why (a backend down, logins switched off, a block); the fix is the
 * server's. A refusal before TLS where TLS is on offer is the founding
 * case's, and rule_auth_requires_tls speaks for it. */
static bool
rule_login_refused_when_started(const struct sf_diag_input *in, struct sf_diag_finding *f)
{
	static const enum sf_cause causes[] = { SF_CAUSE_AUTH_BACKEND_FAILURE,
		SF_CAUSE_BASIC_AUTH_DISABLED, SF_CAUSE_ACCOUNT_SUSPENDED, SF_CAUSE_IP_BLOCKED,
		SF_CAUSE_RATE_LIMITED, SF_CAUSE_AUTH_MECHANISM_MISMATCH };
	const struct sf_probe_result *p = in->probe;
	char line[SF_DIAG_TEXT_MAX], means[SF_DIAG_TEXT_MAX], words[SF_DIAG_TEXT_MAX], port[16];
	size_t i;

	for (i = 0; p != NULL && i < p->ntargets; i++) {
		const struct sf_target_result *t = &p->targets[i];
		const struct sf_session_result *s = &t->smtp;
		enum sf_cause cause;

		if (!refused_where_used(s))
			continue;
		cause = classify_reply(in, &s->auth_check.reply, causes,
			sizeof causes / sizeof causes[0], SF_CAUSE_AUTH_NOT_OFFERED, means,
			sizeof means);
		reply_line(&s->auth_check.reply, line, sizeof line);
		snprintf(port, sizeof port, "%d", t->port);
		{
			const char *facts[] = { "port", port, "means",
				means_or_words(means, words, sizeof words), NULL };

			/* A problem when no other port takes a login either. */
			say_key(f, cause,
				login_taken_somewhere(p) ? SF_SEV_WARNING : SF_SEV_PROBLEM, 0.8,
				"login-refused-when-started", facts);
		}
		sf_diag_evidence(f,
			"port %d%s: EHLO lists AUTH, but \"AUTH %s\" is refused before any "
			"password: %.300s",
			t->port, s->auth_check_under_tls ? " (under TLS)" : "", s->auth_check_mech,
			line);
		return true;
	}
	return false;
}

/* STARTTLS removed from the server's offer on the way: the telltale
 * "XXXXXXXA" (a firewall's SMTP inspection overwrote the word). */
static bool
rule_starttls_stripped(const struct sf_diag_input *in, struct sf_diag_finding *f)
{
	const struct sf_probe_result *p = in->probe;
	size_t i, k;

	for (i = 0; p != NULL && i < p->ntargets; i++) {
		const struct sf_session_result *s = &p->targets[i].smtp;

		if (!s->caps_valid || s->starttls_offered)
			continue;
		for (k = 0; k < s->caps.nextensions; k++) {
			const char *x = s->caps.extensions[k];

			if (strspn(x, "X") >= 6 && strlen(x) == 8) {
				say_key(f, SF_CAUSE_STARTTLS_STRIPPED, SF_SEV_PROBLEM, 0.85,
					"starttls-stripped", NULL);
				sf_diag_evidence(f,
					"port %d: EHLO lists \"%.40s\" where STARTTLS would be",
					p->targets[i].port, x);
				return true;
			}
		}
	}
	return false;
}

/* TLS fails on the server's side everywhere it is offered: the server
 * agrees to STARTTLS or expects SSL/TLS, then breaks off the handshake
 * with an internal error. No program setting can fix that. */
static bool
rule_server_tls_broken(const struct sf_diag_input *in, struct sf_diag_finding *f)
{
	const struct sf_probe_result *p = in->probe;
	size_t i, tried = 0, broken = 0;

	for (i = 0; p != NULL && i < p->ntargets; i++) {
		const struct sf_target_result *t = &p->targets[i];
		bool agreed = t->smtp.starttls.replied && t->smtp.starttls.reply.code == 220;

		if (!t->tls_attempted || (t->mode != SF_MODE_TLS && !agreed) || !greeted_or_tls(t))
			continue;
		/* smtpfix's own SSL/TLS try on a plain-text port says nothing
		 * about the server's TLS: it did not answer in TLS at all. */
		if (!t->tls.handshake_ok && t->tls.failure == SF_TLS_FAIL_NOT_TLS)
			continue;
		tried++;
		if (!t->tls.handshake_ok && t->tls.failure == SF_TLS_FAIL_SERVER_ERROR) {
			broken++;
			sf_diag_evidence(f, "port %d: %.300s", t->port, t->tls.handshake_error);
		}
	}
	if (tried == 0 || broken != tried)
		return false;
	say_key(f, SF_CAUSE_SERVER_TLS_UNAVAILABLE, SF_SEV_PROBLEM, 0.8, "server-tls-broken", NULL);
	return true;
}

/* Mail for an outside address taken without a login: the server passes
 * on anyone's mail, and will soon be on every block list. */
static bool
rule_open_relay(const struct sf_diag_input *in, struct sf_diag_finding *f)
{
	const struct sf_probe_result *p = in->probe;
	char line[SF_DIAG_TEXT_MAX];
	size_t i;

	for (i = 0; p != NULL && i < p->ntargets; i++) {
		const struct sf_target_result *t = &p->targets[i];

		if (t->purpose == SF_PURPOSE_LOGIN || t->smtp.auth_outcome != SF_AUTH_NOT_TRIED ||
			!t->smtp.rcpt.replied || t->smtp.rcpt.reply.code / 100 != 2)
			continue;
		reply_line(&t->smtp.rcpt.reply, line, sizeof line);
		say_key(f, SF_CAUSE_OPEN_RELAY, SF_SEV_PROBLEM, 0.9, "open-relay", NULL);
		sf_diag_evidence(f,
			"without login (port %d), RCPT TO an outside address was accepted: %.300s",
			t->port, line);
		return true;
	}
	return false;
}

/* STARTTLS listed, then refused when asked for ("454 TLS not available"):
 * the server cannot start encryption on that port. */
static bool
rule_starttls_refused(const struct sf_diag_input *in, struct sf_diag_finding *f)
{
	const struct sf_probe_result *p = in->probe;
	char line[SF_DIAG_TEXT_MAX];
	size_t i;

	for (i = 0; p != NULL && i < p->ntargets; i++) {
		const struct sf_exchange *x = &p->targets[i].smtp.starttls;

		if (!x->replied || x->reply.code == 220)
			continue;
		reply_line(&x->reply, line, sizeof line);
		say_key(f, SF_CAUSE_SERVER_TLS_UNAVAILABLE,
			p->recommended.found ? SF_SEV_WARNING : SF_SEV_PROBLEM, 0.8,
			"starttls-refused", NULL);
		sf_diag_evidence(f, "port %d: STARTTLS is listed, and refused: %.300s",
			p->targets[i].port, line);
		return true;
	}
	return false;
}

/* Encryption starts, then the server drops the connection before or at
 * its first answer, on every connection that got that far: the server
 * breaks on its own side (a login service it cannot reach is a common
 * reason: Postfix stops when its SASL socket is missing). */
static bool
rule_drops_after_tls(const struct sf_diag_input *in, struct sf_diag_finding *f)
{
	const struct sf_probe_result *p = in->probe;
	size_t i, secured = 0, dropped = 0;
	bool submission = false;

	/* The submission ports decide when there are any: port 25 is for
	 * servers and often has no login service to fail. */
	for (i = 0; p != NULL && i < p->ntargets; i++)
		if (p->targets[i].tls.handshake_ok && p->targets[i].port != 25)
			submission = true;
	for (i = 0; p != NULL && i < p->ntargets; i++) {
		const struct sf_target_result *t = &p->targets[i];
		const struct sf_session_result *s = &t->smtp;

		if (!t->tls.handshake_ok || (submission && t->port == 25))
			continue;
		secured++;
		if (!s->caps_tls_valid &&
			(s->fail_code == SF_E_RESET || s->fail_code == SF_E_CLOSED) &&
			(s->fail_step == SF_STEP_EHLO_TLS || s->fail_step == SF_STEP_GREETING)) {
			dropped++;
			sf_diag_evidence(
				f, "port %d: TLS started, then %.300s", t->port, s->fail_message);
		}
	}
	if (secured == 0 || dropped != secured)
		return false;
	say_key(f, SF_CAUSE_SERVER_TLS_UNAVAILABLE, SF_SEV_PROBLEM, 0.75, "drops-after-tls", NULL);
	return true;
}

static bool
rule_certificate(const struct sf_diag_input *in, struct sf_diag_finding *f)
{
	static const struct {
		enum sf_cert_verdict v;
		enum sf_cause cause;
	} map[] = {
		{ SF_CERT_EXPIRED, SF_CAUSE_TLS_CERT_EXPIRED },
		{ SF_CERT_NOT_YET_VALID, SF_CAUSE_TLS_CERT_EXPIRED },
		{ SF_CERT_SELF_SIGNED, SF_CAUSE_TLS_CERT_UNTRUSTED },
		{ SF_CERT_UNTRUSTED, SF_CAUSE_TLS_CERT_UNTRUSTED },
		{ SF_CERT_NAME_MISMATCH, SF_CAUSE_TLS_CERT_NAME_MISMATCH },
	};
	size_t i, k;

	for (i = 0; in->probe != NULL && i < in->probe->ntargets; i++) {
		const struct sf_target_result *t = &in->probe->targets[i];

		if (t->purpose != SF_PURPOSE_MAIN || !t->tls.handshake_ok)
			continue;
		for (k = 0; k < sizeof map / sizeof map[0]; k++) {
			if (t->tls.verdict != map[k].v)
				continue;
			{
				const char *facts[] = { "detail", t->tls.verify_detail, NULL };

				say_key(f, map[k].cause, SF_SEV_PROBLEM, 0.9, "certificate", facts);
			}
			sf_diag_evidence(f,
				"certificate on port %d: subject %.200s, issuer %.200s, valid "
				"until %s",
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
			sf_diag_evidence(f, "%s port %d: %s", p->targets[i].address,
				p->targets[i].port, p->targets[i].connect_err.message);
	}
	if (mains == 0)
		return false;
	if (timeouts > 0)
		say_key(f, SF_CAUSE_PORT_BLOCKED, SF_SEV_PROBLEM, 0.8, "unreachable-filtered",
			NULL);
	else
		say_key(f, SF_CAUSE_SERVER_UNREACHABLE, SF_SEV_PROBLEM, 0.8, "unreachable-refused",
			NULL);
	(void)refused;
	return true;
}

static bool
rule_dns(const struct sf_diag_input *in, struct sf_diag_finding *f)
{
	if (in->probe == NULL || in->probe->resolved)
		return false;
	{
		const char *facts[] = { "detail", in->probe->resolve_err.message, NULL };

		say_key(f, SF_CAUSE_DNS_FAILURE, SF_SEV_PROBLEM, 0.9, "dns-failure", facts);
	}
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
		if (p->policies[i].status != SF_PORT_OPEN)
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
	say_key(f, SF_CAUSE_STARTTLS_NOT_OFFERED, SF_SEV_PROBLEM, 0.85, "no-starttls", NULL);
	sf_diag_evidence(
		f, "port %d: EHLO lists no STARTTLS, and SSL/TLS from the start fails", port);
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
			t->smtp.auth_check_refused || !t->smtp.rcpt.replied ||
			t->smtp.rcpt.reply.code / 100 != 5)
			continue;
		reply_line(&t->smtp.rcpt.reply, line, sizeof line);
		say_key(f, SF_CAUSE_CLIENT_NOT_AUTHENTICATING, SF_SEV_INFO, 0.7,
			"relay-without-login", NULL);
		sf_diag_evidence(
			f, "without login (port %d), RCPT TO was refused: %.300s", t->port, line);
		return true;
	}
	return false;
}

static bool
rule_policy_not_rebuilt(const struct sf_diag_input *in, struct sf_diag_finding *f)
{
	const struct sf_policy *pol = in->policy;

	if (pol == NULL || pol->intent.value == SF_TRI_UNKNOWN ||
		pol->auth_requires_tls.value == SF_TRI_UNKNOWN ||
		pol->intent.value == pol->auth_requires_tls.value)
		return false;
	say_key(f, SF_CAUSE_SERVER_CONFIG_NOT_APPLIED, SF_SEV_WARNING, 0.9, "policy-not-rebuilt",
		NULL);
	sf_diag_evidence(f, "%s: %s", pol->intent.source, pol->intent.evidence);
	sf_diag_evidence(
		f, "%s: %s", pol->auth_requires_tls.source, pol->auth_requires_tls.evidence);
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
			sf_diag_evidence(f, "log: %.300s", in->log->groups[i].sample);
		}
	if (n == 0)
		return false;
	{
		char count[32];
		const char *facts[] = { "count", count, "messages", n == 1 ? "message" : "messages",
			NULL };

		snprintf(count, sizeof count, "%lu", n);
		say_key(f, SF_CAUSE_AUTH_WITHOUT_TLS_ACCEPTED, SF_SEV_WARNING, 0.85,
			"log-plaintext", facts);
	}
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
	say(f, c->cause, SF_SEV_PROBLEM, c->score, "%s", c->means);
	/* The person's words as pasted, not the form the patterns read. */
	sf_diag_evidence(
		f, "the pasted message: \"%.300s\"", c->quoted[0] != '\0' ? c->quoted : c->matched);
	return true;
}

static const struct {
	const char *name;
	rule_fn fn;
} rules[] = {
	{ "attempt", sf_rule_attempt },
	{ "dns", rule_dns },
	{ "unreachable", rule_unreachable },
	{ "pasted-text", rule_pasted_text },
	{ "tls-mode", rule_tls_mode },
	{ "wrong-credentials", rule_wrong_credentials },
	{ "refused-after-login", rule_refused_after_login },
	{ "auth-requires-tls", rule_auth_requires_tls },
	{ "certificate", rule_certificate },
	{ "server-tls-broken", rule_server_tls_broken },
	{ "drops-after-tls", rule_drops_after_tls },
	{ "starttls-refused", rule_starttls_refused },
	{ "open-relay", rule_open_relay },
	{ "starttls-stripped", rule_starttls_stripped },
	{ "greeting-refused", rule_greeting_refused },
	{ "never-greets", rule_never_greets },
	{ "login-refused-when-started", rule_login_refused_when_started },
	{ "no-login-anywhere", rule_no_login_anywhere },
	{ "no-starttls", rule_no_starttls },
	{ "relay-without-login", rule_relay_without_login },
	{ "policy-not-rebuilt", rule_policy_not_rebuilt },
	{ "log-plaintext", rule_log_plaintext },
};

static bool
have_cause(const struct sf_diagnosis *d, enum sf_cause cause)
{
	size_t i;

	for (i = 0; i < d->nfindings; i++)
		if (d->findings[i].cause == cause)
			return true;
	return false;
}

/* The kind of server, for advice that names its own settings: from its
 * configuration when smtpfix runs on it, else from what its greeting
 * says (cPanel's Exim adds its own lines to the banner). */
static const struct {
	enum sf_server_kind kind;
	const char *id, *words;
	const char *banner_words[3];
} kinds[] = {
	{ SF_SERVER_CPANEL, "cpanel", "cPanel's Exim",
		{ "We do not authorize the use of this system", NULL, NULL } },
	{ SF_SERVER_MICROSOFT365, "microsoft365", "Microsoft 365 (Exchange Online)",
		{ "Microsoft ESMTP MAIL Service", "outlook.com", NULL } },
	{ SF_SERVER_GOOGLE, "google", "Google (Gmail, Workspace)",
		{ "gsmtp", "smtp.gmail.com", NULL } },
	{ SF_SERVER_EXIM, "exim", "Exim", { "Exim", NULL, NULL } },
	{ SF_SERVER_POSTFIX, "postfix", "Postfix", { "Postfix", NULL, NULL } },
	{ SF_SERVER_DOVECOT, "dovecot", "Dovecot's submission service", { "Dovecot", NULL, NULL } },
	{ SF_SERVER_OPENSMTPD, "opensmtpd", "OpenSMTPD", { "OpenSMTPD", NULL, NULL } },
	{ SF_SERVER_UNKNOWN, "unknown", "of an unknown kind", { NULL, NULL, NULL } },
};

/* The table's row for k; the last row (unknown) for a value not in it. */
static size_t
kind_row(enum sf_server_kind k)
{
	size_t i;

	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (kinds[i].kind == k)
			return i;
	return sizeof kinds / sizeof kinds[0] - 1;
}

const char *
sf_server_kind_words(enum sf_server_kind k)
{
	return kinds[kind_row(k)].words;
}

const char *
sf_server_kind_id(enum sf_server_kind k)
{
	return kinds[kind_row(k)].id;
}

static enum sf_server_kind
server_kind(const struct sf_diag_input *in)
{
	const struct sf_probe_result *p = in->probe;
	size_t i, k, w;

	/* WHM's stored setting exists only on cPanel. */
	if (in->policy != NULL &&
		(in->policy->cpanel || in->policy->intent.value != SF_TRI_UNKNOWN))
		return SF_SERVER_CPANEL;
	for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
		for (i = 0; p != NULL && i < p->ntargets; i++) {
			const char *banner = p->targets[i].smtp.greeting.reply.text;

			for (w = 0; banner != NULL && w < 3 && kinds[k].banner_words[w] != NULL;
				w++)
				if (strstr(banner, kinds[k].banner_words[w]) != NULL)
					return kinds[k].kind;
		}
	if (in->policy != NULL && in->policy->mta == SF_MTA_EXIM)
		return SF_SERVER_EXIM;
	if (in->policy != NULL && in->policy->mta == SF_MTA_POSTFIX)
		return SF_SERVER_POSTFIX;
	return SF_SERVER_UNKNOWN;
}

/* Does the advice file have a block for this kind and cause? */
static bool
advice_block(const char *text, size_t len, const char *kind, const char *cause, bool use,
	struct sf_diagnosis *d, bool weakens)
{
	const char *p = text, *end = text + len;
	bool kind_ok = false, cause_ok = false, found = false;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t n = (size_t)(le - p);

		if (n == 0) {
			kind_ok = cause_ok = false;
		} else if (n > 6 && memcmp(p, "kind: ", 6) == 0) {
			kind_ok = n - 6 == strlen(kind) && memcmp(p + 6, kind, n - 6) == 0;
		} else if (n > 7 && memcmp(p, "cause: ", 7) == 0) {
			cause_ok = n - 7 == strlen(cause) && memcmp(p + 7, cause, n - 7) == 0;
		} else if (kind_ok && cause_ok) {
			bool is_weak = n > 9 && memcmp(p, "weakens: ", 9) == 0;
			bool is_safe = n > 6 && memcmp(p, "safe: ", 6) == 0;

			found = true;
			if (use && (is_weak || is_safe) && is_weak == weakens &&
				d->nserver < SF_DIAG_MAX_SERVER) {
				size_t skip = is_weak ? 9 : 6;

				d->server[d->nserver].weakens = is_weak;
				snprintf(d->server[d->nserver++].text, SF_DIAG_TEXT_MAX, "%.*s",
					(int)(n - skip), p + skip);
			}
		}
		p = nl ? nl + 1 : end;
	}
	return found;
}

/* The advice for one cause: the block for this kind of server, else the
 * one for any server. Only the safe lines, or only the weakening ones. */
static void
server_advice(struct sf_diagnosis *d, const char *cause, bool weakens)
{
	size_t len;
	const char *text = sf_help_get("server/advice.txt", &len);
	const char *kind = sf_server_kind_id(d->kind);

	if (text == NULL)
		return;
	if (!advice_block(text, len, kind, cause, true, d, weakens))
		advice_block(text, len, "any", cause, true, d, weakens);
}

/* After a refused login the recommendation keeps its setting; what to
 * change is said in the words of the cause found (an app password, the
 * provider's switch, the server's login service), from help/. */
static void
settings_why(struct sf_diagnosis *d, const struct sf_diag_input *in)
{
	const struct sf_probe_result *p = in->probe;
	const struct sf_target_result *l;
	char key[96], line[SF_DIAG_TEXT_MAX], means[SF_DIAG_TEXT_MAX], why[sizeof d->settings.why];
	const char *facts[] = { "reply", line, NULL };
	enum sf_cause cause;

	if (p->login_index < 0 || !d->settings.found || !d->settings.as_typed)
		return;
	l = &p->targets[p->login_index];
	if (l->smtp.auth_outcome != SF_AUTH_REFUSED || l->port != d->settings.port)
		return;
	/* The same reading of the refusal as the rule that named its cause. */
	cause = classify_reply(in, &l->smtp.auth.reply, login_causes,
		sizeof login_causes / sizeof login_causes[0], SF_CAUSE_WRONG_CREDENTIALS, means,
		sizeof means);
	reply_line(&l->smtp.auth.reply, line, sizeof line);
	snprintf(key, sizeof key, "why-login-refused-%s", sf_cause_id(cause));
	if (sf_help_fill("diagnosis/matrix.txt", key, facts, why, sizeof why) == 0)
		snprintf(d->settings.why, sizeof d->settings.why, "%s", why);
}

/* Advice is for the problems found; only when there is none does a
 * finding that merely explains (auth-requires-tls for a setting nobody
 * named) bring its own, such as "nothing needs to change on the server". */
static bool
advice_applies(const struct sf_diagnosis *d, size_t i)
{
	size_t k;

	if (d->findings[i].severity == SF_SEV_PROBLEM)
		return true;
	for (k = 0; k < d->nfindings; k++)
		if (d->findings[k].severity == SF_SEV_PROBLEM)
			return false;
	return true;
}

/* After a refused login, a setting of the person's own that reaches the
 * login is kept: the password is what to change, not the port (moving a
 * working 465 to 587 would only add a change). */
static void
settings_keep_own(struct sf_diagnosis *d, const struct sf_diag_input *in)
{
	const struct sf_probe_result *p = in->probe;
	size_t i;

	if (!in->now_known || !d->settings.found || !d->settings.as_typed || p->login_index < 0 ||
		p->targets[p->login_index].smtp.auth_outcome != SF_AUTH_REFUSED)
		return;
	if (d->settings.port == in->now_port && d->settings.security == in->now_security)
		return;
	for (i = 0; i < p->ncells; i++) {
		const struct sf_matrix_cell *c = &p->cells[i];

		if (c->port != in->now_port || c->security != in->now_security || !c->auth)
			continue;
		if (c->outcome == SF_OUT_WORKS || c->outcome == SF_OUT_LOGIN_OFFERED ||
			c->outcome == SF_OUT_WRONG_CREDENTIALS) {
			d->settings.port = in->now_port;
			d->settings.security = in->now_security;
			d->settings.insecure = in->now_security == SF_SEC_NONE;
		}
		return;
	}
}

/* One change, not two: a program on a submission port that works there
 * with encryption keeps its port and changes only its security (465 set
 * to STARTTLS becomes 465 with SSL/TLS, not 587 with STARTTLS). Port 25
 * is left to the recommendation: many networks block it for programs. */
static void
settings_keep_port(struct sf_diagnosis *d, const struct sf_diag_input *in)
{
	static const enum sf_security modes[] = { SF_SEC_TLS, SF_SEC_STARTTLS };
	size_t i;

	if (!in->now_known || !d->settings.found || !d->settings.as_typed ||
		d->settings.port == in->now_port || in->now_port == 25)
		return;
	for (i = 0; i < 2; i++) {
		const struct sf_matrix_cell *c = login_cell(in->probe, in->now_port, modes[i]);

		if (c != NULL &&
			(c->outcome == SF_OUT_WORKS || c->outcome == SF_OUT_LOGIN_OFFERED)) {
			d->settings.port = in->now_port;
			d->settings.security = modes[i];
			d->settings.insecure = false;
			return;
		}
	}
}

const struct sf_recommendation *
sf_diag_settings(const struct sf_diagnosis *d, const struct sf_probe_result *p)
{
	return d != NULL && d->settings.found ? &d->settings : &p->recommended;
}

void
sf_diagnose(const struct sf_diag_input *given, struct sf_diagnosis *d)
{
	struct sf_diag_input run = *given;
	const struct sf_diag_input *in = &run;
	struct sf_explain_kb *own = NULL;
	size_t i;

	memset(d, 0, sizeof *d);
	/* One knowledge for every reply of the run (NULL when out of memory:
	 * each reply then builds its own, or keeps its fallback cause). */
	if (run.kb == NULL)
		run.kb = own = sf_explain_kb_builtin(NULL, 0, NULL);
	for (i = 0; i < sizeof rules / sizeof rules[0] && d->nfindings < SF_DIAG_MAX_FINDINGS;
		i++) {
		struct sf_diag_finding f;

		memset(&f, 0, sizeof f);
		if (!rules[i].fn(in, &f))
			continue;
		if (have_cause(d, f.cause)) {
			/* The same cause from another angle: keep its evidence. */
			size_t k, e;

			for (k = 0; k < d->nfindings; k++)
				if (d->findings[k].cause == f.cause)
					for (e = 0; e < f.nevidence &&
						    d->findings[k].nevidence < SF_DIAG_MAX_EVIDENCE;
						e++)
						snprintf(d->findings[k].evidence
								 [d->findings[k].nevidence++],
							SF_DIAG_TEXT_MAX, "%s", f.evidence[e]);
			continue;
		}
		f.rule = rules[i].name;
		d->findings[d->nfindings++] = f;
	}
	if (in->probe != NULL) {
		d->settings = in->probe->recommended;
		settings_why(d, in);
		settings_keep_own(d, in);
		settings_keep_port(d, in);
	}
	d->kind = server_kind(in);
	sf_diag_published(in, d);
	/* Server-side advice for this kind of server, from help/: the safe
	 * options first; those that weaken security last. */
	for (i = 0; i < d->nfindings; i++)
		if (advice_applies(d, i))
			server_advice(d, sf_cause_id(d->findings[i].cause), false);
	for (i = 0; i < d->nfindings; i++)
		if (advice_applies(d, i))
			server_advice(d, sf_cause_id(d->findings[i].cause), true);
	sf_explain_kb_free(own);
}

bool
sf_diag_healthy(
	const struct sf_diagnosis *d, const struct sf_probe_result *p, char *why, size_t whysz)
{
	size_t i;

	if (p != NULL && !sf_probe_healthy(p, why, whysz))
		return false;
	for (i = 0; d != NULL && i < d->nfindings; i++) {
		if (d->findings[i].severity != SF_SEV_PROBLEM)
			continue;
		if (why != NULL && whysz > 0)
			snprintf(why, whysz, "%s", d->findings[i].text);
		return false;
	}
	if (why != NULL && whysz > 0)
		why[0] = '\0';
	return true;
}

bool
sf_diag_policy_applies(
	const struct sf_policy *pol, const struct sf_probe_result *p, bool copy_given)
{
	size_t i, k;

	if (pol == NULL)
		return false;
	if (copy_given)
		return true;
	if (p == NULL || !p->local_target)
		return false;
	if (pol->nports == 0)
		return true; /* the ports are not known: the target is this machine */
	for (i = 0; i < p->ntargets; i++)
		for (k = 0; k < pol->nports; k++)
			if (p->targets[i].connect_ok &&
				p->targets[i].real_port == pol->ports[k].port)
				return true;
	return false;
}

bool
sf_diagnose_attempt(const struct sf_diag_input *given, struct sf_diagnosis *d,
	const struct sf_diag_finding **finding)
{
	struct sf_diag_input in = *given;
	struct sf_explain_kb *own = NULL;
	size_t i;

	*finding = NULL;
	/* One knowledge for the whole diagnosis. */
	if (in.kb == NULL)
		in.kb = own = sf_explain_kb_builtin(NULL, 0, NULL);
	sf_diagnose(&in, d);
	/* The attempt rule's finding (its table entry, not its name), with
	 * what other rules added to its cause. */
	for (i = 0; in.attempt != NULL && i < d->nfindings; i++)
		if (d->findings[i].rule == rules[0].name && rules[0].fn == sf_rule_attempt)
			*finding = &d->findings[i];
	sf_explain_kb_free(own);
	return *finding != NULL;
}
