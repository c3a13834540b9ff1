/* SPDX-License-Identifier: MIT */
/*
 * IMPORT: lsl opens the archive with the caller's own rights and hands the
 * fd over; the service extracts it. On a terminal, a progress bar.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "disk-image.h"
#include "output.h"
#include "progress.h"
#include "service-client.h"
#include "util.h"

static const char erase_line[] = "\r\033[K";

/* Ctrl-C simply ends lsl (the service sees the hang-up and cleans up): leave a clean line. */
static void erase_and_die(int sig)
{
	(void)!write(STDERR_FILENO, erase_line, sizeof(erase_line) - 1);
	raise(sig); /* the handler was reset on entry: this one is fatal once we return */
}

void lsl_clear_line_on_death(void)
{
	struct sigaction sa = { .sa_handler = erase_and_die, .sa_flags = SA_RESETHAND };
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

	sigemptyset(&sa.sa_mask);
	for (size_t k = 0; k < ARRAY_SIZE(sigs); k++)
		sigaction(sigs[k], &sa, NULL);
}

static void on_warning(void *userdata, const char *text)
{
	struct lsl_progress *bar = userdata;

	lsl_progress_clear(bar);
	lsl_print_warning(text);
}

static void on_progress(void *userdata, uint64_t done, uint64_t total)
{
	lsl_progress_update(userdata, done, total);
}

/* The archive, opened as the caller: the service never opens a path on the caller's behalf. */
static int open_archive(const char *file, struct lsl_err *e)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (streq(file, "-"))
		return STDIN_FILENO;
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return lsl_err_setf(e, errno, "cannot open '%s': %s", file, strerror(errno));
	if (fstat(fd, &st) < 0)
		return lsl_err_setf(e, errno, "cannot open '%s': %s", file, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return lsl_err_setf(e, EISDIR, "cannot open '%s': %s", file, strerror(EISDIR));
	return TAKE_FD(fd);
}

int lsl_cmd_import(const struct lsl_args *a, struct lsl_err *e)
{
	_cleanup_msg_ struct lsl_msg_builder b = { 0 };
	_cleanup_close_ int svc = -1, owned = -1;
	_cleanup_free_ char *label = NULL;
	struct lsl_progress bar = { .fd = -1 };
	struct lsl_reply_ops ops = { .warning = on_warning, .progress = on_progress, .userdata = &bar };
	bool show = isatty(STDERR_FILENO);
	int archive, r;

	archive = open_archive(a->file, e);
	if (archive < 0)
		return archive;
	if (archive != STDIN_FILENO)
		owned = archive;
	/* An image is checked here too, so that the message names the file as the caller did. */
	if (a->vhd) {
		r = lsl_ext4_check(archive, streq(a->file, "-") ? "standard input" : a->file, e);
		if (r < 0)
			return r;
	}

	svc = lsl_service_open(e);
	if (svc < 0)
		return svc;

	r = lsl_msg_init(&b, LSL_MSG_IMPORT, sizeof(struct lsl_msg_import));
	if (r < 0)
		return lsl_err_set(e, r, "preparing the import");
	((struct lsl_msg_import *)lsl_msg_body(&b))->flags = (show ? LSL_IMPORT_PROGRESS : 0) |
							     (a->vhd ? LSL_IMPORT_VHD : 0) |
							     (a->image ? LSL_IMPORT_IMAGE : 0);
	((struct lsl_msg_import *)lsl_msg_body(&b))->image_size = a->size;
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_import, name), a->name);
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_import, location), a->location);

	if (show) {
		label = strdup_printf("Importing %s", a->name);
		if (!label || lsl_progress_start(&bar, STDERR_FILENO, label) < 0)
			return lsl_err_set(e, ENOMEM, "showing the progress");
		lsl_clear_line_on_death();
	}
	r = lsl_service_request(svc, &b, &archive, 1, &ops, e);
	lsl_progress_done(&bar);
	if (r < 0)
		return r;
	lsl_print_success();
	return 0;
}

int lsl_cmd_import_in_place(const struct lsl_args *a, struct lsl_err *e)
{
	_cleanup_msg_ struct lsl_msg_builder b = { 0 };
	_cleanup_close_ int svc = -1, image = -1;
	struct stat st;
	int r;

	/* Read-write: the caller must be allowed to change the file lsl will use as a disk. */
	image = open(a->path, O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (image < 0)
		return lsl_err_setf(e, errno, "cannot open '%s': %s", a->path, strerror(errno));
	if (fstat(image, &st) < 0)
		return lsl_err_set(e, errno, "%s", a->path);
	if (!S_ISREG(st.st_mode))
		return lsl_err_setf(e, EINVAL, "%s is not a disk image file", a->path);
	r = lsl_ext4_check(image, a->path, e);
	if (r < 0)
		return r;
	svc = lsl_service_open(e);
	if (svc < 0)
		return svc;
	r = lsl_msg_init(&b, LSL_MSG_IMPORT_IN_PLACE, sizeof(struct lsl_msg_import_in_place));
	if (r < 0)
		return lsl_err_set(e, r, "preparing the import");
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_import_in_place, name), a->name);
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_import_in_place, image), a->path);
	r = lsl_service_request(svc, &b, &image, 1, NULL, e);
	if (r < 0)
		return r;
	lsl_print_success();
	return 0;
}
