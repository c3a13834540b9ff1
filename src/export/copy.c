/* SPDX-License-Identifier: MIT */
/* The sparse copy of an image: only its data extents are read and written. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export.h"
#include "progress-pipe.h"
#include "util.h"

#define CHUNK (8u << 20)

/* Copy len bytes at off (same offset on both sides): in the kernel when it can, else by hand. */
static int copy_range(int src, int out, off_t off, off_t len, bool *kernel, char *buf, struct lsl_err *e)
{
	while (len > 0) {
		size_t want = len > (off_t)CHUNK ? CHUNK : (size_t)len;
		ssize_t n;

		if (*kernel) {
			off_t in_off = off, out_off = off;
			n = copy_file_range(src, &in_off, out, &out_off, want, 0);
			if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
				*kernel = false;
				continue;
			}
			if (n < 0)
				return lsl_err_set(e, errno, "copying the image");
		} else {
			n = RETRY_EINTR(pread(src, buf, want, off));
			if (n < 0)
				return lsl_err_set(e, errno, "reading the image");
			if (n > 0) {
				ssize_t w = RETRY_EINTR(pwrite(out, buf, (size_t)n, off));
				if (w < 0)
					return lsl_err_set(e, errno, "writing the image");
				if (w < n) {
					n = w;
				}
			}
		}
		if (n == 0)
			return lsl_err_setf(e, EIO, "reading the image: it shrank while it was copied");
		off += n;
		len -= n;
	}
	return 0;
}

/* The whole file, in order, for an output that cannot seek (holes become zeros). */
static int copy_stream(int src, int out, off_t size, struct lsl_progress_pipe *p, char *buf, struct lsl_err *e)
{
	off_t done = 0;

	while (done < size) {
		ssize_t n = RETRY_EINTR(read(src, buf, CHUNK));
		if (n < 0)
			return lsl_err_set(e, errno, "reading the image");
		if (n == 0)
			break;
		if (write_full(out, buf, (size_t)n) < 0)
			return lsl_err_set(e, errno, "writing the image");
		done += n;
		lsl_progress_pipe_update(p, (uint64_t)done);
	}
	return 0;
}

int export_copy(int src, int out, int progress_fd, struct lsl_err *e)
{
	_cleanup_free_ char *buf = malloc(CHUNK);
	struct lsl_progress_pipe p;
	struct stat st, ost;
	bool kernel = true;
	off_t off = 0;
	int r;

	if (!buf)
		return lsl_err_set(e, ENOMEM, "copying the image");
	if (fstat(src, &st) < 0)
		return lsl_err_set(e, errno, "reading the image");
	if (!S_ISREG(st.st_mode))
		return lsl_err_setf(e, EINVAL, "the image is not a regular file");
	if (fstat(out, &ost) < 0)
		return lsl_err_set(e, errno, "writing the image");
	lsl_progress_pipe_init(&p, progress_fd, (uint64_t)st.st_size);
	if (!S_ISREG(ost.st_mode)) {
		r = copy_stream(src, out, st.st_size, &p, buf, e);
		if (r == 0)
			lsl_progress_pipe_finish(&p, (uint64_t)st.st_size);
		return r;
	}
	/* Start from an empty file, so that everything not written stays a hole. */
	if (ftruncate(out, 0) < 0)
		return lsl_err_set(e, errno, "writing the image");
	while (off < st.st_size) {
		off_t data = lseek(src, off, SEEK_DATA), hole;

		if (data < 0 && errno == ENXIO)
			break; /* only a hole is left */
		if (data < 0) {
			/* No SEEK_DATA here: everything is data. */
			data = off;
			hole = st.st_size;
		} else {
			hole = lseek(src, data, SEEK_HOLE);
			if (hole < 0)
				hole = st.st_size;
		}
		if (hole > st.st_size)
			hole = st.st_size;
		r = copy_range(src, out, data, hole - data, &kernel, buf, e);
		if (r < 0)
			return r;
		off = hole;
		lsl_progress_pipe_update(&p, (uint64_t)off);
	}
	/* The trailing hole: the size, without a block written. */
	if (ftruncate(out, st.st_size) < 0)
		return lsl_err_set(e, errno, "writing the image");
	if (fsync(out) < 0 && errno != EINVAL)
		return lsl_err_set(e, errno, "writing the image");
	lsl_progress_pipe_finish(&p, (uint64_t)st.st_size);
	return 0;
}
