#include "smtpfix/tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/ec.h>
#include <openssl/x509v3.h>

#include "smtpfix/clock.h"
#include "smtpfix/net.h"

#if OPENSSL_VERSION_NUMBER < 0x30000000L
/* OpenSSL 1.1.1 (AlmaLinux 8) has the same call under its older name. */
#define SSL_get1_peer_certificate SSL_get_peer_certificate
#endif

#define VERIFY_ERRORS_MAX 16

struct verify_log {
	int errors[VERIFY_ERRORS_MAX];
	size_t count;
};

struct sf_tls {
	SSL_CTX *ctx;
	SSL *ssl;
	struct verify_log vlog;
	char host[256]; /* for the name check once the handshake is done */
};

static int verify_log_index = -1;

const char *
sf_tls_library_version(void)
{
	return OpenSSL_version(OPENSSL_VERSION);
}

const char *
sf_cert_verdict_id(enum sf_cert_verdict v)
{
	switch (v) {
	case SF_CERT_OK: return "ok";
	case SF_CERT_EXPIRED: return "expired";
	case SF_CERT_NOT_YET_VALID: return "not-yet-valid";
	case SF_CERT_SELF_SIGNED: return "self-signed";
	case SF_CERT_UNTRUSTED: return "untrusted";
	case SF_CERT_NAME_MISMATCH: return "name-mismatch";
	case SF_CERT_HANDSHAKE_FAILED: return "handshake-failed";
	}
	return "unknown";
}

/* True when OpenSSL's queued error says the peer closed the connection
 * without a TLS close (OpenSSL 3 reports this as an error; 1.1.1 as a
 * system call result of 0). */
static bool
peer_closed_error(void)
{
#ifdef SSL_R_UNEXPECTED_EOF_WHILE_READING
	unsigned long e = ERR_peek_last_error();

	return e != 0 && ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
#else
	return false;
#endif
}

static void
openssl_reason(char *out, size_t outsz, const char *fallback)
{
	unsigned long e, last = 0;
	const char *reason;

	while ((e = ERR_get_error()) != 0)
		last = e;
	reason = last ? ERR_reason_error_string(last) : NULL;
	snprintf(out, outsz, "%s", reason ? reason : fallback);
}

int
sf_tls_check_ca_file(const char *path, struct sf_error *err)
{
	FILE *f = fopen(path, "r");
	X509 *x;

	if (f == NULL)
		return sf_error_set(
			err, SF_E_USAGE, "cannot read CA file %s: %s", path, strerror(errno));
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	ERR_clear_error();
	if (x == NULL)
		return sf_error_set(err, SF_E_USAGE, "CA file %s holds no PEM certificate", path);
	X509_free(x);
	return 0;
}

/* Record every problem and carry on: the handshake must finish so the
 * certificate can be shown; the verdict is computed afterwards. */
static int
verify_cb(int ok, X509_STORE_CTX *store)
{
	SSL *ssl;
	struct verify_log *log;
	int e = X509_STORE_CTX_get_error(store);
	size_t i;

	if (ok)
		return 1;
	ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
	log = ssl ? SSL_get_ex_data(ssl, verify_log_index) : NULL;
	if (log != NULL) {
		for (i = 0; i < log->count; i++)
			if (log->errors[i] == e)
				return 1;
		if (log->count < VERIFY_ERRORS_MAX)
			log->errors[log->count++] = e;
	}
	return 1;
}

static bool
is_ip_literal(const char *host)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

