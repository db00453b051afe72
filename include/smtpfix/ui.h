/* The front ends: full screen on a terminal, and plain, line by line
 * (screen readers, dumb terminals, scripts, pasting into a ticket). */
#ifndef SMTPFIX_UI_H
#define SMTPFIX_UI_H

#include <stdio.h>

#include "smtpfix/probe.h"
#include "smtpfix/wizard.h"

#define SF_UI_MAX_LOGS 16
#define SF_UI_WATCH_SECONDS 120

struct sf_ui_options {
	struct sf_wiz_prefill prefill;
	/* Probe settings the front end passes on (the demo maps the practice
	 * server's ports and trusts its CA). */
	struct sf_port_map maps[SF_PROBE_MAX_MAPS];
	size_t nmaps;
	struct sf_host_map host_maps[SF_PROBE_MAX_MAPS]; /* names answered without DNS */
	size_t nhost_maps;
	const char *ca_file;
	const char *dns_server; /* for finding an address's server; NULL: the system's */
	int timeout_ms;
	const char *report_dir; /* where reports are saved; default "." */
	/* Save the report at the end without asking (--save). Without it, a
	 * run whose input ends writes no file. */
	bool save;
	/* On the mail server: read its settings and mail log too. policy_root
	 * is a copy of a server's files (nothing is run there), or NULL for
	 * this machine. */
	bool read_server;
	const char *policy_root;
	const char *banner; /* a line shown first (the demo explains itself) */
	/* Watching the server's logs (admin and support, on the mail server):
	 * these files instead of the ones found, and for at most so long. */
	const char *logs[SF_UI_MAX_LOGS];
	size_t nlogs;
	int watch_seconds; /* 0: SF_UI_WATCH_SECONDS */
	/* The server is the demo's practice server on loopback: not this
	 * machine's own mail server, so no "probed from itself" note. */
	bool practice;
	/* Called from the full screen's handler of a fatal signal (a kill, a
	 * crash) before the default action: only async-signal-safe work, such
	 * as unlink(2). May be NULL. */
	void (*on_fatal)(void);
	FILE *in, *out;
};

/* Run the wizard line by line. Returns an exit status. */
int sf_ui_plain_run(const struct sf_ui_options *o);

/* Run the wizard full screen on the terminal. Returns an exit status, or
 * -1 when the terminal cannot be used (the caller falls back to plain). */
int sf_ui_screen_run(const struct sf_ui_options *o);

#endif
