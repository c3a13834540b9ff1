/* SPDX-License-Identifier: MIT */
/* Reading a distribution's own small files (init, and the service for --manage), never outside its root. */
#pragma once

#include <stddef.h>

/*
 * Read the regular file at `path` below the directory rootfd, resolving
 * every symlink inside that directory (absolute ones included), at most max
 * bytes. Returns 0 with *out a NUL-terminated allocated string (embedded
 * NULs are kept: callers treat the text as ending at the first one),
 * -ENOENT, -EFBIG, -EINVAL for something that is not a regular file, or
 * another negative errno.
 */
int lsl_read_root_file(int rootfd, const char *path, size_t max, char **out);
/* The same, also giving the file's length (text may hold NULs before it). */
int lsl_read_root_file_len(int rootfd, const char *path, size_t max, char **out, size_t *len);

/*
 * The same for line-based files (/etc/passwd, /etc/group): a line holding a
 * NUL byte is overwritten with '#' instead of ending the text there, so that
 * parsers skip that one line and read the rest, as the C library's do.
 */
int lsl_read_root_text(int rootfd, const char *path, size_t max, char **out);

/*
 * Call fn(line, len, data) for each line of text (without its newline).
 * Lines longer than max_line are skipped whole: they cannot be a valid entry
 * of any file parsed here, and bounding them keeps every parser's buffers
 * fixed. fn returns 0 to go on or anything else to stop, which is returned.
 */
int lsl_for_each_line(const char *text, size_t max_line, int (*fn)(const char *line, size_t len, void *data),
		      void *data);