static void
format_time(const ASN1_TIME *t, char *out, size_t outsz)
{
	struct tm tm;

	if (t == NULL || !ASN1_TIME_to_tm(t, &tm)) {
		snprintf(out, outsz, "unknown");
		return;
	}
	strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
name_text(const X509_NAME *name, char *out, size_t outsz)
{
	BIO *b = BIO_new(BIO_s_mem());
	int n;

	out[0] = '\0';
	if (b == NULL)
		return;
	X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	n = BIO_read(b, out, (int)outsz - 1);
	out[n > 0 ? n : 0] = '\0';
	BIO_free(b);
}

static void
collect_sans(X509 *cert, struct sf_tls_info *info)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	int i;

	if (names == NULL)
		return;
	for (i = 0; i < sk_GENERAL_NAME_num(names) && info->nsan < SF_TLS_SAN_MAX; i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
		char *dst = info->san[info->nsan];

		if (gn->type == GEN_DNS) {
			const unsigned char *d = ASN1_STRING_get0_data(gn->d.dNSName);
			int len = ASN1_STRING_length(gn->d.dNSName);

			if (len <= 0 || len >= SF_TLS_NAME_MAX)
				continue;
			memcpy(dst, d, (size_t)len);
			dst[len] = '\0';
			info->nsan++;
		} else if (gn->type == GEN_IPADD) {
			int len = ASN1_STRING_length(gn->d.iPAddress);
			const unsigned char *d = ASN1_STRING_get0_data(gn->d.iPAddress);

			if (len == 4 || len == 16) {
				inet_ntop(len == 4 ? AF_INET : AF_INET6, d, dst, SF_TLS_NAME_MAX);
				info->nsan++;
			}
		}
	}
	GENERAL_NAMES_free(names);
}

static void
describe_certificate(X509 *cert, struct sf_tls_info *info)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	size_t pos = 0;

	info->have_cert = true;
	name_text(X509_get_subject_name(cert), info->subject, sizeof info->subject);
	name_text(X509_get_issuer_name(cert), info->issuer, sizeof info->issuer);
	collect_sans(cert, info);
	format_time(X509_get0_notBefore(cert), info->not_before, sizeof info->not_before);
	format_time(X509_get0_notAfter(cert), info->not_after, sizeof info->not_after);
	if (X509_digest(cert, EVP_sha256(), md, &mdlen)) {
		for (i = 0; i < mdlen && pos + 3 < sizeof info->sha256; i++)
			pos += (size_t)snprintf(info->sha256 + pos, sizeof info->sha256 - pos,
				i ? ":%02X" : "%02X", md[i]);
	}
}

static bool
has_error(const struct verify_log *log, int e)
{
	size_t i;

	for (i = 0; i < log->count; i++)
		if (log->errors[i] == e)
			return true;
	return false;
}

static void
append_detail(char *out, size_t outsz, const char *text)
{
	size_t len = strlen(out);

	snprintf(out + len, outsz - len, "%s%s", len ? "; " : "", text);
}

/* OpenSSL's verification errors in words an admin can act on. */
static const char *
verify_error_words(int e)
{
	switch (e) {
	case X509_V_ERR_CERT_HAS_EXPIRED: return "the certificate has expired";
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return "the certificate is not valid yet (check the server's clock and dates)";
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		return "the certificate is self-signed (made by the server itself)";
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		return "the certificate chain ends in an authority this computer does not trust";
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
		return "the certificate's issuer is not trusted here (unknown authority, or the "
		       "server does not send its intermediate certificate)";
	default: return X509_verify_cert_error_string(e);
	}
}

