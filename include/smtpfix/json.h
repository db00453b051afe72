/* A small streaming JSON writer into an sf_buf. Strings are escaped so the
 * document is always valid UTF-8 JSON whatever bytes a server sent:
 * each byte that is not part of valid UTF-8 becomes U+FFFD, control
 * characters (C0, DEL and C1) become \u00XX, and the characters that
 * reorder or hide text (sf_unicode_hidden: bidirectional controls, U+2028
 * and U+2029, zero-width characters, tags) become \uXXXX escapes too. */
#ifndef SMTPFIX_JSON_H
#define SMTPFIX_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "smtpfix/buf.h"

#define SF_JSON_MAX_DEPTH 32

struct sf_json {
	struct sf_buf *out;
	int depth;
	bool first[SF_JSON_MAX_DEPTH];
	bool after_key;
	int indent;          /* spaces per level; 0 for compact */
	struct sf_error err; /* first error, sticky */
	bool failed;
};

void sf_json_init(struct sf_json *j, struct sf_buf *out, int indent);
void sf_json_object_begin(struct sf_json *j);
void sf_json_object_end(struct sf_json *j);
void sf_json_array_begin(struct sf_json *j);
void sf_json_array_end(struct sf_json *j);
void sf_json_key(struct sf_json *j, const char *key);
void sf_json_string(struct sf_json *j, const char *s);
void sf_json_string_n(struct sf_json *j, const char *s, size_t len);
void sf_json_int(struct sf_json *j, long long v);
void sf_json_double(struct sf_json *j, double v, int decimals);
void sf_json_bool(struct sf_json *j, bool v);
void sf_json_null(struct sf_json *j);
/* A string, or null when s is NULL. */
void sf_json_string_or_null(struct sf_json *j, const char *s);
/* A key and its value in one call. */
void sf_json_kv_string(struct sf_json *j, const char *key, const char *s);
void sf_json_kv_string_or_null(struct sf_json *j, const char *key, const char *s);
void sf_json_kv_int(struct sf_json *j, const char *key, long long v);
void sf_json_kv_bool(struct sf_json *j, const char *key, bool v);
void sf_json_kv_double(struct sf_json *j, const char *key, double v, int decimals);
/* 0 when every write succeeded, else -1 with the first error in *err. */
int sf_json_finish(struct sf_json *j, struct sf_error *err);

#endif
