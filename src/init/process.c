/* SPDX-License-Identifier: MIT */
#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "command.h"
#include "environment.h"
#include "fd-limit.h"
#include "log.h"
#include "macros.h"
#include "passwd.h"
#include "protocol.h"
#include "pty.h"
#include "systemd.h"
#include "user-session.h"
#include "util.h"

/* Everything the child needs, prepared before fork() so that the child allocates nothing. */
struct prepared {
	struct lsl_user user;
	struct lsl_command command;
	char **env;
	char *cwd;
	bool cwd_explicit;
	const char *cwd_asked;
};

static void prepared_clear(struct prepared *p)
{
	lsl_user_clear(&p->user);
	lsl_command_clear(&p->command);
	strv_free(p->env);
	free(p->cwd);
}

static int prepare(const struct lsl_process_request *req, struct prepared *p, struct lsl_spawn_error *err)
{
	struct lsl_err e = { 0 };
	_cleanup_free_ char *lang = NULL;
	_cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (rootfd < 0) {
		r = negative_errno();
		lsl_spawn_error_set(err, r, 1, "opening the root directory: %s", strerror(-r));
		return r;
	}
	r = lsl_user_resolve_at(rootfd, req->user, req->default_uid, req->distribution, &p->user, &e);
	if (r < 0) {
		lsl_spawn_error_set(err, r, 1, "%s", lsl_err_str(&e));
		return r;
	}
	r = lsl_build_command(req->flags, req->filename, p->user.shell, req->argv, &p->command, &e);
	if (r < 0) {
		lsl_spawn_error_set(err, r, 1, "%s", lsl_err_str(&e));
		return r;
	}
	r = lsl_locale_lang_at(rootfd, &lang);
	if (r == 0)
		r = lsl_build_environment(&p->user, req->env, lang, req->distribution, &p->env);
	if (r == 0 && req->login_session)
		r = lsl_user_session_env(&p->env, p->user.uid);
	if (r == 0)
		r = lsl_resolve_cwd(req->cwd, p->user.home, &p->cwd);
	if (r < 0) {
		lsl_spawn_error_set(err, r, 1, "preparing the environment: %s", strerror(-r));
		return r;
	}
	p->cwd_explicit = !isempty(req->cwd);
	p->cwd_asked = req->cwd;
	return 0;
}

static _noreturn_ void child_fail(int pipe_fd, struct lsl_spawn_error *err)
{
	/* Smaller than PIPE_BUF: one atomic write, read whole by the parent. */
	(void)!write(pipe_fd, err, sizeof(*err));
	_exit((int)err->exit_code);
}

#define FAIL(pipe_fd, err, status, code, ...)                                                      \
	do {                                                                                       \
		lsl_spawn_error_set((err), (status), (code), __VA_ARGS__);                         \
		child_fail((pipe_fd), (err));                                                      \
	} while (0)

static void reset_signals(void)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigset_t none;

	for (int sig = 1; sig < _NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Put the three stdio fds at 0, 1, 2 and the error pipe at 3; close everything else. */
static int setup_fds(const int stdio[3], int *pipe_fd)
{
	int copies[3];
	int p = fcntl(*pipe_fd, F_DUPFD_CLOEXEC, 3);

	if (p < 0)
		return negative_errno();
	/* Copies above 2 first: a source may itself be 0, 1 or 2. */
	for (int i = 0; i < 3; i++) {
		copies[i] = fcntl(stdio[i], F_DUPFD_CLOEXEC, 3);
		if (copies[i] < 0)
			return negative_errno();
	}
	for (int i = 0; i < 3; i++)
		if (dup2(copies[i], i) < 0)
			return negative_errno();
	if (p != 3) {
		if (dup3(p, 3, O_CLOEXEC) < 0)
			return negative_errno();
		p = 3;
	}
	*pipe_fd = p;
	if (close_range(4, ~0U, 0) < 0) {
		int keep = 3;
		close_all_fds(4, &keep, 1);
	}
	return 0;
}

static int become_user(const struct lsl_user *u)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	_Static_assert(sizeof(gid_t) == sizeof(uint32_t), "gid_t is 32 bits");
	if (setgroups(u->ngroups, (const gid_t *)u->groups) < 0)
		return negative_errno();
	if (setgid(u->gid) < 0 || setuid(u->uid) < 0)
		return negative_errno();
	/* Never go on with ids other than the ones asked for. */
	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0)
		return negative_errno();
	if (ru != u->uid || eu != u->uid || su != u->uid || rg != u->gid || eg != u->gid || sg != u->gid)
		return -EPERM;
	return 0;
}

