#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "smtpfix/dns.h"
#include "smtpfix/guide.h"
#include "smtpfix/probe.h"
#include "smtpfix/text.h"

int
sf_cli_parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (s[0] == '\0' || *end != '\0' || errno != 0 || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
sf_cli_parse_seconds(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (s[0] == '\0' || *end != '\0' || errno != 0 || !isfinite(v) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Every complaint quotes what the person typed, and that may hold escape
 * sequences, line breaks or bidirectional controls: the whole line is
 * escaped here, once, so no caller can forget. Values a library already
 * escaped keep their backslashes as they are. */
void
sf_cli_usage_error(const char *fmt, ...)
{
	char msg[SF_CLI_MESSAGE_MAX + 1];
	struct sf_buf b;
	struct sf_error err;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		snprintf(msg, sizeof msg, "bad usage");
	sf_buf_init(&b, 16 * SF_CLI_MESSAGE_MAX);
	fputs("smtpfix: ", stderr);
	if (sf_sanitize_message_append(&b, msg, strlen(msg), SF_CLI_MESSAGE_MAX, &err) == 0 &&
		b.data != NULL)
		fputs(b.data, stderr);
	else
		fputs("bad usage (the message could not be shown)", stderr);
	fputs("\n", stderr);
	sf_buf_free(&b);
}

bool
sf_cli_text_clean(const char *s)
{
	return sf_utf8_clean(s);
}

int
sf_cli_getopt(int argc, char **argv, const struct option *opts, const char *may_be_empty)
{
	int c, idx = -1;
	const char *name;

	/* The leading ':' makes a value left off at the end its own case. */
	c = getopt_long(argc, argv, ":", opts, &idx);
	if (c == ':') {
		sf_cli_usage_error("%s needs a value", argv[optind - 1]);
		return SF_CLI_BAD_VALUE;
	}
	if (c == -1 || c == '?' || idx < 0 || opts[idx].has_arg != required_argument)
		return c;
	name = opts[idx].name;
	if (optarg[0] == '\0' && (may_be_empty == NULL || strcmp(name, may_be_empty) != 0)) {
		/* An empty folder name would mean "/" to the code that adds a
		 * file name to it, so no option takes an empty value. */
		sf_cli_usage_error("--%s needs a value; it was empty", name);
		return SF_CLI_BAD_VALUE;
	}
	if (strncmp(optarg, "--", 2) == 0) {
		/* "--report-dir --plain": the value was left off and the next
		 * option taken instead. */
		sf_cli_usage_error(
			"--%s needs a value, not the option '%s' (for a name starting with "
			"--, write ./%s)",
			name, optarg, optarg);
		return SF_CLI_BAD_VALUE;
	}
	return c;
}

void
sf_cli_print_idn(FILE *out, const char *typed, const char *ascii)
{
	struct sf_buf b;
	struct sf_error err;

	sf_buf_init(&b, 16 * SF_CLI_MESSAGE_MAX);
	if (sf_sanitize_append(&b, typed, strlen(typed), SF_CLI_MESSAGE_MAX, &err) == 0 &&
		b.data != NULL)
		fprintf(out, "International name: %s is looked up as %s.\n", b.data, ascii);
	sf_buf_free(&b);
}

void
sf_cli_print_safe(FILE *out, const char *text)
{
	struct sf_buf b;
	struct sf_error err;

	sf_buf_init(&b, 16 * SF_CLI_MESSAGE_MAX);
	if (sf_sanitize_append(&b, text, strlen(text), SF_CLI_MESSAGE_MAX, &err) == 0 &&
		b.data != NULL)
		fputs(b.data, out);
	sf_buf_free(&b);
}

bool
sf_cli_dns_server_ok(const char *s)
{
	if (sf_dns_server_valid(s))
		return true;
	sf_cli_usage_error("--dns-server '%s' is not ADDR or ADDR:PORT (such as 192.0.2.53 or "
			   "[2001:db8::53]:53)",
		s);
	return false;
}

/* "PORT=REALPORT", read without writing into argv. */
int
sf_cli_parse_port_map(const char *s, struct sf_port_map *m)
{
	const char *eq = strchr(s, '=');
	char left[16];
	long p, r;

	if (eq == NULL || (size_t)(eq - s) >= sizeof left)
		return -1;
	memcpy(left, s, (size_t)(eq - s));
	left[eq - s] = '\0';
	if (sf_cli_parse_int(left, 1, 65535, &p) < 0 || sf_cli_parse_int(eq + 1, 1, 65535, &r) < 0)
		return -1;
	m->port = (int)p;
	m->real = (int)r;
	return 0;
}

bool
sf_cli_client_known(const char *id)
{
	char near[400] = "";
	size_t i, n = strlen(id), o = 0;

	if (sf_client_find(id, NULL))
		return true;
	/* "outlook" is three programs: name the ids it starts. */
	for (i = 0; n > 0 && sf_client_ids[i] != NULL; i++)
		if (strncmp(sf_client_ids[i], id, n) == 0 &&
			o + strlen(sf_client_ids[i]) + 3 < sizeof near)
			o += (size_t)snprintf(
				near + o, sizeof near - o, "%s%s", o ? ", " : "", sf_client_ids[i]);
	if (o > 0)
		sf_cli_usage_error("'%.60s' is more than one mail program: %s", id, near);
	else
		sf_cli_usage_error(
			"unknown mail program '%.60s' (smtpfix guide --list shows them)", id);
	return false;
}

int
sf_cli_net_option(int c, const char *arg, struct sf_probe_options *o)
{
	double secs;

	switch (c) {
	case SF_CLI_OPT_TIMEOUT:
		if (sf_cli_parse_seconds(arg, 0.1, 300, &secs) < 0) {
			sf_cli_usage_error(
				"timeout '%s' is not a number of seconds from 0.1 to 300", arg);
			return -1;
		}
		o->timeout_ms = (int)(secs * 1000.0 + 0.5);
		return 1;
	case SF_CLI_OPT_CA_FILE: o->ca_file = arg; return 1;
	case SF_CLI_OPT_DNS_SERVER:
		if (!sf_cli_dns_server_ok(arg))
			return -1;
		o->dns_server = arg;
		return 1;
	case SF_CLI_OPT_PORT_MAP:
		if (o->nmaps >= SF_PROBE_MAX_MAPS ||
			sf_cli_parse_port_map(arg, &o->maps[o->nmaps]) < 0) {
			sf_cli_usage_error(
				"port map '%s' is not PORT=REALPORT (both 1-65535)", arg);
			return -1;
		}
		o->nmaps++;
		return 1;
	case SF_CLI_OPT_PORT: {
		long v;

		if (sf_cli_parse_int(arg, 1, 65535, &v) < 0) {
			sf_cli_usage_error("port '%s' is not a number from 1 to 65535", arg);
			return -1;
		}
		if (o->nports >= SF_PROBE_MAX_PORTS) {
			sf_cli_usage_error("at most %d ports", SF_PROBE_MAX_PORTS);
			return -1;
		}
		o->ports[o->nports++] = (int)v;
		return 1;
	}
	case SF_CLI_OPT_RESOLVE:
		if (o->nhost_maps >= SF_PROBE_MAX_MAPS ||
			sf_host_map_parse(arg, &o->host_maps[o->nhost_maps]) < 0) {
			sf_cli_usage_error("--resolve '%s' is not NAME:ADDRESS (a host name and an "
					   "IP address)",
				arg);
			return -1;
		}
		o->nhost_maps++;
		return 1;
	}
	return 0;
}

/* Set from a signal handler: a lock-free atomic may be (C11 7.14.1.1). */
static atomic_bool interrupted;

static void
on_interrupt(int sig)
{
	(void)sig;
	atomic_store(&interrupted, true);
}

atomic_bool *
sf_cli_interrupt_catch(struct sigaction *old)
{
	struct sigaction sa;

	atomic_store(&interrupted, false);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_interrupt;
	sigaction(SIGINT, &sa, old);
	return &interrupted;
}

void
sf_cli_interrupt_restore(const struct sigaction *old)
{
	sigaction(SIGINT, old, NULL);
}
