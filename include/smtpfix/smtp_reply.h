/* SMTP reply parsing (RFC 5321 section 4.2), incremental and bounded.
 *
 * Bytes from the server are fed in as they arrive; a complete reply comes
 * out when its last line ("250 ...", code then space or end of line) is
 * seen. Every limit is named, and a server that exceeds one gets a precise
 * protocol error rather than unbounded memory. */
#ifndef SMTPFIX_SMTP_REPLY_H
#define SMTPFIX_SMTP_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "smtpfix/buf.h"
#include "smtpfix/error.h"

#define SF_SMTP_LINE_MAX 4096 /* RFC says 512; real servers exceed it */
#define SF_SMTP_REPLY_MAX_LINES 256
#define SF_SMTP_REPLY_MAX_BYTES (64 * 1024)
#define SF_SMTP_ENHANCED_MAX 16

struct sf_reply {
	int code;                            /* 200..599 */
	char enhanced[SF_SMTP_ENHANCED_MAX]; /* "5.7.1", or "" */
	char *text;                          /* lines after the code, joined by \n */
	size_t nlines;
	bool bare_lf; /* some line ended in LF without CR */
};

struct sf_reply_parser {
	struct sf_buf pending; /* bytes after the last complete line */
	struct sf_buf text;    /* text of the reply being assembled */
	int code;
	size_t nlines;
	bool bare_lf;
	char enhanced[SF_SMTP_ENHANCED_MAX];
};

void sf_reply_parser_init(struct sf_reply_parser *p);
void sf_reply_parser_free(struct sf_reply_parser *p);

/* Add bytes from the server. Bounded: SF_E_TOO_LONG if they do not fit. */
int sf_reply_parser_feed(
	struct sf_reply_parser *p, const char *data, size_t len, struct sf_error *err);

/* Take the next complete reply out of the fed bytes.
 * Returns 1 and fills *out (caller frees with sf_reply_free) when a reply is
 * complete, 0 when more bytes are needed, -1 on a protocol error. Each line
 * seen is reported through on_line (may be NULL) as it is parsed. */
int sf_reply_parser_next(struct sf_reply_parser *p, struct sf_reply *out,
	void (*on_line)(void *ctx, const char *line, size_t len), void *ctx, struct sf_error *err);

/* Bytes fed but not yet part of a complete reply. */
size_t sf_reply_parser_pending(const struct sf_reply_parser *p);
/* True when part of a reply has arrived (lines or bytes) but not its end. */
bool sf_reply_parser_partial(const struct sf_reply_parser *p);

void sf_reply_free(struct sf_reply *r);
void sf_reply_move(struct sf_reply *dst, struct sf_reply *src);
/* Parse an enhanced status code ("5.7.1") at the start of text; returns its
 * length or 0. class_digit must match the reply's first digit. */
size_t sf_parse_enhanced(const char *text, size_t len, int class_digit, char *out, size_t outsz);
/* First line of the text, for one-line summaries. */
const char *sf_reply_first_line(const struct sf_reply *r, size_t *len);

#endif
