/* SPDX-License-Identifier: MIT */
/*
 * Partition tables read by lsl itself (MBR with its logical partitions, and
 * GPT), so that a partition of a disk is attached as a loop device of its
 * own (offset and size limit) whether or not the kernel parses partition
 * tables. Everything read is bounds-checked against the disk's size: the
 * table is hostile input.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "log.h"

#define LSL_PARTITION_MAX 4096

struct lsl_partition {
	uint64_t offset; /* bytes from the start of the disk */
	uint64_t size;   /* bytes */
};

/* Reads n bytes at off into buf: returns 0, or a negative errno (-EIO for a short read). */
typedef int (*lsl_read_at_fn)(void *ctx, uint64_t off, void *buf, size_t n);

/*
 * Partition `number` (1-based, as Linux numbers them: MBR 1-4 primary, 5..
 * logical; GPT entries in table order) of a disk of disk_size bytes with
 * sector_size-byte sectors (512 or 4096). Returns 0 with *out, -ENOENT
 * (no such partition, or no partition table), -EINVAL (a table that
 * contradicts itself or the disk's size) with e saying which, or the
 * reader's error.
 */
int lsl_partition_find(lsl_read_at_fn read_at, void *ctx, uint64_t disk_size, unsigned sector_size,
		       unsigned number, struct lsl_partition *out, struct lsl_err *e);

/* The same for an open disk (a regular file or a block device). */
int lsl_partition_find_fd(int fd, unsigned number, struct lsl_partition *out, struct lsl_err *e);
