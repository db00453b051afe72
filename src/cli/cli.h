/* The command line: main() dispatches to one function per subcommand. */
#ifndef SMTPFIX_CLI_H
#define SMTPFIX_CLI_H

/* Exit statuses, documented in the README and the man page. */
enum {
	SF_EXIT_OK = 0,       /* healthy */
	SF_EXIT_PROBLEM = 1,  /* a problem was found */
	SF_EXIT_USAGE = 2,    /* bad usage */
	SF_EXIT_NOTHING = 3,  /* nothing could be probed */
	SF_EXIT_CANCELLED = 130 /* interrupted (Ctrl-C), as shells report SIGINT */
};

#define SMTPFIX_VERSION "0.1.0"

int sf_cli_probe(int argc, char **argv);
int sf_cli_discover(int argc, char **argv);
int sf_cli_policy(int argc, char **argv);
int sf_cli_explain(int argc, char **argv);
int sf_cli_guide(int argc, char **argv);
int sf_cli_lab(int argc, char **argv);
int sf_cli_wizard(int argc, char **argv);

/* The client ids (from the guide layer), for checking --client. */
extern const char *const sf_client_ids[];
#define sf_client_ids_cli sf_client_ids
/* Strict number parsing: whole string, within [min, max]. */
int sf_cli_parse_int(const char *s, long min, long max, long *out);
int sf_cli_parse_seconds(const char *s, double min, double max, double *out);
void sf_cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
