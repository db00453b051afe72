/* What the server is configured to do: which panel and MTA, the AUTH
 * policy (from the running program where it can be asked, else from the
 * files), cPanel's stored intent, POP-before-SMTP, ports, Dovecot. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "smtpfix/mta.h"
#include "mta_internal.h"

static void
unknown(struct sf_setting *s)
{
	memset(s, 0, sizeof *s);
	s->value = SF_TRI_UNKNOWN;
}

/* Why the last attempt at `path` was not read, from the unreadable list. */
static const char *
why_unread(const struct sf_policy *p, const char *path)
{
	size_t i = p->nunreadable;

	while (i-- > 0)
		if (strcmp(p->unreadable[i].path, path) == 0)
			return p->unreadable[i].why;
	return "it is not there";
}

/* Is something at path? Under a root, a link on the way that leads
 * nowhere or is refused is said once in the notes. */
static bool
present(struct sf_policy *p, const char *root, const char *path)
{
	struct stat st;
	char why[SF_MTA_TEXT_MAX];

	if (sf_mta_exists(root, path))
		return true;
	if (root != NULL && root[0] != '\0' && strcmp(root, "/") != 0 &&
		sf_mta_stat(root, path, &st, why, sizeof why) < 0 && why[0] != '\0')
		sf_policy_note(p, "%s", why);
	return false;
}

/* "key=value" lines (cPanel's localopts and cpanel.config). */
static bool
kv_value(const char *text, const char *key, char *out, size_t outsz)
{
	size_t klen = strlen(key);
	const char *p = text;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
			const char *v = p + klen + 1, *e = strchr(v, '\n');
			size_t n = e ? (size_t)(e - v) : strlen(v);

			while (n > 0 && isspace((unsigned char)v[n - 1]))
				n--;
			if (n >= outsz)
				n = outsz - 1;
			memcpy(out, v, n);
			out[n] = '\0';
			return true;
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return false;
}

static int
port_number(const char *name)
{
	if (strcmp(name, "smtp") == 0)
		return 25;
	if (strcmp(name, "submission") == 0)
		return 587;
	if (strcmp(name, "smtps") == 0 || strcmp(name, "submissions") == 0 ||
		strcmp(name, "ssmtp") == 0)
		return 465;
	return sf_mta_port_number(name);
}

static void
add_port(struct sf_policy *p, int port, bool implicit, const char *source)
{
	size_t i;

	if (port <= 0)
		return;
	for (i = 0; i < p->nports; i++) {
		if (p->ports[i].port == port) {
			p->ports[i].implicit_tls |= implicit;
			return;
		}
	}
	if (p->nports >= SF_MTA_MAX_PORTS)
		return;
	p->ports[p->nports].port = port;
	p->ports[p->nports].implicit_tls = implicit;
	snprintf(p->ports[p->nports].source, sizeof p->ports[p->nports].source, "%s", source);
	p->nports++;
}

/* "25 : 465 : 587" (Exim lists) or "465:25:587" (-oX). */
static void
add_port_list(struct sf_policy *p, const char *list, bool implicit, const char *source)
{
	char copy[SF_MTA_VALUE_MAX], *tok, *save = NULL;

	snprintf(copy, sizeof copy, "%s", list);
	for (tok = strtok_r(copy, ": \t,", &save); tok != NULL;
		tok = strtok_r(NULL, ": \t,", &save))
		add_port(p, port_number(tok), implicit, source);
}

static void
exim_ports(struct sf_policy *p, const char *source)
{
	size_t i;

	/* With part of the configuration unread, even the ports read may be
	 * changed by it, and Exim's default (25) is no fact: none are claimed. */
	if (p->exim.unread[0] != '\0')
		return;
	add_port_list(p, p->exim.daemon_smtp_ports[0] ? p->exim.daemon_smtp_ports : "smtp", false,
		source);
	add_port_list(p, p->exim.tls_on_connect_ports, true, source);
	for (i = 0; i < p->nports; i++) {
		char one[16];

		snprintf(one, sizeof one, "%d", p->ports[i].port);
		if (strstr(p->exim.tls_on_connect_ports, one) != NULL)
			p->ports[i].implicit_tls = true;
	}
}