static void
judge(const struct verify_log *log, const char *host, struct sf_tls_info *info)
{
	bool self_signed = has_error(log, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT) ||
			   has_error(log, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN);
	bool mismatch = has_error(log, X509_V_ERR_HOSTNAME_MISMATCH) ||
			has_error(log, X509_V_ERR_IP_ADDRESS_MISMATCH);
	bool untrusted = false;
	char tmp[SF_TLS_TEXT_MAX];
	size_t i;

	info->verify_detail[0] = '\0';
	for (i = 0; i < log->count; i++) {
		int e = log->errors[i];

		if (e == X509_V_ERR_HOSTNAME_MISMATCH || e == X509_V_ERR_IP_ADDRESS_MISMATCH)
			continue;
		if (e != X509_V_ERR_CERT_HAS_EXPIRED && e != X509_V_ERR_CERT_NOT_YET_VALID &&
			e != X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT &&
			e != X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN)
			untrusted = true;
		if (strstr(info->verify_detail, verify_error_words(e)) == NULL)
			append_detail(info->verify_detail, sizeof info->verify_detail,
				verify_error_words(e));
	}
	if (mismatch) {
		size_t n, pos;

		pos = (size_t)snprintf(
			tmp, sizeof tmp, "the certificate is not for %s (it names ", host);
		for (n = 0; n < info->nsan && pos < sizeof tmp; n++)
			pos += (size_t)snprintf(
				tmp + pos, sizeof tmp - pos, "%s%s", n ? ", " : "", info->san[n]);
		if (info->nsan == 0 && pos < sizeof tmp)
			pos += (size_t)snprintf(
				tmp + pos, sizeof tmp - pos, "only %s", info->subject);
		if (pos < sizeof tmp)
			snprintf(tmp + pos, sizeof tmp - pos, ")");
		append_detail(info->verify_detail, sizeof info->verify_detail, tmp);
	}
	if (has_error(log, X509_V_ERR_CERT_HAS_EXPIRED))
		info->verdict = SF_CERT_EXPIRED;
	else if (has_error(log, X509_V_ERR_CERT_NOT_YET_VALID))
		info->verdict = SF_CERT_NOT_YET_VALID;
	else if (self_signed)
		info->verdict = SF_CERT_SELF_SIGNED;
	else if (untrusted)
		info->verdict = SF_CERT_UNTRUSTED;
	else if (mismatch)
		info->verdict = SF_CERT_NAME_MISMATCH;
	else
		info->verdict = SF_CERT_OK;
	if (info->verdict == SF_CERT_OK)
		snprintf(info->verify_detail, sizeof info->verify_detail,
			"trusted, valid now, and issued for %s", host);
}

/* The handshake failures people meet most, in words; OpenSSL's own reason
 * is kept in brackets for those who search for it. */
const char *
sf_tls_failure_id(enum sf_tls_failure f)
{
#define SF_TLS_FAILURE_ID(name, id) id,
	static const char *const ids[] = { SF_TLS_FAILURE_LIST(SF_TLS_FAILURE_ID) };
#undef SF_TLS_FAILURE_ID

	return (size_t)f < SF_TLS_FAIL_COUNT ? ids[f] : "other";
}

static enum sf_tls_failure
explain_reason(const char *reason, char *out, size_t outsz)
{
	static const struct {
		const char *openssl;
		enum sf_tls_failure failure;
		const char *words; /* NULL: OpenSSL's reason is clear enough */
	} known[] = {
		{ "wrong version number", SF_TLS_FAIL_NOT_TLS,
			"the server did not answer in TLS: this port may expect plain text or "
			"STARTTLS, not SSL/TLS" },
		{ "packet length too long", SF_TLS_FAIL_NOT_TLS,
			"the server did not answer in TLS: this port may expect plain text or "
			"STARTTLS, not SSL/TLS" },
		{ "unsupported protocol", SF_TLS_FAIL_NO_COMMON_VERSION,
			"the server only offers TLS versions this computer refuses" },
		{ "tlsv1 alert protocol version", SF_TLS_FAIL_NO_COMMON_VERSION,
			"the server refused every TLS version smtpfix offered" },
		{ "no protocols available", SF_TLS_FAIL_NO_COMMON_VERSION,
			"no TLS version is both allowed here and offered" },
		{ "sslv3 alert handshake failure", SF_TLS_FAIL_NO_COMMON_CIPHER,
			"the server and smtpfix share no cipher or TLS version" },
		{ "no shared cipher", SF_TLS_FAIL_NO_COMMON_CIPHER, NULL },
		{ "dh key too small", SF_TLS_FAIL_NO_COMMON_CIPHER, NULL },
		{ "tlsv1 alert internal error", SF_TLS_FAIL_SERVER_ERROR, NULL },
	};
	size_t i;

	for (i = 0; i < sizeof known / sizeof known[0]; i++) {
		if (strcmp(reason, known[i].openssl) != 0)
			continue;
		if (known[i].words != NULL)
			snprintf(out, outsz, "%s (OpenSSL: %s)", known[i].words, reason);
		else
			snprintf(out, outsz, "%s", reason);
		return known[i].failure;
	}
	snprintf(out, outsz, "%s", reason);
	return SF_TLS_FAIL_OTHER;
}

