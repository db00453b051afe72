/* Text and JSON renderings of results. Pure: they write into a buffer and
 * leave printing to the caller. */
#ifndef SMTPFIX_REPORT_H
#define SMTPFIX_REPORT_H

#include <stdbool.h>

#include "smtpfix/buf.h"
#include "smtpfix/diagnose.h"
#include "smtpfix/dns.h"
#include "smtpfix/json.h"
#include "smtpfix/mta.h"
#include "smtpfix/mta_log.h"
#include "smtpfix/probe.h"

#define SF_REPORT_MAX (4 * 1024 * 1024)

/* The stable JSON document of a probe (see README); discovery may be NULL. */
int sf_report_probe_json(const struct sf_probe_result *res, const struct sf_discovery *discovery,
	const struct sf_diagnosis *diag, bool with_transcript, struct sf_buf *out,
	struct sf_error *err);

/* The same document's members, written into an object the caller has
 * begun (a saved report adds its own members beside them). */
void sf_report_probe_json_members(struct sf_json *j, const struct sf_probe_result *res,
	const struct sf_discovery *discovery, const struct sf_diagnosis *diag,
	bool with_transcript);

/* Discovery: every lookup with what it found, and the candidates. */
void sf_report_discovery_json(struct sf_json *j, const struct sf_discovery *d);
int sf_report_discovery_text(
	const struct sf_discovery *d, struct sf_buf *out, struct sf_error *err);

/* A short human summary: what works, what does not, in plain words. Every
 * string that came from the server is sanitized. */
int sf_report_probe_text(const struct sf_probe_result *res, const struct sf_diagnosis *diag,
	bool details, bool with_transcript, struct sf_buf *out, struct sf_error *err);

/* The local server's policy and its mail log (scan may be NULL). */
int sf_report_policy_json(const struct sf_policy *p, const struct sf_log_scan *scan,
	struct sf_buf *out, struct sf_error *err);
void sf_report_policy_json_members(
	struct sf_json *j, const struct sf_policy *p, const struct sf_log_scan *scan);
int sf_report_policy_text(const struct sf_policy *p, const struct sf_log_scan *scan,
	struct sf_buf *out, struct sf_error *err);

/* One attempt seen by watch: text for a person (a few lines, 80
 * columns) or one JSON object on one line. implicit_tls: the port speaks
 * TLS from the first byte (the security words say SSL/TLS, not STARTTLS). */
/* What the domain publishes (d->published_from, when the run fetched it):
 * "published" as a JSON member, or a text section (nothing when absent). */
void sf_report_published_json_members(struct sf_json *j, const struct sf_diagnosis *d);
int sf_report_published_text(
	const struct sf_diagnosis *d, struct sf_buf *out, struct sf_error *err);

struct sf_watch_seen;
int sf_report_attempt_text(
	const struct sf_watch_seen *s, bool implicit_tls, struct sf_buf *out, struct sf_error *err);
int sf_report_attempt_json(
	const struct sf_watch_seen *s, bool implicit_tls, struct sf_buf *out, struct sf_error *err);
/* "none", "starttls", "ssl-tls" or "unknown" */
struct sf_attempt;
const char *sf_report_attempt_security(const struct sf_attempt *a, bool implicit_tls);

#endif