static void
cpanel_read(struct sf_policy *p, const char *root)
{
	struct sf_buf b;
	char v[64], why[SF_MTA_TEXT_MAX];
	struct stat st;
	DIR *d;
	struct dirent *e;
	int rc;
	size_t seen = 0;

	unknown(&p->intent);
	rc = sf_mta_read(p, root, "/etc/exim.conf.localopts",
		"cPanel's stored Exim settings (require_secure_auth)", &b);
	snprintf(p->intent.source, sizeof p->intent.source, "/etc/exim.conf.localopts");
	if (rc == 0) {
		if (kv_value(b.data, "require_secure_auth", v, sizeof v)) {
			p->intent.value = strcmp(v, "0") == 0 ? SF_TRI_NO : SF_TRI_YES;
			snprintf(p->intent.evidence, sizeof p->intent.evidence,
				"require_secure_auth=%s", v);
		} else {
			snprintf(p->intent.evidence, sizeof p->intent.evidence,
				"require_secure_auth is not set (buildeximconf then treats it as "
				"off)");
			p->intent.value = SF_TRI_NO;
		}
		sf_buf_free(&b);
	} else if (rc == -2) {
		snprintf(p->intent.evidence, sizeof p->intent.evidence,
			"not known: /etc/exim.conf.localopts was not read (%.200s)",
			why_unread(p, "/etc/exim.conf.localopts"));
	} else {
		p->intent.source[0] = '\0';
	}
	/* POP-before-SMTP: the touch file is what Exim's ACL checks. */
	unknown(&p->pop_before_smtp);
	snprintf(p->pop_before_smtp.source, sizeof p->pop_before_smtp.source, "/etc/popbeforesmtp");
	if (sf_mta_stat(root, "/etc/popbeforesmtp", &st, why, sizeof why) == 0) {
		p->pop_before_smtp.value = SF_TRI_YES;
		snprintf(p->pop_before_smtp.evidence, sizeof p->pop_before_smtp.evidence,
			"the file exists");
	} else if (why[0] == '\0') {
		p->pop_before_smtp.value = SF_TRI_NO;
		snprintf(p->pop_before_smtp.evidence, sizeof p->pop_before_smtp.evidence,
			"the file does not exist");
	} else {
		sf_policy_unreadable(p, "/etc/popbeforesmtp", why, "whether POP-before-SMTP is on");
		snprintf(p->pop_before_smtp.evidence, sizeof p->pop_before_smtp.evidence,
			"not known: /etc/popbeforesmtp could not be checked (%.220s)", why);
	}
	if (sf_mta_read(p, root, "/var/cpanel/cpanel.config",
		    "cPanel's Tweak Settings (popbeforesmtp)", &b) == 0) {
		if (p->pop_before_smtp.value != SF_TRI_UNKNOWN &&
			kv_value(b.data, "popbeforesmtp", v, sizeof v) &&
			(strcmp(v, "1") == 0) != (p->pop_before_smtp.value == SF_TRI_YES))
			sf_policy_note(p,
				"cpanel.config says popbeforesmtp=%s but /etc/popbeforesmtp %s; "
				"Exim follows the file",
				v,
				p->pop_before_smtp.value == SF_TRI_YES ? "exists"
								       : "does not exist");
		sf_buf_free(&b);
	}
	if (sf_mta_read(p, root, "/etc/eximrejects", "the relay refusal text cPanel shows", &b) ==
		0) {
		const char *k = strstr(b.data, "host_accept_relay:");

		if (k != NULL) {
			const char *nl = strchr(k, '\n');
			size_t n = nl ? (size_t)(nl - k) - 18 : strlen(k) - 18;

			snprintf(p->relay_refusal_text, sizeof p->relay_refusal_text, "%.*s",
				(int)(n < 300 ? n : 300), k + 18);
		}
		sf_buf_free(&b);
	}
	if (sf_mta_read(p, root, "/etc/alwaysrelay", "the addresses allowed to relay without login",
		    &b) == 0) {
		const char *q;

		for (q = b.data; *q != '\0'; q++)
			if (*q == '\n')
				p->alwaysrelay_entries++;
		sf_buf_free(&b);
	}
	/* Alternate SMTP ports: /etc/chkserv.d/exim-26, exim-26,2525 ... */
	d = sf_mta_opendir(root, "/etc/chkserv.d", why, sizeof why);
	if (d == NULL && why[0] != '\0')
		sf_policy_unreadable(p, "/etc/chkserv.d", why, "cPanel's alternate SMTP ports");
	if (d != NULL) {
		while ((e = readdir(d)) != NULL && seen++ < SF_MTA_DIR_MAX)
			if (strncmp(e->d_name, "exim-", 5) == 0)
				add_port_list(
					p, e->d_name + 5, false, "/etc/chkserv.d (alternate port)");
		if (e != NULL)
			sf_policy_note(p,
				"/etc/chkserv.d has more than %d names; the rest were not looked "
				"at",
				SF_MTA_DIR_MAX);
		closedir(d);
	}
}

