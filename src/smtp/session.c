#include "smtpfix/smtp_session.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static struct sf_exchange *
exchange_for(struct sf_session *s, enum sf_step step)
{
	struct sf_session_result *r = &s->res;

	switch (step) {
	case SF_STEP_GREETING: return &r->greeting;
	case SF_STEP_EHLO: return &r->ehlo;
	case SF_STEP_HELO: return &r->helo;
	case SF_STEP_STARTTLS: return &r->starttls;
	case SF_STEP_EHLO_TLS: return &r->ehlo_tls;
	case SF_STEP_MAIL: return &r->mail;
	case SF_STEP_RCPT: return &r->rcpt;
	case SF_STEP_RSET: return &r->rset;
	case SF_STEP_QUIT: return &r->quit;
	case SF_STEP_TLS_HANDSHAKE:
	case SF_STEP_DONE: break;
	}
	return NULL;
}

/* The only place the step changes (curl's single state setter), so the
 * transcript and the "closed right after" bookkeeping stay consistent. */
static void
set_step(struct sf_session *s, enum sf_step step)
{
	s->step = step;
}

static void
fail(struct sf_session *s, enum sf_errcode code, const char *msg)
{
	if (s->res.fail_code == SF_OK) {
		s->res.fail_code = code;
		s->res.fail_step = s->step;
		snprintf(s->res.fail_message, sizeof s->res.fail_message, "%s", msg);
	}
	if (s->cfg.transcript != NULL)
		sf_transcript_note(s->cfg.transcript, "stopped: %s", msg);
	sf_buf_reset(&s->out);
	set_step(s, SF_STEP_DONE);
}

static void send_cmd(struct sf_session *s, enum sf_step step, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
send_cmd(struct sf_session *s, enum sf_step step, const char *fmt, ...)
{
	char line[SF_SMTP_CMD_MAX];
	struct sf_error err;
	struct sf_exchange *x;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n + 2 >= sizeof line) {
		fail(s, SF_E_USAGE, "command too long");
		return;
	}
	if (s->cfg.transcript != NULL)
		sf_transcript_client(s->cfg.transcript, line, (size_t)n, false);
	/* One write per command: the whole line with its CRLF. */
	if (sf_buf_add(&s->out, line, (size_t)n, &err) < 0 ||
		sf_buf_add(&s->out, "\r\n", 2, &err) < 0) {
		fail(s, err.code, err.message);
		return;
	}
	x = exchange_for(s, step);
	if (x != NULL)
		x->sent = true;
	set_step(s, step);
}

void
sf_session_init(struct sf_session *s, const struct sf_session_config *cfg)
{
	memset(s, 0, sizeof *s);
	s->cfg = *cfg;
	if (s->cfg.ehlo_name == NULL || s->cfg.ehlo_name[0] == '\0')
		s->cfg.ehlo_name = "smtpfix.invalid";
	sf_reply_parser_init(&s->parser);
	sf_buf_init(&s->out, 4 * SF_SMTP_CMD_MAX);
	s->res.tls_active = cfg->tls == SF_TLS_IMPLICIT;
	s->res.greeting.sent = true;
	set_step(s, SF_STEP_GREETING);
}

void
sf_session_result_free(struct sf_session_result *r)
{
	sf_reply_free(&r->greeting.reply);
	sf_reply_free(&r->ehlo.reply);
	sf_reply_free(&r->helo.reply);
	sf_reply_free(&r->starttls.reply);
	sf_reply_free(&r->ehlo_tls.reply);
	sf_reply_free(&r->mail.reply);
	sf_reply_free(&r->rcpt.reply);
	sf_reply_free(&r->rset.reply);
	sf_reply_free(&r->quit.reply);
	sf_ehlo_free(&r->caps);
	sf_ehlo_free(&r->caps_tls);
}

void
sf_session_take_result(struct sf_session *s, struct sf_session_result *out)
{
	*out = s->res;
	memset(&s->res, 0, sizeof s->res);
	s->last = NULL;
}

