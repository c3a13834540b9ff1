/* SPDX-License-Identifier: MIT */
/*
 * Executing the user's program the way a shell would: a name without '/'
 * is searched in PATH, and a failure is classified as "not found" (127) or
 * "found but cannot run" (126). Everything here runs between fork() and
 * exec(): no allocation.
 */
#pragma once

#include <stdint.h>

#include "macros.h"

#define LSL_SPAWN_MESSAGE_MAX 256

/* What a child that could not start writes to its parent, in one write on a pipe. */
struct lsl_spawn_error {
	int32_t status;     /* negative errno */
	uint32_t exit_code; /* what the caller exits with: 1, 126, 127 */
	char message[LSL_SPAWN_MESSAGE_MAX]; /* NUL-terminated */
};

void lsl_spawn_error_set(struct lsl_spawn_error *err, int status, uint32_t exit_code, const char *fmt, ...)
	_printf_(4, 5);

/* execve() or a stand-in for tests: returns only on failure, with a negative errno. */
typedef int (*lsl_execve_fn)(const char *path, char *const argv[], char *const envp[]);
int lsl_execve(const char *path, char *const argv[], char *const envp[]);

/*
 * Execute name (directly when it contains '/', else each entry of path in
 * turn; an empty entry is the current directory) with argv and envp. Returns
 * only when nothing could be executed, with err filled:
 *   127 "<name>: command not found"     nothing by that name in PATH
 *   127 "<name>: <strerror>"            a path that does not exist
 *   126 "<name>: <strerror>"            found but not executable (EACCES,
 *                                       ENOEXEC, ...)
 */
void lsl_exec_search(const char *name, const char *path, char *const argv[], char *const envp[],
		     lsl_execve_fn fn, struct lsl_spawn_error *err);
