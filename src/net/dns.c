/* DNS discovery with c-ares: every lookup of a stage runs at once in one
 * channel, driven by poll() under a single deadline. */
#define CARES_NO_DEPRECATED /* the classic query API is what RHEL 8's c-ares has */
#include "smtpfix/dns.h"

#include <arpa/inet.h>
#include <ares.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "smtpfix/clock.h"
#include "smtpfix/text.h"

#define T_A_ 1
#define T_CNAME_ 5
#define T_MX_ 15
#define T_AAAA_ 28
#define T_SRV_ 33
#define C_IN_ 1

/* A name we build: "mail." or "smtp." plus the longest domain. */
#define NAME_BUF (SF_HOST_MAX + 8)
/* A name read from an answer, as c-ares writes it (with escapes). */
#define WIRE_NAME_MAX 400
/* Records of one answer looked at for aliases, and aliases kept. */
#define MAX_ANSWER_RECORDS 64
#define MAX_ALIASES 16

struct query {
	struct sf_discovery *d;
	size_t lookup;
	double t0;
	int type;
};

const char *
sf_dns_status_id(enum sf_dns_status s)
{
	switch (s) {
	case SF_DNS_OK: return "ok";
	case SF_DNS_NXDOMAIN: return "nxdomain";
	case SF_DNS_NODATA: return "no-records";
	case SF_DNS_TIMEOUT: return "timeout";
	case SF_DNS_SERVFAIL: return "servfail";
	case SF_DNS_REFUSED: return "refused";
	case SF_DNS_ERROR: return "error";
	case SF_DNS_CNAME_LOOP: return "cname-loop";
	}
	return "?";
}

static void
set_status(struct sf_dns_lookup *l, int ares_status)
{
	switch (ares_status) {
	case ARES_SUCCESS:
		l->status = SF_DNS_OK;
		l->detail[0] = '\0';
		break;
	case ARES_ENOTFOUND:
		l->status = SF_DNS_NXDOMAIN;
		snprintf(l->detail, sizeof l->detail, "the name does not exist (NXDOMAIN)");
		break;
	case ARES_ENODATA:
		l->status = SF_DNS_NODATA;
		snprintf(l->detail, sizeof l->detail, "no %s records", l->type);
		break;
	case ARES_ETIMEOUT:
	case ARES_ECANCELLED:
		l->status = SF_DNS_TIMEOUT;
		snprintf(l->detail, sizeof l->detail, "no answer from DNS in time");
		break;
	case ARES_ESERVFAIL:
		l->status = SF_DNS_SERVFAIL;
		snprintf(l->detail, sizeof l->detail, "the DNS server failed (SERVFAIL)");
		break;
	case ARES_EREFUSED:
		l->status = SF_DNS_REFUSED;
		snprintf(l->detail, sizeof l->detail, "the DNS server refused the query");
		break;
	case ARES_ECONNREFUSED:
		l->status = SF_DNS_ERROR;
		snprintf(l->detail, sizeof l->detail, "no DNS server answers (connection refused)");
		break;
	default:
		l->status = SF_DNS_ERROR;
		snprintf(l->detail, sizeof l->detail, "%s", ares_strerror(ares_status));
		break;
	}
}

static void add_answer(struct sf_dns_lookup *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
add_answer(struct sf_dns_lookup *l, const char *fmt, ...)
{
	va_list ap;

	if (l->nanswers >= SF_DNS_MAX_ANSWERS)
		return;
	va_start(ap, fmt);
	vsnprintf(l->answers[l->nanswers++], SF_DNS_ANSWER_MAX, fmt, ap);
	va_end(ap);
}

/* A name from DNS for a message: printable ASCII as it is, anything else
 * (a space too) as \xNN, cut at a character, never inside an escape. The
 * result is ASCII, so the reports can print it as it is. */
static void
safe_name(const char *in, char *out, size_t outsz)
{
	size_t o = 0;

	for (; *in != '\0'; in++) {
		unsigned char c = (unsigned char)*in;
		char esc[8];
		size_t n;

		if (c > 0x20 && c < 0x7f && c != '\\' && c != '"') {
			esc[0] = (char)c;
			esc[1] = '\0';
		} else {
			snprintf(esc, sizeof esc, "\\x%02x", c);
		}
		n = strlen(esc);
		if (o + n + 1 > outsz)
			break;
		memcpy(out + o, esc, n);
		o += n;
	}
	if (outsz > 0)
		out[o] = '\0';
}

/* A host name as SRV and MX targets must be (RFC 2782, RFC 5321):
 * letters, digits and hyphens in labels of 1-63, dots between them, a dot
 * at the end allowed, at most 253 in all. A space, an underscore, an
 * escape or anything else makes it no host name at all. */
static bool
ldh_host(const char *s)
{
	size_t len = strlen(s), label = 0, i;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > SF_HOST_MAX)
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			    c == '-'))
			return false;
		if (c == '-' && label == 0)
			return false;
		if (++label > 63)
			return false;
	}
	return s[len - 1] != '-';
}

