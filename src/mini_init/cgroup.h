/* SPDX-License-Identifier: MIT */
/*
 * The cgroup of each distribution: <cgroup2 mount>/<base>/<name>, made
 * before its init is cloned into it and emptied and removed after it exits.
 * Only the cgroup2 hierarchy is used (/sys/fs/cgroup on a pure v2 host,
 * /sys/fs/cgroup/unified on a hybrid one); it may have no controllers.
 */
#pragma once

#include <stdbool.h>

#include "log.h"

struct lsl_cgroup {
	char *base;    /* first component, e.g. "lsl" */
	char *name;    /* the distribution's cgroup below it */
	int base_fd;   /* <root>/<base> */
	int dir_fd;    /* <root>/<base>/<name>: CLONE_INTO_CGROUP target */
	int events_fd; /* its cgroup.events: EPOLLPRI on every change of "populated" */
	bool created;  /* made by us: removed again if the launch fails */
};

#define LSL_CGROUP_INIT { .base_fd = -1, .dir_fd = -1, .events_fd = -1 }

/* ---- pure logic ---- */

/*
 * Check the cgroup a LAUNCH_INIT names: relative, no empty, "." or ".."
 * component, nothing but [A-Za-z0-9._-] in it, and exactly "<base>/<name>".
 * Returns 0 or -EINVAL with the reason in e.
 */
int lsl_cgroup_check_path(const char *cgroup, const char *base, const char *name, struct lsl_err *e);

/*
 * The mount point (unescaped, allocated) of the first mount of fstype in
 * /proc/self/mountinfo text, or NULL (errno ENOENT, or ENOMEM).
 */
char *lsl_mountinfo_find_fstype(const char *text, const char *fstype);

/* "populated N" of cgroup.events text: 1, 0, or -EINVAL when absent or malformed. */
int lsl_cgroup_events_populated(const char *text);

/* ---- the cgroup filesystem ---- */

/*
 * The cgroup2 mount point: /sys/fs/cgroup or /sys/fs/cgroup/unified when it
 * is cgroup2 (statfs magic), else the first cgroup2 mount of
 * /proc/self/mountinfo. Returns 0 with *path allocated, or -ENOENT.
 */
int lsl_cgroup2_mount(char **path, struct lsl_err *e);

/*
 * Make <rootfd>/<base> and <base>/<name> and open them. A leftover
 * <base>/<name> with no process in it is removed (with its children) and
 * made afresh; one with processes is -EBUSY. On failure nothing is left
 * that was not there, except that the removed leftover stays removed.
 */
int lsl_cgroup_create(int rootfd, const char *base, const char *name, struct lsl_cgroup *cg, struct lsl_err *e);

/* 1 when the cgroup or a descendant has a live process, 0 when not, or a negative errno. */
int lsl_cgroup_populated(const struct lsl_cgroup *cg);

/*
 * SIGKILL everything in the cgroup and its descendants: cgroup.kill, or on
 * kernels without it each pid of every cgroup.procs (call again on each
 * cgroup.events change until it is empty: forks race with the reading).
 */
int lsl_cgroup_kill(const struct lsl_cgroup *cg);

/*
 * Remove the (empty) cgroup and every child cgroup a distribution made,
 * deepest first, then <base> if nothing else is in it. Closes cg's fds.
 */
int lsl_cgroup_remove(int rootfd, struct lsl_cgroup *cg);

/* Close the fds and free the names (the cgroup itself stays). */
void lsl_cgroup_close(struct lsl_cgroup *cg);

/*
 * At mini_init's start: every cgroup below <base> was left by an earlier
 * mini_init of this instance that was killed. SIGKILL what is left in each,
 * wait (at most timeout_ms) until they are empty, and remove them (and
 * <base> if nothing else is there). Returns 0, or a negative errno
 * (-ETIMEDOUT: some still had processes; those were left in place).
 */
int lsl_cgroup_remove_leftovers(int rootfd, const char *base, int timeout_ms);
