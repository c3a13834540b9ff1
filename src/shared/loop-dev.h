/* SPDX-License-Identifier: MIT */
/*
 * Loop devices, set up through /dev/loop-control and LOOP_CONFIGURE, never
 * by running losetup. Every device lsl attaches has LO_FLAGS_AUTOCLEAR:
 * the kernel detaches it when its last user (the fd returned here, a
 * mount of it) goes away, so a process that dies leaves none behind.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "log.h"

enum {
	LSL_LOOP_READ_ONLY = 1 << 0,
	LSL_LOOP_PARTSCAN = 1 << 1, /* make the partitions of the disk loopNpM */
};

/*
 * Attach backing_fd (a regular file or a block device) to a free loop
 * device. label is what losetup shows as its file (may be NULL). Returns
 * the loop device's fd (CLOEXEC; closing it detaches the device unless
 * something else holds it) with its number in *index, or a negative errno
 * with e set.
 */
int lsl_loop_attach(int backing_fd, unsigned flags, const char *label, int *index, struct lsl_err *e);

/* The same for size bytes at offset of the backing file (size 0: to its end), such as one partition. */
int lsl_loop_attach_range(int backing_fd, unsigned flags, const char *label, uint64_t offset, uint64_t size,
			  int *index, struct lsl_err *e);

/*
 * Find a bound loop device whose backing file is (dev, ino). Returns 1
 * with its number in *index (may be NULL), 0 when none is, or a negative errno.
 */
int lsl_loop_find_backing(dev_t dev, ino_t ino, int *index);

/*
 * Refuse a file that is in use: backing a loop device (mounted on the host,
 * or a running distribution's disk). what names it for the message.
 * Returns 0, -EBUSY with e = "<what> is in use (/dev/loopN)", or another
 * negative errno with e set.
 */
int lsl_loop_check_unused(int fd, const char *what, struct lsl_err *e);

/* "/dev/loop<index>" or "/dev/loop<index>p<part>" (part 0: the whole device) into buf. */
void lsl_loop_path(int index, unsigned part, char *buf, size_t size);

/*
 * Mount the filesystem on the block device `source` (`shown` in messages) as a detached mount
 * (nothing in any mount table until it is attached somewhere; gone with
 * the last fd of it). data is a comma-separated list of filesystem options
 * (may be NULL), attrs MOUNT_ATTR_* flags. Returns the mount's O_PATH fd,
 * or a negative errno with e set, the kernel's own words included when it
 * gave some ("Can't find ext4 filesystem").
 */
int lsl_mount_detached(const char *source, const char *shown, const char *fstype, bool read_only, const char *data,
		       unsigned attrs, struct lsl_err *e);

/*
 * The ext4 image on image_fd, attached to a new loop device and mounted
 * detached (read-only with LSL_LOOP_READ_ONLY in flags; the loop device is
 * read-only only when image_fd is, so that a journal can be replayed). The
 * loop device is released with the mount.
 * shown names the image in messages. Returns the mount's O_PATH fd or a
 * negative errno with e set.
 */
int lsl_image_mount(int image_fd, unsigned flags, const char *shown, struct lsl_err *e);
