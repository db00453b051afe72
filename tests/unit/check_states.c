/* The space of states one submission port can be in, walked whole: for
 * each combination the probe's analysis and the diagnosis run on results
 * made by hand (no network), and the rules every conclusion must keep are
 * checked:
 *   - a state that is not healthy has a finding naming its evidence;
 *   - a setting "works" only when what it needs was seen (login listed on
 *     that connection; the login test passed where it ran);
 *   - after a refused login the recommendation keeps that port and
 *     security;
 *   - a certificate the program questions still gives one recommended
 *     setting, with the decision spelled out;
 *   - what is recommended is a setting whose cell allows it;
 *   - every message and finding has its line in help/diagnosis. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpfix/diagnose.h"
#include "unit/suites.h"

enum plain_auth { PA_NONE, PA_LISTED, PA_LISTED_REFUSED, PA_N };
enum starttls { ST_OK, ST_NOT_OFFERED, ST_REFUSED, ST_N };
enum tls_end { TE_OK, TE_SERVER_FAILS, TE_N };
enum login { LG_NONE, LG_OK, LG_WRONG, LG_DISABLED, LG_N };
enum after_login { AL_OK, AL_GREYLISTED, AL_STALL, AL_N };
/* AUTH under TLS: not listed, listed and taken, listed but refused when
 * started (found by the password-free check when no login is given). */
enum tls_auth { TA_NONE, TA_LISTED, TA_LISTED_REFUSED, TA_N };

struct state {
	enum plain_auth plain_auth;
	enum starttls starttls;
	enum tls_end tls;
	enum sf_cert_verdict cert;
	enum tls_auth tls_auth;
	bool relay; /* mail without login accepted */
	enum login login;
	enum after_login after;
};

static void
reply(struct sf_exchange *x, int code, const char *text)
{
	x->sent = x->replied = true;
	x->reply.code = code;
	x->reply.text = strdup(text);
}

static void
caps_auth(struct sf_ehlo *e, bool listed)
{
	e->auth_offered = listed;
	e->nauth = listed ? 2 : 0;
	snprintf(e->auth[0], sizeof e->auth[0], "PLAIN");
	snprintf(e->auth[1], sizeof e->auth[1], "LOGIN");
}

static struct sf_target_result *
target(struct sf_probe_result *r, enum sf_purpose purpose, enum sf_probe_mode mode)
{
	struct sf_target_result *t = &r->targets[r->ntargets++];

	memset(t, 0, sizeof *t);
	t->purpose = purpose;
	t->port = 587;
	t->real_port = 587;
	t->mode = mode;
	snprintf(t->address, sizeof t->address, "192.0.2.10");
	t->connect_ok = true;
	reply(&t->smtp.greeting, 220, "mx.example.com ESMTP");
	return t;
}

static void
plain_part(struct sf_target_result *t, const struct state *s)
{
	reply(&t->smtp.ehlo, 250, "mx.example.com");
	t->smtp.caps_valid = true;
	caps_auth(&t->smtp.caps, s->plain_auth != PA_NONE);
	t->smtp.caps.starttls = t->smtp.starttls_offered = s->starttls != ST_NOT_OFFERED;
}

static void
secure_part(struct sf_target_result *t, const struct state *s)
{
	t->tls_attempted = true;
	if (s->tls == TE_SERVER_FAILS) {
		snprintf(t->tls.handshake_error, sizeof t->tls.handshake_error,
			"tlsv1 alert internal error");
		t->tls.failure = SF_TLS_FAIL_SERVER_ERROR;
		t->tls.verdict = SF_CERT_HANDSHAKE_FAILED;
		t->smtp.fail_code = SF_E_TLS;
		t->smtp.fail_step = SF_STEP_TLS_HANDSHAKE;
		snprintf(t->smtp.fail_message, sizeof t->smtp.fail_message, "TLS handshake failed");
		return;
	}
	t->tls.handshake_ok = t->tls.have_cert = true;
	t->tls.verdict = s->cert;
	snprintf(t->tls.verify_detail, sizeof t->tls.verify_detail, "%s",
		s->cert == SF_CERT_OK ? "trusted" : "the program will question it");
	snprintf(t->tls.sha256, sizeof t->tls.sha256, "AA:BB");
	t->smtp.tls_active = true;
	reply(&t->smtp.ehlo_tls, 250, "mx.example.com");
	t->smtp.caps_tls_valid = true;
	caps_auth(&t->smtp.caps_tls, s->tls_auth != TA_NONE);
}

