/* Shared helpers for the tests that run the probe against the fake server. */
#ifndef TESTS_FIXTURE_H
#define TESTS_FIXTURE_H

#include "smtpfix/probe.h"
#include "support/fakeserver.h"

extern char fx_dir[256];

void fx_make_dir(void);
void fx_remove_dir(void);
/* Probe 127.0.0.1 (typed as host) on the fake server's port. Returns the
 * wall time in ms. */
double fx_probe(struct fakeserver *fs, const struct fs_step *script, const char *host,
	enum sf_probe_mode mode, int timeout_ms, const char *ca_file, bool rcpt_test,
	struct sf_target_result *t);

#endif
