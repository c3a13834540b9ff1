/* SPDX-License-Identifier: MIT */
/* The idle logic of the service: when it arms, checks, stops, and what a RUN cancels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "idle.h"

static struct lsl_idle_state running(int32_t timeout)
{
	struct lsl_idle_state s;

	lsl_idle_state_init(&s, timeout);
	return s;
}

/* The first RUN of a new instance: sent, answered, and nothing waits any more. */
static enum lsl_idle_action first_run_done(struct lsl_idle_state *s)
{
	assert_int_equal(lsl_idle_state_update(s, true), LSL_IDLE_NOTHING);
	lsl_idle_state_sent(s);
	assert_int_equal(lsl_idle_state_update(s, false), LSL_IDLE_NOTHING); /* still in flight */
	lsl_idle_state_answered(s);
	return lsl_idle_state_update(s, false);
}

static void test_arms_when_no_longer_busy(void **state)
{
	struct lsl_idle_state s = running(200);

	assert_int_equal(first_run_done(&s), LSL_IDLE_ARM);
	assert_true(s.armed);
	/* Fired: ask init; its answer decides. */
	assert_int_equal(lsl_idle_state_timer(&s), LSL_IDLE_CHECK);
	lsl_idle_state_checking(&s, 42);
	assert_int_equal(lsl_idle_state_report(&s, 41, true), LSL_IDLE_NOTHING); /* not that check */
	assert_int_equal(lsl_idle_state_report(&s, 42, true), LSL_IDLE_STOP);
}

static void test_check_says_busy(void **state)
{
	struct lsl_idle_state s = running(200);

	first_run_done(&s);
	assert_int_equal(lsl_idle_state_timer(&s), LSL_IDLE_CHECK);
	lsl_idle_state_checking(&s, 7);
	/* A daemon is left: nothing happens until init says a process ended leaving none. */
	assert_int_equal(lsl_idle_state_report(&s, 7, false), LSL_IDLE_NOTHING);
	assert_false(s.armed);
	assert_int_equal(lsl_idle_state_timer(&s), LSL_IDLE_NOTHING);
	assert_int_equal(lsl_idle_state_report(&s, 0, true), LSL_IDLE_ARM);
	assert_int_equal(lsl_idle_state_timer(&s), LSL_IDLE_CHECK);
}

static void test_run_cancels(void **state)
{
	struct lsl_idle_state s = running(200);

	first_run_done(&s);
	assert_int_equal(lsl_idle_state_run(&s), LSL_IDLE_DISARM);
	/* A stale fire and the answer to a cancelled check change nothing. */
	assert_int_equal(lsl_idle_state_timer(&s), LSL_IDLE_NOTHING);
	first_run_done(&s);
	assert_int_equal(lsl_idle_state_timer(&s), LSL_IDLE_CHECK);
	lsl_idle_state_checking(&s, 9);
	assert_int_equal(lsl_idle_state_run(&s), LSL_IDLE_NOTHING);
	assert_int_equal(lsl_idle_state_report(&s, 9, true), LSL_IDLE_NOTHING);
}

static void test_hint_while_busy_ignored(void **state)
{
	struct lsl_idle_state s = running(200);

	assert_int_equal(lsl_idle_state_update(&s, true), LSL_IDLE_NOTHING);
	lsl_idle_state_sent(&s);
	lsl_idle_state_update(&s, false);
	/* init counted before the new process was forked: not to be believed yet. */
	assert_int_equal(lsl_idle_state_report(&s, 0, true), LSL_IDLE_NOTHING);
	assert_false(s.armed);
	lsl_idle_state_answered(&s);
	assert_int_equal(lsl_idle_state_update(&s, false), LSL_IDLE_ARM);
}

static void test_hint_restarts_the_wait(void **state)
{
	struct lsl_idle_state s = running(200);

	first_run_done(&s);
	assert_int_equal(lsl_idle_state_timer(&s), LSL_IDLE_CHECK);
	lsl_idle_state_checking(&s, 5);
	/* Something ended meanwhile: the idle time starts again; the check in flight no longer counts. */
	assert_int_equal(lsl_idle_state_report(&s, 0, true), LSL_IDLE_ARM);
	assert_int_equal(lsl_idle_state_report(&s, 5, true), LSL_IDLE_NOTHING);
}

static void test_zero_and_never(void **state)
{
	struct lsl_idle_state s = running(0);

	assert_int_equal(first_run_done(&s), LSL_IDLE_CHECK);
	lsl_idle_state_checking(&s, 3);
	assert_int_equal(lsl_idle_state_report(&s, 3, true), LSL_IDLE_STOP);

	s = running(-1);
	assert_int_equal(first_run_done(&s), LSL_IDLE_NOTHING);
	assert_int_equal(lsl_idle_state_report(&s, 0, true), LSL_IDLE_NOTHING);
	assert_int_equal(lsl_idle_state_timer(&s), LSL_IDLE_NOTHING);
	/* Changed to "never" while armed: the timer goes. */
	s = running(100);
	first_run_done(&s);
	s.timeout_ms = -1;
	assert_int_equal(lsl_idle_state_report(&s, 0, true), LSL_IDLE_DISARM);
}

static void test_session_lost(void **state)
{
	struct lsl_idle_state s = running(200);

	lsl_idle_state_update(&s, true);
	lsl_idle_state_sent(&s);
	lsl_idle_state_sent(&s);
	lsl_idle_state_update(&s, false);
	lsl_idle_state_answered(&s);
	assert_int_equal(lsl_idle_state_update(&s, false), LSL_IDLE_NOTHING);
	/* The session leader died: its unanswered request never will be. */
	lsl_idle_state_session_lost(&s);
	assert_int_equal(lsl_idle_state_update(&s, false), LSL_IDLE_ARM);
	/* An answer too many (a stray RESULT) never underflows. */
	lsl_idle_state_answered(&s);
	assert_int_equal(s.in_flight, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arms_when_no_longer_busy),
		cmocka_unit_test(test_check_says_busy),
		cmocka_unit_test(test_run_cancels),
		cmocka_unit_test(test_hint_while_busy_ignored),
		cmocka_unit_test(test_hint_restarts_the_wait),
		cmocka_unit_test(test_zero_and_never),
		cmocka_unit_test(test_session_lost),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