/* "." (or nothing) as a target: no such service here (RFC 2782, RFC 7505). */
static bool
null_target(const char *s)
{
	return s[0] == '\0' || strcmp(s, ".") == 0;
}

/* An answer naming a target: kept as it is when the target is a host name,
 * else quoted and marked, so that it reads as refused and is never taken
 * for a host (collect_targets checks the same rule). Answers are escaped
 * where they are shown, as all server text is. */
static void
add_target(struct sf_dns_lookup *l, const char *prefix, const char *host)
{
	if (ldh_host(host) || null_target(host))
		add_answer(l, "%s %s", prefix, host);
	else
		add_answer(l, "%s \"%.200s\" (refused: not a host name)", prefix, host);
}

/* Appends ASCII text, cut where the room ends. */
static void
append_cut(char *dst, size_t dstsz, const char *src)
{
	size_t have = strlen(dst), n = strlen(src);

	if (have + 1 >= dstsz)
		return;
	if (n > dstsz - have - 1)
		n = dstsz - have - 1;
	memcpy(dst + have, src, n);
	dst[have + n] = '\0';
}

static bool
same_name(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

/* One name in an answer at p; its length in the message in *used. */
static int
wire_name(const unsigned char *p, const unsigned char *abuf, int alen, char *out, size_t outsz,
	long *used)
{
	char *name = NULL;

	if (ares_expand_name(p, abuf, alen, &name, used) != ARES_SUCCESS)
		return -1;
	snprintf(out, outsz, "%s", name);
	ares_free_string(name);
	return 0;
}

/* An answer without the records asked for, or a failure, may still hold
 * the aliases (CNAME) the server followed. Follow them from the name asked
 * for: aliases that lead back to one another are a CNAME loop, which no
 * resolver can ever answer, and say so instead of "no records". */
static void
check_aliases(struct sf_dns_lookup *l, const unsigned char *abuf, int alen)
{
	char owner[MAX_ALIASES][WIRE_NAME_MAX], target[MAX_ALIASES][WIRE_NAME_MAX];
	char chain[SF_DNS_MAX_CNAME_CHAIN + 1][WIRE_NAME_MAX];
	char shown[300], one[128];
	const unsigned char *p = abuf + 12, *end = abuf + alen;
	unsigned qd, an, i, k;
	size_t naliases = 0, nchain = 1, at;
	char tmp[WIRE_NAME_MAX];
	bool loop = false, too_long = false, found;
	long used;

	if (alen < 12)
		return;
	qd = (unsigned)abuf[4] << 8 | abuf[5];
	an = (unsigned)abuf[6] << 8 | abuf[7];
	for (i = 0; i < qd; i++) {
		if (wire_name(p, abuf, alen, tmp, sizeof tmp, &used) < 0 || used + 4 > end - p)
			return;
		p += used + 4;
	}
	for (i = 0; i < an && i < MAX_ANSWER_RECORDS; i++) {
		unsigned type, rdlen;

		if (wire_name(p, abuf, alen, tmp, sizeof tmp, &used) < 0 || used + 10 > end - p)
			return;
		p += used;
		type = (unsigned)p[0] << 8 | p[1];
		rdlen = (unsigned)p[8] << 8 | p[9];
		p += 10;
		if ((long)rdlen > end - p)
			return;
		if (type == T_CNAME_ && naliases < MAX_ALIASES &&
			wire_name(p, abuf, alen, target[naliases], sizeof target[0], &used) == 0) {
			snprintf(owner[naliases], sizeof owner[0], "%s", tmp);
			naliases++;
		}
		p += rdlen;
	}
	if (naliases == 0)
		return;
	snprintf(chain[0], sizeof chain[0], "%s", l->name);
	for (;;) {
		for (k = 0, found = false; k < naliases && !found; k++)
			found = same_name(owner[k], chain[nchain - 1]);
		if (!found)
			break;
		k--;
		for (at = 0; at < nchain && !loop; at++)
			loop = same_name(chain[at], target[k]);
		if (nchain > SF_DNS_MAX_CNAME_CHAIN) {
			too_long = !loop;
			break;
		}
		snprintf(chain[nchain++], sizeof chain[0], "%s", target[k]);
		if (loop)
			break;
	}
	if (nchain == 1)
		return;
	shown[0] = '\0';
	for (at = 0; at < nchain; at++) {
		if (at > 0)
			append_cut(shown, sizeof shown, " -> ");
		safe_name(chain[at], one, sizeof one);
		append_cut(shown, sizeof shown, one);
	}
	if (loop) {
		l->status = SF_DNS_CNAME_LOOP;
		snprintf(l->detail, sizeof l->detail,
			"CNAME loop: %s (these aliases lead back to each "
			"other, so the name has no address)",
			shown);
	} else if (too_long) {
		l->status = SF_DNS_ERROR;
		snprintf(l->detail, sizeof l->detail,
			"more than %d aliases (CNAME) in a row: %s ...", SF_DNS_MAX_CNAME_CHAIN,
			shown);
	} else if (l->status == SF_DNS_NODATA) {
		snprintf(l->detail, sizeof l->detail, "no %s records (through the aliases %s)",
			l->type, shown);
	}
}

static void
parse_answer(struct sf_dns_lookup *l, int type, unsigned char *abuf, int alen)
{
	char text[INET6_ADDRSTRLEN];
	int rc = ARES_SUCCESS, i, n;

	if (type == T_SRV_) {
		struct ares_srv_reply *srv = NULL, *p;

		rc = ares_parse_srv_reply(abuf, alen, &srv);
		for (p = srv; rc == ARES_SUCCESS && p != NULL; p = p->next) {
			char prefix[32];

			snprintf(
				prefix, sizeof prefix, "%u %u %u", p->priority, p->weight, p->port);
			add_target(l, prefix, p->host);
		}
		ares_free_data(srv);
	} else if (type == T_MX_) {
		struct ares_mx_reply *mx = NULL, *p;

		rc = ares_parse_mx_reply(abuf, alen, &mx);
		for (p = mx; rc == ARES_SUCCESS && p != NULL; p = p->next) {
			char prefix[16];

			snprintf(prefix, sizeof prefix, "%u", p->priority);
			add_target(l, prefix, p->host);
		}
		ares_free_data(mx);
	} else if (type == T_A_) {
		struct ares_addrttl a[SF_DNS_MAX_ANSWERS];

		n = SF_DNS_MAX_ANSWERS;
		rc = ares_parse_a_reply(abuf, alen, NULL, a, &n);
		for (i = 0; rc == ARES_SUCCESS && i < n; i++)
			if (inet_ntop(AF_INET, &a[i].ipaddr, text, sizeof text) != NULL)
				add_answer(l, "%s", text);
	} else {
		struct ares_addr6ttl a[SF_DNS_MAX_ANSWERS];

		n = SF_DNS_MAX_ANSWERS;
		rc = ares_parse_aaaa_reply(abuf, alen, NULL, a, &n);
		for (i = 0; rc == ARES_SUCCESS && i < n; i++)
			if (inet_ntop(AF_INET6, &a[i].ip6addr, text, sizeof text) != NULL)
				add_answer(l, "%s", text);
	}
	if (rc != ARES_SUCCESS)
		set_status(l, rc);
	else if (l->nanswers == 0)
		set_status(l, ARES_ENODATA);
}

static void
on_reply(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct query *q = arg;
	struct sf_dns_lookup *l = &q->d->lookups[q->lookup];

	(void)timeouts;
	l->ms = sf_now_ms_precise() - q->t0;
	set_status(l, status);
	if (status == ARES_SUCCESS)
		parse_answer(l, q->type, abuf, alen);
	if ((l->status == SF_DNS_NODATA || l->status == SF_DNS_SERVFAIL) && abuf != NULL)
		check_aliases(l, abuf, alen);
}

static const char *
type_name(int type)
{
	switch (type) {
	case T_SRV_: return "SRV";
	case T_MX_: return "MX";
	case T_A_: return "A";
	default: return "AAAA";
	}
}

/* Queue one lookup; the answer lands in d->lookups. */
static void
lookup(ares_channel ch, struct sf_discovery *d, struct query *qs, const char *name, int type)
{
	size_t i = d->nlookups;
	struct sf_dns_lookup *l;

	if (i >= SF_DNS_MAX_LOOKUPS)
		return;
	for (size_t k = 0; k < i; k++)
		if (strcasecmp(d->lookups[k].name, name) == 0 &&
			strcmp(d->lookups[k].type, type_name(type)) == 0)
			return; /* asked already */
	l = &d->lookups[d->nlookups++];
	memset(l, 0, sizeof *l);
	snprintf(l->name, sizeof l->name, "%s", name);
	snprintf(l->type, sizeof l->type, "%s", type_name(type));
	l->status = SF_DNS_TIMEOUT;
	snprintf(l->detail, sizeof l->detail, "no answer from DNS in time");
	qs[i].d = d;
	qs[i].lookup = i;
	qs[i].type = type;
	qs[i].t0 = sf_now_ms_precise();
	ares_query(ch, name, C_IN_, type, on_reply, &qs[i]);
}

/* Drive the channel until every query has answered or the deadline. */
static void
run_channel(ares_channel ch, int64_t deadline, atomic_bool *cancel, bool *cancelled)
{
	for (;;) {
		ares_socket_t socks[ARES_GETSOCK_MAXNUM];
		struct pollfd fds[ARES_GETSOCK_MAXNUM];
		struct timeval tv, *tvp, maxtv;
		int bits = ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM), i, n = 0, wait;
		int64_t left = sf_ms_left(deadline);

		for (i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
			short ev = 0;

			/* c-ares's ARES_GETSOCK_* macros shift a signed 1 into the
			 * sign bit; test the bits unsigned instead. */
			if ((unsigned)bits & (1u << i))
				ev |= POLLIN;
			if ((unsigned)bits & (1u << (i + ARES_GETSOCK_MAXNUM)))
				ev |= POLLOUT;
			if (ev == 0)
				continue;
			fds[n].fd = socks[i];
			fds[n].events = ev;
			fds[n].revents = 0;
			n++;
		}
		if (n == 0)
			return; /* nothing in flight */
		if (left == 0 || (cancel != NULL && atomic_load(cancel))) {
			if (cancel != NULL && atomic_load(cancel))
				*cancelled = true;
			ares_cancel(ch);
			return;
		}
		maxtv.tv_sec = left / 1000;
		maxtv.tv_usec = (left % 1000) * 1000;
		tvp = ares_timeout(ch, &maxtv, &tv);
		wait = (int)(tvp->tv_sec * 1000 + tvp->tv_usec / 1000);
		if (wait > 100)
			wait = 100; /* notice a cancel request soon */
		if (poll(fds, (nfds_t)n, wait) < 0)
			continue;
		for (i = 0; i < n; i++)
			ares_process_fd(ch,
				fds[i].revents & (POLLIN | POLLERR | POLLHUP) ? fds[i].fd
									      : ARES_SOCKET_BAD,
				fds[i].revents & POLLOUT ? fds[i].fd : ARES_SOCKET_BAD);
		/* Let c-ares handle its own per-try timeouts. */
		ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	}
}

