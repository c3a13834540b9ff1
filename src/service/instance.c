/* SPDX-License-Identifier: MIT */
#include "instance.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "client.h"
#include "first-run.h"
#include "host-info.h"
#include "idle.h"
#include "mini-init.h"
#include "paths.h"
#include "service.h"
#include "service-conf.h"
#include "spawn.h"
#include "start-record.h"
#include "util.h"

#define GRACE_MS 5000          /* TERMINATE_INSTANCE: SIGTERM, then this long before SIGKILL */
#define KILL_AFTER_MS 3000     /* after the grace, KILL_INIT if init is still there */
/* With its own systemd, a distribution runs its shutdown transaction: every unit's ExecStop. */
#define SYSTEMD_GRACE_MS 20000
#define GIVE_UP_MS 15000       /* after KILL_INIT, tell the waiters it did not stop */
#define START_TIMEOUT_MS 300000 /* a start that takes longer than this is abandoned */

enum inst_state {
	INST_STARTING,     /* LAUNCH_INIT sent; waiting for CREATE_INSTANCE_RESULT */
	INST_INITIALIZING, /* INITIALIZE sent */
	INST_RUNNING,
	INST_STOPPING,
};

enum timer_kind { TIMER_NONE, TIMER_START, TIMER_GRACE, TIMER_KILLED };

struct pending_run {
	TAILQ_ENTRY(pending_run) link;
	struct lsl_client *client;
	struct lsl_received m;
	bool retried;
	bool first_run_tried; /* its first-run command ran (or failed): not again for this launch */
};
TAILQ_HEAD(run_list, pending_run);

struct stop_waiter {
	TAILQ_ENTRY(stop_waiter) link;
	lsl_stopped_fn fn;
	void *userdata;
};

struct lsl_instance {
	struct lsl_service *svc;
	TAILQ_ENTRY(lsl_instance) link;
	char *name;
	char *rootfs;
	uint32_t default_uid;
	enum inst_state state;
	pid_t pid;            /* host pid of init; 0 until LAUNCH_INIT_RESULT */
	uint64_t launch_seq;  /* while LAUNCH_INIT_RESULT is awaited */
	uint64_t init_seq;    /* INITIALIZE */
	int init_fd;
	struct lsl_watch *init_watch;
	int session_fd;
	struct lsl_watch *session_watch;
	uint64_t session_seq; /* while CREATE_SESSION_RESPONSE is awaited */
	int timer_fd;
	struct lsl_watch *timer_watch;
	enum timer_kind timer;
	struct lsl_client *starter; /* the RUN that started it gets the start-up warnings */
	uint64_t starter_seq;
	struct run_list runs;    /* waiting for RUNNING or for a session */
	struct run_list restart; /* arrived while stopping: run again once stopped */
	TAILQ_HEAD(, stop_waiter) stop_waiters;
	bool gave_up; /* the waiters were told it did not stop */
	bool wants_interop; /* INITIALIZE_RESPONSE said [interop] is enabled */
	bool systemd;       /* INITIALIZE_RESPONSE said [boot] systemd: a longer grace to stop */
	/* wsl-distribution.conf's [oobe], while the registry says it has not run yet. */
	bool first_run;
	char *oobe_command;
	int32_t oobe_default_uid;
	bool uid_from_conf; /* [user] default chose the default user: [oobe] defaultUid does not */
	struct lsl_first_run *oobe;   /* running */
	struct pending_run *oobe_run; /* the launch waiting for it */
	struct lsl_idle *idle;        /* while RUNNING: the idle timeout (idle.h) */
	int32_t idle_timeout_ms;      /* its wsl.conf's, or LSL_IDLE_TIMEOUT_UNSET */
};

static void begin_stop(struct lsl_instance *inst);
static void record_start(struct lsl_instance *inst, const struct lsl_msg_initialize_response *res);

/* lsl's binfmt_misc entry exists while some running distribution wants interop. */
static void update_interop(struct lsl_service *svc)
{
	struct lsl_instance *inst;
	bool wanted = false;

	TAILQ_FOREACH(inst, &svc->instances, link)
		wanted |= inst->state == INST_RUNNING && inst->wants_interop;
	lsl_mini_init_set_interop(svc, wanted);
}
static void dispatch_runs(struct lsl_instance *inst);

/* ---- pending runs ---- */

static struct pending_run *pending_run_new(struct lsl_client *c, struct lsl_received *m)
{
	struct pending_run *pr = calloc(1, sizeof(*pr));

	if (!pr)
		return NULL;
	pr->client = lsl_client_ref(c);
	pr->m = *m;
	*m = (struct lsl_received){ .nfds = 0 };
	return pr;
}

static void pending_run_free(struct pending_run *pr)
{
	lsl_received_free(&pr->m);
	lsl_client_unref(pr->client);
	free(pr);
}

static uint64_t run_seq(const struct pending_run *pr) { return lsl_received_header(&pr->m)->seq; }
static uint32_t run_flags(const struct pending_run *pr) { return ((const struct lsl_msg_run *)pr->m.msg)->flags; }

