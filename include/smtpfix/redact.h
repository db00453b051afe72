/* Taking a password back out of what a server says.
 *
 * A hostile or careless server can answer a login with the credentials it
 * received: in clear, as the base64 it was sent, inside a longer base64
 * text at any of the three byte alignments, or as the whole AUTH PLAIN
 * string. Every such form is computed once from the password and replaced
 * by SF_REDACTED in server text before that text is recorded anywhere
 * (transcript, stored replies, certificate names, messages). Matching
 * ignores case, so an echo the server upper-cased is caught too. */
#ifndef SMTPFIX_REDACT_H
#define SMTPFIX_REDACT_H

#include <stdbool.h>
#include <stddef.h>

#include "smtpfix/error.h"

#define SF_REDACTED "[redacted]"
/* Forms: the clear password, its whole base64, the AUTH PLAIN string, and
 * the fully determined part of its base64 at each of three alignments. */
#define SF_REDACT_MAX_FORMS 6
/* Shorter passwords are not searched for in clear: a two-letter password
 * would blank out every word holding those letters. */
#define SF_REDACT_MIN_CLEAR 3
/* Base64 fragments shorter than this match too much ordinary text. */
#define SF_REDACT_MIN_B64 4

struct sf_redactor {
	size_t nforms;
	char *form[SF_REDACT_MAX_FORMS]; /* NUL-terminated, longest first */
	size_t len[SF_REDACT_MAX_FORMS];
};

/* Build the forms of secret (secret_len bytes); user is the login name
 * (for the AUTH PLAIN string) and may be NULL. An empty secret gives a
 * redactor that matches nothing. */
int sf_redactor_init(struct sf_redactor *r, const char *user, const char *secret, size_t secret_len,
	struct sf_error *err);
/* Wipe and free the forms (they are secrets themselves). */
void sf_redactor_free(struct sf_redactor *r);

/* True when text holds any form. r may be NULL (matches nothing). */
bool sf_redact_found(const struct sf_redactor *r, const char *text, size_t len);
/* A new NUL-terminated copy of text with every form replaced by
 * SF_REDACTED, its length in *outlen (may be NULL). NULL when out of
 * memory. r may be NULL (a plain copy). */
char *sf_redact_dup(const struct sf_redactor *r, const char *text, size_t len, size_t *outlen);
/* The same in a fixed NUL-terminated buffer; the result is cut to fit.
 * Returns true when something was replaced. */
bool sf_redact_buf(const struct sf_redactor *r, char *buf, size_t size);

#endif
