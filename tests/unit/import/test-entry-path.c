/* SPDX-License-Identifier: MIT */
/* Archive member paths: what is normalized, what is refused as leaving the root. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "entry-path.h"

static void ok(const char *raw, const char *want)
{
	char out[IMPORT_PATH_MAX + 1];
	const char *why = "unset";
	int r = import_path_normalize(raw, out, sizeof(out), &why);

	if (r != 0)
		fail_msg("'%s' refused (%d, %s), want '%s'", raw, r, why, want);
	if (strcmp(out, want) != 0)
		fail_msg("'%s' became '%s', want '%s'", raw, out, want);
	assert_null(why);
}

static void refused(const char *raw, int err, const char *why_part)
{
	char out[IMPORT_PATH_MAX + 1];
	const char *why = NULL;
	int r = import_path_normalize(raw, out, sizeof(out), &why);

	if (r != err)
		fail_msg("'%.60s': got %d ('%s'), want %d", raw, r, out, err);
	assert_non_null(why);
	if (!strstr(why, why_part))
		fail_msg("'%.60s': reason '%s' lacks '%s'", raw, why, why_part);
	assert_string_equal(out, "");
}

static void test_plain_and_dot_slash(void **state)
{
	ok("a", "a");
	ok("a/b", "a/b");
	ok("./a/b", "a/b");
	ok("./usr/bin/busybox", "usr/bin/busybox");
	ok("././a", "a");
	ok(".//a", "a");
}

static void test_slashes_and_dots_collapse(void **state)
{
	ok("a//b", "a/b");
	ok("a/./b", "a/b");
	ok("a/b/", "a/b");
	ok("a/b/.", "a/b");
	ok("dir/", "dir");
}

static void test_root(void **state)
{
	ok(".", ".");
	ok("./", ".");
	ok(".//", ".");
	ok("./.", ".");
	ok("././", ".");
	assert_true(import_path_is_root("."));
	assert_false(import_path_is_root(".a"));
	assert_false(import_path_is_root("a"));
}

static void test_names_that_look_like_dots(void **state)
{
	ok("...", "...");
	ok("..a", "..a");
	ok("a..", "a..");
	ok(".hidden/..x", ".hidden/..x");
	ok("a/.../b", "a/.../b");
}

static void test_absolute_refused(void **state)
{
	refused("/etc/x", -EINVAL, "absolute");
	refused("/", -EINVAL, "absolute");
	refused("//etc", -EINVAL, "absolute");
}

static void test_dotdot_refused(void **state)
{
	refused("..", -EINVAL, "'..'");
	refused("../escaped", -EINVAL, "'..'");
	refused("a/../../x", -EINVAL, "'..'");
	refused("bin/../../../escaped", -EINVAL, "'..'");
	/* Even one that would stay inside: no member needs to climb. */
	refused("a/../b", -EINVAL, "'..'");
	refused("a/..", -EINVAL, "'..'");
	refused("a/../", -EINVAL, "'..'");
	refused("./..", -EINVAL, "'..'");
	refused("a//..//b", -EINVAL, "'..'");
}

static void test_empty_refused(void **state)
{
	refused("", -EINVAL, "empty");
}

static void test_lengths(void **state)
{
	char raw[IMPORT_PATH_MAX + 64];
	char out[IMPORT_PATH_MAX + 1];
	const char *why;
	size_t n = 0;

	/* 4095 bytes of components of 254 and slashes: accepted, exactly. */
	while (n + 255 <= IMPORT_PATH_MAX) {
		memset(raw + n, 'a', 254);
		n += 254;
		raw[n++] = '/';
	}
	memset(raw + n, 'b', IMPORT_PATH_MAX - n);
	n = IMPORT_PATH_MAX;
	raw[n] = '\0';
	assert_int_equal(import_path_normalize(raw, out, sizeof(out), &why), 0);
	assert_int_equal(strlen(out), IMPORT_PATH_MAX);
	/* "./" in front costs nothing. */
	char prefixed[IMPORT_PATH_MAX + 64] = "./";
	strcat(prefixed, raw);
	ok(prefixed, raw);

	/* One byte more is refused. */
	raw[n++] = 'c';
	raw[n] = '\0';
	refused(raw, -ENAMETOOLONG, "4095");

	/* A component of 256 bytes is refused, 255 is fine. */
	memset(raw, 'x', 255);
	raw[255] = '\0';
	assert_int_equal(import_path_normalize(raw, out, sizeof(out), &why), 0);
	raw[255] = 'x';
	raw[256] = '\0';
	refused(raw, -ENAMETOOLONG, "255");
}

static void test_small_output_buffer(void **state)
{
	char out[4];
	const char *why;

	assert_int_equal(import_path_normalize("abc", out, sizeof(out), &why), 0);
	assert_string_equal(out, "abc");
	assert_int_equal(import_path_normalize("abcd", out, sizeof(out), &why), -ENAMETOOLONG);
	assert_int_equal(import_path_normalize("./", out, 2, &why), 0);
	assert_string_equal(out, ".");
}

static void test_printable(void **state)
{
	char out[IMPORT_NAME_SHOWN + 4];
	char long_name[1000];

	assert_string_equal(import_name_printable("usr/bin/x", out, sizeof(out)), "usr/bin/x");
	assert_string_equal(import_name_printable("a\nb\tc\x7f", out, sizeof(out)), "a?b?c?");
	assert_string_equal(import_name_printable(NULL, out, sizeof(out)), "(no name)");
	/* Bytes above 0x7f (UTF-8 names) stay. */
	assert_string_equal(import_name_printable("caf\xc3\xa9", out, sizeof(out)), "caf\xc3\xa9");

	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	import_name_printable(long_name, out, sizeof(out));
	assert_int_equal(strlen(out), IMPORT_NAME_SHOWN + 3);
	assert_string_equal(out + IMPORT_NAME_SHOWN, "...");

	/* Exactly the limit plus three fits whole. */
	long_name[IMPORT_NAME_SHOWN + 3] = '\0';
	import_name_printable(long_name, out, sizeof(out));
	assert_string_equal(out, long_name);

	char tiny[8];
	import_name_printable("abcdefghijkl", tiny, sizeof(tiny));
	assert_string_equal(tiny, "abcd...");
}

static void test_one_line(void **state)
{
	char s[] = "extracting a\nb: Can't create 'a\rb'";

	import_text_one_line(s);
	assert_string_equal(s, "extracting a?b: Can't create 'a?b'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_and_dot_slash),
		cmocka_unit_test(test_slashes_and_dots_collapse),
		cmocka_unit_test(test_root),
		cmocka_unit_test(test_names_that_look_like_dots),
		cmocka_unit_test(test_absolute_refused),
		cmocka_unit_test(test_dotdot_refused),
		cmocka_unit_test(test_empty_refused),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_small_output_buffer),
		cmocka_unit_test(test_printable),
		cmocka_unit_test(test_one_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
