/* SPDX-License-Identifier: MIT */
/*
 * mini_init's own mount namespace: a copy of the host's that receives the
 * host's later mounts (a slave: the host's filesystem a distribution sees
 * at /mnt/host stays current) but never sends any back, so nothing mounted
 * for a distribution is ever seen by the host. It holds the one
 * tmpfs every distribution sees at /mnt/wsl (shared, so mounts below it
 * propagate between distributions).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mini-init.h"
#include "paths.h"
#include "util.h"

int lsl_setup_mount_namespace(char **mnt_wsl, struct lsl_err *e)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int dir = -1, fs = -1, mnt = -1;
	struct mount_attr shared = { .propagation = MS_SHARED };
	const char *runtime = lsl_runtime_dir();
	int r;

	if (unshare(CLONE_NEWNS) < 0)
		return lsl_err_set(e, errno, "creating mini_init's mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return lsl_err_set(e, errno, "making mini_init's mounts private");

	r = mkdir_p(runtime, 0755);
	if (r < 0)
		return lsl_err_set(e, r, "creating %s", runtime);
	path = strdup_printf("%s/mnt-wsl", runtime);
	if (!path)
		return lsl_err_set(e, ENOMEM, "setting up /mnt/wsl");
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return lsl_err_set(e, errno, "creating %s", path);
	dir = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0)
		return lsl_err_set(e, errno, "opening %s", path);

	fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return lsl_err_set(e, errno, "mounting a tmpfs on %s", path);
	if (fsconfig(fs, FSCONFIG_SET_STRING, "source", "lsl-mnt-wsl", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return lsl_err_set(e, errno, "mounting a tmpfs on %s", path);
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (mnt < 0)
		return lsl_err_set(e, errno, "mounting a tmpfs on %s", path);
	if (move_mount(mnt, "", dir, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return lsl_err_set(e, errno, "mounting a tmpfs on %s", path);
	/* mnt now names the attached mount: make it the head of the shared peer group. */
	if (mount_setattr(mnt, "", AT_EMPTY_PATH, &shared, sizeof(shared)) < 0 &&
	    (errno != ENOSYS || mount(NULL, path, NULL, MS_SHARED, NULL) < 0)) /* before Linux 5.12 */
		return lsl_err_set(e, errno, "making %s shared", path);
	*mnt_wsl = TAKE_PTR(path);
	return 0;
}
