/* libFuzzer: the whole SMTP session engine against arbitrary server bytes.
 * The first byte picks the TLS policy and whether to log in; each later
 * control byte says how many bytes arrive next, whether the TLS handshake
 * "succeeds", or that the server hangs up. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "smtpfix/smtp_session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char password[] = "fuzz-password";
	struct sf_session_config cfg;
	struct sf_session s;
	struct sf_session_result res;
	size_t pos = 1, turns;

	if (size == 0)
		return 0;
	memset(&cfg, 0, sizeof cfg);
	cfg.tls = (enum sf_tls_policy)(data[0] % 4);
	cfg.ehlo_name = "fuzz.example";
	cfg.mail_from = "a@example.org";
	cfg.rcpt_to = "b@example.org";
	cfg.rcpt_test = (data[0] & 4) != 0;
	if (data[0] & 8) {
		cfg.auth_user = "user@example.org";
		cfg.auth_password = password;
		cfg.auth_password_len = sizeof password - 1;
		cfg.allow_plaintext_auth = (data[0] & 16) != 0;
		cfg.send_test = (data[0] & 32) != 0;
		cfg.message = "Subject: x\r\n\r\nbody";
	}
	sf_session_init(&s, &cfg);
	for (turns = 0; turns < 4096; turns++) {
		enum sf_session_want want = sf_session_want(&s);
		size_t len;

		if (want == SF_WANT_DONE)
			break;
		if (want == SF_WANT_WRITE) {
			(void)sf_session_output(&s, &len);
			sf_session_output_done(&s, len);
		} else if (want == SF_WANT_TLS) {
			sf_session_tls_done(
				&s, pos < size && (data[pos++] & 1), "fuzzed handshake");
		} else if (pos >= size) {
			sf_session_eof(&s, false);
		} else {
			size_t n = (size_t)data[pos++] + 1;

			if (n > size - pos)
				n = size - pos;
			sf_session_feed(&s, (const char *)data + pos, n);
			pos += n;
		}
	}
	sf_session_take_result(&s, &res);
	sf_session_free(&s);
	sf_session_result_free(&res);
	return 0;
}
