/* SPDX-License-Identifier: MIT */
#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "disk-mount.h"
#include "instance.h"
#include "loop-dev.h"
#include "registry-store.h"
#include "service.h"
#include "util.h"

const struct lsl_distro *lsl_image_find_distro(struct lsl_service *svc, const char *name, struct lsl_err *e)
{
	const struct lsl_registry *reg = lsl_registry_get(&svc->store, e);
	const struct lsl_distro *d;

	if (!reg)
		return NULL;
	if (isempty(name)) {
		lsl_err_setf(e, EINVAL, "no distribution name given");
		return NULL;
	}
	d = lsl_registry_find(reg, name);
	if (!d)
		lsl_err_setf(e, ENOENT, "there is no distribution named %.100s%s", name, strlen(name) > 100 ? "..." : "");
	return d;
}

const char *lsl_image_registered(struct lsl_service *svc, dev_t dev, ino_t ino, const char *except)
{
	struct lsl_err e = { 0 };
	const struct lsl_registry *reg = lsl_registry_get(&svc->store, &e);
	struct stat st;

	for (size_t i = 0; reg && i < reg->n; i++) {
		const struct lsl_distro *d = &reg->distros[i];
		if (!d->image || (except && strcasecmp(except, d->name) == 0))
			continue;
		if (stat(d->image, &st) == 0 && st.st_dev == dev && st.st_ino == ino)
			return d->name;
	}
	return NULL;
}

int lsl_image_check_unused(struct lsl_service *svc, int fd, const char *shown, const char *except, struct lsl_err *e)
{
	const char *owner;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return lsl_err_set(e, errno, "%s", shown);
	if (!S_ISREG(st.st_mode))
		return lsl_err_setf(e, EINVAL, "%s is not a regular file", shown);
	owner = lsl_image_registered(svc, st.st_dev, st.st_ino, except);
	if (owner)
		return lsl_err_setf(e, EBUSY, "%s is the disk of the distribution %s", shown, owner);
	owner = lsl_disk_mount_using(svc, st.st_dev, st.st_ino);
	if (owner)
		return lsl_err_setf(e, EBUSY, "%s is mounted in /mnt/wsl/%s", shown, owner);
	return lsl_loop_check_unused(fd, shown, e);
}

int lsl_image_mount_dir(int image_fd, bool read_only, const char *shown, struct lsl_err *e)
{
	_cleanup_close_ int mnt = lsl_image_mount(image_fd, read_only ? LSL_LOOP_READ_ONLY : 0, shown, e);
	int dir;

	if (mnt < 0)
		return mnt;
	/* fsmount() gives an O_PATH fd: a real one, to read the directory and hand to helpers. */
	dir = openat(mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return lsl_err_set(e, errno, "opening the root of %s", shown);
	return dir;
}

int lsl_image_open_root(struct lsl_service *svc, const struct lsl_distro *d, bool writable, int *out,
			struct lsl_err *e)
{
	struct lsl_instance *inst = lsl_instance_find(svc, d->name);
	_cleanup_close_ int image = -1;
	char path[64];
	int fd;

	/* A directory is read where it is (nothing is mounted inside it on the host), running or not. */
	if (inst && d->image) {
		pid_t pid = lsl_instance_running_pid(inst);
		if (pid <= 0)
			return lsl_err_setf(e, EBUSY, "%s is starting or stopping: try again in a moment", d->name);
		/* Its root as init sees it: for an image, the one mount of it there is. */
		snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return lsl_err_set(e, errno, "opening the root of %s", d->name);
		*out = fd;
		return 0;
	}
	if (!d->image) {
		fd = open(d->rootfs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return lsl_err_set(e, errno, "opening the root directory %s", d->rootfs);
		*out = fd;
		return 0;
	}
	/* Read-write even to read it: an unclean stop's journal is replayed by the mount. */
	image = open(d->image, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	if (image < 0)
		return lsl_err_set(e, errno, "opening the disk image %s", d->image);
	fd = lsl_image_check_unused(svc, image, d->image, d->name, e);
	if (fd < 0)
		return fd;
	fd = lsl_image_mount_dir(image, !writable, d->image, e);
	if (fd < 0)
		return fd;
	*out = fd;
	return 0;
}

const char *lsl_image_write_error(int image_fd, int err)
{
	struct statvfs sv;

	if (err != ENOSPC && fstatvfs(image_fd, &sv) == 0 && sv.f_bavail == 0)
		err = ENOSPC;
	return strerror(err);
}

char *lsl_image_tool(const char *name, struct lsl_err *e)
{
	static const char *const dirs[] = { "/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/local/bin", "/usr/bin", "/bin" };

	for (size_t k = 0; k < ARRAY_SIZE(dirs); k++) {
		char *path = strdup_printf("%s/%s", dirs[k], name);
		if (!path) {
			lsl_err_set(e, ENOMEM, "finding %s", name);
			return NULL;
		}
		if (access(path, X_OK) == 0)
			return path;
		free(path);
	}
	lsl_err_setf(e, ENOENT, "%s was not found: install e2fsprogs", name);
	return NULL;
}

int lsl_image_remove_files(const char *location, const char *image, bool in_place, bool owned)
{
	int r = 0;

	if (!in_place && unlink(image) < 0 && errno != ENOENT)
		r = log_warning_errno(errno, "removing %s", image);
	if (r == 0 && owned && rmdir(location) < 0 && errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST)
		r = log_warning_errno(errno, "removing %s", location);
	return r;
}