static void fail_run(struct pending_run *pr, int status, const char *message)
{
	lsl_client_result(pr->client, run_seq(pr), status, message);
	pending_run_free(pr);
}

static void fail_runs(struct run_list *l, int status, const char *message)
{
	struct pending_run *pr;

	while ((pr = TAILQ_FIRST(l))) {
		TAILQ_REMOVE(l, pr, link);
		fail_run(pr, status, message);
	}
}

/* ---- lookup ---- */

struct lsl_instance *lsl_instance_find(struct lsl_service *svc, const char *name)
{
	struct lsl_instance *inst;

	TAILQ_FOREACH(inst, &svc->instances, link)
		if (strcasecmp(inst->name, name) == 0)
			return inst;
	return NULL;
}

pid_t lsl_instance_running_pid(const struct lsl_instance *inst)
{
	return inst->state == INST_RUNNING ? inst->pid : 0;
}

void lsl_instance_set_default_uid(struct lsl_instance *inst, uint32_t uid)
{
	/* [user] default of its wsl.conf chose the user: that still wins, as at the next start. */
	if (!inst->uid_from_conf)
		inst->default_uid = uid;
}

/* ---- the end of an instance ---- */

/* Work of the instance's own that keeps it from being idle: RUNs queued, a session or first run on its way. */
static bool runs_waiting(const struct lsl_instance *inst)
{
	return !TAILQ_EMPTY(&inst->runs) || inst->oobe_run || inst->session_seq;
}

static void close_session(struct lsl_instance *inst)
{
	lsl_loop_unwatch(inst->session_watch);
	inst->session_watch = NULL;
	if (inst->session_fd >= 0)
		close(inst->session_fd);
	inst->session_fd = -1;
	/* Whatever it had not answered will never be. */
	lsl_idle_session_lost(inst->idle, runs_waiting(inst));
}

static void close_init_channel(struct lsl_instance *inst)
{
	lsl_loop_unwatch(inst->init_watch);
	inst->init_watch = NULL;
	if (inst->init_fd >= 0)
		close(inst->init_fd);
	inst->init_fd = -1;
}

static void release_starter(struct lsl_instance *inst)
{
	lsl_client_unref(inst->starter);
	inst->starter = NULL;
}

static void instance_free(struct lsl_instance *inst)
{
	lsl_first_run_free(inst->oobe);
	if (inst->oobe_run)
		fail_run(inst->oobe_run, -ESHUTDOWN, "the distribution stopped");
	free(inst->oobe_command);
	lsl_idle_free(TAKE_PTR(inst->idle));
	close_session(inst);
	close_init_channel(inst);
	lsl_loop_unwatch(inst->timer_watch);
	if (inst->timer_fd >= 0)
		close(inst->timer_fd);
	release_starter(inst);
	free(inst->name);
	free(inst->rootfs);
	free(inst);
}

/* The instance is gone (its init exited, or it never had one): tell everyone waiting on it. */
static void instance_gone(struct lsl_instance *inst, const char *why)
{
	struct lsl_service *svc = inst->svc;
	struct run_list restart = TAILQ_HEAD_INITIALIZER(restart);
	struct stop_waiter *w;
	struct pending_run *pr;
	char msg[LSL_ERR_MAX];

	TAILQ_REMOVE(&svc->instances, inst, link);
	update_interop(svc);
	snprintf(msg, sizeof(msg), "%s %s", inst->name, why);
	fail_runs(&inst->runs, -ESHUTDOWN, msg);
	while ((pr = TAILQ_FIRST(&inst->restart))) {
		TAILQ_REMOVE(&inst->restart, pr, link);
		TAILQ_INSERT_TAIL(&restart, pr, link);
	}
	while ((w = TAILQ_FIRST(&inst->stop_waiters))) {
		TAILQ_REMOVE(&inst->stop_waiters, w, link);
		if (w->fn)
			w->fn(w->userdata, 0, NULL);
		free(w);
	}
	instance_free(inst);

	/* RUNs that came while it stopped: a new start, through the registry again. */
	while ((pr = TAILQ_FIRST(&restart))) {
		TAILQ_REMOVE(&restart, pr, link);
		if (pr->client->closed) {
			pending_run_free(pr);
			continue;
		}
		lsl_api_run(svc, pr->client, &pr->m);
		pending_run_free(pr);
	}
	lsl_service_check_idle(svc);
}

static void arm_timer(struct lsl_instance *inst, enum timer_kind kind, uint64_t ms)
{
	inst->timer = kind;
	if (lsl_timer_arm(inst->timer_fd, ms) < 0)
		log_warning_errno(errno, "arming a timer for %s", inst->name);
}

/* init is known: ask it to end, with KILL_INIT as the fallback. */
static void terminate_init(struct lsl_instance *inst)
{
	uint32_t grace = inst->systemd ? SYSTEMD_GRACE_MS : GRACE_MS;
	struct lsl_msg_terminate_instance t = {
		.hdr = { .type = LSL_MSG_TERMINATE_INSTANCE, .size = sizeof(t), .seq = lsl_channel_next_seq() },
		.grace_ms = grace,
	};

	if (inst->init_fd >= 0) {
		int r = lsl_channel_send(inst->init_fd, &t, sizeof(t), NULL, 0);
		if (r < 0)
			log_debug("%s: TERMINATE_INSTANCE: %s", inst->name, strerror(-r));
	}
	arm_timer(inst, TIMER_GRACE, grace + KILL_AFTER_MS);
}

