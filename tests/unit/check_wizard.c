/* The wizard's flow as event lists: no terminal, no network. */
#include <stdio.h>
#include <string.h>

#include "smtpfix/wizard.h"
#include "unit/suites.h"

static struct sf_wizard w;

static enum sf_wiz_effect
send(enum sf_wiz_event_kind kind, size_t index, const char *text, bool ok)
{
	struct sf_wiz_event ev = { kind, index, text, ok };

	return sf_wiz_handle(&w, &ev);
}

#define CHOOSE(i) send(SF_WIZ_EV_CHOOSE, (i), NULL, false)
#define TEXT(t) send(SF_WIZ_EV_TEXT, 0, (t), false)
#define ENTER() send(SF_WIZ_EV_DEFAULT, 0, NULL, false)

START_TEST(founding_case_with_login_retest_and_save)
{
	sf_wiz_init(&w, NULL);
	ck_assert_int_eq(w.step, SF_WIZ_ROLE);
	ck_assert_int_eq(ENTER(), SF_WIZ_FX_NONE);
	ck_assert_int_eq(w.step, SF_WIZ_PROBLEM);
	ENTER();
	ck_assert_int_eq(w.step, SF_WIZ_CLIENT);
	CHOOSE(4); /* Thunderbird */
	ck_assert_str_eq(sf_wiz_client_id(&w), "thunderbird");
	ck_assert_int_eq(w.step, SF_WIZ_SERVER);
	ENTER(); /* no default server: asked again */
	ck_assert_int_eq(w.step, SF_WIZ_SERVER);
	TEXT("ann@example.com");
	ck_assert_int_eq(w.step, SF_WIZ_CURRENT);
	{
		int port = 0, security = -1;

		ck_assert(!sf_wiz_current_setting(&w, &port, &security)); /* not known yet */
		CHOOSE(1);                                                /* 587, None */
		ck_assert(sf_wiz_current_setting(&w, &port, &security));
		ck_assert_int_eq(port, 587);
		ck_assert_int_eq(security, 0);
	}
	ck_assert_int_eq(w.step, SF_WIZ_LOGIN_ASK);
	CHOOSE(1);
	ck_assert_int_eq(w.step, SF_WIZ_LOGIN_USER);
	ck_assert_str_eq(w.user, "ann@example.com"); /* taken from the address */
	ENTER();
	ck_assert_int_eq(w.step, SF_WIZ_LOGIN_PASSWORD);
	ck_assert_int_eq(TEXT(""), SF_WIZ_FX_START_PROBE);
	ck_assert(w.login);
	ck_assert_int_eq(w.step, SF_WIZ_PROBING);
	send(SF_WIZ_EV_PROBE_DONE, 0, NULL, false);
	ck_assert_int_eq(w.step, SF_WIZ_RESULT);
	ENTER();
	ck_assert_int_eq(w.step, SF_WIZ_FIX);
	w.fix_steps = 3;
	ENTER();
	ck_assert_uint_eq(w.fix_step, 1);
	send(SF_WIZ_EV_BACK, 0, NULL, false);
	ck_assert_uint_eq(w.fix_step, 0);                   /* back moves through the steps first */
	ck_assert_int_eq(CHOOSE(1), SF_WIZ_FX_START_PROBE); /* changed it: test again */
	send(SF_WIZ_EV_PROBE_DONE, 0, NULL, true);
	ck_assert_int_eq(w.step, SF_WIZ_RETEST);
	ck_assert(w.fixed_now);
	{
		struct sf_wiz_question q;

		/* The server cannot see the program: the program is asked. */
		sf_wiz_question(&w, &q);
		ck_assert_ptr_nonnull(strstr(q.prompt, "Did it work?"));
		ck_assert_ptr_null(strstr(q.title, "fixed"));
	}
	/* It still fails: its new message joins the answer. */
	CHOOSE(1);
	ck_assert_int_eq(w.step, SF_WIZ_REPASTE);
	ck_assert_int_eq(TEXT("535 Incorrect authentication data"), SF_WIZ_FX_EXPLAIN_AGAIN);
	ck_assert_int_eq(w.step, SF_WIZ_RESULT);
	ck_assert_str_eq(w.paste, "535 Incorrect authentication data");
	ENTER();
	ck_assert_int_eq(CHOOSE(1), SF_WIZ_FX_START_PROBE);
	send(SF_WIZ_EV_PROBE_DONE, 0, NULL, true);
	ENTER(); /* it worked */
	ck_assert_int_eq(w.step, SF_WIZ_SAVE);
	ck_assert_int_eq(ENTER(), SF_WIZ_FX_SAVE_REPORT);
	ck_assert_int_eq(w.step, SF_WIZ_SAVED); /* where it went, before closing */
	/* A setup file next to the report, once; then only closing. */
	ck_assert_int_eq(CHOOSE(1), SF_WIZ_FX_SAVE_SETUP);
	ck_assert_int_eq(w.step, SF_WIZ_SAVED);
	{
		struct sf_wiz_question q;

		sf_wiz_question(&w, &q);
		ck_assert_uint_eq(q.nchoices, 1);
	}
	ck_assert_int_eq(CHOOSE(1), SF_WIZ_FX_NONE); /* no longer a choice: asked again */
	ck_assert_int_eq(ENTER(), SF_WIZ_FX_QUIT);
	ck_assert_int_eq(w.step, SF_WIZ_DONE);
}
END_TEST

