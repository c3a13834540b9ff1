/* SPDX-License-Identifier: MIT */
/*
 * The relay between lsl's terminal and the pty the process got: lsl's stdin
 * to the pty master, the master's output to lsl's stdout (or stderr), each
 * resize of lsl's terminal to the session leader (WINDOW_SIZE), until
 * EXIT_STATUS comes on the control socket. lsl's stdin, when it is a
 * terminal, is in raw mode meanwhile and is put back on every way out.
 */
#pragma once

#include <stdint.h>

#include "log.h"

/*
 * Relay until the process exits. ctrl: the control socket (the process has
 * started); sigfd: a signalfd of the signals lsl forwards plus SIGWINCH;
 * master: the pty master (taken: closed on return); flags: the run's
 * LSL_RUN_PTY* bits. Returns the exit code for lsl (the process's status,
 * or 128+N when signal N ended lsl's wait or lsl's terminal hung up, N =
 * SIGHUP), or a negative errno with e set.
 */
int lsl_pty_relay(int ctrl, int sigfd, int master, uint32_t flags, struct lsl_err *e);
