/* SPDX-License-Identifier: MIT */
/*
 * pid 1 of a distribution: check how it was started, boot, report the start
 * on the init channel, then serve INITIALIZE, CREATE_SESSION and
 * TERMINATE_INSTANCE while reaping every orphan of the namespace. With
 * [boot] systemd, init hands pid 1 to systemd at the first INITIALIZE and
 * goes on as its child (systemd.h).
 */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "automount.h"
#include "boot-command.h"
#include "boot.h"
#include "cgroup.h"
#include "channel.h"
#include "distro-config.h"
#include "fd-limit.h"
#include "fstab-mount.h"
#include "idle.h"
#include "log.h"
#include "network-setup.h"
#include "os-release.h"
#include "passwd.h"
#include "protocol.h"
#include "session.h"
#include "systemd.h"
#include "terminate.h"
#include "timezone.h"
#include "user-session.h"
#include "util.h"
#include "warnings.h"

enum { EV_CHANNEL = 1, EV_SIGNAL, EV_TIMER, EV_IDLE };
/* systemd.h's three fds: notifications, exec outcome, boot timer. */
enum { EV_SYSTEMD = 100, EV_SYSTEMD_LAST = EV_SYSTEMD + 2 };

struct init_state {
	int channel_fd;
	int epoll_fd;
	int signal_fd;
	struct lsl_terminator term;
	char *distribution;
	struct lsl_wsl_conf conf;            /* /etc/wsl.conf as read at boot */
	struct lsl_distribution_conf dconf;  /* /etc/wsl-distribution.conf */
	bool initialized;                    /* INITIALIZE's one-time steps are done */
	int host_root_fd;                    /* the host's mount tree, until automount used it */
	uint32_t default_uid;                /* after [user] default */
	struct lsl_idle_watch idle;          /* who is a user process; the session leaders' eventfd */
	bool safe_mode;                      /* lsl --safe-mode: /etc/wsl.conf is ignored */
	struct lsl_systemd systemd;          /* [boot] systemd (systemd.h) */
	bool deferred;                       /* the first INITIALIZE's answer waits for systemd's boot */
	uint64_t deferred_seq;               /* its seq */
	struct lsl_warnings deferred_w;      /* and its warnings */
};

static char log_name[96];

static bool start_systemd(struct init_state *s, struct lsl_warnings *w);
static void reply_initialize(struct init_state *s, uint64_t seq, struct lsl_warnings *warnings);

static void set_log_name(const char *distribution)
{
	snprintf(log_name, sizeof(log_name), "init(%s)", distribution ? distribution : "?");
	lsl_log_init(log_name);
}

/* The channel fd from LSL_INIT_CHANNEL, if it is a SOCK_SEQPACKET socket. */
static int channel_from_env(void)
{
	const char *s = getenv("LSL_INIT_CHANNEL");
	int fd, r;

	if (!s || safe_atoi(s, &fd) < 0 || fd < 3)
		return -EBADF;
	r = lsl_channel_check(fd);
	return r < 0 ? r : fd;
}

/* Keep only 0-2, the channel and the host tree: nothing else of whoever started us leaks in. */
static void close_inherited_fds(int channel, int host_root)
{
	int keep[] = { channel, host_root };

	close_all_fds(3, keep, host_root >= 0 ? 2 : 1);
}

/*
 * fds 0-2 are the service's log; should any be closed, /dev/null takes its
 * place, or a later socket would land there and leak into every session.
 */
static void ensure_stdio(void) { fill_std_fds(0); }

static int send_create_instance_result(int fd, int status, const char *message, char *const *warnings)
{
	_cleanup_msg_ struct lsl_msg_builder b;
	struct lsl_msg_create_instance_result *m;
	int r = lsl_msg_init(&b, LSL_MSG_CREATE_INSTANCE_RESULT, sizeof(*m));

	if (r < 0)
		return r;
	m = lsl_msg_body(&b);
	m->status = status;
	m->step = status < 0 ? LSL_STEP_BOOT : LSL_STEP_NONE;
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_create_instance_result, message), message);
	lsl_msg_put_strv(&b, LSL_FIELD(lsl_msg_create_instance_result, warnings), (const char *const *)warnings);
	return lsl_channel_send_builder(fd, &b, 0, NULL, 0);
}

