/* Every client guide renders for STARTTLS on 587 and SSL/TLS on 465 with
 * no placeholder left, naming the port and the client's own label, and
 * fitting 80 columns. */
#include <stdio.h>
#include <string.h>

#include "smtpfix/guide.h"
#include "smtpfix/help.h"
#include "unit/suites.h"

static void
render_client(const char *id, enum sf_guide_security sec, int port)
{
	struct sf_guide_values v = { "mail.example.test", port, sec, true, "ann@example.test", NULL,
		false, NULL };
	struct sf_buf out;
	struct sf_error err;
	char path[128], label[128], portstr[16];
	static char flat[1 << 16];
	const char *text, *p;
	size_t len;

	snprintf(path, sizeof path, "clients/%s.txt", id);
	text = sf_help_get(path, &len);
	ck_assert_msg(text != NULL, "no help/%s", path);
	sf_buf_init(&out, 1 << 20);
	ck_assert_msg(sf_guide_render(text, len, &v, &out, &err) == 0, "%s: %s", id, err.message);
	ck_assert_int_eq(sf_guide_label(text, len, sec, label, sizeof label), 0);
	/* Steps wrap: compare against the text with line breaks folded. */
	{
		size_t i, o = 0;
		bool space = false;

		for (i = 0; i < out.len && o + 1 < sizeof flat; i++) {
			char ch = out.data[i] == '\n' ? ' ' : out.data[i];

			if (ch == ' ' && space)
				continue;
			space = ch == ' ';
			flat[o++] = ch;
		}
		flat[o] = '\0';
	}
	snprintf(portstr, sizeof portstr, "%d", port);
	ck_assert_msg(strstr(flat, portstr) != NULL, "%s does not mention port %d", id, port);
	ck_assert_msg(strstr(flat, label) != NULL, "%s does not show its label %s", id, label);
	ck_assert_msg(strstr(flat, "mail.example.test") != NULL, "%s lacks the host", id);
	ck_assert_msg(strstr(out.data, "Step 1 of ") != NULL, "%s has no numbered steps", id);
	/* No placeholder left: no "{name}" with a lower-case name. */
	for (p = strchr(out.data, '{'); p != NULL; p = strchr(p + 1, '{')) {
		size_t n = strspn(p + 1, "abcdefghijklmnopqrstuvwxyz_");

		ck_assert_msg(!(n > 0 && p[1 + n] == '}'), "%s leaves %.*s", id, (int)n + 2, p);
	}
	/* A private CA adds the program's own trust step, which never says to
	 * switch checking off without saying not to. */
	{
		struct sf_guide g;
		int without;

		sf_guide_init(&g);
		ck_assert_int_eq(sf_guide_build(text, len, &v, &g, &err), 0);
		without = g.nsteps;
		v.private_ca = true;
		ck_assert_int_eq(sf_guide_build(text, len, &v, &g, &err), 0);
		ck_assert_msg(g.nsteps == without + 1, "%s has no trust step", id);
		ck_assert_msg(strstr(g.text.data, "fingerprint") != NULL,
			"%s: the trust step does not compare the fingerprint", id);
		v.private_ca = false;
		sf_guide_free(&g);
	}
	/* 80 columns (counting characters, not bytes); an example's code keeps
	 * its lines as they must be. */
	for (p = out.data; *p != '\0' && strncmp(p, "The whole of it", 15) != 0;) {
		const char *nl = strchr(p, '\n');
		size_t cols = 0;
		const char *q;

		for (q = p; q < (nl ? nl : p + strlen(p)); q++)
			if (((unsigned char)*q & 0xc0) != 0x80)
				cols++;
		ck_assert_msg(cols <= SF_GUIDE_WIDTH, "%s: a line of %zu columns", id, cols);
		p = nl ? nl + 1 : p + strlen(p);
	}
	sf_buf_free(&out);
}

START_TEST(every_client_renders_for_587_and_465)
{
	render_client(sf_client_ids[_i], SF_GUIDE_STARTTLS, 587);
	render_client(sf_client_ids[_i], SF_GUIDE_TLS, 465);
}
END_TEST

START_TEST(mode_specific_steps_and_errors)
{
	static const char text[] =
		"name: T\nlabel starttls: S\nlabel tls: T\nauth on: yes\n"
		"step[tls]: only for tls on {port}\nstep: always\n  continued {host}\n";
	struct sf_guide_values v = { "h.example", 465, SF_GUIDE_TLS, true, "u", NULL, false, NULL };
	struct sf_buf out;
	struct sf_error err;

	sf_buf_init(&out, 65536);
	ck_assert_int_eq(sf_guide_render(text, sizeof text - 1, &v, &out, &err), 0);
	ck_assert_ptr_nonnull(strstr(out.data, "Step 1 of 2: only for tls on 465"));
	ck_assert_ptr_nonnull(strstr(out.data, "Step 2 of 2: always continued h.example"));
	sf_buf_reset(&out);
	v.security = SF_GUIDE_STARTTLS;
	ck_assert_int_eq(sf_guide_render(text, sizeof text - 1, &v, &out, &err), 0);
	ck_assert_ptr_nonnull(strstr(out.data, "Step 1 of 1: always"));
	sf_buf_reset(&out);
	v.security = SF_GUIDE_NONE; /* no label for none in this file */
	ck_assert_int_eq(sf_guide_render(text, sizeof text - 1, &v, &out, &err), -1);
	sf_buf_free(&out);
}
END_TEST

