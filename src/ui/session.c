/* The work behind the wizard's questions, shared by both front ends. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "smtpfix/guide.h"
#include "smtpfix/help.h"
#include "smtpfix/report.h"
#include "smtpfix/text.h"
#include "session.h"

void
sf_ui_session_init(struct sf_ui_session *s, const struct sf_ui_options *o, FILE *out)
{
	memset(s, 0, sizeof *s);
	s->o = o;
	s->out = out;
	sf_run_init(&s->run);
}

/* The longest value of the person's own (a server name, a folder, an
 * error that quotes one) shown in a line, in bytes before escaping. */
#define SHOWN_MAX 4096

/* Text the person typed, or an error quoting it, as one safe line: an
 * error message may quote a value escaped already, so its backslashes
 * stay as they are. */
static void
print_message(FILE *out, const char *text)
{
	struct sf_buf b;
	struct sf_error err;

	sf_buf_init(&b, 16 * SHOWN_MAX);
	if (sf_sanitize_message_append(&b, text, strlen(text), SHOWN_MAX, &err) == 0 &&
		b.data != NULL)
		fputs(b.data, out);
	sf_buf_free(&b);
}

void
sf_ui_session_free(struct sf_ui_session *s)
{
	sf_secret_free(&s->password);
	sf_run_free(&s->run);
	free(s->ban);
	s->ban = NULL;
}

static void
print_server(struct sf_ui_session *s)
{
	struct sf_error err;
	struct sf_buf out;

	if (s->run.policy == NULL)
		return;
	sf_buf_init(&out, SF_REPORT_MAX);
	if (sf_report_policy_text(s->run.policy, s->run.log, &out, &err) == 0 && out.data != NULL) {
		fputs(s->run.policy_applies ? "\nThis mail server's own settings and log\n"
					    : "\nThis machine's own mail server (not the server "
					      "tested, so not used in "
					      "the diagnosis)\n",
			s->out);
		fputs(out.data, s->out);
	}
	sf_buf_free(&out);
}

/* The setting a pasted message points at: the port it names, and the
 * security its cause implies (or the port's usual one). */
static void
suggest_from_paste(const struct sf_ui_session *s, struct sf_wizard *w)
{
	int port = sf_wiz_port_in_text(w->paste), security;
	enum sf_cause c;

	if (port == 0)
		return;
	security = port == 465 ? 2 : port == 25 ? 0 : 1;
	if (s->explained.ncauses > 0) {
		c = s->explained.causes[0].cause;
		if (c == SF_CAUSE_AUTH_REQUIRES_TLS || c == SF_CAUSE_STARTTLS_REQUIRED ||
			c == SF_CAUSE_CLIENT_NOT_AUTHENTICATING)
			security = 0; /* sent without encryption */
		else if (c == SF_CAUSE_TLS_MODE_MISMATCH)
			security = port == 465 ? 1 : 2; /* the other kind than the port's */
	}
	sf_wiz_suggest_current(w, port, security);
}

void
sf_ui_explain(struct sf_ui_session *s, struct sf_wizard *w)
{
	size_t catlen;
	const char *cat = sf_help_get("errors/catalog.txt", &catlen);

	if (cat == NULL ||
		sf_explain(w->paste, strlen(w->paste), cat, catlen, &s->explained, NULL) < 0)
		return;
	s->have_explained = true;
	if (s->line_by_line)
		fputs("\n", s->out); /* apart from the answer typed above it */
	if (s->explained.ncauses > 0) {
		fprintf(s->out, "That message most likely means: ");
		sf_ui_print_safe(s->out, s->explained.causes[0].means);
		fputs("\n", s->out);
	} else {
		fprintf(s->out,
			"smtpfix does not recognize that message; the test will tell more.\n");
	}
	suggest_from_paste(s, w);
}

/* The program's new message after a re-test: recognized, joined to the
 * diagnosis with what the probe and (on the mail server) the log now
 * say, and the answer shown again. */
