/* What a domain publishes to mail programs that set themselves up:
 * Mozilla autoconfig (Thunderbird, and the ISPDB it falls back to),
 * Microsoft Autodiscover in its POX form (Outlook: the two POST addresses,
 * the _autodiscover._tcp SRV record, the plain-HTTP redirect), and the
 * RFC 6186 SRV records discovery already reads. Every fetch runs under a
 * deadline with a size cap and a bounded number of redirects, names are
 * resolved by smtpfix's own DNS (--dns-server), ports go through the
 * probe's --port-map, and every answer is untrusted: parsed with libxml2
 * without network access, entities or DTDs, and every value kept is
 * checked before it is used. */
#ifndef SMTPFIX_AUTOCONFIG_H
#define SMTPFIX_AUTOCONFIG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "smtpfix/dns.h"
#include "smtpfix/error.h"
#include "smtpfix/net.h"

#define SF_AC_BODY_MAX (128 * 1024) /* real answers are a few kilobytes */
#define SF_AC_MAX_REDIRECTS 5       /* Thunderbird and Outlook follow a few */
#define SF_AC_URL_MAX 512
#define SF_AC_DETAIL_MAX 240
#define SF_AC_MAX_SOURCES 16
#define SF_AC_MAX_SERVERS 12 /* outgoing entries kept over every source */
#define SF_AC_USER_MAX 320
#define SF_AC_MAX_MAPS 8

/* Where a setting was published. One table gives the id and the program
 * that reads it. */
enum sf_ac_kind {
	SF_AC_MOZILLA,      /* the domain's own config-v1.1.xml */
	SF_AC_ISPDB,        /* Thunderbird's database, when the domain has none */
	SF_AC_AUTODISCOVER, /* Autodiscover POX */
	SF_AC_SRV,          /* RFC 6186 / RFC 8314 records */
	SF_AC_KIND_COUNT
};
const char *sf_ac_kind_id(enum sf_ac_kind k);      /* "autoconfig", "ispdb", ... */
const char *sf_ac_kind_program(enum sf_ac_kind k); /* "Thunderbird", "Outlook", ... */

/* What one place gave. */
enum sf_ac_status {
	SF_ACS_NOT_TRIED,
	SF_ACS_FOUND,         /* an answer with at least one outgoing server */
	SF_ACS_EMPTY,         /* a valid answer without an outgoing server */
	SF_ACS_NOT_FOUND,     /* 404 and the like, or an empty SRV answer */
	SF_ACS_NO_NAME,       /* the host name does not resolve */
	SF_ACS_UNREACHABLE,   /* refused, no route, reset */
	SF_ACS_TIMEOUT,       /* no answer in time */
	SF_ACS_TLS_NAME,      /* the certificate does not cover the host name */
	SF_ACS_TLS_UNTRUSTED, /* not signed by a trusted authority, expired */
	SF_ACS_TLS_ERROR,     /* another handshake failure */
	SF_ACS_HTTP_ERROR,    /* a status other than 200, 404 or a redirect */
	SF_ACS_TOO_LARGE,     /* more than SF_AC_BODY_MAX */
	SF_ACS_MALFORMED,     /* not XML, or not the format */
	SF_ACS_REDIRECTS,     /* more than SF_AC_MAX_REDIRECTS, or a loop */
	SF_ACS_BAD_REDIRECT,  /* to another scheme, or to a place that is not a URL */
	SF_ACS_SKIPPED,       /* not asked: an earlier source answered */
	SF_ACS_COUNT
};
const char *sf_ac_status_id(enum sf_ac_status s); /* "found", "tls-name", ... */
const char *sf_ac_status_words(
	enum sf_ac_status s); /* "found", "certificate does not cover the name" */
/* True when a program reading this place meets a broken answer (not a
 * mere absence). */
bool sf_ac_status_broken(enum sf_ac_status s);

struct sf_ac_source {
	enum sf_ac_kind kind;
	char url[SF_AC_URL_MAX];       /* first address asked (for SRV: the record) */
	char final_url[SF_AC_URL_MAX]; /* after redirects */
	bool post;                     /* Autodiscover's POST */
	int redirects;
	enum sf_ac_status status;
	long http_status;              /* 0 when no HTTP answer */
	char detail[SF_AC_DETAIL_MAX]; /* plain ASCII, sanitized */
	size_t nservers;               /* outgoing servers this source gave */
	double ms;
};

