#define _GNU_SOURCE /* memmem */
/* Mail log lines as events of one connection. The client's address is
 * read where the server wrote it (Exim's host field checked against what
 * the line form writes next, Postfix's "name[ip]" after fixed words,
 * Dovecot's last rip=), never from text the client chose, such as a HELO
 * or a sender. Fields are copied from bounded spans only. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpfix/mta_event.h"
#include "mta_internal.h"

const char *const sf_event_anchors[] = {
	"SMTP connection from",
	"authenticator failed for",
	" <= ",
	"rejected RCPT",
	"rejected MAIL",
	"rejected EHLO",
	"TLS error on connection from",
	"when not advertised",
	"synchronization error",
	"no MAIL in SMTP connection",
	"connect from ",
	"TLS connection established from",
	"SASL ",
	"sasl_username=",
	"reject: ",
	"SSL_accept error from",
	"lost connection after",
	"-login: ",
	"auth failure: ",
	"auth success: ",
	"): Password mismatch",
	"): unknown user",
	"authentication failure",
	"auth failed",
	NULL,
};

static const char *const kind_ids[SF_EVENT_KINDS] = { "connect", "tls", "tls-failed", "login-ok",
	"login-failed", "login-unadvertised", "plaintext-refused", "refused", "dropped", "accepted",
	"close" };
static const char *const source_ids[SF_SOURCES] = { "exim", "postfix", "dovecot", "saslauthd" };
static const char *const proto_ids[SF_PROTOS] = { "", "smtp", "imap", "pop3" };

const char *
sf_event_kind_id(enum sf_event_kind k)
{
	return (unsigned)k < SF_EVENT_KINDS ? kind_ids[k] : "?";
}

const char *
sf_event_source_id(enum sf_event_source s)
{
	return (unsigned)s < SF_SOURCES ? source_ids[s] : "?";
}

const char *
sf_event_proto_id(enum sf_event_proto p)
{
	return (unsigned)p < SF_PROTOS ? proto_ids[p] : "";
}

#define find sf_lf_find

/* Cut the kept text where `marker` starts (a field that follows it). */
static void
cut_at(char *text, const char *marker)
{
	char *p = strstr(text, marker);

	if (p != NULL)
		*p = '\0';
}

/* Text kept for a person: printable ASCII, cut; the renderers escape
 * again anyway. */
