/* libFuzzer: a client guide file (help/clients format) through the renderer. */
#include <stddef.h>
#include <stdint.h>

#include "smtpfix/guide.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sf_guide_values v = { "mail.example.com", 587, SF_GUIDE_STARTTLS, true,
		"you@example.com" };
	struct sf_buf out;
	struct sf_error err;

	if (size > 0)
		v.security = (enum sf_guide_security)(data[0] % 3);
	sf_buf_init(&out, 1 << 20);
	(void)sf_guide_render((const char *)data, size, &v, &out, &err);
	sf_buf_free(&out);
	return 0;
}
