/* SPDX-License-Identifier: MIT */
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "channel.h"
#include "idle.h"
#include "log.h"
#include "process.h"
#include "protocol.h"
#include "pty.h"
#include "systemd.h"
#include "util.h"

#define SESSION_PROCESSES_MAX 4096

enum watch_kind { WATCH_SIGNAL, WATCH_CHANNEL, WATCH_PIPE, WATCH_CONTROL };

struct proc;

struct watch {
	enum watch_kind kind;
	struct proc *proc;
};

struct proc {
	struct proc *next;
	pid_t pid;
	uint64_t seq;   /* of the CREATE_PROCESS: every report carries it */
	int pipe_fd;    /* the child's error pipe until its outcome is known */
	int control_fd; /* lsl's control socket until it or the process goes away */
	int tty_fd;     /* the process's terminal, for WINDOW_SIZE; -1 if none */
	bool pty;       /* tty_fd is the master of the process's own pty: sent with PROCESS_STARTED */
	bool started;   /* PROCESS_STARTED sent: EXIT_STATUS follows */
	bool dead;      /* reaped: freed after the current batch of events */
	struct watch pipe_watch, control_watch;
};

struct session {
	int epoll_fd;
	int signal_fd;
	int channel_fd;
	char *distribution;
	mode_t umask; /* of every process: [filesystem] umask */
	struct proc *procs;
	size_t nprocs; /* not yet reaped */
	bool exiting;
};

static struct watch signal_watch = { .kind = WATCH_SIGNAL };
static struct watch channel_watch = { .kind = WATCH_CHANNEL };

static int watch_add(struct session *s, int fd, struct watch *w)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = w };
	return epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0 ? negative_errno() : 0;
}

/* Always remove explicitly: a forked child may briefly share the file, keeping it in the epoll set. */
static void watch_close(struct session *s, int *fd)
{
	if (*fd < 0)
		return;
	(void)epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, *fd, NULL);
	close(*fd);
	*fd = -1;
}

/* ---- reports on the control socket ---- */

static void report_fd(int control_fd, struct lsl_msg_builder *b, uint64_t seq, const char *what, int fd)
{
	int r = lsl_channel_send_builder(control_fd, b, seq, &fd, fd >= 0 ? 1 : 0);

	/* The caller may be gone (EPIPE, ECONNRESET): its hang-up is handled on its own. */
	if (r < 0 && r != -EPIPE && r != -ECONNRESET && r != -ENOTCONN)
		log_warning_errno(r, "sending %s", what);
}

static void report(int control_fd, struct lsl_msg_builder *b, uint64_t seq, const char *what)
{
	report_fd(control_fd, b, seq, what, -1);
}

static void send_failed(int control_fd, uint64_t seq, const struct lsl_spawn_error *err)
{
	_cleanup_msg_ struct lsl_msg_builder b;
	struct lsl_msg_process_failed *m;

	if (lsl_msg_init(&b, LSL_MSG_PROCESS_FAILED, sizeof(*m)) < 0)
		return;
	m = lsl_msg_body(&b);
	m->status = err->status;
	m->exit_code = err->exit_code;
	lsl_msg_put_str(&b, LSL_FIELD(lsl_msg_process_failed, message), err->message);
	report(control_fd, &b, seq, "PROCESS_FAILED");
}

static void send_started(struct proc *p)
{
	_cleanup_msg_ struct lsl_msg_builder b;

	if (lsl_msg_init(&b, LSL_MSG_PROCESS_STARTED, sizeof(struct lsl_msg_process_started)) < 0)
		return;
	((struct lsl_msg_process_started *)lsl_msg_body(&b))->pid = p->pid;
	/* lsl relays the pty through the master; the session leader keeps its own for WINDOW_SIZE. */
	report_fd(p->control_fd, &b, p->seq, "PROCESS_STARTED", p->pty ? p->tty_fd : -1);
}

static void send_exit(struct proc *p, int status)
{
	_cleanup_msg_ struct lsl_msg_builder b;
	struct lsl_msg_exit_status *m;

	if (lsl_msg_init(&b, LSL_MSG_EXIT_STATUS, sizeof(*m)) < 0)
		return;
	m = lsl_msg_body(&b);
	m->wait_status = status;
	m->exit_code = WIFSIGNALED(status) ? 128 + (uint32_t)WTERMSIG(status) : (uint32_t)WEXITSTATUS(status);
	report(p->control_fd, &b, p->seq, "EXIT_STATUS");
}