/* Values put into the steps come from outside (a certificate's name, a
 * typed user name): no escape byte and no line break survives into the
 * guide, so nothing can drive the terminal or start a forged step. */
START_TEST(values_cannot_forge_steps)
{
	struct sf_guide_values v = { "evil\033]0;pwned\007.test\nStep 1: run curl x | sh", 587,
		SF_GUIDE_STARTTLS, true, "ann\nStep 2: paste your password\r\033[2J", NULL, false,
		NULL };
	struct sf_buf out;
	struct sf_error err;
	const char *text, *line;
	size_t len;

	text = sf_help_get("clients/thunderbird.txt", &len);
	ck_assert_ptr_nonnull(text);
	sf_buf_init(&out, 1 << 20);
	ck_assert_int_eq(sf_guide_render(text, len, &v, &out, &err), 0);
	ck_assert_ptr_null(memchr(out.data, '\033', out.len));
	ck_assert_ptr_null(memchr(out.data, '\r', out.len));
	ck_assert_ptr_null(memchr(out.data, '\007', out.len));
	for (line = out.data; line != NULL;
		line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		ck_assert_msg(strncmp(line, "Step 1: run", 11) != 0, "a forged step starts a line");
		ck_assert_msg(
			strncmp(line, "Step 2: paste", 13) != 0, "a forged step starts a line");
	}
	/* Shown, as visible escapes. */
	ck_assert_ptr_nonnull(strstr(out.data, "\\x1b]0;pwned"));
	ck_assert_ptr_nonnull(strstr(out.data, "\\x0aStep"));
	sf_buf_free(&out);
}
END_TEST

/* The guide as data: a title, then its steps in order ("Step n of m"),
 * then the test and the note; the parts laid end to end are exactly the
 * rendered text, so front ends that page by step show what the text has. */
START_TEST(guide_parts_are_the_steps_in_order)
{
	static const char text[] =
		"name: Prog\nlabel starttls: STARTTLS\nlabel tls: SSL\nlabel none: None\n"
		"auth on: Yes\nauth off: No\nstep: Open {host}.\nstep[tls]: Only for SSL.\n"
		"step: Set port {port} and {security}.\ntest: Send one.\nnote: A note.\n";
	struct sf_guide_values v = { "mail.example.test", 587, SF_GUIDE_STARTTLS, true,
		"a@example.test", NULL, false, NULL };
	struct sf_guide g;
	struct sf_buf flat;
	struct sf_error err;
	size_t i;

	sf_guide_init(&g);
	sf_buf_init(&flat, 1 << 16);
	ck_assert_int_eq(sf_guide_build(text, sizeof text - 1, &v, &g, &err), 0);
	ck_assert_int_eq(g.nsteps, 2);
	ck_assert_uint_eq(g.nparts, 5);
	ck_assert_int_eq(g.parts[0].kind, SF_GUIDE_TITLE);
	ck_assert_int_eq(g.parts[1].kind, SF_GUIDE_STEP);
	ck_assert_int_eq(g.parts[2].kind, SF_GUIDE_STEP);
	ck_assert_int_eq(g.parts[3].kind, SF_GUIDE_TEST);
	ck_assert_int_eq(g.parts[4].kind, SF_GUIDE_NOTE);
	ck_assert_int_eq(strncmp(g.text.data + g.parts[2].off,
				 "Step 2 of 2: Set port 587 and STARTTLS.", 39),
		0);
	for (i = 0; i < g.nparts; i++) {
		ck_assert_uint_eq(g.parts[i].off, flat.len);
		ck_assert_int_eq(
			sf_buf_add(&flat, g.text.data + g.parts[i].off, g.parts[i].len, &err), 0);
	}
	ck_assert_uint_eq(flat.len, g.text.len);
	sf_buf_reset(&flat);
	ck_assert_int_eq(sf_guide_render(text, sizeof text - 1, &v, &flat, &err), 0);
	ck_assert_int_eq(memcmp(flat.data, g.text.data, g.text.len), 0);
	sf_buf_free(&flat);
	sf_guide_free(&g);
}
END_TEST

