/* Readers inside the mta layer, called by policy.c. */
#ifndef SMTPFIX_MTA_INTERNAL_H
#define SMTPFIX_MTA_INTERNAL_H

#include <stdint.h>

#include "smtpfix/mta.h"

/* Cuts white space off both ends in place; returns the new start. */
char *sf_mta_trim(char *s);

void sf_postfix_read(struct sf_policy *p, const char *root, const char *postconf_bin);
void sf_dovecot_read(struct sf_policy *p, const char *root, bool cpanel);

/* Fields of one mail-log line (logline.c), shared by the line classifier
 * and the connection event parser: bounded spans, never trusted. */
#include <stdbool.h>
#include <stddef.h>

#define TLS_CALL "(call):" /* in conts: Exim's TLS error continuation, " (SSL_accept):" */

/* A syslog line's program ("postfix/submission/smtpd") and where its
 * message starts. */
struct syslog_head {
	const char *tag, *msg;
	size_t taglen;
};

const char *sf_lf_find(const char *line, size_t len, const char *needle);
int sf_lf_digits(const char *s, size_t n, int *out);
const char *sf_lf_ip_literal(const char *p, const char *end, char *out, size_t outsz);
const char *sf_lf_last_key(const char *line, const char *limit, const char *key, size_t klen);
/* The client of an Exim line: the host field after key, checked against
 * what that line form writes next (conts). Returns the end of the
 * address literal (where ":port" may follow), or NULL with out "". */
const char *sf_lf_exim_client(const char *line, size_t len, const char *key, bool from_last,
	const char *const *conts, char *out, size_t outsz);
bool sf_lf_syslog_head(const char *l, size_t len, struct syslog_head *sh);
bool sf_lf_exim_stamp(const char *l, size_t len);
bool sf_lf_tag_has(const struct syslog_head *sh, const char *part);
bool sf_lf_is_postfix(const struct syslog_head *sh);
bool sf_lf_postfix_client(
	const char *from, const char *end, const char *key, char *out, size_t outsz);
void sf_lf_word_after(const char *line, size_t len, const char *from, const char *key,
	const char *stop, char *out, size_t outsz);
/* Exim's " I=[ip]:port" after the client, else the Postfix service's
 * port, else fallback. */
int sf_lf_server_port(const char *line, size_t len, const char *after_client,
	const struct syslog_head *sh, int fallback);
void sf_lf_dovecot_rip(const char *line, size_t len, char *out, size_t outsz);

#endif
