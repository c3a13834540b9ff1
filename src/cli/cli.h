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

/* What wsl.exe says after a management command that changed something. */
void lsl_print_success(void);
