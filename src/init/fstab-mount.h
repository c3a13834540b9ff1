/* SPDX-License-Identifier: MIT */
/*
 * [automount] mountFsTab: the distribution's /etc/fstab mounted as
 * "mount -a" would, by init itself. Options are parsed and checked by lsl
 * (a bad word is a warning, not a raw string handed to the kernel), and every
 * mount point is opened inside the distribution refusing symbolic links.
 */
#pragma once

#include "warnings.h"

/* Mount every entry of /etc/fstab not marked noauto. Each failure is one warning naming the line. */
void lsl_mount_fstab(int rootfd, struct lsl_warnings *w);
