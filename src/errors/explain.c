/* The evidence engine behind `smtpfix explain` and the probe's reading of
 * server replies. It knows no message itself: every word it looks for comes
 * from the files in help/errors, so a support team extends it by editing data.
 *
 * Both the text and the patterns are normalised the same way (lower case,
 * one space for any run of white space, the "550-" prefix of continued
 * reply lines removed, typographic quotes made plain, the two characters
 * "\n" of a quoted byte string read as a line break), so a message matches
 * whatever line breaks, quoting and prefixes it came with. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpfix/explain.h"
#include "smtpfix/help.h"

#define MAX_PATTERNS 80 /* match/any/unless lines of one entry */
#define MAX_HINTS 8
#define MAX_RULE_CODES 16
#define MAX_RULE_CAUSES 6
#define MAX_TEXT_CODES 48   /* codes collected from one text */
#define KB_SOURCES_MAX 128  /* built-in errors/ and causes/ files */
#define WEIGHT_BARE_MAX 0.5 /* a reply code with nothing else */
#define AGREE_BONUS 0.02    /* per other layer that agrees */
#define AGREE_MAX 0.04
#define AGREE_MIN_WEIGHT 0.5 /* weaker evidence does not count as agreement */
#define LITERAL_STAR '\x01'  /* a pattern's "\\*": a star in the text */
#define SCORE_MAX 0.99

enum layer { L_CODE, L_NETWORK, L_TLS, L_CLIENT, L_LOG, L_CATALOG, L_COUNT };

static const char *const layer_names[L_COUNT] = {
	"code",
	"network",
	"tls",
	"client",
	"log",
	"catalog",
};
/* When two causes tie on score, the one resting on the more specific layer
 * comes first: a known whole message, then a runtime's or a log's own
 * wording, then a program's wording, then a bare code. */
static const int layer_rank[L_COUNT] = { 1, 3, 3, 2, 3, 4 };

/* match: required; any: one of a group; also: one of a second group;
 * unless: none may be found. */
enum pat_kind { P_ALL, P_ANY, P_ALSO, P_UNLESS };

/* "none" in a rule: the text names a situation no cause fits. */
#define CAUSE_NONE SF_CAUSE_COUNT

struct rule_cause {
	char id[48];         /* as written, for the checker's messages */
	enum sf_cause cause; /* or CAUSE_NONE */
	double weight;
};

/* Strings live in the kb's arena; a rule keeps offsets (0 is ""). */
struct rule {
	char id[64];
	enum layer layer;
	size_t pat[MAX_PATTERNS];
	enum pat_kind kind[MAX_PATTERNS];
	size_t npat;
	char status[MAX_RULE_CODES][SF_EXPLAIN_ENHANCED_MAX];
	size_t nstatus;
	int reply[MAX_RULE_CODES];
	size_t nreply;
	struct rule_cause causes[MAX_RULE_CAUSES];
	size_t ncauses;
	size_t means, next, warning;
	char family[48];
	size_t hint[MAX_HINTS];
	size_t nhint;
};

struct cause_info {
	bool loaded;
	char title[SF_EXPLAIN_FIELD_MAX];
	char means[SF_EXPLAIN_FIELD_MAX];
	char next[SF_EXPLAIN_FIELD_MAX];
};

struct sf_explain_kb {
	struct rule *rules;
	size_t nrules, caprules;
	char *arena;
	size_t arenalen, arenacap;
	struct cause_info causes[SF_CAUSE_COUNT]; /* indexed by cause */
};

/* ---- normalising ---- */

static bool
is_reply_prefix(const char *in, size_t i, size_t len)
{
	return i + 4 < len && in[i] >= '2' && in[i] <= '5' && isdigit((unsigned char)in[i + 1]) &&
	       isdigit((unsigned char)in[i + 2]) && in[i + 3] == '-' && in[i + 4] != '\r' &&
	       in[i + 4] != '\n';
}

