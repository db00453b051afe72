#include "smtpfix/transcript.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpfix/buf.h"
#include "smtpfix/clock.h"
#include "smtpfix/text.h"

void
sf_transcript_init(struct sf_transcript *t, double (*clock)(void))
{
	memset(t, 0, sizeof *t);
	t->clock = clock ? clock : sf_now_ms_precise;
	t->t0 = t->clock();
}

void
sf_transcript_free(struct sf_transcript *t)
{
	size_t i;

	for (i = 0; i < t->count; i++)
		free(t->entries[i].text);
	free(t->entries);
	t->entries = NULL;
	t->count = 0;
}

void
sf_transcript_add(struct sf_transcript *t, enum sf_dir dir, const char *text, size_t len)
{
	struct sf_transcript_entry *e;
	size_t keep = len > SF_TRANSCRIPT_MAX_LINE ? SF_TRANSCRIPT_MAX_LINE : len;
	char *copy;

	if (t->count >= SF_TRANSCRIPT_MAX_ENTRIES) {
		t->dropped++;
		return;
	}
	if (t->entries == NULL) {
		t->entries = calloc(SF_TRANSCRIPT_MAX_ENTRIES, sizeof *t->entries);
		if (t->entries == NULL) {
			t->dropped++;
			return;
		}
	}
	copy = malloc(keep + 48);
	if (copy == NULL) {
		t->dropped++;
		return;
	}
	memcpy(copy, text, keep);
	if (keep < len)
		snprintf(copy + keep, 48, " [... %zu bytes cut]", len - keep);
	else
		copy[keep] = '\0';
	e = &t->entries[t->count++];
	e->ms = t->clock() - t->t0;
	e->dir = dir;
	e->text = copy;
}

void
sf_transcript_note(struct sf_transcript *t, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sf_transcript_add(t, SF_DIR_NOTE, tmp, strlen(tmp));
}

bool
sf_redact_command(const char *line, size_t len, bool in_auth, char *out, size_t outsz)
{
	static const char redacted[] = "[redacted]";
	size_t n;

	if (outsz == 0)
		return false;
	if (in_auth) {
		/* Every client line inside an AUTH exchange is a credential
		 * (LOGIN user and password, CRAM-MD5 response, "*" aside). */
		if (len == 1 && line[0] == '*') {
			snprintf(out, outsz, "*");
			return false;
		}
		snprintf(out, outsz, "%s", redacted);
		return true;
	}
	/* "AUTH MECH initial-response": keep the mechanism, drop the rest. */
	if (len >= 5 && sf_has_prefix_ci(line, "AUTH ")) {
		const char *mech = line + 5;
		size_t mlen = 0;

		while (5 + mlen < len && mech[mlen] != ' ')
			mlen++;
		if (5 + mlen < len) {
			snprintf(out, outsz, "AUTH %.*s %s", (int)mlen, mech, redacted);
			return true;
		}
	}
	n = len < outsz - 1 ? len : outsz - 1;
	memcpy(out, line, n);
	out[n] = '\0';
	return false;
}

void
sf_transcript_client(struct sf_transcript *t, const char *line, size_t len, bool in_auth)
{
	char tmp[SF_TRANSCRIPT_MAX_LINE + 1];

	sf_redact_command(line, len, in_auth, tmp, sizeof tmp);
	sf_transcript_add(t, SF_DIR_CLIENT, tmp, strlen(tmp));
}

const char *
sf_dir_tag(enum sf_dir dir)
{
	switch (dir) {
	case SF_DIR_CLIENT: return "C";
	case SF_DIR_SERVER: return "S";
	case SF_DIR_NOTE: return "*";
	}
	return "?";
}
