/* From the targets of a whole-host probe to what a person needs: the
 * server's policy per port, what each mail-program setting will meet,
 * and one setting to use. Pure: it only reads results. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "smtpfix/help.h"
#include "smtpfix/probe.h"

const char *
sf_security_id(enum sf_security s)
{
	switch (s) {
	case SF_SEC_NONE: return "none";
	case SF_SEC_STARTTLS: return "starttls";
	case SF_SEC_TLS: return "tls";
	}
	return "?";
}

const char *
sf_cert_name_check_id(enum sf_cert_name_check c)
{
	switch (c) {
	case SF_CERT_NAME_LEADS_HERE: return "leads-here";
	case SF_CERT_NAME_ELSEWHERE: return "elsewhere";
	case SF_CERT_NAME_NO_ADDRESS: return "no-address";
	case SF_CERT_NAME_NOT_HOST: return "not-a-host-name";
	}
	return "?";
}

/* The first certificate name checked to lead to the address behind a
 * cell, or NULL. */
static const struct sf_cert_name *
verified_cert_name(const struct sf_probe_result *res, long source)
{
	size_t i;

	if (source < 0)
		return NULL;
	for (i = 0; i < res->ncert_names; i++)
		if (res->cert_names[i].check == SF_CERT_NAME_LEADS_HERE &&
			strcmp(res->cert_names[i].probed, res->targets[source].address) == 0)
			return &res->cert_names[i];
	return NULL;
}

static const struct {
	enum sf_outcome o;
	const char *id, *words;
	bool cert;
} outcomes[] = {
	{ SF_OUT_NOT_PROBED, "not-probed", "not probed", false },
	{ SF_OUT_PORT_CLOSED, "port-closed", "port closed", false },
	{ SF_OUT_PORT_FILTERED, "port-filtered", "port filtered (no answer)", false },
	{ SF_OUT_UNREACHABLE, "unreachable", "unreachable", false },
	{ SF_OUT_ERROR, "error", "error", false },
	{ SF_OUT_NO_EXTENSIONS, "no-extensions", "no extensions listed", false },
	{ SF_OUT_WORKS, "works", "works", false },
	{ SF_OUT_AUTH_NOT_OFFERED, "auth-not-offered", "login not offered", false },
	{ SF_OUT_AUTH_REFUSED, "auth-refused", "login listed, but refused when used", false },
	{ SF_OUT_REJECTED, "rejected", "refused without login", false },
	{ SF_OUT_UNKNOWN, "unknown", "unknown", false },
	{ SF_OUT_HANGS_NO_GREETING, "hangs-no-greeting", "hangs, no greeting", false },
	{ SF_OUT_STARTTLS_NOT_OFFERED, "starttls-not-offered", "STARTTLS not offered", false },
	{ SF_OUT_STARTTLS_REFUSED, "starttls-refused", "STARTTLS refused", false },
	{ SF_OUT_TLS_HANDSHAKE_FAILS, "tls-handshake-fails", "TLS handshake fails", false },
	{ SF_OUT_CERT_NAME_MISMATCH, "cert-name-mismatch", "certificate name mismatch", true },
	{ SF_OUT_CERT_EXPIRED, "cert-expired", "certificate expired", true },
	{ SF_OUT_CERT_NOT_YET_VALID, "cert-not-yet-valid", "certificate not yet valid", true },
	{ SF_OUT_CERT_SELF_SIGNED, "cert-self-signed", "certificate self-signed", true },
	{ SF_OUT_CERT_UNTRUSTED, "cert-untrusted", "certificate untrusted", true },
	{ SF_OUT_WRONG_CREDENTIALS, "wrong-credentials", "login refused (password?)", false },
	{ SF_OUT_SENDER_REJECTED, "sender-rejected", "sender refused after login", false },
	{ SF_OUT_DEFERRED_AFTER_LOGIN, "deferred-after-login",
		"mail put off after login (try later)", false },
	{ SF_OUT_AUTH_MECHANISM_MISMATCH, "auth-mechanism-mismatch", "no common login method",
		false },
	{ SF_OUT_BREAKS_AT_MAIL, "breaks-at-mail", "breaks off when mail is sent", false },
	{ SF_OUT_LOGIN_OFFERED, "login-offered",
		"login offered (the password was refused elsewhere)", false },
};

static const struct {
	enum sf_port_status s;
	const char *id, *words;
} port_statuses[] = {
	{ SF_PORT_NOT_PROBED, "not-probed", "not probed" },
	{ SF_PORT_OPEN, "open", "open" },
	{ SF_PORT_CLOSED, "closed", "closed (refused)" },
	{ SF_PORT_FILTERED, "filtered", "no answer (filtered)" },
	{ SF_PORT_UNREACHABLE, "unreachable", "unreachable" },
	{ SF_PORT_NO_GREETING, "no-greeting", "connects, but no greeting" },
	{ SF_PORT_ERROR, "error", "error" },
};

