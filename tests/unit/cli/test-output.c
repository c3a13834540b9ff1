/* SPDX-License-Identifier: MIT */
/* Messages from other processes cannot drive the terminal. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "output.h"

static void check(const char *in, const char *want)
{
	char *got = lsl_text_sanitize(in);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_plain_text_unchanged(void **state)
{
	check("user 'x' does not exist in deb", "user 'x' does not exist in deb");
	check("caf\xc3\xa9 \xe2\x9c\x93", "caf\xc3\xa9 \xe2\x9c\x93"); /* UTF-8 stays */
	check("", "");
	check(NULL, "");
}

static void test_controls_replaced(void **state)
{
	check("a\033[31mred", "a?[31mred");
	check("line\nbreak\r\t", "line?break??");
	check("del\x7f", "del?");
	check("csi\xc2\x9b" "2J", "csi??2J"); /* C1 CSI, as UTF-8 */
	check("\xc2\xa0nbsp", "\xc2\xa0nbsp");  /* U+00A0 is text */
	check("\xc2", "\xc2");                  /* a cut sequence is not a control */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text_unchanged),
		cmocka_unit_test(test_controls_replaced),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
