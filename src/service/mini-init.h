/* SPDX-License-Identifier: MIT */
/*
 * mini_init, the one process that creates namespaces and mounts: spawned on
 * the first distribution start with fd 3 = control channel (LAUNCH_INIT,
 * KILL_INIT and their replies) and fd 4 = notification channel (CHILD_EXIT).
 * Closing the control channel tells it to kill every init and exit.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "log.h"

struct lsl_service;

/*
 * Ask for a distribution's init: init_fd (mini_init's end of the init
 * channel) is passed along and stays the caller's to close. Starts
 * mini_init first if needed. flags: LSL_LAUNCH_*. The answer comes as
 * lsl_instance_launch_result(seq). Returns 0 or -errno with e set.
 */
int lsl_mini_init_launch(struct lsl_service *svc, const char *name, const char *rootfs, const char *cgroup,
			 uint32_t flags, int init_fd, uint64_t *seq, struct lsl_err *e);

/* The reply to a request (MOUNT_RESULT, RESULT), or NULL when mini_init went away without one. */
struct lsl_received;
typedef void (*lsl_mini_init_reply_fn)(void *userdata, const struct lsl_received *reply);

/*
 * Send b (MOUNT, UNMOUNT) with fds to mini_init, starting it if needed;
 * fn gets the reply, called from the loop (exactly once when this returns
 * 0). Returns 0 or -errno with e set.
 */
struct lsl_msg_builder;
int lsl_mini_init_request(struct lsl_service *svc, struct lsl_msg_builder *b, const int *fds, size_t nfds,
			  lsl_mini_init_reply_fn fn, void *userdata, struct lsl_err *e);

/* SIGKILL a distribution's init (its exit is reported as CHILD_EXIT). Returns 0 or -errno. */
int lsl_mini_init_kill(struct lsl_service *svc, pid_t pid);

/* Ask for lsl's binfmt_misc entry, or for its removal (sent only when that changes). */
void lsl_mini_init_set_interop(struct lsl_service *svc, bool enabled);

/*
 * If the entry is wanted, ask again: mini_init registers it anew should
 * something have removed it (a distribution's systemd-binfmt, say).
 */
void lsl_mini_init_recheck_interop(struct lsl_service *svc);

/*
 * At the service's start: when cgroups of this instance exist (a mini_init
 * before was killed, or outlived its service), start mini_init now, since
 * it removes them as it starts, instead of at the first distribution start.
 */
void lsl_mini_init_clean_leftovers(struct lsl_service *svc);

/* At exit: close the channels and wait (bounded) for mini_init to go. */
void lsl_mini_init_stop(struct lsl_service *svc);
