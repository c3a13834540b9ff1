/* SPDX-License-Identifier: MIT */
#include "event-loop.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "macros.h"

struct lsl_watch {
	struct lsl_loop *loop;
	int fd;
	lsl_watch_fn fn;
	void *userdata;
	bool dead;
	struct lsl_watch *next_dead;
};

struct lsl_loop {
	int epoll_fd;
	bool quit;
	/* Unwatched during a batch: freed after it, since later events of the batch may point at them. */
	struct lsl_watch *dead;
};

int lsl_loop_new(struct lsl_loop **out)
{
	struct lsl_loop *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epoll_fd < 0) {
		int r = negative_errno();
		free(l);
		return r;
	}
	*out = l;
	return 0;
}

static void free_dead(struct lsl_loop *l)
{
	while (l->dead) {
		struct lsl_watch *w = l->dead;
		l->dead = w->next_dead;
		free(w);
	}
}

void lsl_loop_free(struct lsl_loop *l)
{
	if (!l)
		return;
	free_dead(l);
	close(l->epoll_fd);
	free(l);
}

struct lsl_watch *lsl_loop_watch(struct lsl_loop *l, int fd, uint32_t events, lsl_watch_fn fn, void *userdata)
{
	struct lsl_watch *w = calloc(1, sizeof(*w));
	struct epoll_event ev = { .events = events };

	if (!w) {
		errno = ENOMEM;
		return NULL;
	}
	*w = (struct lsl_watch){ .loop = l, .fd = fd, .fn = fn, .userdata = userdata };
	ev.data.ptr = w;
	if (epoll_ctl(l->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int saved = errno;
		free(w);
		errno = saved;
		return NULL;
	}
	return w;
}

int lsl_loop_modify(struct lsl_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	if (epoll_ctl(w->loop->epoll_fd, EPOLL_CTL_MOD, w->fd, &ev) < 0)
		return negative_errno();
	return 0;
}

void lsl_loop_unwatch(struct lsl_watch *w)
{
	if (!w || w->dead)
		return;
	(void)epoll_ctl(w->loop->epoll_fd, EPOLL_CTL_DEL, w->fd, NULL);
	w->dead = true;
	w->next_dead = w->loop->dead;
	w->loop->dead = w;
}

int lsl_loop_run(struct lsl_loop *l)
{
	while (!l->quit) {
		struct epoll_event events[32];
		int n = epoll_wait(l->epoll_fd, events, ARRAY_SIZE(events), -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		for (int i = 0; i < n; i++) {
			struct lsl_watch *w = events[i].data.ptr;
			if (!w->dead)
				w->fn(w->userdata, events[i].events);
		}
		free_dead(l);
	}
	return 0;
}

void lsl_loop_quit(struct lsl_loop *l) { l->quit = true; }

int lsl_timer_new(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	return fd < 0 ? negative_errno() : fd;
}

int lsl_timer_arm(int fd, uint64_t ms)
{
	struct itimerspec its = { 0 };

	its.it_value.tv_sec = (time_t)(ms / 1000);
	its.it_value.tv_nsec = (long)(ms % 1000) * 1000000L;
	return timerfd_settime(fd, 0, &its, NULL) < 0 ? negative_errno() : 0;
}

void lsl_timer_ack(int fd)
{
	uint64_t n;
	(void)!read(fd, &n, sizeof(n));
}
