/* The mail log scanner: Exim, Postfix and Dovecot lines that explain why
 * mail programs cannot send, grouped by kind, client address, user and
 * port. A log is untrusted input: any line, any length, any bytes. */
#ifndef SMTPFIX_MTA_LOG_H
#define SMTPFIX_MTA_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "smtpfix/error.h"

struct sf_policy; /* smtpfix/mta.h */

#define SF_LOG_MAX_GROUPS 4096 /* distinct (kind, address, user, port) kept */
#define SF_LOG_MAX_FILES 32
#define SF_LOG_CHUNK (4u << 20)     /* bytes read at a time */
#define SF_LOG_LINE_MAX (64u << 10) /* longer lines are cut for classifying */
#define SF_LOG_ADDR_MAX 64
#define SF_LOG_USER_MAX 128
#define SF_LOG_SAMPLE_MAX 240
#define SF_LOG_ERROR_MAX 200

/* Runs of NUL bytes (what a crash leaves in a log) of at least this many
 * bytes are stepped over without being searched; shorter ones are turned
 * into line ends. Either way a NUL ends a line, as GNU grep treats NULs in
 * binary files: no real log line holds one, and what follows a run is
 * what the logger wrote next. */
#define SF_LOG_NUL_SKIP 4096

/* A compressed log is read to at most SF_LOG_GZ_MAX_OUT bytes, and to at
 * most SF_LOG_GZ_RATIO times its size on disk once past the first
 * SF_LOG_GZ_FREE bytes. Mail logs compress 5 to 30 times (a storm of
 * near-identical failed logins measured 23 times with gzip -9), while a
 * compression bomb expands 200 (gzip -1) to 1030 (gzip -9) times. 100
 * leaves room for real logs, even ones three quarters NUL bytes after a
 * crash, and stops every bomb early; the free start keeps small files
 * from being judged by the ratio at all, and 1 GiB keeps one file to a
 * few seconds of work. */
#define SF_LOG_GZ_MAX_OUT (1ull << 30)
#define SF_LOG_GZ_RATIO 100u
#define SF_LOG_GZ_FREE (16ull << 20)

enum sf_log_kind {
	SF_LOG_SUBMISSION_AUTH_REQUIRED,
	SF_LOG_RELAY_DENIED,
	SF_LOG_DROPPED,
	SF_LOG_AUTH_FAILED,
	SF_LOG_AUTH_NOT_ADVERTISED,
	SF_LOG_TLS_ERROR,
	SF_LOG_PLAINTEXT_LOGIN_REFUSED,
	SF_LOG_PLAINTEXT_AUTH_ACCEPTED,
	SF_LOG_KINDS
};

/* One classified line. */
struct sf_log_hit {
	enum sf_log_kind kind;
	char address[SF_LOG_ADDR_MAX]; /* client IP, or "" */
	int port;                      /* server port, or 0 when the line does not say */
	char user[SF_LOG_USER_MAX];    /* or "" */
	time_t when;                   /* 0 when the line has no readable time */
};

struct sf_log_group {
	enum sf_log_kind kind;
	char address[SF_LOG_ADDR_MAX];
	int port;
	char user[SF_LOG_USER_MAX];
	unsigned long count;
	time_t first, last;
	char sample[SF_LOG_SAMPLE_MAX]; /* the first line seen, cut */
};

/* How the reading of one file ended. */
enum sf_log_end {
	SF_LOG_END_WHOLE,      /* read to its end */
	SF_LOG_END_UNREADABLE, /* nothing could be read: not opened, not a regular file */
	SF_LOG_END_CAPPED,     /* stopped at SF_LOG_GZ_MAX_OUT */
	SF_LOG_END_RATIO,      /* stopped: expands more than SF_LOG_GZ_RATIO times */
	SF_LOG_END_TRUNCATED,  /* the compressed data ends in the middle */
	SF_LOG_END_DAMAGED,    /* the compressed data is corrupt */
	SF_LOG_END_READ_ERROR  /* a read failed part way */
};

struct sf_log_file {
	char path[512];
	bool gzip;
	unsigned long long bytes; /* read (decompressed), holes of a sparse file included */
	unsigned long long lines_matched;
	enum sf_log_end end;
	char error[SF_LOG_ERROR_MAX]; /* "" when it was read whole; else why not */
};

struct sf_log_scan {
	time_t since; /* lines older than this are skipped (0: none) */
	time_t now;
	struct sf_log_file files[SF_LOG_MAX_FILES];
	size_t nfiles;
	struct sf_log_group *groups;
	size_t ngroups;
	unsigned long long dropped; /* events past SF_LOG_MAX_GROUPS groups */
};

const char *sf_log_kind_id(enum sf_log_kind k);

/* Classify one line (no newline). Returns true and fills *hit when the
 * line is one of the kinds. Pure; the year of a syslog stamp comes from
 * now. */
bool sf_log_classify(const char *line, size_t len, time_t now, struct sf_log_hit *hit);

/* The same, trying only the rules named in hint (the scanner knows which
 * anchor string found the line). */
enum {
	SF_LOG_HINT_SUBMISSION = 1u << 0,
	SF_LOG_HINT_RELAY = 1u << 1,
	SF_LOG_HINT_DROP = 1u << 2,
	SF_LOG_HINT_AUTH = 1u << 3,
	SF_LOG_HINT_UNADVERTISED = 1u << 4,
	SF_LOG_HINT_TLS = 1u << 5,
	SF_LOG_HINT_PLAINTEXT = 1u << 6,
	SF_LOG_HINT_ESMTPA = 1u << 7,
	SF_LOG_HINT_ANY = 0xffu
};
bool sf_log_classify_hint(
	const char *line, size_t len, time_t now, unsigned hint, struct sf_log_hit *hit);

/* Parse the time at the start of a log line: Exim's "2026-11-29 10:00:00",
 * RFC 3339 "2026-11-29T10:00:00.123+01:00", or syslog "Nov 29 10:00:00".
 * Returns 0 when there is none. */
time_t sf_log_time(const char *line, size_t len, time_t now);

/* Turn every NUL in [p, end) into a line end, a word at a time (a NUL
 * ends a line, as it does for grep). */
void sf_log_nuls_to_newlines(char *p, char *end);
/* The first byte at or after p that is not NUL, or end (eight bytes at a
 * time). */
char *sf_log_skip_nuls(char *p, char *end);

void sf_log_scan_init(struct sf_log_scan *s, time_t since, time_t now);
void sf_log_scan_free(struct sf_log_scan *s);
/* Scan one file (".gz" read through zlib; only regular files, and no
 * symbolic link as the last part of the path). Returns 0 when it was read
 * to its end; 1 when only part could be read (the lines read are counted;
 * the file's end and error say why it stopped); -1 when nothing could be
 * read (recorded with its reason). The scan goes on either way. */
int sf_log_scan_file(struct sf_log_scan *s, const char *path, struct sf_error *err);
/* How many files were opened and read, whole or in part: what claims
 * about the log may rest on. */
size_t sf_log_scan_files_read(const struct sf_log_scan *s);
/* Add one line's hit (used by the scanner and by tests). */
void sf_log_scan_add(
	struct sf_log_scan *s, const struct sf_log_hit *hit, const char *line, size_t len);

/* Scan one log file for a policy report: a file that cannot be read is
 * listed as unreadable with what it hides, one read only in part gets a
 * note naming it ("stopped reading FILE after N MiB: ..."). Returns what
 * sf_log_scan_file returns. */
int sf_policy_scan_log(struct sf_policy *p, struct sf_log_scan *s, const char *path);

#endif
