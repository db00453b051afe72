#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "smtpfix/probe.h"

static bool problem(char *why, size_t whysz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool
problem(char *why, size_t whysz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whysz, fmt, ap);
	va_end(ap);
	return false;
}

static void
first_line(const struct sf_reply *r, char *out, size_t outsz)
{
	size_t len;
	const char *t = sf_reply_first_line(r, &len);

	snprintf(out, outsz, "%d %.*s", r->code, (int)(len > 200 ? 200 : len), t);
}

bool
sf_target_healthy(const struct sf_target_result *t, char *why, size_t whysz)
{
	const struct sf_session_result *s = &t->smtp;
	const struct sf_ehlo *caps;
	char line[256];

	if (!t->connect_ok)
		return problem(why, whysz, "%s", t->connect_err.message);
	if (t->tls_attempted && !t->tls.handshake_ok)
		return problem(why, whysz, "TLS handshake failed: %s", t->tls.handshake_error);
	if (s->greeting.replied && s->greeting.reply.code / 100 != 2) {
		first_line(&s->greeting.reply, line, sizeof line);
		return problem(why, whysz, "the server refused the session: %s", line);
	}
	/* A conversation that broke before RCPT was answered, or while the
	 * test message went out, failed whatever came before. */
	if (s->fail_code != SF_OK && (!s->rcpt.replied || s->fail_step == SF_STEP_DATA ||
					     s->fail_step == SF_STEP_MESSAGE))
		return problem(why, whysz, "%s", s->fail_message);
	if (t->mode == SF_MODE_STARTTLS && !s->tls_active) {
		if (s->caps_valid && !s->starttls_offered)
			return problem(
				why, whysz, "the server does not offer STARTTLS on this port");
		if (s->starttls.replied) {
			first_line(&s->starttls.reply, line, sizeof line);
			return problem(why, whysz, "the server refused STARTTLS: %s", line);
		}
		return problem(why, whysz, "TLS was not started");
	}
	if (t->tls_attempted && t->tls.verdict != SF_CERT_OK)
		return problem(why, whysz, "certificate problem (%s): %s",
			sf_cert_verdict_id(t->tls.verdict), t->tls.verify_detail);
	if (t->purpose == SF_PURPOSE_LOGIN) {
		if (s->auth_outcome != SF_AUTH_OK)
			return problem(why, whysz, "the login test did not pass (%s)",
				sf_auth_outcome_id(s->auth_outcome));
		if (s->rcpt.replied && s->rcpt.reply.code / 100 != 2) {
			first_line(&s->rcpt.reply, line, sizeof line);
			return problem(why, whysz, "logged in, but sending was refused: %s", line);
		}
		if (why != NULL && whysz > 0)
			why[0] = '\0';
		return true;
	}
	caps = s->tls_active ? &s->caps_tls : &s->caps;
	if (!(s->tls_active ? s->caps_tls_valid : s->caps_valid))
		return problem(why, whysz, "the server did not answer EHLO with its extensions");
	if (!caps->auth_offered || caps->nauth == 0) {
		if (!s->tls_active && s->caps.starttls)
			return problem(why, whysz,
				"login (AUTH) is not offered without encryption: a mail program "
				"set to no encryption cannot log in");
		return problem(why, whysz, "the server offers no login (AUTH) on this connection");
	}
	if (s->rcpt.replied && s->rcpt.reply.code / 100 == 2)
		return problem(why, whysz,
			"the server accepted mail for an outside address without a login (it may "
			"relay for anyone)");
	if (why != NULL && whysz > 0)
		why[0] = '\0';
	return true;
}
