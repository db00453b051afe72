/* Built-in terminfo entries (generated at build time from the builder's
 * database by tools/embed-terminfo.sh) for a terminal the system's own
 * database does not know. */
#ifndef SMTPFIX_UI_FALLBACK_H
#define SMTPFIX_UI_FALLBACK_H

#include <stddef.h>

struct sf_terminfo_entry {
	const char *name;
	const unsigned char *data;
	size_t len;
};

extern const struct sf_terminfo_entry sf_terminfo_entries[]; /* ends with a NULL name */

/* When the system's database has no entry for $TERM and one is built in,
 * write it to a private folder and point TERMINFO at it; the folder's
 * path goes into dir (dir[0] stays '\0' otherwise), for
 * sf_ui_terminfo_cleanup once curses has read it. */
void sf_ui_terminfo_fallback(char *dir, size_t dirsz);
void sf_ui_terminfo_cleanup(const char *dir);

#endif
