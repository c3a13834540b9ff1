/* SPDX-License-Identifier: MIT */
/*
 * The service's one event loop: epoll over every fd it waits on (client
 * connections, mini_init's channels, init channels, child pidfds, pipes,
 * timers). Single-threaded; a callback never blocks for long.
 */
#pragma once

#include <stdint.h>
#include <sys/epoll.h>

struct lsl_loop;
struct lsl_watch;

/* Called with the epoll events that fired. May unwatch any watch, its own included. */
typedef void (*lsl_watch_fn)(void *userdata, uint32_t events);

int lsl_loop_new(struct lsl_loop **out);
void lsl_loop_free(struct lsl_loop *l);

/*
 * Watch fd (which stays the caller's: unwatch before closing it). Returns the
 * watch, or NULL with errno set.
 */
struct lsl_watch *lsl_loop_watch(struct lsl_loop *l, int fd, uint32_t events, lsl_watch_fn fn, void *userdata);
int lsl_loop_modify(struct lsl_watch *w, uint32_t events);
/*
 * Stop watching (NULL is ignored). Safe from inside any callback: the watch
 * is not called again and is freed once the current batch of events is done.
 */
void lsl_loop_unwatch(struct lsl_watch *w);

/* Dispatch events until lsl_loop_quit(). Returns 0 or a negative errno from epoll_wait. */
int lsl_loop_run(struct lsl_loop *l);
void lsl_loop_quit(struct lsl_loop *l);

/* A CLOCK_MONOTONIC timerfd (CLOEXEC, non-blocking), or a negative errno. */
int lsl_timer_new(void);
/* Fire once, ms from now (0 disarms). Returns 0 or a negative errno. */
int lsl_timer_arm(int fd, uint64_t ms);
/* Consume a fired timer's expiration count. */
void lsl_timer_ack(int fd);
