/* SPDX-License-Identifier: MIT */
/*
 * MOUNT and UNMOUNT: disks shared into every distribution. The disk (a
 * block device or an image file, opened by lsl as the caller) is attached
 * to a loop device (partitions scanned when one is asked for) and its
 * filesystem mounted at <runtime>/mnt-wsl/<name> in mini_init's namespace:
 * that tmpfs is the shared /mnt/wsl, so the mount propagates to every
 * running distribution and is cloned into those started later. Nothing
 * reaches the host (mini_init's namespace is a slave of it). With
 * LSL_MOUNT_BARE the loop device is only attached, held by mini_init.
 * Every loop device has autoclear: unmounting, or mini_init's end,
 * releases it.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk-image.h"
#include "disk-node.h"
#include "loop-dev.h"
#include "mini-init.h"
#include "mount-options.h"
#include "partition.h"
#include "util.h"

static void reply(struct lsl_mini_init *mi, uint64_t seq, int status, const char *message, const char *device)
{
	_cleanup_msg_ struct lsl_msg_builder b = { 0 };
	struct lsl_msg_mount_result *m;
	int r = lsl_msg_init(&b, LSL_MSG_MOUNT_RESULT, sizeof(*m));

	if (r == 0) {
		m = lsl_msg_body(&b);
		m->status = status;
		lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_mount_result, message), message);
		lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_mount_result, device), device);
		r = lsl_channel_send_builder(mi->control_fd, &b, seq, NULL, 0);
	}
	if (r < 0)
		log_warning_errno(r, "sending MOUNT_RESULT");
}

static struct lsl_disk *find_disk(struct lsl_mini_init *mi, const char *name)
{
	for (struct lsl_disk *d = mi->disks; d; d = d->next)
		if (streq(d->name, name))
			return d;
	return NULL;
}

static void disk_free(struct lsl_disk *d)
{
	if (d->loop_fd >= 0)
		close(d->loop_fd);
	free(d->name);
	free(d);
}

/* A filesystem type: a plain word the kernel knows, for disks (not "nodev" in /proc/filesystems). */
static int check_type(const char *type, struct lsl_err *e)
{
	_cleanup_close_ int probe = -1;
	_cleanup_free_ char *text = NULL;
	size_t n = type ? strlen(type) : 0;

	if (n == 0 || n > 32)
		return lsl_err_setf(e, EINVAL, "invalid filesystem type");
	for (const char *p = type; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && !strchr("._+-", *p))
			return lsl_err_setf(e, EINVAL, "invalid filesystem type '%s'", type);
	/* fsopen() loads the module of a type not loaded yet, so that /proc/filesystems lists it. */
	probe = fsopen(type, FSOPEN_CLOEXEC);
	if (probe < 0)
		return errno == ENODEV ? lsl_err_setf(e, ENODEV, "the kernel has no filesystem type '%s'", type)
				       : lsl_err_set(e, errno, "filesystem type '%s'", type);
	if (read_file_at(AT_FDCWD, "/proc/filesystems", 1 << 20, &text, NULL) == 0) {
		for (char *line = text, *next; line && *line; line = next) {
			next = strchr(line, '\n');
			if (next)
				*next++ = 0;
			char *tab = strchr(line, '\t');
			if (tab && streq(tab + 1, type) && startswith(line, "nodev"))
				return lsl_err_setf(e, EINVAL, "'%s' is not a filesystem that lives on a disk", type);
		}
	}
	return 0;
}

/* mount(8) words as fsmount() attributes and filesystem flags. */
static unsigned mount_attrs(unsigned long flags)
{
	unsigned a = 0;

	if (flags & MS_NOSUID)
		a |= MOUNT_ATTR_NOSUID;
	if (flags & MS_NODEV)
		a |= MOUNT_ATTR_NODEV;
	if (flags & MS_NOEXEC)
		a |= MOUNT_ATTR_NOEXEC;
	if (flags & MS_NOATIME)
		a |= MOUNT_ATTR_NOATIME;
	else if (flags & MS_STRICTATIME)
		a |= MOUNT_ATTR_STRICTATIME;
	if (flags & MS_NODIRATIME)
		a |= MOUNT_ATTR_NODIRATIME;
	return a;
}

/* The filesystem options: what the kernel's parser takes, plus the flags that are superblock flags. */
static char *fs_data(const struct lsl_mount_options *o)
{
	static const struct {
		unsigned long flag;
		const char *word;
	} sb_words[] = { { MS_SYNCHRONOUS, "sync" }, { MS_DIRSYNC, "dirsync" }, { MS_LAZYTIME, "lazytime" },
			 { MS_SILENT, "silent" } };
	char *data = strdup(o->data ? o->data : "");

	for (size_t k = 0; data && k < ARRAY_SIZE(sb_words); k++) {
		char *more;
		if (!(o->flags & sb_words[k].flag))
			continue;
		more = strdup_printf("%s%s%s", data, *data ? "," : "", sb_words[k].word);
		free(data);
		data = more;
	}
	return data;
}