static int
use_server(ares_channel ch, const char *server, struct sf_error *err)
{
	char csv[SF_HOST_MAX + 16], shown[80];

	/* c-ares takes "ADDR:PORT" and "[V6]:PORT" in its list form. */
	snprintf(csv, sizeof csv, "%s", server);
	if (!sf_dns_server_valid(server) || ares_set_servers_ports_csv(ch, csv) != ARES_SUCCESS) {
		safe_name(server, shown, sizeof shown);
		return sf_error_set(err, SF_E_USAGE,
			"'%s' is not a DNS server address (ADDR or ADDR:PORT)", shown);
	}
	return 0;
}

bool
sf_dns_server_valid(const char *s)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port = NULL, *close;
	unsigned char bin[sizeof(struct in6_addr)];
	size_t len = strlen(s), n;
	bool v6;

	if (len == 0 || len > sizeof host + 8)
		return false;
	if (s[0] == '[') {
		close = strchr(s, ']');
		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			return false;
		n = (size_t)(close - s - 1);
		port = close[1] == ':' ? close + 2 : NULL;
		v6 = true;
		s++;
	} else if (strchr(s, ':') != NULL && strchr(s, ':') == strrchr(s, ':')) {
		close = strchr(s, ':');
		n = (size_t)(close - s);
		port = close + 1;
		v6 = false;
	} else {
		n = len;
		v6 = strchr(s, ':') != NULL;
	}
	if (n == 0 || n >= sizeof host)
		return false;
	memcpy(host, s, n);
	host[n] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, host, bin) != 1)
		return false;
	if (port != NULL) {
		unsigned long p = 0;

		if (*port == '\0' || strlen(port) > 5)
			return false;
		for (; *port != '\0'; port++) {
			if (*port < '0' || *port > '9')
				return false;
			p = p * 10 + (unsigned long)(*port - '0');
		}
		if (p < 1 || p > 65535)
			return false;
	}
	return true;
}

