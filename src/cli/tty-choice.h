/* SPDX-License-Identifier: MIT */
/* Which of a run's standard fds get a pty, and where the pty's output goes. Pure: no I/O. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "args.h"

/*
 * The LSL_RUN_PTY* flags of a run from the mode and which of lsl's fds 0, 1
 * and 2 are terminals: with AUTO, a pty when stdin is a terminal; with
 * ALWAYS, a pty in any case. The pty stands for each fd that is a terminal,
 * or for all three when none is. 0 means no pty.
 */
uint32_t lsl_tty_flags(enum lsl_tty_mode mode, const bool tty[3]);

/*
 * The fd of lsl whose terminal gives the pty its size: the first terminal
 * among 0, 1, 2, or -1 when none is.
 */
int lsl_tty_size_fd(const bool tty[3]);

/*
 * Where the pty's output goes: stdout when the pty stands for it, else
 * stderr when it stands for that, else stdin (the terminal the user types
 * into: the echo of what they type belongs there, not in a redirected file).
 */
int lsl_tty_output_fd(uint32_t flags);

/*
 * How many of the terminal's EOF characters end the process's input after
 * last (the last byte sent to it, -1 for none): one at the start of a line;
 * two after a partial line, whose first only hands the partial line over.
 */
size_t lsl_tty_eof_count(int last);
