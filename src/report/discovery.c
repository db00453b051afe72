#include <stdio.h>
#include <string.h>

#include "smtpfix/report.h"
#include "smtpfix/text.h"

void
sf_report_discovery_json(struct sf_json *j, const struct sf_discovery *d)
{
	size_t i, k;

	sf_json_object_begin(j);
	sf_json_kv_string(j, "input", d->input);
	sf_json_kv_string(j, "domain", d->domain);
	/* An international name: the form typed beside the one looked up. */
	sf_json_kv_string_or_null(j, "domain_typed", d->domain_typed[0] ? d->domain_typed : NULL);
	sf_json_key(j, "lookups");
	sf_json_array_begin(j);
	for (i = 0; i < d->nlookups; i++) {
		const struct sf_dns_lookup *l = &d->lookups[i];

		sf_json_object_begin(j);
		sf_json_kv_string(j, "name", l->name);
		sf_json_kv_string(j, "type", l->type);
		sf_json_kv_string(j, "status", sf_dns_status_id(l->status));
		sf_json_kv_string_or_null(j, "detail", l->detail[0] ? l->detail : NULL);
		sf_json_key(j, "answers");
		sf_json_array_begin(j);
		for (k = 0; k < l->nanswers; k++)
			sf_json_string(j, l->answers[k]);
		sf_json_array_end(j);
		sf_json_kv_double(j, "ms", l->ms, 1);
		sf_json_object_end(j);
	}
	sf_json_array_end(j);
	sf_json_key(j, "candidates");
	sf_json_array_begin(j);
	for (i = 0; i < d->ncandidates; i++) {
		const struct sf_candidate *c = &d->candidates[i];

		sf_json_object_begin(j);
		sf_json_kv_string(j, "host", c->host);
		sf_json_kv_string(j, "source", c->source);
		sf_json_key(j, "port");
		if (c->port > 0)
			sf_json_int(j, c->port);
		else
			sf_json_null(j);
		sf_json_key(j, "addresses");
		sf_json_array_begin(j);
		for (k = 0; k < c->addrs.count; k++)
			sf_json_string(j, c->addrs.addrs[k].text);
		sf_json_array_end(j);
		sf_json_object_end(j);
	}
	sf_json_array_end(j);
	sf_json_kv_bool(j, "cancelled", d->cancelled);
	sf_json_object_end(j);
}

int
sf_report_discovery_text(const struct sf_discovery *d, struct sf_buf *out, struct sf_error *err)
{
	size_t i, k;
	int rc = 0;

	rc |= sf_buf_printf(out, err, "DNS lookups for %s\n", d->domain);
	for (i = 0; i < d->nlookups && rc == 0; i++) {
		const struct sf_dns_lookup *l = &d->lookups[i];

		rc |= sf_buf_printf(out, err, "  %-5s %s: ", l->type, l->name);
		if (l->status == SF_DNS_OK) {
			for (k = 0; k < l->nanswers && rc == 0; k++) {
				rc |= sf_sanitize_append(
					out, l->answers[k], strlen(l->answers[k]), 300, err);
				rc |= sf_buf_addstr(out, k + 1 < l->nanswers ? ", " : "", err);
			}
		} else {
			rc |= sf_buf_printf(out, err, "%s", l->detail);
		}
		rc |= sf_buf_addstr(out, "\n", err);
	}
	rc |= sf_buf_printf(out, err, "\nOutgoing server candidates, best first\n");
	for (i = 0; i < d->ncandidates && rc == 0; i++) {
		const struct sf_candidate *c = &d->candidates[i];

		rc |= sf_buf_printf(out, err, "  %zu. ", i + 1);
		rc |= sf_sanitize_append(out, c->host, strlen(c->host), 300, err);
		if (c->port > 0)
			rc |= sf_buf_printf(out, err, " port %d", c->port);
		rc |= sf_buf_printf(out, err, " (%s): ", c->source);
		if (c->addrs.count == 0)
			rc |= sf_buf_addstr(out, "no address", err);
		for (k = 0; k < c->addrs.count && rc == 0; k++)
			rc |= sf_buf_printf(
				out, err, "%s%s", k ? ", " : "", c->addrs.addrs[k].text);
		rc |= sf_buf_addstr(out, "\n", err);
	}
	if (d->ncandidates == 0)
		rc |= sf_buf_addstr(out, "  none\n", err);
	return rc ? -1 : 0;
}