static struct sf_candidate *
add_candidate(struct sf_discovery *d, const char *host, const char *source, int port)
{
	struct sf_candidate *c;
	size_t i;
	char clean[SF_HOST_MAX + 1];
	size_t len;

	snprintf(clean, sizeof clean, "%s", host);
	len = strlen(clean);
	if (len > 1 && clean[len - 1] == '.')
		clean[len - 1] = '\0'; /* fully qualified form from SRV and MX */
	if (clean[0] == '\0' || strcmp(clean, ".") == 0)
		return NULL; /* "." in SRV means: no such service here (RFC 2782) */
	for (i = 0; i < d->ncandidates; i++)
		if (strcasecmp(d->candidates[i].host, clean) == 0)
			return NULL;
	if (d->ncandidates >= SF_DNS_MAX_CANDIDATES)
		return NULL;
	c = &d->candidates[d->ncandidates++];
	memset(c, 0, sizeof *c);
	snprintf(c->host, sizeof c->host, "%s", clean);
	snprintf(c->source, sizeof c->source, "%s", source);
	c->port = port;
	return c;
}

static void
fill_addresses(struct sf_discovery *d, struct sf_candidate *c)
{
	sf_dns_host_addresses(d, c->host, &c->addrs);
}

/* Names from SRV and MX answers, in the order a client should prefer. */
static void
collect_targets(struct sf_discovery *d, char names[][NAME_BUF], const char **sources, int *ports,
	size_t *n, size_t max)
{
	static const struct {
		const char *prefix;
		const char *source;
	} srv[] = {
		{ "_submissions._tcp.", "SRV _submissions._tcp (SSL/TLS)" },
		{ "_submission._tcp.", "SRV _submission._tcp (STARTTLS)" },
	};
	char name[SF_HOST_MAX + 32];
	size_t s, i;

	for (s = 0; s < 2; s++) {
		const struct sf_dns_lookup *l;

		snprintf(name, sizeof name, "%s%s", srv[s].prefix, d->domain);
		l = sf_dns_find_lookup(d, name, "SRV");
		for (i = 0; l != NULL && l->status == SF_DNS_OK && i < l->nanswers && *n < max;
			i++) {
			unsigned prio, weight, port;
			int at = -1;

			/* The whole rest is the target: a name with a space in it
			 * is refused, never cut at the space. */
			if (sscanf(l->answers[i], "%u %u %u %n", &prio, &weight, &port, &at) != 3 ||
				at < 0 || !ldh_host(l->answers[i] + at))
				continue;
			snprintf(names[*n], NAME_BUF, "%s", l->answers[i] + at);
			sources[*n] = srv[s].source;
			ports[(*n)++] = (int)port;
		}
	}
	{
		const struct sf_dns_lookup *l = sf_dns_find_lookup(d, d->domain, "MX");
		unsigned best = 0;

		/* MX answers in preference order (lowest first). */
		for (best = 0; best <= 65535 && l != NULL && l->status == SF_DNS_OK; best++) {
			bool any = false;

			for (i = 0; i < l->nanswers && *n < max; i++) {
				unsigned prio;
				int at = -1;

				if (sscanf(l->answers[i], "%u %n", &prio, &at) != 1 || at < 0 ||
					!ldh_host(l->answers[i] + at))
					continue;
				if (prio > best)
					any = true;
				if (prio != best)
					continue;
				snprintf(names[*n], NAME_BUF, "%s", l->answers[i] + at);
				sources[*n] = "MX (the domain's incoming server)";
				ports[(*n)++] = 0;
			}
			if (!any)
				break;
		}
	}
}

