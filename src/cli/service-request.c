/* SPDX-License-Identifier: MIT */
/* One request to lslservice and its replies: WARNING*, PROGRESS*, LIST_ENTRY*, then RESULT. */
#include "service-client.h"

#include <errno.h>
#include <string.h>

#include "channel.h"
#include "output.h"
#include "util.h"

int lsl_service_send(int fd, struct lsl_msg_builder *b, const int *fds, size_t nfds, uint64_t *seq,
		     struct lsl_err *e)
{
	uint32_t type = ((struct lsl_msg_header *)lsl_msg_body(b))->type;
	int r;

	*seq = lsl_channel_next_seq();
	r = lsl_channel_send_builder(fd, b, *seq, fds, nfds);
	if (r == -EMSGSIZE || r == -E2BIG)
		return lsl_err_setf(e, r, "the request is too long for lslservice (at most %d bytes)",
				    LSL_MSG_MAX);
	if (r < 0)
		return lsl_err_set(e, r, "sending %s to lslservice", lsl_msg_type_name(type));
	return 0;
}

int lsl_service_reply_step(int fd, uint64_t seq, const struct lsl_reply_ops *ops, struct lsl_err *e)
{
	_cleanup_received_ struct lsl_received m = { .nfds = 0 };
	const struct lsl_msg_header *h;
	int r = lsl_channel_recv(fd, &m, e);

	if (r == -ECONNRESET)
		return lsl_err_setf(e, r, "lslservice closed the connection before answering");
	if (r == -EBADMSG)
		return lsl_err_prefix(e, "reading lslservice's answer");
	if (r < 0)
		return lsl_err_set(e, r, "reading lslservice's answer");

	h = lsl_received_header(&m);
	if (h->seq != seq)
		return lsl_err_setf(e, EBADMSG, "lslservice answered another request (%s for %ju, expected %ju)",
				    lsl_msg_type_name(h->type), (uintmax_t)h->seq, (uintmax_t)seq);
	switch (h->type) {
	case LSL_MSG_WARNING: {
		const struct lsl_msg_warning *w = m.msg;
		const char *text = lsl_msg_str(m.msg, w->text);
		if (!text)
			text = "(empty warning)";
		if (ops && ops->warning)
			ops->warning(ops->userdata, text);
		else
			lsl_print_warning(text);
		return 0;
	}
	case LSL_MSG_PROGRESS: {
		const struct lsl_msg_progress *p = m.msg;
		if (ops && ops->progress)
			ops->progress(ops->userdata, p->done, p->total);
		return 0;
	}
	case LSL_MSG_LIST_ENTRY:
		if (!ops || !ops->list_entry)
			break;
		r = ops->list_entry(ops->userdata, m.msg, e);
		return r < 0 ? r : 0;
	case LSL_MSG_MOUNT_ENTRY:
		if (!ops || !ops->mount_entry)
			break;
		r = ops->mount_entry(ops->userdata, m.msg, e);
		return r < 0 ? r : 0;
	case LSL_MSG_RESULT: {
		const struct lsl_msg_result *res = m.msg;
		const char *msg = lsl_msg_str(m.msg, res->message);
		if (res->status >= 0)
			return 1;
		if (isempty(msg))
			return lsl_err_setf(e, res->status, "lslservice: %s", strerror(-res->status));
		return lsl_err_setf(e, res->status, "%s", msg);
	}
	default:
		break;
	}
	return lsl_err_setf(e, EBADMSG, "lslservice sent an unexpected %s message", lsl_msg_type_name(h->type));
}

int lsl_service_request(int fd, struct lsl_msg_builder *b, const int *fds, size_t nfds,
			const struct lsl_reply_ops *ops, struct lsl_err *e)
{
	uint64_t seq;
	int r = lsl_service_send(fd, b, fds, nfds, &seq, e);

	while (r == 0)
		r = lsl_service_reply_step(fd, seq, ops, e);
	return r < 0 ? r : 0;
}

int lsl_service_simple_request(int fd, uint32_t type, const char *name, struct lsl_err *e)
{
	_cleanup_msg_ struct lsl_msg_builder b = { 0 };
	size_t size = name ? sizeof(struct lsl_msg_name) : sizeof(struct lsl_msg_empty);
	int r = lsl_msg_init(&b, type, size);

	if (r < 0)
		return lsl_err_set(e, r, "preparing %s", lsl_msg_type_name(type));
	if (name)
		lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_name, name), name);
	return lsl_service_request(fd, &b, NULL, 0, NULL, e);
}

int lsl_service_shutdown(int fd, struct lsl_err *e)
{
	_cleanup_received_ struct lsl_received m = { .nfds = 0 };
	int r = lsl_service_simple_request(fd, LSL_MSG_SHUTDOWN, NULL, e);

	if (r < 0)
		return r;
	/* The service closes every connection as it exits: that is "stopped". */
	for (;;) {
		lsl_received_free(&m);
		r = lsl_channel_recv(fd, &m, NULL);
		if (r == -ECONNRESET)
			return 0;
		if (r < 0 && r != -EBADMSG)
			return lsl_err_set(e, r, "waiting for lslservice to exit");
	}
}
