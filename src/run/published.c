/* What the domain publishes to mail programs, fetched with the probe's
 * own options (DNS server, CA file, port map, names given without DNS)
 * and each published server probed on its published ports where the
 * run's probe has not already looked. The diagnosis then holds every
 * published setting against what these probes found. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smtpfix/run.h"

/* The run's probe speaks for a published server when it is the same
 * host on that port, and, with a password given, it logged in with the
 * same user name the published file gives. */
static bool
covered(const struct sf_probe_result *p, const struct sf_probe_options *po,
	const struct sf_ac_server *s)
{
	const char *host = s->host;
	int port = s->port;

	if (p == NULL || strcasecmp(p->host, host) != 0)
		return false;
	if (po->password != NULL && s->username[0] != '\0' &&
		(po->user == NULL || strcasecmp(po->user, s->username) != 0))
		return false;
	for (size_t i = 0; i < p->ncells; i++)
		if (p->cells[i].port == port)
			return true;
	return false;
}

static void
add_port(struct sf_probe_options *o, int port)
{
	for (size_t i = 0; i < o->nports; i++)
		if (o->ports[i] == port)
			return;
	if (o->nports < SF_PROBE_MAX_PORTS)
		o->ports[o->nports++] = port;
}

static void
probe_published(struct sf_run *r, const struct sf_probe_options *po)
{
	const struct sf_published *pub = r->published;
	char hosts[SF_RUN_PUB_PROBES][SF_HOST_MAX + 1];
	char users[SF_RUN_PUB_PROBES][SF_AC_USER_MAX + 1];
	struct sf_probe_options o[SF_RUN_PUB_PROBES];
	size_t nhosts = 0, i, h;

	for (i = 0; i < pub->nservers; i++) {
		const struct sf_ac_server *s = &pub->servers[i];

		const char *user = po->password != NULL ? s->username : "";

		if (!s->host_valid || s->port == 0 || covered(r->have_res ? &r->res : NULL, po, s))
			continue;
		for (h = 0; h < nhosts &&
			    (strcasecmp(hosts[h], s->host) != 0 || strcasecmp(users[h], user) != 0);
			h++)
			;
		if (h == nhosts) {
			if (nhosts == SF_RUN_PUB_PROBES)
				continue;
			snprintf(hosts[h], sizeof hosts[h], "%s", s->host);
			snprintf(users[h], sizeof users[h], "%s", user);
			o[h] = *po;
			o[h].host = hosts[h];
			o[h].addrs = NULL;
			o[h].nports = 0;
			/* Only what a program set up from the file would do: log
			 * in as the file says (when a password was given), never
			 * send. */
			o[h].user = users[h][0] != '\0' ? users[h] : NULL;
			o[h].password = users[h][0] != '\0' ? po->password : NULL;
			o[h].login_from = NULL;
			o[h].login_rcpt = NULL;
			o[h].send_test = false;
			o[h].progress = NULL;
			nhosts++;
		}
		add_port(&o[h], s->port);
	}
	for (h = 0; h < nhosts; h++) {
		struct sf_probe_result *res = calloc(1, sizeof *res);
		struct sf_error err;

		if (res == NULL)
			break;
		res->login_index = -1;
		if (sf_probe_run(&o[h], res, &err) < 0) {
			memset(res, 0, sizeof *res);
			res->login_index = -1;
			memcpy(res->host, hosts[h], sizeof res->host);
			res->resolve_err = err;
		}
		r->pub_probes[r->npub_probes++] = res;
	}
}

int
sf_run_check_published(struct sf_run *r, const char *typed, const struct sf_probe_options *po,
	bool no_ispdb, struct sf_error *err)
{
	struct sf_ac_options ac;
	const char *names[SF_PROBE_MAX_MAPS], *addrs[SF_PROBE_MAX_MAPS];
	size_t i;

	sf_run_free_published(r);
	memset(&ac, 0, sizeof ac);
	ac.dns_server = po->dns_server;
	ac.ca_file = po->ca_file;
	ac.timeout_ms = po->timeout_ms;
	ac.cancel = po->cancel;
	ac.no_ispdb = no_ispdb;
	for (i = 0; i < po->nmaps && i < SF_AC_MAX_MAPS; i++) {
		ac.maps[i].port = po->maps[i].port;
		ac.maps[i].real = po->maps[i].real;
	}
	ac.nmaps = i;
	for (i = 0; i < po->nhost_maps; i++) {
		names[i] = po->host_maps[i].name;
		addrs[i] = po->host_maps[i].address;
	}
	ac.resolve_names = names;
	ac.resolve_addrs = addrs;
	ac.nresolve = po->nhost_maps;
	r->published = calloc(1, sizeof *r->published);
	if (r->published == NULL)
		return sf_error_set(err, SF_E_NOMEM, "out of memory");
	if (sf_published_fetch(typed, &ac, r->published, err) < 0) {
		free(r->published);
		r->published = NULL;
		return -1;
	}
	probe_published(r, po);
	return 0;
}

void
sf_run_free_published(struct sf_run *r)
{
	for (size_t i = 0; i < r->npub_probes; i++) {
		sf_probe_result_free(r->pub_probes[i]);
		free(r->pub_probes[i]);
	}
	r->npub_probes = 0;
	free(r->published);
	r->published = NULL;
}
