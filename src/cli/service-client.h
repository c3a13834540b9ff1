/* SPDX-License-Identifier: MIT */
/*
 * lsl's side of the service socket: connecting (starting lslservice, or
 * replacing another build of it, as doc/internals.md says), and sending one
 * request and reading its replies.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "protocol.h"

/*
 * A connection to this build's lslservice: connect and HELLO; start the
 * service when none listens (root only), replace it when it is another
 * build. Returns the connected fd (CLOEXEC), or a negative errno with e set.
 */
int lsl_service_open(struct lsl_err *e);

/*
 * A connection to whatever service is listening, without starting one.
 * Returns the fd; -ENOENT when no service is running (e not set); another
 * negative errno with e set.
 */
int lsl_service_open_running(struct lsl_err *e);

/* What to do with the messages that come before a request's RESULT. */
struct lsl_reply_ops {
	/* NULL: printed as "lsl: warning: <text>". */
	void (*warning)(void *userdata, const char *text);
	/* NULL: ignored. */
	void (*progress)(void *userdata, uint64_t done, uint64_t total);
	/* NULL: a LIST_ENTRY is a protocol error. Returns 0 or a negative errno (e set). */
	int (*list_entry)(void *userdata, const struct lsl_msg_list_entry *m, struct lsl_err *e);
	void *userdata;
	/* NULL: a MOUNT_ENTRY is a protocol error. Returns 0 or a negative errno (e set). */
	int (*mount_entry)(void *userdata, const struct lsl_msg_mount_entry *m, struct lsl_err *e);
};

/* Send a built request with fds; *seq receives its sequence number. Returns 0 or -errno (e set). */
int lsl_service_send(int fd, struct lsl_msg_builder *b, const int *fds, size_t nfds, uint64_t *seq,
		     struct lsl_err *e);

/*
 * Read one reply to request seq and act on it (ops may be NULL). Returns 1
 * for a successful RESULT, 0 when more replies follow, or a negative errno
 * with e set: a failed RESULT gives its status and the service's message as
 * the whole text of e.
 */
int lsl_service_reply_step(int fd, uint64_t seq, const struct lsl_reply_ops *ops, struct lsl_err *e);

/* Send and read every reply up to the RESULT. Returns 0 or a negative errno (e set). */
int lsl_service_request(int fd, struct lsl_msg_builder *b, const int *fds, size_t nfds,
			const struct lsl_reply_ops *ops, struct lsl_err *e);

/* A request that is the header alone (SHUTDOWN) or one name (SET_DEFAULT, ...). */
int lsl_service_simple_request(int fd, uint32_t type, const char *name, struct lsl_err *e);

/* Send SHUTDOWN and wait until the service has answered and closed the connection. */
int lsl_service_shutdown(int fd, struct lsl_err *e);
