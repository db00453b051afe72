/* Scanning a mail log fast: large reads, then a search for a few anchor
 * strings over the whole buffer; only the lines that hold an anchor are
 * classified. No allocation per line, so a log of any size costs about
 * as much as grep -F with the same strings. The log is hostile input:
 * holes and runs of NUL bytes are stepped over, not searched, and a
 * compressed file is read only to the limits in mta_log.h. */
#define _GNU_SOURCE /* memmem, memrchr, SEEK_DATA, SEEK_HOLE */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
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
		if (g->kind == h->kind && g->port == h->port &&
			strcmp(g->address, h->address) == 0 && strcmp(g->user, h->user) == 0)
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

/* Classify each line of buf[0..len) that holds an anchor. A line found by
 * several anchors is taken once: at its first anchor hit in buffer order.
 * buf[0..len) holds no NUL and buf[len] is one, so strstr (vectorised in
 * glibc, unlike memmem) finds each anchor in one call. */
static void
scan_buffer(struct sf_log_scan *s, struct sf_log_file *f, const char *buf, size_t len)
{
	const char *pos[NANCHORS];
	const char *end = buf + len, *done = buf;
	size_t a;

	for (a = 0; a < NANCHORS; a++)
		pos[a] = strstr(buf, anchors[a].text);
	for (;;) {
		const char *first = NULL, *ls, *le;
		struct sf_log_hit h;

		for (a = 0; a < NANCHORS; a++)
			if (pos[a] != NULL && (first == NULL || pos[a] < first))
				first = pos[a];
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
				pos[a] = le < end ? strstr(le, anchors[a].text) : NULL;
	}
}

#define LOW7 0x7f7f7f7f7f7f7f7full

/* The first byte at or after p that is not NUL, or end: eight words at a
 * time, so a run of NULs costs about what reading it costs. */
char *
sf_log_skip_nuls(char *p, char *end)
{
	while (p < end && ((uintptr_t)p & 7) != 0) {
		if (*p != '\0')
			return p;
		p++;
	}
	while (end - p >= 64) {
		uint64_t w[8];

		memcpy(w, p, sizeof w);
		if ((w[0] | w[1] | w[2] | w[3] | w[4] | w[5] | w[6] | w[7]) != 0)
			break;
		p += 64;
	}
	while (end - p >= 8) {
		uint64_t w;

		memcpy(&w, p, sizeof w);
		if (w != 0)
			break;
		p += 8;
	}
	while (p < end && *p == '\0')
		p++;
	return p;
}

/* Turn every NUL in [p, end) into a line end, a word at a time: the high
 * bit of ((w & 0x7f..) + 0x7f..) | w is set exactly in the bytes that are
 * not 0, without carries between bytes. */
void
sf_log_nuls_to_newlines(char *p, char *end)
{
	for (; p < end && ((uintptr_t)p & 7) != 0; p++)
		if (*p == '\0')
			*p = '\n';
	for (; end - p >= 8; p += 8) {
		uint64_t w, zero;

		memcpy(&w, p, sizeof w);
		zero = ~(((w & LOW7) + LOW7) | w | LOW7); /* 0x80 in each NUL byte */
		if (zero != 0) {
			w |= (zero >> 7) * (uint64_t)'\n';
			memcpy(p, &w, sizeof w);
		}
	}
	for (; p < end; p++)
		if (*p == '\0')
			*p = '\n';
}

/* Scan buf[0..len) of whole lines; buf[len] must be writable (a NUL is
 * put there). A NUL ends a line. Long runs of NULs split the buffer into
 * parts searched on their own; the NULs of shorter runs, and of the bytes
 * after them up to SF_LOG_NUL_SKIP, become line ends, so bytes that
 * alternate with NULs cost one pass too, not a search per NUL. */
static void
scan_chunk(struct sf_log_scan *s, struct sf_log_file *f, char *buf, size_t len)
{
	char *end = buf + len, *part = buf, *p;

	*end = '\0';
	p = memchr(buf, '\0', len);
	while (p != NULL) {
		char *q = sf_log_skip_nuls(p, end), *next;

		if (q == end || (size_t)(q - p) >= SF_LOG_NUL_SKIP) {
			if (p > part)
				scan_buffer(s, f, part, (size_t)(p - part)); /* *p is a NUL */
			part = next = q;
		} else {
			next = (size_t)(end - p) > SF_LOG_NUL_SKIP ? p + SF_LOG_NUL_SKIP : end;
			sf_log_nuls_to_newlines(p, next);
		}
		p = next < end ? memchr(next, '\0', (size_t)(end - next)) : NULL;
	}
	if (end > part)
		scan_buffer(s, f, part, (size_t)(end - part));
}

/* Open a log for reading without trusting what the path names: never
 * block (a FIFO), never take a terminal, never follow a symbolic link at
 * the end of the path, and only a regular file. Returns the descriptor,
 * or -1 with why in `why`. */
