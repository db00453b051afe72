/* Setup files: the verified setting written in the forms mail programs
 * and their admins read (an Apple configuration profile, a Mozilla
 * autoconfig file, an Autodiscover answer, an msmtp configuration, a
 * short message for the customer). Pure: an account in, bytes out; the
 * caller decides where they go. XML is written with libxml2's writer, so
 * every value is escaped by the library, never by hand. The sentences a
 * person reads (the message, the comments of the msmtp file, the names
 * of the profile) come from help/setup/. */
#ifndef SMTPFIX_SETUP_H
#define SMTPFIX_SETUP_H

#include <stdbool.h>
#include <stddef.h>

#include "smtpfix/buf.h"
#include "smtpfix/error.h"
#include "smtpfix/net.h"
#include "smtpfix/probe.h"

/* The largest file written; real ones are a few kilobytes. */
#define SF_SETUP_MAX (256 * 1024)
#define SF_SETUP_EMAIL_MAX 320
#define SF_SETUP_LOCAL_MAX 64 /* the part before the @ (RFC 5321) */
#define SF_SETUP_NAME_MAX 128
#define SF_SETUP_UUID_LEN 36 /* 8-4-4-4-12 hexadecimal digits */
/* The reversed domain, ".smtpfix." and the local part made safe. */
#define SF_SETUP_ID_MAX (SF_HOST_MAX + 16 + SF_SETUP_LOCAL_MAX)

enum sf_setup_format {
	SF_SETUP_MOBILECONFIG, /* Apple configuration profile, com.apple.mail.managed */
	SF_SETUP_AUTOCONFIG,   /* Mozilla config-v1.1.xml, to publish */
	SF_SETUP_AUTODISCOVER, /* Autodiscover (POX) response, to publish */
	SF_SETUP_MSMTP,        /* an msmtp account */
	SF_SETUP_TEXT,         /* the settings in a short message */
	SF_SETUP_FORMAT_COUNT
};

/* The table of formats: "mobileconfig", "autoconfig", ...; -1 when id
 * names none. */
const char *sf_setup_format_id(enum sf_setup_format f);
int sf_setup_format_from_id(const char *id);
/* The file name a format is saved under by default ("smtpfix.mobileconfig",
 * "config-v1.1.xml", "autodiscover.xml", "msmtprc", "settings.txt"). */
const char *sf_setup_format_file(enum sf_setup_format f);
/* The ids joined by ", ", for a usage message. */
const char *sf_setup_format_list(void);

struct sf_setup_account {
	char email[SF_SETUP_EMAIL_MAX + 1];
	char local[SF_SETUP_LOCAL_MAX + 1];   /* the part before the @ */
	char domain[SF_HOST_MAX + 1];         /* the address's domain, as DNS holds it */
	char display_name[SF_SETUP_NAME_MAX]; /* may be "" */

	/* Outgoing: the setting the probe verified. */
	char smtp_host[SF_HOST_MAX + 1];
	int smtp_port;
	enum sf_security smtp_security;
	bool smtp_auth;
	char smtp_user[SF_SETUP_EMAIL_MAX + 1]; /* the login name ("" with no login) */

	/* Incoming (IMAP), as given or found; incoming_checked says whether
	 * a greeting was read from it (the message says when it was not).
	 * Its login is smtp_user, or the address when the outgoing server
	 * takes none. */
	char imap_host[SF_HOST_MAX + 1];
	int imap_port;
	enum sf_security imap_security;
	bool incoming_checked;

	/* A profile's identity: PayloadIdentifier (reverse DNS, one per
	 * address, so a profile made again replaces the one installed) and
	 * the UUIDs of the profile and its payload (random; tests give
	 * fixed ones). */
	char identifier[SF_SETUP_ID_MAX + 1];
	char profile_uuid[SF_SETUP_UUID_LEN + 1];
	char payload_uuid[SF_SETUP_UUID_LEN + 1];
};

/* Fill an account from an address and a verified outgoing setting; the
 * incoming server defaults to imap_host (NULL: the outgoing host) on
 * port 993 with TLS, the login to the address (user NULL; none when auth
 * is false), and the identifiers from the domain and random UUIDs.
 * -1 (SF_E_USAGE) when the address is not one (one @, a local part of
 * 1-64 characters an address may hold unquoted, a valid domain; valid
 * UTF-8) or another value could not be written safely. */
int sf_setup_account_init(struct sf_setup_account *a, const char *email, const char *host, int port,
	enum sf_security security, bool auth, const char *user, const char *imap_host,
	struct sf_error *err);

/* The name shown in sent mail (may be ""): valid UTF-8, no control or
 * hidden character, shorter than SF_SETUP_NAME_MAX. -1 (SF_E_USAGE)
 * otherwise. */
int sf_setup_account_set_name(struct sf_setup_account *a, const char *name, struct sf_error *err);

/* A random version 4 UUID, in capitals (as Apple's tools write them). */
int sf_setup_uuid(char out[SF_SETUP_UUID_LEN + 1], struct sf_error *err);

/* Write a in format f into out (appended). No password is ever written:
 * the formats that could hold one leave it for the program to ask.
 * -1 with err when a value cannot be written (not UTF-8, too long, a
 * character the format cannot carry). */
int sf_setup_render(enum sf_setup_format f, const struct sf_setup_account *a, struct sf_buf *out,
	struct sf_error *err);

/* The words a format's readers use for a security setting: "STARTTLS",
 * "SSL/TLS", "None" (from help/setup/message.txt). */
const char *sf_setup_security_words(enum sf_security s, char *out, size_t outsz);

#endif
