/* Discovery against a real DNS server on loopback (dnsmasq, with SRV, MX,
 * A and AAAA records), plus a minimal responder for SERVFAIL and silence.
 * A missing dnsmasq fails the suite: it is not skipped. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "smtpfix/clock.h"
#include "smtpfix/dns.h"
#include "unit/suites.h"

static pid_t dns_pid;
static int dns_port;

static int
free_udp_port(int *keep_fd)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	getsockname(fd, (struct sockaddr *)&sa, &len);
	if (keep_fd != NULL)
		*keep_fd = fd;
	else
		close(fd);
	return ntohs(sa.sin_port);
}

static const char *
dnsmasq_path(void)
{
	static const char *const paths[] = { "/usr/sbin/dnsmasq", "/sbin/dnsmasq",
		"/usr/bin/dnsmasq" };
	size_t i;

	for (i = 0; i < 3; i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

/* Start dnsmasq on a free port and wait until it answers. False when it
 * exited at once: the port was taken between choosing and binding it (by
 * another test run on the same machine), and another port is tried. */
static bool
try_start_dnsmasq(void)
{
	const char *path = dnsmasq_path();
	char port[32];
	int tries, probe;

	ck_assert_msg(path != NULL, "dnsmasq is not installed: run 'make deps'");
	dns_port = free_udp_port(NULL);
	snprintf(port, sizeof port, "--port=%d", dns_port);
	dns_pid = fork();
	if (dns_pid == 0) {
		signal(SIGTERM, SIG_DFL);
		execl(path, "dnsmasq", "--keep-in-foreground", port, "--listen-address=127.0.0.1",
			"--bind-interfaces", "--no-resolv", "--no-hosts", "--no-poll",
			"--local=/test/", "--log-facility=/dev/null", "--pid-file=",
			"--srv-host=_submissions._tcp.example.test,mail.example.test,465,0,1",
			"--srv-host=_submission._tcp.example.test,mail.example.test,587,0,1",
			"--mx-host=example.test,mx2.example.test,20",
			"--mx-host=example.test,mx1.example.test,10",
			"--host-record=mail.example.test,127.0.0.1,::1",
			"--host-record=mx1.example.test,127.0.0.2",
			"--host-record=smtp.example.test,127.0.0.3",
			"--host-record=example.test,127.0.0.4", "--host-record=nomx.test,127.0.0.5",
			/* Targets that are not host names: the part before the space
			 * is a real host, which must not be taken instead. */
			"--srv-host=_submission._tcp.space.test,mail.space.test x,587,0,1",
			"--mx-host=space.test,mx.space.test y,10",
			"--host-record=mail.space.test,127.0.0.6",
			"--host-record=mx.space.test,127.0.0.8",
			/* bücher.test in the form DNS holds it. */
			"--host-record=xn--bcher-kva.test,127.0.0.9",
			"--host-record=mail.xn--bcher-kva.test,127.0.0.10", (char *)NULL);
		_exit(127);
	}
	/* Wait until it answers on its port. */
	for (tries = 0; tries < 50; tries++) {
		struct sf_discovery d;
		struct sf_dns_options o = { NULL, 300, NULL, false };
		char server[32];
		struct sf_error err;

		snprintf(server, sizeof server, "127.0.0.1:%d", dns_port);
		o.server = server;
		probe = sf_discover("nomx.test", &o, &d, &err);
		if (probe == 0 && d.nlookups > 0 && d.lookups[2].status != SF_DNS_TIMEOUT &&
			d.lookups[2].status != SF_DNS_ERROR)
			return true;
		if (waitpid(dns_pid, NULL, WNOHANG) != 0) {
			dns_pid = 0;
			return false;
		}
		usleep(50000);
	}
	ck_abort_msg("dnsmasq did not answer");
	return false;
}

static void
start_dnsmasq(void)
{
	int attempt;

	for (attempt = 0; attempt < 5; attempt++)
		if (try_start_dnsmasq())
			return;
	ck_abort_msg("dnsmasq exited at start on 5 ports in a row");
}

static void
stop_dns(void)
{
	if (dns_pid > 0) {
		kill(dns_pid, SIGTERM);
		waitpid(dns_pid, NULL, 0);
	}
	dns_pid = 0;
}

static void
discover(const char *input, int timeout_ms, struct sf_discovery *d)
{
	char server[32];
	struct sf_dns_options o = { server, timeout_ms, NULL, false };
	struct sf_error err;

	snprintf(server, sizeof server, "127.0.0.1:%d", dns_port);
	ck_assert_int_eq(sf_discover(input, &o, d, &err), 0);
}

