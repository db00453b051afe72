/* One HTTP(S) request as a mail program's set-up makes it, with libcurl:
 * to an address smtpfix resolved itself (so --dns-server and --resolve
 * hold), through the probe's port map, under a deadline, with the body
 * capped and no redirect followed by libcurl (the caller follows them,
 * counting, so each hop is resolved and recorded the same way). */
#include "http.h"

#include <stdio.h>
#include <string.h>

static size_t
on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct sf_http *h = ctx;
	size_t len = size * n;

	if (h->body.len + len > SF_AC_BODY_MAX) {
		h->too_large = true;
		return 0; /* libcurl stops with a write error */
	}
	if (sf_buf_add(&h->body, data, len, NULL) < 0) {
		h->too_large = true;
		return 0;
	}
	return len;
}

int
sf_http_start(struct sf_http *h, const char *url, const char *host, int port,
	const struct sf_addr *addr, int real_port, const char *post, const char *ca_file,
	int timeout_ms, struct sf_error *err)
{
	char connect_to[SF_HOST_MAX + SF_ADDR_TEXT_MAX + 32];

	memset(h, 0, sizeof *h);
	sf_buf_init(&h->body, SF_AC_BODY_MAX);
	h->easy = curl_easy_init();
	if (h->easy == NULL)
		return sf_error_set(err, SF_E_NOMEM, "cannot start an HTTP request");
	/* Connect to the address found by smtpfix's DNS and the mapped port;
	 * the URL's name stays what TLS checks and what Host: says. */
	snprintf(connect_to, sizeof connect_to, "%s:%d:%s%s%s:%d", host, port,
		addr->family == AF_INET6 ? "[" : "", addr->text,
		addr->family == AF_INET6 ? "]" : "", real_port);
	h->connect_to = curl_slist_append(NULL, connect_to);
	h->headers = curl_slist_append(NULL, "Accept: text/xml, application/xml");
	if (post != NULL)
		h->headers = curl_slist_append(h->headers, "Content-Type: text/xml; charset=utf-8");
	if (h->connect_to == NULL || h->headers == NULL)
		return sf_error_set(err, SF_E_NOMEM, "cannot start an HTTP request");
	curl_easy_setopt(h->easy, CURLOPT_URL, url);
	curl_easy_setopt(h->easy, CURLOPT_CONNECT_TO, h->connect_to);
	curl_easy_setopt(h->easy, CURLOPT_HTTPHEADER, h->headers);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h->easy, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(h->easy, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(h->easy, CURLOPT_FOLLOWLOCATION, 0L);
	/* A proxy from the environment would see another network than the
	 * mail program's set-up probe does; and it would be asked for the
	 * real port, not the mapped one. */
	curl_easy_setopt(h->easy, CURLOPT_PROXY, "");
	curl_easy_setopt(h->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->easy, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(h->easy, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(h->easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)SF_AC_BODY_MAX);
	curl_easy_setopt(h->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h->easy, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(h->easy, CURLOPT_ERRORBUFFER, h->error);
	curl_easy_setopt(h->easy, CURLOPT_USERAGENT, "smtpfix (mail set-up check)");
	curl_easy_setopt(h->easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h->easy, CURLOPT_SSL_VERIFYHOST, 2L);
	/* libcurl's own default is its builder's path; the system's bundle
	 * is looked for where this system keeps it. */
	if (ca_file == NULL)
		ca_file = sf_ca_bundle();
	if (ca_file != NULL)
		curl_easy_setopt(h->easy, CURLOPT_CAINFO, ca_file);
	if (post != NULL) {
		curl_easy_setopt(h->easy, CURLOPT_POSTFIELDS, post);
		curl_easy_setopt(h->easy, CURLOPT_POSTFIELDSIZE, (long)strlen(post));
	}
	return 0;
}

void
sf_http_free(struct sf_http *h)
{
	if (h->easy != NULL)
		curl_easy_cleanup(h->easy);
	curl_slist_free_all(h->connect_to);
	curl_slist_free_all(h->headers);
	sf_buf_free(&h->body);
	memset(h, 0, sizeof *h);
}

enum sf_ac_status
sf_http_outcome(
	struct sf_http *h, CURLcode rc, char *detail, size_t detailsz, char *location, size_t locsz)
{
	char *redirect = NULL;
	long verify = 0;

	location[0] = '\0';
	curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &h->status);
	snprintf(detail, detailsz, "%s", h->error[0] != '\0' ? h->error : curl_easy_strerror(rc));
	if (h->too_large || rc == CURLE_FILESIZE_EXCEEDED) {
		snprintf(detail, detailsz, "more than %d bytes", SF_AC_BODY_MAX);
		return SF_ACS_TOO_LARGE;
	}
	switch (rc) {
	case CURLE_OK: break;
	case CURLE_OPERATION_TIMEDOUT: return SF_ACS_TIMEOUT;
	case CURLE_COULDNT_RESOLVE_HOST: return SF_ACS_NO_NAME;
	case CURLE_COULDNT_CONNECT:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING: return SF_ACS_UNREACHABLE;
	case CURLE_PEER_FAILED_VERIFICATION:
		/* Older libcurl checks the name itself after OpenSSL accepted
		 * the chain (verify result 0, its message names the subject);
		 * newer ones let OpenSSL check it (its hostname-mismatch code,
		 * 62 in every OpenSSL since 1.0.2). */
		curl_easy_getinfo(h->easy, CURLINFO_SSL_VERIFYRESULT, &verify);
		if (verify == 0 || verify == 62 || strstr(h->error, "subject name") != NULL ||
			strstr(h->error, "match target host") != NULL)
			return SF_ACS_TLS_NAME;
		return SF_ACS_TLS_UNTRUSTED;
#if LIBCURL_VERSION_NUM < 0x073e00
	case CURLE_SSL_CACERT:
#endif
	case CURLE_SSL_CACERT_BADFILE: return SF_ACS_TLS_UNTRUSTED;
	case CURLE_SSL_CONNECT_ERROR: return SF_ACS_TLS_ERROR;
	default: return SF_ACS_UNREACHABLE;
	}
	detail[0] = '\0';
	if (h->status >= 300 && h->status < 400) {
		curl_easy_getinfo(h->easy, CURLINFO_REDIRECT_URL, &redirect);
		if (redirect == NULL || strlen(redirect) >= locsz) {
			snprintf(detail, detailsz, "HTTP %ld without a usable Location", h->status);
			return SF_ACS_BAD_REDIRECT;
		}
		snprintf(location, locsz, "%s", redirect);
		return SF_ACS_FOUND; /* the caller follows it */
	}
	/* A refusal or an absence: the program moves on, as it does for
	 * 404. A server error is a broken answer. */
	if (h->status >= 400 && h->status < 500) {
		if (h->status != 404 && h->status != 410)
			snprintf(detail, detailsz, "HTTP %ld", h->status);
		return SF_ACS_NOT_FOUND;
	}
	if (h->status != 200) {
		snprintf(detail, detailsz, "HTTP %ld", h->status);
		return SF_ACS_HTTP_ERROR;
	}
	return SF_ACS_FOUND;
}
