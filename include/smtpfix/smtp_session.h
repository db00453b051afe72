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
#include "smtpfix/smtp_ehlo.h"
#include "smtpfix/smtp_reply.h"
#include "smtpfix/transcript.h"

#define SF_SMTP_CMD_MAX 1024 /* longest command smtpfix writes */

enum sf_tls_policy {
	SF_TLS_NEVER,       /* plain: do not upgrade even if offered */
	SF_TLS_IF_OFFERED,  /* STARTTLS when offered, else go on in plain */
	SF_TLS_REQUIRED,    /* STARTTLS or stop */
	SF_TLS_IMPLICIT     /* the driver completed TLS before the greeting */
};

enum sf_step {
	SF_STEP_GREETING,
	SF_STEP_EHLO,
	SF_STEP_HELO,
	SF_STEP_STARTTLS,
	SF_STEP_TLS_HANDSHAKE,
	SF_STEP_EHLO_TLS,
	SF_STEP_MAIL,
	SF_STEP_RCPT,
	SF_STEP_RSET,
	SF_STEP_QUIT,
	SF_STEP_DONE
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
	bool rcpt_test;                  /* MAIL FROM + RCPT TO without login */
	struct sf_transcript *transcript; /* may be NULL */
};

/* One command and its reply. */
struct sf_exchange {
	bool sent;         /* the command was written (greeting: connection made) */
	bool replied;      /* a complete reply arrived */
	struct sf_reply reply;
	bool disconnected; /* the server closed the connection right after it */
};

struct sf_session_result {
	struct sf_exchange greeting, ehlo, helo, starttls, ehlo_tls, mail, rcpt, rset, quit;
	struct sf_ehlo caps;     /* from EHLO before TLS (valid if ehlo.replied 2xx) */
	struct sf_ehlo caps_tls; /* from EHLO under TLS */
	bool caps_valid, caps_tls_valid;
	bool tls_active;
	bool starttls_offered;   /* STARTTLS listed in the plain EHLO */
	bool starttls_trailing;  /* bytes followed the 220 reply to STARTTLS */

	/* Why the session stopped early, if it did. */
	enum sf_errcode fail_code;   /* SF_OK when the conversation completed */
	enum sf_step fail_step;
	char fail_message[SF_ERROR_MSG_MAX];
};

struct sf_session {
	struct sf_session_config cfg;
	enum sf_step step;
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

/* What step the session is waiting on, in words ("the greeting"). */
const char *sf_step_name(enum sf_step step);
/* Short id for JSON ("greeting", "ehlo", ...). */
const char *sf_step_id(enum sf_step step);

#endif
