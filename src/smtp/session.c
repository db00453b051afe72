#include "smtpfix/smtp_session.h"

#include "smtpfix/base64.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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
	case SF_STEP_AUTH: return &r->auth;
	case SF_STEP_AUTH_CHECK: return &r->auth_check;
	case SF_STEP_MAIL: return &r->mail;
	case SF_STEP_RCPT: return &r->rcpt;
	case SF_STEP_DATA: return &r->data;
	case SF_STEP_MESSAGE: return &r->message;
	case SF_STEP_RSET: return &r->rset;
	case SF_STEP_QUIT: return &r->quit;
	case SF_STEP_TLS_HANDSHAKE:
	case SF_STEP_DONE: break;
	}
	return NULL;
}

/* The only place the step changes (curl's single state setter): a change
 * of step can be traced, or checked, in this one place. */
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
		sf_transcript_client(s->cfg.transcript, line, (size_t)n,
			step == SF_STEP_AUTH && s->step == SF_STEP_AUTH);
	/* One write per command: the whole line with its CRLF. */
	if (sf_buf_add(&s->out, line, (size_t)n, &err) < 0 ||
		sf_buf_add(&s->out, "\r\n", 2, &err) < 0) {
		sf_memwipe(line, sizeof line);
		fail(s, err.code, err.message);
		return;
	}
	/* The line may have held a credential. */
	sf_memwipe(line, sizeof line);
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
	sf_reply_free(&r->auth.reply);
	sf_reply_free(&r->auth_check.reply);
	sf_reply_free(&r->mail.reply);
	sf_reply_free(&r->rcpt.reply);
	sf_reply_free(&r->data.reply);
	sf_reply_free(&r->message.reply);
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
	sf_buf_consume_wipe(&s->out, n);
}

static void start_login(struct sf_session *s);

/* The EHLO reply that describes the connection now. */
static const struct sf_ehlo *
caps_in_force(const struct sf_session *s)
{
	return s->res.tls_active ? &s->res.caps_tls : &s->res.caps;
}

static bool
caps_in_force_valid(const struct sf_session *s)
{
	return s->res.tls_active ? s->res.caps_tls_valid : s->res.caps_valid;
}

static void
start_mail_test(struct sf_session *s)
{
	char arg[SF_SMTP_CMD_MAX / 2];

	if (s->cfg.auth_user != NULL && s->res.auth_outcome == SF_AUTH_NOT_TRIED) {
		start_login(s);
		return;
	}
	/* A login listed: is it really taken? Servers such as Exchange list
	 * it before encryption and then answer "538 ... STARTTLS first";
	 * others list it and refuse it for everyone. */
	if (s->cfg.auth_check && s->cfg.auth_user == NULL && caps_in_force_valid(s) &&
		caps_in_force(s)->nauth > 0 && !s->res.auth_check.sent) {
		const struct sf_ehlo *caps = caps_in_force(s);
		const char *mech = sf_ehlo_has_auth(caps, "LOGIN")   ? "LOGIN"
				   : sf_ehlo_has_auth(caps, "PLAIN") ? "PLAIN"
								     : NULL;

		if (mech != NULL) {
			s->res.auth_check_under_tls = s->res.tls_active;
			snprintf(s->res.auth_check_mech, sizeof s->res.auth_check_mech, "%s", mech);
			send_cmd(s, SF_STEP_AUTH_CHECK, "AUTH %s", mech);
			return;
		}
	}
	if (!s->cfg.rcpt_test) {
		send_cmd(s, SF_STEP_QUIT, "QUIT");
		return;
	}
	snprintf(arg, sizeof arg, "%s", s->cfg.mail_from ? s->cfg.mail_from : "");
	send_cmd(s, SF_STEP_MAIL, "MAIL FROM:<%s>", arg);
}

const char *
sf_auth_choose(const struct sf_ehlo *caps, bool under_tls, bool have_cram)
{
	static const char *const tls_order[] = { "PLAIN", "LOGIN", "CRAM-MD5" };
	static const char *const plain_order[] = { "CRAM-MD5", "PLAIN", "LOGIN" };
	const char *const *order = under_tls ? tls_order : plain_order;
	size_t i;

	for (i = 0; i < 3; i++) {
		if (strcmp(order[i], "CRAM-MD5") == 0 && !have_cram)
			continue;
		if (sf_ehlo_has_auth(caps, order[i]))
			return order[i];
	}
	return NULL;
}

