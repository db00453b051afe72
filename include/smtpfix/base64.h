/* Base64 (RFC 4648), for SMTP AUTH. */
#ifndef SMTPFIX_BASE64_H
#define SMTPFIX_BASE64_H

#include <stddef.h>

/* Encoded length of n bytes, without the terminator. */
size_t sf_base64_len(size_t n);
/* Encode into out (at least sf_base64_len(n) + 1 bytes); NUL-terminated. */
void sf_base64_encode(const void *in, size_t n, char *out);
/* Decode text (whitespace not allowed) into out (at most outsz bytes).
 * Returns the decoded length, or -1 for invalid input or no room. */
long sf_base64_decode(const char *text, size_t len, unsigned char *out, size_t outsz);

#endif
