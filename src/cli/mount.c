/* SPDX-License-Identifier: MIT */
/*
 * --mount, --unmount and --list --mounts. lsl opens the disk as the caller
 * (a block device exclusively: one that is mounted or claimed elsewhere is
 * refused by the kernel itself) and hands the fd to the service.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "mount-options.h"
#include "output.h"
#include "service-client.h"
#include "util.h"

static int open_disk(const struct lsl_args *a, bool *read_only, struct lsl_err *e)
{
	_cleanup_(lsl_mount_options_free) struct lsl_mount_options o = { 0 };
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	r = lsl_mount_options_parse(a->mount_options, &o, e);
	if (r < 0)
		return r;
	*read_only = o.flags & MS_RDONLY;
	if (stat(a->path, &st) < 0)
		return lsl_err_setf(e, errno, "cannot open '%s': %s", a->path, strerror(errno));
	if (S_ISBLK(st.st_mode)) {
		if (a->vhd)
			return lsl_err_setf(e, EINVAL, "%s is a block device, not a disk image file (--vhd)", a->path);
		/* O_EXCL claims the device: the kernel refuses one mounted or used elsewhere. */
		fd = open(a->path, (*read_only ? O_RDONLY : O_RDWR) | O_EXCL | O_CLOEXEC | O_NOCTTY);
		if (fd < 0 && errno == EBUSY)
			return lsl_err_setf(e, EBUSY, "%s is in use (mounted or claimed by another program)", a->path);
	} else if (S_ISREG(st.st_mode)) {
		fd = open(a->path, (*read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOCTTY);
	} else {
		return lsl_err_setf(e, EINVAL, "%s is neither a block device nor a disk image file", a->path);
	}
	if (fd < 0)
		return lsl_err_setf(e, errno, "cannot open '%s': %s", a->path, strerror(errno));
	return TAKE_FD(fd);
}

static int on_mounted(void *userdata, const struct lsl_msg_mount_entry *m, struct lsl_err *e)
{
	const char *name = lsl_msg_str(m, m->name), *device = lsl_msg_str(m, m->device);
	const char *disk = userdata;
	_cleanup_free_ char *safe_disk = lsl_text_sanitize(disk), *safe_name = lsl_text_sanitize(name ? name : "?");

	if (!safe_disk || !safe_name)
		return lsl_err_set(e, ENOMEM, "mounting");
	if (m->flags & LSL_MOUNT_BARE)
		printf("The disk %s was attached as %s.\n", safe_disk, device ? device : "a loop device");
	else
		printf("The disk %s was mounted as '/mnt/wsl/%s'.\n", safe_disk, safe_name);
	printf("To unmount and detach it, run 'lsl --unmount %s'.\n", safe_disk);
	return 0;
}

int lsl_cmd_mount(const struct lsl_args *a, struct lsl_err *e)
{
	_cleanup_msg_ struct lsl_msg_builder b = { 0 };
	_cleanup_close_ int svc = -1, disk = -1;
	struct lsl_reply_ops ops = { .mount_entry = on_mounted, .userdata = a->path };
	struct lsl_msg_mount *m;
	bool ro = false;
	int r;

	disk = open_disk(a, &ro, e);
	if (disk < 0)
		return disk;
	svc = lsl_service_open(e);
	if (svc < 0)
		return svc;
	r = lsl_msg_init(&b, LSL_MSG_MOUNT_DISK, sizeof(*m));
	if (r < 0)
		return lsl_err_set(e, r, "preparing the mount");
	m = lsl_msg_body(&b);
	m->flags = (a->bare ? LSL_MOUNT_BARE : 0) | (a->partition ? LSL_MOUNT_PARTITION : 0) |
		   (ro ? LSL_MOUNT_READ_ONLY : 0);
	m->partition = a->partition;
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_mount, disk), a->path);
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_mount, type), a->fs_type);
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_mount, options), a->mount_options);
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_mount, name), a->mount_name);
	return lsl_service_request(svc, &b, &disk, 1, &ops, e);
}

