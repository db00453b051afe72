#include <arpa/inet.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "smtpfix/bans.h"
#include "smtpfix/help.h"
#include "smtpfix/mta.h"
#include "smtpfix/text.h"
#include "smtpfix/report.h"
#include "smtpfix/watch.h"

static const char watch_usage[] =
	"usage: smtpfix watch [--ip ADDR]... [--user EMAIL]... [--since DURATION]\n"
	"                     [--for DURATION] [--json] [--root DIR] [--log FILE]...\n"
	"                     [--poll] [--journal] [--journal-file FILE]\n"
	"\n"
	"Follows this mail server's logs (Exim, Postfix, Dovecot, saslauthd) and shows\n"
	"each attempt of a mail program as it happens: the port, whether it used\n"
	"encryption, its login and what became of it, what the server refused, and the\n"
	"cause. Without --ip or --user every attempt to send is shown.\n"
	"\n"
	"  --ip ADDR      only attempts from this address (repeatable)\n"
	"  --user EMAIL   only attempts that log in as this user, or that send from\n"
	"                 this address without logging in (repeatable)\n"
	"  --since D      first show the attempts of this past period (30m, 2h, 1d)\n"
	"  --for D        stop after this long (default: until Ctrl-C); with --ip or\n"
	"                 --user, says so when nothing arrived\n"
	"  --json         one JSON object per attempt, one per line (JSON Lines)\n"
	"  --root DIR     read the server's settings and logs under DIR (a copy)\n"
	"  --log FILE     follow this file instead of the ones found (repeatable)\n"
	"  --poll         look at the files every 250 ms instead of using inotify\n"
	"  --journal      read the system journal (journalctl) instead of files\n"
	"  --journal-file FILE  read this journal file (one copied from a server)\n"
	"\n"
	"Exit status: 0 every attempt shown went through; 1 an attempt shows a problem,\n"
	"or nothing arrived in the --for period; 2 bad usage; 3 no log could be read.\n";

#define WATCH_OUT_MAX (64u << 10)

static volatile sig_atomic_t stop_watching;

static void
on_signal(int sig)
{
	(void)sig;
	stop_watching = 1;
}

struct watch_run {
	struct sf_watch w;
	const struct sf_policy *policy;
	bool json, replaying;
	unsigned long problems, shown;
};

static void
show(const struct sf_watch_seen *s, void *ctx)
{
	struct watch_run *r = ctx;
	struct sf_buf out;
	struct sf_error err;
	bool implicit = sf_policy_implicit_tls(r->policy, s->attempt->port);
	int rc;

	sf_buf_init(&out, WATCH_OUT_MAX);
	rc = r->json ? sf_report_attempt_json(s, implicit, &out, &err)
		     : sf_report_attempt_text(s, implicit, &out, &err);
	if (rc == 0)
		fwrite(out.data, 1, out.len, stdout);
	fflush(stdout);
	sf_buf_free(&out);
	r->shown++;
	if (s->finding != NULL && s->finding->severity == SF_SEV_PROBLEM)
		r->problems++;
}

static void
chunk(char *buf, size_t len, void *ctx)
{
	struct watch_run *r = ctx;

	/* A replay runs on the log's own clock (0), so the attempts of the
	 * past come out in the order they happened. */
	sf_watch_lines(&r->w, buf, len, r->replaying ? 0 : sf_watch_clock());
}

static void
say(FILE *to, const char *key, const char *const *facts)
{
	char text[1024];
	struct sf_buf b;
	struct sf_error err;

	sf_help_fill("watch/attempt.txt", key, facts, text, sizeof text);
	sf_buf_init(&b, 4096);
	if (sf_wrap_append(&b, text, 80, 0, &err) == 0)
		fprintf(to, "%.*s\n", (int)b.len, b.data);
	sf_buf_free(&b);
}

/* Nothing arrived from an address: its blocks on this server, with the
 * command that lifts each (run only by smtpfix bans --unban). */
