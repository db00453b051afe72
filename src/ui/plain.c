/* The plain front end: the wizard line by line. Numbered choices, Enter
 * takes the default, "b" goes back, "q" quits, "?" shows the help. At the
 * end of input every remaining question up to the test takes its default,
 * so a script with the answers prefilled gets the result; after the result
 * it stops there (saving only with --save). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "session.h"
#include "smtpfix/secret.h"
#include "smtpfix/ui.h"

struct plain {
	FILE *in, *out;
	bool eof;
};

enum line_result {
	LINE_OK,       /* a whole line, without its line end */
	LINE_END,      /* end of input */
	LINE_TOO_LONG, /* longer than the buffer: dropped whole */
	LINE_NUL       /* held a NUL byte: dropped whole */
};

/* One whole line of input without its line end. A line that does not fit
 * is read to its end and dropped as a whole, never cut into pieces: each
 * piece would answer the next question (a "q" in one quits, another could
 * reach the password). A NUL byte would silently end the answer early,
 * so such a line is dropped too. */
static enum line_result
read_line(struct plain *s, char *buf, size_t size, bool secret)
{
	struct termios old, quiet;
	bool tty = secret && isatty(fileno(s->in)) && tcgetattr(fileno(s->in), &old) == 0;
	bool too_long = false, nul = false;
	size_t n = 0;
	int c;

	if (s->eof)
		return LINE_END;
	if (tty) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fileno(s->in), TCSAFLUSH, &quiet);
	}
	for (;;) {
		c = getc(s->in);
		if (c == EOF) {
			s->eof = true;
			break;
		}
		if (c == '\n')
			break;
		if (c == '\0')
			nul = true;
		if (n + 1 < size)
			buf[n++] = (char)c;
		else
			too_long = true;
	}
	buf[n] = '\0';
	if (tty) {
		tcsetattr(fileno(s->in), TCSAFLUSH, &old);
		fputs("\n", s->out);
	}
	if (too_long || nul) {
		sf_memwipe(buf, size);
		return too_long ? LINE_TOO_LONG : LINE_NUL;
	}
	while (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return s->eof && n == 0 ? LINE_END : LINE_OK;
}

static void
ask(struct plain *s, const struct sf_ui_session *ss, const struct sf_wiz_question *q,
	const struct sf_wizard *w)
{
	size_t i;

	fprintf(s->out, "\n%s\n", q->title);
	if (q->prompt != NULL && q->prompt[0] != '\0')
		fprintf(s->out, "%s\n", q->prompt);
	if (q->current != NULL) {
		fputs("Enter keeps: ", s->out);
		sf_ui_print_safe(s->out, q->current);
		fputs("\n", s->out);
	}
	if (w->step == SF_WIZ_FIX && w->fix_step < ss->nsteps)
		fputs(ss->guide_steps[w->fix_step], s->out);
	for (i = 0; i < q->nchoices; i++)
		fprintf(s->out, "  %zu) %s%s\n", i + 1, q->choices[i],
			i == q->default_choice ? " [default]" : "");
	fputs(q->free_text && q->nchoices == 0
			? "> "
			: "Choose (Enter = default, b = back, ? = help, q = quit): ",
		s->out);
	fflush(s->out);
}

/* Line by line, the probe runs in this thread and prints as it goes. */
struct plain_probe {
	struct sf_ui_session *ss;
	struct sf_wizard *w;
};

static bool
plain_probe_run(void *ctx)
{
	struct plain_probe *job = ctx;

	return sf_ui_run_probe(job->ss, job->w);
}

int
sf_ui_plain_run(const struct sf_ui_options *o)
{
	struct plain s;
	struct sf_ui_session ss;
	struct sf_wizard w;
	struct sf_wiz_question q;
	char line[SF_WIZ_PASTE_MAX];
	enum line_result got;
	int rc;

	memset(&s, 0, sizeof s);
	s.in = o->in ? o->in : stdin;
	s.out = o->out ? o->out : stdout;
	sf_ui_session_init(&ss, o, s.out);
	ss.line_by_line = true;
	sf_wiz_init(&w, &o->prefill);
	if (o->banner != NULL)
		fprintf(s.out, "%s\n", o->banner);
	while (w.step != SF_WIZ_DONE) {
		struct sf_wiz_event ev;

		memset(&ev, 0, sizeof ev);
		if (w.step == SF_WIZ_PROBING) {
			struct plain_probe job = { &ss, &w };

			sf_ui_probe_step(&ss, &w, plain_probe_run, &job);
			continue;
		}
		if (w.step == SF_WIZ_WATCHING) {
			/* Line by line the watch ends when their attempt arrives or
			 * its time is up (Ctrl-C ends smtpfix). */
			sf_ui_watch_step(&ss, &w, NULL, NULL);
			continue;
		}
		sf_wiz_question(&w, &q);
		if (q.secret)
			sf_secret_protect_process();
		ask(&s, &ss, &q, &w);
		got = read_line(&s, line, sizeof line, q.secret);
		if (got == LINE_TOO_LONG || got == LINE_NUL) {
			/* Nothing of it is used; the same question comes again. */
			if (got == LINE_TOO_LONG)
				fprintf(s.out,
					"\nThat line is longer than %zu bytes; none of it was "
					"used.\n",
					sizeof line - 1);
			else
				fprintf(s.out,
					"\nThat line holds a NUL byte; none of it was used.\n");
			continue;
		}
		if (got == LINE_END && w.step >= SF_WIZ_RESULT) {
			/* Input ended after the answer: the steps follow it (all of
			 * them, for a script), and nothing happens that was not
			 * asked for: no second test, no file unless --save. */
			fputs("\n", s.out);
			if (w.step == SF_WIZ_RESULT)
				sf_ui_print_steps(&ss, &w);
			break;
		}
		if (got == LINE_END) {
			/* End of input: take the default, as far as there is one. */
			if (w.step == SF_WIZ_SERVER && w.server[0] == '\0') {
				fprintf(s.out, "\nNo server given; stopping.\n");
				sf_ui_session_free(&ss);
				return 2;
			}
			fputs("\n", s.out);
			ev.kind = SF_WIZ_EV_DEFAULT;
		} else if (strcmp(line, "q") == 0) {
			ev.kind = SF_WIZ_EV_CANCEL;
		} else if (strcmp(line, "b") == 0) {
			ev.kind = SF_WIZ_EV_BACK;
		} else if (strcmp(line, "?") == 0) {
			sf_ui_show_help(s.out, q.help);
			continue;
		} else if (q.secret) {
			sf_secret_free(&ss.password);
			if (sf_secret_set(&ss.password, line, NULL) == 0)
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
		sf_ui_apply(&ss, &w, &ev);
	}
	sf_ui_save_if_asked(&ss, &w);
	rc = sf_ui_exit_status(&ss, &w);
	sf_ui_session_free(&ss);
	fprintf(s.out, "\nsmtpfix: done.\n");
	return rc;
}