/* Send a base64 line inside the AUTH exchange (redacted in the transcript). */
static void
send_auth_b64(struct sf_session *s, const void *data, size_t len)
{
	char b64[SF_SMTP_CMD_MAX];

	if (sf_base64_len(len) + 1 > sizeof b64) {
		fail(s, SF_E_USAGE, "the user name or password is too long");
		return;
	}
	sf_base64_encode(data, len, b64);
	send_cmd(s, SF_STEP_AUTH, "%s", b64);
	sf_memwipe(b64, sizeof b64);
}

static void
start_login(struct sf_session *s)
{
	const struct sf_ehlo *caps = s->res.tls_active ? &s->res.caps_tls : &s->res.caps;
	const char *mech;
	char raw[SF_SMTP_CMD_MAX / 2];
	char b64[SF_SMTP_CMD_MAX];
	size_t ulen = strlen(s->cfg.auth_user), plen = s->cfg.auth_password_len;

	if (!caps->auth_offered || caps->nauth == 0) {
		s->res.auth_outcome = SF_AUTH_NOT_OFFERED;
		send_cmd(s, SF_STEP_QUIT, "QUIT");
		return;
	}
	if (!s->res.tls_active && !s->cfg.allow_plaintext_auth) {
		/* Never send a credential where anyone on the path can read it,
		 * unless the person asked for exactly that. */
		s->res.auth_outcome = SF_AUTH_NO_TLS;
		send_cmd(s, SF_STEP_QUIT, "QUIT");
		return;
	}
	mech = sf_auth_choose(caps, s->res.tls_active, s->cfg.hmac_md5 != NULL);
	if (mech == NULL) {
		s->res.auth_outcome = SF_AUTH_NO_MECHANISM;
		send_cmd(s, SF_STEP_QUIT, "QUIT");
		return;
	}
	snprintf(s->res.auth_mechanism, sizeof s->res.auth_mechanism, "%s", mech);
	s->res.plaintext_auth = !s->res.tls_active;
	s->auth_round = 0;
	if (strcmp(mech, "PLAIN") != 0) {
		send_cmd(s, SF_STEP_AUTH, "AUTH %s", mech);
		return;
	}
	/* RFC 4616: authzid NUL authcid NUL password, as the initial response. */
	if (ulen + plen + 2 > sizeof raw) {
		fail(s, SF_E_USAGE, "the user name or password is too long");
		return;
	}
	raw[0] = '\0';
	memcpy(raw + 1, s->cfg.auth_user, ulen);
	raw[1 + ulen] = '\0';
	memcpy(raw + 2 + ulen, s->cfg.auth_password, plen);
	sf_base64_encode(raw, ulen + plen + 2, b64);
	sf_memwipe(raw, sizeof raw);
	send_cmd(s, SF_STEP_AUTH, "AUTH PLAIN %s", b64);
	sf_memwipe(b64, sizeof b64);
}

/* A 334 challenge inside the AUTH exchange. */
static void
auth_continue(struct sf_session *s, const struct sf_reply *r)
{
	const char *mech = s->res.auth_mechanism;

	s->auth_round++;
	if (strcmp(mech, "LOGIN") == 0 && s->auth_round == 1) {
		send_auth_b64(s, s->cfg.auth_user, strlen(s->cfg.auth_user));
	} else if (strcmp(mech, "LOGIN") == 0 && s->auth_round == 2) {
		send_auth_b64(s, s->cfg.auth_password, s->cfg.auth_password_len);
	} else if (strcmp(mech, "CRAM-MD5") == 0 && s->auth_round == 1) {
		unsigned char challenge[512], mac[16];
		char answer[SF_SMTP_CMD_MAX / 2];
		long clen = sf_base64_decode(r->text, strlen(r->text), challenge, sizeof challenge);
		size_t n, i;

		if (clen < 0 || s->cfg.hmac_md5(s->cfg.auth_password, s->cfg.auth_password_len,
					challenge, (size_t)clen, mac) < 0) {
			send_cmd(s, SF_STEP_AUTH, "*"); /* cancel the exchange (RFC 4954) */
			return;
		}
		n = (size_t)snprintf(answer, sizeof answer, "%s ", s->cfg.auth_user);
		for (i = 0; i < 16 && n + 2 < sizeof answer; i++)
			n += (size_t)snprintf(answer + n, sizeof answer - n, "%02x", mac[i]);
		send_auth_b64(s, answer, n);
		sf_memwipe(mac, sizeof mac);
		sf_memwipe(answer, sizeof answer);
	} else {
		/* More challenges than the mechanism has: cancel. */
		send_cmd(s, SF_STEP_AUTH, "*");
	}
}

