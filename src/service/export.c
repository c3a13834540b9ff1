/* SPDX-License-Identifier: MIT */
#include "export.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"
#include "disk-image.h"
#include "disk-job.h"
#include "image.h"
#include "instance.h"
#include "paths.h"
#include "service.h"
#include "util.h"

struct export {
	int out;      /* the caller's file */
	int filled;   /* a new image's mount, being filled: written back before success */
	int source;   /* the root directory, or the image to copy */
	int frozen;   /* a running image distribution's root, frozen while its image is copied; else -1 */
	char *rootfs; /* a directory distribution's root, for a vhd */
};

static void release(struct lsl_disk_job *j)
{
	struct export *x = j->priv;

	if (x->frozen >= 0) {
		if (ioctl(x->frozen, FITHAW, 0) < 0)
			log_warning_errno(errno, "thawing the filesystem of %s", j->name);
		close(x->frozen);
	}
	if (x->out >= 0)
		close(x->out);
	if (x->filled >= 0)
		close(x->filled);
	if (x->source >= 0)
		close(x->source);
	free(x->rootfs);
	free(x);
	j->priv = NULL;
}

static int spawn_export(struct lsl_disk_job *j, const char *mode, const char *arg, int out, int source, struct lsl_err *e)
{
	_cleanup_free_ char *path = lsl_helper_path("lsl-export");
	char *argv[] = { (char *)"lsl-export", (char *)mode, (char *)arg, NULL };
	const int fds[] = { -1, out, -1, source, -1 };

	if (!path)
		return lsl_err_set(e, ENOMEM, "finding lsl-export");
	return lsl_disk_job_spawn(j, path, argv, fds, ARRAY_SIZE(fds), true, 0, e);
}

static int spawn_export_ns(struct lsl_disk_job *j, const char *format, int out, int ns, struct lsl_err *e)
{
	_cleanup_free_ char *path = lsl_helper_path("lsl-export");
	char *argv[] = { (char *)"lsl-export", (char *)"--format", (char *)format, (char *)"--mount-ns", NULL };
	const int fds[] = { -1, out, -1, ns, -1 };

	if (!path)
		return lsl_err_set(e, ENOMEM, "finding lsl-export");
	return lsl_disk_job_spawn(j, path, argv, fds, ARRAY_SIZE(fds), true, 0, e);
}

/* ---- a directory distribution as an image: mkfs.ext4, then lsl-export | lsl-import into it ---- */

/* The new image is filled: a write its backing file's filesystem refused shows here, not never. */
static void image_filled(struct lsl_disk_job *j)
{
	struct export *x = j->priv;
	char msg[LSL_ERR_MAX];

	if (syncfs(x->filled) < 0 || fsync(x->out) < 0) {
		int err = errno;
		snprintf(msg, sizeof(msg), "writing the image: %s", lsl_image_write_error(x->out, err));
		lsl_disk_job_finish(j, -err, msg);
		return;
	}
	close(TAKE_FD(x->filled));
	lsl_disk_job_finish(j, 0, NULL);
}

