/* SPDX-License-Identifier: MIT */
#include "disk-job.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client.h"
#include "service.h"
#include "spawn.h"
#include "util.h"

const char *lsl_disk_job_conflict(struct lsl_service *svc, const char *name, bool any_job, char *buf, size_t size)
{
	struct lsl_disk_job *j;

	LIST_FOREACH(j, &svc->disk_jobs, link)
		if (!j->finished && (j->holds || any_job) && strcasecmp(j->name, name) == 0) {
			snprintf(buf, size, "%s is %s: try again once that is done", j->name, j->doing);
			return buf;
		}
	return NULL;
}

static void close_progress(struct lsl_disk_job *j)
{
	lsl_loop_unwatch(j->progress_watch);
	j->progress_watch = NULL;
	if (j->progress_fd >= 0)
		close(j->progress_fd);
	j->progress_fd = -1;
}

static void close_err(struct lsl_job_proc *p)
{
	lsl_loop_unwatch(p->err_watch);
	p->err_watch = NULL;
	if (p->err_fd >= 0)
		close(p->err_fd);
	p->err_fd = -1;
}

static bool read_progress(struct lsl_disk_job *j)
{
	uint8_t buf[16 * 64];
	ssize_t n = j->progress_fd >= 0 ? RETRY_EINTR(read(j->progress_fd, buf, sizeof(buf))) : 0;
	uint64_t done = 0, total = 0;
	bool have = false;

	if (n < 0 && errno == EAGAIN)
		return false;
	if (n <= 0) {
		close_progress(j);
		return false;
	}
	for (ssize_t i = 0; i < n; i++) {
		j->record[j->record_len++] = buf[i];
		if (j->record_len == sizeof(j->record)) {
			memcpy(&done, j->record, 8);
			memcpy(&total, j->record + 8, 8);
			j->record_len = 0;
			have = true;
		}
	}
	if (have && j->want_progress && !j->finished)
		lsl_client_progress(j->client, j->seq, done, total);
	return true;
}

static bool read_err(struct lsl_job_proc *p)
{
	char buf[1024];
	ssize_t n = p->err_fd >= 0 ? RETRY_EINTR(read(p->err_fd, buf, sizeof(buf))) : 0;

	if (n < 0 && errno == EAGAIN)
		return false;
	if (n <= 0) {
		close_err(p);
		return false;
	}
	/* Keep the end: the reason is the last line. */
	if ((size_t)n >= sizeof(p->err) - 1) {
		memcpy(p->err, buf + n - (sizeof(p->err) - 1), sizeof(p->err) - 1);
		p->err_len = sizeof(p->err) - 1;
	} else {
		if (p->err_len + (size_t)n > sizeof(p->err) - 1) {
			size_t drop = p->err_len + (size_t)n - (sizeof(p->err) - 1);
			memmove(p->err, p->err + drop, p->err_len - drop);
			p->err_len -= drop;
		}
		memcpy(p->err + p->err_len, buf, (size_t)n);
		p->err_len += (size_t)n;
	}
	p->err[p->err_len] = 0;
	return true;
}

static void progress_event(void *userdata, uint32_t events) { read_progress(userdata); }

static void err_event(void *userdata, uint32_t events) { read_err(userdata); }

/* A helper's reason: the last non-empty line of its stderr, without a "program: " prefix of ours. */
static const char *reason(struct lsl_job_proc *p)
{
	char *end, *start;
	const char *s, *t;

	for (char *c = p->err; *c; c++) {
		if (*c == '\r')
			*c = '\n';
		/* e2fsprogs continue a message on an indented line: one line again. */
		if (*c == '\n' && (c[1] == '\t' || c[1] == ' ') && c != p->err)
			*c = ' ';
		else if (*c != '\n' && ((unsigned char)*c < 0x20 || *c == 0x7f))
			*c = ' ';
	}
	end = p->err + strlen(p->err);
	while (end > p->err && (end[-1] == '\n' || end[-1] == ' '))
		*--end = 0;
	if (end == p->err)
		return NULL;
	start = strrchr(p->err, '\n');
	s = start ? start + 1 : p->err;
	if ((t = startswith(s, "lsl-export: ")) || (t = startswith(s, "lsl-import: ")) || (t = startswith(s, "lsl: ")))
		s = t;
	return isempty(s) ? NULL : s;
}

static void job_free(struct lsl_disk_job *j)
{
	struct lsl_service *svc = j->svc;

	LIST_REMOVE(j, link);
	if (j->release)
		j->release(j);
	for (int k = 0; k < LSL_JOB_PROCS; k++) {
		close_err(&j->procs[k]);
		free(j->procs[k].label);
	}
	close_progress(j);
	if (!j->client->closed)
		lsl_client_on_hangup(j->client, NULL, NULL);
	lsl_client_unref(j->client);
	free(j->name);
	free(j->message);
	free(j->context);
	free(j);
	lsl_service_check_idle(svc);
}

