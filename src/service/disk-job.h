/* SPDX-License-Identifier: MIT */
/*
 * Long operations on a distribution's storage (export, resize, move): a job
 * runs helper programs one step at a time (a step may be a pipeline of two,
 * such as lsl-export | lsl-import), relays their progress, keeps the last
 * line each wrote on stderr as the reason for a failure, and ends with one
 * RESULT. The caller hanging up, or a shutdown, kills the helpers; on any
 * failure the job's undo runs (in a child process: it may remove a tree)
 * before the reply. While a job that "holds" its distribution runs, the
 * distribution cannot be started, unregistered or worked on by another job.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "log.h"

struct lsl_service;
struct lsl_client;
struct lsl_disk_job;

#define LSL_JOB_PROCS 2

typedef void (*lsl_job_step_fn)(struct lsl_disk_job *j);

struct lsl_job_proc {
	struct lsl_child *child;
	int err_fd;
	struct lsl_watch *err_watch;
	char err[1024];
	size_t err_len;
	unsigned ok_exits; /* bit n: exit status n is success (e2fsck's 1 is) */
	char *label;       /* "mkfs.ext4", for a reason without words of its own */
	bool running;
	int wait_status;
	bool failed;       /* it exited with a failure: why says what it said */
	char why[LSL_ERR_MAX];
};

struct lsl_disk_job {
	LIST_ENTRY(lsl_disk_job) link;
	struct lsl_service *svc;
	struct lsl_client *client;
	uint64_t seq;
	char *name;           /* the distribution */
	const char *doing;    /* "being exported": for the refusal of a start */
	bool holds;           /* the distribution may not start (its image is in use by the job) */
	bool want_progress;
	bool cancelled;
	bool finished;
	int status;           /* the failure being reported */
	char *message;
	char *context;        /* put before a helper's reason ("resizing x to 1 GiB"); may be NULL */
	struct lsl_job_proc procs[LSL_JOB_PROCS];
	int progress_fd;
	struct lsl_watch *progress_watch;
	uint8_t record[16];
	size_t record_len;
	lsl_job_step_fn next; /* called once every helper of the step exited successfully */
	/* The kind's own parts: undo after a failure (in a child process), then release. */
	int (*undo)(void *priv);
	void (*release)(struct lsl_disk_job *j);
	void *priv;
	struct lsl_child *undoer;
};

/*
 * Whether name may be worked on: NULL, or why not ("<name> is being
 * exported"): a job holds it, or (any_job) any job works on it.
 */
const char *lsl_disk_job_conflict(struct lsl_service *svc, const char *name, bool any_job, char *buf, size_t size);

/* A new job for c's request seq on the distribution name, watching the caller's hang-up. NULL: out of memory. */
struct lsl_disk_job *lsl_disk_job_new(struct lsl_service *svc, struct lsl_client *c, uint64_t seq, const char *name,
				      const char *doing, bool holds, bool want_progress);

/*
 * Start a helper of the current step: fds[i] becomes its fd i (-1:
 * /dev/null); fd 2 is replaced by a pipe the job reads, and with progress,
 * fd 4 by the job's progress pipe. path is absolute. Returns 0 or -errno
 * with e set (the helpers already started keep running: finish the job).
 */
int lsl_disk_job_spawn(struct lsl_disk_job *j, const char *path, char *const argv[], const int *fds, size_t nfds,
		       bool progress, unsigned ok_exits, struct lsl_err *e);

/* Once every helper of the step has exited successfully, call next (which spawns more or finishes). */
static inline void lsl_disk_job_then(struct lsl_disk_job *j, lsl_job_step_fn next) { j->next = next; }

/* End the job: status 0 replies success; otherwise kill the helpers, undo, and reply with message. */
void lsl_disk_job_finish(struct lsl_disk_job *j, int status, const char *message);

/* Shutdown: abandon every job (their helpers are killed, their undo runs). */
void lsl_disk_jobs_cancel_all(struct lsl_service *svc);
