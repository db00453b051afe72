/* What both front ends share: the probe, the diagnosis, the explained
 * error text, the fix steps and the saved report. Everything it says goes
 * to `out`: the plain front end passes its output, the full-screen one a
 * memory stream it draws from. Private to src/ui. */
#ifndef SMTPFIX_UI_SESSION_H
#define SMTPFIX_UI_SESSION_H

#include <stdatomic.h>
#include <stdio.h>

#include "smtpfix/bans.h"
#include "smtpfix/buf.h"
#include "smtpfix/diagnose.h"
#include "smtpfix/dns.h"
#include "smtpfix/explain.h"
#include "smtpfix/guide.h"
#include "smtpfix/mta.h"
#include "smtpfix/mta_log.h"
#include "smtpfix/probe.h"
#include "smtpfix/run.h"
#include "smtpfix/secret.h"
#include "smtpfix/ui.h"
#include "smtpfix/wizard.h"

#define SF_UI_MAX_STEPS 32
#define SF_UI_STEP_MAX 2048
#define SF_UI_PATH_MAX 4200 /* a report's path: the folder (PATH_MAX) and the name */

struct sf_ui_session {
	const struct sf_ui_options *o;
	FILE *out;
	struct sf_secret password;
	/* The run: discovery, probe result, this machine's server, the
	 * diagnosis and the guide (src/run). */
	struct sf_run run;
	struct sf_explain_result explained;
	bool have_explained;
	char guide_steps[SF_UI_MAX_STEPS][SF_UI_STEP_MAX];
	size_t nsteps;
	/* The full-screen front end watches the probe (to redraw and to read
	 * Esc) and cancels it through this flag. The front end clears it
	 * before it starts a probe (before the probe's thread exists); the
	 * probe only reads it, so an Esc pressed as the thread starts is
	 * never lost. */
	sf_progress_fn watch;
	void *watch_ctx;
	atomic_bool cancel;
	bool line_by_line; /* --plain: output follows typed answers, a blank line apart */
	bool saved;        /* a report was written */
	/* The watch: what the person's program did as the server saw it, a
	 * block found when nothing arrived, and what lifting it did. */
	char watched_text[4096];
	struct sf_ban *ban; /* heap, or NULL */
	char unban_record[2400];
	char saved_path[2][SF_UI_PATH_MAX]; /* the text and JSON reports' paths, when saved */
	char setup_path[SF_UI_PATH_MAX];    /* the setup file's path, when saved */
};

void sf_ui_session_init(struct sf_ui_session *s, const struct sf_ui_options *o, FILE *out);
void sf_ui_session_free(struct sf_ui_session *s);
/* Writes server text to `out` with control characters made visible. */
void sf_ui_print_safe(FILE *out, const char *text);
void sf_ui_show_help(FILE *out, const char *topic);
void sf_ui_explain(struct sf_ui_session *s, struct sf_wizard *w);
/* Probes the wizard's server (logging in once if a password was given)
 * and prints the diagnosis. The password stays, locked in memory, for a
 * re-test, and is wiped by sf_ui_session_free. Returns true when healthy.
 * s->cancel is only read: the caller clears it first. */
bool sf_ui_run_probe(struct sf_ui_session *s, struct sf_wizard *w);
/* The wizard's driver, one for both front ends: they turn keys into
 * events and show things; what an event's effect asks for (explain the
 * paste, save the report, cancel the test) is carried out here. Returns
 * the effect, for a front end that also shows something for it. */
enum sf_wiz_effect sf_ui_apply(
	struct sf_ui_session *s, struct sf_wizard *w, const struct sf_wiz_event *ev);
/* The probe step (w->step is SF_WIZ_PROBING, after SF_WIZ_FX_START_PROBE
 * or a wizard started with every answer given): run(ctx) runs the probe
 * the front end's way (sf_ui_run_probe, with or without a live screen)
 * and returns whether the server is healthy; its result goes to the
 * wizard (a cancelled test as a cancel), and the fix steps are made. */
void sf_ui_probe_step(
	struct sf_ui_session *s, struct sf_wizard *w, bool (*run)(void *ctx), void *ctx);
/* The answer card (summary.c): what to change, the setting to use, the
 * login test, the reference code, why, and what smtpfix saw; wrapped at
 * word boundaries to fit 80 columns. */
int sf_ui_summary_text(const struct sf_ui_session *s, const struct sf_wizard *w, struct sf_buf *out,
	struct sf_error *err);
void sf_ui_print_summary(struct sf_ui_session *s, const struct sf_wizard *w, bool report_follows);
/* How the program is set now as far as the run knows: after a re-test,
 * the recommended setting; else the person's answer. */
bool sf_ui_now_setting(
	const struct sf_ui_session *s, const struct sf_wizard *w, int *port, enum sf_security *sec);
const struct sf_diag_finding *sf_ui_main_finding(const struct sf_diagnosis *d);
const struct sf_matrix_cell *sf_ui_cell_for(
	const struct sf_probe_result *res, int port, enum sf_security sec);
const char *sf_ui_security_label(enum sf_security sec);
/* Text from a server or the person, made safe to show (at most 1 KiB of
 * it; see sf_sanitize_append), into out. */
void sf_ui_safe_copy(const char *text, char *out, size_t outsz);
/* True when the fix is not in the mail program's settings (the name does
 * not resolve, or a problem on the server's side, in the network or a
 * wait stops even the recommended setting), with the side in *side. */
bool sf_ui_fix_elsewhere(const struct sf_ui_session *s, enum sf_cause_side *side);
void sf_ui_prepare_fix(struct sf_ui_session *s, struct sf_wizard *w);
/* Every step at once, for a run whose input ended at the result. */
void sf_ui_print_steps(struct sf_ui_session *s, const struct sf_wizard *w);
/* Write the person's setup file next to the report (setupfile.c). */
void sf_ui_save_setup_file(struct sf_ui_session *s, const struct sf_wizard *w);
void sf_ui_save_report(struct sf_ui_session *s, const struct sf_wizard *w);
/* The watch step (w->step is SF_WIZ_WATCHING): follows the server's mail
 * logs for the person's attempt, printing each one seen; tick(ctx) is
 * called at least every SF_UI_WATCH_TICK_MS and returns false to stop
 * (Esc). An attempt seen joins the diagnosis; when none arrives, the
 * person's blocks on this server are looked up. Ends with the wizard's
 * WATCH_DONE (or CANCEL) event. */
#define SF_UI_WATCH_TICK_MS 100
void sf_ui_watch_step(
	struct sf_ui_session *s, struct sf_wizard *w, bool (*tick)(void *ctx), void *ctx);
/* Lifts the block found (after the person's yes), saying the command and
 * its result, and keeps both for the report. */
void sf_ui_unban(struct sf_ui_session *s);
/* At the end: saves the report when --save asked for it and none was
 * saved yet (and there is a result to save). */
void sf_ui_save_if_asked(struct sf_ui_session *s, const struct sf_wizard *w);
/* The exit status the wizard ends with: 0 when the server works for the
 * recommended setting, 1 otherwise. */
int sf_ui_exit_status(const struct sf_ui_session *s, const struct sf_wizard *w);

#endif
