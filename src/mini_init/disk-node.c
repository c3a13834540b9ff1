/* SPDX-License-Identifier: MIT */
/*
 * A --bare disk is attached but not mounted: what users do with it happens
 * inside a distribution (lsblk, mkfs, mount), so its loop device gets a
 * node in every distribution's /dev. A running distribution's /dev is
 * reached by entering its mount namespace in a short-lived child; one that
 * starts later is told at launch (LSL_BARE_DISKS, see distro-child.c).
 */
#include "disk-node.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

static int node_in_namespace(int pidfd, const char *name, dev_t rdev, bool create)
{
	struct stat st;
	int dev;

	if (setns(pidfd, CLONE_NEWNS) < 0)
		return errno;
	/* Now at the distribution's root: its /dev is the tmpfs its init made, never a link it planted. */
	dev = open("/dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dev < 0)
		return errno;
	if (create) {
		if (mknodat(dev, name, S_IFBLK | 0660, rdev) == 0)
			return 0;
		if (errno == EEXIST && fstatat(dev, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISBLK(st.st_mode) &&
		    st.st_rdev == rdev)
			return 0;
		return errno;
	}
	/* Only the node we made: whatever else the distribution put under that name stays. */
	if (fstatat(dev, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : errno;
	if (!S_ISBLK(st.st_mode) || st.st_rdev != rdev)
		return 0;
	return unlinkat(dev, name, 0) < 0 ? errno : 0;
}

static int disk_node(const struct lsl_init *init, const char *name, dev_t rdev, bool create)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(node_in_namespace(init->pidfd, name, rdev, create));
	if (RETRY_EINTR(waitpid(pid, &status, 0)) < 0)
		return -errno;
	if (!WIFEXITED(status))
		return -EIO;
	return -WEXITSTATUS(status);
}

void lsl_disk_node_everywhere(struct lsl_mini_init *mi, const struct lsl_disk *d, bool create)
{
	for (struct lsl_init *i = mi->inits; i; i = i->next) {
		int r;

		if (i->exited || i->pidfd < 0)
			continue;
		r = disk_node(i, d->node, d->rdev, create);
		if (r < 0)
			log_warning_errno(r, "%s /dev/%s in %s", create ? "creating" : "removing", d->node, i->name);
	}
}

#define BARE_DISKS_VAR "LSL_BARE_DISKS="

char *lsl_bare_disks_env(const struct lsl_mini_init *mi)
{
	_cleanup_free_ char *value = strdup(BARE_DISKS_VAR);
	const size_t empty = sizeof(BARE_DISKS_VAR) - 1;

	for (const struct lsl_disk *d = mi->disks; d && value; d = d->next) {
		char *more;

		if (!d->node[0])
			continue;
		more = strdup_printf("%s%s%s:%u:%u", value, value[empty] ? "," : "", d->node, major(d->rdev),
				     minor(d->rdev));
		free(value);
		value = more;
	}
	if (!value || !value[empty])
		return NULL;
	return TAKE_PTR(value);
}
