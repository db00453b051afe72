/* Matching pasted text against the catalog. Both sides are normalised the
 * same way (lower case, one space for any run of white space, SMTP reply
 * prefixes such as "550-" removed, typographic quotes made plain), so a
 * message matches whatever line breaks, quoting and prefixes it came with. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpfix/buf.h"
#include "smtpfix/explain.h"

#define MAX_PATTERNS 8

struct entry {
	char id[64];
	char patterns[MAX_PATTERNS][SF_EXPLAIN_FIELD_MAX];
	size_t npatterns;
	char hints[MAX_PATTERNS][64];
	size_t nhints;
	char causes[SF_EXPLAIN_FIELD_MAX];
	char means[SF_EXPLAIN_FIELD_MAX];
	char next[SF_EXPLAIN_FIELD_MAX];
	char warning[SF_EXPLAIN_FIELD_MAX];
	char family[48];
};

/* Normalise into out (NUL-terminated); returns the length. */
static size_t
normalise(const char *in, size_t len, char *out, size_t outsz)
{
	size_t i = 0, o = 0;
	bool line_start = true, space = true;

	while (i < len && o + 1 < outsz) {
		unsigned char c = (unsigned char)in[i];

		/* "550-" / "550 " at the start of a line: a reply's line prefix. */
		if (line_start && i + 3 < len && c >= '2' && c <= '5' &&
			isdigit((unsigned char)in[i + 1]) && isdigit((unsigned char)in[i + 2]) &&
			(in[i + 3] == '-' || in[i + 3] == ' ') && i + 4 < len &&
			in[i + 4] != '\r' && in[i + 4] != '\n') {
			/* Keep the code once (it can matter), drop the dash form. */
			if (in[i + 3] == '-') {
				i += 4;
				continue;
			}
		}
		line_start = false;
		if (c == '\n' || c == '\r')
			line_start = true;
		/* UTF-8 quotes ‘ ’ “ ” (e2 80 98/99/9c/9d) become ' and ". */
		if (c == 0xe2 && i + 2 < len && (unsigned char)in[i + 1] == 0x80) {
			unsigned char d = (unsigned char)in[i + 2];

			if (d == 0x98 || d == 0x99 || d == 0x9c || d == 0x9d) {
				out[o++] = d <= 0x99 ? '\'' : '"';
				space = false;
				i += 3;
				continue;
			}
		}
		if (isspace(c) || c == 0) {
			if (!space)
				out[o++] = ' ';
			space = true;
			i++;
			continue;
		}
		out[o++] = (char)tolower(c);
		space = false;
		i++;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	return o;
}

/* Glob match of pattern (with *) anywhere in text; the span is returned. */
static bool
glob_find(const char *text, const char *pattern, const char **start, const char **end)
{
	char part[SF_EXPLAIN_FIELD_MAX];
	const char *p = pattern, *t = text, *first = NULL;

	while (*p != '\0') {
		const char *star = strchr(p, '*');
		size_t n = star ? (size_t)(star - p) : strlen(p);
		const char *hit;

		/* Trim the part's edge spaces: "a * b" matches "a xyz b". */
		while (n > 0 && p[n - 1] == ' ')
			n--;
		while (n > 0 && *p == ' ') {
			p++;
			n--;
		}
		if (n >= sizeof part)
			return false;
		if (n > 0) {
			memcpy(part, p, n);
			part[n] = '\0';
			hit = strstr(t, part);
			if (hit == NULL)
				return false;
			if (first == NULL)
				first = hit;
			t = hit + n;
		}
		if (star == NULL)
			break;
		p = star + 1;
	}
	if (first == NULL)
		return false;
	*start = first;
	*end = t;
	return true;
}

static void
copy_value(char *dst, size_t dstsz, const char *v, size_t n)
{
	while (n > 0 && isspace((unsigned char)v[n - 1]))
		n--;
	if (n >= dstsz)
		n = dstsz - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

/* Parse the next entry from *pos; false at the end. */
static bool
next_entry(const char **pos, const char *end, struct entry *e)
{
	const char *p = *pos;
	bool any = false;

	memset(e, 0, sizeof *e);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *colon, *v;
		const char *after = nl ? nl + 1 : end;
		size_t klen;

		if (le > p && le[-1] == '\r')
			le--;
		if (le == p) { /* a blank line ends an entry */
			p = after;
			if (any)
				break;
			continue;
		}
		if (*p == '#') {
			p = after;
			continue;
		}
		colon = memchr(p, ':', (size_t)(le - p));
		if (colon == NULL) {
			p = after;
			continue;
		}
		klen = (size_t)(colon - p);
		v = colon + 1;
		while (v < le && *v == ' ')
			v++;
		any = true;
#define KEY(k) (klen == sizeof k - 1 && memcmp(p, k, klen) == 0)
		if (KEY("id"))
			copy_value(e->id, sizeof e->id, v, (size_t)(le - v));
		else if (KEY("match") && e->npatterns < MAX_PATTERNS)
			normalise(v, (size_t)(le - v), e->patterns[e->npatterns++], SF_EXPLAIN_FIELD_MAX);
		else if (KEY("hint") && e->nhints < MAX_PATTERNS)
			normalise(v, (size_t)(le - v), e->hints[e->nhints++], 64);
		else if (KEY("cause"))
			copy_value(e->causes, sizeof e->causes, v, (size_t)(le - v));
		else if (KEY("means"))
			copy_value(e->means, sizeof e->means, v, (size_t)(le - v));
		else if (KEY("next"))
			copy_value(e->next, sizeof e->next, v, (size_t)(le - v));
		else if (KEY("warning"))
			copy_value(e->warning, sizeof e->warning, v, (size_t)(le - v));
		else if (KEY("family"))
			copy_value(e->family, sizeof e->family, v, (size_t)(le - v));
#undef KEY
		p = after;
	}
	*pos = p;
	return any;
}

static void
add_cause(struct sf_explain_result *r, const struct entry *e, const char *cause, double score,
	const char *ms, const char *me)
{
	struct sf_explain_cause *c = NULL;
	size_t i;

	for (i = 0; i < r->ncauses; i++)
		if (strcmp(r->causes[i].cause, cause) == 0)
			c = &r->causes[i];
	if (c != NULL && c->score >= score)
		return;
	if (c == NULL) {
		if (r->ncauses >= SF_EXPLAIN_MAX_CAUSES)
			return;
		c = &r->causes[r->ncauses++];
	}
	memset(c, 0, sizeof *c);
	snprintf(c->cause, sizeof c->cause, "%s", cause);
	c->score = score;
	snprintf(c->entry, sizeof c->entry, "%s", e->id);
	copy_value(c->matched, sizeof c->matched, ms, (size_t)(me - ms));
	snprintf(c->means, sizeof c->means, "%s", e->means);
	snprintf(c->next, sizeof c->next, "%s", e->next);
	snprintf(c->warning, sizeof c->warning, "%s", e->warning);
}

static int
by_score(const void *a, const void *b)
{
	double d = ((const struct sf_explain_cause *)b)->score - ((const struct sf_explain_cause *)a)->score;

	return d > 0 ? 1 : d < 0 ? -1 : 0;
}

int
sf_explain(const char *text, size_t len, const char *catalog, size_t catlen,
	struct sf_explain_result *out, struct sf_error *err)
{
	const char *pos = catalog, *end = catalog + catlen;
	struct entry *e = malloc(sizeof *e);
	char *norm = malloc(SF_EXPLAIN_TEXT_MAX + 1);
	char best_family[48] = "";
	size_t i, best_hits = 0;

	memset(out, 0, sizeof *out);
	if (e == NULL || norm == NULL) {
		free(e);
		free(norm);
		return sf_error_set(err, SF_E_NOMEM, "out of memory");
	}
	normalise(text, len < SF_EXPLAIN_TEXT_MAX ? len : SF_EXPLAIN_TEXT_MAX, norm,
		SF_EXPLAIN_TEXT_MAX + 1);
	while (next_entry(&pos, end, e)) {
		const char *ms = NULL, *me = NULL;
		bool all = e->npatterns > 0;

		for (i = 0; i < e->npatterns && all; i++) {
			const char *s, *t;

			if (!glob_find(norm, e->patterns[i], &s, &t))
				all = false;
			else if (ms == NULL) {
				ms = s;
				me = t;
			}
		}
		if (all && e->warning[0] != '\0' && out->nwarnings < 4)
			snprintf(out->warnings[out->nwarnings++], SF_EXPLAIN_FIELD_MAX, "%s", e->warning);
		if (all) {
			/* "a 0.9, b 0.85": each cause with its score. */
			char list[SF_EXPLAIN_FIELD_MAX], *tok, *save = NULL;

			snprintf(list, sizeof list, "%s", e->causes);
			for (tok = strtok_r(list, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
				char id[48];
				double score = 0.5;

				if (sscanf(tok, " %47s %lf", id, &score) >= 1)
					add_cause(out, e, id, score, ms, me);
			}
		}
		if (e->nhints > 0) {
			size_t hits = 0;

			for (i = 0; i < e->nhints; i++)
				if (strstr(norm, e->hints[i]) != NULL)
					hits++;
			if (hits > best_hits) {
				best_hits = hits;
				snprintf(best_family, sizeof best_family, "%s", e->family);
			}
		}
	}
	qsort(out->causes, out->ncauses, sizeof out->causes[0], by_score);
	if (out->ncauses == 0)
		snprintf(out->family, sizeof out->family, "%s", best_family);
	free(e);
	free(norm);
	return 0;
}

int
sf_explain_check_catalog(const char *catalog, size_t catlen, const char *const *known,
	struct sf_error *err)
{
	const char *pos = catalog, *end = catalog + catlen;
	struct entry e;

	while (next_entry(&pos, end, &e)) {
		char list[SF_EXPLAIN_FIELD_MAX], *tok, *save = NULL;

		if (e.id[0] == '\0')
			return sf_error_set(err, SF_E_USAGE, "a catalog entry has no id");
		if (e.npatterns == 0 && e.nhints == 0)
			return sf_error_set(err, SF_E_USAGE, "entry %s has no match", e.id);
		if (e.npatterns > 0 && (e.causes[0] == '\0' || e.means[0] == '\0' || e.next[0] == '\0'))
			return sf_error_set(err, SF_E_USAGE, "entry %s lacks cause, means or next", e.id);
		snprintf(list, sizeof list, "%s", e.causes);
		for (tok = strtok_r(list, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
			char id[48];
			size_t k;
			bool found = false;

			if (sscanf(tok, " %47s", id) != 1)
				continue;
			for (k = 0; known[k] != NULL; k++)
				if (strcmp(known[k], id) == 0)
					found = true;
			if (!found)
				return sf_error_set(err, SF_E_USAGE, "entry %s names unknown cause %s", e.id, id);
		}
	}
	return 0;
}
