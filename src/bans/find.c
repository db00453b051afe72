/* Asking each blocker about one address: files read (under a root when
 * given) and commands run through sf_bans_run. What could not be asked is
 * recorded per source with the reason, never left out in silence. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "smtpfix/bans.h"
#include "smtpfix/mta.h"

struct ctx {
	const struct sf_bans_options *o;
	struct sf_bans_report *r;
	const char *root; /* NULL for this machine */
	char addr[SF_BANS_ADDR_MAX];
	int timeout_ms;
};

static void check_set(struct ctx *c, enum sf_ban_source s, enum sf_ban_check_state st,
	const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
check_set(struct ctx *c, enum sf_ban_source s, enum sf_ban_check_state st, const char *fmt, ...)
{
	va_list ap;

	c->r->checks[s].state = st;
	va_start(ap, fmt);
	vsnprintf(c->r->checks[s].why, sizeof c->r->checks[s].why, fmt, ap);
	va_end(ap);
}

/* Read a file under the root (or this machine's), to max bytes (the last
 * max bytes when tail). 0 read; -1 not there; -2 there and not readable
 * (why says how; errno EACCES for permission). */
static int
read_file(const char *root, const char *path, size_t max, bool tail, struct sf_buf *out, char *why,
	size_t whysz, int *eno)
{
	char w[SF_MTA_TEXT_MAX] = "";
	char chunk[65536];
	struct stat st;
	int fd;

	*eno = 0;
	sf_buf_init(out, max);
	fd = sf_mta_open(root, path, w, sizeof w);
	if (fd < 0) {
		*eno = errno;
		if (w[0] == '\0' && errno == ENOENT)
			return -1;
		snprintf(why, whysz, "%s: %s", path, w[0] ? w : strerror(errno));
		return -2;
	}
	if (tail && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size > max)
		(void)lseek(fd, st.st_size - (off_t)max, SEEK_SET);
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*eno = errno;
			snprintf(why, whysz, "%s: %s", path, strerror(errno));
			close(fd);
			return -2;
		}
		if (n == 0)
			break;
		if (out->len + (size_t)n > max)
			n = (ssize_t)(max - out->len);
		if (n > 0 && sf_buf_add(out, chunk, (size_t)n, NULL) < 0)
			break;
		if (out->len >= max)
			break; /* capped: the reader sees the first max bytes */
	}
	close(fd);
	if (out->data == NULL && sf_buf_add(out, "", 0, NULL) < 0)
		return -2;
	return 0;
}

static int
run_cmd(struct ctx *c, const char *const argv[], struct sf_bans_cmd *res, struct sf_error *err)
{
	return sf_bans_run(argv, c->timeout_ms, SF_BANS_CMD_OUT_MAX, res, err);
}

/* The first line of a command's output, for a reason. */
static void
first_line(const struct sf_bans_cmd *res, char *out, size_t outsz)
{
	const char *s = res->out.data != NULL ? res->out.data : "";
	size_t n = strcspn(s, "\n"), i;

	if (n >= outsz)
		n = outsz - 1;
	for (i = 0; i < n; i++)
		out[i] = ((unsigned char)s[i] < 0x20) ? '?' : s[i];
	out[n] = '\0';
}

/* ---- fail2ban ---- */

