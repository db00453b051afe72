#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "smtpfix/explain.h"
#include "smtpfix/help.h"
#include "smtpfix/json.h"
#include "smtpfix/text.h"

static const char explain_usage[] =
	"usage: smtpfix explain [TEXT | -] [--json]\n"
	"\n"
	"Recognizes an error message: a server reply, an Outlook, Thunderbird or Apple\n"
	"Mail dialog, a PHP, Python, Java or .NET exception, or a mail log line. With\n"
	"no TEXT, or '-', the text is read from standard input (paste, then Ctrl-D).\n"
	"\n"
	"Exit status: 0 recognized, 1 not recognized, 2 bad usage.\n";

#define EXPLAIN_WIDTH 80

/* One paragraph wrapped to 80 columns, continuation lines under `indent`. */
static void
put_wrapped(struct sf_buf *out, const char *text, size_t indent)
{
	struct sf_error err;

	(void)sf_wrap_append(out, text, EXPLAIN_WIDTH, indent, &err);
}

static void
print_text(const struct sf_explain_result *r)
{
	struct sf_buf out, q;
	struct sf_error err;
	char line[4 * SF_EXPLAIN_FIELD_MAX + 256];
	size_t i;

	sf_buf_init(&out, 1 << 20);
	sf_buf_init(&q, 64 * 1024);
	if (r->ncauses == 0) {
		size_t len;
		const char *next = sf_help_get("explain/unrecognized.txt", &len);

		snprintf(line, sizeof line, "Not recognized.%s%s%s",
			r->family[0] ? " It looks like a problem of the \"" : "", r->family,
			r->family[0] ? "\" kind." : "");
		put_wrapped(&out, line, 0);
		if (next != NULL) {
			struct sf_buf t;

			sf_buf_init(&t, len + 1);
			if (sf_buf_add(&t, next, len, &err) == 0 && t.data != NULL)
				put_wrapped(&out, t.data, 0);
			sf_buf_free(&t);
		}
	}
	for (i = 0; i < r->ncauses; i++) {
		const struct sf_explain_cause *c = &r->causes[i];
		/* The words as the person pasted them, made safe to show. */
		const char *quote = c->quoted[0] != '\0' ? c->quoted : c->matched;

		sf_buf_reset(&q);
		sf_sanitize_append(&q, quote, strlen(quote), 200, &err);
		snprintf(line, sizeof line, "%zu. %s [%s] (%.0f%%)", i + 1,
			c->title[0] ? c->title : sf_cause_id(c->cause), sf_cause_id(c->cause),
			c->score * 100);
		put_wrapped(&out, line, 3);
		snprintf(line, sizeof line, "   because of: \"%s\"", q.data ? q.data : "");
		put_wrapped(&out, line, 5);
		snprintf(line, sizeof line, "   %s", c->means);
		put_wrapped(&out, line, 3);
		snprintf(line, sizeof line, "   Next: %s", c->next);
		put_wrapped(&out, line, 9);
		if (c->nevidence > 1) {
			size_t k, n = (size_t)snprintf(line, sizeof line, "   evidence:");

			/* Which layers agreed, so a reader sees why it ranks here. */
			for (k = 0; k < c->nevidence && n < sizeof line; k++) {
				size_t seen;

				for (seen = 0; seen < k; seen++)
					if (strcmp(c->evidence[seen].layer, c->evidence[k].layer) ==
						0)
						break;
				if (seen == k)
					n += (size_t)snprintf(line + n, sizeof line - n, "%s %s",
						k ? "," : "", c->evidence[k].layer);
			}
			put_wrapped(&out, line, 5);
		}
	}
	for (i = 0; i < r->nwarnings; i++) {
		snprintf(line, sizeof line, "Careful: %s", r->warnings[i]);
		put_wrapped(&out, line, 9);
	}
	if (out.data != NULL)
		fputs(out.data, stdout);
	sf_buf_free(&q);
	sf_buf_free(&out);
}

