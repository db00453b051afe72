#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "smtpfix/explain.h"
#include "smtpfix/help.h"
#include "smtpfix/json.h"
#include "smtpfix/refcode.h"

/* The longest code read, in bytes, spaces and dashes included. */
#define CODE_TEXT_MAX 256

static const char code_usage[] =
	"usage: smtpfix code REF [--json]\n"
	"\n"
	"Expands a reference code such as 41H20-H196W, read out by someone who ran\n"
	"smtpfix: the cause found, the setting to use, what each port does and how\n"
	"the login test went. Case, spaces and dashes do not matter; O reads as 0,\n"
	"I and L as 1.\n"
	"\n"
	"Exit status: 0 read, 2 bad usage or a code that does not read.\n";

/* The first line of help/causes/ID.txt: the cause in words. */
static void
cause_title(enum sf_cause cause, char *out, size_t outsz)
{
	char path[96];
	const char *text;
	size_t len, n = 0;

	out[0] = '\0';
	snprintf(path, sizeof path, "causes/%s.txt", sf_cause_id(cause));
	text = sf_help_get(path, &len);
	if (text == NULL)
		return;
	while (n < len && text[n] != '\n')
		n++;
	while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\r' || text[n - 1] == '\t'))
		n--;
	snprintf(out, outsz, "%.*s", (int)n, text);
}

static const char *
security_words(enum sf_security s)
{
	switch (s) {
	case SF_SEC_NONE: return "no encryption";
	case SF_SEC_STARTTLS: return "STARTTLS";
	case SF_SEC_TLS: return "SSL/TLS";
	}
	return "?";
}

static void
print_text(const char *ref, const struct sf_refcode *c)
{
	char title[SF_EXPLAIN_FIELD_MAX];
	size_t k;

	printf("Reference  %s\n", ref);
	if (c->cause < 0) {
		printf("Cause      none: no problem was found\n");
	} else {
		cause_title((enum sf_cause)c->cause, title, sizeof title);
		printf("Cause      %s", sf_cause_id((enum sf_cause)c->cause));
		if (title[0] != '\0') {
			fputs(": ", stdout);
			sf_cli_print_safe(stdout, title);
		}
		fputs("\n", stdout);
	}
	if (!c->has_setting)
		printf("Use        no setting found\n");
	else if (c->port == 0)
		printf("Use        a port other than %d, %d, %d, %d and %d, %s, login on\n",
			sf_refcode_ports[0], sf_refcode_ports[1], sf_refcode_ports[2],
			sf_refcode_ports[3], sf_refcode_ports[4], security_words(c->security));
	else
		printf("Use        port %d, %s, login on\n", c->port, security_words(c->security));
	for (k = 0; k < SF_REFCODE_NPORTS; k++)
		printf("Port %-5d %s\n", sf_refcode_ports[k],
			sf_refcode_class_words(c->port_class[k]));
	printf("Login test %s\n", sf_refcode_login_words(c->login));
}

static int
print_json(const char *ref, const struct sf_refcode *c)
{
	char title[SF_EXPLAIN_FIELD_MAX];
	struct sf_buf b;
	struct sf_json j;
	struct sf_error err;
	size_t k;
	int rc = 0;

	sf_buf_init(&b, 64 * 1024);
	sf_json_init(&j, &b, 2);
	sf_json_object_begin(&j);
	sf_json_kv_string(&j, "reference", ref);
	sf_json_kv_int(&j, "version", c->version);
	if (c->cause < 0) {
		sf_json_kv_string_or_null(&j, "cause", NULL);
		sf_json_kv_string_or_null(&j, "cause_title", NULL);
	} else {
		cause_title((enum sf_cause)c->cause, title, sizeof title);
		sf_json_kv_string(&j, "cause", sf_cause_id((enum sf_cause)c->cause));
		sf_json_kv_string_or_null(&j, "cause_title", title[0] ? title : NULL);
	}
	sf_json_key(&j, "setting");
	if (!c->has_setting) {
		sf_json_null(&j);
	} else {
		sf_json_object_begin(&j);
		/* null: a port other than the five a code names. */
		sf_json_key(&j, "port");
		if (c->port == 0)
			sf_json_null(&j);
		else
			sf_json_int(&j, c->port);
		sf_json_kv_string(&j, "security", sf_security_id(c->security));
		sf_json_kv_bool(&j, "auth", true);
		sf_json_object_end(&j);
	}
	sf_json_key(&j, "ports");
	sf_json_array_begin(&j);
	for (k = 0; k < SF_REFCODE_NPORTS; k++) {
		sf_json_object_begin(&j);
		sf_json_kv_int(&j, "port", sf_refcode_ports[k]);
		sf_json_kv_string(&j, "class", sf_refcode_class_id(c->port_class[k]));
		sf_json_kv_string(&j, "words", sf_refcode_class_words(c->port_class[k]));
		sf_json_object_end(&j);
	}
	sf_json_array_end(&j);
	sf_json_kv_string(&j, "login_test", sf_refcode_login_id(c->login));
	sf_json_object_end(&j);
	if (sf_json_finish(&j, &err) == 0) {
		printf("%s\n", b.data);
	} else {
		sf_cli_usage_error("code: %s", err.message);
		rc = -1;
	}
	sf_buf_free(&b);
	return rc;
}

int
sf_cli_code(int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	char text[CODE_TEXT_MAX + 1], ref[SF_REFCODE_TEXT_MAX];
	struct sf_refcode code;
	struct sf_error err;
	size_t len = 0;
	bool json = false;
	int c, i;

	optind = 1;
	opterr = 0;
	while ((c = sf_cli_getopt(argc, argv, opts, NULL)) != -1) {
		switch (c) {
		case SF_CLI_BAD_VALUE: return SF_EXIT_USAGE;
		case 'j': json = true; break;
		case 'h': fputs(code_usage, stdout); return SF_EXIT_OK;
		default:
			sf_cli_usage_error("code: unknown option '%s'", argv[optind - 1]);
			return SF_EXIT_USAGE;
		}
	}
	if (optind == argc) {
		sf_cli_usage_error("code: no reference code given (smtpfix code 41H20-H196W)");
		return SF_EXIT_USAGE;
	}
	/* A code read out in groups may come as several words. */
	for (i = optind; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (len + n + 1 > CODE_TEXT_MAX) {
			sf_cli_usage_error("code: that is too long for a reference code");
			return SF_EXIT_USAGE;
		}
		if (i > optind)
			text[len++] = ' ';
		memcpy(text + len, argv[i], n);
		len += n;
	}
	text[len] = '\0';
	if (sf_refcode_decode(text, &code, &err) < 0) {
		sf_cli_usage_error("code: %s", err.message);
		return SF_EXIT_USAGE;
	}
	sf_refcode_encode(&code, ref);
	if (json)
		return print_json(ref, &code) == 0 ? SF_EXIT_OK : SF_EXIT_PROBLEM;
	print_text(ref, &code);
	return SF_EXIT_OK;
}
