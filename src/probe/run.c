#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "smtpfix/clock.h"
#include "smtpfix/probe.h"
#include "smtpfix/tls.h"

int
sf_probe_run(const struct sf_probe_options *o, struct sf_probe_result *res, struct sf_error *err)
{
	struct sf_addr_list addrs;
	size_t i, j, nports = o->nports ? o->nports : 1;
	int default_port = SF_PROBE_DEFAULT_PORT;
	const int *ports = o->nports ? o->ports : &default_port;

	memset(res, 0, sizeof *res);
	if (sf_probe_options_check(o, err) < 0)
		return -1;
	if (o->ca_file != NULL && sf_tls_check_ca_file(o->ca_file, err) < 0)
		return -1;
	snprintf(res->host, sizeof res->host, "%s", o->host);
	if (sf_resolve(o->host, sf_now_ms() + o->timeout_ms, &addrs, &res->resolve_err) < 0)
		return 0;
	res->resolved = true;
	res->targets = calloc(addrs.count * nports, sizeof *res->targets);
	if (res->targets == NULL)
		return sf_error_set(err, SF_E_NOMEM, "out of memory");
	for (j = 0; j < nports; j++)
		for (i = 0; i < addrs.count; i++)
			sf_probe_target(o, &addrs.addrs[i], ports[j], &res->targets[res->ntargets++]);
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
