/* The full-screen front end: one question a screen, drawn for 80x24 and
 * any larger size, keyboard only, and readable without colour (the
 * selection is marked with ">" as well as reverse video). The probe runs in
 * a thread so that Esc or Ctrl-C cancels it at once, even against a silent
 * server. Everything the shared session says goes into a memory stream that
 * is drawn as the screen's text, with control characters replaced, so no
 * server text reaches the terminal raw. */
#include <ctype.h>
#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "fallback.h"
#include "session.h"
#include "smtpfix/help.h"
#include "smtpfix/secret.h"
#include "smtpfix/text.h"
#include "smtpfix/ui.h"

#define KEY_ESCAPE 27
#define KEY_CTRL_C 3
#define KEY_CTRL_U 21
#define SCREEN_MIN_COLS 40
#define SCREEN_MIN_LINES 12
#define BODY_MAX (1u << 20) /* what one screen's text may hold */

#define PROGRESS_ROWS 24

/* One line of the live probe screen: a target and the step it is at. */
struct progress_row {
	int port;
	enum sf_purpose purpose;
	char address[64];
	char step[24];
	double ms;
	bool done, ok;
};

/* What is drawn how: colour pairs where the terminal has them and NO_COLOR
 * is not set, otherwise reverse video and bold only. */
enum role { ROLE_BAR = 1, ROLE_SELECTED, ROLE_DONE };
static bool use_colour;
/* Outside a UTF-8 locale a character like the menu sign of a guide would
 * be drawn as bytes; it is drawn as an ASCII stand-in instead. */
static bool utf8_locale;

static attr_t
role_attr(enum role r)
{
	if (use_colour)
		return COLOR_PAIR(r) | (r == ROLE_SELECTED ? A_BOLD : 0);
	return r == ROLE_DONE ? A_BOLD : r == ROLE_SELECTED ? A_REVERSE | A_BOLD : A_REVERSE;
}

static void
colours_start(void)
{
	const char *no = getenv("NO_COLOR");

	use_colour = has_colors() && (no == NULL || no[0] == '\0');
	if (!use_colour || start_color() == ERR) {
		use_colour = false;
		return;
	}
	use_default_colors();
	init_pair(ROLE_BAR, COLOR_WHITE, COLOR_BLUE);
	init_pair(ROLE_SELECTED, COLOR_BLACK, COLOR_CYAN);
	init_pair(ROLE_DONE, COLOR_GREEN, -1);
}

/* No core file: the screen may hold a password, typed or in memory. */
static void
no_core_dumps(void)
{
	struct rlimit none = { 0, 0 };

	setrlimit(RLIMIT_CORE, &none);
}

/* A crash or a kill must not leave the terminal raw and without echo.
 * endwin() is not async-signal-safe; a process that is dying anyway takes
 * that risk, as htop and others do. The default action then runs, and it
 * must not write a core file holding the password: the limit was set to 0
 * when the screen started, and again here (a single system call) in case
 * anything raised it since. */
static void (*fatal_hook)(void);

static void
restore_and_reraise(int sig)
{
	endwin();
	if (fatal_hook != NULL)
		fatal_hook();
	no_core_dumps();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
guard_terminal(bool on)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTERM, SIGHUP };
	size_t i;

	if (on)
		no_core_dumps();
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		signal(sigs[i], on ? restore_and_reraise : SIG_DFL);
}

struct screen {
	struct sf_ui_session ss;
	/* This screen's text: what the last answer produced. */
	char *body;
	size_t body_len;
	FILE *body_file;
	/* The last diagnosis, shown again when going back to the result. */
	char report[BODY_MAX / 4];
	size_t scroll;
	size_t selected;
	char input[SF_WIZ_PASTE_MAX];
	size_t input_len;
	size_t cursor;     /* in input, a byte offset at a character's start */
	size_t digits;     /* a number being typed to pick from a long list */
	size_t text_lines; /* the page's wrapped lines, at the last draw */
	size_t text_rows;  /* how many of them fit, at the last draw */
	bool interrupted;  /* Ctrl-C: the exit status says so (130) */
	bool show_help;
	/* The probe thread's progress, read by the drawing thread. */
	pthread_mutex_t lock;
	struct progress_row rows[PROGRESS_ROWS];
	size_t nrows;
	bool probe_finished;
};

/* Starts a new screen text; the previous one is dropped. */
static int
body_reset(struct screen *sc)
{
	if (sc->body_file != NULL)
		fclose(sc->body_file);
	free(sc->body);
	sc->body = NULL;
	sc->body_len = 0;
	sc->scroll = 0;
	sc->body_file = open_memstream(&sc->body, &sc->body_len);
	sc->ss.out = sc->body_file;
	return sc->body_file != NULL ? 0 : -1;
}

