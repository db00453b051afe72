/* The device with the old password: logins grouped by user, address and
 * protocol. A place where a user keeps failing (many failures, none taken
 * after the last one) while the same user logs in fine from elsewhere is a
 * device still holding a password that was changed. Pure: events in,
 * groups and findings out. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtpfix/bans.h"

static uint32_t
group_hash(const char *user, const char *address, enum sf_event_proto proto)
{
	uint32_t h = 2166136261u;
	const char *p;

	for (p = user; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	h = (h ^ 0xffu) * 16777619u;
	for (p = address; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	h = (h ^ (unsigned)proto) * 16777619u;
	return h;
}

int
sf_stale_init(struct sf_stale *s, struct sf_error *err)
{
	memset(s, 0, sizeof *s);
	s->nslots = SF_STALE_MAX_GROUPS * 2;
	s->groups = calloc(SF_STALE_MAX_GROUPS, sizeof *s->groups);
	s->slots = calloc(s->nslots, sizeof *s->slots);
	if (s->groups == NULL || s->slots == NULL) {
		sf_stale_free(s);
		return sf_error_set(err, SF_E_NOMEM, "out of memory");
	}
	return 0;
}

void
sf_stale_free(struct sf_stale *s)
{
	free(s->groups);
	free(s->slots);
	memset(s, 0, sizeof *s);
}

/* Case matters for neither e-mail domains nor most mail servers' user
 * names in practice; keep them as logged but compare users without case. */
static bool
same_user(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a, y = *b;

		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return *a == *b;
}

static struct sf_stale_group *
group_for(struct sf_stale *s, const char *user, const char *address, enum sf_event_proto proto)
{
	char low[SF_LOG_USER_MAX];
	size_t i, n = strlen(user), k;
	uint32_t h;

	if (n >= sizeof low)
		n = sizeof low - 1;
	for (i = 0; i < n; i++)
		low[i] = (user[i] >= 'A' && user[i] <= 'Z') ? (char)(user[i] - 'A' + 'a') : user[i];
	low[n] = '\0';
	h = group_hash(low, address, proto);
	for (k = 0; k < s->nslots; k++) {
		size_t slot = (h + k) % s->nslots;
		unsigned idx = s->slots[slot];
		struct sf_stale_group *g;

		if (idx == 0) {
			if (s->ngroups >= SF_STALE_MAX_GROUPS)
				return NULL;
			g = &s->groups[s->ngroups];
			memset(g, 0, sizeof *g);
			memcpy(g->user, user, n);
			g->user[n] = '\0';
			memcpy(g->address, address, strnlen(address, sizeof g->address - 1));
			g->proto = proto;
			s->slots[slot] = (unsigned)++s->ngroups;
			return g;
		}
		g = &s->groups[idx - 1];
		if (g->proto == proto && strcmp(g->address, address) == 0 &&
			same_user(g->user, low))
			return g;
	}
	return NULL;
}

void
sf_stale_add(struct sf_stale *s, const struct sf_event *ev, time_t since)
{
	struct sf_stale_group *g;
	bool ok;

	/* A message taken from a logged-in user (Exim's A=, Postfix's
	 * sasl_username=) is a good login as well. */
	if (ev->kind == SF_EVENT_LOGIN_OK || ev->kind == SF_EVENT_ACCEPTED)
		ok = true;
	else if (ev->kind == SF_EVENT_LOGIN_FAILED)
		ok = false;
	else
		return;
	if (ev->user[0] == '\0' || ev->address[0] == '\0')
		return;
	if (since != 0 && ev->when != 0 && ev->when < since)
		return;
	s->events++;
	g = group_for(s, ev->user, ev->address, ev->proto);
	if (g == NULL) {
		s->dropped++;
		return;
	}
	if (ok) {
		g->ok++;
		if (ev->when > g->last_ok)
			g->last_ok = ev->when;
	} else {
		g->failed++;
		if (g->first_failed == 0 || (ev->when != 0 && ev->when < g->first_failed))
			g->first_failed = ev->when;
		if (ev->when > g->last_failed)
			g->last_failed = ev->when;
	}
}

/* Still failing: enough failures, and no good login from the same place
 * since the last failure (a device that was fixed logs in fine after). */
static bool
still_failing(const struct sf_stale_group *g)
{
	return g->failed >= SF_STALE_MIN_FAILED && !(g->ok > 0 && g->last_ok >= g->last_failed);
}

static int
by_failures(const void *a, const void *b)
{
	const struct sf_stale_finding *x = a, *y = b;

	if (x->bad->failed != y->bad->failed)
		return x->bad->failed < y->bad->failed ? 1 : -1;
	return strcmp(x->bad->user, y->bad->user);
}

size_t
sf_stale_findings(const struct sf_stale *s, const char *user, const char *address,
	struct sf_stale_finding *out, size_t max)
{
	size_t n = 0, i, j;

	for (i = 0; i < s->ngroups && n < max; i++) {
		const struct sf_stale_group *g = &s->groups[i];
		struct sf_stale_finding *f;

		if (!still_failing(g))
			continue;
		if (user != NULL && *user && !same_user(g->user, user))
			continue;
		if (address != NULL && *address && strcmp(g->address, address) != 0)
			continue;
		f = &out[n++];
		memset(f, 0, sizeof *f);
		f->bad = g;
		/* The same user's good logins from other places, any protocol. */
		for (j = 0; j < s->ngroups && f->nfine < SF_STALE_FINE_MAX; j++) {
			const struct sf_stale_group *o = &s->groups[j];

			if (o->ok == 0 || strcmp(o->address, g->address) == 0 ||
				!same_user(o->user, g->user))
				continue;
			f->fine[f->nfine++] = o;
		}
	}
	qsort(out, n, sizeof *out, by_failures);
	return n;
}
