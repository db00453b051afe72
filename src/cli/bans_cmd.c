#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "smtpfix/bans.h"
#include "smtpfix/help.h"
#include "smtpfix/json.h"
#include "smtpfix/mta.h"

#define HELP_FILE "bans/bans.txt"
#define ADDRS_MAX 8 /* addresses looked up without --ip (the failing devices') */
#define JSON_MAX (16u << 20)

static const char bans_usage[] =
	"usage: smtpfix bans [--ip ADDR] [--user EMAIL] [--json] [--unban] [--root DIR]\n"
	"                    [--log FILE]... [--since DURATION]\n"
	"\n"
	"Run on the mail server: is the address blocked (fail2ban, CSF/LFD, cPHulk,\n"
	"cPanel's Exim block lists, nftables, iptables), since when, why, and the\n"
	"command that lifts it. Also names the devices that keep failing to log in\n"
	"with an old password, from the mail logs. Run as root to see everything.\n"
	"\n"
	"  --ip ADDR         the address to look up (IPv4 or IPv6); without it, the\n"
	"                    addresses of the devices failing in the mail logs\n"
	"  --user EMAIL      only this user's failing devices\n"
	"  --unban           lift every block found for --ip (only those), printing\n"
	"                    each command and its result\n"
	"  --root DIR        read a copy of a server's files under DIR (CSF, cPHulk,\n"
	"                    fail2ban's configuration, mail logs); runs no command of\n"
	"                    the copy and leaves this machine's firewall alone\n"
	"  --log FILE        read this mail log instead of the usual ones (repeatable)\n"
	"  --since D         the log period for old passwords: 1d (default), 12h, 2w\n"
	"  --json            print one JSON document\n"
	"\n"
	"Exit status: 0 nothing blocks it, 1 a block was found (after --unban: one\n"
	"is left), 2 bad usage, 3 nothing could be checked.\n";

static const char *
fill(const char *key, const char *const *facts, char *out, size_t outsz)
{
	sf_help_fill(HELP_FILE, key, facts, out, outsz);
	return out;
}

static void
say(const char *indent, const char *key, const char *const *facts)
{
	char line[2048];

	fputs(indent, stdout);
	sf_cli_print_safe(stdout, fill(key, facts, line, sizeof line));
	fputc('\n', stdout);
}

static void
fmt_time(time_t t, time_t now, char *out, size_t outsz)
{
	struct tm a, b;

	if (t == 0 || localtime_r(&t, &a) == NULL || localtime_r(&now, &b) == NULL) {
		snprintf(out, outsz, "?");
		return;
	}
	if (a.tm_year == b.tm_year && a.tm_yday == b.tm_yday)
		strftime(out, outsz, "%H:%M", &a);
	else
		strftime(out, outsz, "%Y-%m-%d %H:%M", &a);
}

static void
iso_time(time_t t, char *out, size_t outsz)
{
	struct tm a;

	if (t == 0 || gmtime_r(&t, &a) == NULL)
		out[0] = '\0';
	else
		strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &a);
}

static bool
is_firewall(enum sf_ban_source s)
{
	return s == SF_BAN_NFTABLES || s == SF_BAN_IPTABLES;
}

static void
print_ban(const struct sf_ban *b, const char *address, time_t now)
{
	char since[160] = "", until[160] = "", t[40], cmd[4096], count[24], listed[160] = "";
	size_t i;

	if (strcmp(b->entry, address) != 0)
		fill("listed", (const char *const[]){ "entry", b->entry, NULL }, listed,
			sizeof listed);
	if (b->since != 0) {
		fmt_time(b->since, now, t, sizeof t);
		fill("since", (const char *const[]){ "time", t, NULL }, since, sizeof since);
	}
	if (b->until != 0) {
		fmt_time(b->until, now, t, sizeof t);
		fill("until", (const char *const[]){ "time", t, NULL }, until, sizeof until);
	}
	say("", "blocked",
		(const char *const[]){ "address", address, "source", sf_ban_source_words(b->source),
			"where", b->where, "listed", listed, "since", since, "until", until,
			NULL });
	if (b->reason[0])
		say("  ", "reason", (const char *const[]){ "reason", b->reason, NULL });
	if (b->failures > 0) {
		snprintf(count, sizeof count, "%lu", b->failures);
		say("  ", "failures", (const char *const[]){ "count", count, NULL });
	}
	if (b->nlines > 0) {
		say("  ", "lines", NULL);
		for (i = 0; i < b->nlines; i++) {
			fputs("    ", stdout);
			sf_cli_print_safe(stdout, b->lines[i]);
			fputc('\n', stdout);
		}
	}
	if (b->uncertain)
		say("  ", "uncertain", NULL);
	if (b->nlift > 0) {
		sf_ban_lift_text(b, cmd, sizeof cmd);
		say("  ", b->runnable ? "lift" : "lift-copy",
			(const char *const[]){ "command", cmd, NULL });
	} else if (b->lift_help[0])
		say("  ", b->lift_help,
			(const char *const[]){ "where", b->where, "entry", b->entry, NULL });
}

