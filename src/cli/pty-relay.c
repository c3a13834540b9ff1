/* SPDX-License-Identifier: MIT */
#include "pty-relay.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "channel.h"
#include "protocol.h"
#include "run-control.h"
#include "tty-choice.h"
#include "tty-mode.h"
#include "util.h"

#define OUTPUT_CHUNK (64 * 1024) /* one read of the master: more than a pty ever has ready */
#define INPUT_BUFFER 4096        /* typing; a pipe with --tty just takes more rounds */

/* What a step of the loop says: GO_ON, or stop with an exit code (>= 0) or a negative errno (e set). */
#define GO_ON INT_MIN

struct relay {
	int ctrl, sigfd, master, epfd;
	int in_fd;        /* lsl's stdin while it feeds the pty, else -1 */
	bool in_pollable; /* false for a file or /dev/null: always ready, read without waiting */
	bool in_watched;  /* in the epoll set (not while the master has no room) */
	bool in_tty;      /* stdin is a terminal: raw mode, and its end is a hang-up */
	int out_fd;       /* where the pty's output goes; -1 for nowhere */
	int size_fd;      /* the terminal the pty's size follows; -1 for none */
	bool master_open; /* no EIO yet: some process still has the pty open */
	char in[INPUT_BUFFER]; /* read from stdin, not yet taken by the master */
	size_t in_start, in_len;
	int last_in; /* the last byte given to the pty, -1 for none */
	struct lsl_tty_saved saved;
};

static int epoll_set(struct relay *r, int op, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	return epoll_ctl(r->epfd, op, fd, op == EPOLL_CTL_DEL ? NULL : &ev) < 0 ? negative_errno() : 0;
}

static void send_window_size(struct relay *r)
{
	_cleanup_msg_ struct lsl_msg_builder b = { 0 };
	struct lsl_msg_window_size *m;
	struct winsize ws;

	if (r->size_fd < 0 || ioctl(r->size_fd, TIOCGWINSZ, &ws) < 0)
		return;
	if (lsl_msg_init(&b, LSL_MSG_WINDOW_SIZE, sizeof(*m)) < 0)
		return;
	m = lsl_msg_body(&b);
	m->rows = ws.ws_row;
	m->cols = ws.ws_col;
	m->xpixel = ws.ws_xpixel;
	m->ypixel = ws.ws_ypixel;
	if (lsl_channel_send_builder(r->ctrl, &b, lsl_channel_next_seq(), NULL, 0) < 0)
		log_debug("could not send the window size");
}

/* lsl's terminal went away (or its output's reader did): the process's terminal goes too. */
static int hang_up(struct relay *r)
{
	lsl_run_forward_signal(r->ctrl, SIGHUP);
	return 128 + SIGHUP;
}

/*
 * Write all of buf to lsl's output, blocking as any program's output does. A
 * terminal another program left O_NONBLOCK (the file description is shared)
 * is waited for, not taken for gone.
 */
static int write_out(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, buf, n);

		if (k < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			if (RETRY_EINTR(poll(&p, 1, -1)) < 0)
				return negative_errno();
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return negative_errno();
		buf += k;
		n -= (size_t)k;
	}
	return 0;
}

/* The output could not be written: a terminal hung up, a reader gone, or a real error to report. */
static int output_failed(struct relay *r, int err, struct lsl_err *e)
{
	int code = hang_up(r);

	if (err == -EIO || err == -EPIPE)
		return code;
	return lsl_err_set(e, err, "writing the terminal's output");
}

/* Every process closed the pty (read gives EIO): nothing to relay until EXIT_STATUS comes. */
static void master_closed(struct relay *r)
{
	if (!r->master_open)
		return;
	r->master_open = false;
	(void)epoll_set(r, EPOLL_CTL_DEL, r->master, 0);
	if (r->in_watched)
		(void)epoll_set(r, EPOLL_CTL_DEL, r->in_fd, 0);
	r->in_watched = false;
	r->in_fd = -1;
	r->in_len = 0;
}

/* The pty's output, one read of it, written out whole. */
static int relay_output(struct relay *r, struct lsl_err *e)
{
	char buf[OUTPUT_CHUNK];
	ssize_t n = read(r->master, buf, sizeof(buf));
	int k;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return GO_ON;
	if (n <= 0) {
		master_closed(r);
		return GO_ON;
	}
	if (r->out_fd >= 0 && (k = write_out(r->out_fd, buf, (size_t)n)) < 0)
		return output_failed(r, k, e);
	return GO_ON;
}