static void
f2b_reasons_from_db(struct ctx *c, const char *dbfile, struct sf_ban *b)
{
	char sqlite[SF_MTA_PATH_MAX], sql[512], dbarg[SF_MTA_PATH_MAX + 8];
	struct sf_bans_cmd res;
	struct sf_error err;
	const char *argv[10];

	if (!sf_bans_which("sqlite3", sqlite, sizeof sqlite) || access(dbfile, R_OK) != 0)
		return;
	/* The address is a checked literal (hex digits, dots, colons) and the
	 * jail a name fail2ban gave; neither can hold a quote. */
	if (strchr(b->jail, '\'') != NULL)
		return;
	snprintf(sql, sizeof sql,
		"SELECT CASE m.type WHEN 'array' THEN "
		"coalesce(json_extract(m.value,'$[0]'),'')||coalesce(json_extract(m.value,'$[1]'),'"
		"')"
		"||coalesce(json_extract(m.value,'$[2]'),'') ELSE m.value END "
		"FROM bips, json_each(bips.data,'$.matches') AS m "
		"WHERE bips.ip='%s' AND bips.jail='%s';",
		c->addr, b->jail);
	snprintf(dbarg, sizeof dbarg, "%s", dbfile);
	argv[0] = sqlite;
	argv[1] = "-readonly";
	argv[2] = "-batch";
	argv[3] = "-noheader";
	argv[4] = dbarg;
	argv[5] = sql;
	argv[6] = NULL;
	if (run_cmd(c, argv, &res, &err) == 0 && res.status == 0)
		b->nlines = sf_bans_log_lines(
			res.out.data, res.out.len, c->addr, NULL, b->lines, SF_BANS_LINES_MAX);
	sf_buf_free(&res.out);
	snprintf(sql, sizeof sql,
		"SELECT coalesce(json_extract(data,'$.failures'),0) FROM bips "
		"WHERE ip='%s' AND jail='%s';",
		c->addr, b->jail);
	argv[5] = sql;
	if (run_cmd(c, argv, &res, &err) == 0 && res.status == 0)
		b->failures = strtoul(res.out.data, NULL, 10);
	sf_buf_free(&res.out);
}

/* With the server not answering: the bans its database holds. */
static void
f2b_from_db(struct ctx *c, const char *dbfile, const char *client, const char *socket,
	const char *confdir, const char *why_client)
{
	char sqlite[SF_MTA_PATH_MAX], sql[400];
	struct sf_bans_cmd res;
	struct sf_error err;
	const char *argv[9];
	const char *p, *line;

	if (access(dbfile, F_OK) != 0) {
		check_set(c, SF_BAN_FAIL2BAN, SF_CHECK_FAILED,
			"%s; its database %s is not there either", why_client, dbfile);
		return;
	}
	if (access(dbfile, R_OK) != 0) {
		check_set(c, SF_BAN_FAIL2BAN, SF_CHECK_DENIED,
			"%s; its database %s is not readable (run as root)", why_client, dbfile);
		return;
	}
	if (!sf_bans_which("sqlite3", sqlite, sizeof sqlite)) {
		check_set(c, SF_BAN_FAIL2BAN, SF_CHECK_FAILED,
			"%s; its database %s could not be read: the sqlite3 program is not "
			"installed",
			why_client, dbfile);
		return;
	}
	snprintf(sql, sizeof sql,
		"SELECT jail, timeofban, bantime FROM bips WHERE ip='%s' AND "
		"(bantime < 0 OR timeofban + bantime > %lld);",
		c->addr, (long long)c->o->now);
	argv[0] = sqlite;
	argv[1] = "-readonly";
	argv[2] = "-batch";
	argv[3] = "-noheader";
	argv[4] = "-separator";
	argv[5] = "\t";
	argv[6] = dbfile;
	argv[7] = sql;
	argv[8] = NULL;
	{
		if (run_cmd(c, argv, &res, &err) < 0 || res.status != 0) {
			char fl[200];

			first_line(&res, fl, sizeof fl);
			check_set(c, SF_BAN_FAIL2BAN, SF_CHECK_FAILED,
				"%s; reading its database %s failed: %s", why_client, dbfile,
				fl[0] ? fl : err.message);
			sf_buf_free(&res.out);
			return;
		}
	}
	check_set(c, SF_BAN_FAIL2BAN, SF_CHECK_DONE,
		"%s; read its database %s instead (the bans fail2ban restores when it starts)",
		why_client, dbfile);
	c->r->checks[SF_BAN_FAIL2BAN].note = true;
	p = res.out.data;
	while (p != NULL && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		char row[400], *tab1, *tab2;
		struct sf_ban b;

		line = p;
		p = nl != NULL ? nl + 1 : NULL;
		if (len == 0 || len >= sizeof row)
			continue;
		memcpy(row, line, len);
		row[len] = '\0';
		tab1 = strchr(row, '\t');
		tab2 = tab1 != NULL ? strchr(tab1 + 1, '\t') : NULL;
		if (tab2 == NULL)
			continue;
		*tab1 = *tab2 = '\0';
		memset(&b, 0, sizeof b);
		b.source = SF_BAN_FAIL2BAN;
		b.temporary = true;
		snprintf(b.entry, sizeof b.entry, "%s", c->addr);
		snprintf(b.jail, sizeof b.jail, "%.63s", row);
		snprintf(b.where, sizeof b.where, "jail %.63s (from its database)", row);
		b.since = (time_t)strtoll(tab1 + 1, NULL, 10);
		if (strtoll(tab2 + 1, NULL, 10) >= 0)
			b.until = b.since + (time_t)strtoll(tab2 + 1, NULL, 10);
		f2b_reasons_from_db(c, dbfile, &b);
		b.nlift = 0;
		snprintf(b.lift[b.nlift++], SF_BANS_ARG_MAX, "%s", client);
		if (confdir != NULL) {
			snprintf(b.lift[b.nlift++], SF_BANS_ARG_MAX, "-c");
			snprintf(b.lift[b.nlift++], SF_BANS_ARG_MAX, "%s", confdir);
		}
		snprintf(b.lift[b.nlift++], SF_BANS_ARG_MAX, "-s");
		snprintf(b.lift[b.nlift++], SF_BANS_ARG_MAX, "%s", socket);
		snprintf(b.lift[b.nlift++], SF_BANS_ARG_MAX, "set");
		snprintf(b.lift[b.nlift++], SF_BANS_ARG_MAX, "%s", b.jail);
		snprintf(b.lift[b.nlift++], SF_BANS_ARG_MAX, "unbanip");
		snprintf(b.lift[b.nlift++], SF_BANS_ARG_MAX, "%s", c->addr);
		b.runnable = true;
		sf_bans_add(c->r, &b);
	}
	sf_buf_free(&res.out);
}