/* The first part of the Exim configuration that was not read. */
static void exim_gap(struct sf_policy *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
exim_gap(struct sf_policy *p, const char *fmt, ...)
{
	va_list ap;

	if (p->exim.unread[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(p->exim.unread, sizeof p->exim.unread, fmt, ap);
	va_end(ap);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One folder of Debian's split configuration, its files in name order
 * (as update-exim4.conf joins them), appended to `all`. */
static void
debian_part(struct sf_policy *p, const char *root, const char *part, struct sf_buf *all, bool *any)
{
	char sub[64], why[SF_MTA_TEXT_MAX], *names[SF_MTA_DIR_MAX];
	size_t n = 0, k;
	struct sf_error err;
	struct sf_buf b;
	struct dirent *e;
	DIR *d;

	snprintf(sub, sizeof sub, "/etc/exim4/conf.d/%s", part);
	d = sf_mta_opendir(root, sub, why, sizeof why);
	if (d == NULL) {
		if (why[0] != '\0') {
			sf_policy_unreadable(p, sub, why, "part of the Exim configuration");
			exim_gap(p, "%s was not read (%.200s)", sub, why);
		}
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || strchr(e->d_name, '.') != NULL)
			continue;
		if (n >= SF_MTA_DIR_MAX) {
			sf_policy_note(p, "%s has more than %d files; the rest were not read", sub,
				SF_MTA_DIR_MAX);
			exim_gap(p, "%s has more than %d files; the rest were not read", sub,
				SF_MTA_DIR_MAX);
			break;
		}
		if ((names[n] = strdup(e->d_name)) != NULL)
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof names[0], by_name);
	for (k = 0; k < n; k++) {
		char file[600];
		int rc;

		snprintf(file, sizeof file, "%s/%s", sub, names[k]);
		rc = sf_mta_read(p, root, file, "part of the Exim configuration", &b);
		if (rc == 0) {
			*any = true;
			if (sf_buf_add(all, b.data, b.len, &err) < 0 ||
				sf_buf_add(all, "\n", 1, &err) < 0)
				exim_gap(p,
					"the split configuration is larger than smtpfix reads (%u "
					"MiB)",
					SF_MTA_FILE_MAX >> 20);
			sf_buf_free(&b);
		} else if (rc == -2) {
			exim_gap(p, "%.300s was not read (%.200s)", file, why_unread(p, file));
		}
		free(names[k]);
	}
}

/* Debian's exim4: the generated file if there is one, else the split
 * config or the single template, with the local macros first. */
static void
debian_read(struct sf_policy *p, const char *root, char *used, size_t usedsz)
{
	static const char *const parts[] = { "main", "acl", "router", "transport", "retry",
		"rewrite", "auth" };
	struct sf_buf b, all;
	struct sf_error err;
	char v[32] = "";
	size_t i;
	bool any = false;
	int rc;

	rc = sf_mta_read(p, root, "/var/lib/exim4/config.autogenerated",
		"the Exim configuration Debian generated", &b);
	if (rc == 0) {
		sf_exim_parse_text(
			b.data, b.len, root, "/var/lib/exim4/config.autogenerated", &p->exim, p);
		snprintf(used, usedsz, "/var/lib/exim4/config.autogenerated");
		sf_buf_free(&b);
	} else if (rc == -2) {
		/* Exim uses this file when it is there: the templates say nothing. */
		snprintf(used, usedsz, "/var/lib/exim4/config.autogenerated");
		exim_gap(p, "/var/lib/exim4/config.autogenerated was not read (%.200s)",
			why_unread(p, "/var/lib/exim4/config.autogenerated"));
	} else {
		sf_buf_init(&all, SF_MTA_FILE_MAX);
		rc = sf_mta_read(p, root, "/etc/exim4/update-exim4.conf.conf",
			"which Debian Exim configuration is used", &b);
		if (rc == 0) {
			kv_value(b.data, "dc_use_split_config", v, sizeof v);
			sf_buf_free(&b);
		} else if (rc == -2) {
			exim_gap(p,
				"/etc/exim4/update-exim4.conf.conf was not read (%.200s), so which "
				"configuration is used is not known",
				why_unread(p, "/etc/exim4/update-exim4.conf.conf"));
		}
		rc = sf_mta_read(
			p, root, "/etc/exim4/exim4.conf.localmacros", "local Exim macros", &b);
		if (rc == 0) {
			if (sf_buf_add(&all, b.data, b.len, &err) < 0 ||
				sf_buf_add(&all, "\n", 1, &err) < 0)
				exim_gap(p, "/etc/exim4/exim4.conf.localmacros is too large to "
					    "read whole");
			sf_buf_free(&b);
		} else if (rc == -2) {
			exim_gap(p, "/etc/exim4/exim4.conf.localmacros was not read (%.200s)",
				why_unread(p, "/etc/exim4/exim4.conf.localmacros"));
		}
		if (strstr(v, "true") != NULL) {
			snprintf(used, usedsz, "/etc/exim4/conf.d");
			for (i = 0; i < sizeof parts / sizeof parts[0]; i++)
				debian_part(p, root, parts[i], &all, &any);
		} else {
			snprintf(used, usedsz, "/etc/exim4/exim4.conf.template");
			rc = sf_mta_read(p, root, "/etc/exim4/exim4.conf.template",
				"the Exim configuration template", &b);
			if (rc == 0) {
				any = true;
				if (sf_buf_add(&all, b.data, b.len, &err) < 0)
					exim_gap(p,
						"the configuration is larger than smtpfix reads "
						"(%u MiB)",
						SF_MTA_FILE_MAX >> 20);
				sf_buf_free(&b);
			} else if (rc == -2) {
				exim_gap(p, "/etc/exim4/exim4.conf.template was not read (%.200s)",
					why_unread(p, "/etc/exim4/exim4.conf.template"));
			}
		}
		if (!any)
			exim_gap(p, "no Exim configuration was found in %s", used);
		if (all.data != NULL)
			sf_exim_parse_text(all.data, all.len, root, used, &p->exim, p);
		sf_buf_free(&all);
	}
	/* Ports: SMTPLISTENEROPTIONS='-oX 465:25:587 ...' in /etc/default/exim4. */
	if (sf_mta_read(p, root, "/etc/default/exim4", "the ports Debian's Exim listens on", &b) ==
		0) {
		const char *x = strstr(b.data, "-oX");

		if (x != NULL) {
			char list[128];

			if (sscanf(x + 3, " %127[0-9:]", list) == 1)
				snprintf(p->exim.daemon_smtp_ports,
					sizeof p->exim.daemon_smtp_ports, "%s", list);
		}
		sf_buf_free(&b);
	}
}

static const char *
find_exim_bin(const struct sf_policy_options *o)
{
	static const char *const paths[] = { "/usr/sbin/exim", "/usr/sbin/exim4", "/usr/bin/exim" };
	size_t i;

	if (o->exim_bin != NULL)
		return o->exim_bin;
	if (!o->run_commands)
		return NULL;
	for (i = 0; i < sizeof paths / sizeof paths[0]; i++)
		if (sf_mta_exists(NULL, paths[i]))
			return paths[i];
	return NULL;
}

/* Ask Exim itself: exim [-C config] -bP authenticators, and the options. */
static void
exim_effective(struct sf_policy *p, const struct sf_policy_options *o, const char *config)
{
	const char *bin = find_exim_bin(o);
	char cfg[1024], *argv[10];
	struct sf_buf a, m;
	struct sf_error err;
	struct sf_exim_model model;
	int i = 0;

	if (bin == NULL)
		return;
	memset(&model, 0, sizeof model);
	argv[i++] = (char *)(uintptr_t)bin;
	if (o->root != NULL && strcmp(o->root, "/") != 0) {
		sf_mta_path(o->root, config, cfg, sizeof cfg);
		argv[i++] = (char *)(uintptr_t) "-C";
		argv[i++] = cfg;
	}
	argv[i++] = (char *)(uintptr_t) "-bP";
	argv[i] = (char *)(uintptr_t) "authenticators";
	argv[i + 1] = NULL;
	if (sf_mta_run(argv, NULL, &a, &err) < 0) {
		sf_policy_note(p, "exim -bP could not run (%s); the verdict comes from the files",
			err.message);
		sf_buf_free(&a);
		return;
	}
	argv[i++] = (char *)(uintptr_t) "daemon_smtp_ports";
	argv[i++] = (char *)(uintptr_t) "tls_on_connect_ports";
	argv[i++] = (char *)(uintptr_t) "auth_advertise_hosts";
	argv[i++] = (char *)(uintptr_t) "tls_advertise_hosts";
	argv[i] = NULL;
	if (sf_mta_run(argv, NULL, &m, &err) == 0)
		sf_exim_model_from_bp(m.data, &model);
	sf_exim_model_from_bp(a.data, &model);
	model.submission_587_rule = p->exim.submission_587_rule;
	sf_exim_verdict(&model, "exim -bP", &p->auth_requires_tls);
	p->exim = model;
	sf_buf_free(&a);
	sf_buf_free(&m);
}

static int
by_port(const void *a, const void *b)
{
	return ((const struct sf_mta_port *)a)->port - ((const struct sf_mta_port *)b)->port;
}

static void
findings(struct sf_policy *p)
{
	if (p->auth_requires_tls.value == SF_TRI_UNKNOWN && p->auth_unknown_why[0] != '\0')
		sf_policy_finding(p, "auth-policy-unknown", SF_SEV_WARNING,
			"whether login (AUTH) needs TLS on this server is not known, because "
			"%.200s; nothing "
			"about it is guessed from the other files",
			p->auth_unknown_why);
	if (p->intent.value != SF_TRI_UNKNOWN && p->auth_requires_tls.value != SF_TRI_UNKNOWN &&
		p->intent.value != p->auth_requires_tls.value)
		sf_policy_finding(p, "config-not-rebuilt", SF_SEV_PROBLEM,
			"WHM's setting says require_secure_auth=%d but Exim %s AUTH without TLS: "
			"the "
			"configuration was not rebuilt (run "
			"/usr/local/cpanel/scripts/buildeximconf, then "
			"/usr/local/cpanel/scripts/restartsrv_exim)",
			p->intent.value == SF_TRI_YES,
			p->auth_requires_tls.value == SF_TRI_YES ? "refuses" : "offers");
	if (p->auth_requires_tls.value == SF_TRI_YES)
		sf_policy_finding(p, "auth-requires-tls", SF_SEV_INFO,
			"login (AUTH) is offered only after TLS: mail programs must use STARTTLS "
			"on 587 or "
			"SSL/TLS on 465, with authentication on (%s)",
			p->auth_requires_tls.evidence);
	else if (p->auth_requires_tls.value == SF_TRI_NO)
		sf_policy_finding(p, "auth-without-tls", SF_SEV_WARNING,
			"login (AUTH) is offered without TLS: passwords can cross the network "
			"readable (%s)",
			p->auth_requires_tls.evidence);
	if (p->pop_before_smtp.value == SF_TRI_YES)
		sf_policy_finding(p, "pop-before-smtp-on", SF_SEV_WARNING,
			"POP-before-SMTP is on: a mail program that checked mail in the last hour "
			"may send "
			"without logging in, which hides a missing SMTP login");
	if (p->submission_rule.value == SF_TRI_YES)
		sf_policy_finding(p, "submission-587-rule", SF_SEV_INFO,
			"port 587 refuses mail without login (\"SMTP AUTH is required for message "
			"submission "
			"on port 587\") and hangs up");
	if (p->dovecot_plaintext.value == SF_TRI_YES)
		sf_policy_finding(p, "dovecot-plaintext", SF_SEV_INFO,
			"Dovecot accepts plain-text logins without TLS (%s)",
			p->dovecot_plaintext.evidence);
}

int
sf_policy_read(const struct sf_policy_options *o, struct sf_policy *p, struct sf_error *err)
{
	const char *root = o->root;
	bool cpanel, exim_conf, debian, upstream_rhel, postfix;
	char used[512] = "";
	struct sf_buf b;
	struct stat st;
	int rc;

	memset(p, 0, sizeof *p);
	unknown(&p->auth_requires_tls);
	unknown(&p->auth_requires_tls_files);
	unknown(&p->intent);
	unknown(&p->pop_before_smtp);
	unknown(&p->submission_rule);
	unknown(&p->dovecot_plaintext);
	if (root != NULL && root[0] != '\0') {
		if (stat(root, &st) < 0)
			return sf_error_set(err, SF_E_USAGE, "%s: %s", root, strerror(errno));
		if (!S_ISDIR(st.st_mode))
			return sf_error_set(err, SF_E_USAGE, "%s is not a folder", root);
	}

	cpanel = present(p, root, "/usr/local/cpanel/cpanel") ||
		 present(p, root, "/var/cpanel/cpanel.config");
	exim_conf = present(p, root, "/etc/exim.conf");
	debian = present(p, root, "/etc/exim4") ||
		 present(p, root, "/var/lib/exim4/config.autogenerated");
	upstream_rhel = present(p, root, "/etc/exim/exim.conf");
	postfix = present(p, root, "/etc/postfix/main.cf") ||
		  present(p, root, "/etc/postfix/master.cf");
	p->cpanel = cpanel;

	if (exim_conf || debian || upstream_rhel) {
		p->mta = SF_MTA_EXIM;
		if (debian && !exim_conf) {
			p->flavour = SF_EXIM_FLAVOUR_DEBIAN;
			debian_read(p, root, used, sizeof used);
		} else {
			p->flavour = cpanel ? SF_EXIM_FLAVOUR_CPANEL : SF_EXIM_FLAVOUR_UPSTREAM;
			snprintf(used, sizeof used, "%s",
				exim_conf ? "/etc/exim.conf" : "/etc/exim/exim.conf");
			rc = sf_mta_read(
				p, root, used, "the Exim configuration: AUTH policy and ports", &b);
			if (rc == 0) {
				sf_exim_parse_text(b.data, b.len, root, used, &p->exim, p);
				sf_buf_free(&b);
			} else {
				exim_gap(p, "%s was not read (%.200s)", used, why_unread(p, used));
			}
		}
		sf_exim_verdict(&p->exim, used, &p->auth_requires_tls_files);
		p->auth_requires_tls = p->auth_requires_tls_files;
		if (p->exim.unread[0] != '\0')
			snprintf(p->auth_unknown_why, sizeof p->auth_unknown_why, "%s",
				p->exim.unread);
		/* The drop rule seen is a fact; not seen, it may be in what was not read. */
		p->submission_rule.value = p->exim.submission_587_rule ? SF_TRI_YES
					   : p->exim.unread[0] != '\0' ? SF_TRI_UNKNOWN
								       : SF_TRI_NO;
		snprintf(p->submission_rule.source, sizeof p->submission_rule.source, "%.300s",
			used);
		if (cpanel)
			cpanel_read(p, root);
		exim_effective(p, o, used);
		exim_ports(p, p->auth_requires_tls.source);
		if (postfix)
			sf_policy_note(
				p, "Postfix files are present too; Exim's were read as the MTA's");
	} else if (postfix) {
		p->mta = SF_MTA_POSTFIX;
		sf_postfix_read(p, root,
			o->postconf_bin != NULL ? o->postconf_bin
			: (o->run_commands && sf_mta_exists(NULL, "/usr/sbin/postconf"))
				? "/usr/sbin/postconf"
				: NULL);
		for (size_t i = 0; i < p->nservices; i++)
			add_port(p, p->services[i].port, p->services[i].wrappermode,
				"/etc/postfix/master.cf");
	} else {
		sf_policy_note(p, "no Exim or Postfix configuration was found%s",
			p->nunreadable ? " that could be read" : "");
	}
	sf_dovecot_read(p, root, cpanel);
	qsort(p->ports, p->nports, sizeof p->ports[0], by_port);
	findings(p);
	return 0;
}
