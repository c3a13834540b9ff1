/* SPDX-License-Identifier: MIT */
/* The text of lsl --list in its three styles. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "list-format.h"
#include "protocol.h"

static const struct lsl_list_item three[] = {
	{ .name = "Alpha", .state = LSL_STATE_RUNNING },
	{ .name = "beta", .state = LSL_STATE_STOPPED, .is_default = true },
	{ .name = "a-much-longer-name", .state = LSL_STATE_INSTALLING },
};

static void check(const struct lsl_list_item *items, size_t n, enum lsl_list_style style, const char *want)
{
	char *got = lsl_list_format(items, n, style);

	assert_non_null(got);
	if (strcmp(got, want) != 0)
		fail_msg("got:\n%s\nwant:\n%s", got, want);
	free(got);
}

static void test_plain(void **state)
{
	check(three, 3, LSL_LIST_PLAIN,
	      "lsl distributions:\n"
	      "Alpha\n"
	      "beta (Default)\n"
	      "a-much-longer-name\n");
}

static void test_verbose_pads_to_longest(void **state)
{
	check(three, 3, LSL_LIST_VERBOSE,
	      "  NAME                 STATE        OS   UID     SYSTEMD\n"
	      "  Alpha                Running      -    -       -\n"
	      "* beta                 Stopped      -    -       -\n"
	      "  a-much-longer-name   Installing   -    -       -\n");
}

static void test_verbose_shows_what_the_last_start_reported(void **state)
{
	static const struct lsl_list_item two[] = {
		{ .name = "deb", .state = LSL_STATE_RUNNING, .seen = true, .os_id = "debian", .os_version = "12",
		  .default_uid = 1000, .systemd = true },
		{ .name = "bb", .state = LSL_STATE_STOPPED, .seen = true, .os_id = "busy\x1b[2J", .default_uid = 0 },
	};

	check(two, 2, LSL_LIST_VERBOSE,
	      "  NAME   STATE        OS          UID     SYSTEMD\n"
	      "  deb    Running      debian-12   1000    yes\n"
	      "  bb     Stopped      busy?[2J    0       no\n");
}

static void test_verbose_short_names_pad_to_header(void **state)
{
	static const struct lsl_list_item one[] = { { .name = "d", .state = LSL_STATE_STOPPED, .is_default = true } };

	check(one, 1, LSL_LIST_VERBOSE,
	      "  NAME   STATE        OS   UID     SYSTEMD\n"
	      "* d      Stopped      -    -       -\n");
}

static void test_quiet(void **state)
{
	check(three, 3, LSL_LIST_QUIET, "Alpha\nbeta\na-much-longer-name\n");
}

static void test_empty(void **state)
{
	check(NULL, 0, LSL_LIST_QUIET, "");
	check(NULL, 0, LSL_LIST_PLAIN, "lsl distributions:\n");
	check(NULL, 0, LSL_LIST_VERBOSE, "  NAME   STATE        OS   UID     SYSTEMD\n");
}

static void test_state_names(void **state)
{
	assert_string_equal(lsl_state_name(LSL_STATE_STOPPED), "Stopped");
	assert_string_equal(lsl_state_name(LSL_STATE_RUNNING), "Running");
	assert_string_equal(lsl_state_name(LSL_STATE_INSTALLING), "Installing");
	assert_string_equal(lsl_state_name(99), "Unknown");
}

static void test_control_characters_never_reach_the_terminal(void **state)
{
	static const struct lsl_list_item bad[] = { { .name = "evil\033[2Jname\n", .state = 0 } };

	check(bad, 1, LSL_LIST_QUIET, "evil?[2Jname?\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_verbose_pads_to_longest),
		cmocka_unit_test(test_verbose_short_names_pad_to_header),
		cmocka_unit_test(test_verbose_shows_what_the_last_start_reported),
		cmocka_unit_test(test_quiet),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_control_characters_never_reach_the_terminal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
