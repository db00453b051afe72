/* The service extensions a server lists in its EHLO reply. */
#ifndef SMTPFIX_SMTP_EHLO_H
#define SMTPFIX_SMTP_EHLO_H

#include <stdbool.h>
#include <stddef.h>

#include "smtpfix/smtp_reply.h"

#define SF_EHLO_MAX_EXTENSIONS 64
#define SF_AUTH_MAX_MECHS 16
#define SF_AUTH_MECH_MAX 32

struct sf_ehlo {
	/* Every extension line as the server wrote it (keyword and params). */
	char *extensions[SF_EHLO_MAX_EXTENSIONS];
	size_t nextensions;

	bool starttls, pipelining, eightbitmime, smtputf8, enhancedstatuscodes;
	bool chunking, size_known;
	unsigned long long size; /* SIZE limit; 0 means no fixed limit */

	/* AUTH mechanisms, upper case, from "AUTH a b" and the old "AUTH=a b"
	 * form, merged without duplicates. */
	char auth[SF_AUTH_MAX_MECHS][SF_AUTH_MECH_MAX];
	size_t nauth;
	bool auth_offered;  /* an AUTH line was present at all */
	bool auth_old_form; /* the pre-RFC "AUTH=" form was used */
};

/* Fill e from an EHLO reply (first line is the greeting, not an extension). */
int sf_ehlo_parse(struct sf_ehlo *e, const struct sf_reply *r, struct sf_error *err);
void sf_ehlo_free(struct sf_ehlo *e);
bool sf_ehlo_has_auth(const struct sf_ehlo *e, const char *mech);

#endif