static const char *
body_text(struct screen *sc)
{
	fflush(sc->body_file);
	return sc->body != NULL && sc->body_len <= BODY_MAX ? sc->body : "";
}

/* Outside a UTF-8 locale, what a character of the guides and the
 * answers is written as: the menu sign as "=", an arrow as "->", typed
 * quotes as plain ones; anything else as '?'. */
static const char *
ascii_stand_in(unsigned cp)
{
	static const struct {
		unsigned cp;
		const char *ascii;
	} table[] = {
		{ 0x2261, "=" },
		{ 0x2630, "=" },
		{ 0x2192, "->" },
		{ 0x2190, "<-" },
		{ 0x21D2, "=>" },
		{ 0x2018, "'" },
		{ 0x2019, "'" },
		{ 0x201C, "\"" },
		{ 0x201D, "\"" },
		{ 0x2013, "-" },
		{ 0x2014, "-" },
		{ 0x2026, "..." },
		{ 0x2022, "*" },
		{ 0x00A0, " " },
		{ 0x00D7, "x" },
		{ 0x2713, "v" },
		{ 0x22EE, ":" },
		{ 0x22EF, "..." },
		{ 0x2699, "*" },
	};
	size_t i;

	for (i = 0; i < sizeof table / sizeof table[0]; i++)
		if (table[i].cp == cp)
			return table[i].ascii;
	return "?";
}

/* Draws at most `width` columns of one line, control characters as '?'
 * (the session sanitizes server text already; this is the last guard). In
 * a UTF-8 locale a character that is not valid UTF-8, a C1 control or one
 * that reorders or hides text (a bidirectional control, a zero-width
 * character) is drawn as '?' too. */
static void
draw_line(int y, int x, const char *s, size_t len, int width)
{
	char buf[512];
	size_t i = 0, n = 0, k;
	unsigned cp;

	while (i < len && n + 1 < sizeof buf && (int)n < width) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80 && !utf8_locale) {
			/* One ASCII stand-in for the whole character. */
			const char *ascii;
			size_t alen;

			k = sf_utf8_decode((const unsigned char *)s + i, len - i, &cp);
			ascii = k > 0 ? ascii_stand_in(cp) : "?";
			alen = strlen(ascii);
			if (n + alen >= sizeof buf || (int)(n + alen) > width)
				break;
			memcpy(buf + n, ascii, alen);
			n += alen;
			i += k > 0 ? k : 1;
			continue;
		}
		if (c < 0x80) {
			buf[n++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
			i++;
			continue;
		}
		k = sf_utf8_decode((const unsigned char *)s + i, len - i, &cp);
		if (k == 0 || sf_unicode_unsafe(cp)) {
			buf[n++] = '?';
			i += k > 0 ? k : 1;
			continue;
		}
		if (n + k >= sizeof buf)
			break;
		memcpy(buf + n, s + i, k);
		n += k;
		i += k;
	}
	mvaddnstr(y, x, buf, (int)n);
}

/* Leading spaces of a line. */
static size_t
indent_of(const char *p, size_t len)
{
	size_t k = 0;

	while (k < len && p[k] == ' ')
		k++;
	return k;
}

/* The end of the logical line at p: the text's own lines are wrapped for
 * 80 columns with a hanging indent ("  Label       value" and then the
 * value's continuation lines under it). Narrower than that, continuation
 * lines (indented by 4 or more, deeper than the line they continue) join
 * it again, so wrapping at the real width leaves no orphaned fragment.
 * *hang is the continuation's indent, 0 for none. */
static const char *
logical_end(const char *p, bool reflow, size_t *hang)
{
	const char *nl = strchr(p, '\n'), *next;
	size_t lead = indent_of(p, nl ? (size_t)(nl - p) : strlen(p));

	*hang = 0;
	while (reflow && nl != NULL) {
		const char *nnl;
		size_t len, k;

		next = nl + 1;
		nnl = strchr(next, '\n');
		len = nnl ? (size_t)(nnl - next) : strlen(next);
		k = indent_of(next, len);
		if (k == len || k < 4 || (*hang == 0 ? k <= lead : k != *hang))
			break;
		*hang = k;
		nl = nnl;
	}
	return nl ? nl : p + strlen(p);
}

/* Draws `text` wrapped to the width, from line `skip`, in rows [top, bottom).
 * Returns how many wrapped lines the text has. */
