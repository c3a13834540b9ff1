/* SPDX-License-Identifier: MIT */
/* Which build of a program a file is, to tell a running service from another build. */
#pragma once

/*
 * "<st_dev>:<st_ino>:<st_size>:<st_mtim in ns>" of the file at path (following
 * symlinks), as a newly allocated string in *out. Returns 0 or a negative errno.
 */
int lsl_exe_identity(const char *path, char **out);