static const struct {
	enum sf_auth_policy a;
	const char *id, *words;
} auth_policies[] = {
	{ SF_AUTHP_UNKNOWN, "unknown", "unknown" },
	{ SF_AUTHP_WITHOUT_TLS, "without-tls", "offered without encryption" },
	{ SF_AUTHP_AFTER_STARTTLS_ONLY, "after-starttls-only", "only after STARTTLS" },
	{ SF_AUTHP_IMPLICIT_TLS_ONLY, "implicit-tls-only", "only over SSL/TLS" },
	{ SF_AUTHP_NOT_OFFERED, "not-offered", "NOT offered" },
	{ SF_AUTHP_LISTED_REFUSED, "listed-refused", "listed, but REFUSED when started" },
};

/* Rows are in the enums' order; a value out of range reads as the first. */
const char *
sf_port_status_id(enum sf_port_status s)
{
	return port_statuses[(size_t)s < sizeof port_statuses / sizeof port_statuses[0] ? s : 0].id;
}

const char *
sf_port_status_words(enum sf_port_status s)
{
	return port_statuses[(size_t)s < sizeof port_statuses / sizeof port_statuses[0] ? s : 0]
		.words;
}

const char *
sf_auth_policy_id(enum sf_auth_policy a)
{
	return auth_policies[(size_t)a < sizeof auth_policies / sizeof auth_policies[0] ? a : 0].id;
}

const char *
sf_auth_policy_words(enum sf_auth_policy a)
{
	return auth_policies[(size_t)a < sizeof auth_policies / sizeof auth_policies[0] ? a : 0]
		.words;
}

/* The table's row for o; the "error" row for a value not in it. */
static size_t
outcome_row(enum sf_outcome o)
{
	size_t i, error_row = 0;

	for (i = 0; i < sizeof outcomes / sizeof outcomes[0]; i++) {
		if (outcomes[i].o == o)
			return i;
		if (outcomes[i].o == SF_OUT_ERROR)
			error_row = i;
	}
	return error_row;
}

const char *
sf_outcome_id(enum sf_outcome o)
{
	return outcomes[outcome_row(o)].id;
}

const char *
sf_outcome_words(enum sf_outcome o)
{
	return outcomes[outcome_row(o)].words;
}

bool
sf_outcome_is_cert(enum sf_outcome o)
{
	return outcomes[outcome_row(o)].cert;
}

/* The targets that speak for one port: the main probe at the first
 * address that answered (else the first address), and its follow-ups. */
struct evidence {
	const struct sf_target_result *main, *plain, *tls, *login;
	long main_i, plain_i, tls_i, login_i;
};

static void
gather(const struct sf_probe_result *res, int port, struct evidence *ev)
{
	const char *addr = NULL;
	size_t i;

	memset(ev, 0, sizeof *ev);
	ev->main_i = ev->plain_i = ev->tls_i = ev->login_i = -1;
	for (i = 0; i < res->ntargets; i++) {
		const struct sf_target_result *t = &res->targets[i];

		if (t->port == port && t->purpose == SF_PURPOSE_MAIN && t->connect_ok) {
			addr = t->address;
			break;
		}
	}
	for (i = 0; i < res->ntargets; i++) {
		const struct sf_target_result *t = &res->targets[i];

		if (t->port != port || (addr != NULL && strcmp(t->address, addr) != 0))
			continue;
		if (t->purpose == SF_PURPOSE_MAIN && ev->main == NULL) {
			ev->main = t;
			ev->main_i = (long)i;
			addr = t->address;
		} else if (t->purpose == SF_PURPOSE_PLAIN && ev->plain == NULL) {
			ev->plain = t;
			ev->plain_i = (long)i;
		} else if (t->purpose == SF_PURPOSE_TLS && ev->tls == NULL) {
			ev->tls = t;
			ev->tls_i = (long)i;
		} else if (t->purpose == SF_PURPOSE_LOGIN && ev->login == NULL) {
			ev->login = t;
			ev->login_i = (long)i;
		}
	}
}

static bool
greeted(const struct sf_target_result *t)
{
	return t != NULL && t->smtp.greeting.replied && t->smtp.greeting.reply.code / 100 == 2;
}

static void
first_line(const struct sf_reply *r, char *out, size_t outsz)
{
	const char *t = r->text ? r->text : "";
	size_t i, n = 0;

	/* The whole reply on one line: servers wrap long refusals. */
	n = (size_t)snprintf(out, outsz, "%d ", r->code);
	for (i = 0; t[i] != '\0' && n + 1 < outsz; i++)
		out[n++] = t[i] == '\n' ? ' ' : t[i];
	out[n < outsz ? n : outsz - 1] = '\0';
}

/* Facts for a message: name, value pairs. */
#define FACTS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* A cell: its outcome, and its message from help/diagnosis/matrix.txt
 * filled with the facts the analysis found. */
static void
cell_say(struct sf_matrix_cell *c, enum sf_outcome outcome, bool observed, long source,
	const char *key, const char *const *facts)
{
	c->outcome = outcome;
	c->observed = observed;
	c->source = source;
	sf_help_fill("diagnosis/matrix.txt", key, facts, c->message, sizeof c->message);
}

static const char *
port_text(int port, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "%d", port);
	return buf;
}

