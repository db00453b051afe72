/* The autoconfig layer's vocabularies, one table each. */
#include <stddef.h>

#include "smtpfix/autoconfig.h"

static const struct {
	const char *id, *program;
} kinds[SF_AC_KIND_COUNT] = {
	[SF_AC_MOZILLA] = { "autoconfig", "Thunderbird" },
	[SF_AC_ISPDB] = { "ispdb", "Thunderbird" },
	[SF_AC_AUTODISCOVER] = { "autodiscover", "Outlook" },
	[SF_AC_SRV] = { "srv", "programs that read SRV records" },
};

const char *
sf_ac_kind_id(enum sf_ac_kind k)
{
	return (unsigned)k < SF_AC_KIND_COUNT ? kinds[k].id : "?";
}

const char *
sf_ac_kind_program(enum sf_ac_kind k)
{
	return (unsigned)k < SF_AC_KIND_COUNT ? kinds[k].program : "?";
}

static const struct {
	const char *id, *words;
	bool broken;
} statuses[SF_ACS_COUNT] = {
	[SF_ACS_NOT_TRIED] = { "not-tried", "not tried", false },
	[SF_ACS_FOUND] = { "found", "found", false },
	[SF_ACS_EMPTY] = { "empty", "answers, without an outgoing server", false },
	[SF_ACS_NOT_FOUND] = { "not-found", "nothing published", false },
	[SF_ACS_NO_NAME] = { "no-name", "the name does not resolve", false },
	[SF_ACS_UNREACHABLE] = { "unreachable", "no connection", false },
	[SF_ACS_TIMEOUT] = { "timeout", "no answer in time", false },
	[SF_ACS_TLS_NAME] = { "tls-name", "its certificate does not cover the name", true },
	[SF_ACS_TLS_UNTRUSTED] = { "tls-untrusted", "its certificate is not trusted", true },
	[SF_ACS_TLS_ERROR] = { "tls-error", "the TLS handshake fails", true },
	[SF_ACS_HTTP_ERROR] = { "http-error", "an HTTP error", true },
	[SF_ACS_TOO_LARGE] = { "too-large", "the answer is too large", true },
	[SF_ACS_MALFORMED] = { "malformed", "the answer is not a valid file of its kind", true },
	[SF_ACS_REDIRECTS] = { "redirects", "too many redirects, or a loop", true },
	[SF_ACS_BAD_REDIRECT] = { "bad-redirect", "a redirect to a place a program will not follow",
		true },
	[SF_ACS_SKIPPED] = { "skipped", "not asked (the domain publishes its own)", false },
};

const char *
sf_ac_status_id(enum sf_ac_status s)
{
	return (unsigned)s < SF_ACS_COUNT ? statuses[s].id : "?";
}

const char *
sf_ac_status_words(enum sf_ac_status s)
{
	return (unsigned)s < SF_ACS_COUNT ? statuses[s].words : "?";
}

bool
sf_ac_status_broken(enum sf_ac_status s)
{
	return (unsigned)s < SF_ACS_COUNT && statuses[s].broken;
}

const char *
sf_ac_auth_id(enum sf_ac_auth a)
{
	switch (a) {
	case SF_ACA_PASSWORD: return "password";
	case SF_ACA_PASSWORD_ENCRYPTED: return "password-encrypted";
	case SF_ACA_OAUTH2: return "oauth2";
	case SF_ACA_NONE: return "none";
	case SF_ACA_OTHER: return "other";
	case SF_ACA_UNKNOWN: break;
	}
	return "unknown";
}

const char *
sf_ac_user_id(enum sf_ac_user u)
{
	switch (u) {
	case SF_ACU_ADDRESS: return "address";
	case SF_ACU_LOCAL: return "local-part";
	case SF_ACU_OTHER: return "other";
	case SF_ACU_UNKNOWN: break;
	}
	return "unknown";
}
