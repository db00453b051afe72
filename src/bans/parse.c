/* Readers of what each blocker says: fail2ban-client's answers and its
 * configuration, CSF's lists, LFD's and cPHulk's logs, whmapi1's JSON,
 * cPanel's Exim address lists, nft's and iptables-save's rule listings.
 * Pure: text in, blocks out. All text is untrusted: every copy is cut to
 * its buffer, and nothing is assumed about line lengths. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpfix/bans.h"

/* dst = src[0..len), cut to fit, control characters made '?'. */
static void
copy_clean(char *dst, size_t dstsz, const char *src, size_t len)
{
	size_t i;

	if (dstsz == 0)
		return;
	if (len >= dstsz)
		len = dstsz - 1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	dst[len] = '\0';
}

static void
lift_set(struct sf_ban *b, const char *bin, ...)
{
	va_list ap;
	const char *w;

	b->nlift = 0;
	if (bin == NULL || *bin == '\0')
		return;
	copy_clean(b->lift[b->nlift++], SF_BANS_ARG_MAX, bin, strlen(bin));
	va_start(ap, bin);
	while ((w = va_arg(ap, const char *)) != NULL && b->nlift < SF_BANS_ARGV_MAX)
		copy_clean(b->lift[b->nlift++], SF_BANS_ARG_MAX, w, strlen(w));
	va_end(ap);
}

/* The next line of text at *p (without its end); false at the end. */
static bool
next_line(const char **p, const char *end, const char **line, size_t *len)
{
	const char *s = *p, *nl;

	if (s >= end)
		return false;
	nl = memchr(s, '\n', (size_t)(end - s));
	*line = s;
	*len = nl != NULL ? (size_t)(nl - s) : (size_t)(end - s);
	if (*len > 0 && s[*len - 1] == '\r')
		(*len)--;
	*p = nl != NULL ? nl + 1 : end;
	return true;
}

static const char *
find_n(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	if (n == 0 || n > len)
		return NULL;
	for (i = 0; i + n <= len; i++)
		if (hay[i] == needle[0] && memcmp(hay + i, needle, n) == 0)
			return hay + i;
	return NULL;
}

static bool
addr_char(char c)
{
	return isxdigit((unsigned char)c) || c == '.' || c == ':';
}

/* The line names addr as a whole token. */
static bool
names_token(const char *line, size_t len, const char *tok)
{
	size_t n = strlen(tok), i;

	if (n == 0)
		return false;
	for (i = 0; i + n <= len; i++) {
		if (memcmp(line + i, tok, n) != 0)
			continue;
		if (i > 0 && addr_char(line[i - 1]))
			continue;
		if (i + n < len && addr_char(line[i + n]))
			continue;
		return true;
	}
	return false;
}

/* "YYYY-MM-DD HH:MM:SS" (or T between) at s: local time, or UTC. */
static time_t
parse_stamp(const char *s, size_t len, bool utc)
{
	struct tm tm;
	int y, mo, d, h, mi, se;
	char sep;

	if (len < 19)
		return 0;
	if (sscanf(s, "%4d-%2d-%2d%c%2d:%2d:%2d", &y, &mo, &d, &sep, &h, &mi, &se) != 7 ||
		(sep != ' ' && sep != 'T'))
		return 0;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	tm.tm_isdst = -1;
	return utc ? timegm(&tm) : mktime(&tm);
}

/* ---- fail2ban ---- */

size_t
sf_f2b_parse_jails(const char *text, char names[][SF_BANS_NAME_MAX], size_t max)
{
	const char *p = strstr(text, "Jail list:"), *e;
	size_t n = 0;

	if (p == NULL)
		return 0;
	p += strlen("Jail list:");
	e = strchr(p, '\n');
	if (e == NULL)
		e = p + strlen(p);
	while (p < e && n < max) {
		const char *s;

		while (p < e && (*p == ',' || isspace((unsigned char)*p)))
			p++;
		s = p;
		while (p < e && *p != ',' && !isspace((unsigned char)*p))
			p++;
		if (p > s && (size_t)(p - s) < SF_BANS_NAME_MAX)
			copy_clean(names[n++], SF_BANS_NAME_MAX, s, (size_t)(p - s));
	}
	return n;
}

bool
sf_f2b_parse_banned(const char *text, const char *addr)
{
	const char *p = strstr(text, "Banned IP list:"), *e;

	if (p == NULL)
		return false;
	p += strlen("Banned IP list:");
	e = strchr(p, '\n');
	if (e == NULL)
		e = p + strlen(p);
	while (p < e) {
		const char *s;
		char tok[SF_BANS_ADDR_MAX];

		while (p < e && isspace((unsigned char)*p))
			p++;
		s = p;
		while (p < e && !isspace((unsigned char)*p))
			p++;
		if (p > s && (size_t)(p - s) < sizeof tok) {
			copy_clean(tok, sizeof tok, s, (size_t)(p - s));
			if (sf_bans_entry_matches(tok, addr))
				return true;
		}
	}
	return false;
}

