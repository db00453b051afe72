#include "smtpfix/help.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Override files read so far (a few dozen at most; kept for the run, so
 * a text handed out stays valid). The probe thread and the front end
 * both read help, hence the lock. */
struct loaded {
	char path[256];
	struct sf_buf text;
};
static struct loaded loaded[64];
static size_t nloaded;
static pthread_mutex_t loaded_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *
from_override_locked(const char *path, size_t *len)
{
	const char *dir = getenv("SMTPFIX_HELP_DIR");
	char full[1024], chunk[8192];
	struct sf_buf b;
	struct sf_error err;
	FILE *f;
	size_t n, i;

	if (dir == NULL || dir[0] == '\0' || strstr(path, "..") != NULL)
		return NULL;
	for (i = 0; i < nloaded; i++)
		if (strcmp(loaded[i].path, path) == 0) {
			*len = loaded[i].text.len;
			return loaded[i].text.data;
		}
	snprintf(full, sizeof full, "%s/%s", dir, path);
	f = fopen(full, "r");
	if (f == NULL || nloaded >= sizeof loaded / sizeof loaded[0]) {
		if (f != NULL)
			fclose(f);
		return NULL;
	}
	sf_buf_init(&b, SF_HELP_FILE_MAX);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (sf_buf_add(&b, chunk, n, &err) < 0)
			break;
	fclose(f);
	if (b.data == NULL && sf_buf_add(&b, "", 0, &err) < 0) {
		sf_buf_free(&b);
		return NULL; /* out of memory: the built-in copy is used */
	}
	snprintf(loaded[nloaded].path, sizeof loaded[nloaded].path, "%s", path);
	loaded[nloaded].text = b;
	*len = b.len;
	return loaded[nloaded++].text.data;
}

static const char *
from_override(const char *path, size_t *len)
{
	const char *text;

	pthread_mutex_lock(&loaded_lock);
	text = from_override_locked(path, len);
	pthread_mutex_unlock(&loaded_lock);
	return text;
}

const char *
sf_help_get(const char *path, size_t *len)
{
	const struct sf_help_file *f;
	const char *o = from_override(path, len);

	if (o != NULL)
		return o;
	for (f = sf_help_files; f->path != NULL; f++) {
		if (strcmp(f->path, path) == 0) {
			*len = f->len;
			return f->data;
		}
	}
	*len = 0;
	return NULL;
}

/* One "KEY: text" line of a help file, with {name} filled from facts. */
int
sf_help_fill(const char *path, const char *key, const char *const *facts, char *out, size_t outsz)
{
	size_t len, klen = strlen(key), o = 0, k;
	const char *text = sf_help_get(path, &len), *p, *end, *line = NULL;

	if (outsz == 0)
		return -1;
	out[0] = '\0';
	for (p = text; p != NULL && p < text + len; p = end + 1) {
		end = memchr(p, '\n', (size_t)(text + len - p));
		if (end == NULL)
			end = text + len;
		if ((size_t)(end - p) > klen + 2 && memcmp(p, key, klen) == 0 && p[klen] == ':' &&
			p[klen + 1] == ' ') {
			line = p + klen + 2;
			break;
		}
	}
	if (line == NULL) {
		snprintf(out, outsz, "(%s)", key);
		return -1;
	}
	/* Copy, filling {name} from facts (name, value pairs). */
	for (p = line; p < end && o + 1 < outsz; p++) {
		const char *close = *p == '{' ? memchr(p, '}', (size_t)(end - p)) : NULL;

		if (close != NULL) {
			for (k = 0; facts != NULL && facts[k] != NULL && facts[k + 1] != NULL;
				k += 2)
				if (strlen(facts[k]) == (size_t)(close - p - 1) &&
					memcmp(facts[k], p + 1, (size_t)(close - p - 1)) == 0)
					break;
			if (facts != NULL && facts[k] != NULL && facts[k + 1] != NULL) {
				int n = snprintf(out + o, outsz - o, "%s", facts[k + 1]);

				o = n < 0 ? o : o + (size_t)n >= outsz ? outsz - 1 : o + (size_t)n;
				p = close;
				continue;
			}
		}
		out[o++] = *p;
	}
	out[o] = '\0';
	return 0;
}
