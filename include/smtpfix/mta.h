/* Reading the mail server's own policy: cPanel, Exim (cPanel, Debian,
 * upstream), Postfix and Dovecot settings, read-only, from the live system
 * or from a copy under a root folder. What cannot be read is listed with
 * what it hides; nothing here fails as a whole for one unreadable file. */
#ifndef SMTPFIX_MTA_H
#define SMTPFIX_MTA_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

#include "smtpfix/buf.h"
#include "smtpfix/error.h"
#include "smtpfix/vocab.h"

#define SF_MTA_FILE_MAX (8u << 20)   /* largest config file read */
#define SF_MTA_TOTAL_MAX (32u << 20) /* all config files read in one run, together */
#define SF_MTA_INCLUDE_DEPTH 8
#define SF_MTA_INCLUDES_MAX 100 /* Exim .include files followed in one run, repeats counted */
#define SF_MTA_LINK_HOPS 32     /* symbolic links followed while finding one path under a root */
#define SF_MTA_DIR_MAX 512      /* names taken from one settings folder (conf.d, chkserv.d) */
#define SF_MTA_MAX_AUTH 16
#define SF_MTA_MAX_PORTS 16
#define SF_MTA_MAX_SERVICES 16
#define SF_MTA_MAX_NOTES 48
#define SF_MTA_MAX_MACROS 128
#define SF_MTA_VALUE_MAX 512
#define SF_MTA_TEXT_MAX 320
#define SF_MTA_PATH_MAX 1024
#define SF_MTA_CMD_TIMEOUT_MS 5000
#define SF_MTA_CMD_OUT_MAX (1u << 20)

enum sf_tri { SF_TRI_UNKNOWN = -1, SF_TRI_NO = 0, SF_TRI_YES = 1 };

struct sf_setting {
	enum sf_tri value;
	char source[SF_MTA_TEXT_MAX];   /* file or command it was read from */
	char evidence[SF_MTA_TEXT_MAX]; /* the line or value it rests on */
};

struct sf_unreadable {
	char path[SF_MTA_TEXT_MAX];
	char why[SF_MTA_TEXT_MAX];
	char hides[SF_MTA_TEXT_MAX];
};

/* Exim: the options and authenticators that decide the AUTH policy, from
 * parsing the files or from exim -bP; one verdict function reads either. */
struct sf_exim_auth {
	char name[64];
	char driver[32];
	char public_name[32];
	char advertise_condition[SF_MTA_VALUE_MAX];
	/* It has a server_* option: Exim offers it to clients. An
	 * authenticator with client_* options only is what Exim itself uses
	 * when it sends to a smarthost (Debian's stock template has those). */
	bool server_side;
};

struct sf_exim_model {
	char daemon_smtp_ports[SF_MTA_VALUE_MAX];
	char tls_on_connect_ports[SF_MTA_VALUE_MAX];
	char auth_advertise_hosts[SF_MTA_VALUE_MAX];
	bool auth_advertise_hosts_set;
	char tls_advertise_hosts[SF_MTA_VALUE_MAX];
	struct sf_exim_auth auths[SF_MTA_MAX_AUTH];
	size_t nauths;
	bool submission_587_rule; /* cPanel's "message submission on port 587" drop */
	/* Empty when the whole configuration was read; else the first part
	 * that was not, in words ("/etc/exim.conf was not read (...)"). A
	 * model with a gap gives no verdict: the missing part could change it. */
	char unread[SF_MTA_TEXT_MAX];
};

/* Postfix: one smtpd service of master.cf with its effective settings. */
struct sf_postfix_service {
	char name[64]; /* smtp, submission, submissions, 127.0.0.1:587 ... */
	int port;
	bool wrappermode;
	bool sasl;
	bool tls_auth_only;
	char security_level[16];
	enum sf_tri
		auth_requires_tls; /* NO: AUTH in clear; YES: only under TLS; UNKNOWN: no AUTH */
};

struct sf_mta_port {
	int port;
	bool implicit_tls;
	char source[96];
};

struct sf_finding {
	char id[48];
	enum sf_severity severity;
	char text[SF_MTA_TEXT_MAX];
};

struct sf_policy {
	enum sf_mta mta;
	bool cpanel;                               /* the server runs cPanel & WHM */
	enum sf_exim_flavour flavour;              /* for Exim */
	struct sf_setting auth_requires_tls;       /* what the server really does */
	struct sf_setting auth_requires_tls_files; /* from parsing the files alone */
	struct sf_setting intent;                  /* cPanel's require_secure_auth */
	struct sf_setting pop_before_smtp;
	struct sf_setting submission_rule; /* the port-587 drop is in the config */
	struct sf_setting
		dovecot_plaintext; /* YES: Dovecot accepts plain-text logins without TLS */
	char relay_refusal_text[SF_MTA_TEXT_MAX];
	int alwaysrelay_entries;
	struct sf_mta_port ports[SF_MTA_MAX_PORTS];
	size_t nports;
	struct sf_postfix_service services[SF_MTA_MAX_SERVICES];
	size_t nservices;
	struct sf_exim_model exim;
	struct sf_unreadable unreadable[SF_MTA_MAX_NOTES];
	size_t nunreadable;
	char notes[SF_MTA_MAX_NOTES][SF_MTA_TEXT_MAX]; /* what could not be understood */
	size_t nnotes;
	char files[SF_MTA_MAX_NOTES][SF_MTA_TEXT_MAX]; /* config files read */
	size_t nfiles;
	struct sf_finding findings[SF_MTA_MAX_NOTES];
	size_t nfindings;
	/* Why the AUTH verdict is unknown when a file it rests on was not
	 * read; empty otherwise. */
	char auth_unknown_why[SF_MTA_TEXT_MAX];
	/* What this run has read so far, against SF_MTA_TOTAL_MAX and
	 * SF_MTA_INCLUDES_MAX, and whether each limit was met (said once). */
	size_t bytes_read;
	size_t includes;
	bool bytes_cap_hit;
	bool includes_cap_hit;
};

