#include "support/testcert.h"

#include <stdio.h>
#include <string.h>

static int
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (f == NULL)
		return -1;
	rc = fputs(text, f) < 0 ? -1 : 0;
	return fclose(f) != 0 ? -1 : rc;
}

int
testcert_make(struct testcert *tc, const char *dir, const char *name, const char *cn,
	const char *san, long from_s, long to_s, const struct testcert *issuer, int is_ca)
{
	struct sf_tls_cert_request rq = { cn, san, from_s, to_s, is_ca != 0,
		issuer ? &issuer->pem : NULL };
	struct sf_error err;

	memset(tc, 0, sizeof *tc);
	if (sf_tls_make_cert(&rq, &tc->pem, &err) < 0)
		return -1;
	snprintf(tc->cert_path, sizeof tc->cert_path, "%s/%s.crt", dir, name);
	snprintf(tc->key_path, sizeof tc->key_path, "%s/%s.key", dir, name);
	if (write_file(tc->cert_path, tc->pem.cert_pem) < 0 ||
		write_file(tc->key_path, tc->pem.key_pem) < 0)
		return -1;
	return 0;
}

void
testcert_free(struct testcert *tc)
{
	sf_tls_cert_free(&tc->pem);
	memset(tc, 0, sizeof *tc);
}
