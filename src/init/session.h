/* SPDX-License-Identifier: MIT */
/*
 * The session leader: forked by init for each CREATE_SESSION, it serves
 * CREATE_PROCESS on its channel and reports each process on that process's
 * control socket (PROCESS_STARTED or PROCESS_FAILED, then EXIT_STATUS).
 */
#pragma once

#include <sys/types.h>

#include "macros.h"

/*
 * Run the session leader on channel (the only fd it keeps besides 0-2).
 * distribution names the distribution when a request does not. Exits once
 * the channel closed or SIGTERM came and no process it started is left.
 * umask is every process's ([filesystem] umask).
 */
_noreturn_ void lsl_session_leader(int channel, const char *distribution, mode_t umask);