/* A pasted message that names its port offers that setting as the
 * answer to "How is it set now?"; a number that is not a port does not. */
START_TEST(a_port_in_the_message_is_offered)
{
	static const struct {
		const char *text;
		int port;
	} cases[] = {
		{ "550 SMTP AUTH is required for message submission on port 587", 587 },
		{ "Connection to smtp.example.com:465 timed out", 465 },
		{ "The server (25) refused", 25 },
		{ "Port: 25, Secure(SSL): No", 25 },
		{ "mail.example.com port 2525", 2525 },
		{ "550 5.7.1 rejected after 25 seconds", 0 },
		{ "error 15870 while sending", 0 },
		{ "port 587 refused, then port 465 timed out", 0 },
		{ "no number here", 0 },
	};
	struct sf_wiz_question q;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ck_assert_msg(
			sf_wiz_port_in_text(cases[i].text) == cases[i].port, "%s", cases[i].text);
	sf_wiz_init(&w, NULL);
	sf_wiz_suggest_current(&w, 587, 0);
	w.step = SF_WIZ_CURRENT;
	sf_wiz_question(&w, &q);
	ck_assert_str_eq(q.choices[q.default_choice], "Port 587, security None");
	ck_assert_ptr_nonnull(strstr(q.prompt, "message you pasted"));
	sf_wiz_suggest_current(&w, 110, 0); /* not one of the choices: kept */
	sf_wiz_question(&w, &q);
	ck_assert_str_eq(q.choices[q.default_choice], "Port 587, security None");
}
END_TEST

START_TEST(pasted_error_is_explained_at_once)
{
	sf_wiz_init(&w, NULL);
	ENTER();
	CHOOSE(2);
	ck_assert_int_eq(w.step, SF_WIZ_PASTE);
	ck_assert_int_eq(TEXT("550 SMTP AUTH is required for message submission on port 587"),
		SF_WIZ_FX_EXPLAIN);
	ck_assert_int_eq(w.step, SF_WIZ_CLIENT);
	ck_assert_ptr_nonnull(strstr(w.paste, "SMTP AUTH"));
}
END_TEST

START_TEST(prefill_skips_questions_and_back_returns)
{
	struct sf_wiz_prefill pre = { "tech", "outlook-classic", "mail.example.com", NULL,
		"465:tls", false, false };

	sf_wiz_init(&w, &pre);
	ck_assert_int_eq(w.step, SF_WIZ_PROBLEM);
	ENTER();
	ck_assert_int_eq(w.step, SF_WIZ_SERVER); /* the client was given */
	{
		struct sf_wiz_question q;

		sf_wiz_question(&w, &q);
		ck_assert(q.free_text);
		ck_assert_ptr_nonnull(q.current); /* Enter keeps the given server */
		ck_assert_str_eq(q.current, "mail.example.com");
	}
	ENTER();                                    /* the server was given */
	ck_assert_int_eq(w.step, SF_WIZ_LOGIN_ASK); /* the setting now was given */
	send(SF_WIZ_EV_BACK, 0, NULL, false);
	ck_assert_int_eq(w.step, SF_WIZ_SERVER);
	send(SF_WIZ_EV_BACK, 0, NULL, false);
	ck_assert_int_eq(w.step, SF_WIZ_PROBLEM);
	ck_assert_uint_eq(w.role, 2);
}
END_TEST

START_TEST(cancel_during_probe_and_quit)
{
	struct sf_wiz_prefill pre = { NULL, NULL, "mail.example.com", NULL, "no:such", true,
		false };

	sf_wiz_init(&w, &pre);
	ck_assert_uint_eq(w.role, 1); /* on a mail server: admin by default */
	ck_assert_uint_eq(sf_wiz_current_parse("2525:none"), 9);
	ENTER();
	ENTER();
	ENTER();
	ENTER();
	ck_assert_int_eq(w.step, SF_WIZ_CURRENT); /* a setting that is not one of them is asked */
	ENTER();
	ck_assert_int_eq(w.step, SF_WIZ_LOGIN_ASK);
	ck_assert_int_eq(ENTER(), SF_WIZ_FX_START_PROBE);
	ck_assert_int_eq(send(SF_WIZ_EV_BACK, 0, NULL, false), SF_WIZ_FX_NONE);
	ck_assert_int_eq(w.step, SF_WIZ_PROBING);
	ck_assert_int_eq(send(SF_WIZ_EV_CANCEL, 0, NULL, false), SF_WIZ_FX_CANCEL_PROBE);
	ck_assert_int_eq(w.step, SF_WIZ_LOGIN_ASK);
	ck_assert_int_eq(CHOOSE(7), SF_WIZ_FX_NONE); /* not a choice: asked again */
	ck_assert_int_eq(w.step, SF_WIZ_LOGIN_ASK);
	ck_assert_int_eq(send(SF_WIZ_EV_CANCEL, 0, NULL, false), SF_WIZ_FX_QUIT);
	ck_assert_int_eq(w.step, SF_WIZ_DONE);
}
END_TEST

