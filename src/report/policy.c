#include <stdio.h>
#include <string.h>
#include <time.h>

#include "smtpfix/report.h"
#include "smtpfix/text.h"

static void
iso_time(time_t t, char *out, size_t outsz)
{
	struct tm tm;

	if (t == 0) {
		snprintf(out, outsz, "unknown");
		return;
	}
	gmtime_r(&t, &tm);
	strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
tri(struct sf_json *j, const char *key, enum sf_tri v)
{
	sf_json_key(j, key);
	if (v == SF_TRI_UNKNOWN)
		sf_json_null(j);
	else
		sf_json_bool(j, v == SF_TRI_YES);
}

static void
setting(struct sf_json *j, const char *key, const struct sf_setting *s)
{
	sf_json_key(j, key);
	sf_json_object_begin(j);
	tri(j, "value", s->value);
	sf_json_kv_string_or_null(j, "source", s->source[0] ? s->source : NULL);
	sf_json_kv_string_or_null(j, "evidence", s->evidence[0] ? s->evidence : NULL);
	sf_json_object_end(j);
}

static void
log_json(struct sf_json *j, const struct sf_log_scan *scan)
{
	char t[32];
	size_t i;

	sf_json_key(j, "log");
	if (scan == NULL) {
		sf_json_null(j);
		return;
	}
	sf_json_object_begin(j);
	iso_time(scan->since, t, sizeof t);
	sf_json_kv_string(j, "since", t);
	sf_json_key(j, "files");
	sf_json_array_begin(j);
	for (i = 0; i < scan->nfiles; i++) {
		const struct sf_log_file *f = &scan->files[i];

		sf_json_object_begin(j);
		sf_json_kv_string(j, "path", f->path);
		sf_json_kv_bool(j, "gzip", f->gzip);
		sf_json_kv_int(j, "bytes", (long long)f->bytes);
		sf_json_kv_int(j, "lines_matched", (long long)f->lines_matched);
		sf_json_kv_string_or_null(j, "error", f->error[0] ? f->error : NULL);
		sf_json_object_end(j);
	}
	sf_json_array_end(j);
	sf_json_key(j, "events");
	sf_json_array_begin(j);
	for (i = 0; i < scan->ngroups; i++) {
		const struct sf_log_group *g = &scan->groups[i];

		sf_json_object_begin(j);
		sf_json_kv_string(j, "kind", sf_log_kind_id(g->kind));
		sf_json_kv_string_or_null(j, "address", g->address[0] ? g->address : NULL);
		sf_json_key(j, "port");
		if (g->port > 0)
			sf_json_int(j, g->port);
		else
			sf_json_null(j);
		sf_json_kv_string_or_null(j, "user", g->user[0] ? g->user : NULL);
		sf_json_kv_int(j, "count", (long long)g->count);
		iso_time(g->first, t, sizeof t);
		sf_json_kv_string_or_null(j, "first", g->first ? t : NULL);
		iso_time(g->last, t, sizeof t);
		sf_json_kv_string_or_null(j, "last", g->last ? t : NULL);
		sf_json_kv_string(j, "sample", g->sample);
		sf_json_object_end(j);
	}
	sf_json_array_end(j);
	sf_json_kv_int(j, "dropped_events", (long long)scan->dropped);
	sf_json_object_end(j);
}

void
sf_report_policy_json_members(
	struct sf_json *j, const struct sf_policy *p, const struct sf_log_scan *scan)
{
	size_t i;

	sf_json_kv_string_or_null(j, "mta", p->mta != SF_MTA_NONE ? sf_mta_id(p->mta) : NULL);
	sf_json_kv_string_or_null(j, "panel", p->cpanel ? "cpanel" : NULL);
	sf_json_kv_string_or_null(j, "flavour",
		p->flavour != SF_EXIM_FLAVOUR_NONE ? sf_exim_flavour_id(p->flavour) : NULL);
	setting(j, "auth_requires_tls", &p->auth_requires_tls);
	setting(j, "auth_requires_tls_files", &p->auth_requires_tls_files);
	sf_json_key(j, "intent");
	sf_json_object_begin(j);
	tri(j, "require_secure_auth", p->intent.value);
	sf_json_kv_string_or_null(j, "source", p->intent.source[0] ? p->intent.source : NULL);
	sf_json_kv_string_or_null(j, "evidence", p->intent.evidence[0] ? p->intent.evidence : NULL);
	sf_json_object_end(j);
	tri(j, "pop_before_smtp", p->pop_before_smtp.value);
	tri(j, "submission_587_rule", p->submission_rule.value);
	setting(j, "dovecot_plaintext_allowed", &p->dovecot_plaintext);
	sf_json_kv_string_or_null(
		j, "relay_refusal_text", p->relay_refusal_text[0] ? p->relay_refusal_text : NULL);
	sf_json_key(j, "ports");
	sf_json_array_begin(j);
	for (i = 0; i < p->nports; i++) {
		sf_json_object_begin(j);
		sf_json_kv_int(j, "port", p->ports[i].port);
		sf_json_kv_bool(j, "implicit_tls", p->ports[i].implicit_tls);
		sf_json_kv_string(j, "source", p->ports[i].source);
		sf_json_object_end(j);
	}
	sf_json_array_end(j);
	sf_json_key(j, "services");
	sf_json_array_begin(j);
	for (i = 0; i < p->nservices; i++) {
		const struct sf_postfix_service *s = &p->services[i];

		sf_json_object_begin(j);
		sf_json_kv_string(j, "name", s->name);
		sf_json_kv_int(j, "port", s->port);
		sf_json_kv_bool(j, "sasl", s->sasl);
		sf_json_kv_bool(j, "tls_auth_only", s->tls_auth_only);
		sf_json_kv_string(j, "security_level", s->security_level);
		sf_json_kv_bool(j, "wrappermode", s->wrappermode);
		tri(j, "auth_requires_tls", s->auth_requires_tls);
		sf_json_object_end(j);
	}
	sf_json_array_end(j);
	log_json(j, scan);
	sf_json_key(j, "unreadable");
	sf_json_array_begin(j);
	for (i = 0; i < p->nunreadable; i++) {
		sf_json_object_begin(j);
		sf_json_kv_string(j, "path", p->unreadable[i].path);
		sf_json_kv_string(j, "why", p->unreadable[i].why);
		sf_json_kv_string(j, "hides", p->unreadable[i].hides);
		sf_json_object_end(j);
	}
	sf_json_array_end(j);
	sf_json_key(j, "files");
	sf_json_array_begin(j);
	for (i = 0; i < p->nfiles; i++)
		sf_json_string(j, p->files[i]);
	sf_json_array_end(j);
	sf_json_key(j, "notes");
	sf_json_array_begin(j);
	for (i = 0; i < p->nnotes; i++)
		sf_json_string(j, p->notes[i]);
	sf_json_array_end(j);
	sf_json_key(j, "findings");
	sf_json_array_begin(j);
	for (i = 0; i < p->nfindings; i++) {
		sf_json_object_begin(j);
		sf_json_kv_string(j, "id", p->findings[i].id);
		sf_json_kv_string(j, "severity", sf_severity_id(p->findings[i].severity));
		sf_json_kv_string(j, "text", p->findings[i].text);
		sf_json_object_end(j);
	}
	sf_json_array_end(j);
}

int
sf_report_policy_json(const struct sf_policy *p, const struct sf_log_scan *scan, struct sf_buf *out,
	struct sf_error *err)
{
	struct sf_json j;

	sf_json_init(&j, out, 2);
	sf_json_object_begin(&j);
	sf_report_policy_json_members(&j, p, scan);
	sf_json_object_end(&j);
	if (!j.failed && sf_buf_addstr(out, "\n", &j.err) < 0)
		j.failed = true;
	return sf_json_finish(&j, err);
}

/* Text that came from the server's files, made safe for a terminal. */
static int
clean(struct sf_buf *out, const char *s, struct sf_error *err)
{
	return sf_sanitize_append(out, s, strlen(s), 400, err);
}

/* " (evidence)" and the line's end; for an unknown value whose evidence
 * says why ("not known: X was not read"), ", because X was not read". */
static int
evidence(struct sf_buf *out, const struct sf_setting *s, struct sf_error *err)
{
	static const char unknown[] = "not known: ";
	int rc = 0;

	if (s->value == SF_TRI_UNKNOWN && strncmp(s->evidence, unknown, sizeof unknown - 1) == 0) {
		rc |= sf_buf_addstr(out, ", because ", err);
		rc |= clean(out, s->evidence + sizeof unknown - 1, err);
		return rc | sf_buf_addstr(out, "\n", err);
	}
	rc |= sf_buf_addstr(out, " (", err);
	rc |= clean(out, s->evidence, err);
	return rc | sf_buf_addstr(out, ")\n", err);
}

static const char *
yes_no(enum sf_tri t, const char *yes, const char *no)
{
	return t == SF_TRI_YES ? yes : t == SF_TRI_NO ? no : "unknown";
}

int
sf_report_policy_text(const struct sf_policy *p, const struct sf_log_scan *scan, struct sf_buf *out,
	struct sf_error *err)
{
	size_t i, k;
	int rc = 0;

	rc |= sf_buf_printf(out, err, "Mail server: %s%s%s\n",
		p->mta != SF_MTA_NONE ? sf_mta_id(p->mta) : "none found",
		p->cpanel ? ", with " : "", p->cpanel ? "cPanel" : "");
	rc |= sf_buf_printf(out, err, "  Login (AUTH) only after TLS: %s",
		yes_no(p->auth_requires_tls.value, "yes", "no, AUTH is offered without TLS"));
	if (p->auth_requires_tls.value == SF_TRI_UNKNOWN && p->auth_unknown_why[0]) {
		rc |= sf_buf_addstr(out, ", because ", err);
		rc |= clean(out, p->auth_unknown_why, err);
	} else if (p->auth_requires_tls.source[0]) {
		rc |= sf_buf_printf(out, err, " (%s: ", p->auth_requires_tls.source);
		rc |= clean(out, p->auth_requires_tls.evidence, err);
		rc |= sf_buf_addstr(out, ")", err);
	}
	rc |= sf_buf_addstr(out, "\n", err);
	/* An unknown value is shown when there is a reason for it (a file
	 * that was not read), so it is not taken for "off". */
	if (p->intent.value != SF_TRI_UNKNOWN || p->intent.evidence[0]) {
		rc |= sf_buf_printf(out, err, "  WHM setting require_secure_auth: %s",
			yes_no(p->intent.value, "on", "off"));
		rc |= evidence(out, &p->intent, err);
	}
	if (p->pop_before_smtp.value != SF_TRI_UNKNOWN)
		rc |= sf_buf_printf(out, err, "  POP-before-SMTP: %s\n",
			yes_no(p->pop_before_smtp.value, "on", "off"));
	else if (p->pop_before_smtp.evidence[0]) {
		rc |= sf_buf_addstr(out, "  POP-before-SMTP: unknown", err);
		rc |= evidence(out, &p->pop_before_smtp, err);
	}
	if (p->submission_rule.value == SF_TRI_YES)
		rc |= sf_buf_printf(
			out, err, "  Port 587 refuses mail without login and hangs up\n");
	if (p->dovecot_plaintext.value != SF_TRI_UNKNOWN || p->dovecot_plaintext.evidence[0]) {
		rc |= sf_buf_printf(out, err, "  Dovecot plain-text logins without TLS: %s",
			yes_no(p->dovecot_plaintext.value, "allowed", "refused"));
		rc |= evidence(out, &p->dovecot_plaintext, err);
	}
	if (p->nports > 0) {
		rc |= sf_buf_addstr(out, "  Ports:", err);
		for (i = 0; i < p->nports; i++)
			rc |= sf_buf_printf(out, err, " %d%s", p->ports[i].port,
				p->ports[i].implicit_tls ? " (SSL/TLS)" : "");
		rc |= sf_buf_addstr(out, "\n", err);
	}
	for (i = 0; i < p->nservices; i++)
		rc |= sf_buf_printf(out, err, "  Postfix %s (port %d): SASL %s, %s\n",
			p->services[i].name, p->services[i].port,
			p->services[i].sasl ? "on" : "off",
			p->services[i].auth_requires_tls == SF_TRI_YES  ? "AUTH only under TLS"
			: p->services[i].auth_requires_tls == SF_TRI_NO ? "AUTH also without TLS"
									: "no AUTH");
	if (scan != NULL) {
		unsigned long per_kind[SF_LOG_KINDS] = { 0 };
		size_t addrs[SF_LOG_KINDS] = { 0 };
		time_t last[SF_LOG_KINDS] = { 0 };
		char t[32];

		for (i = 0; i < scan->ngroups; i++) {
			const struct sf_log_group *g = &scan->groups[i];

			per_kind[g->kind] += g->count;
			addrs[g->kind]++;
			if (g->last > last[g->kind])
				last[g->kind] = g->last;
		}
		rc |= sf_buf_printf(out, err, "\nMail log (%zu file%s)\n", scan->nfiles,
			scan->nfiles == 1 ? "" : "s");
		for (k = 0; k < SF_LOG_KINDS; k++) {
			if (per_kind[k] == 0)
				continue;
			iso_time(last[k], t, sizeof t);
			rc |= sf_buf_printf(out, err,
				"  %-26s %lu from %zu address%s, last at %s\n",
				sf_log_kind_id((enum sf_log_kind)k), per_kind[k], addrs[k],
				addrs[k] == 1 ? "" : "es", t);
		}
		/* "Nothing relevant" only from a log that was read. */
		if (scan->ngroups == 0 && sf_log_scan_files_read(scan) == 0)
			rc |= sf_buf_addstr(out,
				"  no mail log could be read, so nothing is known about "
				"the period (see what was not read)\n",
				err);
		else if (scan->ngroups == 0)
			rc |= sf_buf_addstr(out, "  nothing relevant in the period\n", err);
	}
	if (p->nfindings > 0)
		rc |= sf_buf_addstr(out, "\nFindings\n", err);
	for (i = 0; i < p->nfindings; i++) {
		rc |= sf_buf_printf(out, err, "  [%s] ", sf_severity_id(p->findings[i].severity));
		rc |= clean(out, p->findings[i].text, err);
		rc |= sf_buf_addstr(out, "\n", err);
	}
	if (p->nunreadable > 0) {
		bool denied = false;

		for (i = 0; i < p->nunreadable; i++)
			denied |= strstr(p->unreadable[i].why, "ermission denied") != NULL;
		rc |= sf_buf_printf(out, err, "\nNot read%s\n",
			denied ? " (run as root to see those refused for permission)" : "");
	}
	/* Reasons can quote a link's target, which comes from the files:
	 * cleaned like the paths. */
	for (i = 0; i < p->nunreadable; i++) {
		const struct sf_unreadable *u = &p->unreadable[i];

		rc |= sf_buf_addstr(out, "  ", err);
		rc |= sf_sanitize_append(out, u->path, strlen(u->path), 300, err);
		rc |= sf_buf_addstr(out, ": ", err);
		rc |= clean(out, u->why, err);
		rc |= sf_buf_addstr(out, "; hides ", err);
		rc |= clean(out, u->hides, err);
		rc |= sf_buf_addstr(out, "\n", err);
	}
	if (p->nnotes > 0)
		rc |= sf_buf_addstr(out, "\nNotes\n", err);
	for (i = 0; i < p->nnotes; i++) {
		rc |= sf_buf_addstr(out, "  ", err);
		rc |= sf_sanitize_append(out, p->notes[i], strlen(p->notes[i]), 400, err);
		rc |= sf_buf_addstr(out, "\n", err);
	}
	return rc ? -1 : 0;
}
