#include "smtpfix/text.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

size_t
sf_utf8_decode(const unsigned char *s, size_t n, unsigned *cp)
{
	unsigned c, min;
	size_t len, i;

	if (n == 0)
		return 0;
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

int
sf_sanitize_append(struct sf_buf *out, const char *data, size_t len, size_t max_in,
	struct sf_error *err)
{
	const unsigned char *s = (const unsigned char *)data;
	size_t i = 0, take = len < max_in ? len : max_in;
	unsigned cp;
	size_t n;
	char esc[8];

	while (i < take) {
		n = sf_utf8_decode(s + i, take - i, &cp);
		if (n == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f)) {
			/* Show tab as a space: harmless, and common in server text. */
			if (n == 1 && cp == '\t') {
				if (sf_buf_add(out, " ", 1, err) < 0)
					return -1;
			} else {
				snprintf(esc, sizeof esc, "\\x%02x", s[i]);
				if (sf_buf_addstr(out, esc, err) < 0)
					return -1;
			}
			i++;
			continue;
		}
		if (n == 1 && cp == '\\') {
			if (sf_buf_add(out, "\\\\", 2, err) < 0)
				return -1;
		} else if (sf_buf_add(out, s + i, n, err) < 0) {
			return -1;
		}
		i += n;
	}
	if (take < len)
		return sf_buf_printf(out, err, "... (%zu more bytes)", len - take);
	return 0;
}

int
sf_has_prefix_ci(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}
