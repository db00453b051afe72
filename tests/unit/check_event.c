/* Mail log lines as connection events, joined into attempts, and the
 * attempts diagnosed: on lines real servers wrote (tests/fixtures/logs/
 * real, each with its source and expected reading) and on the test
 * suite's own Exim lines. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpfix/attempt.h"
#include "smtpfix/diagnose.h"
#include "smtpfix/mta_event.h"
#include "unit/suites.h"

#define REAL "tests/fixtures/logs/real/"
/* 2026-11-30 00:00:00 UTC: the fixtures' "now". */
#define NOW ((time_t)1785888000)

struct corpus_score {
	unsigned lines, right;
};

/* Split a TSV row in place into 7 fields. */
static int
split(char *row, char **f)
{
	int n = 0;
	char *p = row;

	while (n < 7) {
		f[n++] = p;
		if (n == 7)
			break;
		p = strchr(p, '\t');
		if (p == NULL)
			return -1;
		*p++ = '\0';
	}
	return 0;
}

static bool
field_is(const char *want, const char *got)
{
	return strcmp(want, "-") == 0 ? got[0] == '\0' : strcmp(want, got) == 0;
}

/* Each row's reading against the parser's: kind, client address, server
 * port, user and TLS. A "-" for TLS means the line alone does not say; the
 * parser may still know from the service or the form of the line (a
 * Postfix smtps service is TLS; its disconnect summary without starttls=
 * is not), so any reading passes there. Wrong rows are printed with what
 * was read (SMTPFIX_EVENT_VERBOSE=1). */
static struct corpus_score
score_file(const char *name)
{
	char path[256], row[8192], port[16], *f[7];
	struct corpus_score s = { 0, 0 };
	FILE *in;

	snprintf(path, sizeof path, REAL "%s", name);
	in = fopen(path, "r");
	ck_assert_msg(in != NULL, "cannot read %s", path);
	while (fgets(row, sizeof row, in) != NULL) {
		struct sf_event ev;
		size_t n = strlen(row);
		bool parsed, right;
		const char *tls;

		if (row[0] == '#' || row[0] == '\n')
			continue;
		if (n > 0 && row[n - 1] == '\n')
			row[--n] = '\0';
		if (split(row, f) < 0)
			continue;
		s.lines++;
		parsed = sf_event_parse(f[6], strlen(f[6]), NOW, &ev);
		if (strcmp(f[0], "none") == 0) {
			right = !parsed;
		} else {
			snprintf(port, sizeof port, "%d", ev.port);
			tls = ev.tls < 0 ? "-" : ev.tls ? "yes" : "no";
			right = parsed && strcmp(f[0], sf_event_kind_id(ev.kind)) == 0 &&
				field_is(f[1], ev.address) &&
				(strcmp(f[2], "-") == 0 ? ev.port == 0 : strcmp(f[2], port) == 0) &&
				field_is(f[3], ev.user) &&
				(strcmp(f[4], "-") == 0 || strcmp(f[4], tls) == 0);
		}
		if (right)
			s.right++;
		else if (getenv("SMTPFIX_EVENT_VERBOSE") != NULL)
			fprintf(stderr, "%s: want %s %s %s %s %s; read %s %s %d %s %d: %s\n", name,
				f[0], f[1], f[2], f[3], f[4],
				parsed ? sf_event_kind_id(ev.kind) : "none", ev.address, ev.port,
				ev.user, ev.tls, f[6]);
	}
	fclose(in);
	return s;
}

/* The share of real lines read exactly right, per server. The floors sit
 * a little under what the parser reaches, so a change that loses lines
 * fails; SMTPFIX_EVENT_VERBOSE=1 lists every line read otherwise. */
