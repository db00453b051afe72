#define _GNU_SOURCE /* memrchr */
/* Replaying a large log by address or user: the file is cut in parts at
 * line ends, each part read and searched by a thread of its own, and the
 * lines that hold a key are kept; then they are read in order, as a
 * replay of the whole file would have read them. The search is most of a
 * replay's work, so on a machine with several cores a replay is not the
 * slow part of a watch. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "smtpfix/watch.h"

#define PARTS_MAX 4
#define PART_READ (256u << 10)      /* stays in the cache for each key's pass */
#define PARALLEL_FROM (32ull << 20) /* smaller files: one pass in order */
/* Lines kept by one part, at most: a filter that matches most of a log
 * is read in order instead. */
#define PART_KEEP_MAX (64u << 20)
#define PART_ADDRS 32
/* The head of every part after the first is kept whole: a connection
 * that began in the part before (its user's line there) goes on here,
 * under the address only the reader in order has learnt. */
#define PART_HEAD (256u << 10)

struct part {
	const struct sf_watch *w;
	int fd;
	off_t from, to;
	char *keep;
	size_t nkeep;
	bool failed;
	size_t head; /* bytes at the start still to keep whole */
	/* The addresses this part's user lines came from, followed within it. */
	char addrs[PART_ADDRS][SF_LOG_ADDR_MAX];
	size_t naddrs;
	const char *keys[SF_WATCH_MAX_KEYS];
	size_t nkeys;
};

static bool
keep_line(struct part *p, const char *ls, const char *le)
{
	size_t n = (size_t)(le - ls);

	if (p->nkeep + n + 1 > PART_KEEP_MAX) {
		p->failed = true;
		return false;
	}
	memcpy(p->keep + p->nkeep, ls, n);
	p->keep[p->nkeep + n] = '\n';
	p->nkeep += n + 1;
	return true;
}

/* A user's line names the client address the rest of its connection's
 * lines carry: followed from here on, in this part. */
static void
follow(struct part *p, const char *ls, size_t len)
{
	struct sf_event ev;
	size_t i;

	if (p->w->opt.nusers == 0 || p->naddrs >= PART_ADDRS || p->nkeys >= SF_WATCH_MAX_KEYS ||
		!sf_event_parse(ls, len, p->w->now, &ev) || ev.address[0] == '\0' ||
		!sf_watch_names_user(p->w, ev.user, ev.sender))
		return;
	for (i = 0; i < p->naddrs; i++)
		if (strcmp(p->addrs[i], ev.address) == 0)
			return;
	memcpy(p->addrs[p->naddrs], ev.address, sizeof p->addrs[0]);
	p->keys[p->nkeys++] = p->addrs[p->naddrs++];
}

/* One NUL-terminated stretch of whole lines. */
static void
search(struct part *p, const char *buf, const char *end)
{
	const char *pos[SF_WATCH_MAX_KEYS], *done = buf;
	size_t k;

	for (k = 0; k < p->nkeys; k++)
		pos[k] = strstr(buf, p->keys[k]);
	while (!p->failed) {
		const char *first = NULL, *ls, *le;
		size_t before = p->nkeys;

		for (k = 0; k < p->nkeys; k++)
			if (pos[k] != NULL && (first == NULL || pos[k] < first))
				first = pos[k];
		if (first == NULL)
			return;
		ls = memrchr(buf, '\n', (size_t)(first - buf));
		ls = ls != NULL ? ls + 1 : buf;
		le = memchr(first, '\n', (size_t)(end - first));
		le = le != NULL ? le : end;
		if (ls >= done) {
			if (!keep_line(p, ls, le))
				return;
			follow(p, ls, (size_t)(le - ls));
			done = le;
			for (k = before; k < p->nkeys; k++)
				pos[k] = le < end ? strstr(le, p->keys[k]) : NULL;
		}
		for (k = 0; k < p->nkeys; k++)
			if (pos[k] != NULL && pos[k] < le)
				pos[k] = le < end ? strstr(le, p->keys[k]) : NULL;
	}
}

/* Whole lines buf[0..len), buf[len - 1] a line end (this part's own
 * buffer). A NUL ends a line: long runs of them split the buffer into
 * stretches searched on their own, shorter ones become line ends (as the
 * log scanner reads them), so a log full of short runs is one search. */
static void
search_lines(struct part *p, char *buf, size_t len)
{
	char *end = buf + len - 1, *stretch = buf, *nul;

	*end = '\0';
	nul = memchr(buf, '\0', (size_t)(end - buf));
	while (nul != NULL && !p->failed) {
		char *q = sf_log_skip_nuls(nul, end), *next;

		if (q == end || (size_t)(q - nul) >= SF_LOG_NUL_SKIP) {
			if (nul > stretch)
				search(p, stretch, nul);
			stretch = next = q;
		} else {
			/* The run, and a little after it: NULs close together
			 * cost one pass, a lone run only itself. */
			next = q + 64 < end ? q + 64 : end;
			sf_log_nuls_to_newlines(nul, next);
		}
		nul = next < end ? memchr(next, '\0', (size_t)(end - next)) : NULL;
	}
	if (end > stretch && !p->failed)
		search(p, stretch, end);
}

