#define _GNU_SOURCE /* O_PATH: walking folders that may be searched but not listed */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "smtpfix/clock.h"
#include "smtpfix/mta.h"
#include "mta_internal.h"

/* Names looked at while finding one path, those a link or ".." makes
 * smtpfix walk again included: the hop limit alone still lets a link full
 * of ".." make each hop walk the whole depth again. */
#define WALK_STEPS_MAX 4096

#ifdef O_PATH
#define DIR_WALK_FLAGS (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#else
#define DIR_WALK_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#endif

void
sf_mta_path(const char *root, const char *path, char *out, size_t outsz)
{
	if (root == NULL || root[0] == '\0' || strcmp(root, "/") == 0)
		snprintf(out, outsz, "%s", path);
	else
		snprintf(out, outsz, "%s%s%s", root, path[0] == '/' ? "" : "/", path);
}

static bool
live(const char *root)
{
	return root == NULL || root[0] == '\0' || strcmp(root, "/") == 0;
}

/* What a non-regular file is, for the list of what was skipped. */
static const char *
kind_of(mode_t m)
{
	if (S_ISFIFO(m))
		return "a FIFO (named pipe)";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISDIR(m))
		return "a folder";
	if (S_ISLNK(m))
		return "a symbolic link";
	return "not a regular file";
}

static int fail(int e, char *why, size_t whysz, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
fail(int e, char *why, size_t whysz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whysz, fmt, ap);
	va_end(ap);
	errno = e;
	return -1;
}

/* One path being found under a root. */
struct walk {
	int rootfd;
	int dirfd;                    /* the folder holding `name` */
	char at[SF_MTA_PATH_MAX];     /* that folder inside the root: "" or "/etc/exim4" */
	char name[NAME_MAX + 1];      /* the last name, never a link; "." for the folder itself */
	struct stat st;               /* what `name` is */
	int hops;                     /* links followed */
	int steps;                    /* names looked at, against WALK_STEPS_MAX */
	char link[SF_MTA_PATH_MAX];   /* the last link met, inside the root */
	char target[SF_MTA_PATH_MAX]; /* what that link says */
	bool last_present;            /* the caller's own last name is there (maybe as a link) */
};

static void
walk_close(struct walk *w)
{
	if (w->dirfd >= 0)
		close(w->dirfd);
	if (w->rootfd >= 0)
		close(w->rootfd);
	w->dirfd = w->rootfd = -1;
}

/* Open w->at again from the root, one folder at a time (after ".."). */
static int
reopen_at(struct walk *w)
{
	char copy[SF_MTA_PATH_MAX], *name, *save = NULL;
	int fd = fcntl(w->rootfd, F_DUPFD_CLOEXEC, 0);

	snprintf(copy, sizeof copy, "%s", w->at);
	for (name = strtok_r(copy, "/", &save); name != NULL && fd >= 0;
		name = strtok_r(NULL, "/", &save)) {
		int next = -1;

		if (++w->steps <= WALK_STEPS_MAX)
			next = openat(fd, name, DIR_WALK_FLAGS);
		else
			errno = ELOOP;
		close(fd);
		fd = next;
	}
	if (fd < 0)
		return -1;
	close(w->dirfd);
	w->dirfd = fd;
	return 0;
}

/* Find `path` under `root`, as described in mta.h. On success w->dirfd and
 * w->name name what is there, and w->st says what it is. */