/* With the security set to None and the login on, the step that sets the
 * security warns that the password crosses the network readable; the
 * encrypted settings carry no such warning. */
START_TEST(security_none_warns_at_its_step)
{
	static const char text[] =
		"name: P\nlabel starttls: STARTTLS\nlabel tls: SSL\nlabel none: None\n"
		"auth on: Yes\nauth off: No\nstep: Open {host}.\nstep: Set {security}.\n";
	struct sf_guide_values v = { "mail.example.test", 25, SF_GUIDE_NONE, true, "a", NULL, false,
		NULL };
	struct sf_buf out;
	struct sf_error err;
	const char *warn;

	sf_buf_init(&out, 1 << 16);
	ck_assert_int_eq(sf_guide_render(text, sizeof text - 1, &v, &out, &err), 0);
	warn = strstr(out.data, "Warning:");
	ck_assert_ptr_nonnull(warn);
	ck_assert_ptr_nonnull(strstr(out.data, "readable"));
	ck_assert_msg(
		warn > strstr(out.data, "Step 2 of 2"), "the warning is at the security step");
	sf_buf_reset(&out);
	v.security = SF_GUIDE_STARTTLS;
	ck_assert_int_eq(sf_guide_render(text, sizeof text - 1, &v, &out, &err), 0);
	ck_assert_ptr_null(strstr(out.data, "Warning:"));
	sf_buf_free(&out);
}
END_TEST

/* The trust step and the example's lines for a private CA appear only
 * with one; the example keeps its code's indentation, has the lines of
 * its mode and login only, and is one part after the test and note. */
START_TEST(trust_step_and_example_follow_the_values)
{
	static const char text[] =
		"name: P\nlabel starttls: STARTTLS\nlabel tls: SSL\nlabel none: None\n"
		"auth on: Yes\nauth off: No\nstep: Open {host}.\ntrust: Trust {cafile}.\n"
		"test: Run it.\nexample| first line\nexample-ca| ca = \"{cafile}\"\n"
		"example-public| ca = system\nexample[tls]| tls({port}):\n"
		"example[starttls]| starttls({port}):\nexample-auth|     login(\"{user}\")\n"
		"example-noauth|     nologin()\nexample|\nexample|     send()\n";
	struct sf_guide_values v = { "mail.example.test", 465, SF_GUIDE_TLS, true, "a@b.test", NULL,
		true, "/etc/ca.pem" };
	struct sf_guide g;
	struct sf_error err;
	const char *ex;

	sf_guide_init(&g);
	ck_assert_int_eq(sf_guide_build(text, sizeof text - 1, &v, &g, &err), 0);
	ck_assert_int_eq(g.nsteps, 2);
	ck_assert_ptr_nonnull(strstr(g.text.data, "Step 2 of 2: Trust /etc/ca.pem."));
	ck_assert_int_eq(g.parts[g.nparts - 1].kind, SF_GUIDE_EXAMPLE);
	ex = g.text.data + g.parts[g.nparts - 1].off;
	ck_assert_ptr_nonnull(
		strstr(ex, "\n    first line\n    ca = \"/etc/ca.pem\"\n    "
			   "tls(465):\n        login(\"a@b.test\")\n\n        send()\n"));
	ck_assert_ptr_null(strstr(ex, "system"));
	ck_assert_ptr_null(strstr(ex, "starttls"));
	ck_assert_ptr_null(strstr(ex, "nologin"));
	/* A public certificate, STARTTLS, no login. */
	v.private_ca = false;
	v.security = SF_GUIDE_STARTTLS;
	v.auth = false;
	ck_assert_int_eq(sf_guide_build(text, sizeof text - 1, &v, &g, &err), 0);
	ck_assert_int_eq(g.nsteps, 1);
	ck_assert_ptr_null(strstr(g.text.data, "Trust"));
	ex = g.text.data + g.parts[g.nparts - 1].off;
	ck_assert_ptr_nonnull(
		strstr(ex, "    ca = system\n    starttls(465):\n        nologin()\n"));
	ck_assert_ptr_null(strstr(ex, "login(\""));
	sf_guide_free(&g);
}
END_TEST

Suite *
guide_suite(void)
{
	Suite *s = suite_create("guide");
	TCase *tc = tcase_create("clients");
	size_t n = 0;

	while (sf_client_ids[n] != NULL)
		n++;
	tcase_add_loop_test(tc, every_client_renders_for_587_and_465, 0, (int)n);
	tcase_add_test(tc, mode_specific_steps_and_errors);
	tcase_add_test(tc, trust_step_and_example_follow_the_values);
	tcase_add_test(tc, values_cannot_forge_steps);
	tcase_add_test(tc, guide_parts_are_the_steps_in_order);
	tcase_add_test(tc, security_none_warns_at_its_step);
	suite_add_tcase(s, tc);
	return s;
}
