/* SPDX-License-Identifier: MIT */
#include "boot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "bare-disks.h"
#include "macros.h"
#include "mount-util.h"
#include "util.h"

struct mount_step {
	const char *target;
	const char *fstype;
	const char *options;
	unsigned int attrs;
};

#define NOSUID MOUNT_ATTR_NOSUID
#define NODEV MOUNT_ATTR_NODEV
#define NOEXEC MOUNT_ATTR_NOEXEC

static const struct mount_step before_dev[] = {
	{ "/proc", "proc", NULL, NOSUID | NODEV | NOEXEC },
	{ "/sys", "sysfs", NULL, NOSUID | NODEV | NOEXEC },
	/* A tmpfs with fixed nodes rather than the host's devtmpfs: no host disk is visible. */
	{ "/dev", "tmpfs", "mode=755,size=65536k", NOSUID },
};

static const struct mount_step after_dev[] = {
	{ "/dev/pts", "devpts", "newinstance,ptmxmode=0666,mode=620,gid=5", NOSUID | NOEXEC },
	{ "/dev/shm", "tmpfs", "mode=1777", NOSUID | NODEV },
	{ "/dev/mqueue", "mqueue", NULL, NOSUID | NODEV | NOEXEC },
	{ "/run", "tmpfs", "mode=755", NOSUID | NODEV },
	{ "/run/lock", "tmpfs", "mode=1777", NOSUID | NODEV | NOEXEC },
	{ "/run/user", "tmpfs", "mode=755", NOSUID | NODEV },
};

static const struct {
	const char *name;
	unsigned int major, minor;
} dev_nodes[] = {
	{ "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 }, { "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

static const struct {
	const char *name;
	const char *target;
} dev_links[] = {
	{ "ptmx", "pts/ptmx" },
	{ "fd", "/proc/self/fd" },
	{ "stdin", "/proc/self/fd/0" },
	{ "stdout", "/proc/self/fd/1" },
	{ "stderr", "/proc/self/fd/2" },
};

static int run_steps(const struct mount_step *steps, size_t n, struct lsl_err *e)
{
	for (size_t i = 0; i < n; i++) {
		int r = lsl_mount_new(steps[i].fstype, steps[i].options, steps[i].attrs, steps[i].target, e);
		if (r < 0)
			return r;
	}
	return 0;
}

static int populate_dev(struct lsl_err *e)
{
	_cleanup_close_ int dev = lsl_open_dir_nofollow("/dev", 0755, false, e);

	if (dev < 0)
		return dev;
	for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++) {
		dev_t d = makedev(dev_nodes[i].major, dev_nodes[i].minor);
		if (mknodat(dev, dev_nodes[i].name, S_IFCHR | 0666, d) < 0)
			return lsl_err_set(e, errno, "creating /dev/%s", dev_nodes[i].name);
	}
	for (size_t i = 0; i < ARRAY_SIZE(dev_links); i++)
		if (symlinkat(dev_links[i].target, dev, dev_links[i].name) < 0)
			return lsl_err_set(e, errno, "creating /dev/%s", dev_links[i].name);
	lsl_make_bare_disk_nodes(dev, getenv("LSL_BARE_DISKS"));
	return 0;
}

/* /tmp is the distribution's own directory: made when missing, never mounted over or changed. */
static int make_tmp(struct lsl_err *e)
{
	struct stat st;

	if (fstatat(AT_FDCWD, "/tmp", &st, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (errno != ENOENT)
		return lsl_err_set(e, errno, "checking /tmp");
	if (mkdir("/tmp", 01777) < 0 && errno != EEXIST)
		return lsl_err_set(e, errno, "creating /tmp");
	/* mkdir applies the umask; make the mode exact whatever it is. */
	if (fchmodat(AT_FDCWD, "/tmp", 01777, AT_SYMLINK_NOFOLLOW) < 0 && errno != EOPNOTSUPP)
		return lsl_err_set(e, errno, "creating /tmp");
	return 0;
}

int lsl_boot_mounts(struct lsl_err *e)
{
	int r = run_steps(before_dev, ARRAY_SIZE(before_dev), e);

	if (r == 0)
		r = populate_dev(e);
	if (r == 0)
		r = run_steps(after_dev, ARRAY_SIZE(after_dev), e);
	if (r == 0)
		r = make_tmp(e);
	return r;
}
