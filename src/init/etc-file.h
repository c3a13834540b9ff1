/* SPDX-License-Identifier: MIT */
/*
 * The files init generates in the distribution's /etc at every start
 * (hostname, hosts, resolv.conf, timezone, the localtime link). Each is
 * replaced atomically, and only when it differs: an unchanged file is not
 * rewritten (no write, no new mtime). Nothing is forced to disk; the next
 * start writes them again.
 */
#pragma once

/* /etc/<name> (etc: the directory, opened for writing) holds text, mode 0644. */
int lsl_etc_write(int etc, const char *name, const char *text);

/* /etc/<name> is a symbolic link to target. */
int lsl_etc_link(int etc, const char *name, const char *target);
