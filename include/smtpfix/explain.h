/* The recognizer: error text (a paste, a live server reply, a log line) to
 * likely causes. Knowledge lives in the help/errors files; the engine here is
 * generic. Each file is a list of entries that add weighted evidence for
 * causes, from one layer:
 *   code     SMTP reply codes and RFC 3463 enhanced status codes
 *   network  socket and resolver errors as each runtime spells them
 *   tls      TLS library, certificate and handshake errors
 *   client   wording of mail libraries and mail programs
 *   log      server log lines (Exim, Postfix, Dovecot, saslauthd, ...)
 *   catalog  whole known messages (help/errors/catalog.txt), strongest
 * A cause's score is the weight of its strongest evidence, raised a little
 * when other layers agree. Callers get, per cause, the evidence that led to
 * it. The errors layer does no I/O: it reads text handed to it, or the
 * copy of help/ compiled into the program. */
#ifndef SMTPFIX_EXPLAIN_H
#define SMTPFIX_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "smtpfix/error.h"

#define SF_EXPLAIN_MAX_CAUSES 12
#define SF_EXPLAIN_TEXT_MAX (64 * 1024) /* longest paste considered */
#define SF_EXPLAIN_FIELD_MAX 400
#define SF_EXPLAIN_MAX_EVIDENCE 6 /* per cause, strongest first */
#define SF_EXPLAIN_MATCH_MAX 160  /* the span an evidence rests on */
#define SF_EXPLAIN_LAYER_MAX 16
#define SF_EXPLAIN_ENHANCED_MAX 16 /* "5.7.139" and the like */

/* Every cause smtpfix knows, one list (tig's habit): the enum below and
 * the id table sf_cause_ids are made from it, so a cause named in code
 * that is not here does not compile, and each id has help/causes/ID.txt
 * (make lint). Stable: JSON, help files and tests use the ids. New causes
 * may be added; none is renamed. The third column says where the fix is
 * made (enum sf_cause_side): in the mail program's settings, on the
 * server, in the network between, in the name typed, or by waiting. */
#define SF_CAUSE_LIST(X) \
	X(AUTH_REQUIRES_TLS, "auth-requires-tls", PROGRAM) \
	X(CLIENT_NOT_AUTHENTICATING, "client-not-authenticating", PROGRAM) \
	X(STARTTLS_REQUIRED, "starttls-required", PROGRAM) \
	X(WRONG_CREDENTIALS, "wrong-credentials", PROGRAM) \
	X(AUTH_MECHANISM_MISMATCH, "auth-mechanism-mismatch", PROGRAM) \
	X(TLS_MODE_MISMATCH, "tls-mode-mismatch", PROGRAM) \
	X(PORT_BLOCKED, "port-blocked", NETWORK) \
	X(SERVER_UNREACHABLE, "server-unreachable", NETWORK) \
	X(DNS_FAILURE, "dns-failure", NAME) \
	X(TLS_CERT_NAME_MISMATCH, "tls-cert-name-mismatch", PROGRAM) \
	X(TLS_CERT_EXPIRED, "tls-cert-expired", SERVER) \
	X(TLS_CERT_UNTRUSTED, "tls-cert-untrusted", SERVER) \
	X(TLS_PROTOCOL_MISMATCH, "tls-protocol-mismatch", SERVER) \
	X(STARTTLS_NOT_OFFERED, "starttls-not-offered", SERVER) \
	X(STARTTLS_STRIPPED, "starttls-stripped", NETWORK) \
	X(AUTH_NOT_OFFERED, "auth-not-offered", SERVER) \
	X(SENDER_REJECTED, "sender-rejected", PROGRAM) \
	X(RATE_LIMITED, "rate-limited", WAIT) \
	X(GREYLISTED, "greylisted", WAIT) \
	X(IP_BLOCKED, "ip-blocked", SERVER) \
	X(ACCOUNT_SUSPENDED, "account-suspended", SERVER) \
	X(MESSAGE_TOO_LARGE, "message-too-large", PROGRAM) \
	X(BASIC_AUTH_DISABLED, "basic-auth-disabled", SERVER) \
	X(APP_PASSWORD_REQUIRED, "app-password-required", PROGRAM) \
	X(AUTH_BACKEND_FAILURE, "auth-backend-failure", SERVER) \
	X(SERVER_TLS_UNAVAILABLE, "server-tls-unavailable", SERVER) \
	X(RECIPIENT_REJECTED, "recipient-rejected", PROGRAM) \
	X(CLIENT_PROTOCOL_ERROR, "client-protocol-error", PROGRAM) \
	X(CLIENT_INPUT_ERROR, "client-input-error", PROGRAM) \
	X(CLIENT_OPTION_UNSUPPORTED, "client-option-unsupported", PROGRAM) \
	X(SEND_FAILED_GENERIC, "send-failed-generic", PROGRAM) \
	X(SERVER_CONFIG_NOT_APPLIED, "server-config-not-applied", SERVER) \
	X(AUTH_WITHOUT_TLS_ACCEPTED, "auth-without-tls-accepted", SERVER) \
	X(OPEN_RELAY, "open-relay", SERVER) \
	X(AUTOCONFIG_WRONG, "autoconfig-wrong", SERVER) \
	X(AUTOCONFIG_BROKEN, "autoconfig-broken", SERVER) \
	X(AUTOCONFIG_CERT_NAME, "autoconfig-cert-name", SERVER) \
	X(AUTOCONFIG_OTHER_HOST, "autoconfig-other-host", SERVER) \
	X(AUTODISCOVER_OTHER_PROVIDER, "autodiscover-other-provider", SERVER)