static void begin_stop(struct lsl_instance *inst)
{
	char msg[LSL_ERR_MAX];

	if (inst->state == INST_STOPPING)
		return;
	if (inst->state != INST_RUNNING) {
		snprintf(msg, sizeof(msg), "%s was stopped before it finished starting", inst->name);
		fail_runs(&inst->runs, -ECANCELED, msg);
	}
	inst->state = INST_STOPPING;
	update_interop(inst->svc);
	release_starter(inst);
	lsl_idle_free(TAKE_PTR(inst->idle));
	close_session(inst);
	log_info("stopping %s", inst->name);
	if (inst->pid > 0)
		terminate_init(inst);
	else if (!inst->launch_seq)
		instance_gone(inst, "stopped");
	/* else: LAUNCH_INIT_RESULT decides (lsl_instance_launch_result). */
}

void lsl_instance_stop(struct lsl_instance *inst, lsl_stopped_fn done, void *userdata)
{
	if (done && inst->gave_up) {
		char msg[LSL_ERR_MAX];
		snprintf(msg, sizeof(msg), "%s does not stop (its init, pid %d, is still there)", inst->name,
			 (int)inst->pid);
		done(userdata, -ETIMEDOUT, msg);
		return;
	}
	if (done) {
		struct stop_waiter *w = calloc(1, sizeof(*w));
		if (!w) {
			done(userdata, -ENOMEM, "out of memory");
			return;
		}
		w->fn = done;
		w->userdata = userdata;
		TAILQ_INSERT_TAIL(&inst->stop_waiters, w, link);
	}
	begin_stop(inst);
}

void lsl_instance_stop_all(struct lsl_service *svc)
{
	struct lsl_instance *inst = TAILQ_FIRST(&svc->instances), *next;

	for (; inst; inst = next) {
		next = TAILQ_NEXT(inst, link);
		begin_stop(inst);
	}
}

/* A start went wrong: the waiting RUNs learn why, and whatever was started is stopped. */
static void start_failed(struct lsl_instance *inst, int status, const char *message)
{
	log_warning("%s", message);
	fail_runs(&inst->runs, status < 0 ? status : -EIO, message);
	begin_stop(inst);
}

/* A shutdown's answer names every instance it had to leave behind. */
static void note_abandoned(struct lsl_service *svc, const char *what)
{
	char *joined = svc->shutdown_failure ? strdup_printf("%s; %s", svc->shutdown_failure, what)
					     : strdup_printf("lslservice stopped, but %s", what);

	if (!joined)
		return; /* the log has it */
	free(svc->shutdown_failure);
	svc->shutdown_failure = joined;
}

static void timer_event(void *userdata, uint32_t events)
{
	struct lsl_instance *inst = userdata;
	struct stop_waiter *w;
	char msg[LSL_ERR_MAX];

	lsl_timer_ack(inst->timer_fd);
	switch (inst->timer) {
	case TIMER_START:
		snprintf(msg, sizeof(msg), "cannot start %s: it did not finish starting within %d seconds", inst->name,
			 START_TIMEOUT_MS / 1000);
		start_failed(inst, -ETIMEDOUT, msg);
		break;
	case TIMER_GRACE:
		log_warning("%s did not stop within its grace period: killing its init (pid %d)", inst->name,
			    (int)inst->pid);
		if (lsl_mini_init_kill(inst->svc, inst->pid) < 0)
			log_warning("could not ask mini_init to kill pid %d", (int)inst->pid);
		arm_timer(inst, TIMER_KILLED, GIVE_UP_MS);
		break;
	case TIMER_KILLED:
		/* Still no CHILD_EXIT: say so, and keep waiting for it in the background. */
		snprintf(msg, sizeof(msg), "%s did not stop (its init, pid %d, is still there)", inst->name,
			 (int)inst->pid);
		log_error("%s", msg);
		inst->gave_up = true;
		while ((w = TAILQ_FIRST(&inst->stop_waiters))) {
			TAILQ_REMOVE(&inst->stop_waiters, w, link);
			w->fn(w->userdata, -ETIMEDOUT, msg);
			free(w);
		}
		inst->timer = TIMER_NONE;
		/* A shutdown ends in bounded time: mini_init, told to go, deals with what is left. */
		if (inst->svc->shutting_down) {
			note_abandoned(inst->svc, msg);
			instance_gone(inst, "was abandoned (its init does not exit)");
		}
		break;
	case TIMER_NONE:
		break;
	}
}

/* ---- the init channel ---- */

static void send_warnings(struct lsl_instance *inst, const void *msg, const struct lsl_strv *v)
{
	_cleanup_free_ const char **warnings = NULL;

	if (v->count == 0 || lsl_msg_strv(msg, v, &warnings) < 0)
		return;
	for (const char **w = warnings; *w; w++) {
		log_info("%s: warning: %s", inst->name, *w);
		if (inst->starter)
			lsl_client_warning(inst->starter, inst->starter_seq, *w);
	}
}

