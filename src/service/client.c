/* SPDX-License-Identifier: MIT */
#include "client.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "channel.h"
#include "service.h"
#include "util.h"

#define OUT_MAX (4 * 1024 * 1024) /* queued for one client before it is considered stuck */
#define FINAL_FLUSH_MS 2000       /* at exit: how long queued replies may take to leave */
/*
 * Anyone may connect (to be told that only root may ask for anything), so
 * callers other than root could otherwise hold every fd the service may
 * open with connections that never speak. Beyond this many at once, theirs
 * are closed as they arrive; root's are never refused.
 */
#define NONROOT_CLIENTS_MAX 64

struct lsl_out {
	struct lsl_out *next;
	size_t len;
	uint8_t data[];
};

static void update_events(struct lsl_client *c);
static void client_close(struct lsl_client *c);

struct lsl_client *lsl_client_ref(struct lsl_client *c)
{
	c->refs++;
	return c;
}

static void out_free(struct lsl_client *c)
{
	while (c->out_head) {
		struct lsl_out *o = c->out_head;
		c->out_head = o->next;
		free(o);
	}
	c->out_tail = &c->out_head;
	c->out_bytes = 0;
}

void lsl_client_unref(struct lsl_client *c)
{
	if (!c || --c->refs > 0)
		return;
	out_free(c);
	free(c);
}

/* Send what is queued, as far as the socket takes it. Returns 0, or a negative errno (connection broken). */
static int flush(struct lsl_client *c)
{
	while (c->out_head) {
		struct lsl_out *o = c->out_head;
		ssize_t n = RETRY_EINTR(send(c->fd, o->data, o->len, MSG_NOSIGNAL | MSG_DONTWAIT));
		if (n < 0)
			return errno == EAGAIN ? 0 : negative_errno();
		c->out_head = o->next;
		if (!c->out_head)
			c->out_tail = &c->out_head;
		c->out_bytes -= o->len;
		free(o);
	}
	return 0;
}

void lsl_client_send(struct lsl_client *c, const void *msg, size_t len)
{
	struct lsl_out *o;

	if (c->closed)
		return;
	if (c->out_bytes + len > OUT_MAX) {
		log_warning("dropping a client (pid %d) that does not read its replies", (int)c->pid);
		client_close(c);
		return;
	}
	o = malloc(sizeof(*o) + len);
	if (!o) {
		log_error("out of memory queueing a reply: dropping the client");
		client_close(c);
		return;
	}
	o->next = NULL;
	o->len = len;
	memcpy(o->data, msg, len);
	*c->out_tail = o;
	c->out_tail = &o->next;
	c->out_bytes += len;
	if (flush(c) < 0) {
		client_close(c);
		return;
	}
	update_events(c);
}

void lsl_client_send_builder(struct lsl_client *c, struct lsl_msg_builder *b, uint64_t seq)
{
	int r = lsl_msg_finish(b, seq);

	if (r < 0) {
		log_error_errno(r, "building a reply");
		return;
	}
	lsl_client_send(c, b->buf, b->size);
}

void lsl_client_warning(struct lsl_client *c, uint64_t seq, const char *text)
{
	_cleanup_msg_ struct lsl_msg_builder b = { 0 };

	if (lsl_msg_init(&b, LSL_MSG_WARNING, sizeof(struct lsl_msg_warning)) < 0)
		return;
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_warning, text), text);
	lsl_client_send_builder(c, &b, seq);
}

void lsl_client_progress(struct lsl_client *c, uint64_t seq, uint64_t done, uint64_t total)
{
	struct lsl_msg_progress p = { .hdr = { .type = LSL_MSG_PROGRESS, .size = sizeof(p), .seq = seq },
				      .done = done,
				      .total = total };

	if (c->out_head)
		return;
	lsl_client_send(c, &p, sizeof(p));
}

void lsl_client_done(struct lsl_client *c)
{
	c->busy = false;
	c->on_hangup = NULL;
	c->hangup_data = NULL;
	if (!c->closed)
		update_events(c);
}

void lsl_client_result(struct lsl_client *c, uint64_t seq, int status, const char *message)
{
	_cleanup_msg_ struct lsl_msg_builder b = { 0 };

	if (status < 0 && message)
		log_debug("request %ju of pid %d failed: %s", (uintmax_t)seq, (int)c->pid, message);
	if (lsl_msg_init(&b, LSL_MSG_RESULT, sizeof(struct lsl_msg_result)) == 0) {
		((struct lsl_msg_result *)lsl_msg_body(&b))->status = status;
		lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_result, message), message);
		/* A message too long for the wire still ends the request, with its status. */
		if (b.error == -EMSGSIZE) {
			lsl_msg_builder_free(&b);
			if (lsl_msg_init(&b, LSL_MSG_RESULT, sizeof(struct lsl_msg_result)) == 0)
				((struct lsl_msg_result *)lsl_msg_body(&b))->status = status;
		}
		lsl_client_send_builder(c, &b, seq);
	}
	lsl_client_done(c);
}

void lsl_client_on_hangup(struct lsl_client *c, void (*fn)(void *), void *userdata)
{
	c->on_hangup = fn;
	c->hangup_data = userdata;
}

static void update_events(struct lsl_client *c)
{
	uint32_t ev = EPOLLRDHUP;

	if (c->closed)
		return;
	if (!c->busy)
		ev |= EPOLLIN;
	if (c->out_head)
		ev |= EPOLLOUT;
	if (lsl_loop_modify(c->watch, ev) < 0) {
		log_error_errno(errno, "watching a client connection");
		client_close(c);
	}
}

/* Out of fds: accepting stops (instead of spinning on a readable socket) until a connection closes. */
static bool accept_paused;

