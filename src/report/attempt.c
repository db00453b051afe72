/* One attempt seen by `smtpfix watch`: a few lines of text a person reads
 * on a call, or one JSON object (a line of JSON Lines). The words come
 * from help/watch/attempt.txt; every logged value is sanitized. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "smtpfix/help.h"
#include "smtpfix/json.h"
#include "smtpfix/report.h"
#include "smtpfix/watch.h"
#include "smtpfix/text.h"

#define WORDS "watch/attempt.txt"
#define WIDTH 80
#define INDENT 10

/* Printable ASCII of a logged value (they are kept so already; this is
 * the last guard before a terminal). */
static void
clean(const char *in, char *out, size_t outsz)
{
	size_t i;

	for (i = 0; in[i] != '\0' && i + 1 < outsz; i++) {
		unsigned char c = (unsigned char)in[i];

		out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[i] = '\0';
}

static void
word(const char *key, const char *const *facts, char *out, size_t outsz)
{
	sf_help_fill(WORDS, key, facts, out, outsz);
}

const char *
sf_report_attempt_security(const struct sf_attempt *a, bool implicit_tls)
{
	if (a->tls < 0)
		return "unknown";
	if (a->tls == 0)
		return "none";
	return implicit_tls ? "ssl-tls" : "starttls";
}

static const char *
security_key(const char *sec)
{
	if (strcmp(sec, "none") == 0)
		return "security-none";
	if (strcmp(sec, "starttls") == 0)
		return "security-starttls";
	if (strcmp(sec, "ssl-tls") == 0)
		return "security-ssl";
	return "security-unknown";
}

static void
login_words(const struct sf_attempt *a, char *out, size_t outsz)
{
	char user[SF_LOG_USER_MAX], reply[SF_EVENT_TEXT_MAX];
	const char *facts[] = { "user", user, "reply", reply, NULL };
	static const char *const keys[SF_LOGINS] = { "login-none", "login-tried", "login-accepted",
		"login-refused", "login-not-offered", "login-plaintext" };

	clean(a->user[0] != '\0' ? a->user : "?", user, sizeof user);
	clean(a->login_text, reply, sizeof reply);
	word((unsigned)a->login < SF_LOGINS ? keys[a->login] : "login-tried", facts, out, outsz);
}

static void
stamp(time_t t, char *out, size_t outsz, bool iso)
{
	struct tm tm;

	if (t == 0) {
		snprintf(out, outsz, "%s", iso ? "" : "--:--:--");
		return;
	}
	if (iso) {
		gmtime_r(&t, &tm);
		strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm);
	} else {
		localtime_r(&t, &tm);
		strftime(out, outsz, "%H:%M:%S", &tm);
	}
}

int
sf_report_attempt_text(
	const struct sf_watch_seen *s, bool implicit_tls, struct sf_buf *out, struct sf_error *err)
{
	const struct sf_attempt *a = s->attempt;
	char when[16], addr[SF_LOG_ADDR_MAX], port[32], sec[64], login[2 * SF_EVENT_TEXT_MAX],
		what[3 * SF_EVENT_TEXT_MAX], reply[SF_EVENT_TEXT_MAX], count[16],
		line[8 * SF_EVENT_TEXT_MAX];
	const char *facts[] = { "reply", reply, "count", count, NULL };
	size_t n;

	stamp(a->first, when, sizeof when, false);
	clean(a->address, addr, sizeof addr);
	if (a->port > 0)
		snprintf(port, sizeof port, "port %d", a->port);
	else
		word("port-unknown", NULL, port, sizeof port);
	word(security_key(sf_report_attempt_security(a, implicit_tls)), NULL, sec, sizeof sec);
	login_words(a, login, sizeof login);
	snprintf(line, sizeof line, "%s  %s  %s, %s, %s", when, addr, port, sec, login);
	/* What came of it: the refusal, a failed handshake, the messages. */
	what[0] = '\0';
	n = 0;
	if (a->tls_failed && a->messages == 0) {
		clean(a->tls_text, reply, sizeof reply);
		word("tls-failed", facts, what, sizeof what);
		n = strlen(what);
	}
	if (a->refused) {
		clean(a->refused_text, reply, sizeof reply);
		if (n > 0 && n + 2 < sizeof what)
			n += (size_t)snprintf(what + n, sizeof what - n, "; ");
		word("refused", facts, what + n, sizeof what - n);
		n = strlen(what);
	}
	if (a->dropped && n + 2 < sizeof what) {
		n += (size_t)snprintf(what + n, sizeof what - n, "%s", n > 0 ? " " : "");
		word("dropped", NULL, what + n, sizeof what - n);
		n = strlen(what);
	}
	snprintf(count, sizeof count, "%u", a->messages);
	if (n + 2 < sizeof what && (a->messages > 0 || a->messages_logged)) {
		n += (size_t)snprintf(what + n, sizeof what - n, "%s", n > 0 ? "; " : "");
		word(a->messages > 0 ? "sent" : "nothing-sent", facts, what + n, sizeof what - n);
	}
	n = strlen(line);
	if (what[0] != '\0')
		snprintf(line + n, sizeof line - n, "; %s", what);
	if (sf_wrap_append(out, line, WIDTH, INDENT, err) < 0)
		return -1;
	if (a->login_reason[0] != '\0') {
		char r[SF_EVENT_TEXT_MAX + 64];

		clean(a->login_reason, reply, sizeof reply);
		word("reason", facts, r, sizeof r);
		snprintf(line, sizeof line, "%*s%s", INDENT, "", r);
		if (sf_wrap_append(out, line, WIDTH, INDENT, err) < 0)
			return -1;
	}
	if (s->finding != NULL) {
		char text[SF_DIAG_TEXT_MAX], body[SF_DIAG_TEXT_MAX + 96];
		const char *cf[] = { "cause", sf_cause_id(s->finding->cause), "text", text, NULL };

		clean(s->finding->text, text, sizeof text);
		word("cause", cf, body, sizeof body);
		snprintf(line, sizeof line, "%*s%s", INDENT, "", body);
	} else if (a->messages > 0 || (a->login == SF_LOGIN_ACCEPTED && !a->messages_logged)) {
		char fine[128];

		word("fine", NULL, fine, sizeof fine);
		snprintf(line, sizeof line, "%*s%s", INDENT, "", fine);
	} else {
		return 0;
	}
	if (sf_wrap_append(out, line, WIDTH, INDENT, err) < 0)
		return -1;
	return 0;
}

