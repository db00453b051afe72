/* libFuzzer: pasted text against the built-in error knowledge (every
 * errors/ layer file), and the same bytes read as a live server reply. */
#include <stddef.h>
#include <stdint.h>

#include "smtpfix/explain.h"
#include "smtpfix/help.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Parsed once: building it per input would spend the run on parsing. */
	static struct sf_explain_kb *kb;
	static struct sf_explain_result out;
	static char reply[SF_EXPLAIN_TEXT_MAX + 1];
	size_t n = size < SF_EXPLAIN_TEXT_MAX ? size : SF_EXPLAIN_TEXT_MAX;
	size_t i;

	if (kb == NULL && (kb = sf_explain_kb_builtin(NULL, 0, NULL)) == NULL)
		return 0;
	(void)sf_explain_kb_run(kb, (const char *)data, size, &out, NULL);
	for (i = 0; i < n; i++)
		reply[i] = data[i] ? (char)data[i] : ' ';
	reply[n] = '\0';
	(void)sf_explain_reply(kb, size > 0 ? 400 + data[0] % 200 : 500, NULL, reply, &out, NULL);
	return 0;
}