struct sf_policy_options {
	const char *root;     /* NULL or "/": the live system */
	bool run_commands;    /* may run exim -bP / postconf (never by default under a root) */
	const char *exim_bin; /* NULL: look in the usual places */
	const char *postconf_bin;
};

/* Read everything readable. Returns 0; -1 only for bad options. */
int sf_policy_read(const struct sf_policy_options *o, struct sf_policy *p, struct sf_error *err);

/* Parsing pieces, exposed for tests. */
int sf_exim_parse_text(const char *text, size_t len, const char *root, const char *path,
	struct sf_exim_model *m, struct sf_policy *p);
/* Fill the model from exim -bP output (authenticator blocks and options). */
void sf_exim_model_from_bp(const char *out, struct sf_exim_model *m);
/* The AUTH-before-TLS verdict from a model. */
void sf_exim_verdict(const struct sf_exim_model *m, const char *source, struct sf_setting *s);

/* A note; the same note twice is kept once. */
void sf_policy_note(struct sf_policy *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sf_policy_unreadable(
	struct sf_policy *p, const char *path, const char *why, const char *hides);
void sf_policy_finding(struct sf_policy *p, const char *id, enum sf_severity severity,
	const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Files under the root: "/etc/exim.conf" -> "ROOT/etc/exim.conf". The
 * plain join, links not looked at: for messages and for programs given a
 * folder (postconf -c). To open anything, use the functions below. */
void sf_mta_path(const char *root, const char *path, char *out, size_t outsz);

/* Finding a path under a root (not NULL, "" or "/") the way a chroot would,
 * so a copy of someone's server cannot lead smtpfix to this machine's own
 * files: one name at a time, symbolic links followed by smtpfix itself
 * (at most SF_MTA_LINK_HOPS in a row), an absolute link starting again at
 * the root, ".." never above it, the last name opened with O_NOFOLLOW.
 * Without a root, the path is used as the live system has it.
 *
 * Each returns -1 on failure with errno set and `why` (at least
 * SF_MTA_TEXT_MAX bytes is ample) saying what stopped it in plain words.
 * `why` is empty only when the file is simply not there (no link led
 * there), which callers usually pass over in silence. */

/* Open a regular file read-only (O_CLOEXEC). Anything else at the path (a
 * FIFO, socket, device or folder) is not opened at all under a root, and
 * never waited on (O_NONBLOCK) on the live system. Returns the descriptor. */
int sf_mta_open(const char *root, const char *path, char *why, size_t whysz);
/* What is at the path, links followed as above (*st is never a link). */
int sf_mta_stat(const char *root, const char *path, struct stat *st, char *why, size_t whysz);
/* The path the walk leads to, as ROOT/a/b/c with no symbolic link left in
 * it at the time of the call, and what is there. For code that must hand a
 * path name on. Returns 0. */
int sf_mta_resolve(const char *root, const char *path, char *out, size_t outsz, struct stat *st,
	char *why, size_t whysz);

/* Open a folder for listing, found the same way. */
DIR *sf_mta_opendir(const char *root, const char *path, char *why, size_t whysz);

/* Read a whole regular file (at most SF_MTA_FILE_MAX, and within what is
 * left of SF_MTA_TOTAL_MAX for this run). Returns 0 when read; -1 when it
 * is not there (nothing recorded); -2 when it is there but was not read:
 * then it is recorded as unreadable with `why` and `hides`. */
int sf_mta_read(struct sf_policy *p, const char *root, const char *path, const char *hides,
	struct sf_buf *out);
/* Something is at the path: a file of any kind, or a symbolic link even one
 * that leads nowhere (reading it then says why). */
bool sf_mta_exists(const char *root, const char *path);
/* Run argv with a deadline, capturing standard output (bounded). */
int sf_mta_run(char *const argv[], char *const envp[], struct sf_buf *out, struct sf_error *err);

/* The mail logs to scan under root: Exim's (cPanel, Debian, RHEL),
 * maillog and mail.log, with their rotated files (.1, .N.gz, -DATE)
 * changed since `since`. Unreadable ones are recorded in p. */
size_t sf_policy_log_paths(struct sf_policy *p, const char *root, time_t since,
	char paths[][SF_MTA_PATH_MAX], size_t max);

/* A rotated log's path: "mainlog.1", "maillog-20261130", "mail.log.2.gz". */
bool sf_log_path_rotated(const char *path);
/* The port speaks TLS from the first byte: the server's own list when its
 * settings were read (p may be NULL), else 465 (RFC 8314's submissions). */
bool sf_policy_implicit_tls(const struct sf_policy *p, int port);

/* A port given as digits (1-65535), else 0. */
int sf_mta_port_number(const char *s);

/* "7d", "12h", "30m", "2w", "90s"; a bare number is days. */
int sf_parse_duration(const char *s, long *seconds);

#endif
