/* smtpfix setup-file: a setup file written from a setting smtpfix has
 * just verified on the live server, never from a guess. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "smtpfix/dns.h"
#include "smtpfix/probe.h"
#include "smtpfix/run.h"
#include "smtpfix/setup.h"
#include "smtpfix/tls.h"

/* The longest --output path taken (the temporary file's name is made
 * beside it). */
#define OUTPUT_PATH_MAX 4096

static const char setup_usage[] =
	"usage: smtpfix setup-file --format F --email ADDR [--output FILE] [--force]\n"
	"                          [--host H] [--imap-host H] [--name \"Display Name\"]\n"
	"                          [--sign CERT KEY] [--port N]... [--port-map P=R]...\n"
	"                          [--resolve NAME:ADDR]... [--dns-server A] [--ca-file FILE]\n"
	"                          [--timeout S]\n"
	"\n"
	"Tests the outgoing server of ADDR (found through DNS, or --host) as smtpfix\n"
	"probe does, and writes a setup file with the setting that works. When no\n"
	"setting works with encryption and a certificate mail programs accept,\n"
	"nothing is written. No password is asked for or written: the mail program\n"
	"asks for it.\n"
	"\n"
	"Formats (F):\n"
	"  mobileconfig   Apple configuration profile (iPhone, iPad, Mac Mail)\n"
	"  autoconfig     Mozilla autoconfig file (config-v1.1.xml), to publish\n"
	"  autodiscover   Microsoft Autodiscover answer (POX), to publish\n"
	"  msmtp          an msmtp account\n"
	"  text           the settings as a short message for the customer\n"
	"\n"
	"  --email ADDR       the address the file is for (its login by default)\n"
	"  --output FILE      write FILE (default, and \"-\": standard output); FILE is\n"
	"                     written whole or not at all, and never over an existing\n"
	"                     file unless --force is given\n"
	"  --force            replace an existing --output FILE\n"
	"  --host H           test this outgoing server instead of looking it up\n"
	"  --imap-host H      the incoming (IMAP) server (default: the outgoing one)\n"
	"  --name NAME        the name shown in sent mail (profile, Autodiscover, text)\n"
	"  --sign CERT KEY    sign the profile (mobileconfig only) with the certificate\n"
	"                     in CERT (PEM, its chain after it) and the key in KEY (PEM);\n"
	"                     also --sign-cert CERT --sign-key KEY\n"
	"  --port N           port to test; repeat for several (default 25, 26, 465,\n"
	"                     587, 2525)\n"
	"  --port-map P=R     connect to port R but treat it as port P\n"
	"  --resolve N:A      take address A for the name N instead of asking DNS\n"
	"  --dns-server A     ask this DNS server (ADDR or ADDR:PORT)\n"
	"  --ca-file FILE     trust the CA certificates in FILE instead of the system's\n"
	"  --timeout S        seconds allowed for each network step (default 10)\n"
	"\n"
	"Exit status: 0 written, 1 no setting could be verified (nothing written),\n"
	"2 bad usage, 3 verified but the file could not be written, 130 cancelled.\n";

enum {
	OPT_FORMAT = 256,
	OPT_EMAIL,
	OPT_OUTPUT,
	OPT_FORCE,
	OPT_HOST,
	OPT_IMAP_HOST,
	OPT_NAME,
	OPT_SIGN,
	OPT_SIGN_CERT,
	OPT_SIGN_KEY,
	OPT_HELP
};

static const struct option setup_options[] = { SF_CLI_NET_OPTIONS,
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "email", required_argument, NULL, OPT_EMAIL },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "force", no_argument, NULL, OPT_FORCE }, { "host", required_argument, NULL, OPT_HOST },
	{ "imap-host", required_argument, NULL, OPT_IMAP_HOST },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "sign", required_argument, NULL, OPT_SIGN },
	{ "sign-cert", required_argument, NULL, OPT_SIGN_CERT },
	{ "sign-key", required_argument, NULL, OPT_SIGN_KEY },
	{ "port", required_argument, NULL, SF_CLI_OPT_PORT },
	{ "help", no_argument, NULL, OPT_HELP }, { NULL, 0, NULL, 0 } };

