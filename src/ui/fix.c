/* "Show me how to fix it": the pages that fit the answer. A mail program's
 * steps only when a setting works and the program is what to change;
 * otherwise one page that says where the fix is. A password refused keeps
 * the port and security; a certificate the program questions is decided
 * first. An administrator also gets the server's side: the safe changes
 * as pages, then the ones that weaken security together as options. The
 * words are in help/wizard/fix.txt. */
#include <stdio.h>
#include <string.h>

#include "smtpfix/help.h"
#include "smtpfix/refcode.h"
#include "smtpfix/text.h"
#include "session.h"

#define FIX_FILE "wizard/fix.txt"
#define FIX_WIDTH 78
#define FIX_SHOWN_MAX 1024 /* room for a server's or person's text on a page */

/* One page, wrapped to fit; a page that does not fit is cut, never lost
 * whole. */
static void
add_page(struct sf_ui_session *s, const char *text, size_t indent)
{
	struct sf_buf b;
	struct sf_error err;

	if (s->nsteps >= SF_UI_MAX_STEPS)
		return;
	sf_buf_init(&b, 4 * SF_UI_STEP_MAX);
	if (sf_wrap_append(&b, text, FIX_WIDTH, indent, &err) == 0 && b.data != NULL)
		snprintf(s->guide_steps[s->nsteps++], sizeof s->guide_steps[0], "%s", b.data);
	sf_buf_free(&b);
}

/* The words of a page, with the run's facts filled in. */
static void
page_words(const struct sf_ui_session *s, const struct sf_wizard *w, const char *key, char *out,
	size_t outsz)
{
	const struct sf_recommendation *r = sf_diag_settings(&s->run.diag, &s->run.res);
	const struct sf_diag_finding *f = sf_ui_main_finding(&s->run.diag);
	char why[SF_DIAG_TEXT_MAX * 2], host[FIX_SHOWN_MAX * 2], user[FIX_SHOWN_MAX * 2];
	char port[16], code[SF_REFCODE_TEXT_MAX];
	struct sf_refcode rc;

	if (f != NULL) {
		sf_ui_safe_copy(f->text, why, sizeof why);
	} else {
		char plain[SF_DIAG_TEXT_MAX];

		sf_diag_healthy(&s->run.diag, &s->run.res, plain, sizeof plain);
		sf_ui_safe_copy(plain, why, sizeof why);
	}
	sf_ui_safe_copy(s->run.res.host, host, sizeof host);
	if (r->username[0] != '\0')
		sf_ui_safe_copy(r->username, user, sizeof user);
	else if (w->user[0] != '\0')
		sf_ui_safe_copy(w->user, user, sizeof user);
	else
		snprintf(user, sizeof user, "your full email address");
	snprintf(port, sizeof port, "%d", r->port);
	sf_refcode_from_result(&s->run.res, &s->run.diag, &rc);
	sf_refcode_encode(&rc, code);
	{
		const char *facts[] = { "why", why, "host", host, "user", user, "port", port,
			"security", sf_ui_security_label(r->security), "code", code, NULL };

		sf_help_fill(FIX_FILE, key, facts, out, outsz);
	}
}

/* Where the fix is made, when it is not in the program: a page key, or
 * NULL when the program's steps are the fix. */
static const char *
elsewhere_key(const struct sf_ui_session *s)
{
	const struct sf_recommendation *r = sf_diag_settings(&s->run.diag, &s->run.res);
	enum sf_cause_side side;

	if (sf_ui_fix_elsewhere(s, &side)) {
		switch (side) {
		case SF_SIDE_NETWORK: return "network-side";
		case SF_SIDE_NAME: return "name-side";
		case SF_SIDE_WAIT: return "wait-side";
		case SF_SIDE_SERVER:
		case SF_SIDE_PROGRAM: break;
		}
		return r->found ? "server-side" : "nothing-works";
	}
	return r->found ? NULL : "nothing-works";
}

/* The program's steps from its guide, each a page; the test and the note
 * after the last step stay with it. */
