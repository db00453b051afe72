/* Many targets at once over one poll loop.
 *
 * Each target is a small state machine: connecting, TLS handshake, SMTP
 * conversation, done. Nothing blocks: a target that waits gives its socket,
 * the events it wants and its deadline to the loop, so one silent server
 * costs its own deadline and delays nobody else. A deadline restarts when a
 * command is sent (or the connection opens) and is never extended by bytes
 * arriving, so a server that drips a byte a second still ends on time. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smtpfix/clock.h"
#include "smtpfix/probe.h"

#define SF_PROBE_READ_CHUNK 4096

enum phase { PH_CONNECTING, PH_TLS, PH_SMTP, PH_DONE };

struct target {
	struct sf_target_spec spec;
	struct sf_target_result *t;
	enum phase phase;
	int fd;
	struct sf_tls *tls;
	struct sf_session s;
	bool session_live;
	short want; /* POLLIN / POLLOUT while waiting */
	int64_t deadline;
	double t0;
	enum sf_step last_step;
	const char *last_word;     /* last progress step reported */
	char from[320], rcpt[320]; /* addresses for this connection */
};

struct sf_runner {
	const struct sf_probe_options *o;
	struct target *targets;
	struct sf_target_result *results;
	size_t count, cap;
	sf_target_done_fn on_done;
	void *ctx;
	struct sigaction saved_pipe;
	/* Which target each filled pollfd belongs to. Matching by index, not
	 * by fd number: a follow-up started during dispatch may be given the
	 * number of a socket that was just closed. */
	size_t polled[SF_PROBE_MAX_TARGETS];
	size_t npolled;
	/* The password's forms, taken out of all the servers say. */
	struct sf_redactor redact;
};

const char *
sf_purpose_id(enum sf_purpose p)
{
	switch (p) {
	case SF_PURPOSE_MAIN: return "main";
	case SF_PURPOSE_PLAIN: return "plain";
	case SF_PURPOSE_TLS: return "tls";
	case SF_PURPOSE_LOGIN: return "login";
	}
	return "?";
}

static enum sf_tls_policy
policy_for(enum sf_probe_mode requested, enum sf_probe_mode resolved)
{
	/* auto on a port other than 465 means STARTTLS when offered, and the
	 * plain-text test otherwise, as most mail programs' "auto" does. */
	if (requested == SF_MODE_AUTO && resolved == SF_MODE_STARTTLS)
		return SF_TLS_IF_OFFERED;
	switch (resolved) {
	case SF_MODE_PLAIN: return SF_TLS_NEVER;
	case SF_MODE_STARTTLS: return SF_TLS_REQUIRED;
	case SF_MODE_TLS: return SF_TLS_IMPLICIT;
	case SF_MODE_AUTO: break;
	}
	return SF_TLS_IF_OFFERED;
}

static const char *
step_word(enum sf_step st)
{
	switch (st) {
	case SF_STEP_GREETING: return "banner";
	case SF_STEP_EHLO:
	case SF_STEP_HELO:
	case SF_STEP_EHLO_TLS: return "ehlo";
	case SF_STEP_STARTTLS:
	case SF_STEP_TLS_HANDSHAKE: return "tls";
	case SF_STEP_AUTH: return "login";
	case SF_STEP_AUTH_CHECK: return "ehlo";
	case SF_STEP_MAIL:
	case SF_STEP_RCPT:
	case SF_STEP_DATA:
	case SF_STEP_MESSAGE:
	case SF_STEP_RSET: return "rcpt-test";
	case SF_STEP_QUIT:
	case SF_STEP_DONE: return "closing";
	}
	return "?";
}

static void
emit(struct sf_runner *r, struct target *g, const char *step, bool done)
{
	struct sf_progress ev;

	if (r->o->progress == NULL || (!done && g->last_word == step))
		return;
	g->last_word = step;
	memset(&ev, 0, sizeof ev);
	ev.index = (size_t)(g - r->targets);
	ev.address = g->t->address;
	ev.port = g->t->port;
	ev.purpose = g->spec.purpose;
	ev.step = step;
	ev.elapsed_ms = sf_now_ms_precise() - g->t0;
	ev.done = done;
	ev.ok = done && g->t->connect_ok && g->t->smtp.fail_code == SF_OK;
	r->o->progress(r->o->progress_ctx, &ev);
}

