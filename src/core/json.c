#include "smtpfix/json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "smtpfix/text.h"

void
sf_json_init(struct sf_json *j, struct sf_buf *out, int indent)
{
	memset(j, 0, sizeof *j);
	j->out = out;
	j->indent = indent;
	j->first[0] = true;
}

static void
put(struct sf_json *j, const char *s, size_t n)
{
	if (j->failed)
		return;
	if (sf_buf_add(j->out, s, n, &j->err) < 0)
		j->failed = true;
}

static void
puts_(struct sf_json *j, const char *s)
{
	put(j, s, strlen(s));
}

static void
newline(struct sf_json *j)
{
	int i;

	if (j->indent <= 0)
		return;
	put(j, "\n", 1);
	for (i = 0; i < j->depth * j->indent; i++)
		put(j, " ", 1);
}

/* Separator and indentation before a value or a key. */
static void
before_item(struct sf_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth == 0)
		return;
	if (!j->first[j->depth])
		put(j, ",", 1);
	j->first[j->depth] = false;
	newline(j);
}

static void
open_(struct sf_json *j, const char *c)
{
	before_item(j);
	puts_(j, c);
	if (j->depth + 1 >= SF_JSON_MAX_DEPTH) {
		if (!j->failed)
			sf_error_set(&j->err, SF_E_TOO_LONG, "JSON nested too deep");
		j->failed = true;
		return;
	}
	j->depth++;
	j->first[j->depth] = true;
}

static void
close_(struct sf_json *j, const char *c)
{
	bool empty = j->first[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (!empty)
		newline(j);
	puts_(j, c);
}

void
sf_json_object_begin(struct sf_json *j)
{
	open_(j, "{");
}
void
sf_json_object_end(struct sf_json *j)
{
	close_(j, "}");
}
void
sf_json_array_begin(struct sf_json *j)
{
	open_(j, "[");
}
void
sf_json_array_end(struct sf_json *j)
{
	close_(j, "]");
}

static void
string_body(struct sf_json *j, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;
	unsigned cp;
	char esc[24];

	put(j, "\"", 1);
	while (i < len) {
		n = sf_utf8_decode(u + i, len - i, &cp);
		if (n == 0) {
			puts_(j, "\xef\xbf\xbd"); /* U+FFFD for a byte that is not UTF-8 */
			i++;
			continue;
		}
		if (cp == '"') {
			puts_(j, "\\\"");
		} else if (cp == '\\') {
			puts_(j, "\\\\");
		} else if (cp == '\n') {
			puts_(j, "\\n");
		} else if (cp == '\r') {
			puts_(j, "\\r");
		} else if (cp == '\t') {
			puts_(j, "\\t");
		} else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
			   sf_unicode_hidden(cp)) {
			/* Escaped, the same text to any JSON reader, and nothing a
			 * terminal showing the file, or JavaScript reading U+2028 and
			 * U+2029 as line ends, can trip on. Above U+FFFF as a
			 * surrogate pair, as JSON writes those. */
			if (cp > 0xffff)
				snprintf(esc, sizeof esc, "\\u%04x\\u%04x",
					0xd800 + ((cp - 0x10000) >> 10),
					0xdc00 + ((cp - 0x10000) & 0x3ff));
			else
				snprintf(esc, sizeof esc, "\\u%04x", cp);
			puts_(j, esc);
		} else {
			put(j, s + i, n);
		}
		i += n;
	}
	put(j, "\"", 1);
}

void
sf_json_key(struct sf_json *j, const char *key)
{
	before_item(j);
	string_body(j, key, strlen(key));
	puts_(j, j->indent > 0 ? ": " : ":");
	j->after_key = true;
}

void
sf_json_string_n(struct sf_json *j, const char *s, size_t len)
{
	before_item(j);
	string_body(j, s, len);
}

void
sf_json_string(struct sf_json *j, const char *s)
{
	sf_json_string_n(j, s, strlen(s));
}

void
sf_json_string_or_null(struct sf_json *j, const char *s)
{
	if (s == NULL)
		sf_json_null(j);
	else
		sf_json_string(j, s);
}

void
sf_json_int(struct sf_json *j, long long v)
{
	char tmp[32];

	before_item(j);
	snprintf(tmp, sizeof tmp, "%lld", v);
	puts_(j, tmp);
}

void
sf_json_double(struct sf_json *j, double v, int decimals)
{
	char tmp[64];

	if (!isfinite(v)) {
		sf_json_null(j);
		return;
	}
	before_item(j);
	snprintf(tmp, sizeof tmp, "%.*f", decimals, v);
	puts_(j, tmp);
}

void
sf_json_bool(struct sf_json *j, bool v)
{
	before_item(j);
	puts_(j, v ? "true" : "false");
}

void
sf_json_null(struct sf_json *j)
{
	before_item(j);
	puts_(j, "null");
}

int
sf_json_finish(struct sf_json *j, struct sf_error *err)
{
	if (j->failed) {
		if (err != NULL)
			*err = j->err;
		return -1;
	}
	return 0;
}

void
sf_json_kv_string(struct sf_json *j, const char *key, const char *s)
{
	sf_json_key(j, key);
	sf_json_string(j, s);
}

void
sf_json_kv_string_or_null(struct sf_json *j, const char *key, const char *s)
{
	sf_json_key(j, key);
	sf_json_string_or_null(j, s);
}

void
sf_json_kv_int(struct sf_json *j, const char *key, long long v)
{
	sf_json_key(j, key);
	sf_json_int(j, v);
}

void
sf_json_kv_bool(struct sf_json *j, const char *key, bool v)
{
	sf_json_key(j, key);
	sf_json_bool(j, v);
}

void
sf_json_kv_double(struct sf_json *j, const char *key, double v, int decimals)
{
	sf_json_key(j, key);
	sf_json_double(j, v, decimals);
}
