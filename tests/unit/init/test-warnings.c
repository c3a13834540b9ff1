/* SPDX-License-Identifier: MIT */
/* Start-up warnings and the checks on values that come from the host or the distribution. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "timezone.h"
#include "util.h"
#include "warnings.h"

static void test_warnings_collected_in_order(void **state)
{
	struct lsl_warnings w = { 0 };

	lsl_warn(&w, "first %d", 1);
	lsl_warn_cb(&w, "second");
	assert_int_equal(strv_length(w.v), 2);
	assert_string_equal(w.v[0], "first 1");
	assert_string_equal(w.v[1], "second");
	assert_int_equal(w.error, 0);
	lsl_warnings_clear(&w);
	assert_null(w.v);
}

static void test_warnings_bounded(void **state)
{
	struct lsl_warnings w = { 0 };
	size_t n;

	/* A file of a million bad lines must not become a million-line message. */
	for (int i = 0; i < 10000; i++)
		lsl_warn(&w, "bad line %d", i);
	n = strv_length(w.v);
	assert_true(n <= 65);
	assert_string_equal(w.v[n - 1], "further warnings were dropped");
	lsl_warnings_clear(&w);
}

static void test_timezone_names(void **state)
{
	assert_true(lsl_timezone_name_valid("Europe/Paris"));
	assert_true(lsl_timezone_name_valid("UTC"));
	assert_true(lsl_timezone_name_valid("America/Argentina/Buenos_Aires"));
	assert_true(lsl_timezone_name_valid("Etc/GMT+5"));
	assert_false(lsl_timezone_name_valid(NULL));
	assert_false(lsl_timezone_name_valid(""));
	assert_false(lsl_timezone_name_valid("/etc/passwd"));
	assert_false(lsl_timezone_name_valid("../../etc/shadow"));
	assert_false(lsl_timezone_name_valid("Europe/../../x"));
	assert_false(lsl_timezone_name_valid("Europe//Paris"));
	assert_false(lsl_timezone_name_valid("Europe/"));
	assert_false(lsl_timezone_name_valid("Europe/.hidden"));
	assert_false(lsl_timezone_name_valid("Europe/Paris\n"));
	assert_false(lsl_timezone_name_valid("Europe/Pa ris"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_warnings_collected_in_order),
		cmocka_unit_test(test_warnings_bounded),
		cmocka_unit_test(test_timezone_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
