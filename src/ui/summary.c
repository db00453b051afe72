/* The wizard's answer, first on the result screen, first in the saved
 * report and last on the terminal after the screen closes: a card with
 * what to change, the setting to use, the login test, the reference code
 * and why, then what smtpfix saw. The words are in help/wizard/card.txt. */
#include <stdio.h>
#include <string.h>

#include "smtpfix/help.h"
#include "smtpfix/refcode.h"
#include "smtpfix/report.h"
#include "smtpfix/text.h"
#include "session.h"

#define CARD_FILE "wizard/card.txt"
#define CARD_WIDTH 78 /* fits 80 columns with the screen's margin */
#define CARD_LABEL 14 /* "  Login test  ": where every value starts */
#define CARD_VALUE_MAX 2048
#define CARD_SHOWN_MAX 1024 /* bytes of a server's or person's text in one row */

const char *
sf_ui_security_label(enum sf_security sec)
{
	return sec == SF_SEC_TLS ? "SSL/TLS" : sec == SF_SEC_STARTTLS ? "STARTTLS" : "None";
}

static enum sf_security
security_of_choice(int security)
{
	return security == 2 ? SF_SEC_TLS : security == 1 ? SF_SEC_STARTTLS : SF_SEC_NONE;
}

const struct sf_matrix_cell *
sf_ui_cell_for(const struct sf_probe_result *res, int port, enum sf_security sec)
{
	size_t i;

	for (i = 0; i < res->ncells; i++)
		if (res->cells[i].port == port && res->cells[i].security == sec &&
			res->cells[i].auth)
			return &res->cells[i];
	return NULL;
}

bool
sf_ui_now_setting(
	const struct sf_ui_session *s, const struct sf_wizard *w, int *port, enum sf_security *sec)
{
	int security;

	/* After "test again" the program is meant to hold the setting that
	 * was recommended: that is what the re-test speaks of. */
	if (w != NULL && w->retested && s->run.res.recommended.found) {
		*port = s->run.res.recommended.port;
		*sec = s->run.res.recommended.security;
		return true;
	}
	if (w == NULL || !sf_wiz_current_setting(w, port, &security))
		return false;
	*sec = security_of_choice(security);
	return true;
}

/* The finding the answer speaks of: the first problem, else the first. */
const struct sf_diag_finding *
sf_ui_main_finding(const struct sf_diagnosis *d)
{
	size_t k;

	for (k = 0; k < d->nfindings; k++)
		if (d->findings[k].severity == SF_SEV_PROBLEM)
			return &d->findings[k];
	return d->nfindings > 0 ? &d->findings[0] : NULL;
}

/* The person's setting works and nothing else stands in the way: the
 * answer is that, not a lesson about another setting. */
static bool
now_works(
	const struct sf_ui_session *s, const struct sf_wizard *w, int *port, enum sf_security *sec)
{
	const struct sf_diag_finding *f = sf_ui_main_finding(&s->run.diag);
	const struct sf_matrix_cell *c;

	if (!s->run.res.resolved || !sf_ui_now_setting(s, w, port, sec) ||
		(f != NULL && f->severity == SF_SEV_PROBLEM))
		return false;
	c = sf_ui_cell_for(&s->run.res, *port, *sec);
	return c != NULL && c->outcome == SF_OUT_WORKS;
}

static void
card_words(const char *key, const char *const *facts, char *out, size_t outsz)
{
	sf_help_fill(CARD_FILE, key, facts, out, outsz);
}

/* "  Label       value", the value wrapped under itself. The value is
 * shown as it is: callers make a server's text safe first (sf_ui_safe_copy()). */
static int
row(struct sf_buf *out, const char *label, const char *value, struct sf_error *err)
{
	char line[CARD_VALUE_MAX + 64];

	snprintf(line, sizeof line, "  %-*s%s", CARD_LABEL - 2, label, value);
	return sf_wrap_append(out, line, CARD_WIDTH, CARD_LABEL, err);
}

