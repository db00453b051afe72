/* The reference code: a run in ten symbols and back (see refcode.h for
 * the layout). Pure: it only reads results and text. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "smtpfix/refcode.h"

const int sf_refcode_ports[SF_REFCODE_NPORTS] = { 25, 26, 465, 587, 2525 };

/* Symbol values 0..15. */
static const char symbols[16] = { '0', '1', '2', '3', '4', '6', '7', '9', 'F', 'H', 'K', 'M', 'R',
	'W', 'X', 'Y' };

/* Field widths, most significant first; they fill the 30 data bits. */
enum {
	VERSION_BITS = 2,
	CAUSE_BITS = 6,
	PORT_BITS = 3,
	SECURITY_BITS = 2,
	CLASS_BITS = 3,
	LOGIN_BITS = 2,
	DATA_BITS = VERSION_BITS + CAUSE_BITS + PORT_BITS + SECURITY_BITS +
		    SF_REFCODE_NPORTS * CLASS_BITS + LOGIN_BITS,
	CHECK_BITS = 10,
	PORT_OTHER = SF_REFCODE_NPORTS + 1 /* a port that is none of the five */
};

_Static_assert(DATA_BITS == 30, "the data fills 30 bits");
_Static_assert(DATA_BITS + CHECK_BITS == 4 * SF_REFCODE_SYMBOLS, "ten symbols of 4 bits");
_Static_assert(SF_CAUSE_COUNT + 1 <= (1 << CAUSE_BITS), "every cause (and none) fits in 6 bits");
_Static_assert(PORT_OTHER < (1 << PORT_BITS), "the port codes fit in 3 bits");
_Static_assert(SF_SEC_TLS + 1 < (1 << SECURITY_BITS), "the security codes fit in 2 bits");
_Static_assert(SF_RCLASS_COUNT == (1 << CLASS_BITS), "the classes fill 3 bits");
_Static_assert(SF_RLOGIN_COUNT == (1 << LOGIN_BITS), "the login results fill 2 bits");
_Static_assert(SF_REFCODE_VERSION < (1 << VERSION_BITS), "the version fits in 2 bits");

/* CRC-10 generator x^10 + x^9 + x^5 + x^4 + x + 1 (CRC-10/ATM). Its
 * constant term is 1, so it divides no burst of 10 bits or fewer. */
#define CHECK_POLY 0x633u

static const struct {
	const char *id, *words;
} classes[] = {
#define SF_REFCODE_CLASS_ROW(name, id, words) [SF_RCLASS_##name] = { id, words },
	SF_REFCODE_CLASS_LIST(SF_REFCODE_CLASS_ROW)
#undef SF_REFCODE_CLASS_ROW
};

static const struct {
	const char *id, *words;
} logins[] = {
#define SF_REFCODE_LOGIN_ROW(name, id, words) [SF_RLOGIN_##name] = { id, words },
	SF_REFCODE_LOGIN_LIST(SF_REFCODE_LOGIN_ROW)
#undef SF_REFCODE_LOGIN_ROW
};

_Static_assert(sizeof classes / sizeof classes[0] == SF_RCLASS_COUNT, "one row per class");
_Static_assert(sizeof logins / sizeof logins[0] == SF_RLOGIN_COUNT, "one row per login result");

