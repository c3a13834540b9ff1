/* SPDX-License-Identifier: MIT */
/*
 * systemd's user-session machinery for lsl's processes (WSL runs
 * `login -f USER` once per user for the same purpose): the first time a
 * user runs something in a distribution whose systemd runs, a session is
 * opened for that user through PAM (`runuser -l USER`, whose PAM stack has
 * pam_systemd), kept open by a process that lives as long as the
 * distribution. logind lists it, mounts /run/user/UID and starts the
 * user's systemd --user; lsl's processes get XDG_RUNTIME_DIR and
 * DBUS_SESSION_BUS_ADDRESS pointing there.
 */
#pragma once

#include <stdbool.h>

#include "passwd.h"

/*
 * Make sure u has a logind session, opening one if logind knows none,
 * waiting at most timeout_ms for it. Runs in the child that becomes the
 * user's process, as root, before it changes ids: concurrent first
 * processes of one user take a lock, so one session is opened. A failure
 * is told once on stderr (fd 2, the user's) and changes nothing else: the
 * process starts anyway, as with WSL. Remembered per user in /run/lsl, so
 * an attempt that failed is not repeated for every process.
 */
void lsl_user_session_ensure(const struct lsl_user *u, int timeout_ms);

/* Append XDG_RUNTIME_DIR and DBUS_SESSION_BUS_ADDRESS for uid to *env. Returns 0 or -ENOMEM. */
int lsl_user_session_env(char ***env, unsigned uid);

/*
 * The distribution stops (init, before asking systemd to power off): end
 * the holders' runuser at once, so that stopping the sessions' scopes does
 * not wait for runuser's own grace (it sleeps 2 s after a SIGTERM).
 */
void lsl_user_sessions_end(void);
