/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/sysmacros.h>

#include <cmocka.h>

#include "bare-disks.h"

static void test_entries(void **state)
{
	const char *p = "loop3:7:3,loop12:259:1048575";
	char name[LSL_BARE_DISK_NAME_MAX];
	dev_t rdev;

	assert_int_equal(lsl_bare_disk_next(&p, name, &rdev), 1);
	assert_string_equal(name, "loop3");
	assert_int_equal(major(rdev), 7);
	assert_int_equal(minor(rdev), 3);
	assert_int_equal(lsl_bare_disk_next(&p, name, &rdev), 1);
	assert_string_equal(name, "loop12");
	assert_int_equal(major(rdev), 259);
	assert_int_equal(minor(rdev), 1048575);
	assert_int_equal(lsl_bare_disk_next(&p, name, &rdev), 0);
}

static void test_bad_entries_skipped(void **state)
{
	static const char *const bad[] = {
		"sda:8:0",          /* only loop devices */
		"../x:7:1",         /* never a path */
		"loop:7:1",         /* no number */
		"loop1a:7:1",       /* not digits */
		"loop1:7",          /* no minor */
		"loop1:7:",         /* empty minor */
		"loop1::1",         /* empty major */
		"loop1:-7:1",       /* no sign */
		"loop1:7:1:2",      /* too many fields */
		"loop1:7:1x",       /* trailing bytes */
		"loop1:7:1234567890", /* out of range */
		"loop1234567890123:7:1", /* name too long */
		":7:1",
	};
	char name[LSL_BARE_DISK_NAME_MAX];
	dev_t rdev;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char spec[128];
		const char *p = spec;

		snprintf(spec, sizeof(spec), "%s,loop9:7:9", bad[i]);
		assert_int_equal(lsl_bare_disk_next(&p, name, &rdev), -EINVAL);
		/* What follows a bad entry is still read. */
		assert_int_equal(lsl_bare_disk_next(&p, name, &rdev), 1);
		assert_string_equal(name, "loop9");
		assert_int_equal(lsl_bare_disk_next(&p, name, &rdev), 0);
	}
	const char *none = NULL, *empty = "";
	assert_int_equal(lsl_bare_disk_next(&none, name, &rdev), 0);
	assert_int_equal(lsl_bare_disk_next(&empty, name, &rdev), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entries),
		cmocka_unit_test(test_bad_entries_skipped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