static int
open_log(const char *path, struct stat *st, char *why, size_t whysz)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW);

	if (fd < 0) {
		if (errno == ELOOP)
			snprintf(
				why, whysz, "it is a symbolic link, which smtpfix does not follow");
		else
			snprintf(why, whysz, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, st) < 0) {
		snprintf(why, whysz, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		snprintf(why, whysz, "not a regular file");
		close(fd);
		return -1;
	}
	return fd;
}

/* The state of reading one file: a plain file by offset, stepping over
 * holes (what a sparse log has instead of NUL bytes), or a .gz through
 * zlib up to its limit. */
struct reader {
	int fd;
	gzFile gz;
	off_t off;                /* plain: the next byte to read */
	off_t data_end;           /* plain: where the data at off ends (-1: not known yet) */
	bool holes;               /* plain: SEEK_DATA and SEEK_HOLE work here */
	bool eof;                 /* plain: only a hole, or nothing, is left */
	unsigned long long limit; /* gz: most bytes to take out */
};

/* Read up to room bytes. Returns the count, 0 at the end or right after
 * stepping over a hole (its length in *hole; more may follow unless
 * r->eof), or -1 on error. */
static long
read_more(struct reader *r, char *buf, size_t room, unsigned long long *hole)
{
	*hole = 0;
	if (r->gz != NULL) {
		int n = gzread(r->gz, buf, (unsigned)room);

		return n < 0 ? -1 : n;
	}
	if (r->holes && (r->data_end < 0 || r->off >= r->data_end)) {
		off_t data = lseek(r->fd, r->off, SEEK_DATA), hend;

		if (data < 0 && errno == ENXIO) {
			struct stat st;

			if (fstat(r->fd, &st) == 0 && st.st_size > r->off)
				*hole = (unsigned long long)(st.st_size - r->off);
			r->eof = true;
			return 0;
		}
		hend = data < 0 ? -1 : lseek(r->fd, data, SEEK_HOLE);
		if (hend <= data) {
			r->holes = false; /* not supported here: read every byte */
		} else {
			*hole = (unsigned long long)(data - r->off);
			r->off = data;
			r->data_end = hend;
			if (*hole > 0)
				return 0;
		}
	}
	if (r->holes && (unsigned long long)(r->data_end - r->off) < room)
		room = (size_t)(r->data_end - r->off);
	for (;;) {
		ssize_t n = pread(r->fd, buf, room, r->off);

		if (n >= 0) {
			r->off += n;
			r->eof = n == 0;
			return (long)n;
		}
		if (errno != EINTR)
			return -1;
	}
}

/* Whether one more byte comes out of a .gz read up to its limit. */
static bool
gz_has_more(gzFile gz)
{
	char c;

	return gzread(gz, &c, 1) == 1;
}

