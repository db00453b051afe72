/* The probe: runs the SMTP session against real targets (host x port x
 * mode) over net and tls, and keeps everything it saw. */
#ifndef SMTPFIX_PROBE_H
#define SMTPFIX_PROBE_H

#include <stdbool.h>
#include <stddef.h>

#include <poll.h>
#include <stdatomic.h>

#include "smtpfix/error.h"
#include "smtpfix/net.h"
#include "smtpfix/secret.h"
#include "smtpfix/smtp_session.h"
#include "smtpfix/tls.h"
#include "smtpfix/transcript.h"

#define SF_PROBE_MAX_PORTS 16
#define SF_PROBE_MAX_TARGETS 256 /* every probe of one run, follow-ups included */
#define SF_PROBE_MAX_MAPS 16
#define SF_PROBE_DEFAULT_PORT 587
#define SF_PROBE_DEFAULT_TIMEOUT_MS 10000
/* Reserved names (RFC 2606): never a real mailbox, never a real relay. */
#define SF_PROBE_DEFAULT_FROM "smtpfix-probe@example.com"
#define SF_PROBE_DEFAULT_RCPT "smtpfix-relay-test@example.net"

enum sf_probe_mode {
	SF_MODE_AUTO, /* implicit TLS on 465, STARTTLS if offered elsewhere */
	SF_MODE_PLAIN,
	SF_MODE_STARTTLS,
	SF_MODE_TLS
};

/* Why a target was probed. */
enum sf_purpose {
	SF_PURPOSE_MAIN,  /* as a mail program would use the port */
	SF_PURPOSE_PLAIN, /* follow-up: the same port with no encryption */
	SF_PURPOSE_TLS,   /* follow-up: the same port with SSL/TLS from the start */
	SF_PURPOSE_LOGIN  /* the login test */
};

/* A progress event: a target moved to a new step. */
struct sf_progress {
	size_t index; /* target number in this run */
	const char *address;
	int port;
	enum sf_purpose purpose;
	const char *step; /* connecting, banner, ehlo, tls, login, rcpt-test, done */
	double elapsed_ms;
	bool done;
	bool ok; /* with done: the target answered as expected */
};

typedef void (*sf_progress_fn)(void *ctx, const struct sf_progress *ev);

struct sf_port_map {
	int port; /* as reported and reasoned about */
	int real; /* where smtpfix actually connects */
};

/* A name answered without DNS (curl's --resolve): the practice server's
 * names, or a test's, point at loopback. */
struct sf_host_map {
	char name[SF_HOST_MAX + 1];
	char address[SF_ADDR_TEXT_MAX];
};

/* Certificate names held against the server probed: a name from the
 * certificate is recommended instead of the typed one only when it is a
 * real host name and leads to the same address. The server controls the
 * certificate, so anything else is reported, never put into the steps. */
#define SF_CERT_NAMES_MAX 8
#define SF_CERT_NAME_SHOWN_MAX 160 /* a refused name is kept this long, sanitized later */

enum sf_cert_name_check {
	SF_CERT_NAME_LEADS_HERE, /* resolves to the address that was probed */
	SF_CERT_NAME_ELSEWHERE,  /* resolves, but not to that address */
	SF_CERT_NAME_NO_ADDRESS, /* does not resolve */
	SF_CERT_NAME_NOT_HOST    /* not a host name (a wildcard, spaces, control bytes ...) */
};

struct sf_cert_name {
	char name[SF_CERT_NAME_SHOWN_MAX + 1];
	enum sf_cert_name_check check;
	char probed[SF_ADDR_TEXT_MAX]; /* the address it was held against */
	char found[SF_ADDR_TEXT_MAX];  /* its first address, when elsewhere */
	long source;                   /* the target whose certificate named it */
};

const char *sf_cert_name_check_id(enum sf_cert_name_check c);