/* A channel for o: its server, two tries of half the time each. */
static int
open_channel(ares_channel *chp, const struct sf_dns_options *o, struct sf_error *err)
{
	struct ares_options opts;
	ares_channel ch;

	if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS)
		return sf_error_set(err, SF_E_SYSTEM, "cannot start the DNS resolver");
	memset(&opts, 0, sizeof opts);
	/* Two tries, each with half the time: one lost packet is not fatal. */
	opts.timeout = o->timeout_ms / 2 > 0 ? o->timeout_ms / 2 : 1;
	opts.tries = 2;
	/* Hand SERVFAIL and REFUSED answers through, so they can be named;
	 * otherwise older c-ares reports them as "connection refused". */
	opts.flags = ARES_FLAG_NOCHECKRESP;
	if (ares_init_options(&ch, &opts, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS) !=
		ARES_SUCCESS) {
		ares_library_cleanup();
		return sf_error_set(err, SF_E_SYSTEM, "cannot start the DNS resolver");
	}
	if (o->server != NULL && use_server(ch, o->server, err) < 0) {
		ares_destroy(ch);
		ares_library_cleanup();
		return -1;
	}
	*chp = ch;
	return 0;
}

static int
type_code(const char *type)
{
	if (strcmp(type, "SRV") == 0)
		return T_SRV_;
	if (strcmp(type, "MX") == 0)
		return T_MX_;
	if (strcmp(type, "AAAA") == 0)
		return T_AAAA_;
	return strcmp(type, "A") == 0 ? T_A_ : -1;
}

