/* libFuzzer: a client guide file (help/clients format) through the renderer. */
#include <stddef.h>
#include <stdint.h>

#include "smtpfix/guide.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sf_guide_values v = { "mail.example.com", 587, SF_GUIDE_STARTTLS, true,
		"you@example.com", NULL, false, "ca.pem" };
	struct sf_buf out;
	struct sf_error err;

	if (size > 0) {
		/* The first byte picks the mode, the login and the private CA, so
		 * every kind of step and example line is reached. */
		v.security = (enum sf_guide_security)(data[0] % 3);
		v.auth = (data[0] & 0x10) == 0;
		v.private_ca = (data[0] & 0x20) != 0;
	}
	sf_buf_init(&out, 1 << 20);
	(void)sf_guide_render((const char *)data, size, &v, &out, &err);
	sf_buf_free(&out);
	return 0;
}
