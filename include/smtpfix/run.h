/* One run of smtpfix, below every front end (smtpfix probe, both wizard
 * front ends and their re-test): find the server for what was typed (an
 * address through discovery, an international name in the form DNS holds
 * it), probe it, read this machine's own mail server when asked, diagnose,
 * and build the guide for a mail program. Front ends only ask and show;
 * what they show comes from a struct sf_run. No I/O to a person here. */
#ifndef SMTPFIX_RUN_H
#define SMTPFIX_RUN_H

#include <stdbool.h>

#include "smtpfix/attempt.h"
#include "smtpfix/autoconfig.h"
#include "smtpfix/diagnose.h"
#include "smtpfix/dns.h"
#include "smtpfix/explain.h"
#include "smtpfix/guide.h"
#include "smtpfix/mta.h"
#include "smtpfix/mta_log.h"
#include "smtpfix/probe.h"

/* Where the probe goes, for what the person typed. */
struct sf_run_server {
	const char *host;                 /* to probe (points into the run or the typed text) */
	const struct sf_addr_list *addrs; /* already resolved (an address's candidate), or NULL */
	bool from_discovery;              /* an address: host is the candidate found */
	const char *source;               /* how it was found (SRV, MX ...), or "" */
	bool discovery_failed;            /* an address with no candidate that has an address */
	/* An international name converted: both forms, for the front end to say. */
	char idn_typed[SF_HOST_TYPED_MAX + 1];
	char idn_ascii[SF_HOST_MAX + 1];
};

/* Published servers probed besides the run's own, at most. */
#define SF_RUN_PUB_PROBES 4

struct sf_run {
	struct sf_discovery *discovery; /* heap: an address was looked up */
	char ascii[SF_HOST_MAX + 1];
	struct sf_probe_result res;
	bool have_res;
	struct sf_policy *policy; /* heap: this machine's own server, when read */
	struct sf_log_scan *log;
	bool policy_applies; /* it is the probed server's (sf_diag_policy_applies) */
	struct sf_diagnosis diag;
	struct sf_guide guide;
	/* The person's attempt as the server's log showed it (watch): it
	 * joins the diagnosis as what the program really does. */
	struct sf_attempt *attempt; /* heap, or NULL */
	/* What the domain publishes to mail programs (sf_run_check_published),
	 * and the probes of the servers it names that the run had not probed. */
	struct sf_published *published; /* heap, or NULL */
	struct sf_probe_result *pub_probes[SF_RUN_PUB_PROBES];
	size_t npub_probes;
};

void sf_run_init(struct sf_run *r);
void sf_run_free(struct sf_run *r);

/* The server for typed (a host name, an IP address, or an email address).
 * An address is looked up as a mail program's set-up does (SRV, the
 * autoconfig names, MX): the first candidate with an address is taken;
 * with none, its domain (discovery_failed says so). -1 with err only when
 * the lookup could not run at all. */
int sf_run_find_server(struct sf_run *r, const char *typed, const struct sf_dns_options *dns,
	struct sf_run_server *out, struct sf_error *err);

/* For an address whose domain, or mail. and the domain, is one of the
 * names given without DNS (--resolve, the demo's own): that name, as a
 * mail program's set-up would find it; else NULL. */
const char *sf_run_mapped_server(const char *typed, const struct sf_host_map *maps, size_t nmaps);

/* Probe with o (o->host and o->addrs as found); the result replaces any
 * before it. A probe that cannot run leaves a result that says why
 * (resolve_err), and -1 with err. */
int sf_run_probe(struct sf_run *r, const struct sf_probe_options *o, struct sf_error *err);

/* Fetch what the domain of typed (an address or a domain) publishes to
 * mail programs, with po's DNS server, CA file, port map and names, and
 * probe each published server the run's probe has not covered (no login,
 * no message). Call after sf_run_probe; sf_run_diagnose then holds each
 * published setting against what works. -1 only for bad input. */
int sf_run_check_published(struct sf_run *r, const char *typed, const struct sf_probe_options *po,
	bool no_ispdb, struct sf_error *err);
void sf_run_free_published(struct sf_run *r);

/* This machine's own mail server settings and its mail log of the last
 * week, read once, as smtpfix policy reads them (root: a copy, or NULL).
 * -1 when the settings could not be read. */
int sf_run_read_server(struct sf_run *r, const char *root, struct sf_error *err);
/* Reads the mail log again (after the person sent once more), when this
 * machine's server was read. */
void sf_run_rescan_log(struct sf_run *r, const char *root);

/* What the person said of their program's setting now, when they did. */
struct sf_run_now {
	bool known;
	int port;
	enum sf_security security;
};

/* The diagnosis of the last probe, with a pasted text (may be NULL), the
 * setting now, and this machine's server when it is the probed one (a
 * copy given on purpose with --root counts as the probed server's). */
void sf_run_diagnose(struct sf_run *r, const struct sf_explain_result *text,
	const struct sf_run_now *now, bool root_given);

/* The values a guide is filled with, by one rule for every front end: the
 * recommended setting when there is one, else what was typed on 587 with
 * STARTTLS; the user name typed, else the form the server wants. Every
 * value is made plain text (no control or hidden character). */
struct sf_run_guide_values {
	struct sf_guide_values v;
	char host[256], user[256]; /* the renderer keeps 255 bytes of each */
};
void sf_run_guide_values(const struct sf_run *r, const char *typed_host, const char *typed_user,
	struct sf_run_guide_values *out);

/* The guide for client (an id from sf_client_ids) into r->guide. */
int sf_run_guide(struct sf_run *r, const char *client, const char *typed_host,
	const char *typed_user, struct sf_error *err);

#endif