static int
walk(const char *root, const char *path, struct walk *w, char *why, size_t whysz)
{
	char rest[SF_MTA_PATH_MAX], comp[NAME_MAX + 1];
	size_t pos = 0, len, orig; /* orig: bytes at the end of rest that are the caller's own */

	memset(w, 0, sizeof *w);
	w->rootfd = w->dirfd = -1;
	why[0] = '\0';
	if (snprintf(rest, sizeof rest, "%s", path) >= (int)sizeof rest)
		return fail(ENAMETOOLONG, why, whysz, "the path is longer than %d bytes",
			SF_MTA_PATH_MAX);
	len = orig = strlen(rest);
	w->rootfd = open(root, DIR_WALK_FLAGS & ~O_NOFOLLOW); /* the root itself may be a link */
	if (w->rootfd < 0)
		return fail(
			errno, why, whysz, "the --root folder %.200s: %s", root, strerror(errno));
	w->dirfd = fcntl(w->rootfd, F_DUPFD_CLOEXEC, 0);
	if (w->dirfd < 0) {
		int e = errno;

		walk_close(w);
		return fail(e, why, whysz, "%s", strerror(e));
	}
	for (;;) {
		size_t start, n, next;
		bool last, from_link;

		while (rest[pos] == '/')
			pos++;
		if (++w->steps > WALK_STEPS_MAX)
			break;
		if (rest[pos] == '\0') { /* the path ends on a folder: "/", "x/..", "." */
			snprintf(w->name, sizeof w->name, ".");
			if (fstatat(w->dirfd, ".", &w->st, AT_SYMLINK_NOFOLLOW) < 0)
				break;
			w->last_present = true;
			return 0;
		}
		start = pos;
		while (rest[pos] != '\0' && rest[pos] != '/')
			pos++;
		n = pos - start;
		next = pos;
		while (rest[next] == '/')
			next++;
		last = rest[next] == '\0';
		from_link = start < len - orig;
		if (n > NAME_MAX) {
			walk_close(w);
			return fail(ENAMETOOLONG, why, whysz,
				"a name in the path is longer than %d bytes", NAME_MAX);
		}
		memcpy(comp, rest + start, n);
		comp[n] = '\0';
		pos = next;
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			/* Never above the root, as in a chroot. */
			char *slash = strrchr(w->at, '/');

			if (slash != NULL) {
				*slash = '\0';
				if (reopen_at(w) < 0)
					break;
			}
			continue;
		}
		if (fstatat(w->dirfd, comp, &w->st, AT_SYMLINK_NOFOLLOW) < 0) {
			int e = errno;

			walk_close(w);
			if (e == ENOENT && from_link)
				return fail(e, why, whysz,
					"%.120s is a symbolic link to %.120s, which leads to "
					"nothing inside the copy "
					"(links are followed inside it only)",
					w->link, w->target);
			if (e == ENOENT)
				return fail(e, why, whysz, "%s", "");
			return fail(e, why, whysz, "%s", strerror(e));
		}
		if (last && !from_link)
			w->last_present = true;
		if (S_ISLNK(w->st.st_mode)) {
			char target[SF_MTA_PATH_MAX], joined[SF_MTA_PATH_MAX];
			ssize_t t;

			snprintf(w->link, sizeof w->link, "%.700s/%.255s", w->at, comp);
			if (++w->hops > SF_MTA_LINK_HOPS) {
				walk_close(w);
				return fail(ELOOP, why, whysz,
					"refused: more than %d symbolic links in a row (a loop?), "
					"the last %.200s",
					SF_MTA_LINK_HOPS, w->link);
			}
			t = readlinkat(w->dirfd, comp, target, sizeof target);
			if (t < 0 || (size_t)t >= sizeof target || t == 0) {
				int e = t < 0 ? errno : t == 0 ? ENOENT : ENAMETOOLONG;

				walk_close(w);
				return fail(e, why, whysz,
					"refused: the symbolic link %.200s cannot be followed (%s)",
					w->link, strerror(e));
			}
			target[t] = '\0';
			snprintf(w->target, sizeof w->target, "%s", target);
			/* What is left of the path now comes after the link's text. */
			if (strlen(rest + pos) < orig)
				orig = strlen(rest + pos);
			if (snprintf(joined, sizeof joined, "%s/%s", target, rest + pos) >=
				(int)sizeof joined) {
				walk_close(w);
				return fail(ENAMETOOLONG, why, whysz,
					"refused: the symbolic link %.200s makes the path longer "
					"than %d bytes",
					w->link, SF_MTA_PATH_MAX);
			}
			memcpy(rest, joined, sizeof rest);
			len = strlen(rest);
			pos = 0;
			if (target[0] == '/') { /* an absolute link starts again at the root */
				w->at[0] = '\0';
				if (reopen_at(w) < 0)
					break;
			}
			continue;
		}
		if (last) {
			snprintf(w->name, sizeof w->name, "%s", comp);
			return 0;
		}
		if (!S_ISDIR(w->st.st_mode)) {
			walk_close(w);
			return fail(ENOTDIR, why, whysz, "%.200s/%s is %s, not a folder", w->at,
				comp, kind_of(w->st.st_mode));
		}
		{
			int fd = openat(w->dirfd, comp, DIR_WALK_FLAGS);
			size_t al = strlen(w->at);

			if (fd < 0)
				break;
			close(w->dirfd);
			w->dirfd = fd;
			if (al + 1 + n >= sizeof w->at) {
				walk_close(w);
				return fail(ENAMETOOLONG, why, whysz,
					"the path is longer than %d bytes", SF_MTA_PATH_MAX);
			}
			snprintf(w->at + al, sizeof w->at - al, "/%s", comp);
		}
	}
	{
		int e = errno;

		walk_close(w);
		if (w->steps > WALK_STEPS_MAX)
			return fail(ELOOP, why, whysz,
				"refused: finding it took more than %d steps "
				"(links and .. going round)",
				WALK_STEPS_MAX);
		return fail(e, why, whysz, "%s", strerror(e));
	}
}