static void
print_report(const struct sf_bans_report *r, time_t now)
{
	char list[1024] = "", count[24];
	size_t i, used = 0;

	for (i = 0; i < r->nbans; i++)
		print_ban(&r->bans[i], r->address, now);
	if (r->bans_dropped > 0) {
		snprintf(count, sizeof count, "%lu", r->bans_dropped);
		say("", "dropped", (const char *const[]){ "count", count, NULL });
	}
	if (!sf_bans_any_checked(r)) {
		say("", "nothing-checked", (const char *const[]){ "address", r->address, NULL });
	} else {
		for (i = 0; i < SF_BAN_SOURCES; i++) {
			int n;

			if (r->checks[i].state != SF_CHECK_DONE)
				continue;
			n = snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "",
				sf_ban_source_words((enum sf_ban_source)i));
			if (n > 0 && (size_t)n < sizeof list - used)
				used += (size_t)n;
		}
		say("", r->nbans == 0 ? "not-blocked" : "also-blocked",
			(const char *const[]){ "address", r->address, "checked", list, NULL });
	}
	for (i = 0; i < SF_BAN_SOURCES; i++) {
		if (r->checks[i].state == SF_CHECK_DONE || r->checks[i].state == SF_CHECK_NOT_RUN)
			continue;
		say("  ", "not-checked",
			(const char *const[]){ "source", sf_ban_source_words((enum sf_ban_source)i),
				"why", r->checks[i].why, NULL });
	}
	for (i = 0; i < SF_BAN_SOURCES; i++)
		if (r->checks[i].state == SF_CHECK_DONE && r->checks[i].note)
			say("  ", "checked-note",
				(const char *const[]){ "source",
					sf_ban_source_words((enum sf_ban_source)i), "why",
					r->checks[i].why, NULL });
}

static void
print_stale(const struct sf_stale_finding *f, size_t nf, size_t logs_read, const char *since_text,
	time_t now)
{
	size_t i, k;

	if (logs_read == 0) {
		say("", "stale-no-logs", NULL);
		return;
	}
	if (nf == 0) {
		say("", "stale-none", (const char *const[]){ "since", since_text, NULL });
		return;
	}
	say("", "stale-head", (const char *const[]){ "since", since_text, NULL });
	for (i = 0; i < nf; i++) {
		char failed[24], first[40], places[512] = "", fine[600] = "";
		const char *proto = sf_event_proto_id(f[i].bad->proto);
		size_t used = 0;

		snprintf(failed, sizeof failed, "%lu", f[i].bad->failed);
		fmt_time(f[i].bad->first_failed, now, first, sizeof first);
		for (k = 0; k < f[i].nfine; k++) {
			const char *fp = sf_event_proto_id(f[i].fine[k]->proto);
			int n = snprintf(places + used, sizeof places - used, "%s%s%s%s%s",
				used ? ", " : "", f[i].fine[k]->address, fp[0] ? " (" : "", fp,
				fp[0] ? ")" : "");

			if (n > 0 && (size_t)n < sizeof places - used)
				used += (size_t)n;
		}
		if (f[i].nfine > 0)
			fill("stale-fine", (const char *const[]){ "places", places, NULL }, fine,
				sizeof fine);
		{
			char up[16] = "";

			for (k = 0; proto[k] && k + 1 < sizeof up; k++)
				up[k] = (char)(proto[k] >= 'a' && proto[k] <= 'z' ? proto[k] - 32
										  : proto[k]);
			say("  ", "stale",
				(const char *const[]){ "user", f[i].bad->user, "failed", failed,
					"proto", up[0] ? up : "", "address", f[i].bad->address,
					"first", first, "fine", fine, NULL });
		}
	}
}