static int
handshake_failed(struct sf_tls_info *info, struct sf_error *err, enum sf_tls_failure failure,
	const char *why)
{
	info->handshake_ok = false;
	info->failure = failure;
	info->verdict = SF_CERT_HANDSHAKE_FAILED;
	snprintf(info->handshake_error, sizeof info->handshake_error, "%s", why);
	snprintf(info->verify_detail, sizeof info->verify_detail, "%s", why);
	return sf_error_set(err, SF_E_TLS, "TLS handshake failed: %s", why);
}

/* The library's compiled-in CA file and folder are both absent (a
 * static binary built on another distribution): looked at once a run. */
static bool builder_missing;
static pthread_once_t builder_checked = PTHREAD_ONCE_INIT;

static void
check_builder_path(void)
{
	builder_missing = access(X509_get_default_cert_file(), R_OK) != 0 &&
			  access(X509_get_default_cert_dir(), R_OK) != 0;
}

static bool
builder_path_missing(void)
{
	pthread_once(&builder_checked, check_builder_path);
	return builder_missing;
}

static SSL_CTX *
make_ctx(const struct sf_tls_config *cfg, struct sf_error *err)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL) {
		sf_error_set(err, SF_E_TLS, "cannot create a TLS context");
		return NULL;
	}
	if (cfg->ca_file != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, cfg->ca_file, NULL) != 1) {
			ERR_clear_error();
			SSL_CTX_free(ctx);
			sf_error_set(err, SF_E_USAGE, "cannot load CA file %s", cfg->ca_file);
			return NULL;
		}
	} else {
		/* The library's default is its builder's path: where this
		 * system has nothing there (a static binary on another
		 * distribution), its own bundle is looked for instead. */
		const char *bundle = builder_path_missing() ? sf_ca_bundle() : NULL;

		SSL_CTX_set_default_verify_paths(ctx);
		if (bundle != NULL && SSL_CTX_load_verify_locations(ctx, bundle, NULL) != 1)
			ERR_clear_error();
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_cb);
	return ctx;
}

int
sf_tls_start(int fd, const struct sf_tls_config *cfg, struct sf_tls **out, struct sf_tls_info *info,
	struct sf_error *err)
{
	struct sf_tls *t;
	X509_VERIFY_PARAM *param;

	*out = NULL;
	memset(info, 0, sizeof *info);
	if (verify_log_index < 0)
		verify_log_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	t = OPENSSL_zalloc(sizeof *t);
	if (t == NULL)
		return sf_error_set(err, SF_E_NOMEM, "out of memory");
	snprintf(t->host, sizeof t->host, "%s", cfg->host);
	t->ctx = make_ctx(cfg, err);
	if (t->ctx == NULL) {
		OPENSSL_free(t);
		handshake_failed(info, NULL, SF_TLS_FAIL_LOCAL,
			err != NULL ? err->message : "cannot set up TLS");
		return -1;
	}
	t->ssl = SSL_new(t->ctx);
	if (t->ssl == NULL || SSL_set_fd(t->ssl, fd) != 1) {
		sf_tls_close(t);
		return handshake_failed(
			info, err, SF_TLS_FAIL_LOCAL, "cannot set up the TLS session");
	}
	SSL_set_ex_data(t->ssl, verify_log_index, &t->vlog);
	param = SSL_get0_param(t->ssl);
	if (is_ip_literal(cfg->host)) {
		X509_VERIFY_PARAM_set1_ip_asc(param, cfg->host);
	} else {
		/* SNI lets a server with many names pick the right certificate.
		 * The macro casts away const; OpenSSL copies the name, so a
		 * writable copy here keeps every compiler quiet. */
		char sni[SF_HOST_MAX + 1];

		snprintf(sni, sizeof sni, "%s", cfg->host);
		SSL_set_tlsext_host_name(t->ssl, sni);
		X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		X509_VERIFY_PARAM_set1_host(param, cfg->host, 0);
	}
	*out = t;
	return 0;
}

