/* SPDX-License-Identifier: MIT */
/*
 * [boot] systemd: the distribution's own systemd as its pid 1, lsl's init
 * going on as its child (as WSL does). init forks; the parent, still pid 1,
 * execs /sbin/init; the child keeps the channel and serves it, in a cgroup
 * of its own (/lsl below the distribution's cgroup), as the subreaper of
 * everything it starts. The child learns that systemd finished booting
 * from systemd itself: systemd, started with NOTIFY_SOCKET, sends READY=1
 * there when its start-up transaction is done (running or degraded). The
 * wait is bounded by boot.initTimeout; past it the start goes on with a
 * warning.
 *
 * Before the exec, what keeps systemd from disturbing lsl and the host:
 * /proc/sys and /sys read-only (as systemd-nspawn does: no sysctl.d, udev
 * or binfmt.d of the distribution applied to the host's kernel), the
 * host's binfmt_misc status file covered by a read-only "enabled" (nothing
 * can flush every entry), masks and drop-ins in /run/systemd/system
 * (systemd-units.h), and an empty /run/tmpfiles.d/x11.conf.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "warnings.h"
#include "wsl-conf.h"

/* The distribution-side directory of lsl's own runtime files. */
#define LSL_INIT_RUN_DIR "/run/lsl"
#define LSL_SYSTEMD_NOTIFY_PATH LSL_INIT_RUN_DIR "/systemd-notify"
/* The cgroup (below the distribution's) of lsl's init and of what it starts, once systemd runs. */
#define LSL_SYSTEMD_LSL_CGROUP "lsl"
/* Longest wait for the boot: the service abandons a start after 300 s. */
#define LSL_SYSTEMD_TIMEOUT_MAX_MS 240000

enum lsl_systemd_state {
	LSL_SYSTEMD_OFF = 0, /* not asked for, or not started */
	LSL_SYSTEMD_BOOTING, /* pid 1 is /sbin/init, start-up not finished */
	LSL_SYSTEMD_READY,   /* start-up finished */
	LSL_SYSTEMD_LATE,    /* still booting when boot.initTimeout passed: the start went on */
	LSL_SYSTEMD_FAILED,  /* /sbin/init could not be executed: pid 1 only reaps */
};

struct lsl_systemd {
	enum lsl_systemd_state state;
	bool waiting;  /* the answer to INITIALIZE waits for the boot */
	bool exec_known; /* the exec of /sbin/init happened (or failed) */
	int epoll_fd;  /* the caller's, where the fds below are watched */
	int notify_fd; /* NOTIFY_SOCKET of pid 1 */
	int exec_fd;   /* pid 1's exec outcome: an int errno, or EOF once /sbin/init runs */
	int timer_fd;  /* boot.initTimeout */
	int timeout_ms;
	uint64_t start_ns;
	char *host_id, *host_version; /* the host's os-release, for container_host_id and _version_id */
};

#define LSL_SYSTEMD_INIT ((struct lsl_systemd){ .epoll_fd = -1, .notify_fd = -1, .exec_fd = -1, .timer_fd = -1 })

/* Remember the host's ID and VERSION_ID from its mount tree (before automount takes the fd). */
void lsl_systemd_note_host(struct lsl_systemd *sd, int host_root_fd);

/*
 * Start the distribution's systemd as described above. The fds the caller
 * must watch are added to epoll_fd with the given tags (notify, exec,
 * timer). Returns true in the child (lsl's init) when systemd was started
 * and sd->waiting says whether to wait for it; false when it was not
 * started (every reason is a warning). The parent never returns.
 */
bool lsl_systemd_start(struct lsl_systemd *sd, const struct lsl_wsl_conf *conf, int epoll_fd, const uint32_t tags[3],
		       struct lsl_warnings *w);

/* One event on sd's fds (tag index 0, 1, 2 as given). Returns true when the wait is over now. */
bool lsl_systemd_event(struct lsl_systemd *sd, int which, struct lsl_warnings *w);

/* systemd is pid 1 (booting or booted): termination asks it to power off. */
bool lsl_systemd_is_pid1(const struct lsl_systemd *sd);

/* Ask systemd (pid 1) for its shutdown transaction, as `systemctl poweroff` would. */
void lsl_systemd_poweroff(void);

/*
 * What processes forked later from init (session leaders and theirs) see:
 * whether they start in a logind session, and how long to wait for one.
 */
bool lsl_systemd_user_sessions(void);
int lsl_systemd_session_timeout_ms(void);

/*
 * For counting user processes (idle.h): whether the process pid (its
 * directory `name` below proc_fd) counts. Always, unless systemd runs: then
 * only what lsl's init started does, the processes of its cgroup (/lsl),
 * init itself excepted; systemd's services do not keep a distribution
 * running (as with WSL).
 */
bool lsl_systemd_idle_counts(int proc_fd, int pid, const char *name);
