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

/* The password policy of a process that is about to hold one (every front
 * end calls it before a password is read or typed): no core dump from now
 * on (a limit of 0 that cannot be raised again) and no other process of
 * this user may read this one's memory. Safe to call more than once. */
void sf_secret_protect_process(void);

/* Read one line (without its newline) from f into a new secret. */
int sf_secret_read_line(struct sf_secret *s, FILE *f, struct sf_error *err);
int sf_secret_set(struct sf_secret *s, const char *text, struct sf_error *err);
void sf_secret_free(struct sf_secret *s);

#endif
