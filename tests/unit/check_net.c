#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "smtpfix/clock.h"
#include "smtpfix/net.h"
#include "smtpfix/probe.h"
#include "unit/suites.h"

START_TEST(closed_port_is_refused)
{
	struct sf_addr_list l;
	struct sf_error err;
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	int s = socket(AF_INET, SOCK_STREAM, 0), fd, port;

	/* Take a free port, then let it go: nothing listens there now. */
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
	getsockname(s, (struct sockaddr *)&sa, &len);
	port = ntohs(sa.sin_port);
	close(s);
	ck_assert_int_eq(sf_resolve("127.0.0.1", sf_now_ms() + 1000, &l, &err), 0);
	ck_assert_int_eq(sf_connect(&l.addrs[0], port, sf_now_ms() + 1000, &fd, &err), -1);
	ck_assert_int_eq(err.code, SF_E_REFUSED);
	ck_assert_ptr_nonnull(strstr(err.message, "refused"));
}
END_TEST

START_TEST(full_accept_queue_times_out)
{
	struct sf_addr_list l;
	struct sf_error err;
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	int s = socket(AF_INET, SOCK_STREAM, 0), fds[8], i, port, timeouts = 0;
	int64_t t0;

	/* A listener that never accepts, with the smallest backlog: once its
	 * queue is full, Linux drops further SYNs, so connect() gets no answer
	 * at all, as behind a firewall that drops traffic. */
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(listen(s, 0), 0);
	getsockname(s, (struct sockaddr *)&sa, &len);
	port = ntohs(sa.sin_port);
	ck_assert_int_eq(sf_resolve("127.0.0.1", sf_now_ms() + 1000, &l, &err), 0);
	for (i = 0; i < 8; i++) {
		t0 = sf_now_ms();
		fds[i] = -1;
		if (sf_connect(&l.addrs[0], port, t0 + 300, &fds[i], &err) < 0) {
			ck_assert_int_eq(err.code, SF_E_TIMEOUT);
			ck_assert_ptr_nonnull(strstr(err.message, "no answer"));
			ck_assert_int_lt(sf_now_ms() - t0, 1300);
			timeouts++;
		}
	}
	ck_assert_int_gt(timeouts, 0);
	for (i = 0; i < 8; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	close(s);
}
END_TEST

START_TEST(literals_and_localhost_resolve)
{
	struct sf_addr_list l;
	struct sf_error err;

	ck_assert_int_eq(sf_resolve("[127.0.0.1]", sf_now_ms() + 1000, &l, &err), 0);
	ck_assert_str_eq(l.addrs[0].text, "127.0.0.1");
	ck_assert_int_eq(sf_resolve("[::1]", sf_now_ms() + 1000, &l, &err), 0);
	ck_assert_uint_eq(l.count, 1);
	ck_assert_str_eq(l.addrs[0].text, "::1");
	ck_assert_int_eq(sf_resolve("localhost", sf_now_ms() + 2000, &l, &err), 0);
	ck_assert_uint_ge(l.count, 1);
	ck_assert_int_eq(sf_resolve("bad name", sf_now_ms() + 1000, &l, &err), -1);
	ck_assert_int_eq(err.code, SF_E_USAGE);
}
END_TEST

START_TEST(unknown_name_fails_within_the_deadline)
{
	struct sf_addr_list l;
	struct sf_error err;
	int64_t t0 = sf_now_ms();

	/* .invalid never exists (RFC 2606). With no DNS reachable the resolver
	 * may hang instead of answering: the deadline must still hold. */
	ck_assert_int_eq(sf_resolve("no-such-host.invalid", t0 + 1500, &l, &err), -1);
	ck_assert(err.code == SF_E_DNS || err.code == SF_E_TIMEOUT);
	ck_assert_int_lt(sf_now_ms() - t0, 2500);
}
END_TEST

START_TEST(probe_options_are_checked)
{
	struct sf_probe_options o;
	struct sf_error err;

	sf_probe_options_init(&o);
	o.host = "mail.example.com";
	ck_assert_int_eq(sf_probe_options_check(&o, &err), 0);
	o.ports[o.nports++] = 70000;
	ck_assert_int_eq(sf_probe_options_check(&o, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "70000"));
	o.nports = 0;
	o.mode = SF_MODE_PLAIN;
	o.ca_file = "/etc/ssl/certs/ca-certificates.crt";
	ck_assert_int_eq(sf_probe_options_check(&o, &err), -1);
	o.ca_file = NULL;
	o.rcpt_to = "no-at-sign";
	ck_assert_int_eq(sf_probe_options_check(&o, &err), -1);
	o.rcpt_to = "a@b>\r\nDATA";
	ck_assert_int_eq(sf_probe_options_check(&o, &err), -1);
	o.rcpt_to = "x@example.net";
	o.mail_from = "";
	ck_assert_int_eq(sf_probe_options_check(&o, &err), 0);
	ck_assert_int_eq(sf_probe_mode_for_port(SF_MODE_AUTO, 465), SF_MODE_TLS);
	ck_assert_int_eq(sf_probe_mode_for_port(SF_MODE_AUTO, 587), SF_MODE_STARTTLS);
	o.maps[o.nmaps++] = (struct sf_port_map){ 587, 10587 };
	ck_assert_int_eq(sf_probe_real_port(&o, 587), 10587);
	ck_assert_int_eq(sf_probe_real_port(&o, 25), 25);
}
END_TEST

Suite *
net_suite(void)
{
	Suite *s = suite_create("net");
	TCase *tc = tcase_create("net");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, closed_port_is_refused);
	tcase_add_test(tc, full_accept_queue_times_out);
	tcase_add_test(tc, literals_and_localhost_resolve);
	tcase_add_test(tc, unknown_name_fails_within_the_deadline);
	tcase_add_test(tc, probe_options_are_checked);
	suite_add_tcase(s, tc);
	return s;
}
