/* SPDX-License-Identifier: MIT */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd-limit.h"
#include "util.h"

struct lsl_child {
	pid_t pid;
	int pidfd;
	struct lsl_watch *watch;
	lsl_child_exit_fn on_exit;
	void *userdata;
};

static int pidfd_open_(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

static int pidfd_kill(int pidfd, int sig) { return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0); }

/* The wait status of an exited child, reaping it. */
static int reap(int pidfd, pid_t pid)
{
	siginfo_t si = { 0 };

	if (RETRY_EINTR(waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED)) < 0) {
		/* Without P_PIDFD support, the pid is still ours until reaped. */
		int status = 0;
		if (RETRY_EINTR(waitpid(pid, &status, 0)) < 0)
			return 0;
		return status;
	}
	if (si.si_code == CLD_EXITED)
		return W_EXITCODE(si.si_status, 0);
	return si.si_status & 0x7f; /* killed or dumped: the signal */
}

char **lsl_helper_env(const char *const *base)
{
	static const char *const passed[] = { "LSL_DEBUG", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS" };
	_cleanup_strv_free_ char **env = NULL;

	for (; base && *base; base++)
		if (strv_extend(&env, *base) < 0)
			return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(passed); i++) {
		const char *v = getenv(passed[i]);
		_cleanup_free_ char *kv = NULL;
		if (!v)
			continue;
		kv = strdup_printf("%s=%s", passed[i], v);
		if (!kv || strv_extend(&env, kv) < 0)
			return NULL;
	}
	if (!env && strv_extend(&env, "PATH=/usr/sbin:/usr/bin:/sbin:/bin") < 0)
		return NULL;
	return TAKE_PTR(env);
}

const char *lsl_wait_status_str(int status)
{
	static char buf[64];

	if (WIFEXITED(status))
		snprintf(buf, sizeof(buf), "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, sizeof(buf), "signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, sizeof(buf), "wait status %#x", (unsigned)status);
	return buf;
}

static void child_exited(void *userdata, uint32_t events)
{
	struct lsl_child *c = userdata;
	int status = reap(c->pidfd, c->pid);

	lsl_loop_unwatch(c->watch);
	close(c->pidfd);
	if (c->on_exit)
		c->on_exit(c->userdata, status);
	free(c);
}

static int watch_child(struct lsl_loop *loop, pid_t pid, int pidfd, lsl_child_exit_fn on_exit, void *userdata,
		       struct lsl_child **out)
{
	struct lsl_child *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	*c = (struct lsl_child){ .pid = pid, .pidfd = pidfd, .on_exit = on_exit, .userdata = userdata };
	c->watch = lsl_loop_watch(loop, pidfd, EPOLLIN, child_exited, c);
	if (!c->watch) {
		int r = negative_errno();
		free(c);
		return r;
	}
	if (out)
		*out = c;
	return 0;
}

/* What the child reports on the error pipe when it cannot exec. */
struct spawn_failure {
	int err;
	int step; /* 0 exec, 1 mounts, 2 fds, 3 session */
};

static void report_failure(int fd, int step)
{
	struct spawn_failure f = { .err = errno ? errno : EIO, .step = step };
	(void)!write(fd, &f, sizeof(f));
	_exit(127);
}

