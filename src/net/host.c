#include "smtpfix/net.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

bool
sf_host_valid(const char *s)
{
	size_t len = strlen(s), label = 0, i;
	char tmp[SF_HOST_MAX + 1];
	struct in6_addr a6;

	if (len == 0 || len > SF_HOST_MAX)
		return false;
	if (s[0] == '[' && s[len - 1] == ']' && len - 2 < sizeof tmp) {
		memcpy(tmp, s + 1, len - 2);
		tmp[len - 2] = '\0';
		/* An address literal, as in EHLO [192.0.2.1] or [2001:db8::1]. */
		return inet_pton(AF_INET6, tmp, &a6) == 1 || inet_pton(AF_INET, tmp, &a6) == 1;
	}
	if (strchr(s, ':') != NULL)
		return inet_pton(AF_INET6, s, &a6) == 1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_')
			return false;
		if (c == '-' && label == 0)
			return false;
		if (++label > 63)
			return false;
	}
	return true;
}

bool
sf_host_is_literal(const char *s)
{
	char tmp[SF_HOST_MAX + 1];
	struct in6_addr a6;
	size_t len = strlen(s);

	if (len >= 2 && s[0] == '[' && s[len - 1] == ']' && len - 2 < sizeof tmp) {
		memcpy(tmp, s + 1, len - 2);
		tmp[len - 2] = '\0';
		s = tmp;
	}
	return inet_pton(AF_INET6, s, &a6) == 1 || inet_pton(AF_INET, s, &a6) == 1;
}
