/* SPDX-License-Identifier: MIT */
/* init's reading of /proc/<pid>/stat, and its count of this process's own namespace. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "idle.h"

static void test_state(void **state)
{
	assert_int_equal(lsl_proc_stat_state("12 (sleep) S 1 12 12 0 -1"), 'S');
	assert_int_equal(lsl_proc_stat_state("13 (a) b) Z 1 13"), 'Z');
	assert_int_equal(lsl_proc_stat_state("14 ((x)) R 0"), 'R');
	assert_int_equal(lsl_proc_stat_state("15 (no end S 1"), 0);
	assert_int_equal(lsl_proc_stat_state("16 (x)"), 0);
	assert_int_equal(lsl_proc_stat_state("16 (x) "), 0);
	assert_int_equal(lsl_proc_stat_state(""), 0);
}

static void test_count_sees_this_process(void **state)
{
	struct lsl_idle_watch w;

	assert_int_equal(lsl_idle_watch_init(&w), 0);
	/* Not pid 1 here: the host's other processes count (this one, init's own, does not). */
	assert_true(lsl_idle_count(&w, true) == 1);
	assert_int_equal(lsl_idle_add_leader(&w, getpid()), 0);
	assert_true(lsl_idle_count(&w, false) >= 0);
	close(w.event_fd);
	free(w.leaders);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state),
		cmocka_unit_test(test_count_sees_this_process),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
