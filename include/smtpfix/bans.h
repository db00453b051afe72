/* Blocks on the mail server: is an address blocked, by what (fail2ban,
 * CSF/LFD, cPanel's cPHulk, cPanel's Exim block lists, nftables,
 * iptables), since when, why, and the exact command that lifts it. Also
 * "the device with the old password": failed logins in the mail log
 * grouped by user, address and protocol, beside the same user's good
 * logins from elsewhere.
 *
 * Library code: nothing here prints or exits. Files and command output
 * are untrusted input; each is read to a named maximum. Commands run
 * through one function (sf_bans_run) with a deadline and an output cap,
 * as argument vectors, never through a shell. */
#ifndef SMTPFIX_BANS_H
#define SMTPFIX_BANS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "smtpfix/buf.h"
#include "smtpfix/error.h"
#include "smtpfix/mta_event.h"

#define SF_BANS_ADDR_MAX 64              /* an address or prefix as text ("2001:db8::/32") */
#define SF_BANS_NAME_MAX 64              /* a jail, table, set or chain name */
#define SF_BANS_WHERE_MAX 160            /* "jail exim-auth", "set inet filter blocked" */
#define SF_BANS_TEXT_MAX 320             /* a reason, a comment */
#define SF_BANS_LINE_MAX 320             /* one log line kept as a reason, cut */
#define SF_BANS_LINES_MAX 5              /* log lines kept per block (the latest) */
#define SF_BANS_MAX 32                   /* blocks kept in one report */
#define SF_BANS_ARGV_MAX 48              /* words of a lift command */
#define SF_BANS_ARG_MAX 160              /* bytes of one word of a lift command */
#define SF_BANS_CMD_LINE_MAX 8192        /* all words of a command run, together */
#define SF_BANS_JAILS_MAX 64             /* fail2ban jails asked about */
#define SF_BANS_FILE_MAX (8u << 20)      /* a list file read (csf.deny, csf.tempban, ...) */
#define SF_BANS_LOG_TAIL_MAX (16u << 20) /* the end of lfd.log / cphulkd.log read */
#define SF_BANS_CMD_OUT_MAX (8u << 20)   /* output kept from one command */
#define SF_BANS_CMD_TIMEOUT_MS 10000     /* a command is killed after this */
#define SF_BANS_INCLUDE_MAX 8            /* csf.deny Include files followed */
#define SF_BANS_MSG_MAX 512              /* what a lift command said, kept */

/* The sources of blocks: one table gives the enum, the id (JSON) and the
 * name a person reads. */
#define SF_BAN_SOURCE_LIST(X) \
	X(FAIL2BAN, "fail2ban", "fail2ban") \
	X(CSF, "csf", "CSF/LFD") \
	X(CPHULK, "cphulk", "cPHulk") \
	X(EXIM_LISTS, "exim-lists", "cPanel's Exim block lists") \
	X(NFTABLES, "nftables", "nftables") \
	X(IPTABLES, "iptables", "iptables")

enum sf_ban_source {
// clang-format off
#define SF_BAN_SOURCE_ENUM(name, id, words) SF_BAN_##name,
	SF_BAN_SOURCE_LIST(SF_BAN_SOURCE_ENUM)
#undef SF_BAN_SOURCE_ENUM
	SF_BAN_SOURCES
	// clang-format on
};

const char *sf_ban_source_id(enum sf_ban_source s);
const char *sf_ban_source_words(enum sf_ban_source s);

/* How the look at one source went. */
enum sf_ban_check_state {
	SF_CHECK_NOT_RUN, /* not looked at in this run */
	SF_CHECK_DONE,    /* looked at (whatever was found) */
	SF_CHECK_ABSENT,  /* not installed here */
	SF_CHECK_DENIED,  /* there, but not readable: no permission (run as root) */
	SF_CHECK_FAILED,  /* there, but asking it failed (why says how) */
	SF_CHECK_SKIPPED  /* not looked at on purpose (why says why) */
};
const char *sf_ban_check_state_id(enum sf_ban_check_state s);

struct sf_ban_check {
	enum sf_ban_check_state state;
	char why[SF_BANS_TEXT_MAX]; /* what stopped it, or how it was read */
	bool note;                  /* looked at, in a way worth saying (why says how) */
};