/* What each matrix outcome counts as, with login on. */
static const enum sf_refcode_class outcome_class[] = {
	[SF_OUT_NOT_PROBED] = SF_RCLASS_NOT_TESTED,
	[SF_OUT_PORT_CLOSED] = SF_RCLASS_CLOSED,
	[SF_OUT_PORT_FILTERED] = SF_RCLASS_CLOSED,
	[SF_OUT_UNREACHABLE] = SF_RCLASS_CLOSED,
	[SF_OUT_ERROR] = SF_RCLASS_OTHER,
	[SF_OUT_NO_EXTENSIONS] = SF_RCLASS_OTHER,
	[SF_OUT_WORKS] = SF_RCLASS_WORKS,
	[SF_OUT_AUTH_NOT_OFFERED] = SF_RCLASS_AUTH_AFTER_TLS,
	[SF_OUT_AUTH_REFUSED] = SF_RCLASS_LOGIN_REFUSED,
	[SF_OUT_REJECTED] = SF_RCLASS_OTHER,
	[SF_OUT_UNKNOWN] = SF_RCLASS_OTHER,
	[SF_OUT_HANGS_NO_GREETING] = SF_RCLASS_CLOSED,
	[SF_OUT_STARTTLS_NOT_OFFERED] = SF_RCLASS_TLS_FAILS,
	[SF_OUT_STARTTLS_REFUSED] = SF_RCLASS_TLS_FAILS,
	[SF_OUT_TLS_HANDSHAKE_FAILS] = SF_RCLASS_TLS_FAILS,
	[SF_OUT_CERT_NAME_MISMATCH] = SF_RCLASS_CERT,
	[SF_OUT_CERT_EXPIRED] = SF_RCLASS_CERT,
	[SF_OUT_CERT_NOT_YET_VALID] = SF_RCLASS_CERT,
	[SF_OUT_CERT_SELF_SIGNED] = SF_RCLASS_CERT,
	[SF_OUT_CERT_UNTRUSTED] = SF_RCLASS_CERT,
	[SF_OUT_WRONG_CREDENTIALS] = SF_RCLASS_LOGIN_REFUSED,
	[SF_OUT_SENDER_REJECTED] = SF_RCLASS_OTHER,
	[SF_OUT_DEFERRED_AFTER_LOGIN] = SF_RCLASS_OTHER,
	[SF_OUT_AUTH_MECHANISM_MISMATCH] = SF_RCLASS_OTHER,
	[SF_OUT_BREAKS_AT_MAIL] = SF_RCLASS_OTHER,
	/* Would take a login, but the password was refused on another port. */
	[SF_OUT_LOGIN_OFFERED] = SF_RCLASS_LOGIN_REFUSED,
};

_Static_assert(
	sizeof outcome_class / sizeof outcome_class[0] == SF_OUT_COUNT, "one class per outcome");

/* Higher is better, for the best class of a port. */
static const int class_rank[] = {
	[SF_RCLASS_WORKS] = 7,
	[SF_RCLASS_CERT] = 6,
	[SF_RCLASS_LOGIN_REFUSED] = 5,
	[SF_RCLASS_AUTH_AFTER_TLS] = 4,
	[SF_RCLASS_TLS_FAILS] = 3,
	[SF_RCLASS_OTHER] = 2,
	[SF_RCLASS_CLOSED] = 1,
	[SF_RCLASS_NOT_TESTED] = 0,
};

_Static_assert(sizeof class_rank / sizeof class_rank[0] == SF_RCLASS_COUNT, "one rank per class");

const char *
sf_refcode_class_id(enum sf_refcode_class c)
{
	return classes[(unsigned)c < SF_RCLASS_COUNT ? c : SF_RCLASS_OTHER].id;
}

const char *
sf_refcode_class_words(enum sf_refcode_class c)
{
	return classes[(unsigned)c < SF_RCLASS_COUNT ? c : SF_RCLASS_OTHER].words;
}

const char *
sf_refcode_login_id(enum sf_refcode_login l)
{
	return logins[(unsigned)l < SF_RLOGIN_COUNT ? l : SF_RLOGIN_OTHER].id;
}

const char *
sf_refcode_login_words(enum sf_refcode_login l)
{
	return logins[(unsigned)l < SF_RLOGIN_COUNT ? l : SF_RLOGIN_OTHER].words;
}

enum sf_refcode_class
sf_refcode_class_of(enum sf_outcome o)
{
	return (unsigned)o < SF_OUT_COUNT ? outcome_class[o] : SF_RCLASS_OTHER;
}

static enum sf_refcode_login
login_of(enum sf_auth_outcome a)
{
	switch (a) {
	case SF_AUTH_NOT_TRIED: return SF_RLOGIN_NOT_TRIED;
	case SF_AUTH_OK: return SF_RLOGIN_ACCEPTED;
	case SF_AUTH_REFUSED: return SF_RLOGIN_REFUSED;
	case SF_AUTH_NOT_OFFERED:
	case SF_AUTH_NO_TLS:
	case SF_AUTH_NO_MECHANISM: break;
	}
	return SF_RLOGIN_OTHER;
}

void
sf_refcode_from_result(const struct sf_probe_result *probe, const struct sf_diagnosis *diag,
	struct sf_refcode *out)
{
	const struct sf_recommendation *rec = NULL;
	size_t i, k;

	memset(out, 0, sizeof *out);
	out->version = SF_REFCODE_VERSION;
	out->cause = -1;
	out->security = SF_SEC_NONE;
	out->login = SF_RLOGIN_NOT_TRIED;
	if (diag != NULL && diag->nfindings > 0 &&
		(unsigned)diag->findings[0].cause < SF_CAUSE_COUNT)
		out->cause = (int)diag->findings[0].cause;

