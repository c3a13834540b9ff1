/* SPDX-License-Identifier: MIT */
#include "user-session.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "environment.h"
#include "log.h"
#include "mount-util.h"
#include "systemd-parse.h"
#include "systemd.h"
#include "util.h"

#define SESSIONS_DIR LSL_INIT_RUN_DIR "/user-sessions"
#define READY_LINE "lsl-user-session-ready\n"
/*
 * What runs inside the session, as the user: say it is open (PAM is done,
 * so logind has it), then hold it for the distribution's lifetime.
 */
#define HOLDER_SCRIPT "echo lsl-user-session-ready; exec sleep 2147483647 >/dev/null"

static const char *const runuser_paths[] = { "/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser", "/bin/runuser" };

/* logind's record of the user says its session (or lingering) and systemd --user are there. */
static bool logind_has(unsigned uid)
{
	_cleanup_free_ char *text = NULL;
	char path[64];

	snprintf(path, sizeof(path), "/run/systemd/users/%u", uid);
	if (read_file_at(AT_FDCWD, path, 64 * 1024, &text, NULL) < 0)
		return false;
	return lsl_logind_user_active(text);
}

static _noreturn_ void exec_holder(const char *user, int out)
{
	char *argv[] = { (char *)"runuser", (char *)"-l", (char *)user, (char *)"-s", (char *)"/bin/sh",
			 (char *)"-c", (char *)HOLDER_SCRIPT, NULL };
	char *envp[] = { (char *)"PATH=" LSL_DEFAULT_PATH, NULL };
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(null, 2) < 0)
		_exit(126);
	/* Above all the user process's error pipe: the holder must not keep it open. */
	if (close_range(3, ~0U, 0) < 0)
		close_all_fds(3, NULL, 0);
	for (size_t i = 0; i < ARRAY_SIZE(runuser_paths); i++)
		execve(runuser_paths[i], argv, envp);
	_exit(127);
}

static int write_file_at(int dir, const char *name, const char *text)
{
	_cleanup_close_ int fd = openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);

	return fd < 0 ? negative_errno() : write_full(fd, text, strlen(text));
}

/* "<pid>\n" of the holder (runuser) in the first line of text, or 0. */
static pid_t holder_pid(const char *text)
{
	char *end;
	long v = strtol(text, &end, 10);

	if (end == text || *end != '\n' || v <= 1 || v > INT32_MAX)
		return 0;
	return (pid_t)v;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Read from fd until READY_LINE, EOF or the deadline; *pid is the holder's
 * from the first line. Returns 0, -EPIPE (EOF) or -ETIMEDOUT.
 */
static int wait_ready(int fd, int timeout_ms, pid_t *pid)
{
	char buf[4096];
	size_t len = 0, keep = strlen(READY_LINE) - 1;
	int64_t deadline = now_ms() + timeout_ms;

	*pid = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - now_ms();
		ssize_t n;
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return negative_errno();
		if (r == 0)
			return -ETIMEDOUT;
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? -EPIPE : negative_errno();
		len += (size_t)n;
		buf[len] = 0;
		if (!*pid)
			*pid = holder_pid(buf);
		if (strstr(buf, READY_LINE))
			return 0;
		/* A chatty profile: keep only what may be the start of the line. */
		if (len == sizeof(buf) - 1) {
			memmove(buf, buf + len - keep, keep);
			len = keep;
		}
	}
}

