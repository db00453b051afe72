/* The command line: main() dispatches to one function per subcommand. */
#ifndef SMTPFIX_CLI_H
#define SMTPFIX_CLI_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

/* Exit statuses, documented in the README and the man page. */
enum {
	SF_EXIT_OK = 0,         /* healthy */
	SF_EXIT_PROBLEM = 1,    /* a problem was found */
	SF_EXIT_USAGE = 2,      /* bad usage */
	SF_EXIT_NOTHING = 3,    /* nothing could be probed */
	SF_EXIT_CANCELLED = 130 /* interrupted (Ctrl-C), as shells report SIGINT */
};

/* The release; the Makefile gives the version git describes (or the
 * VERSION file of a source tarball) instead. */
#ifndef SMTPFIX_VERSION
#define SMTPFIX_VERSION "0.1.0"
#endif

int sf_cli_probe(int argc, char **argv);
int sf_cli_discover(int argc, char **argv);
int sf_cli_policy(int argc, char **argv);
int sf_cli_explain(int argc, char **argv);
int sf_cli_guide(int argc, char **argv);
int sf_cli_lab(int argc, char **argv);
int sf_cli_wizard(int argc, char **argv);
int sf_cli_code(int argc, char **argv);
int sf_cli_watch(int argc, char **argv);
int sf_cli_bans(int argc, char **argv);
int sf_cli_autoconfig(int argc, char **argv);
int sf_cli_setup_file(int argc, char **argv);

/* The client ids (from the guide layer), for checking --client. */
extern const char *const sf_client_ids[];
/* Strict number parsing: whole string, within [min, max]. */
int sf_cli_parse_int(const char *s, long min, long max, long *out);
/* A --client value: true when it names a mail program smtpfix has a
 * guide for; else the usage error is printed. */
bool sf_cli_client_known(const char *id);
/* "PORT=REALPORT" (--port-map); -1 when it is not that. */
struct sf_port_map;
int sf_cli_parse_port_map(const char *s, struct sf_port_map *m);
int sf_cli_parse_seconds(const char *s, double min, double max, double *out);

/* The longest complaint, in bytes before escaping; more is cut. */
#define SF_CLI_MESSAGE_MAX 1024

/* Prints "smtpfix: " and the message as one line on standard error, with
 * control characters, line breaks and bidirectional controls escaped
 * (values the person typed are quoted in it as they are). */
void sf_cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* getopt_long for the commands: returns the option's code, -1 at the end,
 * '?' for an unknown option (the caller says so), or SF_CLI_BAD_VALUE
 * after a usage error for an option whose value was left off, is empty
 * (unless it is the option named may_be_empty, or NULL for none), or is
 * another option. */
#define SF_CLI_BAD_VALUE (-2)
struct option;
int sf_cli_getopt(int argc, char **argv, const struct option *opts, const char *may_be_empty);

/* True when s is valid UTF-8 without control characters or characters
 * that hide or reorder text (for values that end up in commands or in
 * fix steps). */
bool sf_cli_text_clean(const char *s);
/* The network options of every command that tests a server (probe,
 * autoconfig, setup-file), with one code each in every option table. */
enum {
	SF_CLI_OPT_TIMEOUT = 900,
	SF_CLI_OPT_CA_FILE,
	SF_CLI_OPT_DNS_SERVER,
	SF_CLI_OPT_PORT_MAP,
	SF_CLI_OPT_RESOLVE,
	SF_CLI_OPT_PORT /* --port N, in the tables of the commands that take it */
};
#define SF_CLI_NET_OPTIONS \
	{ "timeout", required_argument, NULL, SF_CLI_OPT_TIMEOUT }, \
		{ "ca-file", required_argument, NULL, SF_CLI_OPT_CA_FILE }, \
		{ "dns-server", required_argument, NULL, SF_CLI_OPT_DNS_SERVER }, \
		{ "port-map", required_argument, NULL, SF_CLI_OPT_PORT_MAP }, \
	{ \
		"resolve", required_argument, NULL, SF_CLI_OPT_RESOLVE \
	}
/* One of those options (c, its value arg) into o: 1 when c was one of
 * them, 0 when not, -1 after a usage error was printed. */
struct sf_probe_options;
int sf_cli_net_option(int c, const char *arg, struct sf_probe_options *o);

/* Ctrl-C during a command's network work: the flag returned (cleared
 * first) is set instead of ending smtpfix, so the work stops at once and
 * what was found is still reported. old keeps the handler before. */
struct sigaction;
atomic_bool *sf_cli_interrupt_catch(struct sigaction *old);
void sf_cli_interrupt_restore(const struct sigaction *old);

/* A --dns-server value (ADDR or ADDR:PORT); false after saying why. */
bool sf_cli_dns_server_ok(const char *s);

/* "International name: TYPED is looked up as ASCII." */
void sf_cli_print_idn(FILE *out, const char *typed, const char *ascii);
/* text with control and hidden characters escaped. */
void sf_cli_print_safe(FILE *out, const char *text);

#endif
