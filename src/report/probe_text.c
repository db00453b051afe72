#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "smtpfix/refcode.h"
#include "smtpfix/report.h"
#include "smtpfix/text.h"

#define LABEL_WIDTH 14
#define SCREEN_WIDTH 80     /* the summary must read well at 80 columns */
#define SERVER_TEXT_MAX 600 /* text from outside shown per piece in the summary */

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

static void w_printf(struct writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

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
login_lines(struct writer *w, const struct sf_target_result *t)
{
	const struct sf_session_result *s = &t->smtp;

	w_label(w, "Login");
	switch (s->auth_outcome) {
	case SF_AUTH_OK:
		w_printf(w, "ok (%s%s)", s->auth_mechanism,
			s->plaintext_auth
				? ", WITHOUT encryption: the password crossed the network readable"
				: "");
		break;
	case SF_AUTH_REFUSED:
		w_printf(w, "REFUSED with %s: ", s->auth_mechanism);
		w_reply(w, &s->auth.reply);
		break;
	case SF_AUTH_NOT_OFFERED:
		w_printf(w, "not tried: the server offers no login on this connection");
		break;
	case SF_AUTH_NO_TLS:
		w_printf(w, "not tried: no encryption here, and the password is not sent in the "
			    "clear without --allow-plaintext-auth");
		break;
	case SF_AUTH_NO_MECHANISM:
		w_printf(w, "not tried: the server offers only login methods smtpfix does not "
			    "speak (often OAuth2 or SCRAM; an app password may be needed)");
		break;
	case SF_AUTH_NOT_TRIED: w_printf(w, "not tried"); break;
	}
	w_end_row(w);
	if (s->mail.replied) {
		w_label(w, "Send as you");
		w_printf(w, "MAIL FROM ");
		w_reply(w, &s->mail.reply);
		if (s->rcpt.replied) {
			w_printf(w, "; RCPT TO ");
			w_reply(w, &s->rcpt.reply);
		}
		w_end_row(w);
	}
	if (s->message.replied) {
		w_label(w, "Test message");
		w_reply(w, &s->message.reply);
		w_end_row(w);
	}
}

static const char *
security_words(enum sf_security sec)
{
	switch (sec) {
	case SF_SEC_NONE: return "None";
	case SF_SEC_STARTTLS: return "STARTTLS";
	case SF_SEC_TLS: return "SSL/TLS";
	}
	return "?";
}

/* For a port that failed in an unusual way, the first target's precise
 * reason ("the server sent a NUL byte", "reset by peer"). */
static void
port_problem(
	struct writer *w, const struct sf_probe_result *res, int port, enum sf_port_status status)
{
	char why[SF_MESSAGE_MAX];
	size_t i;

	if (status == SF_PORT_CLOSED || status == SF_PORT_FILTERED)
		return;
	for (i = 0; i < res->ntargets; i++) {
		const struct sf_target_result *t = &res->targets[i];

		if (t->port != port || t->purpose != SF_PURPOSE_MAIN ||
			sf_target_healthy(t, why, sizeof why))
			continue;
		w_printf(w, ": ");
		w_server(w, why, strlen(why));
		return;
	}
}

static void
ports_section(struct writer *w, const struct sf_probe_result *res)
{
	size_t i;

	w_printf(w, "\nPorts\n");
	for (i = 0; i < res->npolicies; i++) {
		const struct sf_port_policy *p = &res->policies[i];
		char label[16];

		snprintf(label, sizeof label, "%d", p->port);
		w_label(w, label);
		if (p->status != SF_PORT_OPEN) {
			w_printf(w, "%s", sf_port_status_words(p->status));
			port_problem(w, res, p->port, p->status);
			w_end_row(w);
			continue;
		}
		w_printf(w, "%s%s%s; login %s", p->implicit_tls ? "SSL/TLS" : "",
			p->implicit_tls && p->starttls ? " and " : "",
			p->starttls        ? "STARTTLS"
			: !p->implicit_tls ? "no encryption"
					   : "",
			sf_auth_policy_words(p->auth));
		if (p->unauth_code != 0) {
			w_printf(w, "; without login: ");
			w_server(w, p->unauth_text, strlen(p->unauth_text));
		}
		w_end_row(w);
	}
}

static void
matrix_section(struct writer *w, const struct sf_probe_result *res)
{
	size_t i;
	bool inferred = false;

	w_printf(w, "\nWhat a mail program will meet (port, security, login)\n");
	for (i = 0; i < res->ncells; i++) {
		const struct sf_matrix_cell *c = &res->cells[i];

		/* A closed port says the same six times: once is enough. */
		if ((c->outcome == SF_OUT_PORT_CLOSED || c->outcome == SF_OUT_PORT_FILTERED) &&
			!(c->security == SF_SEC_NONE && c->auth))
			continue;
		if (c->outcome == SF_OUT_PORT_CLOSED || c->outcome == SF_OUT_PORT_FILTERED) {
			w_printf(w, "  %-5d %-20s %s\n", c->port, "any",
				sf_outcome_words(c->outcome));
			continue;
		}
		w_printf(w, "  %-5d %-8s %-11s %s%s\n", c->port, security_words(c->security),
			c->auth ? "login on" : "login off", sf_outcome_words(c->outcome),
			c->observed ? "" : " *");
		inferred |= !c->observed;
	}
	if (inferred)
		w_printf(w, "  (* inferred from the other answers, not seen directly)\n");
}

/* Names the certificate gave that smtpfix will not put in the steps, and
 * why: the server chose them, so each was checked first. */
static void
cert_name_notes(struct writer *w, const struct sf_probe_result *res)
{
	size_t i, last = res->ncert_names;

	for (i = 0; i < res->ncert_names; i++)
		if (res->cert_names[i].check != SF_CERT_NAME_LEADS_HERE)
			last = i;
	for (i = 0; i < res->ncert_names; i++) {
		const struct sf_cert_name *c = &res->cert_names[i];

		if (c->check == SF_CERT_NAME_LEADS_HERE)
			continue;
		w_label(w, "Not used");
		w_printf(w, "the certificate names ");
		w_server(w, c->name, strlen(c->name));
		if (c->check == SF_CERT_NAME_NOT_HOST)
			w_printf(w, ", which is not a host name a mail program can use");
		else if (c->check == SF_CERT_NAME_NO_ADDRESS)
			w_printf(w, ", which does not resolve to any address");
		else
			w_printf(w, ", which leads to %s, not to the server probed (%s)", c->found,
				c->probed);
		if (i == last && !res->recommended.from_certificate)
			w_printf(w, ". Ask the provider which server name its certificate is for");
		w_end_row(w);
	}
}

/* The setting to use, in the words of the "Use this" rows. */
static void
setting_words(struct writer *w, const struct sf_recommendation *r)
{
	w_printf(w, "outgoing server ");
	w_server(w, r->host, strlen(r->host));
	w_printf(w, ", port %d, security %s, authentication %s", r->port,
		security_words(r->security), r->auth ? "on" : "off");
}

static void
advice_section(struct writer *w, const struct sf_probe_result *res, const struct sf_diagnosis *diag)
{
	const struct sf_recommendation *r = sf_diag_settings(diag, res);
	size_t i;

	w_printf(w, "\n");
	if (res->local_target) {
		w_label(w, "Note");
		w_printf(w, "this probe ran from the mail server to itself. Servers such as "
			    "cPanel's Exim treat local connections as secure, so a remote mail "
			    "program may be treated differently. Probe a public address instead:");
		for (i = 0; i < res->public_addrs.count; i++)
			w_printf(w, " %s", res->public_addrs.addrs[i].text);
		if (res->public_addrs.count == 0)
			w_printf(w, " (this machine has no other address)");
		w_end_row(w);
	}
	w_label(w, "Use this");
	if (!r->found) {
		w_printf(w, "no setting works as it is; see the table above");
	} else {
		setting_words(w, r);
		w_printf(w, ", user name ");
		if (r->username[0] != '\0')
			w_server(w, r->username, strlen(r->username));
		else
			w_printf(w, "your full email address");
		if (!r->as_typed || r->insecure) {
			w_printf(w, " (");
			w_server(w, r->why, strlen(r->why));
			w_printf(w, ")");
		}
	}
	w_end_row(w);
	cert_name_notes(w, res);
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
	if (t->purpose != SF_PURPOSE_MAIN)
		w_printf(w, " [%s]", t->purpose == SF_PURPOSE_LOGIN ? "login test" : "follow-up");
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
	if (t->purpose == SF_PURPOSE_LOGIN)
		login_lines(w, t);
	else
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

/* The conclusion first, in the first lines: the verdict with its cause in
 * words, and the setting to use. The ports, the matrix and the evidence
 * follow for whoever wants them. */
static void
conclusion_head(
	struct writer *w, const struct sf_probe_result *res, const struct sf_diagnosis *diag)
{
	const struct sf_recommendation *r = sf_diag_settings(diag, res);
	const struct sf_diag_finding *f = NULL;
	char why[SF_DIAG_TEXT_MAX];
	size_t i;

	for (i = 0; diag != NULL && i < diag->nfindings && f == NULL; i++)
		if (diag->findings[i].severity == SF_SEV_PROBLEM)
			f = &diag->findings[i];
	w_printf(w, "\n");
	w_label(w, "In short");
	if (sf_diag_healthy(diag, res, why, sizeof why)) {
		w_printf(w, "the server takes mail from a mail program set as below");
	} else if (f != NULL) {
		w_server(w, f->text, strlen(f->text));
		w_printf(w, " [%s]", sf_cause_id(f->cause));
	} else {
		w_server(w, why, strlen(why));
	}
	w_end_row(w);
	w_label(w, "Use this");
	if (!r->found) {
		w_printf(w, "no setting works with this server as it is now");
	} else {
		setting_words(w, r);
	}
	w_end_row(w);
	{
		struct sf_refcode code;
		char text[SF_REFCODE_TEXT_MAX];

		sf_refcode_from_result(res, diag, &code);
		sf_refcode_encode(&code, text);
		w_label(w, "Reference");
		w_printf(w, "%s (\"smtpfix code %s\" expands it)", text, text);
		w_end_row(w);
	}
	w_printf(w, "\nThe details: each port, the settings matrix, the diagnosis with its "
		    "evidence.\n");
}

static void
diagnosis_section(struct writer *w, const struct sf_diagnosis *d)
{
	size_t i, k;

	if (d == NULL || d->nfindings == 0)
		return;
	w_printf(w, "\nDiagnosis\n");
	for (i = 0; i < d->nfindings; i++) {
		const struct sf_diag_finding *f = &d->findings[i];

		w_label(w, sf_severity_id(f->severity));
		w_printf(w, "[%s] ", sf_cause_id(f->cause));
		w_server(w, f->text, strlen(f->text));
		w_end_row(w);
		for (k = 0; k < f->nevidence; k++) {
			w_label(w, "");
			w_printf(w, "- ");
			w_server(w, f->evidence[k], strlen(f->evidence[k]));
			w_end_row(w);
		}
	}
	if (d->nserver > 0 && d->kind != SF_SERVER_UNKNOWN)
		w_printf(w, "\nOn the server (for its administrator; the server is %s)\n",
			sf_server_kind_words(d->kind));
	else if (d->nserver > 0)
		w_printf(w, "\nOn the server (for its administrator)\n");
	for (i = 0; i < d->nserver; i++) {
		w_label(w, d->server[i].weakens ? "weakens" : "safe");
		w_server(w, d->server[i].text, strlen(d->server[i].text));
		w_end_row(w);
	}
}

int
sf_report_probe_text(const struct sf_probe_result *res, const struct sf_diagnosis *diag,
	bool details, bool with_transcript, struct sf_buf *out, struct sf_error *err)
{
	struct writer w = { out, err, false, false, { NULL, 0, 0, 0 } };
	char why[SF_DIAG_TEXT_MAX];
	size_t i, shown = 0;
	bool healthy;

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
	if (res->analysed)
		conclusion_head(&w, res, diag);
	/* Connections in detail: all with --details, else the main ones of a
	 * fixed-mode probe and the login test. */
	for (i = 0; i < res->ntargets; i++) {
		const struct sf_target_result *t = &res->targets[i];

		if (details || t->purpose == SF_PURPOSE_LOGIN ||
			(!res->analysed && t->purpose == SF_PURPOSE_MAIN)) {
			target_text(&w, t, with_transcript);
			shown++;
		}
	}
	if (res->analysed) {
		ports_section(&w, res);
		matrix_section(&w, res);
	}
	if (diag != NULL && diag->published_from != NULL && !w.failed &&
		sf_report_published_text(diag, out, err) < 0)
		w.failed = true;
	diagnosis_section(&w, diag);
	if (res->analysed)
		advice_section(&w, res, diag);
	healthy = sf_diag_healthy(diag, res, why, sizeof why);
	if (!res->analysed && shown > 0)
		w_printf(&w, "\n");
	w_label(&w, "Verdict");
	if (healthy)
		w_printf(&w, "OK");
	else {
		w_printf(&w, "PROBLEM: ");
		w_server(&w, why, strlen(why));
	}
	w_end_row(&w);
	sf_buf_free(&w.row);
	return w.failed ? -1 : 0;
}