struct sf_probe_options {
	const char *host;
	int ports[SF_PROBE_MAX_PORTS];
	size_t nports;
	enum sf_probe_mode mode;
	int timeout_ms; /* per network step */
	const char *ca_file;
	const char *ehlo_name;
	const char *mail_from;
	const char *rcpt_to;
	bool rcpt_test;
	struct sf_port_map maps[SF_PROBE_MAX_MAPS];
	size_t nmaps;
	struct sf_host_map host_maps[SF_PROBE_MAX_MAPS];
	size_t nhost_maps;
	/* The DNS server the person named (--dns-server), asked about the
	 * certificate's names too; NULL: the system's resolver. */
	const char *dns_server;

	/* The login test (optional). */
	const char *user;
	const struct sf_secret *password;
	bool allow_plaintext_auth;
	bool send_test;
	const char *login_from; /* default: user, when it is an address */
	const char *login_rcpt; /* default: the same */

	/* Addresses already found (by discovery): used instead of resolving
	 * host. May be NULL. */
	const struct sf_addr_list *addrs;

	sf_progress_fn progress; /* may be NULL */
	void *progress_ctx;
	/* Set (from another thread, or a signal handler) to cancel the run.
	 * The run only reads it; whoever starts the run clears it first. */
	atomic_bool *cancel;
};

struct sf_target_result {
	enum sf_purpose purpose;
	char address[SF_ADDR_TEXT_MAX];
	int port;                /* logical (after --port-map) */
	int real_port;           /* connected to */
	enum sf_probe_mode mode; /* resolved: never AUTO */
	bool connect_ok;
	double connect_ms;
	struct sf_error connect_err;
	bool tls_attempted;
	struct sf_tls_info tls;
	struct sf_session_result smtp;
	struct sf_transcript transcript;
	double total_ms;
	bool cancelled;
};

/* The security setting a mail program offers for its outgoing server. */
enum sf_security { SF_SEC_NONE, SF_SEC_STARTTLS, SF_SEC_TLS };

#define SF_MESSAGE_MAX 320

/* What a mail program set to one setting meets: one table (analyse.c)
 * gives each its stable id (JSON) and the words of the settings table. */
enum sf_outcome {
	SF_OUT_NOT_PROBED,
	SF_OUT_PORT_CLOSED,
	SF_OUT_PORT_FILTERED,
	SF_OUT_UNREACHABLE,
	SF_OUT_ERROR,
	SF_OUT_NO_EXTENSIONS,
	SF_OUT_WORKS,
	SF_OUT_AUTH_NOT_OFFERED,
	SF_OUT_AUTH_REFUSED,
	SF_OUT_REJECTED,
	SF_OUT_UNKNOWN,
	SF_OUT_HANGS_NO_GREETING,
	SF_OUT_STARTTLS_NOT_OFFERED,
	SF_OUT_STARTTLS_REFUSED,
	SF_OUT_TLS_HANDSHAKE_FAILS,
	SF_OUT_CERT_NAME_MISMATCH,
	SF_OUT_CERT_EXPIRED,
	SF_OUT_CERT_NOT_YET_VALID,
	SF_OUT_CERT_SELF_SIGNED,
	SF_OUT_CERT_UNTRUSTED,
	SF_OUT_WRONG_CREDENTIALS,
	SF_OUT_SENDER_REJECTED,
	SF_OUT_DEFERRED_AFTER_LOGIN,
	SF_OUT_AUTH_MECHANISM_MISMATCH,
	SF_OUT_BREAKS_AT_MAIL,
	SF_OUT_LOGIN_OFFERED,
	SF_OUT_COUNT /* not an outcome: how many there are (tables by the enum) */
};

const char *sf_outcome_id(enum sf_outcome o);    /* "works", "cert-expired" ... */
const char *sf_outcome_words(enum sf_outcome o); /* "works", "certificate expired" ... */
bool sf_outcome_is_cert(enum sf_outcome o);      /* a certificate the program questions */

/* What a mail program set to (port, security, auth) will meet. */
struct sf_matrix_cell {
	int port;
	enum sf_security security;
	bool auth;
	enum sf_outcome outcome;
	bool observed;                /* seen on the wire, not inferred */
	char message[SF_MESSAGE_MAX]; /* what the person will most likely see */
	long source;                  /* the target it rests on, or -1 */
};