static size_t
draw_wrapped(const char *text, size_t skip, int top, int bottom, int width)
{
	size_t line = 0;
	const char *p = text;
	bool reflow = width < 80;
	char *para = malloc(strlen(text) + 1); /* a logical line is never longer */

	if (para == NULL)
		return 0;
	while (*p == '\n') /* a screen never starts with blank lines */
		p++;
	while (*p != '\0') {
		size_t hang, len = 0, indent = 0;
		const char *end = logical_end(p, reflow, &hang), *q = p, *s;
		bool first = true;

		/* The logical line, its continuation lines joined by one space. */
		while (q < end) {
			const char *nl = memchr(q, '\n', (size_t)(end - q));
			size_t n = nl ? (size_t)(nl - q) : (size_t)(end - q);

			if (!first) {
				q += hang;
				n -= hang;
				para[len++] = ' ';
			}
			memcpy(para + len, q, n);
			len += n;
			q += n + (nl != NULL);
			first = false;
		}
		s = para;
		/* A hanging indent is kept where it leaves room for the text. */
		if (hang > 0 && hang < (size_t)width / 2)
			indent = hang;
		first = true;
		do {
			size_t room = (size_t)width - (first ? 0 : indent);
			size_t take = len > room ? room : len;

			if (take < len) { /* break at a space where there is one */
				size_t k = take;

				while (k > room / 2 && s[k] != ' ')
					k--;
				if (s[k] == ' ')
					take = k;
			}
			if (skip != (size_t)-1 && line >= skip && (int)(line - skip) + top < bottom)
				draw_line(top + (int)(line - skip), first ? 0 : (int)indent, s,
					take, (int)room);
			line++;
			s += take;
			len -= take;
			while (len > 0 && *s == ' ') {
				s++;
				len--;
			}
			first = false;
		} while (len > 0);
		if (*end == '\0')
			break;
		p = end + 1;
	}
	free(para);
	return line;
}

/* The start of the character after the one at i. */
static size_t
next_char(const char *t, size_t len, size_t i)
{
	if (i < len)
		i++;
	while (i < len && ((unsigned char)t[i] & 0xC0) == 0x80)
		i++;
	return i;
}

/* The start of the character before the one at i. */
static size_t
prev_char(const char *t, size_t i)
{
	if (i > 0)
		i--;
	while (i > 0 && ((unsigned char)t[i] & 0xC0) == 0x80)
		i--;
	return i;
}

/* Characters (columns) in t[from, to). */
static size_t
chars_between(const char *t, size_t from, size_t to)
{
	size_t n = 0;

	for (; from < to; from++)
		n += ((unsigned char)t[from] & 0xC0) != 0x80;
	return n;
}

/* The keys of this screen, in as many words as the width allows. */
static const char *
key_bar(const struct sf_wiz_question *q, int cols)
{
	if (q->nchoices == 0 && !q->free_text) /* watching: nothing to pick */
		return " Esc or q: stop watching  Ctrl-C: quit";
	if (q->free_text)
		return cols >= 60 ? " Enter: OK  Esc: back  F1: help  Ctrl-C: quit"
				  : " Enter: OK  Esc: back  Ctrl-C: quit";
	if (cols >= 70)
		return " Up/Down or number: pick  Enter: OK  Esc/b: back  ?: help  q: quit";
	if (cols >= 56)
		return " Up/Down: pick  Enter: OK  b: back  ?: help  q: quit";
	return " Enter: OK  b: back  ?: help  q: quit";
}

