/* Watching the mail server's logs: following files as they grow (inotify,
 * or a slow poll where there is none), through rotation by rename and by
 * copytruncate, and the journal where a system logs only there; each
 * attempt of a mail program joined from its lines and diagnosed by the
 * same engine as everything else. Library code: it never prints; what it
 * finds goes to the caller's functions. */
#ifndef SMTPFIX_WATCH_H
#define SMTPFIX_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "smtpfix/attempt.h"
#include "smtpfix/diagnose.h"
#include "smtpfix/error.h"

#define SF_FOLLOW_MAX_FILES 16
#define SF_FOLLOW_CHUNK (1u << 20) /* bytes read at a time */
#define SF_FOLLOW_PATH_MAX 512
#define SF_FOLLOW_SIGNATURE 64  /* first bytes kept to know a file again after copytruncate */
#define SF_FOLLOW_OLD_KEEP 10.0 /* seconds a renamed-away file is still read */
#define SF_FOLLOW_POLL_MS 250   /* the poll fallback's interval */

/* Whole lines from one file: buf[0..len) ends with '\n' (a last line
 * without one is held back until it is complete, or cut at
 * SF_LOG_LINE_MAX). The reader may write buf[len - 1] while it reads, if
 * it puts it back; nothing else. */
typedef void (*sf_chunk_fn)(char *buf, size_t len, void *ctx);

/* An incomplete last line, kept until its end is written. */
struct sf_follow_partial {
	char *text; /* SF_LOG_LINE_MAX bytes, allocated when first needed */
	size_t len;
};

struct sf_follow_file {
	char path[SF_FOLLOW_PATH_MAX];
	int fd; /* -1: not open (the file is missing for now) */
	dev_t dev;
	ino_t ino;
	off_t off;  /* the next byte to read */
	int old_fd; /* the file before a rename, still read for a while */
	off_t old_off;
	double old_since;
	char sig[SF_FOLLOW_SIGNATURE];
	size_t nsig;
	int wd, dir_wd;
	struct sf_follow_partial partial, old_partial;
	unsigned long rotations, truncations;
	unsigned long long recovered; /* bytes read back from the copy after a copytruncate */
};

struct sf_follow {
	struct sf_follow_file files[SF_FOLLOW_MAX_FILES];
	size_t nfiles;
	int inotify_fd; /* -1: the poll fallback */
	char *buf;      /* SF_FOLLOW_CHUNK + SF_LOG_LINE_MAX + 1 */
	size_t held;    /* bytes of an incomplete line at the start of buf, while reading */
	struct sf_follow_partial pipe_partial;
	/* A command whose output is followed (journalctl): -1 when none. */
	int pipe_fd;
	pid_t pipe_pid;
};

/* Open the files to follow. from_start: read what they hold first (the
 * replay); else start at their ends. A file that does not exist yet is
 * followed from when it appears. no_inotify forces the poll fallback. */
int sf_follow_open(struct sf_follow *f, const char *const *paths, size_t n, bool from_start,
	bool no_inotify, struct sf_error *err);
/* Follow a command's output instead (argv[0] run with execvp, its
 * standard error discarded). */
int sf_follow_command(struct sf_follow *f, char *const *argv, struct sf_error *err);
/* Read everything new in every file (and any rotated copy), handing on
 * whole lines. Returns bytes read. */
size_t sf_follow_read(struct sf_follow *f, double clock, sf_chunk_fn fn, void *ctx);
/* Sleep until a file may have changed or timeout_ms passes (-1: no
 * limit). Returns 1 when there may be something to read, 0 on timeout or
 * a signal, -1 on error. Uses no CPU while nothing happens. */
int sf_follow_wait(struct sf_follow *f, int timeout_ms);
void sf_follow_close(struct sf_follow *f);

/* ---- A watch: filters, replay and diagnosis of each attempt ---- */