static void send_initialize(struct lsl_instance *inst)
{
	_cleanup_msg_ struct lsl_msg_builder b = { 0 };
	struct lsl_host_info host = { 0 };
	struct utsname u;
	char msg[LSL_ERR_MAX];
	int r;

	if (uname(&u) < 0)
		u.nodename[0] = 0;
	lsl_host_info_read(&host);
	r = lsl_msg_init(&b, LSL_MSG_INITIALIZE, sizeof(struct lsl_msg_initialize));
	if (r == 0) {
		((struct lsl_msg_initialize *)lsl_msg_body(&b))->default_uid = inst->default_uid;
		lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_initialize, distribution), inst->name);
		lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_initialize, hostname), u.nodename[0] ? u.nodename : NULL);
		lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_initialize, host_hosts), host.hosts);
		lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_initialize, host_resolv_conf), host.resolv_conf);
		lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_initialize, timezone), host.timezone);
		inst->init_seq = lsl_channel_next_seq();
		r = lsl_channel_send_builder(inst->init_fd, &b, inst->init_seq, NULL, 0);
	}
	lsl_host_info_free(&host);
	if (r < 0) {
		snprintf(msg, sizeof(msg), "cannot start %s: sending INITIALIZE: %s", inst->name, strerror(-r));
		start_failed(inst, r, msg);
		return;
	}
	inst->state = INST_INITIALIZING;
}

static void on_create_instance_result(struct lsl_instance *inst, const struct lsl_received *m)
{
	const struct lsl_msg_create_instance_result *res = m->msg;
	const char *text = lsl_msg_str(m->msg, res->message);
	char msg[LSL_ERR_MAX];

	if (inst->state != INST_STARTING) {
		log_warning("%s: ignoring a second CREATE_INSTANCE_RESULT", inst->name);
		return;
	}
	send_warnings(inst, m->msg, &res->warnings);
	if (res->status < 0 || res->status > 0) {
		snprintf(msg, sizeof(msg), "cannot start %s: %s", inst->name,
			 !isempty(text) ? text : strerror(res->status < 0 ? -res->status : EIO));
		start_failed(inst, res->status < 0 ? res->status : -EIO, msg);
		return;
	}
	send_initialize(inst);
}

/* ---- idle (idle.h) ---- */

static int32_t idle_timeout(void *userdata)
{
	const struct lsl_instance *inst = userdata;

	if (inst->idle_timeout_ms != LSL_IDLE_TIMEOUT_UNSET)
		return inst->idle_timeout_ms;
	return lsl_service_conf_get()->idle_timeout_ms;
}

static uint64_t idle_check(void *userdata)
{
	struct lsl_instance *inst = userdata;
	struct lsl_msg_empty m = { .hdr = { .type = LSL_MSG_IDLE_CHECK, .size = sizeof(m),
					    .seq = lsl_channel_next_seq() } };
	int r = inst->init_fd >= 0 ? lsl_channel_send(inst->init_fd, &m, sizeof(m), NULL, 0) : -EPIPE;

	if (r < 0) {
		log_warning("%s: sending IDLE_CHECK: %s", inst->name, strerror(-r));
		return 0;
	}
	return m.hdr.seq;
}

static void idle_stop(void *userdata)
{
	struct lsl_instance *inst = userdata;

	log_info("%s is idle (idle timeout %d ms): stopping it", inst->name, (int)idle_timeout(inst));
	lsl_instance_stop(inst, NULL, NULL);
}

static const struct lsl_idle_ops idle_ops = { .timeout_ms = idle_timeout, .check = idle_check, .stop = idle_stop };

static void on_initialize_response(struct lsl_instance *inst, const struct lsl_received *m)
{
	const struct lsl_msg_initialize_response *res = m->msg;
	const char *text = lsl_msg_str(m->msg, res->message);
	char msg[LSL_ERR_MAX];
	int r;

	if (inst->state != INST_INITIALIZING || lsl_received_header(m)->seq != inst->init_seq) {
		log_warning("%s: ignoring an unexpected INITIALIZE_RESPONSE", inst->name);
		return;
	}
	send_warnings(inst, m->msg, &res->warnings);
	if (res->status != 0) {
		snprintf(msg, sizeof(msg), "cannot start %s: %s", inst->name,
			 !isempty(text) ? text : strerror(res->status < 0 ? -res->status : EIO));
		start_failed(inst, res->status < 0 ? res->status : -EIO, msg);
		return;
	}
	inst->uid_from_conf = res->default_uid != inst->default_uid;
	inst->default_uid = res->default_uid;
	inst->wants_interop = res->flags & LSL_INSTANCE_INTEROP;
	inst->systemd = res->flags & LSL_INSTANCE_SYSTEMD;
	inst->oobe_default_uid = res->oobe_default_uid;
	if (inst->first_run && !isempty(lsl_msg_str(m->msg, res->oobe_command)))
		inst->oobe_command = strdup(lsl_msg_str(m->msg, res->oobe_command));
	record_start(inst, res);
	inst->state = INST_RUNNING;
	inst->idle_timeout_ms = res->idle_timeout_ms < -1 ? LSL_IDLE_TIMEOUT_UNSET : res->idle_timeout_ms;
	r = lsl_idle_new(inst->svc->loop, &idle_ops, inst, &inst->idle);
	if (r < 0)
		log_warning("%s: no idle timeout: %s", inst->name, strerror(-r));
	update_interop(inst->svc);
	/* Its systemd has booted: whatever it did to binfmt_misc, lsl's entry must be there. */
	if (inst->systemd)
		lsl_mini_init_recheck_interop(inst->svc);
	arm_timer(inst, TIMER_NONE, 0);
	release_starter(inst);
	log_info("%s is running (init pid %d)", inst->name, (int)inst->pid);
	dispatch_runs(inst);
}

