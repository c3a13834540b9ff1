/* SPDX-License-Identifier: MIT */
#include "boot-command.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "exec-search.h"
#include "log.h"
#include "process.h"
#include "util.h"

pid_t lsl_start_boot_command(const char *command, const char *distribution, mode_t umask, struct lsl_warnings *w)
{
	const char *argv[] = { "sh", "-c", command, NULL };
	_cleanup_close_ int null = -1, error_pipe = -1;
	struct lsl_spawn_error err = { 0 };
	struct lsl_process_request req;
	ssize_t n;
	pid_t pid;

	if (isempty(command))
		return 0;
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0) {
		lsl_warn(w, "boot command: opening /dev/null: %s", strerror(errno));
		return 0;
	}
	req = (struct lsl_process_request){
		.user = "0",
		.distribution = distribution,
		.cwd = "/",
		.filename = "/bin/sh",
		.argv = argv,
		.stdio = { null, STDOUT_FILENO, STDERR_FILENO },
		.umask = umask,
	};
	if (lsl_process_spawn(&req, &pid, &error_pipe, &err) < 0) {
		lsl_warn(w, "boot command: %s", err.message);
		return 0;
	}
	/* The pipe closes empty at exec: a short wait that tells whether the command started. */
	n = read_full(error_pipe, &err, sizeof(err));
	if (n == (ssize_t)sizeof(err)) {
		err.message[sizeof(err.message) - 1] = 0;
		lsl_warn(w, "boot command: %s", err.message);
		return 0;
	}
	log_info("boot command started (pid %d): %s", (int)pid, command);
	return pid;
}
