/* SPDX-License-Identifier: MIT */
/* Connecting to lslservice: HELLO, and starting or replacing it (doc/internals.md). */
#include "service-client.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "channel.h"
#include "identity.h"
#include "paths.h"
#include "util.h"

#define READY_FD 3         /* the fd number lslservice gets the ready pipe on */
#define LOG_TAIL_MAX 4096  /* how much of the log end is read for its last line */

/* ---------------------------------------------------------------- HELLO */

static int hello(int fd, char **identity, struct lsl_err *e)
{
	_cleanup_msg_ struct lsl_msg_builder b = { 0 };
	_cleanup_received_ struct lsl_received m = { .nfds = 0 };
	const struct lsl_msg_header *h;
	const struct lsl_msg_hello_reply *reply;
	uint64_t seq;
	int r;

	*identity = NULL;
	r = lsl_msg_init(&b, LSL_MSG_HELLO, sizeof(struct lsl_msg_hello));
	if (r < 0)
		return lsl_err_set(e, r, "preparing HELLO");
	((struct lsl_msg_hello *)lsl_msg_body(&b))->protocol_version = LSL_PROTOCOL_VERSION;
	r = lsl_service_send(fd, &b, NULL, 0, &seq, e);
	if (r < 0)
		return r;

	r = lsl_channel_recv_type(fd, LSL_MSG_HELLO_REPLY, &m, e);
	if (r == -ECONNRESET)
		return lsl_err_setf(e, r, "lslservice closed the connection before answering HELLO");
	if (r == -EBADMSG)
		return lsl_err_prefix(e, "reading lslservice's HELLO reply");
	if (r < 0)
		return lsl_err_set(e, r, "reading lslservice's HELLO reply");
	h = lsl_received_header(&m);
	if (h->seq != seq)
		return lsl_err_setf(e, EBADMSG, "lslservice answered HELLO with seq %ju, expected %ju",
				    (uintmax_t)h->seq, (uintmax_t)seq);
	if (h->type == LSL_MSG_RESULT) {
		const struct lsl_msg_result *res = m.msg;
		const char *msg = lsl_msg_str(m.msg, res->message);
		if (res->status >= 0)
			return lsl_err_setf(e, EBADMSG, "lslservice answered HELLO without a HELLO_REPLY");
		return lsl_err_setf(e, res->status, "%s", isempty(msg) ? strerror(-res->status) : msg);
	}
	reply = m.msg;
	*identity = strdup(lsl_msg_str(m.msg, reply->identity) ?: "");
	if (!*identity)
		return lsl_err_set(e, ENOMEM, "reading lslservice's HELLO reply");
	return 0;
}

/* ---------------------------------------------------------------- starting the service */

static bool nobody_listens(int r) { return r == -ENOENT || r == -ECONNREFUSED; }

static char *log_path(void) { return strdup_printf("%s/lslservice.log", lsl_runtime_dir()); }

/* The last non-empty line of the service log: the reason a start failed. */
static char *log_last_line(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	char buf[LOG_TAIL_MAX + 1], *end, *start;
	struct stat st;
	off_t from;
	ssize_t n;

	if (fd < 0 || fstat(fd, &st) < 0)
		return NULL;
	from = st.st_size > LOG_TAIL_MAX ? st.st_size - LOG_TAIL_MAX : 0;
	n = RETRY_EINTR(pread(fd, buf, LOG_TAIL_MAX, from));
	if (n <= 0)
		return NULL;
	buf[n] = 0;
	end = buf + strlen(buf); /* a NUL in the log ends the text early, harmlessly */
	while (end > buf && (end[-1] == '\n' || end[-1] == '\r'))
		*--end = 0;
	if (end == buf)
		return NULL;
	start = strrchr(buf, '\n');
	return strdup(start ? start + 1 : buf);
}

/*
 * In the grandchild: become lslservice with stdin /dev/null, stdout and
 * stderr appended to the log, the ready pipe as READY_FD and nothing else.
 * Never returns.
 */
