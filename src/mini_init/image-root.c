/* SPDX-License-Identifier: MIT */
#include "image-root.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk-image.h"
#include "loop-dev.h"
#include "paths.h"
#include "util.h"

static char *roots_dir(void) { return strdup_printf("%s/roots", lsl_runtime_dir()); }

int lsl_image_root_prepare(const char *name, int image_fd, char **dir, struct lsl_err *e)
{
	_cleanup_free_ char *roots = roots_dir(), *path = NULL;
	struct stat st;
	char shown[96];
	int r;

	snprintf(shown, sizeof(shown), "the disk image of %s", name);
	if (fstat(image_fd, &st) < 0)
		return lsl_err_set(e, errno, "%s", shown);
	if (!S_ISREG(st.st_mode))
		return lsl_err_setf(e, EINVAL, "%s is not a regular file", shown);
	r = lsl_ext4_check(image_fd, shown, e);
	if (r < 0)
		return r;
	r = lsl_loop_check_unused(image_fd, shown, e);
	if (r < 0)
		return r;

	if (!roots)
		return lsl_err_set(e, ENOMEM, "preparing the root of %s", name);
	/* Only root looks inside: nothing is mounted there on the host, but keep it closed. */
	if (mkdir(roots, 0700) < 0 && errno != EEXIST)
		return lsl_err_set(e, errno, "creating %s", roots);
	path = strdup_printf("%s/%s", roots, name);
	if (!path)
		return lsl_err_set(e, ENOMEM, "preparing the root of %s", name);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return lsl_err_set(e, errno, "creating %s", path);
	if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return lsl_err_setf(e, ENOTDIR, "%s is not a directory", path);
	*dir = TAKE_PTR(path);
	return 0;
}

int lsl_image_root_mount(const char *name, int image_fd, const char *dir, struct lsl_err *e)
{
	_cleanup_close_ int loop = -1, mnt = -1, target = -1;
	char dev[64], shown[96];
	int index;

	snprintf(shown, sizeof(shown), "the disk image of %s", name);
	loop = lsl_loop_attach(image_fd, 0, name, &index, e);
	if (loop < 0)
		return lsl_err_prefix(e, "%s", shown);
	lsl_loop_path(index, 0, dev, sizeof(dev));
	mnt = lsl_mount_detached(dev, shown, "ext4", false, NULL, 0, e);
	if (mnt < 0)
		return mnt;
	target = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (target < 0)
		return lsl_err_set(e, errno, "opening %s", dir);
	if (move_mount(mnt, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return lsl_err_set(e, errno, "mounting %s on %s", shown, dir);
	/* The mount holds the loop device now: it is released with this namespace. */
	return 0;
}

void lsl_image_root_remove(const char *name)
{
	_cleanup_free_ char *roots = roots_dir(), *path = NULL;

	if (!roots || !(path = strdup_printf("%s/%s", roots, name)))
		return;
	if (rmdir(path) < 0 && errno != ENOENT)
		log_warning_errno(errno, "removing %s", path);
	/* The last one out removes roots itself; another distribution's directory keeps it. */
	(void)rmdir(roots);
}
