#define _GNU_SOURCE /* memmem */
/* Classifying one mail-log line. Every field is taken from bounded spans
 * of the line; nothing here allocates or trusts the line's shape. */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "smtpfix/mta_log.h"
#include "mta_internal.h"

const char *
sf_log_kind_id(enum sf_log_kind k)
{
	switch (k) {
	case SF_LOG_SUBMISSION_AUTH_REQUIRED: return "submission-auth-required";
	case SF_LOG_RELAY_DENIED: return "relay-denied";
	case SF_LOG_DROPPED: return "dropped";
	case SF_LOG_AUTH_FAILED: return "auth-failed";
	case SF_LOG_AUTH_NOT_ADVERTISED: return "auth-not-advertised";
	case SF_LOG_TLS_ERROR: return "tls-error";
	case SF_LOG_PLAINTEXT_LOGIN_REFUSED: return "plaintext-login-refused";
	case SF_LOG_PLAINTEXT_AUTH_ACCEPTED: return "plaintext-auth-accepted";
	case SF_LOG_KINDS: break;
	}
	return "?";
}

const char *
sf_lf_find(const char *line, size_t len, const char *needle)
{
	return memmem(line, len, needle, strlen(needle));
}

int
sf_lf_digits(const char *s, size_t n, int *out)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static long
days_from_civil(int y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The local zone's offset, read once per `now`: mktime() and localtime()
 * stat /etc/localtime on every call, far too slow for millions of lines.
 * Across a daylight-saving change a local stamp may be off by an hour,
 * which no --since window cares about. */
static _Thread_local struct {
	time_t now;
	long offset;
	int year;
} zone;

static void
zone_for(time_t now)
{
	struct tm tm;

	if (zone.now == now && now != 0)
		return;
	localtime_r(&now, &tm);
	zone.now = now;
	zone.offset = tm.tm_gmtoff;
	zone.year = tm.tm_year + 1900;
}

static time_t
civil(int y, int mo, int d, int h, int mi, int se)
{
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return 0;
	return (time_t)(days_from_civil(y, mo, d) * 86400L + h * 3600L + mi * 60L + se);
}

time_t
sf_log_time(const char *l, size_t len, time_t now)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int y, mo, d, h, mi, se, off = 0, sign = 0;
	time_t t;

	zone_for(now);
	/* 2026-11-29 10:00:00 (Exim) or 2026-11-29T10:00:00... (RFC 3339) */
	if (len >= 19 && l[4] == '-' && l[7] == '-' && (l[10] == ' ' || l[10] == 'T') &&
		l[13] == ':' && l[16] == ':' && sf_lf_digits(l, 4, &y) == 0 &&
		sf_lf_digits(l + 5, 2, &mo) == 0 && sf_lf_digits(l + 8, 2, &d) == 0 &&
		sf_lf_digits(l + 11, 2, &h) == 0 && sf_lf_digits(l + 14, 2, &mi) == 0 &&
		sf_lf_digits(l + 17, 2, &se) == 0) {
		size_t i = 19;

		t = civil(y, mo, d, h, mi, se);
		if (t == 0)
			return 0;
		if (l[10] == 'T') {
			int oh, om;

			while (i < len && (l[i] == '.' || isdigit((unsigned char)l[i])))
				i++;
			if (i < len && l[i] == 'Z') {
				sign = 1;
			} else if (i + 6 <= len && (l[i] == '+' || l[i] == '-') &&
				   l[i + 3] == ':' && sf_lf_digits(l + i + 1, 2, &oh) == 0 &&
				   sf_lf_digits(l + i + 4, 2, &om) == 0) {
				sign = l[i] == '+' ? 1 : -1;
				off = oh * 3600 + om * 60;
			} else if (i + 5 <= len && (l[i] == '+' || l[i] == '-') &&
				   sf_lf_digits(l + i + 1, 2, &oh) == 0 &&
				   sf_lf_digits(l + i + 3, 2, &om) == 0) {
				/* "+0000", as journalctl's short-iso writes it */
				sign = l[i] == '+' ? 1 : -1;
				off = oh * 3600 + om * 60;
			}
		}
		return sign != 0 ? t - sign * off : t - zone.offset;
	}
	/* "Aug 3 10:00:00": the same without the padding of the day. */
	if (len >= 14 && l[3] == ' ' && l[5] == ' ' && l[8] == ':' && l[11] == ':') {
		char padded[15];

		memcpy(padded, l, 4);
		padded[4] = ' ';
		memcpy(padded + 5, l + 4, 10);
		return sf_log_time(padded, sizeof padded, now);
	}
	/* Nov 29 10:00:00 (syslog, no year) */
	if (len >= 15 && l[3] == ' ' && l[6] == ' ' && l[9] == ':' && l[12] == ':') {
		const char *m = memmem(months, 36, l, 3);

		if (m == NULL || (m - months) % 3 != 0)
			return 0;
		if (sf_lf_digits(l + 4 + (l[4] == ' '), l[4] == ' ' ? 1 : 2, &d) < 0 ||
			sf_lf_digits(l + 7, 2, &h) < 0 || sf_lf_digits(l + 10, 2, &mi) < 0 ||
			sf_lf_digits(l + 13, 2, &se) < 0)
			return 0;
		mo = (int)((m - months) / 3) + 1;
		t = civil(zone.year, mo, d, h, mi, se);
		if (t == 0)
			return 0;
		t -= zone.offset;
		/* A stamp in the future belongs to last year (logs span New Year). */
		if (t > now + 86400)
			t = civil(zone.year - 1, mo, d, h, mi, se) - zone.offset;
		return t;
	}
	return 0;
}

