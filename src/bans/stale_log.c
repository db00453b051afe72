/* Feeding mail log files to the old-password grouping: each line that
 * holds one of the event parser's anchors goes through sf_event_parse,
 * the one mail log line parser. Plain and gzip files; a shared byte
 * budget bounds the work of one run. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "smtpfix/bans.h"
#include "smtpfix/mta.h"

#define STALE_CHUNK (1u << 20)

static bool
has_anchor(const char *line, size_t len)
{
	size_t k;

	for (k = 0; sf_event_anchors[k] != NULL; k++) {
		const char *a = sf_event_anchors[k];
		size_t n = strlen(a), i;

		for (i = 0; i + n <= len; i++)
			if (line[i] == a[0] && memcmp(line + i, a, n) == 0)
				return true;
	}
	return false;
}

static void
feed(struct sf_stale *s, const char *line, size_t len, time_t since, time_t now)
{
	struct sf_event ev;

	if (len == 0 || !has_anchor(line, len))
		return;
	if (sf_event_parse(line, len, now, &ev))
		sf_stale_add(s, &ev, since);
}

int
sf_stale_read_log(struct sf_stale *s, const char *root, const char *path, time_t since, time_t now,
	size_t *budget, struct sf_error *err)
{
	char why[SF_MTA_TEXT_MAX] = "";
	char *buf;
	size_t have = 0;
	gzFile gz;
	int fd, rc = 0;

	fd = sf_mta_open(root, path, why, sizeof why);
	if (fd < 0)
		return sf_error_set(err, errno == EACCES ? SF_E_USAGE : SF_E_IO, "%s: %s", path,
			why[0] ? why : strerror(errno));
	gz = gzdopen(fd, "rb");
	if (gz == NULL) {
		close(fd);
		return sf_error_set(err, SF_E_NOMEM, "%s: out of memory", path);
	}
	buf = malloc(STALE_CHUNK + 1);
	if (buf == NULL) {
		gzclose(gz);
		return sf_error_set(err, SF_E_NOMEM, "out of memory");
	}
	for (;;) {
		int n;
		size_t start = 0, i;

		if (*budget == 0) {
			rc = sf_error_set(err, SF_E_TOO_LONG,
				"%s: stopped, the logs read in this run reached %llu MiB", path,
				(unsigned long long)(SF_STALE_READ_MAX >> 20));
			break;
		}
		n = gzread(gz, buf + have,
			(unsigned)(STALE_CHUNK - have < *budget ? STALE_CHUNK - have : *budget));
		if (n < 0) {
			rc = sf_error_set(err, SF_E_IO, "%s: could not be read whole", path);
			break;
		}
		if (n == 0) {
			if (have > 0)
				feed(s, buf, have, since, now);
			break;
		}
		*budget -= (size_t)n;
		have += (size_t)n;
		for (i = 0; i < have; i++) {
			if (buf[i] == '\n' || buf[i] == '\0') {
				feed(s, buf + start, i - start, since, now);
				start = i + 1;
			}
		}
		if (start == 0 && have == STALE_CHUNK) {
			/* A line longer than the chunk: parse its start, drop the rest. */
			feed(s, buf, have, since, now);
			have = 0;
			continue;
		}
		memmove(buf, buf + start, have - start);
		have -= start;
	}
	free(buf);
	gzclose(gz);
	return rc;
}
