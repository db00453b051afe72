/* One HTTP(S) request of the fetcher (internal to src/autoconfig). */
#ifndef SMTPFIX_AC_HTTP_H
#define SMTPFIX_AC_HTTP_H

#include <curl/curl.h>
#include <stdbool.h>

#include "smtpfix/autoconfig.h"
#include "smtpfix/buf.h"

struct sf_http {
	CURL *easy;
	struct curl_slist *connect_to, *headers;
	struct sf_buf body; /* at most SF_AC_BODY_MAX */
	bool too_large;
	long status;
	char error[CURL_ERROR_SIZE];
};

/* Prepare a request of url (whose host and port are given) to addr on
 * real_port; post, when not NULL, is sent as the body of a POST. */
int sf_http_start(struct sf_http *h, const char *url, const char *host, int port,
	const struct sf_addr *addr, int real_port, const char *post, const char *ca_file,
	int timeout_ms, struct sf_error *err);
/* What the finished request (libcurl's rc) gave: SF_ACS_FOUND with a
 * Location in location for a redirect, SF_ACS_FOUND for a 200 (the body
 * is in h->body), or a failure with detail. */
enum sf_ac_status sf_http_outcome(struct sf_http *h, CURLcode rc, char *detail, size_t detailsz,
	char *location, size_t locsz);
void sf_http_free(struct sf_http *h);

#endif