	if (probe != NULL)
		rec = sf_diag_settings(diag, probe);
	else if (diag != NULL)
		rec = &diag->settings;
	if (rec != NULL && rec->found) {
		out->has_setting = true;
		out->security = rec->security;
		for (k = 0; k < SF_REFCODE_NPORTS; k++)
			if (rec->port == sf_refcode_ports[k])
				out->port = rec->port;
	}

	for (k = 0; k < SF_REFCODE_NPORTS; k++)
		out->port_class[k] = SF_RCLASS_NOT_TESTED;
	if (probe == NULL)
		return;
	for (i = 0; i < probe->ncells; i++) {
		const struct sf_matrix_cell *c = &probe->cells[i];

		if (!c->auth)
			continue;
		for (k = 0; k < SF_REFCODE_NPORTS; k++) {
			enum sf_refcode_class cl = sf_refcode_class_of(c->outcome);

			if (c->port == sf_refcode_ports[k] &&
				class_rank[cl] > class_rank[out->port_class[k]])
				out->port_class[k] = cl;
		}
	}
	if (probe->login_index >= 0 && (size_t)probe->login_index < probe->ntargets)
		out->login = login_of(probe->targets[probe->login_index].smtp.auth_outcome);
}

static uint32_t
check_of(uint32_t data)
{
	uint64_t r = (uint64_t)data << CHECK_BITS;
	int bit;

	for (bit = DATA_BITS + CHECK_BITS - 1; bit >= CHECK_BITS; bit--)
		if ((r >> bit) & 1u)
			r ^= (uint64_t)CHECK_POLY << (bit - CHECK_BITS);
	return (uint32_t)r;
}

/* Append a field of width bits to *acc. */
static void
put(uint32_t *acc, unsigned width, unsigned value)
{
	*acc = (*acc << width) | (value & ((1u << width) - 1u));
}

/* Take a field of width bits ending at bit *pos (counting down). */
static unsigned
take(uint32_t data, unsigned *pos, unsigned width)
{
	*pos -= width;
	return (data >> *pos) & ((1u << width) - 1u);
}

void
sf_refcode_encode(const struct sf_refcode *c, char out[SF_REFCODE_TEXT_MAX])
{
	uint32_t data = 0;
	uint64_t word;
	unsigned port = 0, sec = 0;
	size_t k, o = 0;
	int s;

	if (c->has_setting) {
		port = PORT_OTHER;
		for (k = 0; k < SF_REFCODE_NPORTS; k++)
			if (c->port == sf_refcode_ports[k])
				port = (unsigned)k + 1;
		sec = (unsigned)c->security <= SF_SEC_TLS ? (unsigned)c->security + 1 : 1;
	}
	put(&data, VERSION_BITS, SF_REFCODE_VERSION);
	put(&data, CAUSE_BITS,
		c->cause >= 0 && c->cause < SF_CAUSE_COUNT ? (unsigned)c->cause + 1 : 0);
	put(&data, PORT_BITS, port);
	put(&data, SECURITY_BITS, sec);
	for (k = 0; k < SF_REFCODE_NPORTS; k++)
		put(&data, CLASS_BITS,
			(unsigned)c->port_class[k] < SF_RCLASS_COUNT ? (unsigned)c->port_class[k]
								     : SF_RCLASS_OTHER);
	put(&data, LOGIN_BITS,
		(unsigned)c->login < SF_RLOGIN_COUNT ? (unsigned)c->login : SF_RLOGIN_OTHER);

	word = ((uint64_t)data << CHECK_BITS) | check_of(data);
	for (s = SF_REFCODE_SYMBOLS - 1; s >= 0; s--) {
		out[o++] = symbols[(word >> (4 * s)) & 0xfu];
		if (s == SF_REFCODE_SYMBOLS / 2)
			out[o++] = '-';
	}
	out[o] = '\0';
}

/* The value of a symbol as typed, or -1. */
static int
symbol_value(unsigned char ch)
{
	int k;

	if (ch >= 'a' && ch <= 'z')
		ch = (unsigned char)(ch - 'a' + 'A');
	if (ch == 'O')
		ch = '0';
	else if (ch == 'I' || ch == 'L')
		ch = '1';
	for (k = 0; k < 16; k++)
		if (symbols[k] == ch)
			return k;
	return -1;
}

/* How many bytes at p are a separator (a space or a dash, including the
 * no-break space and the Unicode dashes a pasted code may carry), or 0. */
