/* SPDX-License-Identifier: MIT */
/*
 * Checks of the paths an archive names (members and hard link targets):
 * pure string work, no file system access.
 */
#pragma once

#include <stddef.h>

/* Longest path accepted, in bytes without the NUL (PATH_MAX - 1). */
#define IMPORT_PATH_MAX 4095
/* Longest path component (NAME_MAX). */
#define IMPORT_NAME_MAX 255
/* How much of a member's name error messages quote. */
#define IMPORT_NAME_SHOWN 200

/*
 * Make the archive path `raw` a path relative to the distribution's root, in
 * out (at least IMPORT_PATH_MAX + 1 bytes): leading "./", "." components and
 * repeated or trailing slashes go; the root itself ("." or "./") becomes ".".
 *
 * Refused, with *why set to a phrase for the message:
 *   -EINVAL        empty, absolute, or with a ".." component anywhere
 *                  ("a/../b" too: nothing legitimate needs it, and a path
 *                  that never climbs cannot leave the root)
 *   -ENAMETOOLONG  longer than IMPORT_PATH_MAX, or a component longer than
 *                  IMPORT_NAME_MAX
 */
int import_path_normalize(const char *raw, char *out, size_t size, const char **why);

/* True for the normalized name of the distribution's root. */
static inline int import_path_is_root(const char *normalized)
{
	return normalized[0] == '.' && normalized[1] == '\0';
}

/*
 * Copy a name from the archive into out for an error message: control
 * characters become '?' (the message must stay one line) and a name longer
 * than IMPORT_NAME_SHOWN bytes is cut, ending in "...". out needs at least
 * IMPORT_NAME_SHOWN + 4 bytes. Returns out.
 */
char *import_name_printable(const char *raw, char *out, size_t size);

/* Replace control characters of s in place with '?' (one line of text). */
void import_text_one_line(char *s);