bool
sf_f2b_parse_with_time(const char *text, const char *addr, time_t *since, time_t *until)
{
	const char *p = text, *end = text + strlen(text), *line;
	size_t len;

	while (next_line(&p, end, &line, &len)) {
		size_t tl = 0;
		char tok[SF_BANS_ADDR_MAX];
		const char *q, *eq;

		while (tl < len && !isspace((unsigned char)line[tl]))
			tl++;
		if (tl == 0 || tl >= sizeof tok)
			continue;
		copy_clean(tok, sizeof tok, line, tl);
		if (!sf_bans_entry_matches(tok, addr))
			continue;
		q = line + tl;
		while (q < line + len && isspace((unsigned char)*q))
			q++;
		*since = parse_stamp(q, (size_t)(line + len - q), false);
		eq = find_n(q, (size_t)(line + len - q), " = ");
		*until = 0;
		if (eq != NULL) {
			const char *plus = find_n(q, (size_t)(eq - q), " + ");

			if (plus == NULL || plus[3] != '-')
				*until = parse_stamp(eq + 3, (size_t)(line + len - eq - 3), false);
		}
		return *since != 0;
	}
	return false;
}

void
sf_f2b_parse_conf(const char *text, char *socket, size_t socketsz, char *dbfile, size_t dbsz)
{
	const char *p = text, *end = text + strlen(text), *line;
	size_t len;
	bool in_def = false;

	while (next_line(&p, end, &line, &len)) {
		const char *eq, *k, *v;
		size_t kl, vl;

		while (len > 0 && isspace((unsigned char)*line)) {
			line++;
			len--;
		}
		if (len == 0 || *line == '#' || *line == ';')
			continue;
		if (*line == '[') {
			in_def = len >= 12 && memcmp(line, "[Definition]", 12) == 0;
			continue;
		}
		eq = memchr(line, '=', len);
		if (eq == NULL || !in_def)
			continue;
		k = line;
		kl = (size_t)(eq - line);
		while (kl > 0 && isspace((unsigned char)k[kl - 1]))
			kl--;
		v = eq + 1;
		vl = len - (size_t)(v - line);
		while (vl > 0 && isspace((unsigned char)*v)) {
			v++;
			vl--;
		}
		while (vl > 0 && isspace((unsigned char)v[vl - 1]))
			vl--;
		if (kl == 6 && memcmp(k, "socket", 6) == 0 && vl > 0)
			copy_clean(socket, socketsz, v, vl);
		else if (kl == 6 && memcmp(k, "dbfile", 6) == 0 && vl > 0)
			copy_clean(dbfile, dbsz, v, vl);
	}
}

/* ---- CSF ---- */

static const char *const month_names[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
	"Sep", "Oct", "Nov", "Dec" };