/* ---- requests ---- */

/* [user] default, resolved in the distribution's own /etc/passwd; default_uid when unset or unknown. */
static uint32_t configured_default_uid(struct init_state *s, int rootfd, uint32_t default_uid, struct lsl_warnings *w)
{
	struct lsl_user u = { 0 };
	struct lsl_err e = { 0 };
	uint32_t uid = default_uid;

	if (!s->conf.user_default)
		return default_uid;
	if (lsl_user_resolve_at(rootfd, s->conf.user_default, default_uid, s->distribution, &u, &e) < 0)
		lsl_warn(w, "/etc/wsl.conf: user.default: %s", lsl_err_str(&e));
	else
		uid = u.uid;
	lsl_user_clear(&u);
	return uid;
}

/* The steps WSL's init takes when the service first speaks, in its order. */
static void first_initialize(struct init_state *s, const struct lsl_msg_initialize *m, int rootfd,
			     struct lsl_warnings *w)
{
	const struct lsl_wsl_conf *c = &s->conf;

	s->default_uid = configured_default_uid(s, rootfd, m->default_uid, w);
	if (c->boot_systemd)
		lsl_systemd_note_host(&s->systemd, s->host_root_fd);
	lsl_automount_host(c, &s->host_root_fd, w);
	if (c->automount_mount_fstab)
		lsl_mount_fstab(rootfd, w);
	lsl_network_setup(c, lsl_msg_str(m, m->hostname), lsl_msg_str(m, m->host_hosts),
			  lsl_msg_str(m, m->host_resolv_conf), w);
	if (c->time_use_host_timezone)
		lsl_set_timezone(lsl_msg_str(m, m->timezone), w);
	s->initialized = true;
	/* systemd first; [boot] command and the answer once it is ready (or waited for long enough). */
	if (c->boot_systemd && start_systemd(s, w))
		return;
	(void)lsl_start_boot_command(c->boot_command, s->distribution, (mode_t)c->filesystem_umask, w);
}

static void handle_initialize(struct init_state *s, const struct lsl_received *r)
{
	const struct lsl_msg_initialize *m = r->msg;
	const char *distribution = lsl_msg_str(m, m->distribution);
	struct lsl_warnings w = { 0 };
	_cleanup_close_ int rootfd = -1;

	if (distro_name_valid(distribution) && !s->initialized) {
		free(s->distribution);
		s->distribution = strdup(distribution);
		set_log_name(s->distribution);
	}
	rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		lsl_warn(&w, "opening /: %s", strerror(errno));
	else if (!s->initialized)
		first_initialize(s, m, rootfd, &w);
	if (s->systemd.waiting && !s->deferred) {
		/* Answered when systemd is ready: the first command runs in a booted system. */
		s->deferred = true;
		s->deferred_seq = lsl_received_header(r)->seq;
		s->deferred_w = w;
		return;
	}
	reply_initialize(s, lsl_received_header(r)->seq, &w);
	lsl_warnings_clear(&w);
}

