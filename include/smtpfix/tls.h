/* TLS for the probe: the only layer that includes OpenSSL.
 *
 * The handshake never refuses a certificate: smtpfix must see what the
 * server presents to explain it. Every verification problem OpenSSL finds
 * is collected, and one verdict is chosen from them in a fixed order. */
#ifndef SMTPFIX_TLS_H
#define SMTPFIX_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "smtpfix/buf.h"
#include "smtpfix/error.h"

#define SF_TLS_SAN_MAX 32
#define SF_TLS_NAME_MAX 256
#define SF_TLS_TEXT_MAX 512

/* In the order they are chosen when several apply: a certificate outside
 * its dates or not from a trusted issuer is the deeper problem; a name
 * mismatch on an otherwise good certificate comes last. */
enum sf_cert_verdict {
	SF_CERT_OK,
	SF_CERT_EXPIRED,
	SF_CERT_NOT_YET_VALID,
	SF_CERT_SELF_SIGNED,
	SF_CERT_UNTRUSTED,
	SF_CERT_NAME_MISMATCH,
	SF_CERT_HANDSHAKE_FAILED
};

/* Why a handshake failed, by class (OpenSMTPD's habit): rules decide on
 * the class; the words in handshake_error are for people. */
#define SF_TLS_FAILURE_LIST(X) \
	X(NONE, "none") \
	X(NOT_TLS, "not-tls")                     /* the peer answered in plain text */ \
	X(SERVER_ERROR, "server-error")           /* the server broke off: internal error */ \
	X(NO_COMMON_VERSION, "no-common-version") /* no TLS version both accept */ \
	X(NO_COMMON_CIPHER, "no-common-cipher")   /* no cipher or parameters in common */ \
	X(CLOSED, "closed")                       /* closed or reset during the handshake */ \
	X(TIMEOUT, "timeout") \
	X(LOCAL, "local") /* smtpfix could not set TLS up */ \
	X(OTHER, "other")

enum sf_tls_failure {
// clang-format off
#define SF_TLS_FAILURE_ENUM(name, id) SF_TLS_FAIL_##name,
	SF_TLS_FAILURE_LIST(SF_TLS_FAILURE_ENUM)
#undef SF_TLS_FAILURE_ENUM
	SF_TLS_FAIL_COUNT
	// clang-format on
};

const char *sf_tls_failure_id(enum sf_tls_failure f); /* "not-tls", "server-error" ... */

struct sf_tls_info {
	bool handshake_ok;
	enum sf_tls_failure failure;           /* when it failed */
	char handshake_error[SF_TLS_TEXT_MAX]; /* OpenSSL's reason, when it failed */
	char version[32];                      /* "TLSv1.3" */
	char cipher[128];
	bool have_cert;
	char subject[SF_TLS_TEXT_MAX];
	char issuer[SF_TLS_TEXT_MAX];
	char san[SF_TLS_SAN_MAX][SF_TLS_NAME_MAX]; /* DNS names and IP addresses */
	size_t nsan;
	char not_before[32]; /* ISO 8601, UTC */
	char not_after[32];
	char sha256[96]; /* AA:BB:... */
	enum sf_cert_verdict verdict;
	char verify_detail[SF_TLS_TEXT_MAX]; /* every problem found, in words */
};

struct sf_tls_config {
	const char *host;    /* the name the person typed: SNI and name check */
	const char *ca_file; /* NULL: the system trust store */
};

struct sf_tls;

/* Check that a CA file exists and holds at least one certificate. */
int sf_tls_check_ca_file(const char *path, struct sf_error *err);

/* The handshake in steps, for a poll loop. start sets up the session on
 * the connected non-blocking socket; step returns 1 when the handshake is
 * done (info filled), 0 when it must wait for *want (POLLIN or POLLOUT),
 * -1 on failure (info and err say why). timeout records a deadline that
 * passed mid-handshake. */
int sf_tls_start(int fd, const struct sf_tls_config *cfg, struct sf_tls **out,
	struct sf_tls_info *info, struct sf_error *err);
int sf_tls_handshake_step(
	struct sf_tls *t, short *want, struct sf_tls_info *info, struct sf_error *err);
void sf_tls_handshake_timeout(struct sf_tls_info *info, struct sf_error *err);

/* HMAC-MD5, for CRAM-MD5 logins; 0 on success. */
int sf_tls_hmac_md5(
	const void *key, size_t keylen, const void *msg, size_t msglen, unsigned char out[16]);

/* Non-blocking record I/O. On "would block", return -1 with *want set to
 * POLLIN or POLLOUT and err untouched; 0 from read is end of stream. */
ssize_t sf_tls_read(struct sf_tls *t, void *buf, size_t len, short *want, struct sf_error *err);
ssize_t sf_tls_write(
	struct sf_tls *t, const void *buf, size_t len, short *want, struct sf_error *err);

/* Send close_notify if possible (never waits) and free. */
void sf_tls_close(struct sf_tls *t);

const char *sf_cert_verdict_id(enum sf_cert_verdict v);

/* Certificates made at run time (the practice server makes its own). */
struct sf_tls_cert {
	char *cert_pem;
	char *key_pem;
};

struct sf_tls_cert_request {
	const char *common_name;
	const char *san;   /* "DNS:a,IP:127.0.0.1" or NULL */
	long valid_from_s; /* from now, in seconds (negative: in the past) */
	long valid_to_s;
	bool is_ca;
	const struct sf_tls_cert *issuer; /* NULL: self-signed */
};

int sf_tls_make_cert(
	const struct sf_tls_cert_request *rq, struct sf_tls_cert *out, struct sf_error *err);
void sf_tls_cert_free(struct sf_tls_cert *c);

/* Server-side TLS, for the practice server. */
struct sf_tls_server;
struct sf_tls_server *sf_tls_server_new(const struct sf_tls_cert *c, struct sf_error *err);
void sf_tls_server_free(struct sf_tls_server *s);
int sf_tls_accept_start(
	struct sf_tls_server *srv, int fd, struct sf_tls **out, struct sf_error *err);
/* 1 done, 0 wait for *want, -1 failed. */
int sf_tls_accept_step(struct sf_tls *t, short *want, struct sf_error *err);

/* A CMS (PKCS #7) SignedData of data[0..len), in DER, appended to out:
 * the content inside it, signed by the first certificate of cert_file
 * (PEM) with the private key of key_file (PEM, without a passphrase); any
 * further certificates of cert_file go along as its chain. A key that
 * does not belong to the certificate is refused (SF_E_USAGE). The key's
 * bytes read from the file are wiped once OpenSSL holds it. */
int sf_tls_cms_sign(const void *data, size_t len, const char *cert_file, const char *key_file,
	struct sf_buf *out, struct sf_error *err);
/* The same checks alone (both files read, the key belongs to the
 * certificate), so a command can refuse them before it does any work. */
int sf_tls_cms_check(const char *cert_file, const char *key_file, struct sf_error *err);

/* The OpenSSL version string, for --version. */
const char *sf_tls_library_version(void);

#endif
