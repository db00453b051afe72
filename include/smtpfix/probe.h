/* The probe: runs the SMTP session against real targets (host x port x
 * mode) over net and tls, and keeps everything it saw. */
#ifndef SMTPFIX_PROBE_H
#define SMTPFIX_PROBE_H

#include <stdbool.h>
#include <stddef.h>

#include "smtpfix/error.h"
#include "smtpfix/net.h"
#include "smtpfix/smtp_session.h"
#include "smtpfix/tls.h"
#include "smtpfix/transcript.h"

#define SF_PROBE_MAX_PORTS    16
#define SF_PROBE_MAX_MAPS     16
#define SF_PROBE_DEFAULT_PORT 587
#define SF_PROBE_DEFAULT_TIMEOUT_MS 10000
/* Reserved names (RFC 2606): never a real mailbox, never a real relay. */
#define SF_PROBE_DEFAULT_FROM "smtpfix-probe@example.com"
#define SF_PROBE_DEFAULT_RCPT "smtpfix-relay-test@example.net"

enum sf_probe_mode {
	SF_MODE_AUTO,     /* implicit TLS on 465, STARTTLS if offered elsewhere */
	SF_MODE_PLAIN,
	SF_MODE_STARTTLS,
	SF_MODE_TLS
};

struct sf_port_map {
	int port; /* as reported and reasoned about */
	int real; /* where smtpfix actually connects */
};

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
};

struct sf_target_result {
	char address[SF_ADDR_TEXT_MAX];
	int port;      /* logical (after --port-map) */
	int real_port; /* connected to */
	enum sf_probe_mode mode; /* resolved: never AUTO */
	bool connect_ok;
	double connect_ms;
	struct sf_error connect_err;
	bool tls_attempted;
	struct sf_tls_info tls;
	struct sf_session_result smtp;
	struct sf_transcript transcript;
	double total_ms;
};

struct sf_probe_result {
	char host[SF_HOST_MAX + 1];
	bool resolved;
	struct sf_error resolve_err;
	struct sf_target_result *targets;
	size_t ntargets;
};

void sf_probe_options_init(struct sf_probe_options *o);
/* Check options for consistency; SF_E_USAGE with a one-line reason. */
int sf_probe_options_check(const struct sf_probe_options *o, struct sf_error *err);

/* Probe every address of the host on every port. Fills res even when
 * nothing could be reached; returns -1 only for usage errors. */
int sf_probe_run(const struct sf_probe_options *o, struct sf_probe_result *res,
	struct sf_error *err);
void sf_probe_result_free(struct sf_probe_result *res);

/* Probe one address and port (exposed for tests). */
void sf_probe_target(const struct sf_probe_options *o, const struct sf_addr *addr, int port,
	struct sf_target_result *t);

enum sf_probe_mode sf_probe_mode_for_port(enum sf_probe_mode requested, int port);
const char *sf_probe_mode_name(enum sf_probe_mode m);
int sf_probe_mode_parse(const char *s, enum sf_probe_mode *out);
int sf_probe_real_port(const struct sf_probe_options *o, int port);

/* Whether the target behaves as a healthy submission server for a client
 * set to its mode; if not, *why says the first problem in plain words. */
bool sf_target_healthy(const struct sf_target_result *t, char *why, size_t whysz);

#endif
