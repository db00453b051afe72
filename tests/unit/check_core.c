#include <string.h>

#include "smtpfix/buf.h"
#include "smtpfix/json.h"
#include "smtpfix/net.h"
#include "smtpfix/text.h"
#include "smtpfix/transcript.h"
#include "unit/suites.h"

START_TEST(buf_refuses_past_its_maximum)
{
	struct sf_buf b;
	struct sf_error err;

	sf_buf_init(&b, 8);
	ck_assert_int_eq(sf_buf_addstr(&b, "12345678", &err), 0);
	ck_assert_int_eq(sf_buf_addstr(&b, "9", &err), -1);
	ck_assert_int_eq(err.code, SF_E_TOO_LONG);
	ck_assert_uint_eq(b.len, 8);
	ck_assert_str_eq(b.data, "12345678");
	sf_buf_consume(&b, 3);
	ck_assert_str_eq(b.data, "45678");
	sf_buf_free(&b);
}
END_TEST

START_TEST(wipe_clears_the_bytes)
{
	char secret[16] = "hunter2-secret";

	sf_memwipe(secret, sizeof secret);
	for (size_t i = 0; i < sizeof secret; i++)
		ck_assert_int_eq(secret[i], 0);
}
END_TEST

static const char *
sanitize(const char *in, size_t len, size_t max)
{
	static struct sf_buf out;
	struct sf_error err;

	sf_buf_free(&out);
	sf_buf_init(&out, 4096);
	ck_assert_int_eq(sf_sanitize_append(&out, in, len, max, &err), 0);
	return out.data ? out.data : "";
}

START_TEST(sanitize_neutralises_terminal_escapes)
{
	static const char in[] = "220 \x1b]0;owned\x07 \x1b[2J\x9b ok";
	const char *s = sanitize(in, sizeof in - 1, 1000);

	ck_assert_ptr_null(strchr(s, 0x1b));
	ck_assert_ptr_null(strchr(s, 0x07));
	ck_assert_str_eq(s, "220 \\x1b]0;owned\\x07 \\x1b[2J\\x9b ok");
}
END_TEST

START_TEST(sanitize_keeps_utf8_and_escapes_c1)
{
	/* "é" stays; U+0085 (C1 NEL, encoded c2 85) is escaped byte by byte. */
	ck_assert_str_eq(sanitize("caf\xc3\xa9 \xc2\x85", 8, 1000), "caf\xc3\xa9 \\xc2\\x85");
	ck_assert_str_eq(sanitize("a\0b", 3, 1000), "a\\x00b");
	ck_assert_str_eq(sanitize("\xff\xfe", 2, 1000), "\\xff\\xfe");
	ck_assert_str_eq(sanitize("abcdef", 6, 3), "abc... (3 more bytes)");
}
END_TEST

START_TEST(utf8_decoder_rejects_overlong_and_surrogates)
{
	unsigned cp;

	ck_assert_uint_eq(sf_utf8_decode((const unsigned char *)"\xc0\xaf", 2, &cp), 0);
	ck_assert_uint_eq(sf_utf8_decode((const unsigned char *)"\xed\xa0\x80", 3, &cp), 0);
	ck_assert_uint_eq(sf_utf8_decode((const unsigned char *)"\xf4\x90\x80\x80", 4, &cp), 0);
	ck_assert_uint_eq(sf_utf8_decode((const unsigned char *)"\xe2\x82\xac", 3, &cp), 3);
	ck_assert_uint_eq(cp, 0x20ac);
}
END_TEST

START_TEST(json_escapes_everything_a_server_can_send)
{
	struct sf_buf b;
	struct sf_json j;
	struct sf_error err;

	sf_buf_init(&b, 4096);
	sf_json_init(&j, &b, 0);
	sf_json_object_begin(&j);
	sf_json_key(&j, "t");
	sf_json_string_n(&j, "a\"b\\c\n\x1b\xff", 8);
	sf_json_key(&j, "n");
	sf_json_null(&j);
	sf_json_key(&j, "l");
	sf_json_array_begin(&j);
	sf_json_int(&j, 1);
	sf_json_bool(&j, false);
	sf_json_array_end(&j);
	sf_json_object_end(&j);
	ck_assert_int_eq(sf_json_finish(&j, &err), 0);
	ck_assert_str_eq(
		b.data, "{\"t\":\"a\\\"b\\\\c\\n\\u001b\xef\xbf\xbd\",\"n\":null,\"l\":[1,false]}");
	sf_buf_free(&b);
}
END_TEST

/* Characters that reorder or hide text: "x<RLO>gpj.exe" would read as
 * "xexe.jpg". Each is shown by its code point, never raw. */