static void reply_initialize(struct init_state *s, uint64_t seq, struct lsl_warnings *warnings)
{
	_cleanup_free_ char *os_id = NULL, *os_version = NULL;
	_cleanup_msg_ struct lsl_msg_builder b;
	struct lsl_msg_initialize_response *resp;
	_cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int ret;

	ret = rootfd < 0 ? -EBADF : lsl_os_release_at(rootfd, &os_id, &os_version);
	if (ret < 0 && ret != -ENOENT)
		log_warning_errno(ret, "reading /etc/os-release");

	ret = lsl_msg_init(&b, LSL_MSG_INITIALIZE_RESPONSE, sizeof(*resp));
	if (ret < 0)
		goto fail;
	resp = lsl_msg_body(&b);
	resp->status = 0;
	resp->default_uid = s->default_uid;
	resp->flags = (s->conf.interop_enabled ? LSL_INSTANCE_INTEROP : 0) |
		      (s->conf.boot_systemd ? LSL_INSTANCE_SYSTEMD : 0);
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_initialize_response, os_id), os_id);
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_initialize_response, os_version), os_version);
	lsl_msg_put_strv(&b, LSL_FIELD(lsl_msg_initialize_response, warnings), (const char *const *)warnings->v);
	/* The service decides whether this is the first interactive launch; init only says what to run. */
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_initialize_response, oobe_command), s->dconf.oobe_command);
	resp = lsl_msg_body(&b);
	resp->oobe_default_uid = s->dconf.oobe_default_uid;
	resp->idle_timeout_ms = s->conf.general_idle_timeout_ms; /* INT_MIN = LSL_IDLE_TIMEOUT_UNSET */
	ret = lsl_channel_send_builder(s->channel_fd, &b, seq, NULL, 0);
fail:
	if (ret < 0)
		log_warning_errno(ret, "sending INITIALIZE_RESPONSE");
}

/* [boot] systemd: true while the answer to INITIALIZE waits for its boot. */
static bool start_systemd(struct init_state *s, struct lsl_warnings *w)
{
	static const uint32_t tags[3] = { EV_SYSTEMD, EV_SYSTEMD + 1, EV_SYSTEMD + 2 };
	int r;

	if (!lsl_systemd_start(&s->systemd, &s->conf, s->epoll_fd, tags, w))
		return false;
	/*
	 * This is the forked child now. A signalfd wakes epoll through the signal
	 * queue of the process that added it (pid 1, now systemd): add it again.
	 */
	(void)epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, s->signal_fd, NULL);
	r = epoll_watch(s->epoll_fd, s->signal_fd, EPOLLIN, EV_SIGNAL);
	if (r < 0)
		log_error_errno(r, "watching signals again");
	s->idle.counts = lsl_systemd_idle_counts;
	return s->systemd.waiting;
}

/* An event on one of systemd's fds; when the boot is over, the rest of INITIALIZE and its answer. */
static void systemd_event(struct init_state *s, int which)
{
	bool waited = s->systemd.waiting;
	struct lsl_warnings late = { 0 };

	/* Past the answer, only the log tells (lsl_warn logs each warning). */
	bool over = lsl_systemd_event(&s->systemd, which, waited ? &s->deferred_w : &late);

	lsl_warnings_clear(&late);
	if (!over)
		return;
	if (!lsl_terminating(&s->term))
		(void)lsl_start_boot_command(s->conf.boot_command, s->distribution, (mode_t)s->conf.filesystem_umask,
					     &s->deferred_w);
	reply_initialize(s, s->deferred_seq, &s->deferred_w);
	lsl_warnings_clear(&s->deferred_w);
}

static void reply_session(struct init_state *s, uint64_t seq, int status, const char *message, int fd)
{
	_cleanup_msg_ struct lsl_msg_builder b;
	struct lsl_msg_create_session_response *m;
	int r = lsl_msg_init(&b, LSL_MSG_CREATE_SESSION_RESPONSE, sizeof(*m));

	if (r == 0) {
		m = lsl_msg_body(&b);
		m->status = status;
		lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_create_session_response, message), message);
		r = lsl_channel_send_builder(s->channel_fd, &b, seq, &fd, fd >= 0 ? 1 : 0);
	}
	if (r < 0)
		log_warning_errno(r, "sending CREATE_SESSION_RESPONSE");
}

