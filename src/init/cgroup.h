/* SPDX-License-Identifier: MIT */
/*
 * /sys/fs/cgroup inside a distribution. init runs in a cgroup namespace
 * whose root is the distribution's own cgroup on the host, so a cgroup2
 * mount here shows that subtree and nothing above it; root inside may create
 * child cgroups and move processes into them.
 */
#pragma once

#include "warnings.h"

/*
 * Mount cgroup2 on /sys/fs/cgroup; with v1 (automount.cgroups=v1) a tmpfs
 * there instead, cgroup2 on its unified/ and each v1 hierarchy the host
 * offers on a directory named for its controllers. Problems are warnings:
 * a distribution without cgroups still starts, as on WSL.
 */
void lsl_mount_cgroups(int mode, struct lsl_warnings *w);