/* ---- one process ---- */

/* Signal the process group the child leads; before its setsid() there is none yet: the child alone. */
static void signal_proc(struct proc *p, int sig)
{
	if (kill(-p->pid, sig) < 0 && errno == ESRCH)
		(void)kill(p->pid, sig);
}

/* The error pipe is readable (or the child is gone): learn whether the exec happened. */
static void proc_outcome(struct session *s, struct proc *p)
{
	struct lsl_spawn_error err;
	ssize_t n = RETRY_EINTR(read(p->pipe_fd, &err, sizeof(err)));

	if (n < 0 && errno == EAGAIN)
		return;
	watch_close(s, &p->pipe_fd);
	if (n == 0) {
		p->started = true;
		if (p->control_fd >= 0)
			send_started(p);
		return;
	}
	if (n != (ssize_t)sizeof(err))
		lsl_spawn_error_set(&err, n < 0 ? negative_errno() : -EIO, 1, "the process could not be started");
	err.message[sizeof(err.message) - 1] = 0;
	log_debug("process %d failed to start: %s", (int)p->pid, err.message);
	if (p->control_fd >= 0)
		send_failed(p->control_fd, p->seq, &err);
	/* The outcome is told: the child's exit is not news to anyone. */
	watch_close(s, &p->control_fd);
}

static void proc_hangup(struct session *s, struct proc *p)
{
	/* lsl went away: the process loses its "terminal", as with a closed tty. */
	signal_proc(p, SIGHUP);
	signal_proc(p, SIGCONT);
	watch_close(s, &p->control_fd);
	/* The last reference to a pty's master: the kernel hangs the terminal up (SIGHUP to its foreground). */
	if (p->tty_fd >= 0) {
		close(p->tty_fd);
		p->tty_fd = -1;
	}
}

static bool signal_allowed(int sig)
{
	static const int allowed[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGTSTP };

	for (size_t i = 0; i < ARRAY_SIZE(allowed); i++)
		if (allowed[i] == sig)
			return true;
	return false;
}

static void proc_control(struct session *s, struct proc *p, uint32_t events)
{
	_cleanup_received_ struct lsl_received m = { 0 };
	struct lsl_err e = { 0 };
	int r;

	if (!(events & EPOLLIN)) {
		proc_hangup(s, p);
		return;
	}
	r = lsl_channel_recv(p->control_fd, &m, &e);
	if (r == -EAGAIN || r == -EINTR)
		return;
	if (r == -EBADMSG) {
		log_warning("process %d: ignoring a malformed control message: %s", (int)p->pid, lsl_err_str(&e));
		return;
	}
	if (r < 0) {
		proc_hangup(s, p);
		return;
	}
	switch (lsl_received_header(&m)->type) {
	case LSL_MSG_SIGNAL: {
		const struct lsl_msg_signal *sig = m.msg;
		if (signal_allowed(sig->signo))
			signal_proc(p, sig->signo);
		else
			log_warning("process %d: refusing to forward signal %d", (int)p->pid, sig->signo);
		break;
	}
	case LSL_MSG_WINDOW_SIZE: {
		const struct lsl_msg_window_size *w = m.msg;
		struct winsize ws = { .ws_row = w->rows, .ws_col = w->cols, .ws_xpixel = w->xpixel,
				      .ws_ypixel = w->ypixel };
		/* The kernel sends SIGWINCH to the terminal's foreground group itself. */
		if (p->tty_fd >= 0 && ioctl(p->tty_fd, TIOCSWINSZ, &ws) < 0)
			log_debug("process %d: setting the window size: %s", (int)p->pid, strerror(errno));
		break;
	}
	default:
		log_warning("process %d: ignoring an unexpected %s message", (int)p->pid,
			    lsl_msg_type_name(lsl_received_header(&m)->type));
	}
}

static void proc_reaped(struct session *s, struct proc *p, int status)
{
	/* Exit before the pipe's EOF was seen: the caller still gets STARTED first. */
	if (p->pipe_fd >= 0)
		proc_outcome(s, p);
	if (p->pipe_fd >= 0) {
		/* Cannot happen once the child is gone; never report from a half-known state. */
		watch_close(s, &p->pipe_fd);
		p->started = true;
		if (p->control_fd >= 0)
			send_started(p);
	}
	if (p->started && p->control_fd >= 0)
		send_exit(p, status);
	watch_close(s, &p->control_fd);
	if (p->tty_fd >= 0) {
		close(p->tty_fd);
		p->tty_fd = -1;
	}
	p->dead = true;
	s->nprocs--;
}

