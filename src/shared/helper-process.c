/* SPDX-License-Identifier: MIT */
#include "helper-process.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "macros.h"
#include "util.h"

void lsl_helper_reset_process(void)
{
	static const int default_signals[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT };
	sigset_t none;

	clearenv();
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		setlocale(LC_CTYPE, "C");
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(default_signals); i++)
		signal(default_signals[i], SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_DUMPABLE, 0);
}

bool lsl_fd_is_open(int fd) { return fcntl(fd, F_GETFD) >= 0 || errno != EBADF; }

void lsl_fill_stdout_stderr(void) { fill_std_fds(1); }

int lsl_progress_fd(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || ((fl & O_ACCMODE) != O_WRONLY && (fl & O_ACCMODE) != O_RDWR))
		return -1;
	if (fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	return fd;
}