/* The connection never got as far as SMTP: the same for every setting. */
static bool
unreachable_cell(struct sf_matrix_cell *c, const struct evidence *ev)
{
	const struct sf_target_result *m = ev->main;
	char port[8];

	if (m == NULL) {
		cell_say(c, SF_OUT_NOT_PROBED, false, -1, "not-probed", NULL);
		return true;
	}
	if (m->connect_ok)
		return false;
	if (m->connect_err.code == SF_E_REFUSED)
		cell_say(c, SF_OUT_PORT_CLOSED, true, ev->main_i, "port-closed",
			FACTS("port", port_text(m->port, port, sizeof port)));
	else if (m->connect_err.code == SF_E_TIMEOUT)
		cell_say(c, SF_OUT_PORT_FILTERED, true, ev->main_i, "port-filtered",
			FACTS("port", port_text(m->port, port, sizeof port)));
	else
		cell_say(c, SF_OUT_UNREACHABLE, true, ev->main_i, "detail",
			FACTS("detail", m->connect_err.message));
	return true;
}

static bool
cert_problem(struct sf_matrix_cell *c, const struct sf_target_result *t, long src)
{
	static const struct {
		enum sf_cert_verdict v;
		enum sf_outcome outcome;
	} map[] = {
		{ SF_CERT_NAME_MISMATCH, SF_OUT_CERT_NAME_MISMATCH },
		{ SF_CERT_EXPIRED, SF_OUT_CERT_EXPIRED },
		{ SF_CERT_NOT_YET_VALID, SF_OUT_CERT_NOT_YET_VALID },
		{ SF_CERT_SELF_SIGNED, SF_OUT_CERT_SELF_SIGNED },
		{ SF_CERT_UNTRUSTED, SF_OUT_CERT_UNTRUSTED },
	};
	size_t i;

	for (i = 0; i < sizeof map / sizeof map[0]; i++) {
		if (t->tls.verdict == map[i].v) {
			cell_say(c, map[i].outcome, true, src, "certificate",
				FACTS("detail", t->tls.verify_detail));
			return true;
		}
	}
	return false;
}

/* The conversation broke once mail was offered (no answer, a reset, a
 * hang-up, a flood or garbage after MAIL FROM or RCPT TO): a program that
 * gets that far cannot send, whatever the server listed before. */
static bool
broke_at_mail(const struct sf_session_result *s)
{
	return s->fail_code != SF_OK &&
	       (s->fail_step == SF_STEP_MAIL || s->fail_step == SF_STEP_RCPT ||
		       s->fail_step == SF_STEP_DATA || s->fail_step == SF_STEP_MESSAGE);
}

static void
broke_cell(struct sf_matrix_cell *c, const struct sf_session_result *s, long src, bool logged_in)
{
	cell_say(c, SF_OUT_BREAKS_AT_MAIL, true, src,
		logged_in ? "login-then-breaks" : "breaks-at-mail",
		FACTS("step", sf_step_name(s->fail_step), "detail", s->fail_message));
}

/* What a program meets once its connection is in the state t shows
 * (plain text or TLS): login offered or not, mail without login taken or
 * refused. caps says which EHLO applies. */
static void
conversation_cell(struct sf_matrix_cell *c, const struct sf_target_result *t, long src,
	const struct sf_ehlo *caps, bool caps_valid, bool observed)
{
	const struct sf_session_result *s = &t->smtp;
	char line[SF_MESSAGE_MAX];

	if (caps_valid && broke_at_mail(s)) {
		broke_cell(c, s, src, false);
		return;
	}
	if (!caps_valid) {
		if (s->fail_code != SF_OK)
			cell_say(c, SF_OUT_ERROR, true, src, "detail",
				FACTS("detail", s->fail_message));
		else
			cell_say(c, SF_OUT_NO_EXTENSIONS, true, src, "no-extensions", NULL);
		return;
	}
	if (c->auth) {
		if (s->auth_check_refused && (caps == &s->caps_tls) == s->auth_check_under_tls) {
			first_line(&s->auth_check.reply, line, sizeof line);
			cell_say(c, SF_OUT_AUTH_REFUSED, true, src, "auth-refused",
				FACTS("reply", line));
		} else if (caps->auth_offered && caps->nauth > 0)
			cell_say(c, SF_OUT_WORKS, observed, src, "login-offered", NULL);
		else
			cell_say(c, SF_OUT_AUTH_NOT_OFFERED, observed, src, "auth-not-offered",
				NULL);
		return;
	}
	if (s->mail.replied && s->mail.reply.code / 100 != 2) {
		first_line(&s->mail.reply, line, sizeof line);
		cell_say(c, SF_OUT_REJECTED, observed, src, "rejected", FACTS("reply", line));
	} else if (s->rcpt.replied && s->rcpt.reply.code / 100 != 2) {
		first_line(&s->rcpt.reply, line, sizeof line);
		cell_say(c, SF_OUT_REJECTED, observed, src,
			s->rcpt.disconnected ? "rejected-hangs-up" : "rejected",
			FACTS("reply", line));
	} else if (s->rcpt.replied) {
		cell_say(c, SF_OUT_WORKS, observed, src, "relays", NULL);
	} else {
		cell_say(c, SF_OUT_UNKNOWN, false, src, "no-mail-test", NULL);
	}
}

