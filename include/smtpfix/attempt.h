/* Attempts: the events of one connection joined (Exim's client address
 * and port, Postfix's smtpd process, Dovecot's session), so that one
 * line says what a mail program did: the port, TLS or not, its login and
 * what happened to it, what was refused and with which words, whether a
 * message was taken. Pure: the caller gives the clock, so a replay can
 * run on the log's own time and a live follower on a monotonic one. */
#ifndef SMTPFIX_ATTEMPT_H
#define SMTPFIX_ATTEMPT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "smtpfix/mta_event.h"

#define SF_ATTEMPT_OPEN_MAX 512 /* connections followed at once; past it the oldest is shown */
#define SF_ATTEMPT_LINES 8      /* log lines kept with an attempt, as its evidence */
#define SF_ATTEMPT_LINE_MAX 400
#define SF_ATTEMPT_DETAILS 1024     /* login-service lines kept to explain a refusal */
#define SF_ATTEMPT_REASON_WINDOW 30 /* seconds between a refusal and its reason, at most */

/* How long after its last line a connection's attempt waits before it is
 * shown: after the close, Exim writes its "no MAIL" summary next; a
 * connection whose close is never logged (Exim without +smtp_connection)
 * is shown when it has been quiet this long. Seconds. */
#define SF_ATTEMPT_GRACE 0.15
#define SF_ATTEMPT_IDLE 5.0
#define SF_ATTEMPT_OPEN_IDLE 330.0 /* Exim's and Postfix's idle limits are 5 minutes */

enum sf_attempt_login {
	SF_LOGIN_NONE,         /* no login in the log */
	SF_LOGIN_TRIED,        /* tried; the outcome was not logged */
	SF_LOGIN_ACCEPTED,     /* taken */
	SF_LOGIN_REFUSED,      /* refused (wrong password, unknown user, ...) */
	SF_LOGIN_UNADVERTISED, /* sent while the server did not offer it */
	SF_LOGIN_PLAINTEXT,    /* refused because it came without TLS */
	SF_LOGINS
};

const char *sf_attempt_login_id(enum sf_attempt_login l);

struct sf_attempt {
	enum sf_event_source source;
	enum sf_event_proto proto;
	char key[SF_EVENT_KEY_MAX];
	char address[SF_LOG_ADDR_MAX];
	int port; /* 0: not logged */
	int tls;  /* 1 used, 0 not, -1 not logged */
	enum sf_attempt_login login;
	unsigned login_failures;
	char user[SF_LOG_USER_MAX];
	char sender[SF_LOG_USER_MAX];         /* the envelope sender it gave, when logged */
	char login_text[SF_EVENT_TEXT_MAX];   /* the server's words on the refusal */
	char login_reason[SF_EVENT_TEXT_MAX]; /* the login service's reason, or "" */
	bool refused;                         /* MAIL or RCPT refused */
	char refused_text[SF_EVENT_TEXT_MAX];
	bool dropped; /* the server hung up on it */
	bool tls_failed;
	bool tls_unmarked; /* an Exim line that would show TLS did not */
	char tls_text[SF_EVENT_TEXT_MAX];
	unsigned messages;     /* messages taken */
	bool messages_logged;  /* the log counts them (not Dovecot's login lines) */
	bool no_auth_attempts; /* a login service's session that never tried (Dovecot) */
	bool closed;
	bool saw_connect;                 /* the opening was logged, so the close will be */
	char commands[SF_EVENT_TEXT_MAX]; /* what the program sent, when logged (Exim's C=) */
	time_t first, last;               /* the log's own times (0: none) */
	char lines[SF_ATTEMPT_LINES][SF_ATTEMPT_LINE_MAX];
	size_t nlines;
	/* internal: the caller's clock at the last line */
	double seen;
};

struct sf_joiner {
	struct sf_attempt *open; /* SF_ATTEMPT_OPEN_MAX of them */
	size_t nopen;
	struct sf_event *details; /* a ring of SF_ATTEMPT_DETAILS login-service lines */
	size_t ndetails, next_detail;
	unsigned long forced; /* shown early because too many were open */
};

typedef void (*sf_attempt_fn)(const struct sf_attempt *a, void *ctx);

int sf_joiner_init(struct sf_joiner *j); /* -1 when out of memory */
void sf_joiner_free(struct sf_joiner *j);
/* One event and its line; `clock` is the caller's time in seconds. An
 * attempt that is complete (or pushed out) is handed to fn. */
void sf_joiner_feed(struct sf_joiner *j, const struct sf_event *ev, const char *line, size_t len,
	double clock, sf_attempt_fn fn, void *ctx);
/* Hand on what has waited long enough at `clock` (grace after a close,
 * idle without one). */
void sf_joiner_tick(struct sf_joiner *j, double clock, sf_attempt_fn fn, void *ctx);
/* Hand on everything still open (the end of a replay or of watching). */
void sf_joiner_flush(struct sf_joiner *j, sf_attempt_fn fn, void *ctx);
/* Seconds until the next attempt is due at `clock` (for a poll timeout),
 * or -1 when none is open. */
double sf_joiner_next_due(const struct sf_joiner *j, double clock);

#endif