START_TEST(real_lines_read_right)
{
	static const struct {
		const char *file;
		double floor;
	} files[] = { { "exim.tsv", 0.95 }, { "postfix.tsv", 0.95 }, { "dovecot.tsv", 0.95 },
		{ "saslauthd.tsv", 0.95 } };
	double share[sizeof files / sizeof files[0]];
	unsigned lines[sizeof files / sizeof files[0]];
	size_t i;

	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		struct corpus_score s = score_file(files[i].file);

		share[i] = s.lines ? (double)s.right / s.lines : 0;
		lines[i] = s.lines;
		fprintf(stderr, "event corpus %s: %u of %u lines read right (%.1f%%)\n",
			files[i].file, s.right, s.lines, 100 * share[i]);
	}
	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		ck_assert_uint_ge(lines[i], 10);
		ck_assert_msg(share[i] >= files[i].floor, "%s: %.1f%% read right, under %.0f%%",
			files[i].file, 100 * share[i], 100 * files[i].floor);
	}
}
END_TEST

/* ---- joining ---------------------------------------------------------- */

struct collected {
	struct sf_attempt a[16];
	size_t n;
};

static void
collect(const struct sf_attempt *a, void *ctx)
{
	struct collected *c = ctx;

	if (c->n < 16)
		c->a[c->n++] = *a;
}

static void
feed_lines(struct sf_joiner *j, const char *const *lines, struct collected *c)
{
	size_t i;

	for (i = 0; lines[i] != NULL; i++) {
		struct sf_event ev;

		if (sf_event_parse(lines[i], strlen(lines[i]), NOW, &ev))
			sf_joiner_feed(
				j, &ev, lines[i], strlen(lines[i]), (double)ev.when, collect, c);
	}
	sf_joiner_flush(j, collect, c);
}

/* Lines the test suite's Exim wrote (log_selector as cPanel's plus
 * +incoming_interface): three connections interleaved. */
static const char *const exim_session[] = {
	"2026-11-29 10:00:00 SMTP connection from [198.51.100.7]:48976 I=[192.0.2.1]:587 (TCP/IP "
	"connection count = 1)",
	"2026-11-29 10:00:00 SMTP connection from [198.51.100.7]:48982 I=[192.0.2.1]:587 (TCP/IP "
	"connection count = 2)",
	"2026-11-29 10:00:01 H=(PC) [198.51.100.7]:48976 I=[192.0.2.1]:587 F=<bob@example.com> "
	"rejected RCPT <x@example.net>: SMTP AUTH is required for message submission on port 587",
	"2026-11-29 10:00:01 plain authenticator failed for (PC) [198.51.100.7]:48982 "
	"I=[192.0.2.1]:587: 535 Incorrect authentication data (set_id=bob@example.com)",
	"2026-11-29 10:00:01 SMTP connection from (PC) [198.51.100.7]:48976 I=[192.0.2.1]:587 "
	"closed by DROP in ACL",
	"2026-11-29 10:00:02 SMTP connection from [203.0.113.5]:50000 I=[192.0.2.1]:587 (TCP/IP "
	"connection count = 2)",
	"2026-11-29 10:00:02 1xYaFS-0004UR-0S <= bob@example.com H=(PC) [203.0.113.5]:50000 "
	"I=[192.0.2.1]:587 P=esmtpsa X=TLS1.3:ECDHE_X25519__RSA_PSS_RSAE_SHA256__AES_256_GCM:256 "
	"CV=no A=plain:bob@example.com S=287",
	"2026-11-29 10:00:02 SMTP connection from (PC) [203.0.113.5]:50000 I=[192.0.2.1]:587 "
	"closed by QUIT",
	"2026-11-29 10:00:05 TLS error on connection from (PC) [198.51.100.7]:48982 "
	"I=[192.0.2.1]:587 (recv): The TLS connection was non-properly terminated.",
	"2026-11-29 10:00:05 SMTP connection from (PC) [198.51.100.7]:48982 I=[192.0.2.1]:587 lost "
	"D=4s",
	"2026-11-29 10:00:05 no MAIL in SMTP connection from (PC) [198.51.100.7]:48982 "
	"I=[192.0.2.1]:587 D=4s X=TLS1.3:ECDHE_X25519__RSA_PSS_RSAE_SHA256__AES_256_GCM:256 CV=no "
	"C=EHLO,STARTTLS,EHLO,AUTH,AUTH",
	NULL
};

