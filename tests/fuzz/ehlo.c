/* libFuzzer: a reply, then the EHLO parser on every complete reply. */
#include <stddef.h>
#include <stdint.h>

#include "smtpfix/smtp_ehlo.h"
#include "smtpfix/smtp_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sf_reply_parser p;
	struct sf_reply r;
	struct sf_ehlo e;
	struct sf_error err;

	sf_reply_parser_init(&p);
	if (sf_reply_parser_feed(&p, (const char *)data, size, &err) == 0) {
		while (sf_reply_parser_next(&p, &r, NULL, NULL, &err) == 1) {
			/* parse always starts from a cleared struct, so free is safe */
			(void)sf_ehlo_parse(&e, &r, &err);
			(void)sf_ehlo_has_auth(&e, "PLAIN");
			sf_ehlo_free(&e);
			sf_reply_free(&r);
		}
	}
	sf_reply_parser_free(&p);
	return 0;
}
