/* SPDX-License-Identifier: MIT */
/*
 * pid 1 of a distribution: check how it was started, boot, report the start
 * on the init channel, then serve INITIALIZE, CREATE_SESSION and
 * TERMINATE_INSTANCE while reaping every orphan of the namespace.
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

#include "boot.h"
#include "channel.h"
#include "log.h"
#include "network-files.h"
#include "os-release.h"
#include "protocol.h"
#include "session.h"
#include "terminate.h"
#include "util.h"

enum { EV_CHANNEL = 1, EV_SIGNAL, EV_TIMER };

struct init_state {
	int channel_fd;
	int epoll_fd;
	int signal_fd;
	struct lsl_terminator term;
	char *distribution;
};

static char log_name[96];

static void set_log_name(const char *distribution)
{
	snprintf(log_name, sizeof(log_name), "init(%s)", distribution ? distribution : "?");
	lsl_log_init(log_name);
}

/* The channel fd from LSL_INIT_CHANNEL, if it is a SOCK_SEQPACKET socket. */
static int channel_from_env(void)
{
	const char *s = getenv("LSL_INIT_CHANNEL");
	struct stat st;
	int fd, type;
	socklen_t len = sizeof(type);

	if (!s || safe_atoi(s, &fd) < 0 || fd < 3)
		return -EBADF;
	if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
		return -ENOTSOCK;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_SEQPACKET)
		return -EPROTOTYPE;
	return fd;
}

/* Keep only 0-2 and the channel: nothing of whoever started us leaks into the distribution. */
static void close_inherited_fds(int channel)
{
	if (channel > 3)
		(void)close_range(3, (unsigned int)channel - 1, 0);
	(void)close_range((unsigned int)channel + 1, ~0U, 0);
}

/*
 * fds 0-2 are the service's log; should any be closed, /dev/null takes its
 * place, or a later socket would land there and leak into every session.
 */
static void ensure_stdio(void)
{
	for (int fd = 0; fd < 3; fd++) {
		int null;

		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		null = open("/dev/null", O_RDWR | O_NOCTTY);
		if (null >= 0 && null != fd) {
			(void)dup2(null, fd);
			close(null);
		}
	}
}

static int send_create_instance_result(int fd, int status, const char *message)
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
	return lsl_channel_send_builder(fd, &b, 0, NULL, 0);
}

/* ---- requests ---- */

static void set_hostname(const char *requested)
{
	char name[65];

	/* Whatever the host is called, the distribution gets a name the kernel and resolvers accept. */
	lsl_clean_hostname(requested, name);
	if (sethostname(name, strlen(name)) < 0)
		log_warning_errno(errno, "setting the hostname to %s", name);
}

static void handle_initialize(struct init_state *s, const struct lsl_received *r)
{
	const struct lsl_msg_initialize *m = r->msg;
	const char *distribution = lsl_msg_str(m, m->distribution);
	const char *hostname = lsl_msg_str(m, m->hostname);
	_cleanup_free_ char *os_id = NULL, *os_version = NULL;
	_cleanup_msg_ struct lsl_msg_builder b;
	struct lsl_msg_initialize_response *resp;
	_cleanup_close_ int rootfd = -1;
	int ret;

	if (distro_name_valid(distribution)) {
		free(s->distribution);
		s->distribution = strdup(distribution);
		set_log_name(s->distribution);
	}
	if (!isempty(hostname))
		set_hostname(hostname);

	rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	ret = rootfd < 0 ? negative_errno() : lsl_os_release_at(rootfd, &os_id, &os_version);
	if (ret < 0)
		log_warning_errno(ret, "reading /etc/os-release");

	ret = lsl_msg_init(&b, LSL_MSG_INITIALIZE_RESPONSE, sizeof(*resp));
	if (ret < 0)
		goto fail;
	resp = lsl_msg_body(&b);
	resp->status = 0;
	resp->default_uid = m->default_uid;
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_initialize_response, os_id), os_id);
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_initialize_response, os_version), os_version);
	ret = lsl_channel_send_builder(s->channel_fd, &b, lsl_received_header(r)->seq, NULL, 0);
