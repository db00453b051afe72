/* smtpfix autoconfig EMAIL|DOMAIN: what the domain tells mail programs to
 * use (Mozilla autoconfig, Autodiscover, SRV), each published outgoing
 * setting held against what a probe of its server finds. */
#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "smtpfix/report.h"
#include "smtpfix/run.h"
#include "smtpfix/secret.h"
#include "smtpfix/text.h"

static const char autoconfig_usage[] =
	"usage: smtpfix autoconfig EMAIL|DOMAIN [--json] [--timeout S] [--no-ispdb]\n"
	"                          [--dns-server ADDR[:PORT]] [--ca-file FILE]\n"
	"                          [--port-map PORT=REALPORT]... [--resolve NAME:ADDR]...\n"
	"                          [--password-stdin]\n"
	"\n"
	"Fetches what the domain publishes for mail programs that set themselves up,\n"
	"the way they fetch it: Mozilla autoconfig (Thunderbird; its database when the\n"
	"domain has none), Microsoft Autodiscover (Outlook: both addresses, the SRV\n"
	"record and the redirect), and the SRV records of RFC 6186. Then probes the\n"
	"servers named there, and says for each published setting whether a program\n"
	"set up from it can send, and what to publish instead when not.\n"
	"\n"
	"  --json            one JSON document (the probe's, with \"published\")\n"
	"  --timeout S       seconds for each network step and each fetch (default 10)\n"
	"  --no-ispdb        do not ask Thunderbird's database (autoconfig.thunderbird.net)\n"
	"  --dns-server A    ask this DNS server for every name\n"
	"  --ca-file FILE    trust the CA certificates in FILE (web and mail servers)\n"
	"  --port-map P=R    connect to port R where port P is meant (443=8443 fetches\n"
	"                    https from 8443; 587=2587 probes 2587 as 587)\n"
	"  --resolve N:A     take address A for the name N instead of asking DNS\n"
	"  --password-stdin  EMAIL's password, from standard input: each published\n"
	"                    setting is also tried with the user name it publishes\n"
	"                    (one login each; the whole address on the server found)\n"
	"\n"
	"Exit status: 0 nothing published is wrong (or nothing is published), 1 a\n"
	"published setting or file is wrong, 2 bad usage, 130 cancelled.\n";

enum { OPT_JSON = 256, OPT_NO_ISPDB, OPT_PASSWORD_STDIN, OPT_HELP };

