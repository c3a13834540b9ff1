/* SPDX-License-Identifier: MIT */
#include "automount.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mount-options.h"
#include "mount-util.h"
#include "util.h"

int lsl_host_root_fd_from_env(void)
{
	const char *s = getenv("LSL_HOST_ROOT_FD");
	struct stat st;
	int fd;

	if (!s || safe_atoi(s, &fd) < 0 || fd < 3 || fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode))
		fd = -1;
	unsetenv("LSL_HOST_ROOT_FD");
	if (fd >= 0)
		(void)fd_set_cloexec(fd, true);
	return fd;
}

/* mount(8) flags as mount_setattr() attributes; 0 on success, or the flag that has none. */
static int to_attr(const struct lsl_mount_options *o, struct mount_attr *attr)
{
	static const struct {
		unsigned long flag;
		uint64_t attr;
	} map[] = {
		{ MS_RDONLY, MOUNT_ATTR_RDONLY },   { MS_NOSUID, MOUNT_ATTR_NOSUID },
		{ MS_NODEV, MOUNT_ATTR_NODEV },     { MS_NOEXEC, MOUNT_ATTR_NOEXEC },
		{ MS_NODIRATIME, MOUNT_ATTR_NODIRATIME },
	};

	for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
		if (o->flags & map[i].flag)
			attr->attr_set |= map[i].attr;
		if (o->clear_flags & map[i].flag)
			attr->attr_clr |= map[i].attr;
	}
	/* The access-time policy is one field: set it whole. */
	if (o->flags & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)) {
		attr->attr_clr |= MOUNT_ATTR__ATIME;
		attr->attr_set |= (o->flags & MS_NOATIME)	 ? MOUNT_ATTR_NOATIME :
				  (o->flags & MS_STRICTATIME) ? MOUNT_ATTR_STRICTATIME :
								MOUNT_ATTR_RELATIME;
	}
	return 0;
}

static void apply_options(const char *options, int tree, struct lsl_warnings *w)
{
	struct lsl_mount_options o = { 0 };
	struct mount_attr attr = { 0 };
	struct lsl_err e = { 0 };

	if (isempty(options))
		return;
	if (lsl_mount_options_parse(options, &o, &e) < 0) {
		lsl_warn(w, "/etc/wsl.conf: automount.options: %s: ignored", lsl_err_str(&e));
		goto out;
	}
	if (o.data)
		lsl_warn(w, "/etc/wsl.conf: automount.options: '%s' does not apply to the host's filesystem: ignored",
			 o.data);
	(void)to_attr(&o, &attr);
	if ((attr.attr_set || attr.attr_clr) &&
	    mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
		lsl_warn(w, "/etc/wsl.conf: automount.options '%s': %s: ignored", options, strerror(errno));
out:
	lsl_mount_options_free(&o);
}

void lsl_automount_host(const struct lsl_wsl_conf *conf, int *host_root_fd, struct lsl_warnings *w)
{
	_cleanup_close_ int tree = *host_root_fd, target = -1;
	_cleanup_free_ char *path = NULL;
	const char *root = conf->automount_root ? conf->automount_root : "/mnt/";
	struct lsl_err e = { 0 };

	*host_root_fd = -1;
	if (!conf->automount_enabled)
		return;
	if (tree < 0) {
		lsl_warn(w, "the host's filesystem is not available: nothing mounted at %shost", root);
		return;
	}
	path = strdup_printf("%shost", root);
	if (!path) {
		lsl_warn(w, "mounting the host's filesystem: %s", strerror(ENOMEM));
		return;
	}
	target = lsl_open_dir_nofollow(path, 0755, true, &e);
	if (target < 0) {
		lsl_warn(w, "mounting the host's filesystem: %s", lsl_err_str(&e));
		return;
	}
	apply_options(conf->automount_options, tree, w);
	if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		lsl_warn(w, "mounting the host's filesystem on %s: %s", path, strerror(errno));
}
