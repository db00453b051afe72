/* The reference code: every cause and setting round trip, lenient
 * reading, every misheard symbol and swapped pair refused, and the code
 * of results made by hand. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtpfix/refcode.h"
#include "unit/suites.h"

/* The one code tests/cli/run.sh expands; known_code below holds what it
 * encodes, so the two stay in step. */
#define KNOWN_CODE "41H20-H196W"

static const char alphabet[] = "01234679FHKMRWXY";

static void
known_code(struct sf_refcode *c)
{
	memset(c, 0, sizeof *c);
	c->version = 1;
	c->cause = SF_CAUSE_AUTH_REQUIRES_TLS;
	c->has_setting = true;
	c->port = 587;
	c->security = SF_SEC_STARTTLS;
	c->port_class[0] = SF_RCLASS_WORKS;      /* 25 */
	c->port_class[1] = SF_RCLASS_NOT_TESTED; /* 26 */
	c->port_class[2] = SF_RCLASS_WORKS;      /* 465 */
	c->port_class[3] = SF_RCLASS_WORKS;      /* 587 */
	c->port_class[4] = SF_RCLASS_CLOSED;     /* 2525 */
	c->login = SF_RLOGIN_ACCEPTED;
}

static void
assert_same(const struct sf_refcode *a, const struct sf_refcode *b, const char *code)
{
	size_t k;

	ck_assert_msg(a->version == b->version, "%s: version", code);
	ck_assert_msg(a->cause == b->cause, "%s: cause %d, not %d", code, b->cause, a->cause);
	ck_assert_msg(a->has_setting == b->has_setting, "%s: has_setting", code);
	ck_assert_msg(a->port == b->port, "%s: port %d, not %d", code, b->port, a->port);
	ck_assert_msg(a->security == b->security, "%s: security", code);
	for (k = 0; k < SF_REFCODE_NPORTS; k++)
		ck_assert_msg(a->port_class[k] == b->port_class[k], "%s: class of port %d", code,
			sf_refcode_ports[k]);
	ck_assert_msg(a->login == b->login, "%s: login", code);
}

static void
assert_shape(const char *code)
{
	size_t i;

	ck_assert_msg(strlen(code) == 11 && code[5] == '-', "shape of '%s'", code);
	for (i = 0; i < 11; i++)
		if (i != 5)
			ck_assert_msg(
				strchr(alphabet, code[i]) != NULL, "'%c' in %s", code[i], code);
}

/* Every code of the round trip, for the error tests. */
static char (*codes)[SF_REFCODE_TEXT_MAX];
static size_t ncodes;

/* cause x (no setting, or each port of the code and another port, x each
 * security) x a few port-class and login mixes. */
static void
make_codes(void)
{
	static const int ports[] = { 25, 26, 465, 587, 2525, 0 };
	static const enum sf_security secs[] = { SF_SEC_NONE, SF_SEC_STARTTLS, SF_SEC_TLS };
	size_t max = (size_t)(SF_CAUSE_COUNT + 1) * 19 * 4, mix, k;
	int cause, setting;

	if (codes != NULL)
		return;
	codes = calloc(max, sizeof *codes);
	ck_assert_ptr_nonnull(codes);
	for (cause = -1; cause < SF_CAUSE_COUNT; cause++) {
		for (setting = -1; setting < 18; setting++) {
			for (mix = 0; mix < 4; mix++) {
				struct sf_refcode c, back;
				struct sf_error err;

				memset(&c, 0, sizeof c);
				c.version = SF_REFCODE_VERSION;
				c.cause = cause;
				if (setting >= 0) {
					c.has_setting = true;
					c.port = ports[setting / 3];
					c.security = secs[setting % 3];
				}
				for (k = 0; k < SF_REFCODE_NPORTS; k++)
					c.port_class[k] = (enum sf_refcode_class)(
						mix == 0   ? 0
						: mix == 1 ? SF_RCLASS_COUNT - 1
						: mix == 2
							? (k + (size_t)cause + 1) % SF_RCLASS_COUNT
							: (k * 3 + (size_t)setting + 1) %
								  SF_RCLASS_COUNT);
				c.login = (enum sf_refcode_login)(
					(mix + (size_t)cause + 1) % SF_RLOGIN_COUNT);
				ck_assert_uint_lt(ncodes, max);
				sf_refcode_encode(&c, codes[ncodes]);
				assert_shape(codes[ncodes]);
				ck_assert_msg(sf_refcode_decode(codes[ncodes], &back, &err) == 0,
					"%s: %s", codes[ncodes], err.message);
				assert_same(&c, &back, codes[ncodes]);
				ncodes++;
			}
		}
	}
}