static void
none_cell(struct sf_matrix_cell *c, const struct evidence *ev)
{
	char port[8];
	const struct sf_target_result *m = ev->main;
	const struct sf_target_result *src = NULL;
	long si = -1;

	/* The conversation in plain text: the plain follow-up (made for just
	 * this), else the main probe when it stayed in plain text. */
	if (ev->plain != NULL && greeted(ev->plain)) {
		src = ev->plain;
		si = ev->plain_i;
	} else if (m->mode != SF_MODE_TLS && !m->smtp.tls_active && greeted(m)) {
		src = m;
		si = ev->main_i;
	}
	if (src != NULL) {
		conversation_cell(c, src, si, &src->smtp.caps, src->smtp.caps_valid, true);
		return;
	}
	if (m->mode == SF_MODE_TLS && m->tls.handshake_ok) {
		cell_say(c, SF_OUT_HANGS_NO_GREETING, false, ev->main_i, "hangs-tls-first",
			FACTS("port", port_text(m->port, port, sizeof port)));
		return;
	}
	if (m->smtp.fail_code == SF_E_TIMEOUT && !m->smtp.greeting.replied) {
		cell_say(c, SF_OUT_HANGS_NO_GREETING, true, ev->main_i, "hangs", NULL);
		return;
	}
	/* The plain-text follow-up is what a program set to no encryption
	 * meets; the main probe's TLS error is not. */
	if (ev->plain != NULL && !ev->plain->smtp.greeting.replied &&
		ev->plain->smtp.fail_code == SF_E_TIMEOUT) {
		cell_say(c, SF_OUT_HANGS_NO_GREETING, true, ev->plain_i, "hangs", NULL);
		return;
	}
	if (m->smtp.fail_message[0])
		cell_say(c, SF_OUT_ERROR, true, ev->main_i, "detail",
			FACTS("detail", m->smtp.fail_message));
	else
		cell_say(c, SF_OUT_ERROR, true, ev->main_i, "no-answer", NULL);
}

static void
starttls_cell(struct sf_matrix_cell *c, const struct evidence *ev)
{
	char port[8];
	const struct sf_target_result *m = ev->main, *src = m;
	const struct sf_session_result *s;
	char line[SF_MESSAGE_MAX];
	long si = ev->main_i;

	if (m->mode == SF_MODE_TLS) {
		/* The main probe used implicit TLS; a STARTTLS program first
		 * waits for a plain greeting. The plain follow-up shows if there
		 * is one. */
		if (ev->plain != NULL && greeted(ev->plain)) {
			src = ev->plain;
			si = ev->plain_i;
		} else if (m->tls.handshake_ok ||
			   (ev->plain != NULL && !ev->plain->smtp.greeting.replied &&
				   ev->plain->smtp.fail_code == SF_E_TIMEOUT)) {
			cell_say(c, SF_OUT_HANGS_NO_GREETING, false, ev->main_i,
				"hangs-tls-not-starttls",
				FACTS("port", port_text(m->port, port, sizeof port)));
			return;
		} else {
			cell_say(c, SF_OUT_ERROR, true, ev->main_i, "detail",
				FACTS("detail", m->tls.handshake_error));
			return;
		}
	}
	s = &src->smtp;
	if (!greeted(src)) {
		if (s->fail_code == SF_E_TIMEOUT)
			cell_say(c, SF_OUT_HANGS_NO_GREETING, true, si, "hangs", NULL);
		else if (s->fail_message[0])
			cell_say(c, SF_OUT_ERROR, true, si, "detail",
				FACTS("detail", s->fail_message));
		else
			cell_say(c, SF_OUT_ERROR, true, si, "no-answer", NULL);
		return;
	}
	if (s->caps_valid && !s->starttls_offered) {
		cell_say(c, SF_OUT_STARTTLS_NOT_OFFERED, true, si, "starttls-not-offered", NULL);
		return;
	}
	if (!s->caps_valid) {
		conversation_cell(c, src, si, &s->caps, false, true);
		return;
	}
	if (s->starttls.replied && s->starttls.reply.code != 220) {
		first_line(&s->starttls.reply, line, sizeof line);
		cell_say(c, SF_OUT_STARTTLS_REFUSED, true, si, "starttls-refused",
			FACTS("reply", line));
		return;
	}
	if (!s->starttls.sent) {
		cell_say(c, SF_OUT_UNKNOWN, false, si, "starttls-not-tried", NULL);
		return;
	}
	if (s->starttls_trailing) {
		/* smtpfix refuses to go on: what follows could be injected. */
		cell_say(c, SF_OUT_ERROR, true, si, "starttls-injection", NULL);
		return;
	}
	if (!src->tls.handshake_ok) {
		cell_say(c, SF_OUT_TLS_HANDSHAKE_FAILS, true, si, "tls-fails",
			FACTS("detail", src->tls.handshake_error[0] ? src->tls.handshake_error
								    : "no reason given"));
		return;
	}
	if (cert_problem(c, src, si))
		return;
	conversation_cell(c, src, si, &s->caps_tls, s->caps_tls_valid, true);
}

