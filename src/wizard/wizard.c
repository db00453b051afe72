#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "smtpfix/guide.h"
#include "smtpfix/wizard.h"

const char *const sf_wiz_roles[] = { "My mail does not send (I use the mail program)",
	"I run the mail server (admin)", "I help someone else (support)", NULL };
static const char *const role_ids[] = { "user", "admin", "tech" };

const char *const sf_wiz_problems[] = { "Mail cannot be sent at all", "Some messages fail",
	"I have an error message to paste", "Just check my server", NULL };

static const char *const client_names[] = { "Outlook (classic, Windows)", "new Outlook (Windows)",
	"Outlook for Mac", "Windows Mail", "Thunderbird", "Apple Mail (Mac)", "iPhone / iPad Mail",
	"Gmail app (Android)", "Samsung Email", "eM Client", "PHPMailer (PHP script)",
	"WP Mail SMTP (WordPress)", "Python smtplib", "Nodemailer (Node.js)", "msmtp",
	"Postfix (relay)", "a website or script / don't know", NULL };

const char *
sf_wiz_client_id(const struct sf_wizard *w)
{
	return sf_client_ids[w->client];
}

static const char *const login_choices[] = { "No, just look at the server",
	"Yes, test my user name and password", NULL };
static const char *const result_choices[] = { "Show me how to fix it", "Quit", NULL };
static const char *const fix_choices[] = { "Next step", "I changed the settings: test again",
	"Done", NULL };
static const char *const retest_choices[] = { "Save a report", "Back to the steps",
	"Quit without saving", NULL };
/* After a re-test the server takes: only the program can say it works. */
static const char *const tried_choices[] = { "Yes, it worked",
	"No, it still fails: explain its new message", "Back to the steps", NULL };
static const char *const save_choices[] = { "Yes, save it", "No", NULL };
static const char *const watch_choices[] = { "Yes: they send a message now, smtpfix watches",
	"No, show the answer", NULL };
static const char *const unban_choices[] = { "Yes, lift it now", "No, leave it", NULL };
/* After a re-test, on the mail server: the server can see the next try. */
static const char *const tried_watch_choices[] = { "Yes, it worked",
	"No, it still fails: explain its new message", "Back to the steps",
	"Watch the server while they send again", NULL };
static const char *const saved_choices[] = { "Close smtpfix",
	"Save a setup file for this person (their program reads it)", NULL };
static const char *const setup_saved_choices[] = { "Close smtpfix", NULL };

/* The settings people actually have, the common mistakes included. */
static const struct {
	int port, security; /* security: 0 none, 1 STARTTLS, 2 SSL/TLS */
	const char *id;
} current_settings[] = {
	{ 0, 0, NULL },
	{ 587, 0, "587:none" },
	{ 587, 1, "587:starttls" },
	{ 465, 2, "465:tls" },
	{ 25, 0, "25:none" },
	{ 25, 1, "25:starttls" },
	{ 465, 1, "465:starttls" },
	{ 587, 2, "587:tls" },
	{ 2525, 1, "2525:starttls" },
	{ 2525, 0, "2525:none" },
};
static const char *const current_choices[] = { "I don't know (skip)", "Port 587, security None",
	"Port 587, security STARTTLS", "Port 465, security SSL/TLS", "Port 25, security None",
	"Port 25, security STARTTLS", "Port 465, security STARTTLS", "Port 587, security SSL/TLS",
	"Port 2525, security STARTTLS", "Port 2525, security None", NULL };

bool
sf_wiz_current_setting(const struct sf_wizard *w, int *port, int *security)
{
	if (w->current == 0 || w->current >= sizeof current_settings / sizeof current_settings[0])
		return false;
	*port = current_settings[w->current].port;
	*security = current_settings[w->current].security;
	return true;
}

size_t
sf_wiz_current_parse(const char *text)
{
	size_t i;

	for (i = 1; text != NULL && i < sizeof current_settings / sizeof current_settings[0]; i++)
		if (strcmp(text, current_settings[i].id) == 0)
			return i;
	return 0;
}

/* A port number standing alone in text: not part of a longer number. */
static bool
number_at(const char *text, size_t i, const char *num)
{
	size_t n = strlen(num);

	return strncmp(text + i, num, n) == 0 && (i == 0 || !isdigit((unsigned char)text[i - 1])) &&
	       !isdigit((unsigned char)text[i + n]);
}

