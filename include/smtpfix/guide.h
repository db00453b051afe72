/* The fix guides: help/clients/ID.txt rendered for one person's values,
 * as numbered steps ("Step 3 of 7") that fit 80 columns. Pure. */
#ifndef SMTPFIX_GUIDE_H
#define SMTPFIX_GUIDE_H

#include <stdbool.h>
#include <stddef.h>

#include "smtpfix/buf.h"
#include "smtpfix/error.h"

#define SF_GUIDE_WIDTH 80

enum sf_guide_security { SF_GUIDE_STARTTLS, SF_GUIDE_TLS, SF_GUIDE_NONE };

struct sf_guide_values {
	const char *host;
	int port;
	enum sf_guide_security security;
	bool auth;
	const char *user;
	/* Said at the step that sets the security (the one with {security}),
	 * or NULL: a setting without encryption warns there that the
	 * password crosses the network readable. */
	const char *security_warning;
	/* The server's certificate is not one the program trusts on its own
	 * (a private CA, or the server's self-signed certificate): the guide
	 * adds its trust step and its example trusts ca_file (NULL: the file
	 * the trust step saves, server-ca.pem). */
	bool private_ca;
	const char *ca_file;
};

/* Every client id (help/clients/ID.txt), NULL-terminated. */
extern const char *const sf_client_ids[];

/* The one check of a client id (for every command that takes one): true,
 * with its index in sf_client_ids, when id is one. */
bool sf_client_find(const char *id, size_t *index);

#define SF_GUIDE_MAX_PARTS 64
#define SF_GUIDE_TEXT_MAX (256 * 1024)

/* A guide as data: its parts in order, each a span of the rendered text
 * (wrapped to SF_GUIDE_WIDTH, ending in a line break). A test or note
 * part begins with the blank line that sets it apart. */
/* EXAMPLE: a complete program or configuration file with the values in,
 * to copy as it is (library guides). */
enum sf_guide_part_kind {
	SF_GUIDE_TITLE,
	SF_GUIDE_STEP,
	SF_GUIDE_TEST,
	SF_GUIDE_NOTE,
	SF_GUIDE_EXAMPLE
};

struct sf_guide_part {
	enum sf_guide_part_kind kind;
	size_t off, len; /* in text */
};

struct sf_guide {
	struct sf_buf text;
	struct sf_guide_part parts[SF_GUIDE_MAX_PARTS];
	size_t nparts;
	int nsteps;
};

void sf_guide_init(struct sf_guide *g);
void sf_guide_free(struct sf_guide *g);

/* Build a client guide for these values. Placeholders: {host} {port}
 * {security} {auth} {user}. Unknown placeholders are an error
 * (SF_E_USAGE). */
int sf_guide_build(const char *text, size_t len, const struct sf_guide_values *v,
	struct sf_guide *g, struct sf_error *err);

/* The same guide as one text, appended to out. */
int sf_guide_render(const char *text, size_t len, const struct sf_guide_values *v,
	struct sf_buf *out, struct sf_error *err);

/* The client's label for a security mode ("STARTTLS", "SSL/TLS", ...). */
int sf_guide_label(const char *text, size_t len, enum sf_guide_security s, char *out, size_t outsz);

const char *sf_guide_security_id(enum sf_guide_security s);

#endif
