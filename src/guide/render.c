/* Client guide files:
 *   name: the program's name
 *   label starttls: / label tls: / label none:  what the program calls each mode
 *   auth on: / auth off:  what to choose for authentication
 *   step: text        a step for every mode
 *   step[tls]: text   a step only for that mode (starttls, tls, none)
 *   test: text        how to check afterwards
 *   note: text        printed after the steps
 *   trust: text       a step only when the server's certificate is not one
 *   trust[tls]: text  the program trusts on its own (values.private_ca)
 *   example| code     one line of a complete example, kept as it is
 *   example[tls]| code          ... only for that mode
 *   example-ca| code            ... only with a private CA
 *   example-public| code        ... only without one
 *   example-auth| code          ... only with login on (-noauth: off)
 * A line starting with white space continues the line before it (not
 * an example line: code keeps its own indentation after "| "). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "smtpfix/guide.h"
#include "smtpfix/help.h"
#include "smtpfix/text.h"

#define LINE_MAX_GUIDE 2048

const char *const sf_client_ids[] = { "outlook-classic", "outlook-new", "outlook-mac",
	"windows-mail", "thunderbird", "apple-mail", "ios-mail", "gmail-android", "samsung-email",
	"em-client", "phpmailer", "wp-mail-smtp", "python-smtplib", "nodemailer", "msmtp",
	"postfix-relay", "generic", NULL };

bool
sf_client_find(const char *id, size_t *index)
{
	size_t i;

	for (i = 0; id != NULL && sf_client_ids[i] != NULL; i++)
		if (strcmp(sf_client_ids[i], id) == 0) {
			if (index != NULL)
				*index = i;
			return true;
		}
	return false;
}

const char *
sf_guide_security_id(enum sf_guide_security s)
{
	switch (s) {
	case SF_GUIDE_STARTTLS: return "starttls";
	case SF_GUIDE_TLS: return "tls";
	case SF_GUIDE_NONE: return "none";
	}
	return "?";
}

/* Call fn for each logical line (continuations joined with a space). */
static int
each_line(const char *text, size_t len, int (*fn)(void *, const char *), void *ctx)
{
	char line[LINE_MAX_GUIDE];
	size_t n = 0, i = 0;
	int rc;

	while (i <= len) {
		const char *nl = i < len ? memchr(text + i, '\n', len - i) : NULL;
		size_t e = nl ? (size_t)(nl - text) : len, k;
		bool cont = i < e && (text[i] == ' ' || text[i] == '\t');

		if (!cont && n > 0) {
			line[n] = '\0';
			if ((rc = fn(ctx, line)) != 0)
				return rc;
			n = 0;
		}
		if (i < e && text[i] != '#') {
			size_t s = i;

			if (cont) {
				while (s < e && isspace((unsigned char)text[s]))
					s++;
				if (n > 0 && n + 1 < sizeof line)
					line[n++] = ' ';
			}
			k = e - s;
			if (n + k >= sizeof line)
				k = sizeof line - n - 1;
			memcpy(line + n, text + s, k);
			n += k;
		}
		if (nl == NULL)
			break;
		i = e + 1;
	}
	if (n > 0) {
		line[n] = '\0';
		return fn(ctx, line);
	}
	return 0;
}

struct find_ctx {
	const char *key;
	char *out;
	size_t outsz;
	bool found;
};

static int
find_key(void *p, const char *line)
{
	struct find_ctx *c = p;
	size_t k = strlen(c->key);

	if (strncmp(line, c->key, k) == 0 && line[k] == ':') {
		const char *v = line + k + 1;

		while (*v == ' ')
			v++;
		snprintf(c->out, c->outsz, "%s", v);
		c->found = true;
		return 1;
	}
	return 0;
}

static bool
lookup(const char *text, size_t len, const char *key, char *out, size_t outsz)
{
	struct find_ctx c = { key, out, outsz, false };

	out[0] = '\0';
	each_line(text, len, find_key, &c);
	return c.found;
}

int
sf_guide_label(const char *text, size_t len, enum sf_guide_security s, char *out, size_t outsz)
{
	char key[32];

	snprintf(key, sizeof key, "label %s", sf_guide_security_id(s));
	return lookup(text, len, key, out, outsz) ? 0 : -1;
}