/* An address literal "[ip]" at p: the address (checked with inet_pton)
 * is copied to out and the byte after ']' returned, else NULL. */
const char *
sf_lf_ip_literal(const char *p, const char *end, char *out, size_t outsz)
{
	char ip[INET6_ADDRSTRLEN];
	unsigned char bin[sizeof(struct in6_addr)];
	const char *q;
	size_t n;

	if (p >= end || *p != '[')
		return NULL;
	for (q = p + 1; q < end && (size_t)(q - p) < sizeof ip; q++)
		if (!isxdigit((unsigned char)*q) && *q != '.' && *q != ':')
			break;
	n = (size_t)(q - p - 1);
	if (q >= end || *q != ']' || n == 0 || n >= sizeof ip || n >= outsz)
		return NULL;
	memcpy(ip, p + 1, n);
	ip[n] = '\0';
	if (inet_pton(memchr(ip, ':', n) ? AF_INET6 : AF_INET, ip, bin) != 1)
		return NULL;
	memcpy(out, ip, n + 1);
	return q + 1;
}

static bool
dns_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '-' || c == '_';
}

/* Exim writes the client as
 *	[ip]  or  name [ip]  or  (helo) [ip]  or  name (helo) [ip]
 * each with ":port" when logged, followed by what that line form writes
 * next (one of conts). name comes from DNS and was checked; the HELO is
 * whatever the client sent, unescaped: with helo_accept_junk_hosts it can
 * hold spaces, brackets, parentheses, even a made-up "(x) [1.2.3.4]". The
 * client is therefore the address literal right after the ")" that
 * closes the HELO: the first ") [ip]" where the parentheses balance and
 * the line goes on as Exim writes it. Only when none balances (a HELO
 * with more "(" than ")") is the first ") [ip]" that goes on right taken.
 * A HELO that copies a whole field with its continuation stays
 * ambiguous: nothing in the line tells its end apart. */
#define HELO_SCAN_MAX 16384 /* Exim's SMTP command buffer: no HELO is longer */