/* MAIL and RCPT without login on a connection. */
static void
unauth_mail(struct sf_target_result *t, const struct state *s)
{
	reply(&t->smtp.mail, 250, "OK");
	if (s->relay)
		reply(&t->smtp.rcpt, 250, "Accepted");
	else
		reply(&t->smtp.rcpt, 550, "5.7.1 Relaying denied: authentication required");
}

static void
build(struct sf_probe_result *r, const struct state *s)
{
	struct sf_target_result *m, *p, *l;

	memset(r, 0, sizeof *r);
	r->targets = calloc(4, sizeof *r->targets);
	r->resolved = true;
	snprintf(r->host, sizeof r->host, "mx.example.com");
	/* The main probe: STARTTLS when offered. */
	m = target(r, SF_PURPOSE_MAIN, SF_MODE_STARTTLS);
	plain_part(m, s);
	if (s->starttls == ST_OK) {
		reply(&m->smtp.starttls, 220, "go ahead");
		secure_part(m, s);
		if (m->smtp.tls_active && s->tls_auth != TA_NONE) {
			m->smtp.auth_check.sent = m->smtp.auth_check_under_tls = true;
			snprintf(m->smtp.auth_check_mech, sizeof m->smtp.auth_check_mech, "LOGIN");
			if (s->tls_auth == TA_LISTED_REFUSED) {
				reply(&m->smtp.auth_check, 503, "5.7.0 authentication not enabled");
				m->smtp.auth_check_refused = true;
			} else {
				reply(&m->smtp.auth_check, 501, "cancelled");
			}
		}
		if (m->smtp.tls_active)
			unauth_mail(m, s);
	} else if (s->starttls == ST_REFUSED) {
		reply(&m->smtp.starttls, 454, "4.7.0 TLS not available due to local problem");
		unauth_mail(m, s);
	} else {
		unauth_mail(m, s);
	}
	/* The plain-text follow-up: what a program set to no encryption meets. */
	p = target(r, SF_PURPOSE_PLAIN, SF_MODE_PLAIN);
	plain_part(p, s);
	if (s->plain_auth != PA_NONE) {
		p->smtp.auth_check.sent = true;
		snprintf(p->smtp.auth_check_mech, sizeof p->smtp.auth_check_mech, "LOGIN");
		if (s->plain_auth == PA_LISTED_REFUSED) {
			reply(&p->smtp.auth_check, 538, "5.7.11 Encryption required");
			p->smtp.auth_check_refused = true;
		} else {
			reply(&p->smtp.auth_check, 501, "cancelled");
		}
	}
	unauth_mail(p, s);
	/* The login test, on STARTTLS when it got that far. */
	r->login_index = -1;
	if (s->login == LG_NONE || s->starttls != ST_OK || s->tls != TE_OK ||
		s->tls_auth != TA_LISTED)
		return;
	l = target(r, SF_PURPOSE_LOGIN, SF_MODE_STARTTLS);
	plain_part(l, s);
	reply(&l->smtp.starttls, 220, "go ahead");
	secure_part(l, s);
	r->login_index = (long)(r->ntargets - 1);
	snprintf(l->smtp.auth_mechanism, sizeof l->smtp.auth_mechanism, "PLAIN");
	if (s->login == LG_WRONG) {
		reply(&l->smtp.auth, 535, "5.7.8 Error: authentication failed");
		l->smtp.auth_outcome = SF_AUTH_REFUSED;
		return;
	}
	if (s->login == LG_DISABLED) {
		reply(&l->smtp.auth, 535,
			"5.7.139 Authentication unsuccessful, SmtpClientAuthentication is "
			"disabled for the Tenant.");
		l->smtp.auth_outcome = SF_AUTH_REFUSED;
		return;
	}
	reply(&l->smtp.auth, 235, "2.7.0 Authentication successful");
	l->smtp.auth_outcome = SF_AUTH_OK;
	if (s->after == AL_STALL) {
		l->smtp.mail.sent = true;
		l->smtp.fail_code = SF_E_TIMEOUT;
		l->smtp.fail_step = SF_STEP_MAIL;
		snprintf(l->smtp.fail_message, sizeof l->smtp.fail_message,
			"no complete answer to MAIL FROM within 10.0 s");
		return;
	}
	reply(&l->smtp.mail, 250, "OK");
	if (s->after == AL_GREYLISTED)
		reply(&l->smtp.rcpt, 451, "4.7.1 Greylisted, please try again later");
	else
		reply(&l->smtp.rcpt, 250, "OK");
}

