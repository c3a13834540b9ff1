/* SPDX-License-Identifier: MIT */
/*
 * [automount] for a Linux host: where WSL mounts the Windows drives, lsl
 * shows the host's own filesystem, at <automount.root>host (/mnt/host).
 * mini_init hands init a detached copy of the host's mount tree (an fd from
 * open_tree, taken before pivot_root); init attaches it here or drops it.
 */
#pragma once

#include "warnings.h"
#include "wsl-conf.h"

/* The host tree fd from the environment (LSL_HOST_ROOT_FD), or -1. Removes the variable. */
int lsl_host_root_fd_from_env(void);

/*
 * With automount.enabled, attach the tree at <root>host, created if missing
 * and opened refusing symbolic links, with automount.options applied (mount
 * flags only: filesystem options do not apply to the host's filesystems and
 * are a warning). Always closes *host_root_fd. Problems are warnings.
 */
void lsl_automount_host(const struct lsl_wsl_conf *conf, int *host_root_fd, struct lsl_warnings *w);