static const struct sf_dns_lookup *
find(const struct sf_discovery *d, const char *name, const char *type)
{
	size_t i;

	for (i = 0; i < d->nlookups; i++)
		if (strcmp(d->lookups[i].name, name) == 0 && strcmp(d->lookups[i].type, type) == 0)
			return &d->lookups[i];
	ck_abort_msg("no %s lookup of %s", type, name);
	return NULL;
}

START_TEST(email_address_finds_srv_mx_and_hosting_names)
{
	static struct sf_discovery d;

	start_dnsmasq();
	discover("someone@example.test", 2000, &d);
	stop_dns();
	ck_assert(d.input_is_address);
	ck_assert_str_eq(d.domain, "example.test");
	ck_assert_int_eq(find(&d, "_submissions._tcp.example.test", "SRV")->status, SF_DNS_OK);
	ck_assert_str_eq(find(&d, "_submissions._tcp.example.test", "SRV")->answers[0],
		"0 1 465 mail.example.test");
	ck_assert_int_eq(find(&d, "example.test", "MX")->nanswers, 2);
	ck_assert_int_eq(find(&d, "mail.example.test", "AAAA")->status, SF_DNS_OK);
	ck_assert_str_eq(find(&d, "mail.example.test", "AAAA")->answers[0], "::1");
	/* SRV first (with its port), then the hosting names, then MX by
	 * preference, then the domain. */
	ck_assert_uint_ge(d.ncandidates, 5);
	ck_assert_str_eq(d.candidates[0].host, "mail.example.test");
	ck_assert_int_eq(d.candidates[0].port, 465);
	ck_assert_uint_eq(d.candidates[0].addrs.count, 2);
	ck_assert_str_eq(d.candidates[1].host, "smtp.example.test");
	ck_assert_str_eq(d.candidates[1].addrs.addrs[0].text, "127.0.0.3");
	ck_assert_str_eq(d.candidates[2].host, "mx1.example.test");
	ck_assert_str_eq(d.candidates[2].addrs.addrs[0].text, "127.0.0.2");
	ck_assert_str_eq(d.candidates[3].host, "mx2.example.test");
	ck_assert_uint_eq(d.candidates[3].addrs.count, 0); /* no address: NXDOMAIN */
	ck_assert_int_eq(find(&d, "mx2.example.test", "A")->status, SF_DNS_NXDOMAIN);
	ck_assert_str_eq(d.candidates[4].host, "example.test");
}
END_TEST

START_TEST(missing_names_and_records_are_named)
{
	static struct sf_discovery d;

	start_dnsmasq();
	discover("nomx.test", 2000, &d);
	discover("nomx.test", 2000, &d);
	stop_dns();
	ck_assert(!d.input_is_address);
	ck_assert_int_eq(find(&d, "nomx.test", "MX")->status, SF_DNS_NODATA);
	ck_assert_int_eq(find(&d, "mail.nomx.test", "A")->status, SF_DNS_NXDOMAIN);
	ck_assert_ptr_nonnull(strstr(find(&d, "mail.nomx.test", "A")->detail, "NXDOMAIN"));
	/* The name typed comes first among the candidates. */
	ck_assert_str_eq(d.candidates[0].host, "nomx.test");
	ck_assert_str_eq(d.candidates[0].addrs.addrs[0].text, "127.0.0.5");
}
END_TEST

enum fake_dns { FAKE_SILENT, FAKE_SERVFAIL, FAKE_CNAME_LOOP };

/* A CNAME record's head at o: its owner as a pointer to `name`, type,
 * class, TTL 60 and the length of the data that follows. Returns the new o. */
static size_t
cname_rr(unsigned char *out, size_t o, size_t name, size_t rdlen)
{
	static const unsigned char fixed[] = { 0, 5, 0, 1, 0, 0, 0, 60, 0 };

	out[o++] = 0xc0;
	out[o++] = (unsigned char)name;
	memcpy(out + o, fixed, sizeof fixed);
	o += sizeof fixed;
	out[o++] = (unsigned char)rdlen;
	return o;
}

/* The answer to a query (n bytes in q) that names two aliases of each
 * other: QNAME is an alias of x.loop.test, and x.loop.test of QNAME. */
