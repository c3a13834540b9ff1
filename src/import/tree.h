/* SPDX-License-Identifier: MIT */
/*
 * File system operations on the tree being extracted, resolved below its
 * root one component at a time and never through a symbolic link: what
 * libarchive's own checks do not cover (hard link targets, socket nodes).
 */
#pragma once

#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

/*
 * Open (O_PATH) the directory holding `path` (a normalized relative path, see
 * entry-path.h) below rootfd; *base points at path's last component.
 * Returns the fd, -ELOOP if a directory on the way is a symbolic link,
 * -ENOENT/-ENOTDIR if one is missing or not a directory, or another negative errno.
 */
int import_open_parent(int rootfd, const char *path, const char **base);

/* lstat `path` below rootfd, under the same rules (its last component is not followed). */
int import_lstat_below(int rootfd, const char *path, struct stat *st);

struct import_node {
	mode_t mode;              /* permission bits (07777) */
	uid_t uid;
	gid_t gid;
	struct timespec times[2]; /* atime, mtime; UTIME_OMIT for unknown */
};

/*
 * Make `path` below rootfd a socket node with n's owner, mode and times,
 * replacing a non-directory already there (libarchive's writer cannot create
 * sockets). Returns 0 or a negative errno (-ELOOP as above).
 */
int import_make_socket(int rootfd, const char *path, const struct import_node *n);