static void
draw(struct screen *sc, const struct sf_wizard *w, const struct sf_wiz_question *q)
{
	int rows, cols, choice_rows, bottom, y, cursor_y = 0, cursor_x = 0;
	char head[256];
	const char *text;
	struct sf_buf joined;
	struct sf_error err;
	size_t total, i, help_len, keys_len;

	sf_buf_init(&joined, 2 * BODY_MAX);
	getmaxyx(stdscr, rows, cols);
	erase();
	if (cols < SCREEN_MIN_COLS || rows < SCREEN_MIN_LINES) {
		mvaddnstr(0, 0, "smtpfix needs at least", cols);
		mvaddnstr(1, 0, "40x12 (80x24 is best)", cols);
		refresh();
		return;
	}
	attron(role_attr(ROLE_BAR));
	mvhline(0, 0, ' ', cols);
	snprintf(head, sizeof head, " smtpfix | %s", q->title);
	mvaddnstr(0, 0, head, cols);
	attroff(role_attr(ROLE_BAR));

	/* The text: help, or this screen's text, plus the step being shown. */
	if (sc->show_help) {
		const char *keys = sf_help_get("wizard/keys-screen.txt", &keys_len);

		text = q->help ? sf_help_get(q->help, &help_len) : NULL;
		/* The question's help, then this front end's keys. */
		if (text != NULL && sf_buf_add(&joined, text, help_len, &err) == 0 &&
			(keys == NULL || (sf_buf_addstr(&joined, "\n", &err) == 0 &&
						 sf_buf_add(&joined, keys, keys_len, &err) == 0)) &&
			joined.data != NULL)
			text = joined.data; /* help texts need not end in a NUL */
		else
			text = "There is no more help for this question. Any key goes back.\n";
	} else {
		const char *b = body_text(sc);
		const char *extra = "";

		if (b[0] == '\0' && (w->step == SF_WIZ_RESULT || w->step == SF_WIZ_RETEST))
			b = sc->report;
		if (w->step == SF_WIZ_FIX && w->fix_step < sc->ss.nsteps)
			extra = sc->ss.guide_steps[w->fix_step];
		else if (w->step == SF_WIZ_FIX)
			extra = "There are no steps for this mail program; see the diagnosis.\n";
		/* The page: body, question, the value kept, the step. A page
		 * too long for its buffer shows what fitted, with a note. */
		if ((q->prompt_first && q->prompt != NULL &&
			    (sf_buf_addstr(&joined, q->prompt, &err) < 0 ||
				    sf_buf_addstr(&joined, "\n\n", &err) < 0)) ||
			sf_buf_addstr(&joined, b, &err) < 0 ||
			(b[0] != '\0' && sf_buf_addstr(&joined, "\n", &err) < 0) ||
			sf_buf_addstr(&joined, q->prompt && !q->prompt_first ? q->prompt : "",
				&err) < 0 ||
			(q->current != NULL &&
				(sf_buf_addstr(&joined, "\nEnter keeps: ", &err) < 0 ||
					sf_buf_addstr(&joined, q->current, &err) < 0)) ||
			(extra[0] != '\0' && (sf_buf_addstr(&joined, "\n\n", &err) < 0 ||
						     sf_buf_addstr(&joined, extra, &err) < 0)))
			text = joined.data != NULL ? joined.data
						   : "This page is too long to show; save the "
						     "report to read it.";
		else
			text = joined.data != NULL ? joined.data : "";
	}
	choice_rows = (int)q->nchoices + (q->free_text ? 1 : 0);
	bottom = rows - 2 - choice_rows;
	if (bottom < 3)
		bottom = 3;
	/* PgDn stops where the last line is on the screen. */
	total = draw_wrapped(text, (size_t)-1, 2, bottom, cols);
	sc->text_lines = total;
	sc->text_rows = (size_t)(bottom - 2);
	if (sc->scroll + sc->text_rows > total)
		sc->scroll = total > sc->text_rows ? total - sc->text_rows : 0;
	draw_wrapped(text, sc->scroll, 2, bottom, cols);
	if (total > (size_t)(bottom - 2)) {
		snprintf(head, sizeof head, "-- lines %zu-%zu of %zu, PgUp/PgDn --", sc->scroll + 1,
			sc->scroll + (size_t)(bottom - 2) > total
				? total
				: sc->scroll + (size_t)(bottom - 2),
			total);
		mvaddnstr(bottom,
			cols - (int)strlen(head) - 1 > 0 ? cols - (int)strlen(head) - 1 : 0, head,
			cols);
	}
	sf_buf_free(&joined);

	y = rows - 1 - choice_rows;
	for (i = 0; i < q->nchoices && y < rows - 1; i++, y++) {
		char line[300];

		snprintf(line, sizeof line, "%s %zu) %s", i == sc->selected ? ">" : " ", i + 1,
			q->choices[i]);
		if (i == sc->selected)
			attron(role_attr(ROLE_SELECTED));
		draw_line(y, 1, line, strlen(line), cols - 2);
		if (i == sc->selected)
			attroff(role_attr(ROLE_SELECTED));
	}
	if (q->free_text) {
		char shown[SF_WIZ_PASTE_MAX + 8];
		size_t avail = cols > 6 ? (size_t)cols - 6 : 1, from = 0, col;

		/* The part of the text around the cursor that fits. */
		while (chars_between(sc->input, from, sc->cursor) > avail)
			from = next_char(sc->input, sc->input_len, from);
		col = chars_between(sc->input, from, sc->cursor);
		if (q->secret)
			snprintf(shown, sizeof shown, "> (hidden, %zu typed)", sc->input_len);
		else
			snprintf(shown, sizeof shown, "> %.*s", (int)(sc->input_len - from),
				sc->input + from);
		draw_line(y, 1, shown, strlen(shown), cols - 2);
		cursor_y = y;
		cursor_x = 3 + (int)(q->secret ? 0 : col);
	}
	attron(role_attr(ROLE_BAR));
	mvhline(rows - 1, 0, ' ', cols);
	mvaddnstr(rows - 1, 0, key_bar(q, cols), cols);
	attroff(role_attr(ROLE_BAR));
	if (q->free_text) {
		move(cursor_y, cursor_x);
		curs_set(1);
	} else {
		curs_set(0);
	}
	refresh();
}

