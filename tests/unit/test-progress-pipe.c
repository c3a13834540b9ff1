/* SPDX-License-Identifier: MIT */
/* Progress records: about one per 1%, the first and the last always, never blocking. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "progress-pipe.h"

static void test_record_layout(void **state)
{
	assert_int_equal(sizeof(struct lsl_progress_pipe_record), 16);
	assert_int_equal(offsetof(struct lsl_progress_pipe_record, done), 0);
	assert_int_equal(offsetof(struct lsl_progress_pipe_record, total), 8);
}

static void test_no_listener_nothing_due(void **state)
{
	struct lsl_progress_pipe p;

	lsl_progress_pipe_init(&p, -1, 1000);
	assert_false(lsl_progress_pipe_due(&p, 0));
	assert_false(lsl_progress_pipe_due(&p, 1000));
}

static void test_first_always_due(void **state)
{
	struct lsl_progress_pipe p;

	lsl_progress_pipe_init(&p, 9, 1000);
	assert_true(lsl_progress_pipe_due(&p, 0));
}

/* Count the records a listener would get when done advances in `chunk` steps. */
static unsigned simulate(uint64_t total, uint64_t consumed, uint64_t chunk)
{
	struct lsl_progress_pipe p;
	unsigned records = 0;

	lsl_progress_pipe_init(&p, 9, total);
	for (uint64_t done = 0;; done += chunk) {
		if (done > consumed)
			done = consumed;
		if (lsl_progress_pipe_due(&p, done)) {
			records++;
			p.sent = true;
			p.last = done;
		}
		if (done == consumed)
			break;
	}
	return records;
}

static void test_about_one_per_percent(void **state)
{
	/* Byte by byte through 10000 bytes: 1 (start) + 100 steps of 100 bytes. */
	assert_int_equal(simulate(10000, 10000, 1), 101);
	/* Huge archive in 64 KiB reads: still about a hundred, not one per read. */
	unsigned n = simulate(10ull << 30, 10ull << 30, 65536);
	assert_true(n >= 100 && n <= 102);
	/* Reads larger than 1%: one record per read at most. */
	assert_int_equal(simulate(1000, 1000, 500), 3);
}

static void test_small_archive(void **state)
{
	/* Below 100 bytes the step is one byte: every change is worth telling. */
	assert_int_equal(simulate(50, 50, 1), 51);
	assert_int_equal(simulate(1, 1, 1), 2);
}

static void test_unknown_total(void **state)
{
	/* A pipe: one record per LSL_PROGRESS_UNKNOWN_STEP bytes. */
	uint64_t consumed = 10ull * LSL_PROGRESS_UNKNOWN_STEP;
	assert_int_equal(simulate(0, consumed, 65536), 11);
}

static void test_no_record_when_unchanged(void **state)
{
	struct lsl_progress_pipe p;

	lsl_progress_pipe_init(&p, 9, 100);
	p.sent = true;
	p.last = 50;
	assert_false(lsl_progress_pipe_due(&p, 50));
	assert_false(lsl_progress_pipe_due(&p, 40)); /* never backwards */
	assert_true(lsl_progress_pipe_due(&p, 51));
}

static void test_record_total_grows_with_done(void **state)
{
	struct lsl_progress_pipe p;
	struct lsl_progress_pipe_record r;

	lsl_progress_pipe_init(&p, 9, 100);
	r = lsl_progress_pipe_record(&p, 40);
	assert_int_equal(r.done, 40);
	assert_int_equal(r.total, 100);
	/* The file grew while being read: never more than 100%. */
	r = lsl_progress_pipe_record(&p, 150);
	assert_int_equal(r.done, 150);
	assert_int_equal(r.total, 150);
	lsl_progress_pipe_init(&p, 9, 0);
	r = lsl_progress_pipe_record(&p, 150);
	assert_int_equal(r.total, 0);
}

static int read_records(int fd, struct lsl_progress_pipe_record *recs, int max)
{
	int n = 0;

	while (n < max) {
		ssize_t k = read(fd, &recs[n], sizeof(recs[n]));
		if (k < 0 && errno == EAGAIN)
			break;
		assert_int_equal(k, sizeof(recs[n]));
		n++;
	}
	return n;
}

static void test_through_a_pipe(void **state)
{
	struct lsl_progress_pipe p;
	struct lsl_progress_pipe_record recs[300];
	int fds[2];

	assert_int_equal(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
	lsl_progress_pipe_init(&p, fds[1], 1000);
	for (uint64_t done = 0; done <= 990; done += 3)
		lsl_progress_pipe_update(&p, done);
	lsl_progress_pipe_finish(&p, 990);

	int n = read_records(fds[0], recs, 300);
	/* Reads of 3 bytes against a step of 10: one record per 12 bytes, and the last. */
	assert_true(n >= 80 && n <= 102);
	assert_int_equal(recs[0].done, 0);
	for (int i = 0; i < n; i++) {
		assert_int_equal(recs[i].total, 1000);
		if (i > 0)
			assert_true(recs[i].done > recs[i - 1].done);
	}
	/* The last one says complete although the padding after the end was not read. */
	assert_int_equal(recs[n - 1].done, 1000);
	close(fds[0]);
	close(fds[1]);
}

static void test_full_pipe_drops_records(void **state)
{
	struct lsl_progress_pipe p;
	struct lsl_progress_pipe_record rec;
	int fds[2], size;

	assert_int_equal(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
	size = fcntl(fds[1], F_SETPIPE_SZ, 4096);
	assert_true(size >= 4096);
	lsl_progress_pipe_init(&p, fds[1], 0);
	/* Far more records than the pipe holds: none blocks, the fd stays in use. */
	for (uint64_t i = 0; i < 10000; i++)
		lsl_progress_pipe_update(&p, i * LSL_PROGRESS_UNKNOWN_STEP);
	assert_int_equal(p.fd, fds[1]);
	/* Once drained, records flow again. */
	while (read(fds[0], &rec, sizeof(rec)) == sizeof(rec))
		;
	lsl_progress_pipe_finish(&p, 12345);
	assert_int_equal(read(fds[0], &rec, sizeof(rec)), sizeof(rec));
	assert_int_equal(rec.done, 12345);
	assert_int_equal(rec.total, 0);
	close(fds[0]);
	close(fds[1]);
}

static void test_closed_listener_stops_progress(void **state)
{
	struct lsl_progress_pipe p;
	int fds[2];

	assert_int_equal(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
	close(fds[0]);
	lsl_progress_pipe_init(&p, fds[1], 100);
	/* SIGPIPE is ignored by lsl-import; the test process gets the same treatment here. */
	signal(SIGPIPE, SIG_IGN);
	lsl_progress_pipe_update(&p, 0);
	assert_int_equal(p.fd, -1);
	lsl_progress_pipe_update(&p, 100);
	lsl_progress_pipe_finish(&p, 100);
	close(fds[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_layout),
		cmocka_unit_test(test_no_listener_nothing_due),
		cmocka_unit_test(test_first_always_due),
		cmocka_unit_test(test_about_one_per_percent),
		cmocka_unit_test(test_small_archive),
		cmocka_unit_test(test_unknown_total),
		cmocka_unit_test(test_no_record_when_unchanged),
		cmocka_unit_test(test_record_total_grows_with_done),
		cmocka_unit_test(test_through_a_pipe),
		cmocka_unit_test(test_full_pipe_drops_records),
		cmocka_unit_test(test_closed_listener_stops_progress),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