enum sf_cause {
// clang-format off
#define SF_CAUSE_ENUM(name, id, side) SF_CAUSE_##name,
	SF_CAUSE_LIST(SF_CAUSE_ENUM)
#undef SF_CAUSE_ENUM
	SF_CAUSE_COUNT
	// clang-format on
};

enum sf_cause_side {
	SF_SIDE_PROGRAM, /* a setting (or the input) of the mail program */
	SF_SIDE_SERVER,  /* the server's configuration, or its provider */
	SF_SIDE_NETWORK, /* a firewall or a network in between */
	SF_SIDE_NAME,    /* the server's name does not lead anywhere */
	SF_SIDE_WAIT     /* the server asks to try again later */
};

/* Where the fix for a cause is made. */
enum sf_cause_side sf_cause_side(enum sf_cause c);

/* The id of a cause ("auth-requires-tls"). */
const char *sf_cause_id(enum sf_cause c);
/* The cause of an id; false for an id that is not one. */
bool sf_cause_parse(const char *id, enum sf_cause *out);

/* Every cause id, in the enum's order, NULL-terminated. */
extern const char *const sf_cause_ids[];

struct sf_explain_evidence {
	char layer[SF_EXPLAIN_LAYER_MAX]; /* code, network, tls, client, log, catalog */
	char entry[64];                   /* the data entry that matched */
	char matched[SF_EXPLAIN_MATCH_MAX];
	double weight;
};

struct sf_explain_cause {
	enum sf_cause cause;
	char title[SF_EXPLAIN_FIELD_MAX]; /* the cause in words (help/causes) */
	double score;
	char entry[64];                     /* the strongest entry that gave it */
	char matched[SF_EXPLAIN_FIELD_MAX]; /* the part of the text it rests on (normalised) */
	char quoted[SF_EXPLAIN_FIELD_MAX];  /* its line as pasted, or "" */
	char means[SF_EXPLAIN_FIELD_MAX];
	char next[SF_EXPLAIN_FIELD_MAX];
	char warning[SF_EXPLAIN_FIELD_MAX]; /* misleading advice in the message, or "" */
	struct sf_explain_evidence evidence[SF_EXPLAIN_MAX_EVIDENCE];
	size_t nevidence;
};

struct sf_explain_result {
	struct sf_explain_cause causes[SF_EXPLAIN_MAX_CAUSES]; /* best first */
	size_t ncauses;
	char family[48]; /* when nothing is recognized: the closest family, or "" */
	/* Advice in the pasted message that leads astray (from any entry that
	 * matched, even when another one gave its cause a higher score). */
	char warnings[4][SF_EXPLAIN_FIELD_MAX];
	size_t nwarnings;
};

/* One knowledge file: its help path ("errors/tls.txt", "causes/ID.txt")
 * and its text. errors/ files give evidence; causes/ files give the
 * fallback "means" and "next" of their cause. */
struct sf_explain_source {
	const char *path;
	const char *text;
	size_t len;
};

/* Parsed knowledge, built once and then only read: one may be shared by
 * threads. Owned by the caller (sf_explain_kb_free). */
struct sf_explain_kb;

/* Build from sources. NULL with err set when out of memory. Entries that
 * fail sf_explain_check_file are skipped, not fatal: the checker (run by the
 * unit tests over every built-in file) is what keeps the data right. */
struct sf_explain_kb *sf_explain_kb_new(
	const struct sf_explain_source *src, size_t nsrc, struct sf_error *err);
/* Built from the copy of help/ compiled into the program, with catalog
 * (when not NULL) in place of the built-in errors/catalog.txt. */
struct sf_explain_kb *sf_explain_kb_builtin(
	const char *catalog, size_t catlen, struct sf_error *err);
void sf_explain_kb_free(struct sf_explain_kb *kb);

/* Recognize text (at most SF_EXPLAIN_TEXT_MAX bytes are looked at). */
int sf_explain_kb_run(const struct sf_explain_kb *kb, const char *text, size_t len,
	struct sf_explain_result *out, struct sf_error *err);

/* Recognize text against catalog plus the other built-in errors/ files.
 * Builds the knowledge for this call only; callers that explain many texts
 * keep a kb instead. */
int sf_explain(const char *text, size_t len, const char *catalog, size_t catlen,
	struct sf_explain_result *out, struct sf_error *err);

/* A live server reply, classified exactly as a pasted one: the probe's
 * diagnosis calls this with what it read (code 535, enhanced "5.7.8" or
 * NULL, the reply's text), so the same words give the same cause wherever
 * they come from. kb may be NULL (then the built-in knowledge is used). */
int sf_explain_reply(const struct sf_explain_kb *kb, int code, const char *enhanced,
	const char *text, struct sf_explain_result *out, struct sf_error *err);

/* Check one errors/ file (the catalog or a layer file): every entry has an
 * id and something to match, names only causes from `known`
 * (NULL-terminated), has weights in (0, 1], well-formed codes, and a bare
 * reply code never claims more than 0.5; catalog entries also need means
 * and next. The first problem goes to err. */
int sf_explain_check_file(
	const char *text, size_t len, const char *const *known, struct sf_error *err);
/* The catalog's checker (the same rules). */
int sf_explain_check_catalog(
	const char *catalog, size_t catlen, const char *const *known, struct sf_error *err);

#endif
