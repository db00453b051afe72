/* The recognizer: pasted error text (server replies, client dialogs, log
 * lines) to likely causes, from the catalog in help/errors/catalog.txt. */
#ifndef SMTPFIX_EXPLAIN_H
#define SMTPFIX_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "smtpfix/error.h"

#define SF_EXPLAIN_MAX_CAUSES  12
#define SF_EXPLAIN_TEXT_MAX    (64 * 1024) /* longest paste considered */
#define SF_EXPLAIN_FIELD_MAX   400

struct sf_explain_cause {
	char cause[48];
	double score;
	char entry[64];                     /* the catalog entry that gave it */
	char matched[SF_EXPLAIN_FIELD_MAX]; /* the part of the text it rests on */
	char means[SF_EXPLAIN_FIELD_MAX];
	char next[SF_EXPLAIN_FIELD_MAX];
	char warning[SF_EXPLAIN_FIELD_MAX]; /* misleading advice in the message, or "" */
};

struct sf_explain_result {
	struct sf_explain_cause causes[SF_EXPLAIN_MAX_CAUSES]; /* best first */
	size_t ncauses;
	char family[48]; /* when nothing is recognized: the closest family, or "" */
	/* Advice in the pasted message that leads astray (from any entry that
	 * matched, even when another one gave its cause a higher score). */
	char warnings[4][SF_EXPLAIN_FIELD_MAX];
	size_t nwarnings;
};

/* Recognize text against the catalog (its text, as in help/). */
int sf_explain(const char *text, size_t len, const char *catalog, size_t catlen,
	struct sf_explain_result *out, struct sf_error *err);

/* Check a catalog: every entry has an id, a match or hint, and causes
 * from `known` (NULL-terminated). Problems go to err, one at a time. */
int sf_explain_check_catalog(const char *catalog, size_t catlen, const char *const *known,
	struct sf_error *err);

/* Every cause id smtpfix knows (the design's, and those added since),
 * NULL-terminated. Each has help/causes/ID.txt. */
extern const char *const sf_cause_ids[];

#endif
