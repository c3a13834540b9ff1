/* SPDX-License-Identifier: MIT */
/*
 * EXPORT: lsl opens the output as the caller and hands the fd over. A new
 * file is made unnamed (O_TMPFILE) in the target's directory and only
 * linked in place once the export succeeded, so a failure (a full disk,
 * Ctrl-C) leaves nothing and an older file of that name intact.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bar-request.h"
#include "cli.h"
#include "disk-image.h"
#include "util.h"

struct output {
	int fd;
	bool direct;  /* written where it is (stdout, a device, a FIFO): nothing to link */
	char *named;  /* a named temporary file (no O_TMPFILE here): renamed or removed */
	char *dir;
};

static void output_free(struct output *o)
{
	if (o->fd >= 0 && o->fd != STDOUT_FILENO)
		close(o->fd);
	if (o->named)
		(void)unlink(o->named);
	free(o->named);
	free(o->dir);
}

static char *dir_of(const char *file)
{
	const char *slash = strrchr(file, '/');

	if (!slash)
		return strdup(".");
	if (slash == file)
		return strdup("/");
	return strndup(file, (size_t)(slash - file));
}

/* "<file>.lsl-XXXXXXXX", a name next to the target for a moment. */
static char *temp_name(const char *file)
{
	uint32_t r = 0;

	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint32_t)getpid() ^ (uint32_t)(uintptr_t)&r;
	return strdup_printf("%s.lsl-%08x", file, r);
}

static int open_output(const char *file, struct output *o, struct lsl_err *e)
{
	struct stat st;

	if (streq(file, "-")) {
		if (isatty(STDOUT_FILENO))
			return lsl_err_setf(e, EINVAL,
					    "refusing to write the export to a terminal: redirect it, or name a file");
		o->fd = STDOUT_FILENO;
		o->direct = true;
		return 0;
	}
	if (stat(file, &st) == 0 && S_ISDIR(st.st_mode))
		return lsl_err_setf(e, EISDIR, "cannot write '%s': %s", file, strerror(EISDIR));
	if (stat(file, &st) == 0 && !S_ISREG(st.st_mode)) {
		o->fd = open(file, O_WRONLY | O_CLOEXEC | O_NOCTTY);
		if (o->fd < 0)
			return lsl_err_setf(e, errno, "cannot open '%s': %s", file, strerror(errno));
		o->direct = true;
		return 0;
	}
	o->dir = dir_of(file);
	if (!o->dir)
		return lsl_err_set(e, ENOMEM, "exporting");
	/* Read-write: an image is mounted (through a loop device) to be filled. 0600: it holds a whole system. */
	o->fd = open(o->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (o->fd >= 0)
		return 0;
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return lsl_err_setf(e, errno, "cannot write '%s': %s", file, strerror(errno));
	o->named = temp_name(file);
	if (!o->named)
		return lsl_err_set(e, ENOMEM, "exporting");
	o->fd = open(o->named, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
	if (o->fd < 0) {
		int err = errno;
		free(TAKE_PTR(o->named));
		return lsl_err_setf(e, err, "cannot write '%s': %s", file, strerror(err));
	}
	return 0;
}

/* The export succeeded: the file takes its name (replacing an older one at once). */
static int commit_output(const char *file, struct output *o, struct lsl_err *e)
{
	_cleanup_free_ char *tmp = NULL;
	char self[64];

	if (o->direct)
		return 0;
	if (fsync(o->fd) < 0)
		return lsl_err_setf(e, errno, "writing '%s': %s", file, strerror(errno));
	if (o->named) {
		if (rename(o->named, file) < 0)
			return lsl_err_setf(e, errno, "cannot write '%s': %s", file, strerror(errno));
		free(TAKE_PTR(o->named));
		return 0;
	}
	snprintf(self, sizeof(self), "/proc/self/fd/%d", o->fd);
	if (linkat(AT_FDCWD, self, AT_FDCWD, file, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (errno != EEXIST)
		return lsl_err_setf(e, errno, "cannot write '%s': %s", file, strerror(errno));
	tmp = temp_name(file);
	if (!tmp)
		return lsl_err_set(e, ENOMEM, "exporting");
	if (linkat(AT_FDCWD, self, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) < 0)
		return lsl_err_setf(e, errno, "cannot write '%s': %s", file, strerror(errno));
	if (rename(tmp, file) < 0) {
		int err = errno;
		(void)unlink(tmp);
		return lsl_err_setf(e, err, "cannot write '%s': %s", file, strerror(err));
	}
	return 0;
}

int lsl_cmd_export(const struct lsl_args *a, struct lsl_err *e)
{
	_cleanup_msg_ struct lsl_msg_builder b = { 0 };
	_cleanup_close_ int svc = -1;
	_cleanup_free_ char *label = NULL;
	struct output o = { .fd = -1 };
	bool show = isatty(STDERR_FILENO);
	struct lsl_msg_export *m;
	int r;

	r = open_output(a->file, &o, e);
	if (r < 0)
		goto out;
	svc = lsl_service_open(e);
	if (svc < 0) {
		r = svc;
		goto out;
	}
	r = lsl_msg_init(&b, LSL_MSG_EXPORT, sizeof(*m));
	if (r < 0) {
		lsl_err_set(e, r, "preparing the export");
		goto out;
	}
	m = lsl_msg_body(&b);
	m->flags = show ? LSL_EXPORT_PROGRESS : 0;
	m->format = (uint32_t)a->export_format;
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_export, name), a->name);
	if (show && !(label = strdup_printf("Exporting %s", a->name))) {
		r = lsl_err_set(e, ENOMEM, "exporting");
		goto out;
	}
	r = lsl_request_with_bar(svc, &b, &o.fd, 1, label, e);
	if (r == 0)
		r = commit_output(a->file, &o, e);
	if (r == 0 && !o.direct)
		lsl_print_success();
out:
	output_free(&o);
	return r;
}
