/* Name resolution and TCP connections, each bounded by a deadline. */
#ifndef SMTPFIX_NET_H
#define SMTPFIX_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "smtpfix/error.h"

#define SF_HOST_MAX 253 /* longest DNS name, RFC 1035 */
#define SF_ADDR_MAX 16  /* addresses kept per name */
#define SF_ADDR_TEXT_MAX 64

struct sf_addr {
	struct sockaddr_storage sa;
	socklen_t salen;
	int family;
	char text[SF_ADDR_TEXT_MAX]; /* "192.0.2.1" or "2001:db8::1" */
};

struct sf_addr_list {
	struct sf_addr addrs[SF_ADDR_MAX];
	size_t count;
};

/* True if s is a host name or an IP literal smtpfix will try to use: DNS
 * label rules (letters, digits, hyphen, dots; labels 1-63, total 253), an
 * IPv4 address, or an IPv6 address with or without brackets. */
bool sf_host_valid(const char *s);
/* True if s is an IPv4 or IPv6 address (bracketed or not): nothing to
 * look up. */
bool sf_host_is_literal(const char *s);

/* The longest host name as typed: in Unicode a character takes up to four
 * bytes. */
#define SF_HOST_TYPED_MAX (4 * SF_HOST_MAX)

/* A host or domain name typed in Unicode (b\u00fccher.example) in the form
 * DNS holds it: A-labels (xn--bcher-kva.example), by IDNA2008 with the
 * UTS 46 mapping (capitals to small letters, NFC). A name in ASCII is
 * copied as it is. Returns 1 when converted, 0 when copied, or -1
 * (SF_E_USAGE) when the name is not valid UTF-8, holds a character no
 * domain name may hold (spaces, controls, bidirectional controls), or
 * does not fit in outsz. The message does not quote the name. */
int sf_host_to_ascii(const char *in, char *out, size_t outsz, struct sf_error *err);

/* Resolve host to every IPv4 and IPv6 address, finishing by deadline. A
 * resolver that does not answer in time leaves SF_E_TIMEOUT. */
int sf_resolve(const char *host, int64_t deadline, struct sf_addr_list *out, struct sf_error *err);

/* Non-blocking connect finished by deadline. On success *fd is a
 * non-blocking socket with TCP_NODELAY. Failures are classified:
 * SF_E_REFUSED, SF_E_TIMEOUT, SF_E_UNREACHABLE, SF_E_NOROUTE. */
int sf_connect(
	const struct sf_addr *addr, int port, int64_t deadline, int *fd, struct sf_error *err);

/* The same in two halves, for a poll loop: start returns 0 with *fd set
 * (the connection may still be in progress: wait for POLLOUT), finish
 * checks the outcome once the socket is writable. */
int sf_connect_start(const struct sf_addr *addr, int port, int *fd, struct sf_error *err);
int sf_connect_finish(int fd, const struct sf_addr *addr, int port, struct sf_error *err);

/* The system's bundle of trusted certificate authorities: SSL_CERT_FILE
 * when set, else the first of the places Debian, Ubuntu, the RHEL family,
 * SUSE and Alpine keep it; NULL when none is there. */
const char *sf_ca_bundle(void);

/* True for 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
bool sf_addr_is_loopback(const struct sf_addr *addr);
/* This machine's own addresses (from getifaddrs), loopback excluded. */
int sf_local_addresses(struct sf_addr_list *out, struct sf_error *err);
/* True if addr is one of this machine's addresses or loopback. */
bool sf_addr_is_local(const struct sf_addr *addr);

/* Wait until fd is readable (events POLLIN) or writable (POLLOUT).
 * Returns 1 when ready, 0 on deadline, -1 on error. */
int sf_wait_fd(int fd, short events, int64_t deadline, struct sf_error *err);

/* One non-blocking read/write. Return bytes moved, 0 for end of stream
 * (read), -1 with err set on failure; *again is set when nothing could be
 * moved without blocking. */
ssize_t sf_sock_read(int fd, void *buf, size_t len, bool *again, struct sf_error *err);
ssize_t sf_sock_write(int fd, const void *buf, size_t len, bool *again, struct sf_error *err);

#endif
