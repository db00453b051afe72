/* What the domain publishes to mail programs, as text and JSON: each
 * place asked and what it gave, each published outgoing server and what
 * a program set up from it meets. Addresses after a redirect, details
 * and user names come from the network and are shown escaped. */
#include <stdio.h>
#include <string.h>

#include "smtpfix/report.h"
#include "smtpfix/text.h"

static const char *
security_id(const struct sf_ac_server *s)
{
	if (!s->security_known)
		return "unknown";
	return s->security == SF_AC_SEC_TLS        ? "tls"
	       : s->security == SF_AC_SEC_STARTTLS ? "starttls"
						   : "none";
}

static const char *
security_words(const struct sf_ac_server *s)
{
	if (!s->security_known)
		return "encryption not said";
	return s->security == SF_AC_SEC_TLS        ? "SSL/TLS"
	       : s->security == SF_AC_SEC_STARTTLS ? "STARTTLS"
						   : "no encryption";
}

void
sf_report_published_json_members(struct sf_json *j, const struct sf_diagnosis *d)
{
	const struct sf_published *pub = d->published_from;
	size_t i;

	sf_json_key(j, "published");
	if (pub == NULL) {
		sf_json_null(j);
		return;
	}
	sf_json_object_begin(j);
	sf_json_kv_string(j, "domain", pub->domain);
	sf_json_kv_string_or_null(j, "email", pub->email[0] != '\0' ? pub->email : NULL);
	sf_json_key(j, "sources");
	sf_json_array_begin(j);
	for (i = 0; i < pub->nsources; i++) {
		const struct sf_ac_source *s = &pub->sources[i];

		sf_json_object_begin(j);
		sf_json_kv_string(j, "kind", sf_ac_kind_id(s->kind));
		sf_json_kv_string(j, "program", sf_ac_kind_program(s->kind));
		sf_json_kv_string(j, "url", s->url);
		sf_json_kv_string(j, "method",
			s->kind == SF_AC_SRV ? "dns"
			: s->post            ? "POST"
					     : "GET");
		sf_json_kv_string_or_null(
			j, "final_url", s->final_url[0] != '\0' ? s->final_url : NULL);
		sf_json_kv_int(j, "redirects", s->redirects);
		sf_json_kv_string(j, "status", sf_ac_status_id(s->status));
		sf_json_kv_bool(j, "broken", sf_ac_status_broken(s->status));
		sf_json_kv_int(j, "http_status", s->http_status);
		sf_json_kv_string_or_null(j, "detail", s->detail[0] != '\0' ? s->detail : NULL);
		sf_json_kv_int(j, "servers", (long long)s->nservers);
		sf_json_object_end(j);
	}
	sf_json_array_end(j);
	sf_json_key(j, "servers");
	sf_json_array_begin(j);
	for (i = 0; i < pub->nservers; i++) {
		const struct sf_ac_server *s = &pub->servers[i];
		const struct sf_pub_check *c = i < d->npublished ? &d->published[i] : NULL;

		sf_json_object_begin(j);
		sf_json_kv_string(j, "kind", sf_ac_kind_id(s->kind));
		sf_json_kv_string(j, "program", sf_ac_kind_program(s->kind));
		sf_json_kv_int(j, "source", (long long)s->source);
		sf_json_kv_int(j, "rank", s->rank);
		sf_json_kv_string_or_null(j, "host", s->host_valid ? s->host : NULL);
		sf_json_kv_int(j, "port", s->port);
		sf_json_kv_string(j, "security", security_id(s));
		sf_json_kv_string(j, "auth", sf_ac_auth_id(s->auth));
		sf_json_kv_string(j, "username_form", sf_ac_user_id(s->user_form));
		sf_json_kv_string_or_null(
			j, "username", s->username[0] != '\0' ? s->username : NULL);
		sf_json_kv_string(j, "verdict",
			sf_pub_verdict_id(c != NULL ? c->verdict : SF_PUBV_UNCHECKED));
		sf_json_kv_string(
			j, "outcome", sf_outcome_id(c != NULL ? c->outcome : SF_OUT_NOT_PROBED));
		sf_json_kv_string_or_null(j, "why", c != NULL && c->why[0] != '\0' ? c->why : NULL);
		sf_json_object_end(j);
	}
	sf_json_array_end(j);
	sf_json_kv_string_or_null(j, "autodiscover_server",
		pub->autodiscover_host[0] != '\0' ? pub->autodiscover_host : NULL);
	sf_json_kv_string_or_null(j, "autodiscover_via",
		pub->autodiscover_via[0] != '\0' ? pub->autodiscover_via : NULL);
	sf_json_key(j, "mx");
	sf_json_array_begin(j);
	for (i = 0; i < pub->nmx; i++)
		sf_json_string(j, pub->mx[i]);
	sf_json_array_end(j);
	sf_json_object_end(j);
}

