/* Drives the sans-I/O session over one real connection. Every wait is
 * bounded: the deadline restarts when a command is sent (or the
 * connection opens) and is never extended by bytes arriving, so a server
 * that drips a byte a second still ends on time. */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "smtpfix/clock.h"
#include "smtpfix/probe.h"

#define SF_PROBE_READ_CHUNK 4096

struct conn {
	int fd;
	struct sf_tls *tls;
};

/* Read what is there, waiting until deadline. Returns bytes read, 0 at end
 * of stream, -1 with err (SF_E_TIMEOUT when the deadline passed). */
static ssize_t
conn_read(struct conn *c, char *buf, size_t len, int64_t deadline, struct sf_error *err)
{
	for (;;) {
		ssize_t n;
		short want = POLLIN;
		bool again = false;
		int rc;

		if (c->tls != NULL) {
			n = sf_tls_read(c->tls, buf, len, &want, err);
			again = n < 0 && want != 0;
		} else {
			n = sf_sock_read(c->fd, buf, len, &again, err);
		}
		if (n >= 0)
			return n;
		if (!again)
			return -1;
		rc = sf_wait_fd(c->fd, want, deadline, err);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return sf_error_set(err, SF_E_TIMEOUT, "deadline passed");
	}
}

static int
conn_write_all(struct conn *c, const char *buf, size_t len, int64_t deadline, struct sf_error *err)
{
	while (len > 0) {
		ssize_t n;
		short want = POLLOUT;
		bool again = false;
		int rc;

		if (c->tls != NULL) {
			n = sf_tls_write(c->tls, buf, len, &want, err);
			again = n < 0 && want != 0;
		} else {
			n = sf_sock_write(c->fd, buf, len, &again, err);
		}
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (!again)
			return -1;
		rc = sf_wait_fd(c->fd, want, deadline, err);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return sf_error_set(err, SF_E_TIMEOUT, "the server did not accept data in time");
	}
	return 0;
}