#define SF_WATCH_MAX_FILTERS 16
#define SF_WATCH_FOUND_ADDRS 32 /* a user's client addresses followed in a replay */
#define SF_WATCH_MAX_KEYS (64 + 4 * SF_WATCH_MAX_FILTERS + SF_WATCH_FOUND_ADDRS)

struct sf_watch_options {
	const char *ips[SF_WATCH_MAX_FILTERS];
	size_t nips;
	const char *users[SF_WATCH_MAX_FILTERS];
	size_t nusers;
	time_t since;       /* replay lines from then on (0: none) */
	bool all_protocols; /* IMAP and POP3 too (the default when filtering) */
};

/* One attempt as shown: the attempt and its diagnosis. */
struct sf_watch_seen {
	const struct sf_attempt *attempt;
	const struct sf_diag_finding *finding; /* the problem it shows, or NULL */
};

typedef void (*sf_watch_fn)(const struct sf_watch_seen *seen, void *ctx);

struct sf_watch {
	struct sf_watch_options opt;
	const struct sf_policy *policy; /* may be NULL */
	struct sf_explain_kb *kb;
	struct sf_joiner joiner;
	sf_watch_fn fn;
	void *ctx;
	time_t now;
	time_t last_when;       /* the latest line time seen (a replay's clock) */
	bool details_only;      /* a replay's first pass: login-service lines only */
	bool details_pass_done; /* their lines were taken already */
	unsigned long long lines_parsed, attempts, shown;
	/* The strings searched for first, as they appear in a log: live, the
	 * addresses asked for or every event's anchors; in a replay, the
	 * addresses and users asked for, and the addresses the user's lines
	 * came from, added as they are found (every line of a connection
	 * names its client). */
	const char *keys[SF_WATCH_MAX_KEYS];
	size_t nkeys;
	const char *replay_keys[SF_WATCH_MAX_KEYS];
	size_t nreplay_keys;
	char lower_users[SF_WATCH_MAX_FILTERS][SF_LOG_USER_MAX];
	char local_parts[SF_WATCH_MAX_FILTERS][SF_LOG_USER_MAX];
	char local_lower[SF_WATCH_MAX_FILTERS][SF_LOG_USER_MAX];
	char found_addrs[SF_WATCH_FOUND_ADDRS][SF_LOG_ADDR_MAX];
	size_t nfound_addrs;
	struct sf_diagnosis *diag; /* one, reused for every attempt */
};

int sf_watch_init(struct sf_watch *w, const struct sf_watch_options *o,
	const struct sf_policy *policy, sf_watch_fn fn, void *ctx, struct sf_error *err);
void sf_watch_free(struct sf_watch *w);
/* Whole lines (an sf_chunk_fn's buffer): only lines that hold a key are
 * parsed. clock: the caller's seconds (a replay passes 0: the lines' own
 * times are used). */
void sf_watch_lines(struct sf_watch *w, char *buf, size_t len, double clock);
/* Hand on attempts that are due at clock, or all of them (flush). */
void sf_watch_tick(struct sf_watch *w, double clock);
void sf_watch_flush(struct sf_watch *w);
/* Seconds until an attempt is due (for the follower's wait), -1: none. */
double sf_watch_next_due(const struct sf_watch *w, double clock);
/* The wall clock in seconds: the live watch's clock (the same scale as
 * the log's own times, which a replay runs on). */
double sf_watch_clock(void);
/* A user or sender the filters name. */
bool sf_watch_names_user(const struct sf_watch *w, const char *user, const char *sender);
/* Replays a large regular file by address or user with a thread per
 * core, each searching a part; the lines found are then read in order.
 * Returns where the replay stopped (after the last whole line), or 0 when
 * it did not run (a small file, no filter, one core): then read it as
 * usual. */
off_t sf_watch_replay_fd(struct sf_watch *w, int fd);
/* Does this attempt pass the filters? */
bool sf_watch_wanted(const struct sf_watch *w, const struct sf_attempt *a);

#endif