START_TEST(exim_connections_joined)
{
	struct sf_joiner j;
	struct collected c = { .n = 0 };
	const struct sf_attempt *drop = NULL, *login = NULL, *sent = NULL;
	size_t i;

	ck_assert_int_eq(sf_joiner_init(&j), 0);
	feed_lines(&j, exim_session, &c);
	sf_joiner_free(&j);
	ck_assert_uint_eq(c.n, 3);
	for (i = 0; i < c.n; i++) {
		if (c.a[i].dropped)
			drop = &c.a[i];
		else if (c.a[i].login == SF_LOGIN_REFUSED)
			login = &c.a[i];
		else if (c.a[i].messages > 0)
			sent = &c.a[i];
	}
	ck_assert_ptr_nonnull(drop);
	ck_assert_ptr_nonnull(login);
	ck_assert_ptr_nonnull(sent);
	/* The founding case: 587, no TLS, no login, refused and dropped. */
	ck_assert_int_eq(drop->port, 587);
	ck_assert_int_eq(drop->tls, 0);
	ck_assert_int_eq(drop->login, SF_LOGIN_NONE);
	ck_assert_str_eq(
		drop->refused_text, "SMTP AUTH is required for message submission on port 587");
	ck_assert(drop->closed);
	/* A wrong password under TLS: the (recv) error afterwards is a lost
	 * connection, not a failed handshake. */
	ck_assert_int_eq(login->tls, 1);
	ck_assert_str_eq(login->user, "bob@example.com");
	ck_assert_str_eq(login->login_text, "535 Incorrect authentication data");
	ck_assert(!login->tls_failed);
	ck_assert_str_eq(login->commands, "EHLO,STARTTLS,EHLO,AUTH,AUTH");
	ck_assert_str_eq(sent->address, "203.0.113.5");
	ck_assert_int_eq(sent->tls, 1);
	ck_assert_int_eq(sent->login, SF_LOGIN_ACCEPTED);
	ck_assert_uint_eq(sent->messages, 1);
	/* Handed on in the order they began. */
	ck_assert(c.a[0].first <= c.a[1].first && c.a[1].first <= c.a[2].first);
}
END_TEST

/* Postfix with Dovecot's SASL: the smtpd process is the connection; the
 * auth process's reason joins the refused login. */
START_TEST(postfix_connection_with_dovecot_reason)
{
	static const char *const lines[] = { "Nov 29 10:00:00 mail postfix/submission/smtpd[1234]: "
					     "connect from unknown[203.0.113.9]",
		"Nov 29 10:00:00 mail postfix/submission/smtpd[1234]: Anonymous TLS connection "
		"established from unknown[203.0.113.9]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 "
		"(256/256 bits)",
		"Nov 29 10:00:01 mail dovecot: auth: "
		"passwd-file(bob@example.com,203.0.113.9,<abcd>): Password mismatch",
		"Nov 29 10:00:03 mail postfix/submission/smtpd[1234]: warning: "
		"unknown[203.0.113.9]: SASL PLAIN authentication failed: authentication failure, "
		"sasl_username=bob@example.com",
		"Nov 29 10:00:03 mail postfix/submission/smtpd[1234]: disconnect from "
		"unknown[203.0.113.9] ehlo=2 starttls=1 auth=0/1 quit=1 commands=4/5",
		"Nov 29 10:00:04 mail postfix/submission/smtpd[1234]: connect from "
		"unknown[198.51.100.7]",
		"Nov 29 10:00:04 mail postfix/submission/smtpd[1234]: disconnect from "
		"unknown[198.51.100.7] ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4",
		NULL };
	struct sf_joiner j;
	struct collected c = { .n = 0 };

	ck_assert_int_eq(sf_joiner_init(&j), 0);
	feed_lines(&j, lines, &c);
	sf_joiner_free(&j);
	ck_assert_uint_eq(c.n, 2);
	ck_assert_str_eq(c.a[0].address, "203.0.113.9");
	ck_assert_int_eq(c.a[0].port, 587);
	ck_assert_int_eq(c.a[0].tls, 1);
	ck_assert_int_eq(c.a[0].login, SF_LOGIN_REFUSED);
	ck_assert_str_eq(c.a[0].user, "bob@example.com");
	ck_assert_str_eq(c.a[0].login_reason, "Password mismatch");
	/* The same process's next client is a new attempt, without TLS. */
	ck_assert_str_eq(c.a[1].address, "198.51.100.7");
	ck_assert_int_eq(c.a[1].tls, 0);
	ck_assert_int_eq(c.a[1].login, SF_LOGIN_NONE);
}
END_TEST

