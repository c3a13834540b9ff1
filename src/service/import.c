/* SPDX-License-Identifier: MIT */
/*
 * IMPORT: lsl-import extracts the caller's archive (fd 0) into rootfs (fd
 * 3), reporting progress on fd 4 (records of u64 done, u64 total) and its
 * reason for failing as one line on stderr. Hostile archives are its
 * problem; the service only watches it, relays progress and cleans up.
 */
#include "import.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "disk-image.h"
#include "image.h"
#include "paths.h"
#include "provision.h"
#include "service.h"
#include "spawn.h"
#include "util.h"

#define ERR_MAX 4096 /* kept of lsl-import's stderr */

struct import {
	struct lsl_provision *p;
	int archive; /* LSL_IMPORT_IMAGE: the archive, kept while mkfs.ext4 runs */
	bool want_progress;
	int progress_fd, err_fd;
	struct lsl_watch *progress_watch, *err_watch;
	uint8_t record[16];
	size_t record_len;
	char err[ERR_MAX + 1];
	size_t err_len;
};

static void close_progress(struct import *im)
{
	lsl_loop_unwatch(im->progress_watch);
	im->progress_watch = NULL;
	if (im->progress_fd >= 0)
		close(im->progress_fd);
	im->progress_fd = -1;
}

static void close_err(struct import *im)
{
	lsl_loop_unwatch(im->err_watch);
	im->err_watch = NULL;
	if (im->err_fd >= 0)
		close(im->err_fd);
	im->err_fd = -1;
}

static void release(struct lsl_provision *p)
{
	struct import *im = p->priv;

	close_progress(im);
	close_err(im);
	if (im->archive >= 0)
		close(im->archive);
	free(im);
	p->priv = NULL;
}

/* Read what the pipe has now. Returns false at EOF or error (then the pipe is closed). */
static bool read_progress(struct import *im)
{
	uint8_t buf[16 * 64];
	ssize_t n = RETRY_EINTR(read(im->progress_fd, buf, sizeof(buf)));
	uint64_t done = 0, total = 0;
	bool have = false;

	if (n < 0 && errno == EAGAIN)
		return true;
	if (n <= 0) {
		close_progress(im);
		return false;
	}
	for (ssize_t i = 0; i < n; i++) {
		im->record[im->record_len++] = buf[i];
		if (im->record_len == sizeof(im->record)) {
			memcpy(&done, im->record, 8);
			memcpy(&total, im->record + 8, 8);
			im->record_len = 0;
			have = true;
		}
	}
	/* Only the latest record matters. */
	if (have && im->want_progress)
		lsl_client_progress(im->p->client, im->p->seq, done, total);
	return true;
}

static bool read_err(struct import *im)
{
	char buf[1024];
	ssize_t n = RETRY_EINTR(read(im->err_fd, buf, sizeof(buf)));

	if (n < 0 && errno == EAGAIN)
		return true;
	if (n <= 0) {
		close_err(im);
		return false;
	}
	size_t take = (size_t)n;
	if (take > ERR_MAX - im->err_len)
		take = ERR_MAX - im->err_len;
	memcpy(im->err + im->err_len, buf, take);
	im->err_len += take;
	im->err[im->err_len] = 0;
	return true;
}

static void progress_event(void *userdata, uint32_t events) { read_progress(userdata); }

static void err_event(void *userdata, uint32_t events) { read_err(userdata); }

/* lsl-import's reason: the last non-empty line of its stderr, without a program prefix. */
static const char *reason(struct import *im)
{
	char *end, *start;
	const char *s;

	im->err[im->err_len] = 0;
	for (char *c = im->err; *c; c++) {
		if (*c == '\r')
			*c = '\n';
		/* mkfs.ext4 continues a message on an indented line: one line again. */
		if (*c == '\n' && (c[1] == '\t' || c[1] == ' ') && c != im->err)
			*c = ' ';
		if (*c == '\t')
			*c = ' ';
	}
	end = im->err + strlen(im->err);
	while (end > im->err && (end[-1] == '\n' || end[-1] == ' '))
		*--end = 0;
	if (end == im->err)
		return NULL;
	start = strrchr(im->err, '\n');
	s = start ? start + 1 : im->err;
	const char *t;
	if ((t = startswith(s, "lsl-import: ")) || (t = startswith(s, "lsl: ")))
		s = t;
	return isempty(s) ? NULL : s;
}