static void
explain_again(struct sf_ui_session *s, struct sf_wizard *w)
{
	struct sf_run_now now = { false, 0, SF_SEC_NONE };

	sf_ui_explain(s, w);
	sf_run_rescan_log(&s->run, s->o->policy_root);
	now.known = sf_ui_now_setting(s, w, &now.port, &now.security);
	sf_run_diagnose(
		&s->run, s->have_explained ? &s->explained : NULL, &now, s->o->policy_root != NULL);
	sf_ui_print_summary(s, w, false);
	sf_ui_prepare_fix(s, w);
}

int
sf_ui_exit_status(const struct sf_ui_session *s, const struct sf_wizard *w)
{
	return w->fixed_now || (s->run.have_res &&
				       sf_diag_healthy(&s->run.diag, &s->run.res, NULL, 0))
		       ? 0
		       : 1;
}

void
sf_ui_print_safe(FILE *out, const char *text)
{
	struct sf_buf b;
	struct sf_error err;

	sf_buf_init(&b, 1 << 20);
	if (sf_sanitize_append(&b, text, strlen(text), 1 << 19, &err) == 0 && b.data != NULL)
		fputs(b.data, out);
	sf_buf_free(&b);
}

void
sf_ui_show_help(FILE *out, const char *topic)
{
	size_t len, keys_len;
	const char *t = topic ? sf_help_get(topic, &len) : NULL;
	const char *keys = sf_help_get("wizard/keys-plain.txt", &keys_len);

	if (t == NULL)
		fprintf(out, "(no help for this question)\n");
	else
		fwrite(t, 1, len, out);
	/* The keys of this front end, not the full screen's. */
	if (keys != NULL)
		fwrite(keys, 1, keys_len, out);
}

static void
progress(void *ctx, const struct sf_progress *ev)
{
	struct sf_ui_session *s = ctx;

	if (s->watch != NULL) {
		s->watch(s->watch_ctx, ev);
		return; /* the watcher shows progress its own way */
	}
	if (ev->done)
		fprintf(s->out, "  port %d (%s): done in %.0f ms\n", ev->port,
			sf_purpose_id(ev->purpose), ev->elapsed_ms);
}

/* Says what the run found for what was typed: the form an international
 * name is looked up in, the server an address leads to. */
static void
print_found(struct sf_ui_session *s, const struct sf_run_server *found)
{
	if (found->idn_typed[0] != '\0') {
		fputs("International name: ", s->out);
		sf_ui_print_safe(s->out, found->idn_typed);
		fprintf(s->out, " is looked up as %s.\n", found->idn_ascii);
	}
	if (found->from_discovery) {
		fprintf(s->out, "Outgoing server for this address: ");
		sf_ui_print_safe(s->out, found->host);
		fprintf(s->out, " (found by %s)\n", found->source);
	} else if (found->discovery_failed) {
		fprintf(s->out,
			"No outgoing server found in DNS for this address; trying its domain.\n");
	}
}

