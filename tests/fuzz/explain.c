/* libFuzzer: pasted text against the built-in error catalog. */
#include <stddef.h>
#include <stdint.h>

#include "smtpfix/explain.h"
#include "smtpfix/help.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sf_explain_result out;
	size_t catlen;
	const char *cat = sf_help_get("errors/catalog.txt", &catlen);

	if (cat != NULL)
		(void)sf_explain((const char *)data, size, cat, catlen, &out, NULL);
	return 0;
}