void
sf_session_free(struct sf_session *s)
{
	sf_reply_parser_free(&s->parser);
	sf_buf_wipe(&s->out);
	sf_session_result_free(&s->res);
}

enum sf_session_want
sf_session_want(const struct sf_session *s)
{
	if (s->out.len > 0)
		return SF_WANT_WRITE;
	if (s->step == SF_STEP_DONE)
		return SF_WANT_DONE;
	if (s->awaiting_tls)
		return SF_WANT_TLS;
	return SF_WANT_READ;
}

const char *
sf_session_output(const struct sf_session *s, size_t *len)
{
	*len = s->out.len;
	return s->out.data;
}

void
sf_session_output_done(struct sf_session *s, size_t n)
{
	sf_buf_consume(&s->out, n);
}

static void
start_mail_test(struct sf_session *s)
{
	char arg[SF_SMTP_CMD_MAX / 2];

	if (!s->cfg.rcpt_test) {
		send_cmd(s, SF_STEP_QUIT, "QUIT");
		return;
	}
	snprintf(arg, sizeof arg, "%s", s->cfg.mail_from ? s->cfg.mail_from : "");
	send_cmd(s, SF_STEP_MAIL, "MAIL FROM:<%s>", arg);
}

/* After EHLO or HELO in plain text: upgrade, go on, or stop, by policy. */
static void
after_plain_hello(struct sf_session *s)
{
	switch (s->cfg.tls) {
	case SF_TLS_IF_OFFERED:
	case SF_TLS_REQUIRED:
		if (s->res.starttls_offered) {
			send_cmd(s, SF_STEP_STARTTLS, "STARTTLS");
			return;
		}
		if (s->cfg.tls == SF_TLS_REQUIRED) {
			/* A client set to STARTTLS stops here; so do we. */
			send_cmd(s, SF_STEP_QUIT, "QUIT");
			return;
		}
		break;
	case SF_TLS_NEVER:
	case SF_TLS_IMPLICIT:
		break;
	}
	start_mail_test(s);
}

static void
on_ehlo(struct sf_session *s, struct sf_exchange *x, bool under_tls)
{
	struct sf_error err;
	struct sf_ehlo *caps = under_tls ? &s->res.caps_tls : &s->res.caps;

	if (x->reply.code / 100 != 2) {
		if (!under_tls && x->reply.code / 100 == 5) {
			/* RFC 5321 4.1.4: fall back to HELO on a permanent error. */
			send_cmd(s, SF_STEP_HELO, "HELO %s", s->cfg.ehlo_name);
			return;
		}
		send_cmd(s, SF_STEP_QUIT, "QUIT");
		return;
	}
	if (sf_ehlo_parse(caps, &x->reply, &err) < 0) {
		fail(s, err.code, err.message);
		return;
	}
	if (under_tls) {
		s->res.caps_tls_valid = true;
		start_mail_test(s);
		return;
	}
	s->res.caps_valid = true;
	s->res.starttls_offered = caps->starttls;
	after_plain_hello(s);
}