static size_t
cname_loop_reply(const unsigned char *q, size_t n, unsigned char *out, size_t outsz)
{
	static const unsigned char target[] = "\001x\004loop\004test";
	size_t qend = 12, o, rdata;

	while (qend < n && q[qend] != 0)
		qend += (size_t)q[qend] + 1;
	qend += 5; /* the root label, QTYPE, QCLASS */
	if (qend > n || qend + 64 > outsz)
		return 0;
	memcpy(out, q, qend);
	out[2] |= 0x80;                  /* a response */
	out[3] = (out[3] & 0xf0) | 0x80; /* recursion available, NOERROR */
	out[6] = 0;
	out[7] = 2; /* two answers */
	out[8] = out[9] = out[10] = out[11] = 0;
	o = qend;
	/* QNAME CNAME x.loop.test */
	o = cname_rr(out, o, 12, sizeof target);
	rdata = o;
	memcpy(out + o, target, sizeof target);
	o += sizeof target;
	/* x.loop.test CNAME QNAME */
	o = cname_rr(out, o, rdata, 2);
	out[o++] = 0xc0;
	out[o++] = 12;
	return o;
}

/* A responder that answers every query with SERVFAIL, with a CNAME loop,
 * or not at all. */
static void
start_fake_dns(enum fake_dns mode)
{
	int fd;

	dns_port = free_udp_port(&fd);
	dns_pid = fork();
	if (dns_pid == 0) {
		unsigned char buf[512], reply[600];
		struct sockaddr_storage from;
		size_t rlen;

		/* The test process's SIGTERM handler (libcheck's) would kill the
		 * whole process group from here. */
		signal(SIGTERM, SIG_DFL);
		alarm(30);
		for (;;) {
			socklen_t flen = sizeof from;
			ssize_t n =
				recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);

			if (n < 12 || mode == FAKE_SILENT)
				continue;
			if (mode == FAKE_CNAME_LOOP) {
				rlen = cname_loop_reply(buf, (size_t)n, reply, sizeof reply);
				if (rlen > 0)
					sendto(fd, reply, rlen, 0, (struct sockaddr *)&from, flen);
				continue;
			}
			buf[2] |= 0x80;               /* a response */
			buf[3] = (buf[3] & 0xf0) | 2; /* RCODE 2: SERVFAIL */
			sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, flen);
		}
	}
	close(fd);
}

START_TEST(servfail_is_named)
{
	static struct sf_discovery d;

	start_fake_dns(FAKE_SERVFAIL);
	discover("user@broken.test", 2000, &d);
	stop_dns();
	ck_assert_msg(find(&d, "broken.test", "MX")->status == SF_DNS_SERVFAIL, "got %s: %s",
		sf_dns_status_id(find(&d, "broken.test", "MX")->status),
		find(&d, "broken.test", "MX")->detail);
	ck_assert_uint_eq(d.candidates[0].addrs.count, 0);
}
END_TEST

START_TEST(silent_server_ends_within_the_timeout)
{
	static struct sf_discovery d;
	int64_t t0;

	start_fake_dns(FAKE_SILENT);
	t0 = sf_now_ms();
	discover("user@silent.test", 1000, &d);
	ck_assert_int_lt(sf_now_ms() - t0, 1600);
	stop_dns();
	ck_assert_int_eq(find(&d, "silent.test", "MX")->status, SF_DNS_TIMEOUT);
	ck_assert_int_eq(find(&d, "_submission._tcp.silent.test", "SRV")->status, SF_DNS_TIMEOUT);
}
END_TEST

/* An SRV or MX target with a space in a label is not a host name: it is
 * refused, never cut at the space (which would probe another host). */
START_TEST(targets_that_are_not_host_names_are_refused)
{
	static struct sf_discovery d;
	const struct sf_dns_lookup *srv, *mx;
	size_t i;

	start_dnsmasq();
	discover("someone@space.test", 2000, &d);
	stop_dns();
	srv = find(&d, "_submission._tcp.space.test", "SRV");
	mx = find(&d, "space.test", "MX");
	ck_assert_uint_eq(srv->nanswers, 1);
	ck_assert_msg(
		strstr(srv->answers[0], "refused") != NULL, "SRV answer: %s", srv->answers[0]);
	ck_assert_msg(strstr(mx->answers[0], "refused") != NULL, "MX answer: %s", mx->answers[0]);
	for (i = 0; i < d.ncandidates; i++) {
		ck_assert_msg(d.candidates[i].port == 0, "%s taken from SRV", d.candidates[i].host);
		ck_assert_msg(strncmp(d.candidates[i].source, "SRV", 3) != 0 &&
				      strncmp(d.candidates[i].source, "MX", 2) != 0,
			"%s taken from %s", d.candidates[i].host, d.candidates[i].source);
		ck_assert_msg(
			strcmp(d.candidates[i].host, "mx.space.test") != 0, "mx.space.test taken");
	}
}
END_TEST

