/* The wizard's watch: on the mail server, the person's next attempt as
 * the server's log shows it, and the blocks of their address when nothing
 * arrives. Both front ends run it; what it says goes to s->out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "session.h"
#include "smtpfix/bans.h"
#include "smtpfix/help.h"
#include "smtpfix/report.h"
#include "smtpfix/text.h"
#include "smtpfix/watch.h"

#define WORDS "watch/attempt.txt"

struct watching {
	struct sf_ui_session *s;
	struct sf_wizard *w;
	struct sf_watch watch;
	bool seen; /* an attempt of the person's, complete */
	bool any;  /* any attempt at all */
	struct sf_attempt last;
	bool have_last;
};

static void
on_seen(const struct sf_watch_seen *seen, void *ctx)
{
	struct watching *wt = ctx;
	struct sf_buf out;
	struct sf_error err;
	bool implicit = sf_policy_implicit_tls(wt->s->run.policy, seen->attempt->port);

	sf_buf_init(&out, sizeof wt->s->watched_text);
	if (sf_report_attempt_text(seen, implicit, &out, &err) == 0 && out.len > 0) {
		fwrite(out.data, 1, out.len, wt->s->out);
		fflush(wt->s->out);
		/* The last one is what the answer rests on. */
		snprintf(wt->s->watched_text, sizeof wt->s->watched_text, "%.*s", (int)out.len,
			out.data);
	}
	sf_buf_free(&out);
	wt->any = true;
	wt->last = *seen->attempt;
	wt->have_last = true;
	/* A program that sends shows its setting in one attempt: the first
	 * one of the person's that ended is the answer. */
	if (seen->attempt->closed || seen->attempt->login != SF_LOGIN_NONE ||
		seen->attempt->refused || seen->attempt->messages > 0 || seen->attempt->tls_failed)
		wt->seen = true;
}

static void
chunk(char *buf, size_t len, void *ctx)
{
	struct watching *wt = ctx;

	sf_watch_lines(&wt->watch, buf, len, sf_watch_clock());
}

/* The logs to follow: the ones named, else this server's current ones. */
static size_t
log_paths(struct sf_ui_session *s, const char **paths, char found[][SF_MTA_PATH_MAX])
{
	struct sf_error err;
	size_t n = 0, i, nfound;

	for (i = 0; i < s->o->nlogs && n < SF_FOLLOW_MAX_FILES; i++)
		paths[n++] = s->o->logs[i];
	if (n > 0)
		return n;
	if (s->run.policy == NULL && sf_run_read_server(&s->run, s->o->policy_root, &err) < 0)
		return 0;
	nfound = sf_policy_log_paths(
		s->run.policy, s->o->policy_root, time(NULL), found, SF_LOG_MAX_FILES);
	for (i = 0; i < nfound && n < SF_FOLLOW_MAX_FILES; i++) {
		/* The current files only: not "mainlog.1", "maillog-20261130", ".gz". */
		if (sf_log_path_rotated(found[i]))
			continue;
		paths[n++] = found[i];
	}
	return n;
}

static void
say(FILE *out, const char *key, const char *const *facts)
{
	char text[1024];
	struct sf_buf b;
	struct sf_error err;

	sf_help_fill(WORDS, key, facts, text, sizeof text);
	sf_buf_init(&b, 4096);
	if (sf_wrap_append(&b, text, 80, 0, &err) == 0)
		fprintf(out, "%.*s", (int)b.len, b.data);
	sf_buf_free(&b);
}

/* The setting the program really used, as the wizard's "now". */
static void
use_attempt(struct sf_ui_session *s, struct sf_wizard *w, const struct sf_attempt *a)
{
	int security, port = a->port;
	size_t i;

	/* A port the probe reached through a map (tests, the demo) is the
	 * port the person knows. */
	for (i = 0; i < s->o->nmaps; i++)
		if (s->o->maps[i].real == a->port)
			port = s->o->maps[i].port;
	security = a->tls == 0 ? 0 : sf_policy_implicit_tls(s->run.policy, port) ? 2 : 1;

	free(s->run.attempt);
	s->run.attempt = malloc(sizeof *s->run.attempt);
	if (s->run.attempt != NULL)
		*s->run.attempt = *a;
	if (port > 0 && a->tls >= 0) {
		w->current_set = false;
		w->current = 0;
		sf_wiz_suggest_current(w, port, security);
		w->current = w->current_suggested;
	}
}

#define BAN_ADDRS_MAX 8 /* the person's addresses looked up for blocks */

struct addresses {
	char addr[BAN_ADDRS_MAX][SF_LOG_ADDR_MAX];
	size_t n;
};

