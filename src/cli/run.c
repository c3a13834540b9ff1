/* SPDX-License-Identifier: MIT */
/*
 * RUN: the process gets the caller's own stdin, stdout and stderr (lsl copies
 * none of its bytes) and one end of a control socket; on lsl's end the
 * session leader reports the start and the exit status, and lsl forwards the
 * signals it receives. When the process gets a pty instead (stdin is a
 * terminal, or --tty), PROCESS_STARTED brings the pty master and
 * pty-relay.c takes over.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "channel.h"
#include "cli.h"
#include "output.h"
#include "pty-relay.h"
#include "run-control.h"
#include "service-client.h"
#include "tty-choice.h"
#include "util.h"

/* What lsl passes on to the process's group while it runs. */
static const int forwarded_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

struct run {
	int ctrl;         /* lsl's end of the control socket */
	int sigfd;
	bool started;     /* PROCESS_STARTED came: signals go to the process */
	uint64_t pending; /* signals that came before, by bit number */
	uint32_t pty;     /* LSL_RUN_PTY* asked for, 0 for none */
};

/* lsl is a background job of its terminal (`lsl CMD &` in an interactive shell). */
static bool in_background(int fd)
{
	pid_t fg = tcgetpgrp(fd);

	return fg > 0 && fg != getpgrp();
}

/* The pty the process gets, if any: which fds it stands for and the window's size. */
static void choose_pty(const struct lsl_args *a, struct lsl_msg_run *m)
{
	bool tty[3];
	struct winsize ws;
	int size_fd;

	for (int i = 0; i < 3; i++)
		tty[i] = isatty(i);
	/* The terminal's input belongs to the foreground job: a background lsl neither reads it nor makes it raw. */
	if (tty[0] && in_background(STDIN_FILENO))
		tty[0] = false;
	m->flags |= lsl_tty_flags(a->tty, tty);
	size_fd = lsl_tty_size_fd(tty);
	if ((m->flags & LSL_RUN_PTY) && size_fd >= 0 && ioctl(size_fd, TIOCGWINSZ, &ws) == 0) {
		m->rows = ws.ws_row;
		m->cols = ws.ws_col;
	}
}

static int build_run(const struct lsl_args *a, struct lsl_msg_builder *b, struct lsl_err *e)
{
	static const char *const passed_env[] = { "TERM", "LANG" };
	char *env[ARRAY_SIZE(passed_env) + 1] = { NULL };
	const char *shell_argv[] = { "-c", a->cmdline, NULL };
	const char *const *argv = NULL;
	const char *filename = NULL;
	struct lsl_msg_run *m;
	size_t n = 0;
	int r = lsl_msg_init(b, LSL_MSG_RUN, sizeof(struct lsl_msg_run));

	if (r < 0)
		return lsl_err_set(e, r, "preparing the command");
	m = lsl_msg_body(b);
	switch (a->run_mode) {
	case LSL_RUN_MODE_LOGIN:
		m->flags = LSL_RUN_LOGIN;
		break;
	case LSL_RUN_MODE_SHELL:
		m->flags = LSL_RUN_SHELL;
		argv = shell_argv;
		break;
	case LSL_RUN_MODE_EXEC:
		filename = a->command[0];
		argv = (const char *const *)a->command;
		break;
	}
	choose_pty(a, m);
	if (a->safe_mode)
		m->flags |= LSL_RUN_SAFE_MODE;

	/* Only what describes the caller's terminal and language; never the whole environment. */
	for (size_t k = 0; k < ARRAY_SIZE(passed_env); k++) {
		const char *v = getenv(passed_env[k]);
		if (!v)
			continue;
		env[n] = strdup_printf("%s=%s", passed_env[k], v);
		if (!env[n]) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	if (r == 0) {
		lsl_msg_put_str(b, LSL_FIELD(lsl_msg_run, distribution), a->distribution);
		lsl_msg_put_str(b, LSL_FIELD(lsl_msg_run, user), a->user);
		lsl_msg_put_str(b, LSL_FIELD(lsl_msg_run, cwd), a->cwd);
		lsl_msg_put_str(b, LSL_FIELD(lsl_msg_run, filename), filename);
		lsl_msg_put_strv(b, LSL_FIELD(lsl_msg_run, argv), argv);
		lsl_msg_put_strv(b, LSL_FIELD(lsl_msg_run, env), (const char *const *)env);
	}
	for (size_t k = 0; k < n; k++)
		free(env[k]);
	if (r == 0)
		r = b->error;
	/* Said before any service or distribution is started for nothing. */
	if (r == -EMSGSIZE || r == -E2BIG)
		return lsl_err_setf(e, r, "the command line is too long (a request is at most %d bytes)",
				    LSL_MSG_MAX);
	if (r < 0)
		return lsl_err_set(e, r, "preparing the command");
	return 0;
}

/* End lsl the way the signal would have, had lsl not been holding it. */
_noreturn_ static void die_by_signal(int sig)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t one;

	sigaction(sig, &dfl, NULL);
	sigemptyset(&one);
	sigaddset(&one, sig);
	raise(sig); /* pending while blocked; delivered by the unblock below */
	sigprocmask(SIG_UNBLOCK, &one, NULL);
	_exit(128 + sig);
}

