/* Where this system keeps the certificate authorities it trusts. A
 * binary built on one distribution (the static one above all) carries
 * its builder's idea of the path; the server it runs on may keep the
 * bundle elsewhere, so the usual places are looked at in turn. */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "smtpfix/net.h"

static const char *const bundles[] = {
	"/etc/ssl/certs/ca-certificates.crt", /* Debian, Ubuntu, Alpine, Arch */
	"/etc/pki/tls/certs/ca-bundle.crt",   /* RHEL, AlmaLinux, Rocky, CloudLinux */
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* RHEL's extracted form */
	"/etc/ssl/ca-bundle.pem",                            /* openSUSE, SLES */
	"/var/lib/ca-certificates/ca-bundle.pem",            /* SUSE's generated bundle */
	"/etc/ssl/cert.pem",                                 /* Alpine, the BSDs */
	NULL,
};

static const char *found;
static pthread_once_t looked = PTHREAD_ONCE_INIT;

/* Looked at once a run: every TLS context and every fetch asks. */
static void
look(void)
{
	/* The variable OpenSSL itself reads comes first: a person who set
	 * it meant it. */
	const char *env = getenv("SSL_CERT_FILE");

	if (env != NULL && env[0] != '\0' && access(env, R_OK) == 0) {
		found = env;
		return;
	}
	for (size_t i = 0; bundles[i] != NULL && found == NULL; i++)
		if (access(bundles[i], R_OK) == 0)
			found = bundles[i];
}

const char *
sf_ca_bundle(void)
{
	pthread_once(&looked, look);
	return found;
}
