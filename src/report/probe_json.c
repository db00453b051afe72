#include <stdio.h>
#include <string.h>

#include "smtpfix/json.h"
#include "smtpfix/refcode.h"
#include "smtpfix/report.h"

static void
reply_fields(struct sf_json *j, const struct sf_reply *r)
{
	sf_json_kv_int(j, "code", r->code);
	sf_json_kv_string(j, "text", r->text ? r->text : "");
}

/* {code, text} or null when the command got no complete reply. */
static void
simple_reply(struct sf_json *j, const char *key, const struct sf_exchange *x)
{
	sf_json_key(j, key);
	if (!x->replied) {
		sf_json_null(j);
		return;
	}
	sf_json_object_begin(j);
	reply_fields(j, &x->reply);
	sf_json_object_end(j);
}

static void
ehlo_object(struct sf_json *j, const char *key, const struct sf_exchange *x,
	const struct sf_ehlo *caps, bool valid)
{
	size_t i;

	sf_json_key(j, key);
	if (!x->replied) {
		sf_json_null(j);
		return;
	}
	sf_json_object_begin(j);
	reply_fields(j, &x->reply);
	sf_json_key(j, "extensions");
	sf_json_array_begin(j);
	for (i = 0; valid && i < caps->nextensions; i++)
		sf_json_string(j, caps->extensions[i]);
	sf_json_array_end(j);
	sf_json_object_end(j);
}

static void
mech_list(struct sf_json *j, const char *key, const struct sf_ehlo *caps, bool valid)
{
	size_t i;

	sf_json_key(j, key);
	if (!valid) {
		sf_json_null(j);
		return;
	}
	sf_json_array_begin(j);
	for (i = 0; i < caps->nauth; i++)
		sf_json_string(j, caps->auth[i]);
	sf_json_array_end(j);
}

/* The password-free AUTH check, under the key for where it ran (null
 * when it did not run there). */
static void
auth_check(struct sf_json *j, const char *key, const struct sf_session_result *s, bool under_tls)
{
	sf_json_key(j, key);
	if (!s->auth_check.sent || s->auth_check_under_tls != under_tls) {
		sf_json_null(j);
		return;
	}
	sf_json_object_begin(j);
	sf_json_kv_string(j, "mechanism", s->auth_check_mech);
	sf_json_kv_bool(j, "refused", s->auth_check_refused);
	sf_json_kv_int(j, "code", s->auth_check.replied ? s->auth_check.reply.code : 0);
	sf_json_kv_string_or_null(
		j, "text", s->auth_check_refused ? s->auth_check.reply.text : NULL);
	sf_json_object_end(j);
}

static void
full_reply(struct sf_json *j, const char *key, const struct sf_exchange *x)
{
	sf_json_key(j, key);
	if (!x->replied) {
		sf_json_null(j);
		return;
	}
	sf_json_object_begin(j);
	reply_fields(j, &x->reply);
	sf_json_kv_string_or_null(j, "enhanced", x->reply.enhanced[0] ? x->reply.enhanced : NULL);
	sf_json_kv_bool(j, "disconnected", x->disconnected);
	sf_json_object_end(j);
}

static void
tls_object(struct sf_json *j, const struct sf_target_result *t)
{
	const struct sf_tls_info *i = &t->tls;
	bool c = i->handshake_ok && i->have_cert;
	size_t n;

	sf_json_key(j, "tls");
	if (!t->tls_attempted) {
		sf_json_null(j);
		return;
	}
	sf_json_object_begin(j);
	sf_json_kv_bool(j, "ok", i->handshake_ok);
	sf_json_kv_string_or_null(j, "version", i->handshake_ok ? i->version : NULL);
	sf_json_kv_string_or_null(j, "cipher", i->handshake_ok ? i->cipher : NULL);
	sf_json_kv_string(j, "verify", sf_cert_verdict_id(i->verdict));
	sf_json_kv_string(j, "verify_detail", i->verify_detail);
	sf_json_kv_string_or_null(j, "error", i->handshake_ok ? NULL : i->handshake_error);
	sf_json_kv_string_or_null(
		j, "failure", i->handshake_ok ? NULL : sf_tls_failure_id(i->failure));
	sf_json_kv_string_or_null(j, "subject", c ? i->subject : NULL);
	sf_json_key(j, "san");
	if (c) {
		sf_json_array_begin(j);
		for (n = 0; n < i->nsan; n++)
			sf_json_string(j, i->san[n]);
		sf_json_array_end(j);
	} else {
		sf_json_null(j);
	}
	sf_json_kv_string_or_null(j, "issuer", c ? i->issuer : NULL);
	sf_json_kv_string_or_null(j, "not_before", c ? i->not_before : NULL);
	sf_json_kv_string_or_null(j, "not_after", c ? i->not_after : NULL);
	sf_json_kv_string_or_null(j, "sha256", c ? i->sha256 : NULL);
	sf_json_object_end(j);
}

