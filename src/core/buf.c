#include "smtpfix/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
sf_buf_init(struct sf_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void
sf_buf_free(struct sf_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void
sf_memwipe(void *p, size_t n)
{
	/* A volatile pointer keeps the stores from being elided as dead. */
	volatile unsigned char *v = p;

	while (n-- > 0)
		*v++ = 0;
}

void
sf_buf_wipe(struct sf_buf *b)
{
	if (b->data != NULL)
		sf_memwipe(b->data, b->cap);
	sf_buf_free(b);
}

void
sf_buf_reset(struct sf_buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

static int
buf_reserve(struct sf_buf *b, size_t extra, struct sf_error *err)
{
	size_t need, ncap;
	char *nd;

	if (extra > b->max - b->len)
		return sf_error_set(err, SF_E_TOO_LONG, "more than %zu bytes", b->max);
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap *= 2;
	if (ncap > b->max + 1)
		ncap = b->max + 1;
	nd = realloc(b->data, ncap);
	if (nd == NULL)
		return sf_error_set(err, SF_E_NOMEM, "out of memory");
	b->data = nd;
	b->cap = ncap;
	return 0;
}

int
sf_buf_add(struct sf_buf *b, const void *data, size_t len, struct sf_error *err)
{
	if (buf_reserve(b, len, err) < 0)
		return -1;
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int
sf_buf_addstr(struct sf_buf *b, const char *s, struct sf_error *err)
{
	return sf_buf_add(b, s, strlen(s), err);
}

int
sf_buf_vprintf(struct sf_buf *b, struct sf_error *err, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return sf_error_set(err, SF_E_SYSTEM, "format error");
	if (buf_reserve(b, (size_t)n, err) < 0)
		return -1;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int
sf_buf_printf(struct sf_buf *b, struct sf_error *err, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = sf_buf_vprintf(b, err, fmt, ap);
	va_end(ap);
	return rc;
}

void
sf_buf_consume(struct sf_buf *b, size_t n)
{
	if (n >= b->len) {
		sf_buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
}

char *
sf_strndup(const char *s, size_t n)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = malloc(n + 1);
	if (d == NULL)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

void
sf_buf_consume_wipe(struct sf_buf *b, size_t n)
{
	size_t old = b->len;

	sf_buf_consume(b, n);
	if (b->data != NULL && old > b->len)
		sf_memwipe(b->data + b->len, old - b->len);
}
