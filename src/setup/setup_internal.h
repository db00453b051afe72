/* What the setup renderers share (not part of the layer's interface). */
#ifndef SMTPFIX_SETUP_INTERNAL_H
#define SMTPFIX_SETUP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "smtpfix/setup.h"

/* The help files the words come from. */
#define SF_SETUP_MESSAGE_HELP "setup/message.txt"
#define SF_SETUP_FILES_HELP "setup/files.txt"
/* The longest line taken from a help file. */
#define SF_SETUP_LINE_MAX 1024

/* True when s is valid UTF-8 with no control character (C0, DEL, C1) and
 * no character that hides or reorders text: a value every format can
 * carry on one line. */
bool sf_setup_text_ok(const char *s);

/* The line KEY of a help file of setup/, filled from facts. */
void sf_setup_word(
	const char *file, const char *key, const char *const *facts, char *out, size_t outsz);

/* Every value of a, checked again before it is written: an account made
 * by hand (tests, another front end) gets the same checks as one from
 * sf_setup_account_init. */
int sf_setup_account_check(const struct sf_setup_account *a, struct sf_error *err);

int sf_setup_render_mobileconfig(
	const struct sf_setup_account *a, struct sf_buf *out, struct sf_error *err);
int sf_setup_render_autoconfig(
	const struct sf_setup_account *a, struct sf_buf *out, struct sf_error *err);
int sf_setup_render_autodiscover(
	const struct sf_setup_account *a, struct sf_buf *out, struct sf_error *err);
int sf_setup_render_msmtp(
	const struct sf_setup_account *a, struct sf_buf *out, struct sf_error *err);
int sf_setup_render_text(
	const struct sf_setup_account *a, struct sf_buf *out, struct sf_error *err);

/* The login the incoming server gets: the outgoing one, or the address. */
const char *sf_setup_imap_user(const struct sf_setup_account *a);

#endif
