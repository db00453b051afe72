/* Fetching what a domain publishes, every place at once the way the
 * programs ask (Thunderbird asks its places in parallel too): one libcurl
 * multi handle, one request per place, redirects followed here so each
 * hop is counted, resolved by smtpfix's DNS and recorded. */
#include <curl/curl.h>
#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "smtpfix/autoconfig.h"
#include "smtpfix/clock.h"

#define ISPDB_HOST "autoconfig.thunderbird.net"
#define POST_MAX 1024 /* the Autodiscover request: the address and two namespaces */
#define MAX_HOSTS 24  /* names resolved during one fetch */

struct job {
	size_t src;
	bool active, post, done;
	char url[SF_AC_URL_MAX];
	char seen[SF_AC_MAX_REDIRECTS + 1][SF_AC_URL_MAX]; /* for loops */
	struct sf_http http;
};

struct host_cache {
	char name[SF_HOST_MAX + 1];
	struct sf_addr_list addrs;
};

struct fetch {
	const struct sf_ac_options *o;
	struct sf_published *pub;
	CURLM *multi;
	struct job jobs[SF_AC_MAX_SOURCES];
	struct sf_discovery dns; /* the first round of lookups */
	struct host_cache hosts[MAX_HOSTS];
	size_t nhosts;
	char post[POST_MAX];
	int running;
};

/* A URL as the fetcher allows it: http or https, a host name or an
 * address, an optional port, nothing else before the path (no user
 * name). */
struct url_parts {
	bool https;
	char host[SF_HOST_MAX + 1];
	int port;
};

