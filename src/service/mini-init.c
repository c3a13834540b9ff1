/* SPDX-License-Identifier: MIT */
#include "mini-init.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "channel.h"
#include "disk-mount.h"
#include "instance.h"
#include "paths.h"
#include "service.h"
#include "spawn.h"
#include "util.h"

#define MINI_INIT_EXIT_MS 10000 /* how long mini_init may take to kill every init and exit */
#define EARLY_MAX 32

struct early_exit {
	pid_t pid;
	int status;
};

/* A request whose reply goes to a callback (lsl_mini_init_request). */
struct pending_reply {
	struct pending_reply *next;
	uint64_t seq;
	lsl_mini_init_reply_fn fn;
	void *userdata;
};

struct lsl_mini_init {
	struct lsl_service *svc;
	struct lsl_child *child;
	int ctl_fd, notify_fd;
	struct lsl_watch *ctl_watch, *notify_watch;
	/* CHILD_EXITs read before the LAUNCH_INIT_RESULT that names their pid (two channels, no order). */
	struct early_exit early[EARLY_MAX];
	size_t nearly;
	bool interop; /* SET_INTEROP{1} was sent last */
	struct pending_reply *pending;
};

/* mini_init is gone: every request waiting for a reply gets none (NULL), and its disks are gone. */
static void fail_pending(struct lsl_mini_init *mi)
{
	struct pending_reply *p;

	while ((p = mi->pending)) {
		mi->pending = p->next;
		p->fn(p->userdata, NULL);
		free(p);
	}
	lsl_disk_mounts_lost(mi->svc);
}

/* The reply m answers a request of lsl_mini_init_request(): hand it over. Returns whether it did. */
static bool take_pending(struct lsl_mini_init *mi, const struct lsl_received *m)
{
	for (struct pending_reply **pp = &mi->pending; *pp; pp = &(*pp)->next) {
		struct pending_reply *p = *pp;
		if (p->seq != lsl_received_header(m)->seq)
			continue;
		*pp = p->next;
		p->fn(p->userdata, m);
		free(p);
		return true;
	}
	return false;
}

static void close_channels(struct lsl_mini_init *mi)
{
	lsl_loop_unwatch(mi->ctl_watch);
	lsl_loop_unwatch(mi->notify_watch);
	mi->ctl_watch = mi->notify_watch = NULL;
	if (mi->ctl_fd >= 0)
		close(mi->ctl_fd);
	if (mi->notify_fd >= 0)
		close(mi->notify_fd);
	mi->ctl_fd = mi->notify_fd = -1;
}

static int spawn(struct lsl_service *svc, struct lsl_err *e);

static void mini_init_exited(void *userdata, int status)
{
	struct lsl_mini_init *mi = userdata;
	struct lsl_service *svc = mi->svc;
	bool had_instances = !TAILQ_EMPTY(&svc->instances);

	log_error("mini_init exited unexpectedly (%s): every running distribution is lost",
		  lsl_wait_status_str(status));
	close_channels(mi);
	svc->mini_init = NULL;
	fail_pending(mi);
	free(mi);
	lsl_instance_mini_init_lost(svc);
	/*
	 * Its inits died with it (PR_SET_PDEATHSIG), their cgroups did not: a new
	 * mini_init removes them as it starts. Only when it ran distributions, so
	 * that one that cannot even start is not restarted in a loop.
	 */
	if (had_instances && !svc->shutting_down && !svc->mini_init) {
		struct lsl_err e = { 0 };
		if (spawn(svc, &e) < 0)
			log_error("%s", lsl_err_str(&e));
	}
}

static void take_early_exit(struct lsl_mini_init *mi, pid_t pid)
{
	for (size_t i = 0; i < mi->nearly; i++) {
		if (mi->early[i].pid != pid)
			continue;
		int status = mi->early[i].status;
		mi->early[i] = mi->early[--mi->nearly];
		lsl_instance_child_exit(mi->svc, pid, status);
		return;
	}
}