static void extractor_exited(void *userdata, int status)
{
	struct lsl_provision *p = userdata;
	struct import *im = p->priv;
	const char *why;
	char msg[LSL_ERR_MAX];

	/* The child is gone: whatever it wrote is in the pipes now. */
	while (im->progress_fd >= 0 && read_progress(im))
		;
	while (im->err_fd >= 0 && read_err(im))
		;
	if (status == 0) {
		lsl_provision_finish(p, 0, NULL);
		return;
	}
	why = reason(im);
	if (why)
		snprintf(msg, sizeof(msg), "%s", why);
	else
		snprintf(msg, sizeof(msg), "lsl-import failed (%s)", lsl_wait_status_str(status));
	if (why)
		log_info("lsl-import (%s): %s", lsl_wait_status_str(status), why);
	lsl_provision_finish(p, -EINVAL, msg);
}

/*
 * Run one of lsl's helpers as the worker: fd 0 in, fd 1 out, fd 3 dir (each
 * may be -1), fd 2 and fd 4 the pipes the service reads (its reason,
 * progress); exit brings extractor_exited().
 */
static int start_helper(struct lsl_provision *p, const char *program, int in, int out, int dir, struct lsl_err *e)
{
	_cleanup_free_ char *path = lsl_helper_path(program);
	_cleanup_close_ int prog_w = -1, err_w = -1;
	struct import *im = p->priv;
	char *argv[] = { (char *)program, NULL, NULL };
	static const char *const base_env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C.UTF-8", NULL };
	_cleanup_strv_free_ char **envp = lsl_helper_env(base_env);
	int pipefd[2];

	/* lsl-export copies an image (LSL_IMPORT_VHD); lsl-import takes no arguments. */
	if (streq(program, "lsl-export"))
		argv[1] = (char *)"--copy";
	if (!path || !envp)
		return lsl_err_set(e, ENOMEM, "finding %s", program);
	if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0)
		return lsl_err_set(e, errno, "pipe");
	im->progress_fd = pipefd[0];
	prog_w = pipefd[1];
	if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0)
		return lsl_err_set(e, errno, "pipe");
	im->err_fd = pipefd[0];
	err_w = pipefd[1];
	/* The child's ends block: lsl-import need not know about O_NONBLOCK. */
	if (fd_set_nonblock(prog_w, false) < 0 || fd_set_nonblock(err_w, false) < 0)
		return lsl_err_set(e, errno, "pipe");
	im->progress_watch = lsl_loop_watch(p->svc->loop, im->progress_fd, EPOLLIN, progress_event, im);
	im->err_watch = lsl_loop_watch(p->svc->loop, im->err_fd, EPOLLIN, err_event, im);
	if (!im->progress_watch || !im->err_watch)
		return lsl_err_set(e, errno, "watching %s", program);

	const int fds[] = { in, out, err_w, dir, prog_w };
	const struct lsl_spawn_opts o = { .path = path, .argv = argv, .envp = envp, .fds = fds, .nfds = ARRAY_SIZE(fds) };
	return lsl_child_spawn(p->svc->loop, &o, extractor_exited, p, &p->worker, e);
}

static int start_extractor(struct lsl_provision *p, int archive, struct lsl_err *e)
{
	return start_helper(p, "lsl-import", archive, -1, p->loc.rootfs_fd, e);
}

/* ---- LSL_IMPORT_IMAGE: mkfs.ext4 on LOCATION/ext4.img, then lsl-import into it, mounted here ---- */

static void mkfs_exited(void *userdata, int status)
{
	struct lsl_provision *p = userdata;
	struct import *im = p->priv;
	struct lsl_err e = { 0 };
	char msg[LSL_ERR_MAX];
	const char *why;

	p->worker = NULL;
	while (im->err_fd >= 0 && read_err(im))
		;
	if (p->cancelled || status != 0) {
		why = reason(im);
		snprintf(msg, sizeof(msg), "making the filesystem: %s", why ? why : lsl_wait_status_str(status));
		lsl_provision_finish(p, -EIO, msg);
		return;
	}
	im->err_len = 0;
	im->err[0] = 0;
	/* Mounted detached: in no mount table, and gone (its loop device too) with the last fd of it. */
	p->loc.rootfs_fd = lsl_image_mount_dir(p->loc.image_fd, false, "the new image", &e);
	if (p->loc.rootfs_fd < 0 || start_extractor(p, im->archive, &e) < 0) {
		lsl_provision_finish(p, e.code, lsl_err_str(&e));
		return;
	}
	close(TAKE_FD(im->archive));
}