static enum sf_tls_policy
policy_for(enum sf_probe_mode m)
{
	switch (m) {
	case SF_MODE_PLAIN: return SF_TLS_NEVER;
	case SF_MODE_STARTTLS: return SF_TLS_REQUIRED;
	case SF_MODE_TLS: return SF_TLS_IMPLICIT;
	case SF_MODE_AUTO: break;
	}
	return SF_TLS_IF_OFFERED;
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

static int
start_tls(struct conn *c, const struct sf_probe_options *o, struct sf_target_result *t,
	int64_t deadline)
{
	struct sf_tls_config cfg = { o->host, o->ca_file };
	struct sf_error err;
	int rc;

	t->tls_attempted = true;
	sf_transcript_note(&t->transcript, "starting TLS (SNI %s)", o->host);
	rc = sf_tls_connect(c->fd, &cfg, deadline, &c->tls, &t->tls, &err);
	note_tls(&t->transcript, &t->tls);
	return rc;
}

/* The loop between the session and the connection. */
static void
converse(struct conn *c, struct sf_session *s, const struct sf_probe_options *o,
	struct sf_target_result *t)
{
	char buf[SF_PROBE_READ_CHUNK];
	int64_t deadline = sf_now_ms() + o->timeout_ms;
	struct sf_error err;
	const char *out;
	size_t len;
	ssize_t n;

	for (;;) {
		switch (sf_session_want(s)) {
		case SF_WANT_DONE:
			return;
		case SF_WANT_WRITE:
			out = sf_session_output(s, &len);
			deadline = sf_now_ms() + o->timeout_ms;
			if (conn_write_all(c, out, len, deadline, &err) < 0) {
				/* A server that hung up after its last reply shows up
				 * here first; the session decides what that means. */
				sf_session_output_done(s, len);
				if (err.code == SF_E_RESET || err.code == SF_E_CLOSED)
					sf_session_eof(s, err.code == SF_E_RESET);
				else
					sf_session_abort(s, err.code, err.message);
				break;
			}
			sf_session_output_done(s, len);
			sf_session_feed(s, NULL, 0);
			break;
		case SF_WANT_TLS:
			deadline = sf_now_ms() + o->timeout_ms;
			if (start_tls(c, o, t, deadline) < 0)
				sf_session_tls_done(s, false, t->tls.handshake_error);
			else
				sf_session_tls_done(s, true, NULL);
			break;
		case SF_WANT_READ:
			n = conn_read(c, buf, sizeof buf, deadline, &err);
			if (n > 0)
				sf_session_feed(s, buf, (size_t)n);
			else if (n == 0)
				sf_session_eof(s, false);
			else if (err.code == SF_E_TIMEOUT)
				sf_session_timeout(s, o->timeout_ms);
			else if (err.code == SF_E_RESET)
				sf_session_eof(s, true);
			else
				sf_session_abort(s, err.code, err.message);
			break;
		}
	}
}

void
sf_probe_target(const struct sf_probe_options *o, const struct sf_addr *addr, int port,
	struct sf_target_result *t)
{
	struct sf_session_config scfg;
	struct sf_session s;
	struct conn c = { -1, NULL };
	double t0 = sf_now_ms_precise();
	struct sigaction ign, saved;

	/* OpenSSL writes with write(2): a server that hung up would raise
	 * SIGPIPE and kill the whole program. Ignore it while probing and
	 * put the caller's handler back afterwards (curl does the same). */
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &saved);

	memset(t, 0, sizeof *t);
	snprintf(t->address, sizeof t->address, "%s", addr->text);
	t->port = port;
	t->real_port = sf_probe_real_port(o, port);
	t->mode = sf_probe_mode_for_port(o->mode, port);
	sf_transcript_init(&t->transcript, NULL);
	if (t->real_port != port)
		sf_transcript_note(&t->transcript, "connecting to %s port %d (treated as port %d)",
			addr->text, t->real_port, port);
	else
		sf_transcript_note(&t->transcript, "connecting to %s port %d", addr->text, port);

	if (sf_connect(addr, t->real_port, sf_now_ms() + o->timeout_ms, &c.fd, &t->connect_err) < 0) {
		t->connect_ms = sf_now_ms_precise() - t0;
		sf_transcript_note(&t->transcript, "%s", t->connect_err.message);
		t->total_ms = t->connect_ms;
		sigaction(SIGPIPE, &saved, NULL);
		return;
	}
	t->connect_ok = true;
	t->connect_ms = sf_now_ms_precise() - t0;
	sf_transcript_note(&t->transcript, "connected in %.1f ms", t->connect_ms);

	memset(&scfg, 0, sizeof scfg);
	/* auto on a port other than 465 means STARTTLS when offered, and the
	 * plain-text test otherwise, as most mail programs' "auto" does. */
	scfg.tls = o->mode == SF_MODE_AUTO && t->mode == SF_MODE_STARTTLS ? SF_TLS_IF_OFFERED
									 : policy_for(t->mode);
	scfg.ehlo_name = o->ehlo_name;
	scfg.mail_from = o->mail_from;
	scfg.rcpt_to = o->rcpt_to;
	scfg.rcpt_test = o->rcpt_test;
	scfg.transcript = &t->transcript;
	sf_session_init(&s, &scfg);

	if (t->mode == SF_MODE_TLS &&
		start_tls(&c, o, t, sf_now_ms() + o->timeout_ms) < 0) {
		/* Implicit TLS failed before any SMTP: record it as the
		 * greeting never arriving over TLS. */
		sf_session_abort(&s, SF_E_TLS, t->tls.handshake_error);
	} else {
		converse(&c, &s, o, t);
	}
	sf_session_take_result(&s, &t->smtp);
	sf_session_free(&s);
	sf_tls_close(c.tls);
	close(c.fd);
	t->total_ms = sf_now_ms_precise() - t0;
	sigaction(SIGPIPE, &saved, NULL);
}
