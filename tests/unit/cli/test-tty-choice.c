/* SPDX-License-Identifier: MIT */
/* Which fds a run's pty stands for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "protocol.h"
#include "tty-choice.h"

#define ALL_THREE (LSL_RUN_PTY_STDIN | LSL_RUN_PTY_STDOUT | LSL_RUN_PTY_STDERR)

static uint32_t flags(enum lsl_tty_mode mode, bool in, bool out, bool err)
{
	return lsl_tty_flags(mode, (const bool[3]){ in, out, err });
}

static void test_auto_follows_stdin(void **state)
{
	assert_int_equal(flags(LSL_TTY_AUTO, true, true, true), LSL_RUN_PTY | ALL_THREE);
	assert_int_equal(flags(LSL_TTY_AUTO, true, false, true),
			 LSL_RUN_PTY | LSL_RUN_PTY_STDIN | LSL_RUN_PTY_STDERR);
	assert_int_equal(flags(LSL_TTY_AUTO, true, false, false), LSL_RUN_PTY | LSL_RUN_PTY_STDIN);
	/* stdout a terminal, stdin a pipe: no pty, every fd passed through. */
	assert_int_equal(flags(LSL_TTY_AUTO, false, true, true), 0);
	assert_int_equal(flags(LSL_TTY_AUTO, false, false, false), 0);
}

static void test_always(void **state)
{
	assert_int_equal(flags(LSL_TTY_ALWAYS, false, false, false), LSL_RUN_PTY | ALL_THREE);
	assert_int_equal(flags(LSL_TTY_ALWAYS, false, true, false), LSL_RUN_PTY | LSL_RUN_PTY_STDOUT);
	assert_int_equal(flags(LSL_TTY_ALWAYS, true, true, true), LSL_RUN_PTY | ALL_THREE);
}

static void test_never(void **state)
{
	assert_int_equal(flags(LSL_TTY_NEVER, true, true, true), 0);
	assert_int_equal(flags(LSL_TTY_NEVER, false, false, false), 0);
}

static void test_size_fd(void **state)
{
	assert_int_equal(lsl_tty_size_fd((const bool[3]){ true, true, true }), 0);
	assert_int_equal(lsl_tty_size_fd((const bool[3]){ false, false, true }), 2);
	assert_int_equal(lsl_tty_size_fd((const bool[3]){ false, true, true }), 1);
	assert_int_equal(lsl_tty_size_fd((const bool[3]){ false, false, false }), -1);
}

static void test_output_fd(void **state)
{
	assert_int_equal(lsl_tty_output_fd(LSL_RUN_PTY | ALL_THREE), 1);
	assert_int_equal(lsl_tty_output_fd(LSL_RUN_PTY | LSL_RUN_PTY_STDIN | LSL_RUN_PTY_STDERR), 2);
	assert_int_equal(lsl_tty_output_fd(LSL_RUN_PTY | LSL_RUN_PTY_STDOUT), 1);
	assert_int_equal(lsl_tty_output_fd(LSL_RUN_PTY | LSL_RUN_PTY_STDIN), 0);
}

static void test_eof_count(void **state)
{
	assert_int_equal(lsl_tty_eof_count(-1), 1);
	assert_int_equal(lsl_tty_eof_count('\n'), 1);
	assert_int_equal(lsl_tty_eof_count('\r'), 1);
	assert_int_equal(lsl_tty_eof_count('x'), 2);
	assert_int_equal(lsl_tty_eof_count(0), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auto_follows_stdin), cmocka_unit_test(test_always),
		cmocka_unit_test(test_never),              cmocka_unit_test(test_size_fd),
		cmocka_unit_test(test_output_fd),          cmocka_unit_test(test_eof_count),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