static void handle_create_session(struct init_state *s, const struct lsl_received *r)
{
	uint64_t seq = lsl_received_header(r)->seq;
	_cleanup_close_ int leader_end = -1, service_end = -1;
	char why[LSL_ERR_MAX];
	int sv[2], ret;
	pid_t pid;

	if (lsl_terminating(&s->term)) {
		reply_session(s, seq, -ESHUTDOWN, "the distribution is shutting down", -1);
		return;
	}
	ret = lsl_channel_pair(sv);
	if (ret < 0) {
		snprintf(why, sizeof(why), "creating the session channel: %s", strerror(-ret));
		reply_session(s, seq, ret, why, -1);
		return;
	}
	leader_end = sv[0];
	service_end = sv[1];
	pid = fork();
	if (pid < 0) {
		ret = negative_errno();
		snprintf(why, sizeof(why), "creating the session leader: %s", strerror(-ret));
		reply_session(s, seq, ret, why, -1);
		return;
	}
	if (pid == 0) {
		/* fd 4: the eventfd that tells init to count processes again (see idle.h); lifted first. */
		int ev = s->idle.event_fd >= 0 ? fcntl(s->idle.event_fd, F_DUPFD_CLOEXEC, 5) : -1;

		/* The session leader keeps its end of the channel, at fd 3, and nothing else of init's. */
		if (leader_end != 3 && dup3(leader_end, 3, O_CLOEXEC) < 0)
			_exit(1);
		if (ev >= 0 && dup3(ev, 4, O_CLOEXEC) < 0)
			_exit(1);
		(void)close_range(ev >= 0 ? 5 : 4, ~0U, 0);
		lsl_idle_leader_setup(ev >= 0 ? 4 : -1);
		lsl_session_leader(3, s->distribution, (mode_t)s->conf.filesystem_umask);
	}
	log_debug("session leader %d started", (int)pid);
	if (lsl_idle_add_leader(&s->idle, pid) < 0)
		log_warning("out of memory: session leader %d counts as a user process", (int)pid);
	reply_session(s, seq, 0, NULL, service_end);
}

static void begin_termination(struct init_state *s, uint32_t grace_ms)
{
	int r;

	log_info("terminating (grace %u ms)", grace_ms > LSL_GRACE_MAX_MS ? LSL_GRACE_MAX_MS : grace_ms);
	/* With systemd as pid 1, its shutdown transaction stops everything, init's processes last. */
	if (lsl_systemd_is_pid1(&s->systemd) && !lsl_terminating(&s->term)) {
		lsl_user_sessions_end();
		lsl_systemd_poweroff();
	}
	s->term.no_signals = lsl_systemd_is_pid1(&s->systemd);
	r = lsl_terminate_begin(&s->term, grace_ms);
	if (r < 0) {
		log_error_errno(r, "arming the termination timer");
		exit(0);
	}
	if (s->term.timer_fd >= 0) {
		r = epoll_watch(s->epoll_fd, s->term.timer_fd, EPOLLIN, EV_TIMER);
		if (r < 0 && r != -EEXIST) {
			log_error_errno(r, "watching the termination timer");
			exit(0);
		}
	}
	if (lsl_reap_children())
		exit(0);
}

static void channel_closed(struct init_state *s)
{
	(void)epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, s->channel_fd, NULL);
	close(s->channel_fd);
	s->channel_fd = -1;
	begin_termination(s, LSL_GRACE_DEFAULT_MS);
}

/*
 * Count the user processes and say "idle" when there are none: unsolicited
 * (seq 0) after an event only when idle, or as the answer to IDLE_CHECK (seq).
 */
static void report_idle(struct init_state *s, uint64_t seq)
{
	struct lsl_msg_instance_idle m = { .hdr = { .type = LSL_MSG_INSTANCE_IDLE, .size = sizeof(m), .seq = seq } };
	int n, r;

	if (s->channel_fd < 0 || lsl_terminating(&s->term) || (!seq && !s->initialized))
		return;
	n = lsl_idle_count(&s->idle, seq == 0);
	if (n < 0)
		log_warning_errno(n, "counting the processes in /proc");
	if (seq == 0 && n != 0)
		return;
	m.idle = n == 0;
	m.processes = n > 0 ? (uint32_t)n : 0;
	r = lsl_channel_send(s->channel_fd, &m, sizeof(m), NULL, 0);
	if (r < 0)
		log_warning_errno(r, "sending INSTANCE_IDLE");
}

