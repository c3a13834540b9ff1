/* SPDX-License-Identifier: MIT */
/*
 * lsl's command line, parsed the way wsl.exe parses its own: run options
 * (-d, -u, --cd) then a command (`-e CMD ARGS`, `-- CMD ARGS` or a bare
 * `CMD ARGS`), or one management verb with its operands. Everything after
 * the start of a command belongs to the command. Pure: no I/O.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "log.h"
#include "protocol.h"

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
	LSL_VERB_IMPORT_IN_PLACE,
	LSL_VERB_EXPORT,
	LSL_VERB_MANAGE,
	LSL_VERB_MOUNT,
	LSL_VERB_UNMOUNT,
};

enum lsl_run_mode {
	LSL_RUN_MODE_LOGIN = 0, /* no command: the user's login shell */
	LSL_RUN_MODE_SHELL,     /* `CMD ARGS` or `-- CMD ARGS`: cmdline through the user's shell */
	LSL_RUN_MODE_EXEC,      /* `-e CMD ARGS`: command[0] executed directly */
};

/* Whether the process gets a pty: --tty, -T/--no-tty, or the default (stdin is a terminal). */
enum lsl_tty_mode {
	LSL_TTY_AUTO = 0,
	LSL_TTY_ALWAYS,
	LSL_TTY_NEVER,
};

#define LSL_DEFAULT_INSTALL "debian"

struct lsl_args {
	enum lsl_verb verb;

	/* RUN (pointers into argv unless noted) */
	const char *distribution; /* NULL = the default distribution */
	const char *user;         /* NULL = the distribution's default user */
	const char *cwd;          /* NULL = the user's home */
	enum lsl_run_mode run_mode;
	enum lsl_tty_mode tty;    /* the last of --tty, -T/--no-tty wins */
	bool safe_mode;           /* --safe-mode: a start ignores the distribution's wsl.conf */
	char *const *command; /* EXEC: NULL-terminated, command[0] is the program */
	char *cmdline;        /* SHELL: the arguments joined with single spaces (owned) */

	/* IMPORT, INSTALL, SET_DEFAULT, TERMINATE, UNREGISTER */
	const char *name;
	char *location;   /* IMPORT, INSTALL: absolute, lexically normalized (owned); NULL = absent */
	const char *file; /* IMPORT: path or "-" for stdin */
	const char *install_distribution; /* INSTALL */

	/* LIST */
	bool verbose, running, quiet;
	bool mounts;      /* --list --mounts: the disks mounted with --mount */

	/* Disks and images (IMPORT options, IMPORT_IN_PLACE, EXPORT, MANAGE, MOUNT, UNMOUNT) */
	bool vhd;                         /* IMPORT: FILE is an ext4 image; EXPORT: --format vhd */
	bool image;                       /* IMPORT --format image: extract into a new ext4 image */
	uint64_t size;                    /* IMPORT --size, MANAGE --resize: bytes (0 = absent) */
	int export_format;                /* EXPORT: enum lsl_export_format, -1 = from FILE's name */
	enum lsl_manage_action manage;    /* MANAGE: which action */
	const char *manage_user;          /* MANAGE --set-default-user */
	/* Owned. IMPORT_IN_PLACE: the image; MOUNT: the disk (absolute); UNMOUNT: a disk or a mount name. */
	char *path;
	uint32_t partition;               /* MOUNT --partition (0 = the whole disk) */
	const char *fs_type, *mount_options, *mount_name; /* MOUNT --type, --options, --name */
	bool bare;                        /* MOUNT --bare */
};

/*
 * Parse argv (argv[0] is the program) into a. cwd is the caller's working
 * directory (absolute), used to make a relative LOCATION absolute; NULL if
 * unknown. Returns 0, or a negative errno with e saying why (the caller
 * prints "lsl: <e>"). Free a with lsl_args_free() either way.
 */
int lsl_args_parse(int argc, char *const *argv, const char *cwd, struct lsl_args *a, struct lsl_err *e);
void lsl_args_free(struct lsl_args *a);

