/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "command.h"
#include "protocol.h"

static void check(uint32_t flags, const char *filename, const char *shell, const char *const *argv,
		  const char *program, const char *const *want)
{
	struct lsl_command c;
	struct lsl_err e = { 0 };
	size_t i;

	assert_int_equal(lsl_build_command(flags, filename, shell, argv, &c, &e), 0);
	assert_string_equal(c.program, program);
	for (i = 0; want[i]; i++) {
		assert_non_null(c.argv[i]);
		assert_string_equal(c.argv[i], want[i]);
	}
	assert_null(c.argv[i]);
	lsl_command_clear(&c);
}

static void test_login(void **state)
{
	check(LSL_RUN_LOGIN, NULL, "/bin/bash", NULL, "/bin/bash", (const char *[]){ "-bash", NULL });
	check(LSL_RUN_LOGIN, NULL, "/usr/bin/zsh", (const char *[]){ NULL }, "/usr/bin/zsh",
	      (const char *[]){ "-zsh", NULL });
	/* A shell given by name keeps its name. */
	check(LSL_RUN_LOGIN, NULL, "sh", NULL, "sh", (const char *[]){ "-sh", NULL });
	/* An explicit program replaces the user's shell. */
	check(LSL_RUN_LOGIN, "/bin/ash", "/bin/bash", NULL, "/bin/ash", (const char *[]){ "-ash", NULL });
}

static void test_shell(void **state)
{
	const char *argv[] = { "-c", "echo hi; exit 3", NULL };

	check(LSL_RUN_SHELL, NULL, "/bin/bash", argv, "/bin/bash",
	      (const char *[]){ "/bin/bash", "-c", "echo hi; exit 3", NULL });
	check(LSL_RUN_SHELL | LSL_RUN_LOGIN, NULL, "/bin/bash", argv, "/bin/bash",
	      (const char *[]){ "-bash", "-c", "echo hi; exit 3", NULL });
}

static void test_exec(void **state)
{
	check(0, "ls", "/bin/bash", (const char *[]){ "ls", "-l", "/", NULL }, "ls",
	      (const char *[]){ "ls", "-l", "/", NULL });
	/* argv[0] is the caller's to choose. */
	check(0, "/bin/busybox", "/bin/sh", (const char *[]){ "whoami", NULL }, "/bin/busybox",
	      (const char *[]){ "whoami", NULL });
	check(0, "true", "/bin/sh", NULL, "true", (const char *[]){ "true", NULL });
	check(0, "true", "/bin/sh", (const char *[]){ NULL }, "true", (const char *[]){ "true", NULL });
}

static void test_nothing_to_run(void **state)
{
	struct lsl_command c;
	struct lsl_err e = { 0 };

	assert_int_equal(lsl_build_command(0, NULL, "/bin/sh", NULL, &c, &e), -EINVAL);
	assert_string_equal(lsl_err_str(&e), "no program to run");
	assert_int_equal(lsl_build_command(0, "", "/bin/sh", NULL, &c, &e), -EINVAL);
	assert_int_equal(lsl_build_command(LSL_RUN_LOGIN, NULL, "", NULL, &c, &e), -EINVAL);
	assert_null(c.program);
	assert_null(c.argv);
}

static void check_cwd(const char *cwd, const char *home, const char *want)
{
	char *out = NULL;

	assert_int_equal(lsl_resolve_cwd(cwd, home, &out), 0);
	assert_string_equal(out, want);
	free(out);
}

static void test_cwd(void **state)
{
	check_cwd(NULL, "/home/a", "/home/a");
	check_cwd("", "/home/a", "/home/a");
	check_cwd("~", "/home/a", "/home/a");
	check_cwd("~/src/x", "/home/a", "/home/a/src/x");
	check_cwd("~/", "/home/a", "/home/a/");
	check_cwd("~/x", "/", "/x");
	check_cwd("/tmp", "/home/a", "/tmp");
	check_cwd("~bob", "/home/a", "~bob");
	check_cwd("rel/dir", "/home/a", "rel/dir");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_login),
		cmocka_unit_test(test_shell),
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_nothing_to_run),
		cmocka_unit_test(test_cwd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