/*
 * A signal lsl received. Before the process exists it is kept and forwarded
 * once the process starts; the same terminating signal a second time ends
 * lsl at once (a distribution that never finishes starting stays
 * interruptible).
 */
static void on_signal(struct run *st)
{
	struct signalfd_siginfo si;
	ssize_t n = RETRY_EINTR(read(st->sigfd, &si, sizeof(si)));
	int sig;

	if (n != (ssize_t)sizeof(si))
		return;
	sig = (int)si.ssi_signo;
	/* A resize before the relay runs: it sends the size it finds when it starts. */
	if (sig <= 0 || sig >= 64 || sig == SIGWINCH || sig == SIGCONT)
		return;
	/* Held only for the relay (a pty is asked for); before it runs, a stop is just a stop. */
	if (sig == SIGTSTP) {
		kill(getpid(), SIGSTOP);
		return;
	}
	if (st->started) {
		lsl_run_forward_signal(st->ctrl, sig);
		return;
	}
	if ((st->pending & (1ULL << sig)) && sig != SIGUSR1 && sig != SIGUSR2)
		die_by_signal(sig);
	st->pending |= 1ULL << sig;
}

static void on_started(struct run *st)
{
	st->started = true;
	for (int sig = 1; sig < 64; sig++)
		if (st->pending & (1ULL << sig))
			lsl_run_forward_signal(st->ctrl, sig);
	st->pending = 0;
}

static int wait_poll(struct pollfd *p, size_t n, struct lsl_err *e)
{
	if (RETRY_EINTR(poll(p, n, -1)) < 0)
		return lsl_err_set(e, errno, "waiting for the process");
	return 0;
}

int lsl_cmd_run(const struct lsl_args *a, struct lsl_err *e)
{
	_cleanup_msg_ struct lsl_msg_builder b = { 0 };
	_cleanup_close_ int svc = -1, ctrl = -1, peer = -1, sigfd = -1;
	struct run st = { .ctrl = -1, .sigfd = -1 };
	sigset_t mask;
	uint64_t seq;
	int sv[2], r, code = 1;

	r = build_run(a, &b, e);
	if (r < 0)
		return r;
	svc = lsl_service_open(e);
	if (svc < 0)
		return svc;
	r = lsl_channel_pair(sv);
	if (r < 0)
		return lsl_err_set(e, r, "creating the control socket");
	ctrl = sv[0];
	peer = sv[1];

	/* From here on, the signals are lsl's to pass on: held, and read from a signalfd. */
	st.pty = ((const struct lsl_msg_run *)lsl_msg_body(&b))->flags &
		 (LSL_RUN_PTY | LSL_RUN_PTY_STDIN | LSL_RUN_PTY_STDOUT | LSL_RUN_PTY_STDERR);
	sigemptyset(&mask);
	for (size_t k = 0; k < ARRAY_SIZE(forwarded_signals); k++)
		sigaddset(&mask, forwarded_signals[k]);
	/* With a pty, resizes too: dropped until the relay runs, which sends the size it finds first. */
	if (st.pty) {
		sigaddset(&mask, SIGWINCH);
		/* A stop and its continuation: the relay lends the terminal back and takes it again. */
		sigaddset(&mask, SIGTSTP);
		sigaddset(&mask, SIGCONT);
	}
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return lsl_err_set(e, errno, "blocking signals");
	sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sigfd < 0)
		return lsl_err_set(e, errno, "signalfd");
	st.ctrl = ctrl;
	st.sigfd = sigfd;

	r = lsl_service_send(svc, &b, (const int[]){ STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO, peer }, 4,
			     &seq, e);
	if (r < 0)
		return r;
	/* Only the session leader may hold the other end: its EOF must mean lsl is gone, and ours theirs. */
	peer = (close(peer), -1);

	/* The service's answer: warnings from a distribution start, then RESULT. */
	for (;;) {
		struct pollfd p[2] = { { .fd = svc, .events = POLLIN }, { .fd = sigfd, .events = POLLIN } };
		r = wait_poll(p, ARRAY_SIZE(p), e);
		if (r < 0)
			return r;
		if (p[0].revents) {
			r = lsl_service_reply_step(svc, seq, NULL, e);
			if (r < 0)
				return r;
			if (r == 1)
				break;
			continue;
		}
		if (p[1].revents)
			on_signal(&st);
	}
	svc = (close(svc), -1);

	/* The outcome, from the session leader. Its messages go first: a start precedes any signal. */
	for (;;) {
		struct pollfd p[2] = { { .fd = ctrl, .events = POLLIN }, { .fd = sigfd, .events = POLLIN } };
		r = wait_poll(p, ARRAY_SIZE(p), e);
		if (r < 0)
			return r;
		if (p[0].revents) {
			bool started = st.started;
			_cleanup_close_ int master = -1;

			r = lsl_run_control(ctrl, &code, &started, &master, e);
			if (r < 0)
				return r;
			if (r == 0)
				return code;
			if (started && !st.started)
				on_started(&st);
			/* A session leader that gave no pty (it predates them) passed the fds through: just wait. */
			if (master >= 0 && st.pty)
				return lsl_pty_relay(ctrl, sigfd, TAKE_FD(master), st.pty, e);
			continue;
		}
		if (p[1].revents)
			on_signal(&st);
	}
}