static void
find_fail2ban(struct ctx *c)
{
	char socket[SF_MTA_PATH_MAX] = "/var/run/fail2ban/fail2ban.sock";
	char dbfile[SF_MTA_PATH_MAX] = "/var/lib/fail2ban/fail2ban.sqlite3";
	char client[SF_MTA_PATH_MAX], confdir[SF_MTA_PATH_MAX], why[SF_BANS_TEXT_MAX];
	static char jails[SF_BANS_JAILS_MAX][SF_BANS_NAME_MAX];
	static const char *const conf[] = { "/etc/fail2ban/fail2ban.conf",
		"/etc/fail2ban/fail2ban.local" };
	struct sf_bans_cmd res;
	struct sf_error err;
	struct sf_buf text;
	bool have_conf = false, have_client, denied = false;
	size_t i, nj;
	int eno;
	const char *argv[16];
	size_t a0;

	for (i = 0; i < 2; i++) {
		int rc = read_file(
			c->root, conf[i], SF_BANS_FILE_MAX, false, &text, why, sizeof why, &eno);

		if (rc == 0) {
			have_conf = true;
			sf_f2b_parse_conf(text.data, socket, sizeof socket, dbfile, sizeof dbfile);
		} else if (rc == -2 && eno == EACCES)
			denied = true;
		sf_buf_free(&text);
	}
	have_client = sf_bans_which("fail2ban-client", client, sizeof client);
	if (!have_conf && !have_client) {
		if (denied)
			check_set(c, SF_BAN_FAIL2BAN, SF_CHECK_DENIED,
				"its configuration is not readable (run as root)");
		else
			check_set(c, SF_BAN_FAIL2BAN, SF_CHECK_ABSENT,
				"not installed (no fail2ban-client, no /etc/fail2ban)");
		return;
	}
	confdir[0] = '\0';
	if (c->root != NULL)
		sf_mta_path(c->root, "/etc/fail2ban", confdir, sizeof confdir);
	if (!have_client) {
		snprintf(client, sizeof client, "/usr/bin/fail2ban-client");
		f2b_from_db(c, dbfile, client, socket, confdir[0] ? confdir : NULL,
			"fail2ban-client is not installed");
		return;
	}
	if (access(socket, F_OK) != 0) {
		snprintf(why, sizeof why, "the fail2ban server is not running (no socket %.200s)",
			socket);
		f2b_from_db(c, dbfile, client, socket, confdir[0] ? confdir : NULL, why);
		return;
	}
	if (access(socket, W_OK) != 0) {
		check_set(c, SF_BAN_FAIL2BAN, SF_CHECK_DENIED,
			"its socket %s is not open to this user (run as root)", socket);
		return;
	}
	a0 = 0;
	argv[a0++] = client;
	if (confdir[0]) {
		argv[a0++] = "-c";
		argv[a0++] = confdir;
	}
	argv[a0++] = "-s";
	argv[a0++] = socket;
	argv[a0] = "status";
	argv[a0 + 1] = NULL;
	if (run_cmd(c, argv, &res, &err) < 0 || res.status != 0) {
		char fl[200];

		first_line(&res, fl, sizeof fl);
		snprintf(why, sizeof why, "fail2ban-client status failed: %s",
			fl[0] ? fl : err.message);
		sf_buf_free(&res.out);
		f2b_from_db(c, dbfile, client, socket, confdir[0] ? confdir : NULL, why);
		return;
	}
	nj = sf_f2b_parse_jails(res.out.data, jails, SF_BANS_JAILS_MAX);
	sf_buf_free(&res.out);
	check_set(c, SF_BAN_FAIL2BAN, SF_CHECK_DONE, "asked the fail2ban server (%zu jail%s)", nj,
		nj == 1 ? "" : "s");
	for (i = 0; i < nj; i++) {
		struct sf_ban b;
		bool banned;

		argv[a0] = "status";
		argv[a0 + 1] = jails[i];
		argv[a0 + 2] = NULL;
		if (run_cmd(c, argv, &res, &err) < 0 || res.status != 0) {
			sf_buf_free(&res.out);
			continue;
		}
		banned = sf_f2b_parse_banned(res.out.data, c->addr);
		sf_buf_free(&res.out);
		if (!banned)
			continue;
		memset(&b, 0, sizeof b);
		b.source = SF_BAN_FAIL2BAN;
		b.temporary = true;
		b.runnable = true;
		snprintf(b.entry, sizeof b.entry, "%s", c->addr);
		snprintf(b.jail, sizeof b.jail, "%s", jails[i]);
		snprintf(b.where, sizeof b.where, "jail %s", jails[i]);
		argv[a0] = "get";
		argv[a0 + 1] = jails[i];
		argv[a0 + 2] = "banip";
		argv[a0 + 3] = "--with-time";
		argv[a0 + 4] = NULL;
		if (run_cmd(c, argv, &res, &err) == 0 && res.status == 0)
			sf_f2b_parse_with_time(res.out.data, c->addr, &b.since, &b.until);
		sf_buf_free(&res.out);
		f2b_reasons_from_db(c, dbfile, &b);
		for (b.nlift = 0; b.nlift < a0; b.nlift++)
			snprintf(b.lift[b.nlift], SF_BANS_ARG_MAX, "%s", argv[b.nlift]);
		snprintf(b.lift[b.nlift++], SF_BANS_ARG_MAX, "set");
		snprintf(b.lift[b.nlift++], SF_BANS_ARG_MAX, "%s", jails[i]);
		snprintf(b.lift[b.nlift++], SF_BANS_ARG_MAX, "unbanip");
		snprintf(b.lift[b.nlift++], SF_BANS_ARG_MAX, "%s", c->addr);
		sf_bans_add(c->r, &b);
	}
}

