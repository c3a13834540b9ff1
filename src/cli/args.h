/* SPDX-License-Identifier: MIT */
/*
 * lsl's command line, parsed the way wsl.exe parses its own: run options
 * (-d, -u, --cd) then a command (`-e CMD ARGS`, `-- CMD ARGS` or a bare
 * `CMD ARGS`), or one management verb with its operands. Everything after
 * the start of a command belongs to the command. Pure: no I/O.
 */
#pragma once

#include <stdbool.h>

#include "log.h"

enum lsl_verb {
	LSL_VERB_RUN = 0,
	LSL_VERB_IMPORT,
	LSL_VERB_INSTALL,
	LSL_VERB_LIST,
	LSL_VERB_SET_DEFAULT,
	LSL_VERB_TERMINATE,
	LSL_VERB_SHUTDOWN,
	LSL_VERB_UNREGISTER,
	LSL_VERB_VERSION,
	LSL_VERB_HELP,
};

enum lsl_run_mode {
	LSL_RUN_MODE_LOGIN = 0, /* no command: the user's login shell */
	LSL_RUN_MODE_SHELL,     /* `CMD ARGS` or `-- CMD ARGS`: cmdline through the user's shell */
	LSL_RUN_MODE_EXEC,      /* `-e CMD ARGS`: command[0] executed directly */
};

#define LSL_DEFAULT_INSTALL "debian"

struct lsl_args {
	enum lsl_verb verb;

	/* RUN (pointers into argv unless noted) */
	const char *distribution; /* NULL = the default distribution */
	const char *user;         /* NULL = the distribution's default user */
	const char *cwd;          /* NULL = the user's home */
	enum lsl_run_mode run_mode;
	char *const *command; /* EXEC: NULL-terminated, command[0] is the program */
	char *cmdline;        /* SHELL: the arguments joined with single spaces (owned) */

	/* IMPORT, INSTALL, SET_DEFAULT, TERMINATE, UNREGISTER */
	const char *name;
	char *location;   /* IMPORT, INSTALL: absolute, lexically normalized (owned); NULL = absent */
	const char *file; /* IMPORT: path or "-" for stdin */
	const char *install_distribution; /* INSTALL */

	/* LIST */
	bool verbose, running, quiet;
};

/*
 * Parse argv (argv[0] is the program) into a. cwd is the caller's working
 * directory (absolute), used to make a relative LOCATION absolute; NULL if
 * unknown. Returns 0, or a negative errno with e saying why (the caller
 * prints "lsl: <e>"). Free a with lsl_args_free() either way.
 */
int lsl_args_parse(int argc, char *const *argv, const char *cwd, struct lsl_args *a, struct lsl_err *e);
void lsl_args_free(struct lsl_args *a);

