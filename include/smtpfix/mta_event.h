/* One mail log line as an event of a connection: Exim's, Postfix's,
 * Dovecot's and saslauthd's lines that say how a mail program connected,
 * whether it used TLS, whether its login was taken, and what was refused.
 * Pure: the follower (watch), the replay and the stale-password grouping
 * (bans) all read lines through this one parser. A line is untrusted
 * input: any length, any bytes. */
#ifndef SMTPFIX_MTA_EVENT_H
#define SMTPFIX_MTA_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "smtpfix/mta_log.h"

#define SF_EVENT_KEY_MAX 112  /* "exim [203.0.113.9]:52144", "postfix/smtpd[1234]" */
#define SF_EVENT_TEXT_MAX 240 /* the refusal or error as logged, cut */
#define SF_EVENT_QUEUE_MAX 32

enum sf_event_kind {
	SF_EVENT_CONNECT,            /* a connection opened */
	SF_EVENT_TLS,                /* TLS is up (or the line shows it was used) */
	SF_EVENT_TLS_FAILED,         /* the TLS handshake failed */
	SF_EVENT_LOGIN_OK,           /* a login was accepted (user) */
	SF_EVENT_LOGIN_FAILED,       /* a login was refused (user when logged) */
	SF_EVENT_LOGIN_UNADVERTISED, /* AUTH sent when the server did not offer it */
	SF_EVENT_PLAINTEXT_REFUSED,  /* a login refused because it came without TLS */
	SF_EVENT_REFUSED,            /* MAIL or RCPT refused (text) */
	SF_EVENT_DROPPED,            /* the server hung up on it (an ACL's drop) */
	SF_EVENT_ACCEPTED,           /* a message was taken */
	SF_EVENT_CLOSE,              /* the connection ended */
	SF_EVENT_KINDS
};

enum sf_event_source {
	SF_SOURCE_EXIM,
	SF_SOURCE_POSTFIX,
	SF_SOURCE_DOVECOT,
	SF_SOURCE_SASLAUTHD,
	SF_SOURCES
};

enum sf_event_proto { SF_PROTO_UNKNOWN, SF_PROTO_SMTP, SF_PROTO_IMAP, SF_PROTO_POP3, SF_PROTOS };

struct sf_event {
	enum sf_event_kind kind;
	enum sf_event_source source;
	enum sf_event_proto proto;
	time_t when;                   /* 0 when the line has no readable time */
	char key[SF_EVENT_KEY_MAX];    /* the same for every line of one connection, or "" */
	char address[SF_LOG_ADDR_MAX]; /* client IP, or "" */
	int port;                      /* the server's port, 0 when the line does not say */
	int tls;                       /* 1 used, 0 not used, -1 the line does not say */
	char user[SF_LOG_USER_MAX];    /* the login name, or "" */
	char sender[SF_LOG_USER_MAX];  /* the envelope sender (MAIL FROM), or "": the client's words
					*/
	char text[SF_EVENT_TEXT_MAX];  /* what was refused or went wrong, or "" */
	char queue_id[SF_EVENT_QUEUE_MAX];
	/* Postfix's disconnect summary: the login was tried and none taken
	 * ("auth=0/1"), STARTTLS was used ("starttls=1"). */
	bool login_tried;
	bool summary_refused; /* the close's summary counts a refused MAIL or RCPT ("mail=0/1") */
	unsigned messages;    /* messages taken, when the line counts them (Postfix's data=1) */
	/* An Exim line that would carry X= under TLS (with Exim's default
	 * log_selector) and has no TLS field: the attempt may take it as
	 * without TLS when nothing else says. */
	bool tls_unmarked;
	bool ends; /* this line closes the connection (Dovecot login lines too) */
	/* A line of the login service behind the server (Dovecot's auth
	 * process, saslauthd): it tells why a login failed, for an attempt
	 * that the server's own line shows; it is not an attempt by itself
	 * when that line is there. */
	bool detail;
};

const char *sf_event_kind_id(enum sf_event_kind k);
const char *sf_event_source_id(enum sf_event_source s);
const char *sf_event_proto_id(enum sf_event_proto p); /* "smtp", "imap", "pop3", "" */

/* Parse one line (no newline). Returns true and fills *ev when the line
 * is an event of a mail connection. The year of a syslog stamp comes from
 * now. */
bool sf_event_parse(const char *line, size_t len, time_t now, struct sf_event *ev);

/* Lines worth parsing hold one of these strings: a reader may search a
 * large buffer for them first and parse only the lines they are in (as
 * the log scanner does), which keeps a replay of a big log fast. */
extern const char *const sf_event_anchors[];

#endif
