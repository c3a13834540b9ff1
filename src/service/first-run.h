/* SPDX-License-Identifier: MIT */
/*
 * The first-run command of a distribution (wsl-distribution.conf's [oobe]
 * command): run once as root, at the first interactive launch, on the
 * launching caller's own stdin/stdout/stderr, before that caller's shell.
 * The service only watches the outcome on a control socket of its own; it
 * never touches the bytes.
 */
#pragma once

#include <stdint.h>

#include "event-loop.h"

struct lsl_first_run;

/* Called once: exit_code of the command (0 success), or -errno with message when it could not run. */
typedef void (*lsl_first_run_done_fn)(void *userdata, int exit_code, const char *message);

/*
 * Send CREATE_PROCESS for "/bin/sh -c command" as uid 0 on session_fd with
 * stdio and the caller's environment (TERM, LANG: NAME=VALUE strings), and
 * watch its control socket. Returns 0 with *out (freed by the caller once
 * done was called, or to abandon it), or a negative errno.
 */
int lsl_first_run_start(struct lsl_loop *loop, int session_fd, const char *distribution, const char *command,
			const int stdio[3], const char *const *env, lsl_first_run_done_fn done, void *userdata,
			struct lsl_first_run **out);
void lsl_first_run_free(struct lsl_first_run *f);
