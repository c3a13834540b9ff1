/* SPDX-License-Identifier: MIT */
#include "tty-mode.h"

#include <errno.h>
#include <signal.h>

#include "macros.h"

/* tcsetattr from a background job would stop lsl with SIGTTOU; blocked, the change is allowed. */
static int set_attr(int fd, const struct termios *t)
{
	sigset_t ttou, old;
	int r = 0;

	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	/* TCSANOW: keeps what the user typed ahead; output is processed when written, not later. */
	if (RETRY_EINTR(tcsetattr(fd, TCSANOW, t)) < 0)
		r = negative_errno();
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}

int lsl_tty_reapply_raw(const struct lsl_tty_saved *s)
{
	struct termios raw;

	if (s->fd < 0)
		return 0;
	raw = s->termios;
	cfmakeraw(&raw);
	if (s->keep_output)
		raw.c_oflag = s->termios.c_oflag;
	return set_attr(s->fd, &raw);
}

int lsl_tty_make_raw(int fd, bool keep_output, struct lsl_tty_saved *s)
{
	struct lsl_tty_saved t = { .fd = fd, .keep_output = keep_output };
	int r;

	if (RETRY_EINTR(tcgetattr(fd, &t.termios)) < 0)
		return negative_errno();
	r = lsl_tty_reapply_raw(&t);
	if (r < 0)
		return r;
	*s = t;
	return 0;
}

void lsl_tty_put_back(const struct lsl_tty_saved *s)
{
	if (s->fd >= 0)
		(void)set_attr(s->fd, &s->termios);
}

void lsl_tty_restore(struct lsl_tty_saved *s)
{
	lsl_tty_put_back(s);
	s->fd = -1;
}