int
sf_tls_handshake_step(struct sf_tls *t, short *want, struct sf_tls_info *info, struct sf_error *err)
{
	char why[SF_TLS_TEXT_MAX];
	enum sf_tls_failure failure = SF_TLS_FAIL_CLOSED;
	X509 *cert;
	int rc, e;

	*want = 0;
	ERR_clear_error();
	errno = 0;
	rc = SSL_connect(t->ssl);
	if (rc != 1) {
		e = SSL_get_error(t->ssl, rc);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			*want = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
			return 0;
		}
		if ((e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) || peer_closed_error()) {
			snprintf(why, sizeof why, "%s",
				errno == ECONNRESET
					? "the server reset the connection during the handshake"
					: "the server closed the connection during the handshake");
			ERR_clear_error();
		} else {
			char reason[200];

			openssl_reason(reason, sizeof reason, "unknown TLS error");
			failure = explain_reason(reason, why, sizeof why);
		}
		return handshake_failed(info, err, failure, why);
	}
	info->handshake_ok = true;
	snprintf(info->version, sizeof info->version, "%s", SSL_get_version(t->ssl));
	snprintf(info->cipher, sizeof info->cipher, "%s", SSL_get_cipher_name(t->ssl));
	cert = SSL_get1_peer_certificate(t->ssl);
	if (cert != NULL) {
		describe_certificate(cert, info);
		X509_free(cert);
		judge(&t->vlog, t->host, info);
	} else {
		info->verdict = SF_CERT_UNTRUSTED;
		snprintf(info->verify_detail, sizeof info->verify_detail,
			"the server presented no certificate");
	}
	return 1;
}

void
sf_tls_handshake_timeout(struct sf_tls_info *info, struct sf_error *err)
{
	handshake_failed(
		info, NULL, SF_TLS_FAIL_TIMEOUT, "the server did not finish the handshake in time");
	sf_error_set(
		err, SF_E_TIMEOUT, "TLS handshake failed: the server did not finish it in time");
}

int
sf_tls_hmac_md5(
	const void *key, size_t keylen, const void *msg, size_t msglen, unsigned char out[16])
{
	unsigned int len = 16;

	return HMAC(EVP_md5(), key, (int)keylen, msg, msglen, out, &len) != NULL && len == 16 ? 0
											      : -1;
}

static ssize_t
io_result(struct sf_tls *t, int rc, short *want, struct sf_error *err, bool reading)
{
	char why[SF_TLS_TEXT_MAX];
	int e = SSL_get_error(t->ssl, rc);

	switch (e) {
	case SSL_ERROR_WANT_READ: *want = POLLIN; return -1;
	case SSL_ERROR_WANT_WRITE: *want = POLLOUT; return -1;
	case SSL_ERROR_ZERO_RETURN: return 0;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_error() == 0) {
			if (reading && errno != ECONNRESET)
				return 0; /* closed without close_notify: treat as end */
			return sf_error_set(err, SF_E_RESET, "the server reset the connection");
		}
		break;
	default:
		if (reading && peer_closed_error()) {
			ERR_clear_error();
			return 0; /* closed without close_notify: end of stream */
		}
		break;
	}
	openssl_reason(why, sizeof why, "TLS error");
	return sf_error_set(err, SF_E_TLS, "TLS error: %s", why);
}

