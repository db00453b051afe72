#define _GNU_SOURCE /* memrchr */
/* A watch: lines in, attempts out, each with its diagnosis. Only lines
 * that hold a key are parsed: the addresses asked for, else the strings
 * every connection event holds (sf_event_anchors). A buffer is searched
 * once per key with strstr (vectorised in glibc), so a replay of a large
 * log costs about one pass over it. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "smtpfix/watch.h"

static void
lower_copy(char *dst, size_t dstsz, const char *src)
{
	size_t i;

	for (i = 0; src[i] != '\0' && i + 1 < dstsz; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[i] = '\0';
}

int
sf_watch_init(struct sf_watch *w, const struct sf_watch_options *o, const struct sf_policy *policy,
	sf_watch_fn fn, void *ctx, struct sf_error *err)
{
	size_t i;

	memset(w, 0, sizeof *w);
	w->opt = *o;
	w->policy = policy;
	w->fn = fn;
	w->ctx = ctx;
	if (sf_joiner_init(&w->joiner) < 0) {
		sf_error_set(err, SF_E_NOMEM, "out of memory");
		return -1;
	}
	w->kb = sf_explain_kb_builtin(NULL, 0, err);
	if (w->kb == NULL) {
		sf_joiner_free(&w->joiner);
		return -1;
	}
	for (i = 0; i < o->nusers; i++)
		lower_copy(w->lower_users[i], sizeof w->lower_users[i], o->users[i]);
	/* Addresses alone narrow the search: every line of a connection
	 * names its client. A user is named on the login's lines only, so
	 * live every event line is read and the filter applies to the
	 * joined attempt. */
	if (o->nips > 0 && o->nusers == 0)
		for (i = 0; i < o->nips; i++)
			w->keys[w->nkeys++] = o->ips[i];
	else
		for (i = 0; sf_event_anchors[i] != NULL && w->nkeys < SF_WATCH_MAX_KEYS; i++)
			w->keys[w->nkeys++] = sf_event_anchors[i];
	/* A replay searches for the user by the name before the @, as
	 * written and in small letters: every line that names the whole
	 * address names that too, and a log may leave the domain out. Then
	 * for the addresses those lines came from. */
	for (i = 0; i < o->nips; i++)
		w->replay_keys[w->nreplay_keys++] = o->ips[i];
	for (i = 0; i < o->nusers; i++) {
		size_t local = strcspn(o->users[i], "@");

		if (local < 3)
			local = strlen(o->users[i]); /* "al@...": too common alone */
		snprintf(w->local_parts[i], sizeof w->local_parts[i], "%.*s", (int)local,
			o->users[i]);
		snprintf(w->local_lower[i], sizeof w->local_lower[i], "%.*s", (int)local,
			w->lower_users[i]);
		w->replay_keys[w->nreplay_keys++] = w->local_parts[i];
		if (strcmp(w->local_parts[i], w->local_lower[i]) != 0)
			w->replay_keys[w->nreplay_keys++] = w->local_lower[i];
	}
	if (o->nips == 0 && o->nusers == 0) {
		memcpy(w->replay_keys, w->keys, w->nkeys * sizeof w->keys[0]);
		w->nreplay_keys = w->nkeys;
	}
	w->diag = malloc(sizeof *w->diag);
	if (w->diag == NULL) {
		sf_watch_free(w);
		sf_error_set(err, SF_E_NOMEM, "out of memory");
		return -1;
	}
	return 0;
}

void
sf_watch_free(struct sf_watch *w)
{
	sf_joiner_free(&w->joiner);
	sf_explain_kb_free(w->kb);
	free(w->diag);
	w->diag = NULL;
	w->kb = NULL;
}

/* "203.0.113.9" is also "::ffff:203.0.113.9" in a log that writes IPv4
 * clients of an IPv6 socket so. */
static bool
same_address(const char *logged, const char *asked)
{
	if (strcasecmp(logged, asked) == 0)
		return true;
	return strncasecmp(logged, "::ffff:", 7) == 0 && strcasecmp(logged + 7, asked) == 0;
}

