/* "Save a setup file for this person": the verified setting, in the form
 * the person's mail program reads (an Apple profile for Apple Mail and
 * iOS Mail, an msmtp account for msmtp, else a short message with the
 * settings), written next to the report. Only a setting the probe found
 * working, with encryption and a certificate programs accept, is ever
 * written (the rule smtpfix setup-file follows). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "session.h"
#include "smtpfix/setup.h"

/* Which file each mail program reads; the message for every other. */
static const struct {
	const char *client;
	enum sf_setup_format format;
} formats[] = {
	{ "apple-mail", SF_SETUP_MOBILECONFIG },
	{ "ios-mail", SF_SETUP_MOBILECONFIG },
	{ "msmtp", SF_SETUP_MSMTP },
};

static enum sf_setup_format
format_for(const char *client)
{
	for (size_t i = 0; client != NULL && i < sizeof formats / sizeof formats[0]; i++)
		if (strcmp(formats[i].client, client) == 0)
			return formats[i].format;
	return SF_SETUP_TEXT;
}

/* The address the file is for: the one the person typed, or the login. */
static const char *
address_of(const struct sf_wizard *w)
{
	if (strchr(w->server, '@') != NULL)
		return w->server;
	if (strchr(w->user, '@') != NULL)
		return w->user;
	return NULL;
}

static void
say(struct sf_ui_session *s, const char *what, const char *detail)
{
	fputs(what, s->out);
	if (detail != NULL)
		sf_ui_print_safe(s->out, detail);
	fputs("\n", s->out);
}

void
sf_ui_save_setup_file(struct sf_ui_session *s, const struct sf_wizard *w)
{
	const struct sf_recommendation *r = sf_diag_settings(&s->run.diag, &s->run.res);
	enum sf_setup_format f = format_for(sf_wiz_client_id(w));
	const char *dir = s->o->report_dir ? s->o->report_dir : ".";
	const char *email = address_of(w);
	struct sf_setup_account a;
	struct sf_error err;
	struct sf_buf file;
	char stamp[32], path[SF_UI_PATH_MAX];
	time_t now = time(NULL);
	struct tm tm;
	int fd = -1, n;

	if (!s->run.have_res || !r->found || r->insecure) {
		say(s,
			"No setup file: no setting with encryption was found working, and "
			"smtpfix writes only a setting it checked.",
			NULL);
		return;
	}
	if (email == NULL) {
		say(s,
			"No setup file: it needs the person's email address (give one as the "
			"server or the login).",
			NULL);
		return;
	}
	if (sf_setup_account_init(&a, email, r->host, r->port, r->security, r->auth,
		    r->auth ? (w->user[0] != '\0' ? w->user : email) : NULL, NULL, &err) < 0) {
		say(s, "No setup file: ", err.message);
		return;
	}
	sf_buf_init(&file, SF_SETUP_MAX);
	if (sf_setup_render(f, &a, &file, &err) < 0) {
		say(s, "Could not write the setup file: ", err.message);
		sf_buf_free(&file);
		return;
	}
	localtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	/* Never over a file that exists: -2, -3 ... as the report does. */
	for (n = 1; n < 100 && fd < 0; n++) {
		int len = n == 1 ? snprintf(path, sizeof path, "%s/smtpfix-setup-%s-%s", dir, stamp,
					   sf_setup_format_file(f))
				 : snprintf(path, sizeof path, "%s/smtpfix-setup-%s-%d-%s", dir,
					   stamp, n, sf_setup_format_file(f));

		if (len < 0 || (size_t)len >= sizeof path) {
			errno = ENAMETOOLONG;
			break;
		}
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0 || write(fd, file.data, file.len) != (ssize_t)file.len) {
		int e = errno;

		fputs("Could not save the setup file in ", s->out);
		sf_ui_print_safe(s->out, dir);
		fprintf(s->out, ": %s\n", strerror(e));
	} else {
		fprintf(s->out, "Setup file (%s, no password in it): ", sf_setup_format_id(f));
		sf_ui_print_safe(s->out, path);
		fputs("\n", s->out);
		memcpy(s->setup_path, path, sizeof s->setup_path);
	}
	if (fd >= 0)
		close(fd);
	sf_buf_free(&file);
}
