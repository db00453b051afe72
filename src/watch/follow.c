#define _GNU_SOURCE /* memrchr, pipe2 */
/* Following log files as they grow. inotify wakes the reader when a file
 * or its folder changes; without it a poll every SF_FOLLOW_POLL_MS stands
 * in. Rotation:
 * - by rename (logrotate's default, Exim's own): the old file is still
 *   read from its descriptor for SF_FOLLOW_OLD_KEEP seconds, as a writer
 *   may not have reopened yet, and the new file is read from its start;
 * - by copytruncate: the file shrinks under the reader. Lines written
 *   after the last read and before the truncation are in the copy, so the
 *   copy (a sibling that starts with the same bytes) is read from the old
 *   offset to its end, then the file from its start. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "smtpfix/mta_log.h"
#include "smtpfix/watch.h"

#define BUF_SIZE (SF_FOLLOW_CHUNK + SF_LOG_LINE_MAX + 1)

static int
open_file(struct sf_follow_file *ff)
{
	struct stat st;
	int fd = open(ff->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	ff->fd = fd;
	ff->dev = st.st_dev;
	ff->ino = st.st_ino;
	ff->off = 0;
	ff->nsig = 0;
	return 0;
}

static void
watch_file(struct sf_follow *f, struct sf_follow_file *ff)
{
	char dir[SF_FOLLOW_PATH_MAX];
	char *slash;

	if (f->inotify_fd < 0)
		return;
	if (ff->fd >= 0)
		ff->wd = inotify_add_watch(f->inotify_fd, ff->path,
			IN_MODIFY | IN_MOVE_SELF | IN_DELETE_SELF | IN_ATTRIB);
	if (ff->dir_wd < 0) {
		snprintf(dir, sizeof dir, "%s", ff->path);
		slash = strrchr(dir, '/');
		if (slash == dir)
			slash[1] = '\0';
		else if (slash != NULL)
			*slash = '\0';
		else
			snprintf(dir, sizeof dir, ".");
		ff->dir_wd = inotify_add_watch(
			f->inotify_fd, dir, IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE);
	}
}

int
sf_follow_open(struct sf_follow *f, const char *const *paths, size_t n, bool from_start,
	bool no_inotify, struct sf_error *err)
{
	size_t i;

	memset(f, 0, sizeof *f);
	f->pipe_fd = -1;
	f->inotify_fd = -1;
	if (n > SF_FOLLOW_MAX_FILES) {
		sf_error_set(err, SF_E_USAGE, "at most %d log files can be followed",
			SF_FOLLOW_MAX_FILES);
		return -1;
	}
	f->buf = malloc(BUF_SIZE);
	if (f->buf == NULL) {
		sf_error_set(err, SF_E_NOMEM, "out of memory");
		return -1;
	}
	if (!no_inotify)
		f->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	for (i = 0; i < n; i++) {
		struct sf_follow_file *ff = &f->files[f->nfiles++];

		snprintf(ff->path, sizeof ff->path, "%s", paths[i]);
		ff->fd = ff->old_fd = -1;
		ff->wd = ff->dir_wd = -1;
		if (open_file(ff) == 0 && !from_start) {
			struct stat st;

			if (fstat(ff->fd, &st) == 0)
				ff->off = st.st_size;
			/* The signature of a file joined at its end is its start. */
			ff->nsig = (size_t)pread(ff->fd, ff->sig, sizeof ff->sig, 0);
			if ((ssize_t)ff->nsig < 0)
				ff->nsig = 0;
		}
		watch_file(f, ff);
	}
	return 0;
}

int
sf_follow_command(struct sf_follow *f, char *const *argv, struct sf_error *err)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0) {
		sf_error_set(err, SF_E_IO, "cannot make a pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		sf_error_set(err, SF_E_IO, "cannot start %s: %s", argv[0], strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(p[1], 1);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 2);
		}
		execvp(argv[0], argv);
		_exit(127); /* lint-ok: the forked child, after exec failed */
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	f->pipe_fd = p[0];
	f->pipe_pid = pid;
	return 0;
}

/* The incomplete last line of one source, kept between reads. */
static void
load_partial(struct sf_follow *f, const struct sf_follow_partial *p)
{
	f->held = p->len;
	if (p->len > 0)
		memcpy(f->buf, p->text, p->len);
}

