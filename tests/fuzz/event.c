/* libFuzzer: mail log lines through the event parser, the joiner and the
 * watch. Every event and attempt must hold bounded, NUL-terminated fields,
 * an address that is empty or an IP address, a port and a TLS value in
 * range; the watch must take any buffer of lines, NUL bytes included. */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtpfix/attempt.h"
#include "smtpfix/mta_event.h"
#include "smtpfix/watch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) \
	do { \
		if (!(c)) \
			__builtin_trap(); \
	} while (0)
#define TERMINATED(field) CHECK(memchr((field), '\0', sizeof(field)) != NULL)

static void
check_address(const char *a)
{
	unsigned char bin[16] = { 0 };

	if (a[0] == '\0')
		return;
	CHECK(inet_pton(AF_INET, a, bin) == 1 || inet_pton(AF_INET6, a, bin) == 1);
}

static void
check_event(const struct sf_event *ev)
{
	TERMINATED(ev->key);
	TERMINATED(ev->address);
	TERMINATED(ev->user);
	TERMINATED(ev->text);
	TERMINATED(ev->queue_id);
	check_address(ev->address);
	CHECK(ev->port >= 0 && ev->port <= 65535);
	CHECK(ev->tls >= -1 && ev->tls <= 1);
	CHECK((unsigned)ev->kind < SF_EVENT_KINDS);
	CHECK((unsigned)ev->source < SF_SOURCES);
	CHECK((unsigned)ev->proto < SF_PROTOS);
}

static void
check_attempt(const struct sf_attempt *a)
{
	size_t i;

	CHECK(a != NULL);
	TERMINATED(a->key);
	TERMINATED(a->address);
	TERMINATED(a->user);
	TERMINATED(a->login_text);
	TERMINATED(a->login_reason);
	TERMINATED(a->refused_text);
	TERMINATED(a->tls_text);
	TERMINATED(a->commands);
	check_address(a->address);
	CHECK(a->port >= 0 && a->port <= 65535);
	CHECK(a->tls >= -1 && a->tls <= 1);
	CHECK((unsigned)a->source < SF_SOURCES);
	CHECK((unsigned)a->proto < SF_PROTOS);
	CHECK((unsigned)a->login < SF_LOGINS);
	CHECK(a->nlines <= SF_ATTEMPT_LINES);
	for (i = 0; i < a->nlines; i++)
		TERMINATED(a->lines[i]);
}

static void
on_attempt(const struct sf_attempt *a, void *ctx)
{
	unsigned long *n = ctx;

	check_attempt(a);
	(*n)++;
}

static void
on_seen(const struct sf_watch_seen *seen, void *ctx)
{
	unsigned long *n = ctx;

	CHECK(seen != NULL);
	check_attempt(seen->attempt);
	(*n)++;
}

/* A joiner whose allocation is kept from one input to the next (3 MB
 * each time would be most of the run): with nothing open after a flush,
 * forgetting the login-service lines leaves it as new. */
static void
joiner_reset(struct sf_joiner *j)
{
	CHECK(j->nopen == 0);
	j->ndetails = 0;
	j->next_detail = 0;
	j->forced = 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The watch's knowledge is built once, with the joiners. */
	static struct sf_watch watch;
	static struct sf_joiner j;
	static bool ready;
	static unsigned long seen_count;
	const char *p = (const char *)data, *end = p + size;
	const time_t now = 1790000000;
	unsigned long attempts = 0;
	double clock = 0;
	char *copy;

	if (!ready) {
		struct sf_watch_options o;
		struct sf_error err;

		memset(&o, 0, sizeof o);
		memset(&err, 0, sizeof err);
		if (sf_watch_init(&watch, &o, NULL, on_seen, &seen_count, &err) != 0 ||
			sf_joiner_init(&j) != 0)
			abort();
		ready = true;
	}

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct sf_event ev;

		memset(&ev, 0x5a, sizeof ev); /* the parser must fill what it returns */
		if (sf_event_parse(p, len, now, &ev)) {
			check_event(&ev);
			clock += 0.1;
			sf_joiner_feed(&j, &ev, p, len, clock, on_attempt, &attempts);
			sf_joiner_tick(&j, clock, on_attempt, &attempts);
			(void)sf_joiner_next_due(&j, clock);
		}
		p += len + (nl != NULL);
	}
	sf_joiner_tick(&j, clock + SF_ATTEMPT_IDLE + 1, on_attempt, &attempts);
	sf_joiner_flush(&j, on_attempt, &attempts);
	joiner_reset(&j);

	/* The watch: a buffer with one writable byte past its end. */
	copy = malloc(size + 1);
	if (copy == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	copy[size] = '\0';
	watch.now = now;
	watch.last_when = 0;
	sf_watch_lines(&watch, copy, size, 0);
	sf_watch_flush(&watch);
	joiner_reset(&watch.joiner);
	free(copy);
	return 0;
}