START_TEST(every_cause_and_setting_round_trips)
{
	size_t i, j;

	make_codes();
	ck_assert_uint_eq(ncodes, (size_t)(SF_CAUSE_COUNT + 1) * 19 * 4);
	/* No two different contents share a code. */
	for (i = 0; i < ncodes; i += 7)
		for (j = i + 1; j < ncodes; j++)
			ck_assert_msg(strcmp(codes[i], codes[j]) != 0, "%s twice", codes[i]);
}
END_TEST

START_TEST(known_code_is_the_one_the_cli_test_expands)
{
	struct sf_refcode c, back;
	struct sf_error err;
	char out[SF_REFCODE_TEXT_MAX];

	known_code(&c);
	sf_refcode_encode(&c, out);
	ck_assert_str_eq(out, KNOWN_CODE);
	ck_assert_int_eq(sf_refcode_decode(KNOWN_CODE, &back, &err), 0);
	assert_same(&c, &back, KNOWN_CODE);
}
END_TEST

/* Lowercase, spaces instead of the dash, no dash, O for 0, I and L for
 * 1, a pasted Unicode dash: all read as the code. */
START_TEST(reading_is_lenient)
{
	struct sf_refcode want, got;
	struct sf_error err;
	size_t i, n;

	make_codes();
	for (i = 0; i < ncodes; i += 13) {
		char text[64], *o = text;
		const char *s;

		ck_assert_int_eq(sf_refcode_decode(codes[i], &want, &err), 0);
		/* "k3 f9h – 2mx 7r" with O, I and L */
		for (s = codes[i], n = 0; *s != '\0'; s++) {
			char ch = *s;

			if (ch == '-') {
				memcpy(o, " \xe2\x80\x93 ", 5); /* an en dash between spaces */
				o += 5;
				continue;
			}
			if (ch == '0')
				ch = n % 2 ? 'O' : 'o';
			else if (ch == '1')
				ch = n % 3 == 0 ? 'I' : n % 3 == 1 ? 'l' : 'L';
			else if (ch >= 'A' && ch <= 'Z' && n % 2)
				ch = (char)(ch - 'A' + 'a');
			*o++ = ch;
			if (++n == 2)
				*o++ = ' ';
		}
		*o = '\0';
		ck_assert_msg(
			sf_refcode_decode(text, &got, &err) == 0, "'%s': %s", text, err.message);
		assert_same(&want, &got, text);
		/* With no separator at all. */
		memcpy(text, codes[i], 5);
		memcpy(text + 5, codes[i] + 6, 6);
		ck_assert_int_eq(sf_refcode_decode(text, &got, &err), 0);
		assert_same(&want, &got, text);
	}
}
END_TEST

/* Every code, with each symbol changed to each other one, and each pair
 * of neighbours that differ swapped: every one is refused as misheard. */