/* ---- CSF/LFD ---- */

static void
find_csf(struct ctx *c)
{
	char csf[SF_MTA_PATH_MAX], why[SF_BANS_TEXT_MAX];
	struct sf_buf text, log;
	size_t before = c->r->nbans, i;
	int eno, rc, denied = 0, read = 0;
	bool allowed = false;
	struct stat st;
	char w[SF_MTA_TEXT_MAX];

	if (sf_mta_stat(c->root, "/etc/csf", &st, w, sizeof w) < 0) {
		check_set(c, SF_BAN_CSF, SF_CHECK_ABSENT, "not installed (no /etc/csf)");
		return;
	}
	if (!sf_bans_which("/usr/sbin/csf", csf, sizeof csf))
		snprintf(csf, sizeof csf, "/usr/sbin/csf");
	rc = read_file(c->root, "/etc/csf/csf.deny", SF_BANS_FILE_MAX, false, &text, why,
		sizeof why, &eno);
	if (rc == 0) {
		read++;
		sf_csf_parse_deny(
			text.data, c->addr, "/etc/csf/csf.deny", c->o->run_commands, csf, c->r);
		/* Include lines: one level, each file read the same way. */
		{
			const char *p = text.data;
			int incs = 0;

			while ((p = strstr(p, "Include")) != NULL && incs < SF_BANS_INCLUDE_MAX) {
				char path[SF_MTA_PATH_MAX];
				const char *s = p + 7, *e;
				struct sf_buf inc;

				if (p != text.data && p[-1] != '\n') {
					p = s;
					continue;
				}
				while (*s == ' ' || *s == '\t')
					s++;
				e = s;
				while (*e && *e != '\n' && *e != ' ' && *e != '\t')
					e++;
				p = e;
				if (*s != '/' || (size_t)(e - s) >= sizeof path)
					continue;
				memcpy(path, s, (size_t)(e - s));
				path[e - s] = '\0';
				incs++;
				if (read_file(c->root, path, SF_BANS_FILE_MAX, false, &inc, why,
					    sizeof why, &eno) == 0)
					sf_csf_parse_deny(inc.data, c->addr, path,
						c->o->run_commands, csf, c->r);
				sf_buf_free(&inc);
			}
		}
	} else if (rc == -2)
		denied++;
	sf_buf_free(&text);
	rc = read_file(c->root, "/var/lib/csf/csf.tempban", SF_BANS_FILE_MAX, false, &text, why,
		sizeof why, &eno);
	if (rc == 0) {
		read++;
		sf_csf_parse_tempban(text.data, c->addr, c->o->now, csf, c->r);
	} else if (rc == -2)
		denied++;
	else
		read++; /* no temporary bans at all */
	sf_buf_free(&text);
	if (read_file(c->root, "/etc/csf/csf.allow", SF_BANS_FILE_MAX, false, &text, why,
		    sizeof why, &eno) == 0)
		allowed = sf_csf_parse_allow(text.data, c->addr);
	sf_buf_free(&text);
	if (read == 0) {
		check_set(c, SF_BAN_CSF, SF_CHECK_DENIED, "%s (run as root)", why);
		return;
	}
	check_set(c, SF_BAN_CSF, SF_CHECK_DONE, "read csf.deny and csf.tempban%s%s",
		denied ? "; not all of them were readable: " : "", denied ? why : "");
	if (c->r->nbans == before && !allowed)
		return;
	/* The reason LFD logged, for each CSF block found. */
	rc = read_file(c->root, "/var/log/lfd.log", SF_BANS_LOG_TAIL_MAX, true, &log, why,
		sizeof why, &eno);
	for (i = before; i < c->r->nbans; i++) {
		struct sf_ban *b = &c->r->bans[i];

		b->runnable = c->o->run_commands;
		if (rc == 0)
			b->nlines = sf_bans_log_lines(
				log.data, log.len, c->addr, NULL, b->lines, SF_BANS_LINES_MAX);
	}
	sf_buf_free(&log);
	if (allowed)
		c->r->checks[SF_BAN_CSF].note = true;
	if (allowed)
		snprintf(c->r->checks[SF_BAN_CSF].why + strlen(c->r->checks[SF_BAN_CSF].why),
			sizeof c->r->checks[SF_BAN_CSF].why - strlen(c->r->checks[SF_BAN_CSF].why),
			"; the address is also in csf.allow");
}

