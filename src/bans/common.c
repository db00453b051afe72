/* The bans layer's shared pieces: the source vocabulary, strict checks of
 * what the person typed, address matching, the report list, and the one
 * function that runs a program. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "smtpfix/bans.h"
#include "smtpfix/clock.h"

extern char **environ;

static const struct {
	const char *id, *words;
} source_table[] = {
#define SF_BAN_SOURCE_ROW(name, id, words) { id, words },
	SF_BAN_SOURCE_LIST(SF_BAN_SOURCE_ROW)
#undef SF_BAN_SOURCE_ROW
};

const char *
sf_ban_source_id(enum sf_ban_source s)
{
	return (unsigned)s < SF_BAN_SOURCES ? source_table[s].id : "";
}

const char *
sf_ban_source_words(enum sf_ban_source s)
{
	return (unsigned)s < SF_BAN_SOURCES ? source_table[s].words : "";
}

const char *
sf_ban_check_state_id(enum sf_ban_check_state s)
{
	static const char *const ids[] = { "not-run", "checked", "not-installed", "no-permission",
		"failed", "skipped" };

	return (unsigned)s < sizeof ids / sizeof ids[0] ? ids[s] : "failed";
}

bool
sf_bans_address_ok(const char *s, char *canon, size_t canonsz)
{
	unsigned char bin[16];
	char tmp[INET6_ADDRSTRLEN];
	const char *p;

	if (s == NULL || *s == '\0' || strlen(s) >= INET6_ADDRSTRLEN)
		return false;
	for (p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
			    (*p >= 'A' && *p <= 'F') || *p == '.' || *p == ':'))
			return false;
	if (inet_pton(AF_INET, s, bin) == 1) {
		if (inet_ntop(AF_INET, bin, tmp, sizeof tmp) == NULL)
			return false;
	} else if (inet_pton(AF_INET6, s, bin) == 1) {
		if (inet_ntop(AF_INET6, bin, tmp, sizeof tmp) == NULL)
			return false;
	} else
		return false;
	if (canon != NULL && snprintf(canon, canonsz, "%s", tmp) >= (int)canonsz)
		return false;
	return true;
}

bool
sf_bans_user_ok(const char *s)
{
	const unsigned char *p;

	if (s == NULL || *s == '\0' || strlen(s) >= SF_LOG_USER_MAX || *s == '-')
		return false;
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p <= 0x20 || *p == 0x7f)
			return false;
		if (strchr("\"'`$\\;&|<>(){}[]*?!~#%^,", *p) != NULL)
			return false;
	}
	return true;
}

/* An address literal as bytes; family 4 or 6, else 0. */
static int
parse_addr(const char *s, size_t len, unsigned char out[16])
{
	char tmp[INET6_ADDRSTRLEN];

	if (len == 0 || len >= sizeof tmp)
		return 0;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (inet_pton(AF_INET, tmp, out) == 1)
		return 4;
	if (inet_pton(AF_INET6, tmp, out) == 1)
		return 6;
	return 0;
}

