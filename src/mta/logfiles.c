#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "smtpfix/mta.h"
#include "smtpfix/mta_log.h"

static const char *const bases[] = {
	"/var/log/exim_mainlog",                     /* cPanel */
	"/var/log/exim4/mainlog",                    /* Debian */
	"/var/log/exim/main.log",                    /* RHEL */
	"/var/log/exim/mainlog", "/var/log/maillog", /* RHEL syslog: Postfix, Dovecot */
	"/var/log/mail.log",                         /* Debian syslog */
};
#define NBASES (sizeof bases / sizeof bases[0])
#define MAX_ROTATED 256 /* rotated files listed per folder */

static bool
live_root(const char *root)
{
	return root == NULL || root[0] == '\0' || strcmp(root, "/") == 0;
}

static const char log_hides[] =
	"the mail log: refusals, failed logins and TLS errors it holds are not counted";

/* The folder part of a base ("/var/log/exim4") and its file name. */
static void
split(const char *base, char *dir, size_t dirsz, const char **name)
{
	const char *slash = strrchr(base, '/');

	snprintf(dir, dirsz, "%.*s", (int)(slash - base), base);
	*name = slash + 1;
}

/* What an unreadable folder hides: the logs of every base kept there,
 * "the mail logs in it (mainlog and its rotated files): ...", or, when
 * only the listing is refused, "the rotated files of main.log and mainlog
 * in it: ...". */
static void
folder_hides(const char *dir, bool rotated_only, char *out, size_t outsz)
{
	const char *names[NBASES];
	char list[200];
	size_t i, n = 0, used = 0;

	for (i = 0; i < NBASES; i++) {
		char d[256];
		const char *name;

		split(bases[i], d, sizeof d, &name);
		if (strcmp(d, dir) == 0)
			names[n++] = name;
	}
	list[0] = '\0';
	for (i = 0; i < n && used < sizeof list; i++)
		used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
			i == 0       ? ""
			: i + 1 == n ? " and "
				     : ", ",
			names[i]);
	if (rotated_only)
		snprintf(out, outsz,
			"the rotated files of %s in it: refusals, failed logins and TLS "
			"errors in them are not counted",
			list);
	else
		snprintf(out, outsz,
			"the mail logs in it (%s and %s rotated files): refusals, failed "
			"logins and TLS errors in them are not counted",
			list, n == 1 ? "its" : "their");
}

/* Each folder is named once, however many bases it holds. */
struct folders {
	char done[NBASES][256];
	size_t n;
};

static void
folder_unreadable(
	struct sf_policy *p, struct folders *seen, const char *dir, int err, bool rotated_only)
{
	char hides[SF_MTA_TEXT_MAX], why[128];
	size_t i;

	for (i = 0; i < seen->n; i++)
		if (strcmp(seen->done[i], dir) == 0)
			return;
	if (seen->n < NBASES)
		snprintf(seen->done[seen->n++], sizeof seen->done[0], "%s", dir);
	folder_hides(dir, rotated_only, hides, sizeof hides);
	snprintf(why, sizeof why, "%s: %s",
		rotated_only ? "the folder cannot be listed" : "the folder cannot be read",
		strerror(err));
	sf_policy_unreadable(p, dir, why, hides);
}

/* One candidate log: kept when it is a regular file changed within the
 * window; listed as unreadable when it exists but cannot be read. An
 * error other than "does not exist" is never passed over in silence:
 * "nothing relevant in the log" must rest on what was read. */
