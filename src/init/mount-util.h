/* SPDX-License-Identifier: MIT */
/*
 * Mounting inside the distribution without following its symlinks: mount
 * points are opened component by component with O_NOFOLLOW and filesystems
 * are attached to those fds with the mount API (fsopen/fsmount/move_mount),
 * which also needs no /proc.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "log.h"

/*
 * Open the directory at the absolute path as an O_PATH fd, refusing a
 * symlink or non-directory in any component. With create, missing components
 * are made with mode. Returns the fd or a negative errno with e saying which
 * path was wrong ("/dev is a symbolic link", "creating /run/user: ...").
 */
int lsl_open_dir_nofollow(const char *path, mode_t mode, bool create, struct lsl_err *e);

/*
 * Mount a new fstype instance on target (created 0755 if missing).
 * options: comma-separated "key=value" or flag words for the filesystem;
 * attrs: MOUNT_ATTR_* flags. On failure e reads "mounting <target>: <why>".
 */
int lsl_mount_new(const char *fstype, const char *options, unsigned int attrs, const char *target,
		  struct lsl_err *e);