/* One message on the control channel. Returns false when there is nothing (more) to read. */
static bool read_control(struct lsl_mini_init *mi)
{
	_cleanup_received_ struct lsl_received m = { .nfds = 0 };
	struct lsl_err e = { 0 };
	const struct lsl_msg_header *h;
	int r;

	if (mi->ctl_fd < 0)
		return false;
	r = lsl_channel_recv(mi->ctl_fd, &m, &e);
	if (r == -EAGAIN)
		return false;
	if (r == -EBADMSG) {
		log_warning("mini_init sent a malformed message: %s", lsl_err_str(&e));
		return true;
	}
	if (r < 0) {
		/* It is exiting: its pidfd says when it is gone. */
		if (r != -ECONNRESET)
			log_warning_errno(r, "reading mini_init's channel");
		lsl_loop_unwatch(mi->ctl_watch);
		mi->ctl_watch = NULL;
		close(mi->ctl_fd);
		mi->ctl_fd = -1;
		return false;
	}
	h = lsl_received_header(&m);
	if (h->type != LSL_MSG_LAUNCH_INIT_RESULT && take_pending(mi, &m))
		return true;
	switch (h->type) {
	case LSL_MSG_LAUNCH_INIT_RESULT: {
		const struct lsl_msg_launch_init_result *res = m.msg;
		pid_t pid = res->status == 0 ? res->pid : 0;
		if (res->status == 0 && res->pid <= 0) {
			lsl_instance_launch_result(mi->svc, h->seq, -EPROTO, 0, "mini_init reported no pid");
			break;
		}
		lsl_instance_launch_result(mi->svc, h->seq, res->status > 0 ? -EIO : res->status, pid,
					   lsl_msg_str(m.msg, res->message));
		if (pid > 0)
			take_early_exit(mi, pid);
		break;
	}
	case LSL_MSG_RESULT: {
		const struct lsl_msg_result *res = m.msg;
		if (res->status < 0)
			log_warning("mini_init refused a request: %s",
				    lsl_msg_str(m.msg, res->message) ?: strerror(-res->status));
		break;
	}
	default:
		log_warning("ignoring an unexpected %s from mini_init", lsl_msg_type_name(h->type));
	}
	return true;
}

static void control_event(void *userdata, uint32_t events)
{
	read_control(userdata);
}

static void notify_event(void *userdata, uint32_t events)
{
	struct lsl_mini_init *mi = userdata;
	_cleanup_received_ struct lsl_received m = { .nfds = 0 };
	struct lsl_err e = { 0 };
	const struct lsl_msg_child_exit *x;
	int r;

	/* A LAUNCH_INIT_RESULT waiting on the other channel comes first. */
	while (read_control(mi))
		;
	r = lsl_channel_recv(mi->notify_fd, &m, &e);
	if (r == -EAGAIN)
		return;
	if (r == -EBADMSG) {
		log_warning("mini_init sent a malformed notification: %s", lsl_err_str(&e));
		return;
	}
	if (r < 0) {
		lsl_loop_unwatch(mi->notify_watch);
		mi->notify_watch = NULL;
		return;
	}
	if (lsl_received_header(&m)->type != LSL_MSG_CHILD_EXIT) {
		log_warning("ignoring an unexpected %s notification from mini_init",
			    lsl_msg_type_name(lsl_received_header(&m)->type));
		return;
	}
	x = m.msg;
	if (x->pid <= 0)
		return;
	if (!lsl_instance_child_exit(mi->svc, x->pid, x->wait_status)) {
		if (mi->nearly == EARLY_MAX)
			mi->nearly--; /* the oldest is surely stale */
		mi->early[mi->nearly++] = (struct early_exit){ .pid = x->pid, .status = x->wait_status };
	}
}

