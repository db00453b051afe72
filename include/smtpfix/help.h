/* The help texts: compiled into the binary from help/, or read from an
 * override folder so a support team can edit them without rebuilding
 * (SMTPFIX_HELP_DIR). */
#ifndef SMTPFIX_HELP_H
#define SMTPFIX_HELP_H

#include <stddef.h>

#include "smtpfix/buf.h"

#define SF_HELP_FILE_MAX (1u << 20)

struct sf_help_file {
	const char *path; /* "causes/auth-requires-tls.txt" */
	const char *data;
	size_t len;
};

extern const struct sf_help_file sf_help_files[];

/* The text of a help file, or NULL. *len is set. An override file is read
 * once into the help store and kept for the life of the program (at most
 * 64 of them), so the text returned stays valid; the store is safe to use
 * from several threads. */
const char *sf_help_get(const char *path, size_t *len);
/* The text of the line "KEY: text" of a help file, with each {name} in it
 * filled from facts (name, value pairs; NULL ends them; NULL for none); a
 * {name} with no fact is left as it is. Returns -1, with "(KEY)" in out,
 * when the file has no such line. */
int sf_help_fill(
	const char *path, const char *key, const char *const *facts, char *out, size_t outsz);

#endif
