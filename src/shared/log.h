/* SPDX-License-Identifier: MIT */
/*
 * Logging and error context.
 *
 * Functions return 0 or a negative errno. When the failure needs words for the
 * user, the callee fills a `struct lsl_err` ("mounting /proc: Permission
 * denied"), the caller may prefix context, and the edge prints it once as
 * "lsl: <what failed>: <why>".
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>

#include "macros.h"

#define LSL_ERR_MAX 512

struct lsl_err {
	int code; /* negative errno, 0 when unset */
	char msg[LSL_ERR_MAX];
};

/* Set e to "<fmt>: <strerror(err)>" (no ": why" when err is 0) and return -|err| (or -EIO for 0). */
int lsl_err_set(struct lsl_err *e, int err, const char *fmt, ...) _printf_(3, 4);
/* Set e to "<fmt>" exactly and return -|err|: for messages that carry their own reason. */
int lsl_err_setf(struct lsl_err *e, int err, const char *fmt, ...) _printf_(3, 4);
/* Prepend "<fmt>: " to e's message (context from a caller). Returns e->code. */
int lsl_err_prefix(struct lsl_err *e, const char *fmt, ...) _printf_(2, 3);
/* The message, or strerror(code) if none was set. */
const char *lsl_err_str(const struct lsl_err *e);

enum { LSL_LOG_ERR = 3, LSL_LOG_WARNING = 4, LSL_LOG_INFO = 6, LSL_LOG_DEBUG = 7 };

/* Program name used as the "prog: " prefix of every line. */
void lsl_log_init(const char *prog);
const char *lsl_log_prog(void);
/* Set the most verbose level printed (default LSL_LOG_INFO; LSL_DEBUG=1 enables debug). */
void lsl_log_set_level(int level);

void lsl_logv(int level, const char *fmt, va_list ap) _printf_(2, 0);
void lsl_log(int level, const char *fmt, ...) _printf_(2, 3);
/* Log "<fmt>: <strerror(err)>" and return -|err|. */
int lsl_log_errno(int level, int err, const char *fmt, ...) _printf_(3, 4);

#define log_error(...) lsl_log(LSL_LOG_ERR, __VA_ARGS__)
#define log_warning(...) lsl_log(LSL_LOG_WARNING, __VA_ARGS__)
#define log_info(...) lsl_log(LSL_LOG_INFO, __VA_ARGS__)
#define log_debug(...) lsl_log(LSL_LOG_DEBUG, __VA_ARGS__)
#define log_error_errno(err, ...) lsl_log_errno(LSL_LOG_ERR, (err), __VA_ARGS__)
#define log_warning_errno(err, ...) lsl_log_errno(LSL_LOG_WARNING, (err), __VA_ARGS__)