static void
close_target(struct target *g)
{
	if (g->tls != NULL) {
		sf_tls_close(g->tls);
		g->tls = NULL;
	}
	if (g->fd >= 0) {
		close(g->fd);
		g->fd = -1;
	}
}

static void
finish(struct sf_runner *r, struct target *g)
{
	if (g->phase == PH_DONE)
		return;
	if (g->session_live) {
		sf_session_take_result(&g->s, &g->t->smtp);
		sf_session_free(&g->s);
		g->session_live = false;
	}
	close_target(g);
	g->phase = PH_DONE;
	g->want = 0;
	g->t->total_ms = sf_now_ms_precise() - g->t0;
	emit(r, g, "done", true);
	if (r->on_done != NULL)
		r->on_done(r->ctx, r, (size_t)(g - r->targets));
}

static void
start_session(struct sf_runner *r, struct target *g, bool announce)
{
	const struct sf_probe_options *o = r->o;
	struct sf_session_config c;
	bool login = g->spec.login && o->user != NULL && o->password != NULL;

	memset(&c, 0, sizeof c);
	c.tls = policy_for(g->spec.mode, g->t->mode);
	c.ehlo_name = o->ehlo_name;
	c.rcpt_test = g->spec.rcpt_test;
	/* Whether the login listed is really taken, without a password: on
	 * every connection that has no login of its own to try. */
	c.auth_check = !login;
	c.transcript = &g->t->transcript;
	c.redact = &r->redact;
	if (login) {
		const char *addr = strchr(o->user, '@') ? o->user : o->mail_from;

		snprintf(g->from, sizeof g->from, "%s", o->login_from ? o->login_from : addr);
		snprintf(g->rcpt, sizeof g->rcpt, "%s", o->login_rcpt ? o->login_rcpt : g->from);
		c.mail_from = g->from;
		c.rcpt_to = g->rcpt;
		c.auth_user = o->user;
		c.auth_password = o->password->data;
		c.auth_password_len = o->password->len;
		c.allow_plaintext_auth = o->allow_plaintext_auth;
		c.send_test = o->send_test;
		c.message = "Subject: smtpfix test message\r\n"
			    "From: <smtpfix-test@invalid>\r\n"
			    "\r\n"
			    "This message was sent by smtpfix to check that sending works.\r\n";
		c.hmac_md5 = sf_tls_hmac_md5;
	} else {
		c.mail_from = o->mail_from;
		c.rcpt_to = o->rcpt_to;
	}
	sf_session_init(&g->s, &c);
	g->session_live = true;
	g->last_step = SF_STEP_GREETING;
	g->phase = PH_SMTP;
	g->deadline = sf_now_ms() + o->timeout_ms;
	if (announce)
		emit(r, g, "banner", false);
}

/* A certificate is the server's text too: one made after a first
 * connection could carry the password it was sent. */
static void
redact_tls(const struct sf_redactor *rd, struct sf_tls_info *info)
{
	size_t i;

	sf_redact_buf(rd, info->subject, sizeof info->subject);
	sf_redact_buf(rd, info->issuer, sizeof info->issuer);
	for (i = 0; i < info->nsan; i++)
		sf_redact_buf(rd, info->san[i], sizeof info->san[i]);
	sf_redact_buf(rd, info->verify_detail, sizeof info->verify_detail);
	sf_redact_buf(rd, info->handshake_error, sizeof info->handshake_error);
}

static void
note_tls(struct sf_transcript *tr, const struct sf_tls_info *info)
{
	if (!info->handshake_ok) {
		sf_transcript_note(tr, "TLS handshake failed: %s", info->handshake_error);
		return;
	}
	sf_transcript_note(tr, "TLS handshake done: %s, %s; certificate %s (%s)", info->version,
		info->cipher, sf_cert_verdict_id(info->verdict), info->verify_detail);
}