static void
program_pages(struct sf_ui_session *s, const struct sf_wizard *w)
{
	struct sf_error err;
	size_t i;

	/* What the person typed goes into the steps as plain text only (the
	 * run's one rule for guide values): no line break to start a forged
	 * step, no escape for the terminal. */
	if (sf_run_guide(&s->run, sf_wiz_client_id(w), w->server, w->user, &err) < 0) {
		sf_guide_free(&s->run.guide);
		sf_guide_init(&s->run.guide);
	}
	for (i = 0; i < s->run.guide.nparts; i++) {
		const struct sf_guide_part *part = &s->run.guide.parts[i];
		const char *t = s->run.guide.text.data + part->off;

		if (part->kind == SF_GUIDE_STEP && s->nsteps < SF_UI_MAX_STEPS)
			snprintf(s->guide_steps[s->nsteps++], sizeof s->guide_steps[0], "%.*s",
				(int)part->len, t);
		else if (part->kind != SF_GUIDE_TITLE && s->nsteps > 0) {
			char *last = s->guide_steps[s->nsteps - 1];
			size_t used = strlen(last);

			snprintf(last + used, sizeof s->guide_steps[0] - used, "%.*s",
				(int)part->len, t);
		}
	}
}

/* The server's side for its administrator: each safe change a page, then
 * one page of the options that weaken security, each saying what. */
static void
server_pages(struct sf_ui_session *s)
{
	const struct sf_diagnosis *d = &s->run.diag;
	char page[SF_UI_STEP_MAX], n[16], m[16];
	size_t i, nsafe = 0, k = 0;
	struct sf_buf b;
	struct sf_error err;
	bool failed;

	for (i = 0; i < d->nserver; i++)
		nsafe += !d->server[i].weakens;
	snprintf(m, sizeof m, "%zu", nsafe);
	for (i = 0; i < d->nserver; i++) {
		char text[SF_DIAG_TEXT_MAX * 2];
		const char *facts[] = { "n", n, "m", m, "text", text, NULL };

		if (d->server[i].weakens)
			continue;
		snprintf(n, sizeof n, "%zu", ++k);
		sf_ui_safe_copy(d->server[i].text, text, sizeof text);
		sf_help_fill(FIX_FILE, "server-safe", facts, page, sizeof page);
		add_page(s, page, 2);
	}
	if (nsafe == d->nserver)
		return;
	/* The heading flush left, each option indented under its dash. */
	sf_buf_init(&b, 4 * SF_UI_STEP_MAX);
	sf_help_fill(FIX_FILE, "server-options", NULL, page, sizeof page);
	failed = sf_wrap_append(&b, page, FIX_WIDTH, 0, &err) < 0;
	for (i = 0; i < d->nserver && !failed; i++) {
		char text[SF_DIAG_TEXT_MAX * 2], item[SF_DIAG_TEXT_MAX * 2 + 8];

		if (!d->server[i].weakens)
			continue;
		sf_ui_safe_copy(d->server[i].text, text, sizeof text);
		snprintf(item, sizeof item, "  - %s", text);
		failed = sf_wrap_append(&b, item, FIX_WIDTH, 4, &err) < 0;
	}
	if (!failed && b.data != NULL && s->nsteps < SF_UI_MAX_STEPS)
		snprintf(s->guide_steps[s->nsteps++], sizeof s->guide_steps[0], "%s", b.data);
	sf_buf_free(&b);
}

void
sf_ui_prepare_fix(struct sf_ui_session *s, struct sf_wizard *w)
{
	const struct sf_recommendation *r = sf_diag_settings(&s->run.diag, &s->run.res);
	const struct sf_diag_finding *f = sf_ui_main_finding(&s->run.diag);
	const char *elsewhere = elsewhere_key(s);
	char page[SF_UI_STEP_MAX];

	s->nsteps = 0;
	sf_guide_free(&s->run.guide);
	sf_guide_init(&s->run.guide);
	if (elsewhere != NULL) {
		page_words(s, w, elsewhere, page, sizeof page);
		add_page(s, page, 0);
	} else {
		if (f != NULL && f->severity == SF_SEV_PROBLEM &&
			(f->cause == SF_CAUSE_WRONG_CREDENTIALS ||
				f->cause == SF_CAUSE_APP_PASSWORD_REQUIRED)) {
			page_words(s, w,
				f->cause == SF_CAUSE_WRONG_CREDENTIALS ? "password"
								       : "app-password",
				page, sizeof page);
			add_page(s, page, 0);
		} else if (r->cert_decision) {
			page_words(s, w, "certificate", page, sizeof page);
			add_page(s, page, 0);
		}
		program_pages(s, w);
	}
	if (w->role == 1)
		server_pages(s);
	w->fix_steps = s->nsteps;
	w->fix_step = 0;
}