static void
on_reply(struct sf_session *s, struct sf_exchange *x)
{
	int cls = x->reply.code / 100;

	switch (s->step) {
	case SF_STEP_GREETING:
		if (cls != 2) {
			/* 554 at the greeting: the server will not talk to us. */
			send_cmd(s, SF_STEP_QUIT, "QUIT");
			return;
		}
		if (s->cfg.tls == SF_TLS_IMPLICIT)
			send_cmd(s, SF_STEP_EHLO_TLS, "EHLO %s", s->cfg.ehlo_name);
		else
			send_cmd(s, SF_STEP_EHLO, "EHLO %s", s->cfg.ehlo_name);
		return;
	case SF_STEP_EHLO:
		on_ehlo(s, x, false);
		return;
	case SF_STEP_EHLO_TLS:
		on_ehlo(s, x, true);
		return;
	case SF_STEP_HELO:
		if (cls != 2) {
			send_cmd(s, SF_STEP_QUIT, "QUIT");
			return;
		}
		after_plain_hello(s);
		return;
	case SF_STEP_STARTTLS:
		if (x->reply.code == 220) {
			if (sf_reply_parser_pending(&s->parser) > 0) {
				/* Plaintext after the 220 would be read as if it came
				 * under TLS: the STARTTLS injection attack. Stop. */
				s->res.starttls_trailing = true;
				fail(s, SF_E_PROTOCOL,
					"the server sent data after its reply to STARTTLS");
				return;
			}
			s->awaiting_tls = true;
			set_step(s, SF_STEP_TLS_HANDSHAKE);
			return;
		}
		if (s->cfg.tls == SF_TLS_REQUIRED) {
			send_cmd(s, SF_STEP_QUIT, "QUIT");
			return;
		}
		start_mail_test(s);
		return;
	case SF_STEP_MAIL:
		if (cls != 2) {
			send_cmd(s, SF_STEP_QUIT, "QUIT");
			return;
		}
		send_cmd(s, SF_STEP_RCPT, "RCPT TO:<%s>", s->cfg.rcpt_to ? s->cfg.rcpt_to : "");
		return;
	case SF_STEP_RCPT:
		send_cmd(s, SF_STEP_RSET, "RSET");
		return;
	case SF_STEP_RSET:
		send_cmd(s, SF_STEP_QUIT, "QUIT");
		return;
	case SF_STEP_QUIT:
		set_step(s, SF_STEP_DONE);
		return;
	case SF_STEP_TLS_HANDSHAKE:
	case SF_STEP_DONE:
		return;
	}
}

static void
record_line(void *ctx, const char *line, size_t len)
{
	struct sf_session *s = ctx;

	if (s->cfg.transcript != NULL)
		sf_transcript_add(s->cfg.transcript, SF_DIR_SERVER, line, len);
}

void
sf_session_feed(struct sf_session *s, const char *data, size_t len)
{
	struct sf_error err;
	struct sf_reply reply;
	struct sf_exchange *x;
	int rc;

	if (s->step == SF_STEP_DONE || (s->step == SF_STEP_TLS_HANDSHAKE && len == 0))
		return;
	if (s->step == SF_STEP_TLS_HANDSHAKE && len > 0) {
		/* Nothing may arrive in plain text while TLS is starting. */
		s->res.starttls_trailing = true;
		fail(s, SF_E_PROTOCOL, "the server sent data after its reply to STARTTLS");
		return;
	}
	if (sf_reply_parser_feed(&s->parser, data, len, &err) < 0) {
		fail(s, err.code, err.message);
		return;
	}
	if (s->out.len > 0 || s->awaiting_tls)
		return;
	memset(&reply, 0, sizeof reply);
	rc = sf_reply_parser_next(&s->parser, &reply, record_line, s, &err);
	if (rc < 0) {
		fail(s, err.code, err.message);
		return;
	}
	if (rc == 0)
		return;
	x = exchange_for(s, s->step);
	if (x == NULL) {
		sf_reply_free(&reply);
		fail(s, SF_E_PROTOCOL, "the server sent a reply nobody asked for");
		return;
	}
	sf_reply_move(&x->reply, &reply);
	x->replied = true;
	s->last = x;
	s->replies++;
	/* One reply per command: bytes buffered beyond this reply are parsed
	 * on the next call, after our next command went out (the driver calls
	 * sf_session_feed(s, NULL, 0) after each write). */
	on_reply(s, x);
}

void
sf_session_tls_done(struct sf_session *s, bool ok, const char *why)
{
	char msg[SF_ERROR_MSG_MAX];

	s->awaiting_tls = false;
	if (!ok) {
		snprintf(msg, sizeof msg, "TLS handshake failed: %s", why ? why : "unknown reason");
		fail(s, SF_E_TLS, msg);
		return;
	}
	s->res.tls_active = true;
	if (s->cfg.transcript != NULL)
		sf_transcript_note(s->cfg.transcript, "TLS started");
	/* RFC 3207: forget what was said in plain text and ask again. */
	send_cmd(s, SF_STEP_EHLO_TLS, "EHLO %s", s->cfg.ehlo_name);
}

