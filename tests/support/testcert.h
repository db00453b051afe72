/* Test certificates made at test time, on disk: a CA, a server certificate
 * it signed, self-signed ones, expired and future ones. Made by the TLS
 * layer's own certificate maker, as the practice server makes its own. */
#ifndef TESTS_TESTCERT_H
#define TESTS_TESTCERT_H

#include "smtpfix/tls.h"

struct testcert {
	struct sf_tls_cert pem;
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
