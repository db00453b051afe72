#include "unit/fixture.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpfix/clock.h"

char fx_dir[256];

void
fx_make_dir(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(fx_dir, sizeof fx_dir, "%s/smtpfix-test.XXXXXX", base ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(fx_dir));
}

void
fx_remove_dir(void)
{
	char cmd[300];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", fx_dir);
}

double
fx_probe(struct fakeserver *fs, const struct fs_step *script, const char *host,
	enum sf_probe_mode mode, int timeout_ms, const char *ca_file, bool rcpt_test,
	struct sf_target_result *t)
{
	struct sf_probe_options o;
	struct sf_addr_list addrs;
	struct sf_error err;
	double t0;

	ck_assert_int_eq(fakeserver_start(fs, script, fx_dir), 0);
	sf_probe_options_init(&o);
	o.host = host;
	o.mode = mode;
	o.timeout_ms = timeout_ms;
	o.ca_file = ca_file;
	o.rcpt_test = rcpt_test;
	ck_assert_int_eq(sf_resolve("127.0.0.1", sf_now_ms() + 2000, &addrs, &err), 0);
	t0 = sf_now_ms_precise();
	sf_probe_target(&o, &addrs.addrs[0], fs->port, t);
	t0 = sf_now_ms_precise() - t0;
	fakeserver_stop(fs);
	return t0;
}
