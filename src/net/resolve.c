/* getaddrinfo() has no timeout of its own, so it runs on a helper thread
 * and the caller waits for it only until the deadline. A resolver that
 * answers late finishes on its own and frees its own result. The static
 * binary asks c-ares instead (it reads /etc/hosts and /etc/resolv.conf
 * itself): the C library's resolver would need its own shared modules
 * (NSS), which a static binary cannot count on finding. */
#include "smtpfix/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <idn2.h>
#include <netdb.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smtpfix/clock.h"

#ifdef SMTPFIX_STATIC
#include "smtpfix/dns.h"
#endif

struct lookup {
	pthread_mutex_t lock;
	pthread_cond_t done_cv;
	int refs; /* caller and thread; the last one out frees */
	bool done;
	int rc; /* an EAI_ code, 0 when found */
	struct sf_addr_list list;
	char host[SF_HOST_MAX + 1];
};

static int copy_results(const struct addrinfo *res, struct sf_addr_list *out);

static void
lookup_release(struct lookup *l)
{
	bool last;

	pthread_mutex_lock(&l->lock);
	last = --l->refs == 0;
	pthread_mutex_unlock(&l->lock);
	if (!last)
		return;
	pthread_mutex_destroy(&l->lock);
	pthread_cond_destroy(&l->done_cv);
	free(l);
}

#ifdef SMTPFIX_STATIC
/* One name through c-ares (dns.c), to the end: the caller's deadline
 * bounds how long anyone waits for it. */
static int
resolve_names(const char *host, struct sf_addr_list *out)
{
	return sf_dns_resolve(host, out);
}
#else
/* One name through the C library, AI_ADDRCONFIG first. */
static int
resolve_names(const char *host, struct sf_addr_list *out)
{
	struct addrinfo hints;
	struct addrinfo *res = NULL;
	int rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc == EAI_NONAME) {
		/* AI_ADDRCONFIG hides ::1 and 127.0.0.1 on hosts without a
		 * non-loopback address of that family; ask again without it. */
		hints.ai_flags = 0;
		rc = getaddrinfo(host, NULL, &hints, &res);
	}
	if (rc == 0) {
		copy_results(res, out);
		freeaddrinfo(res);
	}
	return rc;
}
#endif

/* An address literal needs no resolver at all. */
static bool
literal(const char *host, struct sf_addr_list *out)
{
	struct sf_addr *a = &out->addrs[0];
	struct sockaddr_in *v4 = (struct sockaddr_in *)&a->sa;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&a->sa;

	memset(a, 0, sizeof *a);
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		a->salen = sizeof *v4;
		a->family = AF_INET;
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		a->salen = sizeof *v6;
		a->family = AF_INET6;
	} else {
		return false;
	}
	inet_ntop(a->family,
		a->family == AF_INET ? (const void *)&v4->sin_addr : (const void *)&v6->sin6_addr,
		a->text, sizeof a->text);
	out->count = 1;
	return true;
}

static void *
lookup_thread(void *arg)
{
	struct lookup *l = arg;
	struct sf_addr_list list;
	int rc;

	memset(&list, 0, sizeof list);
	rc = resolve_names(l->host, &list);
	pthread_mutex_lock(&l->lock);
	l->rc = rc;
	l->list = list;
	l->done = true;
	pthread_cond_signal(&l->done_cv);
	pthread_mutex_unlock(&l->lock);
	lookup_release(l);
	return NULL;
}

static void
strip_brackets(const char *host, char *out, size_t outsz)
{
	size_t len = strlen(host);

	if (len >= 2 && host[0] == '[' && host[len - 1] == ']' && len - 2 < outsz) {
		memcpy(out, host + 1, len - 2);
		out[len - 2] = '\0';
	} else {
		snprintf(out, outsz, "%s", host);
	}
}

static int __attribute__((unused))
copy_results(const struct addrinfo *res, struct sf_addr_list *out)
{
	const struct addrinfo *ai;
	size_t i;

	out->count = 0;
	for (ai = res; ai != NULL && out->count < SF_ADDR_MAX; ai = ai->ai_next) {
		struct sf_addr *a = &out->addrs[out->count];
		const void *raw;

		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		if (ai->ai_addrlen > sizeof a->sa)
			continue;
		memset(a, 0, sizeof *a);
		memcpy(&a->sa, ai->ai_addr, ai->ai_addrlen);
		a->salen = ai->ai_addrlen;
		a->family = ai->ai_family;
		raw = ai->ai_family == AF_INET
			      ? (const void *)&((const struct sockaddr_in *)ai->ai_addr)->sin_addr
			      : (const void *)&((const struct sockaddr_in6 *)ai->ai_addr)
					->sin6_addr;
		inet_ntop(ai->ai_family, raw, a->text, sizeof a->text);
		/* getaddrinfo lists an address once per socket type at most, but
		 * some resolvers repeat; keep each address once. */
		for (i = 0; i < out->count; i++)
			if (strcmp(out->addrs[i].text, a->text) == 0)
				break;
		if (i == out->count)
			out->count++;
	}
	return (int)out->count;
}