/* The child's own side: nothing here allocates (the parent prepared everything). */
_noreturn_ static void exec_child(const struct lsl_spawn_opts *o, int null_fd, int err_fd)
{
	int base = (int)o->nfds + 1, hi[8];
	sigset_t none;

	if (o->private_mounts && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		report_failure(err_fd, 1);
	/* Lift every source above the targets first, so that no dup2 clobbers another source. */
	err_fd = fcntl(err_fd, F_DUPFD_CLOEXEC, base);
	if (err_fd < 0)
		_exit(127);
	for (size_t i = 0; i < o->nfds; i++) {
		hi[i] = fcntl(o->fds[i] >= 0 ? o->fds[i] : null_fd, F_DUPFD_CLOEXEC, base);
		if (hi[i] < 0)
			report_failure(err_fd, 2);
	}
	for (size_t i = 0; i < o->nfds; i++)
		if (dup2(hi[i], (int)i) < 0)
			report_failure(err_fd, 2);
	if (dup3(err_fd, base - 1, O_CLOEXEC) < 0)
		report_failure(err_fd, 2);
	err_fd = base - 1;
	(void)close_range((unsigned)base, ~0U, 0);

	/* Nothing of the service's signal state: ignored signals would stay ignored across exec. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	if (setsid() < 0)
		report_failure(err_fd, 3);
	if (chdir("/") < 0)
		report_failure(err_fd, 2);
	lsl_nofile_restore(); /* the service raised its own open file limit */
	execve(o->path, o->argv, o->envp);
	report_failure(err_fd, 0);
	_exit(127);
}

int lsl_child_spawn(struct lsl_loop *loop, const struct lsl_spawn_opts *o, lsl_child_exit_fn on_exit,
		    void *userdata, struct lsl_child **out, struct lsl_err *e)
{
	static const char *const steps[] = { "", ": making its mounts private", ": passing its file descriptors",
					     ": creating its session" };
	_cleanup_close_ int null_fd = -1, err_rd = -1, err_wr = -1, pidfd = -1;
	struct clone_args args = { 0 };
	struct spawn_failure f;
	int pipefd[2], status, r;
	long pid;
	ssize_t n;

	if (o->nfds > 7)
		return lsl_err_setf(e, EINVAL, "cannot run %s: too many file descriptors", o->path);
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (null_fd < 0)
		return lsl_err_set(e, errno, "cannot run %s: opening /dev/null", o->path);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return lsl_err_set(e, errno, "cannot run %s: pipe", o->path);
	err_rd = pipefd[0];
	err_wr = pipefd[1];

	args.flags = CLONE_PIDFD | o->namespaces;
	args.pidfd = (uint64_t)(uintptr_t)&pidfd;
	args.exit_signal = SIGCHLD;
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0)
		return lsl_err_set(e, errno, "cannot run %s: clone3", o->path);
	if (pid == 0)
		exec_child(o, null_fd, err_wr);

	err_wr = (close(err_wr), -1);
	/* EOF: the exec happened. Anything else is why it did not. */
	n = RETRY_EINTR(read(err_rd, &f, sizeof(f)));
	if (n != 0) {
		status = reap(pidfd, (pid_t)pid);
		if (n != (ssize_t)sizeof(f) || f.step < 0 || f.step >= (int)ARRAY_SIZE(steps))
			return lsl_err_setf(e, EIO, "cannot run %s: it failed before exec (%s)", o->path,
					    lsl_wait_status_str(status));
		return lsl_err_set(e, f.err, "cannot run %s%s", o->path, steps[f.step]);
	}
	r = watch_child(loop, (pid_t)pid, pidfd, on_exit, userdata, out);
	if (r < 0) {
		pidfd_kill(pidfd, SIGKILL);
		reap(pidfd, (pid_t)pid);
		return lsl_err_set(e, r, "watching %s", o->path);
	}
	pidfd = -1;
	return 0;
}

int lsl_child_fork(struct lsl_loop *loop, int (*fn)(void *arg), void *arg, lsl_child_exit_fn on_exit,
		   void *userdata, struct lsl_child **out, struct lsl_err *e)
{
	_cleanup_close_ int pidfd = -1;
	pid_t pid;
	int r;

	pid = fork();
	if (pid < 0)
		return lsl_err_set(e, errno, "fork");
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		_exit(fn(arg) == 0 ? 0 : 1);
	}
	pidfd = pidfd_open_(pid);
	if (pidfd < 0) {
		r = negative_errno();
		kill(pid, SIGKILL);
		(void)RETRY_EINTR(waitpid(pid, NULL, 0));
		return lsl_err_set(e, r, "pidfd_open");
	}
	r = watch_child(loop, pid, pidfd, on_exit, userdata, out);
	if (r < 0) {
		pidfd_kill(pidfd, SIGKILL);
		reap(pidfd, pid);
		return lsl_err_set(e, r, "watching a child process");
	}
	pidfd = -1;
	return 0;
}

pid_t lsl_child_pid(const struct lsl_child *c) { return c->pid; }

void lsl_child_kill(struct lsl_child *c)
{
	if (pidfd_kill(c->pidfd, SIGKILL) < 0 && errno != ESRCH)
		log_warning_errno(errno, "killing process %d", (int)c->pid);
}

void lsl_child_set_exit(struct lsl_child *c, lsl_child_exit_fn on_exit, void *userdata)
{
	c->on_exit = on_exit;
	c->userdata = userdata;
}

void lsl_child_wait_detach(struct lsl_child *c, int timeout_ms)
{
	struct pollfd p = { .fd = c->pidfd, .events = POLLIN };

	if (RETRY_EINTR(poll(&p, 1, timeout_ms)) <= 0) {
		log_warning("process %d did not exit in time: killing it", (int)c->pid);
		pidfd_kill(c->pidfd, SIGKILL);
	}
	reap(c->pidfd, c->pid);
	lsl_loop_unwatch(c->watch);
	close(c->pidfd);
	free(c);
}