static void reap(struct session *s)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid <= 0)
			break;
		for (struct proc *p = s->procs; p; p = p->next) {
			if (p->pid == pid && !p->dead) {
				proc_reaped(s, p, status);
				lsl_idle_leader_notify(); /* maybe the last process: init counts again */
				break;
			}
		}
	}
}

static void sweep(struct session *s)
{
	struct proc **pp = &s->procs;

	while (*pp) {
		struct proc *p = *pp;
		if (p->dead) {
			*pp = p->next;
			free(p);
		} else {
			pp = &p->next;
		}
	}
}

/* ---- the channel ---- */

static void fail_request(int control_fd, uint64_t seq, int status, const char *message)
{
	struct lsl_spawn_error err;

	lsl_spawn_error_set(&err, status, 1, "%s", message);
	send_failed(control_fd, seq, &err);
}

static void create_process(struct session *s, struct lsl_received *m)
{
	const struct lsl_msg_create_process *c = m->msg;
	uint64_t seq = lsl_received_header(m)->seq;
	_cleanup_close_ int control = TAKE_FD(m->fds[3]);
	_cleanup_free_ const char **argv = NULL, **env = NULL;
	_cleanup_free_ struct proc *p = NULL;
	_cleanup_close_ int master = -1;
	struct lsl_process_request req;
	struct lsl_spawn_error err;
	int r;

	r = fd_set_nonblock(control, true);
	if (r < 0) {
		log_warning_errno(r, "CREATE_PROCESS: unusable control socket");
		return;
	}
	if (s->exiting) {
		fail_request(control, seq, -ESHUTDOWN, "the distribution is shutting down");
		return;
	}
	if (s->nprocs >= SESSION_PROCESSES_MAX) {
		fail_request(control, seq, -EAGAIN, "too many processes in this session");
		return;
	}
	p = calloc(1, sizeof(*p));
	if (!p || lsl_msg_strv(c, &c->argv, &argv) < 0 || lsl_msg_strv(c, &c->env, &env) < 0) {
		fail_request(control, seq, -ENOMEM, "out of memory");
		return;
	}

	req = (struct lsl_process_request){
		.flags = c->flags,
		.default_uid = c->default_uid,
		.distribution = lsl_msg_str(c, c->distribution) ? lsl_msg_str(c, c->distribution) : s->distribution,
		.user = lsl_msg_str(c, c->user),
		.cwd = lsl_msg_str(c, c->cwd),
		.filename = lsl_msg_str(c, c->filename),
		.argv = argv,
		.env = env,
		.stdio = { m->fds[0], m->fds[1], m->fds[2] },
		.umask = s->umask,
		.pty_master = -1,
		.login_session = lsl_systemd_user_sessions(),
	};
	if (c->flags & LSL_RUN_PTY) {
		master = lsl_pty_open(c->rows, c->cols);
		if (master < 0) {
			lsl_spawn_error_set(&err, master, 1, "cannot open a terminal in %s: %s", req.distribution,
					    strerror(-master));
			send_failed(control, seq, &err);
			return;
		}
		req.pty_master = master;
	}
	*p = (struct proc){ .seq = seq, .pipe_fd = -1, .control_fd = -1, .tty_fd = -1 };
	p->pipe_watch = (struct watch){ .kind = WATCH_PIPE, .proc = p };
	p->control_watch = (struct watch){ .kind = WATCH_CONTROL, .proc = p };

	r = lsl_process_spawn(&req, &p->pid, &p->pipe_fd, &err);
	if (r < 0) {
		log_debug("CREATE_PROCESS refused: %s", err.message);
		send_failed(control, seq, &err);
		return;
	}
	p->control_fd = TAKE_FD(control);
	if (master >= 0) {
		p->tty_fd = TAKE_FD(master);
		p->pty = true;
	}
	for (int i = 0; i < 3 && p->tty_fd < 0; i++) {
		if (isatty(m->fds[i])) {
			p->tty_fd = fcntl(m->fds[i], F_DUPFD_CLOEXEC, 3);
			break;
		}
	}
	/*
	 * Without a watch on the pipe the outcome is still learnt when the child is
	 * reaped; without one on the control socket, signals are not forwarded.
	 */
	if (fd_set_nonblock(p->pipe_fd, true) < 0 || watch_add(s, p->pipe_fd, &p->pipe_watch) < 0)
		log_warning_errno(errno, "watching process %d", (int)p->pid);
	if (watch_add(s, p->control_fd, &p->control_watch) < 0)
		log_warning_errno(errno, "watching the control socket of process %d", (int)p->pid);
	p->next = s->procs;
	s->procs = TAKE_PTR(p);
	s->nprocs++;
}