static bool
split_url(const char *url, struct url_parts *u)
{
	const char *p, *end;
	size_t n;

	memset(u, 0, sizeof *u);
	if (strncasecmp(url, "https://", 8) == 0) {
		u->https = true;
		p = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		p = url + 7;
	} else {
		return false;
	}
	end = p + strcspn(p, "/?#");
	if (memchr(p, '@', (size_t)(end - p)) != NULL || p[0] == '[')
		return false; /* a user name, or an IPv6 literal: not from a set-up */
	n = strcspn(p, ":/?#");
	if (n == 0 || n > SF_HOST_MAX)
		return false;
	memcpy(u->host, p, n);
	u->host[n] = '\0';
	if (!sf_host_valid(u->host))
		return false;
	u->port = u->https ? 443 : 80;
	if (p[n] == ':') {
		long v = 0;
		const char *q = p + n + 1;

		if (q == end || end - q > 5)
			return false;
		for (; q < end; q++) {
			if (*q < '0' || *q > '9')
				return false;
			v = v * 10 + (*q - '0');
		}
		if (v < 1 || v > 65535)
			return false;
		u->port = (int)v;
	}
	for (p = url; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return false;
	return true;
}

static int
real_port(const struct sf_ac_options *o, int port)
{
	for (size_t i = 0; i < o->nmaps; i++)
		if (o->maps[i].port == port)
			return o->maps[i].real;
	return port;
}

/* The addresses of host: --resolve first, then what DNS said in the
 * first round, then a lookup of its own. */
static const struct sf_addr_list *
addresses_of(struct fetch *f, const char *host)
{
	const char *names[2] = { host, host }, *types[2] = { "A", "AAAA" };
	struct host_cache *h;
	struct sf_discovery *d;
	struct sf_dns_options dopt;
	size_t i;

	for (i = 0; i < f->nhosts; i++)
		if (strcasecmp(f->hosts[i].name, host) == 0)
			return &f->hosts[i].addrs;
	if (f->nhosts >= MAX_HOSTS)
		return NULL;
	h = &f->hosts[f->nhosts];
	memset(h, 0, sizeof *h);
	snprintf(h->name, sizeof h->name, "%s", host);
	for (i = 0; i < f->o->nresolve; i++)
		if (strcasecmp(f->o->resolve_names[i], host) == 0) {
			sf_resolve(f->o->resolve_addrs[i], sf_now_ms() + 1000, &h->addrs, NULL);
			f->nhosts++;
			return &h->addrs;
		}
	if (sf_host_is_literal(host)) {
		sf_resolve(host, sf_now_ms() + 1000, &h->addrs, NULL);
	} else if (sf_dns_find_lookup(&f->dns, host, "A") != NULL) {
		sf_dns_host_addresses(&f->dns, host, &h->addrs);
	} else {
		d = calloc(1, sizeof *d);
		memset(&dopt, 0, sizeof dopt);
		dopt.server = f->o->dns_server;
		dopt.timeout_ms = f->o->timeout_ms;
		dopt.cancel = f->o->cancel;
		if (d != NULL && sf_dns_lookup_many(names, types, 2, &dopt, d, NULL) == 0)
			sf_dns_host_addresses(d, host, &h->addrs);
		free(d);
	}
	f->nhosts++;
	return &h->addrs;
}

static struct sf_ac_source *
add_source(struct sf_published *pub, enum sf_ac_kind kind, const char *url, bool post)
{
	struct sf_ac_source *s;

	if (pub->nsources >= SF_AC_MAX_SOURCES)
		return NULL;
	s = &pub->sources[pub->nsources++];
	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->post = post;
	snprintf(s->url, sizeof s->url, "%s", url);
	s->status = SF_ACS_NOT_TRIED;
	return s;
}

static void
finish(struct fetch *f, struct job *j, enum sf_ac_status st, const char *detail)
{
	struct sf_ac_source *s = &f->pub->sources[j->src];

	s->status = st;
	if (detail != NULL)
		snprintf(s->detail, sizeof s->detail, "%.*s", (int)sizeof s->detail - 1, detail);
	j->done = true;
}

/* Start (or restart, for a redirect) the request of job j for url. */
static void
start(struct fetch *f, struct job *j, const char *url)
{
	struct sf_ac_source *s = &f->pub->sources[j->src];
	const struct sf_addr_list *addrs;
	struct url_parts u;
	struct sf_error err;

	if (j->active) {
		curl_multi_remove_handle(f->multi, j->http.easy);
		sf_http_free(&j->http);
		j->active = false;
		f->running--;
	}
	snprintf(j->url, sizeof j->url, "%s", url);
	snprintf(s->final_url, sizeof s->final_url, "%s", url);
	if (!split_url(url, &u)) {
		finish(f, j, SF_ACS_BAD_REDIRECT, "not an http or https address a program follows");
		return;
	}
	addrs = addresses_of(f, u.host);
	if (addrs == NULL || addrs->count == 0) {
		char d[SF_AC_DETAIL_MAX];

		snprintf(d, sizeof d, "%.200s has no address", u.host);
		finish(f, j, SF_ACS_NO_NAME, d);
		return;
	}
	if (sf_http_start(&j->http, url, u.host, u.port, &addrs->addrs[0], real_port(f->o, u.port),
		    j->post ? f->post : NULL, f->o->ca_file, f->o->timeout_ms, &err) < 0 ||
		curl_multi_add_handle(f->multi, j->http.easy) != CURLM_OK) {
		sf_http_free(&j->http);
		finish(f, j, SF_ACS_UNREACHABLE, err.message);
		return;
	}
	j->active = true;
	f->running++;
}

static void
start_source(struct fetch *f, size_t src, const char *url)
{
	struct job *j = &f->jobs[src];

	memset(j, 0, sizeof *j);
	j->src = src;
	j->post = f->pub->sources[src].post;
	snprintf(j->seen[0], sizeof j->seen[0], "%s", url);
	start(f, j, url);
}

/* Follow a redirect, counting hops and refusing loops and a move from
 * https to http (a program will not hand an address to plain text it
 * was told to fetch over TLS). */
static void
follow(struct fetch *f, struct job *j, const char *location, bool to_post)
{
	struct sf_ac_source *s = &f->pub->sources[j->src];
	int i;

	if (s->redirects >= SF_AC_MAX_REDIRECTS) {
		finish(f, j, SF_ACS_REDIRECTS, "more redirects than a program follows");
		return;
	}
	for (i = 0; i <= s->redirects; i++)
		if (strcmp(j->seen[i], location) == 0) {
			finish(f, j, SF_ACS_REDIRECTS, "the redirects go round in a loop");
			return;
		}
	if (strncasecmp(j->url, "https://", 8) == 0 && strncasecmp(location, "https://", 8) != 0) {
		finish(f, j, SF_ACS_BAD_REDIRECT, "from https to another scheme");
		return;
	}
	s->redirects++;
	snprintf(j->seen[s->redirects], sizeof j->seen[0], "%s", location);
	if (to_post)
		j->post = true;
	start(f, j, location);
}

/* A 200 answer that is a web page, not a set-up file: many domains'
 * sites answer every path with their home page. Programs read it as
 * nothing published, and so does smtpfix. */
static bool
looks_like_html(const char *body, size_t len)
{
	size_t i = 0;

	while (i < len && strchr(" \t\r\n", body[i]) != NULL)
		i++;
	return (len - i >= 14 && strncasecmp(body + i, "<!doctype html", 14) == 0) ||
	       (len - i >= 5 && strncasecmp(body + i, "<html", 5) == 0);
}

static void
host_of(const char *url, char *out, size_t outsz)
{
	struct url_parts u;

	out[0] = '\0';
	if (split_url(url, &u))
		snprintf(out, outsz, "%s", u.host);
}

static void
on_done(struct fetch *f, struct job *j, CURLcode rc)
{
	struct sf_ac_source *s = &f->pub->sources[j->src];
	char detail[SF_AC_DETAIL_MAX], location[SF_AC_URL_MAX], redirect[SF_AC_URL_MAX];
	enum sf_ac_status st;
	struct sf_error err;
	int n;

	st = sf_http_outcome(&j->http, rc, detail, sizeof detail, location, sizeof location);
	s->http_status = j->http.status;
	curl_multi_remove_handle(f->multi, j->http.easy);
	j->active = false;
	f->running--;
	if (st == SF_ACS_FOUND && location[0] != '\0') {
		/* Autodiscover's redirect method: a GET answered by a redirect
		 * to an https address, which is then asked with the POST. */
		bool to_post = s->kind == SF_AC_AUTODISCOVER && !s->post;

		if (to_post && strncasecmp(location, "https://", 8) != 0) {
			sf_http_free(&j->http);
			finish(f, j, SF_ACS_BAD_REDIRECT,
				"Outlook takes this redirect only to https");
			return;
		}
		if (to_post) {
			char host[SF_HOST_MAX + 1];

			host_of(location, host, sizeof host);
			if (f->pub->autodiscover_host[0] == '\0')
				snprintf(f->pub->autodiscover_host,
					sizeof f->pub->autodiscover_host, "%s", host);
		}
		sf_http_free(&j->http);
		follow(f, j, location, to_post);
		return;
	}
	if (st != SF_ACS_FOUND) {
		sf_http_free(&j->http);
		finish(f, j, st, detail);
		return;
	}
	if (looks_like_html(j->http.body.data, j->http.body.len)) {
		sf_http_free(&j->http);
		finish(f, j, SF_ACS_NOT_FOUND, "a web page, not a set-up file");
		return;
	}
	redirect[0] = '\0';
	if (s->kind == SF_AC_AUTODISCOVER)
		n = sf_ac_read_autodiscover(j->http.body.data, j->http.body.len, f->pub, j->src,
			redirect, sizeof redirect, &err);
	else
		n = sf_ac_read_mozilla(j->http.body.data, j->http.body.len, f->pub, j->src, &err);
	sf_http_free(&j->http);
	if (n < 0) {
		finish(f, j, SF_ACS_MALFORMED, err.message);
		return;
	}
	if (n == 0 && redirect[0] != '\0') {
		if (strchr(redirect, '@') != NULL && strstr(redirect, "://") == NULL) {
			snprintf(detail, sizeof detail, "sends the program to another address");
			finish(f, j, SF_ACS_EMPTY, detail);
			return;
		}
		follow(f, j, redirect, true);
		return;
	}
	s->nservers = (size_t)n;
	finish(f, j, n > 0 ? SF_ACS_FOUND : SF_ACS_EMPTY, NULL);
}

static int
make_post(struct fetch *f, struct sf_error *err)
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = buf != NULL ? xmlNewTextWriterMemory(buf, 0) : NULL;
	int ok = w != NULL;

	ok = ok && xmlTextWriterStartDocument(w, NULL, "utf-8", NULL) >= 0;
	ok = ok && xmlTextWriterStartElementNS(w, NULL, (const xmlChar *)"Autodiscover",
			   (const xmlChar *)"http://schemas.microsoft.com/exchange/autodiscover/"
					    "outlook/requestschema/2006") >= 0;
	ok = ok && xmlTextWriterStartElement(w, (const xmlChar *)"Request") >= 0;
	ok = ok && xmlTextWriterWriteElement(
			   w, (const xmlChar *)"EMailAddress", (const xmlChar *)f->pub->email) >= 0;
	ok = ok && xmlTextWriterWriteElement(w, (const xmlChar *)"AcceptableResponseSchema",
			   (const xmlChar *)"http://schemas.microsoft.com/exchange/autodiscover/"
					    "outlook/responseschema/2006a") >= 0;
	ok = ok && xmlTextWriterEndDocument(w) >= 0;
	if (w != NULL)
		xmlFreeTextWriter(w);
	ok = ok && (size_t)xmlBufferLength(buf) < sizeof f->post;
	if (ok)
		snprintf(f->post, sizeof f->post, "%s", (const char *)xmlBufferContent(buf));
	if (buf != NULL)
		xmlBufferFree(buf);
	return ok ? 0 : sf_error_set(err, SF_E_NOMEM, "cannot write the Autodiscover request");
}

