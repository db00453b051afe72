/* The record of a conversation with a server: every line each way, with a
 * timestamp, plus notes for TLS and connection events. Anything that could
 * carry a secret is redacted before it is stored, never at display time. */
#ifndef SMTPFIX_TRANSCRIPT_H
#define SMTPFIX_TRANSCRIPT_H

#include <stdbool.h>
#include <stddef.h>

#include "smtpfix/error.h"

#define SF_TRANSCRIPT_MAX_ENTRIES 400 /* later entries are counted, not kept */
#define SF_TRANSCRIPT_MAX_LINE 1024   /* longer lines are cut, with a note */

enum sf_dir {
	SF_DIR_CLIENT, /* C: what smtpfix sent */
	SF_DIR_SERVER, /* S: what the server sent */
	SF_DIR_NOTE    /* *: connection and TLS events */
};

struct sf_transcript_entry {
	double ms; /* since the start of the target's probe */
	enum sf_dir dir;
	char *text;
};

struct sf_transcript {
	struct sf_transcript_entry *entries;
	size_t count;
	size_t dropped; /* entries past the maximum */
	double t0;
	double (*clock)(void); /* monotonic ms; replaceable in tests */
};

void sf_transcript_init(struct sf_transcript *t, double (*clock)(void));
void sf_transcript_free(struct sf_transcript *t);
/* Record a line as is (after cutting it to the maximum length). */
void sf_transcript_add(struct sf_transcript *t, enum sf_dir dir, const char *text, size_t len);
void sf_transcript_note(struct sf_transcript *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Record a command smtpfix sends. in_auth says the session is inside an
 * AUTH exchange, where every client line is a credential. */
void sf_transcript_client(struct sf_transcript *t, const char *line, size_t len, bool in_auth);

/* The redacted form of a client command line, written to out (NUL
 * terminated, cut to outsz). Returns true if anything was redacted. */
bool sf_redact_command(const char *line, size_t len, bool in_auth, char *out, size_t outsz);

const char *sf_dir_tag(enum sf_dir dir); /* "C", "S", "*" */

#endif