/* ---- cPHulk ---- */

static void
find_cphulk(struct ctx *c)
{
	char whmapi[SF_MTA_PATH_MAX], why[SF_BANS_TEXT_MAX];
	struct sf_buf log;
	struct stat st;
	char w[SF_MTA_TEXT_MAX];
	int eno, rc;
	bool have_api;

	if (sf_mta_stat(c->root, "/usr/local/cpanel", &st, w, sizeof w) < 0) {
		check_set(c, SF_BAN_CPHULK, SF_CHECK_ABSENT, "not installed (no cPanel here)");
		return;
	}
	have_api = sf_bans_which("/usr/local/cpanel/bin/whmapi1", whmapi, sizeof whmapi) ||
		   sf_bans_which("/usr/sbin/whmapi1", whmapi, sizeof whmapi);
	if (!have_api)
		snprintf(whmapi, sizeof whmapi, "/usr/local/cpanel/bin/whmapi1");
	if (have_api && c->o->run_commands && c->addr[0]) {
		static const char *const calls[] = { "get_cphulk_brutes",
			"get_cphulk_excessive_brutes" };
		size_t k, ok = 0;

		for (k = 0; k < 2; k++) {
			struct sf_bans_cmd res;
			struct sf_error err;
			const char *argv[] = { whmapi, "--output=json", calls[k], NULL };

			if (run_cmd(c, argv, &res, &err) == 0 && res.status == 0) {
				ok++;
				sf_cphulk_parse_api(res.out.data, c->addr, calls[k], whmapi, c->r);
			}
			sf_buf_free(&res.out);
		}
		if (ok > 0) {
			size_t i;

			for (i = 0; i < c->r->nbans; i++)
				if (c->r->bans[i].source == SF_BAN_CPHULK)
					c->r->bans[i].runnable = true;
			check_set(c, SF_BAN_CPHULK, SF_CHECK_DONE,
				"asked cPHulk through whmapi1 (%s)",
				ok == 2 ? "brute force and one-day blocks" : "in part");
			return;
		}
	}
	rc = read_file(c->root, "/usr/local/cpanel/logs/cphulkd.log", SF_BANS_LOG_TAIL_MAX, true,
		&log, why, sizeof why, &eno);
	if (rc == -1) {
		check_set(c, SF_BAN_CPHULK, SF_CHECK_FAILED,
			"whmapi1 %s and cphulkd.log is not there",
			have_api ? "was not asked (--root)" : "is not there");
	} else if (rc == -2) {
		check_set(c, SF_BAN_CPHULK, eno == EACCES ? SF_CHECK_DENIED : SF_CHECK_FAILED,
			"%s%s", why, eno == EACCES ? " (run as root)" : "");
	} else {
		size_t before = c->r->nbans, i;

		sf_cphulk_parse_log(
			log.data, log.len, c->addr, c->o->user, c->o->now, whmapi, c->r);
		for (i = before; i < c->r->nbans; i++)
			c->r->bans[i].runnable = c->o->run_commands && have_api;
		check_set(c, SF_BAN_CPHULK, SF_CHECK_DONE,
			"read cphulkd.log (blocks it logged; whether one is still in force needs "
			"whmapi1)");
	}
	sf_buf_free(&log);
}