/* One block of the address. */
struct sf_ban {
	enum sf_ban_source source;
	char entry[SF_BANS_ADDR_MAX];  /* the listed address or prefix that matched */
	char where[SF_BANS_WHERE_MAX]; /* jail, file, set or chain */
	char jail[SF_BANS_NAME_MAX];   /* fail2ban's jail, or "" */
	bool temporary;
	bool uncertain;                /* seen in a log only: may have expired since */
	time_t since;                  /* 0: not known */
	time_t until;                  /* 0: not known or permanent */
	unsigned long failures;        /* that triggered it, 0 when not known */
	char reason[SF_BANS_TEXT_MAX]; /* the comment or message recorded with it */
	char lines[SF_BANS_LINES_MAX][SF_BANS_LINE_MAX]; /* log lines naming it */
	size_t nlines;
	/* The command that lifts it, as an argument vector (argv[0] the
	 * program's full path); nlift 0 when it is lifted by hand (help
	 * says how). */
	char lift[SF_BANS_ARGV_MAX][SF_BANS_ARG_MAX];
	size_t nlift;
	char lift_help[48]; /* key in help/bans/bans.txt for a manual lift, or "" */
	/* The command acts on this machine's block: false for what was read
	 * from a copy under --root (printed, never run). */
	bool runnable;
};

struct sf_bans_report {
	char address[SF_BANS_ADDR_MAX]; /* what was looked for, "" when none */
	char user[SF_BANS_TEXT_MAX];
	struct sf_ban bans[SF_BANS_MAX];
	size_t nbans;
	unsigned long bans_dropped; /* past SF_BANS_MAX */
	struct sf_ban_check checks[SF_BAN_SOURCES];
};

struct sf_bans_options {
	const char *root;    /* NULL or "/": this machine */
	const char *address; /* a literal checked with sf_bans_address_ok */
	const char *user;    /* or NULL */
	time_t now;
	/* Under a root no command of the copy runs: CSF, cPHulk and the Exim
	 * lists are read from files; the firewall (this machine's) is not
	 * looked at. fail2ban is still asked through the socket its
	 * configuration (under the root) names. */
	bool run_commands;
	int timeout_ms; /* per command; 0: SF_BANS_CMD_TIMEOUT_MS */
};

/* A strict address literal: IPv4 dotted quad or IPv6, as inet_pton takes
 * them (no prefix, no zone). Writes the canonical form. */
bool sf_bans_address_ok(const char *s, char *canon, size_t canonsz);
/* An email address or user name safe to name in a command or a search:
 * printable ASCII or UTF-8, no space, control or shell-special
 * character, at most SF_LOG_USER_MAX - 1 bytes. */
bool sf_bans_user_ok(const char *s);
/* addr (a literal) lies in entry: the same address, a prefix
 * ("198.51.100.0/24") or a range ("10.0.0.1-10.0.0.9") holding it. */
bool sf_bans_entry_matches(const char *entry, const char *addr);

/* Look at every source for o->address. Returns 0 (what could not be
 * looked at is in r->checks); -1 only for bad options. */
int sf_bans_find(const struct sf_bans_options *o, struct sf_bans_report *r, struct sf_error *err);

/* True when some source could be looked at. */
bool sf_bans_any_checked(const struct sf_bans_report *r);

/* The lift command as one line a person can paste (words quoted where
 * needed), with the program's short name. */
void sf_ban_lift_text(const struct sf_ban *b, char *out, size_t outsz);

/* Running commands: the one way this layer runs a program. */
struct sf_bans_cmd {
	int status;        /* exit status; -1 when killed by a signal */
	bool timed_out;    /* killed at the deadline */
	bool capped;       /* output passed out_max: killed, the rest lost */
	struct sf_buf out; /* standard output and error together */
};
/* Run argv (argv[0] a full path) with the environment (LC_ALL=C added),
 * standard input from /dev/null, in its own process group, killed with it
 * after timeout_ms. Returns 0 when it ran (see status), -1 when it could
 * not be started. res->out is always initialised; free it with
 * sf_buf_free. */
int sf_bans_run(const char *const argv[], int timeout_ms, size_t out_max, struct sf_bans_cmd *res,
	struct sf_error *err);
/* The full path of a program: name as given when it holds a '/', else
 * looked up in PATH and the sbin folders. Returns false when none. */
bool sf_bans_which(const char *name, char *out, size_t outsz);

/* Lift one block by running its command. Returns 0 when the command ran
 * and succeeded; -1 otherwise (err says why; *res holds what it said). */
int sf_ban_lift(
	const struct sf_ban *b, int timeout_ms, struct sf_bans_cmd *res, struct sf_error *err);

/* Parsers, pure, exposed for tests. Each adds the blocks of addr it finds
 * to r (sf_bans_add) and returns how many it added. */
void sf_bans_add(struct sf_bans_report *r, const struct sf_ban *b);
/* fail2ban-client status: the jail names; returns how many. */
size_t sf_f2b_parse_jails(const char *text, char names[][SF_BANS_NAME_MAX], size_t max);
/* fail2ban-client status JAIL: true when addr is in its Banned IP list. */
bool sf_f2b_parse_banned(const char *text, const char *addr);
/* fail2ban-client get JAIL banip --with-time: the ban's start and end for
 * addr ("ADDR \tYYYY-MM-DD HH:MM:SS + N = YYYY-MM-DD HH:MM:SS"). */