static void
begin_tls(struct sf_runner *r, struct target *g)
{
	struct sf_tls_config cfg = { r->o->host, r->o->ca_file };
	struct sf_error err;

	g->t->tls_attempted = true;
	sf_transcript_note(&g->t->transcript, "starting TLS (SNI %s)", r->o->host);
	emit(r, g, "tls", false);
	g->deadline = sf_now_ms() + r->o->timeout_ms;
	if (sf_tls_start(g->fd, &cfg, &g->tls, &g->t->tls, &err) < 0) {
		redact_tls(&r->redact, &g->t->tls);
		note_tls(&g->t->transcript, &g->t->tls);
		if (g->session_live)
			sf_session_tls_done(&g->s, false, g->t->tls.handshake_error);
		else
			finish(r, g);
		return;
	}
	g->phase = PH_TLS;
	g->want = POLLOUT;
}

/* TLS handshake progress: implicit TLS before the session, or STARTTLS. */
static void
step_tls(struct sf_runner *r, struct target *g)
{
	struct sf_error err;
	short want;
	int rc = sf_tls_handshake_step(g->tls, &want, &g->t->tls, &err);

	if (rc == 0) {
		g->want = want;
		return;
	}
	redact_tls(&r->redact, &g->t->tls);
	note_tls(&g->t->transcript, &g->t->tls);
	if (rc < 0) {
		sf_tls_close(g->tls);
		g->tls = NULL;
	}
	if (g->session_live) {
		/* STARTTLS: hand the outcome to the session. */
		g->phase = PH_SMTP;
		sf_session_tls_done(&g->s, rc == 1, g->t->tls.handshake_error);
		return;
	}
	if (rc < 0) {
		/* Implicit TLS failed before any SMTP. */
		start_session(r, g, false);
		sf_session_abort(&g->s, SF_E_TLS, g->t->tls.handshake_error);
		finish(r, g);
		return;
	}
	start_session(r, g, true);
}

static ssize_t
conn_read(struct target *g, char *buf, size_t len, short *want, struct sf_error *err)
{
	bool again = false;
	ssize_t n;

	if (g->tls != NULL)
		return sf_tls_read(g->tls, buf, len, want, err);
	n = sf_sock_read(g->fd, buf, len, &again, err);
	*want = again ? POLLIN : 0;
	return n;
}

static ssize_t
conn_write(struct target *g, const char *buf, size_t len, short *want, struct sf_error *err)
{
	bool again = false;
	ssize_t n;

	if (g->tls != NULL)
		return sf_tls_write(g->tls, buf, len, want, err);
	n = sf_sock_write(g->fd, buf, len, &again, err);
	*want = again ? POLLOUT : 0;
	return n;
}

