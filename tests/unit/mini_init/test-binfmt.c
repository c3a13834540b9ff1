/* SPDX-License-Identifier: MIT */
/* The binfmt_misc registration line of lsl's interop entry. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "binfmt.h"

static void test_entry(void **state)
{
	char *line;

	(void)state;
	line = lsl_binfmt_entry("LSLInterop", "/usr/libexec/lsl/lsl-interop");
	assert_non_null(line);
	/* Magic by escape (never "MZ"), offset 0, no mask, flag F. */
	assert_string_equal(line, ":LSLInterop:M::\\x7fLSLHOST::/usr/libexec/lsl/lsl-interop:F");
	free(line);
	line = lsl_binfmt_entry("LSLInterop-0123abcd", "/opt/lsl/libexec/lsl/lsl-interop");
	assert_non_null(line);
	assert_string_equal(line, ":LSLInterop-0123abcd:M::\\x7fLSLHOST::/opt/lsl/libexec/lsl/lsl-interop:F");
	free(line);
}

static void test_entry_refused(void **state)
{
	char longer[2100];
	static const char *const bad[][2] = {
		{ "", "/x" },        { "a:b", "/x" }, { "a/b", "/x" },       { "a\nb", "/x" },
		{ "register", "/x" }, { "status", "/x" }, { "..", "/x" },    { "ok", "" },
		{ "ok", "relative" }, { "ok", "/a:b" }, { "ok", "/a\n:b:F" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_null(lsl_binfmt_entry(bad[i][0], bad[i][1]));
		assert_int_equal(errno, EINVAL);
	}
	longer[0] = '/';
	memset(longer + 1, 'a', sizeof(longer) - 2);
	longer[sizeof(longer) - 1] = 0;
	assert_null(lsl_binfmt_entry("ok", longer));
	assert_null(lsl_binfmt_entry(NULL, "/x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry),
		cmocka_unit_test(test_entry_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