ssize_t
sf_tls_read(struct sf_tls *t, void *buf, size_t len, short *want, struct sf_error *err)
{
	int rc;

	*want = 0;
	ERR_clear_error();
	rc = SSL_read(t->ssl, buf, len > 65536 ? 65536 : (int)len);
	if (rc > 0)
		return rc;
	return io_result(t, rc, want, err, true);
}

ssize_t
sf_tls_write(struct sf_tls *t, const void *buf, size_t len, short *want, struct sf_error *err)
{
	int rc;

	*want = 0;
	ERR_clear_error();
	rc = SSL_write(t->ssl, buf, len > 65536 ? 65536 : (int)len);
	if (rc > 0)
		return rc;
	return io_result(t, rc, want, err, false);
}

void
sf_tls_close(struct sf_tls *t)
{
	if (t == NULL)
		return;
	if (t->ssl != NULL) {
		SSL_shutdown(t->ssl); /* one try, never waits: the socket is non-blocking */
		SSL_free(t->ssl);
	}
	SSL_CTX_free(t->ctx);
	ERR_clear_error();
	OPENSSL_free(t);
}

/* --- The server side, for the practice server (smtpfix lab). --- */

struct sf_tls_server {
	SSL_CTX *ctx;
};

static EVP_PKEY *
lab_key(void)
{
	EVP_PKEY_CTX *kctx = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, NULL);
	EVP_PKEY *key = NULL;

	if (kctx != NULL && EVP_PKEY_keygen_init(kctx) > 0 &&
		EVP_PKEY_CTX_set_ec_paramgen_curve_nid(kctx, NID_X9_62_prime256v1) > 0)
		EVP_PKEY_keygen(kctx, &key);
	EVP_PKEY_CTX_free(kctx);
	return key;
}

static int
add_cert_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (ext == NULL)
		return -1;
	X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return 0;
}

static char *
pem_of(int (*write)(BIO *, void *), void *obj)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *copy = NULL;
	long n;

	if (b == NULL)
		return NULL;
	if (write(b, obj) == 1 && (n = BIO_get_mem_data(b, &data)) > 0) {
		copy = OPENSSL_malloc((size_t)n + 1);
		if (copy != NULL) {
			memcpy(copy, data, (size_t)n);
			copy[n] = '\0';
		}
	}
	BIO_free(b);
	return copy;
}

static int
write_cert(BIO *b, void *x)
{
	return PEM_write_bio_X509(b, x);
}

static int
write_key(BIO *b, void *k)
{
	return PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
}

