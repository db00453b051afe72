#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "smtpfix/dns.h"
#include "smtpfix/guide.h"
#include "smtpfix/help.h"
#include "smtpfix/probe.h"
#include "smtpfix/report.h"
#include "smtpfix/run.h"

static const char probe_usage[] =
	"usage: smtpfix probe HOST [--port N]... [--mode auto|plain|starttls|tls]\n"
	"                     [--timeout SECONDS] [--json] [--transcript] [--ca-file FILE]\n"
	"                     [--ehlo NAME] [--from ADDR] [--rcpt ADDR] [--no-rcpt-test]\n"
	"                     [--port-map PORT=REALPORT]... [--user USER --password-stdin]\n"
	"                     [--allow-plaintext-auth] [--send-test] [--details] [--progress]\n"
	"\n"
	"HOST may be an email address: its outgoing server is found through DNS\n"
	"first (see smtpfix discover), and with --password-stdin it is the user name.\n"
	"\n"
	"Connects to HOST on each port (default 25, 26, 465, 587 and 2525, all at\n"
	"once), reads what the server offers before and after TLS, checks its\n"
	"certificate, and tests whether it takes mail without a login. In auto mode\n"
	"it also shows what a mail program set to each security setting will meet,\n"
	"and recommends one. Never sends a message unless --send-test is given.\n"
	"\n"
	"  --port N          port to probe; repeat for several\n"
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
	"  --resolve N:A     take address A for the name N instead of asking DNS\n"
	"                    (HOST, and names on the server's certificate)\n"
	"  --user USER       log in as USER (once, on the recommended setting)\n"
	"  --password-stdin  read the password from standard input (no echo on a terminal)\n"
	"  --allow-plaintext-auth  allow the login without TLS (the password can be read\n"
	"                    by anyone on the way)\n"
	"  --send-test       after logging in, send one short test message to USER\n"
	"  --details         show every connection, not just the summary\n"
	"  --progress        report each step on standard error as it happens\n"
	"  --client ID       end with the fix steps for this mail program (see\n"
	"                    smtpfix guide --list), filled with the recommended setting\n"
	"  --dns-server A    ask this DNS server (ADDR or ADDR:PORT) when HOST is an email\n"
	"                    address\n"
	"  --no-autoconfig   for an email address, do not check what its domain publishes\n"
	"                    to mail programs (see smtpfix autoconfig)\n"
	"  --no-ispdb        do not ask Thunderbird's database for the domain\n"
	"\n"
	"Exit status: 0 healthy, 1 problem found, 2 bad usage, 3 nothing could be probed,\n"
	"130 cancelled (Ctrl-C).\n";

enum {
	OPT_MODE = 256,
	OPT_JSON,
	OPT_TRANSCRIPT,
	OPT_EHLO,
	OPT_FROM,
	OPT_RCPT,
	OPT_NO_RCPT,
	OPT_HELP,
	OPT_USER,
	OPT_PASSWORD_STDIN,
	OPT_PLAINTEXT_AUTH,
	OPT_SEND_TEST,
	OPT_DETAILS,
	OPT_PROGRESS,
	OPT_CLIENT,
	OPT_NO_AUTOCONFIG,
	OPT_NO_ISPDB
};

static const struct option probe_options[] = { SF_CLI_NET_OPTIONS,
	{ "port", required_argument, NULL, SF_CLI_OPT_PORT },
	{ "mode", required_argument, NULL, OPT_MODE }, { "json", no_argument, NULL, OPT_JSON },
	{ "transcript", no_argument, NULL, OPT_TRANSCRIPT },
	{ "ehlo", required_argument, NULL, OPT_EHLO },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "rcpt", required_argument, NULL, OPT_RCPT },
	{ "no-rcpt-test", no_argument, NULL, OPT_NO_RCPT }, { "help", no_argument, NULL, OPT_HELP },
	{ "user", required_argument, NULL, OPT_USER },
	{ "password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN },
	{ "allow-plaintext-auth", no_argument, NULL, OPT_PLAINTEXT_AUTH },
	{ "send-test", no_argument, NULL, OPT_SEND_TEST },
	{ "details", no_argument, NULL, OPT_DETAILS },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "client", required_argument, NULL, OPT_CLIENT },
	{ "no-autoconfig", no_argument, NULL, OPT_NO_AUTOCONFIG },
	{ "no-ispdb", no_argument, NULL, OPT_NO_ISPDB }, { NULL, 0, NULL, 0 } };