/* A name typed in Unicode is looked up in its ASCII form (A-labels). */
START_TEST(international_names_are_looked_up_as_a_labels)
{
	static struct sf_discovery d;
	size_t i;
	bool found = false;

	start_dnsmasq();
	discover("someone@b\xc3\xbc"
		 "cher.test",
		2000, &d);
	ck_assert_str_eq(d.domain, "xn--bcher-kva.test");
	ck_assert_int_eq(find(&d, "mail.xn--bcher-kva.test", "A")->status, SF_DNS_OK);
	for (i = 0; i < d.ncandidates; i++)
		if (strcmp(d.candidates[i].host, "mail.xn--bcher-kva.test") == 0 &&
			d.candidates[i].addrs.count == 1)
			found = strcmp(d.candidates[i].addrs.addrs[0].text, "127.0.0.10") == 0;
	ck_assert(found);
	/* A host name typed in capitals maps to the same name. */
	discover("B\xc3\x9c"
		 "CHER.test",
		2000, &d);
	stop_dns();
	ck_assert_str_eq(d.domain, "xn--bcher-kva.test");
	ck_assert_str_eq(d.candidates[0].host, "xn--bcher-kva.test");
	ck_assert_str_eq(d.candidates[0].addrs.addrs[0].text, "127.0.0.9");
}
END_TEST

/* Two names that are aliases of each other: named as a CNAME loop, not as
 * "no A records". */
START_TEST(cname_loop_is_named)
{
	static struct sf_discovery d;
	const struct sf_dns_lookup *a;

	start_fake_dns(FAKE_CNAME_LOOP);
	discover("loop.test", 2000, &d);
	stop_dns();
	a = find(&d, "loop.test", "A");
	ck_assert_msg(a->status != SF_DNS_NODATA && a->status != SF_DNS_OK, "status %s",
		sf_dns_status_id(a->status));
	ck_assert_msg(strstr(a->detail, "CNAME loop") != NULL, "detail: %s", a->detail);
	ck_assert_msg(strstr(a->detail, "x.loop.test") != NULL, "detail: %s", a->detail);
	ck_assert_msg(strstr(find(&d, "smtp.loop.test", "AAAA")->detail, "CNAME loop") != NULL,
		"AAAA: %s", find(&d, "smtp.loop.test", "AAAA")->detail);
	ck_assert_uint_eq(d.candidates[0].addrs.count, 0);
}
END_TEST

START_TEST(bad_input_is_refused)
{
	static struct sf_discovery d;
	struct sf_dns_options o = { NULL, 1000, NULL, false };
	struct sf_error err;

	ck_assert_int_eq(sf_discover("not a domain", &o, &d, &err), -1);
	ck_assert_int_eq(err.code, SF_E_USAGE);
	ck_assert_int_eq(sf_discover("user@", &o, &d, &err), -1);
	/* Not an international name either: a space, a bidi control. */
	ck_assert_int_eq(sf_discover("user@b\xc3\xbc cher.test", &o, &d, &err), -1);
	ck_assert_int_eq(sf_discover("b\xc3\xbc\xe2\x80\xae"
				     "cher.test",
				 &o, &d, &err),
		-1);
	o.server = "nonsense server";
	ck_assert_int_eq(sf_discover("example.test", &o, &d, &err), -1);
	/* --dns-server as the options take it. */
	ck_assert(sf_dns_server_valid("192.0.2.53"));
	ck_assert(sf_dns_server_valid("127.0.0.1:5353"));
	ck_assert(sf_dns_server_valid("::1"));
	ck_assert(sf_dns_server_valid("[2001:db8::53]:53"));
	ck_assert(!sf_dns_server_valid(""));
	ck_assert(!sf_dns_server_valid("ns1.example.test"));
	ck_assert(!sf_dns_server_valid("127.0.0.1:0"));
	ck_assert(!sf_dns_server_valid("127.0.0.1:70000"));
	ck_assert(!sf_dns_server_valid("127.0.0.1:53x"));
	ck_assert(!sf_dns_server_valid("[::1]x"));
	ck_assert(!sf_dns_server_valid("\x1b[31m"));
}
END_TEST

Suite *
dns_suite(void)
{
	Suite *s = suite_create("dns");
	TCase *tc = tcase_create("discovery");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, email_address_finds_srv_mx_and_hosting_names);
	tcase_add_test(tc, missing_names_and_records_are_named);
	tcase_add_test(tc, servfail_is_named);
	tcase_add_test(tc, silent_server_ends_within_the_timeout);
	tcase_add_test(tc, bad_input_is_refused);
	tcase_add_test(tc, targets_that_are_not_host_names_are_refused);
	tcase_add_test(tc, international_names_are_looked_up_as_a_labels);
	tcase_add_test(tc, cname_loop_is_named);
	suite_add_tcase(s, tc);
	return s;
}