static const struct option autoconfig_options[] = { SF_CLI_NET_OPTIONS,
	{ "json", no_argument, NULL, OPT_JSON }, { "no-ispdb", no_argument, NULL, OPT_NO_ISPDB },
	{ "password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN },
	{ "help", no_argument, NULL, OPT_HELP }, { NULL, 0, NULL, 0 } };

struct ac_args {
	struct sf_probe_options opt;
	bool json, no_ispdb, password_stdin;
	const char *input;
};

static int
parse_args(int argc, char **argv, struct ac_args *a)
{
	int c;

	sf_probe_options_init(&a->opt);
	optind = 1;
	opterr = 0;
	while ((c = sf_cli_getopt(argc, argv, autoconfig_options, NULL)) != -1) {
		int net = sf_cli_net_option(c, optarg, &a->opt);

		if (net < 0)
			return -1;
		if (net > 0)
			continue;
		switch (c) {
		case SF_CLI_BAD_VALUE: return -1;
		case OPT_JSON: a->json = true; break;
		case OPT_NO_ISPDB: a->no_ispdb = true; break;
		case OPT_PASSWORD_STDIN: a->password_stdin = true; break;
		case OPT_HELP: fputs(autoconfig_usage, stdout); return 1;
		default:
			sf_cli_usage_error("autoconfig: unknown or incomplete option '%s' (see "
					   "smtpfix autoconfig --help)",
				argv[optind - 1]);
			return -1;
		}
	}
	if (optind != argc - 1) {
		sf_cli_usage_error(optind >= argc
					   ? "autoconfig: which address or domain? (smtpfix "
					     "autoconfig EMAIL|DOMAIN)"
					   : "autoconfig: one address or domain only, got '%s' too",
			argv[argc - 1]);
		return -1;
	}
	a->input = argv[optind];
	if (!sf_cli_text_clean(a->input) || strpbrk(a->input, " \t<>\"'") != NULL) {
		sf_cli_usage_error("'%s' is not an email address or a domain", a->input);
		return -1;
	}
	if (a->password_stdin && strchr(a->input, '@') == NULL) {
		sf_cli_usage_error("--password-stdin needs an email address (its password)");
		return -1;
	}
	return 0;
}

/* Only the findings about what is published decide this command's
 * status: the server's own problems are the probe's. */
static int
exit_status(const struct sf_diagnosis *d)
{
	for (size_t i = 0; i < d->nfindings; i++)
		if (d->findings[i].rule != NULL && strcmp(d->findings[i].rule, "published") == 0 &&
			d->findings[i].severity == SF_SEV_PROBLEM)
			return SF_EXIT_PROBLEM;
	return SF_EXIT_OK;
}

/* One finding's line, made safe and wrapped to 78 columns. */
static int
wrapped(struct sf_buf *out, const char *lead, const char *label, const char *text, size_t indent,
	const char *cause, struct sf_error *err)
{
	struct sf_buf line;
	int rc;

	sf_buf_init(&line, 8192);
	rc = sf_buf_printf(&line, err, "%s%s%s%s%s", lead, label, label[0] != '\0' ? " " : "",
		cause != NULL ? "[" : "", cause != NULL ? cause : "");
	if (rc == 0 && cause != NULL)
		rc = sf_buf_addstr(&line, "] ", err);
	if (rc == 0)
		rc = sf_sanitize_message_append(&line, text, strlen(text), 2000, err);
	if (rc == 0)
		rc = sf_wrap_append(out, line.data, 78, indent, err);
	sf_buf_free(&line);
	return rc;
}

static int
text_report(const struct sf_run *run, const struct sf_run_server *found, struct sf_buf *out,
	struct sf_error *err)
{
	const struct sf_diagnosis *d = &run->diag;
	const struct sf_recommendation *r = sf_diag_settings(d, &run->res);
	size_t i, k, shown = 0;

	if (sf_buf_printf(out, err, "smtpfix autoconfig of %s\n", d->published_from->domain) < 0)
		return -1;
	if (!found->discovery_failed && found->host != NULL &&
		sf_buf_printf(out, err, "Server found for the domain: %s (%s)\n", found->host,
			found->source != NULL && found->source[0] != '\0' ? found->source
									  : "the name given") < 0)
		return -1;
	if (sf_report_published_text(d, out, err) < 0)
		return -1;
	if (found->discovery_failed || !run->have_res) {
		if (sf_buf_addstr(out,
			    "\nNo server was found for the domain to hold the published "
			    "settings against.\n",
			    err) < 0)
			return -1;
	} else if (sf_buf_addstr(out, "\nWhat works on that server: ", err) < 0) {
		return -1;
	} else if ((r->found ? sf_buf_printf(out, err, "%s port %d, %s, %s\n", r->host, r->port,
				       r->security == SF_SEC_TLS        ? "SSL/TLS"
				       : r->security == SF_SEC_STARTTLS ? "STARTTLS"
									: "no encryption",
				       r->auth ? "login" : "no login")
			     : sf_buf_addstr(out, "no setting was found to work\n", err)) < 0)
		return -1;
	if (run->have_res && run->res.login_index >= 0 &&
		(size_t)run->res.login_index < run->res.ntargets &&
		run->res.targets[run->res.login_index].smtp.auth_outcome == SF_AUTH_REFUSED &&
		wrapped(out, "", "",
			"The password given was refused for the whole address too: the published "
			"user names could not be checked with it.",
			0, NULL, err) < 0)
		return -1;
	for (i = 0; i < d->nfindings; i++) {
		const struct sf_diag_finding *f = &d->findings[i];

		if (f->rule == NULL || strcmp(f->rule, "published") != 0)
			continue;
		if (shown++ == 0 && sf_buf_addstr(out, "\nFindings\n", err) < 0)
			return -1;
		if (wrapped(out, "  ", sf_severity_id(f->severity), f->text, 4,
			    sf_cause_id(f->cause), err) < 0)
			return -1;
		for (k = 0; k < f->nevidence; k++)
			if (wrapped(out, "    - ", "", f->evidence[k], 6, NULL, err) < 0)
				return -1;
	}
	if (shown == 0)
		return sf_buf_addstr(out, "\nNothing published is wrong.\n", err);
	return 0;
}

int
sf_cli_autoconfig(int argc, char **argv)
{
	static struct sf_run run;
	struct ac_args a;
	struct sf_run_server found;
	struct sf_error err;
	struct sigaction old_int;
	atomic_bool *cancel_requested;
	struct sf_buf out;
	struct sf_secret password = { NULL, 0 };
	int rc;

	memset(&a, 0, sizeof a);
	rc = parse_args(argc, argv, &a);
	if (rc != 0)
		return rc > 0 ? SF_EXIT_OK : SF_EXIT_USAGE;
	cancel_requested = sf_cli_interrupt_catch(&old_int);
	a.opt.cancel = cancel_requested;
	if (a.password_stdin) {
		/* No core dump or other process may read the password. */
		sf_secret_protect_process();
		if (sf_secret_read_line(&password, stdin, &err) < 0) {
			sf_cli_interrupt_restore(&old_int);
			sf_cli_usage_error("%s", err.message);
			return SF_EXIT_USAGE;
		}
		a.opt.user = a.input;
		a.opt.password = &password;
	}
	sf_run_init(&run);
	memset(&found, 0, sizeof found);
	{
		struct sf_dns_options dopt = { a.opt.dns_server, a.opt.timeout_ms, a.opt.cancel,
			false };

		rc = sf_run_find_server(&run, a.input, &dopt, &found, &err);
	}
	if (rc < 0) {
		sf_cli_interrupt_restore(&old_int);
		sf_cli_usage_error("%s", err.message);
		sf_secret_free(&password);
		sf_run_free(&run);
		return SF_EXIT_USAGE;
	}
	/* The server the domain's DNS names is probed on every usual port,
	 * so a published setting on it is held against the whole matrix. */
	if (!found.discovery_failed) {
		a.opt.host = found.host;
		a.opt.addrs = found.addrs;
		sf_run_probe(&run, &a.opt, &err);
	}
	rc = sf_run_check_published(&run, a.input, &a.opt, a.no_ispdb, &err);
	sf_cli_interrupt_restore(&old_int);
	sf_secret_free(&password);
	a.opt.password = NULL;
	if (rc < 0) {
		sf_cli_usage_error("%s", err.message);
		sf_run_free(&run);
		return SF_EXIT_USAGE;
	}
	sf_run_diagnose(&run, NULL, NULL, false);
	sf_buf_init(&out, SF_REPORT_MAX);
	if (a.json)
		rc = sf_report_probe_json(&run.res, run.discovery, &run.diag, false, &out, &err);
	else
		rc = text_report(&run, &found, &out, &err);
	if (rc < 0) {
		sf_cli_usage_error("cannot write the report: %s", err.message);
		rc = SF_EXIT_NOTHING;
	} else {
		fwrite(out.data, 1, out.len, stdout);
		fflush(stdout);
		rc = atomic_load(cancel_requested) ? SF_EXIT_CANCELLED : exit_status(&run.diag);
	}
	sf_buf_free(&out);
	sf_run_free(&run);
	return rc;
}