static void
save_partial(struct sf_follow *f, struct sf_follow_partial *p)
{
	if (f->held > 0 && p->text == NULL)
		p->text = malloc(SF_LOG_LINE_MAX);
	if (p->text == NULL || f->held > SF_LOG_LINE_MAX) {
		p->len = 0;
	} else {
		p->len = f->held;
		memcpy(p->text, f->buf, f->held);
	}
	f->held = 0;
}

/* Hand on the whole lines in buf[0..f->held + n); keep the rest. */
static void
deliver(struct sf_follow *f, size_t n, sf_chunk_fn fn, void *ctx)
{
	size_t have = f->held + n;
	char *last = memrchr(f->buf, '\n', have);

	if (last == NULL) {
		/* No line end yet: keep it, unless it is longer than any line
		 * is read; then hand it on as one cut line. */
		if (have >= SF_LOG_LINE_MAX) {
			f->buf[have] = '\n';
			fn(f->buf, have + 1, ctx);
			have = 0;
		}
		f->held = have;
		return;
	}
	{
		size_t whole = (size_t)(last - f->buf) + 1;

		fn(f->buf, whole, ctx);
		memmove(f->buf, f->buf + whole, have - whole);
		f->held = have - whole;
	}
	/* What follows the last line end is longer than any line is read:
	 * handed on as one cut line, so the next read always fits. */
	if (f->held >= SF_LOG_LINE_MAX) {
		f->buf[f->held] = '\n';
		fn(f->buf, f->held + 1, ctx);
		f->held = 0;
	}
}

/* Read fd from *off to its end. */
static size_t
drain(struct sf_follow *f, int fd, off_t *off, struct sf_follow_partial *part, sf_chunk_fn fn,
	void *ctx)
{
	size_t total = 0;

	load_partial(f, part);
	for (;;) {
		ssize_t n = pread(fd, f->buf + f->held, SF_FOLLOW_CHUNK, *off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		*off += n;
		total += (size_t)n;
		deliver(f, (size_t)n, fn, ctx);
	}
	save_partial(f, part);
	return total;
}

/* Keep the first bytes of the file, to know its copy again. */
static void
keep_signature(struct sf_follow_file *ff)
{
	ssize_t n;

	if (ff->nsig >= sizeof ff->sig || ff->fd < 0)
		return;
	n = pread(ff->fd, ff->sig, sizeof ff->sig, 0);
	ff->nsig = n > 0 ? (size_t)n : 0;
}

/* After a copytruncate: the sibling that starts like the file did and is
 * at least as long as what was read holds what was written in between. */
static size_t
recover_from_copy(struct sf_follow *f, struct sf_follow_file *ff, sf_chunk_fn fn, void *ctx)
{
	char dir[SF_FOLLOW_PATH_MAX], path[SF_FOLLOW_PATH_MAX + 256];
	const char *base;
	size_t baselen, got = 0;
	DIR *d;
	struct dirent *e;

	if (ff->nsig == 0)
		return 0;
	snprintf(dir, sizeof dir, "%s", ff->path);
	base = strrchr(ff->path, '/');
	if (base != NULL) {
		dir[base - ff->path] = '\0';
		base++;
	} else {
		snprintf(dir, sizeof dir, ".");
		base = ff->path;
	}
	if (dir[0] == '\0')
		snprintf(dir, sizeof dir, "/");
	baselen = strlen(base);
	d = opendir(dir);
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char head[SF_FOLLOW_SIGNATURE];
		struct stat st;
		size_t nlen = strlen(e->d_name);
		int fd;

		if (nlen <= baselen || strncmp(e->d_name, base, baselen) != 0 ||
			(e->d_name[baselen] != '.' && e->d_name[baselen] != '-') ||
			(nlen > 3 && strcmp(e->d_name + nlen - 3, ".gz") == 0))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= ff->off &&
			pread(fd, head, ff->nsig, 0) == (ssize_t)ff->nsig &&
			memcmp(head, ff->sig, ff->nsig) == 0) {
			off_t off = ff->off;

			got = drain(f, fd, &off, &ff->partial, fn, ctx);
			ff->recovered += got;
			close(fd);
			break;
		}
		close(fd);
	}
	closedir(d);
	return got;
}

