/* SPDX-License-Identifier: MIT */
/* What a distribution says it is: ID and VERSION_ID of os-release(5). */
#pragma once

/*
 * Parse os-release text: *id and *version_id are allocated, or NULL when
 * absent or unusable (control characters, longer than 128 bytes).
 * Returns 0 or -ENOMEM.
 */
int lsl_os_release_parse(const char *text, char **id, char **version_id);

/*
 * Read <root>/etc/os-release, else <root>/usr/lib/os-release. Missing files
 * give NULLs and 0; an unreadable one gives NULLs and its error.
 */
int lsl_os_release_at(int rootfd, char **id, char **version_id);