START_TEST(sanitize_shows_bidi_and_invisible_characters)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "x\xe2\x80\xaegpj.exe", "x<U+202E>gpj.exe" }, /* RLO */
		{ "\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad",
			"<U+202A><U+202B><U+202C><U+202D>" },
		{ "\xe2\x81\xa6"
		  "a"
		  "\xe2\x81\xa9",
			"<U+2066>a<U+2069>" }, /* isolates */
		{ "\xe2\x81\xa7\xe2\x81\xa8", "<U+2067><U+2068>" },
		{ "\xe2\x80\x8e\xe2\x80\x8f", "<U+200E><U+200F>" }, /* LRM, RLM */
		{ "\xd8\x9c", "<U+061C>" },                         /* ALM */
		{ "a\xe2\x80\xa8"
		  "b\xe2\x80\xa9",
			"a<U+2028>b<U+2029>" }, /* line, paragraph */
		{ "p\xe2\x80\x8bw\xe2\x80\x8c\xe2\x80\x8d", "p<U+200B>w<U+200C><U+200D>" },
		{ "\xe2\x81\xa0", "<U+2060>" },     /* word joiner */
		{ "\xef\xbb\xbfok", "<U+FEFF>ok" }, /* BOM */
		{ "\xf3\xa0\x80\x81\xf3\xa0\x81\x81\xf3\xa0\x81\xbf",
			"<U+E0001><U+E0041><U+E007F>" }, /* tags */
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ck_assert_str_eq(sanitize(cases[i].in, strlen(cases[i].in), 1000), cases[i].want);
	/* Ordinary letters, accents and symbols stay as they are. */
	ck_assert_str_eq(sanitize("B\xc3\xbc"
				  "cher \xe2\x82\xac \xe6\x97\xa5",
				 15, 1000),
		"B\xc3\xbc"
		"cher \xe2\x82\xac \xe6\x97\xa5");
	/* C1 controls in UTF-8 (CSI, U+009B) stay escaped. */
	ck_assert_str_eq(sanitize("\xc2\x9b"
				  "31m",
				 5, 1000),
		"\\xc2\\x9b31m");
}
END_TEST

START_TEST(json_escapes_c1_separators_and_hidden_characters)
{
	struct sf_buf b;
	struct sf_json j;
	struct sf_error err;

	sf_buf_init(&b, 4096);
	sf_json_init(&j, &b, 0);
	sf_json_array_begin(&j);
	sf_json_string(&j, "CN=\xc2\x9b"
			   "31m\xc2\x80\xc2\x9f"); /* C1 controls */
	sf_json_string(&j, "a\xe2\x80\xa8"
			   "b\xe2\x80\xa9"
			   "c");                                       /* U+2028, U+2029 */
	sf_json_string(&j, "x\xe2\x80\xaegpj.exe\xef\xbb\xbf");        /* RLO, BOM */
	sf_json_string(&j, "\xf3\xa0\x81\x81");                        /* tag U+E0041 */
	sf_json_string(&j, "bad \xc0\xaf \xed\xa0\x80 \xf8 \xe2\x82"); /* not UTF-8 */
	sf_json_string(&j, "\xc3\xa9\xe2\x82\xac");                    /* kept */
	sf_json_array_end(&j);
	ck_assert_int_eq(sf_json_finish(&j, &err), 0);
	ck_assert_str_eq(b.data,
		"[\"CN=\\u009b31m\\u0080\\u009f\","
		"\"a\\u2028b\\u2029c\","
		"\"x\\u202egpj.exe\\ufeff\","
		"\"\\udb40\\udc41\","
		"\"bad \xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd "
		"\xef\xbf\xbd\xef\xbf\xbd\","
		"\"\xc3\xa9\xe2\x82\xac\"]");
	sf_buf_free(&b);
}
END_TEST

START_TEST(redaction_hides_credentials)
{
	char out[128];

	ck_assert(sf_redact_command("AUTH PLAIN AHVzZXIAcGFzcw==", 27, false, out, sizeof out));
	ck_assert_str_eq(out, "AUTH PLAIN [redacted]");
	ck_assert_ptr_null(strstr(out, "AHVz"));
	ck_assert(!sf_redact_command("AUTH LOGIN", 10, false, out, sizeof out));
	ck_assert_str_eq(out, "AUTH LOGIN");
	ck_assert(sf_redact_command("dXNlcg==", 8, true, out, sizeof out));
	ck_assert_str_eq(out, "[redacted]");
	ck_assert(!sf_redact_command("*", 1, true, out, sizeof out));
	ck_assert(!sf_redact_command("MAIL FROM:<a@b>", 15, false, out, sizeof out));
	ck_assert_str_eq(out, "MAIL FROM:<a@b>");
	ck_assert(sf_redact_command("auth xoauth2 dG9rZW4=", 21, false, out, sizeof out));
	ck_assert_str_eq(out, "AUTH xoauth2 [redacted]");
}
END_TEST

