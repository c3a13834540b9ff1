/* SPDX-License-Identifier: MIT */
#include "input.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macros.h"

int import_input_init(struct import_input *in, int fd)
{
	*in = (struct import_input){ .fd = fd };
	in->in = malloc(IMPORT_INPUT_BLOCK);
	if (!in->in)
		return -ENOMEM;
	return 0;
}

void import_input_free(struct import_input *in)
{
	if (in->z_live)
		inflateEnd(&in->z);
	free(in->in);
	free(in->out);
	in->in = in->out = NULL;
	in->z_live = false;
}

static ssize_t fail(struct import_input *in, int err, const char *why)
{
	snprintf(in->why, sizeof(in->why), "%s", why);
	in->done = true;
	return -err;
}

/*
 * Read more input after `keep` bytes already at the start of the buffer
 * (moved there by the caller). Returns the bytes read, 0 at the end.
 */
static ssize_t read_more(struct import_input *in, size_t keep)
{
	ssize_t n;

	if (in->eof)
		return 0;
	n = RETRY_EINTR(read(in->fd, in->in + keep, IMPORT_INPUT_BLOCK - keep));
	if (n < 0) {
		int err = errno;
		snprintf(in->why, sizeof(in->why), "reading the archive's file: %s", strerror(err));
		in->done = true;
		return -err;
	}
	if (n == 0)
		in->eof = true;
	in->consumed += (uint64_t)n;
	return n;
}

/* Make the gzip input hold at least `want` unread bytes if the file has them. */
static ssize_t gzip_fill(struct import_input *in, size_t want)
{
	while (in->z.avail_in < want && !in->eof) {
		ssize_t n;

		if (in->z.avail_in > 0 && in->z.next_in != in->in)
			memmove(in->in, in->z.next_in, in->z.avail_in);
		in->z.next_in = in->in;
		n = read_more(in, in->z.avail_in);
		if (n < 0)
			return n;
		in->z.avail_in += (uInt)n;
	}
	return in->z.avail_in;
}

/* Look at the first bytes: gzip's magic number decides the mode. */
static ssize_t detect(struct import_input *in)
{
	in->detected = true;
	while (in->in_len < 2 && !in->eof) {
		ssize_t n = read_more(in, in->in_len);
		if (n < 0)
			return n;
		in->in_len += (size_t)n;
	}
	if (in->in_len < 2 || in->in[0] != 0x1f || in->in[1] != 0x8b)
		return 0;
	in->gzip = true;
	in->out = malloc(IMPORT_INPUT_BLOCK);
	if (!in->out)
		return fail(in, ENOMEM, "decompressing the archive: out of memory");
	/* 16 + 15: a gzip wrapper, whose trailer zlib verifies (CRC-32 and length). */
	if (inflateInit2(&in->z, 16 + 15) != Z_OK)
		return fail(in, ENOMEM, "decompressing the archive: cannot set up zlib");
	in->z_live = true;
	in->z.next_in = in->in;
	in->z.avail_in = (uInt)in->in_len;
	return 0;
}

static ssize_t gzip_read(struct import_input *in, const void **buf)
{
	in->z.next_out = in->out;
	in->z.avail_out = IMPORT_INPUT_BLOCK;
	while (in->z.avail_out > 0 && !in->done) {
		ssize_t n;
		int r;

		if (!in->in_member) {
			/* Between members: another one, or the end (trailing bytes are ignored). */
			n = gzip_fill(in, 2);
			if (n < 0)
				return n;
			if (n < 2 || in->z.next_in[0] != 0x1f || in->z.next_in[1] != 0x8b) {
				in->done = true;
				break;
			}
			if (inflateReset(&in->z) != Z_OK)
				return fail(in, EBADMSG, "decompressing the archive: zlib failed");
			in->in_member = true;
		}
		if (in->z.avail_in == 0) {
			n = gzip_fill(in, 1);
			if (n < 0)
				return n;
			if (n == 0)
				return fail(in, EBADMSG, "truncated gzip input");
		}
		r = inflate(&in->z, Z_NO_FLUSH);
		if (r == Z_STREAM_END)
			in->in_member = false;
		else if (r == Z_MEM_ERROR)
			return fail(in, ENOMEM, "decompressing the archive: out of memory");
		else if (r != Z_OK && !(r == Z_BUF_ERROR && in->z.avail_in == 0)) {
			char why[sizeof(in->why)];
			snprintf(why, sizeof(why), "corrupt gzip data: %s", in->z.msg ? in->z.msg : "invalid data");
			return fail(in, EBADMSG, why);
		}
	}
	*buf = in->out;
	return (ssize_t)(IMPORT_INPUT_BLOCK - in->z.avail_out);
}

ssize_t import_input_read(struct import_input *in, const void **buf)
{
	ssize_t n;

	*buf = NULL;
	if (!in->detected) {
		n = detect(in);
		if (n < 0)
			return n;
		if (!in->gzip) {
			/* The bytes looked at are the first piece. */
			*buf = in->in;
			if (in->in_len == 0)
				in->done = true;
			return (ssize_t)in->in_len;
		}
	}
	if (in->done)
		return 0;
	if (in->gzip)
		return gzip_read(in, buf);
	n = read_more(in, 0);
	if (n <= 0) {
		in->done = true;
		return n;
	}
	*buf = in->in;
	return n;
}
