/* SPDX-License-Identifier: MIT */
#include "loop-dev.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define ATTACH_TRIES 64 /* another program may take the free device we were given: try the next */

void lsl_loop_path(int index, unsigned part, char *buf, size_t size)
{
	if (part)
		snprintf(buf, size, "/dev/loop%dp%u", index, part);
	else
		snprintf(buf, size, "/dev/loop%d", index);
}

int lsl_loop_attach(int backing_fd, unsigned flags, const char *label, int *index, struct lsl_err *e)
{
	return lsl_loop_attach_range(backing_fd, flags, label, 0, 0, index, e);
}

int lsl_loop_attach_range(int backing_fd, unsigned flags, const char *label, uint64_t offset, uint64_t size,
			  int *index, struct lsl_err *e)
{
	_cleanup_close_ int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	struct loop_config cfg = { .fd = (uint32_t)backing_fd };
	int last = 0;

	if (ctl < 0)
		return lsl_err_set(e, errno, "opening /dev/loop-control");
	cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
	if (flags & LSL_LOOP_READ_ONLY)
		cfg.info.lo_flags |= LO_FLAGS_READ_ONLY;
	if (flags & LSL_LOOP_PARTSCAN)
		cfg.info.lo_flags |= LO_FLAGS_PARTSCAN;
	if (label)
		snprintf((char *)cfg.info.lo_file_name, sizeof(cfg.info.lo_file_name), "%s", label);
	cfg.info.lo_offset = offset;
	cfg.info.lo_sizelimit = size;

	for (int tries = 0; tries < ATTACH_TRIES; tries++) {
		_cleanup_close_ int fd = -1;
		char path[64];
		int n = ioctl(ctl, LOOP_CTL_GET_FREE);

		if (n < 0)
			return lsl_err_set(e, errno, "finding a free loop device");
		lsl_loop_path(n, 0, path, sizeof(path));
		fd = open(path, ((flags & LSL_LOOP_READ_ONLY) ? O_RDONLY : O_RDWR) | O_CLOEXEC);
		if (fd < 0) {
			/* Another program may have just taken it and be removing it. */
			if (errno == ENOENT || errno == ENXIO) {
				last = errno;
				continue;
			}
			return lsl_err_set(e, errno, "opening %s", path);
		}
		if (ioctl(fd, LOOP_CONFIGURE, &cfg) == 0) {
			*index = n;
			return TAKE_FD(fd);
		}
		if (errno != EBUSY)
			return lsl_err_set(e, errno == ENOTTY || errno == EINVAL ? ENOSYS : errno,
					   "attaching a loop device (%s)", path);
		last = EBUSY; /* taken between GET_FREE and CONFIGURE: ask again */
	}
	return lsl_err_set(e, last ? last : EBUSY, "attaching a loop device");
}

