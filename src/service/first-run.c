/* SPDX-License-Identifier: MIT */
#include "first-run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "channel.h"
#include "protocol.h"
#include "util.h"

struct lsl_first_run {
	int control_fd;
	struct lsl_watch *watch;
	lsl_first_run_done_fn done;
	void *userdata;
	bool finished;
};

static void finish(struct lsl_first_run *f, int exit_code, const char *message)
{
	if (f->finished)
		return;
	f->finished = true;
	lsl_loop_unwatch(f->watch);
	f->watch = NULL;
	f->done(f->userdata, exit_code, message);
}

static void control_event(void *userdata, uint32_t events)
{
	struct lsl_first_run *f = userdata;
	_cleanup_received_ struct lsl_received m = { .nfds = 0 };
	struct lsl_err e = { 0 };
	int r = lsl_channel_recv(f->control_fd, &m, &e);

	if (r == -EAGAIN)
		return;
	if (r < 0) {
		finish(f, r == -ECONNRESET ? -EPIPE : r, "the session ended before the first-run command did");
		return;
	}
	switch (lsl_received_header(&m)->type) {
	case LSL_MSG_PROCESS_STARTED:
		return;
	case LSL_MSG_PROCESS_FAILED: {
		const struct lsl_msg_process_failed *pf = m.msg;
		const char *text = lsl_msg_str(pf, pf->message);
		finish(f, pf->status < 0 ? pf->status : -EIO, text ? text : "it could not be started");
		return;
	}
	case LSL_MSG_EXIT_STATUS: {
		const struct lsl_msg_exit_status *es = m.msg;
		finish(f, es->exit_code > 255 ? 255 : (int)es->exit_code, NULL);
		return;
	}
	default:
		return;
	}
}

int lsl_first_run_start(struct lsl_loop *loop, int session_fd, const char *distribution, const char *command,
			const int stdio[3], const char *const *env, lsl_first_run_done_fn done, void *userdata,
			struct lsl_first_run **out)
{
	const char *argv[] = { "sh", "-c", command, NULL };
	_cleanup_msg_ struct lsl_msg_builder b = { 0 };
	_cleanup_close_ int theirs = -1;
	struct lsl_msg_create_process *cp;
	struct lsl_first_run *f;
	int sv[2], fds[4], r;

	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	*f = (struct lsl_first_run){ .control_fd = -1, .done = done, .userdata = userdata };
	r = lsl_channel_pair(sv);
	if (r < 0)
		goto fail;
	f->control_fd = sv[0];
	theirs = sv[1];
	r = lsl_msg_init(&b, LSL_MSG_CREATE_PROCESS, sizeof(*cp));
	if (r < 0)
		goto fail;
	cp = lsl_msg_body(&b);
	cp->default_uid = 0;
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_create_process, distribution), distribution);
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_create_process, user), "0");
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_create_process, cwd), "/");
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_create_process, filename), "/bin/sh");
	lsl_msg_put_strv(&b, LSL_FIELD(lsl_msg_create_process, argv), argv);
	lsl_msg_put_strv(&b, LSL_FIELD(lsl_msg_create_process, env), env);
	fds[0] = stdio[0];
	fds[1] = stdio[1];
	fds[2] = stdio[2];
	fds[3] = theirs;
	r = fd_set_nonblock(f->control_fd, true);
	if (r == 0)
		r = lsl_channel_send_builder(session_fd, &b, lsl_channel_next_seq(), fds, 4);
	if (r < 0)
		goto fail;
	f->watch = lsl_loop_watch(loop, f->control_fd, EPOLLIN, control_event, f);
	if (!f->watch) {
		r = -errno;
		goto fail;
	}
	*out = f;
	return 0;
fail:
	lsl_first_run_free(f);
	return r;
}

void lsl_first_run_free(struct lsl_first_run *f)
{
	if (!f)
		return;
	lsl_loop_unwatch(f->watch);
	if (f->control_fd >= 0)
		close(f->control_fd);
	free(f);
}
