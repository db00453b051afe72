/* The probe of a host: every address on every port at once; in auto mode,
 * follow-ups that show what the other security settings meet, started as
 * soon as each port's first answer is in; then, if a password was given,
 * one login test on the recommended setting. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "smtpfix/clock.h"
#include "smtpfix/dns.h"
#include "smtpfix/probe.h"
#include "smtpfix/tls.h"

struct plan {
	const struct sf_probe_options *o;
	bool follow_ups;
};

static void
add_follow_up(struct sf_runner *r, const struct sf_target_result *t, const struct sf_addr *addr,
	enum sf_probe_mode mode, enum sf_purpose purpose, bool rcpt_test)
{
	struct sf_target_spec spec;

	memset(&spec, 0, sizeof spec);
	spec.addr = *addr;
	spec.port = t->port;
	spec.mode = mode;
	spec.purpose = purpose;
	spec.rcpt_test = rcpt_test;
	sf_runner_add(r, &spec);
}

static bool
greeted(const struct sf_target_result *t)
{
	return t->smtp.greeting.replied && t->smtp.greeting.reply.code / 100 == 2;
}

/* Decide, from a main probe's outcome, which follow-ups are worth a
 * connection. Nothing is retried on a closed or silent port. */
static void
plan_follow_ups(void *ctx, struct sf_runner *r, size_t index)
{
	struct plan *p = ctx;
	const struct sf_target_result *t = sf_runner_result(r, index);
	const struct sf_addr *addr = sf_runner_addr(r, index);

	if (!p->follow_ups || t->purpose != SF_PURPOSE_MAIN || !t->connect_ok || addr == NULL)
		return;
	if (t->mode == SF_MODE_TLS) {
		/* If implicit TLS failed, does the port speak plain SMTP? */
		if (!t->tls.handshake_ok && t->tls.verdict == SF_CERT_HANDSHAKE_FAILED &&
			t->smtp.fail_code != SF_E_TIMEOUT)
			add_follow_up(r, t, addr, SF_MODE_PLAIN, SF_PURPOSE_PLAIN, p->o->rcpt_test);
		return;
	}
	/* What a program set to no encryption meets, when the main probe went
	 * on under STARTTLS. (The SSL/TLS follow-up started with the main
	 * probe: see sf_probe_run.) */
	if (greeted(t) && (t->smtp.tls_active || t->smtp.starttls.sent))
		add_follow_up(r, t, addr, SF_MODE_PLAIN, SF_PURPOSE_PLAIN, p->o->rcpt_test);
}

/* Move the runner's results into res. False (and the results dropped)
 * when out of memory. */
static bool
take_into(struct sf_runner *r, struct sf_probe_result *res)
{
	struct sf_target_result *more;
	size_t n, i;
	struct sf_target_result *all;

	sf_runner_take(r, &more, &n);
	if (n == 0) {
		free(more);
		return false;
	}
	all = realloc(res->targets, (res->ntargets + n) * sizeof *all);
	if (all == NULL) {
		for (i = 0; i < n; i++) {
			sf_session_result_free(&more[i].smtp);
			sf_transcript_free(&more[i].transcript);
		}
		free(more);
		return false;
	}
	memcpy(all + res->ntargets, more, n * sizeof *more);
	res->targets = all;
	res->ntargets += n;
	free(more);
	return true;
}

/* A name's addresses (A and AAAA only) from the DNS server the person
 * named: the same answers the discovery of the server got. */
static int
resolve_with_server(const struct sf_probe_options *o, const char *name, int64_t deadline,
	struct sf_addr_list *out, struct sf_error *err)
{
	int64_t left = deadline - sf_now_ms();
	struct sf_dns_options d = { o->dns_server, left > 100 ? (int)left : 100, o->cancel, true };
	struct sf_discovery *disc = calloc(1, sizeof *disc);
	size_t i;
	int rc = -1;

	memset(out, 0, sizeof *out);
	if (disc == NULL)
		return sf_error_set(err, SF_E_NOMEM, "out of memory");
	if (sf_discover(name, &d, disc, err) == 0) {
		for (i = 0; i < disc->ncandidates; i++) {
			if (strcasecmp(disc->candidates[i].host, name) == 0 &&
				disc->candidates[i].addrs.count > 0) {
				*out = disc->candidates[i].addrs;
				rc = 0;
				break;
			}
		}
		if (rc < 0)
			sf_error_set(err, SF_E_DNS, "%s has no address", name);
	}
	free(disc);
	return rc;
}

/* Resolve a name, answering from the host maps first. */
static int
resolve_name(const struct sf_probe_options *o, const char *name, int64_t deadline,
	struct sf_addr_list *out, struct sf_error *err)
{
	size_t i;

