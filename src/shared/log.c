/* SPDX-License-Identifier: MIT */
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *log_prog = "lsl";
static int log_level = LSL_LOG_INFO;

void lsl_log_init(const char *prog)
{
	const char *debug = getenv("LSL_DEBUG");

	log_prog = prog;
	if (debug && *debug && strcmp(debug, "0") != 0)
		log_level = LSL_LOG_DEBUG;
}

const char *lsl_log_prog(void) { return log_prog; }

void lsl_log_set_level(int level) { log_level = level; }

void lsl_logv(int level, const char *fmt, va_list ap)
{
	char line[LSL_ERR_MAX * 2];
	int n;

	if (level > log_level)
		return;
	/* One write per line so that lines of concurrent writers do not interleave. */
	n = snprintf(line, sizeof(line), "%s: %s", log_prog,
		     level == LSL_LOG_WARNING ? "warning: " : "");
	if (n < 0)
		return;
	if ((size_t)n < sizeof(line))
		vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	n = (int)strnlen(line, sizeof(line) - 2);
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, (size_t)n);
}

void lsl_log(int level, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	lsl_logv(level, fmt, ap);
	va_end(ap);
	errno = saved;
}

int lsl_log_errno(int level, int err, const char *fmt, ...)
{
	char buf[LSL_ERR_MAX];
	va_list ap;

	if (err < 0)
		err = -err;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	lsl_log(level, "%s: %s", buf, strerror(err ? err : EIO));
	return -(err ? err : EIO);
}

static int err_code(int err)
{
	if (err < 0)
		err = -err;
	return -(err ? err : EIO);
}

int lsl_err_set(struct lsl_err *e, int err, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	e->code = err_code(err);
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	if (err) {
		n = strlen(e->msg);
		snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", strerror(-e->code));
	}
	return e->code;
}

int lsl_err_setf(struct lsl_err *e, int err, const char *fmt, ...)
{
	va_list ap;

	e->code = err_code(err);
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return e->code;
}

int lsl_err_prefix(struct lsl_err *e, const char *fmt, ...)
{
	char prefix[LSL_ERR_MAX], old[LSL_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	snprintf(old, sizeof(old), "%s", lsl_err_str(e));
	snprintf(e->msg, sizeof(e->msg), "%s: %s", prefix, old);
	if (!e->code)
		e->code = -EIO;
	return e->code;
}

const char *lsl_err_str(const struct lsl_err *e)
{
	if (e->msg[0])
		return e->msg;
	return strerror(e->code ? -e->code : EIO);
}