static void fill_image(struct lsl_disk_job *j)
{
	struct export *x = j->priv;
	_cleanup_free_ char *import = lsl_helper_path("lsl-import");
	_cleanup_close_ int dir = -1, rw = -1, src = -1, pr = -1, pw = -1;
	char *argv[] = { (char *)"lsl-import", NULL };
	struct lsl_err e = { 0 };
	char self[64];
	int pipefd[2];

	if (!import) {
		lsl_disk_job_finish(j, -ENOMEM, "finding lsl-import");
		return;
	}
	/* The loop device needs to read it too: the caller's fd may be write-only. */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", x->out);
	rw = open(self, O_RDWR | O_CLOEXEC);
	if (rw < 0) {
		lsl_err_set(&e, errno, "reopening the output file");
		goto fail;
	}
	dir = lsl_image_mount_dir(rw, false, "the new image", &e);
	if (dir < 0)
		goto fail;
	src = open(x->rootfs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (src < 0) {
		lsl_err_set(&e, errno, "opening the root directory %s", x->rootfs);
		goto fail;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		lsl_err_set(&e, errno, "pipe");
		goto fail;
	}
	pr = pipefd[0];
	pw = pipefd[1];
	if (spawn_export(j, "--format", "tar", pw, src, &e) < 0)
		goto fail;
	const int fds[] = { pr, -1, -1, dir };
	if (lsl_disk_job_spawn(j, import, argv, fds, ARRAY_SIZE(fds), false, 0, &e) < 0)
		goto fail;
	/* Once both have exited: written back, then the mount goes with the last fd of it. */
	x->filled = TAKE_FD(dir);
	lsl_disk_job_then(j, image_filled);
	return;
fail:
	lsl_disk_job_finish(j, e.code, lsl_err_str(&e));
}

static int start_new_image(struct lsl_disk_job *j, struct lsl_err *e)
{
	struct export *x = j->priv;
	_cleanup_free_ char *mkfs = lsl_image_tool("mkfs.ext4", e);
	char *argv[] = { (char *)"mkfs.ext4", (char *)"-q", (char *)"-F", (char *)"-E",
			 (char *)"lazy_itable_init=1,lazy_journal_init=1", (char *)"/proc/self/fd/3", NULL };
	const int fds[] = { -1, -1, -1, x->out };

	if (!mkfs)
		return e->code;
	/* WSL's default disk size, sparse: only what the files need is written. */
	if (ftruncate(x->out, 0) < 0 || ftruncate(x->out, (off_t)LSL_IMAGE_DEFAULT_SIZE) < 0)
		return lsl_err_set(e, errno, "sizing the image");
	lsl_disk_job_then(j, fill_image);
	return lsl_disk_job_spawn(j, mkfs, argv, fds, ARRAY_SIZE(fds), false, 0, e);
}

/* ---- the request ---- */

static int start(struct lsl_service *svc, struct lsl_disk_job *j, const struct lsl_distro *d, uint32_t format,
		 struct lsl_err *e)
{
	struct export *x = j->priv;
	bool running = lsl_instance_find(svc, d->name) != NULL;
	struct stat st;
	int r;

	if (format != LSL_EXPORT_VHD && d->image && running) {
		/* Its root filesystem as mounted in its namespace, without what is mounted on it there. */
		struct lsl_instance *inst = lsl_instance_find(svc, d->name);
		pid_t pid = lsl_instance_running_pid(inst);
		char ns[64];
		if (pid <= 0)
			return lsl_err_setf(e, EBUSY, "%s is starting or stopping: try again in a moment", d->name);
		snprintf(ns, sizeof(ns), "/proc/%d/ns/mnt", (int)pid);
		x->source = open(ns, O_RDONLY | O_CLOEXEC);
		if (x->source < 0)
			return lsl_err_set(e, errno, "opening the mount namespace of %s", d->name);
		return spawn_export_ns(j, lsl_export_format_name(format), x->out, x->source, e);
	}
	if (format != LSL_EXPORT_VHD) {
		r = lsl_image_open_root(svc, d, false, &x->source, e);
		if (r < 0)
			return r;
		return spawn_export(j, "--format", lsl_export_format_name(format), x->out, x->source, e);
	}
	if (fstat(x->out, &st) < 0)
		return lsl_err_set(e, errno, "the output file");
	if (!S_ISREG(st.st_mode))
		return lsl_err_setf(e, EINVAL, "a disk image can only be exported to a file, not to a pipe or a terminal");
	if (!d->image) {
		x->rootfs = strdup(d->rootfs);
		if (!x->rootfs)
			return lsl_err_set(e, ENOMEM, "exporting %s", d->name);
		return start_new_image(j, e);
	}
	x->source = open(d->image, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	if (x->source < 0)
		return lsl_err_set(e, errno, "opening the disk image %s", d->image);
	if (running) {
		/* Frozen, its filesystem is consistent on disk for as long as the copy takes. */
		r = lsl_image_open_root(svc, d, false, &x->frozen, e);
		if (r < 0)
			return r;
		if (ioctl(x->frozen, FIFREEZE, 0) < 0) {
			r = lsl_err_set(e, errno, "freezing the filesystem of %s", d->name);
			close(TAKE_FD(x->frozen));
			return r;
		}
	} else {
		r = lsl_image_check_unused(svc, x->source, d->image, d->name, e);
		if (r < 0)
			return r;
	}
	return spawn_export(j, "--copy", NULL, x->out, x->source, e);
}

void lsl_export_start(struct lsl_service *svc, struct lsl_client *c, struct lsl_received *m)
{
	const struct lsl_msg_export *req = m->msg;
	uint64_t seq = lsl_received_header(m)->seq;
	_cleanup_close_ int out = TAKE_FD(m->fds[0]);
	const struct lsl_distro *d;
	struct lsl_disk_job *j;
	struct lsl_err e = { 0 };
	struct export *x;
	char busy[LSL_ERR_MAX];

	d = lsl_image_find_distro(svc, lsl_msg_str(req, req->name), &e);
	if (!d) {
		lsl_client_result(c, seq, e.code, lsl_err_str(&e));
		return;
	}
	if (req->format > LSL_EXPORT_VHD) {
		lsl_client_result(c, seq, -EINVAL, "unknown export format");
		return;
	}
	if (lsl_disk_job_conflict(svc, d->name, true, busy, sizeof(busy))) {
		lsl_client_result(c, seq, -EBUSY, busy);
		return;
	}
	x = calloc(1, sizeof(*x));
	/* A stopped image is in use by the export: the distribution may not start meanwhile. */
	j = x ? lsl_disk_job_new(svc, c, seq, d->name, "being exported", d->image && !lsl_instance_find(svc, d->name),
				 req->flags & LSL_EXPORT_PROGRESS)
	      : NULL;
	if (!j) {
		free(x);
		lsl_client_result(c, seq, -ENOMEM, "out of memory");
		return;
	}
	*x = (struct export){ .out = TAKE_FD(out), .source = -1, .frozen = -1, .filled = -1 };
	j->priv = x;
	j->release = release;
	log_info("exporting %s (%s)", d->name, lsl_export_format_name(req->format));
	if (start(svc, j, d, req->format, &e) < 0)
		lsl_disk_job_finish(j, e.code, lsl_err_str(&e));
}