/* Normalise into out (NUL-terminated); returns the length. */
static size_t
normalise(const char *in, size_t len, char *out, size_t outsz)
{
	size_t i = 0, o = 0;
	bool line_start = true, space = true;

	while (i < len && o + 1 < outsz) {
		unsigned char c = (unsigned char)in[i];

		/* "550-" at the start of a line continues a reply: drop it, so a
		 * wrapped reply reads as one sentence. "550 " stays. */
		if (line_start && is_reply_prefix(in, i, len)) {
			i += 4;
			continue;
		}
		line_start = false;
		if (c == '\n' || c == '\r')
			line_start = true;
		/* A quoted byte string's "\n", "\r", "\t" (two characters) is
		 * the line break the server sent. */
		if (c == '\\' && i + 1 < len &&
			(in[i + 1] == 'n' || in[i + 1] == 'r' || in[i + 1] == 't')) {
			if (!space)
				out[o++] = ' ';
			space = true;
			line_start = true;
			i += 2;
			continue;
		}
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
		/* The multiplication sign some pages print in "0×800CCC0E". */
		if (c == 0xc3 && i + 1 < len && (unsigned char)in[i + 1] == 0x97) {
			out[o++] = 'x';
			space = false;
			i += 2;
			continue;
		}
		/* Capitals of Latin-1 (À-Þ) and Cyrillic (Ѐ-Я) in UTF-8 fold
		 * to small letters, as ASCII does: "Сервере" reads "сервере". */
		if ((c == 0xc3 || c == 0xd0) && i + 1 < len && o + 2 < outsz) {
			unsigned char d = (unsigned char)in[i + 1];
			unsigned char lead = c, trail = 0;

			if (c == 0xc3 && d >= 0x80 && d <= 0x9e)
				trail = (unsigned char)(d + 0x20);
			else if (c == 0xd0 && d >= 0x90 && d <= 0x9f)
				trail = (unsigned char)(d + 0x20);
			else if (c == 0xd0 && d >= 0xa0 && d <= 0xaf) {
				lead = 0xd1;
				trail = (unsigned char)(d - 0x20);
			} else if (c == 0xd0 && d >= 0x80 && d <= 0x8f) {
				lead = 0xd1;
				trail = (unsigned char)(d + 0x10);
			}
			if (trail != 0) {
				out[o++] = (char)lead;
				out[o++] = (char)trail;
				space = false;
				i += 2;
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
			size_t k;

			memcpy(part, p, n);
			part[n] = '\0';
			for (k = 0; k < n; k++)
				if (part[k] == LITERAL_STAR)
					part[k] = '*';
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

/* ---- codes in a text ---- */

struct text_codes {
	int reply[MAX_TEXT_CODES];
	size_t reply_at[MAX_TEXT_CODES];
	size_t nreply;
	char status[MAX_TEXT_CODES][SF_EXPLAIN_ENHANCED_MAX];
	size_t status_at[MAX_TEXT_CODES];
	size_t nstatus;
};

/* A number right after one of these words is not a reply code. */
static bool
after_counting_word(const char *t, size_t i)
{
	static const char *const words[] = { "line ", "port ", "port: ", "pid ", "size ", "bits ",
		"length ", "char ", "at ", "errno ", "error #", "#" };
	size_t k;

	for (k = 0; k < sizeof words / sizeof words[0]; k++) {
		size_t n = strlen(words[k]);

		if (i >= n && memcmp(t + i - n, words[k], n) == 0 &&
			(i == n || !isalpha((unsigned char)t[i - n - 1])))
			return true;
	}
	return false;
}

/* Reply codes (three digits standing alone) and enhanced status codes
 * (class.subject.detail, class 2, 4 or 5, subject 0-7) wherever they are:
 * at a line start, after "code:", inside JSON or a Python tuple. */
static void
find_codes(const char *t, size_t len, struct text_codes *c)
{
	size_t i;

	memset(c, 0, sizeof *c);
	for (i = 0; i < len; i++) {
		unsigned char prev = i > 0 ? (unsigned char)t[i - 1] : ' ';

		if (!isdigit((unsigned char)t[i]) || isalnum(prev) || prev == '.' || prev == '_')
			continue;
		/* x.y.z: 4.7.0, 5.7.139 */
		if ((t[i] == '2' || t[i] == '4' || t[i] == '5') && i + 4 < len + 0 &&
			t[i + 1] == '.' && t[i + 2] >= '0' && t[i + 2] <= '7' && t[i + 3] == '.' &&
			isdigit((unsigned char)t[i + 4])) {
			size_t j = i + 4, n;

			while (j < len && j < i + 7 && isdigit((unsigned char)t[j]))
				j++;
			if ((j >= len || !isdigit((unsigned char)t[j])) &&
				!(j + 1 < len && t[j] == '.' && isdigit((unsigned char)t[j + 1])) &&
				!isalpha((unsigned char)(j < len ? t[j] : ' ')) &&
				c->nstatus < MAX_TEXT_CODES) {
				n = j - i;
				memcpy(c->status[c->nstatus], t + i, n);
				c->status[c->nstatus][n] = '\0';
				c->status_at[c->nstatus++] = i;
			}
			i = j;
			continue;
		}
		if (prev == ':' || prev == '=' || prev == '-' || prev == '/' || prev == '$' ||
			prev == '%' || prev == '+')
			continue;
		if (t[i] >= '2' && t[i] <= '5' && i + 2 < len && isdigit((unsigned char)t[i + 1]) &&
			isdigit((unsigned char)t[i + 2])) {
			char after = i + 3 < len ? t[i + 3] : ' ';

			if (!isalnum((unsigned char)after) && after != '_' &&
				!(after == '.' && i + 4 < len &&
					isdigit((unsigned char)t[i + 4])) &&
				!(after == ':' && i + 4 < len &&
					isdigit((unsigned char)t[i + 4])) &&
				!after_counting_word(t, i) && c->nreply < MAX_TEXT_CODES) {
				c->reply[c->nreply] = (t[i] - '0') * 100 + (t[i + 1] - '0') * 10 +
						      (t[i + 2] - '0');
				c->reply_at[c->nreply++] = i;
			}
		}
		while (i + 1 < len && isdigit((unsigned char)t[i + 1]))
			i++;
	}
}

/* "5.7.*" matches any 5.7.x; "5.7.606-649" any detail in that range (a
 * provider's block of details); otherwise the codes must be equal. */
static bool
status_matches(const char *rule, const char *code)
{
	size_t n = strlen(rule);
	const char *dash = strchr(rule, '-');

	if (n >= 2 && rule[n - 1] == '*')
		return strncmp(rule, code, n - 1) == 0;
	if (dash != NULL) {
		const char *dot = strrchr(code, '.');
		size_t pre;
		long lo, hi, d;

		if (dot == NULL)
			return false;
		pre = (size_t)(dot - code) + 1;
		if (pre >= (size_t)(dash - rule) || strncmp(rule, code, pre) != 0)
			return false;
		lo = strtol(rule + pre, NULL, 10);
		hi = strtol(dash + 1, NULL, 10);
		d = strtol(dot + 1, NULL, 10);
		return d >= lo && d <= hi;
	}
	return strcmp(rule, code) == 0;
}

/* ---- parsing the data ---- */

struct block_line {
	const char *key;
	size_t klen;
	const char *val;
	size_t vlen;
};

/* The next "key: value" block from *pos; returns the number of lines (0 at
 * the end). Comment lines (#) are skipped; a blank line ends a block. */
static size_t
next_block(const char **pos, const char *end, struct block_line *lines, size_t max)
{
	const char *p = *pos;
	size_t n = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *colon, *v;
		const char *after = nl ? nl + 1 : end;

		if (le > p && le[-1] == '\r')
			le--;
		if (le == p) {
			p = after;
			if (n > 0)
				break;
			continue;
		}
		if (*p == '#' || (colon = memchr(p, ':', (size_t)(le - p))) == NULL) {
			p = after;
			continue;
		}
		v = colon + 1;
		while (v < le && *v == ' ')
			v++;
		if (n < max) {
			lines[n].key = p;
			lines[n].klen = (size_t)(colon - p);
			lines[n].val = v;
			lines[n].vlen = (size_t)(le - v);
		}
		n++;
		p = after;
	}
	*pos = p;
	return n; /* may exceed max: the caller refuses such a block */
}

#define BLOCK_MAX (MAX_PATTERNS + 16) /* lines of one entry */

static bool
key_is(const struct block_line *l, const char *k)
{
	return l->klen == strlen(k) && memcmp(l->key, k, l->klen) == 0;
}

static int
layer_from(const char *v, size_t n)
{
	int k;

	for (k = 0; k < L_COUNT; k++)
		if (strlen(layer_names[k]) == n && memcmp(layer_names[k], v, n) == 0)
			return k;
	return -1;
}

/* Parse "id w, id w" into rule causes; false on a malformed item. */
static bool
parse_causes(const char *v, size_t n, struct rule *r)
{
	char list[SF_EXPLAIN_FIELD_MAX], *tok, *save = NULL;

	copy_value(list, sizeof list, v, n);
	for (tok = strtok_r(list, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		char id[48];
		double w = 0.5;
		int got = sscanf(tok, " %47s %lf", id, &w);

		if (got < 1)
			return false;
		if (r->ncauses < MAX_RULE_CAUSES) {
			struct rule_cause *rc = &r->causes[r->ncauses++];

			snprintf(rc->id, sizeof rc->id, "%s", id);
			if (!sf_cause_parse(id, &rc->cause))
				rc->cause = CAUSE_NONE; /* "none", or refused by the checker */
			rc->weight = w;
		}
	}
	return true;
}

/* Codes in "421 450" / "5.7.8, 5.7.9"; false on a malformed one. */
static bool
parse_codes(const char *v, size_t n, struct rule *r, bool enhanced)
{
	char list[SF_EXPLAIN_FIELD_MAX], *tok, *save = NULL;

	copy_value(list, sizeof list, v, n);
	for (tok = strtok_r(list, ", ", &save); tok != NULL; tok = strtok_r(NULL, ", ", &save)) {
		if (enhanced) {
			size_t k, dots = 0, dashes = 0, tl = strlen(tok);

			if (tl >= SF_EXPLAIN_ENHANCED_MAX ||
				(tok[0] != '2' && tok[0] != '4' && tok[0] != '5'))
				return false;
			for (k = 0; k < tl; k++) {
				if (tok[k] == '.')
					dots++;
				else if (tok[k] == '-' && dots == 2 && k > 0 &&
					 isdigit((unsigned char)tok[k - 1]) && k + 1 < tl &&
					 isdigit((unsigned char)tok[k + 1]))
					dashes++;
				else if (!isdigit((unsigned char)tok[k]) &&
					 !(tok[k] == '*' && k == tl - 1))
					return false;
			}
			if ((dots != 2 && !(dots >= 1 && tok[tl - 1] == '*')) || dashes > 1 ||
				(dashes == 1 && tok[tl - 1] == '*'))
				return false;
			if (dashes == 1 && strtol(strrchr(tok, '.') + 1, NULL, 10) >
						   strtol(strchr(tok, '-') + 1, NULL, 10))
				return false;
			if (r->nstatus < MAX_RULE_CODES)
				snprintf(r->status[r->nstatus++], SF_EXPLAIN_ENHANCED_MAX, "%s",
					tok);
		} else {
			char *e;
			long c = strtol(tok, &e, 10);

			if (*e != '\0' || c < 200 || c > 599)
				return false;
			if (r->nreply < MAX_RULE_CODES)
				r->reply[r->nreply++] = (int)c;
		}
	}
	return true;
}

static size_t
arena_add(struct sf_explain_kb *kb, const char *s, size_t n, bool norm)
{
	size_t at, need = n + 1;

	if (kb->arenalen + need > kb->arenacap) {
		size_t cap = kb->arenacap ? kb->arenacap : 64 * 1024;
		char *a;

		while (kb->arenalen + need > cap)
			cap *= 2;
		a = realloc(kb->arena, cap);
		if (a == NULL)
			return SIZE_MAX;
		kb->arena = a;
		kb->arenacap = cap;
	}
	at = kb->arenalen;
	if (norm) {
		char *a = kb->arena + at;
		size_t r, w = 0;

		n = normalise(s, n, a, need);
		/* "\*" in a pattern is a star in the text, not "any text". */
		for (r = 0; r < n; r++) {
			if (a[r] == '\\' && r + 1 < n && a[r + 1] == '*') {
				a[w++] = LITERAL_STAR;
				r++;
			} else
				a[w++] = a[r];
		}
		a[w] = '\0';
		n = w;
	} else {
		memcpy(kb->arena + at, s, n);
		kb->arena[at + n] = '\0';
		while (n > 0 && isspace((unsigned char)kb->arena[at + n - 1]))
			kb->arena[at + --n] = '\0';
	}
	kb->arenalen += n + 1;
	return at;
}

/* One block to a rule. Problems (for the checker) go to why. */
static bool
parse_rule(struct sf_explain_kb *kb, const struct block_line *l, size_t n, enum layer layer,
	struct rule *r, char *why, size_t whysz)
{
	size_t i;

	memset(r, 0, sizeof *r);
	r->layer = layer;
	for (i = 0; i < n; i++) {
		const char *v = l[i].val;
		size_t vl = l[i].vlen, at = 0;

		while (vl > 0 && isspace((unsigned char)v[vl - 1]))
			vl--;
		if (key_is(&l[i], "id"))
			copy_value(r->id, sizeof r->id, v, vl);
		else if (key_is(&l[i], "match") || key_is(&l[i], "any") || key_is(&l[i], "also") ||
			 key_is(&l[i], "unless")) {
			if (r->npat >= MAX_PATTERNS || vl == 0 || vl >= SF_EXPLAIN_FIELD_MAX) {
				snprintf(why, whysz, "too many or malformed patterns");
				return false;
			}
			if (kb != NULL && (at = arena_add(kb, v, vl, true)) == SIZE_MAX)
				return false;
			r->kind[r->npat] = key_is(&l[i], "match")  ? P_ALL
					   : key_is(&l[i], "any")  ? P_ANY
					   : key_is(&l[i], "also") ? P_ALSO
								   : P_UNLESS;
			r->pat[r->npat++] = kb != NULL ? at : 1;
		} else if (key_is(&l[i], "hint")) {
			if (r->nhint < MAX_HINTS && kb != NULL &&
				(r->hint[r->nhint++] = arena_add(kb, v, vl < 63 ? vl : 63, true)) ==
					SIZE_MAX)
				return false;
			if (kb == NULL && r->nhint < MAX_HINTS)
				r->hint[r->nhint++] = 1;
		} else if (key_is(&l[i], "reply") || key_is(&l[i], "status")) {
			if (!parse_codes(v, vl, r, key_is(&l[i], "status"))) {
				snprintf(why, whysz, "malformed code list \"%.*s\"",
					(int)(vl < 40 ? vl : 40), v);
				return false;
			}
		} else if (key_is(&l[i], "cause")) {
			if (!parse_causes(v, vl, r)) {
				snprintf(why, whysz, "malformed cause list");
				return false;
			}
		} else if (key_is(&l[i], "means") || key_is(&l[i], "next") ||
			   key_is(&l[i], "warning")) {
			size_t *dst = key_is(&l[i], "means")  ? &r->means
				      : key_is(&l[i], "next") ? &r->next
							      : &r->warning;

			if (kb != NULL &&
				(*dst = arena_add(kb, v,
					 vl < SF_EXPLAIN_FIELD_MAX - 1 ? vl
								       : SF_EXPLAIN_FIELD_MAX - 1,
					 false)) == SIZE_MAX)
				return false;
			if (kb == NULL)
				*dst = 1;
		} else if (key_is(&l[i], "family"))
			copy_value(r->family, sizeof r->family, v, vl);
		else if (!key_is(&l[i], "layer")) {
			snprintf(why, whysz, "unknown key \"%.*s\"",
				(int)(l[i].klen < 20 ? l[i].klen : 20), l[i].key);
			return false;
		}
	}
	return true;
}

/* The rules every entry must follow; "" when it does. */
static void
check_rule(const struct rule *r, const char *const *known, char *why, size_t whysz)
{
	size_t i, k;
	bool only_reply = r->nreply > 0 && r->nstatus == 0 && r->npat == 0;

	why[0] = '\0';
	if (r->id[0] == '\0') {
		snprintf(why, whysz, "an entry has no id");
		return;
	}
	if (r->npat == 0 && r->nhint == 0 && r->nreply == 0 && r->nstatus == 0) {
		snprintf(why, whysz, "entry %s has nothing to match", r->id);
		return;
	}
	if (r->nhint > 0 && r->ncauses == 0)
		return; /* a family hint claims no cause */
	if (r->ncauses == 0) {
		snprintf(why, whysz, "entry %s names no cause", r->id);
		return;
	}
	if (r->layer == L_CATALOG && r->npat > 0 && (r->means == 0 || r->next == 0)) {
		snprintf(why, whysz, "entry %s lacks cause, means or next", r->id);
		return;
	}
	for (i = 0; i < r->ncauses; i++) {
		bool found = false;

		for (k = 0; known != NULL && known[k] != NULL; k++)
			if (strcmp(known[k], r->causes[i].id) == 0)
				found = true;
		if (!found && strcmp(r->causes[i].id, "none") != 0) {
			snprintf(why, whysz, "entry %s names unknown cause %s", r->id,
				r->causes[i].id);
			return;
		}
		if (!(r->causes[i].weight > 0 && r->causes[i].weight <= 1)) {
			snprintf(why, whysz, "entry %s gives %s a weight outside (0, 1]", r->id,
				r->causes[i].id);
			return;
		}
		if (only_reply && r->causes[i].weight > WEIGHT_BARE_MAX) {
			snprintf(why, whysz,
				"entry %s: a bare reply code may not claim more than %.1f", r->id,
				WEIGHT_BARE_MAX);
			return;
		}
	}
}

/* Walk one file: each rule (or problem) is handed to the caller through
 * the kb (build) or checked (kb NULL). */
static int
load_file(struct sf_explain_kb *kb, const char *text, size_t len, bool is_catalog,
	const char *const *known, struct sf_error *err)
{
	const char *pos = text, *end = text + len;
	struct block_line lines[BLOCK_MAX];
	enum layer layer = L_CATALOG;
	struct rule r;
	char why[160];
	size_t n, i;
	bool first = true;

	while ((n = next_block(&pos, end, lines, BLOCK_MAX)) > 0) {
		bool has_id = false;
		int lay = -1;

		if (n > BLOCK_MAX) {
			if (kb == NULL)
				return sf_error_set(err, SF_E_USAGE,
					"an entry has more than %d lines", BLOCK_MAX);
			continue;
		}
		for (i = 0; i < n; i++) {
			if (key_is(&lines[i], "id"))
				has_id = true;
			if (key_is(&lines[i], "layer"))
				lay = layer_from(lines[i].val, lines[i].vlen);
		}
		/* A first block with only "layer: X" names the file's layer. */
		if (!has_id && first && n == 1 && key_is(&lines[0], "layer")) {
			if (lay < 0)
				return sf_error_set(err, SF_E_USAGE, "unknown layer \"%.*s\"",
					(int)(lines[0].vlen < 20 ? lines[0].vlen : 20),
					lines[0].val);
			layer = (enum layer)lay;
			first = false;
			continue;
		}
		first = false;
		why[0] = '\0';
		if (!parse_rule(kb, lines, n, lay >= 0 ? (enum layer)lay : layer, &r, why,
			    sizeof why)) {
			if (why[0] == '\0')
				return sf_error_set(err, SF_E_NOMEM, "out of memory");
			if (kb == NULL)
				return sf_error_set(
					err, SF_E_USAGE, "entry %s: %s", r.id[0] ? r.id : "?", why);
			continue;
		}
		check_rule(&r, known, why, sizeof why);
		if (why[0] != '\0') {
			if (kb == NULL)
				return sf_error_set(err, SF_E_USAGE, "%s", why);
			continue;
		}
		if (kb == NULL)
			continue;
		if (kb->nrules == kb->caprules) {
			size_t cap = kb->caprules ? kb->caprules * 2 : 256;
			struct rule *nr = realloc(kb->rules, cap * sizeof *nr);

			if (nr == NULL)
				return sf_error_set(err, SF_E_NOMEM, "out of memory");
			kb->rules = nr;
			kb->caprules = cap;
		}
		kb->rules[kb->nrules++] = r;
	}
	return 0;
}

/* help/causes/ID.txt: a title line, a blank line, what it means, and (last
 * paragraph) what to do. "means:" / "next:" lines, when a file has them,
 * are taken as they are. */
static void
load_cause(struct sf_explain_kb *kb, const char *path, const char *text, size_t len)
{
	struct cause_info *ci;
	const char *base = strrchr(path, '/'), *p = text, *end = text + len;
	const char *para[16];
	char id[48];
	size_t paralen[16], npara = 0, n;
	enum sf_cause cause;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n < 5 || strcmp(base + n - 4, ".txt") != 0)
		return;
	copy_value(id, sizeof id, base, n - 4);
	if (!sf_cause_parse(id, &cause))
		return; /* a help file for no cause: make lint reports it */
	ci = &kb->causes[cause];
	memset(ci, 0, sizeof *ci);
	ci->loaded = true;
	while (p < end && npara < 16) {
		const char *q = p;

		while (q < end && !(q[0] == '\n' && q + 1 < end && q[1] == '\n'))
			q++;
		if (q > p) {
			para[npara] = p;
			paralen[npara++] = (size_t)(q - p);
		}
		p = q;
		while (p < end && *p == '\n')
			p++;
	}
	if (npara > 0)
		copy_value(ci->title, sizeof ci->title, para[0], paralen[0]);
	for (n = 0; n < npara; n++) {
		if (paralen[n] > 6 && memcmp(para[n], "means:", 6) == 0)
			normalise(para[n] + 6, paralen[n] - 6, ci->means, sizeof ci->means);
		if (paralen[n] > 5 && memcmp(para[n], "next:", 5) == 0)
			normalise(para[n] + 5, paralen[n] - 5, ci->next, sizeof ci->next);
	}
	if (ci->means[0] == '\0' && npara >= 2) {
		/* The first sentence of the first paragraph after the title. */
		const char *s = para[1], *stop = para[1] + paralen[1], *dot = s;
		char tmp[SF_EXPLAIN_FIELD_MAX];
		size_t o = 0;

		while (dot < stop &&
			!(*dot == '.' && (dot + 1 == stop || isspace((unsigned char)dot[1]))))
			dot++;
		for (; s < stop && s <= dot && o + 1 < sizeof tmp; s++)
			tmp[o++] = *s == '\n' ? ' ' : *s;
		tmp[o] = '\0';
		snprintf(ci->means, sizeof ci->means, "%s", tmp);
	}
	if (ci->next[0] == '\0' && npara >= 3) {
		char tmp[SF_EXPLAIN_FIELD_MAX];
		size_t o = 0, k;

		for (k = 0; k < paralen[npara - 1] && o + 1 < sizeof tmp; k++)
			tmp[o++] = para[npara - 1][k] == '\n' ? ' ' : para[npara - 1][k];
		tmp[o] = '\0';
		copy_value(ci->next, sizeof ci->next, tmp, o);
	}
}

struct sf_explain_kb *
sf_explain_kb_new(const struct sf_explain_source *src, size_t nsrc, struct sf_error *err)
{
	struct sf_explain_kb *kb = calloc(1, sizeof *kb);
	size_t i;

	if (kb == NULL) {
		sf_error_set(err, SF_E_NOMEM, "out of memory");
		return NULL;
	}
	/* Offset 0 is the empty string. */
	if (arena_add(kb, "", 0, false) == SIZE_MAX) {
		sf_explain_kb_free(kb);
		sf_error_set(err, SF_E_NOMEM, "out of memory");
		return NULL;
	}
	for (i = 0; i < nsrc; i++) {
		const char *p = src[i].path ? src[i].path : "";

		if (src[i].text == NULL)
			continue;
		if (strncmp(p, "causes/", 7) == 0)
			load_cause(kb, p, src[i].text, src[i].len);
		else if (load_file(kb, src[i].text, src[i].len, strstr(p, "catalog") != NULL,
				 sf_cause_ids, err) < 0 &&
			 err != NULL && err->code == SF_E_NOMEM) {
			sf_explain_kb_free(kb);
			return NULL;
		}
	}
	return kb;
}

struct sf_explain_kb *
sf_explain_kb_builtin(const char *catalog, size_t catlen, struct sf_error *err)
{
	struct sf_explain_source src[KB_SOURCES_MAX];
	const struct sf_help_file *f;
	size_t n = 0;

	for (f = sf_help_files; f->path != NULL && n + 1 < sizeof src / sizeof src[0]; f++) {
		if (strncmp(f->path, "causes/", 7) != 0 && strncmp(f->path, "errors/", 7) != 0)
			continue;
		if (catalog != NULL && strcmp(f->path, "errors/catalog.txt") == 0)
			continue;
		/* A support team's copy in SMTPFIX_HELP_DIR wins, as for every
		 * other help file. */
		src[n].path = f->path;
		src[n].text = sf_help_get(f->path, &src[n].len);
		if (src[n].text == NULL) {
			src[n].text = f->data;
			src[n].len = f->len;
		}
		n++;
	}
	if (catalog != NULL) {
		src[n].path = "errors/catalog.txt";
		src[n].text = catalog;
		src[n++].len = catlen;
	}
	return sf_explain_kb_new(src, n, err);
}

void
sf_explain_kb_free(struct sf_explain_kb *kb)
{
	if (kb == NULL)
		return;
	free(kb->rules);
	free(kb->arena);
	free(kb);
}

/* ---- running ---- */

static const struct cause_info *
cause_info(const struct sf_explain_kb *kb, enum sf_cause c)
{
	return (size_t)c < SF_CAUSE_COUNT && kb->causes[c].loaded ? &kb->causes[c] : NULL;
}

/* Does the rule fire on the text? The span of its first condition is
 * returned. */
static bool
rule_fires(const struct sf_explain_kb *kb, const struct rule *r, const char *norm,
	const struct text_codes *tc, const char **ms, const char **me)
{
	size_t i, k;
	bool any_wanted = false, any_hit = false, also_wanted = false, also_hit = false;
	bool have_span = false;
	const char *s, *e, *ps = NULL, *pe = NULL;

	*ms = *me = NULL;
	if (r->nreply > 0) {
		bool hit = false;

		for (i = 0; i < tc->nreply && !hit; i++)
			for (k = 0; k < r->nreply && !hit; k++)
				if (tc->reply[i] == r->reply[k]) {
					hit = true;
					*ms = norm + tc->reply_at[i];
					*me = *ms + 3;
					have_span = true;
				}
		if (!hit)
			return false;
	}
	if (r->nstatus > 0) {
		bool hit = false;

		for (i = 0; i < tc->nstatus && !hit; i++)
			for (k = 0; k < r->nstatus && !hit; k++)
				if (status_matches(r->status[k], tc->status[i])) {
					hit = true;
					if (!have_span) {
						*ms = norm + tc->status_at[i];
						*me = *ms + strlen(tc->status[i]);
						have_span = true;
					}
				}
		if (!hit)
			return false;
	}
	for (i = 0; i < r->npat; i++) {
		bool found = glob_find(norm, kb->arena + r->pat[i], &s, &e);

		if (r->kind[i] == P_UNLESS) {
			if (found)
				return false;
			continue;
		}
		if (r->kind[i] == P_ALL && !found)
			return false;
		if (r->kind[i] == P_ANY) {
			any_wanted = true;
			any_hit = any_hit || found;
		}
		if (r->kind[i] == P_ALSO) {
			also_wanted = true;
			also_hit = also_hit || found;
		}
		/* The longest pattern's span says more than a bare code. */
		if (found && (ps == NULL || (size_t)(e - s) > (size_t)(pe - ps))) {
			ps = s;
			pe = e;
		}
	}
	if (ps != NULL) {
		*ms = ps;
		*me = pe;
		have_span = true;
	}
	if ((any_wanted && !any_hit) || (also_wanted && !also_hit))
		return false;
	return have_span;
}

static void
add_evidence(struct sf_explain_result *out, const struct sf_explain_kb *kb, const struct rule *r,
	enum sf_cause cause, double w, const char *ms, const char *me, int *rank)
{
	struct sf_explain_cause *c = NULL;
	struct sf_explain_evidence *ev;
	size_t i;

	for (i = 0; i < out->ncauses; i++)
		if (out->causes[i].cause == cause)
			c = &out->causes[i];
	if (c == NULL) {
		if (out->ncauses >= SF_EXPLAIN_MAX_CAUSES)
			return;
		i = out->ncauses;
		c = &out->causes[out->ncauses++];
		memset(c, 0, sizeof *c);
		c->cause = cause;
		rank[i] = 0;
	} else
		i = (size_t)(c - out->causes);
	/* The strongest evidence gives the cause its entry, span and words. */
	if (w > c->score || (w == c->score && layer_rank[r->layer] > rank[i])) {
		c->score = w;
		rank[i] = layer_rank[r->layer];
		snprintf(c->entry, sizeof c->entry, "%s", r->id);
		copy_value(c->matched, sizeof c->matched, ms, (size_t)(me - ms));
		snprintf(c->means, sizeof c->means, "%s", kb->arena + r->means);
		snprintf(c->next, sizeof c->next, "%s", kb->arena + r->next);
		snprintf(c->warning, sizeof c->warning, "%s", kb->arena + r->warning);
	}
	/* Evidence list: strongest first, the weakest dropped when full. */
	if (c->nevidence == SF_EXPLAIN_MAX_EVIDENCE) {
		if (c->evidence[SF_EXPLAIN_MAX_EVIDENCE - 1].weight >= w)
			return;
		c->nevidence--;
	}
	for (i = c->nevidence; i > 0 && c->evidence[i - 1].weight < w; i--)
		c->evidence[i] = c->evidence[i - 1];
	ev = &c->evidence[i];
	memset(ev, 0, sizeof *ev);
	snprintf(ev->layer, sizeof ev->layer, "%s", layer_names[r->layer]);
	snprintf(ev->entry, sizeof ev->entry, "%s", r->id);
	copy_value(ev->matched, sizeof ev->matched, ms, (size_t)(me - ms));
	ev->weight = w;
	c->nevidence++;
}

struct ranked {
	struct sf_explain_cause c;
	int rank;
};

static int
by_score(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->c.score != y->c.score)
		return y->c.score > x->c.score ? 1 : -1;
	return y->rank - x->rank;
}

/* The person's own line for a normalised fragment: the first line of the
 * text whose normalised form holds the fragment's start, as it was
 * pasted (a quote must be what the person sees in their message, not the
 * lower-case form the patterns read). "" when no line holds it. */
static void
quote_original(const char *text, size_t len, const char *fragment, char *out, size_t outsz)
{
	char line_norm[SF_EXPLAIN_FIELD_MAX * 2], key[33];
	size_t start = 0, keylen = strlen(fragment);

	out[0] = '\0';
	if (keylen == 0)
		return;
	/* Its start is enough: a fragment may run on over a wrapped line. */
	if (keylen > sizeof key - 1)
		keylen = sizeof key - 1;
	memcpy(key, fragment, keylen);
	key[keylen] = '\0';
	while (start < len) {
		const char *nl = memchr(text + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - text) : len, n = end - start;

		while (n > 0 && (text[start + n - 1] == '\r' || text[start + n - 1] == ' '))
			n--;
		normalise(text + start, n, line_norm, sizeof line_norm);
		if (strstr(line_norm, key) != NULL) {
			size_t lead = 0;

			while (lead < n &&
				(text[start + lead] == ' ' || text[start + lead] == '\t'))
				lead++;
			copy_value(out, outsz, text + start + lead, n - lead);
			return;
		}
		start = end + 1;
	}
}

int
sf_explain_kb_run(const struct sf_explain_kb *kb, const char *text, size_t len,
	struct sf_explain_result *out, struct sf_error *err)
{
	char *norm;
	struct text_codes *tc;
	struct ranked *sorted;
	int rank[SF_EXPLAIN_MAX_CAUSES];
	char best_family[48] = "";
	size_t i, k, nlen, best_hits = 0;

	memset(out, 0, sizeof *out);
	if (kb == NULL)
		return sf_error_set(err, SF_E_USAGE, "no knowledge to explain with");
	norm = malloc(SF_EXPLAIN_TEXT_MAX + 1);
	tc = malloc(sizeof *tc);
	sorted = malloc(sizeof *sorted * SF_EXPLAIN_MAX_CAUSES);
	if (norm == NULL || tc == NULL || sorted == NULL) {
		free(norm);
		free(tc);
		free(sorted);
		return sf_error_set(err, SF_E_NOMEM, "out of memory");
	}
	nlen = normalise(text, len < SF_EXPLAIN_TEXT_MAX ? len : SF_EXPLAIN_TEXT_MAX, norm,
		SF_EXPLAIN_TEXT_MAX + 1);
	find_codes(norm, nlen, tc);
	for (i = 0; i < kb->nrules; i++) {
		const struct rule *r = &kb->rules[i];
		const char *ms, *me;

		if (r->nhint > 0 && r->ncauses == 0) {
			size_t hits = 0;

			for (k = 0; k < r->nhint; k++)
				if (strstr(norm, kb->arena + r->hint[k]) != NULL)
					hits++;
			if (hits > best_hits) {
				best_hits = hits;
				snprintf(best_family, sizeof best_family, "%s", r->family);
			}
		}
		if (r->ncauses == 0 || !rule_fires(kb, r, norm, tc, &ms, &me))
			continue;
		if (r->warning != 0 && out->nwarnings < 4) {
			bool dup = false;

			for (k = 0; k < out->nwarnings; k++)
				if (strcmp(out->warnings[k], kb->arena + r->warning) == 0)
					dup = true;
			if (!dup)
				snprintf(out->warnings[out->nwarnings++], SF_EXPLAIN_FIELD_MAX,
					"%s", kb->arena + r->warning);
		}
		for (k = 0; k < r->ncauses; k++)
			add_evidence(
				out, kb, r, r->causes[k].cause, r->causes[k].weight, ms, me, rank);
	}
	for (i = 0; i < out->ncauses; i++)
		quote_original(text, len < SF_EXPLAIN_TEXT_MAX ? len : SF_EXPLAIN_TEXT_MAX,
			out->causes[i].matched, out->causes[i].quoted,
			sizeof out->causes[i].quoted);
	/* Agreement: each other layer that points at the same cause raises it
	 * a little; "none" (text that names a situation no cause fits) is
	 * evidence against claiming a cause and is dropped from the answer. */
	for (i = 0; i < out->ncauses; i++) {
		struct sf_explain_cause *c = &out->causes[i];
		unsigned seen = 0;
		double bonus = 0;

		for (k = 0; k < c->nevidence; k++) {
			int lay = layer_from(c->evidence[k].layer, strlen(c->evidence[k].layer));

			if (lay >= 0 && !(seen & (1u << lay))) {
				if (seen != 0 && c->evidence[k].weight >= AGREE_MIN_WEIGHT)
					bonus += AGREE_BONUS;
				seen |= 1u << lay;
			}
		}
		c->score += bonus < AGREE_MAX ? bonus : AGREE_MAX;
		if (c->score > SCORE_MAX)
			c->score = SCORE_MAX;
		sorted[i].c = *c;
		sorted[i].rank = rank[i];
	}
	qsort(sorted, out->ncauses, sizeof sorted[0], by_score);
	for (i = 0, k = 0; i < out->ncauses; i++) {
		if (sorted[i].c.cause == CAUSE_NONE) {
			/* "none" outranking everything means: claim nothing. */
			if (i == 0) {
				k = 0;
				break;
			}
			continue;
		}
		out->causes[k++] = sorted[i].c;
	}
	out->ncauses = k;
	/* Words for a cause no catalog entry explained: from help/causes. */
	for (i = 0; i < out->ncauses; i++) {
		struct sf_explain_cause *c = &out->causes[i];
		const struct cause_info *ci = cause_info(kb, c->cause);

		if (ci != NULL)
			snprintf(c->title, sizeof c->title, "%s", ci->title);
		if (ci != NULL && c->means[0] == '\0')
			snprintf(c->means, sizeof c->means, "%s", ci->means);
		if (ci != NULL && c->next[0] == '\0')
			snprintf(c->next, sizeof c->next, "%s", ci->next);
	}
	if (out->ncauses == 0)
		snprintf(out->family, sizeof out->family, "%s", best_family);
	free(norm);
	free(tc);
	free(sorted);
	return 0;
}

int
sf_explain(const char *text, size_t len, const char *catalog, size_t catlen,
	struct sf_explain_result *out, struct sf_error *err)
{
	struct sf_explain_kb *kb;
	int rc;

	memset(out, 0, sizeof *out);
	kb = sf_explain_kb_builtin(catalog, catlen, err);
	if (kb == NULL)
		return -1;
	rc = sf_explain_kb_run(kb, text, len, out, err);
	sf_explain_kb_free(kb);
	return rc;
}

int
sf_explain_reply(const struct sf_explain_kb *kb, int code, const char *enhanced, const char *text,
	struct sf_explain_result *out, struct sf_error *err)
{
	/* A reply reads "CODE ENHANCED TEXT", the form every layer knows. */
	char *line = malloc(SF_EXPLAIN_TEXT_MAX + 1);
	struct sf_explain_kb *own = NULL;
	int n, rc;

	memset(out, 0, sizeof *out);
	if (line == NULL)
		return sf_error_set(err, SF_E_NOMEM, "out of memory");
	n = snprintf(line, SF_EXPLAIN_TEXT_MAX + 1, "%03d %s%s%s", code, enhanced ? enhanced : "",
		enhanced && enhanced[0] ? " " : "", text ? text : "");
	if (n < 0)
		n = 0;
	if (kb == NULL && (kb = own = sf_explain_kb_builtin(NULL, 0, err)) == NULL) {
		free(line);
		return -1;
	}
	rc = sf_explain_kb_run(kb, line,
		(size_t)n < SF_EXPLAIN_TEXT_MAX ? (size_t)n : SF_EXPLAIN_TEXT_MAX, out, err);
	sf_explain_kb_free(own);
	free(line);
	return rc;
}

int
sf_explain_check_file(const char *text, size_t len, const char *const *known, struct sf_error *err)
{
	return load_file(NULL, text, len, false, known, err);
}

int
sf_explain_check_catalog(
	const char *catalog, size_t catlen, const char *const *known, struct sf_error *err)
{
	return load_file(NULL, catalog, catlen, true, known, err);
}
