/* SPDX-License-Identifier: MIT */
/*
 * The running inits, and what happens when one exits: reap it, empty its
 * cgroup (cgroup.kill, then wait for "populated 0" through EPOLLPRI on
 * cgroup.events), remove the cgroup, and only then tell the service with
 * CHILD_EXIT: a distribution is stopped when nothing of it is left.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image-root.h"
#include "mini-init.h"
#include "util.h"

void lsl_init_free(struct lsl_init *init)
{
	if (!init)
		return;
	if (init->pidfd >= 0)
		close(init->pidfd);
	lsl_cgroup_close(&init->cg);
	free(init->name);
	free(init);
}

struct lsl_init *lsl_init_find(struct lsl_mini_init *mi, pid_t pid)
{
	for (struct lsl_init *i = mi->inits; i; i = i->next)
		if (i->pid == pid)
			return i;
	return NULL;
}

struct lsl_init *lsl_init_find_name(struct lsl_mini_init *mi, const char *name)
{
	for (struct lsl_init *i = mi->inits; i; i = i->next)
		if (streq(i->name, name))
			return i;
	return NULL;
}

static void send_child_exit(struct lsl_mini_init *mi, const struct lsl_init *init)
{
	struct lsl_msg_child_exit m = {
		.hdr = { .type = LSL_MSG_CHILD_EXIT, .size = sizeof(m), .seq = 0 },
		.pid = init->pid,
		.wait_status = init->wait_status,
	};
	int r = lsl_channel_send(mi->notify_fd, &m, sizeof(m), NULL, 0);

	if (r < 0 && !mi->stopping)
		log_warning_errno(r, "sending CHILD_EXIT for %s", init->name);
}

/* The init and its cgroup are gone: forget it and tell the service. */
static void finish(struct lsl_mini_init *mi, struct lsl_init *init)
{
	struct lsl_init **pp;

	if (init->watching) {
		(void)epoll_ctl(mi->epoll_fd, EPOLL_CTL_DEL, init->cg.events_fd, NULL);
		init->watching = false;
	}
	(void)lsl_cgroup_remove(mi->cgroot_fd, &init->cg);
	if (init->image_root)
		lsl_image_root_remove(init->name);
	log_info("%s stopped (init %d, wait status %d)", init->name, (int)init->pid, init->wait_status);
	send_child_exit(mi, init);

	for (pp = &mi->inits; *pp; pp = &(*pp)->next)
		if (*pp == init) {
			*pp = init->next;
			break;
		}
	lsl_init_free(init);
	if (mi->stopping && !mi->inits) {
		log_info("the control channel is closed and every distribution has stopped: exiting");
		lsl_mini_init_exit(mi);
	}
}

/* An exited init: kill what is left in its cgroup, or finish once nothing is. */
static void advance(struct lsl_mini_init *mi, struct lsl_init *init)
{
	int r = lsl_cgroup_populated(&init->cg);

	if (r < 0)
		log_warning_errno(r, "reading cgroup.events of %s", init->name);
	if (r <= 0) {
		finish(mi, init);
		return;
	}
	log_debug("%s: killing what is left in its cgroup", init->name);
	r = lsl_cgroup_kill(&init->cg);
	if (r < 0)
		log_warning_errno(r, "killing what is left in the cgroup of %s", init->name);
	if (!init->watching) {
		/* kernfs reports every change of the file as EPOLLPRI. */
		r = epoll_watch(mi->epoll_fd, init->cg.events_fd, EPOLLPRI, ev_tag(EV_CGROUP, init->pid));
		if (r < 0) {
			log_error_errno(r, "watching the cgroup of %s", init->name);
			finish(mi, init);
			return;
		}
		init->watching = true;
	}
	/* It may have emptied before the watch was in place. */
	if (lsl_cgroup_populated(&init->cg) == 0)
		finish(mi, init);
}

void lsl_cgroup_event(struct lsl_mini_init *mi, pid_t pid)
{
	struct lsl_init *init = lsl_init_find(mi, pid);

	if (init && init->exited)
		advance(mi, init);
}

void lsl_reap_inits(struct lsl_mini_init *mi)
{
	for (;;) {
		struct lsl_init *init;
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			return;
		init = lsl_init_find(mi, pid);
		if (!init || init->exited) {
			log_debug("reaped process %d", (int)pid);
			continue;
		}
		init->exited = true;
		init->wait_status = status;
		if (init->pidfd >= 0)
			close(TAKE_FD(init->pidfd));
		advance(mi, init);
	}
}

void lsl_handle_kill_init(struct lsl_mini_init *mi, const struct lsl_received *r)
{
	const struct lsl_msg_kill_init *m = r->msg;
	uint64_t seq = lsl_received_header(r)->seq;
	struct lsl_init *init = m->pid > 0 ? lsl_init_find(mi, m->pid) : NULL;
	char why[128];
	int ret = 0;

	if (!init) {
		snprintf(why, sizeof(why), "process %d is not the init of a distribution", (int)m->pid);
		ret = lsl_channel_send_result(mi->control_fd, seq, -ESRCH, why);
	} else {
		/* An init that already exited is being cleaned up: that is success too. */
		if (!init->exited && syscall(SYS_pidfd_send_signal, init->pidfd, SIGKILL, NULL, 0) < 0 &&
		    errno != ESRCH) {
			int err = errno;
			snprintf(why, sizeof(why), "killing the init of %s: %s", init->name, strerror(err));
			ret = lsl_channel_send_result(mi->control_fd, seq, -err, why);
		} else {
			log_info("killing %s (init %d)", init->name, (int)init->pid);
			ret = lsl_channel_send_result(mi->control_fd, seq, 0, NULL);
		}
	}
	if (ret < 0)
		log_warning_errno(ret, "sending RESULT");
}

void lsl_kill_all_inits(struct lsl_mini_init *mi)
{
	for (struct lsl_init *i = mi->inits; i; i = i->next)
		if (!i->exited && syscall(SYS_pidfd_send_signal, i->pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
			log_warning_errno(errno, "killing the init of %s", i->name);
}
