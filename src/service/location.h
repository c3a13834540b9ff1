/* SPDX-License-Identifier: MIT */
/*
 * Where a distribution's files go: LOCATION (which must be missing or an
 * empty directory) and LOCATION/rootfs, made by the service; and taking
 * them away again, removing only what lsl made. Removal works through
 * directory fds and never follows a symlink inside the tree.
 */
#pragma once

#include <sys/types.h>

#include <stdbool.h>

#include "log.h"

/*
 * An absolute path in a canonical spelling: "//" collapsed, "." components
 * and a trailing "/" dropped. ".." components, relative paths and control
 * characters are refused. Returns 0 (*out newly allocated), -EINVAL or -ENOMEM.
 */
int lsl_location_normalize(const char *in, char **out);

struct lsl_location {
	char *path;        /* normalized LOCATION */
	char *rootfs;      /* LOCATION/rootfs, or the image for an image location */
	char *image;       /* LOCATION/<file>: an image location (lsl_location_prepare_image), else NULL */
	int image_fd;      /* the image, read-write; -1 */
	char *created_top; /* the topmost directory lsl created for LOCATION; NULL if it existed */
	int dir_fd;        /* LOCATION */
	int rootfs_fd;     /* LOCATION/rootfs */
	mode_t old_mode;   /* LOCATION's mode before lsl made it 0700 (an existing directory) */
};

/*
 * Create LOCATION (with missing parents) unless it is an existing empty
 * directory, and LOCATION/rootfs. LOCATION becomes 0700: the distribution's
 * setuid programs and device nodes must not be reachable by host users. path must be normalized. On failure
 * nothing is left and e says why. Returns 0 or a negative errno.
 */
int lsl_location_prepare(const char *path, struct lsl_location *loc, struct lsl_err *e);

/*
 * The same for a distribution stored in an image: LOCATION and an empty
 * LOCATION/<file> (mode 0600, opened read-write as image_fd) instead of
 * LOCATION/rootfs; rootfs_fd is -1 and rootfs names the image.
 */
int lsl_location_prepare_image(const char *path, const char *file, struct lsl_location *loc, struct lsl_err *e);

/* Close the fds and free the strings (the files stay). */
void lsl_location_release(struct lsl_location *loc);

/*
 * Undo lsl_location_prepare() after a failure: remove rootfs and what is in
 * it (or the image), then the directories lsl created for LOCATION (only while empty).
 * Slow for a big tree: meant to run in a child process. Returns 0 or the first error.
 */
int lsl_location_undo(const struct lsl_location *loc);

/*
 * Unregister's removal: rootfs and everything in it (never crossing into
 * another filesystem); LOCATION too when owned and then empty. Meant to run
 * in a child process. Returns 0 or the first error (logged).
 */
int lsl_location_remove(const char *location, const char *rootfs, bool owned);