static size_t
read_file(struct sf_follow *f, struct sf_follow_file *ff, double clock, sf_chunk_fn fn, void *ctx)
{
	struct stat st, pst;
	size_t total = 0;

	if (ff->old_fd >= 0) {
		total += drain(f, ff->old_fd, &ff->old_off, &ff->old_partial, fn, ctx);
		if (clock - ff->old_since > SF_FOLLOW_OLD_KEEP) {
			close(ff->old_fd);
			ff->old_fd = -1;
		}
	}
	if (ff->fd < 0) {
		if (open_file(ff) < 0)
			return total;
		if (ff->wd < 0)
			watch_file(f, ff);
	}
	/* Shrunk below what was read: truncated in place. */
	if (fstat(ff->fd, &st) == 0 && st.st_size < ff->off) {
		total += recover_from_copy(f, ff, fn, ctx);
		ff->off = 0;
		ff->nsig = 0;
		ff->partial.len = 0;
		ff->truncations++;
	}
	total += drain(f, ff->fd, &ff->off, &ff->partial, fn, ctx);
	keep_signature(ff);
	/* Renamed away, and a new file in its place: finish the old one, and
	 * go on with the new one from its start. */
	if (stat(ff->path, &pst) == 0 && (pst.st_ino != ff->ino || pst.st_dev != ff->dev)) {
		if (ff->old_fd >= 0)
			close(ff->old_fd);
		ff->old_fd = ff->fd;
		ff->old_off = ff->off;
		{
			struct sf_follow_partial t = ff->old_partial;

			ff->old_partial = ff->partial;
			ff->partial = t;
			ff->partial.len = 0;
		}
		ff->old_since = clock;
		if (f->inotify_fd >= 0 && ff->wd >= 0)
			inotify_rm_watch(f->inotify_fd, ff->wd);
		ff->wd = -1;
		ff->fd = -1;
		ff->rotations++;
		if (open_file(ff) == 0) {
			watch_file(f, ff);
			total += drain(f, ff->fd, &ff->off, &ff->partial, fn, ctx);
			keep_signature(ff);
		}
	}
	return total;
}

size_t
sf_follow_read(struct sf_follow *f, double clock, sf_chunk_fn fn, void *ctx)
{
	size_t i, total = 0;

	if (f->pipe_fd >= 0) {
		load_partial(f, &f->pipe_partial);
		for (;;) {
			ssize_t n = read(f->pipe_fd, f->buf + f->held, SF_FOLLOW_CHUNK);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			total += (size_t)n;
			deliver(f, (size_t)n, fn, ctx);
		}
		save_partial(f, &f->pipe_partial);
		return total;
	}
	for (i = 0; i < f->nfiles; i++)
		total += read_file(f, &f->files[i], clock, fn, ctx);
	return total;
}

int
sf_follow_wait(struct sf_follow *f, int timeout_ms)
{
	struct pollfd p;
	char events[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int rc;

	if (f->pipe_fd >= 0)
		p.fd = f->pipe_fd;
	else if (f->inotify_fd >= 0)
		p.fd = f->inotify_fd;
	else
		p.fd = -1;
	if (p.fd < 0) {
		/* The fallback: look again after a while. */
		if (timeout_ms < 0 || timeout_ms > SF_FOLLOW_POLL_MS)
			timeout_ms = SF_FOLLOW_POLL_MS;
		poll(NULL, 0, timeout_ms);
		return 1;
	}
	p.events = POLLIN;
	p.revents = 0;
	rc = poll(&p, 1, timeout_ms);
	if (rc < 0)
		return errno == EINTR ? 0 : -1;
	if (rc == 0)
		return 0;
	if (p.fd == f->inotify_fd)
		while (read(f->inotify_fd, events, sizeof events) > 0)
			; /* which file does not matter: every file is read again */
	if (p.fd == f->pipe_fd && (p.revents & (POLLHUP | POLLERR)) && !(p.revents & POLLIN))
		return -1;
	return 1;
}

void
sf_follow_close(struct sf_follow *f)
{
	size_t i;

	for (i = 0; i < f->nfiles; i++) {
		if (f->files[i].fd >= 0)
			close(f->files[i].fd);
		if (f->files[i].old_fd >= 0)
			close(f->files[i].old_fd);
		free(f->files[i].partial.text);
		free(f->files[i].old_partial.text);
	}
	free(f->pipe_partial.text);
	if (f->inotify_fd >= 0)
		close(f->inotify_fd);
	if (f->pipe_fd >= 0) {
		close(f->pipe_fd);
		kill(f->pipe_pid, SIGTERM);
		waitpid(f->pipe_pid, NULL, 0);
	}
	free(f->buf);
	f->buf = NULL;
	f->nfiles = 0;
}
