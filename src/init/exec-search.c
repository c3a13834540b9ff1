/* SPDX-License-Identifier: MIT */
#include "exec-search.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void lsl_spawn_error_set(struct lsl_spawn_error *err, int status, uint32_t exit_code, const char *fmt, ...)
{
	va_list ap;

	memset(err, 0, sizeof(*err));
	err->status = status < 0 ? status : -(status ? status : EIO);
	err->exit_code = exit_code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

int lsl_execve(const char *path, char *const argv[], char *const envp[])
{
	execve(path, argv, envp);
	return errno > 0 ? -errno : -EIO;
}

/* Errors that mean "not in this directory": the search goes on. */
static bool try_next(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
	case ENAMETOOLONG:
	case ELOOP:
	case ESTALE:
	case ENODEV:
	case ETIMEDOUT:
		return true;
	default:
		return false;
	}
}

void lsl_exec_search(const char *name, const char *path, char *const argv[], char *const envp[],
		     lsl_execve_fn fn, struct lsl_spawn_error *err)
{
	char candidate[PATH_MAX];
	bool denied = false;
	const char *p;
	size_t name_len = strlen(name);
	int r;

	if (name_len == 0) {
		lsl_spawn_error_set(err, -ENOENT, 127, "'': command not found");
		return;
	}
	if (strchr(name, '/')) {
		r = -fn(name, argv, envp);
		lsl_spawn_error_set(err, -r, r == ENOENT || r == ENOTDIR ? 127 : 126, "%s: %s", name, strerror(r));
		return;
	}

	p = path ? path : "";
	for (;;) {
		const char *end = strchr(p, ':');
		size_t dir_len = end ? (size_t)(end - p) : strlen(p);

		if (dir_len == 0) {
			r = -ENOENT;
			if (name_len < sizeof(candidate)) {
				memcpy(candidate, name, name_len + 1);
				r = fn(candidate, argv, envp);
			}
		} else if (dir_len + 1 + name_len < sizeof(candidate)) {
			memcpy(candidate, p, dir_len);
			candidate[dir_len] = '/';
			memcpy(candidate + dir_len + 1, name, name_len + 1);
			r = fn(candidate, argv, envp);
		} else {
			r = -ENAMETOOLONG;
		}
		r = -r;
		if (r == EACCES) {
			/* Remember it, as shells do: a later directory may still hold a runnable one. */
			denied = true;
		} else if (!try_next(r)) {
			lsl_spawn_error_set(err, -r, 126, "%s: %s", name, strerror(r));
			return;
		}
		if (!end)
			break;
		p = end + 1;
	}
	if (denied)
		lsl_spawn_error_set(err, -EACCES, 126, "%s: %s", name, strerror(EACCES));
	else
		lsl_spawn_error_set(err, -ENOENT, 127, "%s: command not found", name);
}