/* Whether name is "loop<digits>"; its number in *n. */
static bool loop_name(const char *name, int *n)
{
	const char *d = startswith(name, "loop");

	if (!d || !*d)
		return false;
	for (const char *p = d; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return safe_atoi(d, n) == 0;
}

int lsl_loop_find_backing(dev_t dev, ino_t ino, int *index)
{
	DIR *d = opendir("/sys/block");
	struct dirent *de;
	int found = 0;

	if (!d)
		return negative_errno();
	while (!found && (errno = 0, de = readdir(d))) {
		struct loop_info64 info;
		char path[64];
		int n, fd;

		if (!loop_name(de->d_name, &n))
			continue;
		/* An unbound device has no backing_file: skip it without opening it. */
		snprintf(path, sizeof(path), "/sys/block/%s/loop/backing_file", de->d_name);
		if (access(path, F_OK) < 0)
			continue;
		lsl_loop_path(n, 0, path, sizeof(path));
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			continue; /* gone meanwhile */
		if (ioctl(fd, LOOP_GET_STATUS64, &info) == 0 && info.lo_device == (uint64_t)dev &&
		    info.lo_inode == (uint64_t)ino) {
			found = 1;
			if (index)
				*index = n;
		}
		close(fd);
	}
	closedir(d);
	return found;
}

int lsl_loop_check_unused(int fd, const char *what, struct lsl_err *e)
{
	struct stat st;
	char dev[64];
	int n = -1, r;

	if (fstat(fd, &st) < 0)
		return lsl_err_set(e, errno, "%s", what);
	r = lsl_loop_find_backing(st.st_dev, st.st_ino, &n);
	if (r < 0)
		return lsl_err_set(e, r, "checking whether %s is in use", what);
	if (r > 0) {
		lsl_loop_path(n, 0, dev, sizeof(dev));
		return lsl_err_setf(e, EBUSY, "%s is in use (it backs %s: mounted on the host or by a running "
				    "distribution)", what, dev);
	}
	return 0;
}

/* The last error the filesystem logged on its context fd ("e ext4: ..."), without the level prefix. */
static void context_message(int fs, char *buf, size_t size)
{
	char line[512];
	ssize_t n;

	buf[0] = 0;
	while ((n = read(fs, line, sizeof(line) - 1)) > 0) {
		line[n] = 0;
		if (line[n - 1] == '\n')
			line[n - 1] = 0;
		if (line[0] == 'e' && line[1] == ' ')
			snprintf(buf, size, "%s", line + 2);
	}
}

/* Each "key" or "key=value" of data as an fsconfig() call. */
static int apply_data(int fs, const char *data, const char *shown, struct lsl_err *e)
{
	_cleanup_free_ char *copy = strdup_or_null(data);
	char *save = NULL;

	if (data && !copy)
		return lsl_err_set(e, ENOMEM, "mounting %s", shown);
	for (char *opt = copy ? strtok_r(copy, ",", &save) : NULL; opt; opt = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(opt, '=');
		int r;

		if (eq) {
			*eq = 0;
			r = fsconfig(fs, FSCONFIG_SET_STRING, opt, eq + 1, 0);
		} else {
			r = fsconfig(fs, FSCONFIG_SET_FLAG, opt, NULL, 0);
		}
		if (r < 0) {
			char why[256];
			int err = errno;
			context_message(fs, why, sizeof(why));
			return lsl_err_setf(e, err, "mounting %s: option '%s' refused: %s", shown, opt,
					    why[0] ? why : strerror(err));
		}
	}
	return 0;
}

int lsl_mount_detached(const char *source, const char *shown, const char *fstype, bool read_only, const char *data,
		       unsigned attrs, struct lsl_err *e)
{
	_cleanup_close_ int fs = fsopen(fstype, FSOPEN_CLOEXEC);
	char why[256];
	int mnt, r, err;

	if (fs < 0) {
		if (errno == ENODEV)
			return lsl_err_setf(e, ENODEV, "mounting %s: the kernel has no filesystem type '%s'", shown,
					    fstype);
		return lsl_err_set(e, errno, "mounting %s (%s)", shown, fstype);
	}
	if (fsconfig(fs, FSCONFIG_SET_STRING, "source", source, 0) < 0)
		return lsl_err_set(e, errno, "mounting %s (%s)", shown, fstype);
	if (read_only && fsconfig(fs, FSCONFIG_SET_FLAG, "ro", NULL, 0) < 0)
		return lsl_err_set(e, errno, "mounting %s (%s) read-only", shown, fstype);
	r = apply_data(fs, data, shown, e);
	if (r < 0)
		return r;
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		err = errno;
		context_message(fs, why, sizeof(why));
		/* The kernel's word for "no such filesystem here" (or a damaged one). */
		if (err == EINVAL || err == EUCLEAN)
			return lsl_err_setf(e, err, "%s is not a valid %s filesystem%s%s", shown, fstype,
					    why[0] ? ": " : "", why);
		return lsl_err_setf(e, err, "mounting %s (%s): %s", shown, fstype, why[0] ? why : strerror(err));
	}
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, attrs | (read_only ? MOUNT_ATTR_RDONLY : 0));
	if (mnt < 0)
		return lsl_err_set(e, errno, "mounting %s (%s)", shown, fstype);
	return mnt;
}

int lsl_image_mount(int image_fd, unsigned flags, const char *shown, struct lsl_err *e)
{
	_cleanup_close_ int loop = -1;
	int index, mnt, fl = fcntl(image_fd, F_GETFL);
	bool writable = fl >= 0 && (fl & O_ACCMODE) == O_RDWR;
	char dev[64];

	/*
	 * A read-only mount of a writable image still gets a writable device:
	 * ext4 replays a journal left by an unclean stop before it shows the
	 * files, and refuses to mount at all when it cannot.
	 */
	loop = lsl_loop_attach(image_fd, writable ? flags & ~(unsigned)LSL_LOOP_READ_ONLY : flags | LSL_LOOP_READ_ONLY,
			       shown, &index, e);
	if (loop < 0)
		return loop;
	lsl_loop_path(index, 0, dev, sizeof(dev));
	mnt = lsl_mount_detached(dev, shown, "ext4", flags & LSL_LOOP_READ_ONLY, NULL, MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID,
				 e);
	/* The mount now holds the device; closing ours leaves it to release the device. */
	return mnt;
}