bool
sf_ui_run_probe(struct sf_ui_session *s, struct sf_wizard *w)
{
	struct sf_probe_options o;
	struct sf_dns_options dopt = { s->o->dns_server,
		s->o->timeout_ms > 0 ? s->o->timeout_ms : 5000, &s->cancel, false };
	struct sf_run_server found;
	struct sf_run_now now = { false, 0, SF_SEC_NONE };
	struct sf_error err;
	struct sf_buf out;
	size_t i;

	sf_probe_options_init(&o);
	memset(&found, 0, sizeof found);
	found.host = sf_run_mapped_server(w->server, s->o->host_maps, s->o->nhost_maps);
	if (found.host != NULL) {
		/* A name given without DNS leads there, as DNS would. */
		found.source = "the names smtpfix was given";
		found.from_discovery = true;
	} else if (sf_run_find_server(&s->run, w->server, &dopt, &found, &err) < 0) {
		fprintf(s->out, "Cannot look up the outgoing server: ");
		print_message(s->out, err.message);
		fputs("\n", s->out);
		/* The domain itself, as a program would try it. */
		found.host = strchr(w->server, '@') ? strchr(w->server, '@') + 1 : w->server;
		found.addrs = NULL;
	}
	print_found(s, &found);
	o.host = found.host;
	o.addrs = found.addrs;
	o.ca_file = s->o->ca_file;
	o.dns_server = s->o->dns_server;
	memcpy(o.host_maps, s->o->host_maps, sizeof o.host_maps);
	o.nhost_maps = s->o->nhost_maps;
	if (s->o->timeout_ms > 0)
		o.timeout_ms = s->o->timeout_ms;
	for (i = 0; i < s->o->nmaps; i++) {
		o.maps[o.nmaps++] = s->o->maps[i];
		o.ports[o.nports++] = s->o->maps[i].port;
	}
	if (w->login && s->password.data != NULL) {
		o.user = w->user;
		o.password = &s->password;
	}
	o.progress = progress;
	o.progress_ctx = s;
	/* Only read here: this runs in the probe's thread, and clearing the
	 * flag here would lose an Esc pressed as the thread started. */
	o.cancel = &s->cancel;
	if (s->watch == NULL) {
		fputs("\nTesting ", s->out);
		sf_ui_print_safe(s->out, o.host);
		fputs(" (every port at once)...\n", s->out);
	}
	if (sf_run_probe(&s->run, &o, &err) < 0) {
		fputs("Cannot test that: ", s->out);
		print_message(s->out, err.message);
		fputs("\n", s->out);
	}
	if (s->o->practice)
		s->run.res.local_target = false; /* the practice server, not this machine's */
	/* An address: what its domain tells mail programs that set themselves
	 * up joins the answer. The practice server's domain publishes
	 * nothing anywhere, so the demo does not ask. */
	if (!s->o->practice && strchr(w->server, '@') != NULL && !atomic_load(&s->cancel) &&
		sf_run_check_published(&s->run, w->server, &o, false, &err) == 0 &&
		s->run.published != NULL && s->run.published->nservers > 0 && s->watch == NULL)
		fputs("Read what the domain publishes to mail programs (autoconfig, "
		      "Autodiscover).\n",
			s->out);
	/* The password stays (locked in memory) for the re-test, and is wiped
	 * when the session ends. */
	if (s->o->read_server && s->run.policy == NULL &&
		sf_run_read_server(&s->run, s->o->policy_root, &err) < 0)
		fprintf(s->out, "Could not read this server's settings.\n");
	/* A re-test checks the recommended setting, now in the program. */
	now.known = sf_ui_now_setting(s, w, &now.port, &now.security);
	sf_run_diagnose(
		&s->run, s->have_explained ? &s->explained : NULL, &now, s->o->policy_root != NULL);
	sf_ui_print_summary(s, w, true);
	sf_buf_init(&out, SF_REPORT_MAX);
	if (sf_report_probe_text(&s->run.res, &s->run.diag, false, false, &out, &err) == 0)
		fputs(out.data, s->out);
	sf_buf_free(&out);
	print_server(s);
	return sf_diag_healthy(&s->run.diag, &s->run.res, NULL, 0);
}

enum sf_wiz_effect
sf_ui_apply(struct sf_ui_session *s, struct sf_wizard *w, const struct sf_wiz_event *ev)
{
	enum sf_wiz_effect fx = sf_wiz_handle(w, ev);

	switch (fx) {
	case SF_WIZ_FX_EXPLAIN: sf_ui_explain(s, w); break;
	case SF_WIZ_FX_EXPLAIN_AGAIN: explain_again(s, w); break;
	case SF_WIZ_FX_SAVE_REPORT: sf_ui_save_report(s, w); break;
	case SF_WIZ_FX_SAVE_SETUP: sf_ui_save_setup_file(s, w); break;
	case SF_WIZ_FX_CANCEL_PROBE: atomic_store(&s->cancel, true); break;
	case SF_WIZ_FX_UNBAN: sf_ui_unban(s); break;
	case SF_WIZ_FX_START_WATCH: /* the loop's next turn is the watch step */
	case SF_WIZ_FX_START_PROBE: /* the loop's next turn is the probe step */
	case SF_WIZ_FX_QUIT:        /* the step is now SF_WIZ_DONE */
	case SF_WIZ_FX_NONE: break;
	}
	return fx;
}

