/* SPDX-License-Identifier: MIT */
#include "fstab-mount.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mount-options.h"
#include "mount-util.h"
#include "root-file.h"
#include "util.h"

#define FSTAB_MAX (1024 * 1024)

/* Flags mount(2) takes on a bind's read-only remount (the rest would be refused or ignored). */
#define BIND_REMOUNT_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | \
			    MS_RELATIME | MS_STRICTATIME)

static bool is_swap_or_none(const struct lsl_fstab_entry *f)
{
	return streq(f->type, "swap") || streq(f->file, "none") || streq(f->file, "swap") ||
	       streq(f->type, "ignore");
}

/* Sources by UUID=, LABEL= or a block device cannot exist here: /dev holds no disks. */
static bool needs_block_device(const char *spec)
{
	return startswith(spec, "UUID=") || startswith(spec, "LABEL=") || startswith(spec, "PARTUUID=") ||
	       startswith(spec, "PARTLABEL=") || startswith(spec, "/dev/");
}

static int do_mount(const struct lsl_fstab_entry *f, const struct lsl_mount_options *o, int target_fd,
		    struct lsl_err *e)
{
	char target[64];
	unsigned long flags = o->flags & ~(unsigned long)MS_REMOUNT;

	/* The mount point was opened without following symlinks; mount(2) goes through that very fd. */
	snprintf(target, sizeof(target), "/proc/self/fd/%d", target_fd);
	if (o->bind) {
		if (mount(f->spec, target, NULL, MS_BIND | (flags & MS_REC), NULL) < 0)
			return lsl_err_set(e, errno, "mounting %s on %s", f->spec, f->file);
		if ((flags & BIND_REMOUNT_FLAGS) &&
		    mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | (flags & BIND_REMOUNT_FLAGS), NULL) < 0)
			return lsl_err_set(e, errno, "applying the options of %s", f->file);
	} else if (mount(f->spec, target, f->type, flags & ~(unsigned long)MS_REC, o->data) < 0) {
		return lsl_err_set(e, errno, "mounting %s on %s", f->spec, f->file);
	}
	if (o->propagation && mount(NULL, target, NULL, o->propagation, NULL) < 0)
		return lsl_err_set(e, errno, "setting the propagation of %s", f->file);
	return 0;
}

static void mount_one(const struct lsl_fstab_entry *f, struct lsl_warnings *w)
{
	struct lsl_mount_options o = { 0 };
	struct lsl_err e = { 0 };
	_cleanup_close_ int target = -1;
	struct stat st;

	if (lsl_mount_options_parse(f->options, &o, &e) < 0) {
		lsl_warn(w, "/etc/fstab:%u: %s", f->line, lsl_err_str(&e));
		goto out;
	}
	if (o.noauto || is_swap_or_none(f))
		goto out;
	if (o.flags & MS_REMOUNT) {
		lsl_warn(w, "/etc/fstab:%u: remount entries are not supported: skipped", f->line);
		goto out;
	}
	if (!o.bind && needs_block_device(f->spec)) {
		if (!o.nofail)
			lsl_warn(w, "/etc/fstab:%u: %s: a distribution has no block devices: skipped", f->line, f->spec);
		goto out;
	}
	if (o.bind && stat(f->spec, &st) < 0) {
		if (!o.nofail)
			lsl_warn(w, "/etc/fstab:%u: %s: %s", f->line, f->spec, strerror(errno));
		goto out;
	}
	target = lsl_open_dir_nofollow(f->file, 0755, false, &e);
	if (target < 0) {
		lsl_warn(w, "/etc/fstab:%u: %s", f->line, lsl_err_str(&e));
		goto out;
	}
	if (do_mount(f, &o, target, &e) < 0 && !(o.nofail && e.code == -ENOENT))
		lsl_warn(w, "/etc/fstab:%u: %s", f->line, lsl_err_str(&e));
out:
	lsl_mount_options_free(&o);
}

void lsl_mount_fstab(int rootfd, struct lsl_warnings *w)
{
	_cleanup_free_ char *text = NULL;
	struct lsl_fstab_entry *entries = NULL;
	size_t n = 0;
	int r = lsl_read_root_file(rootfd, "/etc/fstab", FSTAB_MAX, &text);

	if (r == -ENOENT)
		return;
	if (r < 0) {
		lsl_warn(w, "reading /etc/fstab: %s", strerror(-r));
		return;
	}
	if (lsl_fstab_parse("/etc/fstab", text, &entries, &n, lsl_warn_cb, w) < 0) {
		lsl_warn(w, "reading /etc/fstab: %s", strerror(ENOMEM));
		return;
	}
	for (size_t i = 0; i < n; i++)
		mount_one(&entries[i], w);
	lsl_fstab_free(entries, n);
}
