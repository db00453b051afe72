#include "smtpfix/redact.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpfix/base64.h"
#include "smtpfix/buf.h"

static void
wipe_free(char *p, size_t len)
{
	if (p == NULL)
		return;
	sf_memwipe(p, len);
	free(p);
}

/* Keep a form unless it is too short or already there. Takes ownership. */
static void
add_form(struct sf_redactor *r, char *form, size_t len, size_t min)
{
	size_t i;

	if (len < min || r->nforms >= SF_REDACT_MAX_FORMS) {
		wipe_free(form, len);
		return;
	}
	for (i = 0; i < r->nforms; i++) {
		if (r->len[i] == len && memcmp(r->form[i], form, len) == 0) {
			wipe_free(form, len);
			return;
		}
	}
	r->form[r->nforms] = form;
	r->len[r->nforms++] = len;
}

/* The base64 of data, NUL-terminated, in a new buffer. */
static char *
encode(const char *data, size_t len)
{
	char *out = malloc(sf_base64_len(len) + 1);

	if (out != NULL)
		sf_base64_encode(data, len, out);
	return out;
}

/* The characters of base64 text that depend only on the secret when it
 * starts `align` bytes into a three-byte group: a password inside any
 * longer base64 text shows exactly these, whatever surrounds it. */
static char *
aligned_fragment(const char *secret, size_t n, size_t align, size_t *outlen)
{
	size_t first = (8 * align + 5) / 6, end = 8 * (align + n) / 6;
	char *in = calloc(1, align + n), *enc, *frag;

	*outlen = 0;
	if (in == NULL)
		return NULL;
	memcpy(in + align, secret, n);
	enc = encode(in, align + n);
	wipe_free(in, align + n);
	if (enc == NULL)
		return NULL;
	if (end <= first) {
		wipe_free(enc, strlen(enc));
		return NULL;
	}
	frag = malloc(end - first + 1);
	if (frag != NULL) {
		memcpy(frag, enc + first, end - first);
		frag[end - first] = '\0';
		*outlen = end - first;
	}
	wipe_free(enc, strlen(enc));
	return frag;
}

static int
by_length(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;
	size_t lx = strlen(*x), ly = strlen(*y);

	return lx < ly ? 1 : lx > ly ? -1 : 0;
}

int
sf_redactor_init(
	struct sf_redactor *r, const char *user, const char *secret, size_t n, struct sf_error *err)
{
	size_t align, flen, ulen = user ? strlen(user) : 0;
	char *f, *plain;

	memset(r, 0, sizeof *r);
	if (secret == NULL || n == 0)
		return 0;
	f = malloc(n + 1);
	if (f == NULL)
		goto nomem;
	memcpy(f, secret, n);
	f[n] = '\0';
	add_form(r, f, n, SF_REDACT_MIN_CLEAR);

	f = encode(secret, n);
	if (f == NULL)
		goto nomem;
	add_form(r, f, strlen(f), SF_REDACT_MIN_B64);

	/* AUTH PLAIN's response: an empty authorization id, NUL, user, NUL,
	 * password. */
	plain = calloc(1, ulen + n + 2);
	if (plain == NULL)
		goto nomem;
	if (ulen > 0)
		memcpy(plain + 1, user, ulen);
	memcpy(plain + ulen + 2, secret, n);
	f = encode(plain, ulen + n + 2);
	wipe_free(plain, ulen + n + 2);
	if (f == NULL)
		goto nomem;
	add_form(r, f, strlen(f), SF_REDACT_MIN_B64);

	for (align = 0; align < 3; align++) {
		f = aligned_fragment(secret, n, align, &flen);
		if (f == NULL && flen == 0 && 8 * (align + n) / 6 > (8 * align + 5) / 6)
			goto nomem;
		if (f != NULL)
			add_form(r, f, flen, SF_REDACT_MIN_B64);
	}
	/* Longest first: the whole base64 goes before a fragment inside it. */
	qsort(r->form, r->nforms, sizeof r->form[0], by_length);
	for (align = 0; align < r->nforms; align++)
		r->len[align] = strlen(r->form[align]);
	return 0;
nomem:
	sf_redactor_free(r);
	return sf_error_set(err, SF_E_NOMEM, "out of memory");
}