/* " - Tue Mar  3 10:02:11 2026" at the end of an lfd comment. */
static time_t
csf_comment_time(const char *c)
{
	const char *d = NULL, *p = c;
	char mon[4];
	int day, h, mi, se, y, m;
	struct tm tm;

	while ((p = strstr(p, " - ")) != NULL) {
		d = p + 3;
		p += 3;
	}
	if (d == NULL)
		return 0;
	if (sscanf(d, "%*3s %3s %d %d:%d:%d %d", mon, &day, &h, &mi, &se, &y) != 6)
		return 0;
	for (m = 0; m < 12; m++)
		if (strcmp(mon, month_names[m]) == 0)
			break;
	if (m == 12)
		return 0;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = m;
	tm.tm_mday = day;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

/* The address or prefix of a csf.deny/csf.allow entry: a plain one, or
 * the s= (or bare address) field of an advanced "tcp|in|d=25|s=ADDR". */
static bool
csf_entry_address(const char *entry, char *out, size_t outsz, bool *advanced)
{
	const char *p = entry;

	*advanced = strchr(entry, '|') != NULL;
	if (!*advanced) {
		copy_clean(out, outsz, entry, strlen(entry));
		return true;
	}
	while (*p) {
		const char *bar = strchr(p, '|');
		size_t fl = bar != NULL ? (size_t)(bar - p) : strlen(p);

		if (fl > 2 && (p[0] == 's' || p[0] == 'd') && p[1] == '=') {
			if (p[0] == 's') {
				copy_clean(out, outsz, p + 2, fl - 2);
				return true;
			}
		} else if (fl > 0 && (isxdigit((unsigned char)p[0]) || p[0] == ':') &&
			   (memchr(p, '.', fl) != NULL || memchr(p, ':', fl) != NULL)) {
			copy_clean(out, outsz, p, fl);
			return true;
		}
		p = bar != NULL ? bar + 1 : p + fl;
	}
	return false;
}

/* Split "ENTRY # comment" into its parts; false for blank or comment
 * lines and Include lines. */
static bool
csf_split(
	const char *line, size_t len, char *entry, size_t entrysz, char *comment, size_t commentsz)
{
	const char *hash;
	size_t el;

	while (len > 0 && isspace((unsigned char)*line)) {
		line++;
		len--;
	}
	if (len == 0 || *line == '#' || (len > 8 && memcmp(line, "Include", 7) == 0))
		return false;
	hash = memchr(line, '#', len);
	el = hash != NULL ? (size_t)(hash - line) : len;
	while (el > 0 && isspace((unsigned char)line[el - 1]))
		el--;
	if (el == 0)
		return false;
	{
		size_t tl = 0;

		while (tl < el && !isspace((unsigned char)line[tl]))
			tl++;
		copy_clean(entry, entrysz, line, tl);
	}
	comment[0] = '\0';
	if (hash != NULL) {
		const char *c = hash + 1;
		size_t cl = len - (size_t)(c - line);

		while (cl > 0 && isspace((unsigned char)*c)) {
			c++;
			cl--;
		}
		copy_clean(comment, commentsz, c, cl);
	}
	return true;
}

size_t
sf_csf_parse_deny(const char *text, const char *addr, const char *file, bool run_csf,
	const char *csf_bin, struct sf_bans_report *r)
{
	const char *p = text, *end = text + strlen(text), *line;
	size_t len, n = 0;

	(void)run_csf;
	while (next_line(&p, end, &line, &len)) {
		char entry[SF_BANS_TEXT_MAX], comment[SF_BANS_TEXT_MAX], a[SF_BANS_ADDR_MAX];
		bool advanced;
		struct sf_ban b;

		if (!csf_split(line, len, entry, sizeof entry, comment, sizeof comment))
			continue;
		if (!csf_entry_address(entry, a, sizeof a, &advanced) ||
			!sf_bans_entry_matches(a, addr))
			continue;
		memset(&b, 0, sizeof b);
		b.source = SF_BAN_CSF;
		copy_clean(b.entry, sizeof b.entry, a, strlen(a));
		snprintf(b.where, sizeof b.where, "%s", file);
		copy_clean(b.reason, sizeof b.reason, comment, strlen(comment));
		b.since = csf_comment_time(comment);
		if (advanced)
			snprintf(b.lift_help, sizeof b.lift_help, "lift-csf-advanced");
		else
			lift_set(&b, csf_bin, "-dr", a, (const char *)NULL);
		sf_bans_add(r, &b);
		n++;
	}
	return n;
}

size_t
sf_csf_parse_tempban(const char *text, const char *addr, time_t now, const char *csf_bin,
	struct sf_bans_report *r)
{
	const char *p = text, *end = text + strlen(text), *line;
	size_t len, n = 0;

	while (next_line(&p, end, &line, &len)) {
		const char *f[6];
		size_t fl[6], k = 0;
		const char *q = line, *le = line + len;
		char a[SF_BANS_ADDR_MAX], num[24];
		long long t, timeout;
		char *ep;
		struct sf_ban b;

		/* TIME|IP|PORT|DIR|TIMEOUT|MESSAGE; the message may hold '|'. */
		while (k < 6) {
			const char *bar = k < 5 ? memchr(q, '|', (size_t)(le - q)) : NULL;

			f[k] = q;
			fl[k] = bar != NULL ? (size_t)(bar - q) : (size_t)(le - q);
			k++;
			if (bar == NULL)
				break;
			q = bar + 1;
		}
		if (k < 5)
			continue;
		copy_clean(a, sizeof a, f[1], fl[1]);
		if (!sf_bans_entry_matches(a, addr))
			continue;
		copy_clean(num, sizeof num, f[0], fl[0]);
		errno = 0;
		t = strtoll(num, &ep, 10);
		if (errno != 0 || *ep != '\0' || ep == num)
			continue;
		copy_clean(num, sizeof num, f[4], fl[4]);
		timeout = strtoll(num, &ep, 10);
		if (errno != 0 || *ep != '\0' || ep == num)
			continue;
		if (now - t >= timeout)
			continue; /* expired: LFD lifts it at its next pass */
		memset(&b, 0, sizeof b);
		b.source = SF_BAN_CSF;
		b.temporary = true;
		copy_clean(b.entry, sizeof b.entry, a, strlen(a));
		snprintf(b.where, sizeof b.where, "/var/lib/csf/csf.tempban");
		b.since = (time_t)t;
		b.until = (time_t)(t + timeout);
		if (k == 6)
			copy_clean(b.reason, sizeof b.reason, f[5], fl[5]);
		lift_set(&b, csf_bin, "-tr", a, (const char *)NULL);
		sf_bans_add(r, &b);
		n++;
	}
	return n;
}

bool
sf_csf_parse_allow(const char *text, const char *addr)
{
	const char *p = text, *end = text + strlen(text), *line;
	size_t len;

	while (next_line(&p, end, &line, &len)) {
		char entry[SF_BANS_TEXT_MAX], comment[SF_BANS_TEXT_MAX], a[SF_BANS_ADDR_MAX];
		bool advanced;

		if (csf_split(line, len, entry, sizeof entry, comment, sizeof comment) &&
			csf_entry_address(entry, a, sizeof a, &advanced) && !advanced &&
			sf_bans_entry_matches(a, addr))
			return true;
	}
	return false;
}

/* ---- logs ---- */

size_t
sf_bans_log_lines(const char *text, size_t len, const char *addr, const char *must,
	char lines[][SF_BANS_LINE_MAX], size_t max)
{
	const char *p = text, *end = text + len, *line;
	size_t ll, n = 0, head = 0, i;
	char ring[SF_BANS_LINES_MAX][SF_BANS_LINE_MAX];

	if (max > SF_BANS_LINES_MAX)
		max = SF_BANS_LINES_MAX;
	if (max == 0)
		return 0;
	while (next_line(&p, end, &line, &ll)) {
		if (!names_token(line, ll, addr))
			continue;
		if (must != NULL && find_n(line, ll, must) == NULL)
			continue;
		copy_clean(ring[head], SF_BANS_LINE_MAX, line, ll);
		head = (head + 1) % max;
		if (n < max)
			n++;
	}
	for (i = 0; i < n; i++)
		memcpy(lines[i], ring[(head + max - n + i) % max], SF_BANS_LINE_MAX);
	return n;
}

/* ---- cPHulk ---- */

size_t
sf_cphulk_parse_log(const char *text, size_t len, const char *addr, const char *user, time_t now,
	const char *whmapi_bin, struct sf_bans_report *r)
{
	struct sf_ban b;
	const char *p = text, *end = text + len, *line;
	size_t ll;
	bool found = false;
	const char *key = addr != NULL && *addr ? addr : user;

	(void)now;
	if (key == NULL || *key == '\0')
		return 0;
	memset(&b, 0, sizeof b);
	while (next_line(&p, end, &line, &ll)) {
		time_t t;

		if (!names_token(line, ll, key) && !(key == user && find_n(line, ll, user)))
			continue;
		if (find_n(line, ll, "Blocked") == NULL && find_n(line, ll, "blocked") == NULL &&
			find_n(line, ll, "Brute") == NULL)
			continue;
		found = true;
		/* "[2026-11-29 10:02:11 +0000] info [cphulkd] ..." */
		t = ll > 1 && line[0] == '[' ? parse_stamp(line + 1, ll - 1, false) : 0;
		if (t != 0)
			b.since = t;
	}
	if (!found)
		return 0;
	b.source = SF_BAN_CPHULK;
	b.uncertain = true;
	b.temporary = true;
	copy_clean(b.entry, sizeof b.entry, key, strlen(key));
	snprintf(b.where, sizeof b.where, "/usr/local/cpanel/logs/cphulkd.log");
	b.nlines = sf_bans_log_lines(text, len, key, NULL, b.lines, SF_BANS_LINES_MAX);
	if (key == addr) {
		char arg[SF_BANS_ARG_MAX];

		snprintf(arg, sizeof arg, "ip=%s", addr);
		lift_set(&b, whmapi_bin, "flush_cphulk_login_history_for_ips", arg,
			(const char *)NULL);
	} else
		snprintf(b.lift_help, sizeof b.lift_help, "lift-cphulk-user");
	sf_bans_add(r, &b);
	return 1;
}

/* The string value of "key" inside one flat JSON object [s, e). */
static bool
json_field(const char *s, const char *e, const char *key, char *out, size_t outsz)
{
	char pat[64];
	const char *k, *q;

	snprintf(pat, sizeof pat, "\"%s\"", key);
	k = find_n(s, (size_t)(e - s), pat);
	if (k == NULL)
		return false;
	q = k + strlen(pat);
	while (q < e && (isspace((unsigned char)*q) || *q == ':'))
		q++;
	if (q < e && *q == '"') {
		const char *v = ++q;

		while (q < e && *q != '"') {
			if (*q == '\\' && q + 1 < e)
				q++;
			q++;
		}
		copy_clean(out, outsz, v, (size_t)(q - v));
		return true;
	} else {
		const char *v = q;

		while (q < e && *q != ',' && *q != '}' && !isspace((unsigned char)*q))
			q++;
		copy_clean(out, outsz, v, (size_t)(q - v));
		return q > v;
	}
}

size_t
sf_cphulk_parse_api(const char *json, const char *addr, const char *what, const char *whmapi_bin,
	struct sf_bans_report *r)
{
	const char *p = json;
	size_t n = 0;

	while ((p = strchr(p, '{')) != NULL) {
		const char *e = p + 1;
		char ip[SF_BANS_ADDR_MAX], t[64], notes[SF_BANS_TEXT_MAX], arg[SF_BANS_ARG_MAX];
		struct sf_ban b;

		while (*e && *e != '{' && *e != '}')
			e++;
		if (*e != '}') {
			p = e;
			if (*p == '\0')
				break;
			continue;
		}
		if (!json_field(p, e, "ip", ip, sizeof ip) || !sf_bans_entry_matches(ip, addr)) {
			p = e;
			continue;
		}
		memset(&b, 0, sizeof b);
		b.source = SF_BAN_CPHULK;
		b.temporary = true;
		copy_clean(b.entry, sizeof b.entry, ip, strlen(ip));
		snprintf(b.where, sizeof b.where, "%s", what);
		if (json_field(p, e, "logintime", t, sizeof t))
			b.since = parse_stamp(t, strlen(t), true);
		if (json_field(p, e, "exptime", t, sizeof t))
			b.until = parse_stamp(t, strlen(t), true);
		if (json_field(p, e, "notes", notes, sizeof notes))
			copy_clean(b.reason, sizeof b.reason, notes, strlen(notes));
		snprintf(arg, sizeof arg, "ip=%s", addr);
		lift_set(&b, whmapi_bin, "flush_cphulk_login_history_for_ips", arg,
			(const char *)NULL);
		sf_bans_add(r, &b);
		n++;
		p = e;
	}
	return n;
}

/* ---- cPanel's Exim lists ---- */

size_t
sf_exim_list_parse(const char *text, const char *addr, const char *file, struct sf_bans_report *r)
{
	const char *p = text, *end = text + strlen(text), *line;
	size_t len, n = 0;

	while (next_line(&p, end, &line, &len)) {
		char tok[SF_BANS_ADDR_MAX];
		size_t tl = 0;
		struct sf_ban b;

		while (len > 0 && isspace((unsigned char)*line)) {
			line++;
			len--;
		}
		if (len == 0 || *line == '#')
			continue;
		if (*line == '"') {
			const char *q = memchr(line + 1, '"', len - 1);

			if (q == NULL)
				continue;
			line++;
			tl = (size_t)(q - line);
		} else {
			while (tl < len && !isspace((unsigned char)line[tl]))
				tl++;
			/* "ADDR: data" in an lsearch file */
			if (tl > 0 && line[tl - 1] == ':')
				tl--;
		}
		if (tl == 0 || tl >= sizeof tok)
			continue;
		copy_clean(tok, sizeof tok, line, tl);
		if (!sf_bans_entry_matches(tok, addr))
			continue;
		memset(&b, 0, sizeof b);
		b.source = SF_BAN_EXIM_LISTS;
		copy_clean(b.entry, sizeof b.entry, tok, strlen(tok));
		snprintf(b.where, sizeof b.where, "%s", file);
		snprintf(b.lift_help, sizeof b.lift_help, "lift-exim-list");
		sf_bans_add(r, &b);
		n++;
	}
	return n;
}

/* ---- nftables ---- */

#define NFT_SETS_MAX 64
#define NFT_REFS_MAX 128

struct nft_state {
	char family[16], table[SF_BANS_NAME_MAX], chain[SF_BANS_NAME_MAX], set[SF_BANS_NAME_MAX];
	int depth;        /* braces open */
	int set_depth;    /* depth at which the set block opened, 0 none */
	int chain_depth;  /* same for a chain */
	bool in_elements; /* inside "elements = { ... }" */
};

struct nft_set_hit {
	char family[16], table[SF_BANS_NAME_MAX], set[SF_BANS_NAME_MAX], elem[SF_BANS_ADDR_MAX];
	char expires[32];
};

struct nft_ref {
	char family[16], table[SF_BANS_NAME_MAX], set[SF_BANS_NAME_MAX], chain[SF_BANS_NAME_MAX];
};

/* The next word of [*p, e): letters and the address characters. */
static size_t
word_at(const char **p, const char *e, const char **w)
{
	const char *s = *p;

	while (s < e && isspace((unsigned char)*s))
		s++;
	*w = s;
	while (s < e && !isspace((unsigned char)*s) && *s != ',' && *s != '{' && *s != '}')
		s++;
	*p = s;
	return (size_t)(s - *w);
}

/* Elements of a set in one piece of text; a hit for each holding addr. */
static void
nft_elements(const char *s, const char *e, const struct nft_state *st, const char *addr,
	struct nft_set_hit *hits, size_t *nhits)
{
	while (s < e) {
		const char *w, *ee = s;
		size_t wl;

		while (ee < e && *ee != ',')
			ee++;
		wl = word_at(&s, ee, &w);
		if (wl > 0 && wl < SF_BANS_ADDR_MAX && *nhits < NFT_SETS_MAX) {
			char elem[SF_BANS_ADDR_MAX];

			copy_clean(elem, sizeof elem, w, wl);
			if (sf_bans_entry_matches(elem, addr)) {
				struct nft_set_hit *h = &hits[(*nhits)++];
				const char *x;

				memset(h, 0, sizeof *h);
				snprintf(h->family, sizeof h->family, "%s", st->family);
				snprintf(h->table, sizeof h->table, "%s", st->table);
				snprintf(h->set, sizeof h->set, "%s", st->set);
				snprintf(h->elem, sizeof h->elem, "%s", elem);
				x = find_n(s, (size_t)(ee - s), "expires ");
				if (x != NULL) {
					const char *v = x + 8, *ve = v;

					while (ve < ee && !isspace((unsigned char)*ve))
						ve++;
					copy_clean(
						h->expires, sizeof h->expires, v, (size_t)(ve - v));
				}
			}
		}
		s = ee < e ? ee + 1 : e;
	}
}

static bool
has_word(const char *line, size_t len, const char *w)
{
	size_t n = strlen(w), i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(line + i, w, n) == 0 &&
			(i == 0 || isspace((unsigned char)line[i - 1])) &&
			(i + n == len || isspace((unsigned char)line[i + n]) || line[i + n] == ';'))
			return true;
	return false;
}

