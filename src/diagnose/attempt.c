/* The rule for one attempt seen in the server's log: what the program
 * really did (its port, TLS, login) and what the server answered, read
 * with the same recognizer as any pasted or live reply. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpfix/diagnose.h"
#include "rules_internal.h"

/* The server gives login only after TLS: its settings say so. Unknown
 * settings leave the weaker reading. */
static bool
login_needs_tls(const struct sf_diag_input *in)
{
	return in->policy != NULL && in->policy->auth_requires_tls.value == SF_TRI_YES;
}

/* A logged reply ("535 5.7.8 Incorrect ...", "550 SMTP AUTH is ...") is
 * read as a live reply with that code is; other words as pasted text. */
static int
reply_or_text(const struct sf_diag_input *in, const char *text, struct sf_explain_result *res)
{
	char enhanced[16];
	int code;

	if (strlen(text) > 4 && text[0] >= '2' && text[0] <= '5' &&
		isdigit((unsigned char)text[1]) && isdigit((unsigned char)text[2]) &&
		(text[3] == ' ' || text[3] == '-')) {
		const char *rest = text + 4;
		size_t n = strspn(rest, "0123456789.");

		code = (text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0');
		enhanced[0] = '\0';
		if (n >= 5 && n < sizeof enhanced && rest[1] == '.' && rest[n] == ' ') {
			memcpy(enhanced, rest, n);
			enhanced[n] = '\0';
			rest += n + 1;
		}
		return sf_explain_reply(
			in->kb, code, enhanced[0] ? enhanced : NULL, rest, res, NULL);
	}
	return sf_explain_kb_run(in->kb, text, strlen(text), res, NULL);
}

/* The recognizer's best cause for the server's words, among `allowed`
 * (any when nallowed is 0); fallback when none fits. */
static enum sf_cause
recognize(const struct sf_diag_input *in, const char *text, const enum sf_cause *allowed,
	size_t nallowed, enum sf_cause fallback, char *means, size_t meanssz)
{
	struct sf_explain_result *res;
	enum sf_cause found = fallback;
	size_t i, k;
	bool done = false;

	means[0] = '\0';
	if (text[0] == '\0' || in->kb == NULL || (res = malloc(sizeof *res)) == NULL)
		return fallback;
	if (reply_or_text(in, text, res) == 0)
		for (i = 0; i < res->ncauses && !done; i++)
			for (k = 0; k < nallowed || (nallowed == 0 && k == 0); k++)
				if (nallowed == 0 || res->causes[i].cause == allowed[k]) {
					found = res->causes[i].cause;
					snprintf(means, meanssz, "%s", res->causes[i].means);
					done = true;
					break;
				}
	free(res);
	return found;
}

static void
port_text(int port, char *buf, size_t bufsz)
{
	if (port > 0)
		snprintf(buf, bufsz, "%d", port);
	else
		snprintf(buf, bufsz, "%s", "(not logged)");
}

/* The log lines behind the attempt, as its evidence. */
static void
lines_evidence(struct sf_diag_finding *f, const struct sf_attempt *a)
{
	size_t i;

	for (i = 0; i < a->nlines && f->nevidence < SF_DIAG_MAX_EVIDENCE; i++)
		sf_diag_evidence(f, "log: %.400s", a->lines[i]);
}

static bool
login_refused(const struct sf_diag_input *in, const struct sf_attempt *a, struct sf_diag_finding *f)
{
	/* As the probe's refused login is read (rules.c). */
	static const enum sf_cause causes[] = { SF_CAUSE_WRONG_CREDENTIALS,
		SF_CAUSE_BASIC_AUTH_DISABLED, SF_CAUSE_APP_PASSWORD_REQUIRED,
		SF_CAUSE_AUTH_BACKEND_FAILURE, SF_CAUSE_ACCOUNT_SUSPENDED, SF_CAUSE_IP_BLOCKED,
		SF_CAUSE_RATE_LIMITED, SF_CAUSE_AUTH_MECHANISM_MISMATCH };
	char means[SF_DIAG_TEXT_MAX], text[2 * SF_EVENT_TEXT_MAX + 4],
		reason[SF_EVENT_TEXT_MAX + 8];
	enum sf_cause cause;

	snprintf(text, sizeof text, "%s", a->login_text);
	cause = recognize(in, text, causes, sizeof causes / sizeof causes[0],
		SF_CAUSE_WRONG_CREDENTIALS, means, sizeof means);
	if (cause == SF_CAUSE_WRONG_CREDENTIALS) {
		const char *facts[] = { "reason", reason, NULL };

		reason[0] = '\0';
		if (a->login_reason[0] != '\0')
			snprintf(reason, sizeof reason, " (%s)", a->login_reason);
		sf_diag_say_key(f, cause, SF_SEV_PROBLEM, 0.9, "attempt-login-refused", facts);
	} else {
		const char *facts[] = { "means", means, NULL };

		sf_diag_say_key(
			f, cause, SF_SEV_PROBLEM, 0.85, "attempt-login-refused-other", facts);
	}
	return true;
}

/* A TLS handshake that failed: on a port that expects TLS at once, a
 * program that did not start it; on a plain port, a program that started
 * TLS at once; otherwise what the words say (a certificate the program
 * refused, versions or ciphers with nothing in common). */
static bool
tls_failed(const struct sf_diag_input *in, const struct sf_attempt *a, struct sf_diag_finding *f)
{
	static const enum sf_cause causes[] = { SF_CAUSE_TLS_CERT_UNTRUSTED,
		SF_CAUSE_TLS_CERT_NAME_MISMATCH, SF_CAUSE_TLS_CERT_EXPIRED,
		SF_CAUSE_TLS_PROTOCOL_MISMATCH, SF_CAUSE_TLS_MODE_MISMATCH };
	char port[16], means[SF_DIAG_TEXT_MAX];
	const char *facts[] = { "port", port, "reply", a->tls_text, "means", means, NULL };
	bool spoke = a->commands[0] != '\0' || a->login != SF_LOGIN_NONE || a->refused;
	enum sf_cause cause;

	port_text(a->port, port, sizeof port);
	if (sf_policy_implicit_tls(in->policy, a->port) && !spoke) {
		sf_diag_say_key(f, SF_CAUSE_TLS_MODE_MISMATCH, SF_SEV_PROBLEM, 0.75,
			"attempt-plain-on-tls-port", facts);
		return true;
	}
	cause = recognize(in, a->tls_text, causes, sizeof causes / sizeof causes[0],
		SF_CAUSE_TLS_PROTOCOL_MISMATCH, means, sizeof means);
	if (means[0] == '\0')
		snprintf(means, sizeof means, "%s", a->tls_text);
	sf_diag_say_key(f, cause, SF_SEV_PROBLEM, 0.6, "attempt-tls-failed", facts);
	return true;
}

/* Exim's input="\026\003...": the bytes of a TLS handshake where a
 * command was due. */
static bool
tls_hello_as_command(const struct sf_attempt *a)
{
	return strstr(a->refused_text, "\\026\\003") != NULL ||
	       strstr(a->refused_text, "\\x16\\x03") != NULL;
}

/* Mail refused, or the connection dropped, before or without a login. */
static bool
refused_without_login(
	const struct sf_diag_input *in, const struct sf_attempt *a, struct sf_diag_finding *f)
{
	static const enum sf_cause relay[] = { SF_CAUSE_AUTH_REQUIRES_TLS,
		SF_CAUSE_CLIENT_NOT_AUTHENTICATING };
	char port[16], means[SF_DIAG_TEXT_MAX], reply[SF_EVENT_TEXT_MAX + 40];
	const char *facts[] = { "port", port, "reply", reply, "means", means, NULL };
	enum sf_cause cause;

	port_text(a->port, port, sizeof port);
	snprintf(reply, sizeof reply, "%s%s", a->refused_text[0] ? a->refused_text : "no words",
		a->dropped ? ", and it hung up" : "");
	cause = recognize(in, a->refused_text, relay, sizeof relay / sizeof relay[0],
		SF_CAUSE_CLIENT_NOT_AUTHENTICATING, means, sizeof means);
	/* Without TLS, on a server that offers login only under TLS, the
	 * program could not have logged in: the founding case. Postfix's
	 * submission service refuses MAIL before TLS without a word in its
	 * log only when it requires encryption (Debian's stock setting), and
	 * then offers no login before it either. */
	if (a->tls == 0 && (login_needs_tls(in) || cause == SF_CAUSE_AUTH_REQUIRES_TLS ||
				   (a->source == SF_SOURCE_POSTFIX && a->port == 587 &&
					   strchr(a->refused_text, ':') == NULL))) {
		sf_diag_say_key(f, SF_CAUSE_AUTH_REQUIRES_TLS, SF_SEV_PROBLEM,
			login_needs_tls(in) ? 0.95 : 0.8, "attempt-no-tls-no-login", facts);
		return true;
	}
	sf_diag_say_key(f, SF_CAUSE_CLIENT_NOT_AUTHENTICATING, SF_SEV_PROBLEM, 0.85,
		"attempt-no-login", facts);
	return true;
}

static bool
refused_after_login(
	const struct sf_diag_input *in, const struct sf_attempt *a, struct sf_diag_finding *f)
{
	char means[SF_DIAG_TEXT_MAX];
	const char *facts[] = { "means", means, NULL };
	enum sf_cause cause = recognize(
		in, a->refused_text, NULL, 0, SF_CAUSE_SENDER_REJECTED, means, sizeof means);

	if (means[0] == '\0')
		snprintf(means, sizeof means, "%s", a->refused_text);
	sf_diag_say_key(f, cause, SF_SEV_PROBLEM, 0.7, "attempt-refused-after-login", facts);
	return true;
}

static bool
judge(const struct sf_diag_input *in, const struct sf_attempt *a, struct sf_diag_finding *f)
{
	char port[16], reply[SF_EVENT_TEXT_MAX];
	const char *facts[] = { "port", port, "reply", reply, NULL };

	port_text(a->port, port, sizeof port);
	snprintf(reply, sizeof reply, "%s", a->tls_text);
	if (a->login == SF_LOGIN_PLAINTEXT ||
		(a->login == SF_LOGIN_UNADVERTISED && a->tls == 0 && login_needs_tls(in))) {
		sf_diag_say_key(f, SF_CAUSE_AUTH_REQUIRES_TLS, SF_SEV_PROBLEM, 0.9,
			"attempt-login-before-tls", facts);
		return true;
	}
	if (a->login == SF_LOGIN_UNADVERTISED) {
		/* Offered under TLS elsewhere, perhaps; on this connection not. */
		if (a->tls == 0) {
			sf_diag_say_key(f, SF_CAUSE_AUTH_REQUIRES_TLS, SF_SEV_PROBLEM, 0.6,
				"attempt-login-before-tls", facts);
			return true;
		}
		sf_diag_say_key(f, SF_CAUSE_AUTH_NOT_OFFERED, SF_SEV_PROBLEM, 0.7,
			"attempt-login-not-offered", facts);
		return true;
	}
	if (a->login == SF_LOGIN_REFUSED)
		return login_refused(in, a, f);
	if (a->refused && tls_hello_as_command(a)) {
		sf_diag_say_key(f, SF_CAUSE_TLS_MODE_MISMATCH, SF_SEV_PROBLEM, 0.9,
			"attempt-tls-on-plain-port", facts);
		return true;
	}
	if (a->tls_failed && a->messages == 0 && a->login != SF_LOGIN_ACCEPTED)
		return tls_failed(in, a, f);
	if ((a->refused || a->dropped) && a->login != SF_LOGIN_ACCEPTED)
		return refused_without_login(in, a, f);
	if (a->refused)
		return refused_after_login(in, a, f);
	/* Connected without TLS and left without a word of login or mail, on
	 * a server that offers login only under TLS: what a program set to
	 * no encryption does when it finds no login to use. */
	if (a->closed && a->messages == 0 && a->login == SF_LOGIN_NONE && a->tls == 0 &&
		a->source == SF_SOURCE_EXIM && a->commands[0] != '\0' && login_needs_tls(in) &&
		strstr(a->commands, "MAIL") == NULL) {
		sf_diag_say_key(f, SF_CAUSE_AUTH_REQUIRES_TLS, SF_SEV_PROBLEM, 0.6,
			"attempt-gave-up-without-tls", facts);
		return true;
	}
	/* Dovecot's submission service: a session without TLS that never
	 * tried to log in. Dovecot offers no plain-text login unless it was
	 * allowed (disable_plaintext_auth = no), so a program set to no
	 * encryption ends so. */
	if (a->source == SF_SOURCE_DOVECOT && a->proto == SF_PROTO_SMTP && a->no_auth_attempts &&
		a->tls == 0 &&
		!(in->policy != NULL && in->policy->dovecot_plaintext.value == SF_TRI_YES)) {
		sf_diag_say_key(f, SF_CAUSE_AUTH_REQUIRES_TLS, SF_SEV_PROBLEM, 0.6,
			"attempt-gave-up-without-tls", facts);
		return true;
	}
	/* A program that starts TLS at once on a plain port: the server's
	 * greeting reaches it as garbage and it hangs up before any command. */
	if (a->closed && a->messages == 0 && a->login == SF_LOGIN_NONE && a->tls == 0 &&
		a->source == SF_SOURCE_EXIM && a->commands[0] == '\0' && !a->refused &&
		!a->tls_failed && a->nlines >= 2 && a->port > 0 &&
		!sf_policy_implicit_tls(in->policy, a->port) &&
		strstr(a->lines[a->nlines - 1], "no MAIL") != NULL &&
		strstr(a->lines[a->nlines - 2], " lost") != NULL) {
		sf_diag_say_key(f, SF_CAUSE_TLS_MODE_MISMATCH, SF_SEV_WARNING, 0.5,
			"attempt-tls-on-plain-port", facts);
		return true;
	}
	return false;
}

bool
sf_rule_attempt(const struct sf_diag_input *in, struct sf_diag_finding *f)
{
	const struct sf_attempt *a = in->attempt;

	if (a == NULL || !judge(in, a, f))
		return false;
	lines_evidence(f, a);
	return true;
}