int
sf_mta_stat(const char *root, const char *path, struct stat *st, char *why, size_t whysz)
{
	struct walk w;

	if (live(root)) {
		why[0] = '\0';
		if (stat(path, st) == 0)
			return 0;
		return fail(errno, why, whysz, "%s", errno == ENOENT ? "" : strerror(errno));
	}
	if (walk(root, path, &w, why, whysz) < 0)
		return -1;
	*st = w.st;
	walk_close(&w);
	return 0;
}

bool
sf_mta_exists(const char *root, const char *path)
{
	struct stat st;
	struct walk w;
	char why[SF_MTA_TEXT_MAX];

	if (live(root))
		return stat(path, &st) == 0;
	if (walk(root, path, &w, why, sizeof why) == 0) {
		walk_close(&w);
		return true;
	}
	return w.last_present;
}

int
sf_mta_resolve(const char *root, const char *path, char *out, size_t outsz, struct stat *st,
	char *why, size_t whysz)
{
	struct walk w;

	if (live(root)) {
		if (sf_mta_stat(root, path, st, why, whysz) < 0)
			return -1;
		snprintf(out, outsz, "%s", path);
		return 0;
	}
	if (walk(root, path, &w, why, whysz) < 0)
		return -1;
	*st = w.st;
	walk_close(&w);
	if (snprintf(out, outsz, "%s%s%s%s", root, w.at, strcmp(w.name, ".") == 0 ? "" : "/",
		    strcmp(w.name, ".") == 0 ? "" : w.name) >= (int)outsz)
		return fail(ENAMETOOLONG, why, whysz, "the path is longer than %zu bytes", outsz);
	return 0;
}

