/* The SMTP client session as a sans-I/O state machine.
 *
 * It never touches a socket: the driver feeds it the server's bytes, takes
 * the bytes it wants sent, performs the TLS handshake when asked, and tells
 * it about end of stream and deadlines. That makes every path testable as a
 * byte script, without a network, TLS or a clock.
 *
 * The conversation it runs is the probe of one target: greeting, EHLO (HELO
 * if EHLO is refused), STARTTLS where the TLS policy says so, EHLO again
 * under TLS, then optionally MAIL FROM and RCPT TO without logging in (the
 * test that reproduces "SMTP AUTH is required..."), RSET and QUIT. Never
 * DATA. */
#ifndef SMTPFIX_SMTP_SESSION_H
#define SMTPFIX_SMTP_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "smtpfix/buf.h"
#include "smtpfix/error.h"
#include "smtpfix/redact.h"
#include "smtpfix/smtp_ehlo.h"
#include "smtpfix/smtp_reply.h"
#include "smtpfix/transcript.h"

#define SF_SMTP_CMD_MAX 1024 /* longest command smtpfix writes */
/* How long to wait for the reply to QUIT. It carries nothing smtpfix needs,
 * and some servers (Exim 4.96) hold it back 200 ms. */
#define SF_QUIT_GRACE_MS 50

enum sf_tls_policy {
	SF_TLS_NEVER,      /* plain: do not upgrade even if offered */
	SF_TLS_IF_OFFERED, /* STARTTLS when offered, else go on in plain */
	SF_TLS_REQUIRED,   /* STARTTLS or stop */
	SF_TLS_IMPLICIT    /* the driver completed TLS before the greeting */
};

enum sf_step {
	SF_STEP_GREETING,
	SF_STEP_EHLO,
	SF_STEP_HELO,
	SF_STEP_STARTTLS,
	SF_STEP_TLS_HANDSHAKE,
	SF_STEP_EHLO_TLS,
	SF_STEP_AUTH,
	SF_STEP_AUTH_CHECK, /* AUTH started without a password, then cancelled */
	SF_STEP_MAIL,
	SF_STEP_RCPT,
	SF_STEP_DATA,
	SF_STEP_MESSAGE,
	SF_STEP_RSET,
	SF_STEP_QUIT,
	SF_STEP_DONE
};

/* How the login test went. */
enum sf_auth_outcome {
	SF_AUTH_NOT_TRIED,   /* no login was asked for */
	SF_AUTH_OK,          /* 235 */
	SF_AUTH_REFUSED,     /* the server said no (535, 534, 538, 454 ...) */
	SF_AUTH_NOT_OFFERED, /* no AUTH in EHLO on this connection */
	SF_AUTH_NO_TLS,      /* held back: no TLS, and plain-text login not allowed */
	SF_AUTH_NO_MECHANISM /* only mechanisms smtpfix does not speak (SCRAM, XOAUTH2 ...) */
};

enum sf_session_want {
	SF_WANT_WRITE, /* output is pending: send it, then ask again */
	SF_WANT_READ,  /* waiting for the server */
	SF_WANT_TLS,   /* perform the TLS handshake, then call sf_session_tls_done */
	SF_WANT_DONE   /* close the connection */
};

struct sf_session_config {
	enum sf_tls_policy tls;
	const char *ehlo_name;
	const char *mail_from;
	const char *rcpt_to;
	bool rcpt_test; /* MAIL FROM + RCPT TO without login */
	/* On a connection with no login to try that lists AUTH (in the EHLO
	 * reply in force: under TLS once it is on): start it (LOGIN, else
	 * PLAIN) and cancel at the first challenge with "*", to see whether
	 * the login listed is really taken. No password is sent. */
	bool auth_check;
	struct sf_transcript *transcript; /* may be NULL */
	/* The password's forms, taken out of everything the server says
	 * before it is recorded or kept (may be NULL). Set it on every
	 * connection of a run that knows a password, not only the login's:
	 * a server can repeat what it learnt on the next connection. */
	const struct sf_redactor *redact;

