#include "smtpfix/base64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
sf_base64_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

void
sf_base64_encode(const void *in, size_t n, char *out)
{
	const unsigned char *p = in;
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];

		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
		out[o++] = alphabet[v & 63];
	}
	if (i < n) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0);

		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
}

static int
value_of(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long
sf_base64_decode(const char *t, size_t len, unsigned char *out, size_t outsz)
{
	size_t i, o = 0;

	if (len % 4 != 0)
		return -1;
	for (i = 0; i < len; i += 4) {
		int a = value_of(t[i]), b = value_of(t[i + 1]);
		int c = t[i + 2] == '=' ? 0 : value_of(t[i + 2]);
		int d = t[i + 3] == '=' ? 0 : value_of(t[i + 3]);
		size_t take = t[i + 2] == '=' ? 1 : t[i + 3] == '=' ? 2 : 3;
		unsigned v;

		if (a < 0 || b < 0 || c < 0 || d < 0 || (take < 3 && i + 4 != len) ||
			(t[i + 2] == '=' && t[i + 3] != '='))
			return -1;
		if (o + take > outsz)
			return -1;
		v = (unsigned)a << 18 | (unsigned)b << 12 | (unsigned)c << 6 | (unsigned)d;
		out[o++] = (unsigned char)(v >> 16);
		if (take > 1)
			out[o++] = (unsigned char)(v >> 8);
		if (take > 2)
			out[o++] = (unsigned char)v;
	}
	return (long)o;
}