	for (i = 0; i < o->nhost_maps; i++)
		if (strcasecmp(o->host_maps[i].name, name) == 0)
			return sf_resolve(o->host_maps[i].address, deadline, out, err);
	if (o->dns_server != NULL)
		return resolve_with_server(o, name, deadline, out, err);
	return sf_resolve(name, deadline, out, err);
}

/* A name from a certificate may replace the typed one only if it is a
 * host name a mail program can use (no wildcard, no stray bytes) and it
 * leads to the server that was probed. */
static void
check_one_name(const struct sf_probe_options *o, struct sf_cert_name *c, const char *name,
	const struct sf_target_result *t)
{
	struct sf_addr_list addrs;
	struct sf_error err;
	int timeout = o->timeout_ms < 5000 ? o->timeout_ms : 5000;
	size_t i;

	snprintf(c->name, sizeof c->name, "%s", name);
	snprintf(c->probed, sizeof c->probed, "%s", t->address);
	if (strchr(name, '*') != NULL || !sf_host_valid(name)) {
		c->check = SF_CERT_NAME_NOT_HOST;
		return;
	}
	if (resolve_name(o, name, sf_now_ms() + timeout, &addrs, &err) < 0 || addrs.count == 0) {
		c->check = SF_CERT_NAME_NO_ADDRESS;
		return;
	}
	c->check = SF_CERT_NAME_ELSEWHERE;
	snprintf(c->found, sizeof c->found, "%s", addrs.addrs[0].text);
	for (i = 0; i < addrs.count; i++)
		if (strcmp(addrs.addrs[i].text, t->address) == 0)
			c->check = SF_CERT_NAME_LEADS_HERE;
}

static void
check_cert_names(const struct sf_probe_options *o, struct sf_probe_result *res)
{
	size_t i, j, k;

	res->ncert_names = 0;
	for (i = 0; i < res->ntargets; i++) {
		const struct sf_target_result *t = &res->targets[i];

		if (!t->tls.have_cert || t->tls.verdict != SF_CERT_NAME_MISMATCH)
			continue;
		for (j = 0; j < t->tls.nsan && res->ncert_names < SF_CERT_NAMES_MAX; j++) {
			struct sf_cert_name *c = &res->cert_names[res->ncert_names];

			for (k = 0; k < res->ncert_names; k++)
				if (strcasecmp(res->cert_names[k].name, t->tls.san[j]) == 0)
					break;
			if (k < res->ncert_names)
				continue;
			memset(c, 0, sizeof *c);
			c->source = (long)i;
			check_one_name(o, c, t->tls.san[j], t);
			res->ncert_names++;
		}
	}
}

static bool
cancelled(const struct sf_probe_options *o)
{
	return o->cancel != NULL && atomic_load(o->cancel);
}

/* The login test: one connection, on the recommended setting only, so a
 * wrong password is tried once, not on every port (servers lock accounts
 * and ban addresses after a few failures). */
static void
run_login(const struct sf_probe_options *o, struct sf_probe_result *res,
	const struct sf_addr_list *addrs)
{
	struct sf_runner *r;
	struct sf_target_spec spec;
	enum sf_security sec;
	int port;
	size_t i, j;

	res->login_index = -1;
	if (o->user == NULL || o->password == NULL || cancelled(o))
		return;
	if (!sf_probe_login_choice(res, &port, &sec)) {
		/* Nothing recommended: the first open port, with the security
		 * it showed (plain text only if the person allowed that). */
		/* Nothing recommended: an open port, submission ports first
		 * (port 25 is for servers), with the security it showed (plain
		 * text only if the person allowed that). */
		static const int order[] = { 587, 465, 2525, 26, 25 };
		size_t k, best = (size_t)-1, best_rank = (size_t)-1;

		port = o->nports ? o->ports[0] : SF_PROBE_DEFAULT_PORT;
		sec = port == 465 ? SF_SEC_TLS : SF_SEC_STARTTLS;
		for (i = 0; i < res->npolicies; i++) {
			const struct sf_port_policy *p = &res->policies[i];
			size_t rank = sizeof order / sizeof order[0];

			if (p->status != SF_PORT_OPEN || p->auth == SF_AUTHP_NOT_OFFERED)
				continue;
			for (k = 0; k < sizeof order / sizeof order[0]; k++)
				if (order[k] == p->port)
					rank = k;
			if (best == (size_t)-1 || rank < best_rank) {
				best = i;
				best_rank = rank;
			}
		}
		if (best != (size_t)-1) {
			const struct sf_port_policy *p = &res->policies[best];

			port = p->port;
			sec = p->implicit_tls ? SF_SEC_TLS
			      : p->starttls   ? SF_SEC_STARTTLS
					      : SF_SEC_NONE;
		}
	}
	memset(&spec, 0, sizeof spec);
	spec.addr = addrs->addrs[0];
	for (i = 0; i < res->npolicies; i++)
		if (res->policies[i].port == port && res->policies[i].address[0] != '\0')
			for (j = 0; j < addrs->count; j++)
				if (strcmp(addrs->addrs[j].text, res->policies[i].address) == 0)
					spec.addr = addrs->addrs[j];
	spec.port = port;
	spec.mode = o->mode != SF_MODE_AUTO  ? o->mode
		    : sec == SF_SEC_TLS      ? SF_MODE_TLS
		    : sec == SF_SEC_STARTTLS ? SF_MODE_STARTTLS
					     : SF_MODE_PLAIN;
	spec.purpose = SF_PURPOSE_LOGIN;
	spec.rcpt_test = true;
	spec.login = true;
	r = sf_runner_new(o, NULL, NULL);
	if (r == NULL)
		return;
	sf_runner_add(r, &spec);
	sf_runner_run(r);
	/* The index is set only once the result is really there. */
	if (take_into(r, res))
		res->login_index = (long)res->ntargets - 1;
	sf_runner_free(r);
	if (cancelled(o))
		res->cancelled = true;
}

