/* SPDX-License-Identifier: MIT */
/*
 * The extraction loop. libarchive decodes the archive and its disk writer
 * creates each member (owners by number, modes with set-id bits, times,
 * xattrs, ACLs); before handing a member over, we vet what it names:
 * paths and hard link targets must stay below the root, never through a
 * symbolic link. The writer's own SECURE_* checks stay on as a second line.
 */
#include "extract.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "entry-path.h"
#include "input.h"
#include "macros.h"
#include "progress-pipe.h"
#include "tree.h"

/*
 * No ARCHIVE_EXTRACT_FFLAGS: an immutable or append-only flag from the
 * archive would make the tree impossible to remove on failure or unregister.
 */
#define EXTRACT_FLAGS                                                                              \
	(ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |                     \
	 ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_ACL | ARCHIVE_EXTRACT_SECURE_SYMLINKS |           \
	 ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS)

struct extract {
	struct archive *in;
	struct archive *out;
	int rootfd;
	struct import_input input;
	struct lsl_progress_pipe progress;
	bool root_seen;
	struct timespec root_times[2];
	char path[IMPORT_PATH_MAX + 1]; /* the current member, normalized */
	char link[IMPORT_PATH_MAX + 1]; /* its hard link target, normalized */
	char shown[IMPORT_NAME_SHOWN + 4];      /* printable copies for messages */
	char shown_link[IMPORT_NAME_SHOWN + 4];
	struct lsl_err *e;
};

/* libarchive's code for a malformed archive (private to it; EILSEQ on POSIX systems). */
#define ARCHIVE_FORMAT_ERRNO EILSEQ

/*
 * libarchive's message for the last failure. The writer's errno is a
 * system call's: its text is added. The reader's is not (libarchive puts
 * EINVAL or EILSEQ on malformed archives; read errors of input.c already
 * carry their reason).
 */
static const char *archive_why(struct archive *a, bool add_errno, char *buf, size_t size)
{
	const char *text = archive_error_string(a);
	int err = archive_errno(a);

	if (!text || !*text)
		text = err > 0 ? strerror(err) : "unknown error";
	if (add_errno && err > 0 && err != ARCHIVE_FORMAT_ERRNO && !strstr(text, strerror(err)))
		snprintf(buf, size, "%s: %s", text, strerror(err));
	else
		snprintf(buf, size, "%s", text);
	return buf;
}

static int read_failed(struct extract *x)
{
	char why[LSL_ERR_MAX];

	return lsl_err_setf(x->e, EIO, "reading the archive: %s", archive_why(x->in, false, why, sizeof(why)));
}

static const char *shown(struct extract *x, const char *name)
{
	return import_name_printable(name, x->shown, sizeof(x->shown));
}

static const char *shown_link(struct extract *x)
{
	return import_name_printable(x->link, x->shown_link, sizeof(x->shown_link));
}

static int write_failed(struct extract *x)
{
	char why[LSL_ERR_MAX];
	const char *base;
	int fd;

	archive_why(x->out, true, why, sizeof(why));
	/* Say plainly when the writer stopped at a symbolic link on the way. */
	fd = import_open_parent(x->rootfd, x->path, &base);
	if (fd == -ELOOP)
		return lsl_err_setf(x->e, EPERM, "%s: refusing a path through a symbolic link in the distribution",
				    shown(x, x->path));
	if (fd >= 0)
		close(fd);
	return lsl_err_setf(x->e, EIO, "extracting %s: %s", shown(x, x->path), why);
}

/*
 * Only the decompressors built into libarchive: the others would run a
 * program found on PATH. gzip is not among them: input.c decompresses it.
 */
static void enable_filters(struct archive *a)
{
	if (archive_bzlib_version())
		archive_read_support_filter_bzip2(a);
	if (archive_liblzma_version()) {
		archive_read_support_filter_xz(a);
		archive_read_support_filter_lzma(a);
		archive_read_support_filter_lzip(a);
	}
	if (archive_libzstd_version())
		archive_read_support_filter_zstd(a);
	if (archive_liblz4_version())
		archive_read_support_filter_lz4(a);
	archive_read_support_filter_compress(a); /* .Z: built in */
}