_noreturn_ static void exec_service(char *const *argv, int log_fd, int ready_fd)
{
	sigset_t none;
	int null_fd, hi_log, hi_ready, hi_null;

	/* A daemon owes nothing to the caller's signal state, directory or umask. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	umask(022);

	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	/* Lift everything above the target numbers first, so no dup2 clobbers a source. */
	hi_log = fcntl(log_fd, F_DUPFD_CLOEXEC, 10);
	hi_ready = fcntl(ready_fd, F_DUPFD_CLOEXEC, 10);
	hi_null = null_fd < 0 ? -1 : fcntl(null_fd, F_DUPFD_CLOEXEC, 10);
	if (hi_log < 0 || hi_ready < 0 || hi_null < 0 || dup2(hi_null, 0) < 0 || dup2(hi_log, 1) < 0 ||
	    dup2(hi_log, 2) < 0 || dup2(hi_ready, READY_FD) < 0) {
		dprintf(hi_log >= 0 ? hi_log : log_fd, "lsl could not prepare lslservice's file descriptors: %s\n",
			strerror(errno));
		_exit(1);
	}
	close_range(READY_FD + 1, ~0U, 0);
	if (chdir("/") < 0) {
		dprintf(2, "lsl could not change to /: %s\n", strerror(errno));
		_exit(1);
	}
	execv(argv[0], argv);
	dprintf(2, "lsl could not execute %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/*
 * Start lslservice (with --replace when an old one is on its way out) and
 * wait for its word. Returns 1 when it said it listens, 0 when it went away
 * without a word (it lost the race for the lock, or failed), or -errno.
 */
static int start_service(const char *exe, bool replace, int log_fd, struct lsl_err *e)
{
	_cleanup_close_ int rd = -1, wr = -1;
	char ready_arg[16], *argv[5];
	int pipefd[2], status;
	size_t k = 0;
	pid_t pid;
	char byte;
	ssize_t n;

	snprintf(ready_arg, sizeof(ready_arg), "%d", READY_FD);
	argv[k++] = (char *)exe;
	argv[k++] = (char *)"--ready-fd";
	argv[k++] = ready_arg;
	if (replace)
		argv[k++] = (char *)"--replace";
	argv[k] = NULL;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return lsl_err_set(e, errno, "starting lslservice: pipe");
	rd = pipefd[0];
	wr = pipefd[1];

	fflush(NULL); /* nothing buffered may be written twice by the children */
	pid = fork();
	if (pid < 0)
		return lsl_err_set(e, errno, "starting lslservice: fork");
	if (pid == 0) {
		/* Its own session, and a grandchild: the service is nobody's child or terminal. */
		if (setsid() < 0)
			_exit(1);
		pid = fork();
		if (pid != 0)
			_exit(pid < 0 ? 1 : 0);
		exec_service(argv, log_fd, wr);
	}
	wr = (close(wr), -1);
	if (RETRY_EINTR(waitpid(pid, &status, 0)) < 0)
		return lsl_err_set(e, errno, "starting lslservice: waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return lsl_err_setf(e, ECHILD, "cannot start lslservice: fork failed");

	/* One byte: listening. EOF: it exited (or exec failed) without listening. */
	n = RETRY_EINTR(read(rd, &byte, 1));
	if (n < 0)
		return lsl_err_set(e, errno, "waiting for lslservice to start");
	return n == 1;
}

static int cannot_reach(struct lsl_err *e, const char *path, int r)
{
	return lsl_err_set(e, r, "cannot reach lslservice at %s", path);
}

/*
 * Connect and HELLO. Returns the fd, or a negative errno with e set;
 * -ENOENT and -ECONNREFUSED mean that no service listens.
 */
static int connect_and_hello(const char *path, char **identity, struct lsl_err *e)
{
	_cleanup_close_ int fd = -1;
	int r;

	*identity = NULL;
	fd = lsl_unix_connect(path);
	if (fd < 0)
		return cannot_reach(e, path, fd);
	r = hello(fd, identity, e);
	if (r < 0)
		return nobody_listens(r) ? -EPROTO : r;
	return TAKE_FD(fd);
}

/* Serializes lsl processes that start the service, so that one starts it and the rest connect. */
static int take_start_lock(const char *log, struct lsl_err *e)
{
	_cleanup_close_ int fd = open(log, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return lsl_err_set(e, errno, "cannot start lslservice: opening %s", log);
	if (RETRY_EINTR(flock(fd, LOCK_EX)) < 0)
		return lsl_err_set(e, errno, "cannot start lslservice: locking %s", log);
	return TAKE_FD(fd);
}

int lsl_service_open(struct lsl_err *e)
{
	_cleanup_free_ char *path = lsl_service_socket_path(), *exe = NULL, *ours = NULL, *theirs = NULL,
			    *log = NULL, *reason = NULL;
	_cleanup_close_ int fd = -1, log_fd = -1, lock_fd = -1;
	bool replace = false;
	int r, id_r;

	if (!path)
		return lsl_err_set(e, ENOMEM, "finding the service socket");
	exe = lsl_helper_path("lslservice");
	if (!exe)
		return lsl_err_set(e, errno ?: ENOMEM, "finding lslservice");
	/* Without our own service's identity (not installed?), any running service will do. */
	id_r = lsl_exe_identity(exe, &ours);
	if (id_r == -ENOMEM)
		return lsl_err_set(e, ENOMEM, "finding lslservice");

	fd = connect_and_hello(path, &theirs, e);
	if (fd >= 0) {
		if (!ours || streq(theirs, ours))
			return TAKE_FD(fd);
		log_debug("the service at %s is another build (%s, ours %s): replacing it", path, theirs, ours);
		r = lsl_service_shutdown(fd, e);
		if (r < 0)
			return r;
		fd = (close(fd), -1);
		replace = true;
	} else if (!nobody_listens(fd) || geteuid() != 0) {
		/* Only root may start the service: anyone else just learns it is not there. */
		return fd;
	}

	if (!ours)
		return lsl_err_set(e, id_r, "cannot start lslservice: %s", exe);
	r = mkdir_p(lsl_runtime_dir(), 0755);
	if (r < 0)
		return lsl_err_set(e, r, "cannot start lslservice: creating %s", lsl_runtime_dir());
	log = log_path();
	if (!log)
		return lsl_err_set(e, ENOMEM, "starting lslservice");
	/* 0600, also for a log an older lsl made: it names root's distributions, paths and commands. */
	log_fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0600);
	if (log_fd < 0)
		return lsl_err_set(e, errno, "cannot start lslservice: opening %s", log);
	if (fchmod(log_fd, 0600) < 0)
		return lsl_err_set(e, errno, "cannot start lslservice: restricting %s to root", log);
	lock_fd = take_start_lock(log, e);
	if (lock_fd < 0)
		return lock_fd;

	/* Another lsl may have started (or replaced) it while this one waited for the lock. */
	free(theirs);
	fd = connect_and_hello(path, &theirs, e);
	if (fd >= 0) {
		if (streq(theirs, ours))
			return TAKE_FD(fd);
		r = lsl_service_shutdown(fd, e);
		if (r < 0)
			return r;
		fd = (close(fd), -1);
		replace = true;
	} else if (!nobody_listens(fd)) {
		return fd;
	}

	r = start_service(exe, replace, log_fd, e);
	if (r < 0)
		return r;
	free(theirs);
	fd = connect_and_hello(path, &theirs, e);
	if (fd >= 0 || r == 1 || !nobody_listens(fd))
		return TAKE_FD(fd);
	/* It went away without listening, and nobody else listens: its log says why. */
	reason = log_last_line(log);
	if (reason)
		return lsl_err_setf(e, EHOSTDOWN, "cannot start lslservice: %s", reason);
	return lsl_err_setf(e, EHOSTDOWN, "cannot start lslservice: it exited without a reason (see %s)", log);
}

int lsl_service_open_running(struct lsl_err *e)
{
	_cleanup_free_ char *path = lsl_service_socket_path();
	int fd;

	if (!path)
		return lsl_err_set(e, ENOMEM, "finding the service socket");
	fd = lsl_unix_connect(path);
	if (nobody_listens(fd))
		return -ENOENT;
	if (fd < 0)
		return cannot_reach(e, path, fd);
	return fd;
}