void
sf_ui_probe_step(struct sf_ui_session *s, struct sf_wizard *w, bool (*run)(void *ctx), void *ctx)
{
	struct sf_wiz_event ev;

	memset(&ev, 0, sizeof ev);
	/* Cleared before the probe starts: the probe only reads it. */
	atomic_store(&s->cancel, false);
	ev.ok = run(ctx);
	/* A cancelled test concludes nothing. */
	ev.kind = atomic_load(&s->cancel) ? SF_WIZ_EV_CANCEL : SF_WIZ_EV_PROBE_DONE;
	sf_wiz_handle(w, &ev);
	if (w->step == SF_WIZ_RESULT || w->step == SF_WIZ_RETEST)
		sf_ui_prepare_fix(s, w);
}

/* The saved JSON report: one document from the JSON writer, the probe's
 * members with the local server's policy report beside them ("server"),
 * so a ticket holds both in one file. */
static int
report_json(const struct sf_ui_session *s, struct sf_buf *out, struct sf_error *err)
{
	struct sf_json j;

	sf_json_init(&j, out, 2);
	sf_json_object_begin(&j);
	sf_report_probe_json_members(&j, &s->run.res, s->run.discovery, &s->run.diag, true);
	if (s->run.policy != NULL) {
		sf_json_kv_bool(&j, "server_is_tested", s->run.policy_applies);
		sf_json_key(&j, "server");
		sf_json_object_begin(&j);
		sf_report_policy_json_members(&j, s->run.policy, s->run.log);
		sf_json_object_end(&j);
	}
	if (s->watched_text[0] != '\0')
		sf_json_kv_string(&j, "seen_on_server", s->watched_text);
	if (s->unban_record[0] != '\0') {
		sf_json_kv_string(&j, "unban", s->unban_record);
	}
	sf_json_object_end(&j);
	if (!j.failed && sf_buf_addstr(out, "\n", &j.err) < 0)
		j.failed = true;
	return sf_json_finish(&j, err);
}

/* The saved text report: the wizard's answers, the probe's report, the
 * local server's, and the steps. Any part that does not fit ends it with
 * an error, never silently short. */
static int
report_text(const struct sf_ui_session *s, const struct sf_wizard *w, const char *stamp,
	struct sf_buf *text, struct sf_error *err)
{
	int port, security;

	if (sf_buf_printf(text, err, "smtpfix report, %s\nMail program: %s\nServer: ", stamp,
		    sf_wiz_client_id(w)) < 0 ||
		sf_sanitize_append(text, w->server, strlen(w->server), SHOWN_MAX, err) < 0 ||
		sf_buf_addstr(text, "\n", err) < 0)
		return -1;
	if (sf_wiz_current_setting(w, &port, &security) &&
		sf_buf_printf(text, err, "Set now: port %d, security %s\n", port,
			sf_ui_security_label(security == 2   ? SF_SEC_TLS
					     : security == 1 ? SF_SEC_STARTTLS
							     : SF_SEC_NONE)) < 0)
		return -1;
	if (sf_buf_addstr(text, "\n", err) < 0)
		return -1;
	/* What the server saw the program do, and a block lifted. */
	if (s->watched_text[0] != '\0' &&
		(sf_buf_addstr(text, "Seen on the server while they sent:\n", err) < 0 ||
			sf_buf_addstr(text, s->watched_text, err) < 0 ||
			sf_buf_addstr(text, "\n", err) < 0))
		return -1;
	if (s->unban_record[0] != '\0' && (sf_sanitize_append(text, s->unban_record,
						   strlen(s->unban_record), SHOWN_MAX, err) < 0 ||
						  sf_buf_addstr(text, "\n\n", err) < 0))
		return -1;
	if (s->run.have_res) {
		/* The answer first, as on the screen; the details after it. */
		if (sf_ui_summary_text(s, w, text, err) < 0 || sf_buf_addstr(text, "\n", err) < 0)
			return -1;
		if (sf_report_probe_text(&s->run.res, &s->run.diag, true, true, text, err) < 0)
			return -1;
		if (s->run.policy != NULL &&
			(sf_buf_addstr(text,
				 s->run.policy_applies
					 ? "\nThis mail server's own settings and log\n"
					 : "\nThis machine's own mail server (not the "
					   "server tested, so not used in "
					   "the diagnosis)\n",
				 err) < 0 ||
				sf_report_policy_text(s->run.policy, s->run.log, text, err) < 0))
			return -1;
	}
	if (s->run.guide.text.len > 0 &&
		(sf_buf_addstr(text, "\n", err) < 0 ||
			sf_buf_add(text, s->run.guide.text.data, s->run.guide.text.len, err) < 0))
		return -1;
	return 0;
}