static void
json_ban(struct sf_json *j, const struct sf_ban *b)
{
	char t[40], cmd[4096], help[1024];
	size_t i;

	sf_json_object_begin(j);
	sf_json_kv_string(j, "source", sf_ban_source_id(b->source));
	sf_json_kv_string(j, "source_name", sf_ban_source_words(b->source));
	sf_json_kv_string(j, "entry", b->entry);
	sf_json_kv_string(j, "where", b->where);
	sf_json_kv_string_or_null(j, "jail", b->jail[0] ? b->jail : NULL);
	sf_json_kv_bool(j, "temporary", b->temporary);
	sf_json_kv_bool(j, "uncertain", b->uncertain);
	iso_time(b->since, t, sizeof t);
	sf_json_kv_string_or_null(j, "since", t[0] ? t : NULL);
	iso_time(b->until, t, sizeof t);
	sf_json_kv_string_or_null(j, "until", t[0] ? t : NULL);
	sf_json_kv_int(j, "failures", (long long)b->failures);
	sf_json_kv_string_or_null(j, "reason", b->reason[0] ? b->reason : NULL);
	sf_json_key(j, "log_lines");
	sf_json_array_begin(j);
	for (i = 0; i < b->nlines; i++)
		sf_json_string(j, b->lines[i]);
	sf_json_array_end(j);
	sf_json_key(j, "lift_argv");
	sf_json_array_begin(j);
	for (i = 0; i < b->nlift; i++)
		sf_json_string(j, b->lift[i]);
	sf_json_array_end(j);
	sf_ban_lift_text(b, cmd, sizeof cmd);
	sf_json_kv_string_or_null(j, "lift_command", b->nlift ? cmd : NULL);
	sf_json_kv_bool(j, "lift_runs_here", b->runnable && b->nlift > 0);
	if (b->lift_help[0])
		fill(b->lift_help,
			(const char *const[]){ "where", b->where, "entry", b->entry, NULL }, help,
			sizeof help);
	sf_json_kv_string_or_null(j, "lift_by_hand", b->lift_help[0] ? help : NULL);
	sf_json_object_end(j);
}

static void
json_report(struct sf_json *j, const struct sf_bans_report *r)
{
	size_t i;

	sf_json_object_begin(j);
	sf_json_kv_string(j, "address", r->address);
	sf_json_kv_bool(j, "blocked", r->nbans > 0);
	sf_json_key(j, "blocks");
	sf_json_array_begin(j);
	for (i = 0; i < r->nbans; i++)
		json_ban(j, &r->bans[i]);
	sf_json_array_end(j);
	sf_json_kv_int(j, "blocks_not_listed", (long long)r->bans_dropped);
	sf_json_key(j, "checks");
	sf_json_array_begin(j);
	for (i = 0; i < SF_BAN_SOURCES; i++) {
		sf_json_object_begin(j);
		sf_json_kv_string(j, "source", sf_ban_source_id((enum sf_ban_source)i));
		sf_json_kv_string(j, "state", sf_ban_check_state_id(r->checks[i].state));
		sf_json_kv_string(j, "detail", r->checks[i].why);
		sf_json_object_end(j);
	}
	sf_json_array_end(j);
	sf_json_object_end(j);
}

struct lifted {
	char command[4096];
	bool ok, ran;
	char said[SF_BANS_MSG_MAX];
	char why[SF_ERROR_MSG_MAX];
};

