#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "smtpfix/report.h"

static const char policy_usage[] =
	"usage: smtpfix policy [--root DIR] [--since DURATION] [--log FILE]... [--json]\n"
	"                      [--exim BIN] [--postconf BIN]\n"
	"\n"
	"Reads this mail server's own settings (cPanel, Exim, Postfix, Dovecot) and its\n"
	"mail log, read-only, and says what they mean for mail programs. Run as root to\n"
	"see everything; as another user it reads what it can and lists the rest.\n"
	"\n"
	"  --root DIR        read a copy of a server's files under DIR; runs no command;\n"
	"                    links are followed inside DIR only; FIFOs, devices skipped\n"
	"  --since D         the log period: 7d (default), 12h, 2w, 30m\n"
	"  --log FILE        scan this log file instead of the usual ones (repeatable)\n"
	"  --json            print one JSON document\n"
	"  --exim BIN        ask this Exim binary for the effective settings (exim -bP);\n"
	"                    with --root it reads ROOT's configuration (-C)\n"
	"  --postconf BIN    ask this postconf for Postfix's effective settings\n";

int
sf_cli_policy(int argc, char **argv)
{
	static const struct option opts[] = { { "root", required_argument, NULL, 'r' },
		{ "since", required_argument, NULL, 's' }, { "log", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' }, { "exim", required_argument, NULL, 'e' },
		{ "postconf", required_argument, NULL, 'p' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 } };
	static struct sf_policy pol;
	static char paths[SF_LOG_MAX_FILES][SF_MTA_PATH_MAX];
	struct sf_policy_options o = { NULL, true, NULL, NULL };
	struct sf_log_scan scan;
	struct sf_error err;
	struct sf_buf out;
	const char *logs[SF_LOG_MAX_FILES];
	size_t nlogs = 0, n, i;
	long since = 7 * 86400;
	bool json = false;
	time_t now = time(NULL);
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': o.root = optarg; break;
		case 's':
			if (sf_parse_duration(optarg, &since) < 0) {
				sf_cli_usage_error(
					"--since '%s' is not a period such as 7d, 12h or 2w",
					optarg);
				return SF_EXIT_USAGE;
			}
			break;
		case 'l':
			if (nlogs >= SF_LOG_MAX_FILES) {
				sf_cli_usage_error("at most %d log files", SF_LOG_MAX_FILES);
				return SF_EXIT_USAGE;
			}
			logs[nlogs++] = optarg;
			break;
		case 'j': json = true; break;
		case 'e': o.exim_bin = optarg; break;
		case 'p': o.postconf_bin = optarg; break;
		case 'h': fputs(policy_usage, stdout); return SF_EXIT_OK;
		default:
			sf_cli_usage_error(
				"policy: unknown or incomplete option '%s'", argv[optind - 1]);
			return SF_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		sf_cli_usage_error(
			"policy takes no arguments, only options (see smtpfix policy --help)");
		return SF_EXIT_USAGE;
	}
	/* A copy of someone's server: read it, run nothing of theirs. */
	if (o.root != NULL && strcmp(o.root, "/") != 0)
		o.run_commands = false;
	if (sf_policy_read(&o, &pol, &err) < 0) {
		sf_cli_usage_error("%s", err.message);
		return SF_EXIT_USAGE;
	}
	sf_log_scan_init(&scan, now - since, now);
	if (nlogs == 0) {
		/* Found inside the root (no link out of a copy is followed). */
		n = sf_policy_log_paths(&pol, o.root, now - since, paths, SF_LOG_MAX_FILES);
		for (i = 0; i < n; i++)
			logs[nlogs++] = paths[i];
	}
	for (i = 0; i < nlogs; i++)
		sf_policy_scan_log(&pol, &scan, logs[i]);
	sf_buf_init(&out, SF_REPORT_MAX);
	rc = json ? sf_report_policy_json(&pol, &scan, &out, &err)
		  : sf_report_policy_text(&pol, &scan, &out, &err);
	if (rc == 0)
		fwrite(out.data, 1, out.len, stdout);
	else
		sf_cli_usage_error("cannot write the report: %s", err.message);
	sf_buf_free(&out);
	sf_log_scan_free(&scan);
	return rc == 0 ? SF_EXIT_OK : SF_EXIT_NOTHING;
}