static void
tls_cell(struct sf_matrix_cell *c, const struct evidence *ev)
{
	char port[8];
	const struct sf_target_result *t = ev->main->mode == SF_MODE_TLS ? ev->main : ev->tls;
	long ti = ev->main->mode == SF_MODE_TLS ? ev->main_i : ev->tls_i;

	if (t == NULL) {
		if (greeted(ev->main))
			cell_say(c, SF_OUT_TLS_HANDSHAKE_FAILS, false, ev->main_i,
				"tls-fails-plain",
				FACTS("port", port_text(ev->main->port, port, sizeof port)));
		else
			cell_say(c, SF_OUT_UNKNOWN, false, -1, "tls-not-tried", NULL);
		return;
	}
	if (!t->connect_ok) {
		cell_say(c, SF_OUT_ERROR, true, ti, "detail",
			FACTS("detail", t->connect_err.message));
		return;
	}
	if (!t->tls.handshake_ok) {
		cell_say(c, SF_OUT_TLS_HANDSHAKE_FAILS, true, ti, "tls-fails",
			FACTS("detail", t->tls.handshake_error));
		return;
	}
	if (cert_problem(c, t, ti))
		return;
	if (!greeted(t)) {
		if (t->smtp.fail_message[0])
			cell_say(c, SF_OUT_ERROR, true, ti, "detail",
				FACTS("detail", t->smtp.fail_message));
		else
			cell_say(c, SF_OUT_ERROR, true, ti, "no-greeting-tls", NULL);
		return;
	}
	conversation_cell(c, t, ti, &t->smtp.caps_tls, t->smtp.caps_tls_valid,
		t->smtp.rcpt.replied || c->auth);
}

/* The login test overrides the "auth on" cell it ran on. */
static void
apply_login(struct sf_matrix_cell *c, const struct evidence *ev)
{
	const struct sf_target_result *l = ev->login;
	const struct sf_session_result *s;
	char line[SF_MESSAGE_MAX];
	enum sf_security sec;

	if (l == NULL || !c->auth)
		return;
	sec = l->mode == SF_MODE_TLS ? SF_SEC_TLS
	      : l->smtp.tls_active   ? SF_SEC_STARTTLS
				     : SF_SEC_NONE;
	if (sec != c->security)
		return;
	s = &l->smtp;
	if (sf_outcome_is_cert(c->outcome)) {
		/* The certificate is what the program meets first; the login
		 * result is told, not put in its place. */
		size_t len = strlen(c->message);

		if (s->auth_outcome == SF_AUTH_OK || s->auth_outcome == SF_AUTH_REFUSED)
			sf_help_fill("diagnosis/matrix.txt",
				s->auth_outcome == SF_AUTH_OK ? "past-login-ok"
							      : "past-login-refused",
				NULL, c->message + len, sizeof c->message - len);
		return;
	}
	switch (s->auth_outcome) {
	case SF_AUTH_OK:
		if (broke_at_mail(s)) {
			broke_cell(c, s, ev->login_i, true);
		} else if ((s->mail.replied && s->mail.reply.code / 100 != 2) ||
			   (s->rcpt.replied && s->rcpt.reply.code / 100 != 2)) {
			const struct sf_exchange *x =
				s->mail.reply.code / 100 != 2 ? &s->mail : &s->rcpt;
			bool later = x->reply.code / 100 == 4;

			first_line(&x->reply, line, sizeof line);
			cell_say(c, later ? SF_OUT_DEFERRED_AFTER_LOGIN : SF_OUT_SENDER_REJECTED,
				true, ev->login_i,
				x->disconnected ? "mail-after-login-hangs-up" : "mail-after-login",
				FACTS("refused", later ? "puts off" : "refuses", "step",
					x == &s->mail ? "MAIL FROM" : "RCPT TO", "reply", line));
		} else {
			cell_say(c, SF_OUT_WORKS, true, ev->login_i, "login-works",
				FACTS("mechanism", s->auth_mechanism));
		}
		return;
	case SF_AUTH_REFUSED:
		first_line(&s->auth.reply, line, sizeof line);
		cell_say(c, SF_OUT_WRONG_CREDENTIALS, true, ev->login_i, "login-refused",
			FACTS("reply", line));
		return;
	case SF_AUTH_NO_MECHANISM:
		cell_say(c, SF_OUT_AUTH_MECHANISM_MISMATCH, true, ev->login_i,
			"no-common-mechanism", NULL);
		return;
	case SF_AUTH_NOT_OFFERED:
	case SF_AUTH_NO_TLS:
	case SF_AUTH_NOT_TRIED: return;
	}
}

