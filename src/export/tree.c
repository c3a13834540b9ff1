/* SPDX-License-Identifier: MIT */
/*
 * The tarball of a root: libarchive reads the tree (lstat, never following
 * a symlink; xattrs and ACLs; holes) and writes pax. Owners are numbers
 * only: no user database is consulted (it would be the distribution's, and
 * it does not matter: the numbers are what the files carry).
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "disk-image.h"
#include "export.h"
#include "progress-pipe.h"
#include "util.h"

static uint64_t prewalk_total;
static dev_t prewalk_dev;

static int count(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (flag == FTW_F && S_ISREG(st->st_mode) && st->st_dev == prewalk_dev)
		prewalk_total += (uint64_t)st->st_size;
	return 0;
}

/* The bytes of file data below ".", for a progress total (an estimate: hard links count twice). */
static uint64_t data_total(void)
{
	struct stat st;

	if (lstat(".", &st) < 0)
		return 0;
	prewalk_total = 0;
	prewalk_dev = st.st_dev;
	if (nftw(".", count, 64, FTW_PHYS | FTW_MOUNT) != 0)
		return 0;
	return prewalk_total;
}

static const char *why(struct archive *a)
{
	const char *s = archive_error_string(a);
	return s && *s ? s : strerror(archive_errno(a) > 0 ? archive_errno(a) : EIO);
}

/* A failure of the writer: the system's reason when it has one (a full disk, a closed pipe). */
static int write_failed(struct archive *out, const char *path, struct lsl_err *e)
{
	int err = archive_errno(out);

	if (err > 0 && err != EINVAL && err != EILSEQ)
		return lsl_err_setf(e, err, "writing the archive: %s", strerror(err));
	return lsl_err_setf(e, EIO, "writing the archive (at %s): %s", path, why(out));
}

static int add_filter(struct archive *out, enum lsl_export_format format, struct lsl_err *e)
{
	int r = ARCHIVE_OK;

	switch (format) {
	case LSL_EXPORT_TAR:
		break;
	case LSL_EXPORT_TAR_GZ:
		r = archive_write_add_filter_gzip(out);
		break;
	case LSL_EXPORT_TAR_XZ:
		r = archive_write_add_filter_xz(out);
		break;
	case LSL_EXPORT_TAR_ZST:
		r = archive_write_add_filter_zstd(out);
		break;
	default:
		return lsl_err_setf(e, EINVAL, "%s is not a tar format", lsl_export_format_name(format));
	}
	if (r != ARCHIVE_OK)
		return lsl_err_setf(e, EINVAL, "compressing as %s: %s", lsl_export_format_name(format), why(out));
	return 0;
}

/* Write n bytes of zeros: a hole, which the pax writer (holding the file's sparse map) drops again. */
static int write_zeros(struct archive *out, int64_t n, const char *path, struct lsl_err *e)
{
	static const char zeros[64 * 1024];

	while (n > 0) {
		size_t k = n > (int64_t)sizeof(zeros) ? sizeof(zeros) : (size_t)n;
		la_ssize_t w = archive_write_data(out, zeros, k);
		if (w <= 0)
			return write_failed(out, path, e);
		n -= w;
	}
	return 0;
}

static int copy_data(struct archive *disk, struct archive *out, const char *path, uint64_t *done,
		     struct lsl_progress_pipe *p, struct lsl_err *e)
{
	int64_t at = 0;

	for (;;) {
		const char *buf;
		size_t size;
		la_int64_t offset;
		int r = archive_read_data_block(disk, (const void **)&buf, &size, &offset);

		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN)
			return lsl_err_setf(e, archive_errno(disk) > 0 ? archive_errno(disk) : EIO, "reading %s: %s", path,
					    why(disk));
		/* The writer takes the file's bytes in order: a hole before this block is zeros. */
		if (offset > at && write_zeros(out, offset - at, path, e) < 0)
			return e->code;
		while (size > 0) {
			la_ssize_t w = archive_write_data(out, buf, size);
			if (w <= 0)
				return write_failed(out, path, e);
			buf += w;
			size -= (size_t)w;
			*done += (uint64_t)w;
			at = offset + w;
			offset += w;
		}
		lsl_progress_pipe_update(p, *done);
	}
}

