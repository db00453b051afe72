/* Making untrusted text (server replies, log lines, pasted errors) safe to
 * show. Nothing a server sends may reach a terminal as a control sequence. */
#ifndef SMTPFIX_TEXT_H
#define SMTPFIX_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "smtpfix/buf.h"

/* Append a printable rendering of data[0..len) to out: valid UTF-8 text is
 * kept, every control character (C0, DEL, C1) and every byte that is not
 * valid UTF-8 becomes a visible escape such as \x1b, a backslash becomes
 * \\, and every character that reorders or hides text (see
 * sf_unicode_hidden) is shown by its code point, such as <U+202E>. At most
 * max_in bytes of input are rendered; a longer input ends with "..." and
 * the number of bytes left out. */
int sf_sanitize_append(
	struct sf_buf *out, const char *data, size_t len, size_t max_in, struct sf_error *err);

/* The same for a message that may already quote a value escaped by
 * sf_sanitize_append (an error message): a backslash is kept as it is, so
 * an escape made once is not escaped again. Everything else as above. */
int sf_sanitize_message_append(
	struct sf_buf *out, const char *data, size_t len, size_t max_in, struct sf_error *err);

/* True for a character that changes how the text around it reads while
 * showing nothing itself: the bidirectional controls (U+202A-202E,
 * U+2066-2069, U+200E, U+200F, U+061C), the line and paragraph separators
 * (U+2028, U+2029), the zero-width and invisible characters (U+200B-200D,
 * U+2060-2064, U+FEFF, U+00AD, U+034F, U+115F, U+1160, U+17B4, U+17B5,
 * U+180B-180F, U+3164, U+FFA0, U+206A-206F), the interlinear annotation
 * marks (U+FFF9-FFFB) and the tag characters (U+E0000-E007F). "x", U+202E,
 * "gpj.exe" reads as "xexe.jpg". */
bool sf_unicode_hidden(unsigned cp);

/* True for a code point that must never reach a terminal raw: C0, DEL, C1
 * and the hidden characters above. */
bool sf_unicode_unsafe(unsigned cp);

/* Decode one UTF-8 sequence at s (n bytes available). Returns its length
 * (1-4) and the code point, or 0 if the bytes are not valid UTF-8
 * (overlong forms, surrogates and values above U+10FFFF are invalid). */
size_t sf_utf8_decode(const unsigned char *s, size_t n, unsigned *cp);

/* Append text wrapped at word boundaries to `width` columns (a UTF-8
 * character is one column): each line of the text is wrapped on its own,
 * and its continuation lines are indented by `indent` spaces, so a
 * "Label   value" row keeps its value in one column. The text must be
 * safe to show already (see sf_sanitize_append). */
int sf_wrap_append(
	struct sf_buf *out, const char *text, size_t width, size_t indent, struct sf_error *err);

/* True when s is valid UTF-8 holding no control character and no
 * character that hides or reorders text (sf_unicode_unsafe): a value
 * that may go into a command, a file or a fix step as it is. */
bool sf_utf8_clean(const char *s);

/* ASCII case-insensitive prefix test. */
int sf_has_prefix_ci(const char *s, const char *prefix);

#endif