START_TEST(transcript_records_redacted_and_bounded)
{
	struct sf_transcript t;
	char big[5000];
	size_t i;

	sf_transcript_init(&t, NULL);
	sf_transcript_client(&t, "AUTH PLAIN c2VjcmV0", 19, false);
	ck_assert_str_eq(t.entries[0].text, "AUTH PLAIN [redacted]");
	memset(big, 'x', sizeof big);
	sf_transcript_add(&t, SF_DIR_SERVER, big, sizeof big);
	ck_assert_ptr_nonnull(strstr(t.entries[1].text, "[... 3976 bytes cut]"));
	for (i = 0; i < SF_TRANSCRIPT_MAX_ENTRIES + 5; i++)
		sf_transcript_add(&t, SF_DIR_SERVER, "250 ok", 6);
	ck_assert_uint_eq(t.count, SF_TRANSCRIPT_MAX_ENTRIES);
	ck_assert_uint_eq(t.dropped, 7);
	sf_transcript_free(&t);
}
END_TEST

START_TEST(host_names_are_checked)
{
	ck_assert(sf_host_valid("mail.example.com"));
	ck_assert(sf_host_valid("127.0.0.1"));
	ck_assert(sf_host_valid("::1"));
	ck_assert(sf_host_valid("[2001:db8::1]"));
	ck_assert(!sf_host_valid(""));
	ck_assert(!sf_host_valid("bad host"));
	ck_assert(!sf_host_valid("a..b"));
	ck_assert(!sf_host_valid("-a.b"));
	ck_assert(!sf_host_valid("x;rm -rf"));
	ck_assert(!sf_host_valid("[not-v6]"));
	/* An address needs no lookup; a name does, even one of digits. */
	ck_assert(sf_host_is_literal("192.0.2.1"));
	ck_assert(sf_host_is_literal("2001:db8::1"));
	ck_assert(sf_host_is_literal("[2001:db8::1]"));
	ck_assert(!sf_host_is_literal("mail.example.com"));
	ck_assert(!sf_host_is_literal("1.2.3.4.example"));
	ck_assert(!sf_host_is_literal(""));
	ck_assert(!sf_host_valid(
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com"));
}
END_TEST

/* A name typed in Unicode becomes its A-labels; nothing that is not a
 * name may become one (libidn2 alone drops a space or an underscore). */
START_TEST(international_names_convert_to_a_labels)
{
	char out[SF_HOST_MAX + 1];
	struct sf_error err;

	ck_assert_int_eq(sf_host_to_ascii("b\xc3\xbc"
					  "cher.test",
				 out, sizeof out, &err),
		1);
	ck_assert_str_eq(out, "xn--bcher-kva.test");
	ck_assert_int_eq(sf_host_to_ascii("B\xc3\x9c"
					  "CHER.test",
				 out, sizeof out, &err),
		1);
	ck_assert_str_eq(out, "xn--bcher-kva.test");
	ck_assert_int_eq(sf_host_to_ascii("stra\xc3\x9f"
					  "e.de",
				 out, sizeof out, &err),
		1);
	ck_assert_str_eq(out, "xn--strae-oqa.de");
	ck_assert_int_eq(sf_host_to_ascii("mail.example.com", out, sizeof out, &err), 0);
	ck_assert_str_eq(out, "mail.example.com");
	ck_assert_int_eq(sf_host_to_ascii("b\xc3\xbc cher.test", out, sizeof out, &err), -1);
	ck_assert_int_eq(err.code, SF_E_USAGE);
	ck_assert_int_eq(sf_host_to_ascii("b\xc3\xbc_x.test", out, sizeof out, &err), -1);
	ck_assert_int_eq(sf_host_to_ascii("b\xc3\xbc\xe2\x80\xae"
					  "cher.test",
				 out, sizeof out, &err),
		-1);
	ck_assert_int_eq(sf_host_to_ascii("b\xc3\xbc\x1b[31m.test", out, sizeof out, &err), -1);
	ck_assert_int_eq(sf_host_to_ascii("b\xff.test", out, sizeof out, &err), -1);
	ck_assert_int_eq(sf_host_to_ascii("-b\xc3\xbc.test", out, sizeof out, &err), -1);
	ck_assert_int_eq(sf_host_to_ascii("b\xc3\xbc"
					  "cher.test",
				 out, 10, &err),
		-1);
}
END_TEST

Suite *
core_suite(void)
{
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, buf_refuses_past_its_maximum);
	tcase_add_test(tc, wipe_clears_the_bytes);
	tcase_add_test(tc, sanitize_neutralises_terminal_escapes);
	tcase_add_test(tc, sanitize_keeps_utf8_and_escapes_c1);
	tcase_add_test(tc, utf8_decoder_rejects_overlong_and_surrogates);
	tcase_add_test(tc, json_escapes_everything_a_server_can_send);
	tcase_add_test(tc, sanitize_shows_bidi_and_invisible_characters);
	tcase_add_test(tc, json_escapes_c1_separators_and_hidden_characters);
	tcase_add_test(tc, redaction_hides_credentials);
	tcase_add_test(tc, transcript_records_redacted_and_bounded);
	tcase_add_test(tc, host_names_are_checked);
	tcase_add_test(tc, international_names_convert_to_a_labels);
	suite_add_tcase(s, tc);
	return s;
}
