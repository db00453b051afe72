/* The two plain-text setup files: an msmtp account and the message with
 * the settings for a customer. The sentences come from help/setup/;
 * this file only lays them out. */
#include <stdio.h>
#include <string.h>

#include "smtpfix/text.h"
#include "setup_internal.h"

#define MESSAGE_WIDTH 72 /* a message read in any mail program, unwrapped */
#define COMMENT_WIDTH 76 /* "# " and the text within 78 columns */
#define ROW_INDENT 2

/* Help lines shown as comments of a configuration file: wrapped, each
 * line behind "# ". The words come from a help file and the values in
 * them were checked to hold no line break, so no line can escape the
 * comment. */
static int
comment(struct sf_buf *out, const char *text, struct sf_error *err)
{
	struct sf_buf wrapped;
	const char *p, *nl;
	int rc = 0;

	sf_buf_init(&wrapped, 4 * SF_SETUP_LINE_MAX);
	if (sf_wrap_append(&wrapped, text, COMMENT_WIDTH, 0, err) < 0)
		rc = -1;
	for (p = wrapped.data; rc == 0 && p != NULL && *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			break;
		if (sf_buf_addstr(out, nl == p ? "#" : "# ", err) < 0 ||
			sf_buf_add(out, p, (size_t)(nl - p + 1), err) < 0)
			rc = -1;
	}
	sf_buf_free(&wrapped);
	return rc;
}

/* One "command value" line of msmtp's configuration. msmtp takes the
 * rest of the line as the value; double quotes around it keep blanks at
 * its ends, and nothing escapes a quote or a line break inside it. The
 * values written here were checked to hold none of those (no blank
 * either), so a value that still does is refused rather than quoted into
 * something msmtp would read differently. */
static int
msmtp_line(struct sf_buf *out, const char *cmd, const char *value, struct sf_error *err)
{
	if (value[0] == '\0' || !sf_setup_text_ok(value) || strpbrk(value, " \t\"\\") != NULL)
		return sf_error_set(err, SF_E_USAGE,
			"the msmtp value of '%s' is empty or holds a blank, a quote, a backslash "
			"or a control character",
			cmd);
	return sf_buf_printf(out, err, "%s %s\n", cmd, value);
}

int
sf_setup_render_msmtp(const struct sf_setup_account *a, struct sf_buf *out, struct sf_error *err)
{
	char line[SF_SETUP_LINE_MAX], port[8], sec[64];
	const char *facts[] = { "email", a->email, "host", a->smtp_host, "port", port, "security",
		sec, NULL };
	bool tls = a->smtp_security != SF_SEC_NONE;

	/* msmtp reads %U, %H, %C and %M in "from" as its own patterns and
	 * ?, * and [ as a wildcard: an address holding one would send as
	 * another address. */
	if (strpbrk(a->email, "%?*[") != NULL)
		return sf_error_set(err, SF_E_USAGE,
			"msmtp would read the %%, ?, * or [ in this address as a pattern; write "
			"its account by hand");
	snprintf(port, sizeof port, "%d", a->smtp_port);
	sf_setup_security_words(a->smtp_security, sec, sizeof sec);
	sf_setup_word(SF_SETUP_FILES_HELP, "msmtp-head", facts, line, sizeof line);
	if (comment(out, line, err) < 0 || sf_buf_addstr(out, "#\n", err) < 0)
		return -1;
	sf_setup_word(SF_SETUP_FILES_HELP, a->smtp_auth ? "msmtp-password" : "msmtp-no-login",
		facts, line, sizeof line);
	if (comment(out, line, err) < 0)
		return -1;
	if (tls) {
		sf_setup_word(SF_SETUP_FILES_HELP, "msmtp-trust", facts, line, sizeof line);
		if (sf_buf_addstr(out, "#\n", err) < 0 || comment(out, line, err) < 0)
			return -1;
	}
	if (sf_buf_addstr(out, "\n", err) < 0 || msmtp_line(out, "account", a->domain, err) < 0 ||
		msmtp_line(out, "host", a->smtp_host, err) < 0 ||
		msmtp_line(out, "port", port, err) < 0 ||
		msmtp_line(out, "tls", tls ? "on" : "off", err) < 0)
		return -1;
	if (tls && (msmtp_line(out, "tls_starttls",
			    a->smtp_security == SF_SEC_STARTTLS ? "on" : "off", err) < 0 ||
			   msmtp_line(out, "tls_trust_file", "system", err) < 0))
		return -1;
	if (msmtp_line(out, "auth", a->smtp_auth ? "on" : "off", err) < 0 ||
		(a->smtp_auth && msmtp_line(out, "user", a->smtp_user, err) < 0) ||
		msmtp_line(out, "from", a->email, err) < 0)
		return -1;
	return sf_buf_printf(out, err, "\naccount default : %s\n", a->domain);
}

