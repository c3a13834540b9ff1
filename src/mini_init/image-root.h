/* SPDX-License-Identifier: MIT */
/*
 * Distributions stored in an ext4 image (LAUNCH_INIT with LSL_LAUNCH_IMAGE):
 * the image is checked by mini_init, attached to a loop device and mounted
 * by the distribution's child in its own mount namespace, at
 * <runtime>/roots/<name> (a directory mini_init makes, empty on the host:
 * the mount is never seen outside the distribution). The loop device is
 * released with the namespace, when the distribution stops.
 */
#pragma once

#include "log.h"

/*
 * Before the clone: the image must be a regular file with an ext4
 * superblock, backing no loop device (not mounted on the host nor by a
 * running distribution). Makes <runtime>/roots/<name>, returned in *dir.
 * Returns 0 or a negative errno with e set.
 */
int lsl_image_root_prepare(const char *name, int image_fd, char **dir, struct lsl_err *e);

/* In the child, its mounts private: attach the image and mount it on dir. Returns 0 or -errno with e set. */
int lsl_image_root_mount(const char *name, int image_fd, const char *dir, struct lsl_err *e);

/* After the distribution's end: remove its (empty) directory under <runtime>/roots. */
void lsl_image_root_remove(const char *name);