struct probe_args {
	struct sf_probe_options opt;
	bool json, transcript, rcpt_given, password_stdin, details, progress;
	bool no_autoconfig, no_ispdb;
	const char *client;               /* print this program's fix steps at the end */
	const char *email;                /* HOST was an email address: discover first */
	const char *typed;                /* HOST as typed, when it was an international name */
	char host_ascii[SF_HOST_MAX + 1]; /* its A-label form, probed instead */
};

/* Returns -1 after printing a usage error, 1 for --help, 0 to go on. */
static int
parse_args(int argc, char **argv, struct probe_args *a)
{
	int c;

	sf_probe_options_init(&a->opt);
	optind = 1;
	opterr = 0;
	/* --from "" is the null sender, a test of its own. */
	while ((c = sf_cli_getopt(argc, argv, probe_options, "from")) != -1) {
		int net = sf_cli_net_option(c, optarg, &a->opt);

		if (net < 0)
			return -1;
		if (net > 0)
			continue;
		switch (c) {
		case SF_CLI_BAD_VALUE: return -1;
		case OPT_MODE:
			if (sf_probe_mode_parse(optarg, &a->opt.mode) < 0) {
				sf_cli_usage_error(
					"mode '%s' is not one of auto, plain, starttls, tls",
					optarg);
				return -1;
			}
			break;
		case OPT_JSON: a->json = true; break;
		case OPT_TRANSCRIPT: a->transcript = true; break;
		case OPT_EHLO: a->opt.ehlo_name = optarg; break;
		case OPT_FROM: a->opt.mail_from = optarg; break;
		case OPT_RCPT:
			a->opt.rcpt_to = optarg;
			a->rcpt_given = true;
			break;
		case OPT_NO_RCPT: a->opt.rcpt_test = false; break;
		case OPT_HELP: fputs(probe_usage, stdout); return 1;
		case OPT_USER: a->opt.user = optarg; break;
		case OPT_PASSWORD_STDIN: a->password_stdin = true; break;
		case OPT_PLAINTEXT_AUTH: a->opt.allow_plaintext_auth = true; break;
		case OPT_SEND_TEST: a->opt.send_test = true; break;
		case OPT_DETAILS: a->details = true; break;
		case OPT_PROGRESS: a->progress = true; break;
		case OPT_CLIENT: a->client = optarg; break;
		case OPT_NO_AUTOCONFIG: a->no_autoconfig = true; break;
		case OPT_NO_ISPDB: a->no_ispdb = true; break;
		default:
			sf_cli_usage_error("probe: unknown or incomplete option '%s' (see smtpfix "
					   "probe --help)",
				argv[optind - 1]);
			return -1;
		}
	}
	if (optind != argc - 1) {
		sf_cli_usage_error(optind >= argc ? "probe: which server? (smtpfix probe HOST)"
						  : "probe: one HOST only, got '%s' too",
			argv[argc - 1]);
		return -1;
	}
	a->opt.host = argv[optind];
	if (strchr(a->opt.host, '@') != NULL) {
		/* An email address: find its outgoing server first, and log in
		 * as that address unless told otherwise. */
		a->email = a->opt.host;
		if (a->password_stdin && a->opt.user == NULL)
			a->opt.user = a->email;
	} else {
		struct sf_error idn;
		int rc = sf_host_to_ascii(a->opt.host, a->host_ascii, sizeof a->host_ascii, &idn);

		/* A name typed in Unicode is probed by the name DNS holds. */
		if (rc < 0) {
			sf_cli_usage_error("'%s' is not a valid host name or address: %s",
				a->opt.host, idn.message);
			return -1;
		}
		if (rc == 1) {
			a->typed = a->opt.host;
			a->opt.host = a->host_ascii;
		}
	}
	if (a->rcpt_given && !a->opt.rcpt_test) {
		sf_cli_usage_error("--rcpt and --no-rcpt-test cannot both apply");
		return -1;
	}
	if ((a->opt.user != NULL) != a->password_stdin) {
		sf_cli_usage_error(a->opt.user
					   ? "--user needs --password-stdin (the password is never "
					     "taken from the command line)"
					   : "--password-stdin needs --user");
		return -1;
	}
	if ((a->opt.send_test || a->opt.allow_plaintext_auth) && a->opt.user == NULL) {
		sf_cli_usage_error("%s needs --user and --password-stdin",
			a->opt.send_test ? "--send-test" : "--allow-plaintext-auth");
		return -1;
	}
	if (a->opt.user != NULL && (a->opt.user[0] == '\0' || strlen(a->opt.user) > 254 ||
					   strpbrk(a->opt.user, " \t\r\n<>") != NULL ||
					   !sf_cli_text_clean(a->opt.user))) {
		sf_cli_usage_error(
			"the user name is empty, too long, or holds spaces, brackets or control "
			"characters");
		return -1;
	}
	if (a->client != NULL && !sf_cli_client_known(a->client))
		return -1;
	if (a->opt.send_test && strchr(a->opt.user, '@') == NULL) {
		sf_cli_usage_error("--send-test sends to USER, which must be an email address");
		return -1;
	}
	return 0;
}