/* Creates DIR/smtpfix-report-STAMP.txt and .json, readable by the owner
 * only and never over a file that exists: a second report in the same
 * second becomes STAMP-2, and so on. */
static int
open_pair(const char *dir, const char *stamp, char path[2][SF_UI_PATH_MAX], int fds[2])
{
	static const char *const ext[2] = { "txt", "json" };
	int n, k;

	for (n = 1; n < 100; n++) {
		for (k = 0; k < 2; k++) {
			int len = n == 1 ? snprintf(path[k], SF_UI_PATH_MAX,
						   "%s/smtpfix-report-%s.%s", dir, stamp, ext[k])
					 : snprintf(path[k], SF_UI_PATH_MAX,
						   "%s/smtpfix-report-%s-%d.%s", dir, stamp, n,
						   ext[k]);

			if (len < 0 || len >= SF_UI_PATH_MAX) {
				errno = ENAMETOOLONG;
				return -1;
			}
		}
		fds[0] = open(path[0], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fds[0] < 0 && errno == EEXIST)
			continue;
		if (fds[0] < 0)
			return -1;
		fds[1] = open(path[1], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fds[1] >= 0)
			return 0;
		k = errno;
		close(fds[0]);
		unlink(path[0]); /* ours: made a moment ago */
		errno = k;
		if (k != EEXIST)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

void
sf_ui_save_report(struct sf_ui_session *s, const struct sf_wizard *w)
{
	char stamp[32], path[2][SF_UI_PATH_MAX];
	const char *dir = s->o->report_dir ? s->o->report_dir : ".";
	time_t now = time(NULL);
	struct tm tm;
	struct sf_buf text, json;
	struct sf_error err;
	int k, fds[2];

	localtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	sf_buf_init(&text, SF_REPORT_MAX);
	sf_buf_init(&json, SF_REPORT_MAX);
	if (report_text(s, w, stamp, &text, &err) < 0 ||
		(s->run.have_res && report_json(s, &json, &err) < 0)) {
		fputs("Could not write the report: ", s->out);
		sf_ui_print_safe(s->out, err.message);
		fputs("\n", s->out);
		sf_buf_free(&text);
		sf_buf_free(&json);
		return;
	}
	if (open_pair(dir, stamp, path, fds) < 0) {
		int e = errno;

		fputs("Could not save the report in ", s->out);
		sf_ui_print_safe(s->out, dir);
		fprintf(s->out, ": %s\n", strerror(e));
		fds[0] = fds[1] = -1;
	}
	for (k = 0; k < 2 && fds[0] >= 0; k++) {
		const struct sf_buf *b = k == 0 ? &text : &json;

		if (b->len > 0 && write(fds[k], b->data, b->len) != (ssize_t)b->len) {
			int e = errno;

			fputs("Could not save ", s->out);
			sf_ui_print_safe(s->out, path[k]);
			fprintf(s->out, ": %s\n", strerror(e));
		} else {
			fputs("Saved: ", s->out);
			sf_ui_print_safe(s->out, path[k]);
			fputs("\n", s->out);
			s->saved = true;
			memcpy(s->saved_path[k], path[k], sizeof s->saved_path[k]);
		}
		close(fds[k]);
	}
	sf_buf_free(&text);
	sf_buf_free(&json);
}

void
sf_ui_save_if_asked(struct sf_ui_session *s, const struct sf_wizard *w)
{
	if (s->o->save && !s->saved && s->run.have_res)
		sf_ui_save_report(s, w);
}

void
sf_ui_print_steps(struct sf_ui_session *s, const struct sf_wizard *w)
{
	size_t i;

	(void)w;
	for (i = 0; i < s->nsteps; i++) {
		fputs(i > 0 ? "\n" : "", s->out);
		fputs(s->guide_steps[i], s->out);
	}
}