START_TEST(every_misheard_symbol_and_swap_is_refused)
{
	struct sf_refcode got;
	struct sf_error err;
	size_t i, tried = 0;

	make_codes();
	ck_assert_uint_ge(ncodes, 300);
	for (i = 0; i < ncodes; i++) {
		char sym[SF_REFCODE_SYMBOLS], text[SF_REFCODE_SYMBOLS + 1];
		size_t k, v;

		memcpy(sym, codes[i], 5);
		memcpy(sym + 5, codes[i] + 6, 5);
		for (k = 0; k < SF_REFCODE_SYMBOLS; k++) {
			for (v = 0; v < 16; v++) {
				if (alphabet[v] == sym[k])
					continue;
				memcpy(text, sym, sizeof sym);
				text[k] = alphabet[v];
				text[SF_REFCODE_SYMBOLS] = '\0';
				ck_assert_msg(sf_refcode_decode(text, &got, &err) == -1,
					"%s (from %s) was read", text, codes[i]);
				ck_assert_ptr_nonnull(strstr(err.message, "misheard"));
				tried++;
			}
			if (k + 1 < SF_REFCODE_SYMBOLS && sym[k] != sym[k + 1]) {
				memcpy(text, sym, sizeof sym);
				text[k] = sym[k + 1];
				text[k + 1] = sym[k];
				text[SF_REFCODE_SYMBOLS] = '\0';
				ck_assert_msg(sf_refcode_decode(text, &got, &err) == -1,
					"%s (from %s, swapped) was read", text, codes[i]);
				ck_assert_ptr_nonnull(strstr(err.message, "misheard"));
				tried++;
			}
		}
	}
	ck_assert_uint_gt(tried, 300 * 150);
}
END_TEST

/* A code made here with its own CRC-10 (x^10+x^9+x^5+x^4+x+1): the
 * layout of refcode.h, written out again. */
static void
raw_code(uint32_t data, char out[SF_REFCODE_SYMBOLS + 1])
{
	uint64_t word = (uint64_t)data << 10, r = word;
	int bit, s;

	for (bit = 39; bit >= 10; bit--)
		if ((r >> bit) & 1u)
			r ^= (uint64_t)0x633 << (bit - 10);
	word |= r;
	for (s = 0; s < SF_REFCODE_SYMBOLS; s++)
		out[s] = alphabet[(word >> (36 - 4 * s)) & 0xf];
	out[SF_REFCODE_SYMBOLS] = '\0';
}

START_TEST(the_layout_is_as_documented)
{
	struct sf_refcode c, got;
	struct sf_error err;
	char mine[SF_REFCODE_TEXT_MAX], raw[SF_REFCODE_SYMBOLS + 1];
	uint32_t data;

	/* version 1, cause 1 + AUTH_REQUIRES_TLS, port 587 (4), STARTTLS (2),
	 * classes works, not tested, works, works, closed; login accepted. */
	data = 1u << 28 | (1u + SF_CAUSE_AUTH_REQUIRES_TLS) << 22 | 4u << 19 | 2u << 17 |
	       (uint32_t)SF_RCLASS_WORKS << 14 | (uint32_t)SF_RCLASS_NOT_TESTED << 11 |
	       (uint32_t)SF_RCLASS_WORKS << 8 | (uint32_t)SF_RCLASS_WORKS << 5 |
	       (uint32_t)SF_RCLASS_CLOSED << 2 | (uint32_t)SF_RLOGIN_ACCEPTED;
	raw_code(data, raw);
	known_code(&c);
	sf_refcode_encode(&c, mine);
	ck_assert_int_eq(memcmp(mine, raw, 5), 0);
	ck_assert_int_eq(memcmp(mine + 6, raw + 5, 5), 0);

	/* A later version, with a good check: refused as such. */
	raw_code(2u << 28, raw);
	ck_assert_int_eq(sf_refcode_decode(raw, &got, &err), -1);
	ck_assert_int_eq(err.code, SF_E_USAGE);
	ck_assert_ptr_nonnull(strstr(err.message, "version 2"));
	raw_code(0, raw);
	ck_assert_int_eq(sf_refcode_decode(raw, &got, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "version 0"));
	/* A cause past the list. */
	raw_code(1u << 28 | (uint32_t)(SF_CAUSE_COUNT + 1) << 22, raw);
	ck_assert_int_eq(sf_refcode_decode(raw, &got, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "cause number"));
	/* Port code 7, and a port with no security. */
	raw_code(1u << 28 | 7u << 19 | 1u << 17, raw);
	ck_assert_int_eq(sf_refcode_decode(raw, &got, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "setting"));
	raw_code(1u << 28 | 4u << 19, raw);
	ck_assert_int_eq(sf_refcode_decode(raw, &got, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "setting"));
	/* Another port, SSL/TLS. */
	raw_code(1u << 28 | 6u << 19 | 3u << 17, raw);
	ck_assert_int_eq(sf_refcode_decode(raw, &got, &err), 0);
	ck_assert(got.has_setting);
	ck_assert_int_eq(got.port, 0);
	ck_assert_int_eq(got.security, SF_SEC_TLS);
	ck_assert_int_eq(got.cause, -1);
}
END_TEST

