/* The one error type of smtpfix.
 *
 * Library functions that can fail return 0 on success and -1 on failure,
 * and fill a caller-supplied struct sf_error. They never print and never
 * exit; the command line decides what a person sees. */
#ifndef SMTPFIX_ERROR_H
#define SMTPFIX_ERROR_H

#include <stddef.h>

/* Failure classes, in the spirit of OpenSMTPD's FAIL_* codes: the class is
 * what later layers (diagnosis, exit status) act on; the message is for
 * people. Names are stable: they appear in JSON output. */
enum sf_errcode {
	SF_OK = 0,
	SF_E_USAGE,       /* bad input from the person or the caller */
	SF_E_NOMEM,       /* allocation failed */
	SF_E_SYSTEM,      /* an unexpected system call failure */
	SF_E_DNS,         /* the name could not be resolved */
	SF_E_REFUSED,     /* connection refused (port closed) */
	SF_E_TIMEOUT,     /* a deadline passed */
	SF_E_UNREACHABLE, /* network unreachable */
	SF_E_NOROUTE,     /* no route to host / host unreachable */
	SF_E_RESET,       /* connection reset by the peer */
	SF_E_CLOSED,      /* the peer closed the connection */
	SF_E_PROTOCOL,    /* the server broke the SMTP protocol */
	SF_E_TOO_LONG,    /* the server sent more than a named limit allows */
	SF_E_TLS,         /* TLS handshake or record failure */
	SF_E_IO,          /* file read/write failure */
	SF_E_CANCELLED    /* the caller cancelled the operation */
};

#define SF_ERROR_MSG_MAX 256

struct sf_error {
	enum sf_errcode code;
	char message[SF_ERROR_MSG_MAX];
};

/* Set *err (if not NULL) and return -1, so callers can write
 * `return sf_error_set(err, SF_E_USAGE, "bad port %s", s);` */
int sf_error_set(struct sf_error *err, enum sf_errcode code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Stable short name of a code: "refused", "timeout", ... */
const char *sf_errcode_name(enum sf_errcode code);

#endif