bool sf_f2b_parse_with_time(const char *text, const char *addr, time_t *since, time_t *until);
/* fail2ban.conf / .local: the [Definition] values of socket and dbfile
 * (left as they are when the text does not set them). */
void sf_f2b_parse_conf(const char *text, char *socket, size_t socketsz, char *dbfile, size_t dbsz);

/* csf.deny (and the files it includes, by the caller): lines naming addr. */
size_t sf_csf_parse_deny(const char *text, const char *addr, const char *file, bool run_csf,
	const char *csf_bin, struct sf_bans_report *r);
/* /var/lib/csf/csf.tempban: "TIME|IP|PORT|DIR|TIMEOUT|MESSAGE" lines in
 * force at now. */
size_t sf_csf_parse_tempban(const char *text, const char *addr, time_t now, const char *csf_bin,
	struct sf_bans_report *r);
/* csf.allow: true when addr is listed. */
bool sf_csf_parse_allow(const char *text, const char *addr);
/* lfd.log, cphulkd.log or any log: the latest lines naming addr (whole
 * token) and, when not NULL, also holding must; at most max, oldest
 * first. Returns how many. */
size_t sf_bans_log_lines(const char *text, size_t len, const char *addr, const char *must,
	char lines[][SF_BANS_LINE_MAX], size_t max);
/* cphulkd.log: blocks cPHulk logged for addr (or, with user, for that
 * user) with the time of the latest. */
size_t sf_cphulk_parse_log(const char *text, size_t len, const char *addr, const char *user,
	time_t now, const char *whmapi_bin, struct sf_bans_report *r);
/* whmapi1 --output=json get_cphulk_brutes / get_cphulk_excessive_brutes:
 * entries for addr. */
size_t sf_cphulk_parse_api(const char *json, const char *addr, const char *what,
	const char *whmapi_bin, struct sf_bans_report *r);
/* cPanel's Exim address lists (/etc/spammeripblocks and friends): lines
 * whose address or prefix holds addr. */
size_t sf_exim_list_parse(
	const char *text, const char *addr, const char *file, struct sf_bans_report *r);
/* nft -a list ruleset: rules with a literal source address (or prefix,
 * or anonymous set) holding addr and a drop or reject verdict, and
 * named sets holding addr that such a rule uses. */
size_t sf_nft_parse(
	const char *text, const char *addr, const char *nft_bin, struct sf_bans_report *r);
/* iptables-save / ip6tables-save: -A lines with -s holding addr and a
 * DROP or REJECT target (or a CSF/LFD deny chain). */
size_t sf_ipt_parse(
	const char *text, const char *addr, const char *ipt_bin, struct sf_bans_report *r);

/* The device with the old password. */
#define SF_STALE_MAX_GROUPS 8192 /* (user, address, protocol) kept; more are counted */
#define SF_STALE_MIN_FAILED 10   /* failures from one place before it is named */
#define SF_STALE_FINE_MAX 4      /* good places shown beside a bad one */
#define SF_STALE_FINDINGS_MAX 32
#define SF_STALE_READ_MAX (1ull << 30) /* bytes read from the logs, all files together */

struct sf_stale_group {
	char user[SF_LOG_USER_MAX];
	char address[SF_LOG_ADDR_MAX];
	enum sf_event_proto proto;
	unsigned long failed, ok;
	time_t first_failed, last_failed, last_ok;
};

struct sf_stale {
	struct sf_stale_group *groups;
	size_t ngroups;
	unsigned *slots; /* hash slots: group index + 1, 0 empty */
	size_t nslots;
	unsigned long dropped; /* events past SF_STALE_MAX_GROUPS groups */
	unsigned long events;  /* login events counted */
};

struct sf_stale_finding {
	const struct sf_stale_group *bad;
	const struct sf_stale_group *fine[SF_STALE_FINE_MAX];
	size_t nfine;
};

int sf_stale_init(struct sf_stale *s, struct sf_error *err);
void sf_stale_free(struct sf_stale *s);
/* Count one event: logins, and messages taken from a logged-in user,
 * with a user and an address;
 * events before since (when known) are left out. */
void sf_stale_add(struct sf_stale *s, const struct sf_event *ev, time_t since);
/* The places where a user keeps failing (at least SF_STALE_MIN_FAILED
 * failures, and no good login from there after the last failure), most
 * failures first, with the user's good logins from elsewhere. user and
 * address filter when not NULL. Returns how many. */
size_t sf_stale_findings(const struct sf_stale *s, const char *user, const char *address,
	struct sf_stale_finding *out, size_t max);

/* Read mail log files into the grouping, through the one mail log line
 * parser (sf_event_parse). Under root, paths are found inside it. Returns
 * 0 when read whole; -1 when it could not be read (why in err). */
int sf_stale_read_log(struct sf_stale *s, const char *root, const char *path, time_t since,
	time_t now, size_t *budget, struct sf_error *err);

#endif
