/* Scanning a mail log fast: large reads, then a search for a few anchor
 * strings over the whole buffer; only the lines that hold an anchor are
 * classified. No allocation per line, so a log of any size costs about
 * as much as grep -F with the same strings. */
#define _GNU_SOURCE /* memmem, memrchr */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "smtpfix/mta_log.h"

/* Every kind's lines hold at least one of these; each says which rules
 * can apply to a line it is found in. */
static const struct {
	const char *text;
	unsigned hint;
} anchors[] = {
	{ "AUTH is required for message submission", SF_LOG_HINT_SUBMISSION },
	{ "elay", SF_LOG_HINT_RELAY }, /* relay, Relay: the relay refusals */
	{ "by DROP in ACL", SF_LOG_HINT_DROP },
	{ "authenticat", SF_LOG_HINT_AUTH }, /* authenticator failed, authentication failed */
	{ "when not advertised", SF_LOG_HINT_UNADVERTISED },
	{ "TLS error on connection", SF_LOG_HINT_TLS },
	{ "SSL_accept error", SF_LOG_HINT_TLS },
	{ "plaintext auth", SF_LOG_HINT_PLAINTEXT },
	{ " P=esmtpa ", SF_LOG_HINT_ESMTPA },
};
#define NANCHORS (sizeof anchors / sizeof anchors[0])

void
sf_log_scan_init(struct sf_log_scan *s, time_t since, time_t now)
{
	memset(s, 0, sizeof *s);
	s->since = since;
	s->now = now;
}

void
sf_log_scan_free(struct sf_log_scan *s)
{
	free(s->groups);
	s->groups = NULL;
	s->ngroups = 0;
}

static void
keep_sample(char *dst, const char *line, size_t len)
{
	size_t i, n = len < SF_LOG_SAMPLE_MAX - 1 ? len : SF_LOG_SAMPLE_MAX - 1;

	/* Stored as printable ASCII: the renderers escape again anyway. */
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)line[i];

		dst[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	dst[n] = '\0';
}

void
sf_log_scan_add(struct sf_log_scan *s, const struct sf_log_hit *h, const char *line, size_t len)
{
	struct sf_log_group *g;
	size_t i;

	if (h->when != 0 && s->since != 0 && h->when < s->since)
		return;
	for (i = 0; i < s->ngroups; i++) {
		g = &s->groups[i];
		if (g->kind == h->kind && g->port == h->port && strcmp(g->address, h->address) == 0 &&
			strcmp(g->user, h->user) == 0)
			break;
	}
	if (i == s->ngroups) {
		if (s->ngroups >= SF_LOG_MAX_GROUPS) {
			s->dropped++;
			return;
		}
		if (s->groups == NULL) {
			s->groups = calloc(SF_LOG_MAX_GROUPS, sizeof *s->groups);
			if (s->groups == NULL) {
				s->dropped++;
				return;
			}
		}
		g = &s->groups[s->ngroups++];
		memset(g, 0, sizeof *g);
		g->kind = h->kind;
		g->port = h->port;
		memcpy(g->address, h->address, sizeof g->address);
		memcpy(g->user, h->user, sizeof g->user);
		keep_sample(g->sample, line, len);
	}
	g->count++;
	if (h->when != 0 && (g->first == 0 || h->when < g->first))
		g->first = h->when;
	if (h->when > g->last)
		g->last = h->when;
}

/* memmem over a buffer whose byte at `end` is NUL. glibc's strstr is
 * vectorised and its memmem is not, so search with strstr and step over
 * any NUL bytes inside the buffer (a log may hold anything). */
static const char *
find_anchor(const char *p, const char *end, const char *needle)
{
	while (p < end) {
		const char *hit = strstr(p, needle);
		const char *nul;

		if (hit != NULL)
			return hit < end ? hit : NULL;
		/* strstr stopped at a NUL: go on after it, if it is inside. */
		nul = memchr(p, '\0', (size_t)(end - p));
		if (nul == NULL)
			return NULL;
		p = nul + 1;
	}
	return NULL;
}

/* Classify each line of buf[0..len) that holds an anchor. A line found by
 * several anchors is taken once: at its first anchor hit in buffer order.
 * buf[len] must be a NUL (see find_anchor). */