/* ---- cPanel's Exim lists ---- */

static void
find_exim_lists(struct ctx *c)
{
	static const char *const files[] = { "/etc/spammeripblocks",
		"/etc/blocked_incoming_email_country_ips" };
	char why[SF_BANS_TEXT_MAX];
	size_t k, read = 0, denied = 0;

	for (k = 0; k < 2; k++) {
		struct sf_buf text;
		int eno, rc = read_file(c->root, files[k], SF_BANS_FILE_MAX, false, &text, why,
				 sizeof why, &eno);

		if (rc == 0) {
			read++;
			sf_exim_list_parse(text.data, c->addr, files[k], c->r);
		} else if (rc == -2)
			denied++;
		sf_buf_free(&text);
	}
	if (read > 0)
		check_set(c, SF_BAN_EXIM_LISTS, SF_CHECK_DONE, "read %s", files[0]);
	else if (denied > 0)
		check_set(c, SF_BAN_EXIM_LISTS, SF_CHECK_DENIED, "%s (run as root)", why);
	else
		check_set(c, SF_BAN_EXIM_LISTS, SF_CHECK_ABSENT, "not there (no %s)", files[0]);
}

/* ---- the firewall ---- */

static void
find_nft(struct ctx *c)
{
	char nft[SF_MTA_PATH_MAX];
	struct sf_bans_cmd res;
	struct sf_error err;
	size_t before = c->r->nbans, i;

	if (!c->o->run_commands) {
		check_set(c, SF_BAN_NFTABLES, SF_CHECK_SKIPPED,
			"not looked at: --root reads a copy of files, and this machine's firewall "
			"is not the copy's");
		return;
	}
	if (!sf_bans_which("nft", nft, sizeof nft)) {
		check_set(c, SF_BAN_NFTABLES, SF_CHECK_ABSENT, "not installed (no nft command)");
		return;
	}
	{
		const char *argv[] = { nft, "-a", "list", "ruleset", NULL };

		if (run_cmd(c, argv, &res, &err) < 0 || res.status != 0) {
			char fl[200];

			first_line(&res, fl, sizeof fl);
			check_set(c, SF_BAN_NFTABLES,
				strstr(fl, "ermission") || strstr(fl, "not permitted")
					? SF_CHECK_DENIED
					: SF_CHECK_FAILED,
				"nft list ruleset failed: %s%s", fl[0] ? fl : err.message,
				geteuid() != 0 ? " (run as root)" : "");
			sf_buf_free(&res.out);
			return;
		}
	}
	sf_nft_parse(res.out.data, c->addr, nft, c->r);
	sf_buf_free(&res.out);
	for (i = before; i < c->r->nbans; i++)
		c->r->bans[i].runnable = true;
	check_set(c, SF_BAN_NFTABLES, SF_CHECK_DONE, "listed the ruleset");
}