int
sf_report_attempt_json(
	const struct sf_watch_seen *s, bool implicit_tls, struct sf_buf *out, struct sf_error *err)
{
	const struct sf_attempt *a = s->attempt;
	struct sf_json j;
	char when[32];
	size_t i;

	sf_json_init(&j, out, 0);
	sf_json_object_begin(&j);
	stamp(a->first, when, sizeof when, true);
	sf_json_kv_string_or_null(&j, "time", when[0] ? when : NULL);
	stamp(a->last, when, sizeof when, true);
	sf_json_kv_string_or_null(&j, "last", when[0] ? when : NULL);
	sf_json_kv_string(&j, "source", sf_event_source_id(a->source));
	sf_json_kv_string_or_null(
		&j, "protocol", a->proto != SF_PROTO_UNKNOWN ? sf_event_proto_id(a->proto) : NULL);
	sf_json_kv_string_or_null(&j, "address", a->address[0] ? a->address : NULL);
	sf_json_key(&j, "port");
	if (a->port > 0)
		sf_json_int(&j, a->port);
	else
		sf_json_null(&j);
	sf_json_key(&j, "tls");
	if (a->tls < 0)
		sf_json_null(&j);
	else
		sf_json_bool(&j, a->tls == 1);
	sf_json_kv_string(&j, "security", sf_report_attempt_security(a, implicit_tls));
	sf_json_kv_string(&j, "login", sf_attempt_login_id(a->login));
	sf_json_kv_int(&j, "login_failures", a->login_failures);
	sf_json_kv_string_or_null(&j, "user", a->user[0] ? a->user : NULL);
	sf_json_kv_string_or_null(&j, "sender", a->sender[0] ? a->sender : NULL);
	sf_json_kv_string_or_null(&j, "login_reply", a->login_text[0] ? a->login_text : NULL);
	sf_json_kv_string_or_null(&j, "login_reason", a->login_reason[0] ? a->login_reason : NULL);
	sf_json_kv_string_or_null(&j, "refused", a->refused ? a->refused_text : NULL);
	sf_json_kv_bool(&j, "dropped", a->dropped);
	sf_json_kv_string_or_null(&j, "tls_error", a->tls_failed ? a->tls_text : NULL);
	sf_json_kv_string_or_null(&j, "commands", a->commands[0] ? a->commands : NULL);
	sf_json_kv_int(&j, "messages", a->messages);
	sf_json_kv_bool(&j, "closed", a->closed);
	sf_json_kv_string_or_null(
		&j, "cause", s->finding != NULL ? sf_cause_id(s->finding->cause) : NULL);
	sf_json_kv_string_or_null(&j, "explanation", s->finding != NULL ? s->finding->text : NULL);
	sf_json_key(&j, "lines");
	sf_json_array_begin(&j);
	for (i = 0; i < a->nlines; i++)
		sf_json_string(&j, a->lines[i]);
	sf_json_array_end(&j);
	sf_json_object_end(&j);
	if (sf_json_finish(&j, err) < 0)
		return -1;
	return sf_buf_addstr(out, "\n", err);
}