int lsl_cmd_unmount(const struct lsl_args *a, struct lsl_err *e)
{
	_cleanup_msg_ struct lsl_msg_builder b = { 0 };
	_cleanup_close_ int svc = -1;
	int r;

	svc = lsl_service_open(e);
	if (svc < 0)
		return svc;
	/* No DISK: every disk (the name stays absent). */
	r = lsl_msg_init(&b, LSL_MSG_UNMOUNT_DISK, sizeof(struct lsl_msg_name));
	if (r < 0)
		return lsl_err_set(e, r, "preparing the unmount");
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_name, name), a->path);
	r = lsl_service_request(svc, &b, NULL, 0, NULL, e);
	if (r < 0)
		return r;
	lsl_print_success();
	return 0;
}

/* ---- --list --mounts ---- */

struct mount_row {
	char *disk, *name, *type, *device, *options;
	bool bare;
};

struct rows {
	struct mount_row *v;
	size_t n;
};

static int on_entry(void *userdata, const struct lsl_msg_mount_entry *m, struct lsl_err *e)
{
	struct rows *rows = userdata;
	struct mount_row *grown = realloc(rows->v, (rows->n + 1) * sizeof(*grown));
	struct mount_row *row;

	if (!grown)
		return lsl_err_set(e, ENOMEM, "listing the disks");
	rows->v = grown;
	row = &rows->v[rows->n++];
	*row = (struct mount_row){
		.disk = lsl_text_sanitize(lsl_msg_str(m, m->disk) ?: "?"),
		.name = lsl_text_sanitize(lsl_msg_str(m, m->name) ?: "?"),
		.type = lsl_text_sanitize(lsl_msg_str(m, m->type) ?: "ext4"),
		.device = lsl_text_sanitize(lsl_msg_str(m, m->device) ?: "-"),
		.options = lsl_text_sanitize(lsl_msg_str(m, m->options) ?: "-"),
		.bare = m->flags & LSL_MOUNT_BARE,
	};
	if (!row->disk || !row->name || !row->type || !row->device || !row->options)
		return lsl_err_set(e, ENOMEM, "listing the disks");
	return 0;
}

static void rows_free(struct rows *rows)
{
	for (size_t k = 0; k < rows->n; k++) {
		free(rows->v[k].disk);
		free(rows->v[k].name);
		free(rows->v[k].type);
		free(rows->v[k].device);
		free(rows->v[k].options);
	}
	free(rows->v);
}

static int width(const struct rows *rows, size_t offset, const char *header)
{
	size_t w = strlen(header);

	for (size_t k = 0; k < rows->n; k++) {
		const char *s = *(char *const *)((const char *)&rows->v[k] + offset);
		if (strlen(s) > w)
			w = strlen(s);
	}
	return (int)w;
}

int lsl_cmd_list_mounts(const struct lsl_args *a, struct lsl_err *e)
{
	_cleanup_msg_ struct lsl_msg_builder b = { 0 };
	_cleanup_close_ int svc = -1;
	struct rows rows = { 0 };
	struct lsl_reply_ops ops = { .mount_entry = on_entry, .userdata = &rows };
	int r, wd, wn, wt, wv;

	svc = lsl_service_open(e);
	if (svc < 0)
		return svc;
	r = lsl_msg_init(&b, LSL_MSG_LIST_MOUNTS, sizeof(struct lsl_msg_empty));
	if (r < 0)
		return lsl_err_set(e, r, "listing the disks");
	r = lsl_service_request(svc, &b, NULL, 0, &ops, e);
	if (r < 0)
		goto out;
	if (rows.n == 0) {
		if (!a->quiet)
			puts("No disks are mounted.");
		goto out;
	}
	if (a->quiet) {
		for (size_t k = 0; k < rows.n; k++)
			puts(rows.v[k].name);
		goto out;
	}
	wd = width(&rows, offsetof(struct mount_row, disk), "DISK");
	wn = width(&rows, offsetof(struct mount_row, name), "NAME");
	wt = width(&rows, offsetof(struct mount_row, type), "TYPE");
	wv = width(&rows, offsetof(struct mount_row, device), "DEVICE");
	printf("%-*s  %-*s  %-*s  %-*s  %s\n", wd, "DISK", wn, "NAME", wt, "TYPE", wv, "DEVICE", "OPTIONS");
	for (size_t k = 0; k < rows.n; k++) {
		const struct mount_row *row = &rows.v[k];
		printf("%-*s  %-*s  %-*s  %-*s  %s\n", wd, row->disk, wn, row->name, wt, row->bare ? "-" : row->type, wv,
		       row->device, row->bare ? "(attached only)" : row->options);
	}
out:
	rows_free(&rows);
	return r;
}
