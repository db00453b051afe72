/* libFuzzer: mail log lines through the classifier and the grouping. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "smtpfix/mta_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sf_log_scan scan;
	const char *p = (const char *)data, *end = p + size;
	time_t now = 1790000000;

	sf_log_scan_init(&scan, 0, now);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct sf_log_hit hit;

		if (sf_log_classify(p, len, now, &hit))
			sf_log_scan_add(&scan, &hit, p, len);
		p += len + (nl != NULL);
	}
	sf_log_scan_free(&scan);
	return 0;
}
