/* SPDX-License-Identifier: MIT */
#include "mount-util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macros.h"
#include "util.h"

int lsl_open_dir_nofollow(const char *path, mode_t mode, bool create, struct lsl_err *e)
{
	_cleanup_free_ char *copy = strdup(path);
	_cleanup_close_ int fd = -1;
	char *component, *save = NULL;

	if (!copy)
		return lsl_err_set(e, ENOMEM, "opening %s", path);
	if (path[0] != '/')
		return lsl_err_setf(e, EINVAL, "%s is not an absolute path", path);
	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return lsl_err_set(e, errno, "opening /");

	for (component = strtok_r(copy, "/", &save); component; component = strtok_r(NULL, "/", &save)) {
		/* The path so far, for messages: copy up to the end of this component. */
		size_t shown = (size_t)(component - copy) + strlen(component);
		struct stat st;
		int next = openat(fd, component, O_PATH | O_NOFOLLOW | O_CLOEXEC);

		if (next < 0 && errno == ENOENT && create) {
			if (mkdirat(fd, component, mode) < 0 && errno != EEXIST)
				return lsl_err_set(e, errno, "creating %.*s", (int)shown, path);
			next = openat(fd, component, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		}
		if (next < 0)
			return lsl_err_set(e, errno, "opening %.*s", (int)shown, path);
		close(fd);
		fd = next;
		if (fstat(fd, &st) < 0)
			return lsl_err_set(e, errno, "opening %.*s", (int)shown, path);
		if (S_ISLNK(st.st_mode))
			return lsl_err_setf(e, ELOOP, "%.*s is a symbolic link", (int)shown, path);
		if (!S_ISDIR(st.st_mode))
			return lsl_err_setf(e, ENOTDIR, "%.*s is not a directory", (int)shown, path);
	}
	return TAKE_FD(fd);
}

/* Set e from errno, adding the filesystem's own explanation when it left one on the context. */
static int mount_error(struct lsl_err *e, int fs_fd, const char *target)
{
	int err = errno;
	char why[256];
	ssize_t n = fs_fd >= 0 ? read(fs_fd, why, sizeof(why) - 1) : -1;

	if (n > 2 && (why[0] == 'e' || why[0] == 'w') && why[1] == ' ') {
		why[n] = 0;
		why[strcspn(why, "\n")] = 0;
		return lsl_err_setf(e, err, "mounting %s: %s (%s)", target, strerror(err), why + 2);
	}
	return lsl_err_set(e, err, "mounting %s", target);
}

static int configure(int fs_fd, const char *fstype, const char *options)
{
	_cleanup_free_ char *copy = NULL;
	char *word, *save = NULL;

	if (fsconfig(fs_fd, FSCONFIG_SET_STRING, "source", fstype, 0) < 0)
		return negative_errno();
	if (!options)
		return 0;
	copy = strdup(options);
	if (!copy)
		return -ENOMEM;
	for (word = strtok_r(copy, ",", &save); word; word = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(word, '=');
		int r;

		if (eq) {
			*eq = 0;
			r = fsconfig(fs_fd, FSCONFIG_SET_STRING, word, eq + 1, 0);
		} else {
			r = fsconfig(fs_fd, FSCONFIG_SET_FLAG, word, NULL, 0);
		}
		if (r < 0)
			return negative_errno();
	}
	return 0;
}

int lsl_mount_new(const char *fstype, const char *options, unsigned int attrs, const char *target,
		  struct lsl_err *e)
{
	_cleanup_close_ int target_fd = -1, fs_fd = -1, mnt_fd = -1;
	int r;

	target_fd = lsl_open_dir_nofollow(target, 0755, true, e);
	if (target_fd < 0)
		return lsl_err_prefix(e, "mounting %s", target);
	fs_fd = fsopen(fstype, FSOPEN_CLOEXEC);
	if (fs_fd < 0)
		return mount_error(e, -1, target);
	r = configure(fs_fd, fstype, options);
	if (r < 0) {
		errno = -r;
		return mount_error(e, fs_fd, target);
	}
	if (fsconfig(fs_fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return mount_error(e, fs_fd, target);
	mnt_fd = fsmount(fs_fd, FSMOUNT_CLOEXEC, attrs);
	if (mnt_fd < 0)
		return mount_error(e, fs_fd, target);
	if (move_mount(mnt_fd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return mount_error(e, -1, target);
	return 0;
}