static int do_mount(struct lsl_mini_init *mi, const struct lsl_msg_mount *m, int disk_fd, struct lsl_disk **out,
		    char *device, size_t device_size, struct lsl_err *e)
{
	const char *disk = lsl_msg_str(m, m->disk), *type = lsl_msg_str(m, m->type);
	const char *options = lsl_msg_str(m, m->options), *name = lsl_msg_str(m, m->name);
	_cleanup_(lsl_mount_options_free) struct lsl_mount_options o = { 0 };
	_cleanup_close_ int loop = -1, mnt = -1, dir = -1, target = -1;
	_cleanup_free_ char *data = NULL;
	bool bare = m->flags & LSL_MOUNT_BARE, ro;
	unsigned part = (m->flags & LSL_MOUNT_PARTITION) ? m->partition : 0;
	struct lsl_partition pt = { 0 };
	char shown[PATH_MAX + 32];
	struct lsl_disk *d;
	struct stat st;
	int index, r, fl;

	if (!lsl_mount_name_valid(name))
		return lsl_err_setf(e, EINVAL, "invalid mount name");
	if (isempty(disk) || disk[0] != '/')
		return lsl_err_setf(e, EINVAL, "the disk must be named by an absolute path");
	if (find_disk(mi, name))
		return lsl_err_setf(e, EEXIST, "a disk is already mounted as %s", name);
	if ((m->flags & LSL_MOUNT_PARTITION) && (part == 0 || part > 4096))
		return lsl_err_setf(e, EINVAL, "invalid partition number %u", m->partition);
	if (fstat(disk_fd, &st) < 0)
		return lsl_err_set(e, errno, "%s", disk);
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return lsl_err_setf(e, EINVAL, "%s is neither a block device nor a disk image file", disk);
	r = lsl_mount_options_parse(options, &o, e);
	if (r < 0)
		return r;
	if (o.bind || o.propagation || (o.flags & MS_REMOUNT))
		return lsl_err_setf(e, EINVAL, "bind, remount and propagation options cannot be used for a disk");
	fl = fcntl(disk_fd, F_GETFL);
	ro = (o.flags & MS_RDONLY) || (m->flags & LSL_MOUNT_READ_ONLY) || (fl >= 0 && (fl & O_ACCMODE) == O_RDONLY);
	if (!bare) {
		r = check_type(type ? type : "ext4", e);
		if (r < 0)
			return r;
	}

	/* A partition is read from the table here and attached alone: no kernel partition parser needed. */
	if (part) {
		r = lsl_partition_find_fd(disk_fd, part, &pt, e);
		if (r == -ENOENT)
			return lsl_err_setf(e, ENOENT, "%s has no partition %u", disk, part);
		if (r < 0)
			return lsl_err_prefix(e, "%s", disk);
	}
	loop = lsl_loop_attach_range(disk_fd, ro ? LSL_LOOP_READ_ONLY : 0, disk, pt.offset, pt.size, &index, e);
	if (loop < 0)
		return lsl_err_prefix(e, "%s", disk);
	lsl_loop_path(index, 0, device, device_size);

	d = calloc(1, sizeof(*d));
	if (!d || !(d->name = strdup(name))) {
		free(d);
		return lsl_err_set(e, ENOMEM, "mounting %s", disk);
	}
	d->loop_fd = -1;
	if (bare) {
		if (fstat(loop, &st) < 0) {
			r = errno;
			disk_free(d);
			return lsl_err_set(e, r, "attaching %s", disk);
		}
		d->rdev = st.st_rdev;
		snprintf(d->node, sizeof(d->node), "loop%d", index);
		/* Nothing else holds it: the device lives as long as this fd. */
		d->loop_fd = TAKE_FD(loop);
		*out = d;
		return 0;
	}

	data = fs_data(&o);
	if (!data) {
		disk_free(d);
		return lsl_err_set(e, ENOMEM, "mounting %s", disk);
	}
	if (part)
		snprintf(shown, sizeof(shown), "partition %u of %s", part, disk);
	else
		snprintf(shown, sizeof(shown), "%s", disk);
	mnt = lsl_mount_detached(device, shown, type ? type : "ext4", ro, *data ? data : NULL, mount_attrs(o.flags), e);
	if (mnt < 0) {
		disk_free(d);
		return mnt;
	}
	dir = open(mi->mnt_wsl, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0) {
		disk_free(d);
		return lsl_err_set(e, errno, "opening %s", mi->mnt_wsl);
	}
	/* A distribution may have made this name in /mnt/wsl (even a symlink): never mount over what it made. */
	if (mkdirat(dir, name, 0755) < 0) {
		r = errno;
		disk_free(d);
		if (r == EEXIST)
			return lsl_err_setf(e, EEXIST, "/mnt/wsl/%s already exists: choose another name with --name", name);
		return lsl_err_set(e, r, "creating /mnt/wsl/%s", name);
	}
	target = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (target < 0 || move_mount(mnt, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) {
		r = errno;
		(void)unlinkat(dir, name, AT_REMOVEDIR);
		disk_free(d);
		return lsl_err_set(e, r, "mounting %s on /mnt/wsl/%s", disk, name);
	}
	d->mounted = true;
	*out = d;
	return 0;
}

void lsl_handle_mount(struct lsl_mini_init *mi, struct lsl_received *r)
{
	const struct lsl_msg_mount *m = r->msg;
	uint64_t seq = lsl_received_header(r)->seq;
	struct lsl_disk *d = NULL;
	struct lsl_err e = { 0 };
	char device[64] = "";

	if (do_mount(mi, m, r->fds[0], &d, device, sizeof(device), &e) < 0) {
		log_warning("MOUNT: %s", lsl_err_str(&e));
		reply(mi, seq, e.code ? e.code : -EIO, lsl_err_str(&e), NULL);
		return;
	}
	d->next = mi->disks;
	mi->disks = d;
	if (d->node[0])
		lsl_disk_node_everywhere(mi, d, true);
	log_info("%s %s as %s (%s)", d->mounted ? "mounted" : "attached", lsl_msg_str(m, m->disk), d->name, device);
	reply(mi, seq, 0, NULL, device);
}

/* Unmount (everywhere: the unmount propagates to the distributions' copies) and forget d. */
static int release(struct lsl_mini_init *mi, struct lsl_disk *d, int umount_flags, struct lsl_err *e)
{
	_cleanup_free_ char *path = NULL;

	if (d->mounted) {
		path = strdup_printf("%s/%s", mi->mnt_wsl, d->name);
		if (!path)
			return lsl_err_set(e, ENOMEM, "unmounting %s", d->name);
		if (umount2(path, umount_flags | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT) {
			if (errno == EBUSY)
				return lsl_err_setf(e, EBUSY, "/mnt/wsl/%s is in use in a distribution", d->name);
			return lsl_err_set(e, errno, "unmounting /mnt/wsl/%s", d->name);
		}
		if (rmdir(path) < 0 && errno != ENOENT)
			log_warning_errno(errno, "removing %s", path);
	}
	if (d->node[0])
		lsl_disk_node_everywhere(mi, d, false);
	for (struct lsl_disk **pp = &mi->disks; *pp; pp = &(*pp)->next)
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	disk_free(d);
	return 0;
}

void lsl_handle_unmount(struct lsl_mini_init *mi, const struct lsl_received *r)
{
	const struct lsl_msg_name *m = r->msg;
	const char *name = lsl_msg_str(m, m->name);
	uint64_t seq = lsl_received_header(r)->seq;
	struct lsl_disk *d = name ? find_disk(mi, name) : NULL;
	struct lsl_err e = { 0 };
	int ret;

	if (!d) {
		lsl_err_setf(&e, ENOENT, "no disk is mounted as %s", name && lsl_mount_name_valid(name) ? name : "that");
		ret = lsl_channel_send_result(mi->control_fd, seq, e.code, lsl_err_str(&e));
	} else if (release(mi, d, 0, &e) < 0) {
		log_warning("UNMOUNT: %s", lsl_err_str(&e));
		ret = lsl_channel_send_result(mi->control_fd, seq, e.code, lsl_err_str(&e));
	} else {
		log_info("unmounted %s", name);
		ret = lsl_channel_send_result(mi->control_fd, seq, 0, NULL);
	}
	if (ret < 0)
		log_warning_errno(ret, "sending RESULT");
}

void lsl_disks_release(struct lsl_mini_init *mi)
{
	struct lsl_err e = { 0 };

	/* Every distribution is gone: a detaching unmount cannot fail on a busy copy. */
	while (mi->disks)
		if (release(mi, mi->disks, MNT_DETACH, &e) < 0) {
			log_warning("%s", lsl_err_str(&e));
			struct lsl_disk *d = mi->disks;
			mi->disks = d->next;
			disk_free(d);
		}
}