static bool
exim_goes_on(const char *p, const char *end, const char *const *conts)
{
	size_t n;

	if (p < end && *p == ':' && p + 1 < end && isdigit((unsigned char)p[1]))
		for (p++, n = 0; p < end && n < 5 && isdigit((unsigned char)*p); p++, n++)
			;
	if (p == end)
		return true;
	for (; *conts != NULL; conts++) {
		n = strlen(*conts);
		if (strcmp(*conts, TLS_CALL) == 0) {
			/* " (SSL_accept): ...": a function name, then "):" */
			const char *q = p + 2;

			if (end - p < 4 || p[0] != ' ' || p[1] != '(')
				continue;
			while (q < end && q - p < 80 && *q != '(' && *q != ')' && *q != '[')
				q++;
			if (q > p + 2 && q < end && *q == ')' && (q + 1 == end || q[1] == ':'))
				return true;
		} else if ((size_t)(end - p) >= n && memcmp(p, *conts, n) == 0) {
			return true;
		}
	}
	return false;
}

static const char *
exim_host(const char *p, const char *end, const char *const *conts, char *out, size_t outsz)
{
	char ip[SF_LOG_ADDR_MAX], first[SF_LOG_ADDR_MAX];
	const char *q, *after, *first_after = NULL, *stop;
	long depth = 0;

	if (end - p >= 2 && p[0] == 'H' && p[1] == '=')
		p += 2; /* "authenticator failed for H=..." since Exim 4.99 */
	if (p < end && *p != '(' && *p != '[') {
		for (q = p; q < end && dns_char(*q); q++)
			;
		if (q == p || q >= end || *q != ' ')
			return NULL;
		p = q + 1;
	}
	if (p < end && *p == '[') {
		after = sf_lf_ip_literal(p, end, ip, sizeof ip);
		if (after == NULL || !exim_goes_on(after, end, conts))
			return NULL;
		snprintf(out, outsz, "%s", ip);
		return after;
	}
	if (p >= end || *p != '(')
		return NULL;
	stop = (size_t)(end - p) > HELO_SCAN_MAX ? p + HELO_SCAN_MAX : end;
	for (q = p; q < stop; q++) {
		if (*q == '(') {
			depth++;
			continue;
		}
		if (*q != ')')
			continue;
		depth--;
		if (end - q < 3 || q[1] != ' ' || q[2] != '[')
			continue;
		after = sf_lf_ip_literal(q + 2, end, ip, sizeof ip);
		if (after == NULL || !exim_goes_on(after, end, conts))
			continue;
		if (depth <= 0) {
			snprintf(out, outsz, "%s", ip);
			return after;
		}
		if (first_after == NULL) {
			first_after = after;
			snprintf(first, sizeof first, "%s", ip);
		}
	}
	if (first_after != NULL)
		snprintf(out, outsz, "%s", first);
	return first_after;
}

#define EXIM_KEYS_TRIED 4 /* places a key is tried at, in one line */

/* The last occurrence of key that starts before limit. */
const char *
sf_lf_last_key(const char *line, const char *limit, const char *key, size_t klen)
{
	const char *p = line, *last = NULL;

	while (p < limit && (p = memmem(p, (size_t)(limit - p), key, klen)) != NULL) {
		last = p;
		p++;
	}
	return last;
}

/* The client of an Exim line: the host field after `key`. Where the
 * client's own text (a sender, an SMTP command) comes before the field,
 * the key is tried from the last one back (from_last); elsewhere from the
 * first. Returns the end of the field, or NULL with out "". */
const char *
sf_lf_exim_client(const char *line, size_t len, const char *key, bool from_last,
	const char *const *conts, char *out, size_t outsz)
{
	const char *end = line + len, *p = line, *limit = end, *after;
	size_t klen = strlen(key);
	int tries;

	for (tries = 0; tries < EXIM_KEYS_TRIED; tries++) {
		p = from_last ? sf_lf_last_key(line, limit, key, klen)
			      : memmem(p, (size_t)(end - p), key, klen);
		if (p == NULL)
			break;
		out[0] = '\0';
		after = exim_host(p + klen, end, conts, out, outsz);
		if (after != NULL)
			return after;
		/* The next try: one that starts before this one, or after it. */
		limit = p + klen - 1;
		p += klen;
	}
	out[0] = '\0';
	return NULL;
}