static void channel_closed(struct session *s)
{
	watch_close(s, &s->channel_fd);
	s->exiting = true;
}

static void channel_event(struct session *s, uint32_t events)
{
	_cleanup_received_ struct lsl_received m = { 0 };
	struct lsl_err e = { 0 };
	int r;

	if (!(events & EPOLLIN)) {
		channel_closed(s);
		return;
	}
	r = lsl_channel_recv(s->channel_fd, &m, &e);
	if (r == -EAGAIN || r == -EINTR)
		return;
	if (r == -EBADMSG) {
		log_warning("ignoring a malformed message: %s", lsl_err_str(&e));
		return;
	}
	if (r < 0) {
		if (r != -ECONNRESET)
			log_warning_errno(r, "reading the session channel");
		channel_closed(s);
		return;
	}
	if (lsl_received_header(&m)->type == LSL_MSG_CREATE_PROCESS) {
		create_process(s, &m);
		lsl_idle_leader_handled(s->channel_fd, lsl_received_header(&m)->seq);
	} else
		log_warning("ignoring an unexpected %s message", lsl_msg_type_name(lsl_received_header(&m)->type));
}

static void signal_event(struct session *s)
{
	struct signalfd_siginfo si;

	while (RETRY_EINTR(read(s->signal_fd, &si, sizeof(si))) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			reap(s);
		else if (si.ssi_signo == SIGTERM)
			s->exiting = true;
	}
}

static char log_name[96];

_noreturn_ void lsl_session_leader(int channel, const char *distribution, mode_t umask)
{
	struct session s = { .epoll_fd = -1, .signal_fd = -1, .channel_fd = channel, .umask = umask };
	struct sigaction ignore = { .sa_handler = SIG_IGN };
	sigset_t mask;

	snprintf(log_name, sizeof(log_name), "session(%s)", isempty(distribution) ? "?" : distribution);
	lsl_log_init(log_name);
	s.distribution = strdup_or_null(distribution);
	if (setsid() < 0)
		log_warning_errno(errno, "creating a session");

	/* SIGTERM means "exit once my processes are gone"; the user's processes get defaults back. */
	sigaction(SIGHUP, &ignore, NULL);
	sigaction(SIGINT, &ignore, NULL);
	sigaction(SIGPIPE, &ignore, NULL);
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_SETMASK, &mask, NULL);

	s.signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	s.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (s.signal_fd < 0 || s.epoll_fd < 0 || fd_set_nonblock(channel, true) < 0 ||
	    fd_set_cloexec(channel, true) < 0 || watch_add(&s, s.signal_fd, &signal_watch) < 0 ||
	    watch_add(&s, channel, &channel_watch) < 0) {
		log_error_errno(errno, "setting up the session leader");
		_exit(1);
	}

	for (;;) {
		struct epoll_event events[16];
		int n;

		if (s.exiting && s.nprocs == 0)
			break;
		n = epoll_wait(s.epoll_fd, events, ARRAY_SIZE(events), -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_error_errno(errno, "waiting for events");
			_exit(1);
		}
		for (int i = 0; i < n; i++) {
			struct watch *w = events[i].data.ptr;

			switch (w->kind) {
			case WATCH_SIGNAL:
				signal_event(&s);
				break;
			case WATCH_CHANNEL:
				if (s.channel_fd >= 0)
					channel_event(&s, events[i].events);
				break;
			case WATCH_PIPE:
				if (!w->proc->dead && w->proc->pipe_fd >= 0)
					proc_outcome(&s, w->proc);
				break;
			case WATCH_CONTROL:
				if (!w->proc->dead && w->proc->control_fd >= 0)
					proc_control(&s, w->proc, events[i].events);
				break;
			}
		}
		sweep(&s);
	}
	log_debug("no process left: exiting");
	_exit(0);
}