int
sf_dns_lookup_many(const char *const *names, const char *const *types, size_t n,
	const struct sf_dns_options *o, struct sf_discovery *out, struct sf_error *err)
{
	static struct query qs[SF_DNS_MAX_LOOKUPS];
	int64_t deadline = sf_now_ms() + o->timeout_ms;
	ares_channel ch;
	size_t i;

	memset(out, 0, sizeof *out);
	if (n > SF_DNS_MAX_LOOKUPS)
		return sf_error_set(err, SF_E_USAGE, "more than %d names to look up at once",
			SF_DNS_MAX_LOOKUPS);
	for (i = 0; i < n; i++)
		if (type_code(types[i]) < 0 || strlen(names[i]) >= sizeof out->lookups[0].name)
			return sf_error_set(err, SF_E_USAGE, "a DNS lookup that cannot be asked");
	if (open_channel(&ch, o, err) < 0)
		return -1;
	for (i = 0; i < n; i++)
		lookup(ch, out, qs, names[i], type_code(types[i]));
	run_channel(ch, deadline, o->cancel, &out->cancelled);
	ares_destroy(ch);
	ares_library_cleanup();
	return 0;
}

const struct sf_dns_lookup *
sf_dns_find_lookup(const struct sf_discovery *d, const char *name, const char *type)
{
	size_t i;

	for (i = 0; i < d->nlookups; i++)
		if (strcasecmp(d->lookups[i].name, name) == 0 &&
			strcmp(d->lookups[i].type, type) == 0)
			return &d->lookups[i];
	return NULL;
}