/* The security a published entry asks for; the same values as the
 * probe's enum sf_security (none, STARTTLS, TLS from the first byte). */
enum { SF_AC_SEC_NONE, SF_AC_SEC_STARTTLS, SF_AC_SEC_TLS };

/* How a program logs in, as the published file says. */
enum sf_ac_auth {
	SF_ACA_UNKNOWN,
	SF_ACA_PASSWORD, /* password-cleartext, Autodiscover's default */
	SF_ACA_PASSWORD_ENCRYPTED,
	SF_ACA_OAUTH2,
	SF_ACA_NONE, /* no login at all */
	SF_ACA_OTHER /* client-IP-address, smtp-after-pop, NTLM, GSSAPI ... */
};
const char *sf_ac_auth_id(enum sf_ac_auth a);

/* The form of the login name published. */
enum sf_ac_user {
	SF_ACU_UNKNOWN, /* none given */
	SF_ACU_ADDRESS, /* %EMAILADDRESS% or the address itself */
	SF_ACU_LOCAL,   /* %EMAILLOCALPART% or the part before @ */
	SF_ACU_OTHER
};
const char *sf_ac_user_id(enum sf_ac_user u);

/* One published outgoing server, placeholders filled. */
struct sf_ac_server {
	enum sf_ac_kind kind;
	size_t source; /* index into sources */
	int rank;      /* 0: the one the program uses; later ones are fallbacks */
	char host[SF_HOST_MAX + 1];
	int port;
	bool security_known; /* Autodiscover's "Auto", or nothing said: false */
	int security;        /* SF_AC_SEC_* when known */
	enum sf_ac_auth auth;
	enum sf_ac_user user_form;
	char username[SF_AC_USER_MAX + 1];
	bool host_valid; /* a host name smtpfix can use (else host holds it escaped) */
};

struct sf_published {
	char email[SF_AC_USER_MAX + 1]; /* "" when a domain was given */
	char domain[SF_HOST_MAX + 1];
	struct sf_ac_source sources[SF_AC_MAX_SOURCES];
	size_t nsources;
	struct sf_ac_server servers[SF_AC_MAX_SERVERS];
	size_t nservers;
	/* The domain's mail exchangers, and where Autodiscover sends the
	 * program: the SMTP server an answer names, and the host its SRV
	 * record or redirect leads to, for the "another provider" check. */
	char mx[SF_DNS_MAX_ANSWERS][SF_HOST_MAX + 1];
	size_t nmx;
	char autodiscover_host[SF_HOST_MAX + 1];
	char autodiscover_via[SF_HOST_MAX + 1];
	bool cancelled;
};

struct sf_ac_port_map {
	int port, real;
};

struct sf_ac_options {
	const char *dns_server; /* NULL: the system's resolver */
	const char *ca_file;    /* NULL: the system's trust store */
	int timeout_ms;         /* per fetch (and for the DNS lookups) */
	struct sf_ac_port_map maps[SF_AC_MAX_MAPS];
	size_t nmaps;
	/* Names answered without DNS (--resolve): name -> address. */
	const char *const *resolve_names;
	const char *const *resolve_addrs;
	size_t nresolve;
	bool no_ispdb; /* do not ask Thunderbird's database */
	atomic_bool *cancel;
};

/* Look up everything the domain of input (an address or a domain)
 * publishes, the places in the order the programs try them. -1 only for
 * bad input or a library that cannot start; each place's failure is in
 * its source. */
int sf_published_fetch(const char *input, const struct sf_ac_options *o, struct sf_published *out,
	struct sf_error *err);

/* The readers, for the fetcher and the tests: body (len bytes) read as
 * each format, servers appended to out (source index src). Placeholders
 * are filled from out->email and out->domain. Return the number of
 * outgoing servers found, or -1 when body is not that format (err says
 * why). Autodiscover's redirect answers (redirectUrl, redirectAddr)
 * leave the target in *redirect (may be NULL). */
int sf_ac_read_mozilla(
	const char *body, size_t len, struct sf_published *out, size_t src, struct sf_error *err);
int sf_ac_read_autodiscover(const char *body, size_t len, struct sf_published *out, size_t src,
	char *redirect, size_t redirectsz, struct sf_error *err);

#endif