/* The addresses the person's attempts of the last day came from, the
 * refused ones first in mind: a block follows failed logins. */
static void
collect_address(const struct sf_watch_seen *seen, void *ctx)
{
	struct addresses *as = ctx;
	size_t i;

	if (seen->attempt->address[0] == '\0')
		return;
	for (i = 0; i < as->n; i++)
		if (strcmp(as->addr[i], seen->attempt->address) == 0)
			return;
	if (as->n < BAN_ADDRS_MAX)
		snprintf(as->addr[as->n++], SF_LOG_ADDR_MAX, "%s", seen->attempt->address);
}

static void
replay_chunk(char *buf, size_t len, void *ctx)
{
	sf_watch_lines(ctx, buf, len, 0);
}

static void
addresses_of(struct sf_ui_session *s, const char *user, const char **paths, size_t n,
	struct addresses *as)
{
	struct sf_watch *rw = calloc(1, sizeof *rw);
	struct sf_watch_options wo;
	struct sf_follow once;
	struct sf_error err;

	as->n = 0;
	memset(&wo, 0, sizeof wo);
	wo.users[0] = user;
	wo.nusers = 1;
	wo.all_protocols = true;
	wo.since = time(NULL) - 86400;
	if (rw == NULL || sf_watch_init(rw, &wo, s->run.policy, collect_address, as, &err) < 0) {
		free(rw);
		return;
	}
	rw->now = time(NULL);
	if (sf_follow_open(&once, paths, n, true, true, &err) == 0) {
		sf_follow_read(&once, 0, replay_chunk, rw);
		sf_follow_close(&once);
	}
	sf_watch_flush(rw);
	sf_watch_free(rw);
	free(rw);
}

/* Nothing arrived: the person's addresses of the last day may be blocked
 * here. The first block that a command lifts is offered. */
static void
look_for_bans(struct sf_ui_session *s, struct sf_wizard *w, const char *user, const char **paths,
	size_t npaths)
{
	struct sf_bans_options bo;
	struct sf_bans_report *r = calloc(1, sizeof *r);
	struct addresses as;
	struct sf_error err;
	size_t a, i;

	if (r == NULL)
		return;
	addresses_of(s, user, paths, npaths, &as);
	for (a = 0; a < as.n && !w->ban_found; a++) {
		memset(&bo, 0, sizeof bo);
		bo.root = s->o->policy_root;
		bo.address = as.addr[a];
		bo.user = user;
		bo.now = time(NULL);
		bo.run_commands = s->o->policy_root == NULL || strcmp(s->o->policy_root, "/") == 0;
		memset(r, 0, sizeof *r);
		if (sf_bans_find(&bo, r, &err) < 0)
			continue;
		for (i = 0; i < r->nbans && !w->ban_found; i++) {
			char lift[1024];

			if (r->bans[i].nlift == 0 || !r->bans[i].runnable)
				continue;
			free(s->ban);
			s->ban = malloc(sizeof *s->ban);
			if (s->ban == NULL)
				break;
			*s->ban = r->bans[i];
			sf_ban_lift_text(s->ban, lift, sizeof lift);
			snprintf(w->ban_text, sizeof w->ban_text,
				"%s is blocked by %s (%s). Lift the block? smtpfix would run: %s",
				r->bans[i].entry, sf_ban_source_words(r->bans[i].source),
				r->bans[i].where, lift);
			w->ban_found = true;
		}
	}
	free(r);
}