/* Columns a label takes: one per character. */
static size_t
columns(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

struct row {
	char label[96];
	char value[SF_SETUP_LINE_MAX];
};

/* Rows "  Label:  value", the values in one column, a long value wrapped
 * under itself. */
static int
rows(struct sf_buf *out, const struct row *r, size_t n, struct sf_error *err)
{
	size_t i, w = 0;
	char line[2 * SF_SETUP_LINE_MAX];

	for (i = 0; i < n; i++)
		if (columns(r[i].label) + 1 > w)
			w = columns(r[i].label) + 1;
	for (i = 0; i < n; i++) {
		size_t pad = w + 2 - columns(r[i].label) - 1;

		snprintf(line, sizeof line, "%*s%s:%*s%s", ROW_INDENT, "", r[i].label, (int)pad, "",
			r[i].value);
		if (sf_wrap_append(out, line, MESSAGE_WIDTH, ROW_INDENT + w + 2, err) < 0)
			return -1;
	}
	return 0;
}

static void
word(const char *key, const char *const *facts, char *out, size_t outsz)
{
	sf_setup_word(SF_SETUP_MESSAGE_HELP, key, facts, out, outsz);
}

static int
paragraph(struct sf_buf *out, const char *key, const char *const *facts, struct sf_error *err)
{
	char text[SF_SETUP_LINE_MAX];

	word(key, facts, text, sizeof text);
	return sf_wrap_append(out, text, MESSAGE_WIDTH, 0, err);
}

static void
set_row(struct row *r, const char *label_key, const char *value)
{
	word(label_key, NULL, r->label, sizeof r->label);
	snprintf(r->value, sizeof r->value, "%s", value);
}

/* The rows of one server. */
static size_t
server_rows(struct row *r, const char *host, int port, enum sf_security sec, bool login,
	const char *user, bool outgoing)
{
	char text[SF_SETUP_LINE_MAX];
	size_t n = 0;

	set_row(&r[n++], "server", host);
	snprintf(text, sizeof text, "%d", port);
	set_row(&r[n++], "port", text);
	set_row(&r[n++], "security", sf_setup_security_words(sec, text, sizeof text));
	if (outgoing) {
		word(login ? "login-on" : "login-off", NULL, text, sizeof text);
		set_row(&r[n++], "login", text);
	}
	if (login)
		set_row(&r[n++], "user", user);
	return n;
}

int
sf_setup_render_text(const struct sf_setup_account *a, struct sf_buf *out, struct sf_error *err)
{
	struct row r[6];
	char head[SF_SETUP_LINE_MAX];
	const char *facts[] = { "name", a->display_name, "email", a->email, "host", a->smtp_host,
		"domain", a->domain, NULL };
	size_t n;

	if (paragraph(out, a->display_name[0] != '\0' ? "greeting" : "greeting-anonymous", facts,
		    err) < 0 ||
		sf_buf_addstr(out, "\n", err) < 0 || paragraph(out, "intro", facts, err) < 0 ||
		sf_buf_addstr(out, "\n", err) < 0)
		return -1;

	word("outgoing", NULL, head, sizeof head);
	n = server_rows(
		r, a->smtp_host, a->smtp_port, a->smtp_security, a->smtp_auth, a->smtp_user, true);
	if (sf_buf_printf(out, err, "%s\n", head) < 0 || rows(out, r, n, err) < 0 ||
		sf_buf_addstr(out, "\n", err) < 0)
		return -1;

	word("incoming", NULL, head, sizeof head);
	n = server_rows(r, a->imap_host, a->imap_port, a->imap_security, true,
		sf_setup_imap_user(a), false);
	if (sf_buf_printf(out, err, "%s\n", head) < 0 || rows(out, r, n, err) < 0 ||
		sf_buf_addstr(out, "\n", err) < 0 ||
		paragraph(out, a->incoming_checked ? "incoming-checked" : "incoming-unchecked",
			facts, err) < 0 ||
		sf_buf_addstr(out, "\n", err) < 0)
		return -1;
	if (a->smtp_security == SF_SEC_NONE && (paragraph(out, "no-encryption", facts, err) < 0 ||
						       sf_buf_addstr(out, "\n", err) < 0))
		return -1;
	return paragraph(out, "password", facts, err);
}