/* Advance the SMTP conversation until it has to wait. */
static void
step_smtp(struct sf_runner *r, struct target *g)
{
	char buf[SF_PROBE_READ_CHUNK];
	struct sf_error err;
	const char *out;
	size_t len;
	ssize_t n;
	short want;

	for (;;) {
		if (g->s.step != g->last_step) {
			g->last_step = g->s.step;
			if (g->s.step != SF_STEP_DONE) /* "done" follows on its own */
				emit(r, g, step_word(g->s.step), false);
		}
		switch (sf_session_want(&g->s)) {
		case SF_WANT_DONE: finish(r, g); return;
		case SF_WANT_TLS:
			begin_tls(r, g);
			if (g->phase != PH_TLS)
				continue; /* could not even start: the session knows */
			step_tls(r, g);
			if (g->phase == PH_TLS)
				return; /* the handshake waits; advance() resumes it */
			continue;
		case SF_WANT_WRITE:
			out = sf_session_output(&g->s, &len);
			n = conn_write(g, out, len, &want, &err);
			if (n > 0) {
				sf_session_output_done(&g->s, (size_t)n);
				if (sf_session_want(&g->s) != SF_WANT_WRITE) {
					/* The whole command is out: its reply is due. */
					g->deadline =
						sf_now_ms() + (g->s.step == SF_STEP_QUIT
									      ? SF_QUIT_GRACE_MS
									      : r->o->timeout_ms);
					sf_session_feed(&g->s, NULL, 0);
				}
				continue;
			}
			if (n < 0 && want != 0) {
				g->want = want;
				return;
			}
			/* A server that hung up after its last reply shows up here
			 * first; the session decides what that means. */
			sf_session_output_done(&g->s, len);
			if (err.code == SF_E_RESET || err.code == SF_E_CLOSED)
				sf_session_eof(&g->s, err.code == SF_E_RESET);
			else
				sf_session_abort(&g->s, err.code, err.message);
			continue;
		case SF_WANT_READ:
			n = conn_read(g, buf, sizeof buf, &want, &err);
			if (n > 0) {
				sf_session_feed(&g->s, buf, (size_t)n);
				continue;
			}
			if (n == 0) {
				sf_session_eof(&g->s, false);
				continue;
			}
			if (want != 0) {
				g->want = want;
				return;
			}
			if (err.code == SF_E_RESET)
				sf_session_eof(&g->s, true);
			else
				sf_session_abort(&g->s, err.code, err.message);
			continue;
		}
	}
}

/* Step a target as far as it can go without waiting. */
static void
advance(struct sf_runner *r, struct target *g)
{
	if (g->phase == PH_TLS)
		step_tls(r, g);
	if (g->phase == PH_SMTP)
		step_smtp(r, g);
}

static void
step_connect(struct sf_runner *r, struct target *g)
{
	if (sf_connect_finish(g->fd, &g->spec.addr, g->t->real_port, &g->t->connect_err) < 0) {
		g->t->connect_ms = sf_now_ms_precise() - g->t0;
		sf_transcript_note(&g->t->transcript, "%s", g->t->connect_err.message);
		finish(r, g);
		return;
	}
	g->t->connect_ok = true;
	g->t->connect_ms = sf_now_ms_precise() - g->t0;
	sf_transcript_note(&g->t->transcript, "connected in %.1f ms", g->t->connect_ms);
	if (g->t->mode == SF_MODE_TLS)
		begin_tls(r, g);
	else
		start_session(r, g, true);
	advance(r, g);
}

static void
on_deadline(struct sf_runner *r, struct target *g)
{
	switch (g->phase) {
	case PH_CONNECTING:
		sf_error_set(&g->t->connect_err, SF_E_TIMEOUT,
			"no answer from %s port %d within the time limit (a firewall may drop the "
			"traffic)",
			g->t->address, g->t->real_port);
		g->t->connect_ms = sf_now_ms_precise() - g->t0;
		sf_transcript_note(&g->t->transcript, "%s", g->t->connect_err.message);
		finish(r, g);
		return;
	case PH_TLS: {
		struct sf_error err;

		sf_tls_handshake_timeout(&g->t->tls, &err);
		redact_tls(&r->redact, &g->t->tls);
		note_tls(&g->t->transcript, &g->t->tls);
		sf_tls_close(g->tls);
		g->tls = NULL;
		if (!g->session_live)
			start_session(r, g, false);
		sf_session_abort(&g->s, SF_E_TIMEOUT, g->t->tls.handshake_error);
		finish(r, g);
		return;
	}
	case PH_SMTP:
		sf_session_timeout(&g->s, r->o->timeout_ms);
		step_smtp(r, g);
		return;
	case PH_DONE: return;
	}
}