int
sf_wiz_port_in_text(const char *text)
{
	static const char *const ports[] = { "2525", "587", "465", "25" };
	static const int values[] = { 2525, 587, 465, 25 };
	int found = 0;
	size_t i, k;

	for (i = 0; text != NULL && text[i] != '\0'; i++)
		for (k = 0; k < sizeof ports / sizeof ports[0]; k++) {
			size_t back = i;

			if (!number_at(text, i, ports[k]))
				continue;
			/* Named as a port: "port 25", "port: 25", ":25", "(25)". A
			 * bare 587, 465 or 2525 is a port too; a bare 25 may be
			 * anything. */
			while (back > 0 && (text[back - 1] == ' ' || text[back - 1] == '='))
				back--;
			if (values[k] == 25 &&
				!(back > 0 && (text[back - 1] == ':' || text[back - 1] == '(')) &&
				!(back >= 4 && strncasecmp(text + back - 4, "port", 4) == 0) &&
				!(back >= 5 && strncasecmp(text + back - 5, "port:", 5) == 0))
				continue;
			if (found != 0 && found != values[k])
				return 0; /* two ports: the message does not say which */
			found = values[k];
		}
	return found;
}

void
sf_wiz_suggest_current(struct sf_wizard *w, int port, int security)
{
	size_t i;

	if (w->current_set)
		return;
	for (i = 1; i < sizeof current_settings / sizeof current_settings[0]; i++)
		if (current_settings[i].port == port && current_settings[i].security == security) {
			w->current_suggested = i;
			return;
		}
}

static bool watching_allowed(const struct sf_wizard *w);

/* Fills a question's choices from a NULL-terminated list, capped at the maximum. */
static void
set_choices(struct sf_wiz_question *q, const char *const *list)
{
	for (q->nchoices = 0; list[q->nchoices] != NULL && q->nchoices < SF_WIZ_MAX_CHOICES;
		q->nchoices++)
		q->choices[q->nchoices] = list[q->nchoices];
}

/* Forward to the next question, remembering the way back (Esc). Going
 * back, ending, and the steps after a probe (no way back into it) set
 * the step directly. */
static void
go(struct sf_wizard *w, enum sf_wiz_step next)
{
	if (w->depth < SF_WIZ_HISTORY)
		w->history[w->depth++] = w->step;
	w->step = next;
}

void
sf_wiz_init(struct sf_wizard *w, const struct sf_wiz_prefill *pre)
{
	size_t i;

	memset(w, 0, sizeof *w);
	if (!sf_client_find("generic", &i))
		i = 0;
	w->client = i; /* until the person names their program */
	w->on_mail_server = pre != NULL && pre->on_mail_server;
	w->can_watch = pre != NULL && pre->can_watch;
	w->role = w->on_mail_server ? 1 : 0;
	w->step = SF_WIZ_ROLE;
	if (pre == NULL)
		return;
	for (i = 0; pre->role != NULL && i < 3; i++)
		if (strcmp(pre->role, role_ids[i]) == 0) {
			w->role = i;
			w->role_set = true;
		}
	if (sf_client_find(pre->client, &i)) {
		w->client = i;
		w->client_set = true;
	}
	if (pre->server != NULL)
		snprintf(w->server, sizeof w->server, "%s", pre->server);
	if (pre->user != NULL)
		snprintf(w->user, sizeof w->user, "%s", pre->user);
	if (pre->current != NULL && (w->current = sf_wiz_current_parse(pre->current)) != 0)
		w->current_set = true;
	if (w->role_set)
		w->step = SF_WIZ_PROBLEM;
}

