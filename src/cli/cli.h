/* SPDX-License-Identifier: MIT */
/* The verbs of the command line. Each returns 0 or a negative errno with e set, unless noted. */
#pragma once

#include "args.h"
#include "log.h"

/* The exit code of the process run (>= 0), or a negative errno with e set. */
int lsl_cmd_run(const struct lsl_args *a, struct lsl_err *e);

int lsl_cmd_import(const struct lsl_args *a, struct lsl_err *e);
int lsl_cmd_install(const struct lsl_args *a, struct lsl_err *e);
int lsl_cmd_list(const struct lsl_args *a, struct lsl_err *e);
int lsl_cmd_set_default(const struct lsl_args *a, struct lsl_err *e);
int lsl_cmd_terminate(const struct lsl_args *a, struct lsl_err *e);
int lsl_cmd_unregister(const struct lsl_args *a, struct lsl_err *e);
int lsl_cmd_shutdown(const struct lsl_args *a, struct lsl_err *e);
int lsl_cmd_version(const struct lsl_args *a, struct lsl_err *e);
int lsl_cmd_help(const struct lsl_args *a, struct lsl_err *e);

/* Disks and images: import.c (in place), export.c, manage.c, mount.c (--mount, --unmount, --list --mounts). */
int lsl_cmd_import_in_place(const struct lsl_args *a, struct lsl_err *e);
int lsl_cmd_export(const struct lsl_args *a, struct lsl_err *e);
int lsl_cmd_manage(const struct lsl_args *a, struct lsl_err *e);
int lsl_cmd_mount(const struct lsl_args *a, struct lsl_err *e);
int lsl_cmd_unmount(const struct lsl_args *a, struct lsl_err *e);
int lsl_cmd_list_mounts(const struct lsl_args *a, struct lsl_err *e);

/*
 * Ctrl-C during a long request with a progress bar: the bar's line is
 * erased, then the signal ends lsl (the service sees the hang-up and
 * cleans up). Installed once a bar is shown.
 */
void lsl_clear_line_on_death(void);

/* What wsl.exe says after a management command that changed something. */
void lsl_print_success(void);