/* Start the holder, detached (init, the subreaper, adopts it), and wait until its session is open. */
static int open_session(int dir, const struct lsl_user *u, int timeout_ms)
{
	_cleanup_close_ int rd = -1;
	int fds[2], status, r;
	pid_t mid, pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return negative_errno();
	rd = fds[0];
	mid = fork();
	if (mid < 0) {
		r = negative_errno();
		close(fds[1]);
		return r;
	}
	if (mid == 0) {
		pid_t holder;

		char line[32];

		(void)setsid();
		holder = fork();
		if (holder == 0)
			exec_holder(u->name, fds[1]);
		/* Its pid first (before anything the holder prints): init ends it at shutdown. */
		snprintf(line, sizeof(line), "%d\n", (int)holder);
		_exit(holder < 0 || write_full(fds[1], line, strlen(line)) < 0 ? 1 : 0);
	}
	close(fds[1]);
	while (waitpid(mid, &status, 0) < 0 && errno == EINTR)
		;
	r = wait_ready(rd, timeout_ms, &pid);
	if (pid > 0) {
		char name[48], text[32];

		snprintf(name, sizeof(name), "%u.holder", u->uid);
		snprintf(text, sizeof(text), "%d\n", (int)pid);
		(void)write_file_at(dir, name, text);
	}
	return r;
}

void lsl_user_session_ensure(const struct lsl_user *u, int timeout_ms)
{
	_cleanup_close_ int dir = -1, lock = -1, failed = -1;
	struct lsl_err e = { 0 };
	char name[48];
	const char *why = NULL;
	int r;

	if (logind_has(u->uid))
		return;
	dir = lsl_open_dir_nofollow(SESSIONS_DIR, 0700, true, &e);
	if (dir < 0) {
		dprintf(2, "lsl: warning: systemd user session for '%s': %s\n", u->name, lsl_err_str(&e));
		return;
	}
	/* One opener per user; the others wait here, then find the session open. */
	snprintf(name, sizeof(name), "%u.lock", u->uid);
	lock = openat(dir, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	while (lock >= 0 && flock(lock, LOCK_EX) < 0 && errno == EINTR)
		;
	if (logind_has(u->uid))
		return;
	/* Failed before for this user in this boot: said once, not again for every process. */
	snprintf(name, sizeof(name), "%u.failed", u->uid);
	if (faccessat(dir, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return;

	r = open_session(dir, u, timeout_ms);
	if (r == 0 && logind_has(u->uid))
		return;
	if (r == -ETIMEDOUT)
		why = "it did not open in time";
	else if (r == -EPIPE || r == 0)
		why = "logind did not register it";
	else
		why = strerror(-r);
	dprintf(2, "lsl: warning: could not start the systemd user session for '%s': %s; see journalctl\n", u->name,
		why);
	failed = openat(dir, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
}

int lsl_user_session_env(char ***env, unsigned uid)
{
	_cleanup_free_ char *dir = strdup_printf("XDG_RUNTIME_DIR=/run/user/%u", uid);
	_cleanup_free_ char *bus = strdup_printf("DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/%u/bus", uid);

	if (!dir || !bus || strv_extend(env, dir) < 0 || strv_extend(env, bus) < 0)
		return -ENOMEM;
	return 0;
}

/* Whether pid is a child of this process (init adopted every holder) named runuser. */
static bool is_my_holder(pid_t pid)
{
	_cleanup_free_ char *stat = NULL;
	char path[64], comm[32];
	int ppid;
	const char *close_paren;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_file_at(AT_FDCWD, path, 4096, &stat, NULL) < 0)
		return false;
	close_paren = strrchr(stat, ')');
	if (!close_paren || sscanf(stat, "%*d (%31[^)])", comm) != 1 || sscanf(close_paren, ") %*c %d", &ppid) != 1)
		return false;
	return ppid == (int)getpid() && streq(comm, "runuser");
}

void lsl_user_sessions_end(void)
{
	_cleanup_close_ int fd = open(SESSIONS_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d)
		return;
	fd = -1; /* owned by d now */
	while ((de = readdir(d))) {
		_cleanup_free_ char *text = NULL;
		pid_t pid;

		size_t n = strlen(de->d_name);

		if (n <= 7 || strcmp(de->d_name + n - 7, ".holder") != 0 ||
		    read_file_at(dirfd(d), de->d_name, 64, &text, NULL) < 0)
			continue;
		pid = holder_pid(text);
		/* Its PAM session is the scope's; the scope's stop then only has `sleep` to end. */
		if (pid > 0 && is_my_holder(pid))
			(void)kill(pid, SIGKILL);
	}
	closedir(d);
}