void
sf_ui_safe_copy(const char *text, char *out, size_t outsz)
{
	struct sf_buf b;
	struct sf_error err;

	sf_buf_init(&b, 8 * CARD_SHOWN_MAX);
	out[0] = '\0';
	if (sf_sanitize_append(&b, text, strlen(text), CARD_SHOWN_MAX, &err) == 0 && b.data)
		snprintf(out, outsz, "%s", b.data);
	sf_buf_free(&b);
}

static bool
is_password_cause(enum sf_cause c)
{
	return c == SF_CAUSE_WRONG_CREDENTIALS || c == SF_CAUSE_APP_PASSWORD_REQUIRED;
}

/* The recommended setting gets the mail through (a certificate the
 * program questions aside): then the program's steps help, whatever else
 * the server should change (no encryption anywhere, say). */
static bool
recommended_works(const struct sf_ui_session *s)
{
	const struct sf_recommendation *r = sf_diag_settings(&s->run.diag, &s->run.res);
	const struct sf_matrix_cell *c;

	if (!r->found)
		return false;
	c = sf_ui_cell_for(&s->run.res, r->port, r->security);
	return c == NULL || c->outcome == SF_OUT_WORKS || c->outcome == SF_OUT_LOGIN_OFFERED ||
	       sf_outcome_is_cert(c->outcome);
}

bool
sf_ui_fix_elsewhere(const struct sf_ui_session *s, enum sf_cause_side *side)
{
	const struct sf_recommendation *r = sf_diag_settings(&s->run.diag, &s->run.res);
	const struct sf_diag_finding *f = sf_ui_main_finding(&s->run.diag);

	if (!s->run.res.resolved) {
		*side = SF_SIDE_NAME;
		return true;
	}
	if (f != NULL && f->severity == SF_SEV_PROBLEM &&
		sf_cause_side(f->cause) != SF_SIDE_PROGRAM && !(r->found && r->cert_decision) &&
		!recommended_works(s)) {
		*side = sf_cause_side(f->cause);
		return true;
	}
	return false;
}

/* The side a fix is made on, in the card's words. */
static const char *
side_key_of(enum sf_cause_side side)
{
	switch (side) {
	case SF_SIDE_SERVER: return "change-server";
	case SF_SIDE_NETWORK: return "change-network";
	case SF_SIDE_NAME: return "change-name";
	case SF_SIDE_WAIT: return "change-wait";
	case SF_SIDE_PROGRAM: break;
	}
	return "change-server";
}

/* What to change: the one setting that differs, as "Security: None ->
 * STARTTLS"; or why nothing in the program is the fix. */
static int
change_rows(struct sf_buf *out, const struct sf_ui_session *s, const struct sf_wizard *w,
	struct sf_error *err)
{
	const struct sf_recommendation *r = sf_diag_settings(&s->run.diag, &s->run.res);
	const struct sf_diag_finding *f = sf_ui_main_finding(&s->run.diag);
	bool problem = f != NULL && f->severity == SF_SEV_PROBLEM;
	char value[CARD_VALUE_MAX], portw[16];
	const char *key = NULL, *label = "Change";
	enum sf_security sec = SF_SEC_NONE;
	int port = 0;
	bool now = sf_ui_now_setting(s, w, &port, &sec);
	enum sf_cause_side side;

	if (!s->run.res.resolved) {
		key = "change-name";
	} else if (now_works(s, w, &port, &sec)) {
		key = "change-works";
	} else if (r->found && now && (r->port != port || r->security != sec)) {
		if (r->cert_decision) {
			card_words("change-certificate", NULL, value, sizeof value);
			if (row(out, label, value, err) < 0)
				return -1;
			label = "";
		}
		if (r->security != sec) {
			snprintf(value, sizeof value, "Security: %s -> %s",
				sf_ui_security_label(sec), sf_ui_security_label(r->security));
			if (row(out, label, value, err) < 0)
				return -1;
			label = "";
		}
		if (r->port != port) {
			snprintf(value, sizeof value, "Port: %d -> %d", port, r->port);
			if (row(out, label, value, err) < 0)
				return -1;
		}
		return 0;
	} else if (r->found && problem && is_password_cause(f->cause)) {
		key = "change-password";
	} else if (sf_ui_fix_elsewhere(s, &side)) {
		key = side_key_of(side);
	} else if (!r->found) {
		key = "change-none-works";
	} else if (r->cert_decision) {
		key = "change-certificate";
	} else if (now) {
		key = problem ? "change-same-problem" : "change-same";
	} else {
		key = "change-unknown";
	}
	/* The setting the words speak of: the person's where it works or
	 * where nothing does, else the one to use. */
	bool own = !r->found || strcmp(key, "change-works") == 0;

