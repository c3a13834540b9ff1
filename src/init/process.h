/* SPDX-License-Identifier: MIT */
/* Starting one user process for the session leader. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "exec-search.h"

struct lsl_process_request {
	uint32_t flags; /* LSL_RUN_* */
	uint32_t default_uid;
	const char *distribution;
	const char *user;
	const char *cwd;
	const char *filename;
	const char *const *argv;
	const char *const *env;
	int stdio[3]; /* the process's stdin, stdout, stderr (not taken) */
	int pty_master; /* with LSL_RUN_PTY in flags: the new pty's master (not taken) */
	mode_t umask; /* [filesystem] umask of the distribution */
	bool login_session; /* systemd runs: the user gets a logind session first (user-session.h) */
};

/*
 * Resolve the user, build the environment and command line, and fork a
 * child that becomes the process (its own session, the user's ids, groups,
 * directory and environment). Returns 0 with *pid and *error_pipe: the read
 * end of a CLOEXEC pipe that reaches EOF without data once the program was
 * executed, or carries one struct lsl_spawn_error if it could not be.
 * Returns a negative errno with err filled when nothing was forked.
 */
int lsl_process_spawn(const struct lsl_process_request *req, pid_t *pid, int *error_pipe,
		      struct lsl_spawn_error *err);
