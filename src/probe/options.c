#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "smtpfix/probe.h"
#include "smtpfix/text.h"

/* Input quoted back in an error message is shown with control characters
 * escaped, so the message stays one line and harmless. */
static const char *
shown(const char *s, char *out, size_t outsz)
{
	struct sf_buf b;
	struct sf_error err;

	sf_buf_init(&b, outsz - 1);
	if (sf_sanitize_append(&b, s ? s : "", strlen(s ? s : ""), outsz / 5, &err) < 0 ||
		b.data == NULL)
		snprintf(out, outsz, "?");
	else
		snprintf(out, outsz, "%s", b.data);
	sf_buf_free(&b);
	return out;
}

void
sf_probe_options_init(struct sf_probe_options *o)
{
	memset(o, 0, sizeof *o);
	o->mode = SF_MODE_AUTO;
	o->timeout_ms = SF_PROBE_DEFAULT_TIMEOUT_MS;
	o->ehlo_name = "smtpfix.invalid";
	o->mail_from = SF_PROBE_DEFAULT_FROM;
	o->rcpt_to = SF_PROBE_DEFAULT_RCPT;
	o->rcpt_test = true;
}

const char *
sf_probe_mode_name(enum sf_probe_mode m)
{
	switch (m) {
	case SF_MODE_AUTO: return "auto";
	case SF_MODE_PLAIN: return "plain";
	case SF_MODE_STARTTLS: return "starttls";
	case SF_MODE_TLS: return "tls";
	}
	return "?";
}

int
sf_probe_mode_parse(const char *s, enum sf_probe_mode *out)
{
	static const enum sf_probe_mode all[] = { SF_MODE_AUTO, SF_MODE_PLAIN, SF_MODE_STARTTLS,
		SF_MODE_TLS };
	size_t i;

	for (i = 0; i < sizeof all / sizeof all[0]; i++) {
		if (strcmp(s, sf_probe_mode_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	}
	return -1;
}

enum sf_probe_mode
sf_probe_mode_for_port(enum sf_probe_mode requested, int port)
{
	if (requested != SF_MODE_AUTO)
		return requested;
	return port == 465 ? SF_MODE_TLS : SF_MODE_STARTTLS;
}

int
sf_probe_real_port(const struct sf_probe_options *o, int port)
{
	size_t i;

	for (i = 0; i < o->nmaps; i++)
		if (o->maps[i].port == port)
			return o->maps[i].real;
	return port;
}

static int
address_ok(const char *a)
{
	/* An address goes inside <...> on one command line: no spaces, no
	 * brackets, no control characters. Empty is the null sender. */
	for (; *a != '\0'; a++)
		if ((unsigned char)*a <= ' ' || *a == '<' || *a == '>' || *a == 0x7f)
			return 0;
	return 1;
}

int
sf_probe_options_check(const struct sf_probe_options *o, struct sf_error *err)
{
	char q[128];
	size_t i;

	if (o->host == NULL || !sf_host_valid(o->host))
		return sf_error_set(err, SF_E_USAGE, "'%s' is not a valid host name or address",
			shown(o->host, q, sizeof q));
	if (o->timeout_ms < 100 || o->timeout_ms > 300000)
		return sf_error_set(
			err, SF_E_USAGE, "the timeout must be between 0.1 and 300 seconds");
	for (i = 0; i < o->nports; i++)
		if (o->ports[i] < 1 || o->ports[i] > 65535)
			return sf_error_set(
				err, SF_E_USAGE, "port %d is out of range (1-65535)", o->ports[i]);
	for (i = 0; i < o->nmaps; i++)
		if (o->maps[i].port < 1 || o->maps[i].port > 65535 || o->maps[i].real < 1 ||
			o->maps[i].real > 65535)
			return sf_error_set(err, SF_E_USAGE, "port map %d=%d is out of range",
				o->maps[i].port, o->maps[i].real);
	if (o->mode == SF_MODE_PLAIN && o->ca_file != NULL)
		return sf_error_set(
			err, SF_E_USAGE, "--ca-file cannot apply with --mode plain (no TLS)");
	if (o->ehlo_name == NULL || !sf_host_valid(o->ehlo_name))
		return sf_error_set(err, SF_E_USAGE, "'%s' is not a valid EHLO name",
			shown(o->ehlo_name, q, sizeof q));
	if (!address_ok(o->mail_from ? o->mail_from : "") ||
		strlen(o->mail_from ? o->mail_from : "") > 254)
		return sf_error_set(err, SF_E_USAGE, "'%s' is not a usable sender address",
			shown(o->mail_from, q, sizeof q));
	if (o->rcpt_to == NULL || o->rcpt_to[0] == '\0' || !address_ok(o->rcpt_to) ||
		strchr(o->rcpt_to, '@') == NULL || strlen(o->rcpt_to) > 254)
		return sf_error_set(err, SF_E_USAGE, "'%s' is not a usable recipient address",
			shown(o->rcpt_to, q, sizeof q));
	return 0;
}

int
sf_host_map_parse(const char *s, struct sf_host_map *m)
{
	const char *colon = strchr(s, ':');
	unsigned char bin[16];
	size_t n;

	/* NAME:ADDRESS; a name holds no colon, an IPv6 address may. */
	if (colon == NULL)
		return -1;
	n = (size_t)(colon - s);
	if (n == 0 || n >= sizeof m->name || strlen(colon + 1) >= sizeof m->address)
		return -1;
	memcpy(m->name, s, n);
	m->name[n] = '\0';
	snprintf(m->address, sizeof m->address, "%s", colon + 1);
	if (!sf_host_valid(m->name) || strchr(m->name, '*') != NULL)
		return -1;
	if (inet_pton(AF_INET, m->address, bin) != 1 && inet_pton(AF_INET6, m->address, bin) != 1)
		return -1;
	return 0;
}
