#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "smtpfix/probe.h"
#include "smtpfix/report.h"

static const char probe_usage[] =
	"usage: smtpfix probe HOST [--port N]... [--mode auto|plain|starttls|tls]\n"
	"                     [--timeout SECONDS] [--json] [--transcript] [--ca-file FILE]\n"
	"                     [--ehlo NAME] [--from ADDR] [--rcpt ADDR] [--no-rcpt-test]\n"
	"                     [--port-map PORT=REALPORT]...\n"
	"\n"
	"Connects to HOST on each port (default 587), reads what the server offers\n"
	"before and after TLS, checks its certificate, and tests whether it takes\n"
	"mail without a login. Never sends a message.\n"
	"\n"
	"  --port N          port to probe; repeat for several (default 587)\n"
	"  --mode M          auto (default: implicit TLS on 465, STARTTLS if offered\n"
	"                    elsewhere), plain, starttls or tls\n"
	"  --timeout S       seconds allowed for each network step (default 10)\n"
	"  --json            print one JSON document instead of the summary\n"
	"  --transcript      include every line sent and received\n"
	"  --ca-file FILE    trust the CA certificates in FILE instead of the system's\n"
	"  --ehlo NAME       name to give in EHLO (default smtpfix.invalid)\n"
	"  --from ADDR       sender for the test (default " SF_PROBE_DEFAULT_FROM ")\n"
	"  --rcpt ADDR       outside recipient for the test (default " SF_PROBE_DEFAULT_RCPT ")\n"
	"  --no-rcpt-test    skip the MAIL FROM / RCPT TO test\n"
	"  --port-map P=R    connect to port R but treat it as port P\n"
	"\n"
	"Exit status: 0 healthy, 1 problem found, 2 bad usage, 3 nothing could be probed.\n";

enum {
	OPT_PORT = 256, OPT_MODE, OPT_TIMEOUT, OPT_JSON, OPT_TRANSCRIPT, OPT_CA_FILE, OPT_EHLO,
	OPT_FROM, OPT_RCPT, OPT_NO_RCPT, OPT_PORT_MAP, OPT_HELP
};

static const struct option probe_options[] = {
	{ "port", required_argument, NULL, OPT_PORT },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "transcript", no_argument, NULL, OPT_TRANSCRIPT },
	{ "ca-file", required_argument, NULL, OPT_CA_FILE },
	{ "ehlo", required_argument, NULL, OPT_EHLO },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "rcpt", required_argument, NULL, OPT_RCPT },
	{ "no-rcpt-test", no_argument, NULL, OPT_NO_RCPT },
	{ "port-map", required_argument, NULL, OPT_PORT_MAP },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 }
};

struct probe_args {
	struct sf_probe_options opt;
	bool json, transcript, rcpt_given;
};

static int
parse_port_map(const char *s, struct sf_port_map *m)
{
	const char *eq = strchr(s, '=');
	char left[16];
	long p, r;

	if (eq == NULL || (size_t)(eq - s) >= sizeof left)
		return -1;
	memcpy(left, s, (size_t)(eq - s));
	left[eq - s] = '\0';
	if (sf_cli_parse_int(left, 1, 65535, &p) < 0 || sf_cli_parse_int(eq + 1, 1, 65535, &r) < 0)
		return -1;
	m->port = (int)p;
	m->real = (int)r;
	return 0;
}

