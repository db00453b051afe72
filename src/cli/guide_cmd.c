#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "smtpfix/guide.h"
#include "smtpfix/help.h"

/* The longest value filled into a step, in bytes (the renderer keeps up
 * to 255 of each). */
#define GUIDE_VALUE_MAX 255

static const char guide_usage[] =
	"usage: smtpfix guide --client ID [--host H] [--port N] [--security starttls|tls|none]\n"
	"                     [--auth on|off] [--user U] [--ca-file FILE]\n"
	"       smtpfix guide --list\n"
	"\n"
	"Prints the steps to set the outgoing server in one mail program, with the\n"
	"values filled in. Defaults: STARTTLS on 587 (465 with --security tls),\n"
	"authentication on. --ca-file names the CA (or the server's own certificate)\n"
	"the program must trust when the server's certificate is not from a public\n"
	"authority: the steps then say how, and the example uses it.\n";

/* A value for the steps must be plain text: the renderer puts it into a
 * step line, where a line break would start a line of its own (a forged
 * step) and an escape sequence would reach the terminal. Such a value is
 * refused with the reason, rather than shown escaped in steps that the
 * person would then copy. */
static int
check_value(const char *option, const char *in)
{
	if (strlen(in) > GUIDE_VALUE_MAX) {
		sf_cli_usage_error("%s is too long (at most %d bytes)", option, GUIDE_VALUE_MAX);
		return -1;
	}
	if (!sf_cli_text_clean(in)) {
		sf_cli_usage_error(
			"%s '%s' holds a line break, a control character or an invisible "
			"character",
			option, in);
		return -1;
	}
	return 0;
}

int
sf_cli_guide(int argc, char **argv)
{
	static const struct option opts[] = { { "client", required_argument, NULL, 'c' },
		{ "host", required_argument, NULL, 'H' }, { "port", required_argument, NULL, 'p' },
		{ "security", required_argument, NULL, 's' },
		{ "auth", required_argument, NULL, 'a' }, { "user", required_argument, NULL, 'u' },
		{ "list", no_argument, NULL, 'l' }, { "help", no_argument, NULL, 'h' },
		{ "ca-file", required_argument, NULL, 'C' }, { NULL, 0, NULL, 0 } };
	struct sf_guide_values v = { "your outgoing mail server", 0, SF_GUIDE_STARTTLS, true,
		"your full email address", NULL, false, NULL };
	const char *client = NULL, *text;
	char path[128];
	struct sf_buf out;
	struct sf_error err;
	size_t len, i;
	long port;
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = sf_cli_getopt(argc, argv, opts, NULL)) != -1) {
		switch (c) {
		case SF_CLI_BAD_VALUE: return SF_EXIT_USAGE;
		case 'c': client = optarg; break;
		case 'H':
			if (check_value("--host", optarg) < 0)
				return SF_EXIT_USAGE;
			v.host = optarg;
			break;
		case 'C':
			if (check_value("--ca-file", optarg) < 0)
				return SF_EXIT_USAGE;
			v.private_ca = true;
			v.ca_file = optarg;
			break;
		case 'u':
			if (check_value("--user", optarg) < 0)
				return SF_EXIT_USAGE;
			v.user = optarg;
			break;
		case 'p':
			if (sf_cli_parse_int(optarg, 1, 65535, &port) < 0) {
				sf_cli_usage_error(
					"port '%s' is not a number from 1 to 65535", optarg);
				return SF_EXIT_USAGE;
			}
			v.port = (int)port;
			break;
		case 's':
			if (strcmp(optarg, "starttls") == 0)
				v.security = SF_GUIDE_STARTTLS;
			else if (strcmp(optarg, "tls") == 0)
				v.security = SF_GUIDE_TLS;
			else if (strcmp(optarg, "none") == 0)
				v.security = SF_GUIDE_NONE;
			else {
				sf_cli_usage_error(
					"security '%s' is not one of starttls, tls, none", optarg);
				return SF_EXIT_USAGE;
			}
			break;
		case 'a':
			if (strcmp(optarg, "on") != 0 && strcmp(optarg, "off") != 0) {
				sf_cli_usage_error("--auth takes on or off");
				return SF_EXIT_USAGE;
			}
			v.auth = strcmp(optarg, "on") == 0;
			break;
		case 'l':
			for (i = 0; sf_client_ids[i] != NULL; i++)
				printf("%s\n", sf_client_ids[i]);
			return SF_EXIT_OK;
		case 'h': fputs(guide_usage, stdout); return SF_EXIT_OK;
		default:
			sf_cli_usage_error(
				"guide: unknown or incomplete option '%s'", argv[optind - 1]);
			return SF_EXIT_USAGE;
		}
	}
	if (client == NULL || optind != argc) {
		sf_cli_usage_error("guide: which mail program? (--client ID; --list shows them)");
		return SF_EXIT_USAGE;
	}
	if (v.port == 0)
		v.port = v.security == SF_GUIDE_TLS ? 465 : 587;
	if (!sf_cli_client_known(client))
		return SF_EXIT_USAGE;
	snprintf(path, sizeof path, "clients/%s.txt", client);
	text = sf_help_get(path, &len);
	if (text == NULL) {
		sf_cli_usage_error("no guide for %s", client);
		return SF_EXIT_NOTHING;
	}
	sf_buf_init(&out, 1 << 20);
	rc = sf_guide_render(text, len, &v, &out, &err);
	if (rc == 0)
		fwrite(out.data, 1, out.len, stdout);
	else
		sf_cli_usage_error("the guide for %s is broken: %s", client, err.message);
	sf_buf_free(&out);
	return rc == 0 ? SF_EXIT_OK : SF_EXIT_NOTHING;
}
