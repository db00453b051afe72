/* Discovery: from an email address, a domain or a host name to the
 * outgoing servers worth probing, with what every DNS lookup found.
 * Lookups run concurrently under one deadline and never block past it. */
#ifndef SMTPFIX_DNS_H
#define SMTPFIX_DNS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "smtpfix/error.h"
#include "smtpfix/net.h"

#define SF_DNS_MAX_LOOKUPS 48
#define SF_DNS_MAX_ANSWERS 8
#define SF_DNS_MAX_CANDIDATES 16
#define SF_DNS_ANSWER_MAX 300
#define SF_DNS_DETAIL_MAX 512
/* Aliases (CNAME) followed in one answer before it counts as broken;
 * real chains have one or two. */
#define SF_DNS_MAX_CNAME_CHAIN 8

enum sf_dns_status {
	SF_DNS_OK,
	SF_DNS_NXDOMAIN,  /* the name does not exist */
	SF_DNS_NODATA,    /* the name exists, without records of this type */
	SF_DNS_TIMEOUT,   /* no answer in time */
	SF_DNS_SERVFAIL,  /* the DNS server failed */
	SF_DNS_REFUSED,   /* the DNS server refused to answer */
	SF_DNS_ERROR,     /* anything else (detail says what) */
	SF_DNS_CNAME_LOOP /* the name's aliases (CNAME) lead back to each other */
};

struct sf_dns_lookup {
	char name[SF_HOST_MAX + 32];
	char type[8]; /* SRV, MX, A, AAAA */
	enum sf_dns_status status;
	char detail[SF_DNS_DETAIL_MAX]; /* ASCII only: names from DNS in it are escaped */
	char answers[SF_DNS_MAX_ANSWERS][SF_DNS_ANSWER_MAX];
	size_t nanswers;
	double ms;
};

struct sf_candidate {
	char host[SF_HOST_MAX + 1];
	char source[48]; /* why it is a candidate: "SRV _submissions._tcp", "MX", ... */
	int port;        /* from SRV, else 0 */
	struct sf_addr_list addrs;
};

struct sf_discovery {
	char input[SF_HOST_TYPED_MAX + 80];
	char domain[SF_HOST_MAX + 1]; /* as DNS holds it (A-labels for an international name) */
	char domain_typed[SF_HOST_TYPED_MAX + 1]; /* as typed, when that was Unicode; else "" */
	bool input_is_address;                    /* the input was an email address */
	struct sf_dns_lookup lookups[SF_DNS_MAX_LOOKUPS];
	size_t nlookups;
	struct sf_candidate candidates[SF_DNS_MAX_CANDIDATES];
	size_t ncandidates;
	bool cancelled;
};

struct sf_dns_options {
	const char *server;  /* "ADDR" or "ADDR:PORT" ([v6]:PORT); NULL: the system's */
	int timeout_ms;      /* for the whole discovery */
	atomic_bool *cancel; /* only read */
	/* Only the name's own addresses: no SRV, MX or mail./smtp. names
	 * (for checking a name, not finding a server). */
	bool host_only;
};

/* Run discovery for input. A domain typed in Unicode is looked up in its
 * A-label form (see sf_host_to_ascii). SRV and MX targets that are not
 * host names (letters, digits, hyphens and dots) are shown in the lookup
 * as refused and never become candidates. Returns -1 only for bad input
 * or a resolver that cannot be set up; DNS failures are recorded in the
 * lookups. */
int sf_discover(const char *input, const struct sf_dns_options *o, struct sf_discovery *out,
	struct sf_error *err);

/* Look up each names[i] as types[i] ("A", "AAAA", "SRV", "MX"), all at
 * once under o's deadline; the answers land in out->lookups (out holds
 * nothing else). -1 only for bad input or a resolver that cannot start. */
int sf_dns_lookup_many(const char *const *names, const char *const *types, size_t n,
	const struct sf_dns_options *o, struct sf_discovery *out, struct sf_error *err);
/* The lookup of name as type in d, or NULL. */
const struct sf_dns_lookup *sf_dns_find_lookup(
	const struct sf_discovery *d, const char *name, const char *type);
/* The addresses d's A and AAAA lookups found for host. */
void sf_dns_host_addresses(
	const struct sf_discovery *d, const char *host, struct sf_addr_list *out);

/* A name's addresses through c-ares alone (/etc/hosts, then DNS, read by
 * c-ares itself): the static binary's resolver, which cannot use the C
 * library's NSS modules. 0, or an EAI_ code as getaddrinfo gives. */
int sf_dns_resolve(const char *host, struct sf_addr_list *out);

const char *sf_dns_status_id(enum sf_dns_status s);

/* True if s is a DNS server as --dns-server takes it: an IPv4 or IPv6
 * address, ADDR:PORT, or [IPv6]:PORT. */
bool sf_dns_server_valid(const char *s);

#endif
