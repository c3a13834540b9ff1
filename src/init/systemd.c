/* SPDX-License-Identifier: MIT */
#include "systemd.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "macros.h"
#include "mount-util.h"
#include "os-release.h"
#include "systemd-parse.h"
#include "systemd-units.h"
#include "util.h"

#define SYSTEMD_INIT "/sbin/init"
#define BINFMT_DIR "/proc/sys/fs/binfmt_misc"

#ifndef BINFMTFS_MAGIC
#define BINFMTFS_MAGIC 0x42494e4d
#endif

/* Inherited by every process init forks once systemd runs (see lsl_systemd_user_sessions). */
static struct {
	bool user_sessions;
	int timeout_ms;
} inherited;

bool lsl_systemd_user_sessions(void) { return inherited.user_sessions; }
int lsl_systemd_session_timeout_ms(void) { return inherited.timeout_ms; }

bool lsl_systemd_idle_counts(int proc_fd, int pid, const char *name)
{
	_cleanup_free_ char *path = NULL, *text = NULL;

	/* init itself, no longer pid 1 (also when /sbin/init failed and pid 1 only reaps). */
	if (pid == (int)getpid())
		return false;
	if (!inherited.user_sessions)
		return true;
	path = strdup_printf("%s/cgroup", name);
	/* Unreadable: count it, never stop a distribution on a guess. */
	if (!path || read_file_at(proc_fd, path, 64 * 1024, &text, NULL) < 0)
		return true;
	return lsl_cgroup_text_within(text, "/" LSL_SYSTEMD_LSL_CGROUP);
}

bool lsl_systemd_is_pid1(const struct lsl_systemd *sd)
{
	return sd->state == LSL_SYSTEMD_BOOTING || sd->state == LSL_SYSTEMD_READY || sd->state == LSL_SYSTEMD_LATE;
}

void lsl_systemd_poweroff(void)
{
	/* systemd's signal for "start poweroff.target", what `systemctl poweroff` asks for. */
	if (kill(1, SIGRTMIN + 4) < 0)
		log_warning_errno(errno, "asking systemd to power off");
}

void lsl_systemd_note_host(struct lsl_systemd *sd, int host_root_fd)
{
	if (host_root_fd < 0 || sd->host_id)
		return;
	/* Absolute links in the host's tree resolve inside it (lsl_os_release_at: RESOLVE_IN_ROOT). */
	if (lsl_os_release_at(host_root_fd, &sd->host_id, &sd->host_version) < 0)
		log_debug("the host's os-release could not be read");
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void close_watched(struct lsl_systemd *sd, int *fd)
{
	if (*fd < 0)
		return;
	(void)epoll_ctl(sd->epoll_fd, EPOLL_CTL_DEL, *fd, NULL);
	close(*fd);
	*fd = -1;
}

/* ---- checks and preparations, before the fork ---- */

/* /sbin/init (resolved inside the root: init runs after pivot_root) must be an executable file. */
static bool init_usable(struct lsl_warnings *w)
{
	struct stat st;
	const char *why = NULL;

	if (stat(SYSTEMD_INIT, &st) < 0)
		why = errno == ENOENT ? "does not exist" : strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "is not a regular file";
	else if (access(SYSTEMD_INIT, X_OK) < 0)
		why = "is not executable";
	if (!why)
		return true;
	lsl_warn(w, "[boot] systemd is set but " SYSTEMD_INIT " %s: the distribution starts without systemd", why);
	return false;
}

static int write_at(int dirfd, const char *name, const char *text, mode_t mode)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);

	if (fd < 0)
		return negative_errno();
	return write_full(fd, text, strlen(text));
}

/* <esc(path)>.mount.d/lsl.conf and <esc(path)>-.mount.d/lsl.conf: the mount and everything below it. */
static int guard_mount(int units_fd, const char *path)
{
	_cleanup_free_ char *esc = lsl_systemd_escape_path(path);
	static const char *const suffixes[] = { ".mount.d", "-.mount.d" };

	if (!esc)
		return negative_errno();
	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
		_cleanup_free_ char *dir = strdup_printf("%s%s", esc, suffixes[i]);
		_cleanup_close_ int dfd = -1;
		int r;

		if (!dir)
			return -ENOMEM;
		if (mkdirat(units_fd, dir, 0755) < 0 && errno != EEXIST)
			return negative_errno();
		dfd = openat(units_fd, dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd < 0)
			return negative_errno();
		r = write_at(dfd, "lsl.conf", lsl_systemd_mount_guard, 0644);
		if (r < 0)
			return r;
	}
	return 0;
}