static void
lift_one(const struct sf_ban *b, bool json, struct lifted *l)
{
	struct sf_bans_cmd res;
	struct sf_error err;
	size_t n, i;

	memset(l, 0, sizeof *l);
	sf_ban_lift_text(b, l->command, sizeof l->command);
	if (b->nlift == 0 || !b->runnable) {
		fill(b->nlift == 0 ? "unban-by-hand" : "unban-copy", NULL, l->why, sizeof l->why);
		if (!json)
			say("  ", "unban-not-run", (const char *const[]){ "why", l->why, NULL });
		return;
	}
	if (!json)
		say("", "unban-run", (const char *const[]){ "command", l->command, NULL });
	l->ran = true;
	l->ok = sf_ban_lift(b, 0, &res, &err) == 0;
	n = res.out.len < sizeof l->said - 1 ? res.out.len : sizeof l->said - 1;
	if (n > 0)
		memcpy(l->said, res.out.data, n);
	l->said[n] = '\0';
	while (n > 0 && (l->said[n - 1] == '\n' || l->said[n - 1] == ' '))
		l->said[--n] = '\0';
	for (i = 0; i < n; i++)
		if (l->said[i] == '\n')
			l->said[i] = ' ';
	sf_buf_free(&res.out);
	if (!l->ok)
		snprintf(l->why, sizeof l->why, "%s", err.message);
	if (json)
		return;
	if (l->ok)
		say("  ", "unban-ok", NULL);
	else
		say("  ", "unban-failed", (const char *const[]){ "why", l->why, NULL });
	if (l->said[0])
		say("  ", "unban-said", (const char *const[]){ "output", l->said, NULL });
}

