/* libFuzzer: server bytes into the SMTP reply parser, in two pieces split
 * where the first byte says, so partial lines are exercised too. */
#include <stddef.h>
#include <stdint.h>

#include "smtpfix/smtp_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sf_reply_parser p;
	struct sf_reply r;
	struct sf_error err;
	size_t cut = size > 0 ? data[0] % (size + 1) : 0;
	int k, rc;

	sf_reply_parser_init(&p);
	for (k = 0; k < 2; k++) {
		const char *piece = (const char *)data + (k == 0 ? 0 : cut);
		size_t len = k == 0 ? cut : size - cut;

		if (sf_reply_parser_feed(&p, piece, len, &err) < 0)
			break;
		while ((rc = sf_reply_parser_next(&p, &r, NULL, NULL, &err)) == 1)
			sf_reply_free(&r);
		if (rc < 0)
			break;
	}
	sf_reply_parser_free(&p);
	return 0;
}