static void mask(int units_fd, const char *unit, struct lsl_warnings *w)
{
	if (symlinkat("/dev/null", units_fd, unit) < 0 && errno != EEXIST)
		lsl_warn(w, "masking %s for systemd: %s", unit, strerror(errno));
}

static void write_units(const struct lsl_wsl_conf *conf, struct lsl_warnings *w)
{
	_cleanup_close_ int units = -1, tmpfiles = -1;
	_cleanup_free_ char *host = NULL;
	struct lsl_err e = { 0 };
	int r;

	units = lsl_open_dir_nofollow("/run/systemd/system", 0755, true, &e);
	if (units < 0) {
		lsl_warn(w, "preparing systemd: %s", lsl_err_str(&e));
		return;
	}
	for (size_t i = 0; i < lsl_systemd_masked_units_count; i++)
		mask(units, lsl_systemd_masked_units[i], w);
	if (conf->boot_protect_binfmt)
		for (size_t i = 0; i < lsl_systemd_binfmt_units_count; i++)
			mask(units, lsl_systemd_binfmt_units[i], w);

	r = guard_mount(units, "/mnt/wsl");
	if (r == 0 && conf->automount_enabled) {
		host = strdup_printf("%shost", conf->automount_root ? conf->automount_root : "/mnt/");
		r = host ? guard_mount(units, host) : -ENOMEM;
	}
	if (r < 0)
		lsl_warn(w, "preparing systemd: writing the drop-ins for lsl's mounts: %s", strerror(-r));

	/* Shadows the distribution's rule that empties /tmp/.X11-unix at boot: it may be the host's. */
	tmpfiles = lsl_open_dir_nofollow("/run/tmpfiles.d", 0755, true, &e);
	if (tmpfiles < 0 || write_at(tmpfiles, "x11.conf", "# lsl: /tmp/.X11-unix is left alone\n", 0644) < 0)
		lsl_warn(w, "preparing systemd: /run/tmpfiles.d/x11.conf: %s",
			 tmpfiles < 0 ? lsl_err_str(&e) : strerror(errno));
}

