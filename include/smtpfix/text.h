/* Making untrusted text (server replies, log lines, pasted errors) safe to
 * show. Nothing a server sends may reach a terminal as a control sequence. */
#ifndef SMTPFIX_TEXT_H
#define SMTPFIX_TEXT_H

#include <stddef.h>

#include "smtpfix/buf.h"

/* Append a printable rendering of data[0..len) to out: valid UTF-8 text is
 * kept, every control character (C0, DEL, C1) and every byte that is not
 * valid UTF-8 becomes a visible escape such as \x1b. At most max_out bytes
 * of input are rendered; a longer input ends with "..." and the number of
 * bytes left out. */
int sf_sanitize_append(struct sf_buf *out, const char *data, size_t len, size_t max_in,
	struct sf_error *err);

/* Decode one UTF-8 sequence at s (n bytes available). Returns its length
 * (1-4) and the code point, or 0 if the bytes are not valid UTF-8
 * (overlong forms, surrogates and values above U+10FFFF are invalid). */
size_t sf_utf8_decode(const unsigned char *s, size_t n, unsigned *cp);

/* ASCII case-insensitive prefix test. */
int sf_has_prefix_ci(const char *s, const char *prefix);

#endif