/* One row: the parts made safe first, then wrapped to 78 columns with
 * the continuation indented. */
static int
row(struct sf_buf *out, size_t indent, const char *const *parts, size_t nparts,
	struct sf_error *err)
{
	struct sf_buf line;
	int rc = 0;

	sf_buf_init(&line, 8192);
	for (size_t i = 0; i < nparts && rc == 0; i++)
		rc = sf_sanitize_append(&line, parts[i], strlen(parts[i]), 600, err);
	if (rc == 0)
		rc = sf_wrap_append(out, line.data != NULL ? line.data : "", 78, indent, err);
	sf_buf_free(&line);
	return rc;
}

/* The address as shown: without the query the programs add (the JSON
 * keeps it whole). */
static void
shown_url(const char *url, char *out, size_t outsz)
{
	snprintf(out, outsz, "%.*s", (int)strcspn(url, "?"), url);
}

static bool
same_server(const struct sf_ac_server *a, const struct sf_ac_server *b)
{
	return a->kind == b->kind && a->rank == b->rank && strcmp(a->host, b->host) == 0 &&
	       a->port == b->port && a->security_known == b->security_known &&
	       a->security == b->security && a->auth == b->auth &&
	       strcmp(a->username, b->username) == 0;
}

int
sf_report_published_text(const struct sf_diagnosis *d, struct sf_buf *out, struct sf_error *err)
{
	const struct sf_published *pub = d->published_from;
	size_t i, k, found = 0;

	if (pub == NULL)
		return 0;
	if (sf_buf_printf(out, err, "\nWhat %s tells mail programs\n", pub->domain) < 0)
		return -1;
	for (i = 0; i < pub->nsources; i++) {
		const struct sf_ac_source *s = &pub->sources[i];
		char url[SF_AC_URL_MAX], final[SF_AC_URL_MAX], head[64], hops[64];
		const char *first[] = { head, url };
		const char *second[] = { hops, s->redirects > 0 ? final : "",
			s->redirects > 0 ? ": " : "", sf_ac_status_words(s->status),
			s->detail[0] != '\0' ? " (" : "", s->detail,
			s->detail[0] != '\0' ? ")" : "" };

		if (s->status == SF_ACS_FOUND)
			found++;
		shown_url(s->url, url, sizeof url);
		shown_url(s->final_url, final, sizeof final);
		snprintf(head, sizeof head, "  %-12s %-4s ", sf_ac_kind_id(s->kind),
			s->kind == SF_AC_SRV ? "DNS"
			: s->post            ? "POST"
					     : "GET");
		snprintf(hops, sizeof hops, "%*s", 15, "");
		if (s->redirects > 0)
			snprintf(hops, sizeof hops, "%*safter %d redirect%s to ", 15, "",
				s->redirects, s->redirects == 1 ? "" : "s");
		if (row(out, 20, first, 2, err) < 0 || row(out, 17, second, 7, err) < 0)
			return -1;
	}
	if (pub->nservers == 0)
		return sf_buf_printf(out, err,
			"\n%s no outgoing server: programs guess, or are set by hand.\n",
			found > 0 ? "What answers names" : "The domain publishes");
	if (sf_buf_addstr(out,
		    "\nPublished outgoing servers, and what a program set up from them meets\n",
		    err) < 0)
		return -1;
	for (i = 0; i < pub->nservers; i++) {
		const struct sf_ac_server *s = &pub->servers[i];
		const struct sf_pub_check *c = i < d->npublished ? &d->published[i] : NULL;
		char head[SF_HOST_MAX + 160], verdict[32];
		const char *first[] = { head, s->username[0] != '\0' ? " as " : "", s->username };
		/* A setting that works needs no reason; one that fails does. */
		bool say_why = c != NULL && c->verdict != SF_PUBV_WORKS && c->why[0] != '\0';
		const char *second[] = { verdict, say_why ? c->why : "" };
		bool repeated = false;

		/* The same entry again (the file over http and https): once. */
		for (k = 0; k < i && !repeated; k++)
			repeated = same_server(&pub->servers[k], s);
		if (repeated)
			continue;
		snprintf(head, sizeof head, "  %s (%s%s): %s port %d, %s, %s",
			sf_ac_kind_program(s->kind), sf_ac_kind_id(s->kind),
			s->rank > 0 ? ", fallback" : "",
			s->host_valid ? s->host : "(not a host name)", s->port, security_words(s),
			s->auth == SF_ACA_NONE ? "no login" : "login");
		snprintf(verdict, sizeof verdict, "      -> %s%s",
			c == NULL || c->verdict == SF_PUBV_UNCHECKED ? "not checked"
			: c->verdict == SF_PUBV_WORKS                ? "works"
								     : "FAILS",
			say_why ? ": " : "");
		if (row(out, 6, first, 3, err) < 0 || row(out, 9, second, 2, err) < 0)
			return -1;
	}
	return 0;
}