struct render_ctx {
	const struct sf_guide_values *v;
	const char *text;
	size_t len;
	char label[128], auth[128];
	char warning[512]; /* said at the security step, or "" */
	struct sf_buf *out;
	struct sf_guide *g; /* the parts, as they are written into out */
	struct sf_error *err;
	int pass;        /* 0: count the steps, 1: write them */
	bool in_example; /* the example's part is open */
	int nsteps, step;
	bool failed;
};

/* A part of the guide starts at the end of what is written so far. */
static void
part_begin(struct render_ctx *c, enum sf_guide_part_kind kind)
{
	if (c->g->nparts >= SF_GUIDE_MAX_PARTS) {
		c->failed = true;
		sf_error_set(c->err, SF_E_TOO_LONG, "the guide has more than %d parts",
			SF_GUIDE_MAX_PARTS);
		return;
	}
	c->g->parts[c->g->nparts].kind = kind;
	c->g->parts[c->g->nparts].off = c->out->len;
}

static void
part_end(struct render_ctx *c)
{
	if (c->failed)
		return;
	c->g->parts[c->g->nparts].len = c->out->len - c->g->parts[c->g->nparts].off;
	c->g->nparts++;
}

enum placeholder { PH_HOST, PH_PORT, PH_SECURITY, PH_AUTH, PH_USER, PH_CAFILE };

static const struct {
	const char *name;
	enum placeholder id;
} placeholders[] = {
	{ "host", PH_HOST },
	{ "port", PH_PORT },
	{ "security", PH_SECURITY },
	{ "auth", PH_AUTH },
	{ "user", PH_USER },
	{ "cafile", PH_CAFILE },
};

/* A value as it may appear in a step: the host can come from a server's
 * certificate and the user name from the command line, so each passes the
 * sanitizer (a line break or an escape becomes visible text and cannot
 * start a forged step or drive the terminal). */
static void
safe_value(const char *raw, size_t max_in, char *out, size_t outsz)
{
	struct sf_buf b;

	sf_buf_init(&b, outsz - 1);
	if (sf_sanitize_message_append(&b, raw, strlen(raw), max_in, NULL) < 0 || b.data == NULL)
		snprintf(out, outsz, "?");
	else
		snprintf(out, outsz, "%s", b.data);
	sf_buf_free(&b);
}

/* Fill placeholders; SF_E_USAGE for an unknown one. */
static int
fill(struct render_ctx *c, const char *in, char *out, size_t outsz)
{
	size_t o = 0;

	while (*in != '\0' && o + 1 < outsz) {
		/* A placeholder is "{name}" with a lower-case name; any other brace
		 * (code in the script guides) is text. */
		size_t n = 0, k;

		if (*in == '{')
			while (islower((unsigned char)in[1 + n]) || in[1 + n] == '_')
				n++;
		if (*in == '{' && n > 0 && in[1 + n] == '}') {
			const char *close = in + 1 + n;
			char raw[256], value[4 * sizeof raw + 32];

			for (k = 0; k < sizeof placeholders / sizeof placeholders[0]; k++)
				if (strlen(placeholders[k].name) == n &&
					memcmp(placeholders[k].name, in + 1, n) == 0)
					break;
			if (k == sizeof placeholders / sizeof placeholders[0])
				return sf_error_set(c->err, SF_E_USAGE,
					"unknown placeholder {%.*s}", (int)(n > 30 ? 30 : n),
					in + 1);
			switch (placeholders[k].id) {
			case PH_HOST: snprintf(raw, sizeof raw, "%s", c->v->host); break;
			case PH_PORT: snprintf(raw, sizeof raw, "%d", c->v->port); break;
			case PH_SECURITY: snprintf(raw, sizeof raw, "%s", c->label); break;
			case PH_AUTH: snprintf(raw, sizeof raw, "%s", c->auth); break;
			case PH_USER: snprintf(raw, sizeof raw, "%s", c->v->user); break;
			case PH_CAFILE:
				snprintf(raw, sizeof raw, "%s",
					c->v->ca_file != NULL ? c->v->ca_file : "server-ca.pem");
				break;
			}
			safe_value(raw, sizeof raw, value, sizeof value);
			o += (size_t)snprintf(out + o, outsz - o, "%s", value);
			if (o >= outsz)
				o = outsz - 1;
			in = close + 1;
			continue;
		}
		out[o++] = *in++;
	}
	out[o] = '\0';
	return 0;
}