int
sf_tls_make_cert(
	const struct sf_tls_cert_request *rq, struct sf_tls_cert *out, struct sf_error *err)
{
	X509 *cert = X509_new();
	EVP_PKEY *key = lab_key(), *sign_key = NULL;
	X509 *issuer = NULL;
	X509_NAME *name;
	static long serial = 1000;
	int ok = 0;

	memset(out, 0, sizeof *out);
	if (cert == NULL || key == NULL)
		goto done;
	if (rq->issuer != NULL) {
		BIO *b = BIO_new_mem_buf(rq->issuer->cert_pem, -1);
		BIO *k = BIO_new_mem_buf(rq->issuer->key_pem, -1);

		issuer = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
		sign_key = k ? PEM_read_bio_PrivateKey(k, NULL, NULL, NULL) : NULL;
		BIO_free(b);
		BIO_free(k);
		if (issuer == NULL || sign_key == NULL)
			goto done;
	}
	X509_set_version(cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
	X509_gmtime_adj(X509_getm_notBefore(cert), rq->valid_from_s);
	X509_gmtime_adj(X509_getm_notAfter(cert), rq->valid_to_s);
	X509_set_pubkey(cert, key);
	name = X509_get_subject_name(cert);
	X509_NAME_add_entry_by_txt(
		name, "CN", MBSTRING_ASC, (const unsigned char *)rq->common_name, -1, -1, 0);
	X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name);
	if (rq->is_ca) {
		add_cert_ext(
			cert, issuer ? issuer : cert, NID_basic_constraints, "critical,CA:TRUE");
		add_cert_ext(cert, issuer ? issuer : cert, NID_key_usage,
			"critical,keyCertSign,cRLSign");
	}
	if (rq->san != NULL)
		add_cert_ext(cert, issuer ? issuer : cert, NID_subject_alt_name, rq->san);
	if (!X509_sign(cert, sign_key ? sign_key : key, EVP_sha256()))
		goto done;
	out->cert_pem = pem_of(write_cert, cert);
	out->key_pem = pem_of(write_key, key);
	ok = out->cert_pem != NULL && out->key_pem != NULL;
done:
	X509_free(cert);
	X509_free(issuer);
	EVP_PKEY_free(key);
	EVP_PKEY_free(sign_key);
	ERR_clear_error();
	if (!ok) {
		sf_tls_cert_free(out);
		return sf_error_set(
			err, SF_E_TLS, "cannot make a certificate for %s", rq->common_name);
	}
	return 0;
}

void
sf_tls_cert_free(struct sf_tls_cert *c)
{
	OPENSSL_free(c->cert_pem);
	OPENSSL_free(c->key_pem);
	c->cert_pem = c->key_pem = NULL;
}

struct sf_tls_server *
sf_tls_server_new(const struct sf_tls_cert *c, struct sf_error *err)
{
	struct sf_tls_server *s = OPENSSL_zalloc(sizeof *s);
	BIO *b = BIO_new_mem_buf(c->cert_pem, -1), *k = BIO_new_mem_buf(c->key_pem, -1);
	X509 *cert = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	EVP_PKEY *key = k ? PEM_read_bio_PrivateKey(k, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	BIO_free(k);
	if (s != NULL)
		s->ctx = SSL_CTX_new(TLS_server_method());
	if (s == NULL || s->ctx == NULL || cert == NULL || key == NULL ||
		SSL_CTX_use_certificate(s->ctx, cert) != 1 ||
		SSL_CTX_use_PrivateKey(s->ctx, key) != 1) {
		X509_free(cert);
		EVP_PKEY_free(key);
		sf_tls_server_free(s);
		ERR_clear_error();
		sf_error_set(err, SF_E_TLS, "cannot set up the practice server's TLS");
		return NULL;
	}
	X509_free(cert);
	EVP_PKEY_free(key);
	return s;
}

void
sf_tls_server_free(struct sf_tls_server *s)
{
	if (s == NULL)
		return;
	SSL_CTX_free(s->ctx);
	OPENSSL_free(s);
}

int
sf_tls_accept_start(struct sf_tls_server *srv, int fd, struct sf_tls **out, struct sf_error *err)
{
	struct sf_tls *t = OPENSSL_zalloc(sizeof *t);

	*out = NULL;
	if (t == NULL)
		return sf_error_set(err, SF_E_NOMEM, "out of memory");
	t->ssl = SSL_new(srv->ctx);
	if (t->ssl == NULL || SSL_set_fd(t->ssl, fd) != 1) {
		sf_tls_close(t);
		return sf_error_set(err, SF_E_TLS, "cannot start TLS");
	}
	*out = t;
	return 0;
}

int
sf_tls_accept_step(struct sf_tls *t, short *want, struct sf_error *err)
{
	int rc, e;

	*want = 0;
	ERR_clear_error();
	rc = SSL_accept(t->ssl);
	if (rc == 1)
		return 1;
	e = SSL_get_error(t->ssl, rc);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		*want = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
		return 0;
	}
	ERR_clear_error();
	return sf_error_set(err, SF_E_TLS, "the client's TLS handshake failed");
}
