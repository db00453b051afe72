/* A growable byte buffer with a hard maximum (curl's dynbuf habit): every
 * buffer fed from the network or a file says how large it may become, so
 * no peer can make smtpfix allocate without bound. The data is always
 * NUL-terminated for convenience; len does not count the terminator. */
#ifndef SMTPFIX_BUF_H
#define SMTPFIX_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "smtpfix/error.h"

struct sf_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max; /* largest len allowed */
};

void sf_buf_init(struct sf_buf *b, size_t max);
void sf_buf_free(struct sf_buf *b);
/* Like sf_buf_free, but first overwrites the contents (for secrets). */
void sf_buf_wipe(struct sf_buf *b);
void sf_buf_reset(struct sf_buf *b);

/* Append; on overflow nothing is appended and SF_E_TOO_LONG is returned.
 * The result must be looked at: text silently cut short is how a report
 * loses its end. */
#define SF_MUST_CHECK __attribute__((warn_unused_result))
SF_MUST_CHECK int sf_buf_add(struct sf_buf *b, const void *data, size_t len, struct sf_error *err);
SF_MUST_CHECK int sf_buf_addstr(struct sf_buf *b, const char *s, struct sf_error *err);
SF_MUST_CHECK int sf_buf_printf(struct sf_buf *b, struct sf_error *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
SF_MUST_CHECK int sf_buf_vprintf(struct sf_buf *b, struct sf_error *err, const char *fmt,
	va_list ap) __attribute__((format(printf, 3, 0)));
/* Drop the first n bytes. */
void sf_buf_consume(struct sf_buf *b, size_t n);
/* The same, overwriting the bytes left behind (buffers that held secrets). */
void sf_buf_consume_wipe(struct sf_buf *b, size_t n);

/* Overwrite memory in a way the compiler may not optimise away. */
void sf_memwipe(void *p, size_t n);

/* strdup that returns NULL on NULL input. */
char *sf_strndup(const char *s, size_t n);

#endif