void
sf_ui_watch_step(struct sf_ui_session *s, struct sf_wizard *w, bool (*tick)(void *ctx), void *ctx)
{
	static char found[SF_LOG_MAX_FILES][SF_MTA_PATH_MAX];
	struct watching *wt = calloc(1, sizeof *wt);
	struct sf_watch_options wo;
	struct sf_follow fol;
	struct sf_error err;
	struct sf_wiz_event ev;
	const char *paths[SF_FOLLOW_MAX_FILES];
	const char *user = strchr(w->server, '@') != NULL ? w->server : w->user;
	size_t n, i;
	double end;
	bool stopped = false;

	memset(&ev, 0, sizeof ev);
	ev.kind = SF_WIZ_EV_WATCH_DONE;
	w->ban_found = false;
	n = wt != NULL ? log_paths(s, paths, found) : 0;
	memset(&wo, 0, sizeof wo);
	if (user[0] != '\0') {
		wo.users[0] = user;
		wo.nusers = 1;
	}
	wo.all_protocols = false;
	if (n == 0 || sf_watch_init(&wt->watch, &wo, s->run.policy, on_seen, wt, &err) < 0) {
		say(s->out, "no-logs", NULL);
		free(wt);
		sf_wiz_handle(w, &ev);
		return;
	}
	wt->s = s;
	wt->w = w;
	wt->watch.now = time(NULL);
	if (sf_follow_open(&fol, paths, n, false, false, &err) < 0) {
		say(s->out, "no-logs", NULL);
		sf_watch_free(&wt->watch);
		free(wt);
		sf_wiz_handle(w, &ev);
		return;
	}
	{
		char files[1024], who[SF_WIZ_TEXT_MAX + 8];
		const char *facts[] = { "files", files, "who", who, NULL };
		size_t k = 0;

		files[0] = '\0';
		for (i = 0; i < n; i++)
			k += (size_t)snprintf(files + k, k < sizeof files ? sizeof files - k : 0,
				"%s%s", i > 0 ? ", " : "", paths[i]);
		sf_ui_safe_copy(user[0] ? user : "?", who, sizeof who);
		fputs("\n", s->out);
		say(s->out, user[0] ? "wizard-watching" : "wizard-watching-all", facts);
		fflush(s->out);
	}
	end = sf_watch_clock() +
	      (s->o->watch_seconds > 0 ? s->o->watch_seconds : SF_UI_WATCH_SECONDS);
	while (!wt->seen) {
		double now = sf_watch_clock(), due = sf_watch_next_due(&wt->watch, now);
		int timeout = SF_UI_WATCH_TICK_MS;

		if (now >= end)
			break;
		if (due >= 0 && due * 1000 < timeout)
			timeout = (int)(due * 1000) + 1;
		sf_follow_wait(&fol, timeout);
		now = sf_watch_clock();
		wt->watch.now = (time_t)now;
		sf_follow_read(&fol, now, chunk, wt);
		sf_watch_tick(&wt->watch, now);
		if (tick != NULL && !tick(ctx)) {
			stopped = true;
			break;
		}
	}
	sf_follow_close(&fol);
	if (!wt->seen && !stopped)
		sf_watch_flush(&wt->watch);
	ev.ok = wt->seen || (stopped && wt->have_last);
	if (wt->have_last && (wt->seen || stopped)) {
		/* What the program really did joins the diagnosis. */
		struct sf_run_now now = { false, 0, SF_SEC_NONE };

		use_attempt(s, w, &wt->last);
		now.known = sf_ui_now_setting(s, w, &now.port, &now.security);
		sf_run_diagnose(&s->run, s->have_explained ? &s->explained : NULL, &now,
			s->o->policy_root != NULL);
		sf_ui_prepare_fix(s, w);
		/* The answer again, now resting on what the server saw. */
		fputs("\n", s->out);
		sf_ui_print_summary(s, w, false);
	} else if (!stopped) {
		char who[SF_WIZ_TEXT_MAX + 8], dur[32];
		const char *facts[] = { "who", who, "for", dur, NULL };

		sf_ui_safe_copy(user[0] ? user : "?", who, sizeof who);
		snprintf(dur, sizeof dur, "%d s",
			s->o->watch_seconds > 0 ? s->o->watch_seconds : SF_UI_WATCH_SECONDS);
		say(s->out, "nothing-arrived", facts);
		if (user[0] != '\0')
			look_for_bans(s, w, user, paths, n);
	}
	sf_watch_free(&wt->watch);
	free(wt);
	if (stopped && !ev.ok) {
		ev.kind = SF_WIZ_EV_CANCEL;
	}
	sf_wiz_handle(w, &ev);
}

void
sf_ui_unban(struct sf_ui_session *s)
{
	struct sf_bans_cmd res;
	struct sf_error err;
	char lift[1024];
	int rc;

	if (s->ban == NULL)
		return;
	sf_ban_lift_text(s->ban, lift, sizeof lift);
	fputs("\nRunning: ", s->out);
	sf_ui_print_safe(s->out, lift);
	fputs("\n", s->out);
	memset(&res, 0, sizeof res);
	rc = sf_ban_lift(s->ban, 0, &res, &err);
	snprintf(s->unban_record, sizeof s->unban_record,
		"Lifted a block on %s by %s: %.1024s (%.200s)", s->ban->entry,
		sf_ban_source_words(s->ban->source), lift, rc == 0 ? "done" : err.message);
	fputs(rc == 0 ? "The block is lifted.\n" : "It did not work: ", s->out);
	if (rc != 0) {
		sf_ui_print_safe(s->out, err.message);
		fputs("\n", s->out);
	}
	sf_buf_free(&res.out);
	free(s->ban);
	s->ban = NULL;
}