/* What each Exim line form writes after the client's address (and port). */
static const char *const conts_rcpt[] = { " I=[", " U=", " F=<", " A=", NULL };
static const char *const conts_drop[] = { " I=[", " U=", " D=", " closed by DROP", NULL };
static const char *const conts_auth[] = { ": ", " I=[", " U=", NULL };
static const char *const conts_unadv[] = { " I=[", " U=", " AUTH command used when not advertised",
	NULL };
static const char *const conts_tls[] = { " I=[", " U=", TLS_CALL, ": ", NULL };
static const char *const conts_msg[] = { " I=[", " U=", " P=", NULL };

/* A syslog line's program ("postfix/submission/smtpd") and where its
 * message starts:
 *	Nov 29 10:00:00 host tag[pid]: message
 *	2026-11-29T10:00:00.1+01:00 host tag[pid]: message
 * Exim's own log has no such header. The header is written by syslog,
 * before anything a client sent. */

bool
sf_lf_syslog_head(const char *l, size_t len, struct syslog_head *sh)
{
	const char *end = l + len, *p, *t;

	if (len >= 16 && l[3] == ' ' && l[6] == ' ' && l[9] == ':' && l[12] == ':' && l[15] == ' ')
		p = l + 16;
	else if (len >= 15 && l[3] == ' ' && l[5] == ' ' && l[8] == ':' && l[11] == ':' &&
		 l[14] == ' ')
		p = l + 15; /* "Aug 3 15:30:49": a day not padded (a paste, or rsyslog's own) */
	else if (len >= 20 && l[4] == '-' && l[10] == 'T' && (p = memchr(l, ' ', len)) != NULL)
		p++;
	else
		return false;
	p = memchr(p, ' ', (size_t)(end - p)); /* after the host name */
	if (p == NULL)
		return false;
	for (t = ++p; p < end && *p != '[' && *p != ':' && *p != ' '; p++)
		;
	if (p == t || p >= end)
		return false;
	sh->tag = t;
	sh->taglen = (size_t)(p - t);
	if (*p == '[' && (p = memchr(p, ']', (size_t)(end - p))) != NULL)
		p++;
	if (p == NULL || end - p < 2 || p[0] != ':' || p[1] != ' ')
		return false;
	sh->msg = p + 2;
	return true;
}

/* Exim's own log starts "2026-11-29 10:00:00". */
bool
sf_lf_exim_stamp(const char *l, size_t len)
{
	int v;

	return len >= 20 && l[4] == '-' && l[7] == '-' && l[10] == ' ' && l[13] == ':' &&
	       l[16] == ':' && sf_lf_digits(l, 4, &v) == 0 && sf_lf_digits(l + 11, 2, &v) == 0;
}

bool
sf_lf_tag_has(const struct syslog_head *sh, const char *part)
{
	return memmem(sh->tag, sh->taglen, part, strlen(part)) != NULL;
}

bool
sf_lf_is_postfix(const struct syslog_head *sh)
{
	return sh->tag != NULL && sh->taglen >= 7 && memcmp(sh->tag, "postfix", 7) == 0;
}

/* Postfix writes the client as "name[ip]" (name checked by Postfix
 * against DNS, or "unknown") right after fixed words at the start of its
 * message; the HELO comes later, as helo=<...>, and is never read. */
bool
sf_lf_postfix_client(const char *from, const char *end, const char *key, char *out, size_t outsz)
{
	const char *p, *q;

	out[0] = '\0';
	if (from == NULL || (p = memmem(from, (size_t)(end - from), key, strlen(key))) == NULL)
		return false;
	p += strlen(key);
	for (q = p; q < end && dns_char(*q); q++)
		;
	if (q == p || sf_lf_ip_literal(q, end, out, outsz) == NULL) {
		out[0] = '\0';
		return false;
	}
	return true;
}

/* A word after `key` up to a character in `stop` (bounded), looked for
 * from `from` on. */
