/* SPDX-License-Identifier: MIT */
/*
 * Paths inside a distribution's root, resolved from the host before
 * pivot_root: every component, symlinks included, is resolved as if the
 * root directory were "/" (openat2 RESOLVE_IN_ROOT), so that a hostile
 * symlink such as mnt -> /etc or mnt -> ../../.. stays inside the root.
 */
#pragma once

#include <sys/types.h>

#include "log.h"

/*
 * openat2(rootfd, path, flags, mode) resolved inside the root, magic links
 * (/proc/<pid>/root and friends) refused. A leading '/' is allowed. Returns
 * the fd or a negative errno.
 */
int lsl_root_open(int rootfd, const char *path, int flags, mode_t mode);

/*
 * mkdir -p of path inside the root: missing components are made with mode
 * in the directory their parent resolved to. Returns an O_PATH fd of the
 * final directory, or a negative errno with e naming the component
 * ("creating /mnt/wsl: /mnt is not a directory").
 */
int lsl_root_mkdir_p(int rootfd, const char *path, mode_t mode, struct lsl_err *e);
