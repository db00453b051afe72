/* Many targets at once: one silent server must not delay the others, the
 * whole run takes about as long as its slowest target, and a cancel closes
 * every socket at once. */
#include <dirent.h>
#include <string.h>

#include "smtpfix/clock.h"
#include "unit/fixture.h"
#include "unit/suites.h"

#define TIMEOUT_MS 1500

static const struct fs_step fast_script[] = { { FS_SEND, "220 fast\r\n", 0, 0 },
	{ FS_EXPECT, NULL, 0, 0 }, { FS_SEND, "250-fast\r\n250 AUTH PLAIN\r\n", 0, 0 },
	{ FS_EXPECT, NULL, 0, 0 },
	/* The password-free check of the login listed: taken, then cancelled. */
	{ FS_SEND, "334 \r\n", 0, 0 }, { FS_EXPECT, NULL, 0, 0 },
	{ FS_SEND, "501 5.7.0 cancelled\r\n", 0, 0 }, { FS_EXPECT, NULL, 0, 0 },
	{ FS_SEND, "250 ok\r\n", 0, 0 }, { FS_EXPECT, NULL, 0, 0 },
	{ FS_SEND, "550 relay denied\r\n", 0, 0 }, { FS_EXPECT, NULL, 0, 0 },
	{ FS_SEND, "250 reset\r\n", 0, 0 }, { FS_EXPECT, NULL, 0, 0 },
	{ FS_SEND, "221 bye\r\n", 0, 0 }, { FS_END, NULL, 0, 0 } };
static const struct fs_step silent_script[] = { { FS_SLEEP, NULL, 0, 10000 },
	{ FS_END, NULL, 0, 0 } };

struct record {
	double t0;
	double done_ms[8];
	char steps[8][256];
};

static void
on_progress(void *ctx, const struct sf_progress *ev)
{
	struct record *rec = ctx;

	if (ev->index >= 8)
		return;
	strncat(rec->steps[ev->index], ev->step, 200 - strlen(rec->steps[ev->index]));
	strncat(rec->steps[ev->index], " ", 2);
	if (ev->done)
		rec->done_ms[ev->index] = sf_now_ms_precise() - rec->t0;
}

static int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d != NULL && readdir(d) != NULL)
		n++;
	if (d != NULL)
		closedir(d);
	return n;
}

static struct fakeserver servers[3];

static void
setup(void)
{
	memset(servers, 0, sizeof servers);
	fx_make_dir();
}

static void
teardown(void)
{
	size_t i;

	for (i = 0; i < 3; i++)
		fakeserver_stop(&servers[i]);
	fx_remove_dir();
}

/* Start fast, silent, fast servers and a runner with one target each. */
static struct sf_runner *
start_three(struct sf_probe_options *o, struct record *rec)
{
	struct sf_addr_list l;
	struct sf_error err;
	struct sf_runner *r;
	size_t i;

	memset(rec, 0, sizeof *rec);
	ck_assert_int_eq(fakeserver_start(&servers[0], fast_script, fx_dir), 0);
	ck_assert_int_eq(fakeserver_start(&servers[1], silent_script, fx_dir), 0);
	ck_assert_int_eq(fakeserver_start(&servers[2], fast_script, fx_dir), 0);
	sf_probe_options_init(o);
	o->host = "127.0.0.1";
	o->mode = SF_MODE_PLAIN;
	o->timeout_ms = TIMEOUT_MS;
	o->progress = on_progress;
	o->progress_ctx = rec;
	ck_assert_int_eq(sf_resolve("127.0.0.1", sf_now_ms() + 1000, &l, &err), 0);
	r = sf_runner_new(o, NULL, NULL);
	ck_assert_ptr_nonnull(r);
	rec->t0 = sf_now_ms_precise();
	for (i = 0; i < 3; i++) {
		struct sf_target_spec spec;

		memset(&spec, 0, sizeof spec);
		spec.addr = l.addrs[0];
		spec.port = servers[i].port;
		spec.mode = SF_MODE_PLAIN;
		spec.rcpt_test = true;
		ck_assert_int_eq(sf_runner_add(r, &spec), (long)i);
	}
	return r;
}

START_TEST(silent_target_does_not_delay_the_others)
{
	struct sf_probe_options o;
	struct record rec;
	struct sf_runner *r = start_three(&o, &rec);
	double total;

	sf_runner_run(r);
	total = sf_now_ms_precise() - rec.t0;
	/* The fast ones finish long before the silent one's deadline. */
	ck_assert_msg(rec.done_ms[0] < 500 && rec.done_ms[2] < 500,
		"fast targets took %.0f and %.0f ms", rec.done_ms[0], rec.done_ms[2]);
	ck_assert_msg(rec.done_ms[1] >= TIMEOUT_MS - 50, "silent target ended at %.0f ms",
		rec.done_ms[1]);
	/* The whole run lasts about as long as its slowest target. */
	ck_assert_msg(total < TIMEOUT_MS + 500, "whole run took %.0f ms", total);
	ck_assert_int_eq(sf_runner_result(r, 0)->smtp.rcpt.reply.code, 550);
	ck_assert_int_eq(sf_runner_result(r, 1)->smtp.fail_code, SF_E_TIMEOUT);
	ck_assert_int_eq(sf_runner_result(r, 2)->smtp.rcpt.reply.code, 550);
	ck_assert_str_eq(rec.steps[0], "connecting banner ehlo rcpt-test closing done ");
	ck_assert_str_eq(rec.steps[1], "connecting banner done ");
	sf_runner_free(r);
}
END_TEST

