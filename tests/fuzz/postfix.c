/* libFuzzer: Postfix's main.cf and master.cf, and Dovecot's configuration,
 * through the readers smtpfix policy uses. The input is split in three at
 * positions its first two bytes choose, written under a private root once
 * per run, and read with running commands off (as under --root). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "smtpfix/mta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[64];

static void
put(const char *rel, const uint8_t *data, size_t len)
{
	char path[160];
	FILE *f;

	snprintf(path, sizeof path, "%s%s", root, rel);
	f = fopen(path, "wb");
	if (f == NULL)
		abort(); /* the harness itself is broken: say so loudly */
	if (len > 0 && fwrite(data, 1, len, f) != len)
		abort();
	fclose(f);
}

/* The private root goes when the run ends (libFuzzer exits normally). */
static void
remove_root(void)
{
	static const char *const rel[] = { "/etc/postfix/main.cf", "/etc/postfix/master.cf",
		"/etc/dovecot/dovecot.conf", "/etc/postfix", "/etc/dovecot", "/etc", "" };
	char path[160];
	size_t i;

	for (i = 0; i < sizeof rel / sizeof rel[0]; i++) {
		snprintf(path, sizeof path, "%s%s", root, rel[i]);
		remove(path);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sf_policy p;
	struct sf_policy_options o = { NULL, false, NULL, NULL };
	struct sf_error err;
	size_t a, b;
	char dir[128];

	if (root[0] == '\0') {
		snprintf(root, sizeof root, "%s", "/tmp/smtpfix-fuzz-XXXXXX");
		if (mkdtemp(root) == NULL)
			abort();
		atexit(remove_root);
		snprintf(dir, sizeof dir, "%s/etc", root);
		mkdir(dir, 0700);
		snprintf(dir, sizeof dir, "%s/etc/postfix", root);
		mkdir(dir, 0700);
		snprintf(dir, sizeof dir, "%s/etc/dovecot", root);
		mkdir(dir, 0700);
	}
	if (size < 2)
		return 0;
	a = 2 + (size - 2) * data[0] / 255;
	b = a + (size - a) * data[1] / 255;
	put("/etc/postfix/main.cf", data + 2, a - 2);
	put("/etc/postfix/master.cf", data + a, b - a);
	put("/etc/dovecot/dovecot.conf", data + b, size - b);
	o.root = root;
	memset(&p, 0, sizeof p);
	(void)sf_policy_read(&o, &p, &err);
	return 0;
}