/* The first round of DNS: every name the places use, and the records. */
static int
first_lookups(struct fetch *f, char srv_names[3][SF_HOST_MAX + 32], struct sf_error *err)
{
	char names[8][SF_HOST_MAX + 32];
	const char *np[16], *tp[16];
	const char *d = f->pub->domain;
	struct sf_dns_options dopt;
	size_t n = 0, k, i;

	snprintf(names[0], sizeof names[0], "autoconfig.%s", d);
	snprintf(names[1], sizeof names[1], "%s", d);
	snprintf(names[2], sizeof names[2], "autodiscover.%s", d);
	snprintf(names[3], sizeof names[3], "%s", ISPDB_HOST);
	snprintf(srv_names[0], SF_HOST_MAX + 32, "_autodiscover._tcp.%s", d);
	snprintf(srv_names[1], SF_HOST_MAX + 32, "_submissions._tcp.%s", d);
	snprintf(srv_names[2], SF_HOST_MAX + 32, "_submission._tcp.%s", d);
	for (k = 0; k < (f->o->no_ispdb ? 3u : 4u); k++) {
		np[n] = names[k];
		tp[n++] = "A";
		np[n] = names[k];
		tp[n++] = "AAAA";
	}
	for (k = 0; k < 3; k++) {
		np[n] = srv_names[k];
		tp[n++] = "SRV";
	}
	np[n] = d;
	tp[n++] = "MX";
	memset(&dopt, 0, sizeof dopt);
	dopt.server = f->o->dns_server;
	dopt.timeout_ms = f->o->timeout_ms;
	dopt.cancel = f->o->cancel;
	if (sf_dns_lookup_many(np, tp, n, &dopt, &f->dns, err) < 0)
		return -1;
	{
		const struct sf_dns_lookup *mx = sf_dns_find_lookup(&f->dns, d, "MX");

		for (i = 0; mx != NULL && mx->status == SF_DNS_OK && i < mx->nanswers &&
			    f->pub->nmx < SF_DNS_MAX_ANSWERS;
			i++) {
			unsigned prio;
			int at = -1;

			if (sscanf(mx->answers[i], "%u %n", &prio, &at) == 1 && at > 0 &&
				sf_host_valid(mx->answers[i] + at))
				snprintf(f->pub->mx[f->pub->nmx++], SF_HOST_MAX + 1, "%s",
					mx->answers[i] + at);
		}
	}
	return 0;
}