static int start_mkfs(struct lsl_provision *p, uint64_t size, struct lsl_err *e)
{
	_cleanup_free_ char *mkfs = lsl_image_tool("mkfs.ext4", e);
	_cleanup_close_ int err_w = -1;
	struct import *im = p->priv;
	char *argv[] = { (char *)"mkfs.ext4", (char *)"-q", (char *)"-F", (char *)"-E",
			 (char *)"lazy_itable_init=1,lazy_journal_init=1", (char *)"/proc/self/fd/3", NULL };
	static const char *const base_env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };
	_cleanup_strv_free_ char **envp = lsl_helper_env(base_env);
	int pipefd[2];

	if (!mkfs)
		return e->code;
	if (!envp)
		return lsl_err_set(e, ENOMEM, "running mkfs.ext4");
	/* Sparse: only what the filesystem writes takes room. */
	if (ftruncate(p->loc.image_fd, (off_t)size) < 0)
		return lsl_err_set(e, errno, "sizing %s", p->loc.image);
	if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0)
		return lsl_err_set(e, errno, "pipe");
	im->err_fd = pipefd[0];
	err_w = pipefd[1];
	if (fd_set_nonblock(err_w, false) < 0)
		return lsl_err_set(e, errno, "pipe");
	im->err_watch = lsl_loop_watch(p->svc->loop, im->err_fd, EPOLLIN, err_event, im);
	if (!im->err_watch)
		return lsl_err_set(e, errno, "watching mkfs.ext4");
	const int fds[] = { -1, -1, err_w, p->loc.image_fd };
	const struct lsl_spawn_opts o = { .path = mkfs, .argv = argv, .envp = envp, .fds = fds, .nfds = ARRAY_SIZE(fds) };
	return lsl_child_spawn(p->svc->loop, &o, mkfs_exited, p, &p->worker, e);
}

void lsl_import_start(struct lsl_service *svc, struct lsl_client *c, struct lsl_received *m)
{
	const struct lsl_msg_import *msg = m->msg;
	const char *name = lsl_msg_str(msg, msg->name), *location = lsl_msg_str(msg, msg->location);
	uint64_t seq = lsl_received_header(m)->seq;
	_cleanup_close_ int archive = TAKE_FD(m->fds[0]);
	bool vhd = msg->flags & LSL_IMPORT_VHD, image = msg->flags & LSL_IMPORT_IMAGE;
	uint64_t size = msg->image_size ? msg->image_size : LSL_IMAGE_DEFAULT_SIZE;
	struct lsl_provision *p = NULL;
	struct lsl_err e = { 0 };
	struct import *im;
	int r;

	if (isempty(location)) {
		lsl_client_result(c, seq, -EINVAL, "the import needs a location");
		return;
	}
	if (vhd && image) {
		lsl_client_result(c, seq, -EINVAL, "an import is either of an image or into one, not both");
		return;
	}
	if (image && (size < LSL_IMAGE_MIN_SIZE || size > LSL_IMAGE_MAX_SIZE)) {
		lsl_client_result(c, seq, -EINVAL,
				  size < LSL_IMAGE_MIN_SIZE ? "the image size is too small (the least is 16 MiB)"
							    : "the image size is too large (the most is 1 PiB)");
		return;
	}
	/* The caller's image must be an ext4 filesystem nothing uses, checked before anything is made. */
	if (vhd && ((r = lsl_image_check_unused(svc, archive, "the image", NULL, &e)) < 0 ||
		    (r = lsl_ext4_check(archive, "the image", &e)) < 0)) {
		lsl_client_result(c, seq, r, lsl_err_str(&e));
		return;
	}
	r = vhd || image ? lsl_provision_begin_image(svc, c, seq, name, location, LSL_IMAGE_FILE, &p, &e)
			 : lsl_provision_begin(svc, c, seq, name, location, &p, &e);
	if (r < 0) {
		lsl_client_result(c, seq, e.code, lsl_err_str(&e));
		return;
	}
	im = calloc(1, sizeof(*im));
	if (!im) {
		lsl_provision_finish(p, -ENOMEM, "out of memory");
		return;
	}
	*im = (struct import){ .p = p, .want_progress = msg->flags & LSL_IMPORT_PROGRESS, .progress_fd = -1, .err_fd = -1,
			       .archive = -1 };
	p->priv = im;
	p->release = release;
	log_info("importing %s into %s", p->name, p->loc.rootfs);
	if (vhd)
		r = start_helper(p, "lsl-export", -1, p->loc.image_fd, archive, &e);
	else if (image) {
		im->archive = TAKE_FD(archive);
		r = start_mkfs(p, size, &e);
	} else
		r = start_extractor(p, archive, &e);
	if (r < 0)
		lsl_provision_finish(p, e.code, lsl_err_str(&e));
}
