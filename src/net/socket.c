#include "smtpfix/net.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "smtpfix/clock.h"

static int
classify_connect_errno(int e, const struct sf_addr *addr, int port, struct sf_error *err)
{
	switch (e) {
	case ECONNREFUSED:
		return sf_error_set(err, SF_E_REFUSED,
			"connection to %s port %d refused (nothing listens there, or a firewall "
			"rejects it)",
			addr->text, port);
	case ETIMEDOUT:
		return sf_error_set(
			err, SF_E_TIMEOUT, "connection to %s port %d timed out", addr->text, port);
	case ENETUNREACH:
		return sf_error_set(
			err, SF_E_UNREACHABLE, "network unreachable for %s", addr->text);
	case EHOSTUNREACH:
	case EHOSTDOWN: return sf_error_set(err, SF_E_NOROUTE, "no route to host %s", addr->text);
	case EADDRNOTAVAIL:
	case EAFNOSUPPORT:
		return sf_error_set(err, SF_E_UNREACHABLE,
			"this machine cannot reach %s (no address of that family)", addr->text);
	default:
		return sf_error_set(err, SF_E_SYSTEM, "connection to %s port %d failed: %s",
			addr->text, port, strerror(e));
	}
}

int
sf_wait_fd(int fd, short events, int64_t deadline, struct sf_error *err)
{
	struct pollfd pfd;
	int rc;

	for (;;) {
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		rc = poll(&pfd, 1, sf_poll_timeout(deadline));
		if (rc > 0)
			return 1;
		if (rc == 0)
			return 0;
		if (errno != EINTR)
			return sf_error_set(err, SF_E_SYSTEM, "poll: %s", strerror(errno));
	}
}

int
sf_connect_start(const struct sf_addr *addr, int port, int *fdp, struct sf_error *err)
{
	struct sockaddr_storage sa = addr->sa;
	int fd, rc, one = 1;

	*fdp = -1;
	if (addr->family == AF_INET)
		((struct sockaddr_in *)&sa)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)&sa)->sin6_port = htons((uint16_t)port);
	fd = socket(addr->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return classify_connect_errno(errno, addr, port, err);
	/* One write per command and no Nagle delay: a probe is a ping-pong of
	 * small lines, where Nagle plus delayed ACK costs 40 ms a step. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	rc = connect(fd, (struct sockaddr *)&sa, addr->salen);
	if (rc < 0 && errno != EINPROGRESS) {
		int e = errno;

		close(fd);
		return classify_connect_errno(e, addr, port, err);
	}
	*fdp = fd;
	return 0;
}

int
sf_connect_finish(int fd, const struct sf_addr *addr, int port, struct sf_error *err)
{
	int soerr = 0;
	socklen_t len = sizeof soerr;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		soerr = errno;
	if (soerr != 0)
		return classify_connect_errno(soerr, addr, port, err);
	return 0;
}

int
sf_connect(const struct sf_addr *addr, int port, int64_t deadline, int *fdp, struct sf_error *err)
{
	int fd, rc;

	if (sf_connect_start(addr, port, &fd, err) < 0)
		return -1;
	rc = sf_wait_fd(fd, POLLOUT, deadline, err);
	if (rc == 0)
		sf_error_set(err, SF_E_TIMEOUT,
			"no answer from %s port %d within the time limit (a firewall may drop the "
			"traffic)",
			addr->text, port);
	if (rc <= 0 || sf_connect_finish(fd, addr, port, err) < 0) {
		close(fd);
		return -1;
	}
	*fdp = fd;
	return 0;
}

ssize_t
sf_sock_read(int fd, void *buf, size_t len, bool *again, struct sf_error *err)
{
	ssize_t n;

	*again = false;
	for (;;) {
		n = read(fd, buf, len);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			*again = true;
			return -1;
		}
		if (errno == ECONNRESET)
			return sf_error_set(err, SF_E_RESET, "the server reset the connection");
		return sf_error_set(err, SF_E_SYSTEM, "read: %s", strerror(errno));
	}
}

ssize_t
sf_sock_write(int fd, const void *buf, size_t len, bool *again, struct sf_error *err)
{
	ssize_t n;

	*again = false;
	for (;;) {
		/* MSG_NOSIGNAL: a peer that closed must not kill us with SIGPIPE. */
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			*again = true;
			return -1;
		}
		if (errno == ECONNRESET || errno == EPIPE)
			return sf_error_set(
				err, SF_E_RESET, "the server closed or reset the connection");
		return sf_error_set(err, SF_E_SYSTEM, "write: %s", strerror(errno));
	}
}