static void
starttls_object(struct sf_json *j, const struct sf_target_result *t)
{
	const struct sf_session_result *s = &t->smtp;

	sf_json_key(j, "starttls");
	if (t->mode == SF_MODE_TLS || !s->caps_valid) {
		sf_json_null(j);
		return;
	}
	sf_json_object_begin(j);
	sf_json_kv_bool(j, "offered", s->starttls_offered);
	sf_json_key(j, "ok");
	if (!s->starttls.sent)
		sf_json_null(j);
	else
		sf_json_bool(j, s->tls_active);
	simple_reply(j, "reply", &s->starttls);
	sf_json_kv_bool(j, "trailing_data", s->starttls_trailing);
	sf_json_object_end(j);
}

/* The login test's own record: never the password, only what happened. */
static void
login_object(struct sf_json *j, const struct sf_target_result *t)
{
	const struct sf_session_result *s = &t->smtp;

	sf_json_key(j, "login");
	sf_json_object_begin(j);
	sf_json_kv_string(j, "outcome", sf_auth_outcome_id(s->auth_outcome));
	sf_json_kv_string_or_null(j, "mechanism", s->auth_mechanism[0] ? s->auth_mechanism : NULL);
	sf_json_kv_bool(j, "plaintext", s->plaintext_auth);
	simple_reply(j, "reply", &s->auth);
	full_reply(j, "mail", &s->mail);
	full_reply(j, "rcpt", &s->rcpt);
	full_reply(j, "data", &s->data);
	full_reply(j, "message", &s->message);
	sf_json_object_end(j);
}

static void
transcript_array(struct sf_json *j, const struct sf_transcript *tr)
{
	size_t i;

	sf_json_key(j, "transcript");
	sf_json_array_begin(j);
	for (i = 0; i < tr->count; i++) {
		sf_json_object_begin(j);
		sf_json_kv_double(j, "ms", tr->entries[i].ms, 1);
		sf_json_kv_string(j, "dir", sf_dir_tag(tr->entries[i].dir));
		sf_json_kv_string(j, "text", tr->entries[i].text);
		sf_json_object_end(j);
	}
	sf_json_array_end(j);
	sf_json_kv_int(j, "transcript_dropped", (long long)tr->dropped);
}

static void
target_object(struct sf_json *j, const struct sf_target_result *t, bool with_transcript)
{
	const struct sf_session_result *s = &t->smtp;
	char why[512];
	bool healthy = sf_target_healthy(t, why, sizeof why);

	sf_json_object_begin(j);
	sf_json_kv_string(j, "purpose", sf_purpose_id(t->purpose));
	sf_json_kv_string(j, "address", t->address);
	sf_json_kv_int(j, "port", t->port);
	sf_json_kv_int(j, "real_port", t->real_port);
	sf_json_kv_string(j, "mode", sf_probe_mode_name(t->mode));

	sf_json_key(j, "connect");
	sf_json_object_begin(j);
	sf_json_kv_bool(j, "ok", t->connect_ok);
	sf_json_kv_double(j, "ms", t->connect_ms, 1);
	sf_json_kv_string_or_null(
		j, "error", t->connect_ok ? NULL : sf_errcode_name(t->connect_err.code));
	sf_json_kv_string_or_null(j, "message", t->connect_ok ? NULL : t->connect_err.message);
	sf_json_object_end(j);

	simple_reply(j, "banner", &s->greeting);
	ehlo_object(j, "ehlo", &s->ehlo, &s->caps, s->caps_valid);
	simple_reply(j, "helo", &s->helo);
	starttls_object(j, t);
	tls_object(j, t);
	ehlo_object(j, "ehlo_tls", &s->ehlo_tls, &s->caps_tls, s->caps_tls_valid);

	sf_json_key(j, "auth");
	sf_json_object_begin(j);
	mech_list(j, "before_tls", &s->caps, s->caps_valid);
	mech_list(j, "after_tls", &s->caps_tls, s->caps_tls_valid);
	/* AUTH started without a password, before TLS or under it: taken, or
	 * refused. */
	auth_check(j, "check_before_tls", s, false);
	auth_check(j, "check_under_tls", s, true);
	sf_json_object_end(j);

	if (t->purpose == SF_PURPOSE_LOGIN) {
		login_object(j, t);
	} else {
		full_reply(j, "mail_without_auth", &s->mail);
		full_reply(j, "rcpt_without_auth", &s->rcpt);
	}

	sf_json_key(j, "failure");
	if (s->fail_code == SF_OK) {
		sf_json_null(j);
	} else {
		sf_json_object_begin(j);
		sf_json_kv_string(j, "step", sf_step_id(s->fail_step));
		sf_json_kv_string(j, "error", sf_errcode_name(s->fail_code));
		sf_json_kv_string(j, "message", s->fail_message);
		sf_json_object_end(j);
	}
	sf_json_kv_bool(j, "healthy", healthy);
	sf_json_kv_string_or_null(j, "problem", healthy ? NULL : why);
	sf_json_kv_bool(j, "cancelled", t->cancelled);
	sf_json_kv_double(j, "ms", t->total_ms, 1);
	if (with_transcript)
		transcript_array(j, &t->transcript);
	sf_json_object_end(j);
}