void
sf_lf_word_after(const char *line, size_t len, const char *from, const char *key, const char *stop,
	char *out, size_t outsz)
{
	const char *end = line + len, *p;
	size_t n = 0;

	out[0] = '\0';
	if (from == NULL)
		from = line;
	p = memmem(from, (size_t)(end - from), key, strlen(key));
	if (p == NULL)
		return;
	p += strlen(key);
	while (p < end && n + 1 < outsz && strchr(stop, *p) == NULL && (unsigned char)*p > ' ' &&
		(unsigned char)*p < 0x7f)
		out[n++] = *p++;
	out[n] = '\0';
}

/* The server port: Exim's " I=[ip]:port" right after the client field
 * (where Exim writes it), else what the Postfix service name in the
 * syslog tag says, else the fallback. */
int
sf_lf_server_port(const char *line, size_t len, const char *after_client,
	const struct syslog_head *sh, int fallback)
{
	char ip[SF_LOG_ADDR_MAX];
	const char *end = line + len, *after;
	int port = 0;

	if (after_client != NULL) {
		const char *p = after_client;

		if (p < end && *p == ':') /* the client's own port */
			for (p++; p < end && isdigit((unsigned char)*p); p++)
				;
		if (end - p > 4 && memcmp(p, " I=[", 4) == 0 &&
			(after = sf_lf_ip_literal(p + 3, end, ip, sizeof ip)) != NULL &&
			after < end && *after == ':') {
			const char *d = after + 1;
			size_t n = 0;

			while (d + n < end && n < 5 && isdigit((unsigned char)d[n]))
				n++;
			if (n > 0 && sf_lf_digits(d, n, &port) == 0)
				return port;
		}
	}
	if (sf_lf_is_postfix(sh)) {
		if (sf_lf_tag_has(sh, "/submissions/") || sf_lf_tag_has(sh, "/smtps/"))
			return 465;
		if (sf_lf_tag_has(sh, "/submission/"))
			return 587;
		if (sf_lf_tag_has(sh, "/smtpd"))
			return 25;
	}
	return fallback;
}

static bool
is_loopback(const char *ip)
{
	return strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0 ||
	       strncmp(ip, "::ffff:127.", 11) == 0;
}

static bool
hit(struct sf_log_hit *h, enum sf_log_kind kind, const char *line, size_t len, time_t now)
{
	h->kind = kind;
	h->when = sf_log_time(line, len, now);
	return true;
}

bool
sf_log_classify(const char *line, size_t len, time_t now, struct sf_log_hit *h)
{
	return sf_log_classify_hint(line, len, now, SF_LOG_HINT_ANY, h);
}

/* Dovecot writes "user=<...>, rip=ip, lip=..." with the user name the
 * client typed first: the last ", rip=" is Dovecot's own. */
void
sf_lf_dovecot_rip(const char *line, size_t len, char *out, size_t outsz)
{
	const char *end = line + len, *p = sf_lf_last_key(line, end, ", rip=", 6);
	char ip[SF_LOG_ADDR_MAX];
	unsigned char bin[sizeof(struct in6_addr)];
	size_t n = 0;

	out[0] = '\0';
	if (p != NULL)
		p += 6;
	else if ((p = sf_lf_find(line, len, "rip=")) != NULL)
		p += 4;
	else
		return;
	while (p + n < end && n + 1 < sizeof ip && p[n] != ',' && p[n] != ' ')
		n++;
	memcpy(ip, p, n);
	ip[n] = '\0';
	if (n > 0 && n < outsz && inet_pton(memchr(ip, ':', n) ? AF_INET6 : AF_INET, ip, bin) == 1)
		memcpy(out, ip, n + 1);
}

