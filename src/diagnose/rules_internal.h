/* What the rule files of the diagnosis share (rules.c owns them). */
#ifndef SMTPFIX_RULES_INTERNAL_H
#define SMTPFIX_RULES_INTERNAL_H

#include "smtpfix/diagnose.h"

/* A finding whose sentence comes from help/diagnosis/findings.txt. */
void sf_diag_say_key(struct sf_diag_finding *f, enum sf_cause cause, enum sf_severity severity,
	double confidence, const char *key, const char *const *facts);
void sf_diag_evidence(struct sf_diag_finding *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* One attempt seen in the mail log (attempt.c). */
bool sf_rule_attempt(const struct sf_diag_input *in, struct sf_diag_finding *f);

/* What the domain publishes, held against what works (published.c):
 * fills d->published and adds its findings. */
void sf_diag_published(const struct sf_diag_input *in, struct sf_diagnosis *d);

#endif