static int running(const struct lsl_disk_job *j)
{
	int n = 0;

	for (int k = 0; k < LSL_JOB_PROCS; k++)
		n += j->procs[k].running;
	return n;
}

static void reply_and_free(struct lsl_disk_job *j)
{
	if (!j->client->closed)
		lsl_client_result(j->client, j->seq, j->status, j->status ? j->message : NULL);
	job_free(j);
}

static void undone(void *userdata, int wait_status)
{
	struct lsl_disk_job *j = userdata;

	j->undoer = NULL;
	if (wait_status != 0)
		log_warning("could not undo everything %s left (see the messages above)", j->name);
	reply_and_free(j);
}

/* Every helper is gone: undo (after a failure) and reply. */
static void conclude(struct lsl_disk_job *j)
{
	struct lsl_err e = { 0 };

	while (read_progress(j))
		;
	if (j->status == 0 || !j->undo) {
		reply_and_free(j);
		return;
	}
	log_info("%s: undoing after a failure: %s", j->name, j->message ? j->message : "");
	if (lsl_child_fork(j->svc->loop, j->undo, j->priv, undone, j, &j->undoer, &e) < 0) {
		log_warning("%s: undoing here instead", lsl_err_str(&e));
		(void)j->undo(j->priv);
		reply_and_free(j);
	}
}

void lsl_disk_job_finish(struct lsl_disk_job *j, int status, const char *message)
{
	if (j->finished)
		return;
	j->finished = true;
	j->next = NULL;
	if (status != 0) {
		j->status = status < 0 ? status : -EIO;
		j->message = strdup(message ? message : strerror(-j->status));
	}
	for (int k = 0; k < LSL_JOB_PROCS; k++)
		if (j->procs[k].running)
			lsl_child_kill(j->procs[k].child);
	if (!running(j))
		conclude(j);
	/* else the last helper's exit concludes. */
}

/*
 * The reason of a step that failed. In a pipeline the first helper to fail
 * takes its partner down (a reader gone is a writer's broken pipe): a
 * broken pipe is the reason only when nothing else was said.
 */
static const char *step_reason(struct lsl_disk_job *j)
{
	const char *first = NULL;

	for (int k = 0; k < LSL_JOB_PROCS; k++) {
		if (!j->procs[k].failed)
			continue;
		if (!first)
			first = j->procs[k].why;
		if (!strstr(j->procs[k].why, strerror(EPIPE)))
			return j->procs[k].why;
	}
	return first;
}

static void proc_exited(struct lsl_disk_job *j, struct lsl_job_proc *p, int status)
{
	char msg[LSL_ERR_MAX];
	const char *why;

	p->running = false;
	p->child = NULL;
	p->wait_status = status;
	while (read_err(p))
		;
	p->failed = !(WIFEXITED(status) && WEXITSTATUS(status) < 32 && (p->ok_exits & (1u << WEXITSTATUS(status))));
	p->failed = p->failed && !j->finished;
	if (p->failed) {
		const char *ctx = j->context ? j->context : "", *sep = j->context ? ": " : "";
		why = reason(p);
		if (why)
			snprintf(p->why, sizeof(p->why), "%s%s%s", ctx, sep, why);
		else
			snprintf(p->why, sizeof(p->why), "%s%s%s failed (%s)", ctx, sep, p->label, lsl_wait_status_str(status));
		log_info("%s (%s): %s", p->label, lsl_wait_status_str(status), p->why);
	}
	close_err(p);
	free(p->label);
	p->label = NULL;
	/* The step ends when all its helpers have: a partner of a failed one exits on its own (EOF, EPIPE). */
	if (running(j))
		return;
	why = step_reason(j);
	if (why) {
		snprintf(msg, sizeof(msg), "%s", why);
		for (int k = 0; k < LSL_JOB_PROCS; k++)
			j->procs[k].failed = false;
	}
	/* Each of these may free j: nothing is touched after them. */
	if (why)
		lsl_disk_job_finish(j, -EIO, msg);
	else if (j->finished)
		conclude(j);
	else if (j->cancelled)
		lsl_disk_job_finish(j, j->status ? j->status : -ECANCELED, j->message ? j->message : "cancelled");
	else if (j->next) {
		lsl_job_step_fn next = j->next;
		j->next = NULL;
		next(j);
	} else
		lsl_disk_job_finish(j, 0, NULL);
}

static void proc0_exited(void *userdata, int status)
{
	struct lsl_disk_job *j = userdata;
	proc_exited(j, &j->procs[0], status);
}

