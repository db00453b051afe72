#include "support/fakeserver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

struct peer {
	int fd;
	SSL *ssl;
	FILE *log;
};

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int
peer_write(struct peer *p, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = p->ssl ? SSL_write(p->ssl, buf, (int)len)
				   : send(p->fd, buf, len, MSG_NOSIGNAL);
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
peer_read_line(struct peer *p, char *line, size_t size, int ms)
{
	size_t len = 0;
	long deadline = now_ms() + ms;

	while (len + 1 < size) {
		char c;
		ssize_t n;
		struct pollfd pfd = { p->fd, POLLIN, 0 };

		if ((p->ssl == NULL || SSL_pending(p->ssl) == 0) &&
			poll(&pfd, 1, (int)(deadline - now_ms() > 0 ? deadline - now_ms() : 0)) <=
				0)
			return -1;
		n = p->ssl ? SSL_read(p->ssl, &c, 1) : read(p->fd, &c, 1);
		if (n <= 0)
			return -1;
		if (c == '\n')
			break;
		if (c != '\r')
			line[len++] = c;
	}
	line[len] = '\0';
	return 0;
}

static int
tls_accept(struct peer *p, const struct fakeserver *fs)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL ||
		SSL_CTX_use_certificate_file(ctx, fs->cert_path, SSL_FILETYPE_PEM) != 1 ||
		SSL_CTX_use_PrivateKey_file(ctx, fs->key_path, SSL_FILETYPE_PEM) != 1)
		return -1;
	p->ssl = SSL_new(ctx);
	SSL_set_fd(p->ssl, p->fd);
	if (SSL_accept(p->ssl) != 1) {
		fprintf(p->log, "# TLS accept failed\n");
		return -1;
	}
	fprintf(p->log, "# TLS started\n");
	{
		const char *sni = SSL_get_servername(p->ssl, TLSEXT_NAMETYPE_host_name);

		fprintf(p->log, "# SNI %s\n", sni ? sni : "(none)");
	}
	return 0;
}

static void
serve(const struct fakeserver *fs, const struct fs_step *st, int fd)
{
	struct peer p = { fd, NULL, fopen(fs->log_path, "w") };
	char line[8192];
	long until;
	size_t i;

	if (p.log == NULL)
		_exit(2);
	setvbuf(p.log, NULL, _IOLBF, 0);
	if (fs->implicit_tls && tls_accept(&p, fs) < 0)
		_exit(0);
	for (; st->op != FS_END; st++) {
		switch (st->op) {
		case FS_SEND:
			if (peer_write(&p, st->text, strlen(st->text)) < 0)
				_exit(0);
			break;
		case FS_SEND_BYTES:
			if (peer_write(&p, st->text, st->len) < 0)
				_exit(0);
			break;
		case FS_EXPECT:
			if (peer_read_line(&p, line, sizeof line, 10000) < 0) {
				fprintf(p.log, "# no line\n");
				_exit(0);
			}
			fprintf(p.log, "%s\n", line);
			break;
		case FS_STARTTLS:
			if (tls_accept(&p, fs) < 0)
				_exit(0);
			break;
		case FS_SLEEP: sleep_ms(st->ms); break;
		case FS_DRIP:
			for (i = 0; st->text[i] != '\0'; i++) {
				if (peer_write(&p, st->text + i, 1) < 0)
					_exit(0);
				sleep_ms(st->ms);
			}
			break;
		case FS_FLOOD:
			until = now_ms() + st->ms;
			while (now_ms() < until)
				if (peer_write(&p, st->text, strlen(st->text)) < 0)
					_exit(0);
			break;
		case FS_CLOSE: _exit(0);
		case FS_RESET: {
			struct linger lg = { 1, 0 };

			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
			close(fd);
			_exit(0);
		}
		case FS_DRAIN:
			until = now_ms() + (st->ms ? st->ms : 5000);
			while (now_ms() < until && peer_read_line(&p, line, sizeof line, 200) == 0)
				fprintf(p.log, "%s\n", line);
			break;
		case FS_END: break;
		}
	}
	/* Hold the connection until the client leaves. */
	until = now_ms() + 5000;
	while (now_ms() < until && peer_read_line(&p, line, sizeof line, 200) == 0)
		fprintf(p.log, "%s\n", line);
	_exit(0);
}

int
fakeserver_start(struct fakeserver *fs, const struct fs_step *script, const char *dir)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int lfd, one = 1;

	snprintf(fs->log_path, sizeof fs->log_path, "%s/client-%d.log", dir, (int)getpid());
	memset(&ss, 0, sizeof ss);
	if (fs->ipv6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		len = sizeof *s6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof *s4;
	}
	lfd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (lfd < 0)
		return -1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(lfd, (struct sockaddr *)&ss, len) < 0 || listen(lfd, 1) < 0 ||
		getsockname(lfd, (struct sockaddr *)&ss, &len) < 0) {
		close(lfd);
		return -1;
	}
	fs->port = ntohs(fs->ipv6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
				  : ((struct sockaddr_in *)&ss)->sin_port);
	fs->pid = fork();
	if (fs->pid < 0) {
		close(lfd);
		return -1;
	}
	if (fs->pid == 0) {
		int fd;

		/* libcheck's SIGTERM handler, inherited from the test process,
		 * would kill the whole process group. */
		signal(SIGTERM, SIG_DFL);
		alarm(30); /* a test server never outlives a stuck test */
		fd = accept(lfd, NULL, NULL);
		close(lfd);
		if (fd < 0)
			_exit(1);
		serve(fs, script, fd);
	}
	close(lfd);
	return 0;
}

void
fakeserver_stop(struct fakeserver *fs)
{
	int status;

	int i;

	if (fs->pid <= 0)
		return;
	/* The child leaves once the client has closed; give it a moment. */
	for (i = 0; i < 100 && waitpid(fs->pid, &status, WNOHANG) == 0; i++)
		sleep_ms(20);
	if (i == 100) {
		kill(fs->pid, SIGKILL);
		waitpid(fs->pid, &status, 0);
	}
	fs->pid = 0;
}

const char *
fakeserver_client_lines(const struct fakeserver *fs)
{
	static char buf[65536];
	FILE *f = fopen(fs->log_path, "r");
	size_t n = 0;

	buf[0] = '\0';
	if (f == NULL)
		return buf;
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}