static void
watch_probe(void *ctx, const struct sf_progress *ev)
{
	struct screen *sc = ctx;

	struct progress_row *row = NULL;
	size_t i;

	pthread_mutex_lock(&sc->lock);
	for (i = 0; i < sc->nrows && row == NULL; i++)
		if (sc->rows[i].port == ev->port && sc->rows[i].purpose == ev->purpose &&
			strcmp(sc->rows[i].address, ev->address ? ev->address : "") == 0)
			row = &sc->rows[i];
	if (row == NULL && sc->nrows < PROGRESS_ROWS) {
		row = &sc->rows[sc->nrows++];
		row->port = ev->port;
		row->purpose = ev->purpose;
		snprintf(row->address, sizeof row->address, "%s", ev->address ? ev->address : "");
	}
	if (row != NULL) {
		snprintf(row->step, sizeof row->step, "%s", ev->step ? ev->step : "");
		row->ms = ev->elapsed_ms;
		row->done = ev->done;
		row->ok = ev->ok;
	}
	pthread_mutex_unlock(&sc->lock);
}

/* How many of the live rows have finished; the caller holds the lock. */
static size_t
rows_done(const struct screen *sc)
{
	size_t i, n = 0;

	for (i = 0; i < sc->nrows; i++)
		n += sc->rows[i].done;
	return n;
}

/* The live rows, in the order the targets started; the caller holds the lock. */
static void
draw_progress(const struct screen *sc, int top, int bottom, int cols)
{
	size_t i;

	for (i = 0; i < sc->nrows && top + (int)i < bottom; i++) {
		const struct progress_row *r = &sc->rows[i];
		char line[200];

		if (r->port == 0) /* the name lookup, before any port */
			snprintf(line, sizeof line, "%s looking up the name%s",
				r->done ? "[ok]" : "[..]", r->done ? ": done" : "");
		else
			snprintf(line, sizeof line, "%s port %-5d %-8s %-12s %s",
				r->done ? (r->ok ? "[ok]" : "[no]") : "[..]", r->port,
				sf_purpose_id(r->purpose), r->done ? "finished" : r->step,
				r->address);
		if (r->done)
			attron(role_attr(ROLE_DONE));
		draw_line(top + (int)i, 1, line, strlen(line), cols - 2);
		if (r->done)
			attroff(role_attr(ROLE_DONE));
	}
}

struct probe_job {
	struct screen *sc;
	struct sf_wizard *w;
	bool healthy;
};

static void *
probe_thread(void *arg)
{
	struct probe_job *job = arg;

	bool healthy = sf_ui_run_probe(&job->sc->ss, job->w);

	pthread_mutex_lock(&job->sc->lock);
	job->healthy = healthy;
	job->sc->probe_finished = true;
	pthread_mutex_unlock(&job->sc->lock);
	return NULL;
}