static int
exit_status(const struct sf_probe_result *res, const struct sf_diagnosis *diag)
{
	if (!res->resolved || !sf_probe_reached(res))
		return SF_EXIT_NOTHING;
	return sf_diag_healthy(diag, res, NULL, 0) ? SF_EXIT_OK : SF_EXIT_PROBLEM;
}

/* The chosen program's steps, filled with the setting to use (the run's
 * rule for guide values); none when no setting works yet. */
static int
append_guide(
	const struct probe_args *a, struct sf_run *run, struct sf_buf *out, struct sf_error *err)
{
	if (!sf_diag_settings(&run->diag, &run->res)->found)
		return sf_buf_addstr(out,
			"\nNo setting works as it is, so there are no steps to "
			"give yet; see the diagnosis above.\n",
			err);
	if (sf_run_guide(run, a->client, NULL, NULL, err) < 0 || sf_buf_addstr(out, "\n", err) < 0)
		return -1;
	return sf_buf_add(out, run->guide.text.data, run->guide.text.len, err);
}

/* The password, from standard input; without echo when that is a
 * terminal. It goes into one locked buffer and nowhere else. */
static int
read_password(const char *user, struct sf_secret *pw, struct sf_error *err)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	int rc;

	if (tty) {
		fprintf(stderr, "Password for %s: ", user);
		fflush(stderr);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	rc = sf_secret_read_line(pw, stdin, err);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputs("\n", stderr);
	}
	return rc;
}

/* An address whose discovery found no server with an address: what was
 * looked up, and nothing probed. */
static int
no_server_found(const struct probe_args *a, const struct sf_discovery *d)
{
	struct sf_buf out;
	struct sf_error err;

	sf_buf_init(&out, SF_REPORT_MAX);
	if (a->json) {
		struct sf_json j;

		sf_json_init(&j, &out, 2);
		sf_json_object_begin(&j);
		sf_json_key(&j, "discovery");
		sf_report_discovery_json(&j, d);
		sf_json_key(&j, "targets");
		sf_json_array_begin(&j);
		sf_json_array_end(&j);
		sf_json_object_end(&j);
		if (sf_json_finish(&j, &err) == 0)
			printf("%s\n", out.data);
	} else {
		if (sf_report_discovery_text(d, &out, &err) == 0)
			fwrite(out.data, 1, out.len, stdout);
		fputs("\nNo outgoing server with an address was found for ", stdout);
		sf_cli_print_safe(stdout, a->email);
		fputs(".\n", stdout);
	}
	sf_buf_free(&out);
	return SF_EXIT_NOTHING;
}

static void
print_progress(void *ctx, const struct sf_progress *ev)
{
	(void)ctx;
	fprintf(stderr, "  %7.1f ms  %s port %d (%s): %s%s\n", ev->elapsed_ms, ev->address,
		ev->port, sf_purpose_id(ev->purpose), ev->step,
		ev->done ? (ev->ok ? ", ok" : ", failed") : "");
}