START_TEST(bad_text_is_refused_with_a_reason)
{
	struct sf_refcode got;
	struct sf_error err;

	ck_assert_int_eq(sf_refcode_decode("", &got, &err), -1);
	ck_assert_int_eq(err.code, SF_E_USAGE);
	ck_assert_ptr_nonnull(strstr(err.message, "no reference code"));
	ck_assert_int_eq(sf_refcode_decode(" - ", &got, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "no reference code"));
	ck_assert_int_eq(sf_refcode_decode("K39F0-9R71", &got, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "has 9"));
	ck_assert_int_eq(sf_refcode_decode(KNOWN_CODE "0", &got, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "has 11"));
	ck_assert_int_eq(sf_refcode_decode("K39F5-9R71R", &got, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "symbol 5"));
	ck_assert_ptr_nonnull(strstr(err.message, "'5'"));
	ck_assert_int_eq(sf_refcode_decode("K39FZ-9R71R", &got, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "'Z'"));
	ck_assert_int_eq(sf_refcode_decode("K39F\xc3\x96-9R71R", &got, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "U+00D6"));
	ck_assert_int_eq(sf_refcode_decode("K39F\x1b-9R71R", &got, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "U+001B"));
	ck_assert_int_eq(sf_refcode_decode("K39F\xff-9R71R", &got, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "byte 0xFF"));
	ck_assert_int_eq(sf_refcode_decode("K39F\xc3", &got, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "byte 0xC3"));
}
END_TEST

/* One table, by the enum: certificates as the probe says, only "not
 * probed" reads as not tested, and the ids and words are all there. */
START_TEST(every_outcome_has_its_class)
{
	int o, k;

	for (o = 0; o < SF_OUT_COUNT; o++) {
		enum sf_refcode_class c = sf_refcode_class_of((enum sf_outcome)o);

		ck_assert_msg((c == SF_RCLASS_CERT) == sf_outcome_is_cert((enum sf_outcome)o), "%s",
			sf_outcome_id((enum sf_outcome)o));
		ck_assert_msg((c == SF_RCLASS_NOT_TESTED) == (o == SF_OUT_NOT_PROBED), "%s",
			sf_outcome_id((enum sf_outcome)o));
	}
	ck_assert_int_eq(sf_refcode_class_of(SF_OUT_WORKS), SF_RCLASS_WORKS);
	ck_assert_int_eq(sf_refcode_class_of(SF_OUT_AUTH_NOT_OFFERED), SF_RCLASS_AUTH_AFTER_TLS);
	ck_assert_int_eq(sf_refcode_class_of(SF_OUT_STARTTLS_REFUSED), SF_RCLASS_TLS_FAILS);
	ck_assert_int_eq(sf_refcode_class_of(SF_OUT_WRONG_CREDENTIALS), SF_RCLASS_LOGIN_REFUSED);
	ck_assert_int_eq(sf_refcode_class_of(SF_OUT_PORT_FILTERED), SF_RCLASS_CLOSED);
	ck_assert_int_eq(sf_refcode_class_of((enum sf_outcome)SF_OUT_COUNT), SF_RCLASS_OTHER);
	for (k = 0; k < SF_RCLASS_COUNT; k++) {
		ck_assert_str_ne(sf_refcode_class_id((enum sf_refcode_class)k), "");
		ck_assert_str_ne(sf_refcode_class_words((enum sf_refcode_class)k), "");
	}
	ck_assert_str_eq(sf_refcode_class_id(SF_RCLASS_AUTH_AFTER_TLS), "auth-after-tls");
	ck_assert_str_eq(sf_refcode_class_id((enum sf_refcode_class)99), "other");
	ck_assert_str_eq(sf_refcode_login_id(SF_RLOGIN_ACCEPTED), "accepted");
	ck_assert_str_eq(sf_refcode_login_words(SF_RLOGIN_NOT_TRIED), "not tried");
}
END_TEST