void
sf_redactor_free(struct sf_redactor *r)
{
	size_t i;

	for (i = 0; i < r->nforms; i++)
		wipe_free(r->form[i], r->len[i]);
	memset(r, 0, sizeof *r);
}

/* Where form starts in text, ignoring case, or NULL. */
static const char *
find_ci(const char *text, size_t len, const char *form, size_t flen)
{
	size_t i, j;
	int first;

	if (flen == 0 || flen > len)
		return NULL;
	first = tolower((unsigned char)form[0]);
	for (i = 0; i + flen <= len; i++) {
		if (tolower((unsigned char)text[i]) != first)
			continue;
		for (j = 1; j < flen; j++)
			if (tolower((unsigned char)text[i + j]) != tolower((unsigned char)form[j]))
				break;
		if (j == flen)
			return text + i;
	}
	return NULL;
}

bool
sf_redact_found(const struct sf_redactor *r, const char *text, size_t len)
{
	size_t i;

	if (r == NULL || text == NULL)
		return false;
	for (i = 0; i < r->nforms; i++)
		if (find_ci(text, len, r->form[i], r->len[i]) != NULL)
			return true;
	return false;
}

/* One form replaced throughout src; a new buffer. */
static char *
replace_one(const char *src, size_t len, const char *form, size_t flen, size_t *outlen)
{
	static const char mark[] = SF_REDACTED;
	size_t count = 0, n = 0, cap;
	const char *p = src, *hit;
	char *out;

	while ((hit = find_ci(p, len - (size_t)(p - src), form, flen)) != NULL) {
		count++;
		p = hit + flen;
	}
	cap = len + count * (sizeof mark - 1) + 1;
	out = malloc(cap);
	if (out == NULL)
		return NULL;
	p = src;
	while ((hit = find_ci(p, len - (size_t)(p - src), form, flen)) != NULL) {
		memcpy(out + n, p, (size_t)(hit - p));
		n += (size_t)(hit - p);
		memcpy(out + n, mark, sizeof mark - 1);
		n += sizeof mark - 1;
		p = hit + flen;
	}
	if (len > (size_t)(p - src))
		memcpy(out + n, p, len - (size_t)(p - src));
	n += len - (size_t)(p - src);
	out[n] = '\0';
	*outlen = n;
	return out;
}

char *
sf_redact_dup(const struct sf_redactor *r, const char *text, size_t len, size_t *outlen)
{
	char *cur = malloc(len + 1), *next;
	size_t curlen = len, i;

	if (cur == NULL)
		return NULL;
	if (len > 0)
		memcpy(cur, text, len);
	cur[len] = '\0';
	for (i = 0; r != NULL && i < r->nforms; i++) {
		if (find_ci(cur, curlen, r->form[i], r->len[i]) == NULL)
			continue;
		size_t before = curlen;

		next = replace_one(cur, curlen, r->form[i], r->len[i], &curlen);
		wipe_free(cur, before);
		if (next == NULL)
			return NULL;
		cur = next;
	}
	if (outlen != NULL)
		*outlen = curlen;
	return cur;
}

bool
sf_redact_buf(const struct sf_redactor *r, char *buf, size_t size)
{
	size_t len, n;
	char *red;

	if (size == 0 || !sf_redact_found(r, buf, strnlen(buf, size)))
		return false;
	len = strnlen(buf, size);
	red = sf_redact_dup(r, buf, len, &n);
	if (red == NULL) {
		/* Better to lose the text than to keep the secret in it. */
		snprintf(buf, size, "%s", SF_REDACTED);
		return true;
	}
	sf_memwipe(buf, size);
	snprintf(buf, size, "%s", red);
	free(red);
	return true;
}