	snprintf(portw, sizeof portw, "%d", own ? port : r->port);
	{
		const char *facts[] = { "port", portw, "security",
			sf_ui_security_label(own ? sec : r->security), NULL };

		card_words(key, facts, value, sizeof value);
	}
	return row(out, label, value, err);
}

/* What the program's present setting meets on the server. */
static int
now_row(struct sf_buf *out, const struct sf_ui_session *s, const struct sf_wizard *w,
	struct sf_error *err)
{
	const struct sf_matrix_cell *c;
	char value[CARD_VALUE_MAX], shown[CARD_VALUE_MAX / 2];
	enum sf_security sec;
	int port;

	if (!s->run.res.resolved || !sf_ui_now_setting(s, w, &port, &sec))
		return 0;
	c = sf_ui_cell_for(&s->run.res, port, sec);
	if (c == NULL)
		snprintf(shown, sizeof shown, "not tested (port %d was not probed)", port);
	else
		sf_ui_safe_copy(c->message[0] != '\0' ? c->message : sf_outcome_words(c->outcome),
			shown, sizeof shown);
	snprintf(value, sizeof value, "port %d, %s: %s", port, sf_ui_security_label(sec), shown);
	return row(out, w->retested ? "Re-tested" : "Now", value, err);
}

static int
use_row(struct sf_buf *out, const struct sf_ui_session *s, const struct sf_wizard *w,
	struct sf_error *err)
{
	const struct sf_recommendation *r = sf_diag_settings(&s->run.diag, &s->run.res);
	char value[CARD_VALUE_MAX], host[CARD_VALUE_MAX / 2], user[CARD_VALUE_MAX / 4];
	enum sf_security sec = r->security;
	int port = r->port;

	if (!now_works(s, w, &port, &sec)) {
		port = r->port;
		sec = r->security;
	}
	if (!r->found)
		return row(out, "Use", "no setting works with this server as it is now", err);
	sf_ui_safe_copy(r->host, host, sizeof host);
	if (r->username[0] != '\0')
		sf_ui_safe_copy(r->username, user, sizeof user);
	else
		card_words("user-email", NULL, user, sizeof user);
	snprintf(value, sizeof value, "server %s, port %d, security %s, login on, user name: %s",
		host, port, sf_ui_security_label(sec), user);
	return row(out, "Use", value, err);
}

/* The login test, when the person gave a password. */
static int
login_row(struct sf_buf *out, const struct sf_probe_result *res, struct sf_error *err)
{
	const struct sf_session_result *t;
	char value[CARD_VALUE_MAX], reply[CARD_VALUE_MAX / 2];
	const char *key = NULL;

	if (res->login_index < 0 || (size_t)res->login_index >= res->ntargets)
		return 0;
	t = &res->targets[res->login_index].smtp;
	reply[0] = '\0';
	switch (t->auth_outcome) {
	case SF_AUTH_OK: key = "login-accepted"; break;
	case SF_AUTH_REFUSED: {
		char text[CARD_VALUE_MAX / 4];

		sf_ui_safe_copy(
			t->auth.reply.text != NULL ? t->auth.reply.text : "", text, sizeof text);
		snprintf(reply, sizeof reply, "%d %s", t->auth.reply.code, text);
		key = "login-refused";
		break;
	}
	case SF_AUTH_NOT_OFFERED: key = "login-not-offered"; break;
	case SF_AUTH_NO_TLS: key = "login-no-tls"; break;
	case SF_AUTH_NO_MECHANISM: key = "login-no-mechanism"; break;
	case SF_AUTH_NOT_TRIED: return 0;
	}
	{
		const char *facts[] = { "mechanism", t->auth_mechanism, "reply", reply, NULL };

		card_words(key, facts, value, sizeof value);
	}
	/* A reply of several lines reads as one row. */
	for (char *p = value; *p != '\0'; p++)
		if (*p == '\n')
			*p = ' ';
	return row(out, "Login test", value, err);
}