struct setup_args {
	struct sf_probe_options opt;
	int format;
	const char *email, *output, *host, *imap_host, *name;
	const char *sign_cert, *sign_key;
	bool force;
	char host_ascii[SF_HOST_MAX + 1], imap_ascii[SF_HOST_MAX + 1];
};

/* A host name typed in Unicode is used in the form DNS holds it. */
static int
host_option(const char *option, const char *in, char *out, size_t outsz)
{
	struct sf_error err;

	if (sf_host_to_ascii(in, out, outsz, &err) < 0 || !sf_host_valid(out)) {
		sf_cli_usage_error("%s '%s' is not a valid host name or address", option, in);
		return -1;
	}
	return 0;
}

static bool
to_stdout(const struct setup_args *a)
{
	return a->output == NULL || strcmp(a->output, "-") == 0;
}

/* The folder the file goes to exists and takes a new file (the
 * temporary one is made there). */
static bool
folder_writable(const char *path)
{
	char folder[OUTPUT_PATH_MAX + 1];
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return access(".", W_OK | X_OK) == 0;
	snprintf(folder, sizeof folder, "%.*s", slash == path ? 1 : (int)(slash - path), path);
	return access(folder, W_OK | X_OK) == 0;
}

/* The checks that need no network: a wrong option is said before a
 * probe of many seconds, not after it. */
