/* The plain front end: the wizard line by line. Numbered choices, Enter
 * takes the default, "b" goes back, "q" quits, "?" shows the help. At the
 * end of input every remaining question takes its default, so a script
 * with the answers prefilled runs to the end. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "smtpfix/diagnose.h"
#include "smtpfix/explain.h"
#include "smtpfix/guide.h"
#include "smtpfix/help.h"
#include "smtpfix/report.h"
#include "smtpfix/secret.h"
#include "smtpfix/text.h"
#include "smtpfix/ui.h"

struct session {
	const struct sf_ui_options *o;
	FILE *in, *out;
	bool eof;
	struct sf_secret password;
	struct sf_probe_result res;
	bool have_res;
	struct sf_diagnosis diag;
	struct sf_explain_result explained;
	bool have_explained;
	struct sf_buf guide;
	char guide_steps[32][1024];
	size_t nsteps;
};

/* One line of input without its newline; false at end of input. */
static bool
read_line(struct session *s, char *buf, size_t size, bool secret)
{
	struct termios old, quiet;
	bool tty = secret && isatty(fileno(s->in)) && tcgetattr(fileno(s->in), &old) == 0;
	size_t n;

	if (s->eof)
		return false;
	if (tty) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fileno(s->in), TCSAFLUSH, &quiet);
	}
	if (fgets(buf, (int)size, s->in) == NULL) {
		s->eof = true;
		buf[0] = '\0';
	}
	if (tty) {
		tcsetattr(fileno(s->in), TCSAFLUSH, &old);
		fputs("\n", s->out);
	}
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return !s->eof || n > 0;
}

static void
print_safe(struct session *s, const char *text)
{
	struct sf_buf b;
	struct sf_error err;

	sf_buf_init(&b, 1 << 20);
	if (sf_sanitize_append(&b, text, strlen(text), 1 << 19, &err) == 0 && b.data != NULL)
		fputs(b.data, s->out);
	sf_buf_free(&b);
}

static void
show_help(struct session *s, const char *topic)
{
	size_t len;
	const char *t = topic ? sf_help_get(topic, &len) : NULL;

	if (t == NULL)
		fprintf(s->out, "(no help for this question; b goes back, q quits)\n");
	else
		fwrite(t, 1, len, s->out);
}

static void
progress(void *ctx, const struct sf_progress *ev)
{
	struct session *s = ctx;

	if (ev->done)
		fprintf(s->out, "  port %d (%s): done in %.0f ms\n", ev->port, sf_purpose_id(ev->purpose),
			ev->elapsed_ms);
}

static void
run_probe(struct session *s, struct sf_wizard *w)
{
	struct sf_probe_options o;
	struct sf_error err;
	struct sf_diag_input in;
	struct sf_buf out;
	size_t i;

	if (s->have_res)
		sf_probe_result_free(&s->res);
	s->have_res = false;
	sf_probe_options_init(&o);
	o.host = w->server;
	if (strchr(w->server, '@') != NULL)
		o.host = strchr(w->server, '@') + 1; /* discovery is the probe command's job */
	o.ca_file = s->o->ca_file;
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
	fprintf(s->out, "\nTesting %s (every port at once)...\n", o.host);
	if (sf_probe_run(&o, &s->res, &err) < 0) {
		fprintf(s->out, "Cannot test that: %s\n", err.message);
		memset(&s->res, 0, sizeof s->res);
		s->res.login_index = -1;
		sf_error_set(&s->res.resolve_err, err.code, "%s", err.message);
	}
	s->have_res = true;
	/* The password is used once and wiped. */
	sf_secret_free(&s->password);
	in.probe = &s->res;
	in.policy = NULL;
	in.log = NULL;
	in.text = s->have_explained ? &s->explained : NULL;
	sf_diagnose(&in, &s->diag);
	sf_buf_init(&out, SF_REPORT_MAX);
	if (sf_report_probe_text(&s->res, &s->diag, false, false, &out, &err) == 0)
		fputs(out.data, s->out);
	sf_buf_free(&out);
}

