/* SPDX-License-Identifier: MIT */
/*
 * The transport: AF_UNIX SOCK_SEQPACKET, one message per packet, fds with
 * SCM_RIGHTS. Everything above this file deals in whole, validated messages,
 * so that another transport (AF_VSOCK for a VM mode) fits here alone.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "protocol.h"

/* A received, validated message and the fds that came with it (owned: close or take them). */
struct lsl_received {
	void *msg; /* starts with struct lsl_msg_header */
	size_t len;
	int fds[LSL_MSG_MAX_FDS];
	size_t nfds;
};

static inline const struct lsl_msg_header *lsl_received_header(const struct lsl_received *r)
{
	return r->msg;
}

/* Free the message and close every fd not taken (set to -1) by the caller. */
void lsl_received_free(struct lsl_received *r);
static inline void lsl_received_freep(struct lsl_received *r) { lsl_received_free(r); }
#define _cleanup_received_ _cleanup_(lsl_received_freep)

/* A new process-wide sequence number for a request. */
uint64_t lsl_channel_next_seq(void);

/* Socket pair for a channel (SOCK_SEQPACKET, CLOEXEC). */
int lsl_channel_pair(int sv[2]);

/* Send one message with up to LSL_MSG_MAX_FDS fds. Never raises SIGPIPE. */
int lsl_channel_send(int fd, const void *msg, size_t len, const int *fds, size_t nfds);
/* Seal b with seq and send it. */
int lsl_channel_send_builder(int fd, struct lsl_msg_builder *b, uint64_t seq, const int *fds, size_t nfds);

/*
 * Receive one message, blocking. Returns 0 with r filled, -ECONNRESET on
 * EOF, -EBADMSG for a malformed message (dropped, its fds closed, reason in
 * e if non-NULL), or another negative errno.
 */
int lsl_channel_recv(int fd, struct lsl_received *r, struct lsl_err *e);

/* Receive and require type `expected`; a RESULT with a failure status is also accepted
 * when expected differs, so callers can surface errors: check the header type. */
int lsl_channel_recv_type(int fd, uint32_t expected, struct lsl_received *r, struct lsl_err *e);

/* Send a RESULT {status, message} answering seq. */
int lsl_channel_send_result(int fd, uint64_t seq, int status, const char *message);
/* Send a WARNING {text}. */
int lsl_channel_send_warning(int fd, uint64_t seq, const char *text);

/* 0 if fd is a SOCK_SEQPACKET socket (a channel), else -ENOTSOCK, -EPROTOTYPE or another -errno. */
int lsl_channel_check(int fd);

/* Unix socket helpers. path must fit sun_path: -ENAMETOOLONG otherwise. */
int lsl_unix_listen(const char *path, int backlog);
int lsl_unix_connect(const char *path);