/* Append text wrapped at the guide width with a hanging indent. */
static void
wrapped(struct render_ctx *c, const char *first, const char *text, size_t indent)
{
	size_t width = SF_GUIDE_WIDTH - indent, len = strlen(text);
	const char *t = text;
	bool head = true;

	if (c->failed)
		return;
	while (len > 0) {
		size_t take = len, cut;

		if (take > width) {
			for (cut = width; cut > 0 && t[cut] != ' '; cut--)
				;
			take = cut > 0 ? cut : width;
		}
		if ((head ? sf_buf_printf(c->out, c->err, "%-*s", (int)indent, first)
			  : sf_buf_printf(c->out, c->err, "%*s", (int)indent, "")) < 0 ||
			sf_buf_add(c->out, t, take, c->err) < 0 ||
			sf_buf_add(c->out, "\n", 1, c->err) < 0) {
			c->failed = true;
			return;
		}
		head = false;
		t += take;
		len -= take;
		while (len > 0 && *t == ' ') {
			t++;
			len--;
		}
	}
}

/* One line of the example: kept as written after "| " (code has its own
 * indentation and braces), its placeholders filled, indented under the
 * heading; the lines for another mode or another certificate are left
 * out. */
static int
example_line(struct render_ctx *c, const char *line)
{
	const char *bar = strchr(line, '|'), *tag = line + 7, *code;
	char filled[LINE_MAX_GUIDE];
	size_t taglen;

	if (bar == NULL)
		return 0;
	taglen = (size_t)(bar - tag);
	if (c->pass == 0)
		return 0;
	if (taglen > 0 && !(taglen == 3 && memcmp(tag, "-ca", 3) == 0 && c->v->private_ca) &&
		!(taglen == 7 && memcmp(tag, "-public", 7) == 0 && !c->v->private_ca) &&
		!(taglen == 5 && memcmp(tag, "-auth", 5) == 0 && c->v->auth) &&
		!(taglen == 7 && memcmp(tag, "-noauth", 7) == 0 && !c->v->auth) &&
		!(tag[0] == '[' && taglen == strlen(sf_guide_security_id(c->v->security)) + 2 &&
			memcmp(tag + 1, sf_guide_security_id(c->v->security), taglen - 2) == 0))
		return 0;
	code = bar[1] == ' ' ? bar + 2 : bar + 1;
	if (fill(c, code, filled, sizeof filled) < 0)
		return -1;
	if (!c->in_example) {
		part_begin(c, SF_GUIDE_EXAMPLE);
		if (c->failed ||
			sf_buf_addstr(c->out, "\nThe whole of it, ready to copy:\n\n", c->err) < 0)
			return -1;
		c->in_example = true;
	}
	if (sf_buf_printf(c->out, c->err, "%s%s\n", filled[0] != '\0' ? "    " : "", filled) < 0) {
		c->failed = true;
		return -1;
	}
	return 0;
}

static int
render_line(void *p, const char *line)
{
	struct render_ctx *c = p;
	char filled[LINE_MAX_GUIDE], head[32];
	const char *body = NULL;
	char want[32];

	if (strncmp(line, "example", 7) == 0)
		return example_line(c, line);
	if (c->in_example) { /* the example ended with the line before */
		part_end(c);
		c->in_example = false;
	}
	/* A trust step is a step where the certificate needs one. */
	if (strncmp(line, "trust", 5) == 0) {
		if (!c->v->private_ca)
			return 0;
		line += 5;
		snprintf(want, sizeof want, "[%s]:", sf_guide_security_id(c->v->security));
		if (line[0] == ':')
			body = line + 1;
		else if (strncmp(line, want, strlen(want)) == 0)
			body = line + strlen(want);
		else
			return 0; /* for another mode */
	}
	snprintf(want, sizeof want, "step[%s]:", sf_guide_security_id(c->v->security));
	if (body != NULL)
		;
	else if (strncmp(line, "step:", 5) == 0)
		body = line + 5;
	else if (strncmp(line, want, strlen(want)) == 0)
		body = line + strlen(want);
	else if (strncmp(line, "step[", 5) == 0)
		return 0; /* a step for another mode */
	if (body != NULL) {
		while (*body == ' ')
			body++;
		if (c->pass == 0) {
			c->nsteps++;
			return 0;
		}
		if (fill(c, body, filled, sizeof filled) < 0)
			return -1;
		c->step++;
		snprintf(head, sizeof head, "Step %d of %d:", c->step, c->nsteps);
		part_begin(c, SF_GUIDE_STEP);
		wrapped(c, head, filled, strlen(head) + 1);
		if (c->warning[0] != '\0' && strstr(body, "{security}") != NULL) {
			char warning[LINE_MAX_GUIDE];

			snprintf(warning, sizeof warning, "Warning: %s", c->warning);
			wrapped(c, "", warning, strlen(head) + 1);
		}
		part_end(c);
		return c->failed ? -1 : 0;
	}
	if (c->pass == 1 && (strncmp(line, "test:", 5) == 0 || strncmp(line, "note:", 5) == 0)) {
		const char *v = line + 5;

		while (*v == ' ')
			v++;
		if (fill(c, v, filled, sizeof filled) < 0)
			return -1;
		part_begin(c, line[0] == 't' ? SF_GUIDE_TEST : SF_GUIDE_NOTE);
		if (!c->failed && sf_buf_addstr(c->out, "\n", c->err) < 0)
			return -1;
		wrapped(c, line[0] == 't' ? "Test it:" : "Note:", filled, 10);
		part_end(c);
		return c->failed ? -1 : 0;
	}
	return 0;
}

