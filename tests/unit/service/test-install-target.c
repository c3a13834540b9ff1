/* SPDX-License-Identifier: MIT */
/* What --install accepts. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "install-target.h"

static void test_known(void **state)
{
	struct lsl_err e = { 0 };

	assert_string_equal(lsl_install_suite("debian", &e), "bookworm");
	assert_string_equal(lsl_install_suite("debian-trixie", &e), "trixie");
	assert_string_equal(lsl_install_suite("debian-sid", &e), "sid");
	assert_string_equal(lsl_install_suite("debian-bookworm", &e), "bookworm");
}

static void test_unknown(void **state)
{
	static const char *const bad[] = { "no-such-linux", "ubuntu", "debian-", "debian-jammy", "Debian",
					   "debian-bookworm/../x", "" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct lsl_err e = { 0 };
		assert_null(lsl_install_suite(bad[i], &e));
		assert_true(e.code < 0);
		if (*bad[i])
			assert_non_null(strstr(e.msg, bad[i]));
	}
	struct lsl_err e = { 0 };
	assert_null(lsl_install_suite(NULL, &e));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known),
		cmocka_unit_test(test_unknown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
