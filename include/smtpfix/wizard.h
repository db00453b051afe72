/* The wizard's question flow as a pure state machine: the front end
 * (curses or plain) turns keys into events and carries out the effects
 * (probing, explaining, saving); the flow itself does no I/O, so every
 * path is a unit test of events. */
#ifndef SMTPFIX_WIZARD_H
#define SMTPFIX_WIZARD_H

#include <stdbool.h>
#include <stddef.h>

#define SF_WIZ_TEXT_MAX 256
#define SF_WIZ_PASTE_MAX 4096
#define SF_WIZ_MAX_CHOICES 20
#define SF_WIZ_HISTORY 32

enum sf_wiz_step {
	SF_WIZ_ROLE,      /* who is running it */
	SF_WIZ_PROBLEM,   /* what happens */
	SF_WIZ_PASTE,     /* the error text */
	SF_WIZ_CLIENT,    /* which mail program */
	SF_WIZ_SERVER,    /* the address or server */
	SF_WIZ_CURRENT,   /* what the program is set to now (may be skipped) */
	SF_WIZ_LOGIN_ASK, /* test the login too? */
	SF_WIZ_LOGIN_USER,
	SF_WIZ_LOGIN_PASSWORD,
	SF_WIZ_PROBING,   /* waiting for the probe */
	SF_WIZ_WATCH_ASK, /* on the mail server: watch the person's next attempt? */
	SF_WIZ_WATCHING,  /* following the server's logs for it */
	SF_WIZ_UNBAN,     /* nothing arrived and the address is blocked: lift it? */
	SF_WIZ_RESULT,    /* the cause, the evidence, the matrix */
	SF_WIZ_FIX,       /* the steps, one at a time */
	SF_WIZ_RETEST,    /* the server checked again: now send from the program */
	SF_WIZ_REPASTE,   /* the program still fails: its new message */
	SF_WIZ_SAVE,      /* save the report? */
	SF_WIZ_SAVED,     /* where it was saved, before anything closes */
	SF_WIZ_DONE
};

enum sf_wiz_event_kind {
	SF_WIZ_EV_CHOOSE,  /* choice `index` */
	SF_WIZ_EV_TEXT,    /* free text */
	SF_WIZ_EV_DEFAULT, /* accept the default (Enter, or end of input) */
	SF_WIZ_EV_BACK,
	SF_WIZ_EV_PROBE_DONE, /* `ok`: the server now works for the chosen program */
	SF_WIZ_EV_CANCEL,     /* Esc during a probe, or quit */
	/* The watch ended: `ok` when an attempt was seen; else the front end
	 * set ban_found when a block of the address was found. */
	SF_WIZ_EV_WATCH_DONE
};

struct sf_wiz_event {
	enum sf_wiz_event_kind kind;
	size_t index;
	const char *text;
	bool ok;
};

enum sf_wiz_effect {
	SF_WIZ_FX_NONE,
	SF_WIZ_FX_EXPLAIN, /* recognize the pasted text now */
	/* recognize the program's new message and add it to the diagnosis */
	SF_WIZ_FX_EXPLAIN_AGAIN,
	SF_WIZ_FX_START_PROBE, /* probe the server (with login if asked) */
	SF_WIZ_FX_CANCEL_PROBE,
	SF_WIZ_FX_SAVE_REPORT,
	SF_WIZ_FX_START_WATCH, /* follow the server's logs for the person's attempt */
	SF_WIZ_FX_UNBAN,       /* lift the block found (the person said yes) */
	SF_WIZ_FX_SAVE_SETUP,  /* write a setup file for the person's program */
	SF_WIZ_FX_QUIT
};

struct sf_wiz_question {
	const char *title;
	const char *prompt;
	const char *choices[SF_WIZ_MAX_CHOICES];
	size_t nchoices;
	size_t default_choice;
	bool free_text;      /* text is the answer (choices, if any, are shortcuts) */
	const char *current; /* the answer so far, which Enter keeps (or NULL) */
	bool secret;         /* do not echo */
	const char *help;    /* help topic path in help/ */
	bool prompt_first;   /* the question before the long text it follows */
};

struct sf_wiz_prefill {
	const char *role;    /* user, admin, tech */
	const char *client;  /* a client id */
	const char *server;  /* email address or host */
	const char *user;    /* login user name (the demo's account) */
	const char *current; /* the program's setting now: "PORT:none|starttls|tls" */
	bool on_mail_server; /* detected: an MTA configuration is here */
	bool can_watch;      /* the server's mail logs can be followed from here */
};

struct sf_wizard {
	enum sf_wiz_step step;
	enum sf_wiz_step history[SF_WIZ_HISTORY];
	size_t depth;
	size_t role, problem, client;
	size_t current; /* index into the current-setting choices; 0: not known */
	/* The choice a pasted message points at (it named the port), offered
	 * as the default of "How is it set now?"; 0: none. */
	size_t current_suggested;
	bool client_set, role_set, current_set;
	char server[SF_WIZ_TEXT_MAX];
	char user[SF_WIZ_TEXT_MAX];
	char paste[SF_WIZ_PASTE_MAX];
	bool login; /* the person gave a password (the front end holds it) */
	bool on_mail_server;
	size_t fix_step, fix_steps;
	bool retested, fixed_now;
	bool save;
	bool setup_saved;                /* a setup file was asked for after the report */
	bool can_watch;                  /* the admin or support role can watch the server's logs */
	bool watched;                    /* an attempt was seen */
	bool ban_found;                  /* set by the front end when nothing arrived */
	char ban_text[SF_WIZ_PASTE_MAX]; /* the block and the command that lifts it */
};

extern const char *const sf_wiz_roles[]; /* user, admin, tech */
extern const char *const sf_wiz_problems[];

void sf_wiz_init(struct sf_wizard *w, const struct sf_wiz_prefill *pre);
void sf_wiz_question(const struct sf_wizard *w, struct sf_wiz_question *q);
enum sf_wiz_effect sf_wiz_handle(struct sf_wizard *w, const struct sf_wiz_event *ev);
const char *sf_wiz_client_id(const struct sf_wizard *w);

/* What the program is set to now, when the person said: the port and the
 * security (0 none, 1 STARTTLS, 2 SSL/TLS). False when not known. */
bool sf_wiz_current_setting(const struct sf_wizard *w, int *port, int *security);
/* Parses "PORT:none|starttls|tls" to a choice index; 0 when not one of them. */
size_t sf_wiz_current_parse(const char *text);
/* The port a pasted message names ("port 587", "smtp.example.com:465",
 * "(465)"): 25, 465, 587 or 2525, or 0 when it names none of them or
 * several different ones. */
int sf_wiz_port_in_text(const char *text);
/* Offers (port, security) as the default of "How is it set now?" when it
 * is one of its choices and the person has not answered it. */
void sf_wiz_suggest_current(struct sf_wizard *w, int port, int security);

#endif
