/* SPDX-License-Identifier: MIT */
#include "tree.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "macros.h"

/* One step down from dirfd to the directory `name`, refusing a symlink. */
static int open_subdir(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd >= 0)
		return fd;
	if (errno != ENOTDIR && errno != ELOOP)
		return negative_errno();
	/* O_NOFOLLOW|O_DIRECTORY fails the same way for a link and a file: tell them apart. */
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
		return -ELOOP;
	return -ENOTDIR;
}

int import_open_parent(int rootfd, const char *path, const char **base)
{
	_cleanup_free_ char *copy = strdup(path);
	_cleanup_close_ int dirfd = -1;
	char *p, *slash;

	if (!copy)
		return -ENOMEM;
	dirfd = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	if (dirfd < 0)
		return negative_errno();
	for (p = copy; (slash = strchr(p, '/')); p = slash + 1) {
		int next;

		*slash = '\0';
		next = open_subdir(dirfd, p);
		if (next < 0)
			return next;
		close(dirfd);
		dirfd = next;
	}
	*base = path + (p - copy);
	return TAKE_FD(dirfd);
}

int import_lstat_below(int rootfd, const char *path, struct stat *st)
{
	const char *base;
	_cleanup_close_ int dirfd = import_open_parent(rootfd, path, &base);

	if (dirfd < 0)
		return dirfd;
	if (fstatat(dirfd, base, st, AT_SYMLINK_NOFOLLOW) < 0)
		return negative_errno();
	return 0;
}

int import_make_socket(int rootfd, const char *path, const struct import_node *n)
{
	const char *base;
	_cleanup_close_ int dirfd = import_open_parent(rootfd, path, &base);

	if (dirfd < 0)
		return dirfd;
	if (unlinkat(dirfd, base, 0) < 0 && errno != ENOENT)
		return negative_errno();
	if (mknodat(dirfd, base, S_IFSOCK | (n->mode & 0777), 0) < 0)
		return negative_errno();
	if (fchownat(dirfd, base, n->uid, n->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return negative_errno();
	/* After the owner: chown clears the set-id bits. The node is ours, not a link. */
	if (fchmodat(dirfd, base, n->mode & 07777, 0) < 0)
		return negative_errno();
	if (utimensat(dirfd, base, n->times, AT_SYMLINK_NOFOLLOW) < 0)
		return negative_errno();
	return 0;
}