struct sf_runner *
sf_runner_new(const struct sf_probe_options *o, sf_target_done_fn on_done, void *ctx)
{
	struct sf_runner *r = calloc(1, sizeof *r);
	struct sigaction ign;

	if (r == NULL)
		return NULL;
	r->cap = SF_PROBE_MAX_TARGETS;
	r->targets = calloc(r->cap, sizeof *r->targets);
	r->results = calloc(r->cap, sizeof *r->results);
	if (r->targets == NULL || r->results == NULL) {
		free(r->targets);
		free(r->results);
		free(r);
		return NULL;
	}
	if (o->password != NULL && sf_redactor_init(&r->redact, o->user, o->password->data,
					   o->password->len, NULL) < 0) {
		free(r->targets);
		free(r->results);
		free(r);
		return NULL;
	}
	r->o = o;
	r->on_done = on_done;
	r->ctx = ctx;
	/* OpenSSL writes with write(2): a server that hung up would raise
	 * SIGPIPE and kill the whole program. Ignore it while probing and
	 * put the caller's handler back afterwards (curl does the same). */
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &r->saved_pipe);
	return r;
}

long
sf_runner_add(struct sf_runner *r, const struct sf_target_spec *spec)
{
	struct target *g;
	struct sf_target_result *t;

	if (r->count >= r->cap)
		return -1;
	g = &r->targets[r->count];
	t = &r->results[r->count];
	memset(g, 0, sizeof *g);
	g->spec = *spec;
	g->t = t;
	g->fd = -1;
	g->t0 = sf_now_ms_precise();
	r->count++;
	t->purpose = spec->purpose;
	snprintf(t->address, sizeof t->address, "%s", spec->addr.text);
	t->port = spec->port;
	t->real_port = sf_probe_real_port(r->o, spec->port);
	t->mode = sf_probe_mode_for_port(spec->mode, spec->port);
	sf_transcript_init(&t->transcript, NULL);
	if (t->real_port != t->port)
		sf_transcript_note(&t->transcript, "connecting to %s port %d (treated as port %d)",
			t->address, t->real_port, t->port);
	else
		sf_transcript_note(&t->transcript, "connecting to %s port %d", t->address, t->port);
	emit(r, g, "connecting", false);
	if (sf_connect_start(&spec->addr, t->real_port, &g->fd, &t->connect_err) < 0) {
		t->connect_ms = sf_now_ms_precise() - g->t0;
		sf_transcript_note(&t->transcript, "%s", t->connect_err.message);
		finish(r, g);
		return (long)(g - r->targets);
	}
	g->phase = PH_CONNECTING;
	g->want = POLLOUT;
	g->deadline = sf_now_ms() + r->o->timeout_ms;
	return (long)(g - r->targets);
}

size_t
sf_runner_fill(struct sf_runner *r, struct pollfd *fds, size_t max, int *timeout_ms)
{
	int64_t now = sf_now_ms(), nearest = -1;
	size_t i, n = 0;

	for (i = 0; i < r->count && n < max; i++) {
		struct target *g = &r->targets[i];

		if (g->phase == PH_DONE)
			continue;
		fds[n].fd = g->fd;
		fds[n].events = g->want ? g->want : POLLIN;
		fds[n].revents = 0;
		r->polled[n] = i;
		n++;
		if (nearest < 0 || g->deadline < nearest)
			nearest = g->deadline;
	}
	r->npolled = n;
	if (timeout_ms != NULL)
		*timeout_ms = nearest < 0 ? -1 : (int)(nearest > now ? nearest - now : 0);
	return n;
}

void
sf_runner_dispatch(struct sf_runner *r, const struct pollfd *fds, size_t n)
{
	size_t i, count;
	int64_t now;

	for (i = 0; i < n && i < r->npolled; i++) {
		struct target *g = &r->targets[r->polled[i]];

		if (fds[i].revents == 0 || g->phase == PH_DONE || g->fd != fds[i].fd)
			continue;
		g->want = 0;
		switch (g->phase) {
		case PH_CONNECTING: step_connect(r, g); break;
		case PH_TLS:
		case PH_SMTP: advance(r, g); break;
		case PH_DONE: break;
		}
	}
	/* Deadlines, including those of targets added by on_done meanwhile. */
	now = sf_now_ms();
	count = r->count;
	for (i = 0; i < count; i++) {
		struct target *g = &r->targets[i];

		if (g->phase != PH_DONE && g->deadline <= now)
			on_deadline(r, g);
	}
}