static size_t
separator_len(const unsigned char *p)
{
	if (p[0] == ' ' || p[0] == '\t' || p[0] == '\n' || p[0] == '\r' || p[0] == '-')
		return 1;
	if (p[0] == 0xc2 && p[1] == 0xa0) /* U+00A0 */
		return 2;
	if (p[0] == 0xe2 && p[1] == 0x80 && p[2] >= 0x90 && p[2] <= 0x95) /* U+2010..U+2015 */
		return 3;
	if (p[0] == 0xe2 && p[1] == 0x88 && p[2] == 0x92) /* U+2212 minus */
		return 3;
	return 0;
}

/* A character that is not a symbol, named for a person: itself when it
 * is printable ASCII, else its code point (or its byte, when it is not
 * UTF-8). */
static void
name_char(const unsigned char *p, char *out, size_t outsz)
{
	unsigned long cp;
	size_t n, i;

	if (p[0] > 0x20 && p[0] < 0x7f) {
		snprintf(out, outsz, "'%c'", p[0]);
		return;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1fu;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0fu;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07u;
	else
		n = 1, cp = p[0];
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0u) != 0x80u) {
			n = 1;
			break;
		}
		cp = (cp << 6) | (p[i] & 0x3fu);
	}
	if (n == 1 && p[0] >= 0x80)
		snprintf(out, outsz, "the byte 0x%02X", p[0]);
	else
		snprintf(out, outsz, "U+%04lX", cp);
}

int
sf_refcode_decode(const char *text, struct sf_refcode *out, struct sf_error *err)
{
	const unsigned char *p = (const unsigned char *)text;
	unsigned char vals[SF_REFCODE_SYMBOLS];
	uint64_t word = 0;
	uint32_t data;
	unsigned pos = DATA_BITS, version, cause, port, sec;
	size_t n = 0, k;

	memset(out, 0, sizeof *out);
	while (*p != '\0') {
		size_t sep = separator_len(p);
		int v;

		if (sep > 0) {
			p += sep;
			continue;
		}
		v = symbol_value(*p);
		if (v < 0) {
			char name[32];

			name_char(p, name, sizeof name);
			return sf_error_set(err, SF_E_USAGE,
				"symbol %zu of the reference code, %s, is not one it uses "
				"(0 1 2 3 4 6 7 9 F H K M R W X Y)",
				n + 1, name);
		}
		if (n < SF_REFCODE_SYMBOLS)
			vals[n] = (unsigned char)v;
		n++;
		p++;
	}
	if (n == 0)
		return sf_error_set(err, SF_E_USAGE, "no reference code given");
	if (n != SF_REFCODE_SYMBOLS)
		return sf_error_set(err, SF_E_USAGE,
			"a reference code has %d symbols (five, a dash, five); this one has %zu",
			SF_REFCODE_SYMBOLS, n);
	for (k = 0; k < SF_REFCODE_SYMBOLS; k++)
		word = (word << 4) | vals[k];
	data = (uint32_t)(word >> CHECK_BITS);
	if (check_of(data) != (uint32_t)(word & ((1u << CHECK_BITS) - 1u)))
		return sf_error_set(err, SF_E_USAGE,
			"the reference code does not add up: a symbol was misheard; read it again");

	version = take(data, &pos, VERSION_BITS);
	if (version != SF_REFCODE_VERSION)
		return sf_error_set(err, SF_E_USAGE,
			"the reference code is of version %u; this smtpfix reads version %d "
			"(a newer smtpfix made it?)",
			version, SF_REFCODE_VERSION);
	cause = take(data, &pos, CAUSE_BITS);
	port = take(data, &pos, PORT_BITS);
	sec = take(data, &pos, SECURITY_BITS);
	if (cause > SF_CAUSE_COUNT)
		return sf_error_set(err, SF_E_USAGE,
			"the reference code names cause number %u, which this smtpfix does not "
			"know (a newer smtpfix made it?)",
			cause);
	if (port > PORT_OTHER || (port == 0) != (sec == 0))
		return sf_error_set(err, SF_E_USAGE,
			"the reference code holds a setting this smtpfix cannot read "
			"(a newer smtpfix made it?)");

	out->version = (int)version;
	out->cause = (int)cause - 1;
	out->has_setting = port != 0;
	out->port = port >= 1 && port <= SF_REFCODE_NPORTS ? sf_refcode_ports[port - 1] : 0;
	out->security = sec > 0 ? (enum sf_security)(sec - 1) : SF_SEC_NONE;
	for (k = 0; k < SF_REFCODE_NPORTS; k++)
		out->port_class[k] = (enum sf_refcode_class)take(data, &pos, CLASS_BITS);
	out->login = (enum sf_refcode_login)take(data, &pos, LOGIN_BITS);
	return 0;
}