/* iptables-nft keeps its rules in nftables tables: nft lists them too.
 * Such a rule is one block, lifted with iptables; its nft listing (same
 * table and chain, in family ip or ip6) is dropped. */
static void
drop_nft_twins(struct sf_bans_report *r, size_t first_ipt)
{
	size_t i, k, out, gone;

	for (i = first_ipt; i < r->nbans; i++) {
		char table[SF_BANS_NAME_MAX], chain[SF_BANS_NAME_MAX], p4[SF_BANS_WHERE_MAX],
			p6[SF_BANS_WHERE_MAX];

		if (r->bans[i].source != SF_BAN_IPTABLES ||
			sscanf(r->bans[i].where, "table %63[^,], chain %63s", table, chain) != 2)
			continue;
		snprintf(p4, sizeof p4, "rule in chain ip %s %s ", table, chain);
		snprintf(p6, sizeof p6, "rule in chain ip6 %s %s ", table, chain);
		for (k = 0, out = 0, gone = 0; k < r->nbans; k++) {
			const struct sf_ban *b = &r->bans[k];
			bool twin = b->source == SF_BAN_NFTABLES &&
				    (strncmp(b->where, p4, strlen(p4)) == 0 ||
					    strncmp(b->where, p6, strlen(p6)) == 0);

			if (twin && k < i)
				gone++;
			if (!twin)
				r->bans[out++] = *b;
		}
		r->nbans = out;
		i -= gone;
	}
}