static void pause_accept(struct lsl_service *svc)
{
	if (!accept_paused && lsl_loop_modify(svc->listen_watch, 0) == 0)
		accept_paused = true;
}

static void resume_accept(struct lsl_service *svc)
{
	if (accept_paused && lsl_loop_modify(svc->listen_watch, EPOLLIN) == 0)
		accept_paused = false;
}

static void client_close(struct lsl_client *c)
{
	void (*hangup)(void *) = c->on_hangup;
	void *data = c->hangup_data;

	if (c->closed)
		return;
	c->closed = true;
	c->on_hangup = NULL;
	c->hangup_data = NULL;
	lsl_loop_unwatch(c->watch);
	c->watch = NULL;
	close(c->fd);
	c->fd = -1;
	out_free(c);
	TAILQ_REMOVE(&c->svc->clients, c, link);
	if (c->uid != 0)
		c->svc->nonroot_clients--;
	resume_accept(c->svc);
	if (hangup)
		hangup(data);
	lsl_client_unref(c);
}

static bool is_request(uint32_t type)
{
	switch (type) {
	case LSL_MSG_HELLO:
	case LSL_MSG_IMPORT:
	case LSL_MSG_INSTALL:
	case LSL_MSG_LIST:
	case LSL_MSG_RUN:
	case LSL_MSG_SET_DEFAULT:
	case LSL_MSG_TERMINATE:
	case LSL_MSG_SHUTDOWN:
	case LSL_MSG_UNREGISTER:
	case LSL_MSG_IMPORT_IN_PLACE:
	case LSL_MSG_EXPORT:
	case LSL_MSG_MANAGE:
	case LSL_MSG_MOUNT_DISK:
	case LSL_MSG_UNMOUNT_DISK:
	case LSL_MSG_LIST_MOUNTS:
		return true;
	default:
		return false;
	}
}

static void read_request(struct lsl_client *c)
{
	_cleanup_received_ struct lsl_received m = { .nfds = 0 };
	struct lsl_err e = { 0 };
	const struct lsl_msg_header *h;
	char why[LSL_ERR_MAX + 64];
	int r = lsl_channel_recv(c->fd, &m, &e);

	if (r == -EAGAIN)
		return;
	if (r == -EBADMSG) {
		/* The fds that came with it are closed already; the connection stays usable. */
		snprintf(why, sizeof(why), "malformed request: %s", lsl_err_str(&e));
		log_debug("pid %d: %s", (int)c->pid, why);
		c->busy = true;
		lsl_client_result(c, 0, -EBADMSG, why);
		return;
	}
	if (r < 0) {
		if (r != -ECONNRESET)
			log_debug("reading from pid %d: %s", (int)c->pid, strerror(-r));
		client_close(c);
		return;
	}
	h = lsl_received_header(&m);
	c->busy = true;
	if (!is_request(h->type)) {
		snprintf(why, sizeof(why), "%s is not a request lslservice takes", lsl_msg_type_name(h->type));
		lsl_client_result(c, h->seq, -EBADMSG, why);
		return;
	}
	if (h->type != LSL_MSG_HELLO && c->uid != 0) {
		snprintf(why, sizeof(why), "lsl requires root (the service refused uid %u)", (unsigned)c->uid);
		lsl_client_result(c, h->seq, -EPERM, why);
		return;
	}
	lsl_api_dispatch(c->svc, c, &m);
}

static void client_event(void *userdata, uint32_t events)
{
	struct lsl_client *c = userdata;

	lsl_client_ref(c);
	if ((events & EPOLLOUT) && flush(c) < 0)
		client_close(c);
	if (!c->closed && (events & EPOLLIN) && !c->busy) {
		read_request(c);
	} else if (!c->closed && (events & (EPOLLHUP | EPOLLRDHUP | EPOLLERR))) {
		/* Busy, or nothing left to read: the caller is gone. */
		client_close(c);
	}
	if (!c->closed)
		update_events(c);
	lsl_client_unref(c);
}

void lsl_client_accept(struct lsl_service *svc)
{
	for (;;) {
		struct ucred cred;
		socklen_t len = sizeof(cred);
		struct lsl_client *c;
		int fd = accept4(svc->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE)
				pause_accept(svc);
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				log_warning_errno(errno, "accepting a connection");
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
			log_warning_errno(errno, "SO_PEERCRED");
			close(fd);
			continue;
		}
		if (cred.uid != 0 && svc->nonroot_clients >= NONROOT_CLIENTS_MAX) {
			log_debug("refusing a connection of uid %u (pid %d): %u others already connected",
				  (unsigned)cred.uid, (int)cred.pid, svc->nonroot_clients);
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		*c = (struct lsl_client){ .svc = svc, .fd = fd, .uid = cred.uid, .pid = cred.pid, .refs = 1 };
		c->out_tail = &c->out_head;
		c->watch = lsl_loop_watch(svc->loop, fd, EPOLLIN | EPOLLRDHUP, client_event, c);
		if (!c->watch) {
			log_warning_errno(errno, "watching a connection");
			close(fd);
			free(c);
			continue;
		}
		TAILQ_INSERT_TAIL(&svc->clients, c, link);
		if (c->uid != 0)
			svc->nonroot_clients++;
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void lsl_clients_close_all(struct lsl_service *svc)
{
	int64_t deadline = now_ms() + FINAL_FLUSH_MS;
	struct lsl_client *c;

	while ((c = TAILQ_FIRST(&svc->clients))) {
		while (!c->closed && c->out_head && flush(c) == 0 && c->out_head) {
			struct pollfd p = { .fd = c->fd, .events = POLLOUT };
			int64_t left = deadline - now_ms();
			if (left <= 0 || RETRY_EINTR(poll(&p, 1, (int)left)) <= 0)
				break;
		}
		client_close(c);
	}
}