START_TEST(cancel_closes_every_socket_at_once)
{
	struct sf_probe_options o;
	struct record rec;
	int before = open_fds();
	struct sf_runner *r = start_three(&o, &rec);
	struct pollfd fds[8];
	double t_cancel;
	size_t n;
	int timeout;

	/* Drive the loop by hand, as a front end would, until the fast ones
	 * are done; then cancel while the silent one still waits. */
	while (rec.done_ms[0] == 0 || rec.done_ms[2] == 0) {
		n = sf_runner_fill(r, fds, 8, &timeout);
		ck_assert_int_gt((int)n, 0);
		poll(fds, n, timeout > 100 ? 100 : timeout);
		sf_runner_dispatch(r, fds, n);
		ck_assert_msg(sf_now_ms_precise() - rec.t0 < 1000, "fast targets too slow");
	}
	ck_assert(sf_runner_busy(r));
	ck_assert_int_eq(open_fds(), before + 1);
	t_cancel = sf_now_ms_precise();
	sf_runner_cancel(r);
	ck_assert(!sf_runner_busy(r));
	ck_assert_int_eq(open_fds(), before);
	ck_assert_msg(sf_now_ms_precise() - t_cancel < 50, "cancel took too long");
	ck_assert(sf_runner_result(r, 1)->cancelled);
	ck_assert_int_eq(sf_runner_result(r, 1)->smtp.fail_code, SF_E_CANCELLED);
	ck_assert(!sf_runner_result(r, 0)->cancelled);
	sf_runner_free(r);
}
END_TEST

static atomic_bool flag;

static void
cancel_after_first(void *ctx, const struct sf_progress *ev)
{
	on_progress(ctx, ev);
	if (ev->done)
		flag = 1;
}

START_TEST(cancel_flag_stops_the_run)
{
	struct sf_probe_options o;
	struct record rec;
	struct sf_runner *r = start_three(&o, &rec);
	double t;

	flag = 0;
	o.progress = cancel_after_first;
	o.cancel = &flag;
	sf_runner_run(r);
	t = sf_now_ms_precise() - rec.t0;
	ck_assert_msg(t < 800, "run took %.0f ms after a cancel", t);
	ck_assert(sf_runner_result(r, 1)->cancelled);
	sf_runner_free(r);
}
END_TEST

#include <stdio.h>

#include "../../src/ui/session.h" /* the wizard's probe run, private to src/ui */

/* A cancel requested before a run starts (Esc pressed just as the probe
 * thread is created) must end the run at once: nothing on the way may
 * clear the flag. The flag's type follows the probe options'. */
static __typeof__(*((struct sf_probe_options *)0)->cancel) early;

START_TEST(cancel_before_the_run_ends_it_at_once)
{
	struct sf_probe_options o;
	struct sf_probe_result res;
	struct sf_error err;
	double t0;

	ck_assert_int_eq(fakeserver_start(&servers[1], silent_script, fx_dir), 0);
	sf_probe_options_init(&o);
	o.host = "127.0.0.1";
	o.mode = SF_MODE_PLAIN;
	o.timeout_ms = TIMEOUT_MS;
	o.ports[o.nports++] = servers[1].port;
	early = 1;
	o.cancel = &early;
	t0 = sf_now_ms_precise();
	ck_assert_int_eq(sf_probe_run(&o, &res, &err), 0);
	ck_assert_msg(sf_now_ms_precise() - t0 < 500, "run took %.0f ms", sf_now_ms_precise() - t0);
	ck_assert(res.cancelled);
	ck_assert_msg(early, "the run cleared the cancel flag");
	sf_probe_result_free(&res);
}
END_TEST

/* The same through the wizard's session, which the full screen runs in
 * its probe thread: the front end resets the flag before that thread
 * starts, so the run itself must leave it alone. */
START_TEST(cancel_before_the_wizard_probe_ends_it_at_once)
{
	static struct sf_ui_session ss;
	struct sf_ui_options uo;
	struct sf_wiz_prefill pre;
	struct sf_wizard w;
	FILE *out = fopen("/dev/null", "w");
	double t0;

	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(fakeserver_start(&servers[1], silent_script, fx_dir), 0);
	memset(&uo, 0, sizeof uo);
	memset(&pre, 0, sizeof pre);
	pre.server = "127.0.0.1";
	pre.client = "thunderbird";
	uo.maps[0].port = 587;
	uo.maps[0].real = servers[1].port;
	uo.nmaps = 1;
	uo.timeout_ms = TIMEOUT_MS;
	uo.prefill = pre;
	sf_ui_session_init(&ss, &uo, out);
	sf_wiz_init(&w, &pre);
	ss.cancel = 1;
	t0 = sf_now_ms_precise();
	sf_ui_run_probe(&ss, &w);
	ck_assert_msg(sf_now_ms_precise() - t0 < 500, "run took %.0f ms", sf_now_ms_precise() - t0);
	ck_assert(ss.run.have_res);
	ck_assert_msg(ss.run.res.cancelled, "the cancel was lost");
	ck_assert(ss.cancel);
	sf_ui_session_free(&ss);
	fclose(out);
}
END_TEST

Suite *
runner_suite(void)
{
	Suite *s = suite_create("runner");
	TCase *tc = tcase_create("concurrency");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, silent_target_does_not_delay_the_others);
	tcase_add_test(tc, cancel_closes_every_socket_at_once);
	tcase_add_test(tc, cancel_flag_stops_the_run);
	tcase_add_test(tc, cancel_before_the_run_ends_it_at_once);
	tcase_add_test(tc, cancel_before_the_wizard_probe_ends_it_at_once);
	suite_add_tcase(s, tc);
	return s;
}
