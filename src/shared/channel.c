/* SPDX-License-Identifier: MIT */
#include "channel.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

void lsl_received_free(struct lsl_received *r)
{
	free(r->msg);
	r->msg = NULL;
	for (size_t i = 0; i < r->nfds; i++)
		if (r->fds[i] >= 0)
			close(r->fds[i]);
	r->nfds = 0;
}

uint64_t lsl_channel_next_seq(void)
{
	static _Atomic uint64_t seq = 1;
	return atomic_fetch_add(&seq, 1);
}

int lsl_channel_pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return negative_errno();
	return 0;
}

int lsl_channel_send(int fd, const void *msg, size_t len, const int *fds, size_t nfds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * LSL_MSG_MAX_FDS)];
	} control;
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (len > LSL_MSG_MAX || nfds > LSL_MSG_MAX_FDS)
		return -EMSGSIZE;
	if (nfds > 0) {
		struct cmsghdr *c;
		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	n = RETRY_EINTR(sendmsg(fd, &mh, MSG_NOSIGNAL));
	if (n < 0)
		return negative_errno();
	if ((size_t)n != len)
		return -EMSGSIZE;
	return 0;
}

int lsl_channel_send_builder(int fd, struct lsl_msg_builder *b, uint64_t seq, const int *fds, size_t nfds)
{
	int r = lsl_msg_finish(b, seq);
	if (r < 0)
		return r;
	return lsl_channel_send(fd, b->buf, b->size, fds, nfds);
}

int lsl_channel_recv(int fd, struct lsl_received *r, struct lsl_err *e)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * LSL_MSG_MAX_FDS)];
	} control;
	struct iovec iov;
	struct msghdr mh;
	struct cmsghdr *c;
	uint8_t *buf;
	ssize_t n;
	int ret;

	*r = (struct lsl_received){ .nfds = 0 };
	buf = malloc(LSL_MSG_MAX);
	if (!buf)
		return -ENOMEM;
	iov = (struct iovec){ .iov_base = buf, .iov_len = LSL_MSG_MAX };
	mh = (struct msghdr){ .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	n = RETRY_EINTR(recvmsg(fd, &mh, MSG_CMSG_CLOEXEC));
	/*
	 * A peer that closed with our own last message still unread makes the
	 * kernel report ECONNRESET once, ahead of what that peer had already
	 * queued for us: read again, a real end answers at once.
	 */
	if (n < 0 && errno == ECONNRESET)
		n = RETRY_EINTR(recvmsg(fd, &mh, MSG_CMSG_CLOEXEC));
	if (n < 0) {
		ret = negative_errno();
		free(buf);
		return ret;
	}

	/* Take every fd that arrived first, so that no path below leaks one. */
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int one;
			memcpy(&one, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (r->nfds < LSL_MSG_MAX_FDS)
				r->fds[r->nfds++] = one;
			else
				close(one);
		}
	}
	r->msg = buf;

	if (n == 0 && r->nfds == 0) {
		lsl_received_free(r);
		return -ECONNRESET;
	}
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		lsl_received_free(r);
		if (e)
			lsl_err_setf(e, EBADMSG, "message or its file descriptors truncated");
		return -EBADMSG;
	}
	r->len = (size_t)n;
	ret = lsl_msg_validate(buf, r->len, r->nfds, e);
	if (ret < 0) {
		lsl_received_free(r);
		return ret;
	}
	/* Keep only what the message needs. */
	void *shrunk = realloc(buf, r->len);
	if (shrunk)
		r->msg = shrunk;
	return 0;
}

int lsl_channel_recv_type(int fd, uint32_t expected, struct lsl_received *r, struct lsl_err *e)
{
	int ret = lsl_channel_recv(fd, r, e);
	uint32_t type;

	if (ret < 0)
		return ret;
	type = lsl_received_header(r)->type;
	if (type == expected || type == LSL_MSG_RESULT)
		return 0;
	if (e)
		lsl_err_setf(e, EBADMSG, "expected a %s message, got %s", lsl_msg_type_name(expected),
			     lsl_msg_type_name(type));
	lsl_received_free(r);
	return -EBADMSG;
}

int lsl_channel_send_result(int fd, uint64_t seq, int status, const char *message)
{
	_cleanup_msg_ struct lsl_msg_builder b;
	int r = lsl_msg_init(&b, LSL_MSG_RESULT, sizeof(struct lsl_msg_result));

	if (r < 0)
		return r;
	((struct lsl_msg_result *)lsl_msg_body(&b))->status = status;
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_result, message), message);
	return lsl_channel_send_builder(fd, &b, seq, NULL, 0);
}

int lsl_channel_send_warning(int fd, uint64_t seq, const char *text)
{
	_cleanup_msg_ struct lsl_msg_builder b;
	int r = lsl_msg_init(&b, LSL_MSG_WARNING, sizeof(struct lsl_msg_warning));

	if (r < 0)
		return r;
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_warning, text), text);
	return lsl_channel_send_builder(fd, &b, seq, NULL, 0);
}

static int fill_addr(struct sockaddr_un *sa, const char *path)
{
	size_t n = strlen(path);

	if (n >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, path, n + 1);
	return 0;
}

int lsl_channel_check(int fd)
{
	struct stat st;
	int type;
	socklen_t len = sizeof(type);

	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISSOCK(st.st_mode))
		return -ENOTSOCK;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return negative_errno();
	return type == SOCK_SEQPACKET ? 0 : -EPROTOTYPE;
}

/* A SOCK_SEQPACKET socket and the address of path, for listen or connect. */
static int unix_socket(const char *path, struct sockaddr_un *sa)
{
	int r = fill_addr(sa, path), fd;

	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	return fd < 0 ? negative_errno() : fd;
}

int lsl_unix_listen(const char *path, int backlog)
{
	struct sockaddr_un sa;
	_cleanup_close_ int fd = unix_socket(path, &sa);

	if (fd < 0)
		return fd;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, backlog) < 0)
		return negative_errno();
	return TAKE_FD(fd);
}

int lsl_unix_connect(const char *path)
{
	struct sockaddr_un sa;
	_cleanup_close_ int fd = unix_socket(path, &sa);

	if (fd < 0)
		return fd;
	if (RETRY_EINTR(connect(fd, (struct sockaddr *)&sa, sizeof(sa))) < 0)
		return negative_errno();
	return TAKE_FD(fd);
}
