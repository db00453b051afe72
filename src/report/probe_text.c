#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "smtpfix/report.h"
#include "smtpfix/text.h"

#define LABEL_WIDTH 14
#define SCREEN_WIDTH 80     /* the summary must read well at 80 columns */
#define SERVER_TEXT_MAX 300 /* server text shown per piece in the summary */

/* Rows are "  Label          value", the value wrapped to the screen width
 * with a hanging indent. While a row is open, output collects in `row`. */
struct writer {
	struct sf_buf *out;
	struct sf_error *err;
	bool failed;
	bool in_row;
	struct sf_buf row;
};

static struct sf_buf *
target(struct writer *w)
{
	return w->in_row ? &w->row : w->out;
}

static void
w_printf(struct writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
w_printf(struct writer *w, const char *fmt, ...)
{
	va_list ap;

	if (w->failed)
		return;
	va_start(ap, fmt);
	if (sf_buf_vprintf(target(w), w->err, fmt, ap) < 0)
		w->failed = true;
	va_end(ap);
}

/* Server text, made safe for a terminal. */
static void
w_server(struct writer *w, const char *s, size_t len)
{
	if (!w->failed && sf_sanitize_append(target(w), s, len, SERVER_TEXT_MAX, w->err) < 0)
		w->failed = true;
}

static void
w_raw(struct writer *w, const char *s, size_t len)
{
	if (!w->failed && sf_buf_add(w->out, s, len, w->err) < 0)
		w->failed = true;
}

/* Columns a run of UTF-8 takes, counting one per code point. */
static size_t
columns(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

/* Byte length of the longest prefix of s that fits in cols columns. */
static size_t
fit(const char *s, size_t len, size_t cols)
{
	size_t i = 0, n = 0;

	while (i < len) {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (n == cols)
				break;
			n++;
		}
		i++;
	}
	return i;
}

static void
w_end_row(struct writer *w)
{
	const size_t indent = 2 + LABEL_WIDTH + 1, width = SCREEN_WIDTH - indent;
	const char *t = w->row.data ? w->row.data : "";
	size_t len = w->row.len, take, cut;
	bool first = true;

	if (!w->in_row)
		return;
	w->in_row = false;
	do {
		while (!first && len > 0 && *t == ' ') {
			t++;
			len--;
		}
		take = len;
		if (columns(t, len) > width) {
			take = fit(t, len, width);
			/* Break at the last space that fits, if there is one. */
			for (cut = take; cut > 0 && t[cut] != ' '; cut--)
				;
			if (cut > 0)
				take = cut;
		}
		if (!first)
			w_printf(w, "%*s", (int)indent, "");
		w_raw(w, t, take);
		w_raw(w, "\n", 1);
		t += take;
		len -= take;
		first = false;
	} while (len > 0);
	sf_buf_reset(&w->row);
}

static void
w_label(struct writer *w, const char *label)
{
	w_end_row(w);
	w_printf(w, "  %-*s ", LABEL_WIDTH, label);
	w->in_row = true;
}

/* A reply on one line: its lines joined by spaces, each made safe. */
static void
w_reply(struct writer *w, const struct sf_reply *r)
{
	const char *t = r->text ? r->text : "";
	const char *nl;

	w_printf(w, "%d", r->code);
	do {
		nl = strchr(t, '\n');
		w_printf(w, " ");
		w_server(w, t, nl ? (size_t)(nl - t) : strlen(t));
		t = nl ? nl + 1 : t;
	} while (nl != NULL);
}

static void
w_mechs(struct writer *w, const struct sf_ehlo *caps)
{
	size_t i;

	if (!caps->auth_offered || caps->nauth == 0) {
		w_printf(w, "login (AUTH) not offered");
		return;
	}
	w_printf(w, "login offered:");
	for (i = 0; i < caps->nauth; i++) {
		w_printf(w, " ");
		w_server(w, caps->auth[i], strlen(caps->auth[i]));
	}
}

static const char *
mode_words(enum sf_probe_mode m)
{
	switch (m) {
	case SF_MODE_PLAIN: return "no encryption";
	case SF_MODE_STARTTLS: return "STARTTLS";
	case SF_MODE_TLS: return "SSL/TLS (implicit)";
	case SF_MODE_AUTO: break;
	}
	return "auto";
}

static void
tls_lines(struct writer *w, const struct sf_target_result *t)
{
	const struct sf_tls_info *i = &t->tls;
	size_t n;

	w_label(w, "TLS");
	if (!i->handshake_ok) {
		w_printf(w, "FAILED: ");
		w_server(w, i->handshake_error, strlen(i->handshake_error));
		w_end_row(w);
		return;
	}
	w_printf(w, "%s, %s", i->version, i->cipher);
	w_end_row(w);
	w_label(w, "Certificate");
	w_printf(w, "%s: ", i->verdict == SF_CERT_OK ? "ok" : sf_cert_verdict_id(i->verdict));
	w_server(w, i->verify_detail, strlen(i->verify_detail));
	w_end_row(w);
	if (!i->have_cert)
		return;
	w_label(w, "");
	w_printf(w, "names:");
	for (n = 0; n < i->nsan; n++) {
		w_printf(w, " ");
		w_server(w, i->san[n], strlen(i->san[n]));
	}
	if (i->nsan == 0) {
		w_printf(w, " ");
		w_server(w, i->subject, strlen(i->subject));
	}
	w_printf(w, "; valid %s to %s", i->not_before, i->not_after);
	w_end_row(w);
}

static void
send_test_lines(struct writer *w, const struct sf_session_result *s)
{
	const struct sf_exchange *x;
	const char *what;

	if (!s->mail.sent)
		return;
	w_label(w, "Send, no login");
	if (s->mail.replied && s->mail.reply.code / 100 != 2) {
		x = &s->mail;
		what = "MAIL FROM refused";
	} else if (s->rcpt.replied) {
		x = &s->rcpt;
		what = x->reply.code / 100 == 2 ? "RCPT TO to an outside address ACCEPTED"
						: "RCPT TO refused";
	} else {
		w_printf(w, "no answer");
		w_end_row(w);
		return;
	}
	w_printf(w, "%s: ", what);
	w_reply(w, &x->reply);
	w_end_row(w);
	if (x->disconnected) {
		w_label(w, "");
		w_printf(w, "and the server closed the connection right after");
		w_end_row(w);
	}
}

static void
transcript_lines(struct writer *w, const struct sf_transcript *tr)
{
	size_t i;

	w_printf(w, "  Transcript\n");
	for (i = 0; i < tr->count; i++) {
		const struct sf_transcript_entry *e = &tr->entries[i];

		w_printf(w, "    %8.1f ms %s ", e->ms, sf_dir_tag(e->dir));
		w_server(w, e->text, strlen(e->text));
		w_raw(w, "\n", 1); /* transcript lines stay whole, for pasting */
	}
	if (tr->dropped > 0)
		w_printf(w, "    (%zu more lines not kept)\n", tr->dropped);
}

static void
target_text(struct writer *w, const struct sf_target_result *t, bool with_transcript)
{
	const struct sf_session_result *s = &t->smtp;
	char why[512];
	bool healthy;

	w_printf(w, "\n%s port %d, %s", t->address, t->port, mode_words(t->mode));
	if (t->real_port != t->port)
		w_printf(w, " (connected to port %d)", t->real_port);
	w_raw(w, "\n", 1);
	w_label(w, "Connection");
	if (!t->connect_ok) {
		w_printf(w, "FAILED: %s", t->connect_err.message);
		w_end_row(w);
	} else {
		w_printf(w, "ok (%.1f ms)", t->connect_ms);
		w_end_row(w);
	}
	if (t->mode == SF_MODE_TLS && t->tls_attempted)
		tls_lines(w, t);
	if (s->greeting.replied) {
		w_label(w, "Greeting");
		w_reply(w, &s->greeting.reply);
		w_end_row(w);
	}
	if (s->caps_valid) {
		w_label(w, "Before TLS");
		w_printf(w, "STARTTLS %s; ", s->starttls_offered ? "offered" : "NOT offered");
		w_mechs(w, &s->caps);
		w_end_row(w);
	} else if (s->helo.replied) {
		w_label(w, "Hello");
		w_printf(w, "EHLO refused, HELO answered ");
		w_reply(w, &s->helo.reply);
		w_end_row(w);
	}
	if (s->starttls.replied && s->starttls.reply.code != 220) {
		w_label(w, "STARTTLS");
		w_printf(w, "refused: ");
		w_reply(w, &s->starttls.reply);
		w_end_row(w);
	}
	if (t->mode != SF_MODE_TLS && t->tls_attempted)
		tls_lines(w, t);
	if (s->caps_tls_valid) {
		w_label(w, t->mode == SF_MODE_TLS ? "Over TLS" : "After TLS");
		w_mechs(w, &s->caps_tls);
		w_end_row(w);
	}
	send_test_lines(w, s);
	/* A TLS failure is already on the TLS row; anything else that cut the
	 * conversation short gets its own. */
	if (s->fail_code != SF_OK && !s->rcpt.replied &&
		!(s->fail_code == SF_E_TLS && t->tls_attempted)) {
		w_label(w, "Stopped");
		w_server(w, s->fail_message, strlen(s->fail_message));
		w_end_row(w);
	}
	healthy = sf_target_healthy(t, why, sizeof why);
	w_label(w, "Result");
	if (healthy) {
		w_printf(w, "OK: a mail program set to %s, with login, can send here",
			mode_words(t->mode));
		w_end_row(w);
	} else {
		w_printf(w, "PROBLEM: ");
		w_server(w, why, strlen(why));
		w_end_row(w);
	}
	if (with_transcript)
		transcript_lines(w, &t->transcript);
}

int
sf_report_probe_text(const struct sf_probe_result *res, bool with_transcript, struct sf_buf *out,
	struct sf_error *err)
{
	struct writer w = { out, err, false, false, { NULL, 0, 0, 0 } };
	size_t i, healthy = 0;

	sf_buf_init(&w.row, SF_REPORT_MAX);
	w_printf(&w, "smtpfix probe of ");
	w_server(&w, res->host, strlen(res->host));
	w_printf(&w, "\n");
	if (!res->resolved) {
		w_printf(&w, "\nCould not look up the server: ");
		w_server(&w, res->resolve_err.message, strlen(res->resolve_err.message));
		w_printf(&w, "\n");
		sf_buf_free(&w.row);
		return w.failed ? -1 : 0;
	}
	for (i = 0; i < res->ntargets; i++) {
		target_text(&w, &res->targets[i], with_transcript);
		if (sf_target_healthy(&res->targets[i], NULL, 0))
			healthy++;
	}
	w_printf(&w, "\n%zu of %zu target%s healthy.\n", healthy, res->ntargets,
		res->ntargets == 1 ? "" : "s");
	sf_buf_free(&w.row);
	return w.failed ? -1 : 0;
}