static void
print_json(const struct sf_explain_result *r)
{
	struct sf_buf b;
	struct sf_json j;
	struct sf_error err;
	size_t i, k;

	sf_buf_init(&b, 1 << 20);
	sf_json_init(&j, &b, 2);
	sf_json_object_begin(&j);
	sf_json_key(&j, "causes");
	sf_json_array_begin(&j);
	for (i = 0; i < r->ncauses; i++) {
		const struct sf_explain_cause *c = &r->causes[i];

		sf_json_object_begin(&j);
		sf_json_kv_string(&j, "cause", sf_cause_id(c->cause));
		sf_json_kv_string(&j, "title", c->title);
		sf_json_kv_double(&j, "score", c->score, 2);
		sf_json_kv_string(&j, "matched", c->matched);
		sf_json_kv_string(&j, "quoted", c->quoted);
		sf_json_kv_string(&j, "means", c->means);
		sf_json_kv_string(&j, "next", c->next);
		sf_json_kv_string_or_null(&j, "warning", c->warning[0] ? c->warning : NULL);
		sf_json_kv_string(&j, "entry", c->entry);
		/* What in the text pointed to this cause, strongest first. */
		sf_json_key(&j, "evidence");
		sf_json_array_begin(&j);
		for (k = 0; k < c->nevidence; k++) {
			sf_json_object_begin(&j);
			sf_json_kv_string(&j, "layer", c->evidence[k].layer);
			sf_json_kv_string(&j, "matched", c->evidence[k].matched);
			sf_json_kv_string(&j, "entry", c->evidence[k].entry);
			sf_json_kv_double(&j, "weight", c->evidence[k].weight, 2);
			sf_json_object_end(&j);
		}
		sf_json_array_end(&j);
		sf_json_object_end(&j);
	}
	sf_json_array_end(&j);
	sf_json_key(&j, "warnings");
	sf_json_array_begin(&j);
	for (i = 0; i < r->nwarnings; i++)
		sf_json_string(&j, r->warnings[i]);
	sf_json_array_end(&j);
	sf_json_kv_string_or_null(
		&j, "closest_family", r->ncauses == 0 && r->family[0] ? r->family : NULL);
	{
		/* Nothing recognized: what to do next, from help/. */
		size_t len;
		const char *next =
			r->ncauses == 0 ? sf_help_get("explain/unrecognized.txt", &len) : NULL;
		char words[1024];

		if (next != NULL)
			snprintf(words, sizeof words, "%.*s", (int)len, next);
		sf_json_kv_string_or_null(&j, "next", next != NULL ? words : NULL);
	}
	sf_json_object_end(&j);
	if (sf_json_finish(&j, &err) == 0)
		printf("%s\n", b.data);
	sf_buf_free(&b);
}

int
sf_cli_explain(int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	static char text[SF_EXPLAIN_TEXT_MAX + 1];
	static struct sf_explain_result r;
	struct sf_error err;
	const char *catalog;
	size_t len = 0, catlen;
	bool json = false;
	int c, i;

	optind = 1;
	opterr = 0;
	while ((c = sf_cli_getopt(argc, argv, opts, NULL)) != -1) {
		switch (c) {
		case SF_CLI_BAD_VALUE: return SF_EXIT_USAGE;
		case 'j': json = true; break;
		case 'h': fputs(explain_usage, stdout); return SF_EXIT_OK;
		default:
			sf_cli_usage_error("explain: unknown option '%s'", argv[optind - 1]);
			return SF_EXIT_USAGE;
		}
	}
	if (optind == argc || (optind == argc - 1 && strcmp(argv[optind], "-") == 0)) {
		/* At a terminal, say what is expected instead of waiting mutely. */
		if (isatty(STDIN_FILENO))
			fputs("Paste the message, then press Ctrl-D on a line of its own.\n",
				stderr);
		len = fread(text, 1, SF_EXPLAIN_TEXT_MAX, stdin);
	} else {
		/* Words given on the command line form one text. */
		for (i = optind; i < argc && len < SF_EXPLAIN_TEXT_MAX; i++)
			len += (size_t)snprintf(text + len, SF_EXPLAIN_TEXT_MAX + 1 - len, "%s%s",
				i > optind ? " " : "", argv[i]);
		if (len > SF_EXPLAIN_TEXT_MAX)
			len = SF_EXPLAIN_TEXT_MAX;
	}
	if (len == 0) {
		sf_cli_usage_error("explain: no text given (paste it, or give it as an argument)");
		return SF_EXIT_USAGE;
	}
	catalog = sf_help_get("errors/catalog.txt", &catlen);
	if (catalog == NULL || sf_explain(text, len, catalog, catlen, &r, &err) < 0) {
		sf_cli_usage_error("explain: the error catalog is missing");
		return SF_EXIT_NOTHING;
	}
	if (json)
		print_json(&r);
	else
		print_text(&r);
	return r.ncauses > 0 ? SF_EXIT_OK : SF_EXIT_PROBLEM;
}