static const struct sf_matrix_cell *
cell(const struct sf_probe_result *r, enum sf_security sec, bool auth)
{
	size_t i;

	for (i = 0; i < r->ncells; i++)
		if (r->cells[i].port == 587 && r->cells[i].security == sec &&
			r->cells[i].auth == auth)
			return &r->cells[i];
	return NULL;
}

static void
describe(const struct state *s, char *out, size_t outsz)
{
	snprintf(out, outsz,
		"plain-auth %d, starttls %d, tls %d, cert %d, tls-auth %d, relay %d, "
		"login %d, after-login %d",
		s->plain_auth, s->starttls, s->tls, s->cert, s->tls_auth, s->relay, s->login,
		s->after);
}

static void
check_state(const struct state *s, size_t *checked)
{
	struct sf_probe_result r;
	struct sf_diagnosis *d = calloc(1, sizeof *d);
	struct sf_diag_input in;
	const struct sf_matrix_cell *c;
	char what[256], why[SF_DIAG_TEXT_MAX];
	size_t i;
	bool healthy, evidenced = false;

	describe(s, what, sizeof what);
	build(&r, s);
	sf_probe_analyse(&r, "mx.example.com", s->login != LG_NONE ? "me@example.com" : NULL);
	memset(&in, 0, sizeof in);
	in.probe = &r;
	sf_diagnose(&in, d);
	healthy = sf_diag_healthy(d, &r, why, sizeof why);

	/* Not healthy: some finding names its evidence. */
	for (i = 0; i < d->nfindings; i++)
		evidenced |= d->findings[i].nevidence > 0;
	ck_assert_msg(healthy || evidenced, "%s: not healthy (%s) with no finding and evidence",
		what, why);

	/* Every message came from its help file (a missing line reads "(key)"). */
	for (i = 0; i < r.ncells; i++)
		ck_assert_msg(r.cells[i].message[0] != '(', "%s: no help line for a cell: %s", what,
			r.cells[i].message);
	for (i = 0; i < d->nfindings; i++)
		ck_assert_msg(d->findings[i].text[0] != '(', "%s: no help line for a finding: %s",
			what, d->findings[i].text);
	ck_assert_msg(!r.recommended.found ||
			      (r.recommended.why[0] != '\0' && r.recommended.why[0] != '('),
		"%s: no help line for why: %s", what, r.recommended.why);

	/* "works" only for what was seen. */
	for (i = 0; i < r.ncells; i++) {
		const struct sf_matrix_cell *k = &r.cells[i];

		if (k->outcome != SF_OUT_WORKS || !k->auth)
			continue;
		if (k->security == SF_SEC_NONE)
			ck_assert_msg(s->plain_auth == PA_LISTED,
				"%s: None+login works without a login taken", what);
		if (k->security == SF_SEC_STARTTLS)
			ck_assert_msg(s->starttls == ST_OK && s->tls == TE_OK &&
					      s->tls_auth == TA_LISTED &&
					      (s->login == LG_NONE ||
						      (s->login == LG_OK && s->after == AL_OK)),
				"%s: STARTTLS+login works though %s", what,
				s->login != LG_NONE ? "the login test did not pass"
						    : "no login is listed");
	}

	/* After a refused login, the same setting, saying what to change. */
	if (r.login_index >= 0 && r.targets[r.login_index].smtp.auth_outcome == SF_AUTH_REFUSED &&
		s->cert == SF_CERT_OK) {
		ck_assert_msg(r.recommended.found && r.recommended.port == 587 &&
				      r.recommended.security == SF_SEC_STARTTLS,
			"%s: a refused login moved the recommendation", what);
		ck_assert_msg(strstr(r.recommended.why, "refused") != NULL, "%s: why: %s", what,
			r.recommended.why);
		ck_assert_msg(!healthy, "%s: healthy after a refused login", what);
		/* ... and what to change, in the words of the cause found. */
		ck_assert_msg(strstr(sf_diag_settings(d, &r)->why,
				      s->login == LG_DISABLED ? "SMTP AUTH on"
							      : "re-type the password") != NULL,
			"%s: why does not say what to change: %s", what,
			sf_diag_settings(d, &r)->why);
	}

	/* A questioned certificate still gives the setting, with the decision. */
	if (s->starttls == ST_OK && s->tls == TE_OK && s->cert != SF_CERT_OK &&
		s->tls_auth == TA_LISTED && s->login == LG_NONE) {
		ck_assert_msg(r.recommended.found && r.recommended.cert_decision,
			"%s: no recommendation with the certificate decision", what);
		ck_assert_msg(!healthy, "%s: healthy with a questioned certificate", what);
	}

	/* What is recommended, its cell allows. */
	if (r.recommended.found) {
		c = cell(&r, r.recommended.security, true);
		ck_assert_msg(c != NULL, "%s: recommended setting has no cell", what);
		ck_assert_msg(c->outcome == SF_OUT_WORKS || sf_outcome_is_cert(c->outcome) ||
				      c->outcome == SF_OUT_WRONG_CREDENTIALS ||
				      c->outcome == SF_OUT_SENDER_REJECTED ||
				      c->outcome == SF_OUT_DEFERRED_AFTER_LOGIN,
			"%s: recommended a setting that meets %s", what, sf_outcome_id(c->outcome));
	}

	/* A login listed under TLS but refused when started, and not taken in
	 * plain text either: no program can log in, so never healthy. */
	if (s->tls_auth == TA_LISTED_REFUSED && s->plain_auth != PA_LISTED)
		ck_assert_msg(!healthy, "%s: healthy though no login is taken anywhere", what);

	/* A server that relays for anyone is never healthy. */
	if (s->relay)
		ck_assert_msg(!healthy, "%s: an open relay called healthy", what);

	for (i = 0; i < r.ntargets; i++)
		sf_session_result_free(&r.targets[i].smtp);
	free(r.targets);
	free(d);
	(*checked)++;
}

