#define _GNU_SOURCE /* memmem */
/* Classifying one mail-log line. Every field is taken from bounded spans
 * of the line; nothing here allocates or trusts the line's shape. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "smtpfix/mta_log.h"

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

static const char *
find(const char *line, size_t len, const char *needle)
{
	return memmem(line, len, needle, strlen(needle));
}

static int
digits(const char *s, size_t n, int *out)
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
		l[13] == ':' && l[16] == ':' && digits(l, 4, &y) == 0 && digits(l + 5, 2, &mo) == 0 &&
		digits(l + 8, 2, &d) == 0 && digits(l + 11, 2, &h) == 0 &&
		digits(l + 14, 2, &mi) == 0 && digits(l + 17, 2, &se) == 0) {
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
			} else if (i + 6 <= len && (l[i] == '+' || l[i] == '-') && l[i + 3] == ':' &&
				digits(l + i + 1, 2, &oh) == 0 && digits(l + i + 4, 2, &om) == 0) {
				sign = l[i] == '+' ? 1 : -1;
				off = oh * 3600 + om * 60;
			}
		}
		return sign != 0 ? t - sign * off : t - zone.offset;
	}
	/* Nov 29 10:00:00 (syslog, no year) */
	if (len >= 15 && l[3] == ' ' && l[6] == ' ' && l[9] == ':' && l[12] == ':') {
		const char *m = memmem(months, 36, l, 3);

		if (m == NULL || (m - months) % 3 != 0)
			return 0;
		if (digits(l + 4 + (l[4] == ' '), l[4] == ' ' ? 1 : 2, &d) < 0 ||
			digits(l + 7, 2, &h) < 0 || digits(l + 10, 2, &mi) < 0 || digits(l + 13, 2, &se) < 0)
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

/* Copy an IP address found inside [...] after `from` (or the first [ in
 * the line when from is NULL). Returns the pointer after ']' or NULL. */
static const char *
bracket_ip(const char *line, size_t len, const char *from, char *out, size_t outsz)
{
	const char *end = line + len, *p = from ? from : line, *q;
	size_t n;

	out[0] = '\0';
	p = memchr(p, '[', (size_t)(end - p));
	if (p == NULL)
		return NULL;
	p++;
	for (q = p; q < end && *q != ']'; q++)
		if (!isxdigit((unsigned char)*q) && *q != '.' && *q != ':')
			return NULL;
	if (q >= end || q == p)
		return NULL;
	n = (size_t)(q - p);
	if (n >= outsz)
		return NULL;
	memcpy(out, p, n);
	out[n] = '\0';
	return q + 1;
}

/* A word after `key` up to a character in `stop` (bounded). */
static void
word_after(const char *line, size_t len, const char *key, const char *stop, char *out, size_t outsz)
{
	const char *p = find(line, len, key), *end = line + len;
	size_t n = 0;

	out[0] = '\0';
	if (p == NULL)
		return;
	p += strlen(key);
	while (p < end && n + 1 < outsz && strchr(stop, *p) == NULL &&
		(unsigned char)*p > ' ' && (unsigned char)*p < 0x7f)
		out[n++] = *p++;
	out[n] = '\0';
}

/* The server port: Exim's I=[ip]:port when logged, else what the kind or
 * Postfix's service name says. */
static int
server_port(const char *line, size_t len, int fallback)
{
	char ip[SF_LOG_ADDR_MAX];
	const char *p = find(line, len, " I=["), *after;
	int port = 0;

	if (p != NULL && (after = bracket_ip(line, len, p, ip, sizeof ip)) != NULL &&
		after < line + len && *after == ':') {
		const char *d = after + 1;
		size_t n = 0;

		while (d + n < line + len && n < 5 && isdigit((unsigned char)d[n]))
			n++;
		if (n > 0 && digits(d, n, &port) == 0)
			return port;
	}
	if (find(line, len, "postfix/submissions/") != NULL || find(line, len, "postfix/smtps/") != NULL)
		return 465;
	if (find(line, len, "postfix/submission/") != NULL)
		return 587;
	if (find(line, len, "postfix/smtpd[") != NULL)
		return 25;
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

bool
sf_log_classify_hint(const char *line, size_t len, time_t now, unsigned hint, struct sf_log_hit *h)
{
	const char *p;

	h->address[0] = h->user[0] = '\0';
	h->port = 0;
	h->when = 0;
	if (len > SF_LOG_LINE_MAX)
		len = SF_LOG_LINE_MAX;

	/* Exim: cPanel's port-587 rule. */
	if ((hint & SF_LOG_HINT_SUBMISSION) && find(line, len, "SMTP AUTH is required for message submission") != NULL &&
		find(line, len, "rejected RCPT") != NULL) {
		bracket_ip(line, len, find(line, len, " H="), h->address, sizeof h->address);
		h->port = server_port(line, len, 587);
		word_after(line, len, " A=", " ", h->user, sizeof h->user);
		return hit(h, SF_LOG_SUBMISSION_AUTH_REQUIRED, line, len, now);
	}
	/* Relay refusals: cPanel's texts, upstream Exim's, Postfix's. */
	if ((hint & SF_LOG_HINT_RELAY) &&
		((find(line, len, "rejected RCPT") != NULL &&
			 (find(line, len, "is not permitted to relay") != NULL ||
				 find(line, len, "Rejected relay attempt") != NULL ||
				 find(line, len, "relay not permitted") != NULL)) ||
			(find(line, len, "NOQUEUE: reject: RCPT from") != NULL &&
				find(line, len, "Relay access denied") != NULL))) {
		if ((p = find(line, len, " H=")) != NULL)
			bracket_ip(line, len, p, h->address, sizeof h->address);
		else
			bracket_ip(line, len, find(line, len, "RCPT from "), h->address, sizeof h->address);
		h->port = server_port(line, len, 0);
		word_after(line, len, "sasl_username=", ",; ", h->user, sizeof h->user);
		return hit(h, SF_LOG_RELAY_DENIED, line, len, now);
	}
	if ((hint & SF_LOG_HINT_DROP) && (p = find(line, len, "closed by DROP in ACL")) != NULL) {
		bracket_ip(line, len, find(line, len, "connection from "), h->address, sizeof h->address);
		h->port = server_port(line, len, 0);
		return hit(h, SF_LOG_DROPPED, line, len, now);
	}
	/* Exim before 4.99: "authenticator failed for (helo) [ip]:port: 535 ...";
	 * 4.99 on: "authenticator failed for H=(helo) [ip]:port: ...". */
	if ((hint & SF_LOG_HINT_AUTH) && (p = find(line, len, "authenticator failed for ")) != NULL) {
		bracket_ip(line, len, p, h->address, sizeof h->address);
		h->port = server_port(line, len, 0);
		word_after(line, len, "(set_id=", ")", h->user, sizeof h->user);
		return hit(h, SF_LOG_AUTH_FAILED, line, len, now);
	}
	/* Postfix: "warning: unknown[ip]: SASL LOGIN authentication failed: ...
	 * [, sasl_username=user]" (the user part since 3.9). */
	if ((hint & SF_LOG_HINT_AUTH) && (p = find(line, len, " authentication failed")) != NULL &&
		find(line, len, "SASL ") != NULL &&
		find(line, len, "postfix/") != NULL) {
		bracket_ip(line, len, find(line, len, "warning: "), h->address, sizeof h->address);
		h->port = server_port(line, len, 0);
		word_after(line, len, "sasl_username=", ",; ", h->user, sizeof h->user);
		if (strcmp(h->user, "(unavailable)") == 0)
			h->user[0] = '\0';
		return hit(h, SF_LOG_AUTH_FAILED, line, len, now);
	}
	if ((hint & SF_LOG_HINT_UNADVERTISED) &&
		find(line, len, "AUTH command used when not advertised") != NULL) {
		bracket_ip(line, len, find(line, len, " H="), h->address, sizeof h->address);
		h->port = server_port(line, len, 0);
		return hit(h, SF_LOG_AUTH_NOT_ADVERTISED, line, len, now);
	}
	if ((hint & SF_LOG_HINT_TLS) && ((p = find(line, len, "TLS error on connection from ")) != NULL ||
		(p = find(line, len, "SSL_accept error from ")) != NULL)) {
		bracket_ip(line, len, p, h->address, sizeof h->address);
		h->port = server_port(line, len, 0);
		return hit(h, SF_LOG_TLS_ERROR, line, len, now);
	}
	/* Dovecot: "(tried to use disallowed plaintext auth)"; 2.2 and older
	 * "(tried to use disabled plaintext auth)". */
	if ((hint & SF_LOG_HINT_PLAINTEXT) && (find(line, len, "disallowed plaintext auth") != NULL ||
		find(line, len, "disabled plaintext auth") != NULL)) {
		word_after(line, len, "rip=", ",", h->address, sizeof h->address);
		word_after(line, len, "user=<", ">", h->user, sizeof h->user);
		if (find(line, len, "pop3-login") != NULL)
			h->port = 110;
		else if (find(line, len, "imap-login") != NULL)
			h->port = 143;
		return hit(h, SF_LOG_PLAINTEXT_LOGIN_REFUSED, line, len, now);
	}
	/* Exim: a message accepted with AUTH but without TLS, from elsewhere. */
	if ((hint & SF_LOG_HINT_ESMTPA) && find(line, len, " P=esmtpa ") != NULL &&
		find(line, len, " <= ") != NULL) {
		bracket_ip(line, len, find(line, len, " H="), h->address, sizeof h->address);
		if (h->address[0] == '\0' || is_loopback(h->address))
			return false;
		h->port = server_port(line, len, 0);
		word_after(line, len, " A=", " ", h->user, sizeof h->user);
		/* "A=dovecot_login:user": keep the user, not the authenticator. */
		if ((p = strchr(h->user, ':')) != NULL)
			memmove(h->user, p + 1, strlen(p));
		return hit(h, SF_LOG_PLAINTEXT_AUTH_ACCEPTED, line, len, now);
	}
	return false;
}