bool
sf_runner_busy(const struct sf_runner *r)
{
	size_t i;

	for (i = 0; i < r->count; i++)
		if (r->targets[i].phase != PH_DONE)
			return true;
	return false;
}

void
sf_runner_cancel(struct sf_runner *r)
{
	size_t i;

	/* Close every socket first, at once; then record what each was doing. */
	for (i = 0; i < r->count; i++)
		if (r->targets[i].phase != PH_DONE)
			close_target(&r->targets[i]);
	for (i = 0; i < r->count; i++) {
		struct target *g = &r->targets[i];

		if (g->phase == PH_DONE)
			continue;
		g->t->cancelled = true;
		sf_transcript_note(&g->t->transcript, "cancelled");
		if (g->phase == PH_CONNECTING)
			sf_error_set(
				&g->t->connect_err, SF_E_CANCELLED, "cancelled before connecting");
		if (g->session_live)
			sf_session_abort(&g->s, SF_E_CANCELLED, "cancelled");
		else if (g->phase == PH_TLS)
			snprintf(g->t->tls.handshake_error, sizeof g->t->tls.handshake_error,
				"cancelled during the handshake");
	}
	/* No follow-ups after a cancel. */
	r->on_done = NULL;
	for (i = 0; i < r->count; i++)
		finish(r, &r->targets[i]);
}

void
sf_runner_run(struct sf_runner *r)
{
	struct pollfd fds[SF_PROBE_MAX_TARGETS];
	size_t n;
	int timeout;

	while (sf_runner_busy(r)) {
		if (r->o->cancel != NULL && atomic_load(r->o->cancel)) {
			sf_runner_cancel(r);
			return;
		}
		n = sf_runner_fill(r, fds, SF_PROBE_MAX_TARGETS, &timeout);
		/* Wake at least every 100 ms to notice a cancel request. */
		if (timeout < 0 || timeout > 100)
			timeout = 100;
		if (poll(fds, n, timeout) < 0)
			continue; /* EINTR: a signal, perhaps the cancel */
		sf_runner_dispatch(r, fds, n);
	}
}

const struct sf_target_result *
sf_runner_result(const struct sf_runner *r, size_t i)
{
	return i < r->count ? &r->results[i] : NULL;
}

const struct sf_addr *
sf_runner_addr(const struct sf_runner *r, size_t i)
{
	return i < r->count ? &r->targets[i].spec.addr : NULL;
}

void
sf_runner_take(struct sf_runner *r, struct sf_target_result **targets, size_t *n)
{
	*targets = r->results;
	*n = r->count;
	r->results = NULL;
	r->count = 0;
}

void
sf_runner_free(struct sf_runner *r)
{
	size_t i;

	if (r == NULL)
		return;
	sf_runner_cancel(r);
	for (i = 0; r->results != NULL && i < r->count; i++) {
		sf_session_result_free(&r->results[i].smtp);
		sf_transcript_free(&r->results[i].transcript);
	}
	free(r->results);
	free(r->targets);
	sigaction(SIGPIPE, &r->saved_pipe, NULL);
	sf_redactor_free(&r->redact);
	free(r);
}

void
sf_probe_target(const struct sf_probe_options *o, const struct sf_addr *addr, int port,
	struct sf_target_result *t)
{
	struct sf_runner *r = sf_runner_new(o, NULL, NULL);
	struct sf_target_spec spec;
	struct sf_target_result *all;
	size_t n;

	memset(t, 0, sizeof *t);
	if (r == NULL)
		return;
	memset(&spec, 0, sizeof spec);
	spec.addr = *addr;
	spec.port = port;
	spec.mode = o->mode;
	spec.purpose = SF_PURPOSE_MAIN;
	spec.rcpt_test = o->rcpt_test;
	spec.login = o->user != NULL && o->password != NULL;
	sf_runner_add(r, &spec);
	sf_runner_run(r);
	sf_runner_take(r, &all, &n);
	if (n == 1)
		*t = all[0];
	free(all);
	sf_runner_free(r);
}
