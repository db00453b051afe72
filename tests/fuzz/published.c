/* libFuzzer: any bytes as a Mozilla autoconfig file and as an
 * Autodiscover answer. Every server read must hold bounded, terminated
 * fields; a host kept must be a host name; a port 0 or in range; the
 * redirect target terminated. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "smtpfix/autoconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) \
	do { \
		if (!(c)) \
			__builtin_trap(); \
	} while (0)
#define TERMINATED(field) CHECK(memchr((field), '\0', sizeof(field)) != NULL)

static struct sf_published pub;

static void
check_servers(void)
{
	CHECK(pub.nservers <= SF_AC_MAX_SERVERS);
	for (size_t i = 0; i < pub.nservers; i++) {
		const struct sf_ac_server *s = &pub.servers[i];

		TERMINATED(s->host);
		TERMINATED(s->username);
		CHECK(s->port >= 0 && s->port <= 65535);
		CHECK(!s->host_valid || sf_host_valid(s->host));
		CHECK(s->host_valid || s->host[0] == '\0');
	}
	TERMINATED(pub.autodiscover_host);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char redirect[SF_AC_URL_MAX];
	struct sf_error err;

	memset(&pub, 0, sizeof pub);
	memcpy(pub.email, "bob@example.com", 16);
	memcpy(pub.domain, "example.com", 12);
	pub.nsources = 1;
	sf_ac_read_mozilla((const char *)data, size, &pub, 0, &err);
	check_servers();
	memset(&pub.servers, 0, sizeof pub.servers);
	pub.nservers = 0;
	pub.sources[0].kind = SF_AC_AUTODISCOVER;
	sf_ac_read_autodiscover((const char *)data, size, &pub, 0, redirect, sizeof redirect, &err);
	TERMINATED(redirect);
	check_servers();
	return 0;
}
