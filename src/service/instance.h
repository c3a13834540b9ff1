/* SPDX-License-Identifier: MIT */
/*
 * Running distributions. An instance is created by the first RUN of a
 * stopped distribution and lives until mini_init reports its init's exit
 * (CHILD_EXIT): while it exists the distribution is "Running".
 *
 *   LAUNCHING     LAUNCH_INIT sent to mini_init, waiting for LAUNCH_INIT_RESULT
 *   BOOTING       waiting for CREATE_INSTANCE_RESULT on the init channel
 *   INITIALIZING  INITIALIZE sent, waiting for INITIALIZE_RESPONSE
 *   RUNNING       serving RUNs through one session leader (made on demand)
 *   STOPPING      TERMINATE_INSTANCE sent (KILL_INIT after the grace), waiting for CHILD_EXIT
 *
 * RUNs that arrive before RUNNING wait in the instance; RUNs that arrive
 * while it stops are started again once it has stopped.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "channel.h"
#include "registry.h"

struct lsl_service;
struct lsl_client;
struct lsl_instance;

/* The instance of the distribution called name (any case), or NULL when it is stopped. */
struct lsl_instance *lsl_instance_find(struct lsl_service *svc, const char *name);

/* The host pid of inst's init once it is running (its root is /proc/<pid>/root), else 0 (starting, stopping). */
pid_t lsl_instance_running_pid(const struct lsl_instance *inst);

/* --set-default-user while it runs: later RUNs without -u use uid (unless its wsl.conf names a user). */
void lsl_instance_set_default_uid(struct lsl_instance *inst, uint32_t uid);

/* Run m (a RUN from c, whose message and fds are taken) in d, starting d if needed. */
void lsl_instance_run(struct lsl_service *svc, const struct lsl_distro *d, struct lsl_client *c,
		      struct lsl_received *m);

/* Told once the instance has stopped (status 0) or could not be stopped (status < 0, message why). */
typedef void (*lsl_stopped_fn)(void *userdata, int status, const char *message);

/* Stop inst; done (may be NULL) is called when it is gone. */
void lsl_instance_stop(struct lsl_instance *inst, lsl_stopped_fn done, void *userdata);
/* Stop every instance (shutdown). */
void lsl_instance_stop_all(struct lsl_service *svc);

/* ---- from mini_init (mini-init.c) ---- */

void lsl_instance_launch_result(struct lsl_service *svc, uint64_t seq, int status, pid_t pid, const char *message);
/* Returns false when no instance has that init pid (yet). */
bool lsl_instance_child_exit(struct lsl_service *svc, pid_t pid, int wait_status);
/* mini_init is gone: so is every instance it ran. */
void lsl_instance_mini_init_lost(struct lsl_service *svc);
