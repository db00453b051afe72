/* Diagnosis: facts (probe results, the server's policy and log, recognized
 * error text) to findings with stable cause ids, a sentence in plain
 * words, and the evidence each rests on. Pure: no I/O. Rules are a table;
 * adding one is one entry there and one help file in help/causes/. */
#ifndef SMTPFIX_DIAGNOSE_H
#define SMTPFIX_DIAGNOSE_H

#include <stdbool.h>
#include <stddef.h>

#include "smtpfix/explain.h"
#include "smtpfix/vocab.h"
#include "smtpfix/mta.h"
#include "smtpfix/mta_log.h"
#include "smtpfix/attempt.h"
#include "smtpfix/autoconfig.h"
#include "smtpfix/probe.h"

#define SF_DIAG_MAX_FINDINGS 16
#define SF_DIAG_MAX_EVIDENCE 6
#define SF_DIAG_TEXT_MAX 480
#define SF_DIAG_MAX_SERVER 8

struct sf_diag_finding {
	enum sf_cause cause;
	enum sf_severity severity;
	double confidence;           /* 0..1 */
	char text[SF_DIAG_TEXT_MAX]; /* the cause in one or two sentences */
	char evidence[SF_DIAG_MAX_EVIDENCE][SF_DIAG_TEXT_MAX];
	size_t nevidence;
	const char *rule; /* the rule that found it first ("attempt", "dns", ...) */
};

struct sf_server_option {
	char text[SF_DIAG_TEXT_MAX];
	bool weakens; /* lowers security: listed last, with what it exposes */
};

/* The kind of server, for advice in its own terms (help/server/advice.txt). */
enum sf_server_kind {
	SF_SERVER_UNKNOWN,
	SF_SERVER_CPANEL,
	SF_SERVER_EXIM,
	SF_SERVER_POSTFIX,
	SF_SERVER_DOVECOT,
	SF_SERVER_OPENSMTPD,
	SF_SERVER_MICROSOFT365,
	SF_SERVER_GOOGLE
};

const char *sf_server_kind_id(enum sf_server_kind k);
const char *sf_server_kind_words(enum sf_server_kind k); /* "Postfix", "cPanel's Exim" */

/* A published outgoing setting held against what the probe of its host
 * found (the settings matrix): what a program set up from it meets. */
enum sf_pub_verdict {
	SF_PUBV_UNCHECKED, /* nothing to hold it against (OAuth2, a port not probed) */
	SF_PUBV_WORKS,
	SF_PUBV_FAILS
};
const char *sf_pub_verdict_id(enum sf_pub_verdict v); /* "unchecked", "works", "fails" */

struct sf_pub_check {
	enum sf_pub_verdict verdict;
	enum sf_outcome outcome; /* the matrix cell it rests on, or SF_OUT_NOT_PROBED */
	char why[SF_DIAG_TEXT_MAX];
};

struct sf_diagnosis {
	enum sf_server_kind kind;
	struct sf_diag_finding findings[SF_DIAG_MAX_FINDINGS]; /* most important first */
	size_t nfindings;
	struct sf_recommendation settings; /* what to set in the mail program */
	struct sf_server_option server[SF_DIAG_MAX_SERVER];
	size_t nserver;
	/* One check for each of the input's published servers, in order. */
	struct sf_pub_check published[SF_AC_MAX_SERVERS];
	size_t npublished;
	const struct sf_published *published_from; /* the input's, while it lives; or NULL */
};

struct sf_diag_input {
	const struct sf_probe_result *probe;  /* may be NULL */
	const struct sf_policy *policy;       /* may be NULL */
	const struct sf_log_scan *log;        /* may be NULL */
	const struct sf_explain_result *text; /* may be NULL */
	/* The recognizer's knowledge, for the replies the probe read; NULL:
	 * sf_diagnose builds the built-in one once for the call. */
	const struct sf_explain_kb *kb;
	/* One attempt of a mail program seen in the server's log (watch):
	 * what it really did, better evidence than any answer. */
	const struct sf_attempt *attempt; /* may be NULL */
	/* What the domain publishes to mail programs (may be NULL), and the
	 * probes of the hosts it names that are not the probed one. */
	const struct sf_published *published;
	const struct sf_probe_result *const *published_probes;
	size_t npublished_probes;
	/* How the mail program is set now, when the person said so. */
	bool now_known;
	int now_port;
	enum sf_security now_security;
};

void sf_diagnose(const struct sf_diag_input *in, struct sf_diagnosis *out);
/* The diagnosis of in->attempt: *finding points into out at the problem
 * that attempt shows (NULL, and false, when it shows none: mail sent, or
 * nothing to go on). */
bool sf_diagnose_attempt(const struct sf_diag_input *in, struct sf_diagnosis *out,
	const struct sf_diag_finding **finding);

/* The sentences of findings live in help/diagnosis/findings.txt, one line
 * a key; sf_diag_text fills {name} from facts (name, value pairs, NULL
 * ends). Returns -1 (and "(key)" in out) when the key has no line. */
extern const char *const sf_diag_text_keys[];
extern const char *const sf_diag_text_facts[];
int sf_diag_text(const char *key, const char *const *facts, char *out, size_t outsz);

/* Does this machine's own mail server configuration speak for the server
 * probed? Only when the probe reached this machine on a port that
 * configuration has (a loopback test server on another port, or a probe
 * of another host, is not it). A copy given on purpose (--root) is taken
 * as the server's: copy_given. */
bool sf_diag_policy_applies(
	const struct sf_policy *pol, const struct sf_probe_result *p, bool copy_given);

/* The one verdict every front end shows and the exit status follows:
 * healthy only when the probe found the server serving mail programs
 * well AND no finding is a problem. *why (may be NULL) gets the first
 * reason otherwise. */
/* The setting to use, as the diagnosis words it (its why names what to
 * change after a refused login); the probe's own when d has none. */
const struct sf_recommendation *sf_diag_settings(
	const struct sf_diagnosis *d, const struct sf_probe_result *p);

bool sf_diag_healthy(
	const struct sf_diagnosis *d, const struct sf_probe_result *p, char *why, size_t whysz);

#endif
