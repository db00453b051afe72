/* CMS (PKCS #7) signatures, for setup files a device checks before it
 * installs them (an Apple profile shows "Verified" when it is signed by a
 * certificate the device trusts). OpenSSL stays in this layer: the caller
 * hands bytes and two file names and gets DER back. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "smtpfix/tls.h"

/* A certificate file with its chain is a few kilobytes; a key file less. */
#define CERT_FILE_MAX (1024 * 1024)
#define KEY_FILE_MAX (64 * 1024)

struct signer {
	X509 *cert;
	STACK_OF(X509) * chain;
	EVP_PKEY *key;
};

static void
signer_free(struct signer *s)
{
	X509_free(s->cert);
	if (s->chain != NULL)
		sk_X509_pop_free(s->chain, X509_free);
	EVP_PKEY_free(s->key);
	memset(s, 0, sizeof *s);
}

/* The whole file, up to max bytes, into b. */
static int
read_file(const char *path, const char *what, size_t max, struct sf_buf *b, struct sf_error *err)
{
	char chunk[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = 0;

	sf_buf_init(b, max);
	if (fd < 0)
		return sf_error_set(
			err, SF_E_USAGE, "cannot read the %s %s: %s", what, path, strerror(errno));
	for (;;) {
		n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (sf_buf_add(b, chunk, (size_t)n, err) < 0) {
			close(fd);
			sf_memwipe(chunk, sizeof chunk);
			return sf_error_set(err, SF_E_USAGE, "the %s %s is larger than %zu bytes",
				what, path, max);
		}
	}
	sf_memwipe(chunk, sizeof chunk);
	close(fd);
	if (n < 0)
		return sf_error_set(
			err, SF_E_IO, "cannot read the %s %s: %s", what, path, strerror(errno));
	return 0;
}

/* OpenSSL asks on the terminal for a key's passphrase unless told
 * otherwise; smtpfix never prompts from a library, so a protected key is
 * refused with its own message. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	*(int *)u = 1;
	return -1;
}

static int
load_signer(const char *cert_file, const char *key_file, struct signer *s, struct sf_error *err)
{
	struct sf_buf certs, key;
	BIO *bio;
	X509 *x;
	int asked = 0, rc = 0;

	memset(s, 0, sizeof *s);
	if (read_file(cert_file, "certificate file", CERT_FILE_MAX, &certs, err) < 0) {
		sf_buf_free(&certs);
		return -1;
	}
	bio = certs.len > 0 && certs.len <= INT_MAX ? BIO_new_mem_buf(certs.data, (int)certs.len)
						    : NULL;
	/* The first certificate signs; any after it are its chain, sent
	 * along so the device can build the path to a root it trusts. */
	s->cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	s->chain = sk_X509_new_null();
	while (s->cert != NULL && s->chain != NULL &&
		(x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		if (!sk_X509_push(s->chain, x)) {
			X509_free(x);
			break;
		}
	BIO_free(bio);
	sf_buf_free(&certs);
	ERR_clear_error();
	if (s->cert == NULL || s->chain == NULL) {
		signer_free(s);
		return sf_error_set(err, SF_E_USAGE,
			"the certificate file %s holds no PEM certificate", cert_file);
	}

	if (read_file(key_file, "key file", KEY_FILE_MAX, &key, err) < 0) {
		sf_buf_wipe(&key);
		signer_free(s);
		return -1;
	}
	bio = key.len > 0 && key.len <= INT_MAX ? BIO_new_mem_buf(key.data, (int)key.len) : NULL;
	s->key = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, &asked) : NULL;
	BIO_free(bio);
	/* The key's bytes are not needed once OpenSSL holds the key. */
	sf_buf_wipe(&key);
	ERR_clear_error();
	if (s->key == NULL)
		rc = sf_error_set(err, SF_E_USAGE,
			asked ? "the key file %s is protected by a passphrase; give a key without "
				"one (openssl pkey -in KEY -out PLAIN-KEY)"
			      : "the key file %s holds no PEM private key",
			key_file);
	else if (X509_check_private_key(s->cert, s->key) != 1)
		rc = sf_error_set(err, SF_E_USAGE,
			"the key in %s does not belong to the certificate in %s (the first "
			"certificate there signs)",
			key_file, cert_file);
	ERR_clear_error();
	if (rc < 0)
		signer_free(s);
	return rc;
}

int
sf_tls_cms_check(const char *cert_file, const char *key_file, struct sf_error *err)
{
	struct signer s;

	if (load_signer(cert_file, key_file, &s, err) < 0)
		return -1;
	signer_free(&s);
	return 0;
}

int
sf_tls_cms_sign(const void *data, size_t len, const char *cert_file, const char *key_file,
	struct sf_buf *out, struct sf_error *err)
{
	struct signer s;
	BIO *in = NULL, *der = NULL;
	CMS_ContentInfo *cms = NULL;
	char *bytes;
	long n;
	int rc = -1;

	if (len > INT_MAX)
		return sf_error_set(err, SF_E_TOO_LONG, "too much to sign");
	if (load_signer(cert_file, key_file, &s, err) < 0)
		return -1;
	in = BIO_new_mem_buf(len > 0 ? data : "", (int)len);
	der = BIO_new(BIO_s_mem());
	/* The content goes inside the signature (a device installs what it
	 * verified), byte for byte: CMS_BINARY keeps line ends as they are
	 * instead of turning them into MIME's CRLF. */
	if (in != NULL && der != NULL)
		cms = CMS_sign(s.cert, s.key, s.chain, in, CMS_BINARY);
	if (cms == NULL || i2d_CMS_bio(der, cms) != 1) {
		char reason[SF_TLS_TEXT_MAX];
		unsigned long e = ERR_get_error();

		snprintf(reason, sizeof reason, "%s",
			e != 0 && ERR_reason_error_string(e) ? ERR_reason_error_string(e)
							     : "unknown reason");
		sf_error_set(err, SF_E_TLS, "cannot sign with %s: %s", cert_file, reason);
	} else {
		n = BIO_get_mem_data(der, &bytes);
		if (n > 0 && sf_buf_add(out, bytes, (size_t)n, err) == 0)
			rc = 0;
		else if (n <= 0)
			sf_error_set(err, SF_E_TLS, "the signature came out empty");
	}
	ERR_clear_error();
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	BIO_free(der);
	signer_free(&s);
	return rc;
}
