/* Test certificates made at test time, in memory and on disk: a CA, a
 * server certificate it signed, self-signed ones, expired and future ones. */
#ifndef TESTS_TESTCERT_H
#define TESTS_TESTCERT_H

#include <openssl/evp.h>
#include <openssl/x509.h>

struct testcert {
	EVP_PKEY *key;
	X509 *cert;
	char cert_path[256];
	char key_path[256];
};

/* Make a certificate for cn with the given subjectAltName list
 * ("DNS:a,IP:127.0.0.1", or NULL), valid from now+from_s to now+to_s
 * seconds, signed by issuer (NULL: self-signed). is_ca marks a CA.
 * Writes PEM files into dir. Returns 0 on success. */
int testcert_make(struct testcert *tc, const char *dir, const char *name, const char *cn,
	const char *san, long from_s, long to_s, const struct testcert *issuer, int is_ca);
void testcert_free(struct testcert *tc);

#endif