/* A user matches as typed or without the domain (a log may write
 * "bob" where the person said "bob@example.com", or the other way). */
static bool
same_user(const char *logged, const char *asked_lower)
{
	char l[SF_LOG_USER_MAX];
	const char *at;

	if (logged[0] == '\0')
		return false;
	lower_copy(l, sizeof l, logged);
	if (strcmp(l, asked_lower) == 0)
		return true;
	at = strchr(asked_lower, '@');
	if (at != NULL && strchr(l, '@') == NULL)
		return strlen(l) == (size_t)(at - asked_lower) &&
		       strncmp(l, asked_lower, (size_t)(at - asked_lower)) == 0;
	at = strchr(l, '@');
	return at != NULL && strchr(asked_lower, '@') == NULL &&
	       strlen(asked_lower) == (size_t)(at - l) &&
	       strncmp(l, asked_lower, (size_t)(at - l)) == 0;
}

bool
sf_watch_wanted(const struct sf_watch *w, const struct sf_attempt *a)
{
	size_t i;

	if (w->opt.nips == 0 && w->opt.nusers == 0)
		return a->proto == SF_PROTO_SMTP || w->opt.all_protocols;
	for (i = 0; i < w->opt.nips; i++)
		if (same_address(a->address, w->opt.ips[i]))
			return true;
	/* The login name, or the sender a program that did not log in gave
	 * (the founding case names no user otherwise). */
	for (i = 0; i < w->opt.nusers; i++)
		if (same_user(a->user, w->lower_users[i]) ||
			(a->user[0] == '\0' && same_user(a->sender, w->lower_users[i])))
			return true;
	return false;
}

static void
on_attempt(const struct sf_attempt *a, void *ctx)
{
	struct sf_watch *w = ctx;
	struct sf_diag_input in;
	struct sf_diagnosis *d = w->diag;
	struct sf_watch_seen seen;

	w->attempts++;
	if (!sf_watch_wanted(w, a))
		return;
	memset(&in, 0, sizeof in);
	in.policy = w->policy;
	in.kb = w->kb;
	in.attempt = a;
	seen.attempt = a;
	seen.finding = NULL;
	if (d != NULL)
		sf_diagnose_attempt(&in, d, &seen.finding);
	w->shown++;
	w->fn(&seen, w->ctx);
}

bool
sf_watch_names_user(const struct sf_watch *w, const char *user, const char *sender)
{
	size_t i;

	for (i = 0; i < w->opt.nusers; i++)
		if (same_user(user, w->lower_users[i]) || same_user(sender, w->lower_users[i]))
			return true;
	return false;
}

/* In a replay by user: a line of the user's names the client address
 * the rest of that connection's lines carry; followed from here on. */
static bool
follow_address(struct sf_watch *w, const struct sf_event *ev)
{
	size_t i;

	if (w->opt.nusers == 0 || ev->address[0] == '\0' || w->nfound_addrs >= SF_WATCH_FOUND_ADDRS)
		return false;
	for (i = 0; i < w->opt.nusers; i++)
		if (same_user(ev->user, w->lower_users[i]) ||
			same_user(ev->sender, w->lower_users[i]))
			break;
	if (i == w->opt.nusers)
		return false;
	for (i = 0; i < w->nfound_addrs; i++)
		if (strcmp(w->found_addrs[i], ev->address) == 0)
			return false;
	snprintf(w->found_addrs[w->nfound_addrs++], SF_LOG_ADDR_MAX, "%s", ev->address);
	return true;
}

