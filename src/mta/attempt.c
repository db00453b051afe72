/* Joining the events of one connection into an attempt. */
#include <stdlib.h>
#include <string.h>

#include "smtpfix/attempt.h"

static const char *const login_ids[SF_LOGINS] = { "none", "tried", "accepted", "refused",
	"not-offered", "refused-without-tls" };

const char *
sf_attempt_login_id(enum sf_attempt_login l)
{
	return (unsigned)l < SF_LOGINS ? login_ids[l] : "?";
}

int
sf_joiner_init(struct sf_joiner *j)
{
	memset(j, 0, sizeof *j);
	j->open = calloc(SF_ATTEMPT_OPEN_MAX, sizeof *j->open);
	j->details = calloc(SF_ATTEMPT_DETAILS, sizeof *j->details);
	if (j->open == NULL || j->details == NULL) {
		sf_joiner_free(j);
		return -1;
	}
	return 0;
}

void
sf_joiner_free(struct sf_joiner *j)
{
	free(j->open);
	free(j->details);
	j->open = NULL;
	j->details = NULL;
	j->nopen = 0;
}

static void
copy(char *dst, size_t dstsz, const char *src)
{
	size_t n = strlen(src);

	if (n >= dstsz)
		n = dstsz - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void
keep_line(struct sf_attempt *a, const char *line, size_t len)
{
	char *dst;
	size_t i, n;

	if (a->nlines >= SF_ATTEMPT_LINES) {
		/* The first lines say how it began, the last how it ended. */
		memmove(a->lines[SF_ATTEMPT_LINES / 2], a->lines[SF_ATTEMPT_LINES / 2 + 1],
			(SF_ATTEMPT_LINES / 2 - 1) * sizeof a->lines[0]);
		a->nlines = SF_ATTEMPT_LINES - 1;
	}
	dst = a->lines[a->nlines++];
	n = len < SF_ATTEMPT_LINE_MAX - 1 ? len : SF_ATTEMPT_LINE_MAX - 1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)line[i];

		dst[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	dst[n] = '\0';
}

static void
hand_on(struct sf_joiner *j, size_t i, sf_attempt_fn fn, void *ctx)
{
	struct sf_attempt a = j->open[i];

	/* Exim writes X= on its message and refusal lines under TLS: such a
	 * line without it, and nothing else about TLS, means none. */
	if (a.tls < 0 && a.tls_unmarked && !a.tls_failed)
		a.tls = 0;
	j->open[i] = j->open[--j->nopen];
	fn(&a, ctx);
}

/* A login service's reason for a refused login: the latest one for the
 * same address (or user, when the service logs no address). */
static void
find_reason(const struct sf_joiner *j, struct sf_attempt *a)
{
	size_t k;

	for (k = 0; k < j->ndetails; k++) {
		const struct sf_event *d =
			&j->details[(j->next_detail + SF_ATTEMPT_DETAILS - 1 - k) %
				    SF_ATTEMPT_DETAILS];

		if (d->kind != SF_EVENT_LOGIN_FAILED)
			continue;
		/* Of the same moment: a reason from another hour is another login. */
		if (d->when != 0 && a->last != 0 &&
			(d->when > a->last + SF_ATTEMPT_REASON_WINDOW ||
				d->when + SF_ATTEMPT_REASON_WINDOW < a->first))
			continue;
		if ((d->address[0] != '\0' && strcmp(d->address, a->address) == 0) ||
			(d->address[0] == '\0' && d->user[0] != '\0' &&
				strcmp(d->user, a->user) == 0)) {
			copy(a->login_reason, sizeof a->login_reason, d->text);
			return;
		}
	}
}

static struct sf_attempt *
find_open(struct sf_joiner *j, const struct sf_event *ev)
{
	size_t i;

	for (i = 0; i < j->nopen; i++)
		if (strcmp(j->open[i].key, ev->key) == 0)
			return &j->open[i];
	return NULL;
}

static struct sf_attempt *
open_new(struct sf_joiner *j, const struct sf_event *ev, sf_attempt_fn fn, void *ctx)
{
	struct sf_attempt *a;

	if (j->nopen >= SF_ATTEMPT_OPEN_MAX) {
		size_t i, oldest = 0;

		for (i = 1; i < j->nopen; i++)
			if (j->open[i].seen < j->open[oldest].seen)
				oldest = i;
		j->forced++;
		hand_on(j, oldest, fn, ctx);
	}
	a = &j->open[j->nopen++];
	memset(a, 0, sizeof *a);
	a->source = ev->source;
	a->proto = ev->proto;
	a->tls = -1;
	copy(a->key, sizeof a->key, ev->key);
	copy(a->address, sizeof a->address, ev->address);
	a->first = ev->when;
	return a;
}

static void
keep_detail(struct sf_joiner *j, const struct sf_event *ev)
{
	j->details[j->next_detail] = *ev;
	j->next_detail = (j->next_detail + 1) % SF_ATTEMPT_DETAILS;
	if (j->ndetails < SF_ATTEMPT_DETAILS)
		j->ndetails++;
}

static void
apply(struct sf_joiner *j, struct sf_attempt *a, const struct sf_event *ev)
{
	if (a->port == 0)
		a->port = ev->port;
	if (ev->tls > a->tls)
		a->tls = ev->tls;
	if (ev->tls_unmarked)
		a->tls_unmarked = true;
	if (a->proto == SF_PROTO_UNKNOWN)
		a->proto = ev->proto;
	if (ev->user[0] != '\0' && (a->user[0] == '\0' || ev->kind == SF_EVENT_LOGIN_OK))
		copy(a->user, sizeof a->user, ev->user);
	if (ev->sender[0] != '\0' && a->sender[0] == '\0')
		copy(a->sender, sizeof a->sender, ev->sender);
	if (ev->login_tried && a->login == SF_LOGIN_NONE)
		a->login = SF_LOGIN_TRIED;
	if (ev->messages > a->messages)
		a->messages = ev->messages;
	/* Exim's "<=" and Postfix's summary count messages; Dovecot's login
	 * lines do not. */
	if (ev->source != SF_SOURCE_DOVECOT)
		a->messages_logged = true;
	switch (ev->kind) {
	case SF_EVENT_CONNECT: a->saw_connect = true; break;
	case SF_EVENT_TLS: a->tls = 1; break;
	case SF_EVENT_TLS_FAILED:
		/* A read or write error inside a session under TLS (Exim's
		 * "(recv)") is a lost connection, not a failed handshake. */
		if (!ev->ends && ev->source == SF_SOURCE_EXIM) {
			a->tls = 1;
			break;
		}
		a->tls_failed = true;
		copy(a->tls_text, sizeof a->tls_text, ev->text);
		break;
	case SF_EVENT_LOGIN_OK: a->login = SF_LOGIN_ACCEPTED; break;
	case SF_EVENT_LOGIN_FAILED:
		a->login_failures++;
		if (a->login != SF_LOGIN_ACCEPTED)
			a->login = SF_LOGIN_REFUSED;
		if (a->login_text[0] == '\0')
			copy(a->login_text, sizeof a->login_text, ev->text);
		if (a->login_reason[0] == '\0')
			find_reason(j, a);
		break;
	case SF_EVENT_LOGIN_UNADVERTISED:
		if (a->login != SF_LOGIN_ACCEPTED)
			a->login = SF_LOGIN_UNADVERTISED;
		copy(a->login_text, sizeof a->login_text, ev->text);
		break;
	case SF_EVENT_PLAINTEXT_REFUSED:
		a->login = SF_LOGIN_PLAINTEXT;
		copy(a->login_text, sizeof a->login_text, ev->text);
		break;
	case SF_EVENT_REFUSED:
		/* Postfix's summary stands in only when no reject line said more. */
		if (!a->refused || (a->refused_text[0] == '\0' && ev->text[0] != '\0'))
			copy(a->refused_text, sizeof a->refused_text, ev->text);
		a->refused = true;
		break;
	case SF_EVENT_DROPPED: a->dropped = true; break;
	case SF_EVENT_ACCEPTED:
		a->messages++;
		/* Exim writes the login on the message's line only. */
		if (ev->user[0] != '\0')
			a->login = SF_LOGIN_ACCEPTED;
		break;
	case SF_EVENT_CLOSE:
		/* Postfix's summary counts refusals it may have written no line
		 * for (the ones before TLS or login): the summary stands in. */
		if (ev->summary_refused) {
			if (!a->refused || a->refused_text[0] == '\0')
				copy(a->refused_text, sizeof a->refused_text, ev->text);
			a->refused = true;
		}
		/* Postfix's "lost connection after STARTTLS": the program gave
		 * up in the handshake (often a certificate it does not trust). */
		if (ev->source == SF_SOURCE_POSTFIX && strstr(ev->text, "after STARTTLS") != NULL) {
			a->tls_failed = true;
			copy(a->tls_text, sizeof a->tls_text, ev->text);
		}
		if (ev->source == SF_SOURCE_DOVECOT && strstr(ev->text, "no auth attempts") != NULL)
			a->no_auth_attempts = true;
		/* Exim's "no MAIL" summary: the commands the program sent. */
		if (ev->source == SF_SOURCE_EXIM && ev->text[0] != '\0' &&
			strncmp(ev->text, "lost", 4) != 0)
			copy(a->commands, sizeof a->commands, ev->text);
		break;
	case SF_EVENT_KINDS: break;
	}
	if (ev->ends)
		a->closed = true;
	if (ev->when != 0)
		a->last = ev->when;
	if (a->first == 0)
		a->first = ev->when;
}

void
sf_joiner_feed(struct sf_joiner *j, const struct sf_event *ev, const char *line, size_t len,
	double clock, sf_attempt_fn fn, void *ctx)
{
	struct sf_attempt *a;
	size_t i;

	if (ev->detail) {
		/* The login service's reason joins the open attempt of that
		 * address; kept either way, as the refusal may be logged next. */
		keep_detail(j, ev);
		for (i = 0; ev->kind == SF_EVENT_LOGIN_FAILED && i < j->nopen; i++) {
			a = &j->open[i];
			if (a->login == SF_LOGIN_REFUSED && a->login_reason[0] == '\0' &&
				((ev->address[0] != '\0' && strcmp(a->address, ev->address) == 0) ||
					(ev->address[0] == '\0' && strcmp(a->user, ev->user) == 0)))
				copy(a->login_reason, sizeof a->login_reason, ev->text);
		}
		return;
	}
	if (ev->key[0] == '\0')
		return;
	a = find_open(j, ev);
	/* A new connection of the same key (a reused client port, a Postfix
	 * process serving its next client) after the close: a new attempt. */
	if (a != NULL && a->closed && ev->kind == SF_EVENT_CONNECT) {
		/* The old one is due, and no longer found by its key; the next
		 * tick hands it on in order. */
		a->key[0] = '\0';
		a->seen = clock - SF_ATTEMPT_GRACE;
		a = NULL;
	}
	if (a == NULL)
		a = open_new(j, ev, fn, ctx);
	apply(j, a, ev);
	keep_line(a, line, len);
	a->seen = clock;
	/* Dovecot's login lines are whole attempts; an Exim "no MAIL"
	 * summary is the last line Exim writes for a connection; Postfix's
	 * disconnect is its last: due at once, handed on by the next tick
	 * (which hands on what is due in the order it began). */
	if (ev->ends && (ev->source == SF_SOURCE_DOVECOT ||
				(ev->source == SF_SOURCE_EXIM && ev->kind == SF_EVENT_CLOSE &&
					a->commands[0] != '\0') ||
				ev->source == SF_SOURCE_POSTFIX))
		a->seen = clock - SF_ATTEMPT_GRACE;
}

/* How long an attempt waits: a moment after its close; while open, the
 * idle time, or much longer when its server logs the close (its opening
 * was logged) and a slow login may pause between lines. */
static double
wait_for(const struct sf_attempt *a)
{
	if (a->closed)
		return SF_ATTEMPT_GRACE;
	return a->saw_connect ? SF_ATTEMPT_OPEN_IDLE : SF_ATTEMPT_IDLE;
}

static bool
due(const struct sf_attempt *a, double clock)
{
	return clock - a->seen >= wait_for(a);
}

void
sf_joiner_tick(struct sf_joiner *j, double clock, sf_attempt_fn fn, void *ctx)
{
	for (;;) {
		size_t i, first = j->nopen;

		/* The due ones in the order they began. */
		for (i = 0; i < j->nopen; i++)
			if (due(&j->open[i], clock) &&
				(first == j->nopen || j->open[i].first < j->open[first].first))
				first = i;
		if (first == j->nopen)
			return;
		hand_on(j, first, fn, ctx);
	}
}

void
sf_joiner_flush(struct sf_joiner *j, sf_attempt_fn fn, void *ctx)
{
	while (j->nopen > 0) {
		size_t i, first = 0;

		/* In the order they began. */
		for (i = 1; i < j->nopen; i++)
			if (j->open[i].first < j->open[first].first)
				first = i;
		hand_on(j, first, fn, ctx);
	}
}

double
sf_joiner_next_due(const struct sf_joiner *j, double clock)
{
	double best = -1;
	size_t i;

	for (i = 0; i < j->nopen; i++) {
		const struct sf_attempt *a = &j->open[i];
		double due = a->seen + wait_for(a) - clock;

		if (due < 0)
			due = 0;
		if (best < 0 || due < best)
			best = due;
	}
	return best;
}
