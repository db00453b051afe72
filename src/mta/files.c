#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
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

void
sf_mta_path(const char *root, const char *path, char *out, size_t outsz)
{
	if (root == NULL || root[0] == '\0' || strcmp(root, "/") == 0)
		snprintf(out, outsz, "%s", path);
	else
		snprintf(out, outsz, "%s%s%s", root, path[0] == '/' ? "" : "/", path);
}

bool
sf_mta_exists(const char *root, const char *path)
{
	char full[1024];
	struct stat st;

	sf_mta_path(root, path, full, sizeof full);
	return stat(full, &st) == 0;
}

void
sf_policy_note(struct sf_policy *p, const char *fmt, ...)
{
	va_list ap;

	if (p->nnotes >= SF_MTA_MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(p->notes[p->nnotes++], SF_MTA_TEXT_MAX, fmt, ap);
	va_end(ap);
}

void
sf_policy_unreadable(struct sf_policy *p, const char *path, const char *why, const char *hides)
{
	struct sf_unreadable *u;

	if (p->nunreadable >= SF_MTA_MAX_NOTES)
		return;
	u = &p->unreadable[p->nunreadable++];
	snprintf(u->path, sizeof u->path, "%s", path);
	snprintf(u->why, sizeof u->why, "%s", why);
	snprintf(u->hides, sizeof u->hides, "%s", hides);
}

void
sf_policy_finding(struct sf_policy *p, const char *id, const char *severity, const char *fmt, ...)
{
	struct sf_finding *f;
	va_list ap;

	if (p->nfindings >= SF_MTA_MAX_NOTES)
		return;
	f = &p->findings[p->nfindings++];
	snprintf(f->id, sizeof f->id, "%s", id);
	snprintf(f->severity, sizeof f->severity, "%s", severity);
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof f->text, fmt, ap);
	va_end(ap);
}

int
sf_mta_read(struct sf_policy *p, const char *root, const char *path, const char *hides,
	struct sf_buf *out)
{
	char full[1024], chunk[65536];
	struct sf_error err;
	int fd;
	ssize_t n;

	sf_mta_path(root, path, full, sizeof full);
	sf_buf_init(out, SF_MTA_FILE_MAX);
	fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			sf_policy_unreadable(p, path, strerror(errno), hides);
		return -1;
	}
	while ((n = read(fd, chunk, sizeof chunk)) > 0) {
		if (sf_buf_add(out, chunk, (size_t)n, &err) < 0) {
			close(fd);
			sf_policy_unreadable(p, path, "larger than smtpfix reads (8 MiB)", hides);
			sf_buf_free(out);
			return -1;
		}
	}
	close(fd);
	if (n < 0) {
		sf_policy_unreadable(p, path, strerror(errno), hides);
		sf_buf_free(out);
		return -1;
	}
	if (out->data == NULL)
		sf_buf_add(out, "", 0, &err);
	if (p->nfiles < SF_MTA_MAX_NOTES)
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
	if (out->data == NULL)
		sf_buf_add(out, "", 0, NULL);
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
