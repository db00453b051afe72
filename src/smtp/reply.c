#include "smtpfix/smtp_reply.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void
sf_reply_parser_init(struct sf_reply_parser *p)
{
	memset(p, 0, sizeof *p);
	/* Room for a full reply plus a partial line behind it. */
	sf_buf_init(&p->pending, SF_SMTP_REPLY_MAX_BYTES + SF_SMTP_LINE_MAX);
	sf_buf_init(&p->text, SF_SMTP_REPLY_MAX_BYTES);
}

void
sf_reply_parser_free(struct sf_reply_parser *p)
{
	sf_buf_free(&p->pending);
	sf_buf_free(&p->text);
}

int
sf_reply_parser_feed(struct sf_reply_parser *p, const char *data, size_t len, struct sf_error *err)
{
	if (sf_buf_add(&p->pending, data, len, err) < 0)
		return sf_error_set(err, SF_E_TOO_LONG,
			"the server sent more than %d bytes without completing a reply",
			SF_SMTP_REPLY_MAX_BYTES);
	return 0;
}

size_t
sf_reply_parser_pending(const struct sf_reply_parser *p)
{
	return p->pending.len;
}

size_t
sf_parse_enhanced(const char *t, size_t len, int class_digit, char *out, size_t outsz)
{
	size_t i = 0, start, parts;

	/* class "." subject "." detail, RFC 3463: 1 digit, 1-3 digits, 1-3 digits */
	if (len < 5 || t[0] - '0' != class_digit || t[1] != '.')
		return 0;
	i = 2;
	for (parts = 0; parts < 2; parts++) {
		start = i;
		while (i < len && isdigit((unsigned char)t[i]) && i - start < 3)
			i++;
		if (i == start)
			return 0;
		if (parts == 0) {
			if (i >= len || t[i] != '.')
				return 0;
			i++;
		}
	}
	if (i < len && t[i] != ' ')
		return 0;
	if (i + 1 > outsz)
		return 0;
	memcpy(out, t, i);
	out[i] = '\0';
	return i;
}

static void
reset_reply(struct sf_reply_parser *p)
{
	sf_buf_reset(&p->text);
	p->code = 0;
	p->nlines = 0;
	p->bare_lf = false;
	p->enhanced[0] = '\0';
}

static int
valid_code(const char *l)
{
	/* RFC 5321 4.2: first digit 2-5, second 0-5, third 0-9. */
	return l[0] >= '2' && l[0] <= '5' && l[1] >= '0' && l[1] <= '5' && l[2] >= '0' &&
	       l[2] <= '9';
}

int
sf_reply_parser_next(struct sf_reply_parser *p, struct sf_reply *out,
	void (*on_line)(void *ctx, const char *line, size_t len), void *ctx, struct sf_error *err)
{
	for (;;) {
		char *nl, *line = p->pending.data;
		size_t linelen, consumed, tlen;
		int code;
		bool last;

		if (p->pending.len == 0)
			return 0;
		nl = memchr(line, '\n', p->pending.len);
		if (nl == NULL) {
			if (p->pending.len > SF_SMTP_LINE_MAX)
				return sf_error_set(err, SF_E_TOO_LONG,
					"the server sent a line longer than %d bytes",
					SF_SMTP_LINE_MAX);
			return 0;
		}
		consumed = (size_t)(nl - line) + 1;
		linelen = consumed - 1;
		if (linelen > 0 && line[linelen - 1] == '\r')
			linelen--;
		else
			p->bare_lf = true;
		if (linelen > SF_SMTP_LINE_MAX)
			return sf_error_set(err, SF_E_TOO_LONG,
				"the server sent a line longer than %d bytes", SF_SMTP_LINE_MAX);
		if (on_line != NULL)
			on_line(ctx, line, linelen);
		if (memchr(line, '\0', linelen) != NULL)
			return sf_error_set(err, SF_E_PROTOCOL, "the server sent a NUL byte");
		if (linelen < 3 || !valid_code(line) ||
			(linelen > 3 && line[3] != ' ' && line[3] != '-'))
			return sf_error_set(err, SF_E_PROTOCOL,
				"the server sent a line that is not an SMTP reply");
		code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
		if (p->nlines > 0 && code != p->code)
			return sf_error_set(err, SF_E_PROTOCOL,
				"the reply changed its code from %d to %d mid-reply", p->code,
				code);
		if (p->nlines >= SF_SMTP_REPLY_MAX_LINES)
			return sf_error_set(err, SF_E_TOO_LONG,
				"the server sent a reply of more than %d lines",
				SF_SMTP_REPLY_MAX_LINES);
		last = linelen == 3 || line[3] == ' ';
		tlen = linelen > 4 ? linelen - 4 : 0;
		if (p->nlines == 0) {
			p->code = code;
			sf_parse_enhanced(
				line + 4, tlen, line[0] - '0', p->enhanced, sizeof p->enhanced);
		} else if (sf_buf_add(&p->text, "\n", 1, err) < 0) {
			return sf_error_set(err, SF_E_TOO_LONG,
				"the server sent a reply larger than %d bytes",
				SF_SMTP_REPLY_MAX_BYTES);
		}
		if (sf_buf_add(&p->text, line + 4, tlen, err) < 0)
			return sf_error_set(err, SF_E_TOO_LONG,
				"the server sent a reply larger than %d bytes",
				SF_SMTP_REPLY_MAX_BYTES);
		p->nlines++;
		sf_buf_consume(&p->pending, consumed);
		if (!last)
			continue;
		out->code = p->code;
		memcpy(out->enhanced, p->enhanced, sizeof out->enhanced);
		out->text = sf_strndup(p->text.data ? p->text.data : "", p->text.len);
		out->nlines = p->nlines;
		out->bare_lf = p->bare_lf;
		reset_reply(p);
		if (out->text == NULL)
			return sf_error_set(err, SF_E_NOMEM, "out of memory");
		return 1;
	}
}

void
sf_reply_free(struct sf_reply *r)
{
	free(r->text);
	memset(r, 0, sizeof *r);
}

void
sf_reply_move(struct sf_reply *dst, struct sf_reply *src)
{
	sf_reply_free(dst);
	*dst = *src;
	memset(src, 0, sizeof *src);
}

const char *
sf_reply_first_line(const struct sf_reply *r, size_t *len)
{
	const char *t = r->text ? r->text : "";
	const char *nl = strchr(t, '\n');

	*len = nl ? (size_t)(nl - t) : strlen(t);
	return t;
}

bool
sf_reply_parser_partial(const struct sf_reply_parser *p)
{
	return p->pending.len > 0 || p->nlines > 0;
}
