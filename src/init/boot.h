/* SPDX-License-Identifier: MIT */
/* init's start-up: the filesystems every distribution expects. */
#pragma once

#include "log.h"

/*
 * Mount /proc, /sys, /dev (with its nodes and links), /dev/pts, /dev/shm,
 * /dev/mqueue, /run, /run/lock, /run/user and make /tmp if missing, in that
 * order, inside the current root. Returns 0, or a negative errno with e
 * naming what failed ("mounting /sys: Operation not permitted").
 */
int lsl_boot_mounts(struct lsl_err *e);