/* Stack a read-only bind of path on itself (not recursive). */
static int bind_read_only(const char *path)
{
	_cleanup_close_ int tree = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };

	if (tree < 0)
		return negative_errno();
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &ro, sizeof(ro)) < 0)
		return negative_errno();
	if (move_mount(tree, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return negative_errno();
	return 0;
}

/* Bind a read-only copy of rundir/name (holding text) over target. */
static int cover_file(int rundir, const char *name, const char *text, const char *target)
{
	_cleanup_close_ int copy = -1, dest = -1;
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
	int r = write_at(rundir, name, text, 0444);

	if (r < 0)
		return r;
	copy = open_tree(rundir, name, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
	dest = open(target, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (copy < 0 || dest < 0)
		return negative_errno();
	if (mount_setattr(copy, "", AT_EMPTY_PATH, &ro, sizeof(ro)) < 0)
		return negative_errno();
	if (move_mount(copy, "", dest, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return negative_errno();
	return 0;
}

/* The host's binfmt_misc is seen here, its status file covered by a read-only "enabled". */
static void protect_binfmt(int rundir, struct lsl_warnings *w)
{
	struct lsl_err e = { 0 };
	struct statfs fs;
	int r;

	if (statfs(BINFMT_DIR, &fs) < 0 || fs.f_type != BINFMTFS_MAGIC) {
		if (lsl_mount_new("binfmt_misc", NULL, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
				  BINFMT_DIR, &e) < 0) {
			lsl_warn(w, "boot.protectBinfmt: %s", lsl_err_str(&e));
			return;
		}
	}
	r = cover_file(rundir, "binfmt-status", "enabled\n", BINFMT_DIR "/status");
	if (r < 0)
		lsl_warn(w, "boot.protectBinfmt: covering " BINFMT_DIR "/status: %s", strerror(-r));
}

static int new_boot_id(int rundir)
{
	_cleanup_free_ char *uuid = NULL;
	/* Each read of this file is a new random UUID. */
	int r = read_file_at(AT_FDCWD, "/proc/sys/kernel/random/uuid", 64, &uuid, NULL);

	if (r < 0)
		return r;
	return cover_file(rundir, "boot-id", uuid, "/proc/sys/kernel/random/boot_id");
}

/* Read-only /proc/sys and /sys: what the distribution's systemd would apply there is the host's. */
static void protect_kernel(const struct lsl_wsl_conf *conf, int rundir, struct lsl_warnings *w)
{
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
	int r = bind_read_only("/proc/sys");

	if (r < 0)
		lsl_warn(w, "preparing systemd: making /proc/sys read-only: %s", strerror(-r));
	/* After /proc/sys: a mount below it would be hidden by the bind. */
	if (conf->boot_protect_binfmt)
		protect_binfmt(rundir, w);
	/* A boot id of its own (the host's is the kernel's): journalctl -b tells this boot from the last. */
	r = new_boot_id(rundir);
	if (r < 0)
		log_warning_errno(r, "giving systemd a boot id of its own");
	/* /sys is init's own sysfs mount: flag it, its submounts (cgroups) stay writable. */
	if (mount_setattr(AT_FDCWD, "/sys", AT_SYMLINK_NOFOLLOW, &ro, sizeof(ro)) < 0)
		lsl_warn(w, "preparing systemd: making /sys read-only: %s", strerror(errno));
}

/* The cgroup2 directory as mounted at boot: /sys/fs/cgroup, or unified/ below it (automount.cgroups=v1). */
static const char *cgroup2_dir(void)
{
	struct statfs fs;

	if (statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
		return "/sys/fs/cgroup";
	if (statfs("/sys/fs/cgroup/unified", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
		return "/sys/fs/cgroup/unified";
	return NULL;
}

static int make_lsl_cgroup(void)
{
	const char *dir = cgroup2_dir();
	_cleanup_free_ char *path = NULL;

	if (!dir)
		return -ENOENT;
	path = strdup_printf("%s/" LSL_SYSTEMD_LSL_CGROUP, dir);
	if (!path)
		return -ENOMEM;
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return negative_errno();
	return 0;
}

/*
 * lsl's init (the child) into /lsl, by pid 1 before it execs systemd: the
 * distribution's root cgroup then holds systemd alone, which moves itself
 * to init.scope and may enable controllers there (a cgroup with processes
 * of its own cannot).
 */
static void move_to_lsl_cgroup(pid_t child)
{
	const char *dir = cgroup2_dir();
	_cleanup_free_ char *procs = dir ? strdup_printf("%s/" LSL_SYSTEMD_LSL_CGROUP "/cgroup.procs", dir) : NULL;
	_cleanup_close_ int fd = procs ? open(procs, O_WRONLY | O_CLOEXEC) : -1;
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", (int)child);
	if (fd < 0 || write_full(fd, pid, strlen(pid)) < 0)
		log_warning("could not move init to the cgroup /" LSL_SYSTEMD_LSL_CGROUP ": %s", strerror(errno));
}

static int make_notify_socket(int rundir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int one = 1;

	if (fd < 0)
		return negative_errno();
	_Static_assert(sizeof(LSL_SYSTEMD_NOTIFY_PATH) <= sizeof(sa.sun_path), "notify path fits");
	memcpy(sa.sun_path, LSL_SYSTEMD_NOTIFY_PATH, sizeof(LSL_SYSTEMD_NOTIFY_PATH));
	(void)unlinkat(rundir, "systemd-notify", 0);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return negative_errno();
	/* The sender's pid comes with each datagram: only pid 1 is listened to. */
	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
		return negative_errno();
	return TAKE_FD(fd);
}

/* ---- pid 1 ---- */

/* When /sbin/init cannot be executed, pid 1 stays: it reaps, and ends (the namespace with it) after init. */
static _noreturn_ void reap_until(pid_t child)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, 0);

		if (pid == child || (pid < 0 && errno == ECHILD))
			_exit(0);
	}
}

static _noreturn_ void exec_systemd(pid_t child, int exec_pipe, char **envp)
{
	char *argv[] = { (char *)SYSTEMD_INIT, NULL };
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;
	int err;

	/* systemd starts as the kernel would start it: default signals, nothing of init's open. */
	for (int sig = 1; sig < _NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	close_all_fds(3, &exec_pipe, 1);
	execve(SYSTEMD_INIT, argv, envp);
	err = errno;
	(void)!write(exec_pipe, &err, sizeof(err));
	close(exec_pipe);
	reap_until(child);
}

/* ---- start ---- */

static int arm_timer(struct lsl_systemd *sd)
{
	struct itimerspec its = { 0 };

	sd->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (sd->timer_fd < 0)
		return negative_errno();
	its.it_value.tv_sec = sd->timeout_ms / 1000;
	its.it_value.tv_nsec = (long)(sd->timeout_ms % 1000) * 1000000L;
	if (timerfd_settime(sd->timer_fd, 0, &its, NULL) < 0)
		return negative_errno();
	return 0;
}

bool lsl_systemd_start(struct lsl_systemd *sd, const struct lsl_wsl_conf *conf, int epoll_fd, const uint32_t tags[3],
		       struct lsl_warnings *w)
{
	_cleanup_free_ char *host_id = NULL, *host_version = NULL;
	_cleanup_close_ int rundir = -1;
	struct lsl_err e = { 0 };
	char *envp[5] = { NULL };
	size_t n = 0;
	int pipe_fds[2], r;
	pid_t child;

	sd->epoll_fd = epoll_fd;
	if (!init_usable(w))
		return false;
	rundir = lsl_open_dir_nofollow(LSL_INIT_RUN_DIR, 0755, true, &e);
	if (rundir < 0) {
		lsl_warn(w, "cannot start systemd: %s", lsl_err_str(&e));
		return false;
	}
	if (pipe2(pipe_fds, O_CLOEXEC) < 0) {
		lsl_warn(w, "cannot start systemd: creating a pipe: %s", strerror(errno));
		return false;
	}
	r = make_lsl_cgroup();
	if (r < 0)
		lsl_warn(w, "preparing systemd: the cgroup /" LSL_SYSTEMD_LSL_CGROUP ": %s", strerror(-r));
	write_units(conf, w);
	protect_kernel(conf, rundir, w);

	/* Waiting needs the notification socket; without it the start goes on at once. */
	sd->notify_fd = make_notify_socket(rundir);
	if (sd->notify_fd < 0)
		lsl_warn(w, "cannot wait for systemd: its notification socket: %s", strerror(-sd->notify_fd));
	sd->timeout_ms = conf->boot_init_timeout_ms > LSL_SYSTEMD_TIMEOUT_MAX_MS ? LSL_SYSTEMD_TIMEOUT_MAX_MS
										 : conf->boot_init_timeout_ms;

	/* WSL's variables, lsl's values: systemd treats any container= as a container. */
	envp[n++] = (char *)"container=lsl";
	if (sd->host_id && (host_id = strdup_printf("container_host_id=%s", sd->host_id)))
		envp[n++] = host_id;
	if (sd->host_version && (host_version = strdup_printf("container_host_version_id=%s", sd->host_version)))
		envp[n++] = host_version;
	if (sd->notify_fd >= 0)
		envp[n++] = (char *)"NOTIFY_SOCKET=" LSL_SYSTEMD_NOTIFY_PATH;

	child = fork();
	if (child < 0) {
		lsl_warn(w, "cannot start systemd: fork: %s", strerror(errno));
		close(pipe_fds[0]);
		close(pipe_fds[1]);
		close_watched(sd, &sd->notify_fd);
		return false;
	}
	if (child > 0) {
		close(pipe_fds[0]);
		move_to_lsl_cgroup(child);
		exec_systemd(child, pipe_fds[1], envp);
	}

	/* lsl's init, no longer pid 1: orphans of what it starts come back to it, not to systemd. */
	close(pipe_fds[1]);
	sd->exec_fd = pipe_fds[0];
	sd->state = LSL_SYSTEMD_BOOTING;
	sd->start_ns = now_ns();
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		log_warning_errno(errno, "becoming a subreaper");
	log_info("systemd started (" SYSTEMD_INIT " as pid 1), waiting up to %d ms", sd->timeout_ms);

	if (fd_set_nonblock(sd->exec_fd, true) < 0 || epoll_watch(epoll_fd, sd->exec_fd, EPOLLIN, tags[1]) < 0) {
		log_warning_errno(errno, "watching the start of systemd");
		close(TAKE_FD(sd->exec_fd));
		sd->exec_known = true;
	}
	if (sd->notify_fd >= 0 && epoll_watch(epoll_fd, sd->notify_fd, EPOLLIN, tags[0]) < 0) {
		log_warning_errno(errno, "watching systemd's notifications");
		close(TAKE_FD(sd->notify_fd));
	}
	/* No socket or no time to wait: the answer only waits for the exec's outcome. */
	sd->waiting = true;
	if (sd->notify_fd >= 0 && sd->timeout_ms > 0) {
		r = arm_timer(sd);
		if (r == 0)
			r = epoll_watch(epoll_fd, sd->timer_fd, EPOLLIN, tags[2]);
		if (r < 0) {
			lsl_warn(w, "cannot wait for systemd: its timer: %s", strerror(-r));
			close_watched(sd, &sd->timer_fd);
		}
	}
	inherited.user_sessions = true;
	inherited.timeout_ms = sd->timeout_ms > 0 ? sd->timeout_ms : 10000;
	if (sd->exec_known && sd->timer_fd < 0)
		sd->waiting = false;
	return true;
}

/* ---- events ---- */

static uint64_t elapsed_ms(const struct lsl_systemd *sd) { return (now_ns() - sd->start_ns) / 1000000ull; }

/* The wait ends: the boot finished, timed out, or there is nothing to wait with. */
static bool wait_over(struct lsl_systemd *sd)
{
	bool was = sd->waiting;

	close_watched(sd, &sd->timer_fd);
	sd->waiting = false;
	return was;
}

static bool notify_event(struct lsl_systemd *sd)
{
	char buf[4096];
	union {
		struct cmsghdr align;
		char space[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 16)];
	} control;
	bool over = false;

	for (;;) {
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control,
				     .msg_controllen = sizeof(control) };
		struct lsl_sd_notify msg;
		pid_t sender = 0;
		ssize_t len = recvmsg(sd->notify_fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

		if (len < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				log_warning_errno(errno, "reading systemd's notifications");
			return over;
		}
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level != SOL_SOCKET)
				continue;
			if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len == CMSG_LEN(sizeof(struct ucred))) {
				struct ucred uc;
				memcpy(&uc, CMSG_DATA(c), sizeof(uc));
				sender = uc.pid;
			} else if (c->cmsg_type == SCM_RIGHTS) {
				/* Nobody is to send fds here: never keep them. */
				size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
				for (size_t i = 0; i < nfd; i++) {
					int fd;
					memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
					close(fd);
				}
			}
		}
		if (sender != 1 || (mh.msg_flags & MSG_TRUNC)) {
			log_debug("ignoring a notification from pid %d", (int)sender);
			continue;
		}
		lsl_sd_notify_parse(buf, (size_t)len, &msg);
		if (msg.stopping)
			log_info("systemd is shutting down");
		if (msg.ready && sd->state != LSL_SYSTEMD_READY) {
			/* CLOCK_MONOTONIC is the host's too: a caller can time its start to this moment. */
			log_info("systemd finished booting after %llu ms (monotonic %llu us)%s%s",
				 (unsigned long long)elapsed_ms(sd), (unsigned long long)(now_ns() / 1000),
				 msg.status[0] ? ": " : "", msg.status);
			sd->state = LSL_SYSTEMD_READY;
			over |= wait_over(sd);
		}
	}
}

static bool exec_event(struct lsl_systemd *sd, struct lsl_warnings *w)
{
	int err = 0;
	ssize_t n = read(sd->exec_fd, &err, sizeof(err));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return false;
	close_watched(sd, &sd->exec_fd);
	sd->exec_known = true;
	if (n == 0) {
		log_debug(SYSTEMD_INIT " is running as pid 1");
		/* Nothing else to wait for when there is no timer (no socket, or boot.initTimeout <= 0). */
		return sd->timer_fd < 0 ? wait_over(sd) : false;
	}
	if (n != (ssize_t)sizeof(err) || err <= 0)
		err = EIO;
	lsl_warn(w, "cannot start systemd: executing " SYSTEMD_INIT ": %s: the distribution runs without it",
		 strerror(err));
	sd->state = LSL_SYSTEMD_FAILED;
	inherited.user_sessions = false;
	close_watched(sd, &sd->notify_fd);
	return wait_over(sd);
}

static bool timer_event(struct lsl_systemd *sd, struct lsl_warnings *w)
{
	if (!sd->waiting || sd->state != LSL_SYSTEMD_BOOTING)
		return wait_over(sd);
	sd->state = LSL_SYSTEMD_LATE;
	lsl_warn(w, "systemd did not finish booting within %d ms (boot.initTimeout): the distribution starts "
		    "while it boots ('systemctl list-jobs' shows what it waits for)", sd->timeout_ms);
	return wait_over(sd);
}

bool lsl_systemd_event(struct lsl_systemd *sd, int which, struct lsl_warnings *w)
{
	switch (which) {
	case 0:
		return sd->notify_fd >= 0 ? notify_event(sd) : false;
	case 1:
		return sd->exec_fd >= 0 ? exec_event(sd, w) : false;
	case 2:
		return sd->timer_fd >= 0 ? timer_event(sd, w) : false;
	}
	return false;
}
