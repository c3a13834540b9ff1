/* SPDX-License-Identifier: MIT */
/* Operations below the extraction root: one component at a time, never through a link. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tree.h"
#include "util.h"

struct fixture {
	char *dir;     /* the root */
	char *outside; /* a directory next to it that nothing may touch */
	int rootfd;
};

static char *make_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *path = strdup_printf("%s/lsl-test-tree-XXXXXX", base && *base ? base : "/tmp");

	assert_non_null(path);
	assert_non_null(mkdtemp(path));
	return path;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char *p;

	f->dir = make_tmpdir();
	f->outside = make_tmpdir();
	f->rootfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->rootfd >= 0);
	/* d/e/ (dirs), file, link-out -> outside, d/link-in -> e (relative) */
	assert_int_equal(mkdirat(f->rootfd, "d", 0755), 0);
	assert_int_equal(mkdirat(f->rootfd, "d/e", 0755), 0);
	int fd = openat(f->rootfd, "file", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(symlinkat(f->outside, f->rootfd, "link-out"), 0);
	assert_int_equal(symlinkat("e", f->rootfd, "d/link-in"), 0);
	p = strdup_printf("%s/victim", f->outside);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	free(p);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	close(f->rootfd);
	assert_int_equal(rm_rf(f->dir), 0);
	assert_int_equal(rm_rf(f->outside), 0);
	free(f->dir);
	free(f->outside);
	free(f);
	return 0;
}

/* The entries of the outside directory, to prove nothing appeared there. */
static void assert_outside_untouched(struct fixture *f)
{
	char *p = strdup_printf("%s/victim", f->outside);
	struct stat st;

	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 0);
	assert_int_equal(st.st_nlink, 1);
	free(p);
	p = strdup_printf("%s/x", f->outside);
	assert_int_equal(lstat(p, &st), -1);
	free(p);
}

static void same_dir(int fd, int rootfd, const char *rel)
{
	struct stat a, b;

	assert_int_equal(fstat(fd, &a), 0);
	assert_int_equal(fstatat(rootfd, rel, &b, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(a.st_dev == b.st_dev && a.st_ino == b.st_ino);
}

static void test_parent_at_top(void **state)
{
	struct fixture *f = *state;
	const char *base = NULL;
	int fd = import_open_parent(f->rootfd, "newname", &base);

	assert_true(fd >= 0);
	assert_string_equal(base, "newname");
	same_dir(fd, f->rootfd, ".");
	close(fd);
}

static void test_parent_nested(void **state)
{
	struct fixture *f = *state;
	const char *base = NULL;
	int fd = import_open_parent(f->rootfd, "d/e/f", &base);

	assert_true(fd >= 0);
	assert_string_equal(base, "f");
	same_dir(fd, f->rootfd, "d/e");
	close(fd);
}

static void test_parent_through_links_refused(void **state)
{
	struct fixture *f = *state;
	const char *base;

	assert_int_equal(import_open_parent(f->rootfd, "link-out/victim", &base), -ELOOP);
	assert_int_equal(import_open_parent(f->rootfd, "link-out/a/b", &base), -ELOOP);
	/* A link that stays inside is refused too: no member is reached through one. */
	assert_int_equal(import_open_parent(f->rootfd, "d/link-in/x", &base), -ELOOP);
}

static void test_parent_missing_or_not_a_dir(void **state)
{
	struct fixture *f = *state;
	const char *base;

	assert_int_equal(import_open_parent(f->rootfd, "missing/x", &base), -ENOENT);
	assert_int_equal(import_open_parent(f->rootfd, "d/missing/x", &base), -ENOENT);
	assert_int_equal(import_open_parent(f->rootfd, "file/x", &base), -ENOTDIR);
}

static void test_lstat_below(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	assert_int_equal(import_lstat_below(f->rootfd, "file", &st), 0);
	assert_true(S_ISREG(st.st_mode));
	/* The last component is not followed: a link is seen as a link. */
	assert_int_equal(import_lstat_below(f->rootfd, "link-out", &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(import_lstat_below(f->rootfd, "d/e", &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(import_lstat_below(f->rootfd, "link-out/victim", &st), -ELOOP);
	assert_int_equal(import_lstat_below(f->rootfd, "d/nothing", &st), -ENOENT);
}

static void test_make_socket(void **state)
{
	struct fixture *f = *state;
	struct import_node n = {
		.mode = 0640,
		.uid = geteuid() == 0 ? 1000 : geteuid(),
		.gid = geteuid() == 0 ? 1000 : getegid(),
		.times = { { 1000000, 5 }, { 2000000, 7 } },
	};
	struct stat st;

	/* Replacing the FIFO that stood in for it. */
	assert_int_equal(mkfifoat(f->rootfd, "d/e/sock", 0600), 0);
	assert_int_equal(import_make_socket(f->rootfd, "d/e/sock", &n), 0);
	assert_int_equal(fstatat(f->rootfd, "d/e/sock", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_uid, n.uid);
	assert_int_equal(st.st_gid, n.gid);
	assert_int_equal(st.st_mtim.tv_sec, 2000000);
	assert_int_equal(st.st_mtim.tv_nsec, 7);
	assert_int_equal(st.st_atim.tv_sec, 1000000);

	/* Set-id bits survive the owner change (set after it). */
	n.mode = 06755;
	assert_int_equal(import_make_socket(f->rootfd, "sock2", &n), 0);
	assert_int_equal(fstatat(f->rootfd, "sock2", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 06755);
}

static void test_make_socket_unknown_times(void **state)
{
	struct fixture *f = *state;
	struct import_node n = {
		.mode = 0755,
		.uid = geteuid(),
		.gid = getegid(),
		.times = { { .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT } },
	};
	struct stat st;

	assert_int_equal(import_make_socket(f->rootfd, "d/s", &n), 0);
	assert_int_equal(fstatat(f->rootfd, "d/s", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISSOCK(st.st_mode));
}

static void test_make_socket_through_link_refused(void **state)
{
	struct fixture *f = *state;
	struct import_node n = { .mode = 0777, .uid = geteuid(), .gid = getegid(),
				 .times = { { .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT } } };

	assert_int_equal(import_make_socket(f->rootfd, "link-out/x", &n), -ELOOP);
	assert_int_equal(import_make_socket(f->rootfd, "link-out/victim", &n), -ELOOP);
	assert_outside_untouched(f);
}

static void test_make_socket_replaces_a_link_not_its_target(void **state)
{
	struct fixture *f = *state;
	struct import_node n = { .mode = 0777, .uid = geteuid(), .gid = getegid(),
				 .times = { { .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT } } };
	struct stat st;

	assert_int_equal(import_make_socket(f->rootfd, "link-out", &n), 0);
	assert_int_equal(fstatat(f->rootfd, "link-out", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_outside_untouched(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_parent_at_top, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parent_nested, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parent_through_links_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parent_missing_or_not_a_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lstat_below, setup, teardown),
		cmocka_unit_test_setup_teardown(test_make_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_make_socket_unknown_times, setup, teardown),
		cmocka_unit_test_setup_teardown(test_make_socket_through_link_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_make_socket_replaces_a_link_not_its_target, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