fail:
	if (ret < 0)
		log_warning_errno(ret, "sending INITIALIZE_RESPONSE");
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
		/* The session leader keeps its end of the channel, at fd 3, and nothing else of init's. */
		if (leader_end != 3 && dup3(leader_end, 3, O_CLOEXEC) < 0)
			_exit(1);
		(void)close_range(4, ~0U, 0);
		lsl_session_leader(3, s->distribution);
	}
	log_debug("session leader %d started", (int)pid);
	reply_session(s, seq, 0, NULL, service_end);
}

static void begin_termination(struct init_state *s, uint32_t grace_ms)
{
	int r;

	log_info("terminating (grace %u ms)", grace_ms > LSL_GRACE_MAX_MS ? LSL_GRACE_MAX_MS : grace_ms);
	r = lsl_terminate_begin(&s->term, grace_ms);
	if (r < 0) {
		log_error_errno(r, "arming the termination timer");
		exit(0);
	}
	if (s->term.timer_fd >= 0) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = EV_TIMER };
		if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, s->term.timer_fd, &ev) < 0 && errno != EEXIST) {
			log_error_errno(errno, "watching the termination timer");
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
	default:
		log_warning("ignoring an unexpected %s message", lsl_msg_type_name(lsl_received_header(&r)->type));
	}
}

static void signal_event(struct init_state *s)
{
	struct signalfd_siginfo si;

	while (RETRY_EINTR(read(s->signal_fd, &si, sizeof(si))) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			if (lsl_reap_children() && lsl_terminating(&s->term))
				exit(0);
			break;
		case SIGTERM:
		case SIGINT:
			begin_termination(s, LSL_GRACE_DEFAULT_MS);
			break;
		default:
			log_debug("ignoring signal %u from pid %u", si.ssi_signo, si.ssi_pid);
		}
	}
}

static int watch(int epoll_fd, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };
	return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0 ? negative_errno() : 0;
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
			switch (events[i].data.u32) {
			case EV_CHANNEL:
				if (s->channel_fd >= 0)
					channel_event(s, events[i].events);
				break;
			case EV_SIGNAL:
				signal_event(s);
				break;
			case EV_TIMER:
				log_info("grace period over: exiting");
				exit(0);
			}
		}
	}
}

int lsl_init_main(int argc, char **argv)
{
	struct init_state s = { .channel_fd = -1, .epoll_fd = -1, .signal_fd = -1, .term = { .timer_fd = -1 } };
	struct sigaction ignore = { .sa_handler = SIG_IGN };
	const char *name = getenv("LSL_DISTRO_NAME");
	struct lsl_err e = { 0 };
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
	close_inherited_fds(s.channel_fd);
	(void)fd_set_cloexec(s.channel_fd, true);
	unsetenv("LSL_INIT_CHANNEL");
	if (distro_name_valid(name))
		s.distribution = strdup(name);
	if (chdir("/") < 0)
		log_warning_errno(errno, "changing to /");

	/*
	 * Signals pid 1 acts on are blocked and read from a signalfd (blocked ones
	 * reach pid 1 even from inside its namespace); a broken pipe is an error
	 * return, not a death.
	 */
	sigaction(SIGPIPE, &ignore, NULL);
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_SETMASK, &mask, NULL);

	umask(0);
	r = lsl_boot_mounts(&e);
	umask(022);
	if (r < 0) {
		log_error("%s", lsl_err_str(&e));
		r = send_create_instance_result(s.channel_fd, r, lsl_err_str(&e));
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
		r = watch(s.epoll_fd, s.channel_fd, EV_CHANNEL);
	if (r == 0)
		r = watch(s.epoll_fd, s.signal_fd, EV_SIGNAL);
	if (r < 0) {
		lsl_err_set(&e, r, "setting up init's event loop");
		log_error("%s", lsl_err_str(&e));
		(void)send_create_instance_result(s.channel_fd, r, lsl_err_str(&e));
		return 1;
	}

	r = send_create_instance_result(s.channel_fd, 0, NULL);
	if (r < 0) {
		log_error_errno(r, "sending CREATE_INSTANCE_RESULT");
		return 1;
	}
	log_debug("booted");
	serve(&s);
}
