#include "smtpfix/secret.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "smtpfix/buf.h"

void
sf_secret_protect_process(void)
{
	struct rlimit none = { 0, 0 };

	setrlimit(RLIMIT_CORE, &none);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

static int
secret_alloc(struct sf_secret *s, struct sf_error *err)
{
	s->data = calloc(1, SF_SECRET_MAX + 1);
	s->len = 0;
	if (s->data == NULL)
		return sf_error_set(err, SF_E_NOMEM, "out of memory");
	/* Keep it out of swap where allowed; failing that is not fatal. */
	(void)mlock(s->data, SF_SECRET_MAX + 1);
	return 0;
}

int
sf_secret_set(struct sf_secret *s, const char *text, struct sf_error *err)
{
	size_t len = strlen(text);

	if (len > SF_SECRET_MAX)
		return sf_error_set(err, SF_E_USAGE, "the password is longer than %d characters",
			SF_SECRET_MAX);
	if (secret_alloc(s, err) < 0)
		return -1;
	memcpy(s->data, text, len);
	s->len = len;
	return 0;
}

int
sf_secret_read_line(struct sf_secret *s, FILE *f, struct sf_error *err)
{
	int c;

	if (secret_alloc(s, err) < 0)
		return -1;
	while ((c = getc(f)) != EOF && c != '\n') {
		if (s->len >= SF_SECRET_MAX) {
			sf_secret_free(s);
			return sf_error_set(err, SF_E_USAGE,
				"the password is longer than %d characters", SF_SECRET_MAX);
		}
		s->data[s->len++] = (char)c;
	}
	if (s->len > 0 && s->data[s->len - 1] == '\r')
		s->data[--s->len] = '\0';
	if (c == EOF && s->len == 0) {
		sf_secret_free(s);
		return sf_error_set(err, SF_E_USAGE, "no password on standard input");
	}
	return 0;
}

void
sf_secret_free(struct sf_secret *s)
{
	if (s->data != NULL) {
		sf_memwipe(s->data, SF_SECRET_MAX + 1);
		munlock(s->data, SF_SECRET_MAX + 1);
		free(s->data);
	}
	s->data = NULL;
	s->len = 0;
}
