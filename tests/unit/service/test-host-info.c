/* SPDX-License-Identifier: MIT */
/* The host's time zone name, as INITIALIZE passes it on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "host-info.h"

static void test_from_link(void **state)
{
	assert_string_equal(lsl_timezone_from_link("/usr/share/zoneinfo/Europe/Paris"), "Europe/Paris");
	assert_string_equal(lsl_timezone_from_link("../usr/share/zoneinfo/Etc/UTC"), "Etc/UTC");
	assert_string_equal(lsl_timezone_from_link("/usr/share/zoneinfo/posix/America/New_York"),
			    "America/New_York");
	assert_string_equal(lsl_timezone_from_link("/usr/share/zoneinfo/right/UTC"), "UTC");
	assert_string_equal(lsl_timezone_from_link("/x/zoneinfo/y/zoneinfo/Asia/Tokyo"), "Asia/Tokyo");
	assert_string_equal(lsl_timezone_from_link("/usr/share/zoneinfo/Etc/GMT+5"), "Etc/GMT+5");
	assert_null(lsl_timezone_from_link("/etc/localtime.real"));
	assert_null(lsl_timezone_from_link("/usr/share/zoneinfo/"));
	assert_null(lsl_timezone_from_link("/usr/share/zoneinfo/../../../etc/passwd"));
	assert_null(lsl_timezone_from_link(NULL));
}

static void test_valid(void **state)
{
	assert_true(lsl_timezone_valid("UTC"));
	assert_true(lsl_timezone_valid("America/Argentina/Buenos_Aires"));
	assert_false(lsl_timezone_valid(""));
	assert_false(lsl_timezone_valid(NULL));
	assert_false(lsl_timezone_valid("/etc/passwd"));
	assert_false(lsl_timezone_valid("Europe/"));
	assert_false(lsl_timezone_valid("a//b"));
	assert_false(lsl_timezone_valid("Europe/Paris\n"));
	assert_false(lsl_timezone_valid("a b"));
	assert_false(lsl_timezone_valid(".."));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_link),
		cmocka_unit_test(test_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