/* Runs the probe while keeping the screen alive; Esc, q or Ctrl-C cancel. */
static bool
probe_with_screen(struct screen *sc, struct sf_wizard *w, const struct sf_wiz_question *q)
{
	struct probe_job job = { sc, w, false };
	pthread_t tid;
	struct timespec start, now;
	int rows, cols;

	sc->nrows = 0;
	sc->probe_finished = false;
	sc->ss.watch = watch_probe;
	sc->ss.watch_ctx = sc;
	body_reset(sc);
	/* Cleared here, before the thread exists: the probe only reads it, so
	 * an Esc pressed the moment the thread starts still cancels. */
	sc->ss.cancel = 0;
	if (pthread_create(&tid, NULL, probe_thread, &job) != 0) {
		/* No thread: probe in this one, without live cancel. */
		return sf_ui_run_probe(&sc->ss, w);
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	timeout(100);
	for (;;) {
		char line[SF_WIZ_TEXT_MAX + 80];
		int ch;
		double secs;

		clock_gettime(CLOCK_MONOTONIC, &now);
		secs = (double)(now.tv_sec - start.tv_sec) +
		       (double)(now.tv_nsec - start.tv_nsec) / 1e9;
		getmaxyx(stdscr, rows, cols);
		erase();
		attron(role_attr(ROLE_BAR));
		mvhline(0, 0, ' ', cols);
		mvaddnstr(0, 0, " smtpfix | Testing the server", cols);
		attroff(role_attr(ROLE_BAR));
		pthread_mutex_lock(&sc->lock);
		snprintf(line, sizeof line,
			"Testing %s on every port at once: %.1f s, %zu finished.", w->server, secs,
			rows_done(sc));
		draw_line(2, 1, line, strlen(line), cols - 2);
		draw_progress(sc, 4, rows - 2, cols);
		pthread_mutex_unlock(&sc->lock);
		attron(role_attr(ROLE_BAR));
		mvhline(rows - 1, 0, ' ', cols);
		mvaddnstr(rows - 1, 0, " Esc: cancel the test", cols);
		attroff(role_attr(ROLE_BAR));
		curs_set(0);
		refresh();
		if (sc->ss.cancel == 0) {
			ch = getch();
			if (ch == KEY_ESCAPE || ch == 'q' || ch == KEY_CTRL_C)
				sc->ss.cancel = 1;
			if (ch == KEY_CTRL_C)
				sc->interrupted = true; /* cancel, and leave */
		} else {
			napms(50);
		}
		pthread_mutex_lock(&sc->lock);
		if (sc->probe_finished) {
			pthread_mutex_unlock(&sc->lock);
			break;
		}
		pthread_mutex_unlock(&sc->lock);
	}
	pthread_join(tid, NULL);
	timeout(-1);
	sc->ss.watch = NULL;
	return job.healthy;
}

/* Edits the text field at its cursor: moves, deletes, inserts. Returns
 * false for a key that is not an edit. */
static bool
edit_text(struct screen *sc, const struct sf_wiz_question *q, int ch)
{
	size_t max = q->secret || q->nchoices == 0 ? SF_WIZ_TEXT_MAX : sizeof sc->input;

	if (q->secret && (ch == KEY_LEFT || ch == KEY_RIGHT || ch == KEY_HOME || ch == KEY_END))
		return true; /* nothing to see, so nothing to move in */
	switch (ch) {
	case KEY_LEFT: sc->cursor = prev_char(sc->input, sc->cursor); return true;
	case KEY_RIGHT: sc->cursor = next_char(sc->input, sc->input_len, sc->cursor); return true;
	case KEY_HOME: sc->cursor = 0; return true;
	case KEY_END: sc->cursor = sc->input_len; return true;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (sc->cursor == 0)
			return true;
		ch = (int)prev_char(sc->input, sc->cursor); /* the start of what goes */
		memmove(sc->input + ch, sc->input + sc->cursor, sc->input_len - sc->cursor);
		sc->input_len -= sc->cursor - (size_t)ch;
		sc->cursor = (size_t)ch;
		sf_memwipe(sc->input + sc->input_len, sizeof sc->input - sc->input_len);
		return true;
	case KEY_DC: {
		size_t end = next_char(sc->input, sc->input_len, sc->cursor);

		memmove(sc->input + sc->cursor, sc->input + end, sc->input_len - end);
		sc->input_len -= end - sc->cursor;
		sf_memwipe(sc->input + sc->input_len, sizeof sc->input - sc->input_len);
		return true;
	}
	case KEY_CTRL_U:
		sf_memwipe(sc->input, sizeof sc->input);
		sc->input_len = sc->cursor = 0;
		return true;
	default: break;
	}
	if (ch >= 0x20 && ch < 0x100 && ch != 0x7f && sc->input_len + 1 < max) {
		memmove(sc->input + sc->cursor + 1, sc->input + sc->cursor,
			sc->input_len - sc->cursor);
		sc->input[sc->cursor++] = (char)ch;
		sc->input_len++;
		return true;
	}
	return false;
}

/* The next choice after the selected one that starts with the letter. */
static void
jump_to_letter(struct screen *sc, const struct sf_wiz_question *q, int ch)
{
	size_t i;

	for (i = 1; i <= q->nchoices; i++) {
		size_t k = (sc->selected + i) % q->nchoices;

		if (q->choices[k][0] != '\0' &&
			tolower((unsigned char)q->choices[k][0]) == tolower(ch)) {
			sc->selected = k;
			return;
		}
	}
}

/* A digit typed in a list. With ten choices or more, "1" may begin "12":
 * it selects choice 1 and waits; the next digit makes 12, Enter takes 1.
 * Returns true (and the event) when a choice is made. */
static bool
pick_by_number(struct screen *sc, const struct sf_wiz_question *q, int ch, struct sf_wiz_event *ev)
{
	size_t n = sc->digits * 10 + (size_t)(ch - '0');

	if (n == 0 || n > q->nchoices) {
		sc->digits = 0;
		n = (size_t)(ch - '0'); /* a digit that does not continue starts anew */
		if (n == 0 || n > q->nchoices)
			return false;
	}
	sc->selected = n - 1;
	if (n * 10 <= q->nchoices) { /* more digits could follow */
		sc->digits = n;
		return false;
	}
	sc->digits = 0;
	ev->kind = SF_WIZ_EV_CHOOSE;
	ev->index = n - 1;
	return true;
}

/* Reads one key for a question and turns it into an event. Returns false
 * when the key only changed the screen (moved, scrolled, typed). */
static bool
key_to_event(struct screen *sc, const struct sf_wiz_question *q, int ch, struct sf_wiz_event *ev)
{
	size_t page = sc->text_rows > 1 ? sc->text_rows - 1 : 1;
	size_t last = sc->text_lines > sc->text_rows ? sc->text_lines - sc->text_rows : 0;

	memset(ev, 0, sizeof *ev);
	if (sc->show_help && ch != KEY_NPAGE && ch != KEY_PPAGE) {
		sc->show_help = false;
		sc->scroll = 0;
		return false;
	}
	if (ch < '0' || ch > '9')
		sc->digits = 0;
	switch (ch) {
	case KEY_RESIZE: return false;
	case KEY_NPAGE:
		sc->scroll = sc->scroll + page < last ? sc->scroll + page : last;
		return false;
	case KEY_PPAGE: sc->scroll = sc->scroll > page ? sc->scroll - page : 0; return false;
	case KEY_F(1):
		sc->show_help = true;
		sc->scroll = 0;
		return false;
	case KEY_CTRL_C:
		sc->interrupted = true;
		ev->kind = SF_WIZ_EV_CANCEL;
		return true;
	case KEY_ESCAPE: ev->kind = SF_WIZ_EV_BACK; return true;
	default: break;
	}
	if (q->free_text) {
		if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
			sc->input[sc->input_len] = '\0';
			ev->kind = sc->input_len > 0 ? SF_WIZ_EV_TEXT : SF_WIZ_EV_DEFAULT;
			ev->text = sc->input;
			return true;
		}
		edit_text(sc, q, ch);
		return false;
	}
	switch (ch) {
	case KEY_UP:
	case 'k':
		sc->selected = sc->selected > 0 ? sc->selected - 1 : q->nchoices - 1;
		return false;
	case KEY_DOWN:
	case 'j':
		sc->selected = sc->selected + 1 < q->nchoices ? sc->selected + 1 : 0;
		return false;
	case KEY_HOME: sc->selected = 0; return false;
	case KEY_END: sc->selected = q->nchoices > 0 ? q->nchoices - 1 : 0; return false;
	case '?':
		sc->show_help = true;
		sc->scroll = 0;
		return false;
	case 'q': ev->kind = SF_WIZ_EV_CANCEL; return true;
	case 'b':
	case KEY_LEFT: ev->kind = SF_WIZ_EV_BACK; return true;
	case '\n':
	case '\r':
	case KEY_ENTER:
	case ' ':
		ev->kind = SF_WIZ_EV_CHOOSE;
		ev->index = sc->selected;
		return q->nchoices > 0;
	default:
		if (ch >= '0' && ch <= '9')
			return pick_by_number(sc, q, ch, ev);
		if (ch < 0x80 && isalpha(ch))
			jump_to_letter(sc, q, ch);
		return false;
	}
}

