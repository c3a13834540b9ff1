/* SPDX-License-Identifier: MIT */
/*
 * The child mini_init clones for a distribution (pid 1 of its new pid
 * namespace, in its own mount namespace): it builds the distribution's root
 * and execs lsl's init there, or reports why not on the init channel.
 */
#pragma once

#include <stdbool.h>

#include "macros.h"

struct lsl_distro_child {
	const char *name;      /* distribution name (validated) */
	const char *rootfs;    /* absolute host path of its root directory (the mount point of image_fd) */
	int image_fd;          /* the ext4 image to mount at rootfs (LSL_LAUNCH_IMAGE), or -1 */
	const char *init_path; /* the static init to bind at /init */
	const char *mnt_wsl;   /* mini_init's shared tmpfs, to appear at /mnt/wsl */
	int channel_fd;        /* the init channel: fd 3 of init */
	bool safe_mode;        /* LSL_LAUNCH_SAFE_MODE: init ignores wsl.conf (LSL_SAFE_MODE=1) */
	char *bare_disks_env;  /* "LSL_BARE_DISKS=...": --bare disks for init's /dev (disk-node.h), or NULL */
};

/* Never returns: execs /init, or sends CREATE_INSTANCE_RESULT and _exit(1)s. */
_noreturn_ void lsl_distro_child_run(const struct lsl_distro_child *c);