int
sf_cli_bans(int argc, char **argv)
{
	static const struct option opts[] = { { "ip", required_argument, NULL, 'i' },
		{ "user", required_argument, NULL, 'u' }, { "json", no_argument, NULL, 'j' },
		{ "unban", no_argument, NULL, 'U' }, { "root", required_argument, NULL, 'r' },
		{ "log", required_argument, NULL, 'l' }, { "since", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	static struct sf_policy pol;
	static char paths[SF_LOG_MAX_FILES][SF_MTA_PATH_MAX];
	static struct sf_stale_finding findings[SF_STALE_FINDINGS_MAX];
	static struct lifted lifts[SF_BANS_MAX * 2];
	const char *logs[SF_LOG_MAX_FILES];
	const char *ip = NULL, *user = NULL, *root = NULL;
	char canon[SF_BANS_ADDR_MAX], since_text[40];
	char addrs[ADDRS_MAX][SF_BANS_ADDR_MAX];
	struct sf_bans_report *reports = NULL;
	struct sf_bans_options bo;
	struct sf_stale stale;
	struct sf_error err;
	size_t nlogs = 0, logs_read = 0, nf, naddrs = 0, nreports = 0, nlifts = 0, i, k;
	long since = 86400;
	bool json = false, unban = false, any_checked = false, blocked = false, left = false;
	time_t now = time(NULL);
	size_t budget = SF_STALE_READ_MAX;
	char unread[SF_LOG_MAX_FILES][SF_ERROR_MSG_MAX];
	size_t nunread = 0;
	int c;

	while ((c = sf_cli_getopt(argc, argv, opts, NULL)) != -1) {
		switch (c) {
		case 'i': ip = optarg; break;
		case 'u': user = optarg; break;
		case 'j': json = true; break;
		case 'U': unban = true; break;
		case 'r': root = optarg; break;
		case 'l':
			if (nlogs >= SF_LOG_MAX_FILES) {
				sf_cli_usage_error("at most %d log files", SF_LOG_MAX_FILES);
				return SF_EXIT_USAGE;
			}
			logs[nlogs++] = optarg;
			break;
		case 's':
			if (sf_parse_duration(optarg, &since) < 0 || since <= 0) {
				sf_cli_usage_error(
					"--since '%s' is not a period such as 1d, 12h or 2w",
					optarg);
				return SF_EXIT_USAGE;
			}
			break;
		case 'h': fputs(bans_usage, stdout); return SF_EXIT_OK;
		case SF_CLI_BAD_VALUE: return SF_EXIT_USAGE;
		default:
			sf_cli_usage_error("bans: unknown option '%s' (see smtpfix bans --help)",
				argv[optind - 1]);
			return SF_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		sf_cli_usage_error(
			"bans takes no arguments, only options (see smtpfix bans --help)");
		return SF_EXIT_USAGE;
	}
	if (ip != NULL && !sf_bans_address_ok(ip, canon, sizeof canon)) {
		sf_cli_usage_error("--ip '%s' is not an IPv4 or IPv6 address", ip);
		return SF_EXIT_USAGE;
	}
	if (user != NULL && (!sf_bans_user_ok(user) || !sf_cli_text_clean(user))) {
		sf_cli_usage_error("--user '%s' is not a user name or email address smtpfix will "
				   "use (no spaces, quotes or shell characters)",
			user);
		return SF_EXIT_USAGE;
	}
	if (unban && ip == NULL) {
		sf_cli_usage_error("--unban needs --ip: it lifts the blocks of one address");
		return SF_EXIT_USAGE;
	}
	if (root != NULL && (root[0] == '\0' || strcmp(root, "/") == 0))
		root = NULL;

	/* The device with the old password: the mail logs of the period. */
	if (sf_stale_init(&stale, &err) < 0) {
		sf_cli_usage_error("%s", err.message);
		return SF_EXIT_NOTHING;
	}
	if (nlogs == 0) {
		size_t n = sf_policy_log_paths(&pol, root, now - since, paths, SF_LOG_MAX_FILES);

		for (i = 0; i < n; i++)
			logs[nlogs++] = paths[i];
	}
	for (i = 0; i < nlogs; i++) {
		/* --log files are the person's own; the usual ones are found under
		 * the root already (sf_policy_log_paths gives ROOT/...). */
		int rc = sf_stale_read_log(&stale, NULL, logs[i], now - since, now, &budget, &err);

		if (rc == 0 || err.code == SF_E_TOO_LONG)
			logs_read++;
		if (rc < 0 && nunread < SF_LOG_MAX_FILES)
			snprintf(unread[nunread++], sizeof unread[0], "%s", err.message);
	}
	nf = sf_stale_findings(
		&stale, user, ip != NULL ? canon : NULL, findings, SF_STALE_FINDINGS_MAX);
	snprintf(since_text, sizeof since_text, "%ld h ago", since / 3600);
	fmt_time(now - since, now, since_text, sizeof since_text);

	/* The addresses to look up. */
	if (ip != NULL)
		snprintf(addrs[naddrs++], SF_BANS_ADDR_MAX, "%s", canon);
	else
		for (i = 0; i < nf && naddrs < ADDRS_MAX; i++) {
			for (k = 0; k < naddrs; k++)
				if (strcmp(addrs[k], findings[i].bad->address) == 0)
					break;
			if (k == naddrs && sf_bans_address_ok(findings[i].bad->address,
						   addrs[naddrs], SF_BANS_ADDR_MAX))
				naddrs++;
		}
	if (naddrs > 0) {
		reports = calloc(naddrs, sizeof *reports);
		if (reports == NULL) {
			sf_stale_free(&stale);
			sf_cli_usage_error("out of memory");
			return SF_EXIT_NOTHING;
		}
	}
	memset(&bo, 0, sizeof bo);
	bo.root = root;
	bo.user = user;
	bo.now = now;
	bo.run_commands = root == NULL;
	for (i = 0; i < naddrs; i++) {
		bo.address = addrs[i];
		if (sf_bans_find(&bo, &reports[nreports], &err) < 0) {
			sf_cli_usage_error("%s", err.message);
			continue;
		}
		any_checked |= sf_bans_any_checked(&reports[nreports]);
		blocked |= reports[nreports].nbans > 0;
		nreports++;
	}

	if (!json) {
		for (i = 0; i < nreports; i++) {
			if (i > 0)
				fputc('\n', stdout);
			print_report(&reports[i], now);
		}
		if (naddrs == 0)
			say("", "no-address", NULL);
		fputc('\n', stdout);
		print_stale(findings, nf, logs_read, since_text, now);
		for (i = 0; i < nunread; i++)
			say("  ", "stale-unread", (const char *const[]){ "why", unread[i], NULL });
	}

	/* --unban: the blocks of the one address, the firewall's last (a
	 * fail2ban or CSF lift removes its own rule; what is left is then
	 * looked up again). */
	if (unban && nreports == 1) {
		struct sf_bans_report *r = &reports[0];
		/* Phases: the blockers' own lifts first (they remove their own
		 * firewall rules), then nftables, then iptables, each phase on a
		 * fresh look so nothing already gone is lifted twice. */
		int phase;

		if (!json && r->nbans > 0)
			fputc('\n', stdout);
		for (phase = 0; phase < 3; phase++) {
			if (phase > 0 && sf_bans_find(&bo, r, &err) < 0)
				break;
			for (i = 0; i < r->nbans && nlifts < SF_BANS_MAX * 2; i++) {
				enum sf_ban_source s = r->bans[i].source;

				if ((phase == 0 && !is_firewall(s)) ||
					(phase == 1 && s == SF_BAN_NFTABLES) ||
					(phase == 2 && s == SF_BAN_IPTABLES))
					lift_one(&r->bans[i], json, &lifts[nlifts++]);
			}
		}
		/* What is left now. */
		if (sf_bans_find(&bo, r, &err) == 0)
			left = r->nbans > 0;
	}

	if (json) {
		struct sf_buf out;
		struct sf_json j;
		char t[40];

		sf_buf_init(&out, JSON_MAX);
		sf_json_init(&j, &out, 2);
		sf_json_object_begin(&j);
		sf_json_kv_string_or_null(&j, "address", ip != NULL ? canon : NULL);
		sf_json_kv_string_or_null(&j, "user", user);
		sf_json_kv_bool(&j, "blocked", unban ? left : blocked);
		sf_json_key(&j, "reports");
		sf_json_array_begin(&j);
		for (i = 0; i < nreports; i++)
			json_report(&j, &reports[i]);
		sf_json_array_end(&j);
		sf_json_key(&j, "old_passwords");
		sf_json_object_begin(&j);
		iso_time(now - since, t, sizeof t);
		sf_json_kv_string(&j, "since", t);
		sf_json_kv_int(&j, "logs_read", (long long)logs_read);
		sf_json_kv_int(&j, "login_events", (long long)stale.events);
		sf_json_key(&j, "logs_not_read");
		sf_json_array_begin(&j);
		for (i = 0; i < nunread; i++)
			sf_json_string(&j, unread[i]);
		sf_json_array_end(&j);
		sf_json_key(&j, "devices");
		sf_json_array_begin(&j);
		for (i = 0; i < nf; i++) {
			const struct sf_stale_group *g = findings[i].bad;

			sf_json_object_begin(&j);
			sf_json_kv_string(&j, "user", g->user);
			sf_json_kv_string(&j, "address", g->address);
			sf_json_kv_string(&j, "protocol", sf_event_proto_id(g->proto));
			sf_json_kv_int(&j, "failed", (long long)g->failed);
			iso_time(g->first_failed, t, sizeof t);
			sf_json_kv_string_or_null(&j, "first_failed", t[0] ? t : NULL);
			iso_time(g->last_failed, t, sizeof t);
			sf_json_kv_string_or_null(&j, "last_failed", t[0] ? t : NULL);
			sf_json_key(&j, "fine_from");
			sf_json_array_begin(&j);
			for (k = 0; k < findings[i].nfine; k++) {
				sf_json_object_begin(&j);
				sf_json_kv_string(&j, "address", findings[i].fine[k]->address);
				sf_json_kv_string(&j, "protocol",
					sf_event_proto_id(findings[i].fine[k]->proto));
				sf_json_kv_int(&j, "ok", (long long)findings[i].fine[k]->ok);
				sf_json_object_end(&j);
			}
			sf_json_array_end(&j);
			sf_json_object_end(&j);
		}
		sf_json_array_end(&j);
		sf_json_object_end(&j);
		if (unban) {
			sf_json_key(&j, "unban");
			sf_json_array_begin(&j);
			for (i = 0; i < nlifts; i++) {
				sf_json_object_begin(&j);
				sf_json_kv_string(&j, "command", lifts[i].command);
				sf_json_kv_bool(&j, "ran", lifts[i].ran);
				sf_json_kv_bool(&j, "lifted", lifts[i].ok);
				sf_json_kv_string_or_null(
					&j, "why", lifts[i].why[0] ? lifts[i].why : NULL);
				sf_json_kv_string(&j, "output", lifts[i].said);
				sf_json_object_end(&j);
			}
			sf_json_array_end(&j);
		}
		sf_json_object_end(&j);
		if (sf_json_finish(&j, &err) == 0 && sf_buf_add(&out, "\n", 1, &err) == 0)
			fwrite(out.data, 1, out.len, stdout);
		else
			sf_cli_usage_error("cannot write the JSON document: %s", err.message);
		sf_buf_free(&out);
	}
	free(reports);
	sf_stale_free(&stale);
	if (naddrs > 0 && !any_checked)
		return SF_EXIT_NOTHING;
	if (naddrs == 0 && logs_read == 0)
		return SF_EXIT_NOTHING;
	if (unban)
		return left ? SF_EXIT_PROBLEM : SF_EXIT_OK;
	return blocked ? SF_EXIT_PROBLEM : SF_EXIT_OK;
}
