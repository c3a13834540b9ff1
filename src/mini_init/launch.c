/* SPDX-License-Identifier: MIT */
/*
 * LAUNCH_INIT: check the request, make the distribution's cgroup, clone its
 * init straight into it with new mount, pid, UTS, IPC and cgroup
 * namespaces, and answer with the host pid. The child's side is
 * distro-child.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "disk-node.h"
#include "distro-child.h"
#include "image-root.h"
#include "mini-init.h"
#include "paths.h"
#include "util.h"

static void reply(struct lsl_mini_init *mi, uint64_t seq, int status, pid_t pid, const char *message)
{
	_cleanup_msg_ struct lsl_msg_builder b;
	struct lsl_msg_launch_init_result *m;
	int r = lsl_msg_init(&b, LSL_MSG_LAUNCH_INIT_RESULT, sizeof(*m));

	if (r == 0) {
		m = lsl_msg_body(&b);
		m->status = status;
		m->pid = pid;
		lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_launch_init_result, message), message);
		r = lsl_channel_send_builder(mi->control_fd, &b, seq, NULL, 0);
	}
	if (r < 0)
		log_warning_errno(r, "sending LAUNCH_INIT_RESULT");
}

/* A root directory: absolute, bounded, and not the host's own root. */
static int check_rootfs(const char *rootfs, struct lsl_err *e)
{
	struct stat st, host;
	const char *p;

	if (isempty(rootfs))
		return lsl_err_setf(e, EINVAL, "no root directory given");
	if (rootfs[0] != '/')
		return lsl_err_setf(e, EINVAL, "the root directory %s is not an absolute path", rootfs);
	if (strlen(rootfs) >= PATH_MAX)
		return lsl_err_setf(e, ENAMETOOLONG, "the root directory path is too long");
	for (p = rootfs; *p == '/'; p++)
		;
	/* "/", "/.", "/x/..": a missing path is left to the child, which reports it in its words. */
	if (!*p || (stat(rootfs, &st) == 0 && stat("/", &host) == 0 && st.st_dev == host.st_dev &&
		    st.st_ino == host.st_ino))
		return lsl_err_setf(e, EINVAL, "the host's / cannot be a distribution's root directory");
	return 0;
}

static int check_channel(int fd, struct lsl_err *e)
{
	if (lsl_channel_check(fd) < 0)
		return lsl_err_setf(e, EINVAL, "the init channel is not a SOCK_SEQPACKET socket");
	return 0;
}

static pid_t clone_into(int cgroup_fd, int *pidfd)
{
	struct clone_args args = {
		.flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP |
			 CLONE_INTO_CGROUP | CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)pidfd,
		.exit_signal = SIGCHLD,
		.cgroup = (uint64_t)cgroup_fd,
	};

	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

void lsl_handle_launch_init(struct lsl_mini_init *mi, struct lsl_received *r)
{
	const struct lsl_msg_launch_init *m = r->msg;
	uint64_t seq = lsl_received_header(r)->seq;
	const char *name = lsl_msg_str(m, m->name);
	const char *rootfs = lsl_msg_str(m, m->rootfs);
	const char *cgroup = lsl_msg_str(m, m->cgroup);
	struct lsl_init *init = NULL;
	struct lsl_err e = { 0 };
	int channel = r->nfds >= 1 ? r->fds[0] : -1;
	bool image = m->flags & LSL_LAUNCH_IMAGE;
	int image_fd = image && r->nfds == 2 ? r->fds[1] : -1;
	_cleanup_free_ char *image_dir = NULL, *bare_disks = NULL;
	pid_t pid;

	if (!distro_name_valid(name)) {
		lsl_err_setf(&e, EINVAL, "invalid distribution name");
		goto fail;
	}
	if (image != (r->nfds == 2)) {
		lsl_err_setf(&e, EINVAL, "%s", image ? "no disk image came with the request"
						   : "an unexpected file descriptor came with the request");
		goto fail;
	}
	/* An image distribution's root is where mini_init mounts the image, not rootfs. */
	if ((!image && check_rootfs(rootfs, &e) < 0) ||
	    lsl_cgroup_check_path(cgroup, lsl_cgroup_base(), name, &e) < 0 || check_channel(channel, &e) < 0)
		goto fail;
	if (lsl_init_find_name(mi, name)) {
		lsl_err_setf(&e, EBUSY, "%s is still running", name);
		goto fail;
	}
	if (image && lsl_image_root_prepare(name, image_fd, &image_dir, &e) < 0)
		goto fail;
	if (!mi->init_path) {
		lsl_err_setf(&e, ENOENT, "lsl's init program was not found");
		goto fail;
	}
	if (mi->cgroot_fd < 0) {
		lsl_err_setf(&e, ENOENT, "%s", mi->cgroot_error ? mi->cgroot_error : "no cgroup2 hierarchy");
		goto fail;
	}

	init = calloc(1, sizeof(*init));
	if (!init || !(init->name = strdup(name))) {
		lsl_err_set(&e, ENOMEM, "starting %s", name);
		goto fail;
	}
	init->pidfd = -1;
	init->image_root = image;
	init->cg = (struct lsl_cgroup)LSL_CGROUP_INIT;
	if (lsl_cgroup_create(mi->cgroot_fd, lsl_cgroup_base(), name, &init->cg, &e) < 0)
		goto fail;

	bare_disks = lsl_bare_disks_env(mi);
	pid = clone_into(init->cg.dir_fd, &init->pidfd);
	if (pid < 0) {
		lsl_err_set(&e, errno, "creating the namespaces of %s", name);
		lsl_cgroup_remove(mi->cgroot_fd, &init->cg);
		goto fail;
	}
	if (pid == 0) {
		struct lsl_distro_child c = {
			.name = name,
			.rootfs = image ? image_dir : rootfs,
			.image_fd = image_fd,
			.init_path = mi->init_path,
			.mnt_wsl = mi->mnt_wsl,
			.channel_fd = channel,
			.safe_mode = m->flags & LSL_LAUNCH_SAFE_MODE,
			.bare_disks_env = bare_disks,
		};
		lsl_distro_child_run(&c);
	}

	init->pid = pid;
	init->next = mi->inits;
	mi->inits = init;
	log_info("started %s: init is pid %d", name, (int)pid);
	reply(mi, seq, 0, pid, NULL);
	return;

fail:
	lsl_init_free(init);
	if (image_dir)
		lsl_image_root_remove(name);
	log_warning("LAUNCH_INIT %s: %s", distro_name_valid(name) ? name : "?", lsl_err_str(&e));
	reply(mi, seq, e.code ? e.code : -EINVAL, 0, lsl_err_str(&e));
}
