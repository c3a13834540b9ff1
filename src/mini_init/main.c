/* SPDX-License-Identifier: MIT */
/*
 * mini_init: started by lslservice with fd 3 = control channel, fd 4 =
 * notification channel, stdout/stderr = the service log. It owns the mount
 * namespace every distribution is cloned from (with the shared /mnt/wsl),
 * starts each distribution's init on LAUNCH_INIT, kills one on KILL_INIT,
 * keeps lsl's binfmt_misc entry while SET_INTEROP asks for it, and
 * reports each init's end on the notification channel once its cgroup is
 * gone. When the control channel closes, it stops every distribution and
 * exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd-limit.h"
#include "mini-init.h"
#include "paths.h"
#include "util.h"

#define CONTROL_FD 3
#define NOTIFY_FD 4
#define LEFTOVER_WAIT_MS 10000 /* how long the cgroups a killed mini_init left may take to empty */

static void stop(struct lsl_mini_init *mi, const char *why)
{
	if (mi->stopping)
		return;
	log_info("%s: stopping every distribution", why);
	mi->stopping = true;
	if (mi->control_fd >= 0) {
		(void)epoll_ctl(mi->epoll_fd, EPOLL_CTL_DEL, mi->control_fd, NULL);
		close(TAKE_FD(mi->control_fd));
	}
	lsl_kill_all_inits(mi);
	if (!mi->inits)
		lsl_mini_init_exit(mi);
}

_noreturn_ void lsl_mini_init_exit(struct lsl_mini_init *mi)
{
	/* No distribution is left to want the binfmt_misc entry. */
	lsl_interop_release(mi);
	/* Nor the disks in /mnt/wsl: unmounted here, their loop devices released before the service hears of the exit. */
	lsl_disks_release(mi);
	exit(0);
}

static void control_event(struct lsl_mini_init *mi, uint32_t events)
{
	_cleanup_received_ struct lsl_received r = { 0 };
	struct lsl_err e = { 0 };
	uint32_t type;
	int ret;

	if (!(events & EPOLLIN)) {
		stop(mi, "the control channel hung up");
		return;
	}
	ret = lsl_channel_recv(mi->control_fd, &r, &e);
	if (ret == -EAGAIN || ret == -EINTR)
		return;
	if (ret == -EBADMSG) {
		log_warning("malformed message on the control channel: %s", lsl_err_str(&e));
		(void)lsl_channel_send_result(mi->control_fd, 0, -EBADMSG, lsl_err_str(&e));
		return;
	}
	if (ret < 0) {
		if (ret != -ECONNRESET)
			log_warning_errno(ret, "reading the control channel");
		stop(mi, "the control channel is closed");
		return;
	}
	type = lsl_received_header(&r)->type;
	switch (type) {
	case LSL_MSG_LAUNCH_INIT:
		lsl_handle_launch_init(mi, &r);
		break;
	case LSL_MSG_KILL_INIT:
		lsl_handle_kill_init(mi, &r);
		break;
	case LSL_MSG_SET_INTEROP:
		lsl_handle_set_interop(mi, &r);
		break;
	case LSL_MSG_MOUNT:
		lsl_handle_mount(mi, &r);
		break;
	case LSL_MSG_UNMOUNT:
		lsl_handle_unmount(mi, &r);
		break;
	default: {
		char why[96];
		snprintf(why, sizeof(why), "mini_init does not handle %s messages", lsl_msg_type_name(type));
		log_warning("%s", why);
		(void)lsl_channel_send_result(mi->control_fd, lsl_received_header(&r)->seq, -EBADMSG, why);
	}
	}
}

static void signal_event(struct lsl_mini_init *mi)
{
	struct signalfd_siginfo si;
	bool child = false;

	while (RETRY_EINTR(read(mi->signal_fd, &si, sizeof(si))) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			child = true;
		else if (si.ssi_signo == SIGHUP)
			log_debug("ignoring SIGHUP");
		else {
			char why[64];
			const char *abbrev = sigabbrev_np((int)si.ssi_signo);
			snprintf(why, sizeof(why), "SIG%s received", abbrev ? abbrev : "?");
			stop(mi, why);
		}
	}
	if (child)
		lsl_reap_inits(mi);
}