static void
keep_text(char *dst, size_t dstsz, const char *p, const char *end)
{
	size_t n = 0;

	while (p < end && n + 1 < dstsz) {
		unsigned char c = (unsigned char)*p++;

		dst[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	dst[n] = '\0';
}

/* The digits of ":port" at p (the client's port after its address). */
static int
port_at(const char *p, const char *end)
{
	int v = 0;
	size_t n = 0;

	if (p == NULL || p >= end || *p != ':')
		return 0;
	for (p++; p < end && n < 5 && isdigit((unsigned char)*p); p++, n++)
		v = v * 10 + (*p - '0');
	return n > 0 && v <= 65535 ? v : 0;
}

static bool
done(struct sf_event *ev, enum sf_event_kind kind, const char *line, size_t len, time_t now)
{
	ev->kind = kind;
	ev->when = sf_log_time(line, len, now);
	return true;
}

/* ---- Exim ---------------------------------------------------------- */

/* What each form writes after the client's address (and port). */
static const char *const conts_conn[] = { " I=[", " U=", " (TCP/IP", " closed by", " lost",
	" D=", " X=", " Ci=", " A=", " C=", NULL };
static const char *const conts_cmd[] = { " I=[", " U=", " X=", " F=", " A=", " rejected",
	" temporarily", " P=", " D=", " Ci=", " CV=", " SNI=", " sender verify", " dropped", ": ",
	NULL };
static const char *const conts_auth[] = { ": ", " I=[", " U=", NULL };
static const char *const conts_tls[] = { " I=[", " U=", TLS_CALL, ": ", NULL };
static const char *const conts_unadv[] = { " I=[", " U=", " AUTH command used when not advertised",
	NULL };
static const char *const conts_sync[] = { " I=[", " U=", " input=", NULL };
static const char *const conts_call[] = { " I=[", " U=", " dropped:", " D=", NULL };

/* The client of an Exim message (m, mlen) after key: address, key and
 * server port. */
static const char *
exim_who(const char *m, size_t mlen, const char *key, bool from_last, const char *const *conts,
	struct sf_event *ev)
{
	static const struct syslog_head none = { NULL, NULL, 0 };
	const char *end = m + mlen;
	const char *after =
		sf_lf_exim_client(m, mlen, key, from_last, conts, ev->address, sizeof ev->address);

	if (after == NULL)
		return NULL;
	snprintf(ev->key, sizeof ev->key, "exim [%s]:%d", ev->address, port_at(after, end));
	ev->port = sf_lf_server_port(m, mlen, after, &none, 0);
	return after;
}

/* TLS as Exim shows it after the client: X= (the cipher), CV= or SNI=
 * (logged only under TLS), or a message's protocol name (esmtps,
 * esmtpsa: TLS; smtp, esmtp, esmtpa: none). A line with none of them
 * says nothing by itself (tls_unmarked: the attempt may conclude). */
static void
exim_tls(const char *m, size_t mlen, const char *after, struct sf_event *ev)
{
	const char *end = m + mlen;
	char proto[16];

	if (after == NULL)
		return;
	if (memmem(after, (size_t)(end - after), " X=", 3) != NULL ||
		memmem(after, (size_t)(end - after), " CV=", 4) != NULL ||
		memmem(after, (size_t)(end - after), " SNI=", 5) != NULL) {
		ev->tls = 1;
		return;
	}
	sf_lf_word_after(m, mlen, after, " P=", " ", proto, sizeof proto);
	if (strncmp(proto, "esmtp", 5) == 0 || strcmp(proto, "smtp") == 0) {
		ev->tls = strchr(proto + 4, 's') != NULL && strncmp(proto, "esmtp", 5) == 0 ? 1 : 0;
		return;
	}
	ev->tls_unmarked = true;
}

/* "A=dovecot_login:user" or "A=plain:user": the user after the colon. */
static void
exim_auth_user(const char *m, size_t mlen, const char *after, struct sf_event *ev)
{
	char *p;

	sf_lf_word_after(m, mlen, after, " A=", " ", ev->user, sizeof ev->user);
	p = strchr(ev->user, ':');
	if (p != NULL)
		memmove(ev->user, p + 1, strlen(p));
	else
		ev->user[0] = '\0';
}

/* The text after the first `key` following `from`, to the end. */
static void
text_after(const char *m, size_t mlen, const char *from, const char *key, struct sf_event *ev)
{
	const char *end = m + mlen, *p;

	if (from == NULL)
		from = m;
	p = memmem(from, (size_t)(end - from), key, strlen(key));
	if (p != NULL)
		keep_text(ev->text, sizeof ev->text, p + strlen(key), end);
}

static bool
starts(const char *m, const char *end, const char *prefix)
{
	size_t n = strlen(prefix);

	return (size_t)(end - m) >= n && memcmp(m, prefix, n) == 0;
}

/* Where Exim's message starts: after "2026-11-29 10:00:00[.123] ", an
 * optional "[pid] " (+pid) and, for message lines, the queue id. */
static const char *
exim_message(const char *line, const char *end, const char **queue_id, size_t *qlen)
{
	const char *p = line + 19, *q;

	*queue_id = NULL;
	*qlen = 0;
	if (p < end && *p == '.')
		while (p < end && (*p == '.' || isdigit((unsigned char)*p)))
			p++;
	while (p < end && *p == ' ')
		p++;
	if (p < end && *p == '[' && (q = memchr(p, ']', (size_t)(end - p))) != NULL && q - p < 12 &&
		q + 1 < end && q[1] == ' ')
		p = q + 2;
	/* A queue id: "1tXabc-0001JF-2o" or the older "1Ai79e-0000Dq-8i". */
	for (q = p; q < end && (isalnum((unsigned char)*q) || *q == '-'); q++)
		;
	if (q - p >= 14 && q - p <= 23 && q < end && *q == ' ' && memchr(p, '-', (size_t)(q - p))) {
		*queue_id = p;
		*qlen = (size_t)(q - p);
		p = q + 1;
	}
	return p;
}

static bool
exim_connection_line(const char *m, size_t mlen, struct sf_event *ev, enum sf_event_kind *kind)
{
	const char *end = m + mlen, *after, *from;

	/* "SMTP connection from ..." or "SMTP connection Ci=p1238 from ..." */
	from = memmem(m, mlen, " from ", 6);
	if (from == NULL)
		return false;
	after = exim_who(from + 1, (size_t)(end - from - 1), "from ", false, conts_conn, ev);
	if (after == NULL)
		return false;
	if (memmem(after, (size_t)(end - after), " X=", 3) != NULL)
		ev->tls = 1;
	if (memmem(after, (size_t)(end - after), " (TCP/IP connection count", 25) != NULL) {
		*kind = SF_EVENT_CONNECT;
		return true;
	}
	ev->ends = true;
	if (memmem(after, (size_t)(end - after), " closed by DROP in ACL", 22) != NULL) {
		*kind = SF_EVENT_DROPPED;
		return true;
	}
	if ((after = memmem(after, (size_t)(end - after), " lost", 5)) != NULL)
		keep_text(ev->text, sizeof ev->text, after + 1, end);
	*kind = SF_EVENT_CLOSE;
	return true;
}

/* Refusals written after the client's host field. */
static const struct {
	const char *words;
	enum sf_event_kind kind;
	bool ends;
} exim_refusals[] = {
	{ "rejected RCPT ", SF_EVENT_REFUSED, false },
	{ "rejected MAIL ", SF_EVENT_REFUSED, false },
	{ "rejected EHLO", SF_EVENT_REFUSED, false },
	{ "rejected HELO", SF_EVENT_REFUSED, false },
	{ "rejected after DATA", SF_EVENT_REFUSED, false },
	{ "rejected by local_scan()", SF_EVENT_REFUSED, false },
	{ "sender verify fail", SF_EVENT_REFUSED, false },
	{ "rejected connection in ", SF_EVENT_REFUSED, true },
	{ "dropped by '", SF_EVENT_DROPPED, true },
};

static bool
exim_host_line(const char *m, size_t mlen, struct sf_event *ev, enum sf_event_kind *kind)
{
	const char *end = m + mlen, *after, *p = NULL;
	size_t i;

	if (starts(m, end, "<= ")) {
		after = exim_who(m, mlen, " H=", false, conts_cmd, ev);
		if (after == NULL)
			return false; /* local submission: no client address */
		sf_lf_word_after(m, mlen, m, "<= ", " ", ev->sender, sizeof ev->sender);
		exim_tls(m, mlen, after, ev);
		exim_auth_user(m, mlen, after, ev);
		ev->login_tried = ev->user[0] != '\0';
		*kind = SF_EVENT_ACCEPTED;
		return true;
	}
	for (i = 0; i < sizeof exim_refusals / sizeof exim_refusals[0] && p == NULL; i++)
		if ((p = memmem(m, mlen, exim_refusals[i].words, strlen(exim_refusals[i].words))) !=
			NULL)
			break;
	if (p == NULL)
		return false;
	/* The host field is "H=..." at the start, or after F= on the older
	 * local_scan lines; found from the message start either way. */
	after = starts(m, end, "H=") ? exim_who(m, mlen, "H=", false, conts_cmd, ev)
				     : exim_who(m, mlen, " H=", false, conts_cmd, ev);
	if (after == NULL || after > p)
		return false;
	exim_tls(m, mlen, after, ev);
	exim_auth_user(m, mlen, after, ev);
	sf_lf_word_after(m, mlen, after, " F=<", ">", ev->sender, sizeof ev->sender);
	/* "rejected RCPT <x@example.net>: TEXT": the text after what the
	 * client chose, looked for from the last ">: "; else after ": ". */
	{
		const char *t = sf_lf_last_key(p, end, ">: ", 3);

		if (t != NULL)
			keep_text(ev->text, sizeof ev->text, t + 3, end);
		else
			text_after(m, mlen, p, ": ", ev);
	}
	ev->ends = exim_refusals[i].ends;
	*kind = exim_refusals[i].kind;
	return true;
}

/* The message of one Exim line (m, mlen), its time read from line. */
static bool
parse_exim_message(const char *m, size_t mlen, struct sf_event *ev, enum sf_event_kind *kind)
{
	const char *end = m + mlen, *after, *p;

	if (starts(m, end, "no MAIL in SMTP connection from ")) {
		after = exim_who(
			m, mlen, "no MAIL in SMTP connection from ", false, conts_conn, ev);
		if (after == NULL)
			return false;
		exim_tls(m, mlen, after, ev);
		ev->tls_unmarked = false; /* TLS tried: C= tells; none: X= absent */
		exim_auth_user(m, mlen, after, ev);
		/* C=EHLO,STARTTLS,EHLO,AUTH,QUIT: the commands the program sent. */
		sf_lf_word_after(m, mlen, after, " C=", " ", ev->text, sizeof ev->text);
		ev->login_tried = strstr(ev->text, "AUTH") != NULL;
		if (ev->tls < 0 && ev->text[0] != '\0' && strstr(ev->text, "STARTTLS") == NULL)
			ev->tls = 0;
		ev->ends = true;
		*kind = SF_EVENT_CLOSE;
		return true;
	}
	if (starts(m, end, "SMTP connection "))
		return exim_connection_line(m, mlen, ev, kind);
	if (starts(m, end, "SMTP call from ")) {
		after = exim_who(m, mlen, "SMTP call from ", false, conts_call, ev);
		if (after == NULL ||
			(p = memmem(after, (size_t)(end - after), " dropped: ", 10)) == NULL)
			return false;
		keep_text(ev->text, sizeof ev->text, p + 10, end);
		ev->ends = true;
		*kind = SF_EVENT_DROPPED;
		return true;
	}
	if (starts(m, end, "SMTP command timeout on ") ||
		starts(m, end, "unexpected disconnection while reading SMTP command from ")) {
		after = exim_who(m, mlen, "from ", false, conts_conn, ev);
		if (after == NULL)
			return false;
		if (starts(m, end, "SMTP command timeout on TLS "))
			ev->tls = 1;
		keep_text(ev->text, sizeof ev->text, m, memmem(m, mlen, " from ", 6));
		ev->ends = true;
		*kind = SF_EVENT_CLOSE;
		return true;
	}
	if (starts(m, end, "TLS error on connection from ")) {
		after = exim_who(m, mlen, "TLS error on connection from ", false, conts_tls, ev);
		if (after == NULL)
			return false;
		/* The handshake itself failed: Exim closes the connection. A
		 * read or write error later ("(recv)") is a lost connection. */
		ev->ends = memmem(after, (size_t)(end - after), "accept)", 7) != NULL ||
			   memmem(after, (size_t)(end - after), "handshake)", 10) != NULL;
		text_after(m, mlen, after, "): ", ev);
		*kind = SF_EVENT_TLS_FAILED;
		return true;
	}
	if ((p = memmem(m, mlen, " authenticator failed for ", 26)) != NULL &&
		memchr(m, ' ', (size_t)(p - m)) == NULL) {
		after = exim_who(m, mlen, "authenticator failed for ", false, conts_auth, ev);
		if (after == NULL)
			return false;
		sf_lf_word_after(m, mlen, after, "(set_id=", ")", ev->user, sizeof ev->user);
		text_after(m, mlen, after, ": ", ev);
		cut_at(ev->text, " (set_id=");
		ev->login_tried = true;
		*kind = SF_EVENT_LOGIN_FAILED;
		return true;
	}
	if (starts(m, end, "SMTP protocol error in ") &&
		memmem(m, mlen, "AUTH command used when not advertised", 37) != NULL) {
		if (exim_who(m, mlen, " H=", true, conts_unadv, ev) == NULL)
			return false;
		ev->login_tried = true;
		snprintf(ev->text, sizeof ev->text, "AUTH command used when not advertised");
		*kind = SF_EVENT_LOGIN_UNADVERTISED;
		return true;
	}
	if (starts(m, end, "SMTP protocol synchronization error") &&
		(p = memmem(m, mlen, "rejected connection from ", 25)) != NULL) {
		after = exim_who(
			p, (size_t)(end - p), "rejected connection from ", false, conts_sync, ev);
		if (after == NULL)
			return false;
		/* input="\026\003\001...": a TLS handshake sent to a port that
		 * starts in plain text. */
		text_after(m, mlen, after, " input=", ev);
		ev->ends = true;
		*kind = SF_EVENT_REFUSED;
		return true;
	}
	return exim_host_line(m, mlen, ev, kind);
}

static bool
parse_exim(const char *line, size_t len, const char *m, time_t now, struct sf_event *ev)
{
	const char *end = line + len, *qid = NULL;
	size_t qlen = 0;
	enum sf_event_kind kind;

	ev->source = SF_SOURCE_EXIM;
	ev->proto = SF_PROTO_SMTP;
	if (m == NULL) {
		m = exim_message(line, end, &qid, &qlen);
	} else if (sf_lf_exim_stamp(m, (size_t)(end - m))) {
		/* Exim's own stamp after a syslog header (journal exports). */
		m = exim_message(m, end, &qid, &qlen);
	} else if (m < end && *m == '[') {
		const char *q = memchr(m, ']', (size_t)(end - m));

		if (q != NULL && q - m < 12 && q + 1 < end && q[1] == ' ')
			m = q + 2; /* "exim[8003]: [8003] ..." */
	}
	if (!parse_exim_message(m, (size_t)(end - m), ev, &kind))
		return false;
	if (qid != NULL)
		keep_text(ev->queue_id, sizeof ev->queue_id, qid, qid + qlen);
	return done(ev, kind, line, len, now);
}

/* ---- Postfix ------------------------------------------------------- */

static void
postfix_key(const struct syslog_head *sh, const char *line, const char *end, struct sf_event *ev)
{
	/* "postfix/submission/smtpd[1234]": one smtpd process serves one
	 * connection at a time. */
	const char *p = sh->tag + sh->taglen, *q = p;

	if (q < end && *q == '[')
		while (q < end && *q != ']' && q - p < 12)
			q++;
	keep_text(ev->key, sizeof ev->key, sh->tag, q < end && *q == ']' ? q + 1 : p);
	(void)line;
}

static bool
postfix_who(const struct syslog_head *sh, const char *end, const char *key, struct sf_event *ev)
{
	return sf_lf_postfix_client(sh->msg, end, key, ev->address, sizeof ev->address);
}

/* "starttls=1" (or "starttls=1/1") in the disconnect summary. */
static int
summary_count(const char *msg, const char *end, const char *name, bool *failed)
{
	const char *p = memmem(msg, (size_t)(end - msg), name, strlen(name));
	int ok = 0, n = 0;

	*failed = false;
	if (p == NULL)
		return -1;
	for (p += strlen(name); p < end && isdigit((unsigned char)*p) && n < 4; p++, n++)
		ok = ok * 10 + (*p - '0');
	if (p < end && *p == '/') {
		int tried = 0;

		for (p++, n = 0; p < end && isdigit((unsigned char)*p) && n < 4; p++, n++)
			tried = tried * 10 + (*p - '0');
		*failed = tried > ok;
	}
	return ok;
}

/* postscreen, in front of smtpd on port 25: "CONNECT from [ip]:port to
 * [ip]:25" and "NOQUEUE: reject: RCPT from [ip]:port: 550 ...". It serves
 * many clients in one process: the client's address and port are the key. */
static bool
parse_postscreen(
	const struct syslog_head *sh, const char *line, size_t len, time_t now, struct sf_event *ev)
{
	const char *end = line + len, *msg = sh->msg, *p, *after;
	size_t mlen = (size_t)(end - msg);

	if (mlen > 14 && memcmp(msg, "CONNECT from [", 14) == 0)
		p = msg + 13;
	else if ((p = memmem(msg, mlen, "reject: RCPT from [", 19)) != NULL)
		p += 18;
	else
		return false;
	after = sf_lf_ip_literal(p, end, ev->address, sizeof ev->address);
	if (after == NULL)
		return false;
	snprintf(ev->key, sizeof ev->key, "postscreen [%s]:%d", ev->address, port_at(after, end));
	if (msg[0] == 'C') {
		const char *to = memmem(after, (size_t)(end - after), " to [", 5);
		char ip[SF_LOG_ADDR_MAX];
		const char *a2 = to != NULL ? sf_lf_ip_literal(to + 4, end, ip, sizeof ip) : NULL;

		ev->port = port_at(a2, end);
		return done(ev, SF_EVENT_CONNECT, line, len, now);
	}
	if (after < end && *after == ':')
		for (after++; after < end && isdigit((unsigned char)*after); after++)
			;
	if (end - after > 2 && after[0] == ':' && after[1] == ' ')
		keep_text(ev->text, sizeof ev->text, after + 2, end);
	cut_at(ev->text, "; from=<");
	ev->port = 25;
	return done(ev, SF_EVENT_REFUSED, line, len, now);
}

static bool
parse_postfix(
	const struct syslog_head *sh, const char *line, size_t len, time_t now, struct sf_event *ev)
{
	const char *end = line + len, *msg = sh->msg, *p;
	size_t mlen = (size_t)(end - msg);
	bool failed;

	ev->source = SF_SOURCE_POSTFIX;
	ev->proto = SF_PROTO_SMTP;
	if (sf_lf_tag_has(sh, "/postscreen"))
		return parse_postscreen(sh, line, len, now, ev);
	if (!sf_lf_tag_has(sh, "/smtpd"))
		return false; /* qmgr, cleanup, smtp (outgoing) */
	postfix_key(sh, line, end, ev);
	/* The service's name says its port only when master.cf gives it one
	 * (syslog_name=postfix/submission); a bare smtpd may be any. */
	if (sf_lf_tag_has(sh, "/smtps/") || sf_lf_tag_has(sh, "/submissions/")) {
		ev->port = 465;
		ev->tls = 1;
	} else if (sf_lf_tag_has(sh, "/submission/")) {
		ev->port = 587;
	}
	if (mlen > 13 && memcmp(msg, "connect from ", 13) == 0) {
		if (!postfix_who(sh, end, "connect from ", ev))
			return false;
		return done(ev, SF_EVENT_CONNECT, line, len, now);
	}
	if (mlen > 16 && memcmp(msg, "disconnect from ", 16) == 0) {
		if (!postfix_who(sh, end, "disconnect from ", ev))
			return false;
		if (summary_count(msg, end, " starttls=", &failed) > 0)
			ev->tls = 1;
		else if (ev->tls < 0 && memmem(msg, mlen, " ehlo=", 6) != NULL)
			ev->tls = 0;
		if (summary_count(msg, end, " auth=", &failed) >= 0)
			ev->login_tried = true;
		{
			bool mail_failed, rcpt_failed;
			int data = summary_count(msg, end, " data=", &failed),
			    bdat = summary_count(msg, end, " bdat=", &failed);

			ev->messages =
				(unsigned)(data > 0 ? data : 0) + (unsigned)(bdat > 0 ? bdat : 0);
			summary_count(msg, end, " mail=", &mail_failed);
			summary_count(msg, end, " rcpt=", &rcpt_failed);
			keep_text(ev->text, sizeof ev->text, msg + 16, end);
			if ((p = strchr(ev->text, ' ')) != NULL)
				memmove(ev->text, p + 1, strlen(p));
			ev->ends = true;
			/* "mail=0/1": MAIL refused. Postfix writes a reject line for
			 * most refusals; not for the ones before TLS or login, which
			 * only this summary shows. */
			ev->summary_refused = mail_failed || rcpt_failed;
			return done(ev, SF_EVENT_CLOSE, line, len, now);
		}
	}
	if ((p = memmem(msg, mlen, "TLS connection established from ", 32)) != NULL) {
		if (!postfix_who(sh, end, "TLS connection established from ", ev))
			return false;
		ev->tls = 1;
		return done(ev, SF_EVENT_TLS, line, len, now);
	}
	if (memmem(msg, mlen, "SSL_accept error from ", 22) != NULL) {
		if (!postfix_who(sh, end, "SSL_accept error from ", ev))
			return false;
		text_after(line, len, msg, "]: ", ev);
		return done(ev, SF_EVENT_TLS_FAILED, line, len, now);
	}
	if (mlen > 9 && memcmp(msg, "warning: ", 9) == 0 &&
		(p = memmem(msg, mlen, " authentication failed", 22)) != NULL &&
		memmem(msg, mlen, "SASL ", 5) != NULL) {
		if (!postfix_who(sh, end, "warning: ", ev))
			return false;
		sf_lf_word_after(line, len, p, "sasl_username=", ",; ", ev->user, sizeof ev->user);
		if (strcmp(ev->user, "(unavailable)") == 0)
			ev->user[0] = '\0';
		text_after(line, len, p, "failed: ", ev);
		cut_at(ev->text, ", sasl_username=");
		ev->login_tried = true;
		return done(ev, SF_EVENT_LOGIN_FAILED, line, len, now);
	}
	if ((p = memmem(msg, mlen, ": client=", 9)) != NULL &&
		memmem(msg, mlen, "sasl_username=", 14) != NULL) {
		if (!postfix_who(sh, end, ": client=", ev))
			return false;
		sf_lf_word_after(line, len, p, "sasl_username=", ",; ", ev->user, sizeof ev->user);
		keep_text(ev->queue_id, sizeof ev->queue_id, msg, p);
		ev->login_tried = true;
		return done(ev, SF_EVENT_LOGIN_OK, line, len, now);
	}
	if ((p = memmem(msg, mlen, "too many errors after ", 22)) != NULL) {
		if (!postfix_who(sh, end, " from ", ev))
			return false;
		keep_text(ev->text, sizeof ev->text, msg, memmem(msg, mlen, " from ", 6));
		return done(ev, SF_EVENT_DROPPED, line, len, now);
	}
	if ((p = memmem(msg, mlen, "reject: ", 8)) != NULL) {
		const char *from = memmem(p, (size_t)(end - p), " from ", 6);

		if (from == NULL || !postfix_who(sh, end, " from ", ev))
			return false;
		/* "...from name[ip]: 554 5.7.1 <x>: Relay access denied; from=<..." */
		text_after(line, len, from + 6, "]: ", ev);
		sf_lf_word_after(line, len, from, "; from=<", ">", ev->sender, sizeof ev->sender);
		cut_at(ev->text, "; from=<");
		return done(ev, SF_EVENT_REFUSED, line, len, now);
	}
	if (memmem(msg, mlen, "lost connection after ", 22) != NULL &&
		memmem(msg, mlen, " from ", 6) != NULL) {
		if (!postfix_who(sh, end, " from ", ev))
			return false;
		p = memmem(msg, mlen, " from ", 6);
		keep_text(ev->text, sizeof ev->text, msg, p);
		/* "after STARTTLS": a program that gave up during the handshake
		 * (a certificate it does not trust); the attempt reads it so. */
		return done(ev, SF_EVENT_CLOSE, line, len, now);
	}
	return false;
}

/* ---- Dovecot and saslauthd ------------------------------------------ */

static enum sf_event_proto
dovecot_proto(const char *line, size_t len)
{
	if (find(line, len, "imap-login: ") != NULL)
		return SF_PROTO_IMAP;
	if (find(line, len, "pop3-login: ") != NULL)
		return SF_PROTO_POP3;
	if (find(line, len, "submission-login: ") != NULL)
		return SF_PROTO_SMTP;
	return SF_PROTO_UNKNOWN; /* managesieve-login and others */
}

/* "lport=993" (Dovecot's login_log_format with the ports): the port. */
static int
dovecot_port(const char *line, size_t len)
{
	char port[8];

	sf_lf_word_after(line, len, NULL, ", lport=", ",", port, sizeof port);
	return port[0] != '\0' ? (int)strtol(port, NULL, 10) : 0;
}

static bool
parse_dovecot_login(const char *line, size_t len, time_t now, struct sf_event *ev)
{
	const char *end = line + len, *p, *rip;
	char session[24];

	ev->source = SF_SOURCE_DOVECOT;
	ev->proto = dovecot_proto(line, len);
	sf_lf_dovecot_rip(line, len, ev->address, sizeof ev->address);
	if (ev->address[0] == '\0')
		return false;
	ev->port = dovecot_port(line, len);
	/* The user the client typed comes first, then Dovecot's own fields:
	 * after rip=, ", TLS" (or "TLS handshaking", "TLS: ...") when TLS was
	 * used; none of them: not. */
	rip = sf_lf_last_key(line, end, "rip=", 4);
	if (rip != NULL)
		ev->tls = memmem(rip, (size_t)(end - rip), ", TLS", 5) != NULL ? 1 : 0;
	sf_lf_word_after(line, len, NULL, "user=<", ">", ev->user, sizeof ev->user);
	sf_lf_word_after(line, len, rip, "session=<", ">", session, sizeof session);
	snprintf(ev->key, sizeof ev->key, "dovecot %s %s", ev->address, session);
	ev->ends = true;
	if (find(line, len, "disallowed plaintext auth") != NULL ||
		find(line, len, "disabled plaintext auth") != NULL ||
		find(line, len, "Plaintext authentication disabled") != NULL) {
		ev->login_tried = true;
		ev->tls = 0;
		snprintf(ev->text, sizeof ev->text, "tried to use disallowed plaintext auth");
		return done(ev, SF_EVENT_PLAINTEXT_REFUSED, line, len, now);
	}
	/* "imap-login: Login: user=<...>" through syslog; Dovecot's own log
	 * file puts the level between: "imap-login: Info: Login: ...". */
	if (find(line, len, "Login: user=<") != NULL) {
		ev->login_tried = true;
		return done(ev, SF_EVENT_LOGIN_OK, line, len, now);
	}
	if ((p = find(line, len, "(auth failed")) != NULL) {
		const char *q = memchr(p, ')', (size_t)(end - p));

		ev->login_tried = true;
		keep_text(ev->text, sizeof ev->text, p + 1, q != NULL ? q : end);
		return done(ev, SF_EVENT_LOGIN_FAILED, line, len, now);
	}
	/* The handshake did not finish: "TLS handshaking: ...", or an
	 * SSL_accept() failure named in the reason. */
	if ((p = find(line, len, "TLS handshaking")) != NULL ||
		(p = find(line, len, "SSL_accept() ")) != NULL) {
		const char *q = find(line, len, "SSL_accept() ");

		ev->tls = -1;
		keep_text(ev->text, sizeof ev->text, q != NULL ? q : p, end);
		cut_at(ev->text, " (");
		return done(ev, SF_EVENT_TLS_FAILED, line, len, now);
	}
	if (find(line, len, "Disconnected") != NULL || find(line, len, "Aborted login") != NULL ||
		find(line, len, "Login aborted") != NULL) {
		p = find(line, len, "-login: ");
		keep_text(ev->text, sizeof ev->text, p != NULL ? p + 8 : line,
			rip != NULL ? rip : end);
		return done(ev, SF_EVENT_CLOSE, line, len, now);
	}
	return false;
}

/* "auth: passwd-file(bob@example.com,203.0.113.9,<sess>): Password
 * mismatch", the same from auth-worker, pam, sql, ldap, and Dovecot 2.4's
 * "auth(bob@example.com,203.0.113.9,sasl:login)<sess>: Info: sql:
 * Password mismatch": the reason a login failed, for the attempt the
 * server's own line shows. */
static bool
parse_dovecot_auth(const char *line, size_t len, time_t now, struct sf_event *ev)
{
	static const char *const reasons[] = { "Password mismatch", "unknown user",
		"pam_authenticate() failed", "invalid credentials", NULL };
	const char *end = line + len, *r = NULL, *open, *close;
	char fields[SF_LOG_USER_MAX + SF_LOG_ADDR_MAX + 64], *comma, *ipend;
	size_t i;

	for (i = 0; reasons[i] != NULL && r == NULL; i++)
		r = find(line, len, reasons[i]);
	if (r == NULL || find(line, len, "auth") == NULL)
		return false;
	/* The fields are in the nearest "(...)" before the reason that holds
	 * a comma: "passwd-file(", "pam(", "auth(". */
	for (open = r; open > line && r - open < 400; open--) {
		if (open[-1] != '(')
			continue;
		close = memchr(open, ')', (size_t)(r - open));
		if (close != NULL && memchr(open, ',', (size_t)(close - open)) != NULL)
			break;
	}
	if (open == line || open[-1] != '(' || r - open >= 400)
		return false;
	close = memchr(open, ')', (size_t)(r - open));
	keep_text(fields, sizeof fields, open, close);
	comma = strchr(fields, ',');
	*comma = '\0';
	keep_text(ev->user, sizeof ev->user, fields, comma);
	ipend = comma + 1 + strcspn(comma + 1, ",");
	*ipend = '\0';
	{
		char probe[sizeof fields + 8];

		/* Checked as an address by the Dovecot rip reader's rules. */
		snprintf(probe, sizeof probe, ", rip=%s", comma + 1);
		sf_lf_dovecot_rip(probe, strlen(probe), ev->address, sizeof ev->address);
	}
	ev->source = SF_SOURCE_DOVECOT;
	ev->proto = SF_PROTO_UNKNOWN;
	ev->detail = true;
	keep_text(ev->text, sizeof ev->text, r, end);
	cut_at(ev->text, " (given password");
	return done(ev, SF_EVENT_LOGIN_FAILED, line, len, now);
}

/* saslauthd[123]: do_auth : auth failure: [user=bob] [service=smtp]
 * [realm=example.com] [mech=pam] [reason=PAM auth error] */
static bool
parse_saslauthd(const char *line, size_t len, time_t now, struct sf_event *ev)
{
	char service[16], realm[SF_LOG_USER_MAX / 2];
	bool ok = find(line, len, "auth success: ") != NULL;

	if (!ok && find(line, len, "auth failure: ") == NULL)
		return false;
	ev->source = SF_SOURCE_SASLAUTHD;
	ev->detail = true;
	sf_lf_word_after(line, len, NULL, "[user=", "]", ev->user, sizeof ev->user);
	sf_lf_word_after(line, len, NULL, "[realm=", "]", realm, sizeof realm);
	sf_lf_word_after(line, len, NULL, "[service=", "]", service, sizeof service);
	/* The user as typed; the realm is the server's default domain. */
	(void)realm;
	ev->proto = strcmp(service, "smtp") == 0   ? SF_PROTO_SMTP
		    : strcmp(service, "imap") == 0 ? SF_PROTO_IMAP
		    : strcmp(service, "pop") == 0 || strcmp(service, "pop3") == 0
			    ? SF_PROTO_POP3
			    : SF_PROTO_UNKNOWN;
	{
		const char *p = find(line, len, "[reason=");

		if (p != NULL) {
			const char *q = memchr(p, ']', (size_t)(line + len - p));

			keep_text(ev->text, sizeof ev->text, p + 8, q != NULL ? q : line + len);
		}
	}
	return done(ev, ok ? SF_EVENT_LOGIN_OK : SF_EVENT_LOGIN_FAILED, line, len, now);
}

bool
sf_event_parse(const char *line, size_t len, time_t now, struct sf_event *ev)
{
	struct syslog_head sh = { NULL, NULL, 0 };
	bool syslog;

	memset(ev, 0, sizeof *ev);
	ev->tls = -1;
	if (len > SF_LOG_LINE_MAX)
		len = SF_LOG_LINE_MAX;
	/* Which program wrote the line decides how it is read: a HELO or a
	 * sender cannot make an Exim line look like Postfix's, or the other
	 * way round. */
	syslog = sf_lf_syslog_head(line, len, &sh);
	if (!syslog && sf_lf_exim_stamp(line, len)) {
		if (parse_exim(line, len, NULL, now, ev))
			return true;
		memset(ev, 0, sizeof *ev);
		ev->tls = -1;
	}
	if (syslog && sf_lf_is_postfix(&sh))
		return parse_postfix(&sh, line, len, now, ev);
	if (syslog && sf_lf_tag_has(&sh, "exim"))
		return parse_exim(line, len, sh.msg, now, ev);
	if (!syslog) {
		/* "host exim[123]: 2026-11-29 10:00:00 ...": a journal export
		 * without the syslog time; the program's name opens the message. */
		const char *t = find(line, len, " exim["), *m;

		if (t != NULL && (m = memchr(t, ']', (size_t)(line + len - t))) != NULL &&
			line + len - m > 22 && m[1] == ':' && m[2] == ' ' &&
			sf_lf_exim_stamp(m + 3, (size_t)(line + len - m - 3)))
			return parse_exim(line, len, m + 3, now, ev) &&
			       (ev->when = sf_log_time(m + 3, (size_t)(line + len - m - 3), now),
				       true);
	}
	/* Dovecot and saslauthd through syslog, in their own log files, or
	 * pasted without a time. */
	if (find(line, len, "saslauthd") != NULL)
		return parse_saslauthd(line, len, now, ev);
	if (find(line, len, "-login: ") != NULL)
		return parse_dovecot_login(line, len, now, ev);
	return parse_dovecot_auth(line, len, now, ev);
}