static int
reference_row(struct sf_buf *out, const struct sf_ui_session *s, struct sf_error *err)
{
	struct sf_refcode code;
	char text[SF_REFCODE_TEXT_MAX], value[CARD_VALUE_MAX];
	const char *facts[] = { "code", text, NULL };

	sf_refcode_from_result(&s->run.res, &s->run.diag, &code);
	sf_refcode_encode(&code, text);
	card_words("reference", facts, value, sizeof value);
	return row(out, "Reference", value, err);
}

static int
why_rows(struct sf_buf *out, const struct sf_ui_session *s, const struct sf_wizard *w,
	struct sf_error *err)
{
	const struct sf_diag_finding *f = sf_ui_main_finding(&s->run.diag);
	char value[CARD_VALUE_MAX];
	enum sf_security sec;
	int port;
	size_t k;

	if (now_works(s, w, &port, &sec) ||
		(f == NULL && sf_diag_healthy(&s->run.diag, &s->run.res, NULL, 0))) {
		card_words("why-healthy", NULL, value, sizeof value);
		return row(out, "Why", value, err);
	}
	if (f == NULL) { /* not healthy, and no finding names a cause */
		char why[SF_DIAG_TEXT_MAX];

		sf_diag_healthy(&s->run.diag, &s->run.res, why, sizeof why);
		sf_ui_safe_copy(why, value, sizeof value);
		return row(out, "Why", value, err);
	}
	sf_ui_safe_copy(f->text, value, sizeof value);
	if (row(out, "Why", value, err) < 0)
		return -1;
	if (f->nevidence == 0)
		return 0;
	card_words("seen", NULL, value, sizeof value);
	if (sf_buf_printf(out, err, "\n%s\n", value) < 0)
		return -1;
	for (k = 0; k < f->nevidence; k++) {
		char line[CARD_VALUE_MAX + 8], shown[CARD_VALUE_MAX];

		sf_ui_safe_copy(f->evidence[k], shown, sizeof shown);
		snprintf(line, sizeof line, "  - %s", shown);
		if (sf_wrap_append(out, line, CARD_WIDTH, 4, err) < 0)
			return -1;
	}
	return 0;
}

int
sf_ui_summary_text(const struct sf_ui_session *s, const struct sf_wizard *w, struct sf_buf *out,
	struct sf_error *err)
{
	char heading[256];

	card_words("heading", NULL, heading, sizeof heading);
	if (sf_buf_printf(out, err, "%s\n", heading) < 0 || change_rows(out, s, w, err) < 0 ||
		now_row(out, s, w, err) < 0 || use_row(out, s, w, err) < 0 ||
		login_row(out, &s->run.res, err) < 0 || reference_row(out, s, err) < 0 ||
		why_rows(out, s, w, err) < 0)
		return -1;
	return 0;
}

void
sf_ui_print_summary(struct sf_ui_session *s, const struct sf_wizard *w, bool report_follows)
{
	struct sf_buf b;
	struct sf_error err;
	char details[512];

	sf_buf_init(&b, SF_REPORT_MAX);
	if (sf_ui_summary_text(s, w, &b, &err) == 0 && b.data != NULL) {
		fputs("\n", s->out);
		fputs(b.data, s->out);
	}
	sf_buf_free(&b);
	if (report_follows) {
		card_words("details", NULL, details, sizeof details);
		fprintf(s->out, "\n%s\n", details);
	}
}