static void
on_auth_reply(struct sf_session *s, struct sf_exchange *x)
{
	char arg[SF_SMTP_CMD_MAX / 2];

	if (x->reply.code == 334) {
		auth_continue(s, &x->reply);
		return;
	}
	if (x->reply.code != 235) {
		s->res.auth_outcome = SF_AUTH_REFUSED;
		send_cmd(s, SF_STEP_QUIT, "QUIT");
		return;
	}
	s->res.auth_outcome = SF_AUTH_OK;
	if (!s->cfg.rcpt_test) {
		send_cmd(s, SF_STEP_QUIT, "QUIT");
		return;
	}
	snprintf(arg, sizeof arg, "%s", s->cfg.mail_from ? s->cfg.mail_from : "");
	send_cmd(s, SF_STEP_MAIL, "MAIL FROM:<%s>", arg);
}

/* Write the test message with dot-stuffing and the final dot (RFC 5321 4.5.2). */
static void
send_message(struct sf_session *s)
{
	const char *m = s->cfg.message ? s->cfg.message : "";
	struct sf_error err;
	bool line_start = true;

	for (; *m != '\0'; m++) {
		if (line_start && *m == '.' && sf_buf_add(&s->out, ".", 1, &err) < 0)
			break;
		if (sf_buf_add(&s->out, m, 1, &err) < 0)
			break;
		line_start = *m == '\n';
	}
	if ((!line_start && sf_buf_add(&s->out, "\r\n", 2, &err) < 0) ||
		sf_buf_add(&s->out, ".\r\n", 3, &err) < 0) {
		fail(s, err.code, "the test message is too long");
		return;
	}
	if (s->cfg.transcript != NULL)
		sf_transcript_note(s->cfg.transcript, "(test message sent, %zu bytes)", s->out.len);
	s->res.message.sent = true;
	set_step(s, SF_STEP_MESSAGE);
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
	case SF_TLS_IMPLICIT: break;
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
	case SF_STEP_EHLO: on_ehlo(s, x, false); return;
	case SF_STEP_EHLO_TLS: on_ehlo(s, x, true); return;
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
	case SF_STEP_AUTH: on_auth_reply(s, x); return;
	case SF_STEP_AUTH_CHECK:
		if (x->reply.code == 334) {
			/* Taken: cancel before anything secret would be asked (RFC
			 * 4954 4); the answer to "*" comes back on this step. */
			if (!s->auth_check_cancelled) {
				s->auth_check_cancelled = true;
				send_cmd(s, SF_STEP_AUTH_CHECK, "*");
				return;
			}
		} else if (!s->auth_check_cancelled && x->reply.code / 100 != 2) {
			s->res.auth_check_refused = true;
		}
		start_mail_test(s);
		return;
	case SF_STEP_RCPT:
		if (s->cfg.send_test && s->res.auth_outcome == SF_AUTH_OK && cls == 2) {
			send_cmd(s, SF_STEP_DATA, "DATA");
			return;
		}
		send_cmd(s, SF_STEP_RSET, "RSET");
		return;
	case SF_STEP_DATA:
		if (x->reply.code == 354) {
			send_message(s);
			return;
		}
		send_cmd(s, SF_STEP_QUIT, "QUIT");
		return;
	case SF_STEP_MESSAGE: send_cmd(s, SF_STEP_QUIT, "QUIT"); return;
	case SF_STEP_RSET: send_cmd(s, SF_STEP_QUIT, "QUIT"); return;
	case SF_STEP_QUIT: set_step(s, SF_STEP_DONE); return;
	case SF_STEP_TLS_HANDSHAKE:
	case SF_STEP_DONE: return;
	}
}

