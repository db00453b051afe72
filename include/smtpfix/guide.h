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
};

/* Every client id (help/clients/ID.txt), NULL-terminated. */
extern const char *const sf_client_ids[];

/* Render a client guide into out. Placeholders: {host} {port} {security}
 * {auth} {user}. Unknown placeholders are an error (SF_E_USAGE). */
int sf_guide_render(const char *text, size_t len, const struct sf_guide_values *v,
	struct sf_buf *out, struct sf_error *err);

/* The client's label for a security mode ("STARTTLS", "SSL/TLS", ...). */
int sf_guide_label(const char *text, size_t len, enum sf_guide_security s, char *out, size_t outsz);

const char *sf_guide_security_id(enum sf_guide_security s);

#endif