/* How a port answered; one table gives the id (JSON) and the words. */
enum sf_port_status {
	SF_PORT_NOT_PROBED,
	SF_PORT_OPEN,
	SF_PORT_CLOSED,
	SF_PORT_FILTERED,
	SF_PORT_UNREACHABLE,
	SF_PORT_NO_GREETING,
	SF_PORT_ERROR
};

/* Where a port offers login. */
enum sf_auth_policy {
	SF_AUTHP_UNKNOWN,
	SF_AUTHP_WITHOUT_TLS,
	SF_AUTHP_AFTER_STARTTLS_ONLY,
	SF_AUTHP_IMPLICIT_TLS_ONLY,
	SF_AUTHP_NOT_OFFERED,
	/* Listed where a program would use it (under TLS, or with no TLS on
	 * offer) but refused when started, before any password. */
	SF_AUTHP_LISTED_REFUSED
};

const char *sf_port_status_id(enum sf_port_status s); /* "open", "no-greeting" ... */
const char *sf_port_status_words(enum sf_port_status s);
const char *sf_auth_policy_id(enum sf_auth_policy a); /* "after-starttls-only" ... */
const char *sf_auth_policy_words(enum sf_auth_policy a);

/* The server's policy on one port, read from the wire. */
struct sf_port_policy {
	int port;
	char address[SF_ADDR_TEXT_MAX]; /* the address the evidence comes from */
	enum sf_port_status status;
	bool implicit_tls; /* TLS from the first byte works */
	bool starttls;     /* STARTTLS offered and working */
	enum sf_auth_policy auth;
	bool unauth_refused; /* mail without login to an outside address refused */
	int unauth_code;
	char unauth_text[SF_MESSAGE_MAX];
	long main_index, plain_index, tls_index; /* targets used, -1 if none */
};

struct sf_recommendation {
	bool found;
	bool as_typed;         /* works with the host name the person typed */
	bool from_certificate; /* host is a certificate name that leads to the same server */
	bool cert_decision;    /* the program will question the certificate: see why */
	bool insecure;         /* only a setting without encryption works */
	char host[SF_HOST_MAX + 1];
	int port;
	enum sf_security security;
	bool auth;
	char username[320]; /* the user name given, or "" when none was */
	char why[2 * SF_MESSAGE_MAX + 3 * SF_HOST_MAX]; /* may name three hosts */
};

struct sf_probe_result {
	char host[SF_HOST_MAX + 1];
	bool resolved;
	struct sf_error resolve_err;
	struct sf_target_result *targets;
	size_t ntargets;

	/* Whole-host analysis (mode auto): policy per port, the settings
	 * matrix, and one recommended setting. */
	bool analysed;
	struct sf_port_policy policies[SF_PROBE_MAX_PORTS];
	size_t npolicies;
	struct sf_matrix_cell cells[SF_PROBE_MAX_PORTS * 6];
	size_t ncells;
	struct sf_recommendation recommended;
	/* Names on certificates that did not carry the typed name, checked
	 * before any is recommended (see sf_cert_name). */
	struct sf_cert_name cert_names[SF_CERT_NAMES_MAX];
	size_t ncert_names;
	long login_index; /* the login test target, or -1 */
	bool cancelled;

	/* The loopback trap: probing the server from itself. */
	bool local_target;
	struct sf_addr_list public_addrs; /* this machine's other addresses */
};

/* The ports probed when none are named: SMTP, cPanel's alternate, the
 * submission ports with implicit TLS and STARTTLS, and the common
 * alternative port. */
#define SF_PROBE_DEFAULT_PORTS \
	{ \
		25, 26, 465, 587, 2525 \
	}

const char *sf_security_id(enum sf_security s);
/* Build policies, the matrix and the recommendation from the targets of
 * res (pure: no I/O). user is the login name, when one was given. */
void sf_probe_analyse(struct sf_probe_result *res, const char *typed_host, const char *user);
/* Where the login test should run: the recommended port and security, or
 * false when no setting looks usable. */
