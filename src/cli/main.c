#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "smtpfix/tls.h"

static const char main_usage[] =
	"usage: smtpfix [--plain] [--demo] [--client ID] [--email ADDR | --host H]\n"
	"               [--role user|admin|tech] [--port-map P=REAL]...\n"
	"               [--report-dir DIR] [--save] [--ca-file FILE] [--timeout S]\n"
	"               [--scenario NAME (with --demo)]\n"
	"               [--root DIR (a copy of a mail server's files)]\n"
	"               [--dns-server ADDR[:PORT]] [--now PORT:none|starttls|tls]\n"
	"               [--resolve NAME:ADDR]... [--log FILE]... [--watch-for S]\n"
	"       smtpfix [--help | --version]\n"
	"       smtpfix probe HOST|EMAIL [--port N]... [--json] ... (see probe --help)\n"
	"       smtpfix discover EMAIL|DOMAIN|HOST [--json]\n"
	"       smtpfix code REF [--json]\n"
	"       smtpfix watch [--ip ADDR]... [--user EMAIL]... [--since D] [--for D] [--json]\n"
	"       smtpfix bans [--ip ADDR] [--user EMAIL] [--json] [--unban]\n"
	"       smtpfix autoconfig EMAIL|DOMAIN [--json] ... (see autoconfig --help)\n"
	"       smtpfix setup-file --format F --email ADDR [--output FILE] ...\n"
	"\n"
	"smtpfix finds out why a mail program cannot send through an SMTP server.\n"
	"With no command it asks a few questions, tests the server, and ends with the\n"
	"steps to fix your mail program. --demo tries it on a practice server.\n"
	"\n"
	"  probe HOST    test a mail server: every submission port at once, TLS,\n"
	"                certificate, login, and what each mail-program setting meets\n"
	"  probe EMAIL   find the outgoing server for an address first, then probe it\n"
	"  discover NAME find the outgoing servers for an address or domain (DNS)\n"
	"  policy        read this mail server's own settings and mail log\n"
	"  explain TEXT  recognize an error message and say what causes it\n"
	"  guide         step-by-step fix for one mail program (--client ID)\n"
	"  lab           run a practice SMTP server in a named situation\n"
	"  code REF      expand a reference code read out over the phone\n"
	"  watch         follow this mail server's logs: each attempt to send, live\n"
	"  bans          is an address blocked (cPHulk, CSF, fail2ban, firewall), and\n"
	"                which device keeps trying an old password\n"
	"  autoconfig    what the domain tells mail programs to use (autoconfig,\n"
	"                Autodiscover, SRV), checked against what works\n"
	"  setup-file    write a setup file with the verified setting: an Apple\n"
	"                profile, autoconfig, Autodiscover, msmtp, or a message\n"
	"\n"
	"See 'smtpfix probe --help' and the smtpfix(1) manual page.\n";

int
main(int argc, char **argv)
{
	/* A peer that closes early must not kill the process. */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2 || (argv[1][0] == '-' && strcmp(argv[1], "--help") != 0 &&
				strcmp(argv[1], "-h") != 0 && strcmp(argv[1], "--version") != 0))
		return sf_cli_wizard(argc, argv);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(main_usage, stdout);
		return SF_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("smtpfix %s (%s)\n", SMTPFIX_VERSION, sf_tls_library_version());
		return SF_EXIT_OK;
	}
	if (strcmp(argv[1], "probe") == 0)
		return sf_cli_probe(argc - 1, argv + 1);
	if (strcmp(argv[1], "discover") == 0)
		return sf_cli_discover(argc - 1, argv + 1);
	if (strcmp(argv[1], "policy") == 0)
		return sf_cli_policy(argc - 1, argv + 1);
	if (strcmp(argv[1], "explain") == 0)
		return sf_cli_explain(argc - 1, argv + 1);
	if (strcmp(argv[1], "guide") == 0)
		return sf_cli_guide(argc - 1, argv + 1);
	if (strcmp(argv[1], "lab") == 0)
		return sf_cli_lab(argc - 1, argv + 1);
	if (strcmp(argv[1], "code") == 0)
		return sf_cli_code(argc - 1, argv + 1);
	if (strcmp(argv[1], "watch") == 0)
		return sf_cli_watch(argc - 1, argv + 1);
	if (strcmp(argv[1], "bans") == 0)
		return sf_cli_bans(argc - 1, argv + 1);
	if (strcmp(argv[1], "autoconfig") == 0)
		return sf_cli_autoconfig(argc - 1, argv + 1);
	if (strcmp(argv[1], "setup-file") == 0)
		return sf_cli_setup_file(argc - 1, argv + 1);
	sf_cli_usage_error("unknown command '%s' (see smtpfix --help)", argv[1]);
	return SF_EXIT_USAGE;
}