	/* The login test: with auth_user set, log in after the last EHLO,
	 * then MAIL FROM and RCPT TO (mail_from, rcpt_to), then RSET, or DATA
	 * with `message` when send_test is set. */
	const char *auth_user;
	const char *auth_password; /* not copied; never recorded */
	size_t auth_password_len;
	bool allow_plaintext_auth; /* log in even without TLS */
	bool send_test;
	const char *message; /* headers and body, CRLF lines, no final dot */
	/* HMAC-MD5 for CRAM-MD5 (provided by the TLS layer); NULL: no CRAM-MD5. */
	int (*hmac_md5)(const void *key, size_t keylen, const void *msg, size_t msglen,
		unsigned char out[16]);
};

/* One command and its reply. */
struct sf_exchange {
	bool sent;    /* the command was written (greeting: connection made) */
	bool replied; /* a complete reply arrived */
	struct sf_reply reply;
	bool disconnected; /* the server closed the connection right after it */
};

struct sf_session_result {
	struct sf_exchange greeting, ehlo, helo, starttls, ehlo_tls, auth, mail, rcpt, data,
		message, rset, quit;
	/* The password-free check (auth_check): the reply to "AUTH MECH", and
	 * whether the server refused it although EHLO listed it. */
	struct sf_exchange auth_check;
	char auth_check_mech[SF_AUTH_MECH_MAX];
	bool auth_check_refused;
	bool auth_check_under_tls; /* the check ran under TLS */
	struct sf_ehlo caps;       /* from EHLO before TLS (valid if ehlo.replied 2xx) */
	struct sf_ehlo caps_tls;   /* from EHLO under TLS */
	bool caps_valid, caps_tls_valid;
	bool tls_active;
	bool starttls_offered;  /* STARTTLS listed in the plain EHLO */
	bool starttls_trailing; /* bytes followed the 220 reply to STARTTLS */

	enum sf_auth_outcome auth_outcome;
	char auth_mechanism[SF_AUTH_MECH_MAX]; /* the one used */
	bool plaintext_auth;                   /* the password went over a connection without TLS */

	/* Why the session stopped early, if it did. */
	enum sf_errcode fail_code; /* SF_OK when the conversation completed */
	enum sf_step fail_step;
	char fail_message[SF_ERROR_MSG_MAX];
};

struct sf_session {
	struct sf_session_config cfg;
	enum sf_step step;
	int auth_round;            /* continuation lines sent in the AUTH exchange */
	bool auth_check_cancelled; /* "*" sent in the password-free check */
	bool awaiting_tls;
	struct sf_reply_parser parser;
	struct sf_buf out;
	struct sf_exchange *last; /* last exchange answered, for "closed after" */
	unsigned replies;         /* complete replies so far */
	struct sf_session_result res;
};

void sf_session_init(struct sf_session *s, const struct sf_session_config *cfg);
void sf_session_free(struct sf_session *s);
/* Move the result out of the session (before sf_session_free). */
void sf_session_take_result(struct sf_session *s, struct sf_session_result *out);
void sf_session_result_free(struct sf_session_result *r);

enum sf_session_want sf_session_want(const struct sf_session *s);
/* The bytes to send now; the driver reports how many it wrote. */
const char *sf_session_output(const struct sf_session *s, size_t *len);
void sf_session_output_done(struct sf_session *s, size_t n);

void sf_session_feed(struct sf_session *s, const char *data, size_t len);
void sf_session_tls_done(struct sf_session *s, bool ok, const char *why);
/* The server closed (or, with reset, reset) the connection. */
void sf_session_eof(struct sf_session *s, bool reset);
void sf_session_timeout(struct sf_session *s, int timeout_ms);
/* The driver hit a transport error (reset, write failure). */
void sf_session_abort(struct sf_session *s, enum sf_errcode code, const char *why);

const char *sf_auth_outcome_id(enum sf_auth_outcome o);
/* Choose the mechanism for the login test from what the server offers:
 * under TLS PLAIN, LOGIN, CRAM-MD5; without TLS CRAM-MD5 first, so the
 * password itself is not sent where it can be read. NULL if none fits. */
const char *sf_auth_choose(const struct sf_ehlo *caps, bool under_tls, bool have_cram);

/* What step the session is waiting on, in words ("the greeting"). */
const char *sf_step_name(enum sf_step step);
/* Short id for JSON ("greeting", "ehlo", ...). */
const char *sf_step_id(enum sf_step step);

#endif