/* The [oobe] default user takes effect now, unless [user] default already chose one. */
static int32_t oobe_uid(struct lsl_instance *inst)
{
	if (inst->oobe_default_uid < 0)
		return -1;
	if (!inst->uid_from_conf)
		inst->default_uid = (uint32_t)inst->oobe_default_uid;
	return inst->oobe_default_uid;
}

static void record_start(struct lsl_instance *inst, const struct lsl_msg_initialize_response *res)
{
	struct lsl_start_record si = {
		.os_id = lsl_msg_str(res, res->os_id),
		.os_version = lsl_msg_str(res, res->os_version),
		.user_uid = res->default_uid,
		.systemd = res->flags & LSL_INSTANCE_SYSTEMD,
		.default_uid = -1,
	};

	/* Without a first-run command, the first start is the whole first run. */
	if (inst->first_run && !inst->oobe_command) {
		si.first_run_done = true;
		si.default_uid = oobe_uid(inst);
		si.user_uid = inst->default_uid;
		inst->first_run = false;
	}
	lsl_record_start(&inst->svc->store, inst->name, &si);
}

#define SESSION_EVENTS (EPOLLIN | EPOLLRDHUP)

static void session_event(void *userdata, uint32_t events)
{
	struct lsl_instance *inst = userdata;

	if (events & EPOLLOUT) {
		/* Room again for the CREATE_PROCESS that did not fit. */
		(void)lsl_loop_modify(inst->session_watch, SESSION_EVENTS);
		dispatch_runs(inst);
	}
	/* The session leader answers each CREATE_PROCESS with RESULT once its process exists (or cannot). */
	while (inst->session_fd >= 0) {
		_cleanup_received_ struct lsl_received m = { .nfds = 0 };
		struct lsl_err e = { 0 };
		int r = lsl_channel_recv(inst->session_fd, &m, &e);

		if (r == -EAGAIN)
			return;
		if (r == -EBADMSG) {
			log_warning("%s: malformed message from the session leader: %s", inst->name, lsl_err_str(&e));
			continue;
		}
		if (r < 0) {
			/* The session leader is gone; the next RUN makes a new one. */
			log_debug("%s: the session leader closed its channel", inst->name);
			close_session(inst);
			return;
		}
		if (lsl_received_header(&m)->type == LSL_MSG_RESULT)
			lsl_idle_answered(inst->idle, runs_waiting(inst));
		else
			log_warning("%s: ignoring an unexpected %s from the session leader", inst->name,
				    lsl_msg_type_name(lsl_received_header(&m)->type));
	}
}

static void on_session_response(struct lsl_instance *inst, struct lsl_received *m)
{
	const struct lsl_msg_create_session_response *res = m->msg;
	const char *text = lsl_msg_str(m->msg, res->message);
	char msg[LSL_ERR_MAX];
	int status = res->status;

	if (inst->state != INST_RUNNING || !inst->session_seq || lsl_received_header(m)->seq != inst->session_seq) {
		log_warning("%s: ignoring an unexpected CREATE_SESSION_RESPONSE", inst->name);
		return;
	}
	inst->session_seq = 0;
	if (status == 0 && m->nfds != 1)
		status = -EPROTO, text = "no session channel came with the answer";
	if (status != 0) {
		snprintf(msg, sizeof(msg), "cannot create a session in %s: %s", inst->name,
			 !isempty(text) ? text : strerror(status < 0 ? -status : EIO));
		log_warning("%s", msg);
		fail_runs(&inst->runs, status < 0 ? status : -EIO, msg);
		return;
	}
	inst->session_fd = TAKE_FD(m->fds[0]);
	if (fd_set_nonblock(inst->session_fd, true) < 0 ||
	    !(inst->session_watch = lsl_loop_watch(inst->svc->loop, inst->session_fd, SESSION_EVENTS, session_event, inst))) {
		snprintf(msg, sizeof(msg), "cannot use the session of %s: %s", inst->name, strerror(errno));
		close_session(inst);
		fail_runs(&inst->runs, -EIO, msg);
		return;
	}
	dispatch_runs(inst);
}

static void init_channel_closed(struct lsl_instance *inst)
{
	char msg[LSL_ERR_MAX];

	close_init_channel(inst);
	if (inst->state == INST_STOPPING)
		return;
	if (inst->state == INST_RUNNING) {
		log_warning("the init of %s exited", inst->name);
		begin_stop(inst);
		return;
	}
	snprintf(msg, sizeof(msg), "cannot start %s: its init exited during start-up (see %s/lslservice.log)",
		 inst->name, lsl_runtime_dir());
	start_failed(inst, -ECHILD, msg);
}