void
sf_wiz_question(const struct sf_wizard *w, struct sf_wiz_question *q)
{
	memset(q, 0, sizeof *q);
	switch (w->step) {
	case SF_WIZ_ROLE:
		q->title = "Who is running smtpfix?";
		q->prompt = w->on_mail_server ? "This machine looks like a mail server." : "";
		set_choices(q, sf_wiz_roles);
		q->default_choice = w->role;
		q->help = "wizard/role.txt";
		break;
	case SF_WIZ_PROBLEM:
		q->title = "What happens?";
		set_choices(q, sf_wiz_problems);
		q->default_choice = w->problem;
		q->help = "wizard/problem.txt";
		break;
	case SF_WIZ_PASTE:
		q->title = "Paste the error message";
		q->prompt = "Paste it and press Enter (an empty line skips this).";
		q->free_text = true;
		q->help = "wizard/paste.txt";
		break;
	case SF_WIZ_CLIENT:
		q->title = "Which mail program sends the mail?";
		set_choices(q, client_names);
		q->default_choice = w->client;
		q->help = "wizard/client.txt";
		break;
	case SF_WIZ_SERVER:
		q->title = "Your email address, or the outgoing server's name";
		q->prompt = "For example you@example.com or mail.example.com.";
		q->current = w->server[0] ? w->server : NULL;
		q->free_text = true;
		q->help = "wizard/server.txt";
		break;
	case SF_WIZ_CURRENT:
		q->title = "How is the mail program set now?";
		q->prompt = "Its outgoing server's port and security (encryption). With this "
			    "smtpfix says "
			    "exactly which setting is wrong.";
		set_choices(q, current_choices);
		q->default_choice = w->current != 0 ? w->current : w->current_suggested;
		if (w->current == 0 && w->current_suggested != 0)
			q->prompt =
				"Its outgoing server's port and security (encryption). The "
				"default is what the message you pasted points at; change it if "
				"the program says otherwise.";
		q->help = "wizard/current.txt";
		break;
	case SF_WIZ_LOGIN_ASK:
		q->title = "Also test the login?";
		q->prompt = "smtpfix logs in once, over an encrypted connection only, and never "
			    "saves the password.";
		set_choices(q, login_choices);
		q->default_choice = 0;
		q->help = "wizard/login.txt";
		break;
	case SF_WIZ_LOGIN_USER:
		q->title = "User name";
		q->prompt = "Usually your full email address.";
		q->current = w->user[0] ? w->user : NULL;
		q->free_text = true;
		break;
	case SF_WIZ_LOGIN_PASSWORD:
		q->title = "Password";
		q->prompt = "It is not shown or saved; smtpfix wipes it from memory when it ends.";
		q->free_text = true;
		q->secret = true;
		break;
	case SF_WIZ_PROBING:
		q->title = "Testing the server...";
		q->prompt = "Esc cancels.";
		break;
	case SF_WIZ_WATCH_ASK:
		q->title = "Watch the server while they send?";
		q->prompt = "Ask the person to press Send in their mail program. smtpfix follows "
			    "this server's mail log and shows what their program really does: its "
			    "port, encryption and login.";
		set_choices(q, watch_choices);
		q->default_choice = 0;
		q->help = "wizard/watch.txt";
		break;
	case SF_WIZ_WATCHING:
		q->title = "Watching the server...";
		q->prompt = "Ask the person to send a message now. Esc stops watching.";
		break;
	case SF_WIZ_UNBAN:
		q->title = "Their address is blocked on this server";
		q->prompt = w->ban_text;
		q->prompt_first = true;
		set_choices(q, unban_choices);
		q->default_choice = 1; /* nothing is lifted without a yes */
		q->help = "wizard/watch.txt";
		break;
	case SF_WIZ_RESULT:
		q->title = "What is wrong";
		set_choices(q, result_choices);
		q->default_choice = 0;
		q->help = "wizard/result.txt";
		break;
	case SF_WIZ_FIX:
		q->title = "How to fix it";
		q->help = "wizard/result.txt";
		set_choices(q, fix_choices);
		q->default_choice = w->fix_step + 1 < w->fix_steps ? 0 : 1;
		break;
	case SF_WIZ_RETEST:
		/* The server cannot see the program's settings: a re-test says
		 * what the server takes, and only the program can say more. */
		if (w->fixed_now) {
			q->title = "The server takes mail with the recommended setting";
			q->prompt =
				"smtpfix tested the server again; it cannot see your mail "
				"program's settings. Send a test message from your program now. "
				"Did it work?";
			set_choices(q, watching_allowed(w) ? tried_watch_choices : tried_choices);
		} else {
			q->title =
				"The server still does not take mail with the recommended setting";
			q->prompt = "See the answer above; the server's administrator may need to "
				    "act.";
			set_choices(q, retest_choices);
		}
		q->default_choice = 0;
		q->help = "wizard/result.txt";
		q->prompt_first = true;
		break;
	case SF_WIZ_REPASTE:
		q->title = "The message your program shows now";
		q->prompt = "Paste or type it, then Enter. smtpfix adds it to what it found. "
			    "Enter alone goes back to the answer.";
		q->free_text = true;
		q->help = "wizard/paste.txt";
		break;
	case SF_WIZ_SAVE:
		q->title = "Save a report for the ticket?";
		q->prompt = "Text and JSON, readable only by you; no password is ever in it.";
		set_choices(q, save_choices);
		q->default_choice = 0;
		break;
	case SF_WIZ_SAVED:
		q->title = "The report";
		q->prompt = "Enter closes smtpfix; what it said stays on the terminal.";
		q->prompt_first = true;
		set_choices(q, w->setup_saved ? setup_saved_choices : saved_choices);
		q->default_choice = 0;
		break;
	case SF_WIZ_DONE: q->title = "Done"; break;
	}
}

