/* Which addresses are this machine's own: a probe of those from the mail
 * server itself does not see what a remote client sees (cPanel's Exim and
 * Dovecot treat local clients as secure). */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>

#include "smtpfix/net.h"

bool
sf_addr_is_loopback(const struct sf_addr *a)
{
	if (a->family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&a->sa;

		return (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
	}
	if (a->family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->sa;
		const unsigned char *b = s6->sin6_addr.s6_addr;

		if (IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr))
			return true;
		return IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) && b[12] == 127;
	}
	return false;
}

int
sf_local_addresses(struct sf_addr_list *out, struct sf_error *err)
{
	struct ifaddrs *ifa, *i;

	out->count = 0;
	if (getifaddrs(&ifa) < 0)
		return sf_error_set(err, SF_E_SYSTEM, "cannot list this machine's addresses");
	for (i = ifa; i != NULL && out->count < SF_ADDR_MAX; i = i->ifa_next) {
		struct sf_addr *a = &out->addrs[out->count];
		int fam;
		size_t len;
		const void *raw;

		if (i->ifa_addr == NULL)
			continue;
		fam = i->ifa_addr->sa_family;
		if (fam != AF_INET && fam != AF_INET6)
			continue;
		len = fam == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
		memset(a, 0, sizeof *a);
		memcpy(&a->sa, i->ifa_addr, len);
		a->salen = (socklen_t)len;
		a->family = fam;
		raw = fam == AF_INET
			      ? (const void *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr
			      : (const void *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
		inet_ntop(fam, raw, a->text, sizeof a->text);
		if (sf_addr_is_loopback(a))
			continue;
		/* Link-local IPv6 addresses are no use to a remote client. */
		if (fam == AF_INET6 &&
			IN6_IS_ADDR_LINKLOCAL(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr))
			continue;
		out->count++;
	}
	freeifaddrs(ifa);
	return 0;
}

bool
sf_addr_is_local(const struct sf_addr *addr)
{
	struct sf_addr_list mine;
	size_t i;

	if (sf_addr_is_loopback(addr))
		return true;
	if (sf_local_addresses(&mine, NULL) < 0)
		return false;
	for (i = 0; i < mine.count; i++)
		if (strcmp(mine.addrs[i].text, addr->text) == 0)
			return true;
	return false;
}