bool
sf_log_classify_hint(const char *line, size_t len, time_t now, unsigned hint, struct sf_log_hit *h)
{
	struct syslog_head sh = { NULL, NULL, 0 };
	const char *p, *after, *end;
	bool postfix;

	h->address[0] = h->user[0] = '\0';
	h->port = 0;
	h->when = 0;
	if (len > SF_LOG_LINE_MAX)
		len = SF_LOG_LINE_MAX;
	end = line + len;
	/* Which program wrote the line decides how it is read: Exim's rules
	 * never read a Postfix line, whose HELO could hold " H=[ip]", and a
	 * HELO cannot make an Exim line Postfix's. */
	if (sf_lf_syslog_head(line, len, &sh))
		postfix = sf_lf_is_postfix(&sh);
	else
		postfix = !sf_lf_exim_stamp(line, len) && sf_lf_find(line, len, "postfix/") != NULL;

	/* Exim: cPanel's port-587 rule. */
	if ((hint & SF_LOG_HINT_SUBMISSION) && !postfix &&
		sf_lf_find(line, len, "SMTP AUTH is required for message submission") != NULL &&
		sf_lf_find(line, len, "rejected RCPT") != NULL) {
		after = sf_lf_exim_client(
			line, len, " H=", false, conts_rcpt, h->address, sizeof h->address);
		h->port = sf_lf_server_port(line, len, after, &sh, 587);
		if (after != NULL)
			sf_lf_word_after(line, len, after, " A=", " ", h->user, sizeof h->user);
		return hit(h, SF_LOG_SUBMISSION_AUTH_REQUIRED, line, len, now);
	}
	/* Relay refusals: cPanel's texts, upstream Exim's, Postfix's. Neither
	 * writes the login name on these lines, so none is taken: a user found
	 * there would be text the client chose. */
	if ((hint & SF_LOG_HINT_RELAY) && !postfix &&
		sf_lf_find(line, len, "rejected RCPT") != NULL &&
		(sf_lf_find(line, len, "is not permitted to relay") != NULL ||
			sf_lf_find(line, len, "Rejected relay attempt") != NULL ||
			sf_lf_find(line, len, "relay not permitted") != NULL)) {
		after = sf_lf_exim_client(
			line, len, " H=", false, conts_rcpt, h->address, sizeof h->address);
		h->port = sf_lf_server_port(line, len, after, &sh, 0);
		return hit(h, SF_LOG_RELAY_DENIED, line, len, now);
	}
	if ((hint & SF_LOG_HINT_RELAY) && postfix &&
		sf_lf_find(line, len, "reject: RCPT from ") != NULL &&
		sf_lf_find(line, len, "Relay access denied") != NULL) {
		sf_lf_postfix_client(sh.msg ? sh.msg : line, end, "reject: RCPT from ", h->address,
			sizeof h->address);
		h->port = sf_lf_server_port(line, len, NULL, &sh, 0);
		return hit(h, SF_LOG_RELAY_DENIED, line, len, now);
	}
	if ((hint & SF_LOG_HINT_DROP) && !postfix &&
		sf_lf_find(line, len, "closed by DROP in ACL") != NULL) {
		after = sf_lf_exim_client(line, len, "connection from ", false, conts_drop,
			h->address, sizeof h->address);
		h->port = sf_lf_server_port(line, len, after, &sh, 0);
		return hit(h, SF_LOG_DROPPED, line, len, now);
	}
	/* Exim before 4.99: "authenticator failed for (helo) [ip]:port: 535 ...";
	 * 4.99 on: "authenticator failed for H=(helo) [ip]:port: ...". The
	 * set_id comes after the client, so a HELO cannot supply it. */
	if ((hint & SF_LOG_HINT_AUTH) && !postfix &&
		sf_lf_find(line, len, "authenticator failed for ") != NULL) {
		after = sf_lf_exim_client(line, len, "authenticator failed for ", false, conts_auth,
			h->address, sizeof h->address);
		h->port = sf_lf_server_port(line, len, after, &sh, 0);
		if (after != NULL)
			sf_lf_word_after(
				line, len, after, "(set_id=", ")", h->user, sizeof h->user);
		return hit(h, SF_LOG_AUTH_FAILED, line, len, now);
	}
	/* Postfix: "warning: unknown[ip]: SASL LOGIN authentication failed: ...
	 * [, sasl_username=user]" (the user part since 3.9). */
	if ((hint & SF_LOG_HINT_AUTH) && postfix &&
		sf_lf_find(line, len, " authentication failed") != NULL &&
		sf_lf_find(line, len, "SASL ") != NULL) {
		sf_lf_postfix_client(
			sh.msg ? sh.msg : line, end, "warning: ", h->address, sizeof h->address);
		h->port = sf_lf_server_port(line, len, NULL, &sh, 0);
		p = sf_lf_find(line, len, "SASL ");
		sf_lf_word_after(line, len, p, "sasl_username=", ",; ", h->user, sizeof h->user);
		if (strcmp(h->user, "(unavailable)") == 0)
			h->user[0] = '\0';
		return hit(h, SF_LOG_AUTH_FAILED, line, len, now);
	}
	/* Exim writes the client's command first ("SMTP protocol error in
	 * "AUTH ..." H=..."), so its H= is looked for from the last one. */
	if ((hint & SF_LOG_HINT_UNADVERTISED) && !postfix &&
		sf_lf_find(line, len, "AUTH command used when not advertised") != NULL) {
		after = sf_lf_exim_client(
			line, len, " H=", true, conts_unadv, h->address, sizeof h->address);
		h->port = sf_lf_server_port(line, len, after, &sh, 0);
		return hit(h, SF_LOG_AUTH_NOT_ADVERTISED, line, len, now);
	}
	if ((hint & SF_LOG_HINT_TLS) && !postfix &&
		sf_lf_find(line, len, "TLS error on connection from ") != NULL) {
		after = sf_lf_exim_client(line, len, "TLS error on connection from ", false,
			conts_tls, h->address, sizeof h->address);
		h->port = sf_lf_server_port(line, len, after, &sh, 0);
		return hit(h, SF_LOG_TLS_ERROR, line, len, now);
	}
	if ((hint & SF_LOG_HINT_TLS) && sf_lf_find(line, len, "SSL_accept error from ") != NULL) {
		sf_lf_postfix_client(sh.msg ? sh.msg : line, end, "SSL_accept error from ",
			h->address, sizeof h->address);
		h->port = sf_lf_server_port(line, len, NULL, &sh, 0);
		return hit(h, SF_LOG_TLS_ERROR, line, len, now);
	}
	/* Dovecot: "(tried to use disallowed plaintext auth)"; 2.2 and older
	 * "(tried to use disabled plaintext auth)". */
	if ((hint & SF_LOG_HINT_PLAINTEXT) &&
		(sf_lf_find(line, len, "disallowed plaintext auth") != NULL ||
			sf_lf_find(line, len, "disabled plaintext auth") != NULL)) {
		sf_lf_dovecot_rip(line, len, h->address, sizeof h->address);
		sf_lf_word_after(line, len, NULL, "user=<", ">", h->user, sizeof h->user);
		if (sf_lf_find(line, len, "pop3-login") != NULL)
			h->port = 110;
		else if (sf_lf_find(line, len, "imap-login") != NULL)
			h->port = 143;
		return hit(h, SF_LOG_PLAINTEXT_LOGIN_REFUSED, line, len, now);
	}
	/* Exim: a message accepted with AUTH but without TLS, from elsewhere. */
	if ((hint & SF_LOG_HINT_ESMTPA) && !postfix &&
		sf_lf_find(line, len, " P=esmtpa ") != NULL &&
		sf_lf_find(line, len, " <= ") != NULL) {
		after = sf_lf_exim_client(
			line, len, " H=", false, conts_msg, h->address, sizeof h->address);
		if (h->address[0] == '\0' || is_loopback(h->address))
			return false;
		h->port = sf_lf_server_port(line, len, after, &sh, 0);
		sf_lf_word_after(line, len, after, " A=", " ", h->user, sizeof h->user);
		/* "A=dovecot_login:user": keep the user, not the authenticator. */
		if ((p = strchr(h->user, ':')) != NULL)
			memmove(h->user, p + 1, strlen(p));
		return hit(h, SF_LOG_PLAINTEXT_AUTH_ACCEPTED, line, len, now);
	}
	return false;
}