/* Watching is for the admin and support roles, where the logs can be read. */
static bool
watching_allowed(const struct sf_wizard *w)
{
	return w->can_watch && w->role != 0;
}

static enum sf_wiz_effect
after_server(struct sf_wizard *w)
{
	go(w, w->current_set ? SF_WIZ_LOGIN_ASK : SF_WIZ_CURRENT);
	return SF_WIZ_FX_NONE;
}

enum sf_wiz_effect
sf_wiz_handle(struct sf_wizard *w, const struct sf_wiz_event *ev)
{
	struct sf_wiz_question q;
	size_t choice;

	if (ev->kind == SF_WIZ_EV_BACK) {
		if (w->step == SF_WIZ_PROBING)
			return SF_WIZ_FX_NONE; /* a probe is cancelled, not stepped back from */
		if (w->step == SF_WIZ_FIX && w->fix_step > 0) {
			w->fix_step--;
			return SF_WIZ_FX_NONE;
		}
		if (w->depth > 0)
			w->step = w->history[--w->depth];
		return SF_WIZ_FX_NONE;
	}
	if (ev->kind == SF_WIZ_EV_CANCEL) {
		if (w->step == SF_WIZ_WATCHING) {
			w->step = SF_WIZ_RESULT; /* Esc stops watching: the answer so far */
			return SF_WIZ_FX_NONE;
		}
		if (w->step == SF_WIZ_PROBING) {
			w->step = w->depth > 0 ? w->history[--w->depth] : SF_WIZ_SERVER;
			return SF_WIZ_FX_CANCEL_PROBE;
		}
		w->step = SF_WIZ_DONE;
		return SF_WIZ_FX_QUIT;
	}
	sf_wiz_question(w, &q);
	choice = ev->kind == SF_WIZ_EV_CHOOSE && ev->index < q.nchoices ? ev->index
									: q.default_choice;
	if (ev->kind == SF_WIZ_EV_CHOOSE && ev->index >= q.nchoices && q.nchoices > 0)
		return SF_WIZ_FX_NONE; /* not a choice: ask again */

	switch (w->step) {
	case SF_WIZ_ROLE:
		w->role = choice;
		go(w, SF_WIZ_PROBLEM);
		return SF_WIZ_FX_NONE;
	case SF_WIZ_PROBLEM:
		w->problem = choice;
		go(w, choice == 2 ? SF_WIZ_PASTE : w->client_set ? SF_WIZ_SERVER : SF_WIZ_CLIENT);
		return SF_WIZ_FX_NONE;
	case SF_WIZ_PASTE:
		if (ev->kind == SF_WIZ_EV_TEXT && ev->text != NULL && ev->text[0] != '\0') {
			snprintf(w->paste, sizeof w->paste, "%s", ev->text);
			go(w, w->client_set ? SF_WIZ_SERVER : SF_WIZ_CLIENT);
			return SF_WIZ_FX_EXPLAIN;
		}
		go(w, w->client_set ? SF_WIZ_SERVER : SF_WIZ_CLIENT);
		return SF_WIZ_FX_NONE;
	case SF_WIZ_CLIENT:
		w->client = choice;
		w->client_set = true;
		go(w, SF_WIZ_SERVER);
		return SF_WIZ_FX_NONE;
	case SF_WIZ_SERVER:
		if (ev->kind == SF_WIZ_EV_TEXT && ev->text != NULL && ev->text[0] != '\0')
			snprintf(w->server, sizeof w->server, "%s", ev->text);
		if (w->server[0] == '\0')
			return SF_WIZ_FX_NONE; /* no default for this one: ask again */
		return after_server(w);
	case SF_WIZ_CURRENT:
		w->current = choice;
		go(w, SF_WIZ_LOGIN_ASK);
		return SF_WIZ_FX_NONE;
	case SF_WIZ_LOGIN_ASK:
		if (choice == 1) {
			if (strchr(w->server, '@') != NULL && w->user[0] == '\0')
				snprintf(w->user, sizeof w->user, "%s", w->server);
			go(w, SF_WIZ_LOGIN_USER);
			return SF_WIZ_FX_NONE;
		}
		w->login = false;
		go(w, SF_WIZ_PROBING);
		return SF_WIZ_FX_START_PROBE;
	case SF_WIZ_LOGIN_USER:
		if (ev->kind == SF_WIZ_EV_TEXT && ev->text != NULL && ev->text[0] != '\0')
			snprintf(w->user, sizeof w->user, "%s", ev->text);
		if (w->user[0] == '\0')
			return SF_WIZ_FX_NONE;
		go(w, SF_WIZ_LOGIN_PASSWORD);
		return SF_WIZ_FX_NONE;
	case SF_WIZ_LOGIN_PASSWORD:
		/* The front end keeps the password; the flow only knows it exists. */
		w->login = ev->kind == SF_WIZ_EV_TEXT;
		go(w, SF_WIZ_PROBING);
		return SF_WIZ_FX_START_PROBE;
	case SF_WIZ_PROBING:
		if (ev->kind != SF_WIZ_EV_PROBE_DONE)
			return SF_WIZ_FX_NONE;
		if (w->retested) {
			w->fixed_now = ev->ok;
			w->step = SF_WIZ_RETEST; /* no way "back" into a finished probe */
		} else {
			w->step = watching_allowed(w) ? SF_WIZ_WATCH_ASK : SF_WIZ_RESULT;
		}
		return SF_WIZ_FX_NONE;
	case SF_WIZ_WATCH_ASK:
		if (choice == 0) {
			w->step = SF_WIZ_WATCHING;
			return SF_WIZ_FX_START_WATCH;
		}
		w->step = SF_WIZ_RESULT;
		return SF_WIZ_FX_NONE;
	case SF_WIZ_WATCHING:
		if (ev->kind != SF_WIZ_EV_WATCH_DONE)
			return SF_WIZ_FX_NONE;
		w->watched = w->watched || ev->ok;
		w->step = !ev->ok && w->ban_found ? SF_WIZ_UNBAN : SF_WIZ_RESULT;
		return SF_WIZ_FX_NONE;
	case SF_WIZ_UNBAN:
		w->step = SF_WIZ_RESULT;
		w->ban_found = false;
		return choice == 0 ? SF_WIZ_FX_UNBAN : SF_WIZ_FX_NONE;
	case SF_WIZ_RESULT:
		if (choice == 1) {
			go(w, SF_WIZ_SAVE);
			return SF_WIZ_FX_NONE;
		}
		w->fix_step = 0;
		go(w, SF_WIZ_FIX);
		return SF_WIZ_FX_NONE;
	case SF_WIZ_FIX:
		if (choice == 0 && w->fix_step + 1 < w->fix_steps) {
			w->fix_step++;
			return SF_WIZ_FX_NONE;
		}
		if (choice == 2) {
			go(w, SF_WIZ_SAVE);
			return SF_WIZ_FX_NONE;
		}
		w->retested = true;
		go(w, SF_WIZ_PROBING);
		return SF_WIZ_FX_START_PROBE;
	case SF_WIZ_RETEST:
		if (w->fixed_now && choice == 3 && watching_allowed(w)) {
			w->step = SF_WIZ_WATCHING;
			return SF_WIZ_FX_START_WATCH;
		}
		if (w->fixed_now) {
			/* It worked / still fails / back to the steps. */
			go(w, choice == 0     ? SF_WIZ_SAVE
				: choice == 1 ? SF_WIZ_REPASTE
					      : SF_WIZ_FIX);
			return SF_WIZ_FX_NONE;
		}
		if (choice == 1) {
			go(w, SF_WIZ_FIX);
			return SF_WIZ_FX_NONE;
		}
		if (choice == 2) {
			w->step = SF_WIZ_DONE;
			return SF_WIZ_FX_QUIT;
		}
		go(w, SF_WIZ_SAVE);
		return SF_WIZ_FX_NONE;
	case SF_WIZ_REPASTE:
		/* The answer again, with the new message in it. */
		w->step = SF_WIZ_RESULT;
		if (ev->kind == SF_WIZ_EV_TEXT && ev->text != NULL && ev->text[0] != '\0') {
			snprintf(w->paste, sizeof w->paste, "%s", ev->text);
			return SF_WIZ_FX_EXPLAIN_AGAIN;
		}
		return SF_WIZ_FX_NONE;
	case SF_WIZ_SAVE:
		w->save = choice == 0;
		w->step = w->save ? SF_WIZ_SAVED : SF_WIZ_DONE;
		return w->save ? SF_WIZ_FX_SAVE_REPORT : SF_WIZ_FX_QUIT;
	case SF_WIZ_SAVED:
		/* Next to the report: once, then only closing is left. */
		if (choice == 1 && !w->setup_saved) {
			w->setup_saved = true;
			return SF_WIZ_FX_SAVE_SETUP;
		}
		w->step = SF_WIZ_DONE;
		return SF_WIZ_FX_QUIT;
	case SF_WIZ_DONE: return SF_WIZ_FX_QUIT;
	}
	return SF_WIZ_FX_NONE;
}