/* Render the chosen program's steps and split them for "Step n of m". */
static void
prepare_fix(struct session *s, struct sf_wizard *w)
{
	const struct sf_recommendation *r = &s->res.recommended;
	struct sf_guide_values v;
	struct sf_error err;
	char path[128];
	const char *text, *p;
	size_t len;

	s->nsteps = 0;
	sf_buf_reset(&s->guide);
	snprintf(path, sizeof path, "clients/%s.txt", sf_wiz_client_id(w));
	text = sf_help_get(path, &len);
	v.host = r->found ? r->host : w->server;
	v.port = r->found ? r->port : 587;
	v.security = !r->found || r->security == SF_SEC_STARTTLS ? SF_GUIDE_STARTTLS
		: r->security == SF_SEC_TLS ? SF_GUIDE_TLS : SF_GUIDE_NONE;
	v.auth = true;
	v.user = w->user[0] ? w->user : (r->found ? r->username : "your full email address");
	if (text == NULL || sf_guide_render(text, len, &v, &s->guide, &err) < 0)
		return;
	/* Each "Step n of m:" block is one screenful in the flow. */
	for (p = strstr(s->guide.data, "Step "); p != NULL && s->nsteps < 32;) {
		const char *next = strstr(p + 5, "\nStep ");
		const char *end = next ? next + 1 : p + strlen(p);

		snprintf(s->guide_steps[s->nsteps++], sizeof s->guide_steps[0], "%.*s", (int)(end - p), p);
		p = next ? next + 1 : NULL;
	}
	w->fix_steps = s->nsteps;
	w->fix_step = 0;
}