static void
port_policy(struct sf_port_policy *p, const struct evidence *ev)
{
	const struct sf_target_result *m = ev->main;
	const struct sf_target_result *plain = NULL, *tls_conn = NULL, *unauth = NULL;
	bool plain_auth, tls_auth, listed_refused;

	memset(p, 0, sizeof *p);
	p->main_index = ev->main_i;
	p->plain_index = ev->plain_i;
	p->tls_index = ev->tls_i;
	p->auth = SF_AUTHP_UNKNOWN;
	if (m == NULL) {
		p->status = SF_PORT_NOT_PROBED;
		return;
	}
	p->port = m->port;
	snprintf(p->address, sizeof p->address, "%s", m->address);
	if (!m->connect_ok) {
		p->status = m->connect_err.code == SF_E_REFUSED   ? SF_PORT_CLOSED
			    : m->connect_err.code == SF_E_TIMEOUT ? SF_PORT_FILTERED
								  : SF_PORT_UNREACHABLE;
		return;
	}
	if (m->mode == SF_MODE_TLS) {
		p->implicit_tls = m->tls.handshake_ok && greeted(m);
		tls_conn = p->implicit_tls ? m : NULL;
		plain = ev->plain != NULL && greeted(ev->plain) ? ev->plain : NULL;
	} else {
		plain = greeted(m) ? m : NULL;
		if (m->smtp.tls_active)
			tls_conn = m;
		p->implicit_tls = ev->tls != NULL && ev->tls->tls.handshake_ok && greeted(ev->tls);
		if (tls_conn == NULL && p->implicit_tls)
			tls_conn = ev->tls;
		if (ev->plain != NULL && greeted(ev->plain))
			plain = ev->plain;
	}
	if (plain != NULL)
		p->starttls =
			plain->smtp.starttls_offered && (plain == m ? m->smtp.tls_active : true);
	if (plain == NULL && tls_conn == NULL) {
		p->status = m->smtp.fail_code == SF_E_TIMEOUT ? SF_PORT_NO_GREETING : SF_PORT_ERROR;
		return;
	}
	/* Greeted, then the conversation broke before EHLO or HELO was
	 * answered (an endless or malformed reply): that is an error too, not
	 * a port that offers nothing. */
	if (tls_conn == NULL && plain != NULL && !plain->smtp.caps_valid &&
		!plain->smtp.helo.replied && plain->smtp.fail_code != SF_OK) {
		p->status = SF_PORT_ERROR;
		return;
	}
	p->status = SF_PORT_OPEN;
	/* Listed before TLS but refused when used counts as not offered there. */
	plain_auth = plain != NULL && plain->smtp.caps_valid && plain->smtp.caps.nauth > 0 &&
		     !(plain->smtp.auth_check_refused && !plain->smtp.auth_check_under_tls);
	tls_auth = tls_conn != NULL && tls_conn->smtp.caps_tls_valid &&
		   tls_conn->smtp.caps_tls.nauth > 0 &&
		   !(tls_conn->smtp.auth_check_refused && tls_conn->smtp.auth_check_under_tls);
	listed_refused = (tls_conn != NULL && tls_conn->smtp.auth_check_refused &&
				 tls_conn->smtp.auth_check_under_tls) ||
			 (plain != NULL && plain->smtp.auth_check_refused &&
				 !plain->smtp.auth_check_under_tls &&
				 !plain->smtp.starttls_offered && !p->implicit_tls);
	if (plain_auth)
		p->auth = SF_AUTHP_WITHOUT_TLS;
	else if (tls_auth && tls_conn->mode == SF_MODE_TLS && !p->starttls)
		p->auth = SF_AUTHP_IMPLICIT_TLS_ONLY;
	else if (tls_auth)
		p->auth = SF_AUTHP_AFTER_STARTTLS_ONLY;
	else if (listed_refused)
		p->auth = SF_AUTHP_LISTED_REFUSED;
	/* "Not offered" only where it is known: TLS got as far as EHLO, or
	 * there is no TLS to get to. */
	else if ((tls_conn != NULL && tls_conn->smtp.caps_tls_valid) ||
		 (plain != NULL && plain->smtp.caps_valid && !plain->smtp.starttls_offered &&
			 !p->implicit_tls))
		p->auth = SF_AUTHP_NOT_OFFERED;
	/* Submission without login: the plain-text answer if there is one
	 * (that is what a misconfigured program meets), else the TLS one. */
	if (plain != NULL && plain->smtp.rcpt.replied)
		unauth = plain;
	else if (plain != NULL && plain->smtp.mail.replied)
		unauth = plain;
	else if (tls_conn != NULL && (tls_conn->smtp.rcpt.replied || tls_conn->smtp.mail.replied))
		unauth = tls_conn;
	if (unauth != NULL) {
		const struct sf_exchange *x = unauth->smtp.mail.reply.code / 100 != 2
						      ? &unauth->smtp.mail
						      : &unauth->smtp.rcpt;

		p->unauth_code = x->reply.code;
		p->unauth_refused = x->reply.code / 100 != 2;
		first_line(&x->reply, p->unauth_text, sizeof p->unauth_text);
	}
}

/* 587 with STARTTLS first: the submission port most programs are already
 * set to, so the usual fix changes only the security setting (the founding
 * "SMTP AUTH is required ... on port 587" case), and the one the error
 * texts and server help name first. SSL/TLS on 465 is as good and next. */
static const struct {
	int port;
	enum sf_security sec;
} preference[] = {
	{ 587, SF_SEC_STARTTLS },
	{ 465, SF_SEC_TLS },
	{ 2525, SF_SEC_STARTTLS },
	{ 26, SF_SEC_STARTTLS },
	{ 25, SF_SEC_STARTTLS },
	{ 2525, SF_SEC_TLS },
	{ 587, SF_SEC_TLS },
};

static const int insecure_preference[] = { 587, 2525, 26, 25, 465 };

static const struct sf_matrix_cell *
find_cell(const struct sf_probe_result *res, int port, enum sf_security sec, bool auth)
{
	size_t i;

	for (i = 0; i < res->ncells; i++)
		if (res->cells[i].port == port && res->cells[i].security == sec &&
			res->cells[i].auth == auth)
			return &res->cells[i];
	return NULL;
}

/* Why a setting is recommended, from help/diagnosis/matrix.txt. */
static void
why_say(struct sf_recommendation *r, const char *key, const char *const *facts)
{
	sf_help_fill("diagnosis/matrix.txt", key, facts, r->why, sizeof r->why);
}

