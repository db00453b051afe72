/* A password, held in one buffer that is locked in memory where the
 * system allows it and wiped when it is freed. It is never copied into a
 * transcript, a report or an error message. */
#ifndef SMTPFIX_SECRET_H
#define SMTPFIX_SECRET_H

#include <stddef.h>
#include <stdio.h>

#include "smtpfix/error.h"

#define SF_SECRET_MAX 1024 /* longest password accepted */

struct sf_secret {
	char *data; /* NUL-terminated */
	size_t len;
};

/* Read one line (without its newline) from f into a new secret. */
int sf_secret_read_line(struct sf_secret *s, FILE *f, struct sf_error *err);
int sf_secret_set(struct sf_secret *s, const char *text, struct sf_error *err);
void sf_secret_free(struct sf_secret *s);

#endif