void
sf_session_eof(struct sf_session *s, bool reset)
{
	char msg[SF_ERROR_MSG_MAX];
	struct sf_exchange *cur = exchange_for(s, s->step);

	if (s->step == SF_STEP_DONE)
		return;
	/* Closed right after answering the previous command (Exim's "drop"
	 * verb does this): note it on that exchange. */
	if (s->last != NULL && cur != NULL && !cur->replied && s->last != cur)
		s->last->disconnected = true;
	if (s->cfg.transcript != NULL)
		sf_transcript_note(s->cfg.transcript, "the server %s the connection",
			reset ? "reset" : "closed");
	if (s->step == SF_STEP_QUIT) {
		set_step(s, SF_STEP_DONE);
		return;
	}
	if (s->step == SF_STEP_RSET && s->res.rcpt.replied) {
		/* The RCPT test has its answer; closing after it is the finding. */
		set_step(s, SF_STEP_DONE);
		return;
	}
	if (s->step == SF_STEP_GREETING && !sf_reply_parser_partial(&s->parser))
		snprintf(msg, sizeof msg, "the server %s the connection without a greeting",
			reset ? "reset" : "closed");
	else
		snprintf(msg, sizeof msg, "the server %s the connection while smtpfix waited for %s%s",
			reset ? "reset" : "closed", sf_step_name(s->step),
			sf_reply_parser_partial(&s->parser) ? " (in the middle of a reply)" : "");
	fail(s, reset ? SF_E_RESET : SF_E_CLOSED, msg);
}

void
sf_session_timeout(struct sf_session *s, int timeout_ms)
{
	char msg[SF_ERROR_MSG_MAX];

	if (s->step == SF_STEP_DONE)
		return;
	snprintf(msg, sizeof msg, "no complete answer to %s within %.1f s%s", sf_step_name(s->step),
		timeout_ms / 1000.0,
		sf_reply_parser_partial(&s->parser) ? " (the server sent part of a reply)" : "");
	fail(s, SF_E_TIMEOUT, msg);
}

void
sf_session_abort(struct sf_session *s, enum sf_errcode code, const char *why)
{
	fail(s, code, why);
}

const char *
sf_step_name(enum sf_step step)
{
	switch (step) {
	case SF_STEP_GREETING: return "the greeting";
	case SF_STEP_EHLO: return "EHLO";
	case SF_STEP_HELO: return "HELO";
	case SF_STEP_STARTTLS: return "STARTTLS";
	case SF_STEP_TLS_HANDSHAKE: return "the TLS handshake";
	case SF_STEP_EHLO_TLS: return "EHLO after TLS";
	case SF_STEP_MAIL: return "MAIL FROM";
	case SF_STEP_RCPT: return "RCPT TO";
	case SF_STEP_RSET: return "RSET";
	case SF_STEP_QUIT: return "QUIT";
	case SF_STEP_DONE: return "nothing";
	}
	return "?";
}

const char *
sf_step_id(enum sf_step step)
{
	switch (step) {
	case SF_STEP_GREETING: return "greeting";
	case SF_STEP_EHLO: return "ehlo";
	case SF_STEP_HELO: return "helo";
	case SF_STEP_STARTTLS: return "starttls";
	case SF_STEP_TLS_HANDSHAKE: return "tls";
	case SF_STEP_EHLO_TLS: return "ehlo_tls";
	case SF_STEP_MAIL: return "mail";
	case SF_STEP_RCPT: return "rcpt";
	case SF_STEP_RSET: return "rset";
	case SF_STEP_QUIT: return "quit";
	case SF_STEP_DONE: return "done";
	}
	return "?";
}
