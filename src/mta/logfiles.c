#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "smtpfix/mta.h"

static const char *const bases[] = {
	"/var/log/exim_mainlog",  /* cPanel */
	"/var/log/exim4/mainlog", /* Debian */
	"/var/log/exim/main.log", /* RHEL */
	"/var/log/exim/mainlog",
	"/var/log/maillog",       /* RHEL syslog: Postfix, Dovecot */
	"/var/log/mail.log",      /* Debian syslog */
};

static void
consider(struct sf_policy *p, const char *root, const char *path, time_t since,
	char paths[][SF_MTA_PATH_MAX], size_t max, size_t *n)
{
	char full[SF_MTA_PATH_MAX];
	struct stat st;

	sf_mta_path(root, path, full, sizeof full);
	if (stat(full, &st) < 0 || !S_ISREG(st.st_mode) || *n >= max)
		return;
	if (since != 0 && st.st_mtime < since)
		return; /* a rotated file last written before the window */
	if (access(full, R_OK) < 0) {
		sf_policy_unreadable(p, path, strerror(errno),
			"the mail log: refusals, failed logins and TLS errors it holds are not counted");
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
	size_t i, n = 0;

	for (i = 0; i < sizeof bases / sizeof bases[0]; i++) {
		const char *base = bases[i], *slash = strrchr(base, '/');
		char dir[512], full[SF_MTA_PATH_MAX - 8];
		char *names[256];
		size_t nn = 0, k, blen = strlen(slash + 1);
		DIR *d;
		struct dirent *e;

		consider(p, root, base, since, paths, max, &n);
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - base), base);
		sf_mta_path(root, dir, full, sizeof full);
		d = opendir(full);
		if (d == NULL)
			continue;
		/* Rotated: mainlog.1, mainlog.2.gz, maillog-20261122(.gz). */
		while ((e = readdir(d)) != NULL && nn < 256)
			if (strncmp(e->d_name, slash + 1, blen) == 0 &&
				(e->d_name[blen] == '.' || e->d_name[blen] == '-'))
				names[nn++] = strdup(e->d_name);
		closedir(d);
		qsort(names, nn, sizeof names[0], by_name);
		for (k = 0; k < nn; k++) {
			char rotated[600];

			if (names[k] != NULL) {
				snprintf(rotated, sizeof rotated, "%s/%s", dir, names[k]);
				consider(p, root, rotated, since, paths, max, &n);
			}
			free(names[k]);
		}
	}
	return n;
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
