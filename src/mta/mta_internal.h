/* Readers inside the mta layer, called by policy.c. */
#ifndef SMTPFIX_MTA_INTERNAL_H
#define SMTPFIX_MTA_INTERNAL_H

#include <stdint.h>

#include "smtpfix/mta.h"

/* Cuts white space off both ends in place; returns the new start. */
char *sf_mta_trim(char *s);

void sf_postfix_read(struct sf_policy *p, const char *root, const char *postconf_bin);
void sf_dovecot_read(struct sf_policy *p, const char *root, bool cpanel);

#endif
