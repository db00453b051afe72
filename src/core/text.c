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

bool
sf_unicode_hidden(unsigned cp)
{
	static const struct {
		unsigned lo, hi;
	} ranges[] = {
		{ 0x00ad, 0x00ad },   /* soft hyphen */
		{ 0x034f, 0x034f },   /* combining grapheme joiner */
		{ 0x061c, 0x061c },   /* Arabic letter mark */
		{ 0x115f, 0x1160 },   /* Hangul fillers */
		{ 0x17b4, 0x17b5 },   /* Khmer invisible vowels */
		{ 0x180b, 0x180f },   /* Mongolian selectors and vowel separator */
		{ 0x200b, 0x200f },   /* zero width space, non-joiner, joiner; LRM, RLM */
		{ 0x2028, 0x202e },   /* line and paragraph separators; LRE RLE PDF LRO RLO */
		{ 0x2060, 0x2064 },   /* word joiner and invisible operators */
		{ 0x2066, 0x206f },   /* isolates LRI RLI FSI PDI; deprecated format controls */
		{ 0x3164, 0x3164 },   /* Hangul filler */
		{ 0xfeff, 0xfeff },   /* byte order mark, zero width no-break space */
		{ 0xffa0, 0xffa0 },   /* halfwidth Hangul filler */
		{ 0xfff9, 0xfffb },   /* interlinear annotation */
		{ 0x1d173, 0x1d17a }, /* musical format controls */
		{ 0xe0000, 0xe007f }, /* tags */
	};
	size_t i;

	for (i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
		if (cp >= ranges[i].lo && cp <= ranges[i].hi)
			return true;
	return false;
}

bool
sf_unicode_unsafe(unsigned cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || sf_unicode_hidden(cp);
}

static int
sanitize(struct sf_buf *out, const char *data, size_t len, size_t max_in, bool escape_backslash,
	struct sf_error *err)
{
	const unsigned char *s = (const unsigned char *)data;
	size_t i = 0, take = len < max_in ? len : max_in;
	unsigned cp;
	size_t n;
	char esc[16];

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
		if (sf_unicode_hidden(cp)) {
			snprintf(esc, sizeof esc, "<U+%04X>", cp);
			if (sf_buf_addstr(out, esc, err) < 0)
				return -1;
		} else if (n == 1 && cp == '\\' && escape_backslash) {
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
sf_sanitize_append(
	struct sf_buf *out, const char *data, size_t len, size_t max_in, struct sf_error *err)
{
	return sanitize(out, data, len, max_in, true, err);
}

int
sf_sanitize_message_append(
	struct sf_buf *out, const char *data, size_t len, size_t max_in, struct sf_error *err)
{
	return sanitize(out, data, len, max_in, false, err);
}

int
sf_has_prefix_ci(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* Columns a run of UTF-8 takes: one per character (its lead byte). */
static size_t
text_columns(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xC0) != 0x80;
	return n;
}

/* How many bytes of s[0..len) fit in `cols` columns, ending at a space
 * where there is one in the second half; a word longer than the line is
 * cut at the width (never inside a UTF-8 sequence). */
static size_t
wrap_take(const char *s, size_t len, size_t cols)
{
	size_t i, used = 0, fit = len, space = 0;

	for (i = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80) {
			if (used == cols) {
				fit = i;
				break;
			}
			used++;
		}
		if (s[i] == ' ')
			space = i;
	}
	if (fit == len)
		return len;
	if (s[fit] == ' ')
		return fit;
	if (space > 0 && text_columns(s, space) >= cols / 2)
		return space;
	return fit;
}

int
sf_wrap_append(
	struct sf_buf *out, const char *text, size_t width, size_t indent, struct sf_error *err)
{
	const char *p = text;

	if (width <= indent + 8)
		width = indent + 8; /* never so narrow that nothing fits */
	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p), cols = width;
		bool first = true;

		do {
			size_t take = wrap_take(p, len, cols);

			if ((!first && sf_buf_printf(out, err, "%*s", (int)indent, "") < 0) ||
				sf_buf_add(out, p, take, err) < 0 ||
				sf_buf_addstr(out, "\n", err) < 0)
				return -1;
			p += take;
			len -= take;
			while (len > 0 && *p == ' ') {
				p++;
				len--;
			}
			first = false;
			cols = width - indent;
		} while (len > 0);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return 0;
}

bool
sf_utf8_clean(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, n;
	unsigned cp;

	while (i < len) {
		n = sf_utf8_decode(u + i, len - i, &cp);
		if (n == 0 || sf_unicode_unsafe(cp))
			return false;
		i += n;
	}
	return true;
}