/* Handle one message from init. Returns false when there is none (more): EAGAIN, or the channel closed. */
static bool read_init(struct lsl_instance *inst)
{
	_cleanup_received_ struct lsl_received m = { .nfds = 0 };
	struct lsl_err e = { 0 };
	int r;

	if (inst->init_fd < 0)
		return false;
	r = lsl_channel_recv(inst->init_fd, &m, &e);
	if (r == -EAGAIN)
		return false;
	if (r == -EBADMSG) {
		log_warning("%s: malformed message from init: %s", inst->name, lsl_err_str(&e));
		return true;
	}
	if (r < 0) {
		init_channel_closed(inst);
		return false;
	}
	switch (lsl_received_header(&m)->type) {
	case LSL_MSG_CREATE_INSTANCE_RESULT:
		on_create_instance_result(inst, &m);
		break;
	case LSL_MSG_INITIALIZE_RESPONSE:
		on_initialize_response(inst, &m);
		break;
	case LSL_MSG_CREATE_SESSION_RESPONSE:
		on_session_response(inst, &m);
		break;
	case LSL_MSG_INSTANCE_IDLE: {
		const struct lsl_msg_instance_idle *x = m.msg;
		/* Only a running instance has an idle timeout; before and while stopping this is moot. */
		log_debug("%s: INSTANCE_IDLE{%u, %u processes} seq %llu", inst->name, x->idle, x->processes,
			  (unsigned long long)x->hdr.seq);
		lsl_idle_report(inst->idle, x->hdr.seq, x->idle != 0);
		break;
	}
	default:
		log_warning("%s: ignoring an unexpected %s from init", inst->name,
			    lsl_msg_type_name(lsl_received_header(&m)->type));
	}
	return true;
}

static void init_event(void *userdata, uint32_t events) { read_init(userdata); }

/* ---- RUN ---- */

static void request_session(struct lsl_instance *inst)
{
	struct lsl_msg_create_session s = { .hdr = { .type = LSL_MSG_CREATE_SESSION, .size = sizeof(s) } };
	char msg[LSL_ERR_MAX];
	int r = -EPIPE;

	s.hdr.seq = lsl_channel_next_seq();
	if (inst->init_fd >= 0)
		r = lsl_channel_send(inst->init_fd, &s, sizeof(s), NULL, 0);
	if (r < 0) {
		snprintf(msg, sizeof(msg), "cannot create a session in %s: %s", inst->name, strerror(-r));
		fail_runs(&inst->runs, r, msg);
		return;
	}
	inst->session_seq = s.hdr.seq;
}

static int send_create_process(struct lsl_instance *inst, struct pending_run *pr)
{
	const struct lsl_msg_run *run = pr->m.msg;
	_cleanup_msg_ struct lsl_msg_builder b = { 0 };
	_cleanup_free_ const char **argv = NULL, **env = NULL;
	struct lsl_msg_create_process *cp;
	int r;

	if (lsl_msg_strv(run, &run->argv, &argv) < 0 || lsl_msg_strv(run, &run->env, &env) < 0)
		return -ENOMEM;
	r = lsl_msg_init(&b, LSL_MSG_CREATE_PROCESS, sizeof(*cp));
	if (r < 0)
		return r;
	cp = lsl_msg_body(&b);
	cp->flags = run->flags;
	cp->rows = run->rows; /* LSL_RUN_PTY: the pty's first window size */
	cp->cols = run->cols;
	cp->default_uid = inst->default_uid;
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_create_process, distribution), inst->name);
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_create_process, user), lsl_msg_str(run, run->user));
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_create_process, cwd), lsl_msg_str(run, run->cwd));
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_create_process, filename), lsl_msg_str(run, run->filename));
	lsl_msg_put_strv(&b, LSL_FIELD(lsl_msg_create_process, argv), argv);
	lsl_msg_put_strv(&b, LSL_FIELD(lsl_msg_create_process, env), env);
	return lsl_channel_send_builder(inst->session_fd, &b, run_seq(pr), pr->m.fds, pr->m.nfds);
}

static void first_run_done(void *userdata, int exit_code, const char *message)
{
	struct lsl_instance *inst = userdata;
	struct pending_run *pr = TAKE_PTR(inst->oobe_run);
	struct lsl_start_record si = { .default_uid = -1 };
	char text[LSL_ERR_MAX];
	bool ok = exit_code == 0;

	lsl_first_run_free(TAKE_PTR(inst->oobe));
	if (ok) {
		free(TAKE_PTR(inst->oobe_command));
		inst->first_run = false;
		si.first_run_done = true;
		si.default_uid = oobe_uid(inst);
		si.user_uid = inst->default_uid;
		si.os_id = NULL;
		/* Only the first-run fields: keep what the start reported. */
		lsl_record_first_run(&inst->svc->store, inst->name, &si);
	} else {
		if (exit_code < 0)
			snprintf(text, sizeof(text), "the first-run command of %s could not run: %s; it runs again at the next launch",
				 inst->name, message ? message : strerror(-exit_code));
		else
			snprintf(text, sizeof(text), "the first-run command of %s exited with status %d; it runs again at the next launch",
				 inst->name, exit_code);
		log_warning("%s", text);
		if (pr && !pr->client->closed)
			lsl_client_warning(pr->client, run_seq(pr), text);
	}
	if (pr)
		TAILQ_INSERT_HEAD(&inst->runs, pr, link);
	dispatch_runs(inst);
}