START_TEST(every_state_of_a_submission_port)
{
	static const enum sf_cert_verdict certs[] = { SF_CERT_OK, SF_CERT_SELF_SIGNED,
		SF_CERT_NAME_MISMATCH, SF_CERT_EXPIRED };
	struct state s;
	size_t checked = 0, c;
	int b;

	memset(&s, 0, sizeof s);
	for (s.plain_auth = 0; s.plain_auth < PA_N; s.plain_auth++)
		for (s.starttls = 0; s.starttls < ST_N; s.starttls++)
			for (s.tls = 0; s.tls < TE_N; s.tls++)
				for (c = 0; c < sizeof certs / sizeof certs[0]; c++)
					for (s.tls_auth = 0; s.tls_auth < TA_N; s.tls_auth++)
						for (b = 0; b < 2; b++)
							for (s.login = 0; s.login < LG_N; s.login++)
								for (s.after = 0; s.after < AL_N;
									s.after++) {
									s.cert = certs[c];
									s.relay = b;
									check_state(&s, &checked);
								}
	ck_assert_uint_eq(checked, (size_t)PA_N * ST_N * TE_N * 4 * TA_N * 2 * LG_N * AL_N);
}
END_TEST

/* The vocabularies' tables give each value its own id, in enum order. */
START_TEST(vocabulary_tables_match_their_enums)
{
	ck_assert_str_eq(sf_port_status_id(SF_PORT_OPEN), "open");
	ck_assert_str_eq(sf_port_status_id(SF_PORT_NO_GREETING), "no-greeting");
	ck_assert_str_eq(sf_port_status_id(SF_PORT_ERROR), "error");
	ck_assert_str_eq(sf_auth_policy_id(SF_AUTHP_AFTER_STARTTLS_ONLY), "after-starttls-only");
	ck_assert_str_eq(sf_auth_policy_id(SF_AUTHP_NOT_OFFERED), "not-offered");
	ck_assert_str_eq(sf_outcome_id(SF_OUT_WORKS), "works");
	ck_assert_str_eq(sf_outcome_id(SF_OUT_LOGIN_OFFERED), "login-offered");
	ck_assert(sf_outcome_is_cert(SF_OUT_CERT_EXPIRED) && !sf_outcome_is_cert(SF_OUT_WORKS));
	ck_assert_str_eq(sf_server_kind_id(SF_SERVER_MICROSOFT365), "microsoft365");
}
END_TEST

Suite *
states_suite(void)
{
	Suite *s = suite_create("states");
	TCase *tc = tcase_create("port-587");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, every_state_of_a_submission_port);
	tcase_add_test(tc, vocabulary_tables_match_their_enums);
	suite_add_tcase(s, tc);
	return s;
}
