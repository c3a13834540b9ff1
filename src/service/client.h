/* SPDX-License-Identifier: MIT */
/*
 * Connections on the service socket: accepting them, the caller's uid
 * (SO_PEERCRED), reading one request at a time, and a queue for what goes
 * back so that a caller that does not read never blocks the service.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include "protocol.h"

struct lsl_service;
struct lsl_out;

struct lsl_client {
	struct lsl_service *svc;
	int fd;
	struct lsl_watch *watch;
	uid_t uid;
	pid_t pid;
	unsigned refs;
	bool closed; /* the connection is gone: replies are dropped */
	bool busy;   /* a request is being answered: the next is not read yet */
	struct lsl_out *out_head, **out_tail;
	size_t out_bytes;
	/* Told when the connection goes away while a request is in progress (an import, ...). */
	void (*on_hangup)(void *userdata);
	void *hangup_data;
	TAILQ_ENTRY(lsl_client) link;
};

/* The listening socket became readable. */
void lsl_client_accept(struct lsl_service *svc);

struct lsl_client *lsl_client_ref(struct lsl_client *c);
void lsl_client_unref(struct lsl_client *c);

/* Queue one message (a copy of msg) for the client. Dropped when the connection is gone. */
void lsl_client_send(struct lsl_client *c, const void *msg, size_t len);
/* Seal b with seq and queue it. */
void lsl_client_send_builder(struct lsl_client *c, struct lsl_msg_builder *b, uint64_t seq);
void lsl_client_warning(struct lsl_client *c, uint64_t seq, const char *text);
/* Progress is dropped while earlier messages are still queued: only the latest matters. */
void lsl_client_progress(struct lsl_client *c, uint64_t seq, uint64_t done, uint64_t total);
/* The RESULT that ends a request; the next request is read after it. */
void lsl_client_result(struct lsl_client *c, uint64_t seq, int status, const char *message);
/* End a request without a RESULT (HELLO's reply is its own). */
void lsl_client_done(struct lsl_client *c);
/* Be told when the connection goes away during the current request (NULL to stop). */
void lsl_client_on_hangup(struct lsl_client *c, void (*fn)(void *), void *userdata);

/* Close every connection, trying for a moment to deliver what is queued (the service exits). */
void lsl_clients_close_all(struct lsl_service *svc);
