/* SPDX-License-Identifier: MIT */
/* Locations: their canonical spelling, and making and removing them in a scratch directory. */
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

#include "location.h"
#include "util.h"

static void norm(const char *in, const char *want)
{
	char *got = NULL;

	assert_int_equal(lsl_location_normalize(in, &got), 0);
	if (!streq(got, want))
		fail_msg("normalize(%s) = %s, want %s", in, got, want);
	free(got);
}

static void norm_refused(const char *in)
{
	char *got = NULL;

	if (lsl_location_normalize(in, &got) != -EINVAL)
		fail_msg("normalize(%s) accepted: %s", in ? in : "NULL", got ? got : "NULL");
}

static void test_normalize(void **state)
{
	norm("/srv/lsl", "/srv/lsl");
	norm("/srv//lsl/", "/srv/lsl");
	norm("/srv/./lsl/.", "/srv/lsl");
	norm("/", "/");
	norm("//", "/");
	norm("/a b/c", "/a b/c");
	norm("/..a/b..", "/..a/b..");
	norm_refused("relative");
	norm_refused("");
	norm_refused(NULL);
	norm_refused("/a/../b");
	norm_refused("/..");
	norm_refused("/a\tb");
	norm_refused("/a\nb");
}

static char scratch[64];

static int setup(void **state)
{
	snprintf(scratch, sizeof(scratch), "/tmp/lsl-test-location.XXXXXX");
	return mkdtemp(scratch) ? 0 : -1;
}

static int teardown(void **state) { return rm_rf(scratch); }

/* Whether <scratch><rel> exists (not following a final symlink). */
static bool exists(const char *rel)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s%s", scratch, rel);
	return lstat(path, &st) == 0;
}

static void test_prepare_creates_and_undoes(void **state)
{
	struct lsl_location loc;
	struct lsl_err e = { 0 };
	char path[128];

	snprintf(path, sizeof(path), "%s/new/deeper/loc", scratch);
	assert_int_equal(lsl_location_prepare(path, &loc, &e), 0);
	assert_true(exists("/new/deeper/loc/rootfs"));
	assert_non_null(loc.created_top);
	assert_true(strstr(loc.created_top, "/new") && !strstr(loc.created_top, "deeper"));
	assert_int_equal(mkdirat(loc.rootfs_fd, "etc", 0755), 0);
	assert_int_equal(symlinkat("/", loc.rootfs_fd, "etc/escape"), 0);
	assert_int_equal(lsl_location_undo(&loc), 0);
	lsl_location_release(&loc);
	/* Only what was made is gone: the scratch directory stays. */
	assert_false(exists("/new"));
	assert_true(exists(""));
}

static void test_existing_empty_location_stays(void **state)
{
	struct lsl_location loc;
	struct lsl_err e = { 0 };
	char path[128];

	snprintf(path, sizeof(path), "%s/empty", scratch);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(lsl_location_prepare(path, &loc, &e), 0);
	assert_null(loc.created_top);
	assert_int_equal(lsl_location_undo(&loc), 0);
	lsl_location_release(&loc);
	assert_true(exists("/empty"));
	assert_false(exists("/empty/rootfs"));
}

static void test_refused_locations(void **state)
{
	struct lsl_location loc;
	struct lsl_err e = { 0 };
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/full", scratch);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/full/precious", scratch);
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/full", scratch);
	assert_int_equal(lsl_location_prepare(path, &loc, &e), -ENOTEMPTY);
	assert_non_null(strstr(e.msg, "not empty"));
	assert_true(exists("/full/precious"));
	assert_false(exists("/full/rootfs"));

	snprintf(path, sizeof(path), "%s/full/precious", scratch);
	assert_int_equal(lsl_location_prepare(path, &loc, &e), -ENOTDIR);
	assert_int_equal(lsl_location_prepare("/", &loc, &e), -EINVAL);
}

static void test_remove(void **state)
{
	struct lsl_location loc;
	struct lsl_err e = { 0 };
	char path[128], rootfs[160], outside[160];
	int fd;

	snprintf(outside, sizeof(outside), "%s/outside", scratch);
	fd = open(outside, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/owned", scratch);
	assert_int_equal(lsl_location_prepare(path, &loc, &e), 0);
	assert_int_equal(symlinkat(outside, loc.rootfs_fd, "link"), 0);
	snprintf(rootfs, sizeof(rootfs), "%s", loc.rootfs);
	lsl_location_release(&loc);

	assert_int_equal(lsl_location_remove(path, rootfs, true), 0);
	assert_false(exists("/owned"));
	assert_true(exists("/outside"));
	/* Already gone: nothing to do. */
	assert_int_equal(lsl_location_remove(path, rootfs, true), 0);

	/* Not owned: LOCATION stays. */
	assert_int_equal(lsl_location_prepare(path, &loc, &e), 0);
	lsl_location_release(&loc);
	assert_int_equal(lsl_location_remove(path, rootfs, false), 0);
	assert_true(exists("/owned"));
	assert_false(exists("/owned/rootfs"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize),
		cmocka_unit_test_setup_teardown(test_prepare_creates_and_undoes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_existing_empty_location_stays, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_locations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