/* "1h2m3s384ms" as seconds, 0 when unreadable. */
static long
nft_duration(const char *s)
{
	long total = 0;

	while (*s) {
		char *e;
		long v;

		errno = 0;
		v = strtol(s, &e, 10);
		if (errno != 0 || e == s || v < 0)
			return total;
		if (e[0] == 'm' && e[1] == 's') {
			e += 2;
		} else if (*e == 'd') {
			total += v * 86400;
			e++;
		} else if (*e == 'h') {
			total += v * 3600;
			e++;
		} else if (*e == 'm') {
			total += v * 60;
			e++;
		} else if (*e == 's') {
			total += v;
			e++;
		} else
			return total;
		s = e;
	}
	return total;
}

size_t
sf_nft_parse(const char *text, const char *addr, const char *nft_bin, struct sf_bans_report *r)
{
	const char *p = text, *end = text + strlen(text), *line;
	size_t len, n = 0, nhits = 0, nrefs = 0, i, j;
	struct nft_state st;
	static struct nft_set_hit hits[NFT_SETS_MAX];
	static struct nft_ref refs[NFT_REFS_MAX];

	memset(&st, 0, sizeof st);
	while (next_line(&p, end, &line, &len)) {
		const char *q = line, *w, *le = line + len;
		size_t wl, k;
		int opens = 0, closes = 0;

		for (k = 0; k < len; k++) {
			if (line[k] == '{')
				opens++;
			else if (line[k] == '}')
				closes++;
		}
		wl = word_at(&q, le, &w);
		if (st.in_elements) {
			nft_elements(line, le, &st, addr, hits, &nhits);
			if (closes > opens || memchr(line, '}', len) != NULL)
				st.in_elements = false;
		} else if (wl == 5 && memcmp(w, "table", 5) == 0) {
			const char *f, *t;
			size_t fl = word_at(&q, le, &f), tl = word_at(&q, le, &t);

			copy_clean(st.family, sizeof st.family, f, fl);
			copy_clean(st.table, sizeof st.table, t, tl);

		} else if ((wl == 3 && memcmp(w, "set", 3) == 0) ||
			   (wl == 3 && memcmp(w, "map", 3) == 0)) {
			const char *s;
			size_t sl = word_at(&q, le, &s);

			copy_clean(st.set, sizeof st.set, s, sl);
			st.set_depth = st.depth + 1;
		} else if (wl == 5 && memcmp(w, "chain", 5) == 0) {
			const char *c;
			size_t cl = word_at(&q, le, &c);

			copy_clean(st.chain, sizeof st.chain, c, cl);
			st.chain_depth = st.depth + 1;
		} else if (st.set_depth != 0 && wl == 8 && memcmp(w, "elements", 8) == 0) {
			const char *b = memchr(line, '{', len), *ce;

			if (b != NULL) {
				ce = memchr(b, '}', (size_t)(le - b));
				nft_elements(b + 1, ce != NULL ? ce : le, &st, addr, hits, &nhits);
				if (ce == NULL)
					st.in_elements = true;
			}
		} else if (st.chain_depth != 0) {
			/* A rule: "... saddr X ... drop # handle N". */
			const char *sa = find_n(line, len, "saddr ");
			bool verdict = has_word(line, len, "drop") || has_word(line, len, "reject");
			const char *h = find_n(line, len, "# handle ");

			if (sa != NULL && verdict) {
				const char *v = sa + 6, *x;
				size_t vl;

				while (v < le && *v == ' ')
					v++;
				x = v;
				if (x < le && *x == '@') {
					const char *nm;

					x++;
					vl = word_at(&x, le, &nm);
					if (nrefs < NFT_REFS_MAX && vl > 0) {
						struct nft_ref *rf = &refs[nrefs++];

						snprintf(rf->family, sizeof rf->family, "%s",
							st.family);
						snprintf(rf->table, sizeof rf->table, "%s",
							st.table);
						copy_clean(rf->set, sizeof rf->set, nm, vl);
						snprintf(rf->chain, sizeof rf->chain, "%s",
							st.chain);
					}
				} else if (x < le && *x != '!') {
					bool hit = false;
					const char *elem = NULL;
					size_t el = 0;

					if (*x == '{') {
						const char *ce = memchr(x, '}', (size_t)(le - x));
						const char *s = x + 1;

						while (ce != NULL && s < ce && !hit) {
							char e1[SF_BANS_ADDR_MAX];

							el = word_at(&s, ce, &elem);
							if (el == 0) {
								s++;
								continue;
							}
							copy_clean(e1, sizeof e1, elem, el);
							hit = sf_bans_entry_matches(e1, addr);
							while (s < ce && *s == ',')
								s++;
						}
					} else {
						char e1[SF_BANS_ADDR_MAX];

						el = word_at(&x, le, &elem);
						copy_clean(e1, sizeof e1, elem, el);
						hit = el > 0 && sf_bans_entry_matches(e1, addr);
					}
					if (hit && h != NULL) {
						struct sf_ban b;
						char num[24];
						const char *hn = h + 9, *he = hn;

						while (he < le && isdigit((unsigned char)*he))
							he++;
						copy_clean(num, sizeof num, hn, (size_t)(he - hn));
						memset(&b, 0, sizeof b);
						b.source = SF_BAN_NFTABLES;
						copy_clean(b.entry, sizeof b.entry, elem, el);
						snprintf(b.where, sizeof b.where,
							"rule in chain %.15s %.48s %.48s (handle "
							"%.20s)",
							st.family, st.table, st.chain, num);
						copy_clean(b.reason, sizeof b.reason, line,
							(size_t)(h - line));
						{
							char *rs = b.reason;
							size_t rl = strlen(rs);

							while (*rs == ' ' || *rs == '\t' ||
								*rs == '?')
								memmove(rs, rs + 1, rl--);
							while (rl > 0 && rs[rl - 1] == ' ')
								rs[--rl] = '\0';
						}
						lift_set(&b, nft_bin, "delete", "rule", st.family,
							st.table, st.chain, "handle", num,
							(const char *)NULL);
						sf_bans_add(r, &b);
						n++;
					}
				}
			}
		}
		st.depth += opens - closes;
		if (st.depth < 0)
			st.depth = 0;
		if (st.set_depth != 0 && st.depth < st.set_depth) {
			st.set_depth = 0;
			st.in_elements = false;
		}
		if (st.chain_depth != 0 && st.depth < st.chain_depth)
			st.chain_depth = 0;
	}
	for (i = 0; i < nhits; i++) {
		for (j = 0; j < nrefs; j++)
			if (strcmp(hits[i].family, refs[j].family) == 0 &&
				strcmp(hits[i].table, refs[j].table) == 0 &&
				strcmp(hits[i].set, refs[j].set) == 0)
				break;
		if (j == nrefs)
			continue; /* a set no dropping rule uses (an allow list, or unused) */
		{
			struct sf_ban b;

			memset(&b, 0, sizeof b);
			b.source = SF_BAN_NFTABLES;
			snprintf(b.entry, sizeof b.entry, "%s", hits[i].elem);
			snprintf(b.where, sizeof b.where, "set %s %s %s (used in chain %s)",
				hits[i].family, hits[i].table, hits[i].set, refs[j].chain);
			if (hits[i].expires[0]) {
				long d = nft_duration(hits[i].expires);

				b.temporary = true;
				if (d > 0)
					b.until = time(NULL) + d;
			}
			lift_set(&b, nft_bin, "delete", "element", hits[i].family, hits[i].table,
				hits[i].set, "{", hits[i].elem, "}", (const char *)NULL);
			sf_bans_add(r, &b);
			n++;
		}
	}
	return n;
}

