#include "smtpfix/error.h"

#include <stdarg.h>
#include <stdio.h>

int
sf_error_set(struct sf_error *err, enum sf_errcode code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	return -1;
}

const char *
sf_errcode_name(enum sf_errcode code)
{
	switch (code) {
	case SF_OK: return "ok";
	case SF_E_USAGE: return "usage";
	case SF_E_NOMEM: return "out-of-memory";
	case SF_E_SYSTEM: return "system";
	case SF_E_DNS: return "dns";
	case SF_E_REFUSED: return "refused";
	case SF_E_TIMEOUT: return "timeout";
	case SF_E_UNREACHABLE: return "unreachable";
	case SF_E_NOROUTE: return "no-route";
	case SF_E_RESET: return "reset";
	case SF_E_CLOSED: return "closed";
	case SF_E_PROTOCOL: return "protocol";
	case SF_E_TOO_LONG: return "too-long";
	case SF_E_TLS: return "tls";
	case SF_E_IO: return "io";
	case SF_E_CANCELLED: return "cancelled";
	}
	return "unknown";
}