static void
record_line(void *ctx, const char *line, size_t len)
{
	struct sf_session *s = ctx;
	char *clean;
	size_t n;

	if (s->cfg.transcript == NULL)
		return;
	if (!sf_redact_found(s->cfg.redact, line, len)) {
		sf_transcript_add(s->cfg.transcript, SF_DIR_SERVER, line, len);
		return;
	}
	clean = sf_redact_dup(s->cfg.redact, line, len, &n);
	if (clean != NULL)
		sf_transcript_add(s->cfg.transcript, SF_DIR_SERVER, clean, n);
	else
		sf_transcript_add(
			s->cfg.transcript, SF_DIR_SERVER, SF_REDACTED, sizeof SF_REDACTED - 1);
	free(clean);
}

/* What the server said is kept only without the password. The reply was
 * acted on first, as sent: a server's words decide nothing here, and a
 * password that happens to be an extension's name must not hide it. */
static void
redact_text(const struct sf_redactor *r, char **text)
{
	char *clean;

	if (*text == NULL || !sf_redact_found(r, *text, strlen(*text)))
		return;
	clean = sf_redact_dup(r, *text, strlen(*text), NULL);
	sf_memwipe(*text, strlen(*text));
	free(*text);
	*text = clean != NULL ? clean : sf_strndup(SF_REDACTED, sizeof SF_REDACTED - 1);
}

static void
redact_caps(const struct sf_redactor *r, struct sf_ehlo *caps)
{
	size_t i;

	for (i = 0; i < caps->nextensions; i++)
		redact_text(r, &caps->extensions[i]);
	for (i = 0; i < caps->nauth; i++)
		sf_redact_buf(r, caps->auth[i], sizeof caps->auth[i]);
}

static void
redact_exchange(struct sf_session *s, struct sf_exchange *x)
{
	if (s->cfg.redact == NULL || s->cfg.redact->nforms == 0)
		return;
	redact_text(s->cfg.redact, &x->reply.text);
	if (x == &s->res.ehlo)
		redact_caps(s->cfg.redact, &s->res.caps);
	else if (x == &s->res.ehlo_tls)
		redact_caps(s->cfg.redact, &s->res.caps_tls);
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
	redact_exchange(s, x);
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
		snprintf(msg, sizeof msg,
			"the server %s the connection while smtpfix waited for %s%s",
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
	if (s->step == SF_STEP_QUIT) {
		/* Everything is said; not waiting longer is no failure. */
		if (s->cfg.transcript != NULL)
			sf_transcript_note(s->cfg.transcript,
				"closing without waiting longer for the reply to QUIT");
		set_step(s, SF_STEP_DONE);
		return;
	}
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
	case SF_STEP_AUTH: return "the login (AUTH)";
	case SF_STEP_AUTH_CHECK: return "AUTH (without a password)";
	case SF_STEP_MAIL: return "MAIL FROM";
	case SF_STEP_RCPT: return "RCPT TO";
	case SF_STEP_DATA: return "DATA";
	case SF_STEP_MESSAGE: return "the end of the test message";
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
	case SF_STEP_AUTH: return "auth";
	case SF_STEP_AUTH_CHECK: return "auth_check";
	case SF_STEP_MAIL: return "mail";
	case SF_STEP_RCPT: return "rcpt";
	case SF_STEP_DATA: return "data";
	case SF_STEP_MESSAGE: return "message";
	case SF_STEP_RSET: return "rset";
	case SF_STEP_QUIT: return "quit";
	case SF_STEP_DONE: return "done";
	}
	return "?";
}

const char *
sf_auth_outcome_id(enum sf_auth_outcome o)
{
	switch (o) {
	case SF_AUTH_NOT_TRIED: return "not-tried";
	case SF_AUTH_OK: return "ok";
	case SF_AUTH_REFUSED: return "refused";
	case SF_AUTH_NOT_OFFERED: return "not-offered";
	case SF_AUTH_NO_TLS: return "held-back-no-tls";
	case SF_AUTH_NO_MECHANISM: return "no-usable-mechanism";
	}
	return "?";
}
