/* Following a log through growth, rotation by rename and by copytruncate,
 * lines written in pieces, and NUL bytes: every line is handed on once,
 * whole, in order. Files live in a temporary folder. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smtpfix/watch.h"
#include "unit/fixture.h"
#include "unit/suites.h"

struct seen_lines {
	unsigned count;
	unsigned next; /* the number the next "line N" must carry */
	bool in_order;
	bool nul_seen;
};

static void
count_lines(char *buf, size_t len, void *ctx)
{
	struct seen_lines *s = ctx;
	char *p = buf, *end = buf + len;

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		unsigned n;

		if (nl == NULL)
			nl = end;
		if (memchr(p, '\0', (size_t)(nl - p)) != NULL)
			s->nul_seen = true;
		if (sscanf(p, "line %u", &n) == 1) {
			if (n != s->next)
				s->in_order = false;
			s->next = n + 1;
			s->count++;
		}
		p = nl + 1;
	}
}

static void
append(const char *path, unsigned from, unsigned to)
{
	FILE *f = fopen(path, "a");
	unsigned i;

	ck_assert_ptr_nonnull(f);
	for (i = from; i < to; i++)
		fprintf(f, "line %u of the mail log\n", i);
	fclose(f);
}

static void
read_all(struct sf_follow *f, struct seen_lines *s, double clock)
{
	/* What inotify says first, then the read. */
	sf_follow_wait(f, 0);
	sf_follow_read(f, clock, count_lines, s);
}

static void
follow_through_rotation(bool no_inotify)
{
	char path[512], moved[560], copy[560], cmd[2000];
	const char *paths[1];
	struct sf_follow f;
	struct sf_error err;
	struct seen_lines s = { 0, 0, true, false };

	fx_make_dir();
	snprintf(path, sizeof path, "%s/mainlog", fx_dir);
	snprintf(moved, sizeof moved, "%s/mainlog.1", fx_dir);
	snprintf(copy, sizeof copy, "%s/mainlog-20261130", fx_dir);
	append(path, 0, 100);
	paths[0] = path;
	ck_assert_int_eq(sf_follow_open(&f, paths, 1, true, no_inotify, &err), 0);
	read_all(&f, &s, 1);
	ck_assert_uint_eq(s.count, 100);
	/* Rotation by rename: lines go on into the old file for a moment
	 * (the writer has not reopened yet), then into a new one. */
	ck_assert_int_eq(rename(path, moved), 0);
	append(moved, 100, 150);
	append(path, 150, 200);
	read_all(&f, &s, 2);
	ck_assert_uint_eq(s.count, 200);
	ck_assert_uint_eq(f.files[0].rotations, 1);
	/* copytruncate: copied, more written, then cut to nothing; the lines
	 * written after the copy was made and before the cut are in the copy
	 * only when the reader was slower than the copy: both are covered. */
	append(path, 200, 250);
	read_all(&f, &s, 3);
	append(path, 250, 300); /* not read before the copy */
	snprintf(cmd, sizeof cmd, "cp '%s' '%s' && : > '%s'", path, copy, path);
	ck_assert_int_eq(system(cmd), 0);
	append(path, 300, 310); /* fewer bytes than were read: seen as shrunk */
	read_all(&f, &s, 4);
	ck_assert_uint_eq(f.files[0].truncations, 1);
	ck_assert_uint_eq(s.count, 310);
	ck_assert(s.in_order);
	/* A line written in two pieces is handed on once, whole. */
	{
		FILE *w = fopen(path, "a");

		fputs("line 310 of the ma", w);
		fclose(w);
		read_all(&f, &s, 5);
		ck_assert_uint_eq(s.count, 310);
		w = fopen(path, "a");
		fputs("il log\n", w);
		fclose(w);
		read_all(&f, &s, 6);
		ck_assert_uint_eq(s.count, 311);
	}
	sf_follow_close(&f);
	ck_assert(s.in_order);
	fx_remove_dir();
}

START_TEST(rotation_loses_no_line_inotify)
{
	follow_through_rotation(false);
}
END_TEST

START_TEST(rotation_loses_no_line_poll)
{
	follow_through_rotation(true);
}
END_TEST

/* With inotify, a write wakes the waiter; while nothing happens the wait
 * sleeps for its whole timeout. */
START_TEST(wait_wakes_on_write)
{
	char path[512];
	const char *paths[1];
	struct sf_follow f;
	struct sf_error err;
	struct seen_lines s = { 0, 0, true, false };

	fx_make_dir();
	snprintf(path, sizeof path, "%s/maillog", fx_dir);
	append(path, 0, 3);
	paths[0] = path;
	ck_assert_int_eq(sf_follow_open(&f, paths, 1, false, false, &err), 0);
	ck_assert_int_ge(f.inotify_fd, 0);
	sf_follow_read(&f, 1, count_lines, &s);
	ck_assert_uint_eq(s.count, 0); /* joined at the end */
	ck_assert_int_eq(sf_follow_wait(&f, 50), 0);
	append(path, 3, 4);
	ck_assert_int_eq(sf_follow_wait(&f, 2000), 1);
	sf_follow_read(&f, 2, count_lines, &s);
	ck_assert_uint_eq(s.count, 1);
	sf_follow_close(&f);
	fx_remove_dir();
}
END_TEST

/* A file that does not exist yet is followed from when it appears. */
START_TEST(file_that_appears_later)
{
	char path[512];
	const char *paths[1];
	struct sf_follow f;
	struct sf_error err;
	struct seen_lines s = { 0, 0, true, false };

	fx_make_dir();
	snprintf(path, sizeof path, "%s/mail.log", fx_dir);
	paths[0] = path;
	ck_assert_int_eq(sf_follow_open(&f, paths, 1, false, false, &err), 0);
	append(path, 0, 5);
	ck_assert_int_eq(sf_follow_wait(&f, 2000), 1);
	sf_follow_read(&f, 1, count_lines, &s);
	ck_assert_uint_eq(s.count, 5);
	sf_follow_close(&f);
	fx_remove_dir();
}
END_TEST

Suite *
watch_suite(void)
{
	Suite *s = suite_create("watch");
	TCase *tc = tcase_create("follow");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, rotation_loses_no_line_inotify);
	tcase_add_test(tc, rotation_loses_no_line_poll);
	tcase_add_test(tc, wait_wakes_on_write);
	tcase_add_test(tc, file_that_appears_later);
	suite_add_tcase(s, tc);
	return s;
}
