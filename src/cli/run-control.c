/* SPDX-License-Identifier: MIT */
/* lsl's end of a run's control socket, shared by run.c and the pty relay. */
#include "run-control.h"

#include <errno.h>
#include <string.h>

#include "channel.h"
#include "output.h"
#include "util.h"

void lsl_run_forward_signal(int ctrl, int sig)
{
	_cleanup_msg_ struct lsl_msg_builder b = { 0 };

	if (lsl_msg_init(&b, LSL_MSG_SIGNAL, sizeof(struct lsl_msg_signal)) < 0)
		return;
	((struct lsl_msg_signal *)lsl_msg_body(&b))->signo = sig;
	/* If the session leader is gone, EOF on the control socket says the rest. */
	if (lsl_channel_send_builder(ctrl, &b, lsl_channel_next_seq(), NULL, 0) < 0)
		log_debug("could not forward signal %d", sig);
}

static int exit_code_of(uint32_t code) { return code > 255 ? 255 : (int)code; }

int lsl_run_control(int ctrl, int *code, bool *started, int *master, struct lsl_err *e)
{
	_cleanup_received_ struct lsl_received m = { .nfds = 0 };
	struct lsl_err bad = { 0 };
	int r = lsl_channel_recv(ctrl, &m, &bad);

	if (r == -ECONNRESET)
		return lsl_err_setf(e, r, "the distribution stopped before the process exited");
	if (r == -EBADMSG) {
		log_debug("ignoring a malformed message on the control socket: %s", lsl_err_str(&bad));
		return 1;
	}
	if (r < 0)
		return lsl_err_set(e, r, "waiting for the process");

	switch (lsl_received_header(&m)->type) {
	case LSL_MSG_PROCESS_STARTED:
		if (*started) {
			log_debug("ignoring a second PROCESS_STARTED");
			return 1;
		}
		*started = true;
		if (m.nfds == 1)
			*master = TAKE_FD(m.fds[0]);
		return 1;
	case LSL_MSG_PROCESS_FAILED: {
		const struct lsl_msg_process_failed *f = m.msg;
		const char *msg = lsl_msg_str(m.msg, f->message);
		lsl_print_error(isempty(msg) ? strerror(f->status < 0 ? -f->status : EIO) : msg);
		*code = f->exit_code ? exit_code_of(f->exit_code) : 1;
		return 0;
	}
	case LSL_MSG_EXIT_STATUS:
		*code = exit_code_of(((const struct lsl_msg_exit_status *)m.msg)->exit_code);
		return 0;
	default:
		log_debug("ignoring %s on the control socket", lsl_msg_type_name(lsl_received_header(&m)->type));
		return 1;
	}
}
