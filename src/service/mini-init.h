/* SPDX-License-Identifier: MIT */
/*
 * mini_init, the one process that creates namespaces and mounts: spawned on
 * the first distribution start with fd 3 = control channel (LAUNCH_INIT,
 * KILL_INIT and their replies) and fd 4 = notification channel (CHILD_EXIT).
 * Closing the control channel tells it to kill every init and exit.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "log.h"

struct lsl_service;

/*
 * Ask for a distribution's init: init_fd (mini_init's end of the init
 * channel) is passed along and stays the caller's to close. Starts
 * mini_init first if needed. The answer comes as
 * lsl_instance_launch_result(seq). Returns 0 or -errno with e set.
 */
int lsl_mini_init_launch(struct lsl_service *svc, const char *name, const char *rootfs, const char *cgroup,
			 int init_fd, uint64_t *seq, struct lsl_err *e);

/* SIGKILL a distribution's init (its exit is reported as CHILD_EXIT). Returns 0 or -errno. */
int lsl_mini_init_kill(struct lsl_service *svc, pid_t pid);

/* Ask for lsl's binfmt_misc entry, or for its removal (sent only when that changes). */
void lsl_mini_init_set_interop(struct lsl_service *svc, bool enabled);

/* At exit: close the channels and wait (bounded) for mini_init to go. */
void lsl_mini_init_stop(struct lsl_service *svc);
