#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "smtpfix/lab.h"

/* Set from a signal handler: a lock-free atomic may be (C11 7.14.1.1). */
static atomic_bool lab_stop;

static void
on_signal(int sig)
{
	(void)sig;
	atomic_store(&lab_stop, true);
}

static void
usage(void)
{
	size_t i;

	printf("usage: smtpfix lab [--scenario NAME] [--listen ADDR:PORT]\n\n"
	       "Runs a practice SMTP server on loopback that behaves like a real server in a\n"
	       "named situation, until Ctrl-C. With --listen ADDR:PORT it serves ports 25,\n"
	       "465 and 587 at PORT, PORT+1 and PORT+2; with port 0 (the default) on free\n"
	       "ports. It prints the ports, its CA file and the demo account.\n\nScenarios:\n");
	for (i = 0; sf_lab_scenarios[i].name != NULL; i++)
		printf("  %-20s %s\n", sf_lab_scenarios[i].name, sf_lab_scenarios[i].what);
}

/* Each message taken, one line, so a person or a test sees it arrive. */
static void
print_message(void *ctx, const struct sf_lab_message *m)
{
	(void)ctx;
	printf("message taken: port %d, %s, login ", m->port, m->tls ? "TLS" : "no TLS");
	sf_cli_print_safe(stdout, m->user[0] != '\0' ? m->user : "(none)");
	fputs(", from ", stdout);
	sf_cli_print_safe(stdout, m->from);
	printf(", %zu recipient%s, %zu bytes\n", m->nrcpt, m->nrcpt == 1 ? "" : "s", m->bytes);
	fflush(stdout);
}

int
sf_cli_lab(int argc, char **argv)
{
	static const struct option opts[] = { { "scenario", required_argument, NULL, 's' },
		{ "listen", required_argument, NULL, 'l' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 } };
	struct sf_lab_options o = { NULL, "127.0.0.1", 0, print_message, NULL };
	static char addr[64];
	struct sf_lab *lab;
	struct sf_error err;
	struct sigaction sa;
	long port;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = sf_cli_getopt(argc, argv, opts, NULL)) != -1) {
		switch (c) {
		case SF_CLI_BAD_VALUE: return SF_EXIT_USAGE;
		case 's': o.scenario = optarg; break;
		case 'l': {
			const char *colon = strrchr(optarg, ':');

			if (colon == NULL || (size_t)(colon - optarg) >= sizeof addr ||
				sf_cli_parse_int(colon + 1, 0, 65533, &port) < 0) {
				sf_cli_usage_error(
					"--listen takes ADDR:PORT, such as 127.0.0.1:2525");
				return SF_EXIT_USAGE;
			}
			memcpy(addr, optarg, (size_t)(colon - optarg));
			addr[colon - optarg] = '\0';
			o.listen_addr = addr;
			o.base_port = (int)port;
			break;
		}
		case 'h': usage(); return SF_EXIT_OK;
		default:
			sf_cli_usage_error(
				"lab: unknown or incomplete option '%s'", argv[optind - 1]);
			return SF_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		sf_cli_usage_error("lab takes no arguments, only options (see smtpfix lab --help)");
		return SF_EXIT_USAGE;
	}
	if (sf_lab_start(&o, &lab, &err) < 0) {
		sf_cli_usage_error("%s", err.message);
		return err.code == SF_E_USAGE ? SF_EXIT_USAGE : SF_EXIT_NOTHING;
	}
	printf("smtpfix practice server, scenario %s\n"
	       "  port 25  -> %s:%d\n  port 465 -> %s:%d\n  port 587 -> %s:%d\n"
	       "  CA file: %s\n  demo account: %s, password %s\n"
	       "Try: smtpfix probe %s --ca-file %s --port-map 25=%d --port-map 465=%d --port-map "
	       "587=%d\n"
	       "Ctrl-C stops it.\n",
		sf_lab_scenario_name(lab), o.listen_addr, sf_lab_port(lab, 25), o.listen_addr,
		sf_lab_port(lab, 465), o.listen_addr, sf_lab_port(lab, 587), sf_lab_ca_file(lab),
		SF_LAB_USER, SF_LAB_PASSWORD, o.listen_addr, sf_lab_ca_file(lab),
		sf_lab_port(lab, 25), sf_lab_port(lab, 465), sf_lab_port(lab, 587));
	fflush(stdout);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sf_lab_run(lab, &lab_stop);
	sf_lab_free(lab);
	return SF_EXIT_OK;
}