static void
check_local(const struct sf_addr_list *addrs, struct sf_probe_result *res)
{
	size_t i;

	for (i = 0; i < addrs->count; i++)
		if (sf_addr_is_local(&addrs->addrs[i]))
			res->local_target = true;
	if (res->local_target)
		sf_local_addresses(&res->public_addrs, NULL);
}

int
sf_probe_run(const struct sf_probe_options *o, struct sf_probe_result *res, struct sf_error *err)
{
	static const int default_ports[] = SF_PROBE_DEFAULT_PORTS;
	struct sf_addr_list addrs;
	struct sf_runner *r;
	struct plan plan = { o, o->mode == SF_MODE_AUTO };
	const int *ports = o->nports ? o->ports : default_ports;
	size_t nports = o->nports ? o->nports : sizeof default_ports / sizeof default_ports[0];
	size_t i, j;

	memset(res, 0, sizeof *res);
	res->login_index = -1;
	if (sf_probe_options_check(o, err) < 0)
		return -1;
	if (o->ca_file != NULL && sf_tls_check_ca_file(o->ca_file, err) < 0)
		return -1;
	snprintf(res->host, sizeof res->host, "%s", o->host);
	/* A name lookup is shown only when there is one to make. */
	if (o->progress != NULL && (o->addrs == NULL || o->addrs->count == 0) &&
		!sf_host_is_literal(o->host)) {
		struct sf_progress ev = { 0, o->host, 0, SF_PURPOSE_MAIN, "resolving", 0.0, false,
			false };

		o->progress(o->progress_ctx, &ev);
	}
	if (o->addrs != NULL && o->addrs->count > 0)
		addrs = *o->addrs;
	else if (resolve_name(o, o->host, sf_now_ms() + o->timeout_ms, &addrs, &res->resolve_err) <
		 0)
		return 0;
	res->resolved = true;
	check_local(&addrs, res);
	r = sf_runner_new(o, plan_follow_ups, &plan);
	if (r == NULL)
		return sf_error_set(err, SF_E_NOMEM, "out of memory");
	for (j = 0; j < nports; j++) {
		for (i = 0; i < addrs.count; i++) {
			struct sf_target_spec spec;

			memset(&spec, 0, sizeof spec);
			spec.addr = addrs.addrs[i];
			spec.port = ports[j];
			spec.mode = o->mode;
			spec.purpose = SF_PURPOSE_MAIN;
			spec.rcpt_test = o->rcpt_test;
			sf_runner_add(r, &spec);
			/* What a program set to SSL/TLS meets on a port that is not
			 * 465, probed alongside the main probe: on a port that never
			 * greets (it may expect TLS first) waiting for the main probe
			 * first would cost a second timeout. */
			if (plan.follow_ups &&
				sf_probe_mode_for_port(o->mode, ports[j]) != SF_MODE_TLS) {
				spec.mode = SF_MODE_TLS;
				spec.purpose = SF_PURPOSE_TLS;
				sf_runner_add(r, &spec);
			}
		}
	}
	sf_runner_run(r);
	take_into(r, res);
	sf_runner_free(r);
	if (cancelled(o))
		res->cancelled = true;
	else
		check_cert_names(o, res);
	/* The matrix needs the follow-ups of auto mode; a fixed --mode asks
	 * about that one setting only. */
	if (plan.follow_ups)
		sf_probe_analyse(res, o->host, o->user);
	if (!res->cancelled) {
		run_login(o, res, &addrs);
		if (res->login_index >= 0 && plan.follow_ups)
			sf_probe_analyse(res, o->host, o->user);
	}
	return 0;
}

void
sf_probe_result_free(struct sf_probe_result *res)
{
	size_t i;

	for (i = 0; i < res->ntargets; i++) {
		sf_session_result_free(&res->targets[i].smtp);
		sf_transcript_free(&res->targets[i].transcript);
	}
	free(res->targets);
	memset(res, 0, sizeof *res);
}