static void
policy_array(struct sf_json *j, const struct sf_probe_result *res)
{
	size_t i;

	sf_json_key(j, "policy");
	if (!res->analysed) {
		sf_json_null(j);
		return;
	}
	sf_json_array_begin(j);
	for (i = 0; i < res->npolicies; i++) {
		const struct sf_port_policy *p = &res->policies[i];

		sf_json_object_begin(j);
		sf_json_kv_int(j, "port", p->port);
		sf_json_kv_string(j, "address", p->address);
		sf_json_kv_string(j, "status", sf_port_status_id(p->status));
		sf_json_kv_bool(j, "implicit_tls", p->implicit_tls);
		sf_json_kv_bool(j, "starttls", p->starttls);
		sf_json_kv_string(j, "auth", sf_auth_policy_id(p->auth));
		sf_json_key(j, "without_login");
		if (p->unauth_code == 0) {
			sf_json_null(j);
		} else {
			sf_json_object_begin(j);
			sf_json_kv_bool(j, "refused", p->unauth_refused);
			sf_json_kv_int(j, "code", p->unauth_code);
			sf_json_kv_string(j, "text", p->unauth_text);
			sf_json_object_end(j);
		}
		sf_json_object_end(j);
	}
	sf_json_array_end(j);
}

static void
matrix_array(struct sf_json *j, const struct sf_probe_result *res)
{
	size_t i;

	sf_json_key(j, "matrix");
	if (!res->analysed) {
		sf_json_null(j);
		return;
	}
	sf_json_array_begin(j);
	for (i = 0; i < res->ncells; i++) {
		const struct sf_matrix_cell *c = &res->cells[i];

		sf_json_object_begin(j);
		sf_json_kv_int(j, "port", c->port);
		sf_json_kv_string(j, "security", sf_security_id(c->security));
		sf_json_kv_bool(j, "auth", c->auth);
		sf_json_kv_string(j, "outcome", sf_outcome_id(c->outcome));
		sf_json_kv_bool(j, "observed", c->observed);
		sf_json_kv_string(j, "message", c->message);
		sf_json_object_end(j);
	}
	sf_json_array_end(j);
}

static void
host_objects(struct sf_json *j, const struct sf_probe_result *res, const struct sf_diagnosis *diag)
{
	const struct sf_recommendation *r = sf_diag_settings(diag, res);
	char why[SF_DIAG_TEXT_MAX];
	bool healthy = sf_diag_healthy(diag, res, why, sizeof why);
	size_t i;

	policy_array(j, res);
	matrix_array(j, res);
	{
		struct sf_refcode code;
		char text[SF_REFCODE_TEXT_MAX];

		sf_refcode_from_result(res, diag, &code);
		sf_refcode_encode(&code, text);
		sf_json_kv_string(j, "reference", text); /* smtpfix code expands it */
	}
	sf_json_key(j, "recommended");
	if (!r->found) {
		sf_json_null(j);
	} else {
		sf_json_object_begin(j);
		sf_json_kv_string(j, "host", r->host);
		sf_json_kv_int(j, "port", r->port);
		sf_json_kv_string(j, "security", sf_security_id(r->security));
		sf_json_kv_bool(j, "auth", r->auth);
		/* Data, not prose: the user name given, and its form. */
		sf_json_kv_string_or_null(j, "username", r->username[0] ? r->username : NULL);
		/* The form: the whole address, or only the part before the @. */
		sf_json_kv_string(j, "username_form",
			r->username[0] != '\0' && strchr(r->username, '@') == NULL
				? "local-part"
				: "email-address");
		sf_json_kv_bool(j, "insecure", r->insecure);
		sf_json_kv_string(j, "host_source", r->from_certificate ? "certificate" : "typed");
		sf_json_kv_bool(j, "certificate_decision", r->cert_decision);
		sf_json_kv_string(j, "why", r->why);
		sf_json_object_end(j);
	}
	sf_json_key(j, "certificate_names");
	sf_json_array_begin(j);
	for (i = 0; i < res->ncert_names; i++) {
		const struct sf_cert_name *c = &res->cert_names[i];

		sf_json_object_begin(j);
		sf_json_kv_string(j, "name", c->name);
		sf_json_kv_string(j, "check", sf_cert_name_check_id(c->check));
		sf_json_kv_string(j, "probed_address", c->probed);
		sf_json_kv_string_or_null(j, "resolves_to", c->found[0] ? c->found : NULL);
		sf_json_object_end(j);
	}
	sf_json_array_end(j);
	sf_json_key(j, "login_target");
	if (res->login_index < 0)
		sf_json_null(j);
	else
		sf_json_int(j, res->login_index);
	sf_json_kv_bool(j, "local_target", res->local_target);
	sf_json_key(j, "public_addresses");
	if (!res->local_target) {
		sf_json_null(j);
	} else {
		sf_json_array_begin(j);
		for (i = 0; i < res->public_addrs.count; i++)
			sf_json_string(j, res->public_addrs.addrs[i].text);
		sf_json_array_end(j);
	}
	sf_json_kv_bool(j, "cancelled", res->cancelled);
	sf_json_kv_bool(j, "healthy", healthy);
	sf_json_kv_string_or_null(j, "problem", healthy ? NULL : why);
}