int
sf_mta_open(const char *root, const char *path, char *why, size_t whysz)
{
	struct stat st, fst;
	int fd, flags;

	if (live(root)) {
		if (sf_mta_stat(root, path, &st, why, whysz) < 0)
			return -1;
		if (!S_ISREG(st.st_mode))
			return fail(S_ISDIR(st.st_mode) ? EISDIR : EINVAL, why, whysz,
				"skipped: it is %s, not a regular file", kind_of(st.st_mode));
		/* O_NONBLOCK: a FIFO put there since the stat is not waited on. */
		fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	} else {
		struct walk w;

		if (walk(root, path, &w, why, whysz) < 0)
			return -1;
		st = w.st;
		if (!S_ISREG(st.st_mode)) {
			walk_close(&w);
			return fail(S_ISDIR(st.st_mode) ? EISDIR : EINVAL, why, whysz,
				"skipped: it is %s, not a regular file", kind_of(st.st_mode));
		}
		fd = openat(
			w.dirfd, w.name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd < 0) {
			int e = errno;

			walk_close(&w);
			return fail(e, why, whysz, "%s", strerror(e));
		}
		walk_close(&w);
	}
	if (fd < 0)
		return fail(errno, why, whysz, "%s", strerror(errno));
	/* What was opened must still be the regular file that was looked at. */
	if (fstat(fd, &fst) < 0 || !S_ISREG(fst.st_mode) || fst.st_dev != st.st_dev ||
		fst.st_ino != st.st_ino) {
		close(fd);
		return fail(EAGAIN, why, whysz, "skipped: it changed while being opened");
	}
	flags = fcntl(fd, F_GETFL);
	if (flags >= 0)
		fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	return fd;
}

DIR *
sf_mta_opendir(const char *root, const char *path, char *why, size_t whysz)
{
	struct walk w;
	DIR *d;
	int fd;

	if (live(root)) {
		why[0] = '\0';
		d = opendir(path);
		if (d == NULL && errno != ENOENT)
			snprintf(why, whysz, "%s", strerror(errno));
		return d;
	}
	if (walk(root, path, &w, why, whysz) < 0)
		return NULL;
	if (!S_ISDIR(w.st.st_mode)) {
		walk_close(&w);
		fail(ENOTDIR, why, whysz, "skipped: it is %s, not a folder", kind_of(w.st.st_mode));
		return NULL;
	}
	fd = openat(w.dirfd, w.name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	walk_close(&w);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		fail(e, why, whysz, "%s", strerror(e));
		return NULL;
	}
	return d;
}

void
sf_policy_note(struct sf_policy *p, const char *fmt, ...)
{
	va_list ap;
	size_t i;

	if (p->nnotes >= SF_MTA_MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(p->notes[p->nnotes], SF_MTA_TEXT_MAX, fmt, ap);
	va_end(ap);
	for (i = 0; i < p->nnotes; i++)
		if (strcmp(p->notes[i], p->notes[p->nnotes]) == 0)
			return;
	p->nnotes++;
}

void
sf_policy_unreadable(struct sf_policy *p, const char *path, const char *why, const char *hides)
{
	struct sf_unreadable *u;
	size_t i;

	for (i = 0; i < p->nunreadable; i++)
		if (strcmp(p->unreadable[i].path, path) == 0 &&
			strcmp(p->unreadable[i].why, why) == 0)
			return; /* one file met again (an include repeated): said once */
	if (p->nunreadable >= SF_MTA_MAX_NOTES)
		return;
	u = &p->unreadable[p->nunreadable++];
	snprintf(u->path, sizeof u->path, "%s", path);
	snprintf(u->why, sizeof u->why, "%s", why);
	snprintf(u->hides, sizeof u->hides, "%s", hides);
}

void
sf_policy_finding(
	struct sf_policy *p, const char *id, enum sf_severity severity, const char *fmt, ...)
{
	struct sf_finding *f;
	va_list ap;

	if (p->nfindings >= SF_MTA_MAX_NOTES)
		return;
	f = &p->findings[p->nfindings++];
	snprintf(f->id, sizeof f->id, "%s", id);
	f->severity = severity;
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof f->text, fmt, ap);
	va_end(ap);
}

int
sf_mta_read(struct sf_policy *p, const char *root, const char *path, const char *hides,
	struct sf_buf *out)
{
	char chunk[65536], why[SF_MTA_TEXT_MAX];
	struct sf_error err;
	size_t left = p->bytes_read < SF_MTA_TOTAL_MAX ? SF_MTA_TOTAL_MAX - p->bytes_read : 0;
	size_t max = left < SF_MTA_FILE_MAX ? left : SF_MTA_FILE_MAX, i;
	int fd;
	ssize_t n;