static void
one_line(struct sf_watch *w, const char *ls, size_t len, double clock, bool *new_key)
{
	struct sf_event ev;

	w->lines_parsed++;
	if (!sf_event_parse(ls, len, w->now, &ev))
		return;
	/* The first pass of a replay over several logs takes only the login
	 * service's reasons, so that they are there when the server's own
	 * lines of the same moment are read in the second. */
	if (w->details_only && !ev.detail)
		return;
	if (w->opt.since != 0 && ev.when != 0 && ev.when < w->opt.since)
		return;
	if (w->details_pass_done && ev.detail)
		return; /* taken in the first pass */
	if (clock <= 0 && new_key != NULL && follow_address(w, &ev) &&
		w->nreplay_keys < SF_WATCH_MAX_KEYS) {
		w->replay_keys[w->nreplay_keys++] = w->found_addrs[w->nfound_addrs - 1];
		*new_key = true;
	}
	/* A replay runs on the log's own clock. */
	if (clock <= 0)
		clock = (double)ev.when;
	if (ev.when > w->last_when)
		w->last_when = ev.when;
	sf_joiner_feed(&w->joiner, &ev, ls, len, clock, on_attempt, w);
}

/* Search one NUL-terminated part [buf, end) of whole lines for the keys
 * (strstr, vectorised in glibc), parsing each line that holds one once. */
static void
search_part(struct sf_watch *w, const char *buf, const char *end, double clock)
{
	const char *pos[SF_WATCH_MAX_KEYS];
	const char *const *keys = clock <= 0 ? w->replay_keys : w->keys;
	size_t *nkeys = clock <= 0 ? &w->nreplay_keys : &w->nkeys;
	const char *done = buf;
	size_t k;

	for (k = 0; k < *nkeys; k++)
		pos[k] = strstr(buf, keys[k]);
	for (;;) {
		const char *first = NULL, *ls, *le;
		bool new_key = false;

		for (k = 0; k < *nkeys; k++)
			if (pos[k] != NULL && (first == NULL || pos[k] < first))
				first = pos[k];
		if (first == NULL)
			break;
		ls = memrchr(buf, '\n', (size_t)(first - buf));
		ls = ls != NULL ? ls + 1 : buf;
		le = memchr(first, '\n', (size_t)(end - first));
		le = le != NULL ? le : end;
		if (ls >= done) {
			size_t before = *nkeys;

			one_line(w, ls, (size_t)(le - ls), clock, &new_key);
			done = le;
			/* An address to follow from here on. */
			for (k = before; new_key && k < *nkeys; k++)
				pos[k] = le < end ? strstr(le, keys[k]) : NULL;
		}
		for (k = 0; k < *nkeys; k++)
			if (pos[k] != NULL && pos[k] < le)
				pos[k] = le < end ? strstr(le, keys[k]) : NULL;
	}
}

void
sf_watch_lines(struct sf_watch *w, char *buf, size_t len, double clock)
{
	char *end = buf + len, *part = buf, *nul;
	char last;

	if (len == 0)
		return;
	/* The parts between NUL bytes are searched on their own: a NUL ends
	 * a line, as for grep, and nothing is written over them (the buffer
	 * may be a private mapping of the file). The last byte (the last
	 * line's end) is the terminator of the last part while it is read. */
	last = end[-1];
	end[-1] = '\0';
	while (part < end) {
		nul = memchr(part, '\0', (size_t)(end - part));
		if (nul == NULL)
			nul = end - 1; /* the terminator put there */
		if (nul > part)
			search_part(w, part, nul, clock);
		part = nul + 1 < end ? sf_log_skip_nuls(nul + 1, end) : end;
	}
	end[-1] = last;
	/* A replay hands on what is due by the log's clock as it goes; live,
	 * the caller ticks once every file has been read, so that the lines of
	 * one moment in two logs (Postfix's and its login service's) join. */
	if (clock <= 0)
		sf_joiner_tick(&w->joiner, (double)w->last_when, on_attempt, w);
}

void
sf_watch_tick(struct sf_watch *w, double clock)
{
	sf_joiner_tick(&w->joiner, clock, on_attempt, w);
}

void
sf_watch_flush(struct sf_watch *w)
{
	sf_joiner_flush(&w->joiner, on_attempt, w);
}

double
sf_watch_next_due(const struct sf_watch *w, double clock)
{
	return sf_joiner_next_due(&w->joiner, clock);
}

double
sf_watch_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