static _noreturn_ void child_run(const struct prepared *p, const struct lsl_process_request *req, int pipe_fd)
{
	static const uint32_t pty_bit[3] = { LSL_RUN_PTY_STDIN, LSL_RUN_PTY_STDOUT, LSL_RUN_PTY_STDERR };
	struct lsl_spawn_error err;
	int stdio[3] = { req->stdio[0], req->stdio[1], req->stdio[2] };
	bool pty = (req->flags & LSL_RUN_PTY) && req->pty_master >= 0;
	int r;

	if (setsid() < 0)
		FAIL(pipe_fd, &err, negative_errno(), 1, "creating a session: %s", strerror(errno));
	reset_signals();
	umask(req->umask & 0777);
	/* The new pty is the controlling terminal, and each std fd it stands for. */
	if (pty) {
		int slave = lsl_pty_slave_for(req->pty_master, p->user.uid);
		if (slave < 0)
			FAIL(pipe_fd, &err, slave, 1, "setting up the terminal: %s", strerror(-slave));
		for (int i = 0; i < 3; i++)
			if (req->flags & pty_bit[i])
				stdio[i] = slave;
	}
	r = setup_fds(stdio, &pipe_fd);
	if (r < 0)
		FAIL(pipe_fd, &err, r, 1, "setting up file descriptors: %s", strerror(-r));
	/* Without a pty, a terminal as stdin becomes the controlling one, so that job control works. */
	if (!pty && isatty(0))
		(void)ioctl(0, TIOCSCTTY, 0);

	/* As root, with the user's stderr: its logind session (once per user), as WSL's login -f. */
	if (req->login_session)
		lsl_user_session_ensure(&p->user, lsl_systemd_session_timeout_ms());

	r = become_user(&p->user);
	if (r < 0)
		FAIL(pipe_fd, &err, r, 1, "changing to user %s (uid %u): %s", p->user.name, p->user.uid,
		     strerror(-r));

	if (chdir(p->cwd) < 0) {
		if (p->cwd_explicit)
			FAIL(pipe_fd, &err, negative_errno(), 1, "cannot change directory to '%s': %s",
			     p->cwd_asked, strerror(errno));
		(void)!chdir("/");
	}

	/* The open file limit init and the session leader raised for themselves: after the fds are in place. */
	lsl_nofile_restore();
	lsl_exec_search(p->command.program, lsl_env_get(p->env, "PATH"), p->command.argv, p->env, lsl_execve,
			&err);
	child_fail(pipe_fd, &err);
}

int lsl_process_spawn(const struct lsl_process_request *req, pid_t *pid, int *error_pipe,
		      struct lsl_spawn_error *err)
{
	struct prepared p = { 0 };
	int pipe_fds[2];
	pid_t child;
	int r;

	r = prepare(req, &p, err);
	if (r < 0)
		goto out;
	if (pipe2(pipe_fds, O_CLOEXEC) < 0) {
		r = negative_errno();
		lsl_spawn_error_set(err, r, 1, "creating a pipe: %s", strerror(-r));
		goto out;
	}
	child = fork();
	if (child < 0) {
		r = negative_errno();
		lsl_spawn_error_set(err, r, 1, "creating the process: %s", strerror(-r));
		close(pipe_fds[0]);
		close(pipe_fds[1]);
		goto out;
	}
	if (child == 0) {
		close(pipe_fds[0]);
		child_run(&p, req, pipe_fds[1]);
	}
	close(pipe_fds[1]);
	*pid = child;
	*error_pipe = pipe_fds[0];
	r = 0;
out:
	prepared_clear(&p);
	return r;
}
