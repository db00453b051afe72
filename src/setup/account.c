/* The formats, the account a setup file is written from, and the checks
 * every value passes before any format sees it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "smtpfix/help.h"
#include "smtpfix/text.h"
#include "setup_internal.h"

static const struct {
	const char *id;
	const char *file;
} formats[SF_SETUP_FORMAT_COUNT] = {
	[SF_SETUP_MOBILECONFIG] = { "mobileconfig", "smtpfix.mobileconfig" },
	[SF_SETUP_AUTOCONFIG] = { "autoconfig", "config-v1.1.xml" },
	[SF_SETUP_AUTODISCOVER] = { "autodiscover", "autodiscover.xml" },
	[SF_SETUP_MSMTP] = { "msmtp", "msmtprc" },
	[SF_SETUP_TEXT] = { "text", "settings.txt" },
};

const char *
sf_setup_format_id(enum sf_setup_format f)
{
	return (unsigned)f < SF_SETUP_FORMAT_COUNT ? formats[f].id : "unknown";
}

const char *
sf_setup_format_file(enum sf_setup_format f)
{
	return (unsigned)f < SF_SETUP_FORMAT_COUNT ? formats[f].file : "setup.txt";
}

int
sf_setup_format_from_id(const char *id)
{
	int f;

	for (f = 0; id != NULL && f < SF_SETUP_FORMAT_COUNT; f++)
		if (strcmp(formats[f].id, id) == 0)
			return f;
	return -1;
}

const char *
sf_setup_format_list(void)
{
	/* Built from the table once; the table never changes after. */
	static char list[128];

	if (list[0] == '\0') {
		size_t o = 0;
		int f;

		for (f = 0; f < SF_SETUP_FORMAT_COUNT; f++)
			o += (size_t)snprintf(
				list + o, sizeof list - o, "%s%s", f ? ", " : "", formats[f].id);
	}
	return list;
}

bool
sf_setup_text_ok(const char *s)
{
	return sf_utf8_clean(s);
}

void
sf_setup_word(const char *file, const char *key, const char *const *facts, char *out, size_t outsz)
{
	sf_help_fill(file, key, facts, out, outsz);
}

const char *
sf_setup_security_words(enum sf_security s, char *out, size_t outsz)
{
	const char *key = s == SF_SEC_STARTTLS ? "security-starttls"
			  : s == SF_SEC_TLS    ? "security-tls"
					       : "security-none";

	sf_setup_word(SF_SETUP_MESSAGE_HELP, key, NULL, out, outsz);
	return out;
}

const char *
sf_setup_imap_user(const struct sf_setup_account *a)
{
	return a->smtp_auth && a->smtp_user[0] != '\0' ? a->smtp_user : a->email;
}

/* RFC 5322's atext: what a local part may hold without quotes. A quoted
 * local part ("john smith"@...) is legal but so rare, and so hard to
 * carry through every format, that it is refused. */
static bool
atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* A dot-atom of atext, or any character beyond ASCII (RFC 6531 allows
 * them); no dot first, last or twice. */
static bool
local_part_ok(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;
	unsigned cp;

	if (len == 0 || len > SF_SETUP_LOCAL_MAX || s[0] == '.' || s[len - 1] == '.')
		return false;
	while (i < len) {
		if (u[i] == '.') {
			if (u[i + 1] == '.')
				return false;
			i++;
			continue;
		}
		if (u[i] < 0x80) {
			if (!atext(u[i]))
				return false;
			i++;
			continue;
		}
		n = sf_utf8_decode(u + i, len - i, &cp);
		if (n == 0 || sf_unicode_unsafe(cp))
			return false;
		i += n;
	}
	return true;
}

/* A host every format may name: a DNS name or an IP address, ASCII. */
static bool
host_ok(const char *h)
{
	return h != NULL && h[0] != '\0' && strlen(h) <= SF_HOST_MAX && sf_host_valid(h);
}

/* A login name: one line of text with no blank, so no format has to
 * quote it (msmtp reads a blank as the end of a value). */
static bool
user_ok(const char *u)
{
	return u[0] != '\0' && strlen(u) <= SF_SETUP_EMAIL_MAX && sf_setup_text_ok(u) &&
	       strpbrk(u, " \t\"\\") == NULL;
}

static bool
uuid_ok(const char *u)
{
	size_t i;

	if (strlen(u) != SF_SETUP_UUID_LEN)
		return false;
	for (i = 0; i < SF_SETUP_UUID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		char c = u[i];

		if (dash ? c != '-'
			 : !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') ||
				   (c >= 'a' && c <= 'f')))
			return false;
	}
	return true;
}