/* The first SRV answer of name as host and port (false when none). */
static bool
first_srv(const struct fetch *f, const char *name, char *host, size_t hostsz, int *port)
{
	const struct sf_dns_lookup *l = sf_dns_find_lookup(&f->dns, name, "SRV");
	size_t i;

	for (i = 0; l != NULL && l->status == SF_DNS_OK && i < l->nanswers; i++) {
		unsigned prio, weight, p;
		int at = -1;
		size_t len;

		if (sscanf(l->answers[i], "%u %u %u %n", &prio, &weight, &p, &at) != 3 || at < 0)
			continue;
		snprintf(host, hostsz, "%s", l->answers[i] + at);
		len = strlen(host);
		if (len > 1 && host[len - 1] == '.')
			host[len - 1] = '\0';
		if (p == 0 || p > 65535 || strcmp(host, ".") == 0 || host[0] == '\0' ||
			!sf_host_valid(host))
			continue;
		*port = (int)p;
		return true;
	}
	return false;
}

/* RFC 6186 / 8314 records become published servers of their own. */
static void
add_srv_sources(struct fetch *f, char srv_names[3][SF_HOST_MAX + 32])
{
	for (int k = 1; k < 3; k++) {
		struct sf_ac_source *s = add_source(f->pub, SF_AC_SRV, srv_names[k], false);
		const struct sf_dns_lookup *l = sf_dns_find_lookup(&f->dns, srv_names[k], "SRV");
		struct sf_ac_server *srv;
		char host[SF_HOST_MAX + 1];
		int port = 0;

		if (s == NULL)
			return;
		if (!first_srv(f, srv_names[k], host, sizeof host, &port)) {
			s->status = l != NULL && l->status == SF_DNS_TIMEOUT ? SF_ACS_TIMEOUT
									     : SF_ACS_NOT_FOUND;
			if (l != NULL)
				snprintf(s->detail, sizeof s->detail, "%.*s",
					(int)sizeof s->detail - 1, l->detail);
			continue;
		}
		if (f->pub->nservers >= SF_AC_MAX_SERVERS) {
			s->status = SF_ACS_EMPTY;
			continue;
		}
		srv = &f->pub->servers[f->pub->nservers++];
		memset(srv, 0, sizeof *srv);
		srv->kind = SF_AC_SRV;
		srv->source = f->pub->nsources - 1;
		snprintf(srv->host, sizeof srv->host, "%s", host);
		srv->host_valid = true;
		srv->port = port;
		srv->security_known = true;
		srv->security = k == 1 ? SF_AC_SEC_TLS : SF_AC_SEC_STARTTLS;
		srv->auth = SF_ACA_UNKNOWN;
		s->status = SF_ACS_FOUND;
		s->nservers = 1;
	}
}