static void
say_bans(FILE *to, const char *root, const char *ip)
{
	struct sf_bans_options bo;
	struct sf_bans_report *r = calloc(1, sizeof *r);
	struct sf_error err;
	size_t i;

	if (r == NULL)
		return;
	memset(&bo, 0, sizeof bo);
	bo.root = root;
	bo.address = ip;
	bo.now = time(NULL);
	bo.run_commands = root == NULL || strcmp(root, "/") == 0;
	if (sf_bans_find(&bo, r, &err) == 0) {
		for (i = 0; i < r->nbans; i++) {
			char lift[1024];
			const char *facts[] = { "entry", r->bans[i].entry, "source",
				sf_ban_source_words(r->bans[i].source), "where", r->bans[i].where,
				"lift", lift, NULL };

			sf_ban_lift_text(&r->bans[i], lift, sizeof lift);
			say(to, "blocked", facts);
		}
		if (r->nbans == 0) {
			const char *facts[] = { "entry", ip, NULL };

			say(to, "not-blocked", facts);
		}
	}
	free(r);
}

static bool
ip_ok(const char *s)
{
	unsigned char bin[16];

	return inet_pton(AF_INET, s, bin) == 1 || inet_pton(AF_INET6, s, bin) == 1;
}

static bool
user_ok(const char *s)
{
	return s[0] != '\0' && strlen(s) < SF_LOG_USER_MAX && sf_cli_text_clean(s) &&
	       strpbrk(s, " \t") == NULL;
}

static size_t
count_rotated(char paths[][SF_MTA_PATH_MAX], size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (sf_log_path_rotated(paths[i]) && strstr(paths[i], ".gz") == NULL)
			k++;
	return k;
}

/* Replay the rotated files of the period (oldest first) that are not
 * compressed; the current ones are replayed by the follower itself. */
static void
replay_rotated(struct watch_run *r, char paths[][SF_MTA_PATH_MAX], size_t n)
{
	size_t i;

	for (i = n; i-- > 0;) {
		struct sf_follow once;
		struct sf_error err;
		const char *one[1];
		size_t len = strlen(paths[i]);

		if (!sf_log_path_rotated(paths[i]) ||
			(len > 3 && strcmp(paths[i] + len - 3, ".gz") == 0))
			continue;
		one[0] = paths[i];
		if (sf_follow_open(&once, one, 1, true, true, &err) < 0)
			continue;
		sf_follow_read(&once, 0, chunk, r);
		sf_follow_close(&once);
	}
}

