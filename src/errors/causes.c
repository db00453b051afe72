#include <stddef.h>

#include "smtpfix/explain.h"

/* Stable: JSON, help/causes/<id>.txt and tests use these. New ids may be
 * added; none is renamed. */
const char *const sf_cause_ids[] = {
	"auth-requires-tls", "client-not-authenticating", "starttls-required", "wrong-credentials",
	"auth-mechanism-mismatch", "tls-mode-mismatch", "port-blocked", "server-unreachable",
	"dns-failure", "tls-cert-name-mismatch", "tls-cert-expired", "tls-cert-untrusted",
	"tls-protocol-mismatch", "starttls-not-offered", "starttls-stripped", "auth-not-offered",
	"sender-rejected", "rate-limited", "greylisted", "ip-blocked", "account-suspended",
	"message-too-large", "basic-auth-disabled", "app-password-required",
	/* added with the recognizer */
	"auth-backend-failure", "server-tls-unavailable", "recipient-rejected", "client-protocol-error",
	"client-input-error", "client-option-unsupported", "send-failed-generic",
	/* added with the diagnosis (server-side findings) */
	"server-config-not-applied", "auth-without-tls-accepted", "open-relay",
	NULL
};