int
sf_setup_uuid(char out[SF_SETUP_UUID_LEN + 1], struct sf_error *err)
{
	unsigned char r[16];
	size_t got = 0;
	ssize_t n;

	while (got < sizeof r) {
		n = getrandom(r + got, sizeof r - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		got += (size_t)n;
	}
	if (got < sizeof r) {
		/* A kernel without getrandom (before Linux 3.17). */
		int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

		got = 0;
		while (fd >= 0 && got < sizeof r) {
			n = read(fd, r + got, sizeof r - got);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		if (fd >= 0)
			close(fd);
		if (got < sizeof r)
			return sf_error_set(err, SF_E_SYSTEM, "no random bytes for a UUID: %s",
				strerror(errno));
	}
	/* Version 4 (random), variant 1 (RFC 9562). */
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	snprintf(out, SF_SETUP_UUID_LEN + 1,
		"%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X", r[0], r[1],
		r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14],
		r[15]);
	return 0;
}

/* Apple's PayloadIdentifier is reverse DNS, the owner's domain first
 * (com.example.something), and a profile installed with an identifier
 * already there replaces that one. One identifier per address does what
 * a person expects: a profile made again for ann@example.com replaces
 * the old one, and bob@example.com's stays. Only letters, digits and
 * hyphens are kept from the local part; anything else becomes a hyphen,
 * which leaves a rare collision, never an unreadable identifier. */
static void
make_identifier(struct sf_setup_account *a)
{
	char *o = a->identifier, *end = a->identifier + sizeof a->identifier - 1;
	const char *d = a->domain, *label_end = d + strlen(d), *p;
	size_t i;

	while (label_end > d && o < end) {
		const char *start = label_end;

		while (start > d && start[-1] != '.')
			start--;
		if (o != a->identifier && o < end)
			*o++ = '.';
		for (p = start; p < label_end && o < end; p++)
			*o++ = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
		label_end = start > d ? start - 1 : d;
	}
	for (p = ".smtpfix."; *p != '\0' && o < end; p++)
		*o++ = *p;
	for (i = 0; a->local[i] != '\0' && o < end; i++) {
		char c = a->local[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		*o++ = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ? c : '-';
	}
	*o = '\0';
}

int
sf_setup_account_set_name(struct sf_setup_account *a, const char *name, struct sf_error *err)
{
	if (name == NULL)
		name = "";
	if (strlen(name) >= sizeof a->display_name)
		return sf_error_set(
			err, SF_E_USAGE, "the name is longer than %d bytes", SF_SETUP_NAME_MAX - 1);
	if (!sf_setup_text_ok(name))
		return sf_error_set(err, SF_E_USAGE,
			"the name is not valid UTF-8 or holds a line break, a control character "
			"or a character that hides text");
	snprintf(a->display_name, sizeof a->display_name, "%s", name);
	return 0;
}

int
sf_setup_account_init(struct sf_setup_account *a, const char *email, const char *host, int port,
	enum sf_security security, bool auth, const char *user, const char *imap_host,
	struct sf_error *err)
{
	const char *at;
	char typed_domain[SF_HOST_TYPED_MAX + 1];
	struct sf_error idn;

	memset(a, 0, sizeof *a);
	if (email == NULL || strlen(email) > SF_SETUP_EMAIL_MAX)
		return sf_error_set(err, SF_E_USAGE, "the address is empty or too long");
	if (!sf_setup_text_ok(email))
		return sf_error_set(err, SF_E_USAGE,
			"the address is not valid UTF-8 or holds a control character");
	at = strchr(email, '@');
	if (at == NULL || strchr(at + 1, '@') != NULL)
		return sf_error_set(err, SF_E_USAGE, "an address has exactly one @");
	if (!local_part_ok(email, (size_t)(at - email)))
		return sf_error_set(err, SF_E_USAGE,
			"the part before the @ is empty, longer than %d bytes, or holds a "
			"character an address may not hold without quotes (a space, a quote, "
			"brackets, a comma, two dots in a row)",
			SF_SETUP_LOCAL_MAX);
	if (strlen(at + 1) > SF_HOST_TYPED_MAX || at[1] == '\0')
		return sf_error_set(err, SF_E_USAGE, "the address has no domain after the @");
	snprintf(typed_domain, sizeof typed_domain, "%s", at + 1);
	/* A domain typed in Unicode is written as DNS holds it. */
	if (sf_host_to_ascii(typed_domain, a->domain, sizeof a->domain, &idn) < 0 ||
		!host_ok(a->domain) || sf_host_is_literal(a->domain))
		return sf_error_set(err, SF_E_USAGE, "the domain after the @ is not a valid name");
	snprintf(a->email, sizeof a->email, "%s", email);
	memcpy(a->local, email, (size_t)(at - email));
	a->local[at - email] = '\0';

	if (!host_ok(host))
		return sf_error_set(
			err, SF_E_USAGE, "the outgoing server is not a valid host name");
	if (port < 1 || port > 65535)
		return sf_error_set(err, SF_E_USAGE, "the outgoing port is not from 1 to 65535");
	if (security != SF_SEC_NONE && security != SF_SEC_STARTTLS && security != SF_SEC_TLS)
		return sf_error_set(err, SF_E_USAGE, "unknown security setting");
	snprintf(a->smtp_host, sizeof a->smtp_host, "%s", host);
	a->smtp_port = port;
	a->smtp_security = security;
	a->smtp_auth = auth;
	if (auth) {
		if (user == NULL)
			user = email;
		if (!user_ok(user))
			return sf_error_set(err, SF_E_USAGE,
				"the user name is empty, too long, or holds a blank, a quote, a "
				"backslash or a control character");
		snprintf(a->smtp_user, sizeof a->smtp_user, "%s", user);
	}

	if (imap_host == NULL)
		imap_host = host;
	if (!host_ok(imap_host))
		return sf_error_set(
			err, SF_E_USAGE, "the incoming server is not a valid host name");
	snprintf(a->imap_host, sizeof a->imap_host, "%s", imap_host);
	/* IMAP over TLS from the first byte (RFC 8314 prefers it). */
	a->imap_port = 993;
	a->imap_security = SF_SEC_TLS;

	make_identifier(a);
	if (sf_setup_uuid(a->profile_uuid, err) < 0 || sf_setup_uuid(a->payload_uuid, err) < 0)
		return -1;
	return 0;
}

int
sf_setup_account_check(const struct sf_setup_account *a, struct sf_error *err)
{
	const char *at = strchr(a->email, '@');

	if (at == NULL || strchr(at + 1, '@') != NULL || !sf_setup_text_ok(a->email) ||
		!local_part_ok(a->email, (size_t)(at - a->email)))
		return sf_error_set(
			err, SF_E_USAGE, "the address cannot be written in a setup file");
	if (!host_ok(a->domain) || !host_ok(a->smtp_host) || !host_ok(a->imap_host))
		return sf_error_set(
			err, SF_E_USAGE, "a server name cannot be written in a setup file");
	if (a->smtp_port < 1 || a->smtp_port > 65535 || a->imap_port < 1 || a->imap_port > 65535)
		return sf_error_set(err, SF_E_USAGE, "a port is not from 1 to 65535");
	if ((a->smtp_auth && !user_ok(a->smtp_user)) || !sf_setup_text_ok(a->display_name) ||
		!sf_setup_text_ok(a->identifier) || !sf_setup_text_ok(a->local))
		return sf_error_set(err, SF_E_USAGE,
			"a name or login cannot be written in a setup file (not UTF-8, a control "
			"character, a blank or a quote)");
	if (!uuid_ok(a->profile_uuid) || !uuid_ok(a->payload_uuid))
		return sf_error_set(
			err, SF_E_USAGE, "a profile UUID is not 8-4-4-4-12 hexadecimal");
	return 0;
}

int
sf_setup_render(enum sf_setup_format f, const struct sf_setup_account *a, struct sf_buf *out,
	struct sf_error *err)
{
	if (sf_setup_account_check(a, err) < 0)
		return -1;
	switch (f) {
	case SF_SETUP_MOBILECONFIG: return sf_setup_render_mobileconfig(a, out, err);
	case SF_SETUP_AUTOCONFIG: return sf_setup_render_autoconfig(a, out, err);
	case SF_SETUP_AUTODISCOVER: return sf_setup_render_autodiscover(a, out, err);
	case SF_SETUP_MSMTP: return sf_setup_render_msmtp(a, out, err);
	case SF_SETUP_TEXT: return sf_setup_render_text(a, out, err);
	case SF_SETUP_FORMAT_COUNT: break;
	}
	return sf_error_set(err, SF_E_USAGE, "unknown setup file format");
}