int
sf_cli_watch(int argc, char **argv)
{
	static const struct option opts[] = { { "ip", required_argument, NULL, 'i' },
		{ "user", required_argument, NULL, 'u' }, { "since", required_argument, NULL, 's' },
		{ "for", required_argument, NULL, 'f' }, { "json", no_argument, NULL, 'j' },
		{ "root", required_argument, NULL, 'r' }, { "log", required_argument, NULL, 'l' },
		{ "poll", no_argument, NULL, 'p' }, { "journal", no_argument, NULL, 'J' },
		{ "journal-file", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	static struct sf_policy pol;
	static char found[SF_LOG_MAX_FILES][SF_MTA_PATH_MAX];
	static struct watch_run run;
	struct sf_policy_options po = { NULL, true, NULL, NULL };
	struct sf_watch_options wo;
	struct sf_follow fol;
	struct sf_error err;
	const char *logs[SF_FOLLOW_MAX_FILES], *follow[SF_FOLLOW_MAX_FILES];
	size_t nlogs = 0, nfollow = 0, nfound = 0, i;
	long since = 0, for_secs = -1;
	bool json = false, poll_only = false, journal = false;
	const char *journal_file = NULL;
	double start, deadline;
	time_t now = time(NULL);
	char who[512], files[1024], count[32], fordur[32];
	int c;

	memset(&wo, 0, sizeof wo);
	optind = 1;
	opterr = 0;
	while ((c = sf_cli_getopt(argc, argv, opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (!ip_ok(optarg)) {
				sf_cli_usage_error(
					"--ip '%s' is not an IPv4 or IPv6 address", optarg);
				return SF_EXIT_USAGE;
			}
			if (wo.nips >= SF_WATCH_MAX_FILTERS) {
				sf_cli_usage_error("at most %d --ip", SF_WATCH_MAX_FILTERS);
				return SF_EXIT_USAGE;
			}
			wo.ips[wo.nips++] = optarg;
			break;
		case 'u':
			if (!user_ok(optarg)) {
				sf_cli_usage_error(
					"--user '%s' is not a user name or address", optarg);
				return SF_EXIT_USAGE;
			}
			if (wo.nusers >= SF_WATCH_MAX_FILTERS) {
				sf_cli_usage_error("at most %d --user", SF_WATCH_MAX_FILTERS);
				return SF_EXIT_USAGE;
			}
			wo.users[wo.nusers++] = optarg;
			break;
		case 's':
		case 'f': {
			long v;

			/* --for 0: replay what --since asks for, then stop. */
			if (c == 'f' && (strcmp(optarg, "0") == 0 || strcmp(optarg, "0s") == 0))
				v = 0;
			else if (sf_parse_duration(optarg, &v) < 0) {
				sf_cli_usage_error(
					"--%s '%s' is not a period such as 30m, 2h or 1d",
					c == 's' ? "since" : "for", optarg);
				return SF_EXIT_USAGE;
			}
			if (c == 's')
				since = v;
			else
				for_secs = v;
			break;
		}
		case 'j': json = true; break;
		case 'r': po.root = optarg; break;
		case 'l':
			if (nlogs >= SF_FOLLOW_MAX_FILES) {
				sf_cli_usage_error("at most %d log files", SF_FOLLOW_MAX_FILES);
				return SF_EXIT_USAGE;
			}
			logs[nlogs++] = optarg;
			break;
		case 'p': poll_only = true; break;
		case 'J': journal = true; break;
		case 'F':
			if (strlen(optarg) > 400 || access(optarg, R_OK) != 0) {
				sf_cli_usage_error(
					"--journal-file '%s' is not a readable file", optarg);
				return SF_EXIT_USAGE;
			}
			journal_file = optarg;
			journal = true;
			break;
		case 'h': fputs(watch_usage, stdout); return SF_EXIT_OK;
		case SF_CLI_BAD_VALUE: return SF_EXIT_USAGE;
		default:
			sf_cli_usage_error("watch: unknown option '%s'", argv[optind - 1]);
			return SF_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		sf_cli_usage_error(
			"watch takes no arguments, only options (see smtpfix watch --help)");
		return SF_EXIT_USAGE;
	}
	if (po.root != NULL && strcmp(po.root, "/") != 0)
		po.run_commands = false;
	if (sf_policy_read(&po, &pol, &err) < 0) {
		sf_cli_usage_error("%s", err.message);
		return SF_EXIT_USAGE;
	}
	wo.since = since > 0 ? now - since : 0;
	wo.all_protocols = wo.nips > 0 || wo.nusers > 0;
	run.policy = &pol;
	run.json = json;
	if (sf_watch_init(&run.w, &wo, &pol, show, &run, &err) < 0) {
		sf_cli_usage_error("%s", err.message);
		return SF_EXIT_NOTHING;
	}
	run.w.now = now;
	if (nlogs == 0 && !journal) {
		nfound = sf_policy_log_paths(
			&pol, po.root, wo.since != 0 ? wo.since : now, found, SF_LOG_MAX_FILES);
		for (i = 0; i < nfound && nlogs < SF_FOLLOW_MAX_FILES; i++)
			if (!sf_log_path_rotated(found[i]))
				logs[nlogs++] = found[i];
		if (nlogs == 0 && (po.root == NULL || strcmp(po.root, "/") == 0) &&
			access("/run/systemd/journal", F_OK) == 0)
			journal = true;
	}
	if (nlogs == 0 && !journal) {
		say(stderr, "no-logs", NULL);
		sf_watch_free(&run.w);
		return SF_EXIT_NOTHING;
	}
	for (i = 0; i < nlogs; i++)
		follow[nfollow++] = logs[i];
	if (journal) {
		char sincearg[48];
		char a0[] = "journalctl", a1[] = "--follow", a2[] = "--no-pager",
		     a3[] = "--output=short-iso", a4[] = "--lines=0";
		char filearg[420];
		char *jargv[] = { a0, a1, a2, a3, a4, NULL, NULL };

		if (wo.since != 0) {
			snprintf(sincearg, sizeof sincearg, "--since=@%lld", (long long)wo.since);
			jargv[4] = sincearg;
		}
		if (journal_file != NULL) {
			snprintf(filearg, sizeof filearg, "--file=%s", journal_file);
			jargv[5] = filearg;
		}
		memset(&fol, 0, sizeof fol);
		if (sf_follow_open(&fol, NULL, 0, false, true, &err) < 0 ||
			sf_follow_command(&fol, jargv, &err) < 0) {
			sf_cli_usage_error("%s", err.message);
			sf_watch_free(&run.w);
			return SF_EXIT_NOTHING;
		}
		if (!json)
			say(stdout, "journal", NULL);
		snprintf(files, sizeof files, "%s",
			journal_file != NULL ? journal_file : "the system journal");
	} else {
		size_t n = 0;

		run.replaying = true;
		if (wo.since != 0 && nfollow + count_rotated(found, nfound) > 1) {
			/* Several logs: their login-service reasons first. */
			struct sf_follow once;

			run.w.details_only = true;
			replay_rotated(&run, found, nfound);
			if (sf_follow_open(&once, follow, nfollow, true, true, &err) == 0) {
				sf_follow_read(&once, 0, chunk, &run);
				sf_follow_close(&once);
			}
			run.w.details_only = false;
			run.w.details_pass_done = true;
		}
		if (wo.since != 0)
			replay_rotated(&run, found, nfound);
		if (sf_follow_open(&fol, follow, nfollow, wo.since != 0, poll_only, &err) < 0) {
			sf_cli_usage_error("%s", err.message);
			sf_watch_free(&run.w);
			return SF_EXIT_USAGE;
		}
		/* A large file is replayed with a thread per core; the follower
		 * goes on from where that replay stopped. */
		for (i = 0; wo.since != 0 && i < fol.nfiles; i++)
			if (fol.files[i].fd >= 0) {
				off_t done = sf_watch_replay_fd(&run.w, fol.files[i].fd);

				if (done > 0)
					fol.files[i].off = done;
			}
		files[0] = '\0';
		for (i = 0; i < nfollow; i++)
			n += (size_t)snprintf(files + n, n < sizeof files ? sizeof files - n : 0,
				"%s%s", i > 0 ? ", " : "", follow[i]);
	}
	who[0] = '\0';
	{
		size_t n = 0;

		for (i = 0; i < wo.nips; i++)
			n += (size_t)snprintf(who + n, n < sizeof who ? sizeof who - n : 0, "%s%s",
				n > 0 ? ", " : "", wo.ips[i]);
		for (i = 0; i < wo.nusers; i++)
			n += (size_t)snprintf(who + n, n < sizeof who ? sizeof who - n : 0, "%s%s",
				n > 0 ? ", " : "", wo.users[i]);
	}
	{
		const char *facts[] = { "files", files, "who", who, NULL };

		say(json ? stderr : stdout,
			for_secs == 0 ? (who[0] ? "replaying" : "replaying-all")
				      : (who[0] ? "watching" : "watching-all"),
			facts);
		fflush(stdout);
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	start = sf_watch_clock();
	deadline = for_secs >= 0 ? start + (double)for_secs : -1;
	/* The replay (with --since) and then what arrives. */
	sf_follow_read(&fol, start, chunk, &run);
	run.replaying = false;
	run.w.details_pass_done = false;
	sf_watch_tick(&run.w, sf_watch_clock());
	while (!stop_watching) {
		double clock = sf_watch_clock(), due = sf_watch_next_due(&run.w, clock);
		int timeout = -1;

		if (deadline >= 0 && clock >= deadline)
			break;
		if (due >= 0)
			timeout = (int)(due * 1000) + 1;
		if (deadline >= 0) {
			int left = (int)((deadline - clock) * 1000) + 1;

			if (timeout < 0 || left < timeout)
				timeout = left;
		}
		if (sf_follow_wait(&fol, timeout) < 0 && fol.pipe_fd >= 0)
			break; /* journalctl ended */
		clock = sf_watch_clock();
		run.w.now = (time_t)clock;
		sf_follow_read(&fol, clock, chunk, &run);
		sf_watch_tick(&run.w, clock);
	}
	sf_follow_read(&fol, sf_watch_clock(), chunk, &run);
	sf_watch_flush(&run.w);
	sf_follow_close(&fol);
	sf_watch_free(&run.w);
	if (run.shown == 0 && who[0] != '\0' && for_secs >= 0) {
		const char *facts[] = { "who", who, "for", fordur, NULL };

		snprintf(fordur, sizeof fordur, "%ld s", for_secs);
		if (for_secs >= 120)
			snprintf(fordur, sizeof fordur, "%ld min", for_secs / 60);
		say(json ? stderr : stdout, "nothing-arrived", facts);
		for (i = 0; i < wo.nips; i++)
			say_bans(json ? stderr : stdout, po.root, wo.ips[i]);
		return SF_EXIT_PROBLEM;
	}
	(void)count;
	return run.problems > 0 ? SF_EXIT_PROBLEM : SF_EXIT_OK;
}