/* The environment mini_init runs with: where things are, and nothing of the caller's. */
static char **mini_init_env(void)
{
	_cleanup_free_ char *rt = strdup_printf("LSL_RUNTIME_DIR=%s", lsl_runtime_dir());
	_cleanup_free_ char *state = strdup_printf("LSL_STATE_DIR=%s", lsl_state_dir());
	const char *base[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", rt, state, NULL };

	if (!rt || !state)
		return NULL;
	return lsl_helper_env(base);
}

static int spawn(struct lsl_service *svc, struct lsl_err *e)
{
	_cleanup_free_ char *path = lsl_helper_path("mini_init");
	_cleanup_strv_free_ char **env = mini_init_env();
	_cleanup_close_ int ctl0 = -1, ctl1 = -1, n0 = -1, n1 = -1;
	char *argv[] = { (char *)"mini_init", NULL };
	struct lsl_mini_init *mi;
	int sv[2], r;

	if (!path || !env)
		return lsl_err_set(e, ENOMEM, "starting mini_init");
	r = lsl_channel_pair(sv);
	if (r < 0)
		return lsl_err_set(e, r, "starting mini_init: socketpair");
	ctl0 = sv[0];
	ctl1 = sv[1];
	r = lsl_channel_pair(sv);
	if (r < 0)
		return lsl_err_set(e, r, "starting mini_init: socketpair");
	n0 = sv[0];
	n1 = sv[1];
	if (fd_set_nonblock(ctl0, true) < 0 || fd_set_nonblock(n0, true) < 0)
		return lsl_err_set(e, errno, "starting mini_init");

	mi = calloc(1, sizeof(*mi));
	if (!mi)
		return lsl_err_set(e, ENOMEM, "starting mini_init");
	*mi = (struct lsl_mini_init){ .svc = svc, .ctl_fd = -1, .notify_fd = -1 };

	const int fds[] = { -1, STDOUT_FILENO, STDERR_FILENO, ctl1, n1 };
	const struct lsl_spawn_opts o = { .path = path, .argv = argv, .envp = env, .fds = fds, .nfds = ARRAY_SIZE(fds) };
	r = lsl_child_spawn(svc->loop, &o, mini_init_exited, mi, &mi->child, e);
	if (r < 0) {
		free(mi);
		return r;
	}
	mi->ctl_fd = TAKE_FD(ctl0);
	mi->notify_fd = TAKE_FD(n0);
	mi->ctl_watch = lsl_loop_watch(svc->loop, mi->ctl_fd, EPOLLIN, control_event, mi);
	mi->notify_watch = lsl_loop_watch(svc->loop, mi->notify_fd, EPOLLIN, notify_event, mi);
	svc->mini_init = mi;
	if (!mi->ctl_watch || !mi->notify_watch) {
		r = lsl_err_set(e, errno, "watching mini_init's channels");
		lsl_mini_init_stop(svc);
		return r;
	}
	log_info("mini_init started (pid %d)", (int)lsl_child_pid(mi->child));
	return 0;
}

int lsl_mini_init_launch(struct lsl_service *svc, const char *name, const char *rootfs, const char *cgroup,
			 uint32_t flags, int init_fd, uint64_t *seq, struct lsl_err *e)
{
	_cleanup_msg_ struct lsl_msg_builder b = { 0 };
	_cleanup_close_ int image = -1;
	int r;

	/* An image distribution: rootfs is its image, opened here for mini_init to mount. */
	if (flags & LSL_LAUNCH_IMAGE) {
		image = open(rootfs, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
		if (image < 0)
			return lsl_err_set(e, errno, "opening the disk image %s", rootfs);
	}

	if (!svc->mini_init || svc->mini_init->ctl_fd < 0) {
		if (svc->mini_init)
			return lsl_err_setf(e, EAGAIN, "mini_init is exiting: try again");
		r = spawn(svc, e);
		if (r < 0)
			return r;
	}
	r = lsl_msg_init(&b, LSL_MSG_LAUNCH_INIT, sizeof(struct lsl_msg_launch_init));
	if (r < 0)
		return lsl_err_set(e, r, "preparing LAUNCH_INIT");
	((struct lsl_msg_launch_init *)lsl_msg_body(&b))->flags = flags;
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_launch_init, name), name);
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_launch_init, rootfs), rootfs);
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_launch_init, cgroup), cgroup);
	*seq = lsl_channel_next_seq();
	r = lsl_channel_send_builder(svc->mini_init->ctl_fd, &b, *seq, (const int[]){ init_fd, image }, image >= 0 ? 2 : 1);
	if (r < 0)
		return lsl_err_set(e, r, "sending LAUNCH_INIT to mini_init");
	return 0;
}