static void start_first_run(struct lsl_instance *inst, struct pending_run *pr)
{
	const struct lsl_msg_run *run = pr->m.msg;
	_cleanup_free_ const char **env = NULL;
	int r = lsl_msg_strv(run, &run->env, &env);

	inst->oobe_run = pr;
	pr->first_run_tried = true;
	if (r == 0)
		r = lsl_first_run_start(inst->svc->loop, inst->session_fd, inst->name, inst->oobe_command, pr->m.fds,
					env, first_run_done, inst, &inst->oobe);
	if (r == 0)
		lsl_idle_sent(inst->idle); /* the session leader answers it like any CREATE_PROCESS */
	if (r < 0)
		first_run_done(inst, r, strerror(-r));
}

static void dispatch_runs(struct lsl_instance *inst)
{
	struct pending_run *pr;
	char msg[LSL_ERR_MAX];

	while (inst->state == INST_RUNNING && (pr = TAILQ_FIRST(&inst->runs))) {
		int r;

		if (pr->client->closed) {
			/* Its caller is gone: start nothing on its behalf. */
			TAILQ_REMOVE(&inst->runs, pr, link);
			pending_run_free(pr);
			continue;
		}
		if (inst->session_fd < 0) {
			if (!inst->session_seq)
				request_session(inst);
			break;
		}
		/* Launches wait while the first-run command runs: it may be creating the user they need. */
		if (inst->oobe_run)
			break;
		if (inst->oobe_command && !pr->first_run_tried &&
		    (((const struct lsl_msg_run *)pr->m.msg)->flags & LSL_RUN_LOGIN)) {
			TAILQ_REMOVE(&inst->runs, pr, link);
			start_first_run(inst, pr);
			continue;
		}
		r = send_create_process(inst, pr);
		if (r == 0) {
			TAILQ_REMOVE(&inst->runs, pr, link);
			lsl_idle_sent(inst->idle);
			lsl_client_result(pr->client, run_seq(pr), 0, NULL);
			pending_run_free(pr);
			continue;
		}
		/* The session leader's queue is full (many RUNs at once): the rest go once it has room. */
		if (r == -EAGAIN && lsl_loop_modify(inst->session_watch, SESSION_EVENTS | EPOLLOUT) == 0)
			break;
		if ((r == -EPIPE || r == -ECONNRESET || r == -ENOTCONN) && !pr->retried) {
			/* The session leader went away: once more with a new one. */
			pr->retried = true;
			close_session(inst);
			continue;
		}
		TAILQ_REMOVE(&inst->runs, pr, link);
		if (r == -EMSGSIZE)
			snprintf(msg, sizeof(msg), "the command is too long (a request is at most %d bytes)", LSL_MSG_MAX);
		else
			snprintf(msg, sizeof(msg), "cannot start the command in %s: %s", inst->name, strerror(-r));
		fail_run(pr, r, msg);
	}
	lsl_idle_update(inst->idle, runs_waiting(inst));
}

static struct lsl_instance *instance_start(struct lsl_service *svc, const struct lsl_distro *d,
					   struct pending_run *first)
{
	_cleanup_free_ char *cgroup = NULL;
	_cleanup_close_ int theirs = -1;
	struct lsl_instance *inst;
	struct lsl_err e = { 0 };
	char msg[LSL_ERR_MAX];
	int sv[2], r;

	inst = calloc(1, sizeof(*inst));
	if (!inst) {
		fail_run(first, -ENOMEM, "out of memory");
		return NULL;
	}
	*inst = (struct lsl_instance){ .svc = svc, .init_fd = -1, .session_fd = -1, .timer_fd = -1,
				       .default_uid = d->default_uid, .state = INST_STARTING,
				       .first_run = d->first_run, .oobe_default_uid = -1,
				       .idle_timeout_ms = LSL_IDLE_TIMEOUT_UNSET };
	TAILQ_INIT(&inst->runs);
	TAILQ_INIT(&inst->restart);
	TAILQ_INIT(&inst->stop_waiters);
	inst->name = strdup(d->name);
	inst->rootfs = strdup(d->rootfs);
	cgroup = strdup_printf("%s/%s", lsl_cgroup_base(), d->name);
	if (!inst->name || !inst->rootfs || !cgroup) {
		r = lsl_err_set(&e, ENOMEM, "preparing");
		goto fail;
	}
	inst->timer_fd = lsl_timer_new();
	if (inst->timer_fd < 0) {
		r = lsl_err_set(&e, inst->timer_fd, "timerfd");
		goto fail;
	}
	inst->timer_watch = lsl_loop_watch(svc->loop, inst->timer_fd, EPOLLIN, timer_event, inst);
	if (!inst->timer_watch) {
		r = lsl_err_set(&e, errno, "watching a timer");
		goto fail;
	}
	r = lsl_channel_pair(sv);
	if (r < 0) {
		lsl_err_set(&e, r, "creating the init channel");
		goto fail;
	}
	inst->init_fd = sv[0];
	theirs = sv[1];
	if (fd_set_nonblock(inst->init_fd, true) < 0) {
		r = lsl_err_set(&e, errno, "creating the init channel");
		goto fail;
	}
	inst->init_watch = lsl_loop_watch(svc->loop, inst->init_fd, EPOLLIN | EPOLLRDHUP, init_event, inst);
	if (!inst->init_watch) {
		r = lsl_err_set(&e, errno, "watching the init channel");
		goto fail;
	}
	r = lsl_mini_init_launch(svc, inst->name, inst->rootfs, cgroup,
				 ((run_flags(first) & LSL_RUN_SAFE_MODE) ? LSL_LAUNCH_SAFE_MODE : 0) |
					 (d->image ? LSL_LAUNCH_IMAGE : 0),
				 theirs,
				 &inst->launch_seq, &e);
	if (r < 0)
		goto fail;

