/* The full-screen wizard on a system whose terminfo database lacks the
 * terminal: the entry built into smtpfix is written to a private folder
 * (0700, removed once curses has read it) and TERMINFO points there. */
#include "fallback.h"

#include <curses.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <term.h>
#include <unistd.h>

static bool
known(const char *term)
{
	int err = 0;

	if (setupterm(term, STDOUT_FILENO, &err) != OK)
		return false;
	del_curterm(cur_term);
	return true;
}

void
sf_ui_terminfo_fallback(char *dir, size_t dirsz)
{
	const char *term = getenv("TERM"), *tmp = getenv("TMPDIR");
	const struct sf_terminfo_entry *e;
	char sub[4096], path[4096];
	int fd, n;

	dir[0] = '\0';
	if (term == NULL || term[0] == '\0' || strchr(term, '/') != NULL || known(term))
		return;
	for (e = sf_terminfo_entries; e->name != NULL && strcmp(e->name, term) != 0; e++)
		;
	if (e->name == NULL)
		return;
	n = snprintf(
		dir, dirsz, "%s/smtpfix-terminfo.XXXXXX", tmp != NULL && tmp[0] ? tmp : "/tmp");
	if (n < 0 || (size_t)n >= dirsz || mkdtemp(dir) == NULL) {
		dir[0] = '\0';
		return;
	}
	snprintf(sub, sizeof sub, "%.3000s/%c", dir, term[0]);
	snprintf(path, sizeof path, "%.3100s/%.900s", sub, term);
	fd = mkdir(sub, 0700) == 0 ? open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600) : -1;
	if (fd < 0 || write(fd, e->data, e->len) != (ssize_t)e->len) {
		if (fd >= 0)
			close(fd);
		sf_ui_terminfo_cleanup(dir);
		dir[0] = '\0';
		return;
	}
	close(fd);
	setenv("TERMINFO", dir, 1);
}

void
sf_ui_terminfo_cleanup(const char *dir)
{
	char sub[4096], path[4096];
	const char *term = getenv("TERM");

	if (dir == NULL || dir[0] == '\0' || term == NULL || term[0] == '\0')
		return;
	snprintf(sub, sizeof sub, "%.3000s/%c", dir, term[0]);
	snprintf(path, sizeof path, "%.3100s/%.900s", sub, term);
	unlink(path);
	rmdir(sub);
	rmdir(dir);
}
