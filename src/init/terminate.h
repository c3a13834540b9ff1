/* SPDX-License-Identifier: MIT */
/* Reaping, and ending a distribution: SIGTERM to everyone, a bounded grace, then exit. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define LSL_GRACE_DEFAULT_MS 5000 /* when the service just went away */
#define LSL_GRACE_MAX_MS 60000

struct lsl_terminator {
	int timer_fd; /* fires at the end of the grace period; -1 until terminating */
	uint64_t deadline_ns; /* CLOCK_MONOTONIC */
	bool no_signals; /* systemd is pid 1: its own shutdown stops every process, in order */
};

/*
 * Start (or hasten) the end: SIGTERM then SIGCONT (so that stopped processes
 * can act on it) to every process of the pid namespace but init and pid 1
 * (none with no_signals), and a
 * deadline grace_ms (capped at LSL_GRACE_MAX_MS) from now; an earlier
 * request's deadline is kept if sooner. Returns 0 or a negative errno (no
 * timer: the caller should not wait).
 */
int lsl_terminate_begin(struct lsl_terminator *t, uint32_t grace_ms);

static inline bool lsl_terminating(const struct lsl_terminator *t) { return t->timer_fd >= 0; }

/* Reap every zombie child. Returns true when no child is left at all. */
bool lsl_reap_children(void);