int export_tree(int out_fd, enum lsl_export_format format, int progress_fd, struct lsl_err *e)
{
	struct archive *disk = NULL, *out = NULL;
	struct archive_entry *entry = NULL;
	struct archive_entry_linkresolver *links = NULL;
	struct lsl_progress_pipe p;
	uint64_t done = 0;
	struct stat root;
	int r = 0;

	if (lstat(".", &root) < 0)
		return lsl_err_set(e, errno, "reading the root directory");
	lsl_progress_pipe_init(&p, progress_fd, progress_fd >= 0 ? data_total() : 0);

	disk = archive_read_disk_new();
	out = archive_write_new();
	entry = archive_entry_new();
	links = archive_entry_linkresolver_new();
	if (!disk || !out || !entry || !links) {
		r = lsl_err_set(e, ENOMEM, "exporting");
		goto out;
	}
	archive_read_disk_set_symlink_physical(disk);
	if (archive_read_disk_set_behavior(disk, ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS | ARCHIVE_READDISK_NO_FFLAGS) !=
	    ARCHIVE_OK) {
		r = lsl_err_setf(e, EINVAL, "reading the tree: %s", why(disk));
		goto out;
	}
	/*
	 * Full pax: nanosecond mtimes survive ("restricted" pax drops them
	 * unless another attribute needs a header). A name that is not UTF-8
	 * is written as bytes (hdrcharset=BINARY) by libarchive itself.
	 */
	if (archive_write_set_format_pax(out) != ARCHIVE_OK) {
		r = lsl_err_setf(e, EINVAL, "preparing the archive: %s", why(out));
		goto out;
	}
	r = add_filter(out, format, e);
	if (r < 0)
		goto out;
	/* Compressed, the stream ends where the compressor does: padding after it is garbage to a reader. */
	if (format != LSL_EXPORT_TAR)
		archive_write_set_bytes_in_last_block(out, 1);
	if (archive_write_open_fd(out, out_fd) != ARCHIVE_OK) {
		r = write_failed(out, ".", e);
		goto out;
	}
	archive_entry_linkresolver_set_strategy(links, archive_format(out));
	if (archive_read_disk_open(disk, ".") != ARCHIVE_OK) {
		r = lsl_err_setf(e, EIO, "reading the root directory: %s", why(disk));
		goto out;
	}

	for (;;) {
		struct archive_entry *sparse = NULL, *cur;
		const char *path;
		int k;

		archive_entry_clear(entry);
		k = archive_read_next_header2(disk, entry);
		if (k == ARCHIVE_EOF)
			break;
		path = archive_entry_pathname(entry);
		if (k < ARCHIVE_WARN) {
			r = lsl_err_setf(e, archive_errno(disk) > 0 ? archive_errno(disk) : EIO, "reading %s: %s",
					 path ? path : "the tree", why(disk));
			goto out;
		}
		/* Another filesystem mounted inside (a file bind-mounted over one of the root's): not ours. */
		if ((dev_t)archive_entry_dev(entry) != root.st_dev && archive_entry_filetype(entry) != AE_IFDIR)
			continue;
		if (archive_entry_filetype(entry) == AE_IFDIR)
			archive_read_disk_descend(disk);
		/* tar has no sockets: they are made anew by whatever listens. */
		if (archive_entry_filetype(entry) == AE_IFSOCK)
			continue;
		/* Only the modification time is the file's own to keep. */
		archive_entry_unset_atime(entry);
		archive_entry_unset_ctime(entry);
		archive_entry_unset_birthtime(entry);
		cur = entry;
		archive_entry_linkify(links, &cur, &sparse);
		if (!cur)
			continue;
		if (archive_write_header(out, cur) < ARCHIVE_WARN) {
			r = write_failed(out, path, e);
			goto out;
		}
		/* A hard link to an earlier entry carries no data. */
		if (archive_entry_filetype(cur) == AE_IFREG && archive_entry_size(cur) > 0 &&
		    !archive_entry_hardlink(cur)) {
			r = copy_data(disk, out, path, &done, &p, e);
			if (r < 0)
				goto out;
		}
	}
	if (archive_write_close(out) != ARCHIVE_OK) {
		r = write_failed(out, "the end", e);
		goto out;
	}
	lsl_progress_pipe_finish(&p, done);
out:
	if (links)
		archive_entry_linkresolver_free(links);
	if (entry)
		archive_entry_free(entry);
	if (disk)
		archive_read_free(disk);
	if (out)
		archive_write_free(out);
	return r;
}