static struct sf_matrix_cell *
cell(struct sf_probe_result *p, int port, enum sf_security sec, bool auth, enum sf_outcome o)
{
	struct sf_matrix_cell *c = &p->cells[p->ncells++];

	memset(c, 0, sizeof *c);
	c->port = port;
	c->security = sec;
	c->auth = auth;
	c->outcome = o;
	c->source = -1;
	return c;
}

START_TEST(from_result_takes_the_best_class_per_port)
{
	static struct sf_probe_result p;
	static struct sf_diagnosis d;
	static struct sf_target_result t[2];
	struct sf_refcode c, back;
	struct sf_error err;
	char code[SF_REFCODE_TEXT_MAX];

	memset(&p, 0, sizeof p);
	memset(&d, 0, sizeof d);
	memset(t, 0, sizeof t);
	p.login_index = -1;
	/* 25: a questioned certificate beats a refused login and a failed
	 * handshake; the cells without login do not count. */
	cell(&p, 25, SF_SEC_NONE, true, SF_OUT_WRONG_CREDENTIALS);
	cell(&p, 25, SF_SEC_NONE, false, SF_OUT_WORKS);
	cell(&p, 25, SF_SEC_STARTTLS, true, SF_OUT_CERT_SELF_SIGNED);
	cell(&p, 25, SF_SEC_TLS, true, SF_OUT_TLS_HANDSHAKE_FAILS);
	/* 26: closed everywhere. */
	cell(&p, 26, SF_SEC_NONE, true, SF_OUT_PORT_CLOSED);
	cell(&p, 26, SF_SEC_STARTTLS, true, SF_OUT_PORT_CLOSED);
	/* 465: encryption fails beats another problem and closed. */
	cell(&p, 465, SF_SEC_NONE, true, SF_OUT_ERROR);
	cell(&p, 465, SF_SEC_STARTTLS, true, SF_OUT_STARTTLS_NOT_OFFERED);
	cell(&p, 465, SF_SEC_TLS, true, SF_OUT_PORT_FILTERED);
	/* 587: works with STARTTLS, whatever the rest says. */
	cell(&p, 587, SF_SEC_NONE, true, SF_OUT_AUTH_NOT_OFFERED);
	cell(&p, 587, SF_SEC_STARTTLS, true, SF_OUT_WORKS);
	cell(&p, 587, SF_SEC_TLS, true, SF_OUT_TLS_HANDSHAKE_FAILS);
	/* 2525 untested; a port the code does not name is left out. */
	cell(&p, 2526, SF_SEC_STARTTLS, true, SF_OUT_WORKS);
	p.recommended.found = true;
	p.recommended.port = 587;
	p.recommended.security = SF_SEC_STARTTLS;
	p.recommended.auth = true;
	t[1].purpose = SF_PURPOSE_LOGIN;
	t[1].smtp.auth_outcome = SF_AUTH_OK;
	p.targets = t;
	p.ntargets = 2;
	p.login_index = 1;
	d.nfindings = 2;
	d.findings[0].cause = SF_CAUSE_AUTH_REQUIRES_TLS;
	d.findings[1].cause = SF_CAUSE_PORT_BLOCKED;

	sf_refcode_from_result(&p, &d, &c);
	ck_assert_int_eq(c.version, SF_REFCODE_VERSION);
	ck_assert_int_eq(c.cause, SF_CAUSE_AUTH_REQUIRES_TLS);
	ck_assert(c.has_setting);
	ck_assert_int_eq(c.port, 587);
	ck_assert_int_eq(c.security, SF_SEC_STARTTLS);
	ck_assert_int_eq(c.port_class[0], SF_RCLASS_CERT);
	ck_assert_int_eq(c.port_class[1], SF_RCLASS_CLOSED);
	ck_assert_int_eq(c.port_class[2], SF_RCLASS_TLS_FAILS);
	ck_assert_int_eq(c.port_class[3], SF_RCLASS_WORKS);
	ck_assert_int_eq(c.port_class[4], SF_RCLASS_NOT_TESTED);
	ck_assert_int_eq(c.login, SF_RLOGIN_ACCEPTED);
	sf_refcode_encode(&c, code);
	ck_assert_int_eq(sf_refcode_decode(code, &back, &err), 0);
	assert_same(&c, &back, code);

	/* The diagnosis's own setting wins over the probe's; login after
	 * encryption ranks above encryption fails; a refused password. */
	d.settings.found = true;
	d.settings.port = 465;
	d.settings.security = SF_SEC_TLS;
	cell(&p, 2525, SF_SEC_NONE, true, SF_OUT_TLS_HANDSHAKE_FAILS);
	cell(&p, 2525, SF_SEC_STARTTLS, true, SF_OUT_AUTH_NOT_OFFERED);
	cell(&p, 2525, SF_SEC_TLS, true, SF_OUT_BREAKS_AT_MAIL);
	t[1].smtp.auth_outcome = SF_AUTH_REFUSED;
	sf_refcode_from_result(&p, &d, &c);
	ck_assert_int_eq(c.port, 465);
	ck_assert_int_eq(c.security, SF_SEC_TLS);
	ck_assert_int_eq(c.port_class[4], SF_RCLASS_AUTH_AFTER_TLS);
	ck_assert_int_eq(c.login, SF_RLOGIN_REFUSED);
	t[1].smtp.auth_outcome = SF_AUTH_NO_TLS;
	sf_refcode_from_result(&p, &d, &c);
	ck_assert_int_eq(c.login, SF_RLOGIN_OTHER);

	/* A setting on a port the code does not name: "another port". */
	d.settings.port = 2526;
	sf_refcode_from_result(&p, &d, &c);
	ck_assert(c.has_setting);
	ck_assert_int_eq(c.port, 0);
	sf_refcode_encode(&c, code);
	ck_assert_int_eq(sf_refcode_decode(code, &back, &err), 0);
	assert_same(&c, &back, code);
}
END_TEST