static void proc1_exited(void *userdata, int status)
{
	struct lsl_disk_job *j = userdata;
	proc_exited(j, &j->procs[1], status);
}

static void cancel(struct lsl_disk_job *j, int status, const char *message)
{
	if (j->cancelled || j->finished)
		return;
	j->cancelled = true;
	lsl_disk_job_finish(j, status, message);
}

static void on_hangup(void *userdata)
{
	struct lsl_disk_job *j = userdata;

	log_info("the caller working on %s went away: stopping", j->name);
	cancel(j, -ECANCELED, "the caller went away");
}

void lsl_disk_jobs_cancel_all(struct lsl_service *svc)
{
	struct lsl_disk_job *j;

	LIST_FOREACH(j, &svc->disk_jobs, link)
		cancel(j, -ESHUTDOWN, "lslservice is shutting down");
}

struct lsl_disk_job *lsl_disk_job_new(struct lsl_service *svc, struct lsl_client *c, uint64_t seq, const char *name,
				      const char *doing, bool holds, bool want_progress)
{
	struct lsl_disk_job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	*j = (struct lsl_disk_job){ .svc = svc, .seq = seq, .doing = doing, .holds = holds,
				    .want_progress = want_progress, .progress_fd = -1 };
	for (int k = 0; k < LSL_JOB_PROCS; k++)
		j->procs[k].err_fd = -1;
	j->name = strdup(name);
	if (!j->name) {
		free(j);
		return NULL;
	}
	j->client = lsl_client_ref(c);
	LIST_INSERT_HEAD(&svc->disk_jobs, j, link);
	lsl_client_on_hangup(c, on_hangup, j);
	return j;
}

int lsl_disk_job_spawn(struct lsl_disk_job *j, const char *path, char *const argv[], const int *fds, size_t nfds,
		       bool progress, unsigned ok_exits, struct lsl_err *e)
{
	static const char *const base_env[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
						"LC_ALL=C.UTF-8", NULL };
	_cleanup_strv_free_ char **envp = lsl_helper_env(base_env);
	_cleanup_close_ int err_w = -1, prog_w = -1;
	struct lsl_job_proc *p = NULL;
	int child_fds[8], pipefd[2], k, r;
	const char *base = strrchr(path, '/');

	for (k = 0; k < LSL_JOB_PROCS && !p; k++)
		if (!j->procs[k].running && !j->procs[k].child)
			p = &j->procs[k];
	if (!p || nfds > ARRAY_SIZE(child_fds) || nfds < 3 || (progress && nfds < 5))
		return lsl_err_setf(e, EINVAL, "cannot run %s", path);
	k = (int)(p - j->procs);
	if (!envp)
		return lsl_err_set(e, ENOMEM, "running %s", path);
	if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0)
		return lsl_err_set(e, errno, "pipe");
	p->err_fd = pipefd[0];
	err_w = pipefd[1];
	p->err_len = 0;
	p->err[0] = 0;
	if (fd_set_nonblock(err_w, false) < 0)
		return lsl_err_set(e, errno, "pipe");
	p->err_watch = lsl_loop_watch(j->svc->loop, p->err_fd, EPOLLIN, err_event, p);
	if (!p->err_watch)
		return lsl_err_set(e, errno, "watching %s", path);
	if (progress) {
		if (j->progress_fd < 0) {
			if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0)
				return lsl_err_set(e, errno, "pipe");
			j->progress_fd = pipefd[0];
			prog_w = pipefd[1];
			j->record_len = 0;
			if (fd_set_nonblock(prog_w, false) < 0)
				return lsl_err_set(e, errno, "pipe");
			j->progress_watch = lsl_loop_watch(j->svc->loop, j->progress_fd, EPOLLIN, progress_event, j);
			if (!j->progress_watch)
				return lsl_err_set(e, errno, "watching %s", path);
		} else {
			return lsl_err_setf(e, EBUSY, "cannot run %s: progress is already reported", path);
		}
	}
	memcpy(child_fds, fds, nfds * sizeof(*fds));
	child_fds[2] = err_w;
	if (progress)
		child_fds[4] = prog_w;
	free(p->label);
	p->label = strdup(base ? base + 1 : path);
	p->ok_exits = ok_exits ? ok_exits : 1;
	const struct lsl_spawn_opts o = { .path = path, .argv = argv, .envp = envp, .fds = child_fds, .nfds = nfds };
	r = lsl_child_spawn(j->svc->loop, &o, k == 0 ? proc0_exited : proc1_exited, j, &p->child, e);
	if (r < 0) {
		close_err(p);
		return r;
	}
	p->running = true;
	return 0;
}