/* Hand the pending input to the master; when it has no room, wait for it instead of reading more. */
static void flush_input(struct relay *r)
{
	while (r->in_len > 0) {
		ssize_t n = write(r->master, r->in + r->in_start, r->in_len);

		if (n > 0) {
			r->in_start += (size_t)n;
			r->in_len -= (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && errno == EAGAIN) {
			(void)epoll_set(r, EPOLL_CTL_MOD, r->master, EPOLLIN | EPOLLOUT);
			if (r->in_watched && epoll_set(r, EPOLL_CTL_DEL, r->in_fd, 0) == 0)
				r->in_watched = false;
			return;
		} else {
			/* EIO: no process has the pty open; what it was not given is nobody's. */
			r->in_len = 0;
		}
	}
	(void)epoll_set(r, EPOLL_CTL_MOD, r->master, EPOLLIN);
	if (r->in_fd >= 0 && r->in_pollable && !r->in_watched &&
	    epoll_set(r, EPOLL_CTL_ADD, r->in_fd, EPOLLIN) == 0)
		r->in_watched = true;
}

/* stdin ended without being a terminal (--tty with a pipe or a file): end the input as a terminal does. */
static void end_input(struct relay *r)
{
	struct termios t;
	char eof = 4; /* ^D */
	size_t count = lsl_tty_eof_count(r->last_in);

	if (r->in_watched)
		(void)epoll_set(r, EPOLL_CTL_DEL, r->in_fd, 0);
	r->in_watched = false;
	r->in_fd = -1;
	/* The master's termios is the pty's (the slave's): its EOF character. */
	if (tcgetattr(r->master, &t) == 0 && t.c_cc[VEOF] != _POSIX_VDISABLE)
		eof = (char)t.c_cc[VEOF];
	r->in_start = 0;
	r->in_len = count;
	memset(r->in, eof, count);
	flush_input(r);
}

static int relay_input(struct relay *r)
{
	ssize_t n;

	if (r->in_fd < 0 || r->in_len > 0)
		return GO_ON;
	n = read(r->in_fd, r->in, sizeof(r->in));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return GO_ON;
	if (n > 0) {
		r->in_start = 0;
		r->in_len = (size_t)n;
		r->last_in = (unsigned char)r->in[n - 1];
		flush_input(r);
		return GO_ON;
	}
	/* A terminal in raw mode reads 0 or EIO only once it is hung up. */
	if (r->in_tty)
		return hang_up(r);
	end_input(r);
	return GO_ON;
}

static int relay_signal(struct relay *r)
{
	struct signalfd_siginfo si;
	int sig;

	if (RETRY_EINTR(read(r->sigfd, &si, sizeof(si))) != (ssize_t)sizeof(si))
		return GO_ON;
	sig = (int)si.ssi_signo;
	switch (sig) {
	case SIGWINCH:
		send_window_size(r);
		return GO_ON;
	case SIGUSR1:
	case SIGUSR2:
		lsl_run_forward_signal(r->ctrl, sig);
		return GO_ON;
	case SIGTSTP:
		/* Asked to stop (not typed: Ctrl-Z is a byte for the pty): the terminal is the shell's meanwhile. */
		lsl_tty_put_back(&r->saved);
		kill(getpid(), SIGSTOP);
		return GO_ON;
	case SIGCONT:
		/* Back from a stop, of either kind: the shell put its own settings back; the size may be new. */
		if (lsl_tty_reapply_raw(&r->saved) < 0)
			log_debug("cannot put the terminal back in raw mode");
		send_window_size(r);
		return GO_ON;
	default:
		/* SIGINT, SIGTERM, SIGHUP, SIGQUIT: passed on, and lsl does not wait (a shell ignores most). */
		lsl_run_forward_signal(r->ctrl, sig);
		return 128 + sig;
	}
}

/* After EXIT_STATUS: what the process wrote just before it exited is still in the pty. */
static void drain_output(struct relay *r)
{
	char buf[OUTPUT_CHUNK];

	while (r->master_open) {
		ssize_t n = read(r->master, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		/* EAGAIN: the pty is empty (a read flushes the kernel's pending work first). EIO: closed. */
		if (n <= 0 || (r->out_fd >= 0 && write_out(r->out_fd, buf, (size_t)n) < 0))
			break;
	}
}

static int relay_control(struct relay *r, struct lsl_err *e)
{
	bool started = true;
	_cleanup_close_ int ignored = -1;
	int code = 1;
	int k = lsl_run_control(r->ctrl, &code, &started, &ignored, e);

	if (k == 1)
		return GO_ON;
	drain_output(r);
	return k < 0 ? k : code;
}

static int relay_loop(struct relay *r, struct lsl_err *e)
{
	for (;;) {
		struct epoll_event ev[8];
		int n, k = GO_ON;
		/* A stdin epoll cannot watch is always ready: read it before waiting for anything. */
		bool in_ready = r->in_fd >= 0 && !r->in_pollable && r->in_len == 0;

		if (in_ready) {
			k = relay_input(r);
			if (k != GO_ON)
				return k;
		}
		in_ready = r->in_fd >= 0 && !r->in_pollable && r->in_len == 0;
		n = epoll_wait(r->epfd, ev, ARRAY_SIZE(ev), in_ready ? 0 : -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return lsl_err_set(e, errno, "relaying the terminal");
		for (int i = 0; i < n && k == GO_ON; i++) {
			int fd = ev[i].data.fd;

			if (fd == r->ctrl)
				k = relay_control(r, e);
			else if (fd == r->sigfd)
				k = relay_signal(r);
			else if (fd == r->master && r->master_open) {
				if (ev[i].events & EPOLLOUT)
					flush_input(r);
				if (ev[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
					k = relay_output(r, e);
			} else if (fd == r->in_fd && r->in_watched)
				k = relay_input(r);
		}
		if (k != GO_ON)
			return k;
	}
}

static int relay_setup(struct relay *r, uint32_t flags, struct lsl_err *e)
{
	int k, acc;

	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (r->epfd < 0)
		return lsl_err_set(e, errno, "relaying the terminal");
	k = fd_set_nonblock(r->master, true);
	if (k == 0)
		k = epoll_set(r, EPOLL_CTL_ADD, r->ctrl, EPOLLIN);
	if (k == 0)
		k = epoll_set(r, EPOLL_CTL_ADD, r->sigfd, EPOLLIN);
	if (k == 0)
		k = epoll_set(r, EPOLL_CTL_ADD, r->master, EPOLLIN);
	if (k < 0)
		return lsl_err_set(e, k, "relaying the terminal");
	r->master_open = true;

	if (flags & LSL_RUN_PTY_STDIN) {
		r->in_fd = STDIN_FILENO;
		r->in_tty = isatty(STDIN_FILENO);
		k = epoll_set(r, EPOLL_CTL_ADD, r->in_fd, EPOLLIN);
		if (k < 0 && k != -EPERM)
			return lsl_err_set(e, k, "watching standard input");
		r->in_pollable = r->in_watched = k == 0;
	}
	r->out_fd = lsl_tty_output_fd(flags);
	/* stdin as the output (only it is a terminal): only if it was opened for writing too. */
	acc = fcntl(r->out_fd, F_GETFL);
	if (acc < 0 || (acc & O_ACCMODE) == O_RDONLY)
		r->out_fd = -1;
	for (int i = 0; i < 3 && r->size_fd < 0; i++)
		if (isatty(i))
			r->size_fd = i;

	/* Ctrl-C, Ctrl-Z and the rest are bytes for the pty now, not signals for lsl. */
	if (r->in_tty) {
		k = lsl_tty_make_raw(STDIN_FILENO, !(flags & LSL_RUN_PTY_STDOUT), &r->saved);
		if (k < 0)
			log_debug("cannot put the terminal in raw mode: %s", strerror(-k));
	}
	/* It may have changed since RUN was sent. */
	send_window_size(r);
	return 0;
}

int lsl_pty_relay(int ctrl, int sigfd, int master, uint32_t flags, struct lsl_err *e)
{
	struct relay r = { .ctrl = ctrl, .sigfd = sigfd, .master = master, .epfd = -1, .in_fd = -1,
			   .out_fd = -1, .size_fd = -1, .last_in = -1, .saved = LSL_TTY_SAVED_INIT };
	struct sigaction ignore = { .sa_handler = SIG_IGN };
	int code;

	/* A closed output is an error to handle (restoring the terminal), not a death by SIGPIPE. */
	sigaction(SIGPIPE, &ignore, NULL);
	code = relay_setup(&r, flags, e);
	if (code == 0)
		code = relay_loop(&r, e);
	lsl_tty_restore(&r.saved);
	if (r.epfd >= 0)
		close(r.epfd);
	close(master);
	return code;
}