static void
run_multi(struct fetch *f, size_t ispdb)
{
	int64_t deadline = sf_now_ms() + (int64_t)f->o->timeout_ms * (SF_AC_MAX_REDIRECTS + 2);
	bool ispdb_decided = ispdb == (size_t)-1;

	while (f->running > 0 || !ispdb_decided) {
		struct CURLMsg *msg;
		int still, left;

		if (!ispdb_decided) {
			/* Thunderbird asks its database only when the domain's
			 * own places have nothing. */
			bool own_found = false, own_pending = false;

			for (size_t i = 0; i < 4; i++) {
				own_found |= f->pub->sources[i].status == SF_ACS_FOUND;
				own_pending |= !f->jobs[i].done;
			}
			if (own_found) {
				f->pub->sources[ispdb].status = SF_ACS_SKIPPED;
				f->jobs[ispdb].done = true;
				ispdb_decided = true;
			} else if (!own_pending) {
				start_source(f, ispdb, f->pub->sources[ispdb].url);
				ispdb_decided = true;
			}
		}
		if ((f->o->cancel != NULL && atomic_load(f->o->cancel)) ||
			sf_ms_left(deadline) == 0) {
			f->pub->cancelled = f->o->cancel != NULL && atomic_load(f->o->cancel);
			for (size_t i = 0; i < f->pub->nsources; i++)
				if (f->jobs[i].active) {
					curl_multi_remove_handle(f->multi, f->jobs[i].http.easy);
					sf_http_free(&f->jobs[i].http);
					f->jobs[i].active = false;
					finish(f, &f->jobs[i], SF_ACS_TIMEOUT,
						f->pub->cancelled ? "cancelled"
								  : "no answer in time");
				}
			f->running = 0;
			break;
		}
		if (f->running == 0)
			continue; /* only the database's turn was left to decide */
		curl_multi_perform(f->multi, &still);
		while ((msg = curl_multi_info_read(f->multi, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			for (size_t i = 0; i < f->pub->nsources; i++)
				if (f->jobs[i].active && f->jobs[i].http.easy == msg->easy_handle) {
					on_done(f, &f->jobs[i], msg->data.result);
					break;
				}
		}
		if (f->running > 0)
			curl_multi_wait(f->multi, NULL, 0, 100, NULL);
	}
}

static bool
email_usable(const char *s)
{
	const char *at = strchr(s, '@');

	if (at == NULL || at == s || strchr(at + 1, '@') != NULL || strlen(s) > SF_AC_USER_MAX)
		return false;
	for (; s < at; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f ||
			strchr("<>\"'\\&()[],;:", *s) != NULL)
			return false;
	return true;
}

int
sf_published_fetch(const char *input, const struct sf_ac_options *o, struct sf_published *pub,
	struct sf_error *err)
{
	char srv_names[3][SF_HOST_MAX + 32], url[SF_AC_URL_MAX], host[SF_HOST_MAX + 1];
	const char *at = strchr(input, '@');
	struct fetch *f;
	char *esc;
	size_t ispdb = (size_t)-1, i;
	int port = 0, rc = 0;

	memset(pub, 0, sizeof *pub);
	if (at != NULL && !email_usable(input))
		return sf_error_set(err, SF_E_USAGE, "give an email address or a domain");
	if (sf_host_to_ascii(at != NULL ? at + 1 : input, pub->domain, sizeof pub->domain, err) <
			0 ||
		!sf_host_valid(pub->domain) || sf_host_is_literal(pub->domain) ||
		strchr(pub->domain, '.') == NULL)
		return sf_error_set(err, SF_E_USAGE, "give an email address or a domain");
	if (at != NULL)
		snprintf(pub->email, sizeof pub->email, "%.*s@%s", (int)(at - input), input,
			pub->domain);
	f = calloc(1, sizeof *f);
	if (f == NULL)
		return sf_error_set(err, SF_E_NOMEM, "out of memory");
	f->o = o;
	f->pub = pub;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
		(f->multi = curl_multi_init()) == NULL) {
		free(f);
		return sf_error_set(err, SF_E_SYSTEM, "cannot start libcurl");
	}
	if (make_post(f, err) < 0 || first_lookups(f, srv_names, err) < 0) {
		rc = -1;
		goto out;
	}
	/* The places, in the order the programs prefer their answers. */
	esc = curl_easy_escape(NULL, pub->email[0] != '\0' ? pub->email : pub->domain, 0);
	snprintf(url, sizeof url, "https://autoconfig.%s/mail/config-v1.1.xml?emailaddress=%s",
		pub->domain, esc != NULL ? esc : "");
	add_source(pub, SF_AC_MOZILLA, url, false);
	snprintf(url, sizeof url, "https://%s/.well-known/autoconfig/mail/config-v1.1.xml",
		pub->domain);
	add_source(pub, SF_AC_MOZILLA, url, false);
	snprintf(url, sizeof url, "http://autoconfig.%s/mail/config-v1.1.xml?emailaddress=%s",
		pub->domain, esc != NULL ? esc : "");
	add_source(pub, SF_AC_MOZILLA, url, false);
	snprintf(url, sizeof url, "http://%s/.well-known/autoconfig/mail/config-v1.1.xml",
		pub->domain);
	add_source(pub, SF_AC_MOZILLA, url, false);
	curl_free(esc);
	if (!o->no_ispdb) {
		snprintf(url, sizeof url, "https://" ISPDB_HOST "/v1.1/%s", pub->domain);
		add_source(pub, SF_AC_ISPDB, url, false);
		ispdb = pub->nsources - 1;
	}
	snprintf(url, sizeof url, "https://%s/autodiscover/autodiscover.xml", pub->domain);
	add_source(pub, SF_AC_AUTODISCOVER, url, true);
	snprintf(url, sizeof url, "https://autodiscover.%s/autodiscover/autodiscover.xml",
		pub->domain);
	add_source(pub, SF_AC_AUTODISCOVER, url, true);
	add_source(pub, SF_AC_AUTODISCOVER, srv_names[0], true);
	snprintf(url, sizeof url, "http://autodiscover.%s/autodiscover/autodiscover.xml",
		pub->domain);
	add_source(pub, SF_AC_AUTODISCOVER, url, false);

	for (i = 0; i < pub->nsources; i++) {
		if (i == ispdb)
			continue;
		if (strncmp(pub->sources[i].url, "_autodiscover.", 14) == 0) {
			/* The SRV record names the server Outlook POSTs to. */
			if (!first_srv(f, srv_names[0], host, sizeof host, &port)) {
				const struct sf_dns_lookup *l =
					sf_dns_find_lookup(&f->dns, srv_names[0], "SRV");

				pub->sources[i].status = SF_ACS_NOT_FOUND;
				if (l != NULL)
					snprintf(pub->sources[i].detail,
						sizeof pub->sources[i].detail, "%.*s",
						SF_AC_DETAIL_MAX - 1, l->detail);
				f->jobs[i].done = true;
				continue;
			}
			snprintf(pub->autodiscover_via, sizeof pub->autodiscover_via, "%s", host);
			snprintf(url, sizeof url, "https://%s:%d/autodiscover/autodiscover.xml",
				host, port);
			start_source(f, i, url);
			continue;
		}
		start_source(f, i, pub->sources[i].url);
	}
	run_multi(f, ispdb);
	add_srv_sources(f, srv_names);
out:
	for (i = 0; i < SF_AC_MAX_SOURCES; i++)
		if (f->jobs[i].active) {
			curl_multi_remove_handle(f->multi, f->jobs[i].http.easy);
			sf_http_free(&f->jobs[i].http);
		}
	curl_multi_cleanup(f->multi);
	free(f);
	return rc;
}