void
sf_dns_host_addresses(const struct sf_discovery *d, const char *host, struct sf_addr_list *out)
{
	static const char *const types[] = { "A", "AAAA" };
	size_t t, i;

	memset(out, 0, sizeof *out);
	for (t = 0; t < 2; t++) {
		const struct sf_dns_lookup *l = sf_dns_find_lookup(d, host, types[t]);

		for (i = 0; l != NULL && l->status == SF_DNS_OK && i < l->nanswers; i++) {
			struct sf_addr_list one;

			/* An answer is an address literal: no lookup happens here. */
			if (out->count < SF_ADDR_MAX &&
				sf_resolve(l->answers[i], sf_now_ms() + 1000, &one, NULL) == 0 &&
				one.count > 0)
				out->addrs[out->count++] = one.addrs[0];
		}
	}
}

int
sf_discover(const char *input, const struct sf_dns_options *o, struct sf_discovery *d,
	struct sf_error *err)
{
	static struct query qs[SF_DNS_MAX_LOOKUPS];
	char names[2 * SF_DNS_MAX_ANSWERS + 4][NAME_BUF];
	const char *sources[2 * SF_DNS_MAX_ANSWERS + 4];
	int ports[2 * SF_DNS_MAX_ANSWERS + 4];
	char name[SF_HOST_MAX + 32];
	ares_channel ch;
	const char *at = strrchr(input, '@');
	int64_t deadline = sf_now_ms() + o->timeout_ms;
	size_t n = 0, i;
	struct sf_error idn;
	int rc;

	memset(d, 0, sizeof *d);
	if (strlen(input) >= sizeof d->input)
		return sf_error_set(err, SF_E_USAGE,
			"the address or name to look up is longer than %zu bytes",
			sizeof d->input - 1);
	snprintf(d->input, sizeof d->input, "%s", input);
	d->input_is_address = at != NULL;
	/* A name typed in Unicode is asked for in the form DNS holds it. */
	rc = sf_host_to_ascii(at ? at + 1 : input, d->domain, sizeof d->domain, &idn);
	if (rc < 0 || !sf_host_valid(d->domain) || strchr(d->domain, ':') != NULL ||
		d->domain[0] == '[')
		return sf_error_set(err, SF_E_USAGE,
			"give an email address, a domain or a server name to look up%s%s",
			rc < 0 ? ": " : "", rc < 0 ? idn.message : "");
	if (rc == 1)
		snprintf(d->domain_typed, sizeof d->domain_typed, "%s", at ? at + 1 : input);
	if (open_channel(&ch, o, err) < 0)
		return -1;

	/* Stage 1: the service records, the domain's mail exchangers, and
	 * the usual names, all at once. */
	if (!o->host_only) {
		snprintf(name, sizeof name, "_submissions._tcp.%s", d->domain);
		lookup(ch, d, qs, name, T_SRV_);
		snprintf(name, sizeof name, "_submission._tcp.%s", d->domain);
		lookup(ch, d, qs, name, T_SRV_);
		lookup(ch, d, qs, d->domain, T_MX_);
	}
	if (!d->input_is_address) {
		snprintf(names[n], sizeof names[n], "%s", d->domain);
		sources[n] = "the name given";
		ports[n++] = 0;
	}
	if (!o->host_only) {
		snprintf(names[n], sizeof names[n], "mail.%s", d->domain);
		sources[n] = "mail.DOMAIN (common hosting name)";
		ports[n++] = 0;
		snprintf(names[n], sizeof names[n], "smtp.%s", d->domain);
		sources[n] = "smtp.DOMAIN (common hosting name)";
		ports[n++] = 0;
	}
	for (i = 0; i < n; i++) {
		lookup(ch, d, qs, names[i], T_A_);
		lookup(ch, d, qs, names[i], T_AAAA_);
	}
	lookup(ch, d, qs, d->domain, T_A_);
	lookup(ch, d, qs, d->domain, T_AAAA_);
	run_channel(ch, deadline, o->cancel, &d->cancelled);

