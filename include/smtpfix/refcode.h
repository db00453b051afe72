/* The reference code: a diagnosis in ten symbols ("41H20-H196W") that a
 * customer can read out over the phone and a technician can expand with
 * `smtpfix code`. Pure: no I/O.
 *
 * Symbols: 0 1 2 3 4 6 7 9 F H K M R W X Y (values 0..15 in that order):
 * no two sound or look alike. Reading is case-insensitive, skips spaces
 * and dashes, and takes O for 0 and I or L for 1.
 *
 * The 40 bits, most significant first (symbol 1 holds bits 39..36):
 *   version       2  SF_REFCODE_VERSION
 *   cause         6  0 no finding, else 1 + the enum sf_cause of the first
 *   port          3  the setting's port: 0 no setting, 1..5 the ports of
 *                    sf_refcode_ports, 6 another port, 7 unused
 *   security      2  the setting's security: 0 no setting, 1 none,
 *                    2 STARTTLS, 3 SSL/TLS (1 + enum sf_security)
 *   port classes 15  3 bits (enum sf_refcode_class) per port of
 *                    sf_refcode_ports, in that order
 *   login test    2  enum sf_refcode_login
 *   check        10  CRC-10 (x^10+x^9+x^5+x^4+x+1) of the 30 bits above
 * A CRC of degree 10 finds every error that stays within 10 consecutive
 * bits: every wrong symbol (4 bits) and every swap of two neighbours (8).
 * Later versions keep the version bits and the check where they are. */
#ifndef SMTPFIX_REFCODE_H
#define SMTPFIX_REFCODE_H

#include <stdbool.h>

#include "smtpfix/error.h"
#include "smtpfix/diagnose.h"
#include "smtpfix/probe.h"

#define SF_REFCODE_VERSION 1
#define SF_REFCODE_SYMBOLS 10
#define SF_REFCODE_TEXT_MAX 12 /* "XXXXX-XXXXX" and its NUL */
#define SF_REFCODE_NPORTS 5

/* The ports a code speaks of, in their order in the code. */
extern const int sf_refcode_ports[SF_REFCODE_NPORTS]; /* 25, 26, 465, 587, 2525 */

/* What a mail program meets on one port, at its best setting with login
 * on. The id is for JSON, the words for people. */
#define SF_REFCODE_CLASS_LIST(X) \
	X(NOT_TESTED, "not-tested", "not tested") \
	X(CLOSED, "closed", "closed or unreachable") \
	X(WORKS, "works", "works") \
	X(AUTH_AFTER_TLS, "auth-after-tls", "login only after encryption, or not offered") \
	X(TLS_FAILS, "tls-fails", "encryption fails") \
	X(CERT, "cert-questioned", "certificate questioned") \
	X(LOGIN_REFUSED, "login-refused", "login refused") \
	X(OTHER, "other", "another problem")

enum sf_refcode_class {
// clang-format off
#define SF_REFCODE_CLASS_ENUM(name, id, words) SF_RCLASS_##name,
	SF_REFCODE_CLASS_LIST(SF_REFCODE_CLASS_ENUM)
#undef SF_REFCODE_CLASS_ENUM
	SF_RCLASS_COUNT
	// clang-format on
};

/* How the login test went (the target that tried the password). */
#define SF_REFCODE_LOGIN_LIST(X) \
	X(NOT_TRIED, "not-tried", "not tried") \
	X(ACCEPTED, "accepted", "accepted") \
	X(REFUSED, "refused", "refused") \
	X(OTHER, "other", "could not be made")

enum sf_refcode_login {
// clang-format off
#define SF_REFCODE_LOGIN_ENUM(name, id, words) SF_RLOGIN_##name,
	SF_REFCODE_LOGIN_LIST(SF_REFCODE_LOGIN_ENUM)
#undef SF_REFCODE_LOGIN_ENUM
	SF_RLOGIN_COUNT
	// clang-format on
};

/* Ids and words; a value out of range reads as the last row (other). */
const char *sf_refcode_class_id(enum sf_refcode_class c);
const char *sf_refcode_class_words(enum sf_refcode_class c);
const char *sf_refcode_login_id(enum sf_refcode_login l);
const char *sf_refcode_login_words(enum sf_refcode_login l);

/* The class of a matrix outcome (one table, by the enum). */
enum sf_refcode_class sf_refcode_class_of(enum sf_outcome o);

/* What a code holds. */
struct sf_refcode {
	int version; /* SF_REFCODE_VERSION */
	int cause;   /* an enum sf_cause, or -1: no finding */
	bool has_setting;
	/* With has_setting: the port to use, or 0 for a port that is not one
	 * of sf_refcode_ports; and the security. 0 and SF_SEC_NONE without. */
	int port;
	enum sf_security security;
	enum sf_refcode_class port_class[SF_REFCODE_NPORTS];
	enum sf_refcode_login login;
};

/* The code of a run: the first finding of diag, the setting to use
 * (sf_diag_settings), per port the best class of the matrix cells with
 * login on (works, certificate, login refused, login after encryption,
 * encryption fails, other, closed, not tested: best first), and the login
 * test's outcome. Either may be NULL. */
void sf_refcode_from_result(const struct sf_probe_result *probe, const struct sf_diagnosis *diag,
	struct sf_refcode *out);

/* "XXXXX-XXXXX" and a NUL into out. A value that does not fit is written
 * as the nearest that does: a cause out of range as none, a port not in
 * sf_refcode_ports as another port, a security out of range as none, a
 * class or login result out of range as other; the version written is
 * always SF_REFCODE_VERSION. */
void sf_refcode_encode(const struct sf_refcode *c, char out[SF_REFCODE_TEXT_MAX]);

/* Read a code as typed. -1 with SF_E_USAGE and a sentence for a person
 * when it is empty, has a character that is not a symbol (named), is not
 * ten symbols long, fails the check (a symbol was misheard), is of a
 * version this smtpfix does not read, or holds a value it does not know. */
int sf_refcode_decode(const char *text, struct sf_refcode *out, struct sf_error *err);

#endif
