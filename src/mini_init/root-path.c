/* SPDX-License-Identifier: MIT */
#include "root-path.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "macros.h"
#include "util.h"

int lsl_root_open(int rootfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(unsigned int)(flags | O_CLOEXEC),
		.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	if (!path || !*path)
		return -EINVAL;
	fd = (int)RETRY_EINTR(syscall(SYS_openat2, rootfd, path, &how, sizeof(how)));
	return fd < 0 ? negative_errno() : fd;
}

/* Open the directory `prefix` (the first n bytes of the path) inside the root. */
static int open_prefix(int rootfd, const char *path, size_t n)
{
	_cleanup_free_ char *prefix = strndup(path, n);

	if (!prefix)
		return -ENOMEM;
	return lsl_root_open(rootfd, prefix, O_PATH | O_DIRECTORY, 0);
}

int lsl_root_mkdir_p(int rootfd, const char *path, mode_t mode, struct lsl_err *e)
{
	_cleanup_close_ int parent = -1;
	const char *p = path;

	/* The root itself: what the components are made in until one exists. */
	parent = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	if (parent < 0)
		return lsl_err_set(e, errno, "opening the root directory");

	while (*p) {
		const char *start, *end;
		_cleanup_free_ char *name = NULL;
		int fd;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		start = p;
		end = strchrnul(p, '/');
		p = end;
		name = strndup(start, (size_t)(end - start));
		if (!name)
			return lsl_err_set(e, ENOMEM, "creating %s", path);

		/* Always the whole prefix from the root: symlinks met so far resolve as inside. */
		fd = open_prefix(rootfd, path, (size_t)(end - path));
		if (fd == -ENOENT && !streq(name, "..") && !streq(name, ".")) {
			/*
			 * mkdirat never follows a symlink in its last component: a
			 * dangling one gives EEXIST and is reported, not followed.
			 */
			if (mkdirat(parent, name, mode) < 0 && errno != EEXIST)
				return lsl_err_set(e, errno, "creating %.*s", (int)(end - path), path);
			fd = open_prefix(rootfd, path, (size_t)(end - path));
			if (fd == -ENOENT)
				return lsl_err_setf(e, ENOENT, "creating %s: %.*s is a dangling symbolic link", path,
						    (int)(end - path), path);
		}
		if (fd == -ENOTDIR)
			return lsl_err_setf(e, ENOTDIR, "creating %s: %.*s is not a directory", path, (int)(end - path),
					    path);
		if (fd < 0)
			return lsl_err_set(e, fd, "creating %s: opening %.*s", path, (int)(end - path), path);
		close(parent);
		parent = fd;
	}
	return TAKE_FD(parent);
}
