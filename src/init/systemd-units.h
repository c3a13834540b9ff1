/* SPDX-License-Identifier: MIT */
/*
 * What lsl tells a distribution's systemd before it starts, as unit files
 * in /run/systemd/system (pure data and naming; systemd.c writes them).
 */
#pragma once

#include <stddef.h>

/*
 * Units masked (a symlink to /dev/null) in every systemd distribution:
 * waiting for a network lsl already provides, and a getty on a console
 * there is none of.
 */
extern const char *const lsl_systemd_masked_units[];
extern const size_t lsl_systemd_masked_units_count;

/*
 * Masked with boot.protectBinfmt: binfmt_misc is the host's, shared by
 * every distribution; systemd-binfmt would flush it (lsl's entry with the
 * rest) and register the distribution's binfmt.d entries for the whole host.
 */
extern const char *const lsl_systemd_binfmt_units[];
extern const size_t lsl_systemd_binfmt_units_count;

/*
 * The drop-in for the mount units of lsl's shared mounts (/mnt/wsl, the host
 * tree) and of everything below them: without default dependencies they do
 * not conflict with umount.target, so stopping systemd never unmounts them
 * (an unmount below /mnt/wsl would propagate to every other distribution).
 */
extern const char lsl_systemd_mount_guard[];

/*
 * The name systemd gives the unit of an absolute path, without its suffix,
 * as `systemd-escape --path`: "/mnt/wsl" -> "mnt-wsl", "/" -> "-", and
 * every byte outside [A-Za-z0-9:_.] (or a leading '.') as "\xNN". Repeated
 * and trailing slashes are ignored. Returns an allocated string, or NULL
 * with errno EINVAL (relative, "." or ".." components) or ENOMEM.
 */
char *lsl_systemd_escape_path(const char *path);