	sf_buf_init(out, max);
	fd = sf_mta_open(root, path, why, sizeof why);
	if (fd < 0) {
		if (why[0] == '\0')
			return -1;
		sf_policy_unreadable(p, path, why, hides);
		return -2;
	}
	for (;;) {
		n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (sf_buf_add(out, chunk, (size_t)n, &err) < 0)
			break;
	}
	if (n > 0) {
		/* More than this file, or this run, may read. */
		close(fd);
		sf_buf_free(out);
		if (max == SF_MTA_FILE_MAX) {
			sf_policy_unreadable(
				p, path, "skipped: larger than smtpfix reads (8 MiB)", hides);
		} else {
			sf_policy_unreadable(p, path,
				"skipped: the limit on settings read in one run was reached",
				hides);
			if (!p->bytes_cap_hit)
				sf_policy_note(p,
					"smtpfix reads at most %u MiB of settings in one run; the "
					"rest "
					"was not read",
					SF_MTA_TOTAL_MAX >> 20);
			p->bytes_cap_hit = true;
		}
		return -2;
	}
	if (n < 0) {
		snprintf(why, sizeof why, "%s", strerror(errno));
		close(fd);
		sf_policy_unreadable(p, path, why, hides);
		sf_buf_free(out);
		return -2;
	}
	close(fd);
	p->bytes_read += out->len;
	if (out->data == NULL && sf_buf_add(out, "", 0, &err) < 0) {
		sf_policy_unreadable(p, path, "out of memory", hides);
		return -2;
	}
	for (i = 0; i < p->nfiles && strcmp(p->files[i], path) != 0; i++)
		; /* a file included more than once is listed once */
	if (i == p->nfiles && p->nfiles < SF_MTA_MAX_NOTES)
		snprintf(p->files[p->nfiles++], SF_MTA_TEXT_MAX, "%s", path);
	return 0;
}

int
sf_mta_run(char *const argv[], char *const envp[], struct sf_buf *out, struct sf_error *err)
{
	int pipefd[2], status = 0;
	int64_t deadline = sf_now_ms() + SF_MTA_CMD_TIMEOUT_MS;
	pid_t pid;
	char chunk[8192];

	sf_buf_init(out, SF_MTA_CMD_OUT_MAX);
	if (pipe(pipefd) < 0)
		return sf_error_set(err, SF_E_SYSTEM, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return sf_error_set(err, SF_E_SYSTEM, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		dup2(pipefd[1], 1);
		if (devnull >= 0) {
			dup2(devnull, 0);
			dup2(devnull, 2);
		}
		close(pipefd[0]);
		if (envp != NULL)
			execve(argv[0], argv, envp);
		else
			execv(argv[0], argv);
		_exit(127); /* lint-ok: the forked child, after exec failed */
	}
	close(pipefd[1]);
	for (;;) {
		struct pollfd pfd = { pipefd[0], POLLIN, 0 };
		int rc = poll(&pfd, 1, sf_poll_timeout(deadline));
		ssize_t n;

		if (rc == 0) {
			kill(pid, SIGKILL);
			sf_error_set(err, SF_E_TIMEOUT, "%s did not finish in time", argv[0]);
			break;
		}
		if (rc < 0 && errno == EINTR)
			continue;
		n = read(pipefd[0], chunk, sizeof chunk);
		if (n <= 0)
			break;
		if (sf_buf_add(out, chunk, (size_t)n, err) < 0) {
			kill(pid, SIGKILL);
			break;
		}
	}
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	if (out->data == NULL && sf_buf_add(out, "", 0, err) < 0)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return sf_error_set(err, SF_E_SYSTEM, "%s failed (status %d)", argv[0],
			WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}

char *
sf_mta_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}
