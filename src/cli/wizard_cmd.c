#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "smtpfix/dns.h"
#include "smtpfix/lab.h"
#include "smtpfix/net.h"
#include "smtpfix/ui.h"

/* Set by this thread, read by the practice server's thread. */
static atomic_bool demo_stop;
/* The demo's practice server, for removing its files on a kill. */
static struct sf_lab *demo_lab;

static void
demo_fatal(void)
{
	sf_lab_remove_files(demo_lab);
}

/* Killed in the line-by-line wizard (the full screen has its own handler,
 * which calls demo_fatal): remove the files, then die as asked. */
static void
demo_killed(int sig)
{
	demo_fatal();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void *
lab_thread(void *arg)
{
	sf_lab_run(arg, &demo_stop);
	return NULL;
}

/* An MTA configuration here means smtpfix probably runs on the mail server. */
static bool
on_mail_server(void)
{
	return access("/etc/exim.conf", F_OK) == 0 || access("/etc/exim4", F_OK) == 0 ||
	       access("/etc/postfix/main.cf", F_OK) == 0 || access("/usr/local/cpanel", F_OK) == 0;
}

/* The options into o (and the practice server's into lo); SF_EXIT_OK to
 * go on, else the exit status after a usage error. */
static int
parse_wizard_args(int argc, char **argv, struct sf_ui_options *o, struct sf_lab_options *lo,
	bool *plain, bool *demo)
{
	static const struct option opts[] = { { "plain", no_argument, NULL, 'p' },
		{ "demo", no_argument, NULL, 'd' }, { "client", required_argument, NULL, 'c' },
		{ "email", required_argument, NULL, 'e' }, { "host", required_argument, NULL, 'H' },
		{ "role", required_argument, NULL, 'r' },
		{ "port-map", required_argument, NULL, 'm' },
		{ "report-dir", required_argument, NULL, 'R' }, { "save", no_argument, NULL, 'S' },
		{ "scenario", required_argument, NULL, 's' },
		{ "ca-file", required_argument, NULL, 'C' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "root", required_argument, NULL, 'o' },
		{ "dns-server", required_argument, NULL, 'D' },
		{ "now", required_argument, NULL, 'N' },
		{ "resolve", required_argument, NULL, 'X' },
		{ "log", required_argument, NULL, 'L' },
		{ "watch-for", required_argument, NULL, 'W' }, { NULL, 0, NULL, 0 } };
	int c;

	memset(o, 0, sizeof *o);
	o->prefill.on_mail_server = on_mail_server();
	optind = 1;
	opterr = 0;
	while ((c = sf_cli_getopt(argc, argv, opts, NULL)) != -1) {
		switch (c) {
		case SF_CLI_BAD_VALUE: return SF_EXIT_USAGE;
		case 'p': *plain = true; break;
		case 'D':
			if (!sf_cli_dns_server_ok(optarg))
				return SF_EXIT_USAGE;
			o->dns_server = optarg;
			break;
		case 'N':
			if (sf_wiz_current_parse(optarg) == 0) {
				sf_cli_usage_error("--now '%s' is not one of 587:none, "
						   "587:starttls, 465:tls, 25:none, "
						   "25:starttls, 465:starttls, 587:tls, "
						   "2525:starttls, 2525:none",
					optarg);
				return SF_EXIT_USAGE;
			}
			o->prefill.current = optarg;
			break;
		case 'o':
			if (access(optarg, R_OK | X_OK) != 0) {
				sf_cli_usage_error("--root '%s' is not a readable folder", optarg);
				return SF_EXIT_USAGE;
			}
			o->policy_root = optarg;
			break;
		case 'd': *demo = true; break;
		case 'c': o->prefill.client = optarg; break;
		case 'e':
		case 'H':
			if (strlen(optarg) >= SF_WIZ_TEXT_MAX || !sf_cli_text_clean(optarg)) {
				sf_cli_usage_error(
					"%s '%s' is too long or holds control characters",
					c == 'e' ? "--email" : "--host", optarg);
				return SF_EXIT_USAGE;
			}
			o->prefill.server = optarg;
			break;
		case 'r':
			if (strcmp(optarg, "user") != 0 && strcmp(optarg, "admin") != 0 &&
				strcmp(optarg, "tech") != 0) {
				sf_cli_usage_error("--role takes user, admin or tech");
				return SF_EXIT_USAGE;
			}
			o->prefill.role = optarg;
			break;
		case 'm':
			if (o->nmaps >= SF_PROBE_MAX_MAPS ||
				sf_cli_parse_port_map(optarg, &o->maps[o->nmaps]) < 0) {
				sf_cli_usage_error("--port-map takes PORT=REALPORT");
				return SF_EXIT_USAGE;
			}
			o->nmaps++;
			break;
		case 'X':
			if (o->nhost_maps >= SF_PROBE_MAX_MAPS - 2 ||
				sf_host_map_parse(optarg, &o->host_maps[o->nhost_maps]) < 0) {
				sf_cli_usage_error(
					"--resolve '%s' is not NAME:ADDRESS (a host name and an IP "
					"address)",
					optarg);
				return SF_EXIT_USAGE;
			}
			o->nhost_maps++;
			break;
		case 'L':
			if (o->nlogs >= SF_UI_MAX_LOGS) {
				sf_cli_usage_error("at most %d --log files", SF_UI_MAX_LOGS);
				return SF_EXIT_USAGE;
			}
			o->logs[o->nlogs++] = optarg;
			break;
		case 'W': {
			double secs;

			if (sf_cli_parse_seconds(optarg, 1, 3600, &secs) < 0) {
				sf_cli_usage_error("--watch-for '%s' is not a number of seconds "
						   "from 1 to 3600",
					optarg);
				return SF_EXIT_USAGE;
			}
			o->watch_seconds = (int)secs;
			break;
		}
		case 'R': o->report_dir = optarg; break;
		case 'S': o->save = true; break;
		case 's': lo->scenario = optarg; break;
		case 'C': o->ca_file = optarg; break;
		case 'T': {
			double secs;

			if (sf_cli_parse_seconds(optarg, 0.1, 300, &secs) < 0) {
				sf_cli_usage_error(
					"timeout '%s' is not a number of seconds from 0.1 to 300",
					optarg);
				return SF_EXIT_USAGE;
			}
			o->timeout_ms = (int)(secs * 1000.0 + 0.5);
			break;
		}
		default:
			sf_cli_usage_error("unknown or incomplete option '%s' (see smtpfix --help)",
				argv[optind - 1]);
			return SF_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		sf_cli_usage_error("unknown command '%s' (see smtpfix --help)", argv[optind]);
		return SF_EXIT_USAGE;
	}
	if (o->prefill.client != NULL && !sf_cli_client_known(o->prefill.client))
		return SF_EXIT_USAGE;
	return SF_EXIT_OK;
}

/* The practice server, in this process, on free ports, shown to the person
 * as ports 25, 465 and 587; o is pointed at it. SF_EXIT_OK, or the exit
 * status when it cannot start. */
static int
start_demo(struct sf_ui_options *o, struct sf_lab_options *lo, struct sf_lab **lab, pthread_t *tid)
{
	static char banner[600];
	struct sf_error err;

	if (sf_lab_start(lo, lab, &err) < 0) {
		sf_cli_usage_error("%s", err.message);
		return err.code == SF_E_USAGE ? SF_EXIT_USAGE : SF_EXIT_NOTHING;
	}
	o->maps[0] = (struct sf_port_map){ 25, sf_lab_port(*lab, 25) };
	o->maps[1] = (struct sf_port_map){ 465, sf_lab_port(*lab, 465) };
	o->maps[2] = (struct sf_port_map){ 587, sf_lab_port(*lab, 587) };
	o->nmaps = 3;
	o->ca_file = sf_lab_ca_file(*lab);
	demo_lab = *lab;
	o->on_fatal = demo_fatal;
	signal(SIGTERM, demo_killed);
	signal(SIGHUP, demo_killed);
	/* The practice server's names lead to it, as a real server's
	 * names lead to that server through DNS. */
	snprintf(o->host_maps[o->nhost_maps].name, sizeof o->host_maps[0].name, "%s", SF_LAB_HOST);
	snprintf(o->host_maps[o->nhost_maps++].address, sizeof o->host_maps[0].address, "%s",
		lo->listen_addr);
	snprintf(o->host_maps[o->nhost_maps].name, sizeof o->host_maps[0].name, "%s",
		SF_LAB_OTHER_HOST);
	snprintf(o->host_maps[o->nhost_maps++].address, sizeof o->host_maps[0].address, "%s",
		lo->listen_addr);
	if (o->timeout_ms <= 0)
		o->timeout_ms = 3000;
	if (o->prefill.server == NULL)
		o->prefill.server = "127.0.0.1";
	o->prefill.user = SF_LAB_USER;
	/* The demo is about the practice server, whoever runs it: a mail
	 * server installed on this machine does not make the person its
	 * admin. */
	o->prefill.on_mail_server = false;
	o->practice = true;
	snprintf(banner, sizeof banner,
		"smtpfix demo: a practice mail server (scenario %s) runs on this machine.\n"
		"Its demo account is %s with the password %s.",
		sf_lab_scenario_name(*lab), SF_LAB_USER, SF_LAB_PASSWORD);
	o->banner = banner;
	signal(SIGPIPE, SIG_IGN);
	if (pthread_create(tid, NULL, lab_thread, *lab) != 0) {
		sf_lab_free(*lab);
		*lab = NULL;
		sf_cli_usage_error("cannot start the practice server");
		return SF_EXIT_NOTHING;
	}
	return SF_EXIT_OK;
}

int
sf_cli_wizard(int argc, char **argv)
{
	struct sf_ui_options o;
	struct sf_lab *lab = NULL;
	struct sf_lab_options lo = { NULL, "127.0.0.1", 0, NULL, NULL };
	pthread_t tid;
	bool plain = false, demo = false;
	int rc;

	rc = parse_wizard_args(argc, argv, &o, &lo, &plain, &demo);
	if (rc != SF_EXIT_OK)
		return rc;
	/* On the mail server its own settings and log join the diagnosis; the
	 * demo's practice server is not this machine's, so only a --root
	 * given on purpose is read there. */
	o.read_server = o.policy_root != NULL || (!demo && o.prefill.on_mail_server);
	/* The admin and support roles may watch the server's logs while the
	 * person sends: on the mail server, or with its logs named. */
	o.prefill.can_watch = !demo && (o.nlogs > 0 || o.read_server);
	/* The demo sets the ports and the CA to its practice server's: a
	 * person's own would be silently replaced, so they are refused. */
	if (demo && (o.nmaps > 0 || o.ca_file != NULL)) {
		sf_cli_usage_error("--demo runs its own practice server: leave out %s",
			o.nmaps > 0 ? "--port-map" : "--ca-file");
		return SF_EXIT_USAGE;
	}
	if (demo && (rc = start_demo(&o, &lo, &lab, &tid)) != SF_EXIT_OK)
		return rc;
	rc = -1;
	if (!plain && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)))
		fprintf(stderr, "smtpfix: no terminal here; asking line by line (--plain).\n");
	else if (!plain && (rc = sf_ui_screen_run(&o)) < 0) {
		fputs("smtpfix: this terminal cannot show the full screen (TERM=", stderr);
		sf_cli_print_safe(stderr, getenv("TERM") ? getenv("TERM") : "unset");
		fputs("); asking line by line.\n", stderr);
	}
	if (rc < 0)
		rc = sf_ui_plain_run(&o);
	if (lab != NULL) {
		atomic_store(&demo_stop, true);
		pthread_join(tid, NULL);
		sf_lab_free(lab);
	}
	return rc;
}