static void channel_event(struct init_state *s, uint32_t events)
{
	_cleanup_received_ struct lsl_received r = { 0 };
	struct lsl_err e = { 0 };
	int ret;

	if (!(events & EPOLLIN)) {
		channel_closed(s);
		return;
	}
	ret = lsl_channel_recv(s->channel_fd, &r, &e);
	if (ret == -EAGAIN || ret == -EINTR)
		return;
	if (ret == -EBADMSG) {
		log_warning("ignoring a malformed message: %s", lsl_err_str(&e));
		return;
	}
	if (ret < 0) {
		if (ret != -ECONNRESET)
			log_warning_errno(ret, "reading the init channel");
		channel_closed(s);
		return;
	}
	switch (lsl_received_header(&r)->type) {
	case LSL_MSG_INITIALIZE:
		handle_initialize(s, &r);
		break;
	case LSL_MSG_CREATE_SESSION:
		handle_create_session(s, &r);
		break;
	case LSL_MSG_TERMINATE_INSTANCE: {
		const struct lsl_msg_terminate_instance *t = r.msg;
		begin_termination(s, t->grace_ms);
		break;
	}
	case LSL_MSG_IDLE_CHECK:
		report_idle(s, lsl_received_header(&r)->seq);
		break;
	default:
		log_warning("ignoring an unexpected %s message", lsl_msg_type_name(lsl_received_header(&r)->type));
	}
}

static void signal_event(struct init_state *s)
{
	struct signalfd_siginfo si;

	while (RETRY_EINTR(read(s->signal_fd, &si, sizeof(si))) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD: {
			bool reaped = false;
			if (lsl_idle_reap(&s->idle, &reaped) && lsl_terminating(&s->term))
				exit(0);
			/* An orphan or a session leader ended: maybe the last user process. */
			if (reaped)
				report_idle(s, 0);
			break;
		}
		case SIGTERM:
		case SIGINT:
			begin_termination(s, LSL_GRACE_DEFAULT_MS);
			break;
		default:
			log_debug("ignoring signal %u from pid %u", si.ssi_signo, si.ssi_pid);
		}
	}
}

static _noreturn_ void serve(struct init_state *s)
{
	for (;;) {
		struct epoll_event events[8];
		int n = epoll_wait(s->epoll_fd, events, ARRAY_SIZE(events), -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_error_errno(errno, "waiting for events");
			exit(1);
		}
		for (int i = 0; i < n; i++) {
			switch (events[i].data.u64) {
			case EV_CHANNEL:
				if (s->channel_fd >= 0)
					channel_event(s, events[i].events);
				break;
			case EV_SIGNAL:
				signal_event(s);
				break;
			case EV_IDLE:
				/* A session leader reaped a process of its own or finished a request. */
				lsl_idle_drain(&s->idle);
				report_idle(s, 0);
				break;
			case EV_TIMER:
				log_info("grace period over: exiting");
				exit(0);
			case EV_SYSTEMD ... EV_SYSTEMD_LAST:
				systemd_event(s, (int)(events[i].data.u64 - EV_SYSTEMD));
				break;
			}
		}
	}
}

/* Start-up steps that depend on the distribution's configuration; none of them is fatal. */
static void boot_config(struct init_state *s, struct lsl_warnings *w)
{
	_cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (rootfd < 0 || lsl_distro_config_load(rootfd, s->safe_mode, &s->conf, &s->dconf, w) < 0) {
		lsl_warn(w, "reading /etc/wsl.conf: %s: using the defaults", strerror(rootfd < 0 ? errno : ENOMEM));
		lsl_wsl_conf_free(&s->conf);
		lsl_wsl_conf_init(&s->conf);
	}
	/* The v1 hierarchies are the host's, outside the distribution's cgroup: systemd's tree would stay there. */
	if (s->conf.boot_systemd && s->conf.automount_cgroups == LSL_CGROUPS_V1) {
		lsl_warn(w, "automount.cgroups=v1 is not possible with [boot] systemd on a Linux host: using v2");
		s->conf.automount_cgroups = LSL_CGROUPS_V2;
	}
	lsl_mount_cgroups(s->conf.automount_cgroups, w);
}