static la_ssize_t read_archive(struct archive *a, void *data, const void **buf)
{
	struct import_input *in = data;
	ssize_t n = import_input_read(in, buf);

	if (n >= 0)
		return n;
	/* Corrupt data is the archive's fault: no system error to add to the message. */
	archive_set_error(a, n == -EBADMSG ? ARCHIVE_FORMAT_ERRNO : (int)-n, "%s", in->why);
	return ARCHIVE_FATAL;
}

/* Bytes of the archive's file read so far. */
static uint64_t consumed(const struct extract *x) { return x->input.consumed; }

/* A hard link's target: named like a member, existing already, reached without links. */
static int vet_hardlink(struct extract *x, struct archive_entry *ent, const char *raw)
{
	const char *why;
	struct stat st;
	int r;

	r = import_path_normalize(raw, x->link, sizeof(x->link), &why);
	if (r < 0)
		return lsl_err_setf(x->e, EPERM,
				    "%s: refusing a hard link to a path outside the distribution: %s",
				    shown(x, x->path), why);
	if (import_path_is_root(x->link))
		return lsl_err_setf(x->e, EPERM, "%s: refusing a hard link to the distribution's root",
				    shown(x, x->path));
	r = import_lstat_below(x->rootfd, x->link, &st);
	if (r == -ELOOP)
		return lsl_err_setf(x->e, EPERM,
				    "%s: refusing a hard link through a symbolic link in the distribution (%s)",
				    shown(x, x->path), shown_link(x));
	if (r == -ENOENT || r == -ENOTDIR)
		return lsl_err_setf(x->e, r, "%s: the hard link's target %s is not earlier in the archive",
				    shown(x, x->path), shown_link(x));
	if (r < 0)
		return lsl_err_set(x->e, r, "extracting %s: looking at the hard link's target %s",
				   shown(x, x->path), shown_link(x));
	if (S_ISDIR(st.st_mode))
		return lsl_err_setf(x->e, EPERM, "%s: refusing a hard link to a directory (%s)",
				    shown(x, x->path), shown_link(x));
	/* Data for a link to a symlink would be written wherever the symlink points. */
	if (S_ISLNK(st.st_mode) && archive_entry_size(ent) > 0)
		return lsl_err_setf(x->e, EPERM,
				    "%s: refusing a hard link with data to a symbolic link (%s)",
				    shown(x, x->path), shown_link(x));
	archive_entry_copy_hardlink(ent, x->link);
	return 0;
}

/* Check and normalize what the member names, before anything is created for it. */
static int vet_entry(struct extract *x, struct archive_entry *ent)
{
	const char *raw = archive_entry_pathname(ent), *why, *target;
	int r;

	if (!raw)
		return lsl_err_setf(x->e, EILSEQ, "reading the archive: a member's name cannot be decoded");
	r = import_path_normalize(raw, x->path, sizeof(x->path), &why);
	if (r == -ENAMETOOLONG)
		return lsl_err_setf(x->e, r, "%s: refusing the member: %s", shown(x, raw), why);
	if (r < 0)
		return lsl_err_setf(x->e, EPERM, "%s: refusing a path outside the distribution: %s",
				    *raw ? shown(x, raw) : "(a member without a name)", why);
	archive_entry_copy_pathname(ent, x->path);

	if (import_path_is_root(x->path)) {
		/* The archive's "./": its owner and mode become the root's (the writer sets them). */
		if (archive_entry_filetype(ent) != AE_IFDIR || archive_entry_hardlink(ent))
			return lsl_err_setf(x->e, EPERM,
					    "refusing the archive's root entry (./): it is not a directory");
		/* Its times are set last, after everything extracted into it. */
		x->root_seen = true;
		x->root_times[0] = (struct timespec){ .tv_nsec = UTIME_OMIT };
		x->root_times[1] = (struct timespec){ .tv_nsec = UTIME_OMIT };
		if (archive_entry_atime_is_set(ent))
			x->root_times[0] = (struct timespec){ archive_entry_atime(ent), archive_entry_atime_nsec(ent) };
		if (archive_entry_mtime_is_set(ent))
			x->root_times[1] = (struct timespec){ archive_entry_mtime(ent), archive_entry_mtime_nsec(ent) };
	}
	target = archive_entry_hardlink(ent);
	if (target)
		return vet_hardlink(x, ent, target);
	target = archive_entry_symlink(ent);
	if (target && strlen(target) > IMPORT_PATH_MAX)
		return lsl_err_setf(x->e, ENAMETOOLONG,
				    "%s: refusing the member: its symbolic link target is longer than 4095 bytes",
				    shown(x, x->path));
	return 0;
}