static void
diagnosis_object(struct sf_json *j, const struct sf_diagnosis *d)
{
	size_t i, k;

	sf_json_key(j, "diagnosis");
	if (d == NULL) {
		sf_json_null(j);
		return;
	}
	sf_json_object_begin(j);
	sf_json_key(j, "findings");
	sf_json_array_begin(j);
	for (i = 0; i < d->nfindings; i++) {
		const struct sf_diag_finding *f = &d->findings[i];

		sf_json_object_begin(j);
		sf_json_kv_string(j, "cause", sf_cause_id(f->cause));
		sf_json_kv_string(j, "severity", sf_severity_id(f->severity));
		sf_json_kv_double(j, "confidence", f->confidence, 2);
		sf_json_kv_string(j, "text", f->text);
		sf_json_key(j, "evidence");
		sf_json_array_begin(j);
		for (k = 0; k < f->nevidence; k++)
			sf_json_string(j, f->evidence[k]);
		sf_json_array_end(j);
		sf_json_object_end(j);
	}
	sf_json_array_end(j);
	sf_json_kv_string(j, "server_kind", sf_server_kind_id(d->kind));
	sf_json_key(j, "server_options");
	sf_json_array_begin(j);
	for (i = 0; i < d->nserver; i++) {
		sf_json_object_begin(j);
		sf_json_kv_string(j, "text", d->server[i].text);
		sf_json_kv_bool(j, "weakens_security", d->server[i].weakens);
		sf_json_object_end(j);
	}
	sf_json_array_end(j);
	sf_json_object_end(j);
}

void
sf_report_probe_json_members(struct sf_json *j, const struct sf_probe_result *res,
	const struct sf_discovery *discovery, const struct sf_diagnosis *diag, bool with_transcript)
{
	size_t i;

	sf_json_kv_string(j, "host", res->host);
	sf_json_key(j, "discovery");
	if (discovery == NULL)
		sf_json_null(j);
	else
		sf_report_discovery_json(j, discovery);
	sf_json_key(j, "resolve");
	sf_json_object_begin(j);
	sf_json_kv_bool(j, "ok", res->resolved);
	sf_json_kv_string_or_null(
		j, "error", res->resolved ? NULL : sf_errcode_name(res->resolve_err.code));
	sf_json_kv_string_or_null(j, "message", res->resolved ? NULL : res->resolve_err.message);
	sf_json_object_end(j);
	sf_json_key(j, "targets");
	sf_json_array_begin(j);
	for (i = 0; i < res->ntargets; i++)
		target_object(j, &res->targets[i], with_transcript);
	sf_json_array_end(j);
	host_objects(j, res, diag);
	diagnosis_object(j, diag);
	if (diag != NULL && diag->published_from != NULL)
		sf_report_published_json_members(j, diag);
}

int
sf_report_probe_json(const struct sf_probe_result *res, const struct sf_discovery *discovery,
	const struct sf_diagnosis *diag, bool with_transcript, struct sf_buf *out,
	struct sf_error *err)
{
	struct sf_json j;

	sf_json_init(&j, out, 2);
	sf_json_object_begin(&j);
	sf_report_probe_json_members(&j, res, discovery, diag, with_transcript);
	sf_json_object_end(&j);
	if (!j.failed && sf_buf_add(out, "\n", 1, &j.err) < 0)
		j.failed = true;
	return sf_json_finish(&j, err);
}