static int
check_args(struct setup_args *a)
{
	struct stat st;
	struct sf_error err;
	struct sf_setup_account probe_account;

	if (a->format < 0) {
		sf_cli_usage_error(
			"setup-file: which format? (--format %s)", sf_setup_format_list());
		return -1;
	}
	if (a->email == NULL) {
		sf_cli_usage_error("setup-file: which address? (--email ADDR)");
		return -1;
	}
	/* The address and the name, checked as the file will check them
	 * (with a stand-in server: the real one is known after the test). */
	if (sf_setup_account_init(&probe_account, a->email, "mail.example.com", 587,
		    SF_SEC_STARTTLS, true, NULL, NULL, &err) < 0) {
		sf_cli_usage_error(
			"setup-file: the address '%s' cannot be used: %s", a->email, err.message);
		return -1;
	}
	if (sf_setup_account_set_name(&probe_account, a->name, &err) < 0) {
		sf_cli_usage_error("setup-file: --name: %s", err.message);
		return -1;
	}
	if ((a->sign_cert != NULL) != (a->sign_key != NULL)) {
		sf_cli_usage_error(
			"setup-file: signing needs a certificate and a key (--sign CERT KEY)");
		return -1;
	}
	if (a->sign_cert != NULL && a->format != SF_SETUP_MOBILECONFIG) {
		sf_cli_usage_error("setup-file: --sign applies to --format mobileconfig only");
		return -1;
	}
	if (a->sign_cert != NULL && sf_tls_cms_check(a->sign_cert, a->sign_key, &err) < 0) {
		sf_cli_usage_error("setup-file: %s", err.message);
		return -1;
	}
	if (a->sign_cert != NULL && to_stdout(a) && isatty(STDOUT_FILENO)) {
		sf_cli_usage_error("setup-file: a signed profile is binary; give --output FILE");
		return -1;
	}
	if (a->opt.ca_file != NULL && sf_tls_check_ca_file(a->opt.ca_file, &err) < 0) {
		sf_cli_usage_error("%s", err.message);
		return -1;
	}
	if (!to_stdout(a)) {
		if (strlen(a->output) > OUTPUT_PATH_MAX) {
			sf_cli_usage_error("setup-file: the --output path is too long");
			return -1;
		}
		if (!a->force && lstat(a->output, &st) == 0) {
			sf_cli_usage_error(
				"setup-file: %s exists; give --force to replace it", a->output);
			return -1;
		}
		if (lstat(a->output, &st) == 0 && !S_ISREG(st.st_mode)) {
			sf_cli_usage_error("setup-file: %s is not a regular file", a->output);
			return -1;
		}
		if (!folder_writable(a->output)) {
			sf_cli_usage_error("setup-file: cannot write into the folder of %s: %s",
				a->output, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Returns -1 after a usage error, 1 for --help, 0 to go on. */
static int
parse_args(int argc, char **argv, struct setup_args *a)
{
	int c;

	sf_probe_options_init(&a->opt);
	a->format = -1;
	optind = 1;
	opterr = 0;
	while ((c = sf_cli_getopt(argc, argv, setup_options, NULL)) != -1) {
		int net = sf_cli_net_option(c, optarg, &a->opt);

		if (net < 0)
			return -1;
		if (net > 0)
			continue;
		switch (c) {
		case SF_CLI_BAD_VALUE: return -1;
		case OPT_FORMAT:
			a->format = sf_setup_format_from_id(optarg);
			if (a->format < 0) {
				sf_cli_usage_error("setup-file: format '%s' is not one of %s",
					optarg, sf_setup_format_list());
				return -1;
			}
			break;
		case OPT_EMAIL: a->email = optarg; break;
		case OPT_OUTPUT: a->output = optarg; break;
		case OPT_FORCE: a->force = true; break;
		case OPT_HOST:
			if (host_option("--host", optarg, a->host_ascii, sizeof a->host_ascii) < 0)
				return -1;
			a->host = a->host_ascii;
			break;
		case OPT_IMAP_HOST:
			if (host_option(
				    "--imap-host", optarg, a->imap_ascii, sizeof a->imap_ascii) < 0)
				return -1;
			a->imap_host = a->imap_ascii;
			break;
		case OPT_NAME: a->name = optarg; break;
		case OPT_SIGN:
			/* Two values: the second is the next word, taken the way
			 * getopt takes an option's own value. */
			if (optind >= argc || argv[optind][0] == '\0' ||
				strncmp(argv[optind], "--", 2) == 0) {
				sf_cli_usage_error("--sign needs two values: CERT KEY");
				return -1;
			}
			a->sign_cert = optarg;
			a->sign_key = argv[optind++];
			break;
		case OPT_SIGN_CERT: a->sign_cert = optarg; break;
		case OPT_SIGN_KEY: a->sign_key = optarg; break;
		case OPT_HELP: fputs(setup_usage, stdout); return 1;
		default:
			sf_cli_usage_error("setup-file: unknown or incomplete option '%s' (see "
					   "smtpfix setup-file --help)",
				argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		sf_cli_usage_error("setup-file: unexpected '%s' (the address goes after --email)",
			argv[optind]);
		return -1;
	}
	return check_args(a);
}

static const char *
security_words(enum sf_security s)
{
	return s == SF_SEC_TLS ? "SSL/TLS" : s == SF_SEC_STARTTLS ? "STARTTLS" : "no encryption";
}

/* What was tried, port by port, after "nothing verified". */
static void
print_tried(const struct sf_probe_result *res)
{
	size_t i;

	if (!res->resolved) {
		fputs("  ", stderr);
		sf_cli_print_safe(stderr, res->resolve_err.message);
		fputs("\n", stderr);
		return;
	}
	fputs("What was tried:\n", stderr);
	for (i = 0; i < res->npolicies; i++) {
		const struct sf_port_policy *p = &res->policies[i];

		fprintf(stderr, "  port %d: %s", p->port, sf_port_status_words(p->status));
		if (p->status == SF_PORT_OPEN)
			fprintf(stderr, "; SSL/TLS %s, STARTTLS %s; login: %s",
				p->implicit_tls ? "works" : "no", p->starttls ? "works" : "no",
				sf_auth_policy_words(p->auth));
		fputs("\n", stderr);
	}
}

/* The setting to write, or NULL after saying why there is none. Only a
 * setting with encryption whose certificate the mail program accepts
 * counts: a file that sends the password readable, or makes every
 * device ask about the certificate, is not a verified setting. */
static const struct sf_recommendation *
verified_setting(const struct sf_run *run, const char *host)
{
	const struct sf_recommendation *r = sf_diag_settings(&run->diag, &run->res);
	const char *why = NULL;

	if (r->found && !r->insecure && !r->cert_decision)
		return r;
	fputs("smtpfix: no setting of ", stderr);
	sf_cli_print_safe(stderr, host);
	fputs(" could be verified, so nothing was written.\n", stderr);
	if (r->found && r->insecure)
		why = "Only a setting without encryption works there: a file with it would "
		      "send the password readable to anyone on the way.";
	else if (r->found && r->cert_decision)
		why = "Mail programs would question the server's certificate (if it comes "
		      "from your own authority, give it with --ca-file).";
	if (why != NULL)
		fprintf(stderr, "%s\n", why);
	if (r->found && r->why[0] != '\0') {
		sf_cli_print_safe(stderr, r->why);
		fputs("\n", stderr);
	} else if (run->diag.nfindings > 0) {
		sf_cli_print_safe(stderr, run->diag.findings[0].text);
		fputs("\n", stderr);
	}
	print_tried(&run->res);
	return NULL;
}

/* Write data to path whole or not at all: a temporary file beside it,
 * then a rename (with --force) or a hard link that fails when the path
 * exists, so an existing file is never replaced without --force, even
 * if it appears while the server was tested. */
static int
write_atomically(const char *path, const void *data, size_t len, bool force, struct sf_error *err)
{
	char tmp[OUTPUT_PATH_MAX + 32];
	const char *slash = strrchr(path, '/');
	const char *p = data;
	size_t done = 0;
	ssize_t n;
	int fd, rc = 0;

	if (slash == NULL)
		snprintf(tmp, sizeof tmp, ".smtpfix-setup.XXXXXX");
	else
		snprintf(tmp, sizeof tmp, "%.*s/.smtpfix-setup.XXXXXX", (int)(slash - path), path);
	fd = mkstemp(tmp);
	if (fd < 0)
		return sf_error_set(
			err, SF_E_IO, "cannot create a file beside %s: %s", path, strerror(errno));
	while (done < len) {
		n = write(fd, p + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = sf_error_set(
				err, SF_E_IO, "cannot write %s: %s", tmp, strerror(errno));
			break;
		}
		done += (size_t)n;
	}
	/* Readable by the web server that publishes it, or the person it is
	 * sent to; it holds no secret. */
	if (rc == 0 && (fchmod(fd, 0644) < 0 || fsync(fd) < 0))
		rc = sf_error_set(err, SF_E_IO, "cannot write %s: %s", tmp, strerror(errno));
	if (close(fd) < 0 && rc == 0)
		rc = sf_error_set(err, SF_E_IO, "cannot write %s: %s", tmp, strerror(errno));
	if (rc == 0 && force && rename(tmp, path) < 0)
		rc = sf_error_set(err, SF_E_IO, "cannot write %s: %s", path, strerror(errno));
	if (rc == 0 && !force && link(tmp, path) < 0) {
		struct stat st;
		int e = errno;

		/* A file system without hard links: the check and the rename
		 * are two steps there, the best it allows. */
		if (e == EPERM || e == EOPNOTSUPP || e == ENOSYS) {
			if (lstat(path, &st) == 0)
				e = EEXIST;
			else if (errno == ENOENT && rename(tmp, path) == 0)
				return 0;
		}
		rc = sf_error_set(err, SF_E_IO,
			e == EEXIST ? "%s appeared while the server was tested; give --force to "
				      "replace it"
				    : "cannot write %s: %s",
			path, strerror(e));
	}
	if (rc < 0 || !force)
		unlink(tmp);
	return rc;
}

/* Render (and sign) the file for the verified setting, then write it. */
static int
write_setup(const struct setup_args *a, const struct sf_recommendation *r)
{
	struct sf_setup_account acct;
	struct sf_buf file, der;
	struct sf_error err;
	const struct sf_buf *result = &file;
	int rc = SF_EXIT_OK;

	sf_buf_init(&file, SF_SETUP_MAX);
	sf_buf_init(&der, 2 * SF_SETUP_MAX);
	if (sf_setup_account_init(&acct, a->email, r->host, r->port, r->security, r->auth, NULL,
		    a->imap_host, &err) < 0 ||
		sf_setup_account_set_name(&acct, a->name, &err) < 0 ||
		sf_setup_render((enum sf_setup_format)a->format, &acct, &file, &err) < 0) {
		sf_cli_usage_error("setup-file: cannot write the %s file: %s",
			sf_setup_format_id((enum sf_setup_format)a->format), err.message);
		rc = SF_EXIT_NOTHING;
	} else if (a->sign_cert != NULL) {
		if (sf_tls_cms_sign(file.data, file.len, a->sign_cert, a->sign_key, &der, &err) <
			0) {
			sf_cli_usage_error("setup-file: %s", err.message);
			rc = SF_EXIT_NOTHING;
		}
		result = &der;
	}
	if (rc == SF_EXIT_OK && to_stdout(a)) {
		if (fwrite(result->data, 1, result->len, stdout) != result->len ||
			fflush(stdout) != 0) {
			sf_cli_usage_error("setup-file: cannot write to standard output");
			rc = SF_EXIT_NOTHING;
		}
	} else if (rc == SF_EXIT_OK) {
		if (write_atomically(a->output, result->data, result->len, a->force, &err) < 0) {
			sf_cli_usage_error("setup-file: %s", err.message);
			rc = SF_EXIT_NOTHING;
		} else {
			fputs("written: ", stderr);
			sf_cli_print_safe(stderr, a->output);
			fprintf(stderr, " (%s%s)\n",
				sf_setup_format_id((enum sf_setup_format)a->format),
				a->sign_cert ? ", signed" : "");
		}
	}
	sf_buf_free(&file);
	sf_buf_free(&der);
	return rc;
}

int
sf_cli_setup_file(int argc, char **argv)
{
	static struct setup_args a;
	static struct sf_run run;
	struct sf_run_server found;
	struct sigaction old_int;
	atomic_bool *cancel_requested;
	struct sf_error err;
	const struct sf_recommendation *r;
	int rc;

	memset(&a, 0, sizeof a);
	rc = parse_args(argc, argv, &a);
	if (rc != 0)
		return rc > 0 ? SF_EXIT_OK : SF_EXIT_USAGE;
	/* Ctrl-C stops the test (every socket closed at once); nothing is
	 * written from a test that did not finish. */
	cancel_requested = sf_cli_interrupt_catch(&old_int);
	a.opt.cancel = cancel_requested;
	sf_run_init(&run);
	memset(&found, 0, sizeof found);
	found.host = a.host == NULL
			     ? sf_run_mapped_server(a.email, a.opt.host_maps, a.opt.nhost_maps)
			     : NULL;
	if (found.host != NULL) {
		/* A name given without DNS leads there, as DNS would. */
		found.source = "the names given with --resolve";
		found.from_discovery = true;
		rc = 0;
	} else {
		struct sf_dns_options dopt = { a.opt.dns_server, a.opt.timeout_ms, a.opt.cancel,
			false };

		rc = sf_run_find_server(&run, a.host ? a.host : a.email, &dopt, &found, &err);
	}
	if (rc < 0) {
		sf_cli_interrupt_restore(&old_int);
		sf_cli_usage_error("%s", err.message);
		sf_run_free(&run);
		return SF_EXIT_USAGE;
	}
	if (a.host == NULL && found.discovery_failed) {
		sf_cli_interrupt_restore(&old_int);
		fputs("smtpfix: no outgoing server with an address was found for ", stderr);
		sf_cli_print_safe(stderr, a.email);
		fputs(" (give it with --host), so nothing was written.\n", stderr);
		sf_run_free(&run);
		return SF_EXIT_PROBLEM;
	}
	if (found.from_discovery) {
		fputs("outgoing server for ", stderr);
		sf_cli_print_safe(stderr, a.email);
		fprintf(stderr, ": %s (%s)\n", found.host, found.source);
	}
	a.opt.host = found.host;
	a.opt.addrs = found.addrs;
	rc = sf_run_probe(&run, &a.opt, &err);
	sf_cli_interrupt_restore(&old_int);
	if (rc < 0 && err.code == SF_E_USAGE) {
		sf_cli_usage_error("%s", err.message);
		sf_run_free(&run);
		return SF_EXIT_USAGE;
	}
	if (run.res.cancelled || atomic_load(cancel_requested)) {
		fputs("smtpfix: cancelled; nothing was written.\n", stderr);
		sf_run_free(&run);
		return SF_EXIT_CANCELLED;
	}
	sf_run_diagnose(&run, NULL, NULL, false);
	r = verified_setting(&run, found.host);
	if (r == NULL) {
		sf_run_free(&run);
		return SF_EXIT_PROBLEM;
	}
	fprintf(stderr, "verified: %s port %d %s, %s%s\n", r->host, r->port,
		security_words(r->security), r->auth ? "login" : "no login",
		r->from_certificate ? " (the name on the server's certificate)" : "");
	rc = write_setup(&a, r);
	sf_run_free(&run);
	return rc;
}