int lsl_init_main(int argc, char **argv)
{
	struct init_state s = { .channel_fd = -1, .epoll_fd = -1, .signal_fd = -1, .host_root_fd = -1,
				.term = { .timer_fd = -1 }, .systemd = LSL_SYSTEMD_INIT };
	const char *name = getenv("LSL_DISTRO_NAME");
	struct lsl_err e = { 0 };
	struct lsl_warnings w = { 0 };
	sigset_t mask;
	int r;

	set_log_name(distro_name_valid(name) ? name : NULL);
	if (getpid() != 1) {
		fprintf(stderr, "lsl: init must run as pid 1 of a distribution\n");
		return 2;
	}
	s.channel_fd = channel_from_env();
	if (s.channel_fd < 0) {
		fprintf(stderr, "lsl: init: LSL_INIT_CHANNEL does not name a channel: %s\n", strerror(-s.channel_fd));
		return 2;
	}
	s.host_root_fd = lsl_host_root_fd_from_env();
	close_inherited_fds(s.channel_fd, s.host_root_fd);
	(void)fd_set_cloexec(s.channel_fd, true);
	unsetenv("LSL_INIT_CHANNEL");
	s.safe_mode = streq_ptr(getenv("LSL_SAFE_MODE"), "1");
	unsetenv("LSL_SAFE_MODE");
	if (distro_name_valid(name))
		s.distribution = strdup(name);
	if (chdir("/") < 0)
		log_warning_errno(errno, "changing to /");

	/*
	 * Signals pid 1 acts on are blocked and read from a signalfd (blocked ones
	 * reach pid 1 even from inside its namespace); a broken pipe is an error
	 * return, not a death.
	 */
	hold_lifecycle_signals(SIG_SETMASK, &mask);
	/* A session leader holds fds for each of its processes; theirs get the usual limit back. */
	r = lsl_nofile_raise();
	if (r < 0)
		log_warning_errno(r, "raising the open file limit");
	r = lsl_idle_watch_init(&s.idle);
	if (r < 0)
		log_warning_errno(r, "creating an eventfd: idleness is noticed only when init reaps");

	umask(0);
	r = lsl_boot_mounts(&e);
	unsetenv("LSL_BARE_DISKS"); /* read by lsl_boot_mounts(): nothing for the distribution's processes */
	if (r == 0)
		boot_config(&s, &w);
	umask(022);
	if (r < 0) {
		log_error("%s", lsl_err_str(&e));
		r = send_create_instance_result(s.channel_fd, r, lsl_err_str(&e), NULL);
		if (r < 0)
			log_error_errno(r, "sending CREATE_INSTANCE_RESULT");
		return 1;
	}

	ensure_stdio();
	s.signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	s.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	r = s.signal_fd < 0 || s.epoll_fd < 0 ? negative_errno() : 0;
	if (r == 0)
		r = fd_set_nonblock(s.channel_fd, true);
	if (r == 0)
		r = epoll_watch(s.epoll_fd, s.channel_fd, EPOLLIN, EV_CHANNEL);
	if (r == 0)
		r = epoll_watch(s.epoll_fd, s.signal_fd, EPOLLIN, EV_SIGNAL);
	if (r == 0 && s.idle.event_fd >= 0 && epoll_watch(s.epoll_fd, s.idle.event_fd, EPOLLIN, EV_IDLE) < 0) {
		log_warning_errno(errno, "watching the session leaders' eventfd");
		close(TAKE_FD(s.idle.event_fd));
	}
	if (r < 0) {
		lsl_err_set(&e, r, "setting up init's event loop");
		log_error("%s", lsl_err_str(&e));
		(void)send_create_instance_result(s.channel_fd, r, lsl_err_str(&e), NULL);
		return 1;
	}

	r = send_create_instance_result(s.channel_fd, 0, NULL, w.v);
	lsl_warnings_clear(&w);
	if (r < 0) {
		log_error_errno(r, "sending CREATE_INSTANCE_RESULT");
		return 1;
	}
	log_debug("booted");
	serve(&s);
}
