/* SPDX-License-Identifier: MIT */
#include "binfmt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "macros.h"
#include "util.h"

/* binfmt_misc refuses longer registration lines. */
#define BINFMT_REGISTER_MAX 1920

char *lsl_binfmt_entry(const char *name, const char *interpreter)
{
	char *line;

	if (isempty(name) || isempty(interpreter) || strpbrk(name, ":/\n") || strpbrk(interpreter, ":\n") ||
	    interpreter[0] != '/' || streq(name, ".") || streq(name, "..") || streq(name, "register") ||
	    streq(name, "status")) {
		errno = EINVAL;
		return NULL;
	}
	/* The magic is written escaped: binfmt_misc decodes \x.. itself. */
	line = strdup_printf(":%s:M::\\x7fLSLHOST::%s:F", name, interpreter);
	if (line && strlen(line) >= BINFMT_REGISTER_MAX) {
		free(line);
		errno = EINVAL;
		return NULL;
	}
	return line;
}

int lsl_binfmt_open(struct lsl_err *e)
{
	_cleanup_close_ int fs = fsopen("binfmt_misc", FSOPEN_CLOEXEC);
	int mnt;

	if (fs < 0)
		return lsl_err_set(e, errno, "opening binfmt_misc");
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return lsl_err_set(e, errno, "opening binfmt_misc");
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (mnt < 0)
		return lsl_err_set(e, errno, "opening binfmt_misc");
	return mnt;
}

static int write_to(int dirfd, const char *file, const char *text)
{
	_cleanup_close_ int fd = openat(dirfd, file, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return negative_errno();
	/* One write: binfmt_misc parses each write as a whole command. */
	if (RETRY_EINTR(write(fd, text, strlen(text))) < 0)
		return negative_errno();
	return 0;
}

int lsl_binfmt_set(int binfmt_fd, const char *name, const char *interpreter, bool enabled, struct lsl_err *e)
{
	_cleanup_free_ char *line = NULL;
	int r;

	if (enabled) {
		line = lsl_binfmt_entry(name, interpreter);
		if (!line)
			return lsl_err_set(e, errno, "registering the binfmt_misc entry %s", name);
	}
	/* Remove any entry of that name first: an older one may name another interpreter. */
	r = write_to(binfmt_fd, name, "-1");
	if (r < 0 && r != -ENOENT)
		return lsl_err_set(e, r, "removing the binfmt_misc entry %s", name);
	if (!enabled)
		return 0;
	r = write_to(binfmt_fd, "register", line);
	if (r < 0)
		return lsl_err_set(e, r, "registering the binfmt_misc entry %s", name);
	return 0;
}

int lsl_binfmt_present(int binfmt_fd, const char *name)
{
	_cleanup_free_ char *text = NULL;
	int r = read_file_at(binfmt_fd, name, 64 * 1024, &text, NULL);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	/* The entry's first line is "enabled" or "disabled". */
	return startswith(text, "enabled\n") ? 1 : 0;
}
