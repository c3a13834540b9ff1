/* SPDX-License-Identifier: MIT */
/*
 * lslservice's shared state and the entry points its parts call on each
 * other. One process, one thread, one event loop: every part keeps its own
 * per-request state and returns to the loop instead of waiting.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "channel.h"
#include "event-loop.h"
#include "registry-store.h"

struct lsl_client;
struct lsl_disk_job;
struct lsl_disk_mount;
struct lsl_instance;
struct lsl_mini_init;
struct lsl_provision;
struct lsl_shutdown_waiter;

struct lsl_service {
	struct lsl_loop *loop;
	int listen_fd;
	struct lsl_watch *listen_watch;
	int signal_fd;
	struct lsl_watch *signal_watch;
	char *identity; /* lsl_exe_identity() of our own executable */

	struct lsl_registry_store store;

	TAILQ_HEAD(, lsl_client) clients;
	unsigned nonroot_clients; /* connections of callers other than root (bounded: see client.c) */
	TAILQ_HEAD(, lsl_instance) instances;
	TAILQ_HEAD(, lsl_provision) provisions;
	unsigned removals; /* unregister file removals still running */
	struct lsl_mini_init *mini_init; /* NULL until the first distribution start */
	/* Zero-initialized lists (LIST heads need no init): see disk-job.h and disk-mount.h. */
	LIST_HEAD(, lsl_disk_job) disk_jobs;     /* export, resize, move, ... in progress */
	LIST_HEAD(, lsl_disk_mount) disk_mounts; /* disks mounted in /mnt/wsl (held by mini_init) */

	bool shutting_down;
	char *shutdown_failure; /* why a shutdown left something behind (abandoned instances), or NULL */
	TAILQ_HEAD(, lsl_shutdown_waiter) shutdown_waiters;
};

/* ---- api.c: client requests ---- */

/* One validated request from a client allowed to make it; takes what it needs from m. */
void lsl_api_dispatch(struct lsl_service *svc, struct lsl_client *c, struct lsl_received *m);
/* RUN: resolve the distribution and hand the request to its instance (takes m's message and fds). */
void lsl_api_run(struct lsl_service *svc, struct lsl_client *c, struct lsl_received *m);

/* ---- shutdown (api.c) ---- */

/* Stop everything and then exit the loop (SIGTERM, or SHUTDOWN from c, which may be NULL). */
void lsl_service_shutdown(struct lsl_service *svc, struct lsl_client *c, uint64_t seq);
/* Called whenever an instance, provision or removal ends: finishes a shutdown once nothing is left. */
void lsl_service_check_idle(struct lsl_service *svc);