int
sf_resolve(const char *host, int64_t deadline, struct sf_addr_list *out, struct sf_error *err)
{
	struct lookup *l;
	pthread_t tid;
	pthread_attr_t attr;
	struct timespec ts;
	int64_t left;
	int rc, wrc = 0;

	out->count = 0;
	if (!sf_host_valid(host))
		return sf_error_set(err, SF_E_USAGE, "not a valid host name or address");
	l = calloc(1, sizeof *l);
	if (l == NULL)
		return sf_error_set(err, SF_E_NOMEM, "out of memory");
	strip_brackets(host, l->host, sizeof l->host);
	if (literal(l->host, out)) {
		free(l);
		return 0;
	}
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->done_cv, NULL);
	l->refs = 2;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&tid, &attr, lookup_thread, l) != 0) {
		pthread_attr_destroy(&attr);
		l->refs = 1;
		lookup_release(l);
		return sf_error_set(err, SF_E_SYSTEM, "could not start the resolver");
	}
	pthread_attr_destroy(&attr);

	pthread_mutex_lock(&l->lock);
	while (!l->done && wrc != ETIMEDOUT) {
		left = sf_ms_left(deadline);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += left / 1000;
		ts.tv_nsec += (left % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		wrc = pthread_cond_timedwait(&l->done_cv, &l->lock, &ts);
	}
	if (!l->done) {
		pthread_mutex_unlock(&l->lock);
		lookup_release(l);
		return sf_error_set(err, SF_E_TIMEOUT, "no answer from DNS for '%s' in time", host);
	}
	rc = l->rc;
	if (rc == 0)
		*out = l->list;
	pthread_mutex_unlock(&l->lock);
	lookup_release(l);

	switch (rc) {
	case 0:
		if (out->count == 0)
			return sf_error_set(
				err, SF_E_DNS, "'%s' has no IPv4 or IPv6 address", host);
		return 0;
	case EAI_NONAME:
#ifdef EAI_NODATA
	case EAI_NODATA:
#endif
		return sf_error_set(
			err, SF_E_DNS, "'%s' does not exist in DNS (no such name)", host);
	case EAI_AGAIN:
		return sf_error_set(
			err, SF_E_DNS, "DNS could not answer for '%s' (temporary failure)", host);
	case EAI_FAIL:
		return sf_error_set(err, SF_E_DNS, "DNS failed for '%s' (server failure)", host);
	default:
		return sf_error_set(
			err, SF_E_DNS, "could not resolve '%s': %s", host, gai_strerror(rc));
	}
}

static bool
ldh_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-';
}

int
sf_host_to_ascii(const char *in, char *out, size_t outsz, struct sf_error *err)
{
	size_t i, len = strlen(in);
	bool ascii = true;
	char *a = NULL;
	int rc;

	for (i = 0; i < len; i++)
		if ((unsigned char)in[i] >= 0x80)
			ascii = false;
	if (ascii) {
		if (len >= outsz)
			return sf_error_set(err, SF_E_USAGE,
				"the name is longer than %zu characters", outsz - 1);
		memcpy(out, in, len + 1);
		return 0;
	}
	if (len > SF_HOST_TYPED_MAX)
		return sf_error_set(
			err, SF_E_USAGE, "the name is longer than %d bytes", SF_HOST_TYPED_MAX);
	/* libidn2 drops a space or an underscore on the way ("b\u00fc cher"
	 * comes out as "b\u00fccher"), so the ASCII in the name is checked
	 * here first: a name that is not one must not become another. */
	for (i = 0; i < len; i++)
		if (!ldh_char(in[i]) && in[i] != '.' && (unsigned char)in[i] < 0x80)
			return sf_error_set(err, SF_E_USAGE,
				"a domain name holds only letters, digits, "
				"hyphens and dots");
	/* Non-transitional, as browsers and mail programs now do (German
	 * sharp s stays itself); STD3 rules refuse symbols. */
	rc = idn2_to_ascii_8z(
		in, &a, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL | IDN2_USE_STD3_ASCII_RULES);
	if (rc != IDN2_OK)
		return sf_error_set(err, SF_E_USAGE, "not a valid international domain name (%s)",
			idn2_strerror(rc));
	len = strlen(a);
	for (i = 0, ascii = true; i < len; i++)
		ascii = ascii && (ldh_char(a[i]) || a[i] == '.');
	if (!ascii) {
		idn2_free(a);
		return sf_error_set(err, SF_E_USAGE, "not a valid international domain name");
	}
	if (len >= outsz || len > SF_HOST_MAX) {
		idn2_free(a);
		return sf_error_set(err, SF_E_USAGE, "the name is longer than %d characters in DNS",
			SF_HOST_MAX);
	}
	memcpy(out, a, len + 1);
	idn2_free(a);
	return 1;
}