int
sf_cli_probe(int argc, char **argv)
{
	struct probe_args a;
	struct sf_error err;
	struct sf_secret password = { NULL, 0 };
	struct sigaction old_int;
	atomic_bool *cancel_requested;
	struct sf_buf out;
	static struct sf_run run;
	struct sf_run_server found;
	int rc;

	memset(&a, 0, sizeof a);
	rc = parse_args(argc, argv, &a);
	if (rc != 0)
		return rc > 0 ? SF_EXIT_OK : SF_EXIT_USAGE;
	if (a.password_stdin) {
		/* No core dump or other process may read the password. */
		sf_secret_protect_process();
		if (read_password(a.opt.user, &password, &err) < 0) {
			sf_cli_usage_error("%s", err.message);
			return SF_EXIT_USAGE;
		}
		a.opt.password = &password;
	}
	if (a.progress) {
		a.opt.progress = print_progress;
		a.opt.progress_ctx = NULL;
	}
	/* Ctrl-C cancels the probe (every socket closed at once) and still
	 * reports what was found so far. */
	cancel_requested = sf_cli_interrupt_catch(&old_int);
	a.opt.cancel = cancel_requested;
	sf_run_init(&run);
	{
		struct sf_dns_options dopt = { a.opt.dns_server, a.opt.timeout_ms, a.opt.cancel,
			false };
		const char *typed = a.email ? a.email : a.typed ? a.typed : a.opt.host;

		rc = sf_run_find_server(&run, typed, &dopt, &found, &err);
	}
	if (rc < 0 || (a.email != NULL && found.discovery_failed)) {
		sf_cli_interrupt_restore(&old_int);
		sf_secret_free(&password);
		if (rc < 0)
			sf_cli_usage_error("%s", err.message);
		rc = rc < 0 ? SF_EXIT_USAGE : no_server_found(&a, run.discovery);
		sf_run_free(&run);
		return rc;
	}
	if (!a.json && found.idn_typed[0] != '\0')
		sf_cli_print_idn(stdout, found.idn_typed, found.idn_ascii);
	if (!a.json && found.from_discovery) {
		fputs("Outgoing server for ", stdout);
		sf_cli_print_safe(stdout, a.email);
		printf(": %s (%s)\n", found.host, found.source);
	}
	a.opt.host = found.host;
	a.opt.addrs = found.addrs;
	rc = sf_run_probe(&run, &a.opt, &err);
	/* An address: what its domain tells mail programs joins the
	 * diagnosis (a published setting that fails is a finding). */
	if (rc == 0 && a.email != NULL && !a.no_autoconfig && !atomic_load(cancel_requested)) {
		struct sf_error pub_err;

		sf_run_check_published(&run, a.email, &a.opt, a.no_ispdb, &pub_err);
	}
	sf_cli_interrupt_restore(&old_int);
	sf_secret_free(&password);
	if (rc < 0) {
		sf_cli_usage_error("%s", err.message);
		sf_run_free(&run);
		return err.code == SF_E_USAGE ? SF_EXIT_USAGE : SF_EXIT_NOTHING;
	}
	sf_run_diagnose(&run, NULL, NULL, false);
	sf_buf_init(&out, SF_REPORT_MAX);
	if (a.json)
		rc = sf_report_probe_json(
			&run.res, run.discovery, &run.diag, a.transcript, &out, &err);
	else
		rc = sf_report_probe_text(
			&run.res, &run.diag, a.transcript || a.details, a.transcript, &out, &err);
	if (rc == 0 && !a.json && a.client != NULL)
		rc = append_guide(&a, &run, &out, &err);
	if (rc < 0) {
		sf_cli_usage_error("cannot write the report: %s", err.message);
		rc = SF_EXIT_NOTHING;
	} else {
		fwrite(out.data, 1, out.len, stdout);
		fflush(stdout);
		rc = run.res.cancelled ? SF_EXIT_CANCELLED : exit_status(&run.res, &run.diag);
	}
	sf_buf_free(&out);
	sf_run_free(&run);
	return rc;
}
