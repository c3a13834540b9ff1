/* SPDX-License-Identifier: MIT */
#include "terminate.h"

#include <errno.h>
#include <signal.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "macros.h"

int lsl_terminate_begin(struct lsl_terminator *t, uint32_t grace_ms)
{
	struct timespec now;
	struct itimerspec its = { 0 };
	uint64_t deadline;

	if (grace_ms > LSL_GRACE_MAX_MS)
		grace_ms = LSL_GRACE_MAX_MS;
	/* -1 reaches every process of the namespace except pid 1 and init itself. */
	if (!t->no_signals) {
		if (kill(-1, SIGTERM) < 0 && errno != ESRCH)
			log_warning_errno(errno, "sending SIGTERM to every process");
		(void)kill(-1, SIGCONT);
	}

	if (clock_gettime(CLOCK_MONOTONIC, &now) < 0)
		return negative_errno();
	deadline = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec + (uint64_t)grace_ms * 1000000ull;
	if (t->timer_fd >= 0 && t->deadline_ns <= deadline)
		return 0;
	if (t->timer_fd < 0) {
		t->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (t->timer_fd < 0)
			return negative_errno();
	}
	t->deadline_ns = deadline;
	/* Absolute and never zero (zero would disarm): grace 0 fires at once. */
	its.it_value.tv_sec = (time_t)(deadline / 1000000000ull);
	its.it_value.tv_nsec = (long)(deadline % 1000000000ull);
	if (timerfd_settime(t->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		return negative_errno();
	return 0;
}

bool lsl_reap_children(void)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid > 0)
			continue;
		if (pid < 0 && errno == EINTR)
			continue;
		return pid < 0 && errno == ECHILD;
	}
}