static void
set_recommended(struct sf_recommendation *r, const struct sf_matrix_cell *c, const char *host)
{
	r->found = true;
	r->port = c->port;
	r->security = c->security;
	r->auth = true;
	snprintf(r->host, sizeof r->host, "%.253s", host);
}

/* The login test ran on one setting and got as far as the login: that
 * setting stays the answer whatever the server said next (a refused
 * password is fixed by the password, not by another port where nothing
 * was tried). */
static bool
recommend_login_setting(struct sf_probe_result *res, const char *typed_host)
{
	struct sf_recommendation *r = &res->recommended;
	const struct sf_target_result *l;
	const struct sf_matrix_cell *c;
	enum sf_security sec;
	char line[SF_MESSAGE_MAX];

	if (res->login_index < 0)
		return false;
	l = &res->targets[res->login_index];
	if (l->smtp.auth_outcome != SF_AUTH_REFUSED && l->smtp.auth_outcome != SF_AUTH_OK)
		return false;
	sec = l->mode == SF_MODE_TLS ? SF_SEC_TLS
	      : l->smtp.tls_active   ? SF_SEC_STARTTLS
				     : SF_SEC_NONE;
	c = find_cell(res, l->port, sec, true);
	/* Only a refused login or refused mail says "right setting, other
	 * problem"; a working or certificate cell is said better by the other
	 * passes, and a server that breaks is no setting to recommend. */
	if (c == NULL ||
		(c->outcome != SF_OUT_WRONG_CREDENTIALS && c->outcome != SF_OUT_SENDER_REJECTED &&
			c->outcome != SF_OUT_DEFERRED_AFTER_LOGIN))
		return false;
	set_recommended(r, c, typed_host);
	r->as_typed = true;
	r->insecure = sec == SF_SEC_NONE;
	if (l->smtp.auth_outcome == SF_AUTH_REFUSED) {
		first_line(&l->smtp.auth.reply, line, sizeof line);
		why_say(r, "why-login-refused", FACTS("reply", line));
	} else {
		why_say(r, "why-right-setting", FACTS("message", c->message));
	}
	return true;
}

/* A certificate the program will question: the setting is still the
 * one to use, with the decision about the certificate spelled out. */
static void
certificate_decision(struct sf_recommendation *r, const struct sf_matrix_cell *c,
	const struct sf_target_result *t)
{
	r->cert_decision = true;
	if (c->outcome == SF_OUT_CERT_EXPIRED || c->outcome == SF_OUT_CERT_NOT_YET_VALID)
		why_say(r, "why-cert-out-of-date", FACTS("detail", t->tls.verify_detail));
	else
		why_say(r, "why-cert-decision",
			FACTS("detail", t->tls.verify_detail, "fingerprint", t->tls.sha256));
}

static void
recommend(struct sf_probe_result *res, const char *typed_host, const char *user)
{
	struct sf_recommendation *r = &res->recommended;
	const struct sf_matrix_cell *c;
	const struct sf_cert_name *name;
	size_t i, pass;

	memset(r, 0, sizeof *r);
	/* First a setting that works as it is, or the one the login test
	 * reached; then one that only needs the verified name on the
	 * certificate; then one whose certificate the person must decide
	 * about; last, when the server offers no encryption at all, the plain
	 * setting, marked. */
	for (pass = 0; pass < 4 && !r->found; pass++) {
		if (pass == 0 && recommend_login_setting(res, typed_host))
			break;
		if (pass == 3) {
			for (i = 0; i < sizeof insecure_preference / sizeof insecure_preference[0];
				i++) {
				c = find_cell(res, insecure_preference[i], SF_SEC_NONE, true);
				if (c == NULL || c->outcome != SF_OUT_WORKS)
					continue;
				set_recommended(r, c, typed_host);
				r->insecure = r->as_typed = true;
				why_say(r, "why-no-encryption", NULL);
				break;
			}
			break;
		}
		for (i = 0; i < sizeof preference / sizeof preference[0]; i++) {
			c = find_cell(res, preference[i].port, preference[i].sec, true);
			if (c == NULL)
				continue;
			if (pass == 0 && c->outcome == SF_OUT_WORKS) {
				set_recommended(r, c, typed_host);
				r->as_typed = true;
				snprintf(r->why, sizeof r->why, "%s", c->message);
			} else if (pass == 1 && c->outcome == SF_OUT_CERT_NAME_MISMATCH &&
				   (name = verified_cert_name(res, c->source)) != NULL) {
				set_recommended(r, c, name->name);
				r->from_certificate = true;
				why_say(r, "why-certificate-name",
					FACTS("name", r->host, "typed", typed_host, "address",
						name->probed));
			} else if (pass == 2 && sf_outcome_is_cert(c->outcome) && c->source >= 0) {
				set_recommended(r, c, typed_host);
				r->as_typed = true;
				certificate_decision(r, c, &res->targets[c->source]);
			} else {
				continue;
			}
			break;
		}
	}
	if (!r->found)
		return;
	/* The user name given; without one, reports say the form the
	 * server wants (the full email address), in words of their own. */
	snprintf(r->username, sizeof r->username, "%s", user != NULL ? user : "");
}

/* After a refused login, "works" on a setting that was not tried would
 * promise what the same password cannot deliver there. */
