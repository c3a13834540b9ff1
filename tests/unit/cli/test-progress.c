/* SPDX-License-Identifier: MIT */
/* The progress bar line: bounded by the terminal width, percent or bytes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "progress.h"

static void check(const char *label, uint64_t done, uint64_t total, unsigned cols, const char *want)
{
	char buf[LSL_PROGRESS_LINE_MAX];
	size_t n = lsl_progress_format(buf, sizeof(buf), label, done, total, cols);

	assert_int_equal(n, strlen(buf));
	if (strcmp(buf, want) != 0)
		fail_msg("got '%s', want '%s'", buf, want);
}

static void test_percent_with_bar(void **state)
{
	check("Importing deb", 0, 100, 80, "Importing deb [..............................] 0%");
	check("Importing deb", 42, 100, 80, "Importing deb [############..................] 42%");
	check("Importing deb", 100, 100, 80, "Importing deb [##############################] 100%");
	/* More than announced (a compressed stream's estimate) is still 100%. */
	check("Importing deb", 150, 100, 80, "Importing deb [##############################] 100%");
}

static void test_huge_numbers(void **state)
{
	check("x", UINT64_MAX / 2, UINT64_MAX, 80, "x [##############................] 49%");
}

static void test_unknown_total_shows_bytes(void **state)
{
	check("Importing deb", 0, 0, 80, "Importing deb 0 B");
	check("Importing deb", 1023, 0, 80, "Importing deb 1023 B");
	check("Importing deb", 1536, 0, 80, "Importing deb 1.5 KiB");
	check("Importing deb", 5ull << 20, 0, 80, "Importing deb 5.0 MiB");
	check("Importing deb", 3ull << 30, 0, 80, "Importing deb 3.0 GiB");
}

static void test_narrow_terminal(void **state)
{
	char buf[LSL_PROGRESS_LINE_MAX];

	/* The bar shrinks, then goes; the line always stays shorter than the terminal. */
	check("Importing deb", 50, 100, 40, "Importing deb [#########..........] 50%");
	check("Importing deb", 50, 100, 25, "Importing deb 50%");
	check("Importing deb", 50, 100, 10, "Impor 50%");
	for (unsigned cols = 1; cols < 100; cols++) {
		lsl_progress_format(buf, sizeof(buf), "Importing a-rather-long-distribution-name", 7, 9, cols);
		if (strlen(buf) >= cols && strlen(buf) > strlen("100%") + 1)
			fail_msg("%u columns: '%s' would wrap", cols, buf);
	}
}

static void test_wide_terminal_is_bounded(void **state)
{
	char label[600], buf[LSL_PROGRESS_LINE_MAX];

	memset(label, 'n', sizeof(label) - 1);
	label[sizeof(label) - 1] = 0;
	lsl_progress_format(buf, sizeof(buf), label, 1, 2, 5000);
	assert_true(strlen(buf) < LSL_PROGRESS_LINE_MAX);
	assert_non_null(strstr(buf, " 50%"));
	/* A small buffer is never overrun. */
	assert_int_equal(lsl_progress_format(buf, 8, "Importing", 1, 2, 80), 7);
	assert_int_equal(strlen(buf), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percent_with_bar),
		cmocka_unit_test(test_huge_numbers),
		cmocka_unit_test(test_unknown_total_shows_bytes),
		cmocka_unit_test(test_narrow_terminal),
		cmocka_unit_test(test_wide_terminal_is_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
