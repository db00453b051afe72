/* The practice server: a small SMTP server on loopback that behaves like a
 * real one in a named situation, for the demo, for training support teams,
 * and for tests. It makes its CA and certificates when it starts. */
#ifndef SMTPFIX_LAB_H
#define SMTPFIX_LAB_H

#include <stdatomic.h>
#include <stdbool.h>

#include "smtpfix/error.h"

#define SF_LAB_USER "demo@lab.smtpfix.test"
#define SF_LAB_PASSWORD "practice-2026"
#define SF_LAB_HOST "mail.lab.smtpfix.test"
/* The name on the certificate of cert-name-mismatch: a hosting company's
 * machine name, as shared hosting often has. */
#define SF_LAB_OTHER_HOST "server42.hosting.smtpfix.test"
#define SF_LAB_LINE_MAX 1024
#define SF_LAB_MAX_CONN 64

struct sf_lab_scenario {
	const char *name;
	const char *what; /* one line for --help and the demo */
};

extern const struct sf_lab_scenario sf_lab_scenarios[];

/* A message the practice server took (it keeps none): who sent it,
 * where, and how, so a test or a trainer sees that it arrived. */
struct sf_lab_message {
	int port;         /* the logical port: 25, 465 or 587 */
	bool tls;         /* over TLS (STARTTLS or from the start) */
	const char *user; /* the login it was sent under */
	const char *from; /* MAIL FROM, as given */
	size_t nrcpt;     /* recipients accepted */
	size_t bytes;     /* the message's size, as sent */
};

struct sf_lab_options {
	const char *scenario;    /* default cpanel-default */
	const char *listen_addr; /* default 127.0.0.1 */
	int base_port;           /* 0: free ports; else 25/465/587 at base, base+1, base+2 */
	/* Called, in the serving thread, for each message taken; may be NULL. */
	void (*on_message)(void *ctx, const struct sf_lab_message *m);
	void *on_message_ctx;
};

struct sf_lab;

int sf_lab_start(const struct sf_lab_options *o, struct sf_lab **out, struct sf_error *err);
/* The real port serving a logical one (25, 465, 587); a closed port when
 * the scenario has none there. */
int sf_lab_port(const struct sf_lab *lab, int logical);
/* A file holding the lab's CA certificate (for --ca-file). */
const char *sf_lab_ca_file(const struct sf_lab *lab);
const char *sf_lab_scenario_name(const struct sf_lab *lab);
/* Serve until *stop is set (from another thread or a signal handler). */
void sf_lab_run(struct sf_lab *lab, atomic_bool *stop);
void sf_lab_free(struct sf_lab *lab);
/* Remove the files the practice server made (its CA file and folder) and
 * nothing else: async-signal-safe, for a process killed with the server
 * still running. */
void sf_lab_remove_files(const struct sf_lab *lab);

#endif