/* A HELO that imitates a host field cannot name the client, and a sender
 * address cannot supply the user. */
START_TEST(client_text_cannot_forge_fields)
{
	static const char line[] = "2026-11-29 10:00:01 H=(x (y) [10.9.9.9]:1 I=[1.1.1.1]:25 z) "
				   "[198.51.100.7]:40001 I=[192.0.2.10]:587 F=<a@example.com> "
				   "rejected RCPT <b@example.net>: relay not permitted";
	struct sf_event ev;

	ck_assert(sf_event_parse(line, strlen(line), NOW, &ev));
	ck_assert_str_eq(ev.address, "198.51.100.7");
	ck_assert_int_eq(ev.port, 587);
	ck_assert_str_eq(ev.user, "");
}
END_TEST

/* ---- diagnosis of an attempt ------------------------------------------ */

static enum sf_cause
cause_of(const struct sf_attempt *a, const struct sf_policy *pol, bool *found)
{
	struct sf_diag_input in;
	static struct sf_diagnosis d;
	const struct sf_diag_finding *f;

	memset(&in, 0, sizeof in);
	in.attempt = a;
	in.policy = pol;
	*found = sf_diagnose_attempt(&in, &d, &f);
	return f != NULL ? f->cause : SF_CAUSE_COUNT;
}

START_TEST(attempts_diagnosed)
{
	struct sf_joiner j;
	struct collected c = { .n = 0 };
	static struct sf_policy pol;
	bool found;
	size_t i;

	ck_assert_int_eq(sf_joiner_init(&j), 0);
	feed_lines(&j, exim_session, &c);
	sf_joiner_free(&j);
	for (i = 0; i < c.n; i++) {
		enum sf_cause cause = cause_of(&c.a[i], NULL, &found);

		if (c.a[i].dropped) {
			ck_assert(found);
			ck_assert_int_eq(cause, SF_CAUSE_AUTH_REQUIRES_TLS);
		} else if (c.a[i].login == SF_LOGIN_REFUSED) {
			ck_assert(found);
			ck_assert_int_eq(cause, SF_CAUSE_WRONG_CREDENTIALS);
		} else {
			ck_assert(!found); /* sent: no problem */
		}
	}
	/* No refusal text at all: only the server's settings tell that login
	 * needed TLS. Without them, a program that did not log in. */
	{
		struct sf_attempt a;

		memset(&a, 0, sizeof a);
		a.source = SF_SOURCE_EXIM;
		a.proto = SF_PROTO_SMTP;
		a.port = 587;
		a.tls = 0;
		a.refused = true;
		snprintf(a.refused_text, sizeof a.refused_text, "%s", "Authentication required");
		ck_assert_int_eq(cause_of(&a, NULL, &found), SF_CAUSE_CLIENT_NOT_AUTHENTICATING);
		memset(&pol, 0, sizeof pol);
		pol.auth_requires_tls.value = SF_TRI_YES;
		ck_assert_int_eq(cause_of(&a, &pol, &found), SF_CAUSE_AUTH_REQUIRES_TLS);
		/* Plain text on a port that wants TLS at once. */
		memset(&a, 0, sizeof a);
		a.source = SF_SOURCE_EXIM;
		a.port = 465;
		a.tls = -1;
		a.tls_failed = true;
		a.closed = true;
		snprintf(a.tls_text, sizeof a.tls_text, "%s",
			"error:0A00010B:SSL routines::wrong version number");
		ck_assert_int_eq(cause_of(&a, NULL, &found), SF_CAUSE_TLS_MODE_MISMATCH);
	}
}
END_TEST

Suite *
event_suite(void)
{
	Suite *s = suite_create("event");
	TCase *tc = tcase_create("event");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, real_lines_read_right);
	tcase_add_test(tc, exim_connections_joined);
	tcase_add_test(tc, postfix_connection_with_dovecot_reason);
	tcase_add_test(tc, client_text_cannot_forge_fields);
	tcase_add_test(tc, attempts_diagnosed);
	suite_add_tcase(s, tc);
	return s;
}
