/* SPDX-License-Identifier: MIT */
/* A new pty from the distribution's own devpts, for a process that asked for a terminal. */
#pragma once

#include <stdint.h>

/*
 * Open a pty master (O_RDWR | O_NOCTTY | O_CLOEXEC) from /dev/pts/ptmx, or
 * /dev/ptmx, unlocked, with the window size rows x cols (left alone when
 * either is 0). Only a master of a devpts pty is accepted. Returns the fd or
 * a negative errno.
 */
int lsl_pty_open(uint16_t rows, uint16_t cols);

/*
 * The pty's slave for the process (in its child, after setsid()): opened
 * through the master, without a path lookup, made its controlling terminal
 * and owned by uid (mode and group as devpts made it: 620, tty). Returns
 * the fd (O_CLOEXEC) or a negative errno.
 */
int lsl_pty_slave_for(int master, uint32_t uid);