	/* Stage 2: addresses of the hosts that SRV and MX named. */
	{
		char more[2 * SF_DNS_MAX_ANSWERS][NAME_BUF];
		const char *more_src[2 * SF_DNS_MAX_ANSWERS];
		int more_ports[2 * SF_DNS_MAX_ANSWERS];
		size_t m = 0, k;

		collect_targets(d, more, more_src, more_ports, &m, 2 * SF_DNS_MAX_ANSWERS);
		for (k = 0; k < m && !d->cancelled; k++) {
			lookup(ch, d, qs, more[k], T_A_);
			lookup(ch, d, qs, more[k], T_AAAA_);
		}
		if (!d->cancelled)
			run_channel(ch, deadline, o->cancel, &d->cancelled);
		ares_destroy(ch);
		ares_library_cleanup();

		/* Candidates in the order to try: SRV (authoritative, RFC 6186),
		 * a name the person typed, the hosting names, MX hosts, and the
		 * domain itself last. */
		for (k = 0; k < m; k++)
			if (more_ports[k] != 0)
				add_candidate(d, more[k], more_src[k], more_ports[k]);
		for (i = 0; i < n; i++)
			add_candidate(d, names[i], sources[i], ports[i]);
		for (k = 0; k < m; k++)
			if (more_ports[k] == 0)
				add_candidate(d, more[k], more_src[k], 0);
		if (d->input_is_address)
			add_candidate(d, d->domain, "the domain itself", 0);
	}
	for (i = 0; i < d->ncandidates; i++)
		fill_addresses(d, &d->candidates[i]);
	return 0;
}

/* A name's addresses as ares_getaddrinfo gives them: /etc/hosts first,
 * then DNS, as the C library would, without its NSS modules. */
struct addrinfo_answer {
	int status;
	struct sf_addr_list *list;
};

static void
on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	struct addrinfo_answer *a = arg;
	struct ares_addrinfo_node *n;

	(void)timeouts;
	a->status = status;
	for (n = res != NULL ? res->nodes : NULL; n != NULL && a->list->count < SF_ADDR_MAX;
		n = n->ai_next) {
		struct sf_addr *d = &a->list->addrs[a->list->count];
		const void *raw;
		size_t i;

		if ((n->ai_family != AF_INET && n->ai_family != AF_INET6) ||
			(size_t)n->ai_addrlen > sizeof d->sa)
			continue;
		memset(d, 0, sizeof *d);
		memcpy(&d->sa, n->ai_addr, (size_t)n->ai_addrlen);
		d->salen = (socklen_t)n->ai_addrlen;
		d->family = n->ai_family;
		raw = n->ai_family == AF_INET
			      ? (const void *)&((const struct sockaddr_in *)n->ai_addr)->sin_addr
			      : (const void *)&((const struct sockaddr_in6 *)n->ai_addr)->sin6_addr;
		inet_ntop(n->ai_family, raw, d->text, sizeof d->text);
		for (i = 0; i < a->list->count; i++)
			if (strcmp(a->list->addrs[i].text, d->text) == 0)
				break;
		if (i == a->list->count)
			a->list->count++;
	}
	if (res != NULL)
		ares_freeaddrinfo(res);
}

int
sf_dns_resolve(const char *host, struct sf_addr_list *out)
{
	/* c-ares's own tries and timeouts end it; the caller waits only as
	 * long as its deadline allows. */
	struct sf_dns_options o = { NULL, 30000, NULL, false };
	struct ares_addrinfo_hints hints;
	struct addrinfo_answer a = { ARES_ETIMEOUT, out };
	ares_channel ch;
	bool cancelled = false;

	if (open_channel(&ch, &o, NULL) < 0)
		return EAI_SYSTEM;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	ares_getaddrinfo(ch, host, NULL, &hints, on_addrinfo, &a);
	run_channel(ch, sf_now_ms() + o.timeout_ms, NULL, &cancelled);
	ares_destroy(ch);
	ares_library_cleanup();
	switch (a.status) {
	case ARES_SUCCESS: return 0;
	case ARES_ENOTFOUND:
	case ARES_ENODATA: return EAI_NONAME;
	case ARES_ETIMEOUT:
	case ARES_ECONNREFUSED: return EAI_AGAIN;
	default: return EAI_FAIL;
	}
}
