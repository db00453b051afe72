#include "support/testcert.h"

#include <stdio.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

static EVP_PKEY *
make_key(void)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, NULL);
	EVP_PKEY *key = NULL;

	if (ctx == NULL)
		return NULL;
	if (EVP_PKEY_keygen_init(ctx) <= 0 ||
		EVP_PKEY_CTX_set_ec_paramgen_curve_nid(ctx, NID_X9_62_prime256v1) <= 0 ||
		EVP_PKEY_keygen(ctx, &key) <= 0)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	return key;
}

static int
add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext == NULL)
		return -1;
	X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return 0;
}

int
testcert_make(struct testcert *tc, const char *dir, const char *name, const char *cn,
	const char *san, long from_s, long to_s, const struct testcert *issuer, int is_ca)
{
	static long serial = 1;
	X509_NAME *subj;
	FILE *f;

	memset(tc, 0, sizeof *tc);
	tc->key = make_key();
	tc->cert = X509_new();
	if (tc->key == NULL || tc->cert == NULL)
		return -1;
	X509_set_version(tc->cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(tc->cert), serial++);
	X509_gmtime_adj(X509_getm_notBefore(tc->cert), from_s);
	X509_gmtime_adj(X509_getm_notAfter(tc->cert), to_s);
	X509_set_pubkey(tc->cert, tc->key);
	subj = X509_get_subject_name(tc->cert);
	X509_NAME_add_entry_by_txt(subj, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(tc->cert, issuer ? X509_get_subject_name(issuer->cert) : subj);
	if (is_ca) {
		add_ext(tc->cert, issuer ? issuer->cert : tc->cert, NID_basic_constraints,
			"critical,CA:TRUE");
		add_ext(tc->cert, issuer ? issuer->cert : tc->cert, NID_key_usage,
			"critical,keyCertSign,cRLSign");
	}
	if (san != NULL)
		add_ext(tc->cert, issuer ? issuer->cert : tc->cert, NID_subject_alt_name, san);
	if (!X509_sign(tc->cert, issuer ? issuer->key : tc->key, EVP_sha256()))
		return -1;
	snprintf(tc->cert_path, sizeof tc->cert_path, "%s/%s.crt", dir, name);
	snprintf(tc->key_path, sizeof tc->key_path, "%s/%s.key", dir, name);
	f = fopen(tc->cert_path, "w");
	if (f == NULL)
		return -1;
	PEM_write_X509(f, tc->cert);
	fclose(f);
	f = fopen(tc->key_path, "w");
	if (f == NULL)
		return -1;
	PEM_write_PrivateKey(f, tc->key, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	return 0;
}

void
testcert_free(struct testcert *tc)
{
	EVP_PKEY_free(tc->key);
	X509_free(tc->cert);
	memset(tc, 0, sizeof *tc);
}
