/* Discovery: from an email address, a domain or a host name to the
 * outgoing servers worth probing, with what every DNS lookup found.
 * Lookups run concurrently under one deadline and never block past it. */
#ifndef SMTPFIX_DNS_H
#define SMTPFIX_DNS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "smtpfix/error.h"
#include "smtpfix/net.h"

#define SF_DNS_MAX_LOOKUPS    48
#define SF_DNS_MAX_ANSWERS    8
#define SF_DNS_MAX_CANDIDATES 16
#define SF_DNS_ANSWER_MAX     300

enum sf_dns_status {
	SF_DNS_OK,
	SF_DNS_NXDOMAIN,  /* the name does not exist */
	SF_DNS_NODATA,    /* the name exists, without records of this type */
	SF_DNS_TIMEOUT,   /* no answer in time */
	SF_DNS_SERVFAIL,  /* the DNS server failed */
	SF_DNS_REFUSED,   /* the DNS server refused to answer */
	SF_DNS_ERROR      /* anything else (detail says what) */
};

struct sf_dns_lookup {
	char name[SF_HOST_MAX + 32];
	char type[8]; /* SRV, MX, A, AAAA */
	enum sf_dns_status status;
	char detail[128];
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
	char input[SF_HOST_MAX + 80];
	char domain[SF_HOST_MAX + 1];
	bool input_is_address; /* the input was an email address */
	struct sf_dns_lookup lookups[SF_DNS_MAX_LOOKUPS];
	size_t nlookups;
	struct sf_candidate candidates[SF_DNS_MAX_CANDIDATES];
	size_t ncandidates;
	bool cancelled;
};

struct sf_dns_options {
	const char *server;  /* "ADDR" or "ADDR:PORT" ([v6]:PORT); NULL: the system's */
	int timeout_ms;      /* for the whole discovery */
	volatile sig_atomic_t *cancel;
};

/* Run discovery for input. Returns -1 only for bad input or a resolver
 * that cannot be set up; DNS failures are recorded in the lookups. */
int sf_discover(const char *input, const struct sf_dns_options *o, struct sf_discovery *out,
	struct sf_error *err);

const char *sf_dns_status_id(enum sf_dns_status s);

#endif