static int copy_data(struct extract *x)
{
	for (;;) {
		const void *buf;
		size_t size;
		la_int64_t offset;
		int r = archive_read_data_block(x->in, &buf, &size, &offset);

		if (r == ARCHIVE_EOF)
			return 0;
		if (r != ARCHIVE_OK)
			return read_failed(x);
		if (archive_write_data_block(x->out, buf, size, offset) != ARCHIVE_OK)
			return write_failed(x);
		lsl_progress_pipe_update(&x->progress, consumed(x));
	}
}

/*
 * libarchive's writer has no socket type (it would make a regular file): let
 * it create a FIFO in its place, with the parents and checks of any member,
 * then swap in the socket node.
 */
static int extract_socket(struct extract *x, struct archive_entry *ent)
{
	struct archive_entry *fifo = archive_entry_clone(ent);
	struct import_node n = {
		.mode = archive_entry_perm(ent),
		.uid = (uid_t)archive_entry_uid(ent),
		.gid = (gid_t)archive_entry_gid(ent),
		.times = { { .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT } },
	};
	int r;

	if (!fifo)
		return lsl_err_set(x->e, ENOMEM, "extracting %s", shown(x, x->path));
	archive_entry_set_filetype(fifo, AE_IFIFO);
	archive_entry_set_size(fifo, 0);
	r = archive_write_header(x->out, fifo);
	if (r == ARCHIVE_OK)
		r = archive_write_finish_entry(x->out);
	archive_entry_free(fifo);
	if (r != ARCHIVE_OK)
		return write_failed(x);
	if (archive_entry_atime_is_set(ent))
		n.times[0] = (struct timespec){ archive_entry_atime(ent), archive_entry_atime_nsec(ent) };
	if (archive_entry_mtime_is_set(ent))
		n.times[1] = (struct timespec){ archive_entry_mtime(ent), archive_entry_mtime_nsec(ent) };
	r = import_make_socket(x->rootfd, x->path, &n);
	if (r == -ELOOP)
		return lsl_err_setf(x->e, EPERM,
				    "%s: refusing a path through a symbolic link in the distribution",
				    shown(x, x->path));
	if (r < 0)
		return lsl_err_set(x->e, r, "extracting %s", shown(x, x->path));
	return 0;
}

/*
 * libarchive sets the exact mode of files and directories afterwards, but
 * not of the nodes it makes with mknod (devices, FIFOs): those get the mode
 * mknod gave them, so the umask must not apply while they are made.
 */
static int write_header(struct extract *x, struct archive_entry *ent)
{
	unsigned type = archive_entry_filetype(ent);
	bool node = type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO;
	mode_t old = node ? umask(0) : 0;
	int r = archive_write_header(x->out, ent);

	if (node)
		umask(old);
	return r;
}

static int extract_entry(struct extract *x, struct archive_entry *ent)
{
	int r = vet_entry(x, ent);

	if (r < 0)
		return r;
	if (archive_entry_filetype(ent) == AE_IFSOCK)
		return extract_socket(x, ent);
	/*
	 * Anything short of ARCHIVE_OK fails the import: the writer reports a
	 * failed write (ENOSPC) or an owner, xattr or ACL it could not set as a
	 * mere warning, and a distribution missing those is broken or unsafe.
	 */
	if (write_header(x, ent) != ARCHIVE_OK)
		return write_failed(x);
	if (archive_entry_size(ent) > 0) {
		r = copy_data(x);
		if (r < 0)
			return r;
	}
	if (archive_write_finish_entry(x->out) != ARCHIVE_OK)
		return write_failed(x);
	return 0;
}

