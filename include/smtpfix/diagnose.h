/* Diagnosis: facts (probe results, the server's policy and log, recognized
 * error text) to findings with stable cause ids, a sentence in plain
 * words, and the evidence each rests on. Pure: no I/O. Rules are a table;
 * adding one is one entry there and one help file in help/causes/. */
#ifndef SMTPFIX_DIAGNOSE_H
#define SMTPFIX_DIAGNOSE_H

#include <stdbool.h>
#include <stddef.h>

#include "smtpfix/explain.h"
#include "smtpfix/mta.h"
#include "smtpfix/mta_log.h"
#include "smtpfix/probe.h"

#define SF_DIAG_MAX_FINDINGS 16
#define SF_DIAG_MAX_EVIDENCE 6
#define SF_DIAG_TEXT_MAX     480
#define SF_DIAG_MAX_SERVER   8

struct sf_diag_finding {
	char cause[48];
	char severity[12];   /* problem, warning, info */
	double confidence;   /* 0..1 */
	char text[SF_DIAG_TEXT_MAX]; /* the cause in one or two sentences */
	char evidence[SF_DIAG_MAX_EVIDENCE][SF_DIAG_TEXT_MAX];
	size_t nevidence;
};

struct sf_server_option {
	char text[SF_DIAG_TEXT_MAX];
	bool weakens; /* lowers security: listed last, with what it exposes */
};

struct sf_diagnosis {
	struct sf_diag_finding findings[SF_DIAG_MAX_FINDINGS]; /* most important first */
	size_t nfindings;
	struct sf_recommendation settings; /* what to set in the mail program */
	struct sf_server_option server[SF_DIAG_MAX_SERVER];
	size_t nserver;
};

struct sf_diag_input {
	const struct sf_probe_result *probe;  /* may be NULL */
	const struct sf_policy *policy;       /* may be NULL */
	const struct sf_log_scan *log;        /* may be NULL */
	const struct sf_explain_result *text; /* may be NULL */
};

void sf_diagnose(const struct sf_diag_input *in, struct sf_diagnosis *out);

#endif
