/* SPDX-License-Identifier: MIT */
/* Absolute paths from what the caller typed, decided lexically. */
#pragma once

/*
 * Make path absolute against cwd (when relative) and drop ".", ".." and
 * repeated slashes lexically, without looking at the filesystem: symlinks are
 * not resolved, so the path keeps meaning what the caller typed, as the shell
 * shows it. ".." at the root stays at the root. Returns 0 with a newly
 * allocated string, or -EINVAL (empty path, or relative without an absolute
 * cwd) or -ENOMEM.
 */
int lsl_path_absolute(const char *cwd, const char *path, char **out);