START_TEST(from_result_with_nothing_found)
{
	static struct sf_probe_result p;
	static struct sf_diagnosis d;
	struct sf_refcode c;
	size_t k;

	memset(&p, 0, sizeof p);
	memset(&d, 0, sizeof d);
	p.login_index = -1;
	sf_refcode_from_result(&p, &d, &c);
	ck_assert_int_eq(c.cause, -1);
	ck_assert(!c.has_setting);
	ck_assert_int_eq(c.port, 0);
	for (k = 0; k < SF_REFCODE_NPORTS; k++)
		ck_assert_int_eq(c.port_class[k], SF_RCLASS_NOT_TESTED);
	ck_assert_int_eq(c.login, SF_RLOGIN_NOT_TRIED);
	sf_refcode_from_result(NULL, NULL, &c);
	ck_assert_int_eq(c.cause, -1);
	ck_assert(!c.has_setting);
	/* A login target out of range is not read. */
	p.login_index = 3;
	sf_refcode_from_result(&p, NULL, &c);
	ck_assert_int_eq(c.login, SF_RLOGIN_NOT_TRIED);
}
END_TEST

static void
free_codes(void)
{
	free(codes);
	codes = NULL;
	ncodes = 0;
}

Suite *
refcode_suite(void)
{
	Suite *s = suite_create("refcode");
	TCase *tc = tcase_create("refcode");

	tcase_add_unchecked_fixture(tc, NULL, free_codes);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, every_cause_and_setting_round_trips);
	tcase_add_test(tc, known_code_is_the_one_the_cli_test_expands);
	tcase_add_test(tc, reading_is_lenient);
	tcase_add_test(tc, every_misheard_symbol_and_swap_is_refused);
	tcase_add_test(tc, the_layout_is_as_documented);
	tcase_add_test(tc, bad_text_is_refused_with_a_reason);
	tcase_add_test(tc, every_outcome_has_its_class);
	tcase_add_test(tc, from_result_takes_the_best_class_per_port);
	tcase_add_test(tc, from_result_with_nothing_found);
	suite_add_tcase(s, tc);
	return s;
}