/* The probe with the live screen; what it leaves in the body is the
 * report, or the word that the test was cancelled. */
struct screen_probe {
	struct screen *sc;
	struct sf_wizard *w;
	const struct sf_wiz_question *q;
};

static bool
screen_probe_run(void *ctx)
{
	struct screen_probe *job = ctx;
	struct screen *sc = job->sc;
	bool ok = probe_with_screen(sc, job->w, job->q);

	if (atomic_load(&sc->ss.cancel)) {
		/* A cancelled test concludes nothing: say so, not half a report. */
		body_reset(sc);
		fputs("The test was cancelled; nothing was concluded.\n", sc->body_file);
	} else {
		snprintf(sc->report, sizeof sc->report, "%s", body_text(sc));
	}
	return ok;
}

/* The watch with the live screen: the attempts seen so far in the body,
 * Esc (or q) stops watching, Ctrl-C leaves. */
struct screen_watch {
	struct screen *sc;
	struct sf_wizard *w;
	const struct sf_wiz_question *q;
};

static bool
screen_watch_tick(void *ctx)
{
	struct screen_watch *job = ctx;
	int ch;

	draw(job->sc, job->w, job->q);
	timeout(0);
	ch = getch();
	timeout(-1);
	if (ch == KEY_CTRL_C)
		job->sc->interrupted = true;
	return !(ch == KEY_ESCAPE || ch == 'q' || ch == KEY_CTRL_C);
}