	log_info("starting %s (%s)", inst->name, inst->rootfs);
	inst->starter = lsl_client_ref(first->client);
	inst->starter_seq = run_seq(first);
	arm_timer(inst, TIMER_START, START_TIMEOUT_MS);
	TAILQ_INSERT_TAIL(&svc->instances, inst, link);
	TAILQ_INSERT_TAIL(&inst->runs, first, link);
	return inst;

fail:
	snprintf(msg, sizeof(msg), "cannot start %s: %s", d->name, lsl_err_str(&e));
	log_warning("%s", msg);
	fail_run(first, r, msg);
	instance_free(inst);
	return NULL;
}

void lsl_instance_run(struct lsl_service *svc, const struct lsl_distro *d, struct lsl_client *c,
		      struct lsl_received *m)
{
	struct lsl_instance *inst = lsl_instance_find(svc, d->name);
	struct pending_run *pr = pending_run_new(c, m);

	if (!pr) {
		lsl_client_result(c, lsl_received_header(m)->seq, -ENOMEM, "out of memory");
		return;
	}
	if (!inst) {
		instance_start(svc, d, pr);
		return;
	}
	if (inst->state == INST_STOPPING) {
		TAILQ_INSERT_TAIL(&inst->restart, pr, link);
		return;
	}
	if (run_flags(pr) & LSL_RUN_SAFE_MODE) {
		char text[LSL_ERR_MAX];
		snprintf(text, sizeof(text), "%s is already running: safe mode applies at its next start", inst->name);
		lsl_client_warning(c, run_seq(pr), text);
	}
	/* Not idle any more: no timer, and the answer to a check in flight no longer counts. */
	lsl_idle_run(inst->idle);
	TAILQ_INSERT_TAIL(&inst->runs, pr, link);
	dispatch_runs(inst);
}

/* ---- from mini_init ---- */

void lsl_instance_launch_result(struct lsl_service *svc, uint64_t seq, int status, pid_t pid, const char *message)
{
	struct lsl_instance *inst;
	char msg[LSL_ERR_MAX];

	TAILQ_FOREACH(inst, &svc->instances, link)
		if (inst->launch_seq == seq)
			break;
	if (!inst) {
		log_warning("LAUNCH_INIT_RESULT for no known request (pid %d)", (int)pid);
		if (status == 0 && pid > 0)
			(void)lsl_mini_init_kill(svc, pid);
		return;
	}
	inst->launch_seq = 0;
	if (status < 0) {
		snprintf(msg, sizeof(msg), "cannot start %s: %s", inst->name,
			 !isempty(message) ? message : strerror(-status));
		if (inst->state != INST_STOPPING)
			start_failed(inst, status, msg); /* no init: the instance is gone at once */
		else
			instance_gone(inst, "stopped");
		return;
	}
	inst->pid = pid;
	log_debug("%s: init is pid %d", inst->name, (int)pid);
	if (inst->state == INST_STOPPING)
		terminate_init(inst);
}

bool lsl_instance_child_exit(struct lsl_service *svc, pid_t pid, int wait_status)
{
	struct lsl_instance *inst;

	TAILQ_FOREACH(inst, &svc->instances, link)
		if (inst->pid == pid)
			break;
	if (!inst)
		return false;
	/*
	 * What init said before it exited is still queued on its channel (a
	 * failed start's reason): read it first, so that the waiting RUNs get
	 * that reason. The pid is known, so this cannot free the instance.
	 */
	while (read_init(inst))
		;
	log_info("%s stopped (init %s)", inst->name, lsl_wait_status_str(wait_status));
	instance_gone(inst, inst->state == INST_STOPPING ? "stopped" : "stopped unexpectedly");
	return true;
}

void lsl_instance_mini_init_lost(struct lsl_service *svc)
{
	struct lsl_instance *inst;

	while ((inst = TAILQ_FIRST(&svc->instances)))
		instance_gone(inst, "was lost with mini_init");
}