static _noreturn_ void serve(struct lsl_mini_init *mi)
{
	for (;;) {
		struct epoll_event events[16];
		int n = epoll_wait(mi->epoll_fd, events, ARRAY_SIZE(events), -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_error_errno(errno, "waiting for events");
			exit(1);
		}
		for (int i = 0; i < n; i++) {
			uint64_t tag = events[i].data.u64;

			switch (tag & 0xff) {
			case EV_CONTROL:
				if (mi->control_fd >= 0)
					control_event(mi, events[i].events);
				break;
			case EV_SIGNAL:
				signal_event(mi);
				break;
			case EV_CGROUP:
				lsl_cgroup_event(mi, (pid_t)(uint32_t)(tag >> 8));
				break;
			}
		}
	}
}

/* The cgroup2 hierarchy, opened once; its absence only fails launches, with the reason. */
static void open_cgroup_root(struct lsl_mini_init *mi)
{
	_cleanup_free_ char *path = NULL;
	struct lsl_err e = { 0 };

	if (lsl_cgroup2_mount(&path, &e) == 0) {
		mi->cgroot_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (mi->cgroot_fd >= 0)
			return;
		lsl_err_set(&e, errno, "opening %s", path);
	}
	log_warning("%s: distributions cannot start", lsl_err_str(&e));
	mi->cgroot_error = strdup(lsl_err_str(&e));
}

int main(int argc, char **argv)
{
	struct lsl_mini_init mi = { .control_fd = CONTROL_FD, .notify_fd = NOTIFY_FD, .epoll_fd = -1,
				    .signal_fd = -1, .cgroot_fd = -1, .binfmt_fd = -1 };
	struct lsl_err e = { 0 };
	sigset_t mask;
	int r;

	lsl_log_init("mini_init");
	if (argc > 1) {
		fprintf(stderr, "lsl: mini_init takes no arguments (it is started by lslservice)\n");
		return 2;
	}
	if (lsl_channel_check(CONTROL_FD) < 0 || lsl_channel_check(NOTIFY_FD) < 0) {
		fprintf(stderr, "lsl: mini_init: fds 3 and 4 must be lslservice's channels\n");
		return 2;
	}
	(void)fd_set_cloexec(CONTROL_FD, true);
	(void)fd_set_cloexec(NOTIFY_FD, true);
	umask(022);
	r = lsl_nofile_raise();
	if (r < 0)
		log_warning_errno(r, "raising the open file limit");

	/* Signals are read from a signalfd; a closed channel is an error return, not a death. */
	hold_lifecycle_signals(SIG_BLOCK, &mask);

	r = lsl_setup_mount_namespace(&mi.mnt_wsl, &e);
	if (r < 0) {
		log_error("%s", lsl_err_str(&e));
		return 1;
	}
	open_cgroup_root(&mi);
	/* A mini_init before us was killed: what it left must go before anything starts again. */
	if (mi.cgroot_fd >= 0) {
		r = lsl_cgroup_remove_leftovers(mi.cgroot_fd, lsl_cgroup_base(), LEFTOVER_WAIT_MS);
		if (r < 0)
			log_warning_errno(r, "removing the cgroups a previous mini_init left below %s", lsl_cgroup_base());
	}
	mi.init_path = lsl_helper_path("init");
	if (!mi.init_path)
		log_warning_errno(errno, "finding lsl's init program");

	mi.signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	mi.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	r = mi.signal_fd < 0 || mi.epoll_fd < 0 ? negative_errno() : 0;
	if (r == 0)
		r = fd_set_nonblock(mi.control_fd, true);
	if (r == 0)
		r = epoll_watch(mi.epoll_fd, mi.control_fd, EPOLLIN, ev_tag(EV_CONTROL, 0));
	if (r == 0)
		r = epoll_watch(mi.epoll_fd, mi.signal_fd, EPOLLIN, ev_tag(EV_SIGNAL, 0));
	if (r < 0) {
		log_error_errno(r, "setting up mini_init's event loop");
		return 1;
	}
	log_debug("ready: /mnt/wsl is %s, init is %s", mi.mnt_wsl, mi.init_path ? mi.init_path : "missing");
	serve(&mi);
}