static void
scan_buffer(struct sf_log_scan *s, struct sf_log_file *f, const char *buf, size_t len)
{
	const char *pos[NANCHORS];
	const char *end = buf + len, *done = buf;
	size_t a;
	for (a = 0; a < NANCHORS; a++)
		pos[a] = find_anchor(buf, end, anchors[a].text);
	for (;;) {
		const char *first = NULL, *ls, *le;
		size_t best = 0;
		struct sf_log_hit h;

		for (a = 0; a < NANCHORS; a++)
			if (pos[a] != NULL && (first == NULL || pos[a] < first)) {
				first = pos[a];
				best = a;
			}
		if (first == NULL)
			return;
		ls = memrchr(buf, '\n', (size_t)(first - buf));
		ls = ls ? ls + 1 : buf;
		le = memchr(first, '\n', (size_t)(end - first));
		le = le ? le : end;
		if (ls >= done) {
			unsigned hint = 0;

			/* Every anchor inside this line narrows the rules to try. */
			for (a = 0; a < NANCHORS; a++)
				if (pos[a] != NULL && pos[a] < le)
					hint |= anchors[a].hint;
			if (sf_log_classify_hint(ls, (size_t)(le - ls), s->now, hint, &h)) {
				f->lines_matched++;
				sf_log_scan_add(s, &h, ls, (size_t)(le - ls));
			}
			done = le;
		}
		/* Next hit of every anchor that pointed into this line. */
		for (a = 0; a < NANCHORS; a++)
			if (pos[a] != NULL && pos[a] < le)
				pos[a] = find_anchor(le, end, anchors[a].text);
		(void)best;
	}
}

/* Read into buf after the carried-over partial line; -1 on error. */
static long
read_more(int fd, gzFile gz, char *buf, size_t room)
{
	if (gz != NULL) {
		int n = gzread(gz, buf, (unsigned)room);

		return n < 0 ? -1 : n;
	}
	for (;;) {
		ssize_t n = read(fd, buf, room);

		if (n >= 0 || errno != EINTR)
			return (long)n;
	}
}

int
sf_log_scan_file(struct sf_log_scan *s, const char *path, struct sf_error *err)
{
	struct sf_log_file *f;
	size_t plen = strlen(path), carry = 0;
	char *buf;
	int fd;
	gzFile gz = NULL;

	if (s->nfiles >= SF_LOG_MAX_FILES)
		return sf_error_set(err, SF_E_USAGE, "too many log files (at most %d)", SF_LOG_MAX_FILES);
	f = &s->files[s->nfiles++];
	memset(f, 0, sizeof *f);
	snprintf(f->path, sizeof f->path, "%s", path);
	f->gzip = plen > 3 && strcmp(path + plen - 3, ".gz") == 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(f->error, sizeof f->error, "%s", strerror(errno));
		return sf_error_set(err, SF_E_IO, "%s: %s", path, f->error);
	}
	if (f->gzip) {
		gz = gzdopen(fd, "rb");
		if (gz == NULL) {
			close(fd);
			snprintf(f->error, sizeof f->error, "cannot read it as gzip");
			return sf_error_set(err, SF_E_IO, "%s: %s", path, f->error);
		}
		gzbuffer(gz, 256 * 1024);
	}
	buf = malloc(SF_LOG_CHUNK + 1); /* + the NUL after the data */
	if (buf == NULL) {
		if (gz != NULL)
			gzclose(gz);
		else
			close(fd);
		return sf_error_set(err, SF_E_NOMEM, "out of memory");
	}
	for (;;) {
		long n = read_more(fd, gz, buf + carry, SF_LOG_CHUNK - carry);
		size_t len, whole;
		const char *nl;

		if (n < 0) {
			snprintf(f->error, sizeof f->error, "read error after %llu bytes", f->bytes);
			break;
		}
		f->bytes += (unsigned long long)n;
		len = carry + (size_t)n;
		if (n == 0) {
			if (len > 0) {
				buf[len] = '\0';
				scan_buffer(s, f, buf, len); /* last line without newline */
			}
			break;
		}
		nl = memrchr(buf, '\n', len);
		/* Whole lines now; the partial last line waits for more bytes,
		 * unless it alone fills half the buffer: then it is cut there. */
		whole = nl ? (size_t)(nl - buf) + 1 : 0;
		if (whole == 0 || len - whole > SF_LOG_CHUNK / 2)
			whole = len;
		{
			/* A NUL after the whole lines, for find_anchor; the byte it
			 * covers (the carried partial line's first) is put back. */
			char keep = buf[whole];

			buf[whole] = '\0';
			scan_buffer(s, f, buf, whole);
			buf[whole] = keep;
		}
		carry = len - whole;
		memmove(buf, buf + whole, carry);
	}
	free(buf);
	if (gz != NULL)
		gzclose(gz);
	else
		close(fd);
	if (f->error[0] != '\0')
		return sf_error_set(err, SF_E_IO, "%s: %s", path, f->error);
	return 0;
}