static int run(struct extract *x)
{
	struct archive_entry *ent;
	unsigned long members = 0;
	char why[LSL_ERR_MAX];
	int r;

	if (archive_read_open(x->in, &x->input, NULL, read_archive, NULL) != ARCHIVE_OK)
		return read_failed(x);
	for (;;) {
		r = archive_read_next_header(x->in, &ent);
		if (r == ARCHIVE_EOF)
			break;
		/*
		 * A warning is about metadata the reader could not decode; anything
		 * else stops here (ARCHIVE_RETRY too: it is a damaged header).
		 */
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return read_failed(x);
		members++;
		r = extract_entry(x, ent);
		if (r < 0)
			return r;
		lsl_progress_pipe_update(&x->progress, consumed(x));
	}
	if (members == 0)
		return lsl_err_setf(x->e, EINVAL, "reading the archive: it contains no files");
	/* Directory modes and times, deferred until everything inside them exists. */
	if (archive_write_close(x->out) != ARCHIVE_OK)
		return lsl_err_setf(x->e, EIO, "setting the modes and times of directories: %s",
				    archive_why(x->out, true, why, sizeof(why)));
	if (x->root_seen && futimens(x->rootfd, x->root_times) < 0)
		return lsl_err_set(x->e, errno, "setting the times of the distribution's root");
	lsl_progress_pipe_finish(&x->progress, consumed(x));
	return 0;
}

int import_extract(int archive_fd, int rootfd, int progress_fd, struct lsl_err *e)
{
	struct extract x = { .rootfd = rootfd, .e = e };
	uint64_t total = 0;
	struct stat st;
	int r;

	if (fstat(archive_fd, &st) < 0)
		return lsl_err_set(e, errno, "reading the archive");
	if (S_ISDIR(st.st_mode))
		return lsl_err_set(e, EISDIR, "reading the archive");
	if (S_ISREG(st.st_mode)) {
		/* The file's own size, not what the archive claims; from where reading starts. */
		off_t pos = lseek(archive_fd, 0, SEEK_CUR);
		if (pos >= 0 && pos < st.st_size)
			total = (uint64_t)(st.st_size - pos);
	}
	lsl_progress_pipe_init(&x.progress, progress_fd, total);
	lsl_progress_pipe_update(&x.progress, 0);

	x.in = archive_read_new();
	x.out = archive_write_disk_new();
	if (!x.in || !x.out) {
		r = lsl_err_set(e, ENOMEM, "reading the archive");
		goto out;
	}
	r = import_input_init(&x.input, archive_fd);
	if (r < 0) {
		lsl_err_set(e, r, "reading the archive");
		goto out;
	}
	enable_filters(x.in);
	archive_read_support_format_tar(x.in);
	/*
	 * Read on after the end-of-archive blocks, to the end of the data: only
	 * then do the decompressors check the checksums at their end. Members
	 * of archives concatenated after the first are extracted too.
	 */
	if (archive_read_set_format_option(x.in, "tar", "read_concatenated_archives", "1") != ARCHIVE_OK) {
		r = lsl_err_setf(e, EIO, "reading the archive: %s", archive_error_string(x.in));
		goto out;
	}
	/* Numeric owners only: no user/group lookup is installed on the writer. */
	archive_write_disk_set_options(x.out, EXTRACT_FLAGS);
	if (S_ISREG(st.st_mode))
		archive_write_disk_set_skip_file(x.out, st.st_dev, st.st_ino);
	r = run(&x);
out:
	/*
	 * After a failure, freeing still applies the deferred directory fixups:
	 * harmless, libarchive opens each with O_NOFOLLOW.
	 */
	if (x.out)
		archive_write_free(x.out);
	if (x.in)
		archive_read_free(x.in);
	import_input_free(&x.input);
	return r;
}
