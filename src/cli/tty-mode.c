/* SPDX-License-Identifier: MIT */
#include "tty-mode.h"

#include <errno.h>
#include <signal.h>

#include "macros.h"

int lsl_tty_make_raw(int fd, bool keep_output, struct lsl_tty_saved *s)
{
	struct termios raw;

	if (RETRY_EINTR(tcgetattr(fd, &s->termios)) < 0)
		return negative_errno();
	raw = s->termios;
	cfmakeraw(&raw);
	if (keep_output)
		raw.c_oflag = s->termios.c_oflag;
	/* TCSANOW: keeps what the user typed ahead; output is processed when written, not later. */
	if (RETRY_EINTR(tcsetattr(fd, TCSANOW, &raw)) < 0)
		return negative_errno();
	s->fd = fd;
	return 0;
}

void lsl_tty_restore(struct lsl_tty_saved *s)
{
	sigset_t ttou, old;

	if (s->fd < 0)
		return;
	/* From a background job, SIGTTOU would stop lsl here; blocked, the change is allowed. */
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	(void)RETRY_EINTR(tcsetattr(s->fd, TCSANOW, &s->termios));
	sigprocmask(SIG_SETMASK, &old, NULL);
	s->fd = -1;
}
