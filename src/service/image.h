/* SPDX-License-Identifier: MIT */
/*
 * The service's side of image distributions and disks: which files are in
 * use, a distribution's root as a directory fd (whatever its storage and
 * state), finding e2fsprogs, and removing an image distribution's files.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "log.h"
#include "registry.h"

struct lsl_service;

/* The registered distribution called name, or NULL with e set ("there is no distribution named x"). */
const struct lsl_distro *lsl_image_find_distro(struct lsl_service *svc, const char *name, struct lsl_err *e);

/* The registered distribution whose image is the file (dev, ino), other than except; NULL if none. */
const char *lsl_image_registered(struct lsl_service *svc, dev_t dev, ino_t ino, const char *except);

/*
 * fd must be a regular file that nothing uses: no loop device backs it (it
 * is not mounted on the host nor by a running distribution), it is not a
 * registered distribution's disk (except the distribution named except,
 * may be NULL), nor a disk mounted with --mount. shown names it in
 * messages. Returns 0 or a negative errno with e set.
 */
int lsl_image_check_unused(struct lsl_service *svc, int fd, const char *shown, const char *except, struct lsl_err *e);

/*
 * A directory fd (O_RDONLY) of d's root, to read it: the rootfs directory,
 * a running image distribution's own root (/proc/<init>/root: its image
 * is already mounted there), or a stopped image mounted here,
 * detached (read-only unless writable), held by the fd alone. Returns 0 or
 * -errno with e set (-EBUSY while d is starting or stopping).
 */
int lsl_image_open_root(struct lsl_service *svc, const struct lsl_distro *d, bool writable, int *out,
			struct lsl_err *e);

/* The detached mount of image_fd (read-only or not) as an O_RDONLY directory fd. Returns it or -errno, e set. */
int lsl_image_mount_dir(int image_fd, bool read_only, const char *shown, struct lsl_err *e);

/*
 * Why writing back an image's filesystem failed: the errno says I/O error
 * when the real cause is that the image's own file could not grow (its
 * filesystem is full), which fstatvfs of image_fd shows. Returns the text.
 */
const char *lsl_image_write_error(int image_fd, int err);

/* An e2fsprogs program (mkfs.ext4, e2fsck, resize2fs) in the usual directories (newly allocated), or NULL with e set. */
char *lsl_image_tool(const char *name, struct lsl_err *e);

/*
 * Unregister's removal of an image distribution: the image (unless it was
 * registered in place), then LOCATION when lsl made it and it is empty.
 * Returns 0 or the first error (logged).
 */
int lsl_image_remove_files(const char *location, const char *image, bool in_place, bool owned);
