/* SPDX-License-Identifier: MIT */
/* LOCATION as the caller typed it, made absolute without touching the filesystem. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abspath.h"
#include "util.h"

static void check(const char *cwd, const char *path, const char *want)
{
	char *got = NULL;

	assert_int_equal(lsl_path_absolute(cwd, path, &got), 0);
	if (!streq(got, want))
		fail_msg("lsl_path_absolute(%s, %s) = %s, want %s", cwd ? cwd : "(none)", path, got, want);
	free(got);
}

static void test_absolute_kept(void **state)
{
	check("/cwd", "/srv/lsl", "/srv/lsl");
	check(NULL, "/srv/lsl", "/srv/lsl");
	check("/cwd", "/", "/");
}

static void test_relative_prefixed(void **state)
{
	check("/home/me", "deb", "/home/me/deb");
	check("/home/me", "a/b/c", "/home/me/a/b/c");
	check("/", "deb", "/deb");
}

static void test_dots_and_slashes(void **state)
{
	check("/home/me", "./deb", "/home/me/deb");
	check("/home/me", ".", "/home/me");
	check("/home/me", "..", "/home");
	check("/home/me", "../../..", "/");
	check("/home/me", "../../../x", "/x");
	check("/home/me", "a//b///", "/home/me/a/b");
	check("/home/me", "a/./b/../c", "/home/me/a/c");
	check("/cwd", "//srv//./lsl/", "/srv/lsl");
	check("/cwd", "/..", "/");
	check("/home//me/./", "x", "/home/me/x");
	/* Names that only look like dots stay. */
	check("/cwd", "...", "/cwd/...");
	check("/cwd", ".hidden/..x", "/cwd/.hidden/..x");
}

static void test_refused(void **state)
{
	char *got = (char *)"untouched";

	assert_int_equal(lsl_path_absolute("/cwd", "", &got), -EINVAL);
	assert_null(got);
	assert_int_equal(lsl_path_absolute("/cwd", NULL, &got), -EINVAL);
	assert_int_equal(lsl_path_absolute(NULL, "rel", &got), -EINVAL);
	assert_int_equal(lsl_path_absolute("relative-cwd", "rel", &got), -EINVAL);
	assert_int_equal(lsl_path_absolute("", "rel", &got), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_absolute_kept),
		cmocka_unit_test(test_relative_prefixed),
		cmocka_unit_test(test_dots_and_slashes),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
