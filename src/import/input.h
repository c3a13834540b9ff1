/* SPDX-License-Identifier: MIT */
/*
 * The archive's bytes as libarchive reads them. gzip is decompressed here,
 * with zlib checking every member's CRC-32 and length: libarchive's own
 * gzip reader never checks them, so corrupted data would be extracted
 * silently. Anything else passes through unchanged for libarchive's filters
 * (xz, zstd and bzip2 verify their own checksums once read to the end).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <zlib.h>

#define IMPORT_INPUT_BLOCK (256 * 1024)

struct import_input {
	int fd;
	bool detected;     /* the first bytes were looked at */
	bool gzip;
	bool eof;          /* fd is at its end */
	bool done;         /* nothing more to return */
	bool in_member;    /* inside a gzip member */
	z_stream z;
	bool z_live;
	unsigned char *in;  /* IMPORT_INPUT_BLOCK bytes read from fd */
	size_t in_len;      /* raw mode: valid bytes in `in` */
	unsigned char *out; /* gzip mode: decompressed bytes */
	uint64_t consumed;  /* bytes read from fd: the progress */
	char why[160];      /* after a failure: what went wrong */
};

/* Prepare to read fd. Returns 0 or -ENOMEM. */
int import_input_init(struct import_input *in, int fd);
void import_input_free(struct import_input *in);

/*
 * The next piece of the (decompressed) archive: returns its length with *buf
 * pointing at it, 0 at the end, or a negative errno with in->why saying why
 * (-EBADMSG for corrupt or truncated gzip data, with the system's errno for a
 * failed read). A gzip stream of several members is read whole; data after
 * the last member that does not start a new one is ignored, as gzip does.
 */
ssize_t import_input_read(struct import_input *in, const void **buf);
