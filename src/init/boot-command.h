/* SPDX-License-Identifier: MIT */
/* [boot] command: run once as root when the distribution starts, never waited for. */
#pragma once

#include <sys/types.h>

#include "warnings.h"

/*
 * Start "/bin/sh -c command" as root in / with stdin /dev/null and init's
 * stdout/stderr (the service log). A command that cannot be started is a
 * warning; its exit status is logged when init reaps it. Returns its pid or 0.
 */
pid_t lsl_start_boot_command(const char *command, const char *distribution, mode_t umask, struct lsl_warnings *w);