int
sf_guide_build(const char *text, size_t len, const struct sf_guide_values *v, struct sf_guide *g,
	struct sf_error *err)
{
	struct render_ctx c;
	char name[128], titled[2000], host[1100];

	memset(&c, 0, sizeof c);
	g->nparts = 0;
	g->nsteps = 0;
	sf_buf_reset(&g->text);
	c.v = v;
	c.text = text;
	c.len = len;
	c.out = &g->text;
	c.g = g;
	c.err = err;
	if (!lookup(text, len, "name", name, sizeof name))
		return sf_error_set(err, SF_E_USAGE, "the guide has no name: line");
	if (sf_guide_label(text, len, v->security, c.label, sizeof c.label) < 0)
		return sf_error_set(err, SF_E_USAGE, "%s has no label for %s", name,
			sf_guide_security_id(v->security));
	if (!lookup(text, len, v->auth ? "auth on" : "auth off", c.auth, sizeof c.auth))
		return sf_error_set(err, SF_E_USAGE, "%s has no \"auth %s\" line", name,
			v->auth ? "on" : "off");
	/* A login without encryption is warned about where it is set. */
	if (v->security_warning != NULL)
		snprintf(c.warning, sizeof c.warning, "%s", v->security_warning);
	else if (v->security == SF_GUIDE_NONE && v->auth &&
		 sf_help_fill("guide/warnings.txt", "no-encryption", NULL, c.warning,
			 sizeof c.warning) < 0)
		c.warning[0] = '\0';
	safe_value(v->host, 256, host, sizeof host);
	snprintf(titled, sizeof titled,
		"Fix the outgoing server in %s: %s, port %d, %s, authentication %s.", name, host,
		v->port, c.label, v->auth ? "on" : "off");
	part_begin(&c, SF_GUIDE_TITLE);
	wrapped(&c, "", titled, 0);
	if (c.failed || sf_buf_addstr(c.out, "\n", err) < 0)
		return -1;
	part_end(&c);
	if (each_line(text, len, render_line, &c) != 0)
		return -1;
	c.pass = 1;
	if (each_line(text, len, render_line, &c) != 0)
		return -1;
	if (c.in_example)
		part_end(&c);
	g->nsteps = c.nsteps;
	return c.failed ? -1 : 0;
}

void
sf_guide_init(struct sf_guide *g)
{
	memset(g, 0, sizeof *g);
	sf_buf_init(&g->text, SF_GUIDE_TEXT_MAX);
}

void
sf_guide_free(struct sf_guide *g)
{
	sf_buf_free(&g->text);
	g->nparts = 0;
}

int
sf_guide_render(const char *text, size_t len, const struct sf_guide_values *v, struct sf_buf *out,
	struct sf_error *err)
{
	struct sf_guide g;
	int rc;

	sf_guide_init(&g);
	rc = sf_guide_build(text, len, v, &g, err);
	if (rc == 0 && g.text.len > 0)
		rc = sf_buf_add(out, g.text.data, g.text.len, err);
	sf_guide_free(&g);
	return rc;
}
