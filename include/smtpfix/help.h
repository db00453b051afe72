/* The help texts: compiled into the binary from help/, or read from an
 * override folder so a support team can edit them without rebuilding
 * (SMTPFIX_HELP_DIR, or sf_help_set_dir). */
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

/* Use dir (when it holds the file) before the built-in copy. */
void sf_help_set_dir(const char *dir);
/* The text of a help file, or NULL. *len is set. An override file is read
 * into a buffer owned by the help store (kept until the next call for the
 * same path). */
const char *sf_help_get(const char *path, size_t *len);
/* The text of the line "KEY: text" of a help file, with each {name} in it
 * filled from facts (name, value pairs; NULL ends them; NULL for none); a
 * {name} with no fact is left as it is. Returns -1, with "(KEY)" in out,
 * when the file has no such line. */
int sf_help_fill(const char *path, const char *key, const char *const *facts, char *out, size_t outsz);
/* Every built-in path under a folder ("clients/"), for listing. */
size_t sf_help_list(const char *folder, const char **paths, size_t max);

#endif
