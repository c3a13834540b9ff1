/* SPDX-License-Identifier: MIT */
/* What a CREATE_PROCESS runs, and where. */
#pragma once

#include <stdint.h>

#include "log.h"

struct lsl_command {
	char *program; /* what to execute: a path, or a name searched in PATH */
	char **argv;   /* NULL-terminated */
};

void lsl_command_clear(struct lsl_command *c);
static inline void lsl_command_clearp(struct lsl_command *c) { lsl_command_clear(c); }
#define _cleanup_command_ _cleanup_(lsl_command_clearp)

/*
 * From the message's flags, filename and argv and the user's shell:
 * - LSL_RUN_LOGIN: the shell (filename if given), argv[0] "-<basename>",
 *   then the message's argv;
 * - LSL_RUN_SHELL: the shell (filename if given), argv[0] the shell, then the
 *   message's argv (["-c", cmdline]);
 * - otherwise filename with the message's argv as is ([filename] if empty).
 * Returns 0, -EINVAL (nothing to run, message in e) or -ENOMEM.
 */
int lsl_build_command(uint32_t flags, const char *filename, const char *shell, const char *const *argv,
		      struct lsl_command *out, struct lsl_err *e);

/*
 * The directory to start in: cwd as given, "~" and "~/x" relative to home,
 * home when cwd is NULL or empty. Returns 0 with *out allocated, or -ENOMEM.
 */
int lsl_resolve_cwd(const char *cwd, const char *home, char **out);