/* On the mail server, the admin and support roles watch the person's
 * attempt after the probe; the person's role never does. Nothing arrives
 * and a block is found: lifted only on a yes. After a re-test the server
 * can be watched again. */
START_TEST(watch_the_server_and_lift_a_block)
{
	struct sf_wiz_prefill pre = { "tech", "thunderbird", "ann@example.com", NULL, "587:none",
		false, true };
	struct sf_wiz_question q;

	sf_wiz_init(&w, &pre);
	ck_assert(w.can_watch);
	ENTER(); /* what happens */
	ENTER(); /* the address, as given */
	ENTER(); /* no login test */
	ck_assert_int_eq(w.step, SF_WIZ_PROBING);
	send(SF_WIZ_EV_PROBE_DONE, 0, NULL, false);
	ck_assert_int_eq(w.step, SF_WIZ_WATCH_ASK);
	ck_assert_int_eq(ENTER(), SF_WIZ_FX_START_WATCH);
	ck_assert_int_eq(w.step, SF_WIZ_WATCHING);
	/* Keys during the watch do nothing but Esc. */
	ck_assert_int_eq(ENTER(), SF_WIZ_FX_NONE);
	ck_assert_int_eq(w.step, SF_WIZ_WATCHING);
	/* Nothing arrived, and the address is blocked: asked, "no" first. */
	w.ban_found = true;
	snprintf(w.ban_text, sizeof w.ban_text, "%s", "203.0.113.9 is blocked by fail2ban");
	send(SF_WIZ_EV_WATCH_DONE, 0, NULL, false);
	ck_assert_int_eq(w.step, SF_WIZ_UNBAN);
	sf_wiz_question(&w, &q);
	ck_assert_uint_eq(q.default_choice, 1);
	ck_assert_ptr_nonnull(strstr(q.prompt, "fail2ban"));
	ck_assert_int_eq(CHOOSE(0), SF_WIZ_FX_UNBAN);
	ck_assert_int_eq(w.step, SF_WIZ_RESULT);
	/* The fix, a re-test the server passes, then watching again. */
	ENTER();
	w.fix_steps = 1;
	ck_assert_int_eq(ENTER(), SF_WIZ_FX_START_PROBE);
	send(SF_WIZ_EV_PROBE_DONE, 0, NULL, true);
	ck_assert_int_eq(w.step, SF_WIZ_RETEST);
	sf_wiz_question(&w, &q);
	ck_assert_uint_eq(q.nchoices, 4);
	ck_assert_int_eq(CHOOSE(3), SF_WIZ_FX_START_WATCH);
	ck_assert_int_eq(w.step, SF_WIZ_WATCHING);
	send(SF_WIZ_EV_WATCH_DONE, 0, NULL, true);
	ck_assert(w.watched);
	ck_assert_int_eq(w.step, SF_WIZ_RESULT);
	/* Esc while watching: the answer so far, not the end. */
	w.step = SF_WIZ_WATCHING;
	ck_assert_int_eq(send(SF_WIZ_EV_CANCEL, 0, NULL, false), SF_WIZ_FX_NONE);
	ck_assert_int_eq(w.step, SF_WIZ_RESULT);

	/* The person's own role, or no logs to read: no watch. */
	pre.role = "user";
	sf_wiz_init(&w, &pre);
	ENTER();
	ENTER();
	ENTER();
	send(SF_WIZ_EV_PROBE_DONE, 0, NULL, false);
	ck_assert_int_eq(w.step, SF_WIZ_RESULT);
	pre.role = "admin";
	pre.can_watch = false;
	sf_wiz_init(&w, &pre);
	ENTER();
	ENTER();
	ENTER();
	send(SF_WIZ_EV_PROBE_DONE, 0, NULL, false);
	ck_assert_int_eq(w.step, SF_WIZ_RESULT);
}
END_TEST

Suite *
wizard_suite(void)
{
	Suite *s = suite_create("wizard");
	TCase *tc = tcase_create("flow");

	tcase_add_test(tc, founding_case_with_login_retest_and_save);
	tcase_add_test(tc, pasted_error_is_explained_at_once);
	tcase_add_test(tc, a_port_in_the_message_is_offered);
	tcase_add_test(tc, prefill_skips_questions_and_back_returns);
	tcase_add_test(tc, cancel_during_probe_and_quit);
	tcase_add_test(tc, watch_the_server_and_lift_a_block);
	suite_add_tcase(s, tc);
	return s;
}