static void stop(struct sf_log_file *f, enum sf_log_end end, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
stop(struct sf_log_file *f, enum sf_log_end end, const char *fmt, ...)
{
	va_list ap;

	f->end = end;
	va_start(ap, fmt);
	vsnprintf(f->error, sizeof f->error, fmt, ap);
	va_end(ap);
}

/* "12 MiB", "300 KiB", "17 bytes". */
static const char *
size_text(unsigned long long n, char *out, size_t outsz)
{
	if (n >= 1ull << 20)
		snprintf(out, outsz, "%llu MiB", n >> 20);
	else if (n >= 1ull << 10)
		snprintf(out, outsz, "%llu KiB", n >> 10);
	else
		snprintf(out, outsz, "%llu byte%s", n, n == 1 ? "" : "s");
	return out;
}

/* Why a .gz stopped giving bytes: its end, or a truncation, or damage. */
static void
gz_ending(struct sf_log_file *f, gzFile gz, bool failed)
{
	int code = Z_OK;
	const char *msg = gzerror(gz, &code);
	char n[32];

	size_text(f->bytes, n, sizeof n);
	if (code == Z_BUF_ERROR)
		stop(f, SF_LOG_END_TRUNCATED,
			"truncated: the compressed data ends in the middle, "
			"after %s",
			n);
	else if (failed && code == Z_ERRNO)
		stop(f, SF_LOG_END_READ_ERROR, "stopped after %s: %s", n, strerror(errno));
	else if (failed)
		stop(f, SF_LOG_END_DAMAGED,
			"stopped after %s: the compressed data is damaged "
			"(zlib: %.80s)",
			n, msg != NULL ? msg : "unknown error");
}

int
sf_log_scan_file(struct sf_log_scan *s, const char *path, struct sf_error *err)
{
	struct sf_log_file *f;
	struct reader r;
	struct stat st;
	size_t plen = strlen(path), carry = 0;
	char *buf;

	if (s->nfiles >= SF_LOG_MAX_FILES)
		return sf_error_set(
			err, SF_E_USAGE, "too many log files (at most %d)", SF_LOG_MAX_FILES);
	f = &s->files[s->nfiles++];
	memset(f, 0, sizeof *f);
	memset(&r, 0, sizeof r);
	snprintf(f->path, sizeof f->path, "%s", path);
	f->gzip = plen > 3 && strcmp(path + plen - 3, ".gz") == 0;
	r.fd = open_log(path, &st, f->error, sizeof f->error);
	if (r.fd < 0) {
		f->end = SF_LOG_END_UNREADABLE;
		return sf_error_set(err, SF_E_IO, "%s: %s", path, f->error);
	}
	r.data_end = -1;
	r.holes = true;
	if (f->gzip) {
		unsigned long long disk = (unsigned long long)st.st_size;

		r.gz = gzdopen(r.fd, "rb");
		if (r.gz == NULL) {
			close(r.fd);
			stop(f, SF_LOG_END_UNREADABLE, "cannot read it as gzip");
			return sf_error_set(err, SF_E_IO, "%s: %s", path, f->error);
		}
		gzbuffer(r.gz, 256 * 1024);
		r.limit = disk < SF_LOG_GZ_FREE / SF_LOG_GZ_RATIO ? SF_LOG_GZ_FREE
								  : disk * SF_LOG_GZ_RATIO;
		if (r.limit > SF_LOG_GZ_MAX_OUT)
			r.limit = SF_LOG_GZ_MAX_OUT;
	}
	buf = malloc(SF_LOG_CHUNK + 1); /* + the NUL after the data */
	if (buf == NULL) {
		if (r.gz != NULL)
			gzclose(r.gz);
		else
			close(r.fd);
		f->end = SF_LOG_END_UNREADABLE;
		snprintf(f->error, sizeof f->error, "out of memory");
		return sf_error_set(err, SF_E_NOMEM, "out of memory");
	}
	for (;;) {
		size_t room = SF_LOG_CHUNK - carry, len, whole;
		unsigned long long hole;
		const char *nl, *nul;
		long n;

		if (r.gz != NULL && f->bytes >= r.limit) {
			char done[32], disk[32];

			size_text(f->bytes, done, sizeof done);
			size_text((unsigned long long)st.st_size, disk, sizeof disk);
			if (!gz_has_more(r.gz))
				gz_ending(f, r.gz, false);
			else if (r.limit == SF_LOG_GZ_MAX_OUT)
				stop(f, SF_LOG_END_CAPPED,
					"stopped after %s: smtpfix reads at most %llu "
					"MiB out of one compressed log",
					done, SF_LOG_GZ_MAX_OUT >> 20);
			else
				stop(f, SF_LOG_END_RATIO,
					"stopped after %s: it expands to more than %u "
					"times its %s on disk, as a compression bomb does",
					done, SF_LOG_GZ_RATIO, disk);
			if (f->end != SF_LOG_END_WHOLE && f->end != SF_LOG_END_TRUNCATED)
				carry = 0; /* a line cut by the limit is not a line */
			break;
		}
		if (r.gz != NULL && room > r.limit - f->bytes)
			room = (size_t)(r.limit - f->bytes);
		n = read_more(&r, buf + carry, room, &hole);
		if (n < 0) {
			if (r.gz != NULL)
				gz_ending(f, r.gz, true);
			else {
				char done[32];

				stop(f, SF_LOG_END_READ_ERROR, "stopped after %s: %s",
					size_text(f->bytes, done, sizeof done), strerror(errno));
			}
			break;
		}
		if (hole > 0) {
			/* A hole reads as NUL bytes: it ends the line before it. */
			f->bytes += hole;
			if (carry > 0)
				scan_chunk(s, f, buf, carry);
			carry = 0;
		}
		if (n == 0) {
			if (r.gz == NULL && !r.eof)
				continue; /* a hole was stepped over; data follows */
			if (r.gz != NULL)
				gz_ending(f, r.gz, false);
			break;
		}
		f->bytes += (unsigned long long)n;
		len = carry + (size_t)n;
		/* Whole lines now; the partial last line waits for more bytes,
		 * unless it alone fills half the buffer: then it is cut there.
		 * A NUL ends a line too. */
		nl = memrchr(buf, '\n', len);
		whole = nl ? (size_t)(nl - buf) + 1 : 0;
		nul = memrchr(buf + whole, '\0', len - whole);
		if (nul != NULL)
			whole = (size_t)(nul - buf) + 1;
		if (whole == 0 || len - whole > SF_LOG_CHUNK / 2)
			whole = len;
		{
			/* scan_chunk puts a NUL after the whole lines; the byte it
			 * covers (the carried partial line's first) is put back. */
			char keep = buf[whole];

			scan_chunk(s, f, buf, whole);
			buf[whole] = keep;
		}
		carry = len - whole;
		memmove(buf, buf + whole, carry);
	}
	if (carry > 0)
		scan_chunk(s, f, buf, carry); /* the last line, without a newline */
	free(buf);
	if (r.gz != NULL)
		gzclose(r.gz);
	else
		close(r.fd);
	if (f->error[0] != '\0') {
		sf_error_set(err, SF_E_IO, "%s: %s", path, f->error);
		return 1;
	}
	return 0;
}

size_t
sf_log_scan_files_read(const struct sf_log_scan *s)
{
	size_t i, n = 0;

	for (i = 0; i < s->nfiles; i++)
		if (s->files[i].end != SF_LOG_END_UNREADABLE)
			n++;
	return n;
}