static int
save_report(struct session *s, struct sf_wizard *w)
{
	char stamp[32], path[2][600];
	const char *dir = s->o->report_dir ? s->o->report_dir : ".";
	time_t now = time(NULL);
	struct tm tm;
	struct sf_buf text, json;
	struct sf_error err;
	int k;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	snprintf(path[0], sizeof path[0], "%s/smtpfix-report-%s.txt", dir, stamp);
	snprintf(path[1], sizeof path[1], "%s/smtpfix-report-%s.json", dir, stamp);
	sf_buf_init(&text, SF_REPORT_MAX);
	sf_buf_init(&json, SF_REPORT_MAX);
	sf_buf_printf(&text, &err, "smtpfix report, %s\nMail program: %s\nServer: %s\n\n", stamp,
		sf_wiz_client_id(w), w->server);
	if (s->have_res) {
		sf_report_probe_text(&s->res, &s->diag, true, true, &text, &err);
		sf_report_probe_json(&s->res, NULL, &s->diag, true, &json, &err);
	}
	if (s->guide.len > 0) {
		sf_buf_addstr(&text, "\n", &err);
		sf_buf_add(&text, s->guide.data, s->guide.len, &err);
	}
	for (k = 0; k < 2; k++) {
		/* Readable by the owner only, and never over a file that exists. */
		int fd = open(path[k], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		const struct sf_buf *b = k == 0 ? &text : &json;

		if (fd < 0 || (b->len > 0 && write(fd, b->data, b->len) != (ssize_t)b->len)) {
			fprintf(s->out, "Could not save %s\n", path[k]);
			if (fd >= 0)
				close(fd);
			continue;
		}
		close(fd);
		fprintf(s->out, "Saved %s\n", path[k]);
	}
	sf_buf_free(&text);
	sf_buf_free(&json);
	return 0;
}

static void
ask(struct session *s, const struct sf_wiz_question *q, const struct sf_wizard *w)
{
	size_t i;

	fprintf(s->out, "\n%s\n", q->title);
	if (q->prompt != NULL && q->prompt[0] != '\0')
		fprintf(s->out, "%s\n", q->prompt);
	if (w->step == SF_WIZ_FIX && w->fix_step < s->nsteps)
		fputs(s->guide_steps[w->fix_step], s->out);
	for (i = 0; i < q->nchoices; i++)
		fprintf(s->out, "  %zu) %s%s\n", i + 1, q->choices[i], i == q->default_choice ? " [default]" : "");
	fputs(q->free_text && q->nchoices == 0 ? "> " : "Choose (Enter = default, b = back, ? = help, q = quit): ",
		s->out);
	fflush(s->out);
}

int
sf_ui_plain_run(const struct sf_ui_options *o)
{
	struct session s;
	struct sf_wizard w;
	struct sf_wiz_question q;
	char line[SF_WIZ_PASTE_MAX];
	const char *cat;
	size_t catlen;

	memset(&s, 0, sizeof s);
	s.o = o;
	s.in = o->in ? o->in : stdin;
	s.out = o->out ? o->out : stdout;
	sf_buf_init(&s.guide, 1 << 20);
	sf_wiz_init(&w, &o->prefill);
	if (o->banner != NULL)
		fprintf(s.out, "%s\n", o->banner);
	while (w.step != SF_WIZ_DONE) {
		struct sf_wiz_event ev;
		enum sf_wiz_effect fx;

		memset(&ev, 0, sizeof ev);
		if (w.step == SF_WIZ_PROBING) {
			run_probe(&s, &w);
			ev.kind = SF_WIZ_EV_PROBE_DONE;
			ev.ok = sf_probe_healthy(&s.res, NULL, 0);
			sf_wiz_handle(&w, &ev);
			if (w.step == SF_WIZ_RESULT || w.step == SF_WIZ_RETEST)
				prepare_fix(&s, &w);
			continue;
		}
		sf_wiz_question(&w, &q);
		ask(&s, &q, &w);
		if (!read_line(&s, line, sizeof line, q.secret)) {
			/* End of input: take the default, as far as there is one. */
			if (w.step == SF_WIZ_SERVER && w.server[0] == '\0') {
				fprintf(s.out, "\nNo server given; stopping.\n");
				sf_buf_free(&s.guide);
				return 2;
			}
			fputs("\n", s.out);
			ev.kind = q.secret ? SF_WIZ_EV_DEFAULT : SF_WIZ_EV_DEFAULT;
		} else if (strcmp(line, "q") == 0) {
			ev.kind = SF_WIZ_EV_CANCEL;
		} else if (strcmp(line, "b") == 0) {
			ev.kind = SF_WIZ_EV_BACK;
		} else if (strcmp(line, "?") == 0) {
			show_help(&s, q.help);
			continue;
		} else if (q.secret) {
			sf_secret_free(&s.password);
			if (sf_secret_set(&s.password, line, NULL) == 0)
				ev.kind = SF_WIZ_EV_TEXT;
			sf_memwipe(line, sizeof line);
			ev.text = "";
		} else if (q.free_text) {
			ev.kind = line[0] ? SF_WIZ_EV_TEXT : SF_WIZ_EV_DEFAULT;
			ev.text = line;
		} else if (line[0] == '\0') {
			ev.kind = SF_WIZ_EV_DEFAULT;
		} else {
			char *end;
			long n = strtol(line, &end, 10);

			if (*end != '\0' || n < 1 || (size_t)n > q.nchoices) {
				fprintf(s.out, "Please type a number from 1 to %zu.\n", q.nchoices);
				continue;
			}
			ev.kind = SF_WIZ_EV_CHOOSE;
			ev.index = (size_t)(n - 1);
		}
		fx = sf_wiz_handle(&w, &ev);
		switch (fx) {
		case SF_WIZ_FX_EXPLAIN:
			cat = sf_help_get("errors/catalog.txt", &catlen);
			if (cat != NULL && sf_explain(w.paste, strlen(w.paste), cat, catlen, &s.explained, NULL) == 0) {
				s.have_explained = true;
				if (s.explained.ncauses > 0) {
					fprintf(s.out, "\nThat message most likely means: ");
					print_safe(&s, s.explained.causes[0].means);
					fputs("\n", s.out);
				} else {
					fprintf(s.out, "\nsmtpfix does not recognize that message; the test will tell more.\n");
				}
			}
			break;
		case SF_WIZ_FX_SAVE_REPORT:
			save_report(&s, &w);
			break;
		case SF_WIZ_FX_START_PROBE:
		case SF_WIZ_FX_CANCEL_PROBE:
		case SF_WIZ_FX_NONE:
		case SF_WIZ_FX_QUIT:
			break;
		}
	}
	sf_secret_free(&s.password);
	if (s.have_res)
		sf_probe_result_free(&s.res);
	sf_buf_free(&s.guide);
	fprintf(s.out, "\nsmtpfix: done.\n");
	return w.fixed_now || (s.have_res && sf_probe_healthy(&s.res, NULL, 0)) ? 0 : 1;
}
