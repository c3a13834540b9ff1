/* SPDX-License-Identifier: MIT */
/* lsl's end of a run's control socket: what run.c and its pty relay (pty-relay.c) both speak. */
#pragma once

#include <stdbool.h>

#include "log.h"

/*
 * Read one message from the control socket. Returns 1 to keep waiting, 0
 * when the run is over (*code set: the exit status, or 1 after printing
 * why the process did not start), or a negative errno (e set). On
 * PROCESS_STARTED, *started becomes true and the pty master it carries (if
 * any) is stored in *master, which must be -1 before.
 */
int lsl_run_control(int ctrl, int *code, bool *started, int *master, struct lsl_err *e);

/* Send SIGNAL{sig} to the process; a session leader that is gone is not an error (its EOF says so). */
void lsl_run_forward_signal(int ctrl, int sig);
