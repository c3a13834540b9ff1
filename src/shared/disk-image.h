/* SPDX-License-Identifier: MIT */
/*
 * What every lsl program needs to know about disk images and exports:
 * the ext4 superblock check, sizes as users write them ("10G"), and the
 * export formats by name. Pure except lsl_ext4_check(), which reads a fd.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "protocol.h"

#define LSL_EXT4_SUPERBLOCK_OFFSET 1024 /* the superblock starts 1 KiB into the device */
#define LSL_EXT4_MAGIC_OFFSET 56        /* s_magic, inside the superblock (byte 1080 of the device) */
#define LSL_EXT4_MAGIC 0xEF53

#define LSL_IMAGE_DEFAULT_SIZE (UINT64_C(1) << 40) /* 1 TiB, sparse: WSL's default disk size */
#define LSL_IMAGE_MIN_SIZE (UINT64_C(16) << 20)    /* below this mkfs.ext4 makes no useful filesystem */
#define LSL_IMAGE_MAX_SIZE (UINT64_C(1) << 50)     /* 1 PiB: ext4 with 4 KiB blocks and 64bit reaches 1 EiB, files do not */
#define LSL_IMAGE_FILE "ext4.img"                  /* an image lsl made, in its LOCATION */

/* Whether sb (len bytes read at LSL_EXT4_SUPERBLOCK_OFFSET) is an ext2/3/4 superblock (its magic). */
bool lsl_ext4_superblock_valid(const void *sb, size_t len);

/*
 * Read fd's superblock (pread: the file offset is untouched) and check it.
 * -EINVAL with e = "<shown> is not an ext4 filesystem image", or another
 * negative errno with e set.
 */
int lsl_ext4_check(int fd, const char *shown, struct lsl_err *e);

/*
 * A size as users write it: a decimal number with an optional fraction and
 * an optional unit K, M, G, T or P (powers of 1024, "B", "iB" and "b"
 * after the letter accepted, any case); a bare number is bytes. Returns 0
 * with *out > 0, -EINVAL (not a size) or -ERANGE (beyond 2^63).
 */
int lsl_size_parse(const char *s, uint64_t *out);

/* n bytes in the largest unit that divides them, or with one decimal ("1.5 GiB"). */
void lsl_size_format(uint64_t n, char *buf, size_t size);

/* An export format named on the command line ("tar", "tar.gz", "tar.xz", "tar.zst", "vhd"). Returns 0 or -EINVAL. */
int lsl_export_format_parse(const char *name, enum lsl_export_format *out);
/* The format a file name implies (".tar.gz", ".tgz", ".vhd", ".vhdx", ".img", ...): tar for anything else. */
enum lsl_export_format lsl_export_format_from_name(const char *file);
/* "tar", "tar.gz", ...: the name lsl_export_format_parse() takes. */
const char *lsl_export_format_name(enum lsl_export_format f);

#define LSL_MOUNT_NAME_MAX 64

/* A name under /mnt/wsl: 1..64 of [A-Za-z0-9._+-], not starting with '.' or '-'. */
bool lsl_mount_name_valid(const char *name);

/*
 * The default name of a mounted disk: the last component of its path with
 * every other character made '_' ("/dev/sdb" -> "sdb", "/x/my disk.img" ->
 * "my_disk.img"), then "p<N>" for partition N (0: none). Returns 0 or
 * -EINVAL when nothing usable is left.
 */
int lsl_mount_name_default(const char *disk, unsigned partition, char *buf, size_t size);