int
sf_ui_screen_run(const struct sf_ui_options *o)
{
	struct screen *sc;
	struct sf_wizard w;
	struct sf_wiz_question q;
	SCREEN *term;
	enum sf_wiz_step shown = SF_WIZ_DONE;
	char fallback_dir[4096];
	int rc;

	setlocale(LC_ALL, "");
	utf8_locale = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	/* A terminal the system's database lacks: the built-in entry. */
	sf_ui_terminfo_fallback(fallback_dir, sizeof fallback_dir);
	/* newterm, unlike initscr, returns NULL instead of exiting. */
	term = newterm(NULL, stdout, stdin);
	sf_ui_terminfo_cleanup(fallback_dir); /* curses has read it */
	if (term == NULL)
		return -1;
	sc = calloc(1, sizeof *sc);
	if (sc == NULL) {
		endwin();
		delscreen(term);
		return -1;
	}
	pthread_mutex_init(&sc->lock, NULL);
	colours_start();
	fatal_hook = o->on_fatal;
	guard_terminal(true);
	raw(); /* Ctrl-C is a key here: it quits cleanly, the terminal restored */
	noecho();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	sf_ui_session_init(&sc->ss, o, NULL);
	body_reset(sc);
	if (o->banner != NULL)
		fprintf(sc->body_file, "%s\n", o->banner);
	sf_wiz_init(&w, &o->prefill);
	while (w.step != SF_WIZ_DONE) {
		struct sf_wiz_event ev;
		int ch;

		sf_wiz_question(&w, &q);
		if (q.secret)
			sf_secret_protect_process(); /* before the first key of the password */
		if (w.step != shown) {
			shown = w.step;
			sc->selected = q.default_choice < q.nchoices ? q.default_choice : 0;
			sf_memwipe(sc->input, sizeof sc->input);
			sc->input_len = sc->cursor = 0;
			sc->digits = 0;
		}
		if (w.step == SF_WIZ_PROBING) {
			struct screen_probe job = { sc, &w, &q };

			sf_ui_probe_step(&sc->ss, &w, screen_probe_run, &job);
			if (sc->interrupted)
				w.step = SF_WIZ_DONE;
			continue;
		}
		if (w.step == SF_WIZ_WATCHING) {
			struct screen_watch job = { sc, &w, &q };

			body_reset(sc);
			sf_ui_watch_step(&sc->ss, &w, screen_watch_tick, &job);
			if (sc->interrupted)
				w.step = SF_WIZ_DONE;
			continue;
		}
		draw(sc, &w, &q);
		ch = getch();
		/* A window too small to show the question acts on no key but
		 * the ones that resize or leave: nothing unseen is chosen. */
		if ((COLS < SCREEN_MIN_COLS || LINES < SCREEN_MIN_LINES) && ch != KEY_CTRL_C)
			continue;
		if (ch == ERR || !key_to_event(sc, &q, ch, &ev))
			continue;
		body_reset(sc);
		if (q.secret && ev.kind == SF_WIZ_EV_TEXT) {
			sf_secret_free(&sc->ss.password);
			sc->input[sc->input_len] = '\0';
			if (sf_secret_set(&sc->ss.password, sc->input, NULL) < 0)
				ev.kind = SF_WIZ_EV_DEFAULT;
			sf_memwipe(sc->input, sizeof sc->input);
			sc->input_len = sc->cursor = 0;
			ev.text = "";
		}
		sf_ui_apply(&sc->ss, &w, &ev);
		if (w.step ==
			shown) /* the same question again (the next fix step, a refused answer) */
			shown = SF_WIZ_DONE; /* makes the loop start it afresh */
	}
	endwin();
	guard_terminal(false);
	delscreen(term);
	/* What the last answer produced (the saved report's name) stays on the
	 * terminal after the screen is gone. */
	if (sc->ss.run.have_res) {
		sc->ss.out = stdout;
		sf_ui_print_summary(&sc->ss, &w, false);
	}
	fputs(body_text(sc), stdout);
	/* Where the report went is the last thing on the terminal. */
	for (int k = 0; k < 2 && sc->ss.saved; k++)
		if (sc->ss.saved_path[k][0] != '\0') {
			fputs("Saved: ", stdout);
			sf_ui_print_safe(stdout, sc->ss.saved_path[k]);
			fputs("\n", stdout);
		}
	if (sc->ss.setup_path[0] != '\0') {
		fputs("Setup file: ", stdout);
		sf_ui_print_safe(stdout, sc->ss.setup_path);
		fputs("\n", stdout);
	}
	rc = sc->interrupted ? 130 : sf_ui_exit_status(&sc->ss, &w);
	sf_ui_session_free(&sc->ss);
	fclose(sc->body_file);
	free(sc->body);
	pthread_mutex_destroy(&sc->lock);
	free(sc);
	return rc;
}