/* ---- iptables ---- */

/* Split one iptables-save line into words ("..." quoting). */
static size_t
ipt_words(const char *line, size_t len, char words[][SF_BANS_ARG_MAX], size_t max)
{
	size_t n = 0, i = 0;

	while (i < len && n < max) {
		size_t o = 0;

		while (i < len && isspace((unsigned char)line[i]))
			i++;
		if (i >= len)
			break;
		if (line[i] == '"') {
			i++;
			while (i < len && line[i] != '"') {
				if (line[i] == '\\' && i + 1 < len)
					i++;
				if (o + 1 < SF_BANS_ARG_MAX)
					words[n][o++] = line[i];
				i++;
			}
			i++;
		} else {
			while (i < len && !isspace((unsigned char)line[i])) {
				if (o + 1 < SF_BANS_ARG_MAX)
					words[n][o++] = line[i];
				i++;
			}
		}
		words[n][o] = '\0';
		n++;
	}
	return n;
}

static bool
ipt_denying_target(const char *t)
{
	return strcmp(t, "DROP") == 0 || strcmp(t, "REJECT") == 0 || strstr(t, "DROP") != NULL ||
	       strstr(t, "DENY") != NULL || strstr(t, "REJECT") != NULL;
}

size_t
sf_ipt_parse(const char *text, const char *addr, const char *ipt_bin, struct sf_bans_report *r)
{
	const char *p = text, *end = text + strlen(text), *line;
	size_t len, n = 0;
	char table[SF_BANS_NAME_MAX] = "filter";
	static char words[SF_BANS_ARGV_MAX][SF_BANS_ARG_MAX];

	while (next_line(&p, end, &line, &len)) {
		size_t nw, i;
		const char *src = NULL, *target = NULL;
		bool negated = false;
		struct sf_ban b;

		if (len > 1 && line[0] == '*') {
			copy_clean(table, sizeof table, line + 1, len - 1);
			continue;
		}
		if (len < 3 || memcmp(line, "-A ", 3) != 0)
			continue;
		nw = ipt_words(line, len, words, SF_BANS_ARGV_MAX);
		if (nw < 2 || nw + 3 > SF_BANS_ARGV_MAX)
			continue;
		for (i = 2; i < nw; i++) {
			if ((strcmp(words[i], "-s") == 0 || strcmp(words[i], "--source") == 0) &&
				i + 1 < nw) {
				negated = i > 2 && strcmp(words[i - 1], "!") == 0;
				src = words[i + 1];
			} else if ((strcmp(words[i], "-j") == 0 ||
					   strcmp(words[i], "--jump") == 0) &&
				   i + 1 < nw)
				target = words[i + 1];
		}
		if (src == NULL || negated || target == NULL || !ipt_denying_target(target) ||
			!sf_bans_entry_matches(src, addr))
			continue;
		memset(&b, 0, sizeof b);
		b.source = SF_BAN_IPTABLES;
		copy_clean(b.entry, sizeof b.entry, src, strlen(src));
		snprintf(b.where, sizeof b.where, "table %.40s, chain %.100s", table, words[1]);
		copy_clean(b.reason, sizeof b.reason, line, len);
		/* ipt -t TABLE -D CHAIN <the rest as listed> */
		if (ipt_bin != NULL && *ipt_bin) {
			snprintf(b.lift[0], SF_BANS_ARG_MAX, "%s", ipt_bin);
			snprintf(b.lift[1], SF_BANS_ARG_MAX, "-t");
			snprintf(b.lift[2], SF_BANS_ARG_MAX, "%s", table);
			snprintf(b.lift[3], SF_BANS_ARG_MAX, "-D");
			b.nlift = 4;
			for (i = 1; i < nw && b.nlift < SF_BANS_ARGV_MAX; i++)
				memcpy(b.lift[b.nlift++], words[i], SF_BANS_ARG_MAX);
		}
		sf_bans_add(r, &b);
		n++;
	}
	return n;
}