int lsl_mini_init_request(struct lsl_service *svc, struct lsl_msg_builder *b, const int *fds, size_t nfds,
			  lsl_mini_init_reply_fn fn, void *userdata, struct lsl_err *e)
{
	struct pending_reply *p;
	int r;

	if (!svc->mini_init || svc->mini_init->ctl_fd < 0) {
		if (svc->mini_init)
			return lsl_err_setf(e, EAGAIN, "mini_init is exiting: try again");
		r = spawn(svc, e);
		if (r < 0)
			return r;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return lsl_err_set(e, ENOMEM, "asking mini_init");
	*p = (struct pending_reply){ .seq = lsl_channel_next_seq(), .fn = fn, .userdata = userdata };
	r = lsl_channel_send_builder(svc->mini_init->ctl_fd, b, p->seq, fds, nfds);
	if (r < 0) {
		free(p);
		return lsl_err_set(e, r, "sending a request to mini_init");
	}
	p->next = svc->mini_init->pending;
	svc->mini_init->pending = p;
	return 0;
}

int lsl_mini_init_kill(struct lsl_service *svc, pid_t pid)
{
	struct lsl_msg_kill_init k = { .hdr = { .type = LSL_MSG_KILL_INIT, .size = sizeof(k) }, .pid = pid };

	if (!svc->mini_init || svc->mini_init->ctl_fd < 0)
		return -ESRCH;
	k.hdr.seq = lsl_channel_next_seq();
	return lsl_channel_send(svc->mini_init->ctl_fd, &k, sizeof(k), NULL, 0);
}

void lsl_mini_init_set_interop(struct lsl_service *svc, bool enabled)
{
	struct lsl_msg_set_interop m = { .hdr = { .type = LSL_MSG_SET_INTEROP, .size = sizeof(m) }, .enabled = enabled };
	struct lsl_mini_init *mi = svc->mini_init;
	int r;

	if (!mi || mi->ctl_fd < 0 || mi->interop == enabled)
		return;
	m.hdr.seq = lsl_channel_next_seq();
	r = lsl_channel_send(mi->ctl_fd, &m, sizeof(m), NULL, 0);
	if (r < 0) {
		log_warning_errno(r, "sending SET_INTEROP to mini_init");
		return;
	}
	mi->interop = enabled;
}

void lsl_mini_init_recheck_interop(struct lsl_service *svc)
{
	struct lsl_msg_set_interop m = { .hdr = { .type = LSL_MSG_SET_INTEROP, .size = sizeof(m) }, .enabled = 1 };
	struct lsl_mini_init *mi = svc->mini_init;
	int r;

	if (!mi || mi->ctl_fd < 0 || !mi->interop)
		return;
	m.hdr.seq = lsl_channel_next_seq();
	r = lsl_channel_send(mi->ctl_fd, &m, sizeof(m), NULL, 0);
	if (r < 0)
		log_warning_errno(r, "sending SET_INTEROP to mini_init");
}

void lsl_mini_init_stop(struct lsl_service *svc)
{
	struct lsl_mini_init *mi = svc->mini_init;

	if (!mi)
		return;
	svc->mini_init = NULL;
	/* EOF on its control channel: it kills every init, removes their cgroups and exits. */
	close_channels(mi);
	lsl_child_wait_detach(mi->child, MINI_INIT_EXIT_MS);
	fail_pending(mi);
	free(mi);
}

void lsl_mini_init_clean_leftovers(struct lsl_service *svc)
{
	static const char *const roots[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	struct lsl_err e = { 0 };
	bool found = false;

	for (size_t i = 0; i < ARRAY_SIZE(roots) && !found; i++) {
		_cleanup_free_ char *path = strdup_printf("%s/%s", roots[i], lsl_cgroup_base());
		found = path && access(path, F_OK) == 0;
	}
	if (!found || svc->mini_init)
		return;
	log_info("cgroups below %s are left from an earlier run: starting mini_init to remove them", lsl_cgroup_base());
	if (spawn(svc, &e) < 0)
		log_error("%s", lsl_err_str(&e));
}
