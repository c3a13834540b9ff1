/* SPDX-License-Identifier: MIT */
/*
 * Files of shell-style assignments: os-release(5), /etc/default/locale,
 * /etc/locale.conf. Values may be quoted with "..." (backslash escapes
 * \" \\ \$ \`) or '...' (literal), or bare with backslash escapes; only
 * single-line values are understood.
 */
#pragma once

#define LSL_KV_LINE_MAX 4096  /* longer lines are ignored */
#define LSL_KV_FILE_MAX (64 << 10)

/*
 * The value of the last valid `key=value` line of text (an optional leading
 * "export " is accepted). Returns 0 with *out allocated, -ENOENT, or -ENOMEM.
 */
int lsl_kv_get(const char *text, const char *key, char **out);