/* Returns -1 after printing a usage error, 1 for --help, 0 to go on. */
static int
parse_args(int argc, char **argv, struct probe_args *a)
{
	int c;
	long v;
	double secs;

	sf_probe_options_init(&a->opt);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", probe_options, NULL)) != -1) {
		switch (c) {
		case OPT_PORT:
			if (sf_cli_parse_int(optarg, 1, 65535, &v) < 0) {
				sf_cli_usage_error("port '%s' is not a number from 1 to 65535", optarg);
				return -1;
			}
			if (a->opt.nports >= SF_PROBE_MAX_PORTS) {
				sf_cli_usage_error("at most %d ports", SF_PROBE_MAX_PORTS);
				return -1;
			}
			a->opt.ports[a->opt.nports++] = (int)v;
			break;
		case OPT_MODE:
			if (sf_probe_mode_parse(optarg, &a->opt.mode) < 0) {
				sf_cli_usage_error("mode '%s' is not one of auto, plain, starttls, tls", optarg);
				return -1;
			}
			break;
		case OPT_TIMEOUT:
			if (sf_cli_parse_seconds(optarg, 0.1, 300, &secs) < 0) {
				sf_cli_usage_error("timeout '%s' is not a number of seconds from 0.1 to 300",
					optarg);
				return -1;
			}
			a->opt.timeout_ms = (int)(secs * 1000.0 + 0.5);
			break;
		case OPT_JSON: a->json = true; break;
		case OPT_TRANSCRIPT: a->transcript = true; break;
		case OPT_CA_FILE: a->opt.ca_file = optarg; break;
		case OPT_EHLO: a->opt.ehlo_name = optarg; break;
		case OPT_FROM: a->opt.mail_from = optarg; break;
		case OPT_RCPT: a->opt.rcpt_to = optarg; a->rcpt_given = true; break;
		case OPT_NO_RCPT: a->opt.rcpt_test = false; break;
		case OPT_PORT_MAP:
			if (a->opt.nmaps >= SF_PROBE_MAX_MAPS ||
				parse_port_map(optarg, &a->opt.maps[a->opt.nmaps]) < 0) {
				sf_cli_usage_error("port map '%s' is not PORT=REALPORT (both 1-65535)", optarg);
				return -1;
			}
			a->opt.nmaps++;
			break;
		case OPT_HELP:
			fputs(probe_usage, stdout);
			return 1;
		default:
			sf_cli_usage_error("probe: unknown or incomplete option '%s' (see smtpfix probe --help)",
				argv[optind - 1]);
			return -1;
		}
	}
	if (optind != argc - 1) {
		sf_cli_usage_error(optind >= argc ? "probe: which server? (smtpfix probe HOST)"
						  : "probe: one HOST only, got '%s' too", argv[argc - 1]);
		return -1;
	}
	if (a->rcpt_given && !a->opt.rcpt_test) {
		sf_cli_usage_error("--rcpt and --no-rcpt-test cannot both apply");
		return -1;
	}
	a->opt.host = argv[optind];
	return 0;
}

static int
exit_status(const struct sf_probe_result *res)
{
	size_t i, reached = 0, healthy = 0;

	for (i = 0; i < res->ntargets; i++) {
		if (res->targets[i].connect_ok)
			reached++;
		if (sf_target_healthy(&res->targets[i], NULL, 0))
			healthy++;
	}
	if (!res->resolved || reached == 0)
		return SF_EXIT_NOTHING;
	return healthy == res->ntargets ? SF_EXIT_OK : SF_EXIT_PROBLEM;
}

int
sf_cli_probe(int argc, char **argv)
{
	struct probe_args a;
	struct sf_probe_result res;
	struct sf_error err;
	struct sf_buf out;
	int rc;

	memset(&a, 0, sizeof a);
	rc = parse_args(argc, argv, &a);
	if (rc != 0)
		return rc > 0 ? SF_EXIT_OK : SF_EXIT_USAGE;
	if (sf_probe_run(&a.opt, &res, &err) < 0) {
		sf_cli_usage_error("%s", err.message);
		return err.code == SF_E_USAGE ? SF_EXIT_USAGE : SF_EXIT_NOTHING;
	}
	sf_buf_init(&out, SF_REPORT_MAX);
	if (a.json)
		rc = sf_report_probe_json(&res, a.transcript, &out, &err);
	else
		rc = sf_report_probe_text(&res, a.transcript, &out, &err);
	if (rc < 0) {
		sf_cli_usage_error("cannot write the report: %s", err.message);
		rc = SF_EXIT_NOTHING;
	} else {
		fwrite(out.data, 1, out.len, stdout);
		fflush(stdout);
		rc = exit_status(&res);
	}
	sf_buf_free(&out);
	sf_probe_result_free(&res);
	return rc;
}