bool sf_probe_login_choice(const struct sf_probe_result *res, int *port, enum sf_security *sec);

/* The verdict on the whole run: true when the host serves mail programs
 * well (see README, exit status); otherwise *why says the first problem. */
bool sf_probe_healthy(const struct sf_probe_result *res, char *why, size_t whysz);
/* True when some main target could be reached at all. */
bool sf_probe_reached(const struct sf_probe_result *res);

void sf_probe_options_init(struct sf_probe_options *o);
/* Check options for consistency; SF_E_USAGE with a one-line reason. */
int sf_probe_options_check(const struct sf_probe_options *o, struct sf_error *err);

/* Probe every address of the host on every port. Fills res even when
 * nothing could be reached; returns -1 only for usage errors. */
int sf_probe_run(
	const struct sf_probe_options *o, struct sf_probe_result *res, struct sf_error *err);
void sf_probe_result_free(struct sf_probe_result *res);

/* Probe one address and port (exposed for tests). */
void sf_probe_target(const struct sf_probe_options *o, const struct sf_addr *addr, int port,
	struct sf_target_result *t);

/* What to probe: one connection. */
struct sf_target_spec {
	struct sf_addr addr;
	int port;                /* logical */
	enum sf_probe_mode mode; /* requested; AUTO resolves by port */
	enum sf_purpose purpose;
	bool rcpt_test;
	bool login; /* run the login test on this connection */
};

/* The runner: many targets at once over one poll loop. Each target owns
 * one socket; the loop waits on all of them with the nearest deadline.
 * sf_runner_run is that loop (the front ends call it through
 * sf_probe_run, the full screen from a thread of its own); fill and
 * dispatch are its two halves, for a caller with a loop of its own. */
struct sf_runner;

/* on_done is called as each target finishes; it may add targets. */
typedef void (*sf_target_done_fn)(void *ctx, struct sf_runner *r, size_t index);

struct sf_runner *sf_runner_new(
	const struct sf_probe_options *o, sf_target_done_fn on_done, void *ctx);
/* Start a target now. Returns its index, or -1 when the run is full. */
long sf_runner_add(struct sf_runner *r, const struct sf_target_spec *spec);
/* Fill pollfds for every target waiting on its socket; *timeout_ms is the
 * time to the nearest deadline. Returns how many were filled. */
size_t sf_runner_fill(struct sf_runner *r, struct pollfd *fds, size_t max, int *timeout_ms);
/* Act on what poll reported (and on deadlines that passed). */
void sf_runner_dispatch(struct sf_runner *r, const struct pollfd *fds, size_t n);
bool sf_runner_busy(const struct sf_runner *r);
/* Stop every target now and close every socket. */
void sf_runner_cancel(struct sf_runner *r);
/* Loop until every target is done or the cancel flag is set. */
void sf_runner_run(struct sf_runner *r);
const struct sf_target_result *sf_runner_result(const struct sf_runner *r, size_t i);
/* The address target i connects to (already resolved: follow-ups reuse it). */
const struct sf_addr *sf_runner_addr(const struct sf_runner *r, size_t i);
/* Move the results out (the caller frees them with sf_probe_result_free). */
void sf_runner_take(struct sf_runner *r, struct sf_target_result **targets, size_t *n);
void sf_runner_free(struct sf_runner *r);
const char *sf_purpose_id(enum sf_purpose p);

enum sf_probe_mode sf_probe_mode_for_port(enum sf_probe_mode requested, int port);
const char *sf_probe_mode_name(enum sf_probe_mode m);
int sf_probe_mode_parse(const char *s, enum sf_probe_mode *out);
/* "NAME:ADDRESS" (an IPv4 or IPv6 literal) into m; -1 if it is not. */
int sf_host_map_parse(const char *s, struct sf_host_map *m);
int sf_probe_real_port(const struct sf_probe_options *o, int port);

/* Whether the target behaves as a healthy submission server for a client
 * set to its mode; if not, *why says the first problem in plain words. */
bool sf_target_healthy(const struct sf_target_result *t, char *why, size_t whysz);

#endif