static void *
scan_part(void *arg)
{
	struct part *p = arg;
	char *buf = malloc(PART_READ + SF_LOG_LINE_MAX + 1);
	size_t held = 0;
	off_t off = p->from;

	p->keep = malloc(PART_KEEP_MAX);
	if (buf == NULL || p->keep == NULL) {
		p->failed = true;
		free(buf);
		return NULL;
	}
	while (off < p->to && !p->failed) {
		size_t want = (size_t)(p->to - off) < PART_READ ? (size_t)(p->to - off) : PART_READ;
		ssize_t n = pread(p->fd, buf + held, want, off);
		char *last;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			p->failed = true;
			break;
		}
		off += n;
		held += (size_t)n;
		last = memrchr(buf, '\n', held);
		if (last == NULL) {
			if (held >= SF_LOG_LINE_MAX) { /* longer than any line read: cut */
				buf[held] = '\n';
				search_lines(p, buf, held + 1);
				held = 0;
			}
			continue;
		}
		{
			size_t whole = (size_t)(last - buf) + 1, from = 0;

			if (p->head > 0) {
				/* Whole lines up to the head's end, kept as they are. */
				char *h = whole > p->head
						  ? memchr(buf + p->head, '\n', whole - p->head)
						  : NULL;

				from = h != NULL ? (size_t)(h - buf) + 1 : whole;
				if (p->nkeep + from > PART_KEEP_MAX)
					p->failed = true;
				else
					memcpy(p->keep + p->nkeep, buf, from);
				p->nkeep += p->failed ? 0 : from;
				p->head = 0;
			}
			if (whole > from)
				search_lines(p, buf + from, whole - from);
			memmove(buf, buf + whole, held - whole);
			held -= whole;
		}
		if (held >= SF_LOG_LINE_MAX) {
			buf[held] = '\n';
			search_lines(p, buf, held + 1);
			held = 0;
		}
	}
	free(buf);
	return NULL;
}

/* The first line end at or after off (within the file), or -1. */
static off_t
line_end_after(int fd, off_t off, off_t size)
{
	char probe[4096];

	while (off < size) {
		ssize_t n = pread(fd, probe, sizeof probe, off);
		char *nl;

		if (n <= 0)
			return -1;
		/* A NUL ends a line too: a part may start after one. */
		for (nl = probe; nl < probe + n && *nl != '\n' && *nl != '\0'; nl++)
			;
		if (nl < probe + n)
			return off + (nl - probe) + 1;
		off += n;
	}
	return -1;
}

off_t
sf_watch_replay_fd(struct sf_watch *w, int fd)
{
	struct part *parts;
	pthread_t tids[PARTS_MAX];
	bool started[PARTS_MAX] = { false };
	struct stat st;
	off_t size, end, cut;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nparts, i;
	bool ok = true;

	if (w->opt.nips == 0 && w->opt.nusers == 0)
		return 0; /* every event line: read in order */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
		(unsigned long long)st.st_size < PARALLEL_FROM || cpus < 2)
		return 0;
	size = st.st_size;
	/* Up to the last whole line: what follows is followed as it grows. */
	{
		char tail[4096];
		off_t from = size > (off_t)sizeof tail ? size - (off_t)sizeof tail : 0;
		ssize_t n = pread(fd, tail, (size_t)(size - from), from);
		char *nl = n > 0 ? memrchr(tail, '\n', (size_t)n) : NULL;

		if (nl == NULL)
			return 0; /* no line end near the end: read it as usual */
		end = from + (nl - tail) + 1;
	}
	nparts = (size_t)(cpus < PARTS_MAX ? cpus : PARTS_MAX);
	parts = calloc(nparts, sizeof *parts);
	if (parts == NULL)
		return 0;
	cut = 0;
	for (i = 0; i < nparts; i++) {
		off_t to = i + 1 == nparts
				   ? end
				   : line_end_after(fd, end / (off_t)nparts * (off_t)(i + 1), end);

		if (to < 0 || to < cut)
			to = end;
		parts[i].w = w;
		parts[i].fd = fd;
		parts[i].from = cut;
		parts[i].to = to;
		parts[i].head = i > 0 ? PART_HEAD : 0;
		memcpy(parts[i].keys, w->replay_keys, w->nreplay_keys * sizeof parts[i].keys[0]);
		parts[i].nkeys = w->nreplay_keys;
		cut = to;
	}
	for (i = 0; i < nparts; i++)
		started[i] = pthread_create(&tids[i], NULL, scan_part, &parts[i]) == 0;
	for (i = 0; i < nparts; i++) {
		if (started[i])
			pthread_join(tids[i], NULL);
		else
			ok = false;
		if (parts[i].failed)
			ok = false;
	}
	/* The kept lines in order, as the whole file would be read. */
	for (i = 0; ok && i < nparts; i++)
		if (parts[i].nkeep > 0)
			sf_watch_lines(w, parts[i].keep, parts[i].nkeep, 0);
	for (i = 0; i < nparts; i++)
		free(parts[i].keep);
	free(parts);
	return ok ? end : 0;
}
