/* SPDX-License-Identifier: MIT */
/*
 * The start of lsl's archive helpers (lsl-import, lsl-export): processes
 * that parse or write hostile data and take their files as inherited fds.
 */
#pragma once

#include <stdbool.h>

/*
 * Nothing inherited may shape the work: an empty environment, a UTF-8
 * locale for pax names, no blocked signals and default TERM/INT/HUP/QUIT
 * (so that stopping us works), SIGPIPE ignored (a closed reader is an
 * error return), and no core dump (our working directory may be a
 * distribution).
 */
void lsl_helper_reset_process(void);

/* Whether fd is open. */
bool lsl_fd_is_open(int fd);

/*
 * 1 and 2 closed would let a file we create take their number, and an
 * error line land in it: fill them with /dev/null.
 */
void lsl_fill_stdout_stderr(void);

/* fd as a non-blocking progress pipe if it is open for writing, else -1 (no progress). */
int lsl_progress_fd(int fd);
