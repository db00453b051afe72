#include "smtpfix/help.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *override_dir;

/* Override files read so far (a few dozen at most; kept for the run). */
struct loaded {
	char path[256];
	struct sf_buf text;
};
static struct loaded loaded[64];
static size_t nloaded;

void
sf_help_set_dir(const char *dir)
{
	override_dir = dir;
}

static const char *
from_override(const char *path, size_t *len)
{
	const char *dir = override_dir ? override_dir : getenv("SMTPFIX_HELP_DIR");
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
	if (b.data == NULL)
		sf_buf_add(&b, "", 0, &err);
	snprintf(loaded[nloaded].path, sizeof loaded[nloaded].path, "%s", path);
	loaded[nloaded].text = b;
	*len = b.len;
	return loaded[nloaded++].text.data;
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

size_t
sf_help_list(const char *folder, const char **paths, size_t max)
{
	const struct sf_help_file *f;
	size_t n = 0, fl = strlen(folder);

	for (f = sf_help_files; f->path != NULL && n < max; f++)
		if (strncmp(f->path, folder, fl) == 0)
			paths[n++] = f->path;
	return n;
}
