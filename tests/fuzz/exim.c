/* libFuzzer: an Exim configuration through the reader and the verdict.
 * .include names lead under a folder that does not exist. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "smtpfix/mta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sf_exim_model *m = calloc(1, sizeof *m);
	struct sf_policy *p = calloc(1, sizeof *p);
	struct sf_setting verdict;

	if (m != NULL && p != NULL &&
		sf_exim_parse_text((const char *)data, size, "/nonexistent-smtpfix-fuzz",
			"/etc/exim.conf", m, p) == 0)
		sf_exim_verdict(m, "/etc/exim.conf", &verdict);
	free(m);
	free(p);
	return 0;
}