static void
find_ipt(struct ctx *c)
{
	char save[SF_MTA_PATH_MAX], ipt[SF_MTA_PATH_MAX];
	bool v6 = strchr(c->addr, ':') != NULL;
	struct sf_bans_cmd res;
	struct sf_error err;
	size_t before = c->r->nbans, i;

	if (!c->o->run_commands) {
		check_set(c, SF_BAN_IPTABLES, SF_CHECK_SKIPPED,
			"not looked at: --root reads a copy of files, and this machine's firewall "
			"is not the copy's");
		return;
	}
	if (!sf_bans_which(v6 ? "ip6tables-save" : "iptables-save", save, sizeof save) ||
		!sf_bans_which(v6 ? "ip6tables" : "iptables", ipt, sizeof ipt)) {
		check_set(c, SF_BAN_IPTABLES, SF_CHECK_ABSENT, "not installed (no %s command)",
			v6 ? "ip6tables-save" : "iptables-save");
		return;
	}
	{
		const char *argv[] = { save, NULL };

		if (run_cmd(c, argv, &res, &err) < 0 || res.status != 0) {
			char fl[200];

			first_line(&res, fl, sizeof fl);
			check_set(c, SF_BAN_IPTABLES,
				geteuid() != 0 ? SF_CHECK_DENIED : SF_CHECK_FAILED,
				"%s failed: %s%s", v6 ? "ip6tables-save" : "iptables-save",
				fl[0] ? fl : err.message, geteuid() != 0 ? " (run as root)" : "");
			sf_buf_free(&res.out);
			return;
		}
	}
	sf_ipt_parse(res.out.data, c->addr, ipt, c->r);
	for (i = before; i < c->r->nbans; i++)
		c->r->bans[i].runnable = true;
	if (strstr(res.out.data, "(nf_tables)") != NULL)
		drop_nft_twins(c->r, before);
	sf_buf_free(&res.out);
	check_set(c, SF_BAN_IPTABLES, SF_CHECK_DONE, "listed the %s rules",
		v6 ? "ip6tables" : "iptables");
}

int
sf_bans_find(const struct sf_bans_options *o, struct sf_bans_report *r, struct sf_error *err)
{
	struct ctx c;

	memset(r, 0, sizeof *r);
	memset(&c, 0, sizeof c);
	if (o->address == NULL || !sf_bans_address_ok(o->address, c.addr, sizeof c.addr))
		return sf_error_set(err, SF_E_USAGE, "not an IP address: %s",
			o->address != NULL ? o->address : "(none)");
	if (o->user != NULL && !sf_bans_user_ok(o->user))
		return sf_error_set(err, SF_E_USAGE, "not a usable user name");
	c.o = o;
	c.r = r;
	c.root = (o->root != NULL && *o->root && strcmp(o->root, "/") != 0) ? o->root : NULL;
	c.timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : SF_BANS_CMD_TIMEOUT_MS;
	snprintf(r->address, sizeof r->address, "%s", c.addr);
	if (o->user != NULL)
		snprintf(r->user, sizeof r->user, "%s", o->user);
	find_fail2ban(&c);
	find_csf(&c);
	find_cphulk(&c);
	find_exim_lists(&c);
	find_nft(&c);
	find_ipt(&c);
	return 0;
}