static void
consider(struct sf_policy *p, struct folders *seen, const char *root, const char *path,
	time_t since, char paths[][SF_MTA_PATH_MAX], size_t max, size_t *n, size_t *skipped)
{
	char full[SF_MTA_PATH_MAX], why[SF_MTA_TEXT_MAX];
	struct stat st;

	/* Under a root the path is walked inside it (a link out of the copy
	 * is never followed); on the live system a linked log is followed to
	 * the file itself, which the scanner then opens without following. */
	why[0] = '\0';
	if (live_root(root)) {
		char real[PATH_MAX];

		if (realpath(path, real) == NULL || stat(real, &st) < 0) {
			if (errno == EACCES) {
				char dir[256];
				const char *name;

				split(path, dir, sizeof dir, &name);
				folder_unreadable(p, seen, dir, errno, false);
			} else if (errno != ENOENT && errno != ENOTDIR) {
				sf_policy_unreadable(p, path, strerror(errno), log_hides);
			}
			return;
		}
		if (strlen(real) >= sizeof full) {
			sf_policy_unreadable(p, path, "its real path is too long", log_hides);
			return;
		}
		memcpy(full, real, strlen(real) + 1);
	} else if (sf_mta_resolve(root, path, full, sizeof full, &st, why, sizeof why) < 0) {
		if (errno == EACCES) {
			char dir[256];
			const char *name;

			split(path, dir, sizeof dir, &name);
			folder_unreadable(p, seen, dir, errno, false);
		} else if (why[0] != '\0') {
			sf_policy_unreadable(p, path, why, log_hides);
		}
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		if (!S_ISDIR(st.st_mode))
			sf_policy_unreadable(p, path, "skipped: not a regular file", log_hides);
		return;
	}
	if (since != 0 && st.st_mtime < since)
		return; /* a rotated file last written before the window */
	if (access(full, R_OK) < 0) {
		sf_policy_unreadable(p, path, strerror(errno), log_hides);
		return;
	}
	if (*n >= max) {
		(*skipped)++;
		return;
	}
	snprintf(paths[(*n)++], SF_MTA_PATH_MAX, "%s", full);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t
sf_policy_log_paths(struct sf_policy *p, const char *root, time_t since,
	char paths[][SF_MTA_PATH_MAX], size_t max)
{
	struct folders seen;
	size_t i, n = 0, skipped = 0, unlisted = 0;

	memset(&seen, 0, sizeof seen);
	for (i = 0; i < NBASES; i++) {
		const char *base = bases[i], *name;
		char dir[256], why[SF_MTA_TEXT_MAX];
		char *names[MAX_ROTATED];
		size_t nn = 0, k, blen;
		DIR *d;
		struct dirent *e;

		split(base, dir, sizeof dir, &name);
		blen = strlen(name);
		consider(p, &seen, root, base, since, paths, max, &n, &skipped);
		d = sf_mta_opendir(root, dir, why, sizeof why);
		if (d == NULL) {
			/* A folder that exists but cannot be listed hides its
			 * rotated logs (and, when it cannot be entered either,
			 * the current one: consider() has named it then). */
			if (errno != ENOENT && errno != ENOTDIR)
				folder_unreadable(p, &seen, dir, errno, true);
			continue;
		}
		/* Rotated: mainlog.1, mainlog.2.gz, maillog-20261122(.gz). */
		while ((e = readdir(d)) != NULL) {
			if (strncmp(e->d_name, name, blen) != 0 ||
				(e->d_name[blen] != '.' && e->d_name[blen] != '-'))
				continue;
			if (nn < MAX_ROTATED)
				names[nn++] = strdup(e->d_name);
			else
				unlisted++;
		}
		closedir(d);
		qsort(names, nn, sizeof names[0], by_name);
		for (k = 0; k < nn; k++) {
			char rotated[600];

			if (names[k] != NULL) {
				snprintf(rotated, sizeof rotated, "%s/%s", dir, names[k]);
				consider(p, &seen, root, rotated, since, paths, max, &n, &skipped);
			}
			free(names[k]);
		}
	}
	if (skipped > 0)
		sf_policy_note(p,
			"%zu mail log file%s changed in the period %s not read: smtpfix "
			"reads at most %zu",
			skipped, skipped == 1 ? "" : "s", skipped == 1 ? "was" : "were", max);
	if (unlisted > 0)
		sf_policy_note(p,
			"more than %d rotated mail logs in one folder: %zu of them were not "
			"looked at",
			MAX_ROTATED, unlisted);
	return n;
}

/* The note for a log read only in part: its error says why, starting
 * "stopped after N MiB: ..." or "truncated: ...". */
static void
partial_note(struct sf_policy *p, const struct sf_log_file *f)
{
	if (strncmp(f->error, "stopped ", 8) == 0)
		sf_policy_note(p, "stopped reading %s %s; the lines read before that are counted",
			f->path, f->error + 8);
	else
		sf_policy_note(
			p, "%s is %s; the lines read before that are counted", f->path, f->error);
}

int
sf_policy_scan_log(struct sf_policy *p, struct sf_log_scan *s, const char *path)
{
	struct sf_error err;
	size_t before = s->nfiles;
	int rc = sf_log_scan_file(s, path, &err);
	const struct sf_log_file *f = s->nfiles > before ? &s->files[s->nfiles - 1] : NULL;

	if (rc < 0)
		sf_policy_unreadable(
			p, path, f != NULL && f->error[0] ? f->error : err.message, log_hides);
	else if (rc > 0 && f != NULL)
		partial_note(p, f);
	return rc;
}

int
sf_parse_duration(const char *s, long *seconds)
{
	char *end;
	long v = strtol(s, &end, 10);
	long unit = 86400;

	if (end == s || v <= 0 || v > 100000)
		return -1;
	switch (*end) {
	case '\0':
	case 'd': unit = 86400; break;
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'w': unit = 7 * 86400; break;
	default: return -1;
	}
	if (*end != '\0' && end[1] != '\0')
		return -1;
	*seconds = v * unit;
	return 0;
}

int
sf_mta_port_number(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return end != s && *end == '\0' && v > 0 && v < 65536 ? (int)v : 0;
}

bool
sf_log_path_rotated(const char *path)
{
	const char *base = strrchr(path, '/'), *p;
	size_t n;

	base = base != NULL ? base + 1 : path;
	n = strlen(base);
	if (n > 3 && strcmp(base + n - 3, ".gz") == 0)
		return true;
	p = strrchr(base, '.');
	if (p != NULL && p[1] != '\0' && strspn(p + 1, "0123456789") == strlen(p + 1))
		return true;
	p = strrchr(base, '-');
	return p != NULL && strlen(p + 1) == 8 && strspn(p + 1, "0123456789") == 8;
}

bool
sf_policy_implicit_tls(const struct sf_policy *p, int port)
{
	size_t i;

	for (i = 0; p != NULL && i < p->nports; i++)
		if (p->ports[i].port == port)
			return p->ports[i].implicit_tls;
	return port == 465;
}
