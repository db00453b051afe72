#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "smtpfix/dns.h"
#include "smtpfix/report.h"

static const char discover_usage[] =
	"usage: smtpfix discover EMAIL|DOMAIN|HOST [--dns-server ADDR[:PORT]] [--timeout S] "
	"[--json]\n"
	"\n"
	"Finds the outgoing mail servers for an address or a domain: the submission\n"
	"SRV records, the usual mail. and smtp. names, the MX hosts and the name\n"
	"itself, with every address, and says what each DNS lookup found.\n"
	"\n"
	"Exit status: 0 a candidate with an address was found, 1 none was, 2 bad usage.\n";

int
sf_cli_discover(int argc, char **argv)
{
	static const struct option opts[] = { { "dns-server", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' }, { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	static struct sf_discovery d;
	struct sf_dns_options o = { NULL, 5000, NULL, false };
	struct sf_error err;
	struct sf_buf out;
	bool json = false;
	double secs;
	int c, rc;
	size_t i;

	optind = 1;
	opterr = 0;
	while ((c = sf_cli_getopt(argc, argv, opts, NULL)) != -1) {
		switch (c) {
		case SF_CLI_BAD_VALUE: return SF_EXIT_USAGE;
		case 's':
			if (!sf_cli_dns_server_ok(optarg))
				return SF_EXIT_USAGE;
			o.server = optarg;
			break;
		case 't':
			if (sf_cli_parse_seconds(optarg, 0.1, 300, &secs) < 0) {
				sf_cli_usage_error(
					"timeout '%s' is not a number of seconds from 0.1 to 300",
					optarg);
				return SF_EXIT_USAGE;
			}
			o.timeout_ms = (int)(secs * 1000.0 + 0.5);
			break;
		case 'j': json = true; break;
		case 'h': fputs(discover_usage, stdout); return SF_EXIT_OK;
		default:
			sf_cli_usage_error(
				"discover: unknown or incomplete option '%s'", argv[optind - 1]);
			return SF_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		sf_cli_usage_error("discover: give one email address, domain or host name");
		return SF_EXIT_USAGE;
	}
	if (sf_discover(argv[optind], &o, &d, &err) < 0) {
		sf_cli_usage_error("%s", err.message);
		return SF_EXIT_USAGE;
	}
	sf_buf_init(&out, SF_REPORT_MAX);
	if (json) {
		struct sf_json j;

		sf_json_init(&j, &out, 2);
		sf_report_discovery_json(&j, &d);
		rc = sf_json_finish(&j, &err);
		if (rc == 0)
			rc = sf_buf_addstr(&out, "\n", &err);
	} else {
		if (d.domain_typed[0] != '\0')
			sf_cli_print_idn(stdout, d.domain_typed, d.domain);
		rc = sf_report_discovery_text(&d, &out, &err);
	}
	if (rc == 0)
		fwrite(out.data, 1, out.len, stdout);
	sf_buf_free(&out);
	for (i = 0; i < d.ncandidates; i++)
		if (d.candidates[i].addrs.count > 0)
			return SF_EXIT_OK;
	return SF_EXIT_PROBLEM;
}
