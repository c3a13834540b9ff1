/* SPDX-License-Identifier: MIT */
/*
 * Child processes of the service (mini_init, lsl-import, debootstrap, file
 * removal): started with exactly the fds they are given, watched through a
 * pidfd in the event loop, reaped when they exit. No SIGCHLD, no zombies.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "event-loop.h"
#include "log.h"

struct lsl_spawn_opts {
	const char *path;
	char *const *argv;
	char *const *envp;
	/* fds[i] becomes fd i of the child; -1 gives it /dev/null. Every other fd is closed. */
	const int *fds;
	size_t nfds;
	/* CLONE_NEW* flags: the child starts in these new namespaces. */
	uint64_t namespaces;
	/* With CLONE_NEWNS: make every mount private first, so nothing it mounts reaches the host. */
	bool private_mounts;
};

/* Called once the child has exited and was reaped (wait_status as from waitpid). */
typedef void (*lsl_child_exit_fn)(void *userdata, int wait_status);

struct lsl_child;

/*
 * Start a program. Returns once it has exec'd (or failed to: then e says
 * "cannot run <path>: <why>" and nothing is left). on_exit is called from
 * the loop when it exits; the handle is freed right after.
 */
int lsl_child_spawn(struct lsl_loop *loop, const struct lsl_spawn_opts *o, lsl_child_exit_fn on_exit,
		    void *userdata, struct lsl_child **out, struct lsl_err *e);

/*
 * Run fn(arg) in a forked child (for work that may take long, like removing
 * a tree); the child exits 0 when fn returns 0, else 1.
 */
int lsl_child_fork(struct lsl_loop *loop, int (*fn)(void *arg), void *arg, lsl_child_exit_fn on_exit,
		   void *userdata, struct lsl_child **out, struct lsl_err *e);

pid_t lsl_child_pid(const struct lsl_child *c);
/* SIGKILL the child (its exit is reported as usual). */
void lsl_child_kill(struct lsl_child *c);
/* Change who is told about the exit (NULL: nobody; the child is still reaped). */
void lsl_child_set_exit(struct lsl_child *c, lsl_child_exit_fn on_exit, void *userdata);

/*
 * For the service's last moments: wait up to timeout_ms for the child to
 * exit, SIGKILL it if it has not, reap it, free the handle (on_exit is not called).
 */
void lsl_child_wait_detach(struct lsl_child *c, int timeout_ms);

/*
 * An environment for one of lsl's own helpers: base (NAME=VALUE strings),
 * plus LSL_DEBUG and the sanitizer options when the service has them, so
 * that a debug or sanitized run stays one across processes. NULL on ENOMEM.
 */
char **lsl_helper_env(const char *const *base);

/* A wait status in words: "exit status 3", "signal 9 (Killed)". Static buffer. */
const char *lsl_wait_status_str(int wait_status);