static bool
prefix_holds(const unsigned char *net, const unsigned char *a, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	if (memcmp(net, a, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((net[full] ^ a[full]) & (0xffu << (8 - rest)) & 0xffu) == 0;
}

bool
sf_bans_entry_matches(const char *entry, const char *addr)
{
	unsigned char a[16], e[16], hi[16];
	int fa, fe, fh;
	const char *slash, *dash;
	size_t n;

	fa = parse_addr(addr, strlen(addr), a);
	if (fa == 0 || entry == NULL)
		return false;
	n = strlen(entry);
	slash = strchr(entry, '/');
	dash = strchr(entry, '-');
	if (slash != NULL) {
		long bits;
		char *end;

		fe = parse_addr(entry, (size_t)(slash - entry), e);
		if (fe != fa)
			return false;
		errno = 0;
		bits = strtol(slash + 1, &end, 10);
		if (errno != 0 || end == slash + 1 || *end != '\0' || bits < 0 ||
			bits > (fa == 4 ? 32 : 128))
			return false;
		return prefix_holds(e, a, (unsigned)bits);
	}
	if (dash != NULL) {
		fe = parse_addr(entry, (size_t)(dash - entry), e);
		fh = parse_addr(dash + 1, n - (size_t)(dash + 1 - entry), hi);
		if (fe != fa || fh != fa)
			return false;
		n = fa == 4 ? 4 : 16;
		return memcmp(e, a, n) <= 0 && memcmp(a, hi, n) <= 0;
	}
	fe = parse_addr(entry, n, e);
	return fe == fa && memcmp(e, a, fa == 4 ? 4 : 16) == 0;
}

void
sf_bans_add(struct sf_bans_report *r, const struct sf_ban *b)
{
	size_t i;

	/* The same block seen twice (a rule listed by two readers) once. */
	for (i = 0; i < r->nbans; i++)
		if (r->bans[i].source == b->source && strcmp(r->bans[i].where, b->where) == 0 &&
			strcmp(r->bans[i].entry, b->entry) == 0)
			return;
	if (r->nbans >= SF_BANS_MAX) {
		r->bans_dropped++;
		return;
	}
	r->bans[r->nbans++] = *b;
}

bool
sf_bans_any_checked(const struct sf_bans_report *r)
{
	size_t i;

	for (i = 0; i < SF_BAN_SOURCES; i++)
		if (r->checks[i].state == SF_CHECK_DONE)
			return true;
	return false;
}

static bool
needs_quotes(const char *w)
{
	if (*w == '\0')
		return true;
	for (; *w; w++)
		if (!(((unsigned char)*w >= 0x80) || (*w >= 'a' && *w <= 'z') ||
			    (*w >= 'A' && *w <= 'Z') || (*w >= '0' && *w <= '9') ||
			    strchr("@%+=:,./_-", *w) != NULL))
			return true;
	return false;
}

void
sf_ban_lift_text(const struct sf_ban *b, char *out, size_t outsz)
{
	size_t i, used = 0;

	if (outsz == 0)
		return;
	out[0] = '\0';
	for (i = 0; i < b->nlift && used < outsz; i++) {
		const char *w = b->lift[i];
		int n;

		if (i == 0) {
			const char *base = strrchr(w, '/');

			w = base != NULL ? base + 1 : w;
		}
		if (!needs_quotes(w)) {
			n = snprintf(out + used, outsz - used, "%s%s", i ? " " : "", w);
		} else {
			/* Single quotes; a quote inside becomes '\''. */
			const char *p;

			n = snprintf(out + used, outsz - used, "%s'", i ? " " : "");
			if (n < 0 || (size_t)n >= outsz - used)
				break;
			used += (size_t)n;
			for (p = w; *p && used + 5 < outsz; p++) {
				if (*p == '\'') {
					memcpy(out + used, "'\\''", 4);
					used += 4;
				} else
					out[used++] = *p;
			}
			out[used] = '\0';
			n = snprintf(out + used, outsz - used, "'");
		}
		if (n < 0 || (size_t)n >= outsz - used)
			break;
		used += (size_t)n;
	}
}

bool
sf_bans_which(const char *name, char *out, size_t outsz)
{
	static const char extra[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	const char *lists[2];
	size_t k;

	if (strchr(name, '/') != NULL) {
		struct stat st;

		if (stat(name, &st) != 0 || !S_ISREG(st.st_mode) || access(name, X_OK) != 0)
			return false;
		return snprintf(out, outsz, "%s", name) < (int)outsz;
	}
	lists[0] = getenv("PATH");
	lists[1] = extra;
	for (k = 0; k < 2; k++) {
		const char *p = lists[k];

		while (p != NULL && *p) {
			const char *colon = strchr(p, ':');
			size_t dl = colon != NULL ? (size_t)(colon - p) : strlen(p);
			struct stat st;

			if (dl > 0 && dl < 4096 && *p == '/' &&
				snprintf(out, outsz, "%.*s/%s", (int)dl, p, name) < (int)outsz &&
				stat(out, &st) == 0 && S_ISREG(st.st_mode) &&
				access(out, X_OK) == 0)
				return true;
			p = colon != NULL ? colon + 1 : NULL;
		}
	}
	if (outsz > 0)
		out[0] = '\0';
	return false;
}

#define ENV_MAX 512

int
sf_bans_run(const char *const argv_in[], int timeout_ms, size_t out_max, struct sf_bans_cmd *res,
	struct sf_error *err)
{
	char *argv[SF_BANS_ARGV_MAX + 1];
	char words[SF_BANS_CMD_LINE_MAX];
	size_t na, used = 0;
	static char lc_all[] = "LC_ALL=C";
	char *envp[ENV_MAX + 2];
	size_t ne = 0, i;
	int pipefd[2], status = 0;
	int64_t deadline;
	pid_t pid;
	char chunk[8192];

	memset(res, 0, sizeof *res);
	sf_buf_init(&res->out, out_max);
	res->status = -1;
	/* execve wants writable words: copies, each checked for length. */
	for (na = 0; argv_in[na] != NULL; na++) {
		size_t wl = strlen(argv_in[na]) + 1;

		if (na >= SF_BANS_ARGV_MAX || wl > sizeof words - used)
			return sf_error_set(err, SF_E_USAGE, "a command too long to run");
		memcpy(words + used, argv_in[na], wl);
		argv[na] = words + used;
		used += wl;
	}
	argv[na] = NULL;
	if (na == 0 || argv[0][0] != '/')
		return sf_error_set(err, SF_E_USAGE, "a command must name its program's full path");
	if (timeout_ms <= 0)
		timeout_ms = SF_BANS_CMD_TIMEOUT_MS;
	for (i = 0; environ != NULL && environ[i] != NULL && ne < ENV_MAX; i++)
		if (strncmp(environ[i], "LC_ALL=", 7) != 0)
			envp[ne++] = environ[i];
	envp[ne++] = lc_all;
	envp[ne] = NULL;
	if (pipe(pipefd) < 0)
		return sf_error_set(err, SF_E_SYSTEM, "pipe: %s", strerror(errno));
	fcntl(pipefd[0], F_SETFD, FD_CLOEXEC);
	fcntl(pipefd[1], F_SETFD, FD_CLOEXEC);
	deadline = sf_now_ms() + timeout_ms;
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return sf_error_set(err, SF_E_SYSTEM, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

		setpgid(0, 0);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		execve(argv[0], argv, envp);
		_exit(127); /* lint-ok: the forked child, after exec failed */
	}
	setpgid(pid, pid);
	close(pipefd[1]);
	for (;;) {
		struct pollfd pfd = { pipefd[0], POLLIN, 0 };
		int rc = poll(&pfd, 1, sf_poll_timeout(deadline));
		ssize_t n;

		if (rc == 0) {
			res->timed_out = true;
			break;
		}
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		n = read(pipefd[0], chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (sf_buf_add(&res->out, chunk, (size_t)n, NULL) < 0) {
			res->capped = true;
			break;
		}
	}
	if (res->timed_out || res->capped) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
	}
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (res->out.data == NULL && sf_buf_add(&res->out, "", 0, NULL) < 0)
		return sf_error_set(err, SF_E_NOMEM, "out of memory");
	res->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (res->timed_out)
		return sf_error_set(
			err, SF_E_TIMEOUT, "%s did not finish in %d s", argv[0], timeout_ms / 1000);
	if (res->status == 127 && res->out.len == 0)
		return sf_error_set(err, SF_E_SYSTEM, "%s could not be started", argv[0]);
	return 0;
}

int
sf_ban_lift(const struct sf_ban *b, int timeout_ms, struct sf_bans_cmd *res, struct sf_error *err)
{
	const char *argv[SF_BANS_ARGV_MAX + 1];
	size_t i;

	memset(res, 0, sizeof *res);
	sf_buf_init(&res->out, SF_BANS_CMD_OUT_MAX);
	if (b->nlift == 0 || b->lift[0][0] != '/')
		return sf_error_set(err, SF_E_USAGE, "this block has no command that lifts it");
	for (i = 0; i < b->nlift; i++)
		argv[i] = b->lift[i];
	argv[i] = NULL;
	sf_buf_free(&res->out);
	if (sf_bans_run(argv, timeout_ms, SF_BANS_CMD_OUT_MAX, res, err) < 0)
		return -1;
	if (res->status != 0)
		return sf_error_set(
			err, SF_E_SYSTEM, "the command ended with status %d", res->status);
	return 0;
}