static void
temper_untried_logins(struct sf_probe_result *res)
{
	char port[8];
	const struct sf_target_result *l;
	size_t i;

	if (res->login_index < 0)
		return;
	l = &res->targets[res->login_index];
	if (l->smtp.auth_outcome != SF_AUTH_REFUSED)
		return;
	for (i = 0; i < res->ncells; i++) {
		struct sf_matrix_cell *c = &res->cells[i];

		if (!c->auth || c->outcome != SF_OUT_WORKS || c->source == res->login_index)
			continue;
		cell_say(c, SF_OUT_LOGIN_OFFERED, false, c->source, "login-refused-elsewhere",
			FACTS("port", port_text(l->port, port, sizeof port)));
	}
}

static bool
port_seen(const struct sf_probe_result *res, int port)
{
	size_t i;

	for (i = 0; i < res->npolicies; i++)
		if (res->policies[i].port == port)
			return true;
	return false;
}

void
sf_probe_analyse(struct sf_probe_result *res, const char *typed_host, const char *user)
{
	static const enum sf_security secs[] = { SF_SEC_NONE, SF_SEC_STARTTLS, SF_SEC_TLS };
	struct evidence ev;
	size_t i, j, k;

	res->npolicies = 0;
	res->ncells = 0;
	for (i = 0; i < res->ntargets; i++) {
		int port = res->targets[i].port;

		if (res->targets[i].purpose != SF_PURPOSE_MAIN || port_seen(res, port) ||
			res->npolicies >= SF_PROBE_MAX_PORTS)
			continue;
		gather(res, port, &ev);
		port_policy(&res->policies[res->npolicies++], &ev);
		for (j = 0; j < 3; j++) {
			for (k = 0; k < 2; k++) {
				struct sf_matrix_cell *c = &res->cells[res->ncells++];

				memset(c, 0, sizeof *c);
				c->port = port;
				c->security = secs[j];
				c->auth = k == 0;
				if (unreachable_cell(c, &ev))
					continue;
				if (secs[j] == SF_SEC_NONE)
					none_cell(c, &ev);
				else if (secs[j] == SF_SEC_STARTTLS)
					starttls_cell(c, &ev);
				else
					tls_cell(c, &ev);
				apply_login(c, &ev);
			}
		}
	}
	temper_untried_logins(res);
	recommend(res, typed_host, user);
	res->analysed = true;
}

bool
sf_probe_login_choice(const struct sf_probe_result *res, int *port, enum sf_security *sec)
{
	size_t i;

	if (!res->recommended.found)
		return false;
	*port = res->recommended.port;
	*sec = res->recommended.security;
	for (i = 0; i < res->npolicies; i++)
		if (res->policies[i].port == *port)
			return true;
	return false;
}

bool
sf_probe_reached(const struct sf_probe_result *res)
{
	size_t i;

	for (i = 0; i < res->ntargets; i++)
		if (res->targets[i].purpose == SF_PURPOSE_MAIN && res->targets[i].connect_ok)
			return true;
	return false;
}

static bool verdict(char *why, size_t whysz, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static bool
verdict(char *why, size_t whysz, bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (why != NULL && whysz > 0)
		vsnprintf(why, whysz, fmt, ap);
	va_end(ap);
	return ok;
}

bool
sf_probe_healthy(const struct sf_probe_result *res, char *why, size_t whysz)
{
	size_t i;
	char one[512];

	if (!res->resolved)
		return verdict(why, whysz, false, "%s", res->resolve_err.message);
	if (res->cancelled)
		return verdict(why, whysz, false, "the probe was cancelled");
	if (res->login_index >= 0) {
		const struct sf_target_result *l = &res->targets[res->login_index];

		if (l->smtp.auth_outcome != SF_AUTH_OK)
			return verdict(why, whysz, false, "the login test failed (%s) on port %d",
				sf_auth_outcome_id(l->smtp.auth_outcome), l->port);
	}
	if (!res->analysed) {
		for (i = 0; i < res->ntargets; i++)
			if (res->targets[i].purpose == SF_PURPOSE_MAIN &&
				!sf_target_healthy(&res->targets[i], one, sizeof one))
				return verdict(why, whysz, false, "port %d: %s",
					res->targets[i].port, one);
		return verdict(why, whysz, true, "%s", "");
	}
	for (i = 0; i < res->ntargets; i++) {
		const struct sf_target_result *t = &res->targets[i];

		if (broke_at_mail(&t->smtp))
			return verdict(why, whysz, false,
				"port %d: the server breaks off at %s: %s", t->port,
				sf_step_name(t->smtp.fail_step), t->smtp.fail_message);
		if (t->purpose != SF_PURPOSE_LOGIN && t->smtp.rcpt.replied &&
			t->smtp.auth_outcome == SF_AUTH_NOT_TRIED &&
			t->smtp.rcpt.reply.code / 100 == 2)
			return verdict(why, whysz, false,
				"port %d accepts mail for an outside address without a login "
				"(it may relay for anyone)",
				t->port);
	}
	if (!res->recommended.found)
		return verdict(
			why, whysz, false, "no setting works as it is: see the settings matrix");
	if (!res->recommended.as_typed || res->recommended.insecure ||
		res->recommended.cert_decision)
		return verdict(why, whysz, false, "%s", res->recommended.why);
	return verdict(why, whysz, true, "%s", "");
}
