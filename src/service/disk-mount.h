/* SPDX-License-Identifier: MIT */
/*
 * Disks shared into every distribution (lsl --mount, --unmount): the
 * service checks the request and keeps the list of what is mounted;
 * mini_init attaches and mounts (MOUNT, UNMOUNT). The list lives as long
 * as mini_init: it survives distributions' restarts, not its end.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "channel.h"

struct lsl_service;
struct lsl_client;

/* MOUNT_DISK (takes the disk fd from m): MOUNT_ENTRY and RESULT, or RESULT with the reason. */
void lsl_disk_mount_start(struct lsl_service *svc, struct lsl_client *c, struct lsl_received *m);
/* UNMOUNT_DISK: one disk (by path or mount name) or, with no name, every one. */
void lsl_disk_unmount_start(struct lsl_service *svc, struct lsl_client *c, const struct lsl_received *m);
/* LIST_MOUNTS: MOUNT_ENTRY* then RESULT. */
void lsl_disk_list_mounts(struct lsl_service *svc, struct lsl_client *c, const struct lsl_received *m);

/* mini_init is gone, and its mounts with it. */
void lsl_disk_mounts_lost(struct lsl_service *svc);

/* The mounted disk backed by the file (dev, ino), or NULL: its name, for messages. */
const char *lsl_disk_mount_using(struct lsl_service *svc, dev_t dev, ino_t ino);
